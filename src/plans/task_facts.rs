//! What a plan's task list shows, read once per change to its area and kept (`areas::kept`):
//! its sections, how many checks fail, its sign-off state and its banners. The same for every
//! person of one organisation (who has contributed is per organisation); which sections are
//! "for you" is worked out for each request from the person's roles.
//!
//! Read afresh, this is a dozen statements, the checks reading every part of the plan (its
//! funding, minimums, scheme spend, metrics, conditions and the area's open risks); kept, the
//! task list reads its session, then its area, plan and the area's stamp in one statement.

use std::sync::Arc;

use time::Date;

use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::frozen::EditingClosed;
use crate::areas::kept::KeptForAreas;
use crate::areas::notices::{self, DeadlineNotice, DeadlineNoticeSource};
use crate::areas::store::AreaSummary;
use crate::auth::extract::SignedIn;
use crate::plans::PlanId;
use crate::plans::access::{PlanInCycle, PlanStatusSource, load_plan_stamped};
use crate::plans::approval::ApprovalNotice;
use crate::plans::parts::checks::{self, SectionFact, facts::check_plan};
use crate::plans::rules;
use crate::plans::store::{self, PlanSummary, TaskListRow};
use crate::web::{AppError, format};

/// The most task lists a server keeps (one per plan and organisation looking at it; a few KB
/// each).
pub const MOST_KEPT: usize = 2048;

/// Everything a kept task list was read from besides its area's stamp.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaskListKey {
    pub plan: PlanId,
    /// The structure the plan follows (a plan following its template's newest moves on when a
    /// new version is published, which names no area).
    pub structure_id: Option<i64>,
    /// The viewer's organisation: who has contributed is told per organisation.
    pub organisation: OrganisationId,
    /// The checks and the deadline banner are judged against the day.
    pub today: Date,
}

/// A section as the task list shows it.
#[derive(Debug)]
pub struct KeptTask {
    pub row: TaskListRow,
    /// "Name, 3 March 2014 at 2:05pm", or empty when never changed.
    pub last_change: String,
}

/// What the task list shows of a plan, as read.
#[derive(Debug)]
pub struct TaskListFacts {
    pub tasks: Vec<KeptTask>,
    /// How many of the plan's checks fail, and how many there are.
    pub checks_failing: usize,
    pub checks: usize,
    /// Set while the plan is in sign-off.
    pub frozen: Option<EditingClosed>,
    pub approval: Option<ApprovalNotice>,
    /// The plan's sign-off state in a few words.
    pub sign_off: String,
    pub deadline_notice: Option<DeadlineNotice>,
}

/// The task lists a server keeps (in `AppState`).
pub type KeptTaskLists = KeptForAreas<TaskListKey, TaskListFacts>;

/// The sources of what sits above plans (sign-off, deadlines), handed in by the application.
pub struct Sources {
    pub status: PlanStatusSource,
    pub notices: Option<DeadlineNoticeSource>,
}

/// The plan the path names, checked against the policy, with its task list's facts as
/// `signed_in`'s organisation sees them: kept ones while the area's stamp (read in the same
/// statement as the area and plan) has not moved, else read and kept.
pub async fn task_list_facts(
    state: &AppState,
    signed_in: &SignedIn,
    (slug, plan_key): (&str, &str),
    sources: Sources,
) -> Result<(AreaSummary, PlanSummary, Arc<TaskListFacts>), AppError> {
    let (area, plan, reading) = load_plan_stamped(state, signed_in, slug, plan_key).await?;
    let organisation = rules::own_organisation(&signed_in.user.principal());
    let key = TaskListKey {
        plan: plan.id,
        structure_id: plan.structure_id,
        organisation,
        today: format::in_london(state.clock.now()).date(),
    };
    let read = async {
        let cycle = PlanInCycle::of(state, area.clone(), plan.clone()).await?;
        read_facts(state, &cycle, organisation, sources).await
    };
    let facts = state
        .task_lists
        .get_or_read_at(Some(reading), key, read)
        .await?;
    Ok((area, plan, facts))
}

async fn read_facts(
    state: &AppState,
    cycle: &PlanInCycle,
    organisation: OrganisationId,
    sources: Sources,
) -> Result<TaskListFacts, AppError> {
    let deadline_notice =
        notices::deadline_notice(sources.notices, state, cycle.area.id.get()).await?;
    let frozen = cycle.editing_closed(state).await?;
    let sign_off = (sources.status.0)(state, cycle).await?;
    let tasks: Vec<KeptTask> = store::task_list(&state.pool, cycle.plan.id, organisation)
        .await?
        .into_iter()
        .map(|row| KeptTask {
            last_change: match (&row.updated_by, row.updated_at) {
                (Some(who), Some(at)) => format!("{who}, {}", format::date_time(at)),
                _ => String::new(),
            },
            row,
        })
        .collect();
    // The checks read every part; the sections they need are the ones listed here.
    let sections = tasks
        .iter()
        .map(|task| SectionFact {
            key: task.row.key.clone(),
            title: task.row.title.clone(),
            status: task.row.status,
        })
        .collect();
    let checks = check_plan(state, &cycle.area, &cycle.plan, &cycle.structure, sections).await?;
    Ok(TaskListFacts {
        tasks,
        checks_failing: checks::failing(&checks),
        checks: checks.len(),
        frozen,
        approval: cycle.approval.clone(),
        sign_off,
        deadline_notice,
    })
}
