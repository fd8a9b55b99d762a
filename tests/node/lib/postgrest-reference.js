'use strict'
// The reference side of the PostgREST differential test (issue 5): for every builder chain our
// `supabase.from(...)` / `rpc(...)` / `schema(...)` sends, the method, URL, headers and body must
// be byte-identical to what @supabase/postgrest-js 2.x (a dev dependency) produces.
//
// How the differential test uses this module:
//
//   const { CHAINS, reference } = require('./lib/postgrest-reference')
//   for (const c of CHAINS) assert.deepEqual(await ours(c), await reference(c), c.name)
//
// where `ours(c)` runs `c.build(client)` on our SDK's client (the same supabase-js API: `from`,
// `rpc`, `schema`), awaits the builder with a transport that records the one request it makes,
// and returns it in the same shape as `reference`: `{ method, url, headers, body }` with `url`
// the full URL string, `headers` a plain object with lower-cased names in sorted order, and
// `body` the exact string sent, or null when there is none. Nothing else is normalised.
//
// `reference(c, opts)` takes the same options ours must be given: `url` (the REST base),
// `key` (sent as `apikey`), `token` (the `Authorization: Bearer` value; the key when absent),
// `headers` (extra client headers) and `schema` (the client's default schema: supabase-js's
// createClient passes `db.schema`, 'public' by default; the default here is none, so no
// Accept-Profile/Content-Profile unless a chain calls `schema()`).
//
// tests/node/fixtures/postgrest-reference.json holds `referenceAll()` with default options
// (regenerate it with `node scripts/gen-postgrest-reference.js`); the postgrest-reference test
// checks that it is up to date and asserts the properties of the reference that ours must share.
const { PostgrestClient } = require('@supabase/postgrest-js')
const POSTGREST_JS_VERSION = require('@supabase/postgrest-js/package.json').version

const DEFAULTS = { url: 'http://127.0.0.1:54321/rest/v1', key: 'anon-key' }

// ---------------------------------------------------------------------------------------------
// The table of chains. `build(client)` applies one chain and returns the (thenable) builder.

const CHAINS = []
function add(name, build) {
  if (CHAINS.some((c) => c.name === name)) throw new Error(`duplicate chain name: ${name}`)
  CHAINS.push({ name, build })
}

