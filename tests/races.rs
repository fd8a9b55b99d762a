//! Races and the server's word (issue 13, items 1 and 2), on the virtual clock:
//! - a reply requested for a session that has since been replaced (a late refresh, an overtaken
//!   sign-in or user update) changes nothing: no session, no event, no storage write; whoever
//!   waited on it is decided again against the current session;
//! - a device clock moved back since the token was received is noticed (the token's own lifetime
//!   against the local receipt time) and the session refreshed;
//! - a token the server refuses as expired (`bad_jwt`, `PGRST301`, storage's `jwt expired`,
//!   functions' `Invalid JWT`) makes one refresh and one retry of that call.

mod common;

use common::{jwt, token_body, Outputs, World, T0};
use serde_json::{json, Value};
use supabase_wechat::client::FetchRequest;
use supabase_wechat::{AuthEvent, Output, Session};

const SELECT: &str = r#"[{"start":["from","todos"],"ops":[["select","*",false,null]]}]"#;
const DAY_MS: f64 = 86_400_000.0;
/// auth-js' class for a result dropped because the session changed meanwhile.
const DISCARDED: &str = "AuthRefreshDiscardedError";

fn bearer(f: &FetchRequest) -> String {
    f.headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        .and_then(|(_, v)| v.as_str())
        .unwrap_or("")
        .to_owned()
}

/// The access token of token body `body`.
fn access(body: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()["access_token"].as_str().unwrap().to_owned()
}

/// Session `n` of user `u-{user}`.
fn user_body(n: u32, user: u32) -> String {
    let id = format!("u-{user}");
    let token = jwt(json!({"sub": id, "exp": 1, "n": n}));
    token_body(n).tokens(&token, &format!("rt-{n}")).user(json!({"id": id})).to_string()
}

/// A token body whose access token states its own lifetime: issued at `iat_s` (the server's
/// clock), valid for an hour.
fn body_issued_at(n: u32, iat_s: i64) -> String {
    let token = jwt(json!({"sub": "u-1", "iat": iat_s, "exp": iat_s + 3600, "n": n}));
    token_body(n).tokens(&token, &format!("rt-{n}")).to_string()
}

fn stored_refresh_token(w: &World) -> Option<String> {
    w.stored().map(|s| serde_json::from_str::<Value>(&s).unwrap()["refresh_token"].as_str().unwrap().to_owned())
}

/// Signed in as session 1 with 60 s left: a data call starts a refresh and waits for it.
fn refresh_in_flight() -> (World, u32, u32) {
    let mut w = World::signed_in(60);
    let op = w.c.data("rest", "request", SELECT, T0);
    let outs = w.drain();
    assert!(outs.fetches().is_empty(), "the call waits for the refresh");
    let r = outs.refreshes().pop().expect("a refresh");
    (w, op, r.id)
}

// ---- item 1: a late reply never overwrites a newer session ---------------------------------------

#[test]
fn a_late_refresh_reply_does_not_overwrite_a_sign_in_that_landed_meanwhile() {
    let (mut w, op, refresh) = refresh_in_flight();
    let b = user_body(2, 2);
    w.c.sign_in_with_wechat(r#"{"code":"b"}"#, T0);
    let login = w.drain().http().pop().unwrap();
    w.now = T0 + 100.0;
    w.reply(login.id, 200, &b);
    let outs = w.drain();
    assert_eq!(outs.events(), [AuthEvent::SignedIn]);
    // The waiting call does not wait for the overtaken refresh: it goes out as B.
    let f = outs.fetches();
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].op, bearer(&f[0])), (op, format!("Bearer {}", access(&b))));
    // A's refresh answers 800 ms later: nothing changes.
    w.now = T0 + 800.0;
    w.reply(refresh, 200, &token_body(3).to_string());
    let outs = w.drain();
    assert!(outs.is_empty(), "no event, no storage write: {outs:?}");
    assert_eq!(w.token(), access(&b));
    assert_eq!(stored_refresh_token(&w).as_deref(), Some("rt-2"));
    let stored = w.stored();
    w.c.get_session(stored.as_deref(), w.now);
    assert_eq!(w.drain().first_done().1["session"]["user"]["id"], "u-2");
    w.c.data("rest", "request", SELECT, w.now);
    assert_eq!(bearer(&w.drain().fetches()[0]), format!("Bearer {}", access(&b)));
    assert_eq!(w.events(), [AuthEvent::SignedIn], "SIGNED_IN (B) only");
}

