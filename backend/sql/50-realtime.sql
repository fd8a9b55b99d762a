-- Realtime postgres_changes for the local backend (backend/realtime.js).
--
-- Capture: a table opts in with `select realtime.subscribe_table('public.todos')` (the local stand-in for adding
-- it to the supabase_realtime publication; realtime.unsubscribe_table undoes it, realtime.tables lists them). Its
-- AFTER ROW trigger copies each change (NEW and OLD as jsonb) into realtime.changes and sends
-- NOTIFY sbwx_realtime '[id, op, rel]' — the row itself never travels in the notification, so the 8000-byte NOTIFY
-- payload limit does not apply. Notifications are delivered at commit, in commit order, and never for a rolled-back
-- transaction. realtime.js fetches the row, delivers it, and deletes it.
--
-- Visibility: realtime.is_visible(rel, rec) is called by realtime.js inside a transaction whose role and
-- request.jwt.claims are the subscriber's (set_config('role', …, true), set_config('request.jwt.claims', …, true)),
-- so auth.uid() and current_user are the subscriber's. It evaluates the table's SELECT policies (permissive ORed,
-- restrictive ANDed, the roles they apply to, RLS bypass for superusers, BYPASSRLS roles and owners of tables
-- without FORCE) against the captured record itself — not against the live table, which may have changed since
-- the commit. realtime.columns(rel) lists the columns the role may select (the record is cut down to them).
-- realtime.check_filter evaluates one `column=op.value` filter with the column's own type.

create schema realtime;
grant usage on schema realtime to anon, authenticated, service_role;

create table realtime.changes (
  id bigint generated always as identity primary key,
  rel oid not null,
  op text not null check (op in ('INSERT', 'UPDATE', 'DELETE')),
  record jsonb,
  old_record jsonb,
  captured_at timestamptz not null default clock_timestamp()
);

create function realtime.capture() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  change_id bigint;
begin
  insert into realtime.changes (rel, op, record, old_record)
  values (tg_relid, tg_op,
          case when tg_op <> 'DELETE' then pg_catalog.to_jsonb(new) end,
          case when tg_op <> 'INSERT' then pg_catalog.to_jsonb(old) end)
  returning id into change_id;
  perform pg_catalog.pg_notify('sbwx_realtime', pg_catalog.json_build_array(change_id, tg_op, tg_relid::bigint)::text);
  return null;
end $$;
revoke execute on function realtime.capture() from public;

create function realtime.subscribe_table(tbl regclass) returns void
language plpgsql as $$
begin
  execute pg_catalog.format(
    'create or replace trigger sbwx_realtime after insert or update or delete on %s for each row execute function realtime.capture()',
    tbl);
end $$;

create function realtime.unsubscribe_table(tbl regclass) returns void
language plpgsql as $$
begin
  execute pg_catalog.format('drop trigger if exists sbwx_realtime on %s', tbl);
end $$;
revoke execute on function realtime.subscribe_table(regclass), realtime.unsubscribe_table(regclass) from public;

create view realtime.tables as
  select c.oid as rel, n.nspname::text as schema_name, c.relname::text as table_name
    from pg_catalog.pg_trigger t
    join pg_catalog.pg_class c on c.oid = t.tgrelid
    join pg_catalog.pg_namespace n on n.oid = c.relnamespace
   where t.tgname = 'sbwx_realtime' and not t.tgisinternal;

