//! The scale seed's SQL: each table of an area filled by one statement over arrays
//! (`INSERT … SELECT … FROM unnest(…)`), so an area costs a fixed couple of dozen statements
//! however many rows it has.

use sqlx::PgConnection;
use time::OffsetDateTime;

use super::NewAccounts;
use crate::plans::section::SectionStatus;

/// Adds the organisations that are missing; returns the id and name of each of `names`.
pub async fn insert_organisations(
    tx: &mut PgConnection,
    names: &[String],
    kinds: &[&str],
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query(
        "INSERT INTO organisations (name, kind)
         SELECT name, kind::organisation_kind FROM unnest($1::text[], $2::text[]) AS t (name, kind)
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(names)
    .bind(kinds)
    .execute(&mut *tx)
    .await?;
    sqlx::query_as("SELECT id, name FROM organisations WHERE name = ANY($1) LIMIT 100")
        .bind(names)
        .fetch_all(&mut *tx)
        .await
}

/// Adds the area; `None` when an area with the slug exists already.
pub async fn insert_area(
    tx: &mut PgConnection,
    slug: &str,
    name: &str,
    board_id: i64,
    region: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO areas (slug, name, board_id, region) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(slug)
    .bind(name)
    .bind(board_id)
    .bind(region)
    .fetch_optional(&mut *tx)
    .await
}

pub async fn insert_members(
    tx: &mut PgConnection,
    area_id: i64,
    organisations: &[i64],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO area_members (area_id, organisation_id, signs_plan)
         SELECT $1, organisation_id, true FROM unnest($2::bigint[]) AS t (organisation_id)
         ON CONFLICT DO NOTHING",
    )
    .bind(area_id)
    .bind(organisations)
    .execute(&mut *tx)
    .await
    .map(drop)
}

/// Adds the accounts whose email is not taken, each with its role (in `area_id`, or across
/// all areas), every one with the same password hash, and those that need two factors with
/// the same sealed authenticator key, enrolled at `enrolled`. Returns the ids and emails added.
pub async fn insert_users(
    tx: &mut PgConnection,
    accounts: &NewAccounts,
    password_hash: &str,
    totp_secret: &[u8],
    enrolled: OffsetDateTime,
    area_id: Option<i64>,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let added: Vec<(i64, String)> = sqlx::query_as(
        "INSERT INTO users (email, display_name, organisation_id, password_hash,
                            totp_secret, totp_enabled_at)
         SELECT t.email, t.name, t.organisation_id, $4,
                CASE WHEN t.two_factor THEN $6::bytea END,
                CASE WHEN t.two_factor THEN $7::timestamptz END
         FROM unnest($1::text[], $2::text[], $3::bigint[], $5::bool[])
              AS t (email, name, organisation_id, two_factor)
         WHERE NOT EXISTS (SELECT 1 FROM users u WHERE email_key(u.email) = email_key(t.email))
         RETURNING id, email",
    )
    .bind(&accounts.emails)
    .bind(&accounts.names)
    .bind(&accounts.organisations)
    .bind(password_hash)
    .bind(&accounts.two_factor)
    .bind(totp_secret)
    .bind(enrolled)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO grants (user_id, role, area_id)
         SELECT u.id, t.role::grant_role, $3
         FROM unnest($1::text[], $2::text[]) AS t (email, role)
         JOIN users u ON email_key(u.email) = email_key(t.email)
         ON CONFLICT DO NOTHING",
    )
    .bind(&accounts.emails)
    .bind(&accounts.roles)
    .bind(area_id)
    .execute(&mut *tx)
    .await?;
    Ok(added)
}

/// A section of a new plan.
#[derive(sqlx::FromRow)]
pub struct PlanSection {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub per_organisation: bool,
}

pub async fn plan_sections(
    tx: &mut PgConnection,
    plan_id: i64,
) -> Result<Vec<PlanSection>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, ts.title, ts.kind::text AS kind, ts.per_organisation
         FROM plan_sections s JOIN template_sections ts ON ts.id = s.template_section_id
         WHERE s.plan_id = $1 ORDER BY ts.position LIMIT 1000",
    )
    .bind(plan_id)
    .fetch_all(&mut *tx)
    .await
}

/// Revisions of sections (`organisation` 0) and of partners' contributions.
#[derive(Default)]
pub struct RevisionRows {
    sections: Vec<i64>,
    organisations: Vec<i64>,
    numbers: Vec<i32>,
    bodies: Vec<String>,
    authors: Vec<i64>,
    created: Vec<OffsetDateTime>,
}

