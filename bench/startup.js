#!/usr/bin/env node
// Benchmark (not a test): supabase-wechat vs supabase-wechat-stable-v2@2.2.0, side by side in the
// same strict mini-program simulator, same run, same machine.
//   1. bytes each adds to the code package (what 构建 npm / packNpm puts in miniprogram_npm/)
//   2. cold start: require the SDK → createClient → first getSession() resolved from storage,
//      in a fresh JS context each time (a stored session is present, as for a returning user);
//   3. per call: a warm getSession() (awaited one after another), µs per call.
// Usage: node bench/startup.js [--runs 30]   (after scripts/build.sh)
'use strict'
const os = require('node:os')
const { clientProject, OURS, ANCHOR } = require('../tests/node/lib/project')
const { dirBytes, median, p90, storedSession, FAKE_URL: URL, KEY, STORAGE_KEY, OLD_OPTIONS } = require('./lib')

const RUNS = Number(process.argv.find((_a, i) => process.argv[i - 1] === '--runs') || 30)

const SDKS = [
  {
    name: 'supabase-wechat (this repo)',
    pkg: OURS,
    client: {},
  },
  {
    name: 'supabase-wechat-stable-v2@2.2.0',
    pkg: ANCHOR,
    client: { options: OLD_OPTIONS },
  },
]

async function perCall(app, calls) {
  const client = app.require('lib/client')
  for (let i = 0; i < 200; i++) await client.auth.getSession()
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < calls; i++) await client.auth.getSession()
  return Number(process.hrtime.bigint() - t0) / 1e3 / calls
}

async function coldStart(project) {
  const sim = project.simulator({
    wechatUrl: 'http://127.0.0.1:9/wechat',
    appid: 'wx0000000000000001',
    user: { openid: 'o_bench' },
  })
  sim.storage.set(STORAGE_KEY, storedSession())
  const times = []
  try {
    for (let i = 0; i < RUNS + 2; i++) {
      const app = i === 0 ? await sim.launch() : await sim.restart()
      const t0 = process.hrtime.bigint()
      const client = app.require('lib/client')
      const { data, error } = await client.auth.getSession()
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      if (error || !data.session || data.session.refresh_token !== 'abcdefghijkl') {
        throw new Error('getSession did not restore the session: ' + JSON.stringify({ data, error }))
      }
      if (i >= 2) times.push(ms) // the first two warm up Node's own caches
    }
    const app = await sim.restart()
    const usPerCall = await perCall(app, 2000)
    return { times, usPerCall }
  } finally {
    sim.close()
  }
}

async function main() {
  const rows = []
  for (const sdk of SDKS) {
    const project = await clientProject({ url: URL, key: KEY, pkg: sdk.pkg.name, clients: { client: sdk.client } })
    try {
      const bytes = dirBytes(project.path(`miniprogram_npm/${sdk.pkg.name}`))
      const { times, usPerCall } = await coldStart(project)
      rows.push({
        sdk: sdk.name,
        files: bytes.files,
        raw: bytes.raw,
        br: bytes.br,
        median: median(times),
        p90: p90(times),
        usPerCall,
      })
    } finally {
      project.cleanup()
    }
  }
  console.log(
    `Node ${process.version}, ${os.cpus()[0].model}, ${RUNS} cold starts each (fresh JS context; wasm compiled anew each time)`,
  )
  console.log(
    '| SDK | files in miniprogram_npm | bytes added (raw) | bytes added (brotli -q11 of each file) | cold start median | p90 | warm getSession() |',
  )
  console.log('|---|---|---|---|---|---|---|')
  for (const r of rows) {
    console.log(
      `| ${r.sdk} | ${r.files} | ${r.raw.toLocaleString('en')} | ${r.br.toLocaleString('en')} | ${r.median.toFixed(2)} ms | ${r.p90.toFixed(2)} ms | ${r.usPerCall.toFixed(1)} µs |`,
    )
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
