//! The two base64 uses of the core, written out (RFC 4648): about 0.5 KB of wasm where the
//! `base64` crate's general engine cost ~7 KB. The tests check both against that crate.
//! - [`encode`]: the standard alphabet with padding (storage `x-metadata`) or base64url without
//!   (the PKCE challenge);
//! - [`decode_url`]: what jwt.rs accepts, base64url or the standard alphabet, padding optional,
//!   non-zero trailing bits ignored (they carry no data).

use crate::prelude::*;

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `bytes` in base64: the standard alphabet padded with `=`, or base64url (`-`, `_`) unpadded.
pub fn encode(bytes: &[u8], url: bool) -> String {
    let symbol = |six: u32| -> char {
        match STANDARD[(six & 63) as usize] {
            b'+' if url => '-',
            b'/' if url => '_',
            c => char::from(c),
        }
    };
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        // 1, 2 or 3 bytes make 2, 3 or 4 symbols.
        for i in 0..=chunk.len() {
            out.push(symbol(n >> (18 - 6 * i)));
        }
        if !url {
            for _ in chunk.len()..3 {
                out.push('=');
            }
        }
    }
    out
}

/// The value of a base64url or standard symbol.
fn value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' | b'+' => 62,
        b'_' | b'/' => 63,
        _ => return None,
    }))
}

/// Decodes base64url (the standard alphabet's `+` and `/` are taken too), or `None`. Padding is
/// optional, but only in the last group of four, after at least two symbols, and with nothing
/// after it; a last group of one symbol is not base64.
pub fn decode_url(input: &str) -> Option<Vec<u8>> {
    let input = input.as_bytes();
    let last = match input.len() % 4 {
        0 => input.len().min(4),
        r => r,
    };
    let (body, last) = input.split_at(input.len() - last);
    let symbols = last.iter().take_while(|&&c| c != b'=').count();
    if (!last.is_empty() && symbols < 2) || last[symbols..].iter().any(|&c| c != b'=') {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in body.iter().chain(&last[..symbols]) {
        acc = (acc << 6) | value(c)?;
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

    /// The engine jwt.rs used before: base64url, padding optional, trailing bits tolerated.
    const REFERENCE: GeneralPurpose = GeneralPurpose::new(
        &alphabet::URL_SAFE,
        GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );

    fn reference_decode(s: &str) -> Option<Vec<u8>> {
        REFERENCE.decode(s.replace('+', "-").replace('/', "_")).ok()
    }

    #[test]
    fn rfc_4648_vectors() {
        for (plain, b64) in
            [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE=")]
        {
            assert_eq!(encode(plain.as_bytes(), false), b64);
            assert_eq!(encode(plain.as_bytes(), true), b64.trim_end_matches('='));
            assert_eq!(decode_url(b64).as_deref(), Some(plain.as_bytes()));
            assert_eq!(decode_url(b64.trim_end_matches('=')).as_deref(), Some(plain.as_bytes()));
        }
    }

    #[test]
    fn padding_and_length_edges_match_the_crate() {
        let cases = [
            "A", "AB", "ABC", "ABCD", "A=", "AB=", "AB==", "AB===", "ABC=", "ABC==", "A===", "=", "==", "====", "AB=C",
            "ABCD=", "ABCD==", "ABCDE", "ABCDAB==", "AB==ABCD", "AB+/", "AB-_", "AB/=", "AQ", "AR", "AR==", "ABCDA=",
            " ABC", "ABC\n", "AB.C",
        ];
        for s in cases {
            assert_eq!(decode_url(s), reference_decode(s), "{s:?}");
        }
    }

    proptest! {
        #[test]
        fn encode_matches_the_crate(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            prop_assert_eq!(encode(&bytes, false), STANDARD.encode(&bytes));
            prop_assert_eq!(encode(&bytes, true), URL_SAFE_NO_PAD.encode(&bytes));
            prop_assert_eq!(decode_url(&encode(&bytes, true)), Some(bytes.clone()));
            prop_assert_eq!(decode_url(&encode(&bytes, false)), Some(bytes));
        }

        #[test]
        fn decode_matches_the_crate(s in "[A-Za-z0-9_=+/-]{0,12}") {
            prop_assert_eq!(decode_url(&s), reference_decode(&s));
        }

        #[test]
        fn decode_matches_the_crate_on_any_text(s in "\\PC{0,12}") {
            prop_assert_eq!(decode_url(&s), reference_decode(&s));
        }
    }
}
