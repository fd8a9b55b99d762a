'use strict'
// Strict WeChat mini-program logic-layer simulator for Node 20 (see README.md).
const vm = require('node:vm')
const fs = require('node:fs')
const path = require('node:path')
const os = require('node:os')
const { StorageMap, StorageError, makeStorageOps } = require('./storage')
const { cloneInto } = require('./clone')
const { Net, makeNetApis } = require('./net')
const { installSockets, SocketHooks } = require('./socket')
const { makeWXWebAssembly, warmNative } = require('./wasm')
const { ModuleSystem } = require('./modules')
const { DevtoolsCompiler } = require('./compile')
const { imageInfo, makePng } = require('./image')

const SETDATA_MAX = 1024 * 1024

// Without allowEval the context cannot eval / new Function (as on WeChat), except the one pattern WeChat
// allows: new Function('return this') / Function('return this').
const FUNCTION_PATCH = `(function () {
  var F = Function
  var g = globalThis
  function make (args) {
    if (args.length === 1 && /^\\s*return\\s+this\\s*;?\\s*$/.test(String(args[0]))) return function () { return g }
    return Reflect.construct(F, args)
  }
  var P = new Proxy(F, { apply: function (t, self, args) { return make(args) }, construct: function (t, args) { return make(args) } })
  Object.defineProperty(F.prototype, 'constructor', { value: P, writable: true, configurable: true, enumerable: false })
  Object.defineProperty(g, 'Function', { value: P, writable: true, configurable: true, enumerable: false })
})()`

// TextEncoder/TextDecoder in the context realm (only with hostTextCodec: true, like DevTools).
const TEXT_CODEC = `(function (HostEnc, HostDec) {
  var enc = new HostEnc()
  class TextEncoder {
    get encoding () { return 'utf-8' }
    encode (s) { var b = enc.encode(s === undefined ? '' : String(s)); var u = new Uint8Array(b.length); u.set(b); return u }
    encodeInto (s, u) { var r = enc.encodeInto(String(s), u); return { read: r.read, written: r.written } }
  }
  class TextDecoder {
    constructor (label, opts) { this._d = new HostDec(label === undefined ? 'utf-8' : label, opts || {}) }
    get encoding () { return this._d.encoding }
    get fatal () { return this._d.fatal }
    get ignoreBOM () { return this._d.ignoreBOM }
    decode (input, opts) { return this._d.decode(input, opts) }
  }
  return { TextEncoder: TextEncoder, TextDecoder: TextDecoder }
})`

const FN_WRAP = `(function (impl, name) {
  var f = function () { return impl.apply(this, arguments) }
  try { Object.defineProperty(f, 'name', { value: name }) } catch (e) {}
  return f
})`

// Recorded in app.ui. A required String parameter that is missing fails the way the base library's
// parameter check does: `<api>:fail parameter error: parameter.<name> should be String instead of <Type>;`.
const UI_APIS = {
  showToast: { required: ['title'], run: () => ({}) },
  hideToast: { run: () => ({}) },
  showModal: { run: (o, app) => app._modalAnswer(o) },
  showLoading: { required: ['title'], run: () => ({}) },
  hideLoading: { run: () => ({}) },
  showActionSheet: { run: () => ({ tapIndex: 0 }) },
  setNavigationBarTitle: { required: ['title'], run: () => ({}) },
  stopPullDownRefresh: { run: () => ({}) },
  previewImage: { run: () => ({}) },
  vibrateShort: { run: () => ({}) },
}

function typeName(v) {
  if (v === null) return 'Null'
  if (Array.isArray(v)) return 'Array'
  const t = typeof v
  return t.charAt(0).toUpperCase() + t.slice(1)
}

function paramError(api, o, names) {
  for (const n of names || []) {
    if (typeof o[n] !== 'string')
      return `${api}:fail parameter error: parameter.${n} should be String instead of ${typeName(o[n])};`
  }
  return null
}

const NAV_APIS = ['navigateTo', 'redirectTo', 'switchTab', 'reLaunch', 'navigateBack']
const MAX_PAGE_STACK = 10

const ENCODINGS = ['ascii', 'base64', 'binary', 'hex', 'ucs2', 'ucs-2', 'utf16le', 'utf-16le', 'utf-8', 'utf8', 'latin1']

function parseDataPath(key) {
  const out = []
  const re = /([^.[\]]+)|\[(\d+)\]/g
  for (const m of key.matchAll(re)) out.push(m[2] !== undefined ? Number(m[2]) : m[1])
  return out
}

