//! Refresh policy (gotrue.md §3–§4, the lessons of auth-js), as state and decisions the machine
//! ([`super::Auth`]) acts on:
//! - the session is refreshed ahead of expiry (90 s margin on use, a 30 s tick while the app is
//!   shown); exactly one refresh is in flight and every caller waits on it ([`Refresh::waiters`]);
//! - network failures and 500–504/520–530 are retried with backoff (200 ms × 2ⁿ, within 30 s);
//!   the session is kept until the access token has truly expired; 429/409 never wipe it;
//! - only definitive answers ([`is_definitive`]) remove it (`SIGNED_OUT`);
//! - expiry comes from `expires_in` and the local receipt time, so a wrong device clock does not
//!   cause refresh storms or early sign-outs;
//! - but a clock *moved back* since the token was received (a phone corrected after running
//!   ahead) is noticed: the token's own lifetime (`exp - iat`) puts its receipt at `expires_at -
//!   lifetime` on the local clock, and a local clock reading earlier than that is proof it moved
//!   ([`clock_moved_back`]); the session is then refreshed. A clock that is wrong the whole time
//!   never reads earlier than its own receipt time.

use crate::prelude::*;
use serde_json::{Map, Value};

use super::calls::AuthMethod;
use super::error::{AuthError, ErrorKind};
use super::requests::Call;
use super::session::Session;
use super::store::Basis;
use crate::encoding::float;
use crate::output::Ticket;

/// A session expiring within this margin is refreshed before it is handed out or used.
pub const EXPIRY_MARGIN_MS: f64 = 90_000.0;
/// The auto-refresh tick, and how close to expiry (in ticks) it refreshes.
pub const TICK_MS: f64 = 30_000.0;
pub const TICK_THRESHOLD: f64 = 3.0;
/// Retries of one refresh stop when the next attempt would start this long after the first.
pub const RETRY_BUDGET_MS: f64 = 30_000.0;
pub const RETRY_BASE_MS: f64 = 200.0;

/// The access token's expiry in ms.
pub fn expires_at_ms(s: &Session) -> f64 {
    s.expires_at.map_or(0.0, |e| (e as f64) * 1000.0)
}

/// Whether `s` must be refreshed before it is handed out or used.
pub fn expiring(s: &Session, now_ms: f64) -> bool {
    expires_at_ms(s) - now_ms < EXPIRY_MARGIN_MS
}

/// When `s`'s access token was received, by the local clock: its `expires_at` (set from the local
/// clock and `expires_in` at receipt) less the lifetime the token states itself (`exp - iat`, the
/// server's word), else less `expires_in`. `None` when neither is known.
pub fn received_at_ms(s: &Session) -> Option<f64> {
    let lifetime = super::jwt::lifetime(&s.access_token).or(s.expires_in).filter(|l| *l > 0)?;
    Some((s.expires_at?.saturating_sub(lifetime) as f64) * 1000.0)
}

/// Whether the local clock now reads earlier than when the token was received, by more than the
/// expiry margin: it has been moved back since, so `expires_at` (written by that clock)
/// overstates what is left by at least that much. A smaller move is within the margin.
pub fn clock_moved_back(received_ms: Option<f64>, now_ms: f64) -> bool {
    received_ms.is_some_and(|r| r - now_ms > EXPIRY_MARGIN_MS)
}

/// Answers after which a refresh token will never work again.
pub fn is_definitive(e: &AuthError) -> bool {
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

/// Whether the Auth server refused the session's access token itself: GoTrue's `bad_jwt`
/// (403 from `requireAuthentication` for a token expired by its clock or not its signature;
/// supabase/auth `internal/api/auth.go`), which a refresh can fix.
pub fn token_refused(e: &AuthError) -> bool {
    matches!(e.status, Some(401 | 403)) && e.code.as_deref() == Some("bad_jwt")
}

/// An operation waiting for a usable access token (a refresh in flight or about to start).
#[derive(Debug, Clone, PartialEq)]
pub enum Waiter {
    /// `getSession`: the session after the refresh (or the still-valid one).
    Session(u32),
    /// `refreshSession` / `setSession` with an expired token: `{ user, session }` of the refresh.
    Refreshed(u32),
    /// A call of `AuthMethod` that needs the user's bearer, made on `Basis` (the session it was
    /// made for; a sign-out's own line): never sent for a session that replaced that one.
    Call(u32, AuthMethod, Call, Basis),
    /// Another machine's request (data path, realtime join): settled through the router.
    Ticket(Ticket),
}

/// The one refresh in flight.
#[derive(Debug, Clone)]
pub struct Refresh {
    pub token: String,
    attempt: u32,
    started_ms: f64,
    /// The request in flight, if any (none while waiting to retry).
    pub req: Option<u32>,
    pub retry_at: Option<f64>,
    pub waiters: Vec<Waiter>,
    /// The session the refresh continues (see [`super::store::Store::commit`]).
    pub basis: Basis,
}

impl Refresh {
    pub fn new(token: String, now_ms: f64, basis: Basis) -> Refresh {
        Refresh { token, attempt: 0, started_ms: now_ms, req: None, retry_at: None, waiters: Vec::new(), basis }
    }

    /// The next attempt's body, sent as request `id`.
    pub fn attempt(&mut self, id: u32) -> String {
        self.attempt = self.attempt.saturating_add(1);
        self.req = Some(id);
        let mut m = Map::new();
        m.insert("refresh_token".to_owned(), Value::String(self.token.clone()));
        crate::encoding::text::json(&Value::Object(m))
    }

    /// An attempt failed with `err`: whether it is retried (then `retry_at` is set).
    pub fn retry(&mut self, err: &AuthError, now_ms: f64) -> bool {
        self.req = None;
        let retryable = err.kind() == ErrorKind::AuthRetryableFetchError;
        let delay = RETRY_BASE_MS * f64::from(1u32 << self.attempt.saturating_sub(1).min(16));
        if retryable && now_ms + delay - self.started_ms < RETRY_BUDGET_MS {
            self.retry_at = Some(now_ms + delay);
            return true;
        }
        false
    }
}

/// The auto-refresh tick: running (app shown, `autoRefreshToken`) and when it is next due.
#[derive(Debug, Clone, Default)]
pub struct Ticker {
    ticking: bool,
    next: Option<f64>,
}

impl Ticker {
    pub fn start(&mut self) {
        self.ticking = true;
    }

    pub fn stop(&mut self) {
        self.ticking = false;
        self.next = None;
    }

    pub fn due(&self) -> Option<f64> {
        if self.ticking {
            self.next
        } else {
            None
        }
    }

    /// A tick at `now_ms`: the next is due a tick later. Whether `s` should be refreshed now
    /// (at most [`TICK_THRESHOLD`] ticks left by the local clock; the machine adds its other
    /// reasons, see `Auth::stale`).
    pub fn tick(&mut self, s: Option<&Session>, now_ms: f64) -> bool {
        self.next = Some(now_ms + TICK_MS);
        s.is_some_and(|s| float::floor((expires_at_ms(s) - now_ms) / TICK_MS) <= TICK_THRESHOLD)
    }
}
