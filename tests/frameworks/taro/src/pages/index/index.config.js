export default { navigationBarTitleText: 'supabase-wechat' }
