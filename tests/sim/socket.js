'use strict'
// wx.connectSocket / SocketTask (+ the legacy wx.*Socket* APIs) over real WebSockets (the `ws` client).
//
// Documented (developers.weixin.qq.com/miniprogram/dev/...):
//  [D1] api/network/websocket/wx.connectSocket.html: options url (wss), header (Referer cannot be set),
//       protocols, tcpNoDelay, perMessageDeflate (default false), timeout (ms), success/fail/complete;
//       Promise style 不支持; 并发数: "1.7.0 及以上版本，最多可以同时存在 5 个 WebSocket 连接".
//  [D2] SocketTask.onOpen: res {header (2.0.0), profile (2.10.4): fetchStart, domainLookUpStart,
//       domainLookUpEnd, connectStart, connectEnd, rtt, handshakeCost, cost}. wx.onSocketOpen: {header}.
//  [D3] SocketTask.close({code = 1000, reason: ≤ 123 UTF-8 bytes}), Promise 不支持; onClose res {code, reason}.
//  [D4] SocketTask.send({data: string | ArrayBuffer}); onMessage res {data: string | ArrayBuffer};
//       onError res {errMsg}.
//  [D5] Official typings (miniprogram-api-typings 5.2.3, types/wx/lib.wx.api.d.ts): interface SocketTask
//       has only close/onClose/onError/onMessage/onOpen/send (no readyState, no off*); sendSocketMessage
//       and closeSocket have a Promise form.
//  [D6] framework/ability/network.html: Referer is fixed to https://servicewechat.com/{appid}/{version}/
//       page-frame.html; in the background "如果 5s 内网络请求没有结束，会回调错误信息 fail interrupted；在回到
//       前台之前，网络请求接口调用都会无法调用".
//  [D7] wx.closeSocket example: closing before onSocketOpen does not close the socket.
// Undocumented, decided from evidence (third-party, reference only):
//  [E1] readyState + CONNECTING/OPEN/CLOSING/CLOSED ARE modelled. Not in [D5], but NervJS/taro
//       packages/taro/types/api/network/websocket.d.ts declares them (with socketTaskId, errMsg) on the
//       runtime SocketTask; the runtime's own send error "SocketTask.send:fail SocketTask.readyState is not
//       OPEN" (guarded against in shipped mini-program code; Taro's H5 shim copies it) names the property;
//       the anchor SDK (supabase-wechat-stable-v2 2.2.0, RealtimeClient.js:218) switches on conn.readyState
//       and its realtime works on devices. New code should still track state from events.
//  [E2] The 6th socket: "connectSocket:fail fail reach max websocket connect count 5" (doubled "fail"), as
//       Didi's dimina-kit reproduces WeChat's script layer; an older base library said "createSocketTask：fail
//       exceed max cocurrent count" (netease-im/NIM_Web_Weapp_Demo#9, 2018). Match only "connectSocket:fail".
//       The call still returns a SocketTask, already CLOSED, that never fires events.
//  [E3] Legacy errMsgs "sendSocketMessage:fail WebSocket is not connected" / "closeSocket:fail WebSocket is
//       not connected"; a SocketTask's send/close succeed with "sendSocketMessage:ok" / "closeSocket:ok".
//       Bad url: `connectSocket:fail invalid url "<url>"`; non-string url: "connectSocket:fail parameter
//       error: parameter.url should be String instead of Undefined;" and the call returns undefined
//       (dimina-kit). Legacy listeners are single-slot and follow the first socket still alive (dimina-kit).
//  [E4] Close codes seen on devices (developers.weixin.qq.com/community/develop/doc/000a0cbd84c480897c1e455105b800):
//       1000 "normal closure", 1000 "interrupted" (killed in the background), 1006 "abnormal closure".
//       Background: onSocketClose (no onSocketError) within ~10 s of hiding (cnblogs wangchengb/p/11334001);
//       a 2024 community report says SocketTask.onClose did not fire at all → backgroundCloseSilent.
// Our own choices: ws:// is accepted (like http in net.js: the wss/domain rules are not modelled); close
// codes are checked like the browser's WebSocket.close (1000 or 3000–4999), with its messages; close()
// while CONNECTING aborts and fires onClose with the caller's code/reason; a failed handshake fires onError
// ("connectSocket:fail <reason>") then onClose 1006 (DevTools is Chromium), or onError only with
// sim.sockets.closeAfterConnectError = false; onError texts are not specified by WeChat — never parse them;
// tcpNoDelay is accepted but Node's ws always sets TCP_NODELAY.
//
// Every event reaches the app on a later macrotask (app._later, FIFO), so success/fail of connectSocket
// runs before onOpen, and readyState changes when the event is delivered, just before its listeners run.
const WebSocket = require('ws')
const { isArrayBuffer } = require('./clone')
const { netReason } = require('./net')

