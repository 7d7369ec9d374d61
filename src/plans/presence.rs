//! Presence on a section page (issue 13, item 4): who else has it open and who is typing, as of
//! the page's load and, with the page's script, every few seconds after.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use askama::Template;
use time::{Duration, OffsetDateTime};

use super::PlanSectionId;
use super::store::Present;
use crate::auth::UserId;
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

/// How long a server shows again the list of who is on a section it read, to a viewer it
/// noted there within `NOTED_AGAIN_AFTER`: such a view has nothing to write, and reads nothing.
/// Someone arriving through this server is noted by a statement that reads the list afresh,
/// so they show here at once; through another server, within this long.
pub const LIST_SHOWN_AGAIN_FOR: std::time::Duration = std::time::Duration::from_secs(5);

/// The most sections whose lists a server keeps (a few hundred bytes each); past it, all go.
const MOST_SECTIONS_KEPT: usize = 4096;

/// Who is on each section's page as this server last read it, and whom it noted there
/// (`AppState::presence`). A view or report skips the presence statement only when a statement
/// here, within `NOTED_AGAIN_AFTER`, made sure of a note of the viewer (then at most as old
/// again: a person's note lags 30 seconds at most, well within `WINDOW`), and the list is
/// young.
pub struct KeptPresence {
    keeps: bool,
    /// Held only to look up or store, never across a statement.
    sections: Mutex<HashMap<PlanSectionId, SectionSeen>>,
}

struct SectionSeen {
    read_at: Instant,
    /// Everyone there as read, viewers included.
    present: Vec<Present>,
    /// Whom a statement here made sure had a note no older than `NOTED_AGAIN_AFTER`, when that
    /// statement began, and whether typing.
    noted: HashMap<UserId, Noted>,
}

#[derive(Clone, Copy)]
struct Noted {
    at: Instant,
    editing: bool,
}

impl KeptPresence {
    /// `keeps`: false to read the list on every view (keeping off, `ITF_AREA_CACHE_SECONDS=0`).
    pub fn new(keeps: bool) -> KeptPresence {
        KeptPresence {
            keeps,
            sections: Mutex::default(),
        }
    }

    /// Who is on `section` besides `user`, without a statement: only if this server noted
    /// `user` there (typing, when `editing`) within `NOTED_AGAIN_AFTER`, and read the list
    /// within `LIST_SHOWN_AGAIN_FOR`, at `now`.
    pub fn others(
        &self,
        section: PlanSectionId,
        user: UserId,
        editing: bool,
        now: Instant,
    ) -> Option<Vec<Present>> {
        if !self.keeps {
            return None;
        }
        let sections = self.sections.lock().unwrap_or_else(PoisonError::into_inner);
        let seen = sections.get(&section)?;
        let noted = seen.noted.get(&user)?;
        let noted_lately = now.saturating_duration_since(noted.at)
            < std_duration(NOTED_AGAIN_AFTER)
            && (noted.editing || !editing);
        let list_young = now.saturating_duration_since(seen.read_at) < LIST_SHOWN_AGAIN_FOR;
        (noted_lately && list_young).then(|| others_than(&seen.present, user))
    }

    /// Keeps the list a presence statement begun at `read_at` read, having noted `viewer`
    /// (typing, when `editing`); returns who is there besides the viewer. The statement's read
    /// does not see its own write, so the viewer's row is put in as noted, for the others this
    /// server shows the list to.
    pub fn keep(
        &self,
        section: PlanSectionId,
        mut viewer: Present,
        editing: bool,
        read_at: Instant,
        mut present: Vec<Present>,
    ) -> Vec<Present> {
        let user = viewer.user_id;
        let others = others_than(&present, user);
        if !self.keeps {
            return others;
        }
        if let Some(found) = present.iter().position(|person| person.user_id == user) {
            // Not typing now, the time they last typed stands.
            let was = present.remove(found);
            if !editing {
                viewer.editing_since = was.editing_since;
            }
        }
        present.insert(place_of(&present, &viewer), viewer.clone());
        let mut sections = self.sections.lock().unwrap_or_else(PoisonError::into_inner);
        if sections.len() >= MOST_SECTIONS_KEPT && !sections.contains_key(&section) {
            sections.clear();
        }
        let seen = sections.entry(section).or_insert_with(|| SectionSeen {
            read_at,
            present: Vec::new(),
            noted: HashMap::new(),
        });
        // A slower statement finishing last does not replace a newer list; the viewer's row as
        // noted goes into whichever is kept.
        if read_at >= seen.read_at {
            seen.read_at = read_at;
            seen.present = present;
        } else {
            seen.present.retain(|person| person.user_id != user);
            let place = place_of(&seen.present, &viewer);
            seen.present.insert(place, viewer);
        }
        let window = std_duration(WINDOW);
        seen.noted
            .retain(|_, noted| read_at.saturating_duration_since(noted.at) < window);
        seen.noted.insert(
            user,
            Noted {
                at: read_at,
                editing,
            },
        );
        others
    }
}

