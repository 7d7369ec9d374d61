//! National-scale data for load tests (`itf-planner seed-scale`, issue 14): by default 152 areas
//! as in England in 2013/14, each with its board, its council and one or two CCGs (211 CCGs
//! over 152 areas), about 20 accounts (about 3,000 in all, plus national assurers), and a
//! 2014-16 plan whose every section has about ten revisions, the per-partner sections their
//! partners' contributions, comment threads, about 40 risks with history, about 100 schemes,
//! funding lines, notified minimums and metric goals.
//!
//! Deterministic for a seed: every area draws from its own generator (`Rng::for_area`), so
//! `--areas 2` makes exactly the first two areas of `--areas 152`. Times are fixed around the
//! 2014 planning round rather than taken from the clock.
//!
//! Written as the demo is (`demo::*`): straight into the tables, not through `audit::Change`.
//! Seed data is nobody's change, and the audit log of a benchmark database would otherwise
//! hold tens of thousands of rows that no person made. Each area is one transaction of a
//! fixed number of bulk statements (`store`); an area whose slug exists is left alone, so a
//! run that stopped part-way can be run again.
//!
//! Every account shares one published password (hashed once) and the roles that need two
//! factors share one published authenticator key: never load this into a real deployment.

mod store;

use std::collections::HashMap;

use sqlx::PgPool;
use time::{Date, Duration, OffsetDateTime, macros::datetime};

use crate::areas::{AreaId, OrganisationId};
use crate::auth::UserId;
use crate::auth::password;
use crate::auth::policy::Role;
use crate::auth::totp::TotpSecret;
use crate::plans::parts::schemes::SchemeType;
use crate::plans::section::SectionStatus;
use crate::plans::store as plans;
use crate::plans::templates::TemplateId;
use crate::plans::templates::store::plan_structure;
use crate::plans::templates::structure::CycleStructure;
use crate::risks::content::{Category, RiskForm, iso};
use crate::risks::store as risks;

/// The password of every seeded account.
pub const SCALE_PASSWORD: &str = "national-scale-benchmark";
/// Where seeded accounts' emails are.
pub const EMAIL_DOMAIN: &str = "scale.itf.example";
/// Health and Wellbeing Boards in England in 2013/14, and so the default number of areas.
pub const DEFAULT_AREAS: usize = 152;
/// CCGs in England in 2013/14, spread over the 152 areas.
const CCGS_PER_152_AREAS: usize = 211;
/// National assurers seeded (two-factor, with the shared key).
const ASSURERS: usize = 20;
/// The template every seeded area's plan is made from.
const TEMPLATE: &str = "2014-16";
/// The organisation of the national assurers (the demo's national team).
const NATIONAL_TEAM: &str = "NHS England";

const PREFIXES: [&str; 20] = [
    "Ash", "Bram", "Carr", "Dun", "Elm", "Fern", "Glen", "Hart", "Ivy", "Kings", "Lang", "Mar",
    "Nor", "Oak", "Pen", "Quin", "Stan", "Thorn", "Wen", "Yew",
];
const SUFFIXES: [&str; 12] = [
    "bury", "field", "ford", "ham", "ley", "mouth", "stead", "ton", "wick", "worth", "dale",
    "minster",
];
/// The most areas names can be made for.
pub const MAX_AREAS: usize = PREFIXES.len() * SUFFIXES.len();

const REGIONS: [&str; 7] = [
    "North East and Yorkshire",
    "North West",
    "Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
];

/// Officers seeded per council and per CCG (besides the lead, secretary and signatories).
const COUNCIL_OFFICERS: usize = 7;
const CCG_OFFICERS: usize = 6;

/// What `seed-scale` was asked for.
#[derive(Clone, Copy, Debug)]
pub struct ScaleOptions {
    pub seed: u64,
    pub areas: usize,
}

