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

test('the shipped wasm is MVP-only with no exported globals, a fixed initial memory and no source paths', () => {
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
  // Or one whose data holds a Rust source path (a panic Location, which the build's immediate-abort removes).
  const path_ = Buffer.from('src/realtime/push.rs')
  const data = Buffer.concat([Buffer.from([1, 0, 0x41, 0, 0x0b, path_.length]), path_])
  const withPath = Buffer.concat([Buffer.from('0061736d010000000503010001', 'hex'), Buffer.from([11, data.length]), data])
  fs.writeFileSync(tmp, withPath)
  assert.throws(
    () => execFileSync('node', [path.join(REPO, 'scripts', 'check-wasm.js'), tmp], { stdio: 'pipe' }),
    /source paths.*src\/realtime\/push\.rs/,
  )
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

// The tarball users install (`npm pack` of dist/supabase-wechat): its files, README and LICENSE, and every
// entry package.json names (main, miniprogram, browser, exports, types) inside it (issue 14).
test('npm pack: the tarball holds the two entries, README and LICENSE, and every path package.json names', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'))
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-pack-'))
  try {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: PKG, encoding: 'utf8' })
    const tgz = path.join(dir, JSON.parse(out)[0].filename)
    const listed = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l && !l.endsWith('/'))
      .map((l) => l.replace(/^package\//, ''))
      .sort()
    const expected = [
      'LICENSE',
      'README.md',
      'browser/supabase-wechat.js',
      'browser/supabase_wechat_bg.wasm',
      'package.json',
      // The root taro.js Taro's plugin resolution finds (issue 15).
      'taro.js',
      ...filesUnder(path.join(PKG, 'miniprogram_dist')).map((f) => 'miniprogram_dist/' + f),
      ...(pkg.types ? filesUnder(path.join(PKG, 'types')).map((f) => 'types/' + f) : []),
      ...filesUnder(path.join(PKG, 'integrations')).map((f) => 'integrations/' + f),
    ].sort()
    assert.ok(listed.includes('integrations/vite.js'), 'supabase-wechat/vite is packed')
    assert.deepEqual(listed, expected)
    assert.ok(!listed.some((f) => /\.(map|rs|ts)$/.test(f) && !f.endsWith('.d.ts')), 'no sources or source maps')
    const license = execFileSync('tar', ['-xOzf', tgz, 'package/LICENSE'], { encoding: 'utf8' })
    assert.match(license, /^MIT License/)
    assert.equal(pkg.license, 'MIT')
    const readme = execFileSync('tar', ['-xOzf', tgz, 'package/README.md'], { encoding: 'utf8' })
    assert.match(readme, /构建 npm/)
    assert.match(readme, /supabase-wechat\/browser/)

    // Every path package.json names is in the tarball.
    const named = [pkg.main, pkg.miniprogram + '/index.js']
    const walk = (v) => (typeof v === 'string' ? named.push(v) : Object.values(v).forEach(walk))
    walk(pkg.exports)
    if (pkg.types) named.push(pkg.types)
    for (const p of named) assert.ok(listed.includes(p.replace(/^\.\//, '')), `${p} is in the tarball`)
    // The entries: the mini-program one as `supabase-wechat`, the browser bundle as `supabase-wechat/browser`.
    const entry = (e) => (typeof e === 'string' ? e : e.default)
    assert.equal(entry(pkg.exports['.']), './miniprogram_dist/index.js')
    assert.equal(entry(pkg.exports['./browser']), './browser/supabase-wechat.js')
    assert.equal(entry(pkg.exports['./taro']), './integrations/taro.js')
    assert.equal(entry(pkg.exports['./vite']), './integrations/vite.js')
    // No `browser` field: mini-program bundlers (Taro, uni-app) would pick the browser bundle.
    assert.equal(pkg.browser, undefined)
    if (pkg.types) {
      assert.equal(Object.keys(pkg.exports['.'])[0], 'types', 'types first, as TypeScript reads conditions in order')
      assert.equal(Object.keys(pkg.exports['./browser'])[0], 'types')
    }
    // Only the browser bundle (a <script> sets window.supabaseWechat) has a side effect.
    assert.deepEqual(pkg.sideEffects, ['./browser/supabase-wechat.js'])
    assert.equal(pkg.engines.node, '>=18')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('Node resolves supabase-wechat and supabase-wechat/browser through exports to the built files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-resolve-'))
  try {
    fs.mkdirSync(path.join(dir, 'node_modules'))
    fs.symlinkSync(PKG, path.join(dir, 'node_modules', 'supabase-wechat'), 'dir')
    const resolve = (id) =>
      execFileSync('node', ['-p', `require.resolve(${JSON.stringify(id)})`], { cwd: dir, encoding: 'utf8', stdio: 'pipe' }).trim()
    assert.equal(fs.realpathSync(resolve('supabase-wechat')), path.join(PKG, 'miniprogram_dist', 'index.js'))
    assert.equal(fs.realpathSync(resolve('supabase-wechat/browser')), path.join(PKG, 'browser', 'supabase-wechat.js'))
    assert.equal(fs.realpathSync(resolve('supabase-wechat/taro')), path.join(PKG, 'integrations', 'taro.js'))
    assert.equal(fs.realpathSync(resolve('supabase-wechat/vite')), path.join(PKG, 'integrations', 'vite.js'))
    assert.throws(
      () => resolve('supabase-wechat/miniprogram_dist/driver.js'),
      /ERR_PACKAGE_PATH_NOT_EXPORTED|not defined by "exports"/,
    )
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
