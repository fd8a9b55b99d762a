'use strict'
// Options supabase-js reads that the package used to drop (issue 14), through the built package in the
// strict simulator against the local backend:
//   accessToken   third-party auth: its token is the Bearer of data requests (rpc whoami says whose),
//                 `supabase.auth.*` throws as supabase-js' Proxy does, no session is stored;
//   auth.debug    a function gets each auth call's begin/end and each event, never a token or a code;
//   auth.lock     accepted, never called (the core's single-flight refresh; debug says so);
//   realtime.params  the socket URL's query, as realtime-js appends its params (eventsPerSecond, …);
//   global.fetch  not usable in a mini-program: console.warn once.
// Run: bash scripts/build.sh && node --test tests/node/options.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')

const { startBackend } = require('../../backend')
const { clientProject } = require('./lib/project')
const { launchUser, wxLoginCode: wxCode, waitFor, closeAll } = require('./lib/e2e')

let be
let project
const sims = []

before(async () => {
  be = await startBackend({ port: 0, smsCooldown: 0 })
  project = await clientProject({
    url: be.url,
    key: be.anonKey,
    as: 'supabase',
    clients: {
      supabase: { options: {} },
      third: {
        setup: `let token = null
let calls = 0
const setToken = (t) => { token = t }
const tokenCalls = () => calls`,
        options: '{ accessToken: async () => { calls++; return token } }',
        exports: ['setToken', 'tokenCalls'],
      },
      debugged: {
        setup: `const lines = []
let locked = 0
const lock = async (name, timeout, fn) => { locked++; return fn() }
const lockCalls = () => locked`,
        options: '{ auth: { debug: (m) => lines.push(m), lock } }',
        exports: ['lines', 'lockCalls'],
      },
      params: { options: { realtime: { params: { eventsPerSecond: 10, region: 'cn-east' }, logLevel: 'info' } } },
      fetched: { options: '{ global: { fetch: () => Promise.reject(new Error("unused")) } }' },
      fetched2: { options: '{ global: { fetch: () => Promise.reject(new Error("unused")) } }' },
    },
  })
})

after(() => closeAll({ sims, project, be }))

const launch = (openid) => launchUser(be, project, openid, sims)

test('accessToken: the Bearer of data requests; supabase.auth throws as supabase-js; nothing stored', async () => {
  const { sim, app } = await launch('o_third_party')
  // A token from "elsewhere": a real user's access token.
  const signed = await app.require('lib/supabase').supabase.auth.signInWithWechat({ code: await wxCode(app) })
  assert.equal(signed.error, null)
  sim.storage.clear()
  const { supabase, setToken, tokenCalls } = app.require('lib/third')
  const anon = await supabase.rpc('whoami')
  assert.equal(anon.error, null, anon.error && anon.error.message)
  assert.equal(anon.data.role, 'anon', 'no token yet: the anon key, as supabase-js')
  setToken(signed.data.session.access_token)
  const me = await supabase.rpc('whoami')
  assert.equal(me.error, null)
  assert.equal(me.data.uid, signed.data.user.id, 'the request carried the accessToken')
  assert.ok(tokenCalls() >= 2, 'asked for every request')
  assert.throws(
    () => supabase.auth.getSession(),
    /Supabase Client is configured with the accessToken option, accessing supabase\.auth\.getSession is not possible/,
  )
  assert.equal(sim.storage.size, 0, 'no session of ours is stored')
})

test('auth.debug: steps and events, no token or code; auth.lock accepted and not called', async () => {
  const { app } = await launch('o_debug')
  const { supabase, lines, lockCalls } = app.require('lib/debugged')
  const code = await wxCode(app)
  supabase.auth.onAuthStateChange(() => {})
  const { data, error } = await supabase.auth.signInWithWechat({ code })
  assert.equal(error, null)
  await supabase.auth.signInWithPassword({ email: 'nobody@example.com', password: 'wrong-password' })
  await waitFor(() => lines.some((l) => l.startsWith('event SIGNED_IN')))
  assert.ok(lines.includes('#signInWithWechat() begin'), JSON.stringify(lines))
  assert.ok(lines.includes('#signInWithWechat() end'))
  assert.ok(lines.includes('#signInWithPassword() end: AuthApiError invalid_credentials 400'), JSON.stringify(lines))
  assert.ok(lines.some((l) => /auth\.lock is not used/.test(l)))
  const text = lines.join('\n')
  for (const secret of [data.session.access_token, data.session.refresh_token, code, 'wrong-password', be.anonKey])
    assert.ok(!text.includes(secret), 'leaked: ' + secret.slice(0, 8))
  assert.equal(lockCalls(), 0)
})

test('realtime.params and logLevel: the socket URL carries them, as realtime-js endPointURL', async () => {
  const { app } = await launch('o_rt_params')
  const { supabase } = app.require('lib/params')
  const status = []
  supabase.channel('room-params').subscribe((s) => status.push(s))
  await waitFor(() => be.requests.some((r) => r.upgrade && r.path.startsWith('/realtime/v1/websocket')))
  const up = be.requests.find((r) => r.upgrade && r.path.startsWith('/realtime/v1/websocket'))
  const q = new URLSearchParams(up.query)
  assert.equal(q.get('eventsPerSecond'), '10')
  assert.equal(q.get('region'), 'cn-east')
  assert.equal(q.get('log_level'), 'info')
  assert.equal(q.get('apikey'), be.anonKey)
  assert.equal(q.get('vsn'), '1.0.0')
  await waitFor(() => status.includes('SUBSCRIBED'))
})

test('global.fetch: a console.warn, once, and requests still go through wx.request', async () => {
  const { app } = await launch('o_fetch_opt')
  const { supabase } = app.require('lib/fetched')
  app.require('lib/fetched2')
  const warns = app.logs.filter((l) => l.level === 'warn' && /global\.fetch is not used/.test(l.args.join(' ')))
  assert.equal(warns.length, 1, 'once')
  const r = await supabase.rpc('whoami')
  assert.equal(r.error, null)
})
