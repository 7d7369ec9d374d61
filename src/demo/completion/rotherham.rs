//! Rotherham's BCF 2025-26 plan completed: its funding, schemes, metric goals and condition
//! answers come from the drafting demo (dated February and March 2025); what it lacks is its
//! text. The lead and the council's officer write each section on the working days from
//! 3 March 2025, and the lead completes them all on 18 March 2025, before the round opens on
//! 24 March 2025. (The 2025-26 template writes no section per partner, so the council and the
//! ICB agree one text.)

use sqlx::PgPool;
use time::Duration;
use time::macros::datetime;

use super::{Steps, Text, complete_sections, plan_to_complete, shared, user, write_texts};

const LEAD: &str = "rotherham.lead@itf.example";
const OFFICER: &str = "rotherham.council.officer@itf.example";

const OVERVIEW: &str = "## Our priorities for 2025-26

Rotherham Metropolitan Borough Council and NHS South Yorkshire ICB pool **£39,817,000** in 2025-26, exactly the minimum, behind one aim of the *Rotherham Place Plan*: people stay well and independent at home for longer, and those who need hospital get home quickly.

- **Prevention:** home care that keeps people out of hospital and care homes, adaptations from the Disabled Facilities Grant, and more support for unpaid carers.
- **Hospital to home:** discharge to assess and reablement, so that fewer people wait in hospital once they are ready to leave.

## What has changed since the 2023-25 plan

The discharge funds are no longer ring-fenced: they are part of the NHS minimum contribution and the Local Authority Better Care Grant, so discharge to assess and reablement are now core schemes. The plan covers one year, and three national metrics replace five.

## How the plan was developed and is governed

The Place Partnership's BCF group (the council, the ICB's Rotherham place team, The Rotherham NHS Foundation Trust, RDaSH and Voluntary Action Rotherham) drafted the plan after the policy framework was published on 30 January 2025, and tested it with carers and the voluntary sector in February. The Place Board oversees delivery each month under the section 75 agreement; the Health and Wellbeing Board owns the plan. It is aligned with the ICB's NHS operational plan for 2025-26, the Joint Local Health and Wellbeing Strategy and the neighbourhood health pilots in the Maltby and Wickersley primary care network.";

const PREVENTION: &str = "## Joined-up support before needs escalate

**Adult social care from the NHS minimum (£11,431,000)** keeps home care available across the borough, so that people with complex needs are supported at home rather than admitted. The integrated neighbourhood teams use the ICB's risk stratification to find people living with frailty and plan their care with them before a crisis.

## Adaptations and technology

The **Disabled Facilities Grant (£3,512,000)** pays for adaptations through the council's home improvement agency, aiming to complete a typical adaptation within 20 weeks of referral. Rothercare, the council's telecare service, adds falls sensors and proactive calls for people who live alone.

## Unpaid carers

Rotherham has about 27,000 unpaid carers. Following the engagement with Voluntary Action Rotherham's forum in February, every carer is offered a carer's assessment when the person they care for is discharged from April 2025, and the carers' emergency plan is promoted at every assessment.";

const HOSPITAL_TO_HOME: &str = "## Avoiding admissions

The urgent community response team sees people in crisis within two hours, and the virtual ward supports people at home who would otherwise be admitted; both are run by The Rotherham NHS Foundation Trust.

## Timely discharge and recovery at home

**Discharge to assess (£15,000,000)** is commissioned by the ICB from the trust's integrated discharge team: people who no longer need a hospital bed go home (or to an intermediate care bed) and are assessed there. **Reablement at home (£9,874,000, from the Local Authority Better Care Grant)** gives up to six weeks' support afterwards, so that fewer people need long-term care.

## Fewer long-term admissions to care homes

Nobody is placed permanently in a care home straight from a hospital ward except in exceptional circumstances; decisions are made after reablement or a stay in intermediate care.

## Intermediate care capacity and demand

The capacity and demand plan expects about 7,300 discharges needing support in 2025-26, most of them on pathway 1 (home with support). Reablement capacity grows by 8% from April, and intermediate care beds stay at 2024-25 levels, with spot purchase in winter.";

const METRIC_GOALS: &str = "Each goal is set against the 2024-25 baseline and the schemes expected to move it; the figures are in the metrics part of the plan.

- **Emergency admissions (65+):** from a quarterly average of 545.2 per 100,000 to 520 by Q4. Winter (Q3) stays above the baseline, as every year; urgent community response and the virtual ward bring the other quarters down.
- **Average length of discharge delay:** from 1.8 days in Q4 2024-25 to 1.5 days by Q4, through discharge to assess and more reablement capacity.
- **Long-term admissions to care homes (65+):** from a quarterly average of 145.5 per 100,000 to 138 by Q4, as decisions about permanent care move out of hospital.

The goals are realistic rather than stretching: Rotherham is in the middle of its comparator group for all three, and the partners would rather meet them than revise them during the year.";

const CONDITIONS: &str = "All four national conditions are met; the answers in the plan give the evidence.

