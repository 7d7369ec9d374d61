//! Walks every route of the router (from `itf_planner::routes()`, the list the router is built
//! from) as a visitor, as each role, and as a user of another area, and checks the status the
//! policy implies. A new route without an expectation here fails the test.
//!
//! Two walks: one GETs every page and posts empty forms (nothing may crash, and the refused are
//! refused before the form is read); the other posts a real, currently valid form to every POST
//! route, including to other organisations' parts of the plan, so that a missing permission
//! check cannot hide behind a 422. A POST route without a real form written here fails it.

use axum::http::Method;
use itf_planner::auth::policy::Role;

use crate::helpers::{
    TEST_PASSWORD, TestApp, TestUser, form_actions_in, form_fields_in, location, spawn_app,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Visitor,
    Kent(Role),
    Global(Role),
    /// An officer of Rotherham, looking at Kent.
    OtherAreaOfficer,
}

/// What a request may answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    Ok,
    /// 303 to the sign-in page.
    SignIn,
    /// Any redirect (e.g. an already signed-in person visiting the sign-in page).
    Redirect,
    Forbidden,
    NotFound,
    /// Allowed: the handler ran (any status but 403, 404 and 5xx; a form with nothing in it
    /// may well answer 422 or redirect).
    Allowed,
    /// 401: the JSON API wants a bearer token, whatever session the browser has.
    Unauthorized,
    /// 410: a link that no longer works (or never did).
    Gone,
}

/// Path parameters are replaced with things that exist in the demo data: Kent (the walkers' own
/// area for area roles), Kent County Council (organisation 3, a member of Kent, and the
/// walkers' organisation), user 2 and their grant (2), Kent's demo plan, its per-organisation
/// case for change, the demo comment thread (1), and the 2014-16 template (Kent's plan uses it).
fn concrete_path(template: &str) -> String {
    template
        // A role that nobody holds, so that the walk removes none from an area's people page.
        .replace("/people/roles/{grant_id}", "/people/roles/999999")
        .replace("{slug}", "kent")
        .replace("{organisation_id}", "3")
        .replace("{grant_id}", "2")
        .replace("{id}", "2")
        .replace("{plan}", "2014-16")
        .replace("{section}", "case-for-change")
        .replace("{thread_id}", "1")
        .replace("{key}", "2014-16")
        .replace("{number}", "1")
        .replace("{part}", "streams")
        .replace("{item}", "disabled-facilities-grant")
        .replace("{year}", "2015-16")
        .replace("{metric_key}", "residential-admissions")
        .replace("{condition_key}", "jointly-agreed")
        // Kent's demo engagement entry, the first one seeded.
        .replace("{entry_id}", "1")
        // Sign-off round 1 (Kent's plan has none) and its first condition.
        .replace("{round}", "1")
        .replace("{position}", "1")
        // Kent's first demo local deadline ("Risk register to the board").
        .replace("{deadline_id}", "1")
        // A calendar feed's secret that names no feed.
        .replace("{file}", "unknown.ics")
        // A password-reset or invitation link that was never sent.
        .replace("{token}", "not-a-token")
}

fn expectation(method: &Method, path: &str, who: Who) -> Expect {
    use Expect::*;
    let signed_in = who != Who::Visitor;
    let is_admin = who == Who::Global(Role::Admin);
    let sees_kent = matches!(who, Who::Kent(_) | Who::Global(_));
    let get = method == Method::GET;
    match path {
        "/" | "/healthz" | "/readyz" => Ok,
        // The public pages: help, the accessibility statement, privacy and cookies.
        "/help" | "/accessibility" | "/privacy" | "/cookies" => Ok,
        "/sign-in" if get => {
            if signed_in {
                Redirect
            } else {
                Ok
            }
        }
        // Empty form: the fields are missing, whoever asks.
        "/sign-in" => Allowed,
        // The programme dashboard: anyone signed in, each seeing the areas they may see.
        "/programme" => match who {
            Who::Visitor => SignIn,
            _ => Ok,
        },
        // The national view and its exports, and the API's tokens: assurers and administrators.
        "/national" | "/national.csv" | "/national.xlsx" | "/account/api-tokens" => match who {
            Who::Visitor => SignIn,
            Who::Global(_) if get => Ok,
            Who::Global(_) => Allowed,
            _ => Forbidden,
        },
        // Revoking token 2, which does not exist.
        "/account/api-tokens/{id}/revoke" => match who {
            Who::Visitor => SignIn,
            Who::Global(_) => NotFound,
            _ => Forbidden,
        },
        // The JSON API: a bearer token or nothing, a session cookie gives it nothing.
        "/api/v1/areas" | "/api/v1/plans" => Unauthorized,
        "/sign-in/two-factor" => Redirect,
        // A forgotten password: anyone may ask for a link (an empty form is refused for its
        // field); a link never sent is gone, whoever follows it.
        "/sign-in/forgot" if get => Ok,
        "/sign-in/forgot" => Allowed,
        "/password-reset/{token}" => Gone,
        // A calendar feed needs no session, and an unknown secret names nothing, for anyone.
        "/calendar/{file}" => NotFound,
        // Making or rotating the area's calendar feed address: its lead alone.
        "/areas/{slug}/calendar" if !get => match who {
            Who::Visitor => SignIn,
            Who::OtherAreaOfficer => NotFound,
            Who::Kent(Role::AreaLead) => Allowed,
            _ => Forbidden,
        },
        "/sign-out" => Redirect,
        // Staying signed in: whoever is signed in; nobody to keep for a visitor.
        "/session/keep-alive" => match who {
            Who::Visitor => Unauthorized,
            _ => Allowed,
        },
        // An area's people and invitations: its lead's and administrators'. The walk's
        // invitation 2 and role 999999 do not exist; an empty invitation is refused for its
        // fields.
        "/areas/{slug}/people"
        | "/areas/{slug}/people/invitations"
        | "/areas/{slug}/people/invitations/{id}/revoke"
        | "/areas/{slug}/people/roles/{grant_id}/remove" => match who {
            Who::Visitor => SignIn,
            Who::OtherAreaOfficer => NotFound,
            Who::Kent(Role::AreaLead) | Who::Global(Role::Admin) => {
                if path.ends_with("/revoke") || path.ends_with("/remove") {
                    NotFound
                } else if get {
                    Ok
                } else {
                    Allowed
                }
            }
            _ => Forbidden,
        },
        // An invitation never sent is gone, whoever follows it.
        "/invitations/{token}" => Gone,
        // The form to add a risk: only those who may add one (officers and the lead).
        "/areas/{slug}/risks/new" if get => match who {
            Who::Visitor => SignIn,
            Who::OtherAreaOfficer => NotFound,
            Who::Kent(Role::Officer | Role::AreaLead) => Ok,
            _ => Forbidden,
        },
        // Importing into the register: as adding a risk. An import is its creator's alone, and
        // the walkers have made none.
        "/areas/{slug}/risks/import" if get => match who {
            Who::Visitor => SignIn,
            Who::OtherAreaOfficer => NotFound,
            Who::Kent(Role::Officer | Role::AreaLead) => Ok,
            _ => Forbidden,
        },
        // The forms adding a scheme and confirming one's removal: only the area's editors
        // and its lead; others read the schemes.
        "/areas/{slug}/plans/{plan}/schemes/new"
        | "/areas/{slug}/plans/{plan}/schemes/{number}/remove"
            if get =>
        {
            match who {
                Who::Visitor => SignIn,
                Who::OtherAreaOfficer => NotFound,
                Who::Kent(Role::Officer | Role::AreaLead) => Ok,
                _ => Forbidden,
            }
        }
        // The form to add to a plan's engagement log: as adding a risk.
        "/areas/{slug}/plans/{plan}/engagement/new" if get => match who {
            Who::Visitor => SignIn,
            Who::OtherAreaOfficer => NotFound,
            Who::Kent(Role::Officer | Role::AreaLead) => Ok,
            _ => Forbidden,
        },
        // Comparing a plan with another cycle: read-only, for anyone who sees the area (Kent
        // has no other plan, so the walk reads the page saying so).
        "/areas/{slug}/plans/{plan}/compare" if get => match who {
            Who::Visitor => SignIn,
            _ if sees_kent => Ok,
            _ => NotFound,
        },
        // A round's snapshot document, and what changed since the board approved the plan:
        // read-only for anyone who sees the area; Kent's demo plan has no round and no
        // approval, so they answer 404 to those and to another area's people alike.
        "/areas/{slug}/plans/{plan}/sign-off/rounds/{number}/document"
        | "/areas/{slug}/plans/{plan}/sign-off/rounds/{number}/document.docx"
        | "/areas/{slug}/plans/{plan}/sign-off/changes"
            if get =>
        {
            match who {
                Who::Visitor => SignIn,
                _ => NotFound,
            }
        }
        "/areas/{slug}/risks/import/{id}" => match who {
            Who::Visitor => SignIn,
            Who::OtherAreaOfficer | Who::Kent(Role::Officer | Role::AreaLead) => NotFound,
            _ => Forbidden,
        },
        // A pending workbook import: its creator's alone (the walkers have made none); only
        // those who may import reach it.
        "/areas/{slug}/plans/{plan}/import/{id}" => match who {
            Who::Visitor => SignIn,
            Who::OtherAreaOfficer | Who::Kent(Role::Officer | Role::AreaLead) => NotFound,
            _ => Forbidden,
        },
        // The steps of sign-off round 1, which Kent's plan has not got: whoever may take the
        // step is told there is no such round (an empty form opening or withdrawing one is
        // refused for its fields first); everyone else is refused.
        path if path.starts_with("/areas/{slug}/plans/{plan}/sign-off/rounds") => {
            let may = match path.rsplit('/').next().unwrap_or_default() {
                "rounds" | "withdraw" | "submission" => Who::Kent(Role::AreaLead),
                "decision" => Who::Kent(Role::Signatory),
                "board" => Who::Kent(Role::BoardSecretary),
                _ => Who::Global(Role::Assurer),
            };
            match who {
                Who::Visitor => SignIn,
                Who::OtherAreaOfficer => NotFound,
                _ if who != may => Forbidden,
                _ if !get && (path.ends_with("/rounds") || path.ends_with("/withdraw")) => Allowed,
                _ => NotFound,
            }
        }
        // The area lead's deadline forms and changes; everyone who sees the area reads the
        // deadlines page. Recording done or undoing names no deadline here: not found.
        path if path.starts_with("/areas/{slug}/deadlines/") => match who {
            Who::Visitor => SignIn,
            Who::OtherAreaOfficer => NotFound,
            Who::Kent(Role::AreaLead) if path.ends_with("/done") || path.ends_with("/undo") => {
                NotFound
            }
            Who::Kent(Role::AreaLead) if get => Ok,
            Who::Kent(Role::AreaLead) => Allowed,
            _ => Forbidden,
        },
        path if path.starts_with("/areas/") => match who {
            Who::Visitor => SignIn,
            _ if !sees_kent => NotFound,
            _ if get => Ok,
            Who::Kent(role) => {
                let lead = role == Role::AreaLead;
                let editor = lead || role == Role::Officer;
                let allowed_if = |yes: bool| if yes { Allowed } else { Forbidden };
                match path.rsplit('/').next().unwrap_or_default() {
                    _ if path.contains("/comments") => allowed_if(true),
                    // Anyone who sees the section is there (the page's script says so).
                    "presence" => Allowed,
                    // Only the lead sets a year's notified minimum.
                    _ if path.contains("/funding/minimum/") => allowed_if(lead),
                    // Only the lead changes the area's risk matrix.
                    "plans" | "reopen" | "assign" | "matrix" => allowed_if(lead),
                    // Kent walkers belong to Kent County Council: its contribution is theirs.
                    _ => allowed_if(editor),
                }
            }
            Who::Global(Role::Admin) if path.ends_with("/plans") => Allowed,
            Who::Global(_) if path.ends_with("/presence") => Allowed,
            _ => Forbidden,
        },
        // Your notifications: anyone signed in. The walk's notice 2 is nobody's it knows.
        "/notifications" => match who {
            Who::Visitor => SignIn,
            _ => Ok,
        },
        "/notifications/read-all" => match who {
            Who::Visitor => SignIn,
            _ => Redirect,
        },
        "/notifications/{id}/open" | "/notifications/{id}/read" => match who {
            Who::Visitor => SignIn,
            _ => NotFound,
        },
        // The outbox holds no message 2 in the walk.
        "/admin/outbox/{id}" | "/admin/outbox/{id}/send-again" => match who {
            Who::Visitor => SignIn,
            _ if is_admin => NotFound,
            _ => Forbidden,
        },
        path if path.starts_with("/admin") => match who {
            Who::Visitor => SignIn,
            _ if is_admin && get => Ok,
            _ if is_admin => Allowed,
            _ => Forbidden,
        },
        path if path.starts_with("/account") => match who {
            Who::Visitor => SignIn,
            _ if get => Ok,
            _ => Allowed,
        },
        other => panic!(
            "no access expectation written for {method} {other}: add one to tests/api/access.rs"
        ),
    }
}

