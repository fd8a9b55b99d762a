//! Supabase Realtime: the Phoenix channel protocol (vsn 1.0.0 JSON frames), sans-IO.
//!
//! Owned by [`crate::client::Client`], which feeds it socket events, app visibility, timer ticks
//! and every change of the access token, and drains its outputs. The shim only carries one
//! `wx.connectSocket` task: frames in, frames, timers and callbacks out.
//!
//! Behaviour follows realtime-js 2.x (the official client), with these choices:
//! - one socket for every channel (WeChat allows 5); each socket has an id so events of a socket
//!   given up (heartbeat timeout) are ignored; the socket exists only while channels do:
//!   removing the last channel closes it with `{code: 1000}` and nothing reopens it;
//! - heartbeat every 25 s while the app is shown; a heartbeat still unanswered when the next is
//!   due closes the socket (`heartbeat timeout`) and reconnects; reconnects after drops wait
//!   1 s, 2 s, 5 s, then 10 s; while the app is hidden nothing is sent and nothing reconnects,
//!   and showing it reconnects at once if the socket died;
//! - every channel that should be joined is joined exactly once per socket open (its join sent
//!   when the socket opens, never buffered twice); join/push timeout 10 s; a join that times out
//!   or is refused is retried after 1 s, 2 s, 5 s, then 10 s, as Phoenix does;
//! - pushes of a subscribed channel that is not joined yet are buffered (each with its timeout)
//!   and sent once it is; `send()` of a broadcast on a channel never subscribed goes over HTTP
//!   (`POST /realtime/v1/api/broadcast`, as realtime-js), resolving `ok` on 202, else `error`;
//! - the join carries the current session's access token (the anon key when signed out), and
//!   every change of it is pushed to joined channels as `access_token`;
//! - postgres_changes records are passed on as the server typed them (realtime-js'
//!   `convertChangeData` is an identity on typed JSON); presence follows RealtimePresence
//!   (`presence_state`/`presence_diff` → `join`/`leave`/`sync`, `phx_ref` shown as
//!   `presence_ref`; a `join` of a new key has `currentPresences: []`).
//!
//! Frames come from the network: anything malformed is ignored, never a panic.

mod presence;

use alloc::collections::VecDeque;

use serde_json::{json, Map, Value};

use crate::encoding::text::{cat, decimal, json as json_text};
use crate::prelude::*;

use crate::output::{HttpRequest, Json, Output};

pub const HEARTBEAT_MS: f64 = 25_000.0;
pub const TIMEOUT_MS: f64 = 10_000.0;
const RECONNECT_MS: [f64; 4] = [1_000.0, 2_000.0, 5_000.0, 10_000.0];
const REJOIN_MS: [f64; 4] = [1_000.0, 2_000.0, 5_000.0, 10_000.0];
/// Frames larger than this are dropped unread.
const MAX_FRAME: usize = 4 << 20;

