-- wrk script: each request asks for a random path from the file named by WRK_PATHS (one path
-- a line), with an optional bearer token from WRK_TOKEN and method/body from WRK_METHOD and
-- WRK_BODY.
local paths = {}
local token = os.getenv("WRK_TOKEN")
local method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")

for line in io.lines(os.getenv("WRK_PATHS")) do
  if #line > 0 then paths[#paths + 1] = line end
end

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed)
end

function request()
  local headers = {}
  if token then headers["Authorization"] = "Bearer " .. token end
  if body then headers["Content-Type"] = "application/json" end
  return wrk.format(method, paths[math.random(#paths)], headers, body)
end
