'use strict'
// What the shim evaluates at start-up (require → createClient → the first getSession()): not errors.js'
// ~30 classes, which load with the first error made or the first error export read, and then are the
// same classes everywhere (`instanceof`, `require('supabase-wechat').AuthError`). The shim's sources
// in Node with a fake core (no wasm), each test file being its own process with its own module cache.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const SHIM = path.join(__dirname, '..', '..', 'js-shim')
const ERRORS_JS = path.join(SHIM, 'errors.js')
const loaded = () => Object.hasOwn(require.cache, ERRORS_JS)

// A core with a stored session of none: getSession's `session` output, everything else nothing.
class Core {
  constructor() {
    this.queue = []
    this.next = 0
  }
  call(name) {
    return {
      persists: true,
      storageKey: 'sb-test-auth-token',
      verifierKey: 'sb-test-auth-token-code-verifier',
      sessionJson: 'null',
    }[name]
  }
  getSession() {
    const op = ++this.next
    this.queue.push({ type: 'session', op, generation: 0 })
    return op
  }
  poll() {
    const out = this.queue.shift()
    return out === undefined ? undefined : JSON.stringify(out)
  }
  pollTimeout() {
    return Number.NaN
  }
}
const platform = {
  store: () => ({ get: () => null, set: () => undefined, remove: () => undefined }),
  loadCore: () => Promise.resolve({ Core }),
  watchApp: () => undefined,
}

test('require, createClient and the first getSession() leave errors.js unloaded; its exports load it, same classes', async () => {
  const api = require(path.join(SHIM, 'api.js')).forPlatform(platform)
  const sb = api.createClient('https://x.example', 'anon')
  const r = await sb.auth.getSession()
  assert.deepEqual(r, { data: { session: null }, error: null })
  assert.equal(loaded(), false, 'errors.js was evaluated at start-up')

  const keys = Object.keys(api)
  const { AuthApiError, AuthError, isAuthApiError } = api
  assert.equal(loaded(), true)
  const errors = require(ERRORS_JS)
  // Every error export, in errors.js' order, after the client's names and before realtime's.
  assert.deepEqual(keys.slice(4, 4 + Object.keys(errors.PUBLIC).length), Object.keys(errors.PUBLIC))
  for (const [name, value] of Object.entries(errors.PUBLIC)) assert.equal(api[name], value, name)
  const e = errors.toError({ name: 'AuthApiError', message: 'm', status: 400, code: 'c' })
  assert.ok(e instanceof AuthApiError && e instanceof AuthError && isAuthApiError(e))
  assert.equal(new api.AuthApiError('x', 400, 'c').name, 'AuthApiError')
})

test("api.js' list of the error exports is errors.js' PUBLIC", () => {
  const src = fs.readFileSync(path.join(SHIM, 'api.js'), 'utf8')
  const list = /^const ERRORS = \[\n((?: {2}'\w+',\n)+)\]$/m.exec(src)
  assert.ok(list, 'api.js has `const ERRORS = [` with one quoted name a line')
  const names = [...list[1].matchAll(/'(\w+)'/g)].map((m) => m[1])
  assert.deepEqual(names, Object.keys(require(ERRORS_JS).PUBLIC))
})
