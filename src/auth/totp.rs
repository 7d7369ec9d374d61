//! Time-based one-time passwords (RFC 6238) as the second factor at sign-in: HMAC-SHA-1, six
//! digits, a new code every 30 seconds. These are the defaults every authenticator app assumes,
//! so the otpauth URI can leave them out and any app will agree with us.
//!
//! Secrets are stored encrypted (ChaCha20-Poly1305 under the "totp-secrets" key derived from
//! the server key, which is never in the database) as `1 || nonce || ciphertext`, so a copy of
//! the database cannot produce anyone's codes. Secrets stored in clear before this (20 bytes,
//! no version byte) are still read, and re-encrypted when the person next sets two-factor up.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use qrcode::QrCode;
use qrcode::render::svg;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

const DIGITS: usize = 6;
const STEP_SECONDS: i64 = 30;
/// RFC 4226 recommends a 160-bit shared secret.
const SECRET_BYTES: usize = 20;
/// Steps either side of "now" that are still accepted, for phones whose clock has drifted and for
/// people who type the code just as it changes. RFC 6238 section 5.2 recommends one.
const ALLOWED_SKEW_STEPS: i64 = 1;
/// Characters people (and apps that display codes as "123 456") put between the digits.
const CODE_SEPARATORS: [char; 2] = [' ', '-'];
/// Big enough to scan comfortably from a laptop screen.
const QR_MIN_PIXELS: u32 = 200;

/// First byte of a stored secret encrypted with the server's key.
const SEALED_V1: u8 = 1;
const NONCE_BYTES: usize = 12;
const TAG_BYTES: usize = 16;
/// Binds the ciphertext to its use.
const SEALED_AAD: &[u8] = b"itf-planner totp secret v1";

/// The shared secret behind a person's authenticator app, with the form it is stored in.
// No derived PartialEq: comparing secrets with `==` would not be constant-time.
#[derive(Clone)]
pub struct TotpSecret {
    plain: Vec<u8>,
    stored: Vec<u8>,
}

impl std::fmt::Debug for TotpSecret {
    // Anyone holding the secret can produce codes, so it must never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(***)")
    }
}

impl TotpSecret {
    /// A fresh secret from the operating system's random number generator, encrypted for
    /// storage with the process's installed keys.
    pub fn generate() -> anyhow::Result<TotpSecret> {
        let mut bytes = vec![0u8; SECRET_BYTES];
        getrandom::fill(&mut bytes)
            .map_err(|error| anyhow::anyhow!("could not generate a TOTP secret: {error}"))?;
        TotpSecret::sealed(bytes)
    }

    /// A secret chosen by the caller (the scale seed's shared, published key), encrypted for
    /// storage with the process's installed keys.
    pub fn sealed(plain: Vec<u8>) -> anyhow::Result<TotpSecret> {
        let key = crate::keys::Keys::installed()
            .ok_or_else(|| anyhow::anyhow!("no server key is installed to encrypt TOTP secrets"))?;
        let stored = seal(&key.totp_secrets, &plain)?;
        Ok(TotpSecret { plain, stored })
    }

    /// A secret as stored, for example in the database: decrypted with the installed keys, or
    /// taken as it is when stored in clear by an earlier version. A secret that cannot be
    /// decrypted (another server key) is logged and matches no code.
    pub fn from_bytes(bytes: Vec<u8>) -> TotpSecret {
        let plain = if is_sealed(&bytes) {
            let opened =
                crate::keys::Keys::installed().and_then(|keys| open(&keys.totp_secrets, &bytes));
            opened.unwrap_or_else(|| {
                tracing::error!(
                    "a stored TOTP secret cannot be decrypted with this server key (ITF_SECRET_KEY or secret.key changed?)"
                );
                Vec::new()
            })
        } else {
            bytes.clone()
        };
        TotpSecret {
            plain,
            stored: bytes,
        }
    }

