//! Accounts and access: users, passwords, sessions, sign-in with a second factor, CSRF
//! protection, throttling of guessing, and the policy that says who may do what.

pub mod accounts;
pub mod extract;
pub mod guard;
pub mod middleware;
pub mod password;
pub mod policy;
pub mod recovery;
pub mod routes;
pub mod session;
pub mod sign_in;
pub mod store;
pub mod throttle;
pub mod totp;

/// A user's row id: its own type, so that it cannot be passed where another kind of id is meant.
/// Other features still take user ids as bare `i64`s: they convert at the boundary with `get`
/// and `UserId::from`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, sqlx::Type, serde::Serialize)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct UserId(i64);

impl UserId {
    /// The bare number, for code that does not take the type yet.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl From<i64> for UserId {
    fn from(id: i64) -> UserId {
        UserId(id)
    }
}

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::UserId;

    #[test]
    fn a_user_id_shows_and_serialises_as_its_bare_number() {
        let id = UserId::from(42);
        assert_eq!(id.to_string(), "42");
        assert_eq!(id.get(), 42);
        assert_eq!(serde_json::to_string(&id).unwrap(), "42");
    }
}
