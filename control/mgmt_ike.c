/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The management requests about IKE: `ike list` (IKE SAs and Child SAs
 * with algorithms, SPIs, selectors, ages, timers and the dataplane's
 * counters), initiate / rekey / terminate of IKE SAs and of single Child
 * SAs (by connection and child name, or by SPI), and `reload` (through
 * g->reload_fn, control/reload.c, which only espritd links).
 *
 * The engine is read through control/ike/ike.h only (ike_sa_foreach,
 * ike_sa_by_conn, the entry points); counters come from the SA driver.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/gw.h"
#include "control/ike/ike.h"
#include "control/ikecrypto/ke.h"
#include "control/mgmt_int.h"
#include "control/reload.h"
#include "drivers/ike_io.h"
#include "drivers/ipfrag.h"

/* The engine's clock in espritd (gw_now_ms(): CLOCK_MONOTONIC, ms). */
static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- names --------------------------------------------------------------- */

static const char *encr_name(uint16_t id)
{
	switch (id) {
	case IKE_ENCR_AES_CBC: return "aes-cbc";
	case IKE_ENCR_AES_GCM_16: return "aes-gcm16";
	case IKE_ENCR_AES_GCM_16_IIV: return "aes-gcm16-iiv";
	case IKE_ENCR_CHACHA20_POLY1305: return "chacha20poly1305";
	case IKE_ENCR_CHACHA20_POLY1305_IIV: return "chacha20poly1305-iiv";
	default: return "?";
	}
}

static const char *prf_name(uint16_t id)
{
	switch (id) {
	case IKE_PRF_HMAC_SHA2_256: return "prfsha256";
	case IKE_PRF_HMAC_SHA2_384: return "prfsha384";
	case IKE_PRF_HMAC_SHA2_512: return "prfsha512";
	default: return "?";
	}
}

static const char *integ_name(uint16_t id)
{
	switch (id) {
	case IKE_INTEG_NONE: return NULL;
	case IKE_INTEG_HMAC_SHA2_256_128: return "sha256";
	case IKE_INTEG_HMAC_SHA2_384_192: return "sha384";
	case IKE_INTEG_HMAC_SHA2_512_256: return "sha512";
	default: return "?";
	}
}

/* "aes-gcm16-256": the cipher and its key length. */
static json_t *cipher_json(uint16_t encr, uint16_t key_bits)
{
	char buf[48];

	if (encr == IKE_ENCR_CHACHA20_POLY1305 || encr == IKE_ENCR_CHACHA20_POLY1305_IIV)
		return json_string(encr_name(encr));
	snprintf(buf, sizeof(buf), "%s-%u", encr_name(encr), key_bits);
	return json_string(buf);
}

/* Seconds from now to @p at_ms (0: no such timer: null). */
static json_t *in_json(uint64_t at_ms, uint64_t now)
{
	if (at_ms == 0)
		return json_null();
	return json_integer(at_ms > now ? (json_int_t)((at_ms - now + 999) / 1000) : 0);
}

static json_t *age_json(uint64_t since_ms, uint64_t now)
{
	if (since_ms == 0)
		return json_null();
	return json_integer(now > since_ms ? (json_int_t)((now - since_ms) / 1000) : 0);
}

/* A traffic selector range as a prefix (the dataplane only takes those). */
static json_t *ts_json(const struct ike_ts *ts)
{
	unsigned n = esp_addr_len(ts->family), plen = 0;

	while (plen < n * 8 && !((ts->start[plen / 8] ^ ts->end[plen / 8]) & (0x80 >> (plen % 8))))
		plen++;
	return mgmt_prefix_json(ts->family, ts->start, (uint8_t)plen);
}

/* Every key exchange method that keyed an SA, in the order they ran: the
 * KE transform, then the RFC 9370 additional ones ([] = none, no PFS). */
static json_t *kes_json(uint16_t first, const uint16_t *more, unsigned n)
{
	json_t *a = json_array();

	if (first != 0)
		json_array_append_new(a, json_string(ike_ke_name(first)));
	for (unsigned i = 0; i < n && more[i] != 0; i++)
		json_array_append_new(a, json_string(ike_ke_name(more[i])));
	return a;
}

/* --- ike list ------------------------------------------------------------ */

struct ike_walk {
	struct gw *g;
	json_t *list;
	uint64_t now;
};