class AppRuntime {
  constructor(sim, id) {
    this.sim = sim
    this.id = id
    this.alive = true
    this.logs = []
    this.ui = []
    this._timers = new Map()
    this._timerSeq = 0
    this._hostTimers = new Set()
    this._appShow = []
    this._appHide = []
    this._pageDefs = new Map()
    this._pages = []
    this._tabPages = new Map() // route -> instance of a tab page that stays alive while hidden
    this._views = new Map() // page instance -> PageView (render: true)
    this._appInstance = null
    this._appRegistered = false
    this._appJson = null
    this._inOnError = false

    const opts = sim.options
    const ctx = vm.createContext({}, { name: `wx-app-${id}`, codeGeneration: { strings: !!opts.allowEval, wasm: true } })
    this.context = ctx
    this._R = vm.runInContext('({ Object, Array, Date, Error, TypeError, Promise, JSON, ArrayBuffer, Uint8Array })', ctx)
    this._wrap = vm.runInContext(FN_WRAP, ctx, { filename: 'wx-sim-internal.js' })
    const ctxWebAssembly = vm.runInContext('WebAssembly', ctx)
    vm.runInContext('delete globalThis.WebAssembly; delete globalThis.console', ctx)
    // legacyIOS: what old iOS JavaScriptCore lacks (FinalizationRegistry/WeakRef before iOS 14.5).
    if (opts.legacyIOS)
      vm.runInContext(
        'delete globalThis.FinalizationRegistry; delete globalThis.WeakRef; delete globalThis.SharedArrayBuffer; delete globalThis.Atomics',
        ctx,
      )
    if (!opts.allowEval) vm.runInContext(FUNCTION_PATCH, ctx, { filename: 'wx-sim-internal.js' })

    this._net = new Net(this)
    this._modules = new ModuleSystem(this)
    const R = this._R

    ctx.global = new R.Object()
    ctx.console = this._makeConsole()
    ctx.setTimeout = this._fn('setTimeout', (fn, ms, ...args) => this._setTimer(false, fn, ms, args))
    ctx.setInterval = this._fn('setInterval', (fn, ms, ...args) => this._setTimer(true, fn, ms, args))
    ctx.clearTimeout = this._fn('clearTimeout', (id) => this._clearTimer(id))
    ctx.clearInterval = this._fn('clearInterval', (id) => this._clearTimer(id))
    ctx.wx = this._makeWx()
    ctx.WXWebAssembly = makeWXWebAssembly(this, ctxWebAssembly)
    ctx.App = this._fn('App', (o) => this._registerApp(o))
    ctx.Page = this._fn('Page', (o) => this._registerPage('page', o))
    ctx.Component = this._fn('Component', (o) => this._registerPage('component', o))
    ctx.Behavior = this._fn('Behavior', (o) => {
      const b = this._obj(o && typeof o === 'object' ? o : {})
      Object.defineProperty(b, '__isBehavior__', { value: true })
      return b
    })
    ctx.getApp = this._fn('getApp', () => this._appInstance || undefined)
    ctx.getCurrentPages = this._fn('getCurrentPages', () => R.Array.from(this._pages))
    if (opts.hostTextCodec) {
      const codec = vm.runInContext(TEXT_CODEC, ctx, { filename: 'wx-sim-internal.js' })(TextEncoder, TextDecoder)
      ctx.TextEncoder = codec.TextEncoder
      ctx.TextDecoder = codec.TextDecoder
    }
  }

  // ---------- public API ----------

  require(request) {
    this._assertAlive()
    return this._modules.requireRoot(request)
  }

  // The code cache WeChat (Android) keeps of this launch's JS for the next one: Map file -> Buffer,
  // to pass as createSimulator({ codeCache }). codeCacheUse: how many files the launch's cache served.
  codeCache() {
    return this._modules.codeCache()
  }

  get codeCacheUse() {
    return Object.assign({}, this._modules.codeCacheUse)
  }

  async eval(source) {
    this._assertAlive()
    return await vm.runInContext(source, this.context, { filename: 'app.eval.js' })
  }

  // Opens `route` on top of the page stack (as a navigateTo from outside, without its checks) and returns the
  // page instance (context realm). With render: true its WXML is rendered too: see view(page).
  async openPage(route, query) {
    this._assertAlive()
    route = String(route).replace(/^\/+/, '').replace(/\.js$/, '')
    const def = this._pageDef(route)
    const R = this._R
    const q = new R.Object()
    for (const k of Object.keys(query || {})) q[k] = String(query[k])
    const prev = this._pages[this._pages.length - 1]
    if (prev) this._hook(prev, 'onHide', [])
    return this._startPage(def, route, q)
  }

  // The user taps the tab bar item of `route` (app.json tabBar.list): the switchTab WeChat performs.
  switchTab(route) {
    this._assertAlive()
    return new Promise((resolve, reject) => {
      this._navigate('switchTab', { url: '/' + String(route).replace(/^\/+/, '') }, (ok, res) => {
        if (ok) resolve(this._pages[this._pages.length - 1])
        else reject(new Error(res.errMsg))
      })
    })
  }

  // The rendered view of a page instance (default: the top page), or null. Needs render: true.
  view(page) {
    if (!this.sim.options.render) throw new Error('view(): create the simulator with render: true')
    const inst = page || this._pages[this._pages.length - 1]
    return (inst && this._views.get(inst)) || null
  }

  async waitFor(predicate, { timeout = 3000, interval = 5 } = {}) {
    const t0 = Date.now()
    for (;;) {
      const v = await predicate()
      if (v) return v
      if (Date.now() - t0 > timeout) throw new Error(`waitFor: timed out after ${timeout} ms`)
      await new Promise((resolve) => setTimeout(resolve, interval))
    }
  }

  // ---------- pages and navigation ----------

  _pageDef(route) {
    const pages = this._allPages()
    if (pages && !pages.includes(route)) throw new Error(`openPage: "${route}" is not listed in app.json pages/subpackages`)
    const file = path.join(this.sim.root, route + '.js')
    if (!fs.existsSync(file)) throw new Error(`openPage: ${file} does not exist`)
    if (!this._pageDefs.has(route)) this._modules.load(file)
    const def = this._pageDefs.get(route)
    if (!def) throw new Error(`Page "${route}" has not been registered yet (no Page()/Component() call in ${route}.js)`)
    return def
  }

