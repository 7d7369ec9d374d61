//! The plan's sign-off page: where it stands, the route, the current round with its table of
//! signatures, the board's decisions, submissions and assurance, earlier rounds, the timeline,
//! and what the person may do next. Read in a fixed number of queries.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::{Done, SignOff, deadline_in, permit};
use crate::AppState;
use crate::areas::store::{self as areas, AreaSummary, Member};
use crate::auth::extract::SignedIn;
use crate::auth::policy::{self, Action, Decision, Target};
use crate::plans::PlanId;
use crate::plans::access::PlanInCycle;
use crate::plans::parts::checks::CheckResult;
use crate::plans::parts::checks::facts::{check_plan, sections};
use crate::plans::parts::document::short_hash;
use crate::plans::store::PlanSummary;
use crate::plans::templates::structure::{CycleStructure, DateKind};
use crate::signoff::forms::OpenRoundForm;
use crate::signoff::history::{
    Record, Standing, TimelineEntry, capacity, route_in_words, status_text, submission_timeliness,
    timeline,
};
use crate::signoff::signers::{required_signers, submitting_partners};
use crate::signoff::state::{
    BoardOutcome, RoundState, assurance_may_be_recorded, board_may_decide, timeliness,
};
use crate::signoff::store::assurance::{self, Assurance, Condition};
use crate::signoff::store::board::{self, BoardDecision};
use crate::signoff::store::decisions::{self, Decision as PartnerDecisionRow};
use crate::signoff::store::rounds::{self, Round};
use crate::signoff::store::submissions::{self, Submission};
use crate::web::banner::DoneQuery;
use crate::web::choice::Choice;
use crate::web::extract::{Path, Query};
use crate::web::{AppError, FormErrors, Layout, format, page};

/// Everything recorded on a plan's rounds, read in one query per table.
struct Loaded {
    rounds: Vec<Round>,
    decisions: Vec<PartnerDecisionRow>,
    board: Vec<BoardDecision>,
    submissions: Vec<Submission>,
    assurance: Vec<Assurance>,
    conditions: Vec<Condition>,
}

impl Loaded {
    async fn read(state: &AppState, plan_id: PlanId) -> Result<Loaded, AppError> {
        let pool = &state.pool;
        Ok(Loaded {
            rounds: rounds::list_rounds(pool, plan_id).await?,
            decisions: decisions::plan_decisions(pool, plan_id).await?,
            board: board::plan_board_decisions(pool, plan_id).await?,
            submissions: submissions::plan_submissions(pool, plan_id).await?,
            assurance: assurance::plan_assurance(pool, plan_id).await?,
            conditions: assurance::plan_conditions(pool, plan_id).await?,
        })
    }

    fn decisions_of(&self, round: &Round) -> impl Iterator<Item = &PartnerDecisionRow> {
        self.decisions
            .iter()
            .filter(move |d| d.round_id == round.id)
    }

    fn submissions_of(&self, round: &Round) -> impl Iterator<Item = &Submission> {
        self.submissions
            .iter()
            .filter(move |s| s.round_id == round.id)
    }

    fn assurance_of(&self, round: &Round) -> Option<&Assurance> {
        self.assurance.iter().find(|a| a.round_id == round.id)
    }

    fn board_approved(&self, round: &Round) -> bool {
        self.board
            .iter()
            .any(|b| b.round_id == round.id && b.outcome == BoardOutcome::Approved)
    }

    /// The plan's state in a few words.
    fn status(&self, structure: &CycleStructure, members: &[Member]) -> String {
        let latest = self.rounds.first();
        let signed = latest.map_or(0, |round| {
            self.decisions_of(round)
                .filter(|d| d.decision.approves())
                .count()
        });
        let required = required_signers(structure.sign_off(), members).len();
        status_text(&Standing {
            latest,
            signed,
            required,
            timeliness: latest.and_then(|round| {
                submission_timeliness(
                    deadline_in(structure, round.deadline_key.as_deref()),
                    self.submissions_of(round),
                )
            }),
            assured_as: latest
                .and_then(|round| self.assurance_of(round))
                .map(|a| a.outcome_label.as_str()),
        })
    }
}

/// The plan's sign-off state in a few words, for the task list: two queries.
/// `plan_status` as the task list takes it (`plans::access::PlanStatusSource`).
pub fn plan_status_source() -> crate::plans::access::PlanStatusSource {
    crate::plans::access::PlanStatusSource(|state, cycle| Box::pin(plan_status(state, cycle)))
}

