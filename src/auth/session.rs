//! Server-side sessions. The browser holds a random token in an HttpOnly cookie; PostgreSQL
//! holds its SHA-256 with the user, the CSRF token and the timestamps, so every web server
//! shares the sessions and signing out really ends one.

use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use super::UserId;
use super::accounts::Email;
use super::policy::{Grant, Principal, Role};
use crate::audit::{Actor, Event};
use crate::config::Config;

/// A session ends after this long without a request (NIST SP 800-63B AAL2: 30 minutes)...
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// ...and this long after sign-in, however active (AAL2: 12 hours).
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(12);
/// `last_seen_at` is written at most this often, so reading pages does not mean writing rows.
pub const TOUCH_INTERVAL: Duration = Duration::minutes(1);

/// A session as loaded for one request.
#[derive(Clone, Debug)]
pub struct Session {
    pub token_hash: Vec<u8>,
    pub csrf_token: String,
    pub user: Option<SessionUser>,
    /// Password accepted; the second factor still to come.
    pub second_factor_pending: bool,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

impl Session {
    /// The user, once fully signed in (second factor done where enrolled).
    pub fn signed_in_user(&self) -> Option<&SessionUser> {
        self.user.as_ref().filter(|_| !self.second_factor_pending)
    }

    /// Whether the session has ended by time at `now`.
    pub fn has_expired(&self, now: OffsetDateTime) -> bool {
        now >= self.expires_at || now - self.last_seen_at >= IDLE_TIMEOUT
    }

    pub fn needs_touch(&self, now: OffsetDateTime) -> bool {
        now - self.last_seen_at >= TOUCH_INTERVAL
    }
}

/// The signed-in person, with everything pages and the policy need, loaded with the session
/// in one query.
#[derive(Clone, Debug)]
pub struct SessionUser {
    pub id: UserId,
    pub email: Email,
    pub display_name: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub must_change_password: bool,
    pub two_factor_enabled: bool,
    pub grants: Vec<Grant>,
    /// Notices not yet read, up to 100 (the navigation shows "99+" beyond).
    pub unread_notices: i64,
}

impl SessionUser {
    pub fn principal(&self) -> Principal<'_> {
        Principal {
            organisation_id: self.organisation_id,
            grants: &self.grants,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.principal().holds(Role::Admin)
    }

    /// The person as the audit log names them.
    pub fn actor(&self) -> Actor {
        Actor::user(self.id, self.email.as_str())
    }

    /// An audit event about this person's own account, done by them.
    pub fn own_event(&self, action: &'static str) -> Event {
        Event::new(self.actor(), action, "user").target(self.id)
    }

    /// Holds a role that may only be used after a second factor.
    pub fn requires_two_factor(&self) -> bool {
        self.grants
            .iter()
            .any(|grant| grant.role.requires_two_factor())
    }
}

/// A new random token (256 bits), as sent in cookies and forms.
pub fn new_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| anyhow::anyhow!("no randomness: {error}"))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// What is stored in place of a token.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The session cookie's name: with `Secure` cookies the `__Host-` prefix makes browsers refuse
/// it unless it is Secure, host-only and for the whole site.
pub fn cookie_name(config: &Config) -> &'static str {
    if config.secure_cookies {
        "__Host-itf_session"
    } else {
        "itf_session"
    }
}

/// The name of the cookie that marks a browser as trusted for an account.
pub fn device_cookie_name(config: &Config) -> &'static str {
    if config.secure_cookies {
        "__Host-itf_device"
    } else {
        "itf_device"
    }
}

// --- CSRF before sign-in ------------------------------------------------------------------------
// (Hardening, issue 8: showing the sign-in form writes nothing to the database.)

/// The cookie that carries the sign-in form's CSRF token while there is no session: a signed
/// double-submit token, `<random>.<HMAC-SHA256 of it>`, that the form also sends.
pub fn anonymous_csrf_cookie_name(config: &Config) -> &'static str {
    if config.secure_cookies {
        "__Host-itf_csrf"
    } else {
        "itf_csrf"
    }
}

fn csrf_mac(key: &[u8; 32]) -> anyhow::Result<Hmac<Sha256>> {
    <Hmac<Sha256> as Mac>::new_from_slice(key)
        .map_err(|error| anyhow::anyhow!("bad CSRF signing key: {error}"))
}

