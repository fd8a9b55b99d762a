'use strict'
// The driver: one per client, shared by every API (auth, Database, Storage, Functions, Realtime).
// It loads the wasm core, starts the core's operations, performs the core's outputs through the
// platform adapters (platform/wechat or platform/browser), feeds the results back, and keeps the
// core's one timer. The core decides everything; the driver has no `if` on what a server answered.
//
// Public interface (everything else, `_`-prefixed, is private to this file):
//   new Driver({ url, key, options, wasmPath, platform })   starts loading the core
//   url, key, options, wasmPath, platform                   the client's configuration
//   store                        the session store ({ get, set, remove }) for options.auth
//   core                         the glue's Core once loaded, else null
//   broken                       the AuthUnknownError once the wasm instance died, else null
//   initialized                  `{ error }` of the load's OAuth redirect handling, or null
//   load() / ready()             (re)load the core / a Promise of the core (loading it if needed)
//   read('session'|'verifier')   what storage holds for the core: a value or a Promise of one
//   start(read, call, handlers)  once loaded: run() with `call(core, stored)`
//   run(call, handlers)          start an operation now (`call(core)` returns its op id); one handler, once: done(out),
//                                lost(error) if the instance died, fail(error) if never started, started(op) after drive
//   data(api, method, args, payload)  a Database / Storage / Functions call → its result
//   step(fn) / guard(fn, onJsError)   fn(core) then drive / run fn, telling a trap from a JS error
//   control(fn)                  once loaded, step(fn) → `{ error }`
//   drive()                      perform every pending output, then re-arm the core's timer
//   on(type, handler)            perform the outputs of `type` (realtime.js: socket_open,
//                                socket_send, socket_close, realtime, channel_status; auth.js: event)
const { toJson, messageOf, whenDone, toError, toDataError } = require('./util.js')
const { assemble, readJson } = require('./reply.js')
const { Lanes, isLong, timeLimit, dbTimeout, withTimeLeft, failTimeout, onAbort } = require('./lanes.js')

const unknown = (message) => toError({ name: 'AuthUnknownError', message })
const loadFailed = (err) => unknown('supabase-wechat: the wasm core failed to load: ' + messageOf(err))
const transportError = (core, id, errMsg) => core.call('handleTransportError', Date.now(), id, errMsg) // no reply for request `id`
const lanes = new Lanes() // long requests' share of WeChat's 10 slots, which are the app's: one for all clients

class Driver {
  constructor(config) {
    this.url = config.url
    this.key = config.key
    this.options = config.options
    this.wasmPath = config.wasmPath
    this.platform = config.platform
    this.store = this.platform.store(this.options && this.options.auth)
    this.core = null
    this.broken = null
    this.initialized = null
    this._storageKey = null
    this._verifierKey = null
    this._ready = null
    this._ops = new Map() // op id -> handlers (+ payload, held, task, … for data ops: see data())
    this._handlers = Object.create(null)
    this._driving = false
    this._again = false
    this._timer = null
    this._timerAt = undefined
    this.on('http', (out) => this._http(out))
    this.on('fetch', (out) => this._fetch(out))
    this.on('storage_set', (out) =>
      whenDone(this.store.set(out.key, out.value), (err) =>
        this.guard(() => {
          this.core.call('handleStorageResult', 0, 0, err)
          if (!this._driving) this.drive()
        }),
      ),
    )
    this.on('storage_remove', (out) => this.store.remove(out.key))
    this.on('log', (out) => (console[out.level] || console.log).call(console, 'supabase-wechat: ' + out.message))
    this.on('done', (out) => this._done(out))
    // getSession's result names the session's generation: its text crosses only when that changed.
    this._session = { generation: -1, text: 'null' }
    this.on('session', (out) => {
      if (out.generation !== this._session.generation)
        this._session = { generation: out.generation, text: this.core.call('sessionJson') }
      this._done({ type: 'done', op: out.op, data: { session: JSON.parse(this._session.text) }, error: null })
    })
    this.load()
  }

