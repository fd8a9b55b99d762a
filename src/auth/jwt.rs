//! Reading a JWT's payload claims, without verifying it.
//!
//! The client never holds the signing secret, so like auth-js' `decodeJWT` this only decodes:
//! a compact JWS `header.payload.signature` whose payload is base64url (RFC 7515 §2: no padding;
//! padded input is accepted too, and so is the standard alphabet's `+` and `/`) of a UTF-8 JSON
//! object. The SDK we replace got this wrong (anchor-api.md A11): it replaced only the first `-`
//! and `_` and did no UTF-8 decoding, so CJK claims came out as mojibake. Nothing here may panic:
//! every function returns `None` for anything that is not such a token.

use crate::prelude::*;
use serde_json::{Map, Value};

use crate::encoding::base64;

/// The payload claims of `token`, or `None` unless it has exactly three `.`-separated parts and
/// the middle one is base64url of a JSON object. Surrounding whitespace is ignored; the header
/// and signature are not looked at. Parts nested deeper than `encoding::json::read` makes
/// `Value`s are carried as marked text. For `getClaims()` and the assurance level; the claims the
/// core itself reads ([`exp`], [`lifetime`], [`sub`], [`iss`]) are read without building this.
pub fn decode_claims(token: &str) -> Option<Map<String, Value>> {
    // GoTrue puts the user's `user_metadata` in the claims, which may nest deeper than a `Value`
    // can: read with `encoding::json::read`, which carries what lies deep as text.
    match crate::encoding::json::read(&payload(token)?)? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

/// The payload's text: base64url, padding optional, non-zero trailing bits tolerated (they carry
/// no data). Invalid UTF-8 is rejected, not replaced, so a claim is never silently altered.
fn payload(token: &str) -> Option<String> {
    let mut parts = token.trim().split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || payload.is_empty() {
        return None;
    }
    String::from_utf8(base64::decode_url(payload)?).ok()
}

/// The claim `key` of `token` as its JSON text (`None` when absent), from the payload's members
/// (`encoding::json::members`: the object is checked as `JSON.parse` takes it, as auth-js' decode
/// does, and split without being built). Every start reads three claims of the stored session's
/// token, so this keeps serde_json's object building (BTreeMap) off the start path, and its parser
/// too for plain integers and strings (bench/results/wasm-size-issue17.md).
fn claim(token: &str, key: &str) -> Option<String> {
    let text = payload(token)?;
    crate::encoding::json::last(&crate::encoding::json::members(&text)?, key).map(str::to_owned)
}

/// [`claim`] as an integer (see [`exp`]).
fn int(token: &str, key: &str) -> Option<i64> {
    crate::auth::session::number(&claim(token, key)?)
}

/// The `exp` claim (seconds since the epoch). Tolerant like the stored session's numbers: an
/// integer, a float (rounded) or an integer string; anything else is `None`.
pub fn exp(token: &str) -> Option<i64> {
    int(token, "exp")
}

/// How long the token was issued for, in seconds: `exp - iat` (the server's clock on both), if
/// the token has both claims.
pub fn lifetime(token: &str) -> Option<i64> {
    int(token, "exp")?.checked_sub(int(token, "iat")?)
}

/// The `sub` claim (the user id), if it is a non-empty string.
pub fn sub(token: &str) -> Option<String> {
    text_claim(token, "sub")
}

/// The `iss` claim (the issuing Auth server's URL), if it is a non-empty string.
pub fn iss(token: &str) -> Option<String> {
    text_claim(token, "iss")
}

fn text_claim(token: &str, key: &str) -> Option<String> {
    crate::encoding::json::string(&claim(token, key)?).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
    use ::base64::Engine as _;
    use alloc::format;
    use serde_json::json;

    const HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

    fn token_with(payload: &Value) -> String {
        format!("{HEADER}.{}.c2lnbmF0dXJl", URL_SAFE_NO_PAD.encode(payload.to_string()))
    }

    #[test]
    fn a_supabase_access_token_decodes() {
        let claims = json!({
            "aud": "authenticated", "exp": 1_700_003_600, "sub": "5c9e0d1e-8f3a-4b1c-9d2e-7a6b5c4d3e2f",
            "email": "", "role": "authenticated", "session_id": "b7f3", "aal": "aal1",
            "app_metadata": {"provider": "wechat_mini"}, "user_metadata": {}
        });
        let t = token_with(&claims);
        assert_eq!(decode_claims(&t).map(Value::Object), Some(claims));
        assert_eq!(exp(&t), Some(1_700_003_600));
        assert_eq!(sub(&t).as_deref(), Some("5c9e0d1e-8f3a-4b1c-9d2e-7a6b5c4d3e2f"));
    }

    #[test]
    fn cjk_and_emoji_claims_survive() {
        let claims =
            json!({"sub": "u", "user_metadata": {"nickname": "微信用户🐼", "city": "深圳", "bio": "こんにちは"}});
        let t = token_with(&claims);
        assert_eq!(decode_claims(&t).map(Value::Object), Some(claims));
    }

    #[test]
    fn payloads_with_several_dashes_and_underscores_decode() {
        // Bytes 0xfb/0xff encode to `-` and `_` in base64url: find a payload with several of each.
        let claims = json!({"sub": "u", "k": "\u{3ff}\u{3ff}\u{3ff}?>?>?>~~~~", "n": "ÿÿÿÿ>>>???"});
        let t = token_with(&claims);
        let payload = t.split('.').nth(1).unwrap();
        assert!(payload.matches('-').count() >= 2 && payload.matches('_').count() >= 2, "{payload}");
        assert_eq!(decode_claims(&t).map(Value::Object), Some(claims));
    }

    #[test]
    fn padded_and_standard_alphabet_payloads_are_accepted() {
        let claims = json!({"sub": "pad", "x": "ÿÿÿÿ>>>???", "exp": 1});
        for payload in [URL_SAFE.encode(claims.to_string()), STANDARD.encode(claims.to_string())] {
            assert!(payload.ends_with('=') || claims.to_string().len().is_multiple_of(3));
            let t = format!("{HEADER}.{payload}.sig");
            assert_eq!(decode_claims(&t).map(Value::Object), Some(claims.clone()), "{payload}");
        }
        // An unsecured JWT has an empty signature part.
        assert_eq!(sub(&format!("{HEADER}.{}.", URL_SAFE_NO_PAD.encode(r#"{"sub":"x"}"#))).as_deref(), Some("x"));
    }

    #[test]
    fn exp_is_tolerant_and_sub_must_be_a_string() {
        for (v, want) in [
            (json!(1_700_000_000), Some(1_700_000_000)),
            (json!(1_700_000_000.6), Some(1_700_000_001)),
            (json!("1700000000"), Some(1_700_000_000)),
            (json!(1e300), Some(i64::MAX)),
            (json!(u64::MAX), Some(i64::MAX)),
            (json!("soon"), None),
            (json!(null), None),
            (json!([1]), None),
        ] {
            assert_eq!(exp(&token_with(&json!({ "exp": v }))), want, "{v}");
        }
        assert_eq!(exp(&token_with(&json!({}))), None);
        assert_eq!(lifetime(&token_with(&json!({"iat": 1_700_000_000, "exp": 1_700_003_600}))), Some(3600));
        assert_eq!(lifetime(&token_with(&json!({"exp": 1_700_003_600}))), None);
        assert_eq!(lifetime(&token_with(&json!({"iat": i64::MIN, "exp": i64::MAX}))), None);
        assert_eq!(sub(&token_with(&json!({"sub": 42}))), None);
        assert_eq!(sub(&token_with(&json!({"sub": ""}))), None);
    }

    #[test]
    fn anything_else_is_none() {
        let ok = URL_SAFE_NO_PAD.encode(r#"{"a":1}"#);
        for t in [
            String::new(),
            ".".into(),
            "..".into(),
            "a.b".into(),
            "h..s".into(),
            format!("h.{ok}.s.extra"),
            format!("h.{ok}"),
            format!("h.{}.s", URL_SAFE_NO_PAD.encode("[1,2]")),
            format!("h.{}.s", URL_SAFE_NO_PAD.encode("\"str\"")),
            format!("h.{}.s", URL_SAFE_NO_PAD.encode("{\"a\":")),
            format!("h.{}.s", URL_SAFE_NO_PAD.encode(b"{\"a\":\"\xff\"}")),
            format!("h.{ok}!.s"),
            format!("h.{ok}====.s"),
            "h.=.s".into(),
            "h.a.s".into(),
            "h.%7B%7D.s".into(),
        ] {
            assert_eq!(decode_claims(&t), None, "{t}");
            assert_eq!(exp(&t), None);
            assert_eq!(sub(&t), None);
        }
        assert!(decode_claims(&format!("  h.{ok}.s\n")).is_some(), "surrounding whitespace is ignored");
    }

    #[test]
    fn the_claims_the_core_reads_are_read_as_json_parse_reads_the_payload() {
        // auth-js decodes with JSON.parse, which takes a lone surrogate escape and a number past
        // f64's range (Infinity); serde_json's Value refuses both. Neither is in a claim the core
        // reads, so `exp`, `iat`, `sub` and `iss` are still read, as auth-js reads them.
        for odd in [r#""\ud800""#, "1e400"] {
            let payload = format!(
                r#"{{"exp":1700003600,"iat":1700000000,"sub":"u","iss":"https://x.example/auth/v1","user_metadata":{{"n":{odd}}}}}"#
            );
            let t = format!("{HEADER}.{}.sig", URL_SAFE_NO_PAD.encode(&payload));
            assert_eq!(decode_claims(&t), None, "{payload}");
            assert_eq!(exp(&t), Some(1_700_003_600), "{payload}");
            assert_eq!(lifetime(&t), Some(3600), "{payload}");
            assert_eq!(sub(&t).as_deref(), Some("u"), "{payload}");
            assert_eq!(iss(&t).as_deref(), Some("https://x.example/auth/v1"), "{payload}");
        }
        // A repeated claim: the last one, as JSON.parse keeps it.
        let t = format!("{HEADER}.{}.sig", URL_SAFE_NO_PAD.encode(r#"{"exp":1,"sub":"a","exp":2,"sub":"b"}"#));
        assert_eq!((exp(&t), sub(&t).as_deref()), (Some(2), Some("b")));
        // iss as sub: a non-empty string or nothing.
        for bad in [json!({"iss": ""}), json!({"iss": 1}), json!({})] {
            assert_eq!(iss(&token_with(&bad)), None, "{bad}");
        }
    }
}
