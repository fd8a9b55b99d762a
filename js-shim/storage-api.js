'use strict'
// supabase.storage: storage-js 2.x names and `{ data, error }` results. The core (src/data/storage)
// builds every request and shapes every reply; this file only hands it the arguments, describes the
// file without reading it (a temp file goes to wx.uploadFile), and adds the 2.2.0 compatibility aliases.
// getPublicUrl is synchronous in storage-js: the core answers it at once (`Core.publicUrl`), and while
// the core is still loading ./public-url.js computes it by the same rules (a fallback, kept in step by
// tests).
const { toDataError } = require('./errors.js')
const { alias, messageOf, toJson, defineMethods } = require('./util.js')
const { publicUrl } = require('./public-url.js')

// `progress`: the call's progress reporter (progressOf), told how the call ended before its result
// reaches the caller, so no event follows the promise's resolution.
function call(driver, method, args, payload, progress) {
  return driver.data('storage', method, args, payload).then((res) => {
    if (progress) progress.end(!res.error, sizeOf(res.data, payload))
    return withAlias(res)
  })
}

// The bytes a successful transfer moved, when JS knows them: a downloaded ArrayBuffer, an uploaded
// ArrayBuffer or Blob (a temp file's size is what wx.uploadFile / wx.downloadFile reported).
function sizeOf(data, payload) {
  if (isBuffer(data)) return data.byteLength
  const body = payload && payload.body
  if (isBuffer(body)) return body.byteLength
  if (typeof Blob === 'function' && body instanceof Blob) return body.size
  return undefined
}

// `onUploadProgress` / `onDownloadProgress`: the caller's function, called with `{ loaded, total,
// progress }` (bytes, bytes, an integer percent 0..100). It never crosses into the core (JSON drops
// functions from the options it gets); the platform's transfer calls `report(loaded, total)` as the
// transport tells it (wx.uploadFile / wx.downloadFile and the browser: as the bytes move; wx.request:
// at the start, see docs/storage-progress.md), total <= 0 meaning not known. `loaded` never
// decreases (a request resent after a refused token counts again from 0: its events are dropped
// until they pass the last one); at most one event per integer percent of a known total (each
// setData of a page crosses to the view thread; a fetch stream has thousands of chunks). Progress
// 100 (`loaded === total`) comes once, last, and only on success: the transport's own last event
// is held back (an error reply's body moves to its end too), so a full bar means the call
// succeeded. A callback that throws is reported on the console; the transfer goes on.
function progressOf(callback, name) {
  if (typeof callback !== 'function') return null
  let open = true
  let loaded = -1
  let total = 0
  let heard = 0 // the last total the transport gave
  const percent = (l, t) => (t > 0 ? Math.min(100, Math.floor((l * 100) / t)) : 0)
  const emit = (l, t, p) => {
    loaded = l
    total = t
    try {
      callback({ loaded: l, total: t, progress: p })
    } catch (e) {
      console.error('supabase-wechat: ' + name + ' threw: ' + messageOf(e))
    }
  }
  return {
    report(l, t) {
      const tt = typeof t === 'number' && t > 0 ? t : 0
      const ll = typeof l === 'number' && l > 0 ? l : 0
      if (tt > 0) heard = tt
      if (!open || (tt > 0 && ll >= tt)) return
      if (ll > loaded && (tt === 0 || tt !== total || percent(ll, tt) !== percent(loaded, tt))) emit(ll, tt, percent(ll, tt))
    },
    // The call ended (`ok`: successfully); `size`: the bytes moved, if JS knows them. The transport
    // never emitted `loaded === total` of a known total (report holds it back), so this is the one
    // full event (an empty body's too: `{ loaded: 0, total: 0, progress: 100 }`).
    end(ok, size) {
      if (!open) return
      open = false
      const t = typeof size === 'number' ? size : heard > 0 ? heard : loaded
      if (ok && t >= 0) emit(t, t, 100)
    },
  }
}

