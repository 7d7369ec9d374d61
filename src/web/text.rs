//! Checks for short text people type into forms: URL keys and names. Each feature's input types
//! (an area's short name, a template's key, an organisation's name...) state only their limits
//! and messages here, so the rules themselves are written once.

/// What to say when a URL key is missing, too long, or not lower-case words joined by hyphens.
pub struct KeyMessages {
    pub missing: &'static str,
    pub too_long: &'static str,
    pub malformed: &'static str,
}

/// A short name used in URLs (`kent`, `2015-16`, `case-for-change`): lower-case letters and
/// digits in groups joined by single hyphens, at most `max_len` bytes. Taken as given: callers
/// that forgive spaces around it trim first.
pub fn url_key(key: &str, max_len: usize, messages: &KeyMessages) -> Result<String, &'static str> {
    let is_word = |group: &str| {
        !group.is_empty()
            && group
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    if key.is_empty() {
        Err(messages.missing)
    } else if key.len() > max_len {
        Err(messages.too_long)
    } else if !key.split('-').all(is_word) {
        Err(messages.malformed)
    } else {
        Ok(key.to_owned())
    }
}

/// A name people read: trimmed, 1 to `max_chars` characters.
pub fn name(
    raw: &str,
    max_chars: usize,
    missing: &'static str,
    too_long: &'static str,
) -> Result<String, &'static str> {
    let name = raw.trim();
    if name.is_empty() {
        Err(missing)
    } else if name.chars().count() > max_chars {
        Err(too_long)
    } else {
        Ok(name.to_owned())
    }
}

/// Long text as typed (guidance, a section's text): Windows line endings made plain, so the same
/// text always compares equal, and otherwise kept exactly. `Err` holds its length in characters
/// when that is over `max_chars`, for the caller's message.
pub fn long_text(raw: &str, max_chars: usize) -> Result<String, usize> {
    let text = raw.replace("\r\n", "\n");
    let length = text.chars().count();
    if length > max_chars {
        Err(length)
    } else {
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MESSAGES: KeyMessages = KeyMessages {
        missing: "missing",
        too_long: "too long",
        malformed: "malformed",
    };

    #[test]
    fn keys_are_lower_case_words_joined_by_single_hyphens_within_the_limit() {
        assert_eq!(
            url_key("tri-borough-2", 20, &MESSAGES),
            Ok("tri-borough-2".into())
        );
        assert_eq!(url_key(&"a".repeat(20), 20, &MESSAGES), Ok("a".repeat(20)));
        assert_eq!(url_key("", 20, &MESSAGES), Err("missing"));
        assert_eq!(url_key(&"a".repeat(21), 20, &MESSAGES), Err("too long"));
        for bad in [
            "Kent", "-kent", "kent-", "a--b", "a b", " kent", "kënt", "a_b",
        ] {
            assert_eq!(url_key(bad, 20, &MESSAGES), Err("malformed"), "{bad:?}");
        }
    }

    #[test]
    fn names_are_trimmed_required_and_counted_in_characters() {
        assert_eq!(name("  Kent ", 4, "missing", "too long"), Ok("Kent".into()));
        assert_eq!(name(" ", 4, "missing", "too long"), Err("missing"));
        assert_eq!(name("éééé", 4, "missing", "too long"), Ok("éééé".into()));
        assert_eq!(name("ééééé", 4, "missing", "too long"), Err("too long"));
    }

    #[test]
    fn long_text_is_kept_as_typed_but_for_windows_line_endings() {
        assert_eq!(long_text("  a\r\nb\n", 10), Ok("  a\nb\n".into()));
        assert_eq!(long_text("é\r\né", 3), Ok("é\né".into()));
        assert_eq!(long_text("éééé", 3), Err(4));
        assert_eq!(long_text("", 0), Ok(String::new()));
    }
}
