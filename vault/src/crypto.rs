//! The crypto provider: the only module that touches key bytes and cipher primitives.
//!
//! Seal and open (AES-256-GCM envelopes), wrap and unwrap (the same envelopes over key bytes),
//! segment-key derivation (HKDF-SHA256), keyed hashing (HMAC-SHA256) and signing (Ed25519).
//! Callers see keys only as opaque types, so a FIPS-validated module can replace this one
//! without touching them.
//!
//! # Envelope v1
//! `version u8 = 1`, `algorithm u8`, then for algorithm 2 a `u32` segment id, then a 96-bit
//! nonce and the ciphertext with its 128-bit tag. Algorithm 1 is AES-256-GCM under the key
//! itself; algorithm 2 is AES-256-GCM under a key derived with HKDF-SHA256 from the key and the
//! segment id. The header is part of the associated data, so it cannot be altered either.
//!
//! # Nonce budget
//! With random 96-bit nonces a key may seal at most 2^32 messages (NIST SP 800-38D, 8.3).
//! A data key seals one record body. Keys that wrap many data keys (cohort keys) never seal
//! directly: they seal under per-segment keys, and a segment is retired after
//! [`SEGMENT_SEAL_LIMIT`] seals (see `keys::Sessions`).

use std::fmt;

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, ExposeSecretMut, SecretBox};
use zeroize::{Zeroize, Zeroizing};

use crate::codec::Reader;
use crate::error::{Error, Result};

/// Length of every symmetric key, in bytes.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Envelope format version written by this build.
pub const ENVELOPE_VERSION: u8 = 1;
/// AES-256-GCM under the key itself.
pub const ALG_AES256_GCM: u8 = 1;
/// AES-256-GCM under an HKDF-SHA256 segment key derived from the key.
pub const ALG_AES256_GCM_SEGMENT: u8 = 2;

/// Most seals one segment key may make: a quarter of the 2^32 that NIST allows for random
/// nonces, so even a miscount leaves a wide margin.
pub const SEGMENT_SEAL_LIMIT: u64 = 1 << 30;

/// 32 secret bytes: a root, cohort, data, index or signing seed. Zeroized on drop, never
/// printed, never serialized, never cloned without a reviewed call site.
pub struct KeyMaterial(SecretBox<[u8; KEY_LEN]>);

impl KeyMaterial {
    /// Fresh key bytes from the operating system's generator.
    pub fn generate() -> Result<Self> {
        let mut key = KeyMaterial(SecretBox::new(Box::new([0u8; KEY_LEN])));
        fill_random(key.0.expose_secret_mut())?;
        Ok(key)
    }

    /// Fresh keys, each with a fresh 8-byte identifier, for `n` records from one call to the
    /// operating system's generator: a batch's data keys cost one system call, not one each.
    pub fn generate_many_with_ids(n: usize) -> Result<Vec<(Self, [u8; 8])>> {
        const EACH: usize = KEY_LEN + 8;
        let mut drawn = Zeroizing::new(vec![0u8; n * EACH]);
        fill_random(&mut drawn[..])?;
        Ok(drawn
            .chunks_exact(EACH)
            .map(|both| {
                let mut key = [0u8; KEY_LEN];
                key.copy_from_slice(&both[..KEY_LEN]);
                let material = KeyMaterial(SecretBox::new(Box::new(key)));
                key.zeroize();
                let mut id = [0u8; 8];
                id.copy_from_slice(&both[KEY_LEN..]);
                (material, id)
            })
            .collect())
    }

    /// Takes ownership of bytes read from a key backend; the caller's copy should be zeroized.
    pub(crate) fn from_bytes(bytes: &[u8; KEY_LEN]) -> Self {
        KeyMaterial(SecretBox::new(Box::new(*bytes)))
    }

    /// The key bytes, for a key backend that must persist them. Grep-able on purpose: every
    /// caller is a place where key bytes leave this module.
    pub(crate) fn expose_for_backend(&self) -> &[u8; KEY_LEN] {
        self.0.expose_secret()
    }

    fn bytes(&self) -> &[u8; KEY_LEN] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyMaterial(REDACTED)")
    }
}

/// A key ready to seal and open: the AES key schedule, zeroized on drop.
pub struct AeadKey {
    cipher: Aes256Gcm,
    segment: Option<u32>,
}

impl AeadKey {
    /// Seals directly under this key material (algorithm 1).
    pub fn direct(key: &KeyMaterial) -> Self {
        AeadKey {
            cipher: Aes256Gcm::new(key.bytes().into()),
            segment: None,
        }
    }

