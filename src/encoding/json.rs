//! Helpers for the JSON objects the core builds, and for reading outside JSON of any depth.
//!
//! Outside JSON (a server's reply, the stored session, a realtime frame, a JWT's claims, the
//! caller's arguments) may nest as deep as its writer allowed: Go's `encoding/json` (GoTrue)
//! takes 10,000 levels, Postgres' `jsonb` as many, JavaScript's `JSON.parse` any. serde_json's
//! `Value` parser stops at 128 levels (its recursion limit), and building, cloning, writing and
//! dropping a `Value` all recurse: on the wasm stack (1 MiB, `wasm-ld`'s default, the module's
//! `__stack_pointer` starts at 1,048,576) 10,000 levels of that would trap. So deep JSON never
//! becomes a `Value`:
//!
//! - [`is_json`] checks a text without recursion (what serde_json's `ignore_value` accepts, its
//!   open brackets kept in a heap `Vec`, no depth limit);
//! - [`members`] splits an object into its members' texts without recursion: the session and its
//!   user are kept as text (`auth::session`), only the scalars the core reads become `Value`s;
//! - [`read`] (outside JSON) and [`parse_args`] (the caller's arguments) make a `Value` of the
//!   127 levels serde_json reads and carry every container below as a marked string of its text
//!   ([`RAW`]); [`to_text`] writes such a `Value` with the marked parts back as they came. Every
//!   writer of what they read goes through it (`Output` data, data outcomes, auth request bodies,
//!   realtime frames, presence state).
//!
//! Writing a deep part back is a copy of its text.

use crate::prelude::*;
use serde_json::{Map, Value};

/// `m.insert(key.to_owned(), value)`, out of line: the core builds many small objects, and
/// inlined at each of its ~100 call sites the key's allocation and the drop of a replaced value
/// cost several KB of wasm.
#[inline(never)]
pub fn put(m: &mut Map<String, Value>, key: &str, value: Value) {
    m.insert(key.to_owned(), value);
}

/// Whether `text` is one JSON value (RFC 8259; whitespace around it allowed), at any depth,
/// checked without recursion. Strings are checked as serde_json checks them (escapes, no
/// control characters); a lone surrogate escape (`"\ud800"`) passes, as `JSON.parse` takes it.
///
/// Exactly what `serde_json::from_str::<IgnoredAny>` accepts (its `ignore_value`; proptest in
/// tests/json_valid.rs), written out: serde's took 1.5 KB of wasm that every start compiles
/// (the stored session is checked with it), and it built an error value for every refusal.
pub fn is_json(text: &str) -> bool {
    let b = text.as_bytes();
    // The open containers, innermost last.
    let mut open: Vec<u8> = Vec::new();
    let mut i = 0;
    loop {
        // A value at `i`.
        i = skip_space(b, i);
        match b.get(i) {
            Some(&c @ (b'{' | b'[')) => {
                i = skip_space(b, i + 1);
                if b.get(i) != Some(&(c + 2)) {
                    // `{` + 2 is `}`, `[` + 2 is `]`: not empty, so a member or an element.
                    open.push(c);
                    if c == b'{' {
                        let Some(v) = member_value(b, i) else { return false };
                        i = v;
                    }
                    continue;
                }
                i += 1;
            }
            Some(b'"') => match string_end(b, i + 1) {
                Some(end) => i = end,
                None => return false,
            },
            Some(b'n') if b[i..].starts_with(b"null") => i += 4,
            Some(b't') if b[i..].starts_with(b"true") => i += 4,
            Some(b'f') if b[i..].starts_with(b"false") => i += 5,
            Some(b'-' | b'0'..=b'9') => match number_end(b, i) {
                Some(end) => i = end,
                None => return false,
            },
            _ => return false,
        }
        // After a value: the containers it closes, then a `,` before the next value, or the end.
        loop {
            i = skip_space(b, i);
            let Some(&c) = open.last() else { return i == b.len() };
            match b.get(i) {
                Some(b',') if c == b'{' => {
                    let Some(v) = member_value(b, skip_space(b, i + 1)) else { return false };
                    i = v;
                    break;
                }
                Some(b',') => {
                    i += 1;
                    break;
                }
                Some(&e) if e == c + 2 => {
                    open.pop();
                    i += 1;
                }
                _ => return false,
            }
        }
    }
}

/// In [`is_json`]: a member's `"name"` and `:` at `i`; where its value starts.
fn member_value(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let i = skip_space(b, string_end(b, i + 1)?);
    (b.get(i) == Some(&b':')).then_some(i + 1)
}

