-- Storage for the demo mini-program (miniprogram-demo/pages/me): MemFire's guide (seed 002) uploads the
-- avatar chosen with <button open-type="chooseAvatar"> to the bucket `avatar` and shows it through
-- getPublicUrl, after telling the developer to "create a new public bucket" first. Here it exists from
-- the start: public (the public URL needs no token), images only, at most 5 MiB per file. Owned by no
-- user, so only service_role may change or delete the bucket; any signed-in user may upload into it
-- (backend/storage.js rules; anon may not).
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('avatar', 'avatar', true, 5242880, array['image/*']);
