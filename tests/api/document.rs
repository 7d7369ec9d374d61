//! The plan as one document (issue 11, items 4 and 5): the hash of the whole plan, the live
//! document and its Word file, the snapshot documents that never change, comparisons, and
//! the banner on the live plan once it differs from what its board approved.

use std::io::Read;

use itf_planner::areas::store::{AreaSummary, content_version, find_area_by_slug};
use itf_planner::auth::policy::Role;
use itf_planner::plans::parts::document::{PlanContent, Snapshot, hash_hex, store};
use itf_planner::plans::store::{PlanSummary, find_plan, record_approval};
use itf_planner::plans::templates::store::plan_structure;

use crate::helpers::{TestApp, TestUser, form_fields_in, spawn_app};
use crate::plans::{VISION, save};
use crate::risks::{add, good_risk, organisation_id};

const PLAN: &str = "/areas/kent/plans/2014-16";
const DOCUMENT: &str = "/areas/kent/plans/2014-16/document";
const SIGN_OFF: &str = "/areas/kent/plans/2014-16/sign-off";

async fn kent_lead(app: &TestApp) -> (TestApp, TestUser) {
    let browser = app.another_browser();
    let user = app
        .create_user(Role::AreaLead, Some("kent"), "Kent County Council")
        .await;
    browser.sign_in(&user).await;
    (browser, user)
}

/// An officer of another area, signed in.
async fn rotherham_officer(app: &TestApp) -> TestApp {
    let browser = app.another_browser();
    let user = app
        .create_user(
            Role::Officer,
            Some("rotherham"),
            "Rotherham Metropolitan Borough Council",
        )
        .await;
    browser.sign_in(&user).await;
    browser
}

async fn kent_plan(app: &TestApp) -> (AreaSummary, PlanSummary) {
    let area = find_area_by_slug(&app.pool, "kent")
        .await
        .unwrap()
        .expect("Kent");
    let plan = find_plan(&app.pool, area.id, "2014-16")
        .await
        .unwrap()
        .expect("Kent's plan");
    (area, plan)
}

/// Kent's plan's content as it stands, as a round would freeze it.
async fn live_content(app: &TestApp) -> PlanContent {
    let (area, plan) = kent_plan(app).await;
    let structure = plan_structure(&app.pool, plan.id)
        .await
        .unwrap()
        .expect("a structure");
    let mut db = app.pool.acquire().await.unwrap();
    store::content(&mut db, &area, &plan, &structure)
        .await
        .unwrap()
}

async fn live_hash(app: &TestApp) -> [u8; 32] {
    Snapshot::of(&live_content(app).await).unwrap().hash
}

/// Opens round `number` of Kent's plan directly (as the sign-off workflow does): the live
/// content frozen and hashed. Returns the round's id and its snapshot.
async fn insert_round(app: &TestApp, by: &TestUser, number: i32, name: &str) -> (i64, Snapshot) {
    let (area, plan) = kent_plan(app).await;
    let snapshot = Snapshot::of(&live_content(app).await).unwrap();
    let version = content_version(&app.pool, area.id).await.unwrap();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO signoff_rounds (plan_id, number, name, state, opened_at, opened_by,
                                     snapshot, snapshot_hash, content_version)
         VALUES ($1, $2, $3, 'assured', now(), $4, $5, $6, $7) RETURNING id",
    )
    .bind(plan.id)
    .bind(number)
    .bind(name)
    .bind(by.id)
    .bind(&snapshot.json)
    .bind(snapshot.hash.as_slice())
    .bind(version)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    (id, snapshot)
}

/// The council's signatory approved round `round_id`, and the board after them.
async fn seal_round(app: &TestApp, round_id: i64, hash: &[u8], by: &TestUser) {
    let council = organisation_id(app, "Kent County Council").await;
    sqlx::query(
        "INSERT INTO signoff_decisions (round_id, organisation_id, signature_key, decision,
                                        signer_id, signer_name, signer_position, snapshot_hash,
                                        decided_at)
         VALUES ($1, $2, 'council-chief-executive', 'approve', $3, 'Paul Carter',
                 'Leader of the council', $4, now())",
    )
    .bind(round_id)
    .bind(council)
    .bind(by.id)
    .bind(hash)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO board_decisions (round_id, how, body, decided_on, reference, outcome,
                                      snapshot_hash, recorded_by, recorded_at)
         VALUES ($1, 'meeting', 'Kent Health and Wellbeing Board', '2014-01-29', 'HWB/14/007',
                 'approved', $2, $3, now())",
    )
    .bind(round_id)
    .bind(hash)
    .bind(by.id)
    .execute(&app.pool)
    .await
    .unwrap();
}

