//! Sign-off steps taken at the same moment, with real parallel requests: two leads opening a
//! round, and a round withdrawn while a partner signs it.

use itf_planner::auth::policy::Role;

use crate::helpers::{location, spawn_app};
use crate::signoff::{
    ROTHERHAM_2025, ROTHERHAM_COUNCIL, SOUTH_YORKSHIRE_ICB, decisions_recorded, fresh_code, hidden,
    make_checks_pass, open_round, person,
};

#[tokio::test]
async fn two_leads_opening_a_round_at_once_open_one() {
    let app = spawn_app().await;
    make_checks_pass(&app, "rotherham", "2025-26").await;
    let first = person(&app, Role::AreaLead, Some("rotherham"), ROTHERHAM_COUNCIL).await;
    let second = person(&app, Role::AreaLead, Some("rotherham"), SOUTH_YORKSHIRE_ICB).await;
    let path = format!("{ROTHERHAM_2025}/sign-off/rounds");
    let (a, b) = (
        first.browser.csrf_token().await,
        second.browser.csrf_token().await,
    );
    let first_form = [
        ("csrf_token", a.as_str()),
        ("name", "First"),
        ("deadline", ""),
    ];
    let second_form = [
        ("csrf_token", b.as_str()),
        ("name", "Second"),
        ("deadline", ""),
    ];
    let (one, other) = tokio::join!(
        first.browser.post_raw(&path, &first_form),
        second.browser.post_raw(&path, &second_form)
    );
    let mut statuses = [one.status().as_u16(), other.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 422], "one opens, the other is told why not");
    let rounds: i64 = sqlx::query_scalar("SELECT count(*) FROM signoff_rounds")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rounds, 1);
}

#[tokio::test]
async fn a_round_withdrawn_while_a_partner_signs_ends_withdrawn_with_any_decision_void() {
    let app = spawn_app().await;
    make_checks_pass(&app, "rotherham", "2025-26").await;
    let lead = person(&app, Role::AreaLead, Some("rotherham"), ROTHERHAM_COUNCIL).await;
    let icb = person(
        &app,
        Role::Signatory,
        Some("rotherham"),
        SOUTH_YORKSHIRE_ICB,
    )
    .await;
    open_round(&lead, ROTHERHAM_2025, "Final", "submission-deadline").await;
    let decision = format!("{ROTHERHAM_2025}/sign-off/rounds/1/decision");
    let hash = hidden(&icb.browser.get_html(&decision).await, "snapshot_hash");
    let code = fresh_code(&app, &icb);
    let (icb_token, lead_token) = (
        icb.browser.csrf_token().await,
        lead.browser.csrf_token().await,
    );
    let withdraw = format!("{ROTHERHAM_2025}/sign-off/rounds/1/withdraw");
    let decision_form = [
        ("csrf_token", icb_token.as_str()),
        ("snapshot_hash", hash.as_str()),
        ("decision", "approve"),
        ("signer_name", "A Person"),
        ("signer_position", "Chief executive"),
        ("not_delegated", "yes"),
        ("code", code.as_str()),
    ];
    let withdraw_form = [
        ("csrf_token", lead_token.as_str()),
        ("reason", "Figures changed"),
    ];
    let (signed, withdrawn) = tokio::join!(
        icb.browser.post_raw(&decision, &decision_form),
        lead.browser.post_raw(&withdraw, &withdraw_form)
    );
    assert_eq!(
        location(&withdrawn),
        format!("{ROTHERHAM_2025}/sign-off?done=withdrawn")
    );
    let state: String = sqlx::query_scalar("SELECT state FROM signoff_rounds")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(state, "withdrawn");
    match signed.status().as_u16() {
        // Signed first: recorded, and void now the round is withdrawn.
        303 => {
            assert_eq!(decisions_recorded(&app).await, 1);
            let page = lead
                .browser
                .get_html(&format!("{ROTHERHAM_2025}/sign-off"))
                .await;
            assert!(page.contains("Approve, by A Person (Chief executive) (void)"));
        }
        // Withdrawn first: the snapshot is no longer being signed, nothing recorded.
        409 => assert_eq!(decisions_recorded(&app).await, 0),
        other => panic!("the decision answered {other}"),
    }
}
