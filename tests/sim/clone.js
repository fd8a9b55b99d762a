'use strict'
// Deep copies in the style of wx storage / setData: JSON-compatible values, Date kept as Date.
// `realm` = { Object, Array, Date } of the realm the copy must live in (host or vm context).

const toStr = Object.prototype.toString

function isDate(v) {
  return toStr.call(v) === '[object Date]'
}
function isArrayBuffer(v) {
  const t = toStr.call(v)
  return t === '[object ArrayBuffer]' || t === '[object SharedArrayBuffer]'
}

function cloneInto(value, realm) {
  const seen = new Set()
  function walk(v, inArray) {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v
      case 'number':
        return Number.isFinite(v) ? v : null
      case 'bigint':
        throw new TypeError('Do not know how to serialize a BigInt')
      case 'undefined':
      case 'function':
      case 'symbol':
        return inArray ? null : undefined
    }
    if (v === null) return null
    if (isDate(v)) return new realm.Date(v.getTime())
    if (typeof v.toJSON === 'function') return walk(v.toJSON(), inArray)
    if (seen.has(v)) throw new TypeError('Converting circular structure to JSON')
    seen.add(v)
    let out
    if (Array.isArray(v)) {
      out = new realm.Array()
      for (let i = 0; i < v.length; i++) out.push(walk(v[i], true))
    } else {
      out = new realm.Object()
      for (const k of Object.keys(v)) {
        const c = walk(v[k], false)
        if (c !== undefined) out[k] = c
      }
    }
    seen.delete(v)
    return out
  }
  return walk(value, false)
}

// Size of a storage entry: UTF-8 bytes of key + JSON of the value.
function entrySize(key, value) {
  let json
  try {
    json = JSON.stringify(value)
  } catch {
    json = ''
  }
  return Buffer.byteLength(String(key)) + (json === undefined ? 0 : Buffer.byteLength(json))
}

module.exports = { cloneInto, entrySize, isDate, isArrayBuffer }
