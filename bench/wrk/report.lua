-- Shared by every page the benchmark loads (bench/run.py): optional POST body
-- and headers from the environment, a count of non-2xx answers across wrk's
-- threads, and a JSON summary line at the end.
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local cookie = os.getenv("BENCH_COOKIE")
local csrf = os.getenv("BENCH_CSRF")

wrk.method = method
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
if cookie and cookie ~= "" then
  wrk.headers["Cookie"] = cookie
end
if csrf and csrf ~= "" then
  wrk.headers["X-CSRFToken"] = csrf
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  bad = 0
  statuses = ""
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    bad = bad + 1
    if #statuses < 40 then statuses = statuses .. status .. " " end
  end
end

function done(summary, latency, requests)
  local non2xx = 0
  local seen = ""
  for _, thread in ipairs(threads) do
    non2xx = non2xx + thread:get("bad")
    seen = seen .. thread:get("statuses")
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "statuses": "%s"}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    non2xx, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, seen))
end
