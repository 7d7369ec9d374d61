//! The connection pool, the embedded migrations, and the choice between a server named by
//! `DATABASE_URL` and our own embedded cluster.

pub mod constraint;
pub mod embedded;
pub mod store;

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::config::Config;
use embedded::{Durability, EmbeddedPostgres, Freshness};

/// The database the embedded cluster keeps the application's data in.
pub const EMBEDDED_DATABASE: &str = "itf_planner";

/// Forward-only migrations, compiled into the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A pool plus, when we started it, the cluster behind it (stopped when this is dropped or
/// `close` is called).
pub struct Database {
    pub pool: PgPool,
    /// True when this start created the database, so demo data may be loaded into it.
    pub fresh: bool,
    cluster: Option<EmbeddedPostgres>,
}

impl Database {
    /// Connects to `DATABASE_URL`, or starts the embedded cluster under `ITF_DATA_DIR`.
    pub async fn open(config: &Config) -> anyhow::Result<Database> {
        match &config.database_url {
            Some(url) => {
                let options: PgConnectOptions = url.parse()?;
                let pool = pool_options().connect_with(options).await?;
                Ok(Database {
                    pool,
                    fresh: false,
                    cluster: None,
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
                let created = store::create_database_if_missing(
                    &cluster.connect_options("postgres"),
                    EMBEDDED_DATABASE,
                )
                .await?;
                let pool = pool_options()
                    .connect_with(cluster.connect_options(EMBEDDED_DATABASE))
                    .await?;
                Ok(Database {
                    pool,
                    fresh: created || freshness == Freshness::Created,
                    cluster: Some(cluster),
                })
            }
        }
    }

    /// Whether we run our own cluster (as opposed to a server named by `DATABASE_URL`).
    pub fn is_embedded(&self) -> bool {
        self.cluster.is_some()
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection, then stops the embedded cluster if we started one.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = self.cluster {
            let _ = tokio::task::spawn_blocking(move || cluster.stop()).await;
        }
    }
}

/// Pool settings shared by the app and the tests. Connections are checked before use so that
/// after the database comes back from an outage the pool recovers by itself.
pub fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(true)
}
