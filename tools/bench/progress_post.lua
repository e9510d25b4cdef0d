-- wrk script for tools/bench/progress_posts.sh: POST /clients/{krn}/progress
-- with a small body. Each connection's thread spreads its posts over 32
-- records of its own, so the run measures the request path and the row-lock
-- transaction, not one hot row.
--   wrk ... -s progress_post.lua URL -- TOKEN KRN PREFIX [PATH_PREFIX]
-- (PATH_PREFIX goes before /api/v1: /bench-threaded for api.sh's threaded pool)
local threads = {}

function setup(thread)
	table.insert(threads, thread)
	thread:set("id", #threads)
end

function init(args)
	token, krn, prefix = args[1], args[2], args[3]
	counter = 0
	path = (args[4] or "") .. "/api/v1/clients/" .. krn .. "/progress"
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
