'use strict'
// Shared HTTP helpers of the local backend: replies, GoTrue error bodies, body reading.
const crypto = require('node:crypto')

const API_VERSION_2024 = '2024-01-01'

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET,HEAD,PUT,PATCH,POST,DELETE,OPTIONS',
  'access-control-allow-headers':
    'authorization,apikey,content-type,x-client-info,x-supabase-api-version,prefer,range,accept-profile,content-profile,x-upsert,cache-control',
  'access-control-expose-headers': 'x-sb-error-code,x-supabase-api-version,content-range,preference-applied,content-profile',
}

// GoTrue's error: status, error_code and message; `oauth` {error, error_description} -> shape C;
// `extra` fields are added to shapes A and B (shape D: `weak_password: {reasons}`).
class ApiError extends Error {
  constructor(status, errorCode, message, oauth) {
    super(message)
    this.status = status
    this.errorCode = errorCode
    this.oauth = oauth || null
    this.extra = null
  }
}

function wantsApi2024(req) {
  const v = req.headers['x-supabase-api-version']
  if (typeof v !== 'string') return false
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(v)
  if (!m) return false
  const d = Date.UTC(+m[1], +m[2] - 1, +m[3])
  return Number.isFinite(d) && d >= Date.UTC(2024, 0, 1)
}

// body: null/undefined -> no body; Buffer -> as is; string -> as is; else JSON.
function send(res, status, body, headers = {}) {
  const h = { ...CORS_HEADERS, ...headers }
  if (body === null || body === undefined) {
    res.writeHead(status, h)
    res.end()
    return
  }
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : stringify(body))
  if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json; charset=utf-8'
  h['content-length'] = buf.length
  res.writeHead(status, h)
  res.end(buf)
}

// GoTrue error bodies: shape B with X-Supabase-Api-Version >= 2024-01-01, else shape A; shape C for OAuth errors.
function sendApiError(req, res, e) {
  if (e.oauth) return send(res, e.status, e.oauth)
  const headers = {}
  if (e.errorCode) headers['x-sb-error-code'] = e.errorCode
  if (wantsApi2024(req)) {
    headers['x-supabase-api-version'] = API_VERSION_2024
    return send(
      res,
      e.status,
      { code: e.errorCode || (e.status >= 500 ? 'unexpected_failure' : 'unknown'), message: e.message, ...e.extra },
      headers,
    )
  }
  const body = { code: e.status, error_code: e.errorCode, msg: e.message, ...e.extra }
  if (e.status >= 500) body.error_id = crypto.randomUUID()
  return send(res, e.status, body, headers)
}

// The whole request body as a Buffer. Past `limit` bytes it stops buffering, reads (and discards) the rest of
// the upload, then rejects with `e.tooLarge` so the caller can answer 413 instead of resetting the connection.
// A body more than DRAIN_MAX bytes past the limit is cut off (the socket is destroyed).
const DRAIN_MAX = 256 << 20
function tooLargeError() {
  const e = new Error('body too large')
  e.tooLarge = true
  return e
}
function readBody(req, limit = 1 << 20) {
  return new Promise((resolve, reject) => {
    let chunks = []
    let n = 0
    let over = false
    req.on('data', (c) => {
      n += c.length
      if (over) {
        if (n > limit + DRAIN_MAX) {
          req.destroy()
          reject(tooLargeError())
        }
        return
      }
      if (n > limit) {
        over = true
        chunks = []
        return
      }
      chunks.push(c)
    })
    req.on('end', () => (over ? reject(tooLargeError()) : resolve(Buffer.concat(chunks))))
    req.on('error', reject)
    req.on('close', () => {
      if (!req.complete) reject(new Error('request aborted'))
    })
  })
}

// Go's encoding/json, which GoTrue decodes request bodies with (supabase/auth internal/api/helpers.go
// `retrieveRequestParams`: json.Unmarshal, then 400 bad_json "Could not parse request body as JSON: %v"), refuses
// input nested deeper than this (src/encoding/json/scanner.go `maxNestingDepth`) with a SyntaxError
// "invalid character '{' exceeded max depth" at the first bracket past it.
const GO_MAX_NESTING_DEPTH = 10000

// The first `{` or `[` that opens level GO_MAX_NESTING_DEPTH + 1 of `text` (strings skipped), or null.
function pastMaxDepth(text) {
  let depth = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++
    } else if (c === '{' || c === '[') {
      if (++depth > GO_MAX_NESTING_DEPTH) return c
    } else if (c === '}' || c === ']') depth--
  }
  return null
}

// JSON.stringify, which V8 runs recursively (a value nested ~5,000 deep overflows Node's stack), with an
// iterative fallback for such values: Go's json.Marshal, which GoTrue answers with, has no depth limit.
function stringify(v) {
  try {
    return JSON.stringify(v)
  } catch (e) {
    if (!(e instanceof RangeError)) throw e
  }
  const out = []
  // Work items: a value to write, or a literal piece of text.
  const work = [{ v }]
  while (work.length) {
    const item = work.pop()
    if (item.text !== undefined) {
      out.push(item.text)
      continue
    }
    let x = item.v
    if (x !== null && typeof x === 'object' && typeof x.toJSON === 'function') x = x.toJSON()
    if (x === null || typeof x !== 'object') {
      out.push(JSON.stringify(x === undefined || typeof x === 'function' || typeof x === 'symbol' ? null : x))
      continue
    }
    const parts = []
    if (Array.isArray(x)) {
      x.forEach((el, i) => {
        if (i) parts.push({ text: ',' })
        parts.push({ v: el })
      })
      work.push({ text: ']' }, ...parts.reverse(), { text: '[' })
    } else {
      for (const k of Object.keys(x)) {
        const el = x[k]
        if (el === undefined || typeof el === 'function' || typeof el === 'symbol') continue
        parts.push({ text: `${parts.length ? ',' : ''}${JSON.stringify(k)}:` }, { v: el })
      }
      work.push({ text: '}' }, ...parts.reverse(), { text: '{' })
    }
  }
  return out.join('')
}

// A JSON request body; an empty body is {}. Anything but a JSON object (null, [], "x", 1) is 400 bad_json,
// as GoTrue answers when the body does not decode into its request struct; so is one nested deeper than
// Go's encoding/json allows.
function parseJson(text) {
  if (!text || !text.trim()) return {}
  const past = pastMaxDepth(text)
  if (past)
    throw new ApiError(400, 'bad_json', `Could not parse request body as JSON: invalid character '${past}' exceeded max depth`)
  let v
  try {
    v = JSON.parse(text)
  } catch (_) {
    throw new ApiError(400, 'bad_json', 'Could not parse request body as JSON')
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new ApiError(400, 'bad_json', 'Could not parse request body as JSON: expected a JSON object')
  }
  return v
}

// The token of an `Authorization: Bearer <token>` value (scheme in any case, one token, trailing blanks allowed),
// or null for anything else (missing, another scheme, no token, more than one word).
function bearerToken(authorization) {
  const m = typeof authorization === 'string' ? /^bearer\s+(\S+)\s*$/i.exec(authorization) : null
  return m ? m[1] : null
}

module.exports = {
  API_VERSION_2024,
  CORS_HEADERS,
  ApiError,
  wantsApi2024,
  send,
  sendApiError,
  readBody,
  parseJson,
  stringify,
  tooLargeError,
  bearerToken,
}
