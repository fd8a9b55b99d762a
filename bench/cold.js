#!/usr/bin/env node
// Benchmark child (not a test): the cold start of an SDK in the strict simulator (tests/sim), a returning
// user (the session in wx storage): `require('lib/client')` (the SDK's JS and createClient) → the first
// `auth.getSession()` resolved with the stored session. Used by bench/startup.js and bench/variants.js.
//
//   node bench/cold.js --root <packed project with lib/client.js> [--runs 0] [--phases]
//                      [--write-code-cache F | --code-cache F]
//
// --runs 0 (the default): only the first launch of this fresh process, a TRUE cold start: nothing
// compiled yet, by V8 or by Node (what a phone pays when the mini-program opens).
// --runs N: N app restarts after two warm-ups, in this one process (V8 keeps its compiled code between
// vm contexts; wasm is compiled anew each time): the "in-process" figure.
// --phases: where the time of the first start goes, from hooks on what the simulator calls in Node
// (zlib.brotliDecompressSync, the context's WebAssembly.instantiate split into compile + instantiate):
//   require   app.require('lib/client'): the SDK's JS modules evaluated, createClient
//   wait      from there to the brotli decode: the event loop, wx's async file read
//   brotli    decoding the .wasm.br          compile   WebAssembly.compile (V8 compiles lazily: validation)
//   instantiate  WebAssembly.instantiate(module)
//   getSession   from the instance to getSession() resolved: the glue's init, the shim's first drive, the
//                core's first call (with the lazy compilation of every wasm function it reaches)
//   cpu          CPU time of the process over the whole start (all threads: V8 compiles wasm in the
//                background), ms: less disturbed than the wall time by other processes on the machine
// --write-code-cache F: after require('lib/client') returned (the end of the package's top-level run,
// WeChat's 代码注入), write the JS code cache of this launch to F (V8's cached data per file, with the
// functions compiled so far; tests/sim/README.md "A code cache").
// --code-cache F: start from the cache in F, as a later launch on Android does (WeChat's Code Caching:
// 降低非首次注入时的编译耗时); fails unless V8 takes every file's (`codeCacheUse` in the reply). A cache
// holds V8's flags: write it with the mode (node flags) that reads it.
// An SDK without wasm has only require and getSession (from require to resolved).
// The parent gets one message: { status: 'ok', times: [ms], medianMs, phases?, modules } or a failure.
'use strict'
const { median, storedSession, STORAGE_KEY, cli, failure } = require('./lib')

const EXPECTED_REFRESH_TOKEN = JSON.parse(storedSession()).refresh_token

// Hooks the simulator's wasm path in this process: returns the marks list that the hooks append
// { what, t0, t1 } to (hrtime ns). Only in a benchmark child: it patches node:zlib and node:vm.
function hookWasm(now) {
  const zlib = require('node:zlib')
  const vm = require('node:vm')
  const marks = []
  const mark = (what, fn) => {
    const t0 = now()
    const out = fn()
    marks.push({ what, t0, t1: now() })
    return out
  }
  const decode = zlib.brotliDecompressSync
  // (Node's first brotli decode and file read in a process set zlib and libuv's thread pool up, ≈1 ms
  // a phone does not pay: the simulator does them at launch, tests/sim/wasm.js warmNative.)
  zlib.brotliDecompressSync = (...a) => mark('brotli', () => decode(...a))
  const run = vm.runInContext
  vm.runInContext = function (code, ...rest) {
    const out = run.call(this, code, ...rest)
    if (code !== 'WebAssembly') return out
    // The context's own WebAssembly, as the simulator captures it: instantiate(bytes) as compile, then
    // instantiate(module), each timed; the result keeps the { module, instance } shape.
    const W = out
    const instantiate = W.instantiate.bind(W)
    W.instantiate = (bytes, imports) => {
      if (bytes instanceof W.Module) return instantiate(bytes, imports)
      const c0 = now()
      return W.compile(bytes).then((module) => {
        marks.push({ what: 'compile', t0: c0, t1: now() })
        const i0 = now()
        return instantiate(module, imports).then((instance) => {
          marks.push({ what: 'instantiate', t0: i0, t1: now() })
          return { module, instance }
        })
      })
    }
    return out
  }
  return marks
}

