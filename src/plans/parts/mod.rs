//! The plan's structured parts beside its narrative sections (`../shared/DESIGN.md`, "Structured
//! parts of a plan"): the pooled funding, the schemes it buys, the metrics' baselines and
//! goals, the answers to the national conditions, the engagement log, and the checks that run
//! over all of them. The plan's structure (`templates::structure`: its years, funding streams,
//! metrics and conditions) says what each part holds; a part stores only keys from it.
//!
//! Each part has its own folder: the domain logic in `mod.rs` (pure, unit-tested), its SQL in
//! `store.rs` and its pages in `routes.rs`. Parts depend on the rest of `plans` (the plan, its
//! structure, its sections) and on the risk register; nothing outside `plans::routes` (the
//! task list) depends on them.

pub mod checks;
pub mod compare;
pub mod conditions;
pub mod engagement;
pub mod funding;
pub mod metrics;
pub mod schemes;
pub mod workbook;

use crate::web::routes::Route;

/// Whether a save changes nothing: it was made on the current version (`based_on`) and holds
/// just what that version holds. Such a save writes no new version and records nothing, so a
/// part's history shows only real revisions.
pub fn is_unchanged<Id: PartialEq, T: PartialEq>(
    based_on: Option<Id>,
    current: Option<(Id, &T)>,
    saving: &T,
) -> bool {
    match current {
        Some((id, held)) => based_on.as_ref() == Some(&id) && held == saving,
        None => false,
    }
}

pub fn routes() -> Vec<Route> {
    [
        funding::routes::routes(),
        schemes::routes::routes(),
        metrics::routes::routes(),
        conditions::routes::routes(),
        engagement::routes::routes(),
        checks::routes::routes(),
        compare::routes::routes(),
        workbook::routes::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use askama::Template;

    struct Area {
        slug: &'static str,
    }
    struct Plan {
        template_key: &'static str,
    }

    #[derive(Template)]
    #[template(path = "plans/parts/nav.html")]
    struct Nav {
        area: Area,
        plan: Plan,
        part: &'static str,
    }

    #[test]
    fn a_save_on_the_current_version_holding_the_same_changes_nothing() {
        use super::is_unchanged;
        assert!(is_unchanged(Some(3), Some((3, &"met")), &"met"));
        assert!(
            !is_unchanged(Some(3), Some((3, &"met")), &"not met"),
            "a real change"
        );
        assert!(
            !is_unchanged(Some(2), Some((3, &"met")), &"met"),
            "based on an older version"
        );
        assert!(
            !is_unchanged::<i32, _>(None, None, &"met"),
            "the first answer"
        );
        assert!(
            !is_unchanged(None, Some((3, &"met")), &"met"),
            "a first answer made meanwhile"
        );
    }

    #[test]
    fn the_parts_navigation_links_each_part_and_marks_the_current_one() {
        let html = Nav {
            area: Area { slug: "kent" },
            plan: Plan {
                template_key: "2014-16",
            },
            part: "schemes",
        }
        .render()
        .expect("renders");
        for part in [
            "funding",
            "schemes",
            "metrics",
            "conditions",
            "engagement",
            "checks",
            "compare",
            "import",
        ] {
            assert!(html.contains(&format!("href=\"/areas/kent/plans/2014-16/{part}\"")));
        }
        assert_eq!(html.matches("aria-current=\"page\"").count(), 1);
        assert!(html.contains("/schemes\" aria-current=\"page\""));
    }
}
