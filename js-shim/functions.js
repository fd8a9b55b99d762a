'use strict'
// `supabase.functions`: functions-js 2.x's FunctionsClient over the driver's data path. The core
// (src/functions.rs) builds the request and classifies the reply; this file keeps the body in JS
// (serialised as functions-js does), and shapes what the core decided into functions-js' result:
// error classes, a fetch-like `Response` for `error.context` / `response`, and `data`.

const errors = require('./errors.js')

class FunctionsError extends Error {
  constructor(message, name, context) {
    super(message)
    this.name = name || 'FunctionsError'
    this.context = context
  }
}

class FunctionsFetchError extends FunctionsError {
  constructor(context) {
    super('Failed to send a request to the Edge Function', 'FunctionsFetchError', context)
  }
}

class FunctionsRelayError extends FunctionsError {
  constructor(context) {
    super('Relay Error invoking the Edge Function', 'FunctionsRelayError', context)
  }
}

class FunctionsHttpError extends FunctionsError {
  constructor(context) {
    super('Edge Function returned a non-2xx status code', 'FunctionsHttpError', context)
  }
}

// `response.headers`: a Map of lower-case names whose get/has ignore case, like fetch's Headers
// (and the SDK we replace, whose WxRes had a lower-cased Map).
class FunctionsHeaders extends Map {
  get(name) {
    return super.get(String(name).toLowerCase())
  }
  has(name) {
    return super.has(String(name).toLowerCase())
  }
}

// What fetch's Response offers that WeChat can: status, ok, url, headers and the body through
// text() / json() / arrayBuffer(). `data` is the body as the SDK we replace exposed it.
class FunctionsResponse {
  constructor(desc, body, data) {
    const d = desc || {}
    this.url = d.url
    this.status = d.status
    this.ok = d.ok
    this.statusText = ''
    this.headers = new FunctionsHeaders(Object.entries(d.headers || {}))
    this.data = data
    Object.defineProperty(this, '_body', { value: body === undefined ? '' : body })
  }
  text() {
    return Promise.resolve(this._body instanceof ArrayBuffer ? decode(this._body) : String(this._body))
  }
  json() {
    return this.text().then((t) => JSON.parse(t))
  }
  arrayBuffer() {
    if (this._body instanceof ArrayBuffer) return Promise.resolve(this._body.slice(0))
    return this.text().then((t) => {
      const { TextEncoder } = require('./text.js')
      const bytes = new TextEncoder().encode(t)
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    })
  }
}

function decode(buf) {
  const { TextDecoder } = require('./text.js')
  return new TextDecoder().decode(new Uint8Array(buf))
}

// The core's `{ url, status, ok, headers, body?, data? }` -> a Response (a non-2xx body crossed
// as text into the core and comes back in `body`).
function responseOf(desc) {
  return desc ? new FunctionsResponse(desc, desc.body, desc.data) : undefined
}

errors.register('FunctionsError', (d) => new FunctionsError(d.message, 'FunctionsError', responseOf(d.context)))
errors.register('FunctionsHttpError', (d) => new FunctionsHttpError(responseOf(d.context)))
errors.register('FunctionsRelayError', (d) => new FunctionsRelayError(responseOf(d.context)))
errors.register('FunctionsFetchError', (d) => new FunctionsFetchError(d.context))

// functions-js' body inference: ArrayBuffer (or a typed array view's bytes) -> binary, string ->
// text, anything else -> JSON. The kind goes to the core (which sets the Content-Type), the body
// stays here. Returns { kind, body } or throws (a cycle, a BigInt).
function bodyOf(b) {
  if (b === undefined || b === null) return { kind: 'none' }
  if (b instanceof ArrayBuffer || Object.prototype.toString.call(b) === '[object ArrayBuffer]') return { kind: 'binary', body: b }
  if (ArrayBuffer.isView(b)) return { kind: 'binary', body: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) }
  if (typeof b === 'string') return { kind: 'text', body: b }
  return { kind: 'json', body: JSON.stringify(b) }
}

// The old SDK resolved with wx's response as `data` (body at `data.data`): object results get
// a hidden `data` alias of themselves, which JSON.stringify and Object.keys do not show.
function alias(data) {
  if (data !== null && typeof data === 'object' && !Object.prototype.hasOwnProperty.call(data, 'data')) {
    Object.defineProperty(data, 'data', { value: data, enumerable: false, configurable: true, writable: true })
  }
  return data
}

// `base` overridden by `extra`, names compared without case (the core gets a JSON object, whose
// key order is not kept).
function merge(base, extra) {
  const out = Object.assign({}, base)
  if (extra && typeof extra === 'object') {
    for (const k of Object.keys(extra)) {
      for (const b of Object.keys(out)) if (b.toLowerCase() === k.toLowerCase()) delete out[b]
      out[k] = extra[k]
    }
  }
  return out
}

class FunctionsClient {
  constructor(driver, options) {
    this._driver = driver
    this._headers = {}
    this._region = options && options.region
  }

  /** Sends `Authorization: Bearer <token>` on this client's calls instead of the session's. */
  setAuth(token) {
    this._headers.Authorization = 'Bearer ' + token
  }

  /**
   * `invoke(name or full http(s):// URL, { body, headers, method = 'POST', region, timeout, signal })`
   * → `{ data, error, response? }`; never rejects. `data` by the reply's Content-Type: JSON
   * parsed, `application/octet-stream` / `application/pdf` an ArrayBuffer, otherwise text.
   */
  invoke(functionName, options) {
    const o = options || {}
    let body
    try {
      body = bodyOf(o.body)
    } catch (e) {
      const error = new FunctionsError('functions.invoke: the body cannot be sent as JSON: ' + ((e && e.message) || e))
      return Promise.resolve({ data: null, error })
    }
    const opts = {
      method: o.method,
      headers: merge(this._headers, o.headers),
      region: o.region || this._region,
      timeout: o.timeout,
      body: body.kind,
    }
    // The body never enters wasm; an AbortSignal-like `signal` ends the call with a
    // FunctionsFetchError (context.code 'aborted'), as fetch's AbortError does in functions-js.
    const payload = { body: body.body, signal: o.signal }
    return this._driver._data('functions', 'invoke', [functionName, opts], payload).then(shape)
  }
}

// The driver's `{ error, data, response?, json_error? }` -> functions-js' `{ data, error, response }`.
function shape(r) {
  let data = r.data === undefined ? null : r.data
  let error = r.error || null
  if (r.json_error && !error) {
    try {
      data = JSON.parse(data)
    } catch (e) {
      const context = Object.assign({}, r.json_error.context, { body: data, data })
      error = errors.toDataError(Object.assign({}, r.json_error, { context }))
      data = null
    }
  }
  const out = { data: error ? null : alias(data), error }
  if (r.response) out.response = error ? error.context : new FunctionsResponse(r.response, r.data, data)
  return out
}

module.exports = { FunctionsClient, FunctionsError, FunctionsFetchError, FunctionsRelayError, FunctionsHttpError }
