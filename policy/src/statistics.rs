//! Statistical releases under 5 U.S.C. 552a(b)(5) (31 CFR 1.24(a)(5)): the recipient receives
//! "a form that is not individually identifiable", so records become one table of counts over
//! fields the system's notice marks `statistical`, every cell counting fewer than the minimum
//! suppressed. Pure: the gate hands in each record's values and gets the table back.
//!
//! The records counted are a population the officer cannot pick one by one: one category's
//! records collected in one closed calendar period (a month, a quarter, a year). Two tables of
//! overlapping but different populations would give, by their difference, the counts of the
//! records in one and not the other (a differencing attack), so [`check_ledger`] refuses a
//! period that overlaps one released before unless it is the same period over the same records.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::{code, Decision, Policy};

/// The smallest count a released cell may have unless the release asks for more (ours: the
/// common disclosure-avoidance threshold; the regulation names none). A release may raise it,
/// never lower it.
pub const MIN_CELL: u32 = 10;

/// Most fields one table may cross: each more splits cells smaller.
pub const MAX_DIMENSIONS: usize = 3;

/// What a category value becomes when it is not a short code (a typed phrase could name
/// someone): counted, never shown.
pub const OTHER: &str = "(other)";

/// What a record without the field counts as.
pub const MISSING: &str = "(none)";

/// Most records one statistical release counts (ours: each counted record gets its accounting
/// entry in one batch).
pub const MAX_POPULATION: usize = 10_000;

/// A calendar period a statistical release counts: `YYYY`, `YYYY-Qn` or `YYYY-MM`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    /// Its first day.
    pub start: NaiveDate,
    /// The day after its last.
    pub end: NaiveDate,
}

impl Period {
    /// The period `text` names, if it is one of the three forms.
    pub fn parse(text: &str) -> Option<Period> {
        let month_start = |year: i32, month: u32| NaiveDate::from_ymd_opt(year, month, 1);
        let after = |year: i32, month: u32, months: u32| {
            let index = year * 12 + month as i32 - 1 + months as i32;
            month_start(index.div_euclid(12), index.rem_euclid(12) as u32 + 1)
        };
        let year = |digits: &str| {
            (digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()))
                .then(|| digits.parse::<i32>().ok())
                .flatten()
                .filter(|year| (1970..=9998).contains(year))
        };
        let (start, end) = match text.split_once('-') {
            None => {
                let year = year(text)?;
                (month_start(year, 1)?, after(year, 1, 12)?)
            }
            Some((y, quarter)) if quarter.len() == 2 && quarter.starts_with('Q') => {
                let year = year(y)?;
                let quarter: u32 = quarter[1..].parse().ok().filter(|q| (1..=4).contains(q))?;
                let month = (quarter - 1) * 3 + 1;
                (month_start(year, month)?, after(year, month, 3)?)
            }
            Some((y, month)) if month.len() == 2 && month.bytes().all(|b| b.is_ascii_digit()) => {
                let year = year(y)?;
                let month: u32 = month.parse().ok().filter(|m| (1..=12).contains(m))?;
                (month_start(year, month)?, after(year, month, 1)?)
            }
            _ => return None,
        };
        Some(Period { start, end })
    }

    /// How it is written (`2026`, `2026-Q1`, `2026-03`).
    pub fn name(&self) -> String {
        let months = (self.end.year() - self.start.year()) * 12 + self.end.month() as i32
            - self.start.month() as i32;
        match months {
            12 => format!("{}", self.start.year()),
            3 => format!(
                "{}-Q{}",
                self.start.year(),
                (self.start.month() - 1) / 3 + 1
            ),
            _ => format!("{}-{:02}", self.start.year(), self.start.month()),
        }
    }

    /// Whether a record collected on `day` is in it.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day < self.end
    }

    /// Whether the two share a day.
    pub fn overlaps(&self, other: &Period) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// One statistical release as the ledger keeps it: what was counted, never the counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counted {
    /// The system.
    pub system: String,
    /// The category.
    pub category: String,
    /// The period, as written.
    pub period: String,
    /// A digest of the ids of the records counted (sorted), so the same period is known to be
    /// the same records.
    pub members: String,
    /// The fields the table crossed: a second table of the same records by other fields would
    /// give, by difference, a cell the first suppressed.
    pub dimensions: Vec<String>,
}

/// Whether a statistical release of `asked` may follow the ones in `ledger`: its period is
/// closed before `today` (records still arriving would change it), and it overlaps no period
/// released before of the same system and category unless it is that period over the same
/// records by the same fields (the same table again). Refused otherwise, naming the earlier
/// period (a code, never a value).
pub fn check_ledger(asked: &Counted, ledger: &[Counted], today: NaiveDate) -> Result<(), Decision> {
    let period = Period::parse(&asked.period).ok_or_else(|| {
        Decision::deny(
            "statistics-period",
            "a statistical release counts one calendar period: `YYYY`, `YYYY-Qn` or `YYYY-MM`",
        )
    })?;
    if period.end > today {
        return Err(Decision::deny(
            "statistics-period",
            format!(
                "{} has not ended: a statistical release counts a closed period",
                period.name()
            ),
        ));
    }
    for earlier in ledger
        .iter()
        .filter(|earlier| earlier.system == asked.system && earlier.category == asked.category)
    {
        // The gate refuses a ledger whose period does not parse; here it protects the
        // widest span rather than none.
        let before = Period::parse(&earlier.period).unwrap_or(Period {
            start: NaiveDate::MIN,
            end: NaiveDate::MAX,
        });
        if before == period && earlier.members != asked.members {
            return Err(Decision::deny(
                "statistics-population-changed",
                format!("{} was counted before over other records (some stored, destroyed or moved to another phase since): a second table would tell the difference", period.name()),
            ));
        }
        let sorted = |fields: &[String]| {
            let mut fields = fields.to_vec();
            fields.sort();
            fields
        };
        if before == period && sorted(&earlier.dimensions) != sorted(&asked.dimensions) {
            return Err(Decision::deny(
                "statistics-dimensions-changed",
                format!("{} was counted before by {}: a table of the same records by other fields would give, by difference, a cell the first suppressed", period.name(), earlier.dimensions.join(", ")),
            ));
        }
        if before != period && before.overlaps(&period) {
            return Err(Decision::deny(
                "statistics-overlap",
                format!("{} overlaps {}, counted before: the difference of the two tables would count the records of one and not the other", period.name(), before.name()),
            ));
        }
    }
    Ok(())
}

