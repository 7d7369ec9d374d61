//! Demo risk registers for Kent and Rotherham, with history across the real months of the demo
//! story: raised in November 2013, re-scored in January and March 2014, one closed and one added
//! after a board meeting, and each reviewed lately. So the register as at Rotherham's December
//! board (17 December 2013) or Kent's meetings (20 November 2013, 29 January 2014) differs from
//! today's. Each register has open risks in every band of the NPSA matrix, some reviews and
//! further actions overdue and some not (those dates are relative to today), and its main
//! financial risk shared between the council and the CCGs. Kent's plan cites its risks from
//! "Risks and contingency". Added only to an area whose register is empty, so loading twice
//! changes nothing.

use sqlx::PgPool;
use time::{Date, Duration, OffsetDateTime, Time};

use crate::areas::store as areas;
use crate::auth::store as auth;
use crate::plans::store as plans;
use crate::risks::content::{RiskForm, iso, parse_date};
use crate::risks::store;

/// When the matrix both registers are scored under was stored: before the first risk.
const MATRIX_STORED: &str = "2013-11-01";

/// The plan section that cites the demo risks.
const RISKS_SECTION: &str = "risks-and-contingency";

/// A day of the demo story: a real date ("2014-01-22") or one relative to today ("today-40",
/// "today+21"), for what must be overdue or not whenever the demo is loaded.
type Day = &'static str;

/// A change to a risk: the day it was recorded and the form fields it changed. Field values
/// may be relative days too.
struct Revision {
    on: Day,
    changes: &'static [(&'static str, &'static str)],
}

/// One demo risk: its owner organisation's name, its first version's fields, whether it carries
/// the area's risk-sharing arrangement and is cited by the plan, and its later versions.
struct DemoRisk {
    owner: &'static str,
    raised: Day,
    fields: &'static [(&'static str, &'static str)],
    shared: bool,
    cited: bool,
    revisions: &'static [Revision],
}

const COMMON: &[(&str, &str)] = &[
    ("status", "open"),
    ("review", "3/3/2014"),
    (
        "controls",
        "Monthly monitoring at the joint commissioning board",
    ),
];

const KENT: &[DemoRisk] = &[
    DemoRisk {
        // R-01 belongs to Kent County Council: the access walk relies on it.
        owner: "Kent County Council",
        raised: "2013-11-05",
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
        shared: true,
        cited: true,
        revisions: &[
            // Quarter 3 activity, before the January board: admissions still rising.
            Revision {
                on: "2014-01-22",
                changes: &[("likelihood", "5")],
            },
            Revision {
                on: "today-40",
                changes: &[
                    ("action_1_done", "yes"),
                    (
                        "action_2_description",
                        "Report admissions against plan to every board",
                    ),
                    ("action_2_owner", "BCF programme manager"),
                    ("action_2_due", "today-14"),
                    ("review", "today-10"),
                ],
            },
        ],
    },
    DemoRisk {
        owner: "NHS Ashford CCG",
        raised: "2013-11-12",
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
        shared: false,
        cited: true,
        revisions: &[
            Revision {
                on: "2014-03-11",
                changes: &[("likelihood", "4")],
            },
            Revision {
                on: "today-7",
                changes: &[("review", "today+21")],
            },
        ],
    },
    DemoRisk {
        owner: "NHS Thanet CCG",
        raised: "2013-11-12",
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
        shared: false,
        cited: false,
        revisions: &[Revision {
            on: "2014-03-18",
            changes: &[
                ("status", "closed"),
                (
                    "closure_reason",
                    "Every partner signed the agreements in March 2014",
                ),
            ],
        }],
    },
    DemoRisk {
        owner: "NHS Dartford, Gravesham and Swanley CCG",
        raised: "2013-11-19",
        fields: &[
            ("title", "Care home beds are not available for discharges"),
            ("cause", "Local care homes are full in winter"),
            ("event", "People wait in hospital for a placement"),
            ("effect", "Delayed transfers of care rise"),
            ("category", "operational"),
            ("owner_person", "Head of continuing care"),
            ("likelihood", "2"),
            ("impact", "3"),
            ("residual_likelihood", "1"),
            ("residual_impact", "3"),
        ],
        shared: false,
        cited: true,
        revisions: &[Revision {
            on: "today-30",
            changes: &[("review", "today-2")],
        }],
    },
    DemoRisk {
        // Raised after the January board, from the voluntary sector's questions there.
        owner: "NHS West Kent CCG",
        raised: "2014-02-05",
        fields: &[
            (
                "title",
                "Voluntary sector partners cannot take on more referrals",
            ),
            ("cause", "Grants are agreed a year at a time"),
            (
                "event",
                "Befriending and handyperson services close waiting lists",
            ),
            ("effect", "People leaving hospital get less help at home"),
            ("category", "partnership"),
            ("owner_person", "Commissioning manager"),
            ("likelihood", "1"),
            ("impact", "2"),
            ("residual_likelihood", "1"),
            ("residual_impact", "1"),
        ],
        shared: false,
        cited: false,
        revisions: &[Revision {
            on: "today-3",
            changes: &[("review", "today+60")],
        }],
    },
];

