'use strict'
// wx.connectSocket / SocketTask in the strict simulator (tests/sim/socket.js) against a local ws server.
const { test, describe, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { WebSocketServer } = require('ws')
const { createSimulator } = require('../sim')
const { LIMIT_ERR, SEND_NOT_OPEN } = require('../sim/socket')

// ---------- fixture mini-program ----------

// lib/rec.js records every event and callback the app sees into global.ev, with realm checks done
// inside the context (context-realm prototypes only).
const REC = `
function push (e) { (global.ev || (global.ev = [])).push(e) }
function plainObj (o) { return o !== null && typeof o === 'object' && Object.getPrototypeOf(o) === Object.prototype }
exports.task = function (name, t) {
  if (!t) { push({ s: name, ev: 'returned', value: String(t) }); return t }
  ['Open', 'Message', 'Error', 'Close'].forEach(function (k) {
    t['on' + k](function (r) {
      var e = { s: name, ev: k.toLowerCase(), rs: t.readyState, realm: plainObj(r) }
      if (k === 'Open') {
        e.header = r.header; e.profile = r.profile
        e.realm = e.realm && plainObj(r.header) && plainObj(r.profile)
      }
      if (k === 'Message') {
        e.bin = Object.prototype.toString.call(r.data) === '[object ArrayBuffer]'
        if (e.bin) {
          e.realm = e.realm && r.data instanceof ArrayBuffer && Object.getPrototypeOf(r.data) === ArrayBuffer.prototype
          e.data = Array.from(new Uint8Array(r.data))
          global.lastBuffer = r.data
        } else { e.data = r.data; e.realm = e.realm && typeof r.data === 'string' }
      }
      if (k === 'Error') e.errMsg = r.errMsg
      if (k === 'Close') { e.code = r.code; e.reason = r.reason }
      push(e)
    })
  })
  return t
}
exports.cb = function (name, extra) {
  var o = extra || {}
  ;['success', 'fail', 'complete'].forEach(function (k) {
    o[k] = function (r) { push({ s: name, ev: k, errMsg: r.errMsg, realm: plainObj(r) }) }
  })
  return o
}
// every function reachable from a task (methods and the readyState getter) is a context-realm function
exports.taskRealm = function (t) {
  if (Object.getPrototypeOf(t) !== Object.prototype) return false
  var ok = true
  Object.getOwnPropertyNames(t).forEach(function (k) {
    var d = Object.getOwnPropertyDescriptor(t, k)
    ;[d.value, d.get, d.set].forEach(function (f) {
      if (typeof f === 'function' && (Object.getPrototypeOf(f) !== Function.prototype || !(f instanceof Function))) ok = false
    })
  })
  return ok
}
`

function makeFixture() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wxsim-socket-'))
  const root = path.join(dir, 'mp')
  fs.mkdirSync(path.join(root, 'lib'), { recursive: true })
  fs.writeFileSync(path.join(root, 'app.json'), JSON.stringify({ pages: [] }))
  fs.writeFileSync(
    path.join(root, 'app.js'),
    `global.R = require('./lib/rec'); App({ onError (e) { (global.appErrors || (global.appErrors = [])).push(String(e)) } })`,
  )
  fs.writeFileSync(path.join(root, 'lib/rec.js'), REC)
  return { dir, root }
}

// ---------- local ws server ----------
// /echo echoes frames ("close:<code>:<reason>" makes the server close), /close closes at once with 4001
// "bye", /binary pushes a binary then a text frame, /idle does nothing, /garbage sends an invalid frame,
// /silent never answers the upgrade, /reject answers 404.

