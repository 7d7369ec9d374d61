//! The pages of the plan's schemes: the list (filtered, sorted, a page at a time, with spend
//! totals per year), adding a scheme, a scheme's page (its details, and its edit form for those
//! who may change it), saving it against the version it was based on (409 when someone else
//! saved first), and removing it after a confirmation page.

use crate::areas::frozen::EditingClosed;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::store::{self, ListTotals, ListedScheme, StoredScheme};
use super::{
    FieldChange, Filter, ListQuery, Names, Options, SchemeContent, SchemeForm, SchemeType, Sort,
    benefit_field, page_items, page_number, pages, reference, spend_field,
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
use crate::risks::RiskId;
use crate::risks::store::{self as risks, CurrentRisk};
use crate::web::banner::{DoneQuery, see_done};
use crate::web::choice::{Choice, keyed_prompted, prompted};
use crate::web::extract::{Form, Path, Query};
use crate::web::form::{FormErrors, Typed};
use crate::web::page::see_other;
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, Layout, format, page};

const LIST: &str = "/areas/{slug}/plans/{plan}/schemes";
const NEW: &str = "/areas/{slug}/plans/{plan}/schemes/new";
const SCHEME: &str = "/areas/{slug}/plans/{plan}/schemes/{number}";
const REMOVE: &str = "/areas/{slug}/plans/{plan}/schemes/{number}/remove";

/// The key of this part in the parts navigation.
const PART: &str = "schemes";

pub fn routes() -> Vec<Route> {
    vec![
        get(LIST, list),
        get(NEW, new_scheme),
        post(NEW, create_scheme),
        get(SCHEME, show_scheme),
        post(SCHEME, update_scheme),
        get(REMOVE, confirm_removal),
        post(REMOVE, remove_scheme),
    ]
}

keyed_enum! {
    /// What a scheme page's success banner says after an action (`?done=<key>`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Done {
        Added = ("added", "The scheme has been added"),
        Saved = ("saved", "Your changes to the scheme have been saved"),
        Removed = ("removed", "The scheme has been removed"),
        Unchanged = ("unchanged", "Nothing was changed: the scheme was already as saved"),
        AlreadyRemoved = ("already-removed", "The scheme had already been removed"),
    }
}

/// A plan with what its scheme pages share: the area's member organisations.
struct Context {
    plan: PlanInCycle,
    members: Vec<Member>,
}

impl Context {
    async fn load(
        state: &AppState,
        signed_in: &SignedIn,
        slug: &str,
        plan_key: &str,
    ) -> Result<Context, AppError> {
        let plan = PlanInCycle::load(state, signed_in, slug, plan_key).await?;
        let members = areas::list_members(&state.pool, plan.area.id).await?;
        Ok(Context { plan, members })
    }

    fn area(&self) -> &AreaSummary {
        &self.plan.area
    }

    /// The partners (members who sign the plan): who may lead commissioning a scheme.
    fn partners(&self) -> Vec<OrganisationId> {
        self.partner_options()
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    }

    /// The partners as the lead commissioner's options: (id, name).
    fn partner_options(&self) -> Vec<(OrganisationId, String)> {
        self.members
            .iter()
            .filter(|member| member.signs_plan)
            .map(|member| (member.organisation_id, member.name.clone()))
            .collect()
    }

    /// The plan's funding streams as options: (key, name).
    fn stream_options(&self) -> Vec<(String, String)> {
        self.plan
            .structure
            .streams()
            .iter()
            .map(|stream| (stream.key.clone(), stream.name.clone()))
            .collect()
    }

    fn organisation_name(&self, id: OrganisationId) -> String {
        self.members
            .iter()
            .find(|member| member.organisation_id == id)
            .map_or_else(
                || format!("Organisation {id}"),
                |member| member.name.clone(),
            )
    }

    fn stream_name(&self, key: &str) -> String {
        self.plan
            .structure
            .streams()
            .iter()
            .find(|stream| stream.key == key)
            .map_or_else(|| key.to_owned(), |stream| stream.name.clone())
    }

