//! The risk matrix as data: how many likelihood and impact levels an area rates on, what each
//! level is called, and the bands that scores fall into. The default is the NPSA 5×5 ("A risk
//! matrix for risk managers", 2008). An area may change its matrix; a [`Score`] keeps the band it
//! was given, so changing the matrix never rescales a score made under the old one.
//!
//! Bands are written by their lowest score only (low from 1, moderate from 4, high from 8,
//! extreme from 15): a band runs up to the next band's start, so every possible score has
//! exactly one band and gaps such as 7 (no product of two levels of 1 to 5) need no rule.
//!
//! A matrix serialises as `{"likelihoods": [...], "impacts": [...], "bands": [{"name",
//! "colour", "from"}]}` and is checked again when read back, so stored JSON cannot hold a matrix
//! that [`Matrix::new`] would refuse.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::keyed::keyed_enum;

/// Fewest and most levels on either side of a matrix.
pub const LEVELS: std::ops::RangeInclusive<usize> = 2..=10;
/// Longest label of a level or name of a band, in characters.
pub const MAX_NAME_CHARS: usize = 40;
/// Most bands a matrix has (the NPSA's has four).
pub const MAX_BANDS: usize = 6;

keyed_enum! {
    /// The colour a band is shown in: a GOV.UK Design System tag colour, whose key is the
    /// `govuk-tag--<key>` modifier. Colour is never the only sign of a band: its name is always
    /// shown with it.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    pub enum BandColour {
        Grey = ("grey", "Grey"),
        Green = ("green", "Green"),
        Turquoise = ("turquoise", "Turquoise"),
        Blue = ("blue", "Blue"),
        LightBlue = ("light-blue", "Light blue"),
        Purple = ("purple", "Purple"),
        Pink = ("pink", "Pink"),
        Yellow = ("yellow", "Yellow"),
        /// What the NPSA calls amber.
        Orange = ("orange", "Orange (amber)"),
        Red = ("red", "Red"),
    }
}

/// A band of scores: its name, its colour, and the lowest score in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Band {
    pub name: String,
    pub colour: BandColour,
    /// The lowest score in the band; it runs up to the next band's `from`, less one.
    pub from: u16,
}

impl Band {
    pub fn new(name: &str, colour: BandColour, from: u16) -> Band {
        Band {
            name: name.to_owned(),
            colour,
            from,
        }
    }
}

/// A likelihood and impact rated on a matrix, and what they make: the score (their product) and
/// the band it fell in then. The band is a copy, not a reference into the matrix, so the score
/// reads the same after the matrix changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub likelihood: u8,
    pub impact: u8,
    pub value: u16,
    pub band: Band,
}

/// A risk matrix that has passed [`Matrix::new`]'s checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "MatrixParts", into = "MatrixParts")]
pub struct Matrix {
    likelihoods: Vec<String>,
    impacts: Vec<String>,
    bands: Vec<Band>,
}

/// A matrix as stored, before its checks: what serde reads and writes.
#[derive(Serialize, Deserialize)]
struct MatrixParts {
    likelihoods: Vec<String>,
    impacts: Vec<String>,
    bands: Vec<Band>,
}

impl TryFrom<MatrixParts> for Matrix {
    type Error = MatrixProblem;

    fn try_from(parts: MatrixParts) -> Result<Matrix, MatrixProblem> {
        Matrix::new(parts.likelihoods, parts.impacts, parts.bands)
    }
}

impl From<Matrix> for MatrixParts {
    fn from(matrix: Matrix) -> MatrixParts {
        MatrixParts {
            likelihoods: matrix.likelihoods,
            impacts: matrix.impacts,
            bands: matrix.bands,
        }
    }
}

/// Which side of the matrix a level is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    Likelihood,
    Impact,
}

impl Axis {
    /// "likelihood" or "impact", as messages and form fields name the side.
    pub fn name(self) -> &'static str {
        match self {
            Axis::Likelihood => "likelihood",
            Axis::Impact => "impact",
        }
    }

    fn capitalised(self) -> &'static str {
        match self {
            Axis::Likelihood => "Likelihood",
            Axis::Impact => "Impact",
        }
    }
}

