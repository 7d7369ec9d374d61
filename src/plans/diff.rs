//! Word-by-word differences between two versions of a section's text,
//! shown so that they can be read without relying on colour.
//!
//! Texts are split into words (with their punctuation) and runs of whitespace, so
//! every chunk keeps its spaces and line breaks: joining the `Same` and
//! `Removed` chunks gives back the old text exactly, and joining the `Same`
//! and `Added` chunks gives back the new text.
//!
//! Diffing is bounded by [`TIME_LIMIT`]: when two texts are so different
//! that finding the smallest difference would take longer, `similar` stops
//! searching and reports the remaining middle part as removed-then-added.
//! The result is then less minimal but still exact, and a request can never
//! hang on a pathological pair of texts.

use std::fmt::Write as _;
use std::time::Duration;

use askama::filters::{Escaper, Html};

use similar::{Algorithm, ChangeTag, TextDiff};

/// How long a single diff may search for the smallest set of changes.
/// Ordinary edits to 100,000-character sections finish in milliseconds.
pub const TIME_LIMIT: Duration = Duration::from_millis(500);

/// One chunk of text, with its spaces and line breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Same(String),
    Added(String),
    Removed(String),
}

/// The word-level changes from `old` to `new`.
///
/// Adjacent chunks of the same kind are merged, and within a run of changes
/// the removal comes before the addition. A space (but not a line break)
/// between two rewritten phrases is counted as changed too, so that
/// rewriting "reduce the number" to "cut a count" reads as one removal and
/// one addition rather than alternating fragments.
pub fn words(old: &str, new: &str) -> Vec<Change> {
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .timeout(TIME_LIMIT)
        .diff_words(old, new);

    let mut segments: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        let value = change.value().to_owned();
        match change.tag() {
            ChangeTag::Equal => push_same(&mut segments, value),
            ChangeTag::Delete => push_changed(&mut segments, value, String::new()),
            ChangeTag::Insert => push_changed(&mut segments, String::new(), value),
        }
    }
    segments
        .into_iter()
        .flat_map(Segment::into_changes)
        .collect()
}

/// A stretch of text that is either unchanged or changed; a changed stretch
/// may have removed text, added text, or both (a replacement).
enum Segment {
    Same(String),
    Changed { removed: String, added: String },
}

impl Segment {
    fn into_changes(self) -> Vec<Change> {
        match self {
            Segment::Same(text) => vec![Change::Same(text)],
            Segment::Changed { removed, added } => {
                let mut changes = Vec::with_capacity(2);
                if !removed.is_empty() {
                    changes.push(Change::Removed(removed));
                }
                if !added.is_empty() {
                    changes.push(Change::Added(added));
                }
                changes
            }
        }
    }
}

fn push_same(segments: &mut Vec<Segment>, text: String) {
    match segments.last_mut() {
        Some(Segment::Same(before)) => before.push_str(&text),
        _ => segments.push(Segment::Same(text)),
    }
}

/// Adds changed text, joining it with the changed segment before it when
/// they touch, or when only a space within a line separates them and either
/// is a replacement. A joined space is both removed and added, which keeps
/// both texts exact. Pure insertions or deletions are not joined across a
/// space: that would create an addition (or removal) of nothing but a space.
fn push_changed(segments: &mut Vec<Segment>, more_removed: String, more_added: String) {
    let incoming_replaces = !more_removed.is_empty() && !more_added.is_empty();
    let mut space_absorbed = false;
    match segments.as_mut_slice() {
        [.., Segment::Changed { removed, added }] => {
            removed.push_str(&more_removed);
            added.push_str(&more_added);
            return;
        }
        [
            ..,
            Segment::Changed { removed, added },
            Segment::Same(space),
        ] if is_space_within_line(space)
            && (incoming_replaces || (!removed.is_empty() && !added.is_empty())) =>
        {
            removed.push_str(space);
            removed.push_str(&more_removed);
            added.push_str(space);
            added.push_str(&more_added);
            space_absorbed = true;
        }
        _ => {}
    }
    if space_absorbed {
        // The space now lives in the changed segment before it.
        segments.pop();
    } else {
        segments.push(Segment::Changed {
            removed: more_removed,
            added: more_added,
        });
    }
}

