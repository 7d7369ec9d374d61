//! The risk matrix as data per area (issue 9, item 2): the lead stores a custom 4×4 and every
//! cell scores and bands under it over HTTP; changing the matrix keeps old scores (and the
//! register as at an earlier date keeps the old matrix); bad matrices are refused by the field
//! with what was typed kept; only the lead changes it; two leads saving at once.

use itf_planner::auth::policy::Role;

use crate::helpers::{TestApp, form_fields_in, location, spawn_app};
use crate::risks::{REGISTER, add, browser, edit, good_risk, organisation_id, refs, set, version};

const MATRIX: &str = "/areas/kent/risks/matrix";

/// A 4×4 with three bands: low 1–3, medium 4–8, high 9–16.
const FOUR_BY_FOUR: &[(&str, &str)] = &[
    ("likelihood_1", "Unlikely"),
    ("likelihood_2", "Possible"),
    ("likelihood_3", "Likely"),
    ("likelihood_4", "Very likely"),
    ("impact_1", "Minor"),
    ("impact_2", "Moderate"),
    ("impact_3", "Serious"),
    ("impact_4", "Critical"),
    ("band_1_name", "Low"),
    ("band_1_colour", "green"),
    ("band_1_from", "1"),
    ("band_2_name", "Medium"),
    ("band_2_colour", "yellow"),
    ("band_2_from", "4"),
    ("band_3_name", "High"),
    ("band_3_colour", "red"),
    ("band_3_from", "9"),
];

/// The matrix form as `browser` opens it at `size` × `size` (the size step), its hidden fields
/// (the matrix it is based on, the sizes) and then `fields`.
async fn matrix_form(
    browser: &TestApp,
    size: u8,
    fields: &[(&str, &str)],
) -> Vec<(String, String)> {
    let page = browser
        .get_html(&format!(
            "{MATRIX}?likelihood_levels={size}&impact_levels={size}"
        ))
        .await;
    let mut form = form_fields_in(&page, MATRIX).expect("the lead's matrix form");
    form.extend(
        fields
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
    );
    form
}

/// The stored score, band and matrix of risk `number`'s current version.
async fn stored_score(app: &TestApp, number: i32) -> (i64, String, i64) {
    sqlx::query_as(
        "SELECT (v.content->'current'->>'value')::bigint, v.content->'current'->'band'->>'name',
                v.matrix_id
         FROM risks r JOIN risk_versions v ON v.risk_id = r.id AND v.version = r.version
         JOIN areas a ON a.id = r.area_id
         WHERE a.slug = 'kent' AND r.number = $1",
    )
    .bind(number)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// The register's sentence counting risks scored under an earlier matrix.
fn scored_earlier(count: i64) -> String {
    if count == 1 {
        "1 risk is scored under an earlier matrix".to_owned()
    } else {
        format!("{count} risks are scored under an earlier matrix")
    }
}

async fn kent_matrices(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar(
        "SELECT m.id FROM risk_matrices m JOIN areas a ON a.id = m.area_id
         WHERE a.slug = 'kent' ORDER BY m.created_at DESC, m.id DESC",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_custom_four_by_four_stored_by_the_lead_scores_and_bands_every_cell() {
    let app = spawn_app().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let lead = browser(&app, Role::AreaLead, "kent", "Kent County Council").await;

    // The size step offers four label boxes a side.
    let page = lead
        .get_html(&format!("{MATRIX}?likelihood_levels=4&impact_levels=4"))
        .await;
    assert!(page.contains("id=\"likelihood_4\"") && !page.contains("id=\"likelihood_5\""));
    let form = matrix_form(&lead, 4, FOUR_BY_FOUR).await;
    let response = lead.post_form(MATRIX, &refs(&form)).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("{MATRIX}?done=changed"));
    let matrix_id = kent_matrices(&app).await[0];

    // The matrix page shows it as a table of scores and bands.
    let page = lead.get_html(&format!("{MATRIX}?done=changed")).await;
    assert!(page.contains("The risk matrix has been changed"));
    assert!(page.contains("The matrix in use (4 × 4)"));
    assert!(page.contains("4 Very likely</th>"));
    assert!(page.contains("16 <strong class=\"govuk-tag govuk-tag--red\">High</strong>"));
    assert!(page.contains("Medium 4–8"), "the history lists the bands");

    // Every cell, rated on a risk first added and then edited, stores its score and band.
    let bands = ["Low", "Medium", "High"];
    let expected: [[(i64, usize); 4]; 4] = [
        [(1, 0), (2, 0), (3, 0), (4, 1)],
        [(2, 0), (4, 1), (6, 1), (8, 1)],
        [(3, 0), (6, 1), (9, 2), (12, 2)],
        [(4, 1), (8, 1), (12, 2), (16, 2)],
    ];
    let mut fields = good_risk("Scored on the 4×4", council);
    set(&mut fields, "residual_likelihood", "1");
    set(&mut fields, "residual_impact", "1");
    let mut number = None;
    for (likelihood, row) in (1..=4).zip(expected) {
        for (impact, (score, band)) in (1..=4).zip(row) {
            set(&mut fields, "likelihood", &likelihood.to_string());
            set(&mut fields, "impact", &impact.to_string());
            let risk = match number {
                None => {
                    let added = add(&lead, &fields).await;
                    number = Some(added);
                    added
                }
                Some(number) => {
                    let v = version(&lead, number).await;
                    let response = edit(&lead, number, &v, &fields).await;
                    assert_eq!(response.status(), 303, "{likelihood} × {impact}");
                    number
                }
            };
            assert_eq!(
                stored_score(&app, risk).await,
                (score, bands[band].to_owned(), matrix_id),
                "likelihood {likelihood}, impact {impact}"
            );
        }
    }
    // Off the 4×4: refused by the field, not a 500.
    let risk = number.expect("added");
    set(&mut fields, "likelihood", "5");
    let v = version(&lead, risk).await;
    let response = edit(&lead, risk, &v, &fields).await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Likelihood must be between 1 and 4")
    );
}