/// Why a matrix is refused; the `Display` is the message for whoever edits it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MatrixProblem {
    #[error("The {} scale must have between 2 and 10 levels", .0.name())]
    LevelCount(Axis),
    #[error("Give every {} level a name of at most 40 characters", .0.name())]
    LevelLabel(Axis),
    #[error("Two {axis} levels are both called \"{name}\"", axis = .0.name(), name = .1)]
    DuplicateLevel(Axis, String),
    #[error("Add at least one band")]
    NoBands,
    #[error("A matrix can have at most 6 bands")]
    TooManyBands,
    #[error("The first band must start at a score of 1, so that every score has a band")]
    FirstBandNotAtOne,
    #[error("Each band must start at a higher score than the one before it")]
    BandsNotAscending,
    #[error("Give every band a name of at most 40 characters")]
    BandName,
    #[error("Two bands are both called \"{0}\"")]
    DuplicateBand(String),
    #[error("The band \"{0}\" contains no score this matrix can give")]
    EmptyBand(String),
}

/// Which part of a matrix a [`MatrixProblem`] is in. Indexes count from 0, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixPart {
    /// How many levels a side has.
    LevelCount(Axis),
    /// One level's label.
    Level(Axis, usize),
    /// The bands as a whole (there are none).
    Bands,
    BandName(usize),
    /// The lowest score of a band.
    BandFrom(usize),
}

/// Everything [`Matrix::check`] found wrong with a matrix: never nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatrixProblems {
    first: MatrixProblem,
    all: Vec<(MatrixPart, MatrixProblem)>,
}

impl MatrixProblems {
    /// Each problem and where it is, in the order of the matrix's parts.
    pub fn iter(&self) -> impl Iterator<Item = &(MatrixPart, MatrixProblem)> {
        self.all.iter()
    }
}

/// Why a likelihood or impact cannot be rated on a matrix; the `Display` is the field's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RatingProblem {
    #[error("Choose the {}", .axis.name())]
    Missing { axis: Axis },
    #[error("{} must be between 1 and {max}", .axis.capitalised())]
    OutOfRange { axis: Axis, max: u8 },
    /// A level rated on an earlier matrix that the current one does not have.
    #[error(
        "This was rated {level} on an earlier risk matrix, and the {axis} now goes from 1 to {max}: choose the {axis} again",
        axis = .axis.name()
    )]
    NotOnThisMatrix { axis: Axis, level: u8, max: u8 },
}

/// What is wrong with each of a form's two levels, for the message by each field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RatingProblems {
    pub likelihood: Option<RatingProblem>,
    pub impact: Option<RatingProblem>,
}

