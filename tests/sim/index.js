'use strict'
// Strict WeChat mini-program logic-layer simulator for Node 20 (see README.md).
const vm = require('vm')
const fs = require('fs')
const path = require('path')
const os = require('os')
const { StorageMap, StorageError, makeStorageOps } = require('./storage')
const { cloneInto } = require('./clone')
const { Net, makeNetApis } = require('./net')
const { installSockets, SocketHooks } = require('./socket')
const { makeWXWebAssembly } = require('./wasm')
const { ModuleSystem } = require('./modules')

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

const UI_APIS = {
  showToast: () => ({}),
  hideToast: () => ({}),
  showModal: () => ({ confirm: true, cancel: false }),
  showLoading: () => ({}),
  hideLoading: () => ({}),
  navigateTo: () => ({}),
  redirectTo: () => ({}),
  switchTab: () => ({}),
  navigateBack: () => ({}),
  reLaunch: () => ({}),
  getImageInfo: (o) => ({ width: 100, height: 100, path: o.src, type: 'png', orientation: 'up' }),
  setNavigationBarTitle: () => ({}),
  stopPullDownRefresh: () => ({})
}

const ENCODINGS = ['ascii', 'base64', 'binary', 'hex', 'ucs2', 'ucs-2', 'utf16le', 'utf-16le', 'utf-8', 'utf8', 'latin1']

function parseDataPath (key) {
  const out = []
  const re = /([^.[\]]+)|\[(\d+)\]/g
  let m
  while ((m = re.exec(key))) out.push(m[2] !== undefined ? Number(m[2]) : m[1])
  return out
}

