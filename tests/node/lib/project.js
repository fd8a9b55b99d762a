'use strict'
// Throwaway mini-program projects, built the way a developer's looks after 构建 npm: the built
// package (dist/supabase-wechat) is installed under node_modules, miniprogram-ci's packNpm (the
// offline extract of DevTools' 构建 npm) copies it into miniprogram_npm/, and node_modules is then
// removed, since it is not part of the uploaded code package.
//
//   clientProject({ url, key, clients: { supabase: {}, fast: { options: { requestTimeout: 1500 } } }, files })
//
// writes lib/supabase.js and lib/fast.js, each a module that creates one client (see clientModule), installs
// the packages those clients require, and hands back the project: { root, pack, libs, path(), simulator(),
// launch(), cleanup() }. makeProject(files) is the same without client modules.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

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
const KNOWN = { [OURS.name]: OURS, [ANCHOR.name]: ANCHOR }

// 构建 npm in `root`: each of `packages` ({ name, dir }) is copied to node_modules/<name>, packNpm fills
// miniprogram_npm/, and node_modules is removed (unless keepNodeModules). What was in node_modules/ and
// miniprogram_npm/ before is dropped first. Returns packNpm's { stats, warnings }.
async function installPackages(root, packages = [OURS], { keepNodeModules = false } = {}) {
  if (packages.includes(OURS)) assertBuilt()
  for (const dir of ['node_modules', 'miniprogram_npm']) fs.rmSync(path.join(root, dir), { recursive: true, force: true })
  for (const p of packages) fs.cpSync(p.dir, path.join(root, 'node_modules', p.name), { recursive: true, dereference: true })
  const pack = await packNpm(root)
  if (!keepNodeModules) fs.rmSync(path.join(root, 'node_modules'), { recursive: true, force: true })
  return pack
}

// The source of a lib module that creates one client:
//   const { createClient } = require(pkg)
//   <setup>
//   module.exports = createClient(url, key, options)                       (as: 'client', the default)
//   module.exports = { <exports...>, supabase: createClient(url, key, options) }   (as: 'supabase')
// url and key are strings (quoted into the source). options: an object (written as JSON), or JS source for
// what JSON cannot carry (a storage object declared in `setup`, BigInt, …); left out, createClient gets two
// arguments. exports: names declared in `setup` that the module exports next to `supabase`. esm: true writes
// `import { createClient } from …` and `export default …` / `export const supabase = …` (an ES-module lib,
// compiled by the simulator as DevTools would).
function clientModule({ url, key, options, pkg = OURS.name, as = 'client', setup = '', exports = [], esm = false }) {
  if (typeof url !== 'string' || typeof key !== 'string') throw new Error('clientModule: url and key must be strings')
  if (!['client', 'supabase'].includes(as))
    throw new Error(`clientModule: as must be 'client' or 'supabase', not ${JSON.stringify(as)}`)
  if (exports.length && (as !== 'supabase' || esm)) throw new Error("clientModule: exports needs as: 'supabase' and CommonJS")
  const args = [JSON.stringify(url), JSON.stringify(key)]
  if (options !== undefined) args.push(typeof options === 'string' ? options : JSON.stringify(options))
  const client = `createClient(${args.join(', ')})`
  const lines = [esm ? `import { createClient } from '${pkg}'` : `const { createClient } = require('${pkg}')`]
  if (setup) lines.push(setup.replace(/^\n+|\n+$/g, ''))
  if (esm) lines.push(as === 'client' ? `export default ${client}` : `export const supabase = ${client}`)
  else if (as === 'client') lines.push(`module.exports = ${client}`)
  else lines.push(`module.exports = { ${exports.map((n) => n + ', ').join('')}supabase: ${client} }`)
  return lines.join('\n') + '\n'
}

// A packed project with `files` ({ 'relative/path.js': 'source', ... }, written after packing, so they may
// replace project.config.json or app.json). packages: the npm packages to install (default: the built
// supabase-wechat). Returns { root, pack, path(rel), simulator(opts), launch(opts), cleanup() }:
// simulator(opts) is tests/sim's createSimulator({ root, ...opts }); launch(opts) is { sim, app } of one.
async function makeProject(files = {}, { keepNodeModules = false, packages = [OURS] } = {}) {
  if (packages.includes(OURS)) assertBuilt()
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-mp-'))
  const write = (rel, content) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true })
    fs.writeFileSync(path.join(root, rel), content)
  }
  write('project.config.json', JSON.stringify({ appid: 'wx0000000000000001', compileType: 'miniprogram' }))
  const dependencies = Object.fromEntries(packages.map((p) => [p.name, `file:${p.dir}`]))
  write('package.json', JSON.stringify({ name: 'mp', dependencies }))
  const pages = Object.keys(files)
    .filter((f) => /^pages\/.*\.js$/.test(f))
    .map((f) => f.slice(0, -3))
  write('app.json', JSON.stringify({ pages }))
  const pack = await installPackages(root, packages, { keepNodeModules })
  for (const [rel, content] of Object.entries(files)) write(rel, content)
  const simulator = (opts = {}) => require('../../sim').createSimulator({ root, ...opts })
  return {
    root,
    pack,
    path: (rel) => path.join(root, rel),
    simulator,
    async launch(opts) {
      const sim = simulator(opts)
      return { sim, app: await sim.launch() }
    },
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  }
}

// makeProject with one lib/<name>.js per entry of `clients` (clientModule's spec; url, key, pkg, as and esm
// default to the ones given here, pkg to supabase-wechat). packages default to those the clients require.
// Adds libs: { <name>: 'lib/<name>' }, what app.require takes.
async function clientProject({
  url,
  key,
  pkg = OURS.name,
  as = 'client',
  esm = false,
  clients = {},
  files = {},
  packages,
  keepNodeModules,
}) {
  const libs = {}
  const written = {}
  const used = new Set()
  for (const [name, spec] of Object.entries(clients)) {
    const full = { url, key, pkg, as, esm, ...spec }
    libs[name] = `lib/${name}`
    written[`lib/${name}.js`] = clientModule(full)
    used.add(full.pkg)
  }
  if (!packages) {
    packages = [...used].map((name) => {
      if (!KNOWN[name]) throw new Error(`clientProject: no package directory known for ${name}: pass packages`)
      return KNOWN[name]
    })
    if (!packages.length) packages = [OURS]
  }
  const project = await makeProject({ ...written, ...files }, { packages, keepNodeModules })
  return { ...project, libs }
}

module.exports = { clientProject, clientModule, makeProject, installPackages, packNpm, REPO, PKG, OURS, ANCHOR }
