//! The shared risk register (issue 9): adding a risk with mistakes and fixing them, who may
//! edit whose risks, two officers saving one version at once, history and comparing any two
//! versions, the heat map's counts, another area's people told it does not exist, and every
//! change in the audit log.

use itf_planner::auth::policy::Role;
use itf_planner::clock::Clock;

use crate::helpers::{TestApp, form_fields_in, location, second_server, spawn_app, spawn_app_with};

pub(crate) const REGISTER: &str = "/areas/kent/risks";
pub(crate) const NEW: &str = "/areas/kent/risks/new";

pub(crate) async fn organisation_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

pub(crate) async fn browser(app: &TestApp, role: Role, area: &str, organisation: &str) -> TestApp {
    let browser = app.another_browser();
    let user = app.create_user(role, Some(area), organisation).await;
    browser.sign_in(&user).await;
    browser
}

/// A complete, valid risk owned by `owner`, scored 4 × 4 (16, extreme), residual 2 × 3.
pub(crate) fn good_risk(title: &str, owner: i64) -> Vec<(String, String)> {
    [
        ("title", title),
        ("cause", "Emergency admissions keep rising"),
        ("event", "The pooled fund overspends"),
        ("effect", "Partners bear the overspend"),
        ("category", "financial"),
        ("owner_person", "Director of finance"),
        ("raised", "1/12/2013"),
        ("likelihood", "4"),
        ("impact", "4"),
        ("controls", "Monthly monitoring of activity"),
        ("action_1_description", "Agree a contingency fund"),
        ("action_1_owner", "Finance leads"),
        ("action_1_due", "31/1/2014"),
        ("residual_likelihood", "2"),
        ("residual_impact", "3"),
        ("review", "1/3/2014"),
        ("status", "open"),
        ("exposure", "£1,500,000"),
    ]
    .iter()
    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
    .chain([("owner_organisation".to_owned(), owner.to_string())])
    .collect()
}

pub(crate) fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(field, _)| field != name);
    fields.push((name.to_owned(), value.to_owned()));
}

pub(crate) fn refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// Adds a risk as `browser`; returns its number.
pub(crate) async fn add(browser: &TestApp, fields: &[(String, String)]) -> i32 {
    let response = browser.post_form(NEW, &refs(fields)).await;
    assert_eq!(response.status(), 303, "adding a risk");
    let to = location(&response);
    to.strip_prefix("/areas/kent/risks/")
        .and_then(|rest| rest.strip_suffix("?done=added"))
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("redirected to the new risk, not {to}"))
}

/// The risk's current version, from its edit form.
pub(crate) async fn version(browser: &TestApp, number: i32) -> String {
    let path = format!("{REGISTER}/{number}");
    let page = browser.get_html(&path).await;
    form_fields_in(&page, &path)
        .expect("an edit form")
        .into_iter()
        .find(|(name, _)| name == "version")
        .map(|(_, value)| value)
        .expect("a version")
}

pub(crate) async fn edit(
    browser: &TestApp,
    number: i32,
    version: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    let mut fields = fields.to_vec();
    set(&mut fields, "version", version);
    browser
        .post_form(&format!("{REGISTER}/{number}"), &refs(&fields))
        .await
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM audit_log l JOIN areas a ON a.id = l.area_id
         WHERE l.action = $1 AND a.slug = 'kent'",
    )
    .bind(action)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_risk_added_with_mistakes_keeps_what_was_typed_and_once_fixed_is_listed_scored() {
    let app = spawn_app().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;

    let mut fields = good_risk("Activity does not fall as planned", council);
    set(&mut fields, "likelihood", "6");
    set(&mut fields, "action_1_due", "30/11/2013");
    set(&mut fields, "status", "closed");
    set(&mut fields, "exposure", "£1.2.3");
    let response = officer.post_form(NEW, &refs(&fields)).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains("There is a problem"));
    assert!(page.contains("Likelihood must be between 1 and 5"));
    assert!(page.contains("Further action 1 cannot be due before the risk was raised"));
    assert!(page.contains("Enter why the risk is being closed"));
    assert!(page.contains("href=\"#exposure\""));
    // Everything typed is still there.
    assert!(page.contains("value=\"Activity does not fall as planned\""));
    assert!(page.contains("Emergency admissions keep rising"));
    assert!(page.contains("value=\"£1.2.3\""));
    assert_eq!(audit_count(&app, "risk.created").await, 0, "nothing saved");

    let number = add(
        &officer,
        &good_risk("Activity does not fall as planned", council),
    )
    .await;
    let list = officer.get_html(REGISTER).await;
    assert!(list.contains(&format!(">R-{number:02}</a>")));
    assert!(list.contains("Activity does not fall as planned"));
    assert!(list.contains("16 <strong class=\"govuk-tag govuk-tag--red\">Extreme</strong>"));
    assert!(list.contains("6 <strong class=\"govuk-tag govuk-tag--yellow\">Moderate</strong>"));
    // Reviews and actions past their dates say so in words, not only in colour.
    assert!(list.contains("Review overdue"));
    assert!(list.contains("1 action overdue"));
    let page = officer
        .get_html(&format!("{REGISTER}/{number}?done=added"))
        .await;
    assert!(page.contains("The risk has been added to the register"));
    assert!(page.contains("£1,500,000"));
    assert_eq!(audit_count(&app, "risk.created").await, 1);
}

