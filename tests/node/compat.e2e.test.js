'use strict'
// Compatibility with the SDK we replace and supabase-js 2.x found by running real pages (issue 14): the built
// package in the strict simulator against the local backend (backend/).
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const e2e = require('./lib/e2e')

let be
let project
const sims = []

before(async () => {
  be = await startBackend({ port: 0 })
  project = await clientProject({
    url: be.url,
    key: be.anonKey,
    clients: { supabase: {} },
    files: {
      // getPublicUrl('' | undefined | null) at module load, before the wasm core has loaded (js-shim/public-url.js),
      // and after (the core): MemFire's chat template reads `data.publicUrl` unguarded for a user without an avatar.
      'lib/avatars.js': `
const sb = require('./supabase')
const urls = () => ['', undefined, null].map((p) => sb.storage.from('avatars').getPublicUrl(p))
// auth.initialize() resolves once the client's core has loaded.
let loaded = false
const ready = sb.auth.initialize().then((r) => { loaded = !r.error })
module.exports = { loaded, before: urls(), after: () => ready.then(() => ({ loaded, urls: urls() })) }
`,
    },
  })
})

after(() => e2e.closeAll({ sims, project, be }))

const plain = (v) => JSON.parse(JSON.stringify(v))
let nextUser = 0
async function signedIn() {
  const { sim, app, sb, data } = await e2e.signedInUser(be, project, `o_compat_${++nextUser}`, sims)
  return { sim, app, sb, id: data.user.id }
}

test("getPublicUrl('' | undefined | null) answers { data: { publicUrl } } before and after the core has loaded", async () => {
  const { app } = await e2e.launchUser(be, project, 'o_compat_avatars', sims)
  const m = app.require('lib/avatars')
  assert.equal(m.loaded, false, 'the first results came from the JS fallback')
  const after = await m.after()
  assert.equal(after.loaded, true)
  // storage-js 2.119 getPublicUrl(''): encodeURI(`${url}/object/public/${bucket}/`), never an error.
  const want = { data: { publicUrl: `${be.url}/storage/v1/object/public/avatars/` } }
  for (const r of [...m.before, ...after.urls]) assert.deepEqual(plain(r), want)
})

test('channel(name) twice with subscribe() on each: one channel, no throw, both callbacks, both events delivered', async () => {
  const a = await signedIn()
  const b = await signedIn()
  const got = []
  const statuses = []
  // As in MemFire's release notes: two parts of a page each take the same channel and subscribe.
  const one = a.sb
    .channel('compat-room')
    .on('broadcast', { event: 'x' }, (m) => got.push(['x', m.payload.n]))
    .subscribe((s) => statuses.push('one:' + s))
  const two = a.sb
    .channel('compat-room')
    .on('broadcast', { event: 'y' }, (m) => got.push(['y', m.payload.n]))
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'profiles' }, (p) => got.push(['db', p.new.username]))
    .subscribe((s) => statuses.push('two:' + s))
  assert.equal(one, two, 'realtime-js 2.x: the same topic gives the existing channel')
  assert.equal(a.sb.getChannels().length, 1)
  await e2e.waitFor(() => statuses.length === 2, 8000)
  assert.deepEqual(statuses.sort(), ['one:SUBSCRIBED', 'two:SUBSCRIBED'])
  // One join, with the postgres_changes binding of the second part.
  const joins = a.sim.sockets.log.filter((e) => e.op === 'send' && /"phx_join"/.test(e.data))
  assert.equal(joins.length, 1)
  // A third subscribe after the join: its callback hears SUBSCRIBED too.
  one.subscribe((s) => statuses.push('three:' + s))
  await e2e.waitFor(() => statuses.includes('three:SUBSCRIBED'))

  const sender = b.sb.channel('compat-room')
  let joined = false
  sender.subscribe((s) => {
    joined = joined || s === 'SUBSCRIBED'
  })
  await e2e.waitFor(() => joined, 8000)
  assert.equal(await sender.send({ type: 'broadcast', event: 'x', payload: { n: 1 } }), 'ok')
  assert.equal(await sender.send({ type: 'broadcast', event: 'y', payload: { n: 2 } }), 'ok')
  const name = 'compat-' + crypto.randomBytes(3).toString('hex')
  assert.equal((await b.sb.from('profiles').insert({ id: b.id, username: name })).error, null)
  await be.realtime.flush()
  await e2e.waitFor(() => got.length >= 3, 8000)
  assert.deepEqual(
    got.sort((p, q) => String(p[0]).localeCompare(q[0])),
    [
      ['db', name],
      ['x', 1],
      ['y', 2],
    ],
  )
  assert.equal(a.sim.sockets.live(), 1)
})

