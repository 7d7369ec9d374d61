//! SQL for templates, plans, sections, contributions, revisions and comments. Every page's
//! data comes in a fixed number of queries, whatever the number of sections, revisions,
//! contributions or comments.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::section::{SectionKind, SectionStatus};
use super::templates::TemplateId;
use super::{PlanId, PlanSectionId};
use crate::areas::store::{AreaSummary, area_select};
use crate::areas::{AreaId, OrganisationId};
use crate::audit::store::area_change_stamp;
use crate::auth::UserId;

mod comments;
mod document;
mod drafts;
mod presence;
mod review;

pub use comments::{
    Comment, NewComment, SearchHit, add_comment, comments, headlines, search, set_thread_resolved,
};
pub use document::{ContributionText, SectionText, contribution_texts, section_texts};
use drafts::user_drafts_in_section;
pub use drafts::{
    DraftsInSection, delete_contribution_draft, delete_draft, drafts_in_section,
    keep_contribution_draft, keep_draft,
};
pub use presence::{Present, note_presence};
pub use review::{Moved, StatusChange, StatusMove, move_status, status_changes};

/// A template as offered when creating a plan.
#[derive(Clone, Debug, FromRow)]
pub struct TemplateSummary {
    pub id: TemplateId,
    pub key: String,
    pub name: String,
}

pub async fn list_templates(db: impl PgExecutor<'_>) -> Result<Vec<TemplateSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, key, name FROM templates ORDER BY created_at DESC, id DESC LIMIT 100",
    )
    .fetch_all(db)
    .await
}

/// An area's plan, with its template.
#[derive(Clone, Debug, FromRow)]
pub struct PlanSummary {
    pub id: PlanId,
    pub template_key: String,
    pub template_name: String,
    /// The version of its template's structure it was made from (the template's newest for a
    /// plan older than structures); none only when its template has no structure at all.
    pub structure_id: Option<i64>,
}

/// A plan as an area's list of plans shows it: with how far along its sections are.
#[derive(Clone, Debug, FromRow)]
pub struct ListedPlan {
    #[sqlx(flatten)]
    pub plan: PlanSummary,
    pub sections: i64,
    pub completed: i64,
}

/// The columns of `PlanSummary` (and any `$extra` ones) and the tables they come from, for a
/// reader to filter. No count of the plan's sections: every plan page reads its plan, and
/// counting was most of that statement's cost (the task list counts the sections it lists).
macro_rules! plan_select {
    ($($extra:literal)?) => {
        concat!(
            "SELECT p.id, t.key AS template_key, t.name AS template_name,
                    coalesce(p.structure_id,
                             (SELECT id FROM template_structures
                              WHERE template_id = p.template_id ORDER BY id DESC LIMIT 1))
                        AS structure_id",
            $(", ", $extra,)?
            " FROM plans p
             JOIN templates t ON t.id = p.template_id"
        )
    };
}

/// The area's plans, newest template first, with their sections counted.
pub async fn list_plans(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
) -> Result<Vec<ListedPlan>, sqlx::Error> {
    sqlx::query_as(concat!(
        plan_select!("c.sections, c.completed"),
        " CROSS JOIN LATERAL (
             SELECT count(*) AS sections,
                    count(*) FILTER (WHERE s.status = 'completed') AS completed
             FROM plan_sections s WHERE s.plan_id = p.id
         ) c
         WHERE p.area_id = $1
         ORDER BY t.created_at DESC
         LIMIT 50"
    ))
    .bind(area_id)
    .fetch_all(db)
    .await
}

pub async fn find_plan(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    template_key: &str,
) -> Result<Option<PlanSummary>, sqlx::Error> {
    sqlx::query_as(concat!(
        plan_select!(),
        " WHERE p.area_id = $1 AND t.key = $2"
    ))
    .bind(area_id)
    .bind(template_key)
    .fetch_optional(db)
    .await
}

/// An area, its plan if it has one, and the area's change stamp (`areas::kept`).
pub struct StampedPlan {
    pub area: AreaSummary,
    pub plan: Option<PlanSummary>,
    pub stamp: i64,
}