    fn may_edit(&self, signed_in: &SignedIn) -> bool {
        super::may_edit(&signed_in.user.principal(), self.area().id)
    }

    fn list_url(&self) -> String {
        format!("{}/schemes", self.plan.url())
    }

    fn scheme_url(&self, number: i32) -> String {
        format!("{}/schemes/{number}", self.plan.url())
    }

    /// Whether a pages's form is the one of someone who may use it: refused otherwise.
    fn allow(&self, signed_in: &SignedIn) -> Result<(), AppError> {
        if self.may_edit(signed_in) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// The area's register risks, for linking and for reading linked risks by name.
struct Register {
    risks: Vec<CurrentRisk>,
}

impl Register {
    async fn load(state: &AppState, context: &Context) -> Result<Register, AppError> {
        Ok(Register {
            risks: risks::list_risks(&state.pool, context.area().id).await?,
        })
    }

    fn find(&self, id: RiskId) -> Option<&CurrentRisk> {
        self.risks.iter().find(|risk| risk.id == id)
    }

    fn number(&self, id: RiskId) -> Option<i32> {
        self.find(id).map(|risk| risk.number)
    }

    fn name(&self, id: RiskId) -> String {
        self.find(id).map_or_else(
            || format!("Risk {id}"),
            |risk| {
                format!(
                    "{} {}",
                    crate::risks::reference(risk.number),
                    risk.content.title
                )
            },
        )
    }

    /// The risks a scheme may be linked to: the open ones, and those it is linked to already
    /// (closed since, they stay linked until someone unticks them).
    fn linkable(&self, linked: &[RiskId]) -> Vec<&CurrentRisk> {
        self.risks
            .iter()
            .filter(|risk| risk.content.status.is_open() || linked.contains(&risk.id))
            .collect()
    }
}

/// Parses `form` with what the plan, its partners and the register allow.
fn parse(
    form: &SchemeForm,
    context: &Context,
    register: &Register,
    linked: &[RiskId],
) -> Result<SchemeContent, FormErrors> {
    let partners = context.partners();
    let risks: Vec<(i32, RiskId)> = register
        .linkable(linked)
        .into_iter()
        .map(|risk| (risk.number, risk.id))
        .collect();
    form.parse(&Options {
        structure: &context.plan.structure,
        partners: &partners,
        risks: &risks,
    })
}

// --- the list --------------------------------------------------------------------------------

/// A select of the list's filter form.
struct FilterSelect {
    field: &'static str,
    label: &'static str,
    choices: Vec<Choice>,
}

struct ListRow {
    number: i32,
    reference: String,
    name: String,
    scheme_type: &'static str,
    source: String,
    lead: String,
    provider: String,
    spends: Vec<String>,
}

/// A year's column: its label, and its totals for the filter and for every scheme.
struct YearColumn {
    label: String,
    filtered: String,
    all: String,
}

/// A link of the pagination: the page, its address, and whether it is the one shown. `None`
/// stands for pages left out.
struct PageLink {
    number: i64,
    href: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "plans/parts/schemes/list.html")]
struct ListPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    banner: &'static str,
    may_edit: bool,
    /// Set while the plan is in sign-off.
    frozen: Option<EditingClosed>,
    new_url: String,
    list_url: String,
    filters: Vec<FilterSelect>,
    search: String,
    filtered: bool,
    rows: Vec<ListRow>,
    years: Vec<YearColumn>,
    schemes: i64,
    schemes_filtered: i64,
    /// "Schemes 51 to 100 of 120", or "".
    showing: String,
    page_links: Vec<Option<PageLink>>,
    previous: Option<String>,
    next: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let context = Context::load(&state, &signed_in, &slug, &plan_key).await?;
    let frozen = context.plan.editing_closed(&state).await?;
    let structure = &context.plan.structure;
    let partners = context.partners();
    let filter = Filter::of(&query, structure, &partners);
    let sort = Sort::parse(&query.sort).unwrap_or(Sort::Number);
    let totals: ListTotals = store::totals(&state.pool, context.plan.plan.id, &filter).await?;
    let page_count = pages(totals.schemes_filtered);
    let current = page_number(&query.page, page_count);
    let listed: Vec<ListedScheme> =
        store::list_page(&state.pool, context.plan.plan.id, &filter, sort, current).await?;
    let years: Vec<YearColumn> = structure
        .years()
        .iter()
        .map(|year| {
            let (all, filtered) = totals
                .per_year
                .iter()
                .find(|(key, _, _)| *key == year.key)
                .map_or(
                    (Default::default(), Default::default()),
                    |(_, all, filtered)| (*all, *filtered),
                );
            YearColumn {
                label: year.label.clone(),
                filtered: filtered.to_string(),
                all: all.to_string(),
            }
        })
        .collect();
    let rows = listed
        .iter()
        .map(|scheme| ListRow {
            number: scheme.number,
            reference: reference(scheme.number),
            name: scheme.name.clone(),
            scheme_type: SchemeType::parse(&scheme.scheme_type).map_or("", SchemeType::label),
            source: context.stream_name(&scheme.funding_source),
            lead: context.organisation_name(scheme.lead_commissioner_id),
            provider: scheme.provider.clone(),
            spends: structure
                .years()
                .iter()
                .map(|year| scheme.spend(&year.key).to_string())
                .collect(),
        })
        .collect();
    let list_url = context.list_url();
    let page_url = |page: i64| format!("{list_url}?{}", query.with_page(page));
    let first = (current - 1) * super::PAGE_SIZE + 1;
    let showing = if totals.schemes_filtered > super::PAGE_SIZE {
        format!(
            "Schemes {first} to {} of {}",
            (first + super::PAGE_SIZE - 1).min(totals.schemes_filtered),
            totals.schemes_filtered
        )
    } else {
        String::new()
    };
    let page_links = if page_count > 1 {
        page_items(current, page_count)
            .into_iter()
            .map(|item| {
                item.map(|number| PageLink {
                    number,
                    href: page_url(number),
                    current: number == current,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    let filters = vec![
        FilterSelect {
            field: "type",
            label: "Type",
            choices: keyed_prompted::<SchemeType>("Any type", &query.scheme_type),
        },
        FilterSelect {
            field: "source",
            label: "Funding source",
            choices: prompted(
                "Any funding source",
                context.stream_options(),
                &query.source,
            ),
        },
        FilterSelect {
            field: "lead",
            label: "Lead commissioner",
            choices: prompted(
                "Any lead commissioner",
                context.partner_options(),
                &query.lead,
            ),
        },
        FilterSelect {
            field: "sort",
            label: "Sort by",
            choices: Sort::ALL
                .iter()
                .map(|sort_by| Choice::new(sort_by.key(), sort_by.label(), sort.key()))
                .collect(),
        },
    ];
    let page = ListPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        banner: DoneQuery {
            done: query.done.clone(),
        }
        .banner::<Done>(),
        may_edit: frozen.is_none() && context.may_edit(&signed_in),
        frozen,
        new_url: format!("{list_url}/new"),
        filters,
        search: query.q.clone(),
        filtered: filter.is_filtered(),
        rows,
        years,
        schemes: totals.schemes,
        schemes_filtered: totals.schemes_filtered,
        showing,
        page_links,
        previous: (current > 1).then(|| page_url(current - 1)),
        next: (current < page_count).then(|| page_url(current + 1)),
        list_url,
        approval: context.plan.approval,
        area: context.plan.area,
        plan: context.plan.plan,
        part: PART,
    };
    page::ok(&page)
}

// --- the form --------------------------------------------------------------------------------

/// A checkbox of a group (metrics, risks); the first of each group has the group's name as its
/// id, so that the error summary's link lands on it.
struct Checkbox {
    id: String,
    value: String,
    label: String,
    hint: String,
    checked: bool,
}

/// A year's money fields.
struct YearFields {
    label: String,
    spend: String,
    benefit: String,
}

/// What the form template needs, for adding and editing alike.
struct FormView {
    action: String,
    form: SchemeForm,
    errors: FormErrors,
    version: i32,
    type_choices: Vec<Choice>,
    lead_choices: Vec<Choice>,
    source_choices: Vec<Choice>,
    years: Vec<YearFields>,
    metrics: Vec<Checkbox>,
    risks: Vec<Checkbox>,
    button: &'static str,
}

fn checkbox(group: &str, index: usize, key: &str) -> String {
    if index == 0 {
        group.to_owned()
    } else {
        format!("{group}-{key}")
    }
}

impl FormView {
    #[allow(clippy::too_many_arguments)]
    fn new(
        context: &Context,
        register: &Register,
        linked: &[RiskId],
        action: String,
        form: SchemeForm,
        errors: FormErrors,
        version: i32,
        button: &'static str,
    ) -> FormView {
        let structure = &context.plan.structure;
        FormView {
            type_choices: keyed_prompted::<SchemeType>("Choose a type", form.get("scheme_type")),
            lead_choices: prompted(
                "Choose an organisation",
                context.partner_options(),
                form.get("lead_commissioner"),
            ),
            source_choices: prompted(
                "Choose a funding source",
                context.stream_options(),
                form.get("funding_source"),
            ),
            years: structure
                .years()
                .iter()
                .map(|year| YearFields {
                    label: year.label.clone(),
                    spend: spend_field(&year.key),
                    benefit: benefit_field(&year.key),
                })
                .collect(),
            metrics: structure
                .metrics()
                .iter()
                .enumerate()
                .map(|(index, metric)| Checkbox {
                    id: checkbox("metrics", index, &metric.key),
                    checked: form.has("metrics", &metric.key),
                    value: metric.key.clone(),
                    label: metric.name.clone(),
                    hint: metric.better.label().to_owned(),
                })
                .collect(),
            risks: register
                .linkable(linked)
                .into_iter()
                .enumerate()
                .map(|(index, risk)| {
                    let number = risk.number.to_string();
                    Checkbox {
                        id: checkbox("risks", index, &number),
                        checked: form.has("risks", &number),
                        label: register.name(risk.id),
                        hint: format!(
                            "{} ({}), {}",
                            risk.content.current.band.name,
                            risk.content.current.value,
                            risk.content.status.label()
                        ),
                        value: number,
                    }
                })
                .collect(),
            action,
            form,
            errors,
            version,
            button,
        }
    }
}

#[derive(Template)]
#[template(path = "plans/parts/schemes/new.html")]
struct NewPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    /// Why the form is back, when it is not for its errors (a scheme removed meanwhile), or "".
    notice: String,
    view: FormView,
}

async fn new_scheme(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let context = Context::load(&state, &signed_in, &slug, &plan_key).await?;
    context.allow(&signed_in)?;
    if context.plan.editing_closed(&state).await?.is_some() {
        // In sign-off: the list says so, and offers no form.
        return Ok(see_other(&context.list_url()));
    }
    let register = Register::load(&state, &context).await?;
    // The person's own organisation leads, until they say otherwise.
    let own = signed_in.user.organisation_id.to_string();
    let form = SchemeForm(vec![("lead_commissioner".to_owned(), own)]);
    let page = new_page(&signed_in, context, &register, form, FormErrors::new(), "");
    page::ok(&page)
}

fn new_page(
    signed_in: &SignedIn,
    context: Context,
    register: &Register,
    form: SchemeForm,
    errors: FormErrors,
    notice: &str,
) -> NewPage {
    let view = FormView::new(
        &context,
        register,
        &[],
        format!("{}/new", context.list_url()),
        form,
        errors,
        0,
        "Add the scheme",
    );
    NewPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        notice: notice.to_owned(),
        view,
        approval: context.plan.approval,
        area: context.plan.area,
        plan: context.plan.plan,
        part: PART,
    }
}

async fn create_scheme(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let kept = Typed::from_fields(fields.clone());
    create(&state, &signed_in, &slug, &plan_key, SchemeForm(fields))
        .await
        .map_err(|error| error.keeping(kept))
}

async fn create(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    form: SchemeForm,
) -> Result<Response, AppError> {
    let context = Context::load(state, signed_in, slug, plan_key).await?;
    context.allow(signed_in)?;
    let register = Register::load(state, &context).await?;
    let content = match parse(&form, &context, &register, &[]) {
        Ok(content) => content,
        Err(errors) => {
            let page = new_page(signed_in, context, &register, form, errors, "");
            return page::unprocessable(&page);
        }
    };
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    context
        .plan
        .ask_guard(&mut change, &context.list_url())
        .await?;
    let created = store::create_if_room(
        change.db(),
        context.plan.plan.id,
        &content,
        now,
        signed_in.user.id,
    )
    .await?;
    let Some((id, number)) = created else {
        drop(change);
        let mut errors = FormErrors::new();
        errors.add("name", super::full_message());
        let page = new_page(signed_in, context, &register, form, errors, "");
        return page::unprocessable(&page);
    };
    let names = |content: &SchemeContent| described(&context, &register, content);
    change
        .commit(
            &Event::new(actor(signed_in), "scheme.added", "scheme")
                .target(id)
                .area(context.area().id)
                .details(json!({
                    "plan": context.plan.plan.template_key,
                    "scheme": reference(number),
                    "fields": names(&content),
                })),
        )
        .await?;
    Ok(see_done(&context.scheme_url(number), Done::Added))
}

/// `read` with the names of the plan's streams and metrics, the area's organisations and its
/// register's risks.
fn with_names<T>(context: &Context, register: &Register, read: impl FnOnce(&Names<'_>) -> T) -> T {
    let organisation = |id: OrganisationId| context.organisation_name(id);
    let risk = |id: RiskId| register.name(id);
    read(&Names {
        structure: &context.plan.structure,
        organisation: &organisation,
        risk: &risk,
    })
}

/// Every field of a scheme as people read it.
fn details(context: &Context, register: &Register, content: &SchemeContent) -> Vec<super::Field> {
    with_names(context, register, |names| super::fields(content, names))
}

/// Every field of a scheme by its label, for the audit log.
fn described(
    context: &Context,
    register: &Register,
    content: &SchemeContent,
) -> serde_json::Map<String, serde_json::Value> {
    details(context, register, content)
        .into_iter()
        .map(|field| (field.label, serde_json::Value::String(field.value)))
        .collect()
}

/// The fields that differ between two versions.
fn differences(
    context: &Context,
    register: &Register,
    before: &SchemeContent,
    after: &SchemeContent,
) -> Vec<FieldChange> {
    with_names(context, register, |names| {
        super::changes(before, after, names)
    })
}

// --- a scheme --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "plans/parts/schemes/scheme.html")]
struct SchemePage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    banner: &'static str,
    reference: String,
    name: String,
    details: Vec<super::Field>,
    last_change: String,
    /// The edit form, shown only to those who may change schemes.
    may_edit: bool,
    remove_url: String,
    list_url: String,
    view: FormView,
    /// Set while the plan is in sign-off.
    frozen: Option<EditingClosed>,
}

/// One scheme of the plan, by the number in the URL.
async fn load_scheme(
    state: &AppState,
    context: &Context,
    number: &str,
) -> Result<StoredScheme, AppError> {
    let number: i32 = number.parse().map_err(|_| AppError::NotFound)?;
    store::find(&state.pool, context.plan.plan.id, number)
        .await?
        .ok_or(AppError::NotFound)
}

async fn show_scheme(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, number)): Path<(String, String, String)>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let context = Context::load(&state, &signed_in, &slug, &plan_key).await?;
    let frozen = context.plan.editing_closed(&state).await?;
    let scheme = load_scheme(&state, &context, &number).await?;
    let register = Register::load(&state, &context).await?;
    let form = SchemeForm::from_content(&scheme.content, &context.plan.structure, &|id| {
        register.number(id)
    });
    let mut page = scheme_page(
        &signed_in,
        context,
        &register,
        &scheme,
        form,
        FormErrors::new(),
        scheme.version,
        done.banner::<Done>(),
    );
    page.may_edit &= frozen.is_none();
    page.frozen = frozen;
    page::ok(&page)
}