// Values that have broken or could break query-string encoding, PostgREST syntax or JSON.
const TRICKY = [
  ['ampersand', 'a&b'],
  ['equals', 'a=b'],
  ['ampersand and equals (parameter injection)', 'x&id=neq.0'],
  ['comma', 'a,b'],
  ['parentheses', '(a)'],
  ['double quotes', 'say "hi"'],
  ['single quote', "it's"],
  ['hash', 'a#b'],
  ['percent', '100%'],
  ['percent-encoded lookalike', '%26%3D%20'],
  ['plus', '1+1'],
  ['spaces', ' two  spaces '],
  ['newline, tab, CR', 'line1\nline2\tend\r'],
  ['backslash', 'C:\\path\\to'],
  ['asterisk', 'a*b'],
  ['dots', 'a.b.c'],
  ['colon', '12:30:00'],
  ['CJK', '你好，世界'],
  ['emoji with modifier', '👍🏽 ok'],
  ['query lookalike', '?select=*&id=eq.1'],
  ['operator lookalike', 'eq.1'],
  ['tilde slash semicolon', '~/a;b'],
  ['brackets and braces', '[1]{2}<3>'],
  ['empty string', ''],
  ['lone surrogate', '\ud800x'],
  ['NUL', 'a\u0000b'],
  ['line separator U+2028', 'a\u2028b'],
  ['all ASCII punctuation', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'],
]
const SOME_TRICKY = ['ampersand', 'hash', 'comma', 'CJK', 'all ASCII punctuation'].map((n) => TRICKY.find(([name]) => name === n))

// select: columns
add('select: default (no columns)', (c) => c.from('todos').select())
add('select: *', (c) => c.from('todos').select('*'))
add('select: list with spaces', (c) => c.from('todos').select('id, title ,  done'))
add('select: newlines and tabs stripped', (c) => c.from('todos').select('id,\n\ttitle,\r\n  done'))
add('select: quoted name keeps its spaces', (c) => c.from('todos').select('id, "first name", " padded "'))
add('select: quoted name with comma', (c) => c.from('todos').select('"a,b", id'))
add('select: embedded resource', (c) => c.from('todos').select('id, author:users ( name, email )'))
add('select: inner join and hint', (c) => c.from('todos').select('id, users!inner(name), tags!todo_tags(*)'))
add('select: json path and cast', (c) => c.from('todos').select('id, meta->>color, meta->size::int'))
add('select: aggregate', (c) => c.from('todos').select('count(), done'))
add('select: spread and alias', (c) => c.from('todos').select('...users(name), t:title'))
add('select: CJK column', (c) => c.from('todos').select('标题, "备 注"'))
add('select: count exact', (c) => c.from('todos').select('*', { count: 'exact' }))
add('select: count planned', (c) => c.from('todos').select('*', { count: 'planned' }))
add('select: count estimated', (c) => c.from('todos').select('*', { count: 'estimated' }))
add('select: head + count exact', (c) => c.from('todos').select('*', { count: 'exact', head: true }))
add('select: head without count', (c) => c.from('todos').select('id', { head: true }))
add('select: head + count + filter', (c) => c.from('todos').select('*', { count: 'planned', head: true }).eq('done', false))
add('select: table name with space (path)', (c) => c.from('my table').select())
add('select: CJK table name (path)', (c) => c.from('待办事项').select('id'))

// insert
add('insert: object', (c) => c.from('todos').insert({ title: 'a', done: false }))
add('insert: object, then select', (c) => c.from('todos').insert({ title: 'a' }).select())
add('insert: object, then select columns', (c) => c.from('todos').insert({ title: 'a' }).select('id, title'))
add('insert: array with same keys', (c) =>
  c.from('todos').insert([
    { title: 'a', done: true },
    { title: 'b', done: false },
  ]),
)
add('insert: array with differing keys (columns=)', (c) =>
  c.from('todos').insert([{ title: 'a' }, { done: true, title: 'b' }, { note: null }]),
)
add('insert: array with quoted-worthy keys', (c) => c.from('todos').insert([{ 'first name': 'x' }, { 'a,b': 1, 标题: '中' }]))
add('insert: empty array', (c) => c.from('todos').insert([]))
add('insert: array of one empty object', (c) => c.from('todos').insert([{}]))
add('insert: count exact', (c) => c.from('todos').insert({ title: 'a' }, { count: 'exact' }))
add('insert: defaultToNull false', (c) => c.from('todos').insert({ title: 'a' }, { defaultToNull: false }))
add('insert: count + defaultToNull false', (c) =>
  c.from('todos').insert([{ title: 'a' }, { done: true }], { count: 'planned', defaultToNull: false }),
)
add('insert: count + defaultToNull false + select', (c) =>
  c.from('todos').insert({ title: 'a' }, { count: 'exact', defaultToNull: false }).select(),
)
add('insert: select + single', (c) => c.from('todos').insert({ title: 'a' }).select().single())
add('insert: select + maybeSingle', (c) => c.from('todos').insert({ title: 'a' }).select().maybeSingle())
add('insert: body with every JSON type', (c) =>
  c.from('todos').insert({
    s: 'text',
    n: 1.5,
    neg: -0,
    big: 2 ** 53,
    exp: 1e21,
    t: true,
    f: false,
    z: null,
    u: undefined,
    arr: [1, 'two', null, [3]],
    obj: { nested: { deep: [] } },
    at: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)),
  }),
)
add('insert: body with tricky strings', (c) => c.from('todos').insert(Object.fromEntries(TRICKY.map(([name, v]) => [name, v]))))
add('insert: body with tricky keys', (c) => c.from('todos').insert({ 'a"b': 1, 'c\\d': 2, 'e\nf': 3, '': 4, '👍': 5 }))
add('insert: schema app', (c) => c.schema('app').from('todos').insert({ title: 'a' }))

