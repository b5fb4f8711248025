/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `sas` and `policies` sections of the configuration, and the
 * selectors they share (see config.c for the file as a whole and
 * docs/configuration.md for the syntax).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/config.h"
#include "control/config_int.h"

/* --- selectors ----------------------------------------------------------- */

static const struct {
	const char *name;
	uint8_t proto;
} proto_names[] = {
	{ "any", 0 },
	{ "icmp", ESP_IPPROTO_ICMP },
	{ "tcp", ESP_IPPROTO_TCP },
	{ "udp", ESP_IPPROTO_UDP },
	{ "esp", ESP_IPPROTO_ESP },
	{ "ipv6-icmp", ESP_IPPROTO_ICMPV6 },
	{ "icmpv6", ESP_IPPROTO_ICMPV6 },
	{ "sctp", 132 },
};

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out > max)
		return -EINVAL;
	return 0;
}

static int get_proto(struct parser *ps, const config_setting_t *g, uint8_t *proto)
{
	const config_setting_t *s = config_setting_get_member(g, "proto");
	unsigned long n;
	const char *v;

	*proto = 0;
	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_INT) {
		long long l = 0;
		int rc = get_int(ps, g, "proto", true, 0, 255, &l);

		*proto = (uint8_t)l;
		return rc;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return perr(ps, s, NULL, "must be a protocol name or number");
	v = config_setting_get_string(s);
	for (size_t i = 0; i < sizeof(proto_names) / sizeof(proto_names[0]); i++) {
		if (strcmp(v, proto_names[i].name) == 0) {
			*proto = proto_names[i].proto;
			return 0;
		}
	}
	if (parse_uint(v, 255, &n) == 0) {
		*proto = (uint8_t)n;
		return 0;
	}
	return perr(ps, s, NULL, "unknown protocol '%s' (any, tcp, udp, icmp, ipv6-icmp, sctp, "
		    "esp or 0..255)", v);
}

/* "any", "N", "N-M", or an integer. */
static int get_ports(struct parser *ps, const config_setting_t *g, const char *name,
		     uint16_t *lo, uint16_t *hi)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	unsigned long a, b;
	char buf[16];
	const char *v, *dash;

	*lo = 0;
	*hi = UINT16_MAX;
	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_INT) {
		long long l = 0;
		int rc = get_int(ps, g, name, true, 0, UINT16_MAX, &l);

		*lo = *hi = (uint16_t)l;
		return rc;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return perr(ps, s, NULL, "must be \"any\", \"N\" or \"N-M\"");
	v = config_setting_get_string(s);
	if (strcmp(v, "any") == 0)
		return 0;
	dash = strchr(v, '-');
	if (dash == NULL) {
		if (parse_uint(v, UINT16_MAX, &a) < 0)
			goto bad;
		b = a;
	} else {
		if ((size_t)(dash - v) >= sizeof(buf))
			goto bad;
		memcpy(buf, v, (size_t)(dash - v));
		buf[dash - v] = '\0';
		if (parse_uint(buf, UINT16_MAX, &a) < 0 || parse_uint(dash + 1, UINT16_MAX, &b) < 0)
			goto bad;
		if (a > b)
			return perr(ps, s, NULL, "port range '%s' is reversed", v);
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
bad:
	return perr(ps, s, NULL, "'%s' is not \"any\", a port 0..65535 or a range \"N-M\"", v);
}

static uint16_t label_id(const struct esprit_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_labels; i++)
		if (strcmp(cfg->labels[i].name, name) == 0)
			return cfg->labels[i].id;
	return 0;
}

/*
 * Traffic selectors shared by SAs and policies: src, dst, proto, sport,
 * dport, label. The family comes from the prefixes; with neither given the
 * selector covers both families (family 0).
 */