fn check(expect: Expect, status: u16, location: &str, context: &str) {
    let fine = match expect {
        Expect::Ok => status == 200,
        Expect::SignIn => status == 303 && location.starts_with("/sign-in"),
        Expect::Redirect => status == 303,
        Expect::Forbidden => status == 403,
        Expect::NotFound => status == 404,
        Expect::Allowed => status != 403 && status != 404 && status < 500,
        Expect::Unauthorized => status == 401,
        Expect::Gone => status == 410,
    };
    assert!(
        fine,
        "{context}: expected {expect:?}, got {status} (location {location:?})"
    );
}

async fn walker(app: &TestApp, who: Who) -> (TestApp, Option<TestUser>) {
    let browser = app.another_browser();
    let user = match who {
        Who::Visitor => None,
        Who::Kent(role) => Some(
            app.create_user(role, Some("kent"), "Kent County Council")
                .await,
        ),
        Who::Global(role) => Some(app.create_user(role, None, "NHS England").await),
        Who::OtherAreaOfficer => Some(
            app.create_user(Role::Officer, Some("rotherham"), "NHS Rotherham CCG")
                .await,
        ),
    };
    if let Some(user) = &user {
        browser.sign_in(user).await;
    }
    (browser, user)
}

#[tokio::test]
async fn every_route_answers_every_kind_of_user_as_the_policy_says() {
    let app = spawn_app().await;
    let everyone = [
        Who::Visitor,
        Who::Kent(Role::Officer),
        Who::Kent(Role::AreaLead),
        Who::Kent(Role::Signatory),
        Who::Kent(Role::BoardSecretary),
        Who::Global(Role::Assurer),
        Who::Global(Role::Admin),
        Who::OtherAreaOfficer,
    ];
    let mut routes: Vec<(Method, &str)> = itf_planner::routes()
        .iter()
        .map(|route| (route.method.clone(), route.path))
        .collect();
    // Routes that end the walker's session go last.
    routes.sort_by_key(|(_, path)| path.contains("sign-out"));
    assert!(routes.len() >= 5);
    // Kent's risk R-01 (owned by Kent County Council, the walkers' organisation), which the
    // risk pages' paths name.
    let lead = app.another_browser();
    lead.sign_in(
        &app.create_user(Role::AreaLead, Some("kent"), "Kent County Council")
            .await,
    )
    .await;
    let council = organisation_id(&app, "Kent County Council").await;
    add_risk(&lead, council, "A risk for the walk").await;

    for who in everyone {
        let (browser, user) = walker(&app, who).await;
        for (method, template) in &routes {
            let path = concrete_path(template);
            let expect = expectation(method, template, who);
            let response = if *method == Method::GET {
                browser.get(&path).await
            } else {
                // A valid token, so what answers is the route and the policy, not the CSRF check.
                browser.post_form(&path, &[]).await
            };
            let status = response.status().as_u16();
            check(
                expect,
                status,
                &location(&response),
                &format!("{who:?} {method} {path}"),
            );
            // Some admin actions may sign the walker out (resetting their own password, say):
            // sign in again so the walk goes on as the same person.
            let signed_out = user.is_some() && !browser.is_signed_in().await;
            if let (true, Some(user)) = (signed_out && !path.contains("sign-out"), &user) {
                app.clock.advance(time::Duration::seconds(31));
                browser.sign_in(user).await;
            }
        }
    }
}

#[tokio::test]
async fn every_post_route_refuses_a_request_without_a_csrf_token_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.create_user(Role::Admin, None, "NHS England").await;
    app.sign_in(&admin).await;
    let audit_rows = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_log")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let before = audit_rows().await;
    let mut checked = 0;
    for route in itf_planner::routes() {
        if route.method != Method::POST {
            continue;
        }
        let path = concrete_path(route.path);
        for form in [vec![], vec![("csrf_token", "not-the-token")]] {
            let response = app.post_raw(&path, &form).await;
            assert_eq!(response.status(), 403, "POST {path} with {form:?}");
            checked += 1;
        }
    }
    assert!(checked >= 6, "checked {checked} POST routes");
    assert_eq!(audit_rows().await, before, "nothing happened");
    assert!(app.is_signed_in().await, "not even a sign-out");
}

// --- the walk with real forms -------------------------------------------------------------------
//
// The walk above posts empty forms, so a handler that forgot to ask the policy but refuses the
// empty form (422) would pass it. This one posts, for every POST route, a form that succeeds
// for someone allowed (scraped from the page that carries it, just before each request), to
// targets in and out of the walker's organisation, and checks that the allowed succeed with a
// change recorded, and that the refused are refused and change nothing at all.

/// What a request with a real form must answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// 303 or 200, and at least one audit record added: the form really was good.
    Changes,
    /// 303 or 200; whether anything changes depends on the walker (e.g. two-factor set up).
    Succeeds,
    /// 303 without any change (a step that only makes sense in the middle of signing in).
    RedirectsUnchanged,
    /// 303 to the sign-in page, nothing changed.
    SignInFirst,
    /// 403, nothing changed.
    Forbidden,
    /// 404, nothing changed.
    NotFound,
    /// 401, nothing changed (staying signed in with nobody signed in).
    Unauthorized,
}

/// One target of one POST route. Cross-organisation targets are the ones a missing check in a
/// handler would let through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Case {
    // Signing in and out.
    SignIn,
    SecondFactor,
    SignOut,
    StaySignedIn,
    // Your account.
    SignOutEverywhere,
    ChangePassword,
    StartTwoFactor,
    ConfirmTwoFactor,
    RecoveryCodes,
    /// Another person's trusted browser: nobody may stop trusting it but its owner.
    RevokeSomeoneElsesTrustedBrowser,
    // Kent's plan, as Kent County Council (the walkers' organisation) and NHS Ashford CCG (not).
    CreatePlan,
    /// Rotherham's plan, from the other side: Kent's people are told Rotherham does not exist.
    CreatePlanInOtherArea,
    /// The vision: shared text, assigned to nobody.
    SharedText,
    /// The plan of action: assigned to Kent County Council.
    OwnOrganisationText,
    /// Data sharing: assigned to NHS Ashford CCG for the walk.
    OtherOrganisationText,
    StatusShared,
    StatusOtherOrganisation,
    /// Keeping a draft of the vision's text (what the page's script sends), and discarding it.
    KeepDraft,
    DiscardDraft,
    Preview,
    Presence,
    /// A draft of data sharing's text (assigned to NHS Ashford CCG for the walk).
    KeepOtherOrganisationDraft,
    /// A draft of Kent County Council's part of the case for change, and discarding it.
    KeepOwnContributionDraft,
    DiscardOwnContributionDraft,
    /// A draft of NHS Ashford CCG's part of the case for change.
    KeepOtherContributionDraft,
    Reopen,
    Assign,
    /// The case for change: Kent County Council's part.
    OwnContribution,
    /// The case for change: NHS Ashford CCG's part.
    OtherContribution,
    RestoreShared,
    RestoreOwnContribution,
    RestoreOtherOrganisationText,
    RestoreOtherContribution,
    Comment,
    /// A reply in the demo thread.
    Reply,
    ResolveThread,
    ReopenThread,
    // Administration, on throwaway organisations, areas, users and templates made for the walk.
    AddOrganisation,
    UpdateOrganisation,
    AddArea,
    UpdateArea,
    AddMember,
    RemoveMember,
    AddUser,
    AddGrant,
    RemoveGrant,
    DisableUser,
    EnableUser,
    ResetPassword,
    ResetTwoFactor,
    CopyTemplate,
    AddTemplateSection,
    UpdateTemplateSection,
    MoveTemplateSection,
    RemoveTemplateSection,
    /// A funding stream of the walk's template, renamed.
    ChangeStructureItem,
    RemoveStructureItem,
    ChangeStructureYears,
    ChangeSignOffRoute,
    /// A key date of the walk's template, moved on a day.
    ChangeStructureDate,
    RemoveStructureDate,
    // Kent's risk register.
    /// A risk owned by the walker's organisation (Kent County Council).
    AddRisk,
    /// Kent County Council's risk.
    EditOwnRisk,
    /// NHS Ashford CCG's risk: only the lead edits it, not Kent County Council's officers.
    EditOtherRisk,
    /// Linking a risk to the Risks and contingency section, and unlinking one linked to it.
    LinkRisk,
    UnlinkRisk,
    /// Kent's risk matrix: only the lead changes it.
    ChangeMatrix,
    /// Uploading a file adding a Kent County Council risk (kept for a preview).
    ImportRisks,
    /// Confirming an import: the walker's own if they may import, else the lead's.
    ConfirmImport,
    // Kent's funding, 2015/16.
    /// Kent County Council's amounts.
    OwnFunding,
    /// NHS Ashford CCG's amounts: only the lead changes them, not the council's officers.
    OtherFunding,
    /// The notified minimum: the lead alone.
    SetMinimum,
    // Kent's plan's schemes: any editor of the area and the lead.
    AddScheme,
    /// Kent's demo scheme S1, renamed.
    EditScheme,
    /// A scheme the lead added for the walk.
    RemoveScheme,
    // Kent's plan's metric goals, national conditions and engagement log: any editor's.
    /// New goals for a metric, based on the current ones.
    SetGoals,
    AnswerCondition,
    AddEngagement,
    /// Kent's demo engagement entry.
    ChangeEngagement,
    /// An entry the lead adds for each removal, removed with the confirmation.
    RemoveEngagement,
    /// Uploading Kent's workbook changing Kent County Council's funding (kept for a preview).
    ImportWorkbook,
    /// Confirming a workbook import: the walker's own if they may import, else the lead's.
    ConfirmWorkbookImport,
    // Sign-off, each on a plan of Kent's of its own (from a copy of the 2014-16 template) that
    // passes its checks, brought to the step first.
    /// Opening a round: the lead.
    OpenSignOffRound,
    /// Withdrawing an open round, with a reason: the lead.
    WithdrawSignOffRound,
    /// Kent County Council's decision (the walkers' organisation), with a fresh code: its
    /// signatory.
    SignOffDecision,
    /// The board deferring its decision: the board secretary.
    BoardDecision,
    /// The area's submission: the lead.
    RecordSubmission,
    /// Assurance of a submitted, board-approved round: an assurer.
    RecordAssurance,
    /// An assurance condition met: an assurer.
    ConditionMet,
    // Kent's deadlines: the area lead's.
    AddLocalDeadline,
    /// Kent's first demo deadline, retitled.
    ChangeLocalDeadline,
    /// A deadline the lead adds for each removal.
    RemoveLocalDeadline,
    /// A deadline met by hand that the lead adds, recorded done.
    RecordDeadlineDone,
    /// A deadline the lead adds and records done, undone.
    UndoDeadlineDone,
    // Calendar feeds.
    /// Making Kent's feed address (or a new one): its lead.
    AreaCalendarFeed,
    /// Making your own feed address: anyone signed in.
    OwnCalendarFeed,
    // Notifications.
    /// Your own email settings: anyone signed in.
    NoticeSettings,
    /// Marking your notifications read: anyone signed in (the walkers may have none).
    ReadAllNotices,
    /// Opening or marking read someone else's notice: nobody (not found).
    OpenOthersNotice,
    ReadOthersNotice,
    /// Sending a failed message again: administrators.
    SendMailAgain,
    // The national API's tokens: assurers and administrators.
    /// Making a named token.
    CreateApiToken,
    /// Revoking a token an administrator made.
    RevokeApiToken,
    // Forgotten passwords.
    /// Asking for a link for one's own account (the visitor: the spare account's): anyone.
    AskForPasswordReset,
    /// Using a link sent to a throwaway account: whoever holds it.
    ResetPasswordWithLink,
    // Kent's people: its lead and administrators.
    /// Inviting an officer of Kent County Council to Kent.
    InviteOfficer,
    /// Inviting an area lead: administrators alone.
    InviteAreaLead,
    /// Revoking an invitation the lead sent.
    RevokeInvitation,
    /// Removing a throwaway officer's role in Kent.
    RemoveAreaRole,
    /// Accepting an invitation the lead sent (a new account): whoever holds the link.
    AcceptInvitation,
}

