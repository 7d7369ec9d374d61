//! The form that changes an area's risk matrix, parsed at the edge into a [`Matrix`].
//!
//! It works without JavaScript in two steps on one page: a size form (a GET) chooses how many
//! likelihood and impact levels there are, and the matrix form then has exactly that many label
//! boxes, carrying the sizes in hidden fields. Bands have a fixed number of rows
//! ([`MAX_BANDS`]); a row left wholly blank is ignored, so a band is removed by emptying it.
//!
//! Fields: `likelihood_levels`, `impact_levels`; `likelihood_1` … and `impact_1` …;
//! `band_1_name`, `band_1_colour`, `band_1_from` …. Every message is by its field; the
//! matrix's own rules (and their messages) are [`Matrix::check`]'s.

use crate::risks::matrix::{
    Axis, Band, BandColour, LEVELS, MAX_BANDS, Matrix, MatrixPart, MatrixProblem,
};
use crate::web::form::FormErrors;

/// How many levels each side of the matrix being edited has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub likelihoods: usize,
    pub impacts: usize,
}

impl Sizes {
    pub fn of(matrix: &Matrix) -> Sizes {
        Sizes {
            likelihoods: usize::from(matrix.likelihood_levels()),
            impacts: usize::from(matrix.impact_levels()),
        }
    }

    fn on(self, axis: Axis) -> usize {
        match axis {
            Axis::Likelihood => self.likelihoods,
            Axis::Impact => self.impacts,
        }
    }
}

/// The field giving how many levels `axis` has.
pub fn size_field(axis: Axis) -> String {
    format!("{}_levels", axis.name())
}

/// The field holding level `level`'s label (from 1).
pub fn level_field(axis: Axis, level: usize) -> String {
    format!("{}_{level}", axis.name())
}

/// The field for part `part` (`name`, `colour` or `from`) of band row `row` (from 1).
pub fn band_field(row: usize, part: &str) -> String {
    format!("band_{row}_{part}")
}

/// The sizes typed in the size step: each a whole number of levels in [`LEVELS`], or the
/// matrix's own message by the field.
pub fn parse_sizes(likelihoods: &str, impacts: &str) -> Result<Sizes, FormErrors> {
    let mut errors = FormErrors::new();
    let mut size = |axis: Axis, typed: &str| {
        let size = typed
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|size| LEVELS.contains(size));
        if size.is_none() {
            errors.add(
                size_field(axis),
                MatrixProblem::LevelCount(axis).to_string(),
            );
        }
        size
    };
    let likelihoods = size(Axis::Likelihood, likelihoods);
    let impacts = size(Axis::Impact, impacts);
    match (likelihoods, impacts) {
        (Some(likelihoods), Some(impacts)) => Ok(Sizes {
            likelihoods,
            impacts,
        }),
        _ => Err(errors),
    }
}

/// What the matrix form sent (or will show), field by field, as typed.
#[derive(Clone, Debug, Default)]
pub struct MatrixForm(pub Vec<(String, String)>);