function startServer() {
  const seen = { handshakes: [], closes: [], clients: new Set(), raw: new Set() }
  const server = http.createServer((_req, res) => {
    res.writeHead(404)
    res.end()
  })
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: true,
    handleProtocols: (protocols) => (protocols.size ? [...protocols][0] : false),
  })
  wss.on('headers', (headers) => headers.push('X-Server: sim-test'))
  server.on('connection', (sock) => {
    seen.raw.add(sock)
    sock.on('close', () => seen.raw.delete(sock))
  })
  server.on('upgrade', (req, socket, head) => {
    const p = new URL(req.url, 'http://x').pathname
    seen.handshakes.push({ path: p, headers: req.headers })
    socket.on('error', () => {})
    if (p === '/reject') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n')
      return
    }
    if (p === '/silent') return
    wss.handleUpgrade(req, socket, head, (ws) => {
      seen.clients.add(ws)
      ws.on('close', (code, reason) => {
        seen.clients.delete(ws)
        seen.closes.push({ path: p, code, reason: reason.toString() })
      })
      ws.on('error', () => {})
      if (p === '/echo') {
        ws.on('message', (data, isBinary) => {
          const s = isBinary ? '' : data.toString()
          if (s.startsWith('close:')) {
            const [, code, reason] = s.split(':')
            ws.close(Number(code), reason)
            return
          }
          ws.send(data, { binary: isBinary })
        })
      } else if (p === '/close') ws.close(4001, 'bye')
      else if (p === '/binary') {
        ws.send(Buffer.from([1, 2, 3, 250]), { binary: true })
        ws.send('text after')
      } else if (p === '/garbage') ws._socket.write(Buffer.from([0x83, 0x00])) // reserved opcode 3
    })
  })
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, wss, seen, url: `ws://127.0.0.1:${server.address().port}` })
    }),
  )
}

function freePort() {
  return new Promise((resolve) => {
    const s = http.createServer()
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port
      s.close(() => resolve(p))
    })
  })
}

const plain = (v) => JSON.parse(JSON.stringify(v === undefined ? null : v))

let fx, srv
const sims = []
before(async () => {
  fx = makeFixture()
  srv = await startServer()
})
after(async () => {
  for (const s of sims) s.close()
  for (const ws of srv.wss.clients) ws.terminate()
  for (const sock of srv.seen.raw) sock.destroy()
  await new Promise((resolve) => srv.server.close(resolve))
  fs.rmSync(fx.dir, { recursive: true, force: true })
})

async function launch(hooks = {}) {
  const sim = createSimulator({ root: fx.root })
  Object.assign(sim.sockets, hooks)
  sims.push(sim)
  const app = await sim.launch()
  await app.eval('var R = global.R') // test-only shorthand in the context's global scope
  const ev = async (name) => {
    const all = plain(await app.eval('global.ev || []'))
    return name ? all.filter((e) => e.s === name) : all
  }
  const waitEv = (name, evName, n = 1) => app.waitFor(async () => (await ev(name)).filter((e) => e.ev === evName).length >= n)
  return { sim, app, ev, waitEv }
}

const kinds = (list) => list.map((e) => e.ev)

// ---------- tests ----------

