/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Setting up one case: the generator port(s) over the case's pcap,
 * esprit's real workers with SAs and policies programmed through the ring
 * driver exactly as espritd does it, the I/O and crypto loops; then
 * bench_rounds() (bench_rounds.c) measures the three in turn.
 */
#include <errno.h>
#include <stdbool.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "dataplane/bench/bench.h"
#include "dataplane/bench/bench_run.h"
#include "dataplane/fib.h"
#include "dataplane/slab.h"
#include "dataplane/worker.h"
#include "drivers/ipsec_ring.h"
#include "drivers/port.h"

enum {
	RUN_CT_MAX = 1 << 20,
};

static const struct rte_ether_addr peer_mac = {{ 2, 0, 0, 0, 0xb0, 2 }};
static const struct rte_ether_addr host_mac = {{ 2, 0, 0, 0, 0xa0, 1 }};

/* ---- crypto cost on the worker core: fastest of short trials ------------ */

struct crypto_job {
	IMB_MGR *mgr;
	enum esp_cipher cipher;
	bool encrypt;
	uint32_t len;
	double cycles;
	const char *api;
};

static int crypto_main(void *arg)
{
	struct crypto_job *j = arg;

	j->cycles = bench_crypto_cycles(j->mgr, j->cipher, j->encrypt, j->len, &j->api);
	return 0;
}

struct crypto_memo {
	uint8_t cipher, encrypt;
	uint32_t len;
	double cycles;
	const char *api;
};
static struct crypto_memo memo[BENCH_CRYPTO_LENS];
static unsigned n_memo;

static double crypto_cost(struct bench_rig *rig, enum esp_cipher cipher, bool encrypt,
			  uint32_t len, const char **api)
{
	for (unsigned i = 0; i < n_memo; i++)
		if (memo[i].cipher == cipher && memo[i].encrypt == encrypt && memo[i].len == len) {
			*api = memo[i].api;
			return memo[i].cycles;
		}
	struct crypto_job j = { rig->worker_mgr, cipher, encrypt, len, 0, NULL };

	rte_eal_remote_launch(crypto_main, &j, rig->lcores[0]);
	rte_eal_wait_lcore(rig->lcores[0]);
	if (n_memo < RTE_DIM(memo))
		memo[n_memo++] = (struct crypto_memo){ (uint8_t)cipher, encrypt, len, j.cycles, j.api };
	*api = j.api;
	return j.cycles;
}

struct chacha_job {
	IMB_MGR *mgr;
	uint32_t len;
	double *out;
};

static int chacha_main(void *arg)
{
	struct chacha_job *j = arg;

	bench_chacha_paths(j->mgr, true, j->len, &j->out[0], &j->out[1]);
	bench_chacha_paths(j->mgr, false, j->len, &j->out[2], &j->out[3]);
	return 0;
}

void bench_chacha_report(struct bench_rig *rig, uint32_t len, double out[4])
{
	struct chacha_job j = { rig->worker_mgr, len, out };

	rte_eal_remote_launch(chacha_main, &j, rig->lcores[0]);
	rte_eal_wait_lcore(rig->lcores[0]);
}

/* ---- esprit's forwarding snapshot for the bench topology ---------------- */

static void fib_addr(struct fib *f, uint16_t port, const char *a)
{
	struct fib_port *fp = &f->ports[port];
	struct fib_route *r = &f->routes[f->n_routes++];

	esp_addr_parse(a, &fp->addrs[fp->n_addrs], &fp->plens[fp->n_addrs]);
	r->family = fp->addrs[fp->n_addrs].family;
	r->plen = fp->plens[fp->n_addrs];
	r->port = port;
	memcpy(r->prefix, fp->addrs[fp->n_addrs].bytes, 16);
	fp->n_addrs++;
}

