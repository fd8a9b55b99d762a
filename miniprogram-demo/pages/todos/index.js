// 待办清单：通过 supabase.from('todos') 读写 backend/sql/20-demo.sql 的 todos 表。表上有行级安全（RLS）：
// 每个用户只能看到、修改和删除自己的行（user_id 默认为 auth.uid()），未登录时什么也看不到、不能写。
// Todo list through supabase.from('todos'), with row-level security: each user sees and changes only
// their own rows (backend/sql/20-demo.sql); signed out, nothing is visible and nothing can be written.
import { supabase } from '../../lib/supabase'

// pages/todos/index

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
    todos: /** @type {import('supabase-wechat').Row[]} */ ([]),
    task: '',
    signedIn: false,
    loaded: false,
  },

  // 每次切换到这个页面都重新读取（登录、退出登录之后列表随之变化）
  async onShow() {
    await this.load()
  },

  async onPullDownRefresh() {
    await this.load()
    wx.stopPullDownRefresh()
  },

  async load() {
    const {
      data: { session },
    } = await supabase.auth.getSession()
    if (!session) {
      this.setData({ signedIn: false, todos: [], loaded: true })
      return
    }
    const { data, error } = await supabase
      .from('todos')
      .select('id, task, is_complete, inserted_at')
      .order('inserted_at', { ascending: true })
      .order('id', { ascending: true })
    if (error) {
      toast('读取待办失败：' + error.message)
      this.setData({ signedIn: true, loaded: true })
      return
    }
    this.setData({ signedIn: true, todos: data || [], loaded: true })
  },

  /** @param {WechatMiniprogram.Input} e */
  onTaskInput(e) {
    this.setData({ task: e.detail.value })
  },

  async add() {
    const task = this.data.task.trim()
    if (!task) {
      toast('请输入待办内容')
      return
    }
    const { data, error } = await supabase.from('todos').insert({ task }).select('id, task, is_complete, inserted_at').single()
    if (error) {
      toast('添加待办失败：' + error.message)
      return
    }
    if (data) this.setData({ task: '', todos: this.data.todos.concat([data]) })
  },

  // 勾选 / 取消勾选（data-id 是这一行的 id）
  /** @param {WechatMiniprogram.TouchEvent<{}, {}, { id: number }>} e */
  async toggle(e) {
    const id = e.currentTarget.dataset.id
    const todo = this.data.todos.find((t) => t.id === id)
    if (!todo) return
    const { data, error } = await supabase
      .from('todos')
      .update({ is_complete: !todo.is_complete })
      .eq('id', id)
      .select('id, task, is_complete, inserted_at')
      .single()
    if (error) {
      toast('更新待办失败：' + error.message)
      return
    }
    if (data) this.setData({ todos: this.data.todos.map((t) => (t.id === id ? data : t)) })
  },

  /** @param {WechatMiniprogram.TouchEvent<{}, {}, { id: number }>} e */
  async remove(e) {
    const id = e.currentTarget.dataset.id
    const { error } = await supabase.from('todos').delete().eq('id', id)
    if (error) {
      toast('删除待办失败：' + error.message)
      return
    }
    this.setData({ todos: this.data.todos.filter((t) => t.id !== id) })
  },

  goLogin() {
    wx.switchTab({
      url: '/pages/index/index',
    })
  },
})
