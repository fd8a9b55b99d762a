#!/usr/bin/env node
// Writes the package.json of the built package. `miniprogram` names the folder WeChat DevTools'
// 构建 npm (and miniprogram-ci packNpm) copies into miniprogram_npm/supabase-wechat/.
'use strict'
const fs = require('node:fs')
const path = require('node:path')

const dir = process.argv[2]
const cargo = fs.readFileSync(path.join(__dirname, '..', 'Cargo.toml'), 'utf8')
const version = cargo.match(/^version = "(.*)"/m)[1]
const pkg = {
  name: 'supabase-wechat',
  version,
  description:
    'Supabase / MemFire Cloud client for WeChat mini-programs: a drop-in for supabase-wechat-stable-v2 with a Rust/WebAssembly core',
  license: 'MIT',
  main: 'miniprogram_dist/index.js',
  miniprogram: 'miniprogram_dist',
  // Typings for both entries (scripts/build-types.js); outside `miniprogram`, so 构建 npm skips them.
  types: 'types/index.d.ts',
  files: ['miniprogram_dist', 'browser', 'types', 'integrations'],
  keywords: ['supabase', 'memfire', 'wechat', 'miniprogram', 'weapp', 'webassembly'],
}
// The package as users get it (issue 14). `miniprogram` stays what 构建 npm reads; `exports` gives
// Node and bundlers the mini-program entry as `supabase-wechat` and the browser bundle as
// `supabase-wechat/browser`, each with its typings once `types` is set (the typings step sets it:
// `types/index.d.ts`, and `types/browser.d.ts` for the browser entry). Only the browser bundle has a
// side effect (a <script> sets `window.supabaseWechat`); the modules of the mini-program entry
// define things and touch nothing global. Node ≥ 18 for the browser entry under Node (fetch).
const typed = (types, file) => (pkg.types ? { types: './' + types, default: './' + file } : './' + file)
pkg.exports = {
  '.': typed(pkg.types, pkg.main),
  './browser': typed('types/browser.d.ts', 'browser/supabase-wechat.js'),
  // Build-tool integrations that copy the wasm into framework builds (integrations/): uni-app's Vite.
  './vite': './integrations/vite.js',
  './package.json': './package.json',
}
// No top-level `browser` field: bundlers that build mini-programs (Taro's webpack, uni-app's
// Vite) read `browser` before `main`, and would put the browser bundle, which cannot run in
// WeChat, into the mini-program. The browser entry is `supabase-wechat/browser` (`exports`).
// Taro plugin (issue 15): `supabase-wechat/taro`. The root taro.js is what Taro's plugin resolution
// (the `resolve` package, no `exports`) finds; Node and bundlers go through `exports`.
if (!pkg.files.includes('integrations')) pkg.files.push('integrations')
pkg.files.push('taro.js')
pkg.exports['./taro'] = './integrations/taro.js'
pkg.sideEffects = ['./browser/supabase-wechat.js']
pkg.engines = { node: '>=18' }
fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')
// npm puts README* and LICENSE* of the package root into every tarball, whatever `files` says.
fs.copyFileSync(path.join(__dirname, '..', 'docs', 'package-readme.md'), path.join(dir, 'README.md'))
fs.copyFileSync(path.join(__dirname, '..', 'LICENSE'), path.join(dir, 'LICENSE'))