impl Matrix {
    /// The NPSA 5×5: likelihood rare to almost certain, impact insignificant to catastrophic;
    /// 1–3 low (green), 4–6 moderate (yellow), 8–12 high (amber), 15–25 extreme (red).
    pub fn npsa_5x5() -> Matrix {
        let names = |names: [&str; 5]| names.map(str::to_owned).to_vec();
        Matrix {
            likelihoods: names(["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]),
            impacts: names([
                "Insignificant",
                "Minor",
                "Moderate",
                "Major",
                "Catastrophic",
            ]),
            bands: vec![
                Band::new("Low", BandColour::Green, 1),
                Band::new("Moderate", BandColour::Yellow, 4),
                Band::new("High", BandColour::Orange, 8),
                Band::new("Extreme", BandColour::Red, 15),
            ],
        }
    }

    /// A matrix with these level labels (lowest first; their counts are its size) and bands
    /// (lowest first). Labels and band names are trimmed. Refused with the first problem
    /// [`Matrix::check`] finds.
    pub fn new(
        likelihoods: Vec<String>,
        impacts: Vec<String>,
        bands: Vec<Band>,
    ) -> Result<Matrix, MatrixProblem> {
        Matrix::check(likelihoods, impacts, bands).map_err(|problems| problems.first)
    }

    /// As [`Matrix::new`], but refused with every problem and the part of the matrix each is
    /// in, so that a form can show each message by its field.
    pub fn check(
        likelihoods: Vec<String>,
        impacts: Vec<String>,
        bands: Vec<Band>,
    ) -> Result<Matrix, MatrixProblems> {
        let trim = |labels: Vec<String>| -> Vec<String> {
            labels
                .into_iter()
                .map(|label| label.trim().to_owned())
                .collect()
        };
        let matrix = Matrix {
            likelihoods: trim(likelihoods),
            impacts: trim(impacts),
            bands: bands
                .into_iter()
                .map(|band| Band {
                    name: band.name.trim().to_owned(),
                    ..band
                })
                .collect(),
        };
        let mut problems = level_problems(Axis::Likelihood, &matrix.likelihoods);
        problems.extend(level_problems(Axis::Impact, &matrix.impacts));
        problems.extend(matrix.band_problems());
        let mut problems = problems.into_iter();
        match problems.next() {
            None => Ok(matrix),
            Some((part, problem)) => Err(MatrixProblems {
                first: problem.clone(),
                all: std::iter::once((part, problem)).chain(problems).collect(),
            }),
        }
    }

    /// What is wrong with the bands, in order: each band's name, then its start.
    fn band_problems(&self) -> Vec<(MatrixPart, MatrixProblem)> {
        if self.bands.is_empty() {
            return vec![(MatrixPart::Bands, MatrixProblem::NoBands)];
        }
        if self.bands.len() > MAX_BANDS {
            return vec![(MatrixPart::Bands, MatrixProblem::TooManyBands)];
        }
        let mut problems = Vec::new();
        let mut names = BTreeSet::new();
        for (index, band) in self.bands.iter().enumerate() {
            if band.name.is_empty() || band.name.chars().count() > MAX_NAME_CHARS {
                problems.push((MatrixPart::BandName(index), MatrixProblem::BandName));
            } else if !names.insert(band.name.to_lowercase()) {
                problems.push((
                    MatrixPart::BandName(index),
                    MatrixProblem::DuplicateBand(band.name.clone()),
                ));
            }
            let previous = index.checked_sub(1).map(|before| self.bands[before].from);
            match previous {
                None if band.from != 1 => {
                    problems.push((
                        MatrixPart::BandFrom(index),
                        MatrixProblem::FirstBandNotAtOne,
                    ));
                }
                Some(previous) if band.from <= previous => {
                    problems.push((
                        MatrixPart::BandFrom(index),
                        MatrixProblem::BandsNotAscending,
                    ));
                }
                _ => {}
            }
        }
        // Which scores a band holds is only known once the bands are in order on a matrix of a
        // possible size.
        let ordered = !problems
            .iter()
            .any(|(part, _)| matches!(part, MatrixPart::BandFrom(_)));
        let sized =
            LEVELS.contains(&self.likelihoods.len()) && LEVELS.contains(&self.impacts.len());
        if ordered && sized {
            for (index, band) in self.bands.iter().enumerate() {
                let (from, to) = self.span(index);
                if !self
                    .possible_scores()
                    .any(|score| (from..=to).contains(&score))
                {
                    problems.push((
                        MatrixPart::BandFrom(index),
                        MatrixProblem::EmptyBand(band.name.clone()),
                    ));
                }
            }
        }
        problems
    }

    /// How many likelihood levels (1 to this).
    pub fn likelihood_levels(&self) -> u8 {
        level_count(&self.likelihoods)
    }

    /// How many impact levels (1 to this).
    pub fn impact_levels(&self) -> u8 {
        level_count(&self.impacts)
    }

    /// The likelihood levels and their labels, lowest first: `(1, "Rare")`, ...
    pub fn likelihoods(&self) -> impl Iterator<Item = (u8, &str)> {
        numbered(&self.likelihoods)
    }

    /// The impact levels and their labels, lowest first: `(1, "Insignificant")`, ...
    pub fn impacts(&self) -> impl Iterator<Item = (u8, &str)> {
        numbered(&self.impacts)
    }

    pub fn likelihood_label(&self, level: u8) -> Option<&str> {
        label(&self.likelihoods, level)
    }

    pub fn impact_label(&self, level: u8) -> Option<&str> {
        label(&self.impacts, level)
    }

    /// The bands, lowest first.
    pub fn bands(&self) -> &[Band] {
        &self.bands
    }

    /// The lowest and highest score this matrix can give in each band, for a key such as
    /// "High: 8 to 12" (not 8 to 14: 13 and 14 are products of no two levels).
    pub fn band_ranges(&self) -> Vec<(&Band, u16, u16)> {
        (0..self.bands.len())
            .filter_map(|index| {
                let (from, to) = self.span(index);
                let mut inside = self
                    .possible_scores()
                    .filter(|score| (from..=to).contains(score));
                let lowest = inside.next()?;
                let highest = inside.last().unwrap_or(lowest);
                Some((&self.bands[index], lowest, highest))
            })
            .collect()
    }

    /// The band a score falls in: the last band starting at or below it.
    pub fn band_for(&self, value: u16) -> &Band {
        // `new` guarantees a first band starting at 1; a score of 0 (never made) takes it too.
        self.bands
            .iter()
            .rev()
            .find(|band| band.from <= value)
            .unwrap_or(&self.bands[0])
    }

    /// Rates a likelihood and an impact: their product and its band, or which of them is off
    /// the matrix.
    pub fn score(&self, likelihood: u8, impact: u8) -> Result<Score, RatingProblem> {
        let check = |axis, level, max| {
            if (1..=max).contains(&level) {
                Ok(())
            } else {
                Err(RatingProblem::OutOfRange { axis, max })
            }
        };
        check(Axis::Likelihood, likelihood, self.likelihood_levels())?;
        check(Axis::Impact, impact, self.impact_levels())?;
        let value = u16::from(likelihood) * u16::from(impact);
        Ok(Score {
            likelihood,
            impact,
            value,
            band: self.band_for(value).clone(),
        })
    }

    /// The level a form sent for `axis` ("3"): a whole number on this matrix. Anything else,
    /// including "0", "6" on a 5×5 or "three", is out of range; nothing at all is missing.
    pub fn parse_level(&self, axis: Axis, raw: &str) -> Result<u8, RatingProblem> {
        let max = match axis {
            Axis::Likelihood => self.likelihood_levels(),
            Axis::Impact => self.impact_levels(),
        };
        let typed = raw.trim();
        if typed.is_empty() {
            return Err(RatingProblem::Missing { axis });
        }
        typed
            .parse::<u8>()
            .ok()
            .filter(|level| (1..=max).contains(level))
            .ok_or(RatingProblem::OutOfRange { axis, max })
    }

    /// Rates what a form sent for likelihood and impact: [`Matrix::parse_level`] each, then
    /// [`Matrix::score`]. Both fields' problems are returned, so each shows by its field.
    pub fn rate(&self, likelihood: &str, impact: &str) -> Result<Score, RatingProblems> {
        match (
            self.parse_level(Axis::Likelihood, likelihood),
            self.parse_level(Axis::Impact, impact),
        ) {
            (Ok(likelihood), Ok(impact)) => {
                // Both levels were checked against this matrix just now; kept for safety.
                self.score(likelihood, impact)
                    .map_err(|problem| RatingProblems {
                        likelihood: Some(problem),
                        impact: None,
                    })
            }
            (likelihood, impact) => Err(RatingProblems {
                likelihood: likelihood.err(),
                impact: impact.err(),
            }),
        }
    }

    /// Which levels of a score made earlier (perhaps on another matrix) this matrix does not
    /// have, each with the message asking for it to be rated again; none when the score fits.
    pub fn misfits(&self, score: &Score) -> RatingProblems {
        let misfit = |axis, level, max| {
            (!(1..=max).contains(&level)).then_some(RatingProblem::NotOnThisMatrix {
                axis,
                level,
                max,
            })
        };
        RatingProblems {
            likelihood: misfit(Axis::Likelihood, score.likelihood, self.likelihood_levels()),
            impact: misfit(Axis::Impact, score.impact, self.impact_levels()),
        }
    }

    /// Every score a cell of this matrix can give, ascending, each once.
    pub fn possible_scores(&self) -> impl Iterator<Item = u16> + use<> {
        let (rows, columns) = (
            u16::from(self.likelihood_levels()),
            u16::from(self.impact_levels()),
        );
        (1..=rows)
            .flat_map(move |row| (1..=columns).map(move |column| row * column))
            .collect::<BTreeSet<u16>>()
            .into_iter()
    }

    /// The scores band `index` is written to cover: from its start to the next band's, less one.
    fn span(&self, index: usize) -> (u16, u16) {
        let from = self.bands[index].from;
        let to = self
            .bands
            .get(index + 1)
            .map_or(u16::MAX, |next| next.from - 1);
        (from, to)
    }
}

/// What is wrong with one side's (trimmed) labels: their count, then each label in turn.
fn level_problems(axis: Axis, labels: &[String]) -> Vec<(MatrixPart, MatrixProblem)> {
    let mut problems = Vec::new();
    if !LEVELS.contains(&labels.len()) {
        problems.push((
            MatrixPart::LevelCount(axis),
            MatrixProblem::LevelCount(axis),
        ));
    }
    let mut seen = BTreeSet::new();
    for (index, label) in labels.iter().enumerate() {
        if label.is_empty() || label.chars().count() > MAX_NAME_CHARS {
            problems.push((
                MatrixPart::Level(axis, index),
                MatrixProblem::LevelLabel(axis),
            ));
        } else if !seen.insert(label.to_lowercase()) {
            problems.push((
                MatrixPart::Level(axis, index),
                MatrixProblem::DuplicateLevel(axis, label.clone()),
            ));
        }
    }
    problems
}

/// `new` holds the count to at most 10, so it fits.
fn level_count(labels: &[String]) -> u8 {
    u8::try_from(labels.len()).unwrap_or(u8::MAX)
}

fn numbered(labels: &[String]) -> impl Iterator<Item = (u8, &str)> {
    (1..=u8::MAX).zip(labels.iter().map(String::as_str))
}

fn label(labels: &[String], level: u8) -> Option<&str> {
    let index = usize::from(level).checked_sub(1)?;
    labels.get(index).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_owned()).collect()
    }

