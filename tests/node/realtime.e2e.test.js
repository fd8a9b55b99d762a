'use strict'
// Realtime end to end: the built package in the strict simulator (wx.connectSocket with its 5-socket limit) against
// the local backend's /realtime/v1/websocket (backend/realtime.js): two WeChat users, each in their own simulator.
// "X did not receive" is decided after be.realtime.flush() and after X received a later event on the same socket.
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
  project = await clientProject({
    url: be.url,
    key: be.anonKey,
    clients: { supabase: {} },
    files: {
      // Page-side helpers: a channel whose events and statuses land in require('lib/rt.js').logs[name].
      'lib/rt.js': `const sb = require('./supabase')
const logs = {}
module.exports = function watch(name, setup, config) {
  const log = (logs[name] = { events: [], statuses: [] })
  const ch = sb.channel(name, config ? { config } : undefined)
  setup(ch, log)
  ch.subscribe((status, err) => log.statuses.push(err ? status + ': ' + err.message : status))
  return ch
}
module.exports.logs = logs`,
    },
  })
})

after(() => e2e.closeAll({ sims, project, be }))

let nextUser = 0
async function signedIn() {
  const { sim, app, sb, data } = await e2e.signedInUser(be, project, `o_rt_${++nextUser}`, sims)
  return { sim, app, sb, id: data.user.id, token: data.session.access_token }
}

const plain = (v) => JSON.parse(JSON.stringify(v))
const log = (app, name) => plain(app.require('lib/rt.js').logs[name] || { events: [], statuses: [] })
// watch(app, name, setupSource, config): the channel, its setup function compiled inside the app.
const watch = async (app, name, setup, config) => app.require('lib/rt.js')(name, await app.eval('(' + setup + ')'), config)
const until = (pred, ms = 8000) => e2e.waitFor(pred, ms)
const subscribedIn = (app, name) => until(() => log(app, name).statuses.includes('SUBSCRIBED'))
// Frames the app sent (the simulator's socket log), parsed.
const sent = (sim) => sim.sockets.log.filter((e) => e.op === 'send' && typeof e.data === 'string').map((e) => JSON.parse(e.data))

// Both users watch INSERTs on todos (own rows only under RLS) and profiles (everyone may read).
function watchTables(app, name) {
  return watch(
    app,
    name,
    `(ch, log) => ch
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'todos' }, (p) => log.events.push({ table: p.table, eventType: p.eventType, new: p.new }))
    .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'profiles' }, (p) => log.events.push({ table: p.table, eventType: p.eventType, new: p.new }))`,
  )
}

test('postgres_changes: a row inserted by one user reaches the other only if RLS lets them see it; one socket', async () => {
  const a = await signedIn()
  const b = await signedIn()
  await watchTables(a.app, 'db')
  await watchTables(b.app, 'db')
  await subscribedIn(a.app, 'db')
  await subscribedIn(b.app, 'db')
  // The join carried each user's token, not the anon key.
  const joinA = sent(a.sim).find((f) => f.event === 'phx_join')
  assert.equal(joinA.payload.access_token, a.token)
  assert.deepEqual(joinA.payload.config.postgres_changes, [
    { event: 'INSERT', schema: 'public', table: 'todos' },
    { event: 'INSERT', schema: 'public', table: 'profiles' },
  ])

  const todo = await a.sb.from('todos').insert({ task: 'private to A' }).select().single()
  assert.equal(todo.error, null)
  const prof = await a.sb.from('profiles').insert({ id: a.id, username: 'rt-alice' }).select().single()
  assert.equal(prof.error, null)
  await be.realtime.flush()
  // A sees both; B sees the profile (select policy: everyone) but not A's todo (own rows only).
  await until(() => log(a.app, 'db').events.length >= 2)
  await until(() => log(b.app, 'db').events.length >= 1)
  const ea = log(a.app, 'db').events
  const eb = log(b.app, 'db').events
  assert.deepEqual(
    ea.map((e) => e.table),
    ['todos', 'profiles'],
  )
  assert.equal(ea[0].new.task, 'private to A')
  assert.equal(ea[0].eventType, 'INSERT')
  assert.deepEqual(
    eb.map((e) => e.table),
    ['profiles'],
  )
  assert.equal(eb[0].new.username, 'rt-alice')
  // One socket per app, whatever the number of channels.
  assert.equal(a.sim.sockets.maxConcurrentSeen, 1)
  assert.equal(a.sim.sockets.live(), 1)
})

