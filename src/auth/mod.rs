//! Auth: the machine that owns the session ([`Auth`]), the methods it answers ([`calls`]),
//! the requests they send ([`requests`]), what a 2xx reply means ([`steps`]), the refresh
//! policy ([`refresh`]), the session and its persistence ([`store`]), redirects, PKCE, JWTs and
//! the error taxonomy.
//!
//! The machine is sans-IO like the rest of the core: it is called with the caller's arguments,
//! the replies and the time, and queues [`Emit`]s for the router: outputs for the caller, the
//! session's access token whenever it changes (realtime follows it), and the settlement of
//! other machines' waits for a fresh token ([`Bearer::Wait`]). It imports no other machine.
//!
//! Every operation ends with exactly one `Done`, whatever the server or the network did; a
//! failed sign-in leaves the current session alone.

pub mod calls;
pub mod error;
pub mod jwt;
pub mod pkce;
pub mod redirect;
pub mod refresh;
pub mod requests;
pub mod session;
pub mod steps;
pub mod store;

use crate::prelude::*;
use alloc::collections::VecDeque;

use crate::config::Config;
use crate::encoding::headers::Headers;
use crate::encoding::text::cat;
use crate::output::{AuthEvent, Bearer, Emit, Grant, HttpRequest, Ids, Json, Output, Ticket, VERSION};
use calls::{Args, AuthMethod, Cx, Plan};
use error::{AuthError, ErrorKind};
use refresh::{expires_at_ms, expiring, is_definitive, Refresh, Ticker, Waiter};
use requests::{Call, Identity, Scope, Step};
use session::Session;
use steps::Reading;
use store::{Generation, Store};

/// What a pending Auth API request belongs to.
#[derive(Debug, Clone)]
enum Pending {
    /// A call of method `.1` for operation `.0`, sent under session generation `.3`.
    Op(u32, AuthMethod, Step, Generation),
    Refresh,
}

/// The auth machine: session, persistence, events, pending Auth API requests, the refresh.
pub struct Auth {
    auth_url: String,
    key: String,
    headers: Vec<(String, String)>,
    request_timeout: u32,
    pkce: bool,
    auto_refresh: bool,
    /// `createClient` got an unusable URL or key: every operation then fails with it.
    config_error: Option<AuthError>,
    store: Store,
    pending: Vec<(u32, Pending)>,
    refresh: Option<Refresh>,
    ticker: Ticker,
    next_ticket: u32,
    /// The rest of a refresh's waiters, paused at another machine's ticket (see [`Auth::resume`]).
    resuming: Option<(Vec<Waiter>, Option<AuthError>, f64)>,
    out: VecDeque<Emit>,
}

impl Auth {
    pub fn new(config: &Config) -> Auth {
        Auth {
            auth_url: config.auth_url(),
            key: config.key.clone(),
            headers: config.headers.clone(),
            request_timeout: config.request_timeout,
            pkce: config.pkce,
            auto_refresh: config.auto_refresh,
            config_error: config.error.clone(),
            store: Store::new(config),
            pending: Vec::new(),
            refresh: None,
            ticker: Ticker::default(),
            next_ticket: 0,
            resuming: None,
            out: VecDeque::new(),
        }
    }

    /// Next emit for the router.
    pub fn poll(&mut self) -> Option<Emit> {
        self.out.pop_front()
    }

    /// The current session as the JSON text `getSession` resolves with (`null` when signed out).
    pub fn session_json(&self) -> &str {
        self.store.json()
    }

    pub fn session(&self) -> Option<&Session> {
        self.store.session()
    }

    pub fn generation(&self) -> Generation {
        self.store.generation()
    }

    pub fn storage_key(&self) -> &str {
        self.store.key()
    }

    /// Where the PKCE verifier of `signInWithOAuth` is kept.
    pub fn verifier_key(&self) -> String {
        cat(&[self.store.key(), "-code-verifier"])
    }

    pub fn persists(&self) -> bool {
        self.store.persists()
    }

    /// Adopt what storage holds under the key now (see `Client::restore`).
    pub fn restore(&mut self, stored: Option<&str>) {
        self.store.restore(stored, &mut self.out);
    }

