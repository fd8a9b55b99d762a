'use strict'
// The demo mini-program (miniprogram-demo/) checked like a real project, offline, with WeChat's own
// tools: its WXML and WXSS compile with WeChat's compilers (wcc / wcsc from miniprogram-compiler),
// its JavaScript type-checks against WeChat's API typings (tsc, miniprogram-api-typings), every
// handler its WXML binds exists, miniprogram-ci's 构建 npm + code analysis + code-quality checks pass
// on it, its README documents every element id, and the local backend serves what the pages need.
// Needs the built package (bash scripts/build.sh).
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const vm = require('node:vm')
const { execFile } = require('node:child_process')
const ts = require('typescript')

const { REPO, PKG } = require('./lib/project')
const { analyseProject, packIgnored } = require('./lib/mp-ci')
const { send } = require('./lib/http')

const DEMO = path.join(REPO, 'miniprogram-demo')
const readJson = (rel) => JSON.parse(fs.readFileSync(path.join(DEMO, rel), 'utf8'))
const APP = readJson('app.json')
const PAGES = APP.pages

// The project's own files (what DevTools compiles), relative to DEMO, with extension `ext`.
function projectFiles(ext) {
  return fs
    .readdirSync(DEMO, { recursive: true })
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => f.endsWith(ext) && !/(^|\/)(node_modules|miniprogram_npm)\//.test(f))
    .sort()
}

function run(file, args, opts = {}) {
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 16 << 20, timeout: 60000, ...opts }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out: `${stdout}${stderr}`.trim() })
    })
  })
}

// WeChat's compilers, copied to a temp dir to make them executable (npm does not keep the mode bits,
// and node_modules is not ours to change).
let compilers = null
function wechatCompilers() {
  if (compilers) return compilers
  const dir = path.join(path.dirname(require.resolve('miniprogram-compiler/package.json')), 'bin')
  const [sub, exe] =
    process.platform === 'darwin' ? ['mac', ''] : process.platform === 'win32' ? ['windows', '.exe'] : ['linux', '']
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-wcc-'))
  for (const name of ['wcc', 'wcsc']) {
    fs.copyFileSync(path.join(dir, sub, name + exe), path.join(tmp, name + exe))
    fs.chmodSync(path.join(tmp, name + exe), 0o755)
  }
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }))
  compilers = { wcc: path.join(tmp, 'wcc' + exe), wcsc: path.join(tmp, 'wcsc' + exe) }
  return compilers
}
// `wcc -d -cc 0 <file> -gn $gwx` and `wcsc -db -pc 0 <file>`, as DevTools drives them (run from the
// project root; errors are reported as file:line:col).
const compileWxml = (cwd, rel) => run(wechatCompilers().wcc, ['-d', '-cc', '0', rel, '-gn', '$gwx'], { cwd })
const compileWxss = (cwd, rel) => run(wechatCompilers().wcsc, ['-db', '-pc', '0', rel], { cwd })

function tempProject(files) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-probe-'))
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
    fs.writeFileSync(path.join(dir, rel), text)
  }
  return dir
}

test('DevTools can open it: project.config.json, app.json, every page, lib/config.js, package.json', () => {
  const config = readJson('project.config.json')
  assert.equal(config.appid, 'touristappid', 'a placeholder appid DevTools accepts (测试号)')
  assert.equal(config.compileType, 'miniprogram')
  assert.equal(config.setting.urlCheck, false, 'the local backend is http://127.0.0.1, not an allowed https domain')
  assert.equal(config.setting.es6, true, 'pages are ES modules, compiled by DevTools')
  const version = (v) =>
    v
      .split('.')
      .map(Number)
      .reduce((a, n) => a * 1000 + n, 0)
  assert.ok(
    version(config.libVersion) >= version('2.14.0'),
    `libVersion ${config.libVersion}: WXWebAssembly .wasm.br needs ≥ 2.14.0`,
  )

  assert.ok(PAGES.length >= 6)
  for (const page of PAGES) {
    for (const ext of ['.js', '.wxml', '.json']) assert.ok(fs.existsSync(path.join(DEMO, page + ext)), `${page}${ext} is missing`)
  }
  const tabs = APP.tabBar.list.map((t) => t.pagePath)
  assert.ok(tabs.length >= 2 && tabs.length <= 5, 'a tabBar has 2 to 5 items')
  for (const t of tabs) assert.ok(PAGES.includes(t), `tabBar page ${t} is not in app.json pages`)
  // The guide's login page switches to the profile page with wx.switchTab, which only reaches tab pages.
  assert.ok(tabs.includes('pages/me/index'))

  const { url, anonKey } = require(path.join(DEMO, 'lib', 'config.js'))
  assert.equal(url, 'http://127.0.0.1:54321', 'the local backend of scripts/demo.sh')
  const jwt = require('../../backend/jwt')
  const { DEFAULT_JWT_SECRET } = require('../../backend')
  const claims = jwt.verify(anonKey, DEFAULT_JWT_SECRET, Math.floor(Date.now() / 1000))
  assert.equal(claims.role, 'anon', 'lib/config.js carries the local backend anon key')

  const pkg = readJson('package.json')
  assert.equal(pkg.dependencies['supabase-wechat'], 'file:../dist/supabase-wechat')
})

