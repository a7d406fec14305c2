//! Key backends: where the root key lives, one per epoch. It never lives in the data
//! directory. The file backend keeps it in a mode-0600 file outside the data directory, for
//! development and single hosts; an HSM or KMS backend implements the same trait.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use zeroize::Zeroizing;

use crate::crypto::{KeyMaterial, KEY_LEN};
use crate::error::{Error, Result};

/// The root key of one epoch.
pub struct RootKey {
    pub(crate) epoch: u32,
    pub(crate) key: KeyMaterial,
}

impl RootKey {
    /// The epoch this root key belongs to.
    pub fn epoch(&self) -> u32 {
        self.epoch
    }
}

#[cfg(any(test, feature = "testing"))]
impl RootKey {
    pub(crate) fn key_for_testing(&self) -> &KeyMaterial {
        &self.key
    }
}

impl fmt::Debug for RootKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RootKey(epoch {}, REDACTED)", self.epoch)
    }
}

/// Where root keys live: one per epoch, normally only the current one.
///
/// A backend must really destroy what [`KeyBackend::destroy_root_keys_before`] removes: the
/// promise that destroyed records stay destroyed in old copies rests on it.
pub trait KeyBackend: Send + Sync + fmt::Debug {
    /// Every root key the backend holds, by epoch, oldest first. Between the two steps of an
    /// epoch change it holds two.
    fn root_keys(&self) -> Result<Vec<RootKey>>;

    /// Generates and durably stores a fresh root key for `epoch`, keeping the others. A key
    /// already held for `epoch` (left by a change that never committed) is replaced.
    fn add_root_key(&self, epoch: u32) -> Result<()>;

    /// Durably destroys every root key of an epoch before `epoch`.
    fn destroy_root_keys_before(&self, epoch: u32) -> Result<()>;

    /// Whether the backend keeps keys away from the data and from other users. The in-memory
    /// backend is not secure; the served vault refuses insecure backends outside tests.
    fn is_secure(&self) -> bool;

    /// The high-water mark last stored with the keys (`None` if none was): what the vault
    /// last saw of its data directory, so an older copy of the directory is refused at open
    /// (`high_water` module). Not secret, but kept where the keys are, out of reach of
    /// whoever holds only the data directory.
    fn high_water_mark(&self) -> Result<Option<Vec<u8>>>;

    /// Durably replaces the high-water mark.
    fn set_high_water_mark(&self, mark: &[u8]) -> Result<()>;
}

/// An in-memory key backend for tests. Not secure: the keys die with the process.
#[derive(Debug)]
pub struct MemKeyBackend {
    keys: Mutex<BTreeMap<u32, Zeroizing<[u8; KEY_LEN]>>>,
    mark: Mutex<Option<Vec<u8>>>,
}

impl MemKeyBackend {
    /// A backend holding a fresh random root key in epoch 1.
    pub fn generate() -> Result<Self> {
        let backend = MemKeyBackend {
            keys: Mutex::new(BTreeMap::new()),
            mark: Mutex::new(None),
        };
        backend.add_root_key(1)?;
        Ok(backend)
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, BTreeMap<u32, Zeroizing<[u8; KEY_LEN]>>>> {
        self.keys
            .lock()
            .map_err(|_| Error::Storage("key backend lock poisoned".into()))
    }
}

impl KeyBackend for MemKeyBackend {
    fn root_keys(&self) -> Result<Vec<RootKey>> {
        Ok(self
            .lock()?
            .iter()
            .map(|(epoch, key)| RootKey {
                epoch: *epoch,
                key: KeyMaterial::from_bytes(key),
            })
            .collect())
    }

    fn add_root_key(&self, epoch: u32) -> Result<()> {
        let key = KeyMaterial::generate()?;
        self.lock()?
            .insert(epoch, Zeroizing::new(*key.expose_for_backend()));
        Ok(())
    }

    fn destroy_root_keys_before(&self, epoch: u32) -> Result<()> {
        // Zeroizing wipes each removed key as it drops.
        self.lock()?.retain(|held, _| *held >= epoch);
        Ok(())
    }

    fn is_secure(&self) -> bool {
        false
    }

    fn high_water_mark(&self) -> Result<Option<Vec<u8>>> {
        self.mark
            .lock()
            .map(|mark| mark.clone())
            .map_err(|_| Error::Storage("key backend lock poisoned".into()))
    }

