//! The URL of a PostgREST request, built the way postgrest-js builds it with the WHATWG `URL`
//! class: `new URL(`${rest}/${relation}`)` (path percent-encoding, `.`/`..` segments, `\` as
//! `/`, tabs and newlines dropped, a `?query` or `#fragment` inside the relation kept), then
//! `url.searchParams.set/append(...)`, which re-serialises the whole query as
//! `application/x-www-form-urlencoded` (space as `+`, only `A-Z a-z 0-9 * - . _` left as they are).
//!
//! Strings arrive well-formed (the shim replaces lone surrogates with U+FFFD, which is what the
//! `URL`/`URLSearchParams` string conversion does), so everything here works on UTF-8.

use crate::encoding::percent;
use crate::encoding::text::{before_by, find_by};
use crate::prelude::*;

/// A parsed request URL with a live `searchParams` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `scheme://authority` followed by the serialised path.
    prefix: String,
    /// The query as the parser left it (`None`: no `?` at all).
    raw_query: Option<String>,
    /// `searchParams`: the query parsed as form data.
    params: Vec<(String, String)>,
    /// Set once `searchParams` was changed: the query is then the serialised `params`.
    touched: bool,
    fragment: Option<String>,
}

impl Url {
    /// `new URL(`${base}/${tail}`)`, for an absolute `base` such as `http://host/rest/v1`.
    pub fn join(base: &str, tail: &str) -> Url {
        let input = crate::encoding::text::cat(&[base, "/", tail]);
        // The URL parser drops every ASCII tab and newline, then trims C0 controls and spaces.
        let mut cleaned = String::with_capacity(input.len());
        for c in input.chars() {
            if !matches!(c, '\t' | '\n' | '\r') {
                cleaned.push(c);
            }
        }
        let trimmed = crate::encoding::text::trim_by(&cleaned, &|b| b <= b' ');
        let (origin, rest) = match crate::encoding::text::find(trimmed, "://") {
            Some(i) => {
                let after = i.saturating_add(3);
                let tail = trimmed.get(after..).unwrap_or("");
                let end = find_by(tail, &|b| matches!(b, b'/' | b'\\' | b'?' | b'#'))
                    .map_or(trimmed.len(), |j| after.saturating_add(j));
                trimmed.split_at_checked(end).unwrap_or((trimmed, ""))
            }
            None => ("", trimmed),
        };
        let (before_fragment, fragment) = match rest.split_once('#') {
            Some((a, f)) => (a, Some(percent::encode(f, percent::whatwg_fragment))),
            None => (rest, None),
        };
        let (path, query) = match before_fragment.split_once('?') {
            Some((p, q)) => (p, Some(percent::encode(q, percent::whatwg_query))),
            None => (before_fragment, None),
        };
        let params = match &query {
            Some(q) => parse_form(q),
            None => Vec::new(),
        };
        Url {
            prefix: crate::encoding::text::cat(&[origin, &serialize_path(path)]),
            raw_query: query,
            params,
            touched: false,
            fragment,
        }
    }

    /// `searchParams.append(name, value)`.
    pub fn append(&mut self, name: &str, value: &str) {
        self.add(name, &[value]);
    }

    /// `searchParams.append(name, value)`, the value given in parts (joined here: one copy of
    /// the join instead of a `cat` and its drop at each caller).
    #[inline(never)]
    pub fn add(&mut self, name: &str, value: &[&str]) {
        self.touched = true;
        self.params.push((name.to_owned(), crate::encoding::text::cat(value)));
    }

    /// `searchParams.set(name, value)`: the first pair of that name takes the value in place,
    /// the others are removed; appended when there is none.
    pub fn set(&mut self, name: &str, value: &str) {
        self.put(name, None, value)
    }

    /// `set(name, get(name) + sep + tail)` when `name` has a non-empty value, else `set(name,
    /// tail)`, without copying the value already there (repeated `order()` stays linear).
    pub fn extend(&mut self, name: &str, sep: &str, tail: &str) {
        self.put(name, Some(sep), tail)
    }

