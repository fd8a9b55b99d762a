//! The sans-IO client: a router over three machines.
//!
//! The caller (the JS shim, or a test) owns all I/O, timers and the clock:
//! - it starts an operation (`sign_in_with_wechat`, `get_session`, `data`, …) and gets an op id;
//! - it drains [`Client::poll`] and performs each [`Output`]: an HTTP request, a storage write,
//!   an auth event to deliver, a log line, a socket frame, or an operation's final result;
//! - it feeds results back ([`Client::handle_response`], [`Client::handle_data_response`],
//!   [`Client::handle_transport_error`], [`Client::handle_storage_result`], `socket_*`) and calls
//!   [`Client::handle_timeout`] when [`Client::poll_timeout`] says so, passing `now_ms` every time.
//!
//! Every operation ends with exactly one `Output::Done`, whatever the server or the network did.
//!
//! The router owns [`Auth`] (the session), [`Data`] (Database, Storage, Functions) and
//! [`Realtime`], the configuration and the one id allocator. It routes each reply by request id
//! to the machine that sent the request, and connects the machines, which never call each other:
//! a data request or a realtime join asks auth for a bearer ([`Bearer`]); when a refresh it
//! waited on ends, auth emits the settled ticket and the router hands it to its owner; when the
//! session changes, the router gives realtime the new token. The machines' outputs are merged in
//! the order they were produced (each call ends by moving them to one queue), realtime's last.
//! When a server refuses the token a data request carried, the router asks auth for a fresh one
//! ([`Auth::renew`]) and has data send that request once more (`Client::retry`).

use crate::prelude::*;
use alloc::collections::VecDeque;
use serde_json::{Map, Value};

use crate::auth::calls::{Args, AuthMethod};
use crate::auth::Auth;
use crate::config::Config;
use crate::data::{Data, Facts, Response, Retry};
use crate::realtime::Realtime;

use crate::auth::error::AuthError;
pub use crate::auth::refresh::{EXPIRY_MARGIN_MS, RETRY_BASE_MS, RETRY_BUDGET_MS, TICK_MS, TICK_THRESHOLD};
use crate::auth::session::Session;
pub use crate::auth::store::MAX_STORED_BYTES;
pub use crate::config::AUTH_REQUEST_TIMEOUT_MS;
pub use crate::output::{AuthEvent, FetchRequest, HttpRequest, Json, Output, VERSION};
use crate::output::{Bearer, Emit, Grant, Ids, Ticket};

pub struct Client {
    config: Config,
    /// `createClient`'s options, for realtime when it is made.
    options: Value,
    ids: Ids,
    auth: Auth,
    data: Data,
    /// Made on first use ([`Client::rt`]): a page that never touches realtime compiles none of it
    /// at start (tests/node/wasm-lazy.test.js), and until then nothing happens there.
    realtime: Option<Realtime>,
    /// What realtime is told before it exists, replayed when it is made: the session's token
    /// (`None`: the anon key) and the app's last visibility change (shown, when).
    realtime_token: Option<Option<String>>,
    realtime_shown: Option<(bool, f64)>,
    /// Realtime's waits for a fresh token (joins are held meanwhile).
    realtime_tickets: Vec<Ticket>,
    out: VecDeque<Output>,
}

impl Client {
    /// `createClient(url, key, options)`; `options_json` is the options object as JSON. Never
    /// fails: a bad configuration makes every operation resolve with a clear error instead.
    pub fn new(url: &str, key: &str, options_json: &str) -> Client {
        // `createClient(url, key)`: the shim's `{}` without serde_json's parser, which a start then
        // does not compile (bench/results/wasm-size-issue17.md).
        let options: Value = if options_json == "{}" {
            Value::Object(serde_json::Map::new())
        } else {
            serde_json::from_str(options_json).unwrap_or(Value::Null)
        };
        let config = Config::new(url, key, &options);
        Client {
            auth: Auth::new(&config),
            data: Data::new(&config),
            realtime: None,
            realtime_token: None,
            realtime_shown: None,
            config,
            options,
            ids: Ids::new(),
            realtime_tickets: Vec::new(),
            out: VecDeque::new(),
        }
    }

    pub fn storage_key(&self) -> &str {
        self.auth.storage_key()
    }

    /// Where the PKCE verifier of `signInWithOAuth` is kept.
    pub fn verifier_key(&self) -> String {
        self.auth.verifier_key()
    }

    /// Whether the shim should read and write storage (`auth.persistSession`).
    pub fn persists(&self) -> bool {
        self.auth.persists()
    }

    pub fn session(&self) -> Option<&Session> {
        self.auth.session()
    }

