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
