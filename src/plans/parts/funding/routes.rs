//! The pages of the plan's funding: every year's pooled fund (partners × streams, with totals
//! and the notified minimum), one organisation's amounts for one year, and a year's notified
//! minimum with its history. Saves carry the versions they were based on: a line changed
//! meanwhile is shown beside the person's figure (409) instead of being overwritten.

use crate::areas::frozen::EditingClosed;
use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use super::store::{self, LineState};
use super::{
    Entry, FundingLine, NotifiedMinimum, Step, amount_field, difference, field, mandated_total,
    may_edit_lines, may_set_minimum, organisation_totals, parse_amounts, parse_minimum, plan_save,
    seen_field, stream_totals, sum, version_field, year_total,
};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::store::{self as areas, AreaSummary, Member};
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::keyed::keyed_enum;
use crate::plans::access::PlanInCycle;
use crate::plans::approval::ApprovalNotice;
use crate::plans::store::PlanSummary;
use crate::plans::templates::structure::{FinancialYear, FundingStream};
use crate::web::banner::{DoneQuery, done_url};
use crate::web::extract::{Form, Path, Query};
use crate::web::form::{FormErrors, Typed};
use crate::web::money::Pence;
use crate::web::page::{self, see_other};
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, Layout, format};

pub fn routes() -> Vec<Route> {
    vec![
        get("/areas/{slug}/plans/{plan}/funding", funding_page),
        get(
            "/areas/{slug}/plans/{plan}/funding/{organisation_id}/{year}",
            lines_page,
        ),
        post(
            "/areas/{slug}/plans/{plan}/funding/{organisation_id}/{year}",
            save_lines,
        ),
        get(
            "/areas/{slug}/plans/{plan}/funding/minimum/{year}",
            minimum_page,
        ),
        post(
            "/areas/{slug}/plans/{plan}/funding/minimum/{year}",
            save_minimum,
        ),
    ]
}

keyed_enum! {
    /// What the funding page's success banner says after a change (`?done=<key>`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Done {
        Saved = ("saved", "The amounts have been saved"),
        Unchanged = ("unchanged", "Nothing was changed: the amounts were already as saved"),
        Minimum = ("minimum", "The notified minimum has been saved"),
    }
}

const PART: &str = "funding";

/// The path of a funding page: area slug, plan key.
type PlanPath = (String, String);
/// An organisation's year: area slug, plan key, organisation, year key.
type LinesPath = (String, String, OrganisationId, String);
/// A year's minimum: area slug, plan key, year key.
type MinimumPath = (String, String, String);

fn funding_url(plan: &PlanInCycle) -> String {
    format!("{}/funding", plan.url())
}

fn year_of<'a>(plan: &'a PlanInCycle, year_key: &str) -> Result<&'a FinancialYear, AppError> {
    plan.structure
        .years()
        .iter()
        .find(|year| year.key == year_key)
        .ok_or(AppError::NotFound)
}

fn money(amount: Pence) -> String {
    amount.to_string()
}

/// An amount as a box beside a "£" holds it: "1,234,567".
fn in_box(amount: Pence) -> String {
    money(amount).trim_start_matches('£').to_owned()
}

/// "saved by Jo Bloggs on 3 March 2025 at 9:05am".
fn saved_by(who: Option<&str>, at: time::OffsetDateTime) -> String {
    format!("{} on {}", who.unwrap_or("someone"), format::date_time(at))
}

/// How a stream is described next to its name: mandated or not, revenue or capital, other
/// names.
fn stream_hint(stream: &FundingStream) -> String {
    let mut hint = vec![if stream.mandated {
        "Mandated".to_owned()
    } else {
        "Optional".to_owned()
    }];
    hint.push(stream.spending.label().to_owned());
    if !stream.aliases.is_empty() {
        hint.push(format!("also called {}", stream.aliases.join(", ")));
    }
    hint.join(" · ")
}

// --- the funding page ----------------------------------------------------------------------------

