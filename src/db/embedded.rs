//! A private PostgreSQL cluster run from the server binaries installed on the machine, so that
//! `cargo run` and `cargo test` need no database set up by hand.
//!
//! The cluster listens on a Unix socket only (no TCP port to collide with or expose). When we run
//! as root it runs as the `postgres` system user, because PostgreSQL refuses to run as root. The
//! server is started as a child of a dedicated thread with a parent-death signal, so that even if
//! our process is killed outright the server shuts itself down instead of lingering.

use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::{PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{self, Signal};
use nix::unistd::{Gid, Pid, Uid, User};
use sqlx::postgres::PgConnectOptions;

/// The superuser the cluster is created with; it authenticates by socket ownership only.
pub const SUPERUSER: &str = "itf";
const PORT: u16 = 5432;
/// A Unix socket path must fit in `sockaddr_un.sun_path` (108 bytes with the terminator).
const MAX_SOCKET_PATH: usize = 100;
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the embedded cluster could not be used, phrased for the person starting the app.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error(
        "the PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH, through \
         pg_config --bindir, or under /usr/lib/postgresql/*/bin. Install them (Debian/Ubuntu: \
         `apt-get install postgresql`), or set DATABASE_URL to use an existing PostgreSQL server"
    )]
    BinariesNotFound,
    #[error(
        "PostgreSQL refuses to run as root, so it runs as the `postgres` system user, and that user \
         does not exist. Create it (`useradd --system postgres`), run as another user, or set \
         DATABASE_URL"
    )]
    NoPostgresUser,
    #[error(
        "PostgreSQL runs as the `postgres` system user, which cannot reach {0}: a folder above it \
         is closed to other users (a checkout under /root, for example). Set ITF_DATA_DIR to a \
         folder that user can reach, such as /var/lib/itf-planner, or set DATABASE_URL"
    )]
    Unreachable(PathBuf),
    #[error(
        "the socket path {0} is too long for a Unix socket; set ITF_DATA_DIR to a shorter path"
    )]
    SocketPathTooLong(PathBuf),
    #[error(
        "another PostgreSQL server (PID {pid}) is already running on {data_dir}: is another \
         itf-planner using the same ITF_DATA_DIR? Stop it first, or choose another ITF_DATA_DIR"
    )]
    AlreadyRunning { pid: i32, data_dir: PathBuf },
    #[error("{step} failed: {detail}")]
    Failed { step: &'static str, detail: String },
    #[error("{step}: {source}")]
    Io {
        step: &'static str,
        #[source]
        source: io::Error,
    },
}

fn io_error(step: &'static str) -> impl FnOnce(io::Error) -> LaunchError {
    move |source| LaunchError::Io { step, source }
}

/// How the cluster trades durability for speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// Every commit reaches the disk: for anything a person uses.
    Durable,
    /// No fsync: for throwaway test clusters, where speed matters and a crash loses nothing.
    Throwaway,
}

/// Whether `start` created the cluster or found one already there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    Created,
    Existing,
}

/// An embedded cluster under one folder: `postgres/` (its data), `postgres-run/` (its socket) and
/// `postgres.log`.
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    log_path: PathBuf,
    run_as: Option<(Uid, Gid)>,
    durability: Durability,
    server: Mutex<Option<RunningServer>>,
}

struct RunningServer {
    pid: Pid,
    exited: mpsc::Receiver<io::Result<ExitStatus>>,
}

