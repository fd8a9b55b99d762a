#!/usr/bin/env node
// Writes the mini-program entry as ONE file, <out dir>/index.js, and its source map index.js.map:
// the modules index.js reaches (the shim without platform/browser/, and the patched glue) in a
// module table: each module a function, its `require('./x.js')` turned into `require(<index>)`, run
// the first time it is required (client.js still loads postgrest/storage/functions/realtime on first
// use), then minified by terser. One require instead of ~27 at start-up, one file to pack.
//
// - Syntax: terser's output is ES2015 (`ecma: 2015`: no arrow or shorthand it adds, no `**`,
//   no trailing commas in calls), what WeChat's logic layer runs with "将JS编译成ES5" off;
//   tests/node/package.test.js parses it as ES2015 and loads it with DevTools' compile on and off.
// - Names: class names are kept (`keep_classnames`: error classes, SupabaseClient, … as `name` and
//   `constructor.name`), and the names of the functions the entry exports (createClient, …: read from
//   the modules themselves); other functions' names go (3.5 KB raw, 0.5 KB br; the source map
//   names them in stack traces); the shim's private members (`this._driver`, `_op`, …: nothing a page
//   reads, none crossing to the core) get short names too (`_a`, …: 1.4 KB). The inner `require` is
//   renamed by the minifier, so no bundler or code analysis (packNpm, Taro's webpack, uni-app's
//   Vite, DevTools) sees a require to follow.
// - Source map: index.js.map beside index.js with the sources inside (sourcesContent). WeChat's docs
//   (框架 → 基础能力 → Source Map): an external build's map goes beside its file; DevTools reads it
//   (as the input map of its own compile, miniprogram-ci compilejs.js tryGetInputSourceMap) and uploads
//   it, and .map files are not counted in the code package nor part of the trial/release package
//   (`.map` is not an uploaded file type). packNpm copies it into miniprogram_npm/supabase-wechat/.
// Usage: bundle-miniprogram.js <shim dir: js-shim's tree and the patched glue> <out dir>
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const { minify } = require('terser')
const { REQUIRE, addTree, resolve, reach } = require('./bundle-lib.js')

const ENTRY = 'index.js'
const NAME = 'bundle-miniprogram'

// Source map VLQ (https://sourcemaps.info/spec.html): a signed number as base64 digits of 5 bits.
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
function vlq(n) {
  let v = n < 0 ? (-n << 1) | 1 : n << 1
  let s = ''
  do {
    let digit = v & 31
    v >>>= 5
    if (v) digit |= 32
    s += B64[digit]
  } while (v)
  return s
}

// The n-th short private name (terser's property mangler asks for them in turn): `_a` … `_$`, `_aa`, …
const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$'
const PRIVATE_NAMES = {
  get(n) {
    let name = '_'
    for (let i = n; ; i = Math.floor(i / NAME_CHARS.length) - 1) {
      name += NAME_CHARS[i % NAME_CHARS.length]
      if (i < NAME_CHARS.length) return name
    }
  },
}

// One module's lines with each require rewritten to its index, and the map of every token back to the
// source: columns move only after a rewritten require on the same line.
const TOKEN = /[\w$]+|\S/g
function rewrite(id, source, index) {
  const lines = []
  const expected = [...source.matchAll(REQUIRE)].length
  let found = 0
  for (const line of source.split('\n')) {
    const segs = [] // [generated column, original column]
    const tokens = (from, to, delta) => {
      for (const m of line.slice(from, to).matchAll(TOKEN)) segs.push([from + m.index + delta, from + m.index])
    }
    let text = ''
    let last = 0
    let delta = 0
    for (const m of line.matchAll(REQUIRE)) {
      const target = resolve(id, m[2])
      if (!index.has(target)) throw new Error(`${NAME}: ${id} requires ${m[2]}, not in the bundle`)
      tokens(last, m.index, delta)
      segs.push([m.index + delta, m.index])
      const call = `require(${index.get(target)})`
      text += line.slice(last, m.index) + call
      delta += call.length - m[0].length
      last = m.index + m[0].length
      found++
    }
    tokens(last, line.length, delta)
    lines.push({ text: text + line.slice(last), segs })
  }
  if (found !== expected) throw new Error(`${NAME}: ${id} has a require that spans lines`)
  return lines
}

