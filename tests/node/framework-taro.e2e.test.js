'use strict'
// The Taro fixture app (tests/frameworks/taro: Taro 3.6, React, webpack5, installed by scripts/install-tools.sh)
// built with the real `taro build --type weapp` (and once by Taro 4's vite runner, tests/frameworks/taro4-vite) and its output's logic layer run in the strict simulator against
// the local backend (issue 15): once on the SDK we replace (supabase-wechat-stable-v2 2.2.0, no plugin), once on
// ours after the swap docs/migration.md describes (package name + `plugins: ['supabase-wechat/taro']`). Same
// flows for both: sign in with WeChat, insert/select todos under RLS, upload, a realtime subscription; and a
// session the old build stored is restored by ours.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const { startBackend } = require('../../backend')
const { createSimulator } = require('../sim')
const { PKG, REPO } = require('./lib/project')
const e2e = require('./lib/e2e')

const FIXTURE = path.join(REPO, 'tests', 'frameworks', 'taro')
const MODULES = path.join(FIXTURE, 'node_modules')
// Taro 4 with its vite runner: the same app built with `compiler: 'vite'` by this toolchain.
const VITE_MODULES = path.join(REPO, 'tests', 'frameworks', 'taro4-vite', 'node_modules')

let be
let tmp
const sims = []
const builds = {}

// The fixture as a user's project, with the SDK `sdk` (`ours`: as committed; `old`: the package name and the plugin
// line swapped back; `noPlugin`: ours with the plugin line forgotten; `vite`: ours built by Taro 4's vite
// runner), built by Taro for weapp into <tmp>/<sdk>/dist. Returns the output folder.
function build(sdk) {
  const app = path.join(tmp, sdk)
  const modules = sdk === 'vite' ? VITE_MODULES : MODULES
  fs.cpSync(FIXTURE, app, {
    recursive: true,
    filter: (src) => !['node_modules', 'dist', '.swc', 'README.md'].includes(path.basename(src)),
  })
  fs.symlinkSync(modules, path.join(app, 'node_modules'), 'dir')
  const edit = (rel, from, to) => {
    const file = path.join(app, rel)
    const src = fs.readFileSync(file, 'utf8')
    assert.ok(src.includes(from), `${rel} has ${from}`)
    fs.writeFileSync(file, src.replace(from, to))
  }
  if (sdk === 'old') edit('src/lib/flow.js', "from 'supabase-wechat'", "from 'supabase-wechat-stable-v2'")
  if (sdk === 'old' || sdk === 'noPlugin') edit('config/index.js', "  plugins: ['supabase-wechat/taro'],\n", '')
  if (sdk === 'vite') edit('config/index.js', "compiler: 'webpack5'", "compiler: 'vite'")
  const env = { ...process.env, SUPABASE_URL: be.url, SUPABASE_ANON_KEY: be.anonKey, NODE_ENV: 'production' }
  execFileSync(path.join(modules, '.bin', 'taro'), ['build', '--type', 'weapp'], { cwd: app, env, stdio: 'pipe' })
  return path.join(app, 'dist')
}

function sim(sdk, openid) {
  const s = createSimulator({
    root: builds[sdk],
    wechatUrl: be.url + '/wechat',
    appid: be.wechat.appid,
    user: { openid, unionid: '' },
  })
  sims.push(s)
  return s
}

// Launches the build and opens its page; the page hands its flows over as getApp().$flow.
async function openApp(s) {
  const app = await s.launch()
  const page = await app.openPage('pages/index/index')
  await until(() => app.eval('!!getApp().$flow'))
  return { app, page }
}
const run = async (app, call) => JSON.parse(JSON.stringify(await app.eval('getApp().$flow.' + call)))
// Polls the async `pred` until it answers true (8 s at most).
async function until(pred, ms = 8000) {
  const end = Date.now() + ms
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}

before(async () => {
  be = await startBackend({ port: 0 })
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-taro-app-'))
  // Ours as `npm install <tarball>` puts it: a copy of the built package in each toolchain's node_modules (a
  // link would not do for vite, whose CommonJS plugin only converts modules under node_modules).
  for (const dir of [MODULES, VITE_MODULES]) {
    const to = path.join(dir, 'supabase-wechat')
    fs.rmSync(to, { force: true, recursive: true })
    fs.cpSync(PKG, to, { recursive: true, dereference: true })
  }
  builds.old = build('old')
  builds.ours = build('ours')
  builds.noPlugin = build('noPlugin')
  builds.vite = build('vite')
})

