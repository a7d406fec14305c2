//! Signed state that cannot be rolled back, replayed or deleted item by item: every kind of
//! configuration kept in metadata (accounts, documents, holds, settings) has a generation and a
//! signed manifest of its items, which the log writer updates in the same batch as any change
//! to the kind; every signed checkpoint carries the vector of current generations; and the
//! vault checks items against manifests and manifests against the last checkpoint at open.
//!
//! It is a mechanism: a kind is a metadata prefix in [`KINDS`], and the writer sees every
//! batch, so any change under a registered prefix (by any module, now or later) moves its
//! kind's generation without the module knowing. A key belongs to the kind with the longest
//! matching prefix.

use std::collections::BTreeMap;

use crate::codec::Reader;
use crate::crypto::{sha256, SigningKey};
use crate::error::{Error, Result};
use crate::keyspace::{
    manifest_key, META_ACCOUNT, META_AUTHORITY_DOCUMENTS, META_CERTIFICATE, META_CONFIG,
    META_DOCUMENT, META_HOLD, META_HOLD_SUBJECT, META_SORN_DOCUMENTS, META_TRUSTED_TIME,
};
use crate::store::{prefix_end, Column, Op, Store, WriteBatch};

/// A kind of signed state: a name for errors and the metadata prefix its items live under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Kind {
    /// What an error calls it.
    pub(crate) name: &'static str,
    /// Where its items are (column Meta).
    pub(crate) prefix: &'static [u8],
}

/// Every kind of signed state. A later kind (designations, approvals, attestations) is one
/// line here; the prefixes must not change once vaults carry manifests of them.
pub(crate) const KINDS: &[Kind] = &[
    Kind {
        name: "accounts",
        prefix: META_ACCOUNT,
    },
    Kind {
        name: "SORN documents",
        prefix: META_SORN_DOCUMENTS,
    },
    Kind {
        name: "designated-authority registry",
        prefix: META_AUTHORITY_DOCUMENTS,
    },
    Kind {
        name: "other documents",
        prefix: META_DOCUMENT,
    },
    Kind {
        name: "holds",
        prefix: META_HOLD,
    },
    Kind {
        name: "hold subjects",
        prefix: META_HOLD_SUBJECT,
    },
    Kind {
        name: "configuration",
        prefix: META_CONFIG,
    },
    Kind {
        name: "destruction certificates",
        prefix: META_CERTIFICATE,
    },
    Kind {
        name: "retention's trusted time",
        prefix: META_TRUSTED_TIME,
    },
];

const MANIFEST_CONTEXT: &[u8] = b"recvault-manifest v1\0";
/// The version byte of the generation vector a checkpoint carries.
const VECTOR_VERSION: u8 = 1;

/// The kind `key` (column Meta) belongs to: the longest registered prefix it starts with.
fn kind_of(key: &[u8]) -> Option<usize> {
    KINDS
        .iter()
        .enumerate()
        .filter(|(_, kind)| key.starts_with(kind.prefix))
        .max_by_key(|(_, kind)| kind.prefix.len())
        .map(|(at, _)| at)
}

/// A kind's generation and digest at some point: what manifests, checkpoints and the key
/// store's high-water mark record.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Generation {
    /// Moves by one with every committed change to the kind (0: never published).
    pub(crate) number: u64,
    /// SHA-256 over the kind's items (key and SHA-256 of value, in key order).
    pub(crate) digest: [u8; 32],
}

/// A kind's signed manifest: its generation, the log entry that made it, and its items.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Manifest {
    generation: Generation,
    /// The access-log entry whose batch wrote it.
    seq: u64,
    /// How many items.
    count: u64,
}

impl Manifest {
    fn signed_message(&self, kind: &Kind) -> Vec<u8> {
        [
            MANIFEST_CONTEXT,
            &(kind.prefix.len() as u32).to_be_bytes(),
            kind.prefix,
            &self.generation.number.to_be_bytes(),
            &self.generation.digest,
            &self.seq.to_be_bytes(),
            &self.count.to_be_bytes(),
        ]
        .concat()
    }

