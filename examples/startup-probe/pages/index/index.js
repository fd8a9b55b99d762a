const probe = require('../../probe/probe.js')
const { summarize, SDKS } = require('../../probe/stats.js')

const fmt = (x) => (x === null || x === undefined ? '—' : x.toFixed(x < 10 ? 2 : 1))
const NAMES = {
  ours: 'supabase-wechat',
  old: 'stable-v2 2.2.0',
  'ours-busy': `supabase-wechat + ${probe.BUSY_MS} ms JS`,
}

function verdict(hidden) {
  if (hidden === null) return '—'
  const share = `${Math.round(hidden * 100)}%`
  if (hidden >= 0.5) return `${share}：wasm 在 JS 线程之外加载 / loads beside the JS thread`
  if (hidden <= 0.2) return `${share}：wasm 在 JS 线程上加载 / loads on the JS thread`
  return `${share}：不确定 / unclear`
}

Page({
  data: { rows: [], ratio: '—', pairs: 0, hidden: '—', failed: 0, clock: '—', count: 0 },
  onShow() {
    this.refresh()
  },
  refresh() {
    const records = probe.records()
    const s = summarize(records, probe.BUSY_MS)
    this.setData({
      rows: SDKS.map((sdk) => {
        const r = s[sdk]
        return {
          sdk,
          name: NAMES[sdk],
          launches: r.launches,
          require: fmt(r.require),
          wasm: fmt(r.wasm),
          getSession: fmt(r.getSession),
          total: fmt(r.total),
          first:
            r.first.map((f) => `#${f.launch} ${fmt(f.total)}${f.wasm === null ? '' : ` (wasm ${fmt(f.wasm)})`}`).join(', ') ||
            '—',
        }
      }),
      ratio: s.pairedRatio === null ? '—' : `${s.pairedRatio.toFixed(2)}×`,
      pairs: s.pairs,
      hidden: verdict(s.hidden),
      failed: s.failed,
      clock: s.clock || '—',
      count: records.length,
    })
  },
  onCopy() {
    wx.setClipboardData({ data: JSON.stringify(probe.records()) })
  },
  onClear() {
    probe.clear()
    this.refresh()
  },
})
