-- Saves of section text, as the section page's form posts them (CSRF token, the version the
-- text was typed on). BENCH_TARGETS names a file of lines
-- "path<TAB>cookie<TAB>csrf token<TAB>version"; thread n takes lines n, n+threads, … so no two
-- threads share a section, while a thread's connections still race each other on one. Every
-- tenth save deliberately sends the version before the one it knows: a conflict. A 303 is a
-- save (the version known goes up by one); a 409 is the conflict page, which says the version
-- now saved; anything else is an error. bench/run checks the database against "saved".
local common = dofile(os.getenv("BENCH_DIR") .. "/common.lua")

setup = common.setup
done = common.done

local sections = {}
local by_path = {}
local index = 0
local sent = 0
local origin = os.getenv("BENCH_ORIGIN")
local words = "We will pool budgets for community health and social care so that people get one joined-up service, "
  .. "with seven-day reablement supporting discharge from hospital and integrated locality teams around groups of practices. "

local function encode(text)
  return (text:gsub("[^%w%-%._~ ]", function(c)
    return string.format("%%%02X", string.byte(c))
  end):gsub(" ", "+"))
end

function init(args)
  local threads = tonumber(os.getenv("BENCH_THREADS")) or 1
  for n, line in ipairs(common.lines(os.getenv("BENCH_TARGETS"))) do
    if (n - 1) % threads == (id or 0) then
      local f = common.fields(line)
      local section = { path = f[1], cookie = f[2], csrf = f[3], version = tonumber(f[4]) }
      sections[#sections + 1] = section
      by_path[section.path] = section
    end
  end
  assert(#sections > 0, "thread " .. tostring(id) .. " has no sections to save")
end

function request()
  index = index % #sections + 1
  sent = sent + 1
  local section = sections[index]
  local version = section.version
  if sent % 10 == 0 and version > 0 then
    version = version - 1
  end
  local text = "## Our plan\n\n" .. string.rep(words, 6) .. "(save " .. (id or 0) .. "-" .. sent .. ")"
  local body = "csrf_token=" .. encode(section.csrf) .. "&version=" .. version .. "&text=" .. encode(text)
  local headers = common.headers(section.cookie)
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["Origin"] = origin
  headers["Sec-Fetch-Site"] = "same-origin"
  return wrk.format("POST", section.path, headers, body)
end

function response(status, headers, body)
  common.count(status, true)
  if status == 303 then
    saved = saved + 1
    local location = headers["location"] or headers["Location"] or ""
    local section = by_path[location:match("^[^?#]+") or ""]
    if section then
      section.version = section.version + 1
    end
  elseif status == 409 then
    local path = body:match('action="(/areas/[^"]-/sections/[^"/?]+)"')
    local version = body:match('name="version" value="(%d+)"')
    local section = path and by_path[path]
    if section and version then
      section.version = tonumber(version)
    end
  end
end
