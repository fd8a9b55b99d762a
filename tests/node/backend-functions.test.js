'use strict'
// Tests for the local backend's Functions (/functions/v1, backend/functions.js + backend/functions/*.js)
// and the one-command runner (backend/cli.js). Run: node --test tests/node/backend-functions.test.js
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn, execFileSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..', '..')
const { startBackend } = require(path.join(ROOT, 'backend'))
const testHttp = require('./lib/http')

let be
let tmpDir

before(async () => {
  be = await startBackend({ port: 0 })
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-fn-test-'))
})

after(async () => {
  if (be) await be.stop()
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true })
})

// Against `base` (default: be.url); a Buffer body goes without a content-type.
const request = (method, urlPath, { headers = {}, body, base } = {}) =>
  testHttp.request(base || be.url, method, urlPath, { headers, body })

const bearer = (t) => ({ authorization: `Bearer ${t}` })
const userToken = (sub, extra = {}) => {
  const iat = Math.floor(be.now() / 1000)
  return be.signJwt({
    sub,
    role: 'authenticated',
    aud: 'authenticated',
    iat,
    exp: iat + 3600,
    session_id: crypto.randomUUID(),
    ...extra,
  })
}

test('api: dir and url', () => {
  assert.equal(be.functions.dir, path.join(ROOT, 'backend', 'functions'))
  assert.equal(be.functions.url, `${be.url}/functions/v1`)
})

test('echo with the anon key: method, path, query, headers, body; no apikey needed', async () => {
  const r = await request('POST', '/functions/v1/echo/a/b?x=1&y=%E4%BD%A0', {
    headers: { ...bearer(be.anonKey), 'x-custom': 'yes', 'content-type': 'text/plain' },
    body: 'hello 你好',
  })
  assert.equal(r.status, 200, r.text)
  assert.match(r.headers['content-type'], /^application\/json/)
  assert.equal(r.headers['access-control-allow-origin'], '*')
  assert.equal(r.json.method, 'POST')
  assert.equal(r.json.path, '/a/b')
  assert.deepEqual(r.json.query, { x: '1', y: '你' })
  assert.equal(r.json.headers['x-custom'], 'yes')
  assert.equal(r.json.headers.authorization, `Bearer ${be.anonKey}`)
  assert.equal(r.json.body, 'hello 你好')
  assert.equal(r.json.sub, null)
  assert.equal(r.json.role, 'anon')

  const g = await request('GET', '/functions/v1/echo', { headers: bearer(be.anonKey) })
  assert.equal(g.status, 200)
  assert.equal(g.json.path, '/')
  assert.equal(g.json.body, '')
})

test('verify_jwt: missing, malformed, badly signed and expired tokens are 401', async () => {
  let r = await request('GET', '/functions/v1/echo')
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { msg: 'Error: Missing authorization header' })
  r = await request('GET', '/functions/v1/echo', { headers: { authorization: be.anonKey } })
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { msg: 'Error: Missing authorization header' })
  r = await request('GET', '/functions/v1/echo', { headers: bearer('not-a-jwt') })
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { msg: 'Invalid JWT' })
  const [h, p] = be.anonKey.split('.')
  r = await request('GET', '/functions/v1/echo', { headers: bearer(`${h}.${p}.AAAA`) })
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { msg: 'Invalid JWT' })
  const expired = userToken(crypto.randomUUID(), { exp: Math.floor(be.now() / 1000) - 5 })
  r = await request('GET', '/functions/v1/echo', { headers: bearer(expired) })
  assert.equal(r.status, 401)
  assert.deepEqual(r.json, { msg: 'Invalid JWT' })
  // an apikey header alone is not enough
  r = await request('GET', '/functions/v1/echo', { headers: { apikey: be.anonKey } })
  assert.equal(r.status, 401)
})

test('user claims of a user JWT reach the handler; the virtual clock expires it', async () => {
  const sub = crypto.randomUUID()
  const tok = userToken(sub)
  let r = await request('PATCH', '/functions/v1/echo', { headers: bearer(tok), body: { a: 1 } })
  assert.equal(r.status, 200, r.text)
  assert.equal(r.json.sub, sub)
  assert.equal(r.json.role, 'authenticated')
  assert.equal(r.json.method, 'PATCH')
  assert.deepEqual(JSON.parse(r.json.body), { a: 1 })
  r = await request('GET', '/functions/v1/echo', { headers: bearer(be.serviceRoleKey) })
  assert.equal(r.json.role, 'service_role')
  be.advanceTime(3601 * 1000)
  try {
    r = await request('GET', '/functions/v1/echo', { headers: bearer(tok) })
    assert.equal(r.status, 401)
    assert.deepEqual(r.json, { msg: 'Invalid JWT' })
  } finally {
    be.advanceTime(-3601 * 1000)
  }
})

