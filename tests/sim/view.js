'use strict'
// The view layer: renders each page's WXML in the Node realm, while the page's logic keeps running in the
// strict context (index.js). As on WeChat, the two sides share no objects: the view gets a JSON copy of
// every setData (applied on a later macrotask, batched), and events travel back as fresh context-realm
// objects shaped like WeChat's event objects. Rendering uses the official tools: the real `wcc` binary
// (miniprogram-compiler) compiles the WXML, j-component (miniprogram-simulate's engine, on exparser)
// renders it under jsdom. Loaded only with createSimulator({ render: true }): it installs jsdom's globals
// (window, document, …) in the Node realm. The context never sees them.
const fs = require('node:fs')
const path = require('node:path')
const { cloneInto } = require('./clone')
const { makePng } = require('./image')

let domInstalled = false
function installDom() {
  if (domInstalled) return
  require('global-jsdom')(undefined, { url: 'http://127.0.0.1/' })
  // Node ≥ 19 has its own Event/CustomEvent/EventTarget, which global-jsdom keeps; j-component's
  // `new CustomEvent()` must be jsdom's, or jsdom's dispatchEvent rejects it and taps do nothing.
  for (const k of ['Event', 'CustomEvent', 'EventTarget']) global[k] = global.window[k]
  global.window.__webview_engine_version__ = 0.02 // read by the wcc output
  domInstalled = true
}

let seq = 0
// j-component's wrapper class for any rendered node (the base class of the root component).
const nodeClass = () => Object.getPrototypeOf(require('j-component/src/render/component').prototype).constructor
const norm = (s) => String(s).replace(/\s+/g, ' ').trim()
const json = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)))
const camel = (s) => s.replace(/-([a-z])/g, (_m, c) => c.toUpperCase())

// Open-type buttons whose outcome the sim produces (what the user would pick in WeChat's native UI).
const OPEN_TYPES = ['chooseAvatar', 'getPhoneNumber', 'getRealtimePhoneNumber']

class ViewLayer {
  constructor(sim) {
    installDom()
    this.sim = sim
    this.jComponent = require('j-component')
    this._gwx = null
    this.container = global.document.createElement('div')
    global.document.body.appendChild(this.container)
  }

  // The compiled template function of `route` (the whole project goes through wcc once, as in DevTools).
  template(route) {
    if (!this._gwx) {
      const src = require('miniprogram-compiler').wxmlToJs(this.sim.root)
      // wcc's output keeps its templates in the sloppy-mode globals $gwx and __WXML_GLOBAL__; declared here,
      // they stay this project's (else a second project with the same page paths gets the first one's WXML).
      // Its WXS runtime patches the built-in prototypes once per realm (nv_length, …), flagged in wxs_nf_init.
      const nfDone = !!Object.getOwnPropertyDescriptor(Function.prototype, 'nv_length')
      const head = `var $gwx, __WXML_GLOBAL__ = ${nfDone ? '{ wxs_nf_init: true }' : '{}'};\n`
      this._gwx = new Function(head + src)() // eslint-disable-line no-new-func
    }
    const t = this._gwx(route + '.wxml')
    if (typeof t !== 'function') throw new Error(`view: ${route}.wxml did not compile`)
    return t
  }

  mount(app, inst, def) {
    const route = inst.route
    const wxml = path.join(this.sim.root, route + '.wxml')
    if (!fs.existsSync(wxml)) throw new Error(`openPage: ${route}.wxml does not exist (a page needs one)`)
    let pageJson = {}
    try {
      pageJson = JSON.parse(fs.readFileSync(path.join(this.sim.root, route + '.json'), 'utf8'))
    } catch {
      /* optional */
    }
    if (pageJson.usingComponents && Object.keys(pageJson.usingComponents).length) {
      throw new Error(`view: ${route}.json uses custom components (usingComponents), which the view layer does not render yet`)
    }
    return new PageView(this, app, inst, def)
  }
}