/// What every content edit does in its own transaction (`areas::store::begin_content_edit`),
/// for edits made before every save path went through the area's content guard.
async fn bump_content_version(app: &TestApp, area: &AreaSummary) {
    sqlx::query(
        "INSERT INTO area_content (area_id, version) VALUES ($1, 1)
         ON CONFLICT (area_id) DO UPDATE SET version = area_content.version + 1",
    )
    .bind(area.id)
    .execute(&app.pool)
    .await
    .unwrap();
}

async fn bytes(browser: &TestApp, path: &str) -> Vec<u8> {
    let response = browser.get(path).await;
    assert_eq!(response.status(), 200, "GET {path}");
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    response.bytes().await.unwrap().to_vec()
}

/// The text of word/document.xml in a .docx.
fn document_xml(docx: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip");
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The page's main content (without the shell, which carries the session's details).
fn main_of(html: &str) -> String {
    let start = html.find("<main").expect("a main element");
    let end = html.find("</main>").expect("the main element's end");
    html[start..end].to_owned()
}

/// Sets the council's 2015/16 Disabled Facilities Grant line to `amount`.
async fn change_funding(app: &TestApp, browser: &TestApp, amount: &str) {
    let council = organisation_id(app, "Kent County Council").await;
    let page = format!("{PLAN}/funding/{council}/2015-16");
    post_hidden_fields(
        browser,
        &page,
        &[("amount-disabled-facilities-grant", amount)],
    )
    .await;
}

/// Posts the form on `page` that posts to itself: its hidden fields and `typed`; expects 303.
async fn post_hidden_fields(browser: &TestApp, page: &str, typed: &[(&str, &str)]) {
    let html = browser.get_html(page).await;
    let hidden = form_fields_in(&html, page).unwrap_or_else(|| panic!("a form on {page}"));
    let mut pairs: Vec<(&str, &str)> = hidden
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    pairs.extend_from_slice(typed);
    let response = browser.post_form(page, &pairs).await;
    assert_eq!(response.status(), 303, "POST {page}");
}

/// Removes scheme `number` of Kent's plan.
async fn remove_scheme(browser: &TestApp, number: i32) {
    post_hidden_fields(browser, &format!("{PLAN}/schemes/{number}/remove"), &[]).await;
}

#[tokio::test]
async fn the_hash_of_kents_plan_is_stable_and_changes_when_any_part_changes() {
    let app = spawn_app().await;
    let (lead, _) = kent_lead(&app).await;
    let first = live_hash(&app).await;
    assert_eq!(
        live_hash(&app).await,
        first,
        "the same content, the same hash"
    );
    let content = live_content(&app).await;
    assert!(!content.funding.is_empty() && !content.schemes.is_empty());
    assert!(!content.risks.is_empty() && !content.sections.is_empty());

    assert_eq!(
        save(&lead, VISION, "Care closer to home.").await.status(),
        303
    );
    let after_section = live_hash(&app).await;
    assert_ne!(after_section, first, "a section's text");

    change_funding(&app, &lead, "£7,000,001").await;
    let after_funding = live_hash(&app).await;
    assert_ne!(after_funding, after_section, "a funding line");

    remove_scheme(&lead, content.schemes[0].number).await;
    let after_scheme = live_hash(&app).await;
    assert_ne!(after_scheme, after_funding, "a scheme");

    let council = organisation_id(&app, "Kent County Council").await;
    add(&lead, &good_risk("Care homes close", council)).await;
    let after_risk = live_hash(&app).await;
    assert_ne!(after_risk, after_scheme, "a risk");
    assert_eq!(live_hash(&app).await, after_risk);
}

