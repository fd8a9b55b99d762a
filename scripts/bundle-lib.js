'use strict'
// What the two bundles share (bundle-browser.js: the browser's <script>; bundle-miniprogram.js: the
// mini-program's one index.js): the CommonJS modules of directory trees, how a relative
// `require('<path>.js')` names one of them, and which modules an entry reaches, in the order first reached.
const fs = require('node:fs')
const path = require('node:path')

// A static relative require, as the shim writes them (tests/node/shim-structure.test.js holds it to that).
const REQUIRE = /\brequire\(\s*(['"])([^'"]+)\1\s*\)/g

// Every .js file under `dir` into `sources` (module id: `prefix` + its '/'-separated path inside `dir`).
function addTree(sources, dir, prefix = '') {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) addTree(sources, path.join(dir, e.name), prefix + e.name + '/')
    else if (e.name.endsWith('.js')) sources.set(prefix + e.name, fs.readFileSync(path.join(dir, e.name), 'utf8'))
  }
  return sources
}

// The module id `spec` names when module `from` requires it (the browser bundle's `require` resolves the same way).
function resolve(from, spec) {
  const parts = from.split('/').slice(0, -1)
  for (const p of spec.split('/')) {
    if (p === '..') parts.pop()
    else if (p !== '.') parts.push(p)
  }
  return parts.join('/')
}

// The ids of the modules `entry` reaches, entry first, each once, in the order first reached.
// `check(id, from)` may refuse a module by throwing; `name` prefixes the errors.
function reach(sources, entry, name, check) {
  const order = []
  const seen = new Set()
  const visit = (id, from) => {
    if (seen.has(id)) return
    if (!sources.has(id)) throw new Error(`${name}: ${from} requires ${id}, which does not exist`)
    if (check) check(id, from)
    seen.add(id)
    order.push(id)
    for (const m of sources.get(id).matchAll(REQUIRE)) visit(resolve(id, m[2]), id)
  }
  visit(entry, 'the bundle')
  return order
}

module.exports = { REQUIRE, addTree, resolve, reach }