// upsert
add('upsert: object', (c) => c.from('todos').upsert({ id: 1, title: 'a' }))
add('upsert: onConflict', (c) => c.from('todos').upsert({ id: 1, title: 'a' }, { onConflict: 'id' }))
add('upsert: onConflict with two columns', (c) => c.from('todos').upsert({ a: 1, b: 2 }, { onConflict: 'a, b' }))
add('upsert: ignoreDuplicates', (c) => c.from('todos').upsert({ id: 1 }, { onConflict: 'id', ignoreDuplicates: true }))
add('upsert: ignoreDuplicates false explicitly', (c) => c.from('todos').upsert({ id: 1 }, { ignoreDuplicates: false }))
add('upsert: defaultToNull false', (c) => c.from('todos').upsert({ id: 1 }, { defaultToNull: false }))
add('upsert: count exact', (c) => c.from('todos').upsert({ id: 1 }, { count: 'exact' }))
add('upsert: every option', (c) =>
  c
    .from('todos')
    .upsert([{ id: 1 }, { id: 2, title: 'b' }], {
      onConflict: 'id',
      ignoreDuplicates: true,
      count: 'estimated',
      defaultToNull: false,
    })
    .select('id'),
)
add('upsert: array with differing keys + select', (c) =>
  c
    .from('todos')
    .upsert([
      { id: 1, title: 'a' },
      { id: 2, done: true },
    ])
    .select(),
)
add('upsert: schema app + onConflict', (c) => c.schema('app').from('todos').upsert({ id: 1 }, { onConflict: 'id' }))

// update
add('update: with eq', (c) => c.from('todos').update({ done: true }).eq('id', 1))
add('update: no filter', (c) => c.from('todos').update({ done: true }))
add('update: count exact', (c) => c.from('todos').update({ done: true }, { count: 'exact' }).eq('id', 1))
add('update: select', (c) => c.from('todos').update({ title: 'x' }).eq('id', 1).select())
add('update: count + select + single', (c) =>
  c.from('todos').update({ title: 'x' }, { count: 'planned' }).eq('id', 1).select('id').single(),
)
add('update: tricky body and filter', (c) =>
  c
    .from('todos')
    .update({ title: 'a&b #1 "q" 你好\n', tags: ['x,y', '(z)'] })
    .eq('title', 'a&b #1'),
)
add('update: several filters', (c) =>
  c.from('todos').update({ done: false }).in('id', [1, 2, 3]).lt('priority', 5).is('deleted_at', null),
)
add('update: schema app', (c) => c.schema('app').from('todos').update({ done: true }).eq('id', 1))

// delete
add('delete: with eq', (c) => c.from('todos').delete().eq('id', 1))
add('delete: no filter', (c) => c.from('todos').delete())
add('delete: count exact', (c) => c.from('todos').delete({ count: 'exact' }).eq('id', 1))
add('delete: select', (c) => c.from('todos').delete().eq('id', 1).select())
add('delete: in + select + maybeSingle', (c) => c.from('todos').delete().in('id', [1]).select('id').maybeSingle())
add('delete: tricky filters', (c) => c.from('todos').delete().eq('title', 'a&b=c').neq('note', '#x').like('path', '%/tmp/%'))
add('delete: schema app', (c) => c.schema('app').from('todos').delete().eq('id', 1))

// eq with every tricky value, and with non-strings
for (const [name, v] of TRICKY) add(`eq: ${name}`, (c) => c.from('todos').select().eq('title', v))
add('eq: integer', (c) => c.from('todos').select().eq('id', 42))
add('eq: negative float', (c) => c.from('todos').select().eq('score', -1.5))
add('eq: 2^53', (c) =>
  c
    .from('todos')
    .select()
    .eq('id', 2 ** 53),
)
add('eq: 1e21 (exponent with +)', (c) => c.from('todos').select().eq('n', 1e21))
add('eq: 1e-7', (c) => c.from('todos').select().eq('n', 1e-7))
add('eq: true', (c) => c.from('todos').select().eq('done', true))
add('eq: false', (c) => c.from('todos').select().eq('done', false))
add('eq: null', (c) => c.from('todos').select().eq('note', null))
add('eq: ISO timestamp with offset', (c) => c.from('todos').select().eq('created_at', '2024-01-02T03:04:05.678+08:00'))
add('eq: uuid', (c) => c.from('todos').select().eq('id', '123e4567-e89b-12d3-a456-426614174000'))
add('eq: column name with space', (c) => c.from('todos').select().eq('first name', 'x'))
add('eq: CJK column name', (c) => c.from('todos').select().eq('标题', '值'))
add('eq: json path column', (c) => c.from('todos').select().eq('meta->>color', 'red'))
add('eq: embedded column', (c) => c.from('todos').select('*, users(*)').eq('users.name', 'Ann'))
add('eq: same column twice', (c) => c.from('todos').select().eq('id', 1).eq('id', 2))

