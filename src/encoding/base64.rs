//! Base64 (RFC 4648) for the three places the core needs it: a JWT payload (decoded), the PKCE
//! challenge (base64url, no padding) and storage's `x-metadata` header (standard, padded).
//! Hand-written: the `base64` crate's engines (SIMD-ready, configurable) cost ~6 KB of wasm for
//! these few bytes. The tests compare both directions with that crate (a dev-dependency).

use crate::prelude::*;

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Standard base64 with `=` padding (`base64::engine::general_purpose::STANDARD`).
pub fn encode_standard(bytes: &[u8]) -> String {
    encode(bytes, STANDARD, true)
}

/// base64url without padding (`URL_SAFE_NO_PAD`).
pub fn encode_url(bytes: &[u8]) -> String {
    encode(bytes, URL_SAFE, false)
}

fn encode(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    let mut start = 0;
    while start < bytes.len() {
        let chunk = bytes.get(start..(start + 3).min(bytes.len())).unwrap_or_default();
        start += 3;
        let mut n = 0u32;
        for (i, b) in chunk.iter().enumerate() {
            n |= u32::from(*b) << (16 - 8 * i);
        }
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(alphabet.get(((n >> (18 - 6 * i)) & 63) as usize).copied().unwrap_or(b'A')));
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// The value of a base64url symbol; the standard alphabet's `+` and `/` are read as `-` and `_`.
fn sextet(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' | b'+' => 62,
        b'_' | b'/' => 63,
        _ => return None,
    }))
}

/// base64url, padding optional, set trailing bits ignored, `+` and `/` accepted as `-` and `_`
/// (the `URL_SAFE` engine with `DecodePaddingMode::Indifferent` and trailing bits allowed, after
/// mapping the standard alphabet onto it). `None` for anything else: a byte outside the
/// alphabet, `=` other than up to two at the end of the last quad, or a last quad of one symbol.
pub fn decode_url(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut pads = 0;
    while pads < b.len() && b[b.len() - 1 - pads] == b'=' {
        pads += 1;
    }
    let last = match b.len() % 4 {
        0 => 4,
        r => r,
    };
    if !b.is_empty() && pads + 2 > last {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in b.get(..b.len() - pads)? {
        acc = (acc << 6 | sextet(c)?) & 0xFFFF;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD, URL_SAFE_NO_PAD};
    use ::base64::engine::DecodePaddingMode;
    use ::base64::{alphabet, Engine as _};
    use proptest::prelude::*;

    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );

    fn reference(s: &str) -> Option<Vec<u8>> {
        LENIENT.decode(s.replace('+', "-").replace('/', "_")).ok()
    }

    #[test]
    fn edge_cases_as_the_crate() {
        for s in [
            "", "A", "AA", "AAA", "AAAA", "AA=", "AA==", "AA===", "AAA=", "AAA==", "A=", "A==", "=", "==", "AAAA=",
            "AAAAA", "AAAAAA", "AAAAAA==", "AB+/", "AB-_", "AB=A", "Zg", "Zm8", "Zm9v", "Zh", "Zm9=", "Zm9v\n",
            " Zm9v",
        ] {
            assert_eq!(decode_url(s), reference(s), "{s:?}");
        }
    }

    proptest! {
        #[test]
        fn encodes_as_the_crate(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(encode_standard(&bytes), STANDARD.encode(&bytes));
            prop_assert_eq!(encode_url(&bytes), URL_SAFE_NO_PAD.encode(&bytes));
            prop_assert_eq!(decode_url(&encode_url(&bytes)), Some(bytes.clone()));
            prop_assert_eq!(decode_url(&encode_standard(&bytes)), Some(bytes));
        }

        #[test]
        fn decodes_as_the_crate(s in "[A-Za-z0-9+/_=\\-.\n]{0,24}") {
            prop_assert_eq!(decode_url(&s), reference(&s));
        }
    }
}
