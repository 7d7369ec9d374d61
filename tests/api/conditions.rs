//! National conditions and the engagement log: the pages for each role, answering and logging,
//! bad input by its field, the stale form's 409, who may change them, and removing an entry
//! after a confirmation.

use itf_planner::auth::policy::Role;

use crate::helpers::{TestApp, form_fields_in, location, post_and_expect_422, spawn_app};
use crate::metrics::signed_in;
use crate::plans::{lead, officer, version_in};

const CONDITIONS: &str = "/areas/kent/plans/2014-16/conditions";
const SEVEN_DAY: &str = "/areas/kent/plans/2014-16/conditions/seven-day-services";
const LOG: &str = "/areas/kent/plans/2014-16/engagement";

/// The `based_on` of the form posting to `action` on `page`.
fn based_on(page: &str, action: &str) -> String {
    form_fields_in(page, action)
        .expect("the answer form")
        .into_iter()
        .find(|(name, _)| name == "based_on")
        .map(|(_, value)| value)
        .expect("a based_on field")
}

async fn answers(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM condition_answers")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn entries(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM engagement_entries")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_conditions_page_shows_each_condition_with_its_answer_for_every_role() {
    let app = spawn_app().await;
    for (role, organisation, may_edit) in [
        (Role::Officer, "NHS Thanet CCG", true),
        (Role::AreaLead, "Kent County Council", true),
        (Role::Signatory, "NHS West Kent CCG", false),
    ] {
        let browser = signed_in(&app, role, "kent", organisation).await;
        let page = browser.get_html(CONDITIONS).await;
        assert!(page.contains("Protecting social care services"), "{role:?}");
        assert!(page.contains("0 of 6 conditions answered"), "{page}");
        assert!(page.contains("/conditions\" aria-current=\"page\""));
        assert_eq!(page.contains(">Answer<span"), may_edit, "{role:?}");
        let condition = browser.get_html(SEVEN_DAY).await;
        assert_eq!(
            condition.contains("name=\"based_on\""),
            may_edit,
            "{role:?}"
        );
    }
    // Rotherham: four answered in 2014-16, all four in 2025-26 with the unverified notes.
    let rotherham = signed_in(&app, Role::Officer, "rotherham", "NHS Rotherham CCG").await;
    let page = rotherham
        .get_html("/areas/rotherham/plans/2014-16/conditions")
        .await;
    assert!(page.contains("4 of 6 conditions answered"), "{page}");
    assert!(page.contains("In progress") && page.contains("Not answered"));
    assert!(page.contains("<em>substantial</em>"), "how, as Markdown");
    let page = rotherham
        .get_html("/areas/rotherham/plans/2025-26/conditions")
        .await;
    assert!(page.contains("4 of 4 conditions answered"));
    assert!(
        page.contains("Unverified: The source text is cut off"),
        "{page}"
    );
}

