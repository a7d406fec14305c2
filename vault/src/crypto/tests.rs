//! Known-answer vectors and tamper tests for the crypto provider.

use super::*;

fn unhex(text: &str) -> Vec<u8> {
    hex::decode(text).unwrap()
}

/// AES-256 test cases 13 to 16 of McGrew and Viega, "The Galois/Counter Mode of Operation",
/// the vectors NIST's GCM validation (SP 800-38D) was built from.
/// Columns: key, nonce, plaintext, associated data, ciphertext, tag.
const NIST_VECTORS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "0000000000000000000000000000000000000000000000000000000000000000",
        "000000000000000000000000",
        "",
        "",
        "",
        "530f8afbc74536b9a963b4f1c4cb738b",
    ),
    (
        "0000000000000000000000000000000000000000000000000000000000000000",
        "000000000000000000000000",
        "00000000000000000000000000000000",
        "",
        "cea7403d4d606b6e074ec5d3baf39d18",
        "d0d1c8a799996bf0265b98b5d48ab919",
    ),
    (
        "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
        "cafebabefacedbaddecaf888",
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
        "",
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
        "b094dac5d93471bdec1a502270e3cc6c",
    ),
    (
        "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
        "cafebabefacedbaddecaf888",
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
        "76fc6ece0f4e1768cddf8853bb2d551b",
    ),
];

#[test]
fn nist_aes256_gcm_known_answers() {
    for (case, (key, nonce, plaintext, aad, ciphertext, tag)) in NIST_VECTORS.iter().enumerate() {
        let key: [u8; 32] = unhex(key).try_into().unwrap();
        let nonce: [u8; 12] = unhex(nonce).try_into().unwrap();
        let sealed = aes256_gcm_with_nonce(&key, &nonce, &unhex(aad), &unhex(plaintext));
        assert_eq!(
            hex::encode(sealed),
            format!("{ciphertext}{tag}"),
            "vector {case}"
        );
    }
}

#[test]
fn envelope_round_trips_and_is_randomized() {
    let key = AeadKey::direct(&KeyMaterial::generate().unwrap());
    let first = key.seal(b"aad", b"hello").unwrap();
    let second = key.seal(b"aad", b"hello").unwrap();
    assert_ne!(first, second, "fresh nonce per seal");
    let opened = key.open(b"aad", &Envelope::parse(&first).unwrap()).unwrap();
    assert_eq!(&opened[..], b"hello");
}

/// Each tamper is applied to a valid envelope, which must then be refused with the expected error.
#[test]
fn tampered_envelopes_are_refused() {
    let material = KeyMaterial::generate().unwrap();
    let key = AeadKey::segment(&material, b"test", 7);
    let sealed = key.seal(b"record-1", b"secret contents").unwrap();
    let header_len = 2 + 4;

    type Tamper = fn(&mut Vec<u8>, &mut Vec<u8>);
    let cases: &[(&str, Tamper, &str)] = &[
        (
            "flipped tag bit",
            |env, _| *env.last_mut().unwrap() ^= 0x01,
            "decryption failed",
        ),
        (
            "flipped ciphertext bit",
            |env, _| env[6 + 12] ^= 0x80,
            "decryption failed",
        ),
        (
            "flipped nonce bit",
            |env, _| env[6] ^= 0x01,
            "decryption failed",
        ),
        (
            "swapped associated data",
            |_, aad| *aad = b"record-2".to_vec(),
            "decryption failed",
        ),
        (
            "other segment id",
            |env, _| env[5] ^= 0x01,
            "decryption failed",
        ),
        (
            "truncated tag",
            |env, _| env.truncate(env.len() - 1),
            "decryption failed",
        ),
        (
            "truncated to header",
            |env, _| env.truncate(6 + 12 + 3),
            "corrupt envelope: truncated",
        ),
        (
            "unknown version",
            |env, _| env[0] = 2,
            "unsupported envelope version 2",
        ),
        (
            "unknown algorithm",
            |env, _| env[1] = 9,
            "unsupported envelope algorithm version 9",
        ),
        (
            "algorithm downgraded to direct",
            |env, _| env[1] = ALG_AES256_GCM,
            "decryption failed",
        ),
    ];
    for (name, tamper, expected) in cases {
        let mut envelope = sealed.clone();
        let mut aad = b"record-1".to_vec();
        tamper(&mut envelope, &mut aad);
        let result = Envelope::parse(&envelope).and_then(|parsed| key.open(&aad, &parsed));
        let err = result.expect_err(name);
        assert_eq!(err.to_string(), *expected, "{name}");
    }
    // The untampered envelope still opens: the cases above failed for their tamper alone.
    let opened = key
        .open(b"record-1", &Envelope::parse(&sealed).unwrap())
        .unwrap();
    assert_eq!(&opened[..], b"secret contents");
    assert!(sealed.len() > header_len);
}