/// One table of a statistical release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    /// The fields crossed, in order.
    pub dimensions: Vec<String>,
    /// The cells shown: each combination of values counted at least `min_cell` times.
    pub cells: Vec<Cell>,
    /// How many cells were suppressed (their counts and values are not released).
    pub suppressed_cells: usize,
    /// The minimum count of a shown cell.
    pub min_cell: u32,
}

/// One cell: a value per dimension, and how many records have them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// One value per dimension.
    pub values: Vec<String>,
    /// How many records.
    pub count: u32,
}

/// A field's value as a table shows it: a short code (letters, digits, `.`, `-`, `_`; no
/// spaces, so no full name; at most 16 bytes, at most four digits), else [`OTHER`]; a record
/// without it, [`MISSING`].
pub fn category_value(value: Option<&str>) -> String {
    let Some(value) = value.map(str::trim) else {
        return MISSING.to_owned();
    };
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let short_code = !value.is_empty()
        && value.len() <= 16
        && digits <= 4
        && value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b".-_".contains(&byte));
    if short_code {
        value.to_owned()
    } else {
        OTHER.to_owned()
    }
}

/// Counts `rows` (one value per dimension each, `None` where a record lacks the field, and
/// the person the record is about) into one table of record counts. A cell is shown only when
/// its records are about at least `min_cell` different people (raised to [`MIN_CELL`] if
/// lower): ten records of one person are still one person. A table whose one shown cell holds
/// every record counted would tell each person's values: it is suppressed too. No total is
/// released: with one suppressed cell, a total would give it away.
pub fn tabulate<'a>(
    dimensions: &[String],
    rows: impl IntoIterator<Item = (Vec<Option<&'a str>>, String)>,
    min_cell: u32,
) -> Table {
    let min_cell = min_cell.max(MIN_CELL);
    let mut counts: BTreeMap<Vec<String>, (u32, std::collections::BTreeSet<String>)> =
        BTreeMap::new();
    let mut total = 0u32;
    for (row, person) in rows {
        let key = row.into_iter().map(category_value).collect();
        let cell = counts.entry(key).or_default();
        cell.0 += 1;
        cell.1.insert(person);
        total += 1;
    }
    let mut table = Table {
        dimensions: dimensions.to_vec(),
        cells: Vec::new(),
        suppressed_cells: 0,
        min_cell,
    };
    for (values, (count, people)) in counts {
        if u32::try_from(people.len()).unwrap_or(u32::MAX) >= min_cell {
            table.cells.push(Cell { values, count });
        } else {
            table.suppressed_cells += 1;
        }
    }
    if table.cells.len() == 1 && table.cells[0].count == total {
        table.cells.clear();
        table.suppressed_cells += 1;
    }
    table
}

impl Policy {
    /// The fields a statistical release of `category` records of `system` crosses: those asked
    /// for, each one the notice marks `statistical`, or all of them when none is asked for;
    /// at most [`MAX_DIMENSIONS`]. Refused (`statistics-field`) otherwise.
    pub fn statistical_dimensions(
        &self,
        system: &str,
        category: &str,
        asked: &[String],
        min_cell: Option<u32>,
    ) -> Result<Vec<String>, Decision> {
        if min_cell.is_some_and(|min| min < MIN_CELL) {
            return Err(Decision::deny(
                "statistics-min-cell",
                format!("a statistical release suppresses cells under {MIN_CELL} at least; it may raise the minimum, never lower it"),
            ));
        }
        let statistical: Vec<String> = self
            .catalog()
            .system(system)
            .and_then(|known| known.sorn.category(category))
            .map(|known| {
                known
                    .fields
                    .iter()
                    .filter(|field| field.statistical)
                    .map(|field| field.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        let dimensions: Vec<String> = if asked.is_empty() {
            statistical.iter().take(MAX_DIMENSIONS).cloned().collect()
        } else {
            asked.to_vec()
        };
        if dimensions.is_empty() {
            return Err(Decision::deny(
                "statistics-field",
                format!(
                    "the notice marks no field of `{}` records statistical",
                    code(category)
                ),
            ));
        }
        if dimensions.len() > MAX_DIMENSIONS {
            return Err(Decision::deny(
                "statistics-field",
                format!("a table crosses at most {MAX_DIMENSIONS} fields"),
            ));
        }
        if let Some(field) = dimensions.iter().find(|field| !statistical.contains(field)) {
            return Err(Decision::deny(
                "statistics-field",
                format!(
                    "`{}` is not a field the notice marks statistical (statistical: {})",
                    code(field),
                    statistical.join(", ")
                ),
            ));
        }
        Ok(dimensions)
    }
}
