//! A channel: its config, its `.on` bindings, and which bindings an event from the server reaches
//! (broadcasts by event name, postgres_changes by the ids the server gave our filters in the
//! join reply, presence through [`Presence`], system messages to every `system` binding).

use serde_json::{Map, Value};

use super::frame::{self, Inbound};
use super::presence::{self, Presence};
use super::push::Push;
use super::Realtime;
use crate::encoding::json::{self, put};
use crate::encoding::text::{cat, json as json_text};
use crate::output::{Json, Output};
use crate::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    /// Created, `subscribe` not called.
    New,
    /// Wants to be joined; the join goes out when the socket opens (or at `rejoin_at`).
    Errored,
    Joining,
    Joined,
    Leaving,
}

#[derive(Debug, Clone)]
pub(super) struct Binding {
    kind: String,
    event: String,
    /// postgres_changes filter as given (event, schema, table, filter).
    filter: Value,
    /// The server's id of a postgres_changes binding, from the join reply.
    server_id: Option<Value>,
}

#[derive(Debug, Clone)]
pub(super) struct Channel {
    pub(super) id: u32,
    pub(super) topic: String,
    /// What the join sends as `config` (before [`Channel::join_config`] completes it).
    config: Value,
    bindings: Vec<Binding>,
    pub(super) state: State,
    pub(super) join_ref: Option<u64>,
    pub(super) join_deadline: f64,
    pub(super) join_timeout: f64,
    pub(super) rejoin_tries: u32,
    pub(super) rejoin_at: Option<f64>,
    /// Pushes waiting to be sent (buffered) or for their reply.
    pub(super) pushes: Vec<Push>,
    /// The op of `unsubscribe`/`removeChannel`, the leave's ref and its deadline.
    pub(super) leave: Option<(Option<u32>, Option<u64>, f64)>,
    pub(super) presence: Presence,
    pub(super) subscribed_once: bool,
}

impl Channel {
    /// `supabase.channel(name, { config })`, with realtime-js' defaults for what is not given.
    fn new(id: u32, name: &str, params_json: &str, join_timeout: f64) -> Channel {
        let params: Value = serde_json::from_str(params_json).unwrap_or(Value::Null);
        let cfg = params.get("config");
        let get = |a: &str, b: &str| cfg.and_then(|c| c.get(a)).and_then(|c| c.get(b));
        let flag = |v: Option<&Value>| Value::Bool(v.and_then(Value::as_bool).unwrap_or(false));
        // `{ broadcast: { ack, self }, presence: { key, enabled }, private }`, without `json!`
        // (see `Realtime::http_broadcast`).
        let mut broadcast = Map::new();
        put(&mut broadcast, "ack", flag(get("broadcast", "ack")));
        put(&mut broadcast, "self", flag(get("broadcast", "self")));
        let mut presence = Map::new();
        put(&mut presence, "key", get("presence", "key").and_then(Value::as_str).unwrap_or("").into());
        put(&mut presence, "enabled", flag(get("presence", "enabled")));
        let mut config = Map::new();
        put(&mut config, "broadcast", Value::Object(broadcast));
        put(&mut config, "presence", Value::Object(presence));
        put(&mut config, "private", flag(cfg.and_then(|c| c.get("private"))));
        let config = Value::Object(config);
        Channel {
            id,
            topic: frame::topic(name),
            config,
            bindings: Vec::new(),
            state: State::New,
            join_ref: None,
            join_deadline: 0.0,
            join_timeout,
            rejoin_tries: 0,
            rejoin_at: None,
            pushes: Vec::new(),
            leave: None,
            presence: Presence::default(),
            subscribed_once: false,
        }
    }

    /// `config.broadcast.ack`: broadcasts wait for the server's reply.
    pub(super) fn ack(&self) -> bool {
        self.config.get("broadcast").and_then(|b| b.get("ack")).and_then(Value::as_bool).unwrap_or(false)
    }

    /// `config.private`.
    pub(super) fn private(&self) -> bool {
        self.config.get("private").and_then(Value::as_bool).unwrap_or(false)
    }