/// The columns of a `StampedPlanRow`, from `stamped_plan_from!`'s tables.
macro_rules! stamped_plan_columns {
    () => {
        concat!(
            "a.id AS area_id, a.slug, a.name, a.board_id, a.board_name, a.region,
             p.id, p.template_key, p.template_name, p.structure_id, ",
            area_change_stamp!("a.id"),
            " AS stamp"
        )
    };
}

/// The area with slug `$1` (`a`) and its plan from the template with key `$2` (`p`, all null
/// when it has none).
macro_rules! stamped_plan_from {
    () => {
        concat!(
            " FROM (",
            area_select!(),
            " WHERE a.slug = $1) a
             LEFT JOIN LATERAL (",
            plan_select!(),
            " WHERE p.area_id = a.id AND t.key = $2) p ON true"
        )
    };
}

/// The area `slug` names, its plan from the template `template_key` if it has one, and the
/// area's change stamp, read in one statement: the one a plan page whose parts are kept makes
/// for all three, so that they are of one snapshot.
pub async fn find_plan_stamped(
    db: impl PgExecutor<'_>,
    slug: &str,
    template_key: &str,
) -> Result<Option<StampedPlan>, sqlx::Error> {
    let row: Option<StampedPlanRow> = sqlx::query_as(concat!(
        "SELECT ",
        stamped_plan_columns!(),
        stamped_plan_from!()
    ))
    .bind(slug)
    .bind(template_key)
    .fetch_optional(db)
    .await?;
    Ok(row.map(StampedPlanRow::into_parts))
}

/// [`find_plan_stamped`] with `user_id`'s drafts in the plan's section `section_key`, in the
/// same statement: the section page's first, which would otherwise read the drafts in a round
/// trip of their own for every view. One row per draft (one with no draft when there is
/// none), the area and plan repeated in each.
pub async fn find_plan_stamped_with_drafts(
    db: impl PgExecutor<'_>,
    slug: &str,
    template_key: &str,
    section_key: &str,
    user_id: UserId,
) -> Result<Option<(StampedPlan, DraftsInSection)>, sqlx::Error> {
    let rows: Vec<StampedPlanDraftRow> = sqlx::query_as(concat!(
        "SELECT ",
        stamped_plan_columns!(),
        ", d.organisation_id AS draft_organisation_id, d.body AS draft_body,
           d.based_on_version AS draft_based_on, d.updated_at AS draft_updated_at",
        stamped_plan_from!(),
        " LEFT JOIN LATERAL (
             SELECT s.id FROM plan_sections s
             JOIN template_sections ts ON ts.id = s.template_section_id
             WHERE s.plan_id = p.id AND ts.key = $3
         ) ps ON true
         LEFT JOIN LATERAL (",
        user_drafts_in_section!("$4", "ps.id"),
        ") d ON true"
    ))
    .bind(slug)
    .bind(template_key)
    .bind(section_key)
    .bind(user_id)
    .fetch_all(db)
    .await?;
    let mut drafts = DraftsInSection::default();
    let mut found = None;
    for row in rows {
        if let Some(body) = row.draft_body {
            let draft = Draft {
                body,
                based_on: row.draft_based_on.unwrap_or(0),
                updated_at: row.draft_updated_at.unwrap_or(OffsetDateTime::UNIX_EPOCH),
            };
            drafts.add(row.draft_organisation_id, draft);
        }
        found.get_or_insert(row.plan);
    }
    Ok(found.map(|plan| (plan.into_parts(), drafts)))
}

#[derive(FromRow)]
struct StampedPlanDraftRow {
    #[sqlx(flatten)]
    plan: StampedPlanRow,
    draft_organisation_id: Option<OrganisationId>,
    draft_body: Option<String>,
    draft_based_on: Option<i32>,
    draft_updated_at: Option<OffsetDateTime>,
}

#[derive(FromRow)]
struct StampedPlanRow {
    area_id: AreaId,
    slug: String,
    name: String,
    board_id: OrganisationId,
    board_name: String,
    region: Option<String>,
    id: Option<PlanId>,
    template_key: Option<String>,
    template_name: Option<String>,
    structure_id: Option<i64>,
    stamp: i64,
}

impl StampedPlanRow {
    fn into_parts(self) -> StampedPlan {
        let plan = match (self.id, self.template_key, self.template_name) {
            (Some(id), Some(template_key), Some(template_name)) => Some(PlanSummary {
                id,
                template_key,
                template_name,
                structure_id: self.structure_id,
            }),
            _ => None,
        };
        StampedPlan {
            area: AreaSummary {
                id: self.area_id,
                slug: self.slug,
                name: self.name,
                board_id: self.board_id,
                board_name: self.board_name,
                region: self.region,
            },
            plan,
            stamp: self.stamp,
        }
    }
}

/// Creates the area's plan from a template, with one section per template section and the
/// template's current structure (years, streams, metrics, conditions); `None` if the area
/// already has a plan from that template.
pub async fn create_plan(
    tx: &mut PgConnection,
    area_id: AreaId,
    template_id: TemplateId,
    created_by: UserId,
    now: OffsetDateTime,
) -> Result<Option<PlanId>, sqlx::Error> {
    let plan_id: Option<PlanId> = sqlx::query_scalar(
        "INSERT INTO plans (area_id, template_id, created_at, created_by, structure_id)
         VALUES ($1, $2, $3, $4,
                 (SELECT id FROM template_structures WHERE template_id = $2
                  ORDER BY id DESC LIMIT 1))
         ON CONFLICT (area_id, template_id) DO NOTHING
         RETURNING id",
    )
    .bind(area_id)
    .bind(template_id)
    .bind(now)
    .bind(created_by)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(plan_id) = plan_id {
        sqlx::query(
            "INSERT INTO plan_sections (plan_id, template_section_id)
             SELECT $1, id FROM template_sections WHERE template_id = $2",
        )
        .bind(plan_id)
        .bind(template_id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(plan_id)
}

/// A row of the task list.
#[derive(Clone, Debug, FromRow)]
pub struct TaskListRow {
    pub key: String,
    pub title: String,
    pub per_organisation: bool,
    pub status: SectionStatus,
    pub assigned_organisation_id: Option<OrganisationId>,
    pub assigned_organisation: Option<String>,
    pub updated_at: Option<OffsetDateTime>,
    pub updated_by: Option<String>,
    pub open_comments: i64,
    pub contributions: i64,
    /// How many of the area's partners sign the plan (and so write a part of such sections).
    pub partners: i64,
    /// The viewer's organisation has written its part (per-organisation sections).
    pub contributed_by_you: bool,
}

/// A section's key, title and status, for the checks.
#[derive(Clone, Debug, FromRow)]
pub struct SectionState {
    pub key: String,
    pub title: String,
    pub status: SectionStatus,
}

/// Every section of a plan in template order, with its status.
pub async fn section_states(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Vec<SectionState>, sqlx::Error> {
    sqlx::query_as(
        "SELECT ts.key, ts.title, s.status
         FROM plan_sections s JOIN template_sections ts ON ts.id = s.template_section_id
         WHERE s.plan_id = $1 ORDER BY ts.position LIMIT 1000",
    )
    .bind(plan_id)
    .fetch_all(db)
    .await
}

/// Every section of a plan in template order, with who changed it last, its open comments, how
/// many partners have contributed and whether `organisation_id` has, in one query.
pub async fn task_list(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    organisation_id: OrganisationId,
) -> Result<Vec<TaskListRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT ts.key, ts.title, ts.per_organisation, s.status, s.assigned_organisation_id,
                o.name AS assigned_organisation,
                greatest(s.updated_at, c.last_contribution_at) AS updated_at,
                CASE WHEN c.last_contribution_at > s.updated_at OR s.updated_at IS NULL
                     THEN c.last_contributor ELSE u.display_name END AS updated_by,
                coalesce(k.open_comments, 0) AS open_comments,
                coalesce(c.contributions, 0) AS contributions,
                (SELECT count(*) FROM area_members m JOIN plans p ON p.area_id = m.area_id
                 WHERE p.id = $1 AND m.signs_plan) AS partners,
                coalesce(c.contributed_by_you, false) AS contributed_by_you
         FROM plan_sections s
         JOIN template_sections ts ON ts.id = s.template_section_id
         LEFT JOIN organisations o ON o.id = s.assigned_organisation_id
         LEFT JOIN users u ON u.id = s.updated_by
         LEFT JOIN LATERAL (
             SELECT count(*) FILTER (WHERE body <> '') AS contributions,
                    bool_or(organisation_id = $2 AND body <> '') AS contributed_by_you,
                    max(updated_at) AS last_contribution_at,
                    (SELECT cu.display_name FROM contributions cc JOIN users cu ON cu.id = cc.updated_by
                     WHERE cc.plan_section_id = s.id ORDER BY cc.updated_at DESC NULLS LAST LIMIT 1)
                        AS last_contributor
             FROM contributions WHERE plan_section_id = s.id
         ) c ON true
         LEFT JOIN LATERAL (
             SELECT count(*) AS open_comments FROM comments
             WHERE plan_section_id = s.id AND thread_id IS NULL AND resolved_at IS NULL
         ) k ON true
         WHERE s.plan_id = $1
         ORDER BY ts.position",
    )
    .bind(plan_id)
    .bind(organisation_id)
    .fetch_all(db)
    .await
}

/// A section with everything its page shows at the top.
#[derive(Clone, Debug, FromRow)]
pub struct Section {
    pub id: PlanSectionId,
    pub plan_id: PlanId,
    pub key: String,
    pub title: String,
    pub guidance: String,
    pub kind: SectionKind,
    pub per_organisation: bool,
    pub status: SectionStatus,
    pub assigned_organisation_id: Option<OrganisationId>,
    pub assigned_organisation: Option<String>,
    pub body: String,
    pub version: i32,
    pub updated_at: Option<OffsetDateTime>,
    pub updated_by: Option<String>,
    /// The viewer's draft of the text, kept on the server (see `drafts`): its text, the version
    /// it was typed on and when it was last kept. Read as `None`: the section page reads each
    /// viewer's drafts apart (`drafts_in_section`) and sets them (`set_draft`).
    pub draft_body: Option<String>,
    pub draft_based_on: Option<i32>,
    pub draft_updated_at: Option<OffsetDateTime>,
    /// The content revision: the text's version plus its contributions' versions, which grows
    /// with every save of either. Forms answering "Have you completed this section?" carry it,
    /// so a lead never completes what they did not see.
    pub content_version: i32,
    /// When it was last sent for review (moved to "ready for review"): by whom, when, and the
    /// text's version and content revision then. All `None` if never.
    pub review_by_id: Option<UserId>,
    pub review_by: Option<String>,
    pub review_at: Option<OffsetDateTime>,
    pub review_text_version: Option<i32>,
    pub review_content_version: Option<i32>,
}

/// A draft of a section's text (or of a contribution) kept for one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Draft {
    pub body: String,
    pub based_on: i32,
    pub updated_at: OffsetDateTime,
}

impl Draft {
    /// The draft read with a left join: all three columns, or none (no draft).
    fn from_columns(
        body: &Option<String>,
        based_on: Option<i32>,
        updated_at: Option<OffsetDateTime>,
    ) -> Option<Draft> {
        match (body, based_on, updated_at) {
            (Some(body), Some(based_on), Some(updated_at)) => Some(Draft {
                body: body.clone(),
                based_on,
                updated_at,
            }),
            _ => None,
        }
    }

    /// The three columns of `draft` (all `None` without one).
    fn into_columns(draft: Option<Draft>) -> (Option<String>, Option<i32>, Option<OffsetDateTime>) {
        match draft {
            Some(draft) => (
                Some(draft.body),
                Some(draft.based_on),
                Some(draft.updated_at),
            ),
            None => (None, None, None),
        }
    }
}

impl Section {
    /// Whether it is waiting for review and someone has saved its text or a contribution
    /// since it was sent: the lead is shown what changed.
    pub fn changed_since_review(&self) -> bool {
        self.status == SectionStatus::ReadyForReview
            && self
                .review_content_version
                .is_some_and(|sent| sent != self.content_version)
    }

    /// The viewer's draft of the text, if they have one.
    pub fn draft(&self) -> Option<Draft> {
        Draft::from_columns(&self.draft_body, self.draft_based_on, self.draft_updated_at)
    }

    /// Sets the viewer's draft of the text (`None`: they have none).
    pub fn set_draft(&mut self, draft: Option<Draft>) {
        (self.draft_body, self.draft_based_on, self.draft_updated_at) = Draft::into_columns(draft);
    }
}

/// The section as every reader sees it (no one's draft).
pub async fn find_section(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    section_key: &str,
) -> Result<Option<Section>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, s.plan_id, ts.key, ts.title, ts.guidance, ts.kind, ts.per_organisation,
                s.status, s.assigned_organisation_id, o.name AS assigned_organisation,
                s.body, s.version, s.updated_at, u.display_name AS updated_by,
                NULL::text AS draft_body, NULL::int AS draft_based_on,
                NULL::timestamptz AS draft_updated_at,
                (s.version + coalesce((SELECT sum(c.version) FROM contributions c
                                       WHERE c.plan_section_id = s.id), 0))::int AS content_version,
                r.changed_by AS review_by_id, ru.display_name AS review_by,
                r.changed_at AS review_at, r.text_version AS review_text_version,
                r.content_version AS review_content_version
         FROM plan_sections s
         JOIN template_sections ts ON ts.id = s.template_section_id
         LEFT JOIN organisations o ON o.id = s.assigned_organisation_id
         LEFT JOIN users u ON u.id = s.updated_by
         LEFT JOIN LATERAL (
             SELECT h.changed_by, h.changed_at, h.text_version, h.content_version
             FROM section_status_changes h
             WHERE h.plan_section_id = s.id AND h.to_status = 'ready_for_review'
             ORDER BY h.id DESC
             LIMIT 1
         ) r ON true
         LEFT JOIN users ru ON ru.id = r.changed_by
         WHERE s.plan_id = $1 AND ts.key = $2",
    )
    .bind(plan_id)
    .bind(section_key)
    .fetch_optional(db)
    .await
}

