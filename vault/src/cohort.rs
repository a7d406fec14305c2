//! Cohorts: the sets of records that die together, and their registry in the `meta` column.
//!
//! A period cohort holds one partition's records collected in one destruction bucket (a UTC
//! day, month or year, set per partition; months by default); since record ids
//! start with partition and collection time, it is one contiguous key range. A hold cohort
//! holds records moved out of their period cohort by a hold; they survive its destruction.
//! Phases (production, archive...) change who may read a record, not when it dies, so they
//! never move records between cohorts.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, TimeZone, Utc};

use crate::codec::{Reader, Writer};
use crate::error::{Error, Result};
use crate::keyspace::{cohorts_end, META_COHORT};
use crate::store::{Column, Store};

/// What a cohort groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CohortKind {
    /// A partition's records collected in `start..end` (Unix ms).
    Period {
        /// The partition.
        partition: u16,
        /// First collection time in the bucket.
        start_ms: i64,
        /// First collection time after it.
        end_ms: i64,
    },
    /// Records kept by a hold, whatever their period.
    Hold {
        /// The hold's reference (a case or litigation number; not personal data).
        reference: String,
    },
    /// Not records but the blind index: the key that makes the tokens of one system's
    /// identifiers of one kind, for records collected in one calendar year (the index period).
    IndexPeriod {
        /// The system's number.
        system: u16,
        /// The index kind's tag (identifier kinds 1 to 6, names 7).
        kind: u8,
        /// The calendar year of collection.
        year: u16,
    },
    /// Records of one period cohort kept past its end in a conditional phase (the PNR
    /// "deleted record file": records manually accessed, seed 001 paragraph 15); they die
    /// together when that phase ends.
    Deferred {
        /// The partition.
        partition: u16,
        /// First collection time in the bucket.
        start_ms: i64,
        /// First collection time after it.
        end_ms: i64,
    },
    /// Not records but the accounting of disclosures: the key that seals (and indexes) the
    /// accounting entries that may be destroyed from the start of `year` (31 CFR 1.25(a)(2):
    /// five years after the disclosure or the life of the record, whichever is longer).
    Accounting {
        /// The calendar year from which its entries may be destroyed.
        year: u16,
    },
}

/// A cohort's description and state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CohortInfo {
    /// The cohort's id.
    pub id: u32,
    /// What it groups.
    pub kind: CohortKind,
    /// The current version of its key.
    pub key_version: u32,
    /// When its first key was made (Unix ms).
    pub created_ms: i64,
    /// When it was destroyed (Unix ms), if it was.
    pub destroyed_ms: Option<i64>,
}

impl CohortInfo {
    /// Whether its key still exists.
    pub fn is_live(&self) -> bool {
        self.destroyed_ms.is_none()
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Writer(zeroize::Zeroizing::new(Vec::with_capacity(48)));
        out.u8(1); // layout version
        match &self.kind {
            CohortKind::Period {
                partition,
                start_ms,
                end_ms,
            } => {
                out.u8(1);
                out.u32(u32::from(*partition));
                out.i64(*start_ms);
                out.i64(*end_ms);
            }
            CohortKind::Hold { reference } => {
                out.u8(2);
                out.str(reference);
            }
            CohortKind::IndexPeriod { system, kind, year } => {
                out.u8(3);
                out.u32(u32::from(*system));
                out.u8(*kind);
                out.u32(u32::from(*year));
            }
            CohortKind::Accounting { year } => {
                out.u8(4);
                out.u32(u32::from(*year));
            }
            CohortKind::Deferred {
                partition,
                start_ms,
                end_ms,
            } => {
                out.u8(5);
                out.u32(u32::from(*partition));
                out.i64(*start_ms);
                out.i64(*end_ms);
            }
        }
        out.u32(self.key_version);
        out.i64(self.created_ms);
        out.i64(self.destroyed_ms.unwrap_or(-1));
        out.0.to_vec()
    }