    /// A 4×4 matrix of the kind some councils use: low 1–2, medium 3–4, high 6–9, very high
    /// 12–16.
    fn four_by_four() -> Matrix {
        Matrix::new(
            strings(&["Unlikely", "Possible", "Likely", "Very likely"]),
            strings(&["Minor", "Moderate", "Serious", "Critical"]),
            vec![
                Band::new("Low", BandColour::Green, 1),
                Band::new("Medium", BandColour::Yellow, 3),
                Band::new("High", BandColour::Orange, 5),
                Band::new("Very high", BandColour::Red, 10),
            ],
        )
        .expect("a valid 4×4 matrix")
    }

    /// Checks every cell of `matrix` against `expected`, rows by likelihood 1 up, columns by
    /// impact 1 up, each cell its score and band name.
    fn assert_cells(matrix: &Matrix, expected: &[&[(u16, &str)]]) {
        assert_eq!(usize::from(matrix.likelihood_levels()), expected.len());
        for (row, cells) in (1..).zip(expected) {
            assert_eq!(usize::from(matrix.impact_levels()), cells.len());
            for (column, (value, band)) in (1..).zip(cells.iter()) {
                let score = matrix.score(row, column).expect("a cell of the matrix");
                assert_eq!(
                    (score.value, score.band.name.as_str()),
                    (*value, *band),
                    "likelihood {row}, impact {column}"
                );
                assert_eq!((score.likelihood, score.impact), (row, column));
            }
        }
    }

