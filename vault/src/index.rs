//! Blind indexes: records found by identifier or name without the identifier ever being
//! stored. An index entry's key holds an HMAC token of the normalized identifier, made with the
//! key of one index period (a system's identifiers of one kind, for records collected in one
//! calendar year); destroying that key when the period ends means an old copy can no longer be
//! probed for anyone in it. Layout and trade-offs: docs/storage-format.md and docs/search.md.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Utc};

use crate::codec::KindTag;
use crate::cohort::{CohortInfo, CohortKind};
use crate::crypto::MacKey;
use crate::error::{Error, Result};
use crate::keyspace::{index_entry, index_token_prefix};
use crate::log::{Access, Draft};
use crate::store::Column;
use crate::vault::{poisoned, Vault};
use model::normalize;
use model::{Identifier, RecordContents, RecordId, SystemId};

/// Index entry layout version written by this build.
pub const INDEX_LAYOUT_VERSION: u8 = 1;
/// The index kind of names (identifier kinds use their own tags: 1 to 6, 11 to 16).
pub(crate) const NAME_KIND: u8 = 7;
/// The index kind of version keys: what makes two records versions of one (PNR re-pulls).
pub(crate) const VERSION_KIND: u8 = 9;
/// The index kind of receipt keys: one flight's receipts of one PNR, counted against the
/// re-check limit (seed 001 paragraph 14).
pub(crate) const RECEIPT_KIND: u8 = 17;
/// Set on the index kind of an element the scanner found in free text (scan.rs): a telephone
/// in an OSI line is indexed apart from the telephones of the record's subjects, so a search
/// for the people a record is about (a request, a hold, the accounting) never finds it, and an
/// analyst's search finds it only by asking for free text too ([`Vault::lookup_with_free_text`]).
pub(crate) const FREE_TEXT_FLAG: u8 = 0x80;
/// The provenance entry holding a record's receipt key, set by intake from its notice (PNR:
/// carrier, record locator, flight and departure); the vault indexes it so the receipts of one
/// flight can be counted without reading a record.
pub const RECEIPT_KEY_SOURCE: &str = "receipt_key";
/// The provenance entry holding a record's version key, set by intake from its system's
/// notice; the vault indexes it and stores a matching record as a new version.
pub const VERSION_KEY_SOURCE: &str = "version_key";
/// Bytes of the HMAC-SHA256 output kept as the token: 128 bits, so two identifiers share a
/// token with odds of about 2^-64 even among 2^32 of them.
const TOKEN_LEN: usize = 16;

/// What to look a record up by.
#[derive(Clone, PartialEq, Eq)]
pub enum SearchKey {
    /// An identifier (SSN, TIN, passport with country, account, date of birth, importer ID).
    Identifier(Identifier),
    /// A name, matched exactly after normalization.
    Name(String),
}

impl std::fmt::Debug for SearchKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SearchKey::Identifier(identifier) => write!(f, "SearchKey({identifier:?})"),
            SearchKey::Name(_) => f.write_str("SearchKey(name, REDACTED)"),
        }
    }
}

impl SearchKey {
    pub(crate) fn kind_and_form(&self) -> (u8, String) {
        match self {
            SearchKey::Identifier(identifier) => {
                (identifier.kind.tag(), normalize::identifier(identifier))
            }
            SearchKey::Name(name) => (NAME_KIND, normalize::name(name)),
        }
    }
}

/// The name of an index kind (its tag in the layout): an identifier kind's name, or `name`.
pub fn index_kind_name(tag: u8) -> &'static str {
    if tag & FREE_TEXT_FLAG != 0 {
        let found = tag & !FREE_TEXT_FLAG;
        return match found {
            NAME_KIND => "free-text name",
            _ => match model::IdentifierKind::from_tag(found) {
                Some(model::IdentifierKind::Passport) => "free-text passport",
                Some(model::IdentifierKind::DateOfBirth) => "free-text dob",
                Some(model::IdentifierKind::Address) => "free-text address",
                Some(model::IdentifierKind::Phone) => "free-text phone",
                Some(model::IdentifierKind::Email) => "free-text email",
                Some(model::IdentifierKind::Account) => "free-text account",
                _ => "free-text",
            },
        };
    }
    if tag == NAME_KIND {
        return "name";
    }
    if tag == VERSION_KIND {
        return "version";
    }
    if tag == RECEIPT_KIND {
        return "receipt";
    }
    if tag == crate::reports::TRANSFER_KIND {
        return "transfer";
    }

    model::IdentifierKind::from_tag(tag).map_or("unknown", |kind| kind.name())
}

