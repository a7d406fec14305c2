//! The high-water mark kept with the key store: the last access-log entry the vault signed a
//! checkpoint on (its sequence number and hash) and every kind's signed-state generation,
//! written after each checkpoint is durable. A data directory replaced by an older copy of
//! itself is consistent and signed throughout, so only something outside it can tell: the key
//! store, which an attacker with the data directory does not hold (docs/threat-model.md). At
//! open the directory must reach the mark, and with an anchor directory configured, extend the
//! newest anchor exported to it. `recvault restore` resets the mark on purpose, logged.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::keyspace::{log_checkpoint_key, log_entry_key};
use crate::log::{entry_hash, Checkpoint, Head};
use crate::signed_state::{kind_name, Generation};
use crate::store::{Column, Store};

const MAGIC: &str = "recvault high-water mark v1";

/// What the key store last saw of the data directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Mark {
    /// The last checkpointed entry.
    pub(crate) seq: u64,
    /// Its chain hash.
    pub(crate) hash: [u8; 32],
    /// Signed-state generations by kind prefix.
    pub(crate) generations: BTreeMap<Vec<u8>, Generation>,
    /// Anchors exported at or before this entry belong to a history a restore replaced: the
    /// open check ignores them.
    pub(crate) anchors_superseded_through: u64,
}

impl Mark {
    /// The mark as text (no secrets: sequence numbers, hashes and generations).
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = format!(
            "{MAGIC}\nentry {}\nhash {}\nanchors superseded through {}\n",
            self.seq,
            hex::encode(self.hash),
            self.anchors_superseded_through
        );
        for (prefix, generation) in &self.generations {
            out.push_str(&format!(
                "kind {} {} {}\n",
                hex::encode(prefix),
                generation.number,
                hex::encode(generation.digest)
            ));
        }
        out.into_bytes()
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self> {
        let bad = || Error::corrupt("high-water mark", "not a high-water mark");
        let text = std::str::from_utf8(bytes).map_err(|_| bad())?;
        let mut lines = text.lines();
        if lines.next() != Some(MAGIC) {
            return Err(bad());
        }
        let mut field = |name: &str| {
            lines
                .next()
                .and_then(|line| line.strip_prefix(name))
                .and_then(|rest| rest.strip_prefix(' '))
                .map(str::to_owned)
                .ok_or_else(bad)
        };
        let seq = field("entry")?.parse().map_err(|_| bad())?;
        let hash = decode_hash(&field("hash")?).ok_or_else(bad)?;
        let anchors_superseded_through = field("anchors superseded through")?
            .parse()
            .map_err(|_| bad())?;
        let mut generations = BTreeMap::new();
        for line in lines {
            let mut parts = line.strip_prefix("kind ").ok_or_else(bad)?.split(' ');
            let (Some(prefix), Some(number), Some(digest), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(bad());
            };
            generations.insert(
                hex::decode(prefix).map_err(|_| bad())?,
                Generation {
                    number: number.parse().map_err(|_| bad())?,
                    digest: decode_hash(digest).ok_or_else(bad)?,
                },
            );
        }
        Ok(Mark {
            seq,
            hash,
            generations,
            anchors_superseded_through,
        })
    }
}

fn decode_hash(text: &str) -> Option<[u8; 32]> {
    hex::decode(text).ok()?.try_into().ok()
}

