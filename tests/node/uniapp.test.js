'use strict'
// A real uni-app (vue3 + vite) build for mp-weixin, run in the strict simulator against the local backend
// (issue 15). tests/frameworks/uniapp/ is a small app (sign in with WeChat, from('todos') select/insert under
// RLS, an upload, a realtime subscription) with its toolchain pinned in its own package.json + lock
// (installed by scripts/install-tools.sh). Built twice, as README.md's uni-app section says:
//   - with the SDK we replace (supabase-wechat-stable-v2 2.2.0): no vite plugin;
//   - with ours: the import renamed to 'supabase-wechat' and supabaseWechat() (supabase-wechat/vite) added
//     to vite.config.js, which copies the wasm to dist/build/mp-weixin/supabase-wechat/.
// Both run the same flows; the session the old build stored is restored by ours after the swap.
// Run: bash scripts/build.sh && node --test tests/node/uniapp.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const { startBackend } = require('../../backend')
const { createSimulator } = require('../sim')
const { PKG, ANCHOR, REPO } = require('./lib/project')

const FIXTURE = path.join(REPO, 'tests', 'frameworks', 'uniapp')
const WASM = 'supabase-wechat/supabase_wechat_bg.wasm.br'

let be
let dir
const sims = []

// A copy of the fixture whose node_modules links the fixture's installed toolchain, with `sdk` copied in
// (copied, not linked: Vite's CommonJS transform only takes files under a node_modules path).
function project() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-uniapp-'))
  for (const f of ['src', 'vite.config.js', 'package.json'])
    fs.cpSync(path.join(FIXTURE, f), path.join(d, f), { recursive: true })
  const nm = path.join(FIXTURE, 'node_modules')
  if (!fs.existsSync(path.join(nm, '.bin', 'uni')))
    throw new Error('tests/frameworks/uniapp is not installed: run scripts/install-tools.sh')
  fs.mkdirSync(path.join(d, 'node_modules'))
  for (const e of fs.readdirSync(nm)) {
    if (e.startsWith('@')) {
      fs.mkdirSync(path.join(d, 'node_modules', e))
      for (const s of fs.readdirSync(path.join(nm, e))) fs.symlinkSync(path.join(nm, e, s), path.join(d, 'node_modules', e, s))
    } else fs.symlinkSync(path.join(nm, e), path.join(d, 'node_modules', e))
  }
  fs.writeFileSync(
    path.join(d, 'src', 'lib', 'config.js'),
    `export default { url: ${JSON.stringify(be.url)}, anonKey: ${JSON.stringify(be.anonKey)} }\n`,
  )
  return d
}

// Builds `d` for mp-weixin with `sdk` (OURS: as the fixture is; ANCHOR: the package name and the plugin
// line swapped back to what a project on the old SDK has). Returns the output root.
function build(d, sdk) {
  fs.rmSync(path.join(d, 'node_modules', 'supabase-wechat'), { recursive: true, force: true })
  fs.rmSync(path.join(d, 'node_modules', ANCHOR.name), { recursive: true, force: true })
  const lib = path.join(d, 'src', 'lib', 'supabase.js')
  const config = path.join(d, 'vite.config.js')
  const fixtureLib = fs.readFileSync(path.join(FIXTURE, 'src', 'lib', 'supabase.js'), 'utf8')
  const fixtureConfig = fs.readFileSync(path.join(FIXTURE, 'vite.config.js'), 'utf8')
  if (sdk === 'ours') {
    fs.cpSync(PKG, path.join(d, 'node_modules', 'supabase-wechat'), { recursive: true, dereference: true })
    fs.writeFileSync(lib, fixtureLib)
    fs.writeFileSync(config, fixtureConfig)
  } else {
    fs.cpSync(ANCHOR.dir, path.join(d, 'node_modules', ANCHOR.name), { recursive: true, dereference: true })
    fs.writeFileSync(lib, fixtureLib.replace("from 'supabase-wechat'", `from '${ANCHOR.name}'`))
    fs.writeFileSync(
      config,
      fixtureConfig.replace("import supabaseWechat from 'supabase-wechat/vite'\n", '').replace(', supabaseWechat()', ''),
    )
  }
  execFileSync(path.join(d, 'node_modules', '.bin', 'uni'), ['build', '-p', 'mp-weixin'], { cwd: d, stdio: 'pipe' })
  return path.join(d, 'dist', 'build', 'mp-weixin')
}

