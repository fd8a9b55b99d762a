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

use core::mem::ManuallyDrop;
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
    let mut out: Option<JsValue> = None;
    for c in units.chunks(CHUNK) {
        let part = from_char_codes(&JsValue::NULL, c);
        out = Some(match out {
            Some(acc) => &acc + &part,
            None => part,
        });
    }
    out.unwrap_or_else(|| from_char_codes(&JsValue::NULL, &[]))
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
    fn get(&mut self, value: &JsValue) -> Option<&str> {
        if *value != self.js {
            self.text = value.as_string();
            self.js = value.clone();
        }
        self.text.as_deref()
    }
}

#[wasm_bindgen(js_name = Core)]
pub struct WasmCore {
    /// Dropped by [`WasmCore`]'s `Drop`, out of line: see there.
    inner: ManuallyDrop<Client>,
    stored: Stored,
}

/// Every export's wrapper ends by releasing its reference to the `Rc` that holds the core, and
/// that release (the `Rc`'s drop) holds the core's drop for when it is the last, which only the
/// `FinalizationRegistry` of a collected client reaches. Inlined, the client's whole drop made it
/// a 1.1 KB function that a start compiles with its first call; through a pointer it is a call
/// (binaryen inlines a function with one caller).
impl Drop for WasmCore {
    fn drop(&mut self) {
        let drop: fn(&mut ManuallyDrop<Client>) = drop_client;
        core::hint::black_box(drop)(&mut self.inner);
    }
}

fn drop_client(client: &mut ManuallyDrop<Client>) {
    // SAFETY: called once, from `WasmCore::drop`; `inner` is not used after it.
    unsafe { ManuallyDrop::drop(client) }
}

#[wasm_bindgen(js_class = Core)]
impl WasmCore {
    /// `createClient(url, key, options)`, options as JSON text.
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, key: &str, options_json: &str) -> WasmCore {
        WasmCore {
            inner: ManuallyDrop::new(Client::new(url, key, options_json)),
            stored: Stored { js: JsValue::UNDEFINED, text: None },
        }
    }

    /// `getSession()`: the op resolves through an `Output::Session`; see `Client::get_session`.
    #[wasm_bindgen(js_name = getSession)]
    pub fn get_session(&mut self, stored: JsValue, now_ms: f64) -> u32 {
        self.inner.get_session(self.stored.get(&stored), now_ms)
    }

    /// An auth method by name with its arguments as a JSON array; see `Client::invoke`.
    pub fn invoke(&mut self, method: &str, args_json: &str, stored: JsValue, random: &[u8], now_ms: f64) -> u32 {
        self.inner.invoke(method, args_json, self.stored.get(&stored), random, now_ms)
    }

    /// A Database / Storage / Functions call; see `Client::data`.
    pub fn data(&mut self, api: &str, method: &str, args_json: &str, now_ms: f64) -> u32 {
        self.inner.data(api, method, args_json, now_ms)
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

    /// When `call('handleTimeout', now)` is next due (ms since the epoch), or `NaN` when it is not:
    /// a number, not an `Option`, whose glue would return it through the shadow stack.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> f64 {
        self.inner.poll_timeout().unwrap_or(f64::NAN)
    }

    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, id: u32, status: u16, body: &str, now_ms: f64, headers: Option<String>) {
        self.inner.handle_response_with_headers(id, status, body, headers.as_deref().unwrap_or("{}"), now_ms)
    }

    #[wasm_bindgen(js_name = socketMessage)]
    pub fn socket_message(&mut self, socket: u32, text: &str, now_ms: f64) {
        self.inner.socket_message(socket, text, now_ms)
    }

    /// Next output as JSON text (a JS string), or `undefined` when there is nothing to do.
    pub fn poll(&mut self) -> JsValue {
        match self.inner.poll() {
            Some(o) => js_string(&o.to_json()),
            None => JsValue::UNDEFINED,
        }
    }

    /// Every call that is not on a hot path, by its name: one export (one wrapper in the
    /// glue) instead of one each: `call(name, now, id, a, x, b)`, trailing `undefined`s left out.
    /// What each name reads (`now` for every one that takes a time), and returns (`undefined`
    /// for nothing):
    ///
    /// | name | `id` | `a` | `b` | `x` | returns |
    /// |---|---|---|---|---|---|
    /// | `storageKey`, `verifierKey` | | | | | string |
    /// | `persists`, `realtimeIsConnected` | | | | | boolean |
    /// | `sessionJson` | | | | | the session's JSON text (`"null"` when signed out) |
    /// | `restore` | | stored | | | |
    /// | `initialSession` | subscription | stored | | | |
    /// | `cancel` (a data-path op) | op | | | | |
    /// | `handleTimeout`, `realtimeConnect`, `stopAutoRefresh` | | | | | |
    /// | `startAutoRefresh` (`id`: explicit), `appVisible` (`id`: shown) | 1 / 0 | | | | |
    /// | `handleTransportError` | request | errMsg | | | |
    /// | `handleStorageResult` | | errMsg, or `undefined` when written | | | |
    /// | `publicUrl` | | `[bucket, path, options]` as JSON | | | its result's JSON text |
    /// | `cleanedUrl` | | url | | | the url without OAuth parameters, or `undefined` |
    /// | `realtimeChannel` | | name | params JSON | | channel id |
    /// | `realtimeOn` | channel | kind | filter JSON | | binding index |
    /// | `realtimeSubscribe` | channel | | | timeout | |
    /// | `realtimePush` | channel | args JSON | | timeout | op id |
    /// | `realtimeLeave` | channel | | | | op id |
    /// | `realtimePresenceState` | channel | | | | JSON text |
    /// | `realtimeSetAuth` | | token or `undefined` | | | |
    /// | `realtimeDisconnect` | | reason | | code | |
    /// | `socketOpened` / `socketError` / `socketClosed` | socket | errMsg / reason | | code | |
    ///
    /// A text argument that is not a string reads as `""` (as `undefined` where it may be
    /// absent); an unknown name does nothing.
    pub fn call(&mut self, name: &str, now_ms: f64, id: u32, a: JsValue, x: Option<f64>, b: JsValue) -> JsValue {
        // A table, not a `match`: each entry stays its own function (a `match` inlines them all
        // into one, which the first `getSession()` would compile whole: tests/node/wasm-lazy).
        match CALLS.iter().find(|(n, _)| *n == name) {
            Some((_, f)) => f(self, &Call { now_ms, id, a, x, b }),
            None => JsValue::UNDEFINED,
        }
    }
}

