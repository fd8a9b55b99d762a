'use strict'
// supabase-wechat for WeChat mini-programs: the package's API (api.js) with the WeChat platform's
// adapters (platform/wechat: WXWebAssembly, wx.request, wx storage, wx.connectSocket, …).
module.exports = require('./api.js').forPlatform(require('./platform/wechat/index.js'))