fn is_space_within_line(token: &str) -> bool {
    !token.is_empty()
        && token
            .chars()
            .all(|c| c.is_whitespace() && c != '\n' && c != '\r')
}

/// Number of words added and removed, in that order.
pub fn stats(changes: &[Change]) -> (usize, usize) {
    changes
        .iter()
        .fold((0, 0), |(added, removed), change| match change {
            Change::Same(_) => (added, removed),
            Change::Added(text) => (added + text.split_whitespace().count(), removed),
            Change::Removed(text) => (added, removed + text.split_whitespace().count()),
        })
}

/// The changes as HTML for an `.app-diff` container (which keeps line breaks
/// with `white-space: pre-wrap`).
///
/// Additions are wrapped in `<ins>` and removals in `<del>`, each announced
/// by visually hidden text at its start and end, so that screen-reader users
/// and people who cannot tell the colours apart know what changed.
pub fn to_html(changes: &[Change]) -> String {
    let mut html = String::new();
    for change in changes {
        match change {
            Change::Same(text) => push_escaped(&mut html, text),
            Change::Added(text) => push_marked(&mut html, "ins", "added", text),
            Change::Removed(text) => push_marked(&mut html, "del", "removed", text),
        }
    }
    html
}

fn push_marked(html: &mut String, tag: &str, kind: &str, text: &str) {
    // Writing to a String cannot fail.
    let _ = write!(
        html,
        "<{tag}><span class=\"govuk-visually-hidden\">start of {kind} text</span>"
    );
    push_escaped(html, text);
    let _ = write!(
        html,
        "<span class=\"govuk-visually-hidden\">end of {kind} text</span></{tag}>"
    );
}

/// Escapes with askama's HTML escaper, the one every page template uses.
fn push_escaped(html: &mut String, text: &str) {
    // Writing to a String cannot fail.
    let _ = Html.write_escaped_str(html, text);
}

/// Texts longer than this (old and new together, in bytes) are compared on a blocking thread,
/// so that a long diff never stalls the async workers serving other requests.
pub const OFF_THREAD_BYTES: usize = 16 * 1024;