#[allow(clippy::too_many_arguments)]
fn scheme_page(
    signed_in: &SignedIn,
    context: Context,
    register: &Register,
    scheme: &StoredScheme,
    form: SchemeForm,
    errors: FormErrors,
    version: i32,
    banner: &'static str,
) -> SchemePage {
    let details = details(&context, register, &scheme.content);
    let view = FormView::new(
        &context,
        register,
        &scheme.content.risks,
        context.scheme_url(scheme.number),
        form,
        errors,
        version,
        "Save changes",
    );
    SchemePage {
        layout: Layout::for_session(Some(&signed_in.session)),
        banner,
        reference: reference(scheme.number),
        name: scheme.content.name.clone(),
        details,
        last_change: last_change(scheme),
        may_edit: context.may_edit(signed_in),
        remove_url: format!("{}/remove", context.scheme_url(scheme.number)),
        list_url: context.list_url(),
        view,
        approval: context.plan.approval,
        area: context.plan.area,
        plan: context.plan.plan,
        part: PART,
        frozen: None,
    }
}

fn last_change(scheme: &StoredScheme) -> String {
    format!(
        "Version {}, last changed by {} on {}",
        scheme.version,
        scheme.updated_by.as_deref().unwrap_or("someone"),
        format::date_time(scheme.updated_at)
    )
}

