//! SQL for users, grants, sessions, sign-in throttling, trusted devices and two-factor data.

use sqlx::{FromRow, PgExecutor};
use time::OffsetDateTime;

use super::policy::{Grant, Role};
use super::session::{ABSOLUTE_TIMEOUT, Session, SessionUser};
use super::throttle::Scope;
use sqlx::PgConnection;

#[derive(FromRow)]
struct SessionRow {
    token_hash: Vec<u8>,
    csrf_token: String,
    second_factor_pending: bool,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    user_id: Option<i64>,
    email: Option<String>,
    display_name: Option<String>,
    organisation_id: Option<i64>,
    organisation_name: Option<String>,
    must_change_password: Option<bool>,
    two_factor_enabled: Option<bool>,
    disabled: Option<bool>,
    grant_roles: Vec<Role>,
    grant_areas: Vec<Option<i64>>,
}

/// The session with this token hash, with its user and their grants, in one query. A session
/// of a disabled user is not returned.
pub async fn find_session(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> Result<Option<Session>, sqlx::Error> {
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT s.token_hash, s.csrf_token, s.second_factor_pending, s.created_at,
                s.last_seen_at, s.expires_at, s.user_id,
                u.email, u.display_name, u.organisation_id, o.name AS organisation_name,
                u.must_change_password, u.totp_enabled_at IS NOT NULL AS two_factor_enabled,
                u.disabled_at IS NOT NULL AS disabled,
                ARRAY(SELECT g.role FROM grants g WHERE g.user_id = s.user_id ORDER BY g.id) AS grant_roles,
                ARRAY(SELECT g.area_id FROM grants g WHERE g.user_id = s.user_id ORDER BY g.id) AS grant_areas
         FROM sessions s
         LEFT JOIN users u ON u.id = s.user_id
         LEFT JOIN organisations o ON o.id = u.organisation_id
         WHERE s.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    if row.disabled == Some(true) {
        return Ok(None);
    }
    let user = match (
        row.user_id,
        row.email,
        row.display_name,
        row.organisation_id,
        row.organisation_name,
    ) {
        (
            Some(id),
            Some(email),
            Some(display_name),
            Some(organisation_id),
            Some(organisation_name),
        ) => Some(SessionUser {
            id,
            email,
            display_name,
            organisation_id,
            organisation_name,
            must_change_password: row.must_change_password.unwrap_or(true),
            two_factor_enabled: row.two_factor_enabled.unwrap_or(false),
            grants: row
                .grant_roles
                .into_iter()
                .zip(row.grant_areas)
                .map(|(role, area_id)| Grant { role, area_id })
                .collect(),
        }),
        _ => None,
    };
    Ok(Some(Session {
        token_hash: row.token_hash,
        csrf_token: row.csrf_token,
        user,
        second_factor_pending: row.second_factor_pending,
        created_at: row.created_at,
        last_seen_at: row.last_seen_at,
        expires_at: row.expires_at,
    }))
}

/// Details of a new session.
pub struct NewSession<'a> {
    pub token_hash: &'a [u8],
    pub csrf_token: &'a str,
    pub user_id: Option<i64>,
    pub second_factor_pending: bool,
    pub client_address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert_session(
    db: impl PgExecutor<'_>,
    session: NewSession<'_>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, csrf_token, user_id, second_factor_pending,
                               created_at, last_seen_at, expires_at, client_address, user_agent)
         VALUES ($1, $2, $3, $4, $5, $5, $6, $7, left($8, 300))",
    )
    .bind(session.token_hash)
    .bind(session.csrf_token)
    .bind(session.user_id)
    .bind(session.second_factor_pending)
    .bind(now)
    .bind(now + ABSOLUTE_TIMEOUT)
    .bind(session.client_address)
    .bind(session.user_agent)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn touch_session(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn delete_session(db: impl PgExecutor<'_>, token_hash: &[u8]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of a user except, optionally, one; returns how many ended.
pub async fn delete_user_sessions(
    db: impl PgExecutor<'_>,
    user_id: i64,
    except_token_hash: Option<&[u8]>,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND ($2::bytea IS NULL OR token_hash <> $2)",
    )
    .bind(user_id)
    .bind(except_token_hash)
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// Removes sessions past their timeouts (they are refused anyway; this keeps the table small).
pub async fn delete_expired_sessions(
    db: impl PgExecutor<'_>,
    now: OffsetDateTime,
    idle_cutoff: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
        .bind(now)
        .bind(idle_cutoff)
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}

/// A user's active sessions, newest first, for "your sessions".
#[derive(FromRow)]
pub struct SessionSummary {
    pub token_hash: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub client_address: Option<String>,
    pub user_agent: Option<String>,
}

pub async fn list_user_sessions(
    db: impl PgExecutor<'_>,
    user_id: i64,
) -> Result<Vec<SessionSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT token_hash, created_at, last_seen_at, client_address, user_agent
         FROM sessions WHERE user_id = $1 ORDER BY last_seen_at DESC LIMIT 50",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// What sign-in needs to know about an account.
#[derive(FromRow)]
pub struct Credentials {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub disabled: bool,
    pub two_factor_enabled: bool,
}

pub async fn find_credentials(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, email, password_hash, disabled_at IS NOT NULL AS disabled,
                totp_enabled_at IS NOT NULL AS two_factor_enabled
         FROM users WHERE email_key(email) = email_key($1)",
    )
    .bind(email)
    .fetch_optional(db)
    .await
}

pub async fn find_password_hash(
    db: impl PgExecutor<'_>,
    user_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await
}

pub async fn set_password(
    db: impl PgExecutor<'_>,
    user_id: i64,
    password_hash: &str,
    must_change: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $2, must_change_password = $3 WHERE id = $1")
        .bind(user_id)
        .bind(password_hash)
        .bind(must_change)
        .execute(db)
        .await?;
    Ok(())
}

// --- sign-in throttling ------------------------------------------------------------------------
// (Hardening, issue 8: counters are locked while read and written, scopes are separate, and the
// account scope is keyed by `email_key`, the same normalisation as the account look-up.)

/// The state of one throttle counter.
#[derive(FromRow, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleState {
    pub failures: i32,
    pub first_failure_at: OffsetDateTime,
    pub locked_until: Option<OffsetDateTime>,
}

