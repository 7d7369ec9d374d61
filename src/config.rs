//! Settings, read once at start from the environment (or the matching command-line options)
//! by clap, and checked then: a bad value stops the process with a message naming the variable,
//! rather than surfacing later as a strange failure. `itf-planner --help` lists every one.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser};
use url::Url;

/// The settings as given, before defaults that depend on each other are worked out.
#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Settings (each also read from the environment variable shown)")]
pub struct Settings {
    /// PostgreSQL the application connects to, e.g. postgres://itf_app:…@db:5432/itf_planner.
    /// Unset: run a private PostgreSQL from the installed server binaries, with its data under
    /// ITF_DATA_DIR.
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true,
          value_parser = database_url_parser("DATABASE_URL"))]
    pub database_url: Option<String>,

    /// PostgreSQL role that owns the tables and runs migrations, when it differs from
    /// DATABASE_URL's role (which then gets only the grants it needs, and cannot alter the
    /// audit log). Unset: migrations run as DATABASE_URL's role.
    #[arg(long, global = true, env = "ITF_MIGRATE_DATABASE_URL", hide_env_values = true,
          value_parser = database_url_parser("ITF_MIGRATE_DATABASE_URL"))]
    pub migrate_database_url: Option<String>,

    /// Address and port to listen on.
    #[arg(long, global = true, env = "ITF_BIND", default_value = "127.0.0.1:3000",
          value_parser = parse_bind)]
    pub bind: SocketAddr,

    /// Folder for the embedded database and the server key file.
    #[arg(long, global = true, env = "ITF_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// Address users reach, e.g. https://itf.example.org; https turns on Secure cookies and HSTS.
    #[arg(long, global = true, env = "ITF_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<Url>,

    /// true/false: force the Secure cookie flag (default: on exactly when ITF_PUBLIC_URL is https).
    #[arg(long, global = true, env = "ITF_SECURE_COOKIES",
          value_parser = bool_parser("ITF_SECURE_COOKIES"))]
    pub secure_cookies: Option<bool>,

    /// Folder of CSS, JavaScript and images served under /static (default ./static, else the
    /// source tree's).
    #[arg(long, global = true, env = "ITF_STATIC_DIR")]
    pub static_dir: Option<PathBuf>,

    /// true/false: trust the client address a reverse proxy reports in X-Forwarded-For (for
    /// sign-in throttling). Only when a proxy always sets it.
    #[arg(long, global = true, env = "ITF_BEHIND_PROXY",
          value_parser = bool_parser("ITF_BEHIND_PROXY"))]
    pub behind_proxy: Option<bool>,

    /// Server key (hex or base64, at least 16 bytes) keying the audit chain, encrypting
    /// two-factor secrets and signing cookies. Unset: kept in ITF_DATA_DIR/secret.key, made on
    /// first start. Never stored in the database; back it up separately.
    #[arg(long, global = true, env = "ITF_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Demo accounts (published passwords) in a new embedded database: by default only when
    /// listening on loopback; true loads them on any address, false never.
    #[arg(long, global = true, env = "ITF_DEMO", num_args = 0..=1, default_missing_value = "true",
          value_parser = bool_parser("ITF_DEMO"))]
    pub demo: Option<bool>,

    /// With the demo accounts, also load the demo's sign-off (Kent's plan in sign-off and
    /// frozen, Rotherham's 2025-26 plan approved); false leaves every demo plan being drafted
    /// (the browser tests of drafting start from there).
    #[arg(long, global = true, env = "ITF_DEMO_SIGN_OFF", num_args = 0..=1,
          default_missing_value = "true", value_parser = bool_parser("ITF_DEMO_SIGN_OFF"))]
    pub demo_sign_off: Option<bool>,

    /// SMTP server for mail, e.g. smtp://mail.example.org:25 (no TLS),
    /// smtp://user:pass@mail.example.org:587?tls=required (STARTTLS) or
    /// smtps://user:pass@mail.example.org (TLS). Unset: mail waits in the outbox, which
    /// administrators read at /admin/outbox.
    #[arg(long, global = true, env = "ITF_SMTP_URL", hide_env_values = true,
          value_parser = parse_smtp_url)]
    pub smtp_url: Option<String>,

    /// The From address of the mail the service sends.
    #[arg(
        long,
        global = true,
        env = "ITF_MAIL_FROM",
        default_value = "ITF planner <no-reply@itf-planner.invalid>"
    )]
    pub mail_from: String,

    /// Where people write about the service (accessibility problems, their personal data, help),
    /// e.g. itf-support@example.org: shown on the help, accessibility and privacy pages. Unset:
    /// those pages tell people to ask the organisation running the service.
    #[arg(long, global = true, env = "ITF_CONTACT_EMAIL", value_parser = parse_contact_email)]
    pub contact_email: Option<String>,

    /// How often each server looks for mail to send and digests to make, in milliseconds.
    #[arg(long, global = true, env = "ITF_MAIL_POLL_MS", default_value = "5000",
          value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub mail_poll_ms: u64,

    /// How long the national view keeps the facts it read (each cycle's money, metrics, sign-off
    /// and submissions of every area), and the programme dashboard the tables it made, in
    /// seconds, when nothing changed on this server; a change made here is shown at once. 0
    /// reads them on every request.
    #[arg(long, global = true, env = "ITF_NATIONAL_CACHE_SECONDS", default_value = "10",
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub national_cache_seconds: u64,

    /// How long an area's pages keep what they read (a plan's task list: its sections, checks
    /// and sign-off state; the risk register as it stands; a section page's text,
    /// contributions, comments and risks, each person's drafts apart; search results for the
    /// same words; a section's history), in seconds, when the audit log shows no change to the
    /// area (nor to a template or an organisation) since: such a change, made on any server,
    /// shows at once. Who else is on a section page is shown again for 5 seconds to someone
    /// noted there lately. 0 reads them all on every request.
    #[arg(long, global = true, env = "ITF_AREA_CACHE_SECONDS", default_value = "10",
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub area_cache_seconds: u64,

    /// The most connections this server holds to PostgreSQL at once (default: twice this
    /// server's CPUs, from 4 to 32). Requests beyond it wait their turn, first come first served, for up to 5
    /// seconds. More connections than the database's CPUs can serve only make them take turns
    /// there instead (bench/RESULTS.md, lever 27). Every server of a deployment holds its own:
    /// their sum must stay under PostgreSQL's `max_connections`.
    #[arg(long, global = true, env = "ITF_DATABASE_POOL",
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_pool: Option<u32>,

    /// true/false: run the background jobs on this server (sending mail, daily digests, telling
    /// leads of overdue deadlines). Default true; any number of servers may run them at once.
    #[arg(long, global = true, env = "ITF_WORKER", value_parser = bool_parser("ITF_WORKER"))]
    pub worker: Option<bool>,

    /// Log format: json (one object a line, for collectors), text, or auto (text, coloured only
    /// on a terminal).
    #[arg(long, global = true, env = "ITF_LOG_FORMAT", default_value = "auto",
          value_parser = parse_log_format)]
    pub log_format: LogFormat,

    /// Log filter, e.g. info, or debug to log every request (default: info,sqlx=warn).
    #[arg(long, global = true, env = "RUST_LOG")]
    pub log_filter: Option<String>,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
    /// Text; coloured only when standard output is a terminal.
    #[default]
    Auto,
}