class PageView {
  constructor(layer, app, inst, def) {
    this.layer = layer
    this.app = app
    this.page = inst
    this.route = inst.route
    this.closed = false
    this._pending = new Set() // top-level data keys to send at the next render
    this._renderScheduled = null
    this._renders = [] // resolvers waiting for the next render
    this._handlerRuns = [] // promises returned by handlers during the current dispatch
    this._values = new Map() // exparser node -> value typed into an input (the input component keeps it)

    const methods = {}
    const source = def.kind === 'page' ? inst : def.opts.methods || {}
    for (const name of Object.keys(source)) {
      if (typeof source[name] !== 'function' || name === 'setData') continue
      methods[name] = (e) => {
        this._toLogic(name, e)
      }
    }
    const id = `sim-page-${++seq}`
    const jc = layer.jComponent
    jc.register({
      id,
      path: path.join(layer.sim.root, this.route),
      template: layer.template(this.route),
      usingComponents: {},
      tagName: 'page',
      options: { classPrefix: '' },
      data: json(inst.data) || {},
      methods,
    })
    this.comp = jc.create(id)
    this.comp.attach(layer.container)
  }

  // ---------- logic → view ----------

  // setData in the context changed these top-level keys; render them on a later macrotask (batched).
  _schedule(keys) {
    if (this.closed) return
    for (const k of keys) this._pending.add(k)
    if (this._renderScheduled) return
    this._renderScheduled = setImmediate(() => this._render())
  }

  _render() {
    this._renderScheduled = null
    if (this.closed) return
    const patch = {}
    for (const k of this._pending) {
      const v = json(this.page.data[k])
      if (v !== undefined) patch[k] = v
    }
    this._pending.clear()
    try {
      this.comp.setData(patch)
    } catch (e) {
      this.app._log('error', [`[sim] view: rendering ${this.route} failed:`, e])
    }
    for (const r of this._renders.splice(0)) r()
  }

  // Resolves once nothing is left to render.
  rendered() {
    if (!this._renderScheduled) return Promise.resolve()
    return new Promise((resolve) => this._renders.push(resolve))
  }

  // ---------- view → logic ----------

  _toLogic(handler, e) {
    const app = this.app
    if (this.closed || !app.alive) return
    const inst = this.page
    const fn = inst[handler]
    if (typeof fn !== 'function') {
      app._log('warn', [`Component "${this.route}" does not have a method "${handler}" to handle event "${e.type}".`])
      return
    }
    const target = (t) => ({
      id: t.id || '',
      offsetLeft: t.offsetLeft || 0,
      offsetTop: t.offsetTop || 0,
      dataset: json(t.dataset) || {},
    })
    const event = {
      type: e.type,
      timeStamp: e.timeStamp,
      target: target(e.target),
      currentTarget: target(e.currentTarget),
      mark: {},
      detail: json(e.detail) || {},
      touches: Array.isArray(e.touches) ? json(e.touches) : [],
      changedTouches: Array.isArray(e.changedTouches) ? json(e.changedTouches) : [],
      mut: !!e.mut,
    }
    let ret
    try {
      ret = fn.call(inst, cloneInto(event, app._R))
    } catch (err) {
      app._reportError(`${this.route}.${handler}`, err) // logged and App.onError, as WeChat does; tap() rejects too
      // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose, settled synchronously (see below).
      ret = { then: (_resolve, reject) => reject(err) }
    }
    // then() right away (not Promise.resolve, which calls it a microtask later): a handler's rejection is
    // handed to tap()'s caller instead of becoming an unhandled rejection.
    if (ret && typeof ret.then === 'function') {
      const run = new Promise((resolve, reject) => ret.then(resolve, reject))
      run.catch(() => {}) // read by _dispatch's allSettled
      this._handlerRuns.push(run)
    }
  }

  // ---------- queries ----------

  _node(sel) {
    if (sel instanceof ElementHandle) return sel.comp
    const c = this.comp.querySelector(sel)
    if (!c) throw new Error(`${this.route}: nothing matches "${sel}"`)
    return c
  }

  $(sel) {
    const c = this.comp.querySelector(sel)
    return c ? new ElementHandle(this, c) : null
  }

  all(sel) {
    return this.comp.querySelectorAll(sel).map((c) => new ElementHandle(this, c))
  }
  exists(sel) {
    return !!this.comp.querySelector(sel)
  }
  text(sel) {
    return sel === undefined ? norm(this.comp.dom.textContent) : new ElementHandle(this, this._node(sel)).text()
  }
  attr(sel, name) {
    return new ElementHandle(this, this._node(sel)).attr(name)
  }
  html() {
    return this.comp.dom.outerHTML
  }

