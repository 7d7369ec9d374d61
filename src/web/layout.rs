//! What the page shell needs to know on every page: who is signed in (for the navigation and
//! the sign-out button) and the CSRF token that button's form carries. Web knows nothing of
//! sessions: `auth` builds a `Layout` from its session (`Layout::for_session`, in
//! `auth::guard`).
//!
//! It also carries the path of the page being answered, so that the navigation and the footer
//! can mark the link to the current page. Layouts are made in every handler from the session
//! alone, so rather than have each of them pass its path along, `remember_path` (a middleware
//! around the whole application) keeps the request's path in a task-local for the duration of
//! the request, and the constructors here read it.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    /// The path of the request being answered (see the module's comment).
    static REQUEST_PATH: String;
}

/// Middleware: answers `request` with its path remembered for the layouts made meanwhile.
pub async fn remember_path(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    REQUEST_PATH.scope(path, next.run(request)).await
}

/// The path of the request being answered, or "" outside one (in unit tests, say).
fn request_path() -> String {
    REQUEST_PATH.try_with(Clone::clone).unwrap_or_default()
}

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
    /// The path of the page being shown, for marking the current page in the navigation.
    pub path: String,
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
        Layout {
            path: request_path(),
            ..Layout::default()
        }
    }

    /// How the navigation marks its link to `href` (GOV.UK service navigation): "page" on that
    /// very page, "true" on a page inside its part of the service, "" elsewhere. "Your areas"
    /// (`/`) holds the area pages.
    pub fn nav_current(&self, href: &str) -> &'static str {
        let path = self.path.as_str();
        if path == href {
            "page"
        } else if href == "/" && path.starts_with("/areas/")
            || href != "/" && path.starts_with(href) && path[href.len()..].starts_with('/')
        {
            "true"
        } else {
            ""
        }
    }

    /// Whether `href` is the page being shown.
    pub fn is_current_page(&self, href: &str) -> bool {
        self.nav_current(href) == "page"
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
            path: request_path(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Layout;

    fn on(path: &str) -> Layout {
        Layout {
            path: path.to_owned(),
            ..Layout::default()
        }
    }

    #[test]
    fn the_link_to_this_page_is_the_current_page() {
        assert_eq!(on("/help").nav_current("/help"), "page");
        assert_eq!(on("/").nav_current("/"), "page");
        assert!(on("/cookies").is_current_page("/cookies"));
        assert!(!on("/cookies").is_current_page("/help"));
    }

    #[test]
    fn a_link_is_active_on_the_pages_below_it_only() {
        assert_eq!(on("/admin/users").nav_current("/admin"), "true");
        assert_eq!(on("/account/notifications").nav_current("/account"), "true");
        assert_eq!(on("/areas/kent/plans").nav_current("/"), "true");
        // Not a prefix at a path boundary: /administration is not under /admin.
        assert_eq!(on("/administration").nav_current("/admin"), "");
        assert_eq!(on("/programme").nav_current("/"), "");
        assert_eq!(on("/notifications").nav_current("/account"), "");
        assert!(!on("/admin/users").is_current_page("/admin"));
    }

    #[test]
    fn outside_a_request_no_page_is_current() {
        let layout = Layout::anonymous();
        assert_eq!(layout.path, "");
        assert_eq!(layout.nav_current("/"), "");
        assert_eq!(layout.nav_current("/help"), "");
    }
}