    /// Derives the segment key of `key` for `segment` (algorithm 2). `context` names what the
    /// key is for (it goes into HKDF's info), so the same key material never yields the same
    /// segment key for two purposes.
    pub fn segment(key: &KeyMaterial, context: &[u8], segment: u32) -> Self {
        let mut derived = Zeroizing::new([0u8; KEY_LEN]);
        hkdf_sha256(key.bytes(), context, &segment.to_be_bytes(), &mut derived);
        AeadKey {
            cipher: Aes256Gcm::new((&*derived).into()),
            segment: Some(segment),
        }
    }

    /// Seals `plaintext` in a fresh envelope with a random nonce; `aad` is bound to it.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce)?;
        let mut envelope = Vec::with_capacity(2 + 4 + NONCE_LEN + plaintext.len() + TAG_LEN);
        envelope.push(ENVELOPE_VERSION);
        match self.segment {
            None => envelope.push(ALG_AES256_GCM),
            Some(segment) => {
                envelope.push(ALG_AES256_GCM_SEGMENT);
                envelope.extend_from_slice(&segment.to_be_bytes());
            }
        }
        let header_len = envelope.len();
        envelope.extend_from_slice(&nonce);
        let full_aad = [&envelope[..header_len], aad].concat();
        let body_start = envelope.len();
        envelope.extend_from_slice(plaintext);
        let tag = self
            .cipher
            .encrypt_in_place_detached(
                Nonce::from_slice(&nonce),
                &full_aad,
                &mut envelope[body_start..],
            )
            .map_err(|_| Error::DecryptionFailed)?;
        envelope.extend_from_slice(&tag);
        Ok(envelope)
    }

    /// Wraps `key` (seals its bytes) with `aad` bound to it.
    pub fn wrap_key(&self, aad: &[u8], key: &KeyMaterial) -> Result<Vec<u8>> {
        self.seal(aad, key.bytes())
    }

    /// Unwraps what [`AeadKey::wrap_key`] sealed with the same `aad`.
    pub fn unwrap_key(&self, aad: &[u8], envelope: &Envelope<'_>) -> Result<KeyMaterial> {
        let plaintext = self.open(aad, envelope)?;
        let bytes: &[u8; KEY_LEN] = plaintext[..]
            .try_into()
            .map_err(|_| Error::corrupt("wrapped key", "bad length"))?;
        Ok(KeyMaterial::from_bytes(bytes))
    }

    /// Opens an envelope sealed by this key with the same `aad`. Every failure (wrong key,
    /// altered header, nonce, ciphertext, tag or associated data) is the one opaque
    /// [`Error::DecryptionFailed`]; unknown versions and algorithms are refused before that.
    pub fn open(&self, aad: &[u8], envelope: &Envelope<'_>) -> Result<Zeroizing<Vec<u8>>> {
        if envelope.segment != self.segment {
            return Err(Error::DecryptionFailed);
        }
        let full_aad = [envelope.header, aad].concat();
        let mut plaintext = Zeroizing::new(envelope.ciphertext.to_vec());
        let tag = aes_gcm::Tag::from_slice(envelope.tag);
        self.cipher
            .decrypt_in_place_detached(
                Nonce::from_slice(envelope.nonce),
                &full_aad,
                &mut plaintext,
                tag,
            )
            .map_err(|_| Error::DecryptionFailed)?;
        Ok(plaintext)
    }
}

impl fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AeadKey(REDACTED, segment {:?})", self.segment)
    }
}

/// A parsed envelope, borrowing the stored bytes.
#[derive(Debug)]
pub struct Envelope<'a> {
    header: &'a [u8],
    /// The segment whose key sealed it (algorithm 2), or `None` (algorithm 1).
    pub segment: Option<u32>,
    nonce: &'a [u8],
    ciphertext: &'a [u8],
    tag: &'a [u8],
}

impl<'a> Envelope<'a> {
    /// Parses an envelope; unknown versions and algorithms are refused.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        const WHAT: &str = "envelope";
        let mut input = Reader::new(bytes, WHAT);
        let version = input.u8()?;
        if version != ENVELOPE_VERSION {
            return Err(Error::UnsupportedVersion {
                what: WHAT,
                version,
            });
        }
        let segment = match input.u8()? {
            ALG_AES256_GCM => None,
            ALG_AES256_GCM_SEGMENT => Some(input.u32()?),
            algorithm => {
                return Err(Error::UnsupportedVersion {
                    what: "envelope algorithm",
                    version: algorithm,
                })
            }
        };
        let header_len = bytes.len() - input.rest_len();
        let nonce = input.take(NONCE_LEN)?;
        let rest = input.rest();
        if rest.len() < TAG_LEN {
            return Err(Error::corrupt(WHAT, "truncated"));
        }
        let (ciphertext, tag) = rest.split_at(rest.len() - TAG_LEN);
        Ok(Envelope {
            header: &bytes[..header_len],
            segment,
            nonce,
            ciphertext,
            tag,
        })
    }
}

