'use strict'
// Ships the builder chains of postgrest-reference.js into the strict simulator: each chain is run
// once in Node against a recording proxy (so closures over loop variables are resolved), and the
// recorded calls are encoded as JSON with tags for what JSON cannot hold (undefined, -0, Dates,
// bigints, abort signals, objects with undefined values). REPLAY_SOURCE is a module for the
// mini-program that decodes and replays them on our client and records what reaches wx.request.

// chain.build -> [[method, [encodedArg, …]], …]
function recordCalls(build) {
  const calls = []
  const proxy = new Proxy(() => {}, {
    get(_, prop) {
      if (prop === 'then') return undefined
      return (...args) => {
        calls.push([String(prop), args.map(encode)])
        return proxy
      }
    },
  })
  build(proxy)
  return calls
}

function encode(v) {
  if (v === undefined) return { $: 'u' }
  if (typeof v === 'number') {
    if (Object.is(v, -0)) return { $: '-0' }
    if (!Number.isFinite(v)) return { $: 'n', v: String(v) }
    return v
  }
  if (typeof v === 'bigint') return { $: 'b', v: String(v) }
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
  if (Array.isArray(v)) return v.map(encode)
  if (v instanceof Date) return { $: 'd', v: v.getTime() }
  if (typeof AbortSignal !== 'undefined' && v instanceof AbortSignal) return { $: 's', v: v.aborted }
  if (Object.getPrototypeOf(v) === Object.prototype) return { $: 'o', v: Object.keys(v).map((k) => [k, encode(v[k])]) }
  throw new Error(`cannot ship ${Object.prototype.toString.call(v)} into the simulator`)
}

// The mini-program side. `intercept(reply)` replaces wx.request with a recorder that answers
// `reply` ({ statusCode, data, header }) on the next tick; `run(client, calls, sent)` replays one
// chain and resolves with what was sent and the result.
const REPLAY_SOURCE = `
function decode(v) {
  if (Array.isArray(v)) return v.map(decode)
  if (v && typeof v === 'object') {
    if (v.$ === 'u') return undefined
    if (v.$ === '-0') return -0
    if (v.$ === 'n') return Number(v.v)
    if (v.$ === 'b') return BigInt(v.v)
    if (v.$ === 'd') return new Date(v.v)
    if (v.$ === 's') return { aborted: v.v }
    if (v.$ === 'o') {
      const o = {}
      for (const [k, x] of v.v) o[k] = decode(x)
      return o
    }
  }
  return v
}
function intercept(reply) {
  const sent = []
  const answer = { reply }
  wx.request = function (o) {
    sent.push({ url: o.url, method: o.method, header: Object.assign({}, o.header), data: o.data })
    const r = answer.reply
    setTimeout(() => o.success({ statusCode: r.statusCode, data: r.data, header: Object.assign({}, r.header), errMsg: 'request:ok' }), 0)
    return { abort() {} }
  }
  return { sent, answer }
}
async function run(client, calls, box) {
  box.sent.length = 0
  let x = client
  for (const [prop, args] of calls) x = x[prop](...args.map(decode))
  const result = await x
  return { requests: box.sent.slice(), result }
}
module.exports = { intercept, run, decode }
`

module.exports = { recordCalls, encode, REPLAY_SOURCE }