/// What a run added.
#[derive(Clone, Debug, Default)]
pub struct ScaleSummary {
    pub areas_added: usize,
    pub areas_skipped: usize,
    pub users: usize,
    pub revisions: usize,
    pub risks: usize,
    pub schemes: usize,
    /// The authenticator key of every seeded account that needs two factors (base32).
    pub totp_key: String,
}

/// A small deterministic generator (splitmix64): the same seed gives the same data on every
/// machine and version of the `rand` crate.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The generator of one area: independent of how many areas are made.
    pub fn for_area(seed: u64, area: usize) -> Rng {
        let mut mixer = Rng(seed ^ (area as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        Rng(mixer.next_u64())
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        let span = (high - low + 1).max(1) as u64;
        low + (self.next_u64() % span) as i64
    }

    /// True `percent` times in a hundred.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
}

/// The name of area `index` (0-based): "Ashbury", "Ashfield", …
pub fn area_name(index: usize) -> String {
    format!(
        "{}{}",
        PREFIXES[index / SUFFIXES.len() % PREFIXES.len()],
        SUFFIXES[index % SUFFIXES.len()]
    )
}

/// The slug of area `index`, as its URLs carry it.
pub fn area_slug(index: usize) -> String {
    area_name(index).to_lowercase()
}

/// How many CCGs area `index` has: one or two, 211 over the first 152 areas.
pub fn ccgs_of(index: usize) -> usize {
    ((index + 1) * CCGS_PER_152_AREAS / DEFAULT_AREAS)
        - (index * CCGS_PER_152_AREAS / DEFAULT_AREAS)
}

/// The start of the seeded story: the weeks before the first submission (14 February 2014).
const STORY_START: OffsetDateTime = datetime!(2013-11-04 09:00 UTC);

fn at(rng: &mut Rng, from_day: i64, to_day: i64) -> OffsetDateTime {
    STORY_START + Duration::days(rng.range(from_day, to_day)) + Duration::minutes(rng.range(0, 480))
}

const SENTENCES: [&str; 24] = [
    "Partners will pool budgets for community health and social care so that people get one joined-up service.",
    "Emergency admissions of people aged 65 and over rose by four per cent last year, faster than the population.",
    "A seven-day reablement service will support discharge from hospital at weekends as well as weekdays.",
    "Every person with a care plan will have a named accountable professional and one shared assessment.",
    "The NHS number will be the primary identifier on every health and social care record by April 2015.",
    "Risk stratification shows that two per cent of the registered population account for a third of admissions.",
    "Carers told us they want breaks planned ahead and one place to ask for help.",
    "Integrated locality teams of nurses, social workers and therapists will be based around groups of practices.",
    "Delayed transfers of care have fallen since the discharge to assess pilot began in the autumn.",
    "The Disabled Facilities Grant will fund adaptations that let people return home sooner.",
    "Providers will see their share of acute activity fall; the plan sets out how the change is managed.",
    "The voluntary sector will run a falls prevention programme with the fire and rescue service.",
    "Data sharing agreements between the council and the CCGs are due to be signed by March.",
    "Residential and nursing care admissions remain above the national average and are a priority.",
    "Mental health liaison in the emergency department will reduce avoidable admissions.",
    "Telecare and assistive technology will be offered to everyone assessed for home care.",
    "The pooled fund will be governed by a section 75 agreement overseen by the board.",
    "Performance against the national metrics will be reported to every meeting of the board.",
    "A contingency held by the CCGs covers the risk that admissions do not fall as planned.",
    "People who use services helped to design the new rapid response pathway.",
    "Protecting social care services means sustaining eligibility at its current level.",
    "Seven-day working will start with hospital discharge teams and extend to primary care.",
    "Workforce plans include joint training for health and social care staff.",
    "The plan aligns with the two-year operating plans of the CCGs and the council's budget.",
];

const COMMENTS: [&str; 8] = [
    "Could we add the latest figures for emergency admissions here?",
    "This reads well; the second paragraph needs the finance team's view.",
    "Is the timescale realistic given the procurement rules?",
    "Agreed at the steering group; please mark ready for review.",
    "Please check this against the national conditions guidance.",
    "We should mention the voluntary sector's part in this.",
    "Thanks, updated with the numbers from the JSNA.",
    "Done, see the new revision.",
];

const RISK_TITLES: [&str; 10] = [
    "Emergency admissions do not fall as planned",
    "Community nursing cannot recruit enough staff",
    "Data sharing agreements are not signed in time",
    "Care home beds are not available for discharges",
    "Voluntary sector partners cannot take on more referrals",
    "IT systems are not ready for seven-day working",
    "Acute providers' income falls faster than costs",
    "Carers' services are overwhelmed by demand",
    "Savings from reablement are smaller than expected",
    "Governance of the pooled budget is unclear",
];

const PROVIDERS: [&str; 6] = [
    "Community health services trust",
    "Acute hospital foundation trust",
    "Council adult social care",
    "Voluntary sector consortium",
    "Home improvement agency",
    "Mental health foundation trust",
];

/// The text of a section or contribution after `revision` saves: its heading and more of its
/// sentences each time, in an order of its own.
fn revision_text(title: &str, order: &[usize], revision: usize) -> String {
    let sentences = (3 + 2 * revision).min(order.len() * 2);
    let mut text = format!("## {title}\n\n");
    for (n, index) in order.iter().cycle().take(sentences).enumerate() {
        text.push_str(SENTENCES[*index]);
        text.push(if n % 4 == 3 { '\n' } else { ' ' });
        if n % 4 == 3 {
            text.push('\n');
        }
    }
    text.trim_end().to_owned()
}

fn shuffled(rng: &mut Rng, n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

/// The authenticator key (20 bytes, in clear) that every seeded account needing two factors
/// shares, for a seed: published, so that load tests can sign in as assurers.
pub fn totp_key(seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ 0x7070_7070);
    (0..20).map(|_| (rng.next_u64() & 0xFF) as u8).collect()
}

/// Loads `options.areas` scale areas (and the national assurers) into the database, adding
/// only what is missing.
pub async fn seed(pool: &PgPool, options: ScaleOptions) -> anyhow::Result<ScaleSummary> {
    if options.areas == 0 || options.areas > MAX_AREAS {
        anyhow::bail!("--areas must be between 1 and {MAX_AREAS}");
    }
    let template_id = plans::list_templates(pool)
        .await?
        .into_iter()
        .find(|template| template.key == TEMPLATE)
        .map(|template| template.id)
        .ok_or_else(|| anyhow::anyhow!("the {TEMPLATE} template is missing"))?;
    // Hashed once: hashing is deliberately slow, and every account has the same password.
    let password_hash = password::hash(SCALE_PASSWORD).await?;
    let secret = TotpSecret::sealed(totp_key(options.seed))?;
    let accounts = Accounts {
        password_hash,
        totp_secret: secret.as_bytes().to_vec(),
    };
    let mut summary = ScaleSummary {
        totp_key: secret.manual_key().replace(' ', ""),
        ..ScaleSummary::default()
    };
    summary.users += seed_assurers(pool, &accounts).await?;
    for index in 0..options.areas {
        match seed_area(pool, &accounts, template_id, options.seed, index).await? {
            Some(added) => {
                summary.areas_added += 1;
                summary.users += added.users;
                summary.revisions += added.revisions;
                summary.risks += added.risks;
                summary.schemes += added.schemes;
            }
            None => summary.areas_skipped += 1,
        }
    }
    Ok(summary)
}

/// The shared credentials of seeded accounts.
struct Accounts {
    password_hash: String,
    /// Sealed with the server key.
    totp_secret: Vec<u8>,
}

/// Accounts to add: email, name, organisation, role, whether two-factor is set up.
#[derive(Default)]
pub(crate) struct NewAccounts {
    pub emails: Vec<String>,
    pub names: Vec<String>,
    pub organisations: Vec<i64>,
    pub roles: Vec<&'static str>,
    pub two_factor: Vec<bool>,
}

impl NewAccounts {
    fn push(&mut self, email: String, name: String, organisation: i64, role: Role) {
        self.emails.push(email);
        self.names.push(name);
        self.organisations.push(organisation);
        self.roles.push(role.key());
        self.two_factor.push(role.requires_two_factor());
    }
}

async fn seed_assurers(pool: &PgPool, accounts: &Accounts) -> anyhow::Result<usize> {
    let mut tx = pool.begin().await?;
    let team = crate::areas::store::ensure_organisation(
        &mut *tx,
        NATIONAL_TEAM,
        crate::areas::OrganisationKind::NhsEngland,
        None,
    )
    .await?;
    let mut new = NewAccounts::default();
    for n in 1..=ASSURERS {
        new.push(
            format!("assurer{n}@{EMAIL_DOMAIN}"),
            format!("National assurer {n}"),
            team.get(),
            Role::Assurer,
        );
    }
    let added = store::insert_users(
        &mut tx,
        &new,
        &accounts.password_hash,
        &accounts.totp_secret,
        STORY_START,
        None,
    )
    .await?;
    let count = added.len();
    tx.commit().await?;
    Ok(count)
}

/// What one area added.
struct AreaAdded {
    users: usize,
    revisions: usize,
    risks: usize,
    schemes: usize,
}

/// A partner of the area: its organisation and its officers' user ids.
struct Partner {
    id: i64,
    officers: Vec<i64>,
}

async fn seed_area(
    pool: &PgPool,
    accounts: &Accounts,
    template_id: TemplateId,
    seed: u64,
    index: usize,
) -> anyhow::Result<Option<AreaAdded>> {
    let mut rng = Rng::for_area(seed, index);
    let name = area_name(index);
    let slug = area_slug(index);
    let mut tx = pool.begin().await?;

    // Organisations: the board, the council and the CCGs.
    let ccgs = ccgs_of(index);
    let mut names = vec![
        format!("{name} Health and Wellbeing Board"),
        format!("{name} Council"),
    ];
    let mut kinds = vec!["hwb", "council"];
    for c in 1..=ccgs {
        names.push(if ccgs == 1 {
            format!("NHS {name} CCG")
        } else {
            format!("NHS {name} {} CCG", ["North", "South"][c - 1])
        });
        kinds.push("ccg");
    }
    let organisations = store::insert_organisations(&mut tx, &names, &kinds).await?;
    let id_of = |name: &str| {
        organisations
            .iter()
            .find(|(_, n)| n == name)
            .map(|(id, _)| *id)
    };
    let (Some(board), Some(council)) = (id_of(&names[0]), id_of(&names[1])) else {
        anyhow::bail!("organisations of {name} were not added");
    };
    let ccg_ids: Vec<i64> = names[2..].iter().filter_map(|n| id_of(n)).collect();
    let region = REGIONS[index % REGIONS.len()];
    let Some(area_id) = store::insert_area(&mut tx, &slug, &name, board, region).await? else {
        // Seeded before: left as it is.
        return Ok(None);
    };
    let mut members = vec![council];
    members.extend(&ccg_ids);
    store::insert_members(&mut tx, area_id, &members).await?;

    // Accounts.
    let mut new = NewAccounts::default();
    let email = |local: String| format!("{slug}.{local}@{EMAIL_DOMAIN}");
    new.push(
        email("lead".into()),
        format!("{name} area lead"),
        council,
        Role::AreaLead,
    );
    new.push(
        email("secretary".into()),
        format!("{name} board secretary"),
        board,
        Role::BoardSecretary,
    );
    new.push(
        email("council.signatory".into()),
        format!("{name} Council chief executive"),
        council,
        Role::Signatory,
    );
    for k in 1..=COUNCIL_OFFICERS {
        new.push(
            email(format!("council.officer{k}")),
            format!("{name} Council officer {k}"),
            council,
            Role::Officer,
        );
    }
    for (c, ccg) in ccg_ids.iter().enumerate() {
        let c = c + 1;
        new.push(
            email(format!("ccg{c}.signatory")),
            format!("{name} CCG {c} accountable officer"),
            *ccg,
            Role::Signatory,
        );
        for k in 1..=CCG_OFFICERS {
            new.push(
                email(format!("ccg{c}.officer{k}")),
                format!("{name} CCG {c} officer {k}"),
                *ccg,
                Role::Officer,
            );
        }
    }
    let users = store::insert_users(
        &mut tx,
        &new,
        &accounts.password_hash,
        &accounts.totp_secret,
        STORY_START,
        Some(area_id),
    )
    .await?;
    let user_of = |email: &str| users.iter().find(|(_, e)| e == email).map(|(id, _)| *id);
    let lead = user_of(&new.emails[0])
        .ok_or_else(|| anyhow::anyhow!("the lead of {name} was not added"))?;
    let officers_of = |organisation: i64| -> Vec<i64> {
        new.emails
            .iter()
            .zip(&new.organisations)
            .zip(&new.roles)
            .filter(|((_, org), role)| **org == organisation && **role == Role::Officer.key())
            .filter_map(|((email, _), _)| user_of(email))
            .collect()
    };
    let partners: Vec<Partner> = members
        .iter()
        .map(|id| Partner {
            id: *id,
            officers: officers_of(*id),
        })
        .collect();
    let mut writers = vec![lead];
    for partner in &partners {
        writers.extend(&partner.officers);
    }

    // The plan and its sections.
    let plan_id = plans::create_plan(
        &mut tx,
        AreaId::new(area_id),
        template_id,
        UserId::new(lead),
        at(&mut rng, 0, 3),
    )
    .await?
    .ok_or_else(|| anyhow::anyhow!("{name} has a plan already"))?;
    let sections = store::plan_sections(&mut tx, plan_id.get()).await?;
    let revisions = seed_sections(&mut tx, &mut rng, &sections, &partners, &writers, lead).await?;

    let structure = plan_structure(&mut *tx, plan_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the {TEMPLATE} plan has no structure"))?;
    let risk_section = sections.iter().find(|s| s.kind == "risks").map(|s| s.id);
    let risks = seed_risks(&mut tx, &mut rng, area_id, &partners, lead, risk_section).await?;
    let schemes = seed_parts(
        &mut tx,
        &mut rng,
        plan_id.get(),
        &structure,
        &partners,
        lead,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(AreaAdded {
        users: users.len(),
        revisions,
        risks,
        schemes,
    }))
}

/// Revisions of every section (and of each partner's part of per-partner sections), the
/// sections' current text and status, and comment threads. Returns the revisions added.
async fn seed_sections(
    tx: &mut sqlx::PgConnection,
    rng: &mut Rng,
    sections: &[store::PlanSection],
    partners: &[Partner],
    writers: &[i64],
    lead: i64,
) -> anyhow::Result<usize> {
    let mut revisions = store::RevisionRows::default();
    let mut current = store::SectionRows::default();
    let mut contributions = store::ContributionRows::default();
    let mut threads = store::CommentRows::default();
    for section in sections {
        let count = rng.range(6, 14) as usize;
        let order = shuffled(rng, SENTENCES.len());
        let mut when = at(rng, 0, 10);
        let mut author = lead;
        let mut body = String::new();
        for number in 1..=count {
            body = revision_text(&section.title, &order, number);
            author = *rng.pick(writers);
            when += Duration::hours(rng.range(2, 60));
            revisions.push(section.id, None, number as i32, &body, author, when);
        }
        let status = match rng.range(0, 9) {
            0..=5 => SectionStatus::InProgress,
            6 | 7 => SectionStatus::ReadyForReview,
            _ => SectionStatus::Completed,
        };
        let assigned = if rng.chance(70) {
            Some(rng.pick(partners).id)
        } else {
            None
        };
        current.push(
            section.id,
            &body,
            count as i32,
            status,
            when,
            author,
            assigned,
        );
        if section.per_organisation {
            for partner in partners {
                let writer = partner.officers.first().copied().unwrap_or(lead);
                let order = shuffled(rng, SENTENCES.len());
                let parts = rng.range(2, 6) as usize;
                let mut when = at(rng, 5, 20);
                let mut text = String::new();
                for number in 1..=parts {
                    text = revision_text("Our part", &order, number);
                    when += Duration::hours(rng.range(3, 70));
                    revisions.push(
                        section.id,
                        Some(partner.id),
                        number as i32,
                        &text,
                        writer,
                        when,
                    );
                }
                contributions.push(section.id, partner.id, &text, parts as i32, when, writer);
            }
        }
        for thread in 0..rng.range(2, 4) {
            let opened = at(rng, 10, 60) + Duration::seconds(thread);
            let resolved = rng.chance(40);
            threads.push(
                section.id,
                *rng.pick(writers),
                rng.pick::<&str>(&COMMENTS),
                opened,
                resolved.then_some((lead, opened + Duration::days(3))),
                rng.range(0, 3) as usize,
            );
        }
    }
    store::insert_revisions(tx, &revisions).await?;
    store::update_sections(tx, &current).await?;
    store::insert_contributions(tx, &contributions).await?;
    let opened = store::insert_threads(tx, &threads).await?;
    let mut replies = store::ReplyRows::default();
    let by_key: HashMap<(i64, OffsetDateTime), i64> = opened
        .into_iter()
        .map(|(id, section, at)| ((section, at), id))
        .collect();
    for n in 0..threads.sections.len() {
        let Some(thread_id) = by_key.get(&(threads.sections[n], threads.created[n])) else {
            continue;
        };
        for reply in 0..threads.replies[n] {
            replies.push(
                threads.sections[n],
                *thread_id,
                *rng.pick(writers),
                rng.pick::<&str>(&COMMENTS),
                threads.created[n] + Duration::hours(4 * (reply as i64 + 1)),
            );
        }
    }
    store::insert_replies(tx, &replies).await?;
    Ok(revisions.len())
}

/// About 40 risks with one to four versions each; some cited by the plan's risks section.
async fn seed_risks(
    tx: &mut sqlx::PgConnection,
    rng: &mut Rng,
    area_id: i64,
    partners: &[Partner],
    lead: i64,
    risk_section: Option<i64>,
) -> anyhow::Result<usize> {
    let area = AreaId::new(area_id);
    let (matrix_id, matrix) =
        risks::ensure_matrix(tx, area, STORY_START, UserId::new(lead)).await?;
    let partner_ids: Vec<OrganisationId> =
        partners.iter().map(|p| OrganisationId::new(p.id)).collect();
    let count = rng.range(36, 44) as usize;
    let mut versions = store::RiskVersionRows::default();
    let mut numbers = Vec::with_capacity(count);
    let mut latest = Vec::with_capacity(count);
    for number in 1..=count {
        let raised_on: Date = (STORY_START + Duration::days(rng.range(0, 90))).date();
        let owner = rng.pick(partners);
        let mut fields: Vec<(String, String)> = vec![
            ("title", format!("{} ({number})", rng.pick(&RISK_TITLES))),
            ("cause", rng.pick(&SENTENCES).to_string()),
            ("event", rng.pick(&SENTENCES).to_string()),
            ("effect", rng.pick(&SENTENCES).to_string()),
            ("category", rng.pick(&Category::ALL).key().to_owned()),
            ("owner_organisation", owner.id.to_string()),
            ("owner_person", "Programme manager".to_owned()),
            ("raised", iso(raised_on)),
            ("likelihood", rng.range(1, 5).to_string()),
            ("impact", rng.range(1, 5).to_string()),
            ("controls", rng.pick(&SENTENCES).to_string()),
            ("residual_likelihood", rng.range(1, 3).to_string()),
            ("residual_impact", rng.range(1, 3).to_string()),
            (
                "review",
                iso(raised_on + Duration::days(rng.range(30, 120))),
            ),
            ("status", "open".to_owned()),
            ("action_1_description", rng.pick(&SENTENCES).to_string()),
            ("action_1_owner", "Finance lead".to_owned()),
            (
                "action_1_due",
                iso(raised_on + Duration::days(rng.range(10, 90))),
            ),
            ("exposure", (rng.range(50, 5_000) * 1_000).to_string()),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        let history = rng.range(1, 4) as i32;
        let mut when = raised_on.with_hms(10, 0, 0)?.assume_utc();
        for version in 1..=history {
            if version > 1 {
                when += Duration::days(rng.range(7, 40));
                set(&mut fields, "likelihood", rng.range(1, 5).to_string());
                set(&mut fields, "review", iso(when.date() + Duration::days(30)));
                if version == history && rng.chance(15) {
                    set(&mut fields, "status", "closed".to_owned());
                    set(
                        &mut fields,
                        "closure_reason",
                        "Controls now in place".to_owned(),
                    );
                } else {
                    set(&mut fields, "action_1_done", "yes".to_owned());
                }
            }
            let content = RiskForm(fields.clone())
                .parse(&matrix, &partner_ids)
                .map_err(|errors| {
                    let messages: Vec<String> = errors
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect();
                    anyhow::anyhow!("scale risk {number}: {}", messages.join("; "))
                })?;
            versions.push(
                number as i32,
                version,
                when,
                lead,
                serde_json::to_string(&content)?,
            );
        }
        numbers.push(number as i32);
        latest.push(history);
    }
    let ids = store::insert_risks(tx, area_id, &numbers, &latest).await?;
    store::insert_risk_versions(tx, &ids, matrix_id.get(), &versions).await?;
    if let Some(section) = risk_section {
        let cited: Vec<i64> = ids
            .iter()
            .filter(|(_, number)| number % 5 == 1)
            .map(|(id, _)| *id)
            .collect();
        store::link_risks(tx, &cited, section, STORY_START + Duration::days(95), lead).await?;
    }
    Ok(count)
}

fn set(fields: &mut Vec<(String, String)>, name: &str, value: String) {
    fields.retain(|(field, _)| field != name);
    fields.push((name.to_owned(), value));
}

/// About 100 schemes, funding lines from every partner, the notified minimum of each year and
/// goals for every metric. Returns the schemes added.
async fn seed_parts(
    tx: &mut sqlx::PgConnection,
    rng: &mut Rng,
    plan_id: i64,
    structure: &CycleStructure,
    partners: &[Partner],
    lead: i64,
) -> anyhow::Result<usize> {
    let years: Vec<&str> = structure.years().iter().map(|y| y.key.as_str()).collect();
    let streams: Vec<&str> = structure.streams().iter().map(|s| s.key.as_str()).collect();
    let metric_keys: Vec<&str> = structure.metrics().iter().map(|m| m.key.as_str()).collect();
    if years.is_empty() || streams.is_empty() {
        anyhow::bail!("the {TEMPLATE} structure has no years or streams");
    }
    let when = STORY_START + Duration::days(40);

    let count = rng.range(90, 110) as usize;
    let mut schemes = store::SchemeRows::default();
    for number in 1..=count {
        let scheme_type = *rng.pick(&SchemeType::ALL);
        let mut amounts = Vec::new();
        for year in &years {
            let spend = rng.range(20, 2_000) * 1_000 * 100;
            amounts.push(((*year).to_owned(), spend, spend / rng.range(3, 10)));
        }
        let mut metrics: Vec<String> = Vec::new();
        if !metric_keys.is_empty() {
            for _ in 0..rng.range(0, 2) {
                let key = (*rng.pick(&metric_keys)).to_owned();
                if !metrics.contains(&key) {
                    metrics.push(key);
                }
            }
        }
        schemes.push(store::NewScheme {
            number: number as i32,
            name: format!("{} {number}", scheme_type.label()),
            scheme_type: scheme_type.key(),
            objective: rng.pick(&SENTENCES).to_string(),
            lead: rng.pick(partners).id,
            provider: rng.pick(&PROVIDERS).to_string(),
            source: (*rng.pick(&streams)).to_owned(),
            amounts,
            metrics,
        });
    }
    store::insert_schemes(tx, plan_id, &schemes, when, lead).await?;

    let mut lines = store::FundingRows::default();
    let mut pools: HashMap<&str, i64> = HashMap::new();
    for partner in partners {
        for year in &years {
            for stream in &streams {
                if !rng.chance(40) {
                    continue;
                }
                let amount = rng.range(100, 20_000) * 1_000 * 100;
                *pools.entry(year).or_default() += amount;
                lines.push(partner.id, year, stream, amount);
            }
        }
    }
    store::insert_funding(tx, plan_id, &lines, when, lead).await?;
    let minimum_years: Vec<String> = years.iter().map(|y| (*y).to_owned()).collect();
    let minimums: Vec<i64> = years
        .iter()
        .map(|y| pools.get(y).copied().unwrap_or(0) * 9 / 10)
        .collect();
    store::insert_minimums(
        tx,
        plan_id,
        &minimum_years,
        &minimums,
        when - Duration::days(7),
        lead,
    )
    .await?;

    let mut goals = store::GoalRows::default();
    for metric in structure.metrics() {
        let baseline = rng.range(100, 90_000);
        let periods: Vec<(String, i64)> = metric
            .periods
            .iter()
            .enumerate()
            .map(|(n, period)| {
                (
                    period.key.clone(),
                    baseline - (n as i64 + 1) * rng.range(10, 500),
                )
            })
            .map(|(key, value)| (key, value.max(0)))
            .collect();
        goals.push(&metric.key, baseline, periods);
    }
    store::insert_goals(tx, plan_id, &goals, when, lead).await?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers_and_areas_do_not_depend_on_each_other() {
        let mut a = Rng::for_area(7, 3);
        let mut b = Rng::for_area(7, 3);
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
        let mut other = Rng::for_area(8, 3);
        assert_ne!(first[0], other.next_u64());
        let mut range = Rng::new(1);
        for _ in 0..1000 {
            let n = range.range(6, 14);
            assert!((6..=14).contains(&n));
        }
    }

    #[test]
    fn england_has_152_areas_with_211_ccgs_and_unique_slugs() {
        let ccgs: usize = (0..DEFAULT_AREAS).map(ccgs_of).sum();
        assert_eq!(ccgs, 211);
        assert!((0..DEFAULT_AREAS).all(|i| (1..=2).contains(&ccgs_of(i))));
        let mut slugs: Vec<String> = (0..MAX_AREAS).map(area_slug).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), MAX_AREAS);
        assert!(
            slugs
                .iter()
                .all(|slug| slug != "kent" && slug != "rotherham")
        );
        assert!(
            slugs
                .iter()
                .all(|slug| crate::areas::AreaSlug::parse(slug).is_ok())
        );
        assert_eq!(area_slug(0), "ashbury");
    }

    #[test]
    fn each_revision_of_a_text_is_longer_than_the_one_before() {
        let order: Vec<usize> = (0..SENTENCES.len()).collect();
        let texts: Vec<String> = (1..=12)
            .map(|n| revision_text("Vision", &order, n))
            .collect();
        assert!(texts.windows(2).all(|pair| pair[1].len() > pair[0].len()));
        assert!(texts[0].starts_with("## Vision\n\n"));
        assert!(texts[11].len() < 100_000);
    }

    #[test]
    fn about_three_thousand_accounts_over_england() {
        let per_area: usize = (0..DEFAULT_AREAS)
            .map(|i| 3 + COUNCIL_OFFICERS + ccgs_of(i) * (1 + CCG_OFFICERS))
            .sum();
        assert!(
            (2_800..=3_200).contains(&(per_area + ASSURERS)),
            "{per_area}"
        );
    }
}