impl EmbeddedPostgres {
    /// Prepares (but does not start) a cluster under `root`, finding the server binaries and the
    /// user to run them as.
    pub fn new(root: &Path, durability: Durability) -> Result<Self, LaunchError> {
        let bin_dir = find_server_binaries().ok_or(LaunchError::BinariesNotFound)?;
        fs::create_dir_all(root).map_err(io_error("creating the data folder"))?;
        let root = root
            .canonicalize()
            .map_err(io_error("resolving the data folder"))?;
        let run_as = if Uid::effective().is_root() {
            let user = User::from_name("postgres")
                .ok()
                .flatten()
                .ok_or(LaunchError::NoPostgresUser)?;
            Some((user.uid, user.gid))
        } else {
            None
        };
        let socket_dir = root.join("postgres-run");
        let socket_path = socket_dir.join(format!(".s.PGSQL.{PORT}"));
        if socket_path.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(LaunchError::SocketPathTooLong(socket_path));
        }
        Ok(EmbeddedPostgres {
            bin_dir,
            data_dir: root.join("postgres"),
            socket_dir,
            log_path: root.join("postgres.log"),
            run_as,
            durability,
            server: Mutex::new(None),
        })
    }

    /// The folder holding the cluster's data files.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The PID of the running server, if we started it and it has not been stopped.
    pub fn server_pid(&self) -> Option<i32> {
        self.lock_server()
            .as_ref()
            .map(|server| server.pid.as_raw())
    }

    /// Connection options for `database` over the cluster's socket.
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new_without_pgpass()
            .socket(&self.socket_dir)
            .port(PORT)
            .username(SUPERUSER)
            .database(database)
    }

    /// A `postgres://` URL for `database`, for child processes that take `DATABASE_URL`.
    pub fn database_url(&self, database: &str) -> String {
        format!(
            "postgres://{SUPERUSER}@localhost/{database}?host={}&port={PORT}",
            self.socket_dir.display()
        )
    }

    /// Creates the cluster if needed, clears what a crash left behind, starts the server and
    /// waits until it accepts connections.
    pub fn start(&self) -> Result<Freshness, LaunchError> {
        let mut server = self.lock_server();
        if server.is_some() {
            return Ok(Freshness::Existing);
        }
        self.prepare_folders()?;
        let freshness = if self.data_dir.join("PG_VERSION").is_file() {
            Freshness::Existing
        } else {
            self.init_cluster()?;
            Freshness::Created
        };
        self.clear_stale_lock_files()?;
        *server = Some(self.spawn_server()?);
        let running = server.as_ref().map(|s| s.pid);
        drop(server);
        if let Err(error) = self.wait_until_ready() {
            if running.is_some() {
                self.stop();
            }
            return Err(error);
        }
        Ok(freshness)
    }

    /// Asks the server for a fast shutdown (clients disconnected, work committed so far kept)
    /// and waits for it to exit. Does nothing if it is not running.
    ///
    /// A PID is only signalled while it is still our postmaster: once the server has exited
    /// (and been reaped) its PID may belong to another program, so we check that it has not
    /// exited and that the process is PostgreSQL running on our data folder.
    pub fn stop(&self) {
        let Some(server) = self.lock_server().take() else {
            return;
        };
        if !self.still_our_postmaster(&server) {
            return;
        }
        let _ = signal::kill(server.pid, Signal::SIGINT);
        if server.exited.recv_timeout(STOP_TIMEOUT).is_err() {
            tracing::warn!(
                pid = server.pid.as_raw(),
                "PostgreSQL did not stop in time; killing it"
            );
            if self.still_our_postmaster(&server) {
                let _ = signal::kill(server.pid, Signal::SIGQUIT);
                let _ = server.exited.recv_timeout(STOP_TIMEOUT);
            }
        }
    }

    fn still_our_postmaster(&self, server: &RunningServer) -> bool {
        if server.exited.try_recv().is_ok() {
            return false;
        }
        let ours = is_postmaster_of(server.pid.as_raw(), &self.data_dir);
        if !ours {
            tracing::warn!(
                pid = server.pid.as_raw(),
                "PID of the embedded PostgreSQL is no longer our server; not signalling it"
            );
        }
        ours
    }

    /// Whether `pid` is a PostgreSQL server running on this cluster's data folder.
    pub fn is_our_postmaster(&self, pid: i32) -> bool {
        is_postmaster_of(pid, &self.data_dir)
    }

    /// If the server we started has exited since, forgets it and says how it ended. A server
    /// stopped through `stop` is never reported.
    pub fn poll_exit(&self) -> Option<String> {
        self.exit_status_if_exited()
    }

    fn lock_server(&self) -> std::sync::MutexGuard<'_, Option<RunningServer>> {
        // A panic while holding the lock leaves the Option in a consistent state, so recover.
        self.server
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    fn prepare_folders(&self) -> Result<(), LaunchError> {
        for dir in [&self.data_dir, &self.socket_dir] {
            fs::create_dir_all(dir).map_err(io_error("creating the cluster folders"))?;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
                .map_err(io_error("restricting the cluster folders"))?;
            if let Some((uid, gid)) = self.run_as {
                chown(dir, Some(uid.as_raw()), Some(gid.as_raw()))
                    .map_err(io_error("handing the cluster folders to the postgres user"))?;
            }
        }
        if self.run_as.is_some() {
            let status = self
                .command("test")
                .args(["-w".as_ref(), self.data_dir.as_os_str()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map_err(io_error(
                    "checking the postgres user can reach the data folder",
                ))?;
            if !status.success() {
                return Err(LaunchError::Unreachable(self.data_dir.clone()));
            }
        }
        Ok(())
    }

    fn init_cluster(&self) -> Result<(), LaunchError> {
        // A half-made cluster (initdb interrupted) has no PG_VERSION; initdb needs an empty folder.
        for entry in fs::read_dir(&self.data_dir).map_err(io_error("reading the data folder"))? {
            let path = entry.map_err(io_error("reading the data folder"))?.path();
            let removed = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            removed.map_err(io_error("clearing a half-made cluster"))?;
        }
        let mut initdb = self.command(self.bin_dir.join("initdb"));
        initdb.arg("--pgdata").arg(&self.data_dir).args([
            "--username",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        ]);
        if self.durability == Durability::Throwaway {
            initdb.arg("--no-sync");
        }
        let output = initdb.output().map_err(io_error("running initdb"))?;
        if !output.status.success() {
            return Err(LaunchError::Failed {
                step: "initdb",
                detail: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        Ok(())
    }

    /// After a crash, `postmaster.pid` (and the socket's lock file) can name a process that is
    /// gone, or a PID since reused by something else; PostgreSQL would then refuse to start.
    /// A live PostgreSQL on our folder is another instance of us, and we must not touch it.
    fn clear_stale_lock_files(&self) -> Result<(), LaunchError> {
        let pid_file = self.data_dir.join("postmaster.pid");
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Some(pid) = read_lock_pid(&pid_file) {
            if !is_live_postgres(pid) {
                remove_if_present(&pid_file)?;
                break;
            }
            // A server whose parent just died may still be shutting down: give it a moment.
            if Instant::now() > deadline {
                return Err(LaunchError::AlreadyRunning {
                    pid,
                    data_dir: self.data_dir.clone(),
                });
            }
            thread::sleep(Duration::from_millis(200));
        }
        let socket_lock = self.socket_dir.join(format!(".s.PGSQL.{PORT}.lock"));
        if read_lock_pid(&socket_lock).is_some_and(|pid| !is_live_postgres(pid)) {
            remove_if_present(&socket_lock)?;
            remove_if_present(&self.socket_dir.join(format!(".s.PGSQL.{PORT}")))?;
        }
        Ok(())
    }

    fn spawn_server(&self) -> Result<RunningServer, LaunchError> {
        let log = File::options()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .map_err(io_error("opening the PostgreSQL log"))?;
        let log_err = log
            .try_clone()
            .map_err(io_error("opening the PostgreSQL log"))?;
        let mut postgres = self.command(self.bin_dir.join("postgres"));
        postgres
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-c", "listen_addresses="])
            .arg("-c")
            .arg(format!(
                "unix_socket_directories={}",
                self.socket_dir.display()
            ))
            .args(["-c", "unix_socket_permissions=0700"])
            .arg("-c")
            .arg(format!("port={PORT}"));
        if self.durability == Durability::Throwaway {
            postgres.args([
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]);
        }
        postgres
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            // Its own process group: Ctrl-C in a terminal reaches us, not the server, so we can
            // finish requests in flight before stopping it.
            .process_group(0);
        // SAFETY: the closure only calls async-signal-safe prctl(2) between fork and exec.
        unsafe {
            postgres.pre_exec(|| {
                nix::sys::prctl::set_pdeathsig(Signal::SIGINT).map_err(io::Error::from)
            });
        }

        // The parent-death signal fires when the *thread* that forked the child ends, so the
        // child is spawned from a thread that lives exactly as long as the server.
        let (spawned_tx, spawned_rx) = mpsc::channel::<io::Result<Pid>>();
        let (exited_tx, exited_rx) = mpsc::channel();
        thread::Builder::new()
            .name("embedded-postgres".into())
            .spawn(move || match postgres.spawn() {
                Ok(mut child) => {
                    let pid = Pid::from_raw(child_pid(&child));
                    let _ = spawned_tx.send(Ok(pid));
                    let _ = exited_tx.send(child.wait());
                }
                Err(error) => {
                    let _ = spawned_tx.send(Err(error));
                }
            })
            .map_err(io_error("starting the PostgreSQL supervisor thread"))?;
        let pid = spawned_rx
            .recv()
            .map_err(|_| LaunchError::Failed {
                step: "starting PostgreSQL",
                detail: "the supervisor thread ended unexpectedly".into(),
            })?
            .map_err(io_error("starting PostgreSQL"))?;
        Ok(RunningServer {
            pid,
            exited: exited_rx,
        })
    }

    fn wait_until_ready(&self) -> Result<(), LaunchError> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(status) = self.exit_status_if_exited() {
                return Err(LaunchError::Failed {
                    step: "starting PostgreSQL",
                    detail: format!(
                        "the server exited ({status}). Its log ({}) ends:\n{}",
                        self.log_path.display(),
                        log_tail(&self.log_path)
                    ),
                });
            }
            let ready = Command::new(self.bin_dir.join("pg_isready"))
                .arg("--quiet")
                .arg("--host")
                .arg(&self.socket_dir)
                .args(["--port", &PORT.to_string(), "--username", SUPERUSER])
                .arg("--dbname=postgres")
                .status()
                .map_err(io_error("running pg_isready"))?;
            if ready.success() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(LaunchError::Failed {
                    step: "starting PostgreSQL",
                    detail: format!(
                        "it did not accept connections within {} seconds. Its log ({}) ends:\n{}",
                        START_TIMEOUT.as_secs(),
                        self.log_path.display(),
                        log_tail(&self.log_path)
                    ),
                });
            }
            thread::sleep(Duration::from_millis(100));
        }
    }

    fn exit_status_if_exited(&self) -> Option<String> {
        let mut server = self.lock_server();
        let exited = server.as_ref()?.exited.try_recv().ok()?;
        *server = None;
        Some(match exited {
            Ok(status) => status.to_string(),
            Err(error) => error.to_string(),
        })
    }

    /// A command that runs as the cluster's owner.
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        if let Some((uid, gid)) = self.run_as {
            command.uid(uid.as_raw()).gid(gid.as_raw());
            // The postgres user cannot read root's working directory or HOME.
            command.current_dir("/").env("HOME", "/");
        }
        command
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

fn child_pid(child: &Child) -> i32 {
    // PIDs fit in i32 on every Unix we run on; `Child::id` returns u32 for portability.
    i32::try_from(child.id()).unwrap_or(i32::MAX)
}

/// The folder holding `initdb`, `pg_ctl` and `postgres`: from PATH, then `pg_config --bindir`,
/// then the newest of Debian's `/usr/lib/postgresql/<version>/bin`.
pub fn find_server_binaries() -> Option<PathBuf> {
    let has_all = |dir: &Path| {
        ["initdb", "postgres", "pg_isready"]
            .iter()
            .all(|name| dir.join(name).is_file())
    };
    let from_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .filter_map(|dir| fs::canonicalize(dir.join("initdb")).ok())
            .filter_map(|initdb| initdb.parent().map(Path::to_path_buf))
            .find(|dir| has_all(dir))
    });
    let from_pg_config = || {
        let output = Command::new("pg_config").arg("--bindir").output().ok()?;
        let dir = PathBuf::from(String::from_utf8(output.stdout).ok()?.trim());
        has_all(&dir).then_some(dir)
    };
    let from_debian = || {
        let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
                Some((version, entry.path().join("bin")))
            })
            .filter(|(_, dir)| has_all(dir))
            .collect();
        versions.sort();
        versions.pop().map(|(_, dir)| dir)
    };
    from_path.or_else(from_pg_config).or_else(from_debian)
}

