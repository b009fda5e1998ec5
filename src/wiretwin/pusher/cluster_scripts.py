"""The Lua scripts that keep a Pusher cluster's shared state in Redis.

Keys (``P`` is the cluster's key prefix, ``US`` the unit separator ``\\x1f``):

``P epoch``              a random token set by the first process to find none: a process
                         that finds another one after a reconnect knows Redis lost the
                         cluster's state (it restarted empty) while it was away
``P nodes``              set of live processes (node ids)
``P occ: app``           hash channel -> subscriptions + socketless members, cluster-wide
``P subs: app``          hash channel -> socket subscriptions, cluster-wide
``P users: app US ch``   hash user id -> presences of the user in the channel
``P node: node``         hash of one process's share of the counts above, so that what a
                         dead process held can be taken back (fields ``o|s US app US ch``
                         ``u US app US ch US user`` and ``w US app US user``)
``P online: app``        hash user id -> signed-in connections, cluster-wide
``P roster: node``       hash ``app US ch US key`` -> JSON ``[user_id, user_info]``: one
                         process's presence members (``key``: ``node/socket id``, or
                         ``node/*user id`` for a member without a socket), read by the
                         other processes when it joins or comes back

Each script changes the counts atomically and says which transitions happened, so the
membership webhooks (channel_occupied/vacated, member_added/removed) are sent once per
cluster, by the process whose change caused them. Presence changes are published on the
bus from inside the script, atomically with the state a starting process reads.

A process joining (or coming back after losing Redis) writes its whole share at once
(:data:`RESYNC`): the script compares it with what Redis holds of it and applies the
difference, so what changed while it was away is counted once.
"""

from __future__ import annotations

_HELPERS = """
local P = ARGV[1]
local US = '\\31'
local function incr(key, field, d)
  local n = redis.call('HINCRBY', key, field, d)
  if n <= 0 then redis.call('HDEL', key, field) end
  return n
end
"""

#: ARGV: prefix, node, app, channel, delta (1 or -1), is_socket (1/0), user id ('' for
#: none), member key, member JSON, bus message ('' for none), whether to tell every node
#: the new subscription count (1/0). Returns the cluster's subscription count, then the
#: webhooks due.
MEMBERSHIP = _HELPERS + """
local node, app, ch = ARGV[2], ARGV[3], ARGV[4]
local d = tonumber(ARGV[5])
local user = ARGV[7]
local mine = P .. 'node:' .. node
local out = {0}
local occ = incr(P .. 'occ:' .. app, ch, d)
incr(mine, 'o' .. US .. app .. US .. ch, d)
if ARGV[6] == '1' then
  local subs = incr(P .. 'subs:' .. app, ch, d)
  incr(mine, 's' .. US .. app .. US .. ch, d)
  out[1] = math.max(subs, 0)
  if ARGV[11] == '1' then
    redis.call('PUBLISH', P .. 'bus', cjson.encode({t = 'count', a = app, c = ch, x = out[1]}))
  end
end
if d > 0 and occ == 1 then table.insert(out, 'channel_occupied') end
if user ~= '' then
  local u = incr(P .. 'users:' .. app .. US .. ch, user, d)
  incr(mine, 'u' .. US .. app .. US .. ch .. US .. user, d)
  local field = app .. US .. ch .. US .. ARGV[8]
  if d > 0 then
    redis.call('HSET', P .. 'roster:' .. node, field, ARGV[9])
    if u == 1 then table.insert(out, 'member_added') end
  else
    redis.call('HDEL', P .. 'roster:' .. node, field)
    if u <= 0 then table.insert(out, 'member_removed') end
  end
end
if occ <= 0 then table.insert(out, 'channel_vacated') end
if ARGV[10] ~= '' then redis.call('PUBLISH', P .. 'bus', ARGV[10]) end
return out
"""

