//! Starting the app for a test: one throwaway PostgreSQL cluster per test binary (or the server
//! named by `DATABASE_URL`), a migrated template database, and one database per test copied from
//! it, so tests never see each other's data.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use itf_planner::auth::UserId;
use itf_planner::auth::policy::Role;
use itf_planner::auth::store as auth_store;
use itf_planner::auth::totp::TotpSecret;
use itf_planner::clock::Clock;
use itf_planner::config::Config;
use itf_planner::db::embedded::{Durability, EmbeddedPostgres};
use itf_planner::db::{self, APP_ROLE, MIGRATOR};
use itf_planner::keys::Keys;
use itf_planner::{AppState, serve};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{Connection, PgPool};
use tokio::net::TcpListener;

const TEMPLATE_DATABASE: &str = "itf_test_template";

/// The server key of every app a test starts, and of the binary when a test runs it
/// (`ITF_SECRET_KEY`), so both key the audit chain and TOTP secrets the same way.
pub const TEST_SECRET_KEY: &str =
    "7465737420736572766572206b6579206f66206974662d706c616e6e65722121";

/// The test key's subkeys, installed as this process's keys (see `Keys::install`).
pub fn test_keys() -> Keys {
    let keys = Keys::derive(&hex::decode(TEST_SECRET_KEY).expect("test key is hex"));
    keys.install().expect("one server key for every test");
    keys
}

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
    test_keys();
    runtime.block_on(async {
        let mut connection = PgConnection::connect_with(&admin).await.expect("connect");
        // The application connects as a role of its own, as the embedded cluster's does: it can
        // neither alter the audit log nor drop its trigger.
        db::store::ensure_login_role(&mut connection, APP_ROLE)
            .await
            .expect("create the application's role");
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
        db::store::grant_app_role(&mut template, APP_ROLE)
            .await
            .expect("grant the application's role");
        template.close().await.expect("close template");
        // Every test starts from the demo areas and accounts, as a newcomer's first run does.
        let pool = db::pool_options()
            .max_connections(1)
            .connect_with(admin.clone().database(TEMPLATE_DATABASE))
            .await
            .expect("connect to template");
        itf_planner::demo::seed_drafting(&pool)
            .await
            .expect("seed template");
        pool.close().await;
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
        // A cluster another test binary is still setting up has no server yet: only folders
        // untouched for ten minutes are old enough to be left over.
        let recent = entry
            .metadata()
            .and_then(|metadata| metadata.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_none_or(|age| age < std::time::Duration::from_secs(600));
        if !running && !recent {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// One test's database. Dropped (with `DROP DATABASE … WITH (FORCE)`) when the last handle
/// goes, so that tests run against a shared `DATABASE_URL` server do not leave theirs behind.
pub struct TestDatabase {
    pub pool: PgPool,
    pub name: String,
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let admin = server().admin.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread with its own
        // runtime does the work, and the test waits for it so nothing outlives the test.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let mut connection = PgConnection::connect_with(&admin).await?;
                let sql = format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    name.replace('"', "\"\"")
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut connection)
                    .await?;
                connection.close().await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// A fresh database for one test, copied from the migrated template.
pub async fn fresh_database() -> TestDatabase {
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
    TestDatabase { pool, name }
}

/// Whether a database of this name exists on the test server.
pub async fn database_exists(name: &str) -> bool {
    let mut connection = PgConnection::connect_with(&server().admin)
        .await
        .expect("connect");
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(&mut connection)
        .await
        .expect("query pg_database")
}

/// A pool on database `name` as the application's role (not a superuser, owner of nothing),
/// which is how the app itself connects.
pub async fn app_role_pool(name: &str) -> PgPool {
    db::pool_options()
        .connect_with(server().admin.clone().username(APP_ROLE).database(name))
        .await
        .expect("connect as the application's role")
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

/// The default configuration, without the background jobs (mail, digests, overdue deadlines),
/// which the tests of those start themselves, so that no other test sees their work.
pub fn test_config() -> Config {
    config_with(&[])
}

/// A running app on `127.0.0.1:<free port>` with its own database and a clock the test
/// controls, and a client that keeps cookies, like one browser.
#[derive(Clone)]
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// This browser's cookies.
    pub jar: Arc<reqwest::cookie::Jar>,
    pub pool: PgPool,
    /// The pool the app serves with (the application's role): close it to take the database
    /// away from the app.
    pub app_pool: PgPool,
    pub clock: Clock,
    /// The test's database, dropped when the last clone of this app goes.
    pub database: Arc<TestDatabase>,
}

/// Someone with an account in a test, and what they need to sign in.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: UserId,
    pub email: String,
    pub password: String,
    pub totp_secret: Option<Vec<u8>>,
}

pub const TEST_PASSWORD: &str = "correct horse battery staple 2014";

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The same app seen from a second browser (its own cookies).
    pub fn another_browser(&self) -> TestApp {
        let (client, jar) = browser();
        TestApp {
            client,
            jar,
            ..self.clone()
        }
    }

    /// The cookies this browser would send, as a `Cookie` header value.
    pub fn cookies(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url = self.address.parse().expect("address is a URL");
        self.jar
            .cookies(&url)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }

    /// The value of this browser's cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies()
            .split("; ")
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_owned())
    }

    /// Whether this browser is signed in (the start page greets signed-in people by name).
    pub async fn is_signed_in(&self) -> bool {
        let body = self.get("/").await.text().await.expect("body");
        body.contains("Signed in as")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_html(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.expect("body")
    }

    /// The page at `path` asked for as a browser does, accepting gzip, with the response's
    /// Content-Encoding and its body decompressed (as text if it came uncompressed).
    pub async fn get_html_accepting_gzip(&self, path: &str) -> (String, String) {
        let response = self
            .client
            .get(self.url(path))
            .header("accept-encoding", "gzip, deflate, br, zstd")
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status(), 200, "GET {path}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|value| value.to_str().expect("text").to_owned())
                .unwrap_or_default()
        };
        let encoding = header("content-encoding");
        assert!(
            encoding.is_empty()
                || header("vary")
                    .to_ascii_lowercase()
                    .contains("accept-encoding"),
            "a compressed answer varies by Accept-Encoding"
        );
        let bytes = response.bytes().await.expect("body");
        let text = match encoding.as_str() {
            "gzip" => {
                let mut text = String::new();
                std::io::Read::read_to_string(
                    &mut flate2::read::GzDecoder::new(&bytes[..]),
                    &mut text,
                )
                .expect("one valid gzip member");
                text
            }
            "" => String::from_utf8(bytes.to_vec()).expect("UTF-8"),
            other => panic!("GET {path}: unexpected encoding {other}"),
        };
        (encoding, text)
    }

    /// The CSRF token of this browser's session, as a page's forms carry it (signing in first
    /// if needed is the caller's business; an anonymous browser gets the sign-in form's).
    pub async fn csrf_token(&self) -> String {
        // The account page carries one even for someone who must still change their password.
        for path in ["/", "/account", "/sign-in"] {
            let body = self.get(path).await.text().await.expect("body");
            if let Some(token) = csrf_token_in(&body) {
                return token;
            }
        }
        panic!("no CSRF token on /, /account or /sign-in");
    }

    /// Posts a form as a browser would, with the session's CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_token().await;
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        self.post_raw(path, &form).await
    }

    /// Uploads `bytes` as the `file` field of a multipart form named `name`, with the
    /// session's CSRF token in the address, as the upload forms carry it.
    pub async fn post_file(&self, path: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
        let token = self.csrf_token().await;
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        self.client
            .post(self.url(&format!("{path}?csrf_token={token}")))
            .multipart(form)
            .send()
            .await
            .expect("request sent")
    }

    /// Posts exactly these fields (no CSRF token unless given).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body = serde_urlencoded::to_string(fields).expect("form encodes");
        self.client
            .post(self.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Adds an account in `organisation` with `role` (in the area with slug `area` for area
    /// roles). Roles that need two-factor get it set up, with the secret returned.
    pub async fn create_user(
        &self,
        role: Role,
        area: Option<&str>,
        organisation: &str,
    ) -> TestUser {
        let email = format!(
            "{}-{}@test.example",
            role.key(),
            uuid::Uuid::new_v4().simple()
        );
        let organisation_id =
            itf_planner::areas::store::find_organisation_id(&self.pool, organisation)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("organisation {organisation} exists"));
        let hash = itf_planner::auth::password::hash(TEST_PASSWORD)
            .await
            .unwrap();
        let id = auth_store::insert_user(
            &self.pool,
            auth_store::NewUser {
                email: &itf_planner::auth::accounts::Email::parse(&email).unwrap(),
                display_name: &format!("Test {}", role.label()),
                organisation_id: organisation_id.get(),
                password_hash: &hash,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
        let area_id = match area {
            Some(slug) => Some(
                itf_planner::areas::store::find_area_by_slug(&self.pool, slug)
                    .await
                    .unwrap()
                    .unwrap()
                    .id
                    .get(),
            ),
            None => None,
        };
        auth_store::insert_grant(&self.pool, id, role, area_id)
            .await
            .unwrap();
        let totp_secret = if role.requires_two_factor() {
            let secret = TotpSecret::generate().unwrap();
            auth_store::start_totp_enrolment(&self.pool, id, secret.as_bytes())
                .await
                .unwrap();
            auth_store::enable_totp(&self.pool, id, self.clock.now())
                .await
                .unwrap();
            Some(secret.as_bytes().to_vec())
        } else {
            None
        };
        TestUser {
            id,
            email,
            password: TEST_PASSWORD.to_owned(),
            totp_secret,
        }
    }

    /// The current code of the user's authenticator, by the app's clock.
    pub fn totp_code(&self, user: &TestUser) -> String {
        let secret = TotpSecret::from_bytes(user.totp_secret.clone().expect("user has two-factor"));
        itf_planner::auth::totp::code_at(&secret, self.clock.now().unix_timestamp())
    }

    /// Signs in with password and, where enrolled, the current authenticator code; panics
    /// unless the browser ends up signed in.
    pub async fn sign_in(&self, user: &TestUser) {
        let response = self
            .post_form(
                "/sign-in",
                &[("email", &user.email), ("password", &user.password)],
            )
            .await;
        assert_eq!(
            response.status(),
            303,
            "sign-in accepted for {}",
            user.email
        );
        if location(&response).starts_with("/sign-in/two-factor") {
            let code = self.totp_code(user);
            let response = self
                .post_form("/sign-in/two-factor", &[("code", &code)])
                .await;
            assert_eq!(response.status(), 303, "second factor accepted");
        }
    }

    /// The actions in the audit log, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_log ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }
}

/// The `Location` of a redirect.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The fingerprint an edit form carries of the record it was opened on.
pub fn based_on_in(html: &str) -> String {
    let marker = "name=\"based_on\" value=\"";
    let start = html.find(marker).expect("a based_on field") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

pub fn csrf_token_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// Starts the app against a fresh database (with the demo areas and accounts).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[], Clock::fixed(time::OffsetDateTime::now_utc())).await
}

/// Like `spawn_app`, with settings (`ITF_…` variable, value) and a clock of the test's choosing.
pub async fn spawn_app_with(settings: &[(&str, String)], clock: Clock) -> TestApp {
    let database = fresh_database().await;
    let (pool, name) = (database.pool.clone(), database.name.clone());
    let app_pool = app_role_pool(&name).await;
    let address = spawn_app_on(app_pool.clone(), config_with(settings), clock.clone()).await;
    let (client, jar) = browser();
    TestApp {
        address,
        client,
        jar,
        pool,
        app_pool,
        clock,
        database: Arc::new(database),
    }
}

/// The test configuration with `settings` (`ITF_…` variable, value) given.
pub fn config_with(settings: &[(&str, String)]) -> Config {
    Config::from_lookup(|name| {
        settings
            .iter()
            .find(|(variable, _)| *variable == name)
            .map(|(_, value)| value.clone())
            .or_else(|| (name == "ITF_WORKER").then(|| "false".to_owned()))
            // Tests change data behind the app's back (SQL): the national view reads afresh
            // unless a test asks it to keep its facts. The task list, the risk register and the
            // section pages' risks keep what they read until the audit log shows a change
            // (ITF_AREA_CACHE_SECONDS): a test changing their data by SQL sets it to 0.
            .or_else(|| (name == "ITF_NATIONAL_CACHE_SECONDS").then(|| "0".to_owned()))
    })
    .expect("test settings are valid")
}

/// A second server on the same database as `app` (as behind a load balancer), with `settings`.
pub async fn second_server(app: &TestApp, settings: &[(&str, String)]) -> TestApp {
    let address = spawn_app_on(
        app.app_pool.clone(),
        config_with(settings),
        app.clock.clone(),
    )
    .await;
    let (client, jar) = browser();
    TestApp {
        address,
        client,
        jar,
        ..app.clone()
    }
}

/// Starts the app with `pool`, `config` and `clock`; returns its base URL.
pub async fn spawn_app_on(pool: PgPool, config: Config, clock: Clock) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let state = AppState::new(pool, config, clock, test_keys());
    tokio::spawn(serve(listener, state, std::future::pending()));
    address
}

pub fn browser_client() -> reqwest::Client {
    browser().0
}

/// A client that keeps cookies in a jar the test can read, and does not follow redirects.
pub fn browser() -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    (client, jar)
}