describe('wx.connectSocket: echo server', () => {
  test('text round trip, creation callbacks, readyState, onOpen {header, profile}, close with code/reason', async () => {
    const { sim, app, ev, waitEv } = await launch()
    const r = plain(
      await app.eval(`
      var t = global.t = R.task('a', wx.connectSocket(R.cb('a', { url: '${srv.url}/echo?x=1', header: { 'X-Test': 'yes', Referer: 'https://evil' }, protocols: ['p1', 'p2'], tcpNoDelay: true })))
      t.onclose = function () { global.assigned = true } // property assignment is not a listener (anchor §5.1-A6)
      ;({ rs: t.readyState, consts: [t.CONNECTING, t.OPEN, t.CLOSING, t.CLOSED], isPromise: t instanceof Promise, realm: R.taskRealm(t) })`),
    )
    assert.deepEqual(r, { rs: 0, consts: [0, 1, 2, 3], isPromise: false, realm: true })
    await waitEv('a', 'open')
    let a = await ev('a')
    assert.deepEqual(kinds(a), ['success', 'complete', 'open'])
    assert.equal(a[0].errMsg, 'connectSocket:ok')
    const open = a[2]
    assert.equal(open.rs, 1)
    assert.equal(open.realm, true)
    assert.equal(open.header['X-Server'], 'sim-test')
    assert.equal(open.header['Sec-WebSocket-Protocol'], 'p1')
    for (const k of [
      'fetchStart',
      'domainLookUpStart',
      'domainLookUpEnd',
      'connectStart',
      'connectEnd',
      'rtt',
      'handshakeCost',
      'cost',
    ]) {
      assert.equal(typeof open.profile[k], 'number', k)
    }
    const hs = srv.seen.handshakes.filter((h) => h.path === '/echo').pop()
    assert.equal(hs.headers['x-test'], 'yes')
    assert.equal(hs.headers.referer, `https://servicewechat.com/${sim.appid}/devtools/page-frame.html`)
    assert.equal(hs.headers['sec-websocket-protocol'], 'p1,p2')
    assert.equal(hs.headers['sec-websocket-extensions'], undefined) // perMessageDeflate defaults to false

    await app.eval(`global.t.send(R.cb('send', { data: 'héllo 世界' }))`)
    await waitEv('a', 'message')
    assert.deepEqual(
      (await ev('send')).map((e) => e.errMsg),
      ['sendSocketMessage:ok', 'sendSocketMessage:ok'],
    )
    const msg = (await ev('a')).find((e) => e.ev === 'message')
    assert.deepEqual([msg.bin, msg.data, msg.realm, msg.rs], [false, 'héllo 世界', true, 1])

    assert.equal(sim.sockets.open(), 1)
    const rs = await app.eval(`global.t.close(R.cb('close', { code: 3001, reason: 'done' })); global.t.readyState`)
    assert.equal(rs, 2) // CLOSING at once
    await waitEv('a', 'close')
    a = await ev('a')
    assert.deepEqual(kinds(a), ['success', 'complete', 'open', 'message', 'close'])
    assert.deepEqual([a[4].code, a[4].reason, a[4].rs, a[4].realm], [3001, 'done', 3, true])
    assert.deepEqual(
      (await ev('close')).map((e) => e.errMsg),
      ['closeSocket:ok', 'closeSocket:ok'],
    )
    assert.equal(await app.eval('global.assigned === undefined'), true)
    await app.waitFor(() => srv.seen.closes.some((c) => c.code === 3001 && c.reason === 'done'))
    assert.equal(sim.sockets.open(), 0)
    assert.deepEqual(
      sim.sockets.log.map((l) => l.op),
      ['connect', 'send', 'close'],
    )
    assert.deepEqual(sim.sockets.log[0].protocols, ['p1', 'p2'])
    assert.deepEqual([sim.sockets.log[0].tcpNoDelay, sim.sockets.log[0].perMessageDeflate], [true, false])
    assert.equal(sim.sockets.log[0].header.Referer, `https://servicewechat.com/${sim.appid}/devtools/page-frame.html`)
    assert.equal(sim.sockets.log[1].data, 'héllo 世界')
    assert.deepEqual([sim.sockets.log[2].code, sim.sockets.log[2].reason], [3001, 'done'])
    sim.close()
  })

  test('binary frames: ArrayBuffer out, context-realm ArrayBuffer in; server-pushed frames', async () => {
    const { sim, app, ev, waitEv } = await launch()
    await app.eval(`
      var t = global.t = R.task('b', wx.connectSocket({ url: '${srv.url}/echo', perMessageDeflate: true }))
      t.onOpen(function () { t.send({ data: new Uint8Array([0, 255, 7]).buffer }) })`)
    await waitEv('b', 'message')
    const m = (await ev('b')).find((e) => e.ev === 'message')
    assert.deepEqual([m.bin, m.data, m.realm], [true, [0, 255, 7], true])
    const buf = await app.eval('global.lastBuffer')
    assert.equal(buf instanceof ArrayBuffer, false) // not a Node ArrayBuffer
    assert.equal(Object.prototype.toString.call(buf), '[object ArrayBuffer]')
    assert.ok(Buffer.isBuffer(sim.sockets.log.find((l) => l.op === 'send').data))
    assert.match(srv.seen.handshakes.pop().headers['sec-websocket-extensions'], /permessage-deflate/)

    await app.eval(`R.task('push', wx.connectSocket({ url: '${srv.url}/binary' }))`)
    await waitEv('push', 'message', 2)
    const msgs = (await ev('push')).filter((e) => e.ev === 'message')
    assert.deepEqual(
      msgs.map((e) => [e.bin, e.data, e.realm]),
      [
        [true, [1, 2, 3, 250], true],
        [false, 'text after', true],
      ],
    )
    sim.close()
  })

  test('server closes with code and reason; send/close afterwards fail; listeners stack; listener errors go to App.onError', async () => {
    const { app, ev, waitEv } = await launch()
    await app.eval(`
      var t = global.t = R.task('c', wx.connectSocket({ url: '${srv.url}/close' }))
      t.onClose(function () { throw new Error('listener boom') })`)
    await waitEv('c', 'close')
    const c = (await ev('c')).filter((e) => e.ev === 'close')
    assert.deepEqual(
      c.map((e) => [e.code, e.reason, e.rs]),
      [[4001, 'bye', 3]],
    )
    await app.eval(`global.t.send(R.cb('s', { data: 'x' })); global.t.close(R.cb('k'))`)
    await waitEv('k', 'complete')
    assert.deepEqual(
      (await ev('s')).map((e) => e.errMsg),
      [SEND_NOT_OPEN, SEND_NOT_OPEN],
    )
    assert.deepEqual(
      (await ev('k')).map((e) => e.errMsg),
      ['closeSocket:fail WebSocket is not connected', 'closeSocket:fail WebSocket is not connected'],
    )
    const errs = await app.eval('global.appErrors || []')
    assert.equal(errs.length, 1)
    assert.match(errs[0], /listener boom/)
    assert.ok(app.logs.some((l) => l.level === 'error' && /SocketTask.onClose callback/.test(l.args[0])))

    // server-initiated close through the echo route
    await app.eval(
      `var e = R.task('e', wx.connectSocket({ url: '${srv.url}/echo' })); e.onOpen(function () { e.send({ data: 'close:4002:later' }) })`,
    )
    await waitEv('e', 'close')
    const e = (await ev('e')).filter((x) => x.ev === 'close')[0]
    assert.deepEqual([e.code, e.reason], [4002, 'later'])
  })

  test('a protocol error after open fires onError then onClose', async () => {
    const { app, ev, waitEv } = await launch()
    await app.eval(`R.task('g', wx.connectSocket({ url: '${srv.url}/garbage' }))`)
    await waitEv('g', 'close')
    const g = await ev('g')
    assert.deepEqual(kinds(g), ['open', 'error', 'close'])
    assert.equal(typeof g[1].errMsg, 'string')
    assert.deepEqual([g[2].code, g[2].reason], [1006, 'abnormal closure']) // the server sent no close frame
  })
})

