//! Attachment A elements found inside free text, so a record is found by them without anyone
//! reading the text: seed 001 paragraph 5, "CBP's automated system will search those fields
//! [OSI and SSI/SSR] for any of the other data elements identified in Attachment A", while a
//! person reads those fields only for a subject designated high risk.
//!
//! Intake names the fields to scan in the record's `source.scan` entry (`1:osi,ssi_ssr`, from
//! the category's `scan_free_text` in its notice); the vault indexes what the scanner finds
//! with the record's other forms but under kinds of their own (`FREE_TEXT_FLAG`), which only
//! an analyst's search probes, and never stores it otherwise. The entry carries the scanner's version, so a later scanner that finds more
//! does not change the forms of a record indexed by this one (the forms are derived again when
//! a record moves to a hold's index or to a deleted record file, and must match).
//!
//! What version 1 finds, in upper case after NFKC (docs/search.md):
//! - `SSR DOCS` travel documents (`…/P/<issuer>/<number>/<nationality>/<DDMMMYY>/<sex>/
//!   <expiry>/<surname>/<given names>`): the passport with its issuer, the date of birth, the
//!   name in both orders;
//! - `SSR DOCA` addresses (`…/R|D/<country>/<street>/<city>/<state>/<postal code>`): the
//!   address without its country;
//! - `CTCE` e-mail addresses in the IATA encoding (`//` for `@`, `..` for `_`, `./` for `-`),
//!   and any `name@domain.tld` in the text;
//! - telephone numbers after `CTCM`, `CTCH`, `CTCB`, `CTCP`, `CTCT`, `TEL`, `PHONE`, `MOBILE`,
//!   and any number written with a leading `+` (7 to 15 digits);
//! - payment card numbers: 14 to 19 digits (spaces or dashes between groups) that pass the
//!   Luhn check, as `account` (so a 13-digit ticket number is not one).
//!
//! Other names in free text (without `DOCS`) are not found: telling a name from other words
//! needs more than a pattern, and a wrong match would make a record findable by anyone's name.

use chrono::{DateTime, Datelike, Utc};

use crate::codec::KindTag;
use crate::index::{FREE_TEXT_FLAG, NAME_KIND};
use model::normalize;
use model::{Identifier, IdentifierKind, RecordContents};

/// The `source` entry that names the fields to scan, with the scanner's version.
pub const SCAN_SOURCE: &str = "scan";
/// The scanner this build runs.
pub const SCANNER_VERSION: u32 = 1;

/// The `source.scan` value asking this build's scanner to scan `fields`.
pub fn scan_entry<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let fields: Vec<&str> = fields.into_iter().collect();
    format!("{SCANNER_VERSION}:{}", fields.join(","))
}

/// Every (index kind, normalized form) found in the fields a record's `source.scan` names. A
/// record without the entry, or with an entry of a scanner this build does not have, has none.
pub(crate) fn scanned_forms(record: &RecordContents) -> Vec<(u8, String)> {
    let Some((version, fields)) = record
        .source
        .get(SCAN_SOURCE)
        .and_then(|entry| entry.split_once(':'))
    else {
        return Vec::new();
    };
    if version.parse::<u32>().ok() != Some(SCANNER_VERSION) {
        return Vec::new();
    }
    let mut forms = Vec::new();
    for field in fields.split(',') {
        if let Some(text) = record.fields.get(field.trim()) {
            forms.extend(
                elements(text, record.collected_at)
                    .into_iter()
                    .map(Found::into_form),
            );
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// One element found in free text.
#[derive(Clone, PartialEq, Eq)]
pub enum Found {
    /// An identifier (passport, date of birth, address, e-mail, telephone, payment card).
    Identifier(Identifier),
    /// A name, as `given surname` or `surname given`.
    Name(String),
}

impl std::fmt::Debug for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Found::Identifier(identifier) => write!(f, "Found({identifier:?})"),
            Found::Name(_) => f.write_str("Found(name, REDACTED)"),
        }
    }
}

impl Found {
    fn into_form(self) -> (u8, String) {
        match self {
            Found::Identifier(identifier) => (
                identifier.kind.tag() | FREE_TEXT_FLAG,
                normalize::identifier(&identifier),
            ),
            Found::Name(name) => (NAME_KIND | FREE_TEXT_FLAG, normalize::name(&name)),
        }
    }
}

