//! The JavaScript binding: the only module that imports wasm-bindgen.
//!
//! Everything crosses the boundary as strings (JSON text in, JSON text out): the shim's
//! `JSON.parse` is several times faster than building JS objects from wasm, and it keeps the
//! module free of serde-wasm-bindgen's size.

use wasm_bindgen::prelude::*;

use crate::client::Client;

#[wasm_bindgen(js_name = Core)]
pub struct WasmCore {
    inner: Client,
}

#[wasm_bindgen(js_class = Core)]
impl WasmCore {
    /// `createClient(url, key, options)`, options as JSON text.
    #[wasm_bindgen(constructor)]
    pub fn new(url: &str, key: &str, options_json: &str) -> WasmCore {
        WasmCore { inner: Client::new(url, key, options_json) }
    }

    #[wasm_bindgen(js_name = storageKey)]
    pub fn storage_key(&self) -> String {
        self.inner.storage_key().to_owned()
    }

    pub fn persists(&self) -> bool {
        self.inner.persists()
    }

    pub fn restore(&mut self, stored: Option<String>, now_ms: f64) {
        self.inner.restore(stored.as_deref(), now_ms)
    }

    /// `stored`: what wx storage holds under `storageKey()` now.
    #[wasm_bindgen(js_name = getSession)]
    pub fn get_session(&mut self, stored: Option<String>, now_ms: f64) -> u32 {
        self.inner.get_session(stored.as_deref(), now_ms)
    }

    #[wasm_bindgen(js_name = initialSession)]
    pub fn initial_session(&mut self, sub: u32, stored: Option<String>, now_ms: f64) {
        self.inner.initial_session(sub, stored.as_deref(), now_ms)
    }

    /// After each `storage_set` output: `undefined` when written, else the wx error message.
    #[wasm_bindgen(js_name = handleStorageResult)]
    pub fn handle_storage_result(&mut self, error: Option<String>) {
        self.inner.handle_storage_result(error.as_deref())
    }

    #[wasm_bindgen(js_name = signInWithWechat)]
    pub fn sign_in_with_wechat(&mut self, params_json: &str, now_ms: f64) -> u32 {
        self.inner.sign_in_with_wechat(params_json, now_ms)
    }

    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, id: u32, status: u16, body: &str, now_ms: f64) {
        self.inner.handle_response(id, status, body, now_ms)
    }

    #[wasm_bindgen(js_name = handleTransportError)]
    pub fn handle_transport_error(&mut self, id: u32, err_msg: &str, now_ms: f64) {
        self.inner.handle_transport_error(id, err_msg, now_ms)
    }

    /// Next output as JSON text, or `undefined` when there is nothing to do.
    pub fn poll(&mut self) -> Option<String> {
        self.inner.poll().map(|o| o.to_json())
    }
}
