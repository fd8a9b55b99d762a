'use strict'
// The PostgREST differential: every builder chain of tests/node/lib/postgrest-reference.js runs on
// our built package inside the strict simulator, and what our SDK hands to wx.request (method,
// URL, headers, body) must equal what @supabase/postgrest-js 2.119.0 sends for the same chain,
// with the anon key, a signed-in user's token, global.headers and db.schema. The results of a
// table of replies must equal postgrest-js' processResponse, field by field.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')

const { PostgrestClient } = require('@supabase/postgrest-js')
const { CHAINS, reference, DEFAULTS } = require('./lib/postgrest-reference')
const { clientProject } = require('./lib/project')
const { recordCalls, REPLAY_SOURCE } = require('./lib/chain-replay')

const URL_ROOT = 'http://127.0.0.1:54321'
assert.equal(DEFAULTS.url, URL_ROOT + '/rest/v1')
const KEY = DEFAULTS.key
const STORAGE_KEY = 'sb-127-auth-token'
const TOKEN = 'user-jwt-token'
const GLOBAL_HEADERS = { 'X-Client-Info': 'supabase-wechat/test', 'X-Custom': ' padded value ', Prefer: 'timezone=Asia/Shanghai' }
const SCHEMA = 'app2'

const OK_REPLY = {
  statusCode: 200,
  data: '[]',
  header: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Range': '0-0/1' },
}

let project
const sims = []
// supabase-js' createClient gives PostgrestClient `db.schema` 'public' unless told otherwise (so
// does the SDK we replace): the reference for a client without db.schema is that.
const DEFAULT = { schema: 'public' }
let anon // { app, replay, box, clients: { default, headers, schema } }
let signedIn

before(async () => {
  project = await clientProject({
    url: URL_ROOT,
    key: KEY,
    clients: {
      default: { options: {} },
      headers: { options: { global: { headers: GLOBAL_HEADERS } } },
      schema: { options: { db: { schema: SCHEMA } } },
    },
    files: { 'lib/replay.js': REPLAY_SOURCE },
  })
  const start = async (session) => {
    const sim = project.simulator()
    sims.push(sim)
    if (session) sim.storage.set(STORAGE_KEY, JSON.stringify(session))
    const app = await sim.launch()
    const replay = app.require('lib/replay')
    const box = replay.intercept(OK_REPLY)
    const clients = {
      default: app.require('lib/default'),
      headers: app.require('lib/headers'),
      schema: app.require('lib/schema'),
    }
    return { sim, app, replay, box, clients }
  }
  anon = await start(null)
  // A session received now that lasts ten years: no refresh during the run. (`expires_in` is
  // the token's lifetime: with 3600 and a far `expires_at`, it would read as received in the
  // future, i.e. a clock moved back since, and be refreshed first.)
  const tenYears = 10 * 365 * 24 * 3600
  const farFuture = Math.floor(Date.now() / 1000) + tenYears
  signedIn = await start({
    access_token: TOKEN,
    token_type: 'bearer',
    expires_in: tenYears,
    refresh_token: 'refresh-token',
    user: { id: '00000000-0000-0000-0000-000000000001', aud: 'authenticated', role: 'authenticated' },
    expires_at: farFuture,
  })
})

after(() => {
  for (const s of sims) s.close()
  if (project) project.cleanup()
})

const plain = (x) => JSON.parse(JSON.stringify(x === undefined ? null : x))

function normalize(r) {
  const headers = {}
  for (const name of Object.keys(r.header)
    .map((n) => n.toLowerCase())
    .sort()) {
    const key = Object.keys(r.header).find((k) => k.toLowerCase() === name)
    headers[name] = r.header[key]
  }
  return { method: r.method, url: r.url, headers, body: r.data === undefined || r.data === null ? null : r.data }
}

// Runs `calls` on one of our clients; exactly one wx.request must be made.
async function ours(env, which, calls) {
  const { requests, result } = await env.replay.run(env.clients[which], calls, env.box)
  assert.equal(requests.length, 1, 'exactly one wx.request')
  return { request: normalize(requests[0]), result }
}

