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
    /// `config_json`: `{"url", "key", "options"}` from `createClient`.
    #[wasm_bindgen(constructor)]
    pub fn new(config_json: &str) -> WasmCore {
        WasmCore {
            inner: Client::new(config_json),
        }
    }

    #[wasm_bindgen(js_name = storageKey)]
    pub fn storage_key(&self) -> String {
        self.inner.storage_key().to_owned()
    }

    pub fn persists(&self) -> bool {
        self.inner.persists()
    }

    /// The current session as stored JSON, or `undefined`.
    #[wasm_bindgen(js_name = sessionJson)]
    pub fn session_json(&self) -> Option<String> {
        self.inner.session().map(|s| s.to_stored())
    }

    pub fn restore(&mut self, stored: Option<String>, now_ms: f64) {
        self.inner.restore(stored.as_deref(), now_ms)
    }

    #[wasm_bindgen(js_name = getSession)]
    pub fn get_session(&mut self, now_ms: f64) -> u32 {
        self.inner.get_session(now_ms)
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
        self.inner
            .poll()
            .map(|o| serde_json::to_string(&o).unwrap_or_default())
    }
}
