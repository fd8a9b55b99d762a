//! The session and refresh policy, as a table of scenarios on a virtual clock.
//!
//! Each scenario drives the sans-IO core the way the shim does: operations go in with `now_ms`,
//! outputs come out, the scripted server answers, timers fire when `poll_timeout` says.

mod common;

use common::{jwt, token_body, Outputs, World, Writes, KEY, T0, URL};
use serde_json::{json, Value};
use supabase_wechat::{AuthEvent, ErrorKind, HttpRequest, Output, Session};

const KEY_NAME: &str = "sb-abcdefghij-auth-token";

#[test]
fn a_fresh_session_is_handed_out_without_a_request() {
    let mut w = World::signed_in(3600);
    let stored = w.stored();
    let op = w.c.get_session(stored.as_deref(), T0);
    let outs = w.drain();
    assert!(outs.http().is_empty());
    assert_eq!(outs.dones()[0].0, op);
    assert_eq!(outs.dones()[0].1["session"]["refresh_token"], "rt-1");
}

#[test]
fn a_session_about_to_expire_is_refreshed_once_for_all_callers() {
    let mut w = World::signed_in(60);
    let stored = w.stored();
    let ops: Vec<u32> = (0..100).map(|_| w.c.get_session(stored.as_deref(), T0)).collect();
    let outs = w.drain();
    let reqs = outs.refreshes();
    assert_eq!(reqs.len(), 1, "exactly one refresh in flight");
    assert_eq!(
        serde_json::from_str::<Value>(reqs[0].body.as_deref().unwrap()).unwrap(),
        json!({"refresh_token": "rt-1"})
    );
    assert!(outs.dones().is_empty(), "everyone waits");
    w.c.handle_response(reqs[0].id, 200, &token_body(2).to_string(), T0 + 80.0);
    let outs = w.drain();
    assert_eq!(outs.events(), [AuthEvent::TokenRefreshed]);
    assert!(matches!(&outs[0], Output::StorageSet { key, .. } if key == KEY_NAME));
    let done = outs.dones();
    assert_eq!(done.iter().map(|d| d.0).collect::<Vec<_>>(), ops);
    assert!(done.iter().all(|d| d.1["session"]["refresh_token"] == "rt-2" && d.2.is_none()));
}

#[test]
fn user_calls_wait_for_the_refresh_and_use_the_new_token() {
    let mut w = World::signed_in(30);
    for _ in 0..5 {
        w.c.invoke("getUser", "[]", None, &[], T0);
    }
    let outs = w.drain();
    assert_eq!(outs.http().len(), 1);
    let r = &outs.refreshes()[0];
    let body = token_body(2).to_string();
    let new_token = serde_json::from_str::<Value>(&body).unwrap()["access_token"].as_str().unwrap().to_owned();
    w.reply(r.id, 200, &body);
    let outs = w.drain();
    let users: Vec<HttpRequest> = outs.http().into_iter().filter(|r| r.url.ends_with("/auth/v1/user")).collect();
    assert_eq!(users.len(), 5);
    assert!(users.iter().all(|u| u.headers["Authorization"] == format!("Bearer {new_token}")));
}

/// Network failures and gateway statuses: retried with backoff 200 ms × 2ⁿ inside 30 s; the
/// session stays; callers get it while the access token is still valid.
#[test]
fn transient_failures_are_retried_with_backoff_and_never_sign_out() {
    for fail in ["transport", "500", "502", "503", "504", "520", "530"] {
        let mut w = World::signed_in(60);
        let stored = w.stored();
        w.c.get_session(stored.as_deref(), T0);
        let mut delays = Vec::new();
        let mut outs = w.drain();
        while let Some(r) = outs.refreshes().pop() {
            match fail {
                "transport" => w.fail(r.id, "request:fail timeout"),
                s => w.reply(r.id, s.parse().unwrap(), "<html>bad gateway</html>"),
            }
            outs = w.drain();
            if !outs.dones().is_empty() {
                break;
            }
            let at = w.c.poll_timeout().expect("a retry is scheduled");
            delays.push(at - w.now);
            w.fire();
            outs.extend(w.drain());
        }
        assert_eq!(delays[..6], [200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0], "{fail}");
        assert!(w.now - T0 < 30_000.0, "{fail}: retries stay within the budget");
        assert!(!outs.events().contains(&AuthEvent::SignedOut), "{fail}");
        let done = outs.dones();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].1["session"]["refresh_token"], "rt-1", "{fail}: the still-valid session is handed out");
        assert!(w.c.session().is_some(), "{fail}");
    }
}