const recorded = CHAINS.map((c) => ({ name: c.name, build: c.build, calls: recordCalls(c.build) }))

async function differential(env, which, opts, alsoResult) {
  const mismatches = []
  for (const c of recorded) {
    const expected = await reference(c, opts)
    const got = await ours(env, which, c.calls)
    try {
      assert.deepEqual(got.request, expected, c.name)
      if (alsoResult) assert.deepEqual(ourResult(got.result), await referenceResult(c.build, OK_REPLY), c.name)
    } catch (e) {
      mismatches.push(e.message)
    }
  }
  assert.deepEqual(mismatches, [], `${mismatches.length} of ${recorded.length} chains differ`)
}

test(`all ${CHAINS.length} chains: anon key, default options (requests and results)`, async () => {
  assert.ok(CHAINS.length >= 317)
  await differential(anon, 'default', DEFAULT, true)
})

test('all chains: signed in (Authorization: Bearer <access token>)', async () => {
  await differential(signedIn, 'default', { ...DEFAULT, token: TOKEN })
})

test("all chains: global.headers (their Prefer combines with the builder's)", async () => {
  await differential(anon, 'headers', { ...DEFAULT, headers: GLOBAL_HEADERS })
})

test('all chains: db.schema', async () => {
  await differential(anon, 'schema', { schema: SCHEMA })
})

// More chains than the reference table holds: postgrest-js 2.119's other methods, relations the
// URL parser rewrites, and values whose JavaScript string conversion is easy to get wrong.
const EXTRA = [
  ['regexMatch', (c) => c.from('todos').select().regexMatch('title', '^a.*(b|c)$')],
  ['regexIMatch', (c) => c.from('todos').select().regexIMatch('title', '^A&B#')],
  ['isDistinct', (c) => c.from('todos').select().isDistinct('done', null)],
  ['notIn', (c) => c.from('todos').select().notIn('title', ['a,b', 'c', 1, 'c'])],
  ['maxAffected', (c) => c.from('todos').update({ done: true }).eq('id', 1).maxAffected(5)],
  ['stripNulls', (c) => c.from('todos').select().stripNulls()],
  ['stripNulls after single', (c) => c.from('todos').select().single().stripNulls()],
  ['stripNulls after geojson', (c) => c.from('todos').select().geojson().stripNulls()],
  ['setHeader', (c) => c.from('todos').select().setHeader('X-Trace', ' v 1 ')],
  ['setHeader Accept then explain', (c) => c.from('todos').select().setHeader('Accept', 'text/csv').explain()],
  ['setHeader Prefer then select', (c) => c.from('todos').insert({ a: 1 }).setHeader('Prefer', 'tx=commit').select()],
  ['overrideTypes and retry', (c) => c.from('todos').select().overrideTypes().retry(false)],
  ['select twice', (c) => c.from('todos').select().select('id')],
  ['eq NaN, undefined, Date', (c) => c.from('t').select().eq('n', NaN).eq('u', undefined).eq('d', new Date(0))],
  [
    'eq object and array',
    (c) =>
      c
        .from('t')
        .select()
        .eq('o', { a: 1 })
        .eq('a', [1, [2, 3], null]),
  ],
  ['in over a string', (c) => c.from('t').select().in('c', 'abca')],
  ['in NaN and zeros', (c) => c.from('t').select().in('n', [NaN, NaN, 0, -0, '0', null, undefined])],
  ['contains null and undefined', (c) => c.from('t').select().contains('a', null).containedBy('b', undefined)],
  [
    'overlaps nested arrays',
    (c) =>
      c
        .from('t')
        .select()
        .overlaps('a', [[1, 2], null, 'x']),
  ],
  ['likeAnyOf with holes', (c) => c.from('t').select().likeAnyOf('a', [undefined, null, '%x'])],
  [
    'order falsy and truthy options',
    (c) =>
      c
        .from('t')
        .select()
        .order('a', { ascending: 0, nullsFirst: 1, referencedTable: '' })
        .order('b', { ascending: 'yes', nullsFirst: 0 }),
  ],
  [
    'limit and range with odd tables',
    (c) => c.from('t').select().limit(3, { referencedTable: null }).range('5', 14, { foreignTable: '' }),
  ],
  ['range with strings', (c) => c.from('t').select().range('10', '19')],
  ['textSearch odd options', (c) => c.from('t').select().textSearch('b', 'q', { type: 'PLAIN', config: null })],
  ['or with falsy table', (c) => c.from('t').select().or('a.eq.1', { referencedTable: 0 })],
  [
    'match odd values',
    (c) =>
      c
        .from('t')
        .select()
        .match({ d: new Date(86400000), a: [1, 'x'], n: null, z: -0 }),
  ],
  ['upsert onConflict null', (c) => c.from('t').upsert({ a: 1 }, { onConflict: null, ignoreDuplicates: 1, defaultToNull: 0 })],
  ['insert bigint', (c) => c.from('t').insert({ big: 12345678901234567890n, list: [1n] })],
  [
    'insert rows with numeric-key objects',
    (c) =>
      c.from('t').insert([
        { 2: 'b', 1: 'a' },
        { b: 1, 1: 'x' },
      ]),
  ],
  ['insert count falsy', (c) => c.from('t').insert({ a: 1 }, { count: '', defaultToNull: null })],
  ['rpc nested array args', (c) => c.rpc('f', { a: [1, [2, 3]], b: [] }, { get: true })],
  ['rpc head with array of arrays', (c) => c.rpc('f', { a: [[1], [2]] }, { head: true, count: 'exact' })],
  ['rpc args null (POST)', (c) => c.rpc('f', null)],
  ['select unicode spaces', (c) => c.from('t').select('\u3000id,\u0085x,\ufefftitle, "a\u2028b"')],
  ['select with unbalanced quote', (c) => c.from('t').select('"a b, c d')],
  ['surrogates in names and values', (c) => c.from('t\ud800').select().eq('\udc00col', '👍\ud83d').in('x', ['\ud800', '\ud801'])],
  ['schema(undefined) ignores db.schema', (c) => c.schema(undefined).from('t').select()],
  ['schema empty string', (c) => c.schema('').from('t').insert({})],
  ['explain format json after single', (c) => c.from('t').select().single().explain({ format: 'json', wal: 1 })],
].map(([name, build]) => ({ name, build, calls: recordCalls(build) }))

