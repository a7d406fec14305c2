//! Versioned binary encoding of record contents (the plaintext that gets sealed).
//!
//! Layout v1 (all integers big-endian, strings as `u32` length then UTF-8 bytes):
//! `version u8 = 1`, system, category, collected-at `i64` Unix ms, source map, subjects, fields.
//! A map is `u32` count then key/value string pairs; a subject is role, name flag `u8` (0 or 1)
//! and name, `u8` identifier count, then per identifier: kind tag `u8`, value, country flag
//! `u8` and country. The decoder is strict: unknown versions, unknown tags, bad UTF-8 and
//! trailing bytes are all refused. See `docs/storage-format.md`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use zeroize::Zeroizing;

use model::{Identifier, IdentifierKind, RecordContents, Subject, SystemId};

use crate::error::{Error, Result};

/// The version of the contents encoding written by this build.
pub const CONTENTS_VERSION: u8 = 1;

/// The byte that tags an identifier kind in the stored body and in index tokens: a storage
/// matter, so it lives here and not in the model.
pub(crate) trait KindTag: Sized {
    /// The kind's tag byte.
    fn tag(self) -> u8;
    /// The kind a tag byte stands for, if any.
    fn from_tag(tag: u8) -> Option<Self>;
}

impl KindTag for IdentifierKind {
    fn tag(self) -> u8 {
        match self {
            IdentifierKind::Ssn => 1,
            IdentifierKind::Tin => 2,
            IdentifierKind::Passport => 3,
            IdentifierKind::Account => 4,
            IdentifierKind::DateOfBirth => 5,
            IdentifierKind::ImporterExporterId => 6,
            // 7 to 10 tag the index's names, versions and transfers (`index.rs`).
            IdentifierKind::AlienId => 11,
            // Added after the first format: a record of an earlier build never has them, so it
            // reads unchanged; one written with them cannot be read by an earlier build.
            IdentifierKind::BrokerId => 12,
            IdentifierKind::ManufacturerId => 13,
            IdentifierKind::Address => 14,
            IdentifierKind::Phone => 15,
            IdentifierKind::Email => 16,
        }
    }

    fn from_tag(tag: u8) -> Option<Self> {
        IdentifierKind::ALL
            .into_iter()
            .find(|kind| kind.tag() == tag)
    }
}

const WHAT: &str = "record contents";

/// Encodes record contents. The buffer holds plaintext, so it zeroizes itself when dropped.
/// Public for the benchmark's plain baselines (`recvault-bench`), which store what the vault
/// seals; nothing in the vault writes it unsealed.
pub fn encode_contents(contents: &RecordContents) -> Zeroizing<Vec<u8>> {
    let mut out = Writer(Zeroizing::new(Vec::with_capacity(512)));
    out.u8(CONTENTS_VERSION);
    out.str(contents.system.as_str());
    out.str(&contents.category);
    out.i64(contents.collected_at.timestamp_millis());
    out.map(&contents.source);
    out.u32(contents.subjects.len() as u32);
    for subject in &contents.subjects {
        out.str(&subject.role);
        out.opt_str(subject.name.as_deref());
        out.u8(subject.identifiers.len() as u8);
        for identifier in &subject.identifiers {
            out.u8(identifier.kind.tag());
            out.str(&identifier.value);
            out.opt_str(identifier.country.as_deref());
        }
    }
    out.map(&contents.fields);
    out.0
}

/// Decodes what [`encode_contents`] wrote.
pub(crate) fn decode_contents(bytes: &[u8]) -> Result<RecordContents> {
    let mut input = Reader::new(bytes, WHAT);
    let version = input.u8()?;
    if version != CONTENTS_VERSION {
        return Err(Error::UnsupportedVersion {
            what: WHAT,
            version,
        });
    }
    let system =
        SystemId::new(&input.string()?).map_err(|_| Error::corrupt(WHAT, "bad system id"))?;
    let category = input.string()?;
    let collected_at = DateTime::<Utc>::from_timestamp_millis(input.i64()?)
        .ok_or_else(|| Error::corrupt(WHAT, "bad timestamp"))?;
    let source = input.map()?;
    let n_subjects = input.u32()? as usize;
    let mut subjects = Vec::with_capacity(n_subjects.min(64));
    for _ in 0..n_subjects {
        let role = input.string()?;
        let name = input.opt_string()?;
        let n_identifiers = input.u8()?;
        let mut identifiers = Vec::with_capacity(usize::from(n_identifiers));
        for _ in 0..n_identifiers {
            let kind = IdentifierKind::from_tag(input.u8()?)
                .ok_or_else(|| Error::corrupt(WHAT, "unknown identifier kind"))?;
            let value = input.string()?;
            let country = input.opt_string()?;
            identifiers.push(Identifier {
                kind,
                value,
                country,
            });
        }
        subjects.push(Subject {
            role,
            name,
            identifiers,
        });
    }
    let fields = input.map()?;
    input.finish()?;
    Ok(RecordContents {
        system,
        category,
        collected_at,
        source,
        subjects,
        fields,
    })
}

