/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management socket: one request line in, one JSON document out (see
 * mgmt.h for the requests). Listings go through the SA driver's foreach
 * visitors and never include key material; runtime SAs are parsed with
 * config_parse_sa(), exactly like the file's, and installed with
 * drv_sa_add().
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_ethdev.h>

#include "control/gw.h"
#include "control/mgmt.h"
#include "control/mgmt_int.h"
#include "control/telemetry.h"
#include "drivers/esp_steer.h"

#ifndef ESPRIT_VERSION
#define ESPRIT_VERSION "unknown"
#endif

/* Names of SAs added at run time (the driver keeps no names). */
struct rt_name {
	uint32_t spi;
	enum esp_dir dir;
	char name[CFG_NAME_MAX];
};

/* One espritd has one management socket. */
static struct {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct rt_name *names;
	unsigned n_names;
	uint32_t next_id;        /* handles for runtime SAs, above the config's */
	uint64_t last_tel_ms;
} mgmt;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- names and formatting ------------------------------------------------ */

static const char *dir_name(enum esp_dir d)
{
	return d == ESP_DIR_IN ? "in" : "out";
}

static const char *sa_name(const struct gw *g, uint32_t spi, enum esp_dir dir)
{
	for (unsigned i = 0; i < mgmt.n_names; i++)
		if (mgmt.names[i].spi == spi && mgmt.names[i].dir == dir)
			return mgmt.names[i].name;
	for (unsigned i = 0; i < g->cfg.n_sas; i++)
		if (g->cfg.sas[i].p.spi == spi && g->cfg.sas[i].p.dir == dir)
			return g->cfg.sas[i].name;
	return "";
}

static void name_forget(uint32_t spi, enum esp_dir dir)
{
	for (unsigned i = 0; i < mgmt.n_names; i++) {
		if (mgmt.names[i].spi == spi && mgmt.names[i].dir == dir) {
			mgmt.names[i] = mgmt.names[--mgmt.n_names];
			return;
		}
	}
}

static int name_remember(uint32_t spi, enum esp_dir dir, const char *name)
{
	struct rt_name *n;

	name_forget(spi, dir);
	if (name[0] == '\0')
		return 0;
	n = realloc(mgmt.names, (mgmt.n_names + 1) * sizeof(*n));
	if (n == NULL)
		return -ENOMEM;
	mgmt.names = n;
	n = &mgmt.names[mgmt.n_names++];
	n->spi = spi;
	n->dir = dir;
	snprintf(n->name, sizeof(n->name), "%s", name);
	return 0;
}

static const char *label_name(const struct gw *g, uint16_t id)
{
	if (id == SPD_LABEL_ANY)
		return "any";
	for (unsigned i = 0; i < g->cfg.n_labels; i++)
		if (g->cfg.labels[i].id == id)
			return g->cfg.labels[i].name;
	return NULL;
}

static json_t *proto_json(uint8_t proto)
{
	switch (proto) {
	case 0: return json_string("any");
	case ESP_IPPROTO_ICMP: return json_string("icmp");
	case ESP_IPPROTO_TCP: return json_string("tcp");
	case ESP_IPPROTO_UDP: return json_string("udp");
	case ESP_IPPROTO_ESP: return json_string("esp");
	case ESP_IPPROTO_ICMPV6: return json_string("ipv6-icmp");
	case 132: return json_string("sctp");
	default: return json_integer(proto);
	}
}

static json_t *ports_json(uint16_t lo, uint16_t hi)
{
	char buf[16];

	if (lo == 0 && hi == UINT16_MAX)
		return json_string("any");
	if (lo == hi)
		snprintf(buf, sizeof(buf), "%u", lo);
	else
		snprintf(buf, sizeof(buf), "%u-%u", lo, hi);
	return json_string(buf);
}

static json_t *prefix_json(uint8_t family, const uint8_t *bytes, uint8_t len)
{
	struct esp_addr a = { .family = family };
	char buf[80], out[96];

	if (family == 0)
		return json_string("any");
	memcpy(a.bytes, bytes, esp_addr_len(family));
	esp_addr_fmt(&a, buf, sizeof(buf));
	snprintf(out, sizeof(out), "%s/%u", buf, len);
	return json_string(out);
}