// Where we differ on purpose (issue 13): postgrest-js pastes the table or function name into `new URL(...)`, so a
// `?`, `#`, `/`, `\\` or `..` in it rewrites the URL; ours is one path segment, everything but RFC 3986's
// unreserved characters percent-encoded (src/data/rest/limits.rs). Method, headers and body are postgrest-js'.
const REST = URL_ROOT + '/rest/v1/'
const ENCODED_NAMES = [
  ['relation with a query', (c) => c.from('a?x=1 2&y').select(), 'a%3Fx%3D1%202%26y?select=*'],
  ['relation with a query, insert', (c) => c.from("t?x='1'").insert({}), 't%3Fx%3D%271%27'],
  ['relation with a fragment', (c) => c.from('a#frag ment`').select(), 'a%23frag%20ment%60?select=*'],
  ['relation with dot segments', (c) => c.from('../x/./y/%2E%2e/z').select(), '..%2Fx%2F.%2Fy%2F%252E%252e%2Fz?select=*'],
  ['relation ending in ..', (c) => c.from('x/..').select(), 'x%2F..?select=*'],
  ['relation with backslash, tab, newline', (c) => c.from('a\\b\tc\nd').select(), 'a%5Cb%09c%0Ad?select=*'],
  ['relation with control characters', (c) => c.from('\u0001a\u007f\u0085 ').select(), '%01a%7F%C2%85%20?select=*'],
  [
    'relation with punctuation',
    (c) => c.from('a;b,c=d@e:f!$&*+()~\'[]|^{}<>"`%zz').select(),
    'a%3Bb%2Cc%3Dd%40e%3Af%21%24%26%2A%2B%28%29~%27%5B%5D%7C%5E%7B%7D%3C%3E%22%60%25zz?select=*',
  ],
  ['rpc name with a fragment and query', (c) => c.rpc('f#x?y', { a: 1 }, { get: true }), 'rpc/f%23x%3Fy?a=1'],
].map(([name, build, url]) => ({ name, build, url: REST + url, calls: recordCalls(build) }))

