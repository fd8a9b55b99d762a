#!/usr/bin/env node
// Benchmark (not a test): what supabase-wechat (dist/supabase-wechat, whatever it holds) and
// supabase-wechat-stable-v2@2.2.0 cost a mini-program at start-up, side by side, same run, same machine.
// Both are installed by packNpm (构建 npm) into a project whose lib/client.js creates a client, and run in
// the strict simulator (tests/sim) with the session of a returning user in wx storage.
//   1. bytes added once uploaded: the code package as DevTools uploads it (miniprogram-ci's
//      getCompiledResult, offline) with 上传时压缩 (JS minified by its terser; a .wasm.br counts as it is),
//      and with 将 JS 编译成 ES5 on top; files packNpm puts in miniprogram_npm/ and files uploaded.
//   2. TRUE cold start: require('lib/client') (the SDK's JS, createClient) → the first getSession()
//      resolved, in a FRESH Node process each time (bench/cold.js), ours and the old SDK alternating,
//      each run from its uploaded code package (1.'s 上传时压缩 output written out as a project: what a
//      phone runs; --run uploaded-es5: the one with 将 JS 编译成 ES5 too; --run source: from packNpm's
//      output instead, the old SDK's JS unminified)
//      (which goes first flips every round): median, p90, and the paired ratio (median over rounds);
//      and the CPU time of the process over the start (all threads), which other load on the machine
//      disturbs less than the wall time. In each mode: jit (plain node) and interp (no JIT, as on iOS;
//      bench/lib.js MODES).
//   3. where our cold start goes (bench/cold.js --phases): require of the JS, brotli decode, wasm
//      compile, instantiate, first getSession; medians over the same fresh processes.
//   3b. a LATER launch on Android: the same fresh-process start, from the JS code cache of an earlier
//      launch (WeChat's Code Caching: V8's compile results of the package's JS, 降低非首次注入时的编译耗时;
//      wasm is compiled anew). One process per SDK and mode writes the cache after require (the end of
//      the package's top-level run); the rounds start from it (bench/cold.js --code-cache). --no-code-cache
//      skips it.
//   4. in-process cold start: the same, restarted N times in ONE process (V8 reuses the code it compiled,
//      so this under-states what a phone pays when the mini-program opens);
//   5. a warm getSession(), µs per call (bench/percall.js' child).
// Usage (after `bash scripts/build.sh`; ≈1.5 min on 2 vCPUs):
//   node bench/startup.js [--procs 40] [--modes jit,interp] [--in-process-runs 20] [--no-es5] [--run uploaded|uploaded-es5|source]
//                         [--no-code-cache] [--json out.json]
//   --procs P   fresh processes per SDK and mode      --no-es5  skip the ES5 compile of the bytes (saves ~25 s)
// Only the package's package.json (`miniprogram`, `main`) is assumed: whatever files it has are counted.
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const lib = require('./lib')
const { median, p90, MODES, SDKS } = lib

const argv = process.argv.slice(2)
const { arg, list } = lib.cli(argv)
const PROCS = Number(arg('--procs', 40))
const MODE_IDS = list('--modes', 'jit,interp')
const RUN = arg('--run', 'uploaded')
if (!['uploaded', 'uploaded-es5', 'source'].includes(RUN)) throw new Error('--run is uploaded, uploaded-es5 or source')
const IN_PROCESS = { procs: 3, runs: Number(arg('--in-process-runs', 20)) }
const WARM = { procs: 3, warmup: 500, calls: 3000 }
const SDK_IDS = ['ours', 'old']
const COLD = path.join(__dirname, 'cold.js')
const PERCALL = path.join(__dirname, 'percall.js')
const PHASES = ['require', 'wait', 'brotli', 'compile', 'instantiate', 'getSession', 'total', 'cpu']
const CODE_CACHE = !argv.includes('--no-code-cache')
const LAUNCHES = CODE_CACHE ? ['first', 'cached'] : ['first']

async function child(script, args, mode = 'jit') {
  const { msg } = await lib.runChild(script, args, { execArgv: MODES[mode].flags, timeoutMs: 60e3 })
  if (msg.status !== 'ok') throw new Error(`${path.basename(script)} ${args.join(' ')}: ${msg.reason}`)
  return msg
}

