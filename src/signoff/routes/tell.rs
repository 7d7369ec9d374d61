//! Telling the area's people about sign-off, inside the change that made the news: whoever
//! must act next gets an assignment (which may be mailed at once); the rest of the area, news
//! (digest only).

use crate::AppState;
use crate::audit::Change;
use crate::auth::UserId;
use crate::auth::policy::Role;
use crate::auth::store::people_in_areas;
use crate::notifications::{NewNotice, NoticeKind, notify_all};
use crate::web::AppError;

use super::SignOff;

/// Tells everyone holding `act` roles in the plan's area `to_do` (an assignment), and everyone
/// else holding a role there `news` (when given); never `actor`, who did it.
pub(super) async fn tell_area(
    state: &AppState,
    change: &mut Change,
    sign_off: &SignOff,
    actor: UserId,
    act: &[Role],
    to_do: &str,
    news: Option<&str>,
) -> Result<(), AppError> {
    let area = &sign_off.cycle.area;
    let people = people_in_areas(change.db(), &[area.id.get()], &Role::ALL).await?;
    let link = sign_off.url();
    let now = state.clock.now();
    let base_url = state.config.base_url();
    let mut told: Vec<UserId> = vec![actor];
    let mut notices = Vec::new();
    // Those who act first: someone who is both signatory and officer gets the assignment.
    let mut ordered: Vec<_> = people.iter().filter(|p| act.contains(&p.role)).collect();
    ordered.extend(people.iter().filter(|p| !act.contains(&p.role)));
    for person in ordered {
        if told.contains(&person.user_id) {
            continue;
        }
        let (kind, title) = if act.contains(&person.role) {
            (NoticeKind::Assignment, to_do)
        } else if let Some(news) = news {
            (NoticeKind::News, news)
        } else {
            continue;
        };
        notices.push(NewNotice {
            user_id: person.user_id,
            kind,
            area_id: Some(area.id.get()),
            title: title.to_owned(),
            body: String::new(),
            link: link.clone(),
            once_key: None,
        });
        told.push(person.user_id);
    }
    notify_all(change.db(), &notices, now, &base_url).await?;
    Ok(())
}