/// The elements version 1 of the scanner finds in `text` (module doc), for a record collected
/// at `collected_at` (a two-digit year of birth is the latest year not after it).
pub fn elements(text: &str, collected_at: DateTime<Utc>) -> Vec<Found> {
    let upper = normalize::nfkc_upper(text);
    let mut found = Vec::new();
    for line in upper.lines() {
        travel_document(line, collected_at.year(), &mut found);
        document_address(line, &mut found);
        encoded_email(line, &mut found);
        labelled_phones(line, &mut found);
    }
    plain_emails(&upper, &mut found);
    plus_phones(&upper, &mut found);
    payment_cards(&upper, &mut found);
    found.dedup();
    found
}

/// The `/`-separated parts after `keyword` on a line, if the keyword is there as a word.
fn parts_after<'a>(line: &'a str, keyword: &str) -> Option<Vec<&'a str>> {
    let at = word_at(line, keyword)?;
    Some(
        line[at + keyword.len()..]
            .split('/')
            .map(str::trim)
            .collect(),
    )
}

/// Where `word` occurs in `line` on its own (not inside a longer word).
fn word_at(line: &str, word: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    line.match_indices(word).map(|(at, _)| at).find(|&at| {
        let before = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        let end = at + word.len();
        let after = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
        before && after
    })
}

fn is_code(text: &str, lengths: std::ops::RangeInclusive<usize>) -> bool {
    lengths.contains(&text.len()) && text.bytes().all(|b| b.is_ascii_uppercase())
}

/// `SSR DOCS`: passport, date of birth and name.
fn travel_document(line: &str, year: i32, found: &mut Vec<Found>) {
    let Some(parts) = parts_after(line, "DOCS") else {
        return;
    };
    let Some(p) = parts.iter().position(|part| *part == "P") else {
        return;
    };
    let part = |offset: usize| parts.get(p + offset).copied().unwrap_or_default();
    let (issuer, number) = (part(1), part(2));
    if is_code(issuer, 2..=3)
        && (1..=20).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        found.push(Found::Identifier(Identifier::passport(number, issuer)));
    }
    if let Some(born) = two_digit_year_date(part(4), year) {
        found.push(Found::Identifier(Identifier::new(
            IdentifierKind::DateOfBirth,
            born,
        )));
    }
    let (surname, given) = (part(7), part(8));
    let is_name = |text: &str| {
        !text.is_empty()
            && text.len() <= 64
            && text
                .chars()
                .all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\''))
    };
    if is_name(surname) {
        if is_name(given) {
            found.push(Found::Name(format!("{given} {surname}")));
            found.push(Found::Name(format!("{surname} {given}")));
        } else {
            found.push(Found::Name(surname.to_owned()));
        }
    }
}

/// A `DDMMMYY` date (`12JUL64`) as `YYYY-MM-DD`, its century the latest not after `year`.
fn two_digit_year_date(text: &str, year: i32) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    if text.len() != 7 || !text.is_ascii() {
        return None;
    }
    let day: u32 = text[..2].parse().ok()?;
    let month = MONTHS.iter().position(|m| *m == &text[2..5])? as u32 + 1;
    let two: i32 = text[5..].parse().ok()?;
    let mut full = year - year.rem_euclid(100) + two;
    if full > year {
        full -= 100;
    }
    let date = chrono::NaiveDate::from_ymd_opt(full, month, day)?;
    Some(date.format("%Y-%m-%d").to_string())
}

/// `SSR DOCA`: the street, city, state and postal code of a residence or destination.
fn document_address(line: &str, found: &mut Vec<Found>) {
    let Some(parts) = parts_after(line, "DOCA") else {
        return;
    };
    let Some(kind) = parts.iter().position(|part| *part == "R" || *part == "D") else {
        return;
    };
    let street = parts.get(kind + 2).copied().unwrap_or_default();
    if !street.chars().any(char::is_alphanumeric) {
        return;
    }
    let address: Vec<&str> = parts
        .iter()
        .skip(kind + 2)
        .take(4)
        .copied()
        .filter(|part| !part.is_empty())
        .collect();
    let address = address.join(" ");
    if address.chars().count() <= 200 {
        found.push(Found::Identifier(Identifier::new(
            IdentifierKind::Address,
            address,
        )));
    }
}