static void fib_via(struct fib *f, uint16_t port, const char *dst, const char *via)
{
	struct fib_route *r = &f->routes[f->n_routes++];
	struct esp_addr a;
	uint8_t plen;

	esp_addr_parse(dst, &a, &r->plen);
	r->family = a.family;
	memcpy(r->prefix, a.bytes, 16);
	esp_addr_parse(via, &a, &plen);
	r->has_via = true;
	memcpy(r->via, a.bytes, 16);
	r->port = port;
}

static void fib_nb(struct fib *f, uint16_t port, const char *ip, const struct rte_ether_addr *mac)
{
	struct fib_neigh *n = &f->neighs[f->n_neighs++];
	struct esp_addr a;
	uint8_t plen;

	esp_addr_parse(ip, &a, &plen);
	n->family = a.family;
	n->port = port;
	memcpy(n->ip, a.bytes, 16);
	n->mac = *mac;
}

/*
 * The output port (net_null) is both the WAN (192.0.2.1, towards the peer
 * 192.0.2.2, and through it the many peers of --peers) and the LAN
 * (10.1.0.254, host A 10.1.0.1): ESP leaves there
 * outbound and clear packets leave there inbound. The generator ports get
 * addresses of their own, as a real gateway's ports would.
 */
static struct fib *bench_fib(const struct bench_rig *rig, const uint16_t *gen, unsigned n_gen)
{
	struct fib *f = fib_alloc(16, 8, 0);
	char a[64];

	if (f == NULL)
		return NULL;
	f->ports[rig->null_port].used = true;
	f->ports[rig->null_port].mtu = 1500;
	rte_eth_macaddr_get(rig->null_port, &f->ports[rig->null_port].mac);
	fib_addr(f, rig->null_port, "192.0.2.1/24");
	fib_addr(f, rig->null_port, "2001:db8::1/64");
	fib_addr(f, rig->null_port, "10.1.0.254/16");
	fib_addr(f, rig->null_port, "fd01::254/64");
	for (unsigned i = 0; i < n_gen; i++) {
		f->ports[gen[i]].used = true;
		f->ports[gen[i]].mtu = 1500;
		rte_eth_macaddr_get(gen[i], &f->ports[gen[i]].mac);
		snprintf(a, sizeof(a), "198.51.%u.1/24", 100 + i);
		fib_addr(f, gen[i], a);
	}
	fib_via(f, rig->null_port, "10.2.0.0/16", "192.0.2.2");
	fib_via(f, rig->null_port, "fd02::/64", "2001:db8::2");
	/* many peers (bench_peer()): through the one at 192.0.2.2 */
	fib_via(f, rig->null_port, "198.18.0.0/15", "192.0.2.2");
	fib_via(f, rig->null_port, "2001:db8:1::/96", "2001:db8::2");
	fib_sort_routes(f);
	fib_nb(f, rig->null_port, "192.0.2.2", &peer_mac);
	fib_nb(f, rig->null_port, "2001:db8::2", &peer_mac);
	fib_nb(f, rig->null_port, "10.1.0.1", &host_mac);
	fib_nb(f, rig->null_port, "fd01::1", &host_mac);
	f->natt_ports[f->n_natt_ports++] = 4500;
	return f;
}

/* ---- the case ------------------------------------------------------------ */

/* What the EAL's heap has handed out, counting the SA slab's slots in use
 * rather than its chunks (which keep the slots of earlier cases, and of
 * the outbound SAs that made an inbound case's pcap). */
static size_t heap_used(void)
{
	struct rte_malloc_socket_stats st;
	size_t held, used;

	if (rte_malloc_get_socket_stats((int)rte_socket_id(), &st) != 0)
		return 0;
	slab_usage(&held, &used);
	return st.heap_allocsz_bytes - held + used;
}

static void apply_all(struct worker **w, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		worker_apply_msgs(w[i]);
}

