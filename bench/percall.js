#!/usr/bin/env node
// Benchmark (not a test): the JS/wasm cost of ONE warm SDK call, supabase-wechat (dist/supabase-wechat,
// built by scripts/build.sh) vs supabase-wechat-stable-v2@2.2.0, both installed by packNpm and loaded in
// the strict simulator (tests/sim), with and without V8's JIT.
//
// Scenarios (a returning user: signed in, the session in wx storage, 1 h from expiry):
//   getSession  client.auth.getSession()                 (no request: the stored session is returned)
//   select      client.from('todos').select() → 100 rows (one wx.request, the user's access token)
// wx.request is a zero-latency fake (bench/lib.js FAKE_REQUEST): no socket, no server; it answers on
// the next microtask with canned data (JSON.parse'd in the fake when the SDK asks dataType 'json', as
// WeChat does natively; the SDK parses it when it asks for text; both are in the timed call).
//
// Modes:
//   jit     plain `node` (Ignition → Sparkplug → TurboFan, as on Android / DevTools)
//   interp  `node --max-opt=0 --no-sparkplug --no-maglev --regexp-interpret-all`: JS stays in the Ignition
//           interpreter and regexps in the regexp interpreter, the closest Node gets to iOS WeChat,
//           whose JavaScriptCore runs without a JIT. WebAssembly is NOT interpreted: V8 still compiles
//           the core (Liftoff, then TurboFan), so the interp figures under-state a no-JIT wasm engine.
//
// Every (SDK, mode, scenario) sample is a FRESH Node process: load the SDK in the simulator, check the
// first call's result, warm up N calls, time M calls one after another (each awaited), report the
// median and mean µs per call. Processes run ours/old alternately (which goes first flips every round),
// and the parent prints the median over processes and the ours/old ratios.
//
// Usage (after `bash scripts/build.sh`):
//   node bench/percall.js                         full run (≈2–3 min on 2 vCPUs), writes bench/results/percall.json
//   node bench/percall.js --procs 3 --calls 300   a quick look
//   node bench/percall.js --profile               where the time goes: CPU profile of ours, interp, getSession
// Options:
//   --procs P            processes per (SDK, mode, scenario) (default 15: 120 processes in all)
//   --warmup N           warm-up calls per process (default: getSession 500, select 200)
//   --calls M            timed calls per process (default: getSession 3000 jit / 2000 interp, select 1000 jit / 500 interp)
//   --modes jit,interp   --scenarios getSession,select   --sdks ours,old
//   --no-save            do not write bench/results/percall.json (or percall-profile.json)
//   --profile            instead of the comparison: one profiled process (--cpu-prof) per --sdks × --modes ×
//                        --scenarios (default ours × interp × getSession), summarised by self time; writes
//                        bench/results/percall-profile.json. --profile-interval µs (default 50), --top K (default 20)
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const vm = require('node:vm')
const { spawnSync } = require('node:child_process')
const lib = require('./lib')
const { median, p90, storedSession, todoRows, FAKE_REQUEST, STORAGE_KEY, SDKS, MODES, cli, failure, machine } = lib

const argv = process.argv.slice(2)
const { arg, list } = cli(argv)

const RESULTS = path.join(__dirname, 'results', 'percall.json')
const PROFILE_RESULTS = path.join(__dirname, 'results', 'percall-profile.json')

const stored = storedSession()
const STORED = JSON.parse(stored)
const SELECT_BODY = JSON.stringify(todoRows(100))

const SCENARIOS = {
  getSession: {
    label: 'warm auth.getSession()',
    warmup: 500,
    calls: { jit: 3000, interp: 2000 },
    requests: 0,
    run: (c) => c.auth.getSession(),
    check: (r) =>
      !r.error &&
      r.data &&
      r.data.session &&
      r.data.session.refresh_token === STORED.refresh_token &&
      r.data.session.access_token === STORED.access_token,
  },
  select: {
    label: "from('todos').select() → 100 rows",
    warmup: 200,
    calls: { jit: 1000, interp: 500 },
    requests: 1,
    run: (c) => c.from('todos').select(),
    check: (r) =>
      !r.error &&
      r.status === 200 &&
      r.data &&
      r.data.length === 100 &&
      r.data[99].id === 100 &&
      r.data[0].task === todoRows(1)[0].task,
  },
}

