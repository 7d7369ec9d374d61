//! SQL about the database itself: readiness and creating databases.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Connection, PgPool};

/// Whether the database answers a trivial query within `timeout`.
pub async fn is_reachable(pool: &PgPool, timeout: Duration) -> bool {
    let ping = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(pool);
    matches!(tokio::time::timeout(timeout, ping).await, Ok(Ok(1)))
}

/// Creates the database `name` unless it exists; true if it was created.
pub async fn create_database_if_missing(
    server: &PgConnectOptions,
    name: &str,
) -> Result<bool, sqlx::Error> {
    let mut connection = PgConnection::connect_with(server).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut connection)
            .await?;
    if !exists {
        create_database(&mut connection, name, None).await?;
    }
    connection.close().await?;
    Ok(!exists)
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

fn quote_identifier(name: &str) -> String {
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
