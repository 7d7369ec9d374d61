//! Notifications (issue 12): what the product tells a person, in the product (a list with an
//! unread count) and by email through a PostgreSQL outbox.
//!
//! A feature that has news for people calls [`notify_all`] inside its own change, so the notice
//! commits or rolls back with what it is about. The notice then reaches mail one of two ways:
//! at once, when the person chose immediate mail and the kind allows it (assignments, mentions,
//! overdue items), or in their daily digest at the hour they chose (`worker`). `worker` sends
//! the outbox over SMTP (`mail`) from every `serve` process at once, each message once.
//!
//! This module knows no feature: features know it.

pub mod digest;
pub mod mail;
pub mod mentions;
pub mod outbox;
pub mod routes;
pub mod store;
pub mod worker;

use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::auth::UserId;
use crate::keyed::keyed_enum;

keyed_enum! {
    /// What a notice is about, which decides whether it may be mailed at once.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum NoticeKind {
        /// Something is now yours to do: a decision awaiting you, say.
        Assignment = ("assignment", "For you to do"),
        /// Someone wrote your `@name` in a comment.
        Mention = ("mention", "Mention"),
        /// A deadline in your area has passed unmet.
        Overdue = ("overdue", "Overdue"),
        /// Worth knowing, never urgent: only ever in the digest.
        News = ("news", "News"),
    }
}

impl NoticeKind {
    /// Whether a person who chose immediate mail gets this kind at once (the rest wait for the
    /// digest, so that nobody drowns in mail).
    pub fn may_be_immediate(self) -> bool {
        !matches!(self, NoticeKind::News)
    }
}

keyed_enum! {
    /// How a person wants their notices by email.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum MailChoice {
        Digest = ("digest", "A daily digest at a time I choose"),
        Immediate = ("immediate", "At once for things for me to do, mentions and overdue items; the rest in a daily digest"),
        None = ("none", "No email: I will look in the product"),
    }
}

/// Mail on, in a digest at 08:00 London time: what someone who chose nothing gets.
pub const DEFAULT_DIGEST_HOUR: u8 = 8;

/// One thing to tell one person.
#[derive(Clone, Debug)]
pub struct NewNotice {
    pub user_id: UserId,
    pub kind: NoticeKind,
    pub area_id: Option<i64>,
    pub title: String,
    pub body: String,
    /// A path in the product: where the person should go.
    pub link: String,
    /// When set, a second notice with the same key for the same person is not made.
    pub once_key: Option<String>,
}

/// Tells each notice's person about something, on the connection of the change it is about:
/// the notices join their lists and, for those who chose immediate mail where the kind allows,
/// messages join the outbox at once. A notice whose `once_key` its person was told before is
/// not made again. Returns how many notices were made. Four statements however many notices.
pub async fn notify_all(
    db: &mut PgConnection,
    notices: &[NewNotice],
    now: OffsetDateTime,
    base_url: &str,
) -> Result<usize, sqlx::Error> {
    if notices.is_empty() {
        return Ok(0);
    }
    let made = store::insert_notices(&mut *db, notices, now).await?;
    let people: Vec<UserId> = made.iter().map(|(_, notice)| notice.user_id).collect();
    let recipients = store::recipients(&mut *db, &people).await?;
    let mut mailed = Vec::new();
    let mut mails = Vec::new();
    for (id, notice) in &made {
        // A disabled account gets no mail; its notices stay unmailed, as if waiting for a digest
        // that the worker never makes for it.
        let Some(recipient) = recipients.get(&notice.user_id) else {
            continue;
        };
        match recipient.mail {
            // Never mailed: not left waiting for a digest that will not come.
            MailChoice::None => mailed.push(*id),
            MailChoice::Immediate if notice.kind.may_be_immediate() => {
                let message = digest::single(notice, base_url);
                mails.push(outbox::OutgoingMail {
                    user_id: Some(notice.user_id),
                    to_address: recipient.email.clone(),
                    purpose: outbox::Purpose::Notice,
                    subject: message.subject,
                    body: message.body,
                });
                mailed.push(*id);
            }
            MailChoice::Immediate | MailChoice::Digest => {}
        }
    }
    store::enqueue_mails(&mut *db, &mails, now).await?;
    store::mark_mailed(&mut *db, &mailed, now).await?;
    Ok(made.len())
}

/// Queues a message in the outbox, on the connection of the change that sends it (so a rolled
/// back change sends nothing). The worker sends it once SMTP is configured; until then it waits,
/// readable by administrators at `/admin/outbox` (except secret links).
pub async fn send_mail(
    db: &mut PgConnection,
    mail: &outbox::OutgoingMail,
    now: OffsetDateTime,
) -> Result<i64, sqlx::Error> {
    store::enqueue_mail(db, mail, now).await
}