/// A partner organisation's part of a section (empty if it has not written anything yet).
#[derive(Clone, Debug, FromRow)]
pub struct Contribution {
    pub organisation_id: OrganisationId,
    pub organisation: String,
    pub body: String,
    pub version: i32,
    pub updated_at: Option<OffsetDateTime>,
    pub updated_by: Option<String>,
    /// The reader's own draft of this contribution (`contribution_drafts`), if any.
    pub draft_body: Option<String>,
    pub draft_based_on: Option<i32>,
    pub draft_updated_at: Option<OffsetDateTime>,
}

impl Contribution {
    /// The reader's draft of this contribution, if they have one.
    pub fn draft(&self) -> Option<Draft> {
        Draft::from_columns(&self.draft_body, self.draft_based_on, self.draft_updated_at)
    }

    /// Sets the reader's draft of this contribution (`None`: they have none).
    pub fn set_draft(&mut self, draft: Option<Draft>) {
        (self.draft_body, self.draft_based_on, self.draft_updated_at) = Draft::into_columns(draft);
    }
}

/// One row per partner of the area that signs the plan, with its contribution if any, and
/// `reader`'s own draft of it if they have one (none without a reader).
pub async fn contributions(
    db: impl PgExecutor<'_>,
    area_id: AreaId,
    plan_section_id: PlanSectionId,
    reader: Option<UserId>,
) -> Result<Vec<Contribution>, sqlx::Error> {
    sqlx::query_as(
        "SELECT o.id AS organisation_id, o.name AS organisation,
                coalesce(c.body, '') AS body, coalesce(c.version, 0) AS version,
                c.updated_at, u.display_name AS updated_by,
                d.body AS draft_body, d.based_on_version AS draft_based_on,
                d.updated_at AS draft_updated_at
         FROM area_members m
         JOIN organisations o ON o.id = m.organisation_id
         LEFT JOIN contributions c ON c.plan_section_id = $2 AND c.organisation_id = o.id
         LEFT JOIN users u ON u.id = c.updated_by
         LEFT JOIN contribution_drafts d
                ON d.user_id = $3 AND d.plan_section_id = $2 AND d.organisation_id = o.id
         WHERE m.area_id = $1 AND m.signs_plan
         ORDER BY o.kind, o.name
         LIMIT 200",
    )
    .bind(area_id)
    .bind(plan_section_id)
    .bind(reader)
    .fetch_all(db)
    .await
}

