//! SQL for organisations, areas and area membership: the one place these tables are written.
//! Every list is bounded.

use sqlx::{FromRow, PgExecutor};

use super::{
    AreaId, AreaName, AreaSlug, OdsCode, OrganisationId, OrganisationKind, OrganisationName,
};
use crate::audit::store::area_change_stamp;

/// Returns the id of the organisation called `name`, adding it if there is none. An existing
/// organisation is left as it is, so loading the same data twice changes nothing.
pub async fn ensure_organisation(
    db: impl PgExecutor<'_>,
    name: &str,
    kind: OrganisationKind,
    ods_code: Option<&str>,
) -> Result<OrganisationId, sqlx::Error> {
    sqlx::query_scalar(
        "WITH inserted AS (
             INSERT INTO organisations (name, kind, ods_code) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO NOTHING
             RETURNING id
         )
         SELECT id FROM inserted
         UNION ALL
         SELECT id FROM organisations WHERE name = $1
         LIMIT 1",
    )
    .bind(name)
    .bind(kind)
    .bind(ods_code)
    .fetch_one(db)
    .await
}

/// Returns the id of the area with `slug`, adding it if there is none.
pub async fn ensure_area(
    db: impl PgExecutor<'_>,
    slug: &AreaSlug,
    name: &str,
    board_id: OrganisationId,
) -> Result<AreaId, sqlx::Error> {
    sqlx::query_scalar(
        "WITH inserted AS (
             INSERT INTO areas (slug, name, board_id) VALUES ($1, $2, $3)
             ON CONFLICT (slug) DO NOTHING
             RETURNING id
         )
         SELECT id FROM inserted
         UNION ALL
         SELECT id FROM areas WHERE slug = $1
         LIMIT 1",
    )
    .bind(slug.as_str())
    .bind(name)
    .bind(board_id)
    .fetch_one(db)
    .await
}

/// Sets the area's region unless it already has one (the demo's "add if missing").
pub async fn ensure_region(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    region: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE areas SET region = $2 WHERE id = $1 AND region IS NULL")
        .bind(area_id)
        .bind(region)
        .execute(db)
        .await?;
    Ok(())
}

/// Makes `organisation_id` a member of the area, unless it already is (or there is no such
/// organisation).
pub async fn ensure_member(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    organisation_id: OrganisationId,
    signs_plan: bool,
) -> Result<(), sqlx::Error> {
    insert_member(db, area_id, organisation_id, signs_plan)
        .await
        .map(drop)
}

/// An area with the name of its board, as listed, shown and administered.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AreaSummary {
    pub id: AreaId,
    pub slug: String,
    pub name: String,
    pub board_id: OrganisationId,
    pub board_name: String,
    /// The NHS England region it is in, if recorded (the programme dashboard filters by it).
    pub region: Option<String>,
}

/// The columns of `AreaSummary`, and the tables they come from: one list for every reader of
/// areas, each adding its own filter and order.
macro_rules! area_select {
    () => {
        "SELECT a.id, a.slug, a.name, a.board_id, b.name AS board_name, a.region
         FROM areas a JOIN organisations b ON b.id = a.board_id"
    };
}
pub(crate) use area_select;

/// Every area, by name (for those who oversee them all).
pub async fn list_areas(db: impl PgExecutor<'_>) -> Result<Vec<AreaSummary>, sqlx::Error> {
    sqlx::query_as(concat!(area_select!(), " ORDER BY a.name LIMIT 1000"))
        .fetch_all(db)
        .await
}

/// The areas with ids in `ids`, by name.
pub async fn list_areas_by_id(
    db: impl PgExecutor<'_>,
    ids: &[AreaId],
) -> Result<Vec<AreaSummary>, sqlx::Error> {
    sqlx::query_as(concat!(
        area_select!(),
        " WHERE a.id = ANY($1) ORDER BY a.name"
    ))
    .bind(ids)
    .fetch_all(db)
    .await
}

pub async fn find_area_by_slug(
    db: impl PgExecutor<'_>,
    slug: &str,
) -> Result<Option<AreaSummary>, sqlx::Error> {
    sqlx::query_as(concat!(area_select!(), " WHERE a.slug = $1"))
        .bind(slug)
        .fetch_optional(db)
        .await
}

