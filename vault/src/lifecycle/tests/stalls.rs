//! A disk that stalls under a key change (threat (b) of docs/threat-model.md): the store is
//! frozen, as `fsfreeze` freezes a filesystem, while a key change commits, past the log's
//! timeout; then it thaws. A key change waits for its real outcome (memory follows the disk),
//! or, when the store stays silent past the key-change bound, the vault stops accepting writes
//! and the next open reconciles from disk. Either way the vault reopens, a destroyed cohort
//! stays destroyed (a copy taken before decrypts nothing with the keys that remain), nothing
//! else is lost, and no ingest line is stored twice.

use std::sync::atomic::AtomicU64;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use super::*;
use crate::store::WriteBatch;
use crate::testing::FaultyStore;
use crate::{StreamKey, VaultOptions};

/// What freezes the writes carrying log entries of a store (a `FaultyStore` around a
/// `MemStore`): a frozen write blocks until the store thaws, then lands.
#[derive(Debug, Default)]
struct Freezer {
    frozen: Mutex<bool>,
    thawed: Condvar,
    blocked: AtomicU64,
}

impl Freezer {
    fn freeze(&self) {
        *self.frozen.lock().unwrap() = true;
    }

    fn thaw(&self) {
        *self.frozen.lock().unwrap() = false;
        self.thawed.notify_all();
    }

    /// Thaws the store `after` from now, on another thread.
    fn thaw_after(self: &Arc<Self>, after: Duration) -> std::thread::JoinHandle<()> {
        let freezer = Arc::clone(self);
        std::thread::spawn(move || {
            std::thread::sleep(after);
            freezer.thaw();
        })
    }

    fn before_write(&self, batch: &WriteBatch) -> Result<()> {
        if crate::testing::carries_log_entry(batch) {
            let mut frozen = self.frozen.lock().unwrap();
            if *frozen {
                self.blocked.fetch_add(1, Ordering::SeqCst);
            }
            while *frozen {
                frozen = self.thawed.wait(frozen).unwrap();
            }
        }
        Ok(())
    }
}

/// Thaws the store when dropped: a failing assertion must not leave the log writer blocked on
/// a frozen write forever (the vault's drop waits for it), turning a failure into a hang.
struct ThawOnDrop(Arc<Freezer>);

impl Drop for ThawOnDrop {
    fn drop(&mut self) {
        self.0.thaw();
    }
}

const LOG_TIMEOUT: Duration = Duration::from_millis(200);
const KEY_CHANGE_TIMEOUT: Duration = Duration::from_millis(1500);

fn options() -> VaultOptions {
    VaultOptions {
        log_timeout: LOG_TIMEOUT,
        key_change_timeout: KEY_CHANGE_TIMEOUT,
        ..VaultOptions::default()
    }
}

struct Stalled {
    vault: Vault,
    store: Arc<FaultyStore>,
    freezer: Arc<Freezer>,
    backend: Arc<MemKeyBackend>,
    january: Vec<RecordId>,
    february: Vec<RecordId>,
}

/// A vault over a freezable store with three January and two February records, one January
/// record read by a person (for the deferral), and a hold on one February record (to release).
fn stalled() -> Stalled {
    let freezer = Arc::new(Freezer::default());
    let store = Arc::new(FaultyStore::new(Arc::new(MemStore::new()), {
        let freezer = Arc::clone(&freezer);
        move |batch| freezer.before_write(batch)
    }));
    let backend = Arc::new(MemKeyBackend::generate().unwrap());
    drop(Vault::create_with(store.clone(), backend.clone()).unwrap());
    let vault = Vault::open_with_options(store.clone(), backend.clone(), options()).unwrap();
    let january = vault
        .ingest(
            &access(),
            &[record("JAN A", 1), record("JAN B", 1), record("JAN C", 1)],
            now(),
        )
        .unwrap();
    let february = vault
        .ingest(&access(), &[record("FEB A", 2), record("FEB B", 2)], now())
        .unwrap();
    vault.read_by_person(&access(), &january[2], now()).unwrap();
    vault
        .place_hold(
            &access(),
            &crate::HoldSpec::new(
                "LIT-2026-007",
                "litigation",
                crate::HoldPurpose::Litigation,
                crate::HoldMode::Governance,
            ),
            crate::HoldTarget::Records(&february[1..]),
            now(),
        )
        .unwrap();
    Stalled {
        vault,
        store,
        freezer,
        backend,
        january,
        february,
    }
}

/// Every kind of key change, run against `vault`.
type KeyChange = fn(&Stalled) -> Result<()>;