/// The PID on the first line of a PostgreSQL lock file (negative in socket lock files written by
/// a standalone backend, hence `abs`).
fn read_lock_pid(path: &Path) -> Option<i32> {
    let mut text = String::new();
    File::open(path).ok()?.read_to_string(&mut text).ok()?;
    let pid: i32 = text.lines().next()?.trim().parse().ok()?;
    Some(pid.abs())
}

/// Whether `pid` is a PostgreSQL server started on `data_dir` (its command line is `postgres
/// -D <data_dir> ...`), rather than a PID since reused by another program.
fn is_postmaster_of(pid: i32, data_dir: &Path) -> bool {
    let Ok(cmdline) = fs::read(format!("/proc/{pid}/cmdline")) else {
        return false;
    };
    let mut args = cmdline
        .split(|byte| *byte == 0)
        .map(|arg| String::from_utf8_lossy(arg).into_owned());
    let is_postgres = args
        .next()
        .is_some_and(|program| program.ends_with("/postgres") || program == "postgres");
    let data_dir = data_dir.to_string_lossy();
    is_postgres && args.any(|arg| arg == data_dir)
}

/// Restarts after an unexpected exit are tried this many times in a row before giving up.
const MAX_RESTART_ATTEMPTS: u32 = 5;
/// More unexpected exits than this within `CRASH_WINDOW` means restarting is not helping.
const MAX_CRASHES_IN_WINDOW: usize = 5;
const CRASH_WINDOW: Duration = Duration::from_secs(600);
const SUPERVISE_EVERY: Duration = Duration::from_millis(500);

