//! Settings read from the environment once, at start, and checked then: a bad value stops the
//! process with a message naming the variable, rather than surfacing later as a strange failure.

use std::env;
use std::net::SocketAddr;
use std::path::PathBuf;

use url::Url;

/// Everything the process needs to know about where it runs.
#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: an existing PostgreSQL to use. `None` means run our own embedded cluster.
    pub database_url: Option<String>,
    /// `ITF_BIND`: the address the web server listens on.
    pub bind: SocketAddr,
    /// `ITF_DATA_DIR`: where the embedded cluster keeps its files.
    pub data_dir: PathBuf,
    /// `ITF_PUBLIC_URL`: the address users type, e.g. `https://itf.example.org`. When it is
    /// https, cookies are marked `Secure` and HSTS is sent.
    pub public_url: Option<Url>,
    /// `ITF_SECURE_COOKIES`: force `Secure` cookies on or off; by default on exactly when the
    /// public URL is https.
    pub secure_cookies: bool,
    /// `ITF_STATIC_DIR`: the folder of CSS, JavaScript and images served under `/static`.
    pub static_dir: PathBuf,
    /// `ITF_BEHIND_PROXY`: trust the client address a reverse proxy reports in
    /// `X-Forwarded-For` (for sign-in throttling). Only set this when a proxy always sets it.
    pub behind_proxy: bool,
}

/// A setting that could not be used, with the variable's name and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{variable} {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl Config {
    /// Reads and checks the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can pass a map instead of the real environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let setting = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());

        let database_url = match setting("DATABASE_URL") {
            Some(raw) => Some(parse_database_url(&raw)?),
            None => None,
        };

        let bind = match setting("ITF_BIND") {
            Some(raw) => raw.trim().parse().map_err(|_| ConfigError {
                variable: "ITF_BIND",
                problem: format!(
                    "is \"{raw}\", which is not an address and port such as 127.0.0.1:3000 or 0.0.0.0:8080"
                ),
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };

        let data_dir = PathBuf::from(setting("ITF_DATA_DIR").unwrap_or_else(|| "data".into()));

        let public_url = match setting("ITF_PUBLIC_URL") {
            Some(raw) => Some(parse_public_url(&raw)?),
            None => None,
        };

        let https = public_url
            .as_ref()
            .is_some_and(|url| url.scheme() == "https");
        let secure_cookies = match setting("ITF_SECURE_COOKIES") {
            Some(raw) => parse_bool("ITF_SECURE_COOKIES", &raw)?,
            None => https,
        };

        let static_dir = match setting("ITF_STATIC_DIR") {
            Some(raw) => PathBuf::from(raw),
            None => default_static_dir(),
        };
        if !static_dir.join("app.css").is_file() {
            return Err(ConfigError {
                variable: "ITF_STATIC_DIR",
                problem: format!(
                    "points at {}, which has no app.css: set it to the project's static/ folder",
                    static_dir.display()
                ),
            });
        }

        let behind_proxy = match setting("ITF_BEHIND_PROXY") {
            Some(raw) => parse_bool("ITF_BEHIND_PROXY", &raw)?,
            None => false,
        };

        Ok(Config {
            behind_proxy,
            database_url,
            bind,
            data_dir,
            public_url,
            secure_cookies,
            static_dir,
        })
    }

    /// Whether responses should carry Strict-Transport-Security.
    pub fn sends_hsts(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|url| url.scheme() == "https")
    }
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

fn parse_database_url(raw: &str) -> Result<String, ConfigError> {
    let url = Url::parse(raw.trim()).map_err(|error| ConfigError {
        variable: "DATABASE_URL",
        problem: format!(
            "is not a URL ({error}); expected postgres://user:password@host:5432/database"
        ),
    })?;
    if !matches!(url.scheme(), "postgres" | "postgresql") {
        return Err(ConfigError {
            variable: "DATABASE_URL",
            problem: format!(
                "has scheme \"{}\"; expected postgres://user:password@host:5432/database",
                url.scheme()
            ),
        });
    }
    Ok(raw.trim().to_owned())
}

fn parse_public_url(raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw.trim()).map_err(|error| ConfigError {
        variable: "ITF_PUBLIC_URL",
        problem: format!("is not a URL ({error}); expected e.g. https://itf.example.org"),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ConfigError {
            variable: "ITF_PUBLIC_URL",
            problem: "must be an http or https address with a host, e.g. https://itf.example.org"
                .into(),
        });
    }
    Ok(url)
}

fn parse_bool(variable: &'static str, raw: &str) -> Result<bool, ConfigError> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        other => Err(ConfigError {
            variable,
            problem: format!("is \"{other}\"; expected true or false"),
        }),
    }
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
    }

    #[test]
    fn bad_bind_address_names_the_variable() {
        let error = config_from(&[("ITF_BIND", "localhost")]).unwrap_err();
        assert_eq!(error.variable, "ITF_BIND");
        assert!(error.to_string().contains("localhost"));
    }

    #[test]
    fn database_url_must_be_postgres() {
        let error = config_from(&[("DATABASE_URL", "mysql://x@y/z")]).unwrap_err();
        assert_eq!(error.variable, "DATABASE_URL");
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
    fn bad_booleans_and_urls_are_refused() {
        assert_eq!(
            config_from(&[("ITF_SECURE_COOKIES", "maybe")])
                .unwrap_err()
                .variable,
            "ITF_SECURE_COOKIES"
        );
        assert_eq!(
            config_from(&[("ITF_PUBLIC_URL", "ftp://x")])
                .unwrap_err()
                .variable,
            "ITF_PUBLIC_URL"
        );
    }
}
