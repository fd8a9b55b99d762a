//! The data path's seam in the client: which bearer a Database / Storage / Functions request
//! carries, how it waits for the single-flight refresh, what happens when that refresh fails,
//! aborts, and replies that arrive for requests nobody waits for any more.

mod common;

use common::{token_body, Outputs, World, KEY, T0};
use serde_json::{json, Value};
use supabase_wechat::client::FetchRequest;
use supabase_wechat::{AuthEvent, Client, Output, Session};

const SELECT: &str = r#"[{"start":["from","todos"],"ops":[["select","*",false,null]]}]"#;

/// A header by name, case-insensitively, and how many times the name occurs.
fn header(f: &FetchRequest, name: &str) -> (Option<String>, usize) {
    let found: Vec<&Value> = f.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v).collect();
    (found.first().and_then(|v| v.as_str()).map(str::to_owned), found.len())
}

fn bearer(f: &FetchRequest) -> String {
    header(f, "authorization").0.unwrap_or_default()
}

#[test]
fn signed_out_requests_carry_the_anon_key() {
    let mut w = World::new();
    w.c.data("rest", "request", SELECT, T0);
    let f = w.drain().fetches();
    assert_eq!(f.len(), 1);
    assert_eq!(bearer(&f[0]), "Bearer anon-key");
    assert_eq!(header(&f[0], "apikey"), (Some(KEY.to_owned()), 1));
}

#[test]
fn a_valid_session_sends_the_users_token_at_once() {
    let mut w = World::signed_in(3600);
    let token = w.token();
    w.c.data("rest", "request", SELECT, T0);
    w.c.data("functions", "invoke", r#"["hello",{"method":"POST","bodyKind":"none"}]"#, T0);
    let outs = w.drain();
    assert!(outs.http().is_empty(), "no refresh");
    let f = outs.fetches();
    assert!(!f.is_empty());
    for r in &f {
        assert_eq!(bearer(r), format!("Bearer {token}"), "{}", r.url);
    }
}

#[test]
fn requests_near_expiry_wait_for_one_refresh_and_use_the_new_token() {
    let mut w = World::signed_in(60);
    let ops: Vec<u32> = (0..20).map(|_| w.c.data("rest", "request", SELECT, T0)).collect();
    let outs = w.drain();
    assert!(outs.fetches().is_empty(), "nothing goes out with a token about to expire");
    let refresh = outs.http();
    assert_eq!(refresh.len(), 1, "one refresh for all");
    w.c.handle_response(refresh[0].id, 200, &token_body(2).to_string(), T0 + 50.0);
    let outs = w.drain();
    let f = outs.fetches();
    assert_eq!(f.len(), ops.len());
    let new_token = Session::from_token_response(&token_body(2).to_string(), T0).expect("s").access_token;
    assert!(f.iter().all(|r| bearer(r) == format!("Bearer {new_token}")));
    assert!(outs.iter().any(|o| matches!(o, Output::Event { event: AuthEvent::TokenRefreshed, .. })));
}

#[test]
fn a_transient_refresh_failure_with_an_expired_token_fails_the_call_instead_of_going_anon() {
    let mut w = World::signed_in(10);
    w.advance(20_000.0); // the access token has expired
    let op = w.c.data("rest", "request", SELECT, w.now);
    let mut result = None;
    // Every refresh attempt fails on the network until the retry budget is spent.
    for _ in 0..40 {
        let outs = w.drain();
        assert!(outs.fetches().is_empty(), "never sent as anon while the session is kept");
        if let Some(d) = outs.done(op) {
            result = Some(d);
            break;
        }
        for r in outs.http() {
            w.fail(r.id, "request:fail timeout");
        }
        w.fire();
    }
    let d = result.expect("the call resolved");
    assert_eq!(d["result"]["status"], 0);
    assert_eq!(d["error"]["details"], "session_refresh_failed");
    assert!(w.c.session().is_some(), "a network failure never signs the user out");
}

#[test]
fn after_a_refused_refresh_the_user_is_signed_out_and_the_call_goes_as_anon() {
    let mut w = World::signed_in(60);
    w.c.data("rest", "request", SELECT, T0);
    let refresh = w.drain().http();
    let body = r#"{"code":"refresh_token_not_found","message":"Invalid Refresh Token: Refresh Token Not Found"}"#;
    w.c.handle_response(refresh[0].id, 400, body, T0 + 10.0);
    let outs = w.drain();
    assert!(outs.iter().any(|o| matches!(o, Output::Event { event: AuthEvent::SignedOut, .. })));
    let f = outs.fetches();
    assert_eq!(f.len(), 1);
    assert_eq!(bearer(&f[0]), "Bearer anon-key");
}

#[test]
fn abort_resolves_in_flight_and_waiting_calls_and_late_replies_are_ignored() {
    let mut w = World::new();
    let op = w.c.data("rest", "request", SELECT, T0);
    let f = w.drain().fetches();
    w.c.cancel(op);
    let outs = w.drain();
    let d = outs.done(op).expect("resolved by the abort");
    assert_eq!(d["error"]["message"], "AbortError: This operation was aborted");
    // The wx task's own reply (abort, or a late answer) changes nothing.
    w.fail(f[0].id, "request:fail abort");
    w.c.handle_data_response(f[0].id, 200, "{}", r#"{"len":2,"json":true,"array":0}"#, None, T0);
    assert!(w.drain().is_empty());
    w.c.cancel(op); // twice, and unknown ops: nothing
    w.c.cancel(9999);
    assert!(w.drain().is_empty());

    // A call waiting for the refresh is resolved at once and not sent after it.
    let mut w = World::signed_in(60);
    let op = w.c.data("rest", "request", SELECT, T0);
    let refresh = w.drain().http();
    w.c.cancel(op);
    assert_eq!(w.drain().done(op).expect("resolved")["error"]["message"], "AbortError: This operation was aborted");
    w.c.handle_response(refresh[0].id, 200, &token_body(2).to_string(), T0 + 10.0);
    assert!(w.drain().fetches().is_empty());
}

#[test]
fn global_headers_come_first_and_a_callers_authorization_wins() {
    let opts = json!({"global": {"headers": {"X-App": "demo", "Authorization": "Bearer custom"}}});
    let mut w = World::with_options(opts);
    w.c.data("rest", "request", SELECT, T0);
    let f = w.drain().fetches();
    assert_eq!(header(&f[0], "x-app"), (Some("demo".to_owned()), 1));
    assert_eq!(header(&f[0], "authorization"), (Some("Bearer custom".to_owned()), 1), "the caller's, once");
    assert_eq!(header(&f[0], "apikey"), (Some(KEY.to_owned()), 1));
}

#[test]
fn unknown_apis_and_a_bad_configuration_resolve_without_a_request() {
    let mut w = World::new();
    let op = w.c.data("nope", "x", "[]", T0);
    let outs = w.drain();
    assert!(outs.fetches().is_empty());
    assert!(outs.done(op).expect("done")["error"]["message"].as_str().unwrap_or("").contains("unknown method"));

    let mut w = World::with(Client::new("not a url", KEY, "{}"));
    let op = w.c.data("rest", "request", SELECT, T0);
    let outs = w.drain();
    assert!(outs.fetches().is_empty());
    assert!(outs.done(op).expect("done")["error"].is_object());
}
