//! Demo accounts: one per role in each demo area, plus a national assurer and an administrator.
//! They share one password, printed when the embedded database is first created. Roles that
//! require two-factor sign-in set it up at first sign-in, as real users do.

use sqlx::PgPool;

use crate::areas::OrganisationKind;
use crate::areas::store as areas;
use crate::auth::accounts::Email;
use crate::auth::password;
use crate::auth::policy::Role;
use crate::auth::store::{self as auth, NewUser};

/// The password of every demo account. Only ever loaded into demo databases.
pub const DEMO_PASSWORD: &str = "better-care-fund-demo";

/// The organisation of the demo administrator.
const SUPPORT_TEAM: &str = "ITF planner support";

pub struct DemoAccount {
    pub email: &'static str,
    pub display_name: &'static str,
    pub organisation: &'static str,
    pub role: Role,
    /// The slug of the area the role is held in; `None` for global roles.
    pub area: Option<&'static str>,
}

const fn account(
    email: &'static str,
    display_name: &'static str,
    organisation: &'static str,
    role: Role,
    area: Option<&'static str>,
) -> DemoAccount {
    DemoAccount {
        email,
        display_name,
        organisation,
        role,
        area,
    }
}

pub const DEMO_ACCOUNTS: [DemoAccount; 13] = [
    account(
        "kent.officer@itf.example",
        "Kent council officer",
        "Kent County Council",
        Role::Officer,
        Some("kent"),
    ),
    account(
        "kent.ccg.officer@itf.example",
        "Ashford CCG officer",
        "NHS Ashford CCG",
        Role::Officer,
        Some("kent"),
    ),
    account(
        "kent.thanet.officer@itf.example",
        "Thanet CCG officer",
        "NHS Thanet CCG",
        Role::Officer,
        Some("kent"),
    ),
    account(
        "kent.lead@itf.example",
        "Kent area lead",
        "Kent County Council",
        Role::AreaLead,
        Some("kent"),
    ),
    account(
        "kent.signatory@itf.example",
        "West Kent CCG accountable officer",
        "NHS West Kent CCG",
        Role::Signatory,
        Some("kent"),
    ),
    account(
        "kent.secretary@itf.example",
        "Kent board secretary",
        "Kent Health and Wellbeing Board",
        Role::BoardSecretary,
        Some("kent"),
    ),
    account(
        "rotherham.officer@itf.example",
        "Rotherham CCG officer",
        "NHS Rotherham CCG",
        Role::Officer,
        Some("rotherham"),
    ),
    account(
        "rotherham.council.officer@itf.example",
        "Rotherham council officer",
        "Rotherham Metropolitan Borough Council",
        Role::Officer,
        Some("rotherham"),
    ),
    account(
        "rotherham.lead@itf.example",
        "Rotherham area lead",
        "Rotherham Metropolitan Borough Council",
        Role::AreaLead,
        Some("rotherham"),
    ),
    account(
        "rotherham.signatory@itf.example",
        "Rotherham CCG accountable officer",
        "NHS Rotherham CCG",
        Role::Signatory,
        Some("rotherham"),
    ),
    account(
        "rotherham.secretary@itf.example",
        "Rotherham board secretary",
        "Rotherham Health and Wellbeing Board",
        Role::BoardSecretary,
        Some("rotherham"),
    ),
    account(
        "assurer@itf.example",
        "National programme assurer",
        "NHS England",
        Role::Assurer,
        None,
    ),
    account(
        "admin@itf.example",
        "Service administrator",
        SUPPORT_TEAM,
        Role::Admin,
        None,
    ),
];

