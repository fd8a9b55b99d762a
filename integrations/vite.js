'use strict'
// supabase-wechat/vite: a Vite (Rollup) plugin for mini-program builds that bundle npm packages into
// vendor.js (uni-app vue3 with @dcloudio/vite-plugin-uni; HBuilderX projects read vite.config.js too).
// Such builds copy no other file of a package, and WXWebAssembly.instantiate only opens a file inside
// the code package, so on every build this plugin writes the package's wasm into the output as
// `supabase-wechat/<file>`, where the WeChat loader looks after /miniprogram_npm/ (js-shim/platform/
// wechat/loader.js). Every build, because the glue's import names are hashed per package build.
//
//   // vite.config.js
//   import { defineConfig } from 'vite'
//   import uni from '@dcloudio/vite-plugin-uni'
//   import supabaseWechat from 'supabase-wechat/vite'
//   export default defineConfig({ plugins: [uni(), supabaseWechat()] })
//
// Node code of the build (CommonJS, any Node the bundler runs on), never part of the mini-program.
const fs = require('node:fs')
const path = require('node:path')

// Where the built package keeps the wasm: this file is <package>/integrations/vite.js.
const WASM_DIR = path.join(__dirname, '..', 'miniprogram_dist')
// The folder of the mini-program output the loader looks in (its FRAMEWORK_WASM_PATH).
const OUT_DIR = 'supabase-wechat'

// The package's wasm files: [{ fileName: 'supabase-wechat/<file>', file: absolute path }].
function wasmFiles(dir) {
  const from = dir || WASM_DIR
  let names = []
  try {
    names = fs.readdirSync(from).filter((f) => /\.wasm(\.br)?$/.test(f))
  } catch (_e) {
    names = []
  }
  return names.sort().map((f) => ({ fileName: OUT_DIR + '/' + f, file: path.join(from, f) }))
}

function supabaseWechat() {
  return {
    name: 'supabase-wechat',
    // Only builds write a mini-program (uni-app's `dev:mp-weixin` is a watching build too).
    apply: 'build',
    generateBundle() {
      const files = wasmFiles()
      if (!files.length) {
        this.error(
          'supabase-wechat/vite: no .wasm.br in ' +
            WASM_DIR +
            ' (reinstall supabase-wechat) / 找不到 supabase-wechat 的 wasm 文件，请重新安装',
        )
      }
      for (const f of files) this.emitFile({ type: 'asset', fileName: f.fileName, source: fs.readFileSync(f.file) })
    },
  }
}

module.exports = supabaseWechat
module.exports.default = supabaseWechat
module.exports.supabaseWechat = supabaseWechat
module.exports.wasmFiles = wasmFiles
