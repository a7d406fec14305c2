//! The storage conformance suite: every [`Store`] implementation must pass all of it.

use std::sync::Arc;

use super::*;
use crate::error::Error;

fn kv(key: &str, value: &str) -> Entry {
    (key.as_bytes().to_vec(), value.as_bytes().to_vec())
}

fn scan_all(store: &dyn Store, column: Column) -> Vec<Entry> {
    store.scan(column, b"", None, usize::MAX).unwrap()
}

/// Runs every conformance check against a fresh, empty store.
fn conformance(store: Arc<dyn Store>) {
    missing_keys_read_as_none(&*store);
    columns_are_separate(&*store);
    batches_apply_puts_deletes_and_ranges(&*store);
    appended_batches_apply_in_order(&*store);
    multi_reads_answer_each_key_in_order(&*store);
    scans_respect_bounds_order_and_limit(&*store);
    token_scans_find_exactly_their_prefix(&*store);
    batches_are_atomic_to_concurrent_readers(store);
}

/// A probe by token finds every entry of its token, before and after a flush to table files,
/// and nothing of the neighbouring tokens.
fn token_scans_find_exactly_their_prefix(store: &dyn Store) {
    let token = |fill: u8| vec![fill; INDEX_TOKEN_PREFIX];
    let entry = |fill: u8, id: u8| [token(fill), vec![id; 16]].concat();
    let mut batch = WriteBatch::new();
    for fill in [0x10, 0x11, 0x12] {
        for id in [1, 2, 0xff] {
            batch.put(Column::Index, entry(fill, id), Vec::new());
        }
    }
    store.write(batch, Durability::Synced).unwrap();
    for round in 0..2 {
        let found: Vec<Vec<u8>> = store
            .scan_token(Column::Index, &token(0x11))
            .unwrap()
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        assert_eq!(
            found,
            [entry(0x11, 1), entry(0x11, 2), entry(0x11, 0xff)],
            "round {round}"
        );
        assert!(store
            .scan_token(Column::Index, &token(0x13))
            .unwrap()
            .is_empty());
        // The second round reads from table files, through their prefix filters.
        let _ = store.flush();
    }
    // A scan across tokens still sees them all, in order.
    assert_eq!(
        store
            .scan(Column::Index, &token(0x10), Some(&token(0x13)), usize::MAX)
            .unwrap()
            .len(),
        9
    );
}

fn missing_keys_read_as_none(store: &dyn Store) {
    for column in Column::ALL {
        assert_eq!(store.get(column, b"absent").unwrap(), None);
    }
    store.write(WriteBatch::new(), Durability::Synced).unwrap();
}

fn columns_are_separate(store: &dyn Store) {
    let mut batch = WriteBatch::new();
    batch.put(Column::Keys, "shared", "in keys");
    batch.put(Column::Log, "shared", "in log");
    store.write(batch, Durability::Synced).unwrap();
    assert_eq!(
        store.get(Column::Keys, b"shared").unwrap(),
        Some(b"in keys".to_vec())
    );
    assert_eq!(
        store.get(Column::Log, b"shared").unwrap(),
        Some(b"in log".to_vec())
    );
    assert_eq!(store.get(Column::Records, b"shared").unwrap(), None);
}

fn batches_apply_puts_deletes_and_ranges(store: &dyn Store) {
    let mut batch = WriteBatch::new();
    for key in ["a", "b", "c", "d", "e", "f"] {
        batch.put(Column::Records, key, format!("v-{key}"));
    }
    store.write(batch, Durability::Synced).unwrap();

    // Later operations in a batch see earlier ones: put-then-delete leaves nothing,
    // delete-then-put leaves the new value.
    let mut batch = WriteBatch::new();
    batch.delete(Column::Records, "a");
    batch.put(Column::Records, "a", "again");
    batch.put(Column::Records, "z", "short-lived");
    batch.delete(Column::Records, "z");
    batch.delete_range(Column::Records, "c", "e");
    batch.put(Column::Records, "b", "overwritten");
    batch.delete_range(Column::Records, "f", "a"); // empty range: no effect
    store.write(batch, Durability::Synced).unwrap();

    assert_eq!(
        scan_all(store, Column::Records),
        vec![
            kv("a", "again"),
            kv("b", "overwritten"),
            kv("e", "v-e"),
            kv("f", "v-f")
        ]
    );
}

/// A batch appended to another keeps its changes, after the first one's: keys and values
/// of both share one buffer, so the second's positions must move with it.
fn appended_batches_apply_in_order(store: &dyn Store) {
    let mut first = WriteBatch::new();
    first.put(Column::Meta, "k1", "first value");
    first.put(Column::Meta, "k2", "");
    let mut second = WriteBatch::with_capacity(4, 64);
    second.delete(Column::Meta, "k1");
    second.put(Column::Meta, "k3", "third, longer than the others");
    second.delete_range(Column::Meta, "k2", "k3");
    first.append(second);
    assert_eq!(first.len(), 5);
    assert_eq!(
        first.ops().nth(3),
        Some(Op::Put {
            column: Column::Meta,
            key: b"k3",
            value: b"third, longer than the others",
        })
    );
    store.write(first, Durability::Synced).unwrap();
    assert_eq!(
        scan_all(store, Column::Meta),
        vec![kv("k3", "third, longer than the others")]
    );
}