static int gen_open(struct bench_rig *rig, unsigned i, const char *path, uint16_t *port)
{
	char devargs[700], err[256], name[32];
	struct port_conf pc = { .name = name, .devargs = devargs, .nb_queues = 1,
				.rxd = 1024, .txd = 1024 };
	uint16_t nrx;
	int rc;

	snprintf(name, sizeof(name), "net_pcap%u", i);
	snprintf(devargs, sizeof(devargs), "net_pcap%u,rx_pcap=%s,infinite_rx=1", i, path);
	rc = port_open(&pc, bench_pool, port, &nrx, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "esprit-bench: %s\n", err);
	else if (*port >= FIB_PORTS_MAX)
		rc = -ERANGE;
	return rc;
}

static void gen_close(unsigned i, uint16_t port)
{
	char name[32];

	snprintf(name, sizeof(name), "net_pcap%u", i);
	port_close(port);
	rte_vdev_uninit(name);
}

/* Program the case's SAs and policies through the ring driver. */
static int program(struct bench_rig *rig, const struct bench_case *c, struct drv_ipsec *drv,
		   struct worker **w, unsigned nw)
{
	struct bench_topo t;
	int rc;

	bench_topo(&t, c);
	drv_policy_batch(drv, true);   /* one SPD snapshot for all tunnels */
	for (uint32_t k = 0; k < c->n_sas; k++) {
		struct esp_sa_params p;
		enum esp_dir d = c->dir == BENCH_OUT ? ESP_DIR_OUT : ESP_DIR_IN;

		bench_sa_params(&p, c, &t, k, d);
		p.owner = bench_owner(c, k);
		rc = drv_sa_add(drv, &p);
		if (rc < 0) {
			fprintf(stderr, "esprit-bench: SA %u: %s\n", k, strerror(-rc));
			return rc;
		}
		if ((k & 255) == 255)
			apply_all(w, nw);
		if (c->dir == BENCH_OUT && c->tunnel != BENCH_TUNNEL_EACH) {
			/* one tunnel: its policy after its last SA, naming SA
			 * 0, with every worker's SA if per-resource */
			if (k + 1 < c->n_sas)
				continue;
			struct drv_policy pol = { .id = 1, .priority = 0, .action = SPD_PROTECT,
						  .sa_spi = bench_spi(c, 0), .sel = p.sel };

			for (uint32_t i = 0; c->tunnel == BENCH_TUNNEL_PER_RESOURCE && i < c->n_sas &&
			     i < DRV_POLICY_RES_MAX; i++)
				pol.res_spi[i] = bench_spi(c, i);
			rc = drv_policy_add(drv, &pol);
			if (rc < 0)
				return rc;
		} else if (c->dir == BENCH_OUT) {
			struct drv_policy pol = { .id = k + 1, .priority = k, .action = SPD_PROTECT,
						  .sa_spi = p.spi, .sel = p.sel };

			if (c->n_sas > 1) {
				bench_inner_dst(c, &t, k, pol.sel.dst);
				pol.sel.dst_len = c->family == AF_INET ? 32 : 128;
			}
			rc = drv_policy_add(drv, &pol);
			if (rc < 0)
				return rc;
		}
	}
	rc = drv_policy_batch(drv, false);
	if (rc < 0)
		return rc;
	apply_all(w, nw);
	drv->ops->poll(drv);
	(void)rig;
	return 0;
}

/* esprit's side of a case: the workers and what was programmed into them. */
struct esprit_set {
	unsigned n;
	struct worker *w[BENCH_WORKERS_MAX];
	struct rte_rcu_qsbr *qsbr;
	struct drv_ipsec *drv;
	struct fib *fib;
};

/* Create the workers, the ring driver and the FIB, and program the SAs
 * and policies (once per case: a million SAs take seconds). */
static int esprit_setup(struct bench_rig *rig, const struct bench_case *c, const uint16_t *gen,
			struct esprit_set *es, struct bench_result *r)
{
	unsigned nw = c->workers;
	uint64_t t0;
	size_t h0, h1, h2, h3;
	struct mallinfo2 m0, m1;
	int rc;

