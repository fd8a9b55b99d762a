//! Building strings without `core::fmt`: `format!` and `to_string()` on numbers and JSON values
//! go through the formatting machinery (and, for a `serde_json::Value`, its pretty printer too,
//! chosen at run time), which costs several KB of wasm over the core's many small strings.

use crate::prelude::*;
use serde::Serialize;

/// The concatenation of `parts`.
pub fn cat(parts: &[&str]) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).fold(0, usize::saturating_add));
    for p in parts {
        out.push_str(p);
    }
    out
}

/// `parts.join(sep)`: a plain loop, where std's `join` (and `concat`) on slices is ~950 B of wasm
/// for each element type.
pub fn join<S: AsRef<str>>(parts: &[S], sep: &str) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(p.as_ref());
    }
    out
}

/// The byte index of the first `needle` in `hay`, as `hay.find(needle)`. A plain scan (the core
/// searches short strings): a `&str` pattern in `str::find`, `contains` or `split_once` sets up
/// the Two-Way searcher inline at each call site (the nine sites cost ~1.8 KB of wasm).
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    // A match of valid UTF-8 in valid UTF-8 starts on a char boundary.
    hay.as_bytes().windows(needle.len()).position(|w| w == needle.as_bytes())
}

/// `hay.contains(needle)`.
pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// An integer in decimal, as `to_string()` writes it.
pub fn decimal<I: itoa::Integer>(n: I) -> String {
    itoa::Buffer::new().format(n).to_owned()
}

/// Compact JSON text, as `to_string()` on a `serde_json::Value` or `Number` writes it.
pub fn json<T: Serialize + ?Sized>(v: &T) -> String {
    // Serializing JSON values or numbers into a String cannot fail.
    serde_json::to_string(v).unwrap_or_default()
}

/// `"true"` or `"false"`.
pub fn boolean(b: bool) -> String {
    (if b { "true" } else { "false" }).to_owned()
}

/// JavaScript's `\s` (WhiteSpace and LineTerminator), not Rust's `char::is_whitespace`.
pub fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Number, Value};

    #[test]
    fn the_same_text_as_to_string() {
        let v = json!({"a": [1, -2, 3.5, 1e300, -0.0, null, true, "x\"y\u{1}é"], "b": {"c": 12345678901234567890u64}});
        assert_eq!(json(&v), v.to_string());
        assert_eq!(boolean(true), true.to_string());
        assert_eq!(boolean(false), false.to_string());
        assert_eq!(cat(&["a", "", "bc"]), "abc");
    }

    #[test]
    fn find_is_str_find() {
        for (hay, needle) in
            [("", ""), ("", "a"), ("abc", ""), ("a://b://", "://"), ("é timeout", "timeout"), ("ab", "abc")]
        {
            assert_eq!(find(hay, needle), hay.find(needle), "{hay:?} {needle:?}");
        }
    }

    proptest! {
        #[test]
        fn find_matches_str_find(hay in "[ab:/é]{0,12}", needle in "[ab:/é]{0,3}") {
            prop_assert_eq!(find(&hay, &needle), hay.find(needle.as_str()));
        }

        #[test]
        fn numbers_as_to_string(i in any::<i64>(), u in any::<u64>(), s in any::<u16>(), f in any::<f64>()) {
            prop_assert_eq!(decimal(i), i.to_string());
            prop_assert_eq!(decimal(u), u.to_string());
            prop_assert_eq!(decimal(s), s.to_string());
            prop_assert_eq!(json(&Number::from(i)), Number::from(i).to_string());
            if let Some(n) = Number::from_f64(f) {
                prop_assert_eq!(json(&n), n.to_string());
                prop_assert_eq!(json(&Value::Number(n.clone())), Value::Number(n).to_string());
            }
        }
    }
}