// Which build was measured: sha256 (12 hex) over the files of dist/supabase-wechat's miniprogram dir.
function distFingerprint() {
  const crypto = require('node:crypto')
  const { OURS } = require('../tests/node/lib/project')
  const pkg = JSON.parse(fs.readFileSync(path.join(OURS.dir, 'package.json'), 'utf8'))
  const dir = path.join(OURS.dir, pkg.miniprogram || '.')
  const h = crypto.createHash('sha256')
  for (const f of lib.dirBytes(dir).perFile) h.update(f.file).update(fs.readFileSync(path.join(dir, f.file)))
  return { version: pkg.version, miniprogram: pkg.miniprogram, sha256: h.digest('hex').slice(0, 12) }
}

// The code package as uploaded (`compiled`: { path: text or bytes }) written out as a project the
// simulator launches: what a phone runs (DevTools minifies every JS file again with 上传时压缩).
function writeProject(compiled, dir) {
  for (const [file, content] of Object.entries(compiled)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    fs.writeFileSync(path.join(dir, file), content)
  }
  return dir
}

async function bytes(id, project) {
  const pkg = SDKS[id].pkgName
  const packed = lib.dirBytes(project.path(`miniprogram_npm/${pkg}`))
  const compiled = await lib.compiledPackage(project.root, { minify: true })
  const minified = lib.addedBytes(compiled, pkg)
  const compiledEs5 =
    argv.includes('--no-es5') && RUN !== 'uploaded-es5'
      ? null
      : await lib.compiledPackage(project.root, { minify: true, es6: true })
  const es5 = compiledEs5 && lib.addedBytes(compiledEs5, pkg)
  // Where the starts run: the uploaded package (default), the one with 将 JS 编译成 ES5 too
  // (--run uploaded-es5), or packNpm's output as it is (--run source).
  const root =
    RUN === 'source' ? project.root : writeProject(RUN === 'uploaded' ? compiled : compiledEs5, project.root + '-uploaded')
  return { root, sizes: { packedFiles: packed.files, packedRaw: packed.raw, uploaded: minified, uploadedEs5: es5 } }
}

function pairedRatio(runs, mode) {
  const ratios = []
  for (let round = 0; round < PROCS; round++) {
    const [a, b] = SDK_IDS.map((id) => runs.find((r) => r.round === round && r.mode === mode && r.sdk === id))
    if (a && b) ratios.push(a.total / b.total)
  }
  return ratios.length ? median(ratios) : null
}