/// Where `viewer` goes in `present`: typists first, then by name, as the statement orders them.
fn place_of(present: &[Present], viewer: &Present) -> usize {
    present
        .iter()
        .position(|person| {
            (person.editing_since.is_none(), &person.name)
                > (viewer.editing_since.is_none(), &viewer.name)
        })
        .unwrap_or(present.len())
}

/// `present` without `user`, at most twenty.
fn others_than(present: &[Present], user: UserId) -> Vec<Present> {
    present
        .iter()
        .filter(|person| person.user_id != user)
        .take(20)
        .cloned()
        .collect()
}

fn std_duration(duration: Duration) -> std::time::Duration {
    std::time::Duration::try_from(duration).unwrap_or_default()
}

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
            user_id: UserId::new(i64::from(name.as_bytes()[0])),
            name: name.to_owned(),
            organisation: "Kent County Council".to_owned(),
            editing_since: editing.then_some(datetime!(2026-12-06 10:42 UTC)),
        }
    }

    #[test]
    fn a_list_is_shown_again_only_to_someone_noted_lately_while_it_is_young() {
        let kept = KeptPresence::new(true);
        let section = PlanSectionId::new(7);
        let (jo, sam) = (person("Jo", false), person("Sam", false));
        let seconds = std::time::Duration::from_secs;
        let start = Instant::now();
        let others_seen =
            |user: &Present, editing, at| kept.others(section, user.user_id, editing, at);
        assert_eq!(others_seen(&jo, false, start), None, "nothing read");
        let others = kept.keep(
            section,
            jo.clone(),
            false,
            start,
            vec![jo.clone(), sam.clone()],
        );
        assert_eq!(others, vec![sam.clone()], "the viewer left out");
        let soon = start + seconds(2);
        assert_eq!(others_seen(&jo, false, soon), Some(vec![sam.clone()]));
        assert_eq!(others_seen(&sam, false, soon), None, "Sam not noted here");
        assert_eq!(others_seen(&jo, true, soon), None, "typing is noted afresh");
        let later = start + LIST_SHOWN_AGAIN_FOR;
        assert_eq!(others_seen(&jo, false, later), None, "the list has aged");

        // Noted typing, the next views of either kind need no statement; and the others see
        // the typing at once, though the statement's read could not.
        let jo_typing = person("Jo", true);
        kept.keep(
            section,
            jo_typing.clone(),
            true,
            later,
            vec![sam.clone(), jo.clone()],
        );
        assert!(others_seen(&jo, true, later).is_some());
        assert!(others_seen(&jo, false, later).is_some());
        // Past the time a note is written again, the statement runs whatever the list's age.
        let others = kept.keep(
            section,
            sam.clone(),
            false,
            later + seconds(14),
            vec![sam.clone()],
        );
        assert_eq!(others, [], "the statement read no one else");
        let past_note = later + seconds(15);
        assert_eq!(others_seen(&jo, false, past_note), None);
        assert_eq!(others_seen(&sam, false, past_note), Some(vec![]));
        // The viewer's own row is put in as noted, where the statement would place it.
        let read = vec![sam.clone(), jo_typing.clone()];
        assert_eq!(
            kept.keep(section, jo.clone(), false, past_note, read),
            vec![sam.clone()]
        );
        assert_eq!(
            others_seen(&sam, false, past_note),
            Some(vec![jo_typing]),
            "not typing now, the time Jo last typed stands"
        );

        // A statement begun earlier but finishing last keeps the newer list, with its viewer
        // put in as noted.
        let (ali, bo) = (person("Ali", false), person("Bo", false));
        let newer = past_note + seconds(1);
        kept.keep(section, sam.clone(), false, newer, vec![sam.clone()]);
        kept.keep(section, ali.clone(), false, past_note, vec![bo.clone()]);
        assert_eq!(
            others_seen(&sam, false, newer),
            Some(vec![ali.clone()]),
            "Bo, read only by the older statement, is not shown; Ali, noted by it, is"
        );

        let off = KeptPresence::new(false);
        off.keep(section, jo.clone(), false, start, vec![jo.clone(), sam]);
        assert_eq!(
            off.others(section, jo.user_id, false, start),
            None,
            "keeping off"
        );
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
