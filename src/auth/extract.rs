//! Extractors that make a handler require a signed-in user. The checks that send a person
//! somewhere else first (second factor, a password to change, two-factor to set up) live here,
//! in one place, so no handler can forget them.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::middleware::CurrentSession;
use super::session::{Session, SessionUser};
use crate::audit::Actor;

/// A fully signed-in user who has nothing outstanding.
pub struct SignedIn {
    pub user: SessionUser,
    pub session: Session,
}

/// A signed-in user who may still have to change their password or set up two-factor: for the
/// pages where they do exactly that (and sign out).
pub struct AccountHolder {
    pub user: SessionUser,
    pub session: Session,
}

/// Where to send someone who is not (yet) allowed in.
pub enum SignInRequired {
    SignIn { next: Option<String> },
    SecondFactor,
    ChangePassword,
    SetUpTwoFactor,
}

impl IntoResponse for SignInRequired {
    fn into_response(self) -> Response {
        let to = match self {
            SignInRequired::SignIn { next: Some(next) } => {
                format!("/sign-in?next={}", urlencoding::encode(&next))
            }
            SignInRequired::SignIn { next: None } => "/sign-in".to_owned(),
            SignInRequired::SecondFactor => "/sign-in/two-factor".to_owned(),
            SignInRequired::ChangePassword => "/account/password".to_owned(),
            SignInRequired::SetUpTwoFactor => "/account/two-factor".to_owned(),
        };
        (StatusCode::SEE_OTHER, Redirect::to(&to)).into_response()
    }
}

fn signed_in_session(parts: &Parts) -> Result<(Session, SessionUser), SignInRequired> {
    let session = parts
        .extensions
        .get::<CurrentSession>()
        .and_then(|current| current.0.clone());
    let Some(session) = session else {
        // Only pages can be returned to; a POST's form data is gone by then.
        let next = (parts.method == Method::GET)
            .then(|| parts.uri.path_and_query().map(|pq| pq.as_str().to_owned()))
            .flatten();
        return Err(SignInRequired::SignIn { next });
    };
    let Some(user) = session.user.clone() else {
        return Err(SignInRequired::SignIn { next: None });
    };
    if session.second_factor_pending {
        return Err(SignInRequired::SecondFactor);
    }
    Ok((session, user))
}

impl<S: Send + Sync> FromRequestParts<S> for AccountHolder {
    type Rejection = SignInRequired;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let (session, user) = signed_in_session(parts)?;
        Ok(AccountHolder { user, session })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = SignInRequired;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let (session, user) = signed_in_session(parts)?;
        if user.must_change_password {
            return Err(SignInRequired::ChangePassword);
        }
        if user.requires_two_factor() && !user.two_factor_enabled {
            return Err(SignInRequired::SetUpTwoFactor);
        }
        Ok(SignedIn { user, session })
    }
}

/// The signed-in person as the audit log records them.
pub fn actor(signed_in: &SignedIn) -> Actor {
    signed_in.user.actor()
}