describe('wx.connectSocket: failures', () => {
  test('parameter errors: non-string url, non-ws url, bad send data, bad close code/reason', async () => {
    const { app, ev, waitEv } = await launch()
    await app.eval(`
      R.task('u1', wx.connectSocket(R.cb('u1', {})))
      R.task('u2', wx.connectSocket(R.cb('u2', { url: 'http://127.0.0.1/x' })))
      R.task('u3', wx.connectSocket(R.cb('u3', { url: 'not a url' })))`)
    await waitEv('u3', 'complete')
    const u = await ev()
    assert.deepEqual(
      u.filter((e) => e.ev === 'returned').map((e) => e.value),
      ['undefined', 'undefined', 'undefined'],
    )
    assert.equal(
      u.find((e) => e.s === 'u1' && e.ev === 'fail').errMsg,
      'connectSocket:fail parameter error: parameter.url should be String instead of Undefined;',
    )
    assert.equal(u.find((e) => e.s === 'u2' && e.ev === 'fail').errMsg, 'connectSocket:fail invalid url "http://127.0.0.1/x"')
    assert.equal(u.find((e) => e.s === 'u3' && e.ev === 'fail').errMsg, 'connectSocket:fail invalid url "not a url"')

    await app.eval(`global.t = R.task('t', wx.connectSocket({ url: '${srv.url}/echo' }))`)
    await waitEv('t', 'open')
    await app.eval(`
      var t = global.t
      t.send(R.cb('d1', { data: 42 }))
      t.send(R.cb('d2', { data: new Uint8Array([1]) }))
      t.send(R.cb('d3'))
      t.close(R.cb('c1', { code: 999 }))
      t.close(R.cb('c2', { code: 1001 }))
      t.close(R.cb('c3', { code: 5000 }))
      t.close(R.cb('c4', { code: '1000' }))
      t.close(R.cb('c5', { reason: 'x'.repeat(124) }))
      global.rsAfter = t.readyState`)
    await waitEv('c5', 'complete')
    const fails = (name) => ev(name).then((l) => l.filter((e) => e.ev === 'fail').map((e) => e.errMsg))
    assert.deepEqual(await fails('d1'), [
      'sendSocketMessage:fail parameter error: parameter.data should be String or ArrayBuffer instead of Number;',
    ])
    assert.deepEqual(await fails('d2'), [
      'sendSocketMessage:fail parameter error: parameter.data should be String or ArrayBuffer instead of Uint8Array;',
    ])
    assert.deepEqual(await fails('d3'), [
      'sendSocketMessage:fail parameter error: parameter.data should be String or ArrayBuffer instead of Undefined;',
    ])
    assert.deepEqual(await fails('c1'), [
      'closeSocket:fail The code must be either 1000, or between 3000 and 4999. 999 is neither.',
    ])
    assert.deepEqual(await fails('c2'), [
      'closeSocket:fail The code must be either 1000, or between 3000 and 4999. 1001 is neither.',
    ])
    assert.deepEqual(await fails('c3'), [
      'closeSocket:fail The code must be either 1000, or between 3000 and 4999. 5000 is neither.',
    ])
    assert.deepEqual(await fails('c4'), ['closeSocket:fail parameter error: parameter.code should be Number instead of String;'])
    assert.deepEqual(await fails('c5'), ['closeSocket:fail The message must not be greater than 123 bytes.'])
    assert.equal(await app.eval('global.rsAfter'), 1) // still open
    await app.eval(`global.t.send({ data: 'still' })`)
    await waitEv('t', 'message')
    await app.eval(`global.t.close({ reason: 'x'.repeat(123) })`)
    await waitEv('t', 'close')
    const close = (await ev('t')).find((e) => e.ev === 'close')
    assert.deepEqual([close.code, close.reason.length], [1000, 123])
  })

  test('connection refused and HTTP 404 handshake: onError (connectSocket:fail …) then onClose 1006; or onError only', async () => {
    const port = await freePort()
    const { sim, app, ev, waitEv } = await launch()
    await app.eval(`
      R.task('r', wx.connectSocket(R.cb('r', { url: 'ws://127.0.0.1:${port}/' })))
      R.task('n', wx.connectSocket({ url: '${srv.url}/reject' }))`)
    await waitEv('r', 'close')
    await waitEv('n', 'close')
    const r = await ev('r')
    assert.deepEqual(kinds(r), ['success', 'complete', 'error', 'close'])
    assert.match(r[2].errMsg, /^connectSocket:fail .*ERR_CONNECTION_REFUSED/)
    assert.deepEqual([r[2].rs, r[3].code, r[3].reason, r[3].rs], [0, 1006, 'abnormal closure', 3])
    const n = await ev('n')
    assert.deepEqual(kinds(n), ['error', 'close'])
    assert.match(n[0].errMsg, /^connectSocket:fail .*404/)
    assert.equal(sim.sockets.live(), 0)

    sim.sockets.closeAfterConnectError = false
    await app.eval(`R.task('r2', wx.connectSocket({ url: 'ws://127.0.0.1:${port}/' }))`)
    await waitEv('r2', 'error')
    await app.waitFor(() => sim.sockets.live() === 0)
    assert.deepEqual(kinds(await ev('r2')), ['error'])
    assert.equal((await ev('r2'))[0].rs, 3) // the terminal event: CLOSED before its listeners run
  })

  test('a server that never answers: timeout → onError; send fails while CONNECTING; close() while CONNECTING aborts', async () => {
    const { sim, app, ev, waitEv } = await launch()
    await app.eval(`
      R.task('to', wx.connectSocket({ url: '${srv.url}/silent', timeout: 50 }))
      var k = global.k = R.task('k', wx.connectSocket({ url: '${srv.url}/silent' }))
      k.send(R.cb('ks', { data: 'early' }))
      k.close(R.cb('kc', { code: 4000, reason: 'give up' }))
      global.kState = k.readyState`)
    await waitEv('k', 'close')
    await waitEv('to', 'close')
    assert.equal((await ev('to'))[0].errMsg, 'connectSocket:fail timeout')
    assert.deepEqual(kinds(await ev('to')), ['error', 'close'])
    assert.equal(await app.eval('global.kState'), 2)
    assert.deepEqual(
      (await ev('ks')).map((e) => e.errMsg),
      [SEND_NOT_OPEN, SEND_NOT_OPEN],
    )
    assert.deepEqual(
      (await ev('kc')).map((e) => e.errMsg),
      ['closeSocket:ok', 'closeSocket:ok'],
    )
    const k = await ev('k')
    assert.deepEqual(kinds(k), ['close'])
    assert.deepEqual([k[0].code, k[0].reason, k[0].rs], [4000, 'give up', 3])
    assert.equal(sim.sockets.live(), 0)
  })
})

