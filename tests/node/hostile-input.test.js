'use strict'
// Hostile input (issue 13 item 6): every public API of the built package, in the strict simulator
// against the local backend, called with hostile arguments (undefined, null, '', 0, true, [], {},
// NaN, huge numbers, lone surrogates, a cycle, a BigInt, objects whose getters throw) at every
// position and in the fields of object arguments. Every call must resolve (or throw synchronously
// where postgrest-js does), and every error must be an Error with a non-empty `message`, a `name`,
// and the fields supabase-js gives its class (`status` on auth and storage API errors, `code` on
// PostgrestError, `context` on Functions errors). Then: bodiless 404 / 431 replies of every API,
// lone surrogates blaming the right argument, and signOut(0 | true | '' | []).
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const e2e = require('./lib/e2e')

let be
let project
const sims = []

before(async () => {
  be = await startBackend({ port: 0 })
  project = await clientProject({ url: be.url, key: be.anonKey, clients: { supabase: { options: {} } } })
})

after(() => e2e.closeAll({ sims, project, be }))

let nextUser = 0
async function signedIn() {
  const { sim, app, sb } = await e2e.signedInUser(be, project, `o_hostile_${++nextUser}`, sims)
  return { sim, app, sb, sdk: app.require('supabase-wechat') }
}

