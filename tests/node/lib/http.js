'use strict'
// The Node tests' HTTP client: one request, its whole reply read. Each test file keeps its own defaults
// (base URL, default headers, how the body is encoded, what the result is called) in a small wrapper.
const http = require('node:http')

// The reply text as JSON; undefined when it is empty or not JSON.
function jsonOrUndefined(text) {
  try {
    return text ? JSON.parse(text) : undefined
  } catch (_) {
    return undefined
  }
}

// One request.
// - target: a URL (string or URL object), or http.request options ({ host, port, path }: the path goes on the
//   request line exactly as given, with no URL normalisation).
// - headers: sent as given (nothing is added). agent: http.request's (default false: a fresh connection).
// - body: undefined, a Buffer or a string, or an array of them. It is written piece by piece with write(), then
//   end(): Transfer-Encoding chunked unless `headers` carry content-length. `sized`: one end(body) instead, for
//   which Node sets Content-Length itself.
// - timeout: ms of socket inactivity after which the request is destroyed with an error of code CLIENT_TIMEOUT.
// Resolves { status, headers, raw (Buffer), text, json (undefined unless JSON) }; rejects with the error of the
// request or of the reply.
function send(target, { method = 'GET', headers = {}, body, agent = false, sized = false, timeout } = {}) {
  return new Promise((resolve, reject) => {
    const onReply = (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const raw = Buffer.concat(chunks)
        const text = raw.toString('utf8')
        resolve({ status: res.statusCode, headers: res.headers, raw, text, json: jsonOrUndefined(text) })
      })
      res.on('error', reject)
    }
    const opts = { method, headers, agent }
    const r =
      typeof target === 'string' || target instanceof URL
        ? http.request(target, opts, onReply)
        : http.request({ ...target, ...opts }, onReply)
    if (timeout) r.setTimeout(timeout, () => r.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })))
    r.on('error', reject)
    if (sized) {
      r.end(body)
      return
    }
    for (const piece of body === undefined ? [] : [].concat(body)) r.write(piece)
    r.end()
  })
}

// A request to `urlPath` resolved against `baseUrl`, with a JSON-minded body: a Buffer is sent as is, a string as
// is with content-type application/json, anything else as JSON with that content-type; `headers` come last and
// override it. Resolves as send() does.
function request(baseUrl, method, urlPath, { headers = {}, body, agent = false, timeout } = {}) {
  const data = body === undefined || Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body)
  const h = { ...(data !== undefined && !Buffer.isBuffer(data) ? { 'content-type': 'application/json' } : {}), ...headers }
  return send(new URL(urlPath, baseUrl), { method, headers: h, body: data, agent, timeout })
}

// The end-to-end tests' direct call to a backend `be` ({ url, anonKey }), next to the SDK under test: the anon
// key as `apikey` and content-type application/json on every call, the body as JSON with Content-Length, Node's
// global agent. Resolves { status, body: the reply's JSON, or null when empty }; a reply that is not JSON rejects.
async function callJson(be, method, urlPath, body, headers = {}) {
  const r = await send(be.url + urlPath, {
    method,
    headers: { apikey: be.anonKey, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    agent: http.globalAgent,
    sized: true,
  })
  return { status: r.status, body: r.text ? JSON.parse(r.text) : null }
}

module.exports = { send, request, callJson }
