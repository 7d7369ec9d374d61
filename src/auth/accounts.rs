//! Creating accounts: checked emails and names, a one-time password that must be changed at
//! first sign-in, and an audit record in the same transaction.

use serde_json::json;
use sqlx::PgConnection;

use super::UserId;
use super::password;
use super::policy::Role;
use super::store::{self, NewUser};
use crate::audit::{Actor, Change, Event};

/// An email address as typed, checked for shape (the real test is whether mail arrives). Read
/// back from the database as it is: addresses are checked when accounts are made.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Email, &'static str> {
        let email = raw.trim();
        if email.is_empty() {
            return Err("Enter an email address");
        }
        let shaped = match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            }
            None => false,
        };
        if !shaped || email.chars().any(char::is_whitespace) {
            return Err("Enter an email address in the correct format, like name@example.org");
        }
        if email.len() > 254 {
            return Err("Email address must be 254 characters or fewer");
        }
        Ok(Email(email.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's name as shown to others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, &'static str> {
        let name = raw.trim();
        if name.is_empty() {
            Err("Enter the person's name")
        } else if name.chars().count() > 200 {
            Err("Name must be 200 characters or fewer")
        } else {
            Ok(DisplayName(name.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("an account with this email address already exists")]
    EmailTaken,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// An account just made, not yet committed.
pub struct NewAccount {
    pub user_id: UserId,
    /// Shown once and never stored in clear.
    pub one_time_password: String,
    /// What to record in the audit log with the change that made it.
    pub event: Event,
}

/// Creates an account with a one-time password on `tx` (a `Change`'s connection); the caller
/// records `event` when it commits.
pub async fn create_with_one_time_password(
    tx: &mut PgConnection,
    actor: &Actor,
    email: &Email,
    name: &DisplayName,
    organisation_id: i64,
) -> Result<NewAccount, CreateAccountError> {
    if store::find_user_id_by_email(&mut *tx, email.as_str())
        .await?
        .is_some()
    {
        return Err(CreateAccountError::EmailTaken);
    }
    let one_time_password = password::generate_one_time()?;
    let password_hash = password::hash(&one_time_password).await?;
    let inserted = store::insert_user(
        &mut *tx,
        NewUser {
            email,
            display_name: name.as_str(),
            organisation_id,
            password_hash: &password_hash,
            must_change_password: true,
        },
    )
    .await;
    let user_id = match inserted {
        Ok(id) => id,
        // Two admins adding the same person at once: the index decides.
        Err(sqlx::Error::Database(error)) if error.constraint() == Some("users_email_key") => {
            return Err(CreateAccountError::EmailTaken);
        }
        Err(error) => return Err(error.into()),
    };
    let event = Event::new(actor.clone(), "user.created", "user")
        .target(user_id)
        .details(json!({
            "after": {
                "email": email.as_str(),
                "display_name": name.as_str(),
                "organisation_id": organisation_id,
            }
        }));
    Ok(NewAccount {
        user_id,
        one_time_password,
        event,
    })
}

/// `itf-planner user add`: the first administrator of a new deployment. The caller has begun
/// `change` and found or added their organisation in it (accounts know organisations only by
/// id); the account, its role and their audit records commit with it.
pub async fn create_user_from_cli(
    mut change: Change,
    email: &str,
    name: &str,
    organisation_id: i64,
    role: Option<Role>,
) -> anyhow::Result<String> {
    let email = Email::parse(email).map_err(|problem| anyhow::anyhow!("--email: {problem}"))?;
    let name = DisplayName::parse(name).map_err(|problem| anyhow::anyhow!("--name: {problem}"))?;
    let account =
        create_with_one_time_password(change.db(), &Actor::System, &email, &name, organisation_id)
            .await
            .map_err(|error| anyhow::anyhow!("{}: {error}", email.as_str()))?;
    match role {
        Some(role) => {
            store::insert_grant(change.db(), account.user_id, role, None).await?;
            change.record(&account.event).await?;
            change
                .commit(
                    &Event::new(Actor::System, "grant.added", "user")
                        .target(account.user_id)
                        .details(json!({ "after": { "role": role.key() } })),
                )
                .await?;
        }
        None => change.commit(&account.event).await?,
    }
    Ok(account.one_time_password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_must_look_like_emails() {
        assert_eq!(
            Email::parse("  sam@kent.gov.uk ").unwrap().as_str(),
            "sam@kent.gov.uk"
        );
        for bad in [
            "",
            "sam",
            "sam@",
            "@kent.gov.uk",
            "sam@kent",
            "sam smith@kent.gov.uk",
            "a@b@c.uk",
            "sam@.uk",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Email::parse(&format!("{}@x.uk", "a".repeat(250))).is_err());
    }

    #[test]
    fn names_are_trimmed_and_required() {
        assert_eq!(DisplayName::parse(" Sam ").unwrap().as_str(), "Sam");
        assert!(DisplayName::parse("  ").is_err());
        assert!(DisplayName::parse(&"x".repeat(201)).is_err());
    }
}
