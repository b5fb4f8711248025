-- esprit.lua - Pktgen-DPDK script: the esprit-bench measurement on two real
-- machines (see docs/benchmark.md, "With Pktgen on two machines").
--
--   Machine G (generator), Pktgen with two ports:
--     port 0 -> esprit's LAN port (outbound: clear UDP in)
--     port 1 <- esprit's WAN port (outbound: ESP out; counted here)
--   For inbound, port 0 replays the ESP pcap esprit-bench wrote
--   (pktgen -s 0:FILE.pcap) into esprit's WAN port and port 1 counts the
--   clear packets coming out of esprit's LAN port.
--
--   pktgen -l 0-2 -n 4 -- -P -m "[1].0,[2].1" -f scripts/pktgen/esprit.lua
--   (inbound: add -s 0:/path/port0.pcap and set ESPRIT_DIR=in and
--   ESPRIT_SIZES to the one size esprit-bench made the pcap for)
--
-- Environment:
--   ESPRIT_DIR      out (default) or in
--   ESPRIT_LAN_MAC  MAC of esprit's port that port 0 sends to (required)
--   ESPRIT_SIZES    frame sizes without FCS, e.g. "64,128,256,512,1024,1420";
--                   inbound, the one size of the clear frames esprit
--                   forwards (esprit-bench --dir in --size N: its ESP is longer)
--   ESPRIT_SECONDS  seconds per size at line rate (default 10)
--   ESPRIT_CSV      result file (default esprit-pktgen.csv)
--   ESPRIT_FLOWS    outbound: this many UDP flows (source ports 1024 on),
--                   so that RSS spreads them over esprit's workers (default 1)
--   ESPRIT_SEARCH   "ndr,pdr" (or one of them) to search for the highest
--                   rate with no loss (NDR: RFC 2544's throughput) and with
--                   at most ESPRIT_PDR_LOSS lost (PDR); default: no search
--   ESPRIT_PDR_LOSS the PDR's loss ratio (default 0.005, FD.io CSIT's)
--   ESPRIT_TRIAL_SECONDS  the length of a search trial (default 5)
--   ESPRIT_PRECISION      a search ends when its interval is this fraction
--                         of its upper end wide (default 0.005)
--   ESPRIT_MAX_TRIALS     at most this many search trials a size (default 24)
--   ESPRIT_DRAIN_MS       wait after a trial before counting (default 2000:
--                         RFC 2544 §23's two seconds for frames in transit,
--                         and Pktgen refreshes its port counters each second)
--   ESPRIT_QUIT     1: Pktgen quits when the script ends (default: its
--                   command line stays, with the ports as the script left them)
--
-- For every size: offer 100% of line rate for ESPRIT_SECONDS and report what
-- esprit forwarded (port 1 packets/s) and what it was offered: the maximum
-- forwarding rate, what a gateway moves when overloaded. With ESPRIT_SEARCH,
-- then a search over the offered rate (steps out from that rate, then
-- halvings), each trial counting every packet sent and received (after the
-- drain): NDR and PDR, the rates an operator can run at. Pktgen counts frames with their 4-octet FCS; sizes
-- here are without it, like esprit-bench's, so "64" is sent as a 64+4
-- octet frame.
--
-- Rates in percent are of port 0's line rate, as Pktgen sets them: its
-- link speed over the frame, FCS, preamble and inter-frame gap. Where
-- Pktgen cannot send that fast (too few cores for the NIC, a virtual
-- port), the script says so, starts the search at the share of line rate
-- esprit forwarded, and marks an NDR or PDR that Pktgen's own limit set.
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local function env_number(name, default)
	local v = os.getenv(name)
	if v == nil or v == "" then
		return default
	end
	return assert(tonumber(v), name .. " is not a number: " .. v)
end