/// A stream as a column of a year's table.
struct StreamColumn {
    name: String,
    mandated: bool,
    spending: &'static str,
}

/// A partner's row of a year's table.
struct OrganisationRow {
    name: String,
    /// One cell per stream column: the amount, or "" for none.
    cells: Vec<String>,
    total: String,
    /// Where to change the row, for those who may.
    edit: Option<String>,
}

/// One financial year of the pooled fund.
struct YearTable {
    key: String,
    label: String,
    streams: Vec<StreamColumn>,
    rows: Vec<OrganisationRow>,
    stream_totals: Vec<String>,
    pool: String,
    mandated: String,
    /// The notified minimum and who set it when; empty when none is set.
    minimum: String,
    minimum_set: String,
    /// The pool less the minimum, worded ("£100,000 short of the minimum"); empty without one.
    difference: String,
    short: bool,
    minimum_url: String,
    may_set_minimum: bool,
}

#[derive(Template)]
#[template(path = "plans/parts/funding/overview.html")]
struct FundingPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    banner: &'static str,
    years: Vec<YearTable>,
    /// Set while the plan is in sign-off.
    frozen: Option<EditingClosed>,
}

/// The organisations shown in the tables: the partners that sign the plan, and any other
/// member (or former member) with money in it, in the area's order.
fn partners_shown(members: &[Member], lines: &[FundingLine]) -> Vec<(OrganisationId, String)> {
    let with_money: BTreeSet<OrganisationId> =
        lines.iter().map(|line| line.organisation_id).collect();
    let mut shown: Vec<(OrganisationId, String)> = members
        .iter()
        .filter(|member| member.signs_plan || with_money.contains(&member.organisation_id))
        .map(|member| (member.organisation_id, member.name.clone()))
        .collect();
    for line in lines {
        if !shown.iter().any(|(id, _)| *id == line.organisation_id) {
            shown.push((line.organisation_id, line.organisation_name.clone()));
        }
    }
    shown
}

fn year_table(
    plan: &PlanInCycle,
    signed_in: &SignedIn,
    year: &FinancialYear,
    members: &[Member],
    lines: &[FundingLine],
    minimum: Option<&NotifiedMinimum>,
) -> YearTable {
    let principal = signed_in.user.principal();
    let streams = plan.structure.streams();
    let by_organisation = organisation_totals(lines, &year.key);
    let by_stream = stream_totals(lines, &year.key);
    let amounts: BTreeMap<(OrganisationId, &str), Pence> = lines
        .iter()
        .filter(|line| line.year_key == year.key)
        .map(|line| {
            (
                (line.organisation_id, line.stream_key.as_str()),
                line.amount,
            )
        })
        .collect();
    let rows = partners_shown(members, lines)
        .into_iter()
        .map(|(organisation_id, name)| {
            let member = members
                .iter()
                .any(|member| member.organisation_id == organisation_id);
            OrganisationRow {
                cells: streams
                    .iter()
                    .map(|stream| {
                        amounts
                            .get(&(organisation_id, stream.key.as_str()))
                            .map(|amount| money(*amount))
                            .unwrap_or_default()
                    })
                    .collect(),
                total: money(
                    by_organisation
                        .get(&organisation_id)
                        .copied()
                        .unwrap_or(Pence::ZERO),
                ),
                edit: (member && may_edit_lines(&principal, plan.area.id, organisation_id))
                    .then(|| format!("{}/{organisation_id}/{}", funding_url(plan), year.key)),
                name,
            }
        })
        .collect();
    let pool = year_total(lines, &year.key);
    let (difference_text, short) = match minimum {
        None => (String::new(), false),
        Some(minimum) => {
            let gap = difference(pool, minimum.amount);
            if gap.get() < 0 {
                (
                    format!(
                        "{} short of the minimum",
                        money(Pence::new(gap.get().saturating_neg()))
                    ),
                    true,
                )
            } else if gap == Pence::ZERO {
                ("Exactly the minimum".to_owned(), false)
            } else {
                (format!("{} above the minimum", money(gap)), false)
            }
        }
    };
    YearTable {
        key: year.key.clone(),
        label: year.label.clone(),
        streams: streams
            .iter()
            .map(|stream| StreamColumn {
                name: stream.name.clone(),
                mandated: stream.mandated,
                spending: stream.spending.label(),
            })
            .collect(),
        rows,
        stream_totals: streams
            .iter()
            .map(|stream| money(by_stream.get(&stream.key).copied().unwrap_or(Pence::ZERO)))
            .collect(),
        pool: money(pool),
        mandated: money(mandated_total(lines, &year.key, streams)),
        minimum: minimum.map(|m| money(m.amount)).unwrap_or_default(),
        minimum_set: minimum
            .map(|m| saved_by(m.set_by.as_deref(), m.set_at))
            .unwrap_or_default(),
        difference: difference_text,
        short,
        minimum_url: format!("{}/minimum/{}", funding_url(plan), year.key),
        may_set_minimum: may_set_minimum(&principal, plan.area.id),
    }
}

