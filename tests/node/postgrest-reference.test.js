'use strict'
// The reference side of the PostgREST differential test (issue 5): the chain table, the fixture
// recorded from @supabase/postgrest-js, and the properties of what postgrest-js sends that our
// builder must share. The properties were observed on 2.119.0, then written down as assertions.
const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const pg = require('@supabase/postgrest-js')
const { CHAINS, TRICKY, reference, referenceAll, POSTGREST_JS_VERSION, DEFAULTS } = require('./lib/postgrest-reference')

const FIXTURE = path.join(__dirname, 'fixtures', 'postgrest-reference.json')
const fixture = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'))
const byName = new Map(fixture.chains.map((c) => [c.name, c.request]))
const req = (name) => {
  assert.ok(byName.has(name), `no chain named ${JSON.stringify(name)}`)
  return byName.get(name)
}
const usesSchema = (chain) => /\.schema\(/.test(chain.build.toString())
const query = (url) => (url.includes('?') ? url.slice(url.indexOf('?') + 1) : '')
// What URLSearchParams does to a string: lone surrogates become U+FFFD before UTF-8 encoding.
const wellFormed = (s) => s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')

test('the fixture is up to date with the installed @supabase/postgrest-js (regenerate: node scripts/gen-postgrest-reference.js)', async () => {
  assert.equal(fixture.generatedBy, `@supabase/postgrest-js ${POSTGREST_JS_VERSION}`)
  assert.match(POSTGREST_JS_VERSION, /^2\./)
  assert.deepEqual(await referenceAll(), fixture.chains)
})

test('the chain table: at least 150 chains, unique non-empty names, in fixture order', () => {
  assert.ok(CHAINS.length >= 150, `only ${CHAINS.length} chains`)
  const names = CHAINS.map((c) => c.name)
  assert.equal(new Set(names).size, names.length, 'duplicate chain names')
  for (const c of CHAINS) {
    assert.equal(typeof c.name, 'string')
    assert.ok(c.name.trim().length > 0)
    assert.equal(typeof c.build, 'function')
  }
  assert.deepEqual(
    fixture.chains.map((c) => c.name),
    names,
  )
})

test('every method of the issue is exercised by some chain', async () => {
  const wanted = {
    PostgrestClient: ['from', 'rpc', 'schema'],
    PostgrestQueryBuilder: ['select', 'insert', 'upsert', 'update', 'delete'],
    PostgrestFilterBuilder: [
      'eq',
      'neq',
      'gt',
      'gte',
      'lt',
      'lte',
      'like',
      'ilike',
      'likeAllOf',
      'likeAnyOf',
      'ilikeAllOf',
      'ilikeAnyOf',
      'is',
      'in',
      'contains',
      'containedBy',
      'rangeGt',
      'rangeGte',
      'rangeLt',
      'rangeLte',
      'rangeAdjacent',
      'overlaps',
      'textSearch',
      'match',
      'not',
      'or',
      'filter',
    ],
    PostgrestTransformBuilder: [
      'select',
      'order',
      'limit',
      'range',
      'single',
      'maybeSingle',
      'csv',
      'geojson',
      'explain',
      'rollback',
      'returns',
      'abortSignal',
      'throwOnError',
    ],
  }
  const seen = new Set()
  const restore = []
  for (const [cls, methods] of Object.entries(wanted)) {
    const proto = pg[cls].prototype
    for (const m of methods) {
      assert.ok(Object.hasOwn(proto, m), `${cls}.${m} is not in postgrest-js ${POSTGREST_JS_VERSION}`)
      const orig = proto[m]
      proto[m] = function (...args) {
        seen.add(`${cls}.${m}`)
        return orig.apply(this, args)
      }
      restore.push(() => (proto[m] = orig))
    }
  }
  try {
    await referenceAll()
  } finally {
    for (const r of restore) r()
  }
  const missing = Object.entries(wanted)
    .flatMap(([cls, ms]) => ms.map((m) => `${cls}.${m}`))
    .filter((k) => !seen.has(k))
  assert.deepEqual(missing, [])
})

test('every option of the issue shows up in some request', () => {
  const all = fixture.chains.map((c) => JSON.stringify(c.request))
  const some = (re, what) =>
    assert.ok(
      all.some((s) => re.test(s)),
      `no request with ${what} (${re})`,
    )
  for (const n of ['exact', 'planned', 'estimated']) some(new RegExp(`"prefer":"[^"]*count=${n}`), `count=${n}`)
  some(/"method":"HEAD","url":"[^"]*\/todos\?/, 'select head')
  some(/"method":"HEAD","url":"[^"]*\/rpc\//, 'rpc head')
  some(/"method":"GET","url":"[^"]*\/rpc\/[^"]*\?/, 'rpc get with args')
  some(/[?&]columns=/, 'insert columns=')
  some(/missing=default/, 'defaultToNull: false')
  some(/resolution=ignore-duplicates/, 'ignoreDuplicates')
  some(/resolution=merge-duplicates/, 'upsert merge')
  some(/[?&]on_conflict=/, 'onConflict')
  some(/[?&]users\.or=/, 'or referencedTable')
  some(/[?&]users\.order=/, 'order referencedTable')
  some(/[?&]users\.limit=/, 'limit referencedTable')
  some(/[?&]users\.offset=/, 'range referencedTable')
  some(/\.nullsfirst/, 'nullsFirst: true')
  some(/\.nullslast/, 'nullsFirst: false')
  some(/=[^&"]*\.desc/, 'ascending: false')
  for (const p of ['=fts.', '=fts%28', '=plfts.', '=plfts%28', '=phfts.', '=phfts%28', '=wfts.', '=wfts%28']) {
    some(new RegExp(p.replace(/[.()]/g, '\\$&')), `textSearch ${p}`)
  }
  some(/"accept-profile":"app"/, 'schema() on a read')
  some(/"content-profile":"app"/, 'schema() on a write')
  some(/"prefer":"[^"]*tx=rollback/, 'rollback')
  some(/"accept":"application\/vnd\.pgrst\.plan\+json/, 'explain json')
})

test('reference() never touches the network', async () => {
  const realFetch = globalThis.fetch
  let called = 0
  globalThis.fetch = async () => {
    called++
    throw new Error('network used')
  }
  try {
    for (const c of CHAINS.filter((_, i) => i % 10 === 0)) await reference(c)
  } finally {
    globalThis.fetch = realFetch
  }
  assert.equal(called, 0)
})

test('reference(): options, bare functions, determinism, builder errors', async () => {
  const chain = CHAINS.find((c) => c.name === 'eq: ampersand')
  assert.deepEqual(await reference(chain), await reference(chain))
  assert.deepEqual(await reference(chain.build), req('eq: ampersand'))

  const signedIn = await reference(chain, { token: 'user-jwt' })
  assert.equal(signedIn.headers.apikey, 'anon-key')
  assert.equal(signedIn.headers.authorization, 'Bearer user-jwt')

  const other = await reference(chain, { url: 'https://abc.memfiredb.com/rest/v1', key: 'k2' })
  assert.equal(other.url, 'https://abc.memfiredb.com/rest/v1/todos?select=*&title=eq.a%26b')
  assert.equal(other.headers.apikey, 'k2')
  assert.equal(other.headers.authorization, 'Bearer k2')

  // Extra client headers are sent lower-cased, and override apikey/Authorization.
  const extra = await reference(chain, { headers: { 'X-Client-Info': 'supabase-wechat/0.0.0', Authorization: 'Bearer x' } })
  assert.equal(extra.headers['x-client-info'], 'supabase-wechat/0.0.0')
  assert.equal(extra.headers.authorization, 'Bearer x')
  assert.deepEqual(Object.keys(extra.headers), [...Object.keys(extra.headers)].sort())

  // A default schema (supabase-js passes db.schema, 'public' by default) puts a profile header
  // on every request: Accept-Profile on GET/HEAD, Content-Profile otherwise.
  for (const name of ['eq: ampersand', 'insert: object', 'delete: with eq', 'rpc: get', 'select: head + count exact']) {
    const r = await reference(
      CHAINS.find((c) => c.name === name),
      { schema: 'public' },
    )
    const read = r.method === 'GET' || r.method === 'HEAD'
    assert.equal(r.headers[read ? 'accept-profile' : 'content-profile'], 'public', name)
    assert.equal(r.headers[read ? 'content-profile' : 'accept-profile'], undefined, name)
  }

  await assert.rejects(reference({ name: 'bad', build: (c) => c.from('').select() }), /Invalid relation name/)
})

test('headers: apikey and Bearer on every request, no others than these, no empty values', () => {
  const allowed = new Set(['accept', 'accept-profile', 'apikey', 'authorization', 'content-profile', 'content-type', 'prefer'])
  for (const c of CHAINS) {
    const r = req(c.name)
    const names = Object.keys(r.headers)
    assert.deepEqual(names, [...names].sort(), c.name)
    for (const n of names) {
      assert.ok(allowed.has(n), `${c.name}: unexpected header ${n}`)
      assert.equal(typeof r.headers[n], 'string')
      assert.ok(r.headers[n].length > 0, `${c.name}: empty ${n}`)
      assert.ok(!r.headers[n].includes('undefined'), `${c.name}: ${n}: ${r.headers[n]}`)
    }
    assert.equal(r.headers.apikey, DEFAULTS.key, c.name)
    assert.equal(r.headers.authorization, `Bearer ${DEFAULTS.key}`, c.name)
    assert.equal(r.headers['x-client-info'], undefined) // postgrest-js 2.x adds none of its own
  }
})

test('method, Content-Type and body', () => {
  for (const c of CHAINS) {
    const r = req(c.name)
    assert.ok(['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'].includes(r.method), c.name)
    const read = r.method === 'GET' || r.method === 'HEAD'
    // Content-Type on every non-GET/HEAD request, DELETE included although it has no body.
    assert.equal(r.headers['content-type'], read ? undefined : 'application/json', c.name)
    if (read || r.method === 'DELETE') {
      assert.equal(r.body, null, c.name)
    } else {
      assert.equal(typeof r.body, 'string', c.name)
      // Compact JSON.stringify output: parse + stringify gives the same bytes.
      assert.equal(JSON.stringify(JSON.parse(r.body)), r.body, c.name)
    }
  }
  assert.equal(req('update: with eq').method, 'PATCH')
  assert.equal(
    req('insert: body with every JSON type').body,
    '{"s":"text","n":1.5,"neg":0,"big":9007199254740992,"exp":1e+21,"t":true,"f":false,"z":null,' +
      '"arr":[1,"two",null,[3]],"obj":{"nested":{"deep":[]}},"at":"2024-01-02T03:04:05.678Z"}',
  )
  // Bodies are JSON.stringify output: lone surrogates and control characters are \u-escaped,
  // U+2028 and non-ASCII are sent raw (UTF-8).
  const tricky = JSON.parse(req('insert: body with tricky strings').body)
  for (const [name, v] of TRICKY) assert.equal(tricky[name], v, name)
  assert.ok(req('insert: body with tricky strings').body.includes('"lone surrogate":"\\ud800x"'))
  assert.ok(req('insert: body with tricky strings').body.includes('"NUL":"a\\u0000b"'))
  assert.ok(req('insert: body with tricky strings').body.includes('"line separator U+2028":"a\u2028b"')) // raw
  assert.ok(req('insert: body with tricky strings').body.includes('"CJK":"你好，世界"')) // raw UTF-8, not \u escapes
})

test('schema(): Accept-Profile on GET/HEAD, Content-Profile otherwise, neither without schema()', () => {
  for (const c of CHAINS) {
    const r = req(c.name)
    const read = r.method === 'GET' || r.method === 'HEAD'
    if (usesSchema(c)) {
      const schema = /\.schema\('([^']*)'\)/.exec(c.build.toString())[1]
      assert.equal(r.headers[read ? 'accept-profile' : 'content-profile'], schema, c.name)
      assert.equal(r.headers[read ? 'content-profile' : 'accept-profile'], undefined, c.name)
    } else {
      assert.equal(r.headers['accept-profile'], undefined, c.name)
      assert.equal(r.headers['content-profile'], undefined, c.name)
    }
  }
})

test('URL: base, path encoding, form-urlencoded query with nothing raw', () => {
  const base = DEFAULTS.url + '/'
  for (const c of CHAINS) {
    const { url } = req(c.name)
    assert.ok(url.startsWith(base), c.name)
    assert.ok(!url.includes('#'), `${c.name}: fragment in ${url}`)
    const [pathPart] = url.slice(base.length).split('?')
    assert.match(pathPart, /^(?:[A-Za-z0-9_/-]|%[0-9A-F]{2})+$/, c.name)
    const q = query(url)
    // application/x-www-form-urlencoded as URLSearchParams writes it: only alphanumerics and
    // * - . _ are left as they are, space is +, everything else is %XX with upper-case hex.
    assert.match(q, /^(?:[A-Za-z0-9*\-._+=&]|%[0-9A-F]{2})*$/, `${c.name}: ${q}`)
    if (q) {
      for (const pair of q.split('&')) assert.equal(pair.split('=').length, 2, `${c.name}: ${pair}`)
      // Re-serialising the parsed query gives the same bytes: nothing outside URLSearchParams' output.
      assert.equal(new URLSearchParams(q).toString(), q, c.name)
    }
  }
  assert.equal(req('select: table name with space (path)').url, base + 'my%20table?select=*') // %20 in the path
  assert.equal(req('select: CJK table name (path)').url, base + '%E5%BE%85%E5%8A%9E%E4%BA%8B%E9%A1%B9?select=id')
  assert.equal(req('rpc: no args').url, base + 'rpc/hello')
})

test('filter values: every tricky value round-trips and never appears raw', () => {
  for (const [name, v] of TRICKY) {
    const { url } = req(`eq: ${name}`)
    const params = [...new URL(url).searchParams]
    assert.deepEqual(
      params,
      [
        ['select', '*'],
        ['title', 'eq.' + wellFormed(v)],
      ],
      name,
    )
    if (/[^A-Za-z0-9*\-._]/.test(v))
      assert.ok(
        !query(url)
          .split('&')
          .includes('title=eq.' + v),
        `${name} sent raw`,
      )
    if (/[&#]/.test(v)) assert.ok(!/[#]/.test(url) && query(url).split('&').length === 2, `${name}: & or # raw`)
  }
  const q = (name) => query(req(name).url)
  assert.equal(q('eq: ampersand'), 'select=*&title=eq.a%26b')
  assert.equal(q('eq: ampersand and equals (parameter injection)'), 'select=*&title=eq.x%26id%3Dneq.0')
  assert.equal(q('eq: hash'), 'select=*&title=eq.a%23b')
  assert.equal(q('eq: plus'), 'select=*&title=eq.1%2B1')
  assert.equal(q('eq: spaces'), 'select=*&title=eq.+two++spaces+')
  assert.equal(q('eq: asterisk'), 'select=*&title=eq.a*b')
  assert.equal(q('eq: percent-encoded lookalike'), 'select=*&title=eq.%2526%253D%2520')
  assert.equal(q('eq: lone surrogate'), 'select=*&title=eq.%EF%BF%BDx') // U+FFFD
  assert.equal(q('eq: 1e21 (exponent with +)'), 'select=*&n=eq.1e%2B21')
  assert.equal(q('eq: null'), 'select=*&note=eq.null')
  assert.equal(q('eq: column name with space'), 'select=*&first+name=eq.x')
  assert.equal(q('eq: same column twice'), 'select=*&id=eq.1&id=eq.2')
})

test('PostgREST syntax as postgrest-js 2.x writes it', () => {
  const p = (name) => [...new URL(req(name).url).searchParams]
  assert.deepEqual(p('select: list with spaces'), [['select', 'id,title,done']])
  assert.deepEqual(p('select: quoted name keeps its spaces'), [['select', 'id,"first name"," padded "']])
  assert.deepEqual(p('insert: array with differing keys (columns=)'), [['columns', '"title","done","note"']])
  assert.deepEqual(p('upsert: onConflict with two columns'), [['on_conflict', 'a, b']])
  assert.deepEqual(p('in: reserved characters are double-quoted'), [
    ['select', '*'],
    ['title', 'in.("a,b","(c)","d)",plain)'],
  ])
  assert.deepEqual(p('in: duplicates'), [
    ['select', '*'],
    ['id', 'in.(1,2,3)'],
  ]) // de-duplicated
  assert.deepEqual(p('in: mixed types'), [
    ['select', '*'],
    ['x', 'in.(1,one,true,null,1.5)'],
  ])
  assert.deepEqual(p('contains: array with reserved characters'), [
    ['select', '*'],
    ['tags', 'cs.{a,b,(c),"d",&#}'],
  ]) // not quoted
  assert.deepEqual(p('contains: object (jsonb)'), [
    ['select', '*'],
    ['meta', 'cs.{"color":"red","size":2,"tags":["x"],"ok":true,"z":null}'],
  ])
  assert.deepEqual(p('likeAllOf: two patterns'), [
    ['select', '*'],
    ['title', 'like(all).{%a%,b*}'],
  ])
  assert.deepEqual(p('textSearch: websearch + config + CJK'), [
    ['select', '*'],
    ['body', 'wfts(zhparser).你好 世界'],
  ])
  assert.deepEqual(p('or: referencedTable'), [
    ['select', '*,users(*)'],
    ['users.or', '(name.eq.a,name.eq.b)'],
  ])
  assert.deepEqual(p('order: multiple'), [
    ['select', '*'],
    ['order', 'done.asc,priority.desc,id.asc.nullsfirst'],
  ])
  assert.deepEqual(p('range: referencedTable'), [
    ['select', '*,users(*)'],
    ['users.offset', '5'],
    ['users.limit', '10'],
  ])
  assert.deepEqual(p('range: then limit overrides limit'), [
    ['select', '*'],
    ['offset', '10'],
    ['limit', '3'],
  ])
  assert.deepEqual(p('match: undefined values skipped'), [
    ['select', '*'],
    ['id', 'eq.1'],
  ])
  assert.deepEqual(p('rpc: get with array arg'), [
    ['ids', '{1,2}'],
    ['tags', '{a,b,c d}'],
  ])
  assert.deepEqual(p('rpc: get with null and undefined args'), [['a', 'null']])
  assert.deepEqual(p('rpc: get with object arg'), [['o', '[object Object]']])
})

test('Prefer: appended entries joined by ", "; rpc head with an object argument uses ","', () => {
  const known =
    /^(count=(exact|planned|estimated)|return=(representation|minimal)|resolution=(merge|ignore)-duplicates|missing=default|tx=rollback)$/
  for (const c of CHAINS) {
    const prefer = req(c.name).headers.prefer
    if (prefer === undefined) continue
    for (const token of prefer.split(/, ?/)) assert.match(token, known, c.name)
  }
  const prefer = (name) => req(name).headers.prefer
  assert.equal(prefer('insert: object'), undefined) // no empty Prefer
  assert.equal(prefer('update: with eq'), undefined)
  assert.equal(prefer('delete: with eq'), undefined)
  assert.equal(prefer('select: *'), undefined)
  assert.equal(prefer('insert: object, then select'), 'return=representation')
  assert.equal(prefer('insert: count + defaultToNull false + select'), 'count=exact, missing=default, return=representation')
  assert.equal(
    prefer('upsert: every option'),
    'resolution=ignore-duplicates, count=estimated, missing=default, return=representation',
  )
  assert.equal(prefer('rollback: insert select count'), 'count=exact, return=representation, tx=rollback')
  assert.equal(prefer('rpc: select'), 'return=representation')
  assert.equal(prefer('rpc: count + select'), 'count=exact, return=representation')
  assert.equal(prefer('rpc: head with object arg (falls back to POST)'), 'return=minimal')
  assert.equal(prefer('rpc: head with array of objects arg + count'), 'count=exact,return=minimal')
  assert.equal(req('rpc: head with object arg (falls back to POST)').method, 'POST')
  assert.equal(req('rpc: head with array of scalars').method, 'HEAD')
})

test('Accept: single, csv, geojson, explain; maybeSingle sets none', () => {
  const accept = (name) => req(name).headers.accept
  assert.equal(accept('select: *'), undefined)
  assert.equal(accept('single: select'), 'application/vnd.pgrst.object+json')
  assert.equal(accept('maybeSingle: select'), undefined)
  assert.equal(accept('insert: select + maybeSingle'), undefined)
  assert.equal(accept('csv: select'), 'text/csv')
  assert.equal(accept('geojson: select'), 'application/geo+json')
  assert.equal(accept('explain: default'), 'application/vnd.pgrst.plan+text; for="application/json"; options=;')
  assert.equal(
    accept('explain: every option, json format'),
    'application/vnd.pgrst.plan+json; for="application/json"; options=analyze|verbose|settings|buffers|wal;',
  )
  assert.equal(accept('explain: after csv'), 'application/vnd.pgrst.plan+text; for="text/csv"; options=;')
})