#: ARGV: prefix, node, app, user id, delta (1 or -1). Counts the user's signed-in
#: connections cluster-wide and tells every node when the user comes online (first
#: connection) or goes offline (last one).
SIGNED = _HELPERS + """
local node, app, user = ARGV[2], ARGV[3], ARGV[4]
local d = tonumber(ARGV[5])
local n = incr(P .. 'online:' .. app, user, d)
incr(P .. 'node:' .. node, 'w' .. US .. app .. US .. user, d)
local what = nil
if d > 0 and n == 1 then what = 'online' elseif n <= 0 then what = 'offline' end
if what then
  redis.call('PUBLISH', P .. 'bus', cjson.encode({t = what, a = app, u = user}))
end
return n
"""

#: ARGV: prefix, the gone node, bus message. Takes back everything the node held (once:
#: the first caller removes it from the node set) and returns the webhooks due, as a flat
#: list of (name, app, channel, user id or '').
GONE = _HELPERS + """
local node = ARGV[2]
if redis.call('SREM', P .. 'nodes', node) == 0 then return {} end
local mine = P .. 'node:' .. node
local fields = redis.call('HGETALL', mine)
local out = {}
local function parts(f)
  local t = {}
  for part in string.gmatch(f, '[^' .. US .. ']+') do table.insert(t, part) end
  return t
end
for pass = 1, 4 do
  local kind = ({'u', 's', 'o', 'w'})[pass]
  for i = 1, #fields, 2 do
    local p = parts(fields[i])
    local n = tonumber(fields[i + 1])
    if p[1] == kind and n > 0 then
      if kind == 'u' then
        if incr(P .. 'users:' .. p[2] .. US .. p[3], p[4], -n) <= 0 then
          for _, v in ipairs({'member_removed', p[2], p[3], p[4]}) do table.insert(out, v) end
        end
      elseif kind == 's' then
        incr(P .. 'subs:' .. p[2], p[3], -n)
      elseif kind == 'w' then
        if incr(P .. 'online:' .. p[2], p[3], -n) <= 0 then
          redis.call('PUBLISH', P .. 'bus',
                     cjson.encode({t = 'offline', a = p[2], u = p[3]}))
        end
      elseif kind == 'o' and incr(P .. 'occ:' .. p[2], p[3], -n) <= 0 then
        for _, v in ipairs({'channel_vacated', p[2], p[3], ''}) do table.insert(out, v) end
      end
    end
  end
end
redis.call('DEL', mine, P .. 'roster:' .. node)
redis.call('PUBLISH', P .. 'bus', ARGV[3])
return out
"""

