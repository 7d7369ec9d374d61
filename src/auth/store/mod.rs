//! SQL for the tables `auth` owns, one file per table group: users, grants, sessions, the
//! sign-in throttle, security events, trusted devices and two-factor data. Other features call
//! these (through the re-exports here, `auth::store::x`) rather than querying the tables.

mod grants;
mod security_events;
mod sessions;
mod throttle;
mod trusted_devices;
mod two_factor;
mod users;

pub use grants::*;
pub use security_events::*;
pub use sessions::*;
pub use throttle::*;
pub use trusted_devices::*;
pub use two_factor::*;
pub use users::*;