static int parse_sel(struct parser *ps, const struct esprit_config *cfg,
		     const config_setting_t *g, bool label_any_ok, struct spd_sel *sel)
{
	struct cfg_prefix src = { 0 }, dst = { 0 };
	const char *v;
	int rc;

	memset(sel, 0, sizeof(*sel));
	rc = get_str(ps, g, "src", false, &v);
	if (rc == 0 && v != NULL && strcmp(v, "any") != 0)
		rc = parse_prefix(ps, config_setting_get_member(g, "src"), v, true, &src);
	if (rc == 0)
		rc = get_str(ps, g, "dst", false, &v);
	if (rc == 0 && v != NULL && strcmp(v, "any") != 0)
		rc = parse_prefix(ps, config_setting_get_member(g, "dst"), v, true, &dst);
	if (rc < 0)
		return rc;
	if (src.addr.family != 0 && dst.addr.family != 0 && src.addr.family != dst.addr.family)
		return perr(ps, config_setting_get_member(g, "dst"), NULL,
			    "address family differs from src");
	sel->family = src.addr.family != 0 ? src.addr.family : dst.addr.family;
	sel->src_len = src.addr.family != 0 ? src.len : 0;
	sel->dst_len = dst.addr.family != 0 ? dst.len : 0;
	memcpy(sel->src, src.addr.bytes, sizeof(sel->src));
	memcpy(sel->dst, dst.addr.bytes, sizeof(sel->dst));

	if ((rc = get_proto(ps, g, &sel->proto)) < 0 ||
	    (rc = get_ports(ps, g, "sport", &sel->sport_lo, &sel->sport_hi)) < 0 ||
	    (rc = get_ports(ps, g, "dport", &sel->dport_lo, &sel->dport_hi)) < 0)
		return rc;
	/* spd.h: ports are matched for TCP, UDP and SCTP only. */
	if (sel->proto != 0 && sel->proto != ESP_IPPROTO_TCP && sel->proto != ESP_IPPROTO_UDP &&
	    sel->proto != 132) {
		const char *pn = sel->sport_lo != 0 || sel->sport_hi != UINT16_MAX ? "sport" :
				 sel->dport_lo != 0 || sel->dport_hi != UINT16_MAX ? "dport" : NULL;
		if (pn != NULL)
			return perr(ps, config_setting_get_member(g, pn), NULL,
				    "ports need proto tcp, udp or sctp");
	}

	if ((rc = get_str(ps, g, "label", false, &v)) < 0)
		return rc;
	if (v == NULL) {
		sel->label = 0;
	} else if (strcmp(v, "any") == 0) {
		if (!label_any_ok)
			return perr(ps, config_setting_get_member(g, "label"), NULL,
				    "an SA carries one label; \"any\" is for policies");
		sel->label = SPD_LABEL_ANY;
	} else {
		sel->label = label_id(cfg, v);
		if (sel->label == 0)
			return perr(ps, config_setting_get_member(g, "label"), NULL,
				    "no label named '%s' in labels", v);
	}
	return 0;
}

/* --- SAs ----------------------------------------------------------------- */

static const struct {
	const char *name;
	enum esp_cipher cipher;
	unsigned key_len;
} ciphers[] = {
	{ "aes128gcm16", ESP_CIPHER_AES128_GCM16, 16 },       /* RFC 4106 */
	{ "aes256gcm16", ESP_CIPHER_AES256_GCM16, 32 },
	{ "chacha20poly1305", ESP_CIPHER_CHACHA20_POLY1305, 32 }, /* RFC 7634 */
};

const char *config_cipher_name(enum esp_cipher c)
{
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (ciphers[i].cipher == c)
			return ciphers[i].name;
	return "?";
}


static int parse_lifetime(struct parser *ps, const config_setting_t *g, struct esp_lifetime *soft,
			  struct esp_lifetime *hard)
{
	static const char *const top[] = { "soft", "hard", NULL };
	static const char *const limits[] = { "bytes", "packets", "seconds", NULL };
	struct esp_lifetime *lt[2] = { soft, hard };
	int rc;

	if ((rc = check_group(ps, g, top)) < 0)
		return rc;
	for (unsigned i = 0; i < 2; i++) {
		const config_setting_t *s = config_setting_get_member(g, top[i]);
		long long v;

		if (s == NULL)
			continue;
		if ((rc = check_group(ps, s, limits)) < 0)
			return rc;
		v = 0;
		if ((rc = get_int(ps, s, "bytes", false, 0, INT64_MAX, &v)) < 0)
			return rc;
		lt[i]->bytes = (uint64_t)v;
		v = 0;
		if ((rc = get_int(ps, s, "packets", false, 0, INT64_MAX, &v)) < 0)
			return rc;
		lt[i]->packets = (uint64_t)v;
		v = 0;
		if ((rc = get_int(ps, s, "seconds", false, 0, INT64_MAX, &v)) < 0)
			return rc;
		lt[i]->seconds = (uint64_t)v;
	}
	/* A soft limit is a warning ahead of the hard one (RFC 4301 §4.4.2.1). */
	const config_setting_t *sg = config_setting_get_member(g, "soft");
	if ((soft->bytes != 0 && hard->bytes != 0 && soft->bytes >= hard->bytes) ||
	    (soft->packets != 0 && hard->packets != 0 && soft->packets >= hard->packets) ||
	    (soft->seconds != 0 && hard->seconds != 0 && soft->seconds >= hard->seconds))
		return perr(ps, sg != NULL ? sg : g, NULL, "soft lifetime must be below hard");
	return 0;
}