    /// `INITIAL_SESSION` for subscription `sub`, with the session storage holds now.
    pub fn initial_session(&mut self, sub: u32, stored: Option<&str>) {
        self.restore(stored);
        self.store.emit(AuthEvent::InitialSession, Some(sub), &mut self.out);
    }

    /// An auth method by name (see `Client::invoke`); unknown names fail with a clear error.
    pub fn invoke(
        &mut self,
        ids: &mut Ids,
        name: &str,
        args: &Args,
        stored: Option<&str>,
        random: &[u8],
        now_ms: f64,
    ) -> u32 {
        match AuthMethod::parse(name) {
            Some(m) => self.call(ids, m, args, stored, random, now_ms),
            None => {
                let op = ids.take();
                self.finish(op, Json::raw("null".into()), Some(calls::unknown(name)));
                op
            }
        }
    }

    /// Method `m` with its arguments: its handler's plan, carried out.
    pub fn call(
        &mut self,
        ids: &mut Ids,
        m: AuthMethod,
        args: &Args,
        stored: Option<&str>,
        random: &[u8],
        now_ms: f64,
    ) -> u32 {
        let cx = Cx {
            now_ms,
            stored,
            random,
            pkce: self.pkce,
            auth_url: &self.auth_url,
            config_error: self.config_error.as_ref(),
        };
        let plan = m.plan(args, &cx);
        if matches!(plan, Plan::Session) {
            // Like the SDK we replace, `getSession` reads storage first.
            self.restore(stored);
        }
        let op = ids.take();
        match plan {
            Plan::Fail(e) => self.fail(op, m, e),
            Plan::Done(data) => self.finish(op, data, None),
            Plan::Call(call) => self.start(ids, op, m, call, now_ms),
            Plan::CallAs(call, bearer) => self.send(ids, op, m, call, Some(&bearer)),
            Plan::Session => match self.session() {
                Some(s) if expiring(s, now_ms) => {
                    let token = s.refresh_token.clone();
                    self.wait_for_refresh(ids, token, Waiter::Session(op), now_ms);
                }
                _ => self.finish_session(op),
            },
            Plan::Refresh(given) => match given.or_else(|| self.session().map(|s| s.refresh_token.clone())) {
                Some(token) => self.wait_for_refresh(ids, token, Waiter::Refreshed(op), now_ms),
                None => self.fail(op, m, steps::session_missing()),
            },
            Plan::Adopt { access, refresh } => self.adopt(ids, op, m, access, refresh, now_ms),
            Plan::SignOut(scope) if self.session().is_none() => {
                if scope != Scope::Others {
                    self.store.clear(true, &mut self.out);
                }
                self.finish(op, Json::raw("null".into()), None);
            }
            Plan::SignOut(scope) => self.start(ids, op, m, requests::logout(scope), now_ms),
            Plan::OAuth { provider, url, verifier } => {
                if let Some(v) = verifier {
                    let value = crate::encoding::text::json(&v);
                    self.store.save_other(self.verifier_key(), value, &mut self.out);
                }
                self.finish(op, calls::oauth_data(&provider, &url), None);
            }
            Plan::Denied { error, remove } => {
                if remove {
                    self.push(Output::StorageRemove { key: self.verifier_key() });
                }
                self.fail(op, m, error);
            }
        }
        op
    }

    /// A valid access token is checked with `GET /user` and adopted; an expired one is refreshed
    /// with `refresh`.
    fn adopt(&mut self, ids: &mut Ids, op: u32, m: AuthMethod, access: String, refresh: String, now_ms: f64) {
        match jwt::exp(&access) {
            Some(exp) if (exp as f64) * 1000.0 > now_ms => {
                let bearer = access.clone();
                self.send(ids, op, m, requests::adopt(access, refresh), Some(&bearer));
            }
            Some(_) => self.wait_for_refresh(ids, refresh, Waiter::Refreshed(op), now_ms),
            None => {
                self.fail(op, m, AuthError::invalid_input("setSession: access_token is not a JWT with an exp claim"))
            }
        }
    }

