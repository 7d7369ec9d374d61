//! Password rules for new passwords, and hashing with Argon2id.
//!
//! The rules follow NCSC and NIST guidance: a minimum length and a check against guessable
//! passwords (zxcvbn), with no composition rules ("one upper-case letter, one symbol") that push
//! people towards predictable patterns.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{Output, ParamsString, SaltString};
use argon2::{Algorithm, Argon2, Params, PasswordHash, Version};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;
use zxcvbn::Score;

/// Counted in characters, not bytes, so that a password in any script is measured as typed.
pub const MIN_LENGTH: usize = 12;
/// Long enough for any passphrase or password manager; the limit stops someone making the server
/// hash megabytes of input.
pub const MAX_LENGTH: usize = 256;

/// zxcvbn's "safely unguessable" band: an estimated 10^8 guesses or more, far beyond what online
/// rate limits allow, and slow to attack offline given the Argon2id hash.
const MIN_SCORE: Score = Score::Three;

/// Argon2id with the parameters OWASP recommends as a minimum (19 MiB, 2 passes, 1 lane). Kept
/// here rather than relying on the crate's defaults (currently the same) so that an upgrade
/// cannot silently change them.
const ARGON2_MEMORY_KIB: u32 = 19_456;
const ARGON2_ITERATIONS: u32 = 2;
const ARGON2_PARALLELISM: u32 = 1;
/// 128 bits, as the argon2 crate recommends.
const SALT_BYTES: usize = 16;

/// An Argon2id hash, made with the parameters above, of a password nobody has. Signing in with an
/// unknown email address verifies against this, so that the response takes as long as for a
/// known address and does not reveal which addresses have accounts. A constant, rather than one
/// computed at start-up, so the first such sign-in is not slower than the rest.
/// `the_dummy_hash_uses_the_current_parameters` fails if the parameters change without it.
const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$g9aC2ox+f6s8QCexT/HMQg$cgWd3gY7vLvqI7Z+M52a42KWbxnhuaWswe9JNYSc2xo";

/// A password that meets the rules, ready to be hashed.
pub struct NewPassword(String);

