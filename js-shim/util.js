'use strict'
// The shim's small helpers, one copy each (every module and both platforms use these).
const { TextDecoder } = require('./text.js')

// JSON text for the core, the one place every API's arguments cross. Functions (a custom storage
// adapter, global.fetch) are dropped as JSON.stringify does; a cycle or a BigInt drops only the
// value concerned, not the whole object. Plain JSON.stringify first: a replacer runs JS for every
// value, which iOS interprets (no JIT), and the values that need it (a cycle, a BigInt) make
// JSON.stringify throw. Lone surrogates become U+FFFD, as a USVString conversion (URL, Headers,
// fetch bodies) does: JSON.stringify writes them as `\udXXX` escapes, which serde_json refuses,
// and a refused argument list would blame the wrong argument.
//
// `\udXXX` (a high or low surrogate) after an odd number of backslashes: an escape that
// JSON.stringify only writes for a lone surrogate (a pair is written as the characters).
const LONE_ESCAPE = /(\\+)ud[89a-f][0-9a-f]{2}/g
const wellFormed = (m, slashes) => (slashes.length % 2 === 1 ? slashes.slice(1) + '\ufffd' : m)

/** `value` as JSON text for the core (never throws). */
function toJson(value) {
  let s
  try {
    s = JSON.stringify(value === undefined ? null : value)
  } catch (_e) {
    s = toJsonCarefully(value)
  }
  if (s === undefined) return 'null'
  // indexOf is native and cheap; the rewrite runs only for a text that has such an escape.
  return s.indexOf('\\ud') === -1 ? s : s.replace(LONE_ESCAPE, wellFormed)
}

// JSON.stringify threw: a cycle, a BigInt, a throwing getter or toJSON. Copies what can be read
// (each property read on its own, a value that throws or cannot be JSON left out) and stringifies
// the copy, so one bad property does not take the other arguments with it.
function toJsonCarefully(value) {
  const seen = []
  const read = (o, k) => {
    try {
      return plain(o[k])
    } catch (_e) {
      return undefined
    }
  }
  const plain = (v) => {
    if (v !== null && typeof v === 'object' && typeof v.toJSON === 'function') v = v.toJSON()
    if (typeof v === 'bigint') return undefined
    if (v === null || typeof v !== 'object') return v
    if (v instanceof String || v instanceof Number || v instanceof Boolean) return v.valueOf()
    if (seen.indexOf(v) !== -1) return undefined
    seen.push(v)
    let out
    if (Array.isArray(v)) {
      out = []
      for (let i = 0; i < v.length; i++) out.push(read(v, i))
    } else {
      out = {}
      Object.keys(v).forEach((k) => {
        const x = read(v, k)
        if (x !== undefined) out[k] = x
      })
    }
    seen.pop()
    return out
  }
  try {
    return JSON.stringify(plain(value === undefined ? null : value))
  } catch (_e) {
    return 'null' // unreadable through and through (a throwing Proxy): the core says what is missing
  }
}

// What a thrown value says: a wx error's `errMsg`, an Error's `message`, or the value as text.
function messageOf(e) {
  return (e && (e.errMsg || e.message)) || String(e)
}

// Pages written for the SDK we replace read `data.data` (its results wrapped WeChat's response,
// MemFire's templates: `const { data: { data } } = await list()`) and `user.data.phone` (2.1.x):
// an object or array gets a hidden `data` alias of itself, which JSON.stringify and Object.keys
// do not show. `writable`: whether a page may assign its own `data` over it.
function alias(value, writable) {
  if (value !== null && typeof value === 'object' && !Object.prototype.hasOwnProperty.call(value, 'data')) {
    Object.defineProperty(value, 'data', { value, enumerable: false, configurable: true, writable: !!writable })
  }
  return value
}

// An ArrayBuffer as text (UTF-8, invalid bytes as U+FFFD); a string as it is; anything else ''.
function utf8(body) {
  if (!(body instanceof ArrayBuffer)) return typeof body === 'string' ? body : ''
  return new TextDecoder().decode(new Uint8Array(body))
}

// Calls `then` with the value of a maybe-Promise, synchronously when it is not one.
function whenDone(value, then) {
  return value && typeof value.then === 'function' ? value.then(then) : then(value)
}

// The UTF-16 units of the strings in `v`, one more per array item (a separator), counted only
// until past `max` (a huge argument costs no more than that).
function sizeOf(v, max) {
  if (!Array.isArray(v)) return typeof v === 'string' ? v.length : 0
  let n = v.length
  for (let i = 0; i < v.length && n <= max; i++) n += sizeOf(v[i], max)
  return n
}

// `Array.from(list, fn)` less the items `fn` maps to null, stopping once the results' sizeOf passes
// `max`: a call that large is refused, so a huge argument costs no more than the bound. A null or
// undefined list is empty (as `new Set(list)` takes it).
function boundedMap(list, fn, max) {
  const out = []
  let n = 0
  // An array as it is (a huge one is not copied); any other iterable (a Set, …) through Array.from.
  const xs = list === null || list === undefined ? out : Array.isArray(list) ? list : Array.from(list)
  for (let i = 0; i < xs.length && n <= max; i++) {
    const y = fn(xs[i])
    if (y === null) continue
    out.push(y)
    n += sizeOf(y, max) + 1
  }
  return out
}

// errors.js' two makers, loaded with the first error rather than at start-up (api.js): no
// description, no error, and errors.js is not required.
const toError = (desc) => (desc ? require('./errors.js').toError(desc) : null)
const toDataError = (desc) => (desc ? require('./errors.js').toDataError(desc) : null)

// Methods made from a table (postgrest.js' filters, storage-api.js' pass-through calls), each put
// on `Class.prototype` as a class body puts one: its own name, no prototype, not enumerable.
// `make(name)` returns `{ [name](…) { … } }` (method syntax: a method has no prototype).
function defineMethods(Class, names, make) {
  names.forEach((name) => {
    Object.defineProperty(Class.prototype, name, { value: make(name)[name], writable: true, configurable: true })
  })
}

module.exports = { toJson, messageOf, alias, utf8, whenDone, sizeOf, boundedMap, toError, toDataError, defineMethods }