static json_t *counters_json(struct gw *g, uint32_t spi, enum esp_dir dir)
{
	struct esp_sa_stats st;

	if (g->ipsec->ops->sa_stats(g->ipsec, spi, dir, &st) != 0)
		return json_null();
	return json_pack("{sI sI}", "bytes", (json_int_t)st.bytes, "packets",
			 (json_int_t)st.packets);
}

static json_t *child_json(struct ike_walk *w, const struct ike_sa *sa, const struct ike_child *c)
{
	const struct ike_child_cfg *cc = c->cfg < sa->conn->n_child ? &sa->conn->child[c->cfg] : NULL;
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(cc != NULL ? cc->name : "?"));
	json_object_set_new(o, "state", json_string(ike_child_state_name(c->state)));
	json_object_set_new(o, "spi_in", mgmt_spi_json(c->spi_in));
	json_object_set_new(o, "spi_out", mgmt_spi_json(c->spi_out));
	json_object_set_new(o, "mode", json_string(c->transport ? "transport" : "tunnel"));
	json_object_set_new(o, "transport", json_boolean(c->transport));
	json_object_set_new(o, "encryption", cipher_json(c->suite.encr, c->suite.key_bits));
	json_object_set_new(o, "esn", json_boolean(c->suite.esn == IKE_ESN_YES));
	json_object_set_new(o, "ppk", json_boolean(c->ppk)); /* RFC 9867 §3.2 */
	json_object_set_new(o, "worker", json_integer(c->worker));
	json_object_set_new(o, "per_resource", json_boolean(c->per_resource)); /* RFC 9611 */
	json_object_set_new(o, "pfs", c->suite.ke != 0 ? json_string(ike_ke_name(c->suite.ke))
						       : json_null());
	json_object_set_new(o, "key_exchanges", kes_json(c->suite.ke, c->suite.addke, IKE_MKE_MAX));
	json_object_set_new(o, "local_ts", ts_json(&c->ts_l));
	json_object_set_new(o, "remote_ts", ts_json(&c->ts_r));
	json_object_set_new(o, "installed", json_boolean(c->installed));
	json_object_set_new(o, "established", age_json(c->installed ? c->created_ms : 0, w->now));
	json_object_set_new(o, "rekey_in", in_json(c->state == IKE_CHILD_INSTALLED ?
						   c->rekey_at_ms : 0, w->now));
	json_object_set_new(o, "expires_in",
			    in_json(c->installed && cc != NULL && cc->lifetime_s != 0 ?
				    c->created_ms + cc->lifetime_s * 1000 : 0, w->now));
	json_object_set_new(o, "in", c->installed ? counters_json(w->g, c->spi_in, ESP_DIR_IN)
						  : json_null());
	json_object_set_new(o, "out", c->installed ? counters_json(w->g, c->spi_out, ESP_DIR_OUT)
						   : json_null());
	return o;
}