// ms from t0 to t1 (hrtime ns as BigInt).
const ms = (t0, t1) => Number(t1 - t0) / 1e6

function phasesOf(marks, t0, tRequired, tDone) {
  // Every wasm module the start loaded (one today): each phase summed over them.
  const of = (what) => marks.filter((m) => m.what === what && m.t0 >= t0 && m.t1 <= tDone)
  const sum = (what) => of(what).reduce((a, m) => a + ms(m.t0, m.t1), 0)
  const p = { require: ms(t0, tRequired) }
  const loads = [...of('brotli'), ...of('compile')]
  const done = of('instantiate')
  if (loads.length && done.length) {
    p.wait = Math.min(...loads.map((m) => ms(tRequired, m.t0)))
    if (of('brotli').length) p.brotli = sum('brotli')
    p.compile = sum('compile')
    p.instantiate = sum('instantiate')
    p.getSession = ms(done[done.length - 1].t1, tDone)
  } else {
    p.getSession = ms(tRequired, tDone)
  }
  p.total = ms(t0, tDone)
  return p
}

// The code cache file: { file: base64 of V8's cached data }.
function readCodeCache(file) {
  const fs = require('node:fs')
  const o = JSON.parse(fs.readFileSync(file, 'utf8'))
  return new Map(Object.keys(o).map((f) => [f, Buffer.from(o[f], 'base64')]))
}
function writeCodeCache(file, cache) {
  const o = {}
  cache.forEach((data, f) => {
    o[f] = data.toString('base64')
  })
  require('node:fs').writeFileSync(file, JSON.stringify(o))
}

async function coldStart({ root, runs = 0, phases = false, codeCache = null, writeCache = null }) {
  const now = () => process.hrtime.bigint()
  const marks = phases ? hookWasm(now) : []
  const { createSimulator } = require('../tests/sim')
  const cache = codeCache ? readCodeCache(codeCache) : null
  const sim = createSimulator({ root, appid: 'wx0000000000000001', codeCache: cache })
  sim.storage.set(STORAGE_KEY, storedSession())
  const times = []
  let first = null
  let modules = null
  try {
    for (let i = 0; i < (runs === 0 ? 1 : runs + 2); i++) {
      const app = i === 0 ? await sim.launch() : await sim.restart()
      const cpu0 = process.cpuUsage()
      const t0 = now()
      const client = app.require('lib/client')
      const tRequired = now()
      if (i === 0 && writeCache) writeCodeCache(writeCache, app.codeCache())
      const { data, error } = await client.auth.getSession()
      const tDone = now()
      const cpu = process.cpuUsage(cpu0)
      if (error || !data || !data.session || data.session.refresh_token !== EXPECTED_REFRESH_TOKEN)
        return { status: 'failed', reason: 'getSession did not restore the session: ' + JSON.stringify({ data, error }) }
      if (i === 0 && cache) {
        const use = app.codeCacheUse
        if (use.rejected > 0 || use.accepted === 0)
          return { status: 'failed', reason: `the code cache was not used: ${JSON.stringify(use)} of ${cache.size} files` }
      }
      if (i === 0) {
        first = phases ? phasesOf(marks, t0, tRequired, tDone) : null
        if (first) first.cpu = (cpu.user + cpu.system) / 1e3
        // The JS modules the start evaluated, from the simulator's module cache (a count, for the report).
        const cache = app._modules && app._modules.cache
        modules = cache ? [...cache.keys()].filter((f) => f.includes('miniprogram_npm')).length : null
      }
      if (runs === 0 || i >= 2) times.push(ms(t0, tDone)) // in-process: the first two warm up Node's own caches
    }
  } finally {
    sim.close()
  }
  return { status: 'ok', times, medianMs: median(times), phases: first, modules }
}

if (require.main === module) {
  const { arg } = cli(process.argv.slice(2))
  coldStart({
    root: arg('--root'),
    runs: Number(arg('--runs', 0)),
    phases: process.argv.includes('--phases'),
    codeCache: arg('--code-cache', null),
    writeCache: arg('--write-code-cache', null),
  }).then(
    (out) => process.send(out, () => process.exit(0)),
    (e) => process.send(failure(e, 'cold child threw: '), () => process.exit(0)),
  )
}

module.exports = { coldStart }
