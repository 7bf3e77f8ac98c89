-- wrk script: every request is a signup with a new email (per thread and counter), posted as
-- JSON-accepting form data with the CSRF cookie and header that bench/signup.py fetched.
local counter = 0
thread_id = 0  -- a global: setup() sets it in each thread through thread:set
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
end

function request()
  counter = counter + 1
  local body = "name=Bench+User&previewAccess=Yes&email=t" .. thread_id .. "-" .. counter
    .. "-" .. os.getenv("RUN_ID") .. "%40bench" .. (counter % 50) .. ".example"
  return wrk.format("POST", "/signup", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/json",
    ["Cookie"] = "csrftoken=" .. os.getenv("CSRF_TOKEN"),
    ["X-CSRFToken"] = os.getenv("CSRF_TOKEN"),
  }, body)
end

function response(status, headers, body)
  if status ~= 200 then
    print("unexpected status " .. status)
  end
end