function brief(r) {
  try {
    return JSON.stringify(r, (_k, v) => (Array.isArray(v) && v.length > 3 ? `[${v.length} items]` : v)).slice(0, 300)
  } catch {
    return String(r)
  }
}

// ---------- child: one (SDK, scenario) in its own process, the mode set by its node flags ----------

async function child() {
  const scenario = SCENARIOS[arg('--scenario')]
  const warmup = Number(arg('--warmup'))
  const calls = Number(arg('--calls'))
  const { createSimulator } = require('../tests/sim')
  const tLoad = process.hrtime.bigint()
  const sim = createSimulator({ root: arg('--root'), appid: 'wx0000000000000001' })
  sim.storage.set(STORAGE_KEY, stored)
  const app = await sim.launch()
  const seen = { n: 0, auth: null }
  app.context.wx.request = vm.runInContext(FAKE_REQUEST, app.context)({ select: SELECT_BODY }, seen)
  const client = app.require('lib/client')
  try {
    const first = await lib.within(10000, scenario.run(client), 'first call')
    const loadMs = Number(process.hrtime.bigint() - tLoad) / 1e6
    if (!scenario.check(first)) return { status: 'failed', reason: 'unexpected result: ' + brief(first) }
    if (scenario.requests && seen.auth !== 'Bearer ' + STORED.access_token)
      return {
        status: 'failed',
        reason: "the request did not carry the signed-in user's token: " + String(seen.auth).slice(0, 60),
      }
    for (let i = 0; i < warmup; i++) await scenario.run(client)
    const n0 = seen.n
    const cpu0 = process.cpuUsage()
    const windowStartUs = Number(process.hrtime.bigint()) / 1e3
    const t0 = process.hrtime.bigint()
    const times = await lib.timeCalls(calls, () => scenario.run(client))
    const totalUs = Number(process.hrtime.bigint() - t0) / 1e3
    const windowEndUs = Number(process.hrtime.bigint()) / 1e3
    const cpu = process.cpuUsage(cpu0)
    const requestsPerCall = (seen.n - n0) / calls
    if (requestsPerCall !== scenario.requests)
      return { status: 'failed', reason: `${requestsPerCall} wx.request per call, expected ${scenario.requests}` }
    const last = await scenario.run(client)
    if (!scenario.check(last)) return { status: 'failed', reason: 'unexpected result after the timed calls: ' + brief(last) }
    // The same loop around a call that does nothing but return a settled context-realm promise:
    // what the timing itself costs per call (hrtime, await), included in both SDKs' figures.
    const noop = vm.runInContext('(function () { return Promise.resolve(null) })', app.context)
    const empty = await lib.timeCalls(Math.min(calls, 1000), noop)
    return {
      status: 'ok',
      warmup,
      calls,
      loadMs,
      medianUs: median(times),
      meanUs: totalUs / calls,
      p10Us: [...times].sort((x, y) => x - y)[Math.floor(calls / 10)],
      p90Us: p90(times),
      cpuUsPerCall: (cpu.user + cpu.system) / calls,
      requestsPerCall,
      harnessUs: median(empty),
      window: { startUs: windowStartUs, endUs: windowEndUs },
      execArgv: process.execArgv,
    }
  } finally {
    sim.close()
  }
}

// ---------- parent ----------

function runChild({ sdk, mode, scenario, root, warmup, calls, extraFlags = [] }) {
  const args = ['--child', '--scenario', scenario, '--root', root, '--warmup', String(warmup), '--calls', String(calls)]
  return lib
    .runChild(__filename, args, { execArgv: [...MODES[mode].flags, ...extraFlags] })
    .then(({ msg }) => Object.assign({ sdk, mode, scenario }, msg))
}

// Which tier V8 leaves a hot function in, under each mode's flags (so the run records that "interp" is).
function tierCheck(mode) {
  const src =
    'function f(x){let s=0;for(let i=0;i<100;i++)s+=i*x;return s}for(let i=0;i<100000;i++)f(i);' +
    'console.log(%ActiveTierIsIgnition(f)?"ignition":%ActiveTierIsSparkplug(f)?"sparkplug":%ActiveTierIsTurbofan(f)?"turbofan":"other")'
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', ...MODES[mode].flags, '-e', src], { encoding: 'utf8' })
  return r.status === 0 ? r.stdout.trim() : 'unknown: ' + r.stderr.trim().split('\n')[0]
}