/// Everything the process needs to know about where it runs.
#[derive(Clone)]
pub struct Config {
    /// `DATABASE_URL`: an existing PostgreSQL to use. `None` means run our own embedded cluster.
    pub database_url: Option<String>,
    /// `ITF_MIGRATE_DATABASE_URL`: the owner role's connection, for migrations and grants.
    pub migrate_database_url: Option<String>,
    /// `ITF_BIND`: the address the web server listens on.
    pub bind: SocketAddr,
    /// `ITF_DATA_DIR`: where the embedded cluster and the key file are kept.
    pub data_dir: PathBuf,
    /// `ITF_PUBLIC_URL`: the address users type. When it is https, cookies are marked `Secure`
    /// and HSTS is sent.
    pub public_url: Option<Url>,
    /// `ITF_SECURE_COOKIES`: by default on exactly when the public URL is https.
    pub secure_cookies: bool,
    /// `ITF_STATIC_DIR`: the folder of CSS, JavaScript and images served under `/static`.
    pub static_dir: PathBuf,
    /// `ITF_BEHIND_PROXY`: trust the client address a reverse proxy reports in `X-Forwarded-For`.
    pub behind_proxy: bool,
    /// `ITF_SECRET_KEY`: the server key, if given in the environment.
    pub secret_key: Option<String>,
    /// `ITF_DEMO`: whether demo accounts were asked for explicitly (`None`: not said).
    pub demo: Option<bool>,
    /// `ITF_DEMO_SIGN_OFF`: whether the demo includes its sign-off (true unless said).
    pub demo_sign_off: bool,
    /// `ITF_SMTP_URL`: where mail goes; `None` keeps it in the outbox.
    pub smtp_url: Option<String>,
    /// `ITF_MAIL_FROM`.
    pub mail_from: String,
    /// `ITF_CONTACT_EMAIL`: the address the public pages give for questions and problems.
    pub contact_email: Option<String>,
    /// `ITF_MAIL_POLL_MS`: how often the mail worker wakes.
    pub mail_poll: std::time::Duration,
    /// `ITF_NATIONAL_CACHE_SECONDS`: how long the national view keeps its facts, and the
    /// programme dashboard its tables, unchanged here.
    pub national_cache: std::time::Duration,
    /// `ITF_AREA_CACHE_SECONDS`: how long an area's pages keep what they read while the area's
    /// audit log shows no change.
    pub area_cache: std::time::Duration,
    /// `ITF_DATABASE_POOL`: the most connections this server holds to PostgreSQL.
    pub database_pool: u32,
    /// `ITF_WORKER`: whether this server runs the background jobs.
    pub worker: bool,
    /// `ITF_LOG_FORMAT`.
    pub log_format: LogFormat,
    /// `RUST_LOG`.
    pub log_filter: Option<String>,
}

