#!/usr/bin/env node
// Benchmark (not a test): builds of supabase-wechat against each other (A/B of a binding change),
// with bench/percall.js' child (same scenarios, same fake wx.request, same simulator) and a cold
// start child. Each variant is a copy of dist/supabase-wechat saved after `bash scripts/build.sh`.
//
//   node bench/variants.js --variant base=/tmp/v/base --variant jsstr=/tmp/v/jsstr \
//        [--procs 9] [--modes jit,interp,interp-liftoff] [--scenarios getSession,select,cold] [--cold-runs 20]
//        [--json out.json]
//
// Per (mode, scenario) and round, every variant runs once in a fresh process, in an order that
// rotates each round; reported: median over processes of each process' median µs per call (cold,
// bench/cold.js: median ms from `require` of the client to the first getSession() resolved, wasm
// compiled anew each time; --cold-runs 0: the first start of a fresh process only), and the paired
// ratio to the first variant (median over rounds).
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const lib = require('./lib')
const { median, dirBytes, FAKE_URL, KEY, MODES, cli } = lib

const argv = process.argv.slice(2)
const { arg, list } = cli(argv)

const PERCALL = path.join(__dirname, 'percall.js')
const COLD = path.join(__dirname, 'cold.js')
const INTERP = MODES.interp.flags
// interp-liftoff: also keep the wasm in V8's baseline compiler (no TurboFan tier-up): V8 has no wasm
// interpreter, so this is the closest it gets to a no-JIT wasm engine (iOS) — still compiled code.
const FLAGS = { jit: [], interp: INTERP, 'interp-liftoff': [...INTERP, '--liftoff', '--no-wasm-tier-up'] }
const CALLS = {
  getSession: { warmup: 500, jit: 3000, interp: 2000, 'interp-liftoff': 2000 },
  select: { warmup: 200, jit: 1000, interp: 500, 'interp-liftoff': 500 },
}

function run(script, args, execArgv) {
  return lib.runChild(script, args, { execArgv, timeoutMs: 600e3 }).then(({ msg }) => msg)
}