static void ike_sa_visit(const struct ike_sa *sa, void *arg)
{
	struct ike_walk *w = arg;
	json_t *children = json_array(), *o;
	const char *integ = integ_name(sa->suite.integ);
	char spi_i[20], spi_r[20];

	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (sa->child[i].state != IKE_CHILD_FREE && sa->conn != NULL)
			json_array_append_new(children, child_json(w, sa, &sa->child[i]));
	snprintf(spi_i, sizeof(spi_i), "%016llx", (unsigned long long)sa->spi_i);
	snprintf(spi_r, sizeof(spi_r), "%016llx", (unsigned long long)sa->spi_r);
	o = json_pack("{s:s s:s s:s s:s s:b s:o s:i s:o s:i s:s}",
		      "conn", sa->conn != NULL ? sa->conn->name : "",
		      "state", ike_sa_state_name(sa->state), "spi_i", spi_i, "spi_r", spi_r,
		      "initiator", sa->initiator, "local", mgmt_addr_json(&sa->local.ip),
		      "local_port", sa->local.port, "remote", mgmt_addr_json(&sa->remote.ip),
		      "remote_port", sa->remote.port, "key_exchange", ike_ke_name(sa->suite.ke));
	json_object_set_new(o, "key_exchanges", kes_json(sa->suite.ke, sa->mke.method,
							 sa->mke.done));
	json_object_set_new(o, "encryption", sa->suite.encr != 0 ?
			    cipher_json(sa->suite.encr, sa->suite.key_bits) : json_null());
	json_object_set_new(o, "integrity", integ != NULL ? json_string(integ) : json_null());
	json_object_set_new(o, "prf", sa->suite.prf != 0 ? json_string(prf_name(sa->suite.prf))
						     : json_null());
	/* RFC 8784: a PPK went into SK_d (and the Child SAs' keys). */
	json_object_set_new(o, "ppk", json_boolean(sa->ppk.used));
	json_object_set_new(o, "ppk_id", sa->ppk.used ? json_stringn((const char *)sa->ppk.id,
								     sa->ppk.id_len) : json_null());
	/* RFC 8784 mixes it in IKE_AUTH, RFC 9867 in IKE_INTERMEDIATE (identities
	 * too) or, a fresh one, in the CREATE_CHILD_SA that rekeyed the IKE SA. */
	json_object_set_new(o, "ppk_exchange", !sa->ppk.used ? json_null() :
			    json_string(sa->ppk.child_rekeyed ? "CREATE_CHILD_SA" :
					sa->ppk.int_agreed ? "IKE_INTERMEDIATE" : "IKE_AUTH"));
	json_object_set_new(o, "nat_local", json_boolean(sa->nat_local));
	json_object_set_new(o, "nat_remote", json_boolean(sa->nat_remote));
	json_object_set_new(o, "established", age_json(sa->established_ms, w->now));
	json_object_set_new(o, "rekey_in", in_json(sa->state == IKE_SA_ESTABLISHED ?
						   sa->rekey_at_ms : 0, w->now));
	json_object_set_new(o, "dpd", sa->conn != NULL && sa->conn->dpd_ms != 0 ?
			    json_integer((json_int_t)(sa->conn->dpd_ms / 1000)) : json_null());
	json_object_set_new(o, "children", children);
	json_array_append_new(w->list, o);
}

/* --- ike conns: the configured connections (swanctl --list-conns) ------- */

static json_t *id_json(const struct ike_id *id)
{
	char buf[IKE_ID_MAX + 1];
	struct esp_addr a = { 0 };

	switch (id->type) {
	case 0:
		return json_string("%any");
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		snprintf(buf, sizeof(buf), "%.*s", (int)id->len, (const char *)id->data);
		return json_string(buf);
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		a.family = id->type == IKE_ID_IPV4_ADDR ? AF_INET : AF_INET6;
		if (id->len != esp_addr_len(a.family))
			return json_string("?");
		memcpy(a.bytes, id->data, id->len);
		return mgmt_addr_json(&a);
	case IKE_ID_DER_ASN1_DN:
		return json_string("(DN)");
	default:
		return json_integer(id->type);
	}
}

static json_t *secs_json(uint64_t ms)
{
	return ms != 0 ? json_integer((json_int_t)(ms / 1000)) : json_null();
}

struct conn_walk {
	struct gw *g;
	json_t *list;
};

struct conn_count {
	const char *name;
	unsigned n;
};

static void count_visit(const struct ike_sa *sa, void *arg)
{
	struct conn_count *w = arg;

	if (sa->conn != NULL && strcmp(sa->conn->name, w->name) == 0 && sa->state != IKE_SA_DEAD)
		w->n++;
}

