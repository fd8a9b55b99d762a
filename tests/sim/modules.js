'use strict'
// WeChat-style CommonJS: relative paths, miniprogram_npm packages; no absolute paths, no Node built-ins.
const fs = require('node:fs')
const path = require('node:path')
const vm = require('node:vm')

// The code package as the phone holds it when the app's code starts. WeChat loads the package's JS
// (app-service.js: every file's code, wrapped) before App() runs, so a require opens no file; Node would
// pay a file open, a read and stat calls per module inside the require (≈45 µs a file: a 60-module SDK
// ≈2.7 ms, bench/cold.js). So the simulator reads every .js and .json under the root at launch (not
// node_modules, which is no part of a code package), and require resolves and reads in that snapshot:
// like the phone's package, it does not change while the app runs. Their compile (DevTools' build step)
// stays at the first require.
function codePackage(root) {
  const files = new Map() // absolute path -> text
  const dirs = new Set([root])
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue
      const p = path.join(dir, e.name)
      if (e.isDirectory()) {
        dirs.add(p)
        walk(p)
      } else if (e.isFile() && /\.(js|json)$/.test(e.name)) files.set(p, fs.readFileSync(p, 'utf8'))
    }
  }
  walk(root)
  return { files, dirs }
}

// `p` is `root` or under it; both absolute and normalised (path.resolve / join made them). A prefix test,
// not path.relative: WeChat's require resolves with a few string operations, and the simulator's own cost per
// require (path.relative resolves both paths again) must not be charged to a package of many modules.
function inside(root, p) {
  return p === root || (p.startsWith(root) && p.charAt(root.length) === path.sep)
}

class ModuleSystem {
  constructor(app) {
    this.app = app
    this.root = app.sim.root
    this.cache = new Map()
    this.stack = [] // files currently executing (innermost last)
    this.compiler = app.sim.compiler // DevTools' JS compile (compile.js); a no-op unless enabled
    this.virtual = (f) => this.compiler.virtualFile(f)
    this.pkg = codePackage(this.root)
    // WeChat's code cache (Android, V8 "Code Caching": 降低非首次注入时的编译耗时): the compile results of
    // an earlier launch, file -> V8 cached data, given as createSimulator({ codeCache }); `scripts` keeps
    // this launch's compiled files for codeCache() to write a new one from.
    this.codeCacheIn = app.sim.codeCache
    this.scripts = new Map() // file -> vm.Script
    this.codeCacheUse = { accepted: 0, rejected: 0 }
  }

  // file -> cached data of every module this launch compiled, with the functions compiled so far (V8's
  // cache after execution): what a later launch of the same package can start from.
  codeCache() {
    const out = new Map()
    this.scripts.forEach((script, file) => {
      out.set(file, script.createCachedData())
    })
    return out
  }

  isFile(p) {
    return this.pkg.files.has(p)
  }

  isDir(p) {
    return this.pkg.dirs.has(p)
  }

  // virtual(p): source of a file the compiler generated (babel helpers), or null.
  tryFile(p) {
    const exists = (f) => this.isFile(f) || this.virtual(f) !== null
    if (exists(p) && /\.(js|json)$/.test(p)) return p
    if (exists(p + '.js')) return p + '.js'
    if (this.isDir(p) && this.isFile(path.join(p, 'index.js'))) return path.join(p, 'index.js')
    return null
  }

  _err(request, fromFile) {
    const rel = path.relative(this.root, fromFile).split(path.sep).join('/')
    return new this.app._R.Error(`module '${request}' is not defined, require args is '${request}' (from ${rel})`)
  }

