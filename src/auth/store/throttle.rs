//! The `sign_in_throttle` counters. (Hardening, issue 8: counters are locked while read and
//! written, scopes are separate, and the account scope is keyed by `email_key`, the same
//! normalisation as the account look-up.)

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use crate::auth::throttle::Scope;

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
