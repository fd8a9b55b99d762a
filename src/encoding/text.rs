//! Building strings without `core::fmt`: `format!` and `to_string()` on numbers and JSON values
//! go through the formatting machinery (and, for a `serde_json::Value`, its pretty printer too,
//! chosen at run time), which costs several KB of wasm over the core's many small strings.

use crate::prelude::*;
use serde::Serialize;

/// The concatenation of `parts`.
pub fn cat(parts: &[&str]) -> String {
    let mut len: usize = 0;
    for p in parts {
        len = len.saturating_add(p.len());
    }
    let mut out = String::with_capacity(len);
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

/// The byte index of the first ASCII byte of `hay` that `hit` accepts, as `hay.find([…])` with
/// ASCII chars. `hit` takes `&dyn`: the `[char; N]` and closure patterns of `str` each link their
/// own searcher (and `trim_matches`, `split` copies), ~1.5 KB of wasm over the core's few sites.
/// `hit` must refuse every byte >= 0x80 (which is then never a char boundary issue).
pub fn find_by(hay: &str, hit: &dyn Fn(u8) -> bool) -> Option<usize> {
    hay.bytes().position(|b| b < 0x80 && hit(b))
}

/// `hay` up to its first byte that `hit` accepts (all of it if none), as
/// `hay.split([…]).next().unwrap()` (ASCII chars).
pub fn before_by<'a>(hay: &'a str, hit: &dyn Fn(u8) -> bool) -> &'a str {
    hay.get(..find_by(hay, hit).unwrap_or(hay.len())).unwrap_or(hay)
}

/// `hay` without the leading and trailing ASCII bytes that `strip` accepts, as
/// `hay.trim_matches([…])` (ASCII chars).
pub fn trim_by<'a>(hay: &'a str, strip: &dyn Fn(u8) -> bool) -> &'a str {
    let kept = |b: &u8| *b >= 0x80 || !strip(*b);
    let b = hay.as_bytes();
    let start = b.iter().position(kept).unwrap_or(b.len());
    let end = b.iter().rposition(kept).map_or(start, |e| e.saturating_add(1));
    hay.get(start..end).unwrap_or("")
}

/// Whether `s` is an HTTP token (RFC 9110 `tchar`s, at least one): a header name.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether `s` is only ASCII whitespace (or empty).
pub fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_whitespace())
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
    fn tokens_and_blanks() {
        for (s, token) in
            [("", false), ("x-client-info", true), ("a b", false), ("é", false), ("!#$%&'*+-.^_`|~09aZ", true)]
        {
            assert_eq!(is_token(s), token, "{s:?}");
        }
        for (s, blank) in [("", true), (" \t\r\n\u{c}", true), (" x ", false), ("\u{a0}", false)] {
            assert_eq!(is_blank(s), blank, "{s:?}");
        }
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
        fn by_bytes_as_str_patterns(hay in "[ab/?#\\t\r\n \u{0}\u{1f}é€]{0,12}") {
            let set = |b: u8| b"/?#\\".contains(&b);
            prop_assert_eq!(find_by(&hay, &set), hay.find(['/', '?', '#', '\\']));
            prop_assert_eq!(before_by(&hay, &set), hay.split(['/', '?', '#', '\\']).next().unwrap_or(""));
            let ws = |b: u8| b"\t\n\r ".contains(&b);
            prop_assert_eq!(trim_by(&hay, &ws), hay.trim_matches(['\t', '\n', '\r', ' ']));
            prop_assert_eq!(trim_by(&hay, &|b| b <= b' '), hay.trim_matches(|c: char| c <= ' '));
        }

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
