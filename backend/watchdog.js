'use strict'
// Detached helper: when the parent process disappears without stopping its cluster (SIGKILL, crash),
// kill the helper processes listed in <dir>/children (PostgREST), stop PostgreSQL and remove the temp
// directory (which also holds the storage module's files). Killed by the parent on a clean stop.
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const [parentPid, dataDir, dir, pgBin] = process.argv.slice(2)
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0

function alive(pid) {
  try {
    process.kill(Number(pid), 0)
    return true
  } catch (e) {
    return e.code === 'EPERM'
  }
}

// `pid match` lines; a pid is only killed while its command line still contains `match` (pid reuse).
function killChildren() {
  let text = ''
  try {
    text = fs.readFileSync(path.join(dir, 'children'), 'utf8')
  } catch (_) {
    return
  }
  for (const line of text.split('\n')) {
    const [pid, match] = line.trim().split(/\s+/)
    if (!/^\d+$/.test(pid || '')) continue
    let cmd = ''
    try {
      cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    } catch (_) {
      if (process.platform === 'linux') continue
    }
    if (match && cmd && !cmd.includes(match)) continue
    try {
      process.kill(Number(pid), 'SIGKILL')
    } catch (_) {
      /* gone */
    }
  }
}

function cleanup() {
  killChildren()
  if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) {
    const ctl = path.join(pgBin, 'pg_ctl')
    const args = ['-D', dataDir, '-m', 'immediate', '-w', 'stop']
    try {
      if (isRoot) execFileSync('runuser', ['-u', 'postgres', '--', ctl, ...args], { stdio: 'ignore', timeout: 15000 })
      else execFileSync(ctl, args, { stdio: 'ignore', timeout: 15000 })
    } catch (_) {
      /* ignore */
    }
  }
  try {
    fs.rmSync(dir, { recursive: true, force: true })
  } catch (_) {
    /* ignore */
  }
  process.exit(0)
}

process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => {}) // survive a terminal ^C aimed at the parent's process group
process.on('SIGHUP', () => {})

setInterval(() => {
  if (!fs.existsSync(dir)) process.exit(0) // cleaned up by the parent already
  if (!alive(parentPid)) cleanup()
}, 300)
