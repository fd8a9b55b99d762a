//! Auth: the machine that owns the session ([`Auth`]), the methods it answers ([`calls`]),
//! the requests they send ([`requests`]), what a 2xx reply means ([`steps`]), the refresh
//! policy ([`refresh`]), the session and its persistence ([`store`]), redirects, PKCE, JWTs and
//! the error taxonomy.
//!
//! The machine is sans-IO like the rest of the core: it is called with the caller's arguments,
//! the replies and the time, and queues [`Emit`]s for the router: outputs for the caller, the
//! session's access token whenever it changes (realtime follows it), and the settlement of
//! other machines' waits for a fresh token ([`crate::output::Bearer::Wait`]). It imports no other machine.
//!
//! Every operation ends with exactly one `Done`, whatever the server or the network did; a
//! failed sign-in leaves the current session alone, and a reply for a session that has since been
//! replaced changes nothing ([`store::Basis`]). The refresh in flight and its waiters are driven
//! in `flight.rs`.

pub mod admin;
pub mod calls;
pub mod error;
mod flight;
pub mod identity;
pub mod jwt;
pub mod mfa;
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
use crate::output::{AuthEvent, Emit, HttpRequest, Ids, Json, Output, VERSION};
use calls::{Args, AuthMethod, Cx, Plan};
use error::{AuthError, ErrorKind};
use refresh::{Refresh, Ticker, Waiter};
use requests::{Call, Identity, Scope, Step};
use session::Session;
use steps::Reading;
use store::{Basis, Generation, Store};

/// A call of method `of` for operation `op`, in flight.
#[derive(Debug, Clone)]
struct Sent {
    op: u32,
    of: AuthMethod,
    call: Call,
    /// What its reply may replace (see [`store::Basis`]).
    basis: Basis,
    /// The session's access token it carries, when a refusal of it makes one refresh and one
    /// retry ([`Call::retry`]).
    retry: Option<String>,
}

/// What a pending Auth API request belongs to.
#[derive(Debug, Clone)]
enum Pending {
    Op(Sent),
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
    /// Waiters of ended refreshes still to be finished, in order, each with its refresh's error
    /// and time; `paused` at another machine's ticket until the router calls [`Auth::resume`].
    resuming: VecDeque<(Waiter, Option<AuthError>, f64)>,
    paused: bool,
    /// An access token a server refused (`bad_jwt`, `JWT expired`): not handed out again while it
    /// is the session's, whatever the local clock says.
    refused: Option<String>,
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
            resuming: VecDeque::new(),
            paused: false,
            refused: None,
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

    /// Adopt what storage holds under the key now (see `Client::restore`): a local change, which
    /// always commits; a refresh it overtook is dropped.
    pub fn restore(&mut self, ids: &mut Ids, stored: Option<&str>, now_ms: f64) {
        self.store.restore(stored, &mut self.out);
        self.reconcile(ids, now_ms);
    }

