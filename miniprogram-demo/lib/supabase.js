// The one client of the app, as in MemFire's docs: pages do
//   const { supabase } = require('../../lib/supabase')   (or `import { supabase } from ...`)
const { createClient } = require('supabase-wechat')
const config = require('./config.js')

const supabase = createClient(config.url, config.anonKey)

module.exports = { supabase }
