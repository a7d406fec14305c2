//! The stored form of a record: its wrapped data key and its sealed contents, layout v1.
//!
//! `'R'`, layout version `u8 = 1`, contents version `u8`, cohort `u32`, cohort-key version
//! `u32`, data-key id `[8]`, wrapped-data-key length `u16` and the wrapped data key (an
//! envelope sealed by the cohort's segment key), then the sealed contents (an envelope sealed
//! by the data key) to the end. Integers are big-endian. See `docs/storage-format.md`.

use crate::codec::Reader;
use crate::error::{Error, Result};
use model::RecordId;

const MAGIC: u8 = b'R';
/// The record layout version written by this build.
pub const RECORD_LAYOUT_VERSION: u8 = 1;
const WHAT: &str = "stored record";

/// A stored record, parsed but still sealed.
#[derive(Debug)]
pub(crate) struct SealedRecord<'a> {
    pub(crate) contents_version: u8,
    pub(crate) cohort: u32,
    pub(crate) cohort_version: u32,
    pub(crate) data_key_id: [u8; 8],
    pub(crate) wrapped_data_key: &'a [u8],
    pub(crate) sealed_contents: &'a [u8],
}

impl<'a> SealedRecord<'a> {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(21 + self.wrapped_data_key.len() + self.sealed_contents.len());
        out.push(MAGIC);
        out.push(RECORD_LAYOUT_VERSION);
        out.push(self.contents_version);
        out.extend_from_slice(&self.cohort.to_be_bytes());
        out.extend_from_slice(&self.cohort_version.to_be_bytes());
        out.extend_from_slice(&self.data_key_id);
        out.extend_from_slice(&(self.wrapped_data_key.len() as u16).to_be_bytes());
        out.extend_from_slice(self.wrapped_data_key);
        out.extend_from_slice(self.sealed_contents);
        out
    }

    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut input = Reader::new(bytes, WHAT);
        if input.u8()? != MAGIC {
            return Err(Error::corrupt(WHAT, "bad marker"));
        }
        let version = input.u8()?;
        if version != RECORD_LAYOUT_VERSION {
            return Err(Error::UnsupportedVersion {
                what: WHAT,
                version,
            });
        }
        let contents_version = input.u8()?;
        let cohort = input.u32()?;
        let cohort_version = input.u32()?;
        let data_key_id = input.array()?;
        let wrapped_len = usize::from(input.u16()?);
        let wrapped_data_key = input.take(wrapped_len)?;
        let sealed_contents = input.rest();
        Ok(SealedRecord {
            contents_version,
            cohort,
            cohort_version,
            data_key_id,
            wrapped_data_key,
            sealed_contents,
        })
    }
}

/// Associated data of a wrapped data key: it belongs to this record, cohort key and data key.
pub(crate) fn data_key_aad(
    id: &RecordId,
    cohort: u32,
    cohort_version: u32,
    data_key_id: &[u8; 8],
) -> Vec<u8> {
    [
        &b"recvault/data-key/v1"[..],
        id.as_bytes(),
        &cohort.to_be_bytes(),
        &cohort_version.to_be_bytes(),
        data_key_id,
    ]
    .concat()
}

/// Associated data of sealed contents: they belong to this record, system, contents version
/// and data key.
pub(crate) fn contents_aad(
    id: &RecordId,
    system: &str,
    contents_version: u8,
    data_key_id: &[u8; 8],
) -> Vec<u8> {
    [
        &b"recvault/record/v1"[..],
        id.as_bytes(),
        &(system.len() as u32).to_be_bytes(),
        system.as_bytes(),
        &[contents_version],
        data_key_id,
    ]
    .concat()
}
