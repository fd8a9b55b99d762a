//! The refresh in flight and its waiters, for [`Auth`]: starting it (on use, at a tick, when a
//! server refused the token), its attempts and retries, what its end means for each waiter, and
//! what happens when the session it was for is replaced meanwhile.
//!
//! A refresh continues the session current when it started ([`super::store::Basis::Continues`]). When that
//! session is replaced before the reply (a sign-in, `setSession`, a sign-out, a storage read),
//! the refresh is dropped at once ([`Auth::reconcile`]): its late reply is ignored (its request
//! id is no longer the refresh's), and its waiters are decided again against the current session
//! ([`Auth::redecide`]): `getSession` gets the current session; another machine's request the
//! current token (or goes anon when signed out, as after any refresh); an auth call made for the
//! old session is not sent for the new one and fails with `AuthRefreshDiscardedError`, like
//! `refreshSession()` (auth-js' `_callRefreshToken` commit guard resolves its waiters that way).

use crate::prelude::*;

use super::calls::AuthMethod;
use super::error::AuthError;
use super::refresh::{clock_moved_back, expires_at_ms, expiring, is_definitive, Refresh, Waiter};
use super::requests::{Call, Step};
use super::session::Session;
use super::{steps, Auth};
use crate::encoding::text::cat;
use crate::output::{AuthEvent, Bearer, Emit, Grant, HttpRequest, Ids, Json, Output, Ticket};

impl Auth {
    /// Whether the session's access token must be refreshed before it is handed out or used:
    /// about to expire by the local clock, the clock moved back since it was received, or a
    /// server refused it.
    pub(super) fn stale(&self, now_ms: f64) -> bool {
        self.session().is_some_and(|s| {
            expiring(s, now_ms)
                || clock_moved_back(self.store.received_ms(), now_ms)
                || self.refused.as_deref() == Some(s.access_token.as_str())
        })
    }

    /// Whether there is a session whose token must be refreshed first (it would be refused).
    pub fn expiring(&self, now_ms: f64) -> bool {
        self.stale(now_ms)
    }

    /// What another machine's request carries: the user's access token (after a refresh when
    /// it must be, see [`Auth::expiring`]), or the anon key when signed out.
    pub fn bearer(&mut self, ids: &mut Ids, now_ms: f64) -> Bearer {
        match self.session() {
            None => Bearer::Anon,
            Some(s) if self.stale(now_ms) => {
                let token = s.refresh_token.clone();
                self.next_ticket = self.next_ticket.wrapping_add(1);
                let ticket = Ticket(self.next_ticket);
                self.wait_for_refresh(ids, token, Waiter::Ticket(ticket), now_ms);
                Bearer::Wait(ticket)
            }
            Some(s) => Bearer::Ready(s.access_token.clone()),
        }
    }

    /// A server refused `rejected`, the token another machine's request carried: its bearer for
    /// one retry. The session's token now (after a refresh when `rejected` is still it), or
    /// [`Bearer::Anon`] when signed out meanwhile or another user signed in (the caller then keeps
    /// the refusal: a request made as one user is never sent again as another).
    pub fn renew(&mut self, ids: &mut Ids, rejected: &str, now_ms: f64) -> Bearer {
        let Some(token) = self.session().map(|s| s.access_token.clone()) else { return Bearer::Anon };
        if token == rejected {
            self.refused = Some(token);
        } else if super::jwt::sub(&token) != super::jwt::sub(rejected) {
            return Bearer::Anon;
        }
        self.bearer(ids, now_ms)
    }

