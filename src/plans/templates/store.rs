//! SQL for template administration: templates with their counts, their sections, copying a
//! template, and adding, changing, moving and removing sections. Every change runs inside the
//! caller's transaction after `lock_template`, which serialises it with other changes to the
//! same template and with plans being created from it.

use sqlx::{FromRow, PgConnection, PgExecutor};

use time::OffsetDateTime;

use super::structure::CycleStructure;
use super::{
    SectionDetails, SectionKey, StructureId, TemplateId, TemplateKey, TemplateName,
    TemplateSectionId,
};
use crate::auth::UserId;
use crate::plans::PlanId;
use crate::plans::section::SectionKind;

/// The most templates the list shows.
pub const LIST_LIMIT: i64 = 1000;
/// The most sections a template page shows.
pub const SECTIONS_LIMIT: i64 = 1000;

/// A template, with how many sections it has and how many plans use it.
#[derive(Clone, Debug, FromRow)]
pub struct TemplateRow {
    pub id: TemplateId,
    pub key: String,
    pub name: String,
    /// The key of the template this one was copied from, if any.
    pub copied_from: Option<String>,
    pub sections: i64,
    pub plans: i64,
}

/// The columns of `TemplateRow`, and the tables they come from.
macro_rules! template_select {
    () => {
        "SELECT t.id, t.key, t.name, f.key AS copied_from,
                (SELECT count(*) FROM template_sections s WHERE s.template_id = t.id) AS sections,
                (SELECT count(*) FROM plans p WHERE p.template_id = t.id) AS plans
         FROM templates t LEFT JOIN templates f ON f.id = t.copied_from_id"
    };
}

/// Every template, newest first.
pub async fn list_templates(db: impl PgExecutor<'_>) -> Result<Vec<TemplateRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        template_select!(),
        " ORDER BY t.created_at DESC, t.id DESC LIMIT $1"
    ))
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await
}

pub async fn find_template(
    db: impl PgExecutor<'_>,
    key: &str,
) -> Result<Option<TemplateRow>, sqlx::Error> {
    sqlx::query_as(concat!(template_select!(), " WHERE t.key = $1"))
        .bind(key)
        .fetch_optional(db)
        .await
}

