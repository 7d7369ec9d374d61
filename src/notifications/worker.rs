//! The mail worker inside every `serve` process: it makes the daily digests that are due and
//! sends what waits in the outbox. Any number of servers run it at once on one database: a
//! digest is claimed by a conditional update of the person's settings row, and a message by
//! `FOR UPDATE SKIP LOCKED`, marked sent in the same transaction; so each digest is made once
//! and each message sent once. (A server dying between the relay's "accepted" and the commit
//! would send that one message again: SMTP offers nothing better.)

use serde_json::json;

use super::digest::{DigestItem, digest, digest_due};
use super::mail::Mailer;
use super::outbox::{MAX_ATTEMPTS, OutgoingMail, Purpose, retry_after};
use super::store;
use crate::AppState;
use crate::audit::{Actor, Change, Event};

/// Messages taken per transaction.
const BATCH: i64 = 10;
/// People whose digests are looked at per wake-up; the rest wait for the next.
const DIGESTS_PER_ROUND: i64 = 200;

/// Runs until the task is aborted.
pub async fn run(state: AppState, mailer: Mailer) {
    let mut every = tokio::time::interval(state.config.mail_poll);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(error) = make_due_digests(&state).await {
            tracing::warn!(%error, "could not make the daily digests");
        }
        if mailer.is_configured()
            && let Err(error) = send_due_mail(&state, &mailer).await
        {
            tracing::warn!(%error, "could not send mail from the outbox");
        }
    }
}

/// Makes every digest due now: one message per person of everything not yet mailed.
pub async fn make_due_digests(state: &AppState) -> Result<usize, sqlx::Error> {
    let now = state.clock.now();
    let base_url = state.config.base_url();
    let mut made = 0;
    for candidate in store::digest_candidates(&state.pool, DIGESTS_PER_ROUND).await? {
        let hour = u8::try_from(candidate.digest_hour).unwrap_or(super::DEFAULT_DIGEST_HOUR);
        let Some(day) = digest_due(now, hour, candidate.last_digest_on) else {
            continue;
        };
        let mut tx = state.pool.begin().await?;
        if !store::claim_digest(&mut tx, candidate.user_id, day).await? {
            continue;
        }
        let (email, waiting) = store::waiting_for_digest(&mut tx, candidate.user_id).await?;
        let Some(email) = email.filter(|_| !waiting.is_empty()) else {
            tx.commit().await?;
            continue;
        };
        let items: Vec<DigestItem> = waiting
            .iter()
            .map(|notice| DigestItem {
                kind: notice.kind,
                title: notice.title.clone(),
                body: notice.body.clone(),
                link: notice.link.clone(),
            })
            .collect();
        let message = digest(&items, day, &base_url);
        store::enqueue_mail(
            &mut *tx,
            &OutgoingMail {
                user_id: Some(candidate.user_id),
                to_address: email,
                purpose: Purpose::Digest,
                subject: message.subject,
                body: message.body,
            },
            now,
        )
        .await?;
        let ids: Vec<i64> = waiting.iter().map(|notice| notice.id).collect();
        store::mark_mailed(&mut *tx, &ids, now).await?;
        tx.commit().await?;
        made += 1;
    }
    Ok(made)
}

/// Sends what is due in the outbox, a batch per transaction, until nothing due is left that
/// another server is not already sending. How many were sent.
pub async fn send_due_mail(state: &AppState, mailer: &Mailer) -> Result<usize, sqlx::Error> {
    let mut sent = 0;
    loop {
        let now = state.clock.now();
        let mut tx = state.pool.begin().await?;
        let batch = store::claim_due_mail(&mut tx, now, BATCH).await?;
        if batch.is_empty() {
            return Ok(sent);
        }
        let mut given_up = Vec::new();
        for mail in &batch {
            match mailer
                .send(&mail.to_address, &mail.subject, &mail.body)
                .await
            {
                Ok(()) => {
                    store::mark_sent(&mut tx, mail.id, now).await?;
                    sent += 1;
                }
                Err(error) => {
                    let attempts = mail.attempts + 1;
                    let retry_at = (attempts < MAX_ATTEMPTS).then(|| now + retry_after(attempts));
                    tracing::warn!(mail = mail.id, attempts, %error, "mail not sent");
                    store::mark_attempt_failed(&mut tx, mail.id, &error, retry_at, now).await?;
                    if retry_at.is_none() {
                        given_up.push(json!({ "mail": mail.id, "error": error }));
                    }
                }
            }
        }
        tx.commit().await?;
        // Giving up is what an administrator must hear of; each send is in the outbox itself.
        for detail in given_up {
            Change::begin(&state.pool, now)
                .await?
                .commit(&Event::new(Actor::System, "mail.given_up", "mail").details(detail))
                .await?;
        }
        if batch.len() < BATCH as usize {
            return Ok(sent);
        }
    }
}
