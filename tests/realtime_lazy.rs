//! Realtime is made on its first use (src/client.rs `Client::rt`): what the client told it before
//! then (the session's token, the app going to the background) holds as if it had been made with
//! the client.

mod common;

use common::{Outputs, World, KEY};

#[test]
fn a_channel_made_while_the_app_is_hidden_opens_its_socket_when_the_app_is_shown() {
    let mut w = World::new();
    // Hidden before realtime exists; then a channel.
    w.c.app_visible(false, w.now);
    let ch = w.c.realtime_channel("room", "{}");
    w.c.realtime_subscribe(ch, None, w.now);
    w.drain();
    assert!(w.opens().is_empty(), "no socket while the app is in the background");
    w.c.app_visible(true, w.now);
    w.drain();
    assert_eq!(w.opens().len(), 1, "shown again, it connects");
    w.open();
    w.ack_joins();
    w.advance(30_000.0);
    assert!(!w.sent_events("heartbeat").is_empty(), "and beats");
}

#[test]
fn a_session_ended_before_realtime_exists_joins_with_the_anon_key() {
    let mut w = World::signed_in(3600);
    w.c.invoke("signOut", r#"[{"scope":"local"}]"#, None, &[], w.now);
    w.drain();
    if let Some(r) = w.http().last().cloned() {
        w.reply(r.id, 204, "");
        w.drain();
    }
    assert!(w.c.session().is_none());
    let ch = w.c.realtime_channel("room", "{}");
    w.c.realtime_subscribe(ch, None, w.now);
    w.drain();
    w.open();
    assert_eq!(w.sent_events("phx_join")[0]["payload"]["access_token"], KEY);
}

#[test]
fn nothing_of_realtime_runs_before_its_first_use() {
    let mut w = World::signed_in(3600);
    assert!(!w.c.realtime_is_connected());
    assert_eq!(w.c.realtime_presence_state(7), "{}");
    w.advance(120_000.0);
    assert!(w.opens().is_empty() && w.sent().is_empty());
}
