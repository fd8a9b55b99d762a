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

// The child: one launch of the app in the strict simulator, the session already in wx storage, its
// access token a JWT whose claims decode (as GoTrue issues them: the core reads iss, exp, iat at start).
const CHILD = `
const { createSimulator } = require(${JSON.stringify(path.join(__dirname, '..', 'sim'))})
const sim = createSimulator({ root: process.argv[1], appid: 'wx0000000000000001' })
const now = Math.round(Date.now() / 1000)
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url')
const claims = {
  aud: 'authenticated', exp: now + 3600, iat: now, iss: '${URL_}/auth/v1', sub: 'u1', email: '',
  phone: '13100000000', app_metadata: { provider: 'wechat_mini', providers: ['wechat_mini'] },
  user_metadata: { nickname: 'x' }, role: 'authenticated', aal: 'aal1',
  amr: [{ method: 'wechat', timestamp: now }], session_id: 's1', is_anonymous: false,
}
sim.storage.set('sb-abcdefghij-auth-token', JSON.stringify({
  access_token: b64({ alg: 'HS256', typ: 'JWT' }) + '.' + b64(claims) + '.sig', token_type: 'bearer',
  expires_in: 3600, refresh_token: 'r1', expires_at: now + 3600,
  user: { id: 'u1', aud: 'authenticated', role: 'authenticated', app_metadata: { provider: 'wechat_mini' } },
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
    // With this session: 50.6 KB in 240 functions at 0f05c740 (largest 3.9 KB, core_new); 40.1 KB in 223 after
    // round 5 (bench/results/wasm-size-issue17.md: realtime made on first use, one Output writer per kind,
    // getSession without the auth dispatch, rare paths out of line, is_json written out); largest 2.9 KB
    // (serde_json's Value parser). Before round 1 a token without claims compiled 73 KB (27.6 KB Auth::call).
    // 33.6 KB in 198 once the claims the core reads come from the payload's members (jwt::claim, no B-tree);
    // 27.6 KB in 185 with plain strings, integers and `{}` options read without serde_json's parser.
    // bench/lazy-compile.js --names names them.
    assert.ok(total <= 30_500, `${total} B of wasm code compiled for the first getSession()`)
    assert.ok(largest <= 3_200, `the largest function compiled is ${largest} B`)
  } finally {
    project.cleanup()
  }
})
