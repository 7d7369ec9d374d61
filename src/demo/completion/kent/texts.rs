//! The text of Kent's 2014-16 plan that the drafting demo leaves unwritten: from the Kent
//! reference (`shared/reference/itf-2014.md`), with figures that agree with the plan's funding,
//! schemes, metrics and register.

use super::super::{Text, part, shared};

pub(super) const LEAD: &str = "kent.lead@itf.example";
pub(super) const COUNCIL_OFFICER: &str = "kent.officer@itf.example";
pub(super) const ASHFORD_OFFICER: &str = "kent.ccg.officer@itf.example";
pub(super) const THANET_OFFICER: &str = "kent.thanet.officer@itf.example";

const COUNCIL: &str = "Kent County Council";
const ASHFORD: &str = "NHS Ashford CCG";
const CANTERBURY: &str = "NHS Canterbury and Coastal CCG";
const DARTFORD: &str = "NHS Dartford, Gravesham and Swanley CCG";
const SOUTH_KENT_COAST: &str = "NHS South Kent Coast CCG";
const SWALE: &str = "NHS Swale CCG";
const THANET: &str = "NHS Thanet CCG";
const WEST_KENT: &str = "NHS West Kent CCG";

/// The case-for-change comment the drafting demo leaves open, and its answer.
pub(super) const QUESTION_STARTS: &str = "Could each CCG add its figures";
pub(super) const ANSWER: &str = "Done: every CCG's part now gives its emergency admissions of people aged 65 and over in 2012/13, from the same SUS extract, so the parts can be read together. Kent as a whole: 71,830 admissions, 250 per 1,000.";

/// What the two CCGs that had written their part of the case for change add to it, answering
/// the comment.
pub(super) const FIGURES: &[(&str, &str, &str)] = &[
    (
        ASHFORD,
        ASHFORD_OFFICER,
        "In 2012/13 there were 5,770 emergency admissions of Ashford patients aged 65 and over, 251 per 1,000 people of that age.",
    ),
    (
        THANET,
        THANET_OFFICER,
        "In 2012/13 there were 9,250 emergency admissions of Thanet patients aged 65 and over, 289 per 1,000 people of that age: the highest rate of any Kent CCG.",
    ),
];

const PLAN_DETAILS: &str = "- **Local authority:** Kent County Council
- **Clinical commissioning groups:** NHS Ashford CCG; NHS Canterbury and Coastal CCG; NHS Dartford, Gravesham and Swanley CCG; NHS South Kent Coast CCG; NHS Swale CCG; NHS Thanet CCG; NHS West Kent CCG
- **Boundary differences:** the seven CCGs together cover the county council's area. Sevenoaks district is split between Dartford, Gravesham and Swanley CCG and West Kent CCG. Medway, a unitary council with its own board and CCG, plans separately.
- **Date agreed at the Health and Wellbeing Board** and **date submitted:** recorded at sign-off and submission.
- **Minimum required value of the pooled budget:** £23,200,000 in 2014/15; £88,000,000 in 2015/16.
- **Total agreed value of the pooled budget:** £23,200,000 in 2014/15; £101,400,000 in 2015/16 (£10.6m council capital and £90.8m CCG revenue), hosted by Kent County Council under a section 75 agreement from 1 April 2015.";

const SIGN_OFF: &str = "The plan is signed on behalf of each partner and of the board. The signatures themselves are recorded at sign-off.

- **Kent County Council:** the Corporate Director of Social Care, Health and Wellbeing.
- **Each of the seven clinical commissioning groups:** its accountable officer.
- **Kent Health and Wellbeing Board:** its chair, the Cabinet Member for Education and Health Reform.";

const CASE_CANTERBURY: &str = "Canterbury and Coastal has the oldest population of Kent's CCGs: in Whitstable, Herne Bay and the coastal villages one resident in four is over 65. In 2012/13 there were 12,310 emergency admissions of patients aged 65 and over, 262 per 1,000 people of that age.";

const CASE_DARTFORD: &str = "Dartford, Gravesham and Swanley is Kent's youngest and fastest-growing area, with Ebbsfleet to add 15,000 homes. Its older people are fewer but admitted more in winter, when Darent Valley Hospital is full: 8,920 emergency admissions of patients aged 65 and over in 2012/13, 241 per 1,000.";

const CASE_SOUTH_KENT_COAST: &str = "South Kent Coast covers Dover, Deal, Folkestone and Hythe. Deprivation in parts of Dover and Folkestone and an older population along the coast gave 11,140 emergency admissions of patients aged 65 and over in 2012/13, 259 per 1,000; a fifth of them followed a fall or a respiratory illness.";