/// A new token for the sign-in form and its cookie, signed with `key` (the server key's
/// `csrf_cookie` subkey, the same on every server, so any of them accepts it).
pub fn new_anonymous_csrf_token(key: &[u8; 32]) -> anyhow::Result<String> {
    let token = new_token()?;
    let mut mac = csrf_mac(key)?;
    mac.update(token.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(format!("{token}.{signature}"))
}

/// Whether `value` is a token signed with `key` (checked in constant time).
pub fn is_signed_anonymous_csrf_token(key: &[u8; 32], value: &str) -> bool {
    let Some((token, signature)) = value.split_once('.') else {
        return false;
    };
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let Ok(mut mac) = csrf_mac(key) else {
        return false;
    };
    mac.update(token.as_bytes());
    mac.verify_slice(&signature).is_ok()
}

/// `Set-Cookie` for the anonymous CSRF token; it goes when the browser closes.
pub fn anonymous_csrf_cookie(config: &Config, value: &str) -> HeaderValue {
    cookie(
        anonymous_csrf_cookie_name(config),
        value,
        config.secure_cookies,
        None,
    )
}

/// `Set-Cookie` for a session token. No Max-Age: the cookie goes when the browser closes, and
/// the server ends the session on its own timeouts in any case.
pub fn session_cookie(config: &Config, token: &str) -> HeaderValue {
    cookie(cookie_name(config), token, config.secure_cookies, None)
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie(config: &Config) -> HeaderValue {
    cookie(cookie_name(config), "", config.secure_cookies, Some(0))
}

/// How long a browser stays trusted after a full sign-in (its cookie lasts as long).
pub const TRUSTED_DEVICE_LIFETIME: Duration = Duration::days(30);

/// `Set-Cookie` for a trusted-device token, kept as long as the server trusts it.
pub fn device_cookie(config: &Config, token: &str) -> HeaderValue {
    cookie(
        device_cookie_name(config),
        token,
        config.secure_cookies,
        Some(TRUSTED_DEVICE_LIFETIME.whole_seconds()),
    )
}

fn cookie(name: &str, value: &str, secure: bool, max_age: Option<i64>) -> HeaderValue {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        text.push_str("; Secure");
    }
    if let Some(seconds) = max_age {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    // Names are constants and values are base64url, so the header is always valid.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The value of cookie `name` in the request, if present.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// Whether a request to `path` is the person doing something, which starts the session's idle
/// time again. A section page's script reporting every few seconds that the page is still open
/// (for "also on this page now") is not: else an open tab would never be signed out.
pub fn is_activity(path: &str) -> bool {
    !(path.starts_with("/areas/") && path.ends_with("/presence"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(created: OffsetDateTime, last_seen: OffsetDateTime) -> Session {
        Session {
            token_hash: vec![],
            csrf_token: String::new(),
            user: None,
            second_factor_pending: false,
            created_at: created,
            last_seen_at: last_seen,
            expires_at: created + ABSOLUTE_TIMEOUT,
        }
    }

    #[test]
    fn presence_reports_are_not_activity() {
        assert!(!is_activity(
            "/areas/kent/plans/itf-2014/sections/vision/presence"
        ));
        assert!(is_activity("/areas/kent/plans/itf-2014/sections/vision"));
        assert!(is_activity(
            "/areas/kent/plans/itf-2014/sections/vision/draft"
        ));
        assert!(is_activity("/session/keep-alive"));
    }

    #[test]
    fn sessions_end_when_idle_or_too_old() {
        let start = time::macros::datetime!(2014-02-14 09:00 UTC);
        let fresh = session(start, start);
        assert!(!fresh.has_expired(start + Duration::minutes(29)));
        assert!(fresh.has_expired(start + Duration::minutes(30)));
        let busy = session(start, start + Duration::hours(11) + Duration::minutes(59));
        assert!(!busy.has_expired(start + Duration::hours(11) + Duration::minutes(59)));
        let busy = session(start, start + Duration::hours(12));
        assert!(busy.has_expired(start + Duration::hours(12)));
    }

    #[test]
    fn tokens_are_long_random_and_stored_only_as_hashes() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 32);
        assert_ne!(token_hash(&a), a.as_bytes());
    }

    #[test]
    fn cookies_are_http_only_same_site_and_secure_when_configured() {
        let mut config = crate::config::Config::from_lookup(|_| None).unwrap();
        let plain = session_cookie(&config, "abc");
        assert_eq!(plain, "itf_session=abc; Path=/; HttpOnly; SameSite=Lax");
        config.secure_cookies = true;
        let secure = session_cookie(&config, "abc");
        assert_eq!(
            secure,
            "__Host-itf_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        assert!(
            clear_session_cookie(&config)
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
    }

    #[test]
    fn anonymous_csrf_tokens_are_signed_and_a_made_up_one_is_refused() {
        let key = [7u8; 32];
        let token = new_anonymous_csrf_token(&key).unwrap();
        assert!(is_signed_anonymous_csrf_token(&key, &token));
        assert!(
            !is_signed_anonymous_csrf_token(&[8u8; 32], &token),
            "another server key refuses it"
        );
        let (random, _) = token.split_once('.').unwrap();
        assert!(!is_signed_anonymous_csrf_token(&key, random));
        assert!(!is_signed_anonymous_csrf_token(
            &key,
            &format!("{random}.AAAA")
        ));
        let other = new_anonymous_csrf_token(&key).unwrap();
        let (_, other_signature) = other.split_once('.').unwrap();
        assert!(!is_signed_anonymous_csrf_token(
            &key,
            &format!("{random}.{other_signature}")
        ));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; itf_session=tok; b=2"),
        );
        assert_eq!(read_cookie(&headers, "itf_session"), Some("tok"));
        assert_eq!(read_cookie(&headers, "missing"), None);
    }
}
