'use strict'
// The package's TypeScript typings, as a mini-program gets them: the packed tarball (npm pack)
// installed into a project, 构建 npm (miniprogram-ci packNpm) run, then tsc 5.9 --strict on
// tests/types/*.ts with tests/types/tsconfig.*.json:
//   wechat      miniprogram-api-typings, no DOM lib: usage.ts + wechat.ts (our extras)
//   browser     the DOM lib, the browser entry's typings: usage.ts + browser.ts (no clash with the
//               DOM's types; DOM objects accepted where WeChat's are)
//   bundler     usage.ts on moduleResolution "bundler" (the package's `exports` types conditions)
//   supabase-js the same usage.ts against @supabase/supabase-js 2.119 (devDependency)
// Each compiles with 0 errors, and with the `@ts-expect-error` directives removed, the errors are
// exactly on the lines they marked: every directive is used, for the same lines under ours and
// supabase-js'. Last, the typings name what the package has at runtime, no more and no less.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFile, execFileSync } = require('node:child_process')
const { installPackages, PKG, REPO } = require('./lib/project')

const TYPES_TESTS = path.join(REPO, 'tests', 'types')
const TSC = path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc')
const CONFIGS = ['wechat', 'bundler', 'browser', 'supabase-js']

let tmp
let root // the mini-program project
let pack // packNpm's report
let tarball // the packed package, extracted
const results = {} // tsc's result per config path

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

// tsc -p config → { code, diagnostics: ['file(line,col): error TS…', …] } (paths relative to root).
function tsc(config) {
  return new Promise((resolve) => {
    execFile(process.execPath, [TSC, '-p', config, '--pretty', 'false'], { cwd: root, maxBuffer: 16 << 20 }, (err, stdout) => {
      const diagnostics = String(stdout)
        .split('\n')
        .filter((l) => /\): error TS\d+/.test(l))
      resolve({ code: err ? err.code : 0, diagnostics, output: String(stdout) })
    })
  })
}

// 'file:line' of each line right after a `@ts-expect-error` directive in the given files.
function expectedErrorLines(files) {
  const out = []
  for (const f of files) {
    const lines = fs.readFileSync(path.join(TYPES_TESTS, f), 'utf8').split('\n')
    lines.forEach((l, i) => {
      if (/^\s*\/\/ @ts-expect-error/.test(l)) out.push(`${f}:${i + 2}`)
    })
  }
  return out.sort()
}

// The lines of tsc's errors, 'file:line', each once.
function errorLines(diagnostics) {
  const set = new Set()
  for (const d of diagnostics) {
    const m = d.match(/^(?:stripped\/)?([^(]+)\((\d+),\d+\): error/)
    assert.ok(m, d)
    set.add(`${m[1]}:${m[2]}`)
  }
  return Array.from(set).sort()
}

before(async () => {
  assert.ok(fs.existsSync(path.join(PKG, 'types', 'index.d.ts')), 'dist/supabase-wechat/types is missing: run scripts/build.sh')
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-types-'))
  // The tarball as npm publishes it (package.json `files`), extracted.
  const name = JSON.parse(execFileSync('npm', ['pack', PKG, '--json', '--pack-destination', tmp], { encoding: 'utf8' }))[0]
    .filename
  execFileSync('tar', ['-xzf', path.join(tmp, name), '-C', tmp])
  tarball = path.join(tmp, 'package')
  root = path.join(tmp, 'mp')
  fs.mkdirSync(root)
  fs.writeFileSync(
    path.join(root, 'project.config.json'),
    JSON.stringify({ appid: 'wx0000000000000001', compileType: 'miniprogram' }),
  )
  fs.writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify({ name: 'mp', dependencies: { 'supabase-wechat': `file:${tarball}` } }),
  )
  fs.writeFileSync(path.join(root, 'app.json'), JSON.stringify({ pages: [] }))
  pack = await installPackages(root, [{ name: 'supabase-wechat', dir: tarball }], { keepNodeModules: true })
  // What a TypeScript mini-program has next to it: WeChat's typings; and supabase-js to compare.
  for (const dep of ['miniprogram-api-typings', '@supabase']) {
    fs.symlinkSync(path.join(REPO, 'node_modules', dep), path.join(root, 'node_modules', dep), 'dir')
  }
  fs.mkdirSync(path.join(root, 'stripped'))
  for (const f of fs.readdirSync(TYPES_TESTS)) {
    const text = fs.readFileSync(path.join(TYPES_TESTS, f), 'utf8')
    fs.writeFileSync(path.join(root, f), text)
    if (f.endsWith('.ts')) {
      // The directives removed, the line numbers kept.
      fs.writeFileSync(path.join(root, 'stripped', f), text.replace(/^(\s*)\/\/ @ts-expect-error.*$/gm, '$1//'))
    } else if (f.startsWith('tsconfig.')) {
      const files = JSON.parse(text.replace(/^\s*\/\/.*$/gm, '')).files
      fs.writeFileSync(path.join(root, 'stripped', f), JSON.stringify({ extends: `../${f}`, files }))
    }
  }
  // Every compilation, two at a time.
  const queue = CONFIGS.map((c) => `tsconfig.${c}.json`).concat([
    'stripped/tsconfig.wechat.json',
    'stripped/tsconfig.supabase-js.json',
  ])
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) results[c] = await tsc(c)
  }
  await Promise.all([worker(), worker()])
})

