//! Guards for whole groups of pages, as extractors: `Admin` lets only administrators through
//! (applied to every administration route, see `admin::routes`), and `MaybeSignedIn` serves
//! pages that are for visitors and signed-in people alike. Both build on `SignedIn`, so the
//! checks that send a person elsewhere first (a password to change, two-factor to set up)
//! stay in one place. Also how the page shell (`web::Layout`) is built from a session, so that
//! `web` need not know about sessions.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use super::UserId;
use super::extract::{SignedIn, actor};
use super::middleware::CurrentSession;
use super::policy::{self, Action, Decision, Target};
use super::session::Session;
use crate::audit::Actor;
use crate::web::{AppError, Layout};

// An inherent impl may live in any module of the crate: this one is here so that every page
// keeps calling `Layout::for_session` while `web` itself depends on no feature.
impl Layout {
    /// The shell for whoever holds `session` (a visitor's session carries only the CSRF token).
    pub fn for_session(session: Option<&Session>) -> Layout {
        let Some(session) = session else {
            return Layout::anonymous();
        };
        match session.signed_in_user() {
            Some(user) => Layout {
                sees_programme: !user.grants.is_empty(),
                unread_notices: user.unread_notices,
                sees_national: policy::decide(
                    &user.principal(),
                    Action::ViewNationalAggregation,
                    Target::everywhere(),
                ) == Decision::Allow,
                ..Layout::new(
                    Some(user.display_name.clone()),
                    user.is_admin(),
                    session.csrf_token.clone(),
                )
            },
            None => Layout::new(None, false, session.csrf_token.clone()),
        }
    }
}

/// A signed-in administrator (`Action::Administer`). Anyone else signed in gets 403; visitors
/// are sent to sign in.
pub struct Admin(pub SignedIn);

impl Admin {
    pub fn layout(&self) -> Layout {
        Layout::for_session(Some(&self.0.session))
    }

    /// The administrator as the audit log records them.
    pub fn actor(&self) -> Actor {
        actor(&self.0)
    }

    pub fn user_id(&self) -> UserId {
        self.0.user.id
    }

    pub fn signed_in(&self) -> &SignedIn {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let signed_in = SignedIn::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        match policy::decide(
            &signed_in.user.principal(),
            Action::Administer,
            Target::everywhere(),
        ) {
            Decision::Allow => Ok(Admin(signed_in)),
            Decision::Forbidden | Decision::NotFound => Err(AppError::Forbidden.into_response()),
        }
    }
}

/// Whoever is asking, for pages that visitors and signed-in people both see: a visitor (or
/// someone whose second factor is still to come), or a fully signed-in person. A signed-in
/// person who must first change their password or set up two-factor is sent there, as
/// `SignedIn` does.
pub enum MaybeSignedIn {
    Visitor { layout: Layout },
    SignedIn(Box<SignedIn>),
}

impl MaybeSignedIn {
    pub fn layout(&self) -> Layout {
        match self {
            MaybeSignedIn::Visitor { layout } => layout.clone(),
            MaybeSignedIn::SignedIn(signed_in) => Layout::for_session(Some(&signed_in.session)),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeSignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = parts
            .extensions
            .get::<CurrentSession>()
            .and_then(|current| current.0.as_ref());
        if session.is_none_or(|session| session.signed_in_user().is_none()) {
            return Ok(MaybeSignedIn::Visitor {
                layout: Layout::for_session(session),
            });
        }
        SignedIn::from_request_parts(parts, state)
            .await
            .map(|signed_in| MaybeSignedIn::SignedIn(Box::new(signed_in)))
            .map_err(IntoResponse::into_response)
    }
}
