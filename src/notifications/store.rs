//! SQL for notices, each person's mail settings and the mail outbox.

use std::collections::HashMap;

use sqlx::{FromRow, PgConnection, PgExecutor};
use time::{Date, OffsetDateTime};

use super::outbox::{OutgoingMail, Purpose};
use super::{DEFAULT_DIGEST_HOUR, MailChoice, NewNotice, NoticeKind};
use crate::auth::UserId;

/// The most notices a person's list shows at once.
pub const NOTICES_SHOWN: i64 = 50;
/// The most notices one digest lists; more are said as "and N more" by the list.
pub const DIGEST_MOST: i64 = 200;

fn decode<T>(what: &str, raw: &str, parsed: Option<T>) -> Result<T, sqlx::Error> {
    parsed.ok_or_else(|| sqlx::Error::Decode(format!("{what} {raw}").into()))
}

/// Adds the notices in one statement, leaving out any whose person was told the same once-key
/// before (or twice in `notices`); returns each made notice with its id.
pub async fn insert_notices(
    db: impl PgExecutor<'_>,
    notices: &[NewNotice],
    now: OffsetDateTime,
) -> Result<Vec<(i64, NewNotice)>, sqlx::Error> {
    let users: Vec<i64> = notices.iter().map(|notice| notice.user_id.get()).collect();
    let kinds: Vec<&str> = notices.iter().map(|notice| notice.kind.key()).collect();
    let areas: Vec<Option<i64>> = notices.iter().map(|notice| notice.area_id).collect();
    let titles: Vec<&str> = notices.iter().map(|notice| notice.title.as_str()).collect();
    let bodies: Vec<&str> = notices.iter().map(|notice| notice.body.as_str()).collect();
    let links: Vec<&str> = notices.iter().map(|notice| notice.link.as_str()).collect();
    let once_keys: Vec<Option<&str>> = notices
        .iter()
        .map(|notice| notice.once_key.as_deref())
        .collect();
    let rows: Vec<MadeNoticeRow> = sqlx::query_as(
        "INSERT INTO notices (user_id, kind, area_id, title, body, link, once_key, created_at)
         SELECT n.user_id, n.kind, n.area_id, n.title, n.body, n.link, n.once_key, $8
         FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],
                     $7::text[]) AS n (user_id, kind, area_id, title, body, link, once_key)
         ON CONFLICT (user_id, once_key) WHERE once_key IS NOT NULL DO NOTHING
         RETURNING id, user_id, kind, area_id, title, body, link, once_key",
    )
    .bind(&users)
    .bind(&kinds)
    .bind(&areas)
    .bind(&titles)
    .bind(&bodies)
    .bind(&links)
    .bind(&once_keys)
    .bind(now)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|row| {
            let kind = decode("notice kind", &row.kind, NoticeKind::parse(&row.kind))?;
            Ok((
                row.id,
                NewNotice {
                    user_id: row.user_id,
                    kind,
                    area_id: row.area_id,
                    title: row.title,
                    body: row.body,
                    link: row.link,
                    once_key: row.once_key,
                },
            ))
        })
        .collect()
}

#[derive(FromRow)]
struct MadeNoticeRow {
    id: i64,
    user_id: UserId,
    kind: String,
    area_id: Option<i64>,
    title: String,
    body: String,
    link: String,
    once_key: Option<String>,
}

/// Where and how a person gets mail.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub email: String,
    pub mail: MailChoice,
}

/// The addresses and mail choices of `people`; disabled accounts (which get no mail) are left out.
pub async fn recipients(
    db: impl PgExecutor<'_>,
    people: &[UserId],
) -> Result<HashMap<UserId, Recipient>, sqlx::Error> {
    let rows: Vec<(UserId, String, Option<String>)> = sqlx::query_as(
        "SELECT u.id, u.email, s.mail FROM users u
         LEFT JOIN notice_settings s ON s.user_id = u.id
         WHERE u.id = ANY($1) AND u.disabled_at IS NULL",
    )
    .bind(people.iter().map(|id| id.get()).collect::<Vec<i64>>())
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(user_id, email, mail)| {
            let mail = match mail {
                None => MailChoice::Digest,
                Some(raw) => decode("mail choice", &raw, MailChoice::parse(&raw))?,
            };
            Ok((user_id, Recipient { email, mail }))
        })
        .collect()
}