    /// The session's JSON text, for [`Output::Session`] (fetched by the shim once per generation).
    pub fn session_json(&self) -> &str {
        self.auth.session_json()
    }

    /// Next piece of work for the caller.
    pub fn poll(&mut self) -> Option<Output> {
        if let Some(o) = self.out.pop_front() {
            return Some(o);
        }
        self.realtime.as_mut()?.poll()
    }

    /// When [`Client::handle_timeout`] should next be called (ms since the epoch), if ever.
    pub fn poll_timeout(&self) -> Option<f64> {
        // Realtime's timers through a pointer: out of line (binaryen inlines a function with one
        // caller), so a start, which has no realtime yet, does not compile them.
        let timers: fn(&Realtime) -> Option<f64> = Realtime::poll_timeout;
        let realtime = self.realtime.as_ref().and_then(core::hint::black_box(timers));
        crate::encoding::float::earliest(self.auth.poll_timeout(), realtime)
    }

    /// Timers: auth's refresh retry and tick, realtime's heartbeat, push and reconnect timers.
    pub fn handle_timeout(&mut self, now_ms: f64) {
        self.auth.handle_timeout(&mut self.ids, now_ms);
        self.pump();
        if let Some(rt) = &mut self.realtime {
            rt.handle_timeout(now_ms);
        }
    }

    /// Realtime, made now if it is not yet, with what it was told before (the session's token,
    /// the app's visibility): as if it had been made with the client. Out of line: one copy for
    /// every caller.
    #[inline(never)]
    fn rt(&mut self) -> &mut Realtime {
        let (config, options) = (&self.config, &self.options);
        let (token, shown) = (&mut self.realtime_token, &mut self.realtime_shown);
        self.realtime.get_or_insert_with(|| make_realtime(config, options, token.take(), shown.take()))
    }

    /// `wx.onAppShow` or `startAutoRefresh()`: tick now and every 30 s (`explicit`: even with
    /// `autoRefreshToken: false`).
    pub fn start_auto_refresh(&mut self, explicit: bool, now_ms: f64) {
        self.auth.start_auto_refresh(&mut self.ids, explicit, now_ms);
        self.pump();
    }

    /// The app went to the background (`wx.onAppHide`), or `stopAutoRefresh()`.
    pub fn stop_auto_refresh(&mut self) {
        self.auth.stop_auto_refresh();
    }

    // ---- auth --------------------------------------------------------------------------------

    /// Adopt what storage holds under the key now: at start-up and before every `getSession` and
    /// `INITIAL_SESSION`, like the SDK we replace (see [`crate::auth::store::Store::restore`]).
    pub fn restore(&mut self, stored: Option<&str>, now_ms: f64) {
        self.auth.restore(&mut self.ids, stored, now_ms);
        self.pump();
    }

    /// Every public auth method by its supabase-js name, with the JS arguments as a JSON array
    /// (see [`AuthMethod`]). `stored` is what storage holds under the key the method reads (the
    /// session for `getSession`, the PKCE verifier for `exchangeCodeForSession` and
    /// `sessionFromUrl`); `random` feeds PKCE.
    pub fn invoke(&mut self, method: &str, args_json: &str, stored: Option<&str>, random: &[u8], now_ms: f64) -> u32 {
        let op = self.auth.invoke(&mut self.ids, method, &Args::parse(args_json), stored, random, now_ms);
        self.pump();
        op
    }

    fn call(&mut self, m: AuthMethod, args: &Args, stored: Option<&str>, now_ms: f64) -> u32 {
        let op = self.auth.call(&mut self.ids, m, args, stored, &[], now_ms);
        self.pump();
        op
    }

    /// `getSession()`: the session, refreshed first when about to expire (`stored`: see `restore`).
    pub fn get_session(&mut self, stored: Option<&str>, now_ms: f64) -> u32 {
        let op = self.auth.get_session(&mut self.ids, stored, now_ms);
        self.pump();
        op
    }

    /// `signInWithWechat({ code })`.
    pub fn sign_in_with_wechat(&mut self, params_json: &str, now_ms: f64) -> u32 {
        self.call(AuthMethod::SignInWithWechat, &Args::one(params_json), None, now_ms)
    }

    /// `signOut({ scope })`: the local session is removed whatever the server says (but `others`).
    pub fn sign_out(&mut self, params_json: &str, now_ms: f64) -> u32 {
        self.call(AuthMethod::SignOut, &Args::one(params_json), None, now_ms)
    }

    /// `setSession({ access_token, refresh_token })`.
    pub fn set_session(&mut self, params_json: &str, now_ms: f64) -> u32 {
        self.call(AuthMethod::SetSession, &Args::one(params_json), None, now_ms)
    }