/// In [`is_json`]: the end of the string whose text starts at `i` (after its `"`), if valid:
/// no control character, escapes `\" \\ \/ \b \f \n \r \t` and `\u` with four hex digits.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => match *b.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' => {
                    let hex = b.get(i + 2..i + 6)?;
                    for h in hex {
                        if !h.is_ascii_hexdigit() {
                            return None;
                        }
                    }
                    i += 6;
                }
                _ => return None,
            },
            0..=0x1f => return None,
            _ => i += 1,
        }
    }
}

/// In [`is_json`]: the end of the number at `i`, if valid: `-`, then `0` or a digit run not
/// starting with `0`, then `.` and digits, then `e`/`E`, an optional sign and digits.
fn number_end(b: &[u8], mut i: usize) -> Option<usize> {
    let digits = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    i = match b.get(i)? {
        b'0' => i + 1,
        b'1'..=b'9' => digits(i + 1),
        _ => return None,
    };
    // (A digit after a leading `0` ends the number here: what follows a value is never a digit.)
    if b.get(i) == Some(&b'.') {
        let end = digits(i + 1);
        if end == i + 1 {
            return None;
        }
        i = end;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits(i);
        if end == i {
            return None;
        }
        i = end;
    }
    Some(i)
}

/// The value of a JSON text the core reads (a token, a number, a small object): `None` if it is
/// not JSON or nests deeper than serde_json's limit (128), which no field the core reads does.
/// Bounded recursion: at most 128 levels before it gives up.
pub fn value(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

/// The JSON object `text` (without the whitespace around it), if it is one.
pub fn object(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let i = skip_space(b, 0);
    (b.get(i) == Some(&b'{') && is_json(text)).then(|| text.get(i..value_end(b, i))).flatten()
}

/// The string a JSON text holds, if it is a JSON string. One without escapes (a token, an id: the
/// stored session's at every start) is its text as it is, without serde_json's parser, which a
/// start then does not compile (bench/results/wasm-size-issue17.md).
pub fn string(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let start = skip_space(b, 0);
    if b.get(start) != Some(&b'"') {
        return None;
    }
    let mut i = start + 1;
    while let Some(&c) = b.get(i) {
        match c {
            b'"' => {
                // Valid JSON if only white space follows.
                if skip_space(b, i + 1) == b.len() {
                    return text.get(start + 1..i).map(str::to_owned);
                }
                break;
            }
            b'\\' => break,
            c if c < 0x20 => break,
            _ => i += 1,
        }
    }
    match value(text)? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// A plain JSON integer (`-?digits`, no fraction or exponent) that fits an `i64`, read without
/// serde_json's parser (the stored session's and the token's times, at every start); `None` for
/// any other text, which the caller reads as a `Value`.
pub fn plain_int(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
        return None;
    }
    for c in digits.bytes() {
        if !c.is_ascii_digit() {
            return None;
        }
    }
    text.parse::<i64>().ok()
}

/// The members of the JSON object `text`, in their order, each value as its text (a slice of
/// `text`, without surrounding whitespace); a repeated name appears twice. `None` unless `text`
/// is one JSON object (checked with [`is_json`]). Any depth, no recursion.
pub fn members(text: &str) -> Option<Vec<(String, &str)>> {
    if !is_json(text) {
        return None;
    }
    let b = text.as_bytes();
    let mut i = skip_space(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let mut out = Vec::new();
    // Valid JSON: `{`, then `}` or `"name" : value` pairs separated by `,`.
    loop {
        i = skip_space(b, i + 1);
        if b.get(i) != Some(&b'"') {
            return Some(out);
        }
        let end = value_end(b, i);
        let name = string(text.get(i..end)?)?;
        // The ':' after the name.
        i = skip_space(b, skip_space(b, end) + 1);
        let end = value_end(b, i);
        out.push((name, text.get(i..end)?));
        i = skip_space(b, end);
    }
}

/// The value's text of the last member named `key` (`JSON.parse` keeps the last of a repeated
/// name). One loop for every such look-up (each `rfind` closure was its own copy).
pub fn last<'a>(members: &[(String, &'a str)], key: &str) -> Option<&'a str> {
    let mut found = None;
    for (k, v) in members {
        if k == key {
            found = Some(*v);
        }
    }
    found
}

/// How JSON nested too deep for a `Value` is carried inside one: a string of this prefix and
/// the JSON text, which [`to_text`] writes back as that text.
const RAW: &str = "\u{0}raw:";

