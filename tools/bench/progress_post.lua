-- wrk script for tools/bench/progress_posts.sh: POST /clients/{krn}/progress
-- with a small body. Each connection's thread spreads its posts over 32
-- records of its own, so the run measures the request path and the row-lock
-- transaction, not one hot row.
--   wrk ... -s progress_post.lua URL -- TOKEN KRN PREFIX
local threads = {}

function setup(thread)
	table.insert(threads, thread)
	thread:set("id", #threads)
end

function init(args)
	token, krn, prefix = args[1], args[2], args[3]
	counter = 0
	path = "/api/v1/clients/" .. krn .. "/progress"
	headers = {
		["Authorization"] = "Bearer " .. token,
		["Content-Type"] = "application/json",
	}
end

function request()
	counter = counter + 1
	local name = prefix .. "-t" .. id .. "-" .. (counter % 32) .. ".csv"
	local body = '{"filename":"' .. name .. '","counts":{"done":10,"warn":1,"failed":0},"total":1000000}'
	return wrk.format("POST", path, headers, body)
end
