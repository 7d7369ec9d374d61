//! The success banner after an action. A POST that changed something redirects (303) to the page
//! showing the result with `?done=<key>`; that page shows the outcome's fixed message. The query
//! only ever names a message from a feature's fixed list (a [`Keyed`] enum whose labels are the
//! messages), so a link cannot make the page show text of its choosing.

use axum::response::Response;
use serde::Deserialize;

use super::page::see_other;
use crate::keyed::Keyed;

/// The `?done=` of the page a POST redirected to.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    pub done: Option<String>,
}

impl DoneQuery {
    /// The banner message for the outcome named, or "" (no banner) for none or an unknown key.
    pub fn banner<Outcome: Keyed>(&self) -> &'static str {
        self.done
            .as_deref()
            .and_then(Outcome::parse)
            .map(Outcome::label)
            .unwrap_or("")
    }
}

/// `path` with `outcome` in its query string, and an optional `#fragment` to scroll to.
pub fn done_url(path: &str, outcome: impl Keyed, fragment: Option<&str>) -> String {
    match fragment {
        Some(fragment) => format!("{path}?done={}#{fragment}", outcome.key()),
        None => format!("{path}?done={}", outcome.key()),
    }
}

/// After a change: go and GET `path`, which shows `outcome` in its banner.
pub fn see_done(path: &str, outcome: impl Keyed) -> Response {
    see_other(&done_url(path, outcome, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyed::keyed_enum;

    keyed_enum! {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum Outcome {
            Saved = ("saved", "Section saved"),
        }
    }

    fn query(done: Option<&str>) -> DoneQuery {
        DoneQuery {
            done: done.map(str::to_owned),
        }
    }

    #[test]
    fn only_known_outcomes_show_a_message() {
        assert_eq!(query(Some("saved")).banner::<Outcome>(), "Section saved");
        assert_eq!(query(Some("<script>")).banner::<Outcome>(), "");
        assert_eq!(query(None).banner::<Outcome>(), "");
    }

    #[test]
    fn urls_carry_the_key_and_the_fragment() {
        assert_eq!(done_url("/a", Outcome::Saved, None), "/a?done=saved");
        assert_eq!(
            done_url("/a", Outcome::Saved, Some("comment-4")),
            "/a?done=saved#comment-4"
        );
    }
}
