'use strict'
// supabase.from / rpc / schema through the built package in the strict simulator, against the real
// PostgREST of the local backend (demo schema: backend/sql/20-demo.sql). A short round trip as a
// signed-in user, the error shapes, and a network failure; tests/node/postgrest-differential.test.js
// checks every request byte for byte against postgrest-js.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')

const { startBackend } = require('../../backend')
const { freePort } = require('../../backend/net-util')
const { clientProject } = require('./lib/project')
const { launchUser, wxLoginCode, waitFor, closeAll } = require('./lib/e2e')

let be
let project
const sims = []

before(async () => {
  be = await startBackend({ port: 0 })
  const deadPort = await freePort()
  project = await clientProject({
    key: be.anonKey,
    clients: { supabase: { url: be.url }, unreachable: { url: `http://127.0.0.1:${deadPort}` } },
  })
})

after(() => closeAll({ sims, project, be }))

const plain = (x) => JSON.parse(JSON.stringify(x))

async function signedIn(openid) {
  const { sim, app } = await launchUser(be, project, openid, sims)
  const sb = app.require('lib/supabase')
  const { data, error } = await sb.auth.signInWithWechat({ code: await wxLoginCode(app) })
  assert.equal(error, null)
  return { sim, app, sb, user: data.user }
}

test('a signed-in user: insert, select, update, count, rpc, delete (RLS sees their rows only)', async () => {
  const { sb, user } = await signedIn('pg-e2e-a')

  const inserted = await sb.from('todos').insert({ task: '买牛奶 & eggs #1' }).select().single()
  assert.equal(inserted.error, null)
  assert.equal(inserted.status, 201)
  assert.equal(inserted.statusText, 'Created')
  assert.equal(inserted.success, true)
  assert.equal(inserted.data.task, '买牛奶 & eggs #1')
  assert.equal(inserted.data.user_id, user.id)
  const id = inserted.data.id

  // Rows with different keys: columns= lists them all; defaultToNull: false lets the missing
  // is_complete take its default instead of null (a not-null violation).
  const many = await sb
    .from('todos')
    .insert([{ task: 'b' }, { task: 'c', is_complete: true }], { count: 'exact', defaultToNull: false })
    .select('id, task')
  assert.equal(many.error, null)
  assert.equal(many.count, 2)
  assert.deepEqual(
    plain(many.data).map((t) => t.task),
    ['b', 'c'],
  )

  const found = await sb.from('todos').select('task, is_complete').eq('task', '买牛奶 & eggs #1')
  assert.deepEqual(plain(found), {
    error: null,
    data: [{ task: '买牛奶 & eggs #1', is_complete: false }],
    count: null,
    status: 200,
    statusText: 'OK',
    success: true,
  })

  const updated = await sb.from('todos').update({ is_complete: true }).eq('id', id).select('is_complete').maybeSingle()
  assert.deepEqual(plain(updated.data), { is_complete: true })

  const head = await sb.from('todos').select('*', { count: 'exact', head: true }).eq('is_complete', true)
  assert.equal(head.count, 2)
  assert.equal(head.data, null)

  const whoami = await sb.rpc('whoami')
  assert.equal(whoami.data.uid, user.id)
  assert.equal(whoami.data.role, 'authenticated')
  const echo = await sb.rpc('echo', { x: { s: '你好', n: [1, 2] } })
  assert.deepEqual(plain(echo.data), { s: '你好', n: [1, 2] })

  const notices = await sb.schema('app').from('notices').select('title').limit(1)
  assert.deepEqual(plain(notices.data), [{ title: '欢迎' }])

  const deleted = await sb
    .from('todos')
    .delete({ count: 'exact' })
    .in('id', [id, ...plain(many.data).map((t) => t.id)])
  assert.equal(deleted.error, null)
  assert.equal(deleted.status, 204)
  assert.equal(deleted.count, 3)
  const none = await sb.from('todos').select().eq('id', id).maybeSingle()
  assert.equal(none.error, null)
  assert.equal(none.data, null)

  // Another user sees none of these rows; anon may read the table but sees nothing.
  const other = await signedIn('pg-e2e-b')
  await other.sb.from('todos').insert({ task: 'mine' })
  const seen = await sb.from('todos').select('task')
  assert.deepEqual(plain(seen.data), [])
})

