// 首页：微信快速登录 (the login page of MemFire's guide, seed 002)
const { supabase } = require('../../lib/supabase')
Page({
  data: {},
  login() {
    wx.login({
      success: async (res) => {
        const { data, error } = await supabase.auth.signInWithWechat({ code: res.code })
        if (error) {
          wx.showToast({ title: error?.error || error?.msg, icon: 'none', duration: 2000 })
        } else if (data) {
          setTimeout(() => {
            wx.showModal({
              title: '提示',
              content: '登录成功！去填充个人资料吧！',
              success(res) {
                if (res.confirm) {
                  wx.navigateTo({ url: '/pages/me/index' })
                }
              },
            })
          }, 1000)
        }
      },
      fail(err) {
        wx.showToast({ title: err.errMsg, icon: 'none', duration: 2000 })
      },
    })
  },
})
