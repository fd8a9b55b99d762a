//! Realtime on its own, without the client: the HTTP broadcast it owns (ids from the shared
//! allocator, replies routed back by id) and the header layers of its requests. The protocol
//! itself is specified through the client in `tests/realtime.rs`.

use serde_json::{json, Map, Value};

use super::Realtime;
use crate::output::{Ids, Output};
use crate::prelude::*;

const BASE: &str = "https://abcdefghij.baseapi.memfiredb.com";

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn drain(rt: &mut Realtime) -> Vec<Output> {
    core::iter::from_fn(|| rt.poll()).collect()
}

fn done(out: &[Output]) -> Vec<(u32, Value)> {
    out.iter()
        .filter_map(|o| match o {
            Output::Done { op, data, .. } => Some((*op, data.value())),
            _ => None,
        })
        .collect()
}

/// `send()` on a channel never subscribed: the HTTP request realtime emits.
fn http_broadcast(rt: &mut Realtime, ids: &mut Ids, op: u32) -> (u32, Map<String, Value>) {
    let ch = rt.channel("room", "{}");
    rt.push(ids, ch, op, r#"{"type":"broadcast","event":"e","payload":{}}"#, None, 0.0);
    let out = drain(rt);
    assert_eq!(out.len(), 1, "one request, nothing else yet");
    match &out[0] {
        Output::Http(r) => (r.id, r.headers.clone()),
        _ => panic!("an HTTP broadcast"),
    }
}

#[test]
fn an_http_broadcast_is_a_request_of_realtime_answered_by_id() {
    let mut rt = Realtime::new(BASE, "anon", &[], &Value::Null);
    let mut ids = Ids::new();
    let op = ids.take();
    let (id, _) = http_broadcast(&mut rt, &mut ids, op);
    assert_eq!(id, op + 1, "the request's id comes from the shared allocator");
    assert_eq!(ids.take(), id + 1);
    assert!(!rt.handle_response(id + 1, true), "not a request of realtime's");
    assert!(!rt.handle_transport_error(op), "an op is not a request");
    assert!(drain(&mut rt).is_empty());
    assert!(rt.handle_response(id, true));
    assert_eq!(done(&drain(&mut rt)), vec![(op, json!("ok"))]);
    assert!(!rt.handle_response(id, true), "answered once");

    let op = ids.take();
    let (id, _) = http_broadcast(&mut rt, &mut ids, op);
    assert!(rt.handle_response(id, false));
    assert_eq!(done(&drain(&mut rt)), vec![(op, json!("error"))]);
    let op = ids.take();
    let (id, _) = http_broadcast(&mut rt, &mut ids, op);
    assert!(rt.handle_transport_error(id));
    assert_eq!(done(&drain(&mut rt)), vec![(op, json!("error"))]);
}

#[test]
fn request_headers_merge_the_global_ones_without_case() {
    let global = pairs(&[
        ("x-client-info", "mine/1"),
        ("authorization", "Bearer global"),
        ("content-type", "text/plain"),
        ("APIKEY", "other"),
        ("X-Extra", "1"),
    ]);
    let mut rt = Realtime::new(BASE, "anon", &global, &Value::Null);
    let mut ids = Ids::new();
    // The HTTP broadcast: global, then apikey, Authorization, Content-Type.
    let (_, headers) = http_broadcast(&mut rt, &mut ids, 1);
    assert_eq!(
        Value::Object(headers),
        json!({"x-client-info": "mine/1", "apikey": "anon", "Authorization": "Bearer anon",
            "Content-Type": "application/json", "X-Extra": "1"})
    );
    // The socket: X-Client-Info, then the global headers but Authorization.
    let ch = rt.channel("live", "{}");
    rt.subscribe(ch, None, 0.0);
    let open = drain(&mut rt).into_iter().find_map(|o| match o {
        Output::SocketOpen { headers, .. } => Some(headers),
        _ => None,
    });
    assert_eq!(
        open.map(Value::Object),
        Some(json!({"x-client-info": "mine/1", "content-type": "text/plain", "APIKEY": "other", "X-Extra": "1"}))
    );
}