async fn funding_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<PlanPath>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let plan = PlanInCycle::load(&state, &signed_in, &slug, &plan_key).await?;
    let frozen = plan.editing_closed(&state).await?;
    let members = areas::list_members(&state.pool, plan.area.id).await?;
    let lines = store::lines(&state.pool, plan.plan.id).await?;
    let minimums = store::current_minimums(&state.pool, plan.plan.id).await?;
    let mut years: Vec<YearTable> = plan
        .structure
        .years()
        .iter()
        .map(|year| {
            let minimum = minimums.iter().find(|m| m.year_key == year.key);
            year_table(&plan, &signed_in, year, &members, &lines, minimum)
        })
        .collect();
    if frozen.is_some() {
        // In sign-off: the figures only, no links to change them.
        for table in &mut years {
            table.may_set_minimum = false;
            for row in &mut table.rows {
                row.edit = None;
            }
        }
    }
    page::ok(&FundingPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        banner: done.banner::<Done>(),
        years,
        frozen,
        part: PART,
        approval: plan.approval,
        area: plan.area,
        plan: plan.plan,
    })
}

// --- one organisation's year ---------------------------------------------------------------------

/// A stream's box on the form.
struct AmountField {
    id: String,
    version_name: String,
    seen_name: String,
    /// What the box held when the form was opened (or, after a conflict, what is saved now).
    seen: String,
    name: String,
    hint: String,
    value: String,
    version: i32,
    /// The amount saved now, for the read view and the conflict table.
    saved: String,
}

/// A stream someone else changed while the form was open: theirs beside yours.
struct ConflictRow {
    stream: String,
    theirs: String,
    by: String,
    yours: String,
}

#[derive(Template)]
#[template(path = "plans/parts/funding/lines.html")]
struct LinesPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    organisation: String,
    year: String,
    action: String,
    back: String,
    may_edit: bool,
    fields: Vec<AmountField>,
    total: String,
    errors: FormErrors,
    conflicts: Vec<ConflictRow>,
    /// Set while the plan is in sign-off.
    frozen: Option<EditingClosed>,
}

/// The organisation named in the path, as a member of the area.
async fn member_of(
    state: &AppState,
    plan: &PlanInCycle,
    organisation_id: OrganisationId,
) -> Result<Member, AppError> {
    areas::list_members(&state.pool, plan.area.id)
        .await?
        .into_iter()
        .find(|member| member.organisation_id == organisation_id)
        .ok_or(AppError::NotFound)
}

/// What the form is based on: the versions and amounts it was opened on (sent back after a
/// problem with what was typed) or the ones saved now (a new form, or after a conflict).
enum Basis<'a> {
    Sent(&'a [(String, String)]),
    Saved,
}