// the other comparison filters
for (const op of ['neq', 'gt', 'gte', 'lt', 'lte']) {
  add(`${op}: number`, (c) => c.from('todos').select()[op]('priority', 3))
  add(`${op}: timestamp`, (c) => c.from('todos').select()[op]('created_at', '2024-01-01T00:00:00+00:00'))
  add(`${op}: ampersand and hash`, (c) => c.from('todos').select()[op]('title', 'a&b#c'))
}
for (const op of ['like', 'ilike']) {
  add(`${op}: wildcards * and %`, (c) => c.from('todos').select()[op]('title', '*abc%'))
  add(`${op}: spaces and CJK`, (c) => c.from('todos').select()[op]('title', '%你 好%'))
  add(`${op}: reserved characters`, (c) => c.from('todos').select()[op]('title', '%a,(b)&c=d#e%'))
}
for (const op of ['likeAllOf', 'likeAnyOf', 'ilikeAllOf', 'ilikeAnyOf']) {
  add(`${op}: two patterns`, (c) => c.from('todos').select()[op]('title', ['%a%', 'b*']))
  add(`${op}: reserved characters in patterns`, (c) => c.from('todos').select()[op]('title', ['%a,b%', '(c)&d', '"e"#']))
}
add('likeAnyOf: single pattern', (c) => c.from('todos').select().likeAnyOf('title', ['%x%']))
add('likeAllOf: empty list', (c) => c.from('todos').select().likeAllOf('title', []))

// is
add('is: null', (c) => c.from('todos').select().is('deleted_at', null))
add('is: true', (c) => c.from('todos').select().is('done', true))
add('is: false', (c) => c.from('todos').select().is('done', false))

// in
add('in: numbers', (c) => c.from('todos').select().in('id', [1, 2, 3]))
add('in: strings', (c) => c.from('todos').select().in('title', ['a', 'b']))
add('in: reserved characters are double-quoted', (c) => c.from('todos').select().in('title', ['a,b', '(c)', 'd)', 'plain']))
add('in: quotes, ampersand, hash, CJK', (c) => c.from('todos').select().in('title', ['say "hi"', 'a&b', 'a#b', '你好', "it's"]))
add('in: quote inside a quoted value', (c) => c.from('todos').select().in('title', ['a"b,c']))
add('in: duplicates', (c) => c.from('todos').select().in('id', [1, 2, 1, 2, 3]))
add('in: mixed types', (c) => c.from('todos').select().in('x', [1, 'one', true, null, 1.5]))
add('in: empty list', (c) => c.from('todos').select().in('id', []))
add('in: single value with spaces', (c) => c.from('todos').select().in('title', [' spaced out ']))

// contains / containedBy / overlaps
for (const method of ['contains', 'containedBy']) {
  add(`${method}: array of strings`, (c) => c.from('todos').select()[method]('tags', ['a', 'b']))
  add(`${method}: array with reserved characters`, (c) => c.from('todos').select()[method]('tags', ['a,b', '(c)', '"d"', '&#']))
  add(`${method}: array of numbers`, (c) => c.from('todos').select()[method]('nums', [1, 2.5, -3]))
  add(`${method}: object (jsonb)`, (c) =>
    c
      .from('todos')
      .select()
      [method]('meta', { color: 'red', size: 2, tags: ['x'], ok: true, z: null }),
  )
  add(`${method}: object with tricky strings`, (c) => c.from('todos').select()[method]('meta', { 'k&1': 'v#1', 中: '"q"\n' }))
  add(`${method}: string (range/literal)`, (c) => c.from('todos').select()[method]('period', '[1,5)'))
  add(`${method}: empty array`, (c) => c.from('todos').select()[method]('tags', []))
}
add('overlaps: array', (c) => c.from('todos').select().overlaps('tags', ['a', 'b c']))
add('overlaps: array with reserved characters', (c) => c.from('todos').select().overlaps('tags', ['a,b', '#x']))
add('overlaps: range string', (c) => c.from('todos').select().overlaps('period', '[2024-01-01,2024-02-01)'))

