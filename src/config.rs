//! The client's configuration: `createClient(url, key, options)` read once, the project URL
//! validated, and the storage key. Every machine gets what it needs of it when it is made.

use crate::encoding::query::encode_query_value;
use crate::encoding::text::{before_by, cat};
use crate::output::AuthError;
use crate::prelude::*;
use serde_json::Value;

/// JSON requests (auth, database, storage's JSON calls) time out after this long unless
/// `requestTimeout` says otherwise (`wx.request` would wait 60 s).
///
/// Why 10 s: WeChat runs at most 10 `wx.request`/`uploadFile`/`downloadFile` at once and queues
/// the rest, so every hung request holds one of 10 slots until it times out; with 10 hung, every
/// other request of the page waits that long. A healthy JSON reply comes well within 10 s:
/// Supabase stops an API statement after 8 s (authenticated; anon 3 s) and GoTrue answers
/// sign-ins in well under a second, so 10 s leaves 2 s of mobile latency over the longest
/// healthy answer and bounds the stall at 10 s instead of 30. Longer work has its own limits:
/// uploads and downloads at least [`crate::data::FILE_TIMEOUT_MS`], Edge Functions
/// [`FUNCTIONS_TIMEOUT_MS`] unless `requestTimeout` is set, and every data call takes a per-call `timeout`; the shim's driver
/// also keeps those long requests to half of WeChat's slots (js-shim/driver.js, `LONG_SLOTS`).
pub const REQUEST_TIMEOUT_MS: u32 = 10_000;
/// The auth machine's name for [`REQUEST_TIMEOUT_MS`].
pub const AUTH_REQUEST_TIMEOUT_MS: u32 = REQUEST_TIMEOUT_MS;
/// Edge Functions compute (an AI call often takes 10–30 s): they get this long unless
/// `requestTimeout` or the call's `timeout` says otherwise.
pub const FUNCTIONS_TIMEOUT_MS: u32 = 30_000;

/// `createClient`'s arguments as the core understands them.
#[derive(Debug, Clone)]
pub struct Config {
    /// `supabaseUrl` as given: `getPublicUrl` derives its URL from it as the shim always did,
    /// even when it is not a valid project URL.
    pub raw_url: String,
    /// The validated project URL without a trailing slash (empty when invalid).
    pub root: String,
    /// Its host, lower-cased (empty when invalid).
    pub host: String,
    /// The anon key.
    pub key: String,
    /// `auth.storageKey`, else `sb-<first host label>-auth-token`.
    pub storage_key: String,
    /// `auth.persistSession` (default on).
    pub persist: bool,
    /// `auth.autoRefreshToken` (default on).
    pub auto_refresh: bool,
    /// PKCE unless `auth.flowType: 'implicit'`: a mini-program cannot receive an implicit redirect.
    pub pkce: bool,
    /// `global.headers`, string values, in their order.
    pub headers: Vec<(String, String)>,
    /// `requestTimeout` (ms, default [`REQUEST_TIMEOUT_MS`]), an option of ours: supabase-js has
    /// none, wx.request's is 60 s.
    pub request_timeout: u32,
    /// Edge Functions' timeout (ms): `requestTimeout` when given, else [`FUNCTIONS_TIMEOUT_MS`].
    pub functions_timeout: u32,
    /// `db.schema` (default `public`, supabase-js' default and what the SDK we replace sent).
    pub schema: String,
    /// Set when the URL or the key is unusable: every operation then fails with it.
    pub error: Option<AuthError>,
}

impl Config {
    /// Never fails: a bad configuration is kept in `error`. `options` is the options object.
    pub fn new(url: &str, key: &str, options: &Value) -> Config {
        let (base, mut error) = match BaseUrl::parse(url) {
            Ok(b) => (Some(b), None),
            Err(msg) => (None, Some(AuthError::invalid_input(msg))),
        };
        if key.is_empty() && error.is_none() {
            error = Some(AuthError::invalid_input("supabaseKey is required."));
        }
        let storage_key = base.as_ref().map_or_else(|| "sb-auth-token".to_owned(), BaseUrl::default_storage_key);
        let (root, host) = base.map(|b| (b.url, b.host)).unwrap_or_default();
        let mut config = Config {
            raw_url: url.to_owned(),
            root,
            host,
            key: key.to_owned(),
            storage_key,
            persist: true,
            auto_refresh: true,
            pkce: true,
            headers: Vec::new(),
            request_timeout: REQUEST_TIMEOUT_MS,
            functions_timeout: FUNCTIONS_TIMEOUT_MS,
            schema: "public".to_owned(),
            error,
        };
        if options.as_object().is_some_and(|m| !m.is_empty()) {
            // Through a pointer: binaryen inlines a function that has one caller, and a start
            // without options (`createClient(url, key)`) need not compile the options' reading.
            let read: fn(&mut Config, &Value) = Config::read_options;
            core::hint::black_box(read)(&mut config, options);
        }
        config
    }