#[tokio::test]
async fn the_owners_officers_and_the_lead_edit_a_risk_and_nobody_else() {
    let app = spawn_app().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let ashford = organisation_id(&app, "NHS Ashford CCG").await;
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    let other_officer = browser(&app, Role::Officer, "kent", "NHS Ashford CCG").await;
    // The lead belongs to another organisation than the risk's owner, and still edits it.
    let lead = browser(&app, Role::AreaLead, "kent", "NHS Ashford CCG").await;
    let signatory = browser(&app, Role::Signatory, "kent", "Kent County Council").await;
    let rotherham = browser(&app, Role::Officer, "rotherham", "NHS Rotherham CCG").await;

    let number = add(&officer, &good_risk("Care home places run short", council)).await;
    let risk = format!("{REGISTER}/{number}");

    // An officer cannot give a new risk to another organisation.
    let response = officer
        .post_form(NEW, &refs(&good_risk("Not ours to own", ashford)))
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Choose your own organisation")
    );

    let edited = good_risk("Care home places run short in winter", council);
    assert_eq!(
        edit(&other_officer, number, "1", &edited).await.status(),
        403
    );
    assert_eq!(edit(&signatory, number, "1", &edited).await.status(), 403);
    assert_eq!(edit(&rotherham, number, "1", &edited).await.status(), 404);
    assert_eq!(rotherham.get(&risk).await.status(), 404);
    assert_eq!(rotherham.get(REGISTER).await.status(), 404);
    // The others read it, without an edit form.
    let page = other_officer.get_html(&risk).await;
    assert!(page.contains("Care home places run short"));
    assert!(form_fields_in(&page, &risk).is_none());

    let response = edit(&officer, number, "1", &edited).await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("{risk}?done=saved"));
    let by_lead = good_risk("Care home places run short all year", council);
    assert_eq!(edit(&lead, number, "2", &by_lead).await.status(), 303);
    assert!(
        lead.get_html(&risk)
            .await
            .contains("Care home places run short all year")
    );
    assert_eq!(audit_count(&app, "risk.updated").await, 2);
    assert_eq!(audit_count(&app, "risk.created").await, 1);
}

#[tokio::test]
async fn two_officers_saving_the_same_version_at_once_one_wins_and_the_other_sees_both() {
    let app = spawn_app().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let first = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    let second = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    let number = add(&first, &good_risk("Discharge delays grow", council)).await;
    let version = version(&first, number).await;
    assert_eq!(version, "1");

    let mut mine = good_risk("Discharge delays grow (first officer)", council);
    set(&mut mine, "impact", "2");
    let theirs = good_risk("Discharge delays grow (second officer)", council);
    let (a, b) = tokio::join!(
        edit(&first, number, &version, &mine),
        edit(&second, number, &version, &theirs)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 409], "exactly one wins");
    let loser = if a.status() == 409 { a } else { b };
    let page = loser.text().await.unwrap();
    assert!(page.contains(&format!("Someone else changed R-{number:02}")));
    // Both versions are on the page: the winner's as current, the loser's in the table and
    // the form, nothing lost.
    assert!(page.contains("Discharge delays grow (first officer)"));
    assert!(page.contains("Discharge delays grow (second officer)"));
    assert!(page.contains("name=\"version\" value=\"2\""));
    let versions: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM risk_versions v JOIN risks r ON r.id = v.risk_id
         JOIN areas a ON a.id = r.area_id WHERE a.slug = 'kent' AND r.number = $1",
    )
    .bind(number)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(versions, 2);
    assert_eq!(audit_count(&app, "risk.updated").await, 1);
}