    /// The join's `config`: presence enabled when asked for or bound, and the postgres_changes
    /// filters of the bindings, in order.
    pub(super) fn join_config(&self) -> Value {
        let mut config = self.config.clone();
        let mut pg = Vec::new();
        for b in &self.bindings {
            if b.kind == "postgres_changes" {
                pg.push(b.filter.clone());
            }
        }
        let mut presence = false;
        for b in &self.bindings {
            presence |= b.kind == "presence";
        }
        let presence =
            presence || config.get("presence").and_then(|p| p.get("enabled")).and_then(Value::as_bool) == Some(true);
        if let Some(p) = config.get_mut("presence").and_then(Value::as_object_mut) {
            p.insert("enabled".into(), Value::Bool(presence));
        }
        if let Some(o) = config.as_object_mut() {
            o.insert("postgres_changes".into(), Value::Array(pg));
        }
        config
    }

    /// Take the ids the join reply gives our postgres_changes filters (same order); `false` when
    /// a filter the server lists is not ours.
    pub(super) fn take_server_ids(&mut self, response: &Value) -> bool {
        let Some(server) = response.get("postgres_changes").and_then(Value::as_array) else { return true };
        let mut matched = true;
        let mut i = 0;
        for b in &mut self.bindings {
            if b.kind != "postgres_changes" {
                continue;
            }
            let s = server.get(i);
            i += 1;
            let same = |k: &str| {
                let norm = |v: Option<&Value>| v.filter(|v| !v.is_null()).and_then(Value::as_str).map(str::to_owned);
                norm(s.and_then(|s| s.get(k))) == norm(b.filter.get(k))
            };
            if s.is_some() && same("event") && same("schema") && same("table") && same("filter") {
                b.server_id = s.and_then(|s| s.get("id")).cloned();
            } else {
                matched = false;
            }
        }
        matched
    }

    /// The indexes of the bindings of `kind` that `f` accepts (`dyn`: one copy for the five
    /// callers, not one each).
    fn matching(&self, kind: &str, f: &dyn Fn(&Binding) -> bool) -> Vec<u32> {
        let mut out = Vec::new();
        for (i, b) in self.bindings.iter().enumerate() {
            if let (true, Ok(i)) = (b.kind == kind && f(b), u32::try_from(i)) {
                out.push(i);
            }
        }
        out
    }
}

impl Realtime {
    /// `supabase.channel(name, { config })`: a channel (not joined until `subscribe`).
    pub fn channel(&mut self, name: &str, params_json: &str) -> u32 {
        self.next_channel = self.next_channel.wrapping_add(1);
        let id = self.next_channel;
        self.channels.push(Channel::new(id, name, params_json, self.timeout_ms));
        id
    }

    /// `.on(type, filter, callback)`: the binding's index, which `Realtime` outputs name.
    pub fn on(&mut self, chan: u32, kind: &str, filter_json: &str) -> u32 {
        let filter: Value = serde_json::from_str(filter_json).unwrap_or(Value::Null);
        let Some(c) = self.chan_mut(chan) else { return u32::MAX };
        let kind = kind.to_ascii_lowercase();
        let event = filter.get("event").and_then(Value::as_str).unwrap_or("*").to_owned();
        let filter = if kind == "postgres_changes" {
            let mut f = Map::new();
            f.insert("event".into(), Value::String(event.clone()));
            for &k in &["schema", "table", "filter"] {
                if let Some(v) = filter.get(k).filter(|v| v.is_string()) {
                    f.insert(k.into(), v.clone());
                }
            }
            Value::Object(f)
        } else {
            Value::Null
        };
        c.bindings.push(Binding { kind, event, filter, server_id: None });
        u32::try_from(c.bindings.len() - 1).unwrap_or(u32::MAX)
    }

    /// `presenceState()` as JSON text.
    pub fn presence_state(&self, chan: u32) -> String {
        self.chan(chan).map_or_else(|| "{}".to_owned(), |c| c.presence.state_json())
    }

    /// The channels' ids, in order (to visit them while changing them).
    pub(super) fn channel_ids(&self) -> Vec<u32> {
        let mut ids = Vec::with_capacity(self.channels.len());
        for c in &self.channels {
            ids.push(c.id);
        }
        ids
    }

    /// No channel wants a socket (every one is `New`, or there is none).
    pub(super) fn all_new(&self) -> bool {
        for c in &self.channels {
            if c.state != State::New {
                return false;
            }
        }
        true
    }

