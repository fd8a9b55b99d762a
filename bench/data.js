#!/usr/bin/env node
// Benchmark (not a test): the data path of supabase-wechat vs supabase-wechat-stable-v2@2.2.0, side by
// side in the same run, both installed by packNpm and loaded in the strict simulator (tests/sim).
//   1. SDK CPU per request with a zero-latency transport: wx.request inside the sandbox is replaced by
//      a fake that answers on a microtask (no socket, no server), so what is timed is the SDK: building
//      the request, getSession, reading the reply, JSON.parse of the body (in the fake when the caller
//      asked dataType 'json', as WeChat does, in the SDK when it asked for text).
//      select() of 100 rows (~200 B each), insert() of one row, rpc().
//   2. memory added while uploading a 5 MiB temp file to a real local HTTP server (in this, the parent
//      process, so it is not counted): peak JS heap, RSS (VmHWM, reset before the upload),
//      arrayBuffers, external, over the baseline just before the call.
//   3. bytes each SDK adds to the code package (what packNpm puts in miniprogram_npm/), per file.
// Every measured case runs in its own child process (`node bench/data.js --child <case>`), so RSS and
// JIT/GC state are not shared. Our side prints "not available" until its API exists.
// Usage: node bench/data.js [--calls 2000] [--no-save]   (after scripts/build.sh)
'use strict'
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const vm = require('node:vm')
const v8 = require('node:v8')
const http = require('node:http')
const crypto = require('node:crypto')
const { execFileSync } = require('node:child_process')
const { PerformanceObserver } = require('node:perf_hooks')
const lib = require('./lib')
const { median, p90, USER_ID, SDKS, failure } = lib

const { arg } = lib.cli(process.argv.slice(2))
const CALLS = Number(arg('--calls', 2000))
const WARMUP = 300
const UPLOAD_BYTES = 5 * 1024 * 1024
const RESULTS = path.join(__dirname, 'results', 'data.json')

// ---------- the replies of the fake transport ----------

const SELECT_BODY = JSON.stringify(lib.todoRows(100))
const INSERT_ROW = { user_id: USER_ID, task: 'Water the plants', is_complete: false, priority: 2, tags: ['home'] }
const RPC_ARGS = { owner: USER_ID }
const RPC_BODY = JSON.stringify({ total: 100, done: 33, overdue: 4 })

// The calls measured. check(result) says whether the SDK read the reply as it should.
const OPS = {
  select: {
    label: "from('todos').select() → 100 rows",
    run: (c) => c.from('todos').select(),
    check: (r) => !r.error && r.data && r.data.length === 100 && r.data[99].id === 100,
  },
  insert: {
    label: "from('todos').insert(row) → 201",
    run: (c) => c.from('todos').insert(INSERT_ROW),
    check: (r) => !r.error && r.status === 201,
  },
  rpc: {
    label: "rpc('todo_stats', args) → object",
    run: (c) => c.rpc('todo_stats', RPC_ARGS),
    check: (r) => !r.error && r.data && r.data.done === 33,
  },
}

// ---------- child: one case in its own process ----------

function availability(client, what) {
  try {
    if (what === 'storage') {
      const s = client.storage
      return s && typeof s.from === 'function' && typeof s.from('b').upload === 'function'
        ? null
        : 'storage.from(b).upload is not a function'
    }
    const q = client.from('todos')
    return q && typeof q.select === 'function' && typeof q.insert === 'function' && typeof client.rpc === 'function'
      ? null
      : 'from().select/insert or rpc is not a function'
  } catch (e) {
    return String((e && e.message) || e)
  }
}

function brief(r) {
  try {
    return JSON.stringify(r, (_k, v) => (Array.isArray(v) && v.length > 3 ? `[${v.length} items]` : v)).slice(0, 300)
  } catch {
    return String(r)
  }
}

