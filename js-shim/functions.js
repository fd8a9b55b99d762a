'use strict'
// `supabase.functions`: functions-js 2.x's FunctionsClient over the driver's data path. The core
// (src/data/functions.rs) builds the request and classifies the reply (JSON, text or binary, and
// whether a JSON reply parsed); this file keeps the body in JS (serialised as functions-js does),
// and puts what the core decided into functions-js' result: `data`, the error, and a fetch-like
// `Response` for `response`.

const { toDataError } = require('./errors.js')
const { FunctionsResponse } = require('./response.js')
const { alias, messageOf } = require('./util.js')

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

// `base` overridden by `extra`, names compared without case (the core gets a JSON object, whose
// key order is not kept).
function merge(base, extra) {
  const out = Object.assign({}, base)
  if (extra && typeof extra === 'object') {
    Object.keys(extra).forEach((k) => {
      Object.keys(out).forEach((b) => {
        if (b.toLowerCase() === k.toLowerCase()) delete out[b]
      })
      out[k] = extra[k]
    })
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
   * → `{ data, error, response? }`; never rejects. `timeout` (ms): 30 s by default, or the
   * client's `requestTimeout` when set. `data` by the reply's Content-Type: JSON
   * parsed, `application/octet-stream` / `application/pdf` an ArrayBuffer, otherwise text.
   */
  invoke(functionName, options) {
    let opts
    let payload
    // Reading the options may throw (a getter, a cycle in the body): functions-js resolves with
    // the error then, as here.
    const unreadable = 'the options cannot be read: '
    let what = unreadable
    try {
      const o = options || {}
      what = 'the body cannot be sent as JSON: '
      const body = bodyOf(o.body)
      what = unreadable
      opts = {
        method: o.method,
        headers: merge(this._headers, o.headers),
        region: o.region || this._region,
        timeout: o.timeout,
        body: body.kind,
      }
      // The body never enters wasm; an AbortSignal-like `signal` ends the call with a
      // FunctionsFetchError (context.code 'aborted'), as fetch's AbortError does in functions-js;
      // `timeout` counts from now (WeChat's queue included), then a FunctionsFetchError (timeout).
      payload = { body: body.body, signal: o.signal, timeout: o.timeout }
    } catch (e) {
      const error = toDataError({ name: 'FunctionsError', message: 'functions.invoke: ' + what + messageOf(e) })
      return Promise.resolve({ data: null, error })
    }
    return this._driver.data('functions', 'invoke', [functionName, opts], payload, true).then(shape)
  }
}

// The driver's `{ result: { error, data, response? }, held }` -> functions-js' `{ data, error, response }`:
// the core decided all of it (a JSON reply's `data` is already parsed, by `take`); the response's
// body is the reply as it was kept (an ArrayBuffer), read by text() / json() / arrayBuffer().
function shape(reply) {
  const r = reply.result
  const error = r.error || null
  // The old SDK resolved with wx's response as `data` (body at `data.data`): a hidden alias.
  const data = error ? null : alias(r.data === undefined ? null : r.data, true)
  const out = { data, error }
  if (r.response) out.response = error ? error.context : new FunctionsResponse(r.response, reply.held && reply.held.body, data)
  return out
}

module.exports = { FunctionsClient }
