//! Pushes: `send`/`track`/`untrack` on a channel's topic, buffered (each with its timeout) while
//! the channel is not joined and sent once it is; a broadcast without `ack` resolves `ok` as it
//! goes out. `send()` of a broadcast on a channel never subscribed goes over HTTP
//! (`POST /realtime/v1/api/broadcast`, as realtime-js) as a request realtime owns: its id comes
//! from the shared [`Ids`], and its reply comes back through [`Realtime::handle_response`].

use serde_json::{Map, Value};

use super::channel::State;
use super::frame;
use super::Realtime;
use crate::encoding::headers::Headers;
use crate::encoding::json::put;
use crate::encoding::text::cat;
use crate::output::{HttpRequest, Ids, Output};
use crate::prelude::*;

#[derive(Debug, Clone)]
pub(super) struct Push {
    pub(super) op: Option<u32>,
    event: String,
    payload: Value,
    timeout: f64,
    /// Deadline; set when buffered or sent.
    pub(super) deadline: f64,
    /// Sent with this ref, waiting for the reply.
    pub(super) reference: Option<u64>,
    /// A broadcast without `ack` resolves `ok` as it goes out and expects no reply.
    pub(super) fire_and_forget: bool,
}

impl Realtime {
    /// `send`/`track`/`untrack`: `kind` is `broadcast` or `presence`, `args` the message.
    /// Ends with `Done { op, data: "ok" | "timed out" | "error" }`. An HTTP broadcast takes its
    /// request's id from `ids`.
    pub fn push(&mut self, ids: &mut Ids, chan: u32, op: u32, args_json: &str, timeout_ms: Option<f64>, now_ms: f64) {
        self.now = now_ms;
        // At any depth: a payload nested deeper than a `Value` goes out as it came (encoding::json).
        let args: Value = crate::encoding::json::parse_args(args_json).unwrap_or(Value::Null);
        let kind = args.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
        let timeout = timeout_ms.filter(|t| t.is_finite() && *t > 0.0).unwrap_or(self.timeout_ms);
        let Some(c) = self.chan(chan) else { return self.done(op, "error") };
        if kind != "broadcast" && kind != "presence" {
            return self.done(op, "error");
        }
        if !c.subscribed_once || matches!(c.state, State::Leaving | State::New) {
            if kind == "broadcast" {
                return self.http_broadcast(ids, chan, op, &args, timeout);
            }
            return self.done(op, "error");
        }
        let fire_and_forget = kind == "broadcast" && !c.ack();
        let mut payload = Map::new();
        payload.insert("type".into(), Value::String(kind.clone()));
        for &k in &["event", "payload"] {
            if let Some(v) = args.get(k) {
                payload.insert(k.into(), v.clone());
            }
        }
        let push = Push {
            op: Some(op),
            event: kind,
            payload: Value::Object(payload),
            timeout,
            deadline: now_ms + timeout,
            reference: None,
            fire_and_forget,
        };
        let joined = c.state == State::Joined && self.is_open();
        if fire_and_forget {
            self.done(op, "ok");
        }
        if let Some(c) = self.chan_mut(chan) {
            c.pushes.push(push);
        }
        if joined {
            self.flush(chan, now_ms);
        }
    }

    /// Request `id` got an HTTP reply (`ok`: a 2xx status). `true` if it was an HTTP broadcast of
    /// realtime's, whose op then ends with `Done { data: "ok" | "error" }`.
    pub fn handle_response(&mut self, id: u32, ok: bool) -> bool {
        let Some(i) = self.broadcasts.iter().position(|&(req, _)| req == id) else { return false };
        let (_, op) = self.broadcasts.swap_remove(i);
        self.done(op, if ok { "ok" } else { "error" });
        true
    }

    /// Request `id` failed without a status. `true` if it was realtime's (its op ends `error`).
    pub fn handle_transport_error(&mut self, id: u32) -> bool {
        self.handle_response(id, false)
    }