async function main() {
  const [shimDir, outDir] = process.argv.slice(2)
  const sources = addTree(new Map(), shimDir)
  const order = reach(sources, ENTRY, NAME, (id, from) => {
    if (id.startsWith('platform/browser/')) throw new Error(`${NAME}: ${from} reaches the browser's adapters (${id})`)
    // The bundle is strict as a whole; a sloppy module would change meaning inside it.
    if (!/^(?:\s*\/\/.*\n)*\s*(['"])use strict\1/.test(sources.get(id))) throw new Error(`${NAME}: ${id} is not strict`)
  })
  const index = new Map(order.map((id, i) => [id, i]))
  // The functions the entry exports, as named in the sources (its modules touch nothing global when loaded).
  const api = require(path.resolve(shimDir, ENTRY))
  const exported = Object.keys(api)
    .map((k) => api[k])
    .filter((v) => typeof v === 'function' && v.name && !/^class\b/.test(Function.prototype.toString.call(v)))
    .map((v) => v.name)
  if (!exported.includes('createClient')) throw new Error(`${NAME}: ${ENTRY} exports no createClient`)

  const out = []
  const mappings = []
  const state = { source: 0, line: 0, column: 0 } // the previous segment's original position
  const emit = (text) => {
    out.push(text)
    mappings.push('')
  }
  emit("'use strict';")
  emit('module.exports = (function () {')
  emit('var defs = [')
  order.forEach((id, i) => {
    emit('function (module, exports, require) {')
    rewrite(id, sources.get(id), index).forEach(({ text, segs }, line) => {
      let column = 0
      const encoded = segs.map(([gen, orig]) => {
        const s = vlq(gen - column) + vlq(i - state.source) + vlq(line - state.line) + vlq(orig - state.column)
        column = gen
        Object.assign(state, { source: i, line, column: orig })
        return s
      })
      out.push(text)
      mappings.push(encoded.join(','))
    })
    emit(i + 1 < order.length ? '},' : '}')
  })
  emit('];')
  emit('var cache = [];')
  emit('function load(i) {')
  emit('  var m = cache[i];')
  emit('  if (!m) {')
  emit('    m = cache[i] = { exports: {} };')
  emit('    defs[i].call(m.exports, m, m.exports, load);')
  emit('  }')
  emit('  return m.exports;')
  emit('}')
  emit('return load(0);')
  emit('})();')

  const map = {
    version: 3,
    file: 'index.js',
    // Where each module is in the repository; the glue is generated (scripts/patch-glue.js).
    sources: order.map((id) => (id === 'supabase_wechat.js' ? 'generated/' + id : 'js-shim/' + id)),
    sourcesContent: order.map((id) => sources.get(id)),
    names: [],
    mappings: mappings.join(';'),
  }
  const cargo = fs.readFileSync(path.join(__dirname, '..', 'Cargo.toml'), 'utf8')
  const version = cargo.match(/^version = "(.*)"/m)[1]
  const result = await minify(
    { 'index.js': out.join('\n') },
    {
      ecma: 2015,
      // Not unsafe_arrows (-0.6 KB, but the bundle's evaluation at require takes +0.5 ms in a fresh
      // process, measured: modules of the table become arrows) nor unsafe_methods (-0.4 KB, +0.05 ms).
      compress: { ecma: 2015, passes: 2 },
      // Private members (`_name`: the shim's own, each read only in the file that defines it,
      // tests/node/shim-structure.test.js) get short names, still `_`-prefixed (private, as
      // tests/node/types.test.js and a page's console see them); `__`-prefixed names are the glue's
      // (`__wbg_ptr`, …) and auth-js' / storage-js' guards (`__isAuthError`), and are kept.
      mangle: { safari10: true, properties: { regex: /^_[^_]/, nth_identifier: PRIVATE_NAMES } },
      format: {
        ecma: 2015,
        comments: false,
        safari10: true,
        // No parentheses around function arguments: V8 compiles a parenthesised function eagerly, and
        // most callbacks in the bundle never run at start-up (require ~1 ms faster in a fresh process).
        wrap_func_args: false,
        // But parentheses around every function called where it is written (the bundle's module table,
        // run once at require): without them V8 pre-parses the whole 56 KB body as a lazy function and
        // then parses it again when the call runs it; with them, once (require ~0.7 ms faster in a
        // fresh process, measured). +2 B per such function.
        wrap_iife: true,
        preamble: `/* supabase-wechat ${version} (MIT): js-shim/ and the wasm-bindgen glue, bundled and minified by scripts/bundle-miniprogram.js; sources in index.js.map */`,
      },
      keep_classnames: true,
      keep_fnames: new RegExp(`^(?:${exported.join('|')})$`),
      sourceMap: { content: map, filename: 'index.js', url: 'index.js.map', includeSources: true },
    },
  )
  fs.writeFileSync(path.join(outDir, 'index.js'), result.code)
  fs.writeFileSync(path.join(outDir, 'index.js.map'), result.map)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