/// One save of a text: what, by whom, when, and which earlier revision it restores, if any.
pub struct TextSave<'a> {
    pub body: &'a str,
    pub author_id: UserId,
    pub at: OffsetDateTime,
    pub restored_from: Option<i32>,
}

/// What became of a save.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    /// Saved as this new version.
    Version(i32),
    /// Someone else saved first: the form was for an older version.
    Stale,
    /// The section is completed, so nothing in it may change until a lead reopens it.
    Closed,
}

/// Saves new shared text if the section is still at `expected_version` and not completed.
/// The status is checked and moved on (not started → in progress) in the same `UPDATE`, so a
/// save can neither land in a completed section nor write back a status it read earlier: a
/// lead's "completed" and an officer's save exclude each other on the row's lock.
pub async fn save_section_text(
    tx: &mut PgConnection,
    section_id: PlanSectionId,
    expected_version: i32,
    save: &TextSave<'_>,
) -> Result<Saved, sqlx::Error> {
    let version: Option<i32> = sqlx::query_scalar(
        "UPDATE plan_sections
         SET body = $3, version = version + 1, updated_at = $4, updated_by = $5,
             status = CASE WHEN status = 'not_started' THEN 'in_progress'::section_status
                           ELSE status END
         WHERE id = $1 AND version = $2 AND status <> 'completed'
         RETURNING version",
    )
    .bind(section_id)
    .bind(expected_version)
    .bind(save.body)
    .bind(save.at)
    .bind(save.author_id)
    .fetch_optional(&mut *tx)
    .await?;
    match version {
        Some(number) => {
            insert_revision(tx, section_id, None, number, save).await?;
            Ok(Saved::Version(number))
        }
        None => why_not_saved(tx, section_id).await,
    }
}