async function makeProjects(sdkIds) {
  const projects = {}
  for (const id of sdkIds) projects[id] = await lib.sdkProject(id)
  return projects
}

function callsFor(scenario, mode) {
  return {
    warmup: Number(arg('--warmup', SCENARIOS[scenario].warmup)),
    calls: Number(arg('--calls', SCENARIOS[scenario].calls[mode])),
  }
}

const fmt = (x) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1))
const ratio = (a, b) => (a && b ? a / b : null)

async function compare() {
  const procs = Number(arg('--procs', 15))
  const sdkIds = list('--sdks', 'ours,old')
  const modes = list('--modes', 'jit,interp')
  const scenarios = list('--scenarios', 'getSession,select')
  for (const m of modes) if (!MODES[m]) throw new Error('unknown mode ' + m)
  for (const s of scenarios) if (!SCENARIOS[s]) throw new Error('unknown scenario ' + s)
  for (const s of sdkIds) if (!SDKS[s]) throw new Error('unknown sdk ' + s)
  const load0 = os.loadavg()[0]
  const t0 = Date.now()
  const tiers = Object.fromEntries(modes.map((m) => [m, tierCheck(m)]))
  const projects = await makeProjects(sdkIds)
  const runs = []
  try {
    const total = procs * modes.length * scenarios.length * sdkIds.length
    for (let round = 0; round < procs; round++) {
      for (const mode of modes) {
        for (const scenario of scenarios) {
          const order = round % 2 === 0 ? sdkIds : [...sdkIds].reverse()
          for (const sdk of order) {
            const r = await runChild({ sdk, mode, scenario, root: projects[sdk].root, ...callsFor(scenario, mode) })
            r.round = round
            runs.push(r)
            const what = r.status === 'ok' ? `${fmt(r.medianUs)} µs/call (mean ${fmt(r.meanUs)})` : `${r.status}: ${r.reason}`
            process.stderr.write(`[${runs.length}/${total}] round ${round + 1} ${mode} ${scenario} ${sdk}: ${what}\n`)
          }
        }
      }
    }
  } finally {
    for (const p of Object.values(projects)) p.cleanup()
  }

  // Per (mode, scenario, sdk): median over processes of each process's median (and mean) µs per call.
  const summary = {}
  for (const mode of modes) {
    summary[mode] = {}
    for (const scenario of scenarios) {
      const cell = {}
      summary[mode][scenario] = cell
      for (const sdk of sdkIds) {
        const ok = runs.filter((r) => r.mode === mode && r.scenario === scenario && r.sdk === sdk && r.status === 'ok')
        const med = ok.map((r) => r.medianUs)
        cell[sdk] = ok.length
          ? {
              processes: ok.length,
              failed: procs - ok.length,
              medianUs: median(med),
              minUs: Math.min(...med),
              maxUs: Math.max(...med),
              meanUs: median(ok.map((r) => r.meanUs)),
              cpuUsPerCall: median(ok.map((r) => r.cpuUsPerCall)),
              harnessUs: median(ok.map((r) => r.harnessUs)),
              warmup: ok[0].warmup,
              calls: ok[0].calls,
            }
          : {
              processes: 0,
              failed: procs,
              reasons: [
                ...new Set(runs.filter((r) => r.mode === mode && r.scenario === scenario && r.sdk === sdk).map((r) => r.reason)),
              ],
            }
      }
      if (cell.ours && cell.old && cell.ours.processes && cell.old.processes) {
        // Paired by round (the two ran back to back), so slow phases of the machine cancel out.
        const paired = []
        for (let round = 0; round < procs; round++) {
          const a = runs.find(
            (r) => r.round === round && r.mode === mode && r.scenario === scenario && r.sdk === 'ours' && r.status === 'ok',
          )
          const b = runs.find(
            (r) => r.round === round && r.mode === mode && r.scenario === scenario && r.sdk === 'old' && r.status === 'ok',
          )
          if (a && b) paired.push(a.medianUs / b.medianUs)
        }
        cell.ratio = {
          oursOverOld: ratio(cell.ours.medianUs, cell.old.medianUs),
          oursOverOldMean: ratio(cell.ours.meanUs, cell.old.meanUs),
          pairedMedian: paired.length ? median(paired) : null,
          pairedMin: paired.length ? Math.min(...paired) : null,
          pairedMax: paired.length ? Math.max(...paired) : null,
        }
      }
    }
  }
  const m = machine(load0)
  report(summary, { modes, scenarios, sdkIds, procs, tiers, m, seconds: (Date.now() - t0) / 1e3 })
  if (!argv.includes('--no-save')) {
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true })
    const out = {
      note: 'Absolute µs are noisy: 2 shared vCPUs, other builds running in parallel. Compare the ratios (same run, alternating fresh processes), not the absolute numbers across runs.',
      when: new Date().toISOString(),
      commit: lib.gitDescribe(),
      machine: m,
      modes: Object.fromEntries(modes.map((k) => [k, { flags: MODES[k].flags, hotFunctionTier: tiers[k] }])),
      scenarios: Object.fromEntries(scenarios.map((k) => [k, SCENARIOS[k].label])),
      procs,
      statistic:
        "medianUs = median over processes of each process's median µs per call; meanUs = median over processes of (total time / calls); ratio.pairedMedian = median over rounds of ours/old for the two back-to-back processes",
      summary,
      runs: runs.map(({ window, execArgv, ...r }) => r),
    }
    fs.writeFileSync(RESULTS, JSON.stringify(out, null, 2) + '\n')
    console.log(`\n(JSON: ${path.relative(process.cwd(), RESULTS)})`)
  }
}