local dir = os.getenv("ESPRIT_DIR") or "out"
local dut_mac = os.getenv("ESPRIT_LAN_MAC") or "02:00:00:00:e5:01"
local seconds = env_number("ESPRIT_SECONDS", 10)
local csv_path = os.getenv("ESPRIT_CSV") or "esprit-pktgen.csv"
local flows = env_number("ESPRIT_FLOWS", 1)
local trial_ms = env_number("ESPRIT_TRIAL_SECONDS", 5) * 1000
local precision = env_number("ESPRIT_PRECISION", 0.005)
local max_trials = env_number("ESPRIT_MAX_TRIALS", 24)
local drain_ms = env_number("ESPRIT_DRAIN_MS", 2000)
if dir ~= "out" and dir ~= "in" then
	error("ESPRIT_DIR: out or in, not " .. dir)
end
local sizes = {}
for s in string.gmatch(os.getenv("ESPRIT_SIZES") or (dir == "out" and "64,128,256,512,1024,1420" or ""),
		       "[^,]+") do
	sizes[#sizes + 1] = assert(tonumber(s), "ESPRIT_SIZES: not a number: " .. s)
end
if dir == "in" and #sizes ~= 1 then
	error("ESPRIT_DIR=in replays one pcap: give ESPRIT_SIZES the one size esprit-bench made it for")
end

-- The searches asked for, each with the loss ratio it allows.
local searches = {}
for name in string.gmatch(os.getenv("ESPRIT_SEARCH") or "", "[^,]+") do
	if name == "ndr" then
		searches[#searches + 1] = { name = "ndr", loss = 0 }
	elseif name == "pdr" then
		searches[#searches + 1] = { name = "pdr", loss = env_number("ESPRIT_PDR_LOSS", 0.005) }
	else
		error("ESPRIT_SEARCH: ndr or pdr, not " .. name)
	end
end

local tx, rx = "0", "1"
-- Pktgen fell short of the rate it was set to when it sent less than this
-- share of it.
local SHORT = 0.98

-- Port 0's range of @p field (Pktgen's range mode): from @p lo, stepping
-- by @p inc up to @p hi and back to @p lo.
local function range(field, lo, hi, inc)
	local set = pktgen.range[field]
	set(tx, "start", lo)
	set(tx, "min", lo)
	set(tx, "max", hi)
	set(tx, "inc", inc)
end

-- Port 0's link speed in Mbit/s, from Pktgen's link state ("<UP-10000-FD>"),
-- waiting up to 10 s for the link to come up.
local function link_mbps()
	local state
	for _ = 1, 20 do
		state = pktgen.linkState(tx)[tonumber(tx)]
		local mbps = tonumber(string.match(state or "", "^<UP%-(%d+)%-"))
		if mbps ~= nil and mbps > 0 then
			return mbps
		end
		pktgen.delay(500)
	end
	error("port " .. tx .. " has no link: " .. tostring(state))
end

-- The line rate in Mpps of @p size-octet frames (without the FCS) at
-- @p mbps: with the FCS, preamble, start delimiter and inter-frame gap (24
-- octets), as Pktgen reckons its rate.
local function line_mpps(mbps, size)
	return mbps / ((size + 24) * 8)
end

local function setup(size)
	pktgen.stop("all")
	pktgen.clr()
	if dir == "out" then
		-- the bench topology: host A 10.1.0.1 -> host B 10.2.0.1 through
		-- esprit, whose policy protects 10.1.0.0/16 -> 10.2.0.0/16
		pktgen.set_mac(tx, "dst", dut_mac)
		pktgen.set_ipaddr(tx, "src", "10.1.0.1/16")
		pktgen.set_ipaddr(tx, "dst", "10.2.0.1")
		pktgen.set_proto(tx, "udp")
		pktgen.set(tx, "sport", 1024)
		pktgen.set(tx, "dport", 9)
		pktgen.set(tx, "size", size + 4)   -- pktgen's size includes the FCS
		if flows > 1 then
			-- the same frames in range mode, the source port stepping
			-- through the flows
			range("src_ip", "10.1.0.1", "10.1.0.1", "0.0.0.0")
			range("dst_ip", "10.2.0.1", "10.2.0.1", "0.0.0.0")
			range("src_port", 1024, 1024 + flows - 1, 1)
			range("dst_port", 9, 9, 0)
			range("pkt_size", size + 4, size + 4, 0)
			pktgen.range.dst_mac(tx, "start", dut_mac)
			pktgen.range.ip_proto(tx, "udp")
			pktgen.set_range(tx, "on")
		end
	end
	pktgen.set(tx, "count", 0)
	pktgen.set(tx, "burst", 32)
	pktgen.set(tx, "rate", 100)
end

-- Port @p port's received and sent packets.
local function counters(port)
	local st = pktgen.portStats(port, "port")[tonumber(port)]
	return st.ipackets, st.opackets
end

-- The mean length of the frames port 0 sent since setup()'s clear, without
-- the FCS (DPDK's byte counters leave it out): a replayed pcap's frames.
local function sent_frame_octets()
	local st = pktgen.portStats(tx, "port")[tonumber(tx)]
	return st.opackets > 0 and st.obytes / st.opackets or 0
end

-- Both ports' counters that a trial compares: sent by port 0, received by
-- port 1.
local function sent_received()
	local _, sent = counters(tx)
	local received = counters(rx)
	return sent, received
end

-- One trial at @p rate percent of line rate for @p ms: the packets sent and
-- received, counted after the drain. A @p window (ms, within @p ms after a
-- warm-up of ms - window) also gives the rates sent and received in it,
-- in Mpps.
local function trial(rate, ms, window)
	local off, fwd
	pktgen.set(tx, "rate", rate)
	local s0, r0 = sent_received()
	pktgen.start(tx)
	if window ~= nil then
		pktgen.delay(ms - window)   -- warm-up: ARP-free, caches hot
		local ws, wr = sent_received()
		pktgen.delay(window)
		local we, wre = sent_received()
		off, fwd = (we - ws) / window / 1e3, (wre - wr) / window / 1e3
	else
		pktgen.delay(ms)
	end
	pktgen.stop(tx)
	pktgen.delay(drain_ms)
	local s1, r1 = sent_received()
	return s1 - s0, r1 - r0, off, fwd
end

-- The loss ratio of a trial (frames esprit's side sent of its own, such as
-- ARP requests, can make it negative: counted as none lost).
local function loss_of(sent, received)
	if sent <= 0 then
		return 1
	end
	return math.max(0, (sent - received) / sent)
end

-- The next rate for the search @p st: while it has only one bound of its
-- own (lo is still 0, or hi still line rate), a step away from that bound
-- toward the other, twice as long each time (found near the first trial
-- in a few steps); then, or once a step would leave the interval, its
-- midpoint.
local function next_rate(st)
	local r
	if st.lo == 0 then
		r = st.hi * (1 - st.step)
	elseif st.hi == 100 then
		r = st.lo * (1 + st.step)
	end
	st.step = st.step * 2
	if r == nil or r <= st.lo or r >= st.hi then
		r = (st.lo + st.hi) / 2
	end
	return r
end

--[[
The searches of one size, over the offered rate in percent of line rate,
sharing their trials: each search keeps the highest rate that passed (lo,
with the packet rate its trial sent) and the lowest that failed (hi); a
trial's loss moves the bounds of every search, a loss being believed over
an earlier pass at or above its rate. The first trial is at the
rate esprit forwarded at line rate (@p first, in percent), where NDR and
PDR usually are near; then next_rate() of the first search whose interval
is still wider than its precision. @p line is the size's line rate in
Mpps; @p at_line the trial at line rate measured before: its loss, the
rate it sent (Mpps) and whether Pktgen fell short of line rate. A
search's lo keeps the rate its trial sent (mpps) and whether that was
short of the rate asked: then Pktgen, not esprit, set the bound, the
trial counts as one at the rate it sent, and a pass there ends the search
(no higher rate can be tried).
]]
local function search(first, line, at_line)
	local state = {}
	for i, s in ipairs(searches) do
		state[i] = { lo = 0, hi = 100, mpps = 0, short = false, step = 2 * precision }
		if at_line.loss <= s.loss then
			state[i].lo, state[i].mpps, state[i].short = 100, at_line.mpps, at_line.short
		end
	end
	local function open_search()
		for i, st in ipairs(state) do
			if st.hi - st.lo > precision * st.hi then
				return i
			end
		end
		return nil
	end
	local rate, trials = math.max(0.001, math.min(first, 100)), 0
	local i = open_search()
	while i ~= nil and trials < max_trials do
		local st = state[i]
		if trials > 0 or rate <= st.lo or rate >= st.hi then
			rate = next_rate(st)
		end
		local sent, received = trial(rate, trial_ms)
		local loss, mpps = loss_of(sent, received), sent / trial_ms / 1e3
		local short = mpps < SHORT * line * rate / 100
		trials = trials + 1
		printf("esprit %s: trial %2d at %8.4f%% of line rate: %.0f sent (%.3f Mpps%s), %.0f received, loss %.6f\n",
		       dir, trials, rate, sent, mpps, short and ", Pktgen fell short" or "", received, loss)
		-- what the trial tells is of the rate it sent
		rate = short and 100 * mpps / line or rate
		for j, s in ipairs(searches) do
			local sj = state[j]
			if loss > s.loss then
				-- a loss at or below a rate that passed: that pass
				-- was luck, the search goes on below
				if rate <= sj.lo then
					sj.lo, sj.mpps, sj.short, sj.step = 0, 0, false, 2 * precision
				end
				sj.hi = math.min(sj.hi, rate)
			elseif rate < sj.hi then
				if rate > sj.lo then
					sj.lo, sj.mpps, sj.short = rate, mpps, short
				end
				if short then
					-- Pktgen sent no faster: no rate above to try
					sj.hi = sj.lo
				end
			end
		end
		i = open_search()
	end
	return state, trials
end

local mbps = link_mbps()
local csv = io.open(csv_path, "w")
-- the last columns: the line rate, and 1 where Pktgen's own limit set
-- the NDR or PDR (esprit's is at least that)
csv:write("dir,size,offered_mpps,forwarded_mpps,forwarded_gbps,ndr_mpps,pdr_mpps,"
	  .. "line_mpps,ndr_pktgen_limited,pdr_pktgen_limited\n")
for _, size in ipairs(sizes) do
	setup(size)
	local ms = (seconds + 1) * 1000
	local sent, received, off, fwd = trial(100, ms, seconds * 1000)
	-- line rate of the frames port 0 sends: the size's, or inbound the
	-- pcap's ESP frames', as Pktgen reckons its rate for a pcap
	local line = line_mpps(mbps, dir == "out" and size or sent_frame_octets())
	local gbps = fwd * size * 8 / 1e3
	printf("esprit %s %5d B: offered %7.3f Mpps, forwarded %7.3f Mpps (%6.2f Gbit/s of frames)\n",
	       dir, size, off, fwd, gbps)
	if off < SHORT * line then
		printf("esprit %s %5d B: Pktgen sent %.1f%% of line rate (%.3f Mpps at %d Mbit/s): "
		       .. "above that, Pktgen is the limit, not esprit\n",
		       dir, size, 100 * off / line, line, mbps)
	end
	local found = { ndr = "", pdr = "" }
	local limited = { ndr = "", pdr = "" }
	if #searches > 0 then
		local at_line = { loss = loss_of(sent, received), mpps = sent / ms / 1e3,
				  short = off < SHORT * line }
		local state, trials = search(100 * fwd / line, line, at_line)
		for i, s in ipairs(searches) do
			local st = state[i]
			-- a search with a trial left to make stopped at max_trials
			local wide = st.hi - st.lo > precision * st.hi
			found[s.name] = string.format("%.4f", st.mpps)
			limited[s.name] = st.short and "1" or "0"
			printf("esprit %s %5d B: %s (loss <= %g) %7.3f Mpps, %.3f%% of line rate%s%s\n",
			       dir, size, string.upper(s.name), s.loss, st.mpps, 100 * st.mpps / line,
			       wide and string.format(" (not narrowed below %.3f%% in %d trials)",
						      st.hi, trials) or "",
			       st.short and " (Pktgen sent no faster: esprit's is at least this)" or "")
		end
	end
	csv:write(string.format("%s,%d,%.4f,%.4f,%.3f,%s,%s,%.4f,%s,%s\n", dir, size, off, fwd, gbps,
				found.ndr, found.pdr, line, limited.ndr, limited.pdr))
	pktgen.delay(1000)
end
csv:close()
printf("results in %s\n", csv_path)
if os.getenv("ESPRIT_QUIT") == "1" then
	pktgen.quit()
end