class AppRuntime {
  constructor (sim, id) {
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
    if (opts.legacyIOS) vm.runInContext('delete globalThis.FinalizationRegistry; delete globalThis.WeakRef; delete globalThis.SharedArrayBuffer; delete globalThis.Atomics', ctx)
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

  require (request) {
    this._assertAlive()
    return this._modules.requireRoot(request)
  }

  async eval (source) {
    this._assertAlive()
    return await vm.runInContext(source, this.context, { filename: 'app.eval.js' })
  }

  async openPage (route, query) {
    this._assertAlive()
    route = String(route).replace(/^\/+/, '').replace(/\.js$/, '')
    const pages = this._allPages()
    if (pages && !pages.includes(route)) throw new Error(`openPage: "${route}" is not listed in app.json pages/subpackages`)
    const file = path.join(this.sim.root, route + '.js')
    if (!fs.existsSync(file)) throw new Error(`openPage: ${file} does not exist`)
    if (!this._pageDefs.has(route)) this._modules.load(file)
    const def = this._pageDefs.get(route)
    if (!def) throw new Error(`Page "${route}" has not been registered yet (no Page()/Component() call in ${route}.js)`)
    const R = this._R
    const q = new R.Object()
    for (const k of Object.keys(query || {})) q[k] = String(query[k])
    const inst = this._makePageInstance(def, route, q)
    const prev = this._pages[this._pages.length - 1]
    if (prev) this._hook(prev, 'onHide', [])
    this._pages.push(inst)
    if (def.kind === 'component') {
      this._compLife(inst, def.opts, 'created')
      this._compLife(inst, def.opts, 'attached')
    }
    this._hook(inst, 'onLoad', [q])
    this._hook(inst, 'onShow', [])
    await new Promise((resolve) => setImmediate(resolve)) // first render
    if (this.alive) {
      if (def.kind === 'component') this._compLife(inst, def.opts, 'ready')
      this._hook(inst, 'onReady', [])
    }
    return inst
  }

  async waitFor (predicate, { timeout = 3000, interval = 5 } = {}) {
    const t0 = Date.now()
    for (;;) {
      const v = await predicate()
      if (v) return v
      if (Date.now() - t0 > timeout) throw new Error(`waitFor: timed out after ${timeout} ms`)
      await new Promise((resolve) => setTimeout(resolve, interval))
    }
  }

  get pages () { return this._pages.slice() }
  get appInstance () { return this._appInstance }
  get inFlight () { return this._net.inFlight }

  // ---------- internals ----------

  _assertAlive () { if (!this.alive) throw new Error(`app #${this.id} has been killed (restart/close)`) }

  _fn (name, impl) { return this._wrap(impl, name) }
  _wxfn (name, impl) { return this._wrap((...a) => (this.alive ? impl(...a) : undefined), name) }
  _obj (props) { return Object.assign(new this._R.Object(), props) }
  _ab (buf) {
    const ab = new this._R.ArrayBuffer(buf.length)
    new Uint8Array(ab).set(buf)
    return ab
  }

  _log (level, args) {
    this.logs.push({ level, args })
    if (this.sim.options.echoConsole) {
      const f = typeof console[level] === 'function' ? console[level] : console.log
      f.call(console, `[wx#${this.id}]`, ...args)
    }
  }

  _reportError (label, err) {
    this._log('error', [`[sim] ${label} threw:`, err])
    const inst = this._appInstance
    if (!this._inOnError && inst && typeof inst.onError === 'function') {
      this._inOnError = true
      try { inst.onError(err && err.stack ? String(err.stack) : String(err)) } catch (e) { this._log('error', ['[sim] App.onError threw:', e]) }
      this._inOnError = false
    }
  }

  _invoke (fn, args, label, thisArg) {
    try { return fn.apply(thisArg, args) } catch (e) { this._reportError(label, e) }
  }

  // run fn on a later macrotask, unless the app has been killed by then
  _later (fn) {
    const h = setTimeout(() => {
      this._hostTimers.delete(h)
      if (!this.alive) return
      try { fn() } catch (e) { this._reportError('[sim internal]', e) }
    }, 0)
    this._hostTimers.add(h)
  }

  _setTimer (repeat, fn, ms, args) {
    if (!this.alive) return 0
    if (typeof fn !== 'function') throw new this._R.TypeError(`${repeat ? 'setInterval' : 'setTimeout'}: callback must be a function (string code is not supported)`)
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

  _clearTimer (id) {
    const h = this._timers.get(id)
    if (h !== undefined) { clearTimeout(h); this._timers.delete(id) }
  }

  // Callback-or-Promise wx API. runner(o, finish) calls finish(ok, resProps) once (any time).
  // promiseAllowed=false: task-returning API; the runner's return value is returned.
  _api (name, options, runner, promiseAllowed = true) {
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
      ret = new R.Promise((resolve, reject) => { settle = (ok, res) => (ok ? resolve(res) : reject(res)) })
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

  _fsPath (p) {
    if (typeof p !== 'string' || !p) return null
    let base, rel, m
    if ((m = /^wxfile:\/\/(.*)$/.exec(p)) || (m = /^https?:\/\/tmp\/(.*)$/.exec(p))) {
      base = this.sim._tmp()
      rel = m[1]
    } else if (/^[a-z][a-z0-9+.-]*:/i.test(p)) return null
    else { base = this.sim.root; rel = p.replace(/^\/+/, '') }
    const target = path.resolve(base, rel)
    const r = path.relative(base, target)
    if (r.startsWith('..') || path.isAbsolute(r)) return null
    return target
  }

  _makeConsole () {
    const c = new this._R.Object()
    const rec = (level) => this._fn(level, (...args) => { if (this.alive) this._log(level, args) })
    for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) c[level] = rec(level)
    c.dir = rec('log')
    c.table = rec('log')
    c.group = rec('log')
    c.groupCollapsed = rec('log')
    c.groupEnd = this._fn('groupEnd', () => {})
    const times = new Map()
    c.time = this._fn('time', (label = 'default') => { times.set(label, Date.now()) })
    c.timeEnd = this._fn('timeEnd', (label = 'default') => {
      if (times.has(label)) { this._log('log', [`${label}: ${Date.now() - times.get(label)}ms`]); times.delete(label) }
    })
    c.assert = this._fn('assert', (cond, ...args) => { if (!cond) this._log('error', ['Assertion failed:', ...args]) })
    return c
  }

  _makeWx () {
    const R = this._R
    const sim = this.sim
    const wx = new R.Object()
    const def = (name, impl) => { wx[name] = this._wxfn(name, impl) }

    // network
    const netApis = makeNetApis(this)
    for (const k of Object.keys(netApis)) def(k, netApis[k])
    const socketApis = installSockets(this) // wx.connectSocket & co. (socket.js)
    for (const k of Object.keys(socketApis)) def(k, socketApis[k])

    // storage
    const ops = makeStorageOps(sim)
    const sync = (fn) => (...a) => {
      try { return fn(...a) } catch (e) {
        if (e instanceof StorageError) throw new R.Error(e.message)
        throw e
      }
    }
    def('setStorageSync', sync((key, data) => { ops.set('setStorageSync', key, data)() }))
    def('getStorageSync', sync((key) => { const r = ops.get('getStorageSync', key, R); return r.found ? r.value : '' }))
    def('removeStorageSync', sync((key) => { ops.remove('removeStorageSync', key)() }))
    def('clearStorageSync', sync(() => { ops.clear()() }))
    const info = () => { const i = ops.info(); return { keys: R.Array.from(i.keys), currentSize: i.currentSize, limitSize: i.limitSize } }
    def('getStorageInfoSync', () => this._obj(info()))
    const commitLater = (commit, finish) => this._later(() => {
      try { commit(); finish(true, {}) } catch (e) { finish(false, { errMsg: e.message }) }
    })
    // `encrypt: true` (async API only, base library 2.21.3): the item is kept as ciphertext (a sync
    // read sees only that), must be read back with `encrypt: true`, and may hold 0.7 MB instead of 1 MB.
    const ENC = 'wxenc:'
    def('setStorage', (o) => this._api('setStorage', o, (o, finish) => {
      if (o.encrypt !== true) return commitLater(ops.set('setStorage', o.key, o.data), finish)
      const plain = JSON.stringify(o.data === undefined ? null : o.data)
      if (Buffer.byteLength(plain) > 0.7 * 1024 * 1024) throw new StorageError('setStorage:fail exceed storage item max length')
      return commitLater(ops.set('setStorage', o.key, ENC + Buffer.from(plain).toString('base64')), finish)
    }))
    def('getStorage', (o) => this._api('getStorage', o, (o, finish) => {
      const r = ops.get('getStorage', o.key, R)
      if (!r.found) return finish(false, { errMsg: 'getStorage:fail data not found' })
      if (o.encrypt !== true) return finish(true, { data: r.value })
      if (typeof r.value !== 'string' || !r.value.startsWith(ENC)) return finish(false, { errMsg: 'getStorage:fail decrypt fail' })
      const json = Buffer.from(r.value.slice(ENC.length), 'base64').toString('utf8')
      return finish(true, { data: cloneInto(JSON.parse(json), R) })
    }))
    def('removeStorage', (o) => this._api('removeStorage', o, (o, finish) => commitLater(ops.remove('removeStorage', o.key), finish)))
    def('clearStorage', (o) => this._api('clearStorage', o, (o, finish) => commitLater(ops.clear(), finish)))
    def('getStorageInfo', (o) => this._api('getStorageInfo', o, (o, finish) => finish(true, info())))

    // app events
    const on = (list) => (cb) => { if (typeof cb === 'function') list.push(cb) }
    const off = (list) => (cb) => {
      if (cb === undefined) list.length = 0
      else { const i = list.indexOf(cb); if (i >= 0) list.splice(i, 1) }
    }
    def('onAppShow', on(this._appShow))
    def('offAppShow', off(this._appShow))
    def('onAppHide', on(this._appHide))
    def('offAppHide', off(this._appHide))

    // info
    def('getSystemInfoSync', () => this._obj({
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
      deviceOrientation: 'portrait'
    }))
    def('getAccountInfoSync', () => this._obj({ miniProgram: this._obj({ appId: sim.appid, envVersion: 'develop', version: '' }) }))
    wx.env = this._obj({ USER_DATA_PATH: 'wxfile://usr' })

    // file system (read only)
    const fsm = new R.Object()
    fsm.readFileSync = this._wxfn('readFileSync', (filePath, encoding, position, length) => {
      const file = this._fsPath(filePath)
      if (!file) throw new R.Error(`readFileSync:fail permission denied, open ${filePath}`)
      let buf
      try { buf = fs.readFileSync(file) } catch (e) { throw new R.Error(`readFileSync:fail no such file or directory, open ${filePath}`) }
      if (position !== undefined || length !== undefined) {
        const start = Number(position) || 0
        buf = buf.subarray(start, length === undefined ? undefined : start + Number(length))
      }
      if (encoding === undefined || encoding === null || encoding === '') return this._ab(buf)
      if (!ENCODINGS.includes(String(encoding).toLowerCase())) throw new R.Error(`readFileSync:fail invalid encoding: ${encoding}`)
      return buf.toString(String(encoding).toLowerCase().replace('-16le', '16le').replace('ucs-2', 'ucs2'))
    })
    def('getFileSystemManager', () => fsm)

    // UI stubs
    for (const name of Object.keys(UI_APIS)) {
      def(name, (o) => {
        this.ui.push({ api: name, options: o })
        return this._api(name, o, (o, finish) => finish(true, UI_APIS[name](o)))
      })
    }
    return wx
  }

  _registerApp (opts) {
    if (this._appRegistered) { this._log('error', ['[sim] App() may only be called once (in app.js)']); return }
    const inst = new this._R.Object()
    if (opts && typeof opts === 'object') for (const k of Object.keys(opts)) inst[k] = opts[k]
    this._appInstance = inst
    this._appRegistered = true
  }

  _registerPage (kind, opts) {
    const file = this._modules.currentFile()
    const name = kind === 'page' ? 'Page' : 'Component'
    if (!file) { this._log('error', [`[sim] ${name}() must be called while a page/component file is being loaded`]); return }
    const route = path.relative(this.sim.root, file).split(path.sep).join('/').replace(/\.js$/, '')
    this._pageDefs.set(route, { kind, opts: opts && typeof opts === 'object' ? opts : {} })
  }

  _allPages () {
    const j = this._appJson
    if (!j || !Array.isArray(j.pages)) return null
    const out = j.pages.slice()
    for (const sp of [].concat(j.subpackages || [], j.subPackages || [])) {
      if (sp && Array.isArray(sp.pages)) for (const p of sp.pages) out.push(String(sp.root).replace(/\/+$/, '') + '/' + p)
    }
    return out
  }

  _makePageInstance (def, route, query) {
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
    inst.route = route
    inst.__route__ = route
    inst.options = query
    inst.setData = this._fn('setData', (obj, cb) => this._setData(inst, obj, cb))
    return inst
  }

  _setData (inst, obj, cb) {
    if (!this.alive) return
    const R = this._R
    if (obj === null || typeof obj !== 'object') { this._log('error', ['[sim] setData: the first argument must be an Object']); return }
    let size = 0
    try { size = Buffer.byteLength(JSON.stringify(obj) || '') } catch (e) {
      this._log('error', ['[sim] setData: data is not JSON-serializable:', e.message])
    }
    if (size > SETDATA_MAX) this._log('error', [`[sim] setData 数据传输长度为 ${Math.round(size / 1024)} KB，超过最大长度 1024 KB`])
    for (const key of Object.keys(obj)) {
      const v = obj[key]
      if (v === undefined) { this._log('warn', [`Setting data field "${key}" to undefined is invalid.`]); continue }
      const segs = parseDataPath(key)
      if (!segs.length) continue
      let cur = inst.data
      for (let i = 0; i < segs.length - 1; i++) {
        const s = segs[i]
        if (cur[s] === null || typeof cur[s] !== 'object') cur[s] = typeof segs[i + 1] === 'number' ? new R.Array() : new R.Object()
        cur = cur[s]
      }
      cur[segs[segs.length - 1]] = v
    }
    if (typeof cb === 'function') this._later(() => this._invoke(cb, [], 'setData callback', inst))
  }

  _hook (inst, name, args) {
    if (inst && typeof inst[name] === 'function') return this._invoke(inst[name], args, `${inst.route || 'App'}.${name}`, inst)
  }

  _compLife (inst, opts, name) {
    const f = (opts.lifetimes && opts.lifetimes[name]) || opts[name]
    if (typeof f === 'function') this._invoke(f, [], `${inst.route}.${name}`, inst)
  }

  _showOptions (extra) {
    const R = this._R
    const j = this._appJson
    const top = this._pages[this._pages.length - 1]
    const p = top ? top.route : (j && Array.isArray(j.pages) && j.pages[0]) || ''
    return this._obj(Object.assign({ path: p, query: new R.Object(), scene: 1001, referrerInfo: new R.Object(), apiCategory: 'default' }, extra || {}))
  }

  _start () {
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

  _fireShow (opts) {
    this._assertAlive()
    const o = this._showOptions(opts)
    this._hook(this._appInstance, 'onShow', [o])
    for (const cb of this._appShow.slice()) this._invoke(cb, [o], 'onAppShow listener')
    const top = this._pages[this._pages.length - 1]
    if (top) this._hook(top, 'onShow', [])
  }

  _fireHide () {
    this._assertAlive()
    const top = this._pages[this._pages.length - 1]
    if (top) this._hook(top, 'onHide', [])
    this._hook(this._appInstance, 'onHide', [])
    for (const cb of this._appHide.slice()) this._invoke(cb, [], 'onAppHide listener')
  }

  _kill () {
    if (!this.alive) return
    this.alive = false
    for (const h of this._timers.values()) clearTimeout(h)
    this._timers.clear()
    for (const h of this._hostTimers) clearTimeout(h)
    this._hostTimers.clear()
    this._net.kill()
    this._appShow.length = 0
    this._appHide.length = 0
  }
}

class Simulator {
  constructor (o = {}) {
    if (!o.root) throw new Error('createSimulator: root is required')
    this.root = path.resolve(o.root)
    if (!fs.existsSync(this.root) || !fs.statSync(this.root).isDirectory()) throw new Error(`createSimulator: root ${this.root} is not a directory`)
    this.root = fs.realpathSync(this.root)
    this.wechatUrl = o.wechatUrl || ''
    this.appid = o.appid || 'wx0000000000000001'
    this.user = { openid: 'o_test', unionid: '' }
    if (o.user) this.setUser(o.user)
    this.options = {
      hostTextCodec: !!o.hostTextCodec,
      echoConsole: !!o.echoConsole,
      allowEval: !!o.allowEval,
      rejectUnauthorized: o.rejectUnauthorized !== false
    }
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

  setUser (u) {
    if (!u || typeof u.openid !== 'string' || !u.openid) throw new Error('setUser: openid (string) is required')
    this.user = { openid: u.openid, unionid: u.unionid || '' }
  }

  async launch () {
    if (this.closed) throw new Error('simulator is closed')
    if (this.app) this.app._kill()
    const app = new AppRuntime(this, ++this._gen)
    this.app = app
    app._start()
    await new Promise((resolve) => setImmediate(resolve))
    return app
  }

  restart () { return this.launch() }

  fireAppShow (opts) { this._current()._fireShow(opts) }
  fireAppHide () { this._current()._fireHide() }

  close () {
    if (this.closed) return
    this.closed = true
    if (this.app) this.app._kill()
    if (this._tmpDir) {
      try { fs.rmSync(this._tmpDir, { recursive: true, force: true }) } catch (e) { /* ignore */ }
      this._tmpDir = null
    }
  }

  get tmpDir () { return this._tmp() }

  _current () {
    if (!this.app || !this.app.alive) throw new Error('no running app (call launch() first)')
    return this.app
  }

  _tmp () {
    if (!this._tmpDir) this._tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxsim-'))
    return this._tmpDir
  }
}

function createSimulator (options) { return new Simulator(options) }

module.exports = { createSimulator, Simulator, AppRuntime }
