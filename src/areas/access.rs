//! Access to an area: the area named in a URL, loaded and checked against the policy. Every
//! feature whose pages live under `/areas/{slug}/...` starts here.

use sqlx::PgPool;

use super::AreaId;
use super::store::{self, AreaSummary};
use crate::AppState;
use crate::auth::extract::SignedIn;
use crate::auth::policy::{self, Action, Decision, Target};
use crate::auth::session::SessionUser;
use crate::web::AppError;

/// Loads the area named in the URL and asks the policy whether `signed_in` may do `action` in
/// it. An area the person has no part in is reported as not found.
pub async fn authorised_area(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    action: Action,
) -> Result<AreaSummary, AppError> {
    let area = store::find_area_by_slug(&state.pool, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    match policy::decide(
        &signed_in.user.principal(),
        action,
        Target::area(area.id.get()),
    ) {
        Decision::Allow => Ok(area),
        Decision::Forbidden => Err(AppError::Forbidden),
        Decision::NotFound => Err(AppError::NotFound),
    }
}

/// The areas `user` may see, by name: every area for those who oversee them all (assurers and
/// administrators, `Action::ViewAllAreas`, told by the `bool`), else those where they hold a
/// role.
pub async fn visible_areas(
    pool: &PgPool,
    user: &SessionUser,
) -> Result<(Vec<AreaSummary>, bool), sqlx::Error> {
    let sees_all_areas = policy::decide(
        &user.principal(),
        Action::ViewAllAreas,
        Target::everywhere(),
    ) == Decision::Allow;
    let areas = if sees_all_areas {
        store::list_areas(pool).await?
    } else {
        let ids: Vec<AreaId> = user
            .grants
            .iter()
            .filter_map(|grant| grant.area_id.map(AreaId::new))
            .collect();
        store::list_areas_by_id(pool, &ids).await?
    };
    Ok((areas, sees_all_areas))
}
