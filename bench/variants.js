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
// rotates each round; reported: median over processes of each process' median µs per call (cold:
// median ms from `require` of the client to the first getSession() resolved, wasm compiled anew
// each time), and the paired ratio to the first variant (median over rounds).
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { median, dirBytes, storedSession, FAKE_URL, KEY, STORAGE_KEY, cli, failure } = require('./lib')
const lib = require('./lib')

const argv = process.argv.slice(2)
const { arg, list } = cli(argv)

const PERCALL = path.join(__dirname, 'percall.js')
const INTERP = ['--max-opt=0', '--no-sparkplug', '--no-maglev', '--regexp-interpret-all']
// interp-liftoff: also keep the wasm in V8's baseline compiler (no TurboFan tier-up): V8 has no wasm
// interpreter, so this is the closest it gets to a no-JIT wasm engine (iOS) — still compiled code.
const FLAGS = { jit: [], interp: INTERP, 'interp-liftoff': [...INTERP, '--liftoff', '--no-wasm-tier-up'] }
const CALLS = {
  getSession: { warmup: 500, jit: 3000, interp: 2000, 'interp-liftoff': 2000 },
  select: { warmup: 200, jit: 1000, interp: 500, 'interp-liftoff': 500 },
}

// ---- cold-start child: require the client → first getSession() resolved, N app restarts ----
async function coldChild() {
  const { createSimulator } = require('../tests/sim')
  const runs = Number(arg('--cold-runs', 20))
  const sim = createSimulator({ root: arg('--root'), appid: 'wx0000000000000001' })
  sim.storage.set(STORAGE_KEY, storedSession())
  const times = []
  try {
    // --cold-runs 0: only the first launch of this fresh process (a true cold start).
    for (let i = 0; i < (runs === 0 ? 1 : runs + 2); i++) {
      const app = i === 0 ? await sim.launch() : await sim.restart()
      const t0 = process.hrtime.bigint()
      const client = app.require('lib/client')
      const { data, error } = await client.auth.getSession()
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      if (error || !data.session || data.session.refresh_token !== 'abcdefghijkl')
        return { status: 'failed', reason: 'no session: ' + JSON.stringify(error) }
      if (runs === 0 || i >= 2) times.push(ms)
    }
  } finally {
    sim.close()
  }
  return { status: 'ok', medianUs: median(times) * 1e3 }
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
                ? await run(
                    __filename,
                    ['--cold-child', '--root', v.project.root, '--cold-runs', arg('--cold-runs', '20')],
                    FLAGS[mode],
                  )
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

if (argv.includes('--cold-child')) {
  coldChild().then(
    (out) => process.send(out, () => process.exit(0)),
    (e) => process.send(failure(e), () => process.exit(0)),
  )
} else {
  main().catch((e) => {
    console.error(e)
    process.exit(1)
  })
}