/// Appends big-endian integers and length-prefixed strings.
pub struct Writer(pub Zeroizing<Vec<u8>>);

impl Writer {
    /// Appends a byte.
    pub fn u8(&mut self, value: u8) {
        self.0.push(value);
    }
    /// Appends a big-endian `u32`.
    pub fn u32(&mut self, value: u32) {
        self.0.extend_from_slice(&value.to_be_bytes());
    }
    /// Appends a big-endian `i64`.
    pub fn i64(&mut self, value: i64) {
        self.0.extend_from_slice(&value.to_be_bytes());
    }
    /// Appends a big-endian `u64`.
    pub fn u64(&mut self, value: u64) {
        self.0.extend_from_slice(&value.to_be_bytes());
    }
    /// Appends a string: its length (`u32`) and its UTF-8 bytes.
    pub fn str(&mut self, value: &str) {
        self.u32(value.len() as u32);
        self.0.extend_from_slice(value.as_bytes());
    }
    fn opt_str(&mut self, value: Option<&str>) {
        match value {
            Some(value) => {
                self.u8(1);
                self.str(value);
            }
            None => self.u8(0),
        }
    }
    fn map(&mut self, map: &BTreeMap<String, String>) {
        self.u32(map.len() as u32);
        for (key, value) in map {
            self.str(key);
            self.str(value);
        }
    }
}

/// Reads what [`Writer`] wrote, refusing anything short, malformed or left over.
pub struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// Reads `bytes`; `what` names them in errors.
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Reader { bytes, what }
    }

    /// The next `len` bytes.
    pub fn take(&mut self, len: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < len {
            return Err(Error::corrupt(self.what, "truncated"));
        }
        let (head, tail) = self.bytes.split_at(len);
        self.bytes = tail;
        Ok(head)
    }

    /// The next `N` bytes.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// The next byte.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }
    /// The next big-endian `u16`.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }
    /// The next big-endian `u32`.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    /// The next big-endian `i64`.
    pub fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_be_bytes(self.array()?))
    }
    /// The next big-endian `u64`.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// The next string, as [`Writer::str`] wrote it.
    pub fn string(&mut self) -> Result<String> {
        let len = self.u32()? as usize;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| Error::corrupt(self.what, "invalid UTF-8"))
    }

    fn opt_string(&mut self) -> Result<Option<String>> {
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.string()?)),
            _ => Err(Error::corrupt(self.what, "bad option flag")),
        }
    }

    fn map(&mut self) -> Result<BTreeMap<String, String>> {
        let n_entries = self.u32()?;
        let mut map = BTreeMap::new();
        for _ in 0..n_entries {
            let key = self.string()?;
            let value = self.string()?;
            if map.insert(key, value).is_some() {
                return Err(Error::corrupt(self.what, "duplicate key"));
            }
        }
        Ok(map)
    }

    /// How many bytes are left.
    pub fn rest_len(&self) -> usize {
        self.bytes.len()
    }

    /// Everything that is left.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.bytes)
    }

    /// Refuses anything left over.
    pub fn finish(self) -> Result<()> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(Error::corrupt(self.what, "trailing bytes"))
        }
    }
}

/// A value stored as its body followed by an Ed25519 signature (64 bytes) over `context`, the
/// value's `key` and the body: the body and the signature, once the signature verifies against
/// `public_key`. Accounts, documents, holds and certificates are stored this way, so a value
/// altered or added on disk is refused.
pub(crate) fn verified_signed<'a>(
    public_key: &[u8; 32],
    context: &[u8],
    key: &[u8],
    value: &'a [u8],
    what: &'static str,
) -> Result<(&'a [u8], &'a [u8])> {
    let split = value
        .len()
        .checked_sub(64)
        .ok_or_else(|| Error::corrupt(what, "too short"))?;
    let (body, signature) = value.split_at(split);
    if !crate::crypto::verify_signature(public_key, &[context, key, body].concat(), signature) {
        return Err(Error::corrupt(what, "signature does not verify"));
    }
    Ok((body, signature))
}
