//! Every parser of outside data on the same input: none may panic, and the cheap invariants of
//! tests/fuzz.rs hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supabase_wechat::error::{from_http, is_retryable_status};
use supabase_wechat::session::Session;
use supabase_wechat::url::{encode_query_value, BaseUrl};
use supabase_wechat::{callback, jwt, ErrorKind};

fuzz_target!(|data: &[u8]| {
    // The first two bytes are an HTTP status and a clock; the rest is the text.
    let (status, now, rest) = match data {
        [a, b, c, rest @ ..] => (u16::from_le_bytes([*a, *b]), f64::from(*c) * 1e10, rest),
        _ => (400, 1.7e12, data),
    };
    let text = String::from_utf8_lossy(rest);
    let text = text.as_ref();

    if let Some(s) = Session::from_stored(text) {
        assert!(Session::from_stored(&s.to_stored()).is_some());
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
