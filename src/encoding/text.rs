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

/// A JSON number as JavaScript's `String(n)` writes it (ECMA-262 `Number::toString`): the
/// shortest digits (ryu's, through serde_json), then a decimal point or an exponent by JS' rules
/// (`1e+21`, `0.000001`, `1e-7`, `100` for `1e2`).
pub fn js_number(n: &serde_json::Number) -> String {
    if !n.is_f64() {
        return json(n);
    }
    let text = json(n);
    let (negative, text) = match text.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, text.as_str()),
    };
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = cat(&[int, frac]);
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0');
    if digits.is_empty() {
        return "0".to_owned();
    }
    // The value is 0.<digits> × 10^n.
    let n = int.len() as i32 + exp - lead as i32;
    let k = digits.len() as i32;
    let zeros = |count: i32| "0".repeat(count.max(0) as usize);
    let body = if k <= n && n <= 21 {
        cat(&[digits, &zeros(n - k)])
    } else if 0 < n && n <= 21 {
        let (a, b) = digits.split_at(n as usize);
        cat(&[a, ".", b])
    } else if -6 < n && n <= 0 {
        cat(&["0.", &zeros(-n), digits])
    } else {
        let e = n - 1;
        let sign = if e < 0 { "-" } else { "+" };
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        cat(&[first, dot, rest, "e", sign, &decimal(e.unsigned_abs())])
    };
    if negative {
        cat(&["-", &body])
    } else {
        body
    }
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
    fn js_number_is_javascripts_string() {
        // (JSON text, String(JSON.parse(text))) as node prints them.
        let cases = [
            ("1", "1"),
            ("-1", "-1"),
            ("1.5", "1.5"),
            ("1e2", "100"),
            ("100.0", "100"),
            ("0.1", "0.1"),
            ("-0.0", "0"),
            ("0.000001", "0.000001"),
            ("1e-7", "1e-7"),
            ("1.5e-7", "1.5e-7"),
            ("1.5e20", "150000000000000000000"),
            ("2.5e-6", "0.0000025"),
            ("1e21", "1e+21"),
            ("1.25e21", "1.25e+21"),
            ("-1.25e-10", "-1.25e-10"),
            ("18446744073709552000", "18446744073709552000"),
            ("12345678.9", "12345678.9"),
            ("0.000123", "0.000123"),
            ("5e-324", "5e-324"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ];
        for (text, js) in cases {
            let n: Number = serde_json::from_str(text).unwrap();
            assert_eq!(js_number(&n), js, "{text}");
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