    /// The defaults that `options` sets.
    fn read_options(&mut self, options: &Value) {
        let auth = options.get("auth");
        let flag = |key: &str, default: bool| auth.and_then(|a| a.get(key)).and_then(Value::as_bool).unwrap_or(default);
        let text = |v: Option<&Value>| v.and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
        if let Some(m) = options.get("global").and_then(|g| g.get("headers")).and_then(Value::as_object) {
            for (k, v) in m {
                if let Some(s) = v.as_str() {
                    self.headers.push((k.clone(), s.to_owned()));
                }
            }
        }
        let given = options
            .get("requestTimeout")
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite())
            .map(|t| t.clamp(100.0, 120_000.0) as u32);
        self.request_timeout = given.unwrap_or(REQUEST_TIMEOUT_MS);
        self.functions_timeout = given.unwrap_or(FUNCTIONS_TIMEOUT_MS);
        if let Some(k) = text(auth.and_then(|a| a.get("storageKey"))) {
            self.storage_key = k;
        }
        self.persist = flag("persistSession", true);
        self.auto_refresh = flag("autoRefreshToken", true);
        self.pkce = auth.and_then(|a| a.get("flowType")).and_then(Value::as_str) != Some("implicit");
        if let Some(schema) = text(options.get("db").and_then(|d| d.get("schema"))) {
            self.schema = schema;
        }
    }

    /// `<url>/auth/v1` (empty when the URL is invalid).
    pub fn auth_url(&self) -> String {
        if self.root.is_empty() {
            String::new()
        } else {
            cat(&[&self.root, "/auth/v1"])
        }
    }

    /// `<supabaseUrl>/storage/v1` the way the shim's `getPublicUrl` derived it from the raw URL:
    /// trimmed (JS whitespace), cut at `?` or `#`, trailing slashes removed.
    pub fn loose_storage_url(&self) -> String {
        let trimmed = self.raw_url.trim_matches(crate::encoding::text::is_js_space);
        let base = before_by(trimmed, &|b| b == b'?' || b == b'#').trim_end_matches('/');
        cat(&[base, "/storage/v1"])
    }
}

/// `realtime.params` (and `realtime.logLevel` as `log_level`) as the socket URL's extra query, as
/// realtime-js appends its `params` to the endpoint (`&eventsPerSecond=10…`): strings, numbers and
/// booleans; `apikey` and `vsn` stay the client's own.
pub fn realtime_query(options: &Value) -> String {
    let rt = options.get("realtime");
    let mut out = String::new();
    let mut add = |k: &str, v: &Value| {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Bool(b) => (if *b { "true" } else { "false" }).to_owned(),
            Value::Number(n) => crate::encoding::json::to_text(&Value::Number(n.clone())),
            _ => return,
        };
        if k != "apikey" && k != "vsn" {
            out.push_str(&cat(&["&", &encode_query_value(k), "=", &encode_query_value(&text)]));
        }
    };
    if let Some(m) = rt.and_then(|r| r.get("params")).and_then(Value::as_object) {
        for (k, v) in m {
            add(k, v);
        }
    }
    if let Some(level) = rt.and_then(|r| r.get("logLevel").or_else(|| r.get("log_level"))) {
        add("log_level", level);
    }
    out
}

/// A validated project URL: `http(s)://host[:port][/path]`, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    pub url: String,
    pub host: String,
}

impl BaseUrl {
    pub fn parse(raw: &str) -> Result<BaseUrl, String> {
        let trimmed = raw.trim();
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .ok_or_else(|| cat(&["supabaseUrl must start with https:// or http:// (got \"", trimmed, "\")"]))?;
        let authority = before_by(rest, &|b| matches!(b, b'/' | b'?' | b'#'));
        // userinfo is not allowed; the host is what follows the last '@' in a browser, but a
        // project URL never has one, so reject it rather than guess.
        if authority.is_empty() || authority.contains('@') {
            return Err(cat(&["supabaseUrl has no valid host (got \"", trimmed, "\")"]));
        }
        let host = if let Some(v6) = authority.strip_prefix('[') {
            // `[addr]` or `[addr]:port`, nothing else.
            match v6.split_once(']') {
                Some((addr, rest)) if rest.is_empty() || rest.starts_with(':') => cat(&["[", addr, "]"]),
                _ => return Err(cat(&["supabaseUrl has an unclosed IPv6 host (got \"", trimmed, "\")"])),
            }
        } else {
            authority.split(':').next().unwrap_or("").to_ascii_lowercase()
        };
        if host.is_empty() || host == "[]" {
            return Err(cat(&["supabaseUrl has no valid host (got \"", trimmed, "\")"]));
        }
        let url = before_by(trimmed, &|b| b == b'?' || b == b'#').trim_end_matches('/').to_owned();
        Ok(BaseUrl { url, host })
    }

    /// `sb-<first label of the host>-auth-token`, the key supabase-js and the SDK we replace use.
    pub fn default_storage_key(&self) -> String {
        let label = self.host.split('.').next().unwrap_or("");
        cat(&["sb-", label, "-auth-token"])
    }
}
