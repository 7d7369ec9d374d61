//! The banner on an area's pages when one of its deadlines is overdue or due soon. Deadlines sit
//! above areas and plans (they read plans and sign-off), so these cannot call them: the
//! application hands a [`DeadlineNoticeSource`] to the area page and the task list as a request
//! extension (`crate::app`), as it does `PlanStatusSource`. Without one (unit tests), no banner.

use std::future::Future;
use std::pin::Pin;

use time::Date;

use crate::AppState;
use crate::web::AppError;

/// The area's deadlines not met that are overdue or due within 14 days, by title, soonest
/// first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeadlineNotice {
    pub overdue: Vec<String>,
    pub due_soon: Vec<String>,
}

impl DeadlineNotice {
    /// `None` when nothing is overdue or due soon.
    pub fn of(overdue: Vec<String>, due_soon: Vec<String>) -> Option<DeadlineNotice> {
        (!overdue.is_empty() || !due_soon.is_empty())
            .then_some(DeadlineNotice { overdue, due_soon })
    }

    /// "1 deadline overdue: Section 75 draft; 2 due within 14 days: Risk register, Draft plans".
    pub fn words(&self) -> String {
        let noun = |n: usize| if n == 1 { "deadline" } else { "deadlines" };
        let mut parts = Vec::new();
        if !self.overdue.is_empty() {
            let n = self.overdue.len();
            parts.push(format!(
                "{n} {} overdue: {}",
                noun(n),
                self.overdue.join(", ")
            ));
        }
        if !self.due_soon.is_empty() {
            let n = self.due_soon.len();
            let count = if parts.is_empty() {
                format!("{n} {}", noun(n))
            } else {
                n.to_string()
            };
            parts.push(format!(
                "{count} due within 14 days: {}",
                self.due_soon.join(", ")
            ));
        }
        parts.join("; ")
    }
}

/// The future of an area's deadline notice.
pub type DeadlineNoticeFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<DeadlineNotice>, AppError>> + Send + 'a>>;

/// Where area pages get their deadline notice from: (state, area id, today in England).
#[derive(Clone, Copy)]
pub struct DeadlineNoticeSource(pub fn(&AppState, i64, Date) -> DeadlineNoticeFuture<'_>);

/// The area's notice, if there is a source and something to say.
pub async fn deadline_notice(
    source: Option<DeadlineNoticeSource>,
    state: &AppState,
    area_id: i64,
) -> Result<Option<DeadlineNotice>, AppError> {
    match source {
        Some(source) => {
            let today = crate::web::format::in_london(state.clock.now()).date();
            (source.0)(state, area_id, today).await
        }
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(titles: &[&str]) -> Vec<String> {
        titles.iter().map(|t| (*t).to_owned()).collect()
    }

    #[test]
    fn the_words_count_and_name_each_kind() {
        let both = DeadlineNotice::of(titles(&["A"]), titles(&["B", "C"])).expect("a notice");
        assert_eq!(
            both.words(),
            "1 deadline overdue: A; 2 due within 14 days: B, C"
        );
        let soon = DeadlineNotice::of(Vec::new(), titles(&["B"])).expect("a notice");
        assert_eq!(soon.words(), "1 deadline due within 14 days: B");
        let late = DeadlineNotice::of(titles(&["A", "D"]), Vec::new()).expect("a notice");
        assert_eq!(late.words(), "2 deadlines overdue: A, D");
        assert_eq!(DeadlineNotice::of(Vec::new(), Vec::new()), None);
    }
}