fn key_changes() -> Vec<(&'static str, KeyChange)> {
    vec![
        ("destroy a cohort (epoch switch)", |s| {
            let cohort = period_cohort_of(&s.vault, 1);
            s.vault.destroy_cohort(&access(), cohort, now()).map(drop)
        }),
        ("rotate the root key", |s| {
            s.vault.rotate_root_key(&access(), now()).map(drop)
        }),
        ("create a cohort (ingest into a new month)", |s| {
            s.vault
                .ingest(&access(), &[record("MAR A", 3)], now())
                .map(drop)
        }),
        ("move records to a hold", |s| {
            s.vault
                .place_hold(
                    &access(),
                    &crate::HoldSpec::new(
                        "LIT-2026-008",
                        "litigation",
                        crate::HoldPurpose::Litigation,
                        crate::HoldMode::Governance,
                    ),
                    crate::HoldTarget::Records(&s.january[..1]),
                    now(),
                )
                .map(drop)
        }),
        ("release a hold", |s| {
            s.vault
                .release_hold(&access(), 1, "the matter closed", now())
                .map(drop)
        }),
        ("defer a read record to the deleted record file", |s| {
            let cohort = period_cohort_of(&s.vault, 1);
            s.vault
                .defer_accessed_records(&access(), cohort, now())
                .map(drop)
        }),
    ]
}

/// Reopens the store as a restarted vault would (after the stalled write landed).
fn restart(
    s: Stalled,
) -> (
    Vault,
    Arc<FaultyStore>,
    Arc<MemKeyBackend>,
    Vec<RecordId>,
    Vec<RecordId>,
) {
    let Stalled {
        vault,
        store,
        backend,
        january,
        february,
        ..
    } = s;
    drop(vault);
    let vault = Vault::open_with_options(store.clone(), backend.clone(), options())
        .unwrap_or_else(|err| panic!("the vault does not reopen: {err}"));
    (vault, store, backend, january, february)
}

/// What must hold after any key change, stalled or not, and a restart: every record that was
/// not destroyed reads, the log verifies, a copy taken before a destruction decrypts nothing.
fn check_after(
    name: &str,
    vault: &Vault,
    before: &MemStore,
    backend: &MemKeyBackend,
    january: &[RecordId],
    february: &[RecordId],
) {
    let destroyed = name.starts_with("destroy");
    for id in january.iter().chain(february) {
        let read = vault.read(&access(), id, now());
        if destroyed && january.contains(id) {
            assert!(read.is_err(), "{name}: a destroyed record reads");
        } else {
            assert!(read.is_ok(), "{name}: record {id} lost: {read:?}");
        }
    }
    let epochs: Vec<u32> = backend
        .root_keys()
        .unwrap()
        .iter()
        .map(RootKey::epoch)
        .collect();
    assert_eq!(epochs.len(), 1, "{name}: old root keys left: {epochs:?}");
    if destroyed || name.starts_with("rotate") {
        assert_eq!(
            crate::testing::count_decryptable(before, backend).unwrap(),
            0,
            "{name}: a copy taken before decrypts with the keys that remain"
        );
    }
    let report =
        crate::audit::verify_log(&**vault.store(), &vault.log_public_key().unwrap(), None).unwrap();
    assert_eq!(report.problem, None, "{name}");
}

fn copy(store: &dyn Store) -> MemStore {
    MemStore::copy_of(store).unwrap()
}

/// The store answers after the log's timeout but within the key-change bound: the key change
/// waits for it and succeeds, and memory follows the disk.
#[test]
fn a_key_change_stalled_past_the_log_timeout_waits_for_its_outcome() {
    for (name, change) in key_changes() {
        let s = stalled();
        let _thaw = ThawOnDrop(s.freezer.clone());
        let before = copy(&*s.store);
        s.freezer.freeze();
        let thaw = s.freezer.thaw_after(LOG_TIMEOUT * 3);
        let started = std::time::Instant::now();
        change(&s).unwrap_or_else(|err| panic!("{name}: {err}"));
        assert!(started.elapsed() >= LOG_TIMEOUT * 3, "{name}: it did stall");
        thaw.join().unwrap();
        assert!(!s.vault.status().unwrap().writes_halted, "{name}");
        // Still serving, before and after a restart.
        s.vault
            .ingest(&access(), &[record("APR A", 4)], now())
            .unwrap();
        let (vault, _, backend, january, february) = restart(s);
        check_after(name, &vault, &before, &backend, &january, &february);
    }
}