#[tokio::test]
async fn changing_the_matrix_keeps_old_scores_and_the_register_as_at_before_keeps_the_old_matrix() {
    let app = spawn_app().await;
    let start = time::macros::datetime!(2040-01-06 12:00 UTC);
    app.clock.advance(start - app.clock.now());
    let council = organisation_id(&app, "Kent County Council").await;
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    // Rated 5 × 4 on the NPSA 5×5: 20, extreme.
    let mut fields = good_risk("Scored on the old matrix", council);
    set(&mut fields, "likelihood", "5");
    let number = add(&officer, &fields).await;
    // And one rated 4 × 4 (16, extreme), a cell the new 4×4 has too.
    let mut corner = good_risk("In the old matrix's four-by-four cell", council);
    set(&mut corner, "likelihood", "4");
    set(&mut corner, "impact", "4");
    add(&officer, &corner).await;
    let old_matrix = kent_matrices(&app).await[0];
    let risks_in_kent: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM risks r JOIN areas a ON a.id = r.area_id WHERE a.slug = 'kent'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();

    // Two days later the lead changes the matrix to a 4×4.
    app.clock.advance(time::Duration::days(2));
    let lead = browser(&app, Role::AreaLead, "kent", "Kent County Council").await;
    let form = matrix_form(&lead, 4, FOUR_BY_FOUR).await;
    assert_eq!(lead.post_form(MATRIX, &refs(&form)).await.status(), 303);
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;

    // The risk keeps its score, band and matrix.
    assert_eq!(
        stored_score(&app, number).await,
        (20, "Extreme".to_owned(), old_matrix)
    );
    let register = officer.get_html(REGISTER).await;
    assert!(register.contains("20 <strong class=\"govuk-tag govuk-tag--red\">Extreme</strong>"));
    assert!(register.contains(&format!(
        "The risk matrix changed on 8 January 2040 by Test Area lead. Scores made before then keep the matrix they were made under; {}.",
        scored_earlier(risks_in_kent)
    )));
    assert!(register.contains(&format!("href=\"{MATRIX}\"")));
    // The heat map is drawn on the 4×4, the risks scored before counted apart.
    assert!(register.contains("4 Very likely</th>") && !register.contains("Almost certain</th>"));
    assert!(register.contains("scored under an earlier matrix, so not counted in the heat map"));
    // Nor listed by the heat map's cells: the 4×4's top corner holds none of them.
    let cell = officer
        .get_html(&format!("{REGISTER}?likelihood=4&impact=4"))
        .await;
    assert!(!cell.contains("In the old matrix&#39;s four-by-four cell"));
    assert!(
        officer
            .get_html(REGISTER)
            .await
            .contains("In the old matrix&#39;s four-by-four cell")
    );

    // The risk's page says so, and asks for the likelihood the 4×4 does not have.
    let risk = format!("{REGISTER}/{number}");
    let response = officer.get(&risk).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.unwrap();
    assert!(page.contains("This version was scored under an earlier matrix"));
    assert!(
        page.contains("(scored under an earlier matrix)"),
        "in the history"
    );
    assert!(page.contains(
        "This was rated 5 on an earlier risk matrix, and the likelihood now goes from 1 to 4: choose the likelihood again"
    ));
    assert!(page.contains("href=\"#likelihood\""));

    // The register as at the day before the change: the old matrix, its labels and bands.
    let before = officer
        .get_html(&format!("{REGISTER}?as_at=2040-01-07"))
        .await;
    assert!(before.contains("5 Almost certain</th>"));
    assert!(before.contains("The matrix changed again on 8 January 2040"));
    assert!(!before.contains("scored under an earlier matrix, so not counted"));
    assert!(before.contains("20 <strong class=\"govuk-tag govuk-tag--red\">Extreme</strong>"));

    // Once re-rated, it is scored under the matrix in use: 4 × 4 is 16, high.
    set(&mut fields, "likelihood", "4");
    let v = version(&officer, number).await;
    assert_eq!(edit(&officer, number, &v, &fields).await.status(), 303);
    let new_matrix = kent_matrices(&app).await[0];
    assert_eq!(
        stored_score(&app, number).await,
        (16, "High".to_owned(), new_matrix)
    );
    let page = officer.get_html(&risk).await;
    assert!(!page.contains("This version was scored under an earlier matrix"));
    let register = officer.get_html(REGISTER).await;
    assert!(register.contains(&scored_earlier(risks_in_kent - 1)));
}

