/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espritd's configuration file (libconfig syntax, see docs/configuration.md).
 *
 *   esprit: {
 *     workers = 1;                        # worker lcores, 1..16
 *     eal = ["--no-huge", "-m", "256"];   # extra EAL arguments (optional)
 *     lcores = "0,1";                     # optional: control lcore, then workers
 *     idle_sleep_us = 0;                  # optional nap after idle polls
 *     esp_steering = true;                # NIC rules: ESP to its SA's worker
 *     mgmt_socket = "/run/esprit/espritd.sock";
 *     log_level = "info";                 # error | warning | info | debug
 *     rxq_size = 1024; txq_size = 1024; mbufs = 16383;
 *     max_sas = 65536;                    # SAD size: inbound SAs per worker
 *     ike_max_sas = 65536;                # IKE SAs at most
 *     ike_cookie_threshold = 64;          # half-open IKE SAs before COOKIEs
 *     ike_half_open_max = 4096;           # half-open IKE SAs at most
 *   };
 *   ports = ( { name = "lan"; device = "net_af_packet0,iface=veth-lan";
 *               mtu = 1500; mac = "02:00:00:00:01:01";
 *               addresses = ["10.1.0.254/24", "fd01::254/64"]; }, ... );
 *   routes = ( { dst = "10.2.0.0/16"; via = "192.0.2.2"; port = "wan"; }, ... );
 *   neighbors = ( { ip = "192.0.2.2"; mac = "02:00:00:00:02:02"; port = "wan"; }, ... );
 *   labels = ( { name = "system_u:object_r:secret_t:s0"; port = "lan"; vlan = 100; }, ... );
 *   sas = ( { name = "a-b-out"; spi = 0x1001; dir = "out"; mode = "tunnel";
 *             cipher = "aes128gcm16"; iiv = false; esn = false; key = "0x...";
 *             local = "192.0.2.1"; remote = "192.0.2.2";
 *             encap = { sport = 4500; dport = 4500; };
 *             replay_window = 64;
 *             src = "10.1.0.0/16"; dst = "10.2.0.0/16"; proto = "any";
 *             sport = "any"; dport = "1000-2000"; label = "...";
 *             lifetime = { soft = { bytes = 0; packets = 0; seconds = 3000; };
 *                          hard = { seconds = 3600; }; };
 *             owner = 0; }, ... );
 *   policies = ( { name = "p"; src = ...; dst = ...; proto = ...; sport = ...;
 *                  dport = ...; label = ...; action = "protect"; sa = "a-b-out"; }, ... );
 *
 * Every group accepts only the settings listed for it: a misspelt setting
 * is an error, not a silently ignored line. Every reference (port, label,
 * SA) is resolved here, so the rest of espritd never sees a dangling name.
 * Errors read "FILE:LINE: setting 'sas.[0].key': what is wrong".
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libconfig.h>

#include "control/config.h"
#include "control/config_int.h"

enum config_defaults {
	CFG_DEF_MTU = 1500,
	CFG_MTU_MIN = 576,          /* RFC 791: every IPv4 host takes 576 */
	CFG_MTU_MIN6 = 1280,        /* RFC 8200 §5 */
	CFG_MTU_MAX = 9600,
	CFG_DEF_QSIZE = 1024,
	CFG_QSIZE_MIN = 64,
	CFG_QSIZE_MAX = 16384,
	CFG_DEF_MBUFS = 16383,
	CFG_DEF_MAX_SAS = 65536,
	CFG_MAX_SAS_MIN = 64,
	CFG_MAX_SAS_MAX = 16777216,
	CFG_DEF_IKE_MAX_SAS = 65536,
	CFG_DEF_COOKIE_THRESHOLD = 64,
	CFG_DEF_HALF_OPEN_MAX = 4096,
	CFG_IKE_MAX_SAS_MAX = 16777216,
	CFG_MBUFS_MIN = 1023,
	CFG_MBUFS_MAX = 16777215,
	CFG_VLAN_MAX = 4094,        /* IEEE 802.1Q: 4095 is reserved */
	CFG_SAS_MAX = 65536,
	CFG_POLICIES_MAX = 65536,
	CFG_ROUTES_MAX = 65536,
	CFG_NEIGHS_MAX = 65536,
	CFG_IDLE_SLEEP_MAX = 1000000,
};

#define CFG_DEF_SOCKET "/run/esprit/espritd.sock"