static void conn_visit(const struct ike_conn *c, void *arg)
{
	struct conn_walk *w = arg;
	struct conn_count n = { .name = c->name };
	json_t *o = json_object(), *children = json_array();

	ike_sa_foreach(w->g->ike, count_visit, &n);
	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "local", mgmt_addr_json(&c->local.ip));
	json_object_set_new(o, "local_port", json_integer(c->local.port));
	json_object_set_new(o, "remote", c->remote.ip.family != 0 ? mgmt_addr_json(&c->remote.ip)
							    : json_string("%any"));
	json_object_set_new(o, "remote_port", json_integer(c->remote.port));
	json_object_set_new(o, "local_id", id_json(&c->local_id));
	json_object_set_new(o, "remote_id", id_json(&c->remote_id));
	json_object_set_new(o, "auth", json_string(c->auth == IKE_AUTHK_PSK ? "psk" : "pubkey"));
	json_object_set_new(o, "ike_proposals", json_integer(c->n_ike));
	json_object_set_new(o, "rekey_time", secs_json(c->rekey_ms));
	json_object_set_new(o, "dpd_delay", secs_json(c->dpd_ms));
	json_object_set_new(o, "dpd_timeout", secs_json(c->dpd_timeout_ms));
	json_object_set_new(o, "ike_sas", json_integer(n.n));
	for (unsigned k = 0; k < c->n_child; k++) {
		const struct ike_child_cfg *cc = &c->child[k];

		json_array_append_new(children, json_pack(
			"{s:s s:o s:o s:s s:i s:o s:o}", "name", cc->name,
			"local_ts", ts_json(&cc->ts_l), "remote_ts", ts_json(&cc->ts_r),
			"mode", cc->mode == ESP_MODE_TRANSPORT ? "transport" : "tunnel",
			"esp_proposals", (int)cc->n_esp, "rekey_time", secs_json(cc->rekey_ms),
			"life_time", cc->lifetime_s != 0 ? json_integer((json_int_t)cc->lifetime_s)
							  : json_null()));
	}
	json_object_set_new(o, "children", children);
	json_array_append_new(w->list, o);
}

/* --- finding Child SAs --------------------------------------------------- */

struct spi_walk {
	uint32_t spi;        /* in or out */
	uint32_t spi_in;     /* found: the inbound SPI, 0 if none */
};

static void spi_visit(const struct ike_sa *sa, void *arg)
{
	struct spi_walk *w = arg;

	for (unsigned i = 0; i < IKE_CHILD_MAX && w->spi_in == 0; i++) {
		const struct ike_child *c = &sa->child[i];

		if (c->state != IKE_CHILD_FREE && (c->spi_in == w->spi || c->spi_out == w->spi))
			w->spi_in = c->spi_in;
	}
}