#: ARGV: prefix, node, the epoch the node knows ('' when it starts), an epoch to set if
#: Redis has none, how many share fields follow, that many (field, count) pairs (the
#: node's counts, as in ``P node: node``), then (roster field, member JSON) pairs.
#:
#: Makes Redis hold exactly that share for the node (registering it in the node set) by
#: applying the difference with what it held, then tells every node the node is back.
#: When Redis kept the cluster's state (the same epoch, or the node's first join) the
#: difference is news: the script publishes the new subscription counts and the users
#: who came online or went offline, and returns [epoch, 1, then the webhooks due as
#: (name, app, channel, user id or '', subscription count) tuples]. When Redis lost it
#: (another epoch), every node is writing back what it held: nothing is announced and it
#: returns [epoch, 0].
RESYNC = _HELPERS + """
local node, known = ARGV[2], ARGV[3]
local epoch = redis.call('GET', P .. 'epoch')
if not epoch then
  epoch = ARGV[4]
  redis.call('SET', P .. 'epoch', epoch)
end
local news = known == '' or known == epoch
redis.call('SADD', P .. 'nodes', node)
local mine = P .. 'node:' .. node
local old, new, names = {}, {}, {}
local held = redis.call('HGETALL', mine)
for i = 1, #held, 2 do
  old[held[i]] = tonumber(held[i + 1])
  table.insert(names, held[i])
end
local count = tonumber(ARGV[5])
for i = 6, 5 + 2 * count, 2 do
  new[ARGV[i]] = tonumber(ARGV[i + 1])
  if not old[ARGV[i]] then table.insert(names, ARGV[i]) end
end
table.sort(names)
local occupied, added, removed, counted, vacated = {}, {}, {}, {}, {}
local function hook(list, name, app, ch, user, n)
  for _, v in ipairs({name, app, ch, user, n}) do table.insert(list, v) end
end
local function parts(f)
  local t = {}
  for part in string.gmatch(f, '[^' .. US .. ']+') do table.insert(t, part) end
  return t
end
local function publish(message)
  if news then redis.call('PUBLISH', P .. 'bus', cjson.encode(message)) end
end
for _, f in ipairs(names) do
  local d = (new[f] or 0) - (old[f] or 0)
  if d ~= 0 then
    local p = parts(f)
    local kind = p[1]
    local n, before
    if kind == 'o' then
      n = incr(P .. 'occ:' .. p[2], p[3], d)
      before = n - d
      if n > 0 and before <= 0 then hook(occupied, 'channel_occupied', p[2], p[3], '', 0) end
      if n <= 0 and before > 0 then hook(vacated, 'channel_vacated', p[2], p[3], '', 0) end
    elseif kind == 's' then
      n = math.max(incr(P .. 'subs:' .. p[2], p[3], d), 0)
      if string.sub(p[3], 1, 9) ~= 'presence-' then
        hook(counted, 'subscription_count', p[2], p[3], '', n)
        publish({t = 'count', a = p[2], c = p[3], x = n})
      end
    elseif kind == 'u' then
      n = incr(P .. 'users:' .. p[2] .. US .. p[3], p[4], d)
      before = n - d
      if n > 0 and before <= 0 then hook(added, 'member_added', p[2], p[3], p[4], 0) end
      if n <= 0 and before > 0 then hook(removed, 'member_removed', p[2], p[3], p[4], 0) end
    elseif kind == 'w' then
      n = incr(P .. 'online:' .. p[2], p[3], d)
      before = n - d
      if n > 0 and before <= 0 then publish({t = 'online', a = p[2], u = p[3]}) end
      if n <= 0 and before > 0 then publish({t = 'offline', a = p[2], u = p[3]}) end
    end
    if new[f] then redis.call('HSET', mine, f, new[f]) else redis.call('HDEL', mine, f) end
  end
end
redis.call('DEL', P .. 'roster:' .. node)
for i = 6 + 2 * count, #ARGV, 2 do
  redis.call('HSET', P .. 'roster:' .. node, ARGV[i], ARGV[i + 1])
end
redis.call('PUBLISH', P .. 'bus', cjson.encode({n = node, t = 'back', r = news and 1 or 0}))
local out = {epoch, news and 1 or 0}
if news then
  for _, list in ipairs({occupied, added, removed, counted, vacated}) do
    for _, v in ipairs(list) do table.insert(out, v) end
  end
end
return out
"""

#: ARGV: prefix, app, then channel names (none: every occupied channel). Returns a flat
#: list of (channel, subscription count, user count) for the occupied ones.
COUNTS = _HELPERS + """
local app = ARGV[2]
local names = {}
if #ARGV > 2 then
  for i = 3, #ARGV do table.insert(names, ARGV[i]) end
else
  names = redis.call('HKEYS', P .. 'occ:' .. app)
end
local out = {}
for _, ch in ipairs(names) do
  local occ = tonumber(redis.call('HGET', P .. 'occ:' .. app, ch) or '0')
  if occ > 0 then
    table.insert(out, ch)
    table.insert(out, tonumber(redis.call('HGET', P .. 'subs:' .. app, ch) or '0'))
    table.insert(out, redis.call('HLEN', P .. 'users:' .. app .. US .. ch))
  end
end
return out
"""

__all__ = ["COUNTS", "GONE", "MEMBERSHIP", "RESYNC", "SIGNED"]
