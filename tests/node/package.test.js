'use strict'
// The installable package: what 构建 npm (miniprogram-ci packNpm) makes of it, and what it ships.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const zlib = require('node:zlib')
const { execFileSync } = require('node:child_process')
const { createRequire, SourceMap } = require('node:module')
const { clientProject, makeProject, PKG, REPO } = require('./lib/project')

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

// The mini-program entry is one file (scripts/bundle-miniprogram.js): index.js, its source map beside
// it (not counted in the code package: WeChat uploads no .map), and the wasm.
const MP_FILES = ['index.js', 'index.js.map', 'supabase_wechat_bg.wasm.br']

test('packNpm installs the package as a mini-program npm package: one index.js, its map and the .wasm.br', async () => {
  const { root, pack, cleanup } = await makeProject()
  try {
    assert.equal(pack.stats.miniprogram_pack_num, 1, JSON.stringify(pack.stats))
    assert.equal(pack.stats.warn_not_found_num, 0)
    const dir = path.join(root, 'miniprogram_npm', 'supabase-wechat')
    assert.deepEqual(filesUnder(path.join(PKG, 'miniprogram_dist')), MP_FILES)
    assert.deepEqual(filesUnder(dir), MP_FILES)
    // The loader's default path is where packNpm put the wasm.
    const index = fs.readFileSync(path.join(dir, 'index.js'), 'utf8')
    assert.ok(index.includes('"/miniprogram_npm/supabase-wechat/supabase_wechat_bg.wasm.br"'))
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

test('the shipped JS uses nothing the WeChat logic layer lacks, in ES2015 syntax, and requires nothing', () => {
  const dir = path.join(PKG, 'miniprogram_dist')
  const js = filesUnder(dir).filter((f) => f.endsWith('.js'))
  assert.deepEqual(js, ['index.js'], 'one file')
  const src = fs.readFileSync(path.join(dir, 'index.js'), 'utf8')
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
    assert.doesNotMatch(src, bad, `index.js uses ${bad}`)
  }
  // Self-contained: no require of any file (nor one a bundler or packNpm's analysis would try to follow).
  assert.doesNotMatch(src, /\brequire\b/)
  // ES2015, what the logic layer parses without DevTools' "将JS编译成ES5" (the sources have ES2017 trailing
  // commas in calls; the minifier writes none). acorn as miniprogram-ci's packNpm parses JS with it.
  const acorn = createRequire(require.resolve('miniprogram-ci/package.json'))('acorn')
  assert.doesNotThrow(() => acorn.parse(src, { ecmaVersion: 2015, sourceType: 'script' }))
  assert.throws(() => acorn.parse('f(a, b,)', { ecmaVersion: 2015 }), /Unexpected token/, 'the parse is strict')
})

// scripts/bundle-miniprogram.js gives the shim's private members (`_name`) short names; the names a page,
// the core or another copy of auth-js / storage-js reads stay: the glue's `__wbg_ptr`, the error guards'
// `__isAuthError` / `__isStorageError`, and every public method (the e2e tests call them in the bundle).
test('the bundle shortens the private member names and keeps the public ones', () => {
  const src = fs.readFileSync(path.join(PKG, 'miniprogram_dist', 'index.js'), 'utf8')
  for (const name of ['_driver', '_op', '_invoke', '_ops', '_schema', '_start', '_chain']) {
    assert.doesNotMatch(src, new RegExp(`\\.${name}\\b`), name)
  }
  for (const name of ['__wbg_ptr', '__isAuthError', '__isStorageError', 'getSession', 'throwOnError', 'abortSignal']) {
    assert.match(src, new RegExp(`\\b${name}\\b`), name)
  }
})

// The bundle's module table is a function called where it is written: unparenthesised, V8 pre-parses
// its whole body (every module) as a lazy function, then parses it again when the call runs it
// (`parse-function` of ~56 KB at require). Parenthesised (terser's wrap_iife), it is parsed once. The file
// is evaluated as WeChat's app-service does, wrapped in a function passed as an argument (lazy).
test('require parses the bundle once: the module table is not compiled again on its call', () => {
  const file = path.join(PKG, 'miniprogram_dist', 'index.js')
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-parse-')), 'v8.log')
  const child = `const vm = require('node:vm')
const src = require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8')
globalThis.wx = { getStorageSync() { return '' }, setStorageSync() {}, onAppShow() {}, onAppHide() {} }
globalThis.WXWebAssembly = { instantiate: () => new Promise(() => {}) }
const define = (name, fn) => fn
const fn = vm.runInThisContext('define("index.js", function (require, module, exports) {' + src + '\\n})', { filename: 'app-service.js' })
const m = { exports: {} }
fn(require, m, m.exports)
m.exports.createClient('https://abcdefghij.baseapi.memfiredb.com', 'anon', {})
process.exit(0)`
  execFileSync(process.execPath, ['--log-function-events', `--logfile=${log}`, '--no-logfile-per-isolate', '-e', child])
  const events = fs.readFileSync(log, 'utf8').split('\n')
  // `function,parse-function,<script>,<start>,<end>,<ms>,<timestamp>,<name>`: functions compiled on first call.
  const lazy = events.filter((l) => l.startsWith('function,parse-function,')).map((l) => l.split(','))
  const script = events.find((l) => l.startsWith('script-details,') && l.includes('app-service.js'))
  assert.ok(script, 'the log names the evaluated file')
  const id = script.split(',')[1]
  const ours = lazy.filter((f) => f[2] === id)
  assert.ok(ours.length > 10, `the start-up modules are compiled on their first call (${ours.length})`)
  // The file's own body (the function given to define) is compiled when it is first required, as in
  // WeChat; the module table inside it must not be a second such function.
  const whole = ours.map((f) => Number(f[4]) - Number(f[3])).filter((n) => n > 20_000)
  assert.deepEqual(whole.length, 1, `functions of the whole file's size compiled on their first call: ${whole}`)
  fs.rmSync(path.dirname(log), { recursive: true, force: true })
})

// scripts/patch-glue.js drops from wasm-bindgen's glue what the shim never reaches: Core#free (the
// FinalizationRegistry frees a collected client's Core), the try/catch that frees the strings passed so
// far when a later one throws (the shim passes strings only), and the allocator arguments of every string
// passed (read once, inside passStringToWasm0). Before: 17 reads of each allocator, 2 of the core's free.
// And the wasm's imports, their module and its exports have one-letter names (scripts/build.sh), which the
// glue uses: no `wasm.core_handleDataResponse`, no hashed `__wbg_apply_68232c676b917d83` import key.
test("the bundle's glue keeps only what the shim reaches, under the wasm's short names", () => {
  const src = fs.readFileSync(path.join(PKG, 'miniprogram_dist', 'index.js'), 'utf8')
  assert.doesNotMatch(src, /Symbol\.dispose|\bfree\(\)\{/, 'no Core#free')
  assert.doesNotMatch(src, /\.detached\b/, "the cached DataView compared with the memory's buffer only")
  assert.deepEqual(src.match(/__wbindgen\w*|__wbg_(?!ptr\b)\w*|core_\w+|supabase_wechat_bg\.js/g), null)
  const wasm = zlib.brotliDecompressSync(fs.readFileSync(path.join(PKG, 'miniprogram_dist', 'supabase_wechat_bg.wasm.br')))
  const module = new WebAssembly.Module(wasm)
  const names = [...WebAssembly.Module.imports(module), ...WebAssembly.Module.exports(module)]
  for (const i of names) assert.match(`${i.module || 'a'}.${i.name}`, /^[a-z]\.[a-zA-Z$]{1,2}$/, JSON.stringify(i))
  assert.ok(names.length >= 20, names.length)
})

// The methods the shim defines from tables (postgrest.js' FILTERS, storage-api.js' FILE_CALLS and
// BUCKET_CALLS, auth.js' PASS_THROUGH) look like class methods in the bundle: not enumerable, and for the
// first three, as the class methods they replaced were, their own name and no prototype.
test("the bundle's table-made methods are methods", () => {
  const api = require(path.join(PKG, 'miniprogram_dist', 'index.js'))
  const platform = { store: () => ({ get: () => null, set: () => {}, remove: () => {} }), loadCore: () => new Promise(() => {}) }
  const client = api.createClient('https://x.example', 'anon', { platform })
  const protos = {
    filter: [Object.getPrototypeOf(client.from('t').select()), ['eq', 'likeAnyOf', 'in', 'contains', 'not', 'single', 'retry']],
    file: [Object.getPrototypeOf(client.storage.from('b')), ['createSignedUploadUrl', 'info', 'copy']],
    buckets: [Object.getPrototypeOf(client.storage), ['listBuckets', 'createBucket', 'deleteBucket']],
  }
  for (const [what, [proto, names]] of Object.entries(protos)) {
    for (const name of names) {
      const d = Object.getOwnPropertyDescriptor(proto, name)
      assert.equal(typeof d.value, 'function', `${what}.${name}`)
      assert.deepEqual([d.value.name, d.value.prototype, d.enumerable], [name, undefined, false], `${what}.${name}`)
    }
  }
  assert.equal(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(client.auth), 'signUp').enumerable, false)
})

// A page's own build may minify the package again without keeping class names (Taro's webpack does): the
// errors are still made by name (errors.js keys its classes as written, not by their `name`).
test('the bundle minified again, class names not kept, still makes its errors', async () => {
  const { minify } = require('terser')
  const src = fs.readFileSync(path.join(PKG, 'miniprogram_dist', 'index.js'), 'utf8')
  const again = await minify(src, { ecma: 2015, compress: { passes: 2 }, mangle: true })
  assert.doesNotMatch(again.code, /class AuthUnknownError/)
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sw-reminified-')), 'index.js')
  fs.writeFileSync(file, again.code)
  const api = require(file)
  const platform = {
    store: () => ({ get: () => null, set: () => {}, remove: () => {} }),
    loadCore: () => Promise.reject(new Error('no wasm here')),
  }
  const { data, error } = await api.createClient('https://x.example', 'anon', { platform }).auth.getSession()
  assert.deepEqual(data, { session: null })
  assert.ok(error instanceof api.AuthUnknownError && error instanceof api.AuthError)
  assert.equal(error.name, 'AuthUnknownError')
  assert.match(error.message, /the wasm core failed to load: no wasm here/)
})

// DevTools' compile on ("将JS编译成ES5" / 增强编译) and off: the one file loads, the core with it, and a
// stored session is read back; the classes keep their names (error.name, constructor.name, instanceof).
for (const compile of [false, 'es6']) {
  test(`the bundle runs in the strict simulator with DevTools' compile ${compile ? 'on (es6)' : 'off'}`, async () => {
    const project = await clientProject({ url: 'http://127.0.0.1:9', key: 'anon', as: 'supabase', clients: { supabase: {} } })
    const sim = project.simulator({ compile })
    try {
      const app = await sim.launch()
      const api = app.require('supabase-wechat')
      const { supabase } = app.require('lib/supabase')
      const { data, error } = await supabase.auth.getSession()
      assert.equal(error, null)
      assert.equal(data.session, null)
      assert.deepEqual(
        sim.wasmLoads.map((l) => l.path),
        ['/miniprogram_npm/supabase-wechat/supabase_wechat_bg.wasm.br'],
      )
      assert.equal(sim.compiler.compiled.includes('miniprogram_npm/supabase-wechat/index.js'), !!compile)
      // ES5 needs babel's helpers only for the classes (extends Error too), method names computed by
      // util.js defineMethods and `typeof`: the shim writes no for…of, spread, array destructuring,
      // `super.x` or Object.values/entries, whose ES5 takes 15 more helper modules (5.5 KB, and each
      // a module to load at start: bench/results/startup-issue17-es5.json).
      const CLASS_HELPERS = [
        'assertThisInitialized',
        'classCallCheck',
        'construct',
        'createClass',
        'createSuper',
        'defineProperty',
        'getPrototypeOf',
        'inherits',
        'isNativeFunction',
        'isNativeReflectConstruct',
        'possibleConstructorReturn',
        'setPrototypeOf',
        'toPrimitive',
        'toPropertyKey',
        'typeof',
        'wrapNativeSuper',
      ]
      const helpers = [...sim.compiler.helpers].map((h) => h.replace('@babel/runtime/helpers/', '')).sort()
      if (compile) assert.deepEqual(helpers, CLASS_HELPERS)
      assert.equal(supabase.constructor.name, 'SupabaseClient')
      assert.equal(supabase.auth.constructor.name, 'AuthClient')
      assert.equal(api.createClient.name, 'createClient')
      const err = new api.AuthApiError('x', 400, 'c')
      assert.ok(err instanceof api.AuthError)
      assert.equal(err.name, 'AuthApiError')
      assert.equal(err.constructor.name, 'AuthApiError')
      for (const [name, value] of Object.entries(api)) {
        if (typeof value === 'function' && /^[A-Z]/.test(name)) assert.equal(value.name, name, 'class ' + name)
      }
    } finally {
      sim.close()
      project.cleanup()
    }
  })
}

// The map leads every position back to the module it came from (sourcesContent: the sources as built).
test('index.js.map maps the bundle back to js-shim/ and the glue, with their sources inside', () => {
  const dir = path.join(PKG, 'miniprogram_dist')
  const src = fs.readFileSync(path.join(dir, 'index.js'), 'utf8')
  assert.match(src, /\n\/\/# sourceMappingURL=index\.js\.map$/)
  const map = JSON.parse(fs.readFileSync(path.join(dir, 'index.js.map'), 'utf8'))
  assert.equal(map.file, 'index.js')
  const shim = path.join(REPO, 'js-shim')
  const modules = map.sources.filter((s) => s.startsWith('js-shim/'))
  assert.ok(modules.includes('js-shim/index.js') && modules.includes('js-shim/platform/wechat/loader.js'), modules.join(' '))
  assert.ok(map.sources.includes('generated/supabase_wechat.js'))
  assert.ok(!map.sources.some((s) => s.startsWith('js-shim/platform/browser/')), 'no browser code')
  for (const s of modules) {
    assert.equal(map.sourcesContent[map.sources.indexOf(s)], fs.readFileSync(path.join(shim, s.slice(8)), 'utf8'), s)
  }
  // Every module index.js reaches through its requires is in it (the lazily required ones too).
  for (const s of ['client.js', 'postgrest.js', 'storage-api.js', 'functions.js', 'realtime.js', 'auth-admin.js', 'redirect.js'])
    assert.ok(modules.includes('js-shim/' + s), s)
  // Positions: a string of the loader, and a class of errors.js, back to their line and column.
  const sm = new SourceMap(map)
  const where = (needle) => {
    const at = src.indexOf(needle)
    assert.ok(at > 0, needle)
    const lines = src.slice(0, at).split('\n')
    return sm.findEntry(lines.length - 1, lines[lines.length - 1].length)
  }
  const lineOf = (file, needle) => {
    const lines = fs.readFileSync(path.join(shim, file), 'utf8').split('\n')
    const line = lines.findIndex((l) => l.includes(needle))
    return { originalSource: 'js-shim/' + file, originalLine: line, originalColumn: lines[line].indexOf(needle) }
  }
  const pick = (e) => ({ originalSource: e.originalSource, originalLine: e.originalLine, originalColumn: e.originalColumn })
  assert.deepEqual(
    pick(where('"/supabase-wechat/supabase_wechat_bg.wasm.br"')),
    lineOf('platform/wechat/loader.js', "'/supabase-wechat/supabase_wechat_bg.wasm.br'"),
  )
  assert.deepEqual(pick(where('class StorageApiError')), lineOf('errors.js', 'class StorageApiError'))
})

test('the browser bundle has no WeChat adapter', () => {
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
    assert.ok(!listed.some((f) => /\.(rs|ts)$/.test(f) && !f.endsWith('.d.ts')), 'no sources')
    // One source map: the mini-program entry's, beside it (WeChat counts no .map in the code package).
    assert.deepEqual(
      listed.filter((f) => f.endsWith('.map')),
      ['miniprogram_dist/index.js.map'],
    )
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
      () => resolve('supabase-wechat/miniprogram_dist/index.js'),
      /ERR_PACKAGE_PATH_NOT_EXPORTED|not defined by "exports"/,
    )
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