    #[test]
    fn every_cell_of_the_npsa_matrix_has_the_npsa_score_and_band() {
        // The NPSA 2008 table, likelihood rare (1) to almost certain (5) down, impact
        // insignificant (1) to catastrophic (5) across.
        let (l, m, h, e) = ("Low", "Moderate", "High", "Extreme");
        assert_cells(
            &Matrix::npsa_5x5(),
            &[
                &[(1, l), (2, l), (3, l), (4, m), (5, m)],
                &[(2, l), (4, m), (6, m), (8, h), (10, h)],
                &[(3, l), (6, m), (9, h), (12, h), (15, e)],
                &[(4, m), (8, h), (12, h), (16, e), (20, e)],
                &[(5, m), (10, h), (15, e), (20, e), (25, e)],
            ],
        );
    }

    #[test]
    fn the_npsa_matrix_has_its_labels_colours_and_ranges() {
        let matrix = Matrix::npsa_5x5();
        assert_eq!(
            matrix.likelihoods().collect::<Vec<_>>(),
            [
                (1, "Rare"),
                (2, "Unlikely"),
                (3, "Possible"),
                (4, "Likely"),
                (5, "Almost certain")
            ]
        );
        assert_eq!(
            matrix.impacts().map(|(_, label)| label).collect::<Vec<_>>(),
            [
                "Insignificant",
                "Minor",
                "Moderate",
                "Major",
                "Catastrophic"
            ]
        );
        assert_eq!(matrix.likelihood_label(5), Some("Almost certain"));
        assert_eq!(matrix.impact_label(1), Some("Insignificant"));
        assert_eq!(matrix.impact_label(0), None);
        assert_eq!(matrix.likelihood_label(6), None);
        let ranges: Vec<_> = matrix
            .band_ranges()
            .into_iter()
            .map(|(band, low, high)| (band.name.as_str(), band.colour.key(), low, high))
            .collect();
        assert_eq!(
            ranges,
            [
                ("Low", "green", 1, 3),
                ("Moderate", "yellow", 4, 6),
                ("High", "orange", 8, 12),
                ("Extreme", "red", 15, 25)
            ]
        );
        // 7 is no product of two levels, but were it asked for it would still have a band.
        assert_eq!(matrix.band_for(7).name, "Moderate");
        assert!(!matrix.possible_scores().any(|score| score == 7));
    }

