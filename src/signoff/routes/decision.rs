//! A partner's decision on a round's snapshot: given by a signatory of the organisation, for
//! one of the signatures the route asks of it, on the hash shown on the form, after a fresh
//! two-factor code.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde_json::json;
use sqlx::PgConnection;
use time::OffsetDateTime;

use super::{Done, SignOff, is_stale, not_now, permit, round_number, stale};
use crate::AppState;
use crate::areas::store::{AreaSummary, thaw_content};
use crate::audit::{Change, Event};
use crate::auth::extract::{SignedIn, actor};
use crate::auth::policy::{Action, Role};
use crate::auth::throttle::Scope;
use crate::auth::{UserId, sign_in, store as auth_store, totp};
use crate::plans::parts::document::hash_hex;
use crate::plans::store::PlanSummary;
use crate::signoff::forms::DecisionForm;
use crate::signoff::history::capacity;
use crate::signoff::signers::{RequiredSigner, required_signers};
use crate::signoff::state::{PartnerDecision, RoundState, after_decision};
use crate::signoff::store::decisions::{self, Decision, NewDecision};
use crate::signoff::store::rounds::{self, Round};
use crate::web::banner::see_done;
use crate::web::choice::Choice;
use crate::web::extract::{Form, Path};
use crate::web::form::Typed;
use crate::web::{AppError, FormErrors, Layout, page};

const WRONG_CODE: &str = "The code is not right, or was used already: enter the current 6-digit code from your authenticator app. After several wrong codes, signing is paused for a few minutes.";

#[derive(Template)]
#[template(path = "signoff/decision.html")]
struct DecisionPage {
    layout: Layout,
    area: AreaSummary,
    plan: PlanSummary,
    errors: FormErrors,
    action: String,
    back: String,
    round_number: i32,
    round_name: String,
    hash: String,
    /// The signatures the person's organisation still owes (radios when more than one).
    signatures: Vec<Choice>,
    /// The only signature, when there is one, in words.
    only_signature: String,
    decisions: Vec<Choice>,
    /// Where a signature cannot be delegated, the confirmation's label; "" otherwise.
    confirm_label: String,
    confirmed: bool,
    form: DecisionForm,
    /// Why the person cannot sign (already signed another of the round's signatures), or "".
    notice: String,
}

/// The signatures the route asks of the person's organisation, and those still owed on the
/// round.
fn owed(
    sign_off: &SignOff,
    organisation_id: i64,
    decided: &[Decision],
) -> (Vec<RequiredSigner>, Vec<RequiredSigner>) {
    let ours: Vec<RequiredSigner> = required_signers(&sign_off.route, &sign_off.members)
        .into_iter()
        .filter(|signer| signer.organisation_id.get() == organisation_id)
        .collect();
    let outstanding = ours
        .iter()
        .filter(|signer| {
            !decided.iter().any(|d| {
                d.organisation_id == signer.organisation_id
                    && d.signature_key == signer.signature_key
            })
        })
        .cloned()
        .collect();
    (ours, outstanding)
}

/// What the person has signed on the round already, if anything: one person gives one of a
/// round's signatures (the chief executive and the section 151 officer are different people).
fn already_signed(user_id: UserId, decided: &[Decision], sign_off: &SignOff) -> String {
    decided
        .iter()
        .find(|d| d.signer_id == user_id)
        .map(|d| {
            format!(
                "You have already signed this round as {} of {}. Each of the round's signatures must be given by a different person, so another signatory of your organisation must give the rest.",
                capacity(&sign_off.route, &d.signature_key).to_lowercase(),
                d.organisation_name
            )
        })
        .unwrap_or_default()
}