	es->n = nw;
	es->qsbr = rte_zmalloc("bench_qsbr", rte_rcu_qsbr_get_memsize(nw), RTE_CACHE_LINE_SIZE);
	if (es->qsbr == NULL || rte_rcu_qsbr_init(es->qsbr, nw) != 0)
		return -ENOMEM;
	h0 = heap_used();
	for (unsigned i = 0; i < nw; i++) {
		struct worker_conf wc = {
			.tag = "bench", .id = (uint16_t)i, .n_workers = (uint16_t)nw,
			.sad_entries = c->dir == BENCH_IN ? c->n_sas : 64,
			.qsbr = es->qsbr, .pool = bench_pool, .peers = es->w,
		};

		es->w[i] = worker_create(&wc);
		if (es->w[i] == NULL) {
			fprintf(stderr, "esprit-bench: worker_create failed\n");
			return -ENOMEM;
		}
		es->w[i]->rxq[0] = (struct worker_rxq){ .port = gen[i], .queue = 0 };
		es->w[i]->n_rxq = 1;
	}
	h1 = heap_used();
	es->drv = drv_ipsec_ring_create(es->w, (uint16_t)nw, es->qsbr, rig->ctl_mgr, c->n_sas);
	if (es->drv == NULL)
		return -ENOMEM;
	es->fib = bench_fib(rig, gen, nw);
	if (es->fib == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < nw; i++) {
		struct dp_msg msg = { .type = DP_MSG_FIB_SET, .obj = es->fib };

		rte_ring_enqueue_elem(es->w[i]->msgs, &msg, sizeof(msg));
	}
	apply_all(es->w, nw);
	h2 = heap_used();
	m0 = mallinfo2();
	t0 = rte_rdtsc();
	rc = program(rig, c, es->drv, es->w, nw);
	if (rc != 0)
		return rc;
	r->setup_s = (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz();
	h3 = heap_used();
	m1 = mallinfo2();
	/* Dataplane memory per SA: the SA objects (and SPD) plus the share
	 * of the SAD sized for them; control-plane: the driver's table and
	 * its per-SA records. */
	r->sa_bytes = (double)(h3 - h2) / c->n_sas;
	if (c->dir == BENCH_IN)
		r->sa_bytes += (double)(h1 - h0) / c->n_sas;
	r->ctl_sa_bytes = ((double)(h2 - h1) + (double)(m1.uordblks - m0.uordblks)) / c->n_sas;
	return 0;
}

/* The workers' counters over all the rounds. */
static void esprit_collect(const struct esprit_set *es, struct bench_result *r)
{
	struct worker *const *w = es->w;

	if (getenv("ESPRIT_BENCH_DEBUG") != NULL)
		for (unsigned i = 0; i < es->n; i++)
			fprintf(stderr, "worker %u: rx %lu tx %lu esp_in %lu esp_out %lu handoff in %lu out %lu loops %lu busy %lu\n",
				i, (unsigned long)w[i]->stats.rx, (unsigned long)w[i]->stats.tx,
				(unsigned long)w[i]->stats.esp_in, (unsigned long)w[i]->stats.esp_out,
				(unsigned long)w[i]->stats.handoff_in, (unsigned long)w[i]->stats.handoff_out,
				(unsigned long)w[i]->stats.loops, (unsigned long)w[i]->stats.busy_loops);
	for (unsigned i = 0; i < es->n; i++) {
		r->rx += w[i]->stats.rx;
		r->tx += w[i]->stats.tx;
		for (unsigned d = 0; d < ESP_DROP_MAX; d++) {
			r->drops += w[i]->ctx.drops[d];
			if (w[i]->ctx.drops[d] > r->drop_top_n) {
				r->drop_top_n = w[i]->ctx.drops[d];
				r->drop_top = esp_drop_name((enum esp_drop)d);
			}
		}
	}
}

static void esprit_teardown(struct esprit_set *es)
{
	drv_ipsec_ring_destroy(es->drv);
	for (unsigned i = 0; i < es->n; i++)
		worker_destroy(es->w[i]);
	fib_free(es->fib);
	rte_free(es->qsbr);
}

/*
 * The fastest-of-trials cost over the pcap's lengths (memoised per
 * length), for reference; for ChaCha20-Poly1305 it also picks, per
 * length, the API the crypto loop uses (job[i]).
 */
static double crypto_best(struct bench_rig *rig, const struct bench_case *c, const uint32_t *ct,
			  int npk, uint8_t *job, const char **api)
{
	bool any_job = false, any_direct = false;
	double sum = 0;

	n_memo = 0;
	for (int i = 0; i < npk; i++) {
		const char *a;

		sum += crypto_cost(rig, c->cipher, c->dir == BENCH_OUT, ct[i], &a);
		job[i] = strcmp(a, "job") == 0;
		any_job |= job[i];
		any_direct |= !job[i];
	}
	*api = any_job && any_direct ? "mixed" : any_job ? "job" : "direct";
	return sum / npk;
}

/*
 * The ESP floor beside esprit (--floor), for the cases it serves, once its
 * output is found to be esprit's for the first frames of the case's pcap;
 * else r->floor_none says why not (and r->floor_failed that it should
 * have been there).
 */
static void floor_setup(struct bench_rig *rig, const struct bench_case *c,
			const struct esprit_set *es, uint16_t gen, struct bench_loops *lp,
			struct bench_result *r)
{
	struct bench_floor *f = &lp->floor;
	struct rte_mbuf *b[WORKER_BURST];
	uint16_t n;

