-- wrk script for tools/bench/api.sh: one API request, with a bearer token
-- and an optional JSON body. When IDS (comma-separated) is given, "{id}" in
-- PATH takes each of them in turn, so that reads spread over several rows.
--   wrk ... -s api_request.lua URL -- METHOD PATH TOKEN [BODY [IDS]]
local requests, n, i = {}, 0, 0

function init(args)
	local method, path, token, body, ids = args[1], args[2], args[3], args[4], args[5]
	local headers = { ["Authorization"] = "Bearer " .. token }
	if body == nil or body == "" then
		body = nil
	else
		headers["Content-Type"] = "application/json"
	end
	if ids == nil or ids == "" then
		requests[1] = wrk.format(method, path, headers, body)
	else
		for id in string.gmatch(ids, "[^,]+") do
			requests[#requests + 1] = wrk.format(method, (path:gsub("{id}", id)), headers, body)
		end
	end
	n = #requests
end

function request()
	i = i % n + 1
	return requests[i]
end
