//! API tokens, pure: a token is `itf_` and 43 URL-safe base64 characters (32 random bytes);
//! only its SHA-256 is stored. The name its maker gives it, and reading one from an
//! `Authorization: Bearer …` header.

use crate::deadlines::feeds;

/// What every token begins with, so that secret scanners and people can tell one apart.
pub const PREFIX: &str = "itf_";
/// The longest name of a token, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// A new token and its hash.
pub fn new_token() -> Result<(String, Vec<u8>), getrandom::Error> {
    let (secret, _) = feeds::new_secret()?;
    let token = format!("{PREFIX}{secret}");
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// The SHA-256 a token is stored and looked up as.
pub fn token_hash(token: &str) -> Vec<u8> {
    feeds::secret_hash(token)
}

/// The token in an `Authorization` header's value, if it is a bearer token of the right shape
/// (anything else is not looked up).
pub fn bearer(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    let secret = token.strip_prefix(PREFIX)?;
    (scheme.eq_ignore_ascii_case("bearer") && feeds::looks_like_secret(secret)).then_some(token)
}

/// A token's name as typed: trimmed, 1 to [`MAX_NAME_CHARS`] characters.
pub fn name(raw: &str) -> Result<String, &'static str> {
    crate::web::text::name(
        raw,
        MAX_NAME_CHARS,
        "Enter a name for the token, like the system that will use it",
        "The name must be 100 characters or fewer",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_prefixed_and_read_back_from_a_bearer_header() {
        let (token, hash) = new_token().expect("random bytes");
        assert!(token.starts_with("itf_"));
        assert_eq!(token.len(), 47);
        assert_eq!(hash, token_hash(&token));
        assert_eq!(bearer(&format!("Bearer {token}")), Some(token.as_str()));
        assert_eq!(bearer(&format!("bearer  {token} ")), Some(token.as_str()));
        assert_eq!(bearer(&format!("Basic {token}")), None);
        assert_eq!(bearer(&token), None);
        assert_eq!(bearer("Bearer itf_short"), None);
        assert_eq!(bearer(&format!("Bearer {}", &token[4..])), None);
    }

    #[test]
    fn a_name_is_required_and_not_too_long() {
        assert_eq!(name("  Power BI "), Ok("Power BI".to_owned()));
        assert!(name(" ").is_err());
        assert!(name(&"x".repeat(101)).is_err());
    }
}
