'use strict'
// The WeChat adapters, as one `platform` object the driver (auth.js) and realtime.js use for all
// I/O. The browser build passes its own (js-shim/browser/platform.js: fetch, localStorage,
// WebAssembly, WebSocket, location); both drive the same core through the same driver.
const { loadCore } = require('./loader.js')
const wxio = require('./wx-io.js')
const storage = require('./storage.js')
const { randomBytes } = require('./random.js')

module.exports = {
  name: 'wechat',
  // (wasmPath) → Promise of the initialised glue.
  loadCore,
  // The core's `http` output → onResponse(status, text) | onFail(errMsg).
  request: wxio.request,
  // The core's `fetch` output (data path) → onResponse(status, headers, facts, text, held) | onFail.
  transfer: wxio.transfer,
  // options.auth → { get, set, remove } (see storage.js).
  store: storage.select,
  randomBytes,
  // Foreground / background: wx.onAppShow / wx.onAppHide.
  watchApp(onShow, onHide) {
    if (typeof wx === 'undefined') return
    if (typeof wx.onAppShow === 'function') wx.onAppShow(onShow)
    if (typeof wx.onAppHide === 'function') wx.onAppHide(onHide)
  },
  // A SocketTask ({ onOpen, onMessage, onError, onClose, send({ data }), close({ code, reason }) }),
  // or a string saying why there is none.
  connectSocket(opts) {
    if (typeof wx === 'undefined' || typeof wx.connectSocket !== 'function') return 'wx.connectSocket is not available'
    return wx.connectSocket(opts)
  },
  // A mini-program has no address bar: no OAuth redirect to read, none to follow.
  currentUrl: null,
  cleanUrl: null,
  redirect: null,
}
