//! How you get your notifications by email: a daily digest at the hour you choose (the
//! default), immediate mail for what cannot wait, or none.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::keyed::keyed_enum;
use crate::notifications::MailChoice;
use crate::notifications::store::{self, Settings};
use crate::web::banner::{DoneQuery, see_done};
use crate::web::choice::Choice;
use crate::web::extract::{Form, Query};
use crate::web::form::FormErrors;
use crate::web::page::{conflict, ok, unprocessable};
use crate::web::{AppError, Layout};

keyed_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Done {
        Saved = ("saved", "Your email settings are saved"),
    }
}

#[derive(Template)]
#[template(path = "notifications/settings.html")]
struct SettingsPage {
    layout: Layout,
    banner: &'static str,
    errors: FormErrors,
    /// Said when someone else (another tab) saved first.
    stale: bool,
    mail_choices: Vec<Choice>,
    hour_choices: Vec<Choice>,
    version: i32,
    smtp_configured: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct SettingsForm {
    mail: String,
    digest_hour: String,
    version: String,
}

impl SettingsForm {
    fn from_settings(settings: Settings) -> SettingsForm {
        SettingsForm {
            mail: settings.mail.key().to_owned(),
            digest_hour: settings.digest_hour.to_string(),
            version: settings.version.to_string(),
        }
    }
}

fn page(
    state: &AppState,
    signed_in: &SignedIn,
    form: &SettingsForm,
    errors: FormErrors,
    version: i32,
) -> SettingsPage {
    SettingsPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        banner: "",
        errors,
        stale: false,
        mail_choices: MailChoice::ALL
            .into_iter()
            .map(|choice| Choice::new(choice.key(), choice.label(), &form.mail))
            .collect(),
        hour_choices: (0..24)
            .map(|hour| Choice::new(hour, format!("{hour:02}:00"), &form.digest_hour))
            .collect(),
        version,
        smtp_configured: state.config.smtp_url.is_some(),
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let settings = store::settings(&state.pool, signed_in.user.id).await?;
    let form = SettingsForm::from_settings(settings);
    ok(&SettingsPage {
        banner: query.banner::<Done>(),
        ..page(
            &state,
            &signed_in,
            &form,
            FormErrors::new(),
            settings.version,
        )
    })
}

/// The choice and hour typed, or what is wrong with them.
fn parse(form: &SettingsForm) -> Result<(MailChoice, u8), FormErrors> {
    let mut errors = FormErrors::new();
    let mail = MailChoice::parse(&form.mail);
    if mail.is_none() {
        errors.add("mail", "Select how you want to get email");
    }
    let hour = form
        .digest_hour
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|hour| *hour < 24);
    if hour.is_none() {
        errors.add("digest_hour", "Select the time of your daily digest");
    }
    match (mail, hour) {
        (Some(mail), Some(hour)) => Ok((mail, hour)),
        _ => Err(errors),
    }
}

pub(super) async fn save(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<SettingsForm>,
) -> Result<Response, AppError> {
    let version: i32 = form.version.trim().parse().unwrap_or(-1);
    let (mail, hour) = match parse(&form) {
        Ok(parsed) => parsed,
        Err(errors) => return unprocessable(&page(&state, &signed_in, &form, errors, version)),
    };
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    let before = store::settings(change.db(), signed_in.user.id).await?;
    let Some(saved) =
        store::save_settings(change.db(), signed_in.user.id, mail, hour, version).await?
    else {
        // Saved meanwhile elsewhere: show what is saved now, with this form's choices kept.
        let current = store::settings(&state.pool, signed_in.user.id).await?;
        return conflict(&SettingsPage {
            stale: true,
            ..page(
                &state,
                &signed_in,
                &form,
                FormErrors::new(),
                current.version,
            )
        });
    };
    change
        .commit(
            &Event::new(actor(&signed_in), "notice_settings.changed", "user")
                .target(signed_in.user.id)
                .details(json!({
                    "before": { "mail": before.mail.key(), "digest_hour": before.digest_hour },
                    "after": { "mail": mail.key(), "digest_hour": hour, "version": saved },
                })),
        )
        .await?;
    Ok(see_done("/account/notifications", Done::Saved))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(mail: &str, hour: &str) -> SettingsForm {
        SettingsForm {
            mail: mail.to_owned(),
            digest_hour: hour.to_owned(),
            version: "0".to_owned(),
        }
    }

    #[test]
    fn a_choice_and_an_hour_of_the_day_are_needed() {
        assert_eq!(
            parse(&form("immediate", "17")).ok(),
            Some((MailChoice::Immediate, 17))
        );
        let errors = parse(&form("", "24")).unwrap_err();
        assert_eq!(errors.message("mail"), "Select how you want to get email");
        assert_eq!(
            errors.message("digest_hour"),
            "Select the time of your daily digest"
        );
    }
}