/// After a refused save: completed, or someone else's newer version.
async fn why_not_saved(
    tx: &mut PgConnection,
    section_id: PlanSectionId,
) -> Result<Saved, sqlx::Error> {
    let status: Option<SectionStatus> =
        sqlx::query_scalar("SELECT status FROM plan_sections WHERE id = $1")
            .bind(section_id)
            .fetch_optional(&mut *tx)
            .await?;
    Ok(match status {
        Some(SectionStatus::Completed) => Saved::Closed,
        _ => Saved::Stale,
    })
}

/// Saves a partner's contribution if it is still at `expected_version` (0 for the first save)
/// and the section is not completed. The section's row is locked and its status checked (and
/// moved on from not started) first, so completing the section waits for this save to commit,
/// or this save sees the section completed and is refused.
pub async fn save_contribution(
    tx: &mut PgConnection,
    section_id: PlanSectionId,
    organisation_id: OrganisationId,
    expected_version: i32,
    save: &TextSave<'_>,
) -> Result<Saved, sqlx::Error> {
    let open: Option<PlanSectionId> = sqlx::query_scalar(
        "UPDATE plan_sections
         SET status = CASE WHEN status = 'not_started' THEN 'in_progress'::section_status
                           ELSE status END
         WHERE id = $1 AND status <> 'completed'
         RETURNING id",
    )
    .bind(section_id)
    .fetch_optional(&mut *tx)
    .await?;
    if open.is_none() {
        return Ok(Saved::Closed);
    }
    // The first save inserts at version 1; a concurrent first save loses on the unique key and
    // so sees a conflict, like any later one.
    let version: Option<i32> = sqlx::query_scalar(
        "INSERT INTO contributions (plan_section_id, organisation_id, body, version, updated_at, updated_by)
         VALUES ($1, $2, $4, 1, $5, $6)
         ON CONFLICT (plan_section_id, organisation_id) DO UPDATE
         SET body = EXCLUDED.body, version = contributions.version + 1,
             updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
         WHERE contributions.version = $3
         RETURNING version",
    )
    .bind(section_id)
    .bind(organisation_id)
    .bind(expected_version)
    .bind(save.body)
    .bind(save.at)
    .bind(save.author_id)
    .fetch_optional(&mut *tx)
    .await?;
    match version {
        // A first save when a row exists already is a conflict too.
        Some(1) if expected_version != 0 => Ok(Saved::Stale),
        Some(number) => {
            insert_revision(tx, section_id, Some(organisation_id), number, save).await?;
            Ok(Saved::Version(number))
        }
        None => Ok(Saved::Stale),
    }
}