test("storage.from(b).remove('one/path') takes a single path as a string", async () => {
  const a = await signedIn()
  const bucket = 'compat-' + crypto.randomBytes(3).toString('hex')
  assert.equal((await a.sb.storage.createBucket(bucket)).error, null)
  const S = a.sb.storage.from(bucket)
  const body = await a.app.eval('new Uint8Array([1, 2, 3]).buffer')
  assert.equal((await S.upload('one/path.bin', body)).error, null)
  assert.equal((await S.upload('two.bin', body)).error, null)
  const r = await S.remove('one/path.bin')
  assert.equal(r.error, null)
  assert.deepEqual(plain(r.data.map((o) => o.name)), ['one/path.bin'])
  assert.equal((await S.exists('one/path.bin')).data, false)
  assert.equal((await S.exists('two.bin')).data, true, 'only the path given')
})

test('database results have the hidden data.data alias the migration guide promises (pages written for 2.0.x)', async () => {
  const a = await signedIn()
  assert.equal((await a.sb.from('todos').insert({ task: 'alias' })).error, null)
  const rows = await a.sb.from('todos').select('task').eq('task', 'alias')
  assert.equal(rows.error, null)
  assert.equal(rows.data.data, rows.data, 'const { data: { data } } = await supabase.from(t).select()')
  assert.equal(Array.isArray(rows.data), true)
  assert.deepEqual(Object.keys(rows.data), ['0'])
  assert.equal(JSON.stringify(rows.data), '[{"task":"alias"}]', 'hidden from JSON.stringify')
  const one = await a.sb.from('todos').select('task').eq('task', 'alias').single()
  assert.equal(one.data.data, one.data)
  assert.deepEqual(Object.keys(one.data), ['task'])
  // A row's own `data` column wins; no rows: null stays null.
  const none = await a.sb.from('todos').select('task').eq('task', 'none').maybeSingle()
  assert.equal(none.data, null)
})

test('every error has a message: empty bodies of PostgREST errors; a 404 with an empty body is postgrest-js 204', async () => {
  const a = await signedIn()
  // postgrest-js 2.x (PostgrestBuilder.ts, the workaround for postgrest-js#295): a 404 with an empty body is
  // `{ error: null, data: null, status: 204, statusText: 'No Content' }`, and so it is here.
  be.faults.add({ method: 'GET', path: '/rest/v1/*', fault: 'status', status: 404, body: '' })
  const gone = await a.sb.from('todos').select()
  assert.deepEqual(plain(gone), { error: null, data: null, count: null, status: 204, statusText: 'No Content', success: true })
  // Any other empty error body: postgrest-js' message would be '' (`{ message: body }`); ours never is.
  for (const status of [400, 401, 403, 409, 500, 502]) {
    be.faults.add({ method: 'GET', path: '/rest/v1/*', fault: 'status', status, body: '' })
    const r = await a.sb.from('todos').select()
    assert.equal(r.data, null)
    assert.equal(r.status, status)
    assert.equal(r.error.name, 'PostgrestError')
    assert.equal(typeof r.error.message, 'string')
    assert.ok(r.error.message.length > 0, status + ': ' + JSON.stringify(r.error.message))
  }
  be.faults.add({ method: 'POST', path: '/rest/v1/*', fault: 'status', status: 404, body: '' })
  const rpc = await a.sb.rpc('no_such_function')
  assert.ok(rpc.error === null || rpc.error.message.length > 0)
})