impl std::fmt::Debug for Config {
    // Database URLs may hold passwords and the server key is a secret: neither reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_password),
            )
            .field(
                "migrate_database_url",
                &self.migrate_database_url.as_deref().map(redact_password),
            )
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("public_url", &self.public_url.as_ref().map(Url::as_str))
            .field("secure_cookies", &self.secure_cookies)
            .field("static_dir", &self.static_dir)
            .field("behind_proxy", &self.behind_proxy)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .field("demo", &self.demo)
            .field("demo_sign_off", &self.demo_sign_off)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_password))
            .field("mail_from", &self.mail_from)
            .field("contact_email", &self.contact_email)
            .field("mail_poll", &self.mail_poll)
            .field("national_cache", &self.national_cache)
            .field("area_cache", &self.area_cache)
            .field("database_pool", &self.database_pool)
            .field("worker", &self.worker)
            .field("log_format", &self.log_format)
            .field("log_filter", &self.log_filter)
            .finish()
    }
}

/// `url` with any password replaced by `***`.
fn redact_password(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            // A password can also be given as a query parameter.
            if parsed.query_pairs().any(|(name, _)| name == "password") {
                let pairs: Vec<(String, String)> = parsed
                    .query_pairs()
                    .map(|(name, value)| {
                        let value = if name == "password" {
                            "***".to_owned()
                        } else {
                            value.into_owned()
                        };
                        (name.into_owned(), value)
                    })
                    .collect();
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
            }
            parsed.to_string()
        }
        Err(_) => "***".to_owned(),
    }
}

/// A setting that could not be used, with the variable's name and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{variable} {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

/// The settings alone as a command, for reading them without the real command line.
#[derive(Parser)]
struct SettingsOnly {
    #[command(flatten)]
    settings: Settings,
}

impl Config {
    /// Reads settings through `lookup` (variable name → value) instead of the process
    /// environment, so tests can pass a map; the same parsers and messages apply.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let command = SettingsOnly::command().mut_args(|arg| arg.env(None::<&str>));
        let mut args = vec!["itf-planner".to_owned()];
        for arg in SettingsOnly::command().get_arguments() {
            let (Some(variable), Some(long)) = (arg.get_env(), arg.get_long()) else {
                continue;
            };
            let value = variable.to_str().and_then(&lookup);
            if let Some(value) = value.filter(|value| !value.trim().is_empty()) {
                args.push(format!("--{long}={value}"));
            }
        }
        let matches = command
            .try_get_matches_from(args)
            .map_err(|error| ConfigError {
                variable: "settings",
                problem: error.to_string(),
            })?;
        let settings = Settings::from_arg_matches(&matches).map_err(|error| ConfigError {
            variable: "settings",
            problem: error.to_string(),
        })?;
        settings.into_config()
    }

    /// Whether responses should carry Strict-Transport-Security.
    pub fn sends_hsts(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|url| url.scheme() == "https")
    }

    /// The address links in mail start with: the public URL, else the listening address.
    pub fn base_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    /// Whether the listening address is reachable from this machine only.
    pub fn binds_loopback_only(&self) -> bool {
        self.bind.ip().is_loopback()
    }
}

