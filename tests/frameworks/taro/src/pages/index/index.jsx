// The one page: it shows who is signed in, and hands the flows to the test (Taro.getApp().$flow), which
// drives them as the buttons of a real page would.
import { View, Text } from '@tarojs/components'
import Taro, { useLoad } from '@tarojs/taro'
import { useState } from 'react'
import * as flow from '../../lib/flow'

export default function Index() {
  const [user, setUser] = useState('')
  useLoad(() => {
    Taro.getApp().$flow = flow
    flow.currentUser().then((id) => setUser(id || '未登录'))
  })
  return (
    <View>
      <Text id='user'>{user}</Text>
    </View>
  )
}
