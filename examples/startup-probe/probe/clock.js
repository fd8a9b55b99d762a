// The probe's clock: wx.getPerformance().now() where WeChat has it (基础库 2.11.0+), else Date.now().
// Its unit differs by platform: microseconds on devices, milliseconds in DevTools (WeChat's docs say
// microseconds; DevTools' differ, a known bug per the WeChat community), so calibrate() measures it
// against Date.now() over a timer of ~50 ms instead of trusting either.
const perf = typeof wx === 'object' && typeof wx.getPerformance === 'function' ? wx.getPerformance() : null
const usePerf = !!perf && typeof perf.now === 'function'

function now() {
  return usePerf ? perf.now() : Date.now()
}

// A Promise of the factor that turns now()'s differences into milliseconds (1 or 0.001).
function calibrate() {
  if (!usePerf) return Promise.resolve(1)
  const d0 = Date.now()
  const p0 = now()
  return new Promise((resolve) => {
    setTimeout(() => {
      const ratio = (now() - p0) / Math.max(1, Date.now() - d0)
      resolve(ratio > 30 ? 0.001 : 1)
    }, 50)
  })
}

module.exports = { now, calibrate }