impl Settings {
    /// Works out the defaults that depend on other settings and checks what clap cannot.
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let https = self
            .public_url
            .as_ref()
            .is_some_and(|url| url.scheme() == "https");
        let static_dir = self.static_dir.unwrap_or_else(default_static_dir);
        if !static_dir.join("app.css").is_file() {
            return Err(ConfigError {
                variable: "ITF_STATIC_DIR",
                problem: format!(
                    "points at {}, which has no app.css: set it to the project's static/ folder",
                    static_dir.display()
                ),
            });
        }
        if self.migrate_database_url.is_some() && self.database_url.is_none() {
            return Err(ConfigError {
                variable: "ITF_MIGRATE_DATABASE_URL",
                problem: "is set but DATABASE_URL is not: the embedded database makes its own \
                          roles, so set both or neither"
                    .into(),
            });
        }
        if let Some(key) = &self.secret_key {
            crate::keys::parse_key(key).map_err(|problem| ConfigError {
                variable: "ITF_SECRET_KEY",
                problem: format!(
                    "is not usable: {problem}; give at least 16 random bytes as hex or base64"
                ),
            })?;
        }
        if let Err(error) = self.mail_from.parse::<lettre::message::Mailbox>() {
            return Err(ConfigError {
                variable: "ITF_MAIL_FROM",
                problem: format!(
                    "is not an email address ({error}); expected e.g. ITF planner <itf@example.org>"
                ),
            });
        }
        Ok(Config {
            database_url: self.database_url,
            migrate_database_url: self.migrate_database_url,
            bind: self.bind,
            data_dir: self.data_dir,
            secure_cookies: self.secure_cookies.unwrap_or(https),
            public_url: self.public_url,
            static_dir,
            behind_proxy: self.behind_proxy.unwrap_or(false),
            secret_key: self.secret_key,
            demo: self.demo,
            demo_sign_off: self.demo_sign_off.unwrap_or(true),
            smtp_url: self.smtp_url,
            mail_from: self.mail_from,
            contact_email: self.contact_email,
            mail_poll: std::time::Duration::from_millis(self.mail_poll_ms),
            national_cache: std::time::Duration::from_secs(self.national_cache_seconds),
            area_cache: std::time::Duration::from_secs(self.area_cache_seconds),
            database_pool: self.database_pool.unwrap_or_else(default_database_pool),
            worker: self.worker.unwrap_or(true),
            log_format: self.log_format,
            log_filter: self.log_filter,
        })
    }
}

/// Twice this server's CPUs, at least 4 and at most 32. PostgreSQL serves a statement on one
/// CPU, so more connections at once than it has CPUs to serve them only queue there, switching
/// between processes, where they would queue in the pool for free; twice leaves room for the
/// time a connection spends waiting on the server or the disk (HikariCP's "About Pool Sizing"
/// gives the same rule). This server's CPUs stand for the database's, which is true of the
/// embedded cluster; at most 32 keeps a few servers under PostgreSQL's default
/// `max_connections` of 100. Measured on two CPUs: 4 served the risk register 9-20 % more
/// pages a second than 10, the section page -3 to 9 %, with a shorter tail.
fn default_database_pool() -> u32 {
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    database_pool_for(cpus)
}

fn database_pool_for(cpus: usize) -> u32 {
    u32::try_from(cpus.saturating_mul(2).clamp(4, 32)).unwrap_or(32)
}

/// `static/` beside the working directory when run from a checkout or an image, else the one in
/// the source tree the binary was built from (so `cargo run` works from any folder).
fn default_static_dir() -> PathBuf {
    let beside = PathBuf::from("static");
    if beside.join("app.css").is_file() {
        beside
    } else {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/static"))
    }
}

// clap shows a value parser's message after "invalid value '…' for '--option'", so each message
// starts with the variable's name: people set these through the environment.

