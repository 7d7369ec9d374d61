//! User accounts: the list, adding an account (shown its one-time password once), a user's page
//! with their roles (added and removed in `grants`), disabling and enabling them, and resetting
//! their password or two-factor sign-in.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::{Done, parse_id};
use crate::AppState;
use crate::areas::OrganisationId;
use crate::areas::store::{self as areas, AreaSummary, Organisation};
use crate::audit::{Change, Event};
use crate::auth::UserId;
use crate::auth::accounts::{self, CreateAccountError, DisplayName, Email};
use crate::auth::guard::Admin;
use crate::auth::password;
use crate::auth::policy::Role;
use crate::auth::store::{self as auth_store, GrantRow, UserAccount};
use crate::auth::throttle::Scope;
use crate::web::banner::{DoneQuery, see_done};
use crate::web::choice::{self, Choice};
use crate::web::extract::{Form, Path, Query};
use crate::web::page::{ok, unprocessable};
use crate::web::{AppError, FormErrors, Layout, format, page};

/// The most users the users page lists.
const USERS_LIMIT: usize = 200;

/// A user as listed.
struct UserRow {
    id: UserId,
    display_name: String,
    email: Email,
    organisation_name: String,
    /// "Area lead (Kent), Assurer", or "" for none.
    roles: String,
    disabled: bool,
    two_factor_enabled: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    layout: Layout,
    q: String,
    users: Vec<UserRow>,
    /// More users matched than are shown.
    truncated: bool,
}

#[derive(Template)]
#[template(path = "admin/user_new.html")]
struct NewUserPage {
    layout: Layout,
    errors: FormErrors,
    email: String,
    name: String,
    organisations: Vec<Choice>,
}

/// A new one-time password, shown once.
#[derive(Template)]
#[template(path = "admin/one_time_password.html")]
struct OneTimePasswordPage {
    layout: Layout,
    heading: &'static str,
    user_id: UserId,
    display_name: String,
    email: Email,
    password: String,
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    layout: Layout,
    banner: &'static str,
    errors: FormErrors,
    user: UserAccount,
    created: String,
    disabled_since: Option<String>,
    grants: Vec<GrantRow>,
    roles: Vec<Choice>,
    areas: Vec<Choice>,
    /// The administrator is looking at their own account.
    is_self: bool,
    /// The areas their organisation is a partner in, by name ("" for none).
    partner_areas: String,
    /// The area chosen in the add-a-role form, when their organisation is not a partner
    /// there: the form then warns and asks the administrator to confirm.
    outside_area: Option<String>,
    /// The confirmation as ticked.
    not_partner: bool,
}

/// The page that asks before an account is disabled.
#[derive(Template)]
#[template(path = "admin/disable_user.html")]
struct DisablePage {
    layout: Layout,
    user: UserAccount,
    /// How many roles they hold (kept while disabled).
    roles: usize,
    /// Why it may not be disabled (their own account, or disabled already), if it may not.
    problem: &'static str,
}

#[derive(Deserialize)]
pub(super) struct UsersQuery {
    q: Option<String>,
}

#[derive(Clone, Default, Deserialize)]
pub(super) struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organisation: String,
}

#[derive(Clone, Default, Deserialize)]
/// The add-a-role form on a user's page.
pub(super) struct GrantForm {
    #[serde(default)]
    pub(super) role: String,
    #[serde(default)]
    pub(super) area: String,
    /// "yes" when the administrator confirms a role in an area their organisation is not a
    /// partner in.
    #[serde(default)]
    pub(super) not_partner: String,
}

