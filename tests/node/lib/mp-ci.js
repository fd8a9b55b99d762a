'use strict'
// miniprogram-ci's offline code analysis of a mini-program project, the way DevTools sees it after
// 构建 npm: the project is copied to a temp dir, the built package is installed under node_modules,
// packNpm (DevTools' 构建 npm) fills miniprogram_npm/, node_modules is removed (DevTools never packs
// it), then analyseCode (the file/module dependency graph) and checkCodeQuality (DevTools' 代码质量
// panel: package size, compression, unused files, …) run. Neither applies project.config.json's
// packOptions.ignore (their analyser globs the whole project); packIgnored() says what it excludes.
// Last, getCompiledResult: DevTools' compilation of the code package as it would be uploaded (babel
// with the project's es6/enhance/minify settings, packOptions applied), offline thanks to a local
// project attr (without it, it asks servicewechat.com); the file names and sizes come back, and the
// compiled page JS.
//
// analyseCode and checkCodeQuality leave a chokidar watcher running that keeps the process alive,
// so they run in a child process (this file as a script), which prints the results as JSON and exits.
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFile } = require('node:child_process')
const { installPackages } = require('./project')

// project.config.json packOptions.ignore as a predicate on project-relative paths (DevTools' rule
// types file / folder / suffix / prefix; glob and regexp are not used here and refused).
function packIgnored(root) {
  const config = JSON.parse(fs.readFileSync(path.join(root, 'project.config.json'), 'utf8'))
  const rules = ((config.packOptions && config.packOptions.ignore) || []).map((r) => {
    const v = String(r.value).replace(/^\.?\//, '')
    switch (r.type) {
      case 'file':
        return (p) => p === v
      case 'folder':
        return (p) => p.startsWith(v.replace(/\/+$/, '') + '/')
      case 'suffix':
        return (p) => p.endsWith(v)
      case 'prefix':
        return (p) => p.startsWith(v)
      default:
        throw new Error(`packOptions.ignore type ${JSON.stringify(r.type)} is not supported by this check`)
    }
  })
  return (p) => rules.some((rule) => rule(p))
}

async function run(source, pkgDir) {
  const ci = require('miniprogram-ci')
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-mpci-'))
  try {
    fs.cpSync(source, root, { recursive: true, filter: (s) => !['node_modules', 'miniprogram_npm'].includes(path.basename(s)) })
    const { stats: packStats, warnings: packWarnings } = await installPackages(root, [
      { name: path.basename(pkgDir), dir: pkgDir },
    ])
    const base = {
      appid: 'wx0000000000000001',
      type: 'miniProgram',
      projectPath: root,
      privateKey: 'offline-analysis-needs-no-real-key',
    }
    const analysis = await ci.analyseCode(new ci.Project(base), { silent: true })
    const quality = await ci.checkCodeQuality(new ci.Project(base))
    const config = JSON.parse(fs.readFileSync(path.join(root, 'project.config.json'), 'utf8'))
    const attr = async () => JSON.parse(JSON.stringify(ci.DefaultProjectAttr))
    const zip = path.join(root, 'compiled.zip')
    const setting = { es6: !!config.setting.es6, enhance: !!config.setting.enhance, minify: !!config.setting.minified }
    const out = await ci.getCompiledResult({ project: new ci.Project({ ...base, attr }), setting }, zip)
    const compiled = { setting, files: {}, pages: {} }
    for (const [name, content] of Object.entries(out)) {
      if (name === 'compiled.zip') continue
      compiled.files[name] = Buffer.byteLength(content)
      if (/^pages\/.*\.js$/.test(name)) compiled.pages[name] = String(content)
    }
    return { packStats, packWarnings, analysis, quality, compiled }
  } finally {
    fs.rmSync(root, { recursive: true, force: true })
  }
}

// From a test: the results of run(source, pkgDir), computed in a child process.
function analyseProject(source, pkgDir) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [__filename, source, pkgDir], { maxBuffer: 64 << 20, timeout: 60000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`miniprogram-ci analysis failed: ${err.message}\n${stderr}`))
      const line = stdout.split('\n').find((l) => l.startsWith('{"result":'))
      if (!line) return reject(new Error(`miniprogram-ci analysis printed no result:\n${stdout}\n${stderr}`))
      resolve(JSON.parse(line).result)
    })
  })
}

if (require.main === module) {
  // getCompiledResult leaves empty hash-named directories in the working directory: use a temp one.
  const source = path.resolve(process.argv[2])
  const pkgDir = path.resolve(process.argv[3])
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sbwx-mpci-cwd-'))
  process.chdir(work)
  process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }))
  run(source, pkgDir).then(
    (result) => {
      process.stdout.write('\n' + JSON.stringify({ result }) + '\n', () => process.exit(0))
    },
    (e) => {
      console.error(e && e.stack ? e.stack : e)
      process.exit(1)
    },
  )
}

module.exports = { analyseProject, packIgnored }
