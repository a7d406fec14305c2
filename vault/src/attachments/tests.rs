//! Attachments at the kernel's boundary: numbered across changes and within one, sealed for
//! their record and place, and refused for a record that is not there.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use model::RecordContents;

use super::*;
use crate::key_backend::MemKeyBackend;
use crate::log::Access;
use crate::store::{MemStore, Store};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn record() -> RecordContents {
    crate::testing::transmittal("JOHN Q PUBLIC", "123-45-6789", 3)
}

#[test]
fn attachments_are_numbered_sealed_for_their_place_and_read_back() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let vault = Vault::create_with(
        Arc::clone(&store),
        Arc::new(MemKeyBackend::generate().unwrap()),
    )
    .unwrap();
    let access = Access::offline("privacy-office", "privacy-act-request");
    let ids = vault.ingest(&access, &[record(), record()], now()).unwrap();

    let mut change = vault.change(&access, "test", now()).unwrap();
    assert_eq!(change.attach(&ids[0], b"first").unwrap(), 1);
    assert_eq!(change.attach(&ids[0], b"second").unwrap(), 2);
    assert_eq!(change.attach(&ids[1], b"other record").unwrap(), 1);
    change.commit().unwrap();
    let mut change = vault.change(&access, "test", now()).unwrap();
    assert_eq!(change.attach(&ids[0], b"third").unwrap(), 3);
    change.commit().unwrap();

    let read: Vec<(u32, Vec<u8>)> = vault
        .attachments_of(&ids[0])
        .unwrap()
        .into_iter()
        .map(|attachment| (attachment.seq, attachment.contents.to_vec()))
        .collect();
    assert_eq!(
        read,
        [
            (1, b"first".to_vec()),
            (2, b"second".to_vec()),
            (3, b"third".to_vec())
        ]
    );
    // Sealed for their record and place: moved to another place or record, none opens.
    let stored = vault.stored_attachments(&ids[0]).unwrap();
    let swapped = vec![
        (stored[0].0.clone(), stored[1].1.clone()),
        (stored[1].0.clone(), stored[0].1.clone()),
    ];
    let value = store
        .get(Column::Records, ids[0].as_bytes())
        .unwrap()
        .unwrap();
    assert!(vault.open_attachments(&ids[0], &value, swapped).is_err());
    let other = store
        .get(Column::Records, ids[1].as_bytes())
        .unwrap()
        .unwrap();
    assert!(vault
        .open_attachments(&ids[1], &other, stored[..1].to_vec())
        .is_err());
    // Nothing of them is on disk in the clear.
    for (_, value) in store
        .scan(Column::Annotations, b"", None, usize::MAX)
        .unwrap()
    {
        assert!(!value.windows(5).any(|window| window == b"first"));
    }
    assert!(!format!("{:?}", vault.attachments_of(&ids[0]).unwrap()).contains("first"));
    // A record that is not there takes none.
    let missing = model::RecordId::new(9, 1_767_225_600_000, 1, 1);
    let mut change = vault.change(&access, "test", now()).unwrap();
    assert!(matches!(
        change.attach(&missing, b"x"),
        Err(Error::NotFound(_))
    ));
}

/// Two changes attaching to one record: the second takes its number only once the first has
/// committed, so neither overwrites the other.
#[test]
fn a_second_attachment_waits_for_the_first_changes_commit() {
    let store: Arc<dyn Store> = Arc::new(MemStore::new());
    let vault = Arc::new(
        Vault::create_with(
            Arc::clone(&store),
            Arc::new(MemKeyBackend::generate().unwrap()),
        )
        .unwrap(),
    );
    let access = Access::offline("privacy-office", "privacy-act-request");
    let id = vault.ingest(&access, &[record()], now()).unwrap()[0];
    let mut first = vault.change(&access, "test", now()).unwrap();
    assert_eq!(first.attach(&id, b"first").unwrap(), 1);
    let (done, finished) = std::sync::mpsc::channel();
    let second = {
        let vault = Arc::clone(&vault);
        std::thread::spawn(move || {
            let access = Access::offline("privacy-office", "privacy-act-request");
            let mut change = vault.change(&access, "test", now()).unwrap();
            let seq = change.attach(&id, b"second").unwrap();
            change.commit().unwrap();
            done.send(()).unwrap();
            seq
        })
    };
    assert!(finished
        .recv_timeout(std::time::Duration::from_millis(300))
        .is_err());
    first.commit().unwrap();
    assert_eq!(second.join().unwrap(), 2);
    let seqs: Vec<u32> = vault
        .attachments_of(&id)
        .unwrap()
        .iter()
        .map(|attachment| attachment.seq)
        .collect();
    assert_eq!(seqs, [1, 2]);
}