    fn encode(&self, kind: &Kind, signing: &SigningKey) -> Vec<u8> {
        let signature = signing.sign(&self.signed_message(kind));
        [
            &[1u8][..],
            &self.generation.number.to_be_bytes(),
            &self.generation.digest,
            &self.seq.to_be_bytes(),
            &self.count.to_be_bytes(),
            &signature,
        ]
        .concat()
    }

    fn decode(kind: &Kind, bytes: &[u8], public_key: &[u8; 32]) -> Result<Self> {
        const WHAT: &str = "signed-state manifest";
        let mut input = Reader::new(bytes, WHAT);
        let version = input.u8()?;
        if version != 1 {
            return Err(Error::UnsupportedVersion {
                what: WHAT,
                version,
            });
        }
        let manifest = Manifest {
            generation: Generation {
                number: input.u64()?,
                digest: input.array()?,
            },
            seq: input.u64()?,
            count: input.u64()?,
        };
        let signature: [u8; 64] = input.array()?;
        input.finish()?;
        if !crate::crypto::verify_signature(public_key, &manifest.signed_message(kind), &signature)
        {
            return Err(tampered(kind, "its manifest's signature does not verify"));
        }
        Ok(manifest)
    }
}

fn tampered(kind: &Kind, detail: &'static str) -> Error {
    Error::SignedStateTampered {
        kind: kind.name,
        detail,
    }
}

/// What [`SignedState::load`] found of one kind.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Found {
    /// The log entry that wrote its manifest (`None`: it has none).
    manifest_seq: Option<u64>,
    /// Whether its items match its manifest (true when it has none).
    matches: bool,
}

/// The items of one kind as the writer knows them, and its current generation.
#[derive(Clone, Debug, Default)]
struct KindState {
    /// Item key to SHA-256 of its value.
    items: BTreeMap<Vec<u8>, [u8; 32]>,
    generation: Generation,
}

impl KindState {
    fn digest(&self) -> [u8; 32] {
        let mut bytes = Vec::with_capacity(self.items.len() * 72);
        for (key, hash) in &self.items {
            bytes.extend_from_slice(&(key.len() as u32).to_be_bytes());
            bytes.extend_from_slice(key);
            bytes.extend_from_slice(hash);
        }
        sha256(&bytes)
    }
}

/// Every kind's items and generation, kept by the log writer (the one place that sees every
/// batch) and checked against the store at open.
#[derive(Clone, Debug)]
pub(crate) struct SignedState {
    kinds: Vec<KindState>,
}

impl SignedState {
    /// Reads every kind's items and manifest from the store, checking each manifest's
    /// signature. What it finds is checked by [`SignedState::check`].
    pub(crate) fn load(store: &dyn Store, public_key: &[u8; 32]) -> Result<(Self, Vec<Found>)> {
        let mut kinds = Vec::with_capacity(KINDS.len());
        let mut found = Vec::with_capacity(KINDS.len());
        for (at, kind) in KINDS.iter().enumerate() {
            let mut state = KindState::default();
            for (key, value) in store.scan(
                Column::Meta,
                kind.prefix,
                Some(&prefix_end(kind.prefix)),
                usize::MAX,
            )? {
                if kind_of(&key) == Some(at) {
                    state.items.insert(key, sha256(&value));
                }
            }
            let manifest = store
                .get(Column::Meta, &manifest_key(kind.prefix))?
                .map(|bytes| Manifest::decode(kind, &bytes, public_key))
                .transpose()?;
            found.push(Found {
                manifest_seq: manifest.as_ref().map(|manifest| manifest.seq),
                matches: manifest.as_ref().is_none_or(|manifest| {
                    manifest.count == state.items.len() as u64
                        && manifest.generation.digest == state.digest()
                }),
            });
            if let Some(manifest) = manifest {
                state.generation = manifest.generation;
            }
            kinds.push(state);
        }
        Ok((SignedState { kinds }, found))
    }

