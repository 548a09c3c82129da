-- Shared by every page the benchmark loads (bench/run.py): optional POST body
-- and headers from the environment, a count of non-2xx answers across wrk's
-- threads, and a JSON summary line at the end.
--
-- Two ways to ask for a different page on each request, else wrk's one URL:
--
-- * BENCH_URLS: a list of paths, one a line, every line BENCH_URL_WIDTH bytes
--   (bench_urls pads them), read by seeking, never held in memory (millions of
--   lines). Each request asks for one of the BENCH_URL_COUNT lines from line
--   BENCH_URL_FIRST (counted from 0), uniformly at random, or with BENCH_ZIPF
--   set, by a Zipf law (s = 1): rank r is drawn with probability proportional
--   to 1/r, and line r - 1 of BENCH_ZIPF (BENCH_RANK_WIDTH bytes a line) says
--   which page has that rank.
-- * BENCH_WALK: learners walking forward. The file has, for each learner, a
--   line "walker <number> <cookie header>" and then the paths ahead of them,
--   in order. Learner n belongs to wrk thread n mod BENCH_THREADS, and each
--   thread takes its learners in turn, a page each: with at least as many
--   learners as connections, a learner never has two requests in flight, and
--   each request is the next page of their walk. wrk tells a script nothing
--   about its connections, so the position is kept per learner. A learner at
--   the end of their list starts it again (bench/run.py writes the lists from
--   where each walk stands, and counts such pages as sent a second time); the
--   summary says how many pages each learner was sent ("walked"). wrk asks the
--   first thread for one request before the load, to check it: that page of
--   that thread's first learner is counted as sent, and skipped.
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
  thread:set("id", #threads)
  table.insert(threads, thread)
end

-- Zipf (s = 1) over ranks 1..n by rejection-inversion (Hörmann and Derflinger,
-- "Rejection-inversion to generate variates from monotone discrete
-- distributions", 1996; as in Apache Commons RNG): exact, constant time, no
-- table. With s = 1 the hat's integral is log and its inverse exp.
local function zipf_sampler(n)
  local h_x1 = math.log(1.5) - 1
  local h_n = math.log(n + 0.5)
  local squeeze = 2 - math.exp(math.log(2.5) - 0.5)
  return function()
    while true do
      local u = h_n + math.random() * (h_x1 - h_n)
      local x = math.exp(u)
      local k = math.floor(x + 0.5)
      if k < 1 then k = 1 elseif k > n then k = n end
      if k - x <= squeeze or u >= math.log(k + 0.5) - 1 / k then
        return k
      end
    end
  end
end

local function open_unbuffered(name)
  local file = assert(io.open(name, "rb"))
  -- Each request seeks and reads one line: a buffer would only read more.
  file:setvbuf("no")
  return file
end

local function line_at(file, width, number)
  file:seek("set", number * width)
  return file:read(width)
end

local function load_walks(name, id, thread_count)
  local walkers, current = {}, nil
  for line in io.lines(name) do
    local number, header = line:match("^walker (%d+) (.*)$")
    if number then
      number = tonumber(number)
      if number % thread_count == id then
        current = {
          number = number, sent = "sent_" .. number, headers = {Cookie = header}, paths = {}, next = 1,
        }
        table.insert(walkers, current)
      else
        current = nil
      end
    elseif current and line ~= "" then
      table.insert(current.paths, line)
    end
  end
  assert(#walkers > 0, "no walker for wrk thread " .. id .. ": fewer walkers than threads")
  return walkers
end

-- The mode is chosen here, not in init: wrk calls a script's request() only
-- when the script defines it as it loads.
local urls = os.getenv("BENCH_URLS") or ""
local walks = os.getenv("BENCH_WALK") or ""
local pick, walkers, turn, line_file, line_width

function init(args)
  bad = 0
  statuses = ""
  walker_numbers = ""
  math.randomseed((tonumber(os.getenv("BENCH_SEED")) or os.time()) + 7919 * id)
  if urls ~= "" then
    line_file = open_unbuffered(urls)
    line_width = tonumber(os.getenv("BENCH_URL_WIDTH"))
    local first = tonumber(os.getenv("BENCH_URL_FIRST"))
    local count = tonumber(os.getenv("BENCH_URL_COUNT"))
    local zipf = os.getenv("BENCH_ZIPF") or ""
    if zipf ~= "" then
      local ranks = open_unbuffered(zipf)
      local rank_width = tonumber(os.getenv("BENCH_RANK_WIDTH"))
      local rank = zipf_sampler(count)
      pick = function() return first + tonumber(line_at(ranks, rank_width, rank() - 1)) end
    else
      pick = function() return first + math.random(count) - 1 end
    end
  elseif walks ~= "" then
    walkers = load_walks(walks, id, tonumber(os.getenv("BENCH_THREADS")))
    turn = 0
    local numbers = {}
    for _, walker in ipairs(walkers) do
      table.insert(numbers, walker.number)
      _G[walker.sent] = 0
    end
    walker_numbers = table.concat(numbers, " ")
  end
end

if urls ~= "" then
  function request()
    return wrk.format(nil, line_at(line_file, line_width, pick()):match("^(%S+)"))
  end
elseif walks ~= "" then
  function request()
    turn = turn % #walkers + 1
    local walker = walkers[turn]
    if walker.next > #walker.paths then walker.next = 1 end
    local path = walker.paths[walker.next]
    walker.next = walker.next + 1
    -- A global, which done() can read from the thread.
    _G[walker.sent] = _G[walker.sent] + 1
    return wrk.format(nil, path, walker.headers)
  end
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
  local walked = {}
  for _, thread in ipairs(threads) do
    non2xx = non2xx + thread:get("bad")
    seen = seen .. thread:get("statuses")
    for number in string.gmatch(thread:get("walker_numbers"), "%d+") do
      table.insert(walked, string.format('"%s": %d', number, thread:get("sent_" .. number)))
    end
  end
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "errors": %d, "non2xx": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "statuses": "%s", ' ..
    '"walked": {%s}}\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    non2xx, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, seen,
    table.concat(walked, ", ")))
end