test('echo ?status= and ?delay=', async () => {
  let r = await request('GET', '/functions/v1/echo?status=418', { headers: bearer(be.anonKey) })
  assert.equal(r.status, 418)
  assert.equal(r.json.method, 'GET')
  r = await request('DELETE', '/functions/v1/echo?status=204', { headers: bearer(be.anonKey) })
  assert.equal(r.status, 204)
  assert.equal(r.text, '')
  const t0 = Date.now()
  r = await request('GET', '/functions/v1/echo?delay=200&status=500', { headers: bearer(be.anonKey) })
  assert.ok(Date.now() - t0 >= 190, `delay ${Date.now() - t0}`)
  assert.equal(r.status, 500)
  assert.deepEqual(r.json.query, { delay: '200', status: '500' })
})

test('binary body round trip through echo?raw=1', async () => {
  const bytes = crypto.randomBytes(300 * 1024)
  bytes[0] = 0xff
  bytes[1] = 0x00
  const r = await request('POST', '/functions/v1/echo?raw=1', {
    headers: { ...bearer(be.anonKey), 'content-type': 'application/octet-stream' },
    body: bytes,
  })
  assert.equal(r.status, 200)
  assert.equal(r.headers['content-type'], 'application/octet-stream')
  assert.equal(Number(r.headers['content-length']), bytes.length)
  assert.ok(r.raw.equals(bytes), 'same bytes back')
})

test('hello: {name} -> Hello <name>!', async () => {
  let r = await request('POST', '/functions/v1/hello', { headers: bearer(be.anonKey), body: { name: 'Functions' } })
  assert.equal(r.status, 200)
  assert.deepEqual(r.json, { message: 'Hello Functions!' })
  r = await request('POST', '/functions/v1/hello', { headers: bearer(be.anonKey), body: { name: '微信' } })
  assert.deepEqual(r.json, { message: 'Hello 微信!' })
  r = await request('GET', '/functions/v1/hello?name=Query', { headers: bearer(be.anonKey) })
  assert.deepEqual(r.json, { message: 'Hello Query!' })
  r = await request('POST', '/functions/v1/hello', { headers: bearer(be.anonKey), body: '{"name":' })
  assert.equal(r.status, 400)
  assert.match(r.json.error, /invalid JSON/)
})

test('relay: x-relay-error: true with ?status= (default 502); bytes: N patterned bytes with ?type=', async () => {
  let r = await request('POST', '/functions/v1/relay', { headers: bearer(be.anonKey) })
  assert.equal(r.status, 502)
  assert.equal(r.headers['x-relay-error'], 'true')
  assert.deepEqual(r.json, { message: 'relay could not reach the function' })
  r = await request('GET', '/functions/v1/relay?status=200', { headers: bearer(be.anonKey) })
  assert.equal(r.status, 200)
  assert.equal(r.headers['x-relay-error'], 'true')

  r = await request('GET', '/functions/v1/bytes', { headers: bearer(be.anonKey) })
  assert.equal(r.status, 200)
  assert.equal(r.headers['content-type'], 'application/octet-stream')
  assert.equal(r.raw.length, 256)
  assert.deepEqual([...new Set(r.raw)].length, 256, 'every byte value')
  r.raw.forEach((b, i) => {
    assert.equal(b, (i * 31 + 7) & 255)
  })
  r = await request('POST', '/functions/v1/bytes?n=3&type=application/pdf', { headers: bearer(be.anonKey) })
  assert.equal(r.headers['content-type'], 'application/pdf')
  assert.deepEqual([...r.raw], [7, 38, 69])
})

test('unknown function -> 404 Function not found (also without a JWT, and for odd names)', async () => {
  for (const p of [
    '/functions/v1/nope',
    '/functions/v1/nope/deeper',
    '/functions/v1',
    '/functions/v1/',
    '/functions/v1/..%2Fauth',
  ]) {
    const r = await request('POST', p, { headers: bearer(be.anonKey) })
    assert.equal(r.status, 404, p)
    assert.deepEqual(r.json, { message: 'Function not found' }, p)
  }
  const r = await request('GET', '/functions/v1/nope')
  assert.equal(r.status, 404)
})

