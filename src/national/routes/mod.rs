//! The national view's pages: the table and its exports (`page`), the JSON API (`api`), and
//! the page where assurers and administrators make and revoke the API's tokens (`tokens`).
//! `Selection::load` reads what all of them show, in a fixed number of queries.

pub mod api;
pub mod page;
pub mod tokens;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::audit::change::summary_changes;
use crate::deadlines::dashboard::{PlanState, regions};
use crate::national::cache::{FactsCache, KeptCycle};
use crate::national::table::{self, Filters, Punctuality, Row, Totals};
use crate::plans::templates::kept::{Cycle, KeptStructures, cycles};
use crate::plans::templates::structure::CycleStructure;
use crate::web::routes::Route;

pub fn routes() -> Vec<Route> {
    [page::routes(), api::routes(), tokens::routes()]
        .into_iter()
        .flatten()
        .collect()
}

/// The cycle and filters asked for, in the page's and the API's query string alike.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct NationalQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeliness: Option<String>,
}

/// A query value as typed: trimmed, empty when absent.
fn typed(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or_default().trim()
}

impl NationalQuery {
    /// The filters named, each ignored when it names nothing known (a region no area is in
    /// keeps no row); with `strict`, an unknown state or timeliness is an error instead.
    fn filters(&self, regions: &[String], strict: bool) -> Result<Filters, String> {
        let known = |key: &str, what: &str, valid: &[&str]| -> Result<(), String> {
            if strict && !key.is_empty() && !valid.contains(&key) {
                return Err(format!(
                    "Unknown {what} \"{key}\": use one of {}",
                    valid.join(", ")
                ));
            }
            Ok(())
        };
        let state = typed(&self.state);
        let timeliness = typed(&self.timeliness);
        known(state, "state", &PlanState::ALL.map(PlanState::key))?;
        known(
            timeliness,
            "timeliness",
            &Punctuality::ALL.map(Punctuality::key),
        )?;
        let region = typed(&self.region);
        Ok(Filters {
            region: if strict && !region.is_empty() {
                Some(region.to_owned())
            } else {
                regions.iter().find(|name| *name == region).cloned()
            },
            state: PlanState::parse(state),
            punctuality: Punctuality::parse(timeliness),
        })
    }

    /// The query string of the same cycle and filters (for the export links).
    fn query_string(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

/// What the page, its exports and the API show: the cycle, the filters, and the facts every
/// area's row is worked out from (`select`).
pub struct Selection {
    /// Every cycle: key, name.
    pub cycles: Vec<(String, String)>,
    pub key: String,
    pub name: String,
    /// The id of `structure`, which names it for good (`plans::templates::kept`).
    pub structure_id: i64,
    pub structure: Arc<CycleStructure>,
    pub regions: Vec<String>,
    pub filters: Filters,
    /// The cycle's facts the rows come from, with the tables rendered from them.
    pub kept: Arc<KeptCycle>,
}

/// The rows the filters keep, with their totals.
pub struct Selected {
    pub rows: Vec<Row>,
    pub totals: Totals,
}

/// Why a selection could not be made.
pub enum NotSelected {
    /// No template with the key asked for (only with `strict`), or none at all.
    NoSuchTemplate,
    /// A filter naming nothing known (only with `strict`).
    BadFilter(String),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for NotSelected {
    fn from(error: sqlx::Error) -> Self {
        NotSelected::Database(error)
    }
}

impl Selection {
    /// Reads the selection `query` asks for: the cycle asked for, else the newest. With
    /// `strict` (the API), a template or filter that names nothing is an error rather than
    /// ignored. One query, one more for a structure not yet kept in `structures`, and six more
    /// when the cycle's facts are not kept fresh in `cache`, however many areas.
    pub async fn load(
        pool: &PgPool,
        cache: &FactsCache,
        structures: &KeptStructures,
        query: &NationalQuery,
        strict: bool,
    ) -> Result<Selection, NotSelected> {
        // Counted before the structures are read: see `FactsCache::facts`.
        let changes = summary_changes();
        let templates = cycles(pool, structures).await?;
        let asked = typed(&query.template);
        let chosen = match templates.iter().find(|cycle| cycle.key == asked) {
            Some(found) => Some(found),
            None if strict && !asked.is_empty() => None,
            None => templates.first(),
        };
        let Some(Cycle {
            key,
            name,
            structure_id,
            structure,
        }) = chosen.cloned()
        else {
            return Err(NotSelected::NoSuchTemplate);
        };
        let kept = cache.facts(pool, &key, changes).await?;
        let regions = regions(&kept.facts.areas);
        let filters = query
            .filters(&regions, strict)
            .map_err(NotSelected::BadFilter)?;
        Ok(Selection {
            cycles: templates
                .into_iter()
                .map(|cycle| (cycle.key, cycle.name))
                .collect(),
            key,
            name,
            structure_id,
            structure,
            regions,
            filters,
            kept,
        })
    }

    /// How many areas there are in all (each has a row).
    pub fn total(&self) -> usize {
        self.kept.facts.areas.len()
    }

    /// Works out every area's row from the facts, and keeps those the filters select.
    pub fn select(&self) -> Selected {
        let rows = table::select(
            table::rows(&self.structure, &self.kept.facts),
            &self.filters,
        );
        let totals = table::totals(&rows, self.structure.years().len());
        Selected { rows, totals }
    }
}