    #[test]
    fn every_cell_of_a_four_by_four_matrix_has_its_score_and_band() {
        let (l, m, h, v) = ("Low", "Medium", "High", "Very high");
        let matrix = four_by_four();
        assert_cells(
            &matrix,
            &[
                &[(1, l), (2, l), (3, m), (4, m)],
                &[(2, l), (4, m), (6, h), (8, h)],
                &[(3, m), (6, h), (9, h), (12, v)],
                &[(4, m), (8, h), (12, v), (16, v)],
            ],
        );
        let ranges: Vec<_> = matrix
            .band_ranges()
            .into_iter()
            .map(|(band, low, high)| (band.name.as_str(), low, high))
            .collect();
        assert_eq!(
            ranges,
            [
                ("Low", 1, 2),
                ("Medium", 3, 4),
                ("High", 6, 9),
                ("Very high", 12, 16)
            ]
        );
    }

    #[test]
    fn a_matrix_need_not_be_square() {
        let matrix = Matrix::new(
            strings(&["Unlikely", "Possible", "Likely"]),
            strings(&[
                "Minor",
                "Moderate",
                "Major",
                "Severe",
                "Critical",
                "Catastrophic",
            ]),
            vec![
                Band::new("Low", BandColour::Green, 1),
                Band::new("High", BandColour::Red, 9),
            ],
        )
        .expect("a valid 3×6 matrix");
        assert_eq!((matrix.likelihood_levels(), matrix.impact_levels()), (3, 6));
        assert_eq!(matrix.score(3, 6).map(|score| score.value), Ok(18));
        assert_eq!(
            matrix.score(4, 1),
            Err(RatingProblem::OutOfRange {
                axis: Axis::Likelihood,
                max: 3
            })
        );
        assert_eq!(
            matrix.score(1, 6).map(|score| score.band.name),
            Ok("Low".to_owned())
        );
    }

    #[test]
    fn levels_off_the_matrix_are_refused_in_words() {
        let matrix = Matrix::npsa_5x5();
        for (likelihood, impact, message) in [
            (0, 3, "Likelihood must be between 1 and 5"),
            (6, 3, "Likelihood must be between 1 and 5"),
            (3, 0, "Impact must be between 1 and 5"),
            (3, 6, "Impact must be between 1 and 5"),
            (0, 0, "Likelihood must be between 1 and 5"),
        ] {
            let problem = matrix
                .score(likelihood, impact)
                .expect_err("off the matrix");
            assert_eq!(problem.to_string(), message);
        }
        let problem = four_by_four().score(1, 5).expect_err("off the 4×4");
        assert_eq!(problem.to_string(), "Impact must be between 1 and 4");
    }

    #[test]
    fn levels_from_forms_are_parsed_against_the_matrix() {
        let matrix = Matrix::npsa_5x5();
        assert_eq!(matrix.parse_level(Axis::Likelihood, " 3 "), Ok(3));
        assert_eq!(matrix.parse_level(Axis::Impact, "5"), Ok(5));
        for raw in ["0", "6", "three", "-1", "2.5", "300"] {
            assert_eq!(
                matrix.parse_level(Axis::Impact, raw),
                Err(RatingProblem::OutOfRange {
                    axis: Axis::Impact,
                    max: 5
                }),
                "{raw:?}"
            );
        }
        let missing = matrix
            .parse_level(Axis::Likelihood, "")
            .expect_err("missing");
        assert_eq!(missing.to_string(), "Choose the likelihood");

        let score = matrix.rate("4", "5").expect("on the matrix");
        assert_eq!((score.value, score.band.name.as_str()), (20, "Extreme"));
        let RatingProblems { likelihood, impact } = matrix.rate("", "9").expect_err("both wrong");
        assert_eq!(
            likelihood.map(|problem| problem.to_string()).as_deref(),
            Some("Choose the likelihood")
        );
        assert_eq!(
            impact.map(|problem| problem.to_string()).as_deref(),
            Some("Impact must be between 1 and 5")
        );
        assert_eq!(matrix.rate("2", "x").expect_err("impact").likelihood, None);
    }

    #[test]
    fn a_score_keeps_its_band_when_the_matrix_changes() {
        let before = Matrix::npsa_5x5();
        let score = before.score(2, 4).expect("on the matrix");
        assert_eq!((score.value, score.band.name.as_str()), (8, "High"));
        let kept = serde_json::to_string(&score).expect("serialises");

        // The area decides 8 to 11 is only moderate, and renames the top band.
        let after = Matrix::new(
            strings(&["Rare", "Unlikely", "Possible", "Likely", "Almost certain"]),
            strings(&[
                "Insignificant",
                "Minor",
                "Moderate",
                "Major",
                "Catastrophic",
            ]),
            vec![
                Band::new("Low", BandColour::Green, 1),
                Band::new("Moderate", BandColour::Yellow, 4),
                Band::new("High", BandColour::Orange, 12),
                Band::new("Severe", BandColour::Red, 15),
            ],
        )
        .expect("a valid matrix");
        assert_ne!(before, after);
        assert_eq!(after.score(2, 4).expect("on it").band.name, "Moderate");

        // The old score, and the copy of it kept, still say what they said.
        assert_eq!((score.value, score.band.name.as_str()), (8, "High"));
        assert_eq!(score.band.colour, BandColour::Orange);
        let read_back: Score = serde_json::from_str(&kept).expect("reads back");
        assert_eq!(read_back, score);
    }