/// How many levels become `Value`s in [`read`] and [`parse_args`]; the containers below are
/// carried as text. serde_json parses 127 levels (its recursion limit, 128, counts the value
/// past the last), so anything it could read before is read exactly as before.
const SHALLOW: usize = 127;

/// Outside JSON text (a reply, a frame, a JWT's claims) as a `Value`, at any depth: containers
/// below [`SHALLOW`] levels become marked strings of their text (see [`RAW`]), which the core
/// does not read and [`to_text`] writes back as they came. `None` if `text` is not JSON.
pub fn read(text: &str) -> Option<Value> {
    capped(text, false)
}

/// The caller's arguments (JSON text from the shim), as [`read`] reads outside JSON; `None` also
/// if a string of the caller's (a name or a value) starts with the mark, which would then be
/// ambiguous.
pub fn parse_args(text: &str) -> Option<Value> {
    capped(text, true)
}

/// `text` with every container that opens below [`SHALLOW`] levels replaced by a marked string
/// of its text, parsed. One pass, no recursion; serde_json then parses at most `SHALLOW` levels.
fn capped(text: &str, strict: bool) -> Option<Value> {
    if !is_json(text) {
        return None;
    }
    let b = text.as_bytes();
    let mut out = String::new();
    let (mut i, mut from, mut depth) = (0, 0, 0);
    while let Some(c) = b.get(i) {
        match c {
            b'"' => {
                let end = value_end(b, i);
                // A string that starts with a NUL is written `"\u0000…`: only those can be marked.
                let token = text.get(i..end)?;
                if strict && token.starts_with("\"\\u0000") && string(token)?.starts_with(RAW) {
                    return None;
                }
                i = end;
            }
            b'{' | b'[' if depth == SHALLOW => {
                let end = value_end(b, i);
                out.push_str(text.get(from..i)?);
                out.push_str(&crate::encoding::text::json(&crate::encoding::text::cat(&[RAW, text.get(i..end)?])));
                (from, i) = (end, end);
            }
            b'{' | b'[' => (depth, i) = (depth + 1, i + 1),
            b'}' | b']' => (depth, i) = (depth.saturating_sub(1), i + 1),
            _ => i += 1,
        }
    }
    if from == 0 {
        return value(text);
    }
    out.push_str(text.get(from..)?);
    value(&out)
}