impl RevisionRows {
    pub fn push(
        &mut self,
        section: i64,
        organisation: Option<i64>,
        number: i32,
        body: &str,
        author: i64,
        at: OffsetDateTime,
    ) {
        self.sections.push(section);
        self.organisations.push(organisation.unwrap_or(0));
        self.numbers.push(number);
        self.bodies.push(body.to_owned());
        self.authors.push(author);
        self.created.push(at);
    }

    pub fn len(&self) -> usize {
        self.sections.len()
    }
}

pub async fn insert_revisions(
    tx: &mut PgConnection,
    rows: &RevisionRows,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO revisions (plan_section_id, organisation_id, number, body, author_id, created_at)
         SELECT section, NULLIF(organisation, 0), number, body, author, created
         FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[], $5::bigint[], $6::timestamptz[])
              AS t (section, organisation, number, body, author, created)",
    )
    .bind(&rows.sections)
    .bind(&rows.organisations)
    .bind(&rows.numbers)
    .bind(&rows.bodies)
    .bind(&rows.authors)
    .bind(&rows.created)
    .execute(&mut *tx)
    .await
    .map(drop)
}

/// Sections as the last revision left them.
#[derive(Default)]
pub struct SectionRows {
    ids: Vec<i64>,
    bodies: Vec<String>,
    versions: Vec<i32>,
    statuses: Vec<&'static str>,
    updated: Vec<OffsetDateTime>,
    updated_by: Vec<i64>,
    assigned: Vec<i64>,
}

impl SectionRows {
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        id: i64,
        body: &str,
        version: i32,
        status: SectionStatus,
        at: OffsetDateTime,
        by: i64,
        assigned: Option<i64>,
    ) {
        self.ids.push(id);
        self.bodies.push(body.to_owned());
        self.versions.push(version);
        self.statuses.push(status.key());
        self.updated.push(at);
        self.updated_by.push(by);
        self.assigned.push(assigned.unwrap_or(0));
    }
}

pub async fn update_sections(tx: &mut PgConnection, rows: &SectionRows) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE plan_sections s
         SET body = t.body, version = t.version, status = t.status::section_status,
             updated_at = t.updated, updated_by = t.by,
             assigned_organisation_id = NULLIF(t.assigned, 0)
         FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::timestamptz[],
                     $6::bigint[], $7::bigint[])
              AS t (id, body, version, status, updated, by, assigned)
         WHERE s.id = t.id",
    )
    .bind(&rows.ids)
    .bind(&rows.bodies)
    .bind(&rows.versions)
    .bind(&rows.statuses)
    .bind(&rows.updated)
    .bind(&rows.updated_by)
    .bind(&rows.assigned)
    .execute(&mut *tx)
    .await
    .map(drop)
}

/// Partners' contributions as their last revision left them.
#[derive(Default)]
pub struct ContributionRows {
    sections: Vec<i64>,
    organisations: Vec<i64>,
    bodies: Vec<String>,
    versions: Vec<i32>,
    updated: Vec<OffsetDateTime>,
    updated_by: Vec<i64>,
}

impl ContributionRows {
    pub fn push(
        &mut self,
        section: i64,
        organisation: i64,
        body: &str,
        version: i32,
        at: OffsetDateTime,
        by: i64,
    ) {
        self.sections.push(section);
        self.organisations.push(organisation);
        self.bodies.push(body.to_owned());
        self.versions.push(version);
        self.updated.push(at);
        self.updated_by.push(by);
    }
}

pub async fn insert_contributions(
    tx: &mut PgConnection,
    rows: &ContributionRows,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO contributions (plan_section_id, organisation_id, body, version, updated_at, updated_by)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::int[],
                              $5::timestamptz[], $6::bigint[])",
    )
    .bind(&rows.sections)
    .bind(&rows.organisations)
    .bind(&rows.bodies)
    .bind(&rows.versions)
    .bind(&rows.updated)
    .bind(&rows.updated_by)
    .execute(&mut *tx)
    .await
    .map(drop)
}

/// First comments of threads (each at a time of its own within its section), with the number
/// of replies each is to get.
#[derive(Default)]
pub struct CommentRows {
    pub sections: Vec<i64>,
    authors: Vec<i64>,
    bodies: Vec<String>,
    pub created: Vec<OffsetDateTime>,
    resolved: Vec<bool>,
    resolved_by: Vec<i64>,
    resolved_at: Vec<OffsetDateTime>,
    pub replies: Vec<usize>,
}