static json_t *addr_json(const struct esp_addr *a)
{
	char buf[80];

	if (a->family == 0)
		return json_null();
	return json_string(esp_addr_fmt(a, buf, sizeof(buf)));
}

static json_t *spi_json(uint32_t spi)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "0x%08" PRIx32, spi);
	return json_string(buf);
}

static json_t *sel_json(const struct gw *g, const struct spd_sel *s)
{
	json_t *o = json_object();
	const char *l = s->label != 0 ? label_name(g, s->label) : NULL;

	json_object_set_new(o, "family", json_string(s->family == AF_INET ? "ipv4" :
						     s->family == AF_INET6 ? "ipv6" : "any"));
	json_object_set_new(o, "src", prefix_json(s->family, s->src, s->src_len));
	json_object_set_new(o, "dst", prefix_json(s->family, s->dst, s->dst_len));
	json_object_set_new(o, "proto", proto_json(s->proto));
	json_object_set_new(o, "sport", ports_json(s->sport_lo, s->sport_hi));
	json_object_set_new(o, "dport", ports_json(s->dport_lo, s->dport_hi));
	if (s->label == 0)
		json_object_set_new(o, "label", json_null());
	else if (l != NULL)
		json_object_set_new(o, "label", json_string(l));
	else
		json_object_set_new(o, "label", json_integer(s->label));
	return o;
}

/* Non-zero reasons, plus "total". */
static json_t *drops_json(const uint64_t drops[ESP_DROP_MAX])
{
	json_t *o = json_object();
	uint64_t total = 0;

	for (unsigned r = 0; r < ESP_DROP_MAX; r++) {
		if (drops[r] == 0)
			continue;
		json_object_set_new(o, esp_drop_name((enum esp_drop)r), json_integer((json_int_t)drops[r]));
		total += drops[r];
	}
	json_object_set_new(o, "total", json_integer((json_int_t)total));
	return o;
}

static json_t *lifetime_json(const struct esp_lifetime *lt)
{
	return json_pack("{sI sI sI}", "bytes", (json_int_t)lt->bytes, "packets",
			 (json_int_t)lt->packets, "seconds", (json_int_t)lt->seconds);
}

static json_t *sa_json(const struct gw *g, const struct esp_sa_params *p,
		       const struct esp_sa_stats *st)
{
	json_t *o = json_object();
	const char *name = sa_name(g, p->spi, p->dir);
	const char *l = p->label != 0 ? label_name(g, p->label) : NULL;

	if (name[0] != '\0')
		json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "spi", spi_json(p->spi));
	json_object_set_new(o, "dir", json_string(dir_name(p->dir)));
	json_object_set_new(o, "mode", json_string(p->mode == ESP_MODE_TUNNEL ? "tunnel" : "transport"));
	json_object_set_new(o, "cipher", json_string(config_cipher_name(p->cipher)));
	json_object_set_new(o, "iiv", json_boolean(p->flags & ESP_SA_F_IIV));
	json_object_set_new(o, "esn", json_boolean(p->flags & ESP_SA_F_ESN));
	if (p->flags & ESP_SA_F_NATT)
		json_object_set_new(o, "encap", json_pack("{si si}", "sport", p->natt_sport,
							  "dport", p->natt_dport));
	else
		json_object_set_new(o, "encap", json_null());
	json_object_set_new(o, "local", addr_json(&p->local));
	json_object_set_new(o, "remote", addr_json(&p->remote));
	json_object_set_new(o, "selectors", sel_json(g, &p->sel));
	json_object_set_new(o, "label", l != NULL ? json_string(l) : json_null());
	json_object_set_new(o, "replay_window", json_integer(p->replay_window));
	json_object_set_new(o, "owner", json_integer(p->owner));
	json_object_set_new(o, "dead", json_boolean(p->flags & ESP_SA_F_DEAD));
	json_object_set_new(o, "lifetime", json_pack("{so so}", "soft", lifetime_json(&p->soft),
						     "hard", lifetime_json(&p->hard)));
	json_object_set_new(o, "stats", json_pack("{sI sI so}",
						  "packets", (json_int_t)st->packets,
						  "bytes", (json_int_t)st->bytes,
						  "drops", drops_json(st->drops)));
	return o;
}