/// An area with its change stamp (`areas::kept`), read in one statement.
#[derive(Debug, sqlx::FromRow)]
pub struct StampedArea {
    #[sqlx(flatten)]
    pub area: AreaSummary,
    pub stamp: i64,
}

/// The area `slug` names and its change stamp: the one statement a page that shows values
/// kept against the stamp makes for both.
pub async fn find_area_by_slug_stamped(
    db: impl PgExecutor<'_>,
    slug: &str,
) -> Result<Option<StampedArea>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT a.*, ",
        area_change_stamp!("a.id"),
        " AS stamp FROM (",
        area_select!(),
        " WHERE a.slug = $1) a"
    ))
    .bind(slug)
    .fetch_optional(db)
    .await
}

/// A member organisation of an area.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Member {
    pub organisation_id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub ods_code: Option<String>,
    pub signs_plan: bool,
}

pub async fn list_members(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
) -> Result<Vec<Member>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id AS organisation_id, o.name, o.kind, o.ods_code, m.signs_plan
         FROM area_members m JOIN organisations o ON o.id = m.organisation_id
         WHERE m.area_id = $1
         ORDER BY m.signs_plan DESC, o.kind, o.name
         LIMIT 500",
    )
    .bind(area_id)
    .fetch_all(db)
    .await
}

/// The member organisations of the areas `area_ids`, each with its area's id, in one query.
pub async fn members_of_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
) -> Result<Vec<(i64, Member)>, sqlx::Error> {
    let rows: Vec<(
        i64,
        OrganisationId,
        String,
        OrganisationKind,
        Option<String>,
        bool,
    )> = sqlx::query_as(
        "SELECT m.area_id, o.id, o.name, o.kind, o.ods_code, m.signs_plan
             FROM area_members m JOIN organisations o ON o.id = m.organisation_id
             WHERE m.area_id = ANY($1)
             ORDER BY m.area_id, m.signs_plan DESC, o.kind, o.name
             LIMIT 5000",
    )
    .bind(area_ids)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(area_id, organisation_id, name, kind, ods_code, signs_plan)| {
                (
                    area_id,
                    Member {
                        organisation_id,
                        name,
                        kind,
                        ods_code,
                        signs_plan,
                    },
                )
            },
        )
        .collect())
}

pub async fn find_organisation_id(
    db: impl PgExecutor<'_>,
    name: &str,
) -> Result<Option<OrganisationId>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_optional(db)
        .await
}

// --- organisations, as administrators see and change them --------------------------------------

/// The most rows an administration list of organisations shows.
pub const LIST_LIMIT: i64 = 1000;

#[derive(Clone, Debug, FromRow)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub ods_code: Option<String>,
    /// The name of the area whose Health and Wellbeing Board this is, if any.
    pub board_of: Option<String>,
}

/// The columns of `Organisation`, and the tables they come from.
macro_rules! organisation_select {
    () => {
        "SELECT o.id, o.name, o.kind, o.ods_code, a.name AS board_of
         FROM organisations o LEFT JOIN areas a ON a.board_id = o.id"
    };
}

/// Every organisation, by name.
pub async fn list_organisations(db: impl PgExecutor<'_>) -> Result<Vec<Organisation>, sqlx::Error> {
    sqlx::query_as(concat!(
        organisation_select!(),
        " ORDER BY lower(o.name), o.id LIMIT $1"
    ))
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await
}