/// What the form holds for each stream: `typed` (the person's text, when sent back) or the saved
/// amounts, and what the form is based on.
fn amount_fields(
    streams: &[FundingStream],
    saved: &BTreeMap<String, LineState>,
    typed: Option<&[(String, String)]>,
    basis: Basis<'_>,
) -> Vec<AmountField> {
    streams
        .iter()
        .map(|stream| {
            let stored = saved.get(&stream.key).map(|state| state.stored);
            let saved_amount = stored.and_then(|stored| stored.amount);
            let saved_text = saved_amount.map(money).unwrap_or_default();
            let saved_box = saved_amount.map(in_box).unwrap_or_default();
            let id = amount_field(&stream.key);
            let value = match typed {
                Some(fields) => field(fields, &id).unwrap_or("").to_owned(),
                None => saved_box.clone(),
            };
            let (version, seen) = match basis {
                Basis::Sent(fields) => (
                    sent_version(fields, &stream.key),
                    field(fields, &seen_field(&stream.key))
                        .unwrap_or("")
                        .to_owned(),
                ),
                Basis::Saved => (stored.map_or(0, |stored| stored.version), saved_box),
            };
            AmountField {
                version_name: version_field(&stream.key),
                seen_name: seen_field(&stream.key),
                seen,
                version,
                name: stream.name.clone(),
                hint: stream_hint(stream),
                value,
                saved: saved_text,
                id,
            }
        })
        .collect()
}

fn saved_total(saved: &BTreeMap<String, LineState>) -> String {
    money(sum(saved.values().filter_map(|state| state.stored.amount)))
}

struct LinesContext {
    plan: PlanInCycle,
    organisation: Member,
    year: FinancialYear,
}

impl LinesContext {
    async fn load(
        state: &AppState,
        signed_in: &SignedIn,
        (slug, plan_key, organisation_id, year_key): &LinesPath,
    ) -> Result<LinesContext, AppError> {
        let plan = PlanInCycle::load(state, signed_in, slug, plan_key).await?;
        let year = year_of(&plan, year_key)?.clone();
        let organisation = member_of(state, &plan, *organisation_id).await?;
        Ok(LinesContext {
            plan,
            organisation,
            year,
        })
    }

    fn action(&self) -> String {
        format!(
            "{}/{}/{}",
            funding_url(&self.plan),
            self.organisation.organisation_id,
            self.year.key
        )
    }

    fn page(
        self,
        signed_in: &SignedIn,
        fields: Vec<AmountField>,
        total: String,
        errors: FormErrors,
        conflicts: Vec<ConflictRow>,
    ) -> LinesPage {
        let may_edit = may_edit_lines(
            &signed_in.user.principal(),
            self.plan.area.id,
            self.organisation.organisation_id,
        );
        LinesPage {
            layout: Layout::for_session(Some(&signed_in.session)),
            action: self.action(),
            back: format!("{}#year-{}", funding_url(&self.plan), self.year.key),
            organisation: self.organisation.name,
            year: self.year.label,
            may_edit,
            fields,
            total,
            errors,
            conflicts,
            part: PART,
            approval: self.plan.approval,
            area: self.plan.area,
            plan: self.plan.plan,
            frozen: None,
        }
    }
}

async fn lines_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<LinesPath>,
) -> Result<Response, AppError> {
    let context = LinesContext::load(&state, &signed_in, &path).await?;
    let frozen = context.plan.editing_closed(&state).await?;
    let saved = store::organisation_year(
        &state.pool,
        context.plan.plan.id,
        context.organisation.organisation_id,
        &context.year.key,
        false,
    )
    .await?;
    let fields = amount_fields(context.plan.structure.streams(), &saved, None, Basis::Saved);
    let total = saved_total(&saved);
    let mut page = context.page(&signed_in, fields, total, FormErrors::new(), Vec::new());
    page.may_edit &= frozen.is_none();
    page.frozen = frozen;
    page::ok(&page)
}

async fn save_lines(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<LinesPath>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    keeping_typed(&fields, save(&state, &signed_in, &path, &fields)).await
}

/// The outcome of `saving`, showing what was typed back if the database could not be reached.
async fn keeping_typed(
    fields: &[(String, String)],
    saving: impl Future<Output = Result<Response, AppError>>,
) -> Result<Response, AppError> {
    let kept = Typed::from_fields(fields.to_vec());
    saving.await.map_err(|error| error.keeping(kept))
}