/// A multi-read answers each key as a point read would, in the order asked, repeated keys
/// and missing ones included, from the memtable and from table files alike.
fn multi_reads_answer_each_key_in_order(store: &dyn Store) {
    let mut batch = WriteBatch::new();
    batch.put(Column::Accounting, "m-1", "one");
    batch.put(Column::Accounting, "m-3", "three");
    store.write(batch, Durability::Synced).unwrap();
    let _ = store.flush();
    let mut batch = WriteBatch::new();
    batch.put(Column::Accounting, "m-2", "two, in the memtable");
    batch.put(Column::Records, "m-4", "another column");
    store.write(batch, Durability::Synced).unwrap();
    let keys: [&[u8]; 6] = [b"m-3", b"m-0", b"m-2", b"m-1", b"m-3", b"m-4"];
    let read = store.multi_get(Column::Accounting, &keys).unwrap();
    let expected: Vec<Option<Vec<u8>>> = keys
        .iter()
        .map(|key| store.get(Column::Accounting, key).unwrap())
        .collect();
    assert_eq!(read, expected);
    assert_eq!(
        read,
        [
            Some(b"three".to_vec()),
            None,
            Some(b"two, in the memtable".to_vec()),
            Some(b"one".to_vec()),
            Some(b"three".to_vec()),
            None,
        ]
    );
    assert!(store.multi_get(Column::Accounting, &[]).unwrap().is_empty());
}

/// A batch's Debug output names columns and sizes, never keys or values.
#[test]
fn batches_never_show_their_bytes() {
    let mut batch = WriteBatch::new();
    batch.put(Column::Index, "token-of-123-45-6789", "secret value");
    batch.delete_range(Column::Records, "from-here", "to-there");
    let shown = format!("{batch:?}");
    assert!(
        shown.contains("Put(Index, 20 byte key, 12 byte value)"),
        "{shown}"
    );
    assert!(!shown.contains("123") && !shown.contains("secret") && !shown.contains("here"));
}

fn scans_respect_bounds_order_and_limit(store: &dyn Store) {
    let mut batch = WriteBatch::new();
    for key in [&b"k\x00"[..], b"k\x01", b"k\xff", b"k", b"j", b"l"] {
        batch.put(Column::Index, key, key);
    }
    store.write(batch, Durability::Buffered).unwrap();
    let keys = |start: &[u8], end: Option<&[u8]>, limit: usize| -> Vec<Vec<u8>> {
        store
            .scan(Column::Index, start, end, limit)
            .unwrap()
            .into_iter()
            .map(|(key, _)| key)
            .collect()
    };
    // Byte order, start included, end excluded: (start, end, limit, keys expected).
    type ScanCase<'a> = (&'a [u8], Option<&'a [u8]>, usize, Vec<&'a [u8]>);
    let cases: &[ScanCase<'_>] = &[
        (
            b"k",
            Some(b"l"),
            10,
            vec![b"k", b"k\x00", b"k\x01", b"k\xff"],
        ),
        (b"k\x00", Some(b"k\xff"), 10, vec![b"k\x00", b"k\x01"]),
        (b"k", Some(b"l"), 2, vec![b"k", b"k\x00"]),
        (b"k\x02", None, 10, vec![b"k\xff", b"l"]),
        (b"", None, 1, vec![b"j"]),
        (b"l", Some(b"k"), 10, vec![]),
        (b"m", None, 10, vec![]),
    ];
    for (start, end, limit, expected) in cases {
        let expected: Vec<Vec<u8>> = expected.iter().map(|key| key.to_vec()).collect();
        assert_eq!(
            keys(start, *end, *limit),
            expected,
            "scan {start:?}..{end:?} limit {limit}"
        );
        if *limit == 10 {
            let count = store.count(Column::Index, start, *end).unwrap();
            assert_eq!(count, expected.len() as u64, "count {start:?}..{end:?}");
        }
    }
}