pub async fn plan_status(state: &AppState, cycle: &PlanInCycle) -> Result<String, AppError> {
    let Some(standing) = rounds::latest_standing(&state.pool, cycle.plan.id).await? else {
        return Ok(status_text(&Standing {
            latest: None,
            signed: 0,
            required: 0,
            timeliness: None,
            assured_as: None,
        }));
    };
    let members = areas::list_members(&state.pool, cycle.area.id).await?;
    let round = &standing.round;
    let deadline = deadline_in(&cycle.structure, round.deadline_key.as_deref());
    Ok(status_text(&Standing {
        latest: Some(round),
        signed: usize::try_from(standing.approvals).unwrap_or_default(),
        required: required_signers(cycle.structure.sign_off(), &members).len(),
        timeliness: deadline
            .zip(standing.last_submitted_at)
            .map(|(deadline, at)| timeliness(deadline, at)),
        assured_as: standing.assured_as.as_deref(),
    }))
}

/// A row of a round's table of signatures.
struct SignatureRow {
    organisation: String,
    position: String,
    decision: String,
    who: String,
    when: String,
    comments: String,
}

struct BoardRow {
    outcome: String,
    how: String,
    body: String,
    date: String,
    agenda_item: String,
    reference: String,
    resolution: String,
    recorded: String,
}

struct SubmissionRow {
    who: String,
    when: String,
    timeliness: String,
    reference: String,
}

struct ConditionRow {
    position: i32,
    text: String,
    due: String,
    met: String,
    met_note: String,
    action: String,
}

struct AssuranceView {
    outcome: String,
    summary: String,
    recorded: String,
    conditions: Vec<ConditionRow>,
}

/// A round as the page shows it.
struct RoundView {
    number: i32,
    name: String,
    state: String,
    current: bool,
    void: bool,
    opened: String,
    hash: String,
    deadline: String,
    ended: String,
    signatures: Vec<SignatureRow>,
    board: Vec<BoardRow>,
    submissions: Vec<SubmissionRow>,
    assurance: Option<AssuranceView>,
}

/// The links and forms the person may use now.
#[derive(Default)]
struct Actions {
    open: bool,
    withdraw: Option<String>,
    decide: Option<String>,
    board: Option<String>,
    submit: Option<String>,
    assure: Option<String>,
    /// The person may record conditions met.
    conditions: bool,
}

#[derive(Template)]
#[template(path = "signoff/overview.html")]
pub(super) struct OverviewPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    banner: &'static str,
    errors: FormErrors,
    status: String,
    route: Vec<String>,
    current: Option<RoundView>,
    earlier: Vec<RoundView>,
    timeline: Vec<TimelineEntry>,
    actions: Actions,
    open_form: OpenRoundForm,
    deadlines: Vec<Choice>,
    failing: Vec<CheckResult>,
    withdraw_reason: String,
    url: String,
}

fn allowed(signed_in: &SignedIn, action: Action, area: &AreaSummary) -> bool {
    policy::decide(
        &signed_in.user.principal(),
        action,
        Target::organisation_in_area(area.id.get(), signed_in.user.organisation_id),
    ) == Decision::Allow
}

