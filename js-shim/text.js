'use strict'
// UTF-8 TextEncoder/TextDecoder for the wasm glue. WeChat DevTools has the host classes; many
// devices do not, so a small spec-following fallback (lone surrogates and invalid bytes become
// U+FFFD, like the host classes) is used there.

function FallbackTextEncoder() {}
FallbackTextEncoder.prototype.encode = function (str) {
  const s = String(str === undefined ? '' : str)
  const out = new Uint8Array(s.length * 3)
  return out.subarray(0, this.encodeInto(s, out).written)
}
// Writes as many whole characters as fit into `view`; returns UTF-16 units read and bytes written.
FallbackTextEncoder.prototype.encodeInto = function (str, view) {
  const s = String(str)
  const cap = view.length
  let read = 0
  let w = 0
  while (read < s.length) {
    let c = s.charCodeAt(read)
    let units = 1
    if (c >= 0xd800 && c <= 0xdbff && read + 1 < s.length) {
      const d = s.charCodeAt(read + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00)
        units = 2
      } else {
        c = 0xfffd
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd
    }
    if (c < 0x80) {
      if (w + 1 > cap) break
      view[w++] = c
    } else if (c < 0x800) {
      if (w + 2 > cap) break
      view[w++] = 0xc0 | (c >> 6)
      view[w++] = 0x80 | (c & 0x3f)
    } else if (c < 0x10000) {
      if (w + 3 > cap) break
      view[w++] = 0xe0 | (c >> 12)
      view[w++] = 0x80 | ((c >> 6) & 0x3f)
      view[w++] = 0x80 | (c & 0x3f)
    } else {
      if (w + 4 > cap) break
      view[w++] = 0xf0 | (c >> 18)
      view[w++] = 0x80 | ((c >> 12) & 0x3f)
      view[w++] = 0x80 | ((c >> 6) & 0x3f)
      view[w++] = 0x80 | (c & 0x3f)
    }
    read += units
  }
  return { read: read, written: w }
}

function FallbackTextDecoder() {}
// WHATWG UTF-8 decode with replacement; the BOM is kept (the glue asks for ignoreBOM: true).
FallbackTextDecoder.prototype.decode = function (input) {
  if (input === undefined) return ''
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input.buffer || input)
  const n = bytes.length
  let out = ''
  let chunk = []
  let i = 0
  while (i < n) {
    const b = bytes[i]
    let cp = 0xfffd
    let len = 1
    if (b < 0x80) {
      cp = b
    } else if (b >= 0xc2 && b <= 0xf4) {
      const need = b < 0xe0 ? 1 : b < 0xf0 ? 2 : 3
      let lower = 0x80
      let upper = 0xbf
      if (b === 0xe0) lower = 0xa0
      else if (b === 0xed) upper = 0x9f
      else if (b === 0xf0) lower = 0x90
      else if (b === 0xf4) upper = 0x8f
      let acc = b & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07)
      let k = 1
      for (; k <= need; k++) {
        const c = i + k < n ? bytes[i + k] : -1
        if (c < lower || c > upper) break
        acc = (acc << 6) | (c & 0x3f)
        lower = 0x80
        upper = 0xbf
      }
      if (k > need) {
        cp = acc
        len = need + 1
      } else {
        len = k // the maximal invalid subpart becomes one U+FFFD
      }
    }
    if (cp > 0xffff) {
      cp -= 0x10000
      chunk.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff))
    } else {
      chunk.push(cp)
    }
    i += len
    if (chunk.length >= 4096) {
      out += String.fromCharCode.apply(null, chunk)
      chunk = []
    }
  }
  return out + String.fromCharCode.apply(null, chunk)
}

const g = typeof globalThis !== 'undefined' ? globalThis : {}
module.exports = {
  TextEncoder: typeof g.TextEncoder === 'function' ? g.TextEncoder : FallbackTextEncoder,
  TextDecoder: typeof g.TextDecoder === 'function' ? g.TextDecoder : FallbackTextDecoder,
  FallbackTextEncoder: FallbackTextEncoder,
  FallbackTextDecoder: FallbackTextDecoder,
}
