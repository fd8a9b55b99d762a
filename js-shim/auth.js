'use strict'
// `supabase.auth`: a driver around the wasm core. The core decides everything (what to send,
// what a reply means, when to refresh, what to store, which event goes to whom, what each call
// resolves with); this file performs the core's outputs with wx APIs and timers and feeds the
// results back. It has no `if` on what a server answered.

const { toError, toDataError, AuthUnknownError } = require('./errors.js')
const storage = require('./storage.js')
const wechat = require('./platform.js')

// What each method resolves with as `data` when the core itself is unavailable.
const EMPTY_SESSION = { user: null, session: null }
const EMPTY = {
  getSession: { session: null },
  getUser: { user: null },
  updateUser: { user: null },
  wechatBindPhone: { user: null },
  wechatBindAccount: { user: null },
  getUnlimitedQRCode: { imgBase64: null },
  signInWithOAuth: { provider: null, url: null },
  signInWithOtp: { user: null, session: null, messageId: null },
  resend: { user: null, session: null, messageId: null },
  resetPasswordForEmail: null,
  signOut: null,
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

// Pages written for the 2.1.x SDK (MemFire's guide, seed 002) read `user.data.phone`; a hidden
// `data` alias of the user itself keeps them working without changing what JSON.stringify shows.
function aliasUser(user) {
  if (user && typeof user === 'object' && !Object.prototype.hasOwnProperty.call(user, 'data')) {
    Object.defineProperty(user, 'data', { value: user, enumerable: false, configurable: true })
  }
  return user
}

function result(data, error) {
  if (data && typeof data === 'object') {
    aliasUser(data.user)
    if (data.session) aliasUser(data.session.user)
  }
  return { data, error }
}

// The result of a data-path call from the core's outcome (`{ result, take, error }`, see
// src/data.rs) and what stayed in JS: `take` says where `data` comes from when the core did not
// build it. Fields in supabase-js' order: error, data, then the rest.
function assemble(outcome, held) {
  const r = (outcome && outcome.result) || {}
  let data = r.data === undefined ? null : r.data
  const take = outcome && outcome.take
  if (take === 'body') data = held ? held.body : null
  else if (take === 'first') data = held && held.body ? held.body[0] : null
  else if (take === 'file') data = held ? { tempFilePath: held.tempFilePath } : null
  else if (take === 'utf8') data = held ? utf8(held.body) : null
  else if (take === 'utf8_json') data = held ? jsonOrText(utf8(held.body)) : null
  const out = { error: toDataError(outcome && outcome.error), data }
  for (const k of Object.keys(r)) if (k !== 'data' && k !== 'error') out[k] = r[k]
  return out
}

// An ArrayBuffer body as text (UTF-8), for replies whose type is known only once they arrive.
function utf8(body) {
  if (!(body instanceof ArrayBuffer)) return typeof body === 'string' ? body : ''
  const { TextDecoder } = require('./text.js')
  return new TextDecoder().decode(new Uint8Array(body))
}

function jsonOrText(text) {
  try {
    return JSON.parse(text)
  } catch (e) {
    return text
  }
}

let nextSubscription = 0

class AuthClient {
  constructor(config) {
    this._config = config
    // The I/O adapters: WeChat's (platform.js) unless the browser build passed its own.
    this._platform = config.platform || wechat
    this._store = this._platform.store(config.options && config.options.auth)
    this._initialized = null
    this._listeners = new Map()
    this._ops = new Map()
    // Data-path operations: op -> { resolve, payload, held }.
    this._dataOps = new Map()
    this._driving = false
    this._again = false
    this._core = null
    this._broken = null
    this._ready = null
    this._storageKey = null
    this._timer = null
    this._timerAt = undefined
    this._realtime = null
    this._load()
  }

  // ---- the API of supabase-wechat-stable-v2 / supabase-js ----

  /** `{ data: { provider, url } }`; with PKCE (default) the verifier is stored for exchangeCodeForSession. */
  signInWithOAuth(credentials) {
    const o = (credentials && credentials.options) || {}
    return this._platform.randomBytes(48).then((bytes) =>
      this._invoke('signInWithOAuth', [credentials], null, bytes).then((r) => {
        // In a browser, go to the authorize URL unless the page asked to do it itself.
        if (r.data && r.data.url && !o.skipBrowserRedirect && this._platform.redirect) this._platform.redirect(r.data.url)
        return r
      }),
    )
  }
  /**
   * `{ error }` once the client has loaded and, in a browser, handled an OAuth redirect in the
   * address bar (`?code=`, `#access_token=…`, `?error=`); the redirect's error is reported here.
   */
  initialize() {
    return this._whenReady().then(
      () => this._initialized || { error: null },
      (err) => ({ error: new AuthUnknownError('supabase-wechat: the wasm core failed to load: ' + messageOf(err)) }),
    )
  }
  exchangeCodeForSession(authCode) {
    return this._invoke('exchangeCodeForSession', [authCode], 'verifier')
  }
  /** The current session (read from storage, like the SDK we replace), refreshed when about to expire. */
  getSession() {
    return this._invoke('getSession', [], 'session')
  }
  /** `signOut({ scope: 'global' | 'local' | 'others' })` → `{ error }`. */
  signOut(options) {
    return this._invoke('signOut', [options]).then((r) => ({ error: r.error }))
  }
  startAutoRefresh() {
    return this._control((core) => core.startAutoRefresh(true, Date.now()))
  }
  stopAutoRefresh() {
    return this._control((core) => core.stopAutoRefresh())
  }

  /**
   * Subscribe to auth events. The callback first receives `INITIAL_SESSION` with the current
   * session (or null), then `SIGNED_IN`, `SIGNED_OUT`, `TOKEN_REFRESHED`, `USER_UPDATED`,
   * `PASSWORD_RECOVERY`.
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
      (core) =>
        storage.whenDone(this._read('session'), (stored) => {
          if (this._listeners.has(n)) this._guard(() => {
            core.initialSession(n, stored, Date.now())
            this._drive()
          })
        }),
      () => {
        // No core to ask: the only honest answer is "no session".
        if (this._listeners.has(n)) this._call(subscription, 'INITIAL_SESSION', null)
      },
    )
    return { data: { subscription } }
  }

  // ---- driver ----

  _load() {
    this._ready = this._platform.loadCore(this._config.wasmPath).then((glue) => {
      const c = this._config
      const core = new glue.Core(String(c.url), String(c.key), toJson(c.options))
      this._storageKey = core.persists() ? core.storageKey() : null
      this._verifierKey = core.verifierKey()
      return storage.whenDone(this._read('session'), (stored) => {
        this._core = core
        core.restore(stored, Date.now())
        // The app is in the foreground now; the tick follows wx.onAppShow / wx.onAppHide.
        core.startAutoRefresh(false, Date.now())
        this._watchApp()
        this._drive()
        return this._detectSessionInUrl(core)
      })
    })
    // A failed load is retried by the next call; callers see the error per call meanwhile.
    this._ready.catch(() => {
      this._ready = null
    })
  }

  // Once, on load (browser, `auth.detectSessionInUrl` not false): hand the address to the core,
  // which decides whether it is an OAuth redirect and what to do with it (exchange the code with
  // the stored verifier, adopt implicit tokens, or report `?error=`); the client is ready once
  // that finished, so `INITIAL_SESSION` and `getSession` see its session. A redirect's
  // parameters are then removed from the address bar, so a reload does not replay them.
  _detectSessionInUrl(core) {
    const p = this._platform
    const auth = (this._config.options && this._config.options.auth) || {}
    if (typeof p.currentUrl !== 'function' || auth.detectSessionInUrl === false) return core
    const url = p.currentUrl()
    return storage.whenDone(this._store.get(this._verifierKey), (verifier) =>
      new Promise((resolve) => {
        const settle = (r) => {
          if (r.data !== null || r.error) p.cleanUrl()
          this._initialized = { error: r.error }
          resolve(core)
        }
        this._guard(
          () => {
            const op = core.invoke('sessionFromUrl', toJson([url]), verifier, new Uint8Array(0), Date.now())
            this._ops.set(op, settle)
            this._drive()
          },
          (e) => settle({ data: null, error: new AuthUnknownError('supabase-wechat: ' + messageOf(e)) }),
        )
        if (this._broken) settle({ data: null, error: this._broken })
      }),
    )
  }

  _watchApp() {
    // Realtime's heartbeat pauses in the background; showing the app reopens a socket that died.
    this._platform.watchApp(
      () =>
        this._control((core) => {
          core.startAutoRefresh(false, Date.now())
          core.appVisible(true, Date.now())
        }),
      () =>
        this._control((core) => {
          core.stopAutoRefresh()
          core.appVisible(false, Date.now())
        }),
    )
  }

  _whenReady() {
    if (!this._ready) this._load()
    return this._ready
  }

  // What storage holds for `what` ('session' or 'verifier'): a value or a Promise of one.
  _read(what) {
    if (what === 'session') return this._storageKey === null ? undefined : this._store.get(this._storageKey)
    if (what === 'verifier') return this._store.get(this._verifierKey)
    return undefined
  }

  _control(fn) {
    return this._whenReady().then(
      (core) => {
        this._guard(() => {
          fn(core)
          this._drive()
        })
        return { error: this._broken }
      },
      (err) => ({ error: new AuthUnknownError('supabase-wechat: the wasm core failed to load: ' + messageOf(err)) }),
    )
  }

  // Start an operation once the core is ready; resolves with `{ data, error }`, never rejects.
  _invoke(name, args, read, random) {
    const empty = Object.prototype.hasOwnProperty.call(EMPTY, name) ? EMPTY[name] : EMPTY_SESSION
    const fail = (error) => result(empty, error)
    return this._whenReady().then(
      (core) =>
        new Promise((resolve) => {
          storage.whenDone(this._read(read), (stored) => {
            if (this._broken) return resolve(fail(this._broken))
            let started = false
            this._guard(
              () => {
                const op = core.invoke(name, toJson(args), stored, random || new Uint8Array(0), Date.now())
                this._ops.set(op, resolve)
                started = true
                this._drive()
              },
              (e) => {
                if (!started) resolve(fail(new AuthUnknownError('supabase-wechat: ' + messageOf(e))))
              },
            )
            if (this._broken && !started) resolve(fail(this._broken))
            return undefined
          })
        }),
      (err) => fail(new AuthUnknownError('supabase-wechat: the wasm core failed to load: ' + messageOf(err))),
    )
  }

  // A Database / Storage / Functions call (used by postgrest.js, storage-api.js, functions.js):
  // `args` are the method's JSON-able arguments, `payload` what never enters wasm (`{ body }`:
  // JSON text, a string or an ArrayBuffer; or `{ filePath }` for wx.uploadFile). Resolves with
  // the result object (`{ error, data, … }` as the core decided it), never rejects.
  _data(api, method, args, payload) {
    const fail = (message) => ({ error: toDataError({ name: 'Error', message }), data: null })
    return this._whenReady().then(
      (core) =>
        new Promise((resolve) => {
          if (this._broken) return resolve(fail(this._broken.message))
          let started = false
          this._guard(
            () => {
              const op = core.data(api, method, toJson(args), Date.now())
              const d = { resolve, payload, held: null, task: null }
              this._dataOps.set(op, d)
              started = true
              this._drive()
              this._watchSignal(op, payload && payload.signal)
            },
            (e) => {
              if (!started) resolve(fail('supabase-wechat: ' + messageOf(e)))
            },
          )
          if (this._broken && !started) resolve(fail(this._broken.message))
          return undefined
        }),
      (err) => fail('supabase-wechat: the wasm core failed to load: ' + messageOf(err)),
    )
  }

  // An AbortSignal-like `signal` (WeChat has no AbortController; anything with `aborted` and
  // `addEventListener` or `onabort` works) aborts data operation `op`: the core resolves it with
  // an `aborted` error and the wx task, if any, is aborted.
  _watchSignal(op, signal) {
    if (!signal || typeof signal !== 'object') return
    const abort = () =>
      this._guard(() => {
        const d = this._dataOps.get(op)
        if (!d) return
        this._core.cancel(op)
        if (d.task && typeof d.task.abort === 'function') d.task.abort()
        this._drive()
      })
    if (signal.aborted) return abort()
    if (typeof signal.addEventListener === 'function') signal.addEventListener('abort', abort)
    else signal.onabort = abort
  }

  // Perform every pending output of the core, then arm its timer. Re-entrant calls (a listener
  // that calls the client) are folded into the running loop.
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
    this._arm()
  }

  // One timer for the core: its next refresh retry or tick.
  _arm() {
    const at = this._core.pollTimeout()
    // Re-arm unless the same future deadline is already armed: a deadline already past (the
    // device clock jumped, timers were suspended in the background) fires at once.
    if (at === this._timerAt && this._timer !== null && at > Date.now()) return
    if (this._timer !== null) clearTimeout(this._timer)
    this._timer = null
    this._timerAt = at
    if (at === undefined) return
    this._timer = setTimeout(() => {
      this._timer = null
      this._timerAt = undefined
      this._guard(() => {
        this._core.handleTimeout(Date.now())
        this._drive()
      })
    }, Math.max(0, at - Date.now()))
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
      console.error('supabase-wechat:', messageOf(e))
      if (alive) return undefined
      this._broken = new AuthUnknownError('supabase-wechat: internal error in the wasm core: ' + messageOf(e))
      const waiting = Array.from(this._ops.values())
      this._ops.clear()
      for (const resolve of waiting) resolve({ data: null, error: this._broken })
      const data = Array.from(this._dataOps.values())
      this._dataOps.clear()
      for (const d of data) d.resolve({ error: toDataError({ name: 'Error', message: this._broken.message }), data: null })
    }
    return undefined
  }

  _perform(out) {
    switch (out.type) {
      case 'http':
        return this._platform.request(
          out,
          (status, body) => this._feed(out.id, () => this._core.handleResponse(out.id, status, body, Date.now())),
          (errMsg) => this._feed(out.id, () => this._core.handleTransportError(out.id, errMsg, Date.now())),
        )
      case 'fetch': {
        const d = this._dataOps.get(out.op)
        const task = this._platform.transfer(
          out,
          d && d.payload,
          (status, headers, facts, text, held) => {
            if (d) d.held = held
            this._feed(out.id, () =>
              this._core.handleDataResponse(out.id, status, toJson(headers), JSON.stringify(facts), text, Date.now()),
            )
          },
          (errMsg) => this._feed(out.id, () => this._core.handleTransportError(out.id, errMsg, Date.now())),
        )
        if (d) d.task = task
        return undefined
      }
      case 'storage_set':
        return storage.whenDone(this._store.set(out.key, out.value), (err) =>
          this._guard(() => {
            this._core.handleStorageResult(err)
            if (!this._driving) this._drive()
          }),
        )
      case 'storage_remove':
        return this._store.remove(out.key)
      case 'event':
        for (const [n, sub] of Array.from(this._listeners)) {
          if (out.target === undefined || out.target === n) this._call(sub, out.event, out.session)
        }
        return undefined
      case 'log':
        return (console[out.level] || console.log).call(console, 'supabase-wechat: ' + out.message)
      case 'done': {
        const d = this._dataOps.get(out.op)
        if (d) {
          this._dataOps.delete(out.op)
          d.resolve(assemble(out.data, d.held))
          return undefined
        }
        const resolve = this._ops.get(out.op)
        this._ops.delete(out.op)
        if (resolve) resolve(result(out.data, toError(out.error)))
        return undefined
      }
      default:
        // socket_open, socket_send, socket_close, realtime, channel_status: js-shim/realtime.js
        return this._realtime ? this._realtime.perform(out) : undefined
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
    if (session) aliasUser(session.user)
    try {
      const r = sub.callback(event, session)
      if (r && typeof r.then === 'function') r.then(undefined, (e) => console.error('onAuthStateChange callback failed:', messageOf(e)))
    } catch (e) {
      console.error('onAuthStateChange callback failed:', messageOf(e))
    }
  }
}

// The methods that are just the core's method of the same name with the caller's arguments
// (supabase-js names; the core reads each argument by position):
//   signInWithWechat({ code })      微信登录, the code from wx.login
//   wechatBindPhone({ code })       绑定手机号, e.detail.code of a getPhoneNumber button
//   wechatBindAccount({ code })     绑定微信, a wx.login code, for the signed-in account
//   getUnlimitedQRCode({ scene, page, … })  小程序码 → { data: { imgBase64 } }
//   signUp, signInWithPassword, signInWithOtp, verifyOtp, resend, resetPasswordForEmail(email, options),
//   reauthenticate(), getUser(jwt?), updateUser(attributes, options), setSession(tokens), refreshSession(current?)
const PASS_THROUGH = [
  'signInWithWechat',
  'wechatBindPhone',
  'wechatBindAccount',
  'getUnlimitedQRCode',
  'signUp',
  'signInWithPassword',
  'signInWithOtp',
  'verifyOtp',
  'resend',
  'resetPasswordForEmail',
  'reauthenticate',
  'getUser',
  'updateUser',
  'setSession',
  'refreshSession',
]
for (const name of PASS_THROUGH) {
  Object.defineProperty(AuthClient.prototype, name, {
    value: function (...args) {
      return this._invoke(name, args)
    },
    writable: true,
    configurable: true,
  })
}

module.exports = { AuthClient }
