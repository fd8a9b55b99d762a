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

test('packNpm installs the package as a mini-program npm package with the .wasm.br', async () => {
  const { root, pack, cleanup } = await makeProject()
  try {
    assert.equal(pack.stats.miniprogram_pack_num, 1, JSON.stringify(pack.stats))
    assert.equal(pack.stats.warn_not_found_num, 0)
    const dir = path.join(root, 'miniprogram_npm', 'supabase-wechat')
    const files = fs.readdirSync(dir).sort()
    assert.ok(files.includes('index.js'))
    assert.ok(files.includes('supabase_wechat_bg.wasm.br'))
    assert.deepEqual(files, fs.readdirSync(path.join(PKG, 'miniprogram_dist')).sort())
    // The loader's default path is where packNpm put the wasm.
    const loader = fs.readFileSync(path.join(dir, 'loader.js'), 'utf8')
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
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.js'))) {
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
    for (const m of src.matchAll(/require\(([^)]*)\)/g)) assert.match(m[1], /^'\.\//, `${f}: only relative requires (${m[0]})`)
  }
})
