// The probe measures at the top of the package's code, as a page's lib/supabase.js runs during 代码注入.
const probe = require('./probe/probe.js')

probe.launch()

App({})
