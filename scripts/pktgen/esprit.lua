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
--   (inbound: add -s 0:/path/port0.pcap and set ESPRIT_DIR=in)
--
-- Environment:
--   ESPRIT_DIR      out (default) or in
--   ESPRIT_LAN_MAC  MAC of esprit's port that port 0 sends to (required)
--   ESPRIT_SIZES    frame sizes without FCS, e.g. "64,128,256,512,1024,1420"
--   ESPRIT_SECONDS  seconds per size (default 10)
--   ESPRIT_CSV      result file (default esprit-pktgen.csv)
--
-- For every size: offer 100% of line rate for ESPRIT_SECONDS, report what
-- esprit forwarded (port 1 packets/s) and what it was offered. Pktgen
-- counts frames with their 4-octet FCS; sizes here are without it, like
-- esprit-bench's, so "64" is sent as a 64+4 octet frame.
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local dir = os.getenv("ESPRIT_DIR") or "out"
local dut_mac = os.getenv("ESPRIT_LAN_MAC") or "02:00:00:00:e5:01"
local seconds = tonumber(os.getenv("ESPRIT_SECONDS") or "10")
local csv_path = os.getenv("ESPRIT_CSV") or "esprit-pktgen.csv"
local sizes = {}
for s in string.gmatch(os.getenv("ESPRIT_SIZES") or "64,128,256,512,1024,1420", "[^,]+") do
	sizes[#sizes + 1] = tonumber(s)
end

local tx, rx = "0", "1"

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
	end
	pktgen.set(tx, "count", 0)
	pktgen.set(tx, "burst", 32)
	pktgen.set(tx, "rate", 100)
end

local function counters(port)
	local st = pktgen.portStats(port, "port")[tonumber(port)]
	return st.ipackets, st.opackets
end

local csv = io.open(csv_path, "w")
csv:write("dir,size,offered_mpps,forwarded_mpps,forwarded_gbps\n")
for _, size in ipairs(sizes) do
	setup(size)
	pktgen.start(tx)
	pktgen.delay(1000)                  -- warm-up: ARP-free, caches hot
	local rx0 = counters(rx)
	local _, tx0 = counters(tx)
	pktgen.delay(seconds * 1000)
	local rx1 = counters(rx)
	local _, tx1 = counters(tx)
	pktgen.stop(tx)
	local fwd = (rx1 - rx0) / seconds / 1e6
	local off = (tx1 - tx0) / seconds / 1e6
	local gbps = fwd * size * 8 / 1e3
	printf("esprit %s %5d B: offered %7.3f Mpps, forwarded %7.3f Mpps (%6.2f Gbit/s of frames)\n",
	       dir, size, off, fwd, gbps)
	csv:write(string.format("%s,%d,%.4f,%.4f,%.3f\n", dir, size, off, fwd, gbps))
	pktgen.delay(1000)
end
csv:close()
printf("results in %s\n", csv_path)
