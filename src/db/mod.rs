//! The connection pool, the embedded migrations, and the choice between a server named by
//! `DATABASE_URL` and our own embedded cluster.

pub mod constraint;
pub mod embedded;
pub mod id;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::{Connection, PgPool};

use crate::config::Config;
use embedded::{Durability, EmbeddedPostgres, Freshness};

/// The database the embedded cluster keeps the application's data in.
pub const EMBEDDED_DATABASE: &str = "itf_planner";

/// The role the application connects as in the embedded cluster: no superuser, owner of nothing.
/// Tables belong to `OWNER_ROLE`, which runs migrations and grants this one what it needs.
pub const APP_ROLE: &str = "itf_app";

/// The role that owns the embedded database and its tables (and the audit log's trigger) and
/// runs migrations. Not a superuser either.
pub const OWNER_ROLE: &str = "itf_owner";

/// Forward-only migrations, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A pool plus, when we started it, the cluster behind it (stopped when this is dropped or
/// `close` is called).
pub struct Database {
    /// Connections as the application's role.
    pub pool: PgPool,
    /// True when this start created the database, so demo data may be loaded into it.
    pub fresh: bool,
    /// Where migrations run, when that is another role than the pool's.
    owner: Option<PgConnectOptions>,
    cluster: Option<Arc<EmbeddedPostgres>>,
    supervisor: Option<tokio::task::JoinHandle<()>>,
}

impl Database {
    /// Connects to `DATABASE_URL` (migrating as `ITF_MIGRATE_DATABASE_URL` if given), or starts
    /// the embedded cluster under `ITF_DATA_DIR` and supervises it.
    pub async fn open(config: &Config) -> anyhow::Result<Database> {
        match &config.database_url {
            Some(url) => {
                let options: PgConnectOptions = url.parse()?;
                let owner = match &config.migrate_database_url {
                    Some(url) => Some(url.parse()?),
                    None => None,
                };
                let pool = pool_options()
                    .max_connections(config.database_pool)
                    .connect_with(options)
                    .await?;
                Ok(Database {
                    pool,
                    fresh: false,
                    owner,
                    cluster: None,
                    supervisor: None,
                })
            }
            None => {
                let data_dir = config.data_dir.clone();
                let (cluster, freshness) = tokio::task::spawn_blocking(move || {
                    let cluster = EmbeddedPostgres::new(&data_dir, Durability::Durable)?;
                    let freshness = cluster.start()?;
                    Ok::<_, embedded::LaunchError>((cluster, freshness))
                })
                .await??;
                let cluster = Arc::new(cluster);
                let superuser = cluster.connect_options("postgres");
                let mut connection = PgConnection::connect_with(&superuser).await?;
                store::ensure_login_role(&mut connection, OWNER_ROLE).await?;
                store::ensure_login_role(&mut connection, APP_ROLE).await?;
                let created =
                    store::create_database_if_missing(&superuser, EMBEDDED_DATABASE, OWNER_ROLE)
                        .await?;
                // Databases made before the owner role existed belong to the cluster's
                // superuser, which then stays their owner.
                let owner_role = store::database_owner(&mut connection, EMBEDDED_DATABASE).await?;
                connection.close().await?;
                let owner = cluster
                    .connect_options(EMBEDDED_DATABASE)
                    .username(&owner_role);
                let pool = pool_options()
                    .max_connections(config.database_pool)
                    .connect_with(owner.clone().username(APP_ROLE))
                    .await?;
                let supervisor = tokio::spawn(embedded::supervise(cluster.clone()));
                Ok(Database {
                    pool,
                    fresh: created || freshness == Freshness::Created,
                    owner: Some(owner),
                    cluster: Some(cluster),
                    supervisor: Some(supervisor),
                })
            }
        }
    }

    /// Whether we run our own cluster (as opposed to a server named by `DATABASE_URL`).
    pub fn is_embedded(&self) -> bool {
        self.cluster.is_some()
    }

    /// Brings the schema up to date as the owner role and grants the application's role what it
    /// needs. Warns when the application's role could alter the audit log (one role for both).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.owner {
            Some(owner) => {
                let mut connection = PgConnection::connect_with(owner).await?;
                MIGRATOR.run(&mut connection).await?;
                let app_role = store::current_user(&self.pool).await?;
                if app_role != store::current_user(&mut connection).await? {
                    store::grant_app_role(&mut connection, &app_role).await?;
                }
                connection.close().await?;
            }
            None => MIGRATOR.run(&self.pool).await?,
        }
        let (superuser, owner) = store::audit_log_powers(&self.pool).await?;
        if superuser || owner {
            tracing::warn!(
                superuser,
                owns_audit_log = owner,
                "the application's database role can alter the audit log; give it a role of its \
                 own and migrate with ITF_MIGRATE_DATABASE_URL (see the README)"
            );
        }
        Ok(())
    }

    /// Refuses to go on if the database was first used with another server key: the audit
    /// chain would no longer verify and two-factor secrets would not decrypt.
    pub async fn check_server_key(&self, keys: &crate::keys::Keys) -> anyhow::Result<()> {
        let ours = keys.check_value.as_bytes();
        let recorded = store::record_server_key_check(&self.pool, ours).await?;
        if recorded != ours {
            anyhow::bail!(
                "this database was first used with another server key: set ITF_SECRET_KEY (or \
                 ITF_DATA_DIR's secret.key) to that key. Every replica needs the same key"
            );
        }
        Ok(())
    }

    /// Closes every connection, then stops the embedded cluster if we started one.
    pub async fn close(self) {
        if let Some(supervisor) = self.supervisor {
            supervisor.abort();
        }
        self.pool.close().await;
        if let Some(cluster) = self.cluster {
            let _ = tokio::task::spawn_blocking(move || cluster.stop()).await;
        }
    }
}

/// A connection used this recently is handed out without a check (HikariCP's
/// `aliveBypassWindowMs` is the same 500 ms).
const CHECKED_AFTER_IDLE: Duration = Duration::from_millis(500);

/// Pool settings shared by the app and the tests (10 connections; the app's are
/// `ITF_DATABASE_POOL`). A connection idle for
/// [`CHECKED_AFTER_IDLE`] or more is checked (a round trip) before use, so that after the
/// database comes back from an outage the pool recovers by itself: one that fails the check
/// is closed and another taken or opened. A connection in steady use is not: checking every
/// one was a round trip before each statement, besides the statement and sqlx's own check
/// when a connection is released (bench/RESULTS.md, lever 25). A connection that broke since
/// its last use, within that half second, fails its statement (an error page that keeps what
/// was typed) and is closed.
pub fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= CHECKED_AFTER_IDLE {
                    connection.ping().await?;
                }
                Ok(true)
            })
        })
}
