//! Every parser of outside data on the same input: none may panic, and the cheap invariants of
//! tests/fuzz.rs hold. With the top bit of the first byte set, the text is first nested deep
//! (objects, arrays or both, balanced or not; up to 65,535 levels), as another client may write
//! a user's metadata: nothing may recurse over it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::de::IgnoredAny;
use supabase_wechat::auth::error::{from_http, is_retryable_status};
use supabase_wechat::auth::redirect as callback;
use supabase_wechat::auth::session::Session;
use supabase_wechat::config::BaseUrl;
use supabase_wechat::encoding::json::{is_json, members};
use supabase_wechat::encoding::query::encode_query_value;
use supabase_wechat::{auth::jwt, ErrorKind};

/// `text` inside `depth` levels; `shape` picks the brackets and whether one closer is wrong,
/// missing or extra.
fn nest(text: &str, depth: usize, shape: u8) -> String {
    let object = |i: usize| match shape & 3 {
        0 => true,
        1 => false,
        _ => (i ^ usize::from(shape)) & 1 == 1,
    };
    let mut s = String::with_capacity(depth * 6 + text.len());
    for i in 0..depth {
        s.push_str(if object(i) { "{\"k\":" } else { "[0," });
    }
    s.push_str(text);
    for i in (0..depth).rev() {
        let wrong = shape & 4 != 0 && i == depth / 2;
        s.push(if object(i) != wrong { '}' } else { ']' });
    }
    if shape & 8 != 0 {
        s.pop();
    }
    s
}

fuzz_target!(|data: &[u8]| {
    // The first bytes are an HTTP status and a clock (and, for deep input, a depth and a shape);
    // the rest is the text.
    let (status, now, rest) = match data {
        [a, b, c, rest @ ..] => (u16::from_le_bytes([*a, *b]), f64::from(*c) * 1e10, rest),
        _ => (400, 1.7e12, data),
    };
    let text = String::from_utf8_lossy(rest);
    let text = match (data.first(), rest) {
        (Some(a), [d0, d1, shape, inner @ ..]) if a & 0x80 != 0 => {
            nest(&String::from_utf8_lossy(inner), usize::from(u16::from_le_bytes([*d0, *d1])), *shape)
        }
        _ => text.into_owned(),
    };
    let text = text.as_str();

    // The iterative check agrees with serde_json's (whose recursion stops at 128 levels).
    let valid = is_json(text);
    if text.len() < 128 {
        assert_eq!(valid, serde_json::from_str::<IgnoredAny>(text).is_ok());
    }
    if let Some(m) = members(text) {
        assert!(valid && m.iter().all(|(_, v)| is_json(v)));
    }
    if let Some(s) = Session::from_stored(text) {
        let stored = s.to_stored();
        let again = Session::from_stored(&stored).expect("a stored session reads back");
        assert_eq!(again.to_stored(), stored);
    }
    if let Some(s) = Session::from_token_response(text, now) {
        assert!(s.expires_in.is_some_and(|e| e > 0) && Session::from_stored(&s.to_stored()).is_some());
    }
    let e = from_http(status, text);
    assert_eq!(e.status, Some(status));
    assert_eq!(is_retryable_status(status), e.kind() == ErrorKind::AuthRetryableFetchError);
    if let Ok(b) = BaseUrl::parse(text) {
        assert!(!b.host.is_empty() && !b.url.ends_with('/'));
    }
    let enc = encode_query_value(text);
    assert!(enc.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
    if jwt::decode_claims(text).is_none() {
        assert!(jwt::exp(text).is_none() && jwt::sub(text).is_none());
    }
    let p = callback::parse(text);
    assert!(p.code.as_deref() != Some("") && p.access_token.as_deref() != Some(""));
});
