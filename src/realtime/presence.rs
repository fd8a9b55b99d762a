//! Presence state as realtime-js' RealtimePresence keeps it: `{ key: [meta, …] }` where each
//! meta carries `presence_ref` (the server's `phx_ref`). `presence_state` replaces the state,
//! `presence_diff` applies joins then leaves; each yields `join`/`leave` events and a `sync`.
//! A diff that arrives before the state of the current join is kept until the state comes.

use crate::prelude::*;
use serde_json::{Map, Value};

#[derive(Debug, Clone)]
pub enum Event {
    Join(Value),
    Leave(Value),
    Sync,
}

#[derive(Debug, Clone, Default)]
pub struct Presence {
    state: Map<String, Value>,
    synced: bool,
    pending: Vec<Value>,
}

/// `{ key: { metas: [...] } }` → `{ key: [meta with presence_ref] }`; anything else is skipped.
fn transform(raw: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    let Some(m) = raw.as_object() else { return out };
    for (key, v) in m {
        let metas = match v.get("metas").and_then(Value::as_array) {
            Some(a) => a,
            None => continue,
        };
        let mut list = Vec::with_capacity(metas.len());
        for meta in metas {
            let Some(fields) = meta.as_object() else { continue };
            // Copied without the two refs rather than `Map::remove`d, which would link the
            // B-tree's rebalancing (~5 KB of wasm).
            let mut out = Map::new();
            for (k, v) in fields {
                if k != "phx_ref" && k != "phx_ref_prev" {
                    out.insert(k.clone(), v.clone());
                }
            }
            out.insert("presence_ref".into(), meta.get("phx_ref").cloned().unwrap_or(Value::Null));
            list.push(Value::Object(out));
        }
        out.insert(key.clone(), Value::Array(list));
    }
    out
}

fn refs(list: &[Value]) -> Vec<Value> {
    let mut out = Vec::with_capacity(list.len());
    for m in list {
        out.push(presence_ref(m));
    }
    out
}

fn presence_ref(meta: &Value) -> Value {
    meta.get("presence_ref").cloned().unwrap_or(Value::Null)
}

/// The metas of `list` whose `presence_ref` is not in `refs`, in order. One function for the
/// four diffs (each inlined copy of the filter cost ~300 B of wasm).
#[inline(never)]
fn without(list: &[Value], refs: &[Value]) -> Vec<Value> {
    let mut out = Vec::new();
    for m in list {
        if !refs.contains(&presence_ref(m)) {
            out.push(m.clone());
        }
    }
    out
}

/// A `join` or `leave` event: `{ event, key, currentPresences, <changed>: list }`.
#[inline(never)]
fn event(kind: &str, key: String, current: Vec<Value>, changed: &str, list: Vec<Value>) -> Value {
    let mut m = Map::new();
    m.insert("event".into(), Value::String(kind.into()));
    m.insert("key".into(), Value::String(key));
    m.insert("currentPresences".into(), Value::Array(current));
    m.insert(changed.into(), Value::Array(list));
    Value::Object(m)
}

fn arr(v: Option<&Value>) -> Vec<Value> {
    v.and_then(Value::as_array).cloned().unwrap_or_default()
}

impl Presence {
    pub fn reset(&mut self) {
        self.synced = false;
        self.pending.clear();
    }

    pub fn state_json(&self) -> String {
        // A meta nested deep (another client's) is carried as text (`encoding::json::read`).
        crate::encoding::json::to_text(&Value::Object(self.state.clone()))
    }

    /// `presence_state`: the events, or `None` if the payload is not a state.
    pub fn sync_state(&mut self, payload: &Value) -> Option<Vec<Event>> {
        if !payload.is_object() {
            return None;
        }
        let new_state = transform(payload);
        let mut joins = Map::new();
        let mut leaves = Map::new();
        for (key, cur) in &self.state {
            if !new_state.contains_key(key) {
                leaves.insert(key.clone(), cur.clone());
            }
        }
        for (key, new) in &new_state {
            let new_list = arr(Some(new));
            match self.state.get(key) {
                Some(cur) => {
                    let cur_list = arr(Some(cur));
                    let (new_refs, cur_refs) = (refs(&new_list), refs(&cur_list));
                    let joined = without(&new_list, &cur_refs);
                    let left = without(&cur_list, &new_refs);
                    if !joined.is_empty() {
                        joins.insert(key.clone(), Value::Array(joined));
                    }
                    if !left.is_empty() {
                        leaves.insert(key.clone(), Value::Array(left));
                    }
                }
                None => {
                    joins.insert(key.clone(), Value::Array(new_list));
                }
            }
        }
        let mut events = self.apply(joins, leaves);
        self.synced = true;
        let pending = core::mem::take(&mut self.pending);
        for diff in &pending {
            events.append(&mut self.diff_events(diff));
        }
        events.push(Event::Sync);
        Some(events)
    }

    /// `presence_diff {joins, leaves}`.
    pub fn sync_diff(&mut self, payload: &Value) -> Option<Vec<Event>> {
        if !payload.is_object() {
            return None;
        }
        if !self.synced {
            if self.pending.len() < 1000 {
                self.pending.push(payload.clone());
            }
            return None;
        }
        let mut events = self.diff_events(payload);
        events.push(Event::Sync);
        Some(events)
    }

    fn diff_events(&mut self, payload: &Value) -> Vec<Event> {
        let joins = payload.get("joins").map(transform).unwrap_or_default();
        let leaves = payload.get("leaves").map(transform).unwrap_or_default();
        self.apply(joins, leaves)
    }

    fn apply(&mut self, joins: Map<String, Value>, leaves: Map<String, Value>) -> Vec<Event> {
        let mut events = Vec::new();
        for (key, new) in joins {
            let new_list = arr(Some(&new));
            let current = self.state.get(&key).map(|v| arr(Some(v)));
            let mut list = new_list.clone();
            if let Some(cur) = current.as_ref() {
                let joined = refs(&new_list);
                let mut keep = without(cur, &joined);
                keep.append(&mut list);
                list = keep;
            }
            self.state.insert(key.clone(), Value::Array(list));
            events.push(Event::Join(event("join", key, current.unwrap_or_default(), "newPresences", new_list)));
        }
        for (key, left) in leaves {
            let left_list = arr(Some(&left));
            let Some(cur) = self.state.get(&key).map(|v| arr(Some(v))) else { continue };
            let gone = refs(&left_list);
            let rest = without(&cur, &gone);
            if rest.is_empty() {
                // The state without `key`, rebuilt (no `Map::remove`: see `transform`).
                let mut kept = Map::new();
                for (k, v) in core::mem::take(&mut self.state) {
                    if k != key {
                        kept.insert(k, v);
                    }
                }
                self.state = kept;
            } else {
                self.state.insert(key.clone(), Value::Array(rest.clone()));
            }
            events.push(Event::Leave(event("leave", key, rest, "leftPresences", left_list)));
        }
        events
    }
}