  // The page's visible text, one entry per text node (whitespace collapsed, empty ones left out).
  lines() {
    const out = []
    const walker = global.document.createTreeWalker(this.comp.dom, 4 /* NodeFilter.SHOW_TEXT */)
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const t = norm(n.textContent)
      if (t) out.push(t)
    }
    return out
  }
  get data() {
    return this.page.data
  }

  // ---------- user actions ----------

  tap(sel, opts) {
    return new ElementHandle(this, this._node(sel)).tap(opts)
  }
  input(sel, value) {
    return new ElementHandle(this, this._node(sel)).input(value)
  }
  trigger(sel, type, detail) {
    return new ElementHandle(this, this._node(sel)).trigger(type, detail)
  }

  // Polls `pred` (a function, or a selector that must exist) until it holds; rejects after `timeout` ms.
  waitFor(pred, opts) {
    const f = typeof pred === 'string' ? () => this.exists(pred) : pred
    return this.app.waitFor(f, opts)
  }

  // Waits until the text of `sel` matches `expected` (a string, compared exactly, or a RegExp) and returns it.
  async waitForText(sel, expected, opts) {
    let last
    const ok = () => {
      if (!this.exists(sel)) return false
      last = this.text(sel)
      return expected instanceof RegExp ? expected.test(last) : last === String(expected)
    }
    try {
      await this.app.waitFor(ok, opts)
    } catch {
      throw new Error(
        `${this.route}: waiting for "${sel}" to show ${expected}; it shows ${last === undefined ? '(nothing)' : JSON.stringify(last)}`,
      )
    }
    return last
  }

  // Dispatches one event from the view and waits for it to reach the logic layer, for the handlers' own
  // promises (a rejection is rethrown) and for the render that follows.
  async _dispatch(comp, type, detail) {
    if (this.closed) throw new Error(`${this.route} has been unloaded`)
    this._handlerRuns = []
    comp.dispatchEvent(type, { detail })
    await new Promise((resolve) => setImmediate(resolve)) // j-component dispatches on a microtask
    const runs = this._handlerRuns.splice(0)
    const results = await Promise.allSettled(runs)
    await this.rendered()
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
  }

  close() {
    if (this.closed) return
    this.closed = true
    if (this._renderScheduled) clearImmediate(this._renderScheduled)
    this._renderScheduled = null
    for (const r of this._renders.splice(0)) r()
    try {
      this.comp.detach()
    } catch {
      /* already gone */
    }
  }
}

class ElementHandle {
  constructor(view, comp) {
    this.view = view
    this.comp = comp
  }

  get node() {
    return this.comp._exparserNode
  }
  get id() {
    return this.node.id || ''
  }
  get dataset() {
    return json(this.node.dataset) || {}
  }
  get tagName() {
    return String(this.comp.dom.tagName || '')
      .toLowerCase()
      .replace(/^wx-/, '')
  }

  text() {
    return norm(this.comp.dom.textContent)
  }

  // A WXML attribute as the template set it (`src`, `open-type`, `data-x`, `class`, …); undefined if absent.
  attr(name) {
    if (name === 'id') return this.node.id || undefined
    if (/^data-/.test(name)) return this.node.dataset[camel(name.slice(5).toLowerCase())]
    const vt = this.node._vt
    const attrs = (vt && vt.attrs) || []
    for (const a of attrs) {
      if ((a.name === name || a.name === camel(name)) && a.value !== undefined) return a.value
    }
    if (this.node.$$ && this.node.$$.getAttribute && this.node.$$.getAttribute(name) !== null)
      return this.node.$$.getAttribute(name)
    return undefined
  }

  // The first / every element matching `sel` inside this one.
  query(sel) {
    const n = this.node.querySelector(sel)
    return n ? new ElementHandle(this.view, new (nodeClass())(n)) : null
  }

  queryAll(sel) {
    return (this.node.querySelectorAll(sel) || []).map((n) => new ElementHandle(this.view, new (nodeClass())(n)))
  }