// range operators
for (const op of ['rangeGt', 'rangeGte', 'rangeLt', 'rangeLte', 'rangeAdjacent']) {
  add(`${op}: integer range`, (c) => c.from('todos').select()[op]('period', '[1,5)'))
  add(`${op}: timestamp range`, (c) => c.from('todos').select()[op]('during', '[2024-01-01 00:00:00+08,2024-01-02 00:00:00+08]'))
}
add('rangeGt: unbounded range', (c) => c.from('todos').select().rangeGt('period', '(,10]'))

// textSearch
add('textSearch: no options', (c) => c.from('todos').select().textSearch('body', "'fat' & 'rat'"))
add('textSearch: config only', (c) => c.from('todos').select().textSearch('body', 'fat & rat', { config: 'english' }))
add('textSearch: plain', (c) => c.from('todos').select().textSearch('body', 'fat rat', { type: 'plain' }))
add('textSearch: phrase', (c) => c.from('todos').select().textSearch('body', 'fat rat', { type: 'phrase' }))
add('textSearch: websearch', (c) => c.from('todos').select().textSearch('body', '"fat rat" or cat -dog', { type: 'websearch' }))
add('textSearch: plain + config', (c) => c.from('todos').select().textSearch('body', 'fat', { type: 'plain', config: 'english' }))
add('textSearch: phrase + config', (c) =>
  c.from('todos').select().textSearch('body', 'fat rat', { type: 'phrase', config: 'simple' }),
)
add('textSearch: websearch + config + CJK', (c) =>
  c.from('todos').select().textSearch('body', '你好 世界', { type: 'websearch', config: 'zhparser' }),
)
add('textSearch: reserved characters', (c) => c.from('todos').select().textSearch('body', "a:* & !(b | c) <-> 'd#e'"))

// match
add('match: several columns', (c) => c.from('todos').select().match({ id: 1, done: true, title: 'a b' }))
add('match: undefined values skipped', (c) => c.from('todos').select().match({ id: 1, note: undefined }))
add('match: null and tricky', (c) => c.from('todos').select().match({ note: null, title: 'a&b=c#d', 标题: '中' }))
add('match: empty object', (c) => c.from('todos').select().match({}))

// not
add('not: is null', (c) => c.from('todos').select().not('deleted_at', 'is', null))
add('not: eq tricky', (c) => c.from('todos').select().not('title', 'eq', 'a&b#c'))
add('not: in list string', (c) => c.from('todos').select().not('id', 'in', '(1,2,3)'))
add('not: cs array literal', (c) => c.from('todos').select().not('tags', 'cs', '{a,b}'))
add('not: like', (c) => c.from('todos').select().not('title', 'like', '%x%'))
add('not: fts with config', (c) => c.from('todos').select().not('body', 'fts(english)', 'fat'))
add('not: number', (c) => c.from('todos').select().not('priority', 'gt', 5))

// or
add('or: simple', (c) => c.from('todos').select().or('id.eq.1,id.eq.2'))
add('or: nested and', (c) => c.from('todos').select().or('done.is.true,and(priority.gt.3,title.like.*x*)'))
add('or: tricky values', (c) => c.from('todos').select().or('title.eq."a,b",title.eq.a&b,note.eq.#1'))
add('or: spaces and CJK', (c) => c.from('todos').select().or('title.eq.你 好,title.ilike.*世界*'))
add('or: referencedTable', (c) => c.from('todos').select('*, users(*)').or('name.eq.a,name.eq.b', { referencedTable: 'users' }))
add('or: foreignTable (deprecated alias)', (c) =>
  c.from('todos').select('*, users(*)').or('name.eq.a', { foreignTable: 'users' }),
)
add('or: twice', (c) => c.from('todos').select().or('id.eq.1,id.eq.2').or('done.is.true,done.is.null'))
add('or: with other filters', (c) => c.from('todos').select().eq('user_id', 'u1').or('a.eq.1,b.eq.2'))

