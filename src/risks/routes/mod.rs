//! The register's pages: the list with its heat map, adding a risk, a risk with its edit form
//! and history, and comparing any two versions. Each sub-feature has its own file; this one
//! lists the routes and loads what they share.

mod compare;
mod edit;
mod list;
mod matrix;
mod transfer;

pub use list::{KeptRegisters, MOST_KEPT as MOST_REGISTERS_KEPT};

use std::collections::HashMap;

use crate::AppState;
use crate::areas::content::ContentEdit;
use crate::areas::frozen::{self, EditingClosed};
use crate::areas::kept::StampReading;
use crate::areas::store::{self as areas, AreaSummary, Member};
use crate::areas::{OrganisationId, authorised_area, authorised_area_stamped};
use crate::audit::Change;
use crate::auth::extract::SignedIn;
use crate::auth::policy::Action;
use crate::keyed::keyed_enum;
use crate::risks::content::RiskContent;
use crate::risks::reference;
use crate::risks::store::{self, CurrentRisk};
use crate::web::AppError;
use crate::web::format;
use crate::web::routes::{Route, get, post};

pub fn routes() -> Vec<Route> {
    vec![
        get("/areas/{slug}/risks", list::list),
        get("/areas/{slug}/risks/matrix", matrix::show_matrix),
        post("/areas/{slug}/risks/matrix", matrix::change_matrix),
        get("/areas/{slug}/risks/new", edit::new_risk),
        post("/areas/{slug}/risks/new", edit::create_risk),
        get("/areas/{slug}/risks/{number}", edit::show_risk),
        post("/areas/{slug}/risks/{number}", edit::update_risk),
        get("/areas/{slug}/risks/{number}/compare", compare::compare),
        get("/areas/{slug}/risks/export.csv", transfer::export_csv),
        get("/areas/{slug}/risks/export.xlsx", transfer::export_xlsx),
        get("/areas/{slug}/risks/import", transfer::import_form),
        post("/areas/{slug}/risks/import", transfer::upload),
        get("/areas/{slug}/risks/import/{id}", transfer::preview),
        post("/areas/{slug}/risks/import/{id}", transfer::confirm),
    ]
}

keyed_enum! {
    /// What a register page's success banner says after an action (`?done=<key>`).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Done {
        Added = ("added", "The risk has been added to the register"),
        Saved = ("saved", "Your changes to the risk have been saved"),
        Imported = ("imported", "The import has been applied to the register"),
    }
}

/// The area's member organisations and their names, for owners and shares.
struct Partners {
    members: Vec<Member>,
    names: HashMap<OrganisationId, String>,
}

impl Partners {
    async fn load(state: &AppState, area: &AreaSummary) -> Result<Partners, AppError> {
        let members = areas::list_members(&state.pool, area.id).await?;
        let names = members
            .iter()
            .map(|member| (member.organisation_id, member.name.clone()))
            .collect();
        Ok(Partners { members, names })
    }

    fn ids(&self) -> Vec<OrganisationId> {
        self.members
            .iter()
            .map(|member| member.organisation_id)
            .collect()
    }

    fn name(&self, id: OrganisationId) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("Organisation {id}"))
    }
}

/// The area, checked: everyone with a part in it (and assurers and administrators) reads the
/// register; others are told it does not exist.
async fn readable_area(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
) -> Result<AreaSummary, AppError> {
    authorised_area(state, signed_in, slug, Action::ViewArea).await
}

/// [`readable_area`] with the area's change stamp, read in the same statement, for the
/// register kept against it.
async fn readable_area_stamped(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
) -> Result<(AreaSummary, StampReading), AppError> {
    authorised_area_stamped(state, signed_in, slug, Action::ViewArea).await
}

/// Asks the area's content guard for a change to the register, in the change's transaction
/// before anything is written (and before the register's own lock, as every content change
/// takes the guard first): refused (409, linking back to `back_url`) while any plan of the
/// area, all of which include the register, is in sign-off.
async fn ask_guard(
    change: &mut Change,
    area: &AreaSummary,
    back_url: &str,
) -> Result<i64, AppError> {
    frozen::ask_guard(change.db(), area.id, ContentEdit::RiskRegister, back_url).await
}

/// The banner of the register's pages while a plan of the area is in sign-off, when they show
/// no edit forms.
async fn editing_closed(
    state: &AppState,
    area: &AreaSummary,
) -> Result<Option<EditingClosed>, AppError> {
    frozen::editing_closed(&state.pool, area.id, ContentEdit::RiskRegister).await
}

/// One risk of the area, by the number in the URL.
async fn load_risk(
    state: &AppState,
    area: &AreaSummary,
    number: &str,
) -> Result<CurrentRisk, AppError> {
    let number: i32 = number.parse().map_err(|_| AppError::NotFound)?;
    store::find_risk(&state.pool, area.id, number)
        .await?
        .ok_or(AppError::NotFound)
}

/// Today, in London (where reviews fall due).
fn today(state: &AppState) -> time::Date {
    format::in_london(state.clock.now()).date()
}

/// A risk's row as lists and pages show it.
pub(super) struct RiskRow {
    pub number: i32,
    pub reference: String,
    pub title: String,
    pub owner: String,
    pub score: u16,
    pub band: String,
    pub colour: &'static str,
    pub residual: u16,
    pub residual_band: String,
    pub residual_colour: &'static str,
    pub category: &'static str,
    pub status: &'static str,
    pub status_colour: &'static str,
    pub review: String,
    pub review_overdue: bool,
    pub overdue_actions: usize,
}

impl RiskRow {
    fn of(number: i32, content: &RiskContent, partners: &Partners, today: time::Date) -> RiskRow {
        let open = content.status.is_open();
        RiskRow {
            number,
            reference: reference(number),
            title: content.title.clone(),
            owner: partners.name(content.owner_organisation_id),
            score: content.current.value,
            band: content.current.band.name.clone(),
            colour: content.current.band.colour.key(),
            residual: content.residual.value,
            residual_band: content.residual.band.name.clone(),
            residual_colour: content.residual.band.colour.key(),
            category: content.category.label(),
            status: content.status.label(),
            status_colour: content.status.colour(),
            review: format::date(content.review),
            review_overdue: open && content.review < today,
            overdue_actions: if open {
                content
                    .actions
                    .iter()
                    .filter(|action| !action.done && action.due < today)
                    .count()
            } else {
                0
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::banner::DoneQuery;

    #[test]
    fn references_and_banners() {
        assert_eq!(reference(7), "R-07");
        assert_eq!(reference(123), "R-123");
        let query = DoneQuery {
            done: Some("added".to_owned()),
        };
        assert_eq!(
            query.banner::<Done>(),
            "The risk has been added to the register"
        );
    }
}