    fn set_high_water_mark(&self, mark: &[u8]) -> Result<()> {
        *self
            .mark
            .lock()
            .map_err(|_| Error::Storage("key backend lock poisoned".into()))? = Some(mark.to_vec());
        Ok(())
    }
}

const KEY_STORE_HEADER: &str = "recvault-key-store v1";

/// The file key backend: one text file, mode 0600, outside the data directory.
///
/// Format (v1): the line `recvault-key-store v1`, then one line per epoch held,
/// `root EPOCH KEY` with the key in 64 hexadecimal digits. Every change writes a new file,
/// renames it into place, then overwrites the replaced file's blocks with zeros, so the bytes
/// of a destroyed key do not linger in it (a copy-on-write or wear-levelled disk may still
/// keep them: an HSM or KMS gives the real guarantee; see docs/storage-format.md).
#[derive(Debug)]
pub struct FileKeyBackend {
    path: PathBuf,
    /// Serializes changes made through this handle.
    writing: Mutex<()>,
}

impl FileKeyBackend {
    /// Creates a key store with a fresh root key in epoch 1. Refuses to overwrite a file or
    /// to put it inside `data_dir`.
    pub fn create(path: &Path, data_dir: &Path) -> Result<Self> {
        check_outside(path, data_dir)?;
        if path.exists() {
            return Err(Error::AlreadyExists(path.to_path_buf()));
        }
        let key = KeyMaterial::generate()?;
        write_key_file(path, &[(1, key)], false)?;
        Ok(FileKeyBackend {
            path: path.to_path_buf(),
            writing: Mutex::new(()),
        })
    }

    /// Opens an existing key store; refuses it inside `data_dir` or readable by others.
    pub fn open(path: &Path, data_dir: &Path) -> Result<Self> {
        check_outside(path, data_dir)?;
        let backend = FileKeyBackend {
            path: path.to_path_buf(),
            writing: Mutex::new(()),
        };
        backend.root_keys()?;
        Ok(backend)
    }

    /// The high-water mark's file: beside the key store, `<key store>.mark`.
    fn mark_path(&self) -> PathBuf {
        let mut path = self.path.clone().into_os_string();
        path.push(".mark");
        PathBuf::from(path)
    }

    fn problem(&self, reason: impl Into<String>) -> Error {
        Error::KeyStore {
            path: self.path.clone(),
            reason: reason.into(),
        }
    }

    fn change(&self, edit: impl FnOnce(&mut Vec<(u32, KeyMaterial)>) -> Result<()>) -> Result<()> {
        let _writing = self
            .writing
            .lock()
            .map_err(|_| self.problem("lock poisoned"))?;
        let mut keys: Vec<(u32, KeyMaterial)> = self
            .root_keys()?
            .into_iter()
            .map(|root| (root.epoch, root.key))
            .collect();
        edit(&mut keys)?;
        if keys.is_empty() {
            return Err(self.problem("refusing to destroy the last root key"));
        }
        write_key_file(&self.path, &keys, true)
    }
}

impl KeyBackend for FileKeyBackend {
    fn root_keys(&self) -> Result<Vec<RootKey>> {
        check_private(&self.path)?;
        let text = Zeroizing::new(
            fs::read_to_string(&self.path)
                .map_err(|err| self.problem(format!("cannot read it: {err}")))?,
        );
        let mut lines = text.lines();
        if lines.next() != Some(KEY_STORE_HEADER) {
            return Err(self.problem(format!(
                "not a key store (first line must be `{KEY_STORE_HEADER}`)"
            )));
        }
        let mut keys: Vec<RootKey> = Vec::new();
        for line in lines {
            let bad =
                || self.problem("each key line must be `root EPOCH` and 64 hexadecimal digits");
            let mut words = line.split(' ');
            if words.next() != Some("root") {
                return Err(bad());
            }
            let epoch = words
                .next()
                .and_then(|epoch| epoch.parse::<u32>().ok())
                .ok_or_else(bad)?;
            let mut key = Zeroizing::new([0u8; KEY_LEN]);
            words
                .next()
                .filter(|hex_key| hex_key.len() == 2 * KEY_LEN)
                .and_then(|hex_key| hex::decode_to_slice(hex_key, &mut key[..]).ok())
                .ok_or_else(bad)?;
            if words.next().is_some() || keys.iter().any(|held| held.epoch >= epoch) {
                return Err(bad());
            }
            keys.push(RootKey {
                epoch,
                key: KeyMaterial::from_bytes(&key),
            });
        }
        if keys.is_empty() {
            return Err(self.problem("holds no root key"));
        }
        Ok(keys)
    }

    fn add_root_key(&self, epoch: u32) -> Result<()> {
        let key = KeyMaterial::generate()?;
        self.change(|keys| {
            keys.retain(|(held, _)| *held != epoch);
            keys.push((epoch, key));
            keys.sort_by_key(|(held, _)| *held);
            Ok(())
        })
    }

    fn destroy_root_keys_before(&self, epoch: u32) -> Result<()> {
        self.change(|keys| {
            keys.retain(|(held, _)| *held >= epoch);
            Ok(())
        })
    }

    fn is_secure(&self) -> bool {
        true
    }

    fn high_water_mark(&self) -> Result<Option<Vec<u8>>> {
        match fs::read(self.mark_path()) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(self.problem(format!("cannot read its high-water mark: {err}"))),
        }
    }

    fn set_high_water_mark(&self, mark: &[u8]) -> Result<()> {
        write_private_file(&self.mark_path(), mark, true)
    }
}

