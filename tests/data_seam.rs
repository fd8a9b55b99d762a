//! The data path's seam in the client: which bearer a Database / Storage / Functions request
//! carries, how it waits for the single-flight refresh, what happens when that refresh fails,
//! aborts, and replies that arrive for requests nobody waits for any more.

mod common;

use common::drain_ack as drain;
use common::token_body;
use serde_json::{json, Value};
use supabase_wechat::client::FetchRequest;
use supabase_wechat::{AuthEvent, Client, HttpRequest, Output, Session};

const URL: &str = "https://abcdefghij.baseapi.memfiredb.com";
const KEY: &str = "anon-key";
const T0: f64 = 1_700_000_000_000.0;
const SELECT: &str = r#"[{"start":["from","todos"],"ops":[["select","*",false,null]]}]"#;

fn signed_in(now: f64, expires_in_s: i64) -> (Client, String) {
    let mut c = Client::new(URL, KEY, "{}");
    let s = Session::from_token_response(&token_body(1, expires_in_s), now).expect("session");
    let token = s.access_token.clone();
    c.restore(Some(&s.to_stored()), now);
    assert!(c.poll().is_none());
    (c, token)
}

fn fetches(outs: &[Output]) -> Vec<FetchRequest> {
    outs.iter().filter_map(|o| if let Output::Fetch(r) = o { Some(r.clone()) } else { None }).collect()
}

fn https(outs: &[Output]) -> Vec<HttpRequest> {
    outs.iter().filter_map(|o| if let Output::Http(r) = o { Some(r.clone()) } else { None }).collect()
}

fn done(outs: &[Output], op: u32) -> Option<Value> {
    outs.iter().find_map(|o| match o {
        Output::Done { op: o, data, .. } if *o == op => Some(data.value()),
        _ => None,
    })
}

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
    let mut c = Client::new(URL, KEY, "{}");
    c.data("rest", "request", SELECT, T0);
    let f = fetches(&drain(&mut c));
    assert_eq!(f.len(), 1);
    assert_eq!(bearer(&f[0]), "Bearer anon-key");
    assert_eq!(header(&f[0], "apikey"), (Some(KEY.to_owned()), 1));
}

