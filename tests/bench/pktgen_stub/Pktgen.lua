-- Pktgen.lua - a stand-in for Pktgen-DPDK's Lua API, as much of it as
-- scripts/pktgen/esprit.lua uses, for its test (tests/bench/test_pktgen.lua).
--
-- Port 0's link runs at LINK_MBPS; line rate is that over each frame's
-- octets on the wire, as Pktgen reckons it. Port 0 sends frames of the
-- size set or, with PKTGEN_STUB_PCAP (pktgen -s 0:FILE), the pcap's
-- frames of that many octets without the FCS. While started it sends the
-- set rate's share of line rate, but no more than GEN of it (Pktgen's own
-- limit: PKTGEN_STUB_GEN, default 1; a list of limits, one for each start
-- in turn, makes a Pktgen whose limit wanders, as on a shared CPU). Port 1
-- receives what a device under test forwards: everything up to NDR of
-- line rate; above it LOSSY_RATIO less, and never more than CAP of line
-- rate. IN_FLIGHT packets are inside the device while port 0 sends; they
-- arrive at the first wait after it stops. Like Pktgen, portStats() gives
-- the counters of its last refresh, once a second (at 400 ms past each
-- second of the clock). pktgen.delay() advances that clock instead of
-- sleeping. Returns the recorded state.
local stub = {
	LINK_MBPS = 10000,
	GEN = 1,                    -- the limit of this start
	GENS = {},                  -- PKTGEN_STUB_GEN's limits
	PCAP = tonumber(os.getenv("PKTGEN_STUB_PCAP") or "0"),
	NDR = 0.6,
	CAP = 0.7,
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
	stats = { [0] = { ipackets = 0, opackets = 0, obytes = 0 },
		  [1] = { ipackets = 0, opackets = 0, obytes = 0 } },
	shown = { [0] = { ipackets = 0, opackets = 0, obytes = 0 },
		  [1] = { ipackets = 0, opackets = 0, obytes = 0 } },
	printed = {},               -- every line the script printed
}

for g in string.gmatch(os.getenv("PKTGEN_STUB_GEN") or "1", "[^,]+") do
	stub.GENS[#stub.GENS + 1] = assert(tonumber(g), "PKTGEN_STUB_GEN: " .. g)
end
stub.GEN = stub.GENS[1]

-- Line rate in packets/s of frames of @p size octets with their FCS (what
-- the script sets): the preamble, start delimiter and gap add 20.
function stub.line_pps(size)
	return stub.LINK_MBPS * 1e6 / ((size + 20) * 8)
end

-- The frames port 0 sends: their octets with the FCS.
function stub.frame()
	return stub.PCAP > 0 and stub.PCAP + 4 or assert(stub.sizes[#stub.sizes], "no size set")
end

-- What port 0 sends at @p rate percent of line rate for frames of @p size.
function stub.offered_pps(size, rate)
	return stub.line_pps(size) * math.min(rate / 100, stub.GEN)
end

-- The device's forwarded packet rate for an offered one, of frames of @p size.
function stub.forwarded_pps(size, offered)
	local line = stub.line_pps(size)
	if offered <= stub.NDR * line then
		return offered
	end
	return math.min(offered * (1 - stub.LOSSY_RATIO), stub.CAP * line)
end

pktgen = {}

function pktgen.stop(port) stub.sending = false end
function pktgen.clr()
	for p = 0, 1 do
		stub.stats[p] = { ipackets = 0, opackets = 0, obytes = 0 }
		stub.shown[p] = { ipackets = 0, opackets = 0, obytes = 0 }
	end
end
function pktgen.start(port)
	assert(port == "0", "the script sends on port 0")
	stub.sending = true
	stub.rates[#stub.rates + 1] = stub.rate
	stub.GEN = stub.GENS[(#stub.rates - 1) % #stub.GENS + 1]
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

-- Whole packets, as Pktgen counts them, of @p v more with the fraction
-- left over in stub[@p carry] (the rates are not whole packets a
-- millisecond): a device that forwards all it gets forwards every packet.
local function whole(carry, v)
	local t = (stub[carry] or 0) + v
	local n = math.floor(t)
	stub[carry] = t - n
	return n
end

-- The counters over @p ms of the clock, with no refresh within.
local function advance(ms)
	local s0, s1 = stub.stats[0], stub.stats[1]
	if stub.sending then
		local size = stub.frame()
		local offered = stub.offered_pps(size, stub.rate)
		local sent = whole("sent_carry", offered * ms / 1000)
		local fwd = whole("fwd_carry", sent * stub.forwarded_pps(size, offered) / offered)
		local held = math.min(stub.IN_FLIGHT - stub.in_flight, fwd)
		s0.opackets = s0.opackets + sent
		s0.obytes = s0.obytes + sent * (size - 4)
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
				local s = stub.stats[p]
				stub.shown[p] = { ipackets = s.ipackets, opackets = s.opackets,
						  obytes = s.obytes }
			end
			stub.next_refresh_ms = stub.next_refresh_ms + 1000
		end
	end
end
function pktgen.quit() stub.quit = true end
function pktgen.linkState(port)
	return { [tonumber(port)] = "<UP-" .. stub.LINK_MBPS .. "-FD>", n = 1 }
end
function pktgen.portStats(port, kind)
	local p = tonumber(port)
	local s = stub.shown[p]
	return { [p] = { ipackets = s.ipackets, opackets = s.opackets, obytes = s.obytes } }
end

function printf(...)
	local s = string.format(...)
	stub.printed[#stub.printed + 1] = s
	io.write(s)
end

return stub
