/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands for espritd (see telemetry.h). The telemetry
 * thread may run at any time, so everything it reads is either a counter
 * that only grows (worker stats and drops, read racily) or the SA snapshot
 * below, copied by the control thread under a mutex. It never calls the SA
 * driver, whose lists the control thread changes.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "control/gw.h"
#include "control/telemetry.h"

enum { TEL_SA_MAX = RTE_TEL_MAX_DICT_ENTRIES - 2 }; /* room for "fields", "truncated" */

struct tel_sa {
	uint32_t spi;
	uint8_t dir, mode, cipher;
	uint16_t owner;
	uint32_t flags;
	struct esp_sa_stats st;
};

static struct {
	pthread_mutex_t lock;
	struct gw *g;            /* NULL once stopped */
	struct tel_sa *sas;      /* snapshot, capacity TEL_SA_MAX */
	unsigned n_sas, n_seen;  /* n_seen > n_sas: truncated */
	bool registered;
} tel = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* --- control thread ------------------------------------------------------ */

static void snap_visit(const struct esp_sa_params *p, const struct esp_sa_stats *st, void *arg)
{
	struct tel_sa *buf = arg;

	if (tel.n_seen++ >= TEL_SA_MAX)
		return;
	buf[tel.n_sas++] = (struct tel_sa){
		.spi = p->spi, .dir = (uint8_t)p->dir, .mode = (uint8_t)p->mode,
		.cipher = (uint8_t)p->cipher, .owner = p->owner, .flags = p->flags, .st = *st,
	};
}

void telemetry_poll(struct gw *g)
{
	if (!tel.registered || g->ipsec == NULL)
		return;
	pthread_mutex_lock(&tel.lock);
	if (tel.g == g && tel.sas != NULL) {
		tel.n_sas = tel.n_seen = 0;
		g->ipsec->ops->sa_foreach(g->ipsec, snap_visit, tel.sas);
	}
	pthread_mutex_unlock(&tel.lock);
}

void telemetry_stop(void)
{
	pthread_mutex_lock(&tel.lock);
	tel.g = NULL;
	tel.n_sas = tel.n_seen = 0;
	pthread_mutex_unlock(&tel.lock);
}

/* --- telemetry thread ---------------------------------------------------- */

static const char *const worker_fields[] = {
	"rx", "tx", "esp_in", "esp_out", "bypass", "punted", "handoff_in", "handoff_out",
	"msgs", "loops", "busy_loops", "drops", "esp_in_express", "esp_out_express", "rx_bursts",
	"esp_in_express_sas", "esp_out_express_queued",
};

enum { WORKER_FIELDS = 17 };
static_assert(sizeof(worker_fields) / sizeof(worker_fields[0]) == WORKER_FIELDS,
	      "a value for each field");

static void worker_values(const struct worker *w, uint64_t v[WORKER_FIELDS])
{
	const struct worker_stats *s = &w->stats;
	uint64_t drops = 0;

	for (unsigned r = 0; r < ESP_DROP_MAX; r++)
		drops += w->ctx.drops[r];
	v[0] = s->rx; v[1] = s->tx; v[2] = s->esp_in; v[3] = s->esp_out;
	v[4] = s->bypass; v[5] = s->punted; v[6] = s->handoff_in; v[7] = s->handoff_out;
	v[8] = s->msgs; v[9] = s->loops; v[10] = s->busy_loops; v[11] = drops;
	v[12] = s->esp_in_express; v[13] = s->esp_out_express; v[14] = s->rx_bursts;
	v[15] = s->esp_in_express_sas; v[16] = s->esp_out_express_queued;
}

static struct rte_tel_data *str_array(const char *const *s, unsigned n)
{
	struct rte_tel_data *a = rte_tel_data_alloc();

	if (a == NULL)
		return NULL;
	rte_tel_data_start_array(a, RTE_TEL_STRING_VAL);
	for (unsigned i = 0; i < n; i++)
		rte_tel_data_add_array_string(a, s[i]);
	return a;
}

static struct rte_tel_data *u64_array(const uint64_t *v, unsigned n)
{
	struct rte_tel_data *a = rte_tel_data_alloc();

	if (a == NULL)
		return NULL;
	rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
	for (unsigned i = 0; i < n; i++)
		rte_tel_data_add_array_u64(a, v[i]);
	return a;
}

