// The start-up probe: each launch of the mini-program measures one SDK's start, alternating between
// supabase-wechat and supabase-wechat-stable-v2 2.2.0, for a returning user (a session in wx storage):
// require of the SDK + createClient, then the first auth.getSession() resolved with the stored session.
// It runs from app.js at the top of the package's code (WeChat's 代码注入), as a page's
// `lib/supabase.js` would. Records go to wx storage; pages/index shows them.
//
// What only a phone can say, and this measures (bench/startup.js simulates the rest):
//   - how long WXWebAssembly.instantiate of the .wasm.br takes there (`wasm`: from the call to the
//     module instantiated: file read, brotli decode, compile, all native);
//   - whether that work runs beside the JS thread: every third launch ('ours-busy') is ours with
//     BUSY_MS of synchronous JS right after createClient, as the rest of a package's injection would
//     be. If WeChat decodes and compiles elsewhere, the wasm load hides behind it;
//   - what a later launch costs once WeChat has cached the package's compiled JS (Android, V8 Code
//     Caching) against the first launch after an install, per SDK.
const { now, calibrate } = require('./clock.js')
const session = require('./session.js')
const { SDKS } = require('./stats.js') // the turns, in order

const RECORDS = 'probe:records'
const STATE = 'probe:state'
const MAX_RECORDS = 400
const BUSY_MS = 30

// The project both SDKs are created for: no request leaves the phone (the stored session is valid for an
// hour and the SDKs read it without asking the server).
const URL = 'https://abcdefghij.baseapi.memfiredb.com'
const KEY = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiJ9.x'
const STORAGE_KEY = 'sb-abcdefghij-auth-token'
// The old SDK's init crashes on `window` with the default detectSessionInUrl; its ticker is off so that
// neither SDK's timers run after the start (ours is as a page creates it).
const OPTIONS = { old: { auth: { detectSessionInUrl: false, autoRefreshToken: false } } }

// Synchronous work on the JS thread for `ms` by Date.now() (what the rest of a package's injection is).
function busy(ms) {
  const end = Date.now() + ms
  let n = 0
  while (Date.now() < end) n++
  return n
}

function read(key, fallback) {
  try {
    const v = wx.getStorageSync(key)
    return v === '' || v === undefined || v === null ? fallback : v
  } catch (_e) {
    return fallback
  }
}

// Static requires, so that WeChat's build keeps both packages.
function load(sdk) {
  return sdk === 'old' ? require('supabase-wechat-stable-v2') : require('supabase-wechat')
}

// Times WXWebAssembly.instantiate calls until `done()`: the sum of their durations (null when none ran).
function timeWasm() {
  const W = typeof WXWebAssembly === 'object' && WXWebAssembly !== null ? WXWebAssembly : null
  const out = { total: null }
  if (!W || typeof W.instantiate !== 'function') return { out, done() {} }
  const original = W.instantiate
  try {
    W.instantiate = (path, imports) => {
      const t0 = now()
      const p = original.call(W, path, imports)
      const end = () => {
        out.total = (out.total || 0) + (now() - t0)
      }
      p.then(end, end)
      return p
    }
  } catch (_e) {
    return { out, done() {} }
  }
  return {
    out,
    done() {
      try {
        W.instantiate = original
      } catch (_e) {}
    },
  }
}

// One launch: measure the SDK whose turn it is, store the record. Returns a Promise of the record.
function launch() {
  const state = read(STATE, { launches: 0, next: SDKS[0] })
  const sdk = SDKS.indexOf(state.next) >= 0 ? state.next : SDKS[0]
  const record = { sdk, launch: state.launches + 1, at: Date.now() }
  wx.setStorageSync(STATE, { launches: record.launch, next: SDKS[(SDKS.indexOf(sdk) + 1) % SDKS.length] })
  const stored = session.stored(URL, Math.floor(Date.now() / 1000))
  wx.setStorageSync(STORAGE_KEY, stored.text)

  const wasm = timeWasm()
  let client
  const t0 = now()
  try {
    client = load(sdk).createClient(URL, KEY, OPTIONS[sdk])
  } catch (e) {
    wasm.done()
    return Promise.resolve(save(Object.assign(record, { ok: false, failure: String((e && e.message) || e) })))
  }
  const t1 = now()
  if (sdk === 'ours-busy') busy(BUSY_MS)
  return client.auth.getSession().then(
    (res) => {
      const t2 = now()
      wasm.done()
      const s = res && res.data && res.data.session
      record.ok = !res.error && !!s && s.refresh_token === stored.refreshToken
      const raw = { require: t1 - t0, wasm: wasm.out.total, getSession: t2 - t1, total: t2 - t0 }
      // The clock's unit is found after the timed part, so that its ~50 ms timer is not timed.
      return calibrate().then((toMs) => {
        const ms = (x) => (x === null ? null : Math.round(x * toMs * 1000) / 1000)
        record.ms = { require: ms(raw.require), wasm: ms(raw.wasm), getSession: ms(raw.getSession), total: ms(raw.total) }
        record.clock = toMs === 1 ? 'ms' : 'µs'
        return save(record)
      })
    },
    (e) => {
      wasm.done()
      return save(Object.assign(record, { ok: false, failure: String((e && e.message) || e) }))
    },
  )
}

function save(record) {
  const records = read(RECORDS, [])
  records.push(record)
  while (records.length > MAX_RECORDS) records.shift()
  wx.setStorageSync(RECORDS, records)
  return record
}

function records() {
  return read(RECORDS, [])
}

function clear() {
  wx.removeStorageSync(RECORDS)
  wx.removeStorageSync(STATE)
}

module.exports = { launch, records, clear, RECORDS, STATE, STORAGE_KEY, BUSY_MS }
