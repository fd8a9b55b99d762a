'use strict'
// Where the WeChat loader looks for the wasm (js-shim/platform/wechat/loader.js), through the built package
// in the strict simulator: options.wasmPath if given, then /miniprogram_npm/supabase-wechat/<file> (native
// projects after 构建 npm), then /supabase-wechat/<file> (uni-app and Taro builds, where supabase-wechat/vite
// and supabase-wechat/taro copy it). Only "file not found" moves on; when every place misses, the error says
// what to do in Chinese and English. A native project's load is one instantiate, as before.
// Run: bash scripts/build.sh && node --test tests/node/wasm-location.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const { clientProject } = require('./lib/project')

const FILE = 'supabase_wechat_bg.wasm.br'
const NPM = `/miniprogram_npm/supabase-wechat/${FILE}`
const FRAMEWORK = `/supabase-wechat/${FILE}`
const CUSTOM = '/static/sb.wasm.br'

let project
let wasm

before(async () => {
  project = await clientProject({
    url: 'http://127.0.0.1:9',
    key: 'anon',
    clients: { plain: {}, custom: { options: { wasmPath: CUSTOM } } },
  })
  wasm = fs.readFileSync(project.path(NPM))
})

after(() => project && project.cleanup())

// Puts the wasm at exactly `places` ({ path: bytes }) and nowhere else.
function layout(places) {
  for (const p of [NPM, FRAMEWORK, CUSTOM]) fs.rmSync(project.path(p), { force: true })
  for (const [p, bytes] of Object.entries(places)) {
    fs.mkdirSync(path.dirname(project.path(p)), { recursive: true })
    fs.writeFileSync(project.path(p), bytes)
  }
}

// A fresh app whose WXWebAssembly.instantiate records each path it is asked for, then getSession on `lib`.
async function load(lib) {
  const sim = project.simulator()
  const app = await sim.launch()
  await app.eval(`
    globalThis.__tried = []
    const inner = WXWebAssembly.instantiate
    WXWebAssembly.instantiate = function (p, imports) { __tried.push(p); return inner(p, imports) }
  `)
  const supabase = app.require(`lib/${lib}`)
  const res = await supabase.auth.getSession()
  const tried = Array.from(await app.eval('__tried'))
  const loads = sim.wasmLoads.map((l) => l.path)
  sim.close()
  return { res, tried, loads }
}

test('native project: the first place, /miniprogram_npm/supabase-wechat/, in one instantiate', async () => {
  layout({ [NPM]: wasm })
  const { res, tried, loads } = await load('plain')
  assert.equal(res.error, null)
  assert.deepEqual(tried, [NPM])
  assert.deepEqual(loads, [NPM])
})

test('framework build: the file at /supabase-wechat/ is found after the npm path misses', async () => {
  layout({ [FRAMEWORK]: wasm })
  const { res, tried, loads } = await load('plain')
  assert.equal(res.error, null)
  assert.deepEqual(tried, [NPM, FRAMEWORK])
  assert.deepEqual(loads, [FRAMEWORK])
})

test('wasmPath is tried first and, when it is there, alone', async () => {
  layout({ [CUSTOM]: wasm, [NPM]: wasm })
  const { res, tried, loads } = await load('custom')
  assert.equal(res.error, null)
  assert.deepEqual(tried, [CUSTOM])
  assert.deepEqual(loads, [CUSTOM])
})

test('a wasmPath that is not there falls through to the package and framework places', async () => {
  layout({ [FRAMEWORK]: wasm })
  const { res, tried, loads } = await load('custom')
  assert.equal(res.error, null)
  assert.deepEqual(tried, [CUSTOM, NPM, FRAMEWORK])
  assert.deepEqual(loads, [FRAMEWORK])
})

test('nowhere: the error names every place tried and both integrations, in Chinese and English', async () => {
  layout({})
  const { res, tried } = await load('custom')
  assert.deepEqual(tried, [CUSTOM, NPM, FRAMEWORK])
  assert.equal(res.data.session, null)
  const msg = res.error.message
  assert.match(msg, /^supabase-wechat: the wasm core failed to load: 找不到 supabase-wechat 的 wasm 文件/)
  const where = [CUSTOM, NPM, FRAMEWORK].join(', ')
  assert.ok(msg.includes(`（已尝试 ${where}）`), 'the places, in Chinese')
  assert.ok(msg.includes(`(tried ${where})`), 'the places, in English')
  assert.match(msg, /构建 npm/)
  assert.match(
    msg,
    /uni-app：在 vite\.config\.js 的 plugins 里加 `supabaseWechat\(\)`（import supabaseWechat from 'supabase-wechat\/vite'）/,
  )
  assert.match(msg, /Taro：在 config\/index\.js 的 plugins 里加 'supabase-wechat\/taro'/)
  assert.match(msg, /The supabase-wechat wasm file is not in the code package/)
  assert.match(
    msg,
    /uni-app: add `supabaseWechat\(\)` \(import supabaseWechat from 'supabase-wechat\/vite'\) to plugins in vite\.config\.js/,
  )
  assert.match(msg, /Taro: add 'supabase-wechat\/taro' to plugins in config\/index\.js/)
  assert.match(msg, /wasmPath/)
  assert.match(msg, /file not found in code package: \/supabase-wechat\/supabase_wechat_bg\.wasm\.br\)$/, 'the last cause')
})

test('only "file not found" moves on: a broken file at the npm path is the error, not skipped', async () => {
  layout({ [NPM]: Buffer.from('not brotli at all'), [FRAMEWORK]: wasm })
  const { res, tried, loads } = await load('plain')
  assert.deepEqual(tried, [NPM])
  assert.deepEqual(loads, [])
  assert.match(res.error.message, /brotli decode failed for \/miniprogram_npm\/supabase-wechat\/supabase_wechat_bg\.wasm\.br/)
})

test('without the core, each failed call gets its own empty data: changing one does not change the next', async () => {
  layout({})
  const sim = project.simulator()
  const app = await sim.launch()
  const supabase = app.require('lib/plain')
  const first = await supabase.auth.getSession()
  assert.deepEqual(JSON.parse(JSON.stringify(first.data)), { session: null })
  first.data.session = 'changed by the page'
  const second = await supabase.auth.getSession()
  sim.close()
  assert.ok(second.error, 'the core did not load')
  assert.notEqual(second.data, first.data)
  assert.equal(second.data.session, null)
})