test('handlers from another dir: throwing, reloading, verifyJwt=false, bad responses', async () => {
  fs.writeFileSync(path.join(tmpDir, 'boom.js'), "module.exports = async () => { throw new Error('boom: handler failed') }\n")
  fs.writeFileSync(path.join(tmpDir, 'sync-throw.js'), 'module.exports = () => { null.x }\n')
  fs.writeFileSync(path.join(tmpDir, 'syntax.js'), 'module.exports = async () => {\n')
  fs.writeFileSync(path.join(tmpDir, 'badstatus.js'), 'module.exports = async () => ({ status: 99 })\n')
  fs.writeFileSync(
    path.join(tmpDir, 'public.js'),
    'module.exports = async (req) => ({ body: { user: req.user } })\nmodule.exports.verifyJwt = false\n',
  )
  fs.writeFileSync(path.join(tmpDir, 'ver.js'), "module.exports = async () => ({ status: 201, body: 'v1' })\n")
  const prev = be.functions.dir
  be.functions.dir = tmpDir
  try {
    assert.equal(be.functions.dir, tmpDir)
    let r = await request('POST', '/functions/v1/boom', { headers: bearer(be.anonKey) })
    assert.equal(r.status, 500)
    assert.deepEqual(r.json, { error: 'boom: handler failed' })
    r = await request('POST', '/functions/v1/sync-throw', { headers: bearer(be.anonKey) })
    assert.equal(r.status, 500)
    assert.match(r.json.error, /Cannot read properties of null/)
    r = await request('POST', '/functions/v1/syntax', { headers: bearer(be.anonKey) })
    assert.equal(r.status, 500)
    assert.equal(typeof r.json.error, 'string')
    r = await request('GET', '/functions/v1/badstatus', { headers: bearer(be.anonKey) })
    assert.equal(r.status, 500)
    assert.match(r.json.error, /invalid response status/)
    assert.ok(be.functions.errors.some((e) => e.name === 'boom'))

    r = await request('GET', '/functions/v1/public')
    assert.equal(r.status, 200)
    assert.deepEqual(r.json, { user: null })
    r = await request('GET', '/functions/v1/public', { headers: bearer(be.anonKey) })
    assert.equal(r.json.user.role, 'anon')

    r = await request('GET', '/functions/v1/ver', { headers: bearer(be.anonKey) })
    assert.equal(r.status, 201)
    assert.equal(r.text, 'v1')
    assert.match(r.headers['content-type'], /^text\/plain/)
    fs.writeFileSync(
      path.join(tmpDir, 'ver.js'),
      "module.exports = async () => ({ status: 202, headers: { 'X-Ver': '2' }, body: 'v2' })\n",
    )
    r = await request('GET', '/functions/v1/ver', { headers: bearer(be.anonKey) })
    assert.equal(r.status, 202)
    assert.equal(r.text, 'v2')
    assert.equal(r.headers['x-ver'], '2')

    // shipped functions are not in this dir
    r = await request('GET', '/functions/v1/echo', { headers: bearer(be.anonKey) })
    assert.equal(r.status, 404)
  } finally {
    be.functions.dir = prev
  }
  // the backend is still fine
  const r = await request('GET', '/auth/v1/health', { headers: { apikey: be.anonKey } })
  assert.equal(r.status, 200)
  const e = await request('GET', '/functions/v1/echo', { headers: bearer(be.anonKey) })
  assert.equal(e.status, 200)
})

// ---------- backend/cli.js ----------

function alive(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return e.code === 'EPERM'
  }
}

function psLines() {
  try {
    return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n')
  } catch (_) {
    return []
  }
}
function pgProcessesFor(dataDir) {
  return psLines().filter((l) => l.includes(dataDir) && !l.includes('watchdog.js'))
}
const watchdogsFor = (dataDir) => psLines().filter((l) => l.includes(dataDir) && l.includes('watchdog.js'))