#[tokio::test]
async fn a_bad_matrix_is_refused_by_the_field_keeping_what_was_typed() {
    let app = spawn_app().await;
    let lead = browser(&app, Role::AreaLead, "kent", "Kent County Council").await;
    let matrices = kent_matrices(&app).await;

    // Overlapping and empty bands, a label missing.
    let mut form = matrix_form(&lead, 4, FOUR_BY_FOUR).await;
    for (name, value) in [
        ("likelihood_2", ""),
        ("impact_3", "Typed impact label"),
        ("band_2_from", "12"),
        ("band_3_from", "10"),
        ("band_4_name", "Beyond"),
        ("band_4_colour", "purple"),
        ("band_4_from", "17"),
    ] {
        set(&mut form, name, value);
    }
    let response = lead.post_form(MATRIX, &refs(&form)).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("There is a problem"));
    for (field, message) in [
        (
            "likelihood_2",
            "Give every likelihood level a name of at most 40 characters",
        ),
        (
            "band_3_from",
            "Each band must start at a higher score than the one before it",
        ),
    ] {
        assert!(
            page.contains(&format!("href=\"#{field}\">{message}")),
            "{field}"
        );
        assert!(page.contains(&format!("id=\"{field}-error\"")), "{field}");
    }
    assert!(page.contains("value=\"Typed impact label\""));
    assert!(page.contains("value=\"Beyond\"") && page.contains("value=\"17\""));
    assert!(page.contains("<option value=\"purple\" selected>"));

    // In order, but a band that holds no score of a 4×4 (17 and up).
    let mut form = matrix_form(&lead, 4, FOUR_BY_FOUR).await;
    for (name, value) in [
        ("band_4_name", "Beyond"),
        ("band_4_colour", "purple"),
        ("band_4_from", "17"),
    ] {
        set(&mut form, name, value);
    }
    let page = crate::helpers::post_and_expect_422(&lead, MATRIX, &refs(&form)).await;
    assert!(page.contains(
        "href=\"#band_4_from\">The band &quot;Beyond&quot; contains no score this matrix can give"
    ) || page.contains(
        "href=\"#band_4_from\">The band &#34;Beyond&#34; contains no score this matrix can give"
    ));

    // Every band row emptied.
    let mut form = matrix_form(&lead, 4, FOUR_BY_FOUR).await;
    form.retain(|(name, _)| !name.starts_with("band_"));
    let page = crate::helpers::post_and_expect_422(&lead, MATRIX, &refs(&form)).await;
    assert!(page.contains("href=\"#band_1_name\">Add at least one band"));

    // Sizes out of range: in the size step, and sent with the form.
    let response = lead
        .get(&format!("{MATRIX}?likelihood_levels=11&impact_levels=1"))
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains(
        "href=\"#likelihood_levels\">The likelihood scale must have between 2 and 10 levels"
    ));
    assert!(
        page.contains("href=\"#impact_levels\">The impact scale must have between 2 and 10 levels")
    );
    assert!(page.contains("value=\"11\""));
    let mut form = matrix_form(&lead, 4, FOUR_BY_FOUR).await;
    set(&mut form, "likelihood_levels", "1");
    let page = crate::helpers::post_and_expect_422(&lead, MATRIX, &refs(&form)).await;
    assert!(page.contains("href=\"#likelihood_levels\">"));

    assert_eq!(kent_matrices(&app).await, matrices, "nothing stored");
}