    pub(crate) fn decode(id: u32, bytes: &[u8]) -> Result<Self> {
        const WHAT: &str = "cohort entry";
        let mut input = Reader::new(bytes, WHAT);
        let version = input.u8()?;
        if version != 1 {
            return Err(Error::UnsupportedVersion {
                what: WHAT,
                version,
            });
        }
        let kind = match input.u8()? {
            1 => CohortKind::Period {
                partition: u16::try_from(input.u32()?)
                    .map_err(|_| Error::corrupt(WHAT, "bad partition"))?,
                start_ms: input.i64()?,
                end_ms: input.i64()?,
            },
            2 => CohortKind::Hold {
                reference: input.string()?,
            },
            3 => CohortKind::IndexPeriod {
                system: u16::try_from(input.u32()?)
                    .map_err(|_| Error::corrupt(WHAT, "bad system"))?,
                kind: input.u8()?,
                year: u16::try_from(input.u32()?).map_err(|_| Error::corrupt(WHAT, "bad year"))?,
            },
            4 => CohortKind::Accounting {
                year: u16::try_from(input.u32()?).map_err(|_| Error::corrupt(WHAT, "bad year"))?,
            },
            5 => CohortKind::Deferred {
                partition: u16::try_from(input.u32()?)
                    .map_err(|_| Error::corrupt(WHAT, "bad partition"))?,
                start_ms: input.i64()?,
                end_ms: input.i64()?,
            },
            _ => return Err(Error::corrupt(WHAT, "unknown kind")),
        };
        let key_version = input.u32()?;
        let created_ms = input.i64()?;
        let destroyed_ms = Some(input.i64()?).filter(|ms| *ms >= 0);
        input.finish()?;
        Ok(CohortInfo {
            id,
            kind,
            key_version,
            created_ms,
            destroyed_ms,
        })
    }

    /// The records key range of a period cohort: every id of its partition collected in
    /// its bucket.
    pub(crate) fn record_range(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        match self.kind {
            CohortKind::Period {
                partition,
                start_ms,
                end_ms,
            } => Some(crate::keyspace::period_records(partition, start_ms, end_ms)),
            CohortKind::Hold { .. }
            | CohortKind::Deferred { .. }
            | CohortKind::IndexPeriod { .. }
            | CohortKind::Accounting { .. } => None,
        }
    }

    /// The index key range of an index period: every entry of its system and year (all
    /// kinds, since the kinds of one period end together).
    pub(crate) fn index_range(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        match self.kind {
            CohortKind::IndexPeriod { system, year, .. } => Some((
                crate::keyspace::index_period_prefix(system, year),
                // A tampered year of 65535 must not overflow: the end of its own prefix.
                year.checked_add(1).map_or_else(
                    || {
                        crate::store::prefix_end(&crate::keyspace::index_period_prefix(
                            system, year,
                        ))
                    },
                    |next| crate::keyspace::index_period_prefix(system, next),
                ),
            )),
            _ => None,
        }
    }
}

/// How long a destruction bucket is: the records of a partition collected in one bucket die
/// together. Short retention windows want days (PNR), long ones months or years.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Bucket {
    /// One UTC calendar day.
    Day,
    /// One UTC calendar month (the default).
    #[default]
    Month,
    /// One UTC calendar year.
    Year,
}

impl Bucket {
    /// The name used on the command line and in status output.
    pub fn name(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Month => "month",
            Bucket::Year => "year",
        }
    }

    /// The bucket with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        [Bucket::Day, Bucket::Month, Bucket::Year]
            .into_iter()
            .find(|bucket| bucket.name() == name)
    }

    pub(crate) fn tag(self) -> u8 {
        match self {
            Bucket::Day => 1,
            Bucket::Month => 2,
            Bucket::Year => 3,
        }
    }

    pub(crate) fn from_tag(tag: u8) -> Option<Self> {
        [Bucket::Day, Bucket::Month, Bucket::Year]
            .into_iter()
            .find(|bucket| bucket.tag() == tag)
    }

    /// The bucket holding a collection time, as `start..end` Unix ms.
    pub(crate) fn range(self, collected_at_ms: i64) -> Result<(i64, i64)> {
        match self {
            Bucket::Day => {
                let start = collected_at_ms.div_euclid(DAY_MS) * DAY_MS;
                Ok((start, start + DAY_MS))
            }
            Bucket::Month => month_bucket(collected_at_ms),
            Bucket::Year => {
                let out_of_range = || Error::Invalid("collected_at is out of range".into());
                let year = DateTime::<Utc>::from_timestamp_millis(collected_at_ms)
                    .ok_or_else(out_of_range)?
                    .year();
                let start = Utc
                    .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
                    .single()
                    .ok_or_else(out_of_range)?;
                let end = Utc
                    .with_ymd_and_hms(year + 1, 1, 1, 0, 0, 0)
                    .single()
                    .ok_or_else(out_of_range)?;
                Ok((start.timestamp_millis(), end.timestamp_millis()))
            }
        }
    }
}