#[tokio::test]
async fn answering_a_condition_keeps_the_earlier_answers() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Ashford CCG").await;
    let page = browser.get_html(SEVEN_DAY).await;
    assert!(page.contains("Not answered yet"));
    let response = browser
        .post_form(
            SEVEN_DAY,
            &[
                ("based_on", &based_on(&page, SEVEN_DAY)),
                ("status", "in-progress"),
                ("how", "Weekend discharge teams from **April**."),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("{SEVEN_DAY}?done=saved"));
    let page = browser.get_html(&location(&response)).await;
    assert!(page.contains("The answer has been saved"));
    assert!(page.contains("In progress") && page.contains("<strong>April</strong>"));
    assert_eq!(
        app.audit_actions().await.last().map(String::as_str),
        Some("condition.answered")
    );
    let response = browser
        .post_form(
            SEVEN_DAY,
            &[
                ("based_on", &based_on(&page, SEVEN_DAY)),
                ("status", "met"),
                ("how", "Seven-day teams in place since 1 April."),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let page = browser.get_html(SEVEN_DAY).await;
    let earlier = &page[page
        .find("id=\"earlier-answers\"")
        .expect("earlier answers")..];
    assert!(earlier.contains("In progress") && earlier.contains("<strong>April</strong>"));
    let list = browser.get_html(CONDITIONS).await;
    assert!(list.contains("1 of 6 conditions answered"));
}

#[tokio::test]
async fn a_bad_answer_is_told_by_its_field_with_the_text_kept() {
    let app = spawn_app().await;
    let browser = lead(&app).await;
    for (status, how, field, message) in [
        (
            "",
            "Some text & more",
            "status",
            "Choose whether the condition is met",
        ),
        (
            "maybe",
            "Some text & more",
            "status",
            "Choose whether the condition is met",
        ),
        ("met", " ", "how", "Say how the condition is met"),
        (
            "in-progress",
            "",
            "how",
            "Say what is being done to meet the condition",
        ),
    ] {
        let body = post_and_expect_422(
            &browser,
            SEVEN_DAY,
            &[("based_on", ""), ("status", status), ("how", how)],
        )
        .await;
        assert!(body.contains(message), "{status:?} {how:?}: {body}");
        assert!(body.contains(&format!("href=\"#{field}\"")));
        if how == "Some text & more" {
            assert!(body.contains("Some text &#38; more"), "the text is kept");
        }
        if status == "met" {
            assert!(body.contains("value=\"met\" checked"), "the choice is kept");
        }
    }
    // Not met: how is optional.
    let response = browser
        .post_form(
            SEVEN_DAY,
            &[("based_on", ""), ("status", "not-met"), ("how", "")],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        answers(&app).await,
        1 + 8,
        "Rotherham's eight demo answers and this one"
    );
}

#[tokio::test]
async fn an_answer_on_a_stale_form_is_refused_with_a_409_keeping_it() {
    let app = spawn_app().await;
    let (first, _) = officer(&app, "Kent County Council").await;
    let (second, _) = officer(&app, "NHS Thanet CCG").await;
    let page = first.get_html(SEVEN_DAY).await;
    let seen = based_on(&page, SEVEN_DAY);
    let saved = first
        .post_form(
            SEVEN_DAY,
            &[("based_on", &seen), ("status", "met"), ("how", "First.")],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let response = second
        .post_form(
            SEVEN_DAY,
            &[
                ("based_on", &seen),
                ("status", "not-met"),
                ("how", "Second's view."),
            ],
        )
        .await;
    assert_eq!(response.status(), 409);
    let body = response.text().await.unwrap();
    assert!(body.contains("Someone else answered"), "{body}");
    assert!(body.contains("Second&#39;s view."), "the text is kept");
    assert!(
        body.contains("value=\"not-met\" checked"),
        "the choice is kept"
    );
    assert!(body[body.find("id=\"differences\"").unwrap()..].contains("First."));
    let current = based_on(&body, SEVEN_DAY);
    assert_ne!(current, seen);
    let again = second
        .post_form(
            SEVEN_DAY,
            &[
                ("based_on", &current),
                ("status", "not-met"),
                ("how", "Second's view."),
            ],
        )
        .await;
    assert_eq!(again.status(), 303);
}

#[tokio::test]
async fn only_editors_and_the_lead_answer_conditions_and_keep_the_log() {
    let app = spawn_app().await;
    let entry = kent_entry(&app).await;
    for (role, area, organisation, status) in [
        (Role::Signatory, "kent", "NHS West Kent CCG", 403),
        (Role::BoardSecretary, "kent", "Kent County Council", 403),
        (Role::Officer, "rotherham", "NHS Rotherham CCG", 404),
    ] {
        let browser = signed_in(&app, role, area, organisation).await;
        let answer = browser
            .post_form(
                SEVEN_DAY,
                &[("based_on", ""), ("status", "met"), ("how", "x")],
            )
            .await;
        assert_eq!(answer.status(), status, "{role:?} answers");
        let add = browser
            .post_form(&format!("{LOG}/new"), &entry_fields("", "4/12/2025"))
            .await;
        assert_eq!(add.status(), status, "{role:?} adds");
        assert_eq!(browser.get(&format!("{LOG}/new")).await.status(), status);
        let remove = browser
            .post_form(
                &format!("{entry}/remove"),
                &[("version", "1"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(remove.status(), status, "{role:?} removes");
        if status == 403 {
            let page = browser.get_html(&entry).await;
            assert!(
                page.contains("Kent&#39;s home care"),
                "the entry is readable"
            );
            assert!(!page.contains("/remove\""), "without a way to remove it");
            assert!(!browser.get_html(LOG).await.contains("Add an entry"));
        }
    }
    assert_eq!(answers(&app).await, 8, "Rotherham's demo answers only");
    assert_eq!(entries(&app).await, 4, "the demo entries only");
}

/// Kent's demo entry's page.
async fn kent_entry(app: &TestApp) -> String {
    let id: i64 = sqlx::query_scalar(
        "SELECT e.id FROM engagement_entries e JOIN plans p ON p.id = e.plan_id
         JOIN areas a ON a.id = p.area_id WHERE a.slug = 'kent'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    format!("{LOG}/{id}")
}

fn entry_fields<'a>(version: &'a str, held_on: &'a str) -> [(&'static str, &'a str); 5] {
    [
        ("version", version),
        ("held_on", held_on),
        ("audience", "Carers' forum & friends"),
        ("what_done", "A drop-in session at the library."),
        ("what_changed", "Carers' breaks added to the plan."),
    ]
}

#[tokio::test]
async fn logging_engagement_lists_it_newest_first_and_bad_input_is_told_by_its_field() {
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "NHS Thanet CCG").await;
    let page = browser.get_html(LOG).await;
    assert!(
        page.contains("Kent&#39;s home care and care home providers"),
        "{page}"
    );
    assert!(page.contains("Add an entry"));
    let new = format!("{LOG}/new");
    assert!(browser.get_html(&new).await.contains("id=\"held_on\""));
    for (held_on, field, message) in [
        (
            "31/2/2025",
            "held_on",
            "Enter the date it was held as a real date, like 4/12/2025",
        ),
        ("next Tuesday", "held_on", "as a real date"),
        ("", "held_on", "Enter the date it was held"),
    ] {
        let body = post_and_expect_422(&browser, &new, &entry_fields("", held_on)).await;
        assert!(body.contains(message), "{held_on}: {body}");
        assert!(body.contains(&format!("href=\"#{field}\"")));
        assert!(
            body.contains("value=\"Carers&#39; forum &#38; friends\""),
            "kept"
        );
        assert!(body.contains("A drop-in session at the library."), "kept");
    }
    let body = post_and_expect_422(
        &browser,
        &new,
        &[
            ("held_on", "4/12/2025"),
            ("audience", " "),
            ("what_done", ""),
        ],
    )
    .await;
    assert!(body.contains("Enter who took part") && body.contains("Say what was done"));
    assert_eq!(entries(&app).await, 3 + 1, "nothing added");

    let response = browser
        .post_form(&new, &entry_fields("", "4/12/2025"))
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("{LOG}?done=added"));
    let page = browser.get_html(&location(&response)).await;
    assert!(page.contains("The entry has been added to the engagement log"));
    let newest = page.find("4 December 2025").expect("the new entry");
    let older = page.find("22 January 2014").expect("the demo entry");
    assert!(newest < older, "newest first");
    assert_eq!(
        app.audit_actions().await.last().map(String::as_str),
        Some("engagement.added")
    );
}

#[tokio::test]
async fn an_entry_is_changed_under_its_version_and_a_stale_change_gets_a_409() {
    let app = spawn_app().await;
    let entry = kent_entry(&app).await;
    let (first, _) = officer(&app, "Kent County Council").await;
    let (second, _) = officer(&app, "NHS Ashford CCG").await;
    let page = first.get_html(&entry).await;
    let version = version_in(&page, &entry);
    assert_eq!(version, "1");
    let response = first
        .post_form(&entry, &entry_fields(&version, "23/1/2014"))
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("{entry}?done=saved"));
    let page = first.get_html(&location(&response)).await;
    assert!(page.contains("Your changes to the entry have been saved"));
    assert!(page.contains("23 January 2014") && page.contains("Carers&#39; breaks added"));
    assert_eq!(
        app.audit_actions().await.last().map(String::as_str),
        Some("engagement.changed")
    );
    let body = post_and_expect_422(&second, &entry, &entry_fields(&version, "32/1/2014")).await;
    assert!(body.contains("as a real date"));
    let response = second
        .post_form(&entry, &entry_fields(&version, "24/1/2014"))
        .await;
    assert_eq!(response.status(), 409);
    let body = response.text().await.unwrap();
    assert!(body.contains("Someone else changed this entry"), "{body}");
    assert!(body.contains("value=\"24/1/2014\""), "the input is kept");
    let differences = &body[body.find("id=\"differences\"").unwrap()..];
    assert!(differences.contains("23 January 2014") && differences.contains("24 January 2014"));
    assert_eq!(
        version_in(&body, &entry),
        "2",
        "now based on the current version"
    );
}

#[tokio::test]
async fn removing_an_entry_asks_first_and_a_stale_removal_is_refused() {
    let app = spawn_app().await;
    let entry = kent_entry(&app).await;
    let browser = lead(&app).await;
    let (other, _) = officer(&app, "NHS Thanet CCG").await;
    let page = browser.get_html(&entry).await;
    let remove = format!("{entry}/remove");
    let fields = form_fields_in(&page, &remove).expect("a remove button");
    assert_eq!(fields, [("version".to_owned(), "1".to_owned())]);
    // Asked first: nothing removed yet.
    let response = browser.post_form(&remove, &[("version", "1")]).await;
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    assert!(body.contains("Are you sure you want to remove this entry?"));
    assert!(body.contains("name=\"confirm\" value=\"yes\""));
    assert_eq!(entries(&app).await, 4);
    // Someone changes it meanwhile: the removal is refused and the entry shown as it now is.
    let changed = other
        .post_form(&entry, &entry_fields("1", "23/1/2014"))
        .await;
    assert_eq!(changed.status(), 303);
    let response = browser
        .post_form(&remove, &[("version", "1"), ("confirm", "yes")])
        .await;
    assert_eq!(response.status(), 409);
    let body = response.text().await.unwrap();
    assert!(body.contains("Someone changed this entry after you chose to remove it"));
    assert!(body.contains("23 January 2014"));
    assert_eq!(entries(&app).await, 4);
    let response = browser
        .post_form(&remove, &[("version", "2"), ("confirm", "yes")])
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("{LOG}?done=removed"));
    let page = browser.get_html(&location(&response)).await;
    assert!(page.contains("The entry has been removed from the engagement log"));
    assert!(page.contains("Nothing has been logged yet"));
    assert_eq!(entries(&app).await, 3);
    assert_eq!(
        app.audit_actions().await.last().map(String::as_str),
        Some("engagement.removed")
    );
    assert_eq!(browser.get(&entry).await.status(), 404);
}

#[tokio::test]
async fn an_entry_removed_while_someone_edits_it_keeps_their_input_and_a_second_removal_is_done() {
    let app = spawn_app().await;
    let entry = kent_entry(&app).await;
    let browser = lead(&app).await;
    let (other, _) = officer(&app, "NHS Thanet CCG").await;
    let remove = format!("{entry}/remove");
    let response = other
        .post_form(&remove, &[("version", "1"), ("confirm", "yes")])
        .await;
    assert_eq!(response.status(), 303);
    let before = app.audit_actions().await.len();

    // The edit, sent after the removal: refused, with everything typed in the add form.
    let response = browser
        .post_form(&entry, &entry_fields("1", "23/1/2014"))
        .await;
    assert_eq!(response.status(), 409);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("Someone removed this entry while you were editing it"),
        "{body}"
    );
    assert!(
        form_fields_in(&body, &format!("{LOG}/new")).is_some(),
        "the add form"
    );
    assert!(body.contains("value=\"23/1/2014\""));
    assert!(body.contains("value=\"Carers&#39; forum &#38; friends\""));
    assert!(body.contains("A drop-in session at the library."));
    assert!(body.contains("Carers&#39; breaks added to the plan."));
    // Sending it from there adds it afresh.
    let response = browser
        .post_form(&format!("{LOG}/new"), &entry_fields("", "23/1/2014"))
        .await;
    assert_eq!(response.status(), 303);

    // A second removal of what is gone is done already, not an error, asked or confirmed.
    for form in [
        &[("version", "1"), ("confirm", "yes")][..],
        &[("version", "1")][..],
    ] {
        let response = browser.post_form(&remove, form).await;
        assert_eq!(response.status(), 303);
        assert_eq!(location(&response), format!("{LOG}?done=already-removed"));
        let page = browser.get_html(&location(&response)).await;
        assert!(page.contains("The entry had already been removed from the engagement log"));
    }
    assert_eq!(
        app.audit_actions().await[before..],
        ["engagement.added".to_owned()]
    );
    // An address naming no entry is still not found.
    let response = browser
        .post_form(&format!("{LOG}/x"), &entry_fields("1", "23/1/2014"))
        .await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn saving_an_entry_unchanged_writes_and_records_nothing() {
    let app = spawn_app().await;
    let entry = kent_entry(&app).await;
    let (browser, _) = officer(&app, "Kent County Council").await;
    // Sent as it stands, the date written another way.
    let (held_on, audience, what_done, what_changed): (String, String, String, String) =
        sqlx::query_as(
            "SELECT to_char(held_on, 'DD/MM/YYYY'), audience, what_done, what_changed
             FROM engagement_entries WHERE id = $1",
        )
        .bind(entry.rsplit('/').next().unwrap().parse::<i64>().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let before = app.audit_actions().await;
    let response = browser
        .post_form(
            &entry,
            &[
                ("version", "1"),
                ("held_on", &held_on),
                ("audience", &audience),
                ("what_done", &what_done),
                ("what_changed", &what_changed),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), format!("{entry}?done=unchanged"));
    let page = browser.get_html(&location(&response)).await;
    assert!(page.contains("Nothing was changed"));
    assert_eq!(version_in(&page, &entry), "1", "no new version");
    assert_eq!(app.audit_actions().await, before, "nothing recorded");
}

#[tokio::test]
async fn a_log_takes_entries_up_to_the_cap_and_refuses_more_keeping_what_was_typed() {
    use itf_planner::plans::parts::engagement::MAX_ENTRIES;
    let app = spawn_app().await;
    let (browser, _) = officer(&app, "Kent County Council").await;
    let plan: i64 = sqlx::query_scalar(
        "SELECT p.id FROM plans p JOIN areas a ON a.id = p.area_id WHERE a.slug = 'kent'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let kent_entries = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM engagement_entries WHERE plan_id = $1")
            .bind(plan)
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let existing = kent_entries().await;
    sqlx::query(
        "INSERT INTO engagement_entries (plan_id, held_on, audience, what_done, created_at,
                                         updated_at)
         SELECT $1, DATE '2014-01-01', 'Filler ' || g, 'A meeting.', now(), now()
         FROM generate_series(1, $2) g",
    )
    .bind(plan)
    .bind(MAX_ENTRIES - existing)
    .execute(&app.pool)
    .await
    .unwrap();
    let before = app.audit_actions().await;

    let new = format!("{LOG}/new");
    let body = post_and_expect_422(&browser, &new, &entry_fields("", "4/12/2025")).await;
    assert!(body.contains("There is a problem"));
    assert!(body.contains("already has 500 entries"), "{body}");
    assert!(body.contains("value=\"4/12/2025\""), "kept");
    assert!(body.contains("A drop-in session at the library."), "kept");
    assert_eq!(kent_entries().await, MAX_ENTRIES, "nothing added");
    assert_eq!(app.audit_actions().await, before, "nothing recorded");

    // With room made, it is added.
    sqlx::query(
        "DELETE FROM engagement_entries
         WHERE id = (SELECT max(id) FROM engagement_entries WHERE plan_id = $1)",
    )
    .bind(plan)
    .execute(&app.pool)
    .await
    .unwrap();
    let response = browser
        .post_form(&new, &entry_fields("", "4/12/2025"))
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(kent_entries().await, MAX_ENTRIES);
}

/// Two browsers post `fields(index)` to `path` at the same moment; their statuses, sorted, and
/// the bodies of those refused.
async fn at_once(
    browsers: [crate::helpers::TestApp; 2],
    path: &str,
    fields: impl Fn(usize) -> Vec<(&'static str, String)>,
) -> (Vec<u16>, Vec<(Vec<(&'static str, String)>, String)>) {
    let mut posts = Vec::new();
    for (index, browser) in browsers.into_iter().enumerate() {
        let token = browser.csrf_token().await;
        let mut typed = fields(index);
        typed.push(("csrf_token", token));
        let path = path.to_owned();
        posts.push(tokio::spawn(async move {
            let pairs: Vec<(&str, &str)> = typed
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            let response = browser.post_raw(&path, &pairs).await;
            let status = response.status().as_u16();
            (status, typed, response.text().await.unwrap())
        }));
    }
    let mut statuses = Vec::new();
    let mut refused = Vec::new();
    for post in posts {
        let (status, typed, body) = post.await.unwrap();
        if status == 409 {
            refused.push((typed, body));
        }
        statuses.push(status);
    }
    statuses.sort_unstable();
    (statuses, refused)
}

#[tokio::test]
async fn two_editors_answering_one_condition_at_once_one_lands_the_other_is_told() {
    const ROUNDS: usize = 6;
    let app = spawn_app().await;
    let (council, _) = officer(&app, "Kent County Council").await;
    let (thanet, _) = officer(&app, "NHS Thanet CCG").await;
    let before = answers(&app).await;
    for round in 0..ROUNDS {
        let based = based_on(&council.get_html(SEVEN_DAY).await, SEVEN_DAY);
        let (statuses, refused) = at_once([council.clone(), thanet.clone()], SEVEN_DAY, |index| {
            vec![
                ("based_on", based.clone()),
                ("status", "in-progress".to_owned()),
                (
                    "how",
                    format!("Round {round}: weekend discharge team, by officer {index}."),
                ),
            ]
        })
        .await;
        assert_eq!(statuses, [303, 409], "round {round}");
        for (typed, body) in refused {
            assert!(
                body.contains(&typed[2].1),
                "round {round}: the refused answer is kept"
            );
        }
    }
    assert_eq!(
        answers(&app).await,
        before + ROUNDS as i64,
        "one answer per round"
    );
}

#[tokio::test]
async fn two_editors_changing_one_entry_at_once_one_lands_the_other_is_told() {
    const ROUNDS: usize = 6;
    let app = spawn_app().await;
    let entry = kent_entry(&app).await;
    let (council, _) = officer(&app, "Kent County Council").await;
    let (ashford, _) = officer(&app, "NHS Ashford CCG").await;
    for round in 0..ROUNDS {
        let version = version_in(&council.get_html(&entry).await, &entry);
        let (statuses, refused) = at_once([council.clone(), ashford.clone()], &entry, |index| {
            entry_fields(&version, &format!("{}/1/2014", 10 + index))
                .iter()
                .map(|(name, value)| match *name {
                    "what_done" => (*name, format!("Round {round}, officer {index}: a drop-in.")),
                    _ => (*name, (*value).to_owned()),
                })
                .collect()
        })
        .await;
        assert_eq!(statuses, [303, 409], "round {round}");
        for (typed, body) in refused {
            let what_done = typed.iter().find(|(name, _)| *name == "what_done").unwrap();
            assert!(
                body.contains(&what_done.1),
                "round {round}: the refused change is kept"
            );
        }
    }
    let version: i32 = sqlx::query_scalar("SELECT max(version) FROM engagement_entries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(version > ROUNDS as i32, "each round's change landed once");
}