static int add_container(struct rte_tel_data *d, const char *name, struct rte_tel_data *c)
{
	if (c == NULL)
		return -ENOMEM;
	if (rte_tel_data_add_dict_container(d, name, c, 0) < 0) {
		rte_tel_data_free(c);
		return -ENOMEM;
	}
	return 0;
}

/* Worker index from the parameter, or -1 (none) / -2 (bad). */
static int worker_param(const char *params, unsigned n_workers)
{
	char *end;
	unsigned long v;

	if (params == NULL || params[0] == '\0')
		return -1;
	v = strtoul(params, &end, 10);
	if (end == params || *end != '\0' || v >= n_workers)
		return -2;
	return (int)v;
}

static void drops_dict(struct rte_tel_data *d, const uint64_t drops[ESP_DROP_MAX])
{
	uint64_t total = 0;

	for (unsigned r = 0; r < ESP_DROP_MAX; r++) {
		rte_tel_data_add_dict_u64(d, esp_drop_name((enum esp_drop)r), drops[r]);
		total += drops[r];
	}
	rte_tel_data_add_dict_u64(d, "total", total);
}

static int tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t sum[ESP_DROP_MAX] = { 0 };
	int rc = 0, which;

	pthread_mutex_lock(&tel.lock);
	if (tel.g == NULL) {
		rc = -ENODEV;
		goto out;
	}
	which = worker_param(params, tel.g->n_workers);
	if (which == -2) {
		rc = -EINVAL;
		goto out;
	}
	for (uint16_t i = 0; i < tel.g->n_workers; i++) {
		const struct worker *w = tel.g->workers[i];

		if (w == NULL || (which >= 0 && i != which))
			continue;
		for (unsigned r = 0; r < ESP_DROP_MAX; r++)
			sum[r] += w->ctx.drops[r];
	}
	rte_tel_data_start_dict(d);
	drops_dict(d, sum);
out:
	pthread_mutex_unlock(&tel.lock);
	return rc;
}

static int tel_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t v[WORKER_FIELDS];
	char key[16];
	int rc = 0, which;

	pthread_mutex_lock(&tel.lock);
	if (tel.g == NULL) {
		rc = -ENODEV;
		goto out;
	}
	which = worker_param(params, tel.g->n_workers);
	if (which == -2 || (which >= 0 && tel.g->workers[which] == NULL)) {
		rc = -EINVAL;
		goto out;
	}
	rte_tel_data_start_dict(d);
	if (which >= 0) {
		const struct worker *w = tel.g->workers[which];
		struct rte_tel_data *dr = rte_tel_data_alloc();

		worker_values(w, v);
		rte_tel_data_add_dict_int(d, "id", w->id);
		rte_tel_data_add_dict_int(d, "lcore", (int)w->lcore);
		for (unsigned f = 0; f < RTE_DIM(worker_fields); f++)
			rte_tel_data_add_dict_u64(d, worker_fields[f], v[f]);
		/* Containers are arrays in DPDK 22.11: drops as [count per reason]
		 * in the order of /esprit/drops. */
		if (dr != NULL) {
			rte_tel_data_start_array(dr, RTE_TEL_U64_VAL);
			for (unsigned r = 0; r < ESP_DROP_MAX; r++)
				rte_tel_data_add_array_u64(dr, w->ctx.drops[r]);
			add_container(d, "drops_by_reason", dr);
		}
		goto out;
	}
	rc = add_container(d, "fields", str_array(worker_fields, RTE_DIM(worker_fields)));
	for (uint16_t i = 0; rc == 0 && i < tel.g->n_workers; i++) {
		if (tel.g->workers[i] == NULL)
			continue;
		worker_values(tel.g->workers[i], v);
		snprintf(key, sizeof(key), "%u", i);
		rc = add_container(d, key, u64_array(v, RTE_DIM(v)));
	}
out:
	pthread_mutex_unlock(&tel.lock);
	return rc;
}

