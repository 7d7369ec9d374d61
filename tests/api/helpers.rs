//! Starting the app for a test: one throwaway PostgreSQL cluster per test binary (or the server
//! named by `DATABASE_URL`), a migrated template database, and one database per test copied from
//! it, so tests never see each other's data.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use itf_planner::clock::Clock;
use itf_planner::config::Config;
use itf_planner::db::embedded::{Durability, EmbeddedPostgres};
use itf_planner::db::{self, MIGRATOR};
use itf_planner::{AppState, serve};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, PgPool};
use tokio::net::TcpListener;

const TEMPLATE_DATABASE: &str = "itf_test_template";

/// The database server all tests of this binary share.
struct TestServer {
    /// Connection options for the server's maintenance database; `database(..)` picks another.
    admin: PgConnectOptions,
    /// Kept so the cluster lives (and stops when the process exits, through its death signal).
    _cluster: Option<EmbeddedPostgres>,
}

static SERVER: OnceLock<TestServer> = OnceLock::new();

/// Folder for throwaway clusters: under the system temp folder, which the `postgres` user can
/// reach even when the checkout is somewhere private such as /root.
pub fn scratch_root() -> PathBuf {
    let root = std::env::temp_dir().join("itf-planner-tests");
    std::fs::create_dir_all(&root).expect("create scratch folder");
    set_mode(&root, 0o755);
    root
}

/// A new empty folder the `postgres` user can reach, removed when the guard is dropped.
pub fn scratch_dir() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("cluster-")
        .tempdir_in(scratch_root())
        .expect("create scratch dir");
    set_mode(dir.path(), 0o755);
    dir
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

fn server() -> &'static TestServer {
    SERVER.get_or_init(|| {
        // Started on its own thread and runtime: each test has its own runtime, and this one
        // must not outlive the connections it makes.
        std::thread::spawn(start_server)
            .join()
            .expect("test database server failed to start")
    })
}

fn start_server() -> TestServer {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (admin, cluster) = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let options: PgConnectOptions = url.parse().expect("DATABASE_URL is a postgres URL");
            (options.database("postgres"), None)
        }
        _ => {
            // The folder outlives the TempDir guard on purpose: statics are never dropped, so
            // the next run clears old clusters instead (see `remove_stale_clusters`).
            remove_stale_clusters();
            let dir = scratch_dir().keep();
            let cluster = EmbeddedPostgres::new(&dir, Durability::Throwaway)
                .expect("PostgreSQL server binaries are installed");
            cluster.start().expect("throwaway cluster starts");
            (cluster.connect_options("postgres"), Some(cluster))
        }
    };
    runtime.block_on(async {
        let mut connection = PgConnection::connect_with(&admin).await.expect("connect");
        // A template left by an earlier run against the same DATABASE_URL may be outdated.
        sqlx::query("DROP DATABASE IF EXISTS itf_test_template")
            .execute(&mut connection)
            .await
            .expect("drop old template");
        db::store::create_database(&mut connection, TEMPLATE_DATABASE, None)
            .await
            .expect("create template");
        connection.close().await.expect("close");
        let mut template = PgConnection::connect_with(&admin.clone().database(TEMPLATE_DATABASE))
            .await
            .expect("connect to template");
        MIGRATOR.run(&mut template).await.expect("migrate template");
        template.close().await.expect("close template");
    });
    TestServer {
        admin,
        _cluster: cluster,
    }
}

/// Removes clusters left under the scratch folder by earlier test runs whose server is gone.
fn remove_stale_clusters() {
    let Ok(entries) = std::fs::read_dir(scratch_root()) else {
        return;
    };
    for entry in entries.flatten() {
        let pid_file = entry.path().join("postgres/postmaster.pid");
        let running = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|text| text.lines().next()?.trim().parse::<u32>().ok())
            .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if !running {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A fresh database for one test, copied from the migrated template.
pub async fn fresh_database() -> (PgPool, String) {
    let server = server();
    let name = format!("itf_test_{}", uuid::Uuid::new_v4().simple());
    let mut connection = PgConnection::connect_with(&server.admin)
        .await
        .expect("connect");
    db::store::create_database(&mut connection, &name, Some(TEMPLATE_DATABASE))
        .await
        .expect("create test database");
    connection.close().await.expect("close");
    let pool = db::pool_options()
        .connect_with(server.admin.clone().database(&name))
        .await
        .expect("connect to test database");
    (pool, name)
}

/// Connection options for a test's database, e.g. to hand `DATABASE_URL` to the binary.
pub fn database_url(name: &str) -> String {
    let admin = &server().admin;
    match admin.get_socket() {
        Some(socket) => format!(
            "postgres://{}@localhost/{name}?host={}&port={}",
            admin.get_username(),
            socket.display(),
            admin.get_port()
        ),
        None => {
            let url = std::env::var("DATABASE_URL").expect("DATABASE_URL");
            let mut url = url::Url::parse(&url).expect("DATABASE_URL is a URL");
            url.set_path(name);
            url.to_string()
        }
    }
}

pub fn test_config() -> Config {
    Config::from_lookup(|_| None).expect("default configuration is valid")
}

/// A running app on `127.0.0.1:<free port>` and a client that keeps cookies, like a browser.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }
}

/// Starts the app against a fresh database.
pub async fn spawn_app() -> TestApp {
    let (pool, _) = fresh_database().await;
    let address = spawn_app_on(pool, test_config()).await;
    TestApp {
        address,
        client: browser_client(),
    }
}

/// Starts the app with `pool` and `config`; returns its base URL.
pub async fn spawn_app_on(pool: PgPool, config: Config) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let state = AppState {
        pool,
        config: Arc::new(config),
        clock: Clock::System,
    };
    tokio::spawn(serve(listener, state, std::future::pending()));
    address
}

pub fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}