/// The signatories whose decisions the demo's sign-off records (`demo::signoff`): Kent's county
/// council and the six CCGs that have signed, and Rotherham's three signatures for 2025-26. They
/// share the demo password; like every signatory they set up two-factor at first sign-in.
pub const SIGNATORIES_ON_RECORD: [DemoAccount; 10] = [
    account(
        "kent.council.signatory@itf.example",
        "Kent County Council corporate director",
        "Kent County Council",
        Role::Signatory,
        Some("kent"),
    ),
    account(
        "kent.ashford.signatory@itf.example",
        "Ashford CCG accountable officer",
        "NHS Ashford CCG",
        Role::Signatory,
        Some("kent"),
    ),
    account(
        "kent.canterbury.signatory@itf.example",
        "Canterbury and Coastal CCG accountable officer",
        "NHS Canterbury and Coastal CCG",
        Role::Signatory,
        Some("kent"),
    ),
    account(
        "kent.dgs.signatory@itf.example",
        "Dartford, Gravesham and Swanley CCG accountable officer",
        "NHS Dartford, Gravesham and Swanley CCG",
        Role::Signatory,
        Some("kent"),
    ),
    account(
        "kent.skc.signatory@itf.example",
        "South Kent Coast CCG accountable officer",
        "NHS South Kent Coast CCG",
        Role::Signatory,
        Some("kent"),
    ),
    account(
        "kent.swale.signatory@itf.example",
        "Swale CCG accountable officer",
        "NHS Swale CCG",
        Role::Signatory,
        Some("kent"),
    ),
    account(
        "kent.thanet.signatory@itf.example",
        "Thanet CCG accountable officer",
        "NHS Thanet CCG",
        Role::Signatory,
        Some("kent"),
    ),
    account(
        "rotherham.icb.signatory@itf.example",
        "South Yorkshire ICB chief executive",
        "NHS South Yorkshire ICB",
        Role::Signatory,
        Some("rotherham"),
    ),
    account(
        "rotherham.council.signatory@itf.example",
        "Rotherham council chief executive",
        "Rotherham Metropolitan Borough Council",
        Role::Signatory,
        Some("rotherham"),
    ),
    account(
        "rotherham.s151@itf.example",
        "Rotherham council section 151 officer",
        "Rotherham Metropolitan Borough Council",
        Role::Signatory,
        Some("rotherham"),
    ),
];

/// Adds the demo accounts that are missing (an existing account is left as it is).
pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    ensure_accounts(pool, &DEMO_ACCOUNTS).await
}

/// Adds the signatories on record that are missing.
pub async fn seed_signatories(pool: &PgPool) -> anyhow::Result<()> {
    ensure_accounts(pool, &SIGNATORIES_ON_RECORD).await
}

async fn ensure_accounts(pool: &PgPool, accounts: &[DemoAccount]) -> anyhow::Result<()> {
    // Hashed once: every demo account has the same password.
    let password_hash = password::hash(DEMO_PASSWORD).await?;
    let mut tx = pool.begin().await?;
    areas::ensure_organisation(&mut *tx, SUPPORT_TEAM, OrganisationKind::Other, None).await?;
    for demo in accounts {
        let user_id = match auth::find_user_id_by_email(&mut *tx, demo.email).await? {
            Some(id) => id,
            None => {
                let organisation_id = areas::find_organisation_id(&mut *tx, demo.organisation)
                    .await?
                    .ok_or_else(|| {
                        anyhow::anyhow!("demo organisation {} is missing", demo.organisation)
                    })?;
                let email = Email::parse(demo.email)
                    .map_err(|problem| anyhow::anyhow!("demo account {}: {problem}", demo.email))?;
                auth::insert_user(
                    &mut *tx,
                    NewUser {
                        email: &email,
                        display_name: demo.display_name,
                        // `auth` takes organisation ids as bare numbers: `areas` depends on
                        // `auth`, so `auth` cannot name `OrganisationId`.
                        organisation_id: organisation_id.get(),
                        password_hash: &password_hash,
                        must_change_password: false,
                    },
                )
                .await?
            }
        };
        let area_id = match demo.area {
            Some(slug) => Some(
                areas::find_area_by_slug(&mut *tx, slug)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("demo area {slug} is missing"))?
                    .id
                    .get(),
            ),
            None => None,
        };
        auth::insert_grant(&mut *tx, user_id, demo.role, area_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The text printed for people trying the demo; `with_sign_off` when the demo's sign-off (and
/// so its signatories on record) is loaded.
pub fn describe(with_sign_off: bool) -> String {
    let mut text = format!("Demo accounts (password for all: {DEMO_PASSWORD}):\n");
    for demo in &DEMO_ACCOUNTS {
        let place = demo.area.unwrap_or("all areas");
        let two_factor = if demo.role.requires_two_factor() {
            ", sets up two-factor at first sign-in"
        } else {
            ""
        };
        text.push_str(&format!(
            "  {:<40} {} ({place}){two_factor}\n",
            demo.email,
            demo.role.label()
        ));
    }
    if !with_sign_off {
        return text;
    }
    text.push_str("Signatories whose decisions the demo's sign-off records (same password):\n");
    for demo in &SIGNATORIES_ON_RECORD {
        text.push_str(&format!(
            "  {:<40} {} ({})\n",
            demo.email,
            demo.display_name,
            demo.area.unwrap_or("all areas")
        ));
    }
    text
}
