'use strict'
// The seam's export list (issue 17: the wasm-bindgen glue's size). Every exported Core method costs
// a JS wrapper in the glue (string passing, try/finally, frees), so only the hot paths have their
// own export; every other call goes through `Core.call(name, now, id, a, x, b)` and the `CALLS`
// table in src/wasm/mod.rs. A name missing there does nothing (no panic, no throw), so this checks
// the names the shim calls against the table, both ways, from the sources (no build needed).
// Run: node --test tests/node/core-calls.test.js
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..', '..')
const read = (f) => fs.readFileSync(path.join(ROOT, f), 'utf8')
const WASM = read('src/wasm/mod.rs')
const SHIM = fs
  .readdirSync(path.join(ROOT, 'js-shim'))
  .filter((f) => f.endsWith('.js'))
  .map((f) => read('js-shim/' + f))
  .join('\n')

// `("storageKey", |w, _| …)` rows of `const CALLS`.
const table = () => {
  const body = WASM.slice(WASM.indexOf('const CALLS'), WASM.indexOf('];', WASM.indexOf('const CALLS')))
  return [...body.matchAll(/^\s*\("(\w+)", \|/gm)].map((m) => m[1])
}

test('every name the shim passes to core.call is in the CALLS table, and every entry is used', () => {
  const names = table()
  assert.ok(names.length >= 20, `the table lists its names (${names.length})`)
  assert.equal(new Set(names).size, names.length, 'no name twice')
  const called = new Set([...SHIM.matchAll(/\bcore\.call\('(\w+)'/g)].map((m) => m[1]))
  for (const name of called) assert.ok(names.includes(name), `core.call('${name}') is not in src/wasm/mod.rs CALLS`)
  for (const name of names) assert.ok(called.has(name), `CALLS entry '${name}' is never called by js-shim/`)
})

test('Core exports the hot paths and call() only: each export is a wrapper in the glue', () => {
  const impl = WASM.slice(WASM.indexOf('impl WasmCore {'))
  const exported = [...impl.slice(0, impl.indexOf('\n}\n')).matchAll(/^ {4}pub fn (\w+)/gm)].map((m) => m[1])
  assert.deepEqual(exported.sort(), [
    'call',
    'data',
    'get_session',
    'handle_data_response',
    'handle_response',
    'invoke',
    'new',
    'poll',
    'poll_timeout',
    'socket_message',
    'wants_json',
  ])
  // And the shim calls nothing else on the core by its own name (a method that is not exported
  // would throw `core.x is not a function` at run time, only where that path runs).
  const own = new Set(['call', 'data', 'getSession', 'handleDataResponse', 'handleResponse', 'invoke', 'poll'])
  for (const n of ['pollTimeout', 'socketMessage', 'wantsJson', 'free']) own.add(n)
  const direct = new Set([...SHIM.matchAll(/\bcore\.(\w+)\(/g)].map((m) => m[1]))
  for (const name of direct) assert.ok(own.has(name), `js-shim/ calls core.${name}(), which Core does not export`)
})