/// `CTCE`: an e-mail address in the IATA encoding.
fn encoded_email(line: &str, found: &mut Vec<Found>) {
    let Some(at) = word_at(line, "CTCE") else {
        return;
    };
    let rest = &line[at + 4..];
    // The address follows the first `/` (after the status code).
    let Some(start) = rest.find('/') else {
        return;
    };
    let encoded = &rest[start + 1..];
    let mut decoded = String::new();
    let mut chars = encoded.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('/', Some('/')) => {
                chars.next();
                decoded.push('@');
            }
            ('.', Some('.')) => {
                chars.next();
                decoded.push('_');
            }
            ('.', Some('/')) => {
                chars.next();
                decoded.push('-');
            }
            ('/', _) => break,
            (c, _) if c.is_whitespace() => break,
            (c, _) => decoded.push(c),
        }
    }
    push_email(&decoded, found);
}

/// Any `name@domain.tld` written as it is.
fn plain_emails(text: &str, found: &mut Vec<Found>) {
    for token in text
        .split(|c: char| c.is_whitespace() || matches!(c, '/' | ',' | ';' | '<' | '>' | '(' | ')'))
    {
        if token.contains('@') {
            push_email(token.trim_matches(|c: char| c == '.' || c == ':'), found);
        }
    }
}

fn push_email(candidate: &str, found: &mut Vec<Found>) {
    let identifier = Identifier::new(IdentifierKind::Email, candidate);
    let ok = candidate.split_once('@').is_some_and(|(local, domain)| {
        local
            .chars()
            .all(|c| c.is_alphanumeric() || "._-+".contains(c))
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || ".-".contains(c))
    });
    if ok && identifier.validate(DateTime::<Utc>::MAX_UTC).is_ok() {
        found.push(Found::Identifier(identifier));
    }
}

/// The run of a telephone number starting at `start`: digits and the separators people write.
fn phone_run(text: &str, start: usize) -> &str {
    let end = text[start..]
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.')))
        .map_or(text.len(), |len| start + len);
    text[start..end].trim_end_matches([' ', '-', '.', '('])
}

fn push_phone(run: &str, found: &mut Vec<Found>) {
    let identifier = Identifier::new(IdentifierKind::Phone, run);
    if identifier.validate(DateTime::<Utc>::MAX_UTC).is_ok() {
        found.push(Found::Identifier(identifier));
    }
}

/// Telephone numbers after a contact keyword.
fn labelled_phones(line: &str, found: &mut Vec<Found>) {
    for keyword in [
        "CTCM", "CTCH", "CTCB", "CTCP", "CTCT", "TEL", "PHONE", "MOBILE",
    ] {
        let Some(at) = word_at(line, keyword) else {
            continue;
        };
        let after = at + keyword.len();
        // Past the status code (`HK1/`) or city code to the first digit or `+`.
        let rest = &line[after..];
        let first = rest.find('/').map_or(0, |slash| slash + 1);
        if let Some(digit) = rest[first..].find(|c: char| c.is_ascii_digit() || c == '+') {
            push_phone(phone_run(line, after + first + digit), found);
        }
    }
}

/// Numbers written in international form, with a leading `+`.
fn plus_phones(text: &str, found: &mut Vec<Found>) {
    for (at, _) in text.match_indices('+') {
        if text[at + 1..].starts_with(|c: char| c.is_ascii_digit()) {
            push_phone(phone_run(text, at), found);
        }
    }
}

/// Payment card numbers: 14 to 19 digits, groups split by single spaces or dashes, Luhn-valid.
fn payment_cards(text: &str, found: &mut Vec<Found>) {
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if !bytes[at].is_ascii_digit() || (at > 0 && bytes[at - 1].is_ascii_digit()) {
            at += 1;
            continue;
        }
        let mut digits = String::new();
        let mut end = at;
        while end < bytes.len() {
            let b = bytes[end];
            if b.is_ascii_digit() {
                digits.push(b as char);
                end += 1;
            } else if matches!(b, b' ' | b'-')
                && end + 1 < bytes.len()
                && bytes[end + 1].is_ascii_digit()
                && digits.len() < 19
            {
                end += 1;
            } else {
                break;
            }
        }
        if (14..=19).contains(&digits.len()) && luhn(&digits) {
            found.push(Found::Identifier(Identifier::new(
                IdentifierKind::Account,
                digits,
            )));
        }
        at = end.max(at + 1);
    }
}

/// The Luhn check digit test (ISO/IEC 7812-1).
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if !i.is_multiple_of(2) {
                let twice = d * 2;
                if twice > 9 {
                    twice - 9
                } else {
                    twice
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests;