  // Creates the page, pushes it, runs onLoad/onShow, renders, runs onReady.
  async _startPage(def, route, q) {
    const inst = this._makePageInstance(def, route, q)
    if (this.sim.options.render) this._views.set(inst, this.sim._viewLayer().mount(this, inst, def))
    this._pages.push(inst)
    if (this._isTab(route)) this._tabPages.set(route, inst)
    if (def.kind === 'component') {
      this._compLife(inst, def.opts, 'created')
      this._compLife(inst, def.opts, 'attached')
    }
    this._hook(inst, 'onLoad', [q])
    this._hook(inst, 'onShow', [])
    await new Promise((resolve) => setImmediate(resolve)) // first render
    const view = this._views.get(inst)
    if (view) await view.rendered()
    if (this.alive) {
      if (def.kind === 'component') this._compLife(inst, def.opts, 'ready')
      this._hook(inst, 'onReady', [])
    }
    return inst
  }

  _unloadPage(inst) {
    const def = this._pageDefs.get(inst.route)
    this._hook(inst, 'onUnload', [])
    if (def && def.kind === 'component') this._compLife(inst, def.opts, 'detached')
    const view = this._views.get(inst)
    if (view) {
      view.close()
      this._views.delete(inst)
    }
    if (this._tabPages.get(inst.route) === inst) this._tabPages.delete(inst.route)
  }

  _tabRoutes() {
    const t = this._appJson && this._appJson.tabBar
    return t && Array.isArray(t.list)
      ? t.list.map((i) =>
          String(i.pagePath || '')
            .replace(/^\/+/, '')
            .replace(/\.html$/, ''),
        )
      : []
  }

  _isTab(route) {
    return this._tabRoutes().includes(route)
  }

  // url as navigateTo & co. take it: absolute ('/pages/a/b?x=1') or relative to the current page.
  _parseUrl(url) {
    const [p, qs] = String(url).split('?')
    let route
    if (p.startsWith('/')) route = p.replace(/^\/+/, '')
    else {
      const top = this._pages[this._pages.length - 1]
      route = path.posix.normalize(path.posix.join(top ? path.posix.dirname(top.route) : '', p))
    }
    route = route.replace(/\.html$/, '')
    const query = new this._R.Object()
    if (qs) {
      for (const pair of qs.split('&')) {
        if (!pair) continue
        const i = pair.indexOf('=')
        query[i < 0 ? pair : pair.slice(0, i)] = i < 0 ? '' : pair.slice(i + 1)
      }
    }
    return { route, query }
  }

  // wx.navigateTo / redirectTo / switchTab / reLaunch / navigateBack.
  _navigate(api, o, finish) {
    const fail = (msg) => finish(false, { errMsg: `${api}:fail ${msg}` })
    if (api === 'navigateBack') {
      if (this._pages.length <= 1) return fail('cannot navigate back at first page.')
      const delta = Math.max(1, Number(o.delta) || 1)
      return this._later(() => {
        const n = Math.min(delta, this._pages.length - 1)
        for (let i = 0; i < n; i++) this._unloadPage(this._pages.pop())
        this._hook(this._pages[this._pages.length - 1], 'onShow', [])
        finish(true, {})
      })
    }
    if (typeof o.url !== 'string')
      return finish(false, {
        errMsg: `${api}:fail parameter error: parameter.url should be String instead of ${typeName(o.url)};`,
      })
    const { route, query } = this._parseUrl(o.url)
    const pages = this._allPages()
    if ((pages && !pages.includes(route)) || !fs.existsSync(path.join(this.sim.root, route + '.js')))
      return fail(`page "${route}" is not found`)
    const tab = this._isTab(route)
    if (api === 'navigateTo' && tab) return fail('can not navigateTo a tabbar page')
    if (api === 'redirectTo' && tab) return fail('can not redirectTo a tabbar page')
    if (api === 'switchTab' && !tab) return fail('can not switch to no-tabBar page')
    if (api === 'navigateTo' && this._pages.length >= MAX_PAGE_STACK) return fail('webview count limit exceed')
    this._later(async () => {
      let def
      try {
        def = this._pageDef(route)
      } catch (e) {
        this._reportError(`${api} ${route}`, e)
        return fail(e.message)
      }
      const top = this._pages[this._pages.length - 1]
      if (api === 'navigateTo') {
        if (top) this._hook(top, 'onHide', [])
      } else if (api === 'redirectTo') {
        if (top) this._unloadPage(this._pages.pop())
      } else if (api === 'reLaunch') {
        while (this._pages.length) this._unloadPage(this._pages.pop())
        for (const inst of this._tabPages.values()) this._unloadPage(inst)
      } else if (api === 'switchTab') {
        if (top && top.route === route) return finish(true, {})
        while (this._pages.length && !this._isTab(this._pages[this._pages.length - 1].route)) this._unloadPage(this._pages.pop())
        for (const inst of this._pages) this._hook(inst, 'onHide', [])
        this._pages.length = 0
        const alive = this._tabPages.get(route)
        if (alive) {
          this._pages.push(alive)
          this._hook(alive, 'onShow', [])
          return finish(true, {})
        }
      }
      try {
        await this._startPage(def, route, api === 'switchTab' ? new this._R.Object() : query)
      } catch (e) {
        this._reportError(`${api} ${route}`, e)
        return fail(e.message)
      }
      if (this.alive) finish(true, {})
    })
  }

  // showModal's answer: sim option modal(options) -> true/'confirm' (default) or false/'cancel'.
  _modalAnswer(o) {
    const f = this.sim.options.modal
    const a = typeof f === 'function' ? f(o) : true
    const confirm = a === true || a === 'confirm'
    const res = { confirm, cancel: !confirm }
    if (o.editable) res.content = confirm ? String(o.content || '') : ''
    return res
  }

