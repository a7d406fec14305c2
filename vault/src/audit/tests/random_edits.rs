//! A tampered disk gives an error, never a panic or a hang: random byte edits to every
//! metadata key and every access-log key of a working vault, each followed by verifying the
//! log and opening the vault. Seeded, so a failure names a case that can be replayed.

use std::sync::atomic::AtomicUsize;
use std::sync::mpsc;

use super::*;

/// A small deterministic generator (xorshift64*): the cases are the same on every run.
struct Cases(u64);

impl Cases {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One edit an attacker or a failing disk could make to a stored value.
fn edit(value: &[u8], cases: &mut Cases) -> Vec<u8> {
    let mut out = value.to_vec();
    match cases.below(6) {
        // Flip one bit.
        0 if !out.is_empty() => {
            let at = cases.below(out.len());
            out[at] ^= 1 << cases.below(8);
        }
        // Overwrite eight bytes with an extreme number (0, 1 or all ones), where counters and
        // sequence numbers live.
        1 if out.len() >= 8 => {
            let at = cases.below(out.len() - 7);
            let extreme = [0u64, 1, u64::MAX, u64::MAX / 2][cases.below(4)];
            out[at..at + 8].copy_from_slice(&extreme.to_be_bytes());
        }
        // Cut it short.
        2 => out.truncate(cases.below(out.len() + 1)),
        // Append garbage.
        3 => {
            for _ in 0..=cases.below(40) {
                out.push(cases.next() as u8);
            }
        }
        // Overwrite four bytes with a huge length.
        4 if out.len() >= 4 => {
            let at = cases.below(out.len() - 3);
            out[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        }
        // Empty it.
        _ => out.clear(),
    }
    out
}

/// Panics on the log writer's thread do not reach the test's thread: count them.
static WRITER_PANICS: AtomicUsize = AtomicUsize::new(0);

#[test]
fn random_edits_to_metadata_and_the_log_end_in_errors_not_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("recvault-log") {
            WRITER_PANICS.fetch_add(1, Ordering::SeqCst);
        }
        previous(info);
    }));
    let (fixture, _) = busy(5);
    let (anchor, _) = fixture.vault.anchor(&analyst(), now()).unwrap();
    let backend: Arc<dyn KeyBackend> = Arc::clone(&fixture.vault.backend);
    let pinned = fixture.public_key;
    let mut targets: Vec<(Column, Vec<u8>)> = Vec::new();
    for column in [Column::Meta, Column::Log, Column::Keys] {
        for (key, _) in fixture.store.scan(column, b"", None, usize::MAX).unwrap() {
            targets.push((column, key));
        }
    }
    let mut cases = Cases(0x5eed_cafe_f00d_0001);
    let rounds = 600;
    let mut outcomes = BTreeMap::<&str, u32>::new();
    for round in 0..rounds {
        let copy = Arc::new(copy_of(&*fixture.store));
        let (column, key) = &targets[cases.below(targets.len())];
        let value = copy.get(*column, key).unwrap().unwrap_or_default();
        let edited = edit(&value, &mut cases);
        // Every entry, checkpoint and truncation record is covered by the chain, a signature
        // or the anchor (taken on the last entry): any change to the log column must be found.
        let must_be_found = *column == Column::Log && edited != value;
        let mut batch = WriteBatch::new();
        batch.put(*column, key.clone(), edited);
        copy.write(batch, Durability::Synced).unwrap();
        let (done, finished) = mpsc::channel();
        let (store, backend, anchor) = (Arc::clone(&copy), Arc::clone(&backend), anchor.clone());
        let worker = std::thread::spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let verified = match verify_log(&*store, &pinned, Some(&anchor)) {
                    Ok(report) if report.problem.is_none() => "verifies",
                    Ok(_) => "verify finds a problem",
                    Err(_) => "verify errs",
                };
                let options = VaultOptions {
                    log_timeout: Duration::from_millis(500),
                    ..VaultOptions::default()
                };
                let opened = match Vault::open_with_options(store, backend, options) {
                    Ok(vault) => {
                        let _ = vault.status();
                        "opens"
                    }
                    Err(_) => "open refused",
                };
                (verified, opened)
            }));
            let _ = done.send(outcome);
        });
        let outcome = finished
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("round {round}: {column:?} key {key:?} hangs"));
        let (verified, opened) = outcome
            .unwrap_or_else(|_| panic!("round {round}: an edit of {column:?} key {key:?} panics"));
        worker.join().unwrap();
        assert!(
            !must_be_found || verified != "verifies",
            "round {round}: an edit of log key {key:?} verifies"
        );
        *outcomes.entry(verified).or_default() += 1;
        *outcomes.entry(opened).or_default() += 1;
    }
    eprintln!("{rounds} random edits: {outcomes:?}");
    assert_eq!(
        WRITER_PANICS.load(Ordering::SeqCst),
        0,
        "the log writer panicked"
    );
    // The edits are not all harmless: most are found.
    assert!(
        outcomes.get("verify finds a problem").copied().unwrap_or(0) > rounds / 4,
        "{outcomes:?}"
    );
}