// filter
add('filter: eq', (c) => c.from('todos').select().filter('id', 'eq', 1))
add('filter: in list string', (c) => c.from('todos').select().filter('title', 'in', '("a,b",c)'))
add('filter: cs', (c) => c.from('todos').select().filter('tags', 'cs', '{a,b}'))
add('filter: not.eq operator', (c) => c.from('todos').select().filter('title', 'not.eq', 'a&b'))
add('filter: fts with config', (c) => c.from('todos').select().filter('body', 'wfts(english)', 'a b'))
add('filter: null value', (c) => c.from('todos').select().filter('note', 'is', null))
add('filter: tricky', (c) => c.from('todos').select().filter('title', 'like', '%#&=+ %'))

// tricky values across the other filters
for (const [name, v] of SOME_TRICKY) {
  add(`neq: ${name}`, (c) => c.from('todos').select().neq('title', v))
  add(`ilike: ${name}`, (c) => c.from('todos').select().ilike('title', v))
  add(`not eq: ${name}`, (c) => c.from('todos').select().not('title', 'eq', v))
  add(`filter eq: ${name}`, (c) => c.from('todos').select().filter('title', 'eq', v))
  add(`in: ${name}`, (c) => c.from('todos').select().in('title', [v, 'x']))
  add(`textSearch websearch: ${name}`, (c) => c.from('todos').select().textSearch('body', v, { type: 'websearch' }))
}

// order
add('order: default ascending', (c) => c.from('todos').select().order('id'))
add('order: descending', (c) => c.from('todos').select().order('id', { ascending: false }))
add('order: nullsFirst true', (c) => c.from('todos').select().order('due', { nullsFirst: true }))
add('order: nullsFirst false', (c) => c.from('todos').select().order('due', { ascending: false, nullsFirst: false }))
add('order: multiple', (c) =>
  c.from('todos').select().order('done').order('priority', { ascending: false }).order('id', { nullsFirst: true }),
)
add('order: referencedTable', (c) =>
  c.from('todos').select('*, users(*)').order('name', { referencedTable: 'users', ascending: false }),
)
add('order: foreignTable (deprecated alias)', (c) =>
  c.from('todos').select('*, users(*)').order('name', { foreignTable: 'users' }),
)
add('order: top-level and referenced mixed', (c) =>
  c
    .from('todos')
    .select('*, users(*)')
    .order('id')
    .order('name', { referencedTable: 'users' })
    .order('email', { referencedTable: 'users', nullsFirst: false }),
)
add('order: json path column', (c) => c.from('todos').select().order('meta->>rank', { ascending: false }))

// limit / range
add('limit: 10', (c) => c.from('todos').select().limit(10))
add('limit: 0', (c) => c.from('todos').select().limit(0))
add('limit: referencedTable', (c) => c.from('todos').select('*, users(*)').limit(2, { referencedTable: 'users' }))
add('limit: foreignTable (deprecated alias)', (c) => c.from('todos').select('*, users(*)').limit(3, { foreignTable: 'users' }))
add('limit: twice (last wins)', (c) => c.from('todos').select().limit(5).limit(7))
add('range: 0..9', (c) => c.from('todos').select().range(0, 9))
add('range: 20..29', (c) => c.from('todos').select().range(20, 29))
add('range: referencedTable', (c) => c.from('todos').select('*, users(*)').range(5, 14, { referencedTable: 'users' }))
add('range: then limit overrides limit', (c) => c.from('todos').select().range(10, 19).limit(3))
add('limit: then range overrides limit', (c) => c.from('todos').select().limit(3).range(10, 19))
add('range + order + filter', (c) =>
  c.from('todos').select('id,title').eq('done', false).order('id', { ascending: false }).range(0, 24),
)

