'use strict'
// Taro plugin (`plugins: ['supabase-wechat/taro']` in config/index.js): copies the package's wasm
// into the mini-program output on every build (issue 15).
//
// Taro bundles npm packages into vendors.js and copies none of their other files, so the
// `.wasm.br` never reaches the output; WXWebAssembly.instantiate only takes a path inside the code
// package. The copy must happen on every build: the glue's import names are hashed per build, so a
// wasm copied by hand goes stale on the next `npm update`.
//
// Where: `<outputRoot>/supabase-wechat/<file>` (Taro's outputRoot is the mini-program root), one of
// the paths the WeChat loader tries. When: Taro's `onBuildFinish` hook, which the webpack5 runner
// (Taro 3.6 / 4, after every compile, watch rebuilds too) and the vite runner (Taro 4, closeBundle)
// both call; a build that failed is left alone.
//
// Taro resolves plugin names with the `resolve` package, which ignores package.json `exports`: the
// package root has a `taro.js` that requires this file, so `supabase-wechat/taro` resolves in Taro
// and in Node alike.
const fs = require('node:fs')
const path = require('node:path')

const OUTPUT_DIR = 'supabase-wechat'
// Platforms whose output is not a mini-program: nothing to copy there.
const NOT_MINI = ['h5', 'rn', 'harmony', 'harmony-hybrid']

// The built package's wasm files (`miniprogram_dist/*.wasm.br`), as absolute paths.
function wasmFiles(distDir) {
  return fs
    .readdirSync(distDir)
    .filter((f) => f.endsWith('.wasm.br'))
    .map((f) => path.join(distDir, f))
}

// Copies every wasm file of `distDir` into `<outputPath>/supabase-wechat/`; returns the copies' paths.
function copyWasm(outputPath, distDir) {
  const files = wasmFiles(distDir || path.join(__dirname, '..', 'miniprogram_dist'))
  if (files.length === 0) throw new Error('supabase-wechat/taro: no .wasm.br in the installed package')
  const dir = path.join(outputPath, OUTPUT_DIR)
  fs.mkdirSync(dir, { recursive: true })
  return files.map((f) => {
    const to = path.join(dir, path.basename(f))
    fs.copyFileSync(f, to)
    return to
  })
}

// The platform of this `taro build --type <platform>` (ctx.runOpts in @tarojs/service 3.6 and 4).
function platformOf(ctx) {
  const run = ctx.runOpts || {}
  return (run.options && run.options.platform) || (run.options && run.options.type) || ''
}

function taroPlugin(ctx, opts) {
  const options = opts || {}
  ctx.onBuildFinish(({ error }) => {
    if (error) return
    if (NOT_MINI.indexOf(platformOf(ctx)) !== -1) return
    const outputPath = options.outputPath || ctx.paths.outputPath
    const copied = copyWasm(outputPath, options.distDir)
    if (!options.quiet) {
      console.log('supabase-wechat: ' + copied.map((f) => path.relative(ctx.paths.appPath || '', f)).join(', '))
    }
  })
}

module.exports = taroPlugin
module.exports.default = taroPlugin
module.exports.copyWasm = copyWasm
module.exports.OUTPUT_DIR = OUTPUT_DIR