#[derive(Template)]
#[template(path = "plans/parts/schemes/conflict.html")]
struct ConflictPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    reference: String,
    theirs_by: String,
    differences: Vec<FieldChange>,
    view: FormView,
}

async fn update_scheme(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, number)): Path<(String, String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let kept = Typed::from_fields(fields.clone());
    update(
        &state,
        &signed_in,
        (&slug, &plan_key, &number),
        SchemeForm(fields),
    )
    .await
    .map_err(|error| error.keeping(kept))
}

async fn update(
    state: &AppState,
    signed_in: &SignedIn,
    (slug, plan_key, number): (&str, &str, &str),
    form: SchemeForm,
) -> Result<Response, AppError> {
    let context = Context::load(state, signed_in, slug, plan_key).await?;
    context.allow(signed_in)?;
    let number: i32 = number.parse().map_err(|_| AppError::NotFound)?;
    let register = Register::load(state, &context).await?;
    let Some(scheme) = store::find(&state.pool, context.plan.plan.id, number).await? else {
        return removed_meanwhile(signed_in, context, &register, form, number);
    };
    let parsed = parse(&form, &context, &register, &scheme.content.risks);
    let version = form.get("version").trim().parse::<i32>().ok();
    let (content, version) = match (parsed, version) {
        (Ok(content), Some(version)) => (content, version),
        (parsed, _) => {
            let mut errors = parsed.err().unwrap_or_default();
            if version.is_none() {
                errors.add(
                    "name",
                    "This form was out of date, so nothing was saved. Check the scheme and save again.",
                );
            }
            // The form stays based on the version it was opened on, so that a save made
            // meanwhile by someone else is still caught when this one is sent again.
            let based_on = version.unwrap_or(scheme.version);
            let page = scheme_page(
                signed_in, context, &register, &scheme, form, errors, based_on, "",
            );
            return page::unprocessable(&page);
        }
    };
    let changed = differences(&context, &register, &scheme.content, &content);
    if changed.is_empty() {
        // Saved as it stands: no new version, nothing to record.
        return Ok(see_done(
            &context.scheme_url(scheme.number),
            Done::Unchanged,
        ));
    }
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    let back = context.scheme_url(scheme.number);
    context.plan.ask_guard(&mut change, &back).await?;
    let saved = store::update(
        change.db(),
        scheme.id,
        version,
        &content,
        now,
        signed_in.user.id,
    )
    .await?;
    let Some(new_version) = saved else {
        drop(change);
        // Read again: someone saved (or removed the scheme) after this form was opened.
        let current = store::find(&state.pool, context.plan.plan.id, scheme.number).await?;
        return conflict(
            signed_in, context, &register, current, &content, form, &scheme,
        );
    };
    change
        .commit(
            &Event::new(actor(signed_in), "scheme.changed", "scheme")
                .target(scheme.id)
                .area(context.area().id)
                .details(json!({
                    "plan": context.plan.plan.template_key,
                    "scheme": reference(scheme.number),
                    "version": new_version,
                    "changes": changed
                        .iter()
                        .map(|change| json!({
                            "field": change.label,
                            "before": change.before,
                            "after": change.after,
                        }))
                        .collect::<Vec<_>>(),
                })),
        )
        .await?;
    Ok(see_done(&context.scheme_url(scheme.number), Done::Saved))
}

