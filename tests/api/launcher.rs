//! The embedded PostgreSQL launcher: first start, restart on the same data, recovery after a
//! crash, and not leaving servers behind.

use std::path::Path;
use std::time::{Duration, Instant};

use itf_planner::db::embedded::{Durability, EmbeddedPostgres, Freshness};
use sqlx::{Connection, postgres::PgConnection};

use crate::helpers::scratch_dir;

fn process_exists(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|stat| !stat.contains(") Z "))
            .unwrap_or(false)
}

fn wait_until_gone(pid: i32) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if !process_exists(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

async fn remember(cluster: &EmbeddedPostgres, note: &str) {
    let mut connection = PgConnection::connect_with(&cluster.connect_options("postgres"))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE IF NOT EXISTS notes (text TEXT)")
        .execute(&mut connection)
        .await
        .unwrap();
    sqlx::query("INSERT INTO notes VALUES ($1)")
        .bind(note.to_owned())
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
}

async fn notes(cluster: &EmbeddedPostgres) -> Vec<String> {
    let mut connection = PgConnection::connect_with(&cluster.connect_options("postgres"))
        .await
        .unwrap();
    let notes = sqlx::query_scalar("SELECT text FROM notes ORDER BY text")
        .fetch_all(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    notes
}

#[tokio::test]
async fn starts_again_on_an_existing_data_folder_keeping_its_data() {
    let dir = scratch_dir();
    let cluster = EmbeddedPostgres::new(dir.path(), Durability::Durable).unwrap();
    assert_eq!(cluster.start().unwrap(), Freshness::Created);
    remember(&cluster, "before restart").await;
    let pid = cluster.server_pid().unwrap();
    cluster.stop();
    assert!(wait_until_gone(pid), "stop leaves no server running");
    assert_eq!(cluster.server_pid(), None);

    let again = EmbeddedPostgres::new(dir.path(), Durability::Durable).unwrap();
    assert_eq!(again.start().unwrap(), Freshness::Existing);
    assert_eq!(notes(&again).await, vec!["before restart".to_owned()]);
    again.stop();
}

#[tokio::test]
async fn recovers_from_a_stale_pid_file_naming_another_live_process() {
    let dir = scratch_dir();
    let cluster = EmbeddedPostgres::new(dir.path(), Durability::Throwaway).unwrap();
    cluster.start().unwrap();
    remember(&cluster, "kept").await;
    cluster.stop();

    // As after a crash and a reboot: the pid file names a PID now used by another program
    // (PID 1, alive and not PostgreSQL), which PostgreSQL alone would refuse to start over.
    let pid_file = cluster.data_dir().join("postmaster.pid");
    std::fs::write(&pid_file, format!("1\n{}\n", cluster.data_dir().display())).unwrap();

    let again = EmbeddedPostgres::new(dir.path(), Durability::Throwaway).unwrap();
    assert_eq!(again.start().unwrap(), Freshness::Existing);
    assert_eq!(notes(&again).await, vec!["kept".to_owned()]);
    again.stop();
}

#[tokio::test]
async fn recovers_after_the_server_was_killed() {
    let dir = scratch_dir();
    let cluster = EmbeddedPostgres::new(dir.path(), Durability::Durable).unwrap();
    cluster.start().unwrap();
    remember(&cluster, "committed before the crash").await;
    let pid = cluster.server_pid().unwrap();
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    assert!(wait_until_gone(pid));
    // The supervisor notices the exit; stop() then has nothing left to do.
    cluster.stop();

    let again = EmbeddedPostgres::new(dir.path(), Durability::Durable).unwrap();
    assert_eq!(again.start().unwrap(), Freshness::Existing);
    assert_eq!(
        notes(&again).await,
        vec!["committed before the crash".to_owned()]
    );
    again.stop();
}

#[tokio::test]
async fn refuses_to_start_a_second_server_on_a_folder_in_use() {
    let dir = scratch_dir();
    let first = EmbeddedPostgres::new(dir.path(), Durability::Throwaway).unwrap();
    first.start().unwrap();
    let second = EmbeddedPostgres::new(dir.path(), Durability::Throwaway).unwrap();
    let error = second.start().unwrap_err().to_string();
    assert!(error.contains("already running"), "{error}");
    assert!(
        first.server_pid().is_some(),
        "the first server is untouched"
    );
    remember(&first, "still works").await;
    first.stop();
}

#[tokio::test]
async fn only_our_own_postmaster_is_recognised_for_signalling() {
    let dir = scratch_dir();
    let cluster = EmbeddedPostgres::new(dir.path(), Durability::Throwaway).unwrap();
    cluster.start().unwrap();
    let pid = cluster.server_pid().unwrap();
    assert!(cluster.is_our_postmaster(pid));
    // Another cluster's server, PID 1 and this test process are not ours.
    let other_dir = scratch_dir();
    let other = EmbeddedPostgres::new(other_dir.path(), Durability::Throwaway).unwrap();
    other.start().unwrap();
    assert!(!cluster.is_our_postmaster(other.server_pid().unwrap()));
    assert!(!cluster.is_our_postmaster(1));
    assert!(!cluster.is_our_postmaster(i32::try_from(std::process::id()).unwrap()));
    other.stop();

    // Once it has died, its PID is no longer treated as ours and stop() signals nothing.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    assert!(wait_until_gone(pid));
    assert!(!cluster.is_our_postmaster(pid));
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut exit = cluster.poll_exit();
    while exit.is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        exit = cluster.poll_exit();
    }
    assert!(exit.is_some(), "the unexpected exit is reported");
    assert_eq!(cluster.server_pid(), None);
    cluster.stop();
}