describe('limits, drops, lifecycle', () => {
  test('at most 5 sockets (CONNECTING counts); the 6th fails and returns a CLOSED task; a freed slot can be reused', async () => {
    const { sim, app, ev, waitEv } = await launch()
    await app.eval(`
      global.ts = []
      for (var i = 0; i < 4; i++) global.ts.push(R.task('s' + i, wx.connectSocket({ url: '${srv.url}/echo' })))
      global.ts.push(R.task('s4', wx.connectSocket({ url: '${srv.url}/silent' })))
      var six = global.six = R.task('s5', wx.connectSocket(R.cb('s5', { url: '${srv.url}/echo' })))
      six.send(R.cb('s5send', { data: 'x' }))
      global.sixState = six.readyState`)
    await waitEv('s5', 'complete')
    assert.deepEqual(
      (await ev('s5')).map((e) => [e.ev, e.errMsg]),
      [
        ['fail', LIMIT_ERR],
        ['complete', LIMIT_ERR],
      ],
    )
    assert.equal(LIMIT_ERR, 'connectSocket:fail fail reach max websocket connect count 5')
    assert.equal(await app.eval('global.sixState'), 3)
    assert.equal((await ev('s5send'))[0].errMsg, SEND_NOT_OPEN)
    for (let i = 0; i < 4; i++) await waitEv('s' + i, 'open')
    assert.deepEqual([sim.sockets.open(), sim.sockets.live(), sim.sockets.maxConcurrentSeen], [4, 5, 5])
    assert.equal(sim.sockets.log.filter((l) => l.op === 'connect').length, 5)

    // freeing a slot: the slot is released when onClose reaches the app, so connecting from onClose works
    await app.eval(`
      global.ts[0].onClose(function () { R.task('s6', wx.connectSocket(R.cb('s6', { url: '${srv.url}/echo' }))) })
      global.ts[0].close()`)
    await waitEv('s6', 'open')
    assert.equal((await ev('s6'))[0].errMsg, 'connectSocket:ok')
    assert.deepEqual([sim.sockets.live(), sim.sockets.maxConcurrentSeen], [5, 5])
    sim.close()
  })

  test('sim.sockets.dropAll: open sockets get onClose, connecting ones fail; the server sees the drop', async () => {
    const { sim, app, ev, waitEv } = await launch()
    await app.eval(`
      R.task('o1', wx.connectSocket({ url: '${srv.url}/idle' }))
      R.task('o2', wx.connectSocket({ url: '${srv.url}/idle' }))
      R.task('c1', wx.connectSocket({ url: '${srv.url}/silent' }))`)
    await waitEv('o1', 'open')
    await waitEv('o2', 'open')
    const before = srv.seen.closes.filter((c) => c.path === '/idle').length
    assert.equal(sim.sockets.open(), 2)
    assert.equal(sim.sockets.dropAll(), 3)
    await waitEv('o1', 'close')
    await waitEv('o2', 'close')
    await waitEv('c1', 'close')
    const o1 = (await ev('o1')).find((e) => e.ev === 'close')
    assert.deepEqual([o1.code, o1.reason, o1.rs], [1006, 'abnormal closure', 3])
    assert.deepEqual(kinds(await ev('c1')), ['error', 'close'])
    assert.equal(sim.sockets.open(), 0)
    await app.waitFor(() => srv.seen.closes.filter((c) => c.path === '/idle').length === before + 2)

    await app.eval(`R.task('o3', wx.connectSocket({ url: '${srv.url}/idle' }))`)
    await waitEv('o3', 'open')
    sim.sockets.dropAll(4999, 'custom')
    await waitEv('o3', 'close')
    const o3 = (await ev('o3')).find((e) => e.ev === 'close')
    assert.deepEqual([o3.code, o3.reason], [4999, 'custom'])
    sim.close()
  })

  test('restart and close: the killed app’s sockets are closed, nothing reaches it, the new app has 5 fresh slots', async () => {
    const { sim, app, waitEv } = await launch()
    await app.eval(`
      for (var i = 0; i < 5; i++) {
        var t = R.task('x' + i, wx.connectSocket({ url: '${srv.url}/idle' }))
        t.onClose(function () { console.log('closed in old app') })
      }`)
    for (let i = 0; i < 5; i++) await waitEv('x' + i, 'open')
    const before = srv.seen.closes.length
    const app2 = await sim.restart()
    await app2.eval('var R = global.R')
    await app2.waitFor(() => srv.seen.closes.length === before + 5)
    assert.deepEqual(
      srv.seen.closes.slice(before).map((c) => c.code),
      [1006, 1006, 1006, 1006, 1006],
    ) // torn down, no close frame
    assert.equal(
      app.logs.some((l) => l.args[0] === 'closed in old app'),
      false,
    )
    await assert.rejects(app.eval('1'), /has been killed/)

    await app2.eval(`for (var i = 0; i < 5; i++) R.task('y' + i, wx.connectSocket({ url: '${srv.url}/idle' }))`)
    await app2.waitFor(async () => plain(await app2.eval('global.ev || []')).filter((e) => e.ev === 'open').length === 5)
    assert.equal(sim.sockets.open(), 5)
    const n = srv.seen.closes.length
    sim.close()
    await app2.waitFor(() => srv.seen.closes.length === n + 5)
    assert.equal(sim.sockets.open(), 0)
  })

  test('background: sockets are interrupted N ms after fireAppHide (onClose 1000 "interrupted"); connect fails until shown', async () => {
    const { sim, app, ev, waitEv } = await launch({ backgroundCloseAfter: 10 })
    await app.eval(`R.task('h', wx.connectSocket({ url: '${srv.url}/idle' }))`)
    await waitEv('h', 'open')
    sim.fireAppHide()
    await waitEv('h', 'close')
    const h = (await ev('h')).find((e) => e.ev === 'close')
    assert.deepEqual([h.code, h.reason], [1000, 'interrupted'])
    await app.eval(`R.task('h2', wx.connectSocket(R.cb('h2', { url: '${srv.url}/idle' })))`)
    await waitEv('h2', 'complete')
    assert.deepEqual(kinds(await ev('h2')), ['fail', 'complete'])
    assert.equal((await ev('h2'))[0].errMsg, 'connectSocket:fail interrupted')
    sim.fireAppShow()
    await app.eval(`R.task('h3', wx.connectSocket({ url: '${srv.url}/idle' }))`)
    await waitEv('h3', 'open')

    // shown again before the deadline: nothing happens
    sim.sockets.backgroundCloseAfter = 60000
    sim.fireAppHide()
    sim.fireAppShow()
    assert.equal(sim.sockets.open(), 1)
    sim.close()
  })

  test('background, silent variant: the socket vanishes without onClose; send/close report interrupted', async () => {
    const { sim, app, ev, waitEv } = await launch({ backgroundCloseAfter: 0, backgroundCloseSilent: true })
    await app.eval(`global.t = R.task('q', wx.connectSocket({ url: '${srv.url}/echo' }))`)
    await waitEv('q', 'open')
    const before = srv.seen.closes.length
    sim.fireAppHide()
    await app.waitFor(() => sim.sockets.live() === 0 && srv.seen.closes.length === before + 1)
    sim.fireAppShow()
    await app.eval(`global.t.send(R.cb('qs', { data: 'x' })); global.t.close(R.cb('qc')); global.qState = global.t.readyState`)
    await waitEv('qc', 'complete')
    assert.equal((await ev('qs'))[0].errMsg, 'sendSocketMessage:fail interrupted')
    assert.equal((await ev('qc'))[0].errMsg, 'closeSocket:fail interrupted')
    assert.equal(await app.eval('global.qState'), 1) // the app was never told
    assert.deepEqual(kinds(await ev('q')), ['open'])
    sim.close()
  })
})

