'use strict'
// The browser platform: the same driver and core as in WeChat, with standard APIs instead of
// wx.*: WebAssembly (./loader.js), fetch (./fetch.js), localStorage, crypto.getRandomValues,
// document visibilitychange, WebSocket, and location / history for the OAuth redirect. The
// interface is the WeChat platform's (../wechat/index.js describes it). Only in the browser
// bundle (dist/supabase-wechat/browser/), never in miniprogram_dist.
const { loadCore, DEFAULT_WASM_URL } = require('./loader.js')
const { request, transfer } = require('./fetch.js')
const { itemStore, callerStore } = require('../item-store.js')

function randomBytes(n) {
  const out = new Uint8Array(n)
  crypto.getRandomValues(out)
  return Promise.resolve(out)
}

// localStorage unless the page passed `auth.storage` (then used as in WeChat).
function store(auth) {
  return callerStore(auth) || itemStore(window.localStorage)
}

function readFile() {
  throw new Error('temp file paths do not exist in the browser: pass a Blob, File or ArrayBuffer')
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

// Show `cleaned` in the address bar without a navigation: the address without an OAuth
// redirect's parameters, as the core computed it (`Core.cleanedUrl`); undefined leaves it as it is.
function cleanUrl(cleaned) {
  if (cleaned !== undefined) window.history.replaceState(window.history.state, '', cleaned)
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
  readFile,
  watchApp,
  connectSocket,
  currentUrl,
  cleanUrl,
  redirect,
  DEFAULT_WASM_URL,
}
