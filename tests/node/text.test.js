'use strict'
// The UTF-8 fallback used when the host has no TextEncoder/TextDecoder (devices), checked
// against Node's own implementation.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { FallbackTextEncoder, FallbackTextDecoder } = require('../../js-shim/text.js')

function randomString(rand, n) {
  let s = ''
  for (let i = 0; i < n; i++) {
    const r = rand()
    if (r < 0.4) s += String.fromCharCode(32 + Math.floor(rand() * 95))
    else if (r < 0.6) s += String.fromCharCode(0x4e00 + Math.floor(rand() * 0x5000))
    else if (r < 0.75) s += String.fromCodePoint(0x1f300 + Math.floor(rand() * 0x300))
    else if (r < 0.85)
      s += String.fromCharCode(0xd800 + Math.floor(rand() * 0x800)) // lone surrogate
    else s += String.fromCharCode(Math.floor(rand() * 0x800))
  }
  return s
}

function lcg(seed) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
}

test('encode and encodeInto match the host TextEncoder on 5,000 random strings', () => {
  const rand = lcg(7)
  const host = new TextEncoder()
  const ours = new FallbackTextEncoder()
  for (let i = 0; i < 5000; i++) {
    const s = randomString(rand, i % 40)
    assert.deepEqual(ours.encode(s), host.encode(s), JSON.stringify(s))
    const size = Math.floor(rand() * 3 * s.length)
    const a = new Uint8Array(size)
    const b = new Uint8Array(size)
    assert.deepEqual(ours.encodeInto(s, a), host.encodeInto(s, b))
    assert.deepEqual(a, b)
  }
})

test('decode matches the host TextDecoder on valid and invalid byte sequences', () => {
  const rand = lcg(11)
  const host = new TextDecoder('utf-8', { ignoreBOM: true })
  const ours = new FallbackTextDecoder()
  for (let i = 0; i < 5000; i++) {
    const valid = new TextEncoder().encode(randomString(rand, i % 30))
    assert.equal(ours.decode(valid), host.decode(valid))
    const junk = new Uint8Array(i % 24).map(() => Math.floor(rand() * 256))
    assert.equal(ours.decode(junk), host.decode(junk), Array.from(junk).join(','))
  }
  assert.equal(ours.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x61])), '\ufeffa', 'BOM kept (ignoreBOM)')
  assert.equal(ours.decode(), '')
})