test(`${ENCODED_NAMES.length} chains with odd names: one encoded path segment, the rest as postgrest-js`, async () => {
  const mismatches = []
  for (const [env, which, opts] of [
    [anon, 'default', DEFAULT],
    [signedIn, 'default', { ...DEFAULT, token: TOKEN }],
    [anon, 'schema', { schema: SCHEMA }],
  ]) {
    for (const c of ENCODED_NAMES) {
      const expected = Object.assign(await reference(c, opts), { url: c.url })
      try {
        assert.deepEqual((await ours(env, which, c.calls)).request, expected, `${c.name} (${which})`)
      } catch (e) {
        mismatches.push(e.message)
      }
    }
  }
  assert.deepEqual(mismatches, [])
})

test(`${EXTRA.length} more chains, under all four option sets`, async () => {
  const mismatches = []
  const runs = [
    [anon, 'default', DEFAULT],
    [signedIn, 'default', { ...DEFAULT, token: TOKEN }],
    [anon, 'headers', { ...DEFAULT, headers: GLOBAL_HEADERS }],
    [anon, 'schema', { schema: SCHEMA }],
  ]
  for (const [env, which, opts] of runs) {
    for (const c of EXTRA) {
      try {
        assert.deepEqual((await ours(env, which, c.calls)).request, await reference(c, opts), `${c.name} (${which})`)
      } catch (e) {
        mismatches.push(e.message)
      }
    }
  }
  assert.deepEqual(mismatches, [])
})

// ---------------------------------------------------------------------------------------------
// Results: postgrest-js' processResponse for a table of replies.

// postgrest-js' result for `build` when the server answers `reply`, with its error as the fields
// of a PostgrestError: postgrest-js resolves with the parsed error body itself (a plain object,
// or even a string); ours is a PostgrestError whose message/details/hint/code come from that body
// (a non-object body becomes the message) and whose hidden `data` is the body.
async function referenceResult(build, reply) {
  const fetch = async () =>
    new Response(reply.statusCode === 204 ? null : reply.data, { status: reply.statusCode, headers: reply.header })
  const pg = new PostgrestClient(DEFAULTS.url, { headers: { apikey: KEY, Authorization: 'Bearer ' + KEY }, fetch })
  const out = plain(await build(pg))
  // A synthetic Response has an empty statusText; ours is the standard reason phrase (checked apart).
  delete out.statusText
  if (out.error !== null) {
    const e = out.error
    out.error = e !== null && typeof e === 'object' ? errorFields(e) : { message: typeof e === 'string' ? e : JSON.stringify(e) }
  }
  return out
}

const errorFields = (e) => plain({ message: e.message, details: e.details, hint: e.hint, code: e.code })

function ourResult(r) {
  const out = plain(r)
  delete out.statusText
  if (r.error) {
    assert.equal(Object.getPrototypeOf(r.error).constructor.name, 'PostgrestError')
    out.error = errorFields(r.error)
  }
  return out
}

const pick = (name) => recorded.find((c) => c.name === name)
const json = (status, body, header = {}) => ({
  statusCode: status,
  data: typeof body === 'string' ? body : JSON.stringify(body),
  header: Object.assign({ 'Content-Type': 'application/json; charset=utf-8' }, header),
})
const PG_ERROR = { code: '22P02', details: null, hint: null, message: 'invalid input syntax for type bigint: "x"' }