impl fmt::Debug for NewPassword {
    // So that a password never reaches a log through `{:?}` of a form or struct holding it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    /// Checks a new password against the rules. `personal` is what an attacker would try first
    /// for this person: their email address, name and organisation. The error is a message for
    /// the person, shown next to the field.
    ///
    /// The password is used exactly as typed: no trimming or normalising, because whatever is
    /// changed here would have to be changed identically at every sign-in for ever.
    pub fn parse(raw: &str, personal: &[&str]) -> Result<NewPassword, String> {
        if raw.is_empty() {
            return Err("Enter a password".to_owned());
        }
        let length = raw.chars().count();
        if length < MIN_LENGTH {
            return Err(format!("Password must be {MIN_LENGTH} characters or more"));
        }
        if length > MAX_LENGTH {
            return Err(format!("Password must be {MAX_LENGTH} characters or fewer"));
        }

        let user_inputs = personal_words(personal);
        let user_inputs: Vec<&str> = user_inputs.iter().map(String::as_str).collect();
        // zxcvbn credits Capitals At The Start Of Each Word as an unusual pattern worth thousands
        // of guesses, when it is the most predictable capitalisation there is ("Kent County
        // Council 2014" would pass). Judging the lower-cased password as well, and keeping the
        // worse result, takes that credit away; genuinely random passwords barely notice.
        let as_typed = zxcvbn::zxcvbn(raw, &user_inputs);
        let lower_cased = zxcvbn::zxcvbn(&raw.to_lowercase(), &user_inputs);
        let estimate = if lower_cased.guesses() < as_typed.guesses() {
            lower_cased
        } else {
            as_typed
        };
        if estimate.score() < MIN_SCORE {
            return Err(harder_to_guess_message(estimate.feedback()));
        }
        Ok(NewPassword(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Each personal detail whole and split into its words, so that "Kent County Council" also
/// catches "council" and "kent", and "sam.smith@kent.gov.uk" catches "smith". zxcvbn only matches
/// user inputs as whole dictionary entries.
fn personal_words(personal: &[&str]) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for detail in personal {
        let detail = detail.trim();
        if detail.is_empty() {
            continue;
        }
        words.push(detail.to_owned());
        words.extend(
            detail
                .split(|character: char| !character.is_alphanumeric())
                // One- and two-letter pieces such as "uk" only add noise.
                .filter(|word| word.chars().count() >= 3)
                .map(str::to_owned),
        );
    }
    words
}

fn harder_to_guess_message(feedback: Option<&zxcvbn::feedback::Feedback>) -> String {
    let warning = feedback.and_then(|feedback| feedback.warning());
    let suggestion = feedback.and_then(|feedback| feedback.suggestions().first().copied());
    match (warning, suggestion) {
        (None, None) => {
            "Choose a password that is harder to guess, for example three or four random words"
                .to_owned()
        }
        (Some(warning), None) => format!(
            "Choose a password that is harder to guess: {}",
            lower_case_first(&warning.to_string())
        ),
        (None, Some(suggestion)) => {
            format!("Choose a password that is harder to guess. {suggestion}")
        }
        (Some(warning), Some(suggestion)) => format!(
            "Choose a password that is harder to guess: {} {suggestion}",
            lower_case_first(&warning.to_string())
        ),
    }
}

/// zxcvbn's warnings are sentences; after a colon they read better starting in lower case.
fn lower_case_first(sentence: &str) -> String {
    let mut characters = sentence.chars();
    match characters.next() {
        Some(first) => first.to_lowercase().chain(characters).collect(),
        None => String::new(),
    }
}

fn argon2() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(
        ARGON2_MEMORY_KIB,
        ARGON2_ITERATIONS,
        ARGON2_PARALLELISM,
        None,
    )
    .map_err(|error| anyhow::anyhow!("invalid Argon2 parameters: {error}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The password as an Argon2id PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), which
/// carries its own salt and parameters. Hashing takes tens of milliseconds of CPU and 19 MiB, so
/// it runs on the blocking thread pool rather than holding up an async worker.
pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_owned();
    run_hashing(move || hash_blocking(&password)).await
}

// --- bounding the memory hashing takes ---------------------------------------------------------
// (Hardening, issue 8 item 7: 25 parallel sign-ins took the server from 114 MB to 552 MB.)

/// Every hash or check needs 19 MiB for as long as it runs. They run on a few dedicated threads,
/// one per core (more would not finish sooner), rather than on tokio's blocking pool: the
/// allocator keeps freed memory per thread (glibc's arenas), so hashing on whichever of the
/// pool's many threads is free left ~19 MiB behind on each of them; on a fixed few threads that
/// is at most one block per thread. Requests queue for a thread for up to `HASHING_WAIT`.
struct Hashers {
    /// One per thread: a request holds one from queueing its job until the job ends, so the
    /// queue never holds more jobs than there are threads.
    permits: Arc<Semaphore>,
    jobs: std::sync::mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

impl Hashers {
    fn start(threads: usize) -> Result<Hashers, String> {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..threads {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only to take the next job, not while running it.
                        let next = match queue.lock() {
                            Ok(queue) => queue.recv(),
                            Err(_) => return,
                        };
                        let Ok(job) = next else {
                            return;
                        };
                        // A panicking job must not take the thread with it.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                    }
                })
                .map_err(|error| format!("could not start a password hashing thread: {error}"))?;
        }
        Ok(Hashers {
            permits: Arc::new(Semaphore::new(threads)),
            jobs,
        })
    }
}

static HASHERS: std::sync::LazyLock<Result<Hashers, String>> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    Hashers::start(cores.clamp(1, 8))
});

/// How long a request waits for its turn before it is answered "busy, try again".
pub const HASHING_WAIT: Duration = Duration::from_secs(10);

/// Too many passwords waiting to be checked: answer 503 with `Retry-After`.
#[derive(Debug, thiserror::Error)]
#[error("too many passwords are being checked at once")]
pub struct Busy;

/// Whether `error` is `Busy`.
pub fn is_busy(error: &anyhow::Error) -> bool {
    error.is::<Busy>()
}

async fn run_hashing<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let hashers = HASHERS
        .as_ref()
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    run_limited(hashers, HASHING_WAIT, work).await
}

/// Runs `work` on one of `hashers`' threads once one is free, waiting at most `wait` for it.
/// The permit moves into the job, so it is held until the work ends even if the request is
/// abandoned meanwhile.
async fn run_limited<T: Send + 'static>(
    hashers: &Hashers,
    wait: Duration,
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let permit = tokio::time::timeout(wait, Arc::clone(&hashers.permits).acquire_owned())
        .await
        .map_err(|_| Busy)?
        .map_err(|_| Busy)?;
    let (done, result) = tokio::sync::oneshot::channel();
    hashers
        .jobs
        .send(Box::new(move || {
            let outcome = work();
            drop(permit);
            let _ = done.send(outcome);
        }))
        .map_err(|_| anyhow::anyhow!("the password hashing threads have stopped"))?;
    result
        .await
        .map_err(|_| anyhow::anyhow!("password hashing failed"))?
}