    /// Start a call: anon at once, with the user's bearer once it is usable.
    fn start(&mut self, ids: &mut Ids, op: u32, m: AuthMethod, call: Call, now_ms: f64) {
        if let Some(e) = self.config_error.clone() {
            return self.fail(op, m, e);
        }
        match (call.bearer, self.session()) {
            (Identity::Anon, _) => self.send(ids, op, m, call, None),
            (Identity::User, None) => self.fail(op, m, steps::session_missing()),
            (Identity::User, Some(s)) if expiring(s, now_ms) => {
                let token = s.refresh_token.clone();
                self.wait_for_refresh(ids, token, Waiter::Call(op, m, call), now_ms);
            }
            (Identity::User, Some(s)) => {
                let token = s.access_token.clone();
                self.send(ids, op, m, call, Some(&token));
            }
        }
    }

    /// What another machine's request carries: the user's access token (after a refresh when
    /// it is about to expire), or the anon key when signed out.
    pub fn bearer(&mut self, ids: &mut Ids, now_ms: f64) -> Bearer {
        match self.session() {
            None => Bearer::Anon,
            Some(s) if expiring(s, now_ms) => {
                let token = s.refresh_token.clone();
                self.next_ticket = self.next_ticket.wrapping_add(1);
                let ticket = Ticket(self.next_ticket);
                self.wait_for_refresh(ids, token, Waiter::Ticket(ticket), now_ms);
                Bearer::Wait(ticket)
            }
            Some(s) => Bearer::Ready(s.access_token.clone()),
        }
    }

    /// Whether there is a session about to expire (its token would be refused).
    pub fn expiring(&self, now_ms: f64) -> bool {
        self.session().is_some_and(|s| expiring(s, now_ms))
    }

    // ---- replies ------------------------------------------------------------------------------

    /// Whether request `id` is one of this machine's, in flight.
    pub fn owns(&self, id: u32) -> bool {
        self.pending.iter().any(|(req, _)| *req == id)
    }

    /// A reply to request `id` with an HTTP status (any status).
    pub fn handle_response(&mut self, ids: &mut Ids, id: u32, status: u16, body: &str, now_ms: f64) {
        let Some(pending) = self.take_pending(id) else { return };
        let ok = (200..300).contains(&status);
        match pending {
            Pending::Refresh if ok => match Session::from_token_response(body, now_ms).filter(|s| s.user.is_some()) {
                Some(session) => self.refresh_succeeded(ids, session),
                None => self.refresh_failed(ids, steps::invalid_token_response(), now_ms),
            },
            Pending::Refresh => self.refresh_failed(ids, error::from_http(status, body), now_ms),
            Pending::Op(op, of, step, generation) if ok => self.succeeded(op, of, step, generation, body, now_ms),
            Pending::Op(op, of, step, _) => self.failed(op, of, step, error::from_http(status, body)),
        }
    }

    /// Request `id` got no HTTP status: `err` is the transport error.
    pub fn handle_transport_error(&mut self, ids: &mut Ids, id: u32, err: AuthError, now_ms: f64) {
        match self.take_pending(id) {
            Some(Pending::Refresh) => self.refresh_failed(ids, err, now_ms),
            Some(Pending::Op(op, of, step, _)) => self.failed(op, of, step, err),
            None => {}
        }
    }

    /// The result of the oldest storage write (see `Client::handle_storage_result`).
    pub fn handle_storage_result(&mut self, error: Option<&str>) {
        self.store.saved(error, &mut self.out);
    }

    fn take_pending(&mut self, id: u32) -> Option<Pending> {
        let idx = self.pending.iter().position(|(req, _)| *req == id)?;
        let (_, p) = self.pending.swap_remove(idx);
        if matches!(p, Pending::Refresh) && self.refresh.as_ref().and_then(|r| r.req) != Some(id) {
            return None; // a reply for a refresh that has been given up
        }
        Some(p)
    }