int parse_sa(struct parser *ps, const struct esprit_config *cfg, const config_setting_t *g,
		    unsigned idx, struct cfg_sa *sa)
{
	static const char *const allowed[] = {
		"name", "spi", "dir", "mode", "cipher", "iiv", "esn", "key", "local", "remote",
		"encap", "replay_window", "src", "dst", "proto", "sport", "dport", "label",
		"lifetime", "owner", NULL,
	};
	static const char *const encap_allowed[] = { "sport", "dport", NULL };
	struct esp_sa_params *p = &sa->p;
	const config_setting_t *s;
	uint8_t keymat[CFG_KEYMAT_MAX];
	size_t keylen = 0;
	unsigned need = 0;
	const char *v;
	long long n;
	bool flag;
	int rc;

	memset(sa, 0, sizeof(*sa));
	if ((rc = check_group(ps, g, allowed)) < 0 ||
	    (rc = get_name(ps, g, "name", false, sa->name, sizeof(sa->name))) < 0 ||
	    (rc = get_int(ps, g, "spi", true, 0, UINT32_MAX, &n)) < 0)
		goto out;
	/* RFC 4303 §2.1: SPIs 1..255 are reserved by IANA, 0 is local use. */
	if (n < ESP_SPI_MIN) {
		rc = perr(ps, config_setting_get_member(g, "spi"), NULL,
			  "SPI %lld is reserved (RFC 4303 §2.1): use 256 or above", n);
		goto out;
	}
	p->spi = (uint32_t)n;
	p->id = idx + 1;

	if ((rc = get_str(ps, g, "dir", true, &v)) < 0)
		goto out;
	if (strcmp(v, "in") == 0) {
		p->dir = ESP_DIR_IN;
	} else if (strcmp(v, "out") == 0) {
		p->dir = ESP_DIR_OUT;
	} else {
		rc = perr(ps, config_setting_get_member(g, "dir"), NULL, "'%s' is not in or out", v);
		goto out;
	}

	p->mode = ESP_MODE_TUNNEL;
	if ((rc = get_str(ps, g, "mode", false, &v)) < 0)
		goto out;
	if (v != NULL && strcmp(v, "transport") == 0) {
		p->mode = ESP_MODE_TRANSPORT;
	} else if (v != NULL && strcmp(v, "tunnel") != 0) {
		rc = perr(ps, config_setting_get_member(g, "mode"), NULL,
			  "'%s' is not tunnel or transport", v);
		goto out;
	}

	if ((rc = get_str(ps, g, "cipher", true, &v)) < 0)
		goto out;
	rc = -EINVAL;
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++) {
		if (strcmp(v, ciphers[i].name) == 0) {
			p->cipher = ciphers[i].cipher;
			need = ciphers[i].key_len;
			rc = 0;
		}
	}
	if (rc < 0) {
		rc = perr(ps, config_setting_get_member(g, "cipher"), NULL,
			  "unknown cipher '%s' (aes128gcm16, aes256gcm16, chacha20poly1305)", v);
		goto out;
	}

	flag = false;
	if ((rc = get_bool(ps, g, "esn", &flag)) < 0)
		goto out;
	p->flags |= flag ? ESP_SA_F_ESN : 0;
	flag = false;
	if ((rc = get_bool(ps, g, "iiv", &flag)) < 0)
		goto out;
	p->flags |= flag ? ESP_SA_F_IIV : 0;

	/* KEYMAT as `ip xfrm` takes it: key || 4-octet salt (RFC 4106 §8.1). */
	if ((rc = get_str(ps, g, "key", true, &v)) < 0)
		goto out;
	s = config_setting_get_member(g, "key");
	rc = parse_hex(v, keymat, sizeof(keymat), &keylen);
	if (rc == -E2BIG) {
		rc = perr(ps, s, NULL, "key is longer than %zu octets", sizeof(keymat));
		goto out;
	}
	if (rc < 0) {
		rc = perr(ps, s, NULL, "key must be an even number of hex digits (\"0x...\")");
		goto out;
	}
	if (keylen != need + ESP_SALT_LEN) {
		rc = perr(ps, s, NULL, "key is %zu octet%s, %s needs %u + %d salt", keylen,
			  keylen == 1 ? "" : "s", config_cipher_name(p->cipher), need, ESP_SALT_LEN);
		goto out;
	}
	memcpy(p->key, keymat, need);
	memcpy(p->salt, keymat + need, ESP_SALT_LEN);

	if ((rc = get_addr(ps, g, "local", p->mode == ESP_MODE_TUNNEL, &p->local)) < 0 ||
	    (rc = get_addr(ps, g, "remote", p->mode == ESP_MODE_TUNNEL, &p->remote)) < 0)
		goto out;
	if (p->local.family != 0 && p->remote.family != 0 && p->local.family != p->remote.family) {
		rc = perr(ps, config_setting_get_member(g, "remote"), NULL,
			  "address family differs from local");
		goto out;
	}
	if ((p->local.family == 0) != (p->remote.family == 0)) {
		rc = perr(ps, g, p->local.family == 0 ? "local" : "remote",
			  "missing (local and remote go together)");
		goto out;
	}

	s = config_setting_get_member(g, "encap");
	if (s != NULL) {
		/* RFC 3948: ESP-in-UDP, usually 4500 both ways (RFC 7296 §2.23). */
		if ((rc = check_group(ps, s, encap_allowed)) < 0 ||
		    (rc = get_int(ps, s, "sport", true, 1, UINT16_MAX, &n)) < 0)
			goto out;
		p->natt_sport = (uint16_t)n;
		if ((rc = get_int(ps, s, "dport", true, 1, UINT16_MAX, &n)) < 0)
			goto out;
		p->natt_dport = (uint16_t)n;
		p->flags |= ESP_SA_F_NATT;
		if (p->local.family == 0) {
			rc = perr(ps, s, NULL, "ESP-in-UDP needs local and remote addresses");
			goto out;
		}
	}

	n = p->dir == ESP_DIR_IN ? ESP_REPLAY_MIN : 0;
	if ((rc = get_int(ps, g, "replay_window", false, 0, ESP_REPLAY_MAX, &n)) < 0)
		goto out;
	if (n != 0 && n < ESP_REPLAY_MIN) {
		rc = perr(ps, config_setting_get_member(g, "replay_window"), NULL,
			  "%lld is out of range: 0 (off) or %d..%d", n, ESP_REPLAY_MIN,
			  ESP_REPLAY_MAX);
		goto out;
	}
	if (n != 0 && p->dir == ESP_DIR_OUT) {
		rc = perr(ps, config_setting_get_member(g, "replay_window"), NULL,
			  "only inbound SAs check replay");
		goto out;
	}
	p->replay_window = (uint16_t)n;

	if ((rc = parse_sel(ps, cfg, g, false, &p->sel)) < 0)
		goto out;
	p->label = p->sel.label;

	s = config_setting_get_member(g, "lifetime");
	if (s != NULL && (rc = parse_lifetime(ps, s, &p->soft, &p->hard)) < 0)
		goto out;

	{
		unsigned workers = cfg->workers != 0 ? cfg->workers : 1;

		/* Inbound SAs spread over the workers by SPI (RSS cannot see it). */
		n = p->dir == ESP_DIR_IN ? (long long)(p->spi % workers) : 0;
		if ((rc = get_int(ps, g, "owner", false, 0, (long long)workers - 1, &n)) < 0)
			goto out;
		p->owner = (uint16_t)n;
	}
	/* The dataplane's own rules, so nothing that loads is refused later. */
	{
		const char *why = NULL;

		if (esp_sa_params_check(p, &why) < 0) {
			rc = perr(ps, g, NULL, "%s", why != NULL ? why : "rejected by the dataplane");
			goto out;
		}
	}
	rc = 0;
