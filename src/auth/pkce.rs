//! PKCE (RFC 7636) for `signInWithOAuth`: the verifier from caller-supplied randomness, and its
//! S256 challenge. The core has no RNG of its own: the shim passes random bytes in.

use crate::prelude::*;
use sha2::{Digest, Sha256};

/// At least this many random bytes make a verifier (hex: 64+ characters, within 43..=128).
pub const MIN_RANDOM_BYTES: usize = 32;

/// A verifier: the random bytes (up to 64) in lowercase hex, or `None` with too little randomness.
pub fn verifier(random: &[u8]) -> Option<String> {
    if random.len() < MIN_RANDOM_BYTES {
        return None;
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(128);
    for b in random.iter().take(64) {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    Some(out)
}

/// `BASE64URL-ENCODE(SHA256(ASCII(verifier)))`, without padding.
pub fn challenge_s256(verifier: &str) -> String {
    crate::encoding::base64::encode_url(&Sha256::digest(verifier.as_bytes()))
}
