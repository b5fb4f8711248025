-- Pktgen.lua - a stand-in for Pktgen-DPDK's Lua API, as much of it as
-- scripts/pktgen/esprit.lua uses, for its test (tests/bench/test_pktgen.lua).
--
-- Port 0 sends the set rate's share of LINE_PPS while started. Port 1
-- receives what a device under test forwards: everything up to NDR_PPS;
-- above it LOSSY_RATIO less, and never more than CAP_PPS. IN_FLIGHT
-- packets are inside the device while port 0 sends; they arrive at the
-- first wait after it stops. Like Pktgen, portStats() gives the counters
-- of its last refresh, once a second (at 400 ms past each second of the
-- clock). pktgen.delay() advances that clock instead of sleeping. Returns the recorded state.
local stub = {
	LINE_PPS = 10e6,
	NDR_PPS = 6e6,
	CAP_PPS = 7e6,
	LOSSY_RATIO = 0.001,
	IN_FLIGHT = 1000,
	now_ms = 0,
	next_refresh_ms = 400,      -- Pktgen's counters, refreshed once a second
	sending = false,
	rate = 100,
	in_flight = 0,
	sizes = {},                 -- every "size" set on port 0, in order
	rates = {},                 -- every rate a start sent at, in order
	set = {},                   -- the last value of every other setting
	range = {},                 -- range settings: range[field][what] = value
	range_on = false,
	stats = { [0] = { ipackets = 0, opackets = 0 }, [1] = { ipackets = 0, opackets = 0 } },
	shown = { [0] = { ipackets = 0, opackets = 0 }, [1] = { ipackets = 0, opackets = 0 } },
}

-- The device's forwarded packet rate for an offered one.
function stub.forwarded_pps(offered)
	if offered <= stub.NDR_PPS then
		return offered
	end
	return math.min(offered * (1 - stub.LOSSY_RATIO), stub.CAP_PPS)
end

pktgen = {}

function pktgen.stop(port) stub.sending = false end
function pktgen.clr() end
function pktgen.start(port)
	assert(port == "0", "the script sends on port 0")
	stub.sending = true
	stub.rates[#stub.rates + 1] = stub.rate
end
function pktgen.set_mac(port, which, mac) stub.set["mac_" .. which] = mac end
function pktgen.set_ipaddr(port, which, addr) stub.set["ip_" .. which] = addr end
function pktgen.set_proto(port, proto) stub.set.proto = proto end
function pktgen.set(port, what, value)
	if what == "size" then
		stub.sizes[#stub.sizes + 1] = value
	elseif what == "rate" then
		-- Pktgen reads the rate as a string: a fraction of a percent works
		local r = assert(tonumber(tostring(value)), "rate " .. tostring(value))
		assert(r > 0 and r <= 100, "rate " .. r .. " out of 0..100")
		stub.rate = r
	else
		stub.set[what] = value
	end
end
function pktgen.set_range(port, state)
	assert(port == "0" and (state == "on" or state == "off"))
	stub.range_on = state == "on"
end

pktgen.range = {}
for _, field in ipairs({ "dst_mac", "src_ip", "dst_ip", "src_port", "dst_port", "pkt_size" }) do
	pktgen.range[field] = function(port, what, value)
		assert(port == "0", "range on port 0")
		assert(what == "start" or what == "inc" or what == "min" or what == "max",
		       field .. ": " .. tostring(what))
		stub.range[field] = stub.range[field] or {}
		stub.range[field][what] = value
	end
end
function pktgen.range.ip_proto(port, proto) stub.range.ip_proto = proto end

-- The counters over @p ms of the clock, with no refresh within.
local function advance(ms)
	local s0, s1 = stub.stats[0], stub.stats[1]
	if stub.sending then
		local offered = stub.LINE_PPS * stub.rate / 100
		local fwd = stub.forwarded_pps(offered) * ms / 1000
		local held = math.min(stub.IN_FLIGHT - stub.in_flight, fwd)
		s0.opackets = s0.opackets + offered * ms / 1000
		s1.ipackets = s1.ipackets + fwd - held
		stub.in_flight = stub.in_flight + held
	elseif ms > 0 then
		s1.ipackets = s1.ipackets + stub.in_flight
		stub.in_flight = 0
	end
	stub.now_ms = stub.now_ms + ms
end

-- The clock @p ms on, the shown counters refreshed at every REFRESH_MS
-- (off the whole seconds the script waits in, as Pktgen's timer is).
function pktgen.delay(ms)
	while ms > 0 do
		local step = math.min(ms, stub.next_refresh_ms - stub.now_ms)
		advance(step)
		ms = ms - step
		if stub.now_ms == stub.next_refresh_ms then
			for p = 0, 1 do
				stub.shown[p] = { ipackets = stub.stats[p].ipackets,
						  opackets = stub.stats[p].opackets }
			end
			stub.next_refresh_ms = stub.next_refresh_ms + 1000
		end
	end
end
function pktgen.portStats(port, kind)
	local p = tonumber(port)
	return { [p] = { ipackets = stub.shown[p].ipackets, opackets = stub.shown[p].opackets } }
end

function printf(...) io.write(string.format(...)) end

return stub
