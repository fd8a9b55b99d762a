'use strict'
// The WeChat platform: every I/O the driver (../../driver.js) and realtime.js perform, as wx
// APIs. The browser build has its own (../browser/index.js) with the same interface:
//   name                                   'wechat'
//   loadCore(wasmPath)                     → Promise of the initialised glue (./loader.js)
//   request(out, onResponse(status, text), onFail(errMsg))                the core's `http` output
//   transfer(out, payload, onResponse(status, headers, facts, text, held), onFail(errMsg)) → task
//                                          the core's `fetch` output (data path, ./request.js)
//   store(options.auth)                    → the session store { get, set, remove }
//   randomBytes(n)                         → Promise of a Uint8Array (PKCE)
//   readFile(path)                         → an ArrayBuffer of a temp file (throws if unreadable)
//   watchApp(onShow, onHide)               foreground / background
//   connectSocket(opts)                    → a SocketTask, or a string saying why there is none
//   currentUrl(), cleanUrl(cleaned), redirect(url)  the address bar (OAuth redirects), or null;
//                                          cleanUrl shows the core's cleaned address (`Core.cleanedUrl`)
const { loadCore } = require('./loader.js')
const { request, transfer } = require('./request.js')
const { sessionStore } = require('./session-store.js')
const { randomBytes } = require('./random.js')

module.exports = {
  name: 'wechat',
  loadCore,
  request,
  transfer,
  store: sessionStore,
  randomBytes,
  readFile(path) {
    const body = wx.getFileSystemManager().readFileSync(path)
    if (Object.prototype.toString.call(body) !== '[object ArrayBuffer]') throw new Error('not an ArrayBuffer')
    return body
  },
  watchApp(onShow, onHide) {
    if (typeof wx === 'undefined') return
    if (typeof wx.onAppShow === 'function') wx.onAppShow(onShow)
    if (typeof wx.onAppHide === 'function') wx.onAppHide(onHide)
  },
  // SocketTask: { onOpen, onMessage, onError, onClose, send({ data }), close({ code, reason }) }.
  connectSocket(opts) {
    if (typeof wx === 'undefined' || typeof wx.connectSocket !== 'function') return 'wx.connectSocket is not available'
    return wx.connectSocket(opts)
  },
  // A mini-program has no address bar: no OAuth redirect to read, none to follow.
  currentUrl: null,
  cleanUrl: null,
  redirect: null,
}
