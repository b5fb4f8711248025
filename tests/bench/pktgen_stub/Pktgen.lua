-- Pktgen.lua - a stand-in for Pktgen-DPDK's Lua API, as much of it as
-- scripts/pktgen/esprit.lua uses, for its test (tests/bench/test_pktgen.lua).
-- Port 0 sends RATE_PPS while started; port 1 receives FORWARD_RATIO of
-- that (the device under test); pktgen.delay() advances a clock instead
-- of sleeping. Returns the recorded state.
local stub = {
	RATE_PPS = 10e6,
	FORWARD_RATIO = 0.5,
	now_ms = 0,
	sending = false,
	sizes = {},                 -- every "size" set on port 0, in order
	set = {},                   -- the last value of every other setting
	stats = { [0] = { ipackets = 0, opackets = 0 }, [1] = { ipackets = 0, opackets = 0 } },
}

pktgen = {}

function pktgen.stop(port) stub.sending = false end
function pktgen.clr() end
function pktgen.start(port)
	assert(port == "0", "the script sends on port 0")
	stub.sending = true
end
function pktgen.set_mac(port, which, mac) stub.set["mac_" .. which] = mac end
function pktgen.set_ipaddr(port, which, addr) stub.set["ip_" .. which] = addr end
function pktgen.set_proto(port, proto) stub.set.proto = proto end
function pktgen.set(port, what, value)
	if what == "size" then
		stub.sizes[#stub.sizes + 1] = value
	else
		stub.set[what] = value
	end
end
function pktgen.delay(ms)
	if stub.sending then
		local pkts = stub.RATE_PPS * ms / 1000
		stub.stats[0].opackets = stub.stats[0].opackets + pkts
		stub.stats[1].ipackets = stub.stats[1].ipackets + pkts * stub.FORWARD_RATIO
	end
	stub.now_ms = stub.now_ms + ms
end
function pktgen.portStats(port, kind)
	local p = tonumber(port)
	return { [p] = { ipackets = stub.stats[p].ipackets, opackets = stub.stats[p].opackets } }
end

function printf(...) io.write(string.format(...)) end

return stub
