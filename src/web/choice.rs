//! The options of a select or radios, as form templates show them (`templates/admin/fields.html`
//! takes a list of these), with the one chosen or typed marked.

use std::borrow::Cow;

/// One option of a select or radios, with whether it is the one chosen (or typed).
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

/// Yes and no radios (the values `yes` and `no`).
pub fn yes_no(typed: &str) -> Vec<Choice> {
    vec![
        Choice::new("yes", "Yes", typed),
        Choice::new("no", "No", typed),
    ]
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
}
