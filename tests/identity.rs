//! Identities and the other ways in (src/auth/identity.rs), on the virtual clock: what each
//! method sends (as auth-js 2.119's GoTrueClient does) and what it resolves with.

mod common;

use common::{jwt, token_body, Outputs, World, T0};
use serde_json::{json, Value};
use supabase_wechat::{AuthEvent, ErrorKind};

fn body(w: &World) -> Value {
    serde_json::from_str(w.log.http().last().unwrap().body.as_deref().unwrap_or("null")).unwrap()
}

#[test]
fn sign_in_anonymously_posts_signup_with_data_and_signs_in() {
    let mut w = World::new();
    let op = w.c.invoke("signInAnonymously", r#"[{"options":{"data":{"n":1},"captchaToken":"cap"}}]"#, None, &[], T0);
    w.drain();
    let req = w.log.only_http().clone();
    assert_eq!((req.method, req.url.ends_with("/auth/v1/signup")), ("POST", true));
    assert_eq!(body(&w), json!({"data":{"n":1},"gotrue_meta_security":{"captcha_token":"cap"}}));
    w.reply(req.id, 200, &token_body(1).to_string());
    w.drain();
    assert!(w.log.done(op).unwrap()["session"]["access_token"].is_string());
    assert_eq!(w.log.events(), vec![AuthEvent::SignedIn]);
    // No argument: `data: {}` as auth-js' `?? {}`.
    let mut w = World::new();
    w.c.invoke("signInAnonymously", "[]", None, &[], T0);
    w.drain();
    assert_eq!(body(&w), json!({"data":{},"gotrue_meta_security":{}}));
}

#[test]
fn id_token_grant_for_sign_in_and_for_linking() {
    let mut w = World::new();
    w.c.invoke("signInWithIdToken", r#"[{"provider":"keycloak","token":"idt","nonce":"n"}]"#, None, &[], T0);
    w.drain();
    let req = w.log.only_http().clone();
    assert!(req.url.ends_with("/auth/v1/token?grant_type=id_token"));
    assert_eq!(req.headers["Authorization"], "Bearer anon-key");
    assert_eq!(body(&w), json!({"provider":"keycloak","id_token":"idt","nonce":"n","gotrue_meta_security":{}}));

    // linkIdentity({ provider, token }): the user's bearer, link_identity, USER_UPDATED.
    let mut w = World::signed_in(3600);
    let token = w.token();
    let op = w.c.invoke("linkIdentityIdToken", r#"[{"provider":"keycloak","token":"idt"}]"#, None, &[], T0);
    w.drain();
    let req = w.log.http().last().cloned().unwrap();
    assert_eq!(req.headers["Authorization"], format!("Bearer {token}"));
    assert_eq!(serde_json::from_str::<Value>(req.body.as_deref().unwrap()).unwrap()["link_identity"], true);
    w.reply(req.id, 200, &token_body(2).to_string());
    w.drain();
    assert!(w.log.done(op).unwrap()["session"].is_object());
    assert_eq!(w.log.events().last(), Some(&AuthEvent::UserUpdated));

    // Missing token: nothing sent.
    let mut w = World::new();
    let op = w.c.invoke("signInWithIdToken", r#"[{"provider":"keycloak"}]"#, None, &[], T0);
    w.drain();
    assert!(w.log.http().is_empty());
    assert_eq!(w.log.dones()[0].2.as_ref().unwrap().code.as_deref(), Some("validation_failed"));
    assert_eq!(w.log.done(op).unwrap(), json!({"user":null,"session":null}));
}

#[test]
fn link_identity_oauth_and_sso_store_a_pkce_verifier_and_resolve_with_the_url() {
    let random = [7u8; 48];
    let mut w = World::signed_in(3600);
    let op = w.c.invoke(
        "linkIdentity",
        r#"[{"provider":"wechat_qr","options":{"redirectTo":"https://a.example/cb","queryParams":{"x":"1"}}}]"#,
        None,
        &random,
        T0,
    );
    w.drain();
    let req = w.log.http().last().cloned().unwrap();
    assert_eq!(req.method, "GET");
    assert!(req.url.contains("/auth/v1/user/identities/authorize?provider=wechat_qr&redirect_to=https%3A%2F%2Fa.example%2Fcb&code_challenge="), "{}", req.url);
    assert!(req.url.ends_with("&code_challenge_method=s256&x=1&skip_http_redirect=true"), "{}", req.url);
    assert!(w.storage.contains_key(&format!("{}-code-verifier", w.c.storage_key())));
    w.reply(req.id, 200, r#"{"url":"https://open.weixin.qq.com/connect/qrconnect?state=s"}"#);
    w.drain();
    assert_eq!(
        w.log.done(op).unwrap(),
        json!({"provider":"wechat_qr","url":"https://open.weixin.qq.com/connect/qrconnect?state=s"})
    );

    let mut w = World::new();
    let op = w.c.invoke("signInWithSSO", r#"[{"domain":"corp.example"}]"#, None, &random, T0);
    w.drain();
    let b = body(&w);
    assert_eq!((b["domain"].as_str(), b["skip_http_redirect"].as_bool()), (Some("corp.example"), Some(true)));
    assert_eq!(b["code_challenge_method"], "s256");
    let id = w.log.http().last().unwrap().id;
    w.reply(id, 200, r#"{"url":"https://idp.example/sso"}"#);
    w.drain();
    assert_eq!(w.log.done(op).unwrap(), json!({"url":"https://idp.example/sso"}));
    // Neither providerId nor domain: refused before sending.
    let mut w = World::new();
    let op = w.c.invoke("signInWithSSO", "[{}]", None, &random, T0);
    w.drain();
    assert!(w.log.http().is_empty());
    assert_eq!(w.log.done(op).unwrap(), Value::Null);
}

#[test]
fn identities_unlink_and_their_failures() {
    let mut w = World::signed_in(3600);
    let op = w.c.invoke("getUserIdentities", "[]", None, &[], T0);
    w.drain();
    let req = w.log.http().last().cloned().unwrap();
    assert!(req.url.ends_with("/auth/v1/user"));
    w.reply(req.id, 200, r#"{"id":"u1","identities":[{"identity_id":"i1","provider":"email"}]}"#);
    w.drain();
    assert_eq!(w.log.done(op).unwrap(), json!({"identities":[{"identity_id":"i1","provider":"email"}]}));

    let op = w.c.invoke("unlinkIdentity", r#"[{"identity_id":"a b/c"}]"#, None, &[], T0);
    w.drain();
    let req = w.log.http().last().cloned().unwrap();
    assert_eq!(req.method, "DELETE");
    assert!(req.url.ends_with("/auth/v1/user/identities/a%20b%2Fc"), "{}", req.url);
    w.reply(
        req.id,
        422,
        r#"{"code":"single_identity_not_deletable","message":"User must have at least 1 identity after unlinking"}"#,
    );
    w.drain();
    let (_, data, err) = w.log.dones().into_iter().find(|d| d.0 == op).unwrap();
    assert_eq!(data, Value::Null);
    assert_eq!(err.unwrap().code.as_deref(), Some("single_identity_not_deletable"));

    // Signed out: no request, AuthSessionMissingError.
    let mut w = World::new();
    w.c.invoke("getUserIdentities", "[]", None, &[], T0);
    w.drain();
    assert!(w.log.http().is_empty());
    assert_eq!(w.log.dones()[0].2.as_ref().unwrap().kind(), ErrorKind::AuthSessionMissingError);
}

#[test]
fn get_claims_decodes_checks_exp_then_asks_the_server() {
    let exp = (T0 / 1000.0) as i64 + 600;
    let token = jwt(json!({"sub":"u1","exp":exp,"role":"authenticated"}));
    let mut w = World::new();
    let op = w.c.invoke("getClaims", &json!([token]).to_string(), None, &[], T0);
    w.drain();
    let req = w.log.only_http().clone();
    assert!(req.url.ends_with("/auth/v1/user"));
    assert_eq!(req.headers["Authorization"], format!("Bearer {token}"));
    w.reply(req.id, 200, r#"{"id":"u1"}"#);
    w.drain();
    let data = w.log.done(op).unwrap();
    assert_eq!(data["claims"]["sub"], "u1");
    assert_eq!(data["header"]["alg"], "HS256");
    assert!(data["signature"].as_array().unwrap().iter().all(Value::is_u64));

    // Expired, no exp, not a JWT: AuthInvalidJwtError, nothing sent; allowExpired skips the check.
    let expired = jwt(json!({"sub":"u1","exp":1000}));
    let no_exp = jwt(json!({"sub":"u1"}));
    for (t, message) in [(&expired, "JWT has expired"), (&no_exp, "Missing exp claim")] {
        let mut w = World::new();
        w.c.invoke("getClaims", &json!([t]).to_string(), None, &[], T0);
        w.drain();
        assert!(w.log.http().is_empty());
        let e = w.log.dones()[0].2.clone().unwrap();
        assert_eq!(
            (e.kind(), e.message.as_str(), e.status, e.code.as_deref()),
            (ErrorKind::AuthInvalidJwtError, message, Some(400), Some("invalid_jwt"))
        );
    }
    for bad in ["a.b", "a.b.c.d", "***.e30.x", ""] {
        let mut w = World::new();
        w.c.invoke("getClaims", &json!([bad]).to_string(), None, &[], T0);
        w.drain();
        assert!(w.log.http().is_empty(), "{bad}");
        assert_eq!(w.log.dones()[0].2.as_ref().unwrap().kind(), ErrorKind::AuthInvalidJwtError);
    }
    let mut w = World::new();
    w.c.invoke("getClaims", &json!([expired, {"allowExpired": true}]).to_string(), None, &[], T0);
    w.drain();
    assert_eq!(w.log.http().len(), 1);
}
