'use strict'
// Loads the wasm core once per app: WXWebAssembly.instantiate only accepts a path inside the
// code package (.wasm or .wasm.br), never bytes. Where the file is, tried in this order (only
// "file not found" moves on to the next; a native project's first try succeeds, as before):
//   1. options.wasmPath, if given (pages that copy the file elsewhere);
//   2. /miniprogram_npm/supabase-wechat/<file>: native projects, after 构建 npm;
//   3. /supabase-wechat/<file>: framework builds (uni-app, Taro) bundle npm packages into
//      vendor.js and copy nothing else; supabase-wechat/vite and supabase-wechat/taro copy it here.

const glue = require('../../supabase_wechat.js')

const WASM_FILE = 'supabase_wechat_bg.wasm.br'
const DEFAULT_WASM_PATH = '/miniprogram_npm/supabase-wechat/supabase_wechat_bg.wasm.br'
const FRAMEWORK_WASM_PATH = '/supabase-wechat/supabase_wechat_bg.wasm.br'

// Compiling the module takes milliseconds; a load that has not finished by then never will.
const LOAD_TIMEOUT_MS = 15000

let loading = null

function wasmCandidates(path) {
  const list = path ? [path] : []
  ;[DEFAULT_WASM_PATH, FRAMEWORK_WASM_PATH].forEach((p) => {
    if (list.indexOf(p) < 0) list.push(p)
  })
  return list
}

function isNotFound(err) {
  const msg = String(err && err.message ? err.message : err)
  return /not found|no such file|not exist|ENOENT/i.test(msg)
}

function missingWasmError(tried, last) {
  const where = tried.join(', ')
  return new Error(
    '找不到 supabase-wechat 的 wasm 文件（已尝试 ' +
      where +
      '）。原生项目：在微信开发者工具里执行「工具 → 构建 npm」；' +
      "uni-app：在 vite.config.js 的 plugins 里加 `supabaseWechat()`（import supabaseWechat from 'supabase-wechat/vite'）；" +
      "Taro：在 config/index.js 的 plugins 里加 'supabase-wechat/taro'；" +
      '或用 createClient 的 wasmPath 选项指向代码包里的 ' +
      WASM_FILE +
      '。 / The supabase-wechat wasm file is not in the code package (tried ' +
      where +
      '). Native project: run Tools → Build npm (构建 npm) in WeChat DevTools; ' +
      "uni-app: add `supabaseWechat()` (import supabaseWechat from 'supabase-wechat/vite') to plugins in vite.config.js; " +
      "Taro: add 'supabase-wechat/taro' to plugins in config/index.js; " +
      "or point createClient's wasmPath option at " +
      WASM_FILE +
      ' in the code package. (' +
      String(last && last.message ? last.message : last) +
      ')',
  )
}

function instantiateFirst(paths, i) {
  return WXWebAssembly.instantiate(paths[i], glue.__imports()).catch((err) => {
    if (!isNotFound(err)) throw err
    if (i + 1 < paths.length) return instantiateFirst(paths, i + 1)
    throw missingWasmError(paths, err)
  })
}

function loadCore(path) {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      if (typeof WXWebAssembly === 'undefined') {
        throw new Error('WXWebAssembly is not available (WeChat base library >= 2.14.0 is required)')
      }
      const paths = wasmCandidates(path)
      const timer = setTimeout(() => {
        reject(
          new Error('WXWebAssembly.instantiate(' + JSON.stringify(paths[0]) + ') did not finish in ' + LOAD_TIMEOUT_MS + ' ms'),
        )
      }, LOAD_TIMEOUT_MS)
      instantiateFirst(paths, 0)
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

module.exports = { loadCore, DEFAULT_WASM_PATH, FRAMEWORK_WASM_PATH, glue }