// single / maybeSingle / csv / geojson / explain / rollback / returns / abortSignal / throwOnError
add('single: select', (c) => c.from('todos').select().eq('id', 1).single())
add('maybeSingle: select', (c) => c.from('todos').select().eq('id', 1).maybeSingle())
add('single: update select', (c) => c.from('todos').update({ done: true }).eq('id', 1).select().single())
add('maybeSingle: upsert select', (c) => c.from('todos').upsert({ id: 1 }).select().maybeSingle())
add('csv: select', (c) => c.from('todos').select().csv())
add('csv: with filters and order', (c) => c.from('todos').select('id,title').eq('done', true).order('id').csv())
add('geojson: select', (c) => c.from('places').select().geojson())
add('explain: default', (c) => c.from('todos').select().explain())
add('explain: every option, json format', (c) =>
  c.from('todos').select().explain({ analyze: true, verbose: true, settings: true, buffers: true, wal: true, format: 'json' }),
)
add('explain: analyze only', (c) => c.from('todos').select().explain({ analyze: true }))
add('explain: after csv', (c) => c.from('todos').select().csv().explain({ format: 'text' }))
add('explain: after single', (c) => c.from('todos').select().single().explain({ verbose: true }))
add('rollback: select', (c) => c.from('todos').select().rollback())
add('rollback: insert', (c) => c.from('todos').insert({ title: 'a' }).rollback())
add('rollback: insert select count', (c) => c.from('todos').insert({ title: 'a' }, { count: 'exact' }).select().rollback())
add('returns: select', (c) => c.from('todos').select().returns())
add('returns: after single', (c) => c.from('todos').select().eq('id', 1).single().returns())
add('abortSignal: not aborted', (c) => c.from('todos').select().abortSignal(new AbortController().signal))
add('throwOnError: select', (c) => c.from('todos').select().throwOnError())

// rpc
add('rpc: no args', (c) => c.rpc('hello'))
add('rpc: empty args', (c) => c.rpc('hello', {}))
add('rpc: scalar args', (c) => c.rpc('add', { a: 1, b: 2.5, ok: true, none: null, s: 'x' }))
add('rpc: tricky args', (c) => c.rpc('echo', { say: 'a&b=c #% "q" \'s\' 你好 👋 \\ \n' }))
add('rpc: array and object args', (c) => c.rpc('bulk', { arr: [1, 2, 3], obj: { k: ['v'] }, u: undefined }))
add('rpc: CJK function name (path)', (c) => c.rpc('问候', { 名字: '世界' }))
add('rpc: count exact', (c) => c.rpc('list', {}, { count: 'exact' }))
add('rpc: head', (c) => c.rpc('list', { a: 1, s: 'x y&z' }, { head: true }))
add('rpc: head + count', (c) => c.rpc('list', { a: 1 }, { head: true, count: 'planned' }))
add('rpc: head with object arg (falls back to POST)', (c) => c.rpc('find', { filter: { a: 1 } }, { head: true }))
add('rpc: head with array of objects arg + count', (c) => c.rpc('find', { rows: [{ a: 1 }] }, { head: true, count: 'exact' }))
add('rpc: head with array of scalars', (c) => c.rpc('list', { ids: [1, 2, 3] }, { head: true }))
add('rpc: get', (c) => c.rpc('hello', undefined, { get: true }))
add('rpc: get with args', (c) => c.rpc('search', { q: 'a&b #c', n: 5, ok: false }, { get: true }))
add('rpc: get with array arg', (c) => c.rpc('search', { ids: [1, 2], tags: ['a,b', 'c d'] }, { get: true }))
add('rpc: get with null and undefined args', (c) => c.rpc('search', { a: null, b: undefined }, { get: true }))
add('rpc: get with object arg', (c) => c.rpc('search', { o: { k: 1 } }, { get: true }))
add('rpc: get + count', (c) => c.rpc('search', { q: 'x' }, { get: true, count: 'estimated' }))
add('rpc: filters and modifiers', (c) =>
  c.rpc('list_todos', { uid: 'u1' }).eq('done', false).gt('priority', 1).order('id').limit(5),
)
add('rpc: select', (c) => c.rpc('list_todos').select('id, title'))
add('rpc: count + select', (c) => c.rpc('list_todos', {}, { count: 'exact' }).select())
add('rpc: single', (c) => c.rpc('list_todos').eq('id', 1).single())
add('rpc: maybeSingle', (c) => c.rpc('list_todos').maybeSingle())
add('rpc: get + filters + range', (c) => c.rpc('list_todos', { uid: 'u 1' }, { get: true }).in('id', [1, 2]).range(0, 4))
add('rpc: csv', (c) => c.rpc('list_todos').csv())