fn round_view(sign_off: &SignOff, loaded: &Loaded, round: &Round, may_meet: bool) -> RoundView {
    let decided: Vec<&PartnerDecisionRow> = loaded.decisions_of(round).collect();
    let row = |decision: &PartnerDecisionRow| SignatureRow {
        organisation: decision.organisation_name.clone(),
        position: capacity(&sign_off.route, &decision.signature_key).to_owned(),
        decision: decision.decision.label().to_owned(),
        who: format!("{} ({})", decision.signer_name, decision.signer_position),
        when: format::date_time(decision.decided_at),
        comments: decision.comments.clone(),
    };
    let signatures = if round.state.is_current() {
        required_signers(&sign_off.route, &sign_off.members)
            .into_iter()
            .map(|signer| {
                decided
                    .iter()
                    .find(|d| {
                        d.organisation_id == signer.organisation_id
                            && d.signature_key == signer.signature_key
                    })
                    .map_or_else(
                        || SignatureRow {
                            organisation: signer.organisation_name.clone(),
                            position: signer.capacity.clone(),
                            decision: "Waiting".to_owned(),
                            who: String::new(),
                            when: String::new(),
                            comments: String::new(),
                        },
                        |decision| row(decision),
                    )
            })
            .collect()
    } else {
        decided.iter().map(|decision| row(decision)).collect()
    };
    let deadline = sign_off.deadline(round.deadline_key.as_deref());
    let base = sign_off.url();
    RoundView {
        number: round.number,
        name: round.name.clone(),
        state: round.state.label().to_owned(),
        current: round.state.is_current(),
        void: round.state.voids_decisions(),
        opened: format!(
            "{}, {}",
            round.opened_by,
            format::date_time(round.opened_at)
        ),
        hash: short_hash(&round.snapshot_hash),
        deadline: deadline.map(format::date).unwrap_or_default(),
        ended: match (round.ended_at, &round.end_reason) {
            (Some(at), Some(reason)) if !reason.is_empty() => {
                format!("{}: {reason}", format::date_time(at))
            }
            (Some(at), _) => format::date_time(at),
            _ => String::new(),
        },
        signatures,
        board: loaded
            .board
            .iter()
            .filter(|b| b.round_id == round.id)
            .map(|b| BoardRow {
                outcome: b.outcome.label().to_owned(),
                how: b.how.label().to_owned(),
                body: b.body.clone(),
                date: format::date(b.decided_on),
                agenda_item: b.agenda_item.clone(),
                reference: b.reference.clone(),
                resolution: b.resolution.clone(),
                recorded: format!("{}, {}", b.recorded_by, format::date_time(b.recorded_at)),
            })
            .collect(),
        submissions: loaded
            .submissions_of(round)
            .map(|s| SubmissionRow {
                who: s
                    .organisation_name
                    .clone()
                    .unwrap_or_else(|| "The area".to_owned()),
                when: format::date_time(s.submitted_at),
                timeliness: deadline
                    .map(|deadline| timeliness(deadline, s.submitted_at).to_string())
                    .unwrap_or_default(),
                reference: s.reference.clone(),
            })
            .collect(),
        assurance: loaded.assurance_of(round).map(|a| AssuranceView {
            outcome: a.outcome_label.clone(),
            summary: a.summary.clone(),
            recorded: format!("{}, {}", a.recorded_by, format::date_time(a.recorded_at)),
            conditions: loaded
                .conditions
                .iter()
                .filter(|c| c.outcome_id == a.id)
                .map(|c| ConditionRow {
                    position: c.position,
                    text: c.text.clone(),
                    due: format::date(c.due_on),
                    met: match (c.met_at, &c.met_by) {
                        (Some(at), Some(by)) => format!("{by}, {}", format::date_time(at)),
                        (Some(at), None) => format::date_time(at),
                        _ => String::new(),
                    },
                    met_note: c.met_note.clone(),
                    action: if may_meet && c.met_at.is_none() {
                        format!(
                            "{base}/rounds/{}/conditions/{}/met",
                            round.number, c.position
                        )
                    } else {
                        String::new()
                    },
                })
                .collect(),
        }),
    }
}

/// What the person may do on the plan's current round, and whether they may open one.
fn actions(signed_in: &SignedIn, sign_off: &SignOff, loaded: &Loaded) -> Actions {
    let area = &sign_off.cycle.area;
    let mut actions = Actions {
        conditions: allowed(signed_in, Action::RecordAssurance, area),
        ..Actions::default()
    };
    let current = loaded.rounds.first().filter(|r| r.state.is_current());
    let freezing = current.is_some_and(|r| r.state.freezes_content());
    actions.open = !freezing && allowed(signed_in, Action::OpenSignOffRound, area);
    let Some(round) = current else {
        return actions;
    };
    let step = |name: &str| sign_off.round_url(round.number, name);
    if round.state.may_withdraw() && allowed(signed_in, Action::WithdrawSignOffRound, area) {
        actions.withdraw = Some(step("withdraw"));
    }
    let own = signed_in.user.organisation_id;
    let owes = required_signers(&sign_off.route, &sign_off.members)
        .iter()
        .any(|signer| {
            signer.organisation_id.get() == own
                && !loaded.decisions_of(round).any(|d| {
                    d.organisation_id == signer.organisation_id
                        && d.signature_key == signer.signature_key
                })
        });
    if round.state == RoundState::PartnerSignOff
        && owes
        && allowed(signed_in, Action::RecordOrganisationDecision, area)
    {
        actions.decide = Some(step("decision"));
    }
    if board_may_decide(&sign_off.route, round.state, loaded.board_approved(round)).is_ok()
        && allowed(signed_in, Action::RecordBoardDecision, area)
    {
        actions.board = Some(step("board"));
    }
    let partners = submitting_partners(&sign_off.route, &sign_off.members)
        .len()
        .max(1);
    if round.state == RoundState::ReadyToSubmit
        && loaded.submissions_of(round).count() < partners
        && allowed(signed_in, Action::RecordSubmission, area)
    {
        actions.submit = Some(step("submission"));
    }
    if assurance_may_be_recorded(round.state, loaded.board_approved(round)).is_ok()
        && loaded.assurance_of(round).is_none()
        && allowed(signed_in, Action::RecordAssurance, area)
    {
        actions.assure = Some(step("assurance"));
    }
    actions
}