impl MatrixForm {
    /// What was typed in `name` ("" for nothing).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or("")
    }

    /// The form showing `matrix` at `sizes` (chosen in the size step, or the matrix's own):
    /// levels the matrix has keep their labels, new ones are blank, and so are spare band rows.
    pub fn from_matrix(matrix: &Matrix, sizes: Sizes) -> MatrixForm {
        let mut fields = Vec::new();
        for (axis, labels) in [
            (Axis::Likelihood, matrix.likelihoods().collect::<Vec<_>>()),
            (Axis::Impact, matrix.impacts().collect()),
        ] {
            fields.push((size_field(axis), sizes.on(axis).to_string()));
            for level in 1..=sizes.on(axis) {
                let label = labels.get(level - 1).map_or("", |(_, label)| *label);
                fields.push((level_field(axis, level), label.to_owned()));
            }
        }
        for (row, band) in (1..).zip(matrix.bands()) {
            fields.push((band_field(row, "name"), band.name.clone()));
            fields.push((band_field(row, "colour"), band.colour.key().to_owned()));
            fields.push((band_field(row, "from"), band.from.to_string()));
        }
        MatrixForm(fields)
    }

    /// The sizes the form was made for (its hidden fields).
    pub fn sizes(&self) -> Result<Sizes, FormErrors> {
        parse_sizes(
            self.get(&size_field(Axis::Likelihood)),
            self.get(&size_field(Axis::Impact)),
        )
    }

    /// The matrix the form describes, or every problem by its field.
    pub fn parse(&self) -> Result<Matrix, FormErrors> {
        let sizes = self.sizes();
        let labels = |axis: Axis| -> Vec<String> {
            let count = sizes.as_ref().map_or(0, |sizes| sizes.on(axis));
            (1..=count)
                .map(|level| self.get(&level_field(axis, level)).to_owned())
                .collect()
        };
        let (likelihoods, impacts) = (labels(Axis::Likelihood), labels(Axis::Impact));
        let mut errors = sizes.err().unwrap_or_default();
        // The rows that hold a band, and the bands read from them.
        let mut rows = Vec::new();
        let mut bands = Vec::new();
        for row in 1..=MAX_BANDS {
            match self.band(row) {
                Ok(None) => {}
                Ok(Some(band)) => {
                    rows.push(row);
                    bands.push(band);
                }
                Err((field, message)) => errors.add(field, message),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Matrix::check(likelihoods, impacts, bands).map_err(|problems| {
            let mut errors = FormErrors::new();
            for (part, problem) in problems.iter() {
                let row = |index: usize| rows.get(index).copied().unwrap_or(1);
                let field = match *part {
                    MatrixPart::LevelCount(axis) => size_field(axis),
                    MatrixPart::Level(axis, index) => level_field(axis, index + 1),
                    MatrixPart::Bands => band_field(1, "name"),
                    MatrixPart::BandName(index) => band_field(row(index), "name"),
                    MatrixPart::BandFrom(index) => band_field(row(index), "from"),
                };
                errors.add(field, problem.to_string());
            }
            errors
        })
    }

    /// Band row `row`: nothing when left blank, else the band, or the field and message of
    /// what cannot be read. The name is checked with the matrix.
    fn band(&self, row: usize) -> Result<Option<Band>, (String, String)> {
        let name = self.get(&band_field(row, "name"));
        let colour = self.get(&band_field(row, "colour")).trim();
        let from = self.get(&band_field(row, "from")).trim();
        if name.trim().is_empty() && colour.is_empty() && from.is_empty() {
            return Ok(None);
        }
        let from = from
            .parse::<u16>()
            .ok()
            .filter(|from| (1..=MAX_SCORE).contains(from))
            .ok_or_else(|| {
                (
                    band_field(row, "from"),
                    format!(
                        "Enter the lowest score of band {row} as a whole number from 1 to {MAX_SCORE}"
                    ),
                )
            })?;
        let colour = BandColour::parse(colour).ok_or_else(|| {
            (
                band_field(row, "colour"),
                format!("Choose a colour for band {row}"),
            )
        })?;
        Ok(Some(Band::new(name, colour, from)))
    }
}

/// The highest score any matrix gives: the top cell of a 10 × 10.
const MAX_SCORE: u16 = 100;

#[cfg(test)]
mod tests {
    use super::*;

    fn form(fields: &[(&str, &str)]) -> MatrixForm {
        MatrixForm(
            fields
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        )
    }

    /// A 4×4 with three bands: low 1–3, medium 4–8, high 9–16.
    fn four_by_four() -> Vec<(&'static str, &'static str)> {
        vec![
            ("likelihood_levels", "4"),
            ("impact_levels", "4"),
            ("likelihood_1", "Unlikely"),
            ("likelihood_2", "Possible"),
            ("likelihood_3", "Likely"),
            ("likelihood_4", "Very likely"),
            ("impact_1", "Minor"),
            ("impact_2", "Moderate"),
            ("impact_3", "Serious"),
            ("impact_4", "Critical"),
            ("band_1_name", "Low"),
            ("band_1_colour", "green"),
            ("band_1_from", "1"),
            ("band_2_name", "Medium"),
            ("band_2_colour", "yellow"),
            ("band_2_from", "4"),
            ("band_3_name", ""),
            ("band_3_colour", ""),
            ("band_3_from", ""),
            ("band_4_name", "High"),
            ("band_4_colour", "red"),
            ("band_4_from", " 9 "),
        ]
    }

    fn with(
        mut fields: Vec<(&'static str, &'static str)>,
        name: &'static str,
        value: &'static str,
    ) -> MatrixForm {
        fields.retain(|(field, _)| *field != name);
        fields.push((name, value));
        form(&fields)
    }

    #[test]
    fn a_four_by_four_with_a_blank_band_row_parses() {
        let matrix = form(&four_by_four()).parse().expect("a valid 4×4");
        assert_eq!((matrix.likelihood_levels(), matrix.impact_levels()), (4, 4));
        assert_eq!(matrix.impact_label(4), Some("Critical"));
        let bands: Vec<_> = matrix
            .bands()
            .iter()
            .map(|band| (band.name.as_str(), band.colour, band.from))
            .collect();
        assert_eq!(
            bands,
            [
                ("Low", BandColour::Green, 1),
                ("Medium", BandColour::Yellow, 4),
                ("High", BandColour::Red, 9)
            ]
        );
    }

    #[test]
    fn a_matrix_shown_in_the_form_reads_back_the_same() {
        let npsa = Matrix::npsa_5x5();
        let shown = MatrixForm::from_matrix(&npsa, Sizes::of(&npsa));
        assert_eq!(shown.get("likelihood_5"), "Almost certain");
        assert_eq!(shown.get("band_3_colour"), "orange");
        assert_eq!(shown.parse().expect("reads back"), npsa);

        // Grown to 6 impact levels: the new one is blank, so asked for.
        let grown = MatrixForm::from_matrix(
            &npsa,
            Sizes {
                likelihoods: 5,
                impacts: 6,
            },
        );
        assert_eq!(grown.get("impact_levels"), "6");
        assert_eq!(grown.get("impact_6"), "");
        let errors = grown.parse().expect_err("a level without a label");
        assert_eq!(
            errors.get("impact_6"),
            Some("Give every impact level a name of at most 40 characters")
        );
        // Shrunk to 3 likelihood levels: the top two are dropped.
        let shrunk = MatrixForm::from_matrix(
            &npsa,
            Sizes {
                likelihoods: 3,
                impacts: 5,
            },
        );
        assert_eq!(shrunk.get("likelihood_4"), "");
        let matrix = shrunk
            .parse()
            .expect("a 3×5 still has a score in every band");
        assert_eq!(matrix.likelihood_levels(), 3);
    }

    #[test]
    fn sizes_out_of_range_are_refused_by_their_field() {
        assert_eq!(
            parse_sizes("4", " 10 ").ok(),
            Some(Sizes {
                likelihoods: 4,
                impacts: 10
            })
        );
        for typed in ["1", "11", "", "four", "-3"] {
            let errors = parse_sizes(typed, "5").expect_err(typed);
            assert_eq!(
                errors.get("likelihood_levels"),
                Some("The likelihood scale must have between 2 and 10 levels"),
                "{typed:?}"
            );
            assert_eq!(errors.get("impact_levels"), None);
        }
        let errors = with(four_by_four(), "impact_levels", "11")
            .parse()
            .expect_err("too many impact levels");
        assert_eq!(
            errors.get("impact_levels"),
            Some("The impact scale must have between 2 and 10 levels")
        );
    }

    #[test]
    fn missing_and_repeated_labels_are_refused_by_their_field() {
        let errors = with(four_by_four(), "likelihood_2", "  ")
            .parse()
            .expect_err("a blank label");
        assert_eq!(
            errors.get("likelihood_2"),
            Some("Give every likelihood level a name of at most 40 characters")
        );
        let errors = with(four_by_four(), "impact_4", "minor")
            .parse()
            .expect_err("a repeated label");
        assert_eq!(
            errors.get("impact_4"),
            Some("Two impact levels are both called \"minor\"")
        );
        assert_eq!(errors.get("impact_1"), None);
    }

    #[test]
    fn overlapping_empty_and_unreadable_bands_are_refused_by_their_row() {
        // Overlapping: band 4 starts below band 2.
        let errors = with(four_by_four(), "band_4_from", "3")
            .parse()
            .expect_err("overlapping");
        assert_eq!(
            errors.get("band_4_from"),
            Some("Each band must start at a higher score than the one before it")
        );
        // Empty: 5 is no product of two levels of a 4×4, so a band of 5 alone holds nothing.
        let mut fields = four_by_four();
        fields.retain(|(name, _)| !name.starts_with("band_3") && *name != "band_4_from");
        fields.extend([
            ("band_3_name", "Odd"),
            ("band_3_colour", "pink"),
            ("band_3_from", "5"),
            ("band_4_from", "6"),
        ]);
        let errors = form(&fields).parse().expect_err("an empty band");
        assert_eq!(
            errors.get("band_3_from"),
            Some("The band \"Odd\" contains no score this matrix can give")
        );
        // Not starting at 1.
        let errors = with(four_by_four(), "band_1_from", "2")
            .parse()
            .expect_err("no band for 1");
        assert_eq!(
            errors.get("band_1_from"),
            Some("The first band must start at a score of 1, so that every score has a band")
        );
        // A row half filled in.
        let errors = with(four_by_four(), "band_3_name", "Extreme")
            .parse()
            .expect_err("no colour or score");
        assert_eq!(
            errors.get("band_3_from"),
            Some("Enter the lowest score of band 3 as a whole number from 1 to 100")
        );
        let errors = with(four_by_four(), "band_2_colour", "tartan")
            .parse()
            .expect_err("no such colour");
        assert_eq!(
            errors.get("band_2_colour"),
            Some("Choose a colour for band 2")
        );
        let errors = with(four_by_four(), "band_2_name", "")
            .parse()
            .expect_err("a band without a name");
        assert_eq!(
            errors.get("band_2_name"),
            Some("Give every band a name of at most 40 characters")
        );
        // Every row blank.
        let mut fields = four_by_four();
        fields.retain(|(name, _)| !name.starts_with("band_"));
        let errors = form(&fields).parse().expect_err("no bands");
        assert_eq!(errors.get("band_1_name"), Some("Add at least one band"));
    }
}
