'use strict'
// What a cold start compiles of the wasm (issue 17): engines compile a wasm function on its first call, so a
// true cold start (require the client → first getSession() from storage) pays for every function it touches,
// whole. The core keeps the ways in that a page reaches by name (the auth methods' handlers, the data APIs'
// builders and readers) as separate functions called through tables, instead of one dispatch with every
// method inlined (it was a 27 KB function for auth alone). Measured with V8's own lazy-compilation trace in
// a fresh process (bytes of wasm code, not time: no dependence on the machine's load); bench/lazy-compile.js
// prints the same figures for builds side by side.
// Run: bash scripts/build.sh && node --test tests/node/wasm-lazy.test.js
const { test } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const { makeProject } = require('./lib/project')

const URL_ = 'https://abcdefghij.baseapi.memfiredb.com'

// The child: one launch of the app in the strict simulator, the session already in wx storage.
const CHILD = `
const { createSimulator } = require(${JSON.stringify(path.join(__dirname, '..', 'sim'))})
const sim = createSimulator({ root: process.argv[1], appid: 'wx0000000000000001' })
const now = Math.round(Date.now() / 1000)
sim.storage.set('sb-abcdefghij-auth-token', JSON.stringify({
  access_token: 'a.b.c', token_type: 'bearer', expires_in: 3600, refresh_token: 'r1',
  user: { id: 'u1', aud: 'authenticated', role: 'authenticated' }, expires_at: now + 3600,
}))
sim.launch().then(async (app) => {
  const { data, error } = await app.require('lib/client').auth.getSession()
  console.log('SESSION ' + (error ? 'error' : data.session.refresh_token))
  sim.close()
})
`

test('a cold start to the first getSession() compiles a fraction of the wasm, no giant dispatch', async () => {
  const project = await makeProject({
    'lib/client.js': `module.exports = require('supabase-wechat').createClient(${JSON.stringify(URL_)}, 'anon')`,
  })
  try {
    const out = execFileSync(
      process.execPath,
      ['--trace-wasm-lazy-compilation', '--trace-wasm-compilation-times', '-e', CHILD, project.root],
      {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      },
    )
    assert.match(out, /^SESSION r1$/m)
    // `Compiled function 0x…#165 using Liftoff, took 0 ms and 150208 bytes; bodysize 3867 codesize 8816`
    const sizes = new Map()
    for (const m of out.matchAll(/Compiled function \S*#(\d+) using \w+.*?bodysize (\d+)/g)) sizes.set(m[1], Number(m[2]))
    const total = [...sizes.values()].reduce((s, n) => s + n, 0)
    const largest = Math.max(...sizes.values())
    assert.ok(sizes.size > 50, `the trace lists the compiled functions (${sizes.size})`)
    // 73 KB (largest 27.6 KB, every auth method inlined into Auth::call) before; 45.7 KB (largest 3.9 KB) after.
    assert.ok(total <= 56_000, `${total} B of wasm code compiled for the first getSession()`)
    assert.ok(largest <= 8_000, `the largest function compiled is ${largest} B`)
  } finally {
    project.cleanup()
  }
})