    #[test]
    fn a_matrix_serialises_stably_and_reads_back_equal() {
        let matrix = Matrix::npsa_5x5();
        let json = serde_json::to_value(&matrix).expect("serialises");
        assert_eq!(
            json,
            serde_json::json!({
                "likelihoods": ["Rare", "Unlikely", "Possible", "Likely", "Almost certain"],
                "impacts": ["Insignificant", "Minor", "Moderate", "Major", "Catastrophic"],
                "bands": [
                    {"name": "Low", "colour": "green", "from": 1},
                    {"name": "Moderate", "colour": "yellow", "from": 4},
                    {"name": "High", "colour": "orange", "from": 8},
                    {"name": "Extreme", "colour": "red", "from": 15},
                ],
            })
        );
        let read_back: Matrix = serde_json::from_value(json).expect("reads back");
        assert_eq!(read_back, matrix);
        let custom = four_by_four();
        let text = serde_json::to_string(&custom).expect("serialises");
        assert_eq!(
            serde_json::from_str::<Matrix>(&text).expect("reads back"),
            custom
        );
        assert_eq!(
            serde_json::to_value(BandColour::LightBlue).expect("serialises"),
            serde_json::json!("light-blue")
        );
    }

    #[test]
    fn stored_json_cannot_hold_a_matrix_new_would_refuse() {
        let json = serde_json::json!({
            "likelihoods": ["Rare", "Likely"],
            "impacts": ["Minor", "Major"],
            "bands": [{"name": "High", "colour": "red", "from": 2}],
        });
        let error = serde_json::from_value::<Matrix>(json).expect_err("refused");
        assert!(
            error.to_string().contains("must start at a score of 1"),
            "{error}"
        );
    }