test('broadcast and presence between two users', async () => {
  const a = await signedIn()
  const b = await signedIn()
  const setup = `(ch, log) => ch
    .on('broadcast', { event: 'chat' }, (m) => log.events.push({ kind: 'broadcast', event: m.event, payload: m.payload }))
    .on('presence', { event: 'join' }, (p) => log.events.push({ kind: 'join', key: p.key }))
    .on('presence', { event: 'leave' }, (p) => log.events.push({ kind: 'leave', key: p.key }))
    .on('presence', { event: 'sync' }, () => log.events.push({ kind: 'sync' }))`
  const chA = await watch(a.app, 'room', setup, { broadcast: { ack: true }, presence: { key: 'alice' } })
  const chB = await watch(b.app, 'room', setup, { presence: { key: 'bob' } })
  await subscribedIn(a.app, 'room')
  await subscribedIn(b.app, 'room')

  assert.equal(await chA.track({ name: 'Alice' }), 'ok')
  assert.equal(await chB.track({ name: 'Bob' }), 'ok')
  await until(() => Object.keys(plain(chA.presenceState())).length === 2)
  await until(() => Object.keys(plain(chB.presenceState())).length === 2)
  const state = plain(chB.presenceState())
  assert.equal(state.alice[0].name, 'Alice')
  assert.equal(typeof state.alice[0].presence_ref, 'string')
  assert.ok(log(b.app, 'room').events.some((e) => e.kind === 'join' && e.key === 'alice'))
  assert.ok(log(b.app, 'room').events.some((e) => e.kind === 'sync'))

  // With ack the sender hears 'ok' from the server; without self it does not get its own message.
  assert.equal(await chA.send({ type: 'broadcast', event: 'chat', payload: { text: '你好' } }), 'ok')
  await until(() => log(b.app, 'room').events.some((e) => e.kind === 'broadcast'))
  const got = log(b.app, 'room').events.filter((e) => e.kind === 'broadcast')
  assert.deepEqual(got, [{ kind: 'broadcast', event: 'chat', payload: { text: '你好' } }])
  assert.equal(log(a.app, 'room').events.filter((e) => e.kind === 'broadcast').length, 0)

  assert.equal(await chA.untrack(), 'ok')
  await until(() => log(b.app, 'room').events.some((e) => e.kind === 'leave' && e.key === 'alice'))
  assert.deepEqual(Object.keys(plain(chB.presenceState())), ['bob'])
})

test('a dropped socket reconnects and rejoins every channel once: no duplicate, no lost subscription', async () => {
  const a = await signedIn()
  await watchTables(a.app, 'drop1')
  await watch(a.app, 'drop2', `(ch, log) => ch.on('broadcast', { event: '*' }, (m) => log.events.push(m.event))`)
  await subscribedIn(a.app, 'drop1')
  await subscribedIn(a.app, 'drop2')
  assert.equal(a.sim.sockets.dropAll(), 1)
  await until(() => log(a.app, 'drop1').statuses.filter((s) => s === 'SUBSCRIBED').length === 2)
  await until(() => log(a.app, 'drop2').statuses.filter((s) => s === 'SUBSCRIBED').length === 2)
  assert.deepEqual(
    log(a.app, 'drop1').statuses.map((s) => s.split(':')[0]),
    ['SUBSCRIBED', 'CHANNEL_ERROR', 'SUBSCRIBED'],
  )
  assert.equal(a.sim.sockets.log.filter((e) => e.op === 'connect').length, 2)
  assert.equal(a.sim.sockets.live(), 1)
  // Each channel joined exactly twice (once per socket).
  const joins = sent(a.sim).filter((f) => f.event === 'phx_join')
  assert.equal(joins.filter((f) => f.topic === 'realtime:drop1').length, 2)
  assert.equal(joins.filter((f) => f.topic === 'realtime:drop2').length, 2)
  // The server holds one channel per topic for this socket, and changes arrive exactly once.
  const stats = be.realtime.stats()
  assert.equal(stats.topics['realtime:drop1'], 1)
  await a.sb.from('todos').insert({ task: 'after the drop' })
  be.realtime.broadcast('drop2', 'ping', { n: 1 })
  await be.realtime.flush()
  await until(() => log(a.app, 'drop1').events.length >= 1 && log(a.app, 'drop2').events.length >= 1)
  await new Promise((r) => setTimeout(r, 300))
  assert.deepEqual(
    log(a.app, 'drop1').events.map((e) => e.new.task),
    ['after the drop'],
  )
  assert.deepEqual(log(a.app, 'drop2').events, ['ping'])
})

