#!/usr/bin/env node
// Fails the build unless the wasm is MVP-only and shaped for WXWebAssembly on old iOS:
// - wabt's validator accepts it with every post-MVP feature disabled;
// - no Global is imported or exported (iOS WXWebAssembly cannot export a Global);
// - exactly one memory, with the configured initial size, and no table/memory import;
// - no Rust source path (a panic Location's file): the build's -Cpanic=immediate-abort leaves none, so
//   one here means a panic site came back with its message and file (scripts/build.sh).
'use strict'
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')

const [file, initialBytes] = process.argv.slice(2)
if (!file) {
  console.error('usage: check-wasm.js FILE [INITIAL_MEMORY_BYTES]')
  process.exit(2)
}

const DISABLE = [
  '--disable-mutable-globals',
  '--disable-saturating-float-to-int',
  '--disable-sign-extension',
  '--disable-simd',
  '--disable-multi-value',
  '--disable-bulk-memory',
  '--disable-reference-types',
]
const problems = []
try {
  execFileSync('wasm-validate', [...DISABLE, file], { stdio: 'pipe' })
} catch (e) {
  problems.push('wasm-validate (MVP only) rejected it:\n' + String(e.stderr || e.message))
}

const dump = execFileSync('wasm-objdump', ['-x', file], { encoding: 'utf8' })
const section = (name) => {
  const m = dump.match(new RegExp('^' + name + '\\[\\d+\\]:\\n((?: - .*\\n?)*)', 'm'))
  return m ? m[1].split('\n').filter(Boolean) : []
}
for (const line of section('Export')) if (/^ - global\[/.test(line)) problems.push('exports a global: ' + line.trim())
for (const line of section('Import'))
  if (/^ - (global|table|memory)\[/.test(line)) problems.push('imports a non-function: ' + line.trim())
const mem = section('Memory')
if (mem.length !== 1) problems.push(`expected exactly one memory, found ${mem.length}`)
const pages = Number((mem[0] || '').match(/initial=(\d+)/)?.[1])
if (initialBytes && pages * 65536 !== Number(initialBytes)) {
  problems.push(`initial memory is ${pages} pages, expected ${Number(initialBytes) / 65536}`)
}
if (section('Table').length > 1) problems.push('more than one table (iOS WXWebAssembly supports one)')

const paths =
  fs
    .readFileSync(file)
    .toString('latin1')
    .match(/(?:[\w.-]+\/)+[\w.-]+\.rs(?![\w])/g) || []
if (paths.length) problems.push(`Rust source paths in the data (a panic Location): ${paths.slice(0, 5).join(', ')}`)

if (problems.length) {
  console.error(`check-wasm: ${file} is not fit to ship:\n- ` + problems.join('\n- '))
  process.exit(1)
}
console.log(`check-wasm: ${file} is MVP-only, ${pages} initial pages, no exported globals, no source paths`)