    /// A 2xx reply to operation `op`.
    fn succeeded(&mut self, op: u32, of: AuthMethod, step: Step, generation: Generation, body: &str, now_ms: f64) {
        if matches!(step, Step::PkceExchange) {
            self.push(Output::StorageRemove { key: self.verifier_key() });
        }
        match steps::read(step, body, now_ms) {
            Reading::Session(session, event) => self.commit(op, generation, session, event),
            Reading::User(user, save) => {
                let data = cat(&["{\"user\":", &steps::user_text(&user), "}"]);
                if save && self.store.update_user(generation, user, &mut self.out) {
                    self.store.save(&mut self.out);
                    self.store.emit(AuthEvent::UserUpdated, None, &mut self.out);
                }
                self.finish(op, Json::raw(data), None);
            }
            Reading::Data(data) => self.finish(op, data, None),
            Reading::LoggedOut(scope) => {
                if scope != Scope::Others {
                    self.store.clear(true, &mut self.out);
                }
                self.finish(op, Json::raw("null".into()), None);
            }
            Reading::Fail(e) => self.fail(op, of, e),
        }
    }

    /// A failed request of operation `op`.
    fn failed(&mut self, op: u32, of: AuthMethod, step: Step, err: AuthError) {
        match step {
            // The user asked to sign out: done locally whatever the server says.
            Step::Logout { scope } => {
                if scope != Scope::Others {
                    self.store.clear(true, &mut self.out);
                }
                let ignored =
                    matches!(err.status, Some(401 | 403 | 404)) || err.kind() == ErrorKind::AuthSessionMissingError;
                self.finish(op, Json::raw("null".into()), (!ignored).then_some(err));
            }
            step => {
                if err.kind() == ErrorKind::AuthSessionMissingError && matches!(step, Step::User { .. }) {
                    // The server no longer knows this session (signed out elsewhere).
                    self.store.clear(true, &mut self.out);
                }
                self.fail(op, of, err);
            }
        }
    }

    /// A new session from a reply requested under `generation`: saved, made current, announced,
    /// returned as `{ user, session }`.
    fn commit(&mut self, op: u32, generation: Generation, session: Session, event: AuthEvent) {
        let user = session.user.as_ref().map(steps::user_text).unwrap_or_else(|| "null".into());
        self.store.commit(generation, Some(session), &mut self.out);
        self.store.save(&mut self.out);
        self.store.emit(event, None, &mut self.out);
        let data = cat(&["{\"user\":", &user, ",\"session\":", self.store.json(), "}"]);
        self.finish(op, Json::raw(data), None);
    }

    // ---- refresh ------------------------------------------------------------------------------

    /// When [`Auth::handle_timeout`] is next due: a refresh retry or the tick.
    pub fn poll_timeout(&self) -> Option<f64> {
        let retry = self.refresh.as_ref().and_then(|r| r.retry_at);
        [retry, self.ticker.due()].into_iter().flatten().reduce(f64::min)
    }

    pub fn handle_timeout(&mut self, ids: &mut Ids, now_ms: f64) {
        if let Some(r) = self.refresh.as_mut() {
            if r.retry_at.is_some_and(|t| t <= now_ms) {
                r.retry_at = None;
                self.send_refresh(ids);
            }
        }
        if self.ticker.due().is_some_and(|t| t <= now_ms) {
            self.tick(ids, now_ms);
        }
    }

    /// The app came to the foreground, or `startAutoRefresh()`: tick now and every 30 s.
    /// Ignored with `autoRefreshToken: false` unless `explicit`.
    pub fn start_auto_refresh(&mut self, ids: &mut Ids, explicit: bool, now_ms: f64) {
        if self.auto_refresh || explicit {
            self.ticker.start();
            self.tick(ids, now_ms);
        }
    }

    pub fn stop_auto_refresh(&mut self) {
        self.ticker.stop();
    }

    fn tick(&mut self, ids: &mut Ids, now_ms: f64) {
        let due = self.ticker.tick(self.store.session(), now_ms);
        if due && self.refresh.is_none() {
            if let Some(token) = self.session().map(|s| s.refresh_token.clone()) {
                self.start_refresh(ids, token, now_ms);
            }
        }
    }