test('a token refresh is followed by an access_token push with the new token', async () => {
  const a = await signedIn()
  await watchTables(a.app, 'tok')
  await subscribedIn(a.app, 'tok')
  // JWTs carry whole seconds: a refresh in the same second could mint the same token.
  await new Promise((r) => setTimeout(r, 1100))
  const { data, error } = await a.sb.auth.refreshSession()
  assert.equal(error, null)
  const fresh = data.session.access_token
  assert.notEqual(fresh, a.token)
  await until(() => sent(a.sim).some((f) => f.event === 'access_token'))
  const pushes = sent(a.sim).filter((f) => f.event === 'access_token')
  assert.deepEqual(
    pushes.map((f) => [f.topic, f.payload.access_token]),
    [['realtime:tok', fresh]],
  )
  // The server accepted it: the channel is still open and delivers.
  await a.sb.from('todos').insert({ task: 'after refresh' })
  await until(() => log(a.app, 'tok').events.length >= 1)
  assert.equal(log(a.app, 'tok').statuses.at(-1), 'SUBSCRIBED')
})

test('after an app restart the restored session joins with the user token, never the anon key', async () => {
  const a = await signedIn()
  const app2 = await a.sim.restart()
  app2.require('lib/supabase')
  await watch(app2, 'restart', `(ch) => ch.on('postgres_changes', { event: '*', schema: 'public', table: 'todos' }, () => {})`)
  await subscribedIn(app2, 'restart')
  const joins = sent(a.sim).filter((f) => f.event === 'phx_join' && f.topic === 'realtime:restart')
  assert.equal(joins.length, 1)
  assert.equal(joins[0].payload.access_token, a.token)
})

test('removeAllChannels closes the socket with code 1000 and nothing reopens it (5 s later)', async () => {
  const a = await signedIn()
  await watchTables(a.app, 'gone1')
  await watch(a.app, 'gone2', `(ch) => ch.on('broadcast', { event: 'x' }, () => {})`)
  await subscribedIn(a.app, 'gone1')
  await subscribedIn(a.app, 'gone2')
  const results = plain(await a.sb.removeAllChannels())
  assert.deepEqual(results, ['ok', 'ok'])
  assert.equal(a.sb.getChannels().length, 0)
  await until(() => a.sim.sockets.live() === 0)
  const closes = a.sim.sockets.log.filter((e) => e.op === 'close')
  assert.deepEqual(
    closes.map((c) => [c.code, c.reason]),
    [[1000, '']],
  )
  a.sim.fireAppHide()
  a.sim.fireAppShow({ scene: 1001 })
  await new Promise((r) => setTimeout(r, 5000))
  assert.equal(a.sim.sockets.live(), 0)
  assert.equal(a.sim.sockets.log.filter((e) => e.op === 'connect').length, 1)
  assert.ok(log(a.app, 'gone1').statuses.includes('CLOSED'))
})

test('app hide pauses the heartbeat; a socket killed in the background is reopened on show', async () => {
  const a = await signedIn()
  a.sim.sockets.backgroundCloseAfter = 50
  await watch(a.app, 'bg', `(ch, log) => ch.on('broadcast', { event: '*' }, (m) => log.events.push(m.event))`)
  await subscribedIn(a.app, 'bg')
  a.sim.fireAppHide()
  await until(() => a.sim.sockets.live() === 0)
  await new Promise((r) => setTimeout(r, 1500))
  assert.equal(a.sim.sockets.log.filter((e) => e.op === 'connect').length, 1, 'no reconnect while hidden')
  a.sim.fireAppShow({ scene: 1001 })
  await until(() => log(a.app, 'bg').statuses.filter((s) => s === 'SUBSCRIBED').length === 2)
  be.realtime.broadcast('bg', 'back', {})
  await until(() => log(a.app, 'bg').events.includes('back'))
})