/// `v` as JSON text, with the parts [`read`] and [`parse_args`] mark written back as they came
/// (a marked string whose text is not JSON stays a string: the output is JSON whatever `v` holds).
pub fn to_text(v: &Value) -> String {
    let text = crate::encoding::text::json(v);
    // serde_json writes the mark's NUL as `\u0000`.
    const MARK: &str = "\"\\u0000raw:";
    if crate::encoding::text::find(&text, MARK).is_none() {
        return text;
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut from) = (0, 0);
    while let Some(c) = b.get(i) {
        if *c != b'"' {
            i += 1;
            continue;
        }
        // A string token (a key or a value): a marked one is replaced by its text.
        let end = value_end(b, i);
        let token = text.get(i..end).unwrap_or("");
        let raw = token.starts_with(MARK).then(|| string(token)).flatten();
        if let Some(raw) = raw.as_deref().and_then(|r| r.get(RAW.len()..)).filter(|r| is_json(r)) {
            out.push_str(text.get(from..i).unwrap_or(""));
            out.push_str(raw);
            from = end;
        }
        i = end;
    }
    out.push_str(text.get(from..).unwrap_or(""));
    out
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// The end of the value starting at `i` in valid JSON `b`: strings skipped with their escapes,
/// brackets counted (valid JSON balances them), anything else runs to a delimiter.
fn value_end(b: &[u8], mut i: usize) -> usize {
    let mut depth: usize = 0;
    loop {
        match b.get(i) {
            None => return i,
            Some(b'"') => {
                i += 1;
                loop {
                    match b.get(i) {
                        None => return i,
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
                i += 1;
                if depth == 0 {
                    return i;
                }
                continue;
            }
            Some(b'{' | b'[') => depth += 1,
            Some(b'}' | b']') if depth == 0 => return i,
            Some(b'}' | b']') => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            Some(b',' | b' ' | b'\t' | b'\n' | b'\r' | b':') if depth == 0 => return i,
            Some(_) => {}
        }
        i += 1;
    }
}

/// `[`-nesting `depth` levels deep around `inner`.
#[cfg(test)]
fn nest(depth: usize, inner: &str) -> String {
    let mut s = String::with_capacity(depth * 2 + inner.len());
    s.extend(core::iter::repeat_n('[', depth));
    s.push_str(inner);
    s.extend(core::iter::repeat_n(']', depth));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn last_takes_the_last_of_a_repeated_name() {
        let m = members("{\"a\":1,\"b\":2,\"a\":[3]}").unwrap();
        assert_eq!(last(&m, "a"), Some("[3]"));
        assert_eq!(last(&m, "b"), Some("2"));
        assert_eq!(last(&m, "c"), None);
    }

    #[test]
    fn members_of_objects_at_any_depth() {
        let deep = nest(10_000, "{\"a\":\"]}\\\"\"}");
        let text = ["{ \"x\" : 1 ,\"d\":", &deep, ", \"s\":\"a\\\"}\", \"e\":{}, \"k\\u0041\":[ ] }"].concat();
        let m = members(&text).unwrap();
        let names: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["x", "d", "s", "e", "kA"]);
        assert_eq!(m[0].1, "1");
        assert_eq!(m[1].1, deep);
        assert_eq!(m[2].1, "\"a\\\"}\"");
        assert_eq!(m[3].1, "{}");
        assert_eq!(m[4].1, "[ ]");
        let v = read(&text).unwrap();
        assert_eq!(v["s"], "a\"}");
        assert_eq!((&v["x"], &v["kA"], &v["e"]), (&json!(1), &json!([]), &json!({})));
        assert_eq!(to_text(&v["d"]), deep, "the deep part is written back as it came");
        assert_eq!(members(" { } "), Some(Vec::new()));
        let m = members("{\"a\":[1, [2,[3]] ,\"]\"]}").unwrap();
        assert_eq!(m[0].1, "[1, [2,[3]] ,\"]\"]");
    }

    #[test]
    fn deep_arguments_are_carried_as_text_and_written_back() {
        for depth in [0, 15, 16, 17, 127, 200, 10_000] {
            // (Keys in order: a shallow part is a `Value`, whose map is sorted.)
            let deep = nest(depth, "{\"e\":\"é\\\"\\u0000\",\"s\":\"raw:x\"}");
            let args = ["[{\"data\":{\"a\":", &deep, ",\"b\":[1,{}]},\"email\":\"x@y\"}]"].concat();
            let v = parse_args(&args).expect("read");
            assert_eq!(v[0]["email"], "x@y", "{depth}");
            assert!(v[0]["data"].is_object());
            let body = to_text(&json!({"data": v[0]["data"].clone(), "n": 1}));
            assert_eq!(body, ["{\"data\":{\"a\":", &deep, ",\"b\":[1,{}]},\"n\":1}"].concat(), "{depth}");
        }
        // serde_json reads 127 levels: up to there a `Value` as before, deeper the rest as text.
        assert!(value(&nest(127, "")).is_some() && value(&nest(128, "")).is_none());
        assert_eq!(read(&nest(127, "")), value(&nest(127, "")));
        assert_eq!(to_text(&read(&nest(128, "1")).unwrap()), nest(128, "1"));
        // A caller's own string with the mark would be ambiguous.
        assert_eq!(parse_args(&["[\"\\u0000raw:1\",", &nest(200, ""), "]"].concat()), None);
        assert_eq!(parse_args("[{\"\\u0000raw:1\":1}]"), None);
        assert_eq!(parse_args("[\"\\u0000raw\",\"x\\u0000raw:\"]"), Some(json!(["\u{0}raw", "x\u{0}raw:"])));
        assert_eq!(parse_args(&nest(200, "")[1..]), None);
        // Marked text that is not JSON stays a string.
        assert_eq!(to_text(&json!(["\u{0}raw:{", "\u{0}raw: [1] "])), "[\"\\u0000raw:{\", [1] ]");
        assert_eq!(to_text(&read(&nest(300, "")).unwrap()), nest(300, ""));
    }

    #[test]
    fn anything_else_is_none() {
        for bad in ["", "[", "{", "{\"a\"}", "{\"a\":1,}", "[1]", "1", "\"x\"", "{\"a\":1}x", "{\"a\":\"\u{1}\"}"] {
            assert_eq!(members(bad), None, "{bad:?}");
        }
        assert!(!is_json(&nest(10_000, "")[1..]));
        assert!(!is_json(&[&nest(5_000, "1"), "]"].concat()));
        assert!(is_json(&nest(100_000, "")));
    }
}
