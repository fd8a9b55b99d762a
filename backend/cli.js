#!/usr/bin/env node
'use strict'
// The whole local backend in one command (PostgreSQL cluster, Auth + fake WeChat, REST, Storage, Functions,
// Realtime, fault injection), on 127.0.0.1, until Ctrl-C:
//
//   node backend/cli.js [--port 54321] [--jwt-expiry 3600] [--reuse-interval 10] [--legacy-refresh-errors]
//                       [--jwt-secret X] [--appid wx..] [--app-secret X] [--functions-dir DIR] [--no-autoconfirm]
//                       [--sms-cooldown 60] [--realtime-deletes rls|all] [--accept-foreign-codes] [--quiet]
//                       [--site-url URL] [--redirect-allow-list 'http://localhost:3000/**,https://*.example.com/**']
//                       [--strict-redirects] [--storage-legacy-keys]
//
// --storage-legacy-keys: Storage takes any object name, as storage-api before key validation (backend/README.md).
// --accept-foreign-codes: wx.login / getPhoneNumber codes the fake WeChat never minted (what WeChat DevTools
// gets from the real WeChat) sign in as one WeChat user (openid o_devtools_user) / bind 13800138000.
//
// Output:
//   stdout: exactly one line of JSON, {url, anonKey, appid, serviceRoleKey, jwtSecret, db, dataDir, functionsUrl,
//           realtimeUrl, postgrestPid, tempDir, storageDir} (tempDir holds the cluster, storageDir and everything else on disk),
//           printed once everything is listening; scripts read that first line (nothing else goes to stdout).
//   stderr: a human block after it (unless --quiet): the URL, the anon key, a ready-to-paste
//           miniprogram-demo/lib/config.js, and the WeChat DevTools note (详情 → 本地设置 → 不校验合法域名).
//           Start-up failures also go to stderr (exit code 1).
// Stopping: SIGINT (Ctrl-C) or SIGTERM stops every module (PostgREST, ...), the HTTP server and the cluster and
// removes its temp dir, then exits 0. A second signal while stopping exits at once (the process 'exit' hook still
// stops the cluster synchronously). On SIGKILL the detached watchdog kills PostgREST, stops the cluster and removes
// the temp dir (storage files included).
const { startBackend } = require('./index')

function parseArgs(argv) {
  const o = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a)
    if (!m) throw new Error(`unexpected argument: ${a}`)
    const key = m[1]
    if (key === 'legacy-refresh-errors') {
      o.legacyRefreshErrors = true
      continue
    }
    if (key === 'quiet') {
      o.quiet = true
      continue
    }
    if (key === 'no-autoconfirm') {
      o.autoconfirm = false
      continue
    }
    if (key === 'accept-foreign-codes') {
      o.acceptForeignCodes = true
      continue
    }
    if (key === 'strict-redirects') {
      o.strictRedirects = true
      continue
    }
    if (key === 'storage-legacy-keys') {
      o.storageLegacyKeys = true
      continue
    }
    const val = m[2] !== undefined ? m[2] : argv[++i]
    if (val === undefined) throw new Error(`missing value for --${key}`)
    if (key === 'port') o.port = Number(val)
    else if (key === 'jwt-expiry') o.jwtExpiry = Number(val)
    else if (key === 'reuse-interval') o.refreshTokenReuseInterval = Number(val)
    else if (key === 'sms-cooldown') o.smsCooldown = Number(val)
    else if (key === 'jwt-secret') o.jwtSecret = val
    else if (key === 'appid') o.wechat = { ...(o.wechat || {}), appid: val }
    else if (key === 'app-secret') o.wechat = { ...(o.wechat || {}), secret: val }
    else if (key === 'functions-dir') o.functionsDir = require('node:path').resolve(val)
    else if (key === 'realtime-deletes') o.realtimeDeletes = val
    else if (key === 'site-url') o.siteUrl = val
    // comma-separated like GOTRUE_URI_ALLOW_LIST; may be repeated
    else if (key === 'redirect-allow-list')
      o.redirectAllowList = [
        ...(o.redirectAllowList || []),
        ...val
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      ]
    else throw new Error(`unknown option --${key}`)
    if (['port', 'jwt-expiry', 'reuse-interval', 'sms-cooldown'].includes(key) && !Number.isFinite(Number(val))) {
      throw new Error(`--${key} needs a number`)
    }
  }
  return o
}

function humanBlock(be) {
  const line = '─'.repeat(72)
  return [
    line,
    `supabase-wechat local backend  ${be.url}`,
    `  anon key:          ${be.anonKey}`,
    `  service_role key:  ${be.serviceRoleKey}`,
    `  WeChat appid:      ${be.wechat.appid}`,
    `  Auth ${be.url}/auth/v1  REST ${be.url}/rest/v1  Storage ${be.url}/storage/v1  Functions ${be.url}/functions/v1`,
    `  Realtime ${be.realtime.url}/websocket?apikey=<anon key>&vsn=1.0.0`,
    '',
    'miniprogram-demo/lib/config.js:',
    '',
    'module.exports = {',
    `  url: '${be.url}',`,
    `  anonKey: '${be.anonKey}',`,
    '}',
    '',
    'WeChat DevTools: 详情 → 本地设置 → 勾选「不校验合法域名、web-view（业务域名）、TLS 版本以及 HTTPS 证书」',
    '  (Details → Local Settings → "Does not verify valid domain names, web-view (business domain names),',
    '   TLS versions and HTTPS certificates"), otherwise wx.request to http://127.0.0.1 is refused.',
    'Ctrl-C stops everything (PostgreSQL, PostgREST, the server) and removes the temp data.',
    line,
    '',
  ].join('\n')
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const quiet = !!opts.quiet
  delete opts.quiet

  let be = null
  let stopping = false
  let startAborted = false
  const shutdown = () => {
    if (stopping) process.exit(130) // second signal: give up waiting (the exit hook still stops the cluster)
    stopping = true
    if (!be) {
      startAborted = true
      return
    } // still starting: stop as soon as it is up
    be.stop().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`stop failed: ${e.stack || e}\n`)
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
  process.on('SIGHUP', shutdown)

  be = await startBackend(opts)
  if (startAborted) {
    await be.stop()
    process.exit(0)
  }
  process.stdout.write(
    JSON.stringify({
      url: be.url,
      anonKey: be.anonKey,
      appid: be.wechat.appid,
      serviceRoleKey: be.serviceRoleKey,
      jwtSecret: be.jwtSecret,
      db: be.pg.connectionString,
      dataDir: be.pg.dataDir,
      functionsUrl: `${be.url}/functions/v1`,
      realtimeUrl: be.realtime.url,
      postgrestPid: (be.rest && be.rest.pid) || null,
      tempDir: be.pg.tempDir,
      storageDir: (be.storage && be.storage.dir) || null,
    }) + '\n',
  )
  if (!quiet) process.stderr.write(humanBlock(be))
}

main().catch((e) => {
  process.stderr.write(`backend failed to start: ${e.stack || e}\n`)
  process.exit(1)
})