1. **Plans jointly agreed:** the council and NHS South Yorkshire ICB agreed this plan, their chief executives and the council's section 151 officer sign it before submission, and the Health and Wellbeing Board approves it at its next meeting, after submission, as the policy framework allows.
2. **Implementing the objectives:** every scheme is set against one of the two objectives (see the schemes).
3. **Grant and funding conditions:** the adult social care spend from the NHS minimum contribution rises by the required uplift, the Local Authority Better Care Grant is pooled in full and the Disabled Facilities Grant is passed to adaptations.
4. **Oversight and support:** the partners take part in the regional BCF oversight and support process and report each quarter.";

const FUNDING: &str = "## Income

| Stream | Contributed by | 2025-26 |
|---|---|---|
| NHS minimum contribution | NHS South Yorkshire ICB | £26,431,000 |
| Local Authority Better Care Grant | Rotherham Metropolitan Borough Council | £9,874,000 |
| Disabled Facilities Grant | Rotherham Metropolitan Borough Council | £3,512,000 |
| **Total** | | **£39,817,000** |

The pool equals the notified minimum; neither partner adds a voluntary contribution this year.

## Expenditure

Four schemes spend the whole pool: discharge to assess (£15,000,000) and adult social care (£11,431,000) from the NHS minimum, reablement at home (£9,874,000) from the Local Authority Better Care Grant, and adaptations (£3,512,000) from the Disabled Facilities Grant. The adult social care spend maintained from the NHS minimum contribution is £11,431,000, including the 2025-26 uplift.";

const EQUALITIES: &str = "Life expectancy in Rotherham's most deprived neighbourhoods, in and around the town centre, is about ten years shorter than in its least deprived, and people there develop long-term conditions earlier. The plan addresses this in three ways:

- the integrated neighbourhood teams use risk stratification by practice, so proactive care reaches the most deprived areas first;
- the home improvement agency prioritises adaptations for people on low incomes, and the Disabled Facilities Grant is means-tested as the law requires;
- discharge and reablement data are reported by ward, age, sex and ethnicity each quarter, so that the Place Board sees any group doing worse.

An equality impact assessment of the plan was completed in March 2025. Interpreters and easy-read information are available for every assessment.";

const RISKS: &str = "The partners share one risk register, kept in this service and reviewed by the Place Board each quarter. The main risks to this plan are:

- **Social care demand outgrows the protected budget** (R-01): the largest financial risk, shared 60% by the council and 40% by the NHS, with quarterly reviews of the budget against demand.
- **Seven-day services** (R-02) and **reablement capacity** (R-03): weekend discharges and reablement capacity are monitored weekly through the discharge dashboard.
- **Support for carers** (R-05): carers' breaks are funded and monitored through the carers' strategy group.

## Risk sharing and contingency

Under the section 75 agreement, an overspend on a scheme falls first to the partner that commissions it; an overspend on the pool as a whole is shared in proportion to each partner's contribution, after the Place Board has agreed a recovery plan. There is no separate contingency fund this year.";

const TEXTS: &[Text] = &[
    shared("overview", LEAD, OVERVIEW),
    shared("sickness-to-prevention", OFFICER, PREVENTION),
    shared("hospital-to-home", OFFICER, HOSPITAL_TO_HOME),
    shared("metric-goals", LEAD, METRIC_GOALS),
    shared("national-conditions", LEAD, CONDITIONS),
    shared("funding-and-expenditure", OFFICER, FUNDING),
    shared("equalities", OFFICER, EQUALITIES),
    shared("risks-and-mitigation", LEAD, RISKS),
];

/// Writes the plan's missing text and completes its sections, all before 24 March 2025.
pub(super) async fn seed(pool: &PgPool) -> anyhow::Result<()> {
    let Some((area, plan)) = plan_to_complete(pool, "rotherham", "2025-26").await? else {
        return Ok(());
    };
    // A section a working day from Monday 3 March; the lead completes them on Tuesday 18 March.
    let mut writing = Steps::weekdays(datetime!(2025-03-03 10:00 UTC), Duration::days(1));
    write_texts(pool, &area, plan.id, TEXTS, &mut writing).await?;
    let lead = user(pool, LEAD).await?;
    let mut completing = Steps::new(datetime!(2025-03-18 14:00 UTC), Duration::minutes(15));
    complete_sections(pool, plan.id, lead, &mut completing).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_written_and_completed_before_the_round_opens() {
        let opens = datetime!(2025-03-24 10:00 UTC);
        let mut writing = Steps::weekdays(datetime!(2025-03-03 10:00 UTC), Duration::days(1));
        let last = TEXTS.iter().map(|_| writing.take()).last().unwrap();
        assert!(last < datetime!(2025-03-18 14:00 UTC));
        let mut completing = Steps::new(datetime!(2025-03-18 14:00 UTC), Duration::minutes(15));
        // Eight sections in the 2025-26 template.
        assert!((0..8).map(|_| completing.take()).all(|at| at < opens));
    }
}
