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
