//! The sans-IO auth client.
//!
//! The caller (the JS shim, or a test) owns all I/O, timers and the clock:
//! - it starts an operation (`sign_in_with_wechat`, `get_session`, …) and gets an op id;
//! - it drains [`Client::poll`] and performs each [`Output`]: an HTTP request, a storage write,
//!   an auth event to deliver, a log line, or an operation's final result;
//! - it feeds results back ([`Client::handle_response`], [`Client::handle_transport_error`],
//!   [`Client::handle_storage_result`]) and calls [`Client::handle_timeout`] when
//!   [`Client::poll_timeout`] says so, passing `now_ms` every time.
//!
//! Every operation ends with exactly one `Output::Done`, whatever the server or the network did.
//!
//! Session policy (gotrue.md §3–§4, the lessons of auth-js):
//! - the session is refreshed ahead of expiry (90 s margin on use, a 30 s tick while the app is
//!   shown); exactly one refresh is in flight and every caller waits on it;
//! - network failures and 500–504/520–530 are retried with backoff (200 ms × 2ⁿ, within 30 s);
//!   the session is kept until the access token has truly expired; 429/409 never wipe it;
//! - only definitive answers (`refresh_token_not_found`, `refresh_token_already_used`,
//!   `session_not_found`, `session_expired`, legacy `invalid_grant`) remove it (`SIGNED_OUT`);
//! - expiry comes from `expires_in` and the local receipt time, so a wrong device clock does not
//!   cause refresh storms or early sign-outs;
//! - a failed sign-in leaves the current session alone.

use crate::encoding::text::cat;
use crate::prelude::*;
use alloc::collections::VecDeque;

use serde_json::{Map, Value};

use crate::auth::calls::{self, Bearer, Call, Scope, Step};
use crate::auth::error::{self, AuthError, ErrorKind};
use crate::auth::session::{Session, User};
use crate::config::BaseUrl;
use crate::data::{self, Body, Built, DataRequest, Endpoints, Facts, Outcome, Reply, Response, Transport};
use crate::encoding::float;
use crate::output::Ids;
pub use crate::output::{AuthEvent, FetchRequest, HttpRequest, Json, Output, VERSION};
use crate::realtime::Realtime;

/// Auth requests time out after this long (`wx.request` would wait 60 s by default).
pub const AUTH_REQUEST_TIMEOUT_MS: u32 = 30_000;
/// A session expiring within this margin is refreshed before it is handed out or used.
pub const EXPIRY_MARGIN_MS: f64 = 90_000.0;
/// The auto-refresh tick, and how close to expiry (in ticks) it refreshes.
pub const TICK_MS: f64 = 30_000.0;
pub const TICK_THRESHOLD: f64 = 3.0;
/// Retries of one refresh stop when the next attempt would start this long after the first.
pub const RETRY_BUDGET_MS: f64 = 30_000.0;
pub const RETRY_BASE_MS: f64 = 200.0;
/// Stored values larger than this are not a session (wx storage allows 1 MB per key).
pub const MAX_STORED_BYTES: usize = 1024 * 1024;

/// An operation waiting for a usable access token (a refresh in flight or about to start).
#[derive(Debug, Clone, PartialEq)]
enum Waiter {
    /// `getSession`: the session after the refresh (or the still-valid one).
    Session(u32),
    /// `refreshSession`: `{ user, session }` of the refresh itself.
    Refreshed(u32),
    /// A call that needs the user's bearer.
    Call(u32, Call),
    /// A data-path request: the user's token if there is a session, else the anon key.
    Data(u32, Box<DataRequest>),
    /// Realtime joins wait for a fresh access token.
    Realtime,
}

#[derive(Debug, Clone)]
struct Refresh {
    token: String,
    attempt: u32,
    started_ms: f64,
    /// The request in flight, if any (none while waiting to retry).
    req: Option<u32>,
    retry_at: Option<f64>,
    waiters: Vec<Waiter>,
}

/// What a pending HTTP request belongs to.
#[derive(Debug, Clone)]
enum Pending {
    Op(u32, Step),
    Refresh,
    Data(u32, Reply),
}

/// Client options the core understands, read from the `createClient` options object.
#[derive(Debug, Clone)]
struct Options {
    storage_key: Option<String>,
    persist_session: bool,
    auto_refresh: bool,
    pkce: bool,
    headers: Vec<(String, String)>,
    request_timeout: u32,
    schema: Option<String>,
}