async function main() {
  const load0 = os.loadavg()[0]
  const t0 = Date.now()
  const projects = {}
  const roots = {} // where each SDK's starts run (see bytes)
  const res = { run: RUN, bytes: {}, cold: {}, phases: {}, cached: {}, cachedPhases: {}, inProcess: {}, warmGetSessionUs: {} }
  const runs = []
  const caches = {} // `${mode} ${id}` -> the code cache file its later launches start from
  const cacheDir = CODE_CACHE ? fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-code-cache-')) : null
  try {
    for (const id of SDK_IDS) {
      projects[id] = await lib.quietly(() => lib.sdkProject(id))
      const b = await bytes(id, projects[id])
      res.bytes[id] = b.sizes
      roots[id] = b.root
      process.stderr.write(`${id}: ${res.bytes[id].uploaded.bytes} B uploaded (${(Date.now() - t0) / 1e3} s)\n`)
    }
    if (CODE_CACHE)
      for (const mode of MODE_IDS)
        for (const id of SDK_IDS) {
          caches[`${mode} ${id}`] = path.join(cacheDir, `${mode}-${id}.json`)
          await child(COLD, ['--root', roots[id], '--write-code-cache', caches[`${mode} ${id}`]], mode)
        }
    for (let round = 0; round < PROCS; round++) {
      for (const mode of MODE_IDS) {
        for (const launch of LAUNCHES) {
          for (const id of round % 2 ? [...SDK_IDS].reverse() : SDK_IDS) {
            const cache = launch === 'cached' ? ['--code-cache', caches[`${mode} ${id}`]] : []
            const r = await child(COLD, ['--root', roots[id], '--phases', ...cache], mode)
            runs.push({ round, mode, launch, sdk: id, modules: r.modules, ...r.phases })
          }
        }
      }
      process.stderr.write(`cold round ${round + 1}/${PROCS}\n`)
    }
    const restarts = { ours: [], old: [] }
    for (let i = 0; i < IN_PROCESS.procs; i++) {
      for (const id of i % 2 ? [...SDK_IDS].reverse() : SDK_IDS) {
        const r = await child(COLD, ['--root', roots[id], '--runs', String(IN_PROCESS.runs)])
        restarts[id].push(...r.times)
      }
    }
    for (const id of SDK_IDS)
      res.inProcess[id] = { runs: restarts[id].length, median: median(restarts[id]), p90: p90(restarts[id]) }
    const warm = { ours: [], old: [] }
    for (let i = 0; i < WARM.procs; i++) {
      for (const id of i % 2 ? [...SDK_IDS].reverse() : SDK_IDS) {
        const args = ['--child', '--scenario', 'getSession', '--root', roots[id]]
        const r = await child(PERCALL, [...args, '--warmup', String(WARM.warmup), '--calls', String(WARM.calls)])
        warm[id].push(r.medianUs)
      }
    }
    for (const id of SDK_IDS) res.warmGetSessionUs[id] = median(warm[id])
  } finally {
    for (const p of Object.values(projects)) p.cleanup()
    for (const r of Object.values(roots)) if (r.endsWith('-uploaded')) fs.rmSync(r, { recursive: true, force: true })
    if (cacheDir) fs.rmSync(cacheDir, { recursive: true, force: true })
  }
  for (const launch of LAUNCHES) {
    const [cold, phases] = launch === 'first' ? [res.cold, res.phases] : [res.cached, res.cachedPhases]
    const these = runs.filter((r) => r.launch === launch)
    for (const mode of MODE_IDS) {
      cold[mode] = { oursOverOldPaired: pairedRatio(these, mode) }
      phases[mode] = {}
      for (const id of SDK_IDS) {
        const mine = these.filter((r) => r.mode === mode && r.sdk === id)
        const totals = mine.map((r) => r.total)
        const cpu = mine.map((r) => r.cpu)
        cold[mode][id] = { processes: mine.length, median: median(totals), p90: p90(totals), cpuMedian: median(cpu) }
        const ph = { modules: mine[0].modules }
        for (const k of PHASES) if (mine.some((r) => r[k] !== undefined)) ph[k] = median(mine.map((r) => r[k]))
        phases[mode][id] = ph
      }
    }
  }
  const m = lib.machine(load0)
  report(res, m, (Date.now() - t0) / 1e3)
  const out = arg('--json')
  if (out) {
    const json = {
      note: 'Times are noisy (shared 2-vCPU machine): compare the two SDKs of one run (paired ratios), not runs with each other.',
      when: new Date().toISOString(),
      commit: lib.gitDescribe(),
      dist: distFingerprint(),
      machine: m,
      procs: PROCS,
      modes: Object.fromEntries(MODE_IDS.map((k) => [k, MODES[k].flags])),
      ...res,
      runs,
    }
    fs.writeFileSync(out, JSON.stringify(json, null, 2) + '\n')
    console.log(`\n(JSON: ${out})`)
  }
}

const kb = (b) => (b / 1000).toFixed(1) + ' KB'
const msf = (x) => (x === undefined ? '—' : x.toFixed(x < 10 ? 2 : 1))

