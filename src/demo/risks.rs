//! Demo risk registers for Kent and Rotherham: risks in every band, one with its score revised
//! months after it was raised, and the BCF's risk shared between the council and the CCGs.
//! Added only to an area whose register is empty, so loading twice changes nothing.

use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use crate::areas::store as areas;
use crate::auth::store as auth;
use crate::risks::content::RiskForm;
use crate::risks::store;

/// One demo risk: its owner organisation's name, the form fields, and (for a risk revised
/// later) the fields changed in its second version.
struct DemoRisk {
    owner: &'static str,
    fields: &'static [(&'static str, &'static str)],
    revised: &'static [(&'static str, &'static str)],
}

const COMMON: &[(&str, &str)] = &[
    ("raised", "2/12/2013"),
    ("review", "3/3/2014"),
    ("status", "open"),
    (
        "controls",
        "Monthly monitoring at the joint commissioning board",
    ),
];

const KENT: &[DemoRisk] = &[
    DemoRisk {
        // R-01 belongs to Kent County Council: the access walk relies on it.
        owner: "Kent County Council",
        fields: &[
            ("title", "Emergency admissions do not fall as planned"),
            ("cause", "Admissions keep rising with an ageing population"),
            (
                "event",
                "The pooled fund pays for both acute care and new community services",
            ),
            (
                "effect",
                "Partners must find the difference from their own budgets",
            ),
            ("category", "financial"),
            ("owner_person", "Director of finance"),
            ("likelihood", "4"),
            ("impact", "4"),
            (
                "action_1_description",
                "Agree a contingency fund held by the CCGs",
            ),
            ("action_1_owner", "Finance leads"),
            ("action_1_due", "31/1/2014"),
            ("residual_likelihood", "3"),
            ("residual_impact", "3"),
            ("exposure", "£4,500,000"),
        ],
        revised: &[("likelihood", "5")],
    },
    DemoRisk {
        owner: "NHS Ashford CCG",
        fields: &[
            ("title", "Community nursing cannot recruit enough staff"),
            ("cause", "A national shortage of district nurses"),
            ("event", "New services open late or short-staffed"),
            ("effect", "Fewer people are cared for at home"),
            ("category", "operational"),
            ("owner_person", "Head of community services"),
            ("likelihood", "3"),
            ("impact", "3"),
            ("residual_likelihood", "2"),
            ("residual_impact", "3"),
        ],
        revised: &[],
    },
    DemoRisk {
        owner: "NHS Thanet CCG",
        fields: &[
            ("title", "Data sharing agreements are not signed in time"),
            (
                "cause",
                "Information governance reviews take longer than planned",
            ),
            ("event", "Care records cannot be shared between partners"),
            ("effect", "Joint assessments are delayed"),
            ("category", "partnership"),
            ("owner_person", "Information governance lead"),
            ("likelihood", "2"),
            ("impact", "2"),
            ("residual_likelihood", "1"),
            ("residual_impact", "2"),
        ],
        revised: &[],
    },
];

const ROTHERHAM: &[DemoRisk] = &[
    DemoRisk {
        owner: "Rotherham Metropolitan Borough Council",
        fields: &[
            ("title", "Social care demand outgrows the protected budget"),
            ("cause", "More people eligible for care"),
            ("event", "The protected social care budget is spent early"),
            ("effect", "Services are cut or partners top up the fund"),
            ("category", "financial"),
            ("owner_person", "Strategic director, adult services"),
            ("likelihood", "5"),
            ("impact", "4"),
            ("residual_likelihood", "3"),
            ("residual_impact", "4"),
            ("exposure", "£2,000,000"),
        ],
        revised: &[],
    },
    DemoRisk {
        owner: "NHS Rotherham CCG",
        fields: &[
            ("title", "Seven-day services are not in place by April"),
            ("cause", "Rotas and contracts take time to change"),
            ("event", "Weekend discharges stay low"),
            ("effect", "Beds stay occupied over weekends"),
            ("category", "clinical"),
            ("owner_person", "Chief nurse"),
            ("likelihood", "1"),
            ("impact", "3"),
            ("residual_likelihood", "1"),
            ("residual_impact", "2"),
        ],
        revised: &[],
    },
];

