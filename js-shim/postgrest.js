'use strict'
const { alias, sizeOf, boundedMap, defineMethods } = require('./util.js')
// `supabase.from(...)`, `rpc(...)`, `schema(...)`: builders with the API of postgrest-js 2.x that
// record the caller's calls as a chain (see src/data/rest/mod.rs for its format). Each `await` hands
// the chain to the wasm core, which builds method, URL and headers and decides the result from
// the reply's status and headers; the rows (request body and reply) stay here.
//
// What this file does with values is JavaScript's part of postgrest-js: `${value}`, the items of
// `Array.prototype.join`, `JSON.stringify`, `new Set()` de-duplication, default parameters and
// truthiness. Operators, quoting and headers are the core's.

// An item of Array.prototype.join: null and undefined are empty, the rest `${item}`.
const item = (v) => (v === null || v === undefined ? '' : `${v}`)
// `list.join(',')`'s items (an array-like with its own join counts as one item).
const items = (list) => (Array.isArray(list) ? boundedMap(list, item, MAX_REQUEST) : [`${list.join(',')}`])
// `${v}` unless v is undefined (the option is then absent).
const opt = (v) => (v === undefined ? null : `${v}`)
// match()'s [column, `${value}`] (null: undefined, left out) of its keys (a string's: indices, only the first MAX_REQUEST fit).
const pairOf = (column, v) => (v === undefined ? null : [column, `${v}`])
const matchKeys = (q) => Object.keys(typeof q === 'string' ? q.slice(0, MAX_REQUEST) : q)
// A referenced table given as `referencedTable`, or the deprecated `foreignTable`.
const tableOf = (o) => (o.referencedTable === undefined ? o.foreignTable : o.referencedTable)
const isObject = (v) => v !== null && typeof v === 'object' && (!Array.isArray(v) || v.some(isObject))
const bigintAsString = (_, value) => (typeof value === 'bigint' ? value.toString() : value)

class PostgrestClient {
  // `schema`: undefined (the client's db.schema), null (schema(undefined): none) or a string.
  constructor(driver, schema) {
    this._driver = driver
    this._schema = schema
  }

  /** `from('todos')`: a query builder. */
  from(relation) {
    if (!relation || typeof relation !== 'string' || relation.trim() === '') {
      throw new Error('Invalid relation name: relation must be a non-empty string.')
    }
    return new PostgrestQueryBuilder(this._driver, this._schema, relation)
  }

  /** `schema('other')`: `from` and `rpc` against another exposed schema. */
  schema(schema) {
    return new PostgrestClient(this._driver, schema === undefined ? null : `${schema}`)
  }

  /** `rpc('fn', args, { head, get, count })`: call a Postgres function. */
  rpc(fn, args = {}, { head = false, get = false, count } = {}) {
    // Object.keys where postgrest-js has Object.values / entries (as it, only with head or get).
    const objectArg = !!head && Object.keys(args).some((name) => isObject(args[name]))
    let params = null
    let body
    if (objectArg) body = args
    else if (head || get) {
      params = Object.keys(args)
        .filter((name) => args[name] !== undefined)
        .map((name) => [name, Array.isArray(args[name]) ? items(args[name]) : `${args[name]}`])
    } else body = args
    const start = ['rpc', `${fn}`, !!head, !!get, count ? `${count}` : null, objectArg, params]
    return new PostgrestFilterBuilder(this._driver, this._schema, start, body)
  }
}

class PostgrestQueryBuilder {
  constructor(driver, schema, relation) {
    this._driver = driver
    this._schema = schema
    this._relation = relation
  }

  _verb(op, body) {
    const b = new PostgrestFilterBuilder(this._driver, this._schema, ['from', this._relation], body)
    b._ops.push(op)
    return b
  }

  select(columns, options) {
    const { head = false, count } = options !== null && options !== undefined ? options : {}
    return this._verb(['select', columnsOf(columns), !!head, count ? `${count}` : null])
  }

  insert(values, { count, defaultToNull = true } = {}) {
    return this._verb(['insert', count ? `${count}` : null, !!defaultToNull, keysOf(values)], values)
  }