    /// Join the refresh in flight (whatever token it uses), or start one with `token`.
    fn wait_for_refresh(&mut self, ids: &mut Ids, token: String, waiter: Waiter, now_ms: f64) {
        if self.refresh.is_none() {
            self.start_refresh(ids, token, now_ms);
        }
        match self.refresh.as_mut() {
            Some(r) => r.waiters.push(waiter),
            None => self.resolve(ids, waiter, None, now_ms),
        }
    }

    fn start_refresh(&mut self, ids: &mut Ids, token: String, now_ms: f64) {
        if let Some(e) = &self.config_error {
            let message = cat(&["cannot refresh the session: ", &e.message]);
            self.push(Output::Log { level: "warn", message });
            return;
        }
        self.refresh = Some(Refresh::new(token, now_ms, self.store.generation()));
        self.send_refresh(ids);
    }

    fn send_refresh(&mut self, ids: &mut Ids) {
        if self.refresh.is_none() {
            return;
        }
        let id = ids.take();
        let Some(r) = self.refresh.as_mut() else { return };
        let body = r.attempt(id);
        self.pending.push((id, Pending::Refresh));
        let url = cat(&[&self.auth_url, "/token?grant_type=refresh_token"]);
        let headers = self.headers_with(None, true);
        self.push(Output::Http(HttpRequest {
            id,
            method: "POST",
            url,
            headers,
            body: Some(body),
            timeout: self.request_timeout,
        }));
    }

    fn refresh_succeeded(&mut self, ids: &mut Ids, session: Session) {
        let Some(r) = self.refresh.take() else { return };
        self.store.commit(r.generation, Some(session), &mut self.out);
        self.store.save(&mut self.out);
        self.store.emit(AuthEvent::TokenRefreshed, None, &mut self.out);
        self.settle(ids, r.waiters, None, 0.0);
    }

    fn refresh_failed(&mut self, ids: &mut Ids, err: AuthError, now_ms: f64) {
        let Some(r) = self.refresh.as_mut() else { return };
        if r.retry(&err, now_ms) {
            return;
        }
        let Some(r) = self.refresh.take() else { return };
        if is_definitive(&err) && self.session().is_some_and(|s| s.refresh_token == r.token) {
            let code = err.code.as_deref().unwrap_or("");
            self.push(Output::Log {
                level: "warn",
                message: cat(&["the session has ended (", code, "); signing out"]),
            });
            self.store.clear(true, &mut self.out);
        } else {
            let message = cat(&["refreshing the session failed (", &err.message, "); the session is kept"]);
            self.push(Output::Log { level: "warn", message });
        }
        self.settle(ids, r.waiters, Some(err), now_ms);
    }

    /// Finish the waiters of a refresh, in order. Another machine's ticket pauses it: the router
    /// delivers [`Emit::Settled`] (its owner sends its request, taking the next id) and then
    /// calls [`Auth::resume`], so ids and outputs follow the waiters' order.
    fn settle(&mut self, ids: &mut Ids, waiters: Vec<Waiter>, err: Option<AuthError>, now_ms: f64) {
        let mut rest = waiters.into_iter();
        while let Some(w) = rest.next() {
            let foreign = matches!(w, Waiter::Ticket(_));
            self.resolve(ids, w, err.as_ref(), now_ms);
            if foreign {
                let rest: Vec<Waiter> = rest.collect();
                if !rest.is_empty() {
                    self.resuming = Some((rest, err, now_ms));
                }
                return;
            }
        }
    }

    /// Continue finishing a refresh's waiters after a settled ticket was delivered.
    pub fn resume(&mut self, ids: &mut Ids) {
        if let Some((waiters, err, now_ms)) = self.resuming.take() {
            self.settle(ids, waiters, err, now_ms);
        }
    }

