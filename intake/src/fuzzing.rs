//! Fuzz targets for every intake parser, and the small mutation engine that drives them
//! without outside tools: `cargo run --release -p recvault-intake --example fuzz` runs it for a
//! while (docs/fuzzing.md), and CI replays each target's corpus with a fixed number of seeded
//! mutations (`intake/tests/fuzz_corpus.rs`). A target feeds bytes to a parser and maps what
//! parses, as intake does; it must return, without panicking, for every input. A harness such
//! as cargo-fuzz calls the same functions.

use chrono::NaiveDate;

use crate::cbetf_map::{self, Filing, ReporterType};

/// A fuzz target: the parser (and mapping) fed with one input.
pub type Target = fn(&[u8]);

/// Every target by name, with the directory of its corpus under `intake/fuzz/corpus/`.
pub const TARGETS: [(&str, Target); 7] = [
    ("mt", mt),
    ("pacs", pacs),
    ("cbetf-csv", cbetf_csv),
    ("cbetf-jsonl", cbetf_jsonl),
    ("tin", tin),
    ("pnr", pnr),
    ("ttar-csv", ttar_csv),
];

/// The filing every target maps under: a bank filing on a fixed day, with a calendar that only
/// skips weekends (the legal one is the policy crate's; timeliness is not what is fuzzed).
fn filing() -> Filing {
    Filing {
        reporter: Some("BANKUS33XXX".into()),
        reporter_type: ReporterType::Bank,
        filed_on: NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default(),
        business_days: |day, n| {
            day.checked_add_signed(chrono::Duration::days(i64::from(n) * 7 / 5 + 2))
        },
    }
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// SWIFT MT: RJE splitting, blocks, fields, then the CBETF mapping.
pub fn mt(data: &[u8]) {
    let Some(text) = text(data) else { return };
    for message in crate::swift::parse_file(text).into_iter().flatten() {
        let _ = cbetf_map::map_mt(&message, &filing());
    }
}

/// ISO 20022 pacs through the XML reader, then the mapping.
pub fn pacs(data: &[u8]) {
    let Some(text) = text(data) else { return };
    for transfer in crate::pacs::parse(text).into_iter().flatten() {
        let _ = cbetf_map::map_pacs(&transfer, &filing());
    }
}

/// The data items as CSV.
pub fn cbetf_csv(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let _ = crate::csv_raw_rows(text);
    for items in crate::cbetf::parse_csv(text).into_iter().flatten() {
        let _ = cbetf_map::map_items(&items, &filing());
    }
}

/// The data items as JSON lines.
pub fn cbetf_jsonl(data: &[u8]) {
    let Some(text) = text(data) else { return };
    for items in crate::cbetf::parse_json_lines(text).into_iter().flatten() {
        let _ = cbetf_map::map_items(&items, &filing());
    }
}

/// The annual TIN report.
pub fn tin(data: &[u8]) {
    let Some(text) = text(data) else { return };
    for row in crate::tin::parse_csv(text).into_iter().flatten() {
        let _ = cbetf_map::map_tin(&row, &filing());
    }
}

/// PNR pushes.
pub fn pnr(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let _ = crate::pnr::parse(text, filing().filed_on);
}

/// TTAR trade records.
pub fn ttar_csv(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let _ = crate::ttar::parse_csv(text, filing().filed_on);
}

/// A small, fast pseudo-random generator (xorshift64*): reproducible from its seed, which is
/// all a mutation engine needs.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (any value).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// Bytes the formats give meaning to, spliced in by the mutator.
const DICTIONARY: [&[u8]; 24] = [
    b"{",
    b"}",
    b"{1:",
    b"{2:",
    b"{3:",
    b"{4:",
    b"-}",
    b":32A:",
    b"\r\n",
    b"$",
    b"<",
    b">",
    b"</",
    b"/>",
    b"<![CDATA[",
    b"&amp;",
    b"&#",
    b"\"",
    b",",
    b"\n",
    b"\\u0000",
    b"null",
    b"99999999999999999999",
    b"\xF0\x9F\x92\xB8",
];

/// One random change to `input`: a byte flipped, inserted or removed, a run duplicated or
/// cut, a dictionary token spliced in, or a piece of `other` (another corpus entry) spliced.
pub fn mutate(input: &[u8], other: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = input.to_vec();
    let at = rng.below(out.len() + 1);
    match rng.below(7) {
        0 if !out.is_empty() => {
            let i = rng.below(out.len());
            out[i] ^= 1 << rng.below(8);
        }
        1 => out.insert(at, rng.below(256) as u8),
        2 if !out.is_empty() => {
            out.remove(rng.below(out.len()));
        }
        3 if !out.is_empty() => {
            let start = rng.below(out.len());
            let end = (start + 1 + rng.below(64)).min(out.len());
            let run = out[start..end].to_vec();
            let times = 1 + rng.below(8);
            for _ in 0..times {
                out.splice(at.min(out.len())..at.min(out.len()), run.iter().copied());
            }
        }
        4 if !out.is_empty() => {
            let start = rng.below(out.len());
            let end = (start + 1 + rng.below(256)).min(out.len());
            out.drain(start..end);
        }
        5 => {
            let token = DICTIONARY[rng.below(DICTIONARY.len())];
            out.splice(at..at, token.iter().copied());
        }
        _ if !other.is_empty() => {
            let start = rng.below(other.len());
            let end = (start + 1 + rng.below(512)).min(other.len());
            out.splice(at..at, other[start..end].iter().copied());
        }
        _ => out.push(b'\n'),
    }
    // Inputs stay small enough to run by the thousand.
    out.truncate(1 << 16);
    out
}

/// What a fuzzing run found.
#[derive(Debug, Default)]
pub struct Findings {
    /// Inputs run.
    pub runs: u64,
    /// Inputs that made the target panic, with the panic message.
    pub panics: Vec<(Vec<u8>, String)>,
    /// Inputs that took longer than the limit, with the time.
    pub slow: Vec<(Vec<u8>, std::time::Duration)>,
}

/// Runs `target` on every corpus entry, then on `mutations` inputs mutated from them (stacks
/// of one to four changes), seeded by `seed`. An input slower than `slow_after` is recorded.
pub fn run(
    target: Target,
    corpus: &[Vec<u8>],
    mutations: u64,
    seed: u64,
    slow_after: std::time::Duration,
) -> Findings {
    let mut findings = Findings::default();
    let mut rng = Rng::new(seed);
    let empty = Vec::new();
    let try_one = |input: &[u8], findings: &mut Findings| {
        findings.runs += 1;
        let started = std::time::Instant::now();
        let outcome = std::panic::catch_unwind(|| target(input));
        let took = started.elapsed();
        if let Err(panic) = outcome {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            findings.panics.push((input.to_vec(), message));
        } else if took > slow_after {
            findings.slow.push((input.to_vec(), took));
        }
    };
    for entry in corpus {
        try_one(entry, &mut findings);
    }
    for _ in 0..mutations {
        let base = corpus.get(rng.below(corpus.len())).unwrap_or(&empty);
        let other = corpus.get(rng.below(corpus.len())).unwrap_or(&empty);
        let mut input = mutate(base, other, &mut rng);
        for _ in 0..rng.below(4) {
            input = mutate(&input, other, &mut rng);
        }
        try_one(&input, &mut findings);
    }
    findings
}
