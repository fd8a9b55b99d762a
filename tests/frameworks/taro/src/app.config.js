export default {
  pages: ['pages/index/index'],
  window: { navigationBarTitleText: 'supabase-wechat' },
}
