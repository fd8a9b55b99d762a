'use strict'
// Helpers shared by the benchmarks in bench/ (not tests: nothing here asserts a time or a size).
const fs = require('node:fs')
const path = require('node:path')
const zlib = require('node:zlib')

// Bytes of everything under `dir` (what 构建 npm / packNpm put in miniprogram_npm/<pkg>): raw, and
// brotli -q 11 of each file (a .br file counts as it is; the code package is compressed per file).
function dirBytes(dir) {
  let raw = 0
  let br = 0
  const perFile = []
  for (const f of fs.readdirSync(dir, { recursive: true }).sort()) {
    const p = path.join(dir, f)
    if (!fs.statSync(p).isFile()) continue
    const buf = fs.readFileSync(p)
    const b = p.endsWith('.br')
      ? buf.length
      : zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length
    raw += buf.length
    br += b
    perFile.push({ file: f.split(path.sep).join('/'), raw: buf.length, br: b })
  }
  return { raw, br, files: perFile.length, perFile }
}

// An access token as GoTrue issues one (HS256; MemFire's wechat_mini sign-in): its claims decode, as
// at a real start (the core reads iss, exp and iat from them); the signature is not checked by clients.
function accessToken(now) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const claims = {
    aud: 'authenticated',
    exp: now + 3600,
    iat: now,
    iss: `${FAKE_URL}/auth/v1`,
    sub: USER_ID,
    email: '',
    phone: '13100000000',
    app_metadata: { provider: 'wechat_mini', providers: ['wechat_mini'] },
    user_metadata: { arvatar: 'https://example.com/a.jpg', nickname: '卢卡饶' },
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method: 'wechat_mini', timestamp: now }],
    session_id: '9b0c4a52-0000-4000-8000-000000000000',
    is_anonymous: false,
  }
  return `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2VkLWJ5LWNsaWVudHM`
}

// A returning user's session as supabase-wechat-stable-v2 stores it (a JSON string; ours reads it too).
function storedSession() {
  const now = Math.round(Date.now() / 1000)
  return JSON.stringify({
    access_token: accessToken(now),
    token_type: 'bearer',
    expires_in: 3600,
    refresh_token: 'abcdefghijkl',
    user: {
      id: '2411981d-0000-4000-8000-000000000000',
      aud: 'authenticated',
      role: 'authenticated',
      email: '',
      phone: '13100000000',
      wechat_id: 'ok1s85Rxxxxxx',
      wechat_unionid: '',
      app_metadata: { provider: 'wechat_mini', providers: ['wechat_mini'] },
      user_metadata: { arvatar: 'https://example.com/a.jpg', nickname: '卢卡饶' },
      identities: [],
      created_at: '2023-03-13T06:23:34.596074Z',
      updated_at: '2023-03-13T08:37:51.31062Z',
    },
    expires_at: now + 3600,
  })
}

const USER_ID = '2411981d-0000-4000-8000-000000000000'
// n rows of a todo list (~200 B of JSON each), what the fake transport answers to a select.
function todoRows(n) {
  const tasks = [
    '买牛奶和鸡蛋 Buy milk and eggs',
    'Reply to the landlord about the lease',
    'Book the dentist for Tuesday',
    'Finish the quarterly report draft',
  ]
  const out = []
  for (let i = 1; i <= n; i++) {
    const t = new Date(Date.UTC(2024, 2, 1, 8, 0, 0) + i * 3600e3).toISOString()
    out.push({
      id: i,
      user_id: USER_ID,
      task: tasks[i % tasks.length] + ' #' + i,
      is_complete: i % 3 === 0,
      priority: i % 5,
      inserted_at: t,
      updated_at: t,
      tags: ['home', 'errand'],
    })
  }
  return out
}

// A wx.request that answers at once, defined in the sandbox's realm (its objects are the context's,
// as WeChat's are). The body is handed over as WeChat would: parsed when dataType is 'json' (the
// default), the raw text for any other dataType, an ArrayBuffer for responseType 'arraybuffer'.
// `seen.n` counts the requests, `seen.auth` keeps the last Authorization header (which token went out).
const FAKE_REQUEST = `(function (bodies, seen) {
  function reply (o) {
    var m = String(o.method || 'GET').toUpperCase()
    var u = String(o.url).split('#')[0]
    var p = u.replace(/^https?:\\/\\/[^/]+/, '').split('?')[0]
    if (p === '/rest/v1/todos' && m === 'GET') return [200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Range': '0-99/*' }, bodies.select]
    if (p === '/rest/v1/todos' && m === 'POST') return [201, { 'Content-Range': '*/*' }, '']
    if (p === '/rest/v1/rpc/todo_stats' && m === 'POST') return [200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Range': '0-0/*' }, bodies.rpc]
    return [404, { 'Content-Type': 'application/json; charset=utf-8' }, '{"code":"PGRST205","details":null,"hint":null,"message":"not in the benchmark: ' + m + ' ' + p + '"}']
  }
  return function request (o) {
    seen.n++
    var h = o.header || {}
    for (var k in h) if (k.toLowerCase() === 'authorization') seen.auth = h[k]
    var r = reply(o)
    var data = r[2]
    if (o.responseType === 'arraybuffer') {
      var bytes = unescape(encodeURIComponent(data))
      var ab = new ArrayBuffer(bytes.length)
      var u8 = new Uint8Array(ab)
      for (var i = 0; i < bytes.length; i++) u8[i] = bytes.charCodeAt(i)
      data = ab
    } else if (o.dataType === undefined || o.dataType === 'json') {
      try { data = JSON.parse(data) } catch (e) { /* WeChat keeps the string */ }
    }
    var res = { data: data, statusCode: r[0], header: r[1], cookies: [], errMsg: 'request:ok' }
    Promise.resolve().then(function () {
      if (typeof o.success === 'function') o.success(res)
      if (typeof o.complete === 'function') o.complete(res)
    })
    return { abort: function () {}, onHeadersReceived: function () {}, offHeadersReceived: function () {} }
  }
})`

