#!/usr/bin/env node
// Benchmark (not a test): what one big Database filter costs, issue 13 item 5. Time of the awaited call,
// the wasm memory (the module's memory.buffer.byteLength before and after) and the process' RSS (before,
// after, and its peak: process.resourceUsage().maxRSS), each scenario in a FRESH Node process, with and
// without V8's JIT, for supabase-wechat (dist/supabase-wechat), optionally an earlier build of it
// (--before-dir, e.g. a copy of dist/supabase-wechat made before a change) and supabase-wechat-stable-v2
// 2.2.0, all installed by packNpm and loaded in the strict simulator (tests/sim). wx.request is the
// zero-latency fake of bench/lib.js (no server): the figures are the SDK's own work, building and sending
// the request; the URL length it handed to wx.request is recorded.
//
// Scenarios (the argument is built before the timed call; its own memory is in "rss before"):
//   in100k      from('todos').select('id').in('id', [1 … 100000])
//   match1MB    from('todos').select('id').match({ task: <1 MiB ASCII string> })
//   eq1MB       from('todos').select('id').eq('task', <1 MiB ASCII string>)
//   eq16MB      from('todos').select('id').eq('task', <16 MiB ASCII string>)
//   matchString1MB  from('todos').select('id').match(<1 MiB string>): one filter per character
//   in1000uuid  from('todos').select('id').in('id', <1,000 distinct UUIDs>)   (below the bound: it is sent)
//
// Usage (after `bash scripts/build.sh`):
//   node bench/filters.js                               ours and old, jit and interp, every scenario
//   node bench/filters.js --before-dir /tmp/before/supabase-wechat --sdks before,ours,old
//   options: --modes jit,interp  --scenarios in100k,eq1MB  --sdks ours,old,before  --procs 1
//            --timeout-s 900 (per process)  --no-save (do not write bench/results/filters-issue13.json)
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const vm = require('node:vm')
const lib = require('./lib')
const { FAKE_REQUEST, MODES, cli, failure, median } = lib

const argv = process.argv.slice(2)
const { arg, list } = cli(argv)
const RESULTS = path.join(__dirname, 'results', 'filters-issue13.json')

const MiB = 1024 * 1024
// A UUID-shaped string from a counter (distinct for distinct i).
const uuid = (i) => {
  const h = i.toString(16).padStart(12, '0')
  return `2411981d-0000-4000-8000-${h}`
}

const SCENARIOS = {
  in100k: {
    label: "in('id', 100,000 ids)",
    arg: () => Array.from({ length: 100000 }, (_, i) => i + 1),
    run: (c, a) => c.from('todos').select('id').in('id', a),
  },
  match1MB: {
    label: 'match({ task: 1 MiB string })',
    arg: () => 'a'.repeat(MiB),
    run: (c, a) => c.from('todos').select('id').match({ task: a }),
  },
  eq1MB: {
    label: "eq('task', 1 MiB string)",
    arg: () => 'a'.repeat(MiB),
    run: (c, a) => c.from('todos').select('id').eq('task', a),
  },
  eq16MB: {
    label: "eq('task', 16 MiB string)",
    arg: () => 'a'.repeat(16 * MiB),
    run: (c, a) => c.from('todos').select('id').eq('task', a),
  },
  // match() given a string instead of an object: Object.entries makes every character a column (what
  // postgrest-js does too), 1,048,576 filters.
  matchString1MB: {
    label: 'match(<1 MiB string>): 1,048,576 filters',
    arg: () => 'a'.repeat(MiB),
    run: (c, a) => c.from('todos').select('id').match(a),
  },
  in1000uuid: {
    label: "in('id', 1,000 UUIDs)",
    arg: () => Array.from({ length: 1000 }, (_, i) => uuid(i)),
    run: (c, a) => c.from('todos').select('id').in('id', a),
  },
}

// ---------- child: one (SDK, scenario) in its own process ----------

