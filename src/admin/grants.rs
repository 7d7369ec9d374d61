//! A user's roles: adding one (in an area, or across all areas for global roles) and removing
//! one, from the user's page.

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::users::{GrantForm, find, refuse_for_self, refuse_on_user_page, user_url};
use super::{Done, parse_id};
use crate::AppState;
use crate::areas::AreaId;
use crate::areas::store::{self as areas, AreaSummary};
use crate::audit::{Change, Event};
use crate::auth::guard::Admin;
use crate::auth::policy::Role;
use crate::auth::store as auth_store;
use crate::auth::{GrantId, UserId};
use crate::web::AppError;
use crate::web::banner::see_done;
use crate::web::extract::{Form, Path};

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
    let mut event = Event::new(admin.actor(), "grant.added", "user")
        .target(user.id)
        .details(json!({
            "after": { "role": role.key(), "area": area.map(|area| area.slug.as_str()) }
        }));
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
        let problem = "You cannot remove your own administrator role. Ask another administrator if it must be removed.";
        return refuse_for_self(&state, &admin, user, "grants", problem).await;
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