function report(summary, { modes, scenarios, sdkIds, procs, tiers, m, seconds }) {
  console.log(
    `\nNode ${m.node} (V8 ${m.v8}), ${m.cpu} ×${m.cpus}, load average ${m.loadavg1mAtStart.toFixed(1)} → ${m.loadavg1mAtEnd.toFixed(1)}, ${seconds.toFixed(0)} s.`,
  )
  console.log(
    `${procs} fresh processes per cell, ours/old alternating. NOISY: shared 2-vCPU machine with other builds running, so absolute µs vary from run to run; the ratios are the figures to compare.`,
  )
  for (const mode of modes) console.log(`  ${mode}: ${MODES[mode].label}; a hot function ends in: ${tiers[mode]}`)
  console.log(
    "\nµs per call: median over processes of each process's median call (range over processes; mean = total/calls, includes GC)\n",
  )
  console.log(
    '| mode | scenario | ' +
      sdkIds.map((s) => `${s} median (min–max) | ${s} mean`).join(' | ') +
      ' | ours/old (medians) | ours/old (paired, median; range) |',
  )
  console.log('|---|---|' + sdkIds.map(() => '---|---|').join('') + '---|---|')
  for (const mode of modes) {
    for (const scenario of scenarios) {
      const c = summary[mode][scenario]
      const cols = sdkIds.map((s) =>
        c[s].processes
          ? `${fmt(c[s].medianUs)} (${fmt(c[s].minUs)}–${fmt(c[s].maxUs)}) | ${fmt(c[s].meanUs)}`
          : `failed: ${c[s].reasons.join('; ')} | —`,
      )
      const r = c.ratio
      console.log(
        `| ${mode} | ${SCENARIOS[scenario].label} | ${cols.join(' | ')} | ${r ? r.oursOverOld.toFixed(2) + '×' : '—'} | ${r && r.pairedMedian ? `${r.pairedMedian.toFixed(2)}× (${r.pairedMin.toFixed(2)}–${r.pairedMax.toFixed(2)})` : '—'} |`,
      )
    }
  }
  const harness = modes.map((mode) => {
    const hs = []
    for (const scenario of scenarios)
      for (const sdk of sdkIds)
        if (summary[mode][scenario][sdk].harnessUs !== undefined) hs.push(summary[mode][scenario][sdk].harnessUs)
    return `${mode} ${hs.length ? fmt(median(hs)) : '—'} µs`
  })
  console.log(
    `\nTiming overhead, an empty awaited call in the same loop (included in every figure above, for both SDKs): ${harness.join(', ')}.`,
  )
  const ratios = []
  for (const mode of modes)
    for (const scenario of scenarios)
      if (summary[mode][scenario].ratio)
        ratios.push(`${scenario} ${mode} ${summary[mode][scenario].ratio.oursOverOld.toFixed(2)}×`)
  if (ratios.length) console.log(`\nours/old: ${ratios.join(', ')}  (> 1: ours is slower)`)
  const byMean = []
  for (const mode of modes)
    for (const scenario of scenarios)
      if (summary[mode][scenario].ratio)
        byMean.push(`${scenario} ${mode} ${summary[mode][scenario].ratio.oursOverOldMean.toFixed(2)}×`)
  if (byMean.length)
    console.log(
      `ours/old by mean (total/calls: includes GC pauses, which the median call skips, and preemption by other processes): ${byMean.join(', ')}`,
    )
}

