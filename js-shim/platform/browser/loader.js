'use strict'
// Loads the wasm core in a browser: WebAssembly.instantiateStreaming of the raw .wasm (the server
// compresses it), falling back to arrayBuffer() when the server's type is not application/wasm.

const glue = require('../../supabase_wechat.js')

// Where the raw .wasm is: next to the bundle's <script>, unless `options.wasmPath` says otherwise.
const scriptSrc = typeof document !== 'undefined' && document.currentScript ? document.currentScript.src : ''
const DEFAULT_WASM_URL = scriptSrc ? scriptSrc.replace(/[^/]*$/, 'supabase_wechat_bg.wasm') : 'supabase_wechat_bg.wasm'

let loading = null

function loadCore(url) {
  if (!loading) {
    const u = url || DEFAULT_WASM_URL
    const fetched = () =>
      fetch(u).then((res) => {
        if (!res.ok) throw new Error('GET ' + u + ': HTTP ' + res.status)
        return res
      })
    const bytes = () =>
      fetched()
        .then((res) => res.arrayBuffer())
        .then((buf) => WebAssembly.instantiate(buf, glue.__imports()))
    // Streaming compiles while downloading but needs `Content-Type: application/wasm`; a server
    // without it gets the plain path.
    const streaming =
      typeof WebAssembly.instantiateStreaming === 'function'
        ? WebAssembly.instantiateStreaming(fetched(), glue.__imports()).catch(bytes)
        : bytes()
    loading = streaming.then((res) => {
      glue.__init(res.instance)
      return glue
    })
    loading.catch(() => {
      loading = null
    })
  }
  return loading
}

module.exports = { loadCore, DEFAULT_WASM_URL }