after(async () => {
  await e2e.closeAll({ sims, be })
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

test('the builds: ours (webpack5 and vite) have the wasm at /supabase-wechat/, byte for byte; the old SDK build has none and needs none', () => {
  const wasm = fs.readdirSync(path.join(PKG, 'miniprogram_dist')).filter((f) => f.endsWith('.wasm.br'))
  assert.deepEqual(wasm, ['supabase_wechat_bg.wasm.br'])
  for (const out of [builds.ours, builds.vite]) {
    assert.deepEqual(
      fs.readFileSync(path.join(out, 'supabase-wechat', wasm[0])),
      fs.readFileSync(path.join(PKG, 'miniprogram_dist', wasm[0])),
    )
  }
  assert.ok(!fs.existsSync(path.join(builds.old, 'supabase-wechat')))
  // Taro's webpack bundled the mini-program entry (`main`), not the browser bundle.
  const js = (dir) =>
    fs
      .readdirSync(dir, { recursive: true })
      .filter((f) => f.endsWith('.js'))
      .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
      .join('\n')
  for (const out of [js(builds.ours), js(builds.vite)]) {
    assert.match(out, /WXWebAssembly\.instantiate/)
    assert.doesNotMatch(out, /instantiateStreaming/)
  }
})

test('ours without the plugin line: no wasm in the output, and every call says what to add (zh and en)', async () => {
  assert.ok(!fs.existsSync(path.join(builds.noPlugin, 'supabase-wechat')))
  const { app } = await openApp(sim('noPlugin', 'o_taro_noplugin'))
  const { userId, error } = await run(app, 'signIn()')
  assert.equal(userId, null)
  assert.match(error, /Taro：在 config\/index\.js 的 plugins 里加 'supabase-wechat\/taro'/)
  assert.match(error, /Taro: add 'supabase-wechat\/taro' to plugins in config\/index\.js/)
  assert.match(error, /\/supabase-wechat\/supabase_wechat_bg\.wasm\.br/, 'it names the path it tried')
})

for (const sdk of ['old', 'ours', 'vite']) {
  test(`${sdk}: sign in with WeChat, todos under RLS, an upload, a realtime INSERT`, async () => {
    const a = await openApp(sim(sdk, `o_taro_${sdk}_a`))
    const b = await openApp(sim(sdk, `o_taro_${sdk}_b`))
    const signedA = await run(a.app, 'signIn()')
    const signedB = await run(b.app, 'signIn()')
    assert.equal(signedA.error, null)
    assert.equal(signedB.error, null)
    assert.notEqual(signedA.userId, signedB.userId)

    await a.app.eval('getApp().$flow.watchTodos()')
    await until(async () => (await run(a.app, 'statuses')).includes('SUBSCRIBED'))

    assert.deepEqual(await run(b.app, `addTodo('${sdk} b1')`), { error: null })
    assert.deepEqual(await run(a.app, `addTodo('${sdk} a1')`), { error: null })
    assert.deepEqual(await run(a.app, 'todos()'), { tasks: [`${sdk} a1`], error: null })
    assert.deepEqual(await run(b.app, 'todos()'), { tasks: [`${sdk} b1`], error: null })
    const { rows } = await be.db.query('select user_id::text from todos where task = $1', [`${sdk} a1`])
    assert.deepEqual(rows, [{ user_id: signedA.userId }])

    // a sees its own INSERT, not b's (RLS): b's was committed first, and changes arrive in commit order on a's
    // one socket, so once a's has arrived, b's would have too.
    await until(async () => (await run(a.app, 'events')).length > 0)
    assert.deepEqual(await run(a.app, 'events'), [`${sdk} a1`])

    const name = `taro-${sdk}-${Date.now()}.png`
    const up = await run(a.app, `upload('${name}')`)
    assert.equal(up.error, null)
    assert.equal(up.publicUrl, `${be.url}/storage/v1/object/public/avatar/${name}`)
    const res = await fetch(up.publicUrl)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'image/png')
  })
}

test("a session the old SDK's build stored is restored by ours after the swap", async () => {
  const oldSim = sim('old', 'o_taro_upgrade')
  const { app } = await openApp(oldSim)
  const signed = await run(app, 'signIn()')
  assert.equal(signed.error, null)
  // The same device after the update: WeChat keeps the app's storage.
  const newSim = sim('ours', 'o_taro_upgrade')
  for (const [k, v] of oldSim.storage) newSim.storage.set(k, v)
  oldSim.close()
  const upgraded = await openApp(newSim)
  assert.equal(await run(upgraded.app, 'currentUser()'), signed.userId)
  assert.deepEqual(await run(upgraded.app, `addTodo('after upgrade')`), { error: null })
  assert.deepEqual((await run(upgraded.app, 'todos()')).tasks, ['after upgrade'])
})
