-- POSTs the same chat completions request as the Java driver (tollgate.bench.load.RequestTemplate) and prints
-- one JSON line (prefixed "RESULT ") with the run's counts and latency percentiles in microseconds.
-- env: BENCH_REQUEST_BYTES (minimum body size), BENCH_MOCK_BODY_BYTES (asks the mock for a body that large),
-- BENCH_USERS / BENCH_KEYS / BENCH_TEAMS (each request names one of N end users in X-Tollgate-User, one of N API
-- keys, one of N values of X-Tollgate-Tag-Team, drawn at random: budgets of many scope members, issue 16)
local min_body = tonumber(os.getenv("BENCH_REQUEST_BYTES") or "0") or 0
local mock_body = os.getenv("BENCH_MOCK_BODY_BYTES")

local head = '{"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are a helpful assistant."},'
    .. '{"role":"user","content":"'
local tail = '"}],"max_tokens":200}'
local filler = "Summarize the following text in one sentence, please. "
local chars = math.max(#filler, min_body - #head - #tail)
local content = string.rep(filler, math.ceil(chars / #filler)):sub(1, chars)

wrk.method = "POST"
wrk.path = "/v1/chat/completions"
wrk.body = head .. content .. tail
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-bench-0000000000000000000000000000000000000000"
if mock_body and mock_body ~= "" then
  wrk.headers["x-mock-body-bytes"] = mock_body
end

local users = tonumber(os.getenv("BENCH_USERS") or "0") or 0
local keys = tonumber(os.getenv("BENCH_KEYS") or "0") or 0
local teams = tonumber(os.getenv("BENCH_TEAMS") or "0") or 0
if users > 0 or keys > 0 or teams > 0 then
  function init(args)
    math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
  end
  function request()
    local h = {}
    for k, v in pairs(wrk.headers) do h[k] = v end
    if users > 0 then h["X-Tollgate-User"] = "user-" .. math.random(users) end
    if keys > 0 then h["Authorization"] = string.format("Bearer sk-bench-%040d", math.random(keys)) end
    if teams > 0 then h["X-Tollgate-Tag-Team"] = "team-" .. math.random(teams) end
    return wrk.format(nil, nil, h, nil)
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"mode":"wrk","requests":%d,"duration_us":%d,"bytes":%d,"request_body_bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"count":%d,"p50":%.1f,"p90":%.1f,"p99":%.1f,"p999":%.1f,"max":%.1f,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, #wrk.body,
    e.connect, e.read, e.write, e.status, e.timeout,
    summary.requests, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean))
end
