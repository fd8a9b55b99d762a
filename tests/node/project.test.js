'use strict'
// tests/node/lib/project.js: the source clientModule() writes for each shape of client module.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const { clientModule } = require('./lib/project')

const url = 'http://127.0.0.1:9'
const key = 'anon'

test('module.exports is the client; options as JSON, as source, or left out', () => {
  assert.equal(
    clientModule({ url, key }),
    `const { createClient } = require('supabase-wechat')\nmodule.exports = createClient("${url}", "anon")\n`,
  )
  assert.equal(
    clientModule({ url, key, options: { requestTimeout: 300 }, pkg: 'supabase-wechat-stable-v2' }),
    `const { createClient } = require('supabase-wechat-stable-v2')\nmodule.exports = createClient("${url}", "anon", {"requestTimeout":300})\n`,
  )
  assert.equal(
    clientModule({ url, key, options: '{ big: BigInt(1) }' }),
    `const { createClient } = require('supabase-wechat')\nmodule.exports = createClient("${url}", "anon", { big: BigInt(1) })\n`,
  )
})

test("as: 'supabase' exports { supabase }, with names declared in setup before it", () => {
  assert.equal(
    clientModule({
      url,
      key,
      as: 'supabase',
      setup: '\nconst storage = {}\n',
      options: '{ auth: { storage } }',
      exports: ['storage'],
    }),
    `const { createClient } = require('supabase-wechat')\nconst storage = {}\nmodule.exports = { storage, supabase: createClient("${url}", "anon", { auth: { storage } }) }\n`,
  )
})

test('esm: import and export', () => {
  assert.equal(
    clientModule({ url, key, as: 'supabase', esm: true }),
    `import { createClient } from 'supabase-wechat'\nexport const supabase = createClient("${url}", "anon")\n`,
  )
  assert.equal(
    clientModule({ url, key, esm: true }),
    `import { createClient } from 'supabase-wechat'\nexport default createClient("${url}", "anon")\n`,
  )
})

test('refuses what it cannot write', () => {
  assert.throws(() => clientModule({ url }), /url and key must be strings/)
  assert.throws(() => clientModule({ url, key, as: 'default' }), /as must be/)
  assert.throws(() => clientModule({ url, key, exports: ['storage'] }), /exports needs/)
})