    #[test]
    fn bad_matrices_are_refused_with_reasons() {
        let five = || strings(&["A", "B", "C", "D", "E"]);
        let npsa_bands = || Matrix::npsa_5x5().bands().to_vec();
        let band = Band::new;
        /// Likelihood labels, impact labels, bands, and what is wrong with them.
        type Case = (Vec<String>, Vec<String>, Vec<Band>, MatrixProblem);
        let cases: Vec<Case> = vec![
            (
                strings(&["Only"]),
                five(),
                npsa_bands(),
                MatrixProblem::LevelCount(Axis::Likelihood),
            ),
            (
                five(),
                strings(&["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]),
                npsa_bands(),
                MatrixProblem::LevelCount(Axis::Impact),
            ),
            (
                strings(&["A", " ", "C", "D", "E"]),
                five(),
                npsa_bands(),
                MatrixProblem::LevelLabel(Axis::Likelihood),
            ),
            (
                five(),
                strings(&["A", "B", "C", "D", &"x".repeat(41)]),
                npsa_bands(),
                MatrixProblem::LevelLabel(Axis::Impact),
            ),
            (
                five(),
                strings(&["Minor", "minor ", "C", "D", "E"]),
                npsa_bands(),
                MatrixProblem::DuplicateLevel(Axis::Impact, "minor".to_owned()),
            ),
            (five(), five(), vec![], MatrixProblem::NoBands),
            (
                five(),
                five(),
                vec![band("Low", BandColour::Green, 2)],
                MatrixProblem::FirstBandNotAtOne,
            ),
            (
                five(),
                five(),
                vec![
                    band("Low", BandColour::Green, 1),
                    band("High", BandColour::Red, 8),
                    band("Moderate", BandColour::Yellow, 4),
                ],
                MatrixProblem::BandsNotAscending,
            ),
            (
                five(),
                five(),
                vec![
                    band("Low", BandColour::Green, 1),
                    band("Low again", BandColour::Green, 1),
                ],
                MatrixProblem::BandsNotAscending,
            ),
            (
                five(),
                five(),
                vec![
                    band("Low", BandColour::Green, 1),
                    band("  ", BandColour::Red, 9),
                ],
                MatrixProblem::BandName,
            ),
            (
                five(),
                five(),
                vec![
                    band("High", BandColour::Green, 1),
                    band("high", BandColour::Red, 9),
                ],
                MatrixProblem::DuplicateBand("high".to_owned()),
            ),
            (
                // 7 is no product on a 5×5, so a band of 7 alone never holds a risk.
                five(),
                five(),
                vec![
                    band("Low", BandColour::Green, 1),
                    band("Odd", BandColour::Pink, 7),
                    band("High", BandColour::Red, 8),
                ],
                MatrixProblem::EmptyBand("Odd".to_owned()),
            ),
            (
                five(),
                five(),
                vec![
                    band("Low", BandColour::Green, 1),
                    band("Beyond", BandColour::Red, 26),
                ],
                MatrixProblem::EmptyBand("Beyond".to_owned()),
            ),
        ];
        for (likelihoods, impacts, bands, problem) in cases {
            assert_eq!(
                Matrix::new(likelihoods, impacts, bands),
                Err(problem.clone())
            );
        }
        assert_eq!(
            MatrixProblem::EmptyBand("Odd".to_owned()).to_string(),
            "The band \"Odd\" contains no score this matrix can give"
        );
        assert_eq!(
            MatrixProblem::LevelCount(Axis::Impact).to_string(),
            "The impact scale must have between 2 and 10 levels"
        );
    }

    #[test]
    fn check_finds_every_problem_and_where_it_is() {
        let problems = Matrix::check(
            strings(&["Rare", "", "rare"]),
            strings(&["Only"]),
            vec![
                Band::new("Low", BandColour::Green, 2),
                Band::new("", BandColour::Red, 2),
            ],
        )
        .expect_err("many problems");
        let found: Vec<_> = problems.iter().cloned().collect();
        assert_eq!(
            found,
            [
                (
                    MatrixPart::Level(Axis::Likelihood, 1),
                    MatrixProblem::LevelLabel(Axis::Likelihood)
                ),
                (
                    MatrixPart::Level(Axis::Likelihood, 2),
                    MatrixProblem::DuplicateLevel(Axis::Likelihood, "rare".to_owned())
                ),
                (
                    MatrixPart::LevelCount(Axis::Impact),
                    MatrixProblem::LevelCount(Axis::Impact)
                ),
                (MatrixPart::BandFrom(0), MatrixProblem::FirstBandNotAtOne),
                (MatrixPart::BandName(1), MatrixProblem::BandName),
                (MatrixPart::BandFrom(1), MatrixProblem::BandsNotAscending),
            ]
        );
        // `new` refuses with the first of them.
        assert_eq!(
            Matrix::new(strings(&["Rare", ""]), strings(&["A", "B"]), vec![]),
            Err(MatrixProblem::LevelLabel(Axis::Likelihood))
        );
        let seven = (1..=7)
            .map(|from| Band::new(&format!("Band {from}"), BandColour::Grey, from))
            .collect();
        assert_eq!(
            Matrix::new(strings(&["A", "B", "C"]), strings(&["A", "B", "C"]), seven),
            Err(MatrixProblem::TooManyBands)
        );
    }

    #[test]
    fn a_score_made_on_a_bigger_matrix_is_asked_again_for_levels_this_one_lacks() {
        let old = Matrix::npsa_5x5().score(5, 3).expect("on the 5×5");
        let problems = four_by_four().misfits(&old);
        assert_eq!(problems.impact, None);
        assert_eq!(
            problems
                .likelihood
                .map(|problem| problem.to_string())
                .as_deref(),
            Some(
                "This was rated 5 on an earlier risk matrix, and the likelihood now goes from 1 to 4: choose the likelihood again"
            )
        );
        let fits = Matrix::npsa_5x5().score(4, 4).expect("on the 5×5");
        assert_eq!(
            four_by_four().misfits(&fits),
            RatingProblems {
                likelihood: None,
                impact: None
            }
        );
    }

    #[test]
    fn labels_and_band_names_are_trimmed() {
        let matrix = Matrix::new(
            strings(&[" Rare ", "Likely"]),
            strings(&["Minor", "Major"]),
            vec![
                Band::new(" Low ", BandColour::Green, 1),
                Band::new("High", BandColour::Red, 3),
            ],
        )
        .expect("valid");
        assert_eq!(matrix.likelihood_label(1), Some("Rare"));
        assert_eq!(matrix.bands()[0].name, "Low");
        assert_eq!(
            matrix.score(2, 2).map(|score| score.band.name),
            Ok("High".to_owned())
        );
    }
}
