//! What the core's machines emit, and the ids they share: the leaf of the module tree.
//!
//! Auth, data and realtime each push [`Output`]s; the router ([`crate::client::Client`]) hands
//! them to the caller in order. This module imports none of them (quinn-proto's `shared.rs`):
//! what the machines tell each other (a wait for a fresh token and how it ended, the session's
//! token for realtime) and the error an operation resolves with are types here too, and only
//! the router passes them on.

use crate::prelude::*;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::encoding::text::{cat, decimal, json};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The one allocator of operation and request ids: every machine draws from it, so an id names
/// one operation or one request whatever machine owns it, and the router routes a reply by its
/// id alone. Ids start at 1 and wrap.
#[derive(Debug, Clone, Default)]
pub struct Ids(u32);

impl Ids {
    pub fn new() -> Ids {
        Ids(0)
    }

    /// A fresh id.
    pub fn take(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(1);
        self.0
    }
}

/// A wait for a fresh access token, handed out by auth ([`Bearer::Wait`]) and settled when the
/// refresh it waits on ends ([`Emit::Settled`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(pub u32);

/// What a request of another machine (the data path, a realtime join) carries, as auth says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bearer {
    /// The session's access token, valid for a while yet.
    Ready(String),
    /// Signed out: the anon key.
    Anon,
    /// A refresh is needed first: the ticket is settled with a [`Grant`] once it ends.
    Wait(Ticket),
}

/// How a [`Ticket`] was settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// The session's access token (fresh, or still valid after a failed refresh).
    Token(String),
    /// Signed out meanwhile (the refresh token was refused): the anon key is what the user is.
    Anon,
    /// The session is kept but its access token has expired and could not be refreshed:
    /// `token` is that expired token, `why` the reason.
    Stale { token: String, why: String },
}

/// What the auth machine hands the router, in order: work for the caller, or news for the
/// machines that follow the session (the router passes it on; machines never call each other).
#[derive(Debug, Clone, PartialEq)]
pub enum Emit {
    Out(Output),
    /// A wait for a fresh token ended.
    Settled(Ticket, Grant),
    /// The session changed: its access token, `None` when signed out (realtime follows it).
    Session(Option<String>),
}

/// The error classes an auth operation can resolve with. `name()` is the JS `error.name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server answered with an error body (4xx, or 5xx that is not retryable).
    AuthApiError,
    /// Network failure, timeout, or a gateway/5xx status: worth retrying, never a sign-out.
    AuthRetryableFetchError,
    /// The server answered something that is not a GoTrue error body (HTML, garbage).
    AuthUnknownError,
    /// The caller passed bad input; no request was sent.
    AuthInvalidCredentialsError,
    /// An operation needs a session and there is none (or the server says it is gone).
    AuthSessionMissingError,
    /// A 2xx reply that should carry a session but does not.
    AuthInvalidTokenResponseError,
    /// `exchangeCodeForSession` without a stored PKCE verifier.
    AuthPKCEGrantCodeExchangeError,
    /// The implicit-flow redirect URL carried `error` / `error_description` (the user denied).
    AuthImplicitGrantRedirectError,
    /// The reply came for a session that has since been replaced (a sign-in, a sign-out, a
    /// storage change overtook it): it was dropped (auth-js' name, status 409).
    AuthRefreshDiscardedError,
    /// `getClaims`: the token is not a JWT, has no `exp` or has expired (auth-js' name).
    AuthInvalidJwtError,
    /// GoTrue refused a password as too weak (`weak_password`, with its `reasons`).
    AuthWeakPasswordError,
}