function report(res, m, seconds) {
  const { bytes: b, cold, phases, cached, cachedPhases, inProcess, warmGetSessionUs: warm } = res
  const ratio = (a, c) => (a / c).toFixed(2) + '×'
  const up = (x) =>
    `${kb(x.bytes)} (${x.wasm ? `JS ${kb(x.js)} + wasm ${kb(x.wasm)}` : `${x.files} files`}${x.other ? ` + other ${kb(x.other)}` : ''})`
  console.log(
    `\nNode ${m.node}, ${m.cpu} ×${m.cpus}, load ${m.loadavg1mAtStart.toFixed(1)} → ${m.loadavg1mAtEnd.toFixed(1)}, ${seconds.toFixed(0)} s; bench at ${lib.gitDescribe()}, dist ${distFingerprint().sha256}; starts run from ${{ source: "packNpm's output (--run source)", uploaded: 'the uploaded package (上传时压缩)', 'uploaded-es5': 'the uploaded package with 将 JS 编译成 ES5 (--run uploaded-es5)' }[res.run]}`,
  )
  console.log(`\n| | ours (supabase-wechat) | ${SDKS.old.name} | ours/old |`)
  console.log('|---|---|---|---|')
  const row = (label, o, x, r) => console.log(`| ${label} | ${o} | ${x} | ${r} |`)
  row(
    'bytes added once uploaded (上传时压缩: JS minified by DevTools’ compiler + .wasm.br)',
    up(b.ours.uploaded),
    up(b.old.uploaded),
    ratio(b.ours.uploaded.bytes, b.old.uploaded.bytes),
  )
  if (b.ours.uploadedEs5)
    row(
      '… with 将 JS 编译成 ES5 too (babel helpers included)',
      up(b.ours.uploadedEs5),
      up(b.old.uploadedEs5),
      ratio(b.ours.uploadedEs5.bytes, b.old.uploadedEs5.bytes),
    )
  row(
    'files in miniprogram_npm (packNpm) / uploaded',
    `${b.ours.packedFiles} / ${b.ours.uploaded.files}`,
    `${b.old.packedFiles} / ${b.old.uploaded.files}`,
    '',
  )
  const startRows = (cs, what) => {
    for (const mode of Object.keys(cs)) {
      const c = cs[mode]
      row(
        `${what}, ${mode}: median (p90)`,
        `${msf(c.ours.median)} ms (${msf(c.ours.p90)})`,
        `${msf(c.old.median)} ms (${msf(c.old.p90)})`,
        `${ratio(c.ours.median, c.old.median)} (paired ${c.oursOverOldPaired.toFixed(2)}×)`,
      )
      row(
        `… its CPU time (all threads), ${mode}: median`,
        `${msf(c.ours.cpuMedian)} ms`,
        `${msf(c.old.cpuMedian)} ms`,
        ratio(c.ours.cpuMedian, c.old.cpuMedian),
      )
    }
  }
  startRows(cold, 'true cold start, first launch, fresh process (require → createClient → first getSession())')
  startRows(cached, 'later launch on Android: the same from the JS code cache of an earlier launch')
  row(
    `in-process cold start (${IN_PROCESS.runs} restarts in one process, ×${IN_PROCESS.procs}), median (p90)`,
    `${msf(inProcess.ours.median)} ms (${msf(inProcess.ours.p90)})`,
    `${msf(inProcess.old.median)} ms (${msf(inProcess.old.p90)})`,
    ratio(inProcess.ours.median, inProcess.old.median),
  )
  row('warm getSession()', `${warm.ours.toFixed(1)} µs`, `${warm.old.toFixed(1)} µs`, ratio(warm.ours, warm.old))
  phaseTable(phases, 'Where the true cold start (first launch) goes')
  if (Object.keys(cachedPhases).length) phaseTable(cachedPhases, 'Where a later launch (JS code cache) goes')
}

function phaseTable(phases, title) {
  const modes = Object.keys(phases)
  console.log(`\n${title}: median ms over the ${PROCS} fresh processes of each column (bench/cold.js)\n`)
  console.log(`| phase | ${modes.map((k) => `ours ${k} | old ${k}`).join(' | ')} |`)
  console.log(`|---|${modes.map(() => '---|---|').join('')}`)
  const label = {
    require: 'require of the JS (modules), createClient',
    wait: 'event loop + wasm file read',
    brotli: 'brotli decode',
    compile: 'wasm compile (lazy)',
    instantiate: 'instantiate',
    getSession: 'first getSession() (from the instance / from require)',
    total: 'total',
    cpu: 'CPU time of the process, all threads (less disturbed by other load)',
  }
  for (const k of PHASES) {
    const cells = modes.flatMap((mode) =>
      SDK_IDS.map((id) => {
        const p = phases[mode][id]
        return k === 'require' && p.require !== undefined ? `${msf(p.require)} (${p.modules})` : msf(p[k])
      }),
    )
    console.log(`| ${label[k]} | ${cells.join(' | ')} |`)
  }
  console.log('(each phase is its own median: they need not add up to the median total)')
}

// process.exit: miniprogram-ci keeps its compiler process (and this one) alive for minutes.
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e)
    process.exit(1)
  },
)