impl Options {
    fn from_value(v: &Value) -> Options {
        let auth = v.get("auth");
        let flag = |key: &str, default: bool| auth.and_then(|a| a.get(key)).and_then(Value::as_bool).unwrap_or(default);
        let storage_key =
            auth.and_then(|a| a.get("storageKey")).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
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
        // PKCE unless `flowType: 'implicit'`: a mini-program cannot receive an implicit redirect.
        let pkce = auth.and_then(|a| a.get("flowType")).and_then(Value::as_str) != Some("implicit");
        let schema = v
            .get("db")
            .and_then(|d| d.get("schema"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        Options {
            schema,
            storage_key,
            persist_session: flag("persistSession", true),
            auto_refresh: flag("autoRefreshToken", true),
            pkce,
            headers,
            request_timeout,
        }
    }
}

pub struct Client {
    auth_url: String,
    endpoints: Endpoints,
    host: String,
    key: String,
    storage_key: String,
    persist: bool,
    auto_refresh: bool,
    pkce: bool,
    headers: Vec<(String, String)>,
    request_timeout: u32,
    /// Set when `createClient` got an unusable URL or key: every operation then fails with it.
    config_error: Option<AuthError>,
    session: Option<Session>,
    /// `session` as JSON text, what `getSession` hands out.
    session_json: Option<String>,
    /// What wx storage held under the key when last read or successfully written.
    stored_raw: Option<String>,
    ids: Ids,
    pending: Vec<(u32, Pending)>,
    /// Session writes awaiting `handle_storage_result`, in order.
    /// Writes awaiting `handle_storage_result`, oldest first: the session value written, or
    /// `None` for another key (the PKCE verifier).
    saving: VecDeque<Option<String>>,
    refresh: Option<Refresh>,
    /// The auto-refresh tick: running (app shown, `autoRefreshToken`) and when it is next due.
    ticking: bool,
    next_tick: Option<f64>,
    out: VecDeque<Output>,
    realtime: Realtime,
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
        let root = base.as_ref().map(|b| b.url.clone()).unwrap_or_default();
        let realtime = Realtime::new(&root, key, &opts.headers, &options);
        let endpoints = Endpoints {
            rest: cat(&[&root, "/rest/v1"]),
            storage: cat(&[&root, "/storage/v1"]),
            functions: cat(&[&root, "/functions/v1"]),
            // supabase-js' default, and what the SDK we replace always sent.
            schema: Some(opts.schema.clone().unwrap_or_else(|| "public".to_owned())),
            headers: opts.headers.clone(),
        };
        Client {
            endpoints,
            auth_url: base.as_ref().map(|b| cat(&[&b.url, "/auth/v1"])).unwrap_or_default(),
            host: base.map(|b| b.host).unwrap_or_default(),
            key: key.to_owned(),
            storage_key,
            persist: opts.persist_session,
            auto_refresh: opts.auto_refresh,
            pkce: opts.pkce,
            headers: opts.headers,
            request_timeout: opts.request_timeout,
            config_error,
            session: None,
            session_json: None,
            stored_raw: None,
            ids: Ids::default(),
            pending: Vec::new(),
            saving: VecDeque::new(),
            refresh: None,
            ticking: false,
            next_tick: None,
            out: VecDeque::new(),
            realtime,
        }
    }

    pub fn storage_key(&self) -> &str {
        &self.storage_key
    }

    /// Where the PKCE verifier of `signInWithOAuth` is kept.
    pub fn verifier_key(&self) -> String {
        cat(&[&self.storage_key, "-code-verifier"])
    }

    /// Whether the shim should read and write storage (`auth.persistSession`).
    pub fn persists(&self) -> bool {
        self.persist
    }

    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Next piece of work for the caller.
    pub fn poll(&mut self) -> Option<Output> {
        if let Some(o) = self.out.pop_front() {
            return Some(o);
        }
        self.realtime.poll()
    }

    /// When [`Client::handle_timeout`] should next be called (ms since the epoch), if ever.
    pub fn poll_timeout(&self) -> Option<f64> {
        let retry = self.refresh.as_ref().and_then(|r| r.retry_at);
        let tick = if self.ticking { self.next_tick } else { None };
        [retry, tick, self.realtime.poll_timeout()].into_iter().flatten().reduce(f64::min)
    }

    /// Timers: a refresh retry that is due goes out; a due tick refreshes a session close to expiry.
    pub fn handle_timeout(&mut self, now_ms: f64) {
        if let Some(r) = self.refresh.as_mut() {
            if r.retry_at.is_some_and(|t| t <= now_ms) {
                r.retry_at = None;
                self.send_refresh(now_ms);
            }
        }
        if self.ticking && self.next_tick.is_some_and(|t| t <= now_ms) {
            self.tick(now_ms);
        }
        self.realtime.handle_timeout(now_ms);
    }

    /// The app came to the foreground (`wx.onAppShow`), or `startAutoRefresh()`: tick now and
    /// every 30 s. Ignored with `autoRefreshToken: false` unless `explicit`.
    pub fn start_auto_refresh(&mut self, explicit: bool, now_ms: f64) {
        if self.auto_refresh || explicit {
            self.ticking = true;
            self.tick(now_ms);
        }
    }

    /// The app went to the background (`wx.onAppHide`), or `stopAutoRefresh()`.
    pub fn stop_auto_refresh(&mut self) {
        self.ticking = false;
        self.next_tick = None;
    }

    fn tick(&mut self, now_ms: f64) {
        self.next_tick = Some(now_ms + TICK_MS);
        let Some(s) = self.session.as_ref() else { return };
        let ticks_left = float::floor((expires_at_ms(s) - now_ms) / TICK_MS);
        if ticks_left <= TICK_THRESHOLD && self.refresh.is_none() {
            let token = s.refresh_token.clone();
            self.start_refresh(token, now_ms);
        }
    }

    // ---- realtime (see `crate::realtime`) ----------------------------------------------------

    /// `supabase.channel(name, params)`: the channel's id.
    pub fn realtime_channel(&mut self, name: &str, params_json: &str) -> u32 {
        self.realtime.channel(name, params_json)
    }

    /// `channel.on(type, filter, cb)`: the binding's index in the channel.
    pub fn realtime_on(&mut self, chan: u32, kind: &str, filter_json: &str) -> u32 {
        self.realtime.on(chan, kind, filter_json)
    }

    /// `channel.subscribe(cb, timeout)`.
    pub fn realtime_subscribe(&mut self, chan: u32, timeout_ms: Option<f64>, now_ms: f64) {
        self.realtime_fresh_token(now_ms);
        self.realtime.subscribe(chan, timeout_ms, now_ms)
    }

    /// `send` / `track` / `untrack` (`args` is `{ type, event, payload }`): an op that ends with
    /// `Done { data: "ok" | "timed out" | "error" }`.
    pub fn realtime_push(&mut self, chan: u32, args_json: &str, timeout_ms: Option<f64>, now_ms: f64) -> u32 {
        let op = self.next_id();
        self.realtime.push(&mut self.ids, chan, op, args_json, timeout_ms, now_ms);
        op
    }

    /// `unsubscribe` / `removeChannel`: an op like `realtime_push`'s.
    pub fn realtime_leave(&mut self, chan: u32, now_ms: f64) -> u32 {
        let op = self.next_id();
        self.realtime.leave(chan, Some(op), now_ms);
        op
    }

    /// `presenceState()` as JSON text.
    pub fn realtime_presence_state(&self, chan: u32) -> String {
        self.realtime.presence_state(chan)
    }

    pub fn socket_opened(&mut self, socket: u32, now_ms: f64) {
        self.realtime_fresh_token(now_ms);
        self.realtime.socket_opened(socket, now_ms)
    }

    pub fn socket_message(&mut self, socket: u32, text: &str, now_ms: f64) {
        self.realtime.socket_message(socket, text, now_ms)
    }

    pub fn socket_closed(&mut self, socket: u32, _code: u16, _reason: &str, now_ms: f64) {
        self.realtime.socket_closed(socket, now_ms)
    }

    pub fn socket_error(&mut self, socket: u32, _err_msg: &str, now_ms: f64) {
        self.realtime.socket_error(socket, now_ms)
    }

    /// `wx.onAppShow` (`true`) / `wx.onAppHide`: the realtime heartbeat pauses in the background
    /// and the socket is reopened on show if it died.
    pub fn app_visible(&mut self, shown: bool, now_ms: f64) {
        self.realtime.set_shown(shown, now_ms)
    }

    /// Adopt what storage holds under the key now. Called at start-up (the session of a previous
    /// run, ours or the SDK we replace) and before every `getSession` and `INITIAL_SESSION`, like
    /// the SDK we replace, which reads storage on each call: a session removed or replaced behind
    /// the client's back (`wx.clearStorageSync()` on logout, another client) is seen. Anything
    /// unusable (corrupt, oversized, another format, another project) is removed so it cannot
    /// break later calls. Ignored with `persistSession: false`.
    pub fn restore(&mut self, stored: Option<&str>, _now_ms: f64) {
        if !self.persist {
            return;
        }
        let raw = stored.filter(|s| !s.is_empty());
        if raw == self.stored_raw.as_deref() {
            return;
        }
        let session = raw.filter(|r| r.len() <= MAX_STORED_BYTES).and_then(Session::from_stored);
        let session = session.filter(|s| !self.is_foreign(s));
        self.replace_session(session);
        self.stored_raw = self.session.as_ref().and(raw.map(str::to_owned));
        if raw.is_some() && self.session.is_none() {
            self.remove_stored();
        }
    }

    /// A session issued for another project (its token's issuer is another host's Auth).
    fn is_foreign(&self, s: &Session) -> bool {
        let Some(iss) = crate::auth::jwt::decode_claims(&s.access_token)
            .and_then(|c| c.get("iss").and_then(Value::as_str).map(str::to_owned))
        else {
            return false;
        };
        match BaseUrl::parse(&iss) {
            Ok(b) if b.url.ends_with("/auth/v1") => !b.host.eq_ignore_ascii_case(&self.host),
            _ => false,
        }
    }

    /// `getSession()`: the session, refreshed first when it is about to expire. `stored` is the
    /// storage value now (see `restore`).
    pub fn get_session(&mut self, stored: Option<&str>, now_ms: f64) -> u32 {
        self.restore(stored, now_ms);
        let op = self.next_id();
        match self.session.as_ref() {
            Some(s) if expires_at_ms(s) - now_ms < EXPIRY_MARGIN_MS => {
                let token = s.refresh_token.clone();
                self.wait_for_refresh(token, Waiter::Session(op), now_ms);
            }
            _ => self.finish_session(op, None),
        }
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

    /// `refreshSession({ refresh_token }?)`: a refresh now, with the given token or the session's.
    pub fn refresh_session(&mut self, params_json: &str, now_ms: f64) -> u32 {
        let op = self.next_id();
        let given = calls::params(params_json, "refreshSession")
            .ok()
            .and_then(|p| p.get("refresh_token").and_then(Value::as_str).map(str::to_owned))
            .filter(|t| !t.is_empty());
        match given.or_else(|| self.session.as_ref().map(|s| s.refresh_token.clone())) {
            Some(token) => self.wait_for_refresh(token, Waiter::Refreshed(op), now_ms),
            None => self.finish(op, empty_session_data(), Some(session_missing())),
        }
        op
    }

    /// `setSession({ access_token, refresh_token })`: adopt the tokens (refreshing them if the
    /// access token has expired), after checking them with `GET /user`.
    pub fn set_session(&mut self, params_json: &str, now_ms: f64) -> u32 {
        let op = self.next_id();
        let p = match calls::params(params_json, "setSession") {
            Ok(p) => p,
            Err(e) => return self.fail(op, &Step::Session { recovery: false }, e),
        };
        let token = |k: &str| p.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
        let (Some(access), Some(refresh)) = (token("access_token"), token("refresh_token")) else {
            let e = AuthError::invalid_input("setSession needs { access_token, refresh_token }");
            return self.fail(op, &Step::Session { recovery: false }, e);
        };
        self.adopt_tokens(op, access, refresh, now_ms);
        op
    }

    /// `setSession`'s work for operation `op`: a valid access token is checked with `GET /user`
    /// and adopted; an expired one is refreshed with `refresh`.
    fn adopt_tokens(&mut self, op: u32, access: String, refresh: String, now_ms: f64) {
        match crate::auth::jwt::exp(&access) {
            Some(exp) if (exp as f64) * 1000.0 > now_ms => {
                let step = Step::AdoptTokens { access_token: access.clone(), refresh_token: refresh };
                let call = Call { method: "GET", path: "/user".into(), body: None, bearer: Bearer::User, step };
                self.send(op, call, Some(&access));
            }
            Some(_) => self.wait_for_refresh(refresh, Waiter::Refreshed(op), now_ms),
            None => {
                let e = AuthError::invalid_input("setSession: access_token is not a JWT with an exp claim");
                self.fail(op, &Step::Session { recovery: false }, e);
            }
        }
    }

    /// Start one of the Auth API calls built by [`crate::auth::calls`]. Anon calls go out at once;
    /// calls with the user's bearer wait for a usable access token first.
    pub fn call(&mut self, built: Result<Call, AuthError>, now_ms: f64) -> u32 {
        let op = self.next_id();
        let call = match (self.config_error.clone(), built) {
            (Some(e), Ok(call)) => return self.fail(op, &call.step, e),
            (_, Err(e)) => {
                self.finish(op, Json(String::from("null")), Some(e));
                return op;
            }
            (None, Ok(call)) => call,
        };
        match call.bearer {
            Bearer::Anon => self.send(op, call, None),
            Bearer::User => self.with_access_token(op, call, now_ms),
        }
        op
    }

    /// Every public auth method by its supabase-js name, with the JS arguments as a JSON array.
    /// `stored` is what storage holds under the key the method reads (the session for
    /// `getSession`, the PKCE verifier for `exchangeCodeForSession`); `random` feeds PKCE.
    pub fn invoke(&mut self, method: &str, args_json: &str, stored: Option<&str>, random: &[u8], now_ms: f64) -> u32 {
        let args: Vec<Value> = match serde_json::from_str::<Value>(args_json) {
            Ok(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        let arg = |i: usize| args.get(i).map_or_else(|| "null".to_owned(), crate::encoding::text::json);
        let text = |i: usize| args.get(i).and_then(Value::as_str).unwrap_or("").to_owned();
        let user = |save| Step::User { save };
        let p0 = || calls::params(&arg(0), method);
        match method {
            "getSession" => self.get_session(stored, now_ms),
            "signInWithWechat" => self.sign_in_with_wechat(&arg(0), now_ms),
            "wechatBindPhone" => {
                let built = p0().and_then(|p| calls::wechat_code(&p, "bind_phone", method, Bearer::User, user(true)));
                self.call_or_empty(built, Json(r#"{"user":null}"#.into()), now_ms)
            }
            "wechatBindAccount" => {
                let built = p0().and_then(|p| calls::wechat_code(&p, "bind_account", method, Bearer::User, user(true)));
                self.call_or_empty(built, Json(r#"{"user":null}"#.into()), now_ms)
            }
            "getUnlimitedQRCode" => {
                let built = p0().and_then(|p| calls::unlimited_qrcode(&p));
                self.call_or_empty(built, Json(r#"{"imgBase64":null}"#.into()), now_ms)
            }
            "signUp" => self.call_or_empty(p0().and_then(|p| calls::sign_up(&p)), empty_session_data(), now_ms),
            "signInWithPassword" => {
                self.call_or_empty(p0().and_then(|p| calls::sign_in_with_password(&p)), empty_session_data(), now_ms)
            }
            "signInWithOtp" => {
                let empty = Json(r#"{"user":null,"session":null,"messageId":null}"#.into());
                self.call_or_empty(p0().and_then(|p| calls::sign_in_with_otp(&p)), empty, now_ms)
            }
            "verifyOtp" => self.call_or_empty(p0().and_then(|p| calls::verify_otp(&p)), empty_session_data(), now_ms),
            "resend" => {
                let empty = Json(r#"{"user":null,"session":null,"messageId":null}"#.into());
                self.call_or_empty(p0().and_then(|p| calls::resend(&p)), empty, now_ms)
            }
            "resetPasswordForEmail" => {
                self.call_or_empty(calls::reset_password(&text(0), &arg(1)), Json("null".into()), now_ms)
            }
            "updateUser" => {
                let built = p0().and_then(|p| calls::update_user(&p, &arg(1)));
                self.call_or_empty(built, Json(r#"{"user":null}"#.into()), now_ms)
            }
            "getUser" => {
                let call =
                    Call { method: "GET", path: "/user".into(), body: None, bearer: Bearer::User, step: user(false) };
                match args.first().and_then(Value::as_str).filter(|t| !t.is_empty()) {
                    // An explicit JWT is checked as it is, without touching the session.
                    Some(jwt) => {
                        let op = self.next_id();
                        let jwt = jwt.to_owned();
                        self.send(op, call, Some(&jwt));
                        op
                    }
                    None => self.call(Ok(call), now_ms),
                }
            }
            "reauthenticate" => {
                let call = Call {
                    method: "GET",
                    path: "/reauthenticate".into(),
                    body: None,
                    bearer: Bearer::User,
                    step: Step::Message,
                };
                self.call(Ok(call), now_ms)
            }
            "refreshSession" => self.refresh_session(&arg(0), now_ms),
            "setSession" => self.set_session(&arg(0), now_ms),
            "signOut" => self.sign_out(&arg(0), now_ms),
            "signInWithOAuth" => self.sign_in_with_oauth(&arg(0), random, now_ms),
            "exchangeCodeForSession" => self.exchange_code_for_session(&text(0), stored, now_ms),
            "sessionFromUrl" => self.session_from_url(&text(0), stored, now_ms),
            _ => {
                let op = self.next_id();
                self.finish(
                    op,
                    Json("null".into()),
                    Some(AuthError::invalid_input(cat(&["unknown auth method ", method]))),
                );
                op
            }
        }
    }

    /// `signInWithWechat({ code })`: `GET /auth/v1/wechat_mini/login?code=<code from wx.login>`.
    pub fn sign_in_with_wechat(&mut self, params_json: &str, now_ms: f64) -> u32 {
        let step = Step::Session { recovery: false };
        let built = calls::params(params_json, "signInWithWechat")
            .and_then(|p| calls::wechat_code(&p, "login", "signInWithWechat", Bearer::Anon, step));
        self.call_or_empty(built, empty_session_data(), now_ms)
    }

    /// Like `call`, but a bad argument resolves with the method's empty `data`.
    pub fn call_or_empty(&mut self, built: Result<Call, AuthError>, empty: Json, now_ms: f64) -> u32 {
        match built {
            Ok(call) => self.call(Ok(call), now_ms),
            Err(e) => {
                let op = self.next_id();
                self.finish(op, empty, Some(e));
                op
            }
        }
    }

    /// `signOut({ scope })`. The local session is removed whatever the server says (unless
    /// `scope: 'others'`): the user asked to be signed out.
    pub fn sign_out(&mut self, params_json: &str, now_ms: f64) -> u32 {
        match calls::params(params_json, "signOut").and_then(|p| calls::sign_out(&p)) {
            Ok(scope) if self.session.is_none() => {
                let op = self.next_id();
                if scope != Scope::Others {
                    self.clear_session(true);
                }
                self.finish(op, Json("null".into()), None);
                op
            }
            Ok(scope) => self.call(Ok(calls::logout(scope)), now_ms),
            Err(e) => {
                let op = self.next_id();
                self.finish(op, Json("null".into()), Some(e));
                op
            }
        }
    }

    /// `signInWithOAuth({ provider, options })`: no request; `{ provider, url }`. With PKCE
    /// (the default) the verifier, made from `random` bytes, is stored for
    /// `exchangeCodeForSession`. The current session is not touched.
    pub fn sign_in_with_oauth(&mut self, params_json: &str, random: &[u8], _now_ms: f64) -> u32 {
        let op = self.next_id();
        if let Some(e) = self.config_error.clone() {
            self.finish(op, oauth_data(None, None), Some(e));
            return op;
        }
        let p = match calls::params(params_json, "signInWithOAuth") {
            Ok(p) => p,
            Err(e) => {
                self.finish(op, oauth_data(None, None), Some(e));
                return op;
            }
        };
        let verifier = match self.pkce.then(|| crate::auth::pkce::verifier(random)) {
            Some(None) => {
                let e = AuthError::invalid_input("signInWithOAuth: not enough randomness for a PKCE verifier");
                self.finish(op, oauth_data(None, None), Some(e));
                return op;
            }
            v => v.flatten(),
        };
        let challenge = verifier.as_deref().map(crate::auth::pkce::challenge_s256);
        match calls::oauth_url(&self.auth_url, &p, challenge.as_deref()) {
            Ok((provider, url)) => {
                if let Some(v) = verifier {
                    let value = serde_json::to_string(&v).unwrap_or_default();
                    self.out.push_back(Output::StorageSet { key: self.verifier_key(), value });
                    self.saving.push_back(None);
                }
                self.finish(op, oauth_data(Some(&provider), Some(&url)), None);
            }
            Err(e) => self.finish(op, oauth_data(None, None), Some(e)),
        }
        op
    }

    /// `exchangeCodeForSession(authCode)`: `verifier` is what storage holds under
    /// [`Client::verifier_key`] (a JSON string, as auth-js stores it).
    pub fn exchange_code_for_session(&mut self, auth_code: &str, verifier: Option<&str>, now_ms: f64) -> u32 {
        let verifier = verifier
            .and_then(|v| serde_json::from_str::<Value>(v).ok())
            .and_then(|v| v.as_str().map(str::to_owned))
            .map(|mut v| {
                // `trim_end_matches("/recovery")`
                while let Some(rest) = v.strip_suffix("/recovery") {
                    v = rest.to_owned();
                }
                v
            });
        let built = match verifier {
            Some(v) => calls::exchange_code(auth_code, &v),
            None => Err(AuthError::new(
                ErrorKind::AuthPKCEGrantCodeExchangeError,
                "exchangeCodeForSession: no PKCE code verifier is stored: call signInWithOAuth on this device first",
                Some(400),
                Some("pkce_verifier_missing"),
            )),
        };
        self.call_or_empty(built, empty_session_data(), now_ms)
    }

    /// The browser's address on load (`detectSessionInUrl`): `stored` is the PKCE verifier.
    /// Resolves with `null` data and no error when the URL is not an auth redirect (a `?code=`
    /// counts only while a verifier is stored, as in auth-js, so an app's own `code` parameter
    /// is left alone); otherwise as `exchangeCodeForSession` (`?code=`), `setSession` (implicit
    /// `#access_token=…&refresh_token=…`), or with the redirect's error (`?error=`: the user
    /// denied or the provider failed), the verifier then removed. The shim cleans the address
    /// bar whenever the data is not `null` or there is an error.
    pub fn session_from_url(&mut self, url: &str, stored: Option<&str>, now_ms: f64) -> u32 {
        let params = crate::auth::redirect::parse(url);
        if params.is_error() {
            let op = self.next_id();
            let kind = if self.pkce {
                ErrorKind::AuthPKCEGrantCodeExchangeError
            } else {
                ErrorKind::AuthImplicitGrantRedirectError
            };
            let message =
                params.error_description.as_deref().unwrap_or("Error in URL with unspecified error_description");
            let code = params.error_code.as_deref().or(params.error.as_deref()).unwrap_or("unspecified_code");
            if stored.is_some() {
                self.out.push_back(Output::StorageRemove { key: self.verifier_key() });
            }
            self.finish(op, empty_session_data(), Some(AuthError::new(kind, message, None, Some(code))));
            return op;
        }
        if let (Some(code), Some(_)) = (params.code.as_deref(), stored) {
            return self.exchange_code_for_session(code, stored, now_ms);
        }
        if let Some(access) = params.access_token {
            let op = self.next_id();
            let Some(refresh) = params.refresh_token else {
                let e = AuthError::invalid_input("the redirect URL has an access_token but no refresh_token");
                return self.fail(op, &Step::Session { recovery: false }, e);
            };
            self.adopt_tokens(op, access, refresh, now_ms);
            return op;
        }
        let op = self.next_id();
        self.finish(op, Json("null".into()), None);
        op
    }

    /// A Database, Storage or Functions call: `api` is `rest`, `storage` or `functions`,
    /// `method` the SDK method, `args_json` its JSON-able arguments as an array (payloads stay in
    /// the shim). Ends with a `Done` whose data is an [`Outcome`]; the request carries the
    /// user's access token (refreshed first when about to expire) or, signed out, the anon key.
    pub fn data(&mut self, api: &str, method: &str, args_json: &str, now_ms: f64) -> u32 {
        let op = self.next_id();
        let args: Vec<Value> = match serde_json::from_str::<Value>(args_json) {
            Ok(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        let built = match api {
            "rest" => crate::data::rest::build(method, &args, &self.endpoints),
            "storage" => crate::data::storage::build(method, &args, &self.endpoints),
            "functions" => crate::data::functions::build(method, &args, &self.endpoints),
            _ => Built::Done(data::unknown(api, method)),
        };
        let req = match built {
            Built::Done(outcome) => {
                self.finish_data(op, &outcome);
                return op;
            }
            Built::Send(req) => req,
        };
        if let Some(e) = self.config_error.clone() {
            self.finish_data(op, &req.reply.failed(&e.message, "invalid_config"));
            return op;
        }
        match self.session.as_ref() {
            None => self.send_data(op, req, None),
            Some(s) if expires_at_ms(s) - now_ms < EXPIRY_MARGIN_MS => {
                let token = s.refresh_token.clone();
                self.wait_for_refresh(token, Waiter::Data(op, Box::new(req)), now_ms);
            }
            Some(s) => {
                let token = s.access_token.clone();
                self.send_data(op, req, Some(&token));
            }
        }
        op
    }

    /// Abort data-path operation `op` (an `AbortSignal` fired): it resolves now with an
    /// `aborted` error, whether its request is in flight (the shim aborts the wx task; a late
    /// reply is ignored) or still waiting for a refresh. Unknown or finished ops are ignored.
    pub fn cancel(&mut self, op: u32) {
        let message = "The request was aborted";
        if let Some(idx) = self.pending.iter().position(|(_, p)| matches!(p, Pending::Data(o, _) if *o == op)) {
            let (_, pending) = self.pending.swap_remove(idx);
            if let Pending::Data(op, reply) = pending {
                self.finish_data(op, &reply.failed(message, "aborted"));
            }
            return;
        }
        let waiter = self.refresh.as_mut().and_then(|r| {
            let i = r.waiters.iter().position(|w| matches!(w, Waiter::Data(o, _) if *o == op))?;
            Some(r.waiters.remove(i))
        });
        if let Some(Waiter::Data(op, req)) = waiter {
            self.finish_data(op, &req.reply.failed(message, "aborted"));
        }
    }

    /// A `wx.request` for request `id` completed with an HTTP status (any status).
    pub fn handle_response(&mut self, id: u32, status: u16, body: &str, now_ms: f64) {
        if self.realtime.handle_response(id, (200..300).contains(&status)) {
            return;
        }
        let Some(pending) = self.take_pending(id) else { return };
        let ok = (200..300).contains(&status);
        match pending {
            Pending::Refresh => {
                if ok {
                    match Session::from_token_response(body, now_ms).filter(|s| s.user.is_some()) {
                        Some(session) => self.refresh_succeeded(session),
                        None => self.refresh_failed(invalid_token_response(), now_ms),
                    }
                } else {
                    self.refresh_failed(error::from_http(status, body), now_ms)
                }
            }
            Pending::Op(op, step) if ok => self.succeeded(op, step, body, now_ms),
            Pending::Op(op, step) => self.failed(op, step, error::from_http(status, body)),
            Pending::Data(op, reply) => {
                let empty = Map::new();
                let r = Response { status, headers: &empty, facts: Facts::default(), body: Some(body) };
                self.finish_data(op, &reply.finish(&r));
            }
        }
    }

    /// A data-path request (`Output::Fetch`) got an HTTP reply: `headers_json` is `res.header`
    /// as JSON, `facts_json` what the shim measured about a body it kept (see [`Facts`]), `body`
    /// the text when it crosses (read `core`, or a non-2xx status).
    pub fn handle_data_response(
        &mut self,
        id: u32,
        status: u16,
        headers_json: &str,
        facts_json: &str,
        body: Option<&str>,
        _now_ms: f64,
    ) {
        if self.realtime.handle_response(id, (200..300).contains(&status)) {
            return;
        }
        let Some(pending) = self.take_pending(id) else { return };
        let headers = match serde_json::from_str::<Value>(headers_json) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let r = Response { status, headers: &headers, facts: Facts::from_json(facts_json), body };
        match pending {
            Pending::Data(op, reply) => self.finish_data(op, &reply.finish(&r)),
            // Not a data request: treat it as the plain reply it is.
            Pending::Refresh | Pending::Op(..) => {
                self.pending.push((id, pending));
                self.handle_response(id, status, body.unwrap_or(""), _now_ms);
            }
        }
    }

    /// A `wx.request` for request `id` failed without an HTTP status (`fail` callback).
    pub fn handle_transport_error(&mut self, id: u32, err_msg: &str, now_ms: f64) {
        if self.realtime.handle_transport_error(id) {
            return;
        }
        let Some(pending) = self.take_pending(id) else { return };
        let err = AuthError::transport(err_msg);
        match pending {
            Pending::Refresh => self.refresh_failed(err, now_ms),
            Pending::Op(op, step) => self.failed(op, step, err),
            Pending::Data(op, reply) => self.finish_data(op, &reply.failed(&err.message, "network_error")),
        }
    }

    /// Result of the oldest `StorageSet`: `None` when it was written, else the wx error message.
    /// A failed write (quota: 1 MB per key, 10 MB in all) is reported and the session kept in
    /// memory: the user stays signed in for this run.
    pub fn handle_storage_result(&mut self, error: Option<&str>) {
        // The value this acknowledgement is for: with an async store, newer writes may be pending,
        // so storage now holds this one, not necessarily the current session.
        let Some(written) = self.saving.pop_front() else { return };
        match (error, written) {
            (_, None) => {}
            (None, Some(value)) => self.stored_raw = Some(value),
            (Some(msg), Some(_)) => self.log(
                "warn",
                cat(&["the session could not be saved in wx storage (", msg, "); it is kept in memory for this run"]),
            ),
        }
    }

    // ---- operations -------------------------------------------------------------------------

    fn succeeded(&mut self, op: u32, step: Step, body: &str, now_ms: f64) {
        match step {
            Step::Session { recovery } => match Session::from_token_response(body, now_ms).filter(|s| s.user.is_some())
            {
                Some(session) => {
                    let event = if recovery { AuthEvent::PasswordRecovery } else { AuthEvent::SignedIn };
                    self.commit(op, session, event);
                }
                None => self.finish(op, empty_session_data(), Some(invalid_token_response())),
            },
            Step::PkceExchange => {
                self.out.push_back(Output::StorageRemove { key: self.verifier_key() });
                self.succeeded(op, Step::Session { recovery: false }, body, now_ms)
            }
            Step::SessionOrUser => match Session::from_token_response(body, now_ms).filter(|s| s.user.is_some()) {
                Some(session) => self.commit(op, session, AuthEvent::SignedIn),
                None => match parse_user(body) {
                    Some(user) => {
                        let data = cat(&["{\"user\":", &user_text(&user), ",\"session\":null}"]);
                        self.finish(op, Json(data), None);
                    }
                    None => self.finish(op, empty_session_data(), Some(invalid_token_response())),
                },
            },
            Step::User { save } => match parse_user(body) {
                Some(user) => {
                    if save {
                        self.update_user_in_session(user.clone());
                    }
                    self.finish(op, Json(cat(&["{\"user\":", &user_text(&user), "}"])), None);
                }
                None => self.finish(op, Json(r#"{"user":null}"#.into()), Some(invalid_user_response())),
            },
            Step::AdoptTokens { access_token, refresh_token } => match parse_user(body) {
                Some(user) => {
                    let exp = crate::auth::jwt::exp(&access_token).unwrap_or(0);
                    let now_s = crate::auth::session::now_secs(now_ms);
                    let session = Session {
                        access_token,
                        token_type: "bearer".into(),
                        expires_in: Some(exp.saturating_sub(now_s).max(0)),
                        refresh_token,
                        user: Some(user),
                        // The token's own expiry, corrected by nothing: it came from the caller.
                        expires_at: Some(exp),
                        extra: Map::new(),
                    };
                    self.commit(op, session, AuthEvent::SignedIn);
                }
                None => self.finish(op, empty_session_data(), Some(invalid_user_response())),
            },
            Step::QrCode => {
                let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
                // MemFire's body is `{ data: { imgBase64 } }`; the old SDK read the top level.
                let img = v
                    .get("imgBase64")
                    .or_else(|| v.get("data").and_then(|d| d.get("imgBase64")))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                match img {
                    Some(img) => {
                        self.finish(op, Json::of(&calls::object(vec![("imgBase64", Some(Value::String(img)))])), None)
                    }
                    None => {
                        let e = AuthError::new(
                            ErrorKind::AuthUnknownError,
                            "the QR code reply has no imgBase64",
                            Some(200),
                            None,
                        );
                        self.finish(op, Json(r#"{"imgBase64":null}"#.into()), Some(e));
                    }
                }
            }
            Step::Message => {
                let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
                let id = v.get("message_id").cloned().unwrap_or(Value::Null);
                let null = || Some(Value::Null);
                let data = calls::object(vec![("user", null()), ("session", null()), ("messageId", Some(id))]);
                self.finish(op, Json::of(&data), None);
            }
            Step::Empty => self.finish(op, Json("{}".into()), None),
            Step::Logout { scope } => {
                if scope != Scope::Others {
                    self.clear_session(true);
                }
                self.finish(op, Json("null".into()), None);
            }
        }
    }

    fn failed(&mut self, op: u32, step: Step, err: AuthError) {
        match step {
            // The user asked to sign out: done locally whatever the server says.
            Step::Logout { scope } => {
                if scope != Scope::Others {
                    self.clear_session(true);
                }
                let ignored =
                    matches!(err.status, Some(401 | 403 | 404)) || err.kind() == ErrorKind::AuthSessionMissingError;
                self.finish(op, Json("null".into()), (!ignored).then_some(err));
            }
            step => {
                if err.kind() == ErrorKind::AuthSessionMissingError && matches!(step, Step::User { .. }) {
                    // The server no longer knows this session (signed out elsewhere).
                    self.clear_session(true);
                }
                self.fail(op, &step, err);
            }
        }
    }

    fn fail(&mut self, op: u32, step: &Step, err: AuthError) -> u32 {
        self.finish(op, empty_data(step), Some(err));
        op
    }

    /// A new session: saved, made current, announced, returned as `{ user, session }`.
    fn commit(&mut self, op: u32, session: Session, event: AuthEvent) {
        let user = session.user.as_ref().map(user_text).unwrap_or_else(|| "null".into());
        self.replace_session(Some(session));
        self.save();
        self.emit(event);
        let data = cat(&["{\"user\":", &user, ",\"session\":", self.session_json.as_deref().unwrap_or("null"), "}"]);
        self.finish(op, Json(data), None);
    }

    fn update_user_in_session(&mut self, user: User) {
        if let Some(mut s) = self.session.clone() {
            s.user = Some(user);
            self.replace_session(Some(s));
            self.save();
            self.emit(AuthEvent::UserUpdated);
        }
    }

    /// Run `call` with a usable access token: now, or after the refresh it needs.
    fn with_access_token(&mut self, op: u32, call: Call, now_ms: f64) {
        let Some(s) = self.session.as_ref() else {
            let step = call.step.clone();
            self.fail(op, &step, session_missing());
            return;
        };
        if expires_at_ms(s) - now_ms < EXPIRY_MARGIN_MS {
            let token = s.refresh_token.clone();
            self.wait_for_refresh(token, Waiter::Call(op, call), now_ms);
        } else {
            let token = s.access_token.clone();
            self.send(op, call, Some(&token));
        }
    }

    // ---- refresh ----------------------------------------------------------------------------

    /// Join the refresh in flight (whatever token it uses), or start one with `token`.
    fn wait_for_refresh(&mut self, token: String, waiter: Waiter, now_ms: f64) {
        if self.refresh.is_none() {
            self.start_refresh(token, now_ms);
        }
        match self.refresh.as_mut() {
            Some(r) => r.waiters.push(waiter),
            None => self.resolve_waiter(waiter, None, now_ms),
        }
    }

    fn start_refresh(&mut self, token: String, now_ms: f64) {
        if let Some(e) = self.config_error.clone() {
            self.log("warn", cat(&["cannot refresh the session: ", &e.message]));
            return;
        }
        self.refresh =
            Some(Refresh { token, attempt: 0, started_ms: now_ms, req: None, retry_at: None, waiters: Vec::new() });
        self.send_refresh(now_ms);
    }

    fn send_refresh(&mut self, _now_ms: f64) {
        let Some(r) = self.refresh.as_mut() else { return };
        r.attempt = r.attempt.saturating_add(1);
        let body =
            crate::encoding::text::json(&calls::object(vec![("refresh_token", Some(Value::String(r.token.clone())))]));
        let id = self.ids.next();
        if let Some(r) = self.refresh.as_mut() {
            r.req = Some(id);
        }
        self.pending.push((id, Pending::Refresh));
        let url = cat(&[&self.auth_url, "/token?grant_type=refresh_token"]);
        let headers = self.headers_with(None, true);
        self.out.push_back(Output::Http(HttpRequest {
            id,
            method: "POST",
            url,
            headers,
            body: Some(body),
            timeout: self.request_timeout,
        }));
    }

    fn refresh_succeeded(&mut self, session: Session) {
        let Some(r) = self.refresh.take() else { return };
        self.replace_session(Some(session));
        self.save();
        self.emit(AuthEvent::TokenRefreshed);
        for w in r.waiters {
            self.resolve_waiter(w, None, 0.0);
        }
    }

    fn refresh_failed(&mut self, err: AuthError, now_ms: f64) {
        let Some(r) = self.refresh.as_mut() else { return };
        r.req = None;
        let retryable = err.kind() == ErrorKind::AuthRetryableFetchError;
        let delay = RETRY_BASE_MS * f64::from(1u32 << r.attempt.saturating_sub(1).min(16));
        if retryable && now_ms + delay - r.started_ms < RETRY_BUDGET_MS {
            r.retry_at = Some(now_ms + delay);
            return;
        }
        let Some(r) = self.refresh.take() else { return };
        if is_definitive(&err) && self.session.as_ref().is_some_and(|s| s.refresh_token == r.token) {
            self.log("warn", cat(&["the session has ended (", err.code.as_deref().unwrap_or(""), "); signing out"]));
            self.clear_session(true);
        } else {
            self.log("warn", cat(&["refreshing the session failed (", &err.message, "); the session is kept"]));
        }
        for w in r.waiters {
            self.resolve_waiter(w, Some(&err), now_ms);
        }
    }

    /// Finish a waiter after a refresh: `err` is `None` on success.
    fn resolve_waiter(&mut self, w: Waiter, err: Option<&AuthError>, now_ms: f64) {
        if matches!(w, Waiter::Realtime) {
            let token = self.realtime_token();
            self.realtime.set_token(&token);
            return;
        }
        // After a failed refresh a session that is still valid remains usable.
        let usable = self.session.as_ref().filter(|s| err.is_none() || expires_at_ms(s) > now_ms).cloned();
        match (w, usable) {
            (Waiter::Session(op), Some(_)) => self.finish_session(op, None),
            (Waiter::Session(op), None) => self.finish(op, Json(r#"{"session":null}"#.into()), err.cloned()),
            (Waiter::Refreshed(op), Some(s)) if err.is_none() => {
                let user = s.user.as_ref().map(user_text).unwrap_or_else(|| "null".into());
                let data =
                    cat(&["{\"user\":", &user, ",\"session\":", self.session_json.as_deref().unwrap_or("null"), "}"]);
                self.finish(op, Json(data), None);
            }
            (Waiter::Refreshed(op), _) => {
                self.finish(op, empty_session_data(), Some(err.cloned().unwrap_or_else(session_missing)))
            }
            (Waiter::Call(op, call), Some(s)) => {
                let token = s.access_token.clone();
                self.send(op, call, Some(&token));
            }
            (Waiter::Call(op, call), None) => {
                let step = call.step.clone();
                self.fail(op, &step, err.cloned().unwrap_or_else(session_missing));
            }
            (Waiter::Data(op, req), Some(s)) => {
                let token = s.access_token.clone();
                self.send_data(op, *req, Some(&token));
            }
            // Signed out meanwhile (the refresh token was definitively refused): the request goes
            // out as anon, which is what the user now is.
            (Waiter::Data(op, req), None) if self.session.is_none() => self.send_data(op, *req, None),
            // The session is kept but its access token has expired and could not be refreshed:
            // failing beats silently answering as anon (RLS would hide the user's rows).
            (Waiter::Realtime, _) => {}
            (Waiter::Data(op, req), None) => {
                let why = err.map_or_else(|| "no usable access token".to_owned(), |e| e.message.clone());
                let msg = cat(&["the session could not be refreshed, so the request was not sent: ", &why]);
                self.finish_data(op, &req.reply.failed(&msg, "session_refresh_failed"));
            }
        }
    }

    // ---- state ------------------------------------------------------------------------------

    fn replace_session(&mut self, session: Option<Session>) {
        self.session_json = session.as_ref().map(Session::to_stored);
        self.session = session;
        // Realtime follows the session: joined channels get the new token (anon when signed out).
        let token = self.realtime_token();
        self.realtime.set_token(&token);
    }

    /// What realtime joins with: the session's access token, else the anon key.
    fn realtime_token(&self) -> String {
        self.session.as_ref().map_or_else(|| self.key.clone(), |s| s.access_token.clone())
    }

    /// Before a join: a session about to expire is refreshed first (its token would be refused),
    /// and joins wait for it.
    fn realtime_fresh_token(&mut self, now_ms: f64) {
        let Some(s) = self.session.as_ref() else { return };
        if expires_at_ms(s) - now_ms < EXPIRY_MARGIN_MS && self.config_error.is_none() {
            let token = s.refresh_token.clone();
            self.realtime.hold_joins();
            self.wait_for_refresh(token, Waiter::Realtime, now_ms);
        }
    }

    /// Write the current session to storage (when persisting).
    fn save(&mut self) {
        if !self.persist {
            return;
        }
        if let Some(json) = self.session_json.clone() {
            self.out.push_back(Output::StorageSet { key: self.storage_key.clone(), value: json.clone() });
            self.saving.push_back(Some(json));
        }
    }

    fn remove_stored(&mut self) {
        self.stored_raw = None;
        if self.persist {
            self.out.push_back(Output::StorageRemove { key: self.storage_key.clone() });
        }
    }

    /// Forget the session (storage too); `SIGNED_OUT` when there was one and `announce`.
    fn clear_session(&mut self, announce: bool) {
        let had = self.session.is_some();
        self.replace_session(None);
        self.remove_stored();
        if had && announce {
            self.emit(AuthEvent::SignedOut);
        }
    }

    fn emit(&mut self, event: AuthEvent) {
        let session = if event == AuthEvent::SignedOut { None } else { self.session.clone() };
        self.out.push_back(Output::Event { event, session, target: None });
    }

    fn log(&mut self, level: &'static str, message: String) {
        self.out.push_back(Output::Log { level, message });
    }

    fn finish_session(&mut self, op: u32, error: Option<AuthError>) {
        let data = cat(&["{\"session\":", self.session_json.as_deref().unwrap_or("null"), "}"]);
        self.finish(op, Json(data), error);
    }

    fn finish_data(&mut self, op: u32, outcome: &Outcome) {
        self.out.push_back(Output::Done { op, data: Json(outcome.to_json()), error: None });
    }

    /// Send a data-path request with `bearer` (the user's token) or the anon key. Headers, in
    /// order: `global.headers`, then the module's (a later one replaces an earlier one of the
    /// same name), then `apikey` and `Authorization` unless already there, as supabase-js'
    /// `fetchWithAuth` does.
    fn send_data(&mut self, op: u32, req: DataRequest, bearer: Option<&str>) {
        let id = self.next_id();
        let mut headers: Vec<(String, String)> = Vec::new();
        for (k, v) in self.headers.iter().chain(req.headers.iter()) {
            headers.retain(|(existing, _)| !existing.eq_ignore_ascii_case(k));
            headers.push((k.clone(), v.clone()));
        }
        let has = |h: &[(String, String)], name: &str| h.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
        if !has(&headers, "apikey") {
            headers.push(("apikey".into(), self.key.clone()));
        }
        if !has(&headers, "authorization") {
            headers.push(("Authorization".into(), cat(&["Bearer ", bearer.unwrap_or(&self.key)])));
        }
        let timeout = match (req.timeout, &req.transport) {
            (Some(t), _) => t,
            (None, Transport::Request) => self.request_timeout,
            (None, _) => self.request_timeout.max(data::FILE_TIMEOUT_MS),
        };
        let (body, payload) = match req.body {
            Body::None => (None, false),
            Body::Text(t) => (Some(t), false),
            Body::Payload => (None, true),
        };
        // A loop, not `collect()`: `BTreeMap::from_iter` links a stable sort (~3 KB of wasm).
        let mut header_map = Map::new();
        for (k, v) in headers {
            header_map.insert(k, Value::String(v));
        }
        self.pending.push((id, Pending::Data(op, req.reply)));
        self.out.push_back(Output::Fetch(FetchRequest {
            id,
            op,
            method: req.method,
            url: req.url,
            headers: header_map,
            body,
            payload,
            transport: req.transport,
            read: req.read,
            timeout,
        }));
    }

    fn finish(&mut self, op: u32, data: Json, error: Option<AuthError>) {
        self.out.push_back(Output::Done { op, data, error });
    }

    fn next_id(&mut self) -> u32 {
        self.ids.next()
    }

    fn take_pending(&mut self, id: u32) -> Option<Pending> {
        let idx = self.pending.iter().position(|(req, _)| *req == id)?;
        let (_, p) = self.pending.swap_remove(idx);
        if matches!(p, Pending::Refresh) && self.refresh.as_ref().and_then(|r| r.req) != Some(id) {
            return None; // a reply for a refresh that has been given up
        }
        Some(p)
    }

    fn send(&mut self, op: u32, call: Call, bearer: Option<&str>) {
        let id = self.next_id();
        let body = call.body.as_ref().map(|b| serde_json::to_string(b).unwrap_or_default());
        let headers = self.headers_with(bearer, body.is_some());
        let url = cat(&[&self.auth_url, &call.path]);
        self.pending.push((id, Pending::Op(op, call.step)));
        self.out.push_back(Output::Http(HttpRequest {
            id,
            method: call.method,
            url,
            headers,
            body,
            timeout: self.request_timeout,
        }));
    }

    /// Headers for the Auth API: `apikey`, the bearer (the user's token, else the anon key), the
    /// API version that makes GoTrue answer with string error codes, then the user's
    /// `global.headers` (which win).
    fn headers_with(&self, bearer: Option<&str>, has_body: bool) -> Map<String, Value> {
        let mut h: Vec<(String, String)> = vec![
            ("apikey".into(), self.key.clone()),
            ("Authorization".into(), cat(&["Bearer ", bearer.unwrap_or(&self.key)])),
            ("X-Client-Info".into(), cat(&["supabase-wechat/", VERSION])),
            ("X-Supabase-Api-Version".into(), "2024-01-01".into()),
        ];
        if has_body {
            h.push(("Content-Type".into(), "application/json;charset=UTF-8".into()));
        }
        for (k, v) in &self.headers {
            if bearer.is_some() && k.eq_ignore_ascii_case("authorization") {
                continue; // the user's own token beats a global Authorization header
            }
            h.retain(|(existing, _)| !existing.eq_ignore_ascii_case(k));
            h.push((k.clone(), v.clone()));
        }
        // Names are unique (case-insensitively) by now. A Vec, not `Map::retain`, which links
        // the B-tree's removal and rebalancing (~3 KB of wasm).
        let mut map = Map::new();
        for (k, v) in h {
            map.insert(k, Value::String(v));
        }
        map
    }
}

/// The access token's expiry in ms.
fn expires_at_ms(s: &Session) -> f64 {
    s.expires_at.map_or(0.0, |e| (e as f64) * 1000.0)
}

/// Answers after which a refresh token will never work again.
fn is_definitive(e: &AuthError) -> bool {
    matches!(
        e.code.as_deref(),
        Some(
            "refresh_token_not_found"
                | "refresh_token_already_used"
                | "session_not_found"
                | "session_expired"
                | "invalid_grant"
        )
    ) || e.kind() == ErrorKind::AuthSessionMissingError
}

fn parse_user(body: &str) -> Option<User> {
    match serde_json::from_str::<Value>(body).ok()? {
        // Some replies wrap it: `{ user: {...} }`.
        Value::Object(m) if m.get("id").is_none() => match m.get("user") {
            Some(Value::Object(u)) => Some(User(u.clone())),
            _ => None,
        },
        Value::Object(m) => Some(User(m)),
        _ => None,
    }
}

fn user_text(u: &User) -> String {
    serde_json::to_string(u).unwrap_or_else(|_| "null".into())
}

/// What an operation resolves with as `data` when it fails.
fn empty_data(step: &Step) -> Json {
    Json(
        match step {
            Step::Session { .. } | Step::SessionOrUser | Step::AdoptTokens { .. } | Step::PkceExchange => {
                r#"{"user":null,"session":null}"#
            }
            Step::User { .. } => r#"{"user":null}"#,
            Step::QrCode => r#"{"imgBase64":null}"#,
            Step::Message => r#"{"user":null,"session":null,"messageId":null}"#,
            Step::Empty | Step::Logout { .. } => "null",
        }
        .to_owned(),
    )
}

fn empty_session_data() -> Json {
    Json(r#"{"user":null,"session":null}"#.to_owned())
}

fn oauth_data(provider: Option<&str>, url: Option<&str>) -> Json {
    let text = |v: Option<&str>| Some(v.map_or(Value::Null, |s| Value::String(s.to_owned())));
    Json::of(&calls::object(vec![("provider", text(provider)), ("url", text(url))]))
}

fn session_missing() -> AuthError {
    AuthError::new(ErrorKind::AuthSessionMissingError, "Auth session missing!", Some(400), Some("session_missing"))
}

fn invalid_token_response() -> AuthError {
    AuthError::new(ErrorKind::AuthInvalidTokenResponseError, "Auth session or user missing", Some(500), None)
}

fn invalid_user_response() -> AuthError {
    AuthError::new(ErrorKind::AuthUnknownError, "the Auth server's reply has no user", Some(200), None)
}