function userSim(root, openid) {
  const sim = createSimulator({ root, wechatUrl: be.url + '/wechat', appid: be.wechat.appid, user: { openid, unionid: '' } })
  sims.push(sim)
  return sim
}

// The page's Vue instance (uni-app mounts it on the Component() page as $vm) and the page.
async function openIndex(app) {
  const page = await app.openPage('pages/index/index')
  assert.ok(page.$vm, 'uni-app mounted the page: ' + JSON.stringify(app.logs.filter((l) => l.level === 'error')))
  return page.$vm
}

async function flows(app, label) {
  const vm = await openIndex(app)
  const signed = await vm.signIn()
  assert.equal(signed.error, undefined, label)
  const { rows } = await be.db.query('select id::text from auth.users where id = $1', [signed.userId])
  assert.equal(rows.length, 1)

  assert.equal(await vm.subscribe(), 'SUBSCRIBED')
  const added = await vm.addTodo(`${label} todo`)
  assert.equal(added.error, undefined, label)
  assert.equal(added.todo.user_id, signed.userId, 'user_id defaults to auth.uid() (RLS)')
  const listed = await vm.loadTodos()
  assert.deepEqual(
    Array.from(listed.todos, (t) => [t.task, t.user_id]),
    [[`${label} todo`, signed.userId]],
    'only the own rows (RLS)',
  )
  await app.waitFor(() => vm.events.length === 1, 5000)
  assert.deepEqual(Array.from(vm.events), [`${label} todo`], 'the realtime INSERT')

  const up = await vm.upload()
  assert.equal(up.error, undefined, label)
  const res = await fetch(up.publicUrl)
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-type'), 'image/png')
  return signed.userId
}

before(async () => {
  be = await startBackend({ port: 0 })
  dir = project()
})

after(async () => {
  for (const s of sims) s.close()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
  if (be) await be.stop()
})

test('the SDK we replace: builds (no wasm), signs in, select/insert under RLS, realtime, upload; then ours restores its session', async () => {
  const root = build(dir, 'anchor')
  assert.equal(fs.existsSync(path.join(root, WASM)), false)
  const sim = userSim(root, 'o_uniapp_old')
  const userId = await flows(await sim.launch(), 'old')

  // The swap: package name + supabaseWechat(), rebuilt into the same output; the stored session stays.
  build(dir, 'ours')
  assert.ok(fs.existsSync(path.join(root, WASM)), 'supabaseWechat() copied the wasm into the build')
  const app = sim.restart()
  const vm = await openIndex(await app)
  await (await app).waitFor(() => vm.restored !== null, 5000)
  assert.equal(vm.restored, userId, "ours restored the old SDK's session")
  const listed = await vm.loadTodos()
  assert.deepEqual(
    Array.from(listed.todos, (t) => t.task),
    ['old todo'],
    'and the restored token reads the rows',
  )
  assert.deepEqual(
    sim.wasmLoads.map((l) => l.path),
    ['/' + WASM],
  )
})

test('ours: the wasm arrives by the plugin and the same flows pass', async () => {
  const root = build(dir, 'ours')
  assert.ok(
    fs
      .readFileSync(path.join(root, WASM))
      .equals(fs.readFileSync(path.join(PKG, 'miniprogram_dist', 'supabase_wechat_bg.wasm.br'))),
  )
  // uni-app's default project.config.json (manifest.json sets no es6/enhance): the sim reads the output's, as
  // DevTools does, and compiles every file with it — common/vendor.js included (tests/frameworks/uniapp/README.md)
  const setting = JSON.parse(fs.readFileSync(path.join(root, 'project.config.json'), 'utf8')).setting
  assert.deepEqual([setting.es6, setting.enhance, setting.minified], [true, undefined, false])
  const sim = userSim(root, 'o_uniapp_new')
  assert.equal(sim.compiler.mode, 'es6')
  await flows(await sim.launch(), 'new')
  assert.ok(sim.compiler.compiled.includes('common/vendor.js'), sim.compiler.compiled.join())
  assert.deepEqual(
    sim.wasmLoads.map((l) => l.path),
    ['/' + WASM],
  )
})
