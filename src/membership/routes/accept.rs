//! `/invitations/{token}`: the invitee chooses a password (and confirms their name) and gets an
//! account with the role; someone who has an account already just accepts, and the role is
//! added to it. Either way the link then stops working, and they sign in.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::audit::{Actor, Change, Event};
use crate::auth::accounts::{DisplayName, Email};
use crate::auth::middleware::CurrentSession;
use crate::auth::sign_in::{Done, visitor_layout, with_optional_cookie};
use crate::auth::store::{self as auth_store, NewUser};
use crate::auth::{password, session};
use crate::membership::store::{self, OpenInvitation};
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path};
use crate::web::page::see_other;
use crate::web::{AppError, FormErrors, Layout, page};

#[derive(Template)]
#[template(path = "membership/invitation.html")]
struct InvitationPage {
    layout: Layout,
    errors: FormErrors,
    token: String,
    invitation: OpenInvitation,
    /// The name as typed (at first, as the inviter wrote it).
    name: String,
}

#[derive(Template)]
#[template(path = "membership/invitation_gone.html")]
struct GonePage {
    layout: Layout,
}

/// No `Debug`: it holds passwords.
#[derive(Deserialize)]
pub(super) struct AcceptForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

fn gone(layout: Layout) -> Result<Response, AppError> {
    Ok((StatusCode::GONE, page::render(&GonePage { layout })?).into_response())
}

pub(super) async fn show(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let (layout, cookie) = visitor_layout(&state, session.as_ref(), &headers)?;
    let invitation =
        store::find_open(&state.pool, &session::token_hash(&token), state.clock.now()).await?;
    let Some(invitation) = invitation else {
        return Ok(with_optional_cookie(gone(layout)?, cookie));
    };
    let page = InvitationPage {
        layout,
        errors: FormErrors::new(),
        token,
        name: invitation.display_name.clone(),
        invitation,
    };
    Ok(with_optional_cookie(page::ok(&page)?, cookie))
}

/// The account to make, once the form passes: its name and password hash.
struct NewAccount {
    name: DisplayName,
    password_hash: String,
}

pub(super) async fn accept(
    State(state): State<AppState>,
    CurrentSession(session): CurrentSession,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<AcceptForm>,
) -> Result<Response, AppError> {
    let (layout, _) = visitor_layout(&state, session.as_ref(), &headers)?;
    let token_hash = session::token_hash(&token);
    let invitation = store::find_open(&state.pool, &token_hash, state.clock.now()).await?;
    let Some(invitation) = invitation else {
        return gone(layout);
    };
    // Someone with an account already only accepts; anyone else chooses a password.
    let new_account = match invitation.existing_user {
        Some(_) => None,
        None => {
            let mut errors = FormErrors::new();
            let name = match DisplayName::parse(&form.name) {
                Ok(name) => Some(name),
                Err(_) if form.name.trim().is_empty() => {
                    errors.add("name", "Enter your name");
                    None
                }
                Err(problem) => {
                    errors.add("name", problem);
                    None
                }
            };
            let personal = [
                invitation.email.as_str(),
                form.name.as_str(),
                invitation.organisation_name.as_str(),
            ];
            let typed = password::typed_twice(
                &form.new_password,
                &form.confirm_password,
                &personal,
                &mut errors,
            );
            let (Some(name), Some(new_password)) = (name, typed) else {
                return page::unprocessable(&InvitationPage {
                    layout,
                    errors,
                    token,
                    name: form.name.trim().to_owned(),
                    invitation,
                });
            };
            let password_hash = password::hash(new_password.as_str()).await?;
            Some(NewAccount {
                name,
                password_hash,
            })
        }
    };

    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    // Only one of any number of parallel acceptances gets past this.
    if store::accept(change.db(), &token_hash, now)
        .await?
        .is_none()
    {
        drop(change);
        return gone(layout);
    }
    let email = Email::parse(&invitation.email).map_err(|problem| {
        AppError::Internal(anyhow::anyhow!("invitation {}: {problem}", invitation.id))
    })?;
    let existing = auth_store::find_user_id_by_email(change.db(), email.as_str()).await?;
    let (user_id, done) = match (existing, new_account) {
        (Some(user_id), _) => (user_id, Done::RoleAdded),
        (None, Some(account)) => {
            let user_id = auth_store::insert_user(
                change.db(),
                NewUser {
                    email: &email,
                    display_name: account.name.as_str(),
                    organisation_id: invitation.organisation_id,
                    password_hash: &account.password_hash,
                    must_change_password: false,
                },
            )
            .await?;
            change
                .record(
                    &Event::new(Actor::user(user_id, email.as_str()), "user.created", "user")
                        .target(user_id)
                        .details(json!({
                            "after": {
                                "email": email.as_str(),
                                "display_name": account.name.as_str(),
                                "organisation_id": invitation.organisation_id,
                            },
                            "invitation_id": invitation.id,
                        })),
                )
                .await?;
            (user_id, Done::AccountReady)
        }
        // The account was removed since the page was shown: show it again, for a password.
        (None, None) => {
            drop(change);
            return Ok(see_other(&format!("/invitations/{token}")));
        }
    };
    store::set_accepted_by(change.db(), invitation.id, user_id).await?;
    let actor = Actor::user(user_id, email.as_str());
    let added = auth_store::insert_grant(
        change.db(),
        user_id,
        invitation.role,
        Some(invitation.area_id),
    )
    .await?;
    if added {
        change
            .record(
                &Event::new(actor.clone(), "grant.added", "user")
                    .target(user_id)
                    .area(invitation.area_id)
                    .details(json!({
                        "after": { "role": invitation.role.key(), "area_id": invitation.area_id },
                        "invitation_id": invitation.id,
                    })),
            )
            .await?;
    }
    change
        .commit(
            &Event::new(actor, "invitation.accepted", "invitation")
                .target(invitation.id)
                .area(invitation.area_id)
                .details(json!({ "user_id": user_id, "role": invitation.role.key() })),
        )
        .await?;
    Ok(see_done("/sign-in", done))
}