/// A token a query probed, with its index year (what the access log records of a lookup).
pub(crate) type QueryToken = (u16, [u8; TOKEN_LEN]);

pub(crate) fn token(mac: &MacKey, form: &str) -> [u8; TOKEN_LEN] {
    let full = mac.mac(form.as_bytes());
    let mut token = [0u8; TOKEN_LEN];
    token.copy_from_slice(&full[..TOKEN_LEN]);
    token
}

/// The normalized form of a record's receipt key, if it has one.
pub(crate) fn receipt_form(record: &RecordContents) -> Option<String> {
    record
        .source
        .get(RECEIPT_KEY_SOURCE)
        .map(|key| key.trim().to_ascii_uppercase())
        .filter(|key| !key.is_empty())
}

/// The normalized form of a record's version key, if it has one.
pub(crate) fn version_form(record: &RecordContents) -> Option<String> {
    record
        .source
        .get(VERSION_KEY_SOURCE)
        .map(|key| key.trim().to_ascii_uppercase())
        .filter(|key| !key.is_empty())
}

/// Every (kind, normalized form) a record is searched by: its subjects' forms and what the
/// scanner finds in the free text its `source.scan` names (scan.rs). (The transfer it reports
/// has an index entry of its own: reports.rs.)
pub(crate) fn index_forms(record: &RecordContents) -> Vec<(u8, String)> {
    let mut forms = subject_forms(record);
    forms.extend(crate::scan::scanned_forms(record));
    forms.extend(receipt_form(record).map(|form| (RECEIPT_KIND, form)));
    forms.sort();
    forms.dedup();
    forms
}

/// Every (kind, normalized form) ingest writes an entry of the index column for: the
/// record's [`index_forms`] and the funds transfer it reports (reports.rs). What the
/// benchmark's baselines index a record under, in the clear or as their own tokens.
pub fn indexed_forms(record: &RecordContents) -> Vec<(u8, String)> {
    let mut forms = index_forms(record);
    if let Ok(Some(report)) = crate::reports::ReportKey::of(record) {
        forms.push((crate::reports::TRANSFER_KIND, report.key));
    }
    forms
}

/// The forms of the people a record is about: its subjects' names and identifiers, and its
/// version key. The accounting of a disclosure is indexed by these only: an element found in
/// free text (a contact's telephone) does not make a disclosure one about its owner.
pub(crate) fn subject_forms(record: &RecordContents) -> Vec<(u8, String)> {
    let mut forms: Vec<(u8, String)> = version_form(record)
        .map(|form| (VERSION_KIND, form))
        .into_iter()
        .collect();
    forms.extend(field_forms(record));
    for subject in &record.subjects {
        if let Some(name) = &subject.name {
            forms.push((NAME_KIND, normalize::name(name)));
        }
        for identifier in &subject.identifiers {
            forms.push((identifier.kind.tag(), normalize::identifier(identifier)));
        }
    }
    forms.sort();
    forms.dedup();
    forms
}

/// The system whose records hold identifiers it is retrieved by in their fields: the format 5
/// upgrade opens only its records.
pub(crate) const FIELD_IDENTIFIER_SYSTEM: &str = "dhs-ice-005-ttar";