/// Refuses a data directory older than `mark`: a log that ends before the mark's entry; no
/// signed checkpoint there over the hash the mark saw (checkpoints are kept through
/// truncations, so it is never legitimately missing); the entry there missing without a
/// signed truncation having removed it, or not the one the mark saw; or signed state older
/// than the mark's.
pub(crate) fn check_mark(
    store: &dyn Store,
    head: &Head,
    generations: &BTreeMap<Vec<u8>, Generation>,
    mark: &Mark,
    public_key: &[u8; 32],
) -> Result<()> {
    if head.seq < mark.seq {
        return Err(Error::RolledBack(format!(
            "its access log ends at entry {}, but the key store saw entry {}",
            head.seq, mark.seq
        )));
    }
    let checkpoint = store
        .get(Column::Log, &log_checkpoint_key(mark.seq))?
        .map(|bytes| Checkpoint::decode(&bytes))
        .transpose()?;
    if !checkpoint
        .is_some_and(|checkpoint| checkpoint.head == mark.hash && checkpoint.verify(public_key))
    {
        return Err(Error::RolledBack(format!(
            "the signed checkpoint of access-log entry {} that the key store saw is missing or \
             different (another copy of the vault)",
            mark.seq
        )));
    }
    match store.get(Column::Log, &log_entry_key(mark.seq))? {
        Some(entry) if entry_hash(&entry) != mark.hash => {
            return Err(Error::RolledBack(format!(
                "access-log entry {} is not the one the key store saw (another copy of the vault)",
                mark.seq
            )));
        }
        Some(_) => {}
        None => {
            // The newest truncation record's signature was checked when the writer started.
            let base = crate::audit::truncation_records(store)?
                .last()
                .map_or(1, |record| record.base);
            if mark.seq >= base {
                return Err(Error::RolledBack(format!(
                    "access-log entry {} that the key store saw is missing, and no signed \
                     truncation removed it",
                    mark.seq
                )));
            }
        }
    }
    for (prefix, seen) in &mark.generations {
        let now = generations.get(prefix).copied().unwrap_or_default();
        if now.number < seen.number || (now.number == seen.number && now.digest != seen.digest) {
            return Err(Error::RolledBack(format!(
                "the {} are at generation {}, older than generation {} the key store saw",
                kind_name(prefix),
                now.number,
                seen.number
            )));
        }
    }
    Ok(())
}

/// The entry of the newest anchor in `dir` (0 if none).
pub(crate) fn newest_anchor_seq(dir: &Path) -> Result<u64> {
    Ok(anchor_files(dir)?
        .into_iter()
        .map(|(seq, _)| seq)
        .max()
        .unwrap_or(0))
}

/// The anchor files in `dir` by the entry their name carries (none if `dir` is missing).
fn anchor_files(dir: &Path) -> Result<Vec<(u64, std::path::PathBuf)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // Not mounted or never written: nothing to compare with (the mark still applies).
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(Error::io(format!("reading `{}`", dir.display()), err)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|err| Error::io(format!("reading `{}`", dir.display()), err))?
            .path();
        if let Some(seq) = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_prefix("checkpoint-"))
            .and_then(|name| name.strip_suffix(".txt"))
            .and_then(|digits| digits.parse::<u64>().ok())
        {
            files.push((seq, path));
        }
    }
    Ok(files)
}

/// The newest anchor in `dir` after entry `superseded_through` (by file name, which carries
/// the entry's number), if any.
fn newest_anchor(dir: &Path, superseded_through: u64) -> Result<Option<Checkpoint>> {
    let newest = anchor_files(dir)?
        .into_iter()
        .filter(|(seq, _)| *seq > superseded_through)
        .max_by_key(|(seq, _)| *seq);
    let Some((_, path)) = newest else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|err| Error::io(format!("reading `{}`", path.display()), err))?;
    Ok(Some(crate::audit::parse_anchor(&text)?))
}

/// Refuses a log that does not extend the newest anchor exported to `dir`: one that ends
/// before it, or holds another checkpoint at its entry.
pub(crate) fn check_newest_anchor(
    store: &dyn Store,
    head: &Head,
    dir: &Path,
    public_key: &[u8; 32],
    superseded_through: u64,
) -> Result<()> {
    let Some(anchor) = newest_anchor(dir, superseded_through)? else {
        return Ok(());
    };
    if !anchor.verify(public_key) {
        return Err(Error::RolledBack(format!(
            "the newest anchor in `{}` (entry {}) is not signed by this vault",
            dir.display(),
            anchor.seq
        )));
    }
    if head.seq < anchor.seq {
        return Err(Error::RolledBack(format!(
            "its access log ends at entry {}, before the newest anchor exported to `{}` (entry {})",
            head.seq,
            dir.display(),
            anchor.seq
        )));
    }
    let stored = store
        .get(Column::Log, &log_checkpoint_key(anchor.seq))?
        .map(|bytes| Checkpoint::decode(&bytes))
        .transpose()?;
    // Checkpoints are kept through truncations, so a missing one was removed on disk.
    if stored.is_none_or(|stored| stored.digest() != anchor.digest()) {
        return Err(Error::RolledBack(format!(
            "the checkpoint at entry {} is missing or not the one exported to `{}`",
            anchor.seq,
            dir.display()
        )));
    }
    Ok(())
}