  upsert(values, { onConflict, ignoreDuplicates = false, count, defaultToNull = true } = {}) {
    const op = ['upsert', count ? `${count}` : null, !!defaultToNull, keysOf(values), opt(onConflict), !!ignoreDuplicates]
    return this._verb(op, values)
  }

  update(values, { count } = {}) {
    return this._verb(['update', count ? `${count}` : null], values)
  }

  delete({ count } = {}) {
    return this._verb(['delete', count ? `${count}` : null])
  }
}

// `select()`'s columns: '*' by default; a non-string throws as in postgrest-js (`.split`).
function columnsOf(columns) {
  const c = columns !== null && columns !== undefined ? columns : '*'
  return typeof c === 'string' ? c : `${c.split('').join('')}`
}

// The distinct keys of an array of rows, in first-seen order (`columns=`); null for one row.
function keysOf(values) {
  if (!Array.isArray(values)) return null
  return Array.from(new Set(values.reduce((acc, x) => acc.concat(Object.keys(x)), [])))
}

class PostgrestFilterBuilder {
  constructor(driver, schema, start, body) {
    this._driver = driver
    this._schema = schema
    this._start = start
    this._body = body
    this._ops = []
    this._throw = false
    this._signal = undefined
  }

  _op(op) {
    this._ops.push(op)
    return this
  }

  // ---- filters (the ones that only record their arguments: FILTERS below) ----
  overlaps(column, value) {
    return this._op(['overlaps', `${column}`, typeof value === 'string' ? value : items(value)])
  }
  textSearch(column, query, { config, type } = {}) {
    return this._op(['textSearch', `${column}`, `${query}`, typeof type === 'string' ? type : null, opt(config)])
  }
  match(query) {
    return this._op(['match', boundedMap(matchKeys(query), (k) => pairOf(k, query[k]), MAX_REQUEST)])
  }
  or(filters, options = {}) {
    const table = tableOf(options)
    return this._op(['or', `${filters}`, table ? `${table}` : null])
  }

  // ---- modifiers (and FILTERS' last lines) ----
  select(columns) {
    return this._op(['select', columnsOf(columns)])
  }
  order(column, options = {}) {
    const { ascending = true, nullsFirst } = options
    const table = tableOf(options)
    const nulls = nullsFirst === undefined ? null : !!nullsFirst
    return this._op(['order', `${column}`, !!ascending, nulls, table ? `${table}` : null])
  }
  limit(rows, options = {}) {
    return this._op(['limit', `${rows}`, opt(tableOf(options))])
  }
  range(from, to, options = {}) {
    return this._op(['range', `${from}`, `${to - from + 1}`, opt(tableOf(options))])
  }
  explain({ analyze = false, verbose = false, settings = false, buffers = false, wal = false, format = 'text' } = {}) {
    return this._op(['explain', !!analyze, !!verbose, !!settings, !!buffers, !!wal, `${format}`])
  }
  maxAffected(rows) {
    return this._op(['maxAffected', `${rows}`])
  }
  setHeader(name, value) {
    return this._op(['setHeader', `${name}`, `${value}`])
  }
  /** Reject with the PostgrestError instead of resolving with `{ error }`. */
  throwOnError() {
    this._throw = true
    return this
  }
  /**
   * Any AbortSignal-like object (WeChat has no AbortController): `aborted` is checked when the
   * request would start, and its `abort` event (`addEventListener` or `onabort`) aborts the
   * request in flight; either way the call resolves with an AbortError.
   */
  abortSignal(signal) {
    this._signal = signal
    return this
  }
  /** Ours: this call's time limit (ms, WeChat's queue included; default `db.timeout`), then a timeout error. */
  timeout(ms) {
    this._timeout = ms
    return this
  }