/* "sas.[0].key": how libconfig's own config_lookup() spells a path. */
static void setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *chain[16];
	unsigned n = 0;
	size_t off = 0;

	buf[0] = '\0';
	for (; s != NULL && !config_setting_is_root(s) && n < 16; s = config_setting_parent(s))
		chain[n++] = s;
	while (n-- > 0 && off < len) {
		const config_setting_t *c = chain[n];
		const char *sep = off > 0 ? "." : "";
		int w;

		if (config_setting_name(c) != NULL)
			w = snprintf(buf + off, len - off, "%s%s", sep, config_setting_name(c));
		else
			w = snprintf(buf + off, len - off, "%s[%d]", sep, config_setting_index(c));
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static const char *setting_file(const struct parser *ps, const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);

	return f != NULL ? f : ps->file;
}

/*
 * Report a problem with setting @p s (or, with @p member, with the missing
 * member of group @p s). Always returns -EINVAL so callers can
 * `return perr(...)`.
 */
int perr(struct parser *ps, const config_setting_t *s, const char *member,
		const char *fmt, ...)
{
	char path[256], msg[512];
	va_list ap;

	setting_path(s, path, sizeof(path));
	if (member != NULL) {
		size_t l = strlen(path);
		snprintf(path + l, sizeof(path) - l, "%s%s", l > 0 ? "." : "", member);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (config_setting_source_line(s) == 0) /* the root group has no line */
		snprintf(ps->err, ps->errlen, "%s: setting '%s': %s", setting_file(ps, s), path, msg);
	else
		snprintf(ps->err, ps->errlen, "%s:%u: setting '%s': %s", setting_file(ps, s),
			 config_setting_source_line(s), path, msg);
	return -EINVAL;
}

int copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(dst, src, n + 1);
	return 0;
}

static bool name_in(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

/* @p g must be a group holding only settings named in @p allowed. */
int check_group(struct parser *ps, const config_setting_t *g, const char *const *allowed)
{
	if (!config_setting_is_group(g))
		return perr(ps, g, NULL, "must be a group { ... }");
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *c = config_setting_get_elem(g, (unsigned)i);
		const char *n = config_setting_name(c);

		if (n == NULL || !name_in(n, allowed))
			return perr(ps, c, NULL, "unknown setting (misspelt?)");
	}
	return 0;
}

/* A list ( ... ) or array [ ... ]; absent is fine (NULL). */
int get_list(struct parser *ps, const config_setting_t *g, const char *name,
		    bool groups, config_setting_t **out)
{
	config_setting_t *s = config_setting_get_member(g, name);

	*out = s;
	if (s == NULL)
		return 0;
	if (groups && !config_setting_is_list(s))
		return perr(ps, s, NULL, "must be a list ( { ... }, ... )");
	if (!groups && !config_setting_is_list(s) && !config_setting_is_array(s))
		return perr(ps, s, NULL, "must be a list [ \"...\", ... ]");
	return 0;
}

/* String member: *out NULL when absent and not @p required. */
int get_str(struct parser *ps, const config_setting_t *g, const char *name,
		   bool required, const char **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	*out = NULL;
	if (s == NULL)
		return required ? perr(ps, g, name, "missing") : 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return perr(ps, s, NULL, "must be a string in double quotes");
	*out = config_setting_get_string(s);
	return 0;
}

int get_int(struct parser *ps, const config_setting_t *g, const char *name,
		   bool required, long long min, long long max, long long *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	long long v;

	if (s == NULL)
		return required ? perr(ps, g, name, "missing") : 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return perr(ps, s, NULL, "must be an integer");
	v = config_setting_get_int64(s);
	if (v < min || v > max)
		return perr(ps, s, NULL, "%lld is out of range %lld..%lld", v, min, max);
	*out = v;
	return 0;
}

int get_bool(struct parser *ps, const config_setting_t *g, const char *name, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return perr(ps, s, NULL, "must be true or false");
	*out = config_setting_get_bool(s) != 0;
	return 0;
}

