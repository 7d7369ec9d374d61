//! Reads what a person's home page needs (`needs::Facts`) from each feature's batch store
//! functions: a fixed number of queries (at most twelve) however many areas, plans, sections,
//! rounds, risks and deadlines there are; a query whose areas are none is not run.

use sqlx::PgPool;

use super::needs::{Facts, Person};
use crate::areas::store::{AreaSummary, members_of_areas};
use crate::auth::policy::Action;
use crate::notifications::store::unread_mentions;
use crate::plans::store::open_sections_of_areas;
use crate::plans::templates::kept::KeptStructures;
use crate::risks::store::open_risks_of_areas;
use crate::signoff::store::decisions::signatures_of_rounds;
use crate::signoff::store::rounds::current_rounds_of_areas;

pub async fn read(
    pool: &PgPool,
    structures: &KeptStructures,
    person: &Person<'_>,
    areas: Vec<AreaSummary>,
) -> Result<Facts, sqlx::Error> {
    let mut facts = Facts::default();
    let theirs = person.their_areas();
    let editing = person.areas_where(Action::EditSharedContent);
    let leading = person.areas_where(Action::CompleteSections);
    let signing = person.areas_where(Action::RecordOrganisationDecision);
    // Rounds are read where they sign or record the board's decisions, and in every area they
    // see where they may record assurance (an assurer's: all of them).
    let mut deciding = signing.clone();
    deciding.extend(person.areas_where(Action::RecordBoardDecision));
    deciding.extend(
        areas
            .iter()
            .map(|area| area.id.get())
            .filter(|&area_id| person.may(Action::RecordAssurance, area_id)),
    );
    deciding.sort_unstable();
    deciding.dedup();
    if !editing.is_empty() {
        facts.sections =
            open_sections_of_areas(pool, &editing, &leading, person.organisation_id).await?;
    }
    if !deciding.is_empty() {
        facts.rounds = current_rounds_of_areas(pool, &deciding).await?;
    }
    if !facts.rounds.is_empty() {
        let mut structure_ids: Vec<i64> = facts.rounds.iter().map(|r| r.structure_id).collect();
        structure_ids.sort_unstable();
        structure_ids.dedup();
        facts.structures = structures.by_ids(pool, &structure_ids).await?;
        if !signing.is_empty() {
            let round_ids: Vec<i64> = facts.rounds.iter().map(|round| round.id).collect();
            facts.members = members_of_areas(pool, &signing).await?;
            facts.signatures = signatures_of_rounds(pool, &round_ids).await?;
        }
    }
    if !theirs.is_empty() {
        facts.risks = open_risks_of_areas(pool, &theirs).await?;
        facts.deadlines = crate::deadlines::of_areas(pool, structures, &theirs).await?;
    }
    facts.mentions = unread_mentions(pool, person.id).await?;
    facts.areas = areas;
    Ok(facts)
}
