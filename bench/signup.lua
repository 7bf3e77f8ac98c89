-- wrk script: every request is a signup with a new email (thread id and counter), posted as
-- form data that accepts JSON, with the CSRF cookie and header that bench/signup.py fetched.
-- It does as little as it can per request (no response() callback, environment read once),
-- so that the load generator does not take the CPU that the server is measured on.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  token = os.getenv("CSRF_TOKEN")
  run_id = os.getenv("RUN_ID")
  counter = 0
  headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
    ["Cookie"] = "csrftoken=" .. token,
    ["X-CSRFToken"] = token,
  }
  prefix = "name=Bench+User&previewAccess=Yes&email=t" .. thread_id .. "-" .. run_id .. "-"
end

function request()
  counter = counter + 1
  local body = prefix .. counter .. "%40bench" .. (counter % 50) .. ".example"
  return wrk.format("POST", "/signup", headers, body)
end