    /// Whether every kind has a manifest (`load`'s second answer).
    pub(crate) fn complete(found: &[Found]) -> bool {
        found.iter().all(|found| found.manifest_seq.is_some())
    }

    /// Checks what [`SignedState::load`] found: every kind's items match its manifest, and
    /// the manifests match a checkpoint's generation vector (the last signed one, at entry
    /// `checkpoint_seq`): a kind changed at or before the checkpoint must be exactly what the
    /// checkpoint signed; one changed after it must be newer.
    pub(crate) fn check(
        &self,
        found: &[Found],
        vector: &[u8],
        checkpoint_seq: u64,
        head_seq: u64,
    ) -> Result<()> {
        let signed = decode_vector(vector)?;
        for ((kind, state), found) in KINDS.iter().zip(&self.kinds).zip(found) {
            if !found.matches {
                return Err(tampered(
                    kind,
                    "its items differ from its signed manifest (an item was added, changed, \
                     deleted or replaced by an older value)",
                ));
            }
            let at_checkpoint = signed.get(kind.prefix);
            match (&found.manifest_seq, at_checkpoint) {
                (None, Some(_)) => {
                    return Err(tampered(kind, "its manifest was deleted"));
                }
                (None, None) => {}
                (Some(seq), _) if *seq > head_seq => {
                    return Err(tampered(kind, "its manifest is newer than the access log"));
                }
                (Some(seq), Some(signed)) if *seq <= checkpoint_seq => {
                    if *signed != state.generation {
                        return Err(tampered(
                            kind,
                            "it is not what the last signed checkpoint recorded (an older \
                             manifest and items were put back)",
                        ));
                    }
                }
                (Some(_), Some(signed)) => {
                    if state.generation.number <= signed.number {
                        return Err(tampered(
                            kind,
                            "it is not newer than the last signed checkpoint recorded",
                        ));
                    }
                }
                // A manifest written at or before the checkpoint is in its vector (an empty
                // vector included: a checkpoint with its state emptied is refused).
                (Some(seq), None) if *seq <= checkpoint_seq => {
                    return Err(tampered(
                        kind,
                        "the last signed checkpoint does not know it",
                    ));
                }
                (Some(_), None) => {}
            }
        }
        Ok(())
    }

    /// Checks that no kind is older than a signed record of an earlier moment (the newest
    /// truncation record's vector): state rolled back to before the truncation is refused.
    pub(crate) fn check_not_older_than(&self, vector: &[u8]) -> Result<()> {
        let recorded = decode_vector(vector)?;
        for (kind, state) in KINDS.iter().zip(&self.kinds) {
            if recorded
                .get(kind.prefix)
                .is_some_and(|then| state.generation.number < then.number)
            {
                return Err(tampered(
                    kind,
                    "it is older than the access log's last truncation recorded",
                ));
            }
        }
        Ok(())
    }

    /// Whether `batch` changes any kind.
    pub(crate) fn touches(batch: &WriteBatch) -> bool {
        batch.ops().any(|op| match op {
            Op::Put { column, key, .. } | Op::Delete { column, key } => {
                column == Column::Meta && kind_of(key).is_some()
            }
            Op::DeleteRange { column, start, end } => {
                column == Column::Meta
                    && KINDS
                        .iter()
                        .any(|kind| kind.prefix < end && prefix_end(kind.prefix).as_slice() > start)
            }
        })
    }

