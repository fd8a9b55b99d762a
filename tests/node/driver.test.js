'use strict'
// js-shim/driver.js through its public interface, with a scripted fake core and platform (no wasm,
// no network): ops and their handlers, outputs by type, a dead wasm instance, a failed load, the
// data path's payloads, and the auth facade on top. The real core and platforms are covered end to
// end by the *.e2e tests.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')

const SHIM = path.join(__dirname, '..', '..', 'js-shim')
const { Driver } = require(path.join(SHIM, 'driver.js'))
const { AuthClient } = require(path.join(SHIM, 'auth.js'))
const { AuthUnknownError, AuthApiError } = require(path.join(SHIM, 'errors.js'))

// A core whose outputs are scripted: `invoke`/`data` return a new op id and queue what `reply`
// says for it; `trap()` kills it like a wasm trap (every call, `persists` included, throws).
function fakeCore(script = {}) {
  const queue = []
  let next = 0
  let dead = false
  const alive = () => {
    if (dead) throw new Error('unreachable executed')
  }
  class Core {
    constructor(url, key, options) {
      this.args = { url, key, options: JSON.parse(options) }
      this.calls = []
      this.queue = queue
    }
    pollTimeout() {
      return Number.NaN
    }
    poll() {
      alive()
      const out = queue.shift()
      return out === undefined ? undefined : JSON.stringify(out)
    }
    invoke(name, args, stored) {
      alive()
      const op = ++next
      this.calls.push({ name, args: JSON.parse(args), stored })
      for (const out of (script[name] || (() => []))(op, JSON.parse(args))) queue.push(out)
      return op
    }
    // getSession: like invoke, and the session's text is fetched through sessionJson().
    getSession(stored) {
      alive()
      const op = ++next
      this.calls.push({ name: 'getSession', stored })
      for (const out of (script.getSession || (() => []))(op)) queue.push(out)
      return op
    }
    data(_api, _method, _args) {
      alive()
      const op = ++next
      queue.push({ type: 'fetch', id: 100 + op, op, read: 'json' })
      return op
    }
    handleDataResponse(id, status, _headers, facts) {
      queue.push({
        type: 'done',
        op: id - 100,
        data: { result: { status, facts: JSON.parse(facts) }, take: 'body', error: null },
      })
    }
    // The cold entries, by name as the glue's Core.call(name, now, id, a, x, b) takes them.
    call(name, _now, id) {
      const f = cold[name]
      return f ? f.call(this, id) : undefined
    }
  }
  const cold = {
    persists() {
      alive()
      return true
    },
    storageKey: () => 'sb-test-auth-token',
    verifierKey: () => 'sb-test-auth-token-code-verifier',
    restore() {},
    startAutoRefresh() {},
    initialSession(sub) {
      queue.push({ type: 'event', event: 'INITIAL_SESSION', session: null, target: sub })
    },
    sessionJson() {
      this.sessionReads = (this.sessionReads || 0) + 1
      return script.sessionJson ? script.sessionJson() : 'null'
    },
    cancel() {},
  }
  return { Core, trap: () => (dead = true), queue }
}

function fakePlatform(glue, overrides = {}) {
  const stored = new Map()
  return Object.assign(
    {
      name: 'fake',
      loadCore: () => Promise.resolve(glue),
      store: () => ({ get: (k) => stored.get(k), set: (k, v) => void stored.set(k, v), remove: (k) => void stored.delete(k) }),
      watchApp() {},
      request() {},
      transfer(_out, payload, onResponse) {
        setTimeout(() => onResponse(200, {}, { len: 2, json: true }, undefined, { body: payload && payload.body }), 0)
        return null
      },
      randomBytes: (n) => Promise.resolve(new Uint8Array(n)),
    },
    overrides,
  )
}

const newDriver = (platform) =>
  new Driver({ url: 'https://x.example', key: 'anon', options: { db: { schema: 'public' } }, platform })
const settle = (driver, call) =>
  new Promise((resolve) =>
    driver.start(undefined, call, {
      done: (out) => resolve(['done', out]),
      lost: (e) => resolve(['lost', e]),
      fail: (e) => resolve(['fail', e]),
    }),
  )

test('an op ends in exactly one handler; outputs go to the handler registered for their type', async () => {
  const fake = fakeCore({
    ping: (op) => [{ type: 'custom', n: 1 }, { type: 'unknown_type' }, { type: 'done', op, data: 'pong', error: null }],
  })
  const driver = newDriver(fakePlatform({ Core: fake.Core }))
  const seen = []
  driver.on('custom', (out) => seen.push(out.n))
  const [how, out] = await settle(driver, (core) => core.invoke('ping', '[]', undefined))
  assert.equal(how, 'done')
  assert.equal(out.data, 'pong')
  assert.deepEqual(seen, [1])
  assert.ok(driver.core, 'the core is public once loaded')
  assert.deepEqual(driver.core.args, { url: 'https://x.example', key: 'anon', options: { db: { schema: 'public' } } })
})

test('a dead wasm instance fails every pending op (lost) and every later one (fail) with one AuthUnknownError', async () => {
  const fake = fakeCore({ wait: () => [] })
  const driver = newDriver(fakePlatform({ Core: fake.Core }))
  const pending = settle(driver, (core) => core.invoke('wait', '[]'))
  await driver.ready()
  await new Promise((r) => setTimeout(r, 0))
  fake.trap()
  const errors = []
  const original = console.error
  console.error = (...a) => errors.push(a.join(' '))
  try {
    driver.step((core) => core.poll())
  } finally {
    console.error = original
  }
  const [how, err] = await pending
  assert.equal(how, 'lost')
  assert.ok(err instanceof AuthUnknownError)
  assert.equal(err.message, 'supabase-wechat: internal error in the wasm core: unreachable executed')
  assert.equal(driver.broken, err)
  assert.deepEqual(errors, ['supabase-wechat: unreachable executed'])
  assert.deepEqual(await settle(driver, (core) => core.invoke('wait', '[]')), ['fail', err])
})

