'use strict'
// The demo mini-program (miniprogram-demo/) as the simulator runs it: a copy with the built package installed by
// 构建 npm (miniprogram-ci packNpm) and lib/config.js pointing at a given backend. The pages are run as they
// are: their `import`s go through DevTools' own compile (project.config.json setting.enhance; tests/sim/compile.js).
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { installPackages, REPO } = require('./project')

const DEMO = path.join(REPO, 'miniprogram-demo')

// Installs the built package into `root` (node_modules → miniprogram_npm via packNpm, node_modules removed).
async function installSdk(root) {
  const { stats } = await installPackages(root)
  return stats
}

// A throwaway copy of the demo wired to `be` (a started backend): { root, stats, cleanup() }.
async function demoProject(be) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-demo-'))
  fs.cpSync(DEMO, root, {
    recursive: true,
    filter: (src) => !['node_modules', 'miniprogram_npm'].includes(path.basename(src)),
  })
  fs.writeFileSync(
    path.join(root, 'lib', 'config.js'),
    `module.exports = { url: ${JSON.stringify(be.url)}, anonKey: ${JSON.stringify(be.anonKey)} }\n`,
  )
  const stats = await installSdk(root)
  return { root, stats, cleanup: () => fs.rmSync(root, { recursive: true, force: true }) }
}

module.exports = { DEMO, installSdk, demoProject }