/// The version the person's form was based on for each stream, as sent.
fn sent_version(fields: &[(String, String)], stream_key: &str) -> i32 {
    field(fields, &version_field(stream_key))
        .and_then(|version| version.trim().parse().ok())
        .unwrap_or(0)
}

async fn save(
    state: &AppState,
    signed_in: &SignedIn,
    path: &LinesPath,
    fields: &[(String, String)],
) -> Result<Response, AppError> {
    let context = LinesContext::load(state, signed_in, path).await?;
    let organisation_id = context.organisation.organisation_id;
    if !may_edit_lines(
        &signed_in.user.principal(),
        context.plan.area.id,
        organisation_id,
    ) {
        return Err(AppError::Forbidden);
    }
    let plan_id = context.plan.plan.id;
    let year_key = context.year.key.clone();
    let streams = context.plan.structure.streams().to_vec();
    let entries = match parse_amounts(fields, &streams) {
        Ok(entries) => entries,
        Err(errors) => {
            let saved =
                store::organisation_year(&state.pool, plan_id, organisation_id, &year_key, false)
                    .await?;
            // The form stays based on what it was opened on, so that a save made meanwhile is
            // still caught when it is sent again.
            let form = amount_fields(&streams, &saved, Some(fields), Basis::Sent(fields));
            let total = saved_total(&saved);
            return page::unprocessable(&context.page(signed_in, form, total, errors, Vec::new()));
        }
    };
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    context
        .plan
        .ask_guard(&mut change, &context.action())
        .await?;
    let saved =
        store::organisation_year(change.db(), plan_id, organisation_id, &year_key, true).await?;
    let stored = saved
        .iter()
        .map(|(key, state)| (key.clone(), state.stored))
        .collect();
    let steps = plan_save(&entries, &stored);
    let mut conflicted: Vec<String> = steps
        .iter()
        .filter_map(|step| match step {
            Step::Conflict { stream_key } => Some(stream_key.clone()),
            _ => None,
        })
        .collect();
    let mut changes = Vec::new();
    if conflicted.is_empty() {
        for step in &steps {
            let Step::Write {
                stream_key,
                before,
                after,
                expected,
            } = step
            else {
                continue;
            };
            let written = store::write_line(
                change.db(),
                plan_id,
                organisation_id,
                &year_key,
                stream_key,
                *after,
                *expected,
                now,
                signed_in.user.id,
            )
            .await?;
            if written.is_none() {
                // Added by someone else after this save read the lines.
                conflicted.push(stream_key.clone());
                break;
            }
            changes.push(json!({
                "stream": stream_key,
                "before": before.map(Pence::get),
                "after": after.map(Pence::get),
            }));
        }
    }
    if !conflicted.is_empty() {
        drop(change);
        return conflict(state, signed_in, context, fields, &entries, &conflicted).await;
    }
    let url = funding_url(&context.plan);
    let fragment = format!("year-{year_key}");
    if changes.is_empty() {
        return Ok(see_other(&done_url(&url, Done::Unchanged, Some(&fragment))));
    }
    change
        .commit(
            &Event::new(actor(signed_in), "funding.changed", "funding")
                .target(format!("{plan_id}:{organisation_id}:{year_key}"))
                .area(context.plan.area.id)
                .details(json!({
                    "plan": context.plan.plan.template_key,
                    "organisation_id": organisation_id,
                    "organisation": context.organisation.name,
                    "year": year_key,
                    "changes": Value::Array(changes),
                })),
        )
        .await?;
    Ok(see_other(&done_url(&url, Done::Saved, Some(&fragment))))
}

