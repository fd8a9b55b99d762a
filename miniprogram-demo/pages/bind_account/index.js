// 手机号账号绑定微信（MemFire 文档 wechatBindAccount()）：在 web/app 端用手机号 + 短信注册的用户，先在小程序里
// 用手机号 + 短信验证码登录（signInWithOtp + verifyOtp），再用 wx.login 的 code 把当前微信绑定到这个账号；
// 之后用微信快速登录（signInWithWechat）进入的就是同一个账号。该微信已经注册过时，绑定会报错。
// Bind a phone-registered account to WeChat (seed 001): sign in with phone + SMS code, then
// wechatBindAccount({ code }) with a wx.login code; the WeChat user must not exist yet.
import { supabase } from '../../lib/supabase'

// pages/bind_account/index

/** @param {string} title */
function toast(title) {
  wx.showToast({
    title,
    icon: 'none',
    duration: 2000,
  })
}

Page({
  data: {
    phone: '',
    otp: '',
    codeSent: false,
    userId: '',
    userPhone: '',
    wechatId: '',
  },

  // 显示当前登录的账号（若有）
  async onShow() {
    const {
      data: { session },
    } = await supabase.auth.getSession()
    const user = session ? session.user : null
    this.setData({
      userId: user ? user.id : '',
      userPhone: user && user.phone ? user.phone : '',
      wechatId: user && user.wechat_id ? user.wechat_id : '',
    })
  },

  /** @param {WechatMiniprogram.Input} e */
  onPhoneInput(e) {
    this.setData({ phone: e.detail.value })
  },

  /** @param {WechatMiniprogram.Input} e */
  onOtpInput(e) {
    this.setData({ otp: e.detail.value })
  },

  // 第一步：发送短信验证码
  async sendCode() {
    if (!this.data.phone) {
      toast('请输入手机号')
      return
    }
    const { error } = await supabase.auth.signInWithOtp({ phone: this.data.phone })
    if (error) {
      toast('发送验证码失败：' + error.message)
      return
    }
    this.setData({ codeSent: true })
    toast('验证码已发送')
  },

  // 第二步：用验证码登录手机号账号
  async verify() {
    if (!this.data.otp) {
      toast('请输入验证码')
      return
    }
    const { data, error } = await supabase.auth.verifyOtp({ phone: this.data.phone, token: this.data.otp, type: 'sms' })
    if (error) {
      toast('验证码登录失败：' + error.message)
      return
    }
    const user = data.user
    this.setData({
      otp: '',
      codeSent: false,
      userId: user ? user.id : '',
      userPhone: user && user.phone ? user.phone : '',
      wechatId: user && user.wechat_id ? user.wechat_id : '',
    })
    toast('登录成功')
  },

  // 第三步：把当前微信绑定到已登录的手机号账号（wechatBindAccount 文档中的调用）
  bind() {
    wx.login({
      success: async (res) => {
        const { data, error } = await supabase.auth.wechatBindAccount({ code: res.code })
        if (error) {
          toast('绑定微信失败：' + error.message)
          return
        }
        this.setData({ wechatId: data.user && data.user.wechat_id ? data.user.wechat_id : '' })
        toast('绑定成功，可用微信登录')
      },
      fail(err) {
        toast('微信登录失败：' + err.errMsg)
      },
    })
  },
})
