-- wrk script: POST one unique entrant per request to the path in ENTRY_PATH with the form token
-- given in FORM_TOKEN (a token is valid for every submission to its contest until it expires).
-- With FLOW=1, what a browser does for each entry instead: GET the form, POST it, GET the thanks
-- page the 303 points to; the three kinds of request in equal numbers.
local counter = 0
local thread_id = 0
local threads = {}
local thanks = {}

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
local flow = os.getenv("FLOW") == "1"

request = function()
  if flow and #thanks > 0 then
    return wrk.format("GET", table.remove(thanks, 1))
  end
  counter = counter + 1
  if flow and counter % 2 == 1 then
    return wrk.format("GET", path)
  end
  local email = string.format("bench-%d-%d-%d@example.org", thread_id, counter, math.random(1, 1000000000))
  local body = "form_token=" .. token .. "&first_name=Jeanne&last_name=Martin&accept_rules=y&email=" .. email
  return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

if flow then
  response = function(status, headers, body)
    local location = headers["Location"] or headers["location"]
    if status == 303 and location then
      table.insert(thanks, (location:gsub("^https?://[^/]+", "")))
    end
  end
end
