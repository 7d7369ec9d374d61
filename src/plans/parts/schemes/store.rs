//! SQL for the plan's schemes: adding one with the plan's next number, changing one under
//! optimistic locking, removing one, reading one, the list a page at a time with its totals,
//! and the totals the checks compare with the funding.

use sqlx::{AssertSqlSafe, PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::{Filter, PAGE_SIZE, SchemeContent, SchemeId, SchemeType, Sort, YearAmount};
use crate::areas::OrganisationId;
use crate::auth::UserId;
use crate::plans::PlanId;
use crate::risks::RiskId;
use crate::web::money::Pence;

/// Spend on the plan's schemes in one year from one funding source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemeSpend {
    pub year_key: String,
    pub stream_key: String,
    pub spend: Pence,
}

/// Each scheme's spend per year (`year_key`, `spend`), as a subquery `LATERAL` to `schemes s`:
/// the amounts of a plan's schemes read by probing `scheme_amounts`' key once per scheme.
/// Joined plainly, the planner hashes a scan of every plan's amounts instead (at the default
/// `random_page_cost`: 6.5 ms for a plan at national scale, against 0.8 ms probing), and a
/// subquery without its own grouping would be flattened back into that join.
macro_rules! spend_of_scheme {
    () => {
        "SELECT a.year_key, sum(a.spend) AS spend FROM scheme_amounts a
         WHERE a.scheme_id = s.id GROUP BY a.year_key"
    };
}
pub(crate) use spend_of_scheme;

/// The plan's scheme spend summed per year and funding source (for the checks: the sources
/// must equal the spend), by year then source.
pub async fn spend_totals(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<SchemeSpend>, sqlx::Error> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(concat!(
        "SELECT a.year_key, s.funding_source, sum(a.spend)::bigint
         FROM schemes s CROSS JOIN LATERAL (",
        spend_of_scheme!(),
        ") a
         WHERE s.plan_id = $1
         GROUP BY a.year_key, s.funding_source
         ORDER BY a.year_key, s.funding_source
         LIMIT 10000"
    ))
    .bind(plan_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(year_key, stream_key, spend)| SchemeSpend {
            year_key,
            stream_key,
            spend: Pence::new(spend),
        })
        .collect())
}

/// How many schemes the plan has.
pub async fn count(db: impl PgExecutor<'_>, plan_id: PlanId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM schemes WHERE plan_id = $1")
        .bind(plan_id)
        .fetch_one(db)
        .await
}