pub async fn find_organisation(
    db: impl PgExecutor<'_>,
    id: OrganisationId,
) -> Result<Option<Organisation>, sqlx::Error> {
    sqlx::query_as(concat!(organisation_select!(), " WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Adds an organisation; a clash is `organisations_name_key` or `organisations_ods_code_key`.
pub async fn insert_organisation(
    db: impl PgExecutor<'_>,
    name: &OrganisationName,
    kind: OrganisationKind,
    ods_code: Option<&OdsCode>,
) -> Result<OrganisationId, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO organisations (name, kind, ods_code) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(name.as_str())
    .bind(kind)
    .bind(ods_code.map(OdsCode::as_str))
    .fetch_one(db)
    .await
}

/// Changes an organisation if it is still as `before` (compare and swap); false when someone
/// else changed it first. Same clashes as `insert_organisation`.
pub async fn update_organisation(
    db: impl PgExecutor<'_>,
    before: &Organisation,
    name: &OrganisationName,
    kind: OrganisationKind,
    ods_code: Option<&OdsCode>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE organisations SET name = $2, kind = $3, ods_code = $4
         WHERE id = $1 AND name = $5 AND kind = $6 AND ods_code IS NOT DISTINCT FROM $7",
    )
    .bind(before.id)
    .bind(name.as_str())
    .bind(kind)
    .bind(ods_code.map(OdsCode::as_str))
    .bind(&before.name)
    .bind(before.kind)
    .bind(before.ods_code.as_deref())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// An organisation offered in a select.
#[derive(Clone, Debug, FromRow)]
pub struct OrganisationOption {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
}

/// Health and Wellbeing Boards that could be the board of `area_id` (or of a new area): those
/// that are not already another area's board.
pub async fn available_boards(
    db: impl PgExecutor<'_>,
    area_id: Option<AreaId>,
) -> Result<Vec<OrganisationOption>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.kind FROM organisations o
         WHERE o.kind = 'hwb'
           AND NOT EXISTS (SELECT 1 FROM areas a
                           WHERE a.board_id = o.id AND a.id IS DISTINCT FROM $1)
         ORDER BY lower(o.name), o.id
         LIMIT $2",
    )
    .bind(area_id)
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await
}

// --- areas and their members, as administrators see and change them ----------------------------

/// Adds an area; a clash is `areas_slug_key` or `areas_board_key`.
pub async fn insert_area(
    db: impl PgExecutor<'_>,
    slug: &AreaSlug,
    name: &AreaName,
    board_id: OrganisationId,
) -> Result<AreaId, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO areas (slug, name, board_id) VALUES ($1, $2, $3) RETURNING id")
        .bind(slug.as_str())
        .bind(name.as_str())
        .bind(board_id)
        .fetch_one(db)
        .await
}

/// Changes an area's name, board and region (its short name, in URLs, stays) if it is still as
/// `before` (compare and swap); false when someone else changed it first.
pub async fn update_area(
    db: impl PgExecutor<'_>,
    before: &AreaSummary,
    name: &AreaName,
    board_id: OrganisationId,
    region: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE areas SET name = $2, board_id = $3, region = $6
         WHERE id = $1 AND name = $4 AND board_id = $5 AND region IS NOT DISTINCT FROM $7",
    )
    .bind(before.id)
    .bind(name.as_str())
    .bind(board_id)
    .bind(&before.name)
    .bind(before.board_id)
    .bind(region)
    .bind(before.region.as_deref())
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Organisations that are not members of the area, to offer as new members.
pub async fn organisations_outside_area(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
) -> Result<Vec<OrganisationOption>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id, o.name, o.kind FROM organisations o
         WHERE NOT EXISTS (SELECT 1 FROM area_members m
                           WHERE m.area_id = $1 AND m.organisation_id = o.id)
         ORDER BY lower(o.name), o.id
         LIMIT $2",
    )
    .bind(area_id)
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await
}

/// Makes the organisation a member of the area; returns its name, or `None` if there is no such
/// organisation or it is a member already.
pub async fn insert_member(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    organisation_id: OrganisationId,
    signs_plan: bool,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "WITH inserted AS (
             INSERT INTO area_members (area_id, organisation_id, signs_plan)
             SELECT $1, o.id, $3 FROM organisations o WHERE o.id = $2
             ON CONFLICT (area_id, organisation_id) DO NOTHING
             RETURNING organisation_id
         )
         SELECT o.name FROM inserted i JOIN organisations o ON o.id = i.organisation_id",
    )
    .bind(area_id)
    .bind(organisation_id)
    .bind(signs_plan)
    .fetch_optional(db)
    .await
}