  load() {
    this._ready = this.platform.loadCore(this.wasmPath).then((glue) => {
      const core = new glue.Core(String(this.url), String(this.key), toJson(this.options))
      this._storageKey = core.call('persists') ? core.call('storageKey') : null
      this._verifierKey = core.call('verifierKey')
      return whenDone(this.read('session'), (stored) => {
        this.core = core
        core.call('restore', Date.now(), 0, stored)
        // The app is in the foreground now; the tick follows wx.onAppShow / wx.onAppHide.
        core.call('startAutoRefresh', Date.now())
        this._watchApp()
        this.drive()
        // Only a platform with an address bar has OAuth redirects to handle (the browser).
        const redirect =
          typeof this.platform.currentUrl === 'function' ? require('./redirect.js').sessionFromUrl(this, core) : undefined
        return whenDone(redirect, (initialized) => {
          if (initialized !== undefined) this.initialized = initialized
          return core
        })
      })
    })
    // A failed load is retried by the next call; callers see the error per call meanwhile.
    this._ready.catch(() => {
      this._ready = null
    })
  }

  ready() {
    if (!this._ready) this.load()
    return this._ready
  }

  // What storage holds for `what` ('session' or 'verifier'): a value or a Promise of one.
  read(what) {
    if (what === 'session') return this._storageKey === null ? undefined : this.store.get(this._storageKey)
    if (what === 'verifier') return this.store.get(this._verifierKey)
    return undefined
  }

  on(type, handler) {
    this._handlers[type] = handler
  }

  start(read, call, handlers) {
    this.ready().then(
      () => whenDone(this.read(read), (stored) => this.run((core) => call(core, stored), handlers)),
      (err) => handlers.fail(loadFailed(err)),
    )
  }

  run(call, handlers) {
    if (this.broken) return handlers.fail(this.broken)
    let started = false
    this.guard(
      () => {
        const op = call(this.core)
        this._ops.set(op, handlers)
        started = true
        this.drive()
        if (handlers.started) handlers.started(op)
      },
      (e) => {
        if (!started) handlers.fail(unknown('supabase-wechat: ' + messageOf(e)))
      },
    )
    if (this.broken && !started) handlers.fail(this.broken)
    return undefined
  }

  // `args`: the method's JSON-able arguments; `payload`: what never enters wasm (`{ body }`: JSON
  // text, a string, an ArrayBuffer or a Blob; or `{ filePath }` for wx.uploadFile), an AbortSignal-
  // like `signal` and the call's `timeout` (ms from now; the database's default: `db.timeout`).
  // Resolves with the result (`{ error, data, … }` as the core decided it), never rejects; with
  // `withHeld`, with `{ result, held }`, `held` what the reply left in JS (functions' Response).
  data(api, method, args, payload, withHeld) {
    const limit = timeLimit(payload && payload.timeout, api === 'rest' ? dbTimeout(this.options) : 0)
    return new Promise((resolve) => {
      const settle = (result, held) => {
        if (op.timer) clearTimeout(op.timer)
        resolve(withHeld ? { result, held } : result)
      }
      const failed = (err) => settle({ error: toDataError({ name: 'Error', message: err.message }), data: null }, null)
      const op = {
        api,
        payload,
        held: null,
        task: null,
        deadline: limit && Date.now() + limit, // 0: none; `timer` ends it, `request` is its request's id
        done: (out) => settle(assemble(out.data, op.held), op.held),
        lost: failed,
        fail: failed,
        started: (id) => {
          onAbort(payload && payload.signal, () => this._end(id, false))
          if (op.deadline && this._ops.has(id)) op.timer = setTimeout(() => this._end(id, true), op.deadline - Date.now())
        },
      }
      this.start(undefined, (core) => core.data(api, method, toJson(args), Date.now()), op)
    })
  }

  step(fn) {
    this.guard(() => {
      fn(this.core)
      this.drive()
    })
  }

  control(fn) {
    return this.ready().then(
      () => {
        this.step(fn)
        return { error: this.broken }
      },
      (err) => ({ error: loadFailed(err) }),
    )
  }

  // Runs `fn`; if it throws, tells a dead wasm instance (a trap, which the core is built never to
  // cause) from an error of the JS around it. A dead instance fails every pending and later call
  // instead of leaving them hanging; otherwise `onJsError` handles the one failed step.
  guard(fn, onJsError) {
    try {
      fn()
    } catch (e) {
      this._driving = false
      let alive = true
      try {
        this.core.call('persists')
      } catch (_probe) {
        alive = false
      }
      if (alive && onJsError) return onJsError(e)
      console.error('supabase-wechat:', messageOf(e))
      if (alive) return undefined
      this.broken = unknown('supabase-wechat: internal error in the wasm core: ' + messageOf(e))
      const pending = Array.from(this._ops.values())
      this._ops.clear()
      for (let i = 0; i < pending.length; i++) pending[i].lost(this.broken)
    }
    return undefined
  }

