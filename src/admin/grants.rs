//! A user's roles: adding one (in an area, or across all areas for global roles; in an area
//! their organisation is not a partner in only when the administrator confirms it) and
//! removing one, after a page that says what they lose.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::users::{GrantForm, find, refuse_for_self, refuse_on_user_page, user_url};
use super::{Done, parse_id};
use crate::AppState;
use crate::areas::store::{self as areas, AreaSummary};
use crate::areas::{AreaId, OrganisationId};
use crate::audit::{Change, Event};
use crate::auth::guard::Admin;
use crate::auth::policy::Role;
use crate::auth::store::{self as auth_store, GrantRow, UserAccount};
use crate::auth::{GrantId, UserId};
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path};
use crate::web::page::ok;
use crate::web::{AppError, Layout};

/// What someone holding `role` may do, as the sentence "They will no longer be able to ...".
/// `area`: the area an area role is held in.
fn what_the_role_allows(role: Role, area: &str) -> String {
    match role {
        Role::Officer => format!(
            "edit their organisation's sections, contributions, funding lines, schemes and risks in {area}, or the sections shared by its partners, or comment on {area}'s plans"
        ),
        Role::AreaLead => format!(
            "lead {area}'s plan (assign and complete sections, manage local deadlines, open or withdraw sign-off rounds, record submission, invite people), or do what an officer does there"
        ),
        Role::Signatory => format!(
            "record their organisation's decision on {area}'s plan in a sign-off round"
        ),
        Role::BoardSecretary => format!(
            "record the Health and Wellbeing Board's meetings and decisions on {area}'s plan"
        ),
        Role::Assurer => "read every area's plans, record assurance outcomes, manage national deadlines or use the national view and its exports".to_owned(),
        Role::Admin => "manage organisations, areas, user accounts, roles and templates, or read the audit log".to_owned(),
    }
}

/// The page that asks before a role is removed.
#[derive(Template)]
#[template(path = "admin/remove_grant.html")]
struct RemoveGrantPage {
    layout: Layout,
    user: UserAccount,
    grant: GrantRow,
    /// "They will no longer be able to ..." for this role.
    loses: String,
    /// Their other roles in the same area (area roles only), by label.
    other_roles_here: Vec<&'static str>,
    /// Why it may not be removed (their own administrator role), if it may not.
    problem: &'static str,
}

/// The message when an administrator tries to remove their own administrator role.
const OWN_ADMIN_ROLE: &str = "You cannot remove your own administrator role. Ask another administrator if it must be removed.";

pub(super) async fn confirm_remove(
    State(state): State<AppState>,
    admin: Admin,
    Path((id, grant_id)): Path<(UserId, GrantId)>,
) -> Result<Response, AppError> {
    let user = find(&state, id).await?;
    let grants = auth_store::list_grants(&state.pool, user.id).await?;
    let grant = grants
        .iter()
        .find(|grant| grant.id == grant_id)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let other_roles_here = match grant.area_id {
        Some(area_id) => grants
            .iter()
            .filter(|other| other.id != grant.id && other.area_id == Some(area_id))
            .map(|other| other.role.label())
            .collect(),
        None => Vec::new(),
    };
    let problem = if grant.role == Role::Admin && user.id == admin.user_id() {
        OWN_ADMIN_ROLE
    } else {
        ""
    };
    ok(&RemoveGrantPage {
        layout: admin.layout(),
        loses: what_the_role_allows(grant.role, grant.area_name.as_deref().unwrap_or("")),
        other_roles_here,
        problem,
        user,
        grant,
    })
}

/// The problem with giving `role` in `area` (`None`: across all areas), if there is one.
fn grant_problem(role: Role, area: Option<&AreaSummary>) -> Option<String> {
    match area {
        Some(_) if role.is_global() => Some(format!(
            "Leave the area as ‘None’: {}s work across every area",
            role.label().to_lowercase()
        )),
        None if !role.is_global() => Some(format!(
            "Choose the area in which they are {} {}",
            if role == Role::AreaLead || role == Role::Officer {
                "an"
            } else {
                "a"
            },
            role.label().to_lowercase()
        )),
        _ => None,
    }
}

