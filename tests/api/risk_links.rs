//! Risks linked to plan sections: linking and unlinking from the section page, the sections a
//! risk is cited in on its page, the register in brief on "Risks and contingency", who may
//! link, and a fixed number of queries however many risks are linked.

use itf_planner::auth::policy::Role;

use crate::helpers::{TestApp, location, spawn_app};
use crate::query_count::{self, queries};

const RISKS_SECTION: &str = "/areas/kent/plans/2014-16/sections/risks-and-contingency";
const VISION: &str = "/areas/kent/plans/2014-16/sections/vision";

async fn browser(app: &TestApp, role: Role, area: &str, organisation: &str) -> TestApp {
    let browser = app.another_browser();
    let user = app.create_user(role, Some(area), organisation).await;
    browser.sign_in(&user).await;
    browser
}

/// The table of risks linked to the section ("" when none are).
fn linked(page: &str) -> &str {
    match page.find("id=\"linked-risks\"") {
        Some(start) => {
            let table = &page[start..];
            &table[..table.find("</table>").unwrap()]
        }
        None => "",
    }
}

async fn link(browser: &TestApp, section: &str, risk: &str) -> reqwest::Response {
    browser
        .post_form(&format!("{section}/risks"), &[("risk", risk)])
        .await
}

#[tokio::test]
async fn an_officer_links_a_risk_sees_it_on_both_pages_and_unlinks_it() {
    let app = spawn_app().await;
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;

    // The demo plan cites; R-05 is offered to link.
    let page = officer.get_html(RISKS_SECTION).await;
    assert!(linked(&page).contains(">R-01<") && !linked(&page).contains(">R-05<"));
    assert!(page.contains("<option value=\"5\">R-05: Voluntary sector partners"));
    assert!(page.contains("id=\"register-summary\""));
    assert!(page.contains("href=\"/areas/kent/risks\">See the whole risk register"));

    let response = link(&officer, RISKS_SECTION, "5").await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        location(&response),
        format!("{RISKS_SECTION}?done=risk-linked#risks")
    );
    let page = officer
        .get_html(&format!("{RISKS_SECTION}?done=risk-linked"))
        .await;
    assert!(page.contains("The risk has been linked to this section"));
    let table = linked(&page);
    assert!(table.contains("href=\"/areas/kent/risks/5\">R-05<"));
    assert!(table.contains("govuk-tag--green\">Low<"));
    assert!(table.contains(&format!("action=\"{RISKS_SECTION}/risks/5/unlink\"")));
    assert_eq!(app.audit_actions().await.last().unwrap(), "risk.linked");

    // The risk names the section that cites it.
    let risk = officer.get_html("/areas/kent/risks/5").await;
    assert!(risk.contains(&format!(
        "href=\"{RISKS_SECTION}\">Risks and contingency</a>"
    )));

    // Linking it again changes nothing and records nothing.
    let records = app.audit_actions().await.len();
    assert_eq!(link(&officer, RISKS_SECTION, "5").await.status(), 303);
    assert_eq!(app.audit_actions().await.len(), records);

    let response = officer
        .post_form(&format!("{RISKS_SECTION}/risks/5/unlink"), &[])
        .await;
    assert_eq!(response.status(), 303);
    let page = officer.get_html(RISKS_SECTION).await;
    assert!(!linked(&page).contains(">R-05<"));
    assert_eq!(app.audit_actions().await.last().unwrap(), "risk.unlinked");
    let risk = officer.get_html("/areas/kent/risks/5").await;
    assert!(!risk.contains(&format!("href=\"{RISKS_SECTION}\"")));

    // Any section may cite a risk; only "Risks and contingency" summarises the register.
    assert_eq!(link(&officer, VISION, "1").await.status(), 303);
    let vision = officer.get_html(VISION).await;
    assert!(linked(&vision).contains(">R-01<"));
    assert!(!vision.contains("id=\"register-summary\""));
    let risk = officer.get_html("/areas/kent/risks/1").await;
    assert!(risk.contains(&format!("href=\"{VISION}\"")));
    assert!(risk.contains(&format!("href=\"{RISKS_SECTION}\"")));
}