int get_name(struct parser *ps, const config_setting_t *g, const char *name,
		    bool required, char *dst, size_t size)
{
	const char *v;
	int rc = get_str(ps, g, name, required, &v);

	if (rc < 0 || v == NULL)
		return rc;
	if (v[0] == '\0')
		return perr(ps, config_setting_get_member(g, name), NULL, "must not be empty");
	if (copy_str(dst, size, v) < 0)
		return perr(ps, config_setting_get_member(g, name), NULL,
			    "too long (at most %zu characters)", size - 1);
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* "02:00:00:00:01:01" */
static int parse_mac(const char *s, uint8_t mac[6])
{
	for (unsigned i = 0; i < 6; i++) {
		int hi = hexval((unsigned char)s[0]), lo = hi < 0 ? -1 : hexval((unsigned char)s[1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < 5 && *s++ != ':')
			return -EINVAL;
	}
	return *s == '\0' ? 0 : -EINVAL;
}

static int get_mac(struct parser *ps, const config_setting_t *g, const char *name,
		   bool required, uint8_t mac[6], bool *has)
{
	const char *v;
	int rc = get_str(ps, g, name, required, &v);

	if (rc < 0 || v == NULL)
		return rc;
	if (parse_mac(v, mac) < 0)
		return perr(ps, config_setting_get_member(g, name), NULL,
			    "'%s' is not a MAC address like 02:00:00:00:01:01", v);
	if (mac[0] & 1)
		return perr(ps, config_setting_get_member(g, name), NULL,
			    "%s is a multicast address", v);
	if (has != NULL)
		*has = true;
	return 0;
}

/* An address without prefix length. */
int get_addr(struct parser *ps, const config_setting_t *g, const char *name,
		    bool required, struct esp_addr *a)
{
	const char *v;
	int rc = get_str(ps, g, name, required, &v);

	if (rc < 0 || v == NULL)
		return rc;
	if (esp_addr_parse(v, a, NULL) < 0)
		return perr(ps, config_setting_get_member(g, name), NULL,
			    "'%s' is not an IPv4 or IPv6 address%s", v,
			    strchr(v, '/') != NULL ? " (no prefix length here)" : "");
	return 0;
}

static bool host_bits_clear(const struct esp_addr *a, unsigned plen)
{
	unsigned n = esp_addr_len(a->family);

	for (unsigned bit = plen; bit < n * 8; bit++)
		if (a->bytes[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

/*
 * A prefix "a/len" (or a bare address = host prefix). With @p network the
 * host bits must be zero: "10.1.0.1/16" in a route or selector is more
 * likely a typo than an intent.
 */
int parse_prefix(struct parser *ps, const config_setting_t *s, const char *v,
			bool network, struct cfg_prefix *p)
{
	const char *slash = strchr(v, '/');
	char buf[64];

	if (esp_addr_parse(v, &p->addr, &p->len) < 0) {
		if (slash != NULL && (size_t)(slash - v) < sizeof(buf)) {
			struct esp_addr a;

			memcpy(buf, v, (size_t)(slash - v));
			buf[slash - v] = '\0';
			if (esp_addr_parse(buf, &a, NULL) == 0)
				return perr(ps, s, NULL, "'%s': bad prefix length (IPv%c: 0..%u)",
					    v, a.family == AF_INET ? '4' : '6',
					    esp_addr_len(a.family) * 8);
		}
		return perr(ps, s, NULL, "'%s' is not an IPv4 or IPv6 prefix", v);
	}
	if (network && !host_bits_clear(&p->addr, p->len))
		return perr(ps, s, NULL, "'%s' has host bits set beyond /%u", v, p->len);
	return 0;
}

int get_prefix(struct parser *ps, const config_setting_t *g, const char *name,
		      bool required, bool network, struct cfg_prefix *p)
{
	const char *v;
	int rc = get_str(ps, g, name, required, &v);

	if (rc < 0 || v == NULL)
		return rc;
	return parse_prefix(ps, config_setting_get_member(g, name), v, network, p);
}

static int port_ref(struct parser *ps, const struct esprit_config *cfg,
		    const config_setting_t *g, uint16_t *port)
{
	const char *v;
	int rc = get_str(ps, g, "port", true, &v), idx;

	if (rc < 0)
		return rc;
	idx = config_port_index(cfg, v);
	if (idx < 0)
		return perr(ps, config_setting_get_member(g, "port"), NULL,
			    "no port named '%s'", v);
	*port = (uint16_t)idx;
	return 0;
}

/* --- esprit { } ---------------------------------------------------------- */

static const char *const log_levels[] = { "error", "warning", "info", "debug", NULL };

static int parse_global(struct parser *ps, struct esprit_config *cfg, const config_setting_t *g)
{
	static const char *const allowed[] = {
		"workers", "eal", "lcores", "idle_sleep_us", "mgmt_socket", "log_level", "keylog",
		"rxq_size", "txq_size", "mbufs", "max_sas", "ike_max_sas", "ike_cookie_threshold",
		"ike_half_open_max", "esp_steering", NULL,
	};
	config_setting_t *eal;
	long long v;
	const char *s;
	int rc;

	if (g == NULL)
		return 0;
	if ((rc = check_group(ps, g, allowed)) < 0)
		return rc;
	v = cfg->workers;
	if ((rc = get_int(ps, g, "workers", false, 1, CFG_WORKERS_MAX, &v)) < 0)
		return rc;
	cfg->workers = (uint16_t)v;
	v = cfg->rxq_size;
	if ((rc = get_int(ps, g, "rxq_size", false, CFG_QSIZE_MIN, CFG_QSIZE_MAX, &v)) < 0)
		return rc;
	cfg->rxq_size = (uint16_t)v;
	v = cfg->txq_size;
	if ((rc = get_int(ps, g, "txq_size", false, CFG_QSIZE_MIN, CFG_QSIZE_MAX, &v)) < 0)
		return rc;
	cfg->txq_size = (uint16_t)v;
	v = cfg->mbufs;
	if ((rc = get_int(ps, g, "mbufs", false, CFG_MBUFS_MIN, CFG_MBUFS_MAX, &v)) < 0)
		return rc;
	cfg->mbufs = (uint32_t)v;
	v = cfg->max_sas;
	if ((rc = get_int(ps, g, "max_sas", false, CFG_MAX_SAS_MIN, CFG_MAX_SAS_MAX, &v)) < 0)
		return rc;
	cfg->max_sas = (uint32_t)v;
	v = cfg->ike_max_sas;
	if ((rc = get_int(ps, g, "ike_max_sas", false, 1, CFG_IKE_MAX_SAS_MAX, &v)) < 0)
		return rc;
	cfg->ike_max_sas = (uint32_t)v;
	v = cfg->ike_cookie_threshold;
	if ((rc = get_int(ps, g, "ike_cookie_threshold", false, 0, CFG_IKE_MAX_SAS_MAX, &v)) < 0)
		return rc;
	cfg->ike_cookie_threshold = (uint32_t)v;
	v = cfg->ike_half_open_max;
	if ((rc = get_int(ps, g, "ike_half_open_max", false, 1, CFG_IKE_MAX_SAS_MAX, &v)) < 0)
		return rc;
	cfg->ike_half_open_max = (uint32_t)v;
	v = cfg->idle_sleep_us;
	if ((rc = get_int(ps, g, "idle_sleep_us", false, 0, CFG_IDLE_SLEEP_MAX, &v)) < 0)
		return rc;
	cfg->idle_sleep_us = (uint32_t)v;
	if ((rc = get_bool(ps, g, "esp_steering", &cfg->esp_steering)) < 0)
		return rc;

	if ((rc = get_str(ps, g, "mgmt_socket", false, &s)) < 0)
		return rc;
	if (s != NULL && (s[0] != '/' || copy_str(cfg->mgmt_socket, sizeof(cfg->mgmt_socket), s) < 0))
		return perr(ps, config_setting_get_member(g, "mgmt_socket"), NULL,
			    "must be an absolute path shorter than %d characters", CFG_PATH_MAX);
	if ((rc = get_str(ps, g, "log_level", false, &s)) < 0)
		return rc;
	if (s != NULL && !name_in(s, log_levels))
		return perr(ps, config_setting_get_member(g, "log_level"), NULL,
			    "'%s' is not error, warning, info or debug", s);
	if (s != NULL)
		copy_str(cfg->log_level, sizeof(cfg->log_level), s);
	if ((rc = get_str(ps, g, "keylog", false, &s)) < 0)
		return rc;
	/* Room for "/ikev2_decryption_table" after the directory. */
	if (s != NULL && (s[0] != '/' || strlen(s) + 24 > CFG_PATH_MAX ||
			  copy_str(cfg->keylog, sizeof(cfg->keylog), s) < 0))
		return perr(ps, config_setting_get_member(g, "keylog"), NULL,
			    "must be an absolute directory path shorter than %d characters",
			    CFG_PATH_MAX - 24);
	if ((rc = get_name(ps, g, "lcores", false, cfg->lcores, sizeof(cfg->lcores))) < 0)
		return rc;

	if ((rc = get_list(ps, g, "eal", false, &eal)) < 0 || eal == NULL)
		return rc;
	if (config_setting_length(eal) > CFG_EAL_ARGS_MAX)
		return perr(ps, eal, NULL, "at most %d arguments", CFG_EAL_ARGS_MAX);
	for (int i = 0; i < config_setting_length(eal); i++) {
		const config_setting_t *e = config_setting_get_elem(eal, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return perr(ps, e, NULL, "must be a string");
		cfg->eal_args[i] = strdup(config_setting_get_string(e));
		if (cfg->eal_args[i] == NULL)
			return -ENOMEM;
		cfg->n_eal_args = (unsigned)i + 1;
	}
	return 0;
}

/* --- ports, routes, neighbors, labels ------------------------------------ */

static int parse_port(struct parser *ps, struct esprit_config *cfg, const config_setting_t *g,
		      struct cfg_port *p)
{
	static const char *const allowed[] = { "name", "device", "mtu", "mac", "addresses", NULL };
	config_setting_t *addrs;
	bool v6 = false;
	long long mtu = CFG_DEF_MTU;
	int rc;

	if ((rc = check_group(ps, g, allowed)) < 0 ||
	    (rc = get_name(ps, g, "name", true, p->name, sizeof(p->name))) < 0)
		return rc;
	if (config_port_index(cfg, p->name) >= 0)
		return perr(ps, config_setting_get_member(g, "name"), NULL,
			    "port '%s' is defined twice", p->name);
	if ((rc = get_name(ps, g, "device", true, p->devargs, sizeof(p->devargs))) < 0 ||
	    (rc = get_int(ps, g, "mtu", false, CFG_MTU_MIN, CFG_MTU_MAX, &mtu)) < 0 ||
	    (rc = get_mac(ps, g, "mac", false, p->mac, &p->has_mac)) < 0 ||
	    (rc = get_list(ps, g, "addresses", false, &addrs)) < 0)
		return rc;
	p->mtu = (uint16_t)mtu;
	if (addrs != NULL && config_setting_length(addrs) > CFG_PORT_ADDRS_MAX)
		return perr(ps, addrs, NULL, "at most %d addresses", CFG_PORT_ADDRS_MAX);
	for (int i = 0; addrs != NULL && i < config_setting_length(addrs); i++) {
		const config_setting_t *e = config_setting_get_elem(addrs, (unsigned)i);
		struct cfg_prefix *a = &p->addrs[i];

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return perr(ps, e, NULL, "must be a string \"address/len\"");
		if ((rc = parse_prefix(ps, e, config_setting_get_string(e), false, a)) < 0)
			return rc;
		for (int j = 0; j < i; j++)
			if (esp_addr_eq(&p->addrs[j].addr, &a->addr))
				return perr(ps, e, NULL, "address listed twice");
		v6 |= a->addr.family == AF_INET6;
		p->n_addrs = (unsigned)i + 1;
	}
	if (v6 && p->mtu < CFG_MTU_MIN6)
		return perr(ps, config_setting_get_member(g, "mtu") ? config_setting_get_member(g, "mtu") : g,
			    NULL, "IPv6 needs an MTU of at least %d (RFC 8200 §5)", CFG_MTU_MIN6);
	return 0;
}

static int parse_route(struct parser *ps, struct esprit_config *cfg, const config_setting_t *g,
		       struct cfg_route *r)
{
	static const char *const allowed[] = { "dst", "via", "port", NULL };
	int rc;

	if ((rc = check_group(ps, g, allowed)) < 0 ||
	    (rc = get_prefix(ps, g, "dst", true, true, &r->dst)) < 0 ||
	    (rc = get_addr(ps, g, "via", false, &r->via)) < 0 ||
	    (rc = port_ref(ps, cfg, g, &r->port)) < 0)
		return rc;
	if (r->via.family != 0 && r->via.family != r->dst.addr.family)
		return perr(ps, config_setting_get_member(g, "via"), NULL,
			    "address family differs from dst");
	return 0;
}

static int parse_neigh(struct parser *ps, struct esprit_config *cfg, const config_setting_t *g,
		       struct cfg_neigh *n)
{
	static const char *const allowed[] = { "ip", "mac", "port", NULL };
	int rc;

	if ((rc = check_group(ps, g, allowed)) < 0 ||
	    (rc = get_addr(ps, g, "ip", true, &n->ip)) < 0 ||
	    (rc = get_mac(ps, g, "mac", true, n->mac, NULL)) < 0 ||
	    (rc = port_ref(ps, cfg, g, &n->port)) < 0)
		return rc;
	return 0;
}

static int parse_label(struct parser *ps, struct esprit_config *cfg, const config_setting_t *g,
		       unsigned idx, struct cfg_label *l)
{
	static const char *const allowed[] = { "name", "port", "vlan", NULL };
	long long vlan = 0;
	int rc;

	if ((rc = check_group(ps, g, allowed)) < 0 ||
	    (rc = get_name(ps, g, "name", true, l->name, sizeof(l->name))) < 0 ||
	    (rc = port_ref(ps, cfg, g, &l->port)) < 0 ||
	    (rc = get_int(ps, g, "vlan", false, 0, CFG_VLAN_MAX, &vlan)) < 0)
		return rc;
	if (strcmp(l->name, "any") == 0)
		return perr(ps, config_setting_get_member(g, "name"), NULL,
			    "\"any\" is reserved for selectors");
	l->vlan = (uint16_t)vlan;
	l->id = (uint16_t)(idx + 1);
	for (unsigned i = 0; i < idx; i++) {
		if (strcmp(cfg->labels[i].name, l->name) == 0)
			return perr(ps, config_setting_get_member(g, "name"), NULL,
				    "label defined twice");
		if (cfg->labels[i].port == l->port && cfg->labels[i].vlan == l->vlan)
			return perr(ps, g, NULL, "port '%s' vlan %u already carries label '%s'",
				    cfg->ports[l->port].name, l->vlan, cfg->labels[i].name);
	}
	return 0;
}

/* KEYMAT in hex, optionally 0x-prefixed, into @p out (at most @p max). */
int parse_hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n == 0 || n % 2 != 0)
		return -EINVAL;
	if (n / 2 > max)
		return -E2BIG;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

/* --- the file ------------------------------------------------------------ */

/* calloc one element per member of list @p name (NULL when empty). */
static int alloc_list(struct parser *ps, const config_setting_t *root, const char *name,
		      size_t elem, unsigned max, config_setting_t **list, void **arr)
{
	int rc = get_list(ps, root, name, true, list), len;

	*arr = NULL;
	if (rc < 0 || *list == NULL)
		return rc;
	len = config_setting_length(*list);
	if ((unsigned)len > max)
		return perr(ps, *list, NULL, "at most %u entries", max);
	if (len == 0)
		return 0;
	*arr = calloc((size_t)len, elem);
	if (*arr == NULL)
		return -ENOMEM;
	return 0;
}

static int parse_root(struct parser *ps, struct esprit_config *cfg, const config_setting_t *root)
{
	static const char *const allowed[] = {
		"esprit", "ports", "routes", "neighbors", "labels", "sas", "policies", "connections",
		"ppks", NULL,
	};
	config_setting_t *list;
	void *arr;
	int rc;

	if ((rc = check_group(ps, root, allowed)) < 0 ||
	    (rc = parse_global(ps, cfg, config_setting_get_member(root, "esprit"))) < 0)
		return rc;

	if ((rc = get_list(ps, root, "ports", true, &list)) < 0)
		return rc;
	if (list == NULL || config_setting_length(list) == 0)
		return perr(ps, list != NULL ? list : root, list != NULL ? NULL : "ports",
			    "at least one port is needed");
	if (config_setting_length(list) > CFG_PORTS_MAX)
		return perr(ps, list, NULL, "at most %d ports", CFG_PORTS_MAX);
	for (int i = 0; i < config_setting_length(list); i++) {
		rc = parse_port(ps, cfg, config_setting_get_elem(list, (unsigned)i), &cfg->ports[i]);
		cfg->n_ports = (unsigned)i + 1; /* counted for the duplicate check */
		if (rc < 0)
			return rc;
	}

	if ((rc = alloc_list(ps, root, "routes", sizeof(*cfg->routes), CFG_ROUTES_MAX, &list,
			     &arr)) < 0)
		return rc;
	cfg->routes = arr;
	for (int i = 0; arr != NULL && i < config_setting_length(list); i++) {
		if ((rc = parse_route(ps, cfg, config_setting_get_elem(list, (unsigned)i),
				      &cfg->routes[i])) < 0)
			return rc;
		cfg->n_routes = (unsigned)i + 1;
	}

	if ((rc = alloc_list(ps, root, "neighbors", sizeof(*cfg->neighs), CFG_NEIGHS_MAX, &list,
			     &arr)) < 0)
		return rc;
	cfg->neighs = arr;
	for (int i = 0; arr != NULL && i < config_setting_length(list); i++) {
		if ((rc = parse_neigh(ps, cfg, config_setting_get_elem(list, (unsigned)i),
				      &cfg->neighs[i])) < 0)
			return rc;
		cfg->n_neighs = (unsigned)i + 1;
	}

	if ((rc = alloc_list(ps, root, "labels", sizeof(*cfg->labels), CFG_LABELS_MAX, &list,
			     &arr)) < 0)
		return rc;
	cfg->labels = arr;
	for (int i = 0; arr != NULL && i < config_setting_length(list); i++) {
		if ((rc = parse_label(ps, cfg, config_setting_get_elem(list, (unsigned)i),
				      (unsigned)i, &cfg->labels[i])) < 0)
			return rc;
		cfg->n_labels = (unsigned)i + 1;
	}

	if ((rc = alloc_list(ps, root, "sas", sizeof(*cfg->sas), CFG_SAS_MAX, &list, &arr)) < 0)
		return rc;
	cfg->sas = arr;
	for (int i = 0; arr != NULL && i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct cfg_sa *sa = &cfg->sas[i];

		if ((rc = parse_sa(ps, cfg, g, (unsigned)i, sa)) < 0)
			return rc;
		if (sa->name[0] != '\0' && sa_find(cfg, sa->name, 0, 0) != NULL)
			rc = perr(ps, config_setting_get_member(g, "name"), NULL,
				  "SA '%s' is defined twice", sa->name);
		/* RFC 4301 §4.1: an inbound SA is found by SPI (and we key
		 * outbound ones the same way), so (spi, dir) must be unique. */
		else if (sa_find(cfg, NULL, sa->p.spi, sa->p.dir) != NULL)
			rc = perr(ps, config_setting_get_member(g, "spi"), NULL,
				  "SPI 0x%08x %s is already used by another SA", sa->p.spi,
				  sa->p.dir == ESP_DIR_IN ? "in" : "out");
		if (rc < 0) {
			explicit_bzero(sa, sizeof(*sa)); /* not yet counted in n_sas */
			return rc;
		}
		cfg->n_sas = (unsigned)i + 1;
	}

	if ((rc = alloc_list(ps, root, "policies", sizeof(*cfg->policies), CFG_POLICIES_MAX,
			     &list, &arr)) < 0)
		return rc;
	cfg->policies = arr;
	for (int i = 0; arr != NULL && i < config_setting_length(list); i++) {
		if ((rc = parse_policy(ps, cfg, config_setting_get_elem(list, (unsigned)i),
				       (unsigned)i, &cfg->policies[i])) < 0)
			return rc;
		cfg->n_policies = (unsigned)i + 1;
	}
	return config_parse_connections(ps, cfg, root);
}

static void config_defaults(struct esprit_config *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	if (copy_str(cfg->path, sizeof(cfg->path), name) < 0)
		memcpy(cfg->path, name, sizeof(cfg->path) - 1);
	cfg->workers = 1;
	cfg->esp_steering = true;
	copy_str(cfg->mgmt_socket, sizeof(cfg->mgmt_socket), CFG_DEF_SOCKET);
	copy_str(cfg->log_level, sizeof(cfg->log_level), "info");
	cfg->rxq_size = CFG_DEF_QSIZE;
	cfg->txq_size = CFG_DEF_QSIZE;
	cfg->mbufs = CFG_DEF_MBUFS;
	cfg->max_sas = CFG_DEF_MAX_SAS;
	cfg->ike_max_sas = CFG_DEF_IKE_MAX_SAS;
	cfg->ike_cookie_threshold = CFG_DEF_COOKIE_THRESHOLD;
	cfg->ike_half_open_max = CFG_DEF_HALF_OPEN_MAX;
}

static int read_error(struct parser *ps, const config_t *lc)
{
	const char *f = config_error_file(lc) != NULL ? config_error_file(lc) : ps->file;

	if (config_error_type(lc) == CONFIG_ERR_FILE_IO) {
		int e = errno != 0 ? errno : EIO;

		snprintf(ps->err, ps->errlen, "%s: cannot read: %s", ps->file, strerror(e));
		return -e;
	}
	snprintf(ps->err, ps->errlen, "%s:%d: %s", f, config_error_line(lc),
		 config_error_text(lc) != NULL ? config_error_text(lc) : "parse error");
	return -EINVAL;
}

/* libconfig frees its strings without wiping them: wipe the keys first. */
static void wipe_member(config_setting_t *g, const char *name)
{
	const char *k = NULL;

	if (g != NULL && config_setting_is_group(g) &&
	    config_setting_lookup_string(g, name, &k) == CONFIG_TRUE && k != NULL)
		explicit_bzero((char *)k, strlen(k));
}

static void wipe_key(config_setting_t *g)
{
	wipe_member(g, "key");
}

static void wipe_keys(config_t *lc)
{
	config_setting_t *sas = config_lookup(lc, "sas"), *sa = config_lookup(lc, "sa");

	for (int i = 0; sas != NULL && config_setting_is_aggregate(sas) &&
			i < config_setting_length(sas); i++)
		wipe_key(config_setting_get_elem(sas, (unsigned)i));
	wipe_key(sa);
	/* RFC 8784 PPKs (config_ike.c). */
	sas = config_lookup(lc, "ppks");
	for (int i = 0; sas != NULL && config_setting_is_aggregate(sas) &&
			i < config_setting_length(sas); i++)
		wipe_member(config_setting_get_elem(sas, (unsigned)i), "secret");
}

static int load(struct esprit_config *cfg, const char *text, const char *name, char *err,
		size_t errlen)
{
	struct parser ps = { .file = name, .err = err, .errlen = errlen };
	config_t lc;
	int rc;

	config_defaults(cfg, name);
	config_init(&lc);
	errno = 0;
	if ((text != NULL ? config_read_string(&lc, text) : config_read_file(&lc, name)) !=
	    CONFIG_TRUE)
		rc = read_error(&ps, &lc);
	else
		rc = parse_root(&ps, cfg, config_root_setting(&lc));
	if (rc == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", name);
	wipe_keys(&lc);
	config_destroy(&lc);
	if (rc < 0) {
		config_free(cfg);
		config_defaults(cfg, name);
	}
	return rc;
}

int config_load(struct esprit_config *cfg, const char *path, char *err, size_t errlen)
{
	return load(cfg, NULL, path, err, errlen);
}

/*
 * Text that did not come from a file (espritctl, tests) must not make
 * espritd open files of its choosing.
 */
static int reject_include(const char *text, const char *name, char *err, size_t errlen)
{
	if (strstr(text, "@include") == NULL)
		return 0;
	snprintf(err, errlen, "%s: @include is only allowed in configuration files", name);
	return -EINVAL;
}

int config_load_string(struct esprit_config *cfg, const char *text, const char *name,
		       char *err, size_t errlen)
{
	int rc;

	if (name == NULL)
		name = "<string>";
	if ((rc = reject_include(text, name, err, errlen)) < 0) {
		config_defaults(cfg, name);
		return rc;
	}
	return load(cfg, text, name, err, errlen);
}

int config_parse_sa(const struct esprit_config *cfg, const char *text, struct cfg_sa *out,
		    char *err, size_t errlen)
{
	struct parser ps = { .file = "sa", .err = err, .errlen = errlen };
	const config_setting_t *g;
	size_t n = strlen(text);
	char *wrapped;
	config_t lc;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = reject_include(text, "sa", err, errlen)) < 0)
		return rc;
	/* "sa = <text>;" makes one group setting out of the text; a
	 * trailing ';' of its own is dropped so both spellings work. */
	while (n > 0 && (isspace((unsigned char)text[n - 1]) || text[n - 1] == ';' ||
			 text[n - 1] == ','))
		n--;
	wrapped = malloc(n + 16);
	if (wrapped == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	snprintf(wrapped, n + 16, "sa = %.*s\n;", (int)n, text);

	config_init(&lc);
	if (config_read_string(&lc, wrapped) != CONFIG_TRUE) {
		rc = read_error(&ps, &lc);
		goto out;
	}
	g = config_setting_get_member(config_root_setting(&lc), "sa");
	if (config_setting_length(config_root_setting(&lc)) != 1 || g == NULL) {
		snprintf(err, errlen, "sa: expected one SA group { ... }");
		rc = -EINVAL;
		goto out;
	}
	rc = parse_sa(&ps, cfg, g, 0, out);
	out->p.id = 0; /* the caller picks a handle */
out:
	/* The text held the key: wipe our copy and libconfig's. */
	explicit_bzero(wrapped, n + 16);
	free(wrapped);
	wipe_keys(&lc);
	config_destroy(&lc);
	return rc;
}

void config_free(struct esprit_config *cfg)
{
	for (unsigned i = 0; i < cfg->n_eal_args; i++)
		free(cfg->eal_args[i]);
	if (cfg->sas != NULL)
		explicit_bzero(cfg->sas, (size_t)cfg->n_sas * sizeof(*cfg->sas));
	free(cfg->sas);
	free(cfg->routes);
	free(cfg->neighs);
	free(cfg->labels);
	free(cfg->policies);
	config_free_connections(cfg);
	cfg->sas = NULL;
	cfg->routes = NULL;
	cfg->neighs = NULL;
	cfg->labels = NULL;
	cfg->policies = NULL;
	cfg->n_eal_args = cfg->n_sas = cfg->n_routes = cfg->n_neighs = 0;
	cfg->n_labels = cfg->n_policies = 0;
}

int config_port_index(const struct esprit_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_ports; i++)
		if (strcmp(cfg->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}
