//! The options of a select or radios, as form templates show them (`templates/admin/fields.html`
//! takes a list of these), with the one chosen or typed marked.

use std::borrow::Cow;

use crate::keyed::Keyed;

/// One option of a select or radios, with whether it is the one chosen (or typed).
#[derive(Clone, Debug)]
pub struct Choice {
    pub value: String,
    pub label: Cow<'static, str>,
    pub selected: bool,
}

impl Choice {
    /// The option `value`, shown as `label`, selected if it is what was `typed`.
    pub fn new(value: impl ToString, label: impl Into<Cow<'static, str>>, typed: &str) -> Choice {
        let value = value.to_string();
        Choice {
            selected: value == typed,
            value,
            label: label.into(),
        }
    }
}

/// A select that starts with `prompt` (the empty value, chosen until something else is) and
/// then offers each `(value, label)` of `options`.
pub fn prompted<Value, Label>(
    prompt: &'static str,
    options: impl IntoIterator<Item = (Value, Label)>,
    typed: &str,
) -> Vec<Choice>
where
    Value: ToString,
    Label: Into<Cow<'static, str>>,
{
    std::iter::once(Choice::new("", prompt, typed))
        .chain(
            options
                .into_iter()
                .map(|(value, label)| Choice::new(value, label, typed)),
        )
        .collect()
}

/// Every variant of a keyed enum, by key and label, in declaration order.
pub fn keyed<K: Keyed>(typed: &str) -> Vec<Choice> {
    K::ALL
        .iter()
        .map(|value| Choice::new(value.key(), value.label(), typed))
        .collect()
}

/// A select of a keyed enum's variants after `prompt`.
pub fn keyed_prompted<K: Keyed>(prompt: &'static str, typed: &str) -> Vec<Choice> {
    prompted(
        prompt,
        K::ALL.iter().map(|value| (value.key(), value.label())),
        typed,
    )
}

/// Yes and no radios (the values `yes` and `no`).
pub fn yes_no(typed: &str) -> Vec<Choice> {
    vec![
        Choice::new("yes", "Yes", typed),
        Choice::new("no", "No", typed),
    ]
}

/// What yes/no radios send: `yes` or `no`, nothing else.
pub fn parse_yes_no(raw: &str) -> Option<bool> {
    match raw {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// The key yes/no radios send for `value`.
pub fn yes_no_key(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_typed_value_is_selected() {
        let choices = yes_no("no");
        assert_eq!(
            choices
                .iter()
                .map(|choice| (choice.value.as_str(), choice.selected))
                .collect::<Vec<_>>(),
            [("yes", false), ("no", true)]
        );
        assert!(!Choice::new(3, "Three", "03").selected);
        assert!(Choice::new(3, "Three", "3").selected);
    }

    #[test]
    fn a_prompted_select_starts_with_its_prompt_as_the_empty_value() {
        let choices = prompted("Choose one", [(7, "Seven"), (8, "Eight")], "");
        assert_eq!(
            choices
                .iter()
                .map(|choice| (
                    choice.value.as_str(),
                    choice.label.as_ref(),
                    choice.selected
                ))
                .collect::<Vec<_>>(),
            [
                ("", "Choose one", true),
                ("7", "Seven", false),
                ("8", "Eight", false)
            ]
        );
        assert!(prompted("Choose one", [(7, "Seven")], "7")[1].selected);
    }

    #[test]
    fn yes_no_parses_only_its_own_keys() {
        assert_eq!(parse_yes_no("yes"), Some(true));
        assert_eq!(parse_yes_no("no"), Some(false));
        assert_eq!(parse_yes_no("Yes"), None);
        assert_eq!(parse_yes_no(""), None);
        for value in [true, false] {
            assert_eq!(parse_yes_no(yes_no_key(value)), Some(value));
        }
    }
}
