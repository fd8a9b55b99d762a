//! The session and refresh policy, as a table of scenarios on a virtual clock.
//!
//! Each scenario drives the sans-IO core the way the shim does: operations go in with `now_ms`,
//! outputs come out, the scripted server answers, timers fire when `poll_timeout` says.

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::drain_ack as drain;
use serde_json::{json, Value};
use supabase_wechat::{AuthEvent, Client, ErrorKind, HttpRequest, Output, Session};

const URL: &str = "https://abcdefghij.baseapi.memfiredb.com";
const KEY: &str = "anon-key";
const T0: f64 = 1_700_000_000_000.0;
const KEY_NAME: &str = "sb-abcdefghij-auth-token";

fn jwt(claims: Value) -> String {
    format!("eyJhbGciOiJIUzI1NiJ9.{}.sig", URL_SAFE_NO_PAD.encode(claims.to_string()))
}

fn token_body(n: u32, expires_in: i64, iss_host: &str) -> String {
    json!({
        "access_token": jwt(json!({"sub": "u-1", "iss": format!("https://{iss_host}/auth/v1"), "exp": 1, "n": n})),
        "token_type": "bearer", "expires_in": expires_in, "refresh_token": format!("rt-{n}"),
        "user": {"id": "u-1", "phone": "", "wechat_id": "o_1"}
    })
    .to_string()
}

/// A client holding session `n` that expires `expires_in_s` after `now`, as if restored from storage.
fn client_with_session(now: f64, expires_in_s: i64, options: Value) -> (Client, String) {
    let mut c = Client::new(URL, KEY, &options.to_string());
    let s =
        Session::from_token_response(&token_body(1, expires_in_s, "abcdefghij.baseapi.memfiredb.com"), now).unwrap();
    let stored = s.to_stored();
    c.restore(Some(&stored), now);
    assert!(c.poll().is_none());
    (c, stored)
}

fn https(outs: &[Output]) -> Vec<HttpRequest> {
    outs.iter().filter_map(|o| if let Output::Http(r) = o { Some(r.clone()) } else { None }).collect()
}

fn refreshes(outs: &[Output]) -> Vec<HttpRequest> {
    https(outs).into_iter().filter(|r| r.url.ends_with("/token?grant_type=refresh_token")).collect()
}

fn dones(outs: &[Output]) -> Vec<(u32, Value, Option<supabase_wechat::AuthError>)> {
    outs.iter()
        .filter_map(|o| {
            if let Output::Done { op, data, error } = o {
                Some((*op, data.value(), error.clone()))
            } else {
                None
            }
        })
        .collect()
}

fn events(outs: &[Output]) -> Vec<AuthEvent> {
    outs.iter().filter_map(|o| if let Output::Event { event, .. } = o { Some(*event) } else { None }).collect()
}

#[test]
fn a_fresh_session_is_handed_out_without_a_request() {
    let (mut c, stored) = client_with_session(T0, 3600, json!({}));
    let op = c.get_session(Some(&stored), T0);
    let outs = drain(&mut c);
    assert!(https(&outs).is_empty());
    assert_eq!(dones(&outs)[0].0, op);
    assert_eq!(dones(&outs)[0].1["session"]["refresh_token"], "rt-1");
}

#[test]
fn a_session_about_to_expire_is_refreshed_once_for_all_callers() {
    let (mut c, stored) = client_with_session(T0, 60, json!({}));
    let ops: Vec<u32> = (0..100).map(|_| c.get_session(Some(&stored), T0)).collect();
    let outs = drain(&mut c);
    let reqs = refreshes(&outs);
    assert_eq!(reqs.len(), 1, "exactly one refresh in flight");
    assert_eq!(
        serde_json::from_str::<Value>(reqs[0].body.as_deref().unwrap()).unwrap(),
        json!({"refresh_token": "rt-1"})
    );
    assert!(dones(&outs).is_empty(), "everyone waits");
    c.handle_response(reqs[0].id, 200, &token_body(2, 3600, "abcdefghij.baseapi.memfiredb.com"), T0 + 80.0);
    let outs = drain(&mut c);
    assert_eq!(events(&outs), [AuthEvent::TokenRefreshed]);
    assert!(matches!(&outs[0], Output::StorageSet { key, .. } if key == KEY_NAME));
    let done = dones(&outs);
    assert_eq!(done.iter().map(|d| d.0).collect::<Vec<_>>(), ops);
    assert!(done.iter().all(|d| d.1["session"]["refresh_token"] == "rt-2" && d.2.is_none()));
}