// Runs inside the mini-program (compiled in the context, so its values are the page's): calls every
// API with each hostile value and returns the problems found, as plain JSON.
async function sweepInContext(sb, sdk) {
  const boom = () => {
    throw new Error('a getter threw')
  }
  const withGetter = (key) => {
    const o = {}
    Object.defineProperty(o, key, { get: boom, enumerable: true })
    return o
  }
  const hostile = () => {
    const cycle = { a: 1 }
    cycle.self = cycle
    return [
      ['undefined', undefined],
      ['null', null],
      ["''", ''],
      ['0', 0],
      ['true', true],
      ['[]', []],
      ['{}', {}],
      ['NaN', NaN],
      ['-1', -1],
      ['1e308', 1e308],
      ['2**64', 2 ** 64],
      ['-Infinity', -Infinity],
      ['lone high', '\ud800'],
      ['lone low', 'a\udc00b'],
      ['cycle', cycle],
      ['bigint', BigInt(10)],
      ['getter', withGetter('x')],
      // Past what a URL or a header may carry: the server answers 414 / 431, often with no body.
      ['huge string', 'x'.repeat(20000)],
      ['huge array', new Array(4000).fill('abcdef')],
    ]
  }
  const buf = () => new Uint8Array([104, 105]).buffer
  const st = () => sb.storage.from('hostile-bucket')
  // [name, default arguments, call(args)]: each position of args gets each hostile value; an object
  // argument's fields do too (see `fields`).
  const calls = [
    ['auth.signInWithWechat', [{ code: 'not-a-code' }], (a) => sb.auth.signInWithWechat(...a)],
    ['auth.wechatBindPhone', [{ code: 'not-a-code' }], (a) => sb.auth.wechatBindPhone(...a)],
    ['auth.wechatBindAccount', [{ code: 'not-a-code' }], (a) => sb.auth.wechatBindAccount(...a)],
    ['auth.getUnlimitedQRCode', [{ scene: 'a=1', page: 'pages/index/index' }], (a) => sb.auth.getUnlimitedQRCode(...a)],
    ['auth.signUp', [{ email: 'hostile@example.com', password: 'short' }], (a) => sb.auth.signUp(...a)],
    [
      'auth.signInWithPassword',
      [{ email: 'nobody@example.com', password: 'wrong-password' }],
      (a) => sb.auth.signInWithPassword(...a),
    ],
    ['auth.signInWithOtp', [{ phone: '' }], (a) => sb.auth.signInWithOtp(...a)],
    ['auth.verifyOtp', [{ email: 'nobody@example.com', token: '000000', type: 'email' }], (a) => sb.auth.verifyOtp(...a)],
    ['auth.resend', [{ type: 'signup', email: '' }], (a) => sb.auth.resend(...a)],
    ['auth.resetPasswordForEmail', ['', {}], (a) => sb.auth.resetPasswordForEmail(...a)],
    ['auth.getUser', ['not-a-jwt'], (a) => sb.auth.getUser(...a)],
    ['auth.updateUser', [{ data: {} }, {}], (a) => sb.auth.updateUser(...a)],
    ['auth.setSession', [{ access_token: 'x', refresh_token: 'y' }], (a) => sb.auth.setSession(...a)],
    ['auth.refreshSession', [{ refresh_token: 'not-a-token' }], (a) => sb.auth.refreshSession(...a)],
    ['auth.exchangeCodeForSession', ['not-a-code'], (a) => sb.auth.exchangeCodeForSession(...a)],
    ['auth.signInWithOAuth', [{ provider: 'github' }], (a) => sb.auth.signInWithOAuth(...a)],
    ['rest.select', ['id'], (a) => sb.from('todos').select(...a)],
    [
      'rest.eq',
      ['id', 1],
      (a) =>
        sb
          .from('todos')
          .select('id')
          .eq(...a),
    ],
    [
      'rest.in',
      ['id', [1, 2]],
      (a) =>
        sb
          .from('todos')
          .select('id')
          .in(...a),
    ],
    [
      'rest.match',
      [{ id: 1 }],
      (a) =>
        sb
          .from('todos')
          .select('id')
          .match(...a),
    ],
    [
      'rest.filter',
      ['id', 'eq', 1],
      (a) =>
        sb
          .from('todos')
          .select('id')
          .filter(...a),
    ],
    [
      'rest.or',
      ['id.eq.1'],
      (a) =>
        sb
          .from('todos')
          .select('id')
          .or(...a),
    ],
    [
      'rest.order',
      ['id', {}],
      (a) =>
        sb
          .from('todos')
          .select('id')
          .order(...a),
    ],
    [
      'rest.range',
      [0, 1],
      (a) =>
        sb
          .from('todos')
          .select('id')
          .range(...a),
    ],
    [
      'rest.limit',
      [1],
      (a) =>
        sb
          .from('todos')
          .select('id')
          .limit(...a),
    ],
    ['rest.insert', [{ title: 'hostile' }], (a) => sb.from('todos').insert(...a)],
    [
      'rest.update',
      [{ title: 'hostile' }],
      (a) =>
        sb
          .from('todos')
          .update(...a)
          .eq('id', -1),
    ],
    [
      'rest.delete',
      [-1],
      (a) =>
        sb
          .from('todos')
          .delete()
          .eq('id', ...a),
    ],
    ['rest.rpc', ['no_such_fn', {}], (a) => sb.rpc(...a)],
    ['rest.single', [], () => sb.from('todos').select('id').eq('id', -1).single()],
    ['storage.listBuckets', [{}], (a) => sb.storage.listBuckets(...a)],
    ['storage.getBucket', ['hostile-bucket'], (a) => sb.storage.getBucket(...a)],
    ['storage.createBucket', ['hostile-bucket', {}], (a) => sb.storage.createBucket(...a)],
    ['storage.updateBucket', ['hostile-bucket', {}], (a) => sb.storage.updateBucket(...a)],
    ['storage.emptyBucket', ['hostile-bucket'], (a) => sb.storage.emptyBucket(...a)],
    ['storage.deleteBucket', ['hostile-bucket'], (a) => sb.storage.deleteBucket(...a)],
    ['storage.from', ['hostile-bucket'], (a) => sb.storage.from(...a).list()],
    ['storage.upload', ['a.txt', 'buf', {}], (a) => st().upload(a[0], a[1] === 'buf' ? buf() : a[1], a[2])],
    ['storage.update', ['a.txt', 'buf', {}], (a) => st().update(a[0], a[1] === 'buf' ? buf() : a[1], a[2])],
    ['storage.download', ['a.txt', {}, {}], (a) => st().download(...a)],
    ['storage.info', ['a.txt'], (a) => st().info(...a)],
    ['storage.exists', ['a.txt'], (a) => st().exists(...a)],
    ['storage.createSignedUrl', ['a.txt', 60, {}], (a) => st().createSignedUrl(...a)],
    ['storage.createSignedUrls', [['a.txt'], 60, {}], (a) => st().createSignedUrls(...a)],
    ['storage.createSignedUploadUrl', ['a.txt', {}], (a) => st().createSignedUploadUrl(...a)],
    [
      'storage.uploadToSignedUrl',
      ['a.txt', 'token', 'buf', {}],
      (a) => st().uploadToSignedUrl(a[0], a[1], a[2] === 'buf' ? buf() : a[2], a[3]),
    ],
    ['storage.list', ['', {}, {}], (a) => st().list(...a)],
    ['storage.remove', [['a.txt']], (a) => st().remove(...a)],
    ['storage.move', ['a.txt', 'b.txt', {}], (a) => st().move(...a)],
    ['storage.copy', ['a.txt', 'b.txt', {}], (a) => st().copy(...a)],
    ['storage.getPublicUrl', ['a.txt', {}], (a) => st().getPublicUrl(...a)],
    ['functions.invoke', ['echo', {}], (a) => sb.functions.invoke(...a)],
    ['functions.invoke.body', [{ a: 1 }], (a) => sb.functions.invoke('echo', { body: a[0] })],
    ['functions.invoke.headers', [{ 'x-a': 'b' }], (a) => sb.functions.invoke('echo', { headers: a[0] })],
    ['functions.invoke.method', ['POST'], (a) => sb.functions.invoke('echo', { method: a[0] })],
    ['functions.invoke.region', ['any'], (a) => sb.functions.invoke('echo', { region: a[0] })],
    ['functions.invoke.timeout', [5000], (a) => sb.functions.invoke('echo', { timeout: a[0] })],
    // Last: it ends the session the calls above ran under.
    ['auth.signOut', [{ scope: 'local' }], (a) => sb.auth.signOut(...a)],
  ]
  // Each call's argument lists: the defaults with one position hostile, and with one field of an
  // object default hostile.
  const cases = []
  for (const [name, defaults, call] of calls) {
    if (defaults.length === 0) cases.push([name, 'no arguments', defaults, call])
    for (let i = 0; i < defaults.length; i++) {
      for (const [label, v] of hostile()) {
        const args = defaults.slice()
        args[i] = v
        cases.push([`${name} arg ${i}`, label, args, call])
      }
      const d = defaults[i]
      if (d && typeof d === 'object' && !Array.isArray(d)) {
        for (const k of Object.keys(d)) {
          for (const [label, v] of hostile()) {
            const args = defaults.slice()
            args[i] = Object.assign({}, d, { [k]: v })
            cases.push([`${name} arg ${i}.${k}`, label, args, call])
          }
        }
      }
    }
  }

  const AUTH_WITHOUT_STATUS = ['AuthUnknownError']
  const problems = []
  const seenErrors = {}
  function check(where, r) {
    if (r === null || typeof r !== 'object') return `resolved with ${typeof r}, not a result object`
    const e = r.error
    // storage-js' getPublicUrl answers `{ data: { publicUrl } }`, without an error field.
    if (!('error' in r) && !where.startsWith('storage.getPublicUrl')) return 'the result has no error field'
    if (e === null || e === undefined) return null
    if (!(e instanceof Error)) return 'error is not an Error'
    if (typeof e.name !== 'string' || e.name === '' || e.name === 'Error') return `error has no class name (${e.name})`
    if (typeof e.message !== 'string' || e.message.trim() === '') return `${e.name} with an empty message`
    if (sdk.isAuthError(e) && !AUTH_WITHOUT_STATUS.includes(e.name) && typeof e.status !== 'number')
      return `${e.name} without a numeric status`
    if (e.name === 'PostgrestError' && typeof e.code !== 'string') return 'PostgrestError without a string code'
    if (e.name === 'StorageApiError' && (typeof e.status !== 'number' || typeof e.statusCode !== 'string'))
      return 'StorageApiError without status / statusCode'
    if (/^Functions(Http|Relay|Fetch)Error$/.test(e.name) && !e.context) return `${e.name} without context`
    seenErrors[e.name] = (seenErrors[e.name] || 0) + 1
    return null
  }
  let total = 0
  let threw = 0
  const BATCH = 8
  for (let i = 0; i < cases.length; i += BATCH) {
    await Promise.all(
      cases.slice(i, i + BATCH).map(async ([where, label, args, call]) => {
        total++
        let r
        try {
          r = await call(args)
        } catch (e) {
          // Only the database builders throw synchronously, where postgrest-js' do (select(0):
          // `split is not a function`, in(col, 1): not iterable, order(col, null), match(null));
          // every other API resolves with the error, as supabase-js' async methods do.
          threw++
          const message = e && typeof e.message === 'string' ? e.message : ''
          if (!(e instanceof Error) || message.trim() === '') problems.push({ where, label, problem: 'threw without a message' })
          else if (!where.startsWith('rest.')) problems.push({ where, label, problem: `threw synchronously: ${message}` })
          return
        }
        const problem = check(where, r)
        if (problem) problems.push({ where, label, problem, message: r && r.error ? String(r.error.message) : undefined })
      }),
    )
  }
  return JSON.stringify({ total, threw, problems, seenErrors })
}