// The fast paths (devices without a JIT): ASCII runs are read CHUNK bytes at a time as Latin-1 with
// one String.fromCharCode call, and only the non-ASCII characters take the per-character decoder.
const CHUNK = 8192
const host = new TextDecoder('utf-8', { ignoreBOM: true })
const ascii = (n) => Array.from({ length: n }, (_, i) => String.fromCharCode(32 + (i % 95))).join('')
const bytesOf = (...parts) => {
  const chunks = parts.map((p) => (typeof p === 'string' ? new TextEncoder().encode(p) : Uint8Array.from(p)))
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

// Calls of String.fromCharCode made while `fn` runs.
function countFromCharCode(fn) {
  const original = String.fromCharCode
  let calls = 0
  String.fromCharCode = (...args) => {
    calls++
    return original.apply(String, args)
  }
  try {
    return { result: fn(), calls }
  } finally {
    String.fromCharCode = original
  }
}

test('pure ASCII is decoded with one String.fromCharCode call per chunk and no per-character step', () => {
  const ours = new FallbackTextDecoder()
  for (const n of [0, 1, 100, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17]) {
    const bytes = bytesOf(ascii(n))
    const { result, calls } = countFromCharCode(() => ours.decode(bytes))
    assert.equal(result, ascii(n))
    assert.equal(calls, Math.ceil(n / CHUNK), `${n} bytes`)
  }
  // Non-ASCII text costs one more call per run of non-ASCII characters, not one per character.
  const mixed = bytesOf(ascii(5000), '微信小程序', ascii(5000), '😀')
  const { result, calls } = countFromCharCode(() => ours.decode(mixed))
  assert.equal(result, host.decode(mixed))
  assert.ok(calls <= 5, `${calls} calls`)
})

test('decode: ASCII, non-ASCII and invalid bytes, alone and mixed, as the host decodes them', () => {
  const ours = new FallbackTextDecoder()
  const cases = [
    bytesOf('plain ascii {"a":1}'),
    bytesOf('中文', 'abc', 'ü', '😀', 'x'),
    bytesOf([0x80]),
    bytesOf([0xff, 0xfe, 0x61]),
    bytesOf('a', [0xe4, 0xb8], 'b'), // truncated 3-byte sequence before ASCII
    bytesOf('a', [0xf0, 0x9f, 0x98]), // truncated 4-byte sequence at the end
    bytesOf([0xc0, 0x80, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80]), // overlong, surrogate, > U+10FFFF
    bytesOf('x', [0xe2, 0x82, 0xac, 0x80, 0x80], 'y'), // stray continuation bytes after a valid char
    bytesOf([0xef, 0xbb, 0xbf], 'bom kept'),
  ]
  for (const b of cases) assert.equal(ours.decode(b), host.decode(b), Array.from(b).join(','))
  assert.equal(ours.decode(bytesOf('hi').buffer), 'hi', 'an ArrayBuffer')
  assert.equal(ours.decode(new DataView(bytesOf('hi 你').buffer)), 'hi 你', 'a DataView')
})

test('decode: characters and invalid sequences across chunk boundaries and long runs', () => {
  const ours = new FallbackTextDecoder()
  const check = (b, what) => assert.equal(ours.decode(b), host.decode(b), what)
  for (const ch of ['é', '中', '😀']) {
    for (let pad = CHUNK - 4; pad <= CHUNK + 1; pad++) {
      check(bytesOf(ascii(pad), ch, ascii(10)), `${ch} after ${pad} ASCII bytes`)
      check(bytesOf(ascii(pad), ch), `${ch} last, after ${pad} ASCII bytes`)
    }
  }
  for (let pad = CHUNK - 3; pad <= CHUNK + 1; pad++) {
    check(bytesOf(ascii(pad), [0xe4, 0xb8], ascii(5)), `truncated sequence at ${pad}`)
    check(bytesOf(ascii(pad), [0x80, 0xff], ascii(5)), `invalid bytes at ${pad}`)
  }
  // More than 4096 UTF-16 units of non-ASCII text in one run, then ASCII, then more.
  check(bytesOf('中'.repeat(5000), ascii(CHUNK + 3), '😀'.repeat(3000), 'end'), 'long runs')
  check(bytesOf('中'.repeat(3 * CHUNK)), 'non-ASCII only, several chunks')
})

test('random long texts with long ASCII runs and junk bytes decode and encode as the host does', () => {
  const rand = lcg(23)
  const enc = new FallbackTextEncoder()
  const dec = new FallbackTextDecoder()
  for (let i = 0; i < 40; i++) {
    const parts = []
    let len = 0
    while (len < 3 * CHUNK) {
      const r = rand()
      const part =
        r < 0.5
          ? ascii(1 + Math.floor(rand() * CHUNK))
          : r < 0.9
            ? randomString(rand, 1 + Math.floor(rand() * 50))
            : [Math.floor(rand() * 256)]
      parts.push(part)
      len += part.length
    }
    const b = bytesOf(...parts)
    assert.equal(dec.decode(b), host.decode(b), `case ${i}`)
    const s = parts.filter((p) => typeof p === 'string').join('')
    assert.deepEqual(enc.encode(s), new TextEncoder().encode(s), `case ${i}`)
  }
})

test('encodeInto stops at whole characters when the view is full, inside ASCII runs too', () => {
  const ours = new FallbackTextEncoder()
  const hostEnc = new TextEncoder()
  for (const s of ['abcdef', 'ab€cd', '€abc', 'a😀b', ascii(100) + '中' + ascii(100), 'x\ud800y']) {
    for (let size = 0; size <= s.length * 3 + 1; size++) {
      const a = new Uint8Array(size)
      const b = new Uint8Array(size)
      assert.deepEqual(ours.encodeInto(s, a), hostEnc.encodeInto(s, b), `${JSON.stringify(s.slice(0, 12))} into ${size}`)
      assert.deepEqual(a, b)
    }
  }
})

// The glue calls encodeInto on what text.js gives it as TextEncoder (its own copy for hosts without it is
// dropped by scripts/patch-glue.js): a host TextEncoder without encodeInto is not given.
test('a host TextEncoder without encodeInto is replaced by the fallback', () => {
  const file = require.resolve('../../js-shim/text.js')
  const host = globalThis.TextEncoder
  function OldEncoder() {}
  OldEncoder.prototype.encode = (s) => new host().encode(s)
  try {
    for (const [Host, expected] of [
      [OldEncoder, 'FallbackTextEncoder'],
      [host, 'TextEncoder'],
    ]) {
      globalThis.TextEncoder = Host
      delete require.cache[file]
      const text = require(file)
      assert.equal(text.TextEncoder === Host ? 'TextEncoder' : text.TextEncoder.name, expected)
      assert.equal(typeof new text.TextEncoder().encodeInto, 'function')
    }
  } finally {
    globalThis.TextEncoder = host
    delete require.cache[file]
  }
})