test("every WXML file compiles with WeChat's wcc", async () => {
  const files = projectFiles('.wxml')
  assert.ok(files.length >= PAGES.length)
  const failures = []
  for (const rel of files) {
    const r = await compileWxml(DEMO, rel)
    if (r.code !== 0) failures.push(`${rel}: wcc exit ${r.code}\n${r.out}`)
  }
  assert.deepEqual(failures, [], failures.join('\n'))
  // The compiler really checks: a broken file fails with file:line.
  const probe = tempProject({ 'pages/x/x.wxml': '<view>\n  <text>x</view>\n' })
  try {
    const r = await compileWxml(probe, 'pages/x/x.wxml')
    assert.notEqual(r.code, 0)
    assert.match(r.out, /pages\/x\/x\.wxml:2:\d+: expect end-tag/)
  } finally {
    fs.rmSync(probe, { recursive: true, force: true })
  }
})

test("app.wxss and every page's WXSS compile with WeChat's wcsc", async () => {
  const files = projectFiles('.wxss')
  assert.ok(files.includes('app.wxss'))
  const failures = []
  for (const rel of files) {
    const r = await compileWxss(DEMO, rel)
    if (r.code !== 0) failures.push(`${rel}: wcsc exit ${r.code}\n${r.out}`)
  }
  assert.deepEqual(failures, [], failures.join('\n'))
  const probe = tempProject({ 'pages/x/x.wxss': '.a { color: red; }\n.b { color: red\n' })
  try {
    const r = await compileWxss(probe, 'pages/x/x.wxss')
    assert.notEqual(r.code, 0)
    assert.match(r.out, /pages\/x\/x\.wxss\(2:\d+\)/)
  } finally {
    fs.rmSync(probe, { recursive: true, force: true })
  }
})