async function child() {
  const scenario = SCENARIOS[arg('--scenario')]
  const { createSimulator } = require('../tests/sim')
  const sim = createSimulator({ root: arg('--root'), appid: 'wx0000000000000001' })
  const app = await sim.launch()
  const seen = { n: 0, auth: null, urlLen: null }
  const fake = vm.runInContext(FAKE_REQUEST, app.context)({ select: '[]' }, seen)
  // Records the length of the URL the SDK hands to wx.request.
  app.context.wx.request = vm.runInContext(
    '(function (inner, seen) { return function request (o) { seen.urlLen = String(o.url).length; return inner(o) } })',
    app.context,
  )(fake, seen)
  const client = app.require('lib/client')
  let glue = null
  try {
    glue = app.require('miniprogram_npm/supabase-wechat/supabase_wechat.js')
  } catch (_) {
    /* the old SDK has no wasm */
  }
  const wasmBytes = () => (glue && typeof glue.__memory === 'function' ? glue.__memory().buffer.byteLength : null)
  try {
    // One small call first: the core is loaded and warm.
    const warm = await client.from('todos').select('id').eq('id', 1)
    if (warm.error) return { status: 'failed', reason: 'warm-up call failed: ' + JSON.stringify(warm.error) }
    const a = scenario.arg()
    const wasmBefore = wasmBytes()
    const rssBefore = process.memoryUsage().rss
    const n0 = seen.n
    const t0 = process.hrtime.bigint()
    const r = await scenario.run(client, a)
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    const e = r && r.error
    return {
      status: 'ok',
      ms,
      wasmBefore,
      wasmAfter: wasmBytes(),
      rssBefore,
      rssAfter: process.memoryUsage().rss,
      maxRss: process.resourceUsage().maxRSS * 1024,
      sent: seen.n > n0,
      urlLen: seen.n > n0 ? seen.urlLen : null,
      resultStatus: r && r.status,
      error: e ? { name: e.name, code: e.code, message: String(e.message).slice(0, 200) } : null,
      execArgv: process.execArgv,
    }
  } finally {
    sim.close()
  }
}

// ---------- parent ----------

// 'before': ours from --before-dir (a copy of an earlier dist/supabase-wechat).
async function makeProjects(sdkIds) {
  const projects = {}
  for (const id of sdkIds) {
    if (id !== 'before') projects[id] = await lib.sdkProject(id)
    else if (!arg('--before-dir')) throw new Error('--sdks before needs --before-dir <a copy of an earlier dist/supabase-wechat>')
    else projects[id] = await lib.sdkProject('ours', arg('--before-dir'))
  }
  return projects
}

const mib = (b) => (b === null || b === undefined ? '—' : (b / MiB).toFixed(1))
const msFmt = (x) => (x === null || x === undefined ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1))