/// The cases that exercise each POST route. A POST route without any fails the walk.
fn cases_for(template: &str) -> Vec<Case> {
    use Case::*;
    let section = "/areas/{slug}/plans/{plan}/sections/{section}";
    let cases = match template {
        "/sign-in" => vec![SignIn],
        "/sign-in/two-factor" => vec![SecondFactor],
        "/sign-out" => vec![SignOut],
        "/session/keep-alive" => vec![StaySignedIn],
        "/account/sign-out-everywhere" => vec![SignOutEverywhere],
        "/account/password" => vec![ChangePassword],
        "/account/two-factor/start" => vec![StartTwoFactor],
        "/account/two-factor/confirm" => vec![ConfirmTwoFactor],
        "/account/two-factor/recovery-codes" => vec![RecoveryCodes],
        "/account/trusted-browsers/{id}/revoke" => vec![RevokeSomeoneElsesTrustedBrowser],
        "/account/calendar" => vec![OwnCalendarFeed],
        "/account/api-tokens" => vec![CreateApiToken],
        "/account/api-tokens/{id}/revoke" => vec![RevokeApiToken],
        "/areas/{slug}/calendar" => vec![AreaCalendarFeed],
        "/account/notifications" => vec![NoticeSettings],
        "/notifications/read-all" => vec![ReadAllNotices],
        "/notifications/{id}/open" => vec![OpenOthersNotice],
        "/notifications/{id}/read" => vec![ReadOthersNotice],
        "/admin/outbox/{id}/send-again" => vec![SendMailAgain],
        "/sign-in/forgot" => vec![AskForPasswordReset],
        "/password-reset/{token}" => vec![ResetPasswordWithLink],
        "/areas/{slug}/people/invitations" => vec![InviteOfficer, InviteAreaLead],
        "/areas/{slug}/people/invitations/{id}/revoke" => vec![RevokeInvitation],
        "/areas/{slug}/people/roles/{grant_id}/remove" => vec![RemoveAreaRole],
        "/invitations/{token}" => vec![AcceptInvitation],
        "/areas/{slug}/plans" => vec![CreatePlan, CreatePlanInOtherArea],
        "/admin/organisations/new" => vec![AddOrganisation],
        "/admin/organisations/{id}" => vec![UpdateOrganisation],
        "/admin/areas/new" => vec![AddArea],
        "/admin/areas/{slug}" => vec![UpdateArea],
        "/admin/areas/{slug}/members" => vec![AddMember],
        "/admin/areas/{slug}/members/{organisation_id}/remove" => vec![RemoveMember],
        "/admin/users/new" => vec![AddUser],
        "/admin/users/{id}/grants" => vec![AddGrant],
        "/admin/users/{id}/grants/{grant_id}/remove" => vec![RemoveGrant],
        "/admin/users/{id}/disable" => vec![DisableUser],
        "/admin/users/{id}/enable" => vec![EnableUser],
        "/admin/users/{id}/reset-password" => vec![ResetPassword],
        "/admin/users/{id}/reset-two-factor" => vec![ResetTwoFactor],
        "/admin/templates/{key}/copy" => vec![CopyTemplate],
        "/admin/templates/{key}/sections" => vec![AddTemplateSection],
        "/admin/templates/{key}/sections/{section}" => vec![UpdateTemplateSection],
        "/admin/templates/{key}/sections/{section}/move" => vec![MoveTemplateSection],
        "/admin/templates/{key}/sections/{section}/remove" => vec![RemoveTemplateSection],
        "/admin/templates/{key}/structure/{part}/{item}" => {
            vec![ChangeStructureItem, ChangeStructureDate]
        }
        "/admin/templates/{key}/structure/{part}/{item}/remove" => {
            vec![RemoveStructureItem, RemoveStructureDate]
        }
        "/admin/templates/{key}/structure/years" => vec![ChangeStructureYears],
        "/admin/templates/{key}/structure/sign-off" => vec![ChangeSignOffRoute],
        "/areas/{slug}/risks/new" => vec![AddRisk],
        "/areas/{slug}/risks/{number}" => vec![EditOwnRisk, EditOtherRisk],
        "/areas/{slug}/risks/matrix" => vec![ChangeMatrix],
        "/areas/{slug}/risks/import" => vec![ImportRisks],
        "/areas/{slug}/risks/import/{id}" => vec![ConfirmImport],
        "/areas/{slug}/plans/{plan}/funding/{organisation_id}/{year}" => {
            vec![OwnFunding, OtherFunding]
        }
        "/areas/{slug}/plans/{plan}/funding/minimum/{year}" => vec![SetMinimum],
        "/areas/{slug}/plans/{plan}/schemes/new" => vec![AddScheme],
        "/areas/{slug}/plans/{plan}/schemes/{number}" => vec![EditScheme],
        "/areas/{slug}/plans/{plan}/schemes/{number}/remove" => vec![RemoveScheme],
        "/areas/{slug}/plans/{plan}/metrics/{metric_key}" => vec![SetGoals],
        "/areas/{slug}/plans/{plan}/conditions/{condition_key}" => vec![AnswerCondition],
        "/areas/{slug}/plans/{plan}/engagement/new" => vec![AddEngagement],
        "/areas/{slug}/plans/{plan}/engagement/{entry_id}" => vec![ChangeEngagement],
        "/areas/{slug}/plans/{plan}/engagement/{entry_id}/remove" => vec![RemoveEngagement],
        "/areas/{slug}/plans/{plan}/import" => vec![ImportWorkbook],
        "/areas/{slug}/plans/{plan}/import/{id}" => vec![ConfirmWorkbookImport],
        "/areas/{slug}/plans/{plan}/sign-off/rounds" => vec![OpenSignOffRound],
        "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/withdraw" => {
            vec![WithdrawSignOffRound]
        }
        "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/decision" => vec![SignOffDecision],
        "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/board" => vec![BoardDecision],
        "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/submission" => {
            vec![RecordSubmission]
        }
        "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/assurance" => vec![RecordAssurance],
        "/areas/{slug}/plans/{plan}/sign-off/rounds/{round}/conditions/{position}/met" => {
            vec![ConditionMet]
        }
        "/areas/{slug}/deadlines/new" => vec![AddLocalDeadline],
        "/areas/{slug}/deadlines/local/{deadline_id}" => vec![ChangeLocalDeadline],
        "/areas/{slug}/deadlines/local/{deadline_id}/remove" => vec![RemoveLocalDeadline],
        "/areas/{slug}/deadlines/done" => vec![RecordDeadlineDone],
        "/areas/{slug}/deadlines/undo" => vec![UndoDeadlineDone],
        other => match other.strip_prefix(section) {
            Some("") => vec![SharedText, OwnOrganisationText, OtherOrganisationText],
            Some("/status") => vec![StatusShared, StatusOtherOrganisation],
            Some("/draft") => vec![KeepDraft, KeepOtherOrganisationDraft],
            Some("/draft/discard") => vec![DiscardDraft],
            Some("/preview") => vec![Preview],
            Some("/presence") => vec![Presence],
            Some("/reopen") => vec![Reopen],
            Some("/assign") => vec![Assign],
            Some("/contributions/{organisation_id}") => vec![OwnContribution, OtherContribution],
            Some("/contributions/{organisation_id}/draft") => {
                vec![KeepOwnContributionDraft, KeepOtherContributionDraft]
            }
            Some("/contributions/{organisation_id}/draft/discard") => {
                vec![DiscardOwnContributionDraft]
            }
            Some("/restore") => vec![
                RestoreShared,
                RestoreOwnContribution,
                RestoreOtherOrganisationText,
                RestoreOtherContribution,
            ],
            Some("/comments") => vec![Comment, Reply],
            Some("/comments/{thread_id}/resolve") => vec![ResolveThread],
            Some("/comments/{thread_id}/reopen") => vec![ReopenThread],
            Some("/risks") => vec![LinkRisk],
            Some("/risks/{number}/unlink") => vec![UnlinkRisk],
            _ => Vec::new(),
        },
    };
    assert!(
        !cases.is_empty(),
        "no real form written for POST {template}: add its cases to tests/api/access.rs"
    );
    cases
}

