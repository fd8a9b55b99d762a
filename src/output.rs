//! What the core's machines emit, and the ids they share: the leaf of the module tree.
//!
//! Auth, data and realtime each push [`Output`]s; the router ([`crate::client::Client`]) hands
//! them to the caller in order. This module imports none of them (quinn-proto's `shared.rs`).

use crate::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::auth::error::AuthError;
use crate::auth::session::Session;
use crate::encoding::text::cat;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Ids of operations and requests, from one counter shared by the machines so that a reply's
/// id names one request: 1, 2, 3, … (wrapping).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ids {
    next: u32,
}

impl Ids {
    /// The next id.
    #[allow(clippy::should_implement_trait)] // not an iterator: it never ends
    pub fn next(&mut self) -> u32 {
        self.next = self.next.wrapping_add(1);
        self.next
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AuthEvent {
    #[serde(rename = "INITIAL_SESSION")]
    InitialSession,
    #[serde(rename = "SIGNED_IN")]
    SignedIn,
    #[serde(rename = "SIGNED_OUT")]
    SignedOut,
    #[serde(rename = "TOKEN_REFRESHED")]
    TokenRefreshed,
    #[serde(rename = "USER_UPDATED")]
    UserUpdated,
    #[serde(rename = "PASSWORD_RECOVERY")]
    PasswordRecovery,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HttpRequest {
    pub id: u32,
    pub method: &'static str,
    pub url: String,
    pub headers: Map<String, Value>,
    pub body: Option<String>,
    pub timeout: u32,
}

/// A request of the data path (Database, Storage, Functions) for the shim to perform.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FetchRequest {
    pub id: u32,
    /// The operation: its payload, held by the shim, is the body when `payload` is set.
    pub op: u32,
    pub method: &'static str,
    pub url: String,
    pub headers: Map<String, Value>,
    /// A body built by the core.
    pub body: Option<String>,
    /// Send the operation's payload (rows, bytes, a function body; `tempFilePath` for uploads).
    pub payload: bool,
    /// `wx.request`, `wx.uploadFile` (`name`, `form`) or `wx.downloadFile`.
    pub transport: Transport,
    /// How to read a 2xx body.
    pub read: Read,
    pub timeout: u32,
}

/// Work for the caller, in the order it must be done.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Output {
    Http(HttpRequest),
    /// Perform, then report with [`Client::handle_data_response`] or
    /// [`Client::handle_transport_error`]; the operation ends with a `Done` whose `data` is an
    /// [`Outcome`].
    Fetch(FetchRequest),
    /// Write `value` under `key`, then report with [`Client::handle_storage_result`].
    StorageSet {
        key: String,
        value: String,
    },
    StorageRemove {
        key: String,
    },
    /// Deliver to every listener, or only to subscription `target` (`INITIAL_SESSION`).
    Event {
        event: AuthEvent,
        session: Option<Session>,
        #[serde(skip_serializing_if = "Option::is_none")]
        target: Option<u32>,
    },
    /// A line for the console. Never contains a token or a code.
    Log {
        level: &'static str,
        message: String,
    },
    /// Realtime: open the one WebSocket (`wx.connectSocket`), then report its events with
    /// `socket_opened` / `socket_message` / `socket_closed` / `socket_error` and this `socket` id.
    SocketOpen {
        socket: u32,
        url: String,
        headers: Map<String, Value>,
        protocols: Vec<String>,
    },
    /// Send a text frame on socket `socket`.
    SocketSend {
        socket: u32,
        text: String,
    },
    /// Close socket `socket` (`SocketTask.close({ code, reason })`); its events no longer matter.
    SocketClose {
        socket: u32,
        code: u16,
        reason: String,
    },
    /// Call the callbacks of channel `channel` registered by `.on` with these indexes, with
    /// `payload` (none for presence `sync`).
    Realtime {
        channel: u32,
        bindings: Vec<u32>,
        payload: Value,
    },
    /// The channel's `subscribe` callback: `SUBSCRIBED`, `TIMED_OUT`, `CLOSED`, `CHANNEL_ERROR`.
    ChannelStatus {
        channel: u32,
        status: &'static str,
        message: Option<String>,
    },
    /// The operation's result; `data` is JSON text, spliced in by [`Output::to_json`], which
    /// writes this variant itself. Through serde it is only its tag: `skip_serializing` on the
    /// variant would make serializing it an error, and building a serde_json error links its
    /// message parsing (a string search, slicing and integer parsing: ~8 KB of wasm).
    Done {
        #[serde(skip)]
        op: u32,
        #[serde(skip)]
        data: Json,
        #[serde(skip)]
        error: Option<AuthError>,
    },
}

/// JSON text the core built itself (valid by construction), passed on without re-serializing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json(pub(crate) String);

impl Json {
    pub fn text(&self) -> &str {
        &self.0
    }

    /// Parsed, for tests and callers that want a value.
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }

    pub(crate) fn raw(text: String) -> Json {
        Json(text)
    }

    pub(crate) fn of(v: &Value) -> Json {
        Json(serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned()))
    }
}

impl Output {
    /// The output as JSON text for the shim. `Done.data` is spliced in as it is: a session's
    /// JSON is built once when it changes, not re-serialized on every `getSession`.
    pub fn to_json(&self) -> String {
        match self {
            Output::Done { op, data, error } => {
                let error = serde_json::to_string(error).unwrap_or_else(|_| "null".to_owned());
                cat(&[
                    "{\"type\":\"done\",\"op\":",
                    &crate::encoding::text::decimal(*op),
                    ",\"data\":",
                    data.text(),
                    ",\"error\":",
                    &error,
                    "}",
                ])
            }
            other => serde_json::to_string(other).unwrap_or_default(),
        }
    }
}

/// Which wx API performs the request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "api", rename_all = "snake_case")]
pub enum Transport {
    /// `wx.request`.
    Request,
    /// `wx.uploadFile` of the payload's `tempFilePath` as multipart part `name`, with `form`
    /// fields: the file never enters JS memory.
    Upload { name: String, form: Vec<(String, String)> },
    /// `wx.downloadFile` to a temp file.
    Download,
}

/// How the shim reads a 2xx reply body (non-2xx bodies always come to the core as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Read {
    /// Not at all (HEAD, or a body nobody needs).
    None,
    /// `JSON.parse` of the text in the shim; the core gets [`Facts`] about it.
    Json,
    /// The text as it is, kept in the shim.
    Text,
    /// An ArrayBuffer, kept in the shim.
    ArrayBuffer,
    /// The text is handed to the core, which builds `data` itself (small metadata replies).
    Core,
}