const CASE_SWALE: &str = "Swale has the lowest life expectancy in Kent outside Thanet, with high rates of COPD and diabetes in Sheerness and Sittingbourne. There were 5,660 emergency admissions of patients aged 65 and over in 2012/13, 246 per 1,000, many of them people with no named care coordinator.";

const CASE_WEST_KENT: &str = "West Kent is Kent's largest CCG, with 463,000 patients in Maidstone, Tonbridge, Tunbridge Wells and Sevenoaks. Its population is healthier than the county's, but the number of people aged 85 and over will rise by 40% by 2021. There were 18,780 emergency admissions of patients aged 65 and over in 2012/13, 229 per 1,000.";

const ACTION_COUNCIL: &str = "## Governance

The Kent Health and Wellbeing Board owns the plan. The Kent Integration Pioneer Steering Group, a working group of the board (the seven CCGs, adult social care, the community, acute and mental health trusts, the ambulance trust, public health, HealthWatch Kent and voluntary and social care providers), oversees delivery and reports to every board meeting. A programme support group drawn from board members manages the programme week by week. The pooled fund is held under a section 75 agreement hosted by Kent County Council.

## Milestones

- **April 2014:** the 2014/15 transfer protects social care and funds rapid response and dementia support.
- **October 2014:** social workers at every acute hospital seven days a week.
- **January 2015:** integrated primary and community care teams in every CCG area.
- **1 April 2015:** the section 75 agreement signed, the pooled fund live; the Care Act's first duties begin.
- **March 2016:** emergency admissions 3.5% below 2013/14.

## The council's schemes

The council leads protecting adult social care, enablement at home, community equipment and telecare, carers' short breaks, home adaptations, rapid response, the Care Act and the shared care record.";

const ACTION_ASHFORD: &str = "Ashford leads **seven-day social work and weekend discharge** for the county: social workers at the William Harvey Hospital and Kent's other acute sites at weekends from October 2014, with the discharge teams, enablement and equipment taking referrals every day from April 2015. Locally, Ashford's integrated primary and community care team for its four GP clusters starts in November 2014.";

const ACTION_THANET: &str = "Thanet leads **care navigators and voluntary sector support**: from January 2015, navigators in every practice link people at risk to befriending, handyperson and benefits advice, commissioned from Kent's voluntary sector. Thanet's integrated team works from the Queen Elizabeth The Queen Mother Hospital and Margate's health centres from December 2014.";

const ACTION_WEST_KENT: &str = "West Kent leads the **integrated discharge teams** at Maidstone and Tunbridge Wells hospitals, in place from September 2014, and the county's integrated primary and community care model, which Canterbury and Coastal leads in east Kent. Milestones: team bases agreed by July 2014; every practice in a team by January 2015.";

const ACTION_DARTFORD: &str = "Dartford, Gravesham and Swanley leads **intermediate care and step-up beds**: 40 beds in local care homes with in-reach from Kent Community Health NHS Trust, open from April 2015, so that people who need a short stay go there rather than to Darent Valley Hospital.";

const RISKS: &str = "Kent's shared risk register is kept in this service and reviewed by the steering group each month; the risks this plan depends on are linked to this section.

- **R-01 Emergency admissions do not fall as planned** (extreme): the main financial risk, carried by the whole pool.
- **R-02 Community nursing cannot recruit enough staff** (high): new services open late or short-staffed.
- **R-04 Care home beds are not available for discharges** (moderate): delayed transfers rise in winter.
- **R-05 Voluntary sector partners cannot take on more referrals** (low): care navigators have fewer places to refer to.

## Risk sharing and contingency

If emergency admissions do not fall as planned, the cost of the activity above plan is shared: Kent County Council 44% and each of the seven CCGs 8%. The CCGs hold a contingency of £4.5m, the register's estimate of the exposure, released by the steering group when admissions run more than 2% above plan for two months running. Performance money not earned is spent on NHS out-of-hospital services, as the guidance requires.";

const ALIGN_COUNCIL: &str = "The plan delivers Kent's Joint Health and Wellbeing Strategy and the council's transformation programme for adult social care, *Facing the Challenge*. Kent became one of the fourteen national integration pioneers in November 2013: the pioneer programme and this fund share one steering group, one set of outcomes and one programme team.";

const ALIGN_ASHFORD: &str = "Ashford's two-year operational plan for 2014/15 and 2015/16 and its five-year strategy, written with the other east Kent CCGs, put integrated primary and community care and seven-day services at their centre; the fund's schemes are the operational plan's out-of-hospital programme.";

const ALIGN_THANET: &str = "Thanet's operational plan reduces emergency admissions through the integrated team and care navigators, and its five-year strategy, shared with the east Kent CCGs and East Kent Hospitals, plans fewer acute beds as care moves into the community. Both count the same admissions as this plan.";

