//! The server key and the purpose-specific keys derived from it.
//!
//! One secret, `ITF_SECRET_KEY` or the file `secret.key` in the data folder (made on first start,
//! readable by its owner only), is never stored in the database: a copy of the database alone
//! cannot recompute the audit chain, decrypt two-factor secrets or forge cookies. Each use gets
//! its own subkey, HMAC-SHA256(server key, label), so a key leaked from one use says nothing
//! about another.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD as BASE64_URL};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Bytes of a generated server key.
pub const SERVER_KEY_BYTES: usize = 32;
/// Anything shorter is too easy to guess.
const MIN_SERVER_KEY_BYTES: usize = 16;
/// The key file's name inside the data folder.
pub const KEY_FILE: &str = "secret.key";

/// A 256-bit key for one purpose.
#[derive(Clone, PartialEq, Eq)]
pub struct Subkey([u8; 32]);

impl Subkey {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for Subkey {
    // Keys must never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Subkey(***)")
    }
}

/// The subkeys the application uses, each derived from the server key under its own label.
#[derive(Clone, Debug)]
pub struct Keys {
    /// Keys the audit log's hash chain (HMAC), so rows cannot be rewritten and re-chained by
    /// someone who has only the database.
    pub audit_chain: Subkey,
    /// Encrypts TOTP secrets at rest.
    pub totp_secrets: Subkey,
    /// Signs the anonymous CSRF cookie given before sign-in.
    pub csrf_cookie: Subkey,
    /// Not a key: a value the database keeps to tell whether a server was started with the
    /// same server key as before (see `db::store::record_server_key_check`).
    pub check_value: Subkey,
}

/// Why the server key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "ITF_SECRET_KEY is not usable: {0}. Give at least {MIN_SERVER_KEY_BYTES} random bytes as \
         hex or base64, e.g. from `openssl rand -hex 32`"
    )]
    BadEnvironmentKey(String),
    #[error("the key file {path} is not usable: {problem}")]
    BadKeyFile { path: PathBuf, problem: String },
    #[error("could not create the key file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Keys {
    /// Derives every subkey from the server key.
    pub fn derive(server_key: &[u8]) -> Keys {
        Keys {
            audit_chain: derive(server_key, "audit-chain"),
            totp_secrets: derive(server_key, "totp-secrets"),
            csrf_cookie: derive(server_key, "csrf-cookie"),
            check_value: derive(server_key, "key-check"),
        }
    }

    /// The server key from `ITF_SECRET_KEY` if given, else from `data_dir/secret.key`, which is
    /// created (mode 0600) with a random key if missing.
    pub fn load(from_env: Option<&str>, data_dir: &Path) -> Result<Keys, KeyError> {
        let server_key = match from_env {
            Some(text) => parse_key(text).map_err(KeyError::BadEnvironmentKey)?,
            None => load_or_create_key_file(&data_dir.join(KEY_FILE))?,
        };
        Ok(Keys::derive(&server_key))
    }

    /// Makes these keys the process's keys, for code that has no `AppState` at hand (appending
    /// to the audit log inside any transaction; decoding a stored TOTP secret). The first call
    /// wins; a later call with different keys is refused, so one process never mixes two keys.
    pub fn install(&self) -> Result<(), &'static str> {
        let installed = INSTALLED.get_or_init(|| self.clone());
        if installed.audit_chain == self.audit_chain {
            Ok(())
        } else {
            Err("a different server key is already in use by this process")
        }
    }

    /// The keys `install` set, if any.
    pub fn installed() -> Option<&'static Keys> {
        INSTALLED.get()
    }
}

static INSTALLED: OnceLock<Keys> = OnceLock::new();

fn derive(server_key: &[u8], label: &str) -> Subkey {
    // HMAC accepts keys of any length, so this cannot fail; the fallback is unreachable.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(server_key) {
        Ok(mac) => mac,
        Err(_) => return Subkey([0; 32]),
    };
    mac.update(b"itf-planner/");
    mac.update(label.as_bytes());
    Subkey(mac.finalize().into_bytes().into())
}