static int child_cfg_index(const struct ike_conn *c, const char *name)
{
	for (unsigned i = 0; i < c->n_child; i++)
		if (strcmp(c->child[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Rekey or delete the Child SAs of @p conn's IKE SA made from child config
 * @p child; the number done (0: none is installed) or -errno. */
static int child_op(struct gw *g, const char *conn, const char *child, bool rekey,
		    char *why, size_t whylen)
{
	struct ike_sa *sa = ike_sa_by_conn(g->ike, conn);
	uint32_t spis[IKE_CHILD_MAX];
	unsigned n = 0;
	int cfg, rc;

	if (sa == NULL) {
		snprintf(why, whylen, "no IKE SA of connection '%s'", conn);
		return -ENOENT;
	}
	cfg = child_cfg_index(sa->conn, child);
	if (cfg < 0) {
		snprintf(why, whylen, "connection '%s' has no child '%s'", conn, child);
		return -ENOENT;
	}
	/* Collected first: the calls below change the slots. */
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (sa->child[i].state == IKE_CHILD_INSTALLED && sa->child[i].cfg == cfg)
			spis[n++] = sa->child[i].spi_in;
	if (n == 0) {
		snprintf(why, whylen, "no installed Child SA '%s' of connection '%s'", child, conn);
		return -ENOENT;
	}
	for (unsigned i = 0; i < n; i++) {
		rc = rekey ? ike_rekey_child(g->ike, spis[i]) : ike_delete_child(g->ike, spis[i]);
		if (rc < 0) {
			snprintf(why, whylen, "Child SA 0x%08" PRIx32 ": %s", spis[i], strerror(-rc));
			return rc;
		}
	}
	return (int)n;
}

static json_t *spi_op(struct gw *g, const char *verb, const char *spi_s, bool rekey)
{
	struct spi_walk w = { 0 };
	int rc;

	if (mgmt_parse_spi(spi_s, &w.spi) < 0 || w.spi == 0)
		return mgmt_fail("ike %s spi: '%s' is not an SPI", verb, spi_s != NULL ? spi_s : "");
	ike_sa_foreach(g->ike, spi_visit, &w);
	if (w.spi_in == 0)
		return mgmt_fail("no Child SA with SPI 0x%08" PRIx32, w.spi);
	rc = rekey ? ike_rekey_child(g->ike, w.spi_in) : ike_delete_child(g->ike, w.spi_in);
	if (rc < 0)
		return mgmt_fail("ike %s Child SA 0x%08" PRIx32 ": %s", verb, w.spi_in,
				 strerror(-rc));
	return mgmt_ok();
}

/* IKE datagrams in IP fragments: sent, and the reassembler's counters */
static json_t *ip_frag_json(const struct gw *g)
{
#define FRAG_STAT(f) { #f, offsetof(struct ipfrag_stats, f) }
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		FRAG_STAT(fragments), FRAG_STAT(reassembled), FRAG_STAT(timeouts),
		FRAG_STAT(evicted), FRAG_STAT(overlaps), FRAG_STAT(duplicates),
		FRAG_STAT(too_big), FRAG_STAT(too_many), FRAG_STAT(malformed),
		FRAG_STAT(no_memory),
	};
#undef FRAG_STAT
	json_t *o = json_object();

	json_object_set_new(o, "sent", json_integer((json_int_t)g->ctl.frags_out));
	if (g->ipfrag == NULL)
		return o;
	json_object_set_new(o, "pending", json_integer(ipfrag_pending(g->ipfrag)));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint64_t v;

		memcpy(&v, (const uint8_t *)ipfrag_stats(g->ipfrag) + fields[i].off, sizeof(v));
		json_object_set_new(o, fields[i].name, json_integer((json_int_t)v));
	}
	return o;
}

/* ike stats: the engine's counters (struct ike_stats), by name */
static json_t *ike_stats_json(const struct gw *g)
{
	const struct ike_engine *e = g->ike;
#define IKE_STAT(f) { #f, offsetof(struct ike_stats, f) }
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		IKE_STAT(rx), IKE_STAT(tx), IKE_STAT(rx_dropped), IKE_STAT(rx_bad_auth),
		IKE_STAT(rx_bad_syntax), IKE_STAT(retransmits), IKE_STAT(resp_resent),
		IKE_STAT(cookies_sent), IKE_STAT(invalid_ke_sent), IKE_STAT(sa_transitions),
		IKE_STAT(child_transitions), IKE_STAT(children_installed),
		IKE_STAT(children_deleted), IKE_STAT(ike_rekeys), IKE_STAT(child_rekeys),
		IKE_STAT(collisions), IKE_STAT(give_ups), IKE_STAT(frags_sent),
		IKE_STAT(frags_rcvd), IKE_STAT(keepalives), IKE_STAT(nat_moves),
		IKE_STAT(nat_moves_refused), IKE_STAT(half_open_drops), IKE_STAT(sa_limit_drops),
	};
#undef IKE_STAT
	const struct ike_stats *st = ike_engine_stats(e);
	json_t *res = mgmt_ok(), *o = json_object();

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		unsigned v;

		memcpy(&v, (const uint8_t *)st + fields[i].off, sizeof(v));
		json_object_set_new(o, fields[i].name, json_integer(v));
	}
	json_object_set_new(res, "ike_stats", o);
	/* The SA table and its limits (RFC 7296 §2.6 half-open SAs). */
	json_object_set_new(res, "ike_sas", json_integer(ike_sa_count(e)));
	json_object_set_new(res, "ike_sas_max", json_integer(ike_sa_max(e)));
	json_object_set_new(res, "half_open", json_integer(ike_sa_half_open(e)));
	json_object_set_new(res, "ip_fragments", ip_frag_json(g));
	if (g->ike_io != NULL) /* datagrams on ports 500/4500; rx_bad: not IKE */
		json_object_set_new(res, "datagrams",
				    json_pack("{s:I, s:I, s:I, s:I}", "rx", (json_int_t)g->ike_io->rx,
					      "rx_bad", (json_int_t)g->ike_io->rx_bad,
					      "tx", (json_int_t)g->ike_io->tx,
					      "tx_err", (json_int_t)g->ike_io->tx_err));
	return res;
}

/* --- requests ------------------------------------------------------------ */

#define IKE_USAGE                                                                    \
	"usage: ike list | ike conns | ike stats | ike initiate CONN [CHILD] | "         \
	"ike rekey CONN [CHILD] | ike terminate CONN [CHILD] | ike rekey spi SPI | "     \
	"ike terminate spi SPI"

/*
 * ike list
 * ike conns                   the configured connections
 * ike stats                   the engine's counters
 * ike initiate CONN [CHILD]   a new IKE SA, or with CHILD and an established
 *                             IKE SA of CONN, a new Child SA on it
 * ike rekey|terminate CONN    the connection's IKE SA
 * ike rekey|terminate CONN CHILD   its Child SA(s) of that child config
 * ike rekey|terminate spi SPI the Child SA with that inbound or outbound SPI
 */
