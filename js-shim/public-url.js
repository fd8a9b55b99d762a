'use strict'
// getPublicUrl's PRE-LOAD FALLBACK. The core computes getPublicUrl (`Core.publicUrl`,
// src/data/storage/mod.rs `public_url`); storage-api.js calls it whenever the core is loaded.
// getPublicUrl is synchronous (storage-js), so a page may call it before the wasm has loaded
// (right after createClient, at module load): only then is the URL computed here, by the same
// rules. Change nothing here without the core: tests/fixtures/public-url.json is generated from
// this file (scripts/gen-public-url-cases.js) and tests/public_url.rs checks the core against it;
// tests/node/storage.e2e.test.js checks both give the same results in the package.
//
// publicUrl(supabaseUrl, bucketId, path, options) → `{ data: { publicUrl } }`, or
// `{ data: null, error }` with the error's description (`{ name, message, body }`, for
// errors.js' toDataError), as the core's JSON text has it.

function publicUrl(supabaseUrl, bucketId, path, options) {
  const o = options || {}
  const bucket = bucketError(bucketId)
  const p = bucket === null ? cleanPath(path) : { error: bucket }
  if (p.error) return { data: null, error: { name: 'StorageError', message: p.error, body: { message: p.error } } }
  const wants = o.transform !== null && typeof o.transform === 'object' && Object.keys(o.transform).length > 0
  const q = []
  if (o.download === true) q.push('download=')
  else if (typeof o.download === 'string' && o.download) q.push('download=' + encodeValue(o.download))
  if (o.transform && typeof o.transform === 'object') {
    ;['width', 'height', 'resize', 'format', 'quality'].forEach((k) => {
      const v = o.transform[k]
      if ((typeof v === 'string' && v) || (typeof v === 'number' && v)) q.push(k + '=' + encodeValue(String(v)))
    })
  }
  if (o.cacheNonce !== undefined && o.cacheNonce !== null) q.push('cacheNonce=' + encodeValue(String(o.cacheNonce)))
  const url =
    storageUrl(supabaseUrl) +
    (wants ? '/render/image' : '/object') +
    '/public/' +
    encodeURIComponent(bucketId) +
    '/' +
    p.path.split('/').map(encodeURIComponent).join('/') +
    (q.length ? '?' + q.join('&') : '')
  return { data: { publicUrl: url } }
}

// The core's rules (src/data/storage/paths.rs, mod.rs `public_path`): the same cleaning, checks
// and messages; '', undefined, null and '/' name the bucket itself (storage-js: `…/<bucket>/`).
function cleanPath(path) {
  if (path === undefined || path === null) return { path: '' }
  if (typeof path !== 'string') return { error: 'Invalid path: expected a string' }
  const segments = path.split('/').filter((s) => s !== '')
  if (!segments.length) return { path: '' }
  if (segments.some((s) => s === '.' || s === '..')) {
    return { error: 'Invalid path "' + path + '": "." and ".." segments are not allowed' }
  }
  try {
    segments.forEach((s) => {
      encodeURIComponent(s)
    })
  } catch (_e) {
    return { error: 'Invalid path "' + path + '": not valid Unicode' }
  }
  return { path: segments.join('/') }
}

function bucketError(id) {
  if (typeof id !== 'string') return 'Invalid bucket id: expected a string'
  if (!id || id === '.' || id === '..' || id.indexOf('/') !== -1) return 'Invalid bucket id "' + id + '"'
  return null
}

// A query value: everything but A-Z a-z 0-9 - _ . ~ percent-encoded (src/encoding/percent.rs).
function encodeValue(v) {
  return encodeURIComponent(v).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
}

// `<supabaseUrl>/storage/v1` the way the core derives it (src/config.rs `loose_storage_url`).
function storageUrl(supabaseUrl) {
  const raw = String(supabaseUrl || '').trim()
  return raw.split(/[?#]/)[0].replace(/\/+$/, '') + '/storage/v1'
}

module.exports = { publicUrl }