    /// `refreshSession({ refresh_token }?)`.
    pub fn refresh_session(&mut self, params_json: &str, now_ms: f64) -> u32 {
        self.call(AuthMethod::RefreshSession, &Args::one(params_json), None, now_ms)
    }

    /// `INITIAL_SESSION` for the new `onAuthStateChange` subscription `sub` (`stored`: see `restore`).
    pub fn initial_session(&mut self, sub: u32, stored: Option<&str>, now_ms: f64) {
        self.auth.initial_session(&mut self.ids, sub, stored, now_ms);
        self.pump();
    }

    /// Result of the oldest `StorageSet`: `None` when written, else the wx error message (the
    /// session is then kept in memory for this run).
    pub fn handle_storage_result(&mut self, error: Option<&str>) {
        self.auth.handle_storage_result(error);
        self.pump();
    }

    // ---- the data path -----------------------------------------------------------------------

    /// A Database, Storage or Functions call: `api` is `rest`, `storage` or `functions`,
    /// `method` the SDK method, `args_json` its JSON-able arguments as an array (payloads stay in
    /// the shim). Ends with a `Done` whose data is an [`crate::data::Outcome`]; the request
    /// carries the user's access token (refreshed first when about to expire) or, signed out,
    /// the anon key.
    pub fn data(&mut self, api: &str, method: &str, args_json: &str, now_ms: f64) -> u32 {
        let op = self.ids.take();
        if let Some(req) = self.data.start(op, api, method, args_json) {
            match self.auth.bearer(&mut self.ids, now_ms) {
                Bearer::Ready(token) => self.data.send(&mut self.ids, op, req, Some(&token)),
                Bearer::Anon => self.data.send(&mut self.ids, op, req, None),
                Bearer::Wait(ticket) => self.data.wait(ticket, op, req, false),
            }
        }
        self.pump();
        op
    }

    /// A server refused the token a data request carried: one refresh (unless the session's token
    /// has changed since) and one more try with the session's token; signed out meanwhile (or
    /// signed in as someone else), the refusal is the answer. The second answer is the caller's.
    fn retry(&mut self, retry: Option<Retry>, now_ms: f64) {
        let Some(r) = retry else { return };
        match self.auth.renew(&mut self.ids, &r.token, now_ms) {
            Bearer::Ready(token) => self.data.resend(&mut self.ids, r.op, r.req, Some(&token)),
            Bearer::Anon => self.data.refused(r),
            Bearer::Wait(ticket) => self.data.wait(ticket, r.op, r.req, true),
        }
    }

    /// Abort data-path operation `op` (an `AbortSignal` fired); see [`Data::cancel`].
    pub fn cancel(&mut self, op: u32) {
        self.data.cancel(op);
        self.pump();
    }

    /// `getPublicUrl(path, options)` of bucket `bucket`, synchronous: the JSON text of what it
    /// returns (`{ data: { publicUrl } }`, or `{ data: null, error }` for a bad bucket or path;
    /// see [`crate::data::public_url`]). `bucket` and `path` are `None` when not strings.
    pub fn public_url(&self, bucket: Option<&str>, path: Option<&str>, options_json: &str) -> String {
        let text = |s: Option<&str>| s.map_or(Value::Null, |s| Value::String(s.to_owned()));
        let options = serde_json::from_str(options_json).unwrap_or(Value::Null);
        crate::data::public_url(&self.config.loose_storage_url(), &[text(bucket), text(path), options])
    }

    /// [`Client::public_url`] of the JS arguments as a JSON array `[bucket, path, options]`.
    pub fn public_url_of(&self, args_json: &str) -> String {
        let args = match serde_json::from_str::<Value>(args_json) {
            Ok(Value::Array(a)) => a,
            _ => Vec::new(),
        };
        crate::data::public_url(&self.config.loose_storage_url(), &args)
    }

    // ---- replies -----------------------------------------------------------------------------

    /// A `wx.request` for request `id` completed with an HTTP status (any status).
    pub fn handle_response(&mut self, id: u32, status: u16, body: &str, now_ms: f64) {
        self.handle_response_with_headers(id, status, body, "{}", now_ms)
    }