#[test]
fn user_calls_wait_for_the_refresh_and_use_the_new_token() {
    let (mut c, _) = client_with_session(T0, 30, json!({}));
    for _ in 0..5 {
        c.invoke("getUser", "[]", None, &[], T0);
    }
    let outs = drain(&mut c);
    assert_eq!(https(&outs).len(), 1);
    let r = &refreshes(&outs)[0];
    let body = token_body(2, 3600, "abcdefghij.baseapi.memfiredb.com");
    let new_token = serde_json::from_str::<Value>(&body).unwrap()["access_token"].as_str().unwrap().to_owned();
    c.handle_response(r.id, 200, &body, T0);
    let outs = drain(&mut c);
    let users: Vec<HttpRequest> = https(&outs).into_iter().filter(|r| r.url.ends_with("/auth/v1/user")).collect();
    assert_eq!(users.len(), 5);
    assert!(users.iter().all(|u| u.headers["Authorization"] == format!("Bearer {new_token}")));
}

/// Network failures and gateway statuses: retried with backoff 200 ms × 2ⁿ inside 30 s; the
/// session stays; callers get it while the access token is still valid.
#[test]
fn transient_failures_are_retried_with_backoff_and_never_sign_out() {
    for fail in ["transport", "500", "502", "503", "504", "520", "530"] {
        let (mut c, stored) = client_with_session(T0, 60, json!({}));
        c.get_session(Some(&stored), T0);
        let mut now = T0;
        let mut delays = Vec::new();
        let mut outs = drain(&mut c);
        while let Some(r) = refreshes(&outs).pop() {
            match fail {
                "transport" => c.handle_transport_error(r.id, "request:fail timeout", now),
                s => c.handle_response(r.id, s.parse().unwrap(), "<html>bad gateway</html>", now),
            }
            outs = drain(&mut c);
            if !dones(&outs).is_empty() {
                break;
            }
            let at = c.poll_timeout().expect("a retry is scheduled");
            delays.push(at - now);
            now = at;
            c.handle_timeout(now);
            outs.extend(drain(&mut c));
        }
        assert_eq!(delays[..6], [200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0], "{fail}");
        assert!(now - T0 < 30_000.0, "{fail}: retries stay within the budget");
        assert!(!events(&outs).contains(&AuthEvent::SignedOut), "{fail}");
        let done = dones(&outs);
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].1["session"]["refresh_token"], "rt-1", "{fail}: the still-valid session is handed out");
        assert!(c.session().is_some(), "{fail}");
    }
}

#[test]
fn after_the_access_token_expired_a_failed_refresh_reports_an_error_but_keeps_the_session() {
    let (mut c, stored) = client_with_session(T0, 1, json!({}));
    let later = T0 + 10_000.0;
    c.get_session(Some(&stored), later);
    let mut now = later;
    let mut outs = drain(&mut c);
    while let Some(r) = refreshes(&outs).pop() {
        c.handle_transport_error(r.id, "request:fail", now);
        outs = drain(&mut c);
        if let Some(at) = c.poll_timeout().filter(|_| dones(&outs).is_empty()) {
            now = at;
            c.handle_timeout(now);
            outs.extend(drain(&mut c));
        }
    }
    let done = dones(&outs);
    assert_eq!(done[0].1["session"], Value::Null);
    assert_eq!(done[0].2.as_ref().unwrap().kind(), ErrorKind::AuthRetryableFetchError);
    assert!(c.session().is_some(), "kept: the next tick or call retries");
    assert!(!outs.iter().any(|o| matches!(o, Output::StorageRemove { .. })));
}