const DAY_MS: i64 = 86_400_000;

/// The destruction bucket of a collection time: its UTC calendar month, as `start..end` ms.
fn month_bucket(collected_at_ms: i64) -> Result<(i64, i64)> {
    let time = DateTime::<Utc>::from_timestamp_millis(collected_at_ms)
        .ok_or_else(|| Error::Invalid("collected_at is out of range".into()))?;
    let start = Utc
        .with_ymd_and_hms(time.year(), time.month(), 1, 0, 0, 0)
        .single()
        .ok_or_else(|| Error::Invalid("collected_at is out of range".into()))?;
    let (next_year, next_month) = if time.month() == 12 {
        (time.year() + 1, 1)
    } else {
        (time.year(), time.month() + 1)
    };
    let end = Utc
        .with_ymd_and_hms(next_year, next_month, 1, 0, 0, 0)
        .single()
        .ok_or_else(|| Error::Invalid("collected_at is out of range".into()))?;
    Ok((start.timestamp_millis(), end.timestamp_millis()))
}

/// The cohort registry, loaded at open and kept in step with the `meta` column.
#[derive(Debug, Default)]
pub(crate) struct Cohorts {
    pub(crate) info: BTreeMap<u32, CohortInfo>,
    pub(crate) by_period: HashMap<(u16, i64), u32>,
    pub(crate) by_hold: HashMap<String, u32>,
    /// Deferred cohorts by partition and bucket start.
    pub(crate) by_deferred: HashMap<(u16, i64), u32>,
    /// Index periods by system, kind and year.
    pub(crate) by_index: BTreeMap<(u16, u8, u16), u32>,
    /// Accounting cohorts by the year their entries may be destroyed from.
    pub(crate) by_accounting: BTreeMap<u16, u32>,
}

impl Cohorts {
    pub(crate) fn load(store: &dyn Store) -> Result<Self> {
        let mut cohorts = Cohorts::default();
        let end = cohorts_end();
        for (key, value) in store.scan(Column::Meta, META_COHORT, Some(&end), usize::MAX)? {
            let id_bytes: [u8; 4] = key[META_COHORT.len()..]
                .try_into()
                .map_err(|_| Error::corrupt("cohort entry", "bad id"))?;
            let info = CohortInfo::decode(u32::from_be_bytes(id_bytes), &value)?;
            cohorts.index(&info);
            cohorts.info.insert(info.id, info);
        }
        Ok(cohorts)
    }

    /// The cohort registered for `kind` (matched by what identifies it: partition and bucket
    /// start, hold reference, or system, kind and year), live or destroyed.
    pub(crate) fn find(&self, kind: &CohortKind) -> Option<&CohortInfo> {
        let id = match kind {
            CohortKind::Period {
                partition,
                start_ms,
                ..
            } => self.by_period.get(&(*partition, *start_ms)),
            CohortKind::Hold { reference } => self.by_hold.get(reference),
            CohortKind::IndexPeriod { system, kind, year } => {
                self.by_index.get(&(*system, *kind, *year))
            }
            CohortKind::Accounting { year } => self.by_accounting.get(year),
            CohortKind::Deferred {
                partition,
                start_ms,
                ..
            } => self.by_deferred.get(&(*partition, *start_ms)),
        }?;
        self.info.get(id)
    }

    pub(crate) fn index(&mut self, info: &CohortInfo) {
        match &info.kind {
            CohortKind::Period {
                partition,
                start_ms,
                ..
            } => {
                self.by_period.insert((*partition, *start_ms), info.id);
            }
            CohortKind::Hold { reference } => {
                self.by_hold.insert(reference.clone(), info.id);
            }
            CohortKind::IndexPeriod { system, kind, year } => {
                self.by_index.insert((*system, *kind, *year), info.id);
            }
            CohortKind::Accounting { year } => {
                self.by_accounting.insert(*year, info.id);
            }
            CohortKind::Deferred {
                partition,
                start_ms,
                ..
            } => {
                self.by_deferred.insert((*partition, *start_ms), info.id);
            }
        }
    }
}