/// The 409 page: what differs between the current version and the person's, and the form
/// holding the person's values against the current version, so that saving again is
/// deliberate. A scheme removed meanwhile: the add form holding their values.
fn conflict(
    signed_in: &SignedIn,
    context: Context,
    register: &Register,
    current: Option<StoredScheme>,
    yours: &SchemeContent,
    form: SchemeForm,
    was: &StoredScheme,
) -> Result<Response, AppError> {
    let Some(current) = current else {
        return removed_meanwhile(signed_in, context, register, form, was.number);
    };
    let differences = differences(&context, register, &current.content, yours);
    let mut linked = current.content.risks.clone();
    linked.extend(yours.risks.iter().copied());
    let view = FormView::new(
        &context,
        register,
        &linked,
        context.scheme_url(current.number),
        form,
        FormErrors::new(),
        current.version,
        "Save my version",
    );
    page::conflict(&ConflictPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        reference: reference(current.number),
        theirs_by: format!(
            "{} saved version {} on {}",
            current.updated_by.as_deref().unwrap_or("Someone"),
            current.version,
            format::date_time(current.updated_at)
        ),
        differences,
        view,
        approval: context.plan.approval,
        area: context.plan.area,
        plan: context.plan.plan,
        part: PART,
    })
}

/// The 409 page for a save of a scheme removed while it was being edited: the add form
/// holding the person's values, so that nothing typed is lost.
fn removed_meanwhile(
    signed_in: &SignedIn,
    context: Context,
    register: &Register,
    form: SchemeForm,
    number: i32,
) -> Result<Response, AppError> {
    let notice = format!(
        "Someone removed {} while you were editing it, so your changes were not saved. Your version is in the form below: add it as a new scheme if it is still needed.",
        reference(number)
    );
    let page = new_page(
        signed_in,
        context,
        register,
        form,
        FormErrors::new(),
        &notice,
    );
    page::conflict(&page)
}

