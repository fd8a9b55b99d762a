'use strict'
// Realtime: `supabase.channel(...)`. The protocol (frames, joins, replies, heartbeat, reconnect,
// presence, the access token) is in the core (src/realtime); this file keeps the callbacks of
// `.on` and `.subscribe`, and carries the one SocketTask the core asks for (the platform's
// connectSocket: wx.connectSocket, or a WebSocket in a browser): frames in, frames out. It
// performs the driver's socket_open, socket_send, socket_close, realtime and channel_status
// outputs, and has no `if` on what the server sent.

const { channelError } = require('./errors.js')
const { toJson, messageOf } = require('./util.js')

function report(what, e) {
  console.error('supabase-wechat: realtime ' + what + ' callback failed:', messageOf(e))
}

class RealtimeChannel {
  constructor(client, name, params) {
    this.topic = 'realtime:' + name
    this.subTopic = name
    this.params = params || { config: {} }
    this.state = 'closed'
    this._client = client
    this._driver = client._driver
    this._id = null
    this._bindings = []
    this._onStatus = []
    this._subscribed = false
    // Every call into the core goes through this chain, in call order, once the core has loaded.
    this._chain = this._driver.ready().then((core) => {
      this._driver.guard(() => {
        this._id = core.call('realtimeChannel', 0, 0, name, undefined, toJson(this.params))
        client._byId.set(this._id, this)
      })
      return core
    })
    this._chain.catch(() => undefined)
  }

  _do(fn) {
    this._chain = this._chain.then((core) => {
      this._driver.step(() => {
        if (this._id !== null) fn(core)
      })
      return core
    })
    this._chain.catch(() => undefined)
    return this._chain
  }

  // An operation of the core that ends with `Done { data: 'ok' | 'timed out' | 'error' }`.
  _op(fn) {
    return new Promise((resolve) => {
      this._chain
        .then(() => {
          if (this._id === null) return resolve('error')
          return this._driver.run(fn, {
            done: (out) => resolve(out.data),
            lost: () => resolve(null),
            fail: () => resolve('error'),
          })
        })
        .catch(() => resolve('error'))
    })
  }

  /** `on('postgres_changes', { event, schema, table, filter }, cb)`, `on('broadcast', { event }, cb)`, `on('presence', { event: 'sync'|'join'|'leave' }, cb)`. */
  on(type, filter, callback) {
    const kind = String(type).toLowerCase()
    this._bindings.push({ type: kind, filter: filter || {}, callback })
    this._do((core) => core.call('realtimeOn', 0, this._id, kind, undefined, toJson(filter || {})))
    return this
  }

  /**
   * `subscribe((status, err) => …, timeout)`: status `SUBSCRIBED`, `TIMED_OUT`, `CLOSED` or `CHANNEL_ERROR`.
   * Again on the same channel (`channel(name)` twice gives one channel, as realtime-js 2.x): no
   * throw and no second join; the callback also gets the channel's later statuses, and
   * `SUBSCRIBED` at once if it is joined (the SDK we replace joined each `channel()` anew).
   */
  subscribe(callback, timeout) {
    const cb = typeof callback === 'function' ? callback : null
    if (cb) this._onStatus.push(cb)
    if (this._subscribed) {
      if (cb && this.state === 'joined') setTimeout(() => this._tell(cb, 'SUBSCRIBED'), 0)
      return this
    }
    this._subscribed = true
    this.state = 'joining'
    this._do((core) =>
      core.call('realtimeSubscribe', Date.now(), this._id, undefined, typeof timeout === 'number' ? timeout : undefined),
    )
    this._chain.catch(() => this._status('CHANNEL_ERROR', 'the wasm core failed to load'))
    return this
  }

  /** `send({ type: 'broadcast', event, payload }, { timeout })` → `'ok' | 'timed out' | 'error'`. */
  send(args, opts) {
    const timeout = opts && typeof opts.timeout === 'number' ? opts.timeout : undefined
    return this._op((core) => core.call('realtimePush', Date.now(), this._id, toJson(args), timeout))
  }

  track(payload, opts) {
    return this.send({ type: 'presence', event: 'track', payload }, opts)
  }

  untrack(opts) {
    return this.send({ type: 'presence', event: 'untrack' }, opts)
  }

  /** `{ key: [{ ...meta, presence_ref }] }` */
  presenceState() {
    const core = this._driver.core
    if (this._id === null || !core) return {}
    try {
      return JSON.parse(core.call('realtimePresenceState', 0, this._id))
    } catch (_e) {
      return {}
    }
  }

  /** Leave the channel → `'ok' | 'timed out' | 'error'`. */
  unsubscribe() {
    this.state = 'leaving'
    const p = this._op((core) => core.call('realtimeLeave', Date.now(), this._id))
    return p.then((status) => {
      this.state = 'closed'
      this._client._forget(this)
      return status
    })
  }

  _status(status, message) {
    this.state = { SUBSCRIBED: 'joined', CLOSED: 'closed', CHANNEL_ERROR: 'errored', TIMED_OUT: 'errored' }[status] || this.state
    if (status === 'CLOSED') this._client._forget(this)
    this._onStatus.slice().forEach((cb) => {
      this._tell(cb, status, message)
    })
  }

