'use strict'
// POST /storage/v1/object/list/:bucket — storage-js `list`, as supabase/storage 1.11.2 answers it: the route
// src/http/routes/object/listObjects.ts (body { prefix (required), limit (integer >= 1), offset (integer >= 0),
// sortBy: { column (required): name|updated_at|created_at|last_accessed_at, order: asc|desc }, search }),
// src/storage/object.ts searchObjects (a prefix not ending in '/' gets one), src/storage/database/pg.ts
// searchObjects (levels = (prefix + search).split('/').length) and the SQL function storage.search of
// migrations/tenant/0063-fix-search-name-relative-to-prefix.sql, emulated here in JS:
//   - the bucket is not looked up: a missing bucket lists as [] (so does what the caller may not read);
//   - the objects whose lower-cased name starts with lower(prefix + search);
//   - sort by `name`: ONE sequence ordered by lower(name) COLLATE "C" (asc or desc), where every object below a
//     further '/' stands for its folder at the folder's first place in that order (folders and files
//     interleaved: "a.txt", "B", "c.txt"); offset and limit (default 100, at most 1500) count these entries;
//     a folder shows the case of its first object; names are relative to `prefix` (not prefix + search);
//   - sort by a date column: the folders first (ordered by name in that direction), then the files at that
//     level ordered by the column; offset and limit over the whole;
//   - folders: { name, id: null, updated_at: null, created_at: null, last_accessed_at: null, metadata: null }.

const COLUMNS = ['name', 'updated_at', 'created_at', 'last_accessed_at']

// COLLATE "C": by UTF-8 bytes.
const cmpBytes = (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))

function entry(name, o, iso) {
  return {
    name,
    id: o ? o.id : null,
    updated_at: o ? iso(o.updated_at) : null,
    created_at: o ? iso(o.created_at) : null,
    last_accessed_at: o ? iso(o.last_accessed_at) : null,
    metadata: o ? o.metadata : null,
  }
}

// The body as the route's JSON schema (fastify + ajv, coerceTypes) accepts it; throws E.validation otherwise.
function parseBody(body, E) {
  if (typeof body.prefix !== 'string') {
    if (body.prefix === undefined) throw E.validation("body must have required property 'prefix'")
    throw E.validation('body/prefix must be string')
  }
  const int = (k, min, dflt) => {
    const v = body[k]
    if (v === undefined || v === null) return dflt
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v
    if (typeof n !== 'number' || !Number.isInteger(n)) throw E.validation(`body/${k} must be integer`)
    if (n < min) throw E.validation(`body/${k} must be >= ${min}`)
    return n
  }
  const limit = int('limit', 1, 100)
  const offset = int('offset', 0, 0)
  let column = 'name'
  let order = 'asc'
  if (body.sortBy !== undefined && body.sortBy !== null) {
    const s = body.sortBy
    if (typeof s !== 'object' || Array.isArray(s)) throw E.validation('body/sortBy must be object')
    if (s.column === undefined) throw E.validation("body/sortBy must have required property 'column'")
    if (!COLUMNS.includes(s.column)) throw E.validation('body/sortBy/column must be equal to one of the allowed values')
    if (s.order !== undefined && s.order !== 'asc' && s.order !== 'desc') {
      throw E.validation('body/sortBy/order must be equal to one of the allowed values')
    }
    column = s.column
    order = s.order || 'asc'
  }
  const search = body.search === undefined || body.search === null ? '' : String(body.search)
  let prefix = body.prefix
  if (prefix.length > 0 && !prefix.endsWith('/')) prefix += '/'
  return { prefix, search, limit: Math.min(limit, 1500), offset, column, order }
}

// rows: { name, id, updated_at, created_at, last_accessed_at, metadata } of the bucket's objects.
function search(rows, q, iso) {
  const full = q.prefix + q.search
  const low = full.toLowerCase()
  const matching = rows.filter((o) => o.name.toLowerCase().startsWith(low))
  const dir = q.order === 'desc' ? -1 : 1
  const out = []
  if (q.column === 'name') {
    const sorted = matching
      .map((o) => ({ o, l: o.name.toLowerCase() }))
      .sort((a, b) => dir * cmpBytes(a.l, b.l) || cmpBytes(a.o.name, b.o.name))
    const seen = new Set()
    for (const { o, l } of sorted) {
      const i = l.indexOf('/', low.length)
      if (i === -1) {
        out.push(entry(o.name.slice(q.prefix.length), o, iso))
        continue
      }
      const folder = l.slice(0, i + 1)
      if (seen.has(folder)) continue
      seen.add(folder)
      out.push(
        entry(
          o.name
            .slice(0, i + 1)
            .replace(/\/+$/, '')
            .slice(q.prefix.length),
          null,
          iso,
        ),
      )
    }
  } else {
    // path_tokens[start:levels], start = the prefix's token count (1 for ''), levels = that of prefix + search.
    const start = q.prefix ? q.prefix.split('/').length : 1
    const levels = full ? full.split('/').length : 1
    const label = (o) =>
      o.name
        .split('/')
        .slice(start - 1, levels)
        .join('/')
    const folders = [...new Set(matching.filter((o) => o.name.split('/').length !== levels).map(label))]
    folders.sort((a, b) => dir * cmpBytes(a, b))
    const files = matching.filter((o) => o.name.split('/').length === levels)
    const t = (o) => new Date(o[q.column]).getTime()
    files.sort((a, b) => dir * (t(a) - t(b)))
    for (const f of folders) out.push(entry(f, null, iso))
    for (const o of files) out.push(entry(label(o), o, iso))
  }
  return out.slice(q.offset, q.offset + q.limit)
}

// make({ pool, authenticate, readJson, canRead, E, iso }) → async (req, r, bucketId) → the body.
function make({ pool, authenticate, readJson, canRead, E, iso }) {
  return async function listObjects(req, r, bucketId) {
    const auth = authenticate(req)
    const q = parseBody(await readJson(r), E)
    const bucket = (await pool.query('select * from storage.buckets where id = $1', [bucketId])).rows[0]
    if (!bucket || !canRead(auth, bucket)) return []
    const { rows } = await pool.query(
      'select id, name, updated_at, created_at, last_accessed_at, metadata from storage.objects where bucket_id = $1',
      [bucketId],
    )
    return search(rows, q, iso)
  }
}

module.exports = { make, search, parseBody }