#[tokio::test]
async fn the_whole_live_plan_reads_as_one_page_and_downloads_as_the_same_word_file() {
    let app = spawn_app().await;
    let (lead, _) = kent_lead(&app).await;
    assert_eq!(
        save(&lead, VISION, "Care closer to **home**, said the board.")
            .await
            .status(),
        303
    );
    let content = live_content(&app).await;

    let task_list = lead.get_html(PLAN).await;
    assert!(task_list.contains(&format!("href=\"{DOCUMENT}\">Read the whole plan</a>")));

    let page = lead.get_html(DOCUMENT).await;
    assert!(page.contains("Care closer to <strong>home</strong>, said the board."));
    assert!(page.contains(&content.schemes[0].name.replace('\'', "&#39;")));
    assert!(page.contains(&content.risks[0].reference));
    assert!(page.contains("<h2 class=\"govuk-heading-l\" id=\"funding\">Funding</h2>"));
    assert!(page.contains("govuk-table__cell govuk-table__cell--numeric\">£"));
    assert!(page.contains(&format!("href=\"{DOCUMENT}.docx\"")));
    assert!(
        !page.contains("govuk-notification-banner"),
        "nothing approved"
    );

    let docx = bytes(&lead, &format!("{DOCUMENT}.docx")).await;
    assert_eq!(
        bytes(&lead, &format!("{DOCUMENT}.docx")).await,
        docx,
        "the same plan, the same bytes"
    );
    let xml = document_xml(&docx);
    assert!(xml.contains("Care closer to "));
    assert!(
        xml.contains(&content.schemes[0].name.replace('\'', "&apos;"))
            || xml.contains(&content.schemes[0].name)
    );
    assert!(xml.contains(&content.risks[0].reference));

    // Printed for board papers: the shell, navigation and forms left out, a page per part.
    let css = lead.get("/static/app.css").await.text().await.unwrap();
    let print = &css[css
        .find("@media print{.govuk-template__header")
        .expect("print rules")..];
    for hidden in [
        ".govuk-service-navigation",
        ".govuk-footer",
        ".govuk-breadcrumbs",
        "form",
        "nav",
    ] {
        assert!(
            print[..print.find("{display:none").unwrap()].contains(hidden),
            "{hidden} not printed"
        );
    }
    assert!(print.contains(".app-document__part{break-before:page}"));
    assert!(page.contains("class=\"app-document__part\""));

    // Another area's people see nothing of it.
    let rotherham = rotherham_officer(&app).await;
    assert_eq!(rotherham.get(DOCUMENT).await.status(), 404);
    assert_eq!(
        rotherham.get(&format!("{DOCUMENT}.docx")).await.status(),
        404
    );
}

#[tokio::test]
async fn a_snapshot_document_stays_byte_for_byte_the_same_whatever_happens_to_the_live_plan() {
    let app = spawn_app().await;
    let (lead, user) = kent_lead(&app).await;
    assert_eq!(
        save(&lead, VISION, "The frozen vision.").await.status(),
        303
    );
    let (round, snapshot) = insert_round(&app, &user, 1, "Final submission").await;
    seal_round(&app, round, &snapshot.hash, &user).await;
    let page_path = format!("{SIGN_OFF}/rounds/1/document");
    let docx_path = format!("{page_path}.docx");

    let page = lead.get_html(&page_path).await;
    let hash = hash_hex(&snapshot.hash);
    assert!(page.contains(&hash), "the full hash");
    assert!(page.contains("Final submission (round 1)"));
    assert!(page.contains("The frozen vision."));
    for seal in [
        "Kent County Council",
        "Leader of the council",
        "Paul Carter",
        "Approved",
    ] {
        assert!(page.contains(seal), "{seal} in the table of decisions");
    }
    assert!(page.contains("HWB/14/007") && page.contains("29 January 2014"));
    let docx = bytes(&lead, &docx_path).await;
    let xml = document_xml(&docx);
    assert!(xml.contains("The frozen vision."));
    assert!(xml.contains(&hash));
    assert!(xml.contains("HWB/14/007"));

    // The live plan moves on.
    assert_eq!(save(&lead, VISION, "A new vision.").await.status(), 303);
    change_funding(&app, &lead, "£1").await;
    let council = organisation_id(&app, "Kent County Council").await;
    add(&lead, &good_risk("Care homes close", council)).await;
    assert!(lead.get_html(DOCUMENT).await.contains("A new vision."));

    let again = lead.get_html(&page_path).await;
    assert_eq!(main_of(&again), main_of(&page), "the snapshot's page");
    assert!(!again.contains("A new vision."));
    assert_eq!(
        bytes(&lead, &docx_path).await,
        docx,
        "the snapshot's Word file"
    );

    // A round that does not exist, and another area's people.
    assert_eq!(
        lead.get(&format!("{SIGN_OFF}/rounds/2/document"))
            .await
            .status(),
        404
    );
    let rotherham = rotherham_officer(&app).await;
    assert_eq!(rotherham.get(&page_path).await.status(), 404);
    assert_eq!(rotherham.get(&docx_path).await.status(), 404);
}

