'use strict'
// DevTools' JS compile step, as the sim loads each file. DevTools compiles every .js of the code package
// before it runs (详情 → 本地设置 "将 JS 编译成 ES5" = setting.es6, "增强编译" = setting.enhance), which is
// what lets pages use `import`/`export`. We run the compiler DevTools itself uses, as miniprogram-ci ships it:
// the summer compiler's babel 7 pipeline (see summerBabelCompile) for es6 and enhance alike. Babel helpers
// become require('<relative>/@babel/runtime/helpers/<name>'), files that DevTools writes into the package from
// miniprogram-ci's vendor/babel_runtime; the sim serves them read-only.
// Not reproduced: `minified` (terser/uglify; it changes no behaviour we test) and source maps.
const fs = require('node:fs')
const path = require('node:path')
const crypto = require('node:crypto')

const CI_DIST = path.join(path.dirname(require.resolve('miniprogram-ci/package.json')), 'dist')
const MAX_CODE_LENGTH = 2048e3 // config.MAX_CODE_LENGTH: larger files are left as they are
const HELPERS_DIR = path.join(CI_DIST, 'vendor', 'babel_runtime', 'helpers')
const BABEL_ROOT = '@babel/runtime'

let babelHelper = null
// Modules resolved as miniprogram-ci resolves them (its own @babel/core 7 and plugins).
const ciRequire = require('node:module').createRequire(path.join(CI_DIST, 'modules/corecompiler/summer/index.js'))

// The compile DevTools / miniprogram-ci (2.1.42) run for a mini-program today: ci/getcompiler.js getCompiler ->
// modules/index.js Builder.getSummerCompiler -> the "summer" compiler, whose `script` plugin
// (dist/modules/corecompiler/summer/plugins/filetask/script.js) sets `enhance = setting.enhance || setting.es6`
// and calls bableCompile (summer/plugins/script_task/babel_script_task.js) — so "将 JS 编译成 ES5" (es6) and
// "增强编译" (enhance) run the SAME babel 7 pipeline. The babel 6 es2015 compile in original/js/es6Transform.js
// is only reached by the legacy original compiler (original/compile/miniprogram.js without useCompilerPlugins).
// bableCompile is async (transformAsync); the options below are its own, run with transformSync:
// presets getCommonPresets() (preset-env chrome 53 / iOS 8, modules:false, + computed-properties), plugins
// getEnhancePluginsList({}) (babel_transform_plugin + plugin-transform-runtime {corejs:false, helpers:true,
// regenerator:true, version 7.21.0} + getCustomPlugins([])), the worklet plugin only when setting.compileWorklet
// and the source names "worklet", then getES6ModulePluginsList (modules-commonjs).
function summerBabelCompile(filePath, sourceCode, o) {
  babelHelper = babelHelper || require(path.join(CI_DIST, 'utils/babel_helper.js'))
  const worklet = o.compileWorklet && (sourceCode.includes('"worklet"') || sourceCode.includes("'worklet'"))
  const noStrict = o.disableUseStrict || /^\s*\/\/\s?use strict disable;/i.test(sourceCode)
  const plugins = []
  if (worklet) plugins.push([require(path.join(CI_DIST, 'utils/babel_plugin_worklet'))])
  plugins.push(
    [require(path.join(CI_DIST, 'utils/babel_transform_plugin'))],
    [ciRequire('@babel/plugin-transform-runtime'), { corejs: false, helpers: true, regenerator: true, version: '7.21.0' }],
    ...babelHelper.getCustomPlugins([]),
  )
  plugins.push([
    ciRequire('@babel/plugin-transform-modules-commonjs'),
    { allowTopLevelThis: noStrict, importInterop: (s) => (s.startsWith('@babel/runtime/helpers/') ? 'node' : 'babel') },
  ])
  const presets = [
    [
      ciRequire('@babel/preset-env'),
      { targets: { chrome: 53, ios: 8 }, modules: false, include: ['@babel/plugin-transform-computed-properties'] },
    ],
  ]
  let r
  try {
    r = ciRequire('@babel/core').transformSync(sourceCode, {
      babelrc: false,
      sourceFileName: filePath,
      filename: filePath,
      configFile: false,
      presets,
      plugins,
      inputSourceMap: false,
      sourceMaps: false,
      code: true,
      ast: false,
      cloneInputAst: false,
    })
  } catch (e) {
    return { error: { message: `file: ${filePath}\n ${e.message}` } }
  }
  let code = r.code
  if (noStrict) code = code.replace(/^"use strict";/, '')
  const b = babelHelper.replaceBabelHelpers(code, babelHelper.collectBabelHelpers(sourceCode), filePath, o.babelRoot)
  return { code: b.transformCode, helpers: b.helpers }
}
const memo = new Map() // sha1(compileWorklet, disableUseStrict, relPath, source) -> { code, helpers }; compiling is slow (~50 ms a file)

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
    this.helpersDir = path.join(root, '@babel', 'runtime', 'helpers') + path.sep
    const setting = readSetting(root)
    if (override === undefined || override === null) this.mode = setting.enhance ? 'enhance' : setting.es6 ? 'es6' : null
    else if (override === true) this.mode = 'enhance'
    else if (override === false) this.mode = null
    else if (override === 'enhance' || override === 'es6') this.mode = override
    else throw new Error(`compile: expected true, false, 'enhance' or 'es6', got ${override}`)
    this.disableUseStrict = !!setting.disableUseStrict
    this.compileWorklet = !!setting.compileWorklet
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
    // summer/plugins/filetask/script.js compile(): large files (load_script_task.js: length >= MAX_CODE_LENGTH)
    // and babelSetting.ignore (graph/basegraph.js isBabelSettingIgnore, for es6 and enhance alike) stay as they are.
    if (source.length >= MAX_CODE_LENGTH || isIgnored(this.ignore, rel)) return source
    const key = crypto
      .createHash('sha1')
      .update(`${this.compileWorklet}\0${this.disableUseStrict}\0${rel}\0${source}`)
      .digest('hex')
    let r = memo.get(key)
    if (!r) {
      r = summerBabelCompile(rel, source, {
        babelRoot: BABEL_ROOT,
        disableUseStrict: this.disableUseStrict,
        compileWorklet: this.compileWorklet,
      })
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
    // Most paths asked about are not helpers: told apart without path.relative (see modules.js inside).
    if (!file.startsWith(this.helpersDir)) return null
    const rel = path.relative(this.root, file).split(path.sep).join('/')
    const m = /^(@babel\/runtime\/helpers\/[A-Za-z0-9_]+)\.js$/.exec(rel)
    if (!m || !this.helpers.has(m[1])) return null
    const src = path.join(HELPERS_DIR, m[1].slice('@babel/runtime/helpers/'.length) + '.js')
    return fs.existsSync(src) ? fs.readFileSync(src, 'utf8') : null
  }
}

module.exports = { DevtoolsCompiler, readSetting }