/* "0x1001", "4097", optionally ",in" / ",out". */
static int sa_param(const char *params, uint32_t *spi, int *dir)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(params, &end, 0);
	if (end == params || errno != 0 || v > UINT32_MAX)
		return -EINVAL;
	*spi = (uint32_t)v;
	*dir = -1;
	if (*end == '\0')
		return 0;
	if (strcmp(end, ",in") == 0)
		*dir = ESP_DIR_IN;
	else if (strcmp(end, ",out") == 0)
		*dir = ESP_DIR_OUT;
	else
		return -EINVAL;
	return 0;
}

static void sa_detail(struct rte_tel_data *d, const struct tel_sa *s)
{
	char spi[16];

	snprintf(spi, sizeof(spi), "0x%08" PRIx32, s->spi);
	rte_tel_data_add_dict_string(d, "spi", spi);
	rte_tel_data_add_dict_string(d, "dir", s->dir == ESP_DIR_IN ? "in" : "out");
	rte_tel_data_add_dict_string(d, "mode", s->mode == ESP_MODE_TUNNEL ? "tunnel" : "transport");
	rte_tel_data_add_dict_string(d, "cipher", config_cipher_name((enum esp_cipher)s->cipher));
	rte_tel_data_add_dict_int(d, "esn", !!(s->flags & ESP_SA_F_ESN));
	rte_tel_data_add_dict_int(d, "iiv", !!(s->flags & ESP_SA_F_IIV));
	rte_tel_data_add_dict_int(d, "natt", !!(s->flags & ESP_SA_F_NATT));
	rte_tel_data_add_dict_int(d, "owner", s->owner);
	rte_tel_data_add_dict_u64(d, "packets", s->st.packets);
	rte_tel_data_add_dict_u64(d, "bytes", s->st.bytes);
	drops_dict(d, s->st.drops);
}

static int tel_sa(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const fields[] = { "packets", "bytes", "drops" };
	char key[24];
	int rc = 0;

	pthread_mutex_lock(&tel.lock);
	if (tel.g == NULL) {
		rc = -ENODEV;
		goto out;
	}
	rte_tel_data_start_dict(d);
	if (params != NULL && params[0] != '\0') {
		uint32_t spi;
		int dir;

		rc = sa_param(params, &spi, &dir);
		for (unsigned i = 0; rc == 0 && i < tel.n_sas; i++) {
			if (tel.sas[i].spi == spi && (dir < 0 || tel.sas[i].dir == dir)) {
				sa_detail(d, &tel.sas[i]);
				goto out;
			}
		}
		if (rc == 0)
			rc = -ENOENT;
		goto out;
	}
	rc = add_container(d, "fields", str_array(fields, RTE_DIM(fields)));
	for (unsigned i = 0; rc == 0 && i < tel.n_sas; i++) {
		const struct tel_sa *s = &tel.sas[i];
		uint64_t v[3] = { s->st.packets, s->st.bytes, 0 };

		for (unsigned r = 0; r < ESP_DROP_MAX; r++)
			v[2] += s->st.drops[r];
		snprintf(key, sizeof(key), "0x%08" PRIx32 "_%s", s->spi,
			 s->dir == ESP_DIR_IN ? "in" : "out");
		rc = add_container(d, key, u64_array(v, RTE_DIM(v)));
	}
	if (rc == 0 && tel.n_seen > tel.n_sas)
		rte_tel_data_add_dict_u64(d, "truncated", tel.n_seen - tel.n_sas);
out:
	pthread_mutex_unlock(&tel.lock);
	return rc;
}

int telemetry_register(struct gw *g)
{
	int rc = 0;

	pthread_mutex_lock(&tel.lock);
	if (tel.sas == NULL)
		tel.sas = calloc(TEL_SA_MAX, sizeof(*tel.sas));
	if (tel.sas == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	tel.g = g;
	if (!tel.registered) {
		if ((rc = rte_telemetry_register_cmd("/esprit/sa", tel_sa,
				"SAs with packets, bytes, drops. Param: SPI[,in|out] for one SA")) < 0 ||
		    (rc = rte_telemetry_register_cmd("/esprit/workers", tel_workers,
				"Worker counters. Param: worker index for one worker")) < 0 ||
		    (rc = rte_telemetry_register_cmd("/esprit/drops", tel_drops,
				"Drops by reason over all workers. Param: worker index")) < 0)
			goto out;
		tel.registered = true;
	}
out:
	pthread_mutex_unlock(&tel.lock);
	if (rc == 0)
		telemetry_poll(g);
	return rc;
}