#[tokio::test]
async fn history_keeps_every_version_and_any_two_compare_field_by_field() {
    let app = spawn_app().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    let number = add(&officer, &good_risk("Workforce shortfall", council)).await;
    let mut fields = good_risk("Workforce shortfall in community nursing", council);
    assert_eq!(edit(&officer, number, "1", &fields).await.status(), 303);
    set(&mut fields, "impact", "2");
    assert_eq!(edit(&officer, number, "2", &fields).await.status(), 303);

    let page = officer.get_html(&format!("{REGISTER}/{number}")).await;
    for row in ["Added to the register", ">Title<", ">Current score<"] {
        assert!(
            page.contains(row) || page.contains(&row.replace(['<', '>'], "")),
            "{row}"
        );
    }
    assert!(page.contains("compare?from=2&amp;to=3"));
    assert!(page.contains("compare?from=1&amp;to=2"));

    let compare = officer
        .get_html(&format!("{REGISTER}/{number}/compare?from=1&to=3"))
        .await;
    assert!(compare.contains(&format!("R-{number:02}: version 1 and version 3")));
    assert!(compare.contains(">Title</th>"));
    assert!(compare.contains(">Current score</th>"));
    assert!(compare.contains("16 (likelihood 4 × impact 4), Extreme"));
    assert!(compare.contains("8 (likelihood 4 × impact 2), High"));
    assert!(
        !compare.contains(">Owner</th>"),
        "unchanged fields are left out"
    );
    let neighbours = officer
        .get_html(&format!("{REGISTER}/{number}/compare?from=2&to=3"))
        .await;
    assert!(!neighbours.contains(">Title</th>"));
    assert_eq!(
        officer
            .get(&format!("{REGISTER}/{number}/compare?from=1&to=9"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn the_heat_map_counts_open_risks_by_cell_and_links_to_them() {
    let app = spawn_app().await;
    let council = organisation_id(&app, "Kent County Council").await;
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    let before = officer.get_html(REGISTER).await;
    add(&officer, &good_risk("First extreme risk", council)).await;
    add(&officer, &good_risk("Second extreme risk", council)).await;
    let mut low = good_risk("A low risk", council);
    set(&mut low, "likelihood", "1");
    set(&mut low, "impact", "2");
    add(&officer, &low).await;
    let mut closed = good_risk("A closed risk", council);
    set(&mut closed, "status", "closed");
    set(&mut closed, "closure_reason", "No longer applies");
    add(&officer, &closed).await;

    let after = officer.get_html(REGISTER).await;
    // The demo register has risks of its own: compare the counts with those before.
    for (query, added) in [
        ("likelihood=4&impact=4&open=yes", 2),
        ("likelihood=1&impact=2&open=yes", 1),
        ("residual_likelihood=2&residual_impact=3&open=yes", 3),
    ] {
        assert_eq!(
            cell_count(&after, query) - cell_count(&before, query),
            added,
            "{query}"
        );
    }
    // Counts by band: two more extreme, one more low; the closed risk is not counted.
    assert_eq!(
        band_count(&after, "Extreme") - band_count(&before, "Extreme"),
        2
    );
    assert_eq!(band_count(&after, "Low") - band_count(&before, "Low"), 1);

    let filtered = officer
        .get_html("/areas/kent/risks?likelihood=4&impact=4&open=yes")
        .await;
    assert!(filtered.contains("First extreme risk") && filtered.contains("Second extreme risk"));
    assert!(!filtered.contains("A low risk") && !filtered.contains("A closed risk"));
    let by_band = officer.get_html("/areas/kent/risks?band=Low").await;
    assert!(by_band.contains("A low risk") && !by_band.contains("First extreme risk"));
}

/// The count in the heat map cell linking to `query` (0 when the cell has no link).
fn cell_count(page: &str, query: &str) -> usize {
    // Links are escaped in the page (`&` as `&#38;`); each count is followed by hidden text.
    let link = format!(
        "href=\"/areas/kent/risks?{}\">",
        query.replace('&', "&#38;")
    );
    match page.find(&link) {
        None => 0,
        Some(at) => {
            let rest = &page[at + link.len()..];
            rest[..rest.find('<').unwrap()].parse().unwrap()
        }
    }
}

/// The current count of open risks in `band`, from the table of counts by band.
pub(crate) fn band_count(page: &str, band: &str) -> usize {
    let table = &page[page.find("id=\"band-counts\"").unwrap()..];
    let row = &table[table.find(&format!(">{band}<")).unwrap()..];
    let cell = "numeric\">";
    let rest = &row[row.find(cell).unwrap() + cell.len()..];
    rest[..rest.find('<').unwrap()].parse().unwrap()
}

#[tokio::test]
async fn the_demo_registers_have_scored_risks_history_and_a_shared_risk() {
    let app = spawn_app().await;
    let kent = browser(&app, Role::Signatory, "kent", "Kent County Council").await;
    let list = kent.get_html(REGISTER).await;
    for reference in [">R-01<", ">R-02<", ">R-03<"] {
        assert!(list.contains(reference), "{reference}");
    }
    for band in ["Extreme", "Moderate"] {
        assert!(band_count(&list, band) >= 1, "{band}");
    }
    // Kent's R-01 was re-scored after it was raised, and is shared by all eight partners.
    let risk = kent.get_html(&format!("{REGISTER}/1")).await;
    assert!(risk.contains("compare?from=1&amp;to=2"));
    assert!(risk.contains("Kent County Council 44%"));
    let rotherham = browser(&app, Role::Officer, "rotherham", "NHS Rotherham CCG").await;
    let page = rotherham.get_html("/areas/rotherham/risks/1").await;
    // Shares are listed in the order of the area's partners.
    assert!(page.contains("NHS Rotherham CCG 40%, Rotherham Metropolitan Borough Council 60%"));
    assert!(page.contains("£2,000,000"));
}

/// The row of the list whose risk is titled `title`, or `None` when it is not listed.
fn row_of<'p>(page: &'p str, title: &str) -> Option<&'p str> {
    let table = &page[page.find("id=\"risks\"")?..];
    let at = table.find(&format!(">{title}<"))?;
    let start = table[..at].rfind("<tr")?;
    let end = at + table[at..].find("</tr>")?;
    Some(&table[start..end])
}

#[tokio::test]
async fn the_register_as_at_a_date_is_exactly_what_stood_then() {
    let app = spawn_app().await;
    // A winter noon far after the demo data's history, so each day's register differs from
    // the day before only by what this test does.
    let start = time::macros::datetime!(2040-01-06 12:00 UTC);
    app.clock.advance(start - app.clock.now());
    let council = organisation_id(&app, "Kent County Council").await;
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    let as_at = |date: &str| format!("{REGISTER}?as_at={date}");
    let baseline = officer.get_html(&as_at("2040-01-05")).await;

    // 6 January: A added, 4 × 4 (16, extreme).
    let a = add(&officer, &good_risk("Risk A of the as-at test", council)).await;
    // 9 January: A's likelihood down to 2 (8, high); B added, 1 × 2 (2, low).
    // Sessions end after days idle: a fresh sign-in after each jump of the clock.
    app.clock.advance(time::Duration::days(3));
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    let mut fields = good_risk("Risk A of the as-at test", council);
    set(&mut fields, "likelihood", "2");
    let v = version(&officer, a).await;
    assert_eq!(edit(&officer, a, &v, &fields).await.status(), 303);
    let mut b = good_risk("Risk B of the as-at test", council);
    set(&mut b, "likelihood", "1");
    set(&mut b, "impact", "2");
    add(&officer, &b).await;
    // 12 January: A closed.
    app.clock.advance(time::Duration::days(3));
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    set(&mut fields, "status", "closed");
    set(&mut fields, "closure_reason", "Contingency fund agreed");
    let v = version(&officer, a).await;
    assert_eq!(edit(&officer, a, &v, &fields).await.status(), 303);
    app.clock.advance(time::Duration::days(1));
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;

    let count = |page: &str, date: &str, cell: &str| {
        cell_count(page, &format!("as_at={date}&{cell}&open=yes"))
    };
    let base = |cell: &str| count(&baseline, "2040-01-05", cell);
    let (a_title, b_title) = ("Risk A of the as-at test", "Risk B of the as-at test");

    let first = officer.get_html(&as_at("2040-01-06")).await;
    assert!(first.contains("Risk register as at 6 January 2040"));
    assert!(first.contains("href=\"/areas/kent/risks\">See the register today</a>"));
    assert!(!first.contains("Add a risk"), "the past is read-only");
    let row = row_of(&first, a_title).expect("A stood on the 6th");
    assert!(
        row.contains("cell\">16 ") && row.contains(">Open<"),
        "{row}"
    );
    assert!(row.contains(&format!(
        "/areas/kent/risks/{a}/compare?from=1&#38;to=3\">Compare with today"
    )));
    assert!(row_of(&first, b_title).is_none(), "B was added later");
    assert_eq!(
        count(&first, "2040-01-06", "likelihood=4&impact=4"),
        base("likelihood=4&impact=4") + 1
    );
    assert_eq!(
        count(&first, "2040-01-06", "likelihood=2&impact=4"),
        base("likelihood=2&impact=4")
    );
    assert_eq!(
        band_count(&first, "Extreme"),
        band_count(&baseline, "Extreme") + 1
    );

    let second = officer.get_html(&as_at("9/1/2040")).await;
    assert!(second.contains("Risk register as at 9 January 2040"));
    let row = row_of(&second, a_title).expect("A stood on the 9th");
    assert!(row.contains("cell\">8 ") && row.contains(">Open<"), "{row}");
    let row = row_of(&second, b_title).expect("B stood on the 9th");
    assert!(row.contains("cell\">2 ") && row.contains(">Open<"), "{row}");
    assert_eq!(
        count(&second, "2040-01-09", "likelihood=4&impact=4"),
        base("likelihood=4&impact=4")
    );
    assert_eq!(
        count(&second, "2040-01-09", "likelihood=2&impact=4"),
        base("likelihood=2&impact=4") + 1
    );
    assert_eq!(
        count(&second, "2040-01-09", "likelihood=1&impact=2"),
        base("likelihood=1&impact=2") + 1
    );
    assert_eq!(
        band_count(&second, "Extreme"),
        band_count(&baseline, "Extreme")
    );
    assert_eq!(band_count(&second, "Low"), band_count(&baseline, "Low") + 1);

    let third = officer.get_html(&as_at("2040-01-12")).await;
    let row = row_of(&third, a_title).expect("A, closed, is still listed");
    assert!(row.contains(">Closed<"), "{row}");
    assert!(row_of(&third, b_title).is_some());
    assert_eq!(
        count(&third, "2040-01-12", "likelihood=2&impact=4"),
        base("likelihood=2&impact=4")
    );
    assert_eq!(
        count(&third, "2040-01-12", "likelihood=1&impact=2"),
        base("likelihood=1&impact=2") + 1
    );
    // Filters keep to the date.
    let filtered = officer
        .get_html(&format!(
            "{REGISTER}?as_at=2040-01-09&likelihood=2&impact=4&open=yes"
        ))
        .await;
    assert!(row_of(&filtered, a_title).is_some() && row_of(&filtered, b_title).is_none());

    // A date in the future shows today's register, saying so.
    let future = officer.get_html(&as_at("2041-01-01")).await;
    assert!(future.contains("1 January 2041 is in the future"));
    assert!(!future.contains("Risk register as at"));

    // Not a date: the list, with the message by the field.
    let bad = officer.get(&as_at("31/2/2040")).await;
    assert_eq!(bad.status(), 422);
    let bad = bad.text().await.unwrap();
    assert!(bad.contains("id=\"as_at-error\"") && bad.contains("Enter the date as a real date"));
    assert!(bad.contains("value=\"31/2/2040\""));

    // Another area's register, at any date, does not exist for Kent's officer.
    let other = officer.get("/areas/rotherham/risks?as_at=2040-01-09").await;
    assert_eq!(other.status(), 404);
}

/// The register as it stands is kept until the area changes (`areas::kept`): kept, it reads the
/// session, the area and the area's change stamp. A risk added through another server, or
/// edited here, shows at once.
#[tokio::test]
async fn the_kept_register_shows_a_change_at_once_through_any_server() {
    crate::query_count::install();
    let keep = [("ITF_AREA_CACHE_SECONDS", "3600".to_owned())];
    let app = spawn_app_with(&keep, Clock::fixed(time::OffsetDateTime::now_utc())).await;
    let officer = browser(&app, Role::Officer, "kent", "Kent County Council").await;
    let (read, kept) = crate::query_count::read_then_kept(&officer, REGISTER).await;
    assert!(kept <= 2 && kept + 3 <= read, "kept: {kept}, read: {read}");
    let before = officer.get_html(REGISTER).await;

    let second = second_server(&app, &keep).await;
    let user = app
        .create_user(Role::Officer, Some("kent"), "Kent County Council")
        .await;
    second.sign_in(&user).await;
    let council = organisation_id(&app, "Kent County Council").await;
    let number = add(&second, &good_risk("Care home fees rise faster", council)).await;
    let after = officer.get_html(REGISTER).await;
    assert!(!before.contains("Care home fees rise faster"));
    assert!(after.contains("Care home fees rise faster"), "{after}");

    let fields = good_risk("Care home fees rise faster still", council);
    let version = version(&officer, number).await;
    assert_eq!(
        edit(&officer, number, &version, &fields).await.status(),
        303
    );
    assert!(
        officer
            .get_html(REGISTER)
            .await
            .contains("Care home fees rise faster still")
    );
    // Filters work on the kept register as on one read afresh.
    let filtered = officer.get_html(&format!("{REGISTER}?band=Low")).await;
    assert!(!filtered.contains("Care home fees rise faster still"));
}