/// The hidden fields (all but the CSRF token, which `post_form` adds) of the form on the page
/// that posts to `action`, as a browser would send them; `None` if the page has no such form.
/// A form posts to `action` when that is its own action or the `formaction` of one of its
/// buttons; its fields include those outside it that name it in their `form` attribute.
pub fn form_fields_in(html: &str, action: &str) -> Option<Vec<(String, String)>> {
    let forms = || html.split("<form").skip(1);
    let form = forms()
        .find(|form| tag_attribute(opening_tag(form), "action").as_deref() == Some(action))
        .or_else(|| {
            let id = html
                .split("<button")
                .skip(1)
                .map(opening_tag)
                .find(|tag| tag_attribute(tag, "formaction").as_deref() == Some(action))
                .and_then(|tag| tag_attribute(tag, "form"))?;
            forms().find(|form| tag_attribute(opening_tag(form), "id").as_deref() == Some(&id))
        })?;
    let id = tag_attribute(opening_tag(form), "id");
    let form = &form[..form.find("</form>").unwrap_or(form.len())];
    let hidden = |tag: &&str| tag_attribute(tag, "type").as_deref() == Some("hidden");
    let inside = form
        .split("<input")
        .skip(1)
        .map(opening_tag)
        .filter(hidden)
        .filter(|tag| tag_attribute(tag, "form").is_none());
    let outside: Vec<&str> = match &id {
        Some(id) => html
            .split("<input")
            .skip(1)
            .map(opening_tag)
            .filter(hidden)
            .filter(|tag| tag_attribute(tag, "form").as_deref() == Some(id.as_str()))
            .collect(),
        None => Vec::new(),
    };
    let fields = inside
        .chain(outside)
        .filter_map(|tag| Some((tag_attribute(tag, "name")?, tag_attribute(tag, "value")?)))
        .filter(|(name, _)| name != "csrf_token")
        .collect();
    Some(fields)
}

