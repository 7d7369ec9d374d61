//! "Your account": who you are and what you may do, changing your password, setting up
//! two-factor authentication and its recovery codes, and the sessions signed in to your account.
//! Every page here takes an `AccountHolder`, not `SignedIn`, because people who must still
//! change their password or set up two-factor are sent here to do exactly that.

pub mod display;
pub mod routes;