test('errors: a PostgrestError with PostgREST fields, the body as error.data, throwOnError, abortSignal', async () => {
  const { sim, app, sb } = await signedIn('pg-e2e-c')
  const { PostgrestError } = app.require('supabase-wechat')

  // task has a check constraint (char_length > 0).
  const r = await sb.from('todos').insert({ task: '' })
  assert.equal(r.status, 400)
  assert.equal(r.statusText, 'Bad Request')
  assert.equal(r.success, false)
  assert.equal(r.data, null)
  assert.ok(r.error instanceof PostgrestError)
  assert.equal(r.error.name, 'PostgrestError')
  assert.equal(r.error.code, '23514')
  assert.match(r.error.message, /check constraint/)
  assert.ok('details' in r.error && 'hint' in r.error)
  // Pages written for 2.2.0 read error.data.message; it is hidden from JSON and Object.keys.
  assert.equal(r.error.data.message, r.error.message)
  assert.equal(r.error.data.code, '23514')
  assert.ok(!Object.keys(r.error).includes('data'))
  assert.deepEqual(Object.keys(plain(r.error)).sort(), ['code', 'details', 'hint', 'message', 'name'])

  // maybeSingle() with more than one row: PGRST116 / 406, as postgrest-js synthesises it.
  await sb.from('todos').insert([{ task: 'x' }, { task: 'y' }])
  const two = await sb.from('todos').select().maybeSingle()
  assert.equal(two.status, 406)
  assert.equal(two.error.code, 'PGRST116')
  assert.equal(two.error.details, 'Results contain 2 rows, application/vnd.pgrst.object+json requires 1 row')

  // An unknown column: PostgREST's own error code.
  const bad = await sb.from('todos').select('nope')
  assert.equal(bad.error.code, '42703')

  await assert.rejects(
    Promise.resolve(sb.from('todos').insert({ task: '' }).throwOnError()),
    (e) => e instanceof PostgrestError && e.code === '23514',
  )
  const ok = await sb.from('todos').select('task').order('task').throwOnError()
  assert.deepEqual(plain(ok.data), [{ task: 'x' }, { task: 'y' }])

  // An already aborted signal: nothing is sent.
  const before = sim.requests.length
  const aborted = await sb.from('todos').select().abortSignal({ aborted: true })
  assert.equal(sim.requests.length, before)
  assert.equal(aborted.status, 0)
  assert.equal(aborted.error.message, 'AbortError: This operation was aborted')
  assert.equal(aborted.error.hint, 'Request was aborted (timeout or manual cancellation)')

  // A signal that fires while the request hangs: resolved at once, the wx task aborted.
  be.faults.add({ path: '/rest/v1/todos', fault: 'hang', count: 1 })
  let fire = null
  const signal = {
    aborted: false,
    addEventListener: (type, cb) => {
      if (type === 'abort') fire = cb
    },
  }
  const pending = sb
    .from('todos')
    .select()
    .abortSignal(signal)
    .then((r) => r) // builders are lazy: start it
  await waitFor(() => fire !== null)
  await waitFor(() => be.faults.hanging === 1)
  signal.aborted = true
  fire()
  const inFlight = await pending
  assert.equal(inFlight.status, 0)
  assert.equal(inFlight.error.message, 'AbortError: This operation was aborted')
  await waitFor(() => be.faults.hanging === 0)

  // Anon may not write.
  await sb.auth.signOut()
  const denied = await sb.from('todos').insert({ task: 'anon' })
  assert.equal(denied.status, 401)
  assert.equal(denied.error.code, '42501')
})

test('network failure resolves with status 0 and a FetchError message', async () => {
  const { app } = await launchUser(be, project, 'pg-e2e-d', sims)
  const sb = app.require('lib/unreachable')
  const r = await sb.from('todos').select()
  assert.deepEqual(Object.keys(r), ['error', 'data', 'count', 'status', 'statusText', 'success'])
  assert.equal(r.data, null)
  assert.equal(r.count, null)
  assert.equal(r.status, 0)
  assert.equal(r.statusText, '')
  assert.equal(r.success, false)
  assert.equal(r.error.name, 'PostgrestError')
  assert.match(
    r.error.message,
    /^FetchError: The network request failed; check the network and try again \(request:fail .*ERR_CONNECTION_REFUSED/,
  )
  assert.equal(r.error.details, 'network_error')
  assert.equal(r.error.hint, '')
  assert.equal(r.error.code, '')
  await assert.rejects(Promise.resolve(sb.rpc('whoami').throwOnError()), /FetchError/)
})
