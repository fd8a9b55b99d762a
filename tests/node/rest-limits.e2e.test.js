'use strict'
// Issue 13 items 4 and 5, end to end: the built package in the strict simulator against the local backend's real
// PostgREST 12. Table and function names are one percent-encoded path segment (a real table named `x?q=1` is
// reached, rpc('../../rest/v1/todos') is not a way out of /rest/v1/rpc), NUL is refused, and a request past the
// bound (src/data/rest/limits.rs, docs/request-limits.md) is refused before anything is copied into wasm.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const { launchUser, closeAll } = require('./lib/e2e')

let be
let project
let app
let supabase
const sims = []

// The odd names, each a real table (one row naming it) or function of the backend's database.
const ODD_TABLES = ['x?q=1', 'a/b\\c#d%e f 表', '%2E%2E', '..x']
const ODD_FUNCTION = 'f#x/../y?z'
const quote = (name) => `"${name.replace(/"/g, '""')}"`
const uuid = (i) => `2411981d-0000-4000-8000-${i.toString(16).padStart(12, '0')}`

before(async () => {
  be = await startBackend({ port: 0 })
  const sql = []
  for (const name of [...ODD_TABLES, 'x']) {
    sql.push(`create table public.${quote(name)} (id int primary key, name text)`)
    sql.push(`insert into public.${quote(name)} values (1, $$${name}$$)`)
    sql.push(`grant select on public.${quote(name)} to anon`)
  }
  sql.push(`create function public.${quote(ODD_FUNCTION)}() returns text language sql as $$ select 'odd function' $$`)
  sql.push(`grant execute on function public.${quote(ODD_FUNCTION)}() to anon`)
  sql.push('create table public.rl_uuids (id uuid primary key)')
  sql.push(
    `insert into public.rl_uuids select ('2411981d-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid from generate_series(0, 999) i`,
  )
  sql.push('grant select on public.rl_uuids to anon')
  await be.db.query(sql.join(';\n'))
  await be.rest.reloadSchema()
  project = await clientProject({ url: be.url, key: be.anonKey, as: 'supabase', clients: { supabase: {} } })
  ;({ app } = await launchUser(be, project, 'o_rest_limits', sims))
  supabase = app.require('lib/supabase').supabase
})

after(() => closeAll({ sims, project, be }))

// The wasm instance's memory, in bytes (the sim keeps the exported memory of each load).
const wasmBytes = () => sims[0].wasmLoads.find((l) => l.app === app.id).memory.buffer.byteLength
const plain = (x) => JSON.parse(JSON.stringify(x))
const restRequests = () => be.requests.filter((r) => r.path.startsWith('/rest/'))

test('a table whose name holds ? / \\ # % space, CJK or an encoded dot segment is reached exactly', async () => {
  for (const name of ODD_TABLES) {
    const r = await supabase.from(name).select('id, name')
    assert.equal(r.error, null, `${name}: ${JSON.stringify(r.error)}`)
    assert.deepEqual(plain(r.data), [{ id: 1, name }], name)
  }
  // The table named `x` is not what from('x?q=1') reaches (postgrest-js' URL would have asked for x with q=1).
  const n = be.requests.length
  await supabase.from('x?q=1').select('name')
  assert.equal(be.requests[n].path, '/rest/v1/x%3Fq%3D1')
  assert.equal(be.requests[n].query, 'select=name')
})

test('a function with # / .. ? in its name is called; rpc("../../rest/v1/todos") does not reach todos', async () => {
  const r = await supabase.rpc(ODD_FUNCTION)
  assert.equal(r.error, null, JSON.stringify(r.error))
  assert.equal(r.data, 'odd function')
  const n = be.requests.length
  const out = await supabase.rpc('../../rest/v1/todos')
  assert.deepEqual(
    restRequests()
      .slice(-1)
      .map((q) => q.path),
    ['/rest/v1/rpc/..%2F..%2Frest%2Fv1%2Ftodos'],
  )
  assert.equal(be.requests.length, n + 1)
  assert.equal(out.data, null)
  assert.equal(out.status, 404)
  assert.equal(out.error.code, 'PGRST202') // PostgREST: no such function
})

test('a NUL in a table or function name is refused with a clear error, and nothing is sent', async () => {
  const n = be.requests.length
  for (const call of [() => supabase.from('todos\u0000x').select(), () => supabase.rpc('f\u0000')]) {
    const r = await call()
    assert.equal(r.data, null)
    assert.equal(r.status, 0)
    assert.equal(r.error.name, 'PostgrestError')
    assert.equal(r.error.code, 'invalid_name')
    assert.match(r.error.message, /^Invalid (relation|function) name: ".*\\0.*" contains a NUL character/)
  }
  for (const name of ['.', '..']) {
    const r = await supabase.from(name).select()
    assert.equal(r.error.code, 'invalid_name')
  }
  assert.equal(be.requests.length, n)
})

test('a request past the bound is refused before any work: clear error, no request, no wasm memory growth', async () => {
  await supabase.from('rl_uuids').select('id').limit(1)
  const memory = wasmBytes()
  const n = be.requests.length
  const ids = Array.from({ length: 100000 }, (_, i) => i + 1)
  const big = 'a'.repeat(16 * 1024 * 1024)
  for (const call of [
    () => supabase.from('rl_uuids').select('id').in('id', ids),
    () => supabase.from('rl_uuids').select('id').eq('id', big),
    () =>
      supabase
        .from('rl_uuids')
        .select('id')
        .match({ id: big.slice(0, 1 << 20) }),
    () => supabase.rpc('f', { q: big }, { get: true }),
    () => supabase.schema(big).from('rl_uuids').select(),
  ]) {
    const r = await call()
    assert.equal(r.data, null)
    assert.equal(r.status, 0)
    assert.equal(r.error.name, 'PostgrestError')
    assert.equal(r.error.code, 'request_too_large')
    assert.match(r.error.message, /^Request too large: .* at most 49152 bytes of URL and headers\.$/)
    assert.match(r.error.hint, /rpc\(\)/)
  }
  assert.equal(be.requests.length, n, 'nothing was sent')
  assert.equal(wasmBytes(), memory, 'the wasm memory did not grow')
  // throwOnError rejects with the same error.
  await assert.rejects(
    async () => {
      await supabase.from('rl_uuids').select('id').in('id', ids).throwOnError()
    },
    { code: 'request_too_large' },
  )
})

test('below the bound a big in() goes out: 350 UUIDs are answered, 1,000 reach the gateway', async () => {
  const some = Array.from({ length: 350 }, (_, i) => uuid(i))
  const r = await supabase.from('rl_uuids').select('id').in('id', some)
  assert.equal(r.error, null, JSON.stringify(r.error))
  assert.equal(r.data.length, 350)
  // 1,000 UUIDs are about 39 KB of URL: under the SDK's bound (PostgREST itself takes 50 KiB), over the local
  // gateway's (Node's HTTP server: 16 KiB, then 431; Kong/nginx: 8 KiB, then 414). The SDK sends it; the gateway answers.
  const all = Array.from({ length: 1000 }, (_, i) => uuid(i))
  const r2 = await supabase.from('rl_uuids').select('id').in('id', all)
  assert.notEqual(r2.error && r2.error.code, 'request_too_large')
  assert.equal(r2.status, 431)
})