    /// Applies `batch` to the items it changes, and for every kind it changed (or every
    /// kind, with `all`) moves the generation and puts the kind's signed manifest, made by
    /// log entry `seq`, into `out`.
    pub(crate) fn apply(
        &mut self,
        batch: &WriteBatch,
        all: bool,
        seq: u64,
        signing: &SigningKey,
        out: &mut WriteBatch,
    ) -> Result<()> {
        let mut touched = vec![all; KINDS.len()];
        for op in batch.ops() {
            match op {
                Op::Put {
                    column: Column::Meta,
                    key,
                    value,
                } => {
                    if let Some(at) = kind_of(key) {
                        self.kinds[at].items.insert(key.to_vec(), sha256(value));
                        touched[at] = true;
                    }
                }
                Op::Delete {
                    column: Column::Meta,
                    key,
                } => {
                    if let Some(at) = kind_of(key) {
                        self.kinds[at].items.remove(key);
                        touched[at] = true;
                    }
                }
                // An empty or reversed range deletes nothing (and `BTreeMap::range` would
                // panic on a reversed one).
                Op::DeleteRange {
                    column: Column::Meta,
                    start,
                    end,
                } if start < end => {
                    for (at, state) in self.kinds.iter_mut().enumerate() {
                        let doomed: Vec<Vec<u8>> = state
                            .items
                            .range(start.to_vec()..end.to_vec())
                            .map(|(key, _)| key.clone())
                            .collect();
                        for key in doomed {
                            state.items.remove(&key);
                            touched[at] = true;
                        }
                        let kind = &KINDS[at];
                        if kind.prefix < end && prefix_end(kind.prefix).as_slice() > start {
                            touched[at] = true;
                        }
                    }
                }
                _ => {}
            }
        }
        for ((kind, state), touched) in KINDS.iter().zip(&mut self.kinds).zip(touched) {
            if !touched {
                continue;
            }
            state.generation = Generation {
                number: state
                    .generation
                    .number
                    .checked_add(1)
                    .ok_or_else(|| tampered(kind, "its generation is exhausted"))?,
                digest: state.digest(),
            };
            let manifest = Manifest {
                generation: state.generation,
                seq,
                count: state.items.len() as u64,
            };
            out.put(
                Column::Meta,
                manifest_key(kind.prefix),
                manifest.encode(kind, signing),
            );
        }
        Ok(())
    }

    /// Every kind's generation, as a checkpoint carries it (empty while no kind has one).
    pub(crate) fn vector(&self) -> Vec<u8> {
        if self.kinds.iter().all(|state| state.generation.number == 0) {
            return Vec::new();
        }
        let mut out = vec![VECTOR_VERSION];
        out.extend_from_slice(&(KINDS.len() as u16).to_be_bytes());
        for (kind, state) in KINDS.iter().zip(&self.kinds) {
            out.push(kind.prefix.len() as u8);
            out.extend_from_slice(kind.prefix);
            out.extend_from_slice(&state.generation.number.to_be_bytes());
            out.extend_from_slice(&state.generation.digest);
        }
        out
    }

    /// The current generations by kind prefix.
    pub(crate) fn generations(&self) -> BTreeMap<Vec<u8>, Generation> {
        KINDS
            .iter()
            .zip(&self.kinds)
            .map(|(kind, state)| (kind.prefix.to_vec(), state.generation))
            .collect()
    }
}

/// Reads a generation vector (empty: none), by kind prefix.
pub(crate) fn decode_vector(bytes: &[u8]) -> Result<BTreeMap<Vec<u8>, Generation>> {
    const WHAT: &str = "checkpoint generation vector";
    let mut out = BTreeMap::new();
    if bytes.is_empty() {
        return Ok(out);
    }
    let mut input = Reader::new(bytes, WHAT);
    let version = input.u8()?;
    if version != VECTOR_VERSION {
        return Err(Error::UnsupportedVersion {
            what: WHAT,
            version,
        });
    }
    for _ in 0..input.u16()? {
        let len = usize::from(input.u8()?);
        let prefix = input.take(len)?.to_vec();
        let generation = Generation {
            number: input.u64()?,
            digest: input.array()?,
        };
        out.insert(prefix, generation);
    }
    input.finish()?;
    Ok(out)
}

/// The name of the kind with `prefix`, for messages.
pub(crate) fn kind_name(prefix: &[u8]) -> &'static str {
    KINDS
        .iter()
        .find(|kind| kind.prefix == prefix)
        .map_or("unknown kind", |kind| kind.name)
}

#[cfg(test)]
mod tests;