async fn insert_revision(
    tx: &mut PgConnection,
    section_id: PlanSectionId,
    organisation_id: Option<OrganisationId>,
    number: i32,
    save: &TextSave<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO revisions (plan_section_id, organisation_id, number, body, author_id, created_at, restored_from)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(section_id)
    .bind(organisation_id)
    .bind(number)
    .bind(save.body)
    .bind(save.author_id)
    .bind(save.at)
    .bind(save.restored_from)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Changes a section's status from one the caller saw it in (see `move_status`), recording the
/// change in the section's history.
pub async fn set_status(
    db: &mut PgConnection,
    section_id: PlanSectionId,
    from: StatusFrom,
    status: SectionStatus,
    user_id: UserId,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let change = StatusMove {
        section_id,
        from,
        to: status,
        user_id,
        at: now,
        seen: None,
        comment: None,
    };
    Ok(move_status(db, &change).await? == Moved::Moved)
}

/// The status a change of status starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFrom {
    Open,
    Completed,
}

pub async fn assign(
    db: impl PgExecutor<'_>,
    section_id: PlanSectionId,
    organisation_id: Option<OrganisationId>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE plan_sections SET assigned_organisation_id = $2 WHERE id = $1")
        .bind(section_id)
        .bind(organisation_id)
        .execute(db)
        .await?;
    Ok(())
}