test('the REALTIME_* constants and RealtimePresence the SDK we replace exported, as realtime-js 2.119 has them', async () => {
  const { app } = await e2e.launchUser(be, project, 'o_compat_constants', sims)
  const sdk = app.require('supabase-wechat')
  const rt = require('@supabase/realtime-js')
  for (const name of [
    'REALTIME_LISTEN_TYPES',
    'REALTIME_POSTGRES_CHANGES_LISTEN_EVENT',
    'REALTIME_PRESENCE_LISTEN_EVENTS',
    'REALTIME_SUBSCRIBE_STATES',
    'REALTIME_CHANNEL_STATES',
  ]) {
    assert.deepEqual(plain(sdk[name]), plain(rt[name]), name)
  }
  assert.equal(typeof sdk.RealtimePresence, 'function')
  assert.equal(typeof sdk.RealtimeClient, 'function')
  assert.equal(typeof sdk.RealtimeChannel, 'function')
})

test('realtime.setAuth, disconnect, isConnected and connect', async () => {
  const a = await signedIn()
  const b = await signedIn()
  const statuses = []
  const got = []
  const ch = a.sb
    .channel('compat-conn')
    .on('broadcast', { event: 'm' }, (m) => got.push(m.payload.n))
    .on('presence', { event: 'sync' }, () => undefined)
    .subscribe((s) => statuses.push(s))
  assert.equal(a.sb.realtime.isConnected(), false)
  await e2e.waitFor(() => statuses.includes('SUBSCRIBED'), 8000)
  assert.equal(a.sb.realtime.isConnected(), true)
  const presence = new (a.app.require('supabase-wechat').RealtimePresence)(ch)
  assert.equal(await ch.track({ who: 'a' }), 'ok')
  await e2e.waitFor(() => Object.keys(plain(presence.state)).length === 1, 8000)

  // setAuth(token): an access_token push to the joined channel with that token; setAuth(): the session's again.
  const sentFrames = () =>
    a.sim.sockets.log.filter((e) => e.op === 'send' && typeof e.data === 'string').map((e) => JSON.parse(e.data))
  const { data } = await a.sb.auth.getSession()
  const other = (await b.sb.auth.getSession()).data.session.access_token
  assert.equal(await a.sb.realtime.setAuth(other), undefined)
  let pushes = sentFrames().filter((f) => f.event === 'access_token')
  assert.equal(pushes.at(-1).payload.access_token, other)
  await a.sb.realtime.setAuth()
  pushes = sentFrames().filter((f) => f.event === 'access_token')
  assert.equal(pushes.at(-1).payload.access_token, data.session.access_token)

  // disconnect(): the socket closes with that code, nothing reopens it; connect() rejoins and events flow again.
  assert.equal(await a.sb.realtime.disconnect(4001, 'page hidden'), 'ok')
  await e2e.waitFor(() => a.sim.sockets.live() === 0)
  assert.equal(a.sb.realtime.isConnected(), false)
  assert.ok(
    a.sim.sockets.log.some((e) => e.op === 'close' && e.code === 4001),
    JSON.stringify(a.sim.sockets.log.filter((e) => e.op === 'close')),
  )
  assert.equal(statuses.at(-1), 'CHANNEL_ERROR')
  await new Promise((r) => setTimeout(r, 1500)) // past the first reconnect delay (1 s): nothing reconnects
  assert.equal(a.sim.sockets.live(), 0)
  const opened = statuses.filter((s) => s === 'SUBSCRIBED').length
  a.sb.realtime.connect()
  await e2e.waitFor(() => statuses.filter((s) => s === 'SUBSCRIBED').length === opened + 1, 8000)
  assert.equal(a.sb.realtime.isConnected(), true)
  const sender = b.sb.channel('compat-conn')
  let joined = false
  sender.subscribe((s) => {
    joined = joined || s === 'SUBSCRIBED'
  })
  await e2e.waitFor(() => joined, 8000)
  assert.equal(await sender.send({ type: 'broadcast', event: 'm', payload: { n: 7 } }), 'ok')
  await e2e.waitFor(() => got.includes(7), 8000)
})