json_t *mgmt_req_ike(struct gw *g, char *rest)
{
	char *verb = mgmt_word(&rest), *conn = mgmt_word(&rest), *child = mgmt_word(&rest);
	char why[160];
	struct ike_sa *sa;
	bool rekey;
	int rc;

	if (g->ike == NULL)
		return mgmt_fail("no IKE connections are configured");
	if (verb != NULL && strcmp(verb, "list") == 0 && conn == NULL) {
		struct ike_walk w = { .g = g, .list = json_array(), .now = mono_ms() };
		json_t *res = mgmt_ok();

		ike_sa_foreach(g->ike, ike_sa_visit, &w);
		json_object_set_new(res, "ike_sas", w.list);
		return res;
	}
	if (verb != NULL && strcmp(verb, "conns") == 0 && conn == NULL) {
		struct conn_walk w = { .g = g, .list = json_array() };
		json_t *res = mgmt_ok();

		ike_conn_foreach(g->ike, conn_visit, &w);
		json_object_set_new(res, "conns", w.list);
		return res;
	}
	if (verb != NULL && strcmp(verb, "stats") == 0 && conn == NULL)
		return ike_stats_json(g);
	if (verb == NULL || conn == NULL || mgmt_word(&rest) != NULL)
		return mgmt_fail(IKE_USAGE);
	if (strcmp(verb, "initiate") == 0) {
		sa = child != NULL ? ike_sa_by_conn(g->ike, conn) : NULL;
		if (sa != NULL && sa->state == IKE_SA_ESTABLISHED)
			rc = ike_create_child(g->ike, sa, child);
		else
			rc = ike_initiate(g->ike, conn, child);
		return rc < 0 ? mgmt_fail("ike initiate %s%s%s: %s", conn, child ? " " : "",
					  child ? child : "", strerror(-rc))
			      : mgmt_ok();
	}
	if (strcmp(verb, "rekey") != 0 && strcmp(verb, "terminate") != 0)
		return mgmt_fail("unknown ike request '%s'; " IKE_USAGE, verb);
	rekey = strcmp(verb, "rekey") == 0;
	if (strcmp(conn, "spi") == 0 && child != NULL)
		return spi_op(g, verb, child, rekey);
	if (child != NULL) {
		rc = child_op(g, conn, child, rekey, why, sizeof(why));
		if (rc < 0)
			return mgmt_fail("ike %s %s %s: %s", verb, conn, child, why);
		json_t *res = mgmt_ok();

		json_object_set_new(res, "child_sas", json_integer(rc));
		return res;
	}
	sa = ike_sa_by_conn(g->ike, conn);
	if (sa == NULL)
		return mgmt_fail("no IKE SA of connection '%s'", conn);
	rc = rekey ? ike_rekey_ike(g->ike, sa) : ike_delete(g->ike, sa);
	return rc < 0 ? mgmt_fail("ike %s %s: %s", verb, conn, strerror(-rc)) : mgmt_ok();
}

/* --- reload -------------------------------------------------------------- */

static json_t *notes_json(char (*list)[RELOAD_NOTE_LEN], unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(a, json_string(list[i]));
	return a;
}

/* reload: {"ok":true,"changes":[...],"failed":[...],"needs_restart":[...]} */
json_t *mgmt_req_reload(struct gw *g)
{
	struct reload_report *r;
	char err[512];
	json_t *res;
	int rc;

	if (g->reload_fn == NULL)
		return mgmt_fail("reload is not available here");
	r = malloc(sizeof(*r));
	if (r == NULL)
		return mgmt_fail("out of memory");
	rc = g->reload_fn(g, r, err, sizeof(err));
	if (rc < 0) {
		free(r);
		return mgmt_fail("reload refused, nothing changed: %s", err);
	}
	res = mgmt_ok();
	json_object_set_new(res, "changes", notes_json(r->changes, r->n_changes));
	json_object_set_new(res, "failed", notes_json(r->failed, r->n_failed));
	json_object_set_new(res, "needs_restart", notes_json(r->restart, r->n_restart));
	free(r);
	return res;
}