/// Marks notices as gone to mail (at once or in a digest).
pub async fn mark_mailed(
    db: impl PgExecutor<'_>,
    ids: &[i64],
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("UPDATE notices SET mailed_at = $2 WHERE id = ANY($1) AND mailed_at IS NULL")
        .bind(ids)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// A notice in a person's list.
#[derive(Clone, Debug)]
pub struct Notice {
    pub id: i64,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: OffsetDateTime,
    pub read: bool,
}

#[derive(FromRow)]
struct NoticeRow {
    id: i64,
    kind: String,
    title: String,
    body: String,
    link: String,
    created_at: OffsetDateTime,
    read_at: Option<OffsetDateTime>,
}

impl TryFrom<NoticeRow> for Notice {
    type Error = sqlx::Error;

    fn try_from(row: NoticeRow) -> Result<Notice, sqlx::Error> {
        Ok(Notice {
            id: row.id,
            kind: decode("notice kind", &row.kind, NoticeKind::parse(&row.kind))?,
            title: row.title,
            body: row.body,
            link: row.link,
            created_at: row.created_at,
            read: row.read_at.is_some(),
        })
    }
}

/// The person's newest notices, at most `NOTICES_SHOWN`, older than `before` when given.
pub async fn notices_of(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    before: Option<i64>,
) -> Result<Vec<Notice>, sqlx::Error> {
    let rows: Vec<NoticeRow> = sqlx::query_as(
        "SELECT id, kind, title, body, link, created_at, read_at FROM notices
         WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3",
    )
    .bind(user_id)
    .bind(before)
    .bind(NOTICES_SHOWN + 1)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(Notice::try_from).collect()
}

/// A mention not yet read, for the person's home page.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct UnreadMention {
    pub id: i64,
    pub area_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub link: String,
}

/// The most unread mentions the home page lists.
pub const MENTIONS_SHOWN: i64 = 20;

/// The person's unread mentions, newest first, at most `MENTIONS_SHOWN`.
pub async fn unread_mentions(
    db: impl PgExecutor<'_>,
    user_id: UserId,
) -> Result<Vec<UnreadMention>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, area_id, title, body, link FROM notices
         WHERE user_id = $1 AND read_at IS NULL AND kind = 'mention'
         ORDER BY id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(MENTIONS_SHOWN)
    .fetch_all(db)
    .await
}

/// One of the person's notices; `None` if there is no such notice or it is someone else's.
pub async fn notice_of(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    notice_id: i64,
) -> Result<Option<Notice>, sqlx::Error> {
    let row: Option<NoticeRow> = sqlx::query_as(
        "SELECT id, kind, title, body, link, created_at, read_at FROM notices
         WHERE id = $2 AND user_id = $1",
    )
    .bind(user_id)
    .bind(notice_id)
    .fetch_optional(db)
    .await?;
    row.map(Notice::try_from).transpose()
}

/// Marks one of the person's notices read; false if it is not theirs or already read.
pub async fn mark_read(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    notice_id: i64,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE notices SET read_at = $3 WHERE id = $2 AND user_id = $1 AND read_at IS NULL",
    )
    .bind(user_id)
    .bind(notice_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Marks every unread notice of the person up to `up_to` (the newest they saw) read; how many.
pub async fn mark_all_read(
    db: impl PgExecutor<'_>,
    user_id: UserId,
    up_to: i64,
    now: OffsetDateTime,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE notices SET read_at = $3
         WHERE user_id = $1 AND read_at IS NULL AND id <= $2",
    )
    .bind(user_id)
    .bind(up_to)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// A person's mail settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    pub mail: MailChoice,
    pub digest_hour: u8,
    /// 0 when the person has never saved any (the defaults apply).
    pub version: i32,
}