// --- removing a scheme -----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "plans/parts/schemes/remove.html")]
struct RemovePage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    part: &'static str,
    approval: Option<ApprovalNotice>,
    reference: String,
    name: String,
    scheme_url: String,
    remove_url: String,
    version: i32,
    details: Vec<super::Field>,
    errors: FormErrors,
    /// Says so when the scheme changed since the confirmation was asked for, or "".
    changed: String,
}

fn remove_page(
    signed_in: &SignedIn,
    context: Context,
    register: &Register,
    scheme: &StoredScheme,
    errors: FormErrors,
    changed: String,
) -> RemovePage {
    let details = details(&context, register, &scheme.content);
    let scheme_url = context.scheme_url(scheme.number);
    RemovePage {
        layout: Layout::for_session(Some(&signed_in.session)),
        reference: reference(scheme.number),
        name: scheme.content.name.clone(),
        remove_url: format!("{scheme_url}/remove"),
        scheme_url,
        version: scheme.version,
        details,
        errors,
        changed,
        approval: context.plan.approval,
        area: context.plan.area,
        plan: context.plan.plan,
        part: PART,
    }
}

async fn confirm_removal(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, number)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let context = Context::load(&state, &signed_in, &slug, &plan_key).await?;
    let scheme = load_scheme(&state, &context, &number).await?;
    context.allow(&signed_in)?;
    if context.plan.editing_closed(&state).await?.is_some() {
        // In sign-off: the scheme's page says so, and offers no form.
        return Ok(see_other(&context.scheme_url(scheme.number)));
    }
    let register = Register::load(&state, &context).await?;
    let page = remove_page(
        &signed_in,
        context,
        &register,
        &scheme,
        FormErrors::new(),
        String::new(),
    );
    page::ok(&page)
}

