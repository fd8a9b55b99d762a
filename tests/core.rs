//! The sans-IO core driven natively with a virtual clock and a scripted Auth server.

mod common;

use common::{token_body, Outputs, World, Writes, KEY, URL};
use serde_json::{json, Value};
use supabase_wechat::auth::error::{from_http, is_retryable_status};
use supabase_wechat::{AuthEvent, Client, ErrorKind, Output, Session};

const T0: f64 = 1_700_000_000_400.0; // virtual clock, ms

/// Alice's WeChat login as GoTrue answers it: these tokens, a server `expires_at` the client must
/// not use, and a user with every field GoTrue's wechat_mini user has (and one it may add).
fn alice(access: &str, refresh: &str) -> String {
    let user = json!({ "id": "u-1", "aud": "authenticated", "role": "authenticated", "email": "", "phone": "",
                  "wechat_id": "o_alice", "wechat_unionid": "", "app_metadata": {"provider": "wechat_mini", "providers": ["wechat_mini"]},
                  "user_metadata": {}, "identities": [], "created_at": "2023-03-13T02:47:38.681877Z", "some_future_field": {"x": 1} });
    token_body(1).tokens(access, refresh).expires_at(1).user(user).to_string()
}

/// Sign in against the scripted server; returns the outputs after the reply.
fn sign_in(w: &mut World, code: &str, status: u16, body: &str, now: f64) -> Vec<Output> {
    let op = w.c.sign_in_with_wechat(&json!({ "code": code }).to_string(), now);
    let req = w.drain().only_http().clone();
    w.c.handle_response(req.id, status, body, now + 50.0);
    let outs = w.drain();
    assert_eq!(outs.first_done().0, op, "the reply completes the operation that sent it");
    outs
}

fn decode_query_param(url: &str, name: &str) -> String {
    let q = url.split_once('?').expect("query").1;
    let raw = q.split('&').find_map(|kv| kv.strip_prefix(&format!("{name}="))).expect("param");
    percent_encoding::percent_decode_str(raw).decode_utf8().expect("utf8").into_owned()
}