const ROTHERHAM: &[DemoRisk] = &[
    DemoRisk {
        owner: "Rotherham Metropolitan Borough Council",
        raised: "2013-11-06",
        fields: &[
            ("title", "Social care demand outgrows the protected budget"),
            ("cause", "More people eligible for care"),
            ("event", "The protected social care budget is spent early"),
            ("effect", "Services are cut or partners top up the fund"),
            ("category", "financial"),
            ("owner_person", "Strategic director, adult services"),
            ("likelihood", "4"),
            ("impact", "4"),
            (
                "action_1_description",
                "Agree how council and CCG share any overspend",
            ),
            ("action_1_owner", "Directors of finance"),
            ("action_1_due", "28/2/2014"),
            ("residual_likelihood", "3"),
            ("residual_impact", "4"),
            ("exposure", "£2,000,000"),
        ],
        shared: true,
        cited: true,
        revisions: &[
            // After the December board asked for the worst case.
            Revision {
                on: "2014-01-14",
                changes: &[("likelihood", "5"), ("action_1_done", "yes")],
            },
            Revision {
                on: "today-45",
                changes: &[
                    (
                        "action_2_description",
                        "Review the protected budget with the quarter's figures",
                    ),
                    ("action_2_owner", "Finance business partner"),
                    ("action_2_due", "today-20"),
                    ("review", "today-15"),
                ],
            },
        ],
    },
    DemoRisk {
        owner: "NHS Rotherham CCG",
        raised: "2013-11-06",
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
        shared: false,
        cited: true,
        revisions: &[
            // Contract talks with the trust stalled.
            Revision {
                on: "2014-03-04",
                changes: &[("likelihood", "2")],
            },
            Revision {
                on: "today-5",
                changes: &[("review", "today+30")],
            },
        ],
    },
    DemoRisk {
        owner: "NHS Rotherham CCG",
        raised: "2013-11-20",
        fields: &[
            ("title", "Reablement capacity does not grow with discharges"),
            ("cause", "Reablement workers are hard to recruit"),
            ("event", "People wait for reablement after leaving hospital"),
            ("effect", "Fewer people are still at home 91 days later"),
            ("category", "operational"),
            ("owner_person", "Head of community commissioning"),
            ("likelihood", "3"),
            ("impact", "4"),
            ("residual_likelihood", "2"),
            ("residual_impact", "3"),
        ],
        shared: false,
        cited: false,
        revisions: &[Revision {
            on: "today-10",
            changes: &[("review", "today+14")],
        }],
    },
    DemoRisk {
        owner: "Rotherham Metropolitan Borough Council",
        raised: "2013-11-20",
        fields: &[
            ("title", "The board cannot sign the plan off by 14 February"),
            ("cause", "The board meets only every two months"),
            ("event", "The plan goes to NHS England unsigned"),
            ("effect", "The fund's release is delayed"),
            ("category", "partnership"),
            ("owner_person", "Board secretary"),
            ("likelihood", "3"),
            ("impact", "3"),
            ("residual_likelihood", "2"),
            ("residual_impact", "3"),
        ],
        shared: false,
        cited: false,
        revisions: &[Revision {
            on: "2014-02-14",
            changes: &[
                ("status", "closed"),
                (
                    "closure_reason",
                    "The board signed the plan off on 13 February 2014",
                ),
            ],
        }],
    },
    DemoRisk {
        // Added after the December board, from the carers' centre's question there.
        owner: "Rotherham Metropolitan Borough Council",
        raised: "2014-01-08",
        fields: &[
            (
                "title",
                "Carers' breaks are not funded from the pooled fund",
            ),
            (
                "cause",
                "Carers' breaks sit outside the schemes agreed so far",
            ),
            ("event", "Respite places are not commissioned for 2014/15"),
            ("effect", "Carers under strain stop caring"),
            ("category", "other"),
            ("owner_person", "Carers' commissioning lead"),
            ("likelihood", "1"),
            ("impact", "2"),
            ("residual_likelihood", "1"),
            ("residual_impact", "1"),
        ],
        shared: false,
        cited: false,
        revisions: &[Revision {
            on: "today-1",
            changes: &[("review", "today+90")],
        }],
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

/// The date a [`Day`] names, `today` being the day the demo is loaded.
fn date_of(day: &str, today: Date) -> anyhow::Result<Date> {
    let date = match day.strip_prefix("today") {
        Some(offset) => offset
            .parse::<i64>()
            .ok()
            .map(|days| today + Duration::days(days)),
        None => parse_date(day),
    };
    date.ok_or_else(|| anyhow::anyhow!("demo day {day:?} is not a date"))
}

/// When a version recorded on `day` is stamped: mid-morning for a real date, this time of day
/// for a day relative to today (so never in the future).
fn recorded_at(day: Day, now: OffsetDateTime) -> anyhow::Result<OffsetDateTime> {
    let date = date_of(day, now.date())?;
    Ok(if day.starts_with("today") {
        now.replace_date(date)
    } else {
        date.with_time(Time::from_hms(10, 0, 0)?).assume_utc()
    })
}

/// A field as the form takes it: relative days become dates.
fn typed(value: &str, today: Date) -> anyhow::Result<String> {
    Ok(if value.starts_with("today") {
        iso(date_of(value, today)?)
    } else {
        value.to_owned()
    })
}

/// Sets a form field, replacing what it held.
fn set(fields: &mut Vec<(String, String)>, name: &str, value: String) {
    fields.retain(|(field, _)| field != name);
    fields.push((name.to_owned(), value));
}

async fn seed_area(
    pool: &PgPool,
    slug: &str,
    lead_email: &str,
    risks: &[DemoRisk],
    shares: &[(&str, &str)],
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
    // The plan section that cites the risks, when the area's plan has been started.
    let section = match plans::find_plan(pool, area.id, "2014-16").await? {
        Some(plan) => plans::find_section(pool, plan.id, RISKS_SECTION).await?,
        None => None,
    };
    let now = OffsetDateTime::now_utc();
    let today = now.date();
    let mut tx = pool.begin().await?;
    store::lock_register(&mut tx, area.id).await?;
    let (matrix_id, matrix) =
        store::ensure_matrix(&mut tx, area.id, recorded_at(MATRIX_STORED, now)?, lead).await?;
    for risk in risks {
        let mut fields: Vec<(String, String)> = Vec::new();
        for (name, value) in COMMON.iter().chain(risk.fields) {
            set(&mut fields, name, typed(value, today)?);
        }
        set(&mut fields, "raised", iso(date_of(risk.raised, today)?));
        set(
            &mut fields,
            "owner_organisation",
            id_of(risk.owner)?.to_string(),
        );
        if risk.shared {
            for (name, share) in shares {
                set(
                    &mut fields,
                    &format!("share_{}", id_of(name)?),
                    (*share).to_owned(),
                );
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
        let (risk_id, _) = store::create_risk(
            &mut tx,
            area.id,
            matrix_id,
            &parse(&fields)?,
            recorded_at(risk.raised, now)?,
            lead,
        )
        .await?;
        for (index, revision) in risk.revisions.iter().enumerate() {
            for (name, value) in revision.changes {
                set(&mut fields, name, typed(value, today)?);
            }
            let expected = i32::try_from(index)? + 1;
            store::update_risk(
                &mut tx,
                risk_id,
                expected,
                matrix_id,
                &parse(&fields)?,
                recorded_at(revision.on, now)?,
                lead,
            )
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo risk {:?} changed meanwhile", risk.fields))?;
        }
        if let Some(section) = section.as_ref().filter(|_| risk.cited) {
            store::link_risk(
                &mut *tx,
                risk_id,
                section.id.get(),
                now - Duration::days(1),
                lead,
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn demo_days_are_real_dates_or_relative_to_today() {
        let today = date!(2026 - 12 - 04);
        assert_eq!(date_of("2014-01-22", today).unwrap(), date!(2014 - 01 - 22));
        assert_eq!(date_of("today-40", today).unwrap(), date!(2026 - 10 - 25));
        assert_eq!(date_of("today+21", today).unwrap(), date!(2026 - 12 - 25));
        assert!(date_of("tomorrow", today).is_err());
        assert_eq!(typed("today-2", today).unwrap(), "2026-12-02");
        assert_eq!(typed("31/1/2014", today).unwrap(), "31/1/2014");
        let now = datetime!(2026-12-04 18:30 UTC);
        assert_eq!(
            recorded_at("today-1", now).unwrap(),
            datetime!(2026-12-03 18:30 UTC)
        );
        assert_eq!(
            recorded_at("2013-11-05", now).unwrap(),
            datetime!(2013-11-05 10:00 UTC)
        );
    }

    #[test]
    fn the_matrix_is_stored_before_the_first_risk_is_raised() {
        let today = date!(2026 - 12 - 04);
        let matrix = date_of(MATRIX_STORED, today).unwrap();
        for risk in KENT.iter().chain(ROTHERHAM) {
            assert!(date_of(risk.raised, today).unwrap() > matrix);
        }
    }
}