// Pages written for 2.2.0 read `data.data` where it returned WeChat's response wrapper (MemFire's
// template: `const { data: { data } } = await list()`).
function withAlias(res) {
  alias(res.data, true)
  return res
}

const isBuffer = (v) => Object.prototype.toString.call(v) === '[object ArrayBuffer]'

// The upload's file as the core sees it (`desc`) and what the shim keeps (`payload`): an ArrayBuffer
// (or a view of one), or a temp file path given as a string, `{ tempFilePath }` (wx.chooseMedia,
// wx.chooseImage), `{ path }` (wx.chooseMessageFile) or `{ filePath }`.
function fileOf(file) {
  // A browser Blob / File: sent as the request body as it is (fetch reads it), never into wasm.
  if (typeof Blob === 'function' && file instanceof Blob)
    return { desc: { kind: 'buffer', bytes: file.size }, payload: { body: file } }
  if (isBuffer(file)) return { desc: { kind: 'buffer', bytes: file.byteLength }, payload: { body: file } }
  if (ArrayBuffer.isView(file)) {
    const body = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength)
    return { desc: { kind: 'buffer', bytes: body.byteLength }, payload: { body } }
  }
  let path = null
  if (typeof file === 'string') path = file
  else if (file !== null && typeof file === 'object') {
    const k = ['tempFilePath', 'path', 'filePath'].find((name) => typeof file[name] === 'string')
    if (k !== undefined) path = file[k]
  }
  if (path !== null) return { desc: { kind: 'file', path }, payload: { filePath: path } }
  const type = file === null ? 'null' : Array.isArray(file) ? 'array' : typeof file
  return { desc: { kind: 'invalid', type }, payload: null }
}

// wx.uploadFile can only POST: for PUT (update, uploadToSignedUrl) a temp file is read into an
// ArrayBuffer first (the file's size in memory, once), by the platform.
function bytesOf(platform, file) {
  const f = fileOf(file)
  if (f.desc.kind !== 'file') return f
  try {
    const body = platform.readFile(f.desc.path)
    return { desc: { kind: 'buffer', bytes: body.byteLength, name: f.desc.path }, payload: { body } }
  } catch (e) {
    return { desc: { kind: 'unreadable', path: f.desc.path, reason: messageOf(e) }, payload: null }
  }
}

// storage-js' `parameters` argument (`{ signal }`; every method takes it here, and `timeout`, the
// call's time limit in ms, WeChat's queue included), or an upload's options: what the driver
// watches, added to `payload`; `options.timeout` is the default (download's). A getter that
// throws counts as no value.
// `progress` (progressOf's reporter) goes to the platform as `onProgress`.
function withParameters(parameters, payload, options, progress) {
  const signal = read(parameters, 'signal')
  const own = read(parameters, 'timeout')
  const timeout = own === undefined ? read(options, 'timeout') : own
  if (!signal && timeout === undefined && !progress) return payload
  return Object.assign({}, payload, { signal, timeout, onProgress: progress ? progress.report : undefined })
}

function read(o, k) {
  try {
    return o !== null && typeof o === 'object' ? o[k] : undefined
  } catch (_e) {
    return undefined
  }
}

class StorageFileApi {
  constructor(driver, bucketId) {
    this._driver = driver
    this.bucketId = bucketId
  }

  _call(method, args, payload, progress) {
    return call(this._driver, method, [this.bucketId].concat(args), payload, progress)
  }

  // upload, update, uploadToSignedUrl: the file `f`, with the options' progress callback.
  _send(method, args, f, options) {
    const progress = progressOf(read(options, 'onUploadProgress'), 'onUploadProgress')
    return this._call(method, args, withParameters(options, f.payload, undefined, progress), progress)
  }

  /**
   * `upload(path, res.tempFiles[0] | ArrayBuffer, { upsert, cacheControl, contentType, timeout, signal,
   * onUploadProgress })`: `timeout` (ms) by default the client's `requestTimeout`, at least 120 s;
   * `signal` aborts it; `onUploadProgress({ loaded, total, progress })` (docs/storage-progress.md).
   */
  upload(path, file, options) {
    const f = fileOf(file)
    return this._send('upload', [path, f.desc, options], f, options)
  }