  // The code a getPhoneNumber button hands the page: the fake WeChat mints it for the sim user's phone.
  _mintPhoneCode() {
    const sim = this.sim
    const phone = sim.user.phone
    if (!phone)
      return Promise.reject(new Error('getPhoneNumber: the sim user has no phone (createSimulator({ user: { phone } }))'))
    const url = String(sim.wechatUrl || '').replace(/\/+$/, '') + '/test/mint_phone_code'
    const payload = { appid: sim.appid, openid: sim.user.openid, phoneNumber: phone.phoneNumber, countryCode: phone.countryCode }
    sim.requests.push({ api: 'getPhoneNumber', url, method: 'POST', data: payload, app: this.id })
    return new Promise((resolve, reject) => {
      this._net.call(
        { url, method: 'POST', headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(payload)) },
        {
          onDone(err, resp) {
            if (err)
              return reject(
                new Error(`getPhoneNumber: mint_phone_code failed: ${err.code || (err.timeout ? 'timeout' : 'aborted')}`),
              )
            let code
            try {
              code = JSON.parse(resp.body.toString('utf8')).code
            } catch {
              /* below */
            }
            if (resp.statusCode === 200 && typeof code === 'string') resolve(code)
            else
              reject(
                new Error(`getPhoneNumber: mint_phone_code HTTP ${resp.statusCode} ${resp.body.toString('utf8').slice(0, 200)}`),
              )
          },
        },
      )
    })
  }

  // A file the user picked (chooseMedia / chooseImage): written as a temp file, wxfile://tmp_….
  _writeTemp(bytes, ext) {
    const vpath = 'wxfile://tmp_' + require('node:crypto').randomBytes(8).toString('hex') + ext
    const file = this._fsPath(vpath)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, bytes)
    return vpath
  }

  // The pictures the user picks in chooseMedia/chooseImage: sim option choose(api, options) -> Buffer[]
  // (null/[] = the user cancels); default one 200×200 PNG.
  _pick(api, o) {
    const f = this.sim.options.choose
    const list = typeof f === 'function' ? f(api, o) : [makePng(200, 200)]
    if (!list || !list.length) return null
    const count = Math.max(1, Math.min(Number(o.count) || 9, 9))
    return list.slice(0, count).map((b) => {
      const info = imageInfo(b) || { width: 0, height: 0, type: 'png' }
      return {
        path: this._writeTemp(b, '.' + (info.type === 'jpeg' ? 'jpg' : info.type)),
        size: b.length,
        width: info.width,
        height: info.height,
      }
    })
  }

  get pages() {
    return this._pages.slice()
  }
  get appInstance() {
    return this._appInstance
  }
  get inFlight() {
    return this._net.inFlight
  }

  // ---------- internals ----------

  _assertAlive() {
    if (!this.alive) throw new Error(`app #${this.id} has been killed (restart/close)`)
  }

  _fn(name, impl) {
    return this._wrap(impl, name)
  }
  _wxfn(name, impl) {
    return this._wrap((...a) => (this.alive ? impl(...a) : undefined), name)
  }
  _obj(props) {
    return Object.assign(new this._R.Object(), props)
  }
  _ab(buf) {
    const ab = new this._R.ArrayBuffer(buf.length)
    new Uint8Array(ab).set(buf)
    return ab
  }

  _log(level, args) {
    this.logs.push({ level, args })
    if (this.sim.options.echoConsole) {
      const f = typeof console[level] === 'function' ? console[level] : console.log
      f.call(console, `[wx#${this.id}]`, ...args)
    }
  }

  _reportError(label, err) {
    this._log('error', [`[sim] ${label} threw:`, err])
    const inst = this._appInstance
    if (!this._inOnError && inst && typeof inst.onError === 'function') {
      this._inOnError = true
      try {
        inst.onError(err && err.stack ? String(err.stack) : String(err))
      } catch (e) {
        this._log('error', ['[sim] App.onError threw:', e])
      }
      this._inOnError = false
    }
  }

  _invoke(fn, args, label, thisArg) {
    try {
      return fn.apply(thisArg, args)
    } catch (e) {
      this._reportError(label, e)
    }
  }

  // run fn on a later macrotask, unless the app has been killed by then
  _later(fn) {
    const h = setTimeout(() => {
      this._hostTimers.delete(h)
      if (!this.alive) return
      try {
        fn()
      } catch (e) {
        this._reportError('[sim internal]', e)
      }
    }, 0)
    this._hostTimers.add(h)
  }

  _setTimer(repeat, fn, ms, args) {
    if (!this.alive) return 0
    if (typeof fn !== 'function')
      throw new this._R.TypeError(
        `${repeat ? 'setInterval' : 'setTimeout'}: callback must be a function (string code is not supported)`,
      )
    const id = ++this._timerSeq
    const delay = Math.max(0, Number(ms) || 0)
    const run = () => {
      if (!repeat) this._timers.delete(id)
      if (!this.alive) return
      this._invoke(fn, args, `${repeat ? 'setInterval' : 'setTimeout'} callback`)
    }
    this._timers.set(id, repeat ? setInterval(run, delay) : setTimeout(run, delay))
    return id
  }

  _clearTimer(id) {
    const h = this._timers.get(id)
    if (h !== undefined) {
      clearTimeout(h)
      this._timers.delete(id)
    }
  }

  // Callback-or-Promise wx API. runner(o, finish) calls finish(ok, resProps) once (any time).
  // promiseAllowed=false: task-returning API; the runner's return value is returned.
  _api(name, options, runner, promiseAllowed = true) {
    const R = this._R
    const o = options !== null && typeof options === 'object' ? options : {}
    const cbStyle = typeof o.success === 'function' || typeof o.fail === 'function' || typeof o.complete === 'function'
    let settle
    let ret
    if (cbStyle || !promiseAllowed) {
      settle = (ok, res) => {
        const cb = ok ? o.success : o.fail
        if (typeof cb === 'function') this._invoke(cb, [res], `${name} ${ok ? 'success' : 'fail'} callback`)
        if (typeof o.complete === 'function') this._invoke(o.complete, [res], `${name} complete callback`)
      }
    } else {
      ret = new R.Promise((resolve, reject) => {
        settle = (ok, res) => (ok ? resolve(res) : reject(res))
      })
    }
    let done = false
    const finish = (ok, props) => {
      if (done) return
      done = true
      const res = this._obj(props)
      if (!res.errMsg) res.errMsg = `${name}:${ok ? 'ok' : 'fail'}`
      this._later(() => settle(ok, res))
    }
    try {
      const r = runner(o, finish)
      if (!promiseAllowed) ret = r
    } catch (e) {
      finish(false, { errMsg: e instanceof StorageError ? e.message : `${name}:fail ${e && e.message}` })
    }
    return ret
  }

  _fsPath(p) {
    if (typeof p !== 'string' || !p) return null
    let base, rel
    const m = /^wxfile:\/\/(.*)$/.exec(p) || /^https?:\/\/tmp\/(.*)$/.exec(p)
    if (m) {
      base = this.sim._tmp()
      rel = m[1]
    } else if (/^[a-z][a-z0-9+.-]*:/i.test(p)) return null
    else {
      base = this.sim.root
      rel = p.replace(/^\/+/, '')
    }
    const target = path.resolve(base, rel)
    const r = path.relative(base, target)
    if (r.startsWith('..') || path.isAbsolute(r)) return null
    return target
  }

  _makeConsole() {
    const c = new this._R.Object()
    const rec = (level) =>
      this._fn(level, (...args) => {
        if (this.alive) this._log(level, args)
      })
    for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) c[level] = rec(level)
    c.dir = rec('log')
    c.table = rec('log')
    c.group = rec('log')
    c.groupCollapsed = rec('log')
    c.groupEnd = this._fn('groupEnd', () => {})
    const times = new Map()
    c.time = this._fn('time', (label = 'default') => {
      times.set(label, Date.now())
    })
    c.timeEnd = this._fn('timeEnd', (label = 'default') => {
      if (times.has(label)) {
        this._log('log', [`${label}: ${Date.now() - times.get(label)}ms`])
        times.delete(label)
      }
    })
    c.assert = this._fn('assert', (cond, ...args) => {
      if (!cond) this._log('error', ['Assertion failed:', ...args])
    })
    return c
  }

  _makeWx() {
    const R = this._R
    const sim = this.sim
    const wx = new R.Object()
    const def = (name, impl) => {
      wx[name] = this._wxfn(name, impl)
    }

    // network
    const netApis = makeNetApis(this)
    for (const k of Object.keys(netApis)) def(k, netApis[k])
    const socketApis = installSockets(this) // wx.connectSocket & co. (socket.js)
    for (const k of Object.keys(socketApis)) def(k, socketApis[k])

    // storage
    const ops = makeStorageOps(sim)
    const sync =
      (fn) =>
      (...a) => {
        try {
          return fn(...a)
        } catch (e) {
          if (e instanceof StorageError) throw new R.Error(e.message)
          throw e
        }
      }
    def(
      'setStorageSync',
      sync((key, data) => {
        ops.set('setStorageSync', key, data)()
      }),
    )
    def(
      'getStorageSync',
      sync((key) => {
        const r = ops.get('getStorageSync', key, R)
        return r.found ? r.value : ''
      }),
    )
    def(
      'removeStorageSync',
      sync((key) => {
        ops.remove('removeStorageSync', key)()
      }),
    )
    def(
      'clearStorageSync',
      sync(() => {
        ops.clear()()
      }),
    )
    const info = () => {
      const i = ops.info()
      return { keys: R.Array.from(i.keys), currentSize: i.currentSize, limitSize: i.limitSize }
    }
    def('getStorageInfoSync', () => this._obj(info()))
    const commitLater = (commit, finish) =>
      this._later(() => {
        try {
          commit()
          finish(true, {})
        } catch (e) {
          finish(false, { errMsg: e.message })
        }
      })
    // `encrypt: true` (async API only, base library 2.21.3): the item is kept as ciphertext (a sync
    // read sees only that), must be read back with `encrypt: true`, and may hold 0.7 MB instead of 1 MB.
    const ENC = 'wxenc:'
    def('setStorage', (o) =>
      this._api('setStorage', o, (o, finish) => {
        if (o.encrypt !== true) return commitLater(ops.set('setStorage', o.key, o.data), finish)
        const plain = JSON.stringify(o.data === undefined ? null : o.data)
        if (Buffer.byteLength(plain) > 0.7 * 1024 * 1024) throw new StorageError('setStorage:fail exceed storage item max length')
        return commitLater(ops.set('setStorage', o.key, ENC + Buffer.from(plain).toString('base64')), finish)
      }),
    )
    def('getStorage', (o) =>
      this._api('getStorage', o, (o, finish) => {
        const r = ops.get('getStorage', o.key, R)
        if (!r.found) return finish(false, { errMsg: 'getStorage:fail data not found' })
        if (o.encrypt !== true) return finish(true, { data: r.value })
        if (typeof r.value !== 'string' || !r.value.startsWith(ENC))
          return finish(false, { errMsg: 'getStorage:fail decrypt fail' })
        const json = Buffer.from(r.value.slice(ENC.length), 'base64').toString('utf8')
        return finish(true, { data: cloneInto(JSON.parse(json), R) })
      }),
    )
    def('removeStorage', (o) =>
      this._api('removeStorage', o, (o, finish) => commitLater(ops.remove('removeStorage', o.key), finish)),
    )
    def('clearStorage', (o) => this._api('clearStorage', o, (_o, finish) => commitLater(ops.clear(), finish)))
    def('getStorageInfo', (o) => this._api('getStorageInfo', o, (_o, finish) => finish(true, info())))

    // app events
    const on = (list) => (cb) => {
      if (typeof cb === 'function') list.push(cb)
    }
    const off = (list) => (cb) => {
      if (cb === undefined) list.length = 0
      else {
        const i = list.indexOf(cb)
        if (i >= 0) list.splice(i, 1)
      }
    }
    def('onAppShow', on(this._appShow))
    def('offAppShow', off(this._appShow))
    def('onAppHide', on(this._appHide))
    def('offAppHide', off(this._appHide))

    // info
    def('getSystemInfoSync', () =>
      this._obj({
        brand: 'devtools',
        model: 'iPhone 12/13 (Pro)',
        pixelRatio: 3,
        screenWidth: 390,
        screenHeight: 844,
        windowWidth: 390,
        windowHeight: 844,
        statusBarHeight: 47,
        language: 'zh_CN',
        version: '8.0.5',
        system: 'iOS 10.0.1',
        platform: 'devtools',
        fontSizeSetting: 16,
        SDKVersion: '3.6.0',
        benchmarkLevel: 1,
        enableDebug: false,
        deviceOrientation: 'portrait',
      }),
    )
    def('getAccountInfoSync', () =>
      this._obj({ miniProgram: this._obj({ appId: sim.appid, envVersion: 'develop', version: '' }) }),
    )
    wx.env = this._obj({ USER_DATA_PATH: 'wxfile://usr' })
    // 基础库 2.11.0+. Only now(), in microseconds as on devices (its docs: 以微秒为单位的时间戳; DevTools
    // returns milliseconds, a known bug there); entries and observers are not simulated.
    def('getPerformance', () => this._obj({ now: this._fn('now', () => performance.now() * 1000) }))

    // file system (read only)
    const fsm = new R.Object()
    fsm.readFileSync = this._wxfn('readFileSync', (filePath, encoding, position, length) => {
      const file = this._fsPath(filePath)
      if (!file) throw new R.Error(`readFileSync:fail permission denied, open ${filePath}`)
      let buf
      try {
        buf = fs.readFileSync(file)
      } catch {
        throw new R.Error(`readFileSync:fail no such file or directory, open ${filePath}`)
      }
      if (position !== undefined || length !== undefined) {
        const start = Number(position) || 0
        buf = buf.subarray(start, length === undefined ? undefined : start + Number(length))
      }
      if (encoding === undefined || encoding === null || encoding === '') return this._ab(buf)
      if (!ENCODINGS.includes(String(encoding).toLowerCase()))
        throw new R.Error(`readFileSync:fail invalid encoding: ${encoding}`)
      return buf.toString(String(encoding).toLowerCase().replace('-16le', '16le').replace('ucs-2', 'ucs2'))
    })
    def('getFileSystemManager', () => fsm)

    // UI (recorded in app.ui as {api, options, errMsg})
    for (const name of Object.keys(UI_APIS)) {
      def(name, (o) => {
        const rec = { api: name, options: o }
        this.ui.push(rec)
        return this._api(name, o, (o, finish) => {
          const bad = paramError(name, o, UI_APIS[name].required)
          rec.errMsg = bad || `${name}:ok`
          if (bad) return finish(false, { errMsg: bad })
          finish(true, UI_APIS[name].run(o, this))
        })
      })
    }
    for (const name of NAV_APIS) {
      def(name, (o) => {
        const rec = { api: name, options: o }
        this.ui.push(rec)
        return this._api(name, o, (o, finish) =>
          this._navigate(name, o, (ok, res) => {
            rec.errMsg = res.errMsg || `${name}:${ok ? 'ok' : 'fail'}`
            finish(ok, res)
          }),
        )
      })
    }

    // images and media
    def('getImageInfo', (o) =>
      this._api('getImageInfo', o, (o, finish) => {
        const bad = paramError('getImageInfo', o, ['src'])
        if (bad) return finish(false, { errMsg: bad })
        const done = (buf, p) => {
          const info = buf && imageInfo(buf)
          if (!info) return finish(false, { errMsg: 'getImageInfo:fail invalid image' })
          finish(true, { width: info.width, height: info.height, path: p, type: info.type, orientation: 'up' })
        }
        if (/^https?:\/\//.test(o.src) && !/^https?:\/\/tmp\//.test(o.src)) {
          return this._net.call(
            { url: o.src, method: 'GET', headers: {} },
            {
              onDone: (err, resp) => {
                if (err || resp.statusCode !== 200) return finish(false, { errMsg: 'getImageInfo:fail download image fail' })
                const ext = (imageInfo(resp.body) || { type: 'png' }).type
                done(resp.body, this._writeTemp(resp.body, '.' + ext))
              },
            },
          )
        }
        let src = o.src
        const top = this._pages[this._pages.length - 1]
        if (!/^[a-z]+:/i.test(src) && !src.startsWith('/') && top) src = path.posix.join(path.posix.dirname(top.route), src)
        const file = this._fsPath(src)
        let buf = null
        try {
          buf = fs.readFileSync(file)
        } catch {
          return finish(false, { errMsg: 'getImageInfo:fail file not found' })
        }
        done(buf, o.src)
      }),
    )
    def('chooseMedia', (o) =>
      this._api('chooseMedia', o, (o, finish) => {
        const picked = this._pick('chooseMedia', o)
        if (!picked) return finish(false, { errMsg: 'chooseMedia:fail cancel' })
        const tempFiles = new R.Array()
        for (const f of picked)
          tempFiles.push(this._obj({ tempFilePath: f.path, size: f.size, fileType: 'image', width: f.width, height: f.height }))
        finish(true, { tempFiles, type: 'image' })
      }),
    )
    def('chooseImage', (o) =>
      this._api('chooseImage', o, (o, finish) => {
        const picked = this._pick('chooseImage', o)
        if (!picked) return finish(false, { errMsg: 'chooseImage:fail cancel' })
        finish(true, {
          tempFilePaths: R.Array.from(picked.map((f) => f.path)),
          tempFiles: R.Array.from(picked.map((f) => this._obj({ path: f.path, size: f.size }))),
        })
      }),
    )
    def('arrayBufferToBase64', (ab) => Buffer.from(new Uint8Array(ab)).toString('base64'))
    def('base64ToArrayBuffer', (b64) => this._ab(Buffer.from(String(b64), 'base64')))
    return wx
  }

  _registerApp(opts) {
    if (this._appRegistered) {
      this._log('error', ['[sim] App() may only be called once (in app.js)'])
      return
    }
    const inst = new this._R.Object()
    if (opts && typeof opts === 'object') for (const k of Object.keys(opts)) inst[k] = opts[k]
    this._appInstance = inst
    this._appRegistered = true
  }

  _registerPage(kind, opts) {
    const file = this._modules.currentFile()
    const name = kind === 'page' ? 'Page' : 'Component'
    if (!file) {
      this._log('error', [`[sim] ${name}() must be called while a page/component file is being loaded`])
      return
    }
    const route = path.relative(this.sim.root, file).split(path.sep).join('/').replace(/\.js$/, '')
    this._pageDefs.set(route, { kind, opts: opts && typeof opts === 'object' ? opts : {} })
  }

  _allPages() {
    const j = this._appJson
    if (!j || !Array.isArray(j.pages)) return null
    const out = j.pages.slice()
    for (const sp of [].concat(j.subpackages || [], j.subPackages || [])) {
      if (sp && Array.isArray(sp.pages)) for (const p of sp.pages) out.push(String(sp.root).replace(/\/+$/, '') + '/' + p)
    }
    return out
  }

  _makePageInstance(def, route, query) {
    const R = this._R
    const o = def.opts
    const inst = new R.Object()
    let data
    if (def.kind === 'page') {
      for (const k of Object.keys(o)) if (k !== 'data') inst[k] = o[k]
      data = cloneInto(o.data || {}, R)
    } else {
      const methods = o.methods && typeof o.methods === 'object' ? o.methods : {}
      for (const k of Object.keys(methods)) inst[k] = methods[k]
      data = new R.Object()
      const props = o.properties && typeof o.properties === 'object' ? o.properties : {}
      for (const k of Object.keys(props)) {
        const p = props[k]
        if (p && typeof p === 'object' && 'value' in p) data[k] = cloneInto(p.value, R)
      }
      Object.assign(data, cloneInto(o.data || {}, R))
      // Component-as-page: the page query is passed to onLoad; properties with the same name are set too
      for (const k of Object.keys(query)) if (k in props) data[k] = query[k]
    }
    inst.data = data
    // Component(): this.properties is this.data, one object (WeChat's Component docs, "properties 定义":
    // the two are the same object since base library 2.0.9). uni-app's pages read it while attaching.
    if (def.kind === 'component') {
      inst.properties = data
      // A page has no parent component: its events reach no listener (uni-app's pages send `__l` while attaching).
      inst.triggerEvent = this._fn('triggerEvent', () => {})
    }
    inst.route = route
    inst.__route__ = route
    inst.options = query
    inst.setData = this._fn('setData', (obj, cb) => this._setData(inst, obj, cb))
    return inst
  }

  _setData(inst, obj, cb) {
    if (!this.alive) return
    const R = this._R
    if (obj === null || typeof obj !== 'object') {
      this._log('error', ['[sim] setData: the first argument must be an Object'])
      return
    }
    let size = 0
    try {
      size = Buffer.byteLength(JSON.stringify(obj) || '')
    } catch (e) {
      this._log('error', ['[sim] setData: data is not JSON-serializable:', e.message])
    }
    if (size > SETDATA_MAX)
      this._log('error', [`[sim] setData 数据传输长度为 ${Math.round(size / 1024)} KB，超过最大长度 1024 KB`])
    const changed = new Set()
    for (const key of Object.keys(obj)) {
      const v = obj[key]
      if (v === undefined) {
        this._log('warn', [`Setting data field "${key}" to undefined is invalid.`])
        continue
      }
      const segs = parseDataPath(key)
      if (!segs.length) continue
      let cur = inst.data
      for (let i = 0; i < segs.length - 1; i++) {
        const s = segs[i]
        if (cur[s] === null || typeof cur[s] !== 'object')
          cur[s] = typeof segs[i + 1] === 'number' ? new R.Array() : new R.Object()
        cur = cur[s]
      }
      cur[segs[segs.length - 1]] = v
      changed.add(String(segs[0]))
    }
    const view = this._views.get(inst)
    if (view && changed.size) view._schedule(changed)
    if (typeof cb === 'function') this._later(() => this._invoke(cb, [], 'setData callback', inst))
  }

  _hook(inst, name, args) {
    if (inst && typeof inst[name] === 'function') return this._invoke(inst[name], args, `${inst.route || 'App'}.${name}`, inst)
  }

  _compLife(inst, opts, name) {
    const f = (opts.lifetimes && opts.lifetimes[name]) || opts[name]
    if (typeof f === 'function') this._invoke(f, [], `${inst.route}.${name}`, inst)
  }

  _showOptions(extra) {
    const R = this._R
    const j = this._appJson
    const top = this._pages[this._pages.length - 1]
    const p = top ? top.route : (j && Array.isArray(j.pages) && j.pages[0]) || ''
    return this._obj(
      Object.assign(
        { path: p, query: new R.Object(), scene: 1001, referrerInfo: new R.Object(), apiCategory: 'default' },
        extra || {},
      ),
    )
  }

  _start() {
    const root = this.sim.root
    const appJson = path.join(root, 'app.json')
    if (fs.existsSync(appJson)) this._appJson = JSON.parse(fs.readFileSync(appJson, 'utf8'))
    const appJs = path.join(root, 'app.js')
    if (fs.existsSync(appJs)) {
      this._modules.load(appJs)
      if (!this._appRegistered) this._log('error', ['[sim] app.js did not call App()'])
    }
    if (!this._appInstance) this._appInstance = new this._R.Object()
    this._hook(this._appInstance, 'onLaunch', [this._showOptions()])
    this._hook(this._appInstance, 'onShow', [this._showOptions()])
  }

  _fireShow(opts) {
    this._assertAlive()
    const o = this._showOptions(opts)
    this._hook(this._appInstance, 'onShow', [o])
    for (const cb of this._appShow.slice()) this._invoke(cb, [o], 'onAppShow listener')
    const top = this._pages[this._pages.length - 1]
    if (top) this._hook(top, 'onShow', [])
  }

  _fireHide() {
    this._assertAlive()
    const top = this._pages[this._pages.length - 1]
    if (top) this._hook(top, 'onHide', [])
    this._hook(this._appInstance, 'onHide', [])
    for (const cb of this._appHide.slice()) this._invoke(cb, [], 'onAppHide listener')
  }

  _kill() {
    if (!this.alive) return
    this.alive = false
    for (const h of this._timers.values()) clearTimeout(h)
    this._timers.clear()
    for (const h of this._hostTimers) clearTimeout(h)
    this._hostTimers.clear()
    this._net.kill()
    for (const v of this._views.values()) v.close()
    this._views.clear()
    this._appShow.length = 0
    this._appHide.length = 0
  }
}