/// `email` as the database compares email addresses (see the `email_key` SQL function): the
/// key of the sign-in throttle's account scope.
pub async fn email_key(db: impl PgExecutor<'_>, email: &str) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT email_key($1)")
        .bind(email)
        .fetch_one(db)
        .await
}

/// The counter `scope`/`key` as it stands, without locking it.
pub async fn throttle_state(
    db: impl PgExecutor<'_>,
    scope: Scope,
    key: &str,
) -> Result<Option<ThrottleState>, sqlx::Error> {
    sqlx::query_as(
        "SELECT failures, first_failure_at, locked_until FROM sign_in_throttle
         WHERE scope = $1 AND key = $2 AND failures > 0",
    )
    .bind(scope.key())
    .bind(key)
    .fetch_optional(db)
    .await
}

/// The counter `scope`/`key`, its row created if missing and locked until the end of the
/// transaction, so that parallel attempts take turns and each one is counted. `None` when it
/// holds no failures.
pub async fn lock_throttle(
    tx: &mut PgConnection,
    scope: Scope,
    key: &str,
    now: OffsetDateTime,
) -> Result<Option<ThrottleState>, sqlx::Error> {
    // The no-op update makes ON CONFLICT take the row lock and return the row.
    let state: ThrottleState = sqlx::query_as(
        "INSERT INTO sign_in_throttle (scope, key, failures, first_failure_at)
         VALUES ($1, $2, 0, $3)
         ON CONFLICT (scope, key) DO UPDATE SET failures = sign_in_throttle.failures
         RETURNING failures, first_failure_at, locked_until",
    )
    .bind(scope.key())
    .bind(key)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    Ok((state.failures > 0).then_some(state))
}