/// A saved revision, for the history list.
#[derive(Clone, Debug, FromRow)]
pub struct RevisionSummary {
    pub number: i32,
    pub organisation_id: Option<OrganisationId>,
    pub author: String,
    pub created_at: OffsetDateTime,
    pub restored_from: Option<i32>,
    pub characters: i32,
}

/// Every revision of a section's shared text (`organisation_id` None) or of one partner's
/// contribution, newest first.
pub async fn revisions(
    db: impl PgExecutor<'_>,
    section_id: PlanSectionId,
    organisation_id: Option<OrganisationId>,
) -> Result<Vec<RevisionSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.number, r.organisation_id, u.display_name AS author, r.created_at,
                r.restored_from, length(r.body) AS characters
         FROM revisions r JOIN users u ON u.id = r.author_id
         WHERE r.plan_section_id = $1 AND r.organisation_id IS NOT DISTINCT FROM $2
         ORDER BY r.number DESC
         LIMIT 1000",
    )
    .bind(section_id)
    .bind(organisation_id)
    .fetch_all(db)
    .await
}

/// The texts of two revisions (by number), in one query.
pub async fn revision_bodies(
    db: impl PgExecutor<'_>,
    section_id: PlanSectionId,
    organisation_id: Option<OrganisationId>,
    numbers: [i32; 2],
) -> Result<Vec<(i32, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT number, body FROM revisions
         WHERE plan_section_id = $1 AND organisation_id IS NOT DISTINCT FROM $2 AND number = ANY($3)",
    )
    .bind(section_id)
    .bind(organisation_id)
    .bind(numbers.to_vec())
    .fetch_all(db)
    .await
}

/// The snapshot of a plan its board approved, which every page of the live plan compares the
/// plan with (issue 11, item 5).
#[derive(Clone, Debug, FromRow)]
pub struct ApprovedSnapshot {
    /// The sign-off round's number within the plan (for its URL).
    pub round_number: i32,
    pub hash: Vec<u8>,
    /// The area's content version when the snapshot was taken: while it is unchanged, so is
    /// the plan.
    pub content_version: i64,
    pub approved_at: OffsetDateTime,
}

/// Marks `round_id`'s snapshot as the plan's approved one (the board approved it).
pub async fn record_approval(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
    round_id: i64,
    round_number: i32,
    hash: &[u8],
    content_version: i64,
    at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE plans SET approved_round_id = $2, approved_round_number = $6,
                          approved_snapshot_hash = $3, approved_content_version = $4,
                          approved_at = $5
         WHERE id = $1",
    )
    .bind(plan_id)
    .bind(round_id)
    .bind(hash)
    .bind(content_version)
    .bind(at)
    .bind(round_number)
    .execute(db)
    .await?;
    Ok(())
}

