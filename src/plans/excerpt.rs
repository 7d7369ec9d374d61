//! A search result's excerpt: the part of its text around the words that matched, with those
//! words marked. PostgreSQL's `ts_headline` can make it (highlighting what its full-text search
//! matched, stems and all), but it parses and stems all the text it is given, for every hit of
//! every search: that was most of a search's database time (about 1.3 ms a search under load,
//! even on the part of each text around its first match). So the excerpt is made here, with the
//! same Snowball English stemmer PostgreSQL's `english` configuration uses, against the
//! search's own lexemes (`to_tsvector('english', query)`): `window` cuts the part around the
//! first matching word, `highlight` picks up to two fragments of it and marks the matches.
//! Only a text where no word matches that way (a match PostgreSQL's parser makes differently,
//! such as within a hyphenated word or an address) is left to `ts_headline`.

use rust_stemmers::{Algorithm, Stemmer};

/// PostgreSQL's English stop words (`tsearch_data/english.stop`), sorted: the `english`
/// configuration leaves them out of every document and query, so they never match.
const STOP_WORDS: [&str; 127] = [
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "did",
    "do",
    "does",
    "doing",
    "don",
    "down",
    "during",
    "each",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "s",
    "same",
    "she",
    "should",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Bytes of text kept before the first matching word, and after it: about 120 words, room for
/// `highlight`'s two fragments of 30 words.
const BEFORE: usize = 250;
const AFTER: usize = 500;

/// The part of `text` around its first word whose English stem is one of `lexemes` (the
/// search's own words as `to_tsvector('english', …)` makes them: stemmed, stop words gone),
/// cut at spaces; the whole text when it is short or no such word is found.
pub fn window<'a>(text: &'a str, lexemes: &[String]) -> &'a str {
    if text.len() <= BEFORE + AFTER || lexemes.is_empty() {
        return text;
    }
    let stemmer = Stemmer::create(Algorithm::English);
    let Some((start, end)) = words(text).find(|(start, end)| {
        lexeme_with(&stemmer, &text[*start..*end]).is_some_and(|lexeme| lexemes.contains(&lexeme))
    }) else {
        return text;
    };
    let from = if start <= BEFORE {
        0
    } else {
        after_space(text, boundary_at_or_before(text, start - BEFORE))
    };
    let to = if end + AFTER >= text.len() {
        text.len()
    } else {
        before_space(text, boundary_at_or_before(text, end + AFTER))
    };
    // A cut that found no space keeps the words whole by keeping the rest.
    let from = if from > start { 0 } else { from };
    let to = if to < end { text.len() } else { to };
    &text[from..to]
}

/// Words in a fragment of an excerpt, and how many of them come before its first match (as
/// `ts_headline`'s `MaxWords=30`).
const FRAGMENT_WORDS: usize = 30;
const LEAD_WORDS: usize = 5;
/// Fragments in an excerpt at most, and what goes between two (as `ts_headline`'s
/// `MaxFragments=2` and its default delimiter).
const MAX_FRAGMENTS: usize = 2;
const DELIMITER: &str = " ... ";

/// An excerpt of `text` as (text, is_match) pieces: up to two fragments of 30 words (or the
/// whole text when shorter), each from just before a word whose English stem is one of
/// `lexemes`, with every such word marked; `None` when no word of `text` matches.
pub fn highlight(text: &str, lexemes: &[String]) -> Option<Vec<(String, bool)>> {
    let stemmer = Stemmer::create(Algorithm::English);
    // A stem keeps its word's first letter: only words starting like a lexeme are stemmed.
    let initials: Vec<char> = lexemes.iter().filter_map(|l| l.chars().next()).collect();
    let words: Vec<(usize, usize, bool)> = words(text)
        .map(|(start, end)| {
            let word = &text[start..end];
            let first = word.chars().next().map(|c| c.to_lowercase().next());
            let candidate = first.flatten().is_some_and(|c| initials.contains(&c));
            let matched = candidate
                && lexeme_with(&stemmer, word).is_some_and(|lexeme| lexemes.contains(&lexeme));
            (start, end, matched)
        })
        .collect();
    let last = words.len().checked_sub(1)?;
    let mut fragments: Vec<(usize, usize)> = Vec::new();
    let mut made = 0;
    for (index, _) in words.iter().enumerate().filter(|(_, word)| word.2) {
        if fragments
            .iter()
            .any(|&(from, to)| (from..=to).contains(&index))
        {
            continue;
        }
        if made == MAX_FRAGMENTS {
            break;
        }
        made += 1;
        let earliest = fragments
            .last()
            .map_or(0, |&(_, previous_to)| previous_to + 1);
        let from = index.saturating_sub(LEAD_WORDS).max(earliest);
        let to = (from + FRAGMENT_WORDS - 1).min(last);
        // Near the end, the words before make up the fragment's length (a short text whole).
        let from = from.min((to + 1).saturating_sub(FRAGMENT_WORDS).max(earliest));
        match fragments.last_mut() {
            // Right after the one before: one run of text, with no delimiter inside it.
            Some(previous) if from == previous.1 + 1 => previous.1 = to,
            _ => fragments.push((from, to)),
        }
    }
    if fragments.is_empty() {
        return None;
    }
    // A fragment keeps what is joined to its first and last words ("£2.3m", "5%."), and the
    // text's own start and end.
    let start_of = |index: usize| {
        if index == 0 {
            return 0;
        }
        let start = words[index].0;
        text[..start]
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(0, |(offset, c)| offset + c.len_utf8())
    };
    let end_of = |index: usize| {
        if index == last {
            return text.len();
        }
        let end = words[index].1;
        text[end..]
            .char_indices()
            .find(|(_, c)| c.is_whitespace())
            .map_or(text.len(), |(offset, _)| end + offset)
    };
    let mut pieces: Vec<(String, bool)> = Vec::new();
    let mut push = |piece: &str, matched: bool| match pieces.last_mut() {
        Some((text, false)) if !matched => text.push_str(piece),
        _ if !piece.is_empty() => pieces.push((piece.to_owned(), matched)),
        _ => {}
    };
    for (nth, &(from, to)) in fragments.iter().enumerate() {
        if nth > 0 {
            push(DELIMITER, false);
        }
        let mut at = start_of(from);
        for &(start, end, matched) in &words[from..=to] {
            if matched {
                push(&text[at..start], false);
                push(&text[start..end], true);
                at = end;
            }
        }
        push(&text[at..end_of(to)], false);
    }
    Some(pieces)
}