/// A page with a secret on it (a one-time password): never stored by the browser or a proxy.
fn shown_once(page: &impl Template) -> Result<Response, AppError> {
    let mut response = page::render(page)?.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub(super) fn user_url(user: &UserAccount) -> String {
    format!("/admin/users/{}", user.id)
}

pub(super) async fn list(
    State(state): State<AppState>,
    admin: Admin,
    Query(query): Query<UsersQuery>,
) -> Result<Response, AppError> {
    let q = query.q.unwrap_or_default().trim().to_owned();
    let search = (!q.is_empty()).then_some(q.as_str());
    let mut rows = auth_store::list_users(&state.pool, search, USERS_LIMIT as i64 + 1).await?;
    let truncated = rows.len() > USERS_LIMIT;
    rows.truncate(USERS_LIMIT);
    let users = rows
        .into_iter()
        .map(|row| UserRow {
            roles: row
                .grant_roles
                .iter()
                .zip(&row.grant_areas)
                .map(|(role, area)| match area {
                    Some(area) => format!("{} ({area})", role.label()),
                    None => role.label().to_owned(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            id: row.id,
            display_name: row.display_name,
            email: row.email,
            organisation_name: row.organisation_name,
            disabled: row.disabled,
            two_factor_enabled: row.two_factor_enabled,
        })
        .collect();
    ok(&UsersPage {
        layout: admin.layout(),
        q,
        users,
        truncated,
    })
}

impl NewUserForm {
    /// The add-an-account page with this form as typed.
    fn page(
        &self,
        layout: Layout,
        errors: FormErrors,
        organisations: &[Organisation],
    ) -> NewUserPage {
        NewUserPage {
            layout,
            errors,
            email: self.email.clone(),
            name: self.name.clone(),
            organisations: choice::prompted(
                "Choose an organisation",
                organisations
                    .iter()
                    .map(|organisation| (organisation.id, organisation.name.clone())),
                &self.organisation,
            ),
        }
    }
}

pub(super) async fn new(State(state): State<AppState>, admin: Admin) -> Result<Response, AppError> {
    let organisations = areas::list_organisations(&state.pool).await?;
    ok(&NewUserForm::default().page(admin.layout(), FormErrors::new(), &organisations))
}

pub(super) async fn add(
    State(state): State<AppState>,
    admin: Admin,
    Form(form): Form<NewUserForm>,
) -> Result<Response, AppError> {
    let organisations = areas::list_organisations(&state.pool).await?;
    let page = |errors: FormErrors| form.page(admin.layout(), errors, &organisations);
    let mut errors = FormErrors::new();
    let email = Email::parse(&form.email)
        .map_err(|problem| errors.add("email", problem))
        .ok();
    let name = DisplayName::parse(&form.name)
        .map_err(|problem| errors.add("name", problem))
        .ok();
    let organisation = parse_id(&form.organisation).and_then(|id| {
        let id = OrganisationId::new(id);
        organisations
            .iter()
            .find(|organisation| organisation.id == id)
    });
    if organisation.is_none() {
        errors.add("organisation", "Choose the organisation they work for");
    }
    let (Some(email), Some(name), Some(organisation)) = (email, name, organisation) else {
        return unprocessable(&page(errors));
    };
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let created = accounts::create_with_one_time_password(
        change.db(),
        &admin.actor(),
        &email,
        &name,
        organisation.id.get(),
    )
    .await;
    let account = match created {
        Ok(account) => account,
        Err(CreateAccountError::EmailTaken) => {
            let mut errors = FormErrors::new();
            errors.add("email", "An account with this email address already exists");
            return unprocessable(&page(errors));
        }
        Err(CreateAccountError::Database(error)) => return Err(error.into()),
        Err(CreateAccountError::Other(error)) => return Err(error.into()),
    };
    change.commit(&account.event).await?;
    shown_once(&OneTimePasswordPage {
        layout: admin.layout(),
        heading: "Account created",
        user_id: account.user_id,
        display_name: name.as_str().to_owned(),
        email,
        password: account.one_time_password,
    })
}

pub(super) async fn find(state: &AppState, id: UserId) -> Result<UserAccount, AppError> {
    auth_store::find_user_account(&state.pool, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The user's page, with what was typed into the add-a-role form.
async fn user_page(
    state: &AppState,
    admin: &Admin,
    user: UserAccount,
    errors: FormErrors,
    banner: &'static str,
    grant: &GrantForm,
    all_areas: Option<Vec<AreaSummary>>,
) -> Result<UserPage, AppError> {
    let grants = auth_store::list_grants(&state.pool, user.id).await?;
    let all_areas = match all_areas {
        Some(all_areas) => all_areas,
        None => areas::list_areas(&state.pool).await?,
    };
    let member_of =
        areas::member_areas(&state.pool, OrganisationId::new(user.organisation_id)).await?;
    let chosen_area =
        parse_id(&grant.area).and_then(|id| all_areas.iter().find(|area| area.id.get() == id));
    let area_role = Role::parse(&grant.role).is_none_or(|role| !role.is_global());
    let outside_area = chosen_area
        .filter(|area| area_role && !member_of.iter().any(|(id, _)| *id == area.id))
        .map(|area| area.name.clone());
    Ok(UserPage {
        partner_areas: member_of
            .iter()
            .map(|(_, name)| name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        outside_area,
        not_partner: grant.not_partner == "yes",
        layout: admin.layout(),
        banner,
        errors,
        created: format::date_time(user.created_at),
        disabled_since: user.disabled_at.map(format::date_time),
        is_self: user.id == admin.user_id(),
        user,
        grants,
        roles: choice::keyed_prompted::<Role>("Choose a role", &grant.role),
        areas: choice::prompted(
            "None (assurers and administrators)",
            all_areas.iter().map(|area| (area.id, area.name.clone())),
            &grant.area,
        ),
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<UserId>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let user = find(&state, id).await?;
    let banner = query.banner::<Done>();
    let page = user_page(
        &state,
        &admin,
        user,
        FormErrors::new(),
        banner,
        &GrantForm::default(),
        None,
    )
    .await?;
    ok(&page)
}

/// The user's page again, 422, with `message` by `field` and `grant` as typed.
pub(super) async fn refuse_on_user_page(
    state: &AppState,
    admin: &Admin,
    user: UserAccount,
    (field, message): (&'static str, String),
    grant: &GrantForm,
    all_areas: Option<Vec<AreaSummary>>,
) -> Result<Response, AppError> {
    let mut errors = FormErrors::new();
    errors.add(field, message);
    let page = user_page(state, admin, user, errors, "", grant, all_areas).await?;
    unprocessable(&page)
}

/// The user's page again, 422, refusing something an administrator may not do to their own
/// account (`problem`, shown by `field`).
pub(super) async fn refuse_for_self(
    state: &AppState,
    admin: &Admin,
    user: UserAccount,
    field: &'static str,
    problem: &str,
) -> Result<Response, AppError> {
    let problem = (field, problem.to_owned());
    refuse_on_user_page(state, admin, user, problem, &GrantForm::default(), None).await
}

/// Asks before disabling an account, saying what it does.
pub(super) async fn confirm_disable(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<UserId>,
) -> Result<Response, AppError> {
    let user = find(&state, id).await?;
    let roles = auth_store::list_grants(&state.pool, user.id).await?.len();
    let problem = if user.id == admin.user_id() {
        OWN_ACCOUNT
    } else if user.disabled_at.is_some() {
        "This account is already disabled: they cannot sign in."
    } else {
        ""
    };
    ok(&DisablePage {
        layout: admin.layout(),
        user,
        roles,
        problem,
    })
}

/// The message when an administrator tries to disable their own account.
const OWN_ACCOUNT: &str =
    "You cannot disable your own account. Ask another administrator if it must be disabled.";

pub(super) async fn disable(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<UserId>,
) -> Result<Response, AppError> {
    let user = find(&state, id).await?;
    if user.id == admin.user_id() {
        return refuse_for_self(&state, &admin, user, "disable", OWN_ACCOUNT).await;
    }
    set_disabled(&state, &admin, user, true).await
}

pub(super) async fn enable(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<UserId>,
) -> Result<Response, AppError> {
    let user = find(&state, id).await?;
    set_disabled(&state, &admin, user, false).await
}

/// Disables the account (signing them out everywhere) or enables it again. Already as asked:
/// nothing changes and nothing is recorded.
async fn set_disabled(
    state: &AppState,
    admin: &Admin,
    user: UserAccount,
    disabled: bool,
) -> Result<Response, AppError> {
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let at = change.at();
    let changed = if disabled {
        auth_store::disable_user(change.db(), user.id, at).await?
    } else {
        auth_store::enable_user(change.db(), user.id).await?
    };
    let (action, done) = if disabled {
        ("user.disabled", Done::UserDisabled)
    } else {
        ("user.enabled", Done::UserEnabled)
    };
    if changed {
        let mut details = json!({
            "before": { "disabled": !disabled },
            "after": { "disabled": disabled },
        });
        if disabled {
            details["sessions_ended"] = end_sessions(&mut change, admin, &user).await?.into();
        }
        let event = Event::new(admin.actor(), action, "user")
            .target(user.id)
            .details(details);
        change.commit(&event).await?;
    }
    Ok(see_done(&user_url(&user), done))
}

/// Ends the user's sessions, all of them but the administrator's own current one when they act
/// on their own account; returns how many ended.
async fn end_sessions(
    change: &mut Change,
    admin: &Admin,
    user: &UserAccount,
) -> Result<u64, AppError> {
    let keep =
        (user.id == admin.user_id()).then_some(admin.signed_in().session.token_hash.as_slice());
    Ok(auth_store::delete_user_sessions(change.db(), user.id, keep).await?)
}

pub(super) async fn reset_password(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<UserId>,
) -> Result<Response, AppError> {
    let user = find(&state, id).await?;
    let one_time_password = password::generate_one_time()?;
    let password_hash = password::hash(&one_time_password).await?;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    auth_store::set_password(change.db(), user.id, &password_hash, true).await?;
    let sessions_ended = end_sessions(&mut change, &admin, &user).await?;
    // Whoever was locked out by their own wrong guesses can use the new password at once.
    auth_store::clear_throttle(
        change.db(),
        Scope::Account.key(),
        &user.email.as_str().to_lowercase(),
    )
    .await?;
    change
        .commit(
            &Event::new(admin.actor(), "user.password_reset", "user")
                .target(user.id)
                .details(json!({
                    "after": { "must_change_password": true },
                    "sessions_ended": sessions_ended,
                })),
        )
        .await?;
    shown_once(&OneTimePasswordPage {
        layout: admin.layout(),
        heading: "Password reset",
        user_id: user.id,
        display_name: user.display_name,
        email: user.email,
        password: one_time_password,
    })
}

pub(super) async fn reset_two_factor(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<UserId>,
) -> Result<Response, AppError> {
    let user = find(&state, id).await?;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    auth_store::reset_totp(change.db(), user.id).await?;
    // Whoever has a session could otherwise set up a new authenticator in their place.
    let sessions_ended = end_sessions(&mut change, &admin, &user).await?;
    change
        .commit(
            &Event::new(admin.actor(), "user.two_factor_reset", "user")
                .target(user.id)
                .details(json!({
                    "before": { "two_factor": user.two_factor_enabled },
                    "after": { "two_factor": false },
                    "sessions_ended": sessions_ended,
                })),
        )
        .await?;
    Ok(see_done(&user_url(&user), Done::TwoFactorReset))
}
