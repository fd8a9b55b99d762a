//! The one socket: opened while channels want it, heartbeat every 25 s while the app is shown,
//! given up when a heartbeat goes unanswered, reopened after drops with backoff (1 s, 2 s, 5 s,
//! then 10 s), nothing sent or reopened while the app is hidden. Each socket has an id: events of
//! one given up are ignored.

use serde_json::{Map, Value};

use super::channel::State;
use super::frame::{self, Inbound, PHOENIX};
use super::Realtime;
use crate::encoding::headers::Headers;
use crate::encoding::text::cat;
use crate::output::{Output, VERSION};
use crate::prelude::*;

const RECONNECT_MS: [f64; 4] = [1_000.0, 2_000.0, 5_000.0, 10_000.0];

/// The wait before attempt `tries` (1-based) of `table`: the last entry once past the end.
pub(super) fn backoff(table: &[f64; 4], tries: u32) -> f64 {
    let i = usize::try_from(tries.saturating_sub(1)).unwrap_or(3).min(3);
    table[i]
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Sock {
    /// No socket, none wanted (no channels, or explicitly closed).
    Idle,
    Connecting(u32),
    Open(u32),
    /// Dropped; reconnect at `at` (or when the app is shown again).
    Waiting {
        at: Option<f64>,
    },
}

impl Realtime {
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

    pub fn socket_opened(&mut self, socket: u32, now_ms: f64) {
        self.now = now_ms;
        if !matches!(self.sock, Sock::Connecting(s) if s == socket) {
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
        if matches!(self.sock, Sock::Connecting(s) if s == socket) {
            self.dropped(now_ms);
        }
    }

    pub fn socket_message(&mut self, socket: u32, text: &str, now_ms: f64) {
        self.now = now_ms;
        if !matches!(self.sock, Sock::Open(s) if s == socket) {
            return;
        }
        let Some(frame) = Inbound::parse(text) else { return };
        if frame.topic == PHOENIX {
            if frame.event == "phx_reply" && frame.reference.is_some() && frame.reference == self.heartbeat_ref {
                self.heartbeat_ref = None;
            }
            return;
        }
        let Some(idx) = self.channels.iter().position(|c| c.topic == frame.topic) else { return };
        self.channel_event(idx, frame, now_ms);
    }

    /// The socket's timers: a reconnect or a heartbeat that is due (only while shown).
    pub(super) fn socket_timers(&mut self, now_ms: f64) {
        if !self.shown {
            return;
        }
        if let Sock::Waiting { at: Some(at) } = self.sock {
            if at <= now_ms {
                self.connect();
            }
        }
        if self.next_heartbeat.is_some_and(|t| t <= now_ms) {
            self.heartbeat(now_ms);
        }
    }

    /// The socket's next timer, when shown: heartbeat or reconnect.
    pub(super) fn socket_timeout(&self) -> [Option<f64>; 2] {
        if !self.shown {
            return [None, None];
        }
        let reconnect = if let Sock::Waiting { at } = self.sock { at } else { None };
        [self.next_heartbeat, reconnect]
    }

    pub(super) fn is_open(&self) -> bool {
        matches!(self.sock, Sock::Open(_))
    }

    /// Send a frame on the open socket; its ref.
    pub(super) fn send_frame(
        &mut self,
        topic: &str,
        event: &str,
        payload: Value,
        join_ref: Option<u64>,
    ) -> Option<u64> {
        let Sock::Open(socket) = self.sock else { return None };
        self.next_ref = self.next_ref.wrapping_add(1);
        let r = self.next_ref;
        self.out.push_back(Output::SocketSend { socket, text: frame::encode(topic, event, payload, r, join_ref) });
        Some(r)
    }

    /// The ref the next frame will carry (a join's `join_ref` is its own ref).
    pub(super) fn peek_ref(&self) -> u64 {
        self.next_ref.wrapping_add(1)
    }

    /// Open a socket if a channel wants one and the app is shown (else wait for it to be).
    pub(super) fn connect(&mut self) {
        if self.all_new() {
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
        // The global headers may replace ours; the token goes in the join, not the handshake.
        let mut headers = Headers::new();
        headers.set("X-Client-Info", cat(&["supabase-wechat/", VERSION])).layer_except(&self.headers, "Authorization");
        self.out.push_back(Output::SocketOpen {
            socket,
            url: self.ws_url.clone(),
            headers: headers.into_map(),
            protocols: Vec::new(),
        });
    }

    /// `realtime.connect()`: open the socket now if a channel wants it and it is not open or
    /// opening (after `disconnect()`, or while waiting to reconnect). The socket exists only while
    /// a channel is subscribed: without one there is nothing to connect.
    pub fn connect_now(&mut self, now_ms: f64) {
        self.now = now_ms;
        if matches!(self.sock, Sock::Idle | Sock::Waiting { .. }) {
            self.reconnect_tries = 0;
            self.connect();
        }
    }

    /// `realtime.disconnect(code, reason)` (Phoenix's `disconnect`): close the socket (code 1000
    /// unless 1000 or 3000–4999 is given); joined channels error (`CHANNEL_ERROR`) and wait, and
    /// nothing reopens it until `connect()` or a `subscribe()`, which rejoin them.
    pub fn disconnect_now(&mut self, code: Option<f64>, reason: &str, now_ms: f64) {
        self.now = now_ms;
        let code = code.filter(|c| *c == 1000.0 || (3000.0..=4999.0).contains(c)).map_or(1000, |c| c as u16);
        let live = matches!(self.sock, Sock::Open(_) | Sock::Connecting(_));
        self.disconnect(code, reason);
        if live {
            self.dropped(now_ms);
        }
        self.sock = Sock::Idle;
        self.reconnect_tries = 0;
    }

    /// `realtime.isConnected()`.
    pub fn is_connected(&self) -> bool {
        self.is_open()
    }

    /// Close the socket on purpose: nothing reconnects.
    pub(super) fn disconnect(&mut self, code: u16, reason: &str) {
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
        for &chan in &self.channel_ids() {
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
        if self.all_new() {
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
        self.heartbeat_ref = self.send_frame(PHOENIX, "heartbeat", Value::Object(Map::new()), None);
        self.next_heartbeat = Some(now_ms + self.heartbeat_ms);
    }
}
