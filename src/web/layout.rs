//! What the page shell needs to know on every page: who is signed in (for the navigation and
//! the sign-out button) and the CSRF token that button's form carries. Web knows nothing of
//! sessions: `auth` builds a `Layout` from its session (`Layout::for_session`, in
//! `auth::guard`).

#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// The signed-in person's name; `None` for visitors (and on error pages).
    pub user_name: Option<String>,
    pub is_admin: bool,
    /// Whether the navigation offers the programme dashboard (anyone with a role).
    pub sees_programme: bool,
    /// Notices not yet read (up to 100), for the navigation's count.
    pub unread_notices: i64,
    /// Whether the navigation offers the national view (assurers and administrators).
    pub sees_national: bool,
    pub csrf_token: String,
}

impl Layout {
    /// The navigation's unread count as shown: "99+" past 99.
    pub fn unread_label(&self) -> String {
        if self.unread_notices > 99 {
            "99+".to_owned()
        } else {
            self.unread_notices.to_string()
        }
    }

    /// The shell for visitors who are not signed in.
    pub fn anonymous() -> Layout {
        Layout::default()
    }

    /// The shell for `user_name` (`None`: not signed in), showing the administration link if
    /// `is_admin`, with the CSRF token of the sign-out form.
    pub fn new(user_name: Option<String>, is_admin: bool, csrf_token: String) -> Layout {
        Layout {
            user_name,
            is_admin,
            sees_programme: false,
            unread_notices: 0,
            sees_national: false,
            csrf_token,
        }
    }
}