async function main() {
  const variants = []
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] !== '--variant') continue
    const [name, dir] = argv[i + 1].split('=')
    variants.push({ name, dir: path.resolve(dir) })
  }
  if (variants.length < 1) throw new Error('--variant name=dir (a copy of dist/supabase-wechat), at least once')
  const procs = Number(arg('--procs', 9))
  const modes = list('--modes', 'jit,interp')
  const scenarios = list('--scenarios', 'getSession,select')
  const { makeProject } = require('../tests/node/lib/project')
  const lib = `const { createClient } = require('supabase-wechat')
module.exports = createClient(${JSON.stringify(FAKE_URL)}, ${JSON.stringify(KEY)}, {})`
  for (const v of variants) {
    v.project = await makeProject({ 'lib/client.js': lib }, { packages: [{ name: 'supabase-wechat', dir: v.dir }] })
    const pkgDir = path.join(v.project.root, 'miniprogram_npm', 'supabase-wechat')
    const b = dirBytes(pkgDir)
    const f = (n) => b.perFile.find((x) => x.file === n) || { raw: 0, br: 0 }
    v.bytes = {
      pkgRaw: b.raw,
      pkgBr: b.br,
      wasmBr: f('supabase_wechat_bg.wasm.br').raw,
      glue: f('supabase_wechat.js').raw,
      glueBr: f('supabase_wechat.js').br,
    }
  }
  const load0 = os.loadavg()[0]
  const res = []
  try {
    let n = 0
    const total = procs * modes.length * scenarios.length * variants.length
    for (let round = 0; round < procs; round++) {
      for (const mode of modes) {
        for (const scenario of scenarios) {
          const k = round % variants.length
          const order = [...variants.slice(k), ...variants.slice(0, k)]
          for (const v of round % 2 ? order.reverse() : order) {
            const r =
              scenario === 'cold'
                ? await run(COLD, ['--root', v.project.root, '--runs', arg('--cold-runs', '20')], FLAGS[mode]).then((r) => ({
                    ...r,
                    medianUs: r.medianMs * 1e3,
                  }))
                : await run(
                    PERCALL,
                    [
                      '--child',
                      '--scenario',
                      scenario,
                      '--root',
                      v.project.root,
                      '--warmup',
                      String(CALLS[scenario].warmup),
                      '--calls',
                      String(CALLS[scenario][mode]),
                    ],
                    FLAGS[mode],
                  )
            res.push({ variant: v.name, mode, scenario, round, status: r.status, us: r.medianUs, reason: r.reason })
            process.stderr.write(
              `[${++n}/${total}] ${mode} ${scenario} ${v.name}: ${r.status === 'ok' ? r.medianUs.toFixed(1) + ' µs' : r.reason}\n`,
            )
          }
        }
      }
    }
  } finally {
    for (const v of variants) v.project.cleanup()
  }
  const fmt = (x) => (x === undefined ? '—' : x >= 1000 ? (x / 1e3).toFixed(2) + ' ms' : x.toFixed(1))
  console.log(
    `\nNode ${process.version}, load ${load0.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}; ${procs} fresh processes per cell, variants rotating.`,
  )
  console.log('\n| variant | wasm.br B | glue B (br) | package br B |')
  console.log('|---|---|---|---|')
  for (const v of variants)
    console.log(`| ${v.name} | ${v.bytes.wasmBr} | ${v.bytes.glue} (${v.bytes.glueBr}) | ${v.bytes.pkgBr} |`)
  console.log(
    `\nµs per call (cold: time to first getSession), median over processes; paired ratio to ${variants[0].name} (median over rounds)\n`,
  )
  console.log('| mode | scenario | ' + variants.map((v) => v.name).join(' | ') + ' |')
  console.log('|---|---|' + variants.map(() => '---|').join(''))
  const summary = {}
  for (const mode of modes) {
    for (const scenario of scenarios) {
      const cells = variants.map((v) => {
        const ok = res.filter((r) => r.variant === v.name && r.mode === mode && r.scenario === scenario && r.status === 'ok')
        const m = ok.length ? median(ok.map((r) => r.us)) : undefined
        const ratios = []
        for (let round = 0; round < procs; round++) {
          const a = res.find(
            (r) => r.round === round && r.variant === v.name && r.mode === mode && r.scenario === scenario && r.status === 'ok',
          )
          const b = res.find(
            (r) =>
              r.round === round &&
              r.variant === variants[0].name &&
              r.mode === mode &&
              r.scenario === scenario &&
              r.status === 'ok',
          )
          if (a && b) ratios.push(a.us / b.us)
        }
        const ratio = ratios.length ? median(ratios) : undefined
        summary[`${mode}/${scenario}/${v.name}`] = { us: m, ratio, n: ok.length, all: ok.map((r) => r.us) }
        return `${fmt(m)}${v === variants[0] ? '' : ` (${ratio === undefined ? '—' : ratio.toFixed(3) + '×'})`}${ok.length < procs ? ` [${procs - ok.length} failed]` : ''}`
      })
      console.log(`| ${mode} | ${scenario} | ${cells.join(' | ')} |`)
    }
  }
  const out = arg('--json')
  if (out)
    fs.writeFileSync(
      out,
      JSON.stringify(
        {
          when: new Date().toISOString(),
          variants: variants.map(({ name, dir, bytes }) => ({ name, dir, bytes })),
          procs,
          summary,
          res,
        },
        null,
        2,
      ) + '\n',
    )
  const failed = res.filter((r) => r.status !== 'ok')
  if (failed.length)
    console.log('\nfailures:', [...new Set(failed.map((r) => `${r.variant} ${r.mode} ${r.scenario}: ${r.reason}`))].join('\n'))
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
