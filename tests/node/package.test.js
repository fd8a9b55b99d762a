'use strict'
// The installable package: what 构建 npm (miniprogram-ci packNpm) makes of it, and what it ships.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const zlib = require('node:zlib')
const { execFileSync } = require('node:child_process')
const { makeProject, PKG, REPO } = require('./lib/project')

// Every file under `dir`, as sorted '/'-separated relative paths.
function filesUnder(dir) {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) =>
      path
        .relative(dir, path.join(e.parentPath || e.path, e.name))
        .split(path.sep)
        .join('/'),
    )
    .sort()
}

test('packNpm installs the package as a mini-program npm package with the .wasm.br', async () => {
  const { root, pack, cleanup } = await makeProject()
  try {
    assert.equal(pack.stats.miniprogram_pack_num, 1, JSON.stringify(pack.stats))
    assert.equal(pack.stats.warn_not_found_num, 0)
    const dir = path.join(root, 'miniprogram_npm', 'supabase-wechat')
    const files = filesUnder(dir)
    assert.ok(files.includes('index.js'))
    assert.ok(files.includes('supabase_wechat_bg.wasm.br'))
    assert.ok(files.includes('platform/wechat/loader.js'), 'subdirectories are packed')
    assert.deepEqual(files, filesUnder(path.join(PKG, 'miniprogram_dist')))
    // The loader's default path is where packNpm put the wasm.
    const loader = fs.readFileSync(path.join(dir, 'platform', 'wechat', 'loader.js'), 'utf8')
    assert.match(loader, /'\/miniprogram_npm\/supabase-wechat\/supabase_wechat_bg\.wasm\.br'/)
  } finally {
    cleanup()
  }
})

test('package.json names the miniprogram folder and the version of the crate', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'))
  assert.equal(pkg.name, 'supabase-wechat')
  assert.equal(pkg.miniprogram, 'miniprogram_dist')
  const cargo = fs.readFileSync(path.join(REPO, 'Cargo.toml'), 'utf8')
  assert.equal(pkg.version, cargo.match(/^version = "(.*)"/m)[1])
})

test('the shipped wasm is MVP-only with no exported globals and a fixed initial memory', () => {
  const wasm = zlib.brotliDecompressSync(fs.readFileSync(path.join(PKG, 'miniprogram_dist', 'supabase_wechat_bg.wasm.br')))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-wasm-'))
  const tmp = path.join(dir, 'shipped.wasm')
  fs.writeFileSync(tmp, wasm)
  const out = execFileSync('node', [path.join(REPO, 'scripts', 'check-wasm.js'), tmp, String(4 * 1024 * 1024)], {
    encoding: 'utf8',
  })
  assert.match(out, /MVP-only/)
  // And the checker really rejects a non-MVP module (a sign-extension opcode).
  const signExt = Buffer.from('0061736d0100000001060160017f017f030201000a070105002000c00b', 'hex')
  fs.writeFileSync(tmp, signExt)
  assert.throws(() => execFileSync('node', [path.join(REPO, 'scripts', 'check-wasm.js'), tmp], { stdio: 'pipe' }), /sign|MVP/)
  fs.rmSync(dir, { recursive: true, force: true })
})

test('the shipped JS uses nothing the WeChat logic layer lacks', () => {
  const dir = path.join(PKG, 'miniprogram_dist')
  const js = filesUnder(dir).filter((f) => f.endsWith('.js'))
  assert.ok(
    js.some((f) => f.includes('/')),
    'the check covers the subdirectories',
  )
  for (const f of js) {
    const src = fs.readFileSync(path.join(dir, f), 'utf8')
    for (const bad of [
      /(^|[^X])WebAssembly\./,
      /(?<![.\w]|function )fetch\(/,
      /new URL\(/,
      /URLSearchParams/,
      /\bprocess\./,
      /\bBuffer\b/,
      /\bwindow\./,
      /\bdocument\./,
      /import\.meta/,
      /__dirname/,
    ]) {
      assert.doesNotMatch(src, bad, `${f} uses ${bad}`)
    }
    // Relative requires only, each naming a file of the package with its `.js` (no directory
    // index, no extension left for the runtime to guess), inside the package.
    for (const m of src.matchAll(/require\(([^)]*)\)/g)) {
      assert.match(m[1], /^'\.\.?\/[^']*\.js'$/, `${f}: only relative requires of .js files (${m[0]})`)
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), m[1].slice(1, -1)))
      assert.ok(!target.startsWith('..') && js.includes(target), `${f}: ${m[0]} names no file of the package`)
    }
  }
})

test('the mini-program package has no browser code; the browser bundle no WeChat adapter', () => {
  const files = filesUnder(path.join(PKG, 'miniprogram_dist'))
  assert.deepEqual(
    files.filter((f) => f.startsWith('platform/browser/')),
    [],
  )
  const bundle = fs.readFileSync(path.join(PKG, 'browser', 'supabase-wechat.js'), 'utf8')
  const modules = [...bundle.matchAll(/^"([^"]+)": function \(module, exports, require\) \{$/gm)].map((m) => m[1])
  assert.ok(modules.includes('platform/browser/entry.js') && modules.includes('driver.js'), modules.join(' '))
  assert.deepEqual(
    modules.filter((m) => m.startsWith('platform/wechat/')),
    [],
  )
})
