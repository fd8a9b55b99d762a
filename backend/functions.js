'use strict'
// Functions (like Supabase Edge Functions) under /functions/v1, run from local JavaScript files.
//
//   ANY /functions/v1/<name>[/rest...]  ->  <dir>/<name>.js
//
// dir: ctx.cfg.functionsDir (startBackend option `functionsDir`), else backend/functions/. It can also be
// switched at run time: `be.functions.dir = '/some/dir'`.
//
// A handler file exports `async (request) => response` (or `exports.handler`):
//   request  = { method, name, path ('/' or '/rest...' after the function name), query (decoded object),
//                search (raw query string without '?'), url, headers (lower-case), body (Buffer),
//                text(), json() (throws on bad JSON), user (verified JWT claims of Authorization, or null) }
//   response = { status = 200, headers = {}, body } with body a Buffer (application/octet-stream unless
//              headers say otherwise), a string (text/plain; charset=utf-8 unless ...), any other value
//              (JSON), or null/undefined (no body). Returning null/undefined altogether -> 204.
// Handler files (and anything else they required from the functions dir) are re-required on every request,
// so edits apply without a restart.
//
// Gateway behaviour (Supabase with verify_jwt = true, the default): the Authorization header must carry
// a JWT signed with the project's secret and not expired; the anon key counts (user = its claims, role
// 'anon'). No apikey header is needed (Kong has no key-auth on functions).
//   no Authorization / not "Bearer <token>" -> 401 {"msg":"Error: Missing authorization header"}
//   bad signature / expired / malformed     -> 401 {"msg":"Invalid JWT"}
// A handler file can opt out with `module.exports.verifyJwt = false` (config.toml verify_jwt = false);
// `user` is then the claims of a valid JWT, or null.
// The function is looked up before the JWT is checked:
//   unknown name (or a name that is not [A-Za-z0-9_-]+)   -> 404 {"message":"Function not found"}
//   the handler throws / fails to load / bad response     -> 500 {"error":"<message>"} (the backend keeps running;
//                                                            be.functions.errors keeps the last 50 errors)
//   body over 10 MiB                                        -> 413 {"message":"Request size limit exceeded"}
// api (be.functions): { dir (get/set), url (baseUrl + '/functions/v1'), errors }
const fs = require('node:fs')
const path = require('node:path')
const { bearerToken, send } = require('./http-util')

const PREFIX = '/functions/v1'
const NAME_RE = /^[A-Za-z0-9_-]+$/
const BODY_LIMIT = 10 << 20

function create(ctx) {
  let dir = path.resolve((ctx.cfg && ctx.cfg.functionsDir) || path.join(__dirname, 'functions'))
  const errors = []

  function recordError(name, e) {
    errors.push({ name, message: (e && e.message) || String(e), at: Date.now() })
    if (errors.length > 50) errors.shift()
  }

  // Drop every cached module that lives in the functions dir, so handler edits apply at once.
  function purgeCache() {
    const root = dir.endsWith(path.sep) ? dir : dir + path.sep
    for (const k of Object.keys(require.cache)) if (k.startsWith(root)) delete require.cache[k]
  }

  function loadHandler(file) {
    purgeCache()
    const mod = require(file)
    const fn = typeof mod === 'function' ? mod : mod && (mod.handler || mod.default)
    if (typeof fn !== 'function') throw new Error('function module does not export a handler')
    return { fn, verifyJwt: !(mod && mod.verifyJwt === false) }
  }

  // Returns { claims } | { error: body }.
  function checkJwt(req) {
    const token = bearerToken(req.headers.authorization)
    if (!token) return { error: { msg: 'Error: Missing authorization header' } }
    try {
      return { claims: ctx.jwt.verify(token, ctx.cfg.jwtSecret, Math.floor(ctx.now() / 1000)) }
    } catch (_) {
      return { error: { msg: 'Invalid JWT' } }
    }
  }

  function reply(req, res, out) {
    if (out === null || out === undefined) return send(res, 204, null)
    if (typeof out !== 'object' || Array.isArray(out) || Buffer.isBuffer(out)) {
      throw new Error('a handler must return { status, headers, body } (or nothing)')
    }
    const status = out.status === undefined ? 200 : Number(out.status)
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new Error(`invalid response status ${out.status}`)
    const headers = {}
    for (const [k, v] of Object.entries(out.headers || {}))
      if (v !== undefined && v !== null) headers[k.toLowerCase()] = String(v)
    let body = out.body
    const noBody = status === 204 || status === 304 || req.method === 'HEAD'
    if (noBody || body === undefined || body === null) {
      delete headers['content-length']
      return send(res, status, null, headers)
    }
    if (Buffer.isBuffer(body) || body instanceof Uint8Array || body instanceof ArrayBuffer) {
      body = Buffer.from(body instanceof ArrayBuffer ? new Uint8Array(body) : body)
      if (!headers['content-type']) headers['content-type'] = 'application/octet-stream'
    } else if (typeof body === 'string') {
      if (!headers['content-type']) headers['content-type'] = 'text/plain; charset=utf-8'
    } else {
      body = JSON.stringify(body)
      if (!headers['content-type']) headers['content-type'] = 'application/json'
    }
    delete headers['content-length']
    return send(res, status, body, headers)
  }

  const service = {
    prefix: PREFIX,
    apikey: false,
    async handle(req, res, r) {
      const m = /^\/([^/]*)(\/.*)?$/.exec(r.path)
      let name = m ? m[1] : ''
      try {
        name = decodeURIComponent(name)
      } catch (_) {
        name = ''
      }
      const file = path.join(dir, `${name}.js`)
      if (!NAME_RE.test(name) || !fs.existsSync(file)) return send(res, 404, { message: 'Function not found' })

      let handler
      try {
        handler = loadHandler(file)
      } catch (e) {
        recordError(name, e)
        return send(res, 500, { error: (e && e.message) || String(e) })
      }

      let user = null
      const auth = checkJwt(req)
      if (auth.error) {
        if (handler.verifyJwt) return send(res, 401, auth.error)
      } else user = auth.claims

      const body = await r.body(BODY_LIMIT)
      const request = {
        method: req.method,
        name,
        path: (m && m[2]) || '/',
        query: { ...r.params },
        search: r.query,
        url: `${ctx.baseUrl()}${r.url.pathname}${r.url.search}`,
        headers: { ...req.headers },
        body,
        text: () => body.toString('utf8'),
        json: () => JSON.parse(body.toString('utf8')),
        user,
      }
      let out
      try {
        out = await handler.fn(request)
        if (res.destroyed || res.writableEnded) return undefined // client went away (or the handler answered itself)
        return reply(req, res, out)
      } catch (e) {
        recordError(name, e)
        if (res.headersSent) return res.destroy()
        return send(res, 500, { error: (e && e.message) || String(e) })
      }
    },
  }

  const api = {
    get dir() {
      return dir
    },
    set dir(d) {
      dir = path.resolve(String(d))
    },
    get url() {
      return `${ctx.baseUrl()}${PREFIX}`
    },
    errors,
  }

  return { services: [service], api }
}

module.exports = { create }