    /// The form to store: encrypted (or, for a secret read from an old row, as it was).
    pub fn as_bytes(&self) -> &[u8] {
        &self.stored
    }

    /// The secret in base32 as authenticator apps expect when it is typed in rather than scanned,
    /// in groups of four so that a person can keep their place ("ABCD EFGH ...").
    pub fn manual_key(&self) -> String {
        let base32 = totp_for(self).get_secret_base32();
        let characters: Vec<char> = base32.chars().collect();
        characters
            .chunks(4)
            .map(|group| group.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn is_sealed(stored: &[u8]) -> bool {
    stored.len() >= 1 + NONCE_BYTES + TAG_BYTES && stored[0] == SEALED_V1
}

/// `1 || nonce || ChaCha20-Poly1305(plain)`, with a random nonce.
fn seal(key: &crate::keys::Subkey, plain: &[u8]) -> anyhow::Result<Vec<u8>> {
    let cipher = ChaCha20Poly1305::new(&Key::from(*key.as_bytes()));
    let mut nonce = [0u8; NONCE_BYTES];
    getrandom::fill(&mut nonce)
        .map_err(|error| anyhow::anyhow!("could not generate a nonce: {error}"))?;
    let ciphertext = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plain,
                aad: SEALED_AAD,
            },
        )
        .map_err(|_| anyhow::anyhow!("could not encrypt a TOTP secret"))?;
    let mut stored = Vec::with_capacity(1 + NONCE_BYTES + ciphertext.len());
    stored.push(SEALED_V1);
    stored.extend_from_slice(&nonce);
    stored.extend_from_slice(&ciphertext);
    Ok(stored)
}

fn open(key: &crate::keys::Subkey, stored: &[u8]) -> Option<Vec<u8>> {
    let nonce: [u8; NONCE_BYTES] = stored.get(1..1 + NONCE_BYTES)?.try_into().ok()?;
    let ciphertext = stored.get(1 + NONCE_BYTES..)?;
    ChaCha20Poly1305::new(&Key::from(*key.as_bytes()))
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad: SEALED_AAD,
            },
        )
        .ok()
}

/// A generator for `secret`. The unchecked constructor is used because it only refuses secrets
/// shorter than 128 bits and labels containing ':', neither of which affects the codes; those
/// checks matter for the URI, where `otpauth_uri` applies them.
fn totp_for(secret: &TotpSecret) -> TOTP {
    TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        // totp-rs's own `check` is not used (it cannot report which step matched and underflows
        // near the epoch), so its skew setting is irrelevant; ours is ALLOWED_SKEW_STEPS.
        0,
        STEP_SECONDS.unsigned_abs(),
        secret.plain.clone(),
        None,
        String::new(),
    )
}

/// The `otpauth://totp/Issuer:account?secret=...&issuer=...` URI that authenticator apps read
/// from the QR code. Fails if the issuer or account contains ':', which would make the label
/// ambiguous (totp-rs refuses it), or if the secret is shorter than 128 bits.
pub fn otpauth_uri(secret: &TotpSecret, issuer: &str, account: &str) -> anyhow::Result<String> {
    let totp = TOTP::new(
        Algorithm::SHA1,
        DIGITS,
        0,
        STEP_SECONDS.unsigned_abs(),
        secret.plain.clone(),
        Some(issuer.to_owned()),
        account.to_owned(),
    )
    .map_err(|error| anyhow::anyhow!("cannot build an otpauth URI: {error}"))?;
    Ok(totp.get_url())
}

/// The URI as a QR code, as a `data:` URI for an `<img src>`: the content security policy allows
/// images from `data:` but not inline styles, and the qrcode crate's SVG uses only attributes.
pub fn qr_code_data_uri(uri: &str) -> anyhow::Result<String> {
    let code = QrCode::new(uri.as_bytes())
        .map_err(|error| anyhow::anyhow!("cannot encode the otpauth URI as a QR code: {error}"))?;
    let svg_document = code
        .render::<svg::Color>()
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        // Scanners need the blank border; it must be set before min_dimensions, which counts it.
        .quiet_zone(true)
        .min_dimensions(QR_MIN_PIXELS, QR_MIN_PIXELS)
        .build();
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        BASE64.encode(svg_document.as_bytes())
    ))
}

