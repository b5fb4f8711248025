-- scripts/pktgen/esprit.lua against a stand-in of Pktgen's API
-- (pktgen_stub/Pktgen.lua): it must offer each size with the FCS added,
-- address the device under test (with ESPRIT_FLOWS, in range mode over
-- that many source ports), write one CSV row a size with the rates the
-- counters give and, with ESPRIT_SEARCH, find the stand-in device's NDR and
-- PDR within ESPRIT_PRECISION: which it only does when each trial counts
-- the packets still in flight when it stops and reads counters Pktgen has
-- refreshed.
--   lua5.4 test_pktgen.lua SCRIPT STUB_DIR   (ESPRIT_* set by meson)
local script, stub_dir = arg[1], arg[2]
package.path = stub_dir .. "/?.lua;" .. package.path
local stub = require "Pktgen"

dofile(script)

local sizes, seconds = {}, tonumber(os.getenv("ESPRIT_SECONDS"))
for s in string.gmatch(os.getenv("ESPRIT_SIZES"), "[^,]+") do sizes[#sizes + 1] = tonumber(s) end
local flows = tonumber(os.getenv("ESPRIT_FLOWS") or "1")
local search = os.getenv("ESPRIT_SEARCH") or ""
local precision = tonumber(os.getenv("ESPRIT_PRECISION") or "0.005")
local pdr_loss = tonumber(os.getenv("ESPRIT_PDR_LOSS") or "0.005")

local function near(a, b) return math.abs(a - b) < 1e-3 * math.max(1, math.abs(b)) end

assert(#stub.sizes == #sizes, "one size set per size")
for i, s in ipairs(sizes) do
	assert(stub.sizes[i] == s + 4, ("size %d offered as %s, not with its FCS"):format(s, stub.sizes[i]))
end
assert(stub.set.mac_dst == os.getenv("ESPRIT_LAN_MAC"), "frames go to the device under test")
assert(stub.set.ip_dst == "10.2.0.1" and stub.set.proto == "udp", "the bench's topology")
assert(stub.set.count == 0, "no packet limit")
assert(stub.rates[1] == 100, "each size first at line rate")

if flows > 1 then
	local r = stub.range
	assert(stub.range_on, "range mode for several flows")
	assert(r.src_port.min == 1024 and r.src_port.max == 1024 + flows - 1 and r.src_port.inc == 1,
	       "source ports 1024 on, one a flow")
	assert(r.dst_mac.start == os.getenv("ESPRIT_LAN_MAC") and r.dst_ip.min == "10.2.0.1" and
	       r.dst_ip.max == "10.2.0.1" and r.src_ip.max == "10.1.0.1" and r.ip_proto == "udp",
	       "the range keeps the bench's addresses")
	local last = sizes[#sizes] + 4
	assert(r.pkt_size.start == last and r.pkt_size.min == last and r.pkt_size.max == last,
	       "the range's frames of the size")
else
	assert(not stub.range_on, "one flow: no range mode")
end

-- The rates the stand-in device has: NDR its no-loss rate; PDR the highest
-- offered rate losing at most pdr_loss (above its capacity it loses
-- 1 - CAP / offered).
local line = stub.LINE_PPS / 1e6
local want = {
	ndr = stub.NDR_PPS / 1e6,
	pdr = math.min(line, stub.CAP_PPS / (1 - pdr_loss) / 1e6),
}

local f = assert(io.open(os.getenv("ESPRIT_CSV")))
assert(f:read("l") == "dir,size,offered_mpps,forwarded_mpps,forwarded_gbps,ndr_mpps,pdr_mpps",
       "CSV header")
local rows = 0
for line_ in f:lines() do
	rows = rows + 1
	local dir, size, off, fwd, gbps, ndr, pdr =
		line_:match("^(%a+),(%d+),([%d.]+),([%d.]+),([%d.]+),([%d.]*),([%d.]*)$")
	assert(dir == "out", "row " .. rows .. ": " .. line_)
	size, off, fwd, gbps = tonumber(size), tonumber(off), tonumber(fwd), tonumber(gbps)
	assert(size == sizes[rows], "row " .. rows .. " size")
	-- the window excludes the warm-up: exactly the rate, not more
	assert(near(off, line), ("offered %f, want %f"):format(off, line))
	assert(near(fwd, stub.forwarded_pps(stub.LINE_PPS) / 1e6), ("forwarded %f"):format(fwd))
	assert(near(gbps, fwd * size * 8 / 1e3), "Gbit/s of frames")
	for name, got in pairs({ ndr = ndr, pdr = pdr }) do
		if search:find(name) then
			got = assert(tonumber(got), name .. " missing: " .. line_)
			-- a rate that passed, within the precision (twice: the
			-- interval's width is of its upper end) below the true one
			assert(got <= want[name] * (1 + 1e-6) and got >= want[name] * (1 - 2 * precision),
			       ("%s %f Mpps, want %f (-%g)"):format(name, got, want[name], precision))
		else
			assert(got == "", name .. " without its search: " .. line_)
		end
	end
end
f:close()
assert(rows == #sizes, "one row a size")
assert(stub.now_ms >= #sizes * seconds * 1000, "each size measured for ESPRIT_SECONDS")
if search == "" then
	assert(#stub.rates == #sizes, "no trials without a search")
else
	local trials = (#stub.rates - #sizes) / #sizes
	assert(trials >= 2 and trials <= tonumber(os.getenv("ESPRIT_MAX_TRIALS") or "24"),
	       "trials a size: " .. trials)
end
print(("pktgen script: ok (%d starts)"):format(#stub.rates))
