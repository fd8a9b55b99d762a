//! The sans-IO auth client.
//!
//! The caller (the JS shim, or a test) owns all I/O and the clock:
//! - it starts an operation (`sign_in_with_wechat`, `get_session`, …) and gets an op id;
//! - it drains [`Client::poll`] and performs each [`Output`]: an HTTP request, a storage write,
//!   an auth event to deliver, or an operation's final result;
//! - it feeds HTTP results back with [`Client::handle_response`] /
//!   [`Client::handle_transport_error`], passing `now_ms` every time.
//!
//! Every operation ends with exactly one `Output::Done`, whatever the server or the network did.

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{self, AuthError};
use crate::session::Session;
use crate::url::{encode_query_value, BaseUrl};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// Auth requests time out after this long (`wx.request` would wait 60 s by default).
pub const AUTH_REQUEST_TIMEOUT_MS: u32 = 30_000;

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

/// Work for the caller, in the order it must be done.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Output {
    Http(HttpRequest),
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
    /// The operation's result; `data` is JSON text, spliced in by [`Output::to_json`].
    #[serde(skip_serializing)]
    Done {
        op: u32,
        data: Json,
        error: Option<AuthError>,
    },
}

/// JSON text the core built itself (valid by construction), passed on without re-serializing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json(String);

impl Json {
    pub fn text(&self) -> &str {
        &self.0
    }

    /// Parsed, for tests and callers that want a value.
    pub fn value(&self) -> Value {
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }
}

impl Output {
    /// The output as JSON text for the shim. `Done.data` is spliced in as it is: a session's
    /// JSON is built once when it changes, not re-serialized on every `getSession`.
    pub fn to_json(&self) -> String {
        match self {
            Output::Done { op, data, error } => {
                let error = serde_json::to_string(error).unwrap_or_else(|_| "null".to_owned());
                format!(r#"{{"type":"done","op":{op},"data":{},"error":{error}}}"#, data.text())
            }
            other => serde_json::to_string(other).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    SignInWithWechat,
}

/// Client options the core understands, read from the `createClient` options object.
#[derive(Debug, Clone)]
struct Options {
    storage_key: Option<String>,
    persist_session: bool,
    headers: Vec<(String, String)>,
    request_timeout: u32,
}

impl Options {
    fn from_value(v: &Value) -> Options {
        let auth = v.get("auth");
        let storage_key =
            auth.and_then(|a| a.get("storageKey")).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
        let persist_session = auth.and_then(|a| a.get("persistSession")).and_then(Value::as_bool).unwrap_or(true);
        let headers = v
            .get("global")
            .and_then(|g| g.get("headers"))
            .and_then(Value::as_object)
            .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned()))).collect())
            .unwrap_or_default();
        // `requestTimeout` (ms), an option of ours: supabase-js has none, wx.request's is 60 s.
        let request_timeout = v
            .get("requestTimeout")
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite())
            .map_or(AUTH_REQUEST_TIMEOUT_MS, |t| t.clamp(100.0, 120_000.0) as u32);
        Options { storage_key, persist_session, headers, request_timeout }
    }
}

pub struct Client {
    auth_url: String,
    key: String,
    storage_key: String,
    persist: bool,
    headers: Vec<(String, String)>,
    request_timeout: u32,
    /// Set when `createClient` got an unusable URL or key: every operation then fails with it.
    config_error: Option<AuthError>,
    session: Option<Session>,
    /// `session` as JSON text, what `getSession` hands out.
    session_json: Option<String>,
    /// The storage value `session` was read from or written as; `None` when storage is empty.
    stored_raw: Option<String>,
    next_id: u32,
    pending: Vec<(u32, u32, Pending)>,
    /// Sign-ins whose session is being written to storage: (op, session, stored value).
    saving: VecDeque<(u32, Session, String)>,
    out: VecDeque<Output>,
}

impl Client {
    /// `createClient(url, key, options)`; `options_json` is the options object as JSON. Never
    /// fails: a bad configuration makes every operation resolve with a clear error instead.
    pub fn new(url: &str, key: &str, options_json: &str) -> Client {
        let options: Value = serde_json::from_str(options_json).unwrap_or(Value::Null);
        let opts = Options::from_value(&options);
        let (base, mut config_error) = match BaseUrl::parse(url) {
            Ok(b) => (Some(b), None),
            Err(msg) => (None, Some(AuthError::invalid_input(msg))),
        };
        if key.is_empty() && config_error.is_none() {
            config_error = Some(AuthError::invalid_input("supabaseKey is required."));
        }
        let storage_key = opts
            .storage_key
            .clone()
            .or_else(|| base.as_ref().map(BaseUrl::default_storage_key))
            .unwrap_or_else(|| "sb-auth-token".to_owned());
        Client {
            auth_url: base.map(|b| format!("{}/auth/v1", b.url)).unwrap_or_default(),
            key: key.to_owned(),
            storage_key,
            persist: opts.persist_session,
            headers: opts.headers,
            request_timeout: opts.request_timeout,
            config_error,
            session: None,
            session_json: None,
            stored_raw: None,
            next_id: 0,
            pending: Vec::new(),
            saving: VecDeque::new(),
            out: VecDeque::new(),
        }
    }