async function cpuCase(_sdk, root) {
  const { createSimulator } = require('../tests/sim')
  const sim = createSimulator({ root, appid: 'wx0000000000000001' })
  sim.storage.set(lib.STORAGE_KEY, lib.storedSession())
  const app = await sim.launch()
  const seen = { n: 0 }
  app.context.wx.request = vm.runInContext(lib.FAKE_REQUEST, app.context)({ select: SELECT_BODY, rpc: RPC_BODY }, seen)
  const client = app.require('lib/cpu')
  const out = {}
  const missing = availability(client, 'rest')
  for (const [name, op] of Object.entries(OPS)) {
    if (missing) {
      out[name] = { status: 'not available', reason: missing }
      continue
    }
    try {
      const first = await lib.within(5000, op.run(client), 'first call')
      if (!op.check(first)) {
        out[name] = { status: 'failed', reason: 'unexpected result: ' + brief(first) }
        continue
      }
      for (let i = 0; i < WARMUP; i++) await op.run(client)
      global.gc()
      const heap0 = process.memoryUsage().heapUsed
      const requests0 = seen.n
      const gcs = { n: 0, ms: 0 }
      const obs = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          gcs.n++
          gcs.ms += e.duration
        }
      })
      obs.observe({ entryTypes: ['gc'] })
      const cpu0 = process.cpuUsage()
      const t0 = process.hrtime.bigint()
      const times = await lib.timeCalls(CALLS, () => op.run(client))
      const wallUs = Number(process.hrtime.bigint() - t0) / 1e3
      const cpu = process.cpuUsage(cpu0)
      await new Promise((resolve) => setTimeout(resolve, 100)) // GC entries are delivered asynchronously
      obs.disconnect()
      global.gc()
      const retained = process.memoryUsage().heapUsed - heap0
      out[name] = {
        status: 'ok',
        calls: CALLS,
        requestsPerCall: (seen.n - requests0) / CALLS,
        medianUs: median(times),
        p90Us: p90(times),
        meanUs: wallUs / CALLS,
        maxUs: Math.max(...times),
        over1ms: times.filter((t) => t > 1000).length,
        cpuUsPerCall: (cpu.user + cpu.system) / CALLS,
        callsPerSec: CALLS / (wallUs / 1e6),
        retainedBytesPerCall: retained / CALLS,
        gcCount: gcs.n,
        gcPauseUsPerCall: (gcs.ms * 1e3) / CALLS,
      }
    } catch (e) {
      out[name] = failure(e, 'threw: ')
    }
  }
  sim.close()
  return out
}

const vmHWM = () => Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024
const resetHWM = () => {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5')
    return true
  } catch {
    return false
  }
}

