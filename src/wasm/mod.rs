//! The JavaScript binding: the only module that imports wasm-bindgen.
//!
//! Everything crosses the boundary as strings (JSON text in, JSON text out): the shim's
//! `JSON.parse` is several times faster than building JS objects from wasm, and it keeps the
//! module free of serde-wasm-bindgen's size (and of std, which it and gloo-utils need).
//!
//! WeChat devices have no `TextEncoder`/`TextDecoder`, so the glue's string crossings run a UTF-8
//! coder written in JS, which iOS interprets (no JIT). The two big ones are avoided
//! (bench/results/design-card-packages.md):
//! - out: [`WasmCore::poll`] hands its JSON text over as UTF-16 code units, turned into a JS
//!   string by `String.fromCharCode.apply` on a view of wasm memory (native code);
//! - in: the stored session (1–2 KB, read from storage before every `getSession`) arrives as the
//!   JS value itself and is copied into wasm only when it is not `===` the previous one.

mod alloc;

use wasm_bindgen::prelude::*;

use crate::client::Client;
use crate::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `String.fromCharCode.apply(this, units)`: `units` is a `Uint16Array` view of wasm memory
    /// (no copy), which `apply` takes as the argument list.
    #[wasm_bindgen(js_namespace = ["String", "fromCharCode"], js_name = apply)]
    fn from_char_codes(this: &JsValue, units: &[u16]) -> JsValue;
}

/// UTF-16 code units per `apply` call: engines cap the number of arguments of a call.
const CHUNK: usize = 8192;

/// `text` as a JS string, without the glue's UTF-8 decoder. A surrogate pair split between two
/// chunks is whole again once the chunks are concatenated.
fn js_string(text: &str) -> JsValue {
    let mut units = Vec::with_capacity(text.len()); // UTF-16 units <= UTF-8 bytes
    units.extend(text.encode_utf16());
    let mut parts = units.chunks(CHUNK).map(|c| from_char_codes(&JsValue::NULL, c));
    let first = parts.next().unwrap_or_else(|| from_char_codes(&JsValue::NULL, &[]));
    parts.fold(first, |acc, part| &acc + &part)
}

/// The last stored value the shim handed in, as JS passed it and as text. Storage returns the
/// same string on every read, so an unchanged value costs one `===` (native) instead of a
/// UTF-8 encode in JS and a copy.
struct Stored {
    js: JsValue,
    text: Option<String>,
}

impl Stored {
    /// `value`: a string, or `undefined` / `null` when nothing is stored.
    fn get(&mut self, value: JsValue) -> Option<&str> {
        if value != self.js {
            self.text = value.as_string();
            self.js = value;
        }
        self.text.as_deref()
    }
}

#[wasm_bindgen(js_name = Core)]
pub struct WasmCore {
    inner: Client,
    stored: Stored,
}

