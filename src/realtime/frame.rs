//! Phoenix frames (vsn 1.0.0, JSON): `{ topic, event, payload, ref, join_ref }`, refs written
//! as strings of digits. A channel's topic is `realtime:<name>`; the socket's own is `phoenix`.
//!
//! Frames come from the network: anything malformed is `None`, never a panic.

use serde_json::{json, Value};

use crate::encoding::text::{cat, decimal, json as json_text};
use crate::prelude::*;

/// Frames larger than this are dropped unread.
const MAX_FRAME: usize = 4 << 20;

/// The topic of the socket itself (heartbeats).
pub(super) const PHOENIX: &str = "phoenix";

/// The topic of channel `name`.
pub(super) fn topic(name: &str) -> String {
    cat(&["realtime:", name])
}

/// The channel name in `topic`, as the HTTP broadcast endpoint takes it.
pub(super) fn name_of(topic: &str) -> &str {
    topic.strip_prefix("realtime:").unwrap_or(topic)
}

/// A frame to send, as text.
pub(super) fn encode(topic: &str, event: &str, payload: Value, reference: u64, join_ref: Option<u64>) -> String {
    let frame = json!({
        "topic": topic,
        "event": event,
        "payload": payload,
        "ref": decimal(reference),
        "join_ref": join_ref.map(decimal),
    });
    json_text(&frame)
}

/// A frame received.
pub(super) struct Inbound {
    pub(super) topic: String,
    pub(super) event: String,
    pub(super) payload: Value,
    pub(super) reference: Option<u64>,
}

impl Inbound {
    /// The frame in `text`; `None` if it is too large, not JSON, or has no string topic and event.
    pub(super) fn parse(text: &str) -> Option<Inbound> {
        if text.len() > MAX_FRAME {
            return None;
        }
        let Ok(Value::Object(mut m)) = serde_json::from_str::<Value>(text) else { return None };
        let topic = match m.get("topic") {
            Some(Value::String(t)) => t.clone(),
            _ => return None,
        };
        let event = match m.get("event") {
            Some(Value::String(e)) => e.clone(),
            _ => return None,
        };
        let payload = m.remove("payload").unwrap_or(Value::Null);
        let reference = parse_ref(m.get("ref"));
        Some(Inbound { topic, event, payload, reference })
    }
}

/// A ref is a string of digits (or a number).
fn parse_ref(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}