function sorted(xs) {
  return [...xs].sort((a, b) => a - b)
}
function median(xs) {
  const s = sorted(xs)
  return s[Math.floor(s.length / 2)]
}
function p90(xs) {
  const s = sorted(xs)
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.9))]
}

// The fake project every benchmark talks to (no server: the transports are fakes).
const FAKE_URL = 'https://abcdefghij.baseapi.memfiredb.com'
const KEY = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiJ9.x'
const STORAGE_KEY = 'sb-abcdefghij-auth-token'

// The two SDKs side by side. The old one needs detectSessionInUrl:false (with the default options
// its init crashes on `window`) and autoRefreshToken:false (no 30 s ticker; sessions are 1 h from expiry).
const OLD_OPTIONS = { auth: { detectSessionInUrl: false, autoRefreshToken: false } }
const SDKS = {
  ours: { name: 'supabase-wechat (this repo, dist/)', pkgName: 'supabase-wechat', options: {} },
  old: { name: 'supabase-wechat-stable-v2@2.2.0', pkgName: 'supabase-wechat-stable-v2', options: OLD_OPTIONS },
}

// How V8 runs the JS: as on Android / DevTools, or without a JIT, the closest Node gets to iOS WeChat
// (JavaScriptCore without a JIT): JS stays in the Ignition interpreter and regexps in the regexp
// interpreter. WebAssembly is still compiled (V8 has no wasm interpreter).
const MODES = {
  jit: { label: 'JIT (plain node)', flags: [] },
  interp: {
    label: 'interpreted (--max-opt=0 --no-sparkplug --no-maglev --regexp-interpret-all)',
    flags: ['--max-opt=0', '--no-sparkplug', '--no-maglev', '--regexp-interpret-all'],
  },
}

// A packed mini-program project (packNpm, as 构建 npm) whose lib/client.js creates one client of SDKS[id]
// (or of the package copy in `dir`, for ours): tests/node/lib/project.js' clientProject.
function sdkProject(id, dir) {
  const { clientProject, OURS } = require('../tests/node/lib/project')
  const sdk = SDKS[id]
  if (!sdk) throw new Error('unknown sdk ' + id)
  return clientProject({
    url: FAKE_URL,
    key: KEY,
    pkg: sdk.pkgName,
    packages: dir ? [{ name: OURS.name, dir: path.resolve(dir) }] : undefined,
    clients: { client: { options: sdk.options } },
  })
}

// The uploaded code package, as WeChat DevTools builds it for 上传 (upload): miniprogram-ci's
// getCompiledResult (the compile extracted from DevTools; "检查一下最终上传到微信后台服务器时代码包里的文件内容"),
// offline. setting.minify is DevTools' 上传时压缩 (miniprogram-ci 2.1.42: the summer compiler's
// summer-terser plugin, terser 5.27.1 with toplevel: true, compress: { drop_console: false,
// drop_debugger: false }); es6 adds 将 JS 编译成 ES5 (babel 7, preset-env chrome 53 / iOS 8, whose
// helpers DevTools writes to @babel/runtime/). The project attributes (code size limits) are the
// tool's own defaults instead of the server's (no network, no key). Returns { 'path': string | Buffer }.
// It leaves its compiler process running (the caller's process ends with process.exit).
async function compiledPackage(root, setting) {
  return quietly(async () => {
    const ci = require('miniprogram-ci')
    const project = new ci.Project({
      appid: 'wx0000000000000001',
      type: 'miniProgram',
      projectPath: root,
      privateKey: 'offline-no-upload',
      ignores: ['node_modules/**/*'],
      attr: async () => ci.DefaultProjectAttr,
    })
    // miniprogram-ci leaves an empty folder with a 32-hex-digit name in the working directory per
    // compile; remove the ones this compile made, so a bench run does not litter the checkout.
    const fs = require('node:fs')
    const stray = () => fs.readdirSync('.').filter((f) => /^[0-9a-f]{32}$/.test(f))
    const before = new Set(stray())
    try {
      return await ci.getCompiledResult({ project, setting, onProgressUpdate: () => {} })
    } finally {
      for (const f of stray()) {
        if (before.has(f)) continue
        try {
          fs.rmdirSync(f)
        } catch {}
      }
    }
  })
}

