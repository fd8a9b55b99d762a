#!/usr/bin/env node
'use strict'
// node backend/cli.js [--port 54321] [--jwt-expiry 3600] [--reuse-interval 10] [--legacy-refresh-errors]
// Prints one JSON line {url, anonKey, appid, ...} and runs until SIGINT/SIGTERM.
const { startBackend } = require('./index')

function parseArgs(argv) {
  const o = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a)
    if (!m) throw new Error(`unexpected argument: ${a}`)
    const key = m[1]
    if (key === 'legacy-refresh-errors') { o.legacyRefreshErrors = true; continue }
    const val = m[2] !== undefined ? m[2] : argv[++i]
    if (val === undefined) throw new Error(`missing value for --${key}`)
    if (key === 'port') o.port = Number(val)
    else if (key === 'jwt-expiry') o.jwtExpiry = Number(val)
    else if (key === 'reuse-interval') o.refreshTokenReuseInterval = Number(val)
    else if (key === 'jwt-secret') o.jwtSecret = val
    else if (key === 'appid') o.wechat = { ...(o.wechat || {}), appid: val }
    else if (key === 'app-secret') o.wechat = { ...(o.wechat || {}), secret: val }
    else throw new Error(`unknown option --${key}`)
  }
  return o
}

async function main() {
  const be = await startBackend(parseArgs(process.argv.slice(2)))
  let stopping = false
  const shutdown = async () => {
    if (stopping) return
    stopping = true
    try { await be.stop() } finally { process.exit(0) }
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
  process.stdout.write(JSON.stringify({
    url: be.url,
    anonKey: be.anonKey,
    appid: be.wechat.appid,
    serviceRoleKey: be.serviceRoleKey,
    jwtSecret: be.jwtSecret,
    db: be.pg.connectionString,
  }) + '\n')
}

main().catch((e) => {
  process.stderr.write(`backend failed to start: ${e.stack || e}\n`)
  process.exit(1)
})