/// Watches the embedded server for as long as the application runs: when it exits without
/// being asked to, logs it and starts it again (the pool reconnects by itself), retrying with
/// back-off. If it cannot be started, or keeps dying, logs that and exits the process with a
/// failure code so that systemd, Docker or whoever started us can restart the whole.
pub async fn supervise(cluster: std::sync::Arc<EmbeddedPostgres>) {
    let mut crashes: Vec<Instant> = Vec::new();
    let mut every = tokio::time::interval(SUPERVISE_EVERY);
    loop {
        every.tick().await;
        let Some(status) = cluster.poll_exit() else {
            continue;
        };
        let now = Instant::now();
        crashes.retain(|at| now.duration_since(*at) < CRASH_WINDOW);
        crashes.push(now);
        tracing::error!(
            %status,
            log = %cluster.log_path.display(),
            "the embedded PostgreSQL server exited unexpectedly; restarting it"
        );
        if crashes.len() > MAX_CRASHES_IN_WINDOW {
            tracing::error!(
                crashes = crashes.len(),
                window_seconds = CRASH_WINDOW.as_secs(),
                "the embedded PostgreSQL server keeps exiting; stopping so that a supervisor can restart itf-planner"
            );
            std::process::exit(1);
        }
        if !restart_with_backoff(&cluster).await {
            tracing::error!(
                attempts = MAX_RESTART_ATTEMPTS,
                log = %cluster.log_path.display(),
                "could not restart the embedded PostgreSQL server; stopping so that a supervisor can restart itf-planner"
            );
            std::process::exit(1);
        }
    }
}

