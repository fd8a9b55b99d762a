#!/usr/bin/env node
// Regenerates tests/fixtures/public-url.json: what js-shim/public-url.js (getPublicUrl's JS
// computation, the core's `Client::public_url` port of it, kept as the shim's fallback while the
// core loads) returns for a table of URLs, buckets, paths and options. tests/public_url.rs checks
// the core against it.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const { publicUrl } = require('../js-shim/public-url.js')
const U = 'https://abcdefghij.baseapi.memfiredb.com'
const cases = [
  [U, 'avatars', 'a.png', undefined],
  [U, 'avatars', '/dir//sub/a b#?&.png/', null],
  [U, 'avatars', '中文/图片.jpg', {}],
  [U, 'avatars', 'a.png', { download: true }],
  [U, 'avatars', 'a.png', { download: 'my file.png' }],
  [U, 'avatars', 'a.png', { download: '' }],
  [U, 'avatars', 'a.png', { download: false }],
  [U, 'avatars', 'a.png', { transform: { width: 100, height: 50, resize: 'cover', format: 'origin', quality: 80 } }],
  [U, 'avatars', 'a.png', { transform: { width: 0, height: '', quality: 1.5 } }],
  [U, 'avatars', 'a.png', { transform: {} }],
  [U, 'avatars', 'a.png', { transform: [1] }],
  [U, 'avatars', 'a.png', { transform: { other: 1 } }],
  [U, 'avatars', 'a.png', { download: true, transform: { width: 10 }, cacheNonce: 'n 1' }],
  [U, 'avatars', 'a.png', { cacheNonce: 1700000000000 }],
  [U, 'avatars', 'a.png', { cacheNonce: true }],
  [U, 'avatars', 'a.png', { cacheNonce: [1, null, 'x'] }],
  [U, 'avatars', 'a.png', { cacheNonce: { a: 1 } }],
  [U, 'avatars', 'a.png', { cacheNonce: null }],
  [U, 'avatars', 'a.png', 'not an object'],
  [U, 'avatars', 'a.png', 5],
  [U, 'my bucket', "it's (1)!*~.png", undefined],
  [U, '', 'a.png', undefined],
  [U, '.', 'a.png', undefined],
  [U, 'a/b', 'a.png', undefined],
  [U, 5, 'a.png', undefined],
  [U, null, 'a.png', undefined],
  [U, 'avatars', '', undefined],
  [U, 'avatars', '///', undefined],
  [U, 'avatars', 'a/../b', undefined],
  [U, 'avatars', './a', undefined],
  [U, 'avatars', 42, undefined],
  [U, 'avatars', null, undefined],
  [U, 'avatars', undefined, undefined],
  [U, 'avatars', '', { download: true }],
  [U, 'avatars', null, { transform: { width: 10 } }],
  ['  https://abcdefghij.baseapi.memfiredb.com/// ', 'b', 'p', undefined],
  ['https://abcdefghij.baseapi.memfiredb.com/?x=1#y', 'b', 'p', undefined],
  ['http://127.0.0.1:54321', 'b', 'p', undefined],
  ['ftp://bad', 'b', 'p', undefined],
]
const rows = []
for (const [url, bucket, path, options] of cases) {
  const r = publicUrl(url, bucket, path, options)
  const out = { data: r.data }
  if (r.error) out.error = { body: r.error.body, message: r.error.message, name: r.error.name }
  // Each row: the client URL, the core's arguments as the JS side passes them
  // (JSON.stringify([bucket, path, options])), and the result as JSON (the error as the core
  // describes it: toDataError makes `body` the hidden `data`).
  rows.push([url, JSON.stringify([bucket, path, options === undefined ? null : options]), JSON.stringify(out)])
}
const OUT = path.join(__dirname, '..', 'tests', 'fixtures', 'public-url.json')
fs.writeFileSync(OUT, JSON.stringify(rows, null, 1) + '\n')
console.log(`${path.relative(process.cwd(), OUT)}: ${rows.length} cases`)