async function main() {
  const sdkIds = list('--sdks', 'ours,old')
  const modes = list('--modes', 'jit,interp')
  const scenarios = list('--scenarios', Object.keys(SCENARIOS).join(','))
  const procs = Number(arg('--procs', 1))
  const timeoutMs = Number(arg('--timeout-s', 900)) * 1000
  for (const s of scenarios) if (!SCENARIOS[s]) throw new Error('unknown scenario ' + s)
  for (const m of modes) if (!MODES[m]) throw new Error('unknown mode ' + m)
  const load0 = os.loadavg()[0]
  const projects = await makeProjects(sdkIds)
  const runs = []
  try {
    for (let round = 0; round < procs; round++) {
      for (const scenario of scenarios) {
        for (const mode of modes) {
          for (const sdk of sdkIds) {
            const args = ['--child', '--scenario', scenario, '--root', projects[sdk].root]
            const { msg } = await lib.runChild(__filename, args, { execArgv: MODES[mode].flags, timeoutMs })
            const r = Object.assign({ sdk, mode, scenario, round }, msg)
            delete r.execArgv
            runs.push(r)
            const what =
              r.status === 'ok'
                ? `${msFmt(r.ms)} ms, wasm ${mib(r.wasmBefore)} → ${mib(r.wasmAfter)} MiB, peak RSS ${mib(r.maxRss)} MiB, ${r.sent ? `sent (URL ${r.urlLen} B)` : 'not sent'}${r.error ? `, ${r.error.name} ${r.error.code || ''}` : ''}`
                : `${r.status}: ${r.reason}`
            process.stderr.write(`${scenario} ${mode} ${sdk}: ${what}\n`)
          }
        }
      }
    }
  } finally {
    for (const p of Object.values(projects)) p.cleanup()
  }
  const summary = []
  for (const scenario of scenarios)
    for (const mode of modes)
      for (const sdk of sdkIds) {
        const ok = runs.filter((r) => r.scenario === scenario && r.mode === mode && r.sdk === sdk && r.status === 'ok')
        const all = runs.filter((r) => r.scenario === scenario && r.mode === mode && r.sdk === sdk)
        if (!ok.length) {
          summary.push({ scenario, mode, sdk, failed: all.map((r) => r.reason) })
          continue
        }
        const last = ok[ok.length - 1]
        summary.push({
          scenario,
          mode,
          sdk,
          processes: ok.length,
          ms: median(ok.map((r) => r.ms)),
          wasmBefore: last.wasmBefore,
          wasmAfter: median(ok.map((r) => (r.wasmAfter === null ? 0 : r.wasmAfter))) || last.wasmAfter,
          rssBefore: median(ok.map((r) => r.rssBefore)),
          rssAfter: median(ok.map((r) => r.rssAfter)),
          maxRss: median(ok.map((r) => r.maxRss)),
          sent: last.sent,
          urlLen: last.urlLen,
          error: last.error,
        })
      }
  console.log('\n| scenario | mode | sdk | ms | wasm memory before → after (MiB) | RSS before → after, peak (MiB) | outcome |')
  console.log('|---|---|---|---|---|---|---|')
  for (const s of summary) {
    if (s.failed) {
      console.log(`| ${SCENARIOS[s.scenario].label} | ${s.mode} | ${s.sdk} | — | — | — | failed: ${s.failed.join('; ')} |`)
      continue
    }
    const outcome = s.error
      ? `${s.sent ? 'sent, ' : 'not sent, '}${s.error.name}${s.error.code ? ` (${s.error.code})` : ''}`
      : `sent, URL ${s.urlLen} B`
    console.log(
      `| ${SCENARIOS[s.scenario].label} | ${s.mode} | ${s.sdk} | ${msFmt(s.ms)} | ${mib(s.wasmBefore)} → ${mib(s.wasmAfter)} | ${mib(s.rssBefore)} → ${mib(s.rssAfter)}, ${mib(s.maxRss)} | ${outcome} |`,
    )
  }
  if (!argv.includes('--no-save')) {
    let previous = {}
    try {
      previous = JSON.parse(fs.readFileSync(RESULTS, 'utf8'))
    } catch (_) {
      /* first run */
    }
    const label = arg('--label', 'run')
    const out = Object.assign({}, previous, {
      note: 'One fresh Node process per cell; wx.request is a zero-latency fake (no server). ms: the awaited call; wasm: the module memory.buffer.byteLength before/after the call (null: the old SDK has no wasm); maxRss: the process peak RSS (includes the argument itself). Shared 2-vCPU machine: times are noisy.',
      machine: { node: process.version, cpu: os.cpus()[0].model, cpus: os.cpus().length, loadavg1mAtStart: load0 },
    })
    out.runs = Object.assign({}, previous.runs, {
      [label]: { when: new Date().toISOString(), modes: Object.fromEntries(modes.map((m) => [m, MODES[m].flags])), summary },
    })
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true })
    fs.writeFileSync(RESULTS, JSON.stringify(out, null, 2) + '\n')
    console.log(`\n(JSON: ${path.relative(process.cwd(), RESULTS)}, under runs.${label})`)
  }
}

if (argv.includes('--child')) {
  child().then(
    (out) => process.send(out, () => process.exit(0)),
    (e) => process.send(failure(e, 'child threw: '), () => process.exit(0)),
  )
} else {
  main().catch((e) => {
    console.error(e)
    process.exit(1)
  })
}
