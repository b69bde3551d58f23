-- wrk script for bench/run: POST the 2 KB Authentik login sample with a unique event id per request, so the
-- bridge's de-duplication never drops one. Arguments after "--": sample file, run salt (integer), bearer token or "-".
-- done() prints one "WRK ..." line that the harness reads.
local before, after, salt
local counter = 0
local headers = { ["Content-Type"] = "application/json" }
local threads = 0

function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local text = file:read("*a")
  file:close()
  local s, e = text:find("3f2b9c1d7e8a4b6c9d0e1f2a3b4c5d6e", 1, true)
  assert(s, args[1] .. ": the sample event pk is missing")
  before, after = text:sub(1, s - 1), text:sub(e + 1)
  salt = tonumber(args[2])
  if args[3] and args[3] ~= "-" then headers["Authorization"] = "Bearer " .. args[3] end
end

function request()
  counter = counter + 1
  return wrk.format("POST", nil, headers, before .. string.format("%08x%08x%016x", salt, tid, counter) .. after)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests=%d duration_us=%d status=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout))
end
