//! `auth.mfa.*` in the core (src/auth/mfa.rs), on the virtual clock: the requests auth-js 2.x
//! sends (GoTrueClient.ts `_enroll`, `_challenge`, `_verify`, `_challengeAndVerify`, `_unenroll`,
//! `_listFactors`, `_getAuthenticatorAssuranceLevel`), what their replies resolve with, and the
//! verify reply going through the session guard (it continues the current line).

mod common;

use common::{jwt, token_body, Outputs, World, T0};
use serde_json::{json, Value};
use supabase_wechat::auth::calls::AuthMethod;
use supabase_wechat::{AuthEvent, Output};

fn body(r: &supabase_wechat::HttpRequest) -> Value {
    serde_json::from_str(r.body.as_deref().unwrap_or("null")).unwrap()
}

/// An aal2 token response for user `u-1`, with one verified TOTP factor.
fn aal2_body(n: u32) -> String {
    let token = jwt(json!({"sub": "u-1", "exp": 4_000_000_000i64, "aal": "aal2",
        "amr": [{"method": "totp", "timestamp": 2}, {"method": "password", "timestamp": 1}]}));
    let user = json!({"id": "u-1", "factors": [{"id": "f-1", "factor_type": "totp", "status": "verified"}]});
    token_body(n).tokens(&token, &format!("rt-{n}")).user(user).to_string()
}