/// A member removed from an area.
#[derive(Clone, Debug, FromRow)]
pub struct RemovedMember {
    pub name: String,
    pub signs_plan: bool,
}

/// Removes the organisation from the area; `None` if it was not a member.
pub async fn delete_member(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    organisation_id: OrganisationId,
) -> Result<Option<RemovedMember>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM area_members m WHERE m.area_id = $1 AND m.organisation_id = $2
         RETURNING (SELECT o.name FROM organisations o WHERE o.id = m.organisation_id) AS name,
                   m.signs_plan",
    )
    .bind(area_id)
    .bind(organisation_id)
    .fetch_optional(db)
    .await
}

/// The areas `organisation_id` is a member (partner) of, by id and name, in name order.
pub async fn member_areas(
    db: impl PgExecutor<'_>,
    organisation_id: OrganisationId,
) -> Result<Vec<(AreaId, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.name FROM area_members m JOIN areas a ON a.id = m.area_id
         WHERE m.organisation_id = $1
         ORDER BY a.name
         LIMIT 500",
    )
    .bind(organisation_id)
    .fetch_all(db)
    .await
}

/// What an organisation has in an area's plans, for the page that asks before removing it from
/// the area: counted across the plans' tables in one query (so this reads tables other
/// features own, and changes none of them).
#[derive(Clone, Debug, Default, FromRow, PartialEq, Eq)]
pub struct MemberFootprint {
    /// Its written contributions (not empty), and in how many plans.
    pub contributions: i64,
    pub plans_contributed: i64,
    /// Plan sections assigned to it.
    pub sections_assigned: i64,
    /// Funding lines from it with an amount.
    pub funding_lines: i64,
    /// Schemes it is the lead commissioner of.
    pub schemes_led: i64,
    /// Sign-off decisions it has recorded.
    pub decisions: i64,
}

pub async fn member_footprint(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    organisation_id: OrganisationId,
) -> Result<MemberFootprint, sqlx::Error> {
    sqlx::query_as(
        "SELECT
             (SELECT count(*) FROM contributions c
              JOIN plan_sections s ON s.id = c.plan_section_id JOIN plans p ON p.id = s.plan_id
              WHERE p.area_id = $1 AND c.organisation_id = $2 AND c.body <> '') AS contributions,
             (SELECT count(DISTINCT s.plan_id) FROM contributions c
              JOIN plan_sections s ON s.id = c.plan_section_id JOIN plans p ON p.id = s.plan_id
              WHERE p.area_id = $1 AND c.organisation_id = $2 AND c.body <> '')
                 AS plans_contributed,
             (SELECT count(*) FROM plan_sections s JOIN plans p ON p.id = s.plan_id
              WHERE p.area_id = $1 AND s.assigned_organisation_id = $2) AS sections_assigned,
             (SELECT count(*) FROM funding_lines f JOIN plans p ON p.id = f.plan_id
              WHERE p.area_id = $1 AND f.organisation_id = $2 AND f.amount IS NOT NULL)
                 AS funding_lines,
             (SELECT count(*) FROM schemes sc JOIN plans p ON p.id = sc.plan_id
              WHERE p.area_id = $1 AND sc.lead_commissioner_id = $2) AS schemes_led,
             (SELECT count(*) FROM signoff_decisions d JOIN signoff_rounds r ON r.id = d.round_id
              JOIN plans p ON p.id = r.plan_id
              WHERE p.area_id = $1 AND d.organisation_id = $2) AS decisions",
    )
    .bind(area_id)
    .bind(organisation_id)
    .fetch_one(db)
    .await
}

// --- the content guard (`area_content`; see `super::content`) -----------------------------------

