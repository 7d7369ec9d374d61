//! Drafts kept on the server (issue 13, item 2): what someone typed into a section's text box
//! and did not save, kept per person and section and offered back on the section page from any
//! browser. This decides whether a draft is offered and what the page says of it; the SQL is in
//! `store::drafts`, the requests in `routes::drafts`.

use time::OffsetDateTime;

use super::store::Draft;
use crate::web::format;

/// A draft the section page offers back: "You have unsaved changes from 10:42".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftOffer {
    pub body: String,
    /// The section's version it was typed on: the edit form names it when the draft is
    /// restored, so a section changed meanwhile goes through the conflict page.
    pub based_on: i32,
    /// When it was last kept, in UK time: "10:42" today, else "10:42 on 5 December 2026".
    pub since: String,
    /// Someone saved the section after the draft was started.
    pub changed_since: bool,
    /// Asked for with `?draft=restore`: the edit box holds the draft.
    pub restored: bool,
}

/// What the page offers from `draft` of a section whose saved text and version are `body` and
/// `version`: nothing when there is no draft or it holds nothing unsaved (its text is the saved
/// text), else the offer, restored into the box if `restore`.
pub fn offer(
    draft: Option<Draft>,
    body: &str,
    version: i32,
    restore: bool,
    now: OffsetDateTime,
) -> Option<DraftOffer> {
    let draft = draft?;
    if draft.body == body {
        return None;
    }
    Some(DraftOffer {
        since: since(draft.updated_at, now),
        changed_since: draft.based_on != version,
        restored: restore,
        based_on: draft.based_on,
        body: draft.body,
    })
}

/// "10:42" if `at` is today (UK time), else "10:42 on 5 December 2026".
fn since(at: OffsetDateTime, now: OffsetDateTime) -> String {
    let local = format::in_london(at);
    let clock = format!("{:02}:{:02}", local.hour(), local.minute());
    if local.date() == format::in_london(now).date() {
        clock
    } else {
        format!("{clock} on {}", format::date(local.date()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn draft(body: &str, based_on: i32) -> Draft {
        Draft {
            body: body.to_owned(),
            based_on,
            updated_at: datetime!(2026-07-01 09:42 UTC),
        }
    }

    #[test]
    fn a_draft_is_offered_with_its_time_in_uk_time() {
        let now = datetime!(2026-07-01 15:00 UTC);
        let offer = offer(Some(draft("Mine", 3)), "Saved", 3, false, now).unwrap();
        assert_eq!(offer.since, "10:42", "BST is an hour ahead in July");
        assert!(!offer.changed_since && !offer.restored);
        assert_eq!((offer.body.as_str(), offer.based_on), ("Mine", 3));
    }

    #[test]
    fn an_older_draft_names_its_day_and_says_the_section_changed_since() {
        let now = datetime!(2026-07-03 08:00 UTC);
        let offer = offer(Some(draft("Mine", 3)), "Saved", 5, true, now).unwrap();
        assert_eq!(offer.since, "10:42 on 1 July 2026");
        assert!(offer.changed_since && offer.restored);
    }

    #[test]
    fn no_draft_or_one_holding_the_saved_text_offers_nothing() {
        let now = datetime!(2026-07-01 15:00 UTC);
        assert_eq!(offer(None, "Saved", 3, false, now), None);
        assert_eq!(offer(Some(draft("Saved", 2)), "Saved", 3, true, now), None);
    }
}
