//! The vault's error type: one enum, messages safe to show (no key bytes, no record contents).

use std::path::PathBuf;

/// Everything that can go wrong in the vault.
///
/// Messages never contain key material, record contents or identifiers: callers may print
/// them and log them as they are.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Authentication failed while opening an envelope. Deliberately opaque: which check
    /// failed (tag, associated data, key) is not said, so it cannot serve as an oracle.
    #[error("decryption failed")]
    DecryptionFailed,
    /// An envelope or stored value names a format version or algorithm this build does not know.
    #[error("unsupported {what} version {version}")]
    UnsupportedVersion {
        /// Which layout carried the unknown version.
        what: &'static str,
        /// The version byte found.
        version: u8,
    },
    /// A stored value could not be parsed: the store is damaged or was written by something else.
    #[error("corrupt {what}: {detail}")]
    Corrupt {
        /// Which layout was being read.
        what: &'static str,
        /// What was wrong, without the data itself.
        detail: &'static str,
    },
    /// A record, or a field of one, failed validation.
    #[error("{0}")]
    Invalid(String),
    /// The operation conflicts with the vault's state now: a hold already released, a
    /// compliance hold before its date.
    #[error("{0}")]
    Conflict(String),
    /// No record has this id (it never existed, or it was destroyed); or, for what is not a
    /// record id, no such thing (`hold H-3`, `cohort 7`).
    #[error("{} not found", missing(.0))]
    NotFound(String),
    /// The storage engine failed.
    #[error("storage error: {0}")]
    Storage(String),
    /// Another process (usually `recvault serve`) holds the data directory.
    #[error("data directory `{}` is in use by another process (a running `recvault serve`?); offline commands need the vault stopped, or use the server", .0.display())]
    InUse(PathBuf),
    /// The data directory does not hold a vault.
    #[error("`{}` is not a recvault data directory (run `recvault init` first)", .0.display())]
    NotAVault(PathBuf),
    /// `init` was pointed at something that already exists.
    #[error("`{}` already exists; refusing to overwrite it", .0.display())]
    AlreadyExists(PathBuf),
    /// The key store is unusable: missing, badly formed, too open, or inside the data directory.
    #[error("key store `{}`: {reason}", .path.display())]
    KeyStore {
        /// The key store's path.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The key backend holds no root key for the vault's epoch: the wrong key store, or a
    /// copy of the data older than the last epoch change (whose root key is destroyed).
    #[error("the key store holds no root key for epoch {epoch} (it holds epochs {held}); this data is from another vault or from before an epoch change")]
    RootKeyMissing {
        /// The epoch the data needs.
        epoch: u32,
        /// The epochs the backend holds.
        held: String,
    },
    /// The key store opened, but its root key is not the one this vault was created with.
    #[error("the key store does not belong to this vault (key check failed)")]
    WrongKeyStore,
    /// Signed state (accounts, documents, holds, settings) does not match its signed manifest
    /// or the last signed checkpoint: items were altered, deleted or rolled back on disk. The
    /// vault refuses to open.
    #[error("signed state: the {kind}: {detail}; the data directory was altered, rolled back or partly restored, and nothing is served (restore a whole copy with `recvault restore`)")]
    SignedStateTampered {
        /// Which kind of signed state.
        kind: &'static str,
        /// What does not match.
        detail: &'static str,
    },
    /// The data directory is older than what the key store last saw of it (its high-water
    /// mark), or does not extend the newest exported anchor: a whole copy was put back.
    #[error("the data directory was rolled back: {0}; nothing is served (if this copy was restored on purpose, `recvault restore` records that as a signed, logged act)")]
    RolledBack(String),
    /// The access log could not make the operation's entry durable, so the operation was
    /// refused: no plaintext was returned and no change was stored.
    #[error("the access log cannot be written ({0}); the operation was refused")]
    LogUnavailable(String),
    /// The operation's entry and changes were handed to the store, which did not answer in
    /// time: they may still be stored. Not a failure: a retry must first learn the outcome
    /// (an ingest retried with the same stream key waits for it, or is refused until then).
    #[error("the access log did not confirm the operation ({0}); it may still be stored")]
    LogInDoubt(String),
    /// Free space on the store's filesystem is under the reserve, so a write that would add
    /// data is refused before the store can run out of space (nothing of it was stored).
    #[error("free space on the data directory's filesystem ({available_mib} MiB) is under the reserve of {reserve_mib} MiB: ingest is refused so the store never runs out of space; nothing of this batch was stored")]
    InsufficientStorage {
        /// Free space, in MiB.
        available_mib: u64,
        /// The reserve, in MiB.
        reserve_mib: u64,
    },
    /// The operating system's random number generator failed.
    #[error("random number generator failed")]
    Random,
    /// Plain file-system I/O failed (key store, directories).
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// Stored bytes that do not read as `what` (`detail` says how; neither holds stored data).
    pub fn corrupt(what: &'static str, detail: &'static str) -> Self {
        Error::Corrupt { what, detail }
    }
}

/// The vault's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A record the model refuses is refused by the vault with the same message.
impl From<model::Invalid> for Error {
    fn from(invalid: model::Invalid) -> Self {
        Error::Invalid(invalid.0)
    }
}

/// What [`Error::NotFound`] names: a record by its id, anything else as it is named.
fn missing(what: &str) -> String {
    if what.parse::<model::RecordId>().is_ok() {
        format!("record `{what}`")
    } else {
        what.to_owned()
    }
}
