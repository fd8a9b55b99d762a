//! auth-js' `handleError` for weak passwords (lib/fetch.ts): a body with `weak_password.reasons`
//! (all strings, at least one) or the `weak_password` code alone is an `AuthWeakPasswordError`
//! with code `weak_password` and those `reasons` (`[]` when the body has none); the error's JSON
//! carries them to the shim's class.

use supabase_wechat::auth::error::from_http;
use supabase_wechat::ErrorKind;

#[test]
fn weak_password_bodies_are_auth_weak_password_errors_with_their_reasons() {
    // GoTrue's shape A plus weak_password (internal/api/errors.go WeakPasswordError).
    let a = r#"{"code":422,"error_code":"weak_password","msg":"Password should be at least 6 characters.","weak_password":{"reasons":["length"]}}"#;
    let e = from_http(422, a);
    assert_eq!(e.kind(), ErrorKind::AuthWeakPasswordError);
    assert_eq!(e.code.as_deref(), Some("weak_password"));
    assert_eq!(e.status, Some(422));
    assert_eq!(e.message, "Password should be at least 6 characters.");
    assert_eq!(e.reasons, Some(vec!["length".to_owned()]));
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["reasons"], serde_json::json!(["length"]));
    assert_eq!(json["name"], "AuthWeakPasswordError");

    // Shape B, the code only: no reasons.
    let b = from_http(422, r#"{"code":"weak_password","message":"weak"}"#);
    assert_eq!(b.kind(), ErrorKind::AuthWeakPasswordError);
    assert_eq!(b.reasons, Some(Vec::new()));

    // Reasons that are not all strings do not count; another code stays an AuthApiError.
    let c = from_http(422, r#"{"code":"validation_failed","message":"x","weak_password":{"reasons":[1]}}"#);
    assert_eq!(c.kind(), ErrorKind::AuthApiError);
    assert_eq!(c.reasons, None);
    assert_eq!(serde_json::to_value(&c).unwrap()["reasons"], serde_json::Value::Null);
}