fn decision_page(
    signed_in: &SignedIn,
    sign_off: SignOff,
    round: &Round,
    outstanding: &[RequiredSigner],
    form: DecisionForm,
    errors: FormErrors,
    notice: String,
) -> DecisionPage {
    let signature_label =
        |signer: &RequiredSigner| format!("{} of {}", signer.capacity, signer.organisation_name);
    let not_delegable: Vec<&RequiredSigner> = outstanding.iter().filter(|s| !s.delegable).collect();
    let confirm_label = match (outstanding, not_delegable.as_slice()) {
        (_, []) => String::new(),
        ([only], _) => format!(
            "I am the {} and have not delegated this",
            only.capacity.to_lowercase()
        ),
        (_, some) => format!(
            "I hold the position I sign as and have not delegated this (required for: {})",
            some.iter()
                .map(|s| s.capacity.to_lowercase())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    DecisionPage {
        layout: Layout::for_session(Some(&signed_in.session)),
        action: sign_off.round_url(round.number, "decision"),
        back: sign_off.url(),
        round_number: round.number,
        round_name: round.name.clone(),
        hash: hash_hex(&round.snapshot_hash),
        signatures: if outstanding.len() > 1 {
            outstanding
                .iter()
                .map(|s| Choice::new(&s.signature_key, signature_label(s), &form.signature))
                .collect()
        } else {
            Vec::new()
        },
        only_signature: match outstanding {
            [only] => signature_label(only),
            _ => String::new(),
        },
        decisions: PartnerDecision::ALL
            .iter()
            .map(|d| Choice::new(d.key(), d.label(), &form.decision))
            .collect(),
        confirm_label,
        confirmed: form.not_delegated == "yes",
        form: DecisionForm {
            code: String::new(),
            ..form
        },
        errors,
        notice,
        area: sign_off.cycle.area,
        plan: sign_off.cycle.plan,
    }
}

/// The plan and round, for a signatory of an organisation that signs it.
async fn load(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    round: &str,
) -> Result<(SignOff, i32), AppError> {
    let sign_off = SignOff::load(state, signed_in, slug, plan_key).await?;
    let organisation = signed_in.user.organisation_id;
    permit(
        signed_in,
        Action::RecordOrganisationDecision,
        &sign_off.cycle.area,
        Some(organisation),
    )?;
    // A signatory of an organisation the route asks nothing of has nothing to sign.
    let signs = required_signers(&sign_off.route, &sign_off.members)
        .iter()
        .any(|signer| signer.organisation_id.get() == organisation);
    if !signs {
        return Err(AppError::Forbidden);
    }
    Ok((sign_off, round_number(round)?))
}

pub(super) async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, round)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let (sign_off, number) = load(&state, &signed_in, &slug, &plan_key, &round).await?;
    let round = rounds::find_round(&state.pool, sign_off.cycle.plan.id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    if round.state != RoundState::PartnerSignOff {
        let message = format!(
            "Partners' decisions are recorded while a round is in partner sign-off. Round {} is {}.",
            round.number,
            round.state.label().to_lowercase()
        );
        return not_now(&signed_in, sign_off, message, false);
    }
    let decided = decisions::round_decisions(&state.pool, round.id).await?;
    let (_, outstanding) = owed(&sign_off, signed_in.user.organisation_id, &decided);
    if outstanding.is_empty() {
        return Ok(see_done(&sign_off.url(), Done::AlreadyRecorded));
    }
    let notice = already_signed(signed_in.user.id, &decided, &sign_off);
    let form = DecisionForm {
        signer_name: signed_in.user.display_name.clone(),
        ..DecisionForm::default()
    };
    page::ok(&decision_page(
        &signed_in,
        sign_off,
        &round,
        &outstanding,
        form,
        FormErrors::new(),
        notice,
    ))
}

/// Whether `code` is the person's current authenticator code, not used before (claimed now,
/// on `db`, so the same code cannot sign twice).
async fn fresh_code(
    db: &mut PgConnection,
    user_id: UserId,
    code: &str,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let totp_state = auth_store::totp_state(&mut *db, user_id).await?;
    let step = totp_state
        .totp_secret
        .filter(|_| totp_state.totp_enabled)
        .and_then(|secret| {
            totp::verify(
                &totp::TotpSecret::from_bytes(secret),
                code,
                now.unix_timestamp(),
                totp_state.totp_last_step,
            )
        });
    match step {
        Some(step) => auth_store::claim_totp_step(db, user_id, step).await,
        None => Ok(false),
    }
}

pub(super) async fn record(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((slug, plan_key, round)): Path<(String, String, String)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let kept = Typed::text("Comments", &form.comments)
        .and("Reason", &form.reason)
        .and("Name", &form.signer_name)
        .and("Position", &form.signer_position);
    record_decision(&state, &signed_in, &slug, &plan_key, &round, form)
        .await
        .map_err(|error| error.keeping(kept))
}

async fn record_decision(
    state: &AppState,
    signed_in: &SignedIn,
    slug: &str,
    plan_key: &str,
    round: &str,
    form: DecisionForm,
) -> Result<Response, AppError> {
    let (sign_off, number) = load(state, signed_in, slug, plan_key, round).await?;
    let user = &signed_in.user;
    let area_id = sign_off.cycle.area.id;
    // A code is counted before it is checked, as at sign-in, and before the round is locked:
    // the count is a transaction of its own, and waiting for the lock must not hold two
    // connections.
    let throttle_key = user.id.to_string();
    let paused = !form.code.trim().is_empty()
        && sign_in::count_attempt(
            &state.pool,
            Scope::SecondFactor,
            &throttle_key,
            state.clock.now(),
        )
        .await?;
    let mut change = Change::begin(&state.pool, state.clock.now()).await?;
    let at = change.at();
    let round = rounds::lock_round(change.db(), sign_off.cycle.plan.id, number)
        .await?
        .ok_or(AppError::NotFound)?;
    if is_stale(&round, &form.snapshot_hash) {
        drop(change);
        return stale(signed_in, sign_off, &round);
    }
    let decided = decisions::round_decisions(change.db(), round.id).await?;
    let (ours, outstanding) = owed(&sign_off, user.organisation_id, &decided);
    let posted = form.signature.trim();
    // The signature is recorded already: a repeated post (a double click, a resubmitted form),
    // or another signatory of the organisation a moment before.
    let repeated = decided.iter().any(|d| {
        d.organisation_id.get() == user.organisation_id
            && (d.signature_key == posted || (posted.is_empty() && ours.len() == 1))
    });
    if repeated {
        return Ok(see_done(&sign_off.url(), Done::AlreadyRecorded));
    }
    if round.state != RoundState::PartnerSignOff {
        drop(change);
        let message = format!(
            "Partners' decisions are recorded while a round is in partner sign-off. Round {} is {}.",
            round.number,
            round.state.label().to_lowercase()
        );
        return not_now(signed_in, sign_off, message, true);
    }
    let parsed = form.parse(&outstanding);
    let notice = already_signed(user.id, &decided, &sign_off);
    let input = match parsed {
        Ok(input) if notice.is_empty() => input,
        parsed => {
            drop(change);
            let mut errors = parsed.err().unwrap_or_default();
            if !notice.is_empty() {
                errors.add("signature", notice.clone());
            }
            let page = decision_page(
                signed_in,
                sign_off,
                &round,
                &outstanding,
                form,
                errors,
                notice,
            );
            return page::unprocessable(&page);
        }
    };
    if paused || !fresh_code(change.db(), user.id, &input.code, at).await? {
        drop(change);
        let mut errors = FormErrors::new();
        errors.add("code", WRONG_CODE);
        let page = decision_page(
            signed_in,
            sign_off,
            &round,
            &outstanding,
            form,
            errors,
            notice,
        );
        return page::unprocessable(&page);
    }
    auth_store::clear_throttle(change.db(), Scope::SecondFactor.key(), &throttle_key).await?;
    let organisation_id = outstanding
        .iter()
        .find(|s| s.signature_key == input.signature_key)
        .map(|s| s.organisation_id)
        .ok_or(AppError::Forbidden)?;
    let inserted = decisions::insert_decision(
        change.db(),
        NewDecision {
            round_id: round.id,
            organisation_id,
            signature_key: &input.signature_key,
            decision: input.decision,
            comments: &input.comments,
            signer_id: user.id,
            signer_name: &input.signer_name,
            signer_position: &input.signer_position,
            snapshot_hash: &round.snapshot_hash,
            decided_at: at,
        },
    )
    .await?;
    let Some(decision_id) = inserted else {
        drop(change);
        return Ok(see_done(&sign_off.url(), Done::AlreadyRecorded));
    };
    let approvals = decided.iter().filter(|d| d.decision.approves()).count()
        + usize::from(input.decision.approves());
    let required = required_signers(&sign_off.route, &sign_off.members).len();
    let next = after_decision(
        &sign_off.route,
        round.state,
        approvals,
        required,
        !input.decision.approves(),
    )
    .map_err(|refusal| AppError::Internal(anyhow::anyhow!(refusal.0)))?;
    if next == RoundState::Declined {
        rounds::end_round(
            change.db(),
            round.id,
            next,
            at,
            user.id,
            Some(&format!(
                "Declined by {}: {}",
                outstanding
                    .iter()
                    .find(|s| s.signature_key == input.signature_key)
                    .map_or("a partner", |s| s.organisation_name.as_str()),
                input.comments
            )),
        )
        .await?;
        thaw_content(change.db(), area_id, sign_off.cycle.plan.id.get()).await?;
    } else if next != round.state {
        rounds::set_state(change.db(), round.id, next).await?;
    }
    let plan_name = format!(
        "{}'s {}",
        sign_off.cycle.area.name, sign_off.cycle.plan.template_name
    );
    match next {
        RoundState::Declined => {
            super::tell::tell_area(
                state,
                &mut change,
                &sign_off,
                user.id,
                &[Role::AreaLead],
                &format!("{plan_name} was declined in sign-off and is back in drafting"),
                None,
            )
            .await?;
        }
        RoundState::BoardApproval if next != round.state => {
            super::tell::tell_area(
                state,
                &mut change,
                &sign_off,
                user.id,
                &[Role::BoardSecretary],
                &format!("{plan_name} is signed by every partner and awaits the board"),
                Some(&format!("{plan_name} is signed by every partner")),
            )
            .await?;
        }
        _ => {}
    }
    change
        .commit(
            &Event::new(
                actor(signed_in),
                "signoff.decision_recorded",
                "signoff_decision",
            )
            .target(decision_id)
            .area(area_id)
            .details(json!({
                "plan": sign_off.cycle.plan.template_key,
                "round": round.number,
                "organisation": organisation_id,
                "signature": input.signature_key,
                "decision": input.decision.key(),
                "signer_name": input.signer_name,
                "signer_position": input.signer_position,
                "snapshot_hash": hash_hex(&round.snapshot_hash),
                "state": next.key(),
            })),
        )
        .await?;
    Ok(see_done(&sign_off.url(), Done::Decided))
}
