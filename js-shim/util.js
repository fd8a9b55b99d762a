'use strict'
// The shim's small helpers, one copy each (every module and both platforms use these).
const { TextDecoder } = require('./text.js')

// JSON text for the core. Functions (a custom storage adapter, global.fetch) are dropped as
// JSON.stringify does; a cycle or a BigInt drops only the value concerned, not the whole object.
// Plain JSON.stringify first: a replacer runs JS for every value, which iOS interprets (no JIT),
// and the values that need it (a cycle, a BigInt) make JSON.stringify throw.
function toJson(value) {
  try {
    const s = JSON.stringify(value === undefined ? null : value)
    return s === undefined ? 'null' : s
  } catch (_e) {
    return toJsonCarefully(value)
  }
}

function toJsonCarefully(value) {
  const seen = []
  try {
    const s = JSON.stringify(value === undefined ? null : value, (_k, v) => {
      if (typeof v === 'bigint') return undefined
      if (typeof v === 'object' && v !== null) {
        if (seen.indexOf(v) !== -1) return undefined
        seen.push(v)
      }
      return v
    })
    return s === undefined ? 'null' : s
  } catch (_e) {
    return 'null' // a throwing toJSON: the core answers with a clear validation error
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
  for (const x of list === null || list === undefined ? out : list) {
    const y = fn(x)
    if (y === null) continue
    out.push(y)
    n += sizeOf(y, max) + 1
    if (n > max) break
  }
  return out
}

module.exports = { toJson, messageOf, alias, utf8, whenDone, sizeOf, boundedMap }