// Starts backend/cli.js; resolves { child, info (the JSON line), exited, out: {stdout, stderr} }.
async function startCli(args = []) {
  const child = spawn(process.execPath, [path.join(ROOT, 'backend', 'cli.js'), '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const out = { stdout: '', stderr: '' }
  child.stderr.on('data', (c) => {
    out.stderr += c
  })
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  try {
    const info = await new Promise((resolve, reject) => {
      child.stdout.on('data', (c) => {
        out.stdout += c
        const nl = out.stdout.indexOf('\n')
        if (nl !== -1) {
          try {
            resolve(JSON.parse(out.stdout.slice(0, nl)))
          } catch (e) {
            reject(e)
          }
        }
      })
      exited.then(({ code }) => reject(new Error(`cli exited ${code}: ${out.stderr}`)))
    })
    return { child, info, exited, out }
  } catch (e) {
    child.kill('SIGKILL')
    throw e
  }
}

async function waitFor(cond, ms) {
  const t0 = Date.now()
  while (!cond() && Date.now() - t0 < ms) await new Promise((res) => setTimeout(res, 100))
  return cond()
}

test('cli: JSON line first, human block on stderr, SIGINT stops everything', { timeout: 60000 }, async () => {
  const { child, info, exited, out } = await startCli()
  try {
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    assert.equal(typeof info.anonKey, 'string')
    assert.ok(fs.existsSync(info.dataDir), 'cluster data dir exists while running')
    assert.equal(info.functionsUrl, `${info.url}/functions/v1`)
    assert.equal(info.realtimeUrl, `${info.url.replace(/^http/, 'ws')}/realtime/v1`)

    const r = await request('GET', '/auth/v1/health', { base: info.url, headers: { apikey: info.anonKey } })
    assert.equal(r.status, 200)
    assert.equal(r.json.name, 'GoTrue')
    const f = await request('POST', '/functions/v1/hello', {
      base: info.url,
      headers: bearer(info.anonKey),
      body: { name: 'cli' },
    })
    assert.deepEqual(f.json, { message: 'Hello cli!' })

    // the human block (stderr) follows once started
    await waitFor(() => out.stderr.includes('Ctrl-C'), 5000)
    assert.ok(out.stderr.includes(`url: '${info.url}'`), out.stderr)
    assert.ok(out.stderr.includes(`anonKey: '${info.anonKey}'`))
    assert.ok(out.stderr.includes('module.exports = {'))
    assert.ok(out.stderr.includes('不校验合法域名'))
    assert.ok(pgProcessesFor(info.dataDir).length > 0, 'postgres runs')
    assert.ok(Number.isInteger(info.postgrestPid) && info.postgrestPid > 0, 'postgrestPid is reported')
    assert.ok(alive(info.postgrestPid), 'postgrest runs')
    assert.equal(info.tempDir, path.dirname(info.dataDir))
    assert.equal(path.dirname(info.storageDir), info.tempDir, 'storage files live in the cluster temp dir')
    assert.ok(fs.existsSync(info.storageDir))
  } finally {
    child.kill('SIGINT')
  }
  const { code, signal } = await exited
  assert.equal(signal, null)
  assert.equal(code, 0, out.stderr)
  assert.equal(out.stdout.trim().split('\n').length, 1, 'stdout is the JSON line only')
  assert.equal(fs.existsSync(info.dataDir), false, 'data dir removed')
  assert.equal(fs.existsSync(info.storageDir), false, 'storage dir removed')
  assert.equal(fs.existsSync(info.tempDir), false, 'temp dir removed')
  assert.deepEqual(pgProcessesFor(info.dataDir), [])
  assert.equal(alive(info.postgrestPid), false, 'postgrest stopped')
  assert.ok(await waitFor(() => watchdogsFor(info.dataDir).length === 0, 3000), 'watchdog gone')
})

test('cli: SIGKILL leaves nothing behind (the watchdog stops PostgREST and PostgreSQL, removes the temp dir)', {
  timeout: 60000,
}, async () => {
  const { child, info, exited } = await startCli(['--quiet'])
  try {
    assert.ok(alive(info.postgrestPid), 'postgrest runs')
    assert.ok(pgProcessesFor(info.dataDir).length > 0, 'postgres runs')
    assert.equal(watchdogsFor(info.dataDir).length, 1, 'one watchdog')
    // something on disk in storage, too
    const up = await request('POST', '/storage/v1/bucket', {
      base: info.url,
      headers: { apikey: info.serviceRoleKey, ...bearer(info.serviceRoleKey) },
      body: { id: 'kill9', name: 'kill9' },
    })
    assert.equal(up.status, 200, up.text)
  } finally {
    child.kill('SIGKILL')
  }
  const { signal } = await exited
  assert.equal(signal, 'SIGKILL')
  const gone = () =>
    !fs.existsSync(info.tempDir) &&
    pgProcessesFor(info.dataDir).length === 0 &&
    !alive(info.postgrestPid) &&
    watchdogsFor(info.dataDir).length === 0
  assert.ok(
    await waitFor(gone, 20000),
    `leftovers: dir=${fs.existsSync(info.tempDir)} pg=${pgProcessesFor(info.dataDir)} ` +
      `postgrest=${alive(info.postgrestPid)} watchdog=${watchdogsFor(info.dataDir)}`,
  )
  assert.equal(fs.existsSync(info.storageDir), false, 'storage dir removed')
})

test('cli: bad arguments exit 1 before starting anything', async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'backend', 'cli.js'), '--nope', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (c) => {
    stderr += c
  })
  const code = await new Promise((resolve) => child.on('exit', resolve))
  assert.equal(code, 1)
  assert.match(stderr, /unknown option --nope/)
})
