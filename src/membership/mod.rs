//! An area's membership: who holds which role in it, invitations by email, and removing roles.
//! Area leads manage their own area (`Action::ManageMembership`); administrators any, and only
//! they make area leads (`Action::AppointAreaLead`).
//!
//! An invitation names an email address, a name, one of the area's member organisations and a
//! role. Its link (`/invitations/{token}`, only the token's SHA-256 stored) works once, for
//! seven days: the invitee chooses a password and gets an account with the role, or, if an
//! account with that address exists already, the role is added to it.
//!
//! This feature sits above `auth` (accounts and grants), `areas` and `notifications`.

pub mod routes;
pub mod store;

use time::Duration;

use crate::auth::UserId;
use crate::auth::policy::Role;
use crate::auth::store::AreaGrant;

/// How long an invitation's link works.
pub const INVITATION_LIFETIME: Duration = Duration::days(7);

/// The roles an invitation may give: area lead only for those who may appoint leads.
pub fn invitable_roles(may_appoint_leads: bool) -> Vec<Role> {
    let mut roles = vec![Role::Officer, Role::Signatory, Role::BoardSecretary];
    if may_appoint_leads {
        roles.insert(1, Role::AreaLead);
    }
    roles
}

/// Why `remover` may not remove `grant` from the area, if they may not: nobody removes their
/// own area-lead role here (an administrator asks another to), so an area is never left by
/// mistake without the lead who was managing it.
pub fn removal_problem(grant: &AreaGrant, remover: UserId) -> Option<&'static str> {
    (grant.role == Role::AreaLead && grant.user_id == remover).then_some(
        "You cannot remove your own area lead role. Ask an administrator if it must be removed.",
    )
}

/// A person holding roles in the area, with each role's grant.
#[derive(Clone, Debug)]
pub struct Person {
    pub user_id: UserId,
    pub display_name: String,
    pub email: String,
    pub organisation_name: String,
    pub disabled: bool,
    pub roles: Vec<AreaGrant>,
}

/// The area's grants (ordered by holder) gathered into one entry per person.
pub fn people(grants: Vec<AreaGrant>) -> Vec<Person> {
    let mut people: Vec<Person> = Vec::new();
    for grant in grants {
        match people.last_mut() {
            Some(person) if person.user_id == grant.user_id => person.roles.push(grant),
            _ => people.push(Person {
                user_id: grant.user_id,
                display_name: grant.display_name.clone(),
                email: grant.email.clone(),
                organisation_name: grant.organisation_name.clone(),
                disabled: grant.disabled,
                roles: vec![grant],
            }),
        }
    }
    people
}

/// What an invitation says, for its message.
pub struct InvitationText<'a> {
    pub base_url: &'a str,
    pub token: &'a str,
    pub invitee: &'a str,
    pub inviter: &'a str,
    pub area: &'a str,
    pub organisation: &'a str,
    pub role: Role,
}

/// The message carrying an invitation's link: subject and plain-text body.
pub fn invitation_message(text: &InvitationText<'_>) -> (String, String) {
    let link = format!("{}/invitations/{}", text.base_url, text.token);
    let subject = format!("You are invited to plan {} in the ITF planner", text.area);
    let body = format!(
        "Dear {invitee},\n\n\
         {inviter} has invited you to take part in {area}'s Integration Transformation Fund \
         plan in the ITF planner, as {role} for {organisation}.\n\n\
         To accept, open this link within 7 days:\n\n{link}\n\n\
         If you have no account yet, you will choose a password. The link works once. If you \
         were not expecting this, you can ignore this message.\n",
        invitee = text.invitee,
        inviter = text.inviter,
        area = text.area,
        role = text.role.label().to_lowercase(),
        organisation = text.organisation,
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::GrantId;

    fn grant(id: i64, user: i64, role: Role) -> AreaGrant {
        AreaGrant {
            grant_id: GrantId::new(id),
            role,
            user_id: UserId::new(user),
            display_name: format!("Person {user}"),
            email: format!("p{user}@kent.example"),
            organisation_name: "Kent County Council".to_owned(),
            disabled: false,
        }
    }

    #[test]
    fn only_administrators_may_invite_area_leads() {
        assert!(!invitable_roles(false).contains(&Role::AreaLead));
        assert_eq!(
            invitable_roles(true),
            [
                Role::Officer,
                Role::AreaLead,
                Role::Signatory,
                Role::BoardSecretary
            ]
        );
        assert!(invitable_roles(true).iter().all(|role| !role.is_global()));
    }

    #[test]
    fn nobody_removes_their_own_area_lead_role() {
        let me = UserId::new(7);
        assert!(removal_problem(&grant(1, 7, Role::AreaLead), me).is_some());
        assert_eq!(removal_problem(&grant(2, 7, Role::Signatory), me), None);
        assert_eq!(removal_problem(&grant(3, 8, Role::AreaLead), me), None);
    }

    #[test]
    fn grants_are_gathered_by_person() {
        let gathered = people(vec![
            grant(1, 1, Role::Officer),
            grant(2, 1, Role::Signatory),
            grant(3, 2, Role::AreaLead),
        ]);
        assert_eq!(gathered.len(), 2);
        assert_eq!(gathered[0].roles.len(), 2);
        assert_eq!(gathered[1].roles[0].role, Role::AreaLead);
        assert!(people(Vec::new()).is_empty());
    }

    #[test]
    fn the_message_names_the_area_role_and_link() {
        let (subject, body) = invitation_message(&InvitationText {
            base_url: "https://itf.example.org",
            token: "tok",
            invitee: "Jo",
            inviter: "Sam",
            area: "Kent",
            organisation: "Kent County Council",
            role: Role::BoardSecretary,
        });
        assert_eq!(subject, "You are invited to plan Kent in the ITF planner");
        assert!(body.contains("as board secretary for Kent County Council"));
        assert!(body.contains("\nhttps://itf.example.org/invitations/tok\n"));
    }
}