/// Adds the demo registers, unless an area already has risks.
pub async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    seed_area(
        pool,
        "kent",
        "kent.lead@itf.example",
        KENT,
        // The BCF's main risk, shared between the council and the seven CCGs.
        &[
            ("Kent County Council", "44"),
            ("NHS Ashford CCG", "8"),
            ("NHS Canterbury and Coastal CCG", "8"),
            ("NHS Dartford, Gravesham and Swanley CCG", "8"),
            ("NHS South Kent Coast CCG", "8"),
            ("NHS Swale CCG", "8"),
            ("NHS Thanet CCG", "8"),
            ("NHS West Kent CCG", "8"),
        ],
    )
    .await?;
    seed_area(
        pool,
        "rotherham",
        "rotherham.lead@itf.example",
        ROTHERHAM,
        // The first Rotherham risk is shared between the council and the CCG.
        &[
            ("Rotherham Metropolitan Borough Council", "60"),
            ("NHS Rotherham CCG", "40"),
        ],
    )
    .await
}

async fn seed_area(
    pool: &PgPool,
    slug: &str,
    lead_email: &str,
    risks: &[DemoRisk],
    first_shares: &[(&str, &str)],
) -> anyhow::Result<()> {
    let Some(area) = areas::find_area_by_slug(pool, slug).await? else {
        return Ok(());
    };
    if !store::list_risks(pool, area.id).await?.is_empty() {
        return Ok(());
    }
    let lead = auth::find_user_id_by_email(pool, lead_email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account {lead_email} is missing"))?;
    let members = areas::list_members(pool, area.id).await?;
    let partners: Vec<_> = members.iter().map(|m| m.organisation_id).collect();
    let id_of = |name: &str| {
        members
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.organisation_id)
            .ok_or_else(|| anyhow::anyhow!("demo organisation {name} is not in {slug}"))
    };
    // Raised in December 2013 as the demo story goes; revised three months on.
    let raised_at = OffsetDateTime::now_utc() - Duration::days(90);
    let mut tx = pool.begin().await?;
    store::lock_register(&mut tx, area.id).await?;
    let (matrix_id, matrix) = store::ensure_matrix(&mut tx, area.id, raised_at, lead).await?;
    for (index, risk) in risks.iter().enumerate() {
        let mut fields: Vec<(String, String)> = COMMON
            .iter()
            .chain(risk.fields)
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect();
        fields.push((
            "owner_organisation".to_owned(),
            id_of(risk.owner)?.to_string(),
        ));
        if index == 0 {
            for (name, share) in first_shares {
                fields.push((format!("share_{}", id_of(name)?), (*share).to_owned()));
            }
        }
        let parse = |fields: &[(String, String)]| {
            RiskForm(fields.to_vec())
                .parse(&matrix, &partners)
                .map_err(|errors| {
                    let messages: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
                    anyhow::anyhow!("demo risk {:?}: {}", risk.fields, messages.join("; "))
                })
        };
        let content = parse(&fields)?;
        let (risk_id, _) =
            store::create_risk(&mut tx, area.id, matrix_id, &content, raised_at, lead).await?;
        if !risk.revised.is_empty() {
            for (name, value) in risk.revised {
                fields.retain(|(field, _)| field != name);
                fields.push(((*name).to_owned(), (*value).to_owned()));
            }
            let content = parse(&fields)?;
            store::update_risk(
                &mut tx,
                risk_id,
                1,
                matrix_id,
                &content,
                OffsetDateTime::now_utc() - Duration::days(2),
                lead,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}
