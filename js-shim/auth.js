'use strict'
// `supabase.auth`: a driver around the wasm core. The core decides everything (what to send,
// what a reply means, what to store, which event to raise, what each call resolves with); this
// file performs the core's outputs with wx APIs and feeds results back. It has no `if` on what a
// server answered.

const { loadCore } = require('./loader.js')
const { toError, AuthUnknownError } = require('./errors.js')
const wxio = require('./wx-io.js')

// What each method resolves with when the core itself could not be loaded.
const EMPTY = {
  signInWithWechat: { user: null, session: null },
  getSession: { session: null },
}

function toJson(value) {
  try {
    const s = JSON.stringify(value === undefined ? null : value)
    return s === undefined ? 'null' : s
  } catch (e) {
    return 'null' // circular or exotic input: the core answers with a clear validation error
  }
}

let nextSubscriptionId = 0

class AuthClient {
  constructor(config) {
    this._listeners = new Map()
    this._ops = new Map()
    this._driving = false
    this._again = false
    this._core = null
    this._broken = null
    this._ready = loadCore(config.wasmPath).then((glue) => {
      const core = new glue.Core(toJson({ url: config.url, key: config.key, options: config.options }))
      this._core = core
      if (core.persists()) core.restore(wxio.readStorage(core.storageKey()), Date.now())
      this._drive()
      return core
    })
    // Avoid an unhandled rejection when nobody calls the client; callers see the error per call.
    this._ready.catch(() => {})
  }

  /** 微信登录: `signInWithWechat({ code })` with the code from `wx.login`. */
  signInWithWechat(params) {
    return this._op('signInWithWechat', (core) => core.signInWithWechat(toJson(params), Date.now()))
  }

  /** The current session, restored from storage at start-up: `{ data: { session }, error }`. */
  getSession() {
    return this._op('getSession', (core) => core.getSession(Date.now()))
  }

  /**
   * Subscribe to auth events. The callback first receives `INITIAL_SESSION` with the current
   * session (or null), then `SIGNED_IN`, `SIGNED_OUT`, `TOKEN_REFRESHED`, `USER_UPDATED`.
   */
  onAuthStateChange(callback) {
    const id = 'sub-' + ++nextSubscriptionId
    const subscription = {
      id,
      callback,
      unsubscribe: () => {
        this._listeners.delete(id)
      },
    }
    this._listeners.set(id, subscription)
    this._ready.then(
      (core) => {
        if (!this._listeners.has(id)) return
        const json = core.sessionJson()
        this._call(subscription, 'INITIAL_SESSION', json === undefined ? null : JSON.parse(json))
      },
      () => {
        if (this._listeners.has(id)) this._call(subscription, 'INITIAL_SESSION', null)
      },
    )
    return { data: { subscription } }
  }

  // Start an operation once the core is ready; resolves with `{ data, error }`, never rejects.
  _op(name, start) {
    return this._ready.then(
      (core) =>
        new Promise((resolve) => {
          if (this._broken) return resolve({ data: EMPTY[name], error: this._broken })
          this._guard(() => {
            this._ops.set(start(core), (r) => resolve(r))
            this._drive()
          })
          if (this._broken) resolve({ data: EMPTY[name], error: this._broken })
        }),
      (err) => ({
        data: EMPTY[name],
        error: new AuthUnknownError('supabase-wechat: the wasm core failed to load: ' + ((err && err.message) || err)),
      }),
    )
  }

  // Perform every pending output of the core. Re-entrant calls (a listener that calls the client)
  // are folded into the running loop.
  _drive() {
    if (this._driving) {
      this._again = true
      return
    }
    this._driving = true
    try {
      do {
        this._again = false
        let raw
        while ((raw = this._core.poll()) !== undefined) this._perform(JSON.parse(raw))
      } while (this._again)
    } finally {
      this._driving = false
    }
  }

  // The core never panics by design; should the wasm instance trap anyway, every pending and
  // later call resolves with the error instead of hanging.
  _guard(fn) {
    try {
      fn()
    } catch (e) {
      if (!this._broken) {
        this._broken = new AuthUnknownError('supabase-wechat: internal error in the wasm core: ' + ((e && e.message) || e))
        console.error(this._broken, e)
      }
      this._driving = false
      const waiting = Array.from(this._ops.values())
      this._ops.clear()
      for (const resolve of waiting) resolve({ data: null, error: this._broken })
    }
  }

  _perform(out) {
    switch (out.type) {
      case 'http':
        return wxio.request(
          out,
          (status, body) => this._guard(() => {
            this._core.handleResponse(out.id, status, body, Date.now())
            this._drive()
          }),
          (errMsg) => this._guard(() => {
            this._core.handleTransportError(out.id, errMsg, Date.now())
            this._drive()
          }),
        )
      case 'storage_set':
        return wxio.writeStorage(out.key, out.value)
      case 'storage_remove':
        return wxio.removeStorage(out.key)
      case 'event':
        return this._emit(out.event, out.session)
      case 'done': {
        const resolve = this._ops.get(out.op)
        this._ops.delete(out.op)
        if (resolve) resolve({ data: out.data, error: toError(out.error) })
        return undefined
      }
      default:
        return undefined
    }
  }

  _emit(event, session) {
    for (const sub of Array.from(this._listeners.values())) this._call(sub, event, session)
  }

  // A listener that throws or rejects is reported, never allowed to break the SDK.
  _call(sub, event, session) {
    try {
      const r = sub.callback(event, session)
      if (r && typeof r.then === 'function') r.then(undefined, (e) => console.error('onAuthStateChange callback failed', e))
    } catch (e) {
      console.error('onAuthStateChange callback failed', e)
    }
  }
}

module.exports = { AuthClient }