impl CommentRows {
    pub fn push(
        &mut self,
        section: i64,
        author: i64,
        body: &str,
        at: OffsetDateTime,
        resolved: Option<(i64, OffsetDateTime)>,
        replies: usize,
    ) {
        self.sections.push(section);
        self.authors.push(author);
        self.bodies.push(body.to_owned());
        self.created.push(at);
        self.resolved.push(resolved.is_some());
        self.resolved_by.push(resolved.map_or(author, |(by, _)| by));
        self.resolved_at.push(resolved.map_or(at, |(_, when)| when));
        self.replies.push(replies);
    }
}

/// Adds the threads; returns each one's id, section and time.
pub async fn insert_threads(
    tx: &mut PgConnection,
    rows: &CommentRows,
) -> Result<Vec<(i64, i64, OffsetDateTime)>, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO comments (plan_section_id, author_id, body, created_at, resolved_at, resolved_by)
         SELECT section, author, body, created,
                CASE WHEN resolved THEN resolved_at END, CASE WHEN resolved THEN resolved_by END
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[], $5::bool[],
                     $6::bigint[], $7::timestamptz[])
              AS t (section, author, body, created, resolved, resolved_by, resolved_at)
         RETURNING id, plan_section_id, created_at",
    )
    .bind(&rows.sections)
    .bind(&rows.authors)
    .bind(&rows.bodies)
    .bind(&rows.created)
    .bind(&rows.resolved)
    .bind(&rows.resolved_by)
    .bind(&rows.resolved_at)
    .fetch_all(&mut *tx)
    .await
}

/// Replies to threads.
#[derive(Default)]
pub struct ReplyRows {
    sections: Vec<i64>,
    threads: Vec<i64>,
    authors: Vec<i64>,
    bodies: Vec<String>,
    created: Vec<OffsetDateTime>,
}

impl ReplyRows {
    pub fn push(&mut self, section: i64, thread: i64, author: i64, body: &str, at: OffsetDateTime) {
        self.sections.push(section);
        self.threads.push(thread);
        self.authors.push(author);
        self.bodies.push(body.to_owned());
        self.created.push(at);
    }
}

pub async fn insert_replies(tx: &mut PgConnection, rows: &ReplyRows) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO comments (plan_section_id, thread_id, author_id, body, created_at)
         SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::timestamptz[])",
    )
    .bind(&rows.sections)
    .bind(&rows.threads)
    .bind(&rows.authors)
    .bind(&rows.bodies)
    .bind(&rows.created)
    .execute(&mut *tx)
    .await
    .map(drop)
}

/// Adds the area's risks at their latest version; returns each one's id and number.
pub async fn insert_risks(
    tx: &mut PgConnection,
    area_id: i64,
    numbers: &[i32],
    versions: &[i32],
) -> Result<Vec<(i64, i32)>, sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO risks (area_id, number, version)
         SELECT $1, number, version FROM unnest($2::int[], $3::int[]) AS t (number, version)
         RETURNING id, number",
    )
    .bind(area_id)
    .bind(numbers)
    .bind(versions)
    .fetch_all(&mut *tx)
    .await
}

/// Every version of every risk, by risk number, as JSON (`RiskContent`).
#[derive(Default)]
pub struct RiskVersionRows {
    numbers: Vec<i32>,
    versions: Vec<i32>,
    recorded: Vec<OffsetDateTime>,
    by: Vec<i64>,
    contents: Vec<String>,
}

impl RiskVersionRows {
    pub fn push(
        &mut self,
        number: i32,
        version: i32,
        at: OffsetDateTime,
        by: i64,
        content: String,
    ) {
        self.numbers.push(number);
        self.versions.push(version);
        self.recorded.push(at);
        self.by.push(by);
        self.contents.push(content);
    }
}

