//! The API's tokens (`/account/api-tokens`, assurers and administrators): the live tokens of
//! the programme team, a form to make one (its secret shown once), and revoking one. Each
//! making and revoking is audited.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::auth::policy::{self, Action, Decision, Target};
use crate::keyed::keyed_enum;
use crate::national::store::{self, LiveToken};
use crate::national::tokens;
use crate::web::banner::{DoneQuery, see_done};
use crate::web::extract::{Form, Path, Query};
use crate::web::format::date_time;
use crate::web::page::{ok, unprocessable};
use crate::web::routes::{Route, get, post};
use crate::web::{AppError, FormErrors, Layout};

pub fn routes() -> Vec<Route> {
    vec![
        get("/account/api-tokens", show),
        post("/account/api-tokens", create),
        post("/account/api-tokens/{id}/revoke", revoke),
    ]
}

const PAGE: &str = "/account/api-tokens";

keyed_enum! {
    /// What the page's banner confirms after a change.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Done {
        Revoked = ("revoked", "The token was revoked: programs using it can no longer read the API"),
    }
}

/// Only assurers and administrators manage tokens: others get 403.
fn authorise(signed_in: &SignedIn) -> Result<(), AppError> {
    match policy::decide(
        &signed_in.user.principal(),
        Action::ManageApiTokens,
        Target::everywhere(),
    ) {
        Decision::Allow => Ok(()),
        Decision::Forbidden | Decision::NotFound => Err(AppError::Forbidden),
    }
}

struct TokenRow {
    id: i64,
    name: String,
    made: String,
    by: String,
}

impl From<LiveToken> for TokenRow {
    fn from(token: LiveToken) -> TokenRow {
        TokenRow {
            id: token.id,
            name: token.name,
            made: date_time(token.created_at),
            by: token.created_by,
        }
    }
}

#[derive(Template)]
#[template(path = "national/api_tokens.html")]
struct TokensPage {
    layout: Layout,
    errors: FormErrors,
    name: String,
    tokens: Vec<TokenRow>,
    /// The token just made, and its name: shown this once.
    new_token: Option<(String, String)>,
    /// Confirms the change just made, if any.
    banner: &'static str,
}

async fn page(
    state: &AppState,
    signed_in: &SignedIn,
    errors: FormErrors,
    name: String,
    new_token: Option<(String, String)>,
) -> Result<TokensPage, AppError> {
    let tokens = store::live_tokens(&state.pool).await?;
    Ok(TokensPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        errors,
        name,
        tokens: tokens.into_iter().map(TokenRow::from).collect(),
        new_token,
        banner: "",
    })
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(done): Query<DoneQuery>,
) -> Result<Response, AppError> {
    authorise(&signed_in)?;
    let mut shown = page(&state, &signed_in, FormErrors::new(), String::new(), None).await?;
    shown.banner = done.banner::<Done>();
    ok(&shown)
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
}

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    authorise(&signed_in)?;
    let name = match tokens::name(&form.name) {
        Ok(name) => name,
        Err(message) => {
            let mut errors = FormErrors::new();
            errors.add("name", message);
            return unprocessable(&page(&state, &signed_in, errors, form.name, None).await?);
        }
    };
    let (token, hash) = tokens::new_token()
        .map_err(|error| AppError::Internal(anyhow::anyhow!("no random bytes: {error}")))?;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let at = change.at();
    let id = store::insert_token(change.db(), &name, &hash, signed_in.user.id, at).await?;
    change
        .commit(
            &Event::new(actor(&signed_in), "api_token.created", "api_token")
                .target(id)
                .details(json!({ "name": name })),
        )
        .await?;
    ok(&page(
        &state,
        &signed_in,
        FormErrors::new(),
        String::new(),
        Some((name, token)),
    )
    .await?)
}

async fn revoke(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    authorise(&signed_in)?;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let at = change.at();
    let Some(name) = store::revoke_token(change.db(), id, signed_in.user.id, at).await? else {
        return Err(AppError::NotFound);
    };
    change
        .commit(
            &Event::new(actor(&signed_in), "api_token.revoked", "api_token")
                .target(id)
                .details(json!({ "name": name })),
        )
        .await?;
    Ok(see_done(PAGE, Done::Revoked))
}