test('every public API, hostile arguments: every error has a message, a name and its class fields', async (t) => {
  const { app, sb, sdk } = await signedIn()
  const sweep = await app.eval(`(${sweepInContext.toString()})`)
  const out = JSON.parse(await sweep(sb, sdk))
  assert.ok(out.total > 1000, `swept ${out.total} calls`)
  t.diagnostic(`${out.total} calls, ${out.threw} threw synchronously; errors seen: ${JSON.stringify(out.seenErrors)}`)
  assert.deepEqual(out.problems, [], `${out.problems.length} of ${out.total} calls:\n${JSON.stringify(out.problems, null, 1)}`)
  // The sweep reached every family of errors.
  for (const name of [
    'AuthApiError',
    'AuthInvalidCredentialsError',
    'PostgrestError',
    'StorageApiError',
    'StorageError',
    'FunctionsError',
  ])
    assert.ok(out.seenErrors[name] > 0, `no ${name} seen: ${JSON.stringify(out.seenErrors)}`)
})

test('a 404 or 431 with no body: every API says the status (postgrest-js: a bodiless 404 is an empty success)', async () => {
  const { sb } = await signedIn()
  const bodiless = (path, status) => be.faults.add({ path, fault: 'status', status, body: '' })
  const seen = []
  for (const status of [404, 431]) {
    bodiless('/rest/v1/todos', status)
    const rest = await sb.from('todos').select('id')
    if (status === 404) {
      assert.equal(rest.error, null)
      assert.equal(rest.status, 204)
    } else {
      assert.equal(rest.error.name, 'PostgrestError')
      assert.match(rest.error.message, /^HTTP 431 Request Header Fields Too Large: the request's URL or headers are too long/)
      seen.push(rest.error.message)
    }
    bodiless('/storage/v1/object/list/hostile-bucket', status)
    const list = await sb.storage.from('hostile-bucket').list()
    assert.equal(list.error.name, 'StorageApiError')
    assert.equal(list.error.message, `HTTP ${status} error`)
    assert.equal(list.error.status, status)
    bodiless('/functions/v1/echo', status)
    const fn = await sb.functions.invoke('echo')
    assert.equal(fn.error.name, 'FunctionsHttpError')
    assert.equal(fn.error.message, 'Edge Function returned a non-2xx status code')
    assert.equal(fn.error.context.status, status)
    bodiless('/auth/v1/user', status)
    const user = await sb.auth.getUser()
    assert.equal(user.error.name, 'AuthUnknownError')
    assert.equal(user.error.message, `unexpected reply from the Auth server (HTTP ${status}, no body)`)
    assert.equal(user.error.status, status)
    seen.push(user.error.message)
  }
  assert.equal(be.faults.list().length, 0, 'every fault was used')
  assert.ok(seen.every((m) => m.trim() !== ''))
})

test('lone surrogates are cleaned once, at the edge: the right argument is blamed, or none', async () => {
  const { sb, sim } = await signedIn()
  // A header value with U+FFFD: the function runs (it was "the first argument must be the function's name").
  const fn = await sb.functions.invoke('echo', { headers: { 'x-a': 'a\ud800' } })
  assert.doesNotMatch(String(fn.error && fn.error.message), /first argument/)
  // A path with U+FFFD: the server blames the key (it was "Invalid bucket id"); U+FFFD is no valid key
  // character for storage-api (src/storage/limits.ts isValidKey: 400 InvalidKey).
  const bucket = `surrogates-${nextUser}`
  assert.equal((await sb.storage.createBucket(bucket)).error, null)
  const dl = await sb.storage.from(bucket).download('a\ud800')
  assert.equal(dl.error.name, 'StorageApiError')
  assert.equal(dl.error.data.message, 'Invalid key: a\ufffd')
  const url = sim.requests.at(-1).url
  assert.ok(url.endsWith(`/${bucket}/a%EF%BF%BD`), url)
  // The code goes to the server, which refuses it (it was "code是必填项": the code is required).
  const si = await sb.auth.signInWithWechat({ code: '\ud800' })
  assert.ok(si.error)
  assert.doesNotMatch(si.error.message, /必填/)
  assert.ok(sim.requests.some((r) => r.url.includes('/wechat_mini/login?code=%EF%BF%BD')))
  // A well-formed pair and an escaped backslash before "ud800" are left alone.
  const echo = await sb.functions.invoke('echo', { body: { s: 'ok 😀 \\ud800 \udc00' } })
  assert.equal(echo.error, null)
  assert.deepEqual(JSON.parse(echo.data.body), { s: 'ok 😀 \\ud800 \udc00' }, 'the body is a payload: it stays as it was')
})

test('signOut(0 | true | "" | []) is signOut(): global scope, the session removed', async () => {
  for (const arg of [0, true, '', []]) {
    const { sb, sim } = await signedIn()
    const r = await sb.auth.signOut(arg)
    assert.equal(r.error, null, `signOut(${JSON.stringify(arg)})`)
    const logout = sim.requests.filter((q) => q.url.includes('/auth/v1/logout')).at(-1)
    assert.ok(logout, `signOut(${JSON.stringify(arg)}) sent /logout`)
    assert.match(logout.url, /scope=global$/)
    assert.equal((await sb.auth.getSession()).data.session, null)
  }
})
