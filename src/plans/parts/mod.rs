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
pub mod document;
pub mod editing;
pub mod engagement;
pub mod funding;
pub mod metrics;
pub mod schemes;
pub mod workbook;

use crate::web::routes::Route;

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
        document::routes::routes(),
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
        approval: Option<crate::plans::approval::ApprovalNotice>,
    }

    #[test]
    fn the_parts_navigation_links_each_part_and_marks_the_current_one() {
        let html = Nav {
            area: Area { slug: "kent" },
            plan: Plan {
                template_key: "2014-16",
            },
            part: "schemes",
            approval: None,
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