out:
	explicit_bzero(keymat, sizeof(keymat));
	if (rc < 0)
		explicit_bzero(sa, sizeof(*sa));
	return rc;
}

const struct cfg_sa *sa_find(const struct esprit_config *cfg, const char *name,
				    uint32_t spi, enum esp_dir dir)
{
	for (unsigned i = 0; i < cfg->n_sas; i++) {
		const struct cfg_sa *sa = &cfg->sas[i];

		if (name != NULL ? strcmp(sa->name, name) == 0 :
				   sa->p.spi == spi && sa->p.dir == dir)
			return sa;
	}
	return NULL;
}

/* --- policies ------------------------------------------------------------ */

void cfg_policy_drv(const struct cfg_policy *cp, unsigned i, struct drv_policy *pol)
{
	*pol = (struct drv_policy){
		.id = i + 1, .priority = i, .sel = cp->sel, .action = cp->action,
		.sa_spi = cp->sa_spi,
	};
	memcpy(pol->res_spi, cp->res_spi, sizeof(pol->res_spi));
}

/* resource_sas = ["name", ...]: outbound SAs of distinct workers (their
 * owner), each of which sends the policy's packets it receives. */
static int parse_resource_sas(struct parser *ps, const struct esprit_config *cfg,
			      const config_setting_t *g, struct cfg_policy *pol)
{
	config_setting_t *list;
	int rc;

	if ((rc = get_list(ps, g, "resource_sas", false, &list)) < 0 || list == NULL)
		return rc;
	if (config_setting_length(list) > DRV_POLICY_RES_MAX)
		return perr(ps, list, NULL, "at most %d SAs", DRV_POLICY_RES_MAX);
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		const char *name = config_setting_get_string(e);
		const struct cfg_sa *sa = name != NULL ? sa_find(cfg, name, 0, ESP_DIR_OUT) : NULL;

		if (name == NULL)
			return perr(ps, e, NULL, "must be an SA's name");
		if (sa == NULL || sa->p.dir != ESP_DIR_OUT)
			return perr(ps, e, NULL, "no outbound SA named '%s'", name);
		for (int j = 0; j < i; j++) {
			const struct cfg_sa *o = sa_find(cfg, NULL, pol->res_spi[j], ESP_DIR_OUT);

			if (o != NULL && o->p.owner == sa->p.owner)
				return perr(ps, e, NULL, "'%s' and '%s' are both worker %u's", o->name,
					    name, sa->p.owner);
		}
		pol->res_spi[i] = sa->p.spi;
	}
	return 0;
}

