'use strict'
// Builds a throwaway mini-program project the way a developer's looks after 构建 npm: the built
// package (dist/supabase-wechat) is installed under node_modules, miniprogram-ci's packNpm (the
// offline extract of DevTools' 构建 npm) copies it into miniprogram_npm/, and node_modules is then
// removed, since it is not part of the uploaded code package.
const fs = require('fs')
const os = require('os')
const path = require('path')

const REPO = path.resolve(__dirname, '..', '..', '..')
const PKG = path.join(REPO, 'dist', 'supabase-wechat')

function assertBuilt() {
  if (!fs.existsSync(path.join(PKG, 'package.json'))) {
    throw new Error('dist/supabase-wechat is missing: run scripts/build.sh first (scripts/test-all.sh does)')
  }
}

let ci = null
async function packNpm(root) {
  ci = ci || require('miniprogram-ci')
  const project = new ci.Project({
    appid: 'wx0000000000000001',
    type: 'miniProgram',
    projectPath: root,
    privateKey: 'offline-packnpm-needs-no-real-key',
    ignores: ['node_modules/**/*'],
  })
  const stats = {}
  const warnings = await ci.packNpm(project, { reporter: (r) => Object.assign(stats, r) })
  return { stats, warnings }
}

const OURS = { name: 'supabase-wechat', dir: PKG }
// The SDK we replace, for compatibility tests and benchmarks.
const ANCHOR = { name: 'supabase-wechat-stable-v2', dir: path.join(REPO, 'node_modules', 'supabase-wechat-stable-v2') }

// files: { 'relative/path.js': 'source', ... } written into the project after packing.
// packages: the npm packages to install and pack (default: the built supabase-wechat).
async function makeProject(files = {}, { keepNodeModules = false, packages = [OURS] } = {}) {
  if (packages.includes(OURS)) assertBuilt()
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-mp-'))
  const write = (rel, content) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    fs.writeFileSync(path.join(root, rel), content)
  }
  write('project.config.json', JSON.stringify({ appid: 'wx0000000000000001', compileType: 'miniprogram' }))
  write('package.json', JSON.stringify({ name: 'mp', dependencies: Object.fromEntries(packages.map((p) => [p.name, 'file:' + p.dir])) }))
  write('app.json', JSON.stringify({ pages: Object.keys(files).filter((f) => /^pages\/.*\.js$/.test(f)).map((f) => f.slice(0, -3)) }))
  for (const p of packages) fs.cpSync(p.dir, path.join(root, 'node_modules', p.name), { recursive: true, dereference: true })
  const pack = await packNpm(root)
  if (!keepNodeModules) fs.rmSync(path.join(root, 'node_modules'), { recursive: true, force: true })
  for (const [rel, content] of Object.entries(files)) write(rel, content)
  return { root, pack, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) }
}

module.exports = { makeProject, packNpm, REPO, PKG, OURS, ANCHOR }
