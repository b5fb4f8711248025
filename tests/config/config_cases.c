/* SPDX-License-Identifier: BSD-3-Clause */
#include "config_cases.h"

/* KEYMAT = key || 4-octet salt (RFC 4106 §8.1). */
#define KEY20 "0x000102030405060708090a0b0c0d0e0f10111213"
#define KEY36 "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"

const char cfg_valid_text[] =
	"# espritd test configuration\n"                                           /* 1 */
	"esprit: {\n"                                                                /* 2 */
	"  workers = 2;\n"
	"  eal = [\"--no-huge\", \"-m\", \"256\"];\n"
	"  mgmt_socket = \"/tmp/esprit-test.sock\";\n"
	"  log_level = \"debug\"; keylog = \"/tmp/esprit-keys\";\n"
	"  rxq_size = 512; txq_size = 2048; mbufs = 8191; max_sas = 1000000;\n"
	"  esp_steering = false;\n"
	"};\n"
	"ports = (\n"
	"  { name = \"lan\"; device = \"net_af_packet0,iface=veth-lan\"; mtu = 1500;\n"
	"    mac = \"02:00:00:00:01:01\";\n"
	"    addresses = [\"10.1.0.254/24\", \"fd01::254/64\"]; },\n"
	"  { name = \"wan\"; device = \"net_af_packet1,iface=veth-wan\";\n"
	"    addresses = [\"192.0.2.1/24\", \"2001:db8::1/64\"]; }\n"
	");\n"
	"routes = ( { dst = \"10.2.0.0/16\"; via = \"192.0.2.2\"; port = \"wan\"; },\n"
	"           { dst = \"fd02::/64\"; via = \"2001:db8::2\"; port = \"wan\"; },\n"
	"           { dst = \"198.51.100.0/24\"; port = \"wan\"; } );\n"
	"neighbors = ( { ip = \"192.0.2.2\"; mac = \"02:00:00:00:02:02\"; port = \"wan\"; } );\n"
	"labels = ( { name = \"system_u:object_r:secret_t:s0\"; port = \"lan\"; vlan = 100; },\n"
	"           { name = \"system_u:object_r:public_t:s0\"; port = \"lan\"; } );\n"
	"sas = (\n"
	"  { name = \"a-b-out\"; spi = 0x1001; dir = \"out\"; mode = \"tunnel\";\n"
	"    cipher = \"aes128gcm16\"; iiv = true; esn = true;\n"
	"    key = \"" KEY20 "\";\n"
	"    local = \"192.0.2.1\"; remote = \"192.0.2.2\";\n"
	"    encap = { sport = 4500; dport = 4501; };\n"
	"    src = \"10.1.0.0/16\"; dst = \"10.2.0.0/16\"; proto = \"udp\"; sport = \"any\";\n"
	"    dport = \"1000-2000\";\n"
	"    label = \"system_u:object_r:public_t:s0\";\n"
	"    lifetime = { soft = { bytes = 1000000; packets = 0; seconds = 3000; };\n"
	"                 hard = { seconds = 3600; }; }; },\n"
	"  { name = \"a-b-in\"; spi = 0x2001; dir = \"in\"; cipher = \"aes256gcm16\";\n"
	"    key = \"" KEY36 "\";\n"
	"    local = \"192.0.2.1\"; remote = \"192.0.2.2\"; replay_window = 1024;\n"
	"    src = \"10.2.0.0/16\"; dst = \"10.1.0.0/16\"; },\n"
	"  { name = \"v6-out\"; spi = 0x3001; dir = \"out\"; mode = \"transport\";\n"
	"    cipher = \"chacha20poly1305\"; key = \"" KEY36 "\"; owner = 1;\n"
	"    local = \"2001:db8::1\"; remote = \"2001:db8::2\"; dst = \"fd02::/64\"; proto = 58; }\n"
	");\n"
	"policies = (\n"
	"  { name = \"protect-a-b\"; src = \"10.1.0.0/16\"; dst = \"10.2.0.0/16\"; proto = \"udp\";\n"
	"    sport = \"any\"; dport = \"53\"; label = \"any\"; action = \"protect\"; sa = \"a-b-out\"; },\n"
	"  { name = \"v6\"; dst = \"fd02::/64\"; action = \"protect\"; spi = 0x3001; },\n"
	"  { name = \"mgmt\"; src = \"0.0.0.0/0\"; dst = \"198.51.100.0/24\"; action = \"bypass\"; },\n"
	"  { name = \"drop-rest\"; action = \"discard\"; }\n"
	");\n";