#[test]
fn wrong_key_and_other_segment_key_are_refused() {
    let material = KeyMaterial::generate().unwrap();
    let sealed = AeadKey::segment(&material, b"ctx", 1)
        .seal(b"a", b"x")
        .unwrap();
    let parsed = Envelope::parse(&sealed).unwrap();
    let wrong_material = AeadKey::segment(&KeyMaterial::generate().unwrap(), b"ctx", 1);
    let wrong_context = AeadKey::segment(&material, b"other", 1);
    let wrong_segment = AeadKey::segment(&material, b"ctx", 2);
    for key in [wrong_material, wrong_context, wrong_segment] {
        assert!(matches!(
            key.open(b"a", &parsed),
            Err(Error::DecryptionFailed)
        ));
    }
}

#[test]
fn hmac_matches_rfc4231_case_2() {
    // RFC 4231 test case 2 uses a 4-byte key; HMAC pads keys, so the same key zero-padded to
    // 32 bytes gives the same MAC.
    let mut key = [0u8; 32];
    key[..4].copy_from_slice(b"Jefe");
    let mac = MacKey::direct_for_format_2(&KeyMaterial::from_bytes(&key))
        .mac(b"what do ya want for nothing?");
    assert_eq!(
        hex::encode(mac),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}

#[test]
fn ed25519_matches_rfc8032_test_1() {
    // The signatures `ring` made before are the same bytes: old checkpoints still verify and
    // the public key a verifier pinned does not change.
    let seed: [u8; 32] =
        hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .unwrap()
            .try_into()
            .unwrap();
    let key = SigningKey::from_seed(&KeyMaterial::from_bytes(&seed)).unwrap();
    assert_eq!(
        hex::encode(key.public_key()),
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    );
    assert_eq!(
        hex::encode(key.sign(b"")),
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    );
}

#[test]
fn hkdf_matches_what_the_vault_derived_before() {
    // HKDF-SHA256 with no salt, a 32-byte key and context `recvault/test`, against RFC 5869
    // computed on its own (Python's `hmac`, salt of HashLen zeros, which is also what `ring`'s
    // empty salt gave): segment keys and index keys of existing vaults are unchanged (the
    // fixture vaults of formats 1 and 2 open and find records by identifier too).
    let mut out = [0u8; KEY_LEN];
    hkdf_sha256(
        &[0x0b; KEY_LEN],
        b"recvault/test",
        &7u32.to_be_bytes(),
        &mut out,
    );
    assert_eq!(
        hex::encode(out),
        "d582409ebc495c027e650c220b8ba5651bdf99fc4dde6b42021d4fd18400277b"
    );
}

#[test]
fn signatures_verify_only_for_their_message_and_key() {
    let key = SigningKey::from_seed(&KeyMaterial::generate().unwrap()).unwrap();
    let signature = key.sign(b"checkpoint 42");
    assert!(verify_signature(
        &key.public_key(),
        b"checkpoint 42",
        &signature
    ));
    assert!(!verify_signature(
        &key.public_key(),
        b"checkpoint 43",
        &signature
    ));
    let other = SigningKey::from_seed(&KeyMaterial::generate().unwrap()).unwrap();
    assert!(!verify_signature(
        &other.public_key(),
        b"checkpoint 42",
        &signature
    ));
}

#[test]
fn debug_output_never_shows_key_bytes() {
    let material = KeyMaterial::from_bytes(&[0xab; 32]);
    let shown = format!(
        "{material:?} {:?} {:?}",
        AeadKey::direct(&material),
        MacKey::derived(&material, b"test"),
    );
    let signing = format!("{:?}", SigningKey::from_seed(&material).unwrap());
    assert_eq!(signing, "SigningKey(REDACTED)");
    assert!(!shown.contains("ab"), "{shown}");
    assert!(!shown.contains("171"), "{shown}");
    assert!(shown.contains("REDACTED"));
}

#[test]
fn a_batch_of_data_keys_is_fresh_key_by_key() {
    // One draw from the OS serves many records: every key and every id must still differ.
    for n in [0usize, 1, 2, 1000] {
        let drawn = KeyMaterial::generate_many_with_ids(n).unwrap();
        assert_eq!(drawn.len(), n);
        let mut keys: Vec<[u8; KEY_LEN]> = drawn.iter().map(|(key, _)| *key.bytes()).collect();
        let mut ids: Vec<[u8; 8]> = drawn.iter().map(|(_, id)| *id).collect();
        keys.sort_unstable();
        keys.dedup();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!((keys.len(), ids.len()), (n, n), "{n} keys drawn at once");
        assert!(keys.iter().all(|key| key != &[0u8; KEY_LEN]));
    }
}