test('a JS error before an op starts fails that op only; the driver stays usable', async () => {
  const fake = fakeCore({ ok: (op) => [{ type: 'done', op, data: 1, error: null }] })
  const driver = newDriver(fakePlatform({ Core: fake.Core }))
  const [how, err] = await settle(driver, () => {
    throw new TypeError('oops')
  })
  assert.equal(how, 'fail')
  assert.equal(err.message, 'supabase-wechat: oops')
  assert.equal(driver.broken, null)
  assert.equal((await settle(driver, (core) => core.invoke('ok', '[]')))[0], 'done')
})

test('a failed load fails the op with the reason and the next call loads again', async () => {
  const fake = fakeCore({ ok: (op) => [{ type: 'done', op, data: 1, error: null }] })
  let attempts = 0
  const platform = fakePlatform(null, {
    loadCore: () => (++attempts === 1 ? Promise.reject(new Error('no such file')) : Promise.resolve({ Core: fake.Core })),
  })
  const driver = newDriver(platform)
  const [how, err] = await settle(driver, (core) => core.invoke('ok', '[]'))
  assert.equal(how, 'fail')
  assert.ok(err instanceof AuthUnknownError)
  assert.equal(err.message, 'supabase-wechat: the wasm core failed to load: no such file')
  assert.equal((await settle(driver, (core) => core.invoke('ok', '[]')))[0], 'done')
  assert.equal(attempts, 2)
})

test('data(): the payload goes to the platform, never to the core, and comes back where `take` says', async () => {
  const fake = fakeCore()
  let transferred = null
  const base = fakePlatform({ Core: fake.Core })
  const driver = newDriver(
    fakePlatform(
      { Core: fake.Core },
      {
        transfer(out, payload, onResponse, onFail) {
          transferred = { out, payload }
          return base.transfer(out, payload, onResponse, onFail)
        },
      },
    ),
  )
  const rows = [{ id: 1 }]
  const r = await driver.data('rest', 'request', [{ start: ['from', 't'] }], { body: rows })
  assert.equal(transferred.payload.body, rows)
  assert.deepEqual(Object.keys(r), ['error', 'data', 'status', 'facts'])
  assert.equal(r.error, null)
  assert.equal(r.data, rows)
  assert.equal(r.status, 200)
})

test('the auth facade: supabase-js results, errors from the core, the hidden user.data alias, listeners', async () => {
  const fake = fakeCore({
    signInWithPassword: (op, args) =>
      args[0].password === 'right'
        ? [
            { type: 'event', event: 'SIGNED_IN', session: { user: { id: 'u1' } } },
            { type: 'done', op, data: { user: { id: 'u1' }, session: { user: { id: 'u1' } } }, error: null },
          ]
        : [
            {
              type: 'done',
              op,
              data: { user: null, session: null },
              error: { name: 'AuthApiError', message: 'Invalid login credentials', status: 400, code: 'invalid_credentials' },
            },
          ],
    getSession: (op) => [{ type: 'session', op, generation: sessionGeneration }],
    sessionJson: () =>
      sessionGeneration === 0 ? 'null' : JSON.stringify({ access_token: 'at-' + sessionGeneration, user: { id: 'u1' } }),
  })
  let sessionGeneration = 0
  const driver = newDriver(fakePlatform({ Core: fake.Core }))
  const auth = new AuthClient(driver)
  const events = []
  auth.onAuthStateChange((event, session) => events.push([event, session && session.user.data.id]))
  await driver.ready()
  await new Promise((r) => setTimeout(r, 0))
  const ok = await auth.signInWithPassword({ email: 'a@b.c', password: 'right' })
  assert.equal(ok.error, null)
  assert.equal(ok.data.user.data, ok.data.user, 'user.data is the user')
  assert.deepEqual(JSON.parse(JSON.stringify(ok.data.user)), { id: 'u1' }, 'and hidden')
  assert.deepEqual(events, [
    ['INITIAL_SESSION', null],
    ['SIGNED_IN', 'u1'],
  ])
  const bad = await auth.signInWithPassword({ email: 'a@b.c', password: 'wrong' })
  assert.ok(bad.error instanceof AuthApiError)
  assert.deepEqual(bad.error.toJSON(), {
    name: 'AuthApiError',
    message: 'Invalid login credentials',
    status: 400,
    code: 'invalid_credentials',
  })
  assert.deepEqual(await auth.getSession(), { data: { session: null }, error: null })
  // The session's text crosses once per generation; each call gets its own object.
  sessionGeneration = 1
  const a = await auth.getSession()
  const b = await auth.getSession()
  assert.deepEqual(a.data.session, { access_token: 'at-1', user: { id: 'u1' } })
  assert.deepEqual(b, a)
  assert.notEqual(b.data.session, a.data.session, 'a fresh object per call')
  assert.equal(a.data.session.user.data, a.data.session.user, 'the hidden user.data alias')
  assert.equal(driver.core.sessionReads, 2, 'generations 0 and 1: two reads for three calls')
  sessionGeneration = 2
  assert.equal((await auth.getSession()).data.session.access_token, 'at-2')
  assert.equal(driver.core.sessionReads, 3)
  assert.deepEqual(
    driver.core.calls.map((c) => c.name),
    ['signInWithPassword', 'signInWithPassword', 'getSession', 'getSession', 'getSession', 'getSession'],
  )
  assert.deepEqual(driver.core.calls[0].args, [{ email: 'a@b.c', password: 'right' }])
})