// WeChat's uploadFile is native: it streams the file from disk and never puts it in JS memory. The
// simulator's reads the whole file into a Node Buffer (harmless for tests, but it would count here
// as if it were the SDK's), so the upload cases of our SDK replace it with a streaming one.
function streamingUploadFile(app, sim) {
  const ctxObj = (props) => Object.assign(vm.runInContext('({})', app.context), props)
  return function uploadFile(o) {
    const m = /^wxfile:\/\/(.+)$/.exec(String(o.filePath))
    const file = m && path.join(sim.tmpDir, m[1])
    const boundary = '----WXBenchBoundary' + crypto.randomBytes(8).toString('hex')
    let pre = ''
    for (const [k, v] of Object.entries(o.formData || {}))
      pre += `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`
    pre += `--${boundary}\r\nContent-Disposition: form-data; name="${o.name}"; filename="${path.basename(file || 'f')}"\r\nContent-Type: application/octet-stream\r\n\r\n`
    const post = `\r\n--${boundary}--\r\n`
    const fail = (msg) => setImmediate(() => o.fail && o.fail(ctxObj({ errMsg: 'uploadFile:fail ' + msg })))
    if (!file || !fs.existsSync(file)) {
      fail('file not found')
      return ctxObj({})
    }
    const headers = {}
    for (const [k, v] of Object.entries(o.header || {})) if (k.toLowerCase() !== 'content-type') headers[k] = String(v)
    headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`
    headers['Content-Length'] = String(Buffer.byteLength(pre) + fs.statSync(file).size + Buffer.byteLength(post))
    const req = http.request(o.url, { method: 'POST', headers }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (text += c))
      res.on('end', () => {
        const header = ctxObj({})
        for (const [k, v] of Object.entries(res.headers)) header[k] = String(v)
        const r = ctxObj({ data: text, statusCode: res.statusCode, header, errMsg: 'uploadFile:ok' })
        if (o.success) o.success(r)
        if (o.complete) o.complete(r)
      })
    })
    req.on('error', (e) => fail(e.message))
    // One 64 KiB buffer, refilled only once the socket has taken the previous chunk, so the stand-in
    // itself leaves no garbage behind (Node's stream piping would, until the next GC).
    const write = (b) => new Promise((resolve) => req.write(b, resolve))
    ;(async () => {
      const fh = await fs.promises.open(file, 'r')
      const buf = Buffer.allocUnsafe(65536)
      try {
        await write(pre)
        for (;;) {
          const { bytesRead } = await fh.read(buf, 0, buf.length, null)
          if (!bytesRead) break
          await write(buf.subarray(0, bytesRead))
        }
      } finally {
        await fh.close()
      }
      req.end(post)
    })().catch((e) => {
      req.destroy()
      fail(e.message)
    })
    return ctxObj({ abort() {}, onProgressUpdate() {}, offProgressUpdate() {}, onHeadersReceived() {}, offHeadersReceived() {} })
  }
}

async function uploadCase(sdk, root, variant) {
  const { createSimulator } = require('../tests/sim')
  const sim = createSimulator({ root, appid: 'wx0000000000000001' })
  const app = await sim.launch()
  const wx = app.context.wx
  if (sdk === 'ours' && variant !== 'simbuffer') wx.uploadFile = streamingUploadFile(app, sim)

  // Samples: every 2 ms while the event loop turns, and at each wx call the upload makes (the old
  // SDK builds its multipart body synchronously, when no timer can fire).
  let probing = false
  const peak = { heapUsed: 0, rss: 0, arrayBuffers: 0, external: 0 }
  let samples = 0
  const sample = () => {
    if (!probing) return
    const m = process.memoryUsage()
    for (const k of Object.keys(peak)) if (m[k] > peak[k]) peak[k] = m[k]
    samples++
  }
  const wrap = (obj, name) => {
    const f = obj[name]
    obj[name] = function (...args) {
      sample()
      try {
        return f.apply(this, args)
      } finally {
        sample()
      }
    }
  }
  wrap(wx, 'request')
  wrap(wx, 'uploadFile')
  const fsm = wx.getFileSystemManager()
  wrap(fsm, 'readFileSync')

  const client = app.require('lib/upload')
  const missing = availability(client, 'storage')
  if (missing) {
    sim.close()
    return { status: 'not available', reason: missing }
  }
  fs.writeFileSync(path.join(sim.tmpDir, 'tmp_bench_small.bin'), crypto.randomBytes(4096))
  const content = crypto.randomBytes(UPLOAD_BYTES)
  const sha256 = crypto.createHash('sha256').update(content).digest('hex')
  fs.writeFileSync(path.join(sim.tmpDir, 'tmp_bench_5m.bin'), content)
  const upload = (name, file) => client.storage.from('b').upload(name, { tempFilePath: 'wxfile://' + file })
  try {
    // Warm-up with a small file: lazily required modules load and JIT settles outside the window.
    const w = await lib.within(10000, upload('warm.bin', 'tmp_bench_small.bin'), 'warm-up upload')
    if (!w || w.error) return { status: 'failed', reason: 'warm-up upload: ' + brief(w) }
    global.gc()
    global.gc()
    await new Promise((r) => setTimeout(r, 50))
    const base = process.memoryUsage()
    const hwmReset = resetHWM()
    const hwm0 = vmHWM()
    probing = true
    sample()
    const timer = setInterval(sample, 2)
    process.stdout.write('\n@@GC-BEGIN\n')
    v8.setFlagsFromString('--trace-gc')
    const cpu0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    const r = await lib.within(60000, upload('x.bin', 'tmp_bench_5m.bin'), 'upload')
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
    const cpu = process.cpuUsage(cpu0)
    sample()
    v8.setFlagsFromString('--notrace-gc')
    clearInterval(timer)
    probing = false
    const hwm1 = vmHWM()
    if (!r || r.error) return { status: 'failed', reason: 'upload: ' + brief(r) }
    return {
      status: 'ok',
      bytes: UPLOAD_BYTES,
      sha256,
      result: brief(r.data),
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1e3,
      samples,
      base: { heapUsed: base.heapUsed, rss: base.rss, arrayBuffers: base.arrayBuffers, external: base.external },
      peak,
      hwm: hwmReset ? { before: hwm0, after: hwm1 } : null,
    }
  } finally {
    sim.close()
  }
}

async function child(kind, root) {
  const [what, sdk, variant] = kind.split(':')
  const out = what === 'cpu' ? await cpuCase(sdk, root) : await uploadCase(sdk, root, variant)
  process.send(out, () => process.exit(0))
}

// ---------- parent ----------

// A storage endpoint that reads and discards each upload and answers as storage-api does.
function startSink() {
  const busboy = require('busboy')
  const log = []
  const server = http.createServer((req, res) => {
    const entry = { method: req.method, url: req.url, bytes: 0, fileBytes: 0, sha256: null }
    req.on('data', (c) => (entry.bytes += c.length))
    const done = () => {
      log.push(entry)
      const m = /^\/storage\/v1\/object\/([^/]+)\/(.+)$/.exec(req.url.split('?')[0].split('#')[0])
      if (!m) {
        res.writeHead(404, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify({ statusCode: '404', error: 'not_found', message: 'not in the benchmark' }))
        return
      }
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ Key: `${m[1]}/${decodeURIComponent(m[2])}`, Id: crypto.randomUUID() }))
    }
    // The file part is hashed (not kept), so the run can show that the bytes arrived intact.
    let bb
    try {
      bb = busboy({ headers: req.headers })
    } catch {
      req.resume()
      req.on('end', done)
      return
    }
    bb.on('file', (_name, stream) => {
      const h = crypto.createHash('sha256')
      stream.on('data', (c) => {
        entry.fileBytes += c.length
        h.update(c)
      })
      stream.on('end', () => (entry.sha256 = h.digest('hex')))
    })
    bb.on('close', done)
    bb.on('error', () => done())
    req.pipe(bb)
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, log, url: `http://127.0.0.1:${server.address().port}` })),
  )
}