fn parse_bind(raw: &str) -> Result<SocketAddr, String> {
    raw.trim().parse().map_err(|_| {
        format!(
            "ITF_BIND is \"{raw}\", which is not an address and port such as 127.0.0.1:3000 or 0.0.0.0:8080"
        )
    })
}

fn database_url_parser(
    variable: &'static str,
) -> impl Fn(&str) -> Result<String, String> + Clone + Send + Sync + 'static {
    move |raw| {
        let url = Url::parse(raw.trim()).map_err(|error| {
            format!(
                "{variable} is not a URL ({error}); expected postgres://user:password@host:5432/database"
            )
        })?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(format!(
                "{variable} has scheme \"{}\"; expected postgres://user:password@host:5432/database",
                url.scheme()
            ));
        }
        Ok(raw.trim().to_owned())
    }
}

fn parse_public_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|error| {
        format!("ITF_PUBLIC_URL is not a URL ({error}); expected e.g. https://itf.example.org")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(
            "ITF_PUBLIC_URL must be an http or https address with a host, e.g. https://itf.example.org"
                .into(),
        );
    }
    Ok(url)
}

fn parse_smtp_url(raw: &str) -> Result<String, String> {
    let url = Url::parse(raw.trim()).map_err(|error| {
        format!("ITF_SMTP_URL is not a URL ({error}); expected e.g. smtp://mail.example.org:25")
    })?;
    if !matches!(url.scheme(), "smtp" | "smtps") || url.host_str().is_none() {
        return Err(
            "ITF_SMTP_URL must be an smtp:// or smtps:// address with a host, e.g. smtp://mail.example.org:25"
                .into(),
        );
    }
    Ok(raw.trim().to_owned())
}

fn parse_contact_email(raw: &str) -> Result<String, String> {
    let address = raw.trim();
    address
        .parse::<lettre::Address>()
        .map(|_| address.to_owned())
        .map_err(|error| {
            format!(
                "ITF_CONTACT_EMAIL is not an email address ({error}); expected e.g. itf-support@example.org"
            )
        })
}

fn bool_parser(
    variable: &'static str,
) -> impl Fn(&str) -> Result<bool, String> + Clone + Send + Sync + 'static {
    move |raw| match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        other => Err(format!("{variable} is \"{other}\"; expected true or false")),
    }
}

fn parse_log_format(raw: &str) -> Result<LogFormat, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "json" => Ok(LogFormat::Json),
        "text" => Ok(LogFormat::Text),
        "auto" => Ok(LogFormat::Auto),
        other => Err(format!(
            "ITF_LOG_FORMAT is \"{other}\"; expected json, text or auto"
        )),
    }
}