/// The 409 page: each line changed meanwhile, the figure saved now beside the person's, and the
/// form again with everything they typed, now based on the current versions, so that saving it
/// again is a deliberate choice.
async fn conflict(
    state: &AppState,
    signed_in: &SignedIn,
    context: LinesContext,
    fields: &[(String, String)],
    entries: &[Entry],
    conflicted: &[String],
) -> Result<Response, AppError> {
    let saved = store::organisation_year(
        &state.pool,
        context.plan.plan.id,
        context.organisation.organisation_id,
        &context.year.key,
        false,
    )
    .await?;
    let streams = context.plan.structure.streams().to_vec();
    let rows = streams
        .iter()
        .filter(|stream| conflicted.contains(&stream.key))
        .map(|stream| {
            let current = saved.get(&stream.key);
            ConflictRow {
                stream: stream.name.clone(),
                theirs: current
                    .and_then(|state| state.stored.amount)
                    .map(money)
                    .unwrap_or_else(|| "None".to_owned()),
                by: current
                    .map(|state| saved_by(state.updated_by.as_deref(), state.updated_at))
                    .unwrap_or_default(),
                yours: entries
                    .iter()
                    .find(|entry| entry.stream_key == stream.key)
                    .and_then(|entry| entry.amount)
                    .map(money)
                    .unwrap_or_else(|| "None".to_owned()),
            }
        })
        .collect();
    // Boxes the person left alone now show what is saved, so that sending the form again
    // does not undo someone else's change with the figure the form was opened on.
    let mut typed = fields.to_vec();
    for entry in entries.iter().filter(|entry| entry.untouched) {
        let current = saved
            .get(&entry.stream_key)
            .and_then(|state| state.stored.amount)
            .map(in_box)
            .unwrap_or_default();
        let name = amount_field(&entry.stream_key);
        typed.retain(|(field, _)| *field != name);
        typed.push((name, current));
    }
    let form = amount_fields(&streams, &saved, Some(&typed), Basis::Saved);
    let total = saved_total(&saved);
    page::conflict(&context.page(signed_in, form, total, FormErrors::new(), rows))
}

// --- a year's notified minimum -------------------------------------------------------------------

/// A row of the minimum's history.
struct HistoryRow {
    amount: String,
    when: String,
    who: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "plans/parts/funding/minimum.html")]
struct MinimumPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    year: String,
    action: String,
    back: String,
    may_set: bool,
    /// The current minimum, or "" for none.
    current: String,
    history: Vec<HistoryRow>,
    based_on: String,
    minimum: String,
    reason: String,
    errors: FormErrors,
    /// When someone else set a minimum while the form was open: theirs, and what was typed.
    theirs: Option<(String, String)>,
}

struct MinimumForm {
    based_on: String,
    minimum: String,
    reason: String,
    errors: FormErrors,
    theirs: Option<(String, String)>,
}

impl MinimumForm {
    fn blank(history: &[NotifiedMinimum]) -> MinimumForm {
        MinimumForm {
            based_on: history
                .first()
                .map(|current| current.id.to_string())
                .unwrap_or_default(),
            minimum: history
                .first()
                .map(|current| in_box(current.amount))
                .unwrap_or_default(),
            reason: String::new(),
            errors: FormErrors::new(),
            theirs: None,
        }
    }

    fn typed(fields: &[(String, String)], errors: FormErrors) -> MinimumForm {
        MinimumForm {
            based_on: field(fields, "based_on").unwrap_or("").to_owned(),
            minimum: field(fields, "minimum").unwrap_or("").to_owned(),
            reason: field(fields, "reason").unwrap_or("").to_owned(),
            errors,
            theirs: None,
        }
    }
}

