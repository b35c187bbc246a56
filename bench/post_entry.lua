-- wrk script: POST one unique entrant per request to the path in ENTRY_PATH with the form token
-- given in FORM_TOKEN (a token is valid for every submission to its contest until it expires).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = id
  math.randomseed(os.time() + id * 7919)
end

local token = os.getenv("FORM_TOKEN") or ""
local path = os.getenv("ENTRY_PATH") or "/enter"

request = function()
  counter = counter + 1
  local email = string.format("bench-%d-%d-%d@example.org", thread_id, counter, math.random(1, 1000000000))
  local body = "form_token=" .. token .. "&first_name=Jeanne&last_name=Martin&accept_rules=y&email=" .. email
  return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
