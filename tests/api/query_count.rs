//! Counts the SQL statements a request runs: a tracing layer that attributes every `sqlx::query`
//! event to the `request` span (and its `request_id`) it happened in. Tests send their own
//! `x-request-id`, which the app keeps, and read the count back. sqlx's own look-ups of our enum
//! types (once per new connection) are not counted.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

static COUNTS: OnceLock<Mutex<HashMap<String, usize>>> = OnceLock::new();

fn counts() -> &'static Mutex<HashMap<String, usize>> {
    COUNTS.get_or_init(|| Mutex::new(HashMap::new()))
}

struct RequestId(String);

struct FindRequestId(Option<String>);

impl Visit for FindRequestId {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "request_id" {
            self.0 = Some(value.to_owned());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "request_id" {
            self.0 = Some(format!("{value:?}").trim_matches('"').to_owned());
        }
    }
}

struct QueryCounter;

impl<S> Layer<S> for QueryCounter
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, context: Context<'_, S>) {
        if attributes.metadata().name() != "request" {
            return;
        }
        let mut finder = FindRequestId(None);
        attributes.record(&mut finder);
        if let (Some(request_id), Some(span)) = (finder.0, context.span(id)) {
            span.extensions_mut().insert(RequestId(request_id));
        }
    }

    fn on_event(&self, event: &Event<'_>, context: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let Some(scope) = context.event_scope(event) else {
            return;
        };
        for span in scope.from_root() {
            if let Some(RequestId(request_id)) = span.extensions().get::<RequestId>() {
                let mut summary = Summary(String::new());
                event.record(&mut summary);
                // sqlx looks up our enum types once per new connection: a cache fill, not
                // work that grows with the data.
                if !summary.0.starts_with("SELECT pg_type.oid") {
                    *counts()
                        .lock()
                        .unwrap()
                        .entry(request_id.clone())
                        .or_default() += 1;
                }
                return;
            }
        }
    }
}

/// Installs the counter as the process's tracing subscriber (once).
pub fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(QueryCounter);
        tracing::subscriber::set_global_default(subscriber).expect("no other subscriber in tests");
    });
}

/// The number of SQL statements run for the request with this id.
pub fn queries_for(request_id: &str) -> usize {
    counts()
        .lock()
        .unwrap()
        .get(request_id)
        .copied()
        .unwrap_or(0)
}

/// The `summary` field sqlx gives each statement (its first words).
struct Summary(String);

impl Visit for Summary {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "summary" {
            self.0 = value.to_owned();
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "summary" {
            self.0 = format!("{value:?}").trim_matches('"').to_owned();
        }
    }
}

/// The statements a GET of `path` by `browser` runs once the server has what it keeps for
/// good (the cycle structures, by id): the page is fetched once first, uncounted. Call
/// [`install`] first.
pub async fn queries(browser: &crate::helpers::TestApp, path: &str) -> usize {
    queries_of_one_get(browser, path).await;
    queries_of_one_get(browser, path).await
}

/// The statements one GET of `path` by `browser` runs, counted through the app's request span.
async fn queries_of_one_get(browser: &crate::helpers::TestApp, path: &str) -> usize {
    let request_id = uuid::Uuid::new_v4().to_string();
    let response = browser
        .client
        .get(browser.url(path))
        .header("x-request-id", &request_id)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    response.text().await.unwrap();
    queries_for(&request_id)
}

/// The statements of a first GET of `path`, and the fewest of up to 20 GETs after it: for a page
/// that keeps what it read. Other tests in this process commit changes too, and each makes the
/// next view read again, so the kept answer is looked for over a few views.
pub async fn read_then_kept(browser: &crate::helpers::TestApp, path: &str) -> (usize, usize) {
    let read = queries_of_one_get(browser, path).await;
    let mut kept = read;
    for _ in 0..20 {
        kept = kept.min(queries_of_one_get(browser, path).await);
        if kept < read {
            break;
        }
    }
    (read, kept)
}
