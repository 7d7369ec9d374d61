//! The demo plans finished for sign-off (filled in by the completion work).

use sqlx::PgPool;

/// Completes Kent's 2014-16 plan and Rotherham's BCF 2025-26 plan, adding only what is missing.
pub async fn seed(_pool: &PgPool) -> anyhow::Result<()> {
    Ok(())
}