fn backoff(table: &[f64; 4], tries: u32) -> f64 {
    let i = usize::try_from(tries.saturating_sub(1)).unwrap_or(3).min(3);
    table[i]
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Sock {
    /// No socket, none wanted (no channels, or explicitly closed).
    Idle,
    Connecting(u32),
    Open(u32),
    /// Dropped; reconnect at `at` (or when the app is shown again).
    Waiting {
        at: Option<f64>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Created, `subscribe` not called.
    New,
    /// Wants to be joined; the join goes out when the socket opens (or at `rejoin_at`).
    Errored,
    Joining,
    Joined,
    Leaving,
}

#[derive(Debug, Clone)]
struct Binding {
    kind: String,
    event: String,
    /// postgres_changes filter as given (event, schema, table, filter).
    filter: Value,
    /// The server's id of a postgres_changes binding, from the join reply.
    server_id: Option<Value>,
}

#[derive(Debug, Clone)]
struct Push {
    op: Option<u32>,
    event: String,
    payload: Value,
    timeout: f64,
    /// Deadline; set when buffered or sent.
    deadline: f64,
    /// Sent with this ref, waiting for the reply.
    reference: Option<u64>,
    /// A broadcast without `ack` resolves `ok` as it goes out and expects no reply.
    fire_and_forget: bool,
}

#[derive(Debug, Clone)]
struct Channel {
    id: u32,
    topic: String,
    config: Value,
    bindings: Vec<Binding>,
    state: State,
    join_ref: Option<u64>,
    join_deadline: f64,
    join_timeout: f64,
    rejoin_tries: u32,
    rejoin_at: Option<f64>,
    /// Pushes waiting to be sent (buffered) or for their reply.
    pushes: Vec<Push>,
    /// The op of `unsubscribe`/`removeChannel` and the leave's ref.
    leave: Option<(Option<u32>, Option<u64>, f64)>,
    presence: presence::Presence,
    subscribed_once: bool,
}

pub struct Realtime {
    ws_url: String,
    broadcast_url: String,
    key: String,
    headers: Vec<(String, String)>,
    heartbeat_ms: f64,
    timeout_ms: f64,
    token: String,
    /// Joins wait while the session's token is being refreshed (a stale token would be refused).
    token_pending: bool,
    sock: Sock,
    next_socket: u32,
    next_ref: u64,
    reconnect_tries: u32,
    shown: bool,
    next_heartbeat: Option<f64>,
    heartbeat_ref: Option<u64>,
    channels: Vec<Channel>,
    next_channel: u32,
    /// The latest time seen, for the token changes that come without one.
    now: f64,
    out: VecDeque<Output>,
}

impl Realtime {
    /// `base` is the project URL (`http(s)://host`), `options` the `createClient` options.
    pub fn new(base: &str, key: &str, headers: &[(String, String)], options: &Value) -> Realtime {
        let ws_base = if let Some(rest) = base.strip_prefix("https://") {
            cat(&["wss://", rest])
        } else if let Some(rest) = base.strip_prefix("http://") {
            cat(&["ws://", rest])
        } else {
            base.to_owned()
        };
        let rt = options.get("realtime");
        let num = |k: &str, d: f64, lo: f64, hi: f64| {
            rt.and_then(|r| r.get(k)).and_then(Value::as_f64).filter(|v| v.is_finite()).map_or(d, |v| v.clamp(lo, hi))
        };
        Realtime {
            ws_url: cat(&[
                &ws_base,
                "/realtime/v1/websocket?apikey=",
                &crate::encoding::query::encode_query_value(key),
                "&vsn=1.0.0",
            ]),
            broadcast_url: cat(&[base, "/realtime/v1/api/broadcast"]),
            key: key.to_owned(),
            headers: headers.to_vec(),
            heartbeat_ms: num("heartbeatIntervalMs", HEARTBEAT_MS, 1_000.0, 600_000.0),
            timeout_ms: num("timeout", TIMEOUT_MS, 100.0, 600_000.0),
            token: key.to_owned(),
            token_pending: false,
            sock: Sock::Idle,
            next_socket: 0,
            next_ref: 0,
            reconnect_tries: 0,
            shown: true,
            next_heartbeat: None,
            heartbeat_ref: None,
            channels: Vec::new(),
            next_channel: 0,
            now: 0.0,
            out: VecDeque::new(),
        }
    }

    pub fn poll(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// The earliest timer: heartbeat, reconnect, a join/push/leave timeout, a rejoin.
    pub fn poll_timeout(&self) -> Option<f64> {
        let mut t: Option<f64> = None;
        let mut add = |v: Option<f64>| {
            if let Some(v) = v {
                t = Some(t.map_or(v, |x| x.min(v)));
            }
        };
        if self.shown {
            add(self.next_heartbeat);
            if let Sock::Waiting { at } = self.sock {
                add(at);
            }
        }
        for c in &self.channels {
            if c.state == State::Joining {
                add(Some(c.join_deadline));
            }
            if self.shown {
                add(c.rejoin_at);
            }
            for p in &c.pushes {
                add(Some(p.deadline));
            }
            if let Some((_, _, d)) = c.leave {
                add(Some(d));
            }
        }
        t
    }

    pub fn is_idle(&self) -> bool {
        self.sock == Sock::Idle && self.channels.is_empty()
    }

    // ---- the channel API ----

    /// `supabase.channel(name, { config })`: a channel (not joined until `subscribe`).
    pub fn channel(&mut self, name: &str, params_json: &str) -> u32 {
        let params: Value = serde_json::from_str(params_json).unwrap_or(Value::Null);
        let cfg = params.get("config");
        let get = |a: &str, b: &str| cfg.and_then(|c| c.get(a)).and_then(|c| c.get(b));
        let config = json!({
            "broadcast": {
                "ack": get("broadcast", "ack").and_then(Value::as_bool).unwrap_or(false),
                "self": get("broadcast", "self").and_then(Value::as_bool).unwrap_or(false),
            },
            "presence": {
                "key": get("presence", "key").and_then(Value::as_str).unwrap_or(""),
                "enabled": get("presence", "enabled").and_then(Value::as_bool).unwrap_or(false),
            },
            "private": cfg.and_then(|c| c.get("private")).and_then(Value::as_bool).unwrap_or(false),
        });
        self.next_channel = self.next_channel.wrapping_add(1);
        let id = self.next_channel;
        self.channels.push(Channel {
            id,
            topic: cat(&["realtime:", name]),
            config,
            bindings: Vec::new(),
            state: State::New,
            join_ref: None,
            join_deadline: 0.0,
            join_timeout: self.timeout_ms,
            rejoin_tries: 0,
            rejoin_at: None,
            pushes: Vec::new(),
            leave: None,
            presence: presence::Presence::default(),
            subscribed_once: false,
        });
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
            for k in ["schema", "table", "filter"] {
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

    /// `.subscribe(cb, timeout)`: join now if the socket is open, else connect.
    pub fn subscribe(&mut self, chan: u32, timeout_ms: Option<f64>, now_ms: f64) {
        self.now = now_ms;
        let t = timeout_ms.filter(|t| t.is_finite() && *t > 0.0).unwrap_or(self.timeout_ms);
        let Some(c) = self.chan_mut(chan) else { return };
        if c.state != State::New {
            return;
        }
        c.join_timeout = t;
        c.subscribed_once = true;
        c.state = State::Errored;
        match self.sock {
            Sock::Open(_) => self.join(chan, now_ms),
            Sock::Idle => self.connect(),
            Sock::Waiting { .. } if self.shown && self.reconnect_tries == 0 => self.connect(),
            _ => {}
        }
    }

    /// `send`/`track`/`untrack`: `kind` is `broadcast` or `presence`, `args` the message.
    /// Ends with `Done { op, data: "ok" | "timed out" | "error" }`.
    pub fn push(&mut self, chan: u32, op: u32, args_json: &str, timeout_ms: Option<f64>, now_ms: f64) {
        self.now = now_ms;
        let args: Value = serde_json::from_str(args_json).unwrap_or(Value::Null);
        let kind = args.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
        let timeout = timeout_ms.filter(|t| t.is_finite() && *t > 0.0).unwrap_or(self.timeout_ms);
        let Some(c) = self.chan(chan) else { return self.done(op, "error") };
        if kind != "broadcast" && kind != "presence" {
            return self.done(op, "error");
        }
        if !c.subscribed_once || matches!(c.state, State::Leaving | State::New) {
            if kind == "broadcast" {
                return self.http_broadcast(chan, op, &args, timeout);
            }
            return self.done(op, "error");
        }
        let ack = c.config.pointer("/broadcast/ack").and_then(Value::as_bool).unwrap_or(false);
        let fire_and_forget = kind == "broadcast" && !ack;
        let mut payload = Map::new();
        payload.insert("type".into(), Value::String(kind.clone()));
        for k in ["event", "payload"] {
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
        let joined = c.state == State::Joined && matches!(self.sock, Sock::Open(_));
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

    /// `unsubscribe()` (and `removeChannel`): leave, then forget the channel; the socket closes
    /// when no channel is left. Ends with `Done { op, data: "ok" | "timed out" | "error" }`.
    pub fn leave(&mut self, chan: u32, op: Option<u32>, now_ms: f64) {
        self.now = now_ms;
        let open = matches!(self.sock, Sock::Open(_));
        let Some(c) = self.chan(chan) else {
            if let Some(op) = op {
                self.done(op, "ok");
            }
            return;
        };
        if c.state == State::Leaving {
            if let Some(op) = op {
                self.done(op, "ok");
            }
            return;
        }
        let joined_on_server = matches!(c.state, State::Joined | State::Joining);
        if open && joined_on_server {
            let topic = c.topic.clone();
            let deadline = now_ms + self.timeout_ms;
            let r = self.send_frame(&topic, "phx_leave", json!({}), c.join_ref);
            if let Some(c) = self.chan_mut(chan) {
                c.state = State::Leaving;
                c.leave = Some((op, r, deadline));
            }
        } else {
            self.closed(chan, op, "ok");
        }
    }

    /// `presenceState()` as JSON text.
    pub fn presence_state(&self, chan: u32) -> String {
        self.chan(chan).map_or_else(|| "{}".to_owned(), |c| c.presence.state_json())
    }

    /// A new access token (session change). Joined channels get an `access_token` push.
    pub fn set_token(&mut self, token: &str) {
        let now_ms = self.now;
        let changed = token != self.token;
        self.token = token.to_owned();
        let was_pending = self.token_pending;
        self.token_pending = false;
        if changed && matches!(self.sock, Sock::Open(_)) {
            let joined: Vec<(String, Option<u64>)> = self
                .channels
                .iter()
                .filter(|c| c.state == State::Joined)
                .map(|c| (c.topic.clone(), c.join_ref))
                .collect();
            for (topic, join_ref) in joined {
                self.send_frame(&topic, "access_token", json!({ "access_token": token }), join_ref);
            }
        }
        if was_pending {
            self.join_waiting(now_ms);
        }
    }

    /// Joins wait until [`Realtime::set_token`] (the session is being refreshed).
    pub fn hold_joins(&mut self) {
        self.token_pending = true;
    }

    // ---- app visibility ----

    /// `wx.onAppShow` / `wx.onAppHide`.
    pub fn set_shown(&mut self, shown: bool, now_ms: f64) {
        self.now = now_ms;
        if self.shown == shown {
            return;
        }
        self.shown = shown;
        if !shown {
            self.next_heartbeat = None;
            self.heartbeat_ref = None;
            return;
        }
        match self.sock {
            Sock::Open(_) => self.next_heartbeat = Some(now_ms + self.heartbeat_ms),
            Sock::Waiting { .. } => {
                self.reconnect_tries = 0;
                self.connect();
            }
            _ => {}
        }
    }

    // ---- socket events ----

    pub fn socket_opened(&mut self, socket: u32, now_ms: f64) {
        self.now = now_ms;
        if self.sock != Sock::Connecting(socket) {
            return;
        }
        self.sock = Sock::Open(socket);
        self.reconnect_tries = 0;
        self.heartbeat_ref = None;
        self.next_heartbeat = self.shown.then_some(now_ms + self.heartbeat_ms);
        self.join_waiting(now_ms);
    }

    /// The socket closed (`onClose`), or failed (`onError` before it opened).
    pub fn socket_closed(&mut self, socket: u32, now_ms: f64) {
        self.now = now_ms;
        match self.sock {
            Sock::Open(s) | Sock::Connecting(s) if s == socket => self.dropped(now_ms),
            _ => {}
        }
    }

    /// `onError`: fatal only before the socket opened (a failed handshake may not be followed
    /// by `onClose`); an open socket reports its end through `onClose`.
    pub fn socket_error(&mut self, socket: u32, now_ms: f64) {
        self.now = now_ms;
        if self.sock == Sock::Connecting(socket) {
            self.dropped(now_ms);
        }
    }

    pub fn socket_message(&mut self, socket: u32, text: &str, now_ms: f64) {
        self.now = now_ms;
        if self.sock != Sock::Open(socket) || text.len() > MAX_FRAME {
            return;
        }
        let Ok(Value::Object(mut m)) = serde_json::from_str::<Value>(text) else { return };
        let topic = match m.get("topic") {
            Some(Value::String(t)) => t.clone(),
            _ => return,
        };
        let event = match m.get("event") {
            Some(Value::String(e)) => e.clone(),
            _ => return,
        };
        let payload = m.remove("payload").unwrap_or(Value::Null);
        let reference = parse_ref(m.get("ref"));
        if topic == "phoenix" {
            if event == "phx_reply" && reference.is_some() && reference == self.heartbeat_ref {
                self.heartbeat_ref = None;
            }
            return;
        }
        let Some(idx) = self.channels.iter().position(|c| c.topic == topic) else { return };
        let chan = self.channels[idx].id;
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
            "postgres_changes" => self.postgres_change(chan, &payload),
            "broadcast" => {
                let ev = payload.get("event").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
                let ids = self.matching(chan, "broadcast", |b| b.event == "*" || b.event.to_ascii_lowercase() == ev);
                self.deliver(chan, ids, payload);
            }
            "system" => {
                let ids = self.matching(chan, "system", |_| true);
                self.deliver(chan, ids, payload);
            }
            _ => {}
        }
    }

    // ---- timers ----

    pub fn handle_timeout(&mut self, now_ms: f64) {
        self.now = now_ms;
        if self.shown {
            if let Sock::Waiting { at: Some(at) } = self.sock {
                if at <= now_ms {
                    self.connect();
                }
            }
            if self.next_heartbeat.is_some_and(|t| t <= now_ms) {
                self.heartbeat(now_ms);
            }
        }
        let ids: Vec<u32> = self.channels.iter().map(|c| c.id).collect();
        for chan in ids {
            let Some(c) = self.chan(chan) else { continue };
            if c.state == State::Joining && c.join_deadline <= now_ms {
                self.join_timed_out(chan, now_ms);
            }
            let Some(c) = self.chan(chan) else { continue };
            if self.shown && c.rejoin_at.is_some_and(|t| t <= now_ms) {
                if let Some(c) = self.chan_mut(chan) {
                    c.rejoin_at = None;
                }
                if matches!(self.sock, Sock::Open(_)) {
                    self.join(chan, now_ms);
                }
            }
            if let Some(c) = self.chan_mut(chan) {
                let (late, keep): (Vec<Push>, Vec<Push>) = c.pushes.drain(..).partition(|p| p.deadline <= now_ms);
                c.pushes = keep;
                for p in late {
                    if let (Some(op), false) = (p.op, p.fire_and_forget) {
                        self.done(op, "timed out");
                    }
                }
            }
            if let Some((op, _, d)) = self.chan(chan).and_then(|c| c.leave) {
                if d <= now_ms {
                    self.closed(chan, op, "timed out");
                }
            }
        }
    }

    // ---- internals ----

    fn chan(&self, id: u32) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id == id)
    }

    fn chan_mut(&mut self, id: u32) -> Option<&mut Channel> {
        self.channels.iter_mut().find(|c| c.id == id)
    }

    fn done(&mut self, op: u32, status: &str) {
        let data = serde_json::to_string(status).unwrap_or_else(|_| "null".into());
        self.out.push_back(Output::Done { op, data: Json::raw(data), error: None });
    }

    fn status(&mut self, chan: u32, status: &'static str, message: Option<String>) {
        self.out.push_back(Output::ChannelStatus { channel: chan, status, message });
    }

    fn deliver(&mut self, chan: u32, bindings: Vec<u32>, payload: Value) {
        if !bindings.is_empty() {
            self.out.push_back(Output::Realtime { channel: chan, bindings, payload });
        }
    }

    fn matching(&self, chan: u32, kind: &str, f: impl Fn(&Binding) -> bool) -> Vec<u32> {
        let Some(c) = self.chan(chan) else { return Vec::new() };
        c.bindings
            .iter()
            .enumerate()
            .filter(|(_, b)| b.kind == kind && f(b))
            .filter_map(|(i, _)| u32::try_from(i).ok())
            .collect()
    }

    fn next_ref(&mut self) -> u64 {
        self.next_ref = self.next_ref.wrapping_add(1);
        self.next_ref
    }

    /// Send a frame on the open socket; its ref.
    fn send_frame(&mut self, topic: &str, event: &str, payload: Value, join_ref: Option<u64>) -> Option<u64> {
        let Sock::Open(socket) = self.sock else { return None };
        let r = self.next_ref();
        let frame = json!({
            "topic": topic,
            "event": event,
            "payload": payload,
            "ref": decimal(r),
            "join_ref": join_ref.map(decimal),
        });
        self.out.push_back(Output::SocketSend { socket, text: json_text(&frame) });
        Some(r)
    }

    fn connect(&mut self) {
        if self.channels.iter().all(|c| c.state == State::New) {
            self.sock = Sock::Idle;
            return;
        }
        if !self.shown {
            self.sock = Sock::Waiting { at: None };
            return;
        }
        self.next_socket = self.next_socket.wrapping_add(1);
        let socket = self.next_socket;
        self.sock = Sock::Connecting(socket);
        let mut headers = Map::new();
        headers.insert("X-Client-Info".into(), cat(&["supabase-wechat/", crate::output::VERSION]).into());
        for (k, v) in &self.headers {
            if !k.eq_ignore_ascii_case("authorization") {
                headers.insert(k.clone(), v.clone().into());
            }
        }
        self.out.push_back(Output::SocketOpen { socket, url: self.ws_url.clone(), headers, protocols: Vec::new() });
    }

    /// Close the socket on purpose: nothing reconnects.
    fn disconnect(&mut self, code: u16, reason: &str) {
        if let Sock::Open(socket) | Sock::Connecting(socket) = self.sock {
            self.out.push_back(Output::SocketClose { socket, code, reason: reason.to_owned() });
        }
        self.sock = Sock::Idle;
        self.next_heartbeat = None;
        self.heartbeat_ref = None;
    }

    /// The socket is gone without being asked to: channels error and wait; reconnect later.
    fn dropped(&mut self, now_ms: f64) {
        self.next_heartbeat = None;
        self.heartbeat_ref = None;
        let ids: Vec<u32> = self.channels.iter().map(|c| c.id).collect();
        for chan in ids {
            let state = self.chan(chan).map(|c| c.state);
            match state {
                Some(State::Leaving) => {
                    let op = self.chan(chan).and_then(|c| c.leave).and_then(|(op, _, _)| op);
                    self.closed(chan, op, "ok");
                }
                Some(State::Joined | State::Joining) => {
                    if let Some(c) = self.chan_mut(chan) {
                        c.state = State::Errored;
                        c.rejoin_at = None;
                        c.join_ref = None;
                        c.presence.reset();
                        for p in &mut c.pushes {
                            p.reference = None; // sent on a dead socket: its reply will not come
                        }
                    }
                    self.status(chan, "CHANNEL_ERROR", Some("the socket closed".into()));
                }
                _ => {}
            }
        }
        if self.channels.iter().all(|c| c.state == State::New) {
            self.sock = Sock::Idle;
            return;
        }
        self.reconnect_tries = self.reconnect_tries.saturating_add(1);
        let at = now_ms + backoff(&RECONNECT_MS, self.reconnect_tries);
        self.sock = Sock::Waiting { at: Some(at) };
    }

    fn heartbeat(&mut self, now_ms: f64) {
        if self.heartbeat_ref.is_some() {
            // The last heartbeat was never answered: the connection is dead even if no close came.
            self.out
                .push_back(Output::Log { level: "warn", message: "realtime: heartbeat timeout, reconnecting".into() });
            if let Sock::Open(socket) = self.sock {
                self.out.push_back(Output::SocketClose { socket, code: 1000, reason: "heartbeat timeout".into() });
            }
            self.dropped(now_ms);
            return;
        }
        self.heartbeat_ref = self.send_frame("phoenix", "heartbeat", json!({}), None);
        self.next_heartbeat = Some(now_ms + self.heartbeat_ms);
    }

    /// Send the join of every channel that should be joined and is not.
    fn join_waiting(&mut self, now_ms: f64) {
        if !matches!(self.sock, Sock::Open(_)) || self.token_pending {
            return;
        }
        let ids: Vec<u32> = self.channels.iter().filter(|c| c.state == State::Errored).map(|c| c.id).collect();
        for chan in ids {
            self.join(chan, now_ms);
        }
    }

    fn join(&mut self, chan: u32, now_ms: f64) {
        if self.token_pending {
            return;
        }
        let token = self.token.clone();
        let Some(c) = self.chan(chan) else { return };
        if c.state != State::Errored {
            return;
        }
        let mut config = c.config.clone();
        let pg: Vec<Value> =
            c.bindings.iter().filter(|b| b.kind == "postgres_changes").map(|b| b.filter.clone()).collect();
        let presence = c.bindings.iter().any(|b| b.kind == "presence")
            || config.pointer("/presence/enabled").and_then(Value::as_bool) == Some(true);
        if let Some(p) = config.get_mut("presence").and_then(Value::as_object_mut) {
            p.insert("enabled".into(), Value::Bool(presence));
        }
        if let Some(o) = config.as_object_mut() {
            o.insert("postgres_changes".into(), Value::Array(pg));
        }
        let topic = c.topic.clone();
        let timeout = c.join_timeout;
        let payload = json!({ "config": config, "access_token": token });
        let Some(r) = self.peek_ref() else { return };
        let Some(sent) = self.send_frame(&topic, "phx_join", payload, Some(r)) else { return };
        if let Some(c) = self.chan_mut(chan) {
            c.state = State::Joining;
            c.join_ref = Some(sent);
            c.join_deadline = now_ms + timeout;
            c.rejoin_at = None;
            c.presence.reset();
        }
    }

    /// The ref the next frame will carry (a join's `join_ref` is its own ref).
    fn peek_ref(&self) -> Option<u64> {
        Some(self.next_ref.wrapping_add(1))
    }

    fn join_timed_out(&mut self, chan: u32, now_ms: f64) {
        let Some(c) = self.chan(chan) else { return };
        let (topic, join_ref) = (c.topic.clone(), c.join_ref);
        // Phoenix: leave the join that may still land, then retry later.
        self.send_frame(&topic, "phx_leave", json!({}), join_ref);
        self.schedule_rejoin(chan, now_ms);
        self.status(chan, "TIMED_OUT", None);
    }

    fn schedule_rejoin(&mut self, chan: u32, now_ms: f64) {
        if let Some(c) = self.chan_mut(chan) {
            c.state = State::Errored;
            c.join_ref = None;
            c.rejoin_tries = c.rejoin_tries.saturating_add(1);
            c.rejoin_at = Some(now_ms + backoff(&REJOIN_MS, c.rejoin_tries));
        }
    }

    fn chan_error(&mut self, chan: u32, message: Option<String>, now_ms: f64) {
        let Some(c) = self.chan(chan) else { return };
        if matches!(c.state, State::Leaving | State::New) {
            return;
        }
        self.schedule_rejoin(chan, now_ms);
        self.status(chan, "CHANNEL_ERROR", message);
    }

    fn reply(&mut self, chan: u32, reference: Option<u64>, payload: &Value, now_ms: f64) {
        let Some(reference) = reference else { return };
        let status = payload.get("status").and_then(Value::as_str).unwrap_or("error").to_owned();
        let response = payload.get("response").cloned().unwrap_or(Value::Null);
        let Some(c) = self.chan(chan) else { return };
        if c.state == State::Joining && c.join_ref == Some(reference) {
            if status == "ok" {
                return self.joined(chan, &response, now_ms);
            }
            let message = match &response {
                Value::Object(m) => m
                    .values()
                    .map(|v| v.as_str().map_or_else(|| json_text(v), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(", "),
                other => json_text(other),
            };
            return self.chan_error(chan, Some(message), now_ms);
        }
        if let Some((op, Some(r), _)) = c.leave {
            if r == reference {
                return self.closed(chan, op, if status == "ok" { "ok" } else { "error" });
            }
        }
        let Some(c) = self.chan_mut(chan) else { return };
        if let Some(i) = c.pushes.iter().position(|p| p.reference == Some(reference)) {
            let p = c.pushes.remove(i);
            if let (Some(op), false) = (p.op, p.fire_and_forget) {
                self.done(op, if status == "ok" { "ok" } else { "error" });
            }
        }
    }

    fn joined(&mut self, chan: u32, response: &Value, now_ms: f64) {
        let server = response.get("postgres_changes").and_then(Value::as_array).cloned();
        let Some(c) = self.chan_mut(chan) else { return };
        let mut mismatch = false;
        if let Some(server) = server.as_ref() {
            for (i, b) in c.bindings.iter_mut().filter(|b| b.kind == "postgres_changes").enumerate() {
                let s = server.get(i);
                let same = |k: &str| {
                    let norm =
                        |v: Option<&Value>| v.filter(|v| !v.is_null()).and_then(Value::as_str).map(str::to_owned);
                    norm(s.and_then(|s| s.get(k))) == norm(b.filter.get(k))
                };
                if s.is_some() && same("event") && same("schema") && same("table") && same("filter") {
                    b.server_id = s.and_then(|s| s.get("id")).cloned();
                } else {
                    mismatch = true;
                }
            }
        }
        c.state = State::Joined;
        c.rejoin_tries = 0;
        c.rejoin_at = None;
        if mismatch {
            self.leave(chan, None, now_ms);
            self.status(
                chan,
                "CHANNEL_ERROR",
                Some("mismatch between server and client bindings for postgres changes".into()),
            );
            return;
        }
        self.status(chan, "SUBSCRIBED", None);
        self.flush(chan, now_ms);
    }

    /// Send the channel's buffered pushes.
    fn flush(&mut self, chan: u32, now_ms: f64) {
        let Some(c) = self.chan(chan) else { return };
        if c.state != State::Joined || !matches!(self.sock, Sock::Open(_)) {
            return;
        }
        let topic = c.topic.clone();
        let join_ref = c.join_ref;
        let todo: Vec<(usize, String, Value, f64)> = c
            .pushes
            .iter()
            .enumerate()
            .filter(|(_, p)| p.reference.is_none())
            .map(|(i, p)| (i, p.event.clone(), p.payload.clone(), p.timeout))
            .collect();
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

    /// The channel is over: pending pushes fail, the status callback hears `CLOSED`, and the
    /// socket closes when it was the last channel.
    fn closed(&mut self, chan: u32, op: Option<u32>, status: &str) {
        let Some(i) = self.channels.iter().position(|c| c.id == chan) else { return };
        let c = self.channels.remove(i);
        for p in c.pushes {
            if let (Some(op), false) = (p.op, p.fire_and_forget) {
                self.done(op, "error");
            }
        }
        if let Some(op) = op {
            self.done(op, status);
        }
        if c.subscribed_once {
            self.status(chan, "CLOSED", None);
        }
        if self.channels.iter().all(|c| c.state == State::New) {
            self.disconnect(1000, "");
        }
    }

    fn postgres_change(&mut self, chan: u32, payload: &Value) {
        let Some(ids) = payload.get("ids").and_then(Value::as_array) else { return };
        let Some(data) = payload.get("data").and_then(Value::as_object) else { return };
        let kind = data.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
        let bindings = self.matching(chan, "postgres_changes", |b| {
            b.server_id.as_ref().is_some_and(|id| ids.contains(id))
                && (b.event == "*" || b.event.eq_ignore_ascii_case(&kind))
        });
        if bindings.is_empty() {
            return;
        }
        let get = |k: &str| data.get(k).cloned().unwrap_or(Value::Null);
        let record = |k: &str| match data.get(k) {
            Some(Value::Object(m)) => Value::Object(m.clone()),
            _ => Value::Object(Map::new()),
        };
        let new = if kind == "INSERT" || kind == "UPDATE" { record("record") } else { Value::Object(Map::new()) };
        let old = if kind == "UPDATE" || kind == "DELETE" { record("old_record") } else { Value::Object(Map::new()) };
        let out = json!({
            "schema": get("schema"),
            "table": get("table"),
            "commit_timestamp": get("commit_timestamp"),
            "eventType": kind,
            "new": new,
            "old": old,
            "errors": get("errors"),
        });
        self.deliver(chan, bindings, out);
    }

    fn presence_events(&mut self, chan: u32, events: Vec<presence::Event>) {
        for e in events {
            let (event, payload) = match e {
                presence::Event::Join(p) => ("join", Some(p)),
                presence::Event::Leave(p) => ("leave", Some(p)),
                presence::Event::Sync => ("sync", None),
            };
            let ids = self.matching(chan, "presence", |b| b.event == "*" || b.event.eq_ignore_ascii_case(event));
            self.deliver(chan, ids, payload.unwrap_or(Value::Null));
        }
    }

    fn http_broadcast(&mut self, chan: u32, op: u32, args: &Value, timeout: f64) {
        let Some(c) = self.chan(chan) else { return self.done(op, "error") };
        let private = c.config.get("private").and_then(Value::as_bool).unwrap_or(false);
        let topic = c.topic.strip_prefix("realtime:").unwrap_or(&c.topic).to_owned();
        let body = json!({ "messages": [{
            "topic": topic,
            "event": args.get("event").cloned().unwrap_or(Value::Null),
            "payload": args.get("payload").cloned().unwrap_or(Value::Null),
            "private": private,
        }]});
        let mut headers = Map::new();
        for (k, v) in &self.headers {
            headers.insert(k.clone(), v.clone().into());
        }
        headers.insert("apikey".into(), self.key.clone().into());
        headers.insert("Authorization".into(), cat(&["Bearer ", &self.token]).into());
        headers.insert("Content-Type".into(), "application/json".into());
        self.out.push_back(Output::Http(HttpRequest {
            id: op, // the client maps it to a pending broadcast
            method: "POST",
            url: self.broadcast_url.clone(),
            headers,
            body: Some(json_text(&body)),
            timeout: timeout.clamp(100.0, 600_000.0) as u32,
        }));
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