  // Re-entrant calls (a listener that calls the client) are folded into the running loop.
  drive() {
    if (this._driving) {
      this._again = true
      return
    }
    this._driving = true
    try {
      do {
        this._again = false
        for (let raw = this.core.poll(); raw !== undefined; raw = this.core.poll()) {
          const out = JSON.parse(raw)
          const handler = this._handlers[out.type]
          if (handler) handler(out)
        }
      } while (this._again)
    } finally {
      this._driving = false
    }
    this._arm()
  }

  // One timer for the core: its next refresh retry, tick or realtime deadline.
  _arm() {
    const at = this.core.pollTimeout() // NaN when nothing is due
    // Re-arm unless the same future deadline is already armed: a deadline already past (the
    // device clock jumped, timers were suspended in the background) fires at once.
    if (at === this._timerAt && this._timer !== null && at > Date.now()) return
    if (this._timer !== null) clearTimeout(this._timer)
    this._timer = null
    this._timerAt = at
    if (Number.isNaN(at)) return
    this._timer = setTimeout(
      () => {
        this._timer = null
        this._timerAt = undefined
        this.step((core) => core.call('handleTimeout', Date.now()))
      },
      Math.max(0, at - Date.now()),
    )
  }

  // Operation `out.op` ended: its handlers get the `done` output, once.
  _done(out) {
    const h = this._ops.get(out.op)
    this._ops.delete(out.op)
    if (h) h.done(out)
  }

  _http(out) {
    this.platform.request(
      out,
      (status, body, h) => this._reply(out.id, (core) => core.handleResponse(out.id, status, body, Date.now(), toJson(h || {}))),
      (errMsg) => this._reply(out.id, (core) => transportError(core, out.id, errMsg)),
    )
  }

  // A data-path request: now, or (an upload, a download, an Edge Function call) once a long slot is free.
  _fetch(out) {
    const first = this._ops.get(out.op)
    if (first) Object.assign(first, { request: out.id, transport: out.transport })
    lanes.run(isLong(out, first && first.api), (release) => {
      const op = this._ops.get(out.op)
      // Resolved while it waited here (aborted, timed out): the core has let go of it.
      if (first && !op) return release()
      const task = this.platform.transfer(
        withTimeLeft(out, op && op.deadline, Date.now()),
        op && op.payload,
        (status, headers, facts, text, held) =>
          this._reply(
            out.id,
            (core) => {
              const h = toJson(headers)
              // A kept ArrayBuffer is parsed as JSON when the core, from the status and headers, asks.
              const r = held && out.read === 'array_buffer' && core.wantsJson(out.id, status, h) ? readJson(held.body) : null
              if (op) op.held = r ? r.held : held
              core.handleDataResponse(out.id, status, h, JSON.stringify(r ? r.facts : facts), r ? r.text : text, Date.now())
            },
            release,
          ),
        (errMsg) => this._reply(out.id, (core) => transportError(core, out.id, errMsg), release),
      )
      if (op) op.task = task
    })
  }

  // A reply for request `id` (its lane's slot `release`d first); should handing it over fail in
  // JS, the request counts as failed so the operation still resolves.
  _reply(id, handOver, release) {
    if (release) release()
    this.guard(
      () => {
        handOver(this.core)
        this.drive()
      },
      (e) => this.step((core) => transportError(core, id, 'request:fail ' + messageOf(e))),
    )
  }

  // Ends data operation `id` early: its AbortSignal fired (an `aborted` error), or its own time limit
  // passed: a request sent (or held in a lane) fails as wx's own timeout would, one waiting for a token
  // refresh is aborted (as postgrest-js' `timeout` aborts its fetch). Its wx task is aborted, if any.
  _end(id, timedOut) {
    this.guard(() => {
      const op = this._ops.get(id)
      if (!op) return
      if (!timedOut || op.request === undefined) this.core.call('cancel', 0, id)
      else transportError(this.core, op.request, failTimeout(op.transport))
      if (op.task && typeof op.task.abort === 'function') op.task.abort()
      this.drive()
    })
  }

  _watchApp() {
    // Realtime's heartbeat pauses in the background; showing the app reopens a socket that died.
    this.platform.watchApp(
      () =>
        this.control((core) => {
          core.call('startAutoRefresh', Date.now())
          core.call('appVisible', Date.now(), 1)
        }),
      () =>
        this.control((core) => {
          core.call('stopAutoRefresh')
          core.call('appVisible', Date.now())
        }),
    )
  }
}

module.exports = { Driver }
