'use strict'
// `supabase-wechat/taro` (issue 15): the Taro plugin that copies the wasm into the mini-program output
// on every build. Driven here with a fake plugin ctx shaped as @tarojs/service 3.6 / 4 hands it
// (ctx.onBuildFinish registers a hook; ctx.paths.outputPath is config.outputRoot resolved against the
// app; ctx.runOpts.options.platform is `--type`), and resolved the way Taro resolves plugin names.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { PKG } = require('./lib/project')

const WASM = fs.readdirSync(path.join(PKG, 'miniprogram_dist')).filter((f) => f.endsWith('.wasm.br'))

// A Taro app folder with the built package installed under node_modules (as `npm install` leaves it).
function app() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-taro-'))
  fs.mkdirSync(path.join(root, 'node_modules'))
  fs.symlinkSync(PKG, path.join(root, 'node_modules', 'supabase-wechat'), 'dir')
  return { root, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) }
}

// What @tarojs/service's Kernel gives a plugin, reduced to what the plugin uses.
function fakeCtx(root, platform) {
  const hooks = []
  return {
    hooks,
    ctx: {
      paths: { appPath: root, outputPath: path.join(root, 'dist') },
      runOpts: { options: { platform } },
      onBuildFinish: (fn) => hooks.push(fn),
    },
    finish: (opts) => {
      for (const fn of hooks) fn(Object.assign({ error: null, stats: {}, isWatch: false }, opts))
    },
  }
}

// Taro resolves `plugins: ['supabase-wechat/taro']` with resolve.sync from the app folder
// (@tarojs/service dist/utils/index.js resolvePresetsOrPlugins, 3.6.38 and 4.2.1), then
// getModuleDefaultExport(require(path)).
function resolveAsTaro(root) {
  const resolve = require('resolve')
  const file = resolve.sync('supabase-wechat/taro', { basedir: root, extensions: ['.js', '.ts'] })
  const mod = require(file)
  return mod.__esModule ? mod.default : mod
}

test('supabase-wechat/taro resolves as Taro resolves plugins, and through exports in Node', () => {
  const { root, cleanup } = app()
  try {
    const plugin = resolveAsTaro(root)
    assert.equal(typeof plugin, 'function')
    const viaExports = require.resolve('supabase-wechat/taro', { paths: [root] })
    assert.equal(fs.realpathSync(viaExports), path.join(PKG, 'integrations', 'taro.js'))
    assert.equal(require(viaExports), plugin)
  } finally {
    cleanup()
  }
})

test('a weapp build gets the package wasm, byte for byte, at <outputRoot>/supabase-wechat/', () => {
  const { root, cleanup } = app()
  try {
    assert.ok(WASM.length > 0)
    const { ctx, hooks, finish } = fakeCtx(root, 'weapp')
    resolveAsTaro(root)(ctx, { quiet: true })
    assert.equal(hooks.length, 1, 'one onBuildFinish hook')
    // Taro's webpack has written the output; nothing of the package's wasm is in it.
    fs.mkdirSync(path.join(root, 'dist'))
    fs.writeFileSync(path.join(root, 'dist', 'app.js'), '')
    finish()
    for (const f of WASM) {
      const copy = path.join(root, 'dist', 'supabase-wechat', f)
      assert.deepEqual(fs.readFileSync(copy), fs.readFileSync(path.join(PKG, 'miniprogram_dist', f)), f)
    }
    // A watch rebuild that cleaned the output gets the file again; a stale copy is replaced.
    fs.rmSync(path.join(root, 'dist'), { recursive: true })
    finish({ isWatch: true })
    assert.ok(fs.existsSync(path.join(root, 'dist', 'supabase-wechat', WASM[0])))
    fs.writeFileSync(path.join(root, 'dist', 'supabase-wechat', WASM[0]), 'stale')
    finish({ isWatch: true })
    assert.notEqual(fs.readFileSync(path.join(root, 'dist', 'supabase-wechat', WASM[0]), 'utf8'), 'stale')
  } finally {
    cleanup()
  }
})

test('a failed build, or an h5 build, is left alone', () => {
  const { root, cleanup } = app()
  try {
    const weapp = fakeCtx(root, 'weapp')
    resolveAsTaro(root)(weapp.ctx, { quiet: true })
    weapp.finish({ error: new Error('compile error') })
    assert.ok(!fs.existsSync(path.join(root, 'dist', 'supabase-wechat')))
    const h5 = fakeCtx(root, 'h5')
    resolveAsTaro(root)(h5.ctx, { quiet: true })
    h5.finish()
    assert.ok(!fs.existsSync(path.join(root, 'dist', 'supabase-wechat')))
  } finally {
    cleanup()
  }
})