class Simulator {
  constructor(o = {}) {
    if (!o.root) throw new Error('createSimulator: root is required')
    this.root = path.resolve(o.root)
    if (!fs.existsSync(this.root) || !fs.statSync(this.root).isDirectory())
      throw new Error(`createSimulator: root ${this.root} is not a directory`)
    this.root = fs.realpathSync(this.root)
    this.wechatUrl = o.wechatUrl || ''
    this.appid = o.appid || 'wx0000000000000001'
    this.user = { openid: 'o_test', unionid: '' }
    if (o.user) this.setUser(o.user)
    this.options = {
      hostTextCodec: !!o.hostTextCodec,
      echoConsole: !!o.echoConsole,
      allowEval: !!o.allowEval,
      rejectUnauthorized: o.rejectUnauthorized !== false,
      render: !!o.render,
      avatar: o.avatar || null,
      modal: o.modal || null,
      choose: o.choose || null,
    }
    this.compiler = new DevtoolsCompiler(this.root, o.compile)
    // A code cache from an earlier launch (Map file -> Buffer, from app.codeCache()), or null.
    this.codeCache = o.codeCache || null
    this._view = null
    this.storage = new StorageMap()
    this.storageWrites = 0
    this.requests = []
    this.wasmLoads = []
    this.maxConcurrentSeen = 0
    this.sockets = new SocketHooks(this)
    this.app = null
    this.closed = false
    this._gen = 0
    this._tmpDir = null
  }

