//! Unit tests of the signed-state mechanism: which kind a key belongs to, how a batch moves
//! generations, the vector a checkpoint carries, and the high-water mark's text. The attacks on
//! a whole vault are in `tests/tests/it/rollback.rs`.

use super::*;
use crate::crypto::KeyMaterial;
use crate::high_water::Mark;
use crate::store::MemStore;

fn signing() -> SigningKey {
    SigningKey::from_seed(&KeyMaterial::generate().unwrap()).unwrap()
}

#[test]
fn a_key_belongs_to_the_kind_with_the_longest_prefix() {
    let name = |key: &[u8]| kind_of(key).map(|at| KINDS[at].name);
    for (key, kind) in [
        (&b"account/ana"[..], Some("accounts")),
        (b"document/sorn/fincen.toml", Some("SORN documents")),
        (
            b"document/designated-authorities/registry.json",
            Some("designated-authority registry"),
        ),
        (b"document/letters/x", Some("other documents")),
        (b"hold/\0\0\0\x01", Some("holds")),
        (b"hold-subject/\0\0\0\x01", Some("hold subjects")),
        (b"hold-member/\0\0\0\x01", None),
        (b"config/log-retention-days", Some("configuration")),
        (b"log-head", None),
        (b"manifest/account/", None),
    ] {
        assert_eq!(name(key), kind, "{}", String::from_utf8_lossy(key));
    }
}

#[test]
fn a_batch_moves_only_the_generations_of_the_kinds_it_changes() {
    let store = MemStore::new();
    let key = signing();
    let (mut state, found) = SignedState::load(&store, &key.public_key()).unwrap();
    assert!(!SignedState::complete(&found));
    let mut out = WriteBatch::new();
    state
        .apply(&WriteBatch::new(), true, 1, &key, &mut out)
        .unwrap();
    assert_eq!(out.ops().len(), KINDS.len(), "every manifest published");
    let published = state.generations();

    let mut batch = WriteBatch::new();
    batch.put(Column::Meta, b"account/ana", b"v1");
    batch.put(Column::Meta, b"log-head", b"not signed state");
    assert!(SignedState::touches(&batch));
    let mut out = WriteBatch::new();
    state.apply(&batch, false, 2, &key, &mut out).unwrap();
    assert_eq!(out.ops().len(), 1, "one manifest: the accounts'");
    let moved = state.generations();
    for (prefix, generation) in &moved {
        let before = published[prefix];
        if prefix.as_slice() == b"account/" {
            assert_eq!(generation.number, before.number + 1);
            assert_ne!(generation.digest, before.digest);
        } else {
            assert_eq!(*generation, before, "{}", kind_name(prefix));
        }
    }

    // A range delete over the SORN files removes them and moves that kind.
    let mut batch = WriteBatch::new();
    batch.put(Column::Meta, b"document/sorn/a", b"a");
    state
        .apply(&batch, false, 3, &key, &mut WriteBatch::new())
        .unwrap();
    let mut batch = WriteBatch::new();
    batch.delete_range(
        Column::Meta,
        b"document/sorn/",
        prefix_end(b"document/sorn/"),
    );
    assert!(SignedState::touches(&batch));
    state
        .apply(&batch, false, 4, &key, &mut WriteBatch::new())
        .unwrap();
    let sorn = state.generations()[&b"document/sorn/".to_vec()];
    assert_eq!(sorn.number, 3, "published, then set, then cleared");
    assert_eq!(sorn.digest, KindState::default().digest(), "empty again");

    let mut unrelated = WriteBatch::new();
    unrelated.put(Column::Records, b"account/ana", b"a record, not metadata");
    unrelated.put(Column::Meta, b"hold-member/1", b"");
    assert!(!SignedState::touches(&unrelated));
}

#[test]
fn the_vector_reads_back_and_a_bad_one_is_an_error() {
    let store = MemStore::new();
    let key = signing();
    let (mut state, _) = SignedState::load(&store, &key.public_key()).unwrap();
    assert!(state.vector().is_empty(), "nothing published yet");
    state
        .apply(&WriteBatch::new(), true, 1, &key, &mut WriteBatch::new())
        .unwrap();
    let vector = state.vector();
    assert_eq!(decode_vector(&vector).unwrap(), state.generations());
    for cut in [1, 3, vector.len() - 1] {
        assert!(decode_vector(&vector[..cut]).is_err(), "cut at {cut}");
    }
    let mut unknown = vector.clone();
    unknown[0] = 9;
    assert!(matches!(
        decode_vector(&unknown),
        Err(Error::UnsupportedVersion { .. })
    ));
}

#[test]
fn a_manifest_signed_by_another_key_or_altered_is_refused() {
    let store = MemStore::new();
    let key = signing();
    let (mut state, _) = SignedState::load(&store, &key.public_key()).unwrap();
    let mut out = WriteBatch::new();
    state
        .apply(&WriteBatch::new(), true, 1, &key, &mut out)
        .unwrap();
    store.write(out, crate::store::Durability::Synced).unwrap();
    let (_, found) = SignedState::load(&store, &key.public_key()).unwrap();
    assert!(SignedState::complete(&found));
    let stranger = signing();
    let refused = SignedState::load(&store, &stranger.public_key()).unwrap_err();
    assert!(
        refused.to_string().contains("manifest's signature"),
        "{refused}"
    );
}

#[test]
fn the_high_water_mark_reads_back_and_garbage_is_an_error() {
    let mark = Mark {
        seq: 42,
        hash: [7; 32],
        generations: [(
            b"account/".to_vec(),
            Generation {
                number: 3,
                digest: [9; 32],
            },
        )]
        .into_iter()
        .collect(),
        anchors_superseded_through: 12,
    };
    assert_eq!(Mark::decode(&mark.encode()).unwrap(), mark);
    let text = mark.encode();
    for cut in [0, 10, text.len() / 2, text.len() - 2] {
        assert!(Mark::decode(&text[..cut]).is_err(), "cut at {cut}");
    }
    assert!(Mark::decode(b"recvault high-water mark v1\nentry x\n").is_err());
}