pub async fn insert_risk_versions(
    tx: &mut PgConnection,
    risks: &[(i64, i32)],
    matrix_id: i64,
    rows: &RiskVersionRows,
) -> Result<(), sqlx::Error> {
    let (ids, numbers): (Vec<i64>, Vec<i32>) = risks.iter().copied().unzip();
    sqlx::query(
        "INSERT INTO risk_versions (risk_id, version, recorded_at, recorded_by, matrix_id, content)
         SELECT r.id, t.version, t.recorded, t.by, $8, t.content::jsonb
         FROM unnest($1::int[], $2::int[], $3::timestamptz[], $4::bigint[], $5::text[])
              AS t (number, version, recorded, by, content)
         JOIN unnest($6::bigint[], $7::int[]) AS r (id, number) ON r.number = t.number",
    )
    .bind(&rows.numbers)
    .bind(&rows.versions)
    .bind(&rows.recorded)
    .bind(&rows.by)
    .bind(&rows.contents)
    .bind(&ids)
    .bind(&numbers)
    .bind(matrix_id)
    .execute(&mut *tx)
    .await
    .map(drop)
}

pub async fn link_risks(
    tx: &mut PgConnection,
    risk_ids: &[i64],
    section_id: i64,
    at: OffsetDateTime,
    by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO risk_section_links (risk_id, plan_section_id, linked_at, linked_by)
         SELECT risk_id, $2, $3, $4 FROM unnest($1::bigint[]) AS t (risk_id)
         ON CONFLICT DO NOTHING",
    )
    .bind(risk_ids)
    .bind(section_id)
    .bind(at)
    .bind(by)
    .execute(&mut *tx)
    .await
    .map(drop)
}

/// A scheme to add, with its spend per year (pence) and the metrics it moves.
pub struct NewScheme {
    pub number: i32,
    pub name: String,
    pub scheme_type: &'static str,
    pub objective: String,
    pub lead: i64,
    pub provider: String,
    pub source: String,
    /// (year key, spend, benefit).
    pub amounts: Vec<(String, i64, i64)>,
    pub metrics: Vec<String>,
}

#[derive(Default)]
pub struct SchemeRows(Vec<NewScheme>);

impl SchemeRows {
    pub fn push(&mut self, scheme: NewScheme) {
        self.0.push(scheme);
    }
}

/// Adds the plan's schemes, their amounts and metrics, and numbers them on from the last.
pub async fn insert_schemes(
    tx: &mut PgConnection,
    plan_id: i64,
    rows: &SchemeRows,
    at: OffsetDateTime,
    by: i64,
) -> Result<(), sqlx::Error> {
    let schemes = &rows.0;
    let column = |f: fn(&NewScheme) -> String| schemes.iter().map(f).collect::<Vec<String>>();
    let numbers: Vec<i32> = schemes.iter().map(|s| s.number).collect();
    let leads: Vec<i64> = schemes.iter().map(|s| s.lead).collect();
    sqlx::query(
        "INSERT INTO schemes (plan_id, number, name, scheme_type, objective, lead_commissioner_id,
                              provider, funding_source, version, created_at, created_by,
                              updated_at, updated_by)
         SELECT $1, number, name, scheme_type, objective, lead, provider, source, 1, $9, $10, $9, $10
         FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[],
                     $8::text[])
              AS t (number, name, scheme_type, objective, lead, provider, source)",
    )
    .bind(plan_id)
    .bind(&numbers)
    .bind(column(|s| s.name.clone()))
    .bind(column(|s| s.scheme_type.to_owned()))
    .bind(column(|s| s.objective.clone()))
    .bind(&leads)
    .bind(column(|s| s.provider.clone()))
    .bind(column(|s| s.source.clone()))
    .bind(at)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    let (mut amount_numbers, mut years, mut spends, mut benefits) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut metric_numbers, mut metrics) = (Vec::new(), Vec::new());
    for scheme in schemes {
        for (year, spend, benefit) in &scheme.amounts {
            amount_numbers.push(scheme.number);
            years.push(year.clone());
            spends.push(*spend);
            benefits.push(*benefit);
        }
        for metric in &scheme.metrics {
            metric_numbers.push(scheme.number);
            metrics.push(metric.clone());
        }
    }
    sqlx::query(
        "INSERT INTO scheme_amounts (scheme_id, year_key, spend, benefit)
         SELECT s.id, t.year, t.spend, t.benefit
         FROM unnest($2::int[], $3::text[], $4::bigint[], $5::bigint[]) AS t (number, year, spend, benefit)
         JOIN schemes s ON s.plan_id = $1 AND s.number = t.number",
    )
    .bind(plan_id)
    .bind(&amount_numbers)
    .bind(&years)
    .bind(&spends)
    .bind(&benefits)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO scheme_metrics (scheme_id, metric_key)
         SELECT s.id, t.metric FROM unnest($2::int[], $3::text[]) AS t (number, metric)
         JOIN schemes s ON s.plan_id = $1 AND s.number = t.number",
    )
    .bind(plan_id)
    .bind(&metric_numbers)
    .bind(&metrics)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO scheme_numbers (plan_id, last_number) VALUES ($1, $2)
         ON CONFLICT (plan_id) DO UPDATE SET last_number = GREATEST(scheme_numbers.last_number, $2)",
    )
    .bind(plan_id)
    .bind(numbers.iter().copied().max().unwrap_or(1))
    .execute(&mut *tx)
    .await
    .map(drop)
}