/// A word's lexeme as `to_tsvector('english', word)` makes it: its English stem, lower case;
/// none for a stop word.
pub fn lexeme(word: &str) -> Option<String> {
    lexeme_with(&Stemmer::create(Algorithm::English), word)
}

fn lexeme_with(stemmer: &Stemmer, word: &str) -> Option<String> {
    let lower = word.to_lowercase();
    if STOP_WORDS.binary_search(&lower.as_str()).is_ok() {
        return None;
    }
    Some(stemmer.stem(&lower).into_owned())
}

/// The byte ranges of the runs of letters and digits in `text`, in order.
fn words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let start = loop {
            let (index, c) = chars.next()?;
            if c.is_alphanumeric() {
                break index;
            }
        };
        let mut end = text.len();
        while let Some(&(index, c)) = chars.peek() {
            if !c.is_alphanumeric() {
                end = index;
                break;
            }
            chars.next();
        }
        Some((start, end))
    })
}

fn boundary_at_or_before(text: &str, mut index: usize) -> usize {
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Just after the first whitespace at or after `index` (the text's end if none).
fn after_space(text: &str, index: usize) -> usize {
    text[index..]
        .char_indices()
        .find(|(_, c)| c.is_whitespace())
        .map_or(text.len(), |(offset, c)| index + offset + c.len_utf8())
}

/// At the last whitespace before `index` (the text's start if none).
fn before_space(text: &str, index: usize) -> usize {
    text[..index]
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(offset, _)| offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexemes(words: &[&str]) -> Vec<String> {
        words.iter().map(|word| (*word).to_owned()).collect()
    }

    fn filler(words: usize) -> String {
        vec!["lorem ipsum dolor"; words / 3].join(" ")
    }

    #[test]
    fn a_short_text_is_given_whole() {
        let text = "Fewer admissions to hospital.";
        assert_eq!(window(text, &lexemes(&["admiss"])), text);
    }

    #[test]
    fn a_long_text_is_cut_around_the_first_word_whose_stem_matches() {
        let text = format!(
            "{} We expect Fewer Admissions, then {} and more admissions at the end.",
            filler(300),
            filler(300)
        );
        let cut = window(&text, &lexemes(&["admiss", "absent"]));
        assert!(cut.contains("We expect Fewer Admissions, then"), "{cut}");
        assert!(cut.len() <= BEFORE + AFTER + 40, "{}", cut.len());
        assert!(cut.len() < text.len());
        // Cut at spaces: whole words at both ends.
        assert!(cut.starts_with("lorem") || cut.starts_with("ipsum") || cut.starts_with("dolor"));
        assert!(cut.ends_with("lorem") || cut.ends_with("ipsum") || cut.ends_with("dolor"));
    }

    #[test]
    fn a_match_near_the_start_or_end_keeps_that_end() {
        let start = format!("Reablement first. {}", filler(600));
        assert!(window(&start, &lexemes(&["reablement"])).starts_with("Reablement first."));
        let end = format!("{} ends with reablement.", filler(600));
        assert!(window(&end, &lexemes(&["reablement"])).ends_with("ends with reablement."));
    }

    #[test]
    fn no_word_found_gives_the_whole_text() {
        let text = format!("{} self-care {}", filler(300), filler(300));
        assert_eq!(window(&text, &lexemes(&["zebrafinch"])), text);
        assert_eq!(window(&text, &[]), text);
    }

    fn marked(pieces: &[(String, bool)]) -> String {
        pieces
            .iter()
            .map(|(text, matched)| {
                if *matched {
                    format!("[{text}]")
                } else {
                    text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn every_matching_word_of_a_short_text_is_marked() {
        let pieces = highlight(
            "Fewer admissions to hospital; admitted less, admission rates down.",
            &lexemes(&["admiss", "hospit"]),
        )
        .expect("a match");
        assert_eq!(
            marked(&pieces),
            "Fewer [admissions] to [hospital]; admitted less, [admission] rates down."
        );
        assert_eq!(pieces[0], ("Fewer ".to_owned(), false));
    }

    #[test]
    fn an_excerpt_is_up_to_two_fragments_of_thirty_words_from_just_before_a_match() {
        let numbered = |from: usize, to: usize| {
            (from..to)
                .map(|n| format!("w{n}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let text = format!(
            "{} Reablement {} reablement {} reablement {}",
            numbered(0, 20),
            numbered(21, 100),
            numbered(101, 150),
            numbered(151, 160)
        );
        let pieces = highlight(&text, &lexemes(&["reablement"])).expect("a match");
        let excerpt = marked(&pieces);
        let fragments: Vec<&str> = excerpt.split(DELIMITER).collect();
        assert_eq!(fragments.len(), 2, "{excerpt}");
        assert!(
            fragments[0].starts_with("w15 w16 w17 w18 w19 [Reablement] w21"),
            "{excerpt}"
        );
        assert_eq!(fragments[0].split(' ').count(), FRAGMENT_WORDS);
        assert!(
            fragments[1].starts_with("w95 w96 w97 w98 w99 [reablement] w101"),
            "{excerpt}"
        );
        assert_eq!(pieces.iter().filter(|(_, matched)| *matched).count(), 2);
    }

    #[test]
    fn a_short_text_is_whole_a_match_near_the_end_has_the_words_before_and_none_gives_nothing() {
        let pieces = highlight(
            "One two three four five six seven care.",
            &lexemes(&["care"]),
        )
        .expect("a match");
        assert_eq!(marked(&pieces), "One two three four five six seven [care].");
        let long = format!("{} near the end: care at home", filler(90));
        let excerpt = marked(&highlight(&long, &lexemes(&["care"])).expect("a match"));
        assert_eq!(excerpt.split(' ').count(), FRAGMENT_WORDS, "{excerpt}");
        assert!(
            excerpt.ends_with("near the end: [care] at home"),
            "{excerpt}"
        );
        assert_eq!(
            highlight("Nothing here matches.", &lexemes(&["care"])),
            None
        );
        assert_eq!(highlight("", &lexemes(&["care"])), None);
        assert_eq!(highlight("Care at home.", &[]), None);
    }

    #[test]
    fn fragments_that_meet_are_one_run_and_what_is_joined_to_their_edges_is_kept() {
        let words: Vec<String> = (0..45).map(|n| format!("w{n}")).collect();
        let mut text = words.join(" ");
        text = text
            .replacen("w0 ", "Care ", 1)
            .replacen("w40 ", "care ", 1);
        let excerpt = marked(&highlight(&text, &lexemes(&["care"])).expect("a match"));
        assert!(!excerpt.contains(DELIMITER), "{excerpt}");
        assert_eq!(
            excerpt,
            text.replace("Care", "[Care]").replace(" care", " [care]")
        );

        let filler = filler(60);
        let text = format!("{filler} a pooled fund of £2.3m (care) for 5%. {filler}");
        let excerpt = marked(&highlight(&text, &lexemes(&["care"])).expect("a match"));
        assert!(excerpt.contains("£2.3m ([care]) for 5%."), "{excerpt}");
        assert!(
            !excerpt.starts_with(' ') && !excerpt.ends_with(' '),
            "{excerpt}"
        );
    }

    #[test]
    fn stop_words_are_never_matched_as_postgresql_leaves_them_out() {
        assert_eq!(lexeme("Others"), Some("other".to_owned()));
        assert_eq!(lexeme("other"), None);
        assert_eq!(lexeme("Will"), None);
        let pieces = highlight("Other partners and others will help.", &lexemes(&["other"]))
            .expect("a match");
        assert_eq!(marked(&pieces), "Other partners and [others] will help.");
        assert!(
            STOP_WORDS.windows(2).all(|pair| pair[0] < pair[1]),
            "sorted"
        );
    }

    #[test]
    fn words_with_letters_beyond_ascii_are_cut_on_character_boundaries() {
        let text = format!(
            "{} £3m für Pflege — naïve café {}",
            "é".repeat(500),
            "ü".repeat(500)
        );
        let cut = window(&text, &lexemes(&["cafe", "café"]));
        assert!(cut.contains("café"), "{cut}");
    }
}
