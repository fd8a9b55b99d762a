'use strict'
// POST /storage/v1/object/list-v2/:bucket — storage-js 2.x `listV2`, as supabase/storage answers it:
// the route src/http/routes/object/listObjectsV2.ts (body { prefix, limit (integer >= 1), cursor,
// with_delimiter, sortBy: { column: name|updated_at|created_at, order: asc|desc } }) and
// src/storage/object.ts `listObjectsV2`:
//   - limit: min(limit || 1000, 1000); one more row is read to know `hasNext`;
//   - without with_delimiter: every object whose name starts with `prefix` (LIKE, src/storage/database/pg.ts),
//     `{ id, name, metadata, updated_at, created_at, last_accessed_at }`, ordered by the sort column (if
//     updated_at/created_at) then name COLLATE "C";
//   - with with_delimiter ('/'): one entry per "folder" (the first `/`-terminated segment after the prefix),
//     `{ id: null, name: 'a/b/' }` in `folders`, and the objects directly under the prefix, with `key` (their
//     last segment: search_v2's `split_part(name, '/', levels)`, migrations/tenant/0050-search-v2-optimised.sql);
//   - `nextCursor`: base64 of `l:<last name>\no:<order>\nc:<column>\na:<column value>` (the parts that are
//     set; encodeContinuationToken), present only when `hasNext`; a cursor that does not decode is
//     400 InvalidParameter (decodeContinuationToken). `nextCursorKey` is the last name.
// What a caller may not read lists as nothing (like RLS), as backend/storage-list.js' `list`.

const COLUMNS = ['name', 'updated_at', 'created_at']
const TOKEN_PARTS = { l: 'startAfter', o: 'sortOrder', c: 'sortColumn', a: 'sortColumnAfter' }

function encodeCursor(t) {
  let s = ''
  for (const [k, v] of Object.entries(TOKEN_PARTS)) if (t[v]) s += `${k}:${t[v]}\n`
  return Buffer.from(s.slice(0, -1)).toString('base64')
}

function decodeCursor(token, E) {
  const out = { startAfter: '', sortOrder: 'asc' }
  for (const part of Buffer.from(token, 'base64').toString().split('\n')) {
    const m = part.match(/^(\S):(.*)/)
    if (!m || !(m[1] in TOKEN_PARTS)) throw E.invalidParameter('continuation token')
    out[TOKEN_PARTS[m[1]]] = m[2]
  }
  return out
}

// name COLLATE "C": by UTF-8 bytes.
const byName = (a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name))

// make({ pool, authenticate, readJson, canRead, E, iso }) → async (req, r, bucketId) → the body.
function make({ pool, authenticate, readJson, canRead, E, iso }) {
  return async function listObjectsV2(req, r, bucketId) {
    const auth = authenticate(req)
    const body = await readJson(r)
    if (body.prefix != null && typeof body.prefix !== 'string') throw E.validation('body/prefix must be string')
    if (body.limit != null && !(Number.isInteger(body.limit) && body.limit >= 1)) throw E.validation('body/limit must be >= 1')
    if (body.cursor != null && typeof body.cursor !== 'string') throw E.validation('body/cursor must be string')
    const sortBy = body.sortBy && typeof body.sortBy === 'object' ? body.sortBy : {}
    if (body.sortBy != null && !COLUMNS.includes(sortBy.column)) {
      throw E.validation('body/sortBy/column must be equal to one of the allowed values')
    }
    if (sortBy.order != null && sortBy.order !== 'asc' && sortBy.order !== 'desc') {
      throw E.validation('body/sortBy/order must be equal to one of the allowed values')
    }
    const limit = Math.min(body.limit || 1000, 1000)
    const prefix = body.prefix || ''
    const cursor = body.cursor ? decodeCursor(body.cursor, E) : undefined
    const order = (cursor && cursor.sortOrder) || sortBy.order || 'asc'
    const column = (cursor && cursor.sortColumn) || sortBy.column || 'name'
    // object.ts listObjectsV2 does not look the bucket up: a missing one lists as nothing.
    const bucket = (await pool.query('select * from storage.buckets where id = $1', [bucketId])).rows[0]
    const { rows } =
      bucket && canRead(auth, bucket)
        ? await pool.query(
            'select id, name, metadata, updated_at, created_at, last_accessed_at from storage.objects where bucket_id = $1 and starts_with(name, $2)',
            [bucketId, prefix],
          )
        : { rows: [] }
    let entries = rows.map((x) => ({
      id: x.id,
      name: x.name,
      metadata: x.metadata,
      updated_at: iso(x.updated_at),
      created_at: iso(x.created_at),
      last_accessed_at: iso(x.last_accessed_at),
    }))
    if (body.with_delimiter) {
      const levels = prefix.split('/').length
      const seen = new Set()
      const out = []
      for (const o of entries) {
        const i = o.name.slice(prefix.length).indexOf('/')
        if (i === -1) {
          out.push(Object.assign({ key: o.name.split('/')[levels - 1] }, o))
          continue
        }
        const folder = o.name.slice(0, prefix.length + i + 1)
        if (!seen.has(folder)) out.push({ id: null, name: folder })
        seen.add(folder)
      }
      entries = out
    }
    const sign = order === 'desc' ? -1 : 1
    const sortCol = column !== 'name' && !body.with_delimiter ? column : null
    const cmp = (a, b) => {
      if (sortCol) {
        const d = String(a[sortCol] || '').localeCompare(String(b[sortCol] || ''))
        if (d) return sign * d
      }
      return sign * byName(a, b)
    }
    entries.sort(cmp)
    if (cursor && cursor.startAfter) {
      const at = { name: cursor.startAfter }
      if (sortCol) at[sortCol] = cursor.sortColumnAfter || ''
      entries = entries.filter((e) => cmp(e, at) > 0)
    }
    const page = entries.slice(0, limit + 1)
    const hasNext = page.length > limit
    const shown = page.slice(0, limit)
    const result = {
      hasNext,
      folders: shown.filter((e) => e.id === null),
      objects: shown.filter((e) => e.id !== null),
    }
    if (hasNext) {
      const last = shown[shown.length - 1]
      result.nextCursor = encodeCursor({
        startAfter: last.name,
        sortOrder: (cursor && cursor.sortOrder) || sortBy.order,
        sortColumn: sortCol || (cursor && cursor.sortColumn) || sortBy.column,
        sortColumnAfter: sortCol && last[sortCol] ? new Date(last[sortCol]).toISOString() : undefined,
      })
      result.nextCursorKey = last.name
    }
    return result
  }
}

module.exports = { make }