// supabase/storage src/http/routes/object/listObjectsV2.ts and src/storage/object.ts (backend/storage-list-v2.js).
test('storage listV2: pages with nextCursor, folders with with_delimiter, sortBy', async () => {
  const a = await signedIn()
  const bucket = 'lv2-' + crypto.randomBytes(3).toString('hex')
  assert.equal((await a.sb.storage.createBucket(bucket)).error, null)
  const S = a.sb.storage.from(bucket)
  const body = await a.app.eval('new Uint8Array([1]).buffer')
  for (const p of ['lv/a.txt', 'lv/b.txt', 'lv/c.txt', 'lv/sub/d.txt', 'lv/sub/e.txt', 'other.txt']) {
    assert.equal((await S.upload(p, body)).error, null, p)
  }
  const names = (d) => plain(d.objects.map((o) => o.name))
  // Without the delimiter: every object under the prefix, by name, two a page.
  const p1 = await S.listV2({ prefix: 'lv/', limit: 2 })
  assert.equal(p1.error, null)
  assert.deepEqual(names(p1.data), ['lv/a.txt', 'lv/b.txt'])
  assert.deepEqual(plain(p1.data.folders), [])
  assert.equal(p1.data.hasNext, true)
  assert.equal(typeof p1.data.nextCursor, 'string')
  assert.equal(typeof p1.data.objects[0].id, 'string')
  assert.equal(typeof p1.data.objects[0].created_at, 'string')
  const p2 = await S.listV2({ prefix: 'lv/', limit: 2, cursor: p1.data.nextCursor })
  assert.deepEqual(names(p2.data), ['lv/c.txt', 'lv/sub/d.txt'])
  const p3 = await S.listV2({ prefix: 'lv/', limit: 2, cursor: p2.data.nextCursor })
  assert.deepEqual(names(p3.data), ['lv/sub/e.txt'])
  assert.equal(p3.data.hasNext, false)
  assert.equal(p3.data.nextCursor, undefined)
  // With the delimiter: the folder once, the objects directly under the prefix with their key.
  const d = await S.listV2({ prefix: 'lv/', with_delimiter: true })
  assert.deepEqual(plain(d.data.folders), [{ id: null, name: 'lv/sub/' }])
  assert.deepEqual(names(d.data), ['lv/a.txt', 'lv/b.txt', 'lv/c.txt'])
  assert.deepEqual(plain(d.data.objects.map((o) => o.key)), ['a.txt', 'b.txt', 'c.txt'])
  const top = await S.listV2({ with_delimiter: true })
  assert.deepEqual(plain(top.data.folders), [{ id: null, name: 'lv/' }])
  assert.deepEqual(names(top.data), ['other.txt'])
  // sortBy, and no options at all.
  const desc = await S.listV2({ prefix: 'lv/', sortBy: { column: 'name', order: 'desc' }, limit: 1 })
  assert.deepEqual(names(desc.data), ['lv/sub/e.txt'])
  const next = await S.listV2({
    prefix: 'lv/',
    sortBy: { column: 'name', order: 'desc' },
    limit: 1,
    cursor: desc.data.nextCursor,
  })
  assert.deepEqual(names(next.data), ['lv/sub/d.txt'])
  assert.equal((await S.listV2()).data.objects.length, 6)
  // A server error is a StorageApiError; a bad bucket id fails before any request.
  const bad = await S.listV2({ cursor: '!!!' })
  assert.equal(bad.data, null)
  assert.equal(bad.error.name, 'StorageApiError')
  assert.match(bad.error.message, /continuation token/)
  assert.equal((await a.sb.storage.from('a/b').listV2()).error.name, 'StorageError')
})
