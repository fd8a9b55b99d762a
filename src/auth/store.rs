//! The session and its persistence: what is current, what wx storage holds, the writes awaiting
//! their result, and the guard against replies that were overtaken.
//!
//! Every replacement of the session goes through [`Store::commit`], which bumps the
//! [`Generation`] (what the shim keys `getSession`'s text on). A request whose reply would replace
//! the session or its user records a [`Basis`] when it is made, and `commit` refuses the reply
//! unless that basis is still current: the session's *line* (a sign-in, `setSession`, a storage
//! read or a sign-out, and the refreshes and user updates that continue it) is the one the
//! request continues, or, for a reply that starts a new line, no line asked for after it has
//! started meanwhile. A refused reply changes nothing: no session, no event, no storage write.
//! Local changes (a storage read, `signOut` without a session) always commit.

use crate::prelude::*;
use alloc::collections::VecDeque;

use super::session::{Session, User};
use crate::config::{BaseUrl, Config};
use crate::encoding::text::cat;
use crate::output::{AuthEvent, Emit, Json, Output};

/// Stored values larger than this are not a session (wx storage allows 1 MB per key).
pub const MAX_STORED_BYTES: usize = 1024 * 1024;

/// Bumped on every replacement of the session (the shim fetches the session's text again only
/// when it changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Generation(pub u32);

/// A line of sessions, numbered in the order the actions that start one were asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Line(u64);

/// What a reply that would replace the session (or its user) was requested for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// It continues the session current when it was requested (a refresh, a user update, a
    /// "session gone" answer): current while that line is.
    Continues(Line),
    /// It starts a new line (a sign-in, `setSession`, a sign-out), numbered when requested:
    /// current unless a line asked for after it has started meanwhile (the page's later call
    /// wins, whichever reply comes first).
    Replaces(Line),
    /// A local change (a storage read, `signOut` without a session): always current.
    Local,
}

pub struct Store {
    persist: bool,
    key: String,
    /// The project's host: a stored session issued by another project's Auth is not adopted.
    host: String,
    session: Option<Session>,
    /// `session` as JSON text (its stored form), what `getSession` and events hand out.
    json: Option<String>,
    /// What wx storage held under the key when last read or successfully written.
    stored_raw: Option<String>,
    /// Writes awaiting `handle_storage_result`, oldest first: the session value written, or
    /// `None` for another key (the PKCE verifier).
    saving: VecDeque<Option<String>>,
    generation: Generation,
    /// The current session's line, and the last line number handed out.
    line: Line,
    drawn: Line,
    /// When the current access token was received, by the local clock (see
    /// [`super::refresh::received_at_ms`]).
    received_ms: Option<f64>,
}

impl Store {
    pub fn new(config: &Config) -> Store {
        Store {
            persist: config.persist,
            key: config.storage_key.clone(),
            host: config.host.clone(),
            session: None,
            json: None,
            stored_raw: None,
            saving: VecDeque::new(),
            generation: Generation::default(),
            line: Line::default(),
            drawn: Line::default(),
            received_ms: None,
        }
    }

    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// The session's JSON text, `null` when signed out.
    pub fn json(&self) -> &str {
        self.json.as_deref().unwrap_or("null")
    }

