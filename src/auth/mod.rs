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

use crate::db::id::row_id;

row_id! {
    /// A user's row id: its own type, so that it cannot be passed where another kind of id is
    /// meant.
    pub struct UserId;
}

row_id! {
    /// A grant's row id (one role a user holds).
    pub struct GrantId;
}

row_id! {
    /// A trusted browser's row id (`trusted_devices`).
    pub struct TrustedDeviceId;
}