/// Funding lines: organisation, year, stream, amount in pence.
#[derive(Default)]
pub struct FundingRows {
    organisations: Vec<i64>,
    years: Vec<String>,
    streams: Vec<String>,
    amounts: Vec<i64>,
}

impl FundingRows {
    pub fn push(&mut self, organisation: i64, year: &str, stream: &str, amount: i64) {
        self.organisations.push(organisation);
        self.years.push(year.to_owned());
        self.streams.push(stream.to_owned());
        self.amounts.push(amount);
    }
}

pub async fn insert_funding(
    tx: &mut PgConnection,
    plan_id: i64,
    rows: &FundingRows,
    at: OffsetDateTime,
    by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO funding_lines (plan_id, organisation_id, year_key, stream_key, amount, version,
                                    updated_at, updated_by)
         SELECT $1, organisation, year, stream, amount, 1, $6, $7
         FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[])
              AS t (organisation, year, stream, amount)
         ON CONFLICT DO NOTHING",
    )
    .bind(plan_id)
    .bind(&rows.organisations)
    .bind(&rows.years)
    .bind(&rows.streams)
    .bind(&rows.amounts)
    .bind(at)
    .bind(by)
    .execute(&mut *tx)
    .await
    .map(drop)
}

pub async fn insert_minimums(
    tx: &mut PgConnection,
    plan_id: i64,
    years: &[String],
    amounts: &[i64],
    at: OffsetDateTime,
    by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notified_minimums (plan_id, year_key, amount, set_at, set_by)
         SELECT $1, year, amount, $4, $5 FROM unnest($2::text[], $3::bigint[]) AS t (year, amount)
         ON CONFLICT DO NOTHING",
    )
    .bind(plan_id)
    .bind(years)
    .bind(amounts)
    .bind(at)
    .bind(by)
    .execute(&mut *tx)
    .await
    .map(drop)
}

/// Each metric's baseline (hundredths) and goals per period (hundredths).
#[derive(Default)]
pub struct GoalRows {
    metrics: Vec<String>,
    baselines: Vec<i64>,
    goal_metrics: Vec<String>,
    periods: Vec<String>,
    values: Vec<i64>,
}

impl GoalRows {
    pub fn push(&mut self, metric: &str, baseline: i64, goals: Vec<(String, i64)>) {
        self.metrics.push(metric.to_owned());
        self.baselines.push(baseline);
        for (period, value) in goals {
            self.goal_metrics.push(metric.to_owned());
            self.periods.push(period);
            self.values.push(value);
        }
    }
}

pub async fn insert_goals(
    tx: &mut PgConnection,
    plan_id: i64,
    rows: &GoalRows,
    at: OffsetDateTime,
    by: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO metric_goal_sets (plan_id, metric_key, baseline_value, baseline_period,
                                       rationale, created_at, created_by)
         SELECT $1, metric, baseline, '2012-13 outturn', 'Agreed by the board.', $4, $5
         FROM unnest($2::text[], $3::bigint[]) AS t (metric, baseline)
         ON CONFLICT DO NOTHING",
    )
    .bind(plan_id)
    .bind(&rows.metrics)
    .bind(&rows.baselines)
    .bind(at)
    .bind(by)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO metric_goals (goal_set_id, period_key, value)
         SELECT g.id, t.period, t.value
         FROM unnest($2::text[], $3::text[], $4::bigint[]) AS t (metric, period, value)
         JOIN metric_goal_sets g ON g.plan_id = $1 AND g.metric_key = t.metric AND g.based_on IS NULL",
    )
    .bind(plan_id)
    .bind(&rows.goal_metrics)
    .bind(&rows.periods)
    .bind(&rows.values)
    .execute(&mut *tx)
    .await
    .map(drop)
}
