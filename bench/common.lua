-- Shared by page.lua and save.lua (loaded with dofile in every wrk thread): a browser's
-- headers, counting responses by kind, and the report each run leaves for bench/run.
local common = {}

-- What Chromium sends for a page; BENCH_ACCEPT and BENCH_ENCODING override the first two
-- (BENCH_ENCODING=none sends no Accept-Encoding: the "plain" runs).
function common.headers(cookie)
  local headers = {
    ["Accept"] = os.getenv("BENCH_ACCEPT")
      or "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
    ["Accept-Language"] = "en-GB,en;q=0.9",
    ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 itf-bench",
  }
  local encoding = os.getenv("BENCH_ENCODING") or "gzip, deflate, br"
  if encoding ~= "none" then
    headers["Accept-Encoding"] = encoding
  end
  if cookie and cookie ~= "" and cookie ~= "-" then
    headers["Cookie"] = cookie
  end
  return headers
end

function common.lines(path)
  local lines = {}
  local file = assert(io.open(path, "r"), "cannot read " .. tostring(path))
  for line in file:lines() do
    if line ~= "" then
      lines[#lines + 1] = line
    end
  end
  file:close()
  assert(#lines > 0, "no targets in " .. path)
  return lines
end

function common.fields(line)
  local fields = {}
  for field in line:gmatch("[^\t]+") do
    fields[#fields + 1] = field
  end
  return fields
end

-- Per-thread counters (globals of the thread's Lua state, read back with thread:get).
ok, failed, conflicts, saved = 0, 0, 0, 0

-- 2xx and 3xx are fine; a 409 is fine only where the scenario expects conflicts.
function common.count(status, conflicts_expected)
  if status >= 200 and status < 400 then
    ok = ok + 1
  elseif status == 409 and conflicts_expected then
    conflicts = conflicts + 1
  else
    failed = failed + 1
    local name = "status_" .. status
    _G[name] = (_G[name] or 0) + 1
  end
end

-- The statuses counted as failures, for the report (thread:get reads one global at a time).
local failure_statuses = { 400, 401, 403, 404, 405, 408, 409, 413, 422, 429, 500, 502, 503, 504 }

-- Threads, kept by setup() in the main state so that done() can add up their counters.
common.threads = {}

function common.setup(thread)
  thread:set("id", #common.threads)
  common.threads[#common.threads + 1] = thread
end

-- Writes the run's figures as shell assignments (BENCH_REPORT), for bench/run to source.
function common.done(summary, latency, requests)
  local sums = { ok = 0, failed = 0, conflicts = 0, saved = 0 }
  for _, thread in ipairs(common.threads) do
    for name, _ in pairs(sums) do
      sums[name] = sums[name] + (tonumber(thread:get(name)) or 0)
    end
  end
  local by_status = {}
  for _, status in ipairs(failure_statuses) do
    local count = 0
    for _, thread in ipairs(common.threads) do
      count = count + (tonumber(thread:get("status_" .. status)) or 0)
    end
    if count > 0 then
      by_status[#by_status + 1] = status .. ":" .. count
    end
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local seconds = summary.duration / 1e6
  local out = assert(io.open(os.getenv("BENCH_REPORT"), "w"))
  out:write(string.format("requests=%d\n", summary.requests))
  out:write(string.format("seconds=%.2f\n", seconds))
  out:write(string.format("rps=%.0f\n", summary.requests / seconds))
  out:write(string.format("p50_ms=%.2f\n", latency:percentile(50) / 1000))
  out:write(string.format("p99_ms=%.2f\n", latency:percentile(99) / 1000))
  out:write(string.format("bytes_per_response=%.0f\n", summary.bytes / math.max(summary.requests, 1)))
  out:write(string.format("ok=%d\nfailed=%d\nconflicts=%d\nsaved=%d\n",
    sums.ok, sums.failed, sums.conflicts, sums.saved))
  out:write(string.format("socket_errors=%d\n", socket_errors))
  out:write(string.format("failed_statuses='%s'\n", table.concat(by_status, " ")))
  out:write(string.format("errors=%d\n", sums.failed + socket_errors))
  out:close()
end

return common