/// A scheme as it stands.
#[derive(Clone, Debug)]
pub struct StoredScheme {
    pub id: SchemeId,
    pub number: i32,
    pub version: i32,
    pub content: SchemeContent,
    pub updated_at: OffsetDateTime,
    pub updated_by: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SchemeRow {
    id: SchemeId,
    number: i32,
    version: i32,
    name: String,
    scheme_type: String,
    objective: String,
    lead_commissioner_id: OrganisationId,
    provider: String,
    funding_source: String,
    updated_at: OffsetDateTime,
    updated_by: Option<String>,
    years: Vec<String>,
    spends: Vec<i64>,
    benefits: Vec<i64>,
    metrics: Vec<String>,
    risks: Vec<RiskId>,
}

fn stored(row: SchemeRow) -> Result<StoredScheme, sqlx::Error> {
    let scheme_type = SchemeType::parse(&row.scheme_type).ok_or_else(|| {
        sqlx::Error::Decode(format!("unknown scheme type {:?}", row.scheme_type).into())
    })?;
    let amounts = row
        .years
        .into_iter()
        .zip(row.spends)
        .zip(row.benefits)
        .map(|((year_key, spend), benefit)| YearAmount {
            year_key,
            spend: Pence::new(spend),
            benefit: Pence::new(benefit),
        })
        .collect();
    Ok(StoredScheme {
        id: row.id,
        number: row.number,
        version: row.version,
        content: SchemeContent {
            name: row.name,
            scheme_type,
            objective: row.objective,
            lead_commissioner: row.lead_commissioner_id,
            provider: row.provider,
            funding_source: row.funding_source,
            amounts,
            metrics: row.metrics,
            risks: row.risks,
        },
        updated_at: row.updated_at,
        updated_by: row.updated_by,
    })
}

/// One scheme of the plan, by its number, with its amounts, metrics and risks (one query).
pub async fn find(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    number: i32,
) -> Result<Option<StoredScheme>, sqlx::Error> {
    let row: Option<SchemeRow> = sqlx::query_as(
        "SELECT s.id, s.number, s.version, s.name, s.scheme_type, s.objective,
                s.lead_commissioner_id, s.provider, s.funding_source, s.updated_at,
                u.display_name AS updated_by,
                ARRAY(SELECT a.year_key FROM scheme_amounts a
                      WHERE a.scheme_id = s.id ORDER BY a.year_key) AS years,
                ARRAY(SELECT a.spend FROM scheme_amounts a
                      WHERE a.scheme_id = s.id ORDER BY a.year_key) AS spends,
                ARRAY(SELECT a.benefit FROM scheme_amounts a
                      WHERE a.scheme_id = s.id ORDER BY a.year_key) AS benefits,
                ARRAY(SELECT m.metric_key FROM scheme_metrics m
                      WHERE m.scheme_id = s.id ORDER BY m.metric_key) AS metrics,
                ARRAY(SELECT r.risk_id FROM scheme_risks r
                      WHERE r.scheme_id = s.id ORDER BY r.risk_id) AS risks
         FROM schemes s LEFT JOIN users u ON u.id = s.updated_by
         WHERE s.plan_id = $1 AND s.number = $2",
    )
    .bind(plan_id)
    .bind(number)
    .fetch_optional(db)
    .await?;
    row.map(stored).transpose()
}

/// Adds a scheme with the plan's next number (never one given before, even to a scheme since
/// removed); returns its id and number. Parallel adds each get their own number: the counter
/// row is locked by its update until the transaction ends.
pub async fn create(
    db: &mut PgConnection,
    plan_id: PlanId,
    content: &SchemeContent,
    at: OffsetDateTime,
    by: UserId,
) -> Result<(SchemeId, i32), sqlx::Error> {
    let number: i32 = sqlx::query_scalar(
        "INSERT INTO scheme_numbers (plan_id, last_number) VALUES ($1, 1)
         ON CONFLICT (plan_id) DO UPDATE SET last_number = scheme_numbers.last_number + 1
         RETURNING last_number",
    )
    .bind(plan_id)
    .fetch_one(&mut *db)
    .await?;
    let id: SchemeId = sqlx::query_scalar(
        "INSERT INTO schemes (plan_id, number, name, scheme_type, objective,
                              lead_commissioner_id, provider, funding_source, version,
                              created_at, created_by, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $9, $10)
         RETURNING id",
    )
    .bind(plan_id)
    .bind(number)
    .bind(&content.name)
    .bind(content.scheme_type.key())
    .bind(&content.objective)
    .bind(content.lead_commissioner)
    .bind(&content.provider)
    .bind(&content.funding_source)
    .bind(at)
    .bind(by)
    .fetch_one(&mut *db)
    .await?;
    insert_parts(db, id, content).await?;
    Ok((id, number))
}

/// Adds a scheme as [`create`] does, unless the plan has [`super::MAX_SCHEMES`] already (`None`).
/// The plan's counter row is locked first, so that parallel adds count one after another and
/// never pass the cap together.
pub async fn create_if_room(
    db: &mut PgConnection,
    plan_id: PlanId,
    content: &SchemeContent,
    at: OffsetDateTime,
    by: UserId,
) -> Result<Option<(SchemeId, i32)>, sqlx::Error> {
    // A plan without the row has never had a scheme, so is far from the cap: the first adds
    // then wait for each other on the row's insert in `create`.
    sqlx::query("SELECT 1 FROM scheme_numbers WHERE plan_id = $1 FOR UPDATE")
        .bind(plan_id)
        .execute(&mut *db)
        .await?;
    if !super::room_for_another(count(&mut *db, plan_id).await?) {
        return Ok(None);
    }
    create(db, plan_id, content, at, by).await.map(Some)
}

