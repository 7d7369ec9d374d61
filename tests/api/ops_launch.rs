//! The real binary on its own embedded PostgreSQL: what it loads when reachable from other
//! machines, how it logs, and how it survives its database server being killed.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use crate::helpers::{TEST_SECRET_KEY, browser_client};

/// A folder for one launched server's cluster, outside the shared scratch folder that other
/// test runs sweep (a cluster still being created has no server yet and looks abandoned).
fn scratch_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let root = std::env::temp_dir().join("itf-planner-tests-launched");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = tempfile::Builder::new()
        .prefix("serve-")
        .tempdir_in(root)
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

/// A running `itf-planner serve` and every line it has written to standard output and error.
struct Launched {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    address: String,
}

impl Launched {
    fn start(data_dir: &std::path::Path, envs: &[(&str, &str)]) -> Launched {
        let mut command = Command::new(env!("CARGO_BIN_EXE_itf-planner"));
        command
            .arg("serve")
            .env_remove("DATABASE_URL")
            .env("ITF_DATA_DIR", data_dir)
            .env("ITF_SECRET_KEY", TEST_SECRET_KEY)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in envs {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start itf-planner");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        for stream in [
            Box::new(stdout) as Box<dyn std::io::Read + Send>,
            Box::new(stderr),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let mut launched = Launched {
            child,
            lines,
            address: String::new(),
        };
        let line = launched.wait_for_line("listening on http://", Duration::from_secs(90));
        let port = line
            .split("listening on http://")
            .nth(1)
            .and_then(|rest| rest.split(['"', ' ']).next())
            .and_then(|address| address.rsplit(':').next())
            .expect("the address it listens on")
            .to_owned();
        launched.address = format!("http://127.0.0.1:{port}");
        launched
    }

    fn output(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self.output().into_iter().find(|line| line.contains(needle)) {
                return line;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "itf-planner exited ({status}) before logging {needle:?}:\n{}",
                    self.output().join("\n")
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in:\n{}",
                self.output().join("\n")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops it as `docker stop` would and returns whether it exited successfully.
    fn terminate(mut self) -> bool {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        self.child.wait().unwrap().success()
    }
}

impl Drop for Launched {
    // A failed assertion must not leave the server running (its PostgreSQL follows it through
    // its parent-death signal).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The embedded cluster's superuser connection to the app's database.
fn cluster_options(data_dir: &std::path::Path) -> PgConnectOptions {
    PgConnectOptions::new_without_pgpass()
        .socket(data_dir.join("postgres-run"))
        .port(5432)
        .username(itf_planner::db::embedded::SUPERUSER)
        .database(itf_planner::db::EMBEDDED_DATABASE)
}

async fn readyz(address: &str) -> u16 {
    match browser_client()
        .get(format!("{address}/readyz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
    {
        Ok(response) => response.status().as_u16(),
        Err(_) => 0,
    }
}

#[tokio::test]
async fn on_all_interfaces_a_new_database_gets_no_demo_accounts_and_says_so_in_plain_logs() {
    let dir = scratch_dir();
    let app = Launched::start(dir.path(), &[("ITF_BIND", "0.0.0.0:0")]);
    assert_eq!(readyz(&app.address).await, 200);
    let mut connection = PgConnection::connect_with(&cluster_options(dir.path()))
        .await
        .unwrap();
    let (owner, owner_is_superuser): (String, bool) = sqlx::query_as(
        "SELECT r.rolname::text, r.rolsuper FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
         WHERE c.oid = 'audit_log'::regclass",
    )
    .fetch_one(&mut connection)
    .await
    .unwrap();
    assert_eq!(owner, itf_planner::db::OWNER_ROLE);
    assert!(!owner_is_superuser);
    let app_can_change_audit_log: bool = sqlx::query_scalar(
        "SELECT has_table_privilege($1, 'audit_log', 'UPDATE')
             OR has_table_privilege($1, 'audit_log', 'DELETE')
             OR has_table_privilege($1, 'audit_log', 'TRUNCATE')",
    )
    .bind(itf_planner::db::APP_ROLE)
    .fetch_one(&mut connection)
    .await
    .unwrap();
    assert!(!app_can_change_audit_log);
    let (users, areas): (i64, i64) =
        sqlx::query_as("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM areas)")
            .fetch_one(&mut connection)
            .await
            .unwrap();
    connection.close().await.unwrap();
    assert_eq!(users, 0, "no account with a published password");
    assert_eq!(areas, 2, "the demo areas are still there to look at");
    let output = app.output();
    assert!(
        output
            .iter()
            .any(|line| line.contains("demo accounts not loaded")),
        "{output:#?}"
    );
    assert!(
        !output.iter().any(|line| line.contains('\u{1b}')),
        "no colour codes when not on a terminal: {output:#?}"
    );
    assert!(
        !output
            .iter()
            .any(|line| line.contains("kent.lead@itf.example")),
        "{output:#?}"
    );
    assert!(app.terminate(), "stops cleanly");
}

#[tokio::test]
async fn a_killed_embedded_postgres_is_logged_and_restarted_and_logs_are_json() {
    let dir = scratch_dir();
    let mut app = Launched::start(dir.path(), &[("ITF_LOG_FORMAT", "json")]);
    assert_eq!(readyz(&app.address).await, 200);
    // On loopback, the demo accounts are loaded (and it says so).
    app.wait_for_line(
        "loaded the demo areas, plans and accounts",
        Duration::from_secs(5),
    );
    // The audit log's head goes to the log, to be kept outside the database.
    let head = app.wait_for_line("audit log head", Duration::from_secs(10));
    let head: serde_json::Value = serde_json::from_str(&head).unwrap();
    assert_eq!(
        head["audit_head"].as_str().map(str::len),
        Some(64),
        "{head}"
    );

    let pid_file = dir.path().join("postgres/postmaster.pid");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();

    app.wait_for_line("exited unexpectedly", Duration::from_secs(20));
    app.wait_for_line("running again", Duration::from_secs(60));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut status = readyz(&app.address).await;
    while status != 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        status = readyz(&app.address).await;
    }
    assert_eq!(status, 200, "ready again: {:#?}", app.output());
    let new_pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_ne!(new_pid, pid, "a new server");

    // Signing in works again: the pool reconnected.
    let page = browser_client()
        .get(format!("{}/sign-in", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    for line in app.output().iter().filter(|line| line.starts_with('{')) {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|error| panic!("{line}: {error}"));
    }
    assert!(
        app.output()
            .iter()
            .filter(|line| line.contains("exited unexpectedly"))
            .all(|line| line.starts_with('{')),
        "log lines are JSON"
    );
    assert!(app.terminate(), "stops cleanly");
}
