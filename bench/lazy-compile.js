#!/usr/bin/env node
// Benchmark (not a test): how much wasm V8 compiles, lazily, for a true cold start (require the client
// → first getSession() resolved from storage), per build. Unlike a timing this does not depend on the
// machine's load: each function is compiled on its first call (Liftoff), so the bytes of the functions
// compiled are what the first getSession() pays for in compile time. Run after `bash scripts/build.sh`
// on copies of dist/supabase-wechat (as bench/variants.js):
//
//   node bench/lazy-compile.js --variant base=/tmp/v/base --variant new=/tmp/v/new [--list 15]
//     [--names target/wasm-out/named.wasm]
//
// For each variant: the functions compiled, the sum of their body sizes, and the largest of them.
// The shipped module has no names, so the largest are listed by function index; with --names, a module
// with its name section (`bash scripts/build.sh --names`, built from the same sources) names them, by
// matching function bodies (see `namer`); `?` where none matched, and the line before the list says how
// many of the compiled functions (and of their bytes) got a name. The names build runs binaryen on a
// module with names, which orders functions differently and may inline a little differently, so a body
// that differs in more than its call targets stays unnamed. Give --names with one --variant: the build
// it was made from.
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const { FAKE_URL, KEY, cli, runChild } = require('./lib')
const { leb, sections } = require('../scripts/wasm-read')

const argv = process.argv.slice(2)
const { arg } = cli(argv)

// The number of functions the module defines (its function section's count).
function count(buf) {
  const functions = sections(buf).find((s) => s.id === 3)
  return functions ? leb(buf, functions.start)[0] : 0
}

// A module's functions by index (V8's trace counts imported functions first): { imported, bodies, names },
// `bodies[i]` the code of defined function `imported + i`, `names` from the name section (index → name).
function functions(buf) {
  const str = (pos) => {
    const [len, p] = leb(buf, pos)
    return [buf.toString('utf8', p, p + len), p + len]
  }
  let imported = 0
  const bodies = []
  const names = new Map()
  for (const { id, start, end } of sections(buf)) {
    if (id === 2) {
      let [n, q] = leb(buf, start)
      for (let i = 0; i < n; i++) {
        q = str(str(q)[1])[1]
        const kind = buf[q++]
        if (kind === 0) {
          q = leb(buf, q)[1]
          imported++
        } else if (kind === 1 || kind === 2) {
          if (kind === 1) q++ // the table's element type
          const [flags, r] = leb(buf, q)
          q = leb(buf, r)[1]
          if (flags & 1) q = leb(buf, q)[1]
        } else if (kind === 3) q += 2
      }
    } else if (id === 10) {
      let [n, q] = leb(buf, start)
      for (let i = 0; i < n; i++) {
        const [len, r] = leb(buf, q)
        bodies.push(buf.subarray(r, r + len))
        q = r + len
      }
    } else if (id === 0 && str(start)[0] === 'name') {
      let q = str(start)[1]
      while (q < end) {
        const [len, r] = leb(buf, q + 1)
        if (buf[q] === 1) {
          let [n, t] = leb(buf, r)
          for (let i = 0; i < n; i++) {
            const [idx, u] = leb(buf, t)
            const [name, v] = str(u)
            names.set(idx, name.replace(/::h[0-9a-f]{16}$/, ''))
            t = v
          }
        }
        q = r + len
      }
    }
  }
  return { imported, bodies, names }
}

// A function body with the targets of its calls taken out: [its code with every `call`'s function index
// removed, the targets in order]. Walks the MVP instruction set (what scripts/check-wasm.js allows) plus
// the 0xfc prefix; an opcode it does not know ends the walk (the rest is kept as it is).
function shape(body) {
  const skip = (q) => {
    while (body[q] & 0x80) q++
    return q + 1
  }
  const calls = []
  const parts = []
  let [groups, q] = leb(body, 0)
  for (let i = 0; i < groups; i++) q = skip(q) + 1 // the locals: count, type
  let from = 0
  while (q < body.length) {
    const op = body[q++]
    if (op === 0x10) {
      const [target, r] = leb(body, q)
      parts.push(body.subarray(from, q))
      calls.push(target)
      from = q = r
    } else if (op >= 0x02 && op <= 0x04) q++
    else if (op === 0x0c || op === 0x0d || (op >= 0x20 && op <= 0x26) || op === 0x41 || op === 0x42) q = skip(q)
    else if (op === 0x0e) {
      const [n, r] = leb(body, q)
      q = r
      for (let i = 0; i <= n; i++) q = skip(q)
    } else if (op === 0x11) q = skip(skip(q))
    else if (op >= 0x28 && op <= 0x3e) q = skip(skip(q))
    else if (op === 0x3f || op === 0x40) q++
    else if (op === 0x43) q += 4
    else if (op === 0x44) q += 8
    else if (op === 0xfc) {
      const [sub, r] = leb(body, q)
      q = r
      if (sub === 8) q = skip(q) + 1
      else if (sub === 9 || (sub >= 12 && sub <= 17)) q = skip(sub === 12 || sub === 14 ? skip(q) : q)
      else if (sub === 10) q += 2
      else if (sub === 11) q++
    } else if (
      !(op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b || (op >= 0x45 && op <= 0xc4))
    )
      break
  }
  parts.push(body.subarray(from))
  return [Buffer.concat(parts).toString('latin1'), calls]
}