    pub(super) fn chan(&self, id: u32) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    pub(super) fn chan_mut(&mut self, id: u32) -> Option<&mut Channel> {
        self.channels.iter_mut().find(|c| c.id == id)
    }

    /// A frame on the topic of `self.channels[idx]`.
    pub(super) fn channel_event(&mut self, idx: usize, frame: Inbound, now_ms: f64) {
        let chan = self.channels[idx].id;
        // Listeners get the payload's text as it came, whatever its depth (see `frame`).
        let Inbound { event, payload, text, reference, .. } = frame;
        match event.as_str() {
            "phx_reply" => self.reply(chan, reference, &payload, now_ms),
            "phx_error" => self.chan_error(chan, None, now_ms),
            "phx_close" => {
                let leaving = self.channels[idx].leave.map(|(op, _, _)| op);
                self.closed(chan, leaving.flatten(), "ok");
            }
            "presence_state" => {
                if let Some(ev) = self.channels[idx].presence.sync_state(&payload) {
                    self.presence_events(chan, ev);
                }
            }
            "presence_diff" => {
                if let Some(ev) = self.channels[idx].presence.sync_diff(&payload) {
                    self.presence_events(chan, ev);
                }
            }
            "postgres_changes" => self.postgres_change(chan, &payload, &text),
            "broadcast" => {
                let ev = payload.get("event").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
                let ids = self.matching(chan, "broadcast", &|b| b.event == "*" || b.event.to_ascii_lowercase() == ev);
                self.deliver(chan, ids, Json::raw(text));
            }
            "system" => {
                let ids = self.matching(chan, "system", &|_| true);
                self.deliver(chan, ids, Json::raw(text));
            }
            _ => {}
        }
    }

    /// `text` is the payload's: a row's `jsonb` may nest deeper than `payload` can hold, so the
    /// event is built from the texts of `data`'s members.
    fn postgres_change(&mut self, chan: u32, payload: &Value, text: &str) {
        let Some(ids) = payload.get("ids").and_then(Value::as_array) else { return };
        let Some(payload) = json::members(text) else { return };
        let Some(data) = json::last(&payload, "data").and_then(json::members) else {
            return;
        };
        let get = |k: &str| json::last(&data, k);
        let kind = get("type").and_then(json::string).unwrap_or_default();
        let bindings = self.matching(chan, "postgres_changes", &|b| {
            b.server_id.as_ref().is_some_and(|id| ids.contains(id))
                && (b.event == "*" || b.event.eq_ignore_ascii_case(&kind))
        });
        if bindings.is_empty() {
            return;
        }
        let record = |k: &str, on: bool| get(k).filter(|v| on && v.starts_with('{')).unwrap_or("{}");
        let new = record("record", kind == "INSERT" || kind == "UPDATE");
        let old = record("old_record", kind == "UPDATE" || kind == "DELETE");
        let out = cat(&[
            "{\"commit_timestamp\":",
            get("commit_timestamp").unwrap_or("null"),
            ",\"errors\":",
            get("errors").unwrap_or("null"),
            ",\"eventType\":",
            &json_text(&kind),
            ",\"new\":",
            new,
            ",\"old\":",
            old,
            ",\"schema\":",
            get("schema").unwrap_or("null"),
            ",\"table\":",
            get("table").unwrap_or("null"),
            "}",
        ]);
        self.deliver(chan, bindings, Json::raw(out));
    }

    fn presence_events(&mut self, chan: u32, events: Vec<presence::Event>) {
        for e in &events {
            let (event, payload) = match e {
                presence::Event::Join(p) => ("join", Some(p)),
                presence::Event::Leave(p) => ("leave", Some(p)),
                presence::Event::Sync => ("sync", None),
            };
            let ids = self.matching(chan, "presence", &|b| b.event == "*" || b.event.eq_ignore_ascii_case(event));
            self.deliver(chan, ids, payload.map_or_else(|| Json::raw("null".into()), Json::of));
        }
    }

    fn matching(&self, chan: u32, kind: &str, f: &dyn Fn(&Binding) -> bool) -> Vec<u32> {
        self.chan(chan).map_or_else(Vec::new, |c| c.matching(kind, f))
    }

    fn deliver(&mut self, chan: u32, bindings: Vec<u32>, payload: Json) {
        if !bindings.is_empty() {
            self.out.push_back(Output::Realtime { channel: chan, bindings, payload });
        }
    }
}