    /// [`Client::handle_response`] with the reply's headers as JSON (`res.header`), which
    /// `auth.admin.listUsers` reads its pagination from.
    pub fn handle_response_with_headers(&mut self, id: u32, status: u16, body: &str, headers: &str, now_ms: f64) {
        if self.auth.owns(id) {
            self.auth.handle_response(&mut self.ids, id, status, body, headers, now_ms);
        } else if self.data.owns(id) {
            let empty = Map::new();
            let retry =
                self.data.reply(id, &Response { status, headers: &empty, facts: Facts::default(), body: Some(body) });
            self.retry(retry, now_ms);
        } else {
            if let Some(rt) = &mut self.realtime {
                rt.handle_response(id, (200..300).contains(&status));
            }
        }
        self.pump();
    }

    /// An `Output::Fetch` got an HTTP reply: `headers_json` is `res.header` as JSON, `facts_json`
    /// what the shim measured about a body it kept ([`Facts`]), `body` the text when it crosses.
    /// A reply to another request is taken as the plain reply it is.
    pub fn handle_data_response(
        &mut self,
        id: u32,
        status: u16,
        headers_json: &str,
        facts_json: &str,
        body: Option<&str>,
        now_ms: f64,
    ) {
        if !self.data.owns(id) {
            return self.handle_response(id, status, body.unwrap_or(""), now_ms);
        }
        let headers = match serde_json::from_str::<Value>(headers_json) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        let retry =
            self.data.reply(id, &Response { status, headers: &headers, facts: Facts::from_json(facts_json), body });
        self.retry(retry, now_ms);
        self.pump();
    }

    /// Before [`Client::handle_data_response`] for a 2xx reply read as an ArrayBuffer: whether
    /// the shim must `JSON.parse` its UTF-8 text and report it in `facts.json` (with the text
    /// when it does not parse). `headers_json` as for `handle_data_response`. The core decides
    /// from the reply's status and headers (a functions reply typed `application/json`), so the
    /// shim reads no header itself.
    pub fn wants_json(&self, id: u32, status: u16, headers_json: &str) -> bool {
        let headers = match serde_json::from_str::<Value>(headers_json) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        self.data.wants_json(id, &Response { status, headers: &headers, facts: Facts::default(), body: None })
    }

    /// A `wx.request` for request `id` failed without an HTTP status (`fail` callback).
    pub fn handle_transport_error(&mut self, id: u32, err_msg: &str, now_ms: f64) {
        let err = AuthError::transport(err_msg);
        if self.auth.owns(id) {
            self.auth.handle_transport_error(&mut self.ids, id, err, now_ms);
        } else if self.data.owns(id) {
            self.data.failed(id, &err.message);
        } else {
            if let Some(rt) = &mut self.realtime {
                rt.handle_transport_error(id);
            }
        }
        self.pump();
    }

    /// Move what the machines produced to the one queue, in order, and deliver what auth tells
    /// the others: a settled wait for a fresh token, the session's new access token.
    fn pump(&mut self) {
        while let Some(e) = self.auth.poll() {
            let (token, settled) = match e {
                Emit::Out(o) => {
                    self.out.push_back(o);
                    continue;
                }
                Emit::Session(token) => (token, false),
                Emit::Settled(ticket, grant) => {
                    // Through a pointer: out of line (binaryen inlines a function with one
                    // caller), so a start, which settles no refresh, does not compile it.
                    let settle: fn(&mut Client, Ticket, Grant) -> Option<Option<String>> = Client::settle;
                    match core::hint::black_box(settle)(self, ticket, grant) {
                        None => continue,
                        Some(token) => (token, true),
                    }
                }
            };
            // Realtime follows the session: its access token, the anon key when signed out.
            match &mut self.realtime {
                Some(rt) => rt.set_token(token.as_deref().unwrap_or(&self.config.key)),
                None => self.realtime_token = Some(token),
            }
            if settled {
                // The rest of that refresh's waiters, now that the ticket's owner has acted.
                self.auth.resume(&mut self.ids);
            }
        }
        self.data.drain_into(&mut self.out);
    }

    /// A refresh that `ticket` waited on ended with `grant`: a data request's wait goes on (and
    /// the refresh's other waiters resume: `None`), realtime's gets the token to use (`Some`).
    fn settle(&mut self, ticket: Ticket, grant: Grant) -> Option<Option<String>> {
        let Some(i) = self.realtime_tickets.iter().position(|t| *t == ticket) else {
            self.data.settled(&mut self.ids, ticket, &grant);
            self.data.drain_into(&mut self.out);
            self.auth.resume(&mut self.ids);
            return None;
        };
        self.realtime_tickets.swap_remove(i);
        Some(match grant {
            Grant::Token(t) | Grant::Stale { token: t, .. } => Some(t),
            Grant::Anon => None,
        })
    }

    // ---- realtime (see `crate::realtime`) ----------------------------------------------------

