'use strict'
// Detached helper: when the parent process disappears without stopping its cluster,
// stop PostgreSQL and remove the temp directory. Killed by the parent on a clean stop.
const fs = require('fs')
const path = require('path')
const { execFileSync } = require('child_process')

const [parentPid, dataDir, dir, pgBin] = process.argv.slice(2)
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0

function alive(pid) {
  try { process.kill(Number(pid), 0); return true } catch (e) { return e.code === 'EPERM' }
}

function cleanup() {
  if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
    const ctl = path.join(pgBin, 'pg_ctl')
    const args = ['-D', dataDir, '-m', 'immediate', '-w', 'stop']
    try {
      if (isRoot) execFileSync('runuser', ['-u', 'postgres', '--', ctl, ...args], { stdio: 'ignore', timeout: 15000 })
      else execFileSync(ctl, args, { stdio: 'ignore', timeout: 15000 })
    } catch (_) { /* ignore */ }
  }
  try { fs.rmSync(dir, { recursive: true, force: true }) } catch (_) { /* ignore */ }
  process.exit(0)
}

process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => {}) // survive a terminal ^C aimed at the parent's process group
process.on('SIGHUP', () => {})

setInterval(() => {
  if (!fs.existsSync(dir)) process.exit(0) // cleaned up by the parent already
  if (!alive(parentPid)) cleanup()
}, 300)