/// The forms of the identifiers a TTAR record holds only in its fields: `broker_id` and
/// `manufacturer_id` of a trade record stored before format 4 (brokers and manufacturers
/// became parties with those ids then), and the `address` of a biographic or SDN record.
/// Seed 000 retrieves by all three ("name, business address, home address, importer ID,
/// exporter ID, broker ID, manufacturer ID"): they are indexed as identifiers of the record's
/// subjects, so a record is found whichever way it was sent; the format 5 upgrade wrote the
/// stored ones' entries. Other systems' fields are never indexed (a PNR's address element is
/// found only by the free-text scan's kinds).
pub(crate) fn field_forms(record: &RecordContents) -> Vec<(u8, String)> {
    if record.system.as_str() != FIELD_IDENTIFIER_SYSTEM {
        return Vec::new();
    }
    let address_held = matches!(record.category.as_str(), "biographic" | "sdn");
    [
        ("broker_id", model::IdentifierKind::BrokerId, true),
        (
            "manufacturer_id",
            model::IdentifierKind::ManufacturerId,
            true,
        ),
        ("address", model::IdentifierKind::Address, address_held),
    ]
    .into_iter()
    .filter(|(_, _, indexed)| *indexed)
    .filter_map(|(field, kind, _)| {
        let value = record.fields.get(field)?;
        let identifier = model::Identifier::new(kind, value.as_str());
        Some((kind.tag(), normalize::identifier(&identifier)))
    })
    .collect()
}

/// The year of a collection time, as the index period.
pub(crate) fn index_year(collected_at: DateTime<Utc>) -> Result<u16> {
    u16::try_from(collected_at.year())
        .map_err(|_| Error::Invalid("collected_at is out of range".into()))
}

/// The HMAC keys a batch of records needs, by (system number, kind, year), with their cohort.
pub(crate) type IndexMacs = HashMap<(u16, u8, u16), Arc<MacKey>>;

/// Index entry keys for one record.
pub(crate) fn entry_keys(
    id: &RecordId,
    system: u16,
    year: u16,
    forms: &[(u8, String)],
    macs: &IndexMacs,
) -> Result<Vec<Vec<u8>>> {
    forms
        .iter()
        .map(|(kind, form)| {
            let mac = macs
                .get(&(system, *kind, year))
                .ok_or_else(|| Error::corrupt("key ring", "index key missing"))?;
            Ok(index_entry(system, year, *kind, &token(mac, form), id))
        })
        .collect()
}

impl Vault {
    /// The HMAC keys for every index form of `records`, making index periods as needed, and
    /// those periods' ids.
    pub(crate) fn index_macs(
        &self,
        wanted: &[(u16, u8, u16)],
        now: DateTime<Utc>,
    ) -> Result<(IndexMacs, Vec<u32>)> {
        let mut infos = Vec::new();
        for (system, kind, year) in wanted {
            infos.push((
                (*system, *kind, *year),
                self.live_cohort(
                    CohortKind::IndexPeriod {
                        system: *system,
                        kind: *kind,
                        year: *year,
                    },
                    "its index period has ended and its key was destroyed, so it cannot be stored",
                    now,
                )?,
            ));
        }
        let keys = self.keys.read().map_err(|_| poisoned("key ring"))?;
        let ids = infos.iter().map(|(_, info)| info.id).collect();
        let macs = infos
            .into_iter()
            .map(|(period, info)| Ok((period, keys.index_mac(info.id, info.key_version)?)))
            .collect::<Result<IndexMacs>>()?;
        Ok((macs, ids))
    }

    /// The ids of the records of `system` indexed under `key`, in id order. Probes every live
    /// index period of the system (one seek each), and leaves out records destroyed since.
    /// The query is logged with the blind-index tokens it probed, never the identifier.
    pub fn lookup(
        &self,
        access: &Access,
        system: &SystemId,
        key: &SearchKey,
        now: DateTime<Utc>,
    ) -> Result<Vec<RecordId>> {
        self.lookup_kinds(access, system, key, now, false)
    }

    /// Like [`Vault::lookup`], and also the records whose free text holds `key` as the
    /// scanner found it (seed 001 paragraph 5: CBP's automated system searches the OSI and
    /// SSR fields for Attachment A elements): an analyst's search, never a search for the
    /// people a record is about. One logged query with the tokens of both.
    pub fn lookup_with_free_text(
        &self,
        access: &Access,
        system: &SystemId,
        key: &SearchKey,
        now: DateTime<Utc>,
    ) -> Result<Vec<RecordId>> {
        self.lookup_kinds(access, system, key, now, true)
    }