	*f = (struct bench_floor){ .rx_port = gen, .tx_port = rig->null_port, .txq = 0 };
	if (!bench_floor_fits(c)) {
		r->floor_none = "not for this case";
		return;
	}
	if (bench_floor_init(f, c, es->w[0], es->fib, es->w[0]->ctx.mgr) != 0) {
		r->floor_none = "no SA or next hop";
		r->floor_failed = true;
		return;
	}
	n = rte_eth_rx_burst(gen, 0, b, RTE_DIM(b));
	if (n == 0 || bench_floor_check(f, b, n, bench_pool, &es->w[0]->ctx) != 0) {
		r->floor_none = n == 0 ? "no frame to check" : "its output is not esprit's";
		r->floor_failed = true;
	} else {
		lp->with_floor = true;
	}
	rte_pktmbuf_free_bulk(b, n);
}

int bench_run_case(struct bench_rig *rig, const struct bench_case *c, struct bench_result *r,
		   double secs)
{
	uint16_t gen[BENCH_WORKERS_MAX];
	unsigned opened = 0, nw = c->workers;
	uint32_t *ct = NULL;
	uint8_t *job = NULL;
	int npk = 0, rc = 0;
	double avg = 0;
	struct esprit_set es = { 0 };
	struct bench_loops *lp = NULL;

	free(r->round_fraction);
	memset(r, 0, sizeof(*r));
	ct = malloc(RUN_CT_MAX * sizeof(*ct));
	job = calloc(RUN_CT_MAX, 1);
	lp = rte_zmalloc("bench_loops", sizeof(*lp), RTE_CACHE_LINE_SIZE);
	if (ct == NULL || job == NULL || lp == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (unsigned i = 0; i < nw; i++) {
		char path[600];

		snprintf(path, sizeof(path), "%s/port%u.pcap", rig->pcap_dir, i);
		int n = bench_pcap_write(path, c, (uint16_t)i, rig->ctl_mgr, i == 0 ? ct : NULL,
					 RUN_CT_MAX, i == 0 ? &avg : &(double){ 0 });
		if (n <= 0) {
			rc = -EIO;
			goto out;
		}
		if (i == 0) {
			npk = n;
			r->avg_frame = avg;
		}
		rc = gen_open(rig, i, path, &gen[i]);
		if (rc < 0)
			goto out;
		opened++;
	}
	rc = esprit_setup(rig, c, gen, &es, r);
	if (rc != 0)
		goto out;

	/* What each lcore runs in turn: the harness alone (io forward over
	 * the same ports), the crypto over the pcap's AEAD lengths in
	 * order, esprit (ESPRIT_BENCH_ONLY: esprit alone, for profiling). */
	lp->n = nw;
	lp->esprit_only = getenv("ESPRIT_BENCH_ONLY") != NULL;
	lp->debug = getenv("ESPRIT_BENCH_DEBUG") != NULL;
	if (!lp->esprit_only)
		r->crypto_cycles_best = crypto_best(rig, c, ct, npk, job, &r->crypto_api);
	for (unsigned i = 0; i < nw; i++) {
		lp->lcores[i] = rig->lcores[i];
		lp->w[i] = es.w[i];
		lp->io[i] = (struct bench_ioloop){ .rx_port = gen[i], .tx_port = rig->null_port,
						   .txq = (uint16_t)i };
		lp->cr[i] = (struct bench_crypto_loop){
			.mgr = rig->loop_crypto[i].mgr, .cipher = c->cipher,
			.encrypt = c->dir == BENCH_OUT, .lens = ct, .n = (uint32_t)npk,
			.job = c->cipher == ESP_CIPHER_CHACHA20_POLY1305 ? job : NULL,
		};
		if (bench_crypto_loop_init(&lp->cr[i]) != 0) {
			rc = -ENOMEM;
			goto out;
		}
	}
	if (rig->floor)
		floor_setup(rig, c, &es, gen[0], lp, r);
	rc = bench_rounds(lp, secs, r);
	if (rc != 0)
		goto out;
	esprit_collect(&es, r);
	if (lp->with_floor && lp->floor.bad > 0) {
		r->floor_none = "it refused packets";
		r->floor_fraction = r->floor_mpps = 0;
		r->floor_failed = true;
	}
out:
	esprit_teardown(&es);
	if (lp != NULL)
		for (unsigned i = 0; i < nw; i++)
			bench_crypto_loop_fini(&lp->cr[i]);
	rte_free(lp);
	for (unsigned i = 0; i < opened; i++)
		gen_close(i, gen[i]);
	free(ct);
	free(job);
	if (rc != 0)
		r->error = rc;
	return rc;
}

int bench_rig_init(struct bench_rig *rig)
{
	char err[256];
	uint16_t nrx;
	unsigned lc, k = 0;
	struct port_conf pc = { .name = "null", .devargs = "net_null0,no-rx=1",
				.nb_queues = BENCH_WORKERS_MAX, .rxd = 1024, .txd = 1024 };

	RTE_LCORE_FOREACH_WORKER(lc) {
		if (k < BENCH_WORKERS_MAX)
			rig->lcores[k++] = lc;
	}
	rig->n_lcores = k;
	if (k == 0) {
		fprintf(stderr, "esprit-bench: needs at least one worker lcore (-l 0,1)\n");
		return -EINVAL;
	}
	if (port_open(&pc, bench_pool, &rig->null_port, &nrx, err, sizeof(err)) < 0) {
		fprintf(stderr, "esprit-bench: %s\n", err);
		return -ENODEV;
	}
	rig->ctl_mgr = alloc_mb_mgr(0);
	rig->worker_mgr = alloc_mb_mgr(0);
	if (rig->ctl_mgr == NULL || rig->worker_mgr == NULL)
		return -ENOMEM;
	init_mb_mgr_auto(rig->ctl_mgr, NULL);
	init_mb_mgr_auto(rig->worker_mgr, NULL);
	for (unsigned i = 0; i < BENCH_WORKERS_MAX; i++)
		if (crypto_mgr_init(&rig->loop_crypto[i]) < 0)
			return -ENOMEM;
	return 0;
}

void bench_rig_fini(struct bench_rig *rig)
{
	free_mb_mgr(rig->ctl_mgr);
	free_mb_mgr(rig->worker_mgr);
	rig->ctl_mgr = rig->worker_mgr = NULL;
	for (unsigned i = 0; i < BENCH_WORKERS_MAX; i++)
		crypto_mgr_fini(&rig->loop_crypto[i]);
	rte_eth_dev_stop(rig->null_port);
	rte_eth_dev_close(rig->null_port);
}
