//! Phoenix frames (vsn 1.0.0, JSON): `{ topic, event, payload, ref, join_ref }`, refs written
//! as strings of digits. A channel's topic is `realtime:<name>`; the socket's own is `phoenix`.
//!
//! Frames come from the network: anything malformed is `None`, never a panic.

use serde_json::Value;

use crate::encoding::json;
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

/// A frame to send, as text: `{"event","join_ref","payload","ref","topic"}` (the key order of a
/// `serde_json` object), written directly rather than built as a `Value` first.
pub(super) fn encode(topic: &str, event: &str, payload: Value, reference: u64, join_ref: Option<u64>) -> String {
    let join_ref = join_ref.map_or_else(|| "null".to_owned(), |r| cat(&["\"", &decimal(r), "\""]));
    cat(&[
        "{\"event\":",
        &json_text(event),
        ",\"join_ref\":",
        &join_ref,
        // A caller's payload nested deeper than a `Value` is carried as text inside it (`push`).
        ",\"payload\":",
        &json::to_text(&payload),
        ",\"ref\":\"",
        &decimal(reference),
        "\",\"topic\":",
        &json_text(topic),
        "}",
    ])
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What `encode` wrote when it built the frame as a `Value` (before wasm2): the same text.
    fn as_value(topic: &str, event: &str, payload: Value, reference: u64, join_ref: Option<u64>) -> String {
        json::to_text(&json!({
            "topic": topic,
            "event": event,
            "payload": payload,
            "ref": decimal(reference),
            "join_ref": join_ref.map(decimal),
        }))
    }

    fn is_json_frame(text: &str) -> bool {
        json::is_json(text) && json::members(text).is_some_and(|m| m.len() == 5)
    }

    #[test]
    fn encode_writes_what_the_value_wrote() {
        let deep = json::read(&cat(&["{\"a\":", &"[".repeat(200), &"]".repeat(200), "}"])).unwrap_or(Value::Null);
        for (topic, event, payload, r, j) in [
            ("phoenix", "heartbeat", json!({}), 1, None),
            (
                "realtime:room \"1\"\u{1}é",
                "phx_join",
                json!({"config": {"private": false}, "x": [1, 2.5, null]}),
                7,
                Some(7),
            ),
            ("realtime:r", "broadcast", deep, u64::MAX, Some(u64::MAX)),
        ] {
            let deep = r == u64::MAX;
            let text = encode(topic, event, payload.clone(), r, j);
            assert!(is_json_frame(&text), "{text}");
            assert!(!deep || text.contains(&"[".repeat(200)), "the deep payload is written back as it came");
            assert_eq!(text, as_value(topic, event, payload, r, j));
        }
    }
}
