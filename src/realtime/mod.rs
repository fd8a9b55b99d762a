//! Supabase Realtime: the Phoenix channel protocol (vsn 1.0.0 JSON frames), sans-IO.
//!
//! Owned by the client (the router), which feeds it socket events, app visibility, timer ticks,
//! every change of the access token and the replies to its HTTP requests, and drains its
//! outputs. The shim only carries one `wx.connectSocket` task: frames in, frames, timers and
//! callbacks out.
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
//!   every change of it is pushed to joined channels as `access_token`; `realtime.setAuth(token)`
//!   uses that token instead until the session changes, `setAuth()` the session's again;
//! - `realtime.disconnect(code, reason)` closes the socket as Phoenix does (channels error and
//!   wait) and nothing reopens it until `connect()` or a `subscribe()`, which rejoin them;
//!   `connect()` opens nothing while no channel is subscribed;
//! - postgres_changes records are passed on as the server typed them (realtime-js'
//!   `convertChangeData` is an identity on typed JSON); presence follows RealtimePresence
//!   (`presence_state`/`presence_diff` → `join`/`leave`/`sync`, `phx_ref` shown as
//!   `presence_ref`; a `join` of a new key has `currentPresences: []`).
//!
//! Frames come from the network: anything malformed is ignored, never a panic.
//!
//! The parts: `frame` (Phoenix frames and topics), `channel` (a channel's config, its bindings
//! and which of them an event reaches), `socket` (connect, heartbeat, reconnect, visibility),
//! `join` (join, rejoin, leave, the access token), `push` (pushes and the HTTP broadcast),
//! `presence` (RealtimePresence's state). Realtime imports only the leaf ([`crate::output`]) and
//! [`crate::encoding`], never the client, auth or data.

mod channel;
mod frame;
mod join;
mod presence;
mod push;
mod socket;
#[cfg(test)]
mod tests;

use alloc::collections::VecDeque;

use serde_json::Value;

use crate::encoding::query::encode_query_value;
use crate::encoding::text::cat;
use crate::output::{Json, Output};
use crate::prelude::*;

use channel::{Channel, State};
use socket::Sock;

pub const HEARTBEAT_MS: f64 = 25_000.0;
pub const TIMEOUT_MS: f64 = 10_000.0;

pub struct Realtime {
    ws_url: String,
    broadcast_url: String,
    key: String,
    headers: Vec<(String, String)>,
    heartbeat_ms: f64,
    timeout_ms: f64,
    token: String,
    /// The session's token (the anon key when signed out): what `setAuth()` without one goes back to.
    session_token: String,
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
    /// HTTP broadcasts in flight: (request id, op).
    broadcasts: Vec<(u32, u32)>,
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
                &encode_query_value(key),
                "&vsn=1.0.0",
                &crate::config::realtime_query(options),
            ]),
            broadcast_url: cat(&[base, "/realtime/v1/api/broadcast"]),
            key: key.to_owned(),
            headers: headers.to_vec(),
            heartbeat_ms: num("heartbeatIntervalMs", HEARTBEAT_MS, 1_000.0, 600_000.0),
            timeout_ms: num("timeout", TIMEOUT_MS, 100.0, 600_000.0),
            token: key.to_owned(),
            session_token: key.to_owned(),
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
            broadcasts: Vec::new(),
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
        for v in self.socket_timeout() {
            add(v);
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

    /// Timers that are due: the socket's, then each channel's (join, rejoin, pushes, leave).
    pub fn handle_timeout(&mut self, now_ms: f64) {
        self.now = now_ms;
        self.socket_timers(now_ms);
        // By reference: a `Vec<u32>` consumed by value links its own `IntoIter`.
        for &chan in &self.channel_ids() {
            self.join_timers(chan, now_ms);
            self.expire_pushes(chan, now_ms);
            self.leave_timer(chan, now_ms);
        }
    }

    pub fn is_idle(&self) -> bool {
        matches!(self.sock, Sock::Idle) && self.channels.is_empty()
    }

    fn done(&mut self, op: u32, status: &str) {
        let data = serde_json::to_string(status).unwrap_or_else(|_| "null".into());
        self.out.push_back(Output::Done { op, data: Json::raw(data), error: None });
    }

    fn status(&mut self, chan: u32, status: &'static str, message: Option<String>) {
        self.out.push_back(Output::ChannelStatus { channel: chan, status, message });
    }
}