#[test]
fn sign_in_sends_the_code_to_memfire_endpoint_with_the_anon_key() {
    let mut w = World::new().at(T0);
    w.c.sign_in_with_wechat(r#"{"code":"013fA51w3S8Ad03D0C3w31WiTT3fA51k"}"#, T0);
    let outs = w.drain();
    let req = outs.only_http();
    assert_eq!(req.method, "GET");
    assert_eq!(req.url, format!("{URL}/auth/v1/wechat_mini/login?code=013fA51w3S8Ad03D0C3w31WiTT3fA51k"));
    assert_eq!(req.headers["apikey"], KEY);
    assert_eq!(req.headers["Authorization"], format!("Bearer {KEY}"));
    assert_eq!(req.body, None);
    assert!(req.timeout > 0 && req.timeout <= 60_000);
}

#[test]
fn codes_with_reserved_and_cjk_characters_are_percent_encoded_losslessly() {
    for code in ["a&b=c", "#hot", "100%", "a b+c", "微信登录🐼", "x?y/z\\w'\"()~*!"] {
        let mut w = World::new().at(T0);
        w.c.sign_in_with_wechat(&json!({ "code": code }).to_string(), T0);
        let outs = w.drain();
        let req = outs.only_http();
        let query = req.url.split_once('?').unwrap().1;
        assert!(!query.contains('#') && !query[5..].contains('&') && !query.contains(' '), "{query}");
        assert_eq!(decode_query_param(&req.url, "code"), code);
    }
}

#[test]
fn successful_sign_in_stores_the_session_in_the_old_sdk_key_and_format() {
    let mut w = World::new().at(T0);
    let outs = sign_in(&mut w, "good", 200, &alice("at-1", "rt-1"), T0);
    // Order: store, then event, then the result.
    assert!(matches!(outs[0], Output::StorageSet { .. }));
    assert!(matches!(outs[1], Output::Event { event: AuthEvent::SignedIn, session: Some(_), target: None }));
    assert!(matches!(outs[2], Output::Done { error: None, .. }));
    let Output::StorageSet { key, value } = &outs[0] else { unreachable!() };
    assert_eq!(key, "sb-abcdefghij-auth-token");
    let keys: Vec<&str> = {
        let idx = |k: &str| value.find(&format!("\"{k}\":")).unwrap_or(usize::MAX);
        let mut ks = vec!["access_token", "token_type", "expires_in", "refresh_token", "user", "expires_at"];
        ks.sort_by_key(|k| idx(k));
        ks
    };
    assert_eq!(keys, ["access_token", "token_type", "expires_in", "refresh_token", "user", "expires_at"]);
    let stored: Value = serde_json::from_str(value).unwrap();
    // expires_at comes from the local receive time (T0 + 50 ms), not the server's value.
    assert_eq!(stored["expires_at"], json!(((T0 + 50.0) / 1000.0).round() as i64 + 3600));
    assert_eq!(stored["user"]["some_future_field"], json!({"x": 1}), "unknown user fields survive");
    let (_, data, _) = outs.first_done();
    assert_eq!(data["session"]["access_token"], "at-1");
    assert_eq!(data["user"]["wechat_id"], "o_alice");
    assert_eq!(w.c.session().unwrap().refresh_token, "rt-1");
}

#[test]
fn failed_sign_in_leaves_the_stored_session_untouched() {
    let mut w = World::new().at(T0);
    sign_in(&mut w, "first", 200, &alice("at-1", "rt-1"), T0);
    let bodies = [
        (
            400,
            r#"{"code":400,"error_code":"code_used","msg":"invalid wechat code: 40163 code been used"}"#,
            "code_used",
        ),
        (400, r#"{"code":"invalid_code","message":"invalid wechat code"}"#, "invalid_code"),
        (400, r#"{"error":"invalid_grant","error_description":"bad code"}"#, "invalid_grant"),
    ];
    for (status, body, code) in bodies {
        let outs = sign_in(&mut w, "used", status, body, T0 + 1000.0);
        assert_eq!(outs.len(), 1, "only the result: no storage write, no event: {outs:?}");
        let (_, data, err) = outs.first_done();
        let err = err.expect("error");
        assert_eq!(err.kind(), ErrorKind::AuthApiError);
        assert_eq!(err.status, Some(400));
        assert_eq!(err.code.as_deref(), Some(code));
        assert_eq!(data, json!({ "user": null, "session": null }));
        assert_eq!(w.c.session().unwrap().access_token, "at-1");
    }
}

#[test]
fn missing_or_bad_code_is_a_clear_error_and_nothing_is_sent() {
    for params in [
        "{}",
        r#"{"code":""}"#,
        r#"{"code":"   "}"#,
        r#"{"code":null}"#,
        r#"{"code":123}"#,
        "null",
        "[]",
        "not json",
        "",
    ] {
        let mut w = World::new().at(T0);
        w.c.sign_in_with_wechat(params, T0);
        let outs = w.drain();
        assert_eq!(outs.len(), 1, "{params}: {outs:?}");
        let (_, _, err) = outs.first_done();
        let err = err.expect("error");
        assert_eq!(err.kind(), ErrorKind::AuthInvalidCredentialsError, "{params}");
        assert_eq!(err.status, Some(400));
        assert!(err.message.contains("code") || err.message.contains("argument"), "{}", err.message);
    }
}

#[test]
fn network_failures_and_gateway_errors_are_retryable_not_api_errors() {
    let mut w = World::new().at(T0);
    w.c.sign_in_with_wechat(r#"{"code":"x"}"#, T0);
    let id = w.drain().only_http().id;
    w.fail(id, "request:fail timeout");
    let outs = w.drain();
    let err = outs.first_done().2.unwrap();
    assert_eq!(
        (err.kind(), err.status, err.message.as_str()),
        (
            ErrorKind::AuthRetryableFetchError,
            Some(0),
            "The server did not answer in time; check the network and try again (request:fail timeout)"
        )
    );

    let outs = sign_in(&mut w, "x", 521, "<html>Cloudflare: web server is down</html>", T0);
    let err = outs.first_done().2.unwrap();
    assert_eq!((err.kind(), err.status), (ErrorKind::AuthRetryableFetchError, Some(521)));
}

#[test]
fn error_table_follows_auth_js_handle_error() {
    struct Case(u16, &'static str, ErrorKind, Option<&'static str>, &'static str);
    let cases = [
        Case(
            400,
            r#"{"code":400,"error_code":"invalid_code","msg":"bad"}"#,
            ErrorKind::AuthApiError,
            Some("invalid_code"),
            "bad",
        ),
        Case(
            422,
            r#"{"code":"weak_password","message":"weak"}"#,
            ErrorKind::AuthWeakPasswordError,
            Some("weak_password"),
            "weak",
        ),
        Case(
            400,
            r#"{"error":"invalid_grant","error_description":"Invalid Refresh Token"}"#,
            ErrorKind::AuthApiError,
            Some("invalid_grant"),
            "Invalid Refresh Token",
        ),
        Case(
            401,
            r#"{"message":"No API key found in request"}"#,
            ErrorKind::AuthApiError,
            None,
            "No API key found in request",
        ),
        Case(
            403,
            r#"{"code":"session_not_found","message":"gone"}"#,
            ErrorKind::AuthSessionMissingError,
            Some("session_not_found"),
            "gone",
        ),
        Case(404, "<html>not found</html>", ErrorKind::AuthUnknownError, None, "unexpected reply"),
        Case(400, "[1,2]", ErrorKind::AuthApiError, None, "[1,2]"),
        Case(400, "{}", ErrorKind::AuthApiError, None, "{}"),
        Case(400, "", ErrorKind::AuthUnknownError, None, "unexpected reply"),
        Case(500, r#"{"code":500,"msg":"boom"}"#, ErrorKind::AuthRetryableFetchError, None, "boom"),
        Case(502, "", ErrorKind::AuthRetryableFetchError, None, "HTTP 502"),
        Case(503, "Service Unavailable", ErrorKind::AuthRetryableFetchError, None, "HTTP 503"),
        Case(530, "", ErrorKind::AuthRetryableFetchError, None, "HTTP 530"),
        Case(
            429,
            r#"{"code":"over_request_rate_limit","message":"slow down"}"#,
            ErrorKind::AuthApiError,
            Some("over_request_rate_limit"),
            "slow down",
        ),
    ];
    for Case(status, body, kind, code, msg) in cases {
        let e = from_http(status, body);
        assert_eq!(e.kind(), kind, "{status} {body}");
        assert_eq!(e.status, Some(status));
        assert_eq!(e.code.as_deref(), code, "{status} {body}");
        assert!(e.message.contains(msg), "{status} {body}: {}", e.message);
    }
    let retryable: Vec<u16> = (100..600).filter(|s| is_retryable_status(*s)).collect();
    assert_eq!(retryable, [500, 501, 502, 503, 504, 520, 521, 522, 523, 524, 525, 526, 527, 528, 529, 530]);
}

#[test]
fn a_2xx_without_a_session_is_an_invalid_token_response() {
    for body in [
        "{}",
        r#"{"access_token":"a","refresh_token":"r"}"#,
        r#"{"access_token":"a","refresh_token":"r","expires_in":3600}"#,
        "ok",
    ] {
        let mut w = World::new().at(T0);
        let outs = sign_in(&mut w, "x", 200, body, T0);
        assert_eq!(outs.len(), 1);
        assert_eq!(outs.first_done().2.unwrap().kind(), ErrorKind::AuthInvalidTokenResponseError, "{body}");
        assert!(w.c.session().is_none());
    }
}

#[test]
fn restores_a_session_written_by_the_sdk_we_replace() {
    // Exactly what supabase-wechat-stable-v2 2.2.0 stores (a JSON string).
    let stored = r#"{"access_token":"eyJ.old","token_type":"bearer","expires_in":3600,"refresh_token":"abcdefghijkl","user":{"id":"u-9","aud":"authenticated","phone":"131","wechat_id":"o_bob","user_metadata":{"arvatar":"../../avatar.jpg","nickname":"卢卡饶"}},"expires_at":1700003600}"#;
    let mut w = World::new().at(T0);
    w.c.restore(Some(stored), T0);
    assert!(w.drain().is_empty(), "a valid session is not rewritten");
    let op = w.c.get_session(Some(stored), T0);
    let outs = w.drain();
    let (done_op, data, err) = outs.first_done();
    assert_eq!((done_op, err), (op, None));
    assert_eq!(data["session"]["access_token"], "eyJ.old");
    assert_eq!(data["session"]["user"]["user_metadata"]["nickname"], "卢卡饶");
    assert_eq!(data["session"]["expires_at"], 1_700_003_600);
    // Written back byte-for-byte equivalent.
    let back: Value = serde_json::from_str(&w.c.session().unwrap().to_stored()).unwrap();
    assert_eq!(back, serde_json::from_str::<Value>(stored).unwrap());
}

#[test]
fn unusable_stored_values_are_removed_and_never_break_later_calls() {
    let bad = [
        "garbage",
        "{",
        "42",
        "\"a string\"",
        "[]",
        "null",
        r#"{"access_token":"a"}"#,
        r#"{"access_token":"a","refresh_token":"r"}"#,
        r#"{"access_token":"","refresh_token":"r","expires_at":1}"#,
        r#"{"access_token":1,"refresh_token":"r","expires_at":1}"#,
    ];
    for raw in bad {
        let mut w = World::new().at(T0);
        w.c.restore(Some(raw), T0);
        assert_eq!(w.drain(), vec![Output::StorageRemove { key: "sb-abcdefghij-auth-token".into() }], "{raw}");
        assert!(w.c.session().is_none());
        w.c.get_session(None, T0);
        assert_eq!(w.drain().first_done().1, json!({ "session": null }));
    }
    let mut w = World::new().at(T0);
    w.c.restore(Some(""), T0);
    w.c.restore(None, T0);
    assert!(w.drain().is_empty(), "nothing stored: nothing to clean");
}

#[test]
fn tolerant_session_fields() {
    // Numbers as strings or floats, a null user, unknown top-level fields: still a session.
    let s = Session::from_stored(r#"{"access_token":"a","refresh_token":"r","expires_at":"1700000000","expires_in":3600.0,"user":null,"provider_token":"p","token_type":7}"#).unwrap();
    assert_eq!(
        (s.expires_at, s.expires_in, s.user.is_none(), s.token_type.as_str()),
        (Some(1_700_000_000), Some(3600), true, "bearer")
    );
    assert_eq!(s.extra_value("provider_token"), Some(json!("p")));
    assert!(s.to_stored().contains("\"provider_token\":\"p\""));
}

#[test]
fn storage_key_follows_supabase_js_and_options() {
    let key = |url: &str, opts: Value| Client::new(url, "k", &opts.to_string()).storage_key().to_owned();
    assert_eq!(key("https://abc.baseapi.memfiredb.com/", json!({})), "sb-abc-auth-token");
    assert_eq!(key("http://192.168.1.10:8000", json!({})), "sb-192-auth-token");
    assert_eq!(key("http://127.0.0.1:54321", json!({})), "sb-127-auth-token");
    assert_eq!(key("https://ABC.example.com", json!({})), "sb-abc-auth-token");
    assert_eq!(key("https://abc.example.com", json!({"auth": {"storageKey": "my-key"}})), "my-key");
}

#[test]
fn persist_session_false_keeps_the_session_in_memory_only() {
    let mut w = World::with_options(json!({"auth": {"persistSession": false}})).at(T0);
    assert!(!w.c.persists());
    let outs = sign_in(&mut w, "x", 200, &alice("a", "r"), T0);
    assert!(!outs.iter().any(|o| matches!(o, Output::StorageSet { .. })));
    assert!(w.c.session().is_some());
}

#[test]
fn global_headers_are_sent_and_override_defaults_case_insensitively() {
    let mut w =
        World::with_options(json!({"global": {"headers": {"x-app": "demo", "authorization": "Bearer custom"}}})).at(T0);
    w.c.sign_in_with_wechat(r#"{"code":"x"}"#, T0);
    let outs = w.drain();
    let req = outs.only_http();
    assert_eq!(req.headers["x-app"], "demo");
    assert_eq!(req.headers["authorization"], "Bearer custom");
    assert!(req.headers.get("Authorization").is_none());
}

#[test]
fn a_bad_project_url_fails_every_call_clearly() {
    for url in ["", "abc.memfiredb.com", "ftp://x", "https://", "https://user@host"] {
        let mut w = World::with(Client::new(url, "k", "{}")).at(T0);
        w.c.sign_in_with_wechat(r#"{"code":"x"}"#, T0);
        let outs = w.drain();
        assert_eq!(outs.len(), 1, "{url}");
        let err = outs.first_done().2.unwrap();
        assert_eq!(err.kind(), ErrorKind::AuthInvalidCredentialsError, "{url}");
        assert!(err.message.contains("supabaseUrl"), "{}", err.message);
    }
}

#[test]
fn late_duplicate_and_unknown_replies_are_ignored() {
    let mut w = World::new().at(T0);
    w.c.sign_in_with_wechat(r#"{"code":"x"}"#, T0);
    let id = w.drain().only_http().id;
    w.reply(id, 200, &alice("a", "r"));
    assert_eq!(w.drain().len(), 3);
    w.reply(id, 200, &alice("b", "r2"));
    w.fail(id, "request:fail");
    w.reply(9999, 500, "");
    assert!(w.drain().is_empty());
    assert_eq!(w.c.session().unwrap().access_token, "a");
}

#[test]
fn a_session_that_cannot_be_saved_is_reported_and_kept_in_memory() {
    let mut w = World::new().at(T0);
    let first = sign_in(&mut w, "first", 200, &alice("at-1", "rt-1"), T0);
    let Some(Output::StorageSet { value: stored_first, .. }) = first.first().cloned() else { panic!() };
    let op = w.c.sign_in_with_wechat(r#"{"code":"second"}"#, T0);
    let id = w.drain().only_http().id;
    w.reply(id, 200, &alice("at-2", "rt-2"));
    w.writes = Writes::Fail("setStorageSync:fail exceed storage max size 10MB");
    let outs = w.drain();
    assert!(matches!(outs[0], Output::StorageSet { .. }), "{outs:?}");
    let (done_op, data, err) = outs.first_done();
    assert_eq!((done_op, err), (op, None), "the sign-in itself succeeded");
    assert_eq!(data["session"]["access_token"], "at-2");
    assert!(outs.iter().any(|o| matches!(o, Output::Event { event: AuthEvent::SignedIn, .. })));
    let (level, message) = outs.logs().into_iter().next().expect("the failed write is reported");
    assert_eq!(level, "warn");
    assert!(
        message.contains("exceed storage max size") && !message.contains("at-2") && !message.contains("rt-2"),
        "{message}"
    );
    // Storage still holds the first session; the client keeps the new one in memory.
    w.writes = Writes::Leave;
    w.c.get_session(Some(&stored_first), T0);
    assert_eq!(w.drain().first_done().1["session"]["access_token"], "at-2");
    // A stray acknowledgement changes nothing.
    w.c.handle_storage_result(None);
    assert!(w.drain().is_empty());
}

#[test]
fn get_session_follows_what_storage_holds_now() {
    let mut w = World::new().at(T0);
    let outs = sign_in(&mut w, "x", 200, &alice("at-1", "rt-1"), T0);
    let Some(Output::StorageSet { value: ours, .. }) = outs.first().cloned() else { panic!("{outs:?}") };
    let session_of = |w: &mut World, stored: Option<&str>| {
        w.c.get_session(stored, T0);
        w.drain().first_done().1["session"].clone()
    };
    // What we wrote is still there: same session, nothing rewritten.
    assert_eq!(session_of(&mut w, Some(&ours))["access_token"], "at-1");
    // The page cleared storage (wx.clearStorageSync() to log out): no session any more.
    assert_eq!(session_of(&mut w, None), Value::Null);
    assert_eq!(session_of(&mut w, Some("")), Value::Null);
    // Another client (or the old SDK) stored a different session: it is adopted.
    let other = Session::from_token_response(&alice("at-9", "rt-9"), T0).unwrap().to_stored();
    assert_eq!(session_of(&mut w, Some(&other))["refresh_token"], "rt-9");
    // Garbage appears under the key: removed, no session.
    w.c.get_session(Some("{oops"), T0);
    let outs = w.drain();
    assert!(matches!(outs[0], Output::StorageRemove { .. }));
    assert_eq!(outs.first_done().1["session"], Value::Null);
    // persistSession: false ignores storage entirely.
    let mut mem = World::with_options(json!({"auth": {"persistSession": false}})).at(T0);
    sign_in(&mut mem, "x", 200, &alice("m", "r"), T0);
    assert_eq!(session_of(&mut mem, None)["access_token"], "m");
}

#[test]
fn initial_session_goes_to_the_new_subscription_only() {
    let mut w = World::new().at(T0);
    w.c.initial_session(7, None, T0);
    assert_eq!(w.drain(), vec![Output::Event { event: AuthEvent::InitialSession, session: None, target: Some(7) }]);
    let stored = Session::from_token_response(&alice("at-1", "rt-1"), T0).unwrap().to_stored();
    w.c.initial_session(8, Some(&stored), T0);
    let outs = w.drain();
    let [Output::Event { event: AuthEvent::InitialSession, session: Some(s), target: Some(8) }] = &outs[..] else {
        panic!("{outs:?}")
    };
    assert_eq!(s.value()["access_token"], "at-1");
    // SIGNED_IN is for every listener.
    let outs = sign_in(&mut w, "x", 200, &alice("at-2", "rt-2"), T0);
    assert!(outs.iter().any(|o| matches!(o, Output::Event { event: AuthEvent::SignedIn, target: None, .. })));
}

#[test]
fn request_timeout_is_configurable_and_bounded() {
    let timeout = |opts: Value| {
        let mut w = World::with_options(opts).at(T0);
        w.c.sign_in_with_wechat(r#"{"code":"x"}"#, T0);
        w.drain().only_http().timeout
    };
    assert_eq!(timeout(json!({})), 10_000);
    assert_eq!(timeout(json!({"requestTimeout": 5000})), 5000);
    assert_eq!(timeout(json!({"requestTimeout": 1})), 100);
    assert_eq!(timeout(json!({"requestTimeout": 1e12})), 120_000);
    assert_eq!(timeout(json!({"requestTimeout": "soon"})), 10_000);
}

/// Deterministic pseudo-random inputs through every entry point: nothing may panic (a panic
/// would kill the wasm instance for the page's life).
#[test]
fn no_input_makes_the_core_panic() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "null",
        "true",
        "1e999",
        "-0",
        "18446744073709551616",
        "\"access_token\"",
        "\"refresh_token\"",
        "\"expires_in\"",
        "\"expires_at\"",
        "\"user\"",
        "\"code\"",
        "\"url\"",
        "\"key\"",
        "\"x\"",
        "\u{0}",
        "\u{FFFD}",
        "微",
        "🐼",
        "\\u0000",
        "\\ud800",
        "NaN",
        "\"http://a\"",
        "\"https://[::1]:1\"",
        "\"options\"",
        "{\"auth\":{\"storageKey\":1}}",
        "\"msg\"",
        "\"error_code\"",
        "4294967296",
        "-1",
    ];
    let mut random_text =
        |n: usize| -> String { (0..n).map(|_| pieces[(next() % pieces.len() as u64) as usize]).collect() };
    for i in 0..3000 {
        let mut w1 = World::with(Client::new(&random_text(i % 5), &random_text(i % 3), &random_text(i % 12)))
            .at(T0)
            .writes(Writes::Leave);
        let mut w2 = World::new().at(T0).writes(Writes::Leave);
        w1.c.restore(Some(&random_text(i % 9)), f64::from_bits(i as u64 * 0x0101_0101_0101));
        w2.c.restore(Some(&random_text(i % 9)), T0);
        for w in [&mut w1, &mut w2] {
            w.c.sign_in_with_wechat(&random_text(i % 7), f64::NAN);
            w.c.get_session(Some(&random_text(i % 6)), f64::INFINITY);
            w.c.initial_session(i as u32, Some(&random_text(i % 4)), f64::NAN);
            w.c.handle_storage_result(if i % 2 == 0 { None } else { Some("x") });
            let ids: Vec<u32> = w.drain().http().iter().map(|r| r.id).collect();
            for id in ids {
                let status = [0u16, 200, 201, 204, 400, 401, 500, 503, 65535][i % 9];
                w.c.handle_response(id, status, &random_text(i % 15), -1e308);
            }
            w.c.handle_transport_error(i as u32, &random_text(3), 0.0);
            w.drain();
        }
    }
}

#[test]
fn numbers_in_stored_sessions_are_read_leniently() {
    use supabase_wechat::auth::session::value_to_i64;
    let cases = [
        (json!(3600), Some(3600)),
        (json!(3600.4), Some(3600)),
        (json!(-2.5), Some(-3)),
        (json!(1e300), Some(i64::MAX)),
        (json!(" 1700000000 "), Some(1_700_000_000)),
        (json!("-5"), Some(-5)),
        (json!("+5"), Some(5)),
        (json!("1.5"), None),
        (json!("1e3"), None),
        (json!("NaN"), None),
        (json!(""), None),
        (json!(null), None),
        (json!(true), None),
        (json!([1]), None),
    ];
    for (v, want) in cases {
        assert_eq!(value_to_i64(&v), want, "{v}");
    }
}

#[test]
fn every_output_crosses_to_js_as_valid_json() {
    let mut w = World::new().at(T0);
    let mut outs = sign_in(&mut w, "x", 200, &alice("at\"1</script>\u{2028}", "rt-1"), T0);
    outs.extend(sign_in(&mut w, "y", 400, r#"{"code":400,"error_code":"e\"q","msg":"bad \"quote\" 微信"}"#, T0));
    w.c.restore(Some("garbage"), T0);
    w.c.initial_session(3, None, T0);
    w.c.get_session(None, T0);
    outs.extend(w.drain());
    let kinds: Vec<String> = outs
        .iter()
        .map(|o| {
            let v: Value = serde_json::from_str(&o.to_json()).unwrap_or_else(|e| panic!("{e}: {}", o.to_json()));
            if let Output::Done { op, data, error } = o {
                assert_eq!(v["op"], json!(op));
                assert_eq!(v["data"], data.value());
                assert_eq!(v["error"], serde_json::to_value(error).unwrap());
            }
            v["type"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(kinds, ["storage_set", "event", "done", "done", "storage_remove", "event", "done"]);
}

/// `getSession` names the session's generation instead of carrying its text: an unchanged
/// session is not re-encoded, copied out of wasm and decoded on every call (what the shim does
/// with it is in `World::drain`: it fetches `session_json()` once per generation).
#[test]
fn get_session_names_the_generation_and_the_text_crosses_once_per_change() {
    let mut w = World::new().at(T0);
    let poll_session = |w: &mut World| {
        let stored = w.stored();
        let op = w.c.get_session(stored.as_deref(), w.now);
        let outs: Vec<Output> = std::iter::from_fn(|| w.c.poll()).collect();
        match outs.as_slice() {
            [o @ Output::Session { op: got, generation }] => {
                assert_eq!(*got, op);
                let v: Value = serde_json::from_str(&o.to_json()).unwrap();
                assert_eq!(v, json!({ "type": "session", "op": op, "generation": generation }));
                *generation
            }
            other => panic!("expected one session output, got {other:?}"),
        }
    };
    let signed_out = poll_session(&mut w);
    assert_eq!(w.c.session_json(), "null");
    assert_eq!(poll_session(&mut w), signed_out, "nothing changed: same generation");
    sign_in(&mut w, "c1", 200, &alice("at-1", "rt-1"), T0);
    let first = poll_session(&mut w);
    assert_ne!(first, signed_out, "a sign-in is a new generation");
    assert_eq!(poll_session(&mut w), first);
    assert_eq!(Some(w.c.session_json().to_owned()), w.stored(), "the text getSession hands out is the stored session");
    sign_in(&mut w, "c2", 200, &alice("at-2", "rt-2"), T0);
    let second = poll_session(&mut w);
    assert_ne!(second, first);
    assert_eq!(serde_json::from_str::<Value>(w.c.session_json()).unwrap()["access_token"], "at-2");
}
