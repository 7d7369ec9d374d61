//! `/areas/{slug}/people`: who holds which role in the area, its pending invitations (with
//! revoke), the invite form, and removing a role (after a confirmation page).

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::areas::authorised_area;
use crate::areas::store::{self as areas, AreaSummary};
use crate::audit::{Change, Event};
use crate::auth::accounts::{DisplayName, Email};
use crate::auth::extract::SignedIn;
use crate::auth::policy::{self, Action, Decision, Role, Target};
use crate::auth::store::{self as auth_store, AreaGrant};
use crate::auth::{GrantId, session};
use crate::keyed::keyed_enum;
use crate::membership::store::{self, NewInvitation, PendingInvitation};
use crate::membership::{
    INVITATION_LIFETIME, InvitationText, Person, invitable_roles, invitation_message, people,
    removal_problem,
};
use crate::notifications::outbox::{OutgoingMail, Purpose};
use crate::notifications::send_mail;
use crate::web::banner::{DoneQuery, see_done};
use crate::web::choice::{Choice, prompted};
use crate::web::extract::{Form, Path, Query};
use crate::web::format::date_time;
use crate::web::{AppError, FormErrors, Layout, page};

keyed_enum! {
    /// What just happened on the people page, for its success banner.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Done {
        Invited = ("invited", "Invitation sent"),
        Revoked = ("revoked", "Invitation revoked: its link no longer works"),
        RoleRemoved = ("role-removed", "Role removed"),
    }
}

/// A pending invitation as the page lists it.
struct InvitationRow {
    invitation: PendingInvitation,
    expires: String,
    expired: bool,
}

/// What was typed in the invite form.
#[derive(Clone, Debug, Default, Deserialize)]
pub(super) struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    role: String,
}

#[derive(Template)]
#[template(path = "membership/people.html")]
struct PeoplePage {
    layout: Layout,
    banner: &'static str,
    area: AreaSummary,
    people: Vec<Person>,
    invitations: Vec<InvitationRow>,
    errors: FormErrors,
    form: InviteForm,
    organisations: Vec<Choice>,
    roles: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "membership/remove_role.html")]
struct RemoveRolePage {
    layout: Layout,
    area: AreaSummary,
    grant: AreaGrant,
    /// Why it may not be removed, if it may not.
    problem: &'static str,
}

/// Whether `signed_in` may make area leads in `area`.
fn may_appoint_leads(signed_in: &SignedIn, area: &AreaSummary) -> bool {
    policy::decide(
        &signed_in.user.principal(),
        Action::AppointAreaLead,
        Target::area(area.id.get()),
    ) == Decision::Allow
}

/// The people page with `errors` and `form` in the invite form (a fixed number of queries).
async fn people_page(
    state: &AppState,
    signed_in: &SignedIn,
    area: AreaSummary,
    banner: &'static str,
    errors: FormErrors,
    form: InviteForm,
) -> Result<PeoplePage, AppError> {
    let now = state.clock.now();
    let grants = auth_store::list_area_grants(&state.pool, area.id.get()).await?;
    let invitations = store::list_pending(&state.pool, area.id.get())
        .await?
        .into_iter()
        .map(|invitation| InvitationRow {
            expires: date_time(invitation.expires_at),
            expired: invitation.expires_at <= now,
            invitation,
        })
        .collect();
    let members = areas::list_members(&state.pool, area.id).await?;
    let organisations = prompted(
        "Choose an organisation",
        members
            .into_iter()
            .map(|member| (member.organisation_id, member.name)),
        &form.organisation,
    );
    let roles = invitable_roles(may_appoint_leads(signed_in, &area))
        .into_iter()
        .map(|role| Choice::new(role.key(), role.label(), &form.role))
        .collect();
    Ok(PeoplePage {
        layout: Layout::for_session(Some(&signed_in.session)),
        banner,
        area,
        people: people(grants),
        invitations,
        errors,
        form,
        organisations,
        roles,
    })
}

pub(super) async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Query(done): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let area = authorised_area(&state, &signed_in, &slug, Action::ManageMembership).await?;
    let page = people_page(
        &state,
        &signed_in,
        area,
        done.banner::<Done>(),
        FormErrors::new(),
        InviteForm::default(),
    )
    .await?;
    page::ok(&page)
}

fn people_url(area: &AreaSummary) -> String {
    format!("/areas/{}/people", area.slug)
}