#[wasm_bindgen(js_class = Core)]
impl WasmCore {
    /// `createClient(url, key, options)`, options as JSON text.
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, key: &str, options_json: &str) -> WasmCore {
        WasmCore { inner: Client::new(url, key, options_json), stored: Stored { js: JsValue::UNDEFINED, text: None } }
    }

    #[wasm_bindgen(js_name = storageKey)]
    pub fn storage_key(&self) -> String {
        self.inner.storage_key().to_owned()
    }

    #[wasm_bindgen(js_name = verifierKey)]
    pub fn verifier_key(&self) -> String {
        self.inner.verifier_key()
    }

    pub fn persists(&self) -> bool {
        self.inner.persists()
    }

    /// `stored`: what storage holds (a string, or `undefined`), as it is.
    pub fn restore(&mut self, stored: JsValue, now_ms: f64) {
        self.inner.restore(self.stored.get(stored), now_ms)
    }

    /// `getSession()`: the op resolves through an `Output::Session`; see `Client::get_session`.
    #[wasm_bindgen(js_name = getSession)]
    pub fn get_session(&mut self, stored: JsValue, now_ms: f64) -> u32 {
        self.inner.get_session(self.stored.get(stored), now_ms)
    }

    /// The current session's JSON text (`"null"` when signed out), as a JS string.
    #[wasm_bindgen(js_name = sessionJson)]
    pub fn session_json(&self) -> JsValue {
        js_string(self.inner.session_json())
    }

    /// An auth method by name with its arguments as a JSON array; see `Client::invoke`.
    pub fn invoke(&mut self, method: &str, args_json: &str, stored: JsValue, random: &[u8], now_ms: f64) -> u32 {
        self.inner.invoke(method, args_json, self.stored.get(stored), random, now_ms)
    }

    /// A Database / Storage / Functions call; see `Client::data`.
    pub fn data(&mut self, api: &str, method: &str, args_json: &str, now_ms: f64) -> u32 {
        self.inner.data(api, method, args_json, now_ms)
    }

    /// Abort a data-path operation; see `Client::cancel`.
    pub fn cancel(&mut self, op: u32) {
        self.inner.cancel(op)
    }

    /// The reply to a `fetch` output; see `Client::handle_data_response`.
    #[wasm_bindgen(js_name = handleDataResponse)]
    pub fn handle_data_response(
        &mut self,
        id: u32,
        status: u16,
        headers_json: &str,
        facts_json: &str,
        body: Option<String>,
        now_ms: f64,
    ) {
        self.inner.handle_data_response(id, status, headers_json, facts_json, body.as_deref(), now_ms)
    }

    /// Whether a 2xx ArrayBuffer reply must be measured as JSON; see `Client::wants_json`.
    #[wasm_bindgen(js_name = wantsJson)]
    pub fn wants_json(&self, id: u32, status: u16, headers_json: &str) -> bool {
        self.inner.wants_json(id, status, headers_json)
    }

    #[wasm_bindgen(js_name = initialSession)]
    pub fn initial_session(&mut self, sub: u32, stored: JsValue, now_ms: f64) {
        self.inner.initial_session(sub, self.stored.get(stored), now_ms)
    }

    #[wasm_bindgen(js_name = startAutoRefresh)]
    pub fn start_auto_refresh(&mut self, explicit: bool, now_ms: f64) {
        self.inner.start_auto_refresh(explicit, now_ms)
    }

    #[wasm_bindgen(js_name = stopAutoRefresh)]
    pub fn stop_auto_refresh(&mut self) {
        self.inner.stop_auto_refresh()
    }

    /// When `handleTimeout` is next due (ms since the epoch), or `undefined`.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.inner.poll_timeout()
    }

    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now_ms: f64) {
        self.inner.handle_timeout(now_ms)
    }

    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, id: u32, status: u16, body: &str, now_ms: f64, headers: Option<String>) {
        self.inner.handle_response_with_headers(id, status, body, headers.as_deref().unwrap_or("{}"), now_ms)
    }

    #[wasm_bindgen(js_name = handleTransportError)]
    pub fn handle_transport_error(&mut self, id: u32, err_msg: &str, now_ms: f64) {
        self.inner.handle_transport_error(id, err_msg, now_ms)
    }

    /// After each `storage_set` output: `undefined` when written, else the wx error message.
    #[wasm_bindgen(js_name = handleStorageResult)]
    pub fn handle_storage_result(&mut self, error: Option<String>) {
        self.inner.handle_storage_result(error.as_deref())
    }

    // ---- realtime ----

    #[wasm_bindgen(js_name = realtimeChannel)]
    pub fn realtime_channel(&mut self, name: &str, params_json: &str) -> u32 {
        self.inner.realtime_channel(name, params_json)
    }

    #[wasm_bindgen(js_name = realtimeOn)]
    pub fn realtime_on(&mut self, chan: u32, kind: &str, filter_json: &str) -> u32 {
        self.inner.realtime_on(chan, kind, filter_json)
    }

    #[wasm_bindgen(js_name = realtimeSubscribe)]
    pub fn realtime_subscribe(&mut self, chan: u32, timeout_ms: Option<f64>, now_ms: f64) {
        self.inner.realtime_subscribe(chan, timeout_ms, now_ms)
    }

    #[wasm_bindgen(js_name = realtimePush)]
    pub fn realtime_push(&mut self, chan: u32, args_json: &str, timeout_ms: Option<f64>, now_ms: f64) -> u32 {
        self.inner.realtime_push(chan, args_json, timeout_ms, now_ms)
    }

    #[wasm_bindgen(js_name = realtimeLeave)]
    pub fn realtime_leave(&mut self, chan: u32, now_ms: f64) -> u32 {
        self.inner.realtime_leave(chan, now_ms)
    }

    #[wasm_bindgen(js_name = realtimePresenceState)]
    pub fn realtime_presence_state(&self, chan: u32) -> String {
        self.inner.realtime_presence_state(chan)
    }

    #[wasm_bindgen(js_name = socketOpened)]
    pub fn socket_opened(&mut self, socket: u32, now_ms: f64) {
        self.inner.socket_opened(socket, now_ms)
    }

    #[wasm_bindgen(js_name = socketMessage)]
    pub fn socket_message(&mut self, socket: u32, text: &str, now_ms: f64) {
        self.inner.socket_message(socket, text, now_ms)
    }

    #[wasm_bindgen(js_name = socketClosed)]
    pub fn socket_closed(&mut self, socket: u32, code: u16, reason: &str, now_ms: f64) {
        self.inner.socket_closed(socket, code, reason, now_ms)
    }

    #[wasm_bindgen(js_name = socketError)]
    pub fn socket_error(&mut self, socket: u32, err_msg: &str, now_ms: f64) {
        self.inner.socket_error(socket, err_msg, now_ms)
    }

    #[wasm_bindgen(js_name = realtimeSetAuth)]
    pub fn realtime_set_auth(&mut self, token: Option<String>) {
        self.inner.realtime_set_auth(token.as_deref())
    }

    #[wasm_bindgen(js_name = realtimeConnect)]
    pub fn realtime_connect(&mut self, now_ms: f64) {
        self.inner.realtime_connect(now_ms)
    }

    #[wasm_bindgen(js_name = realtimeDisconnect)]
    pub fn realtime_disconnect(&mut self, code: Option<f64>, reason: &str, now_ms: f64) {
        self.inner.realtime_disconnect(code, reason, now_ms)
    }

    #[wasm_bindgen(js_name = realtimeIsConnected)]
    pub fn realtime_is_connected(&self) -> bool {
        self.inner.realtime_is_connected()
    }

    /// `wx.onAppShow` / `wx.onAppHide`.
    #[wasm_bindgen(js_name = appVisible)]
    pub fn app_visible(&mut self, shown: bool, now_ms: f64) {
        self.inner.app_visible(shown, now_ms)
    }

    /// Next output as JSON text (a JS string), or `undefined` when there is nothing to do.
    pub fn poll(&mut self) -> JsValue {
        match self.inner.poll() {
            Some(o) => js_string(&o.to_json()),
            None => JsValue::UNDEFINED,
        }
    }

    /// `storage.from(bucket).getPublicUrl(path, options)`: the JSON text of its result, from
    /// its arguments as a JSON array `[bucket, path, options]` (`JSON.stringify`, so a value that
    /// is not a string is reported as storage-api.js did); see `Client::public_url`.
    #[wasm_bindgen(js_name = publicUrl)]
    pub fn public_url(&self, args_json: &str) -> String {
        self.inner.public_url_of(args_json)
    }

    /// `url` without an OAuth redirect's parameters (for `history.replaceState`), or `undefined`
    /// when it is not an absolute URL; see `auth::redirect::cleaned_url`.
    #[wasm_bindgen(js_name = cleanedUrl)]
    pub fn cleaned_url(&self, url: &str) -> Option<String> {
        crate::auth::redirect::cleaned_url(url)
    }
}
