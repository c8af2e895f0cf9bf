-- wrk script: position reports from many learners. WRK_REPORTS names a file of lines
-- "<path> <bearer token>" (a lesson's position URL and a learner enrolled in its course);
-- each request is a PUT from a random line with a random position and 10 s watched.
local reports = {}

for line in io.lines(os.getenv("WRK_REPORTS")) do
  local path, token = line:match("^(%S+)%s+(%S+)$")
  if path then reports[#reports + 1] = { path, token } end
end

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed)
end

function request()
  local report = reports[math.random(#reports)]
  local body = string.format('{"seconds": %d, "spent_seconds": 10}', math.random(0, 600))
  return wrk.format("PUT", report[1], {
    ["Authorization"] = "Bearer " .. report[2],
    ["Content-Type"] = "application/json",
  }, body)
end
