-- scripts/pktgen/esprit.lua against a stand-in of Pktgen's API
-- (pktgen_stub/Pktgen.lua): it must offer each size with the FCS added,
-- address the device under test (with ESPRIT_FLOWS, in range mode over
-- that many source ports), write one CSV row a size with the rates the
-- counters give and, with ESPRIT_SEARCH, find the stand-in device's NDR and
-- PDR within ESPRIT_PRECISION: which it only does when each trial counts
-- the packets still in flight when it stops and reads counters Pktgen has
-- refreshed. With PKTGEN_STUB_GEN below 1, Pktgen itself cannot reach line
-- rate: the script must say so, start its search at the share of line
-- rate the device forwarded (not of what Pktgen sent), and mark an NDR or
-- PDR that Pktgen's limit set. Inbound (ESPRIT_DIR=in, PKTGEN_STUB_PCAP:
-- Pktgen replays a pcap of ESP frames that long), it must leave the
-- frames as they are, and reckon line rate by the pcap's frames. With a
-- Pktgen whose limit wanders from trial to trial (PKTGEN_STUB_GEN a list),
-- each search must still end narrowed, and neither rate may be one the
-- device loses at.
--   lua5.4 test_pktgen.lua SCRIPT STUB_DIR   (ESPRIT_* set by meson)
local script, stub_dir = arg[1], arg[2]
package.path = stub_dir .. "/?.lua;" .. package.path
local stub = require "Pktgen"

dofile(script)

