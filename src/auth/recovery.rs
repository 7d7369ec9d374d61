//! One-time recovery codes: the way back in for someone who has lost the phone with their
//! authenticator app. Each code works once; only its hash is stored.

use sha2::{Digest, Sha256};

/// How many codes a person is given at a time.
pub const CODE_COUNT: usize = 10;
/// Characters in a code, not counting the hyphen shown in the middle.
pub const CODE_LENGTH: usize = 10;

/// Lower-case letters and digits without the ones that are easily confused when read off paper
/// or typed from it: 0/o, 1/l/i. 31 symbols, so a 10-character code carries about 49.5 bits.
const ALPHABET: &[u8; 31] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// Random bytes at or above this are thrown away rather than reduced modulo the alphabet size,
/// which would make the first few characters more likely than the rest. It is the largest
/// multiple of the alphabet size that fits in a byte (8 × 31 = 248).
const UNBIASED_BYTE_LIMIT: u8 = (256 / ALPHABET.len() * ALPHABET.len()) as u8;

/// A fresh set of codes, formatted `xxxxx-xxxxx` for showing to the person once.
pub fn generate() -> anyhow::Result<Vec<String>> {
    let mut codes: Vec<String> = Vec::with_capacity(CODE_COUNT);
    while codes.len() < CODE_COUNT {
        let code = random_code()?;
        // A repeat is astronomically unlikely, but a list with the same code twice would look
        // broken and would really hold one code fewer.
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    Ok(codes)
}

/// One random code, `xxxxx-xxxxx` (about 49 bits).
pub fn random_code() -> anyhow::Result<String> {
    let mut characters = String::with_capacity(CODE_LENGTH + 1);
    let mut produced = 0;
    // Twice what is needed on average (about 3% of bytes are rejected), so one batch is nearly
    // always enough.
    let mut random_bytes = [0u8; CODE_LENGTH * 2];
    while produced < CODE_LENGTH {
        getrandom::fill(&mut random_bytes)
            .map_err(|error| anyhow::anyhow!("could not generate a recovery code: {error}"))?;
        for &byte in random_bytes
            .iter()
            .filter(|&&byte| byte < UNBIASED_BYTE_LIMIT)
        {
            if produced == CODE_LENGTH {
                break;
            }
            if produced == CODE_LENGTH / 2 {
                characters.push('-');
            }
            characters.push(char::from(ALPHABET[usize::from(byte) % ALPHABET.len()]));
            produced += 1;
        }
    }
    Ok(characters)
}

/// The code as stored and compared: lower case, without the spaces and hyphens people add or
/// copy along with it.
pub fn normalise(input: &str) -> String {
    input
        .chars()
        .filter(|character| !character.is_whitespace() && *character != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The value stored in place of the code. A plain SHA-256 is enough here, unlike for passwords:
/// the codes are random with about 50 bits of entropy (not chosen by people, so no dictionary to
/// try), each works only once, and sign-in attempts are rate limited, so a slow hash would add
/// cost without adding meaningful protection.
pub fn hash(code: &str) -> Vec<u8> {
    Sha256::digest(normalise(code).as_bytes()).to_vec()
}

/// Whether what was typed into the sign-in form's one security-code field is shaped like a
/// recovery code rather than a six-digit authenticator code.
pub fn looks_like_recovery_code(input: &str) -> bool {
    let normalised = normalise(input);
    normalised.chars().count() == CODE_LENGTH
        && normalised.bytes().all(|byte| ALPHABET.contains(&byte))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ten_codes_are_generated() -> anyhow::Result<()> {
        assert_eq!(generate()?.len(), 10);
        Ok(())
    }

    #[test]
    fn codes_are_two_groups_of_five_separated_by_a_hyphen() -> anyhow::Result<()> {
        for code in generate()? {
            assert_eq!(code.len(), 11, "{code}");
            let (first, second) = code
                .split_once('-')
                .ok_or_else(|| anyhow::anyhow!("no hyphen in {code}"))?;
            assert_eq!(first.len(), 5, "{code}");
            assert_eq!(second.len(), 5, "{code}");
            assert!(looks_like_recovery_code(&code), "{code}");
        }
        Ok(())
    }

    #[test]
    fn codes_use_only_the_unambiguous_alphabet() -> anyhow::Result<()> {
        let mut seen = HashSet::new();
        for _ in 0..50 {
            for code in generate()? {
                for character in code.chars().filter(|&character| character != '-') {
                    assert!(ALPHABET.contains(&(character as u8)), "{code}");
                    seen.insert(character);
                }
            }
        }
        for ambiguous in ['0', 'o', '1', 'l', 'i'] {
            assert!(!seen.contains(&ambiguous));
        }
        // 5,000 characters: every one of the 31 symbols turns up, or the sampling is broken.
        assert_eq!(seen.len(), ALPHABET.len());
        Ok(())
    }

    #[test]
    fn the_alphabet_has_no_repeats_or_ambiguous_characters() {
        let unique: HashSet<u8> = ALPHABET.iter().copied().collect();
        assert_eq!(unique.len(), ALPHABET.len());
        assert!(!ALPHABET.iter().any(|byte| b"0o1li".contains(byte)));
        assert_eq!(UNBIASED_BYTE_LIMIT, 248);
    }

    #[test]
    fn codes_are_unique() -> anyhow::Result<()> {
        let mut all = HashSet::new();
        for _ in 0..20 {
            let codes = generate()?;
            let within_set: HashSet<&String> = codes.iter().collect();
            assert_eq!(within_set.len(), codes.len());
            all.extend(codes);
        }
        assert_eq!(all.len(), 200);
        Ok(())
    }

    #[test]
    fn normalise_drops_spaces_and_hyphens_and_lower_cases() {
        assert_eq!(normalise("ABCDE-FGHJK"), "abcdefghjk");
        assert_eq!(normalise(" abcde fghjk "), "abcdefghjk");
        assert_eq!(normalise("ab-cd-ef\tgh jk"), "abcdefghjk");
    }

    #[test]
    fn the_hash_does_not_depend_on_formatting() {
        let stored = hash("abcde-fghjk");
        for typed in [
            "abcdefghjk",
            "ABCDE-FGHJK",
            "abcde fghjk",
            " AbCdE - fGhJk ",
        ] {
            assert_eq!(hash(typed), stored, "{typed:?}");
        }
        assert_ne!(hash("abcde-fghjm"), stored);
        assert_eq!(stored.len(), 32);
    }

    #[test]
    fn the_hash_is_sha256_of_the_normalised_code() {
        // printf abcdefghjk | sha256sum
        assert_eq!(
            hex::encode(hash("ABCDE-FGHJK")),
            "22f3f00d7f9cfe6eeefa9b71bdcb093a9080fcf4981d2dbf932648fa15a2d793"
        );
    }

    #[test]
    fn authenticator_codes_and_junk_do_not_look_like_recovery_codes() {
        for input in [
            "123456",
            "123 456",
            "",
            "abcde-fghj",
            "abcde-fghjkm",
            "abcde-fghj0",
            "abcde-fghjo",
            "abcde-fghjl",
            "abcde-fghj!",
            "abcde-fghjé",
        ] {
            assert!(!looks_like_recovery_code(input), "{input:?}");
        }
        assert!(looks_like_recovery_code("ABCDE FGHJK"));
        assert!(looks_like_recovery_code("23456-789ab"));
    }
}
