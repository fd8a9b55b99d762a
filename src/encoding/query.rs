//! Query-string encoding, and the `application/x-www-form-urlencoded` serializer and parser
//! (`URLSearchParams`).
//!
//! The SDK we replace sends query values unencoded (`&`, `#`, `%`, CJK go out raw). Here every
//! query value is percent-encoded with RFC 3986's unreserved set left as is, so whatever the
//! caller passes arrives at the server unchanged.

use crate::prelude::*;

/// Everything but `A-Z a-z 0-9 - _ . ~` is encoded.
pub fn encode_query_value(v: &str) -> String {
    super::percent::encode(v, super::percent::not_unreserved)
}

/// The `application/x-www-form-urlencoded` byte serializer (`URLSearchParams.toString()`).
pub fn form_encode(s: &str, out: &mut String) {
    for &b in s.as_bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(char::from(b)),
            b' ' => out.push('+'),
            _ => super::percent::push_escape(out, b),
        }
    }
}

/// `name=value` pairs joined with `&`.
pub fn serialize_form(params: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        form_encode(k, &mut out);
        out.push('=');
        form_encode(v, &mut out);
    }
    out
}

/// The `application/x-www-form-urlencoded` parser (`new URLSearchParams(query)`).
pub fn parse_form(query: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for pair in query.split('&') {
        if pair.is_empty() {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.push((super::percent::form_decode(k), super::percent::form_decode(v)));
    }
    out
}
