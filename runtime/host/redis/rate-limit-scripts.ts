/**
 * Lua for the Redis RateLimiter. Each script runs atomically on the server, so `acquire` reads
 * every subject, decides and counts against all of them in one step (all or nothing) whatever
 * the number of replicas. The rules are rate-limit-rules.ts's, line for line.
 *
 * Keys per subject i: KEYS[2i-1] is the subject's window (hash: r = requests, t = tokens) for
 * the current minute, KEYS[2i] its slots (sorted set: ticket -> time the slot expires).
 */
import { defineRedisScript } from "./redis-script.ts";

/**
 * ARGV: now, window expires-at, ticket, slot expires-at, estimated tokens, then per subject
 * rpm, tpm, parallel (-1: none).
 * Reply: {allowed (0/1), refusing subject (1-based, 0: none), refusing limit (1 rpm, 2 tpm,
 * 3 parallel, 0: none), then per subject: requests, tokens, in flight (read before counting)}.
 */
export const acquireScript = defineRedisScript(`
local now = tonumber(ARGV[1])
local estimate = tonumber(ARGV[5])
local count = #KEYS / 2
local result = {0, 0, 0}
local refusedIndex, refusedLimit = 0, 0
for i = 1, count do
  local rpm, tpm, parallel = tonumber(ARGV[3 * i + 3]), tonumber(ARGV[3 * i + 4]), tonumber(ARGV[3 * i + 5])
  local requests, tokens, inFlight = 0, 0, 0
  if rpm >= 0 or tpm >= 0 then
    local counts = redis.call('HMGET', KEYS[2 * i - 1], 'r', 't')
    requests = tonumber(counts[1]) or 0
    tokens = tonumber(counts[2]) or 0
  end
  if parallel >= 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[2 * i], '-inf', now)
    inFlight = redis.call('ZCARD', KEYS[2 * i])
  end
  result[#result + 1] = requests
  result[#result + 1] = tokens
  result[#result + 1] = inFlight
  if refusedIndex == 0 then
    if rpm >= 0 and requests >= rpm then
      refusedIndex, refusedLimit = i, 1
    elseif tpm >= 0 and (tokens >= tpm or (tokens > 0 and tokens + estimate > tpm)) then
      refusedIndex, refusedLimit = i, 2
    elseif parallel >= 0 and inFlight >= parallel then
      refusedIndex, refusedLimit = i, 3
    end
  end
end
if refusedIndex > 0 then
  result[2], result[3] = refusedIndex, refusedLimit
  return result
end
local slotExpiresAt = tonumber(ARGV[4])
for i = 1, count do
  local rpm, tpm, parallel = tonumber(ARGV[3 * i + 3]), tonumber(ARGV[3 * i + 4]), tonumber(ARGV[3 * i + 5])
  if rpm >= 0 or tpm >= 0 then
    local window = KEYS[2 * i - 1]
    redis.call('HINCRBY', window, 'r', 1)
    redis.call('HINCRBY', window, 't', estimate)
    redis.call('PEXPIREAT', window, ARGV[2])
  end
  if parallel >= 0 then
    local slots = KEYS[2 * i]
    redis.call('ZADD', slots, slotExpiresAt, ARGV[3])
    -- The set lives as long as its latest slot (replicas' clocks may differ slightly).
    if redis.call('PTTL', slots) < slotExpiresAt - now then redis.call('PEXPIREAT', slots, slotExpiresAt) end
  end
end
result[1] = 1
return result
`);

/**
 * ARGV: ticket, token correction (actual - estimated), then per subject what the ticket holds:
 * 1 = counted in the window, 2 = a slot, 3 = both.
 * A window that has expired is not recreated.
 */
export const releaseScript = defineRedisScript(`
local correction = tonumber(ARGV[2])
for i = 1, #KEYS / 2 do
  local holds = tonumber(ARGV[2 + i])
  local window = KEYS[2 * i - 1]
  if holds % 2 == 1 and correction ~= 0 and redis.call('EXISTS', window) == 1 then
    if redis.call('HINCRBY', window, 't', correction) < 0 then redis.call('HSET', window, 't', 0) end
  end
  if holds >= 2 then redis.call('ZREM', KEYS[2 * i], ARGV[1]) end
end
return 1
`);

/**
 * Read only, for the usage routing strategy: the counts `acquire` reads, counting nothing and
 * removing nothing (a slot whose score has passed `now` is simply not counted, as acquire would
 * have removed it). One call for every subject, so all are read at the same instant.
 * ARGV: now. Reply: per subject requests, tokens, in flight.
 */
export const usageScript = defineRedisScript(`
local result = {}
for i = 1, #KEYS / 2 do
  local counts = redis.call('HMGET', KEYS[2 * i - 1], 'r', 't')
  result[#result + 1] = tonumber(counts[1]) or 0
  result[#result + 1] = tonumber(counts[2]) or 0
  result[#result + 1] = redis.call('ZCOUNT', KEYS[2 * i], '(' .. ARGV[1], '+inf')
end
return result
`);