/// What the policy (and DESIGN.md) says each kind of user gets for each case.
fn outcome(case: Case, who: Who) -> Outcome {
    use Case::*;
    use Outcome::*;
    let allowed_if = |yes: bool| if yes { Changes } else { Forbidden };
    match case {
        // Anyone may sign in (walkers with their own account, the visitor with a spare one).
        SignIn => return Succeeds,
        // Nobody is half-way through signing in: it sends them on.
        SecondFactor => return RedirectsUnchanged,
        SignOut => return Succeeds,
        // Starts the idle time again, for whoever is signed in.
        StaySignedIn => {
            return if who == Who::Visitor {
                Unauthorized
            } else {
                Succeeds
            };
        }
        // Anyone who sees the section is noted there; another area's officer does not see it.
        Presence => {
            return match who {
                Who::Visitor => SignInFirst,
                Who::OtherAreaOfficer => NotFound,
                _ => Succeeds,
            };
        }
        // Links by email: for anyone, signed in or not.
        AskForPasswordReset | ResetPasswordWithLink | AcceptInvitation => return Changes,
        _ => {}
    }
    let role = match who {
        Who::Visitor => return SignInFirst,
        Who::Kent(role) | Who::Global(role) => role,
        Who::OtherAreaOfficer => Role::Officer,
    };
    match case {
        SignOutEverywhere | ChangePassword | OwnCalendarFeed | NoticeSettings => return Changes,
        ReadAllNotices => return Succeeds,
        OpenOthersNotice | ReadOthersNotice => return NotFound,
        // Two-factor already on: these send you back to the two-factor page.
        StartTwoFactor | ConfirmTwoFactor | RecoveryCodes => return Succeeds,
        // Not theirs: sent back to their account page, the other browser still trusted.
        RevokeSomeoneElsesTrustedBrowser => return RedirectsUnchanged,
        AddOrganisation
        | UpdateOrganisation
        | AddArea
        | UpdateArea
        | AddMember
        | RemoveMember
        | AddUser
        | AddGrant
        | RemoveGrant
        | DisableUser
        | EnableUser
        | ResetPassword
        | ResetTwoFactor
        | CopyTemplate
        | AddTemplateSection
        | UpdateTemplateSection
        | MoveTemplateSection
        | RemoveTemplateSection
        | ChangeStructureItem
        | RemoveStructureItem
        | ChangeStructureYears
        | ChangeSignOffRoute
        | ChangeStructureDate
        | RemoveStructureDate
        | SendMailAgain => {
            return allowed_if(who == Who::Global(Role::Admin));
        }
        _ => {}
    }
    if matches!(case, CreateApiToken | RevokeApiToken) {
        return allowed_if(matches!(who, Who::Global(_)));
    }
    if matches!(case, InviteOfficer | RevokeInvitation | RemoveAreaRole) {
        return match who {
            Who::Kent(Role::AreaLead) | Who::Global(Role::Admin) => Changes,
            Who::OtherAreaOfficer => NotFound,
            _ => Forbidden,
        };
    }
    if case == InviteAreaLead {
        return match who {
            Who::Global(Role::Admin) => Changes,
            Who::OtherAreaOfficer => NotFound,
            _ => Forbidden,
        };
    }
    if case == AreaCalendarFeed {
        return match who {
            Who::Kent(Role::AreaLead) => Changes,
            Who::OtherAreaOfficer => NotFound,
            _ => Forbidden,
        };
    }
    // Assurance is the national assurers', whatever the area.
    if matches!(case, RecordAssurance | ConditionMet) {
        return match who {
            Who::Global(Role::Assurer) => Changes,
            Who::OtherAreaOfficer => NotFound,
            _ => Forbidden,
        };
    }
    if case == CreatePlanInOtherArea {
        return match who {
            Who::Kent(_) => NotFound,
            // Rotherham's officer sees their area but does not lead it.
            _ => allowed_if(role == Role::Admin),
        };
    }
    // Kent's plan.
    let Who::Kent(_) = who else {
        return match who {
            // Another area's officer is told Kent's plan does not exist.
            Who::OtherAreaOfficer => NotFound,
            // Administrators may start an area's plan; nothing else in it is theirs to change.
            _ => allowed_if(case == CreatePlan && role == Role::Admin),
        };
    };
    let lead = role == Role::AreaLead;
    let editor = lead || role == Role::Officer;
    // A draft is its writer's scratch text, not a change to the plan: no audit record.
    match case {
        KeepDraft
        | DiscardDraft
        | Preview
        | KeepOwnContributionDraft
        | DiscardOwnContributionDraft => return if editor { Succeeds } else { Forbidden },
        KeepOtherOrganisationDraft | KeepOtherContributionDraft => return Forbidden,
        _ => {}
    }
    allowed_if(match case {
        CreatePlan | Reopen | Assign => lead,
        // Officers add and edit their organisation's risks; the lead edits any.
        AddRisk | EditOwnRisk | ImportRisks | ConfirmImport => editor,
        EditOtherRisk | ChangeMatrix => lead,
        // Whoever may edit the (unassigned) section's text, and the lead.
        LinkRisk | UnlinkRisk => editor,
        // The schemes are shared by the area's partners: any editor, and the lead.
        AddScheme | EditScheme | RemoveScheme => editor,
        // The walker's organisation (Kent County Council) and shared text: its editors.
        SharedText
        | OwnOrganisationText
        | OwnContribution
        | RestoreShared
        | RestoreOwnContribution
        | StatusShared => editor,
        // The lead decides on any section's status, whoever writes it.
        StatusOtherOrganisation => lead,
        // Another organisation's text: not even the area lead writes it.
        OtherOrganisationText
        | OtherContribution
        | RestoreOtherOrganisationText
        | RestoreOtherContribution => false,
        // Everyone with a part in the area discusses the plan.
        Comment | Reply | ResolveThread | ReopenThread => true,
        // An organisation's editors change its amounts; the lead changes any, and the minimum.
        OwnFunding => editor,
        OtherFunding | SetMinimum => lead,
        // The plan's goals, conditions and engagement log belong to all its partners.
        SetGoals | AnswerCondition | AddEngagement | ChangeEngagement | RemoveEngagement => editor,
        // The walker's organisation's funding lines: its editors, and the lead.
        ImportWorkbook | ConfirmWorkbookImport => editor,
        // Sign-off: each step is one role's.
        OpenSignOffRound | WithdrawSignOffRound | RecordSubmission => lead,
        SignOffDecision => role == Role::Signatory,
        BoardDecision => role == Role::BoardSecretary,
        // The area's own deadlines, and recording deadlines done: its lead's.
        AddLocalDeadline | ChangeLocalDeadline | RemoveLocalDeadline | RecordDeadlineDone
        | UndoDeadlineDone => lead,
        _ => unreachable!("{case:?} is handled above"),
    })
}

/// A request to make: where, what, and what a success means for the walker.
struct RealForm {
    path: String,
    fields: Vec<(String, String)>,
    /// The walker's new password, once the form is accepted.
    new_password: Option<String>,
    /// The walker's authenticator secret, once the form is accepted.
    new_totp_secret: Option<Vec<u8>>,
    /// A file to upload (a multipart form) instead of the fields.
    file: Option<Vec<u8>>,
}

impl RealForm {
    fn new(path: impl Into<String>, fields: &[(&str, &str)]) -> RealForm {
        RealForm {
            path: path.into(),
            fields: fields
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
            new_password: None,
            new_totp_secret: None,
            file: None,
        }
    }

    fn with(mut self, name: &str, value: &str) -> RealForm {
        self.fields.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The form with `name` set to `value` (in place of what the page filled in, if anything).
    fn replacing(mut self, name: &str, value: &str) -> RealForm {
        self.fields.retain(|(field, _)| field != name);
        self.with(name, value)
    }
}

/// Whether `path` is an instance of the route `template` (`{…}` matches one segment).
fn instance_of(path: &str, template: &str) -> bool {
    let path: Vec<&str> = path.split('/').collect();
    let template: Vec<&str> = template.split('/').collect();
    path.len() == template.len()
        && path
            .iter()
            .zip(&template)
            .all(|(part, pattern)| part == pattern || pattern.starts_with('{'))
}

const KENT_PLAN: &str = "/areas/kent/plans/2014-16";
/// The template copied for the template administration cases; no plan uses it.
const WALK_TEMPLATE: &str = "walk-edit";
/// The area made for the area administration cases.
const WALK_AREA: &str = "walk";

fn section(key: &str) -> String {
    format!("{KENT_PLAN}/sections/{key}")
}

/// The people and things the walk needs besides the walkers, made through the app as its users
/// would make them.
struct Fixture {
    app: TestApp,
    /// Browsers signed in as an administrator, Kent's area lead (Kent County Council) and an
    /// officer of NHS Ashford CCG in Kent: they open the forms the walkers then send.
    admin: TestApp,
    lead: TestApp,
    ashford: TestApp,
    council_id: i64,
    ashford_id: i64,
    rotherham_id: i64,
    walk_board_id: i64,
    walk_partner_id: i64,
    thread_id: i64,
    /// Kent's risks owned by Kent County Council and by NHS Ashford CCG.
    council_risk: i32,
    ashford_risk: i32,
    /// Disabled and enabled in turn.
    switched_user: TestUser,
    /// Has their password and two-factor reset.
    reset_user: TestUser,
    /// Signs in as the visitor.
    spare_user: TestUser,
    made: std::sync::atomic::AtomicU32,
}

async fn signed_in_browser(
    app: &TestApp,
    role: Role,
    area: Option<&str>,
    organisation: &str,
) -> TestApp {
    let browser = app.another_browser();
    let user = app.create_user(role, area, organisation).await;
    browser.sign_in(&user).await;
    browser
}

async fn expect_success(
    browser: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let response = browser.post_form(path, fields).await;
    let status = response.status().as_u16();
    assert!(
        status == 303 || status == 200,
        "setting up the walk: POST {path} {fields:?} answered {status}"
    );
    response
}

impl Fixture {
    async fn set_up(app: &TestApp) -> Fixture {
        let admin = signed_in_browser(app, Role::Admin, None, "NHS England").await;
        let lead =
            signed_in_browser(app, Role::AreaLead, Some("kent"), "Kent County Council").await;
        let ashford = signed_in_browser(app, Role::Officer, Some("kent"), "NHS Ashford CCG").await;
        let council_id = organisation_id(app, "Kent County Council").await;
        let ashford_id = organisation_id(app, "NHS Ashford CCG").await;
        let rotherham_id: i64 = sqlx::query_scalar("SELECT id FROM areas WHERE slug = 'rotherham'")
            .fetch_one(&app.pool)
            .await
            .unwrap();

        // Kent's plan: a section written by Ashford alone, and a second version of every text
        // the walk restores, so each history offers one to restore.
        let data_sharing = section("data-sharing");
        expect_success(
            &lead,
            &format!("{data_sharing}/assign"),
            &[("organisation", &ashford_id.to_string())],
        )
        .await;
        let case_for_change = section("case-for-change");
        for (browser, page, action) in [
            (&ashford, data_sharing.clone(), data_sharing.clone()),
            (&ashford, data_sharing.clone(), data_sharing.clone()),
            (&lead, section("vision"), section("vision")),
            (
                &lead,
                case_for_change.clone(),
                format!("{case_for_change}/contributions/{council_id}"),
            ),
            (
                &ashford,
                case_for_change.clone(),
                format!("{case_for_change}/contributions/{ashford_id}"),
            ),
        ] {
            let form = text_form(
                browser,
                &page,
                &action,
                "Written while setting up the walk.",
            )
            .await;
            expect_success(browser, &form.path, &fields(&form)).await;
        }
        let page = lead.get_html(&case_for_change).await;
        let thread_id = form_actions_in(&page)
            .iter()
            .find_map(|action| {
                action
                    .strip_prefix(&format!("{case_for_change}/comments/"))?
                    .strip_suffix("/resolve")?
                    .parse()
                    .ok()
            })
            .expect("the demo comment thread, open");

        // Administration: a template no plan uses, an organisation, and an area with its board.
        expect_success(
            &admin,
            "/admin/templates/2014-16/copy",
            &[("key", WALK_TEMPLATE), ("name", "Walk template")],
        )
        .await;
        expect_success(
            &admin,
            "/admin/organisations/new",
            &[
                ("name", "Walk partner"),
                ("kind", "other"),
                ("ods_code", ""),
            ],
        )
        .await;
        expect_success(
            &admin,
            "/admin/organisations/new",
            &[("name", "Walk board"), ("kind", "hwb"), ("ods_code", "")],
        )
        .await;
        let walk_partner_id = organisation_id(app, "Walk partner").await;
        let walk_board_id = organisation_id(app, "Walk board").await;
        expect_success(
            &admin,
            "/admin/areas/new",
            &[
                ("slug", WALK_AREA),
                ("name", "Walk"),
                ("board", &walk_board_id.to_string()),
            ],
        )
        .await;

        // Kent's register: a risk of the walkers' organisation and one of Ashford's, both
        // added by the lead (who may give a risk to any organisation).
        let council_risk = add_risk(&lead, council_id, "Kent County Council's risk").await;
        let ashford_risk = add_risk(&lead, ashford_id, "NHS Ashford CCG's risk").await;

        let throwaway = || app.create_user(Role::Officer, Some("kent"), "Kent County Council");
        Fixture {
            switched_user: throwaway().await,
            reset_user: throwaway().await,
            spare_user: throwaway().await,
            app: app.clone(),
            admin,
            lead,
            ashford,
            council_id,
            ashford_id,
            rotherham_id,
            walk_board_id,
            walk_partner_id,
            thread_id,
            council_risk,
            ashford_risk,
            made: Default::default(),
        }
    }

    /// A number not used before in this walk, for names that must be new.
    fn next(&self) -> u32 {
        self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    async fn audit_rows(&self) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM audit_log")
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }

    /// Adds a section to the walk's template; returns its key.
    async fn new_template_section(&self) -> String {
        let key = format!("walk-section-{}", self.next());
        expect_success(
            &self.admin,
            &format!("/admin/templates/{WALK_TEMPLATE}/sections"),
            &template_section_fields(&key, "A section made for the walk"),
        )
        .await;
        key
    }

    /// Adds an organisation of `kind`; returns its id.
    async fn new_organisation(&self, kind: &str) -> i64 {
        let name = format!("Walk organisation {}", self.next());
        expect_success(
            &self.admin,
            "/admin/organisations/new",
            &[("name", &name), ("kind", kind), ("ods_code", "")],
        )
        .await;
        organisation_id(&self.app, &name).await
    }