// Names for the shipped module's function indices, from `named` (the same sources built with names). The
// two pipelines order the functions differently (binaryen breaks ties by name), so a function's index,
// and the call targets in bodies, differ. Matched: a body whose shape (`shape`: the code without call
// targets) is unique in both modules; then, from each matched pair of the same shape, the functions they
// call, pairwise in order. Returns index → name, or `?` when unmatched.
function namer(shipped, named) {
  const a = functions(shipped)
  const b = functions(named)
  if (b.names.size === 0) throw new Error('--names: that module has no name section (bash scripts/build.sh --names)')
  const sa = a.bodies.map(shape)
  const sb = b.bodies.map(shape)
  const count = (shapes) => {
    const n = new Map()
    shapes.forEach(([key], i) => {
      n.set(key, n.has(key) ? -1 : i)
    })
    return n
  }
  const ua = count(sa)
  const ub = count(sb)
  const match = new Map() // a's defined index → b's
  const taken = new Set()
  const queue = []
  const pair = (i, j) => {
    if (i < 0 || j < 0 || i >= sa.length || j >= sb.length || match.has(i) || taken.has(j)) return
    match.set(i, j)
    taken.add(j)
    queue.push(i)
  }
  for (const [key, i] of ua) if (i >= 0 && ub.get(key) >= 0) pair(i, ub.get(key))
  while (queue.length) {
    const i = queue.pop()
    const j = match.get(i)
    if (sa[i][0] !== sb[j][0]) continue
    sa[i][1].forEach((t, k) => {
      pair(t - a.imported, sb[j][1][k] - b.imported)
    })
  }
  // Then a body that differs (the pipelines inlined a little differently): named `~name` when one
  // unmatched function of `named` calls, in order, the matched counterparts of what it calls.
  const callees = (calls, imported, to) => calls.map((t) => (t < imported ? `i${t}` : to(t - imported))).join()
  const rest = new Map()
  sb.forEach(([, calls], j) => {
    if (taken.has(j) || !calls.length) return
    const key = callees(calls, b.imported, (t) => t)
    rest.set(key, rest.has(key) ? -1 : j)
  })
  const near = new Map()
  sa.forEach(([, calls], i) => {
    if (match.has(i) || !calls.length) return
    const key = callees(calls, a.imported, (t) => (match.has(t) ? match.get(t) : NaN))
    if (!key.includes('NaN') && rest.get(key) >= 0) near.set(i, rest.get(key))
  })
  const nameOf = (j) => (b.names.get(b.imported + j) || `func[${b.imported + j}]`).replace(/\[[0-9a-f]{13,16}\]/g, '')
  return (index) => {
    const i = index - a.imported
    if (match.has(i)) return nameOf(match.get(i))
    return near.has(i) ? `~${nameOf(near.get(i))}` : '?'
  }
}

async function main() {
  const variants = []
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--variant') {
      const [name, dir] = argv[i + 1].split('=')
      variants.push({ name, dir: path.resolve(dir) })
    }
  }
  if (!variants.length) throw new Error('--variant name=dir (a copy of dist/supabase-wechat), at least once')
  const { makeProject } = require('../tests/node/lib/project')
  const lib = `const { createClient } = require('supabase-wechat')
module.exports = createClient(${JSON.stringify(FAKE_URL)}, ${JSON.stringify(KEY)}, {})`
  const zlib = require('node:zlib')
  const show = Number(arg('--list', 15))
  const namesFile = arg('--names', null)
  if (namesFile && variants.length !== 1) throw new Error('--names goes with one --variant (the build it names)')
  for (const v of variants) {
    const project = await makeProject({ 'lib/client.js': lib }, { packages: [{ name: 'supabase-wechat', dir: v.dir }] })
    try {
      const wasm = zlib.brotliDecompressSync(fs.readFileSync(path.join(v.dir, 'miniprogram_dist', 'supabase_wechat_bg.wasm.br')))
      // The cold-start child (bench/cold.js), one true cold start, with V8's lazy-compilation trace.
      const { msg, stdout: out } = await runChild(path.join(__dirname, 'cold.js'), ['--root', project.root, '--runs', '0'], {
        execArgv: ['--trace-wasm-lazy-compilation', '--trace-wasm-compilation-times'],
      })
      if (msg.status !== 'ok') throw new Error(`${v.name}: ${msg.reason}`)
      // `Compiled function 0x…#165 using Liftoff, took 0 ms and 150208 bytes; bodysize 3867 codesize 8816`
      const compiled = new Map()
      for (const m of out.matchAll(/Compiled function \S*#(\d+) using (\w+).*?bodysize (\d+)/g))
        if (!compiled.has(m[1])) compiled.set(m[1], { i: m[1], tier: m[2], bytes: Number(m[3]) })
      const fns = [...compiled.values()].sort((a, b) => b.bytes - a.bytes)
      const total = fns.reduce((s, f) => s + f.bytes, 0)
      console.log(
        `${v.name}: ${fns.length} of ${count(wasm)} functions compiled for a cold start to the first getSession(), ${total} B of wasm code`,
      )
      if (!namesFile) {
        console.log(
          `  largest: ${fns
            .slice(0, show)
            .map((f) => `#${f.i} ${f.bytes} B`)
            .join(', ')}`,
        )
        continue
      }
      const name = namer(wasm, fs.readFileSync(namesFile))
      let named = 0
      let namedBytes = 0
      let near = 0
      for (const f of fns) {
        f.name = name(Number(f.i))
        if (f.name === '?') continue
        named++
        namedBytes += f.bytes
        if (f.name.startsWith('~')) near++
      }
      console.log(
        `  named from ${namesFile}: ${named} of ${fns.length} functions (${near} by their calls, ~), ${namedBytes} of ${total} B`,
      )
      for (const f of fns.slice(0, show)) console.log(`  ${String(f.bytes).padStart(6)} B  #${f.i}  ${f.name}`)
    } finally {
      project.cleanup()
    }
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
