//! The `itf-planner` command: parses the command line and calls into the library.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

use itf_planner::areas::{self, OrganisationKind, OrganisationName};
use itf_planner::audit::Change;
use itf_planner::auth::{accounts, policy::Role};
use itf_planner::clock::Clock;
use itf_planner::config::Config;
use itf_planner::db::Database;
use itf_planner::{AppState, audit, demo};

#[derive(Parser)]
#[command(
    name = "itf-planner",
    version,
    about = "Joint drafting, risk register, sign-off and deadlines for Better Care Fund plans",
    after_help = "\
Environment:
  DATABASE_URL        PostgreSQL to use, e.g. postgres://user:pass@host:5432/itf_planner.
                      Unset: run a private PostgreSQL from the installed server binaries,
                      with its data under ITF_DATA_DIR, loading demo data on first start.
  ITF_BIND            address to listen on (default 127.0.0.1:3000)
  ITF_DATA_DIR        folder for the embedded database (default ./data)
  ITF_PUBLIC_URL      address users reach, e.g. https://itf.example.org; https turns on
                      Secure cookies and HSTS
  ITF_SECURE_COOKIES  true/false: override the Secure cookie flag
  ITF_STATIC_DIR      folder of CSS/JS/images (default ./static)
  RUST_LOG            log filter (default info)"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default). Migrates the database first; a fresh embedded database
    /// also gets the demo data.
    Serve,
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Load the demo areas (Kent, Rotherham), their organisations and demo accounts. Safe to run
    /// twice.
    SeedDemo,
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
    /// Recompute the hash chain of the whole audit log; exits 1 and names the first bad row if
    /// any row was edited or removed.
    Verify,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command.unwrap_or(Command::Serve)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("itf-planner: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> anyhow::Result<()> {
    let filter =
        EnvFilter::try_from_default_env().or_else(|error| match std::env::var("RUST_LOG") {
            Ok(value) if !value.is_empty() => Err(anyhow::anyhow!(
                "RUST_LOG is \"{value}\", which is not a log filter ({error}); try RUST_LOG=info"
            )),
            _ => Ok(EnvFilter::new("info,sqlx=warn")),
        })?;
    tracing_subscriber::fmt().with_env_filter(filter).init();

    let config = Config::from_env()?;
    let database = Database::open(&config)
        .await
        .context("could not open the database")?;
    let outcome = match command {
        Command::Serve => serve(&database, config).await,
        Command::Migrate => database.migrate().await,
        Command::SeedDemo => seed_demo(&database).await,
        Command::User(UserCommand::Add {
            email,
            name,
            organisation,
            role,
        }) => add_user(&database, &email, &name, &organisation, role.as_deref()).await,
        Command::Audit(AuditCommand::Verify) => verify_audit_log(&database).await,
    };
    database.close().await;
    outcome
}

async fn serve(database: &Database, config: Config) -> anyhow::Result<()> {
    database
        .migrate()
        .await
        .context("could not migrate the database")?;
    if database.fresh && database.is_embedded() {
        demo::seed(&database.pool)
            .await
            .context("could not load the demo data")?;
        println!("Loaded the demo areas (Kent, Rotherham) into the new embedded database.");
        print!("{}", demo::accounts::describe());
    }
    let listener = TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("could not listen on {} (ITF_BIND)", config.bind))?;
    let address = listener.local_addr()?;
    let state = AppState {
        pool: database.pool.clone(),
        config: Arc::new(config),
        clock: Clock::System,
    };
    println!("itf-planner listening on http://{address}");
    itf_planner::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("stopped accepting requests; shutting down");
    Ok(())
}

async fn seed_demo(database: &Database) -> anyhow::Result<()> {
    database.migrate().await?;
    demo::seed(&database.pool).await?;
    println!("Demo data loaded (existing data left as it was).");
    print!("{}", demo::accounts::describe());
    Ok(())
}

async fn add_user(
    database: &Database,
    email: &str,
    name: &str,
    organisation: &str,
    role: Option<&str>,
) -> anyhow::Result<()> {
    database.migrate().await?;
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
        accounts::create_user_from_cli(change, email, name, organisation_id, role).await?;
    println!("Created {email}. One-time password (shown only now): {one_time_password}");
    println!(
        "They must choose a new password, and set up two-factor sign-in where their role needs it, when they first sign in."
    );
    Ok(())
}

async fn verify_audit_log(database: &Database) -> anyhow::Result<()> {
    let verification = audit::verify_all(&database.pool).await?;
    match verification.first_break {
        None => {
            println!(
                "OK: {} audit rows verified; newest hash {}",
                verification.rows_checked,
                hex::encode(&verification.head)
            );
            Ok(())
        }
        Some(audit::Break::ContentChanged { id }) => Err(anyhow::anyhow!(
            "audit row {id} was changed after it was written ({} rows before it verified)",
            verification.rows_checked
        )),
        Some(audit::Break::ChainBroken { id }) => Err(anyhow::anyhow!(
            "audit row {id} does not follow the row before it: rows were removed or reordered ({} rows before it verified)",
            verification.rows_checked
        )),
    }
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
