//! The session and its persistence: what is current, what wx storage holds, the writes awaiting
//! their result, and the session generation.
//!
//! Every replacement of the session goes through [`Store::commit`], which bumps the generation.
//! A request whose reply would replace the session (a refresh, a sign-in, `setSession`, …)
//! records the generation it was sent under; `commit` receives it, so it can tell a reply for
//! the session that is still current from one overtaken by a sign-out or another sign-in.
//! Today that check changes nothing: the reply is committed either way (issue 13 will drop
//! overtaken replies there, in one place).

use crate::prelude::*;
use alloc::collections::VecDeque;
use serde_json::Value;

use super::session::{Session, User};
use crate::config::{BaseUrl, Config};
use crate::encoding::text::cat;
use crate::output::{AuthEvent, Emit, Json, Output};

/// Stored values larger than this are not a session (wx storage allows 1 MB per key).
pub const MAX_STORED_BYTES: usize = 1024 * 1024;

/// Which session a request was made for: bumped on every replacement of the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Generation(pub u32);

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

    /// The one place the session is replaced (`None`: signed out). `requested_in` is the
    /// generation the reply was requested under, or the current one for local changes (a
    /// storage read, a sign-out). Returns whether that generation was still current; the
    /// session is replaced either way (issue 13 will refuse an overtaken reply here). Realtime
    /// follows: the new access token (or none) is announced.
    pub fn commit(&mut self, requested_in: Generation, session: Option<Session>, out: &mut VecDeque<Emit>) -> bool {
        let current = requested_in == self.generation;
        self.generation = Generation(self.generation.0.wrapping_add(1));
        self.json = session.as_ref().map(Session::to_stored);
        out.push_back(Emit::Session(session.as_ref().map(|s| s.access_token.clone())));
        self.session = session;
        current
    }

    /// The session's user replaced (a reply requested under `requested_in`), through
    /// [`Store::commit`]; `false` when there is no session.
    pub fn update_user(&mut self, requested_in: Generation, user: User, out: &mut VecDeque<Emit>) -> bool {
        let Some(mut s) = self.session.take() else { return false };
        s.user = Some(user);
        self.commit(requested_in, Some(s), out);
        true
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
        self.commit(self.generation, session, out);
        self.stored_raw = self.session.as_ref().and(raw.map(str::to_owned));
        if raw.is_some() && self.session.is_none() {
            self.remove_stored(out);
        }
    }

    /// A session issued for another project (its token's issuer is another host's Auth).
    fn is_foreign(&self, s: &Session) -> bool {
        let Some(iss) = super::jwt::decode_claims(&s.access_token)
            .and_then(|c| c.get("iss").and_then(Value::as_str).map(str::to_owned))
        else {
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

    /// Forget the session (storage too); `SIGNED_OUT` when there was one and `announce`.
    pub fn clear(&mut self, announce: bool, out: &mut VecDeque<Emit>) {
        let had = self.session.is_some();
        self.commit(self.generation, None, out);
        self.remove_stored(out);
        if had && announce {
            self.emit(AuthEvent::SignedOut, None, out);
        }
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
    fn every_replacement_of_the_session_bumps_the_generation() {
        let config = Config::new("https://abcdefghij.baseapi.memfiredb.com", "anon", &Value::Null);
        let mut store = Store::new(&config);
        let mut out = VecDeque::new();
        let g0 = store.generation();
        // A reply requested under the current generation.
        assert!(store.commit(g0, Some(session(1)), &mut out));
        let g1 = store.generation();
        assert_ne!(g0, g1);
        // A reply requested before that (overtaken): still committed today, but told apart.
        assert!(!store.commit(g0, Some(session(2)), &mut out));
        assert_eq!(store.session().and_then(|s| s.extra_value("n")), Some(json!(2)));
        let g2 = store.generation();
        assert_ne!(g1, g2);
        // Local replacements (a sign-out, a storage read) are generations too.
        store.clear(true, &mut out);
        assert_ne!(store.generation(), g2);
        let g3 = store.generation();
        store.restore(Some(&session(3).to_stored()), &mut out);
        assert_ne!(store.generation(), g3);
    }
}