/// A key written as hex (even length, hex digits only) or base64 (standard or URL-safe).
pub fn parse_key(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim();
    let bytes = if text.len().is_multiple_of(2) && text.bytes().all(|byte| byte.is_ascii_hexdigit())
    {
        hex::decode(text).map_err(|error| error.to_string())?
    } else {
        BASE64
            .decode(text)
            .or_else(|_| BASE64_URL.decode(text.trim_end_matches('=')))
            .map_err(|_| "it is neither hex nor base64".to_owned())?
    };
    if bytes.len() < MIN_SERVER_KEY_BYTES {
        return Err(format!("it is only {} bytes long", bytes.len()));
    }
    Ok(bytes)
}

fn load_or_create_key_file(path: &Path) -> Result<Vec<u8>, KeyError> {
    let bad = |problem: String| KeyError::BadKeyFile {
        path: path.to_owned(),
        problem,
    };
    match fs::read_to_string(path) {
        Ok(text) => parse_key(&text).map_err(bad),
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let io_error = |source| KeyError::Io {
                path: path.to_owned(),
                source,
            };
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(io_error)?;
            }
            let mut key = vec![0u8; SERVER_KEY_BYTES];
            getrandom::fill(&mut key).map_err(|error| bad(error.to_string()))?;
            // create_new: two processes starting at once must not both write a key.
            let created = fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path);
            match created {
                Ok(mut file) => {
                    file.write_all(format!("{}\n", hex::encode(&key)).as_bytes())
                        .and_then(|()| file.sync_all())
                        .map_err(io_error)?;
                    tracing::info!(path = %path.display(), "created a new server key file; back it up with the database");
                    Ok(key)
                }
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                    let text = fs::read_to_string(path).map_err(io_error)?;
                    parse_key(&text).map_err(bad)
                }
                Err(error) => Err(io_error(error)),
            }
        }
        Err(error) => Err(KeyError::Io {
            path: path.to_owned(),
            source: error,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn subkeys_differ_by_purpose_and_by_server_key() {
        let keys = Keys::derive(&[7; 32]);
        assert_ne!(keys.audit_chain, keys.totp_secrets);
        assert_ne!(keys.audit_chain, keys.csrf_cookie);
        assert_ne!(keys.totp_secrets, keys.csrf_cookie);
        assert_ne!(Keys::derive(&[8; 32]).audit_chain, keys.audit_chain);
        assert_eq!(Keys::derive(&[7; 32]).audit_chain, keys.audit_chain);
    }

    #[test]
    fn keys_are_read_as_hex_or_base64_and_short_ones_refused() {
        assert_eq!(parse_key(&"ab".repeat(16)).unwrap(), vec![0xab; 16]);
        assert_eq!(parse_key(&BASE64.encode([1u8; 20])).unwrap(), vec![1; 20]);
        assert_eq!(
            parse_key(&BASE64_URL.encode([0xfb; 20])).unwrap(),
            vec![0xfb; 20]
        );
        assert!(parse_key("abcd").is_err());
        assert!(parse_key("not a key at all!").is_err());
    }

    #[test]
    fn a_key_file_is_created_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = Keys::load(None, dir.path()).unwrap();
        let file = dir.path().join(KEY_FILE);
        let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = Keys::load(None, dir.path()).unwrap();
        assert_eq!(first.audit_chain, again.audit_chain);
        let from_env = Keys::load(Some(&"11".repeat(32)), dir.path()).unwrap();
        assert_ne!(from_env.audit_chain, first.audit_chain);
    }

    #[test]
    fn debug_output_hides_the_keys() {
        let keys = Keys::derive(&[7; 32]);
        let shown = format!("{keys:?}");
        assert!(!shown.contains(&hex::encode(keys.audit_chain.as_bytes())));
        assert!(shown.contains("***"));
    }
}
