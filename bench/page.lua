-- GET requests as a signed-in browser sends them. BENCH_TARGETS names a file of lines
-- "path<TAB>cookie" (cookie "-" for none); each thread goes round them from its own place,
-- so many sessions and areas are in play at once. Any answer but 2xx/3xx is an error.
local common = dofile(os.getenv("BENCH_DIR") .. "/common.lua")

setup = common.setup
done = common.done

local requests = {}
local index = 0

function init(args)
  for _, line in ipairs(common.lines(os.getenv("BENCH_TARGETS"))) do
    local fields = common.fields(line)
    requests[#requests + 1] = wrk.format("GET", fields[1], common.headers(fields[2]))
  end
  index = (id or 0) * 17 % #requests
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function response(status, headers, body)
  common.count(status, false)
end
