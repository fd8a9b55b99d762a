'use strict'
// `supabase.auth`: a driver around the wasm core. The core decides everything (what to send,
// what a reply means, what to store, which event goes to whom, what each call resolves with);
// this file performs the core's outputs with wx APIs and feeds results back. It has no `if` on
// what a server answered.

const { loadCore } = require('./loader.js')
const { toError, AuthUnknownError } = require('./errors.js')
const wxio = require('./wx-io.js')

// What each method resolves with when the core itself is unavailable.
const EMPTY = {
  signInWithWechat: { user: null, session: null },
  getSession: { session: null },
}

// JSON text for the core. Functions (a custom storage adapter, global.fetch) are dropped as
// JSON.stringify does; a cycle or a BigInt drops only the value concerned, not the whole object.
function toJson(value) {
  const seen = []
  try {
    const s = JSON.stringify(value === undefined ? null : value, function (k, v) {
      if (typeof v === 'bigint') return undefined
      if (typeof v === 'object' && v !== null) {
        if (seen.indexOf(v) !== -1) return undefined
        seen.push(v)
      }
      return v
    })
    return s === undefined ? 'null' : s
  } catch (e) {
    return 'null' // a throwing toJSON: the core answers with a clear validation error
  }
}

function messageOf(e) {
  return (e && e.message) || String(e)
}

let nextSubscription = 0

class AuthClient {
  constructor(config) {
    this._config = config
    this._listeners = new Map()
    this._ops = new Map()
    this._driving = false
    this._again = false
    this._core = null
    this._broken = null
    this._ready = null
    this._storageKey = null
    this._load()
  }

  /** 微信登录: `signInWithWechat({ code })` with the code from `wx.login`. */
  signInWithWechat(params) {
    return this._op('signInWithWechat', (core) => core.signInWithWechat(toJson(params), Date.now()))
  }

  /** The current session (read from wx storage, as the SDK we replace does): `{ data: { session }, error }`. */
  getSession() {
    return this._op('getSession', (core) => core.getSession(this._stored(), Date.now()))
  }

  /**
   * Subscribe to auth events. The callback first receives `INITIAL_SESSION` with the current
   * session (or null), then `SIGNED_IN`, `SIGNED_OUT`, `TOKEN_REFRESHED`, `USER_UPDATED`.
   */
  onAuthStateChange(callback) {
    const n = ++nextSubscription
    const subscription = {
      id: 'sub-' + n,
      callback,
      unsubscribe: () => {
        this._listeners.delete(n)
      },
    }
    this._listeners.set(n, subscription)
    this._whenReady().then(
      (core) => {
        if (this._listeners.has(n)) this._guard(() => {
          core.initialSession(n, this._stored(), Date.now())
          this._drive()
        })
      },
      () => {
        // No core to ask: the only honest answer is "no session".
        if (this._listeners.has(n)) this._call(subscription, 'INITIAL_SESSION', null)
      },
    )
    return { data: { subscription } }
  }

  _load() {
    this._ready = loadCore(this._config.wasmPath).then((glue) => {
      const c = this._config
      const core = new glue.Core(String(c.url), String(c.key), toJson(c.options))
      this._core = core
      this._storageKey = core.persists() ? core.storageKey() : null
      core.restore(this._stored(), Date.now())
      this._drive()
      return core
    })
    // A failed load is retried by the next call; callers see the error per call meanwhile.
    this._ready.catch(() => {
      this._ready = null
    })
  }

  _whenReady() {
    if (!this._ready) this._load()
    return this._ready
  }

  // What wx storage holds under the session key now (undefined with persistSession: false).
  _stored() {
    return this._storageKey === null ? undefined : wxio.readStorage(this._storageKey)
  }

  // Start an operation once the core is ready; resolves with `{ data, error }`, never rejects.
  _op(name, start) {
    const fail = (error) => ({ data: EMPTY[name], error })
    return this._whenReady().then(
      (core) =>
        new Promise((resolve) => {
          if (this._broken) return resolve(fail(this._broken))
          let started = false
          this._guard(
            () => {
              this._ops.set(start(core), resolve)
              started = true
              this._drive()
            },
            (e) => {
              if (!started) resolve(fail(new AuthUnknownError('supabase-wechat: ' + messageOf(e))))
            },
          )
          if (this._broken && !started) resolve(fail(this._broken))
        }),
      (err) => fail(new AuthUnknownError('supabase-wechat: the wasm core failed to load: ' + messageOf(err))),
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

  // Runs `fn`; if it throws, tells a dead wasm instance (a trap, which the core is built never to
  // cause) from an error of the JS around it. A dead instance fails every pending and later call
  // instead of leaving them hanging; otherwise `onJsError` handles the one failed step.
  _guard(fn, onJsError) {
    try {
      fn()
    } catch (e) {
      this._driving = false
      let alive = true
      try {
        this._core.persists()
      } catch (probe) {
        alive = false
      }
      if (alive && onJsError) return onJsError(e)
      console.error('supabase-wechat:', e)
      if (alive) return undefined
      this._broken = new AuthUnknownError('supabase-wechat: internal error in the wasm core: ' + messageOf(e))
      const waiting = Array.from(this._ops.values())
      this._ops.clear()
      for (const resolve of waiting) resolve({ data: null, error: this._broken })
    }
    return undefined
  }

  _perform(out) {
    switch (out.type) {
      case 'http':
        return wxio.request(
          out,
          (status, body) => this._feed(out.id, () => this._core.handleResponse(out.id, status, body, Date.now())),
          (errMsg) => this._feed(out.id, () => this._core.handleTransportError(out.id, errMsg, Date.now())),
        )
      case 'storage_set':
        return this._core.handleStorageResult(wxio.writeStorage(out.key, out.value))
      case 'storage_remove':
        return wxio.removeStorage(out.key)
      case 'event':
        for (const [n, sub] of Array.from(this._listeners)) {
          if (out.target === undefined || out.target === n) this._call(sub, out.event, out.session)
        }
        return undefined
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

  // A reply for request `id`; should handing it over fail in JS, the request counts as failed
  // so the operation still resolves.
  _feed(id, handOver) {
    this._guard(
      () => {
        handOver()
        this._drive()
      },
      (e) =>
        this._guard(() => {
          this._core.handleTransportError(id, 'request:fail ' + messageOf(e), Date.now())
          this._drive()
        }),
    )
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
