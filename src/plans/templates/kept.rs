//! Cycle structures kept by their id, once read. A structure version is never changed once
//! written — changing a template's structure adds a new version with a new id, and each plan
//! names the version it follows — so a version read once holds for as long as the server runs
//! against that database. Pages that need a plan's structure (the task list, every part's page,
//! the deadlines, the dashboard and the national view) read only its id with what they read
//! anyway, and the structure itself — kilobytes of JSON turned into text by PostgreSQL and
//! parsed by the server — only the first time. One per server (in `AppState`): ids are only
//! meaningful within one database.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError};

use sqlx::{PgExecutor, PgPool};

use super::store::{structures_by_id, templates_with_structure_ids};
use super::structure::CycleStructure;

/// The most versions kept; past it they are let go and read again as asked for. A database
/// holds a few per cycle template.
const MAX_KEPT: usize = 256;

/// A cycle a page may offer: a template with its current structure.
#[derive(Clone)]
pub struct Cycle {
    pub key: String,
    pub name: String,
    pub structure_id: i64,
    pub structure: Arc<CycleStructure>,
}

/// Every template that has a structure (newest first), with its current structure: the cycles
/// a page may offer, with their key dates. One statement when their structures are kept.
pub async fn cycles(pool: &PgPool, structures: &KeptStructures) -> Result<Vec<Cycle>, sqlx::Error> {
    let templates = templates_with_structure_ids(pool).await?;
    let ids: Vec<i64> = templates.iter().map(|(_, _, id)| *id).collect();
    let found = structures.by_ids(pool, &ids).await?;
    Ok(templates
        .into_iter()
        .filter_map(|(key, name, structure_id)| {
            let (_, structure) = found.iter().find(|(found, _)| *found == structure_id)?;
            Some(Cycle {
                key,
                name,
                structure_id,
                structure: Arc::clone(structure),
            })
        })
        .collect())
}

#[derive(Default)]
pub struct KeptStructures {
    kept: std::sync::Mutex<HashMap<i64, Arc<CycleStructure>>>,
}

impl KeptStructures {
    pub fn new() -> KeptStructures {
        KeptStructures::default()
    }

    /// The structures with the ids `ids` (those that exist), in one statement for the ones not
    /// yet kept and none when all are.
    pub async fn by_ids(
        &self,
        db: impl PgExecutor<'_>,
        ids: &[i64],
    ) -> Result<Vec<(i64, Arc<CycleStructure>)>, sqlx::Error> {
        let (mut found, missing) = self.look_up(ids);
        if !missing.is_empty() {
            let read: Vec<(i64, Arc<CycleStructure>)> = structures_by_id(db, &missing)
                .await?
                .into_iter()
                .map(|(id, structure)| (id, Arc::new(structure)))
                .collect();
            self.keep(&read);
            found.extend(read);
        }
        Ok(found)
    }

    /// The structure with the id `id`, if it exists.
    pub async fn by_id(
        &self,
        db: impl PgExecutor<'_>,
        id: i64,
    ) -> Result<Option<Arc<CycleStructure>>, sqlx::Error> {
        Ok(self
            .by_ids(db, &[id])
            .await?
            .into_iter()
            .next()
            .map(|(_, structure)| structure))
    }

    /// The kept structures of `ids`, and the ids not kept (each once).
    fn look_up(&self, ids: &[i64]) -> (Vec<(i64, Arc<CycleStructure>)>, Vec<i64>) {
        let kept = self.lock();
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for &id in ids {
            match kept.get(&id) {
                Some(structure) => found.push((id, Arc::clone(structure))),
                None if !missing.contains(&id) => missing.push(id),
                None => {}
            }
        }
        (found, missing)
    }

    fn keep(&self, read: &[(i64, Arc<CycleStructure>)]) {
        let mut kept = self.lock();
        if kept.len() + read.len() > MAX_KEPT {
            kept.clear();
        }
        for (id, structure) in read {
            kept.insert(*id, Arc::clone(structure));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<CycleStructure>>> {
        // Held only to look up or insert: a panic meanwhile leaves at worst a version missing.
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::templates::structure::{FinancialYear, StructureParts};

    fn structure() -> Arc<CycleStructure> {
        Arc::new(
            CycleStructure::new(StructureParts {
                years: vec![FinancialYear {
                    key: "2014-15".into(),
                    label: "2014/15".into(),
                }],
                ..StructureParts::default()
            })
            .expect("a valid structure"),
        )
    }

    #[test]
    fn kept_versions_are_found_and_the_rest_asked_for_once() {
        let kept = KeptStructures::new();
        let (found, missing) = kept.look_up(&[3, 4, 3]);
        assert!(found.is_empty());
        assert_eq!(missing, vec![3, 4]);
        kept.keep(&[(3, structure())]);
        let (found, missing) = kept.look_up(&[3, 4]);
        assert_eq!(found.iter().map(|(id, _)| *id).collect::<Vec<_>>(), vec![3]);
        assert_eq!(missing, vec![4]);
    }

    #[test]
    fn past_the_bound_the_kept_versions_are_let_go() {
        let kept = KeptStructures::new();
        let many: Vec<(i64, Arc<CycleStructure>)> =
            (0..MAX_KEPT as i64).map(|id| (id, structure())).collect();
        kept.keep(&many);
        assert_eq!(kept.lock().len(), MAX_KEPT);
        kept.keep(&[(10_000, structure())]);
        assert_eq!(kept.lock().len(), 1, "let go, then the new one kept");
        let (found, missing) = kept.look_up(&[10_000, 0]);
        assert_eq!(found.len(), 1);
        assert_eq!(missing, vec![0]);
    }
}