#[test]
fn after_the_access_token_expired_a_failed_refresh_reports_an_error_but_keeps_the_session() {
    let mut w = World::signed_in(1);
    let stored = w.stored();
    w.advance(10_000.0);
    w.c.get_session(stored.as_deref(), w.now);
    let mut outs = w.drain();
    while let Some(r) = outs.refreshes().pop() {
        w.fail(r.id, "request:fail");
        outs = w.drain();
        if outs.dones().is_empty() && w.fire().is_some() {
            outs.extend(w.drain());
        }
    }
    let done = outs.dones();
    assert_eq!(done[0].1["session"], Value::Null);
    assert_eq!(done[0].2.as_ref().unwrap().kind(), ErrorKind::AuthRetryableFetchError);
    assert!(w.c.session().is_some(), "kept: the next tick or call retries");
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
        let mut w = World::signed_in(60);
        let stored = w.stored();
        w.c.get_session(stored.as_deref(), T0);
        let r = w.drain().refreshes().pop().unwrap();
        w.reply(r.id, status, body);
        let outs = w.drain();
        assert!(
            outs.refreshes().is_empty() && w.c.poll_timeout().is_none_or(|t| t >= T0 + 30_000.0),
            "{status}: no burst retry"
        );
        assert!(!outs.events().contains(&AuthEvent::SignedOut), "{status}");
        assert_eq!(w.c.session().unwrap().refresh_token, "rt-1", "{status}");
        assert_eq!(outs.dones()[0].1["session"]["refresh_token"], "rt-1", "{status}: still valid, still handed out");
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
        let mut w = World::signed_in(60);
        let stored = w.stored();
        w.c.get_session(stored.as_deref(), T0);
        let r = w.drain().refreshes().pop().unwrap();
        w.reply(r.id, 400, body);
        let outs = w.drain();
        assert_eq!(outs.events(), [AuthEvent::SignedOut], "{body}");
        assert!(outs.iter().any(|o| matches!(o, Output::StorageRemove { key } if key == KEY_NAME)), "{body}");
        assert!(w.c.session().is_none());
        let done = outs.dones();
        assert_eq!(done[0].1["session"], Value::Null);
        assert!(done[0].2.is_some());
        let log: Vec<String> = outs.logs().into_iter().map(|(_, message)| message).collect();
        assert!(log.iter().all(|m| !m.contains("rt-1")), "no token in the log: {log:?}");
    }
}