/// Argon2's working memory, kept by each hashing thread and reused for every hash it makes,
/// so hashing allocates nothing: freed 19 MiB blocks are what the allocator held on to before.
/// A stored hash asking for more than `MAX_KEPT_BLOCKS` gets a buffer of its own, freed after.
const MAX_KEPT_BLOCKS: usize = 64 * 1024;

thread_local! {
    static WORKING_MEMORY: std::cell::RefCell<Vec<argon2::Block>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs Argon2 `hasher` into `out`, with this thread's working memory.
fn argon2_into(
    hasher: &Argon2<'_>,
    block_count: usize,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> anyhow::Result<()> {
    let mut run = |blocks: &mut [argon2::Block]| {
        hasher
            .hash_password_into_with_memory(password, salt, out, blocks)
            .map_err(|error| anyhow::anyhow!("could not hash a password: {error}"))
    };
    if block_count > MAX_KEPT_BLOCKS {
        return run(&mut vec![argon2::Block::default(); block_count]);
    }
    WORKING_MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < block_count {
            memory.resize(block_count, argon2::Block::default());
        }
        run(&mut memory[..block_count])
    })
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    // The salt comes straight from getrandom rather than through argon2's rand_core support,
    // which would need another feature enabled.
    let mut salt_bytes = [0u8; SALT_BYTES];
    getrandom::fill(&mut salt_bytes)
        .map_err(|error| anyhow::anyhow!("could not generate a password salt: {error}"))?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|error| anyhow::anyhow!("could not encode a password salt: {error}"))?;
    let hasher = argon2()?;
    let params = hasher.params().clone();
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(
        &hasher,
        params.block_count(),
        password.as_bytes(),
        &salt_bytes,
        &mut output,
    )?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)
            .map_err(|error| anyhow::anyhow!("could not encode Argon2 parameters: {error}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(
            Output::new(&output)
                .map_err(|error| anyhow::anyhow!("could not encode a password hash: {error}"))?,
        ),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the stored PHC string. A wrong password is `Ok(false)`; an error
/// means the stored hash itself is unusable, which is a fault to log rather than a failed sign-in.
/// The parameters are read from the stored hash, so hashes made with older parameters still
/// verify.
pub async fn verify(password: &str, phc: &str) -> anyhow::Result<bool> {
    let password = password.to_owned();
    let phc = phc.to_owned();
    run_hashing(move || verify_blocking(&password, &phc)).await
}

fn verify_blocking(password: &str, phc: &str) -> anyhow::Result<bool> {
    let stored = PasswordHash::new(phc)
        .map_err(|error| anyhow::anyhow!("stored password hash is malformed: {error}"))?;
    // A hash with no salt or output is a broken record, which no password could ever match.
    let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
        anyhow::bail!("stored password hash has no salt or no output");
    };
    let unusable = |error: &dyn fmt::Display| {
        anyhow::anyhow!("stored password hash cannot be verified: {error}")
    };
    let algorithm = Algorithm::try_from(stored.algorithm).map_err(|e| unusable(&e))?;
    let version = match stored.version {
        Some(version) => Version::try_from(version).map_err(|e| unusable(&e))?,
        None => Version::default(),
    };
    let params = Params::try_from(&stored).map_err(|e| unusable(&e))?;
    let mut salt_buffer = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_buffer)
        .map_err(|e| unusable(&e))?;
    let hasher = Argon2::new(algorithm, version, params.clone());
    let mut output = vec![0u8; expected.len()];
    argon2_into(
        &hasher,
        params.block_count(),
        password.as_bytes(),
        salt_bytes,
        &mut output,
    )?;
    Ok(output.ct_eq(expected.as_bytes()).into())
}

/// A one-time password for a new or reset account, `xxxxx-xxxxx-xxxxx-xxxxx` (about 99 bits),
/// which its holder must change at first sign-in.
pub fn generate_one_time() -> anyhow::Result<String> {
    Ok(format!(
        "{}-{}",
        super::recovery::random_code()?,
        super::recovery::random_code()?
    ))
}

/// Spends the same time as `verify` does for a real account, for sign-in attempts with an email
/// address that has no account. The outcome is meaningless and ignored; only `Busy` is
/// passed on, so that a busy server answers the same whether or not the address is known.
pub async fn verify_dummy(password: &str) -> anyhow::Result<()> {
    match verify(password, DUMMY_PHC).await {
        Err(error) if is_busy(&error) => Err(error),
        _ => Ok(()),
    }
}

