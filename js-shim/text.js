'use strict'
// UTF-8 TextEncoder/TextDecoder for the wasm glue. WeChat DevTools has the host classes; many
// devices do not, so a small spec-following fallback (lone surrogates and invalid bytes become
// U+FFFD, like the host classes) is used there. iOS runs it without a JIT, where every step of a
// per-character JS loop costs: ASCII runs (most of every JSON text) are found with a native regex
// and decoded with String.fromCharCode over whole chunks, or encoded with a one-line loop.

// The next non-ASCII UTF-16 unit (from `lastIndex`).
// biome-ignore lint/suspicious/noControlCharactersInRegex: the class is every unit but ASCII, U+0000 included on purpose
const NON_ASCII = /[^\x00-\x7f]/g

function FallbackTextEncoder() {}
FallbackTextEncoder.prototype.encode = function (str) {
  const s = String(str === undefined ? '' : str)
  const out = new Uint8Array(s.length * 3)
  return out.subarray(0, this.encodeInto(s, out).written)
}
// Writes as many whole characters as fit into `view`; returns UTF-16 units read and bytes written.
// ASCII runs are found with a regex and copied one unit a byte; other characters take the full path.
FallbackTextEncoder.prototype.encodeInto = (str, view) => {
  const s = String(str)
  const n = s.length
  const cap = view.length
  let read = 0
  let w = 0
  while (read < n) {
    let c = s.charCodeAt(read)
    if (c < 0x80) {
      NON_ASCII.lastIndex = read
      const m = NON_ASCII.exec(s)
      const end = Math.min(m === null ? n : m.index, read + cap - w)
      if (end === read) break // full
      while (read < end) view[w++] = s.charCodeAt(read++)
      continue
    }
    let units = 1
    if (c >= 0xd800 && c <= 0xdbff && read + 1 < n) {
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
    if (c < 0x800) {
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

// Bytes are read as Latin-1 text CHUNK at a time (one native call, well under the engines'
// argument limits); HIGH finds the next byte >= 0x80 in it.
const CHUNK = 8192
const HIGH = /[\x80-\xff]/g

function FallbackTextDecoder() {}
// WHATWG UTF-8 decode with replacement; the BOM is kept (the glue asks for ignoreBOM: true).
// ASCII runs are copied from the Latin-1 chunk; only the non-ASCII characters are decoded in JS.
FallbackTextDecoder.prototype.decode = (input) => {
  if (input === undefined) return ''
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input.buffer || input)
  const n = bytes.length
  let out = ''
  let units = [] // UTF-16 units of decoded non-ASCII characters, not yet in `out`
  let latin1 = '' // bytes [base, base + latin1.length) as Latin-1
  let base = 0
  let i = 0
  while (i < n) {
    if (bytes[i] >= 0x80) {
      // Non-ASCII: decode the characters up to the next ASCII byte in JS.
      i = decodeRun(bytes, i, units)
      if (units.length >= 4096) {
        out += String.fromCharCode.apply(null, units)
        units = []
      }
      continue
    }
    // ASCII: copy the run up to the next byte >= 0x80 from the Latin-1 chunk.
    if (i >= base + latin1.length) {
      base = i
      latin1 = String.fromCharCode.apply(null, bytes.subarray(i, Math.min(n, i + CHUNK)))
    }
    HIGH.lastIndex = i - base
    const m = HIGH.exec(latin1)
    const stop = m === null ? base + latin1.length : base + m.index
    if (units.length) out += String.fromCharCode.apply(null, units)
    units = []
    out += latin1.slice(i - base, stop - base)
    i = stop
  }
  return units.length ? out + String.fromCharCode.apply(null, units) : out
}

// Decodes the characters from `i` (a byte >= 0x80) up to the next ASCII byte into `units`;
// returns where it stopped.
function decodeRun(bytes, i, units) {
  const n = bytes.length
  do {
    const b = bytes[i]
    let cp = 0xfffd
    let len = 1
    if (b >= 0xc2 && b <= 0xf4) {
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
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff))
    } else {
      units.push(cp)
    }
    i += len
  } while (i < n && bytes[i] >= 0x80 && units.length < 4096)
  return i
}

const g = typeof globalThis !== 'undefined' ? globalThis : {}
const HostEncoder = g.TextEncoder
module.exports = {
  // The glue encodes non-ASCII strings with encodeInto (iOS before 14.5 has TextEncoder without it).
  TextEncoder:
    typeof HostEncoder === 'function' && typeof HostEncoder.prototype.encodeInto === 'function'
      ? HostEncoder
      : FallbackTextEncoder,
  TextDecoder: typeof g.TextDecoder === 'function' ? g.TextDecoder : FallbackTextDecoder,
  FallbackTextEncoder: FallbackTextEncoder,
  FallbackTextDecoder: FallbackTextDecoder,
}
