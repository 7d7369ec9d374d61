//! What the page shell needs to know on every page: who is signed in (for the navigation and
//! the sign-out button) and the CSRF token that button's form carries.

use crate::auth::session::Session;

#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// The signed-in person's name; `None` for visitors (and on error pages).
    pub user_name: Option<String>,
    pub is_admin: bool,
    pub csrf_token: String,
}

impl Layout {
    /// The shell for visitors who are not signed in.
    pub fn anonymous() -> Layout {
        Layout::default()
    }

    pub fn for_session(session: Option<&Session>) -> Layout {
        let Some(session) = session else {
            return Layout::anonymous();
        };
        match session.signed_in_user() {
            Some(user) => Layout {
                user_name: Some(user.display_name.clone()),
                is_admin: user.is_admin(),
                csrf_token: session.csrf_token.clone(),
            },
            None => Layout {
                csrf_token: session.csrf_token.clone(),
                ..Layout::anonymous()
            },
        }
    }
}
