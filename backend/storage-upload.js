'use strict'
// Upload bodies for backend/storage.js, as supabase/storage 1.11.2 reads them (src/storage/uploader.ts
// fileUploadFromRequest): a multipart form (the first file part; a `contentType` field sent before it beats
// the part's own type; `cacheControl` field) or a raw body (its Content-Type). Streamed to a temp file,
// counted and hashed (md5 = the eTag); over the size limit the rest is swallowed and EntityTooLarge thrown;
// a type the bucket does not allow is InvalidMimeType.
const fs = require('node:fs')
const crypto = require('node:crypto')
const { Transform } = require('node:stream')
const { pipeline } = require('node:stream/promises')
const busboy = require('busboy')
const { E } = require('./storage-errors')

function mimeAllowed(allowed, mime) {
  if (!allowed || !allowed.length) return true
  const full = String(mime || '')
    .toLowerCase()
    .trim()
  const base = full.split(';')[0].trim()
  return allowed.some((a) => {
    a = a.toLowerCase()
    if (a === '*' || a === '*/*') return true
    if (a.endsWith('/*')) return base.startsWith(a.slice(0, -1))
    return a === base || a === full
  })
}

// cacheControl form field "3600" or header "max-age=3600" -> "max-age=3600".
function normalizeCacheControl(v) {
  if (v === undefined || v === null) return null
  const s = String(v).trim()
  if (!s) return null
  return /^\d+$/.test(s) ? `max-age=${s}` : s
}

function drain(req) {
  return new Promise((resolve) => {
    if (req.readableEnded || req.destroyed) return resolve()
    req.on('end', resolve)
    req.on('close', resolve)
    req.on('error', resolve)
    req.resume()
  })
}

// Counts and hashes what passes; past `limit` bytes it swallows the rest (so the client can finish).
function meter(limit) {
  const hash = crypto.createHash('md5')
  let size = 0
  let over = false
  const t = new Transform({
    transform(chunk, _enc, cb) {
      size += chunk.length
      if (size > limit) over = true
      if (over) return cb()
      hash.update(chunk)
      return cb(null, chunk)
    },
  })
  t.result = () => ({ size, over, md5: hash.digest('hex') })
  return t
}

// The caller's user metadata (uploader.ts fileUploadFromRequest): the multipart `metadata` field (else
// `userMetadata`) as JSON, or a raw body's `x-metadata` header as base64 JSON (parseUserMetadata); text
// that does not parse is ignored, as there.
function jsonOrUndefined(text) {
  if (typeof text !== 'string') return undefined
  try {
    return JSON.parse(text)
  } catch (_) {
    return undefined
  }
}

function headerMetadata(req) {
  const h = req.headers['x-metadata']
  return typeof h === 'string' ? jsonOrUndefined(Buffer.from(h, 'base64').toString('utf8')) : undefined
}

// makeReceiver({ globalLimit, tmpPath, unlinkQuiet }) → receiveBody(req, bucket).
function makeReceiver({ globalLimit, tmpPath, unlinkQuiet }) {
  // Streams the request body (raw, or the first file part of a multipart form) into a temp file.
  // Returns { tmp, size, md5, mimetype, cacheControl }; throws StorageError (body fully consumed).
  async function receiveBody(req, bucket) {
    const own = bucket.file_size_limit == null || Number(bucket.file_size_limit) <= 0 ? Infinity : Number(bucket.file_size_limit)
    const limit = Math.min(globalLimit(), own)
    const ctype = String(req.headers['content-type'] || '')
    const headerCache = normalizeCacheControl(req.headers['cache-control'])
    const tmp = tmpPath()
    try {
      if (/^multipart\/form-data/i.test(ctype)) return await receiveMultipart(req, bucket, limit, tmp, headerCache)
      const mimetype = ctype.trim() || 'application/octet-stream'
      if (!mimeAllowed(bucket.allowed_mime_types, mimetype)) {
        await drain(req)
        throw E.mime(mimetype)
      }
      const m = meter(limit)
      await pipeline(req, m, fs.createWriteStream(tmp))
      const { size, over, md5 } = m.result()
      if (over) throw E.tooLarge()
      return { tmp, size, md5, mimetype, cacheControl: headerCache || 'no-cache', userMetadata: headerMetadata(req) }
    } catch (e) {
      await unlinkQuiet(tmp)
      throw e
    }
  }

  function receiveMultipart(req, bucket, limit, tmp, headerCache) {
    return new Promise((resolve, reject) => {
      let bb
      try {
        bb = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fields: 50, fieldSize: 1 << 16 } })
      } catch (e) {
        drain(req).then(() => reject(E.invalidRequest(`Invalid multipart body: ${e.message}`)))
        return
      }
      const fields = {}
      let fileDone = null // Promise of the file part's result
      let failure = null
      bb.on('field', (name, value) => {
        fields[name] = value
      })
      bb.on('file', (_name, stream, info) => {
        if (fileDone || failure) {
          stream.resume()
          return
        }
        // storage-api: a `contentType` field (sent before the file) beats the part's own type.
        const mimetype = fields.contentType || info.mimeType || 'application/octet-stream'
        if (!mimeAllowed(bucket.allowed_mime_types, mimetype)) {
          failure = E.mime(mimetype)
          stream.resume()
          return
        }
        const m = meter(limit)
        fileDone = pipeline(stream, m, fs.createWriteStream(tmp)).then(() => ({ mimetype, ...m.result() }))
        fileDone.catch(() => {})
      })
      let finished = false
      const finish = async (err) => {
        if (finished) return
        finished = true
        try {
          if (err) throw E.invalidRequest(`Invalid multipart body: ${err.message}`)
          if (failure) throw failure
          if (!fileDone) throw E.noContent()
          const f = await fileDone
          if (f.over) throw E.tooLarge()
          const cacheControl = normalizeCacheControl(fields.cacheControl) || headerCache || 'no-cache'
          const userMetadata = jsonOrUndefined(fields.metadata !== undefined ? fields.metadata : fields.userMetadata)
          resolve({ tmp, size: f.size, md5: f.md5, mimetype: f.mimetype, cacheControl, userMetadata })
        } catch (e) {
          await drain(req)
          reject(e)
        }
      }
      bb.on('close', () => finish(null))
      bb.on('error', (e) => {
        req.unpipe(bb)
        finish(e)
      })
      req.on('error', (e) => finish(e))
      req.pipe(bb)
    })
  }

  return receiveBody
}

module.exports = { drain, makeReceiver, mimeAllowed, normalizeCacheControl }
