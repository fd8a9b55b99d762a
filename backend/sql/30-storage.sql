-- Storage metadata for the local Storage API (backend/storage.js), shaped like Supabase's `storage` schema.
-- File contents live on disk (one file per object id, in the storage module's temp dir); these tables
-- hold the metadata. backend/storage.js talks to them as the superuser and enforces the access rules
-- itself (see the comment at the top of storage.js); the RLS policies below state the same rules for
-- anyone reading the tables through PostgREST (`Accept-Profile: storage`), which is read-only here.

create schema storage;

create table storage.buckets (
  id text primary key,
  name text not null unique,
  owner uuid,
  public boolean not null default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  avif_autodetection boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table storage.objects (
  id uuid primary key default gen_random_uuid(),
  bucket_id text not null references storage.buckets (id),
  name text not null,
  owner uuid,
  metadata jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_accessed_at timestamptz not null default now(),
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  owner_id text,
  user_metadata jsonb,
  unique (bucket_id, name)
);
create index objects_bucket_id_name_pattern_idx on storage.objects (bucket_id, name text_pattern_ops);

-- Supabase's helpers for policies: foldername('a/b/c.png') = {a,b}, filename = 'c.png', extension = 'png'.
create function storage.foldername(name text) returns text[] language sql immutable as $$
  select (string_to_array(name, '/'))[1:greatest(array_length(string_to_array(name, '/'), 1) - 1, 0)]
$$;
create function storage.filename(name text) returns text language sql immutable as $$
  select (string_to_array(name, '/'))[array_length(string_to_array(name, '/'), 1)]
$$;
create function storage.extension(name text) returns text language sql immutable as $$
  select case when storage.filename(name) like '%.%'
              then reverse(split_part(reverse(storage.filename(name)), '.', 1)) else '' end
$$;

-- (The Storage API's list does not call this function: backend/storage-list.js emulates storage-api 1.11.2's
-- storage.search, which orders folders and files together by lower(name); this older shape stays for SQL users.)
-- One level of a "directory" listing (storage-api's storage.search): the folders directly under
-- `prefix` (entries with id null, first), then the files at that level; `search` filters names that
-- start with it (case-insensitive); `prefix` is '' or ends with '/'.
create function storage.search(
  prefix text, bucketname text, limits int default 100, levels int default 1, offsets int default 0,
  search text default '', sortcolumn text default 'name', sortorder text default 'asc'
) returns table (name text, id uuid, updated_at timestamptz, created_at timestamptz,
                 last_accessed_at timestamptz, metadata jsonb)
language plpgsql stable as $$
declare
  v_order text;
  v_col text;
  v_pattern text;
begin
  v_order := case when lower(sortorder) = 'desc' then 'desc' else 'asc' end;
  v_col := case lower(sortcolumn)
             when 'updated_at' then 'o.updated_at'
             when 'created_at' then 'o.created_at'
             when 'last_accessed_at' then 'o.last_accessed_at'
             else 'o.path_tokens[$1] collate "C"' end;
  v_pattern := replace(replace(replace(prefix || coalesce(search, ''), '\', '\\'), '%', '\%'), '_', '\_') || '%';
  return query execute format(
    $q$
    with folders as (
      select o.path_tokens[$1] as folder
        from storage.objects o
       where o.bucket_id = $2 and o.name ilike $3 and array_length(o.path_tokens, 1) > $1
       group by 1
    ), entries as (
      select 0 as kind, row_number() over (order by f.folder collate "C" %1$s) as rn,
             f.folder as name, null::uuid as id, null::timestamptz as updated_at, null::timestamptz as created_at,
             null::timestamptz as last_accessed_at, null::jsonb as metadata
        from folders f
      union all
      select 1, row_number() over (order by %2$s %1$s, o.name collate "C" %1$s),
             o.path_tokens[$1], o.id, o.updated_at, o.created_at, o.last_accessed_at, o.metadata
        from storage.objects o
       where o.bucket_id = $2 and o.name ilike $3 and array_length(o.path_tokens, 1) = $1
    )
    select e.name, e.id, e.updated_at, e.created_at, e.last_accessed_at, e.metadata
      from entries e order by e.kind, e.rn limit $4 offset $5
    $q$, v_order, v_col)
  using levels, bucketname, v_pattern, limits, offsets;
end
$$;

alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;

-- Any valid key sees every bucket; objects of public buckets are readable by anyone, objects of
-- private buckets by signed-in users; writes go through the Storage API only.
create policy buckets_select on storage.buckets for select to anon, authenticated using (true);
create policy objects_select on storage.objects for select to anon, authenticated using (
  (select auth.role()) = 'authenticated'
  or exists (select 1 from storage.buckets b where b.id = bucket_id and b.public)
);

grant usage on schema storage to anon, authenticated, service_role;
grant select on storage.buckets, storage.objects to anon, authenticated;
grant all on storage.buckets, storage.objects to service_role;
grant execute on function storage.foldername(text), storage.filename(text), storage.extension(text),
  storage.search(text, text, int, int, int, text, text, text) to anon, authenticated, service_role;
