//! `@name` mentions in comments. A name is the part of a person's email address before the `@`
//! (`@jo.bloggs` for jo.bloggs@kent.gov.uk): unique enough inside an area, typed without
//! spaces, and shown on the area's people page.

/// The distinct names mentioned in `text`, lower-cased, in order of first mention. A name
/// starts after `@` at the start of the text or after a character that cannot be in an email
/// address (so `jo@kent.gov.uk` mentions nobody), and runs over letters, digits, `.`, `_` and
/// `-`, without a trailing `.` (the end of a sentence).
pub fn mentioned_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut index = 0;
    while index < chars.len() {
        let starts_mention = chars[index] == '@'
            && (index == 0 || !is_name_char(chars[index - 1]) && chars[index - 1] != '@');
        if !starts_mention {
            index += 1;
            continue;
        }
        let start = index + 1;
        let mut end = start;
        while end < chars.len() && is_name_char(chars[end]) {
            end += 1;
        }
        let name: String = chars[start..end].iter().collect();
        let name = name.trim_end_matches(['.', '-', '_']).to_lowercase();
        if !name.is_empty() && name.len() <= 64 && !names.contains(&name) {
            names.push(name);
        }
        index = end.max(start);
    }
    names.truncate(MAX_MENTIONS);
    names
}

/// At most this many people are told about one comment: more is a broadcast, not a mention.
pub const MAX_MENTIONS: usize = 20;

fn is_name_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '+')
}

/// A person's mention name: their email address's local part, lower-cased.
pub fn name_of(email: &str) -> String {
    email
        .split_once('@')
        .map_or(email, |(local, _)| local)
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_after_at_signs_are_found_once_each_in_order() {
        assert_eq!(
            mentioned_names("@kent.lead please check, and @Jo.Bloggs too. Thanks @kent.lead."),
            vec!["kent.lead", "jo.bloggs"]
        );
    }

    #[test]
    fn email_addresses_and_lone_at_signs_mention_nobody() {
        assert!(mentioned_names("write to jo@kent.gov.uk or @ the office @@x").is_empty());
    }

    #[test]
    fn a_mention_ends_at_punctuation_and_sentence_ends() {
        assert_eq!(
            mentioned_names("(@a-b), @c_d: @e."),
            vec!["a-b", "c_d", "e"]
        );
    }

    #[test]
    fn too_many_names_are_cut_to_the_limit() {
        let text: String = (0..30).map(|n| format!("@p{n} ")).collect();
        assert_eq!(mentioned_names(&text).len(), MAX_MENTIONS);
    }

    #[test]
    fn a_persons_name_is_their_address_before_the_at() {
        assert_eq!(name_of("Jo.Bloggs@Kent.gov.uk"), "jo.bloggs");
    }
}