async fn remove_scheme(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, number)): Path<(String, String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let context = Context::load(&state, &signed_in, &slug, &plan_key).await?;
    context.allow(&signed_in)?;
    let number: i32 = number.parse().map_err(|_| AppError::NotFound)?;
    let Some(scheme) = store::find(&state.pool, context.plan.plan.id, number).await? else {
        // Removed by someone else before this removal came: what was asked for is done.
        return Ok(see_done(&context.list_url(), Done::AlreadyRemoved));
    };
    let form = SchemeForm(fields);
    let Some(version) = form.get("version").trim().parse::<i32>().ok() else {
        let register = Register::load(&state, &context).await?;
        let mut errors = FormErrors::new();
        errors.add(
            "confirm",
            "This form was out of date, so nothing was removed. Check the scheme and confirm again.",
        );
        let page = remove_page(
            &signed_in,
            context,
            &register,
            &scheme,
            errors,
            String::new(),
        );
        return page::unprocessable(&page);
    };
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let back = context.scheme_url(scheme.number);
    context.plan.ask_guard(&mut change, &back).await?;
    if !store::remove(change.db(), scheme.id, version).await? {
        drop(change);
        // Changed since the confirmation was asked for: show it as it is now, to confirm again.
        let Some(scheme) = store::find(&state.pool, context.plan.plan.id, scheme.number).await?
        else {
            // Someone else removed it meanwhile: what was asked for is done.
            return Ok(see_done(&context.list_url(), Done::AlreadyRemoved));
        };
        let register = Register::load(&state, &context).await?;
        let changed = format!(
            "{} changed after you opened this page, so it has not been removed. {}. Check it below and confirm again if it should still go.",
            reference(scheme.number),
            last_change(&scheme)
        );
        let page = remove_page(
            &signed_in,
            context,
            &register,
            &scheme,
            FormErrors::new(),
            changed,
        );
        return page::conflict(&page);
    }
    let register = Register::load(&state, &context).await?;
    change
        .commit(
            &Event::new(actor(&signed_in), "scheme.removed", "scheme")
                .target(scheme.id)
                .area(context.area().id)
                .details(json!({
                    "plan": context.plan.plan.template_key,
                    "scheme": reference(scheme.number),
                    "version": scheme.version,
                    "fields": described(&context, &register, &scheme.content),
                })),
        )
        .await?;
    Ok(see_done(&context.list_url(), Done::Removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banners_come_from_a_fixed_list_and_checkbox_ids_start_with_the_group() {
        let query = |done: &str| DoneQuery {
            done: Some(done.to_owned()),
        };
        assert_eq!(
            query("removed").banner::<Done>(),
            "The scheme has been removed"
        );
        assert_eq!(query("<b>").banner::<Done>(), "");
        assert_eq!(checkbox("metrics", 0, "a"), "metrics");
        assert_eq!(checkbox("metrics", 1, "b"), "metrics-b");
    }
}