    /// The path of the newest link starting `prefix` mailed to `email`, asking for a
    /// password-reset link for it first if `prefix` is one.
    async fn emailed_link(&self, email: &str, prefix: &str) -> String {
        if prefix == "/password-reset/" {
            expect_success(
                &self.app.another_browser(),
                "/sign-in/forgot",
                &[("email", email)],
            )
            .await;
        }
        let body: String = sqlx::query_scalar(
            "SELECT body FROM mail_outbox WHERE to_address = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(email)
        .fetch_one(&self.app.pool)
        .await
        .unwrap();
        let start = body.find(prefix).expect("a link in the mail");
        body[start..].split_whitespace().next().unwrap().to_owned()
    }

    /// A user with an officer's grant in Kent; returns them and the grant's id.
    async fn new_user_with_grant(&self) -> (TestUser, i64) {
        let user = self
            .app
            .create_user(Role::Officer, Some("kent"), "Kent County Council")
            .await;
        let page = self
            .admin
            .get_html(&format!("/admin/users/{}", user.id))
            .await;
        // The page links to the removal's confirmation page, whose form posts to the same
        // address.
        let prefix = format!("href=\"/admin/users/{}/grants/", user.id);
        let grant_id = page
            .split(&prefix)
            .skip(1)
            .find_map(|rest| rest.split_once("/remove\"")?.0.parse().ok())
            .expect("a link to remove the grant");
        let confirm = self
            .admin
            .get_html(&format!(
                "/admin/users/{}/grants/{grant_id}/remove",
                user.id
            ))
            .await;
        assert!(
            form_actions_in(&confirm).contains(&format!(
                "/admin/users/{}/grants/{grant_id}/remove",
                user.id
            )),
            "the confirmation posts the removal"
        );
        (user, grant_id)
    }

    /// The real form for `case`, made just now so that it is current (versions, fingerprints),
    /// for `walker`.
    async fn form_for(&self, case: Case, walker: &Walker) -> RealForm {
        use Case::*;
        let n = self.next();
        let text = format!("Text written by the access walk, number {n}.");
        match case {
            SignIn => {
                let user = walker.user.as_ref().unwrap_or(&self.spare_user);
                RealForm::new(
                    "/sign-in",
                    &[("email", &user.email), ("password", &user.password)],
                )
            }
            SecondFactor => {
                let code = match walker.user.as_ref() {
                    Some(user) if user.totp_secret.is_some() => self.app.totp_code(user),
                    _ => "123456".to_owned(),
                };
                RealForm::new("/sign-in/two-factor", &[("code", &code)])
            }
            SignOut => RealForm::new("/sign-out", &[]),
            InviteOfficer | InviteAreaLead => RealForm::new(
                "/areas/kent/people/invitations",
                &[
                    ("email", &format!("walk-invite-{n}@test.example")),
                    ("name", &format!("Walk invitee {n}")),
                    ("organisation", &self.council_id.to_string()),
                    (
                        "role",
                        if case == InviteOfficer {
                            "officer"
                        } else {
                            "area_lead"
                        },
                    ),
                ],
            ),
            RevokeInvitation | AcceptInvitation => {
                let email = format!("walk-invited-{n}@test.example");
                expect_success(
                    &self.lead,
                    "/areas/kent/people/invitations",
                    &[
                        ("email", &email),
                        ("name", "Walk invitee"),
                        ("organisation", &self.council_id.to_string()),
                        ("role", "officer"),
                    ],
                )
                .await;
                if case == AcceptInvitation {
                    let link = self.emailed_link(&email, "/invitations/").await;
                    let password = "quartz lantern pebble orchard 42";
                    RealForm::new(
                        link,
                        &[
                            ("name", "Walk invitee"),
                            ("new_password", password),
                            ("confirm_password", password),
                        ],
                    )
                } else {
                    let id: i64 = sqlx::query_scalar("SELECT id FROM invitations WHERE email = $1")
                        .bind(&email)
                        .fetch_one(&self.app.pool)
                        .await
                        .unwrap();
                    RealForm::new(format!("/areas/kent/people/invitations/{id}/revoke"), &[])
                }
            }
            RemoveAreaRole => {
                let (_, grant_id) = self.new_user_with_grant().await;
                RealForm::new(format!("/areas/kent/people/roles/{grant_id}/remove"), &[])
            }
            AskForPasswordReset => {
                let user = walker.user.as_ref().unwrap_or(&self.spare_user);
                RealForm::new("/sign-in/forgot", &[("email", &user.email)])
            }
            ResetPasswordWithLink => {
                let user = self
                    .app
                    .create_user(Role::Officer, Some("kent"), "Kent County Council")
                    .await;
                let link = self.emailed_link(&user.email, "/password-reset/").await;
                let password = "quartz lantern pebble orchard 42";
                RealForm::new(
                    link,
                    &[("new_password", password), ("confirm_password", password)],
                )
            }
            SignOutEverywhere => RealForm::new("/account/sign-out-everywhere", &[]),
            OwnCalendarFeed => RealForm::new("/account/calendar", &[]),
            NoticeSettings => {
                let version: i32 = match &walker.user {
                    Some(user) => sqlx::query_scalar(
                        "SELECT coalesce((SELECT version FROM notice_settings WHERE user_id = $1), 0)",
                    )
                    .bind(user.id)
                    .fetch_one(&self.app.pool)
                    .await
                    .unwrap(),
                    None => 0,
                };
                RealForm::new(
                    "/account/notifications",
                    &[
                        ("mail", "immediate"),
                        ("digest_hour", "9"),
                        ("version", &version.to_string()),
                    ],
                )
            }
            ReadAllNotices => RealForm::new(
                "/notifications/read-all",
                &[("up_to", "9223372036854775807")],
            ),
            OpenOthersNotice | ReadOthersNotice => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO notices (user_id, kind, title, link, created_at)
                     VALUES ($1, 'news', $2, '/', now()) RETURNING id",
                )
                .bind(self.spare_user.id)
                .bind(&text)
                .fetch_one(&self.app.pool)
                .await
                .unwrap();
                let verb = if case == OpenOthersNotice {
                    "open"
                } else {
                    "read"
                };
                RealForm::new(format!("/notifications/{id}/{verb}"), &[])
            }
            SendMailAgain => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO mail_outbox (to_address, purpose, subject, body, created_at,
                                              next_attempt_at, attempts, last_error, failed_at)
                     VALUES ('walk@test.example', 'notice', $1, 'Body', now(), now(), 10,
                             '451 try again later', now())
                     RETURNING id",
                )
                .bind(&text)
                .fetch_one(&self.app.pool)
                .await
                .unwrap();
                RealForm::new(format!("/admin/outbox/{id}/send-again"), &[])
            }
            CreateApiToken => RealForm::new(
                "/account/api-tokens",
                &[("name", &format!("Walk token {n}"))],
            ),
            RevokeApiToken => {
                expect_success(
                    &self.admin,
                    "/account/api-tokens",
                    &[("name", &format!("Walk token {n}"))],
                )
                .await;
                let id: i64 = sqlx::query_scalar("SELECT max(id) FROM api_tokens")
                    .fetch_one(&self.app.pool)
                    .await
                    .unwrap();
                RealForm::new(format!("/account/api-tokens/{id}/revoke"), &[])
            }
            AreaCalendarFeed => RealForm::new("/areas/kent/calendar", &[]),
            ChangePassword => {
                let current = walker.user.as_ref().map(|user| user.password.clone());
                let new = format!("walk {n} lantern quarry meadow");
                let mut form = RealForm::new(
                    "/account/password",
                    &[
                        (
                            "current_password",
                            current.as_deref().unwrap_or(TEST_PASSWORD),
                        ),
                        ("new_password", &new),
                        ("confirm_password", &new),
                    ],
                );
                form.new_password = Some(new);
                form
            }
            StartTwoFactor => RealForm::new("/account/two-factor/start", &[]),
            ConfirmTwoFactor => {
                // The code of the authenticator being set up, if the walker started.
                let started: Option<Vec<u8>> = match &walker.user {
                    Some(user) if user.totp_secret.is_none() => {
                        sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
                            .bind(user.id)
                            .fetch_one(&self.app.pool)
                            .await
                            .unwrap()
                    }
                    _ => None,
                };
                let code = match &started {
                    Some(secret) => itf_planner::auth::totp::code_at(
                        &itf_planner::auth::totp::TotpSecret::from_bytes(secret.clone()),
                        self.app.clock.now().unix_timestamp(),
                    ),
                    None => "123456".to_owned(),
                };
                let mut form = RealForm::new("/account/two-factor/confirm", &[("code", &code)]);
                form.new_totp_secret = started;
                form
            }
            RecoveryCodes => {
                let current = walker.user.as_ref().map(|user| user.password.clone());
                RealForm::new(
                    "/account/two-factor/recovery-codes",
                    &[("password", current.as_deref().unwrap_or(TEST_PASSWORD))],
                )
            }
            RevokeSomeoneElsesTrustedBrowser => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO trusted_devices (token_hash, user_id, created_at, last_used_at,
                                                  expires_at)
                     VALUES ($1, $2, now(), now(), now() + interval '30 days')
                     RETURNING id",
                )
                .bind(format!("walk-{n}").into_bytes())
                .bind(self.spare_user.id)
                .fetch_one(&self.app.pool)
                .await
                .unwrap();
                RealForm::new(format!("/account/trusted-browsers/{id}/revoke"), &[])
            }
            CreatePlan | CreatePlanInOtherArea => {
                // A template the area has no plan from yet, so the plan is really created.
                let key = format!("walk-plan-{n}");
                expect_success(
                    &self.admin,
                    "/admin/templates/2014-16/copy",
                    &[("key", &key), ("name", &format!("Walk plan {n}"))],
                )
                .await;
                let area = if case == CreatePlan {
                    "kent"
                } else {
                    "rotherham"
                };
                RealForm::new(format!("/areas/{area}/plans"), &[("template", &key)])
            }
            SharedText => {
                let page = section("vision");
                text_form(&self.lead, &page, &page, &text).await
            }
            OwnOrganisationText => {
                let page = section("plan-of-action");
                text_form(&self.lead, &page, &page, &text).await
            }
            OtherOrganisationText => {
                let page = section("data-sharing");
                text_form(&self.ashford, &page, &page, &text).await
            }
            // A lead's "no" to a section waiting for review (the demo's vision) sends it back,
            // which needs a comment; others' ignore it.
            StatusShared => RealForm::new(
                format!("{}/status", section("vision")),
                &[("completed", "no"), ("review_comment", "Add the figures.")],
            ),
            StatusOtherOrganisation => RealForm::new(
                format!("{}/status", section("data-sharing")),
                &[("completed", "no"), ("review_comment", "Add the figures.")],
            ),
            KeepDraft => RealForm::new(
                format!("{}/draft", section("vision")),
                &[("text", &text), ("version", "1")],
            ),
            DiscardDraft => RealForm::new(format!("{}/draft/discard", section("vision")), &[]),
            Preview => RealForm::new(
                format!("{}/preview", section("vision")),
                &[("text", &text), ("version", "1")],
            ),
            Presence => RealForm::new(
                format!("{}/presence", section("vision")),
                &[("editing", "1")],
            ),
            StaySignedIn => RealForm::new("/session/keep-alive", &[]),
            KeepOtherOrganisationDraft => RealForm::new(
                format!("{}/draft", section("data-sharing")),
                &[("text", &text), ("version", "1")],
            ),
            KeepOwnContributionDraft => RealForm::new(
                format!(
                    "{}/contributions/{}/draft",
                    section("case-for-change"),
                    self.council_id
                ),
                &[("text", &text), ("version", "1")],
            ),
            DiscardOwnContributionDraft => RealForm::new(
                format!(
                    "{}/contributions/{}/draft/discard",
                    section("case-for-change"),
                    self.council_id
                ),
                &[],
            ),
            KeepOtherContributionDraft => RealForm::new(
                format!(
                    "{}/contributions/{}/draft",
                    section("case-for-change"),
                    self.ashford_id
                ),
                &[("text", &text), ("version", "1")],
            ),
            Reopen => {
                // Completed by the lead first, so that there is something to reopen.
                let page = section("seven-day-services");
                expect_success(
                    &self.lead,
                    &format!("{page}/status"),
                    &[("completed", "yes")],
                )
                .await;
                RealForm::new(format!("{page}/reopen"), &[])
            }
            Assign => RealForm::new(
                format!("{}/assign", section("engagement")),
                &[("organisation", &self.council_id.to_string())],
            ),
            OwnContribution => {
                let page = section("case-for-change");
                let action = format!("{page}/contributions/{}", self.council_id);
                text_form(&self.lead, &page, &action, &text).await
            }
            OtherContribution => {
                let page = section("case-for-change");
                let action = format!("{page}/contributions/{}", self.ashford_id);
                text_form(&self.ashford, &page, &action, &text).await
            }
            RestoreShared => restore_form(&self.lead, &section("vision"), None).await,
            RestoreOwnContribution => {
                let page = section("case-for-change");
                restore_form(&self.lead, &page, Some(self.council_id)).await
            }
            RestoreOtherOrganisationText => {
                restore_form(&self.ashford, &section("data-sharing"), None).await
            }
            RestoreOtherContribution => {
                let page = section("case-for-change");
                restore_form(&self.ashford, &page, Some(self.ashford_id)).await
            }
            Comment => RealForm::new(
                format!("{}/comments", section("case-for-change")),
                &[("body", &text), ("thread", "")],
            ),
            Reply => RealForm::new(
                format!("{}/comments", section("case-for-change")),
                &[("body", &text), ("thread", &self.thread_id.to_string())],
            ),
            ResolveThread => RealForm::new(
                format!(
                    "{}/comments/{}/resolve",
                    section("case-for-change"),
                    self.thread_id
                ),
                &[],
            ),
            ReopenThread => RealForm::new(
                format!(
                    "{}/comments/{}/reopen",
                    section("case-for-change"),
                    self.thread_id
                ),
                &[],
            ),
            AddOrganisation => RealForm::new(
                "/admin/organisations/new",
                &[
                    ("name", &format!("Walk organisation {n}")),
                    ("kind", "other"),
                    ("ods_code", ""),
                ],
            ),
            UpdateOrganisation => {
                let path = format!("/admin/organisations/{}", self.walk_partner_id);
                scraped_form(&self.admin, &path, &path)
                    .await
                    .with("name", &format!("Walk partner {n}"))
                    .with("kind", "other")
                    .with("ods_code", "")
            }
            AddArea => {
                let board = self.new_organisation("hwb").await;
                RealForm::new(
                    "/admin/areas/new",
                    &[
                        ("slug", &format!("walk-area-{n}")),
                        ("name", &format!("Walk area {n}")),
                        ("board", &board.to_string()),
                    ],
                )
            }
            UpdateArea => {
                let path = format!("/admin/areas/{WALK_AREA}");
                scraped_form(&self.admin, &path, &path)
                    .await
                    .with("name", &format!("Walk {n}"))
                    .with("board", &self.walk_board_id.to_string())
            }
            AddMember => {
                let organisation = self.new_organisation("other").await;
                RealForm::new(
                    format!("/admin/areas/{WALK_AREA}/members"),
                    &[
                        ("organisation", &organisation.to_string()),
                        ("signs_plan", "no"),
                    ],
                )
            }
            RemoveMember => {
                let organisation = self.new_organisation("other").await;
                expect_success(
                    &self.admin,
                    &format!("/admin/areas/{WALK_AREA}/members"),
                    &[
                        ("organisation", &organisation.to_string()),
                        ("signs_plan", "no"),
                    ],
                )
                .await;
                RealForm::new(
                    format!("/admin/areas/{WALK_AREA}/members/{organisation}/remove"),
                    &[],
                )
            }
            AddUser => RealForm::new(
                "/admin/users/new",
                &[
                    ("email", &format!("walk-{n}@test.example")),
                    ("name", &format!("Walk user {n}")),
                    ("organisation", &self.council_id.to_string()),
                ],
            ),
            AddGrant => {
                let (user, _) = self.new_user_with_grant().await;
                RealForm::new(
                    format!("/admin/users/{}/grants", user.id),
                    &[
                        ("role", "officer"),
                        ("area", &self.rotherham_id.to_string()),
                        // Kent County Council is not a partner in Rotherham.
                        ("not_partner", "yes"),
                    ],
                )
            }
            RemoveGrant => {
                let (user, grant_id) = self.new_user_with_grant().await;
                RealForm::new(
                    format!("/admin/users/{}/grants/{grant_id}/remove", user.id),
                    &[],
                )
            }
            DisableUser | EnableUser => {
                // Put in the state the action changes, so that it changes it.
                let user = format!("/admin/users/{}", self.switched_user.id);
                let (first, then) = if case == DisableUser {
                    ("enable", "disable")
                } else {
                    ("disable", "enable")
                };
                expect_success(&self.admin, &format!("{user}/{first}"), &[]).await;
                RealForm::new(format!("{user}/{then}"), &[])
            }
            ResetPassword => RealForm::new(
                format!("/admin/users/{}/reset-password", self.reset_user.id),
                &[],
            ),
            ResetTwoFactor => RealForm::new(
                format!("/admin/users/{}/reset-two-factor", self.reset_user.id),
                &[],
            ),
            CopyTemplate => RealForm::new(
                "/admin/templates/2014-16/copy",
                &[
                    ("key", &format!("walk-copy-{n}")),
                    ("name", &format!("Walk copy {n}")),
                ],
            ),
            AddTemplateSection => RealForm::new(
                format!("/admin/templates/{WALK_TEMPLATE}/sections"),
                &template_section_fields(&format!("walk-added-{n}"), "Added by the walk"),
            ),
            UpdateTemplateSection => {
                let path = format!("/admin/templates/{WALK_TEMPLATE}/sections/vision");
                let mut form = scraped_form(&self.admin, &path, &path).await;
                let title = format!("Vision, version {n}");
                for (name, value) in template_section_fields("vision", &title) {
                    if name != "key" {
                        form = form.with(name, value);
                    }
                }
                form
            }
            MoveTemplateSection => {
                // A new section is last, so it can always move up.
                let key = self.new_template_section().await;
                RealForm::new(
                    format!("/admin/templates/{WALK_TEMPLATE}/sections/{key}/move"),
                    &[("direction", "up")],
                )
            }
            RemoveTemplateSection => {
                let key = self.new_template_section().await;
                RealForm::new(
                    format!("/admin/templates/{WALK_TEMPLATE}/sections/{key}/remove"),
                    &[],
                )
            }
            ChangeStructureItem => {
                let path =
                    format!("/admin/templates/{WALK_TEMPLATE}/structure/streams/carers-breaks");
                // The hidden fields from the page (its version), the rest as a browser sends them.
                scraped_form(&self.admin, &path, &path)
                    .await
                    .replacing("name", &format!("Carers' breaks funding, version {n}"))
                    .replacing("aliases", "")
                    .replacing("mandated", "yes")
                    .replacing("spending", "revenue")
                    .replacing("unverified", "")
            }
            RemoveStructureItem => {
                let key = format!("walk-stream-{n}");
                let new = format!("/admin/templates/{WALK_TEMPLATE}/structure/streams/new");
                let form = scraped_form(&self.admin, &new, &new)
                    .await
                    .replacing("key", &key)
                    .replacing("name", &format!("Walk stream {n}"))
                    .replacing("mandated", "no")
                    .replacing("spending", "revenue");
                expect_success(&self.admin, &form.path, &fields(&form)).await;
                let page = format!("/admin/templates/{WALK_TEMPLATE}/structure/streams/{key}");
                scraped_form(&self.admin, &page, &format!("{page}/remove")).await
            }
            ChangeStructureDate => {
                let path = format!("/admin/templates/{WALK_TEMPLATE}/structure/dates/final-plans");
                scraped_form(&self.admin, &path, &path)
                    .await
                    .replacing("title", &format!("Final plans due, version {n}"))
                    .replacing("date", &format!("{}/4/2014", 1 + n % 28))
                    .replacing("kind", "deadline")
                    .replacing("unverified", "")
            }
            RemoveStructureDate => {
                let key = format!("walk-date-{n}");
                let new = format!("/admin/templates/{WALK_TEMPLATE}/structure/dates/new");
                let form = scraped_form(&self.admin, &new, &new)
                    .await
                    .replacing("key", &key)
                    .replacing("title", &format!("Walk date {n}"))
                    .replacing("date", "1/4/2015")
                    .replacing("kind", "milestone");
                expect_success(&self.admin, &form.path, &fields(&form)).await;
                let page = format!("/admin/templates/{WALK_TEMPLATE}/structure/dates/{key}");
                scraped_form(&self.admin, &page, &format!("{page}/remove")).await
            }
            ChangeSignOffRoute => {
                let path = format!("/admin/templates/{WALK_TEMPLATE}/structure/sign-off");
                scraped_form(&self.admin, &path, &path)
                    .await
                    .with("signature_0_capacity", &format!("Walk position {n}"))
                    .with("signature_0_organisations", "each_partner")
                    .with("board", "before_submission")
                    .with("outcome_0_label", "Approved")
                    .with("outcome_0_approves", "yes")
                    .with("outcome_1_label", "Not approved")
            }
            ChangeStructureYears => {
                let path = format!("/admin/templates/{WALK_TEMPLATE}/structure/years");
                scraped_form(&self.admin, &path, &path).await.replacing(
                    "years",
                    &format!("2014/15\n2015/16\n{}/{:02}", 2020 + n, (2021 + n) % 100),
                )
            }
            AddRisk => {
                let mut form = RealForm::new("/areas/kent/risks/new", &[]);
                for (name, value) in risk_fields(self.council_id, &format!("Walk risk {n}")) {
                    form = form.with(&name, &value);
                }
                form
            }
            EditOwnRisk | EditOtherRisk => {
                let (number, owner) = if case == EditOwnRisk {
                    (self.council_risk, self.council_id)
                } else {
                    (self.ashford_risk, self.ashford_id)
                };
                // The lead sees every risk's edit form, with its current version.
                let path = format!("/areas/kent/risks/{number}");
                let mut form = scraped_form(&self.lead, &path, &path).await;
                for (name, value) in risk_fields(owner, &format!("Walk edit {n}")) {
                    form = form.with(&name, &value);
                }
                form
            }
            // A new risk each time, so that each link (and unlink) is a change.
            LinkRisk => {
                let number = add_risk(&self.lead, self.council_id, &format!("Walk link {n}")).await;
                RealForm::new(
                    format!("{}/risks", section("risks-and-contingency")),
                    &[("risk", &number.to_string())],
                )
            }
            UnlinkRisk => {
                let page = section("risks-and-contingency");
                let number =
                    add_risk(&self.lead, self.council_id, &format!("Walk unlink {n}")).await;
                expect_success(
                    &self.lead,
                    &format!("{page}/risks"),
                    &[("risk", &number.to_string())],
                )
                .await;
                RealForm::new(format!("{page}/risks/{number}/unlink"), &[])
            }
            ChangeMatrix => {
                // Based on the matrix in use now, as the lead's page shows it; the lowest
                // likelihood renamed each time, so that every save is a change.
                let path = "/areas/kent/risks/matrix";
                let mut form = scraped_form(&self.lead, path, path).await;
                let rare = format!("Rare ({n})");
                let labels = [
                    ("likelihood_1", rare.as_str()),
                    ("likelihood_2", "Unlikely"),
                    ("likelihood_3", "Possible"),
                    ("likelihood_4", "Likely"),
                    ("likelihood_5", "Almost certain"),
                    ("impact_1", "Insignificant"),
                    ("impact_2", "Minor"),
                    ("impact_3", "Moderate"),
                    ("impact_4", "Major"),
                    ("impact_5", "Catastrophic"),
                ];
                let bands = [
                    ("Low", "green", "1"),
                    ("Moderate", "yellow", "4"),
                    ("High", "orange", "8"),
                    ("Extreme", "red", "15"),
                ];
                for (name, value) in labels {
                    form = form.with(name, value);
                }
                for (row, (name, colour, from)) in (1..).zip(bands) {
                    form = form
                        .with(&format!("band_{row}_name"), name)
                        .with(&format!("band_{row}_colour"), colour)
                        .with(&format!("band_{row}_from"), from);
                }
                form
            }
            OwnFunding | OtherFunding => {
                let organisation = if case == OwnFunding {
                    self.council_id
                } else {
                    self.ashford_id
                };
                // The lead's page has the form for every organisation, with its versions.
                let path = format!("{KENT_PLAN}/funding/{organisation}/2015-16");
                scraped_form(&self.lead, &path, &path)
                    .await
                    .replacing("amount-carers-breaks", &format!("{}", 1_000 + n))
            }
            SetMinimum => {
                let path = format!("{KENT_PLAN}/funding/minimum/2015-16");
                scraped_form(&self.lead, &path, &path)
                    .await
                    .replacing("minimum", &format!("{}", 88_000_000 + n))
                    .replacing(
                        "reason",
                        &format!("Revised for the access walk, number {n}"),
                    )
            }
            ImportRisks => {
                let mut form = RealForm::new("/areas/kent/risks/import", &[]);
                form.file = Some(self.import_file(n).await);
                form
            }
            ImportWorkbook => {
                let mut form = RealForm::new(format!("{KENT_PLAN}/import"), &[]);
                form.file = Some(workbook_file(n));
                form
            }
            ConfirmWorkbookImport => {
                let importer = match walker.who {
                    Who::Kent(Role::Officer | Role::AreaLead) => walker.browser(),
                    _ => self.lead.clone(),
                };
                let response = importer
                    .post_file(
                        &format!("{KENT_PLAN}/import"),
                        "walk.xlsx",
                        workbook_file(n),
                    )
                    .await;
                RealForm::new(location(&response), &[])
            }
            ConfirmImport => {
                let importer = match walker.who {
                    Who::Kent(Role::Officer | Role::AreaLead) => walker.browser(),
                    _ => self.lead.clone(),
                };
                let response = importer
                    .post_file(
                        "/areas/kent/risks/import",
                        "walk.csv",
                        self.import_file(n).await,
                    )
                    .await;
                RealForm::new(location(&response), &[])
            }
            AddScheme => {
                let mut form = RealForm::new(format!("{KENT_PLAN}/schemes/new"), &[]);
                for (name, value) in scheme_fields(self.council_id, &format!("Walk scheme {n}")) {
                    form = form.with(&name, &value);
                }
                form
            }
            EditScheme => {
                // The lead's form of S1, with its current version.
                let path = format!("{KENT_PLAN}/schemes/1");
                let mut form = scraped_form(&self.lead, &path, &path).await;
                for (name, value) in scheme_fields(self.council_id, &format!("Walk edit {n}")) {
                    form = form.with(&name, &value);
                }
                form
            }
            RemoveScheme => {
                let fields = scheme_fields(self.council_id, &format!("Walk removal {n}"));
                let fields: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str()))
                    .collect();
                let response =
                    expect_success(&self.lead, &format!("{KENT_PLAN}/schemes/new"), &fields).await;
                let scheme = location(&response);
                let scheme = scheme.split('?').next().unwrap_or_default();
                let remove = format!("{scheme}/remove");
                scraped_form(&self.lead, &remove, &remove).await
            }
            SetGoals => {
                let path = format!("{KENT_PLAN}/metrics/residential-admissions");
                scraped_form(&self.lead, &path, &path)
                    .await
                    .with("baseline_value", "712.9")
                    .with("baseline_period", "2012-13 outturn")
                    .with("goal-2014-15", &format!("{}", 600 + n))
            }
            AnswerCondition => {
                let path = format!("{KENT_PLAN}/conditions/jointly-agreed");
                scraped_form(&self.lead, &path, &path)
                    .await
                    .with("status", "met")
                    .with("how", &text)
            }
            AddEngagement => RealForm::new(
                format!("{KENT_PLAN}/engagement/new"),
                &engagement_fields(&text),
            ),
            ChangeEngagement => {
                let path = format!("{KENT_PLAN}/engagement/1");
                let mut form = scraped_form(&self.lead, &path, &path).await;
                for (name, value) in engagement_fields(&text) {
                    form = form.with(name, value);
                }
                form
            }
            RemoveEngagement => {
                expect_success(
                    &self.lead,
                    &format!("{KENT_PLAN}/engagement/new"),
                    &engagement_fields(&text),
                )
                .await;
                let id: i64 = sqlx::query_scalar("SELECT max(id) FROM engagement_entries")
                    .fetch_one(&self.app.pool)
                    .await
                    .unwrap();
                RealForm::new(
                    format!("{KENT_PLAN}/engagement/{id}/remove"),
                    &[("version", "1"), ("confirm", "yes")],
                )
            }
            OpenSignOffRound => {
                let plan = self.signoff_plan(n, None).await;
                RealForm::new(
                    format!("{plan}/sign-off/rounds"),
                    &[
                        ("name", &format!("Walk round {n}")),
                        ("deadline", "final-plans"),
                    ],
                )
            }
            WithdrawSignOffRound => {
                let plan = self.signoff_plan(n, Some("partner_sign_off")).await;
                RealForm::new(
                    format!("{plan}/sign-off/rounds/1/withdraw"),
                    &[("reason", "Withdrawn by the access walk")],
                )
            }
            SignOffDecision => {
                let plan = self.signoff_plan(n, Some("partner_sign_off")).await;
                // A fresh code: the one the walker signed in with is used.
                self.app.clock.advance(time::Duration::seconds(31));
                let code = match walker.user.as_ref() {
                    Some(user) if user.totp_secret.is_some() => self.app.totp_code(user),
                    _ => "123456".to_owned(),
                };
                RealForm::new(
                    format!("{plan}/sign-off/rounds/1/decision"),
                    &[
                        ("snapshot_hash", WALK_SNAPSHOT_HASH),
                        ("signature", "council-chief-executive"),
                        ("decision", "approve"),
                        ("signer_name", "Walk Signatory"),
                        ("signer_position", "Chief executive"),
                        ("code", &code),
                    ],
                )
            }
            BoardDecision => {
                let plan = self.signoff_plan(n, Some("board_approval")).await;
                RealForm::new(
                    format!("{plan}/sign-off/rounds/1/board"),
                    &[
                        ("snapshot_hash", WALK_SNAPSHOT_HASH),
                        ("body", "Kent Health and Wellbeing Board"),
                        ("decided_on_day", "26"),
                        ("decided_on_month", "3"),
                        ("decided_on_year", "2014"),
                        ("reference", &format!("WALK/{n}")),
                        ("outcome", "deferred"),
                    ],
                )
            }
            RecordSubmission => {
                let plan = self.signoff_plan(n, Some("ready_to_submit")).await;
                RealForm::new(
                    format!("{plan}/sign-off/rounds/1/submission"),
                    &[
                        ("snapshot_hash", WALK_SNAPSHOT_HASH),
                        ("submitted_on_day", "4"),
                        ("submitted_on_month", "4"),
                        ("submitted_on_year", "2014"),
                        ("submitted_time", "12:00"),
                    ],
                )
            }
            RecordAssurance => {
                let plan = self.signoff_plan(n, Some("submitted")).await;
                RealForm::new(
                    format!("{plan}/sign-off/rounds/1/assurance"),
                    &[
                        ("snapshot_hash", WALK_SNAPSHOT_HASH),
                        ("outcome", "approved"),
                    ],
                )
            }
            ConditionMet => {
                let plan = self.signoff_plan(n, Some("assured")).await;
                RealForm::new(
                    format!("{plan}/sign-off/rounds/1/conditions/1/met"),
                    &[("note", "Met, says the access walk")],
                )
            }
            AddLocalDeadline => RealForm::new(
                "/areas/kent/deadlines/new",
                &local_deadline_fields(&format!("Walk deadline {n}")),
            ),
            ChangeLocalDeadline => {
                let path = "/areas/kent/deadlines/local/1";
                let mut form = scraped_form(&self.lead, path, path).await;
                for (name, value) in local_deadline_fields(&format!("Walk change {n}")) {
                    form = form.with(name, value);
                }
                form
            }
            RemoveLocalDeadline => {
                let id = self.new_local_deadline(n).await;
                RealForm::new(
                    format!("/areas/kent/deadlines/local/{id}/remove"),
                    &[("version", "1")],
                )
            }
            RecordDeadlineDone => {
                let id = self.new_local_deadline(n).await;
                RealForm::new(
                    "/areas/kent/deadlines/done",
                    &[
                        ("deadline", &format!("local:{id}")),
                        ("done_on_day", "3"),
                        ("done_on_month", "3"),
                        ("done_on_year", "2014"),
                        ("note", &text),
                    ],
                )
            }
            UndoDeadlineDone => {
                let id = self.new_local_deadline(n).await;
                let reference = format!("local:{id}");
                expect_success(
                    &self.lead,
                    "/areas/kent/deadlines/done",
                    &[
                        ("deadline", &reference),
                        ("done_on_day", "3"),
                        ("done_on_month", "3"),
                        ("done_on_year", "2014"),
                        ("note", ""),
                    ],
                )
                .await;
                RealForm::new("/areas/kent/deadlines/undo", &[("deadline", &reference)])
            }
        }
    }

    /// A local deadline of Kent's met by hand, added by the lead; returns its id.
    async fn new_local_deadline(&self, n: u32) -> i64 {
        expect_success(
            &self.lead,
            "/areas/kent/deadlines/new",
            &local_deadline_fields(&format!("Walk deadline {n}")),
        )
        .await;
        sqlx::query_scalar("SELECT max(id) FROM local_deadlines")
            .fetch_one(&self.app.pool)
            .await
            .unwrap()
    }

    /// A new plan of Kent's, from a copy of the 2014-16 template, put straight in the database
    /// in a state that passes its checks (every section completed, nothing pooled or spent
    /// against a minimum of nothing, no metrics, conditions or mandated streams, Kent's risks
    /// reviewed in the future) and, given a round state, with round 1 in it (board-approved
    /// from submission on, and assured with one condition); returns the plan's address. Kent's
    /// content is never left frozen by the walk: a round the lead opened is thawed here.
    async fn signoff_plan(&self, n: u32, round_state: Option<&str>) -> String {
        let key = format!("walk-signoff-{n}");
        expect_success(
            &self.admin,
            "/admin/templates/2014-16/copy",
            &[("key", &key), ("name", &format!("Walk sign-off {n}"))],
        )
        .await;
        expect_success(&self.lead, "/areas/kent/plans", &[("template", &key)]).await;
        let plan_id: i64 = sqlx::query_scalar(
            "SELECT p.id FROM plans p JOIN templates t ON t.id = p.template_id WHERE t.key = $1",
        )
        .bind(&key)
        .fetch_one(&self.app.pool)
        .await
        .unwrap();
        let statements = [
            "UPDATE area_content SET frozen_plan_id = NULL, frozen_round = NULL, frozen_at = NULL,
                                     frozen_by = NULL
             WHERE area_id = (SELECT area_id FROM plans WHERE id = $1)",
            "INSERT INTO template_structures (template_id, structure)
             SELECT s.template_id,
                    s.structure || jsonb_build_object(
                        'metrics', '[]'::jsonb, 'conditions', '[]'::jsonb,
                        'streams', (SELECT jsonb_agg(stream || '{\"mandated\": false}'::jsonb)
                                    FROM jsonb_array_elements(s.structure->'streams') AS stream))
             FROM plans p JOIN template_structures s ON s.template_id = p.template_id
             WHERE p.id = $1 ORDER BY s.id DESC LIMIT 1",
            "UPDATE plans SET structure_id = (SELECT max(s.id) FROM template_structures s
                                              JOIN plans p ON p.template_id = s.template_id
                                              WHERE p.id = $1)
             WHERE id = $1",
            "UPDATE plan_sections SET status = 'completed' WHERE plan_id = $1",
            "INSERT INTO notified_minimums (plan_id, year_key, amount, set_at)
             SELECT $1, year->>'key', 0, now()
             FROM plans p JOIN template_structures s ON s.id = p.structure_id,
                  jsonb_array_elements(s.structure->'years') AS year
             WHERE p.id = $1",
            "UPDATE risk_versions v
             SET content = jsonb_set(v.content, '{review}',
                 CASE jsonb_typeof(v.content->'review') WHEN 'string' THEN '\"2099-12-31\"'::jsonb
                      ELSE '[2099, 365]'::jsonb END)
             FROM risks r, plans p
             WHERE r.id = v.risk_id AND p.id = $1 AND r.area_id = p.area_id",
            // The walk's own risks have no controls.
            "UPDATE risk_versions v
             SET content = jsonb_set(v.content, '{controls}', '\"Reviewed by the board\"'::jsonb)
             FROM risks r, plans p
             WHERE r.id = v.risk_id AND p.id = $1 AND r.area_id = p.area_id
               AND v.content->>'controls' = ''",
        ];
        for statement in statements {
            sqlx::query(statement)
                .bind(plan_id)
                .execute(&self.app.pool)
                .await
                .unwrap_or_else(|error| panic!("{statement}: {error}"));
        }
        if let Some(state) = round_state {
            let statements = [
                "INSERT INTO signoff_rounds (plan_id, number, name, deadline_key, state, opened_at,
                                             opened_by, snapshot, snapshot_hash, content_version)
                 SELECT $1, 1, 'Walk round', 'final-plans', $2, now(), min(id), '{}',
                        decode($3, 'hex'), 0
                 FROM users",
                "INSERT INTO board_decisions (round_id, how, body, decided_on, reference, outcome,
                                              snapshot_hash, recorded_by, recorded_at)
                 SELECT r.id, 'meeting', 'Kent Health and Wellbeing Board', '2014-03-26',
                        'WALK', 'approved', r.snapshot_hash, r.opened_by, now()
                 FROM signoff_rounds r
                 WHERE r.plan_id = $1 AND $2 IN ('submitted', 'assured')",
                "INSERT INTO assurance_outcomes (round_id, outcome_key, outcome_label, approves,
                                                 snapshot_hash, recorded_by, recorded_at)
                 SELECT r.id, 'approved-subject-to-conditions', 'Approved subject to conditions',
                        true, r.snapshot_hash, r.opened_by, now()
                 FROM signoff_rounds r WHERE r.plan_id = $1 AND $2 = 'assured'",
                "INSERT INTO assurance_conditions (outcome_id, position, text, due_on)
                 SELECT a.id, 1, 'Agree the pooled budget', '2015-01-09'
                 FROM assurance_outcomes a JOIN signoff_rounds r ON r.id = a.round_id
                 WHERE r.plan_id = $1",
            ];
            for statement in statements {
                sqlx::query(statement)
                    .bind(plan_id)
                    .bind(state)
                    .bind(WALK_SNAPSHOT_HASH)
                    .execute(&self.app.pool)
                    .await
                    .unwrap_or_else(|error| panic!("{statement}: {error}"));
            }
        }
        format!("/areas/kent/plans/{key}")
    }
}