async fn restart_with_backoff(cluster: &std::sync::Arc<EmbeddedPostgres>) -> bool {
    let mut wait = Duration::from_millis(500);
    for attempt in 1..=MAX_RESTART_ATTEMPTS {
        let starting = cluster.clone();
        match tokio::task::spawn_blocking(move || starting.start()).await {
            Ok(Ok(_)) => {
                tracing::info!(attempt, "the embedded PostgreSQL server is running again");
                return true;
            }
            Ok(Err(error)) => {
                tracing::warn!(attempt, %error, "restarting the embedded PostgreSQL server failed");
            }
            Err(error) => {
                tracing::warn!(attempt, %error, "restarting the embedded PostgreSQL server failed");
            }
        }
        tokio::time::sleep(wait).await;
        wait *= 2;
    }
    false
}

/// Whether `pid` is alive and is a PostgreSQL server (not a PID reused by something else).
fn is_live_postgres(pid: i32) -> bool {
    if pid <= 0 {
        return false;
    }
    let alive = match signal::kill(Pid::from_raw(pid), None) {
        Ok(()) => true,
        Err(nix::errno::Errno::EPERM) => true,
        Err(_) => false,
    };
    if !alive {
        return false;
    }
    fs::read(format!("/proc/{pid}/cmdline"))
        .ok()
        .and_then(|cmdline| {
            let program = cmdline.split(|byte| *byte == 0).next()?.to_vec();
            let program = String::from_utf8(program).ok()?;
            Some(program.ends_with("postgres") || program.starts_with("postgres:"))
        })
        .unwrap_or(false)
}

fn remove_if_present(path: &Path) -> Result<(), LaunchError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(LaunchError::Io {
            step: "removing a stale lock file",
            source: error,
        }),
    }
}

fn log_tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_pid_is_read_from_the_first_line() {
        let dir = std::env::temp_dir().join(format!("itf-lock-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("postmaster.pid");
        fs::write(&file, "4242\n/var/lib/data\n").unwrap();
        assert_eq!(read_lock_pid(&file), Some(4242));
        fs::write(&file, "-77\n").unwrap();
        assert_eq!(read_lock_pid(&file), Some(77));
        fs::write(&file, "garbage").unwrap();
        assert_eq!(read_lock_pid(&file), None);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_live_process_that_is_not_postgres_is_not_mistaken_for_one() {
        assert!(!is_live_postgres(
            i32::try_from(std::process::id()).unwrap()
        ));
        assert!(!is_live_postgres(0));
        assert!(!is_live_postgres(-5));
        assert!(!is_postmaster_of(
            i32::try_from(std::process::id()).unwrap(),
            Path::new("/")
        ));
        assert!(!is_postmaster_of(1, Path::new("/")));
    }
}
