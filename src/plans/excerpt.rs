//! Where a search result's excerpt is cut from. PostgreSQL's `ts_headline` makes the excerpt
//! (it highlights what its full-text search matched, stems and all), but it parses and stems
//! the whole text it is given: about 0.5 ms for a 2 KB section, for every hit of every search.
//! So it is given only the part of the text around the first word that matches — found here
//! with the same Snowball English stemmer PostgreSQL's `english` configuration uses — and the
//! whole text only when no word is found that way (a match PostgreSQL's parser makes
//! differently, such as within a hyphenated word or an address).

use rust_stemmers::{Algorithm, Stemmer};

/// Bytes of text kept before the first matching word, and after it: about 120 words, room for
/// `ts_headline`'s two fragments of up to 30 words (`store::headlines`).
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
        let stem = stem_with(&stemmer, &text[*start..*end]);
        lexemes.contains(&stem)
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

/// A word's English stem, lower case, as `to_tsvector('english', word)` makes it (for a word
/// that is not a stop word).
pub fn stem(word: &str) -> String {
    stem_with(&Stemmer::create(Algorithm::English), word)
}

fn stem_with(stemmer: &Stemmer, word: &str) -> String {
    stemmer.stem(&word.to_lowercase()).into_owned()
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