// Peak heap from V8's own GC trace: the size before each collection in the window (MB = 2^20 B).
function gcPeak(stdout) {
  const i = stdout.indexOf('@@GC-BEGIN')
  if (i < 0) return null
  let max = 0
  let n = 0
  for (const m of stdout
    .slice(i)
    .matchAll(
      /: (?:Scavenge|Mark-Compact|Mark-Sweep|Minor Mark-Sweep|Minor Mark-Compact)[^\d]*([\d.]+) \(([\d.]+)\) -> ([\d.]+)/g,
    )) {
    max = Math.max(max, Number(m[1]) * 1048576)
    n++
  }
  return { gcs: n, maxBeforeGc: max }
}

function runChild(kind, root) {
  const args = ['--child', kind, '--root', root, '--calls', String(CALLS)]
  return lib.runChild(__filename, args, { execArgv: ['--expose-gc'], timeoutMs: 300e3 })
}

const MiB = 1048576
const fmtMiB = (b) => (b === null || b === undefined ? '—' : (b / MiB).toFixed(1) + ' MiB')
const fmtUs = (x) => x.toFixed(1) + ' µs'

async function main() {
  const load0 = os.loadavg()
  const { clientProject, OURS } = require('../tests/node/lib/project')
  const built = fs.existsSync(path.join(OURS.dir, 'package.json'))
  const sink = await startSink()
  const projects = {}
  const results = { cpu: {}, upload: {}, size: {} }
  try {
    for (const [id, sdk] of Object.entries(SDKS)) {
      if (id === 'ours' && !built) {
        results.size[id] = { status: 'not available', reason: 'dist/supabase-wechat missing: run scripts/build.sh' }
        continue
      }
      const { root, cleanup } = await clientProject({
        key: lib.KEY,
        pkg: sdk.pkgName,
        clients: { cpu: { url: lib.FAKE_URL, options: sdk.options }, upload: { url: sink.url, options: sdk.options } },
      })
      projects[id] = { root, cleanup }
      results.size[id] = Object.assign({ status: 'ok' }, lib.dirBytes(path.join(root, 'miniprogram_npm', sdk.pkgName)))
    }
    const cases = [
      ['cpu', 'old'],
      ['cpu', 'ours'],
      ['upload', 'old'],
      ['upload', 'ours'],
      ['upload', 'ours', 'simbuffer'],
    ]
    for (const [what, id, variant] of cases) {
      const key = variant ? `${id}:${variant}` : id
      if (!projects[id]) {
        results[what][key] = { status: 'not available', reason: 'package not built' }
        continue
      }
      const kind = [what, id, variant].filter(Boolean).join(':')
      const n0 = sink.log.length
      const { msg, stdout } = await runChild(kind, projects[id].root)
      if (what === 'upload' && msg.status === 'ok') {
        msg.gc = gcPeak(stdout)
        const big = sink.log.slice(n0).filter((r) => r.bytes >= UPLOAD_BYTES)
        const last = big[big.length - 1] || { bytes: 0, fileBytes: 0, sha256: null }
        msg.serverReceived = { requestBytes: last.bytes, fileBytes: last.fileBytes, intact: last.sha256 === msg.sha256 }
        const heapPeak = Math.max(msg.peak.heapUsed, msg.gc ? msg.gc.maxBeforeGc : 0)
        msg.added = {
          heap: heapPeak - msg.base.heapUsed,
          rss: (msg.hwm ? msg.hwm.after : msg.peak.rss) - msg.base.rss,
          arrayBuffers: msg.peak.arrayBuffers - msg.base.arrayBuffers,
          external: msg.peak.external - msg.base.external,
        }
      }
      results[what][key] = msg
    }
  } finally {
    sink.server.close()
    for (const p of Object.values(projects)) p.cleanup()
  }

  const machine = {
    node: process.version,
    cpu: os.cpus()[0].model,
    cpus: os.cpus().length,
    platform: `${os.platform()} ${os.release()}`,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    loadavg1mAtStart: load0[0],
    loadavg1mAtEnd: os.loadavg()[0],
  }
  const when = new Date().toISOString()
  let commit = null
  try {
    commit = execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=12'], { cwd: __dirname, encoding: 'utf8' }).trim()
  } catch {
    /* not a git checkout */
  }
  report(results, machine)
  if (!process.argv.includes('--no-save')) {
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true })
    fs.writeFileSync(
      RESULTS,
      JSON.stringify(
        {
          note: 'one run on one machine; not a statistical sample',
          when,
          commit,
          machine,
          calls: CALLS,
          warmup: WARMUP,
          uploadBytes: UPLOAD_BYTES,
          results,
        },
        null,
        2,
      ) + '\n',
    )
    console.log(`\n(JSON: ${path.relative(process.cwd(), RESULTS)})`)
  }
}