// ---------- --profile: where the time of one call goes ----------

// A .cpuprofile's samples inside [startUs, endUs] (V8's profile clock and process.hrtime are both
// CLOCK_MONOTONIC on Linux), each weighted by the time until the next sample.
function samplesIn(prof, startUs, endUs) {
  const out = []
  let t = prof.startTime
  for (let i = 0; i < prof.samples.length; i++) {
    t += prof.timeDeltas[i]
    const dt = i + 1 < prof.timeDeltas.length ? prof.timeDeltas[i + 1] : 0
    if (t >= startUs && t <= endUs) out.push([prof.samples[i], dt])
  }
  return out
}

function categorise(cf) {
  const url = cf.url || ''
  const name = cf.functionName
  if (!url && /^\((garbage collector|program|idle|root)\)$/.test(name)) return name
  if (url.startsWith('wasm://') || /^(\$func\d+|wasm-function\[\d+\]|js-to-wasm|wasm-to-js)/.test(name))
    return 'wasm core (compiled)'
  if (url.includes('/miniprogram_npm/supabase-wechat/'))
    return 'ours: ' + path.basename(url) + (path.basename(url) === 'supabase_wechat.js' ? ' (wasm-bindgen glue)' : '')
  if (url.includes('/miniprogram_npm/supabase-wechat-stable-v2/'))
    return 'old: ' + url.split('/miniprogram_npm/supabase-wechat-stable-v2/')[1]
  if (url.includes('/tests/sim/') || url === 'wx-sim-internal.js') return 'simulator (wx stand-in): ' + path.basename(url)
  if (url.includes('/bench/')) return 'bench harness: ' + path.basename(url)
  if (url.startsWith('node:')) return 'node internals'
  if (url.startsWith('evalmachine')) return 'fake wx.request (bench/lib.js)'
  if (!url) return 'native / V8 builtins'
  return path.basename(url)
}

function summariseProfile(prof, window, top) {
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]))
  const parent = new Map()
  for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id)
  const samples = samplesIn(prof, window.startUs, window.endUs)
  const totalUs = samples.reduce((s, [, dt]) => s + dt, 0)
  const key = (cf) =>
    `${cf.functionName || '(anonymous)'}  ${cf.url ? path.basename(cf.url) + ':' + (cf.lineNumber + 1) : ''}`.trim()
  const self = new Map()
  const incl = new Map()
  const cats = new Map()
  const add = (map, k, v) => map.set(k, (map.get(k) || 0) + v)
  for (const [id, dt] of samples) {
    const n = nodes.get(id)
    add(self, key(n.callFrame) + '\u0000' + categorise(n.callFrame), dt)
    add(cats, categorise(n.callFrame), dt)
    const seenKeys = new Set()
    for (let p = id; p !== undefined; p = parent.get(p)) {
      const cf = nodes.get(p).callFrame
      const c = categorise(cf)
      if (!c.startsWith('ours:') && !c.startsWith('old:')) continue
      const k = key(cf) + '\u0000' + c
      if (!seenKeys.has(k)) add(incl, k, dt)
      seenKeys.add(k)
    }
  }
  const rows = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => {
        const [fn, cat] = k.split('\u0000')
        return cat === undefined ? { what: fn, us, share: us / totalUs } : { fn, where: cat, us, share: us / totalUs }
      })
  return {
    samples: samples.length,
    windowUs: window.endUs - window.startUs,
    sampledUs: totalUs,
    bySelf: rows(self, top),
    byCategory: rows(cats, 30),
    inclusiveSdk: rows(incl, 12),
  }
}