#[test]
fn a_definitive_failure_for_an_old_token_does_not_sign_out_a_newer_session() {
    let mut w = World::signed_in(60);
    let stored = w.stored();
    w.c.get_session(stored.as_deref(), T0);
    let r = w.drain().refreshes().pop().unwrap();
    // Meanwhile the user signs in again (a new session with another refresh token).
    w.c.sign_in_with_wechat(r#"{"code":"x"}"#, T0);
    let login = w.drain().http().pop().unwrap();
    w.reply(login.id, 200, &token_body(7).to_string());
    w.drain();
    w.reply(r.id, 400, r#"{"code":"refresh_token_already_used","message":"used"}"#);
    let outs = w.drain();
    assert!(!outs.events().contains(&AuthEvent::SignedOut));
    assert_eq!(w.c.session().unwrap().refresh_token, "rt-7");
}

#[test]
fn the_tick_refreshes_ahead_of_expiry_and_follows_app_show_and_hide() {
    let mut w = World::signed_in(200);
    w.c.start_auto_refresh(false, T0);
    assert!(w.drain().refreshes().is_empty(), "200 s left: not yet");
    assert_eq!(w.c.poll_timeout(), Some(T0 + 30_000.0));
    let mut fired_at = None;
    for _ in 0..10 {
        let now = w.fire().unwrap();
        if !w.drain().refreshes().is_empty() {
            fired_at = Some(now);
            break;
        }
    }
    // floor((expires - now) / 30 s) <= 3: at T0 + 90 s (110 s left).
    assert_eq!(fired_at, Some(T0 + 90_000.0));
    // Hidden: no tick (the refresh in flight may still finish).
    w.c.stop_auto_refresh();
    assert_eq!(w.c.poll_timeout(), None);
    // Shown again: an immediate check.
    let mut w = World::signed_in(60);
    w.c.stop_auto_refresh();
    w.c.start_auto_refresh(false, T0 + 5_000.0);
    assert_eq!(w.drain().refreshes().len(), 1, "the show handler checks at once");
    // autoRefreshToken: false: no tick unless started explicitly.
    let mut w = World::with_options(json!({"auth": {"autoRefreshToken": false}})).with_session(60);
    w.c.start_auto_refresh(false, T0);
    assert!(w.drain().is_empty() && w.c.poll_timeout().is_none());
    w.c.start_auto_refresh(true, T0);
    assert_eq!(w.drain().refreshes().len(), 1);
}

#[test]
fn expiry_follows_the_local_clock_not_the_servers() {
    // The device clock is 2 hours ahead of the server: the server's expires_at (its own clock)
    // would make every fresh session look expired and refresh in a loop.
    let device_now = T0 + 7_200_000.0;
    let mut w = World::new();
    w.c.sign_in_with_wechat(r#"{"code":"x"}"#, device_now);
    let r = w.drain().http().pop().unwrap();
    let body = token_body(1).expires_at((T0 / 1000.0) as i64 + 3600).to_string();
    w.c.handle_response(r.id, 200, &body, device_now);
    w.drain();
    let stored = w.c.session().unwrap().to_stored();
    w.c.get_session(Some(&stored), device_now + 60_000.0);
    assert!(w.drain().refreshes().is_empty(), "no refresh storm");
    w.c.start_auto_refresh(false, device_now + 60_000.0);
    assert!(w.drain().refreshes().is_empty());
}

#[test]
fn corrupt_oversized_foreign_and_other_format_sessions_are_none() {
    let foreign =
        Session::from_token_response(&token_body(1).iss_host("otherproject.baseapi.memfiredb.com").to_string(), T0)
            .unwrap()
            .to_stored();
    let big = Session::from_token_response(&token_body(1).to_string(), T0).unwrap();
    let mut big_v: Value = serde_json::from_str(&big.to_stored()).unwrap();
    big_v["user"]["user_metadata"] = json!({ "blob": "x".repeat(1_100_000) });
    let cases = [
        foreign,
        big_v.to_string(),
        r#"{"currentSession":{"access_token":"a"},"expiresAt":1}"#.to_owned(), // supabase-js v1
        "\u{0}\u{1}garbage".to_owned(),
    ];
    for raw in cases {
        let mut w = World::new();
        w.c.get_session(Some(&raw), T0);
        let outs = w.drain();
        assert!(outs.iter().any(|o| matches!(o, Output::StorageRemove { .. })), "{}", &raw[..raw.len().min(60)]);
        assert_eq!(outs.dones()[0].1["session"], Value::Null);
        assert!(outs.http().is_empty());
    }
}

#[test]
fn sign_out_clears_the_session_even_when_the_server_cannot_be_reached() {
    for (status, body) in [(0, ""), (204, ""), (401, r#"{"message":"x"}"#), (404, "{}"), (500, "")] {
        let mut w = World::signed_in(3600);
        w.c.sign_out("{}", T0);
        let r = w.drain().http().pop().unwrap();
        assert!(r.url.ends_with("/logout?scope=global"));
        assert!(r.headers["Authorization"].as_str().unwrap().starts_with("Bearer eyJ"));
        if status == 0 {
            w.fail(r.id, "request:fail");
        } else {
            w.reply(r.id, status, body);
        }
        let outs = w.drain();
        assert_eq!(outs.events(), [AuthEvent::SignedOut], "{status}");
        assert!(w.c.session().is_none());
        let done = outs.dones();
        assert_eq!(done[0].2.is_some(), matches!(status, 0 | 500), "{status}: real failures are still reported");
    }
    // scope: others keeps the local session.
    let mut w = World::signed_in(3600);
    w.c.sign_out(r#"{"scope":"others"}"#, T0);
    let r = w.drain().http().pop().unwrap();
    w.reply(r.id, 204, "");
    assert!(w.drain().events().is_empty());
    assert!(w.c.session().is_some());
}

#[test]
fn set_session_adopts_valid_tokens_and_refreshes_expired_ones() {
    let mut w = World::new();
    let access = jwt(json!({"sub": "u-9", "exp": (T0 / 1000.0) as i64 + 600}));
    w.c.set_session(&json!({"access_token": access, "refresh_token": "rt-9"}).to_string(), T0);
    let r = w.drain().http().pop().unwrap();
    assert!(r.url.ends_with("/auth/v1/user"));
    assert_eq!(r.headers["Authorization"], format!("Bearer {access}"));
    w.reply(r.id, 200, r#"{"id":"u-9","phone":""}"#);
    let outs = w.drain();
    assert_eq!(outs.events(), [AuthEvent::SignedIn]);
    let s = w.c.session().unwrap();
    assert_eq!(
        (s.expires_at, s.expires_in, s.refresh_token.as_str()),
        (Some((T0 / 1000.0) as i64 + 600), Some(600), "rt-9")
    );

    let expired = jwt(json!({"sub": "u-9", "exp": (T0 / 1000.0) as i64 - 10}));
    w.c.set_session(&json!({"access_token": expired, "refresh_token": "rt-10"}).to_string(), T0);
    let r = w.drain().refreshes().pop().expect("an expired access token is refreshed");
    assert_eq!(serde_json::from_str::<Value>(r.body.as_deref().unwrap()).unwrap()["refresh_token"], "rt-10");
}

#[test]
fn oauth_with_pkce_stores_the_verifier_and_exchange_uses_it() {
    let mut w = World::new();
    let random: Vec<u8> = (0..48).collect();
    w.c.invoke(
        "signInWithOAuth",
        r#"[{"provider":"wechat_qr","options":{"redirectTo":"https://app.example.com/cb?x=1&y=2"}}]"#,
        None,
        &random,
        T0,
    );
    let outs = w.drain();
    let (key, value) = outs
        .iter()
        .find_map(|o| if let Output::StorageSet { key, value } = o { Some((key.clone(), value.clone())) } else { None })
        .unwrap();
    assert_eq!(key, format!("{KEY_NAME}-code-verifier"));
    let verifier: String = serde_json::from_str(&value).unwrap();
    assert!(verifier.len() >= 43 && verifier.len() <= 128);
    let data = &outs.dones()[0].1;
    let url = data["url"].as_str().unwrap();
    assert_eq!(data["provider"], "wechat_qr");
    assert!(url.starts_with(&format!(
        "{URL}/auth/v1/authorize?provider=wechat_qr&redirect_to=https%3A%2F%2Fapp.example.com%2Fcb%3Fx%3D1%26y%3D2"
    )));
    assert!(url.contains(&format!(
        "&code_challenge={}&code_challenge_method=s256",
        supabase_wechat::auth::pkce::challenge_s256(&verifier)
    )));
    assert!(w.c.session().is_none() && !outs.iter().any(|o| matches!(o, Output::StorageRemove { .. })));

    w.c.invoke("exchangeCodeForSession", r#"["auth-code-1"]"#, Some(&value), &[], T0);
    let r = w.drain().http().pop().unwrap();
    assert!(r.url.ends_with("/token?grant_type=pkce"));
    assert_eq!(
        serde_json::from_str::<Value>(r.body.as_deref().unwrap()).unwrap(),
        json!({"auth_code": "auth-code-1", "code_verifier": verifier})
    );
    w.reply(r.id, 200, &token_body(3).to_string());
    let outs = w.drain();
    assert!(outs.iter().any(|o| matches!(o, Output::StorageRemove { key } if key.ends_with("-code-verifier"))));
    assert_eq!(outs.events(), [AuthEvent::SignedIn]);

    // Without a stored verifier: a clear error, no request.
    w.c.invoke("exchangeCodeForSession", r#"["auth-code-2"]"#, None, &[], T0);
    let outs = w.drain();
    assert!(outs.http().is_empty());
    assert_eq!(outs.dones()[0].2.as_ref().unwrap().kind(), ErrorKind::AuthPKCEGrantCodeExchangeError);
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
        let mut w = World::signed_in(3600);
        w.c.invoke(method, args, None, &[], T0);
        let outs = w.drain();
        let r = outs.http().pop().unwrap_or_else(|| panic!("{method}: {outs:?}"));
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
        let mut w = World::new();
        let args = json!([{ "email": "a@b.c", "token": "123456", "type": kind }]).to_string();
        w.c.invoke("verifyOtp", &args, None, &[], T0);
        let r = w.drain().http().pop().unwrap();
        w.reply(r.id, 200, &token_body(1).to_string());
        assert_eq!(w.drain().events(), [event], "{kind}");
    }
}

/// With an async store, acknowledgements arrive after newer writes were queued: storage then holds
/// the acknowledged value, and `getSession` must not mistake it for a change made elsewhere.
#[test]
fn late_acknowledgements_of_an_async_store_do_not_roll_the_session_back() {
    let mut w = World::new().writes(Writes::Leave);
    w.c.sign_in_with_wechat(r#"{"code":"x"}"#, T0);
    let login = w.drain().http().pop().unwrap();
    w.reply(login.id, 200, &token_body(1).to_string());
    let first = w.drain(); // write 1 pending
    let Some(Output::StorageSet { value: v1, .. }) = first.first().cloned() else { panic!("{first:?}") };
    w.c.invoke("updateUser", r#"[{"data":{"a":1}}]"#, None, &[], T0);
    let put = w.drain().http().pop().unwrap();
    w.reply(put.id, 200, r#"{"id":"u-1","user_metadata":{"a":1}}"#);
    let second = w.drain(); // write 2 pending
    assert!(matches!(second[0], Output::StorageSet { .. }));
    w.c.handle_storage_result(None); // write 1 landed; write 2 still in flight
    w.c.get_session(Some(&v1), T0);
    let outs = w.drain();
    assert_eq!(outs.dones()[0].1["session"]["user"]["user_metadata"]["a"], 1, "the newer in-memory session stays");
    assert!(!outs.iter().any(|o| matches!(o, Output::StorageRemove { .. })));
}

#[test]
fn session_from_url_reads_the_redirect_the_browser_came_back_with() {
    let verifier = serde_json::to_string(&"v".repeat(43)).unwrap();
    let mut w = World::new();
    // Not a redirect (an app's own `code` without a stored verifier): null data, no request.
    w.c.invoke("sessionFromUrl", r#"["https://app.example/p?code=x"]"#, None, &[], T0);
    let outs = w.drain();
    assert!(outs.http().is_empty());
    assert_eq!(outs.dones()[0].1, Value::Null);
    assert!(outs.dones()[0].2.is_none());

    // PKCE: the code is exchanged with the stored verifier.
    w.c.invoke("sessionFromUrl", r#"["https://app.example/p?tab=1&code=ac-1#top"]"#, Some(&verifier), &[], T0);
    let r = w.drain().http().pop().unwrap();
    assert!(r.url.ends_with("/token?grant_type=pkce"));
    assert_eq!(serde_json::from_str::<Value>(r.body.as_deref().unwrap()).unwrap()["auth_code"], "ac-1");

    // ?error=: the redirect's error, the verifier removed, no request.
    let mut w = World::new();
    w.c.invoke(
        "sessionFromUrl",
        r#"["https://app.example/p?error=access_denied&error_description=denied+by+user"]"#,
        Some(&verifier),
        &[],
        T0,
    );
    let outs = w.drain();
    assert!(outs.http().is_empty());
    let e = outs.dones()[0].2.clone().unwrap();
    assert_eq!((e.kind(), e.message.as_str()), (ErrorKind::AuthPKCEGrantCodeExchangeError, "denied by user"));
    assert!(outs.iter().any(|o| matches!(o, Output::StorageRemove { key } if key.ends_with("-code-verifier"))));

    // Implicit: the fragment's tokens are checked with GET /user and adopted.
    let mut w = World::with_options(json!({"auth": {"flowType": "implicit"}}));
    let access = jwt(json!({ "sub": "u1", "exp": (T0 / 1000.0) as i64 + 3600 }));
    let url = format!("https://app.example/p#access_token={access}&expires_in=3600&refresh_token=r1&token_type=bearer");
    w.c.invoke("sessionFromUrl", &serde_json::to_string(&[url]).unwrap(), None, &[], T0);
    let r = w.drain().http().pop().unwrap();
    assert!(r.url.ends_with("/user"));
    w.c.invoke("sessionFromUrl", r#"["https://app.example/p#error=server_error"]"#, None, &[], T0);
    let outs = w.drain();
    let e = outs.dones().last().unwrap().2.clone().unwrap();
    assert_eq!(e.kind(), ErrorKind::AuthImplicitGrantRedirectError);
}