  /** Replaces an existing object (PUT); options as upload's. */
  update(path, file, options) {
    const f = bytesOf(this._driver.platform, file)
    return this._send('update', [path, f.desc, options], f, options)
  }

  uploadToSignedUrl(path, token, file, options) {
    const f = bytesOf(this._driver.platform, file)
    return this._send('uploadToSignedUrl', [path, token, f.desc, options], f, options)
  }

  /**
   * `data` is an ArrayBuffer, or `{ tempFilePath }` with `{ toTempFile: true }` (wx.downloadFile).
   * `parameters`: `{ signal, timeout }` (AbortSignal-like `signal` as in storage-js; `timeout` in
   * ms, by default `options.timeout`, else the client's `requestTimeout`, at least 120 s).
   * `options.onDownloadProgress({ loaded, total, progress })`: docs/storage-progress.md.
   * Every other method takes the same `parameters` last (JSON calls: `requestTimeout`, 10 s).
   */
  download(path, options, parameters) {
    const progress = progressOf(read(options, 'onDownloadProgress'), 'onDownloadProgress')
    return this._call('download', [path, options], withParameters(parameters, undefined, options, progress), progress)
  }

  /**
   * Synchronous, like storage-js: `{ data: { publicUrl } }` (or `{ data: null, error }` for a bad
   * bucket id or path). The core computes it; before it has loaded, ./public-url.js does.
   */
  getPublicUrl(path, options) {
    const d = this._driver
    let res = null
    if (d.core && !d.broken) {
      d.guard(() => {
        const r = JSON.parse(d.core.call('publicUrl', 0, 0, toJson([this.bucketId, path, options])))
        res = { data: r.data }
        if (r.error) res.error = toDataError(r.error)
      })
    }
    if (res === null) {
      res = publicUrl(d.url, this.bucketId, path, options)
      if (res.error) res.error = toDataError(res.error)
    }
    return withAlias(res)
  }
}

class StorageClient {
  constructor(driver) {
    this._driver = driver
  }

  /** `from('avatars')`: the file API of one bucket. */
  from(id) {
    return new StorageFileApi(this._driver, id)
  }
}

// The methods that only hand their arguments to the core: name → how many come before the
// `parameters` (`{ signal, timeout }`) that each takes last. The file API's:
//   createSignedUploadUrl(path, options) → `{ data: { signedUrl, path, token } }`: a URL anyone
//   holding it may upload to once; listV2({ prefix, limit, cursor, with_delimiter, sortBy }) →
//   `{ hasNext, nextCursor, folders, objects }` (storage-js 2.119).
const FILE_CALLS = {
  createSignedUploadUrl: 2,
  info: 1,
  exists: 1,
  createSignedUrl: 3,
  createSignedUrls: 3,
  list: 2,
  listV2: 1,
  remove: 1,
  move: 3,
  copy: 3,
}
// The buckets' (createBucket(id, { public, fileSizeLimit, allowedMimeTypes })).
const BUCKET_CALLS = { listBuckets: 1, getBucket: 1, createBucket: 2, updateBucket: 2, emptyBucket: 1, deleteBucket: 1 }

// Each a method of `Class`' prototype (util.js defineMethods): `send(api, name, args, payload)` with
// the first `n` arguments (the missing ones as undefined) and the watched parameters.
function define(Class, calls, send) {
  defineMethods(Class, Object.keys(calls), (name) => {
    const n = calls[name]
    return {
      [name](...given) {
        const args = given.slice(0, n)
        args.length = n
        return send(this, name, args, withParameters(given[n]))
      },
    }
  })
}
define(StorageFileApi, FILE_CALLS, (api, name, args, payload) => api._call(name, args, payload))
define(StorageClient, BUCKET_CALLS, (api, name, args, payload) => call(api._driver, name, args, payload))

module.exports = { StorageClient, StorageFileApi }