const MAX_SOCKETS = 5
const CONNECTING = 0
const OPEN = 1
const CLOSING = 2
const CLOSED = 3
const LIMIT_ERR = `connectSocket:fail fail reach max websocket connect count ${MAX_SOCKETS}`
const SEND_NOT_OPEN = 'SocketTask.send:fail SocketTask.readyState is not OPEN'
const NOT_CONNECTED = 'WebSocket is not connected'
const DEFAULT_TIMEOUT = 60000

function typeName(v) {
  return Object.prototype.toString.call(v).slice(8, -1)
}

// Test hooks: sim.sockets.
class SocketHooks {
  constructor(sim) {
    this.sim = sim
    this.log = [] // {op: 'connect'|'send'|'close'|'drop', id, app, ...}
    this.maxConcurrentSeen = 0
    this.closeAfterConnectError = true // a failed handshake fires onError then onClose 1006
    this.backgroundCloseAfter = null // ms after fireAppHide at which sockets are interrupted (null: never)
    this.backgroundCloseSilent = false // interrupted sockets vanish without onClose/onError
  }

  _mgr() {
    const app = this.sim.app
    return app && app.alive ? app._sockets : null
  }
  // sockets of the running app that hold a slot and whose readyState (as the app sees it) is OPEN
  open() {
    const m = this._mgr()
    return m ? [...m.live].filter((s) => s.state === OPEN).length : 0
  }
  // sockets holding one of the 5 slots (CONNECTING, OPEN or CLOSING)
  live() {
    const m = this._mgr()
    return m ? m.live.size : 0
  }
  // a network drop: open sockets get onClose {code, reason}, connecting ones fail their handshake
  dropAll(code = 1006, reason = 'abnormal closure') {
    const m = this._mgr()
    return m ? m.abortAll(code, reason, false) : 0
  }
}

class AppSockets {
  constructor(app) {
    this.app = app
    this.sim = app.sim
    this.hooks = app.sim.sockets
    this.live = new Set() // sockets holding a slot
    this.all = new Set() // sockets with a ws to destroy on kill
    this.seq = 0
    this.bound = null // target of the legacy wx.*Socket* APIs
    this.legacy = { open: null, message: null, error: null, close: null }
    this.hidden = false
    this.interrupted = false
    this.bgTimer = null
  }

  // ---------- delivery ----------

  _deliver(s, type, res, before) {
    const app = this.app
    app._later(() => {
      if (before && before() === false) return
      const name = 'on' + type[0].toUpperCase() + type.slice(1)
      for (const cb of s.listeners[type].slice()) app._invoke(cb, [res], `SocketTask.${name} callback`)
      const g = this.legacy[type]
      if (g && s === this.bound) {
        const gres = type === 'open' ? app._obj({ header: res.header }) : res
        app._invoke(g, [gres], `wx.onSocket${name.slice(2)} callback`)
      }
    })
  }

  _release(s) {
    s.state = CLOSED
    this.live.delete(s)
  }

  // The connection is over (host side). error: errMsg for onError (or null); close: {code, reason} (or null).
  _end(s, error, close) {
    if (s.ended) return
    s.ended = true
    this.all.delete(s)
    if (s.ws) s.ws.terminate()
    const app = this.app
    if (error)
      this._deliver(s, 'error', app._obj({ errMsg: error }), () => {
        if (!close) this._release(s)
      })
    if (close) this._deliver(s, 'close', app._obj({ code: close.code, reason: close.reason }), () => this._release(s))
  }

  _handshakeFailed(s, reason) {
    this._end(
      s,
      `connectSocket:fail ${reason}`,
      this.hooks.closeAfterConnectError ? { code: 1006, reason: 'abnormal closure' } : null,
    )
  }