local sizes, seconds = {}, tonumber(os.getenv("ESPRIT_SECONDS"))
for s in string.gmatch(os.getenv("ESPRIT_SIZES"), "[^,]+") do sizes[#sizes + 1] = tonumber(s) end
local dir = os.getenv("ESPRIT_DIR") or "out"
local flows = tonumber(os.getenv("ESPRIT_FLOWS") or "1")
local search = os.getenv("ESPRIT_SEARCH") or ""
local precision = tonumber(os.getenv("ESPRIT_PRECISION") or "0.005")
local pdr_loss = tonumber(os.getenv("ESPRIT_PDR_LOSS") or "0.005")

-- The frames sent for @p size, with their FCS: of the size, or the pcap's.
local function frame_of(size)
	return dir == "out" and size + 4 or stub.PCAP + 4
end

-- Their line rate in Mpps.
local function line_of(size)
	return stub.line_pps(frame_of(size)) / 1e6
end

local function near(a, b) return math.abs(a - b) < 1e-3 * math.max(1, math.abs(b)) end

if dir == "out" then
	assert(#stub.sizes == #sizes, "one size set per size")
	for i, s in ipairs(sizes) do
		assert(stub.sizes[i] == s + 4,
		       ("size %d offered as %s, not with its FCS"):format(s, stub.sizes[i]))
	end
	assert(stub.set.mac_dst == os.getenv("ESPRIT_LAN_MAC"), "frames go to the device under test")
	assert(stub.set.ip_dst == "10.2.0.1" and stub.set.proto == "udp", "the bench's topology")
else
	assert(#sizes == 1 and #stub.sizes == 0 and stub.set.mac_dst == nil and stub.set.proto == nil,
	       "inbound: the pcap's frames as they are")
end
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

-- The rates the stand-in device has, as shares of line rate: NDR its
-- no-loss rate; PDR the highest offered rate losing at most pdr_loss
-- (above its capacity it loses 1 - CAP / offered); either no higher than
-- what Pktgen can send.
local wander = #stub.GENS > 1
local gen = math.min(1, stub.GENS[1])
local want_share = {
	ndr = math.min(gen, stub.NDR),
	pdr = math.min(gen, stub.CAP / (1 - pdr_loss)),
}
local function printed(pattern)
	for _, s in ipairs(stub.printed) do
		if s:find(pattern) then
			return s
		end
	end
	return nil
end

local f = assert(io.open(os.getenv("ESPRIT_CSV")))
assert(f:read("l") == "dir,size,offered_mpps,forwarded_mpps,forwarded_gbps,ndr_mpps,pdr_mpps,"
       .. "line_mpps,ndr_pktgen_limited,pdr_pktgen_limited", "CSV header")
local rows = 0
for line_ in f:lines() do
	rows = rows + 1
	local row_dir, size, off, fwd, gbps, ndr, pdr, row_line, ndr_lim, pdr_lim =
		line_:match("^(%a+),(%d+),([%d.]+),([%d.]+),([%d.]+),([%d.]*),([%d.]*),([%d.]+),([01]?),([01]?)$")
	assert(row_dir == dir, "row " .. rows .. ": " .. line_)
	size, off, fwd, gbps = tonumber(size), tonumber(off), tonumber(fwd), tonumber(gbps)
	assert(size == sizes[rows], "row " .. rows .. " size")
	local line = line_of(size)
	assert(near(tonumber(row_line), line), ("line rate %s, want %f"):format(row_line, line))
	assert(near(gbps, fwd * size * 8 / 1e3), "Gbit/s of frames")
	if wander then
		-- at most the device's own rates (the lossy band's edge for PDR),
		-- and the PDR no lower than the NDR
		ndr, pdr = assert(tonumber(ndr), line_), assert(tonumber(pdr), line_)
		assert(ndr <= stub.NDR * line + 5e-5, ("NDR %f above the device's"):format(ndr))
		assert(pdr <= stub.CAP / (1 - pdr_loss) * line + 5e-5, ("PDR %f above"):format(pdr))
		assert(pdr >= ndr - 5e-5, ("PDR %f below NDR %f"):format(pdr, ndr))
		goto next_row
	end
	-- the window excludes the warm-up: exactly the rate, not more
	assert(near(off, gen * line), ("offered %f, want %f"):format(off, gen * line))
	assert(near(fwd, stub.forwarded_pps(frame_of(size), gen * line * 1e6) / 1e6),
	       ("forwarded %f"):format(fwd))
	assert((printed(("%s %5d B: Pktgen sent"):format(dir, size)) ~= nil) == (gen < 1),
	       "Pktgen's shortfall told when it fell short only")
	for name, got in pairs({ ndr = ndr, pdr = pdr }) do
		if search:find(name) then
			got = assert(tonumber(got), name .. " missing: " .. line_)
			local want = want_share[name] * line
			-- a rate that passed, within the precision (twice: the
			-- interval's width is of its upper end) below the true one,
			-- give or take the CSV's rounding to 0.0001 Mpps
			assert(got <= want + 5e-5 and got >= want * (1 - 2 * precision) - 5e-5,
			       ("%s %f Mpps, want %f (-%g)"):format(name, got, want, precision))
			local told = printed(("%s %5d B: %s "):format(dir, size, name:upper()))
			local lim = (name == "ndr" and ndr_lim or pdr_lim) == "1"
			assert(told ~= nil, name .. " printed")
			assert((told:find("Pktgen sent no faster") ~= nil) == (want_share[name] == gen) and
			       lim == (want_share[name] == gen),
			       "a rate Pktgen's limit set is marked, and only that: " .. told .. " / " .. line_)
		else
			assert(got == "" and (name == "ndr" and ndr_lim or pdr_lim) == "",
			       name .. " without its search: " .. line_)
		end
	end
	::next_row::
end
f:close()
assert(rows == #sizes, "one row a size")
assert(stub.now_ms >= #sizes * seconds * 1000, "each size measured for ESPRIT_SECONDS")
local trials = (#stub.rates - #sizes) / #sizes
assert(not printed("not narrowed"), "a search stopped at ESPRIT_MAX_TRIALS")
if search == "" then
	assert(trials == 0, "no trials without a search")
elseif wander then
	assert(trials >= 1, "a search")
elseif gen <= stub.NDR then
	-- nothing lost at what Pktgen could send: no search to make
	assert(trials == 0, "trials a size: " .. trials)
else
	-- each search ends narrowed, not at the trials' limit
	assert(trials >= 2 and trials < tonumber(os.getenv("ESPRIT_MAX_TRIALS") or "24"),
	       "trials a size: " .. trials)
	-- the first trial after line rate: the share of line rate the device
	-- forwarded there (with a Pktgen that falls short, not the share of
	-- what it sent)
	local line = line_of(sizes[1]) * 1e6
	local fwd_share = stub.forwarded_pps(frame_of(sizes[1]), gen * line) / line
	assert(math.abs(stub.rates[2] - 100 * fwd_share) < 1e-3,
	       ("first search trial at %f%%, want %f%%"):format(stub.rates[2], 100 * fwd_share))
end
assert((stub.quit == true) == (os.getenv("ESPRIT_QUIT") == "1"), "Pktgen quits when asked to, only then")
print(("pktgen script: ok (%d starts)"):format(#stub.rates))