#[test]
fn rate_limits_conflicts_and_other_errors_never_wipe_the_session() {
    let cases = [
        (429, r#"{"code":"over_request_rate_limit","message":"slow down"}"#),
        (409, r#"{"code":"conflict","message":"Too many concurrent token refresh requests"}"#),
        (400, r#"{"code":"validation_failed","message":"Refresh token is not valid"}"#),
        (401, r#"{"message":"Invalid API key"}"#),
        (403, "<html>forbidden</html>"),
    ];
    for (status, body) in cases {
        let (mut c, stored) = client_with_session(T0, 60, json!({}));
        c.get_session(Some(&stored), T0);
        let r = refreshes(&drain(&mut c)).pop().unwrap();
        c.handle_response(r.id, status, body, T0);
        let outs = drain(&mut c);
        assert!(
            refreshes(&outs).is_empty() && c.poll_timeout().is_none_or(|t| t >= T0 + 30_000.0),
            "{status}: no burst retry"
        );
        assert!(!events(&outs).contains(&AuthEvent::SignedOut), "{status}");
        assert_eq!(c.session().unwrap().refresh_token, "rt-1", "{status}");
        assert_eq!(dones(&outs)[0].1["session"]["refresh_token"], "rt-1", "{status}: still valid, still handed out");
    }
}

#[test]
fn only_definitive_answers_sign_out() {
    let cases = [
        r#"{"code":"refresh_token_not_found","message":"Invalid Refresh Token: Refresh Token Not Found"}"#,
        r#"{"code":400,"error_code":"refresh_token_already_used","msg":"Invalid Refresh Token: Already Used"}"#,
        r#"{"code":"session_not_found","message":"Session not found"}"#,
        r#"{"code":"session_expired","message":"Invalid Refresh Token: Session Expired"}"#,
        r#"{"error":"invalid_grant","error_description":"Invalid Refresh Token: Already Used"}"#,
    ];
    for body in cases {
        let (mut c, stored) = client_with_session(T0, 60, json!({}));
        c.get_session(Some(&stored), T0);
        let r = refreshes(&drain(&mut c)).pop().unwrap();
        c.handle_response(r.id, 400, body, T0);
        let outs = drain(&mut c);
        assert_eq!(events(&outs), [AuthEvent::SignedOut], "{body}");
        assert!(outs.iter().any(|o| matches!(o, Output::StorageRemove { key } if key == KEY_NAME)), "{body}");
        assert!(c.session().is_none());
        let done = dones(&outs);
        assert_eq!(done[0].1["session"], Value::Null);
        assert!(done[0].2.is_some());
        let log: Vec<String> = outs
            .iter()
            .filter_map(|o| if let Output::Log { message, .. } = o { Some(message.clone()) } else { None })
            .collect();
        assert!(log.iter().all(|m| !m.contains("rt-1")), "no token in the log: {log:?}");
    }
}

#[test]
fn a_definitive_failure_for_an_old_token_does_not_sign_out_a_newer_session() {
    let (mut c, stored) = client_with_session(T0, 60, json!({}));
    c.get_session(Some(&stored), T0);
    let r = refreshes(&drain(&mut c)).pop().unwrap();
    // Meanwhile the user signs in again (a new session with another refresh token).
    c.sign_in_with_wechat(r#"{"code":"x"}"#, T0);
    let login = https(&drain(&mut c)).pop().unwrap();
    c.handle_response(login.id, 200, &token_body(7, 3600, "abcdefghij.baseapi.memfiredb.com"), T0);
    drain(&mut c);
    c.handle_response(r.id, 400, r#"{"code":"refresh_token_already_used","message":"used"}"#, T0);
    let outs = drain(&mut c);
    assert!(!events(&outs).contains(&AuthEvent::SignedOut));
    assert_eq!(c.session().unwrap().refresh_token, "rt-7");
}

#[test]
fn the_tick_refreshes_ahead_of_expiry_and_follows_app_show_and_hide() {
    let (mut c, _) = client_with_session(T0, 200, json!({}));
    c.start_auto_refresh(false, T0);
    assert!(refreshes(&drain(&mut c)).is_empty(), "200 s left: not yet");
    assert_eq!(c.poll_timeout(), Some(T0 + 30_000.0));
    let mut fired_at = None;
    for _ in 0..10 {
        let now = c.poll_timeout().unwrap();
        c.handle_timeout(now);
        if !refreshes(&drain(&mut c)).is_empty() {
            fired_at = Some(now);
            break;
        }
    }
    // floor((expires - now) / 30 s) <= 3: at T0 + 90 s (110 s left).
    assert_eq!(fired_at, Some(T0 + 90_000.0));
    // Hidden: no tick (the refresh in flight may still finish).
    c.stop_auto_refresh();
    assert_eq!(c.poll_timeout(), None);
    // Shown again: an immediate check.
    let (mut c, _) = client_with_session(T0, 60, json!({}));
    c.stop_auto_refresh();
    c.start_auto_refresh(false, T0 + 5_000.0);
    assert_eq!(refreshes(&drain(&mut c)).len(), 1, "the show handler checks at once");
    // autoRefreshToken: false: no tick unless started explicitly.
    let (mut c, _) = client_with_session(T0, 60, json!({"auth": {"autoRefreshToken": false}}));
    c.start_auto_refresh(false, T0);
    assert!(drain(&mut c).is_empty() && c.poll_timeout().is_none());
    c.start_auto_refresh(true, T0);
    assert_eq!(refreshes(&drain(&mut c)).len(), 1);
}

#[test]
fn expiry_follows_the_local_clock_not_the_servers() {
    // The device clock is 2 hours ahead of the server: the server's expires_at (its own clock)
    // would make every fresh session look expired and refresh in a loop.
    let device_now = T0 + 7_200_000.0;
    let mut c = Client::new(URL, KEY, "{}");
    c.sign_in_with_wechat(r#"{"code":"x"}"#, device_now);
    let r = https(&drain(&mut c)).pop().unwrap();
    let mut body: Value = serde_json::from_str(&token_body(1, 3600, "abcdefghij.baseapi.memfiredb.com")).unwrap();
    body["expires_at"] = json!((T0 / 1000.0) as i64 + 3600);
    c.handle_response(r.id, 200, &body.to_string(), device_now);
    drain(&mut c);
    let stored = c.session().unwrap().to_stored();
    c.get_session(Some(&stored), device_now + 60_000.0);
    assert!(refreshes(&drain(&mut c)).is_empty(), "no refresh storm");
    c.start_auto_refresh(false, device_now + 60_000.0);
    assert!(refreshes(&drain(&mut c)).is_empty());
}

#[test]
fn corrupt_oversized_foreign_and_other_format_sessions_are_none() {
    let foreign = Session::from_token_response(&token_body(1, 3600, "otherproject.baseapi.memfiredb.com"), T0)
        .unwrap()
        .to_stored();
    let big = Session::from_token_response(&token_body(1, 3600, "abcdefghij.baseapi.memfiredb.com"), T0).unwrap();
    let mut big_v: Value = serde_json::from_str(&big.to_stored()).unwrap();
    big_v["user"]["user_metadata"] = json!({ "blob": "x".repeat(1_100_000) });
    let cases = [
        foreign,
        big_v.to_string(),
        r#"{"currentSession":{"access_token":"a"},"expiresAt":1}"#.to_owned(), // supabase-js v1
        "\u{0}\u{1}garbage".to_owned(),
    ];
    for raw in cases {
        let mut c = Client::new(URL, KEY, "{}");
        c.get_session(Some(&raw), T0);
        let outs = drain(&mut c);
        assert!(outs.iter().any(|o| matches!(o, Output::StorageRemove { .. })), "{}", &raw[..raw.len().min(60)]);
        assert_eq!(dones(&outs)[0].1["session"], Value::Null);
        assert!(https(&outs).is_empty());
    }
}

#[test]
fn sign_out_clears_the_session_even_when_the_server_cannot_be_reached() {
    for (status, body) in [(0, ""), (204, ""), (401, r#"{"message":"x"}"#), (404, "{}"), (500, "")] {
        let (mut c, _) = client_with_session(T0, 3600, json!({}));
        c.sign_out("{}", T0);
        let r = https(&drain(&mut c)).pop().unwrap();
        assert!(r.url.ends_with("/logout?scope=global"));
        assert!(r.headers["Authorization"].as_str().unwrap().starts_with("Bearer eyJ"));
        if status == 0 {
            c.handle_transport_error(r.id, "request:fail", T0);
        } else {
            c.handle_response(r.id, status, body, T0);
        }
        let outs = drain(&mut c);
        assert_eq!(events(&outs), [AuthEvent::SignedOut], "{status}");
        assert!(c.session().is_none());
        let done = dones(&outs);
        assert_eq!(done[0].2.is_some(), matches!(status, 0 | 500), "{status}: real failures are still reported");
    }
    // scope: others keeps the local session.
    let (mut c, _) = client_with_session(T0, 3600, json!({}));
    c.sign_out(r#"{"scope":"others"}"#, T0);
    let r = https(&drain(&mut c)).pop().unwrap();
    c.handle_response(r.id, 204, "", T0);
    assert!(events(&drain(&mut c)).is_empty());
    assert!(c.session().is_some());
}

#[test]
fn set_session_adopts_valid_tokens_and_refreshes_expired_ones() {
    let mut c = Client::new(URL, KEY, "{}");
    let access = jwt(json!({"sub": "u-9", "exp": (T0 / 1000.0) as i64 + 600}));
    c.set_session(&json!({"access_token": access, "refresh_token": "rt-9"}).to_string(), T0);
    let r = https(&drain(&mut c)).pop().unwrap();
    assert!(r.url.ends_with("/auth/v1/user"));
    assert_eq!(r.headers["Authorization"], format!("Bearer {access}"));
    c.handle_response(r.id, 200, r#"{"id":"u-9","phone":""}"#, T0);
    let outs = drain(&mut c);
    assert_eq!(events(&outs), [AuthEvent::SignedIn]);
    let s = c.session().unwrap();
    assert_eq!(
        (s.expires_at, s.expires_in, s.refresh_token.as_str()),
        (Some((T0 / 1000.0) as i64 + 600), Some(600), "rt-9")
    );

    let expired = jwt(json!({"sub": "u-9", "exp": (T0 / 1000.0) as i64 - 10}));
    c.set_session(&json!({"access_token": expired, "refresh_token": "rt-10"}).to_string(), T0);
    let r = refreshes(&drain(&mut c)).pop().expect("an expired access token is refreshed");
    assert_eq!(serde_json::from_str::<Value>(r.body.as_deref().unwrap()).unwrap()["refresh_token"], "rt-10");
}

#[test]
fn oauth_with_pkce_stores_the_verifier_and_exchange_uses_it() {
    let mut c = Client::new(URL, KEY, "{}");
    let random: Vec<u8> = (0..48).collect();
    c.invoke(
        "signInWithOAuth",
        r#"[{"provider":"wechat_qr","options":{"redirectTo":"https://app.example.com/cb?x=1&y=2"}}]"#,
        None,
        &random,
        T0,
    );
    let outs = drain(&mut c);
    let (key, value) = outs
        .iter()
        .find_map(|o| if let Output::StorageSet { key, value } = o { Some((key.clone(), value.clone())) } else { None })
        .unwrap();
    assert_eq!(key, format!("{KEY_NAME}-code-verifier"));
    let verifier: String = serde_json::from_str(&value).unwrap();
    assert!(verifier.len() >= 43 && verifier.len() <= 128);
    let data = &dones(&outs)[0].1;
    let url = data["url"].as_str().unwrap();
    assert_eq!(data["provider"], "wechat_qr");
    assert!(url.starts_with(&format!(
        "{URL}/auth/v1/authorize?provider=wechat_qr&redirect_to=https%3A%2F%2Fapp.example.com%2Fcb%3Fx%3D1%26y%3D2"
    )));
    assert!(url.contains(&format!(
        "&code_challenge={}&code_challenge_method=s256",
        supabase_wechat::auth::pkce::challenge_s256(&verifier)
    )));
    assert!(c.session().is_none() && !outs.iter().any(|o| matches!(o, Output::StorageRemove { .. })));

    c.invoke("exchangeCodeForSession", r#"["auth-code-1"]"#, Some(&value), &[], T0);
    let r = https(&drain(&mut c)).pop().unwrap();
    assert!(r.url.ends_with("/token?grant_type=pkce"));
    assert_eq!(
        serde_json::from_str::<Value>(r.body.as_deref().unwrap()).unwrap(),
        json!({"auth_code": "auth-code-1", "code_verifier": verifier})
    );
    c.handle_response(r.id, 200, &token_body(3, 3600, "abcdefghij.baseapi.memfiredb.com"), T0);
    let outs = drain(&mut c);
    assert!(outs.iter().any(|o| matches!(o, Output::StorageRemove { key } if key.ends_with("-code-verifier"))));
    assert_eq!(events(&outs), [AuthEvent::SignedIn]);

    // Without a stored verifier: a clear error, no request.
    c.invoke("exchangeCodeForSession", r#"["auth-code-2"]"#, None, &[], T0);
    let outs = drain(&mut c);
    assert!(https(&outs).is_empty());
    assert_eq!(dones(&outs)[0].2.as_ref().unwrap().kind(), ErrorKind::AuthPKCEGrantCodeExchangeError);
}

#[test]
fn every_method_builds_the_request_of_the_sdk_we_replace() {
    let cases: [(&str, &str, &str, &str); 12] = [
        ("wechatBindPhone", r#"[{"code":"p&1"}]"#, "GET", "/wechat_mini/bind_phone?code=p%261"),
        ("wechatBindAccount", r#"[{"code":"a#1"}]"#, "GET", "/wechat_mini/bind_account?code=a%231"),
        (
            "getUnlimitedQRCode",
            r#"[{"scene":"id=1","page":"pages/index/index"}]"#,
            "POST",
            "/wechat_mini/unlimited_qrcode",
        ),
        ("signUp", r#"[{"phone":"13800138000","password":"secret-1"}]"#, "POST", "/signup"),
        ("signInWithPassword", r#"[{"email":"a@b.c","password":"p"}]"#, "POST", "/token?grant_type=password"),
        ("signInWithOtp", r#"[{"phone":"13800138000"}]"#, "POST", "/otp"),
        ("verifyOtp", r#"[{"phone":"13800138000","token":"123456","type":"sms"}]"#, "POST", "/verify"),
        ("resend", r#"[{"type":"sms","phone":"13800138000"}]"#, "POST", "/resend"),
        (
            "resetPasswordForEmail",
            r#"["a@b.c",{"redirectTo":"https://x/#/reset"}]"#,
            "POST",
            "/recover?redirect_to=https%3A%2F%2Fx%2F%23%2Freset",
        ),
        ("updateUser", r#"[{"data":{"nickname":"卢卡饶"}}]"#, "PUT", "/user"),
        ("reauthenticate", "[]", "GET", "/reauthenticate"),
        ("getUser", "[]", "GET", "/user"),
    ];
    for (method, args, verb, path) in cases {
        let (mut c, _) = client_with_session(T0, 3600, json!({}));
        c.invoke(method, args, None, &[], T0);
        let outs = drain(&mut c);
        let r = https(&outs).pop().unwrap_or_else(|| panic!("{method}: {outs:?}"));
        assert_eq!((r.method, r.url.as_str()), (verb, format!("{URL}/auth/v1{path}").as_str()), "{method}");
        let user_bearer =
            matches!(method, "wechatBindPhone" | "wechatBindAccount" | "updateUser" | "reauthenticate" | "getUser");
        assert_eq!(r.headers["Authorization"] != format!("Bearer {KEY}"), user_bearer, "{method}: bearer");
        assert_eq!(r.headers["apikey"], KEY);
    }
}

#[test]
fn verify_otp_of_type_recovery_emits_password_recovery() {
    for (kind, event) in [("recovery", AuthEvent::PasswordRecovery), ("sms", AuthEvent::SignedIn)] {
        let mut c = Client::new(URL, KEY, "{}");
        let args = json!([{ "email": "a@b.c", "token": "123456", "type": kind }]).to_string();
        c.invoke("verifyOtp", &args, None, &[], T0);
        let r = https(&drain(&mut c)).pop().unwrap();
        c.handle_response(r.id, 200, &token_body(1, 3600, "abcdefghij.baseapi.memfiredb.com"), T0);
        assert_eq!(events(&drain(&mut c)), [event], "{kind}");
    }
}

/// With an async store, acknowledgements arrive after newer writes were queued: storage then holds
/// the acknowledged value, and `getSession` must not mistake it for a change made elsewhere.
#[test]
fn late_acknowledgements_of_an_async_store_do_not_roll_the_session_back() {
    let mut c = Client::new(URL, KEY, "{}");
    c.sign_in_with_wechat(r#"{"code":"x"}"#, T0);
    let login = https(&std::iter::from_fn(|| c.poll()).collect::<Vec<_>>()).pop().unwrap();
    c.handle_response(login.id, 200, &token_body(1, 3600, "abcdefghij.baseapi.memfiredb.com"), T0);
    let first: Vec<Output> = std::iter::from_fn(|| c.poll()).collect(); // write 1 pending
    let Some(Output::StorageSet { value: v1, .. }) = first.first().cloned() else { panic!("{first:?}") };
    c.invoke("updateUser", r#"[{"data":{"a":1}}]"#, None, &[], T0);
    let put = https(&std::iter::from_fn(|| c.poll()).collect::<Vec<_>>()).pop().unwrap();
    c.handle_response(put.id, 200, r#"{"id":"u-1","user_metadata":{"a":1}}"#, T0);
    let second: Vec<Output> = std::iter::from_fn(|| c.poll()).collect(); // write 2 pending
    assert!(matches!(second[0], Output::StorageSet { .. }));
    c.handle_storage_result(None); // write 1 landed; write 2 still in flight
    c.get_session(Some(&v1), T0);
    let outs: Vec<Output> = std::iter::from_fn(|| c.poll()).collect();
    assert_eq!(dones(&outs)[0].1["session"]["user"]["user_metadata"]["a"], 1, "the newer in-memory session stays");
    assert!(!outs.iter().any(|o| matches!(o, Output::StorageRemove { .. })));
}

#[test]
fn session_from_url_reads_the_redirect_the_browser_came_back_with() {
    let verifier = serde_json::to_string(&"v".repeat(43)).unwrap();
    let mut c = Client::new(URL, KEY, "{}");
    // Not a redirect (an app's own `code` without a stored verifier): null data, no request.
    c.invoke("sessionFromUrl", r#"["https://app.example/p?code=x"]"#, None, &[], T0);
    let outs = drain(&mut c);
    assert!(https(&outs).is_empty());
    assert_eq!(dones(&outs)[0].1, Value::Null);
    assert!(dones(&outs)[0].2.is_none());

    // PKCE: the code is exchanged with the stored verifier.
    c.invoke("sessionFromUrl", r#"["https://app.example/p?tab=1&code=ac-1#top"]"#, Some(&verifier), &[], T0);
    let r = https(&drain(&mut c)).pop().unwrap();
    assert!(r.url.ends_with("/token?grant_type=pkce"));
    assert_eq!(serde_json::from_str::<Value>(r.body.as_deref().unwrap()).unwrap()["auth_code"], "ac-1");

    // ?error=: the redirect's error, the verifier removed, no request.
    let mut c = Client::new(URL, KEY, "{}");
    c.invoke(
        "sessionFromUrl",
        r#"["https://app.example/p?error=access_denied&error_description=denied+by+user"]"#,
        Some(&verifier),
        &[],
        T0,
    );
    let outs = drain(&mut c);
    assert!(https(&outs).is_empty());
    let e = dones(&outs)[0].2.clone().unwrap();
    assert_eq!((e.kind(), e.message.as_str()), (ErrorKind::AuthPKCEGrantCodeExchangeError, "denied by user"));
    assert!(outs.iter().any(|o| matches!(o, Output::StorageRemove { key } if key.ends_with("-code-verifier"))));

    // Implicit: the fragment's tokens are checked with GET /user and adopted.
    let mut c = Client::new(URL, KEY, r#"{"auth":{"flowType":"implicit"}}"#);
    let access = jwt(json!({ "sub": "u1", "exp": (T0 / 1000.0) as i64 + 3600 }));
    let url = format!("https://app.example/p#access_token={access}&expires_in=3600&refresh_token=r1&token_type=bearer");
    c.invoke("sessionFromUrl", &serde_json::to_string(&[url]).unwrap(), None, &[], T0);
    let r = https(&drain(&mut c)).pop().unwrap();
    assert!(r.url.ends_with("/user"));
    c.invoke("sessionFromUrl", r#"["https://app.example/p#error=server_error"]"#, None, &[], T0);
    let outs = drain(&mut c);
    let e = dones(&outs).last().unwrap().2.clone().unwrap();
    assert_eq!(e.kind(), ErrorKind::AuthImplicitGrantRedirectError);
}