  // dropAll / background interruption
  abortAll(code, reason, silent) {
    let n = 0
    for (const s of [...this.live]) {
      if (s.ended) continue
      n++
      if (silent) {
        s.ended = true
        s.endReason = reason
        this.all.delete(s)
        s.ws.terminate()
        this.live.delete(s) // the native side freed the slot; the app is never told
      } else if (s.opened) this._end(s, null, { code, reason })
      else this._handshakeFailed(s, reason)
    }
    this.hooks.log.push({ op: 'drop', code, reason, silent, count: n, app: this.app.id })
    return n
  }

  // ---------- app lifecycle (wired by installSockets) ----------

  onHide() {
    this.hidden = true
    const ms = this.hooks.backgroundCloseAfter
    if (ms === null || ms === undefined || this.bgTimer) return
    this.bgTimer = setTimeout(
      () => {
        this.bgTimer = null
        if (!this.app.alive || !this.hidden) return
        this.interrupted = true
        this.abortAll(1000, 'interrupted', !!this.hooks.backgroundCloseSilent)
      },
      Math.max(0, Number(ms) || 0),
    )
  }

  onShow() {
    this.hidden = false
    this.interrupted = false
    clearTimeout(this.bgTimer)
    this.bgTimer = null
  }

  kill() {
    clearTimeout(this.bgTimer)
    this.bgTimer = null
    for (const s of this.all) {
      s.ended = true
      s.ws.terminate()
    }
    this.all.clear()
    this.live.clear()
  }

  // ---------- helpers ----------

  _headers(hdr) {
    const out = {}
    if (hdr && typeof hdr === 'object') {
      for (const k of Object.keys(hdr)) {
        const v = hdr[k]
        if (v === undefined || v === null || k.toLowerCase() === 'referer') continue
        out[k] = String(v)
      }
    }
    out.Referer = `https://servicewechat.com/${this.sim.appid}/devtools/page-frame.html`
    return out
  }