    /// `INITIAL_SESSION` for subscription `sub`, with the session storage holds now.
    pub fn initial_session(&mut self, ids: &mut Ids, sub: u32, stored: Option<&str>, now_ms: f64) {
        self.restore(ids, stored, now_ms);
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

    /// `getSession()`: [`Auth::call`] of `GetSession`, whose plan is always [`Plan::Session`],
    /// without the dispatch: a start's first `getSession()` compiles this, not every plan's
    /// arm (tests/node/wasm-lazy.test.js).
    pub fn get_session(&mut self, ids: &mut Ids, stored: Option<&str>, now_ms: f64) -> u32 {
        // Like the SDK we replace, `getSession` reads storage first.
        self.restore(ids, stored, now_ms);
        let op = ids.take();
        self.session_or_refresh(ids, op, now_ms);
        self.reconcile(ids, now_ms);
        op
    }

    /// [`Plan::Session`]: the session, refreshed first when it is stale.
    fn session_or_refresh(&mut self, ids: &mut Ids, op: u32, now_ms: f64) {
        match self.session() {
            Some(s) if self.stale(now_ms) => {
                let token = s.refresh_token.clone();
                self.wait_for_refresh(ids, token, Waiter::Session(op), now_ms);
            }
            _ => self.finish_session(op),
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
        if matches!(plan, Plan::Session | Plan::Aal) {
            // Like the SDK we replace, `getSession` reads storage first.
            self.store.restore(stored, &mut self.out);
            self.reconcile(ids, now_ms);
        }
        let op = ids.take();
        match plan {
            Plan::Fail(e) => self.fail(op, m, e),
            Plan::Done(data) => self.finish(op, data, None),
            Plan::Call(call) => self.start(ids, op, m, call, now_ms),
            Plan::CallAs(mut call, bearer) => {
                call.retry = false; // the caller's own token: not the session's to refresh
                let basis = self.store.continues();
                self.send(ids, op, m, call, Some(&bearer), basis);
            }
            Plan::Session => self.session_or_refresh(ids, op, now_ms),
            Plan::Aal => self.finish(op, mfa::session_levels(self.session()), None),
            Plan::Refresh(given) => match given.or_else(|| self.session().map(|s| s.refresh_token.clone())) {
                Some(token) => self.wait_for_refresh(ids, token, Waiter::Refreshed(op), now_ms),
                None => self.fail(op, m, steps::session_missing()),
            },
            Plan::Adopt { access, refresh } => self.adopt(ids, op, m, access, refresh, now_ms),
            Plan::SignOut(scope) if self.session().is_none() => {
                if scope != Scope::Others {
                    self.store.clear(Basis::Local, true, &mut self.out);
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
            Plan::Stash(verifier, call) => {
                if let Some(v) = verifier {
                    self.store.save_other(self.verifier_key(), crate::encoding::text::json(&v), &mut self.out);
                }
                self.start(ids, op, m, call, now_ms);
            }
            Plan::Denied { error, remove } => {
                if remove {
                    self.push(Output::StorageRemove { key: self.verifier_key() });
                }
                self.fail(op, m, error);
            }
        }
        self.reconcile(ids, now_ms);
        op
    }

    /// A valid access token is checked with `GET /user` and adopted; an expired one is refreshed
    /// with `refresh`.
    fn adopt(&mut self, ids: &mut Ids, op: u32, m: AuthMethod, access: String, refresh: String, now_ms: f64) {
        match jwt::exp(&access) {
            Some(exp) if (exp as f64) * 1000.0 > now_ms => {
                let bearer = access.clone();
                let basis = self.store.replaces();
                self.send(ids, op, m, requests::adopt(access, refresh), Some(&bearer), basis);
            }
            Some(_) => self.wait_for_refresh(ids, refresh, Waiter::Refreshed(op), now_ms),
            None => {
                self.fail(op, m, AuthError::invalid_input("setSession: access_token is not a JWT with an exp claim"))
            }
        }
    }

    /// Start a call: anon at once, with the user's bearer once it is usable. A call whose reply
    /// would start a new session line is numbered now, in the order the page asked.
    fn start(&mut self, ids: &mut Ids, op: u32, m: AuthMethod, call: Call, now_ms: f64) {
        if let Some(e) = self.config_error.clone() {
            return self.fail(op, m, e);
        }
        let basis = if call.step.replaces() { self.store.replaces() } else { self.store.continues() };
        match (call.bearer, self.session()) {
            (Identity::Anon, _) => self.send(ids, op, m, call, None, basis),
            (Identity::User, None) => self.fail(op, m, steps::session_missing()),
            (Identity::User, Some(s)) if self.stale(now_ms) => {
                let token = s.refresh_token.clone();
                self.wait_for_refresh(ids, token, Waiter::Call(op, m, call, basis), now_ms);
            }
            (Identity::User, Some(s)) => {
                let token = s.access_token.clone();
                self.send(ids, op, m, call, Some(&token), basis);
            }
        }
    }

    // ---- replies ------------------------------------------------------------------------------

    /// Whether request `id` is one of this machine's, in flight.
    pub fn owns(&self, id: u32) -> bool {
        self.pending.iter().any(|(req, _)| *req == id)
    }

    /// A reply to request `id` with an HTTP status (any status); `headers` as JSON (`{}` if unknown).
    pub fn handle_response(&mut self, ids: &mut Ids, id: u32, status: u16, body: &str, headers: &str, now_ms: f64) {
        let Some(pending) = self.take_pending(id) else { return };
        let ok = (200..300).contains(&status);
        match pending {
            Pending::Refresh if ok => match Session::from_token_response(body, now_ms).filter(|s| s.user.is_some()) {
                Some(session) => self.refresh_succeeded(ids, session),
                None => self.refresh_failed(ids, steps::invalid_token_response(), now_ms),
            },
            Pending::Refresh => self.refresh_failed(ids, error::from_http(status, body), now_ms),
            Pending::Op(sent) if ok => self.succeeded(ids, sent, body, headers, now_ms),
            Pending::Op(sent) => self.failed(ids, sent, error::from_http(status, body), now_ms),
        }
        self.reconcile(ids, now_ms);
    }

    /// Request `id` got no HTTP status: `err` is the transport error.
    pub fn handle_transport_error(&mut self, ids: &mut Ids, id: u32, err: AuthError, now_ms: f64) {
        match self.take_pending(id) {
            Some(Pending::Refresh) => self.refresh_failed(ids, err, now_ms),
            Some(Pending::Op(sent)) => self.failed(ids, sent, err, now_ms),
            None => {}
        }
        self.reconcile(ids, now_ms);
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
    fn succeeded(&mut self, ids: &mut Ids, sent: Sent, body: &str, headers: &str, now_ms: f64) {
        let Sent { op, of, call, basis, .. } = sent;
        if let Step::Admin(read) = &call.step {
            return match admin::read(read, body, headers) {
                admin::Next::Data(data) => self.finish(op, data, None),
                admin::Next::Send(next) => self.send(ids, op, of, next, None, basis),
                admin::Next::Fail(e) => self.fail(op, of, e),
            };
        }
        if matches!(call.step, Step::PkceExchange) {
            self.push(Output::StorageRemove { key: self.verifier_key() });
        }
        match steps::read(call.step, body, now_ms) {
            Reading::Session(session, event) => self.commit(op, of, basis, session, event),
            // An overtaken user update resolves with the user the server returned, and leaves the
            // session that replaced it alone (no event, no write).
            Reading::User(user, save) => {
                let data = cat(&["{\"user\":", &steps::user_text(&user), "}"]);
                if save && self.store.update_user(basis, user, &mut self.out) {
                    self.store.save(&mut self.out);
                    self.store.emit(AuthEvent::UserUpdated, None, &mut self.out);
                }
                self.finish(op, Json::raw(data), None);
            }
            Reading::Data(data) => self.finish(op, data, None),
            Reading::LoggedOut(scope) => {
                if scope != Scope::Others {
                    self.store.clear(basis, true, &mut self.out);
                }
                self.finish(op, Json::raw("null".into()), None);
            }
            Reading::Fail(e) => self.fail(op, of, e),
            Reading::Then(call) => self.start(ids, op, of, call, now_ms),
        }
    }

    /// A failed request of operation `op`. The session's token refused (`bad_jwt`, whatever the
    /// local clock says): one refresh, then the same call once more with the new token.
    fn failed(&mut self, ids: &mut Ids, sent: Sent, err: AuthError, now_ms: f64) {
        let Sent { op, of, call, basis, retry } = sent;
        if let Some(token) = retry.filter(|_| refresh::token_refused(&err)) {
            // Made for a session that has since been replaced: not sent again for the new one.
            if !self.store.is_current(basis) {
                return self.fail(op, of, steps::discarded());
            }
            return self.retry(ids, op, of, call, &token, err, now_ms);
        }
        match call.step {
            // The user asked to sign out: done locally whatever the server says.
            Step::Logout { scope } => {
                if scope != Scope::Others {
                    self.store.clear(basis, true, &mut self.out);
                }
                let ignored =
                    matches!(err.status, Some(401 | 403 | 404)) || err.kind() == ErrorKind::AuthSessionMissingError;
                self.finish(op, Json::raw("null".into()), (!ignored).then_some(err));
            }
            step => {
                if err.kind() == ErrorKind::AuthSessionMissingError && matches!(step, Step::User { .. }) {
                    // The server no longer knows this session (signed out elsewhere).
                    self.store.clear(basis, true, &mut self.out);
                }
                self.fail(op, of, err);
            }
        }
    }

    /// A new session from a reply requested on `basis`: saved, made current, announced, returned
    /// as `{ user, session }`. Overtaken (a later sign-in or a sign-out came first), it changes
    /// nothing and the call resolves with `AuthRefreshDiscardedError`.
    fn commit(&mut self, op: u32, of: AuthMethod, basis: Basis, session: Session, event: AuthEvent) {
        let user = session.user.as_ref().map(steps::user_text).unwrap_or_else(|| "null".into());
        if !self.store.commit(basis, Some(session), &mut self.out) {
            return self.fail(op, of, steps::discarded());
        }
        self.store.save(&mut self.out);
        self.store.emit(event, None, &mut self.out);
        let data = match event {
            // auth-js' `mfa.verify` resolves with the token response itself.
            AuthEvent::MfaChallengeVerified => self.store.json().to_owned(),
            _ => cat(&["{\"user\":", &user, ",\"session\":", self.store.json(), "}"]),
        };
        self.finish(op, Json::raw(data), None);
    }

    // ---- output -------------------------------------------------------------------------------

    fn send(&mut self, ids: &mut Ids, op: u32, of: AuthMethod, call: Call, bearer: Option<&str>, basis: Basis) {
        let id = ids.take();
        // Written by `encoding::json` so that deep parts of the caller's data go out as they came.
        let body = call.body.as_ref().map(crate::encoding::json::to_text);
        let headers = self.headers_with(bearer, body.is_some());
        let url = cat(&[&self.auth_url, &call.path]);
        let method = call.method;
        let session_token = self.session().map(|s| s.access_token.as_str());
        let retry = bearer.filter(|b| call.retry && session_token == Some(*b)).map(str::to_owned);
        self.pending.push((id, Pending::Op(Sent { op, of, call, basis, retry })));
        let timeout = self.request_timeout;
        self.push(Output::Http(HttpRequest { id, method, url, headers, body, timeout }));
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
