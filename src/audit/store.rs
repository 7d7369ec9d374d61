//! SQL for the audit log: appending (serialised by an advisory lock so the chain never forks),
//! verifying in batches, and browsing.

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::OffsetDateTime;

use super::{
    CHAIN_KEYED, Event, GENESIS_HASH, Row, canonical_json, chain_hash, hashed_content,
    to_stored_precision,
};
use crate::keys::Keys;

/// Any fixed number: the key of the advisory lock that serialises appends.
const APPEND_LOCK: i64 = 0x017F_A0D1;

/// Appends `event` inside the caller's transaction, so the record and the change it describes
/// commit (or roll back) together. The row is keyed with the process's installed keys (see
/// `Keys::install`): taking them from there spares every caller passing them along.
pub async fn append(
    tx: &mut PgConnection,
    at: OffsetDateTime,
    event: &Event,
) -> Result<(), sqlx::Error> {
    let key = &Keys::installed()
        .ok_or_else(|| {
            sqlx::Error::Configuration(
                "no server key is installed, so the audit log cannot be appended to".into(),
            )
        })?
        .audit_chain;
    // Held until the transaction ends: the next append reads our hash only once we commit.
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(APPEND_LOCK)
        .execute(&mut *tx)
        .await?;
    let prev_hash: Vec<u8> =
        sqlx::query_scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?
            .unwrap_or_else(|| GENESIS_HASH.to_vec());
    let at = to_stored_precision(at);
    let details = canonical_json(&event.details);
    let actor_label = event.actor.label();
    let content = hashed_content(
        &prev_hash,
        at,
        event.actor.user_id(),
        &actor_label,
        event.action,
        event.target_kind,
        event.target_id.as_deref(),
        event.area_id,
        &details,
    );
    let hash = chain_hash(Some(key), &content);
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, actor_label, action, target_kind, target_id,
                                area_id, details, chain, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(at)
    .bind(event.actor.user_id())
    .bind(actor_label)
    .bind(event.action)
    .bind(event.target_kind)
    .bind(event.target_id.as_deref())
    .bind(event.area_id)
    .bind(details)
    .bind(CHAIN_KEYED)
    .bind(prev_hash)
    .bind(hash)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Up to `limit` rows after id `after`, in id order, for verification.
pub async fn rows_after(
    db: impl PgExecutor<'_>,
    after: i64,
    limit: i64,
) -> Result<Vec<Row>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, at, actor_user_id, actor_label, action, target_kind, target_id, area_id,
                details, chain, prev_hash, hash
         FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The id and hash of the newest row, if any.
pub async fn head(db: impl PgExecutor<'_>) -> Result<Option<(i64, Vec<u8>)>, sqlx::Error> {
    sqlx::query_as("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
        .fetch_optional(db)
        .await
}

/// The SQL of [`last_change_in_area`] for the area whose id is `$area` (a parameter or a
/// column), for a store that reads the stamp in the same statement as the area it names: one
/// round trip, and one snapshot, for the area, its plan and its stamp.
macro_rules! area_change_stamp {
    ($area:literal) => {
        concat!(
            "greatest(
                (SELECT coalesce(max(id), 0) FROM audit_log WHERE area_id = ",
            $area,
            "),
                (SELECT coalesce(max(id), 0) FROM audit_log
                 WHERE area_id IS NULL
                   AND target_kind IN ('template', 'template_section', 'template_structure',
                                       'organisation')))"
        )
    };
}
pub(crate) use area_change_stamp;

/// An area's change stamp (`areas::kept`): the id of the newest row naming `area_id`, or of the
/// newest change naming no area that alters every area's pages (a template, its sections or
/// structure, an organisation), whichever is later; 0 when there is none. Rows are numbered
/// while the append lock is held, and the lock is held until the appending transaction ends,
/// so ids become visible in the order they were given: once a reader sees this id, every
/// change recorded before it has committed, and any change committed after it has a greater
/// id. Two index probes (`audit_log_area_idx`, `audit_log_shared_idx`).
pub async fn last_change_in_area(
    db: impl PgExecutor<'_>,
    area_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(concat!("SELECT ", area_change_stamp!("$1")))
        .bind(area_id)
        .fetch_one(db)
        .await
}

/// Filters for browsing the log.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub area_id: Option<i64>,
    pub actor_user_id: Option<i64>,
    /// The kind of thing changed (`target_kind`), and optionally which one (`target_id`).
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Show rows older than this id (the next page).
    pub before_id: Option<i64>,
}

/// A row for display: who acted and the area by name, and what the row's target is now, read
/// from the table of its kind (`None` where that kind names nothing, or the thing is gone).
#[derive(Clone, Debug, FromRow)]
pub struct Entry {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor_user_id: Option<i64>,
    pub actor_label: String,
    pub actor_name: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub area_name: Option<String>,
    pub area_slug: Option<String>,
    pub details: String,
    #[sqlx(flatten)]
    pub target: Target,
}

/// What an audit row's target is now, as far as its kind says: its name, a second name (the
/// organisation of a contribution, the plan of a scheme...), its number (a risk's, a scheme's,
/// a round's, a comment thread's) and where it lives (area, plan, section or other key).
#[derive(Clone, Debug, Default, FromRow, PartialEq, Eq)]
pub struct Target {
    pub target_name: Option<String>,
    pub target_detail: Option<String>,
    pub target_number: Option<i64>,
    pub target_area: Option<String>,
    pub target_plan: Option<String>,
    pub target_part: Option<String>,
}

/// The newest `limit` rows matching `filter`, newest first, each with its actor's name, its
/// area and its target resolved. One statement however many rows: the targets are looked up
/// by a lateral join, one branch per kind, each by primary key.
pub async fn browse(
    db: impl PgExecutor<'_>,
    filter: &Filter,
    limit: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    sqlx::query_as(
        "WITH page AS (
             SELECT l.id, l.at, l.actor_user_id, l.actor_label, l.action, l.target_kind,
                    l.target_id, l.area_id, l.details,
                    substring(l.target_id FROM '^([0-9]{1,18})(?:[:/]|$)')::bigint AS first_id,
                    substring(l.target_id FROM '^[0-9]{1,18}[:/]([0-9]{1,18})(?::|$)')::bigint
                        AS second_id,
                    substring(l.target_id FROM '^[0-9]{1,18}:[0-9]{1,18}:(.{1,60})$') AS third
             FROM audit_log l
             WHERE ($1::bigint IS NULL OR l.area_id = $1)
               AND ($2::bigint IS NULL OR l.actor_user_id = $2)
               AND ($3::text IS NULL OR l.target_kind = $3)
               AND ($4::text IS NULL OR l.target_id = $4)
               AND ($5::timestamptz IS NULL OR l.at >= $5)
               AND ($6::timestamptz IS NULL OR l.at < $6)
               AND ($7::bigint IS NULL OR l.id < $7)
             ORDER BY l.id DESC
             LIMIT $8
         )
         SELECT p.id, p.at, p.actor_user_id, p.actor_label, au.display_name AS actor_name,
                p.action, p.target_kind, p.target_id, a.name AS area_name, a.slug AS area_slug,
                p.details, t.target_name, t.target_detail, t.target_number, t.target_area,
                t.target_plan, t.target_part
         FROM page p
         LEFT JOIN users au ON au.id = p.actor_user_id
         LEFT JOIN areas a ON a.id = p.area_id
         LEFT JOIN LATERAL (
             SELECT u.display_name AS target_name, u.email AS target_detail,
                    NULL::bigint AS target_number, NULL::text AS target_area,
                    NULL::text AS target_plan, NULL::text AS target_part
             FROM users u WHERE p.target_kind = 'user' AND u.id = p.first_id
             UNION ALL
             SELECT o.name, NULL, NULL, NULL, NULL, NULL
             FROM organisations o WHERE p.target_kind = 'organisation' AND o.id = p.first_id
             UNION ALL
             SELECT ar.name, NULL, NULL, ar.slug, NULL, NULL
             FROM areas ar WHERE p.target_kind = 'area' AND ar.id = p.first_id
             UNION ALL
             SELECT i.email, NULL, NULL, ar.slug, NULL, NULL
             FROM invitations i JOIN areas ar ON ar.id = i.area_id
             WHERE p.target_kind = 'invitation' AND i.id = p.first_id
             UNION ALL
             SELECT tp.name, NULL, NULL, ar.slug, tp.key, NULL
             FROM plans pl JOIN templates tp ON tp.id = pl.template_id
             JOIN areas ar ON ar.id = pl.area_id
             WHERE p.target_kind = 'plan' AND pl.id = p.first_id
             UNION ALL
             SELECT ts.title, org.name,
                    CASE WHEN p.target_kind = 'comment'
                         THEN (SELECT coalesce(c.thread_id, c.id) FROM comments c
                               WHERE c.id = p.first_id) END,
                    ar.slug, tp.key, ts.key
             FROM plan_sections s JOIN template_sections ts ON ts.id = s.template_section_id
             JOIN plans pl ON pl.id = s.plan_id JOIN templates tp ON tp.id = pl.template_id
             JOIN areas ar ON ar.id = pl.area_id
             LEFT JOIN organisations org
                    ON p.target_kind = 'contribution' AND org.id = p.second_id
             WHERE s.id = CASE p.target_kind
                 WHEN 'plan_section' THEN p.first_id
                 WHEN 'contribution' THEN p.first_id
                 WHEN 'comment'
                     THEN (SELECT c.plan_section_id FROM comments c WHERE c.id = p.first_id)
             END
             UNION ALL
             SELECT org.name, p.third, NULL, ar.slug, tp.key, NULL
             FROM plans pl JOIN templates tp ON tp.id = pl.template_id
             JOIN areas ar ON ar.id = pl.area_id
             JOIN organisations org ON org.id = p.second_id
             WHERE p.target_kind = 'funding' AND pl.id = p.first_id
             UNION ALL
             SELECT tp.name, NULL, NULL, ar.slug, tp.key, NULL
             FROM notified_minimums nm JOIN plans pl ON pl.id = nm.plan_id
             JOIN templates tp ON tp.id = pl.template_id JOIN areas ar ON ar.id = pl.area_id
             WHERE p.target_kind = 'notified_minimum' AND nm.id = p.first_id
             UNION ALL
             SELECT sc.name, tp.name, sc.number, ar.slug, tp.key, NULL
             FROM schemes sc JOIN plans pl ON pl.id = sc.plan_id
             JOIN templates tp ON tp.id = pl.template_id JOIN areas ar ON ar.id = pl.area_id
             WHERE p.target_kind = 'scheme' AND sc.id = p.first_id
             UNION ALL
             SELECT mg.metric_key, tp.name, NULL, ar.slug, tp.key, mg.metric_key
             FROM metric_goal_sets mg JOIN plans pl ON pl.id = mg.plan_id
             JOIN templates tp ON tp.id = pl.template_id JOIN areas ar ON ar.id = pl.area_id
             WHERE p.target_kind = 'metric_goal_set' AND mg.id = p.first_id
             UNION ALL
             SELECT ca.condition_key, tp.name, NULL, ar.slug, tp.key, NULL
             FROM condition_answers ca JOIN plans pl ON pl.id = ca.plan_id
             JOIN templates tp ON tp.id = pl.template_id JOIN areas ar ON ar.id = pl.area_id
             WHERE p.target_kind = 'condition_answer' AND ca.id = p.first_id
             UNION ALL
             SELECT e.audience, tp.name, NULL, ar.slug, tp.key, NULL
             FROM engagement_entries e JOIN plans pl ON pl.id = e.plan_id
             JOIN templates tp ON tp.id = pl.template_id JOIN areas ar ON ar.id = pl.area_id
             WHERE p.target_kind = 'engagement_entry' AND e.id = p.first_id
             UNION ALL
             SELECT w.file_name, tp.name, NULL, ar.slug, tp.key, NULL
             FROM workbook_imports w JOIN plans pl ON pl.id = w.plan_id
             JOIN templates tp ON tp.id = pl.template_id JOIN areas ar ON ar.id = pl.area_id
             WHERE p.target_kind = 'workbook_import' AND w.id = p.first_id
             UNION ALL
             SELECT v.content ->> 'title', NULL, r.number, ar.slug, NULL, NULL
             FROM risks r JOIN areas ar ON ar.id = r.area_id
             LEFT JOIN risk_versions v ON v.risk_id = r.id AND v.version = r.version
             WHERE p.target_kind = 'risk' AND r.id = p.first_id
             UNION ALL
             SELECT NULL, NULL, NULL, ar.slug, NULL, NULL
             FROM risk_matrices m JOIN areas ar ON ar.id = m.area_id
             WHERE p.target_kind = 'risk_matrix' AND m.id = p.first_id
             UNION ALL
             SELECT ri.file_name, NULL, NULL, ar.slug, NULL, NULL
             FROM risk_imports ri JOIN areas ar ON ar.id = ri.area_id
             WHERE p.target_kind = 'risk_import' AND ri.id = p.first_id
             UNION ALL
             SELECT ro.name, tp.name, ro.number, ar.slug, tp.key, NULL
             FROM signoff_rounds ro JOIN plans pl ON pl.id = ro.plan_id
             JOIN templates tp ON tp.id = pl.template_id JOIN areas ar ON ar.id = pl.area_id
             WHERE ro.id = CASE p.target_kind
                 WHEN 'signoff_round' THEN p.first_id
                 WHEN 'assurance_condition' THEN p.first_id
                 WHEN 'signoff_decision'
                     THEN (SELECT d.round_id FROM signoff_decisions d WHERE d.id = p.first_id)
                 WHEN 'board_decision'
                     THEN (SELECT d.round_id FROM board_decisions d WHERE d.id = p.first_id)
                 WHEN 'submission'
                     THEN (SELECT d.round_id FROM submissions d WHERE d.id = p.first_id)
                 WHEN 'assurance_outcome'
                     THEN (SELECT d.round_id FROM assurance_outcomes d WHERE d.id = p.first_id)
             END
             UNION ALL
             SELECT ld.title, NULL, NULL, ar.slug, NULL, NULL
             FROM local_deadlines ld JOIN areas ar ON ar.id = ld.area_id
             WHERE p.target_kind = 'local_deadline' AND ld.id = p.first_id
             UNION ALL
             SELECT NULL, NULL, NULL, ar.slug, NULL, NULL
             FROM deadline_done dd JOIN areas ar ON ar.id = dd.area_id
             WHERE p.target_kind = 'deadline_done' AND dd.id = p.first_id
             UNION ALL
             SELECT tp.name, NULL, NULL, NULL, NULL, tp.key
             FROM templates tp
             WHERE tp.id = CASE p.target_kind
                 WHEN 'template' THEN p.first_id
                 WHEN 'template_section'
                     THEN (SELECT ts.template_id FROM template_sections ts
                           WHERE ts.id = p.first_id)
                 WHEN 'template_structure'
                     THEN (SELECT st.template_id FROM template_structures st
                           WHERE st.id = p.first_id)
             END
             UNION ALL
             SELECT k.name, NULL, NULL, NULL, NULL, NULL
             FROM api_tokens k WHERE p.target_kind = 'api_token' AND k.id = p.first_id
             UNION ALL
             SELECT mo.subject, mo.to_address, mo.id, NULL, NULL, NULL
             FROM mail_outbox mo WHERE p.target_kind = 'mail' AND mo.id = p.first_id
             UNION ALL
             SELECT n.title, NULL, NULL, NULL, NULL, NULL
             FROM notices n WHERE p.target_kind = 'notice' AND n.id = p.first_id
             LIMIT 1
         ) t ON true
         ORDER BY p.id DESC",
    )
    .bind(filter.area_id)
    .bind(filter.actor_user_id)
    .bind(filter.target_kind.as_deref())
    .bind(filter.target_id.as_deref())
    .bind(filter.from)
    .bind(filter.until)
    .bind(filter.before_id)
    .bind(limit)
    .fetch_all(db)
    .await
}