/// Saves `content` as the scheme's next version, if its version is still `expected` (compare
/// and swap); `None` when someone else saved (or removed it) first.
pub async fn update(
    db: &mut PgConnection,
    id: SchemeId,
    expected: i32,
    content: &SchemeContent,
    at: OffsetDateTime,
    by: UserId,
) -> Result<Option<i32>, sqlx::Error> {
    let version: Option<i32> = sqlx::query_scalar(
        "UPDATE schemes SET name = $3, scheme_type = $4, objective = $5,
                lead_commissioner_id = $6, provider = $7, funding_source = $8,
                version = version + 1, updated_at = $9, updated_by = $10
         WHERE id = $1 AND version = $2
         RETURNING version",
    )
    .bind(id)
    .bind(expected)
    .bind(&content.name)
    .bind(content.scheme_type.key())
    .bind(&content.objective)
    .bind(content.lead_commissioner)
    .bind(&content.provider)
    .bind(&content.funding_source)
    .bind(at)
    .bind(by)
    .fetch_optional(&mut *db)
    .await?;
    let Some(version) = version else {
        return Ok(None);
    };
    for table in ["scheme_amounts", "scheme_metrics", "scheme_risks"] {
        // The table names are these three constants, never input.
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE scheme_id = $1"
        )))
        .bind(id)
        .execute(&mut *db)
        .await?;
    }
    insert_parts(db, id, content).await?;
    Ok(Some(version))
}

/// The scheme's amounts, metrics and risks, each in one statement.
async fn insert_parts(
    db: &mut PgConnection,
    id: SchemeId,
    content: &SchemeContent,
) -> Result<(), sqlx::Error> {
    let years: Vec<&str> = content
        .amounts
        .iter()
        .map(|amount| amount.year_key.as_str())
        .collect();
    let spends: Vec<i64> = content.amounts.iter().map(|a| a.spend.get()).collect();
    let benefits: Vec<i64> = content.amounts.iter().map(|a| a.benefit.get()).collect();
    sqlx::query(
        "INSERT INTO scheme_amounts (scheme_id, year_key, spend, benefit)
         SELECT $1, year_key, spend, benefit
         FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS t (year_key, spend, benefit)",
    )
    .bind(id)
    .bind(&years)
    .bind(&spends)
    .bind(&benefits)
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "INSERT INTO scheme_metrics (scheme_id, metric_key)
         SELECT $1, metric_key FROM unnest($2::text[]) AS t (metric_key)",
    )
    .bind(id)
    .bind(&content.metrics)
    .execute(&mut *db)
    .await?;
    sqlx::query(
        "INSERT INTO scheme_risks (scheme_id, risk_id)
         SELECT $1, risk_id FROM unnest($2::bigint[]) AS t (risk_id)",
    )
    .bind(id)
    .bind(&content.risks)
    .execute(db)
    .await
    .map(drop)
}

/// Removes the scheme, if its version is still `expected`; `false` when someone else saved
/// (or removed it) first.
pub async fn remove(
    db: &mut PgConnection,
    id: SchemeId,
    expected: i32,
) -> Result<bool, sqlx::Error> {
    let removed = sqlx::query("DELETE FROM schemes WHERE id = $1 AND version = $2")
        .bind(id)
        .bind(expected)
        .execute(db)
        .await?;
    Ok(removed.rows_affected() == 1)
}

/// A scheme as the list shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListedScheme {
    pub number: i32,
    pub name: String,
    pub scheme_type: String,
    pub funding_source: String,
    pub lead_commissioner_id: OrganisationId,
    pub provider: String,
    /// Spend by year: `years[i]` and `spends[i]`.
    pub years: Vec<String>,
    pub spends: Vec<i64>,
}