/* --- requests ------------------------------------------------------------ */

static json_t *fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static json_t *fail(const char *fmt, ...)
{
	char msg[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{sb ss}", "ok", 0, "error", msg);
}

static json_t *ok(void)
{
	return json_pack("{sb}", "ok", 1);
}

struct sa_walk {
	const struct gw *g;
	json_t *arr;
	bool filter;
	uint32_t spi;
	int dir;                 /* -1: both */
	const char *name;        /* name collision check */
	bool name_taken;
};

static void sa_visit(const struct esp_sa_params *p, const struct esp_sa_stats *st, void *arg)
{
	struct sa_walk *w = arg;

	if (w->name != NULL) {
		if (strcmp(sa_name(w->g, p->spi, p->dir), w->name) == 0)
			w->name_taken = true;
		return;
	}
	if (w->filter && (p->spi != w->spi || (w->dir >= 0 && (int)p->dir != w->dir)))
		return;
	json_array_append_new(w->arr, sa_json(w->g, p, st));
}

static int parse_spi(const char *s, uint32_t *spi)
{
	char *end;
	unsigned long long v;

	if (s == NULL || s[0] == '\0' || s[0] == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -EINVAL;
	*spi = (uint32_t)v;
	return 0;
}

static int parse_dir(const char *s, int *dir)
{
	if (s == NULL)
		return -EINVAL;
	if (strcmp(s, "in") == 0)
		*dir = ESP_DIR_IN;
	else if (strcmp(s, "out") == 0)
		*dir = ESP_DIR_OUT;
	else
		return -EINVAL;
	return 0;
}

static json_t *req_sa_list(struct gw *g, const char *spi_s, const char *dir_s, bool show)
{
	struct sa_walk w = { .g = g, .arr = json_array(), .dir = -1 };
	json_t *o;

	if (show) {
		w.filter = true;
		if (parse_spi(spi_s, &w.spi) < 0) {
			json_decref(w.arr);
			return fail("usage: sa show SPI [in|out] (SPI as 0x1001 or 4097)");
		}
		if (dir_s != NULL && parse_dir(dir_s, &w.dir) < 0) {
			json_decref(w.arr);
			return fail("direction must be in or out, not '%s'", dir_s);
		}
	}
	g->ipsec->ops->sa_foreach(g->ipsec, sa_visit, &w);
	if (show && json_array_size(w.arr) == 0) {
		json_decref(w.arr);
		return fail("no SA 0x%08" PRIx32 "%s%s", w.spi, dir_s != NULL ? " " : "",
			    dir_s != NULL ? dir_s : "");
	}
	o = ok();
	json_object_set_new(o, "sas", w.arr);
	return o;
}

static json_t *req_sa_add(struct gw *g, const char *text)
{
	struct cfg_sa sa;
	char err[512];
	json_t *res;
	int rc;

	if (text == NULL || text[0] == '\0')
		return fail("usage: sa add { name = ...; spi = ...; dir = ...; ... }");
	rc = config_parse_sa(&g->cfg, text, &sa, err, sizeof(err));
	if (rc < 0) {
		res = fail("%s", err);
		goto out;
	}
	if (sa.name[0] != '\0') {
		struct sa_walk w = { .g = g, .name = sa.name };

		g->ipsec->ops->sa_foreach(g->ipsec, sa_visit, &w);
		if (w.name_taken) {
			res = fail("an SA named '%s' exists already", sa.name);
			goto out;
		}
	}
	if (mgmt.next_id <= g->cfg.n_sas)
		mgmt.next_id = g->cfg.n_sas + 1;
	sa.p.id = mgmt.next_id++;
	rc = drv_sa_add(g->ipsec, &sa.p);
	if (rc < 0) {
		res = fail("SA 0x%08" PRIx32 " %s: %s", sa.p.spi, dir_name(sa.p.dir),
			   rc == -EEXIST ? "exists already" : strerror(-rc));
		goto out;
	}
	if (name_remember(sa.p.spi, sa.p.dir, sa.name) < 0) {
		res = fail("out of memory");
		goto out;
	}
	res = ok();
	json_object_set_new(res, "spi", spi_json(sa.p.spi));
	json_object_set_new(res, "dir", json_string(dir_name(sa.p.dir)));
	json_object_set_new(res, "owner", json_integer(sa.p.owner));
out:
	explicit_bzero(&sa, sizeof(sa));
	return res;
}

static json_t *req_sa_del(struct gw *g, const char *spi_s, const char *dir_s)
{
	uint32_t spi;
	int dir, rc;

	if (parse_spi(spi_s, &spi) < 0 || parse_dir(dir_s, &dir) < 0)
		return fail("usage: sa del SPI in|out");
	rc = drv_sa_del(g->ipsec, spi, (enum esp_dir)dir);
	if (rc < 0)
		return fail("SA 0x%08" PRIx32 " %s: %s", spi, dir_s,
			    rc == -ENOENT ? "no such SA" : strerror(-rc));
	name_forget(spi, (enum esp_dir)dir);
	return ok();
}

struct pol_walk {
	const struct gw *g;
	json_t *arr;
};

static void policy_visit(const struct drv_policy *pol, void *arg)
{
	struct pol_walk *w = arg;
	json_t *o = json_object();
	static const char *const actions[] = { [SPD_DISCARD] = "discard", [SPD_BYPASS] = "bypass",
					       [SPD_PROTECT] = "protect" };

	/* gw_program_config() hands policy i of the file to the driver as id i + 1. */
	if (pol->id >= 1 && pol->id <= w->g->cfg.n_policies &&
	    w->g->cfg.policies[pol->id - 1].name[0] != '\0')
		json_object_set_new(o, "name", json_string(w->g->cfg.policies[pol->id - 1].name));
	json_object_set_new(o, "id", json_integer(pol->id));
	json_object_set_new(o, "priority", json_integer(pol->priority));
	json_object_set_new(o, "action", json_string((unsigned)pol->action <= SPD_PROTECT ?
						     actions[pol->action] : "?"));
	if (pol->action == SPD_PROTECT) {
		const char *n = sa_name(w->g, pol->sa_spi, ESP_DIR_OUT);

		json_object_set_new(o, "sa", pol->sa_spi != 0 ? spi_json(pol->sa_spi) : json_null());
		if (n[0] != '\0')
			json_object_set_new(o, "sa_name", json_string(n));
		if (pol->res_spi[0] != 0) {
			/* RFC 9611: the per-resource SAs each owner sends with */
			json_t *res = json_array();

			for (unsigned i = 0; i < DRV_POLICY_RES_MAX && pol->res_spi[i] != 0; i++)
				json_array_append_new(res, spi_json(pol->res_spi[i]));
			json_object_set_new(o, "resource_sas", res);
		}
	}
	json_object_set_new(o, "selectors", sel_json(w->g, &pol->sel));
	json_array_append_new(w->arr, o);
}

static json_t *req_policy_list(struct gw *g)
{
	struct pol_walk w = { .g = g, .arr = json_array() };
	json_t *o;

	g->ipsec->ops->policy_foreach(g->ipsec, policy_visit, &w);
	o = ok();
	json_object_set_new(o, "policies", w.arr);
	return o;
}

/* {"ipv4": "masked", ..., "rules": n, "refused": n[, "why": "..."]}, or
 * null without steering (one worker, or esp_steering off). */
static json_t *port_steering_json(const struct gw *g, uint16_t p)
{
	struct esp_steer_counts c;
	const char *why;
	json_t *o;

	if (g->steer == NULL)
		return json_null();
	o = json_object();
	for (unsigned k = 0; k < ESP_STEER_KINDS; k++)
		json_object_set_new(o, esp_steer_kind_name(k),
				    json_string(esp_steer_mode_name(esp_steer_mode_of(g->steer, p, k,
										      NULL))));
	why = esp_steer_why(g->steer, p);
	esp_steer_counts_of(g->steer, p, &c);
	json_object_set_new(o, "rules", json_integer((json_int_t)c.rules));
	json_object_set_new(o, "refused", json_integer((json_int_t)c.refused));
	if (why != NULL)
		json_object_set_new(o, "why", json_string(why));
	return o;
}

static json_t *req_port_stats(struct gw *g)
{
	json_t *arr = json_array(), *o;

	for (uint16_t i = 0; i < g->n_ports; i++) {
		struct rte_eth_stats st;
		json_t *p = json_object();

		json_object_set_new(p, "name", json_string(g->cfg.ports[i].name));
		json_object_set_new(p, "port_id", json_integer(g->port_id[i]));
		if (rte_eth_stats_get(g->port_id[i], &st) == 0) {
			json_object_set_new(p, "ipackets", json_integer((json_int_t)st.ipackets));
			json_object_set_new(p, "opackets", json_integer((json_int_t)st.opackets));
			json_object_set_new(p, "ibytes", json_integer((json_int_t)st.ibytes));
			json_object_set_new(p, "obytes", json_integer((json_int_t)st.obytes));
			json_object_set_new(p, "imissed", json_integer((json_int_t)st.imissed));
			json_object_set_new(p, "ierrors", json_integer((json_int_t)st.ierrors));
			json_object_set_new(p, "oerrors", json_integer((json_int_t)st.oerrors));
			json_object_set_new(p, "rx_nombuf", json_integer((json_int_t)st.rx_nombuf));
		} else {
			json_object_set_new(p, "error", json_string("statistics unavailable"));
		}
		json_object_set_new(p, "esp_steering", port_steering_json(g, i));
		json_array_append_new(arr, p);
	}
	o = ok();
	json_object_set_new(o, "ports", arr);
	return o;
}

static json_t *req_worker_stats(struct gw *g)
{
	json_t *arr = json_array(), *o;
	uint64_t sum[ESP_DROP_MAX] = { 0 };

	for (uint16_t i = 0; i < g->n_workers; i++) {
		const struct worker *w = g->workers[i];
		const struct worker_stats *s;

		if (w == NULL)
			continue;
		s = &w->stats;
		/* Racy reads of counters the worker alone writes: fine on x86-64. */
		json_t *j = json_pack("{si si sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI}",
				      "id", w->id, "lcore", (int)w->lcore,
				      "rx", (json_int_t)s->rx, "rx_bursts", (json_int_t)s->rx_bursts,
				      "tx", (json_int_t)s->tx,
				      "esp_in", (json_int_t)s->esp_in, "esp_out", (json_int_t)s->esp_out,
				      "bypass", (json_int_t)s->bypass, "punted", (json_int_t)s->punted,
				      "handoff_in", (json_int_t)s->handoff_in,
				      "handoff_out", (json_int_t)s->handoff_out,
				      "esp_in_express", (json_int_t)s->esp_in_express,
				      "esp_in_express_sas", (json_int_t)s->esp_in_express_sas,
				      "esp_out_express", (json_int_t)s->esp_out_express,
				      "esp_out_express_queued", (json_int_t)s->esp_out_express_queued,
				      "msgs", (json_int_t)s->msgs, "loops", (json_int_t)s->loops,
				      "busy_loops", (json_int_t)s->busy_loops);
		/* the mean burst: near 32 (or the shorter bursts
		 * worker_rx_want() asks for long frames) when the worker
		 * cannot keep up, a few frames when it idles between them */
		json_object_set_new(j, "rx_per_burst",
				    json_real(s->rx_bursts != 0 ? (double)s->rx / (double)s->rx_bursts : 0));
		json_object_set_new(j, "drops", drops_json(w->ctx.drops));
		for (unsigned r = 0; r < ESP_DROP_MAX; r++)
			sum[r] += w->ctx.drops[r];
		json_array_append_new(arr, j);
	}
	o = ok();
	json_object_set_new(o, "workers", arr);
	json_object_set_new(o, "drops", drops_json(sum));
	return o;
}

static json_t *req_version(struct gw *g)
{
	uint64_t now = (uint64_t)time(NULL);

	return json_pack("{sb ss sI si si si}", "ok", 1, "version", ESPRIT_VERSION,
			 "uptime", (json_int_t)(g->started != 0 && now >= g->started ? now - g->started : 0),
			 "workers", g->n_workers, "ports", g->n_ports, "sas_configured", (int)g->cfg.n_sas);
}

/* The next whitespace-separated word of *s, NUL-terminated in place. */
static char *word(char **s)
{
	char *w = *s + strspn(*s, " \t\r\n");
	char *e;

	if (*w == '\0') {
		*s = w;
		return NULL;
	}
	e = w + strcspn(w, " \t\r\n");
	if (*e != '\0')
		*e++ = '\0';
	*s = e;
	return w;
}

/* --- shared with mgmt_ike.c (mgmt_int.h) ------------------------------- */

json_t *mgmt_fail(const char *fmt, ...)
{
	char msg[640];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return fail("%s", msg);
}

json_t *mgmt_ok(void)
{
	return ok();
}

char *mgmt_word(char **s)
{
	return word(s);
}

json_t *mgmt_addr_json(const struct esp_addr *a)
{
	return addr_json(a);
}

json_t *mgmt_prefix_json(uint8_t family, const uint8_t *bytes, uint8_t len)
{
	return prefix_json(family, bytes, len);
}

json_t *mgmt_spi_json(uint32_t spi)
{
	return spi_json(spi);
}

int mgmt_parse_spi(const char *s, uint32_t *spi)
{
	return parse_spi(s, spi);
}

static json_t *dispatch(struct gw *g, char *line)
{
	char *rest = line, *a = word(&rest), *b, *c, *d;

	if (a == NULL)
		return fail("empty request; try: version");
	if (strcmp(a, "version") == 0 && word(&rest) == NULL)
		return req_version(g);
	if (strcmp(a, "sa") == 0) {
		b = word(&rest);
		if (b != NULL && strcmp(b, "add") == 0) {
			/* The rest of the line is the SA text, spaces and all. */
			rest += strspn(rest, " \t");
			return req_sa_add(g, rest);
		}
		c = word(&rest);
		d = word(&rest);
		if (b != NULL && strcmp(b, "list") == 0 && c == NULL)
			return req_sa_list(g, NULL, NULL, false);
		if (b != NULL && strcmp(b, "show") == 0 && word(&rest) == NULL)
			return req_sa_list(g, c, d, true);
		if (b != NULL && strcmp(b, "del") == 0 && word(&rest) == NULL)
			return req_sa_del(g, c, d);
		return fail("usage: sa list | sa show SPI [in|out] | sa add {...} | sa del SPI in|out");
	}
	if (strcmp(a, "ike") == 0)
		return mgmt_req_ike(g, rest);
	if (strcmp(a, "reload") == 0 && word(&rest) == NULL)
		return mgmt_req_reload(g);
	b = word(&rest);
	if (b != NULL && word(&rest) == NULL) {
		if (strcmp(a, "policy") == 0 && strcmp(b, "list") == 0)
			return req_policy_list(g);
		if ((strcmp(a, "port") == 0 && strcmp(b, "stats") == 0) ||
		    (strcmp(a, "stats") == 0 && strcmp(b, "ports") == 0))
			return req_port_stats(g);
		if ((strcmp(a, "worker") == 0 && strcmp(b, "stats") == 0) ||
		    (strcmp(a, "stats") == 0 && strcmp(b, "workers") == 0))
			return req_worker_stats(g);
	}
	return fail("unknown request '%s'; requests: sa list|show|add|del, policy list, "
		    "port stats, worker stats, ike list|initiate|terminate|rekey, reload, version",
		    a);
}

char *mgmt_handle(struct gw *g, const char *line)
{
	size_t n = strlen(line);
	char *copy = malloc(n + 1), *text = NULL;
	json_t *res;

	if (copy == NULL)
		return NULL;
	memcpy(copy, line, n + 1);
	res = dispatch(g, copy);
	explicit_bzero(copy, n); /* "sa add" carries a key */
	free(copy);
	if (res != NULL) {
		char *body = json_dumps(res, JSON_COMPACT);

		json_decref(res);
		if (body != NULL && (text = malloc(strlen(body) + 2)) != NULL)
			sprintf(text, "%s\n", body);
		free(body);
	}
	return text;
}

/* --- the socket ---------------------------------------------------------- */

static int mkdir_p(char *dir)
{
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int mgmt_open(struct gw *g, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	struct stat st;
	mode_t old_mask;
	char *slash;
	int fd = -1, rc;

	g->mgmt_fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	memcpy(dir, path, strlen(path) + 1);
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		rc = mkdir_p(dir);
		if (rc < 0) {
			snprintf(err, errlen, "%s: cannot create directory: %s", dir, strerror(-rc));
			goto fail;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			rc = -EEXIST;
			snprintf(err, errlen, "%s exists and is not a socket", path);
			goto fail;
		}
		/* A live espritd answers; a stale socket refuses. */
		int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (probe >= 0 && connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			close(probe);
			rc = -EADDRINUSE;
			snprintf(err, errlen, "%s: another espritd is listening", path);
			goto fail;
		}
		if (probe >= 0)
			close(probe);
		unlink(path);
	}
	/* Owner only: the socket can add and delete SAs. */
	old_mask = umask(0177);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	snprintf(mgmt.path, sizeof(mgmt.path), "%s", path);
	mgmt.last_tel_ms = 0;
	g->mgmt_fd = fd;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return rc;
}

static void set_timeout(int fd, int opt, unsigned ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv));
}