fn minimum_page_of(
    signed_in: &SignedIn,
    plan: PlanInCycle,
    year: FinancialYear,
    history: &[NotifiedMinimum],
    form: MinimumForm,
) -> MinimumPage {
    let url = funding_url(&plan);
    MinimumPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        action: format!("{url}/minimum/{}", year.key),
        back: format!("{url}#year-{}", year.key),
        year: year.label,
        may_set: may_set_minimum(&signed_in.user.principal(), plan.area.id),
        current: history
            .first()
            .map(|current| money(current.amount))
            .unwrap_or_default(),
        history: history
            .iter()
            .map(|row| HistoryRow {
                amount: money(row.amount),
                when: format::date_time(row.set_at),
                who: row.set_by.clone().unwrap_or_else(|| "Unknown".to_owned()),
                reason: row
                    .reason
                    .clone()
                    .unwrap_or_else(|| "First notified minimum".to_owned()),
            })
            .collect(),
        based_on: form.based_on,
        minimum: form.minimum,
        reason: form.reason,
        errors: form.errors,
        theirs: form.theirs,
        part: PART,
        approval: plan.approval,
        area: plan.area,
        plan: plan.plan,
    }
}

async fn minimum_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, year_key)): Path<MinimumPath>,
) -> Result<Response, AppError> {
    let plan = PlanInCycle::load(&state, &signed_in, &slug, &plan_key).await?;
    let year = year_of(&plan, &year_key)?.clone();
    if plan.editing_closed(&state).await?.is_some() {
        // In sign-off: the funding page says so, and offers no form.
        return Ok(see_other(&format!(
            "{}#year-{}",
            funding_url(&plan),
            year.key
        )));
    }
    let history = store::minimum_history(&state.pool, plan.plan.id, &year.key).await?;
    let form = MinimumForm::blank(&history);
    page::ok(&minimum_page_of(&signed_in, plan, year, &history, form))
}

async fn save_minimum(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(path): Path<MinimumPath>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    keeping_typed(&fields, set_minimum(&state, &signed_in, &path, &fields)).await
}

async fn set_minimum(
    state: &AppState,
    signed_in: &SignedIn,
    (slug, plan_key, year_key): &MinimumPath,
    fields: &[(String, String)],
) -> Result<Response, AppError> {
    let plan = PlanInCycle::load(state, signed_in, slug, plan_key).await?;
    let year = year_of(&plan, year_key)?.clone();
    if !may_set_minimum(&signed_in.user.principal(), plan.area.id) {
        return Err(AppError::Forbidden);
    }
    let history = store::minimum_history(&state.pool, plan.plan.id, &year.key).await?;
    let change = match parse_minimum(fields, !history.is_empty()) {
        Ok(change) => change,
        Err(errors) => {
            let form = MinimumForm::typed(fields, errors);
            return page::unprocessable(&minimum_page_of(signed_in, plan, year, &history, form));
        }
    };
    let now = state.clock.now();
    let mut db_change = Change::begin(&state.pool, now).await?;
    let minimum_url = format!("{}/minimum/{}", funding_url(&plan), year.key);
    plan.ask_guard(&mut db_change, &minimum_url).await?;
    let saved = store::set_minimum(
        db_change.db(),
        plan.plan.id,
        &year.key,
        &change,
        now,
        signed_in.user.id,
    )
    .await?;
    let Some(id) = saved else {
        drop(db_change);
        // Someone else set the minimum after this form was opened: show theirs beside what was
        // typed, with the form now based on theirs.
        let history = store::minimum_history(&state.pool, plan.plan.id, &year.key).await?;
        let mut form = MinimumForm::typed(fields, FormErrors::new());
        form.based_on = history
            .first()
            .map(|current| current.id.to_string())
            .unwrap_or_default();
        form.theirs = history.first().map(|current| {
            (
                money(current.amount),
                saved_by(current.set_by.as_deref(), current.set_at),
            )
        });
        return page::conflict(&minimum_page_of(signed_in, plan, year, &history, form));
    };
    db_change
        .commit(
            &Event::new(actor(signed_in), "funding.minimum_set", "notified_minimum")
                .target(id)
                .area(plan.area.id)
                .details(json!({
                    "plan": plan.plan.template_key,
                    "year": year.key,
                    "before": history.first().map(|current| current.amount.get()),
                    "after": change.amount.get(),
                    "reason": change.reason,
                })),
        )
        .await?;
    Ok(see_other(&done_url(
        &funding_url(&plan),
        Done::Minimum,
        Some(&format!("year-{}", year.key)),
    )))
}
