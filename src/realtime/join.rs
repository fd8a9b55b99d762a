//! Joining and leaving: `subscribe`, the join and its reply, rejoins after a timeout or refusal
//! (1 s, 2 s, 5 s, then 10 s, as Phoenix), the access token the join carries and every change of
//! it, `unsubscribe`, and the end of a channel.

use serde_json::{Map, Value};

use super::channel::State;
use super::socket::{backoff, Sock};
use super::Realtime;
use crate::encoding::json::put;
use crate::encoding::text::json as json_text;
use crate::prelude::*;

const REJOIN_MS: [f64; 4] = [1_000.0, 2_000.0, 5_000.0, 10_000.0];

impl Realtime {
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

    /// `unsubscribe()` (and `removeChannel`): leave, then forget the channel; the socket closes
    /// when no channel is left. Ends with `Done { op, data: "ok" | "timed out" | "error" }`.
    pub fn leave(&mut self, chan: u32, op: Option<u32>, now_ms: f64) {
        self.now = now_ms;
        let open = self.is_open();
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
            let r = self.send_frame(&topic, "phx_leave", Value::Object(Map::new()), c.join_ref);
            if let Some(c) = self.chan_mut(chan) {
                c.state = State::Leaving;
                c.leave = Some((op, r, deadline));
            }
        } else {
            self.closed(chan, op, "ok");
        }
    }

    /// A new access token (session change). Joined channels get an `access_token` push.
    pub fn set_token(&mut self, token: &str) {
        self.session_token = token.to_owned();
        self.use_token(token);
    }

    /// `realtime.setAuth(token)`: this token for joins and joined channels (an `access_token`
    /// push), as realtime-js; until the session changes (supabase-js sets the session's token on
    /// every auth event too). `setAuth()` without one: the session's token again.
    pub fn set_auth(&mut self, token: Option<&str>) {
        let token = token.filter(|t| !t.is_empty()).map_or_else(|| self.session_token.clone(), str::to_owned);
        self.use_token(&token);
    }

    fn use_token(&mut self, token: &str) {
        let now_ms = self.now;
        let changed = token != self.token;
        self.token = token.to_owned();
        let was_pending = self.token_pending;
        self.token_pending = false;
        if changed && self.is_open() {
            let mut joined: Vec<(String, Option<u64>)> = Vec::new();
            for c in &self.channels {
                if c.state == State::Joined {
                    joined.push((c.topic.clone(), c.join_ref));
                }
            }
            for (topic, join_ref) in &joined {
                let mut payload = Map::new();
                put(&mut payload, "access_token", token.into());
                self.send_frame(topic, "access_token", Value::Object(payload), *join_ref);
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

    /// Send the join of every channel that should be joined and is not.
    pub(super) fn join_waiting(&mut self, now_ms: f64) {
        if !self.is_open() || self.token_pending {
            return;
        }
        // The errored channels' ids, by a loop (no `retain` of its own, no look-up by id).
        let mut errored = Vec::new();
        for c in &self.channels {
            if c.state == State::Errored {
                errored.push(c.id);
            }
        }
        for &chan in &errored {
            self.join(chan, now_ms);
        }
    }

    /// The channel's join timers: a join that timed out, then a rejoin that is due.
    pub(super) fn join_timers(&mut self, chan: u32, now_ms: f64) {
        let Some(c) = self.chan(chan) else { return };
        if c.state == State::Joining && c.join_deadline <= now_ms {
            self.join_timed_out(chan, now_ms);
        }
        let Some(c) = self.chan(chan) else { return };
        if self.shown && c.rejoin_at.is_some_and(|t| t <= now_ms) {
            if let Some(c) = self.chan_mut(chan) {
                c.rejoin_at = None;
            }
            if self.is_open() {
                self.join(chan, now_ms);
            }
        }
    }

    /// A leave still unanswered at its deadline ends the channel.
    pub(super) fn leave_timer(&mut self, chan: u32, now_ms: f64) {
        if let Some((op, _, d)) = self.chan(chan).and_then(|c| c.leave) {
            if d <= now_ms {
                self.closed(chan, op, "timed out");
            }
        }
    }

    fn join(&mut self, chan: u32, now_ms: f64) {
        if self.token_pending {
            return;
        }
        let Some(c) = self.chan(chan) else { return };
        if c.state != State::Errored {
            return;
        }
        let topic = c.topic.clone();
        let timeout = c.join_timeout;
        let mut payload = Map::new();
        put(&mut payload, "config", c.join_config());
        put(&mut payload, "access_token", Value::String(self.token.clone()));
        let payload = Value::Object(payload);
        let r = self.peek_ref();
        let Some(sent) = self.send_frame(&topic, "phx_join", payload, Some(r)) else { return };
        if let Some(c) = self.chan_mut(chan) {
            c.state = State::Joining;
            c.join_ref = Some(sent);
            c.join_deadline = now_ms + timeout;
            c.rejoin_at = None;
            c.presence.reset();
        }
    }

    fn join_timed_out(&mut self, chan: u32, now_ms: f64) {
        let Some(c) = self.chan(chan) else { return };
        let (topic, join_ref) = (c.topic.clone(), c.join_ref);
        // Phoenix: leave the join that may still land, then retry later.
        self.send_frame(&topic, "phx_leave", Value::Object(Map::new()), join_ref);
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

    /// `phx_error`, or a refused join: rejoin later.
    pub(super) fn chan_error(&mut self, chan: u32, message: Option<String>, now_ms: f64) {
        let Some(c) = self.chan(chan) else { return };
        if matches!(c.state, State::Leaving | State::New) {
            return;
        }
        self.schedule_rejoin(chan, now_ms);
        self.status(chan, "CHANNEL_ERROR", message);
    }

    /// `phx_reply` on the channel's topic: to its join, its leave, or one of its pushes.
    pub(super) fn reply(&mut self, chan: u32, reference: Option<u64>, payload: &Value, now_ms: f64) {
        let Some(reference) = reference else { return };
        let status = payload.get("status").and_then(Value::as_str).unwrap_or("error").to_owned();
        let response = payload.get("response").cloned().unwrap_or(Value::Null);
        let Some(c) = self.chan(chan) else { return };
        if c.state == State::Joining && c.join_ref == Some(reference) {
            if status == "ok" {
                return self.joined(chan, &response, now_ms);
            }
            let message = match &response {
                Value::Object(m) => {
                    // Each value (a string as it is, anything else as JSON) joined with ", ".
                    let mut message = String::new();
                    for (i, v) in m.values().enumerate() {
                        if i > 0 {
                            message.push_str(", ");
                        }
                        match v.as_str() {
                            Some(s) => message.push_str(s),
                            None => message.push_str(&json_text(v)),
                        }
                    }
                    message
                }
                other => json_text(other),
            };
            return self.chan_error(chan, Some(message), now_ms);
        }
        if let Some((op, Some(r), _)) = c.leave {
            if r == reference {
                return self.closed(chan, op, if status == "ok" { "ok" } else { "error" });
            }
        }
        self.push_replied(chan, reference, status == "ok");
    }

    fn joined(&mut self, chan: u32, response: &Value, now_ms: f64) {
        let Some(c) = self.chan_mut(chan) else { return };
        let matched = c.take_server_ids(response);
        c.state = State::Joined;
        c.rejoin_tries = 0;
        c.rejoin_at = None;
        if !matched {
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

    /// The channel is over: pending pushes fail, the status callback hears `CLOSED`, and the
    /// socket closes when it was the last channel.
    pub(super) fn closed(&mut self, chan: u32, op: Option<u32>, status: &str) {
        let Some(i) = self.channels.iter().position(|c| c.id == chan) else { return };
        let c = self.channels.remove(i);
        for p in &c.pushes {
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
        if self.all_new() {
            self.disconnect(1000, "");
        }
    }
}
