//! The register in brief, as a plan's "Risks and contingency" section shows it: open risks by
//! band under the area's matrix, how many are overdue for review, and the highest few.

use time::Date;

use super::Matrix;
use super::content::RiskContent;

/// How many of the highest-scoring open risks the summary names.
pub const HIGHEST_SHOWN: usize = 3;

/// Open risks in one band of the matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BandTally {
    pub name: String,
    pub colour: &'static str,
    pub count: usize,
}

/// The register in brief on `today`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegisterSummary {
    /// Every band of the matrix, lowest first, including those with no risks.
    pub bands: Vec<BandTally>,
    pub open: usize,
    pub overdue_reviews: usize,
    /// The numbers of the highest-scoring open risks, highest first (ties by number).
    pub highest: Vec<i32>,
}

impl RegisterSummary {
    /// Summarises `risks` (number and content as they stand) by the bands of `matrix`. A risk
    /// scored under an older matrix counts in the band of the same name, if there is one.
    pub fn of(matrix: &Matrix, risks: &[(i32, &RiskContent)], today: Date) -> RegisterSummary {
        let mut open: Vec<(i32, &RiskContent)> = risks
            .iter()
            .filter(|(_, content)| content.status.is_open())
            .copied()
            .collect();
        let bands = matrix
            .bands()
            .iter()
            .map(|band| BandTally {
                name: band.name.clone(),
                colour: band.colour.key(),
                count: open
                    .iter()
                    .filter(|(_, content)| content.current.band.name == band.name)
                    .count(),
            })
            .collect();
        let overdue_reviews = open
            .iter()
            .filter(|(_, content)| content.review < today)
            .count();
        open.sort_by_key(|(number, content)| (std::cmp::Reverse(content.current.value), *number));
        RegisterSummary {
            bands,
            open: open.len(),
            overdue_reviews,
            highest: open
                .iter()
                .take(HIGHEST_SHOWN)
                .map(|(number, _)| *number)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::areas::OrganisationId;
    use crate::risks::content::RiskForm;
    use time::macros::date;

    fn risk(likelihood: &str, impact: &str, review: &str, status: &str) -> RiskContent {
        let mut fields: Vec<(String, String)> = [
            ("title", "A risk"),
            ("cause", "A cause"),
            ("event", "An event"),
            ("effect", "An effect"),
            ("category", "financial"),
            ("owner_organisation", "3"),
            ("owner_person", "Someone"),
            ("raised", "1/11/2013"),
            ("likelihood", likelihood),
            ("impact", impact),
            ("residual_likelihood", "1"),
            ("residual_impact", "1"),
            ("review", review),
            ("status", status),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        if status == "closed" {
            fields.push(("closure_reason".to_owned(), "Resolved".to_owned()));
        }
        RiskForm(fields)
            .parse(&Matrix::npsa_5x5(), &[OrganisationId::new(3)])
            .expect("a valid risk")
    }

    #[test]
    fn open_risks_by_band_overdue_reviews_and_the_highest_first() {
        let today = date!(2014 - 03 - 01);
        let low = risk("1", "2", "1/2/2014", "open");
        let extreme = risk("5", "5", "1/4/2014", "open");
        let high = risk("3", "3", "1/4/2014", "reopened");
        let also_extreme = risk("4", "4", "1/1/2014", "open");
        let closed = risk("5", "5", "1/1/2014", "closed");
        let summary = RegisterSummary::of(
            &Matrix::npsa_5x5(),
            &[
                (1, &low),
                (2, &extreme),
                (3, &high),
                (4, &also_extreme),
                (5, &closed),
            ],
            today,
        );
        let counts: Vec<(&str, usize)> = summary
            .bands
            .iter()
            .map(|band| (band.name.as_str(), band.count))
            .collect();
        assert_eq!(
            counts,
            vec![("Low", 1), ("Moderate", 0), ("High", 1), ("Extreme", 2)]
        );
        assert_eq!(summary.open, 4);
        // The closed risk's review date does not count; the low and one extreme risk are late.
        assert_eq!(summary.overdue_reviews, 2);
        assert_eq!(summary.highest, vec![2, 4, 3]);
    }

    #[test]
    fn an_empty_register_still_lists_every_band() {
        let summary = RegisterSummary::of(&Matrix::npsa_5x5(), &[], date!(2014 - 03 - 01));
        assert_eq!(summary.bands.len(), 4);
        assert!(summary.bands.iter().all(|band| band.count == 0));
        assert_eq!((summary.open, summary.overdue_reviews), (0, 0));
        assert!(summary.highest.is_empty());
    }
}
