//! Issue 8 item 7: the server's resident memory stays bounded through a burst of sign-ins.
//! Runs the real binary as a child process, so its memory is measured apart from the tests'.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use itf_planner::auth::store as auth_store;

use crate::helpers::{TEST_PASSWORD, browser, csrf_token_in, database_url, fresh_database};

/// The most the server may hold at any moment of the burst.
const LIMIT_KIB: u64 = 200 * 1024;
const SIGN_INS: usize = 100;

/// Stops the server however the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A line of /proc/<pid>/status, in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("server is running");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

async fn sign_in(address: String, email: String, password: &'static str) -> u16 {
    let (client, _) = browser();
    let html = client
        .get(format!("{address}/sign-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = csrf_token_in(&html).expect("a sign-in form");
    let body = serde_urlencoded::to_string([
        ("csrf_token", token.as_str()),
        ("email", email.as_str()),
        ("password", password),
    ])
    .unwrap();
    client
        .post(format!("{address}/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn resident_memory_stays_under_200_mb_through_100_parallel_sign_ins() {
    let database = fresh_database().await;
    let (pool, name) = (database.pool.clone(), database.name.clone());
    let organisation_id = itf_planner::areas::store::find_organisation_id(&pool, "NHS Thanet CCG")
        .await
        .unwrap()
        .unwrap();
    let hash = itf_planner::auth::password::hash(TEST_PASSWORD)
        .await
        .unwrap();
    let mut emails = Vec::new();
    for n in 0..SIGN_INS {
        let email = format!("burst-{n}@test.example");
        auth_store::insert_user(
            &pool,
            auth_store::NewUser {
                email: &itf_planner::auth::accounts::Email::parse(&email).unwrap(),
                display_name: "Burst test",
                organisation_id: organisation_id.get(),
                password_hash: &hash,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
        emails.push(email);
    }

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("http://127.0.0.1:{port}");
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_itf-planner"))
            .env("DATABASE_URL", database_url(&name))
            .env("ITF_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start itf-planner"),
    );
    let pid = server.0.id();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = reqwest::get(format!("{address}/healthz"))
            .await
            .is_ok_and(|response| response.status() == 200);
        if ready {
            break;
        }
        assert!(Instant::now() < deadline, "the server starts");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // One sign-in first, so the baseline includes what any first hash sets up.
    assert_eq!(
        sign_in(address.clone(), emails[0].clone(), TEST_PASSWORD).await,
        303
    );
    let before = status_kib(pid, "VmRSS:");

    let sampler = tokio::spawn(async move {
        let mut highest = 0;
        loop {
            highest = highest.max(status_kib(pid, "VmRSS:"));
            tokio::time::sleep(Duration::from_millis(20)).await;
            if highest > 4 * LIMIT_KIB {
                return highest;
            }
        }
    });
    let started = Instant::now();
    // Each to its own account (parallel attempts at one account are each counted as a guess
    // until they succeed), three quarters with the right password, a quarter wrong, so every
    // one is hashed and no lock is reached (25 failures from the address, 30 allowed).
    let tasks: Vec<_> = (0..SIGN_INS)
        .map(|n| {
            let password = if n % 4 == 3 {
                "not the password"
            } else {
                TEST_PASSWORD
            };
            let email = emails[n].clone();
            tokio::spawn(sign_in(address.clone(), email, password))
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    sampler.abort();
    let highest_sampled = status_kib(pid, "VmHWM:");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = status_kib(pid, "VmRSS:");
    let peak = status_kib(pid, "VmHWM:");
    let busy = statuses.iter().filter(|status| **status == 503).count();
    eprintln!(
        "{SIGN_INS} parallel sign-ins in {elapsed:?}: RSS before {} MiB, peak {} MiB, after {} MiB; {busy} answered 503",
        before / 1024,
        peak.max(highest_sampled) / 1024,
        after / 1024
    );
    assert!(
        statuses
            .iter()
            .all(|status| [303, 422, 503].contains(status)),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|status| **status == 303).count(),
        SIGN_INS * 3 / 4,
        "every right password signed in: {statuses:?}"
    );
    assert!(
        peak < LIMIT_KIB,
        "peak resident memory {} MiB is over {} MiB",
        peak / 1024,
        LIMIT_KIB / 1024
    );
    drop(server);
}