impl ErrorKind {
    /// Every kind, for the test that holds js-shim/errors.js to this list.
    pub const ALL: [ErrorKind; 11] = [
        ErrorKind::AuthApiError,
        ErrorKind::AuthRetryableFetchError,
        ErrorKind::AuthUnknownError,
        ErrorKind::AuthInvalidCredentialsError,
        ErrorKind::AuthSessionMissingError,
        ErrorKind::AuthInvalidTokenResponseError,
        ErrorKind::AuthPKCEGrantCodeExchangeError,
        ErrorKind::AuthImplicitGrantRedirectError,
        ErrorKind::AuthRefreshDiscardedError,
        ErrorKind::AuthInvalidJwtError,
        ErrorKind::AuthWeakPasswordError,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::AuthApiError => "AuthApiError",
            ErrorKind::AuthRetryableFetchError => "AuthRetryableFetchError",
            ErrorKind::AuthUnknownError => "AuthUnknownError",
            ErrorKind::AuthInvalidCredentialsError => "AuthInvalidCredentialsError",
            ErrorKind::AuthSessionMissingError => "AuthSessionMissingError",
            ErrorKind::AuthInvalidTokenResponseError => "AuthInvalidTokenResponseError",
            ErrorKind::AuthPKCEGrantCodeExchangeError => "AuthPKCEGrantCodeExchangeError",
            ErrorKind::AuthImplicitGrantRedirectError => "AuthImplicitGrantRedirectError",
            ErrorKind::AuthRefreshDiscardedError => "AuthRefreshDiscardedError",
            ErrorKind::AuthInvalidJwtError => "AuthInvalidJwtError",
            ErrorKind::AuthWeakPasswordError => "AuthWeakPasswordError",
        }
    }
}

/// One error as it crosses to JS in `Done.error`: `{ name, message, status, code }` (auth-js'
/// `errors.ts`; the taxonomy and the HTTP table are in `crate::auth::error`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuthError {
    #[serde(serialize_with = "ser_kind")]
    pub name: ErrorKind,
    pub message: String,
    /// HTTP status; 0 for transport failures; `None` where auth-js has `undefined`.
    pub status: Option<u16>,
    /// GoTrue `error_code` (or shape-B `code`, or shape-C `error`).
    pub code: Option<String>,
    /// `AuthWeakPasswordError`'s `reasons` (`weak_password.reasons`: `length`, `characters`, `pwned`).
    pub reasons: Option<Vec<String>>,
}

fn ser_kind<S: serde::Serializer>(k: &ErrorKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.name())
}

impl AuthError {
    pub fn new(kind: ErrorKind, message: impl Into<String>, status: Option<u16>, code: Option<&str>) -> Self {
        AuthError { name: kind, message: message.into(), status, code: code.map(str::to_owned), reasons: None }
    }

    /// Bad caller input: status 400, code `validation_failed`, nothing sent.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::AuthInvalidCredentialsError, message, Some(400), Some("validation_failed"))
    }

    pub fn kind(&self) -> ErrorKind {
        self.name
    }
}

/// The auth state events. `name()` is what `onAuthStateChange` listeners get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthEvent {
    InitialSession,
    SignedIn,
    SignedOut,
    TokenRefreshed,
    UserUpdated,
    PasswordRecovery,
    MfaChallengeVerified,
}

impl AuthEvent {
    /// The name `onAuthStateChange` listeners get.
    pub fn name(self) -> &'static str {
        match self {
            AuthEvent::InitialSession => "INITIAL_SESSION",
            AuthEvent::SignedIn => "SIGNED_IN",
            AuthEvent::SignedOut => "SIGNED_OUT",
            AuthEvent::TokenRefreshed => "TOKEN_REFRESHED",
            AuthEvent::UserUpdated => "USER_UPDATED",
            AuthEvent::PasswordRecovery => "PASSWORD_RECOVERY",
            AuthEvent::MfaChallengeVerified => "MFA_CHALLENGE_VERIFIED",
        }
    }
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