#[tokio::test]
async fn only_the_areas_lead_changes_its_matrix() {
    let app = spawn_app().await;
    let lead = browser(&app, Role::AreaLead, "kent", "Kent County Council").await;
    let form = matrix_form(&lead, 4, FOUR_BY_FOUR).await;
    let matrices = kent_matrices(&app).await;
    for (role, area, organisation, status) in [
        (Role::Officer, Some("kent"), "Kent County Council", 403),
        (Role::Signatory, Some("kent"), "NHS West Kent CCG", 403),
        (Role::Admin, None, "NHS England", 403),
        (
            Role::AreaLead,
            Some("rotherham"),
            "Rotherham Metropolitan Borough Council",
            404,
        ),
        (Role::Officer, Some("rotherham"), "NHS Rotherham CCG", 404),
    ] {
        let who = app.another_browser();
        who.sign_in(&app.create_user(role, area, organisation).await)
            .await;
        let page = who.get(MATRIX).await;
        let expected_page = if status == 404 { 404 } else { 200 };
        assert_eq!(page.status(), expected_page, "{role:?} of {area:?} reads");
        if expected_page == 200 {
            let page = page.text().await.unwrap();
            assert!(page.contains("The matrix in use (5 × 5)"));
            assert!(
                !page.contains("Save the new matrix"),
                "{role:?} has no form"
            );
        }
        let response = who.post_form(MATRIX, &refs(&form)).await;
        assert_eq!(response.status(), status, "{role:?} of {area:?} saves");
    }
    assert_eq!(kent_matrices(&app).await, matrices, "nothing stored");
}

#[tokio::test]
async fn two_leads_saving_at_once_one_wins_and_the_other_is_told_keeping_their_matrix() {
    let app = spawn_app().await;
    let first = browser(&app, Role::AreaLead, "kent", "Kent County Council").await;
    let second = browser(&app, Role::AreaLead, "kent", "NHS Ashford CCG").await;
    let before = kent_matrices(&app).await;
    // Both open the form on the same matrix, and send different ones at the same moment.
    let mut theirs = matrix_form(&first, 4, FOUR_BY_FOUR).await;
    set(&mut theirs, "likelihood_1", "First lead's rare");
    let mut mine = matrix_form(&second, 4, FOUR_BY_FOUR).await;
    set(&mut mine, "likelihood_1", "Second lead's rare");
    let (theirs, mine) = (refs(&theirs), refs(&mine));
    let (a, b) = tokio::join!(
        first.post_form(MATRIX, &theirs),
        second.post_form(MATRIX, &mine)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409], "exactly one wins");
    let (loser, kept) = if a.status() == 409 {
        (a, "First lead&#39;s rare")
    } else {
        (b, "Second lead&#39;s rare")
    };
    let page = loser.text().await.unwrap();
    assert!(page.contains("changed the risk matrix on"), "says why");
    assert!(page.contains("have not been saved"));
    assert!(
        page.contains(&format!("value=\"{kept}\"")) || page.contains(&kept.replace("&#39;", "'")),
        "the loser's matrix is kept"
    );
    let after = kent_matrices(&app).await;
    assert_eq!(after.len(), before.len() + 1, "one matrix stored");

    // Sent again from the conflict page, now based on the winner's, it replaces it.
    let html = page;
    let resend: Vec<(String, String)> = form_fields_in(&html, MATRIX)
        .expect("the form again")
        .into_iter()
        .chain(
            FOUR_BY_FOUR
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned())),
        )
        .collect();
    let loser_browser = if kept.starts_with("First") {
        &first
    } else {
        &second
    };
    let response = loser_browser.post_form(MATRIX, &refs(&resend)).await;
    assert_eq!(response.status(), 303);
    assert_eq!(kent_matrices(&app).await.len(), before.len() + 2);
    let audit: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'risk.matrix_changed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(audit, 2);
}
