'use strict'
// WXWebAssembly: instantiate(path, imports) with a code-package path only (.wasm / .wasm.br).
const fs = require('node:fs')
const path = require('node:path')
const zlib = require('node:zlib')

// WeChat reads a code-package file and decodes .wasm.br in native code that is loaded before a
// mini-program runs. Node sets the same steps up on their first use in a process: its first async
// file read starts libuv's thread pool, its first brotli decode compiles zlib's JS and makes the native
// decoder (≈1 ms together, bench/cold.js). The simulator pays that once at launch, before any app code,
// so a cold start in the simulator is charged for what a phone does, not for Node's first use.
let warm = null
function warmNative() {
  if (!warm)
    warm = new Promise((resolve) => {
      zlib.brotliDecompressSync(EMPTY_BR)
      fs.readFile(__filename, () => resolve())
    })
  return warm
}
// A brotli stream of no bytes (`brotli -c </dev/null`).
const EMPTY_BR = Buffer.from([0x3f])

function makeWXWebAssembly(app, ctxWebAssembly) {
  const sim = app.sim
  const R = app._R
  const root = sim.root

  function reject(msg) {
    return R.Promise.reject(new R.Error(msg))
  }

  function instantiate(p, imports) {
    if (typeof p !== 'string') {
      const tag = Object.prototype.toString.call(p)
      return reject(
        `WXWebAssembly.instantiate: the first argument must be a code package path string (got ${tag}); ArrayBuffer / TypedArray / Module are not supported`,
      )
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(p)) return reject(`WebAssembly.instantiate: not support wxfile: or http: path (${p})`)
    if (!/\.wasm(\.br)?$/.test(p)) return reject(`WXWebAssembly.instantiate: path must end with .wasm or .wasm.br: ${p}`)
    // Devices want an absolute code-package path (wxwasm.md §1.2: "not absolute path" errors).
    if (!p.startsWith('/'))
      return reject(`WXWebAssembly.instantiate: path must be an absolute code package path starting with '/': ${p}`)
    const rel = p.replace(/^\/+/, '')
    const file = path.resolve(root, rel)
    const r = path.relative(root, file)
    if (!rel || r.startsWith('..') || path.isAbsolute(r))
      return reject(`WXWebAssembly.instantiate: path is outside the code package: ${p}`)
    const t0 = process.hrtime.bigint()
    return new R.Promise((resolve, rej) => {
      fs.readFile(file, (err, buf) => {
        if (!app.alive) return
        if (err) {
          rej(new R.Error(`WXWebAssembly.instantiate: file not found in code package: ${p}`))
          return
        }
        let bytes = buf
        if (p.endsWith('.br')) {
          try {
            bytes = zlib.brotliDecompressSync(buf)
          } catch (e) {
            rej(new R.Error(`WXWebAssembly.instantiate: brotli decode failed for ${p}: ${e.message}`))
            return
          }
        }
        ctxWebAssembly.instantiate(bytes, imports).then(
          (result) => {
            if (!app.alive) return
            // iOS WXWebAssembly cannot export a Global ("iOS 平台暂不支持 Global"): reject like the strictest device.
            const globals = ctxWebAssembly.Module.exports(result.module).filter((e) => e.kind === 'global')
            if (globals.length) {
              rej(
                new R.Error(
                  `WXWebAssembly.instantiate: exported Global is not supported on iOS: ${globals.map((g) => g.name).join(', ')}`,
                ),
              )
              return
            }
            // Found by kind: the package's exports have one-letter names.
            const memory = ctxWebAssembly.Module.exports(result.module).find((e) => e.kind === 'memory')
            sim.wasmLoads.push({
              path: p,
              bytes: buf.length,
              wasmBytes: bytes.length,
              ms: Number(process.hrtime.bigint() - t0) / 1e6,
              app: app.id,
              // The instance's exported memory (if any), for tests that check it never grows.
              memory: memory ? result.instance.exports[memory.name] : null,
            })
            resolve(result)
          },
          (e) => {
            if (app.alive) rej(e)
          },
        )
      })
    })
  }

  const W = app._obj({})
  W.instantiate = app._fn('instantiate', instantiate)
  W.Memory = ctxWebAssembly.Memory
  W.Table = ctxWebAssembly.Table
  W.Global = ctxWebAssembly.Global
  return W
}

module.exports = { warmNative, makeWXWebAssembly }