const char cfg_valid_sa_text[] =
	"{ name = \"rt-in\"; spi = 0x4001; dir = \"in\"; cipher = \"aes128gcm16\";\n"
	"  key = \"" KEY20 "\"; local = \"192.0.2.1\"; remote = \"192.0.2.3\";\n"
	"  src = \"10.3.0.0/16\"; dst = \"10.1.0.0/16\"; label = \"system_u:object_r:secret_t:s0\"; }";

/* Line 1 of every case: two ports and a label. */
#define P "ports = ( { name = \"wan\"; device = \"net_null0\"; addresses = [\"192.0.2.1/24\", \"2001:db8::1/64\"]; }, { name = \"lan\"; device = \"net_null1\"; } ); labels = ( { name = \"secret\"; port = \"lan\"; vlan = 100; } );\n"
/* An outbound SA on line 2, with extra settings @x. */
#define SA(x) "sas = ( { name = \"o\"; spi = 0x1001; dir = \"out\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\"; " x " } );\n"
#define SAIN(x) "sas = ( { name = \"i\"; spi = 0x2001; dir = \"in\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\"; " x " } );\n"

const struct cfg_bad_case cfg_bad_cases[] = {
	{ "syntax error", P "sas = ( { spi = = 0x1001; } );\n", "t:2: syntax error" },
	{ "unterminated string", P "routes = ( { dst = \"10.0.0.0/8; } );\n", "t:3: syntax error" },
	{ "unknown top-level setting", P "polices = ( );\n",
	  "t:2: setting 'polices': unknown setting" },
	{ "unknown global setting", "esprit: { worker = 2; };\n" P,
	  "t:1: setting 'esprit.worker': unknown setting" },
	{ "SAD too small", "esprit: { max_sas = 10; };\n" P, "t:1: setting 'esprit.max_sas'" },
	{ "unknown SA setting", P SA("ciper = \"x\";"), "t:2: setting 'sas.[0].ciper': unknown setting" },
	{ "unknown lifetime setting", P SA("lifetime = { hard = { second = 10; }; };"),
	  "t:2: setting 'sas.[0].lifetime.hard.second': unknown setting" },
	{ "missing SPI", P "sas = ( { dir = \"in\"; cipher = \"aes128gcm16\"; } );\n",
	  "t:2: setting 'sas.[0].spi': missing" },
	{ "missing tunnel endpoint", P "sas = ( { spi = 0x1001; dir = \"out\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; } );\n",
	  "t:2: setting 'sas.[0].local': missing" },
	{ "missing remote in transport", P "sas = ( { spi = 0x1001; dir = \"out\"; mode = \"transport\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.1\"; } );\n",
	  "t:2: setting 'sas.[0].remote': missing" },
	{ "no ports", "routes = ( );\n", "t: setting 'ports': at least one port" },
	{ "ports not a list", "ports = { name = \"x\"; };\n", "t:1: setting 'ports': must be a list" },
	{ "bad address", P "sas = ( { spi = 0x1001; dir = \"out\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.300\"; remote = \"192.0.2.2\"; } );\n",
	  "t:2: setting 'sas.[0].local': '192.0.2.300' is not an IPv4 or IPv6 address" },
	{ "bad prefix length", P "routes = ( { dst = \"10.0.0.0/33\"; port = \"wan\"; } );\n",
	  "t:2: setting 'routes.[0].dst': '10.0.0.0/33': bad prefix length (IPv4: 0..32)" },
	{ "bad v6 prefix length", P "routes = ( { dst = \"fd00::/129\"; port = \"wan\"; } );\n",
	  "bad prefix length (IPv6: 0..128)" },
	{ "host bits set", P SA("src = \"10.1.0.1/16\";"),
	  "t:2: setting 'sas.[0].src': '10.1.0.1/16' has host bits set beyond /16" },
	{ "wrong key length", P "sas = ( { spi = 0x1001; dir = \"out\"; cipher = \"aes256gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\"; } );\n",
	  "t:2: setting 'sas.[0].key': key is 20 octets, aes256gcm16 needs 32 + 4 salt" },
	{ "key not hex", P "sas = ( { spi = 0x1001; dir = \"out\"; cipher = \"aes128gcm16\"; key = \"0xzz0102\"; } );\n",
	  "t:2: setting 'sas.[0].key': key must be an even number of hex digits" },
	{ "unknown cipher", P "sas = ( { spi = 0x1001; dir = \"out\"; cipher = \"aes128cbc\"; } );\n",
	  "t:2: setting 'sas.[0].cipher': unknown cipher 'aes128cbc'" },
	{ "unknown port reference", P "routes = ( { dst = \"10.0.0.0/8\"; port = \"dmz\"; } );\n",
	  "t:2: setting 'routes.[0].port': no port named 'dmz'" },
	{ "unknown label reference", P SA("label = \"topsecret\";"),
	  "t:2: setting 'sas.[0].label': no label named 'topsecret'" },
	{ "label any on an SA", P SA("label = \"any\";"), "\"any\" is for policies" },
	{ "unknown SA reference", P SA("") "policies = ( { action = \"protect\"; sa = \"nope\"; } );\n",
	  "t:3: setting 'policies.[0].sa': no SA named 'nope'" },
	{ "unknown SA SPI", P SA("") "policies = ( { action = \"protect\"; spi = 0x9999; } );\n",
	  "t:3: setting 'policies.[0].spi': no outbound SA with SPI 0x00009999" },
	{ "duplicate SPI",
	  P "sas = ( { spi = 0x1001; dir = \"out\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\"; },\n"
	  "{ spi = 0x1001; dir = \"out\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.1\"; remote = \"192.0.2.3\"; } );\n",
	  "t:3: setting 'sas.[1].spi': SPI 0x00001001 out is already used" },
	{ "duplicate SA name",
	  P "sas = ( { name = \"x\"; spi = 0x1001; dir = \"out\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\"; },\n"
	  "{ name = \"x\"; spi = 0x1001; dir = \"in\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\"; } );\n",
	  "t:3: setting 'sas.[1].name': SA 'x' is defined twice" },
	{ "protect to an inbound SA", P SAIN("") "policies = ( { action = \"protect\"; sa = \"i\"; } );\n",
	  "t:3: setting 'policies.[0].sa': SA 'i' is inbound; protect needs an outbound SA" },
	{ "protect to an inbound SPI", P SAIN("") "policies = ( { action = \"protect\"; spi = 0x2001; } );\n",
	  "SA 0x00002001 is inbound" },
	{ "protect without SA", P "policies = ( { action = \"protect\"; } );\n",
	  "t:2: setting 'policies.[0].sa': missing" },
	{ "bypass naming an SA", P SA("") "policies = ( { action = \"bypass\"; sa = \"o\"; } );\n",
	  "t:3: setting 'policies.[0].sa': only protect policies name an SA" },
	{ "resource SA unknown", P SA("") "policies = ( { action = \"protect\"; sa = \"o\"; resource_sas = [\"o\", \"x\"]; } );\n",
	  "t:3: setting 'policies.[0].resource_sas.[1]': no outbound SA named 'x'" },
	{ "resource SA inbound",
	  P "sas = ( { name = \"o\"; spi = 0x1001; dir = \"out\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\"; },\n"
	  "{ name = \"i\"; spi = 0x2001; dir = \"in\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\"; } );\n"
	  "policies = ( { action = \"protect\"; sa = \"o\"; resource_sas = [\"i\"]; } );\n",
	  "t:4: setting 'policies.[0].resource_sas.[0]': no outbound SA named 'i'" },
	{ "resource SAs of one worker",
	  P "sas = ( { name = \"o\"; spi = 0x1001; dir = \"out\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\"; owner = 0; },\n"
	  "{ name = \"p\"; spi = 0x1002; dir = \"out\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\"; owner = 0; } );\n"
	  "policies = ( { action = \"protect\"; sa = \"o\"; resource_sas = [\"o\", \"p\"]; } );\n",
	  "t:4: setting 'policies.[0].resource_sas.[1]': 'o' and 'p' are both worker 0's" },
	{ "bypass with resource SAs", P SA("") "policies = ( { action = \"bypass\"; resource_sas = [\"o\"]; } );\n",
	  "t:3: setting 'policies.[0].resource_sas': only protect policies name an SA" },
	{ "bad action", P "policies = ( { action = \"allow\"; } );\n",
	  "t:2: setting 'policies.[0].action': 'allow' is not protect, bypass or discard" },
	{ "replay window too small", P SAIN("replay_window = 32;"),
	  "t:2: setting 'sas.[0].replay_window': 32 is out of range: 0 (off) or 64..4096" },
	{ "replay window too large", P SAIN("replay_window = 5000;"),
	  "t:2: setting 'sas.[0].replay_window': 5000 is out of range 0..4096" },
	{ "replay window outbound", P SA("replay_window = 64;"), "only inbound SAs check replay" },
	{ "reversed port range", P SA("proto = \"tcp\"; dport = \"2000-1000\";"),
	  "t:2: setting 'sas.[0].dport': port range '2000-1000' is reversed" },
	{ "port out of range", P SA("proto = \"tcp\"; sport = \"70000\";"),
	  "t:2: setting 'sas.[0].sport': '70000' is not \"any\", a port 0..65535" },
	{ "port range garbage", P SA("dport = \"1-2-3\";"), "'1-2-3' is not \"any\"" },
	{ "ports with icmp", P SA("proto = \"icmp\"; dport = \"53\";"),
	  "t:2: setting 'sas.[0].dport': ports need proto tcp, udp or sctp" },
	{ "unknown protocol", P SA("proto = \"tcpp\";"),
	  "t:2: setting 'sas.[0].proto': unknown protocol 'tcpp'" },
	{ "protocol number out of range", P SA("proto = 256;"), "256 is out of range 0..255" },
	{ "bad mac", P "neighbors = ( { ip = \"192.0.2.2\"; mac = \"02:00:00:00:01\"; port = \"wan\"; } );\n",
	  "t:2: setting 'neighbors.[0].mac': '02:00:00:00:01' is not a MAC address" },
	{ "multicast mac", "ports = ( { name = \"a\"; device = \"d\"; mac = \"01:00:5e:00:00:01\"; } );\n",
	  "t:1: setting 'ports.[0].mac': 01:00:5e:00:00:01 is a multicast address" },
	{ "vlan out of range",
	  "ports = ( { name = \"lan\"; device = \"d\"; } );\nlabels = ( { name = \"x\"; port = \"lan\"; vlan = 4095; } );\n",
	  "t:2: setting 'labels.[0].vlan': 4095 is out of range 0..4094" },
	{ "label twice on one vlan",
	  "ports = ( { name = \"lan\"; device = \"d\"; } );\nlabels = ( { name = \"x\"; port = \"lan\"; vlan = 5; },\n { name = \"y\"; port = \"lan\"; vlan = 5; } );\n",
	  "t:3: setting 'labels.[1]': port 'lan' vlan 5 already carries label 'x'" },
	{ "selector family mismatch", P SA("src = \"10.1.0.0/16\"; dst = \"fd02::/64\";"),
	  "t:2: setting 'sas.[0].dst': address family differs from src" },
	{ "outer family mismatch", P "sas = ( { spi = 0x1001; dir = \"out\"; cipher = \"aes128gcm16\"; key = \"" KEY20 "\"; local = \"192.0.2.1\"; remote = \"2001:db8::2\"; } );\n",
	  "t:2: setting 'sas.[0].remote': address family differs from local" },
	{ "route via family mismatch", P "routes = ( { dst = \"10.0.0.0/8\"; via = \"2001:db8::2\"; port = \"wan\"; } );\n",
	  "t:2: setting 'routes.[0].via': address family differs from dst" },
	{ "steering as a word", "esprit: { esp_steering = \"on\"; };\n" P,
	  "t:1: setting 'esprit.esp_steering': must be true or false" },
	{ "workers out of range", "esprit: { workers = 17; };\n" P,
	  "t:1: setting 'esprit.workers': 17 is out of range 1..16" },
	{ "mtu out of range", "ports = ( { name = \"a\"; device = \"d\"; mtu = 500; } );\n",
	  "t:1: setting 'ports.[0].mtu': 500 is out of range 576..9600" },
	{ "IPv6 port with small mtu", "ports = ( { name = \"a\"; device = \"d\";\n mtu = 1000; addresses = [\"fd00::1/64\"]; } );\n",
	  "t:2: setting 'ports.[0].mtu': IPv6 needs an MTU of at least 1280" },
	{ "duplicate port", "ports = ( { name = \"a\"; device = \"d\"; },\n { name = \"a\"; device = \"e\"; } );\n",
	  "t:2: setting 'ports.[1].name': port 'a' is defined twice" },
	{ "missing device", "ports = ( { name = \"a\"; } );\n", "t:1: setting 'ports.[0].device': missing" },
	{ "name too long", "ports = ( { name = \"0123456789012345678901234567890123456789\"; device = \"d\"; } );\n",
	  "t:1: setting 'ports.[0].name': too long (at most 31 characters)" },
	{ "owner out of range", P SA("owner = 1;"), "t:2: setting 'sas.[0].owner': 1 is out of range 0..0" },
	{ "SPI as a string", P "sas = ( { spi = \"0x1001\"; } );\n",
	  "t:2: setting 'sas.[0].spi': must be an integer" },
	{ "reserved SPI", P "sas = ( { spi = 255; } );\n",
	  "t:2: setting 'sas.[0].spi': SPI 255 is reserved (RFC 4303 §2.1)" },
	{ "bad direction", P "sas = ( { spi = 0x1001; dir = \"inbound\"; } );\n",
	  "t:2: setting 'sas.[0].dir': 'inbound' is not in or out" },
	{ "bad mode", P SA("mode = \"beet\";"), "'beet' is not tunnel or transport" },
	{ "bool as int", P SA("esn = 1;"), "t:2: setting 'sas.[0].esn': must be true or false" },
	{ "soft above hard", P SA("lifetime = { soft = { seconds = 4000; }; hard = { seconds = 3600; }; };"),
	  "t:2: setting 'sas.[0].lifetime.soft': soft lifetime must be below hard" },
	{ "encap without dport", P SA("encap = { sport = 4500; };"),
	  "t:2: setting 'sas.[0].encap.dport': missing" },
	{ "bad log level", "esprit: { log_level = \"verbose\"; };\n" P,
	  "t:1: setting 'esprit.log_level': 'verbose' is not error, warning, info or debug" },
	{ "relative socket path", "esprit: { mgmt_socket = \"espritd.sock\"; };\n" P,
	  "t:1: setting 'esprit.mgmt_socket': must be an absolute path" },
	{ "relative keylog path", "esprit: { keylog = \"keys\"; };\n" P,
	  "t:1: setting 'esprit.keylog': must be an absolute directory path" },
	{ "one key per certificate", P "connections = ( { name = \"c\"; local_addrs = \"192.0.2.1\";\n"
	  " remote_addrs = \"192.0.2.2\"; auth = \"pubkey\"; cert = [\"/x/a.pem\", \"/x/b.pem\"];\n"
	  " key = \"/x/a.key\"; cacerts = [\"/x/ca.pem\"]; proposals = \"aes256gcm16-prfsha384-x25519\"; } );\n",
	  "setting 'connections.[0].key': one key per certificate (2 certificates, 1 keys)" },
	{ "too many certificates", P "connections = ( { name = \"c\"; local_addrs = \"192.0.2.1\";\n"
	  " remote_addrs = \"192.0.2.2\"; auth = \"pubkey\"; cert = [\"1\", \"2\", \"3\", \"4\", \"5\"];\n"
	  " key = \"/x/a.key\"; cacerts = [\"/x/ca.pem\"]; proposals = \"aes256gcm16-prfsha384-x25519\"; } );\n",
	  "setting 'connections.[0].cert': 1 to 4 file names" },
	{ "EAL argument not a string", "esprit: { eal = [1, 2]; };\n" P,
	  "t:1: setting 'esprit.eal.[0]': must be a string" },
	{ "duplicate policy name", P "policies = ( { name = \"p\"; action = \"bypass\"; },\n { name = \"p\"; action = \"discard\"; } );\n",
	  "t:3: setting 'policies.[1].name': policy 'p' is defined twice" },
	{ "include from a string", "@include \"/etc/passwd\"\n" P, "t: @include is only allowed" },
};

const size_t cfg_n_bad_cases = sizeof(cfg_bad_cases) / sizeof(cfg_bad_cases[0]);