#[test]
fn a_late_refresh_reply_does_not_overwrite_set_session() {
    let (mut w, op, refresh) = refresh_in_flight();
    let b = jwt(json!({"sub": "u-2", "exp": (T0 / 1000.0) as i64 + 3600}));
    w.c.set_session(&json!({"access_token": b, "refresh_token": "rt-b"}).to_string(), T0);
    let check = w.drain().http().pop().unwrap();
    assert!(check.url.ends_with("/auth/v1/user"));
    w.reply(check.id, 200, r#"{"id":"u-2"}"#);
    let outs = w.drain();
    assert_eq!(outs.events(), [AuthEvent::SignedIn]);
    assert_eq!(outs.fetches().iter().map(|f| (f.op, bearer(f))).collect::<Vec<_>>(), [(op, format!("Bearer {b}"))]);
    w.reply(refresh, 200, &token_body(3).to_string());
    assert!(w.drain().is_empty());
    assert_eq!((w.token(), stored_refresh_token(&w).as_deref()), (b, Some("rt-b")));
    assert_eq!(w.events(), [AuthEvent::SignedIn]);
}

#[test]
fn waiters_of_an_overtaken_refresh_are_decided_again() {
    let mut w = World::signed_in(60);
    let stored = w.stored();
    let get_session = w.c.get_session(stored.as_deref(), T0);
    let refresh_session = w.c.refresh_session("null", T0);
    let get_user = w.c.invoke("getUser", "[]", None, &[], T0);
    let refresh = w.drain().refreshes().pop().unwrap();
    w.c.sign_in_with_wechat(r#"{"code":"b"}"#, T0);
    let login = w.drain().http().pop().unwrap();
    let b = user_body(2, 2);
    w.reply(login.id, 200, &b);
    let outs = w.drain();
    // getSession: the current session.
    assert_eq!(outs.done(get_session).unwrap()["session"]["user"]["id"], "u-2");
    // refreshSession: the session it refreshed is gone (auth-js' AuthRefreshDiscardedError).
    let (_, data, error) = outs.dones().into_iter().find(|d| d.0 == refresh_session).unwrap();
    assert_eq!(data, json!({"user": null, "session": null}));
    assert_eq!(error.unwrap().kind().name(), DISCARDED);
    // getUser, made for A: never sent as B.
    let (_, _, error) = outs.dones().into_iter().find(|d| d.0 == get_user).unwrap();
    assert_eq!(error.unwrap().kind().name(), DISCARDED);
    assert!(outs.http().is_empty(), "nothing sent with A's or B's token for A's calls");
    w.reply(refresh.id, 200, &token_body(3).to_string());
    assert!(w.drain().is_empty());
}

#[test]
fn an_overtaken_user_update_resolves_but_leaves_the_new_session_alone() {
    let mut w = World::signed_in(3600);
    let op = w.c.invoke("updateUser", r#"[{"data":{"a":1}}]"#, None, &[], T0);
    let put = w.drain().http().pop().unwrap();
    w.c.sign_in_with_wechat(r#"{"code":"b"}"#, T0);
    let login = w.drain().http().pop().unwrap();
    w.reply(login.id, 200, &user_body(2, 2));
    w.drain();
    w.reply(put.id, 200, r#"{"id":"u-1","user_metadata":{"a":1}}"#);
    let outs = w.drain();
    assert_eq!(outs.done(op).unwrap()["user"]["id"], "u-1", "the server did update A");
    assert!(outs.events().is_empty() && !outs.iter().any(|o| matches!(o, Output::StorageSet { .. })));
    assert_eq!(w.c.session().unwrap().user.as_ref().unwrap().id(), Some("u-2"));
}

#[test]
fn of_two_sign_ins_at_once_the_later_requested_wins() {
    for b_first in [true, false] {
        let mut w = World::new();
        let a = w.c.sign_in_with_wechat(r#"{"code":"a"}"#, T0);
        let b = w.c.sign_in_with_wechat(r#"{"code":"b"}"#, T0);
        let reqs = w.drain().http();
        let order = if b_first { [(1, 2, 2), (0, 1, 1)] } else { [(0, 1, 1), (1, 2, 2)] };
        for (i, n, user) in order {
            w.reply(reqs[i].id, 200, &user_body(n, user));
        }
        let outs = w.drain();
        assert_eq!(w.c.session().unwrap().refresh_token, "rt-2", "b_first: {b_first}");
        assert_eq!(stored_refresh_token(&w).as_deref(), Some("rt-2"));
        assert_eq!(outs.done(b).unwrap()["session"]["refresh_token"], "rt-2");
        let a_done = outs.dones().into_iter().find(|d| d.0 == a).unwrap();
        if b_first {
            // A's reply came after B's, which the page asked for later: dropped.
            assert_eq!(outs.events(), [AuthEvent::SignedIn]);
            assert_eq!(a_done.2.unwrap().kind().name(), DISCARDED);
            assert_eq!(a_done.1, json!({"user": null, "session": null}));
        } else {
            assert_eq!(outs.events(), [AuthEvent::SignedIn, AuthEvent::SignedIn]);
            assert!(a_done.2.is_none());
        }
    }
}

#[test]
fn a_sign_out_or_a_storage_read_during_a_refresh_still_commits_and_drops_its_reply() {
    // signOut with a session that is not yet expiring, while the tick's refresh is in flight.
    let mut w = World::signed_in(100);
    w.c.start_auto_refresh(false, T0);
    let refresh = w.drain().refreshes().pop().expect("the tick refreshes (3 ticks left)");
    w.c.sign_out("{}", T0);
    let logout = w.drain().http().pop().unwrap();
    assert!(logout.url.ends_with("/logout?scope=global"));
    w.reply(logout.id, 204, "");
    assert_eq!(w.drain().events(), [AuthEvent::SignedOut]);
    w.reply(refresh.id, 200, &token_body(2).to_string());
    assert!(w.drain().is_empty());
    assert!(w.c.session().is_none() && w.stored().is_none());

    // The page cleared storage (a sign-out the SDK we replace honours) while a call waited.
    let (mut w, op, refresh) = refresh_in_flight();
    w.storage.clear();
    w.c.get_session(None, T0);
    let outs = w.drain();
    assert_eq!(outs.first_done().1["session"], Value::Null);
    let f = outs.fetches();
    assert_eq!((f[0].op, bearer(&f[0])), (op, "Bearer anon-key".to_owned()), "signed out: anon");
    w.reply(refresh, 200, &token_body(2).to_string());
    assert!(w.drain().is_empty() && w.c.session().is_none());

    // A sign-in requested before a sign-out without a session is overtaken by it.
    let mut w = World::new();
    let a = w.c.sign_in_with_wechat(r#"{"code":"a"}"#, T0);
    let login = w.drain().http().pop().unwrap();
    w.c.sign_out("{}", T0);
    w.drain();
    w.reply(login.id, 200, &token_body(1).to_string());
    let outs = w.drain();
    assert!(w.c.session().is_none() && outs.events().is_empty());
    assert_eq!(outs.done(a), Some(json!({"user": null, "session": null})));
}

// ---- item 2: the server's word on expiry -------------------------------------------------------

/// Signed in at `device_now` with a token the server issued at T0 (its clock).
fn signed_in_at(device_now: f64) -> World {
    let mut w = World::new().at(device_now);
    w.c.sign_in_with_wechat(r#"{"code":"x"}"#, device_now);
    let login = w.drain().http().pop().unwrap();
    w.reply(login.id, 200, &body_issued_at(1, (T0 / 1000.0) as i64));
    w.drain();
    w
}

#[test]
fn a_clock_corrected_backwards_is_noticed_and_the_session_refreshed() {
    // Signed in while the phone was 2 days ahead; then the clock is corrected.
    let mut w = signed_in_at(T0 + 2.0 * DAY_MS);
    w.now = T0 + 600_000.0;
    let stored = w.stored();
    w.c.get_session(stored.as_deref(), w.now);
    assert_eq!(w.drain().refreshes().len(), 1, "the stored expires_at is 2 days out, the token is not");

    // After a restart too: the stored session is restored as it is.
    let mut w2 = World::new().at(T0 + 600_000.0);
    w2.c.restore(stored.as_deref(), w2.now);
    w2.drain();
    w2.c.data("rest", "request", SELECT, w2.now);
    let outs = w2.drain();
    assert!(outs.fetches().is_empty(), "not sent with a token that may have expired");
    assert_eq!(outs.refreshes().len(), 1);
}

#[test]
fn a_clock_wrong_the_whole_time_keeps_working_without_refreshes() {
    for skew in [2.0 * DAY_MS, -2.0 * DAY_MS, 7_200_000.0] {
        let mut w = signed_in_at(T0 + skew);
        for minutes in [0.0, 1.0, 30.0, 55.0] {
            w.now = T0 + skew + minutes * 60_000.0;
            let stored = w.stored();
            w.c.get_session(stored.as_deref(), w.now);
            w.c.data("rest", "request", SELECT, w.now);
            let outs = w.drain();
            assert!(outs.refreshes().is_empty(), "skew {skew}, {minutes} min");
            assert_eq!(outs.fetches().len(), 1);
        }
        // 59 minutes after sign-in (less than 90 s left): refreshed, as always.
        w.now = T0 + skew + 59.0 * 60_000.0;
        w.c.data("rest", "request", SELECT, w.now);
        assert_eq!(w.drain().refreshes().len(), 1, "skew {skew}");
    }
}

/// A data call answered `status` `body` for its first request.
fn rejected(w: &mut World, api: &str, method: &str, args: &str, status: u16, body: &str) -> (u32, FetchRequest) {
    let op = w.c.data(api, method, args, w.now);
    let first = w.drain().fetches().pop().expect("a request");
    let facts = json!({ "len": body.len() }).to_string();
    w.c.handle_data_response(first.id, status, "{}", &facts, Some(body), w.now);
    (op, first)
}

const PGRST301: &str = r#"{"code":"PGRST301","details":null,"hint":null,"message":"JWT expired"}"#;

#[test]
fn a_token_the_server_refuses_is_refreshed_once_and_the_call_retried() {
    let cases: [(&str, &str, &str, u16, &str); 5] = [
        ("rest", "request", SELECT, 401, PGRST301),
        ("rest", "request", SELECT, 401, r#"{"code":"PGRST303","message":"JWT expired"}"#),
        (
            "storage",
            "upload",
            r#"["b","a.txt",{"kind":"buffer","bytes":3}]"#,
            400,
            r#"{"statusCode":"403","error":"Unauthorized","message":"jwt expired"}"#,
        ),
        (
            "storage",
            "download",
            r#"["b","a.txt"]"#,
            400,
            r#"{"statusCode":"403","code":"AccessDenied","error":"Unauthorized","message":"\"exp\" claim timestamp check failed"}"#,
        ),
        ("functions", "invoke", r#"["hello",{"method":"POST","bodyKind":"json"}]"#, 401, r#"{"msg":"Invalid JWT"}"#),
    ];
    for (api, method, args, status, body) in cases {
        let mut w = World::signed_in(3600);
        let old = w.token();
        let (op, first) = rejected(&mut w, api, method, args, status, body);
        let outs = w.drain();
        assert!(outs.dones().is_empty(), "{api}: not resolved with the refusal");
        let r = outs.refreshes().pop().unwrap_or_else(|| panic!("{api}: one refresh"));
        let fresh = token_body(2).to_string();
        w.reply(r.id, 200, &fresh);
        let outs = w.drain();
        let retry = outs.fetches().pop().unwrap_or_else(|| panic!("{api}: a retry"));
        assert_eq!(retry.op, op);
        assert_ne!(retry.id, first.id);
        assert_eq!(bearer(&retry), format!("Bearer {}", access(&fresh)), "{api}");
        assert_ne!(bearer(&retry), format!("Bearer {old}"));
        assert_eq!(
            (&retry.url, retry.method, retry.payload, &retry.body),
            (&first.url, first.method, first.payload, &first.body),
            "{api}: the same request, the same body"
        );
        // A second refusal is the caller's answer.
        let facts = json!({ "len": body.len() }).to_string();
        w.c.handle_data_response(retry.id, status, "{}", &facts, Some(body), w.now);
        let outs = w.drain();
        assert!(outs.refreshes().is_empty() && outs.fetches().is_empty(), "{api}: once");
        assert_eq!(outs.dones().len(), 1);
        assert!(outs.json()[0]["data"]["error"].is_object(), "{api}: {:?}", outs.json());
    }
}

#[test]
fn get_user_refused_with_bad_jwt_is_refreshed_and_retried_once() {
    let mut w = World::signed_in(3600);
    let op = w.c.invoke("getUser", "[]", None, &[], T0);
    let first = w.drain().http().pop().unwrap();
    let bad_jwt = r#"{"code":"bad_jwt","message":"invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired"}"#;
    w.reply(first.id, 403, bad_jwt);
    let r = w.drain().refreshes().pop().expect("a refresh");
    let fresh = token_body(2).to_string();
    w.reply(r.id, 200, &fresh);
    let retry = w.drain().http().pop().expect("getUser again");
    assert!(retry.url.ends_with("/auth/v1/user"));
    assert_eq!(retry.headers["Authorization"], format!("Bearer {}", access(&fresh)));
    w.reply(retry.id, 200, r#"{"id":"u-1"}"#);
    assert_eq!(w.drain().done(op).unwrap()["user"]["id"], "u-1");

    // Twice refused: the second answer is returned as it is.
    let op = w.c.invoke("getUser", "[]", None, &[], T0);
    let first = w.drain().http().pop().unwrap();
    w.reply(first.id, 401, r#"{"code":"bad_jwt","message":"invalid JWT"}"#);
    let r = w.drain().refreshes().pop().unwrap();
    w.reply(r.id, 200, &token_body(3).to_string());
    let retry = w.drain().http().pop().unwrap();
    w.reply(retry.id, 403, bad_jwt);
    let outs = w.drain();
    assert!(outs.http().is_empty());
    let (_, _, error) = outs.dones().into_iter().find(|d| d.0 == op).unwrap();
    assert_eq!(error.unwrap().code.as_deref(), Some("bad_jwt"));
}

#[test]
fn an_auth_call_refused_after_the_session_was_replaced_is_not_retried_for_the_new_one() {
    let mut w = World::signed_in(3600);
    let op = w.c.invoke("updateUser", r#"[{"password":"for-a"}]"#, None, &[], T0);
    let put = w.drain().http().pop().unwrap();
    w.c.sign_in_with_wechat(r#"{"code":"b"}"#, T0);
    let login = w.drain().http().pop().unwrap();
    w.reply(login.id, 200, &user_body(2, 2));
    w.drain();
    w.reply(put.id, 403, r#"{"code":"bad_jwt","message":"invalid JWT"}"#);
    let outs = w.drain();
    assert!(outs.http().is_empty(), "A's password change is not sent as B: {outs:?}");
    let (_, _, error) = outs.dones().into_iter().find(|d| d.0 == op).unwrap();
    assert_eq!(error.unwrap().kind().name(), DISCARDED);
}

#[test]
fn a_data_call_refused_after_another_user_signed_in_keeps_its_refusal() {
    let mut w = World::signed_in(3600);
    let op = w.c.data("rest", "request", SELECT, T0);
    let first = w.drain().fetches().pop().unwrap();
    w.c.sign_in_with_wechat(r#"{"code":"b"}"#, T0);
    let login = w.drain().http().pop().unwrap();
    w.reply(login.id, 200, &user_body(2, 2));
    w.drain();
    let facts = json!({ "len": PGRST301.len() }).to_string();
    w.c.handle_data_response(first.id, 401, "{}", &facts, Some(PGRST301), T0);
    let outs = w.drain();
    assert!(outs.fetches().is_empty() && outs.refreshes().is_empty(), "not sent again as B");
    assert_eq!(outs.dones().into_iter().map(|d| d.0).collect::<Vec<_>>(), [op]);
    assert_eq!(outs.json()[0]["data"]["error"]["code"], "PGRST301");
}

#[test]
fn no_retry_for_a_callers_own_authorization_the_anon_key_or_other_refusals() {
    // The caller's Authorization header (a service key, a token of its own).
    let mut w =
        World::with_options(json!({"global": {"headers": {"Authorization": "Bearer service"}}})).with_session(3600);
    rejected(&mut w, "rest", "request", SELECT, 401, PGRST301);
    let outs = w.drain();
    assert!(outs.refreshes().is_empty() && outs.dones().len() == 1);
    // Signed out: the anon key is not the session's to refresh.
    let mut w = World::new();
    rejected(&mut w, "rest", "request", SELECT, 401, PGRST301);
    let outs = w.drain();
    assert!(outs.refreshes().is_empty() && outs.dones().len() == 1);
    // getUser(jwt) with the caller's own token.
    let mut w = World::signed_in(3600);
    w.c.invoke("getUser", r#"["caller-token"]"#, None, &[], T0);
    let r = w.drain().http().pop().unwrap();
    w.reply(r.id, 403, r#"{"code":"bad_jwt","message":"invalid JWT"}"#);
    assert!(w.drain().refreshes().is_empty());
    // Refusals that a refresh cannot fix: row-level security, an unknown API key.
    for (status, body) in [
        (403, r#"{"code":"42501","message":"new row violates row-level security policy"}"#),
        (401, r#"{"message":"Invalid API key"}"#),
        (400, r#"{"statusCode":"403","error":"Unauthorized","message":"new row violates row-level security policy"}"#),
    ] {
        let mut w = World::signed_in(3600);
        rejected(&mut w, "rest", "request", SELECT, status, body);
        let outs = w.drain();
        assert!(outs.refreshes().is_empty() && outs.dones().len() == 1, "{body}");
    }
}

#[test]
fn a_refused_token_is_not_handed_out_again_while_its_refresh_fails() {
    let mut w = World::signed_in(3600);
    rejected(&mut w, "rest", "request", SELECT, 401, PGRST301);
    let mut outs = w.drain();
    assert_eq!(outs.refreshes().len(), 1, "the refusal starts a refresh");
    while let Some(r) = outs.refreshes().pop() {
        w.fail(r.id, "request:fail");
        outs = w.drain();
        if outs.dones().is_empty() && w.fire().is_some() {
            outs.extend(w.drain());
        }
    }
    assert_eq!(outs.dones().len(), 1, "resolved once the refresh gave up");
    assert!(outs.fetches().is_empty(), "not sent again with the refused token");
    let session: Option<&Session> = w.c.session();
    assert!(session.is_some(), "the session is kept (a transient failure)");
    // The next call does not go out with the refused token either: it refreshes first.
    w.c.data("rest", "request", SELECT, w.now);
    let outs = w.drain();
    assert!(outs.fetches().is_empty() && outs.refreshes().len() == 1);
}