  // One request per call, as postgrest-js does.
  // biome-ignore lint/suspicious/noThenProperty: a thenable on purpose: `await supabase.from(…).select()` sends the chain (postgrest-js' PostgrestBuilder)
  then(onfulfilled, onrejected) {
    // Past the bound only the chain's size goes to the core (nothing big is copied into wasm).
    const size = sizeOf([this._schema, this._start, this._ops], MAX_REQUEST)
    const chain = size > MAX_REQUEST ? { tooLarge: size } : { start: this._start, ops: this._ops }
    if (this._schema !== undefined && chain.ops) chain.schema = this._schema
    let payload = null
    try {
      const body = chain.ops ? JSON.stringify(this._body, bigintAsString) : undefined
      if (body !== undefined) {
        chain.body = true
        payload = { body }
      }
    } catch (e) {
      chain.bodyError = `${(e && e.name) || 'FetchError'}: ${e && e.message}`
    }
    if (this._signal && this._signal.aborted) chain.aborted = true
    else if (this._signal || this._timeout) payload = Object.assign({}, payload, { signal: this._signal, timeout: this._timeout })
    // Lone surrogates become U+FFFD (as the URL query and Headers read USVStrings) in toJson, for every API.
    // A hidden `data.data` alias of the rows: 2.0.3, the SDK we replace, resolved with WeChat's response (docs/migration.md).
    let res = this._driver.data('rest', 'request', [chain], payload).then(aliased)
    if (this._throw) {
      res = res.then((r) => {
        if (r.error) throw r.error
        return r
      })
    }
    return res.then(onfulfilled, onrejected)
  }
}

// The methods that only record their arguments, one loop per shape (each a method of
// PostgrestFilterBuilder's prototype as a class's are: not enumerable), e.g. `eq(column, value)`
// records ['eq', `${column}`, `${value}`].
const FILTERS = {
  // (column, value): `${value}`
  text: [
    'eq',
    'neq',
    'gt',
    'gte',
    'lt',
    'lte',
    'like',
    'ilike',
    'regexMatch',
    'regexIMatch',
    'is',
    'isDistinct',
    'rangeGt',
    'rangeGte',
    'rangeLt',
    'rangeLte',
    'rangeAdjacent',
  ],
  // (column, patterns): the items of `patterns.join(',')`
  items: ['likeAllOf', 'likeAnyOf', 'ilikeAllOf', 'ilikeAnyOf'],
  in: ['in', 'notIn'], // (column, values): inList
  containment: ['contains', 'containedBy'], // (column, value): containment
  operator: ['not', 'filter'], // (column, operator, value)
  bare: ['single', 'maybeSingle', 'csv', 'geojson', 'rollback', 'stripNulls'], // ()
  // () → the builder: no retries here (postgrest-js 2.x retries GET/HEAD on 503/520 and network
  // errors); returns / overrideTypes only change TypeScript's types.
  self: ['retry', 'returns', 'overrideTypes'],
}
const define = (names, make) => defineMethods(PostgrestFilterBuilder, names, make)
define(FILTERS.text, (name) => ({
  [name](column, value) {
    return this._op([name, `${column}`, `${value}`])
  },
}))
define(FILTERS.items, (name) => ({
  [name](column, patterns) {
    return this._op([name, `${column}`, items(patterns)])
  },
}))
define(FILTERS.in, (name) => ({
  [name](column, values) {
    return this._op([name, `${column}`, inList(values)])
  },
}))
define(FILTERS.containment, (name) => ({
  [name](column, value) {
    return this._op([name, `${column}`, containment(value)])
  },
}))
define(FILTERS.operator, (name) => ({
  [name](column, operator, value) {
    return this._op([name, `${column}`, `${operator}`, `${value}`])
  },
}))
define(FILTERS.bare, (name) => ({
  [name]() {
    return this._op([name])
  },
}))
define(FILTERS.self, (name) => ({
  [name]() {
    return this
  },
}))

const aliased = (r) => {
  alias(r.data, true)
  return r
}

const MAX_REQUEST = 48 * 1024 // the core's MAX_URL (src/data/rest/limits.rs, docs/request-limits.md)

// in() / notIn(): the distinct values (a Set, as postgrest-js), each `[text, isString]`.
function inList(values) {
  const seen = new Set() // de-duplicated as it goes: a huge list is cut off at the bound, not copied whole
  return boundedMap(values, (v) => (seen.has(v) || !seen.add(v) ? null : [`${v}`, typeof v === 'string']), MAX_REQUEST)
}

// contains() / containedBy(): a string as it is, an array's items, anything else as JSON.
function containment(value) {
  if (typeof value === 'string') return value
  if (Array.isArray(value)) return items(value)
  return `${JSON.stringify(value)}`
}

module.exports = { PostgrestClient, PostgrestQueryBuilder, PostgrestFilterBuilder }
