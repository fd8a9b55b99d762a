'use strict'
// supabase-wechat for the browser: the mini-program package's API (../index.js), with the
// browser adapters (./platform.js). Loaded by <script src=".../browser/supabase-wechat.js">
// as `window.supabaseWechat`.
const api = require('../index.js')
const platform = require('./platform.js')

function createClient(supabaseUrl, supabaseKey, options) {
  return new api.SupabaseClient(supabaseUrl, supabaseKey, Object.assign({}, options, { platform }))
}

module.exports = Object.assign({}, api, { createClient, platform })
