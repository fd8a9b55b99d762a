const probe = require('../../probe/probe.js')
const { summarize } = require('../../probe/stats.js')

const fmt = (x) => (x === null || x === undefined ? '—' : x.toFixed(x < 10 ? 2 : 1))

function rowsOf(s) {
  return ['ours', 'old'].map((sdk) => {
    const r = s[sdk]
    return {
      sdk: sdk === 'ours' ? 'supabase-wechat' : 'stable-v2 2.2.0',
      launches: r.launches,
      require: fmt(r.require),
      wasm: fmt(r.wasm),
      getSession: fmt(r.getSession),
      total: fmt(r.total),
      first: r.first.map((f) => `#${f.launch} ${fmt(f.total)}`).join(', ') || '—',
    }
  })
}

Page({
  data: { rows: [], ratio: '—', pairs: 0, failed: 0, clock: '—', count: 0 },
  onShow() {
    this.refresh()
  },
  refresh() {
    const records = probe.records()
    const s = summarize(records)
    this.setData({
      rows: rowsOf(s),
      ratio: s.pairedRatio === null ? '—' : s.pairedRatio.toFixed(2) + '×',
      pairs: s.pairs,
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
