#!/usr/bin/env node
// Where the wasm's bytes go (a measuring tool, not part of the build): reads a module that still has
// its `name` section (`bash scripts/build.sh --names` writes target/wasm-out/named.wasm) and prints
// the code bytes per crate, per module of our own crate and per function, with a brotli estimate:
// each group's function bodies compressed on their own (q 11), scaled so the groups add up to the
// brotli size of the whole code section. The data section is listed with the file paths and the
// longest texts it holds.
//
//   node scripts/wasm-sizes.js target/wasm-out/named.wasm [--top 40] [--depth 2] [--json out.json]
'use strict'
const fs = require('node:fs')
const zlib = require('node:zlib')
const { leb: readLeb, sections } = require('./wasm-read')

const argv = process.argv.slice(2)
const file = argv.find((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')))
const opt = (name, dflt) => {
  const i = argv.indexOf(name)
  return i < 0 ? dflt : argv[i + 1]
}
if (!file) {
  console.error('usage: node scripts/wasm-sizes.js <module with names> [--top N] [--depth D] [--json F]')
  process.exit(2)
}
const TOP = Number(opt('--top', 40))
const DEPTH = Number(opt('--depth', 2))
const buf = fs.readFileSync(file)

const leb = (pos) => readLeb(buf, pos)
function name(pos) {
  const [len, p] = leb(pos)
  return [buf.toString('utf8', p, p + len), p + len]
}

// ---- sections ----
let importedFuncs = 0
const bodies = [] // { start, end }
const segments = [] // { start, end }
const names = new Map()
for (const { id, start: p, end } of sections(buf)) {
  if (id === 2) {
    let [count, q] = leb(p)
    for (let i = 0; i < count; i++) {
      ;[, q] = name(q)
      ;[, q] = name(q)
      const kind = buf[q++]
      if (kind === 0) {
        ;[, q] = leb(q)
        importedFuncs++
      } else if (kind === 1) {
        q++
        const [flags, r] = leb(q)
        ;[, q] = leb(r)
        if (flags & 1) [, q] = leb(q)
      } else if (kind === 2) {
        const [flags, r] = leb(q)
        ;[, q] = leb(r)
        if (flags & 1) [, q] = leb(q)
      } else if (kind === 3) q += 2
    }
  } else if (id === 10) {
    let [count, q] = leb(p)
    for (let i = 0; i < count; i++) {
      const [len, r] = leb(q)
      bodies.push({ start: q, end: r + len })
      q = r + len
    }
  } else if (id === 11) {
    let [count, q] = leb(p)
    for (let i = 0; i < count; i++) {
      const [flags, r] = leb(q)
      q = r
      if (flags === 2) [, q] = leb(q)
      if (flags !== 1) {
        while (buf[q] !== 0x0b) q++ // the offset expression (i32.const n)
        q++
      }
      const [len, s] = leb(q)
      segments.push({ start: s, end: s + len })
      q = s + len
    }
  } else if (id === 0) {
    const [secName, q0] = name(p)
    if (secName === 'name') {
      let q = q0
      while (q < end) {
        const sub = buf[q]
        const [len, r] = leb(q + 1)
        if (sub === 1) {
          let [count, t] = leb(r)
          for (let i = 0; i < count; i++) {
            const [idx, u] = leb(t)
            const [n, v] = name(u)
            names.set(idx, n)
            t = v
          }
        }
        q = r + len
      }
    }
  }
}
if (names.size === 0) {
  console.error(`${file} has no function names (build it with: bash scripts/build.sh --names)`)
  process.exit(2)
}

const br = (b) =>
  b.length === 0 ? 0 : zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length

// ---- functions and groups ----
function clean(n) {
  return n.replace(/::h[0-9a-f]{16}$/, '').replace(/\[[0-9a-f]{16}\]/g, '')
}
// The crate a function is charged to: the first path in its name (for `<A as B>::f`, A's crate; a
// closure or generic instance of our own code inside std's is still std's).
function crateOf(n) {
  // methods of primitive types (`<str>::trim_matches`, `<[T]>::to_vec_in`) are core's or alloc's
  if (/^<(str|\[[^\]]*\]|[iu](8|16|32|64|128|size)|char|bool|f32|f64)>::/.test(n)) return 'core (primitive methods)'
  const m = /([A-Za-z_][A-Za-z0-9_]*)::/.exec(n)
  // wasm-bindgen's exports (`core_data`, …) are named after the JS method: src/wasm/mod.rs and all
  // that LLVM inlined into them
  return m ? m[1] : '(exports: src/wasm + inlined)'
}
function moduleOf(n) {
  const m = /supabase_wechat((?:::[a-z_][a-z0-9_]*)*)/.exec(n)
  if (!m) return null
  const parts = m[1].split('::').filter(Boolean)
  // the last lower-case segment may be the function itself: keep DEPTH module levels at most
  return `supabase_wechat::${parts.slice(0, Math.min(DEPTH, Math.max(1, parts.length - 1))).join('::')}`
}
const funcs = bodies.map((b, i) => {
  const n = clean(names.get(i + importedFuncs) || `func[${i + importedFuncs}]`)
  return { name: n, size: b.end - b.start, body: buf.subarray(b.start, b.end) }
})
const codeTotal = funcs.reduce((s, f) => s + f.size, 0)
const codeBr = br(Buffer.concat(funcs.map((f) => f.body)))

function table(title, keyOf) {
  const groups = new Map()
  for (const f of funcs) {
    const k = keyOf(f)
    if (k === null) continue
    const g = groups.get(k) || { key: k, size: 0, count: 0, parts: [] }
    g.size += f.size
    g.count++
    g.parts.push(f.body)
    groups.set(k, g)
  }
  const rows = [...groups.values()].map((g) => ({ key: g.key, size: g.size, count: g.count, alone: br(Buffer.concat(g.parts)) }))
  const aloneSum = rows.reduce((s, r) => s + r.alone, 0)
  for (const r of rows) r.brShare = Math.round((r.alone * codeBr) / aloneSum)
  rows.sort((a, b) => b.size - a.size)
  console.log(`\n## ${title}\n`)
  console.log('| group | functions | code B | br alone B | br share B |')
  console.log('|---|---:|---:|---:|---:|')
  for (const r of rows) console.log(`| ${r.key} | ${r.count} | ${r.size} | ${r.alone} | ${r.brShare} |`)
  return rows
}

console.log(`# ${file}: ${buf.length} B; code ${codeTotal} B in ${funcs.length} functions (br ${codeBr} B)`)
const crates = table('per crate (code section; br share = the whole code section br, split by each group alone)', (f) =>
  crateOf(f.name),
)
const modules = table('per module of supabase_wechat', (f) => moduleOf(f.name))

console.log(`\n## the ${TOP} largest functions\n`)
console.log('| code B | function |')
console.log('|---:|---|')
const sorted = [...funcs].sort((a, b) => b.size - a.size)
for (const f of sorted.slice(0, TOP)) console.log(`| ${f.size} | \`${f.name.slice(0, 160)}\` |`)

// Generic functions instantiated more than once (the same path with different type parameters).
const generic = new Map()
for (const f of funcs) {
  // type parameters only (`Vec<u8>`, `::<T>`), not the `<Type>::method` / `<A as B>::f` qualifiers
  const base = f.name.replace(/(?<=[A-Za-z0-9_]|::)<[^<>]*(?:<[^<>]*(?:<[^<>]*(?:<[^<>]*>[^<>]*)*>[^<>]*)*>[^<>]*)*>/g, '<_>')
  const g = generic.get(base) || { base, count: 0, size: 0 }
  g.count++
  g.size += f.size
  generic.set(base, g)
}
const instances = [...generic.values()].filter((g) => g.count > 1).sort((a, b) => b.size - a.size)
console.log('\n## functions instantiated more than once (same path, type parameters folded)\n')
console.log('| instances | code B | function |')
console.log('|---:|---:|---|')
for (const g of instances.slice(0, TOP)) console.log(`| ${g.count} | ${g.size} | \`${g.base.slice(0, 160)}\` |`)

// ---- data ----
const data = Buffer.concat(segments.map((s) => buf.subarray(s.start, s.end)))
const texts = (data.toString('latin1').match(/[\x20-\x7e]{6,}/g) || []).map((s) => s)
const paths = texts.filter((s) => /\.rs$|\/rustc\/|\.cargo\/|^src\//.test(s) || /\.rs[^a-z]/.test(s))
console.log(`\n## data: ${segments.length} segments, ${data.length} B (br ${br(data)} B)\n`)
console.log(`file paths: ${paths.length}, ${paths.reduce((s, p) => s + p.length, 0)} B`)
for (const p of paths) console.log(`  ${p.slice(0, 140)}`)
const longest = [...texts].sort((a, b) => b.length - a.length).slice(0, 15)
console.log('longest texts:')
for (const t of longest) console.log(`  ${t.length} B: ${t.slice(0, 120)}`)

const out = opt('--json', null)
if (out)
  fs.writeFileSync(
    out,
    JSON.stringify(
      { file, bytes: buf.length, codeTotal, codeBr, crates, modules, functions: sorted.map((f) => [f.size, f.name]) },
      null,
      1,
    ),
  )