/// [`words`], run on tokio's blocking pool when the texts are long.
pub async fn words_off_thread(old: &str, new: &str) -> Result<Vec<Change>, tokio::task::JoinError> {
    if old.len() + new.len() < OFF_THREAD_BYTES {
        return Ok(words(old, new));
    }
    let (old, new) = (old.to_owned(), new.to_owned());
    tokio::task::spawn_blocking(move || words(&old, &new)).await
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn old_text(changes: &[Change]) -> String {
        changes
            .iter()
            .filter_map(|change| match change {
                Change::Same(text) | Change::Removed(text) => Some(text.as_str()),
                Change::Added(_) => None,
            })
            .collect()
    }

    fn new_text(changes: &[Change]) -> String {
        changes
            .iter()
            .filter_map(|change| match change {
                Change::Same(text) | Change::Added(text) => Some(text.as_str()),
                Change::Removed(_) => None,
            })
            .collect()
    }

    /// Both texts come back exactly, no chunk is empty, and no two
    /// neighbouring chunks are of the same kind.
    fn assert_well_formed(old: &str, new: &str) -> Vec<Change> {
        let changes = words(old, new);
        assert_eq!(old_text(&changes), old, "old text from {changes:?}");
        assert_eq!(new_text(&changes), new, "new text from {changes:?}");
        for change in &changes {
            let (Change::Same(text) | Change::Added(text) | Change::Removed(text)) = change;
            assert!(!text.is_empty(), "empty chunk in {changes:?}");
        }
        for pair in changes.windows(2) {
            assert_ne!(
                std::mem::discriminant(&pair[0]),
                std::mem::discriminant(&pair[1]),
                "unmerged neighbours in {changes:?}"
            );
        }
        changes
    }

    fn same(text: &str) -> Change {
        Change::Same(text.to_owned())
    }
    fn added(text: &str) -> Change {
        Change::Added(text.to_owned())
    }
    fn removed(text: &str) -> Change {
        Change::Removed(text.to_owned())
    }

    #[test]
    fn identical_texts_are_one_same_chunk() {
        let changes = assert_well_formed("no change here", "no change here");
        assert_eq!(changes, vec![same("no change here")]);
        assert_eq!(stats(&changes), (0, 0));
    }

    #[test]
    fn both_empty_is_no_changes() {
        assert_eq!(assert_well_formed("", ""), vec![]);
    }

    #[test]
    fn everything_added_or_removed() {
        assert_eq!(
            assert_well_formed("", "new words"),
            vec![added("new words")]
        );
        assert_eq!(
            assert_well_formed("old words", ""),
            vec![removed("old words")]
        );
    }

    #[test]
    fn one_word_replaced() {
        let changes = assert_well_formed("we will reduce delays", "we will cut delays");
        assert_eq!(
            changes,
            vec![
                same("we will "),
                removed("reduce"),
                added("cut"),
                same(" delays")
            ]
        );
        assert_eq!(stats(&changes), (1, 1));
    }

    #[test]
    fn rewritten_phrase_is_one_removal_and_one_addition() {
        let changes = assert_well_formed(
            "Aim: reduce the number of delayed discharges.",
            "Aim: cut a count of late discharges.",
        );
        assert_eq!(
            changes,
            vec![
                same("Aim: "),
                removed("reduce the number"),
                added("cut a count"),
                same(" of "),
                removed("delayed"),
                added("late"),
                same(" discharges.")
            ]
        );
        assert_eq!(stats(&changes), (4, 4));
    }

    #[test]
    fn words_inserted_in_the_middle() {
        let changes = assert_well_formed("health and care", "health, housing and social care");
        assert_eq!(new_text(&changes), "health, housing and social care");
        assert_eq!(stats(&changes), (3, 1));
    }

    #[test]
    fn multi_line_texts_rejoin_exactly() {
        let old = "# Aims\n\nWe will reduce delays.\n\n- one\n- two\r\n- three\n";
        let new =
            "# Aims\n\nWe will reduce delays in discharge.\n\n- one\n- three\n\nNew paragraph.";
        let changes = assert_well_formed(old, new);
        // "delays." became "delays in discharge."; "- two" went.
        assert_eq!(stats(&changes), (5, 3));
    }

    #[test]
    fn line_breaks_between_changes_stay_unchanged() {
        let changes = assert_well_formed("alpha\nbeta", "gamma\ndelta");
        assert_eq!(
            changes,
            vec![
                removed("alpha"),
                added("gamma"),
                same("\n"),
                removed("beta"),
                added("delta")
            ]
        );
    }

    #[test]
    fn whitespace_only_changes_rejoin_exactly() {
        assert_well_formed("a b  c\td", "a  b c\n\nd ");
        assert_well_formed("   ", "\n");
        assert_well_formed("word", " word ");
    }

    #[test]
    fn unicode_texts_rejoin_exactly() {
        assert_well_formed(
            "Café naïve — ‘quoted’ 👩‍⚕️ nurses\u{a0}and carers",
            "Café naïf — “quoted” 👩‍⚕️ doctors\u{2003}and carers 日本語",
        );
        assert_well_formed("日本語のテキスト", "日本語の文章");
        assert_well_formed("emoji 🎉🎉 party", "emoji 🎉 party 🎈");
    }

    #[test]
    fn assorted_pairs_rejoin_exactly() {
        let texts = [
            "",
            " ",
            "\n",
            "one",
            "one two three",
            "three two one",
            "one\ntwo\n\nthree\n",
            "  leading and trailing  ",
            "tabs\tand\r\nwindows line endings\r\n",
            "repeated repeated repeated words words",
        ];
        for old in texts {
            for new in texts {
                assert_well_formed(old, new);
            }
        }
    }

    #[test]
    fn stats_count_words_not_chunks() {
        let changes = vec![
            same("a "),
            removed("b c d"),
            added("e"),
            same("\n"),
            added("f  g"),
        ];
        assert_eq!(stats(&changes), (3, 3));
        assert_eq!(stats(&[]), (0, 0));
    }

    #[test]
    fn html_marks_additions_and_removals_for_screen_readers() {
        let html = to_html(&[
            same("we will "),
            removed("reduce"),
            added("cut"),
            same(" delays"),
        ]);
        assert_eq!(
            html,
            "we will \
             <del><span class=\"govuk-visually-hidden\">start of removed text</span>reduce\
             <span class=\"govuk-visually-hidden\">end of removed text</span></del>\
             <ins><span class=\"govuk-visually-hidden\">start of added text</span>cut\
             <span class=\"govuk-visually-hidden\">end of added text</span></ins> delays"
        );
    }

    #[test]
    fn html_escapes_everything_the_author_typed() {
        let html = to_html(&words(
            "Tom & Jerry's \"plan\"",
            "<script>alert('x')</script> & more",
        ));
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"),
            "{html}"
        );
        assert!(html.contains("Tom"), "{html}");
        assert!(html.contains("Jerry&#39;s &#34;plan&#34;"), "{html}");
        assert!(html.contains(" &#38; "), "{html}");
        // The only tags are the ones we wrote.
        let tags: Vec<&str> = html
            .split('<')
            .skip(1)
            .filter_map(|rest| rest.split_once('>').map(|(tag, _)| tag))
            .collect();
        for tag in tags {
            assert!(
                [
                    "ins",
                    "/ins",
                    "del",
                    "/del",
                    "span class=\"govuk-visually-hidden\"",
                    "/span"
                ]
                .contains(&tag),
                "unexpected tag <{tag}> in {html}"
            );
        }
    }

    #[tokio::test]
    async fn long_texts_are_compared_off_the_async_threads_with_the_same_result() {
        let old = generated_text(1, 40);
        let new = generated_text(2, 40);
        assert!(old.len() > OFF_THREAD_BYTES);
        assert_eq!(
            words_off_thread(&old, &new).await.unwrap(),
            words(&old, &new)
        );
        assert_eq!(
            words_off_thread("a b", "a c").await.unwrap(),
            words("a b", "a c")
        );
    }

    #[test]
    fn html_of_no_changes_is_empty() {
        assert_eq!(to_html(&[]), "");
    }

    #[test]
    fn html_keeps_line_breaks_for_pre_wrap() {
        assert_eq!(to_html(&[same("one\n\ntwo")]), "one\n\ntwo");
    }

    /// Roughly 100,000 characters of plausible prose, varied by `seed`.
    fn generated_text(seed: u64, edits_every: usize) -> String {
        const VOCABULARY: [&str; 16] = [
            "care",
            "health",
            "housing",
            "the",
            "and",
            "discharge",
            "we",
            "will",
            "support",
            "people",
            "at",
            "home",
            "plan",
            "fund",
            "local",
            "services",
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut text = String::with_capacity(101_000);
        let mut count = 0;
        while text.len() < 100_000 {
            // xorshift: deterministic and dependency-free.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            count += 1;
            let pick = if edits_every > 0 && count % edits_every == 0 {
                (state ^ seed) as usize
            } else {
                state as usize
            };
            text.push_str(VOCABULARY[pick % VOCABULARY.len()]);
            text.push(if count % 12 == 0 { '\n' } else { ' ' });
        }
        text
    }

    #[test]
    fn large_similar_texts_diff_quickly() {
        let old = generated_text(0, 0);
        let new = generated_text(7, 40);
        assert!(old.len() >= 100_000 && new.len() >= 100_000);
        let started = Instant::now();
        let changes = words(&old, &new);
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
        assert_eq!(old_text(&changes), old);
        assert_eq!(new_text(&changes), new);
        let (added, removed) = stats(&changes);
        assert!(added > 0 && removed > 0);
    }

    #[test]
    fn large_unrelated_texts_are_bounded_by_the_time_limit() {
        // Completely different word orders: the worst case for Myers.
        let old = generated_text(0, 0);
        let new = generated_text(3, 1);
        let started = Instant::now();
        let changes = words(&old, &new);
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
        assert_eq!(old_text(&changes), old);
        assert_eq!(new_text(&changes), new);
    }
}
