// The probe's records → what pages/index shows: per SDK, the medians of each phase over the later
// launches (from launch 3 on: WeChat has then compiled and, where it caches, cached the package's JS),
// the first two launches after a clear on their own (launch 1 is the first of an install only if the
// package was just installed), ours/old as the median of the ratios of an 'ours' launch and the 'old'
// one right after it (which cancels what a phone's state does to both), and how much of the wasm load
// hides behind synchronous JS ('ours-busy' against 'ours', see probe.js).
const PHASES = ['require', 'wasm', 'getSession', 'total']
const SDKS = ['ours', 'old', 'ours-busy']

function median(xs) {
  const a = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((p, q) => p - q)
  if (!a.length) return null
  const m = a.length >> 1
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2
}

// busyMs: the synchronous JS an 'ours-busy' launch runs after createClient.
function summarize(records, busyMs) {
  const good = (records || []).filter((r) => r && r.ok && r.ms)
  const out = {}
  SDKS.forEach((sdk) => {
    const later = good.filter((r) => r.sdk === sdk && r.launch >= 3)
    const row = { sdk, launches: later.length }
    PHASES.forEach((k) => {
      row[k] = median(later.map((r) => r.ms[k]))
    })
    row.first = good
      .filter((r) => r.sdk === sdk && r.launch < 3)
      .map((r) => ({ launch: r.launch, total: r.ms.total, wasm: r.ms.wasm }))
    out[sdk] = row
  })
  const ratios = []
  good.forEach((r) => {
    if (r.launch < 3 || r.sdk !== 'ours') return
    const next = good.find((n) => n.launch === r.launch + 1 && n.at > r.at && n.sdk === 'old')
    if (next && next.ms.total > 0 && r.ms.total > 0) ratios.push(r.ms.total / next.ms.total)
  })
  out.pairedRatio = median(ratios)
  out.pairs = ratios.length
  // What the busy launches did not pay of the wasm load, as a share of it: about 0 when the load runs
  // on the JS thread (it waits for the JS, then runs), about 1 when it ran beside the JS.
  const ours = out.ours
  const busy = out['ours-busy']
  out.hidden =
    typeof busyMs === 'number' && ours.total !== null && busy.total !== null && ours.wasm > 0
      ? (ours.total + busyMs - busy.total) / ours.wasm
      : null
  out.failed = (records || []).filter((r) => r && !r.ok).length
  out.clock = good.length ? good[good.length - 1].clock : null
  return out
}

module.exports = { summarize, median, PHASES, SDKS }