/// Where every form on the page posts to, in page order.
pub fn form_actions_in(html: &str) -> Vec<String> {
    html.split("<form")
        .skip(1)
        .filter_map(|form| tag_attribute(opening_tag(form), "action"))
        .collect()
}

/// The text of a tag up to its closing `>`, given what follows its name.
fn opening_tag(after_name: &str) -> &str {
    &after_name[..after_name.find('>').unwrap_or(after_name.len())]
}

/// The value of attribute `name` in a tag's text, unescaped.
fn tag_attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')?;
    Some(
        tag[start..start + end]
            .replace("&#x2f;", "/")
            .replace("&#47;", "/")
            .replace("&quot;", "\"")
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// A running app with an administrator signed in to its browser.
pub async fn signed_in_admin() -> (TestApp, TestUser) {
    let app = spawn_app().await;
    let admin = app
        .create_user(Role::Admin, None, "ITF planner support")
        .await;
    app.sign_in(&admin).await;
    (app, admin)
}

/// Posts `fields` (with the CSRF token) to `path` and expects the 303 to `to`.
pub async fn post_and_expect_redirect(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
    to: &str,
) {
    let response = app.post_form(path, fields).await;
    assert_eq!(response.status(), 303, "POST {path}");
    assert_eq!(location(&response), to, "POST {path}");
}

/// Posts `fields` and expects the form back (422) with its error summary; returns the page.
pub async fn post_and_expect_422(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> String {
    let response = app.post_form(path, fields).await;
    assert_eq!(response.status(), 422, "POST {path}");
    let body = response.text().await.expect("body");
    assert!(body.contains("There is a problem"), "{path}: error summary");
    body
}