    /// An auth call whose token the Auth server refused: sent once more with the session's token
    /// (refreshed first when the refused one is still the session's). Signed out meanwhile, the
    /// refusal is the answer.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn retry(
        &mut self,
        ids: &mut Ids,
        op: u32,
        of: AuthMethod,
        mut call: Call,
        rejected: &str,
        err: AuthError,
        now_ms: f64,
    ) {
        call.retry = false;
        let Some((access, refresh)) = self.session().map(|s| (s.access_token.clone(), s.refresh_token.clone())) else {
            return self.fail(op, of, err);
        };
        if access == rejected {
            self.refused = Some(access.clone());
        }
        let basis = self.store.continues();
        if self.stale(now_ms) {
            self.wait_for_refresh(ids, refresh, Waiter::Call(op, of, call, basis), now_ms);
        } else {
            self.send(ids, op, of, call, Some(&access), basis);
        }
    }

    /// When [`Auth::handle_timeout`] is next due: a refresh retry or the tick.
    pub fn poll_timeout(&self) -> Option<f64> {
        let retry = self.refresh.as_ref().and_then(|r| r.retry_at);
        crate::encoding::float::earliest(retry, self.ticker.due())
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
        let due = self.ticker.tick(self.store.session(), now_ms) || self.stale(now_ms);
        if due && self.refresh.is_none() {
            if let Some(token) = self.session().map(|s| s.refresh_token.clone()) {
                self.start_refresh(ids, token, now_ms);
            }
        }
    }

    /// Join the refresh in flight (whatever token it uses), or start one with `token`.
    pub(super) fn wait_for_refresh(&mut self, ids: &mut Ids, token: String, waiter: Waiter, now_ms: f64) {
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
        self.refresh = Some(Refresh::new(token, now_ms, self.store.continues()));
        self.send_refresh(ids);
    }

    fn send_refresh(&mut self, ids: &mut Ids) {
        if self.refresh.is_none() {
            return;
        }
        let id = ids.take();
        let Some(r) = self.refresh.as_mut() else { return };
        let body = r.attempt(id);
        self.pending.push((id, super::Pending::Refresh));
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

    pub(super) fn refresh_succeeded(&mut self, ids: &mut Ids, session: Session) {
        let Some(r) = self.refresh.take() else { return };
        if self.store.commit(r.basis, Some(session), &mut self.out) {
            self.store.save(&mut self.out);
            self.store.emit(AuthEvent::TokenRefreshed, None, &mut self.out);
            self.settle(ids, r.waiters, None, 0.0);
        } else {
            // Not reached while `reconcile` drops overtaken refreshes; kept as the guard's second leg.
            self.redecide(ids, r.waiters, 0.0);
        }
    }

    pub(super) fn refresh_failed(&mut self, ids: &mut Ids, err: AuthError, now_ms: f64) {
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
            self.store.clear(r.basis, true, &mut self.out);
        } else {
            let message = cat(&["refreshing the session failed (", &err.message, "); the session is kept"]);
            self.push(Output::Log { level: "warn", message });
        }
        self.settle(ids, r.waiters, Some(err), now_ms);
    }

    /// Drop the refresh in flight if the session it continues has been replaced, and decide its
    /// waiters again. Called at the end of every entry point that may replace the session, so an
    /// overtaken refresh never outlives the call that overtook it.
    pub(super) fn reconcile(&mut self, ids: &mut Ids, now_ms: f64) {
        if self.refresh.as_ref().is_some_and(|r| !self.store.is_current(r.basis)) {
            if let Some(r) = self.refresh.take() {
                self.redecide(ids, r.waiters, now_ms);
            }
        }
    }

    /// The waiters of a refresh whose session was replaced, decided against the current one.
    fn redecide(&mut self, ids: &mut Ids, waiters: Vec<Waiter>, now_ms: f64) {
        let mut rest = Vec::new();
        for w in waiters {
            match w {
                Waiter::Refreshed(op) => self.fail(op, AuthMethod::RefreshSession, steps::discarded()),
                // A sign-out overtaken by a later sign-in: nothing of it is left to end.
                Waiter::Call(op, _, Call { step: Step::Logout { .. }, .. }, basis) if !self.store.is_current(basis) => {
                    self.finish(op, Json::raw("null".into()), None)
                }
                Waiter::Call(op, m, _, basis) if !self.store.is_current(basis) => self.fail(op, m, steps::discarded()),
                w => rest.push(w),
            }
        }
        match self.session().map(|s| s.refresh_token.clone()) {
            Some(token) if self.stale(now_ms) => {
                for w in rest {
                    self.wait_for_refresh(ids, token.clone(), w, now_ms);
                }
            }
            _ => self.settle(ids, rest, None, now_ms),
        }
    }

    /// Finish the waiters of a refresh, in order. Another machine's ticket pauses it: the router
    /// delivers [`Emit::Settled`] (its owner sends its request, taking the next id) and then
    /// calls [`Auth::resume`], so ids and outputs follow the waiters' order.
    fn settle(&mut self, ids: &mut Ids, waiters: Vec<Waiter>, err: Option<AuthError>, now_ms: f64) {
        for w in waiters {
            self.resuming.push_back((w, err.clone(), now_ms));
        }
        if !self.paused {
            self.run_waiters(ids);
        }
    }

    fn run_waiters(&mut self, ids: &mut Ids) {
        while let Some((w, err, now_ms)) = self.resuming.pop_front() {
            let foreign = matches!(w, Waiter::Ticket(_));
            self.resolve(ids, w, err.as_ref(), now_ms);
            if foreign {
                self.paused = !self.resuming.is_empty();
                return;
            }
        }
    }

    /// Continue finishing a refresh's waiters after a settled ticket was delivered.
    pub fn resume(&mut self, ids: &mut Ids) {
        self.paused = false;
        self.run_waiters(ids);
    }

    /// Finish a waiter after a refresh: `err` is `None` on success.
    fn resolve(&mut self, ids: &mut Ids, w: Waiter, err: Option<&AuthError>, now_ms: f64) {
        // After a failed refresh a session that is still valid remains usable (unless a server
        // refused its token).
        let refused = self.refused.clone();
        let usable = self.session().is_some_and(|s| {
            err.is_none() || (expires_at_ms(s) > now_ms && refused.as_deref() != Some(s.access_token.as_str()))
        });
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
            Waiter::Call(op, m, call, basis) if usable => {
                let token = token();
                // A call made for this session line is sent on it (a sign-out keeps its own number).
                let basis = if call.step.replaces() { basis } else { self.store.continues() };
                self.send(ids, op, m, call, Some(&token), basis);
            }
            Waiter::Call(op, m, _, _) => self.fail(op, m, missing()),
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
}