/// Asks the guard for a change to `edit` in `area_id`, inside the change's transaction: bumps
/// the area's content version and returns it, or returns why the change is refused (a plan in
/// sign-off). Holds the guard row's lock until the transaction ends, so a round cannot open
/// (and take its snapshot) while the change is in flight.
pub async fn begin_content_edit(
    db: &mut sqlx::PgConnection,
    area_id: AreaId,
    edit: super::content::ContentEdit,
) -> Result<Result<i64, super::content::ContentFrozen>, sqlx::Error> {
    let version: Option<i64> = sqlx::query_scalar(
        "INSERT INTO area_content (area_id, version) VALUES ($1, 1)
         ON CONFLICT (area_id) DO UPDATE SET version = area_content.version + 1
         WHERE area_content.frozen_plan_id IS NULL
            OR ($2::bigint IS NOT NULL AND area_content.frozen_plan_id <> $2)
         RETURNING version",
    )
    .bind(area_id)
    .bind(edit.plan_id())
    .fetch_optional(&mut *db)
    .await?;
    if let Some(version) = version {
        return Ok(Ok(version));
    }
    let frozen = content_freeze(&mut *db, area_id).await?;
    // The guard refused, so the row names a frozen plan.
    Ok(Err(frozen.ok_or(sqlx::Error::RowNotFound)?))
}

/// The area's freeze, if a plan of it is in sign-off.
pub async fn content_freeze(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
) -> Result<Option<super::content::ContentFrozen>, sqlx::Error> {
    let row: Option<(i64, String, time::OffsetDateTime, Option<String>)> = sqlx::query_as(
        "SELECT c.frozen_plan_id, c.frozen_round, c.frozen_at, u.display_name
         FROM area_content c LEFT JOIN users u ON u.id = c.frozen_by
         WHERE c.area_id = $1 AND c.frozen_plan_id IS NOT NULL",
    )
    .bind(area_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(
        |(plan_id, round, frozen_at, frozen_by)| super::content::ContentFrozen {
            plan_id,
            round,
            frozen_at,
            frozen_by,
        },
    ))
}

/// The area's content version: bumped by every change to any plan's content or the register.
pub async fn content_version(db: impl PgExecutor<'_>, area_id: AreaId) -> Result<i64, sqlx::Error> {
    let version: Option<i64> =
        sqlx::query_scalar("SELECT version FROM area_content WHERE area_id = $1")
            .bind(area_id)
            .fetch_optional(db)
            .await?;
    Ok(version.unwrap_or(0))
}

/// What a round freezes a plan with.
pub struct Freeze<'a> {
    pub plan_id: i64,
    pub round: &'a str,
    pub at: time::OffsetDateTime,
    pub by: crate::auth::UserId,
}

/// Freezes `freeze.plan_id` (and the area's register) for a round, waiting for changes in
/// flight to finish first; returns the content version the snapshot will show, or `None` when
/// a plan of the area is frozen already.
pub async fn freeze_content(
    db: &mut sqlx::PgConnection,
    area_id: AreaId,
    freeze: Freeze<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO area_content (area_id, version, frozen_plan_id, frozen_round, frozen_at, frozen_by)
         VALUES ($1, 0, $2, $3, $4, $5)
         ON CONFLICT (area_id) DO UPDATE
            SET frozen_plan_id = $2, frozen_round = $3, frozen_at = $4, frozen_by = $5
         WHERE area_content.frozen_plan_id IS NULL
         RETURNING version",
    )
    .bind(area_id)
    .bind(freeze.plan_id)
    .bind(freeze.round)
    .bind(freeze.at)
    .bind(freeze.by)
    .fetch_optional(db)
    .await
}

/// Lifts the freeze `plan_id`'s round put on the area (the round ended or reached submission).
pub async fn thaw_content(
    db: &mut sqlx::PgConnection,
    area_id: AreaId,
    plan_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE area_content
         SET frozen_plan_id = NULL, frozen_round = NULL, frozen_at = NULL, frozen_by = NULL
         WHERE area_id = $1 AND frozen_plan_id = $2",
    )
    .bind(area_id)
    .bind(plan_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The names of the area's leads (who may withdraw a round), for the message refusing a change
/// while a plan is in sign-off: those not disabled, at most 10, by name.
pub async fn area_lead_names(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT u.display_name
         FROM grants g JOIN users u ON u.id = g.user_id
         WHERE g.area_id = $1 AND g.role = 'area_lead' AND u.disabled_at IS NULL
         ORDER BY u.display_name, u.id
         LIMIT 10",
    )
    .bind(area_id)
    .fetch_all(db)
    .await
}