/// AES-256-GCM with an explicit nonce, returning ciphertext then tag. Only for known-answer
/// tests: everything else goes through [`AeadKey::seal`], which picks a random nonce.
#[cfg(test)]
pub(crate) fn aes256_gcm_with_nonce(
    key: &[u8; KEY_LEN],
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Vec<u8> {
    let cipher = Aes256Gcm::new(key.into());
    let mut out = plaintext.to_vec();
    match cipher.encrypt_in_place_detached(Nonce::from_slice(nonce), aad, &mut out) {
        Ok(tag) => out.extend_from_slice(&tag),
        Err(_) => out.clear(),
    }
    out
}

/// HKDF-SHA256 (RFC 5869) with `salt` empty: extract from `ikm`, expand with `context || info`.
fn hkdf_sha256(ikm: &[u8; KEY_LEN], context: &[u8], info: &[u8], out: &mut [u8; KEY_LEN]) {
    let prk = ring::hkdf::Salt::new(ring::hkdf::HKDF_SHA256, &[]).extract(ikm);
    let info = [context, info];
    // Expanding 32 bytes from SHA-256 is within HKDF's 255 * 32 limit, so neither step can fail;
    // on an impossible failure the output stays zeroed and the key is useless, never weak-but-used.
    if let Ok(okm) = prk.expand(&info, ring::hkdf::HKDF_SHA256) {
        if okm.fill(out).is_err() {
            out.fill(0);
        }
    }
}

/// A key for HMAC-SHA256: blind-index tokens and key checks.
pub struct MacKey(ring::hmac::Key);

impl MacKey {
    /// The HMAC key over this key material.
    pub fn new(key: &KeyMaterial) -> Self {
        MacKey(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.bytes()))
    }

    /// The HMAC key derived from `key` for one purpose: HKDF-SHA256 with `context` as info,
    /// so key material that also wraps keys never doubles as an HMAC key.
    pub fn derived(key: &KeyMaterial, context: &[u8]) -> Self {
        let mut derived = Zeroizing::new([0u8; KEY_LEN]);
        hkdf_sha256(key.bytes(), context, &[], &mut derived);
        MacKey(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &derived[..]))
    }

    /// HMAC-SHA256 of `message`.
    pub fn mac(&self, message: &[u8]) -> [u8; 32] {
        let tag = ring::hmac::sign(&self.0, message);
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// Checks `tag` against `message` in constant time.
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        ring::hmac::verify(&self.0, message, tag).is_ok()
    }
}

impl fmt::Debug for MacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MacKey(REDACTED)")
    }
}

/// An Ed25519 signing key (for the access log's checkpoints).
pub struct SigningKey(ring::signature::Ed25519KeyPair);

impl SigningKey {
    /// The signing key whose seed is this key material.
    pub fn from_seed(seed: &KeyMaterial) -> Result<Self> {
        ring::signature::Ed25519KeyPair::from_seed_unchecked(seed.bytes())
            .map(SigningKey)
            .map_err(|_| Error::corrupt("signing key", "bad seed"))
    }

    /// The 32-byte public key that verifiers pin.
    pub fn public_key(&self) -> [u8; 32] {
        use ring::signature::KeyPair;
        let mut out = [0u8; 32];
        out.copy_from_slice(self.0.public_key().as_ref());
        out
    }

    /// The 64-byte signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        let mut out = [0u8; 64];
        out.copy_from_slice(self.0.sign(message).as_ref());
        out
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(REDACTED)")
    }
}

/// Checks an Ed25519 signature against a pinned public key.
pub fn verify_signature(public_key: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, public_key)
        .verify(message, signature)
        .is_ok()
}

/// SHA-256 of `data` (checksums of exported files; not for secrets).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, data).as_ref());
    out
}

/// SHA-256 over data given in pieces (hashes of whole files; not for secrets).
pub struct Sha256(ring::digest::Context);

impl Sha256 {
    /// An empty hash.
    #[allow(
        clippy::new_without_default,
        reason = "a hash has no meaningful default"
    )]
    pub fn new() -> Self {
        Sha256(ring::digest::Context::new(&ring::digest::SHA256))
    }

    /// Adds `data`.
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    /// The hash of everything added.
    pub fn finish(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.0.finish().as_ref());
        out
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sha256")
    }
}

/// Fills `out` from the operating system's cryptographic generator.
pub fn fill_random(out: &mut [u8]) -> Result<()> {
    SystemRandom::new().fill(out).map_err(|_| Error::Random)
}

#[cfg(test)]
mod tests;
