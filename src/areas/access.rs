//! Access to an area: the area named in a URL, loaded and checked against the policy. Every
//! feature whose pages live under `/areas/{slug}/...` starts here.

use std::time::Instant;

use sqlx::PgPool;

use super::AreaId;
use super::kept::StampReading;
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
    allowed_in(signed_in, action, &area)?;
    Ok(area)
}

/// [`authorised_area`] with the area's change stamp, read in the same statement: for a page
/// showing values kept against it (`areas::kept`).
pub async fn authorised_area_stamped(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    action: Action,
) -> Result<(AreaSummary, StampReading), AppError> {
    let read_at = Instant::now();
    let found = store::find_area_by_slug_stamped(&state.pool, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    allowed_in(signed_in, action, &found.area)?;
    Ok((
        found.area,
        StampReading::read_with_area(found.stamp, read_at),
    ))
}

/// Whether the policy lets `signed_in` do `action` in `area`: an area the person has no part
/// in is reported as not found.
pub fn allowed_in(
    signed_in: &SignedIn,
    action: Action,
    area: &AreaSummary,
) -> Result<(), AppError> {
    match policy::decide(
        &signed_in.user.principal(),
        action,
        Target::area(area.id.get()),
    ) {
        Decision::Allow => Ok(()),
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
    let sees_all = sees_all_areas(user);
    let areas = if sees_all {
        store::list_areas(pool).await?
    } else {
        store::list_areas_by_id(pool, &granted_areas(user)).await?
    };
    Ok((areas, sees_all))
}

/// Whether `user` oversees every area (`Action::ViewAllAreas`): told without a statement.
pub fn sees_all_areas(user: &SessionUser) -> bool {
    policy::decide(
        &user.principal(),
        Action::ViewAllAreas,
        Target::everywhere(),
    ) == Decision::Allow
}

/// The areas where `user` holds a role, in the order of their grants.
pub fn granted_areas(user: &SessionUser) -> Vec<AreaId> {
    user.grants
        .iter()
        .filter_map(|grant| grant.area_id.map(AreaId::new))
        .collect()
}
