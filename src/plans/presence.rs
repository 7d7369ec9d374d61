//! Presence on a section page (issue 13, item 4): who else has it open and who is typing, as of
//! the page's load and, with the page's script, every few seconds after.

use askama::Template;
use time::{Duration, OffsetDateTime};

use super::store::Present;
use crate::web::format;

/// How long a visit counts as "here now" after the page's last word: the script reports every
/// `POLL_SECONDS`, so a closed page drops out within this window.
pub const WINDOW: Duration = Duration::minutes(2);

/// How often the page's script reports that it is still open (see `static/app.js`).
pub const POLL_SECONDS: u32 = 20;

/// A visit noted this recently (and typing, if the viewer is typing) is not written again: the
/// panel of the others reads `WINDOW`, so a note a few seconds old says the same, and a page
/// view or report that writes nothing commits nothing (no write-ahead log to flush).
pub const NOTED_AGAIN_AFTER: Duration = Duration::seconds(15);

/// The panel listing the others on the page, sent inside the section page and, alone, to its
/// script when it asks again.
#[derive(Template)]
#[template(path = "plans/presence.html")]
pub struct PresencePanel {
    pub present: Vec<Present>,
    pub as_of: String,
    /// Who is typing, named for the warning, if anyone.
    pub typists: String,
}

impl PresencePanel {
    pub fn new(present: Vec<Present>, now: OffsetDateTime) -> PresencePanel {
        PresencePanel {
            typists: typists(&present),
            present,
            as_of: format::date_time(now),
        }
    }
}

/// "Jo", "Jo and Sam", "Jo, Sam and Ali": the people typing, or "" for nobody.
fn typists(present: &[Present]) -> String {
    let names: Vec<&str> = present
        .iter()
        .filter(|person| person.editing_since.is_some())
        .map(|person| person.name.as_str())
        .collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn person(name: &str, editing: bool) -> Present {
        Present {
            name: name.to_owned(),
            organisation: "Kent County Council".to_owned(),
            editing_since: editing.then_some(datetime!(2026-12-06 10:42 UTC)),
        }
    }

    #[test]
    fn typists_are_named_in_a_sentence() {
        assert_eq!(typists(&[person("Jo", false)]), "");
        assert_eq!(typists(&[person("Jo", true), person("Sam", false)]), "Jo");
        assert_eq!(
            typists(&[person("Jo", true), person("Sam", true)]),
            "Jo and Sam"
        );
        assert_eq!(
            typists(&[person("Jo", true), person("Sam", true), person("Ali", true)]),
            "Jo, Sam and Ali"
        );
    }

    #[test]
    fn the_panel_warns_only_when_someone_types() {
        let now = datetime!(2026-12-06 10:43 UTC);
        let quiet = PresencePanel::new(vec![person("Jo", false)], now)
            .render()
            .unwrap();
        assert!(quiet.contains("Jo, Kent County Council"));
        assert!(!quiet.contains("editing-warning"));
        let busy = PresencePanel::new(vec![person("Sam", true)], now)
            .render()
            .unwrap();
        assert!(busy.contains("editing-warning"));
        assert!(busy.contains("Sam is typing on this page"));
        assert_eq!(
            PresencePanel::new(Vec::new(), now).render().unwrap().trim(),
            ""
        );
    }
}
