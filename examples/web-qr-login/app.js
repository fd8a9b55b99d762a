// 微信网站应用扫码登录 (MemFire's wechat_qr) with the supabase-wechat browser bundle.
// config.js provides window.APP_CONFIG = { supabaseUrl, supabaseKey }.
;(() => {
  'use strict'
  var cfg = window.APP_CONFIG
  var supabase = window.supabaseWechat.createClient(cfg.supabaseUrl, cfg.supabaseKey)
  var $ = (id) => document.getElementById(id)

  function showError(error) {
    $('error').hidden = !error
    $('error').textContent = error ? '登录失败：' + (error.message || String(error)) : ''
  }

  function render(session) {
    var user = session && session.user
    $('signed-in').hidden = !user
    $('signed-out').hidden = !!user
    $('status').textContent = user ? '已登录' : '未登录'
    if (!user) return
    var meta = user.user_metadata || {}
    $('user-id').textContent = user.id
    $('user-name').textContent = meta.nickname || meta.full_name || meta.name || '(无昵称)'
    $('user-provider').textContent = (user.app_metadata && user.app_metadata.provider) || ''
  }

  // Redirects to the (fake) WeChat QR page; back here with ?code=, which the client exchanges on load.
  function signIn(redirectTo) {
    showError(null)
    return supabase.auth
      .signInWithOAuth({
        provider: 'wechat_qr',
        options: { redirectTo: redirectTo || location.href },
      })
      .then((r) => {
        if (r.error) showError(r.error)
        return r
      })
  }

  function signOut() {
    return supabase.auth.signOut().then((r) => {
      if (r.error) showError(r.error)
      render(null)
      return r
    })
  }

  $('login').addEventListener('click', () => {
    signIn()
  })
  $('logout').addEventListener('click', () => {
    signOut()
  })

  supabase.auth.onAuthStateChange((_event, session) => {
    render(session)
  })

  // initialize() resolves once the redirect (if any) has been handled; a denial comes back as { error }.
  window.appReady = supabase.auth
    .initialize()
    .then((r) => {
      if (r.error) showError(r.error)
      return supabase.auth.getSession()
    })
    .then((r) => {
      render(r.data.session)
      document.body.dataset.ready = '1'
    })

  window.app = { supabase: supabase, signIn: signIn, signOut: signOut }
})()