after(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
})

test('the tarball ships the typings, and 构建 npm copies none of them (nor any other package) into miniprogram_npm', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(tarball, 'package.json'), 'utf8'))
  assert.equal(pkg.types, 'types/index.d.ts')
  const shipped = filesUnder(path.join(tarball, 'types'))
  for (const f of ['index.d.ts', 'browser.d.ts', 'postgrest.d.ts', 'auth.d.ts', 'storage.d.ts', 'realtime.d.ts']) {
    assert.ok(shipped.includes(f), `types/${f} is in the tarball`)
  }
  // No dependency: the typings are self-contained (postgrest-js' are copied in at build time).
  assert.equal(pkg.dependencies, undefined)
  assert.equal(pkg.peerDependencies, undefined)
  assert.equal(pack.stats.miniprogram_pack_num, 1, JSON.stringify(pack.stats))
  const npm = filesUnder(path.join(root, 'miniprogram_npm'))
  assert.deepEqual(
    npm,
    filesUnder(path.join(tarball, 'miniprogram_dist')).map((f) => `supabase-wechat/${f}`),
    'miniprogram_npm holds exactly the package miniprogram folder',
  )
  assert.ok(!npm.some((f) => f.endsWith('.ts')))
})

for (const config of CONFIGS) {
  test(`tsc --strict -p tsconfig.${config}.json: 0 errors`, () => {
    const r = results[`tsconfig.${config}.json`]
    assert.deepEqual(r.diagnostics, [], r.output)
    assert.equal(r.code, 0, r.output)
  })
}

test('every @ts-expect-error marks an error, the same lines under supabase-wechat and supabase-js', () => {
  const ours = results['stripped/tsconfig.wechat.json']
  const theirs = results['stripped/tsconfig.supabase-js.json']
  const expected = expectedErrorLines(['usage.ts', 'wechat.ts'])
  assert.ok(expected.length >= 14, `${expected.length} directives`)
  assert.deepEqual(errorLines(ours.diagnostics), expected, ours.output)
  assert.deepEqual(
    errorLines(theirs.diagnostics),
    expected.filter((l) => l.startsWith('usage.ts:')),
    theirs.output,
  )
})

// ---- the typings name what the package has at runtime ----

