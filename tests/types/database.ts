// A Database as `supabase gen types typescript` writes it (supabase CLI 2.x), for tests/types/*.ts.
export type Json = string | number | boolean | null | { [key: string]: Json | undefined } | Json[]

export type Database = {
  __InternalSupabase: {
    PostgrestVersion: '12.2.3 (519615d)'
  }
  public: {
    Tables: {
      todos: {
        Row: {
          id: number
          task: string
          done: boolean
          user_id: string
          list_id: number | null
          created_at: string
        }
        Insert: {
          id?: number
          task: string
          done?: boolean
          user_id: string
          list_id?: number | null
          created_at?: string
        }
        Update: {
          id?: number
          task?: string
          done?: boolean
          user_id?: string
          list_id?: number | null
          created_at?: string
        }
        Relationships: [
          {
            foreignKeyName: 'todos_list_id_fkey'
            columns: ['list_id']
            isOneToOne: false
            referencedRelation: 'lists'
            referencedColumns: ['id']
          },
        ]
      }
      lists: {
        Row: {
          id: number
          name: string
          meta: Json | null
        }
        Insert: {
          id?: number
          name: string
          meta?: Json | null
        }
        Update: {
          id?: number
          name?: string
          meta?: Json | null
        }
        Relationships: []
      }
    }
    Views: {
      [_ in never]: never
    }
    Functions: {
      add_numbers: {
        Args: { a: number; b: number }
        Returns: number
      }
      todos_of: {
        Args: { owner: string }
        Returns: {
          id: number
          task: string
          done: boolean
          user_id: string
          list_id: number | null
          created_at: string
        }[]
        SetofOptions: {
          from: '*'
          to: 'todos'
          isOneToOne: false
          isSetofReturn: true
        }
      }
    }
    Enums: {
      [_ in never]: never
    }
    CompositeTypes: {
      [_ in never]: never
    }
  }
}

export type Tables<T extends keyof Database['public']['Tables']> = Database['public']['Tables'][T]['Row']