    /// Finish a waiter after a refresh: `err` is `None` on success.
    fn resolve(&mut self, ids: &mut Ids, w: Waiter, err: Option<&AuthError>, now_ms: f64) {
        // After a failed refresh a session that is still valid remains usable.
        let usable = self.session().is_some_and(|s| err.is_none() || expires_at_ms(s) > now_ms);
        let token = || self.session().map(|s| s.access_token.clone()).unwrap_or_default();
        let missing = || err.cloned().unwrap_or_else(steps::session_missing);
        match w {
            Waiter::Session(op) if usable => self.finish_session(op),
            Waiter::Session(op) => self.finish(op, Json::raw(r#"{"session":null}"#.into()), err.cloned()),
            Waiter::Refreshed(op) if usable && err.is_none() => {
                let user = self.session().and_then(|s| s.user.as_ref()).map_or_else(|| "null".into(), steps::user_text);
                let data = cat(&["{\"user\":", &user, ",\"session\":", self.store.json(), "}"]);
                self.finish(op, Json::raw(data), None);
            }
            Waiter::Refreshed(op) => self.fail(op, AuthMethod::RefreshSession, missing()),
            Waiter::Call(op, m, call) if usable => {
                let token = token();
                self.send(ids, op, m, call, Some(&token));
            }
            Waiter::Call(op, m, _) => self.fail(op, m, missing()),
            Waiter::Ticket(t) => {
                let grant = match self.session() {
                    Some(_) if usable => Grant::Token(token()),
                    // Signed out meanwhile (the refresh token was refused): anon is what the user is.
                    None => Grant::Anon,
                    // The session is kept but its access token has expired and could not be refreshed.
                    Some(_) => Grant::Stale {
                        token: token(),
                        why: err.map_or_else(|| "no usable access token".to_owned(), |e| e.message.clone()),
                    },
                };
                self.out.push_back(Emit::Settled(t, grant));
            }
        }
    }

    // ---- output -------------------------------------------------------------------------------

    fn send(&mut self, ids: &mut Ids, op: u32, of: AuthMethod, call: Call, bearer: Option<&str>) {
        let id = ids.take();
        // Written by `encoding::json` so that deep parts of the caller's data go out as they came.
        let body = call.body.as_ref().map(crate::encoding::json::to_text);
        let headers = self.headers_with(bearer, body.is_some());
        let url = cat(&[&self.auth_url, &call.path]);
        let generation = self.store.generation();
        self.pending.push((id, Pending::Op(op, of, call.step, generation)));
        let timeout = self.request_timeout;
        self.push(Output::Http(HttpRequest { id, method: call.method, url, headers, body, timeout }));
    }

    /// Headers for the Auth API: `apikey`, the bearer (the user's token, else the anon key), the
    /// API version that makes GoTrue answer with string error codes, then the user's
    /// `global.headers` (which win, except a global `Authorization` over the user's own token).
    fn headers_with(&self, bearer: Option<&str>, has_body: bool) -> serde_json::Map<String, serde_json::Value> {
        let mut h = Headers::new();
        h.set("apikey", self.key.clone());
        h.set("Authorization", cat(&["Bearer ", bearer.unwrap_or(&self.key)]));
        h.set("X-Client-Info", cat(&["supabase-wechat/", VERSION]));
        h.set("X-Supabase-Api-Version", "2024-01-01".into());
        if has_body {
            h.set("Content-Type", "application/json;charset=UTF-8".into());
        }
        if bearer.is_some() {
            h.layer_except(&self.headers, "authorization");
        } else {
            h.layer(&self.headers);
        }
        h.into_map()
    }

    fn push(&mut self, o: Output) {
        self.out.push_back(Emit::Out(o));
    }

    fn finish(&mut self, op: u32, data: Json, error: Option<AuthError>) {
        self.push(Output::Done { op, data, error });
    }

    /// Resolve `op` with method `m`'s empty `data` and `err`.
    fn fail(&mut self, op: u32, m: AuthMethod, err: AuthError) {
        self.finish(op, Json::raw(m.empty_data().to_owned()), Some(err));
    }

    /// `getSession` resolves with the current session, which the shim holds as text per
    /// generation (see [`Output::Session`]).
    fn finish_session(&mut self, op: u32) {
        let generation = self.store.generation().0;
        self.push(Output::Session { op, generation });
    }
}