test("page JavaScript type-checks against miniprogram-api-typings and the SDK's types (tsc)", async () => {
  const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc')
  // The probe is the guide's avatar callback as published (`this` inside a `function`) and a misspelt
  // SDK method, under the guide pages' settings: both must be reported.
  const probe = tempProject({
    'tsconfig.json': JSON.stringify({
      extends: path.join(DEMO, 'tsconfig.guide.json'),
      compilerOptions: { typeRoots: [path.join(REPO, 'node_modules')] },
      include: ['probe.js', path.join(DEMO, 'typings', '*.d.ts')],
    }),
    'probe.js': `import { supabase } from ${JSON.stringify(path.join(DEMO, 'lib', 'supabase'))}
Page({
  data: { avatarUrl: null },
  async onChooseAvatar(e) {
    wx.getImageInfo({
      src: e.detail.avatarUrl,
      success: async function (res) {
        const { data } = await supabase.storage.from('avatar').getPublicUrl('a.png')
        this.setData({ avatarUrl: data.publicUrl })
      }
    })
  },
  async login() {
    await supabase.auth.signInWithWechatt({ code: 'x' })
  }
})
`,
  })
  try {
    const [strict, guide, bad] = await Promise.all([
      run(process.execPath, [tsc, '-p', path.join(DEMO, 'tsconfig.json')]),
      run(process.execPath, [tsc, '-p', path.join(DEMO, 'tsconfig.guide.json')]),
      run(process.execPath, [tsc, '-p', path.join(probe, 'tsconfig.json')]),
    ])
    assert.equal(strict.out, '', `tsc -p miniprogram-demo/tsconfig.json:\n${strict.out}`)
    assert.equal(strict.code, 0)
    assert.equal(guide.out, '', `tsc -p miniprogram-demo/tsconfig.guide.json:\n${guide.out}`)
    assert.equal(guide.code, 0)
    assert.notEqual(bad.code, 0)
    assert.match(bad.out, /probe\.js\(9,\d+\): error TS2339: Property 'setData' does not exist/)
    assert.match(bad.out, /probe\.js\(14,\d+\): error TS2551: Property 'signInWithWechatt' does not exist on type 'AuthClient'/)
  } finally {
    fs.rmSync(probe, { recursive: true, force: true })
  }
  // Each configuration covers the pages the other one leaves out, so every page is checked.
  const strictFiles = JSON.parse(fs.readFileSync(path.join(DEMO, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''))
  const guideFiles = JSON.parse(fs.readFileSync(path.join(DEMO, 'tsconfig.guide.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''))
  assert.deepEqual([...strictFiles.exclude].sort(), guideFiles.include.filter((f) => f.startsWith('pages/')).sort())
})

// The page's options as Page() receives them (the module compiled from ES module to CommonJS as DevTools
// does, with the SDK stubbed: nothing runs but the module body).
function pageOptions(route) {
  const file = path.join(DEMO, route + '.js')
  const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
    fileName: file,
  })
  let options = null
  const sandbox = { Page: (o) => (options = o), wx: {}, console, exports: {}, require: () => ({ supabase: {} }) }
  sandbox.module = { exports: sandbox.exports }
  vm.runInNewContext(outputText, sandbox, { filename: file })
  assert.ok(options, `${route}.js does not call Page()`)
  return options
}

test('every event handler the WXML binds is a method of its page', () => {
  const missing = []
  let bound = 0
  for (const route of PAGES) {
    const wxml = fs.readFileSync(path.join(DEMO, route + '.wxml'), 'utf8')
    const options = pageOptions(route)
    const re = /\s(?:capture-)?(?:bind|catch|mut-bind):?([A-Za-z]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g
    for (const m of wxml.matchAll(re)) {
      const handler = m[2] !== undefined ? m[2] : m[3]
      if (handler.includes('{{')) continue
      bound++
      if (typeof options[handler] !== 'function')
        missing.push(`${route}.wxml binds ${m[1]} to "${handler}", which ${route}.js does not define`)
    }
  }
  assert.deepEqual(missing, [])
  assert.ok(bound >= 20, `${bound} bindings found`)
})

test('miniprogram-demo/README.md documents every element id, and every documented selector exists', () => {
  const readme = fs.readFileSync(path.join(DEMO, 'README.md'), 'utf8')
  const documented = {}
  for (const m of readme.matchAll(/^\| `(pages\/[\w/]+)` \| `([#.][\w-]+)` \|/gm)) {
    if (!documented[m[1]]) documented[m[1]] = []
    documented[m[1]].push(m[2])
  }
  const problems = []
  for (const route of PAGES) {
    const wxml = fs.readFileSync(path.join(DEMO, route + '.wxml'), 'utf8')
    const ids = [...wxml.matchAll(/\sid="([^"{}]+)"/g)].map((m) => m[1])
    const classes = new Set(
      [...wxml.matchAll(/\sclass="([^"]*)"/g)].flatMap((m) => m[1].replace(/\{\{.*?\}\}/g, ' ').split(/\s+/)),
    )
    const docs = documented[route] || []
    if (!docs.length) problems.push(`${route}: no elements documented`)
    assert.equal(new Set(ids).size, ids.length, `${route}: duplicate ids`)
    for (const id of ids) if (!docs.includes('#' + id)) problems.push(`${route}: #${id} is not in the README table`)
    for (const sel of docs) {
      const ok = sel.startsWith('#') ? ids.includes(sel.slice(1)) : classes.has(sel.slice(1))
      if (!ok) problems.push(`${route}: ${sel} is documented but not in the WXML`)
    }
  }
  for (const route of Object.keys(documented)) if (!PAGES.includes(route)) problems.push(`${route} is documented but not a page`)
  assert.deepEqual(problems, [])
})

test('miniprogram-ci: 构建 npm, dependency analysis, code quality and compilation of the code package', async () => {
  assert.ok(fs.existsSync(path.join(PKG, 'package.json')), 'dist/supabase-wechat is missing: run scripts/build.sh first')
  const { packStats, packWarnings, analysis, quality, compiled } = await analyseProject(DEMO, PKG)
  // What project.config.json's packOptions.ignore keeps out of the code package (the analysis does not
  // apply it): the README, package.json and the type-checking files.
  const ignored = packIgnored(DEMO)
  for (const f of ['README.md', 'package.json', 'tsconfig.json', 'tsconfig.guide.json', 'typings/supabase-wechat.d.ts'])
    assert.ok(ignored(f), f)
  for (const f of ['app.js', 'app.json', 'project.config.json', 'pages/me/index.js']) assert.ok(!ignored(f), f)

  // 构建 npm: one mini-program package, nothing unresolved.
  assert.deepEqual(packWarnings, [])
  assert.equal(packStats.miniprogram_pack_num, 1)
  assert.equal(packStats.warn_not_found_num, 0)

  // Every import/require resolves (pages → lib/supabase → supabase-wechat in miniprogram_npm → its modules).
  // (Optional files a page or app.json may have, like a page's .wxss, are deps without a moduleId and no error.)
  const unresolved = analysis.modules.flatMap((m) =>
    m.deps.filter((d) => d.error).map((d) => `${m.path}: ${d.request}: ${d.error}`),
  )
  assert.deepEqual(unresolved, [])
  const modules = new Map(analysis.modules.map((m) => [m.id, m]))
  for (const page of PAGES) {
    const js = modules.get(`Js:${page}.js`)
    assert.ok(js, `${page}.js is not part of the package`)
    assert.ok(
      js.deps.some((d) => d.moduleId === 'Js:lib/supabase.js'),
      `${page}.js does not import lib/supabase`,
    )
  }
  assert.ok(modules.get('Js:lib/supabase.js').deps.some((d) => d.moduleId === 'Js:miniprogram_npm/supabase-wechat/index.js'))

  // Every file in the package is used: reached from app.json, or the wasm, which the SDK loads by path
  // (WXWebAssembly.instantiate('/miniprogram_npm/supabase-wechat/supabase_wechat_bg.wasm.br')).
  const WASM = 'miniprogram_npm/supabase-wechat/supabase_wechat_bg.wasm.br'
  const packed = analysis.files.filter((f) => !ignored(f.path))
  const unused = packed.filter((f) => !f.moduleId && f.path !== WASM).map((f) => f.path)
  assert.deepEqual(unused, [])
  assert.ok(analysis.files.some((f) => f.path === WASM))
  assert.match(
    fs.readFileSync(path.join(PKG, 'miniprogram_dist', 'index.js'), 'utf8'),
    /\/miniprogram_npm\/supabase-wechat\/supabase_wechat_bg\.wasm\.br/,
  )

  // DevTools' 代码质量 checks, all passed; and the package is far below WeChat's 2 MB limit.
  const checks = Object.fromEntries(quality.map((c) => [c.name, c]))
  for (const name of [
    'PACKAGE_SIZE_LIMIT',
    'JS_COMPRESS_OPEN',
    'WXML_COMPRESS_OPEN',
    'WXSS_COMPRESS_OPEN',
    'LAZYCODE_LOADING_OPEN',
    'IMAGE_AND_AUDIO_LIMIT',
    'CONTAINS_UNUSED_PLUGINS',
    'CONTAINS_UNUSED_COMPONENTS',
    'CONTAINS_UNUSED_CODES',
  ]) {
    assert.ok(checks[name], `checkCodeQuality no longer reports ${name}`)
  }
  const failed = quality.filter((c) => !c.success).map((c) => `${c.name}: ${c.text}`)
  assert.deepEqual(failed, [])
  // CONTAINS_UNUSED_CODES passes whatever it lists (DevTools drops unused files on upload by default);
  // here the list is only what packOptions ignores anyway.
  assert.deepEqual(
    checks.CONTAINS_UNUSED_CODES.detail.filter((f) => !ignored(f)),
    [],
  )
  const size = checks.PACKAGE_SIZE_LIMIT.detail.__APP__
  assert.equal(
    size,
    analysis.files.reduce((n, f) => n + f.size, 0),
    'the package size is the sum of its files',
  )

  // DevTools' compilation (getCompiledResult): exactly the files that ship, packOptions applied.
  assert.deepEqual(compiled.setting, { es6: true, enhance: true, minify: true })
  const shipped = Object.keys(compiled.files)
  assert.deepEqual(
    shipped.filter((f) => ignored(f)),
    [],
  )
  assert.deepEqual(
    packed.map((f) => f.path).filter((f) => !shipped.includes(f)),
    [],
    'every packed file ships',
  )
  assert.ok(shipped.includes(WASM))
  // Pages are ES modules in the source; compiled, each is a classic script that requires lib/supabase.
  for (const page of PAGES) {
    const js = compiled.pages[`${page}.js`]
    assert.ok(js, `${page}.js was not compiled`)
    assert.doesNotThrow(
      () => new vm.Script(js, { filename: `${page}.js (compiled)` }),
      `${page}.js compiled is not a classic script`,
    )
    assert.match(js, /require\("\.\.\/\.\.\/lib\/supabase"\)/)
  }
  // What ships is far below WeChat's 2 MB per package (and DevTools' 1.5 MB advice).
  const bytes = Object.values(compiled.files).reduce((n, b) => n + b, 0)
  assert.ok(bytes < 300 * 1024 && size < 300 * 1024, `code package ${bytes} B compiled (${size} B of source)`)
})

test("the local backend serves what the pages need: a public avatar bucket, DevTools' WeChat codes", async () => {
  const { startBackend, DEVTOOLS_USER } = require('../../backend')
  const { createWechat } = require('../../backend/wechat')
  // By default the fake WeChat knows only the codes it minted (as WeChat does); acceptForeignCodes
  // (scripts/demo.sh --serve) takes DevTools' codes as one WeChat user.
  const apps = { defaultAppid: 'wx1', secrets: { wx1: 's' } }
  const exchange = (wechat, code) =>
    wechat.jscode2session({ appid: 'wx1', secret: 's', js_code: code, grant_type: 'authorization_code' })
  assert.equal(exchange(createWechat({ apps, now: Date.now }), 'from-devtools').errcode, 40029)
  const lenient = createWechat({ apps, now: Date.now, foreignCodes: DEVTOOLS_USER })
  assert.equal(exchange(lenient, 'from-devtools').openid, DEVTOOLS_USER.openid)
  assert.equal(exchange(lenient, 'from-devtools').errcode, 40163, 'still single use')

  const be = await startBackend({ port: 0, acceptForeignCodes: true })
  try {
    const call = (method, p, { token = be.anonKey, headers = {}, body } = {}) =>
      send(be.url + p, {
        method,
        headers: { apikey: be.anonKey, authorization: `Bearer ${token}`, ...headers },
        body,
        sized: true,
      })
    let r = await call('GET', '/storage/v1/bucket/avatar')
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.public, true, 'getPublicUrl only shows the avatar in a public bucket')
    assert.deepEqual(r.json.allowed_mime_types, ['image/*'])
    assert.equal(r.json.file_size_limit, 5 * 1024 * 1024)

    // Quick login with a code from the real WeChat (what DevTools' wx.login gives).
    r = await call('GET', '/auth/v1/wechat_mini/login?code=devtools-login-code')
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.user.wechat_id, DEVTOOLS_USER.openid)
    const token = r.json.access_token
    r = await call('GET', '/auth/v1/wechat_mini/login?code=another-devtools-code')
    assert.equal(r.json.user.wechat_id, DEVTOOLS_USER.openid, 'every DevTools login is the same user')
    r = await call('GET', '/auth/v1/wechat_mini/bind_phone?code=devtools-phone-code', { token })
    assert.equal(r.status, 200, r.text)
    assert.equal(r.json.phone, '86' + DEVTOOLS_USER.phoneNumber)

    // The profile page's avatar: uploaded by the user, shown from the public URL without any key.
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex')
    r = await call('POST', '/storage/v1/object/avatar/0.5.png', { token, headers: { 'content-type': 'image/png' }, body: png })
    assert.equal(r.status, 200, r.text)
    r = await send(`${be.url}/storage/v1/object/public/avatar/0.5.png`)
    assert.equal(r.status, 200)
    assert.deepEqual(r.raw, png)
    r = await call('POST', '/storage/v1/object/avatar/x.txt', { token, headers: { 'content-type': 'text/plain' }, body: 'x' })
    assert.notEqual(r.status, 200, 'only images')
    r = await call('POST', '/storage/v1/object/avatar/anon.png', { headers: { 'content-type': 'image/png' }, body: png })
    assert.notEqual(r.status, 200, 'anon may not upload')
  } finally {
    await be.stop()
  }
})
