//! SQL for the drafts kept on the server: what one person typed into a section's text box and
//! has not saved (table `section_drafts`, one row per person and section), or into their
//! organisation's contribution box (`contribution_drafts`, one per person, section and
//! organisation).
//!
//! Not audited, on purpose: the audit log records changes to the plan, and a draft is nobody's
//! but its writer's, never part of the plan, written every few seconds while someone types.
//! An audit row for each would bury the plan's real history. So these statements run on their
//! own, not through `audit::Change`; the save that turns a draft into text is audited as ever
//! (and deletes the draft in its transaction).

use sqlx::PgExecutor;
use time::OffsetDateTime;

use super::Draft;
use crate::areas::OrganisationId;
use crate::auth::UserId;
use crate::plans::PlanSectionId;

/// The statement of a user's drafts in a section (SQL for the user's id and the section's):
/// the text's first (no organisation), then each contribution's by organisation. Two primary
/// key probes.
macro_rules! user_drafts_in_section {
    ($user:literal, $section:literal) => {
        concat!(
            "SELECT NULL::bigint AS organisation_id, body, based_on_version, updated_at
             FROM section_drafts WHERE user_id = ",
            $user,
            " AND plan_section_id = ",
            $section,
            " UNION ALL
             (SELECT organisation_id, body, based_on_version, updated_at
              FROM contribution_drafts WHERE user_id = ",
            $user,
            " AND plan_section_id = ",
            $section,
            " ORDER BY organisation_id
              LIMIT 200)"
        )
    };
}
pub(super) use user_drafts_in_section;

/// Keeps `body` as `user_id`'s draft of the section, typed on its version `based_on`,
/// replacing any earlier draft of theirs.
pub async fn keep_draft(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    section_id: PlanSectionId,
    body: &str,
    based_on: i32,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO section_drafts (user_id, plan_section_id, body, based_on_version, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id, plan_section_id) DO UPDATE
         SET body = EXCLUDED.body, based_on_version = EXCLUDED.based_on_version,
             updated_at = EXCLUDED.updated_at",
    )
    .bind(user_id)
    .bind(section_id)
    .bind(body)
    .bind(based_on)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes `user_id`'s draft of the section, if any (saved, discarded, or nothing left unsaved).
pub async fn delete_draft(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    section_id: PlanSectionId,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM section_drafts WHERE user_id = $1 AND plan_section_id = $2")
        .bind(user_id)
        .bind(section_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Keeps `body` as `user_id`'s draft of `organisation_id`'s contribution to the section, typed
/// on the contribution's version `based_on`, replacing any earlier draft of theirs.
pub async fn keep_contribution_draft(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    section_id: PlanSectionId,
    organisation_id: OrganisationId,
    body: &str,
    based_on: i32,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO contribution_drafts
             (user_id, plan_section_id, organisation_id, body, based_on_version, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id, plan_section_id, organisation_id) DO UPDATE
         SET body = EXCLUDED.body, based_on_version = EXCLUDED.based_on_version,
             updated_at = EXCLUDED.updated_at",
    )
    .bind(user_id)
    .bind(section_id)
    .bind(organisation_id)
    .bind(body)
    .bind(based_on)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes `user_id`'s draft of `organisation_id`'s contribution to the section, if any.
pub async fn delete_contribution_draft(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    section_id: PlanSectionId,
    organisation_id: OrganisationId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "DELETE FROM contribution_drafts
         WHERE user_id = $1 AND plan_section_id = $2 AND organisation_id = $3",
    )
    .bind(user_id)
    .bind(section_id)
    .bind(organisation_id)
    .execute(db)
    .await?;
    Ok(())
}

/// `user_id`'s drafts in one section: of its text, and of each contribution they typed in.
#[derive(Debug, Default)]
pub struct DraftsInSection {
    pub text: Option<Draft>,
    pub contributions: Vec<(OrganisationId, Draft)>,
}

/// `user_id`'s drafts in the section (one statement, two primary key probes): read apart from
/// the section's text and contributions, which are the same for every reader and kept
/// (`plans::routes::section_parts`).
pub async fn drafts_in_section(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    section_id: PlanSectionId,
) -> Result<DraftsInSection, sqlx::Error> {
    let rows: Vec<(Option<OrganisationId>, String, i32, OffsetDateTime)> =
        sqlx::query_as(user_drafts_in_section!("$1", "$2"))
            .bind(user_id)
            .bind(section_id)
            .fetch_all(db)
            .await?;
    let mut drafts = DraftsInSection::default();
    for (organisation, body, based_on, updated_at) in rows {
        let draft = Draft {
            body,
            based_on,
            updated_at,
        };
        drafts.add(organisation, draft);
    }
    Ok(drafts)
}

impl DraftsInSection {
    /// Adds a draft read: of the text (no organisation), or of `organisation`'s contribution.
    pub(super) fn add(&mut self, organisation: Option<OrganisationId>, draft: Draft) {
        match organisation {
            None => self.text = Some(draft),
            Some(organisation) => self.contributions.push((organisation, draft)),
        }
    }
}
