'use strict'
// A data-path reply (Database / Storage / Functions), both ways and on every platform: how its
// body is split between JS (kept) and the core (text that crosses), `readReply`, used by the
// platforms' `transfer`; and how the call's result is put back together from the core's outcome
// and the kept body, `assemble`, used by the driver. Payloads never enter wasm.
const { utf8, toDataError } = require('./util.js')

// The HTTP status as an integer (0 if none came, which the core treats as a failed reply).
function statusOf(res) {
  const n = Number(res && res.statusCode)
  return n >= 0 && n <= 65535 ? Math.floor(n) : 0
}

// A body as text: strings as they are, ArrayBuffers decoded as UTF-8, anything else as JSON.
function textOf(data) {
  if (typeof data === 'string') return data
  if (data instanceof ArrayBuffer) return utf8(data)
  if (data === undefined || data === null) return ''
  try {
    const s = JSON.stringify(data)
    return s === undefined ? '' : s
  } catch (_e) {
    return String(data)
  }
}

// `read` is how the core asked for the body (see src/data): `facts` is what the core is told
// about what JS keeps, `text` what crosses into the core (a non-2xx body, a `core` read, or a 2xx
// body that did not parse as the JSON it should be), `held` what stays in JS (`{ body }` or
// `{ tempFilePath }`, a downloaded file).
// One shape for every reply (what the platforms' transfer hands the core).
const reply = (facts, text, held) => ({ facts, text, held })

function readReply(read, status, raw, tempFilePath) {
  const ok = status >= 200 && status < 300
  if (!ok) {
    const text = textOf(raw)
    return reply({ len: text.length }, text, null)
  }
  if (tempFilePath !== undefined) return reply({ len: 0 }, undefined, { tempFilePath })
  if (read === 'array_buffer') {
    const body = raw instanceof ArrayBuffer ? raw : new ArrayBuffer(0)
    return reply({ len: body.byteLength }, undefined, { body })
  }
  const text = textOf(raw)
  if (read === 'core') return reply({ len: text.length }, text, null)
  if (read === 'text') return reply({ len: text.length }, undefined, { body: text })
  if (read === 'json') {
    if (text === '') return reply({ len: 0, json: false }, '', { body: null })
    try {
      const body = JSON.parse(text)
      const facts = { len: text.length, json: true }
      if (Array.isArray(body)) facts.array = body.length
      return reply(facts, undefined, { body })
    } catch (_e) {
      return reply({ len: text.length, json: false }, text, { body: null })
    }
  }
  return reply({ len: text.length }, undefined, { body: null })
}

// A 2xx ArrayBuffer body the core asked to have parsed (`wantsJson`, functions' JSON replies):
// `facts.json` says whether its UTF-8 text parsed, the text crosses only when it did not, and
// the buffer stays held with the parsed value beside it (`take: 'utf8_json'`).
function readJson(body) {
  const text = utf8(body)
  const len = body.byteLength
  try {
    return reply({ len, json: true }, undefined, { body, json: JSON.parse(text) })
  } catch (_e) {
    return reply({ len, json: false }, text, { body })
  }
}

// The result of a data-path call from the core's outcome (`{ result, take, error }`, see
// src/data) and what stayed in JS: `take` says where `data` comes from when the core did not
// build it. Fields in supabase-js' order: error, data, then the rest.
function assemble(outcome, held) {
  const r = (outcome && outcome.result) || {}
  let data = r.data === undefined ? null : r.data
  const take = outcome && outcome.take
  if (take === 'body') data = held ? held.body : null
  else if (take === 'first') data = held && held.body ? held.body[0] : null
  else if (take === 'file') data = held ? { tempFilePath: held.tempFilePath } : null
  else if (take === 'utf8') data = held ? utf8(held.body) : null
  else if (take === 'utf8_json') data = held && held.json !== undefined ? held.json : null
  const out = { error: toDataError(outcome && outcome.error), data }
  Object.keys(r).forEach((k) => {
    if (k !== 'data' && k !== 'error') out[k] = r[k]
  })
  return out
}

module.exports = { readReply, readJson, assemble, statusOf, textOf }