/// The arguments of [`WasmCore::call`].
struct Call {
    now_ms: f64,
    id: u32,
    a: JsValue,
    x: Option<f64>,
    b: JsValue,
}

/// A text argument: `""` unless a string.
fn text(v: &JsValue) -> String {
    v.as_string().unwrap_or_default()
}

/// The arguments by reference: dropped once here, not in each of the entries.
type Entry = fn(&mut WasmCore, &Call) -> JsValue;

/// [`WasmCore::call`]'s names; the table in its doc says what each reads.
#[rustfmt::skip]
#[allow(clippy::unit_arg)] // `none(w.inner.method(…))`: an entry that returns nothing
const CALLS: &[(&str, Entry)] = &[
    ("storageKey", |w, _| js_string(w.inner.storage_key())),
    ("verifierKey", |w, _| js_string(&w.inner.verifier_key())),
    ("persists", |w, _| JsValue::from_bool(w.inner.persists())),
    ("realtimeIsConnected", |w, _| JsValue::from_bool(w.inner.realtime_is_connected())),
    ("sessionJson", |w, _| js_string(w.inner.session_json())),
    ("restore", |w, c| none(w.inner.restore(w.stored.get(&c.a), c.now_ms))),
    ("initialSession", |w, c| none(w.inner.initial_session(c.id, w.stored.get(&c.a), c.now_ms))),
    ("cancel", |w, c| none(w.inner.cancel(c.id))),
    ("handleTimeout", |w, c| none(w.inner.handle_timeout(c.now_ms))),
    ("startAutoRefresh", |w, c| none(w.inner.start_auto_refresh(c.id != 0, c.now_ms))),
    ("stopAutoRefresh", |w, _| none(w.inner.stop_auto_refresh())),
    ("appVisible", |w, c| none(w.inner.app_visible(c.id != 0, c.now_ms))),
    ("handleTransportError", |w, c| none(w.inner.handle_transport_error(c.id, &text(&c.a), c.now_ms))),
    ("handleStorageResult", |w, c| none(w.inner.handle_storage_result(c.a.as_string().as_deref()))),
    ("publicUrl", |w, c| js_string(&w.inner.public_url_of(&text(&c.a)))),
    ("cleanedUrl", |_, c| {
        crate::auth::redirect::cleaned_url(&text(&c.a)).map_or(JsValue::UNDEFINED, |u| js_string(&u))
    }),
    ("realtimeChannel", |w, c| number(w.inner.realtime_channel(&text(&c.a), &text(&c.b)))),
    ("realtimeOn", |w, c| number(w.inner.realtime_on(c.id, &text(&c.a), &text(&c.b)))),
    ("realtimeSubscribe", |w, c| none(w.inner.realtime_subscribe(c.id, c.x, c.now_ms))),
    ("realtimePush", |w, c| number(w.inner.realtime_push(c.id, &text(&c.a), c.x, c.now_ms))),
    ("realtimeLeave", |w, c| number(w.inner.realtime_leave(c.id, c.now_ms))),
    ("realtimePresenceState", |w, c| js_string(&w.inner.realtime_presence_state(c.id))),
    ("realtimeSetAuth", |w, c| none(w.inner.realtime_set_auth(c.a.as_string().as_deref()))),
    ("realtimeConnect", |w, c| none(w.inner.realtime_connect(c.now_ms))),
    ("realtimeDisconnect", |w, c| none(w.inner.realtime_disconnect(c.x, &text(&c.a), c.now_ms))),
    ("socketOpened", |w, c| none(w.inner.socket_opened(c.id, c.now_ms))),
    ("socketError", |w, c| none(w.inner.socket_error(c.id, &text(&c.a), c.now_ms))),
    ("socketClosed", |w, c| {
        none(w.inner.socket_closed(c.id, c.x.unwrap_or(0.0) as u16, &text(&c.a), c.now_ms))
    }),
];

/// `undefined`, for an entry whose method returns nothing.
fn none((): ()) -> JsValue {
    JsValue::UNDEFINED
}

fn number(n: u32) -> JsValue {
    JsValue::from_f64(f64::from(n))
}