int parse_policy(struct parser *ps, struct esprit_config *cfg, const config_setting_t *g,
			unsigned idx, struct cfg_policy *pol)
{
	static const char *const allowed[] = {
		"name", "src", "dst", "proto", "sport", "dport", "label", "action", "sa", "spi",
		"resource_sas", NULL,
	};
	const config_setting_t *ref;
	const struct cfg_sa *sa;
	const char *v, *sa_name;
	long long spi = 0;
	int rc;

	if ((rc = check_group(ps, g, allowed)) < 0 ||
	    (rc = get_name(ps, g, "name", false, pol->name, sizeof(pol->name))) < 0)
		return rc;
	for (unsigned i = 0; pol->name[0] != '\0' && i < idx; i++)
		if (strcmp(cfg->policies[i].name, pol->name) == 0)
			return perr(ps, config_setting_get_member(g, "name"), NULL,
				    "policy '%s' is defined twice", pol->name);
	if ((rc = parse_sel(ps, cfg, g, true, &pol->sel)) < 0 ||
	    (rc = get_str(ps, g, "action", true, &v)) < 0)
		return rc;
	if (strcmp(v, "protect") == 0)
		pol->action = SPD_PROTECT;
	else if (strcmp(v, "bypass") == 0)
		pol->action = SPD_BYPASS;
	else if (strcmp(v, "discard") == 0)
		pol->action = SPD_DISCARD;
	else
		return perr(ps, config_setting_get_member(g, "action"), NULL,
			    "'%s' is not protect, bypass or discard", v);

	if ((rc = get_str(ps, g, "sa", false, &sa_name)) < 0 ||
	    (rc = get_int(ps, g, "spi", false, 0, UINT32_MAX, &spi)) < 0)
		return rc;
	ref = config_setting_get_member(g, sa_name != NULL ? "sa" : "spi");
	if (pol->action != SPD_PROTECT) {
		if (ref == NULL)
			ref = config_setting_get_member(g, "resource_sas");
		if (ref != NULL)
			return perr(ps, ref, NULL, "only protect policies name an SA");
		return 0;
	}
	if (sa_name != NULL && config_setting_get_member(g, "spi") != NULL)
		return perr(ps, g, "spi", "give sa or spi, not both");
	if (ref == NULL)
		return perr(ps, g, "sa", "missing (a protect policy names its outbound SA)");
	sa = sa_name != NULL ? sa_find(cfg, sa_name, 0, ESP_DIR_OUT) :
			       sa_find(cfg, NULL, (uint32_t)spi, ESP_DIR_OUT);
	if (sa == NULL && sa_name == NULL && sa_find(cfg, NULL, (uint32_t)spi, ESP_DIR_IN) != NULL)
		return perr(ps, ref, NULL, "SA 0x%08llx is inbound; protect needs an outbound SA",
			    spi);
	if (sa == NULL)
		return sa_name != NULL ? perr(ps, ref, NULL, "no SA named '%s'", sa_name) :
					 perr(ps, ref, NULL, "no outbound SA with SPI 0x%08llx", spi);
	if (sa->p.dir != ESP_DIR_OUT)
		return perr(ps, ref, NULL, "SA '%s' is inbound; protect needs an outbound SA",
			    sa_name);
	pol->sa_spi = sa->p.spi;
	return parse_resource_sas(ps, cfg, g, pol);
}