function report(results, m) {
  const names = (id) =>
    (id.startsWith('ours') ? SDKS.ours.name : SDKS.old.name) +
    (id.endsWith(':simbuffer') ? ", simulator's buffering wx.uploadFile" : '')
  const na = (r) => `${r.status}${r.reason ? ` (${r.reason})` : ''}`
  console.log(
    `Node ${m.node}, ${m.cpu} ×${m.cpus}, ${m.platform}, load average ${m.loadavg1mAtStart.toFixed(1)} → ${m.loadavg1mAtEnd.toFixed(1)}. One run; each case in its own child process.\n`,
  )

  console.log(
    `### 1. SDK CPU per request, zero-latency fake wx.request (${CALLS} sequential awaited calls after ${WARMUP} warm-up; signed-in session in storage)\n`,
  )
  console.log(
    '| call | SDK | median | p90 | CPU per call (process.cpuUsage, all threads) | GC pause per call | calls/s | wx.request per call |',
  )
  console.log('|---|---|---|---|---|---|---|---|')
  for (const [op, def] of Object.entries(OPS)) {
    for (const id of ['old', 'ours']) {
      const c = results.cpu[id]
      const r = c && c[op] ? c[op] : c || { status: 'not available' }
      if (r.status !== 'ok') console.log(`| ${def.label} | ${names(id)} | ${na(r)} | | | | | |`)
      else
        console.log(
          `| ${def.label} | ${names(id)} | ${fmtUs(r.medianUs)} | ${fmtUs(r.p90Us)} | ${fmtUs(r.cpuUsPerCall)} | ${fmtUs(r.gcPauseUsPerCall)} | ${Math.round(r.callsPerSec).toLocaleString('en')} | ${r.requestsPerCall} |`,
        )
    }
  }

  console.log(
    `\n### 2. Memory added while uploading a ${UPLOAD_BYTES / MiB} MiB temp file (storage.from('b').upload('x.bin', { tempFilePath })) to a local HTTP server\n`,
  )
  console.log(
    '| SDK | peak JS heap added | peak RSS added (VmHWM) | peak arrayBuffers added | peak external added | wall | CPU | file bytes the server received |',
  )
  console.log('|---|---|---|---|---|---|---|---|')
  for (const [id, r] of Object.entries(results.upload)) {
    if (r.status !== 'ok') console.log(`| ${names(id)} | ${na(r)} | | | | | | |`)
    else
      console.log(
        `| ${names(id)} | ${fmtMiB(r.added.heap)} | ${fmtMiB(r.added.rss)} | ${fmtMiB(r.added.arrayBuffers)} | ${fmtMiB(r.added.external)} | ${r.wallMs.toFixed(0)} ms | ${r.cpuMs.toFixed(0)} ms | ${r.serverReceived.fileBytes.toLocaleString('en')}${r.serverReceived.intact ? ' (same SHA-256)' : ' (NOT the file sent)'} |`,
      )
  }

  console.log('\n### 3. Bytes added to the code package (miniprogram_npm/ after packNpm; brotli -q 11 per file)\n')
  console.log('| SDK | files | raw | brotli |')
  console.log('|---|---|---|---|')
  for (const [id, r] of Object.entries(results.size)) {
    if (r.status !== 'ok') console.log(`| ${names(id)} | ${na(r)} | | |`)
    else console.log(`| ${names(id)} | ${r.files} | ${r.raw.toLocaleString('en')} | ${r.br.toLocaleString('en')} |`)
  }
  for (const [id, r] of Object.entries(results.size)) {
    if (r.status !== 'ok') continue
    // A package of a few files is listed file by file; a large one by kind and by top-level folder.
    const groups = r.perFile.length <= 30 ? r.perFile.map((f) => [f.file, f]) : byGroup(r.perFile)
    console.log(
      `\n${names(id)}${r.perFile.length <= 30 ? ', per file' : ', per kind of file and per top-level folder (every file is in bench/results/data.json)'}:\n`,
    )
    console.log('| file | raw | brotli |\n|---|---|---|')
    for (const [label, f] of groups) console.log(`| ${label} | ${f.raw.toLocaleString('en')} | ${f.br.toLocaleString('en')} |`)
  }
}

function byGroup(perFile) {
  const kinds = new Map()
  const dirs = new Map()
  const add = (map, key, f) => {
    const g = map.get(key) || { n: 0, raw: 0, br: 0 }
    g.n++
    g.raw += f.raw
    g.br += f.br
    map.set(key, g)
  }
  for (const f of perFile) {
    const base = f.file.split('/').pop()
    add(kinds, (/(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js|\.json)$/.exec(base) || ['other'])[0], f)
    add(dirs, f.file.includes('/') ? f.file.split('/')[0] + '/' : '(top level)', f)
  }
  const rows = (map, what) => [...map].sort((a, b) => b[1].raw - a[1].raw).map(([k, g]) => [`${what} \`${k}\` (${g.n} files)`, g])
  return [...rows(kinds, 'kind'), ...rows(dirs, 'folder')]
}

if (process.argv.includes('--child')) {
  child(arg('--child'), arg('--root')).catch((e) => {
    process.send(failure(e, 'child threw: '), () => process.exit(0))
  })
} else {
  main().catch((e) => {
    console.error(e)
    process.exit(1)
  })
}