    fn lookup_kinds(
        &self,
        access: &Access,
        system: &SystemId,
        key: &SearchKey,
        now: DateTime<Utc>,
        free_text: bool,
    ) -> Result<Vec<RecordId>> {
        access.validate()?;
        let (mut hits, mut tokens) = self.index_hits(&*self.store, system, key)?;
        if free_text {
            if let Some(system_no) = self.system_number(system)? {
                let (kind, form) = key.kind_and_form();
                let (found, probed) =
                    self.period_hits(&*self.store, system_no, kind | FREE_TEXT_FLAG, &form)?;
                hits.extend(found);
                hits.sort();
                hits.dedup();
                tokens.extend(probed);
            }
        }
        let mut ids = Vec::new();
        for id in hits {
            if self.may_still_exist(&id)? {
                ids.push(id);
            }
        }
        let mut draft = Draft::new(access, "lookup", now.timestamp_millis());
        draft.system = system.to_string();
        draft.tokens = tokens;
        draft.outcome = format!("{} records found", ids.len());
        self.log.commit(draft, crate::store::WriteBatch::new())?;
        Ok(ids)
    }

    /// Every id that `store`'s index holds under `key`'s tokens for the vault's live index
    /// periods, destroyed records included. `store` is the vault's own, or (for the testing
    /// door's attacker) an old copy probed with the keys that remain.
    pub(crate) fn index_hits(
        &self,
        store: &dyn crate::store::Store,
        system: &SystemId,
        key: &SearchKey,
    ) -> Result<(Vec<RecordId>, Vec<QueryToken>)> {
        let Some(system_no) = self.system_number(system)? else {
            return Ok((Vec::new(), Vec::new()));
        };
        let (kind, form) = key.kind_and_form();
        self.period_hits(store, system_no, kind, &form)
    }

    /// Every id `store`'s index holds for (`kind`, `form`) in the live index periods of
    /// system `system_no`, with the tokens probed.
    pub(crate) fn period_hits(
        &self,
        store: &dyn crate::store::Store,
        system_no: u16,
        kind: u8,
        form: &str,
    ) -> Result<(Vec<RecordId>, Vec<QueryToken>)> {
        self.period_hits_in(store, system_no, kind, form, 0..=u16::MAX)
    }

    /// Like [`Vault::period_hits`], probing only the index periods of `years`.
    pub(crate) fn period_hits_in(
        &self,
        store: &dyn crate::store::Store,
        system_no: u16,
        kind: u8,
        form: &str,
        years: std::ops::RangeInclusive<u16>,
    ) -> Result<(Vec<RecordId>, Vec<QueryToken>)> {
        let periods: Vec<(u16, CohortInfo)> = {
            let cohorts = self
                .cohorts
                .read()
                .map_err(|_| poisoned("cohort registry"))?;
            cohorts
                .by_index
                .range((system_no, kind, *years.start())..=(system_no, kind, *years.end()))
                .filter_map(|((_, _, year), id)| {
                    cohorts.info.get(id).map(|info| (*year, info.clone()))
                })
                .filter(|(_, info)| info.is_live())
                .collect()
        };
        let mut ids = Vec::new();
        let mut tokens = Vec::new();
        for (year, info) in periods {
            let mac = self
                .keys
                .read()
                .map_err(|_| poisoned("key ring"))?
                .index_mac(info.id, info.key_version)?;
            let query_token = token(&mac, form);
            tokens.push((year, query_token));
            let prefix = index_token_prefix(system_no, year, kind, &query_token);
            for (entry, _) in store.scan_token(Column::Index, &prefix)? {
                if let Some(id_bytes) = entry
                    .get(prefix.len()..)
                    .and_then(|rest| <[u8; 16]>::try_from(rest).ok())
                {
                    ids.push(RecordId::from_bytes(id_bytes));
                }
            }
        }
        ids.sort();
        ids.dedup();
        Ok((ids, tokens))
    }

    /// Index entries outlive their records until the index period ends: an id whose period
    /// cohort is destroyed is kept only if the record itself is still there (moved to a hold).
    fn may_still_exist(&self, id: &RecordId) -> Result<bool> {
        let live = self.period_cohort_live(id)?;
        Ok(live || self.store.get(Column::Records, id.as_bytes())?.is_some())
    }
}

#[cfg(test)]
mod tests;