/// The store stays silent past the key-change bound: the caller is told the outcome is in
/// doubt (never "failed"), the vault stops accepting writes, the write lands when the disk
/// thaws, and the restarted vault reconciles from disk.
#[test]
fn a_key_change_the_store_never_answers_stops_writes_until_a_restart() {
    for (name, change) in key_changes() {
        let s = stalled();
        let _thaw = ThawOnDrop(s.freezer.clone());
        let before = copy(&*s.store);
        s.freezer.freeze();
        let outcome = change(&s);
        assert!(
            matches!(outcome, Err(Error::LogInDoubt(_))),
            "{name}: {outcome:?}"
        );
        assert!(s.vault.status().unwrap().writes_halted, "{name}");
        let refused = s.vault.read(&access(), &s.february[0], now());
        assert!(
            matches!(refused, Err(Error::LogUnavailable(ref reason)) if reason.contains("stopped accepting writes")),
            "{name}: {refused:?}"
        );
        s.freezer.thaw();
        // The write has landed, but memory still holds the keys from before it: another key
        // change now would re-wrap them (a destroyed cohort's key among them) under a new
        // epoch. It is refused until the restart.
        std::thread::sleep(LOG_TIMEOUT);
        let again = s.vault.rotate_root_key(&access(), now());
        assert!(
            matches!(again, Err(Error::LogUnavailable(ref reason)) if reason.contains("stopped accepting writes")),
            "{name}: {again:?}"
        );
        let (vault, _, backend, january, february) = restart(s);
        check_after(name, &vault, &before, &backend, &january, &february);
        // Nothing of the old epoch is re-wrapped later: another key change after the restart
        // still leaves the copy undecryptable.
        vault.rotate_root_key(&access(), now()).unwrap();
        if name.starts_with("destroy") {
            assert_eq!(
                crate::testing::count_decryptable(&before, &*backend).unwrap(),
                0
            );
        }
    }
}

/// A request the store never saw is withdrawn when its caller gives up: it never lands.
#[test]
fn a_request_withdrawn_before_the_store_took_it_never_lands() {
    let s = stalled();
    let _thaw = ThawOnDrop(s.freezer.clone());
    s.freezer.freeze();
    std::thread::scope(|scope| {
        // The first read's write is taken and frozen; the ingest queues behind it.
        scope.spawn(|| s.vault.read(&access(), &s.february[0], now()));
        while s.freezer.blocked.load(Ordering::SeqCst) == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let refused = s.vault.ingest(&access(), &[record("JAN Z", 1)], now());
        assert!(
            matches!(refused, Err(Error::LogUnavailable(ref reason)) if reason.contains("withdrawn")),
            "{refused:?}"
        );
        s.freezer.thaw();
    });
    assert_eq!(
        s.vault.verify_unlogged().unwrap().records,
        5,
        "the withdrawn ingest stored nothing"
    );
}

/// A vault closed while its store is frozen (a write in flight) does not hang: the writer is
/// waited for at most its timeout, then left with its write in doubt.
#[test]
fn closing_a_vault_whose_disk_stalls_returns_within_the_bound() {
    let s = stalled();
    let _thaw = ThawOnDrop(s.freezer.clone());
    s.freezer.freeze();
    let reading = std::thread::scope(|scope| {
        let reading = scope.spawn(|| s.vault.read(&access(), &s.february[0], now()).is_ok());
        while s.freezer.blocked.load(Ordering::SeqCst) == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
        reading.join().unwrap()
    });
    assert!(!reading, "the read's entry was never confirmed");
    let started = std::time::Instant::now();
    drop(s.vault);
    let took = started.elapsed();
    // The shutdown checkpoint waits for its entry (refused: the queue is behind the frozen
    // write), then the thread at most the timeout.
    assert!(
        took < LOG_TIMEOUT * 4,
        "closing took {took:?} with the disk stalled"
    );
}

/// An ingest batch in doubt: the stream reports it, a retry with the same key waits (or is
/// refused) until the batch's outcome is known, and then resumes after it: every line once.
#[test]
fn an_ingest_batch_in_doubt_is_stored_exactly_once() {
    let s = stalled();
    let _thaw = ThawOnDrop(s.freezer.clone());
    let key = StreamKey::new(b"the file's hash");
    let lines: Vec<(u64, Vec<RecordContents>)> = (1..=4)
        .map(|batch| {
            let records = (0..3)
                .map(|line| record(&format!("LINE {batch}-{line}"), 5))
                .collect();
            (batch * 3, records)
        })
        .collect();
    let mut committed = 0;
    let outcome =
        s.vault
            .ingest_stream_resumable(&access(), now(), &key, lines.clone(), |through, _| {
                committed = through;
                // The disk freezes once the first batch is durable, before the second is queued.
                if through == 3 {
                    s.freezer.freeze();
                }
            });
    assert!(matches!(outcome, Err(Error::LogInDoubt(_))), "{outcome:?}");
    assert_eq!(committed, 3, "in doubt after line 3");
    // A retry while the disk is still frozen learns nothing and stores nothing.
    let early = s.vault.ingest_progress(&key);
    assert!(matches!(early, Err(Error::LogInDoubt(_))), "{early:?}");
    s.freezer.thaw();
    // The batch landed: the retry resumes after it.
    let progress = s.vault.ingest_progress(&key).unwrap();
    assert_eq!(progress, 6);
    let rest: Vec<(u64, Vec<RecordContents>)> = lines
        .into_iter()
        .filter(|(through, _)| *through > progress)
        .collect();
    s.vault
        .ingest_stream_resumable(&access(), now(), &key, rest, |through, _| {
            committed = through
        })
        .unwrap();
    assert_eq!(committed, 12);
    assert_eq!(
        s.vault.verify_unlogged().unwrap().records,
        5 + 12,
        "each of the 12 lines stored once"
    );
}
