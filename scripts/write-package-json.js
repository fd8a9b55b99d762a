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
  files: ['miniprogram_dist', 'browser', 'types'],
  keywords: ['supabase', 'memfire', 'wechat', 'miniprogram', 'weapp', 'webassembly'],
}
fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n')