impl ListedScheme {
    pub fn spend(&self, year_key: &str) -> Pence {
        self.years
            .iter()
            .zip(&self.spends)
            .find(|(year, _)| *year == year_key)
            .map_or(Pence::ZERO, |(_, spend)| Pence::new(*spend))
    }
}

/// The filter as SQL over `schemes s`, with its values in $2 (type), $3 (funding source),
/// $4 (lead commissioner) and $5 (a `LIKE` pattern for the name); each NULL for no filter.
macro_rules! filtered {
    () => {
        "($2::text IS NULL OR s.scheme_type = $2)
         AND ($3::text IS NULL OR s.funding_source = $3)
         AND ($4::bigint IS NULL OR s.lead_commissioner_id = $4)
         AND ($5::text IS NULL OR s.name ILIKE $5)"
    };
}

/// Binds `$2`–`$5` of [`filtered!`].
fn bind_filter<'q, O>(
    query: sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments>,
    filter: &'q Filter,
) -> sqlx::query::QueryAs<'q, sqlx::Postgres, O, sqlx::postgres::PgArguments> {
    query
        .bind(filter.scheme_type.map(|t| t.key()))
        .bind(filter.funding_source.as_deref())
        .bind(filter.lead_commissioner)
        .bind(filter.name_pattern())
}

/// One page (from 1) of the plan's schemes that pass `filter`, in `sort` order.
pub async fn list_page(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    filter: &Filter,
    sort: Sort,
    page: i64,
) -> Result<Vec<ListedScheme>, sqlx::Error> {
    // One of three fixed orders, never text from the request.
    let order = match sort {
        Sort::Number => "s.number",
        Sort::Name => "lower(s.name), s.number",
        Sort::Spend => "t.total DESC, s.number",
    };
    let sql = format!(
        concat!(
            "SELECT s.number, s.name, s.scheme_type, s.funding_source, s.lead_commissioner_id,
                    s.provider, t.years, t.spends
             FROM schemes s
             CROSS JOIN LATERAL (
                 SELECT COALESCE(array_agg(a.year_key ORDER BY a.year_key), '{{}}') AS years,
                        COALESCE(array_agg(a.spend ORDER BY a.year_key), '{{}}') AS spends,
                        COALESCE(sum(a.spend), 0) AS total
                 FROM scheme_amounts a WHERE a.scheme_id = s.id) t
             WHERE s.plan_id = $1 AND ",
            filtered!(),
            " ORDER BY {order} LIMIT $6 OFFSET $7"
        ),
        order = order
    );
    // The order is one of the three above, so the text is fixed but for it.
    bind_filter(sqlx::query_as(AssertSqlSafe(sql)).bind(plan_id), filter)
        .bind(PAGE_SIZE)
        .bind((page.max(1) - 1) * PAGE_SIZE)
        .fetch_all(db)
        .await
}

/// The list's totals: schemes and spend per year, for the whole plan and for the filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListTotals {
    pub schemes: i64,
    pub schemes_filtered: i64,
    /// (year key, all schemes' spend, the filtered schemes' spend), by year key.
    pub per_year: Vec<(String, Pence, Pence)>,
}

