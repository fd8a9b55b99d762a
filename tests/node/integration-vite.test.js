'use strict'
// supabase-wechat/vite (integrations/vite.js), the plugin uni-app projects add to vite.config.js: on every
// build it writes the package's wasm into the mini-program output as supabase-wechat/<file>, where the WeChat
// loader looks (tests/node/wasm-location.test.js). Loaded from the built package through `exports`, as a
// vite.config.js imports it, and driven with Rollup's plugin context (emitFile / error). The real uni-app
// build is tests/frameworks/uniapp/.
// Run: bash scripts/build.sh && node --test tests/node/integration-vite.test.js
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { pathToFileURL } = require('node:url')

const { PKG } = require('./lib/project')

const FILE = 'supabase_wechat_bg.wasm.br'

// A project with the built package installed (symlinked) and nothing else.
function withProject(fn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-vite-'))
  fs.mkdirSync(path.join(dir, 'node_modules'))
  fs.symlinkSync(PKG, path.join(dir, 'node_modules', 'supabase-wechat'), 'dir')
  return Promise.resolve(fn(dir)).finally(() => fs.rmSync(dir, { recursive: true, force: true }))
}

// What Rollup hands a plugin hook as `this`, recording what the hook emits.
function pluginContext() {
  const emitted = []
  return {
    emitted,
    emitFile(f) {
      emitted.push(f)
      return 'ref' + emitted.length
    },
    error(msg) {
      throw new Error(typeof msg === 'string' ? msg : msg.message)
    },
  }
}

test('import supabaseWechat from "supabase-wechat/vite": a build plugin that emits the wasm as supabase-wechat/<file>', () =>
  withProject(async (dir) => {
    // vite.config.js is an ES module importing the CommonJS plugin (its default) or the named export.
    fs.writeFileSync(
      path.join(dir, 'probe.mjs'),
      "import supabaseWechat, { supabaseWechat as named } from 'supabase-wechat/vite'\nexport { supabaseWechat, named }\n",
    )
    const mod = await import(pathToFileURL(path.join(dir, 'probe.mjs')).href)
    assert.equal(typeof mod.supabaseWechat, 'function')
    assert.equal(mod.named, mod.supabaseWechat)
    const plugin = mod.supabaseWechat()
    assert.equal(plugin.name, 'supabase-wechat')
    assert.equal(plugin.apply, 'build')

    const ctx = pluginContext()
    plugin.generateBundle.call(ctx, { dir: path.join(dir, 'dist/build/mp-weixin') }, {})
    assert.deepEqual(
      ctx.emitted.map((f) => [f.type, f.fileName]),
      [['asset', `supabase-wechat/${FILE}`]],
    )
    assert.ok(
      ctx.emitted[0].source.equals(fs.readFileSync(path.join(PKG, 'miniprogram_dist', FILE))),
      'the package file, byte for byte',
    )

    // Each build emits again (a watching build, or a new package version after npm update).
    plugin.generateBundle.call(ctx, {}, {})
    assert.equal(ctx.emitted.length, 2)
  }))

test('a package without its wasm fails the build with what to do, instead of shipping an app that cannot load', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-vite-broken-'))
  try {
    fs.mkdirSync(path.join(dir, 'integrations'))
    fs.mkdirSync(path.join(dir, 'miniprogram_dist'))
    fs.copyFileSync(path.join(PKG, 'integrations', 'vite.js'), path.join(dir, 'integrations', 'vite.js'))
    const plugin = require(path.join(dir, 'integrations', 'vite.js'))()
    const ctx = pluginContext()
    assert.throws(
      () => plugin.generateBundle.call(ctx, {}, {}),
      /supabase-wechat\/vite: no \.wasm\.br in .*reinstall supabase-wechat/,
    )
    assert.equal(ctx.emitted.length, 0)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