/// The snapshot hash of the rounds the walk puts in place.
const WALK_SNAPSHOT_HASH: &str = "abababababababababababababababababababababababababababababababab";

/// A complete, valid scheme of Kent's plan led by `lead`.
pub(crate) fn scheme_fields(lead: i64, name: &str) -> Vec<(String, String)> {
    [
        ("name", name),
        ("scheme_type", "home-care"),
        ("objective", "Care at home after a stay in hospital"),
        ("provider", "Kent home care providers"),
        ("funding_source", "ccg-minimum-contribution"),
        ("spend-2014-15", "£100,000"),
        ("spend-2015-16", "250000"),
        ("benefit-2015-16", ""),
        ("metrics", "delayed-transfers"),
    ]
    .iter()
    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
    .chain([("lead_commissioner".to_owned(), lead.to_string())])
    .collect()
}

/// A complete, valid engagement log entry.
pub(crate) fn engagement_fields(what_done: &str) -> [(&'static str, &str); 4] {
    [
        ("held_on", "4/12/2013"),
        ("audience", "Walk audience"),
        ("what_done", what_done),
        ("what_changed", ""),
    ]
}

impl Fixture {
    /// The register exported as CSV, its rows replaced by one new Kent County Council risk.
    async fn import_file(&self, n: u32) -> Vec<u8> {
        let export = self.lead.get("/areas/kent/risks/export.csv").await;
        let text = export.text().await.unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let council = rows
            .iter()
            .find(|row| row.get(6) == Some("Kent County Council"))
            .expect("the council's risk");
        let mut new: Vec<String> = council.iter().map(str::to_owned).collect();
        new[0] = String::new();
        new[1] = format!("Walk import {n}");
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&rows[0]).unwrap();
        writer.write_record(&new).unwrap();
        writer.into_inner().unwrap()
    }
}