  resolve(fromFile, request) {
    const root = this.root
    if (typeof request !== 'string' || request === '') throw this._err(String(request), fromFile)
    if (/^[/\\]/.test(request) || /^[a-zA-Z]:[/\\]/.test(request) || /^[a-z][a-z0-9+.-]*:/i.test(request)) {
      throw this._err(request, fromFile) // absolute paths / schemes (node:, wxfile:) are not supported
    }
    if (request === '.' || request === '..' || request.startsWith('./') || request.startsWith('../')) {
      const base = path.resolve(path.dirname(fromFile), request)
      if (!inside(root, base)) throw this._err(request, fromFile)
      const f = this.tryFile(base)
      if (!f || !inside(root, f)) throw this._err(request, fromFile)
      return f
    }
    // A path without ./ is still "相对于当前文件的相对路径" (require's `path`, https://developers.weixin.qq.com/
    // miniprogram/dev/reference/api/require.html): WeChat joins it to the requiring file's directory first
    // (the `app.require('lib/x')` idiom of app.js relies on it). DevTools' compile depends on this: for a file at
    // the package root, miniprogram-ci's utils/babel_helper.js replaceBabelHelpers emits a bare
    // require("@babel/runtime/helpers/<name>"), which is <root>/@babel/runtime/helpers/<name>.js.
    if (!request.split('/').includes('..')) {
      const own = this.tryFile(path.resolve(path.dirname(fromFile), request))
      if (own && inside(root, own)) return own
    }
    // bare name: miniprogram_npm/<name>[/sub], searched from the requiring file's directory up to root
    const segs = request.split('/')
    const nameLen = request.startsWith('@') ? 2 : 1
    const name = segs.slice(0, nameLen).join('/')
    const sub = segs.slice(nameLen).join('/')
    if (segs.includes('..') || segs.includes('.')) throw this._err(request, fromFile)
    let dir = path.dirname(fromFile)
    if (!inside(root, dir)) dir = root
    for (;;) {
      const pkg = path.join(dir, 'miniprogram_npm', name)
      if (this.isDir(pkg)) {
        const f = sub
          ? this.tryFile(path.join(pkg, sub))
          : this.isFile(path.join(pkg, 'index.js'))
            ? path.join(pkg, 'index.js')
            : null
        if (f && inside(root, f)) return f
      }
      if (dir === root) break
      dir = path.dirname(dir)
    }
    throw this._err(request, fromFile)
  }

  requireFrom(fromFile, request) {
    return this.load(this.resolve(fromFile, request))
  }

  // Root-relative request as page code would write it ('lib/x', './lib/x' or a package name).
  requireRoot(request) {
    const pseudo = path.join(this.root, '__sim_entry__.js')
    if (typeof request === 'string' && !request.startsWith('.') && !request.startsWith('/')) {
      const f = this.tryFile(path.join(this.root, request))
      if (f && inside(this.root, f)) return this.load(f)
    }
    return this.requireFrom(pseudo, request)
  }

  currentFile() {
    return this.stack[this.stack.length - 1] || null
  }

  load(file) {
    const cached = this.cache.get(file)
    if (cached) return cached.exports
    const app = this.app
    const R = app._R
    const mod = new R.Object()
    mod.exports = new R.Object()
    this.cache.set(file, mod)
    try {
      const generated = this.virtual(file)
      const held = this.pkg.files.get(file)
      let src = generated !== null ? generated : held !== undefined ? held : fs.readFileSync(file, 'utf8')
      if (file.endsWith('.json')) {
        mod.exports = R.JSON.parse(src)
        return mod.exports
      }
      if (generated === null) src = this.compiler.compile(file, src)
      const wrapper = '(function (module, exports, require) {' + src.replace(/^#!.*/, '') + '\n})'
      const cachedData = this.codeCacheIn ? this.codeCacheIn.get(file) : undefined
      const script = new vm.Script(wrapper, { filename: file, cachedData })
      if (cachedData) this.codeCacheUse[script.cachedDataRejected ? 'rejected' : 'accepted']++
      this.scripts.set(file, script)
      const fn = script.runInContext(app.context)
      const req = app._fn('require', (request) => this.requireFrom(file, request))
      this.stack.push(file)
      try {
        fn.call(mod.exports, mod, mod.exports, req)
      } finally {
        this.stack.pop()
      }
      return mod.exports
    } catch (e) {
      this.cache.delete(file)
      throw e
    }
  }
}

module.exports = { ModuleSystem, inside }