pub async fn settings(db: impl PgExecutor<'_>, user_id: UserId) -> Result<Settings, sqlx::Error> {
    let row: Option<(String, i16, i32)> =
        sqlx::query_as("SELECT mail, digest_hour, version FROM notice_settings WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(db)
            .await?;
    match row {
        None => Ok(Settings {
            mail: MailChoice::Digest,
            digest_hour: DEFAULT_DIGEST_HOUR,
            version: 0,
        }),
        Some((mail, hour, version)) => Ok(Settings {
            mail: decode("mail choice", &mail, MailChoice::parse(&mail))?,
            digest_hour: u8::try_from(hour).unwrap_or(DEFAULT_DIGEST_HOUR),
            version,
        }),
    }
}

/// Saves the person's settings if they are still at `expected_version` (0: never saved);
/// the new version, or `None` when someone (another tab) saved in between.
pub async fn save_settings(
    db: &mut PgConnection,
    user_id: UserId,
    mail: MailChoice,
    digest_hour: u8,
    expected_version: i32,
) -> Result<Option<i32>, sqlx::Error> {
    if expected_version == 0 {
        return sqlx::query_scalar(
            "INSERT INTO notice_settings (user_id, mail, digest_hour) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO NOTHING RETURNING version",
        )
        .bind(user_id)
        .bind(mail.key())
        .bind(i16::from(digest_hour))
        .fetch_optional(db)
        .await;
    }
    sqlx::query_scalar(
        "UPDATE notice_settings SET mail = $2, digest_hour = $3, version = version + 1
         WHERE user_id = $1 AND version = $4 RETURNING version",
    )
    .bind(user_id)
    .bind(mail.key())
    .bind(i16::from(digest_hour))
    .bind(expected_version)
    .fetch_optional(db)
    .await
}

/// Queues a message; its id.
pub async fn enqueue_mail(
    db: impl PgExecutor<'_>,
    mail: &OutgoingMail,
    now: OffsetDateTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO mail_outbox (user_id, to_address, purpose, subject, body, created_at, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
    )
    .bind(mail.user_id)
    .bind(&mail.to_address)
    .bind(mail.purpose.key())
    .bind(&mail.subject)
    .bind(&mail.body)
    .bind(now)
    .fetch_one(db)
    .await
}

/// Queues `mails` in one statement.
pub async fn enqueue_mails(
    db: impl PgExecutor<'_>,
    mails: &[OutgoingMail],
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    if mails.is_empty() {
        return Ok(());
    }
    let users: Vec<Option<i64>> = mails
        .iter()
        .map(|mail| mail.user_id.map(UserId::get))
        .collect();
    let addresses: Vec<&str> = mails.iter().map(|mail| mail.to_address.as_str()).collect();
    let purposes: Vec<&str> = mails.iter().map(|mail| mail.purpose.key()).collect();
    let subjects: Vec<&str> = mails.iter().map(|mail| mail.subject.as_str()).collect();
    let bodies: Vec<&str> = mails.iter().map(|mail| mail.body.as_str()).collect();
    sqlx::query(
        "INSERT INTO mail_outbox (user_id, to_address, purpose, subject, body, created_at, next_attempt_at)
         SELECT m.user_id, m.to_address, m.purpose, m.subject, m.body, $6, $6
         FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[])
              AS m (user_id, to_address, purpose, subject, body)",
    )
    .bind(&users)
    .bind(&addresses)
    .bind(&purposes)
    .bind(&subjects)
    .bind(&bodies)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// A message taken from the outbox to send.
#[derive(Clone, Debug, FromRow)]
pub struct QueuedMail {
    pub id: i64,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub attempts: i32,
}

/// Takes up to `limit` messages due at `now`, locking them for this transaction; messages
/// another server holds are skipped, so each is sent by one server.
pub async fn claim_due_mail(
    db: &mut PgConnection,
    now: OffsetDateTime,
    limit: i64,
) -> Result<Vec<QueuedMail>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, to_address, subject, body, attempts FROM mail_outbox
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $1
         ORDER BY next_attempt_at, id
         LIMIT $2
         FOR UPDATE SKIP LOCKED",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn mark_sent(
    db: &mut PgConnection,
    id: i64,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE mail_outbox SET sent_at = $2, attempts = attempts + 1 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// Records a failed attempt: tried again at `retry_at`, or given up when `retry_at` is `None`.
pub async fn mark_attempt_failed(
    db: &mut PgConnection,
    id: i64,
    error: &str,
    retry_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    let error: String = error.chars().take(1000).collect();
    sqlx::query(
        "UPDATE mail_outbox
         SET attempts = attempts + 1, last_error = $2,
             next_attempt_at = coalesce($3, next_attempt_at),
             failed_at = CASE WHEN $3::timestamptz IS NULL THEN $4 ELSE NULL END
         WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(retry_at)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Someone with notices not yet mailed, and their digest settings.
#[derive(Clone, Debug, FromRow)]
pub struct DigestCandidate {
    pub user_id: UserId,
    pub digest_hour: i16,
    pub last_digest_on: Option<Date>,
}

/// People with notices waiting for a digest (those who chose no mail are left out), at most
/// `limit`, those waiting longest first.
pub async fn digest_candidates(
    db: impl PgExecutor<'_>,
    limit: i64,
) -> Result<Vec<DigestCandidate>, sqlx::Error> {
    sqlx::query_as(
        "SELECT w.user_id, coalesce(s.digest_hour, $2) AS digest_hour, s.last_digest_on
         FROM (SELECT user_id, min(id) AS oldest FROM notices WHERE mailed_at IS NULL
               GROUP BY user_id) w
         JOIN users u ON u.id = w.user_id AND u.disabled_at IS NULL
         LEFT JOIN notice_settings s ON s.user_id = w.user_id
         WHERE coalesce(s.mail, 'digest') <> 'none'
         ORDER BY w.oldest
         LIMIT $1",
    )
    .bind(limit)
    .bind(i16::from(DEFAULT_DIGEST_HOUR))
    .fetch_all(db)
    .await
}

/// Claims the person's digest for the London day `day`: true for exactly one caller however
/// many servers try at once (the row lock orders them; the later sees the day taken).
pub async fn claim_digest(
    db: &mut PgConnection,
    user_id: UserId,
    day: Date,
) -> Result<bool, sqlx::Error> {
    sqlx::query("INSERT INTO notice_settings (user_id) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(user_id)
        .execute(&mut *db)
        .await?;
    let claimed = sqlx::query(
        "UPDATE notice_settings SET last_digest_on = $2
         WHERE user_id = $1 AND mail <> 'none'
           AND (last_digest_on IS NULL OR last_digest_on < $2)",
    )
    .bind(user_id)
    .bind(day)
    .execute(db)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// A notice waiting for a digest.
#[derive(Clone, Debug)]
pub struct Waiting {
    pub id: i64,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub link: String,
}

/// The person's notices not yet mailed, oldest first, at most `DIGEST_MOST`, with their
/// address (`None` when the account is disabled).
pub async fn waiting_for_digest(
    db: &mut PgConnection,
    user_id: UserId,
) -> Result<(Option<String>, Vec<Waiting>), sqlx::Error> {
    let email: Option<String> =
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1 AND disabled_at IS NULL")
            .bind(user_id)
            .fetch_optional(&mut *db)
            .await?;
    let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT id, kind, title, body, link FROM notices
         WHERE user_id = $1 AND mailed_at IS NULL
         ORDER BY id LIMIT $2",
    )
    .bind(user_id)
    .bind(DIGEST_MOST)
    .fetch_all(db)
    .await?;
    let waiting = rows
        .into_iter()
        .map(|(id, kind, title, body, link)| {
            Ok(Waiting {
                id,
                kind: decode("notice kind", &kind, NoticeKind::parse(&kind))?,
                title,
                body,
                link,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((email, waiting))
}

/// A message as administrators see it in the outbox.
#[derive(Clone, Debug)]
pub struct OutboxEntry {
    pub id: i64,
    pub to_address: String,
    pub purpose: Purpose,
    pub subject: String,
    pub body: String,
    pub created_at: OffsetDateTime,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub sent_at: Option<OffsetDateTime>,
    pub failed_at: Option<OffsetDateTime>,
    pub next_attempt_at: OffsetDateTime,
}

#[derive(FromRow)]
struct OutboxRow {
    id: i64,
    to_address: String,
    purpose: String,
    subject: String,
    body: String,
    created_at: OffsetDateTime,
    attempts: i32,
    last_error: Option<String>,
    sent_at: Option<OffsetDateTime>,
    failed_at: Option<OffsetDateTime>,
    next_attempt_at: OffsetDateTime,
}

impl TryFrom<OutboxRow> for OutboxEntry {
    type Error = sqlx::Error;

    fn try_from(row: OutboxRow) -> Result<OutboxEntry, sqlx::Error> {
        Ok(OutboxEntry {
            id: row.id,
            to_address: row.to_address,
            purpose: decode("mail purpose", &row.purpose, Purpose::parse(&row.purpose))?,
            subject: row.subject,
            body: row.body,
            created_at: row.created_at,
            attempts: row.attempts,
            last_error: row.last_error,
            sent_at: row.sent_at,
            failed_at: row.failed_at,
            next_attempt_at: row.next_attempt_at,
        })
    }
}

/// The outbox columns an `OutboxRow` reads.
macro_rules! outbox_select {
    () => {
        "SELECT id, to_address, purpose, subject, body, created_at, attempts, last_error, \
         sent_at, failed_at, next_attempt_at FROM mail_outbox"
    };
}

/// The newest messages in one state (`waiting`, `sent`, `failed`, or every one for `all`),
/// at most `limit`.
pub async fn outbox_entries(
    db: impl PgExecutor<'_>,
    state: &str,
    limit: i64,
) -> Result<Vec<OutboxEntry>, sqlx::Error> {
    let rows: Vec<OutboxRow> = sqlx::query_as(concat!(
        outbox_select!(),
        " WHERE CASE $1
                 WHEN 'waiting' THEN sent_at IS NULL AND failed_at IS NULL
                 WHEN 'sent' THEN sent_at IS NOT NULL
                 WHEN 'failed' THEN failed_at IS NOT NULL
                 ELSE true END
         ORDER BY id DESC LIMIT $2"
    ))
    .bind(state)
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(OutboxEntry::try_from).collect()
}

/// How many messages are waiting, sent and failed.
pub async fn outbox_counts(db: impl PgExecutor<'_>) -> Result<(i64, i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL),
                count(*) FILTER (WHERE sent_at IS NOT NULL),
                count(*) FILTER (WHERE failed_at IS NOT NULL)
         FROM mail_outbox",
    )
    .fetch_one(db)
    .await
}

pub async fn outbox_entry(
    db: impl PgExecutor<'_>,
    id: i64,
) -> Result<Option<OutboxEntry>, sqlx::Error> {
    let row: Option<OutboxRow> = sqlx::query_as(concat!(outbox_select!(), " WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.map(OutboxEntry::try_from).transpose()
}

/// Puts a given-up message back in the queue, to be tried at `now`; false unless it had failed.
pub async fn send_again(
    db: impl PgExecutor<'_>,
    id: i64,
    now: OffsetDateTime,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query(
        "UPDATE mail_outbox SET failed_at = NULL, attempts = 0, next_attempt_at = $2
         WHERE id = $1 AND failed_at IS NOT NULL",
    )
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}
