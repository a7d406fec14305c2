//! The crypto provider: the only module that touches key bytes and cipher primitives.
//!
//! Seal and open (AES-256-GCM envelopes), wrap and unwrap (the same envelopes over key bytes),
//! segment-key derivation (HKDF-SHA256), keyed hashing (HMAC-SHA256) and signing (Ed25519).
//! Every key type wipes its bytes when it drops (a compile-time check below): AES-GCM, HMAC and
//! HKDF from RustCrypto with `zeroize`, Ed25519 from `ed25519-dalek`; `ring` only draws random
//! bytes, hashes public data and checks signatures, none of which holds a secret.
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

/// HKDF-SHA256 (RFC 5869) with no salt (HashLen zeros, which is what an empty salt gives as
/// well): extract from `ikm`, expand with `context || info`. The extracted key lives in an HMAC
/// state that is wiped when it drops.
fn hkdf_sha256(ikm: &[u8; KEY_LEN], context: &[u8], info: &[u8], out: &mut [u8; KEY_LEN]) {
    let prk = hkdf::Hkdf::<sha2::Sha256>::new(None, ikm);
    // Expanding 32 bytes from SHA-256 is within HKDF's 255 * 32 limit, so this cannot fail; on
    // an impossible failure the output is zeroed and the key is useless, never weak-but-used.
    if prk.expand_multi_info(&[context, info], out).is_err() {
        out.fill(0);
    }
}

/// HMAC-SHA256 with its key state (the padded key's inner and outer hash states) wiped on drop.
type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// A key for HMAC-SHA256: blind-index tokens and key checks. Always derived from key
/// material for one purpose, never the material itself.
pub struct MacKey(HmacSha256);

impl MacKey {
    /// The HMAC key derived from `key` for one purpose: HKDF-SHA256 with `context` as info,
    /// so key material that also wraps keys never doubles as an HMAC key.
    pub fn derived(key: &KeyMaterial, context: &[u8]) -> Self {
        let mut derived = Zeroizing::new([0u8; KEY_LEN]);
        hkdf_sha256(key.bytes(), context, &[], &mut derived);
        MacKey::over(&derived[..])
    }

    /// The HMAC key over this key material itself. Only for the key check of vaults made
    /// before format 3, which is rewritten under a derived key when they are upgraded.
    pub(crate) fn direct_for_format_2(key: &KeyMaterial) -> Self {
        MacKey::over(key.bytes())
    }

    fn over(key: &[u8]) -> Self {
        // HMAC takes a key of any length, so this cannot fail; the fallback is never used.
        MacKey(
            <HmacSha256 as hmac::KeyInit>::new_from_slice(key)
                .unwrap_or_else(|_| <HmacSha256 as hmac::KeyInit>::new(&Default::default())),
        )
    }

    /// HMAC-SHA256 of `message`.
    pub fn mac(&self, message: &[u8]) -> [u8; 32] {
        use hmac::Mac;
        // The copy of the key state is wiped when it drops with the finished computation.
        let mut mac = self.0.clone();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// Checks `tag` against `message` in constant time.
    pub fn verify(&self, message: &[u8], tag: &[u8]) -> bool {
        use hmac::Mac;
        let mut mac = self.0.clone();
        mac.update(message);
        mac.verify_slice(tag).is_ok()
    }
}

impl fmt::Debug for MacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MacKey(REDACTED)")
    }
}

/// An Ed25519 signing key (for the access log's checkpoints), its secret scalar and seed
/// wiped on drop. Signatures are RFC 8032's, so they are the same bytes `ring` made before.
pub struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// The signing key whose seed is this key material.
    pub fn from_seed(seed: &KeyMaterial) -> Result<Self> {
        Ok(SigningKey(ed25519_dalek::SigningKey::from_bytes(
            seed.bytes(),
        )))
    }

    /// The 32-byte public key that verifiers pin.
    pub fn public_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// The 64-byte signature of `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        use ed25519_dalek::Signer;
        self.0.sign(message).to_bytes()
    }
}

// Every type that holds key bytes wipes them when it drops, checked when this module compiles:
// a dependency update that lost the guarantee fails the build. The wrappers hold nothing but
// the checked parts: `AeadKey` the AES key schedule and the GHASH key (`polyval`, wiped by its
// `Drop` with the `zeroize` feature, which has no marker to check), `MacKey` the two SHA-256
// states that HMAC keeps of its padded key (its buffer holds only message bytes).
const _: () = {
    const fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}
    wiped_on_drop::<SecretBox<[u8; KEY_LEN]>>();
    wiped_on_drop::<aes::Aes256>();
    wiped_on_drop::<<sha2::Sha256 as sha2::digest::block_api::CoreProxy>::Core>();
    wiped_on_drop::<ed25519_dalek::SigningKey>();
    wiped_on_drop::<Zeroizing<[u8; KEY_LEN]>>();
    wiped_on_drop::<KeyMaterial>();
    wiped_on_drop::<AeadKey>();
    wiped_on_drop::<MacKey>();
    wiped_on_drop::<SigningKey>();
};
impl zeroize::ZeroizeOnDrop for KeyMaterial {}
impl zeroize::ZeroizeOnDrop for AeadKey {}
impl zeroize::ZeroizeOnDrop for MacKey {}
impl zeroize::ZeroizeOnDrop for SigningKey {}

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
