// The probe's records → what pages/index shows: per SDK, the medians of each phase over the later
// launches (from launch 3 on: WeChat has then compiled and, where it caches, cached the package's JS),
// the first two launches after a clear on their own (launch 1 is the first of an install only if the
// package was just installed), and ours/old as the median of the ratios of neighbouring launches
// (1 with 2, 3 with 4, …), which cancels what a phone's state does to both.
const PHASES = ['require', 'wasm', 'getSession', 'total']

function median(xs) {
  const a = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((p, q) => p - q)
  if (!a.length) return null
  const m = a.length >> 1
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2
}

function summarize(records) {
  const good = (records || []).filter((r) => r && r.ok && r.ms)
  const bySdk = {}
  ;['ours', 'old'].forEach((sdk) => {
    const later = good.filter((r) => r.sdk === sdk && r.launch >= 3)
    const row = { sdk, launches: later.length }
    PHASES.forEach((k) => {
      row[k] = median(later.map((r) => r.ms[k]))
    })
    row.first = good.filter((r) => r.sdk === sdk && r.launch < 3).map((r) => ({ launch: r.launch, total: r.ms.total }))
    bySdk[sdk] = row
  })
  const ratios = []
  good.forEach((r) => {
    if (r.launch < 3 || r.launch % 2 === 0) return
    const next = good.find((n) => n.launch === r.launch + 1 && n.at > r.at)
    if (!next || next.sdk === r.sdk || next.ms.total <= 0 || r.ms.total <= 0) return
    const ours = r.sdk === 'ours' ? r : next
    const old = r.sdk === 'ours' ? next : r
    ratios.push(ours.ms.total / old.ms.total)
  })
  const failed = (records || []).filter((r) => r && !r.ok).length
  return {
    ours: bySdk.ours,
    old: bySdk.old,
    pairedRatio: median(ratios),
    pairs: ratios.length,
    failed,
    clock: good.length ? good[good.length - 1].clock : null,
  }
}

module.exports = { summarize, median, PHASES }
