-- POSTs the same chat completions request as the Java driver (tollgate.bench.load.RequestTemplate) and prints
-- one JSON line (prefixed "RESULT ") with the run's counts and latency percentiles in microseconds.
-- env: BENCH_REQUEST_BYTES (minimum body size), BENCH_MOCK_BODY_BYTES (asks the mock for a body that large)
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
