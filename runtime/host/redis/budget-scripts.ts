/**
 * Lua for the Redis BudgetLedger. Each script runs atomically on the server, so `reserve` sweeps
 * expired reservations, reads every subject's spend, decides and reserves against all of them in
 * one step (all or nothing) whatever the number of replicas. Amounts are whole nano-dollars.
 * The rules are runtime/budgets/budget-rules.ts's.
 *
 * Keys per subject i: KEYS[2i-1] is the period's counter (hash: settled, reserved, soft = the
 * soft-limit alert was sent, r:<reservation id> = amount of a live reservation), KEYS[2i] its
 * reservations (sorted set: reservation id -> time it expires).
 *
 * Numbers passed to redis.call are formatted by Lua: `-x` of 0 is "-0", which HINCRBY refuses,
 * so negations are written `0 - x`.
 */
import { defineRedisScript } from "./redis-script.ts";

/** Removes up to 1000 expired reservations of one counter (the rest go on the next call). */
const sweep = `
local function sweep(counter, reservations, now)
  local expired = redis.call('ZRANGEBYSCORE', reservations, '-inf', now, 'LIMIT', 0, 1000)
  if #expired == 0 then return end
  for _, id in ipairs(expired) do
    local field = 'r:' .. id
    local amount = tonumber(redis.call('HGET', counter, field))
    if amount then
      redis.call('HINCRBY', counter, 'reserved', 0 - amount)
      redis.call('HDEL', counter, field)
    end
  end
  redis.call('ZREM', reservations, unpack(expired))
end
`;

/**
 * ARGV: now, reservation id, reservation expires-at, worst-case cost, then per subject: hard
 * limit (-1: none), soft limit (-1: none), counter expires-at (-1: never).
 * Admission as budget-rules.ts `admission`: refused when a hard-limited subject has no headroom
 * (in flight when reservations hold it), or when the worst case does not fit its headroom while a
 * reservation of it is in flight;
 * otherwise the worst case, capped at the smallest headroom, is reserved against every subject.
 * Reply: {allowed (0/1), refusing subject (1-based, 0: none), refused because in flight (0/1),
 * amount reserved, then per subject: settled, reserved after the call, soft limit crossed now (0/1)}.
 */
export const reserveScript = defineRedisScript(`${sweep}
local now = tonumber(ARGV[1])
local worstCase = tonumber(ARGV[4])
local count = #KEYS / 2
local settled, reserved = {}, {}
local refused, inFlight, amount = 0, 0, worstCase
for i = 1, count do
  local counter = KEYS[2 * i - 1]
  sweep(counter, KEYS[2 * i], now)
  local values = redis.call('HMGET', counter, 'settled', 'reserved')
  settled[i] = tonumber(values[1]) or 0
  reserved[i] = tonumber(values[2]) or 0
  local hardLimit = tonumber(ARGV[3 * i + 2])
  if refused == 0 and hardLimit >= 0 then
    local headroom = hardLimit - settled[i] - reserved[i]
    if headroom <= 0 then
      refused = i
      if settled[i] < hardLimit then inFlight = 1 end
    elseif worstCase > headroom then
      if reserved[i] > 0 then
        refused, inFlight = i, 1
      elseif headroom < amount then
        amount = headroom
      end
    end
  end
end
if refused > 0 then
  local result = {0, refused, inFlight, 0}
  for i = 1, count do
    result[#result + 1] = settled[i]
    result[#result + 1] = reserved[i]
    result[#result + 1] = 0
  end
  return result
end
local id, expiresAt = ARGV[2], ARGV[3]
local result = {1, 0, 0, amount}
for i = 1, count do
  local counter, reservations = KEYS[2 * i - 1], KEYS[2 * i]
  redis.call('HINCRBY', counter, 'reserved', amount)
  redis.call('HSET', counter, 'r:' .. id, amount)
  redis.call('ZADD', reservations, expiresAt, id)
  local counterExpiresAt = tonumber(ARGV[3 * i + 4])
  if counterExpiresAt >= 0 then
    redis.call('PEXPIREAT', counter, counterExpiresAt)
    redis.call('PEXPIREAT', reservations, counterExpiresAt)
  end
  local softLimit = tonumber(ARGV[3 * i + 3])
  local crossed = 0
  if softLimit >= 0 and settled[i] >= softLimit and redis.call('HSETNX', counter, 'soft', 1) == 1 then crossed = 1 end
  result[#result + 1] = settled[i]
  result[#result + 1] = reserved[i] + amount
  result[#result + 1] = crossed
end
return result
`);

/**
 * ARGV: reservation id, real cost, then per subject: soft limit (-1: none), counter expires-at
 * (-1: never). The real cost is added even when the reservation has expired.
 * Reply: per subject, soft limit crossed now (0/1).
 */
export const settleScript = defineRedisScript(`
local id, actual = ARGV[1], tonumber(ARGV[2])
local field = 'r:' .. id
local result = {}
for i = 1, #KEYS / 2 do
  local counter, reservations = KEYS[2 * i - 1], KEYS[2 * i]
  local amount = tonumber(redis.call('HGET', counter, field))
  if amount then
    redis.call('HINCRBY', counter, 'reserved', 0 - amount)
    redis.call('HDEL', counter, field)
  end
  redis.call('ZREM', reservations, id)
  local settled = redis.call('HINCRBY', counter, 'settled', actual)
  local counterExpiresAt = tonumber(ARGV[2 * i + 2])
  if counterExpiresAt >= 0 then redis.call('PEXPIREAT', counter, counterExpiresAt) end
  local softLimit = tonumber(ARGV[2 * i + 1])
  local crossed = 0
  if softLimit >= 0 and settled >= softLimit and redis.call('HSETNX', counter, 'soft', 1) == 1 then crossed = 1 end
  result[i] = crossed
end
return result
`);

/** ARGV: reservation id. */
export const releaseReservationScript = defineRedisScript(`
local id = ARGV[1]
local field = 'r:' .. id
for i = 1, #KEYS / 2 do
  local counter = KEYS[2 * i - 1]
  local amount = tonumber(redis.call('HGET', counter, field))
  if amount then
    redis.call('HINCRBY', counter, 'reserved', 0 - amount)
    redis.call('HDEL', counter, field)
  end
  redis.call('ZREM', KEYS[2 * i], id)
end
return 1
`);

/**
 * Read-only. KEYS: one counter and its reservations; ARGV: now.
 * Reply: settled + reserved, without reservations expired at `now`.
 */
export const spentScript = defineRedisScript(`
local counter = KEYS[1]
local values = redis.call('HMGET', counter, 'settled', 'reserved')
local spent = (tonumber(values[1]) or 0) + (tonumber(values[2]) or 0)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 1000)
for _, id in ipairs(expired) do
  spent = spent - (tonumber(redis.call('HGET', counter, 'r:' .. id)) or 0)
end
return spent
`);

/** KEYS: one counter; ARGV: settled spend, counter expires-at (-1: never). Raises, never lowers. */
export const seedScript = defineRedisScript(`
local counter = KEYS[1]
local settled = tonumber(ARGV[1])
if settled > (tonumber(redis.call('HGET', counter, 'settled')) or 0) then redis.call('HSET', counter, 'settled', ARGV[1]) end
local expiresAt = tonumber(ARGV[2])
if expiresAt >= 0 then redis.call('PEXPIREAT', counter, expiresAt) end
return 1
`);