#[test]
fn the_requests_are_auth_js_ones() {
    let mut w = World::signed_in(3600);
    let token = w.token();
    w.c.invoke("mfa.enroll", r#"[{"factorType":"totp","friendlyName":"app","issuer":"ex.com"}]"#, None, &[], T0);
    let r = w.drain().only_http().clone();
    assert_eq!((r.method, r.url.ends_with("/auth/v1/factors")), ("POST", true));
    assert_eq!(body(&r), json!({"friendly_name": "app", "factor_type": "totp", "issuer": "ex.com"}));
    assert_eq!(r.headers["Authorization"], format!("Bearer {token}"));

    w.c.invoke("mfa.enroll", r#"[{"factorType":"phone","phone":"+8613900000000"}]"#, None, &[], T0);
    assert_eq!(body(w.drain().only_http()), json!({"factor_type": "phone", "phone": "+8613900000000"}));

    w.c.invoke("mfa.challenge", r#"[{"factorId":"f-1","channel":"sms"}]"#, None, &[], T0);
    let r = w.drain().only_http().clone();
    assert!(r.url.ends_with("/auth/v1/factors/f-1/challenge"), "{}", r.url);
    assert_eq!(body(&r), json!({"factorId": "f-1", "channel": "sms"}), "auth-js sends the params as the body");

    w.c.invoke("mfa.verify", r#"[{"factorId":"f-1","challengeId":"c-1","code":"123456"}]"#, None, &[], T0);
    let r = w.drain().only_http().clone();
    assert!(r.url.ends_with("/auth/v1/factors/f-1/verify"));
    assert_eq!(body(&r), json!({"challenge_id": "c-1", "code": "123456"}));

    w.c.invoke("mfa.unenroll", r#"[{"factorId":"f/1"}]"#, None, &[], T0);
    let r = w.drain().only_http().clone();
    assert_eq!((r.method, r.url.ends_with("/auth/v1/factors/f%2F1")), ("DELETE", true), "{}", r.url);
    assert_eq!(r.body, None);

    w.c.invoke("mfa.listFactors", "[]", None, &[], T0);
    let r = w.drain().only_http().clone();
    assert_eq!((r.method, r.url.ends_with("/auth/v1/user")), ("GET", true));
}

#[test]
fn enroll_makes_the_totp_qr_code_a_data_url() {
    let mut w = World::signed_in(3600);
    let op = w.c.invoke("mfa.enroll", r#"[{"factorType":"totp"}]"#, None, &[], T0);
    let r = w.drain().only_http().clone();
    w.reply(
        r.id,
        200,
        r#"{"id":"f-1","type":"totp","friendly_name":"","totp":{"qr_code":"<svg/>","secret":"S","uri":"u"}}"#,
    );
    let d = w.drain().done(op).unwrap();
    assert_eq!(d["totp"]["qr_code"], "data:image/svg+xml;utf-8,<svg/>");
    assert_eq!(d["totp"]["secret"], "S");
}

#[test]
fn verify_saves_the_new_session_and_announces_mfa_challenge_verified() {
    let mut w = World::signed_in(3600);
    let op = w.c.invoke("mfa.verify", r#"[{"factorId":"f-1","challengeId":"c-1","code":"123456"}]"#, None, &[], T0);
    let r = w.drain().only_http().clone();
    w.reply(r.id, 200, &aal2_body(2));
    let outs = w.drain();
    assert_eq!(outs.events(), [AuthEvent::MfaChallengeVerified]);
    assert!(outs.iter().any(|o| matches!(o, Output::StorageSet { .. })));
    let d = outs.done(op).unwrap();
    assert_eq!(d["refresh_token"], "rt-2", "the token response itself, as auth-js resolves");
    assert!(d.get("session").is_none());
    assert_eq!(w.c.session().unwrap().refresh_token, "rt-2");
    // Local: the new token's levels and the user's verified factors.
    let op = w.c.invoke("mfa.getAuthenticatorAssuranceLevel", "[]", w.stored().as_deref(), &[], T0);
    let outs = w.drain();
    assert!(outs.http().is_empty(), "no request");
    let d = outs.done(op).unwrap();
    assert_eq!(d["currentLevel"], "aal2");
    assert_eq!(d["nextLevel"], "aal2");
    assert_eq!(d["currentAuthenticationMethods"][0]["method"], "totp");
}

#[test]
fn a_verify_overtaken_by_a_sign_out_or_sign_in_changes_nothing() {
    for overtake in ["signOut", "signIn"] {
        let mut w = World::signed_in(3600);
        let op = w.c.invoke("mfa.verify", r#"[{"factorId":"f-1","challengeId":"c-1","code":"1"}]"#, None, &[], T0);
        let verify = w.drain().only_http().clone();
        if overtake == "signOut" {
            w.c.invoke("signOut", r#"[{"scope":"local"}]"#, None, &[], T0);
            let out = w.drain().http().pop().unwrap();
            w.reply(out.id, 204, "");
        } else {
            w.c.sign_in_with_wechat(r#"{"code":"b"}"#, T0);
            let login = w.drain().http().pop().unwrap();
            let token = jwt(json!({"sub": "u-2", "exp": 4_000_000_000i64}));
            w.reply(login.id, 200, &token_body(3).tokens(&token, "rt-3").user(json!({"id": "u-2"})).to_string());
        }
        w.drain();
        let before = w.c.session().map(|s| s.refresh_token.clone());
        w.reply(verify.id, 200, &aal2_body(2));
        let outs = w.drain();
        assert!(outs.events().is_empty(), "{overtake}");
        assert!(!outs.iter().any(|o| matches!(o, Output::StorageSet { .. })), "{overtake}");
        assert_eq!(w.c.session().map(|s| s.refresh_token.clone()), before, "{overtake}");
        let (_, data, err) = outs.dones().into_iter().find(|d| d.0 == op).unwrap();
        assert_eq!(data, Value::Null);
        assert_eq!(err.unwrap().kind().name(), "AuthRefreshDiscardedError", "{overtake}");
    }
}

#[test]
fn challenge_and_verify_is_one_operation_of_two_requests() {
    let mut w = World::signed_in(3600);
    let op = w.c.invoke("mfa.challengeAndVerify", r#"[{"factorId":"f-1","code":"654321"}]"#, None, &[], T0);
    let ch = w.drain().only_http().clone();
    assert!(ch.url.ends_with("/factors/f-1/challenge"));
    assert_eq!(body(&ch), json!({"factorId": "f-1"}));
    w.reply(ch.id, 200, r#"{"id":"c-9","type":"totp","expires_at":1}"#);
    let outs = w.drain();
    assert!(outs.dones().is_empty());
    let v = outs.only_http().clone();
    assert!(v.url.ends_with("/factors/f-1/verify"));
    assert_eq!(body(&v), json!({"challenge_id": "c-9", "code": "654321"}));
    w.reply(v.id, 200, &aal2_body(2));
    assert_eq!(w.drain().done(op).unwrap()["refresh_token"], "rt-2");
    // A failed challenge ends it.
    let op = w.c.invoke("mfa.challengeAndVerify", r#"[{"factorId":"f-1","code":"1"}]"#, None, &[], T0);
    let ch = w.drain().only_http().clone();
    w.reply(ch.id, 404, r#"{"code":"mfa_factor_not_found","message":"Factor not found"}"#);
    let (_, data, err) = w.drain().dones().into_iter().find(|d| d.0 == op).unwrap();
    assert_eq!(data, Value::Null);
    assert_eq!(err.unwrap().code.as_deref(), Some("mfa_factor_not_found"));
}

#[test]
fn list_factors_groups_the_verified_ones_by_type() {
    let mut w = World::signed_in(3600);
    let op = w.c.invoke("mfa.listFactors", "[]", None, &[], T0);
    let r = w.drain().only_http().clone();
    w.reply(
        r.id,
        200,
        r#"{"id":"u-1","factors":[{"id":"a","factor_type":"totp","status":"verified"},{"id":"b","factor_type":"totp","status":"unverified"},{"id":"c","factor_type":"phone","status":"verified"},{"id":"d","factor_type":"future","status":"verified"}]}"#,
    );
    let d = w.drain().done(op).unwrap();
    let ids =
        |k: &str| d[k].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(ids("all"), ["a", "b", "c", "d"]);
    assert_eq!(ids("totp"), ["a"]);
    assert_eq!(ids("phone"), ["c"]);
    assert!(ids("webauthn").is_empty() && ids("recovery_code").is_empty());
}

#[test]
fn the_levels_without_a_session_and_of_a_given_jwt() {
    let mut w = World::new();
    let op = w.c.invoke("mfa.getAuthenticatorAssuranceLevel", "[]", None, &[], T0);
    assert_eq!(
        w.drain().done(op).unwrap(),
        json!({"currentLevel": null, "nextLevel": null, "currentAuthenticationMethods": []})
    );
    let given = jwt(
        json!({"sub": "u-1", "exp": 4_000_000_000i64, "aal": "aal1", "amr": [{"method": "password", "timestamp": 1}]}),
    );
    let op = w.c.invoke("mfa.getAuthenticatorAssuranceLevel", &json!([given]).to_string(), None, &[], T0);
    let r = w.drain().only_http().clone();
    assert_eq!(r.headers["Authorization"], format!("Bearer {given}"));
    w.reply(r.id, 200, r#"{"id":"u-1","factors":[{"id":"a","factor_type":"totp","status":"verified"}]}"#);
    let d = w.drain().done(op).unwrap();
    assert_eq!((d["currentLevel"].as_str(), d["nextLevel"].as_str()), (Some("aal1"), Some("aal2")));
}

#[test]
fn every_name_the_mfa_shim_invokes_is_a_core_method() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("js-shim/auth-mfa.js");
    let js = std::fs::read_to_string(path).unwrap();
    let start = js.find("const METHODS = [").unwrap();
    let block = &js[start..start + js[start..].find(']').unwrap()];
    let names: Vec<&str> = block.split('\'').skip(1).step_by(2).collect();
    assert_eq!(names.len(), 7, "{names:?}");
    for n in names {
        let m = AuthMethod::parse(&format!("mfa.{n}")).unwrap_or_else(|| panic!("mfa.{n} is not a core method"));
        assert_eq!(m.empty_data(), "null");
    }
}
