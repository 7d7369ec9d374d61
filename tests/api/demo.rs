use std::process::Command;

use sqlx::PgPool;

use itf_planner::auth::policy::Role;

use crate::helpers::{TEST_SECRET_KEY, database_url, fresh_database, spawn_app};
use crate::risks::band_count;

async fn counts(pool: &PgPool) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM organisations),
                (SELECT count(*) FROM areas),
                (SELECT count(*) FROM area_members)",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

fn seed_demo(database: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_itf-planner"))
        .arg("seed-demo")
        .env("DATABASE_URL", database_url(database))
        .env("ITF_SECRET_KEY", TEST_SECRET_KEY)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run itf-planner seed-demo");
    assert!(
        output.status.success(),
        "seed-demo failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn seed_demo_loads_kent_and_rotherham_and_running_it_twice_changes_nothing() {
    // Test databases start with the demo data loaded once already.
    let database = fresh_database().await;
    let (pool, name) = (database.pool.clone(), database.name.clone());
    let after_first = counts(&pool).await;
    assert!(after_first.0 > 0 && after_first.1 == 2);
    let kent_ccgs: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM area_members m
         JOIN areas a ON a.id = m.area_id
         JOIN organisations o ON o.id = m.organisation_id
         WHERE a.slug = 'kent' AND o.kind = 'ccg' AND m.signs_plan",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(kent_ccgs, 7);
    let boards: Vec<String> = sqlx::query_scalar(
        "SELECT o.name FROM areas a JOIN organisations o ON o.id = a.board_id ORDER BY a.slug",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(
        boards,
        vec![
            "Kent Health and Wellbeing Board".to_owned(),
            "Rotherham Health and Wellbeing Board".to_owned()
        ]
    );

    let users = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM users")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let users_before = users().await;
    assert_eq!(
        users_before, 13,
        "one demo account per role per area (two more Kent officers), an assurer and an admin"
    );

    let revisions = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM revisions")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let revisions_before = revisions().await;
    assert_eq!(
        revisions_before, 4,
        "the Kent plan's vision and three contributions"
    );

    // The full demo adds the signatories on record and completes two plans; a second load
    // changes nothing.
    seed_demo(&name);
    let (users_full, revisions_full) = (users().await, revisions().await);
    assert_eq!(
        users_full,
        users_before
            + i64::try_from(itf_planner::demo::accounts::SIGNATORIES_ON_RECORD.len()).unwrap()
    );
    assert!(
        revisions_full > revisions_before,
        "the completed plans' text"
    );
    seed_demo(&name);
    assert_eq!(counts(&pool).await, after_first);
    assert_eq!(users().await, users_full);
    assert_eq!(revisions().await, revisions_full);
}

/// The rows of the register's table of risks (empty when it lists none).
fn risk_rows(page: &str) -> &str {
    page.find("id=\"risks\"")
        .map(|start| &page[start..])
        .unwrap_or_default()
}

#[tokio::test]
async fn the_demo_registers_have_every_band_overdue_reviews_and_a_history_the_boards_saw() {
    let app = spawn_app().await;
    // (area, an organisation of it, a board meeting, a risk added after it, one closed since)
    for (area, organisation, board, added_since, closed_since) in [
        (
            "kent",
            "NHS Thanet CCG",
            "2013-11-20",
            "Voluntary sector partners cannot take on more referrals",
            "Data sharing agreements are not signed in time",
        ),
        (
            "rotherham",
            "NHS Rotherham CCG",
            "2013-12-17",
            "breaks are not funded from the pooled fund",
            "The board cannot sign the plan off by 14 February",
        ),
    ] {
        let browser = app.another_browser();
        let user = app
            .create_user(Role::Signatory, Some(area), organisation)
            .await;
        browser.sign_in(&user).await;
        let register = format!("/areas/{area}/risks");
        let today = browser.get_html(&register).await;
        for band in ["Low", "Moderate", "High", "Extreme"] {
            assert!(band_count(&today, band) >= 1, "{area}: an open {band} risk");
        }
        // Some reviews and further actions are overdue, not all.
        let rows = risk_rows(&today);
        let overdue = rows.matches("Review overdue").count();
        assert!(overdue >= 1, "{area}: overdue reviews");
        assert!(
            overdue < rows.matches("<tr class=\"govuk-table__row\">").count() - 1,
            "{area}: reviews not overdue too"
        );
        assert!(
            rows.contains("1 action overdue"),
            "{area}: an overdue action"
        );
        assert!(today.contains(added_since), "{area}: {added_since}");
        assert!(today.contains(closed_since), "{area}: {closed_since}");

        // The register as the board saw it: scored lower, without the later risk, the closed
        // one still open.
        let then = browser.get_html(&format!("{register}?as_at={board}")).await;
        assert!(then.contains("as at"), "{area}: {then}");
        assert!(!then.contains(added_since), "{area}: added after the board");
        let closed_then = risk_rows(&then)
            .split("</tr>")
            .find(|row| row.contains(closed_since))
            .unwrap_or_else(|| panic!("{area}: {closed_since} as at {board}"));
        assert!(closed_then.contains(">Open<"), "{area}: {closed_then}");
        let counts = |page: &str| {
            let table = &page[page.find("id=\"band-counts\"").unwrap()..];
            table[..table.find("</table>").unwrap()].to_owned()
        };
        assert_ne!(
            counts(&then),
            counts(&today),
            "{area}: the counts by band differ"
        );
        assert!(
            risk_rows(&then).contains(">16 "),
            "{area}: R-01 scored 16 then"
        );
        assert!(risk_rows(&today).contains(">20 "), "{area}: and 20 now");

        // The main financial risk is shared between the council and the CCGs.
        let shared = browser.get_html(&format!("{register}/1")).await;
        assert!(shared.contains("CCG 8%") || shared.contains("CCG 40%"));
        assert!(shared.contains("Council 44%") || shared.contains("Council 60%"));
    }

    // Kent's plan cites its risks from "Risks and contingency", which summarises the register.
    let browser = app.another_browser();
    let user = app
        .create_user(Role::Signatory, Some("kent"), "Kent County Council")
        .await;
    browser.sign_in(&user).await;
    let section = browser
        .get_html("/areas/kent/plans/2014-16/sections/risks-and-contingency")
        .await;
    assert!(section.contains("id=\"register-summary\""));
    let linked = &section[section.find("id=\"linked-risks\"").unwrap()..];
    assert!(linked.contains(">R-01<") && linked.contains("Emergency admissions"));
    let risk = browser.get_html("/areas/kent/risks/1").await;
    assert!(risk.contains("href=\"/areas/kent/plans/2014-16/sections/risks-and-contingency\""));
}
