//! Statistical releases under 5 U.S.C. 552a(b)(5) (31 CFR 1.24(a)(5)): the recipient receives
//! "a form that is not individually identifiable", so records become one table of counts over
//! fields the system's notice marks `statistical`, every cell counting fewer than the minimum
//! suppressed. Pure: the gate hands in each record's values and gets the table back.

use std::collections::BTreeMap;

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