/* Read one line (or until EOF) within MGMT_IO_TIMEOUT_MS; 0 or -errno. */
static int read_request(int fd, char *buf, size_t size)
{
	uint64_t deadline = now_ms() + MGMT_IO_TIMEOUT_MS;
	size_t len = 0;

	for (;;) {
		int64_t left = (int64_t)(deadline - now_ms());
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, buf + len, size - 1 - len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (memchr(buf + len - (size_t)n, '\n', (size_t)n) != NULL)
			break;
		if (len == size - 1)
			return -EMSGSIZE;
	}
	buf[len] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static void send_all(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* timed out or gone: the client loses its answer */
		s += n;
		len -= (size_t)n;
	}
}

static void serve(struct gw *g, int fd)
{
	char *req = malloc(MGMT_REQ_MAX), *ans = NULL;
	int rc;

	if (req == NULL)
		return;
	set_timeout(fd, SO_SNDTIMEO, MGMT_SEND_TIMEOUT_MS);
	rc = read_request(fd, req, MGMT_REQ_MAX);
	if (rc == 0) {
		ans = mgmt_handle(g, req);
	} else {
		char msg[128];

		snprintf(msg, sizeof(msg), "{\"ok\":false,\"error\":\"request: %s\"}\n",
			 rc == -EMSGSIZE ? "line too long" : strerror(-rc));
		ans = strdup(msg);
	}
	if (ans != NULL)
		send_all(fd, ans);
	explicit_bzero(req, MGMT_REQ_MAX);
	free(req);
	free(ans);
}

void mgmt_poll(struct gw *g)
{
	uint64_t now = now_ms();

	if (now - mgmt.last_tel_ms >= 1000) {
		mgmt.last_tel_ms = now;
		telemetry_poll(g);
	}
	if (g->mgmt_fd < 0)
		return;
	for (unsigned i = 0; i < MGMT_ACCEPT_BURST; i++) {
		int c = accept4(g->mgmt_fd, NULL, NULL, SOCK_CLOEXEC);

		if (c < 0)
			return; /* EAGAIN: nobody waiting */
		serve(g, c);
		close(c);
	}
}

void mgmt_close(struct gw *g)
{
	telemetry_stop();
	if (g->mgmt_fd >= 0) {
		close(g->mgmt_fd);
		g->mgmt_fd = -1;
		if (mgmt.path[0] != '\0')
			unlink(mgmt.path);
	}
	mgmt.path[0] = '\0';
	free(mgmt.names);
	mgmt.names = NULL;
	mgmt.n_names = 0;
}
