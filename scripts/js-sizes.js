#!/usr/bin/env node
// Where the bytes of a minified bundle go, per source file, from its source map (the mini-program's
// index.js and index.js.map, scripts/bundle-miniprogram.js): the UTF-8 bytes of every generated
// character counted for the source of the mapping segment it falls in (up to the next segment on its
// line; the preamble and the module table's lines are "(unmapped)"). Not a test.
//   node scripts/js-sizes.js [dist/supabase-wechat/miniprogram_dist/index.js]
'use strict'
const fs = require('node:fs')
const path = require('node:path')

const file = process.argv[2] || path.join(__dirname, '..', 'dist', 'supabase-wechat', 'miniprogram_dist', 'index.js')
const code = fs.readFileSync(file, 'utf8')
const map = JSON.parse(fs.readFileSync(file + '.map', 'utf8'))

// One segment's fields (base64 VLQ, https://sourcemaps.info/spec.html).
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
function fields(seg) {
  const out = []
  let value = 0
  let shift = 0
  for (const ch of seg) {
    const digit = B64.indexOf(ch)
    value += (digit & 31) << shift
    if (digit & 32) shift += 5
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1)
      value = 0
      shift = 0
    }
  }
  return out
}

const lines = code.split('\n')
const bytes = new Map()
let source = 0 // relative across the whole map
const mapped = map.mappings.split(';')
lines.forEach((text, li) => {
  let column = 0 // relative within the line
  const segs = (mapped[li] || '')
    .split(',')
    .filter(Boolean)
    .map((s) => {
      const f = fields(s)
      column += f[0]
      if (f.length > 1) source += f[1]
      return { column, source: f.length > 1 ? source : null }
    })
  const first = segs.length ? segs[0].column : text.length
  const newline = li + 1 < lines.length ? 1 : 0
  bytes.set('(unmapped)', (bytes.get('(unmapped)') || 0) + Buffer.byteLength(text.slice(0, first)) + newline)
  segs.forEach((s, i) => {
    const end = i + 1 < segs.length ? segs[i + 1].column : text.length
    const name = s.source === null ? '(unmapped)' : map.sources[s.source]
    bytes.set(name, (bytes.get(name) || 0) + Buffer.byteLength(text.slice(s.column, end)))
  })
})
for (const [name, n] of [...bytes].sort((a, b) => b[1] - a[1])) console.log(String(n).padStart(7), name)
console.log(String(Buffer.byteLength(code)).padStart(7), 'in all (' + path.basename(file) + ')')