  _headerObj(rawHeaders) {
    const h = this.app._obj({})
    const keyOf = Object.create(null)
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]
      const lower = name.toLowerCase()
      if (keyOf[lower] !== undefined) h[keyOf[lower]] += ', ' + rawHeaders[i + 1]
      else {
        keyOf[lower] = name
        h[name] = rawHeaders[i + 1]
      }
    }
    return h
  }

  _timeout(t) {
    if (typeof t === 'number' && t > 0) return t
    const j = this.app._appJson
    const d = j && j.networkTimeout && j.networkTimeout.connectSocket
    return typeof d === 'number' && d > 0 ? d : DEFAULT_TIMEOUT
  }

  // data check shared by SocketTask.send and wx.sendSocketMessage; returns [payload, logged] or an errMsg tail
  _payload(data) {
    if (typeof data === 'string') return [data, data]
    if (isArrayBuffer(data)) {
      const buf = Buffer.from(new Uint8Array(data)) // copy: the app may reuse its buffer
      return [buf, Buffer.from(buf)]
    }
    return `parameter error: parameter.data should be String or ArrayBuffer instead of ${typeName(data)};`
  }

  _send(s, o, finish, api) {
    if (s.ended) return finish(false, { errMsg: `${api}:fail ${s.endReason || NOT_CONNECTED}` })
    const p = this._payload(o.data)
    if (typeof p === 'string') return finish(false, { errMsg: `${api}:fail ${p}` })
    this.hooks.log.push({ op: 'send', id: s.id, data: p[1], app: this.app.id })
    s.ws.send(p[0], { binary: typeof p[0] !== 'string' }, (err) => {
      if (err) finish(false, { errMsg: `sendSocketMessage:fail ${err.message}` })
      else finish(true, { errMsg: 'sendSocketMessage:ok' })
    })
  }

  _close(s, o, finish) {
    if (s.state === CLOSING || s.state === CLOSED) return finish(false, { errMsg: `closeSocket:fail ${NOT_CONNECTED}` })
    if (s.ended) return finish(false, { errMsg: `closeSocket:fail ${s.endReason || NOT_CONNECTED}` })
    let code = 1000
    if (o.code !== undefined) {
      if (typeof o.code !== 'number')
        return finish(false, {
          errMsg: `closeSocket:fail parameter error: parameter.code should be Number instead of ${typeName(o.code)};`,
        })
      code = o.code
      if (!(code === 1000 || (Number.isInteger(code) && code >= 3000 && code <= 4999))) {
        return finish(false, {
          errMsg: `closeSocket:fail The code must be either 1000, or between 3000 and 4999. ${code} is neither.`,
        })
      }
    }
    let reason = ''
    if (o.reason !== undefined) {
      if (typeof o.reason !== 'string')
        return finish(false, {
          errMsg: `closeSocket:fail parameter error: parameter.reason should be String instead of ${typeName(o.reason)};`,
        })
      if (Buffer.byteLength(o.reason) > 123)
        return finish(false, { errMsg: 'closeSocket:fail The message must not be greater than 123 bytes.' })
      reason = o.reason
    }
    this.hooks.log.push({ op: 'close', id: s.id, code, reason, app: this.app.id })
    const connecting = s.state === CONNECTING
    s.state = CLOSING
    s.closeReq = { code, reason }
    finish(true, { errMsg: 'closeSocket:ok' })
    if (connecting)
      this._end(s, null, { code, reason }) // abort the handshake
    else s.ws.close(code, reason)
  }

  // ---------- wx.connectSocket ----------

  connect(o, finish) {
    const app = this.app
    if (typeof o.url !== 'string') {
      finish(false, {
        errMsg: `connectSocket:fail parameter error: parameter.url should be String instead of ${typeName(o.url)};`,
      })
      return undefined
    }
    let u = null
    try {
      u = new URL(o.url)
    } catch {
      /* invalid */
    }
    if (!u || (u.protocol !== 'ws:' && u.protocol !== 'wss:') || !u.host || u.hash) {
      finish(false, { errMsg: `connectSocket:fail invalid url "${o.url}"` })
      return undefined
    }

    const s = {
      id: ++this.seq,
      state: CONNECTING,
      listeners: { open: [], message: [], error: [], close: [] },
      ws: null,
      opened: false,
      ended: false,
      endReason: null,
      closeReq: null,
      upgrade: null,
    }
    const task = this._task(s)
    if (this.interrupted) {
      s.state = CLOSED
      s.ended = true
      finish(false, { errMsg: 'connectSocket:fail interrupted' })
      return task
    }
    if (this.live.size >= MAX_SOCKETS) {
      s.state = CLOSED
      s.ended = true
      finish(false, { errMsg: LIMIT_ERR })
      return task
    }

    const headers = this._headers(o.header)
    const protocols = Array.isArray(o.protocols) ? Array.from(o.protocols) : []
    const t0 = Date.now()
    let ws
    try {
      ws = new WebSocket(o.url, protocols, {
        headers,
        perMessageDeflate: o.perMessageDeflate === true,
        handshakeTimeout: this._timeout(o.timeout),
        followRedirects: false,
        rejectUnauthorized: this.sim.options.rejectUnauthorized !== false,
      })
    } catch (e) {
      s.state = CLOSED
      s.ended = true
      finish(false, { errMsg: `connectSocket:fail ${e.message}` })
      return undefined
    }
    s.ws = ws
    this.live.add(s)
    this.all.add(s)
    if (this.live.size > this.hooks.maxConcurrentSeen) this.hooks.maxConcurrentSeen = this.live.size
    if (!this.bound || this.bound.state === CLOSED) this.bound = s
    this.hooks.log.push({
      op: 'connect',
      id: s.id,
      url: o.url,
      header: Object.assign({}, headers),
      protocols,
      perMessageDeflate: o.perMessageDeflate === true,
      tcpNoDelay: o.tcpNoDelay === true,
      app: app.id,
    })

    ws.on('upgrade', (res) => {
      s.upgrade = { rawHeaders: res.rawHeaders.slice(), t: Date.now() }
    })
    ws.on('open', () => {
      if (s.ended) return
      s.opened = true
      const t1 = s.upgrade ? s.upgrade.t : Date.now()
      const t2 = Date.now()
      const res = app._obj({
        header: this._headerObj(s.upgrade ? s.upgrade.rawHeaders : []),
        profile: app._obj({
          fetchStart: t0,
          domainLookUpStart: t0,
          domainLookUpEnd: t0,
          connectStart: t0,
          connectEnd: t1,
          rtt: t1 - t0,
          handshakeCost: t1 - t0,
          cost: t2 - t0,
        }),
      })
      this._deliver(s, 'open', res, () => {
        if (s.state !== CONNECTING) return false // closed by the app meanwhile
        s.state = OPEN
      })
    })
    ws.on('message', (data, isBinary) => {
      if (s.ended) return
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
      const res = app._obj({ data: isBinary ? app._ab(buf) : buf.toString('utf8') })
      this._deliver(s, 'message', res, () => s.state === OPEN || s.state === CLOSING)
    })
    ws.on('error', (err) => {
      if (s.ended) return
      if (!s.opened) {
        const reason = err.message === 'Opening handshake has timed out' ? 'timeout' : err.code ? netReason(err) : err.message
        this._handshakeFailed(s, reason)
        return
      }
      this._deliver(s, 'error', app._obj({ errMsg: err.message }))
    })
    ws.on('close', (code, reasonBuf) => {
      if (s.ended) return
      if (!s.opened) {
        this._handshakeFailed(s, 'abnormal closure')
        return
      }
      let reason = reasonBuf ? reasonBuf.toString('utf8') : ''
      if (code === 1006 && !reason) reason = 'abnormal closure'
      this._end(s, null, s.closeReq || { code, reason })
    })

    finish(true, { errMsg: 'connectSocket:ok' })
    return task
  }

  // The SocketTask the app sees: context-realm object, context-realm functions.
  _task(s) {
    const app = this.app
    const task = app._obj({})
    const on = (type) =>
      app._fn('on' + type[0].toUpperCase() + type.slice(1), (cb) => {
        if (typeof cb === 'function' && !s.listeners[type].includes(cb)) s.listeners[type].push(cb)
      })
    task.send = app._fn('send', (opt) =>
      app._api(
        'SocketTask.send',
        opt,
        (o, finish) => {
          if (s.state !== OPEN) return finish(false, { errMsg: SEND_NOT_OPEN })
          this._send(s, o, finish, 'sendSocketMessage')
        },
        false,
      ),
    )
    task.close = app._fn('close', (opt) => app._api('closeSocket', opt, (o, finish) => this._close(s, o, finish), false))
    task.onOpen = on('open')
    task.onMessage = on('message')
    task.onError = on('error')
    task.onClose = on('close')
    Object.defineProperty(task, 'readyState', { get: app._fn('readyState', () => s.state), enumerable: true, configurable: true })
    for (const [k, v] of [
      ['CONNECTING', CONNECTING],
      ['OPEN', OPEN],
      ['CLOSING', CLOSING],
      ['CLOSED', CLOSED],
    ]) {
      Object.defineProperty(task, k, { value: v, enumerable: true })
    }
    return task
  }

  // ---------- legacy wx.*Socket* ----------

  legacyApis() {
    const app = this.app
    const slot = (type) => (cb) => {
      if (typeof cb === 'function') this.legacy[type] = cb
    }
    return {
      onSocketOpen: slot('open'),
      onSocketMessage: slot('message'),
      onSocketError: slot('error'),
      onSocketClose: slot('close'),
      sendSocketMessage: (opt) =>
        app._api('sendSocketMessage', opt, (o, finish) => {
          const s = this.bound
          if (!s || s.state !== OPEN) return finish(false, { errMsg: `sendSocketMessage:fail ${NOT_CONNECTED}` })
          this._send(s, o, finish, 'sendSocketMessage')
        }),
      closeSocket: (opt) =>
        app._api('closeSocket', opt, (o, finish) => {
          const s = this.bound
          if (!s || s.state !== OPEN) return finish(false, { errMsg: `closeSocket:fail ${NOT_CONNECTED}` })
          this._close(s, o, finish)
        }),
    }
  }
}

// Called from AppRuntime._makeWx: creates app._sockets, hooks app hide/show/kill, returns the wx APIs.
function installSockets(app) {
  const m = new AppSockets(app)
  app._sockets = m
  const { _fireHide, _fireShow, _kill } = app
  app._fireHide = function (...args) {
    const r = _fireHide.apply(this, args)
    m.onHide()
    return r
  }
  app._fireShow = function (...args) {
    m.onShow()
    return _fireShow.apply(this, args)
  }
  app._kill = function (...args) {
    m.kill()
    return _kill.apply(this, args)
  }
  const apis = {
    connectSocket: (opt) => app._api('connectSocket', opt, (o, finish) => m.connect(o, finish), false),
  }
  return Object.assign(apis, m.legacyApis())
}

module.exports = { installSockets, SocketHooks, MAX_SOCKETS, LIMIT_ERR, SEND_NOT_OPEN }