#[tokio::test]
async fn two_snapshots_compare_section_by_section_and_field_by_field() {
    let app = spawn_app().await;
    let (lead, user) = kent_lead(&app).await;
    let compare = format!("{SIGN_OFF}/compare");
    assert!(
        lead.get_html(&compare)
            .await
            .contains("No sign-off round has been opened")
    );

    assert_eq!(save(&lead, VISION, "The draft vision.").await.status(), 303);
    insert_round(&app, &user, 1, "Draft submission").await;
    assert_eq!(save(&lead, VISION, "The final vision.").await.status(), 303);
    change_funding(&app, &lead, "£7,000,001").await;
    insert_round(&app, &user, 2, "Final submission").await;

    // The form, without JavaScript: two selects, the last two rounds chosen.
    let form = lead.get_html(&compare).await;
    assert!(form.contains("<select class=\"govuk-select\" id=\"from\" name=\"from\">"));
    assert!(form.contains("<option value=\"1\" selected>Round 1: Draft submission"));
    assert!(form.contains("<option value=\"2\" selected>Round 2: Final submission"));
    assert!(!form.contains("differences."));

    let page = lead.get_html(&format!("{compare}?from=1&to=2")).await;
    assert!(page.contains("Round 1: Draft submission"));
    assert!(page.contains("The draft vision.") && page.contains("The final vision."));
    assert!(page.contains("£7,000,001"));
    assert!(page.contains(">Funding</th>") && page.contains(">Sections</th>"));
    assert!(
        page.contains("2 differences."),
        "the section and the funding line"
    );

    let same = lead.get_html(&format!("{compare}?from=2&to=2")).await;
    assert!(same.contains("There are no differences."));
    assert_eq!(
        lead.get(&format!("{compare}?from=1&to=9")).await.status(),
        404
    );
}

#[tokio::test]
async fn every_page_of_the_live_plan_says_when_it_differs_from_what_the_board_approved() {
    let app = spawn_app().await;
    let (lead, user) = kent_lead(&app).await;
    let changes = format!("{SIGN_OFF}/changes");
    assert_eq!(
        lead.get(&changes).await.status(),
        404,
        "nothing approved yet"
    );

    assert_eq!(
        save(&lead, VISION, "The approved vision.").await.status(),
        303
    );
    let (round, snapshot) = insert_round(&app, &user, 2, "Final submission").await;
    let (area, plan) = kent_plan(&app).await;
    let version = content_version(&app.pool, area.id).await.unwrap();
    let approved_at = time::macros::datetime!(2014-01-29 18:00 UTC);
    record_approval(
        &app.pool,
        plan.id,
        round,
        2,
        &snapshot.hash,
        version,
        approved_at,
    )
    .await
    .unwrap();

    let pages = [
        PLAN.to_owned(),
        VISION.to_owned(),
        format!("{PLAN}/funding"),
        format!("{PLAN}/schemes"),
        format!("{PLAN}/checks"),
        DOCUMENT.to_owned(),
    ];
    let banner = "The board approved this plan on 29 January 2014 (round 2). The plan has changed since then.";
    for page in &pages {
        let html = lead.get_html(page).await;
        assert!(html.contains("<h1"), "{page} renders");
        assert!(!html.contains(banner), "{page}: unchanged, no banner");
    }
    assert!(
        lead.get_html(&changes)
            .await
            .contains("There are no differences.")
    );

    assert_eq!(
        save(&lead, VISION, "A vision changed since.")
            .await
            .status(),
        303
    );
    bump_content_version(&app, &area).await;
    for page in &pages {
        let html = lead.get_html(page).await;
        assert!(html.contains(banner), "{page}: changed, the banner");
        assert!(html.contains(&format!("href=\"{changes}\">See what has changed</a>")));
    }
    let listed = lead.get_html(&changes).await;
    assert!(listed.contains("The approved vision.") && listed.contains("A vision changed since."));
    assert!(listed.contains("1 difference."));

    // Changed back: the content is as approved again, though its version moved on.
    assert_eq!(
        save(&lead, VISION, "The approved vision.").await.status(),
        303
    );
    bump_content_version(&app, &area).await;
    for page in &pages {
        assert!(
            !lead.get_html(page).await.contains(banner),
            "{page}: as approved"
        );
    }
}