/// The plan's approved snapshot, if its board has approved one.
pub async fn approved_snapshot(
    db: impl PgExecutor<'_>,
    plan_id: PlanId,
) -> Result<Option<ApprovedSnapshot>, sqlx::Error> {
    sqlx::query_as(
        "SELECT approved_round_number AS round_number, approved_snapshot_hash AS hash,
                approved_content_version AS content_version, approved_at
         FROM plans WHERE id = $1 AND approved_round_id IS NOT NULL",
    )
    .bind(plan_id)
    .fetch_optional(db)
    .await
}

/// A plan of one of several areas, with the structure it follows and when its board approved
/// it: what the deadlines of those areas are worked out from.
#[derive(Debug, FromRow)]
pub struct PlanOfArea {
    pub id: PlanId,
    pub area_id: AreaId,
    pub template_key: String,
    pub template_name: String,
    pub structure_id: i64,
    pub approved_at: Option<OffsetDateTime>,
}

/// The plans of the areas `area_ids` (at most a few per area, one per template).
pub async fn plans_of_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
) -> Result<Vec<PlanOfArea>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.id, p.area_id, t.key AS template_key, t.name AS template_name,
                coalesce(p.structure_id,
                         (SELECT id FROM template_structures
                          WHERE template_id = p.template_id ORDER BY id DESC LIMIT 1)) AS structure_id,
                p.approved_at
         FROM plans p JOIN templates t ON t.id = p.template_id
         WHERE p.area_id = ANY($1)
         ORDER BY p.area_id, t.created_at",
    )
    .bind(area_ids)
    .fetch_all(db)
    .await
}

/// A section not completed of a plan of one of several areas, with what a person's home page
/// decides from: whom it is assigned to, whether each partner contributes, and whether the
/// person's organisation signs the plan and has written its part.
#[derive(Clone, Debug, FromRow)]
pub struct OpenSection {
    pub area_id: AreaId,
    pub template_key: String,
    pub template_name: String,
    pub key: String,
    pub title: String,
    pub status: SectionStatus,
    pub per_organisation: bool,
    pub assigned_organisation_id: Option<OrganisationId>,
    /// The organisation is a partner that signs the area's plan (so contributes its part).
    pub organisation_signs: bool,
    /// The organisation has written its part of the section.
    pub contributed: bool,
}

/// The most sections a home page reads: far above what any person has open.
pub const MAX_OPEN_SECTIONS: i64 = 1_000;

/// The sections not completed of the plans of the areas `area_ids` that may need
/// `organisation_id`: those assigned to it, those each partner contributes to, and every one in
/// the areas `lead_area_ids` (which the person leads), by area, plan and template order. One
/// query however many areas and sections.
pub async fn open_sections_of_areas(
    db: impl PgExecutor<'_>,
    area_ids: &[i64],
    lead_area_ids: &[i64],
    organisation_id: OrganisationId,
) -> Result<Vec<OpenSection>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.area_id, t.key AS template_key, t.name AS template_name, ts.key, ts.title,
                s.status, ts.per_organisation, s.assigned_organisation_id,
                EXISTS (SELECT 1 FROM area_members m
                        WHERE m.area_id = p.area_id AND m.organisation_id = $3 AND m.signs_plan)
                    AS organisation_signs,
                EXISTS (SELECT 1 FROM contributions c
                        WHERE c.plan_section_id = s.id AND c.organisation_id = $3 AND c.body <> '')
                    AS contributed
         FROM plans p
         JOIN templates t ON t.id = p.template_id
         JOIN plan_sections s ON s.plan_id = p.id
         JOIN template_sections ts ON ts.id = s.template_section_id
         WHERE p.area_id = ANY($1) AND s.status <> 'completed'
           AND (p.area_id = ANY($2) OR s.assigned_organisation_id = $3 OR ts.per_organisation)
         ORDER BY p.area_id, t.created_at, ts.position
         LIMIT $4",
    )
    .bind(area_ids)
    .bind(lead_area_ids)
    .bind(organisation_id)
    .bind(MAX_OPEN_SECTIONS)
    .fetch_all(db)
    .await
}
