//! SQL about the database itself: readiness and creating databases.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection, PgExecutor, PgPool};

/// Whether the database answers a trivial query within `timeout`.
pub async fn is_reachable(pool: &PgPool, timeout: Duration) -> bool {
    let ping = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool);
    matches!(tokio::time::timeout(timeout, ping).await, Ok(Ok(1)))
}

/// Creates the database `name`, owned by `owner`, unless it exists; true if it was created.
pub async fn create_database_if_missing(
    server: &PgConnectOptions,
    name: &str,
    owner: &str,
) -> Result<bool, sqlx::Error> {
    let mut connection = PgConnection::connect_with(server).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut connection)
            .await?;
    if !exists {
        let sql = format!(
            "CREATE DATABASE {} OWNER {}",
            quote_identifier(name),
            quote_identifier(owner)
        );
        sqlx::query(AssertSqlSafe(sql))
            .execute(&mut connection)
            .await?;
    }
    connection.close().await?;
    Ok(!exists)
}

/// The role that owns database `name`.
pub async fn database_owner(db: impl PgExecutor<'_>, name: &str) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_one(db)
        .await
}

/// The role a connection acts as.
pub async fn current_user(db: impl PgExecutor<'_>) -> Result<String, sqlx::Error> {
    sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(db)
        .await
}

/// Creates the login role `name` (no superuser, no role or database creation) unless it exists.
pub async fn ensure_login_role(
    connection: &mut PgConnection,
    name: &str,
) -> Result<(), sqlx::Error> {
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(name)
            .fetch_one(&mut *connection)
            .await?;
    if !exists {
        let sql = format!(
            "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
            quote_identifier(name)
        );
        sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// Gives the application's role what it needs on every table, and no more: it may read and
/// write the application's tables, only read and append to the audit log (the owner keeps the
/// right to change it, and its append-only trigger), and only read the migrations table. Run
/// by the owner after every migration, so new tables are covered.
pub async fn grant_app_role(
    connection: &mut PgConnection,
    app_role: &str,
) -> Result<(), sqlx::Error> {
    let role = quote_identifier(app_role);
    let statements = [
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"),
        format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"),
        format!("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit_log FROM {role}"),
        format!("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON _sqlx_migrations FROM {role}"),
    ];
    for sql in statements {
        sqlx::query(AssertSqlSafe(sql))
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// What the connection's role could do to the audit log beyond appending: whether it is a
/// superuser, and whether it owns the table (and so may drop its trigger).
pub async fn audit_log_powers(db: impl PgExecutor<'_>) -> Result<(bool, bool), sqlx::Error> {
    sqlx::query_as(
        "SELECT r.rolsuper, pg_has_role(current_user, c.relowner, 'USAGE')
         FROM pg_roles r, pg_class c
         WHERE r.rolname = current_user AND c.oid = 'audit_log'::regclass",
    )
    .fetch_one(db)
    .await
}

/// Records `check_value` as the server key's check value if none is recorded yet, and returns
/// the one recorded (ours, or an earlier server's).
pub async fn record_server_key_check(
    db: impl PgExecutor<'_>,
    check_value: &[u8],
) -> Result<Vec<u8>, sqlx::Error> {
    sqlx::query_scalar(
        "WITH inserted AS (
             INSERT INTO server_key_check (check_value) VALUES ($1)
             ON CONFLICT (singleton) DO NOTHING
             RETURNING check_value
         )
         SELECT check_value FROM inserted
         UNION ALL
         SELECT check_value FROM server_key_check
         LIMIT 1",
    )
    .bind(check_value)
    .fetch_one(db)
    .await
}

/// `CREATE DATABASE name [TEMPLATE template]`. Identifiers cannot be bound as parameters, so
/// they are quoted here; callers pass names they made themselves.
pub async fn create_database(
    connection: &mut PgConnection,
    name: &str,
    template: Option<&str>,
) -> Result<(), sqlx::Error> {
    let mut sql = format!("CREATE DATABASE {}", quote_identifier(name));
    if let Some(template) = template {
        sql.push_str(&format!(" TEMPLATE {}", quote_identifier(template)));
    }
    sqlx::query(AssertSqlSafe(sql)).execute(connection).await?;
    Ok(())
}

pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::quote_identifier;

    #[test]
    fn identifiers_are_quoted_with_embedded_quotes_doubled() {
        assert_eq!(quote_identifier("itf_planner"), "\"itf_planner\"");
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
    }
}
