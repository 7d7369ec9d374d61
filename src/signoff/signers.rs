//! Who must sign a round: the route's required signatures, expanded over the area's signing
//! partners ("the chief executive of each ICB" becomes one line per ICB).

use crate::areas::OrganisationId;
use crate::areas::store::Member;
use crate::plans::templates::route::SignOffRoute;

/// One signature a round needs: an organisation, and the position in it that signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequiredSigner {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub signature_key: String,
    pub capacity: String,
    pub delegable: bool,
}

/// Every signature the route requires of the area's signing partners, in the route's order and
/// then the members' order (partners first, by kind and name).
pub fn required_signers(route: &SignOffRoute, members: &[Member]) -> Vec<RequiredSigner> {
    route
        .signatures
        .iter()
        .flat_map(|signature| {
            members
                .iter()
                .filter(|member| member.signs_plan && signature.organisations.includes(member.kind))
                .map(move |member| RequiredSigner {
                    organisation_id: member.organisation_id,
                    organisation_name: member.name.clone(),
                    signature_key: signature.key.clone(),
                    capacity: signature.capacity.clone(),
                    delegable: signature.delegable,
                })
        })
        .collect()
}

/// The organisations that submit: every partner the route asks to sign, where each submits at
/// its own time; none (the area submits once) otherwise.
pub fn submitting_partners(
    route: &SignOffRoute,
    members: &[Member],
) -> Vec<(OrganisationId, String)> {
    if !route.submission_per_partner {
        return Vec::new();
    }
    let mut partners: Vec<(OrganisationId, String)> = Vec::new();
    for signer in required_signers(route, members) {
        if !partners.iter().any(|(id, _)| *id == signer.organisation_id) {
            partners.push((signer.organisation_id, signer.organisation_name));
        }
    }
    partners
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::areas::OrganisationKind;
    use crate::plans::templates::route::{RequiredSignature, SignerOrganisations};

    fn member(id: i64, name: &str, kind: OrganisationKind, signs: bool) -> Member {
        Member {
            organisation_id: OrganisationId::new(id),
            name: name.to_owned(),
            kind,
            ods_code: None,
            signs_plan: signs,
        }
    }

    fn signature(key: &str, organisations: SignerOrganisations) -> RequiredSignature {
        RequiredSignature {
            key: key.to_owned(),
            capacity: "Chief executive".to_owned(),
            organisations,
            delegable: false,
        }
    }

    #[test]
    fn each_required_signature_falls_to_each_matching_signing_partner() {
        let members = [
            member(1, "Council", OrganisationKind::Council, true),
            member(2, "ICB North", OrganisationKind::Icb, true),
            member(3, "ICB South", OrganisationKind::Icb, true),
            member(4, "A provider", OrganisationKind::Other, false),
            member(5, "An old CCG", OrganisationKind::Ccg, true),
        ];
        let route = SignOffRoute {
            signatures: vec![
                signature("icb-ceo", SignerOrganisations::EachIcb),
                signature("council-ceo", SignerOrganisations::EachCouncil),
                signature("council-s151", SignerOrganisations::EachCouncil),
            ],
            submission_per_partner: true,
            ..SignOffRoute::default()
        };
        let required = required_signers(&route, &members);
        let signers: Vec<(i64, &str)> = required
            .iter()
            .map(|s| (s.organisation_id.get(), s.signature_key.as_str()))
            .collect();
        assert_eq!(
            signers,
            [
                (2, "icb-ceo"),
                (3, "icb-ceo"),
                (1, "council-ceo"),
                (1, "council-s151")
            ]
        );
        assert_eq!(submitting_partners(&route, &members).len(), 3);
        let once = SignOffRoute::default();
        assert!(submitting_partners(&once, &members).is_empty());
        // Every signing partner signs the 2014 default; the provider does not.
        assert_eq!(required_signers(&once, &members).len(), 4);
        // A CCG still a member signs where the route asks each commissioner.
        let commissioners = SignOffRoute {
            signatures: vec![signature("ceo", SignerOrganisations::EachCommissioner)],
            ..SignOffRoute::default()
        };
        assert_eq!(required_signers(&commissioners, &members).len(), 3);
    }
}
