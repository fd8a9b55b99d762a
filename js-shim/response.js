'use strict'
// `functions.invoke`'s `response` and a FunctionsError's `context`: what fetch's Response offers
// that WeChat can (status, ok, url, headers and the body through text() / json() /
// arrayBuffer()). `data` is the body as the SDK we replace exposed it.
const { TextEncoder } = require('./text.js')
const { utf8 } = require('./util.js')

// `response.headers`: a Map of lower-case names whose get/has ignore case, like fetch's Headers
// (and the SDK we replace, whose WxRes had a lower-cased Map).
// (Map's own methods called by name, not `super.get`: babel's ES5 of `super` is two more helpers.)
class FunctionsHeaders extends Map {
  get(name) {
    return Map.prototype.get.call(this, String(name).toLowerCase())
  }
  has(name) {
    return Map.prototype.has.call(this, String(name).toLowerCase())
  }
}

class FunctionsResponse {
  constructor(desc, body, data) {
    const d = desc || {}
    this.url = d.url
    this.status = d.status
    this.ok = d.ok
    this.statusText = ''
    const h = d.headers || {}
    this.headers = new FunctionsHeaders(Object.keys(h).map((k) => [k, h[k]]))
    this.data = data
    Object.defineProperty(this, '_body', { value: body === undefined ? '' : body })
  }
  text() {
    return Promise.resolve(this._body instanceof ArrayBuffer ? utf8(this._body) : String(this._body))
  }
  json() {
    return this.text().then((t) => JSON.parse(t))
  }
  arrayBuffer() {
    if (this._body instanceof ArrayBuffer) return Promise.resolve(this._body.slice(0))
    return this.text().then((t) => {
      const bytes = new TextEncoder().encode(t)
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    })
  }
}

module.exports = { FunctionsResponse, FunctionsHeaders }