  _tell(cb, status, message) {
    try {
      if (message === undefined || message === null) cb(status)
      else cb(status, channelError(message))
    } catch (e) {
      report('subscribe', e)
    }
  }

  _deliver(bindings, payload) {
    bindings.forEach((i) => {
      const b = this._bindings[i]
      if (!b || typeof b.callback !== 'function') return
      try {
        if (payload === null) b.callback()
        else b.callback(payload)
      } catch (e) {
        report(b.type, e)
      }
    })
  }
}

class RealtimeClient {
  constructor(driver) {
    this._driver = driver
    this._channels = []
    this._byId = new Map()
    this._sockets = new Map()
    // The core's outputs, one handler each.
    const sockets = this._sockets
    driver.on('socket_open', (out) => this._open(out))
    driver.on('socket_send', (out) => {
      const task = sockets.get(out.socket)
      if (task) task.send({ data: out.text, fail: () => undefined })
    })
    driver.on('socket_close', (out) => {
      const task = sockets.get(out.socket)
      sockets.delete(out.socket)
      if (task) task.close({ code: out.code, reason: out.reason, fail: () => undefined })
    })
    driver.on('realtime', (out) => {
      const ch = this._byId.get(out.channel)
      if (ch) ch._deliver(out.bindings, out.payload === undefined ? null : out.payload)
    })
    driver.on('channel_status', (out) => {
      const ch = this._byId.get(out.channel)
      if (ch) ch._status(out.status, out.message)
    })
  }

  /** `channel(name, { config: { broadcast: { self, ack }, presence: { key, enabled }, private } })`; the same name gives the same channel. */
  channel(name, params) {
    const topic = 'realtime:' + name
    const found = this._channels.find((c) => c.topic === topic)
    if (found) return found
    const ch = new RealtimeChannel(this, String(name), params)
    this._channels.push(ch)
    return ch
  }

  getChannels() {
    return this._channels.slice()
  }

  /** Leave and forget the channel; the socket closes with the last one and stays closed. */
  removeChannel(channel) {
    return channel && typeof channel.unsubscribe === 'function' ? channel.unsubscribe() : Promise.resolve('ok')
  }

  removeAllChannels() {
    return Promise.all(this._channels.slice().map((c) => c.unsubscribe()))
  }

  /** `setAuth(token)`: this token for joins and an `access_token` push to joined channels, until the session changes; `setAuth()`: the session's again. */
  setAuth(token) {
    const t = typeof token === 'string' && token ? token : undefined
    return this._driver.control((core) => core.call('realtimeSetAuth', 0, 0, t)).then(() => undefined)
  }

  /** Open the socket now if a subscribed channel wants it (after `disconnect()`): its channels rejoin. */
  connect() {
    this._driver.control((core) => core.call('realtimeConnect', Date.now()))
  }

  /** Close the socket (code 1000 unless given); channels wait, and nothing reopens it until `connect()` or a `subscribe()`. */
  disconnect(code, reason) {
    const c = typeof code === 'number' ? code : undefined
    const r = typeof reason === 'string' ? reason : ''
    return this._driver.control((core) => core.call('realtimeDisconnect', Date.now(), 0, r, c)).then(() => 'ok')
  }

  isConnected() {
    const core = this._driver.core
    return !!core && core.call('realtimeIsConnected')
  }

  _forget(ch) {
    const i = this._channels.indexOf(ch)
    if (i !== -1) this._channels.splice(i, 1)
  }

  // The SocketTask adapter: every event goes back to the core with the socket's id.
  _open(out) {
    const d = this._driver
    const id = out.socket
    const feed = (fn) => d.step(fn)
    // Events reach the core on a later tick, never inside the drive loop that asked for the socket.
    const error = (msg) => (core) => core.call('socketError', Date.now(), id, msg)
    const failed = (msg) => setTimeout(() => feed(error(msg)), 0)
    const opts = { url: out.url, header: out.headers, fail: (res) => failed((res && res.errMsg) || 'connectSocket:fail') }
    if (out.protocols && out.protocols.length) opts.protocols = out.protocols
    let task
    try {
      task = d.platform.connectSocket(opts)
    } catch (e) {
      return failed('connectSocket:fail ' + messageOf(e))
    }
    if (typeof task === 'string') return failed(task)
    if (!task) return undefined // `fail` reports it
    this._sockets.set(id, task)
    task.onOpen(() => feed((core) => core.call('socketOpened', Date.now(), id)))
    task.onMessage((res) => {
      if (res && typeof res.data === 'string') feed((core) => core.socketMessage(id, res.data, Date.now()))
    })
    task.onError((res) => feed(error(String((res && res.errMsg) || ''))))
    task.onClose((res) => {
      if (this._sockets.get(id) === task) this._sockets.delete(id)
      const code = res && typeof res.code === 'number' ? res.code : 1006
      feed((core) => core.call('socketClosed', Date.now(), id, String((res && res.reason) || ''), code))
    })
    return undefined
  }
}

module.exports = { RealtimeClient, RealtimeChannel }