/// A reader racing a writer never sees one half of a batch without the other.
fn batches_are_atomic_to_concurrent_readers(store: Arc<dyn Store>) {
    const BATCHES: u32 = 300;
    let writer_store = Arc::clone(&store);
    let writer = std::thread::spawn(move || {
        for batch_idx in 0..BATCHES {
            let mut batch = WriteBatch::new();
            batch.put(Column::Accounting, format!("pair-{batch_idx:05}-a"), "1");
            batch.put(Column::Meta, format!("pair-{batch_idx:05}-b"), "1");
            writer_store.write(batch, Durability::Buffered).unwrap();
        }
    });
    let mut seen = 0;
    while seen < BATCHES {
        // The newest `a` key written: its `b` partner must be visible too.
        let entries = store
            .scan(Column::Accounting, b"pair-", None, usize::MAX)
            .unwrap();
        if let Some((key, _)) = entries.last() {
            let partner = [&key[..key.len() - 1], b"b"].concat();
            let newest = entries.len() as u32;
            // Visibility is monotonic, so a partner written in the same batch is visible now.
            assert!(
                store.get(Column::Meta, &partner).unwrap().is_some(),
                "saw half of batch {newest}"
            );
            seen = newest;
        }
    }
    writer.join().unwrap();
}

#[test]
fn mem_store_conforms() {
    conformance(Arc::new(MemStore::new()));
}

#[test]
fn rocks_store_conforms() {
    let dir = tempfile::Builder::new()
        .prefix("vault-tests")
        .tempdir()
        .unwrap();
    let store: Arc<dyn Store> = Arc::new(RocksStore::create(&dir.path().join("db")).unwrap());
    conformance(store);
    // NB: the store is dropped above, before its directory.
}

#[test]
fn rocks_store_keeps_synced_writes_across_reopen() {
    let dir = tempfile::Builder::new()
        .prefix("vault-tests")
        .tempdir()
        .unwrap();
    let path = dir.path().join("db");
    {
        let store = RocksStore::create(&path).unwrap();
        let mut batch = WriteBatch::new();
        batch.put(Column::Records, "r1", "sealed");
        batch.put(Column::Meta, "m1", "meta");
        store.write(batch, Durability::Synced).unwrap();
    }
    let store = RocksStore::open(&path).unwrap();
    assert_eq!(
        store.get(Column::Records, b"r1").unwrap(),
        Some(b"sealed".to_vec())
    );
    assert_eq!(
        store.get(Column::Meta, b"m1").unwrap(),
        Some(b"meta".to_vec())
    );
}

#[test]
fn rocks_store_checkpoints_are_consistent_copies() {
    let dir = tempfile::Builder::new()
        .prefix("vault-tests")
        .tempdir()
        .unwrap();
    let store = RocksStore::create(&dir.path().join("db")).unwrap();
    let mut batch = WriteBatch::new();
    batch.put(Column::Records, "r1", "before");
    store.write(batch, Durability::Synced).unwrap();
    store.checkpoint(&dir.path().join("copy")).unwrap();
    let mut batch = WriteBatch::new();
    batch.put(Column::Records, "r1", "after");
    store.write(batch, Durability::Synced).unwrap();
    assert!(matches!(
        store.checkpoint(&dir.path().join("copy")),
        Err(Error::AlreadyExists(_))
    ));
    let copy = RocksStore::open(&dir.path().join("copy")).unwrap();
    assert_eq!(
        copy.get(Column::Records, b"r1").unwrap(),
        Some(b"before".to_vec())
    );
    assert!(MemStore::new().checkpoint(&dir.path().join("mem")).is_err());
}

#[test]
fn rocks_store_refuses_wrong_opens() {
    let dir = tempfile::Builder::new()
        .prefix("vault-tests")
        .tempdir()
        .unwrap();
    let path = dir.path().join("db");
    assert!(matches!(RocksStore::open(&path), Err(Error::NotAVault(_))));
    let held = RocksStore::create(&path).unwrap();
    assert!(matches!(
        RocksStore::create(&path),
        Err(Error::AlreadyExists(_))
    ));
    let second = RocksStore::open(&path);
    assert!(matches!(second, Err(Error::InUse(_))), "{second:?}");
    drop(held);
    RocksStore::open(&path).unwrap();
}

#[test]
fn a_prefix_scan_ends_after_every_key_of_the_prefix_whatever_its_last_bytes() {
    // (prefix, end)
    let table: [(&[u8], &[u8]); 4] = [
        (b"held/\x01", b"held/\x02"),
        (b"held/\x01\xff", b"held/\x02"),
        (b"held/\xff\xff", b"held0"),
        (b"\xff", b""),
    ];
    for (prefix, end) in table {
        assert_eq!(super::prefix_end(prefix), end, "{prefix:?}");
    }
    // A record id ending in ff is found by its prefix scan.
    let store = crate::store::MemStore::new();
    let key = b"held/\x00\x01\xff\x00\x00\x00\x07".to_vec();
    let mut batch = WriteBatch::new();
    batch.put(Column::Meta, key.clone(), Vec::new());
    store.write(batch, Durability::Synced).unwrap();
    let prefix = &key[..7];
    let found = store
        .scan(
            Column::Meta,
            prefix,
            Some(&super::prefix_end(prefix)),
            usize::MAX,
        )
        .unwrap();
    assert_eq!(found.len(), 1);
}
