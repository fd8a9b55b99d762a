'use strict'
// Persistent wx storage: survives restart(). Values are kept as host-realm deep copies.
const { cloneInto, entrySize } = require('./clone')

const ITEM_MAX = 1024 * 1024 // 1 MB per key (key + JSON of value)
const TOTAL_MAX = 10 * 1024 * 1024 // 10 MB per mini-program per user
const LIMIT_KB = 10240

const HOST = { Object, Array, Date }

// A Map that keeps the byte size of every entry up to date (also when a test writes to it directly).
class StorageMap extends Map {
  constructor() {
    super()
    this.sizes = new Map()
    this.totalBytes = 0
  }

  set(key, value) {
    if (!this.sizes) return super.set(key, value) // during super()
    const size = entrySize(key, value)
    this.totalBytes += size - (this.sizes.get(key) || 0)
    this.sizes.set(key, size)
    return super.set(key, value)
  }

  delete(key) {
    this.totalBytes -= this.sizes.get(key) || 0
    this.sizes.delete(key)
    return super.delete(key)
  }

  clear() {
    this.sizes.clear()
    this.totalBytes = 0
    return super.clear()
  }
}

function typeName(v) {
  if (v === null) return 'Null'
  if (v === undefined) return 'Undefined'
  const t = typeof v
  return t.charAt(0).toUpperCase() + t.slice(1)
}

class StorageError extends Error {}

// Operations return values or throw StorageError(errMsg). `api` is the wx API name used in errMsg.
function makeStorageOps(sim) {
  function checkKey(api, key) {
    if (typeof key !== 'string') {
      throw new StorageError(`${api}:fail parameter error: parameter.key should be String instead of ${typeName(key)};`)
    }
  }
  return {
    set(api, key, data) {
      checkKey(api, key)
      let copy
      try {
        copy = cloneInto(data, HOST)
      } catch (e) {
        throw new StorageError(`${api}:fail parameter error: ${e.message}`)
      }
      const map = sim.storage
      const size = entrySize(key, copy)
      if (size > ITEM_MAX) throw new StorageError(`${api}:fail exceed storage item max length`)
      const newTotal = map.totalBytes - (map.sizes.get(key) || 0) + size
      if (newTotal > TOTAL_MAX) throw new StorageError(`${api}:fail exceed storage max size 10MB`)
      // returns a commit function so async setStorage can snapshot now and write later;
      // the total is checked again at commit time (other writes may have happened meanwhile)
      return () => {
        const m = sim.storage
        if (m.totalBytes - (m.sizes.get(key) || 0) + size > TOTAL_MAX)
          throw new StorageError(`${api}:fail exceed storage max size 10MB`)
        m.set(key, copy)
        sim.storageWrites++
      }
    },
    get(api, key, realm) {
      checkKey(api, key)
      const map = sim.storage
      if (!map.has(key)) return { found: false }
      return { found: true, value: cloneInto(map.get(key), realm) }
    },
    remove(api, key) {
      checkKey(api, key)
      return () => {
        if (sim.storage.delete(key)) sim.storageWrites++
      }
    },
    clear() {
      return () => {
        sim.storage.clear()
        sim.storageWrites++
      }
    },
    info() {
      const map = sim.storage
      return { keys: [...map.keys()], currentSize: Math.ceil(map.totalBytes / 1024), limitSize: LIMIT_KB }
    },
  }
}

module.exports = { StorageMap, StorageError, makeStorageOps, ITEM_MAX, TOTAL_MAX }