/// A workbook whose Funding sheet sets Kent County Council's 2015/16 Disabled Facilities Grant
/// to a figure of its own.
pub(crate) fn workbook_file(n: u32) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Funding").unwrap();
    for (column, heading) in ["Organisation", "Year", "Stream key", "Amount"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, column as u16, *heading).unwrap();
    }
    sheet.write_string(1, 0, "Kent County Council").unwrap();
    sheet.write_string(1, 1, "2015/16").unwrap();
    sheet
        .write_string(1, 2, "disabled-facilities-grant")
        .unwrap();
    sheet.write_number(1, 3, f64::from(7_000 + n)).unwrap();
    book.save_to_buffer().unwrap()
}

/// A complete, valid risk owned by `owner`.
pub(crate) fn risk_fields(owner: i64, title: &str) -> Vec<(String, String)> {
    [
        ("title", title),
        ("cause", "Admissions keep rising"),
        ("event", "The pooled fund overspends"),
        ("effect", "Partners bear the overspend"),
        ("category", "financial"),
        ("owner_person", "Director of finance"),
        ("raised", "1/12/2013"),
        ("likelihood", "3"),
        ("impact", "4"),
        ("residual_likelihood", "2"),
        ("residual_impact", "2"),
        ("review", "1/3/2014"),
        ("status", "open"),
    ]
    .iter()
    .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
    .chain([("owner_organisation".to_owned(), owner.to_string())])
    .collect()
}