    /// Before a join: a session about to expire is refreshed first (its token would be refused),
    /// and joins wait for it.
    fn realtime_fresh_token(&mut self, now_ms: f64) {
        if self.config.error.is_none() && self.auth.expiring(now_ms) {
            self.rt().hold_joins();
            if let Bearer::Wait(ticket) = self.auth.bearer(&mut self.ids, now_ms) {
                self.realtime_tickets.push(ticket);
            }
            self.pump();
        }
    }

    /// `supabase.channel(name, params)`: the channel's id.
    pub fn realtime_channel(&mut self, name: &str, params_json: &str) -> u32 {
        self.rt().channel(name, params_json)
    }

    /// `channel.on(type, filter, cb)`: the binding's index in the channel.
    pub fn realtime_on(&mut self, chan: u32, kind: &str, filter_json: &str) -> u32 {
        self.rt().on(chan, kind, filter_json)
    }

    /// `channel.subscribe(cb, timeout)`.
    pub fn realtime_subscribe(&mut self, chan: u32, timeout_ms: Option<f64>, now_ms: f64) {
        self.realtime_fresh_token(now_ms);
        self.rt().subscribe(chan, timeout_ms, now_ms)
    }

    /// `send` / `track` / `untrack` (`{ type, event, payload }`): an op ending `"ok" | "timed out" | "error"`.
    pub fn realtime_push(&mut self, chan: u32, args_json: &str, timeout_ms: Option<f64>, now_ms: f64) -> u32 {
        let op = self.ids.take();
        self.rt();
        if let Some(rt) = &mut self.realtime {
            rt.push(&mut self.ids, chan, op, args_json, timeout_ms, now_ms);
        }
        op
    }

    /// `unsubscribe` / `removeChannel`: an op like `realtime_push`'s.
    pub fn realtime_leave(&mut self, chan: u32, now_ms: f64) -> u32 {
        let op = self.ids.take();
        self.rt().leave(chan, Some(op), now_ms);
        op
    }

    /// `presenceState()` as JSON text.
    pub fn realtime_presence_state(&self, chan: u32) -> String {
        self.realtime.as_ref().map_or_else(|| "{}".to_owned(), |rt| rt.presence_state(chan))
    }

    pub fn socket_opened(&mut self, socket: u32, now_ms: f64) {
        self.realtime_fresh_token(now_ms);
        self.rt().socket_opened(socket, now_ms)
    }

    pub fn socket_message(&mut self, socket: u32, text: &str, now_ms: f64) {
        self.rt().socket_message(socket, text, now_ms)
    }

    pub fn socket_closed(&mut self, socket: u32, _code: u16, _reason: &str, now_ms: f64) {
        self.rt().socket_closed(socket, now_ms)
    }

    pub fn socket_error(&mut self, socket: u32, _err_msg: &str, now_ms: f64) {
        self.rt().socket_error(socket, now_ms)
    }

    /// `realtime.setAuth(token?)`: see [`Realtime::set_auth`].
    pub fn realtime_set_auth(&mut self, token: Option<&str>) {
        self.rt().set_auth(token)
    }

    /// `realtime.connect()` (a session about to expire is refreshed before the joins).
    pub fn realtime_connect(&mut self, now_ms: f64) {
        self.realtime_fresh_token(now_ms);
        self.rt().connect_now(now_ms)
    }

    /// `realtime.disconnect(code?, reason?)`.
    pub fn realtime_disconnect(&mut self, code: Option<f64>, reason: &str, now_ms: f64) {
        self.rt().disconnect_now(code, reason, now_ms)
    }

    /// `realtime.isConnected()`.
    pub fn realtime_is_connected(&self) -> bool {
        self.realtime.as_ref().is_some_and(Realtime::is_connected)
    }

    /// `wx.onAppShow` (`true`) / `wx.onAppHide`, for realtime.
    pub fn app_visible(&mut self, shown: bool, now_ms: f64) {
        match &mut self.realtime {
            Some(rt) => rt.set_shown(shown, now_ms),
            None => self.realtime_shown = Some((shown, now_ms)),
        }
    }
}

/// [`Client::rt`]'s realtime, made on first use: cold, compiled only when a page uses realtime.
#[cold]
#[inline(never)]
fn make_realtime(
    config: &Config,
    options: &Value,
    token: Option<Option<String>>,
    shown: Option<(bool, f64)>,
) -> Realtime {
    let mut rt = Realtime::new(&config.root, &config.key, &config.headers, options);
    if let Some(token) = token {
        rt.set_token(token.as_deref().unwrap_or(&config.key));
    }
    if let Some((shown, now_ms)) = shown {
        rt.set_shown(shown, now_ms);
    }
    rt
}