const RESULT_CASES = [
  ['200 rows', 'select: *', json(200, [{ id: 1 }, { id: 2 }])],
  ['200 empty body', 'insert: object', json(201, '')],
  ['201 rows', 'insert: object, then select', json(201, [{ id: 1, title: 'a' }])],
  ['200 not JSON', 'select: *', json(200, 'this is not json')],
  ['count from Content-Range', 'select: count exact', json(200, [{ id: 1 }], { 'Content-Range': '0-0/42' })],
  ['count "*" is not a number', 'select: count planned', json(200, [], { 'Content-Range': '*/*' })],
  ['count ignored without Prefer count', 'select: *', json(200, [], { 'Content-Range': '0-0/42' })],
  ['count with leading junk', 'select: count estimated', json(200, [], { 'Content-Range': '0-9/ 17abc' })],
  ['HEAD count', 'select: head + count exact', json(200, '', { 'Content-Range': '*/7' })],
  ['maybeSingle one row', 'maybeSingle: select', json(200, [{ id: 1 }])],
  ['maybeSingle no rows', 'maybeSingle: select', json(200, [])],
  ['maybeSingle two rows', 'maybeSingle: select', json(200, [{ id: 1 }, { id: 2 }])],
  ['maybeSingle two rows with count', 'delete: in + select + maybeSingle', json(200, [{ id: 1 }, { id: 2 }])],
  ['single object', 'single: select', json(200, { id: 1 })],
  ['csv text', 'csv: select', { statusCode: 200, data: 'id,title\n1,a', header: { 'Content-Type': 'text/csv' } }],
  ['explain text', 'explain: default', { statusCode: 200, data: 'Seq Scan on todos', header: {} }],
  ['explain json', 'explain: every option, json format', json(200, [{ Plan: {} }])],
  ['400 PostgREST error', 'eq: integer', json(400, PG_ERROR)],
  [
    '406 single error',
    'single: select',
    json(406, { code: 'PGRST116', details: 'The result contains 0 rows', hint: null, message: 'Cannot coerce' }),
  ],
  ['401 gateway error', 'select: *', json(401, { message: 'Invalid API key', hint: 'Double check your key' })],
  ['404 array body', 'select: *', json(404, [])],
  ['404 empty body', 'rpc: no args', json(404, '')],
  [
    '404 error object',
    'rpc: no args',
    json(404, { code: 'PGRST202', details: 'x', hint: 'y', message: 'Could not find the function' }),
  ],
  ['500 not JSON', 'select: *', { statusCode: 500, data: '<html>bad gateway</html>', header: {} }],
  ['500 JSON null', 'select: *', json(500, 'null')],
  ['500 JSON string', 'select: *', json(500, '"oops"')],
  // serde_json cannot hold a lone surrogate: it reads as U+FFFD (JSON.parse would keep it).
  [
    'error body with lone surrogate escape',
    'select: *',
    json(400, '{"message":"bad \\ud800 value","code":"XX000"}'),
    (e) => Object.assign(e, { error: Object.assign(e.error, { message: 'bad \ufffd value' }) }),
  ],
  ['rpc scalar', 'rpc: scalar args', json(200, '42')],
  ['rpc head object arg', 'rpc: head with object arg (falls back to POST)', json(200, '')],
]

for (const [what, chain, reply, adjust = (e) => e] of RESULT_CASES) {
  test(`result: ${what} (${chain})`, async () => {
    const c = pick(chain)
    assert.ok(c, chain)
    anon.box.answer.reply = reply
    try {
      const { result } = await anon.replay.run(anon.clients.default, c.calls, anon.box)
      assert.deepEqual(ourResult(result), adjust(await referenceResult(c.build, reply)))
      if (result.error && reply.statusCode >= 300) {
        // The server's error body, as pages written for 2.2.0 read it (error.data.message).
        const body = JSON.parse(JSON.stringify(result.error.data))
        assert.ok(body !== undefined)
        assert.equal(Object.keys(result.error).includes('data'), false, 'data is not enumerable')
      }
      assert.equal(result.statusText, require('node:http').STATUS_CODES[result.status] || '', 'statusText')
      if (result.error) {
        assert.equal(result.error.name, 'PostgrestError')
        assert.equal(result.success, false)
      }
    } finally {
      anon.box.answer.reply = OK_REPLY
    }
  })
}
