'use strict'
// DevTools' JS compile step, as the sim loads each file. DevTools compiles every .js of the code package
// before it runs (详情 → 本地设置 "将 JS 编译成 ES5" = setting.es6, "增强编译" = setting.enhance), which is
// what lets pages use `import`/`export`. We call the compiler DevTools itself uses, extracted in
// miniprogram-ci (dist/modules/corecompiler/original/js/{enhance,es6Transform}.js): enhance = @babel/core
// 7.21.4 + preset-env (chrome 53 / iOS 8) + transform-runtime + modules-commonjs; es6 = babel 6 es2015 +
// stage-0. Babel helpers become require('<relative>/@babel/runtime/helpers/<name>'), files that DevTools
// writes into the package from miniprogram-ci's vendor/babel_runtime; the sim serves them read-only.
// Not reproduced: `minified` (terser/uglify; it changes no behaviour we test) and source maps.
const fs = require('node:fs')
const path = require('node:path')
const crypto = require('node:crypto')

const CI_DIST = path.join(path.dirname(require.resolve('miniprogram-ci/package.json')), 'dist')
const MAX_CODE_LENGTH = 2048e3 // config.MAX_CODE_LENGTH: larger files are left as they are
const HELPERS_DIR = path.join(CI_DIST, 'vendor', 'babel_runtime', 'helpers')
const BABEL_ROOT = '@babel/runtime'

let enhance = null
let es6Transform = null
let babelHelper = null
const memo = new Map() // sha1(mode, relPath, source) -> { code, helpers }; compiling is slow (~50 ms a file)

// project.config.json (and project.private.config.json, which DevTools lets override it) of `root`.
function readSetting(root) {
  const read = (f) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(root, f), 'utf8'))
    } catch {
      return null
    }
  }
  const pub = read('project.config.json') || {}
  const priv = read('project.private.config.json') || {}
  return Object.assign({}, pub.setting || {}, priv.setting || {})
}

// babelSetting.ignore, matched the way miniprogram-ci's babel_helper.isIgnore does.
function isIgnored(ignore, rel) {
  for (const e of ignore || []) {
    if (rel === e) return true
    if (!/^[./\\]+/.test(e) && /.+\/\*$/.test(e) && rel.includes(e.slice(0, -1))) return true
  }
  return false
}

class DevtoolsCompiler {
  // mode: 'enhance' | 'es6' | null (no compile); from project.config.json unless `override` is given
  // (true = 'enhance', false = none, or the mode name).
  constructor(root, override) {
    this.root = root
    const setting = readSetting(root)
    if (override === undefined || override === null) this.mode = setting.enhance ? 'enhance' : setting.es6 ? 'es6' : null
    else if (override === true) this.mode = 'enhance'
    else if (override === false) this.mode = null
    else if (override === 'enhance' || override === 'es6') this.mode = override
    else throw new Error(`compile: expected true, false, 'enhance' or 'es6', got ${override}`)
    this.disableUseStrict = !!setting.disableUseStrict
    this.ignore = (setting.babelSetting && setting.babelSetting.ignore) || []
    this.helpers = new Set() // helper module ids (@babel/runtime/helpers/x) emitted so far, with their deps
    this.compiled = [] // root-relative paths of the files compiled
  }

  get enabled() {
    return !!this.mode
  }

  // Source of `file` (absolute, inside root) as the compiled package holds it. Throws an Error whose message
  // is DevTools' (file: <path>\n <babel message>) on a syntax error.
  compile(file, source) {
    if (!this.mode || !file.endsWith('.js')) return source
    const rel = path.relative(this.root, file).split(path.sep).join('/')
    if (source.length >= MAX_CODE_LENGTH || (this.mode === 'enhance' && isIgnored(this.ignore, rel))) return source
    const key = crypto.createHash('sha1').update(`${this.mode}\0${this.disableUseStrict}\0${rel}\0${source}`).digest('hex')
    let r = memo.get(key)
    if (!r) {
      if (this.mode === 'enhance') {
        enhance = enhance || require(path.join(CI_DIST, 'modules/corecompiler/original/js/enhance.js'))
        r = enhance({ code: source, babelRoot: BABEL_ROOT, filePath: rel, disableUseStrict: this.disableUseStrict })
      } else {
        es6Transform = es6Transform || require(path.join(CI_DIST, 'modules/corecompiler/original/js/es6Transform.js'))
        r = es6Transform({ code: source, filePath: rel })
      }
      if (r.error) throw new Error(r.error.message)
      r = { code: r.code, helpers: r.helpers || [] }
      memo.set(key, r)
    }
    this.compiled.push(rel)
    if (r.helpers.length) {
      babelHelper = babelHelper || require(path.join(CI_DIST, 'utils/babel_helper.js'))
      for (const h of Object.keys(babelHelper.getHelperDeps(r.helpers.slice(), BABEL_ROOT))) this.helpers.add(h)
    }
    return r.code
  }

  // The generated helper at absolute path `file` (<root>/@babel/runtime/helpers/<name>.js), or null.
  virtualFile(file) {
    const rel = path.relative(this.root, file).split(path.sep).join('/')
    const m = /^(@babel\/runtime\/helpers\/[A-Za-z0-9_]+)\.js$/.exec(rel)
    if (!m || !this.helpers.has(m[1])) return null
    const src = path.join(HELPERS_DIR, m[1].slice('@babel/runtime/helpers/'.length) + '.js')
    return fs.existsSync(src) ? fs.readFileSync(src, 'utf8') : null
  }
}

module.exports = { DevtoolsCompiler, readSetting }
