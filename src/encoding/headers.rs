//! The one header-merge rule of the core: layers, later wins, names compared without case.
//!
//! Every request the core builds (Auth, the data path, realtime's socket and HTTP broadcast)
//! assembles its headers here; what differs between them is only which layers they stack, in
//! which order (auth-js lets the user's token beat a global `Authorization`; supabase-js'
//! `fetchWithAuth` lets a global one win over the session's). Header order does not matter on
//! the wire, and the result is a JSON object (sorted by name).

use crate::prelude::*;
use serde_json::{Map, Value};

/// The value of the first pair named `name` in any case (one loop for every such look-up).
pub fn named<'a>(list: &'a [(String, String)], name: &str) -> Option<&'a str> {
    for (k, v) in list {
        if k.eq_ignore_ascii_case(name) {
            return Some(v);
        }
    }
    None
}

/// Headers being assembled: at most one entry per name (case-insensitively).
/// Remove every header named `name` (without case): the one `retain` of header lists (each
/// caller's own closure linked its own copy of `retain`'s loop).
pub fn remove(list: &mut Vec<(String, String)>, name: &str) {
    list.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    pub fn new() -> Headers {
        Headers(Vec::new())
    }

    /// Set `name`, replacing an entry of the same name in any case.
    pub fn set(&mut self, name: &str, value: String) -> &mut Headers {
        remove(&mut self.0, name);
        self.0.push((name.to_owned(), value));
        self
    }

    /// Set `name` only when no entry of that name exists.
    pub fn set_default(&mut self, name: &str, value: String) -> &mut Headers {
        if !self.has(name) {
            self.0.push((name.to_owned(), value));
        }
        self
    }

    /// Every pair of `layer`, each replacing what is there.
    pub fn layer(&mut self, layer: &[(String, String)]) -> &mut Headers {
        for (k, v) in layer {
            self.set(k, v.clone());
        }
        self
    }

    /// Like [`Headers::layer`], without the pairs named `skip`.
    pub fn layer_except(&mut self, layer: &[(String, String)], skip: &str) -> &mut Headers {
        for (k, v) in layer {
            if !k.eq_ignore_ascii_case(skip) {
                self.set(k, v.clone());
            }
        }
        self
    }

    pub fn has(&self, name: &str) -> bool {
        named(&self.0, name).is_some()
    }

    /// As the JSON object the shim passes to `wx.request`. A loop, not `collect()`:
    /// `BTreeMap::from_iter` links a stable sort (~3 KB of wasm).
    pub fn into_map(self) -> Map<String, Value> {
        let mut map = Map::new();
        for (k, v) in self.0 {
            map.insert(k, Value::String(v));
        }
        map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_layers_win_without_case() {
        let global = vec![("authorization".to_owned(), "Bearer g".to_owned()), ("X-A".to_owned(), "1".to_owned())];
        let mut h = Headers::new();
        h.set("Authorization", "Bearer anon".into()).layer(&global).set_default("apikey", "k".into());
        let m = h.into_map();
        assert_eq!(m.get("authorization").and_then(Value::as_str), Some("Bearer g"));
        assert!(m.get("Authorization").is_none());
        assert_eq!(m.get("apikey").and_then(Value::as_str), Some("k"));
        let mut h = Headers::new();
        h.layer_except(&global, "Authorization").set_default("Authorization", "Bearer u".into());
        assert_eq!(h.into_map().get("Authorization").and_then(Value::as_str), Some("Bearer u"));
    }
}