pub async fn save_throttle_state(
    db: impl PgExecutor<'_>,
    scope: Scope,
    key: &str,
    state: ThrottleState,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sign_in_throttle (scope, key, failures, first_failure_at, locked_until)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (scope, key) DO UPDATE
         SET failures = EXCLUDED.failures, first_failure_at = EXCLUDED.first_failure_at,
             locked_until = EXCLUDED.locked_until",
    )
    .bind(scope.key())
    .bind(key)
    .bind(state.failures)
    .bind(state.first_failure_at)
    .bind(state.locked_until)
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets the counter `scope`/`key`. `scope` is `Scope::key()`; in the account scope the key
/// may be the email as typed or stored (it is normalised here, as when it was counted).
pub async fn clear_throttle(
    db: impl PgExecutor<'_>,
    scope: &str,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM sign_in_throttle
         WHERE scope = $1 AND key = CASE WHEN $1 = 'account' THEN email_key($2) ELSE $2 END",
    )
    .bind(scope)
    .bind(key)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes counters that no longer matter: their failures are older than `forgotten_before`
/// (so the next failure starts afresh) and any lock has ended. Returns how many.
pub async fn delete_stale_throttles(
    db: impl PgExecutor<'_>,
    now: OffsetDateTime,
    forgotten_before: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "DELETE FROM sign_in_throttle
         WHERE first_failure_at <= $2 AND (locked_until IS NULL OR locked_until <= $1)",
    )
    .bind(now)
    .bind(forgotten_before)
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// Takes back the failure counted in advance for an attempt that succeeded, lifting the lock if
/// that count alone had reached it (a lock exists exactly when failures reach the free ones).
pub async fn refund_throttle(
    db: impl PgExecutor<'_>,
    scope: Scope,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sign_in_throttle
         SET failures = greatest(failures - 1, 0),
             locked_until = CASE WHEN failures - 1 < $3 THEN NULL ELSE locked_until END
         WHERE scope = $1 AND key = $2",
    )
    .bind(scope.key())
    .bind(key)
    .bind(scope.free_failures())
    .execute(db)
    .await?;
    Ok(())
}

// --- security events ---------------------------------------------------------------------------
// (Hardening, issue 8: failed attempts, kept 90 days, outside the permanent audit log.)

/// One refused attempt worth keeping for a while.
pub struct SecurityEvent<'a> {
    /// `sign_in_failed`, `second_factor_failed`, `current_password_failed`.
    pub kind: &'a str,
    pub user_id: Option<i64>,
    /// Only what looks like an email address (never a password typed in the wrong box).
    pub email: Option<&'a str>,
    pub client_address: Option<&'a str>,
    pub reason: &'a str,
}

pub async fn insert_security_event(
    db: impl PgExecutor<'_>,
    event: SecurityEvent<'_>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO security_events (at, kind, user_id, email, client_address, reason)
         VALUES ($1, $2, $3, left($4, 254), left($5, 100), $6)",
    )
    .bind(now)
    .bind(event.kind)
    .bind(event.user_id)
    .bind(event.email)
    .bind(event.client_address)
    .bind(event.reason)
    .execute(db)
    .await?;
    Ok(())
}

/// Removes security events older than `before`; returns how many.
pub async fn delete_old_security_events(
    db: impl PgExecutor<'_>,
    before: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM security_events WHERE at < $1")
        .bind(before)
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}

// --- trusted devices ---------------------------------------------------------------------------
// (Hardening, issue 8: a lifetime, listing and revoking.)

/// Whether the browser holding the token of `token_hash` is trusted by `user_id` at `now`.
pub async fn is_trusted_device(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    user_id: i64,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM trusted_devices
                        WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .fetch_one(db)
    .await
}

/// A browser to trust.
pub struct NewTrustedDevice<'a> {
    pub token_hash: &'a [u8],
    pub user_id: i64,
    pub expires_at: OffsetDateTime,
    pub user_agent: Option<&'a str>,
    pub client_address: Option<&'a str>,
}

