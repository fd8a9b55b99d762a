// 手机号授权登录：MemFire 文档「微信小程序登录认证」② 的页面代码，原样照搬；唯一的改动是去掉了
// TypeScript 的参数注解 `e: any`（本项目的页面是 .js，JS 里未注解的参数本来就是 any）。
// Phone-number login, the page code of MemFire's guide (seed 002 ②) byte for byte, except the
// TypeScript annotation `e: any`, which a .js page cannot carry (an unannotated parameter is any).
import { supabase } from '../../lib/supabase'
// pages/phone_login/index.ts
Page({

  /**
   * 页面的初始数据
   */
  data: {

  },

  /**
   * 生命周期函数--监听页面加载
   */
  onLoad() {

  },

  async getPhoneNumber(e) {
    wx.login({
      success: async res => {
        const { data, error } = await supabase.auth.signInWithWechat({ code: res.code })
        if(error){
          wx.showToast({
            title: JSON.stringify(error) || error?.msg,
            icon: "none",
            duration: 2000
          })
        }else if (data) {
          const { data, error } = await supabase.auth.wechatBindPhone({
            code: e.detail.code,
          })
          if (error) {
            wx.showToast({
              title: JSON.stringify(error) || error?.msg,
              icon: "none",
              duration: 2000
            })
          } else if (data) {
            wx.showToast({
              title: '登录成功！',
              icon: "none",
              duration: 1000
            })
          }
        }
      },
    })
  }
})