/// Work for the caller, in the order it must be done. [`Output::to_json`] writes it as the
/// shim reads it: `{"type":"<variant in snake_case>", <the fields in order>}`.
#[derive(Debug, Clone, PartialEq)]
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
    /// `session` is the session's JSON text (as stored), spliced in by [`Output::to_json`] like
    /// `Done.data`: this module knows no session type.
    Event {
        event: AuthEvent,
        session: Option<Json>,
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
        /// JSON text: another client's payload may nest deeper than a `Value` can.
        payload: Json,
    },
    /// The channel's `subscribe` callback: `SUBSCRIBED`, `TIMED_OUT`, `CLOSED`, `CHANNEL_ERROR`.
    ChannelStatus {
        channel: u32,
        status: &'static str,
        message: Option<String>,
    },
    /// `getSession()`'s result: `{ session }`, the core's current session. Its JSON text does not
    /// cross with every call: the shim keeps the text of the last `generation` it fetched
    /// (`Client::session_json`) and fetches it again only when `generation` differs, so an
    /// unchanged session is never re-encoded, copied out or decoded (the per-call cost on iOS).
    Session {
        op: u32,
        generation: u32,
    },
    /// The operation's result; `data` is JSON text, spliced in by [`Output::to_json`].
    Done {
        op: u32,
        data: Json,
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

    /// `getSession`'s `data` as the shim builds it for an [`Output::Session`]: `{ session }` with
    /// `session_json` (from [`crate::Client::session_json`]) spliced in.
    pub fn session_data(session_json: &str) -> Json {
        Json(cat(&["{\"session\":", session_json, "}"]))
    }

    /// `v` as JSON text; parts of outside JSON carried as text inside it (`encoding::json::read`)
    /// are written back as they came.
    pub(crate) fn of(v: &Value) -> Json {
        Json(crate::encoding::json::to_text(v))
    }
}

impl Output {
    /// The output as JSON text for the shim: hand-written, not derived (serde's internally
    /// tagged enums cost ~3 KB of wasm here). `Done.data` and `Event.session` are spliced in as
    /// they are: a session's JSON is built once when it changes, not on every `getSession`.
    pub fn to_json(&self) -> String {
        // One writer per kind, called through a table: each stays its own function (a `match`
        // inlines them all into `poll`), so a start compiles only the writers of the kinds it
        // emits (tests/node/wasm-lazy.test.js).
        const WRITERS: [fn(&Output) -> String; 13] = [
            Output::http_json,
            Output::fetch_json,
            Output::storage_set_json,
            Output::storage_remove_json,
            Output::event_json,
            Output::log_json,
            Output::socket_open_json,
            Output::socket_send_json,
            Output::socket_close_json,
            Output::realtime_json,
            Output::channel_status_json,
            Output::session_json,
            Output::done_json,
        ];
        let kind = match self {
            Output::Http(_) => 0,
            Output::Fetch(_) => 1,
            Output::StorageSet { .. } => 2,
            Output::StorageRemove { .. } => 3,
            Output::Event { .. } => 4,
            Output::Log { .. } => 5,
            Output::SocketOpen { .. } => 6,
            Output::SocketSend { .. } => 7,
            Output::SocketClose { .. } => 8,
            Output::Realtime { .. } => 9,
            Output::ChannelStatus { .. } => 10,
            Output::Session { .. } => 11,
            Output::Done { .. } => 12,
        };
        WRITERS.get(kind).map_or_else(String::new, |w| w(self))
    }

    fn http_json(&self) -> String {
        let Output::Http(r) = self else { return String::new() };
        Obj::new("http")
            .num("id", r.id)
            .str("method", r.method)
            .str("url", &r.url)
            .raw("headers", &json(&r.headers))
            .raw("body", &json(&r.body))
            .num("timeout", r.timeout)
            .end()
    }

    fn fetch_json(&self) -> String {
        let Output::Fetch(r) = self else { return String::new() };
        Obj::new("fetch")
            .num("id", r.id)
            .num("op", r.op)
            .str("method", r.method)
            .str("url", &r.url)
            .raw("headers", &json(&r.headers))
            .raw("body", &json(&r.body))
            .raw("payload", if r.payload { "true" } else { "false" })
            .raw("transport", &r.transport.to_json())
            .str("read", r.read.as_str())
            .num("timeout", r.timeout)
            .end()
    }

    fn storage_set_json(&self) -> String {
        let Output::StorageSet { key, value } = self else { return String::new() };
        Obj::new("storage_set").str("key", key).str("value", value).end()
    }