pub(super) async fn invite(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(slug): Path<String>,
    Form(form): Form<InviteForm>,
) -> Result<Response, AppError> {
    let area = authorised_area(&state, &signed_in, &slug, Action::ManageMembership).await?;
    let role = Role::parse(form.role.trim());
    // Only administrators make area leads: the form does not offer it to others.
    if role == Some(Role::AreaLead) && !may_appoint_leads(&signed_in, &area) {
        return Err(AppError::Forbidden);
    }
    let mut errors = FormErrors::new();
    let email = Email::parse(&form.email)
        .map_err(|problem| errors.add("email", problem))
        .ok();
    let name = DisplayName::parse(&form.name)
        .map_err(|problem| errors.add("name", problem))
        .ok();
    let members = areas::list_members(&state.pool, area.id).await?;
    let organisation = members
        .iter()
        .find(|member| member.organisation_id.to_string() == form.organisation.trim());
    if organisation.is_none() {
        errors.add("organisation", "Choose one of the area's organisations");
    }
    let role = role.filter(|role| invitable_roles(true).contains(role));
    if role.is_none() {
        errors.add("role", "Choose a role");
    }
    let (Some(email), Some(name), Some(organisation), Some(role)) =
        (email, name, organisation, role)
    else {
        let page = people_page(&state, &signed_in, area, "", errors, form).await?;
        return page::unprocessable(&page);
    };

    let now = state.clock.now();
    if store::role_held_or_offered(&state.pool, area.id.get(), email.as_str(), role, now).await? {
        errors.add(
            "email",
            format!(
                "{} already holds the role of {} in {}, or an invitation to it is waiting: \
                 choose another role, or revoke the waiting invitation first",
                email.as_str(),
                role.label().to_lowercase(),
                area.name
            ),
        );
        let page = people_page(&state, &signed_in, area, "", errors, form).await?;
        return page::unprocessable(&page);
    }
    let token = session::new_token()?;
    let mut change = Change::begin(&state.pool, now).await?;
    let id = store::insert_invitation(
        change.db(),
        NewInvitation {
            area_id: area.id.get(),
            email: email.as_str(),
            display_name: name.as_str(),
            organisation_id: organisation.organisation_id.get(),
            role,
            token_hash: &session::token_hash(&token),
            invited_by: signed_in.user.id,
            expires_at: now + INVITATION_LIFETIME,
        },
        now,
    )
    .await?;
    let (subject, body) = invitation_message(&InvitationText {
        base_url: &state.config.base_url(),
        token: &token,
        invitee: name.as_str(),
        inviter: &signed_in.user.display_name,
        area: &area.name,
        organisation: &organisation.name,
        role,
    });
    send_mail(
        change.db(),
        &OutgoingMail {
            user_id: None,
            to_address: email.as_str().to_owned(),
            purpose: Purpose::Invitation,
            subject,
            body,
        },
        now,
    )
    .await?;
    change
        .commit(
            &Event::new(signed_in.user.actor(), "invitation.created", "invitation")
                .target(id)
                .area(area.id)
                .details(json!({
                    "email": email.as_str(),
                    "display_name": name.as_str(),
                    "organisation_id": organisation.organisation_id.get(),
                    "role": role.key(),
                })),
        )
        .await?;
    Ok(see_done(&people_url(&area), Done::Invited))
}

pub(super) async fn revoke(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let area = authorised_area(&state, &signed_in, &slug, Action::ManageMembership).await?;
    let now = state.clock.now();
    let mut change = Change::begin(&state.pool, now).await?;
    let (email, role) = store::revoke(change.db(), area.id.get(), id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    change
        .commit(
            &Event::new(signed_in.user.actor(), "invitation.revoked", "invitation")
                .target(id)
                .area(area.id)
                .details(json!({ "email": email, "role": role.key() })),
        )
        .await?;
    Ok(see_done(&people_url(&area), Done::Revoked))
}

/// The area named in the URL, if `signed_in` manages its people, and the role `grant_id` held
/// in it.
async fn area_grant(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    grant_id: GrantId,
) -> Result<(AreaSummary, AreaGrant), AppError> {
    let area = authorised_area(state, signed_in, slug, Action::ManageMembership).await?;
    let grant = auth_store::find_area_grant(&state.pool, area.id.get(), grant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((area, grant))
}

pub(super) async fn confirm_removal(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, grant_id)): Path<(String, GrantId)>,
) -> Result<Response, AppError> {
    let (area, grant) = area_grant(&state, &signed_in, &slug, grant_id).await?;
    page::ok(&RemoveRolePage {
        layout: Layout::for_session(Some(&signed_in.session)),
        problem: removal_problem(&grant, signed_in.user.id).unwrap_or(""),
        area,
        grant,
    })
}

pub(super) async fn remove(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, grant_id)): Path<(String, GrantId)>,
) -> Result<Response, AppError> {
    let (area, grant) = area_grant(&state, &signed_in, &slug, grant_id).await?;
    if let Some(problem) = removal_problem(&grant, signed_in.user.id) {
        return Err(AppError::Refused(Box::new(crate::web::error::Refusal {
            heading: "This role cannot be removed here".to_owned(),
            explanation: problem.to_owned(),
            back_url: people_url(&area),
            back_text: format!("Back to the people of {}", area.name),
            typed: Default::default(),
        })));
    }
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let (user_id, role) = auth_store::delete_area_grant(change.db(), area.id.get(), grant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    change
        .commit(
            &Event::new(signed_in.user.actor(), "grant.removed", "user")
                .target(user_id)
                .area(area.id)
                .details(json!({
                    "before": { "role": role.key(), "area": area.slug },
                    "from": "area people page",
                })),
        )
        .await?;
    Ok(see_done(&people_url(&area), Done::RoleRemoved))
}