/// Writes the key file: a new file (mode 0600) synced under a temporary name, then moved into
/// place, the directory synced, and the replaced file's blocks overwritten with zeros.
fn write_key_file(path: &Path, keys: &[(u32, KeyMaterial)], replace: bool) -> Result<()> {
    // Sized once, so it never reallocates (a reallocation would leave key text behind in the
    // freed buffer), and the hex digits are written into a buffer wiped on drop rather than
    // into a temporary `String`.
    let line_len = "root  \n".len() + 10 + 2 * KEY_LEN;
    let mut text = Zeroizing::new(String::with_capacity(
        KEY_STORE_HEADER.len() + 1 + keys.len() * line_len,
    ));
    text.push_str(KEY_STORE_HEADER);
    text.push('\n');
    let mut digits = Zeroizing::new([0u8; 2 * KEY_LEN]);
    for (epoch, key) in keys {
        hex::encode_to_slice(key.expose_for_backend(), &mut digits[..])
            .map_err(|_| Error::corrupt("key store", "a key is not 32 bytes"))?;
        let digits = std::str::from_utf8(&digits[..])
            .map_err(|_| Error::corrupt("key store", "hex is not text"))?;
        text.push_str("root ");
        text.push_str(&epoch.to_string());
        text.push(' ');
        text.push_str(digits);
        text.push('\n');
    }
    debug_assert!(text.len() <= text.capacity());
    write_private_file(path, text.as_bytes(), replace)
}

/// Resolves `path` to an absolute path without requiring it to exist (its parent must).
fn resolve(path: &Path) -> Result<PathBuf> {
    if let Ok(resolved) = path.canonicalize() {
        return Ok(resolved);
    }
    let absolute = std::path::absolute(path)
        .map_err(|err| Error::io(format!("resolving `{}`", path.display()), err))?;
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => Ok(resolve(parent)?.join(name)),
        _ => Ok(absolute),
    }
}

/// Refuses a key store inside the data directory: a copy of the directory must never carry
/// the key that decrypts it.
pub(crate) fn check_outside(key_store: &Path, data_dir: &Path) -> Result<()> {
    let key_path = resolve(key_store)?;
    let data_path = resolve(data_dir)?;
    if key_path.starts_with(&data_path) {
        return Err(Error::KeyStore {
            path: key_store.to_path_buf(),
            reason: "must not be inside the data directory (a copy of the data must never carry its key)".into(),
        });
    }
    Ok(())
}

/// Refuses a key store that is not a regular file or that the group or others may read.
fn check_private(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let problem = |reason: String| Error::KeyStore {
        path: path.to_path_buf(),
        reason,
    };
    let metadata = fs::metadata(path).map_err(|err| problem(format!("cannot read it: {err}")))?;
    if !metadata.is_file() {
        return Err(problem("is not a regular file".into()));
    }
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(problem(format!(
            "is readable or writable by group or others (mode {mode:04o}); run `chmod 600 {}`",
            path.display()
        )));
    }
    Ok(())
}

/// Writes a file readable by its owner only, durably: written and synced under a temporary
/// name, then moved into place and the directory synced. Without `replace` it refuses to
/// replace a file (a hard link, unlike a rename, cannot); with it, the replaced file's blocks
/// are overwritten with zeros once the new file is in place.
pub(crate) fn write_private_file(path: &Path, contents: &[u8], replace: bool) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let io = |what: &str| {
        let what = format!("{what} `{}`", path.display());
        move |err| Error::io(what, err)
    };
    let file_name = path.file_name().ok_or_else(|| Error::KeyStore {
        path: path.to_path_buf(),
        reason: "must name a file".into(),
    })?;
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temporary = parent.join(format!(".{}.tmp", file_name.to_string_lossy()));
    // A temporary left by a crash holds nothing that the real file does not.
    let _ = fs::remove_file(&temporary);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .map_err(io("creating"))?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    drop(file);
    // Hold the file being replaced open, so its blocks can be wiped after it is unlinked.
    let replaced = if replace {
        // Nothing to wipe if there was no file yet.
        fs::OpenOptions::new().write(true).open(path).ok()
    } else {
        None
    };
    let placed = written.and_then(|()| {
        if replace {
            fs::rename(&temporary, path)
        } else {
            fs::hard_link(&temporary, path).and_then(|()| fs::remove_file(&temporary))
        }
    });
    if let Err(err) = placed {
        let _ = fs::remove_file(&temporary);
        return Err(io("writing")(err));
    }
    fs::File::open(&parent)
        .and_then(|dir| dir.sync_all())
        .map_err(io("syncing the directory of"))?;
    if let Some(mut old) = replaced {
        let len = old.metadata().map_err(io("wiping the old copy of"))?.len();
        let zeros = vec![0u8; usize::try_from(len).unwrap_or(0)];
        old.write_all(&zeros)
            .and_then(|()| old.sync_all())
            .map_err(io("wiping the old copy of"))?;
    }
    Ok(())
}
