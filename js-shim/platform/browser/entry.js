'use strict'
// supabase-wechat for the browser: the mini-program package's API (../../api.js) with the
// browser adapters (./index.js). Loaded by <script src=".../browser/supabase-wechat.js"> as
// `window.supabaseWechat`.
const platform = require('./index.js')
const api = require('../../api.js').forPlatform(platform)

// The page's `options.platform` is replaced by the browser adapters, as before.
function createClient(supabaseUrl, supabaseKey, options) {
  return new api.SupabaseClient(supabaseUrl, supabaseKey, Object.assign({}, options, { platform }))
}

module.exports = Object.assign({}, api, { createClient, platform })