#[test]
fn a_valid_session_sends_the_users_token_at_once() {
    let (mut c, token) = signed_in(T0, 3600);
    c.data("rest", "request", SELECT, T0);
    c.data("functions", "invoke", r#"["hello",{"method":"POST","bodyKind":"none"}]"#, T0);
    let outs = drain(&mut c);
    assert!(https(&outs).is_empty(), "no refresh");
    let f = fetches(&outs);
    assert!(!f.is_empty());
    for r in &f {
        assert_eq!(bearer(r), format!("Bearer {token}"), "{}", r.url);
    }
}

#[test]
fn requests_near_expiry_wait_for_one_refresh_and_use_the_new_token() {
    let (mut c, _) = signed_in(T0, 60);
    let ops: Vec<u32> = (0..20).map(|_| c.data("rest", "request", SELECT, T0)).collect();
    let outs = drain(&mut c);
    assert!(fetches(&outs).is_empty(), "nothing goes out with a token about to expire");
    let refresh = https(&outs);
    assert_eq!(refresh.len(), 1, "one refresh for all");
    c.handle_response(refresh[0].id, 200, &token_body(2, 3600), T0 + 50.0);
    let outs = drain(&mut c);
    let f = fetches(&outs);
    assert_eq!(f.len(), ops.len());
    let new_token = Session::from_token_response(&token_body(2, 3600), T0).expect("s").access_token;
    assert!(f.iter().all(|r| bearer(r) == format!("Bearer {new_token}")));
    assert!(outs.iter().any(|o| matches!(o, Output::Event { event: AuthEvent::TokenRefreshed, .. })));
}

#[test]
fn a_transient_refresh_failure_with_an_expired_token_fails_the_call_instead_of_going_anon() {
    let (mut c, _) = signed_in(T0, 10);
    let later = T0 + 20_000.0; // the access token has expired
    let op = c.data("rest", "request", SELECT, later);
    let mut now = later;
    let mut result = None;
    // Every refresh attempt fails on the network until the retry budget is spent.
    for _ in 0..40 {
        let outs = drain(&mut c);
        assert!(fetches(&outs).is_empty(), "never sent as anon while the session is kept");
        if let Some(d) = done(&outs, op) {
            result = Some(d);
            break;
        }
        for r in https(&outs) {
            c.handle_transport_error(r.id, "request:fail timeout", now);
        }
        if let Some(t) = c.poll_timeout() {
            now = now.max(t);
            c.handle_timeout(now);
        }
    }
    let d = result.expect("the call resolved");
    assert_eq!(d["result"]["status"], 0);
    assert_eq!(d["error"]["details"], "session_refresh_failed");
    assert!(c.session().is_some(), "a network failure never signs the user out");
}

#[test]
fn after_a_refused_refresh_the_user_is_signed_out_and_the_call_goes_as_anon() {
    let (mut c, _) = signed_in(T0, 60);
    c.data("rest", "request", SELECT, T0);
    let refresh = https(&drain(&mut c));
    let body = r#"{"code":"refresh_token_not_found","message":"Invalid Refresh Token: Refresh Token Not Found"}"#;
    c.handle_response(refresh[0].id, 400, body, T0 + 10.0);
    let outs = drain(&mut c);
    assert!(outs.iter().any(|o| matches!(o, Output::Event { event: AuthEvent::SignedOut, .. })));
    let f = fetches(&outs);
    assert_eq!(f.len(), 1);
    assert_eq!(bearer(&f[0]), "Bearer anon-key");
}

#[test]
fn abort_resolves_in_flight_and_waiting_calls_and_late_replies_are_ignored() {
    let mut c = Client::new(URL, KEY, "{}");
    let op = c.data("rest", "request", SELECT, T0);
    let f = fetches(&drain(&mut c));
    c.cancel(op);
    let outs = drain(&mut c);
    let d = done(&outs, op).expect("resolved by the abort");
    assert_eq!(d["error"]["message"], "AbortError: This operation was aborted");
    // The wx task's own reply (abort, or a late answer) changes nothing.
    c.handle_transport_error(f[0].id, "request:fail abort", T0);
    c.handle_data_response(f[0].id, 200, "{}", r#"{"len":2,"json":true,"array":0}"#, None, T0);
    assert!(drain(&mut c).is_empty());
    c.cancel(op); // twice, and unknown ops: nothing
    c.cancel(9999);
    assert!(drain(&mut c).is_empty());

    // A call waiting for the refresh is resolved at once and not sent after it.
    let (mut c, _) = signed_in(T0, 60);
    let op = c.data("rest", "request", SELECT, T0);
    let refresh = https(&drain(&mut c));
    c.cancel(op);
    assert_eq!(
        done(&drain(&mut c), op).expect("resolved")["error"]["message"],
        "AbortError: This operation was aborted"
    );
    c.handle_response(refresh[0].id, 200, &token_body(2, 3600), T0 + 10.0);
    assert!(fetches(&drain(&mut c)).is_empty());
}

#[test]
fn global_headers_come_first_and_a_callers_authorization_wins() {
    let opts = json!({"global": {"headers": {"X-App": "demo", "Authorization": "Bearer custom"}}}).to_string();
    let mut c = Client::new(URL, KEY, &opts);
    c.data("rest", "request", SELECT, T0);
    let f = fetches(&drain(&mut c));
    assert_eq!(header(&f[0], "x-app"), (Some("demo".to_owned()), 1));
    assert_eq!(header(&f[0], "authorization"), (Some("Bearer custom".to_owned()), 1), "the caller's, once");
    assert_eq!(header(&f[0], "apikey"), (Some(KEY.to_owned()), 1));
}

#[test]
fn unknown_apis_and_a_bad_configuration_resolve_without_a_request() {
    let mut c = Client::new(URL, KEY, "{}");
    let op = c.data("nope", "x", "[]", T0);
    let outs = drain(&mut c);
    assert!(fetches(&outs).is_empty());
    assert!(done(&outs, op).expect("done")["error"]["message"].as_str().unwrap_or("").contains("unknown method"));

    let mut c = Client::new("not a url", KEY, "{}");
    let op = c.data("rest", "request", SELECT, T0);
    let outs = drain(&mut c);
    assert!(fetches(&outs).is_empty());
    assert!(done(&outs, op).expect("done")["error"].is_object());
}