-- May the current role (with the current request.jwt.claims) read `rec` as a row of `rel`? check_rls = false only
-- asks for the SELECT privilege (Supabase's treatment of DELETE).
create function realtime.is_visible(rel oid, rec jsonb, check_rls boolean default true) returns boolean
language plpgsql stable set search_path = '' as $$
declare
  t record;
  me record;
  permissive text;
  restrictive text;
  ok boolean;
begin
  select n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity, c.relowner into t
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
   where c.oid = rel;
  if not found or not pg_catalog.has_any_column_privilege(rel, 'SELECT') then
    return false;
  end if;
  if not check_rls or not t.relrowsecurity then
    return true;
  end if;
  select r.rolsuper, r.rolbypassrls into me from pg_catalog.pg_roles r where r.rolname = current_user;
  if me.rolsuper or me.rolbypassrls then
    return true;
  end if;
  if not t.relforcerowsecurity and pg_catalog.pg_has_role(t.relowner, 'USAGE') then
    return true;
  end if;
  select pg_catalog.string_agg('(' || coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), 'true') || ')', ' or ')
           filter (where p.polpermissive),
         pg_catalog.string_agg('(' || coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), 'true') || ')', ' and ')
           filter (where not p.polpermissive)
    into permissive, restrictive
    from pg_catalog.pg_policy p
   where p.polrelid = rel
     and p.polcmd in ('r', '*')
     and exists (select 1 from pg_catalog.unnest(p.polroles) pr(oid)
                  where case when pr.oid = 0 then true else pg_catalog.pg_has_role(pr.oid, 'MEMBER') end);
  if permissive is null then
    return false; -- RLS on and no policy lets this role select: nothing is visible
  end if;
  execute pg_catalog.format(
    'select exists (select 1 from pg_catalog.jsonb_populate_record(null::%I.%I, $1) as %I where (%s)%s)',
    t.nspname, t.relname, t.relname, permissive, coalesce(' and ' || restrictive, ''))
    using rec into ok;
  return ok;
end $$;

-- The columns of `rel` the current role may select, in table order: [{name, type}] (type = pg_type.typname, as
-- Supabase Realtime sends it: int8, text, uuid, timestamptz, _text, ...).
create function realtime.columns(rel oid) returns jsonb
language sql stable set search_path = '' as $$
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', a.attname, 'type', ty.typname) order by a.attnum), '[]')
    from pg_catalog.pg_attribute a
    join pg_catalog.pg_type ty on ty.oid = a.atttypid
   where a.attrelid = rel and a.attnum > 0 and not a.attisdropped
     and pg_catalog.has_column_privilege(rel, a.attnum, 'SELECT')
$$;

-- One postgres_changes filter `col=[not.]op.val` on `rec` (a jsonb row of `rel`), compared with the column's type.
-- `vals` holds the list of `in`. A null column value matches nothing (negated or not). Raises for an unknown column,
-- operator, or a value that does not cast to the column's type; realtime.js calls it with rec = '{}' to validate.
create function realtime.check_filter(rel oid, rec jsonb, col text, op text, val text, vals text[], negate boolean)
returns boolean
language plpgsql stable set search_path = '' as $$
declare
  typ text;
  expr text;
  res boolean;
begin
  select pg_catalog.format_type(a.atttypid, a.atttypmod) into typ
    from pg_catalog.pg_attribute a
   where a.attrelid = rel and a.attname = col and a.attnum > 0 and not a.attisdropped;
  if typ is null then
    raise exception 'invalid column for filter %', col;
  end if;
  expr := case op
    when 'eq' then 'v = $2::' || typ
    when 'neq' then 'v <> $2::' || typ
    when 'lt' then 'v < $2::' || typ
    when 'lte' then 'v <= $2::' || typ
    when 'gt' then 'v > $2::' || typ
    when 'gte' then 'v >= $2::' || typ
    when 'isdistinct' then 'v is distinct from $2::' || typ
    when 'in' then 'v = any (array(select pg_catalog.unnest($3)::' || typ || '))'
    when 'like' then 'v::text like $2'
    when 'ilike' then 'v::text ilike $2'
    when 'match' then 'v::text ~ $2'
    when 'imatch' then 'v::text ~* $2'
    when 'is' then case pg_catalog.lower(val)
      when 'null' then 'v is null' when 'true' then 'v is true' when 'false' then 'v is false'
      when 'unknown' then 'v is unknown' end
  end;
  if expr is null then
    raise exception 'invalid filter operator or value %.%', op, val;
  end if;
  execute pg_catalog.format(
    'select %s from (select (pg_catalog.jsonb_populate_record(null::%s, $1)).%I as v) s', expr, rel::regclass, col)
    using rec, val, vals into res;
  if negate then
    return coalesce(not res, false);
  end if;
  return coalesce(res, false);
end $$;

grant execute on function realtime.is_visible(oid, jsonb, boolean), realtime.columns(oid) to anon, authenticated, service_role;
revoke execute on function realtime.check_filter(oid, jsonb, text, text, text, text[], boolean) from public;

-- The demo tables publish their changes.
select realtime.subscribe_table('public.todos');
select realtime.subscribe_table('public.profiles');
