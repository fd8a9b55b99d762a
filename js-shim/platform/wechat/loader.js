'use strict'
// Loads the wasm core once per app: WXWebAssembly.instantiate only accepts a path inside the
// code package (.wasm or .wasm.br), never bytes. After 构建 npm the package lives in
// /miniprogram_npm/supabase-wechat/; pages that copy it elsewhere pass `options.wasmPath`.

const glue = require('../../supabase_wechat.js')

const DEFAULT_WASM_PATH = '/miniprogram_npm/supabase-wechat/supabase_wechat_bg.wasm.br'

// Compiling the module takes milliseconds; a load that has not finished by then never will.
const LOAD_TIMEOUT_MS = 15000

let loading = null

function loadCore(path) {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      if (typeof WXWebAssembly === 'undefined') {
        throw new Error('WXWebAssembly is not available (WeChat base library >= 2.14.0 is required)')
      }
      const file = path || DEFAULT_WASM_PATH
      const timer = setTimeout(() => {
        reject(new Error('WXWebAssembly.instantiate(' + JSON.stringify(file) + ') did not finish in ' + LOAD_TIMEOUT_MS + ' ms'))
      }, LOAD_TIMEOUT_MS)
      WXWebAssembly.instantiate(file, glue.__imports())
        .then((res) => {
          glue.__init(res && res.instance ? res.instance : res)
          resolve(glue)
        })
        .catch(reject)
        .then(() => {
          clearTimeout(timer)
        })
    })
    // A failed load (e.g. a wrong wasmPath) is retried by the next client instead of sticking.
    loading.catch(() => {
      loading = null
    })
  }
  return loading
}

module.exports = { loadCore, DEFAULT_WASM_PATH, glue }