const ALIGN_WEST_KENT: &str = "West Kent's five-year strategic plan moves care from Maidstone and Tunbridge Wells hospitals into community hubs; its two-year operational plan funds the integrated discharge teams from this pool, and its contracts with the trust reflect the admissions this plan avoids.";

const PROTECTING: &str = "Protecting social care in Kent means keeping eligibility at *substantial*, keeping home care and enablement going as demand grows, and meeting the Care Act's new duties from April 2015.

In 2015/16 £24m of the fund does this: £10m protects adult social care services, £6m pays for the Care Act and £8m funds enablement at home. In 2014/15 £14m of the £23.2m transfer protects social care services.";

const SEVEN_DAY: &str = "From October 2014 social workers are at each of Kent's acute hospitals seven days a week, and from April 2015 the integrated discharge teams, rapid response and enablement take referrals at weekends as on weekdays. GP out-of-hours services and the community equipment service already work every day. Ashford CCG leads the scheme for the county.";

const DATA_SHARING: &str = "The NHS number is the primary identifier in correspondence between health and social care: 94% of adult social care records carry it, and the rest are matched each month through the NHS Spine.

The partners are procuring a shared care record built on open APIs, paid for from the social care capital grant, to go live in 2015/16. Every partner has signed the Kent and Medway information sharing agreement and meets the Information Governance Toolkit at level 2.";

const JOINT_ASSESSMENT: &str = "Each CCG's risk stratification identifies the 2% of its patients at highest risk of emergency admission. Each of them has a joint health and social care assessment, one care plan and an accountable lead professional, usually their GP or, for the most complex, a community matron, through the integrated primary and community care teams.";

const ACUTE_IMPACT: &str = "The plan reduces emergency admissions by 3.5% by the end of 2015/16: about 5,400 fewer admissions a year, worth about £8m to Kent's acute trusts. Each CCG has agreed the change with its acute provider (Dartford and Gravesham NHS Trust, Maidstone and Tunbridge Wells NHS Trust and East Kent Hospitals University NHS Foundation Trust) in its contracts for 2014/15 and 2015/16. The trusts sit on the steering group, and their commentary is annexed to the plan.";

const ENGAGEMENT: &str = "People who use services, carers and providers helped shape the plan:

- HealthWatch Kent sits on the steering group, and tested the vision with patient participation groups in each CCG area in December 2013.
- Home care and care home providers worked on the plan at a workshop at County Hall on 22 January 2014 (see the engagement log).
- The acute, community and mental health trusts wrote the schemes they deliver with the CCGs, and have agreed the plan's impact on them.

Providers are party to the plan through their contracts and their seats on the steering group.";

/// Kent's text still to write, in the order it is written: the shared sections by the lead and
/// the council's officer, each partner's part by its officer (the lead enters the parts of CCGs
/// with no demo account, as they sent them).
pub(super) const TEXTS: &[Text] = &[
    shared("plan-details", LEAD, PLAN_DETAILS),
    shared("authorisation-and-sign-off", LEAD, SIGN_OFF),
    part("case-for-change", CANTERBURY, LEAD, CASE_CANTERBURY),
    part("case-for-change", DARTFORD, LEAD, CASE_DARTFORD),
    part(
        "case-for-change",
        SOUTH_KENT_COAST,
        LEAD,
        CASE_SOUTH_KENT_COAST,
    ),
    part("case-for-change", SWALE, LEAD, CASE_SWALE),
    part("case-for-change", WEST_KENT, LEAD, CASE_WEST_KENT),
    part("plan-of-action", COUNCIL, COUNCIL_OFFICER, ACTION_COUNCIL),
    part("plan-of-action", ASHFORD, ASHFORD_OFFICER, ACTION_ASHFORD),
    part("plan-of-action", THANET, THANET_OFFICER, ACTION_THANET),
    part("plan-of-action", WEST_KENT, LEAD, ACTION_WEST_KENT),
    part("plan-of-action", DARTFORD, LEAD, ACTION_DARTFORD),
    shared("risks-and-contingency", LEAD, RISKS),
    part("alignment", COUNCIL, COUNCIL_OFFICER, ALIGN_COUNCIL),
    part("alignment", ASHFORD, ASHFORD_OFFICER, ALIGN_ASHFORD),
    part("alignment", THANET, THANET_OFFICER, ALIGN_THANET),
    part("alignment", WEST_KENT, LEAD, ALIGN_WEST_KENT),
    shared("protecting-social-care", COUNCIL_OFFICER, PROTECTING),
    shared("seven-day-services", ASHFORD_OFFICER, SEVEN_DAY),
    shared("data-sharing", THANET_OFFICER, DATA_SHARING),
    shared("joint-assessment", LEAD, JOINT_ASSESSMENT),
    shared("acute-sector-impact", LEAD, ACUTE_IMPACT),
    shared("engagement", LEAD, ENGAGEMENT),
];