describe('legacy wx.*Socket* APIs', () => {
  test('single-slot listeners on the first live socket; sendSocketMessage / closeSocket with Promise form', async () => {
    const { app, ev, waitEv } = await launch()
    await app.eval(`
      function push (e) { global.ev.push(e) }
      global.ev = []
      wx.onSocketOpen(function () { push({ s: 'L', ev: 'replaced' }) })
      wx.onSocketOpen(function (r) { push({ s: 'L', ev: 'open', keys: Object.keys(r).sort() }) })
      wx.onSocketMessage(function (r) { push({ s: 'L', ev: 'message', data: r.data }) })
      wx.onSocketClose(function (r) { push({ s: 'L', ev: 'close', code: r.code, reason: r.reason }) })
      wx.onSocketError(function (r) { push({ s: 'L', ev: 'error' }) })
      wx.sendSocketMessage({ data: 'x' }).catch(function (e) { push({ s: 'pre', ev: 'rejected', errMsg: e.errMsg }) })
      wx.closeSocket(R.cb('preclose'))
      R.task('first', wx.connectSocket({ url: '${srv.url}/echo' }))
      R.task('second', wx.connectSocket({ url: '${srv.url}/echo' }))`)
    await waitEv('L', 'open')
    await waitEv('second', 'open')
    assert.equal((await ev('pre'))[0].errMsg, 'sendSocketMessage:fail WebSocket is not connected')
    assert.equal((await ev('preclose'))[0].errMsg, 'closeSocket:fail WebSocket is not connected')
    assert.deepEqual(await ev('L'), [{ s: 'L', ev: 'open', keys: ['header'] }])
    await app.eval(
      `wx.sendSocketMessage({ data: 'legacy' }).then(function (r) { global.ev.push({ s: 'send', ev: 'ok', errMsg: r.errMsg }) })`,
    )
    await waitEv('L', 'message')
    assert.equal((await ev('send'))[0].errMsg, 'sendSocketMessage:ok')
    assert.equal((await ev('first')).filter((e) => e.ev === 'message').length, 1) // went to the first socket
    assert.equal((await ev('second')).filter((e) => e.ev === 'message').length, 0)
    await app.eval(
      `wx.closeSocket({ code: 3005, reason: 'legacy' }).then(function (r) { global.ev.push({ s: 'close', ev: 'ok', errMsg: r.errMsg }) })`,
    )
    await waitEv('L', 'close')
    assert.deepEqual((await ev('L')).pop(), { s: 'L', ev: 'close', code: 3005, reason: 'legacy' })
    assert.equal((await ev('close'))[0].errMsg, 'closeSocket:ok')
    assert.equal((await ev('second')).filter((e) => e.ev === 'close').length, 0)
  })
})