    pub fn generation(&self) -> Generation {
        self.generation
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn persists(&self) -> bool {
        self.persist
    }

    /// When the current access token was received, by the local clock, if known.
    pub fn received_ms(&self) -> Option<f64> {
        self.received_ms
    }

    /// The basis of a request that continues the current session.
    pub fn continues(&self) -> Basis {
        Basis::Continues(self.line)
    }

    /// The basis of a request that would start a new line (numbered now).
    pub fn replaces(&mut self) -> Basis {
        Basis::Replaces(self.draw())
    }

    fn draw(&mut self) -> Line {
        self.drawn = Line(self.drawn.0.saturating_add(1));
        self.drawn
    }

    /// Whether a reply requested on `basis` may still replace the session.
    pub fn is_current(&self, basis: Basis) -> bool {
        match basis {
            Basis::Continues(line) => line == self.line,
            Basis::Replaces(line) => line > self.line,
            Basis::Local => true,
        }
    }

    /// The one place the session is replaced (`None`: signed out), by a reply requested on
    /// `basis` or a local change ([`Basis::Local`]). Returns `false`, and changes nothing, when
    /// the reply was overtaken ([`Store::is_current`]). Realtime follows: the new access token (or
    /// none) is announced. The caller saves and announces only what was committed.
    pub fn commit(&mut self, basis: Basis, session: Option<Session>, out: &mut VecDeque<Emit>) -> bool {
        if !self.is_current(basis) {
            return false;
        }
        self.line = match basis {
            Basis::Continues(line) | Basis::Replaces(line) => line,
            Basis::Local => self.draw(),
        };
        self.generation = Generation(self.generation.0.wrapping_add(1));
        self.json = session.as_ref().map(Session::to_stored);
        self.received_ms = session.as_ref().and_then(super::refresh::received_at_ms);
        out.push_back(Emit::Session(session.as_ref().map(|s| s.access_token.clone())));
        self.session = session;
        true
    }

    /// The session's user replaced (a reply requested on `basis`), through [`Store::commit`];
    /// `false` when there is no session or the reply was overtaken.
    pub fn update_user(&mut self, basis: Basis, user: User, out: &mut VecDeque<Emit>) -> bool {
        if !self.is_current(basis) {
            return false;
        }
        let Some(mut s) = self.session.take() else { return false };
        s.user = Some(user);
        self.commit(basis, Some(s), out)
    }

    /// Adopt what storage holds under the key now (see `Client::restore`). Anything unusable
    /// (corrupt, oversized, another format, another project) is removed so it cannot break
    /// later calls. Ignored with `persistSession: false`.
    pub fn restore(&mut self, stored: Option<&str>, out: &mut VecDeque<Emit>) {
        if !self.persist {
            return;
        }
        let raw = stored.filter(|s| !s.is_empty());
        if raw == self.stored_raw.as_deref() {
            return;
        }
        let session = raw.filter(|r| r.len() <= MAX_STORED_BYTES).and_then(Session::from_stored);
        let session = session.filter(|s| !self.is_foreign(s));
        // The session in memory, as an async store reads it back before acknowledging the write
        // (or another client sharing the key rewrote it with the same tokens): not a new line.
        let same_tokens =
            |a: &Session, b: &Session| a.access_token == b.access_token && a.refresh_token == b.refresh_token;
        let basis = match (&session, &self.session) {
            (Some(a), Some(b)) if same_tokens(a, b) => Basis::Continues(self.line),
            _ => Basis::Local,
        };
        // Nothing to replace: the same session (compared as stored text: a derived `==` on the
        // user's JSON costs wasm), or none for none (unusable values are removed).
        if session.as_ref().map(Session::to_stored) != self.json {
            self.commit(basis, session, out);
        }
        self.stored_raw = self.session.as_ref().and(raw.map(str::to_owned));
        if raw.is_some() && self.session.is_none() {
            self.remove_stored(out);
        }
    }

    /// A session issued for another project (its token's issuer is another host's Auth).
    fn is_foreign(&self, s: &Session) -> bool {
        let Some(iss) = super::jwt::iss(&s.access_token) else {
            return false;
        };
        match BaseUrl::parse(&iss) {
            Ok(b) if b.url.ends_with("/auth/v1") => !b.host.eq_ignore_ascii_case(&self.host),
            _ => false,
        }
    }

    /// Write the current session to storage (when persisting).
    pub fn save(&mut self, out: &mut VecDeque<Emit>) {
        if !self.persist {
            return;
        }
        if let Some(json) = self.json.clone() {
            out.push_back(Emit::Out(Output::StorageSet { key: self.key.clone(), value: json.clone() }));
            self.saving.push_back(Some(json));
        }
    }

    /// Write another key (the PKCE verifier); its result is awaited like a session write's.
    pub fn save_other(&mut self, key: String, value: String, out: &mut VecDeque<Emit>) {
        out.push_back(Emit::Out(Output::StorageSet { key, value }));
        self.saving.push_back(None);
    }

    fn remove_stored(&mut self, out: &mut VecDeque<Emit>) {
        self.stored_raw = None;
        if self.persist {
            out.push_back(Emit::Out(Output::StorageRemove { key: self.key.clone() }));
        }
    }

    /// Forget the session (storage too), on `basis` (see [`Store::commit`]); `SIGNED_OUT` when
    /// there was one and `announce`. `false` when overtaken: nothing changes.
    pub fn clear(&mut self, basis: Basis, announce: bool, out: &mut VecDeque<Emit>) -> bool {
        let had = self.session.is_some();
        if !self.commit(basis, None, out) {
            return false;
        }
        self.remove_stored(out);
        if had && announce {
            self.emit(AuthEvent::SignedOut, None, out);
        }
        true
    }

    /// An event with the current session (none for `SIGNED_OUT`), to every listener or `target`.
    pub fn emit(&self, event: AuthEvent, target: Option<u32>, out: &mut VecDeque<Emit>) {
        let session = match (&self.json, event) {
            (_, AuthEvent::SignedOut) | (None, _) => None,
            (Some(json), _) => Some(Json::raw(json.clone())),
        };
        out.push_back(Emit::Out(Output::Event { event, session, target }));
    }

    /// Result of the oldest `StorageSet`: `None` when it was written, else the wx error message.
    /// A failed write (quota: 1 MB per key, 10 MB in all) is reported and the session kept in
    /// memory: the user stays signed in for this run.
    pub fn saved(&mut self, error: Option<&str>, out: &mut VecDeque<Emit>) {
        // The value this acknowledgement is for: with an async store, newer writes may be pending,
        // so storage now holds this one, not necessarily the current session.
        let Some(written) = self.saving.pop_front() else { return };
        match (error, written) {
            (_, None) => {}
            (None, Some(value)) => self.stored_raw = Some(value),
            (Some(msg), Some(_)) => {
                let message = cat(&[
                    "the session could not be saved in wx storage (",
                    msg,
                    "); it is kept in memory for this run",
                ]);
                out.push_back(Emit::Out(Output::Log { level: "warn", message }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session(n: u32) -> Session {
        let body = json!({"access_token": "at", "refresh_token": "rt", "expires_in": 3600, "n": n,
            "user": {"id": "u"}})
        .to_string();
        Session::from_token_response(&body, 1.7e12).unwrap()
    }

    #[test]
    fn every_replacement_of_the_session_bumps_the_generation_and_overtaken_replies_are_refused() {
        let config = Config::new("https://abcdefghij.baseapi.memfiredb.com", "anon", &serde_json::Value::Null);
        let mut store = Store::new(&config);
        let mut out = VecDeque::new();
        let g0 = store.generation();
        let sign_in = store.replaces();
        let refresh = store.continues();
        let later = store.replaces();
        // A sign-in requested first lands first.
        assert!(store.commit(sign_in, Some(session(1)), &mut out));
        let g1 = store.generation();
        assert_ne!(g0, g1);
        // A refresh requested before that sign-in is refused: nothing changes.
        let n = out.len();
        assert!(!store.commit(refresh, Some(session(2)), &mut out));
        assert_eq!(store.session().and_then(|s| s.extra_value("n")), Some(json!(1)));
        assert_eq!((store.generation(), out.len()), (g1, n));
        // A sign-in asked for later still lands; a refresh of the session then current too.
        assert!(store.commit(later, Some(session(3)), &mut out));
        assert!(!store.commit(sign_in, Some(session(4)), &mut out), "requested before the current line");
        let refresh = store.continues();
        assert!(store.commit(refresh, Some(session(5)), &mut out));
        assert!(store.update_user(refresh, User::from_json("{}").unwrap(), &mut out), "the same line");
        // Local replacements (a sign-out, a storage read) always commit and start a line.
        let g2 = store.generation();
        assert!(store.clear(Basis::Local, true, &mut out));
        assert_ne!(store.generation(), g2);
        assert!(!store.commit(refresh, Some(session(6)), &mut out));
        let g3 = store.generation();
        store.restore(Some(&session(7).to_stored()), &mut out);
        assert_ne!(store.generation(), g3);
    }
}
