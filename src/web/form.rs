//! Problems with what someone typed: a message per field, shown in the error summary and next
//! to the field, while the form keeps everything they entered.

use std::borrow::Cow;

/// One message, tied to the id of the input it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The id of the input; usually a fixed name, sometimes made (`contribution-12`).
    pub field: Cow<'static, str>,
    pub message: String,
}

#[derive(Clone, Debug, Default)]
pub struct FormErrors(Vec<FieldError>);

impl FormErrors {
    pub fn new() -> FormErrors {
        FormErrors::default()
    }

    /// Adds a message for `field`, unless it already has one (the first problem is the one to fix).
    pub fn add(&mut self, field: impl Into<Cow<'static, str>>, message: impl Into<String>) {
        let field = field.into();
        if self.get(&field).is_none() {
            self.0.push(FieldError {
                field,
                message: message.into(),
            });
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.message.as_str())
    }

    /// The message for `field`, or "" (for templates, where "" means none).
    pub fn message(&self, field: &str) -> &str {
        self.get(field).unwrap_or("")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }
}

/// What someone typed into a form, kept to be shown back when the request cannot be carried
/// out (the database is unavailable, or the text holds a character that cannot be stored), so
/// that nothing typed is lost. Each entry is (label, text).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Typed(Vec<(String, String)>);

impl Typed {
    /// One text, under a label people read ("Your text").
    pub fn text(label: &str, text: &str) -> Typed {
        Typed(Vec::new()).and(label, text)
    }

    /// This one and another text.
    pub fn and(mut self, label: &str, text: &str) -> Typed {
        if !text.trim().is_empty() {
            self.0.push((label.to_owned(), shown(text)));
        }
        self
    }

    /// The fields of a form worth showing back: not secrets, tokens or hidden versions, not
    /// empty.
    pub fn from_fields(fields: Vec<(String, String)>) -> Typed {
        Typed(
            fields
                .into_iter()
                .filter(|(name, value)| {
                    !value.trim().is_empty()
                        && name != "csrf_token"
                        && !name.contains("password")
                        && !name.contains("code")
                        && name != "version"
                        && name != "based_on"
                })
                .map(|(name, value)| (shown(&name), shown(&value)))
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(String, String)> {
        self.0.iter()
    }
}

/// Text as it can be shown in a page: NUL characters, which no page or database column can
/// hold, are removed.
pub fn shown(text: &str) -> String {
    text.replace('\0', "")
}

/// A short fingerprint of a record as an edit form saw it, carried in the form (`based_on`) so
/// that saving can tell whether someone else changed the record in the meantime. Built from the
/// canonical JSON of the record's editable fields.
pub fn fingerprint(record: &serde_json::Value) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(record.to_string().as_bytes())[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_change_with_any_field_and_not_with_key_order() {
        let a = serde_json::json!({"name": "Kent", "kind": "hwb"});
        let b = serde_json::json!({"kind": "hwb", "name": "Kent"});
        let c = serde_json::json!({"name": "Kent ", "kind": "hwb"});
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&c));
        assert_eq!(fingerprint(&a).len(), 32);
    }

    #[test]
    fn typed_text_keeps_what_was_written_without_secrets_or_nul_characters() {
        let typed = Typed::from_fields(vec![
            ("csrf_token".to_owned(), "abc".to_owned()),
            ("text".to_owned(), "Our plan\0 for care".to_owned()),
            ("new_password".to_owned(), "secret".to_owned()),
            ("version".to_owned(), "4".to_owned()),
            ("body".to_owned(), "  ".to_owned()),
        ]);
        let kept: Vec<_> = typed.iter().cloned().collect();
        assert_eq!(kept, [("text".to_owned(), "Our plan for care".to_owned())]);
        assert!(Typed::text("Your text", "").is_empty());
        assert!(!Typed::text("Your text", "x").is_empty());
    }

    #[test]
    fn keeps_the_first_message_per_field_in_order() {
        let mut errors = FormErrors::new();
        assert!(errors.is_empty());
        errors.add("email", "Enter your email address");
        errors.add("password", "Enter your password");
        errors.add("email", "a second problem");
        assert_eq!(errors.message("email"), "Enter your email address");
        assert_eq!(errors.message("name"), "");
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_ref()).collect();
        assert_eq!(fields, ["email", "password"]);
    }
}
