-- scripts/pktgen/esprit.lua against a stand-in of Pktgen's API
-- (pktgen_stub/Pktgen.lua): it must offer each size with the FCS added,
-- address the device under test, and write one CSV row a size with the
-- rates the counters give.
--   lua5.4 test_pktgen.lua SCRIPT STUB_DIR   (ESPRIT_* set by meson)
local script, stub_dir = arg[1], arg[2]
package.path = stub_dir .. "/?.lua;" .. package.path
local stub = require "Pktgen"

dofile(script)

local sizes, seconds = {}, tonumber(os.getenv("ESPRIT_SECONDS"))
for s in string.gmatch(os.getenv("ESPRIT_SIZES"), "[^,]+") do sizes[#sizes + 1] = tonumber(s) end

local function near(a, b) return math.abs(a - b) < 1e-3 * math.max(1, math.abs(b)) end

assert(#stub.sizes == #sizes, "one size set per size")
for i, s in ipairs(sizes) do
	assert(stub.sizes[i] == s + 4, ("size %d offered as %s, not with its FCS"):format(s, stub.sizes[i]))
end
assert(stub.set.mac_dst == os.getenv("ESPRIT_LAN_MAC"), "frames go to the device under test")
assert(stub.set.ip_dst == "10.2.0.1" and stub.set.proto == "udp", "the bench's topology")
assert(stub.set.rate == 100 and stub.set.count == 0, "line rate, no packet limit")

local f = assert(io.open(os.getenv("ESPRIT_CSV")))
assert(f:read("l") == "dir,size,offered_mpps,forwarded_mpps,forwarded_gbps", "CSV header")
local rows = 0
for line in f:lines() do
	rows = rows + 1
	local dir, size, off, fwd, gbps = line:match("^(%a+),(%d+),([%d.]+),([%d.]+),([%d.]+)$")
	assert(dir == "out", "row " .. rows .. ": " .. line)
	size, off, fwd, gbps = tonumber(size), tonumber(off), tonumber(fwd), tonumber(gbps)
	local want_off = stub.RATE_PPS / 1e6
	assert(size == sizes[rows], "row " .. rows .. " size")
	-- the window excludes the warm-up: exactly the rate, not more
	assert(near(off, want_off), ("offered %f, want %f"):format(off, want_off))
	assert(near(fwd, want_off * stub.FORWARD_RATIO), ("forwarded %f"):format(fwd))
	assert(near(gbps, fwd * size * 8 / 1e3), "Gbit/s of frames")
end
f:close()
assert(rows == #sizes, "one row a size")
assert(stub.now_ms >= #sizes * seconds * 1000, "each size measured for ESPRIT_SECONDS")
print("pktgen script: ok")