    pub fn storage_key(&self) -> &str {
        &self.storage_key
    }

    /// Whether the shim should read and write wx storage (`auth.persistSession`).
    pub fn persists(&self) -> bool {
        self.persist
    }

    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Next piece of work for the caller.
    pub fn poll(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// Adopt what wx storage holds under the key now. Called at start-up (the session of a
    /// previous run, ours or the SDK we replace) and before every `getSession` and
    /// `INITIAL_SESSION`, like the SDK we replace, which reads storage on each call: a session
    /// removed or replaced behind the client's back (`wx.clearStorageSync()` on logout, another
    /// client) is seen. Anything unusable is removed so it cannot break later calls. Ignored with
    /// `persistSession: false`.
    pub fn restore(&mut self, stored: Option<&str>, _now_ms: f64) {
        if !self.persist {
            return;
        }
        let raw = stored.filter(|s| !s.is_empty());
        if raw == self.stored_raw.as_deref() {
            return;
        }
        self.set_session(raw.and_then(Session::from_stored));
        self.stored_raw = self.session.as_ref().and(raw.map(str::to_owned));
        if raw.is_some() && self.session.is_none() {
            self.out.push_back(Output::StorageRemove { key: self.storage_key.clone() });
        }
    }

    /// `getSession()`: the current session; `stored` is the storage value now (see `restore`).
    pub fn get_session(&mut self, stored: Option<&str>, now_ms: f64) -> u32 {
        self.restore(stored, now_ms);
        let op = self.next_id();
        let data = raw_json(format!(r#"{{"session":{}}}"#, self.session_json.as_deref().unwrap_or("null")));
        self.finish(op, data, None);
        op
    }

    /// A new `onAuthStateChange` subscription `sub` gets `INITIAL_SESSION` with the current
    /// session; `stored` is the storage value now (see `restore`).
    pub fn initial_session(&mut self, sub: u32, stored: Option<&str>, now_ms: f64) {
        self.restore(stored, now_ms);
        self.out.push_back(Output::Event {
            event: AuthEvent::InitialSession,
            session: self.session.clone(),
            target: Some(sub),
        });
    }

    /// Result of the last `StorageSet`: `None` when it was written, else the wx error message.
    /// A sign-in whose session cannot be saved fails and leaves the previous session in place:
    /// reporting success would sign the user out silently at the next start.
    pub fn handle_storage_result(&mut self, error: Option<&str>) {
        let Some((op, session, value)) = self.saving.pop_front() else {
            return;
        };
        match error {
            None => {
                self.stored_raw = Some(value);
                self.commit_sign_in(op, session);
            }
            Some(msg) => {
                let err = AuthError::new(
                    error::ErrorKind::AuthStorageError,
                    format!("signed in, but the session could not be saved in wx storage: {msg}"),
                    None,
                    Some("storage_write_failed"),
                );
                self.finish(op, empty_session_data(), Some(err));
            }
        }
    }

    /// `signInWithWechat({ code })`: `GET /auth/v1/wechat_mini/login?code=<code from wx.login>`.
    /// The stored session is left as it is until a new one has actually been issued.
    pub fn sign_in_with_wechat(&mut self, params_json: &str, _now_ms: f64) -> u32 {
        let op = self.next_id();
        if let Some(e) = self.config_error.clone() {
            self.finish(op, empty_session_data(), Some(e));
            return op;
        }
        let code = match read_code(params_json) {
            Ok(c) => c,
            Err(e) => {
                self.finish(op, empty_session_data(), Some(e));
                return op;
            }
        };
        let url = format!("{}/wechat_mini/login?code={}", self.auth_url, encode_query_value(&code));
        self.send(op, Pending::SignInWithWechat, "GET", url, None);
        op
    }

    /// A `wx.request` for request `id` completed with an HTTP status (any status).
    pub fn handle_response(&mut self, id: u32, status: u16, body: &str, now_ms: f64) {
        let Some((op, kind)) = self.take_pending(id) else {
            return;
        };
        let ok = (200..300).contains(&status);
        match kind {
            Pending::SignInWithWechat => {
                if !ok {
                    return self.finish(op, empty_session_data(), Some(error::from_http(status, body)));
                }
                match Session::from_token_response(body, now_ms).filter(|s| s.user.is_some()) {
                    Some(session) => self.sign_in(op, session),
                    None => self.finish(op, empty_session_data(), Some(invalid_token_response())),
                }
            }
        }
    }

    /// A `wx.request` for request `id` failed without an HTTP status (`fail` callback).
    pub fn handle_transport_error(&mut self, id: u32, err_msg: &str, _now_ms: f64) {
        let Some((op, kind)) = self.take_pending(id) else {
            return;
        };
        let err = Some(AuthError::transport(err_msg));
        match kind {
            Pending::SignInWithWechat => self.finish(op, empty_session_data(), err),
        }
    }

    /// A new session from the server: saved first (when persisting), then made current.
    fn sign_in(&mut self, op: u32, session: Session) {
        if !self.persist {
            return self.commit_sign_in(op, session);
        }
        let value = session.to_stored();
        self.out.push_back(Output::StorageSet { key: self.storage_key.clone(), value: value.clone() });
        self.saving.push_back((op, session, value));
    }

    fn commit_sign_in(&mut self, op: u32, session: Session) {
        self.out.push_back(Output::Event { event: AuthEvent::SignedIn, session: Some(session.clone()), target: None });
        let user = serde_json::to_string(&session.user).unwrap_or_default();
        self.set_session(Some(session));
        let data = format!(r#"{{"user":{},"session":{}}}"#, user, self.session_json.as_deref().unwrap_or("null"));
        self.finish(op, raw_json(data), None);
    }

    fn set_session(&mut self, session: Option<Session>) {
        self.session_json = session.as_ref().map(Session::to_stored);
        self.session = session;
    }

    fn finish(&mut self, op: u32, data: Json, error: Option<AuthError>) {
        self.out.push_back(Output::Done { op, data, error });
    }

    fn next_id(&mut self) -> u32 {
        self.next_id = self.next_id.wrapping_add(1);
        self.next_id
    }

    fn take_pending(&mut self, id: u32) -> Option<(u32, Pending)> {
        let idx = self.pending.iter().position(|(req, _, _)| *req == id)?;
        let (_, op, kind) = self.pending.swap_remove(idx);
        Some((op, kind))
    }

    fn send(&mut self, op: u32, kind: Pending, method: &'static str, url: String, body: Option<String>) {
        let id = self.next_id();
        self.pending.push((id, op, kind));
        let headers = self.auth_headers(body.is_some());
        self.out.push_back(Output::Http(HttpRequest { id, method, url, headers, body, timeout: self.request_timeout }));
    }

    /// Headers for the Auth API: the anon key as `apikey` and bearer, the API version that makes
    /// GoTrue answer with string error codes, then the user's `global.headers` (which win).
    fn auth_headers(&self, has_body: bool) -> Map<String, Value> {
        let mut h = Map::new();
        h.insert("apikey".into(), self.key.clone().into());
        h.insert("Authorization".into(), format!("Bearer {}", self.key).into());
        h.insert("X-Client-Info".into(), format!("supabase-wechat/{VERSION}").into());
        h.insert("X-Supabase-Api-Version".into(), "2024-01-01".into());
        if has_body {
            h.insert("Content-Type".into(), "application/json;charset=UTF-8".into());
        }
        for (k, v) in &self.headers {
            h.retain(|existing, _| !existing.eq_ignore_ascii_case(k));
            h.insert(k.clone(), v.clone().into());
        }
        h
    }
}

fn empty_session_data() -> Json {
    raw_json(r#"{"user":null,"session":null}"#.to_owned())
}

/// JSON text the core built itself from JSON it produced (so it is valid by construction).
fn raw_json(text: String) -> Json {
    Json(text)
}

fn invalid_token_response() -> AuthError {
    AuthError::new(error::ErrorKind::AuthInvalidTokenResponseError, "Auth session or user missing", Some(500), None)
}

/// `{ code }` as given to `signInWithWechat`: a non-empty string, or a clear error.
fn read_code(params_json: &str) -> Result<String, AuthError> {
    let Ok(params) = serde_json::from_str::<Value>(params_json) else {
        return Err(AuthError::invalid_input(
            "signInWithWechat({ code }): the argument could not be read as text (unpaired surrogate?)",
        ));
    };
    match params.get("code") {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(AuthError::invalid_input("code是必填项: signInWithWechat({ code }) needs the code from wx.login"))
        }
        Some(_) => Err(AuthError::invalid_input(
            "code must be a string: pass res.code from wx.login to signInWithWechat({ code })",
        )),
    }
}