/// The plan's totals, overall and for `filter` (two queries, whatever the number of schemes).
pub async fn totals(
    db: &sqlx::PgPool,
    plan_id: PlanId,
    filter: &Filter,
) -> Result<ListTotals, sqlx::Error> {
    let (schemes, schemes_filtered): (i64, i64) = bind_filter(
        sqlx::query_as(concat!(
            "SELECT count(*), count(*) FILTER (WHERE ",
            filtered!(),
            ") FROM schemes s WHERE s.plan_id = $1"
        ))
        .bind(plan_id),
        filter,
    )
    .fetch_one(db)
    .await?;
    let rows: Vec<(String, i64, i64)> = bind_filter(
        sqlx::query_as(concat!(
            "SELECT a.year_key, COALESCE(sum(a.spend), 0)::bigint,
                    COALESCE(sum(a.spend) FILTER (WHERE ",
            filtered!(),
            "), 0)::bigint
             FROM schemes s CROSS JOIN LATERAL (",
            spend_of_scheme!(),
            ") a
             WHERE s.plan_id = $1
             GROUP BY a.year_key ORDER BY a.year_key LIMIT 1000"
        ))
        .bind(plan_id),
        filter,
    )
    .fetch_all(db)
    .await?;
    Ok(ListTotals {
        schemes,
        schemes_filtered,
        per_year: rows
            .into_iter()
            .map(|(year, all, filtered)| (year, Pence::new(all), Pence::new(filtered)))
            .collect(),
    })
}

/// The last number the plan has given a scheme (0: none yet). It moves with every scheme added
/// and never back, so an unchanged number means no scheme has been added meanwhile.
pub async fn last_number(db: impl PgExecutor<'_>, plan_id: PlanId) -> Result<i32, sqlx::Error> {
    let last: Option<i32> =
        sqlx::query_scalar("SELECT last_number FROM scheme_numbers WHERE plan_id = $1")
            .bind(plan_id)
            .fetch_optional(db)
            .await?;
    Ok(last.unwrap_or(0))
}

/// A scheme as the plan's document holds it: names rather than ids (the lead commissioner's
/// name, the linked risks' numbers), nothing about who saved it when.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SchemeText {
    pub number: i32,
    pub name: String,
    pub scheme_type: String,
    pub objective: String,
    pub lead_commissioner: String,
    pub provider: String,
    pub funding_source: String,
    pub years: Vec<String>,
    pub spends: Vec<i64>,
    pub benefits: Vec<i64>,
    pub metrics: Vec<String>,
    pub risk_numbers: Vec<i32>,
}

/// Every scheme of the plan by number, for its document: one query.
pub async fn scheme_texts(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<SchemeText>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.number, s.name, s.scheme_type, s.objective, o.name AS lead_commissioner,
                s.provider, s.funding_source,
                ARRAY(SELECT a.year_key FROM scheme_amounts a
                      WHERE a.scheme_id = s.id ORDER BY a.year_key) AS years,
                ARRAY(SELECT a.spend FROM scheme_amounts a
                      WHERE a.scheme_id = s.id ORDER BY a.year_key) AS spends,
                ARRAY(SELECT a.benefit FROM scheme_amounts a
                      WHERE a.scheme_id = s.id ORDER BY a.year_key) AS benefits,
                ARRAY(SELECT m.metric_key FROM scheme_metrics m
                      WHERE m.scheme_id = s.id ORDER BY m.metric_key) AS metrics,
                ARRAY(SELECT r.number FROM scheme_risks l JOIN risks r ON r.id = l.risk_id
                      WHERE l.scheme_id = s.id ORDER BY r.number) AS risk_numbers
         FROM schemes s JOIN organisations o ON o.id = s.lead_commissioner_id
         WHERE s.plan_id = $1 ORDER BY s.number LIMIT $2",
    )
    .bind(plan_id)
    .bind(super::MAX_SCHEMES)
    .fetch_all(db)
    .await
}

/// The spend on the schemes of each year of the plans made from the template `template_key`
/// of the areas `area_ids`, as (area id, year key, spend), by area then year. One query however
/// many areas (the national view).
pub async fn spend_of_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
    template_key: &str,
) -> Result<Vec<(i64, String, Pence)>, sqlx::Error> {
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT p.area_id, a.year_key, sum(a.spend)::bigint
         FROM plans p
         JOIN templates t ON t.id = p.template_id
         JOIN schemes s ON s.plan_id = p.id
         JOIN scheme_amounts a ON a.scheme_id = s.id
         WHERE p.area_id = ANY($1) AND t.key = $2
         GROUP BY p.area_id, a.year_key
         ORDER BY p.area_id, a.year_key
         LIMIT 10000",
    )
    .bind(area_ids)
    .bind(template_key)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(area_id, year_key, spend)| (area_id, year_key, Pence::new(spend)))
        .collect())
}