// The declared exports and members of the packed typings, through TypeScript's checker.
function declared() {
  const ts = require(path.join(REPO, 'node_modules', 'typescript'))
  const types = path.join(root, 'node_modules', 'supabase-wechat', 'types')
  const entries = ['index.d.ts', 'browser.d.ts'].map((f) => path.join(types, f))
  const program = ts.createProgram(entries, { strict: true, noEmit: true, lib: ['lib.es2020.d.ts'], types: [] })
  const checker = program.getTypeChecker()
  const resolve = (s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s)
  const exportsOf = (file) => checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file)))
  // `export type { … }` re-exports only the type, even of a class.
  const typeOnly = (s) =>
    (s.declarations || []).some((d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly))
  const values = (file) =>
    exportsOf(file)
      .filter((s) => !typeOnly(s) && resolve(s).flags & ts.SymbolFlags.Value)
      .map((s) => s.name)
      .sort()
  const index = new Map(exportsOf(entries[0]).map((s) => [s.name, resolve(s)]))
  // A class's or interface's public members: { methods (callable or accessors), all }.
  const members = (name) => {
    const type = checker.getDeclaredTypeOfSymbol(index.get(name))
    const methods = []
    const all = []
    for (const p of checker.getPropertiesOfType(type)) {
      const decl = p.valueDeclaration || (p.declarations || [])[0]
      if (decl && ts.getCombinedModifierFlags(decl) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) continue
      all.push(p.name)
      const callable = checker.getSignaturesOfType(checker.getTypeOfSymbolAtLocation(p, decl), ts.SignatureKind.Call).length > 0
      if (callable || p.flags & ts.SymbolFlags.GetAccessor) methods.push(p.name)
    }
    return { methods: methods.sort(), all: all.sort() }
  }
  return { main: values(entries[0]), browser: values(entries[1]), members }
}

// The public names an object has at runtime (its own and its prototypes'), without calling getters.
function runtimeNames(obj) {
  const names = new Set()
  for (let o = obj; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const k of Object.getOwnPropertyNames(o)) if (k !== 'constructor' && !k.startsWith('_')) names.add(k)
  }
  return Array.from(names).sort()
}

test('the typings declare exactly the runtime exports and methods of the package', () => {
  const d = declared()
  const dist = path.join(tarball, 'miniprogram_dist')
  const problems = []
  const compare = (what, typed, runtime, all = typed) => {
    const missing = typed.filter((m) => !runtime.includes(m))
    const untyped = runtime.filter((m) => !all.includes(m))
    if (missing.length) problems.push(`${what}: typed but missing at runtime: ${missing.join(', ')}`)
    if (untyped.length) problems.push(`${what}: at runtime but not typed: ${untyped.join(', ')}`)
  }
  compare('mini-program entry', d.main, Object.keys(require(path.join(dist, 'index.js'))))
  compare('browser entry', d.browser, Object.keys(require(path.join(tarball, 'browser', 'supabase-wechat.js'))))

  // The objects as a page gets them, from a client of the mini-program entry (one file: its modules are not
  // files to require) over adapters that do nothing (`options.platform`: no storage, a core that never loads).
  const api = require(path.join(dist, 'index.js'))
  const platform = { store: () => ({ get: () => null, set: () => {}, remove: () => {} }), loadCore: () => new Promise(() => {}) }
  const client = api.createClient('https://x.example', 'anon', { platform })
  const auth = client.auth
  const proto = Object.getPrototypeOf
  const objects = {
    SupabaseClient: api.SupabaseClient.prototype,
    AuthClient: auth,
    AuthAdminApi: auth.admin,
    AuthAdminMFAApi: auth.admin && auth.admin.mfa,
    AuthMFAApi: auth.mfa,
    StorageClient: client.storage,
    StorageFileApi: client.storage.from('bucket'),
    FunctionsClient: client.functions,
    RealtimeClient: client.realtime,
    RealtimeChannel: api.RealtimeChannel.prototype,
    PostgrestClient: proto(client.rest),
    PostgrestQueryBuilder: proto(client.from('t')),
    PostgrestFilterBuilder: proto(client.from('t').select()),
  }
  for (const [name, obj] of Object.entries(objects)) {
    const { methods, all } = d.members(name)
    compare(name, methods, obj ? runtimeNames(obj) : [], all)
  }
  assert.deepEqual(problems, [])
})