/// Whether the demo accounts, whose passwords are published, may be loaded into a new embedded
/// database: when asked for explicitly (`--demo`/`ITF_DEMO`, either way), else only when
/// listening on loopback, where nobody else can reach them.
pub fn demo_accounts_allowed(bind: IpAddr, demo: Option<bool>) -> bool {
    demo.unwrap_or(bind.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config_from(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_use_the_embedded_database_on_localhost_3000() {
        let config = config_from(&[]).expect("defaults are valid");
        assert_eq!(config.database_url, None);
        assert_eq!(config.bind.to_string(), "127.0.0.1:3000");
        assert_eq!(config.data_dir, PathBuf::from("data"));
        assert!(!config.secure_cookies);
        assert!(!config.sends_hsts());
        assert_eq!(config.log_format, LogFormat::Auto);
        assert_eq!(config.demo, None);
    }

    #[test]
    fn the_database_pool_is_twice_the_cpus_unless_said() {
        assert_eq!(super::database_pool_for(1), 4, "at least 4");
        assert_eq!(super::database_pool_for(2), 4);
        assert_eq!(super::database_pool_for(6), 12);
        assert_eq!(super::database_pool_for(64), 32, "at most 32");
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let default = config_from(&[]).unwrap().database_pool;
        assert_eq!(default, super::database_pool_for(cpus));
        assert_eq!(
            config_from(&[("ITF_DATABASE_POOL", "12")])
                .unwrap()
                .database_pool,
            12
        );
        let error = config_from(&[("ITF_DATABASE_POOL", "0")]).unwrap_err();
        assert!(error.to_string().contains("database-pool"), "{error}");
    }

    #[test]
    fn bad_bind_address_names_the_variable() {
        let error = config_from(&[("ITF_BIND", "localhost")]).unwrap_err();
        assert!(error.to_string().contains("ITF_BIND"), "{error}");
        assert!(error.to_string().contains("localhost"));
    }

    #[test]
    fn database_url_must_be_postgres() {
        let error = config_from(&[("DATABASE_URL", "mysql://x@y/z")]).unwrap_err();
        assert!(error.to_string().contains("DATABASE_URL"), "{error}");
        let ok = config_from(&[("DATABASE_URL", "postgres://u:p@db:5432/itf")]).unwrap();
        assert_eq!(
            ok.database_url.as_deref(),
            Some("postgres://u:p@db:5432/itf")
        );
    }

    #[test]
    fn https_public_url_turns_on_secure_cookies_and_hsts() {
        let config = config_from(&[("ITF_PUBLIC_URL", "https://itf.example.org")]).unwrap();
        assert!(config.secure_cookies);
        assert!(config.sends_hsts());
        let forced_off = config_from(&[
            ("ITF_PUBLIC_URL", "https://itf.example.org"),
            ("ITF_SECURE_COOKIES", "false"),
        ])
        .unwrap();
        assert!(!forced_off.secure_cookies);
    }

    #[test]
    fn every_bad_value_names_its_variable() {
        for (variable, value) in [
            ("ITF_SECURE_COOKIES", "maybe"),
            ("ITF_BEHIND_PROXY", "perhaps"),
            ("ITF_DEMO", "sometimes"),
            ("ITF_PUBLIC_URL", "ftp://x"),
            ("ITF_LOG_FORMAT", "xml"),
            ("ITF_SECRET_KEY", "short"),
            ("ITF_MIGRATE_DATABASE_URL", "http://x"),
            ("ITF_STATIC_DIR", "/nonexistent"),
            ("ITF_CONTACT_EMAIL", "the support team"),
        ] {
            let error = config_from(&[("DATABASE_URL", "postgres://u@db/itf"), (variable, value)])
                .unwrap_err();
            assert!(error.to_string().contains(variable), "{variable}: {error}");
        }
    }

    #[test]
    fn a_contact_address_is_kept_as_given() {
        assert_eq!(config_from(&[]).unwrap().contact_email, None);
        let config = config_from(&[("ITF_CONTACT_EMAIL", " itf-support@example.org ")]).unwrap();
        assert_eq!(
            config.contact_email.as_deref(),
            Some("itf-support@example.org")
        );
    }

    #[test]
    fn debug_output_hides_passwords_and_the_key() {
        let config = config_from(&[
            ("DATABASE_URL", "postgres://app:hunter2@db:5432/itf"),
            (
                "ITF_MIGRATE_DATABASE_URL",
                "postgres://owner@db/itf?password=swordfish",
            ),
            ("ITF_SECRET_KEY", &"ab".repeat(32)),
        ])
        .unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("swordfish"), "{shown}");
        assert!(!shown.contains(&"ab".repeat(32)), "{shown}");
        assert!(shown.contains("postgres://app:***@db:5432/itf"), "{shown}");
    }

    #[test]
    fn help_lists_every_variable() {
        let help = SettingsOnly::command().render_long_help().to_string();
        for variable in [
            "DATABASE_URL",
            "ITF_MIGRATE_DATABASE_URL",
            "ITF_BIND",
            "ITF_DATA_DIR",
            "ITF_PUBLIC_URL",
            "ITF_SECURE_COOKIES",
            "ITF_STATIC_DIR",
            "ITF_BEHIND_PROXY",
            "ITF_SECRET_KEY",
            "ITF_DEMO",
            "ITF_LOG_FORMAT",
            "RUST_LOG",
        ] {
            assert!(help.contains(variable), "--help names {variable}");
        }
    }

    #[test]
    fn demo_accounts_load_on_loopback_or_when_asked() {
        let loopback: IpAddr = "127.0.0.1".parse().unwrap();
        let ipv6_loopback: IpAddr = "::1".parse().unwrap();
        let everywhere: IpAddr = "0.0.0.0".parse().unwrap();
        assert!(demo_accounts_allowed(loopback, None));
        assert!(demo_accounts_allowed(ipv6_loopback, None));
        assert!(!demo_accounts_allowed(everywhere, None));
        assert!(demo_accounts_allowed(everywhere, Some(true)));
        assert!(!demo_accounts_allowed(loopback, Some(false)));
    }
}
