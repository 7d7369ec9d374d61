//! Walks every route of the router (from `itf_planner::routes()`, the list the router is built
//! from) as a visitor, as each role, and as a user of another area, and checks the status the
//! policy implies. A new route without an expectation here fails the test.

use axum::http::Method;
use itf_planner::auth::policy::Role;

use crate::helpers::{TestApp, TestUser, location, spawn_app};

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
}

/// Path parameters are replaced with things that exist in the demo data: Kent (the walkers' own
/// area for area roles), Kent County Council (organisation 3, a member of Kent, and the
/// walkers' organisation), user 2 and their grant (2), Kent's demo plan, its per-organisation
/// case for change, the demo comment thread (1), and the 2014-16 template (Kent's plan uses it).
fn concrete_path(template: &str) -> String {
    template
        .replace("{slug}", "kent")
        .replace("{organisation_id}", "3")
        .replace("{grant_id}", "2")
        .replace("{id}", "2")
        .replace("{plan}", "2014-16")
        .replace("{section}", "case-for-change")
        .replace("{thread_id}", "1")
        .replace("{key}", "2014-16")
}

fn expectation(method: &Method, path: &str, who: Who) -> Expect {
    use Expect::*;
    let signed_in = who != Who::Visitor;
    let is_admin = who == Who::Global(Role::Admin);
    let sees_kent = matches!(who, Who::Kent(_) | Who::Global(_));
    let get = method == Method::GET;
    match path {
        "/" | "/healthz" | "/readyz" => Ok,
        "/sign-in" if get => {
            if signed_in {
                Redirect
            } else {
                Ok
            }
        }
        // Empty form: the fields are missing, whoever asks.
        "/sign-in" => Allowed,
        "/sign-in/two-factor" => Redirect,
        "/sign-out" => Redirect,
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
                    "plans" | "reopen" | "assign" => allowed_if(lead),
                    // Kent walkers belong to Kent County Council: its contribution is theirs.
                    _ => allowed_if(editor),
                }
            }
            Who::Global(Role::Admin) if path.ends_with("/plans") => Allowed,
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
