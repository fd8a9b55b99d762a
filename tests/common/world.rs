//! A `Client` on a virtual clock, driven the way the shim drives it.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use supabase_wechat::{Client, Json, Output, Session};

use super::outputs::Outputs;
use super::token::token_body;
use super::{KEY, T0, URL};

/// How the shim answers the client's storage writes (`StorageSet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// A working storage: every write succeeds at once.
    Ack,
    /// Not yet: the test answers with `handle_storage_result` itself (an async store, say).
    Leave,
    /// Every write fails with this wx error message (a full storage, say).
    Fail(&'static str),
}

/// The client under test, the virtual clock, and what the shim around them holds: storage, the
/// WebSocket, and the log of every output.
pub struct World {
    pub c: Client,
    /// The virtual clock, ms since the epoch; moved by the test, `advance` or `fire`.
    pub now: f64,
    pub writes: Writes,
    /// What wx storage holds: the acknowledged writes, less the removals.
    pub storage: BTreeMap<String, String>,
    /// Every output drained so far, in order; the selectors of [`Outputs`] read it.
    pub log: Vec<Output>,
    /// The open WebSocket: from its `SocketOpen` to its `SocketClose` (or `drop_socket`).
    pub socket: Option<u32>,
}

impl World {
    /// A signed-out client of the scripted project, at [`T0`], with a working storage.
    pub fn new() -> World {
        World::with_options(json!({}))
    }

    /// The same, created with these options (`createClient`'s third argument).
    pub fn with_options(options: Value) -> World {
        World::with(Client::new(URL, KEY, &options.to_string()))
    }

    /// Any client.
    pub fn with(c: Client) -> World {
        World { c, now: T0, writes: Writes::Ack, storage: BTreeMap::new(), log: Vec::new(), socket: None }
    }

    /// A signed-in client: it holds session 1 (see [`token_body`]), whose access token expires
    /// `expires_in` seconds from now.
    pub fn signed_in(expires_in: i64) -> World {
        World::new().with_session(expires_in)
    }

    /// The clock set to `now`.
    pub fn at(mut self, now: f64) -> World {
        self.now = now;
        self
    }

    /// Storage writes answered as `writes` says.
    pub fn writes(mut self, writes: Writes) -> World {
        self.writes = writes;
        self
    }

    /// Storage holds session 1, expiring `expires_in` seconds from now, and the client has restored
    /// it (as `createClient` does from wx storage).
    pub fn with_session(mut self, expires_in: i64) -> World {
        let body = token_body(1).expires_in(expires_in).to_string();
        let stored = Session::from_token_response(&body, self.now).expect("session").to_stored();
        self.c.restore(Some(&stored), self.now);
        assert!(self.c.poll().is_none(), "a valid session is not rewritten");
        self.storage.insert(self.c.storage_key().to_owned(), stored);
        self
    }

    /// The session as storage holds it.
    pub fn stored(&self) -> Option<String> {
        self.storage.get(self.c.storage_key()).cloned()
    }

    /// The access token of the client's session.
    pub fn token(&self) -> String {
        self.c.session().expect("a session").access_token.clone()
    }

    /// Every output, in order, as the shim polls them: storage writes are answered as
    /// [`World::writes`] says; the socket follows its open and close; frames must be JSON and go out
    /// on the open socket. The outputs are also added to the log.
    pub fn drain(&mut self) -> Vec<Output> {
        let mut outs = Vec::new();
        while let Some(o) = self.c.poll() {
            assert!(outs.len() + 1 < 10_000, "poll() never runs dry");
            // `getSession`'s result names the session's generation; the shim resolves it with the
            // session's text (fetched again only when the generation changed), as here.
            let o = match o {
                Output::Session { op, .. } => {
                    Output::Done { op, data: Json::session_data(self.c.session_json()), error: None }
                }
                o => o,
            };
            match &o {
                Output::StorageSet { key, value } => match self.writes {
                    Writes::Ack => {
                        self.storage.insert(key.clone(), value.clone());
                        self.c.handle_storage_result(None);
                    }
                    Writes::Fail(message) => self.c.handle_storage_result(Some(message)),
                    Writes::Leave => {}
                },
                Output::StorageRemove { key } => {
                    self.storage.remove(key);
                }
                Output::SocketOpen { socket, .. } => self.socket = Some(*socket),
                Output::SocketSend { socket, text } => {
                    assert_eq!(Some(*socket), self.socket, "frame on a socket that is not the current one");
                    // JSON at any depth (a payload may nest deeper than a `Value`).
                    serde_json::from_str::<serde::de::IgnoredAny>(text).expect("frames are JSON");
                }
                Output::SocketClose { socket, .. } if self.socket == Some(*socket) => self.socket = None,
                _ => {}
            }
            self.log.push(o.clone());
            outs.push(o);
        }
        outs
    }

    /// Moves the clock `ms` on, firing every timer that falls due on the way (when
    /// `poll_timeout` says) and draining after each; returns what was drained.
    pub fn advance(&mut self, ms: f64) -> Vec<Output> {
        let end = self.now + ms;
        let mut outs = self.drain();
        while let Some(t) = self.c.poll_timeout().filter(|t| *t <= end) {
            self.now = self.now.max(t);
            self.c.handle_timeout(self.now);
            outs.extend(self.drain());
        }
        self.now = end;
        outs.extend(self.drain());
        outs
    }

    /// Moves the clock to the next timer (never back) and fires it, without draining; returns
    /// the time, or `None` (and leaves the clock) when no timer is set.
    pub fn fire(&mut self) -> Option<f64> {
        let t = self.c.poll_timeout()?;
        self.now = self.now.max(t);
        self.c.handle_timeout(self.now);
        Some(self.now)
    }

    /// The server answers HTTP request `id`, now.
    pub fn reply(&mut self, id: u32, status: u16, body: &str) {
        self.c.handle_response(id, status, body, self.now);
    }

    /// HTTP request `id` fails in transport (`request:fail …`), now.
    pub fn fail(&mut self, id: u32, err_msg: &str) {
        self.c.handle_transport_error(id, err_msg, self.now);
    }

    // The WebSocket and the scripted Phoenix server

    /// The socket opens (`onOpen`).
    pub fn open(&mut self) {
        let s = self.socket.expect("a socket to open");
        self.c.socket_opened(s, self.now);
        self.drain();
    }

    /// The socket drops (`onClose` 1006).
    pub fn drop_socket(&mut self) {
        let s = self.socket.take().expect("a socket to drop");
        self.c.socket_closed(s, 1006, "abnormal closure", self.now);
        self.drain();
    }

    /// The server sends `frame`.
    pub fn recv(&mut self, frame: Value) {
        let s = self.socket.expect("an open socket");
        self.c.socket_message(s, &frame.to_string(), self.now);
        self.drain();
    }

    /// The server replies ok to the frame `to`, with `response`.
    pub fn phx_reply(&mut self, to: &Value, response: Value) {
        self.recv(json!({"topic": to["topic"], "event": "phx_reply", "ref": to["ref"],
            "payload": {"status": "ok", "response": response}}));
    }

    /// The server replies ok to every join sent so far, with ids for postgres_changes bindings.
    pub fn ack_joins(&mut self) {
        let joins: Vec<Value> = self.sent_events("phx_join");
        for j in joins {
            let pg: Vec<Value> = j["payload"]["config"]["postgres_changes"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, mut b)| {
                    b["id"] = json!(100 + i);
                    b
                })
                .collect();
            self.phx_reply(&j, json!({"postgres_changes": pg}));
        }
    }
}

impl Outputs for World {
    fn outputs(&self) -> &[Output] {
        &self.log
    }
}
