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