pub(super) async fn add(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<UserId>,
    Form(form): Form<GrantForm>,
) -> Result<Response, AppError> {
    let user = find(&state, id).await?;
    let all_areas = areas::list_areas(&state.pool).await?;
    let role = Role::parse(&form.role);
    let area = match form.area.trim() {
        "" => Ok(None),
        typed => parse_id(typed)
            .map(AreaId::new)
            .and_then(|id| all_areas.iter().find(|area| area.id == id))
            .map(Some)
            .ok_or(()),
    };
    let chosen = match (role, area) {
        (None, _) => Err(("role", "Choose a role".to_owned())),
        (_, Err(())) => Err(("area", "Choose an area from the list".to_owned())),
        (Some(role), Ok(area)) => match grant_problem(role, area) {
            Some(problem) => Err(("area", problem)),
            None => Ok((role, area)),
        },
    };
    let (role, area) = match chosen {
        Ok(chosen) => chosen,
        Err(problem) => {
            let all_areas = Some(all_areas.clone());
            return refuse_on_user_page(&state, &admin, user, problem, &form, all_areas).await;
        }
    };
    // An area role for someone whose organisation is not a partner there is allowed (a
    // provider's officer, say), but only when the administrator says they mean it.
    let outside_partnership = match area {
        Some(area) => {
            let organisation = OrganisationId::new(user.organisation_id);
            !areas::member_areas(&state.pool, organisation)
                .await?
                .iter()
                .any(|(member_of, _)| *member_of == area.id)
        }
        None => false,
    };
    if let Some(area) = area
        && outside_partnership
        && form.not_partner != "yes"
    {
        let problem = format!(
            "Confirm that you mean to give this role to someone whose organisation is not a partner in {}",
            area.name
        );
        let all_areas = Some(all_areas.clone());
        return refuse_on_user_page(
            &state,
            &admin,
            user,
            ("not_partner", problem),
            &form,
            all_areas,
        )
        .await;
    }
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let added =
        auth_store::insert_grant(change.db(), user.id, role, area.map(|area| area.id.get()))
            .await?;
    if !added {
        drop(change);
        let problem = match area {
            Some(_) => "They already have this role in this area",
            None => "They already have this role",
        };
        let all_areas = Some(all_areas.clone());
        return refuse_on_user_page(
            &state,
            &admin,
            user,
            ("role", problem.to_owned()),
            &form,
            all_areas,
        )
        .await;
    }
    let mut details = json!({
        "after": { "role": role.key(), "area": area.map(|area| area.slug.as_str()) }
    });
    if outside_partnership {
        details["organisation_not_a_partner"] = json!(user.organisation_name);
    }
    let mut event = Event::new(admin.actor(), "grant.added", "user")
        .target(user.id)
        .details(details);
    if let Some(area) = area {
        event = event.area(area.id);
    }
    change.commit(&event).await?;
    Ok(see_done(&user_url(&user), Done::GrantAdded))
}

pub(super) async fn remove(
    State(state): State<AppState>,
    admin: Admin,
    Path((id, grant_id)): Path<(UserId, GrantId)>,
) -> Result<Response, AppError> {
    let user = find(&state, id).await?;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let removed = auth_store::delete_grant(change.db(), user.id, grant_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if removed.role == Role::Admin && user.id == admin.user_id() {
        drop(change);
        return refuse_for_self(&state, &admin, user, "grants", OWN_ADMIN_ROLE).await;
    }
    let mut event = Event::new(admin.actor(), "grant.removed", "user")
        .target(user.id)
        .details(json!({
            "before": { "role": removed.role.key(), "area": removed.area_slug }
        }));
    if let Some(area_id) = removed.area_id {
        event = event.area(area_id);
    }
    change.commit(&event).await?;
    Ok(see_done(&user_url(&user), Done::GrantRemoved))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kent() -> AreaSummary {
        AreaSummary {
            id: AreaId::new(1),
            slug: "kent".to_owned(),
            name: "Kent".to_owned(),
            board_id: crate::areas::OrganisationId::new(1),
            board_name: "Kent Health and Wellbeing Board".to_owned(),
            region: None,
        }
    }

    #[test]
    fn each_role_says_what_it_allows_and_area_roles_name_their_area() {
        for role in Role::ALL {
            let allows = what_the_role_allows(role, "Kent");
            assert!(!allows.is_empty() && !allows.ends_with('.'), "{role:?}");
            assert_eq!(allows.contains("Kent"), !role.is_global(), "{role:?}");
        }
    }

    #[test]
    fn area_roles_need_an_area_and_global_roles_none() {
        assert_eq!(grant_problem(Role::Officer, Some(&kent())), None);
        assert_eq!(grant_problem(Role::Admin, None), None);
        assert_eq!(
            grant_problem(Role::Officer, None).as_deref(),
            Some("Choose the area in which they are an officer")
        );
        assert_eq!(
            grant_problem(Role::Signatory, None).as_deref(),
            Some("Choose the area in which they are a signatory")
        );
        assert_eq!(
            grant_problem(Role::Assurer, Some(&kent())).as_deref(),
            Some("Leave the area as ‘None’: assurers work across every area")
        );
    }
}