#[tokio::test]
async fn choosing_no_risk_or_one_not_in_the_register_is_shown_by_the_field() {
    let app = spawn_app().await;
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    let records = app.audit_actions().await.len();
    for typed in ["", "999", "R-05", "-1"] {
        let response = link(&officer, RISKS_SECTION, typed).await;
        assert_eq!(response.status(), 422, "{typed:?}");
        let page = response.text().await.unwrap();
        assert!(page.contains("<title>Error: Risks and contingency"));
        assert!(page.contains("href=\"#risk\">Choose a risk from the register to link</a>"));
        assert!(page.contains("id=\"risk-error\""));
    }
    assert_eq!(app.audit_actions().await.len(), records);
    // Unlinking a risk the register does not have is a page that does not exist.
    let response = officer
        .post_form(&format!("{RISKS_SECTION}/risks/999/unlink"), &[])
        .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn everyone_in_the_area_reads_the_links_but_only_editors_and_the_lead_change_them() {
    let app = spawn_app().await;
    let signatory = browser(&app, Role::Signatory, "kent", "Kent County Council").await;
    let page = signatory.get_html(RISKS_SECTION).await;
    assert!(linked(&page).contains(">R-01<"));
    assert!(!page.contains(&format!("action=\"{RISKS_SECTION}/risks")));
    assert_eq!(link(&signatory, RISKS_SECTION, "5").await.status(), 403);
    let response = signatory
        .post_form(&format!("{RISKS_SECTION}/risks/1/unlink"), &[])
        .await;
    assert_eq!(response.status(), 403);

    // Another area's officer is told Kent's plan does not exist.
    let outsider = browser(&app, Role::Officer, "rotherham", "NHS Rotherham CCG").await;
    assert_eq!(link(&outsider, RISKS_SECTION, "5").await.status(), 404);

    // Once the section is completed, only the lead links and unlinks.
    let lead = browser(&app, Role::AreaLead, "kent", "Kent County Council").await;
    let response = lead
        .post_form(&format!("{RISKS_SECTION}/status"), &[("completed", "yes")])
        .await;
    assert_eq!(response.status(), 303);
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    let page = officer.get_html(RISKS_SECTION).await;
    assert!(!page.contains(&format!("action=\"{RISKS_SECTION}/risks")));
    assert_eq!(link(&officer, RISKS_SECTION, "5").await.status(), 403);
    assert_eq!(link(&lead, RISKS_SECTION, "5").await.status(), 303);
    assert!(linked(&lead.get_html(RISKS_SECTION).await).contains(">R-05<"));
}

#[tokio::test]
async fn the_register_in_brief_counts_open_risks_by_band_and_overdue_reviews() {
    let app = spawn_app().await;
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    let page = officer.get_html(RISKS_SECTION).await;
    let summary = &page[page.find("id=\"register-summary\"").unwrap()..];
    let summary = &summary[..summary.find("See the whole risk register").unwrap()];
    // The demo register: four open risks, one per band, two overdue for review; the closed
    // one is left out. The highest first: R-01 (20, extreme).
    assert!(
        summary.contains("4 open risks; 2 overdue for review."),
        "{summary}"
    );
    for band in ["Low", "Moderate", "High", "Extreme"] {
        let row = &summary[summary.find(&format!(">{band}<")).unwrap()..];
        assert!(row.contains("numeric\">1<"), "{band}");
    }
    let highest = &summary[summary.find("Highest open risks").unwrap()..];
    assert!(
        highest.find(">R-01: ").unwrap() < highest.find(">R-02: ").unwrap(),
        "{highest}"
    );
    assert!(!highest.contains("Data sharing agreements"));
}

#[tokio::test]
async fn the_section_page_makes_a_fixed_number_of_queries_however_many_risks_are_linked() {
    query_count::install();
    let app = spawn_app().await;
    let lead = browser(&app, Role::AreaLead, "kent", "Kent County Council").await;
    let before = queries(&lead, RISKS_SECTION).await;
    for number in ["3", "5"] {
        assert_eq!(link(&lead, RISKS_SECTION, number).await.status(), 303);
    }
    let after = queries(&lead, RISKS_SECTION).await;
    assert_eq!(before, after, "queries before and after linking more risks");
    // The lead's page also reads the area's members (to assign) and notes presence.
    assert!(after <= 11, "few queries: {after}");
}