/// The code an authenticator app shows at `unix` seconds. Times before 1970 are treated as 1970,
/// as the RFC's counter starts there.
pub fn code_at(secret: &TotpSecret, unix: i64) -> String {
    code_for_step(&totp_for(secret), unix.max(0).div_euclid(STEP_SECONDS))
}

fn code_for_step(totp: &TOTP, step: i64) -> String {
    totp.generate(step.max(0).unsigned_abs() * STEP_SECONDS.unsigned_abs())
}

/// Checks a code typed at `now_unix`, allowing one step of clock skew either way. Returns the time
/// step (unix seconds / 30) that matched, which the caller must store and pass back as
/// `last_used_step` next time: a step at or before it is refused, so a code seen over someone's
/// shoulder cannot be replayed while it is still valid.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    now_unix: i64,
    last_used_step: Option<i64>,
) -> Option<i64> {
    let typed: String = code
        .chars()
        .filter(|character| !CODE_SEPARATORS.contains(character))
        .collect();
    if typed.len() != DIGITS || !typed.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    if now_unix < 0 {
        return None;
    }

    let totp = totp_for(secret);
    let current_step = now_unix.div_euclid(STEP_SECONDS);
    // Every candidate is computed and compared, matching or not, so the time taken does not
    // reveal which step (if any) a guess was close to.
    let mut matched_step = None;
    for step in (current_step - ALLOWED_SKEW_STEPS)..=(current_step + ALLOWED_SKEW_STEPS) {
        if step < 0 {
            continue;
        }
        let expected = code_for_step(&totp, step);
        let matches: bool = expected.as_bytes().ct_eq(typed.as_bytes()).into();
        let unused = last_used_step.is_none_or(|last_used| step > last_used);
        // The earliest fresh step wins, so a (one in a million) collision with the next step's
        // code does not needlessly block that next code.
        if matches && unused && matched_step.is_none() {
            matched_step = Some(step);
        }
    }
    matched_step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_with_their_key_only() {
        let keys = crate::keys::Keys::derive(&[9; 32]);
        let plain = b"12345678901234567890";
        let stored = seal(&keys.totp_secrets, plain).unwrap();
        assert!(is_sealed(&stored));
        assert!(!stored.windows(plain.len()).any(|window| window == plain));
        assert_ne!(
            stored,
            seal(&keys.totp_secrets, plain).unwrap(),
            "random nonce"
        );
        assert_eq!(open(&keys.totp_secrets, &stored).unwrap(), plain);
        assert!(open(&keys.csrf_cookie, &stored).is_none());
        let mut tampered = stored.clone();
        tampered[20] ^= 1;
        assert!(open(&keys.totp_secrets, &tampered).is_none());
        assert!(
            !is_sealed(plain),
            "a secret stored in clear is read as it is"
        );
    }

    /// The SHA-1 seed from RFC 6238 appendix B.
    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec())
    }

    #[test]
    fn codes_match_the_rfc_6238_sha1_test_vectors() {
        // Appendix B gives 8-digit codes; a 6-digit code is the last six of them.
        let vectors = [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ];
        for (unix, expected) in vectors {
            assert_eq!(code_at(&rfc_secret(), unix), expected, "at {unix}");
        }
    }

    #[test]
    fn the_current_code_is_accepted_and_its_step_returned() {
        let now = 1_111_111_111;
        let code = code_at(&rfc_secret(), now);
        assert_eq!(verify(&rfc_secret(), &code, now, None), Some(now / 30));
    }

    #[test]
    fn one_step_of_clock_skew_is_accepted_either_way() {
        let now = 1_234_567_890;
        let secret = rfc_secret();
        let behind = code_at(&secret, now - 30);
        let ahead = code_at(&secret, now + 30);
        assert_eq!(verify(&secret, &behind, now, None), Some(now / 30 - 1));
        assert_eq!(verify(&secret, &ahead, now, None), Some(now / 30 + 1));
    }

    #[test]
    fn two_steps_of_clock_skew_are_refused() {
        let now = 1_234_567_890;
        let secret = rfc_secret();
        assert_eq!(
            verify(&secret, &code_at(&secret, now - 60), now, None),
            None
        );
        assert_eq!(
            verify(&secret, &code_at(&secret, now + 60), now, None),
            None
        );
    }

    #[test]
    fn a_code_cannot_be_used_twice() {
        let now = 2_000_000_000;
        let secret = rfc_secret();
        let code = code_at(&secret, now);
        let step = verify(&secret, &code, now, None);
        assert_eq!(step, Some(now / 30));
        // Still within its window, and also a few seconds later in the next step (skew allowed).
        assert_eq!(verify(&secret, &code, now, step), None);
        assert_eq!(verify(&secret, &code, now + 30, step), None);
    }

    #[test]
    fn an_earlier_code_is_refused_once_a_later_one_was_used() {
        let now = 2_000_000_000;
        let secret = rfc_secret();
        let ahead = code_at(&secret, now + 30);
        let step = verify(&secret, &ahead, now, None);
        assert_eq!(step, Some(now / 30 + 1));
        assert_eq!(verify(&secret, &code_at(&secret, now), now, step), None);
    }

    #[test]
    fn the_next_code_is_accepted_after_one_was_used() {
        let now = 2_000_000_000;
        let secret = rfc_secret();
        let step = verify(&secret, &code_at(&secret, now), now, None);
        let later = now + 30;
        assert_eq!(
            verify(&secret, &code_at(&secret, later), later, step),
            Some(later / 30)
        );
    }

    #[test]
    fn spaces_and_hyphens_in_the_code_are_ignored() {
        let now = 1_111_111_111;
        let secret = rfc_secret();
        assert_eq!(code_at(&secret, now), "050471");
        for typed in ["050 471", " 050471 ", "050-471", "0 5 0 4 7 1"] {
            assert_eq!(
                verify(&secret, typed, now, None),
                Some(now / 30),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn malformed_codes_are_refused() {
        let now = 1_111_111_111;
        let secret = rfc_secret();
        for typed in [
            "",
            "05047",
            "0504711",
            "05047a",
            "O50471",
            "+50471",
            "050\t471",
            "٠٥٠٤٧١",
        ] {
            assert_eq!(verify(&secret, typed, now, None), None, "{typed:?}");
        }
    }

    #[test]
    fn a_wrong_code_is_refused() {
        let now = 1_111_111_111;
        assert_eq!(verify(&rfc_secret(), "123456", now, None), None);
    }

    #[test]
    fn times_near_and_before_the_epoch_do_not_panic() {
        let secret = rfc_secret();
        let first = code_at(&secret, 0);
        assert_eq!(verify(&secret, &first, 0, None), Some(0));
        assert_eq!(verify(&secret, &first, 29, None), Some(0));
        assert_eq!(verify(&secret, &first, -5, None), None);
        assert_eq!(code_at(&secret, -5), first);
    }

    #[test]
    fn generated_secrets_are_160_bits_and_differ() -> anyhow::Result<()> {
        install_test_keys();
        let first = TotpSecret::generate()?;
        let second = TotpSecret::generate()?;
        assert_eq!(first.plain.len(), 20);
        assert_ne!(first.plain, second.plain);
        assert!(is_sealed(first.as_bytes()), "stored encrypted");
        let read_back = TotpSecret::from_bytes(first.as_bytes().to_vec());
        assert_eq!(read_back.plain, first.plain);
        assert_eq!(code_at(&read_back, 1_000_000), code_at(&first, 1_000_000));
        Ok(())
    }

    fn install_test_keys() {
        // Any key, the same for every unit test of this process.
        let _ = crate::keys::Keys::derive(&[42; 32]).install();
    }

    #[test]
    fn debug_output_hides_the_secret() {
        assert_eq!(format!("{:?}", rfc_secret()), "TotpSecret(***)");
    }

    #[test]
    fn the_manual_key_is_grouped_base32_that_round_trips() -> anyhow::Result<()> {
        let secret = rfc_secret();
        let key = secret.manual_key();
        // The well-known base32 form of the RFC seed.
        assert_eq!(key, "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");

        install_test_keys();
        let random = TotpSecret::generate()?;
        let typed = random.manual_key().replace(' ', "");
        assert_eq!(typed.len(), 32);
        assert!(!typed.contains('='));
        let decoded = totp_rs::Secret::Encoded(typed)
            .to_bytes()
            .map_err(|error| anyhow::anyhow!("{error:?}"))?;
        assert_eq!(decoded, random.plain);
        Ok(())
    }

    #[test]
    fn the_otpauth_uri_has_the_escaped_label_and_issuer() -> anyhow::Result<()> {
        let uri = otpauth_uri(&rfc_secret(), "ITF Planner", "sam.smith@kent.gov.uk")?;
        assert_eq!(
            uri,
            "otpauth://totp/ITF%20Planner:sam.smith%40kent.gov.uk\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ITF%20Planner"
        );

        // An authenticator app reading it back gets what we meant.
        let parsed = TOTP::from_url(&uri)?;
        assert_eq!(parsed.secret, rfc_secret().as_bytes());
        assert_eq!(parsed.issuer.as_deref(), Some("ITF Planner"));
        assert_eq!(parsed.account_name, "sam.smith@kent.gov.uk");
        assert_eq!(parsed.digits, 6);
        assert_eq!(parsed.step, 30);
        Ok(())
    }

    #[test]
    fn the_otpauth_uri_escapes_awkward_characters() -> anyhow::Result<()> {
        let uri = otpauth_uri(&rfc_secret(), "A&B Council", "o'brien+test@x.org")?;
        let parsed = TOTP::from_url(&uri)?;
        assert_eq!(parsed.issuer.as_deref(), Some("A&B Council"));
        assert_eq!(parsed.account_name, "o'brien+test@x.org");
        Ok(())
    }

    #[test]
    fn the_otpauth_uri_refuses_colons_and_short_secrets() {
        assert!(otpauth_uri(&rfc_secret(), "ITF Planner", "a:b@x.org").is_err());
        assert!(otpauth_uri(&rfc_secret(), "ITF:Planner", "a@x.org").is_err());
        let short = TotpSecret::from_bytes(vec![7; 10]);
        assert!(otpauth_uri(&short, "ITF Planner", "a@x.org").is_err());
    }

    #[test]
    fn the_qr_code_is_an_svg_data_uri_without_inline_style() -> anyhow::Result<()> {
        let uri = otpauth_uri(&rfc_secret(), "ITF Planner", "sam.smith@kent.gov.uk")?;
        let data_uri = qr_code_data_uri(&uri)?;
        let encoded = data_uri
            .strip_prefix("data:image/svg+xml;base64,")
            .ok_or_else(|| anyhow::anyhow!("wrong prefix: {data_uri}"))?;
        let svg_document = String::from_utf8(BASE64.decode(encoded)?)?;
        assert!(svg_document.contains("<svg"), "{svg_document}");
        assert!(svg_document.ends_with("</svg>"), "{svg_document}");
        assert!(!svg_document.contains("style"), "{svg_document}");
        assert!(svg_document.contains(r##"fill="#000000""##));
        assert!(svg_document.contains(r##"fill="#ffffff""##));

        let width: u32 = svg_document
            .split(r#"width=""#)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or_else(|| anyhow::anyhow!("no width in {svg_document}"))?
            .parse()?;
        assert!(width >= 200, "width {width}");
        Ok(())
    }
}