// Runs `fn` (async) with this process' console going to stderr, so that stdout is the report:
// miniprogram-ci logs as it loads and works ('[error] … getwhiteextlist ENOTFOUND': no network, so it
// uses its built-in list of file types, which has .js, .json, .wasm and .br).
async function quietly(fn) {
  const util = require('node:util')
  const saved = { ...console }
  for (const k of ['log', 'info', 'warn', 'error', 'debug']) console[k] = (...a) => process.stderr.write(util.format(...a) + '\n')
  try {
    return await fn()
  } finally {
    Object.assign(console, saved)
  }
}

// What a package adds to the uploaded code package: the compiled files under miniprogram_npm/<pkg>/ and
// the babel helpers the compile wrote for them (@babel/; the project's own lib/client.js needs none).
// Returns { bytes, files, js, wasm, other } (bytes of .js files, of .wasm/.wasm.br files, of the rest).
function addedBytes(compiled, pkgName) {
  const out = { bytes: 0, files: 0, js: 0, wasm: 0, other: 0 }
  for (const [file, content] of Object.entries(compiled)) {
    if (!file.startsWith(`miniprogram_npm/${pkgName}/`) && !file.startsWith('@babel/')) continue
    const n = Buffer.byteLength(content)
    out.bytes += n
    out.files++
    if (file.endsWith('.js')) out.js += n
    else if (/\.wasm(\.br)?$/.test(file)) out.wasm += n
    else out.other += n
  }
  return out
}

function gitDescribe() {
  try {
    const { execFileSync } = require('node:child_process')
    return execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=12'], { cwd: __dirname, encoding: 'utf8' }).trim()
  } catch {
    return null
  }
}

function machine(load0) {
  const os = require('node:os')
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu: os.cpus()[0].model,
    cpus: os.cpus().length,
    platform: `${os.platform()} ${os.release()}`,
    loadavg1mAtStart: load0,
    loadavg1mAtEnd: os.loadavg()[0],
  }
}

// `--name value` options of a command line: arg('--procs', 15), list('--modes', 'jit,interp').
function cli(argv) {
  const arg = (name, dflt) => {
    const i = argv.indexOf(name)
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt
  }
  const list = (name, dflt) =>
    String(arg(name, dflt))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  return { arg, list }
}

// A benchmark child's failure as the message it sends its parent (the first lines of the stack).
function failure(e, prefix = '') {
  return {
    status: 'failed',
    reason:
      prefix +
      String((e && e.stack) || e)
        .split('\n')
        .slice(0, 3)
        .join(' | '),
  }
}

// Runs `script args` in a fresh Node process with `execArgv`; resolves `{ msg, stdout }`: the one
// message the child sends (its result), or a failure with the end of its stderr if it sent none or
// ran past `timeoutMs`.
function runChild(script, args, { execArgv = [], timeoutMs = 180e3 } = {}) {
  const { fork } = require('node:child_process')
  return new Promise((resolve) => {
    const cp = fork(script, args, { execArgv, silent: true })
    let stdout = ''
    let stderr = ''
    let msg = null
    cp.stdout.on('data', (c) => (stdout += c))
    cp.stderr.on('data', (c) => (stderr += c))
    cp.on('message', (m) => (msg = m))
    const limit = setTimeout(() => {
      stderr += `\nkilled after ${timeoutMs / 1000} s`
      cp.kill('SIGKILL')
    }, timeoutMs)
    cp.on('exit', (code) => {
      clearTimeout(limit)
      if (!msg) msg = { status: 'failed', reason: `child exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` }
      resolve({ msg, stdout })
    })
  })
}

// `promise`, or a rejection after `ms`: a first call that never settles is reported, not waited on.
function within(ms, promise, what) {
  let t
  return Promise.race([
    promise,
    new Promise((_resolve, reject) => (t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(t))
}

// µs of each of `n` calls of `fn`, one after another, each awaited.
async function timeCalls(n, fn) {
  const times = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const a = process.hrtime.bigint()
    await fn()
    times[i] = Number(process.hrtime.bigint() - a) / 1e3
  }
  return times
}

module.exports = {
  runChild,
  within,
  timeCalls,
  dirBytes,
  median,
  p90,
  storedSession,
  USER_ID,
  todoRows,
  FAKE_REQUEST,
  FAKE_URL,
  KEY,
  STORAGE_KEY,
  SDKS,
  OLD_OPTIONS,
  MODES,
  sdkProject,
  compiledPackage,
  quietly,
  addedBytes,
  gitDescribe,
  machine,
  cli,
  failure,
}
