// 个人中心：shows the session restored from storage (getSession) and auth events.
const { supabase } = require('../../lib/supabase')
Page({
  data: { signedIn: false, userId: '', wechatId: '', expiresAt: '', events: [] },
  async onLoad() {
    this.sub = supabase.auth.onAuthStateChange((event) => {
      this.setData({ events: this.data.events.concat(event) })
    }).data.subscription
    const { data, error } = await supabase.auth.getSession()
    if (error) {
      wx.showToast({ title: error.message, icon: 'none' })
      return
    }
    const session = data.session
    this.setData({
      signedIn: !!session,
      userId: session ? session.user.id : '',
      wechatId: session ? session.user.wechat_id : '',
      expiresAt: session ? new Date(session.expires_at * 1000).toISOString() : '',
    })
  },
  onUnload() {
    if (this.sub) this.sub.unsubscribe()
  },
})
