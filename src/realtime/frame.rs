//! Phoenix frames (vsn 1.0.0, JSON): `{ topic, event, payload, ref, join_ref }`, refs written
//! as strings of digits. A channel's topic is `realtime:<name>`; the socket's own is `phoenix`.
//!
//! Frames come from the network: anything malformed is `None`, never a panic.

use serde_json::{json, Value};

use crate::encoding::json;
use crate::encoding::text::{cat, decimal};
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
    // A caller's payload nested deeper than a `Value` is carried as text inside it (`push`).
    json::to_text(&frame)
}

/// A frame received.
pub(super) struct Inbound {
    pub(super) topic: String,
    pub(super) event: String,
    /// The payload as a value (`encoding::json::read`: what another client or a `jsonb` column
    /// nested deep is carried inside it as text, and written back as it came).
    pub(super) payload: Value,
    /// The payload's JSON text (`null` if none), whatever its depth: what listeners get.
    pub(super) text: String,
    pub(super) reference: Option<u64>,
}

impl Inbound {
    /// The frame in `text`; `None` if it is too large, not JSON, or has no string topic and event.
    /// Split into its members without recursion, so a payload of any depth reaches its listener.
    pub(super) fn parse(text: &str) -> Option<Inbound> {
        if text.len() > MAX_FRAME {
            return None;
        }
        let (mut topic, mut event, mut payload, mut reference) = (None, None, None, None);
        for (k, v) in json::members(text)? {
            match k.as_str() {
                "topic" => topic = Some(v),
                "event" => event = Some(v),
                "payload" => payload = Some(v),
                "ref" => reference = Some(v),
                _ => {}
            }
        }
        let topic = json::string(topic?)?;
        let event = json::string(event?)?;
        let text = payload.unwrap_or("null");
        let payload = json::read(text).unwrap_or(Value::Null);
        let reference = parse_ref(reference.and_then(json::value).as_ref());
        Some(Inbound { topic, event, payload, text: text.to_owned(), reference })
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