/// What the overview shows besides the record: the banner, a form's errors and what was typed.
pub(super) struct Extras {
    pub banner: &'static str,
    pub errors: FormErrors,
    pub open_form: OpenRoundForm,
    pub withdraw_reason: String,
    /// The checks, when a round was refused for them.
    pub checks: Option<Vec<CheckResult>>,
}

impl Extras {
    pub fn banner(banner: &'static str) -> Extras {
        Extras {
            banner,
            errors: FormErrors::new(),
            open_form: OpenRoundForm::default(),
            withdraw_reason: String::new(),
            checks: None,
        }
    }
}

/// The overview page, as the person sees it now.
pub(super) async fn overview_page(
    state: &AppState,
    signed_in: &SignedIn,
    sign_off: SignOff,
    extras: Extras,
) -> Result<OverviewPage, AppError> {
    let loaded = Loaded::read(state, sign_off.cycle.plan.id).await?;
    let actions = actions(signed_in, &sign_off, &loaded);
    let failing = match extras.checks {
        Some(checks) => checks,
        None if actions.open => {
            let cycle = &sign_off.cycle;
            let sections = sections(state, &cycle.plan).await?;
            check_plan(state, &cycle.area, &cycle.plan, &cycle.structure, sections).await?
        }
        None => Vec::new(),
    }
    .into_iter()
    .filter(|check| !check.passed())
    .collect();
    let deadlines = std::iter::once(Choice::new("", "No deadline", &extras.open_form.deadline))
        .chain(
            sign_off
                .cycle
                .structure
                .dates()
                .iter()
                .filter(|date| date.kind == DateKind::Deadline)
                .map(|date| {
                    Choice::new(
                        &date.key,
                        format!("{} ({})", date.title, format::date(date.date)),
                        &extras.open_form.deadline,
                    )
                }),
        )
        .collect();
    let record = Record {
        rounds: &loaded.rounds,
        decisions: &loaded.decisions,
        board: &loaded.board,
        submissions: &loaded.submissions,
        assurance: &loaded.assurance,
        conditions: &loaded.conditions,
    };
    let timeline = timeline(&record, &sign_off.route, |round| {
        sign_off.deadline(round.deadline_key.as_deref())
    });
    let mut views = loaded
        .rounds
        .iter()
        .map(|round| round_view(&sign_off, &loaded, round, actions.conditions));
    let first = views.next();
    let (current, earlier_first) = match first {
        Some(view) if view.current || view.assurance.is_some() => (Some(view), None),
        other => (None, other),
    };
    let earlier = earlier_first.into_iter().chain(views).collect();
    let status = loaded.status(&sign_off.cycle.structure, &sign_off.members);
    Ok(OverviewPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        url: sign_off.url(),
        route: route_in_words(&sign_off.route),
        area: sign_off.cycle.area,
        plan: sign_off.cycle.plan,
        banner: extras.banner,
        errors: extras.errors,
        status,
        current,
        earlier,
        timeline,
        actions,
        open_form: extras.open_form,
        deadlines,
        failing,
        withdraw_reason: extras.withdraw_reason,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let sign_off = SignOff::load(&state, &signed_in, &slug, &plan_key).await?;
    permit(&signed_in, Action::ViewArea, &sign_off.cycle.area, None)?;
    let page = overview_page(
        &state,
        &signed_in,
        sign_off,
        Extras::banner(done.banner::<Done>()),
    )
    .await?;
    page::ok(&page)
}