pub async fn trust_device(
    db: impl PgExecutor<'_>,
    device: NewTrustedDevice<'_>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO trusted_devices (token_hash, user_id, created_at, last_used_at, expires_at,
                                      user_agent, client_address)
         VALUES ($1, $2, $3, $3, $4, left($5, 300), left($6, 100))",
    )
    .bind(device.token_hash)
    .bind(device.user_id)
    .bind(now)
    .bind(device.expires_at)
    .bind(device.user_agent)
    .bind(device.client_address)
    .execute(db)
    .await?;
    Ok(())
}

/// Records a sign-in from a trusted browser; its lifetime is not extended.
pub async fn touch_trusted_device(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE trusted_devices SET last_used_at = $2 WHERE token_hash = $1")
        .bind(token_hash)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets the token of `token_hash` if it is `user_id`'s (an expired one being replaced).
pub async fn delete_trusted_device(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
    user_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM trusted_devices WHERE token_hash = $1 AND user_id = $2")
        .bind(token_hash)
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A browser the account trusts, for "Your account".
#[derive(FromRow)]
pub struct TrustedDevice {
    pub id: i64,
    pub token_hash: Vec<u8>,
    pub created_at: OffsetDateTime,
    pub last_used_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub user_agent: Option<String>,
    pub client_address: Option<String>,
}

/// The account's unexpired trusted browsers, most recently used first.
pub async fn list_trusted_devices(
    db: impl PgExecutor<'_>,
    user_id: i64,
    now: OffsetDateTime,
) -> Result<Vec<TrustedDevice>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, token_hash, created_at, last_used_at, expires_at, user_agent, client_address
         FROM trusted_devices WHERE user_id = $1 AND expires_at > $2
         ORDER BY last_used_at DESC, id DESC LIMIT 50",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(db)
    .await
}

/// Stops trusting one of the account's browsers; false if it is not (or no longer) there.
pub async fn revoke_trusted_device(
    db: impl PgExecutor<'_>,
    user_id: i64,
    id: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM trusted_devices WHERE user_id = $1 AND id = $2")
        .bind(user_id)
        .bind(id)
        .execute(db)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Stops trusting every browser of the account (at a password change); returns how many.
pub async fn delete_user_trusted_devices(
    db: impl PgExecutor<'_>,
    user_id: i64,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM trusted_devices WHERE user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}

/// Removes expired trusted browsers (refused anyway; this keeps the table small).
pub async fn delete_expired_trusted_devices(
    db: impl PgExecutor<'_>,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("DELETE FROM trusted_devices WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}

// --- two-factor --------------------------------------------------------------------------------

/// The user's TOTP secret (enrolled or being set up) and the last time step accepted.
#[derive(FromRow)]
pub struct TotpState {
    pub totp_secret: Option<Vec<u8>>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
}

pub async fn totp_state(db: impl PgExecutor<'_>, user_id: i64) -> Result<TotpState, sqlx::Error> {
    sqlx::query_as(
        "SELECT totp_secret, totp_enabled_at IS NOT NULL AS totp_enabled, totp_last_step
         FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_one(db)
    .await
}

/// Records that the code of time step `step` was used; false if that step (or a later one)
/// was used already, so the same code cannot sign in twice.
pub async fn claim_totp_step(
    db: impl PgExecutor<'_>,
    user_id: i64,
    step: i64,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET totp_last_step = $2
         WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
    )
    .bind(user_id)
    .bind(step)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Stores a new secret for enrolment; two-factor stays off until a code confirms it.
pub async fn start_totp_enrolment(
    db: impl PgExecutor<'_>,
    user_id: i64,
    secret: &[u8],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET totp_secret = $2, totp_last_step = NULL
         WHERE id = $1 AND totp_enabled_at IS NULL",
    )
    .bind(user_id)
    .bind(secret)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn enable_totp(
    db: impl PgExecutor<'_>,
    user_id: i64,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET totp_enabled_at = $2 WHERE id = $1")
        .bind(user_id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Turns two-factor off (an administrator's reset for a lost phone) and removes its codes.
pub async fn reset_totp(db: &mut PgConnection, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL
         WHERE id = $1",
    )
    .bind(user_id)
    .execute(&mut *db)
    .await?;
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// Replaces the user's recovery codes.
pub async fn replace_recovery_codes(
    db: impl PgExecutor<'_>,
    user_id: i64,
    code_hashes: &[Vec<u8>],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH removed AS (DELETE FROM recovery_codes WHERE user_id = $1)
         INSERT INTO recovery_codes (user_id, code_hash)
         SELECT $1, hash FROM unnest($2::bytea[]) AS hash",
    )
    .bind(user_id)
    .bind(code_hashes)
    .execute(db)
    .await?;
    Ok(())
}

/// Uses up a recovery code; false if it is not one of the user's unused codes.
pub async fn use_recovery_code(
    db: impl PgExecutor<'_>,
    user_id: i64,
    code_hash: &[u8],
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE recovery_codes SET used_at = $3
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(code_hash)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn unused_recovery_codes(
    db: impl PgExecutor<'_>,
    user_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(db)
        .await
}

// --- users and grants --------------------------------------------------------------------------

/// Details of a new account.
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub organisation_id: i64,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

/// Adds an account; a clash with an existing email is `users_email_key`.
pub async fn insert_user(db: impl PgExecutor<'_>, user: NewUser<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO users (email, display_name, organisation_id, password_hash, must_change_password)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user.email)
    .bind(user.display_name)
    .bind(user.organisation_id)
    .bind(user.password_hash)
    .bind(user.must_change_password)
    .fetch_one(db)
    .await
}

pub async fn find_user_id_by_email(
    db: impl PgExecutor<'_>,
    email: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE email_key(email) = email_key($1)")
        .bind(email)
        .fetch_optional(db)
        .await
}

/// Gives `user_id` a role (in `area_id` for area roles); true if it was new.
pub async fn insert_grant(
    db: impl PgExecutor<'_>,
    user_id: i64,
    role: Role,
    area_id: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO grants (user_id, role, area_id) VALUES ($1, $2, $3)
         ON CONFLICT (user_id, role, coalesce(area_id, 0)) DO NOTHING",
    )
    .bind(user_id)
    .bind(role)
    .bind(area_id)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

// --- your account ------------------------------------------------------------------------------

/// One role a user holds, with the name of its area (`None` for roles held across all areas).
#[derive(FromRow)]
pub struct RoleInArea {
    pub role: Role,
    pub area_name: Option<String>,
}

/// The user's roles with their areas' names, global roles first, then by area and role.
pub async fn list_user_roles(
    db: impl PgExecutor<'_>,
    user_id: i64,
) -> Result<Vec<RoleInArea>, sqlx::Error> {
    sqlx::query_as(
        "SELECT g.role, a.name AS area_name
         FROM grants g LEFT JOIN areas a ON a.id = g.area_id
         WHERE g.user_id = $1
         ORDER BY a.name NULLS FIRST, g.role",
    )
    .bind(user_id)
    .fetch_all(db)
    .await
}

/// Turns two-factor on if the stored secret is still `secret` (the one the code was checked
/// against, not one replaced meanwhile from another tab) and time step `step` was not used yet;
/// records the step as used. False if either has changed, or it was on already.
pub async fn confirm_totp_enrolment(
    db: impl PgExecutor<'_>,
    user_id: i64,
    secret: &[u8],
    step: i64,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET totp_enabled_at = $4, totp_last_step = $3
         WHERE id = $1 AND totp_secret = $2 AND totp_enabled_at IS NULL
           AND (totp_last_step IS NULL OR totp_last_step < $3)",
    )
    .bind(user_id)
    .bind(secret)
    .bind(step)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

// === Accounts and grants as administrators see and change them ===============================
// (moved here from admin's store, so that `users` and `grants` have one owner; `admin` calls
// these. The reads join `organisations` and `areas` only for their names, to keep each page to
// a fixed number of queries.)

/// The most grants a user's administration page lists.
const GRANTS_LIMIT: i64 = 1000;

/// A user as listed for administrators, with their roles.
#[derive(Clone, Debug, FromRow)]
pub struct UserListRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub organisation_name: String,
    pub disabled: bool,
    pub two_factor_enabled: bool,
    pub grant_roles: Vec<Role>,
    /// The area of each grant in `grant_roles`, `None` for global roles.
    pub grant_areas: Vec<Option<String>>,
}

/// Users by name, those whose name or email contains `search` (any case) if given.
pub async fn list_users(
    db: impl PgExecutor<'_>,
    search: Option<&str>,
    limit: i64,
) -> Result<Vec<UserListRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.display_name, o.name AS organisation_name,
                u.disabled_at IS NOT NULL AS disabled,
                u.totp_enabled_at IS NOT NULL AS two_factor_enabled,
                ARRAY(SELECT g.role FROM grants g
                      WHERE g.user_id = u.id ORDER BY g.id) AS grant_roles,
                ARRAY(SELECT a.name FROM grants g LEFT JOIN areas a ON a.id = g.area_id
                      WHERE g.user_id = u.id ORDER BY g.id) AS grant_areas
         FROM users u JOIN organisations o ON o.id = u.organisation_id
         WHERE $1::text IS NULL
            OR strpos(lower(u.display_name), lower($1)) > 0
            OR strpos(lower(u.email), lower($1)) > 0
         ORDER BY lower(u.display_name), u.id
         LIMIT $2",
    )
    .bind(search)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// One user, for their administration page.
#[derive(Clone, Debug, FromRow)]
pub struct UserAccount {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub must_change_password: bool,
    pub disabled_at: Option<OffsetDateTime>,
    pub two_factor_enabled: bool,
    pub created_at: OffsetDateTime,
}

pub async fn find_user_account(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<UserAccount>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.email, u.display_name, u.organisation_id, o.name AS organisation_name,
                u.must_change_password, u.disabled_at,
                u.totp_enabled_at IS NOT NULL AS two_factor_enabled, u.created_at
         FROM users u JOIN organisations o ON o.id = u.organisation_id
         WHERE u.id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// A role a user holds, with its area.
#[derive(Clone, Debug, FromRow)]
pub struct GrantRow {
    pub id: i64,
    pub role: Role,
    pub area_id: Option<i64>,
    pub area_slug: Option<String>,
    pub area_name: Option<String>,
}

pub async fn list_grants(
    db: impl PgExecutor<'_>,
    user_id: i64,
) -> Result<Vec<GrantRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT g.id, g.role, g.area_id, a.slug AS area_slug, a.name AS area_name
         FROM grants g LEFT JOIN areas a ON a.id = g.area_id
         WHERE g.user_id = $1
         ORDER BY a.name NULLS FIRST, g.role, g.id
         LIMIT $2",
    )
    .bind(user_id)
    .bind(GRANTS_LIMIT)
    .fetch_all(db)
    .await
}

/// Removes one of the user's grants; returns it, or `None` if they hold no such grant.
pub async fn delete_grant(
    db: impl PgExecutor<'_>,
    user_id: i64,
    grant_id: i64,
) -> Result<Option<GrantRow>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM grants g WHERE g.id = $2 AND g.user_id = $1
         RETURNING g.id, g.role, g.area_id,
                   (SELECT a.slug FROM areas a WHERE a.id = g.area_id) AS area_slug,
                   (SELECT a.name FROM areas a WHERE a.id = g.area_id) AS area_name",
    )
    .bind(user_id)
    .bind(grant_id)
    .fetch_optional(db)
    .await
}

/// Disables the account (their sessions are refused from now on); false if it already was.
pub async fn disable_user(
    db: impl PgExecutor<'_>,
    user_id: i64,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("UPDATE users SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL")
            .bind(user_id)
            .bind(now)
            .execute(db)
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Enables a disabled account; false if it was not disabled.
pub async fn enable_user(db: impl PgExecutor<'_>, user_id: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL",
    )
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

// === end of accounts and grants as administrators see them ===================================