/// Locks the template row until the transaction ends, so changes to its sections happen one at
/// a time and no plan can be created from it meanwhile (creating a plan takes a key-share lock
/// on it); returns how many plans use it, counted after the lock is held. `None` if there is no
/// such template any more.
pub async fn lock_template(
    tx: &mut PgConnection,
    id: TemplateId,
) -> Result<Option<i64>, sqlx::Error> {
    let locked: Option<TemplateId> =
        sqlx::query_scalar("SELECT id FROM templates WHERE id = $1 FOR UPDATE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    if locked.is_none() {
        return Ok(None);
    }
    // A statement of its own: its snapshot is taken after the lock, so it sees every plan
    // committed before we got it.
    let plans: i64 = sqlx::query_scalar("SELECT count(*) FROM plans WHERE template_id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    Ok(Some(plans))
}

/// The columns of `TemplateSection`: one list for every query that reads sections.
macro_rules! section_select {
    () => {
        "SELECT id, key, position, title, guidance, kind, per_organisation FROM template_sections"
    };
}

/// A section of a template.
#[derive(Clone, Debug, FromRow)]
pub struct TemplateSection {
    pub id: TemplateSectionId,
    pub key: String,
    pub position: i32,
    pub title: String,
    pub guidance: String,
    pub kind: SectionKind,
    pub per_organisation: bool,
}

/// The template's sections in order.
pub async fn list_sections(
    db: impl PgExecutor<'_>,
    template_id: TemplateId,
) -> Result<Vec<TemplateSection>, sqlx::Error> {
    sqlx::query_as(concat!(
        section_select!(),
        " WHERE template_id = $1 ORDER BY position, id LIMIT $2"
    ))
    .bind(template_id)
    .bind(SECTIONS_LIMIT)
    .fetch_all(db)
    .await
}

pub async fn find_section(
    db: impl PgExecutor<'_>,
    template_id: TemplateId,
    key: &str,
) -> Result<Option<TemplateSection>, sqlx::Error> {
    sqlx::query_as(concat!(
        section_select!(),
        " WHERE template_id = $1 AND key = $2"
    ))
    .bind(template_id)
    .bind(key)
    .fetch_optional(db)
    .await
}

/// Copies the template and all its sections (same order, guidance, kind and per-organisation)
/// as a new template that records where it came from; returns its id and how many sections it
/// has. A clash is `templates_key_key`.
pub async fn copy_template(
    tx: &mut PgConnection,
    source_id: TemplateId,
    key: &TemplateKey,
    name: &TemplateName,
) -> Result<(TemplateId, u64), sqlx::Error> {
    let id: TemplateId = sqlx::query_scalar(
        "INSERT INTO templates (key, name, copied_from_id) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(key.as_str())
    .bind(name.as_str())
    .bind(source_id)
    .fetch_one(&mut *tx)
    .await?;
    let copied = sqlx::query(
        "INSERT INTO template_sections (template_id, key, position, title, guidance, kind, per_organisation)
         SELECT $1, key, position, title, guidance, kind, per_organisation
         FROM template_sections WHERE template_id = $2",
    )
    .bind(id)
    .bind(source_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO template_structures (template_id, structure, created_at, created_by)
         SELECT $1, structure, now(), created_by FROM template_structures
         WHERE template_id = $2 ORDER BY id DESC LIMIT 1",
    )
    .bind(id)
    .bind(source_id)
    .execute(&mut *tx)
    .await?;
    Ok((id, copied.rows_affected()))
}

/// A version of a template's structure, and when and by whom it was made.
#[derive(Clone, Debug)]
pub struct StructureVersion {
    pub id: StructureId,
    pub structure: CycleStructure,
    pub created_at: OffsetDateTime,
    pub created_by: Option<String>,
}

/// The template's current structure (its newest version), if it has one.
pub async fn current_structure(
    db: impl PgExecutor<'_>,
    template_id: TemplateId,
) -> Result<Option<StructureVersion>, sqlx::Error> {
    let row: Option<(StructureId, String, OffsetDateTime, Option<String>)> = sqlx::query_as(
        "SELECT s.id, s.structure::text, s.created_at, u.display_name
         FROM template_structures s LEFT JOIN users u ON u.id = s.created_by
         WHERE s.template_id = $1 ORDER BY s.id DESC LIMIT 1",
    )
    .bind(template_id)
    .fetch_optional(db)
    .await?;
    row.map(|(id, json, created_at, created_by)| {
        Ok(StructureVersion {
            id,
            structure: serde_json::from_str(&json)
                .map_err(|error| sqlx::Error::Decode(Box::new(error)))?,
            created_at,
            created_by,
        })
    })
    .transpose()
}

/// The structure a plan was made from (its template's version at the time), or the template's
/// current one for a plan older than structures.
pub async fn plan_structure(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Option<CycleStructure>, sqlx::Error> {
    let json: Option<String> = sqlx::query_scalar(
        "SELECT s.structure::text
         FROM plans p
         JOIN template_structures s
           ON s.id = coalesce(p.structure_id,
                              (SELECT id FROM template_structures
                               WHERE template_id = p.template_id ORDER BY id DESC LIMIT 1))
         WHERE p.id = $1",
    )
    .bind(plan_id)
    .fetch_optional(db)
    .await?;
    json.map(|json| {
        serde_json::from_str(&json).map_err(|error| sqlx::Error::Decode(Box::new(error)))
    })
    .transpose()
}

/// Stores `structure` as the template's new current structure; returns its id. Call with the
/// template locked.
pub async fn insert_structure(
    tx: &mut PgConnection,
    template_id: TemplateId,
    structure: &CycleStructure,
    at: OffsetDateTime,
    by: UserId,
) -> Result<StructureId, sqlx::Error> {
    let json =
        serde_json::to_string(structure).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    sqlx::query_scalar(
        "INSERT INTO template_structures (template_id, structure, created_at, created_by)
         VALUES ($1, $2::jsonb, $3, $4) RETURNING id",
    )
    .bind(template_id)
    .bind(json)
    .bind(at)
    .bind(by)
    .fetch_one(tx)
    .await
}

/// How many of the template's plans were made from an earlier version of its structure.
pub async fn plans_on_earlier_structures(
    db: impl PgExecutor<'_>,
    template_id: TemplateId,
    current: StructureId,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT count(*) FROM plans WHERE template_id = $1 AND structure_id IS DISTINCT FROM $2",
    )
    .bind(template_id)
    .bind(current)
    .fetch_one(db)
    .await
}

/// Adds a section at the end of the template; returns its id and position. A clash is
/// `template_sections_key_key`. Call with the template locked.
pub async fn insert_section(
    tx: &mut PgConnection,
    template_id: TemplateId,
    key: &SectionKey,
    details: &SectionDetails,
) -> Result<(TemplateSectionId, i32), sqlx::Error> {
    sqlx::query_as(
        "INSERT INTO template_sections (template_id, key, position, title, guidance, kind, per_organisation)
         SELECT $1, $2, coalesce(max(position), 0) + 1, $3, $4, $5, $6
         FROM template_sections WHERE template_id = $1
         RETURNING id, position",
    )
    .bind(template_id)
    .bind(key.as_str())
    .bind(details.title.as_str())
    .bind(details.guidance.as_str())
    .bind(details.kind)
    .bind(details.per_organisation)
    .fetch_one(&mut *tx)
    .await
}

/// Gives every plan of the template the (new) section, so each plan has every section of its
/// template; returns how many plans got it. Call with the template locked.
pub async fn add_section_to_plans(
    tx: &mut PgConnection,
    template_id: TemplateId,
    template_section_id: TemplateSectionId,
) -> Result<u64, sqlx::Error> {
    let added = sqlx::query(
        "INSERT INTO plan_sections (plan_id, template_section_id)
         SELECT p.id, $2 FROM plans p WHERE p.template_id = $1
         ON CONFLICT (plan_id, template_section_id) DO NOTHING",
    )
    .bind(template_id)
    .bind(template_section_id)
    .execute(&mut *tx)
    .await?;
    Ok(added.rows_affected())
}

/// Changes a section's title, guidance, kind and per-organisation.
pub async fn update_section(
    db: impl PgExecutor<'_>,
    section_id: TemplateSectionId,
    details: &SectionDetails,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE template_sections
         SET title = $2, guidance = $3, kind = $4, per_organisation = $5
         WHERE id = $1",
    )
    .bind(section_id)
    .bind(details.title.as_str())
    .bind(details.guidance.as_str())
    .bind(details.kind)
    .bind(details.per_organisation)
    .execute(db)
    .await?;
    Ok(())
}

/// The section just before (`up`) or after (`!up`) `position` in the template, if any.
pub async fn neighbour(
    db: impl PgExecutor<'_>,
    template_id: TemplateId,
    position: i32,
    up: bool,
) -> Result<Option<TemplateSection>, sqlx::Error> {
    let sql = if up {
        concat!(
            section_select!(),
            " WHERE template_id = $1 AND position < $2 ORDER BY position DESC LIMIT 1"
        )
    } else {
        concat!(
            section_select!(),
            " WHERE template_id = $1 AND position > $2 ORDER BY position LIMIT 1"
        )
    };
    sqlx::query_as(sql)
        .bind(template_id)
        .bind(position)
        .fetch_optional(db)
        .await
}

/// Swaps the positions of two sections of a template. The position's unique constraint is
/// checked at commit, so the swap is one statement. Call with the template locked.
pub async fn swap_positions(
    tx: &mut PgConnection,
    template_id: TemplateId,
    a: &TemplateSection,
    b: &TemplateSection,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE template_sections
         SET position = CASE WHEN id = $2 THEN $5 ELSE $3 END
         WHERE template_id = $1 AND id IN ($2, $4)",
    )
    .bind(template_id)
    .bind(a.id)
    .bind(a.position)
    .bind(b.id)
    .bind(b.position)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Removes a section from a template and closes the gap it leaves in the order. Only for a
/// template no plan uses: call with the template locked, having counted its plans.
pub async fn delete_section(
    tx: &mut PgConnection,
    template_id: TemplateId,
    section: &TemplateSection,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM template_sections WHERE id = $1 AND template_id = $2")
        .bind(section.id)
        .bind(template_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE template_sections SET position = position - 1
         WHERE template_id = $1 AND position > $2",
    )
    .bind(template_id)
    .bind(section.position)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The structures with the ids `ids` (each plan names the one it follows).
pub async fn structures_by_id(
    db: impl PgExecutor<'_>,
    ids: &[i64],
) -> Result<Vec<(i64, CycleStructure)>, sqlx::Error> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, structure::text FROM template_structures WHERE id = ANY($1)")
            .bind(ids)
            .fetch_all(db)
            .await?;
    rows.into_iter()
        .map(|(id, json)| {
            serde_json::from_str(&json)
                .map(|structure| (id, structure))
                .map_err(|error| sqlx::Error::Decode(Box::new(error)))
        })
        .collect()
}

/// Every template that has a structure (newest first): its key, its name and its current
/// structure's id (`kept::cycles` adds the structures).
pub async fn templates_with_structure_ids(
    db: impl PgExecutor<'_>,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT t.key, t.name, s.id
         FROM templates t
         JOIN LATERAL (
             SELECT id FROM template_structures
             WHERE template_id = t.id ORDER BY id DESC LIMIT 1
         ) AS s ON true
         ORDER BY t.created_at DESC, t.id DESC LIMIT $1",
    )
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await
}