    fn storage_remove_json(&self) -> String {
        let Output::StorageRemove { key } = self else { return String::new() };
        Obj::new("storage_remove").str("key", key).end()
    }

    fn event_json(&self) -> String {
        let Output::Event { event, session, target } = self else { return String::new() };
        let o =
            Obj::new("event").str("event", event.name()).raw("session", session.as_ref().map_or("null", Json::text));
        match target {
            Some(t) => o.num("target", *t).end(),
            None => o.end(),
        }
    }

    fn log_json(&self) -> String {
        let Output::Log { level, message } = self else { return String::new() };
        Obj::new("log").str("level", level).str("message", message).end()
    }

    fn socket_open_json(&self) -> String {
        let Output::SocketOpen { socket, url, headers, protocols } = self else { return String::new() };
        Obj::new("socket_open")
            .num("socket", *socket)
            .str("url", url)
            .raw("headers", &json(headers))
            .raw("protocols", &json(protocols))
            .end()
    }

    fn socket_send_json(&self) -> String {
        let Output::SocketSend { socket, text } = self else { return String::new() };
        Obj::new("socket_send").num("socket", *socket).str("text", text).end()
    }

    fn socket_close_json(&self) -> String {
        let Output::SocketClose { socket, code, reason } = self else { return String::new() };
        Obj::new("socket_close").num("socket", *socket).num("code", u32::from(*code)).str("reason", reason).end()
    }

    fn realtime_json(&self) -> String {
        let Output::Realtime { channel, bindings, payload } = self else { return String::new() };
        Obj::new("realtime")
            .num("channel", *channel)
            .raw("bindings", &json(bindings))
            .raw("payload", payload.text())
            .end()
    }

    fn channel_status_json(&self) -> String {
        let Output::ChannelStatus { channel, status, message } = self else { return String::new() };
        Obj::new("channel_status").num("channel", *channel).str("status", status).raw("message", &json(message)).end()
    }

    fn session_json(&self) -> String {
        let Output::Session { op, generation } = self else { return String::new() };
        Obj::new("session").num("op", *op).num("generation", *generation).end()
    }

    fn done_json(&self) -> String {
        let Output::Done { op, data, error } = self else { return String::new() };
        Obj::new("done").num("op", *op).raw("data", data.text()).raw("error", &json(error)).end()
    }
}

/// A JSON object being written: `{"type":…` then `,"key":value` pairs.
struct Obj(String);

impl Obj {
    fn new(kind: &str) -> Obj {
        Obj(cat(&["{\"type\":\"", kind, "\""]))
    }

    /// `value` is JSON text already.
    #[inline(never)]
    fn raw(mut self, key: &str, value: &str) -> Obj {
        self.0.push_str(",\"");
        self.0.push_str(key);
        self.0.push_str("\":");
        self.0.push_str(value);
        self
    }

    fn str(self, key: &str, value: &str) -> Obj {
        self.raw(key, &json(value))
    }

    fn num(self, key: &str, n: u32) -> Obj {
        self.raw(key, &decimal(n))
    }

    fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// Which wx API performs the request: `{"api":"request"|"upload"|"download", …}`. (The
/// `Serialize` derives here serve tests and hosts; the shim's JSON is [`Output::to_json`]'s.)
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

impl Transport {
    fn to_json(&self) -> String {
        match self {
            Transport::Request => r#"{"api":"request"}"#.to_owned(),
            Transport::Upload { name, form } => {
                cat(&[r#"{"api":"upload","name":"#, &json(name), r#","form":"#, &json(form), "}"])
            }
            Transport::Download => r#"{"api":"download"}"#.to_owned(),
        }
    }
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

impl Read {
    /// The name the shim reads (`read` of a `fetch` output).
    pub fn as_str(self) -> &'static str {
        match self {
            Read::None => "none",
            Read::Json => "json",
            Read::Text => "text",
            Read::ArrayBuffer => "array_buffer",
            Read::Core => "core",
        }
    }
}