// schema
add('schema: select', (c) => c.schema('app').from('todos').select())
add('schema: head count', (c) => c.schema('app').from('todos').select('*', { head: true, count: 'exact' }))
add('schema: rpc', (c) => c.schema('app').rpc('hello', { a: 1 }))
add('schema: rpc get', (c) => c.schema('app').rpc('hello', { a: 1 }, { get: true }))
add('schema: rpc head', (c) => c.schema('app').rpc('hello', {}, { head: true }))
add('schema: select single', (c) => c.schema('app').from('todos').select('id').eq('id', 1).single())
add('schema: public explicitly', (c) => c.schema('public').from('todos').select())
add('schema: another schema name', (c) => c.schema('my_schema2').from('t').select())

// long chains mixing everything
add('mix: select with everything', (c) =>
  c
    .from('todos')
    .select('id, title, users!inner(name)', { count: 'exact' })
    .eq('users.name', 'Ann & Bob')
    .neq('title', '')
    .in('priority', [1, 2])
    .contains('tags', ['a'])
    .or('done.is.false,due.lt.2024-01-01', { referencedTable: undefined })
    .not('note', 'is', null)
    .order('priority', { ascending: false, nullsFirst: false })
    .order('id')
    .range(0, 9),
)
add('mix: upsert, filter, select, order, limit, single', (c) =>
  c
    .from('todos')
    .upsert({ id: 1, title: '#1' }, { onConflict: 'id', count: 'exact' })
    .eq('id', 1)
    .select('id')
    .order('id')
    .limit(1)
    .single(),
)
add('mix: schema, update, match, select, csv', (c) =>
  c.schema('app').from('todos').update({ done: true }).match({ user_id: 'u1', done: false }).select('id').csv(),
)

// ---------------------------------------------------------------------------------------------
// The reference: run a chain on postgrest-js with a fetch that records instead of sending.

function recordHeaders(h) {
  const out = {}
  const put = (name, value) => {
    const lower = String(name).toLowerCase()
    if (Object.hasOwn(out, lower)) throw new Error(`header sent twice: ${lower}`)
    out[lower] = value
  }
  if (h == null) {
    // no headers
  } else if (typeof h.forEach === 'function' && !Array.isArray(h)) {
    h.forEach((value, name) => {
      put(name, value)
    })
  } else if (Array.isArray(h)) {
    for (const [name, value] of h) put(name, value)
  } else {
    for (const name of Object.keys(h)) put(name, h[name])
  }
  const sorted = {}
  for (const name of Object.keys(out).sort()) sorted[name] = out[name]
  return sorted
}

async function reference(chain, { url = DEFAULTS.url, key = DEFAULTS.key, token, headers, schema } = {}) {
  const build = typeof chain === 'function' ? chain : chain.build
  const requests = []
  let recordError = null
  // Never throws (postgrest-js retries a GET whose fetch rejects): a failure to record is kept
  // and rethrown below.
  const fetch = async (input, init = {}) => {
    try {
      const body = init.body === undefined || init.body === null ? null : init.body
      if (body !== null && typeof body !== 'string') throw new Error(`non-string body: ${typeof body}`)
      requests.push({
        method: init.method === undefined ? 'GET' : init.method,
        url: typeof input === 'string' ? input : String(input && input.url !== undefined ? input.url : input),
        headers: recordHeaders(init.headers),
        body,
      })
    } catch (e) {
      recordError = recordError || e
    }
    return new Response('[]', {
      status: 200,
      statusText: 'OK',
      headers: { 'content-type': 'application/json; charset=utf-8', 'content-range': '0-0/1' },
    })
  }
  const client = new PostgrestClient(url, {
    headers: { apikey: key, Authorization: 'Bearer ' + (token || key), ...headers },
    schema,
    fetch,
  })
  const result = await build(client)
  if (recordError) throw recordError
  if (requests.length !== 1) {
    throw new Error(
      `expected exactly one request, got ${requests.length}` +
        (result && result.error ? `: ${JSON.stringify(result.error)}` : ''),
    )
  }
  return requests[0]
}

async function referenceAll(opts) {
  const out = []
  for (const chain of CHAINS) out.push({ name: chain.name, request: await reference(chain, opts) })
  return out
}

module.exports = { CHAINS, TRICKY, reference, referenceAll, POSTGREST_JS_VERSION, DEFAULTS }
