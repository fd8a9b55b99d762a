'use strict'
// js-shim/lanes.js on its own: the long-request lane (at most LONG_SLOTS in flight, the rest in
// order as slots free, a release counted once) and the per-call time limit helpers. The end-to-end
// behaviour is tests/node/saturation.e2e.test.js.
const { test } = require('node:test')
const assert = require('node:assert/strict')

const { Lanes, LONG_SLOTS, isLong, timeLimit, withTimeLeft, failTimeout } = require('../../js-shim/lanes.js')

test('long requests: at most LONG_SLOTS at once, the rest start in order as slots free; short ones never wait', () => {
  const lanes = new Lanes()
  const started = []
  const releases = []
  const run = (name, long = true) => lanes.run(long, (release) => started.push(name) && releases.push([name, release]))
  for (let i = 0; i < LONG_SLOTS + 3; i++) run(`long ${i}`)
  assert.equal(started.length, LONG_SLOTS)
  run('short', false)
  assert.equal(started.at(-1), 'short')
  // A release counts once, however often it is called.
  const first = releases.find(([n]) => n === 'long 0')[1]
  first()
  first()
  assert.deepEqual(started.slice(LONG_SLOTS + 1), [`long ${LONG_SLOTS}`])
  // A start that releases at once (its call resolved while it waited) lets the next one go.
  lanes.run(true, (release) => {
    started.push('gone')
    release()
  })
  releases.find(([n]) => n === 'long 1')[1]()
  assert.deepEqual(started.slice(LONG_SLOTS + 1), [`long ${LONG_SLOTS}`, `long ${LONG_SLOTS + 1}`])
  releases.find(([n]) => n === 'long 2')[1]()
  releases.find(([n]) => n === 'long 3')[1]()
  assert.deepEqual(started.slice(LONG_SLOTS + 1), [
    `long ${LONG_SLOTS}`,
    `long ${LONG_SLOTS + 1}`,
    `long ${LONG_SLOTS + 2}`,
    'gone',
  ])
})

test('which requests are long, time limits, the time left, the errMsg of a timeout', () => {
  const req = { transport: { api: 'request' }, payload: false, read: 'core' }
  assert.equal(isLong(req, 'rest'), false)
  assert.equal(isLong(req, 'storage'), false)
  assert.equal(isLong(req, 'functions'), true)
  assert.equal(isLong({ transport: { api: 'download' } }, 'storage'), true)
  assert.equal(isLong({ transport: { api: 'upload' } }, 'storage'), true)
  assert.equal(isLong({ transport: { api: 'request' }, payload: true }, 'storage'), true, 'an ArrayBuffer upload')
  assert.equal(isLong({ transport: { api: 'request' }, read: 'array_buffer' }, 'storage'), true, 'an ArrayBuffer download')
  assert.equal(isLong({ transport: { api: 'request' }, payload: true }, 'rest'), false, 'a database insert')

  for (const bad of [undefined, null, 0, -1, Number.NaN, Infinity, '500', {}, true]) assert.equal(timeLimit(bad), 0, String(bad))
  assert.equal(timeLimit(1500), 1500)
  assert.equal(timeLimit(undefined, 800), 800)
  assert.equal(timeLimit(300, 800), 300)
  assert.equal(timeLimit('x', 'y'), 0)

  const out = { id: 1, timeout: 10000 }
  assert.equal(withTimeLeft(out, 0, 5), out)
  assert.equal(withTimeLeft(out, 2000.5, 1000).timeout, 1001)
  assert.equal(withTimeLeft(out, 1000, 5000).timeout, 1, 'past its deadline: the shortest timeout, not none')
  assert.equal(out.timeout, 10000, 'the core output is not changed')

  assert.equal(failTimeout({ api: 'request' }), 'request:fail timeout')
  assert.equal(failTimeout({ api: 'upload' }), 'uploadFile:fail timeout')
  assert.equal(failTimeout({ api: 'download' }), 'downloadFile:fail timeout')
  assert.equal(failTimeout(undefined), 'request:fail timeout')
})