  // u.phone: the number WeChat has for the user, what a getPhoneNumber button shares: '13900000001'
  // (mainland, +86) or { phoneNumber, countryCode }.
  setUser(u) {
    if (!u || typeof u.openid !== 'string' || !u.openid) throw new Error('setUser: openid (string) is required')
    let phone = null
    if (typeof u.phone === 'string') phone = { phoneNumber: u.phone, countryCode: '86' }
    else if (u.phone && typeof u.phone === 'object')
      phone = { phoneNumber: String(u.phone.phoneNumber), countryCode: String(u.phone.countryCode || '86') }
    this.user = { openid: u.openid, unionid: u.unionid || '', phone }
  }

  _viewLayer() {
    if (!this._view) {
      const { ViewLayer } = require('./view')
      this._view = new ViewLayer(this)
    }
    return this._view
  }

  async launch() {
    if (this.closed) throw new Error('simulator is closed')
    if (this.app) this.app._kill()
    await warmNative() // the phone's native file read and brotli decoder are there before the app
    const app = new AppRuntime(this, ++this._gen)
    this.app = app
    app._start()
    await new Promise((resolve) => setImmediate(resolve))
    return app
  }

  restart() {
    return this.launch()
  }

  fireAppShow(opts) {
    this._current()._fireShow(opts)
  }
  fireAppHide() {
    this._current()._fireHide()
  }

  close() {
    if (this.closed) return
    this.closed = true
    if (this.app) this.app._kill()
    if (this._tmpDir) {
      try {
        fs.rmSync(this._tmpDir, { recursive: true, force: true })
      } catch {
        /* ignore */
      }
      this._tmpDir = null
    }
  }

  get tmpDir() {
    return this._tmp()
  }

  _current() {
    if (!this.app || !this.app.alive) throw new Error('no running app (call launch() first)')
    return this.app
  }

  _tmp() {
    if (!this._tmpDir) this._tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxsim-'))
    return this._tmpDir
  }
}

function createSimulator(options) {
  return new Simulator(options)
}

module.exports = { createSimulator, Simulator, AppRuntime }