    fn put(&mut self, name: &str, sep: Option<&str>, value: &str) {
        self.touched = true;
        // The first pair named `name` changed in place, the later ones dropped (a loop, not
        // `retain_mut` with its closure).
        let mut found = false;
        for (k, v) in core::mem::take(&mut self.params) {
            if k != name {
                self.params.push((k, v));
            } else if !found {
                found = true;
                let mut v = v;
                match sep {
                    Some(sep) if !v.is_empty() => v.push_str(sep),
                    Some(_) => {}
                    None => v.clear(),
                }
                v.push_str(value);
                self.params.push((k, v));
            }
        }
        if !found {
            self.params.push((name.to_owned(), value.to_owned()));
        }
    }

    /// `href().len()`, counted without building it.
    pub fn encoded_len(&self) -> usize {
        let query = if self.touched {
            let mut n: usize = 0;
            for (k, v) in &self.params {
                n = n.saturating_add(form_len(k).saturating_add(form_len(v)).saturating_add(2));
            }
            n
        } else {
            self.raw_query.as_ref().map_or(0, |q| q.len().saturating_add(1))
        };
        let fragment = self.fragment.as_ref().map_or(0, |f| f.len().saturating_add(1));
        self.prefix.len().saturating_add(query).saturating_add(fragment)
    }

    /// `searchParams.get(name)`: the first value of that name.
    pub fn get(&self, name: &str) -> Option<&str> {
        for (k, v) in &self.params {
            if k == name {
                return Some(v);
            }
        }
        None
    }

    /// `url.toString()`.
    pub fn href(&self) -> String {
        let mut out = self.prefix.clone();
        let query = if self.touched { Some(serialize_form(&self.params)) } else { self.raw_query.clone() };
        match query {
            // An emptied searchParams leaves no `?` behind.
            Some(q) if self.touched && q.is_empty() => {}
            Some(q) => {
                out.push('?');
                out.push_str(&q);
            }
            None => {}
        }
        if let Some(f) = &self.fragment {
            out.push('#');
            out.push_str(f);
        }
        out
    }
}

/// The path of a special (http/https) URL: `/` and `\` separate segments, `.` and `..` (also
/// percent-encoded) are resolved, each segment is percent-encoded with the path set.
fn serialize_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let mut rest = path;
    while let Some(i) = find_by(rest, &|b| b == b'/' || b == b'\\') {
        // Each separator ends the part before it: the first part (before the first one) is skipped.
        rest = rest.get(i.saturating_add(1)..).unwrap_or("");
        parts.push(before_by(rest, &|b| b == b'/' || b == b'\\'));
    }
    let last = parts.len().saturating_sub(1);
    let mut out: Vec<String> = Vec::new();
    for (i, seg) in parts.iter().enumerate() {
        let seg = percent::encode(seg, percent::whatwg_path);
        let lower = seg.to_ascii_lowercase();
        if matches!(lower.as_str(), ".." | ".%2e" | "%2e." | "%2e%2e") {
            out.pop();
            if i == last {
                out.push(String::new());
            }
        } else if matches!(lower.as_str(), "." | "%2e") {
            if i == last {
                out.push(String::new());
            }
        } else {
            out.push(seg);
        }
    }
    if out.is_empty() {
        return "/".to_owned();
    }
    let mut path = String::new();
    for s in &out {
        path.push('/');
        path.push_str(s);
    }
    path
}

/// The length of `form_encode(s)`.
fn form_len(s: &str) -> usize {
    let mut n = s.len();
    for b in s.bytes() {
        if !(b.is_ascii_alphanumeric() || matches!(b, b'*' | b'-' | b'.' | b'_' | b' ')) {
            n = n.saturating_add(2);
        }
    }
    n
}

pub use crate::encoding::query::{form_encode, parse_form, serialize_form};
