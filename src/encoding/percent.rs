//! Percent-encoding (RFC 3986 §2.1) for every URL the core builds, and the decoders.
//!
//! An encode set is a predicate over ASCII bytes (`true`: encode it); the bytes of a non-ASCII
//! character are always encoded. Hex digits are uppercase, as `encodeURIComponent` and the
//! WHATWG URL serializer write them.

use crate::prelude::*;

/// An encode set: `true` for the ASCII bytes to encode.
pub type Set = fn(u8) -> bool;

/// Appends `s` to `out`, percent-encoding the bytes in `set` and every non-ASCII byte.
pub fn encode_into(out: &mut String, s: &str, set: Set) {
    for &b in s.as_bytes() {
        if b >= 0x80 || set(b) {
            push_escape(out, b);
        } else {
            out.push(char::from(b));
        }
    }
}

/// `s`, percent-encoded with `set`.
pub fn encode(s: &str, set: Set) -> String {
    let mut out = String::with_capacity(s.len());
    encode_into(&mut out, s, set);
    out
}

/// `%XX`.
pub fn push_escape(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 15)]));
}

/// RFC 3986's unreserved characters `A-Z a-z 0-9 - _ . ~` stay; everything else is encoded
/// (query values the core builds).
pub fn not_unreserved(b: u8) -> bool {
    !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

/// What `encodeURIComponent` encodes: all but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
pub fn uri_component(b: u8) -> bool {
    !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'))
}

/// What `encodeURI` encodes: [`uri_component`] less the URL syntax `; , / ? : @ & = + $ #`.
pub fn uri(b: u8) -> bool {
    uri_component(b) && !matches!(b, b';' | b',' | b'/' | b'?' | b':' | b'@' | b'&' | b'=' | b'+' | b'$' | b'#')
}

/// C0 controls and DEL (non-ASCII bytes are always encoded).
fn control(b: u8) -> bool {
    b < 0x20 || b == 0x7F
}

/// The WHATWG URL path percent-encode set.
pub fn whatwg_path(b: u8) -> bool {
    control(b) || matches!(b, b' ' | b'"' | b'#' | b'<' | b'>' | b'?' | b'`' | b'{' | b'}')
}

/// The WHATWG URL special-query percent-encode set.
pub fn whatwg_query(b: u8) -> bool {
    control(b) || matches!(b, b' ' | b'"' | b'#' | b'<' | b'>' | b'\'')
}

/// The WHATWG URL fragment percent-encode set.
pub fn whatwg_fragment(b: u8) -> bool {
    control(b) || matches!(b, b' ' | b'"' | b'<' | b'>' | b'`')
}

/// Percent-decoding: `%` and two hex digits is that byte, anything else (a `%` without two hex
/// digits included) stands for itself; with `plus_as_space`, `+` is a space (form encoding).
pub fn decode(s: &str, plus_as_space: bool) -> Vec<u8> {
    let bytes = s.as_bytes();
    let hex = |j: usize| bytes.get(j).and_then(|&h| char::from(h).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        i += 1;
        match b {
            b'%' => match (hex(i), hex(i + 1)) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_as_space => out.push(b' '),
            _ => out.push(b),
        }
    }
    out
}

/// `application/x-www-form-urlencoded` decoding (`URLSearchParams`): `+` is a space, then
/// `%XX`, then UTF-8 with invalid sequences replaced by U+FFFD.
pub fn form_decode(s: &str) -> String {
    lossy(&decode(s, true))
}

/// `String::from_utf8_lossy(bytes)` (each maximal invalid subpart becomes one U+FFFD, as WHATWG's
/// UTF-8 decode does) with `from_utf8`, which the core links anyway: std's lossy decoder is
/// another ~800 B of wasm.
fn lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match core::str::from_utf8(rest) {
            Ok(valid) => {
                out.push_str(valid);
                return out;
            }
            Err(e) => {
                let (valid, after) = rest.split_at_checked(e.valid_up_to()).unwrap_or((&[], rest));
                out.push_str(core::str::from_utf8(valid).unwrap_or(""));
                out.push('\u{FFFD}');
                // No length: the input ends inside a sequence, which is one U+FFFD.
                rest = after.get(e.error_len().unwrap_or(after.len())..).unwrap_or(&[]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS, NON_ALPHANUMERIC};
    use proptest::prelude::*;

    // The sets as the percent-encoding crate spelled them before this module replaced it.
    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'!')
        .remove(b'~')
        .remove(b'*')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')');
    const URI: &AsciiSet = &COMPONENT
        .remove(b';')
        .remove(b',')
        .remove(b'/')
        .remove(b'?')
        .remove(b':')
        .remove(b'@')
        .remove(b'&')
        .remove(b'=')
        .remove(b'+')
        .remove(b'$')
        .remove(b'#');
    const PATH: &AsciiSet =
        &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'<').add(b'>').add(b'?').add(b'`').add(b'{').add(b'}');
    const QUERY: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'#').add(b'<').add(b'>').add(b'\'');
    const FRAGMENT: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`');

    const SETS: [(Set, &AsciiSet); 6] = [
        (not_unreserved, UNRESERVED),
        (uri_component, COMPONENT),
        (uri, URI),
        (whatwg_path, PATH),
        (whatwg_query, QUERY),
        (whatwg_fragment, FRAGMENT),
    ];

    #[test]
    fn the_sets_are_the_crates() {
        for (i, (f, set)) in SETS.iter().enumerate() {
            for b in 0..=0x7F_u8 {
                let c = char::from(b).to_string();
                assert_eq!(f(b), utf8_percent_encode(&c, set).to_string() != c, "set {i}, byte {b:#x}");
            }
        }
    }

    #[test]
    fn examples() {
        assert_eq!(encode("a b/#?&=+é%", not_unreserved), "a%20b%2F%23%3F%26%3D%2B%C3%A9%25");
        assert_eq!(encode("a b/#?&=é", uri), "a%20b/#?&=%C3%A9");
        assert_eq!(decode("a%2Fb+%zz%4", false), b"a/b+%zz%4");
        assert_eq!(form_decode("a+b%20c%ff"), "a b c\u{FFFD}");
    }

    proptest! {
        #[test]
        fn encode_matches_the_crate(s in "\\PC{0,16}|[ -~]{0,16}") {
            for (f, set) in SETS {
                prop_assert_eq!(encode(&s, f), utf8_percent_encode(&s, set).to_string());
            }
        }

        #[test]
        fn lossy_is_std_lossy(bytes in proptest::collection::vec(any::<u8>(), 0..24), utf8 in "\\PC{0,6}") {
            prop_assert_eq!(lossy(&bytes), String::from_utf8_lossy(&bytes).into_owned());
            // Valid text around the invalid bytes, and truncated sequences at the end.
            let mixed = [utf8.as_bytes(), &bytes, utf8.as_bytes(), &utf8.as_bytes()[..utf8.len().min(1)]].concat();
            prop_assert_eq!(lossy(&mixed), String::from_utf8_lossy(&mixed).into_owned());
        }

        #[test]
        fn decode_matches_the_crate(s in "[%+0-9a-fA-FgG/ é]{0,16}") {
            prop_assert_eq!(decode(&s, false), percent_decode_str(&s).collect::<Vec<u8>>());
            let spaced = s.replace('+', " ");
            prop_assert_eq!(form_decode(&s), percent_decode_str(&spaced).decode_utf8_lossy().into_owned());
        }
    }
}