/// Adds a risk to Kent's register as `browser`; returns its number.
pub(crate) async fn add_risk(browser: &TestApp, owner: i64, title: &str) -> i32 {
    let fields = risk_fields(owner, title);
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let response = expect_success(browser, "/areas/kent/risks/new", &fields).await;
    let to = location(&response);
    to.strip_prefix("/areas/kent/risks/")
        .and_then(|rest| rest.split('?').next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("adding a risk redirected to {to}"))
}

fn template_section_fields<'a>(key: &'a str, title: &'a str) -> [(&'a str, &'a str); 5] {
    [
        ("key", key),
        ("title", title),
        ("kind", "narrative"),
        ("per_organisation", "no"),
        ("guidance", "Written for the access walk."),
    ]
}

async fn organisation_id(app: &TestApp, name: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.pool)
        .await
        .unwrap_or_else(|error| panic!("organisation {name}: {error}"))
}

/// A local deadline met by hand, due on 1 April 2014.
fn local_deadline_fields(title: &str) -> [(&'static str, &str); 7] {
    [
        ("title", title),
        ("due_day", "1"),
        ("due_month", "4"),
        ("due_year", "2014"),
        ("met_by", "manual"),
        ("plan", ""),
        ("notes", ""),
    ]
}

fn fields(form: &RealForm) -> Vec<(&str, &str)> {
    form.fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// The hidden fields of the form posting to `action` on `page`, as `browser` sees it.
async fn scraped_form(browser: &TestApp, page: &str, action: &str) -> RealForm {
    let html = browser.get_html(page).await;
    let fields = form_fields_in(&html, action)
        .unwrap_or_else(|| panic!("{page} has a form posting to {action}"));
    RealForm {
        path: action.to_owned(),
        fields,
        new_password: None,
        new_totp_secret: None,
        file: None,
    }
}

/// A text edit form (section text or a contribution: the section form sent by the
/// contribution's button) with its current version and `text` in the box.
async fn text_form(browser: &TestApp, page: &str, action: &str, text: &str) -> RealForm {
    let field = if action.contains("/contributions/") {
        "contribution_text"
    } else {
        "text"
    };
    scraped_form(browser, page, action).await.with(field, text)
}

/// The form restoring the newest earlier version of a section's text (or of `organisation`'s
/// contribution to it).
async fn restore_form(browser: &TestApp, page: &str, organisation: Option<i64>) -> RealForm {
    let history = match organisation {
        Some(id) => format!("{page}/history?organisation={id}"),
        None => format!("{page}/history"),
    };
    scraped_form(browser, &history, &format!("{page}/restore")).await
}

/// One kind of user walking the routes, with their own browser.
struct Walker {
    who: Who,
    browser: TestApp,
    user: Option<TestUser>,
}

impl Walker {
    /// The browser for the next request: the visitor's is new each time, so that signing in
    /// with the spare account does not make them someone.
    fn browser(&self) -> TestApp {
        match self.who {
            Who::Visitor => self.browser.another_browser(),
            _ => self.browser.clone(),
        }
    }

    /// After a request that changed who the walker is signed in as (signing out, signing in
    /// again up to the second factor), signs them in again, so the walk goes on as them.
    async fn stay_signed_in(&self, app: &TestApp) {
        let Some(user) = &self.user else {
            return;
        };
        if self.browser.is_signed_in().await {
            return;
        }
        if user.totp_secret.is_some() {
            // An authenticator code signs in only once.
            app.clock.advance(time::Duration::seconds(31));
        }
        self.browser.sign_in(user).await;
    }
}

const EVERYONE: [Who; 8] = [
    Who::Visitor,
    Who::Kent(Role::Officer),
    Who::Kent(Role::AreaLead),
    Who::Kent(Role::Signatory),
    Who::Kent(Role::BoardSecretary),
    Who::Global(Role::Assurer),
    Who::Global(Role::Admin),
    Who::OtherAreaOfficer,
];

#[tokio::test]
async fn every_post_route_with_a_real_form_answers_as_the_policy_says_and_a_refusal_changes_nothing()
 {
    let app = spawn_app().await;
    let fixture = Fixture::set_up(&app).await;
    let templates: Vec<&str> = itf_planner::routes()
        .iter()
        .filter(|route| route.method == Method::POST)
        .map(|route| route.path)
        .collect();
    let mut problems = Vec::new();
    let mut checked = 0;
    for who in EVERYONE {
        let (browser, user) = walker(&app, who).await;
        let mut walker = Walker { who, browser, user };
        for template in &templates {
            for case in cases_for(template) {
                let form = fixture.form_for(case, &walker).await;
                assert!(
                    instance_of(&form.path, template),
                    "{case:?} posts to {} instead of {template}",
                    form.path
                );
                let expected = outcome(case, who);
                let before = fixture.audit_rows().await;
                let response = match &form.file {
                    Some(file) => {
                        walker
                            .browser()
                            .post_file(&form.path, "walk.csv", file.clone())
                            .await
                    }
                    None => walker.browser().post_form(&form.path, &fields(&form)).await,
                };
                let status = response.status().as_u16();
                let to = location(&response);
                let added = fixture.audit_rows().await - before;
                // 204: a draft kept by the page's script.
                let success = status == 303 || status == 200 || status == 204;
                let fine = match expected {
                    Outcome::Changes => success && added > 0,
                    Outcome::Succeeds => success,
                    Outcome::RedirectsUnchanged => status == 303 && added == 0,
                    Outcome::SignInFirst => {
                        status == 303 && to.starts_with("/sign-in") && added == 0
                    }
                    Outcome::Forbidden => status == 403 && added == 0,
                    Outcome::NotFound => status == 404 && added == 0,
                    Outcome::Unauthorized => status == 401 && added == 0,
                };
                if !fine {
                    problems.push(format!(
                        "{who:?} {case:?} POST {} {:?}: expected {expected:?}, got {status} (location {to:?}) with {added} audit records added",
                        form.path, form.fields
                    ));
                }
                if success {
                    if let (Some(user), Some(password)) = (&mut walker.user, form.new_password) {
                        user.password = password;
                    }
                    if let (Some(user), Some(secret)) = (&mut walker.user, form.new_totp_secret) {
                        user.totp_secret = Some(secret);
                    }
                }
                walker.stay_signed_in(&app).await;
                checked += 1;
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {checked} requests answered otherwise than the policy says:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        checked >= 8 * 40,
        "checked {checked} route, case and user combinations"
    );
}