    /// Send the channel's buffered pushes.
    pub(super) fn flush(&mut self, chan: u32, now_ms: f64) {
        let Some(c) = self.chan(chan) else { return };
        if c.state != State::Joined || !self.is_open() {
            return;
        }
        let topic = c.topic.clone();
        let join_ref = c.join_ref;
        let mut todo: Vec<(usize, String, Value, f64)> = Vec::new();
        for (i, p) in c.pushes.iter().enumerate() {
            if p.reference.is_none() {
                todo.push((i, p.event.clone(), p.payload.clone(), p.timeout));
            }
        }
        let mut sent = Vec::new();
        for (i, event, payload, timeout) in todo {
            let r = self.send_frame(&topic, &event, payload, join_ref);
            sent.push((i, r, now_ms + timeout));
        }
        if let Some(c) = self.chan_mut(chan) {
            for (i, r, deadline) in sent {
                if let Some(p) = c.pushes.get_mut(i) {
                    p.reference = r;
                    p.deadline = deadline;
                }
            }
            // Broadcasts without ack expect no reply: done once sent.
            c.pushes.retain(|p| !(p.fire_and_forget && p.reference.is_some()));
        }
    }

    /// The server's reply to the push sent with ref `reference`, if it is one of the channel's.
    pub(super) fn push_replied(&mut self, chan: u32, reference: u64, ok: bool) {
        let Some(c) = self.chan_mut(chan) else { return };
        if let Some(i) = c.pushes.iter().position(|p| p.reference == Some(reference)) {
            let p = c.pushes.remove(i);
            if let (Some(op), false) = (p.op, p.fire_and_forget) {
                self.done(op, if ok { "ok" } else { "error" });
            }
        }
    }

    /// Pushes of the channel past their deadline end `timed out`.
    pub(super) fn expire_pushes(&mut self, chan: u32, now_ms: f64) {
        let Some(c) = self.chan_mut(chan) else { return };
        let mut late = Vec::new();
        for p in core::mem::take(&mut c.pushes) {
            if p.deadline <= now_ms {
                late.push(p);
            } else {
                c.pushes.push(p);
            }
        }
        for p in late {
            if let (Some(op), false) = (p.op, p.fire_and_forget) {
                self.done(op, "timed out");
            }
        }
    }

    fn http_broadcast(&mut self, ids: &mut Ids, chan: u32, op: u32, args: &Value, timeout: f64) {
        let Some(c) = self.chan(chan) else { return self.done(op, "error") };
        // `{ messages: [{ topic, event, payload, private }] }`, built without `json!` (whose
        // interpolations go through serde_json's `to_value` serializer, ~1.5 KB of wasm).
        let mut message = Map::new();
        put(&mut message, "topic", frame::name_of(&c.topic).into());
        put(&mut message, "event", args.get("event").cloned().unwrap_or(Value::Null));
        put(&mut message, "payload", args.get("payload").cloned().unwrap_or(Value::Null));
        put(&mut message, "private", Value::Bool(c.private()));
        let mut body = Map::new();
        put(&mut body, "messages", Value::Array(vec![Value::Object(message)]));
        let body = Value::Object(body);
        // Global headers first; the key, the token and the type are ours.
        let mut headers = Headers::new();
        headers
            .layer(&self.headers)
            .set("apikey", self.key.clone())
            .set("Authorization", cat(&["Bearer ", &self.token]))
            .set("Content-Type", "application/json".into());
        let id = ids.take();
        self.broadcasts.push((id, op));
        self.out.push_back(Output::Http(HttpRequest {
            id,
            method: "POST",
            url: self.broadcast_url.clone(),
            headers: headers.into_map(),
            body: Some(crate::encoding::json::to_text(&body)),
            timeout: timeout.clamp(100.0, 600_000.0) as u32,
        }));
    }
}