async function profile() {
  const sdkIds = list('--sdks', 'ours')
  const modes = list('--modes', 'interp')
  const scenarios = list('--scenarios', 'getSession')
  const interval = Number(arg('--profile-interval', 50))
  const top = Number(arg('--top', 20))
  const load0 = os.loadavg()[0]
  const projects = await makeProjects(sdkIds)
  const profiles = []
  try {
    for (const mode of modes) {
      for (const scenario of scenarios) {
        for (const sdk of sdkIds) {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-prof-'))
          try {
            const { warmup, calls } = callsFor(scenario, mode)
            const r = await runChild({
              sdk,
              mode,
              scenario,
              root: projects[sdk].root,
              warmup,
              calls,
              extraFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${interval}`],
            })
            if (r.status !== 'ok') throw new Error(`${sdk} ${mode} ${scenario}: ${r.reason}`)
            const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))
            if (!file) throw new Error('no .cpuprofile written')
            const prof = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))
            const s = summariseProfile(prof, r.window, top)
            if (s.samples < 100)
              throw new Error(`only ${s.samples} samples in the timed window: profile clock and hrtime disagree?`)
            profiles.push({
              sdk,
              mode,
              scenario,
              flags: r.execArgv,
              warmup,
              calls,
              medianUsProfiled: r.medianUs,
              meanUsProfiled: r.meanUs,
              ...s,
            })
            printProfile(profiles[profiles.length - 1], calls)
          } finally {
            fs.rmSync(dir, { recursive: true, force: true })
          }
        }
      }
    }
  } finally {
    for (const p of Object.values(projects)) p.cleanup()
  }
  if (!argv.includes('--no-save')) {
    fs.mkdirSync(path.dirname(PROFILE_RESULTS), { recursive: true })
    const out = {
      note: "Self time of the timed calls only (samples between the first and last timed call), one profiled process; the profiler itself slows calls down. Absolute µs are noisy (shared 2-vCPU machine); the shares are what to read. V8 charges time in builtins reached through Function.prototype.apply (e.g. String.fromCharCode.apply) to the caller's caller: a thin wrapper with a large self time (the glue's decodeText) is that.",
      when: new Date().toISOString(),
      commit: lib.gitDescribe(),
      machine: machine(load0),
      intervalUs: interval,
      profiles,
    }
    fs.writeFileSync(PROFILE_RESULTS, JSON.stringify(out, null, 2) + '\n')
    console.log(`\n(JSON: ${path.relative(process.cwd(), PROFILE_RESULTS)})`)
  }
}

function printProfile(p, calls) {
  const pct = (x) => (100 * x).toFixed(1).padStart(5) + ' %'
  const per = (us) => (us / calls).toFixed(2).padStart(7) + ' µs/call'
  console.log(
    `\n## Where the time goes: ${p.sdk}, ${p.mode} (${p.flags.filter((f) => !f.startsWith('--cpu-prof')).join(' ') || 'JIT'}), ${SCENARIOS[p.scenario].label}`,
  )
  console.log(
    `${calls} timed calls after ${p.warmup} warm-up; ${p.samples} samples at ${arg('--profile-interval', 50)} µs; median call ${fmt(p.medianUsProfiled)} µs (mean ${fmt(p.meanUsProfiled)} µs) while profiled. Noisy machine: read the shares.\n`,
  )
  console.log('By where the code lives (self time):')
  for (const c of p.byCategory) console.log(`  ${pct(c.share)} ${per(c.us)}  ${c.what}`)
  console.log(`\nTop ${p.bySelf.length} functions by self time:`)
  for (const r of p.bySelf) console.log(`  ${pct(r.share)} ${per(r.us)}  ${r.fn}   [${r.where}]`)
  console.log(
    '  (V8 charges time spent in some builtins reached through Function.prototype.apply, e.g. String.fromCharCode.apply,',
  )
  console.log("   to the caller's CALLER: a one-line wrapper with a large self time, like the glue's decodeText, is that.)")
  console.log('\nSDK functions by inclusive time (the call and everything under it):')
  for (const r of p.inclusiveSdk) console.log(`  ${pct(r.share)} ${per(r.us)}  ${r.fn}   [${r.where}]`)
}

if (argv.includes('--child')) {
  child().then(
    (out) => process.send(out, () => process.exit(0)),
    (e) => process.send(failure(e, 'child threw: '), () => process.exit(0)),
  )
} else {
  ;(argv.includes('--profile') ? profile() : compare()).catch((e) => {
    console.error(e)
    process.exit(1)
  })
}
