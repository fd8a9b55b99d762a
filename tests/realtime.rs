//! The realtime state machine (src/realtime) through the client, with a virtual clock and a
//! scripted Phoenix server: joins and replies, timeouts, heartbeat, reconnect backoff, rejoin of
//! every channel exactly once, buffered pushes, presence, the access token after a refresh,
//! `removeAllChannels`, and untrusted frames.

mod common;

use common::{token_body, Outputs, World, KEY};
use proptest::prelude::*;
use serde_json::{json, Value};

fn subscribed(w: &mut World, name: &str) -> u32 {
    let ch = w.c.realtime_channel(name, "{}");
    w.c.realtime_on(ch, "broadcast", r#"{"event":"msg"}"#);
    w.c.realtime_subscribe(ch, None, w.now);
    w.drain();
    ch
}

#[test]
fn subscribe_opens_one_socket_and_joins_with_the_anon_key_when_signed_out() {
    let mut w = World::new();
    let ch = w.c.realtime_channel("room", r#"{"config":{"broadcast":{"self":true}}}"#);
    w.c.realtime_on(ch, "postgres_changes", r#"{"event":"INSERT","schema":"public","table":"todos"}"#);
    w.c.realtime_subscribe(ch, None, w.now);
    w.drain();
    assert_eq!(w.opens().len(), 1);
    assert_eq!(
        w.opens()[0].1,
        "wss://abcdefghij.baseapi.memfiredb.com/realtime/v1/websocket?apikey=anon-key&vsn=1.0.0"
    );
    assert!(w.sent().is_empty(), "nothing is sent before the socket opens");
    w.open();
    let joins = w.sent_events("phx_join");
    assert_eq!(joins.len(), 1);
    let j = &joins[0];
    assert_eq!(j["topic"], "realtime:room");
    assert_eq!(j["join_ref"], j["ref"]);
    assert_eq!(j["payload"]["access_token"], KEY);
    assert_eq!(j["payload"]["config"]["broadcast"], json!({"ack": false, "self": true}));
    assert_eq!(j["payload"]["config"]["presence"], json!({"key": "", "enabled": false}));
    assert_eq!(
        j["payload"]["config"]["postgres_changes"],
        json!([{"event": "INSERT", "schema": "public", "table": "todos"}])
    );
    w.ack_joins();
    assert_eq!(w.statuses(), vec![(ch, "SUBSCRIBED".to_owned())]);
    // A second channel shares the socket.
    let ch2 = subscribed(&mut w, "other");
    assert_eq!(w.opens().len(), 1);
    assert_eq!(w.sent_events("phx_join").len(), 2);
    assert_ne!(ch, ch2);
}

#[test]
fn a_restored_session_joins_with_the_users_token() {
    let mut w = World::signed_in(3600);
    let token = w.token();
    subscribed(&mut w, "room");
    w.open();
    assert_eq!(w.sent_events("phx_join")[0]["payload"]["access_token"], token.as_str());
}

#[test]
fn an_expiring_session_is_refreshed_before_the_join() {
    let mut w = World::signed_in(30);
    subscribed(&mut w, "room");
    assert_eq!(w.http().len(), 1, "a refresh");
    w.open();
    assert!(w.sent_events("phx_join").is_empty(), "the join waits for the refresh");
    let id = w.http()[0].id;
    w.reply(id, 200, &token_body(2).to_string());
    w.drain();
    let joins = w.sent_events("phx_join");
    assert_eq!(joins.len(), 1);
    let fresh = w.c.session().expect("session").access_token.clone();
    assert_eq!(joins[0]["payload"]["access_token"], fresh.as_str());
    assert!(w.sent_events("access_token").is_empty(), "nothing was joined with the old token");
}

#[test]
fn join_reply_postgres_ids_route_changes_and_a_mismatch_is_a_channel_error() {
    let mut w = World::new();
    let ch = w.c.realtime_channel("db", "{}");
    let ins = w.c.realtime_on(ch, "postgres_changes", r#"{"event":"INSERT","schema":"public","table":"todos"}"#);
    let all = w.c.realtime_on(ch, "postgres_changes", r#"{"event":"*","schema":"public","table":"todos"}"#);
    w.c.realtime_subscribe(ch, None, w.now);
    w.drain();
    w.open();
    w.ack_joins();
    let change = |ids: Value, kind: &str| {
        json!({"topic": "realtime:db", "event": "postgres_changes", "ref": null, "payload": {"ids": ids, "data": {
            "schema": "public", "table": "todos", "commit_timestamp": "2024-01-01T00:00:00Z", "type": kind,
            "columns": [], "record": {"id": 1}, "old_record": {"id": 1}, "errors": null}}})
    };
    w.recv(change(json!([100, 101]), "INSERT"));
    assert_eq!(w.calls().len(), 1);
    assert_eq!(w.calls()[0].1, vec![ins, all]);
    assert_eq!(w.calls()[0].2["eventType"], "INSERT");
    assert_eq!(w.calls()[0].2["new"], json!({"id": 1}));
    assert_eq!(w.calls()[0].2["old"], json!({}));
    w.recv(change(json!([101]), "DELETE"));
    assert_eq!(w.calls()[1].1, vec![all]);
    assert_eq!(w.calls()[1].2["old"], json!({"id": 1}));
    w.recv(change(json!([999]), "INSERT"));
    assert_eq!(w.calls().len(), 2, "ids of no binding of ours");

    let mut w = World::new();
    let ch = w.c.realtime_channel("db", "{}");
    w.c.realtime_on(ch, "postgres_changes", r#"{"event":"INSERT","schema":"public","table":"todos"}"#);
    w.c.realtime_subscribe(ch, None, w.now);
    w.drain();
    w.open();
    let j = w.sent_events("phx_join")[0].clone();
    w.phx_reply(&j, json!({"postgres_changes": [{"id": 1, "event": "UPDATE", "schema": "public", "table": "todos"}]}));
    assert!(w.statuses().contains(&(ch, "CHANNEL_ERROR".to_owned())));
    assert_eq!(w.sent_events("phx_leave").len(), 1);
}

#[test]
fn a_join_that_times_out_is_retried_with_backoff() {
    let mut w = World::new();
    let ch = subscribed(&mut w, "room");
    w.open();
    w.advance(9_999.0);
    assert!(w.statuses().is_empty());
    w.advance(1.0);
    assert_eq!(w.statuses(), vec![(ch, "TIMED_OUT".to_owned())]);
    assert_eq!(w.sent_events("phx_leave").len(), 1, "Phoenix leaves a join that may still land");
    w.advance(999.0);
    assert_eq!(w.sent_events("phx_join").len(), 1);
    w.advance(1.0);
    assert_eq!(w.sent_events("phx_join").len(), 2, "rejoined after 1 s");
    // A late reply to the first join is ignored; the second one counts.
    let first = w.sent_events("phx_join")[0].clone();
    w.phx_reply(&first, json!({}));
    assert!(!w.statuses().contains(&(ch, "SUBSCRIBED".to_owned())));
    let second = w.sent_events("phx_join")[1].clone();
    w.phx_reply(&second, json!({}));
    assert_eq!(w.statuses().last(), Some(&(ch, "SUBSCRIBED".to_owned())));
}

#[test]
fn a_refused_join_reports_channel_error_with_the_reason() {
    let mut w = World::new();
    let ch = subscribed(&mut w, "room");
    w.open();
    let j = w.sent_events("phx_join")[0].clone();
    w.recv(json!({"topic": "realtime:room", "event": "phx_reply", "ref": j["ref"],
        "payload": {"status": "error", "response": {"reason": "InvalidJWTToken: expired"}}}));
    assert_eq!(w.statuses(), vec![(ch, "CHANNEL_ERROR".to_owned())]);
    w.advance(1_000.0);
    assert_eq!(w.sent_events("phx_join").len(), 2, "retried after 1 s");
}

#[test]
fn heartbeat_every_25s_and_a_missed_one_reconnects() {
    let mut w = World::new();
    let ch = subscribed(&mut w, "room");
    w.open();
    w.ack_joins();
    w.advance(25_000.0);
    let hb = w.sent_events("heartbeat");
    assert_eq!(hb.len(), 1);
    assert_eq!(hb[0]["topic"], "phoenix");
    w.recv(json!({"topic": "phoenix", "event": "phx_reply", "ref": hb[0]["ref"], "payload": {"status": "ok", "response": {}}}));
    w.advance(25_000.0);
    assert_eq!(w.sent_events("heartbeat").len(), 2);
    // No reply this time: at the next beat the socket is given up and reopened after 1 s.
    let old = w.socket.expect("socket");
    w.advance(25_000.0);
    assert_eq!(w.closes(), vec![(old, 1000, "heartbeat timeout".to_owned())]);
    assert!(w.statuses().contains(&(ch, "CHANNEL_ERROR".to_owned())));
    // The old socket's late onClose is ignored.
    w.c.socket_closed(old, 1000, "heartbeat timeout", w.now);
    w.drain();
    w.advance(1_000.0);
    assert_eq!(w.opens().len(), 2);
    w.open();
    assert_eq!(w.sent_events("phx_join").len(), 2);
}

#[test]
fn drops_reconnect_with_backoff_and_rejoin_every_channel_exactly_once() {
    let mut w = World::new();
    let a = subscribed(&mut w, "a");
    let b = subscribed(&mut w, "b");
    w.open();
    assert_eq!(w.sent_events("phx_join").len(), 2);
    w.ack_joins();
    // Drop, and fail the reconnects: 1 s, 2 s, 5 s, 10 s, 10 s.
    w.drop_socket();
    for (i, wait) in [1_000.0, 2_000.0, 5_000.0, 10_000.0, 10_000.0].into_iter().enumerate() {
        w.advance(wait - 1.0);
        assert_eq!(w.opens().len(), 1 + i, "not before {wait} ms");
        w.advance(1.0);
        assert_eq!(w.opens().len(), 2 + i, "after {wait} ms");
        if i < 4 {
            let s = w.socket.expect("socket");
            w.c.socket_error(s, "connectSocket:fail", w.now);
            w.c.socket_closed(s, 1006, "", w.now);
            w.drain();
        }
    }
    w.open();
    let joins = w.sent_events("phx_join");
    assert_eq!(joins.len(), 4, "each channel rejoined once");
    assert_eq!(joins[2..].iter().filter(|j| j["topic"] == "realtime:a").count(), 1);
    assert_eq!(joins[2..].iter().filter(|j| j["topic"] == "realtime:b").count(), 1);
    let before = w.statuses().len();
    for j in &joins[2..] {
        w.phx_reply(j, json!({}));
    }
    let st: Vec<_> = w.statuses()[before..].to_vec();
    assert!(st.contains(&(a, "SUBSCRIBED".to_owned())) && st.contains(&(b, "SUBSCRIBED".to_owned())));
    // Backoff was reset by the successful open.
    w.drop_socket();
    w.advance(1_000.0);
    assert_eq!(w.opens().len(), 7);
}

#[test]
fn pushes_before_the_join_are_buffered_then_sent_and_time_out_otherwise() {
    let mut w = World::new();
    let ch = w.c.realtime_channel("room", r#"{"config":{"broadcast":{"ack":true}}}"#);
    w.c.realtime_subscribe(ch, None, w.now);
    let op = w.c.realtime_push(ch, r#"{"type":"broadcast","event":"msg","payload":{"n":1}}"#, None, w.now);
    w.drain();
    assert!(w.done(op).is_none());
    w.open();
    assert!(w.sent_events("broadcast").is_empty(), "buffered until joined");
    w.ack_joins();
    let b = w.sent_events("broadcast");
    assert_eq!(b.len(), 1);
    assert_eq!(b[0]["payload"], json!({"type": "broadcast", "event": "msg", "payload": {"n": 1}}));
    w.phx_reply(&b[0].clone(), json!({}));
    assert_eq!(w.done(op), Some(json!("ok")));
    // With ack and no reply: timed out after 10 s.
    let op2 = w.c.realtime_push(ch, r#"{"type":"broadcast","event":"msg","payload":{}}"#, None, w.now);
    w.advance(10_000.0);
    assert_eq!(w.done(op2), Some(json!("timed out")));
}

#[test]
fn broadcast_without_ack_resolves_ok_at_once_and_unjoined_send_goes_over_http() {
    let mut w = World::new();
    let ch = subscribed(&mut w, "room");
    w.open();
    w.ack_joins();
    let op = w.c.realtime_push(ch, r#"{"type":"broadcast","event":"msg","payload":{}}"#, None, w.now);
    w.drain();
    assert_eq!(w.done(op), Some(json!("ok")));
    assert_eq!(w.sent_events("broadcast").len(), 1);
    // A broadcast that arrives goes to the bindings of its event only.
    let other = w.c.realtime_on(ch, "broadcast", r#"{"event":"*"}"#);
    w.recv(json!({"topic": "realtime:room", "event": "broadcast", "ref": null,
        "payload": {"type": "broadcast", "event": "msg", "payload": {"x": 1}}}));
    assert_eq!(w.calls().last().map(|c| c.1.clone()), Some(vec![0, other]));
    w.recv(json!({"topic": "realtime:room", "event": "broadcast", "ref": null,
        "payload": {"type": "broadcast", "event": "else", "payload": {}}}));
    assert_eq!(w.calls().last().map(|c| c.1.clone()), Some(vec![other]));

    let never = w.c.realtime_channel("http", "{}");
    let op = w.c.realtime_push(never, r#"{"type":"broadcast","event":"e","payload":{"a":1}}"#, None, w.now);
    w.drain();
    assert_eq!(w.http().len(), 1);
    let r = &w.http()[0];
    assert_eq!(r.url, "https://abcdefghij.baseapi.memfiredb.com/realtime/v1/api/broadcast");
    let body: Value = serde_json::from_str(r.body.as_deref().unwrap_or("")).expect("json");
    assert_eq!(body, json!({"messages": [{"topic": "http", "event": "e", "payload": {"a": 1}, "private": false}]}));
    let id = r.id;
    w.reply(id, 202, "");
    w.drain();
    assert_eq!(w.done(op), Some(json!("ok")));
}

#[test]
fn presence_state_and_diffs_merge_like_realtime_presence() {
    let mut w = World::new();
    let ch = w.c.realtime_channel("room", r#"{"config":{"presence":{"key":"me"}}}"#);
    let sync = w.c.realtime_on(ch, "presence", r#"{"event":"sync"}"#);
    let join = w.c.realtime_on(ch, "presence", r#"{"event":"join"}"#);
    let leave = w.c.realtime_on(ch, "presence", r#"{"event":"leave"}"#);
    w.c.realtime_subscribe(ch, None, w.now);
    w.drain();
    w.open();
    assert_eq!(w.sent_events("phx_join")[0]["payload"]["config"]["presence"], json!({"key": "me", "enabled": true}));
    w.ack_joins();
    // A diff before the state is held until the state comes.
    w.recv(json!({"topic": "realtime:room", "event": "presence_diff", "ref": null,
        "payload": {"joins": {"b": {"metas": [{"phx_ref": "B1", "name": "b"}]}}, "leaves": {}}}));
    assert!(w.calls().is_empty());
    w.recv(json!({"topic": "realtime:room", "event": "presence_state", "ref": null,
        "payload": {"a": {"metas": [{"phx_ref": "A1", "name": "a"}]}}}));
    let kinds: Vec<Vec<u32>> = w.calls().iter().map(|c| c.1.clone()).collect();
    assert_eq!(kinds, vec![vec![join], vec![join], vec![sync]]);
    assert_eq!(w.calls()[0].2["newPresences"], json!([{"name": "a", "presence_ref": "A1"}]));
    let state: Value = serde_json::from_str(&w.c.realtime_presence_state(ch)).expect("json");
    assert_eq!(state, json!({"a": [{"name": "a", "presence_ref": "A1"}], "b": [{"name": "b", "presence_ref": "B1"}]}));
    w.recv(json!({"topic": "realtime:room", "event": "presence_diff", "ref": null,
        "payload": {"joins": {}, "leaves": {"b": {"metas": [{"phx_ref": "B1", "name": "b"}]}}}}));
    let last: Vec<Vec<u32>> = w.calls()[3..].iter().map(|c| c.1.clone()).collect();
    assert_eq!(last, vec![vec![leave], vec![sync]]);
    assert_eq!(w.calls()[3].2["leftPresences"], json!([{"name": "b", "presence_ref": "B1"}]));
    let state: Value = serde_json::from_str(&w.c.realtime_presence_state(ch)).expect("json");
    assert_eq!(state, json!({"a": [{"name": "a", "presence_ref": "A1"}]}));
    // track / untrack are presence pushes with replies.
    let op = w.c.realtime_push(ch, r#"{"type":"presence","event":"track","payload":{"online":true}}"#, None, w.now);
    w.drain();
    let t = w.sent_events("presence");
    assert_eq!(t[0]["payload"], json!({"type": "presence", "event": "track", "payload": {"online": true}}));
    w.phx_reply(&t[0].clone(), json!({}));
    assert_eq!(w.done(op), Some(json!("ok")));
}

#[test]
fn a_token_refresh_pushes_access_token_to_joined_channels_and_sign_out_the_anon_key() {
    let mut w = World::signed_in(3600);
    let token = w.token();
    subscribed(&mut w, "a");
    subscribed(&mut w, "b");
    w.open();
    w.ack_joins();
    assert!(w.sent_events("access_token").is_empty());
    let op = w.c.invoke("refreshSession", "[]", None, &[], w.now);
    w.drain();
    let id = w.http().last().expect("refresh").id;
    w.reply(id, 200, &token_body(2).to_string());
    w.drain();
    let _ = op;
    let fresh = w.c.session().expect("session").access_token.clone();
    assert_ne!(fresh, token);
    let pushes = w.sent_events("access_token");
    assert_eq!(pushes.len(), 2);
    assert!(pushes.iter().all(|p| p["payload"] == json!({"access_token": fresh})));
    // Signing out: the anon key.
    w.c.invoke("signOut", r#"[{"scope":"local"}]"#, None, &[], w.now);
    w.drain();
    if let Some(r) = w.http().last().cloned() {
        w.reply(r.id, 204, "");
        w.drain();
    }
    let pushes = w.sent_events("access_token");
    assert_eq!(pushes.last().map(|p| p["payload"]["access_token"].clone()), Some(json!(KEY)));
}

#[test]
fn remove_all_channels_closes_the_socket_and_nothing_reopens_it() {
    let mut w = World::new();
    let a = subscribed(&mut w, "a");
    let b = subscribed(&mut w, "b");
    w.open();
    w.ack_joins();
    let s = w.socket.expect("socket");
    let oa = w.c.realtime_leave(a, w.now);
    let ob = w.c.realtime_leave(b, w.now);
    w.drain();
    let leaves = w.sent_events("phx_leave");
    assert_eq!(leaves.len(), 2);
    w.phx_reply(&leaves[0].clone(), json!({}));
    assert!(w.closes().is_empty(), "one channel left");
    w.phx_reply(&leaves[1].clone(), json!({}));
    assert_eq!(w.done(oa), Some(json!("ok")));
    assert_eq!(w.done(ob), Some(json!("ok")));
    assert_eq!(w.closes(), vec![(s, 1000, String::new())]);
    assert!(w.statuses().contains(&(a, "CLOSED".to_owned())) && w.statuses().contains(&(b, "CLOSED".to_owned())));
    // Its onClose, a minute of time, app hide/show: no new socket, no timer left.
    w.c.socket_closed(s, 1000, "", w.now);
    w.c.app_visible(false, w.now);
    w.c.app_visible(true, w.now);
    w.advance(60_000.0);
    assert_eq!(w.opens().len(), 1);
    assert!(w.sent_events("heartbeat").is_empty());
}

#[test]
fn remove_while_disconnected_resolves_at_once_and_leave_times_out() {
    let mut w = World::new();
    let a = subscribed(&mut w, "a");
    let op = w.c.realtime_leave(a, w.now);
    w.drain();
    assert_eq!(w.done(op), Some(json!("ok")));
    assert_eq!(w.closes().len(), 1, "the connecting socket is closed");
    let mut w = World::new();
    let a = subscribed(&mut w, "a");
    w.open();
    w.ack_joins();
    let op = w.c.realtime_leave(a, w.now);
    w.advance(10_000.0);
    assert_eq!(w.done(op), Some(json!("timed out")));
    assert_eq!(w.closes().len(), 1);
}

#[test]
fn set_auth_pushes_its_token_and_without_one_goes_back_to_the_sessions() {
    // realtime-js 2.119 `setAuth(token)`: the token for joins and an `access_token` push to
    // joined channels; supabase-js gives realtime the session's token on every auth event.
    let mut w = World::new();
    subscribed(&mut w, "a");
    w.open();
    w.ack_joins();
    w.c.realtime_set_auth(Some("my-jwt"));
    w.drain();
    let pushes = w.sent_events("access_token");
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0]["payload"], json!({"access_token": "my-jwt"}));
    w.c.realtime_set_auth(Some("my-jwt"));
    w.drain();
    assert_eq!(w.sent_events("access_token").len(), 1, "the same token is not pushed again");
    // A later join carries it.
    subscribed(&mut w, "b");
    assert_eq!(w.sent_events("phx_join").last().expect("join")["payload"]["access_token"], "my-jwt");
    // setAuth(): the session's token again (signed out: the anon key).
    w.c.realtime_set_auth(None);
    w.drain();
    let pushes = w.sent_events("access_token");
    assert_eq!(pushes.last().expect("push")["payload"], json!({"access_token": KEY}));
}

#[test]
fn disconnect_closes_the_socket_and_nothing_reopens_it_until_connect_rejoins() {
    let mut w = World::new();
    let a = subscribed(&mut w, "a");
    assert!(!w.c.realtime_is_connected());
    w.open();
    w.ack_joins();
    assert!(w.c.realtime_is_connected());
    let s = w.socket.expect("socket");
    w.c.realtime_disconnect(Some(4000.0), "bye", w.now);
    w.drain();
    assert_eq!(w.closes(), vec![(s, 4000, "bye".to_owned())]);
    assert!(!w.c.realtime_is_connected());
    assert_eq!(w.statuses().last(), Some(&(a, "CHANNEL_ERROR".to_owned())));
    // Its onClose, a minute, app hide/show: no new socket.
    w.c.socket_closed(s, 4000, "bye", w.now);
    w.c.app_visible(false, w.now);
    w.c.app_visible(true, w.now);
    w.advance(60_000.0);
    assert_eq!(w.opens().len(), 1);
    // A code outside 1000 and 3000–4999 is 1000; disconnect while closed sends nothing.
    w.c.realtime_disconnect(Some(1006.0), "", w.now);
    w.drain();
    assert_eq!(w.closes().len(), 1);
    // connect(): a new socket, the channel rejoins once.
    w.c.realtime_connect(w.now);
    w.drain();
    assert_eq!(w.opens().len(), 2);
    w.c.realtime_connect(w.now);
    w.drain();
    assert_eq!(w.opens().len(), 2, "connect while connecting does nothing");
    w.open();
    assert_eq!(w.sent_events("phx_join").len(), 2);
    w.ack_joins();
    assert_eq!(w.statuses().last(), Some(&(a, "SUBSCRIBED".to_owned())));
    assert!(w.c.realtime_is_connected());
    w.c.realtime_disconnect(None, "", w.now);
    w.drain();
    assert_eq!(w.closes().last().map(|c| c.1), Some(1000));
}

#[test]
fn connect_without_a_subscribed_channel_opens_nothing() {
    let mut w = World::new();
    w.c.realtime_connect(w.now);
    w.drain();
    assert!(w.opens().is_empty());
    assert!(!w.c.realtime_is_connected());
}

#[test]
fn hidden_app_pauses_heartbeat_and_reconnects_on_show() {
    let mut w = World::new();
    subscribed(&mut w, "a");
    w.open();
    w.ack_joins();
    w.c.app_visible(false, w.now);
    w.advance(100_000.0);
    assert!(w.sent_events("heartbeat").is_empty());
    // Killed in the background: nothing reconnects while hidden.
    w.drop_socket();
    w.advance(60_000.0);
    assert_eq!(w.opens().len(), 1);
    w.c.app_visible(true, w.now);
    w.drain();
    assert_eq!(w.opens().len(), 2, "reopened at once on show");
    w.open();
    assert_eq!(w.sent_events("phx_join").len(), 2);
    w.ack_joins();
    w.advance(25_000.0);
    assert_eq!(w.sent_events("heartbeat").len(), 1);
}

#[test]
fn server_close_and_error_of_a_channel() {
    let mut w = World::new();
    let a = subscribed(&mut w, "a");
    w.open();
    w.ack_joins();
    w.recv(json!({"topic": "realtime:a", "event": "phx_error", "ref": null, "payload": {}}));
    assert_eq!(w.statuses().last(), Some(&(a, "CHANNEL_ERROR".to_owned())));
    w.advance(1_000.0);
    assert_eq!(w.sent_events("phx_join").len(), 2);
    w.recv(json!({"topic": "realtime:a", "event": "phx_close", "ref": null, "payload": {}}));
    assert_eq!(w.statuses().last(), Some(&(a, "CLOSED".to_owned())));
    assert_eq!(w.closes().len(), 1, "last channel gone: socket closed");
}

fn frame_strategy() -> impl Strategy<Value = String> {
    let topics = prop_oneof![Just("realtime:a".to_owned()), Just("phoenix".to_owned()), ".{0,8}"];
    let events = prop_oneof![
        Just("phx_reply"),
        Just("phx_error"),
        Just("phx_close"),
        Just("presence_state"),
        Just("presence_diff"),
        Just("postgres_changes"),
        Just("broadcast"),
        Just("system"),
        Just("x"),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        ".{0,6}".prop_map(Value::String),
    ];
    let payload = leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("status".to_owned()),
                    Just("response".to_owned()),
                    Just("ids".to_owned()),
                    Just("data".to_owned()),
                    Just("metas".to_owned()),
                    Just("joins".to_owned()),
                    Just("leaves".to_owned()),
                    Just("phx_ref".to_owned()),
                    Just("postgres_changes".to_owned()),
                    Just("type".to_owned()),
                    ".{0,4}"
                ],
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    let structured = (topics, events, payload, prop::option::of(0u64..20)).prop_map(|(t, e, p, r)| {
        json!({"topic": t, "event": e, "payload": p, "ref": r.map(|r| r.to_string())}).to_string()
    });
    prop_oneof![structured, ".{0,40}"]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn malformed_frames_never_panic(frames in prop::collection::vec(frame_strategy(), 0..30)) {
        let mut w = World::new();
        let ch = w.c.realtime_channel("a", r#"{"config":{"broadcast":{"ack":true}}}"#);
        w.c.realtime_on(ch, "postgres_changes", r#"{"event":"*","schema":"public"}"#);
        w.c.realtime_on(ch, "presence", r#"{"event":"*"}"#);
        w.c.realtime_subscribe(ch, None, w.now);
        w.drain();
        w.open();
        w.c.realtime_push(ch, r#"{"type":"broadcast","event":"e"}"#, None, w.now);
        for f in frames {
            if let Some(s) = w.socket {
                w.c.socket_message(s, &f, w.now);
            }
            w.advance(3_000.0);
            if w.socket.is_some() && !w.opens().is_empty() {
                let s = w.socket.unwrap_or(0);
                w.c.socket_opened(s, w.now);
            }
        }
        let _ = w.c.realtime_presence_state(ch);
    }
}