  // A tap (bindtap/catchtap, with detail {x, y}). On a <button open-type="…"> the sim then plays the
  // user's part of WeChat's native flow and fires the open-type event:
  //   chooseAvatar: a picked picture (sim option `avatar`, default a 132×132 PNG) saved as a temp file →
  //     chooseavatar {avatarUrl: 'wxfile://tmp_…'};  opts.cancel: the user closes the picker, no event.
  //   getPhoneNumber / getRealtimePhoneNumber: the sim user's phone (createSimulator user.phone) minted into
  //     a code by the fake WeChat → getphonenumber {errMsg: 'getPhoneNumber:ok', code};
  //     opts.deny: {errMsg: 'getPhoneNumber:fail user deny'}.
  // On a <button form-type="submit"> inside a <form>, the form's submit event follows.
  async tap(opts = {}) {
    const v = this.view
    if (this.disabled)
      throw new Error(`${v.route}: <${this.tagName}${this.id ? ' id="' + this.id + '"' : ''}> is disabled; a user cannot tap it`)
    await v._dispatch(this.comp, 'tap', { x: 0, y: 0 })
    if (this.tagName === 'navigator') return this._navigate()
    if (this.tagName !== 'button') return
    const openType = this.attr('open-type')
    if (openType) {
      if (!OPEN_TYPES.includes(openType)) throw new Error(`${v.route}: open-type="${openType}" is not simulated`)
      if (openType === 'chooseAvatar') {
        if (opts.cancel) return
        return v._dispatch(this.comp, 'chooseavatar', {
          avatarUrl: v.app._writeTemp(opts.avatar || v.layer.sim.options.avatar || makePng(132, 132), '.png'),
        })
      }
      const api = openType // getPhoneNumber | getRealtimePhoneNumber
      const detail = opts.deny ? { errMsg: `${api}:fail user deny` } : { errMsg: `${api}:ok`, code: await v.app._mintPhoneCode() }
      return v._dispatch(this.comp, api.toLowerCase(), detail)
    }
    const formType = this.attr('form-type')
    if (formType === 'submit' || formType === 'reset') {
      let form = this.node.parentNode
      while (form && !(form.$$ && String(form.$$.tagName).toLowerCase() === 'form')) form = form.parentNode
      if (!form) return
      const formHandle = new ElementHandle(v, new (nodeClass())(form))
      if (formType === 'reset') return v._dispatch(formHandle.comp, 'reset', {})
      return v._dispatch(formHandle.comp, 'submit', {
        value: formHandle._formValues(),
        target: { id: form.id || '', dataset: json(form.dataset) || {} },
      })
    }
  }

  // WeChat's boolean attributes: present and not the boolean false (the string "false" counts as true).
  get disabled() {
    const d = this.attr('disabled')
    return d !== undefined && d !== false && d !== null
  }

  // <navigator url open-type delta>: the navigation the component itself performs.
  _navigate() {
    const v = this.view
    const kind = this.attr('open-type') || 'navigate'
    const api = {
      navigate: 'navigateTo',
      redirect: 'redirectTo',
      switchTab: 'switchTab',
      reLaunch: 'reLaunch',
      navigateBack: 'navigateBack',
    }[kind]
    if (!api) throw new Error(`${v.route}: <navigator open-type="${kind}"> is not simulated`)
    return new Promise((resolve, reject) => {
      v.app._navigate(api, { url: this.attr('url'), delta: this.attr('delta') }, (ok, res) => {
        if (ok) resolve()
        else reject(new Error(`${v.route}: <navigator url="${this.attr('url')}">: ${res.errMsg}`))
      })
    })
  }

  _formValues() {
    const out = {}
    const walk = (n) => {
      for (const c of n.childNodes || []) {
        if (!c || !c._vt) {
          if (c && c.childNodes) walk(c)
          continue
        }
        const h = new ElementHandle(this.view, new (nodeClass())(c))
        const name = h.attr('name')
        if (name !== undefined && ['input', 'textarea'].includes(h.tagName)) {
          out[name] = this.view._values.has(c)
            ? this.view._values.get(c)
            : h.attr('value') === undefined
              ? ''
              : String(h.attr('value'))
        }
        walk(c)
      }
    }
    walk(this.node)
    return out
  }

  // The user types `value` into an <input>/<textarea>: bindinput gets {value, cursor, keyCode}.
  async input(value) {
    const v = this.view
    if (!['input', 'textarea'].includes(this.tagName))
      throw new Error(`${v.route}: input() needs an <input> or <textarea>, got <${this.tagName}>`)
    value = String(value)
    v._values.set(this.node, value)
    await v._dispatch(this.comp, 'input', {
      value,
      cursor: value.length,
      keyCode: value ? value.charCodeAt(value.length - 1) : 8,
    })
  }

  // Any other event of a component (blur, confirm, change, …) with the given detail.
  trigger(type, detail = {}) {
    return this.view._dispatch(this.comp, type, detail)
  }
}

module.exports = { ViewLayer, PageView, ElementHandle, installDom }
