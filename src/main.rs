//! The `itf-planner` command: parses the command line and calls into the library.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

use itf_planner::areas::{self, OrganisationKind, OrganisationName};
use itf_planner::audit::Change;
use itf_planner::auth::{accounts, policy::Role};
use itf_planner::clock::Clock;
use itf_planner::config::{Config, LogFormat, Settings, demo_accounts_allowed};
use itf_planner::db::Database;
use itf_planner::keys::Keys;
use itf_planner::{AppState, audit, demo};

#[derive(Parser)]
#[command(
    name = "itf-planner",
    version,
    about = "Joint drafting, risk register, sign-off and deadlines for Better Care Fund plans",
    after_help = "Every setting can be given as an environment variable (shown after each option) \
                  or as the option itself; the environment is the usual way."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default). Migrates the database first; a new embedded database
    /// also gets the demo areas, and the demo accounts when listening on loopback only or with
    /// --demo / ITF_DEMO=true.
    Serve,
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Load the demo areas (Kent, Rotherham), their organisations, demo accounts, plans (with
    /// funding, schemes, metrics and conditions), risk registers and sign-off (unless
    /// ITF_DEMO_SIGN_OFF=false). Safe to run twice.
    SeedDemo,
    /// Load national-scale data for load tests: 152 areas (by default) with their boards,
    /// councils and CCGs, about 3,000 accounts sharing one published password, and per area a
    /// plan with revisions, contributions, comments, risks, schemes, funding and metrics.
    /// Deterministic for a seed; areas already loaded are left alone. Never on a real
    /// deployment: the password and authenticator key are printed.
    SeedScale {
        /// Seed of the generator: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// How many areas (at most 240).
        #[arg(long, default_value_t = demo::scale::DEFAULT_AREAS)]
        areas: usize,
    },
    /// Manage accounts from the command line (the first administrator of a new deployment).
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account with a one-time password (printed once) that must be changed at first
    /// sign-in. The organisation is created if it does not exist.
    Add {
        /// Email address to sign in with.
        #[arg(long)]
        email: String,
        /// Name shown to other users.
        #[arg(long)]
        name: String,
        /// Organisation the person belongs to, e.g. "NHS England".
        #[arg(long)]
        organisation: String,
        /// Global role to grant: admin or assurer. Area roles are granted in the admin pages.
        #[arg(long, value_parser = ["admin", "assurer"])]
        role: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the keyed hash chain of the whole audit log; exits 1 and names the first bad
    /// row if any row was edited or removed.
    Verify {
        /// A head printed earlier by `audit head` (or logged by the server): fails unless the
        /// log still contains that row, which catches removal of the newest rows.
        #[arg(long, value_name = "HASH")]
        expect_head: Option<String>,
    },
    /// Print the hash of the newest audit row. Keep it outside the database (a ticket, a
    /// notebook) and check it later with `audit verify --expect-head`.
    Head,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match cli.settings.into_config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("itf-planner: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = init_logging(&config) {
        eprintln!("itf-planner: {error:#}");
        return ExitCode::FAILURE;
    }
    match run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("itf-planner: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs go to standard output as JSON lines, or as text, coloured only on a terminal (colour
/// codes are noise in a file or a journal).
fn init_logging(config: &Config) -> anyhow::Result<()> {
    let filter = match config.log_filter.as_deref() {
        Some(value) if !value.trim().is_empty() => EnvFilter::try_new(value).map_err(|error| {
            anyhow::anyhow!(
                "RUST_LOG is \"{value}\", which is not a log filter ({error}); try RUST_LOG=info"
            )
        })?,
        _ => EnvFilter::new("info,sqlx=warn"),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.with_ansi(false).init(),
        LogFormat::Auto => builder.with_ansi(std::io::stdout().is_terminal()).init(),
    }
    Ok(())
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    let keys = Keys::load(config.secret_key.as_deref(), &config.data_dir)?;
    keys.install().map_err(|problem| anyhow::anyhow!(problem))?;
    let database = Database::open(&config)
        .await
        .context("could not open the database")?;
    let outcome = match command {
        Command::Serve => serve(&database, config, keys).await,
        Command::Migrate => migrate(&database, &keys).await,
        Command::SeedDemo => seed_demo(&database, &keys, config.demo_sign_off).await,
        Command::SeedScale { seed, areas } => seed_scale(&database, &keys, seed, areas).await,
        Command::User(UserCommand::Add {
            email,
            name,
            organisation,
            role,
        }) => {
            add_user(
                &database,
                &keys,
                &email,
                &name,
                &organisation,
                role.as_deref(),
            )
            .await
        }
        Command::Audit(AuditCommand::Verify { expect_head }) => {
            match database.check_server_key(&keys).await {
                Ok(()) => verify_audit_log(&database, &keys, expect_head.as_deref()).await,
                Err(error) => Err(error),
            }
        }
        Command::Audit(AuditCommand::Head) => print_audit_head(&database).await,
    };
    database.close().await;
    outcome
}

/// Migrates, then checks the server key against the one the database knows.
async fn migrate(database: &Database, keys: &Keys) -> anyhow::Result<()> {
    database
        .migrate()
        .await
        .context("could not migrate the database")?;
    database.check_server_key(keys).await
}

async fn serve(database: &Database, config: Config, keys: Keys) -> anyhow::Result<()> {
    migrate(database, &keys).await?;
    if database.fresh && database.is_embedded() {
        let with_accounts = demo_accounts_allowed(config.bind.ip(), config.demo);
        if with_accounts {
            load_demo(&database.pool, config.demo_sign_off)
                .await
                .context("could not load the demo data")?;
            tracing::warn!(
                bind = %config.bind,
                "loaded the demo areas, plans and accounts into the new embedded database; the accounts' passwords are published: for trying the app only"
            );
            print!("{}", demo::accounts::describe(config.demo_sign_off));
        } else {
            demo::seed_areas(&database.pool)
                .await
                .context("could not load the demo areas")?;
            tracing::info!(
                bind = %config.bind,
                "loaded the demo areas into the new embedded database; demo accounts not loaded: listening beyond loopback (set ITF_DEMO=true to load \
                 them anyway); create the first administrator with `itf-planner user add`"
            );
        }
    }
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("could not listen on {} (ITF_BIND)", config.bind))?;
    let address = listener.local_addr()?;
    let database_connections = config.database_pool;
    let state = AppState::new(database.pool.clone(), config, Clock::System, keys);
    tracing::info!(
        database_connections,
        "itf-planner listening on http://{address}"
    );
    itf_planner::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped accepting requests; shutting down");
    Ok(())
}

/// The whole demo, or (ITF_DEMO_SIGN_OFF=false) only its plans being drafted.
async fn load_demo(pool: &sqlx::PgPool, with_sign_off: bool) -> anyhow::Result<()> {
    if with_sign_off {
        demo::seed(pool).await
    } else {
        demo::seed_drafting(pool).await
    }
}

async fn seed_demo(database: &Database, keys: &Keys, with_sign_off: bool) -> anyhow::Result<()> {
    migrate(database, keys).await?;
    load_demo(&database.pool, with_sign_off).await?;
    println!("Demo data loaded (existing data left as it was).");
    print!("{}", demo::accounts::describe(with_sign_off));
    Ok(())
}

async fn seed_scale(
    database: &Database,
    keys: &Keys,
    seed: u64,
    areas: usize,
) -> anyhow::Result<()> {
    migrate(database, keys).await?;
    let started = std::time::Instant::now();
    let summary =
        demo::scale::seed(&database.pool, demo::scale::ScaleOptions { seed, areas }).await?;
    println!(
        "Scale data (seed {seed}): {} areas added, {} already there; {} accounts, {} revisions, {} risks, {} schemes added in {:.1} s.",
        summary.areas_added,
        summary.areas_skipped,
        summary.users,
        summary.revisions,
        summary.risks,
        summary.schemes,
        started.elapsed().as_secs_f64()
    );
    println!(
        "Accounts: <area slug>.lead, .council.officer1-7, .ccg1.officer1-6 … @{} and assurer1-20@{}; password for all: {}",
        demo::scale::EMAIL_DOMAIN,
        demo::scale::EMAIL_DOMAIN,
        demo::scale::SCALE_PASSWORD
    );
    println!(
        "Authenticator key of every account that needs two factors: {}",
        summary.totp_key
    );
    Ok(())
}

async fn add_user(
    database: &Database,
    keys: &Keys,
    email: &str,
    name: &str,
    organisation: &str,
    role: Option<&str>,
) -> anyhow::Result<()> {
    migrate(database, keys).await?;
    let role = role.and_then(Role::parse);
    let organisation = OrganisationName::parse(organisation)
        .map_err(|problem| anyhow::anyhow!("--organisation: {problem}"))?;
    // Accounts know organisations only by id: find or add theirs in the same change.
    let mut change = Change::begin(&database.pool, time::OffsetDateTime::now_utc()).await?;
    let organisation_id = areas::store::ensure_organisation(
        change.db(),
        organisation.as_str(),
        OrganisationKind::Other,
        None,
    )
    .await?;
    let one_time_password =
        accounts::create_user_from_cli(change, email, name, organisation_id.get(), role).await?;
    println!("Created {email}. One-time password (shown only now): {one_time_password}");
    println!(
        "They must choose a new password, and set up two-factor sign-in where their role needs it, when they first sign in."
    );
    Ok(())
}

async fn verify_audit_log(
    database: &Database,
    keys: &Keys,
    expect_head: Option<&str>,
) -> anyhow::Result<()> {
    let expected = match expect_head {
        Some(text) => Some(hex::decode(text.trim()).map_err(|_| {
            anyhow::anyhow!("--expect-head must be a hash in hex, as `audit head` prints it")
        })?),
        None => None,
    };
    let verification =
        audit::verify_all(&database.pool, &keys.audit_chain, expected.as_deref()).await?;
    if let Some(found) = &verification.first_break {
        let id = found.id();
        let rows = verification.rows_checked;
        return Err(match found {
            audit::Break::ContentChanged { .. } => anyhow::anyhow!(
                "audit row {id} was changed after it was written, or its hash was not made with this server's key ({rows} rows before it verified)"
            ),
            audit::Break::ChainBroken { .. } => anyhow::anyhow!(
                "audit row {id} does not follow the row before it: rows were removed or reordered ({rows} rows before it verified)"
            ),
            audit::Break::Unkeyed { .. } => anyhow::anyhow!(
                "audit row {id} is hashed without the key after keyed rows: the chain was rewritten ({rows} rows before it verified)"
            ),
        });
    }
    if let Some(expected) = expect_head
        && !verification.expected_head_found
    {
        return Err(anyhow::anyhow!(
            "the audit log does not contain the expected head {expected}: rows were removed from its end (it now has {} rows, ending with {})",
            verification.rows_checked,
            hex::encode(&verification.head)
        ));
    }
    println!(
        "OK: {} audit rows verified; newest hash {}",
        verification.rows_checked,
        hex::encode(&verification.head)
    );
    if verification.unkeyed_rows > 0 {
        println!(
            "Note: the oldest {} rows were written before the chain was keyed; only a head written down since can vouch for them.",
            verification.unkeyed_rows
        );
    }
    Ok(())
}

async fn print_audit_head(database: &Database) -> anyhow::Result<()> {
    match audit::store::head(&database.pool).await? {
        Some((_, hash)) => println!("{}", hex::encode(hash)),
        None => println!("{}", hex::encode(audit::GENESIS_HASH)),
    }
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM (what `docker stop` and systemd send).
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}
