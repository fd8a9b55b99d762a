// 小程序码：supabase.auth.getUnlimitedQRCode 由后端调用微信的 getwxacodeunlimit，返回 PNG 的 base64
// （data.imgBase64），这里直接显示在 <image> 里。扫码打开 page 页面，onLoad 的 query.scene 是 scene。
// Mini-program code for a page: getUnlimitedQRCode answers { data: { imgBase64 } } (a PNG), shown in an <image>.
import { supabase } from '../../lib/supabase'

// pages/qrcode/index

Page({
  data: {
    page: 'pages/index/index',
    scene: 'from=demo',
    imgBase64: '',
  },

  /** @param {WechatMiniprogram.Input} e */
  onPageInput(e) {
    this.setData({ page: e.detail.value })
  },

  /** @param {WechatMiniprogram.Input} e */
  onSceneInput(e) {
    this.setData({ scene: e.detail.value })
  },

  async make() {
    const { data, error } = await supabase.auth.getUnlimitedQRCode({
      page: this.data.page,
      scene: this.data.scene,
      // 开发中的小程序还没有发布：不检查页面是否存在，扫码打开开发版
      // (an unreleased mini-program: don't check that the page is published; open the develop version)
      check_path: false,
      env_version: 'develop',
      width: 430,
    })
    if (error) {
      wx.showToast({
        title: '生成小程序码失败：' + error.message,
        icon: 'none',
        duration: 2000,
      })
      return
    }
    this.setData({ imgBase64: data.imgBase64 || '' })
  },
})
