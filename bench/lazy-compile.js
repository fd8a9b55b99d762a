#!/usr/bin/env node
// Benchmark (not a test): how much wasm V8 compiles, lazily, for a true cold start (require the client
// → first getSession() resolved from storage), per build. Unlike a timing this does not depend on the
// machine's load: each function is compiled on its first call (Liftoff), so the bytes of the functions
// compiled are what the first getSession() pays for in compile time. Run after `bash scripts/build.sh`
// on copies of dist/supabase-wechat (as bench/variants.js):
//
//   node bench/lazy-compile.js --variant base=/tmp/v/base --variant new=/tmp/v/new [--list 15]
//
// For each variant: the functions compiled, the sum of their body sizes, and the largest of them.
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
      console.log(
        `  largest: ${fns
          .slice(0, show)
          .map((f) => `#${f.i} ${f.bytes} B`)
          .join(', ')}`,
      )
    } finally {
      project.cleanup()
    }
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
