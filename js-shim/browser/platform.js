'use strict'
// The browser adapters: the same driver (../auth.js) and core as in WeChat, with standard APIs
// instead of wx.*: WebAssembly.instantiateStreaming, fetch, localStorage, crypto.getRandomValues,
// document visibilitychange, WebSocket, and location / history for the OAuth redirect.
// Only in the browser bundle (dist/supabase-wechat/browser/), never in miniprogram_dist.

const glue = require('../supabase_wechat.js')
const storage = require('../storage.js')
const { readReply, statusOf } = require('../wx-io.js')

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
    const bytes = () => fetched().then((res) => res.arrayBuffer()).then((buf) => WebAssembly.instantiate(buf, glue.__imports()))
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

function headersOf(res) {
  const out = {}
  res.headers.forEach((v, k) => {
    out[k] = v
  })
  return out
}

// fetch with the core's timeout; `onFail(errMsg)` in WeChat's wording so the core reads it the same.
function fetchWithTimeout(url, init, timeoutMs, api) {
  const ctl = typeof AbortController === 'function' ? new AbortController() : null
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    if (ctl) ctl.abort()
  }, timeoutMs)
  const p = fetch(url, Object.assign({}, init, ctl ? { signal: ctl.signal } : {}))
  const why = (e) => api + ':fail ' + (timedOut ? 'timeout' : (e && e.message) || String(e))
  return { promise: p, why, done: () => clearTimeout(timer), abort: () => ctl && ctl.abort() }
}

// Perform the core's `{ method, url, headers, body, timeout }` (auth requests).
function request(req, onResponse, onFail) {
  const f = fetchWithTimeout(req.url, { method: req.method, headers: req.headers, body: req.body === null ? undefined : req.body }, req.timeout, 'request')
  f.promise
    .then((res) => res.text().then((text) => [statusOf({ statusCode: res.status }), text]))
    .then(
      ([status, text]) => {
        f.done()
        onResponse(status, text)
      },
      (e) => {
        f.done()
        onFail(f.why(e))
      },
    )
}

// Perform a data-path request: the body the caller handed over (string, ArrayBuffer, Blob/File)
// goes to fetch as it is; the reply is split between JS and the core as in WeChat (wx-io.js).
// WeChat's file transports (temp file paths) have no browser equivalent.
function transfer(req, payload, onResponse, onFail) {
  const api = req.transport && req.transport.api
  if (api === 'upload' || api === 'download') {
    const name = api === 'upload' ? 'uploadFile' : 'downloadFile'
    setTimeout(() => onFail(name + ':fail temp file paths do not exist in the browser: pass a Blob, File or ArrayBuffer'), 0)
    return null
  }
  const p = payload || {}
  const body = req.payload ? p.body : req.body === null ? undefined : req.body
  const f = fetchWithTimeout(req.url, { method: req.method, headers: req.headers, body }, req.timeout, 'request')
  f.promise
    .then((res) => {
      const ok = res.status >= 200 && res.status < 300
      const read = ok && req.read === 'array_buffer' ? res.arrayBuffer() : res.text()
      return read.then((raw) => [res.status, headersOf(res), raw])
    })
    .then(
      ([status, headers, raw]) => {
        f.done()
        const reply = readReply(req.read, status, raw)
        onResponse(status, headers, reply.facts, reply.text, reply.held)
      },
      (e) => {
        f.done()
        onFail(f.why(e))
      },
    )
  return { abort: f.abort }
}

function randomBytes(n) {
  const out = new Uint8Array(n)
  crypto.getRandomValues(out)
  return Promise.resolve(out)
}

// localStorage unless the page passed `auth.storage` (then used as in WeChat).
function store(auth) {
  const a = auth || {}
  if (a.storage && typeof a.storage.getItem === 'function') return storage.select(a)
  return storage.select({ storage: window.localStorage })
}

function watchApp(onShow, onHide) {
  if (typeof document === 'undefined') return
  document.addEventListener('visibilitychange', () => (document.visibilityState === 'hidden' ? onHide() : onShow()))
}

// A WebSocket behind WeChat's SocketTask interface (browsers cannot set headers on a WebSocket;
// the core puts apikey in the URL as realtime-js does).
function connectSocket(opts) {
  if (typeof WebSocket !== 'function') return 'WebSocket is not available'
  const ws = opts.protocols ? new WebSocket(opts.url, opts.protocols) : new WebSocket(opts.url)
  return {
    onOpen: (cb) => ws.addEventListener('open', () => cb({})),
    onMessage: (cb) => ws.addEventListener('message', (e) => cb({ data: e.data })),
    onError: (cb) => ws.addEventListener('error', () => cb({ errMsg: 'WebSocket error' })),
    onClose: (cb) => ws.addEventListener('close', (e) => cb({ code: e.code, reason: e.reason })),
    send: (o) => ws.send(o.data),
    close: (o) => ws.close(o && o.code, o && o.reason),
  }
}

function currentUrl() {
  return window.location.href
}

// Remove an OAuth redirect's parameters (PKCE `code`, errors in the query; the implicit
// flow's fragment) from the address bar without a navigation.
const CALLBACK_PARAMS = ['code', 'error', 'error_code', 'error_description']
function cleanUrl() {
  const url = new URL(window.location.href)
  for (const k of CALLBACK_PARAMS) url.searchParams.delete(k)
  if (/(^|[#&?])(access_token|refresh_token|error|error_description|code)=/.test(url.hash)) url.hash = ''
  window.history.replaceState(window.history.state, '', url.toString())
}

function redirect(url) {
  window.location.assign(url)
}

module.exports = {
  name: 'browser',
  loadCore,
  request,
  transfer,
  store,
  randomBytes,
  watchApp,
  connectSocket,
  currentUrl,
  cleanUrl,
  redirect,
  DEFAULT_WASM_URL,
}