/// A new password typed twice in a form (`new_password`, `confirm_password`), checked against
/// the rules with `personal` as hints, as choosing a password from a link (a reset, an
/// invitation) needs it. What is wrong goes into `errors` by the field.
pub fn typed_twice(
    typed: &str,
    confirmation: &str,
    personal: &[&str],
    errors: &mut crate::web::FormErrors,
) -> Option<NewPassword> {
    let new_password = if typed.is_empty() {
        errors.add("new_password", "Enter a new password");
        None
    } else {
        match NewPassword::parse(typed, personal) {
            Ok(new_password) => Some(new_password),
            Err(message) => {
                errors.add("new_password", message);
                None
            }
        }
    };
    if confirmation.is_empty() && !typed.is_empty() {
        errors.add("confirm_password", "Enter your new password again");
    } else if confirmation != typed {
        errors.add("confirm_password", "Enter the same password twice");
    }
    new_password.filter(|_| errors.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashing_waits_its_turn_and_is_refused_as_busy_when_the_wait_is_too_long() {
        let hashers = Hashers::start(1).unwrap();
        let (release, held) = std::sync::mpsc::channel::<()>();
        {
            // A job that holds the only thread until released.
            let permits = Arc::clone(&hashers.permits);
            let jobs = hashers.jobs.clone();
            let permit = permits.acquire_owned().await.unwrap();
            jobs.send(Box::new(move || {
                let _ = held.recv();
                drop(permit);
            }))
            .unwrap();
        }
        let refused = run_limited(&hashers, Duration::from_millis(20), || Ok(1)).await;
        assert!(is_busy(&refused.unwrap_err()));
        release.send(()).unwrap();
        let waited = run_limited(&hashers, Duration::from_secs(5), || Ok(2)).await;
        assert_eq!(waited.unwrap(), 2);
        assert_eq!(
            hashers.permits.available_permits(),
            1,
            "the permit is given back"
        );
        let panicked = run_limited(
            &hashers,
            Duration::from_secs(5),
            || -> anyhow::Result<()> { panic!("a broken job") },
        )
        .await;
        assert!(panicked.is_err());
        let after = run_limited(&hashers, Duration::from_secs(5), || Ok(3)).await;
        assert_eq!(after.unwrap(), 3, "the thread survives a panicking job");
    }

    const PERSONAL: [&str; 3] = ["sam.smith@kent.gov.uk", "Sam Smith", "Kent County Council"];

    #[test]
    fn a_long_passphrase_is_accepted_unchanged() -> Result<(), String> {
        for passphrase in [
            "velvet harbour kettle orbit sprinkle",
            "  marble otter lantern quietly  ",
            "Tangerine-Bicycle-Glacier-Whisper",
        ] {
            let password = NewPassword::parse(passphrase, &PERSONAL)?;
            assert_eq!(password.as_str(), passphrase);
        }
        Ok(())
    }

    #[test]
    fn an_empty_password_is_refused() {
        assert_eq!(
            NewPassword::parse("", &PERSONAL).err().as_deref(),
            Some("Enter a password")
        );
    }

    #[test]
    fn a_short_password_is_refused() {
        assert_eq!(
            NewPassword::parse("Zq8#vL2!pW4", &PERSONAL)
                .err()
                .as_deref(),
            Some("Password must be 12 characters or more")
        );
    }

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        // Eleven characters but 22 bytes: still too short.
        let eleven = "ψχωφυτσρπον";
        assert_eq!(eleven.chars().count(), 11);
        assert_eq!(
            NewPassword::parse(eleven, &PERSONAL).err().as_deref(),
            Some("Password must be 12 characters or more")
        );
        // 256 characters but 512 bytes: not too long (though it may fail for another reason).
        let long: String = "ψχωφυτσρπονμλκιθη".chars().cycle().take(256).collect();
        assert_ne!(
            NewPassword::parse(&long, &PERSONAL).err().as_deref(),
            Some("Password must be 256 characters or fewer")
        );
    }

    #[test]
    fn a_password_of_the_maximum_length_is_accepted() -> Result<(), String> {
        let words = "velvet harbour kettle orbit sprinkle ";
        let longest: String = words.chars().cycle().take(MAX_LENGTH).collect();
        NewPassword::parse(&longest, &PERSONAL)?;
        Ok(())
    }

    #[test]
    fn a_long_password_is_refused() {
        let too_long: String = "velvet harbour kettle orbit sprinkle "
            .chars()
            .cycle()
            .take(MAX_LENGTH + 1)
            .collect();
        assert_eq!(
            NewPassword::parse(&too_long, &PERSONAL).err().as_deref(),
            Some("Password must be 256 characters or fewer")
        );
    }

    #[test]
    fn common_passwords_are_refused() {
        for common in [
            "password1234",
            "qwertyuiop123",
            "aaaaaaaaaaaa",
            "123456789012",
        ] {
            let message = NewPassword::parse(common, &[]).err();
            assert!(
                message.as_deref().is_some_and(
                    |message| message.starts_with("Choose a password that is harder to guess")
                ),
                "{common}: {message:?}"
            );
        }
    }

    #[test]
    fn passwords_made_of_personal_details_are_refused() {
        for personal in [
            "Kent County Council 2014",
            "kent county council 2014",
            "sam.smith@kent.gov.uk",
            "Sam.Smith@Kent.gov.uk",
        ] {
            assert!(
                NewPassword::parse(personal, &PERSONAL).is_err(),
                "{personal}"
            );
        }
    }

    #[test]
    fn the_weak_password_message_includes_zxcvbn_feedback() {
        let message = NewPassword::parse("password1234", &[]).err();
        assert_eq!(
            message.as_deref(),
            Some(
                "Choose a password that is harder to guess: this is a very common password. Add \
                 another word or two. Uncommon words are better."
            )
        );
    }

    #[test]
    fn the_message_falls_back_when_zxcvbn_says_nothing() {
        assert_eq!(
            harder_to_guess_message(None),
            "Choose a password that is harder to guess, for example three or four random words"
        );
    }

    #[test]
    fn debug_output_hides_the_password() -> Result<(), String> {
        let password = NewPassword::parse("velvet harbour kettle orbit sprinkle", &[])?;
        assert_eq!(format!("{password:?}"), "NewPassword(***)");
        Ok(())
    }

    #[tokio::test]
    async fn a_hash_verifies_the_same_password_only() -> anyhow::Result<()> {
        let phc = hash("velvet harbour kettle orbit sprinkle").await?;
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("velvet harbour kettle orbit sprinkle", &phc).await?);
        assert!(!verify("velvet harbour kettle orbit sprinkle ", &phc).await?);
        assert!(!verify("Velvet harbour kettle orbit sprinkle", &phc).await?);
        assert!(!verify("", &phc).await?);
        Ok(())
    }

    #[tokio::test]
    async fn hashes_of_the_same_password_are_salted_differently() -> anyhow::Result<()> {
        let first = hash("velvet harbour kettle orbit sprinkle").await?;
        let second = hash("velvet harbour kettle orbit sprinkle").await?;
        assert_ne!(first, second);
        Ok(())
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_an_error() {
        for garbage in [
            "",
            "garbage",
            "$argon2id$v=19$m=19456,t=2,p=1",
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ",
            "$pbkdf2-sha256$i=1000$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
        ] {
            assert!(verify("anything", garbage).await.is_err(), "{garbage:?}");
        }
    }

    #[test]
    fn the_dummy_hash_uses_the_current_parameters() -> anyhow::Result<()> {
        let dummy = PasswordHash::new(DUMMY_PHC).map_err(|error| anyhow::anyhow!("{error}"))?;
        assert_eq!(dummy.algorithm, argon2::ARGON2ID_IDENT);
        let dummy_params = Params::try_from(&dummy).map_err(|error| anyhow::anyhow!("{error}"))?;
        let hasher = argon2()?;
        let current = hasher.params();
        assert_eq!(
            (
                dummy_params.m_cost(),
                dummy_params.t_cost(),
                dummy_params.p_cost()
            ),
            (current.m_cost(), current.t_cost(), current.p_cost())
        );
        assert!(dummy.salt.is_some() && dummy.hash.is_some());
        Ok(())
    }

    #[tokio::test]
    async fn hashes_match_the_argon2_crates_own_hashing_and_verifying() -> anyhow::Result<()> {
        use argon2::{PasswordHasher, PasswordVerifier};
        let ours = hash("velvet harbour kettle orbit").await?;
        let parsed = PasswordHash::new(&ours).map_err(|e| anyhow::anyhow!("{e}"))?;
        assert!(
            argon2()?
                .verify_password(b"velvet harbour kettle orbit", &parsed)
                .is_ok()
        );
        let salt =
            SaltString::encode_b64(&[7u8; SALT_BYTES]).map_err(|e| anyhow::anyhow!("{e}"))?;
        let theirs = argon2()?
            .hash_password(b"harbour kettle", &salt)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .to_string();
        assert!(verify("harbour kettle", &theirs).await?);
        assert!(!verify("harbour kettlf", &theirs).await?);
        Ok(())
    }

    #[tokio::test]
    async fn the_dummy_verification_completes() -> anyhow::Result<()> {
        assert!(!verify("anything", DUMMY_PHC).await?);
        verify_dummy("anything").await?;
        Ok(())
    }
}
