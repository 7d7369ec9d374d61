//! Telling which unique or foreign-key constraint a failed write broke, so that a feature can
//! turn a clash the database caught (two people adding the same name at once) into a message
//! by the field that caused it. Every feature may use this; it knows none of them.

/// The name of the constraint a database error violated, if it was one.
pub fn violated_constraint(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(error) => error.constraint(),
        _ => None,
    }
}

/// What a constraint means to the person filling in a form: the field to show the message by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clash {
    pub constraint: &'static str,
    pub field: &'static str,
    pub message: &'static str,
}

/// The clash among `clashes` that `error` is, if it is one of them; anything else (another
/// constraint, a lost connection) is `None` and stays an error.
pub fn clash<'a>(error: &sqlx::Error, clashes: &'a [Clash]) -> Option<&'a Clash> {
    let constraint = violated_constraint(error)?;
    clashes.iter().find(|clash| clash.constraint == constraint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_that_are_not_constraint_violations_name_no_clash() {
        let clashes = [Clash {
            constraint: "areas_slug_key",
            field: "slug",
            message: "taken",
        }];
        assert_eq!(violated_constraint(&sqlx::Error::RowNotFound), None);
        assert_eq!(clash(&sqlx::Error::PoolTimedOut, &clashes), None);
    }
}
