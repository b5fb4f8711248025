/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker poll loop: rx burst → classify → {ESP in, clear out, punt}
 * → SAD/SPD → ESP transform → route → tx burst (see worker.h).
 *
 * Each burst is first sorted into per-kind arrays and each array is then
 * processed as a batch, runs of packets of one SA going to the SA's
 * transform in one call. Nothing here allocates (except mbufs for IPv4
 * pre-fragmentation), locks, logs or makes a system call, except the
 * opt-in nap when idle.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dataplane/esp.h"
#include "dataplane/pktmeta.h"
#include "dataplane/sad.h"
#include "dataplane/worker_int.h"

int pkt_meta_offset = -1;

int pkt_meta_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "esprit_pkt_meta",
		.size = sizeof(struct pkt_meta),
		.align = __alignof__(struct pkt_meta),
	};

	if (pkt_meta_offset >= 0)
		return 0;
	pkt_meta_offset = rte_mbuf_dynfield_register(&desc);
	return pkt_meta_offset < 0 ? -rte_errno : 0;
}

/* rte_pktmbuf_init() for a packed pool, whose objects have no IOVA of
 * their own (RTE_MEMPOOL_F_NO_IOVA_CONTIG): IOVA as VA gives it. */
static void mbuf_init_iova_va(struct rte_mempool *mp, void *arg, void *obj, unsigned idx)
{
	struct rte_mbuf *m = obj;

	rte_pktmbuf_init(mp, arg, obj, idx);
	rte_mbuf_iova_set(m, (rte_iova_t)(uintptr_t)m->buf_addr);
}

struct rte_mempool *worker_pool_create(const char *name, unsigned n, int socket)
{
	/*
	 * A pool of IOVA-contiguous objects on --no-huge memory keeps each
	 * 2368-octet mbuf inside one 4 KiB page: one a page, all at the same
	 * offset, so the headers of a burst share one L1 set of 8 ways
	 * (callgrind's cache model, esprit-bench 64 B outbound: 7 read and
	 * 3.6 write misses a packet in the worker, 2 in net_null's free;
	 * 0.1 on hugepages).
	 *
	 * Without hugepages the IOVA is the virtual address, so a packed
	 * object that crosses a page is still contiguous for DMA.
	 */
	bool pack = !rte_eal_has_hugepages() && rte_eal_iova_mode() == RTE_IOVA_VA;
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE,
	};
	struct rte_mempool *mp;

	if (!pack)
		return rte_pktmbuf_pool_create(name, n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE,
				      256, sizeof(priv), socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	int rc = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);

	if (rc == 0) {
		rte_pktmbuf_pool_init(mp, &priv);
		rc = rte_mempool_populate_default(mp);
	}
	if (rc < 0) {
		rte_mempool_free(mp);
		rte_errno = -rc;
		return NULL;
	}
	rte_mempool_obj_iter(mp, mbuf_init_iova_va, NULL);
	return mp;
}

void worker_tx_send(struct worker *w, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t sent = rte_eth_tx_burst(port, w->txq, pkts, n);

	w->stats.tx += sent;
	for (uint16_t i = sent; i < n; i++)
		drop(w, pkts[i], NULL, ESP_DROP_TX_FULL);
}

void worker_tx_flush(struct worker *w, uint16_t port)
{
	struct worker_txbuf *tb = &w->txb[port];

	if (tb->n == 0)
		return;
	worker_tx_send(w, port, tb->pkts, tb->n);
	tb->n = 0;
}

/* Only the ports tx_one() queued for: a poll touches one or two of them,
 * and a call per port was ~10 instructions per packet at 64 octets. */
static void tx_flush_all(struct worker *w)
{
	static_assert(WORKER_PORTS_MAX <= 32, "tx_pending has a bit per port");
	uint32_t pending = w->tx_pending;

	w->tx_pending = 0;
	while (pending != 0) {
		worker_tx_flush(w, (uint16_t)__builtin_ctz(pending));
		pending &= pending - 1;
	}
}

/* ---- the burst's queues ---------------------------------------------------- */

/* Empty queues but for the hand-offs, which handoff_flush() empties. */
static void burst_reset(struct burst *b)
{
	b->n_in = b->n_clear = b->n_fwd = b->n_runs = b->clear_longest = 0;
	b->out_last = NULL;
}

static void burst_init(struct burst *b)
{
	burst_reset(b);
	memset(b->n_handoff, 0, sizeof(b->n_handoff));
}

/*
 * Queue @p m for this worker's outbound SA @p sa. True when the packet
 * before it was another SA's (@p m begins a run).
 */
static inline bool burst_out(struct burst *b, struct rte_mbuf *m, const struct esp_sa *sa)
{
	bool first = sa != b->out_last;

	if (first) {
		b->out_last = sa;
		b->n_runs++;
	}
	b->clear_longest = RTE_MAX(b->clear_longest, rte_pktmbuf_data_len(m));
	b->clear[b->n_clear++] = m;
	return first;
}

/* ---- handoff --------------------------------------------------------------- */

static void handoff(struct burst *b, uint16_t owner, struct rte_mbuf *m)
{
	b->handoff[owner][b->n_handoff[owner]++] = m;
}

static void handoff_flush(struct worker *w, struct burst *b)
{
	for (uint16_t o = 0; o < w->n_workers; o++) {
		uint16_t n = b->n_handoff[o], sent;

		if (n == 0)
			continue;
		sent = (uint16_t)rte_ring_mp_enqueue_burst(w->peers[o]->handoff,
							   (void **)b->handoff[o], n, NULL);
		w->stats.handoff_out += sent;
		for (uint16_t i = sent; i < n; i++)
			drop(w, b->handoff[o][i], NULL, ESP_DROP_HANDOFF_FULL);
		b->n_handoff[o] = 0;
	}
}

/* ---- ESP in ---------------------------------------------------------------- */

/* How many packets ahead of its transform an SA's lines are prefetched. */
enum { SAD_PREFETCH_AHEAD = 4 };

static void clear_path_slow(struct worker *w, struct burst *b, struct rte_mbuf *m);

/* One SA's transform over a run of its packets (esp_in_done). */
static uint16_t esp_in_run(struct worker *w, struct esp_sa *sa, struct rte_mbuf **run, uint16_t n,
			   struct rte_mbuf **out)
{
	return esp_in_done(w, sa, NULL, run, n, sa->xform(sa, run, n, &w->ctx), out);
}

/* Packets of SAs with one transform (mode and cipher), packet i sas[i]'s,
 * through it together (esp_inbound_multi, esp_in_done). */
static uint16_t esp_in_group(struct worker *w, struct esp_sa **sas, struct rte_mbuf **run,
			     uint16_t n, struct rte_mbuf **out)
{
	return esp_in_done(w, NULL, sas, run, n, esp_inbound_multi(sas, run, n, &w->ctx), out);
}

/* Queue ESP to us for esp_in_batch() with its SPI, whose 8 octets
 * (SPI, sequence number) are known to be there. */
static inline void burst_esp_in_at(struct burst *b, struct rte_mbuf *m, const struct esp_hdr *esp)
{
	b->in_spi[b->n_in] = rte_be_to_cpu_32(esp->spi);
	b->in[b->n_in++] = m;
}

/* burst_esp_in_at() for a packet classified the long way: a runt is
 * dropped. */
static void burst_esp_in(struct worker *w, struct burst *b, struct rte_mbuf *m)
{
	uint32_t off = m->l3_len + m->l4_len;

	if (rte_pktmbuf_data_len(m) < off + sizeof(struct esp_hdr)) {
		drop(w, m, NULL, ESP_DROP_RUNT);
		return;
	}
	burst_esp_in_at(b, m, rte_pktmbuf_mtod_offset(m, const struct esp_hdr *, off));
}

static void esp_in_batch(struct worker *w, struct burst *b)
{
	struct rte_mbuf *out[WORKER_BURST * 2], **own = b->in;
	uint32_t *spis = b->in_spi;
	struct esp_sa *sas[WORKER_BURST * 2];
	uint16_t n = b->n_in, nown = 0, nsa = 0, nout = 0, start = 0;
	uint32_t spi_or = 0, spi_and = UINT32_MAX;

	/* One SPI for the whole burst (a flow's burst: every bit the same in
	 * all of them), this worker's: one lookup, one run, no grouping. */
	for (uint16_t i = 0; i < n; i++) {
		spi_or |= spis[i];
		spi_and &= spis[i];
	}
	if (spi_or == spi_and && spi_owner(w, spi_or) == w->id) {
		struct esp_sa *sa = sad_lookup(w->sad, spi_or);

		if (likely(sa != NULL)) {
			esp_sa_prefetch(sa, w->ctx.key_lines);
			esp_sa_prefetch_checks(sa);
			worker_forward_clear(w, out, esp_in_run(w, sa, own, n, out));
			return;
		}
	}
	/* Owned packets first (compacted in place), so the SAD sees the
	 * whole burst at once. */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = b->in[i];
		uint16_t owner = spi_owner(w, spis[i]);

		if (owner != w->id) {
			pkt_meta(m)->flags |= PKT_F_ESP_IN;
			handoff(b, owner, m);
			continue;
		}
		spis[nown] = spis[i];
		own[nown++] = m;
	}
	if (nown == 0)
		return;
	/* One bulk lookup: every direct slot and SA (or home bucket) is
	 * prefetched before the first compare, so SAD misses overlap instead
	 * of adding up (a million SAs do not fit any cache); each candidate
	 * is confirmed when its packet's turn comes. */
	RTE_BUILD_BUG_ON(RTE_DIM(b->in_spi) > SAD_BULK_MAX);
	sad_lookup_bulk(w->sad, spis, nown, sas);
	/* The SA lines of a packet are fetched a few packets ahead of its
	 * transform: with many SAs each is a miss, and this overlaps them
	 * with the work on the packets before it. Consecutive packets of
	 * one SA (the common case with few SAs) cost one check. */
	for (uint16_t i = 0; i < nown; i++)
		if (sas[i] != NULL && (i == 0 || sas[i] != sas[i - 1]))
			rte_prefetch0(sas[i]);
	for (uint16_t i = 0; i < RTE_MIN(nown, (uint16_t)SAD_PREFETCH_AHEAD); i++)
		if (sas[i] != NULL && (i == 0 || sas[i] != sas[i - 1]))
			esp_sa_prefetch(sas[i], w->ctx.key_lines);
	if (sas[0] != NULL)
		esp_sa_prefetch_checks(sas[0]);
	/*
	 * Runs of packets whose SAs have one transform (mode and cipher) go
	 * to it together, however many SAs (with random SAs each has one
	 * packet, and they still share the transform's chunks); the packets
	 * with an SA are compacted in place in own[] so each run is a range
	 * of it, and what every run leaves is forwarded in one batch at the
	 * end.
	 */
	for (uint16_t i = 0; i < nown; i++) {
		struct rte_mbuf *m = own[i];
		struct esp_sa *sa = sad_confirm(w->sad, spis[i], sas[i]);
		uint16_t a = (uint16_t)(i + SAD_PREFETCH_AHEAD);

		if (a < nown && sas[a] != NULL && sas[a] != sas[a - 1])
			esp_sa_prefetch(sas[a], w->ctx.key_lines);
		/* Line 2 for SAs whose checks are not all compiled: deciding
		 * reads line 0, so only one packet ahead, when that line
		 * (prefetched with the whole burst's) has arrived; reading it
		 * SAD_PREFETCH_AHEAD packets ahead stalled on it. */
		if (i + 1 < nown && sas[i + 1] != NULL && sas[i + 1] != sas[i])
			esp_sa_prefetch_checks(sas[i + 1]);

		if (sa == NULL) {
			if (pkt_meta(m)->flags & PKT_F_TRANSIT)
				clear_path_slow(w, b, m); /* someone else's ESP */
			else
				drop(w, m, NULL, ESP_DROP_NO_SA);
			continue;
		}
		if (nsa > start && sa->xform != sas[nsa - 1]->xform) {
			nout += esp_in_group(w, sas + start, own + start, (uint16_t)(nsa - start),
					     out + nout);
			start = nsa;
		}
		own[nsa] = m;
		sas[nsa++] = sa;
	}
	if (nsa > start)
		nout += esp_in_group(w, sas + start, own + start, (uint16_t)(nsa - start),
				     out + nout);
	worker_forward_clear(w, out, nout);
}

/* ---- clear traffic and ESP out ------------------------------------------- */

/*
 * Encrypt what fit_mtu left and forward the good ones. @p via is the
 * resolved route to a tunnel SA's peer, looked up once for the run (every
 * outer packet goes there), or NULL: then each packet is routed.
 */
static void esp_out_submit(struct worker *w, struct esp_sa *sa, struct rte_mbuf **pkts, uint16_t n,
			   const struct fib_fwd *via)
{
	uint16_t good = sa->xform(sa, pkts, n, &w->ctx);

	w->stats.esp_out += good;
	for (uint16_t i = good; i < n; i++)
		rte_pktmbuf_free(pkts[i]);
	if (via != NULL) {
		fwd_send_run(w, pkts, good, via);
		return;
	}
	for (uint16_t i = 0; i < good; i++) {
		/* The outer packet is unlabeled: the label lives in the SA. */
		pkt_meta(pkts[i])->label = 0;
		worker_forward(w, pkts[i]);
	}
}

/*
 * Runs of a burst that go to a tunnel's peer as they are, gathered while
 * their SAs have one transform and they follow each other in the burst:
 * many tunnels' runs are a packet or two, and encrypted together
 * (esp_outbound_multi) they share the transform's chunks. Each run keeps
 * a copy of its peer's memo entry, since a later run's lookup may take
 * the same slot before the group is sent.
 */
enum {
	/* Longest packet of a run that joins a group: measured, longer ones
	 * lost more by waiting for the group (out of L1) than they gained
	 * (1000 tunnels, 1420 B: -0.017 of the limit grouped). ChaCha20-
	 * Poly1305 runs do not join either: its job API has no masked loads
	 * to wait, and grouped it read 0.01-0.025 lower. */
	OUT_GROUP_LEN = 512,
};

struct out_group {
	struct rte_mbuf **pkts;   /* the first run's; the others follow */
	uint16_t n, n_runs, n_via;
	struct {
		struct esp_sa *sa;
		uint16_t n;
		uint16_t via;     /* index into via[] */
	} run[WORKER_BURST * 2];
	/* the runs' memo entries, one copy for runs next to each other that
	 * go to one peer (many tunnels to one gateway: one copy, one send) */
	struct fib_fwd via[WORKER_BURST * 2];
};

static void out_group_send(struct worker *w, struct out_group *g)
{
	struct esp_sa *sas[WORKER_BURST * 2];
	uint16_t k = 0, from = 0, good;

	if (g->n_runs == 0)
		return;
	if (g->n_runs == 1) {  /* one SA's: its own transform */
		esp_out_submit(w, g->run[0].sa, g->pkts, g->n, &g->via[0]);
		g->n = g->n_runs = g->n_via = 0;
		return;
	}
	for (uint16_t r = 0; r < g->n_runs; r++)
		for (uint16_t j = 0; j < g->run[r].n; j++)
			sas[k++] = g->run[r].sa;
	good = esp_outbound_multi(sas, g->pkts, g->n, &w->ctx);
	w->stats.esp_out += good;
	for (uint16_t i = good; i < g->n; i++)
		rte_pktmbuf_free(g->pkts[i]);
	if (good == g->n && g->n_via == 1) {  /* all went, to one peer */
		fwd_send_run(w, g->pkts, good, &g->via[0]);
		g->n = g->n_runs = g->n_via = 0;
		return;
	}
	/* the good ones are first, in order, their SAs beside them: each
	 * run's are the next ones of its SA (runs next to each other have
	 * different SAs); runs of one memo entry go out together */
	k = 0;
	for (uint16_t r = 0; r < g->n_runs; r++) {
		while (k < good && sas[k] == g->run[r].sa)
			k++;
		if (r + 1 == g->n_runs || g->run[r + 1].via != g->run[r].via) {
			if (k > from)
				fwd_send_run(w, g->pkts + from, (uint16_t)(k - from),
					     &g->via[g->run[r].via]);
			from = k;
		}
	}
	g->n = g->n_runs = g->n_via = 0;
}

static void out_group_add(struct worker *w, struct out_group *g, struct esp_sa *sa,
			  struct rte_mbuf **run, uint16_t n, const struct fib_fwd *via)
{
	if (g->n_runs > 0 && (sa->xform != g->run[0].sa->xform || run != g->pkts + g->n))
		out_group_send(w, g);
	if (g->n_runs == 0)
		g->pkts = run;
	if (g->n_via == 0 || memcmp(&g->via[g->n_via - 1], via, sizeof(*via)) != 0)
		g->via[g->n_via++] = *via;
	g->run[g->n_runs].sa = sa;
	g->run[g->n_runs].n = n;
	g->run[g->n_runs++].via = (uint16_t)(g->n_via - 1);
	g->n = (uint16_t)(g->n + n);
}

static void esp_out_run(struct worker *w, struct esp_sa *sa, struct rte_mbuf **run, uint16_t n,
			uint32_t longest, struct out_group *g)
{
	struct rte_mbuf *fit[WORKER_BURST * 4];
	uint16_t nfit = 0;
	const struct fib_fwd *via = NULL;
	struct fib_hop hop;
	uint32_t mtu = 0;

	/* The path MTU towards the peer bounds the inner packet: route the
	 * outer destination once per run (tunnel), per packet (transport).
	 * Its memo entry (or a group's copy of it) also gives every outer
	 * packet of the run its L2 header. */
	if (sa->mode == ESP_MODE_TUNNEL) {
		via = fwd_get(w, sa->outer_af, esp_sa_peer(sa), 0);
		if (likely(via != NULL))
			mtu = via->mtu;
		else if (fib_route(w->fib, sa->outer_af, esp_sa_peer(sa), &hop) == 0)
			mtu = hop.mtu;
	}
	/* The common case: a tunnel whose packets all fit go as they are.
	 * @p longest bounds the run's lengths (the burst's longest): when it
	 * does not fit, the run's own are looked at. */
	if (via != NULL && mtu > sa->overhead) {
		uint32_t room = mtu - sa->overhead;
		bool fits = longest <= room;

		if (!fits) {
			uint16_t i = 0;

			for (longest = 0; i < n && rte_pktmbuf_data_len(run[i]) <= room; i++)
				longest = RTE_MAX(longest, (uint32_t)rte_pktmbuf_data_len(run[i]));
			fits = i == n;
		}
		if (fits && longest <= OUT_GROUP_LEN && sa->cipher != ESP_CIPHER_CHACHA20_POLY1305) {
			out_group_add(w, g, sa, run, n, via);
			return;
		}
		if (fits) {
			out_group_send(w, g);
			esp_out_submit(w, sa, run, n, via);
			return;
		}
	}
	out_group_send(w, g);  /* what came before goes first */
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = run[i];
		uint32_t limit = mtu;

		if (sa->mode == ESP_MODE_TRANSPORT) {
			const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
			uint8_t fam = (p[0] >> 4) == 4 ? AF_INET : AF_INET6;

			limit = fib_route(w->fib, fam, ip_dst(m, fam), &hop) == 0 ? hop.mtu : 0;
		}
		if (limit <= sa->overhead) {
			drop(w, m, sa, ESP_DROP_NO_ROUTE);
			continue;
		}
		if (RTE_DIM(fit) - nfit < 48) {
			esp_out_submit(w, sa, fit, nfit, via);
			nfit = 0;
		}
		nfit += fit_mtu(w, m, limit - sa->overhead, sa, fit + nfit,
				(uint16_t)(RTE_DIM(fit) - nfit));
	}
	if (nfit)
		esp_out_submit(w, sa, fit, nfit, via);
}

/* Outbound packets owned by this worker (burst_out): each run of one SA's
 * packets goes to esp_out_run() as a range of clear[]; short runs that
 * follow each other may be encrypted together (struct out_group). */
static void esp_out_batch(struct worker *w, struct burst *b)
{
	struct rte_mbuf **pkts = b->clear;
	uint16_t n = b->n_clear, start = 0;
	struct esp_sa *cur = pkt_meta(pkts[0])->sa;
	struct out_group g;  /* not zeroed: runs are written as they come */

	RTE_BUILD_BUG_ON(RTE_DIM(b->clear) > RTE_DIM(g.run));
	if (esp_out_express_batch(w, pkts, n, b->n_runs))
		return;
	g.n = g.n_runs = g.n_via = 0;
	/* a burst of one SA's (a flow's) is one run, not looked for */
	for (uint16_t i = b->n_runs > 1 ? 1 : n; i < n; i++) {
		struct esp_sa *sa = pkt_meta(pkts[i])->sa;

		if (sa != cur) {
			esp_out_run(w, cur, pkts + start, (uint16_t)(i - start), b->clear_longest,
				    &g);
			cur = sa;
			start = i;
		}
	}
	esp_out_run(w, cur, pkts + start, (uint16_t)(n - start), b->clear_longest, &g);
	out_group_send(w, &g);
}

/*
 * The outbound SPD's verdict on a forwarded clear packet (RFC 4301 §5.1):
 * protect, bypass or discard; no matching rule (NULL) means discard.
 */
static inline __attribute__((always_inline)) void clear_verdict(struct worker *w, struct burst *b,
								   struct rte_mbuf *m,
								   const struct spd_rule *rule)
{
	if (rule == NULL) {
		drop(w, m, NULL, ESP_DROP_SPD_NOMATCH);
		return;
	}
	switch (rule->action) {
	case SPD_BYPASS:
		w->stats.bypass++;
		b->fwd[b->n_fwd++] = m;
		return;
	case SPD_PROTECT:
		if (rule->sa != NULL) {
			struct pkt_meta *meta = pkt_meta(m);

			meta->sa = rule->sa;
			/* the owner from the rule: another worker's SA is never
			 * read here, its owner writes line 0 for every packet
			 * (reading it from the SA cost the owner and us a
			 * transfer of the line for each handed packet) */
			if (rule->owner != w->id) {
				meta->flags |= PKT_F_ESP_OUT;
				handoff(b, rule->owner, m);
			} else {
				/* a tunnel other than the last packet's: its SA's
				 * lines come in while the burst is classified */
				if (burst_out(b, m, rule->sa)) {
					esp_sa_prefetch(rule->sa, w->ctx.key_lines);
					esp_sa_touch(rule->sa);
				}
			}
			return;
		}
		/* a policy without an SA yet (IKE trap): fall through */
		/* fallthrough */
	case SPD_DISCARD:
	default:
		drop(w, m, NULL, ESP_DROP_SPD_DISCARD);
		return;
	}
}

/* A forwarded clear packet, any family: TTL, then the outbound SPD. */
static inline __attribute__((always_inline)) void clear_path(struct worker *w, struct burst *b,
								struct rte_mbuf *m)
{
	uint16_t label = pkt_meta(m)->label;
	const struct spd_rule *rule = NULL;   /* set unless bad */
	struct spd_key key;

	if (!ttl_dec(m)) {
		drop(w, m, NULL, ESP_DROP_TTL);
		return;
	}
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	bool bad = false;

	/* classify validated the IP header; an IPv4 one is matched in place */
	if (likely(w->spd != NULL && w->spd->compiled && (ip[0] >> 4) == 4)) {
		rule = spd_lookup_ip4(w->spd, &w->spd_memo, ip, label, &bad);
	} else if (spd_key_from_ip(&key, ip, rte_pktmbuf_data_len(m), label) == 0) {
		rule = spd_lookup(w->spd, &key);
	} else {
		bad = true;
	}
	if (unlikely(bad)) {
		drop(w, m, NULL, ESP_DROP_BAD_L3);
		return;
	}
	clear_verdict(w, b, m, rule);
}

/*
 * clear_path() for what classify_fast4() took: IPv4 without options,
 * unlabeled, with 8 octets past the header (so never spd_ip4_short()).
 */
static inline __attribute__((always_inline)) void clear_path_fast4(struct worker *w,
								      struct burst *b,
								      struct rte_mbuf *m)
{
	uint8_t *ip = rte_pktmbuf_mtod(m, uint8_t *);

	if (unlikely(w->spd == NULL || !w->spd->compiled)) {
		clear_path(w, b, m);
		return;
	}
	if (!ttl_dec4((struct rte_ipv4_hdr *)ip)) {
		drop(w, m, NULL, ESP_DROP_TTL);
		return;
	}
	clear_verdict(w, b, m, spd_lookup_ip4_whole(w->spd, &w->spd_memo, ip, 0));
}

/* clear_path() for what classify_fast6() took: unlabeled IPv6 whose next
 * header is the upper layer, with 8 octets of it. */
static inline __attribute__((always_inline)) void clear_path_fast6(struct worker *w,
								      struct burst *b,
								      struct rte_mbuf *m)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);

	if (unlikely(w->spd == NULL || !w->spd->compiled)) {
		clear_path(w, b, m);
		return;
	}
	if (!ttl_dec6(ip)) {
		drop(w, m, NULL, ESP_DROP_TTL);
		return;
	}
	clear_verdict(w, b, m, spd_lookup_ip6_whole(w->spd, &w->spd_memo6, (const uint8_t *)ip,
						    rte_pktmbuf_data_len(m), 0));
}

/* clear_path out of line, for the rare callers (transit ESP). */
static void clear_path_slow(struct worker *w, struct burst *b, struct rte_mbuf *m)
{
	clear_path(w, b, m);
}

/* Every queue of the burst processed or sent; the hand-offs' emptied. */
static void burst_finish(struct worker *w, struct burst *b)
{
	if (b->n_in)
		esp_in_batch(w, b);
	if (b->n_clear)
		esp_out_batch(w, b);
	if (b->n_fwd)
		worker_forward_clear(w, b->fwd, b->n_fwd);
	handoff_flush(w, b);
}

/*
 * A frame the burst's flow memo speaks for, taken as the frame it
 * remembers was (struct flow_memo): true when it was.
 */
static inline __attribute__((always_inline)) bool flow_memo_take(struct burst *b,
								    const struct flow_memo *fm,
								    uint16_t in_port,
								    struct rte_mbuf *m)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_data_len(m);

	if (!flow_memo_match(fm, frame, len, rte_pktmbuf_pkt_len(m)))
		return false;
	ttl_dec4_from_above_1((struct rte_ipv4_hdr *)(frame + sizeof(struct rte_ether_hdr)));
	classify_fast_take(m, in_port, PK_CLEAR, ESP_PTYPE_IP4_CHECKED,
			   sizeof(struct rte_ipv4_hdr), len, fm->sa);
	burst_out(b, m, fm->sa);
	return true;
}

/* spd_cache4_prefetch() or spd_cache6_prefetch() for @p m when it looks
 * like untagged IPv4 or IPv6 other than ESP (the classifier decides
 * later; a wrong guess costs a useless prefetch). */
static inline __attribute__((always_inline)) void spd_cache_prefetch_frame(const struct worker *w,
									  const struct rte_mbuf *m)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = frame + sizeof(struct rte_ether_hdr);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint16_t type;

	if (len < sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr))
		return;
	memcpy(&type, frame + offsetof(struct rte_ether_hdr, ether_type), 2);
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
	    ip[offsetof(struct rte_ipv4_hdr, next_proto_id)] != ESP_IPPROTO_ESP)
		spd_cache4_prefetch(&w->spd_memo, ip);
	else if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
		 len >= sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv6_hdr) &&
		 ip[offsetof(struct rte_ipv6_hdr, proto)] != ESP_IPPROTO_ESP)
		spd_cache6_prefetch(&w->spd_memo6, ip);
}

/*
 * Sort a received burst: ESP to us is batched for the SAs' transforms at
 * the end of the burst, clear traffic goes through the SPD as it comes
 * (so it leaves in the order it arrived), the rest is punted or dropped.
 */
void worker_process_burst(struct worker *w, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n)
{
	const struct fib *f = w->fib;
	struct flow_memo fm = { .sa = NULL };
	int memo_credit = FLOW_MEMO_CREDIT;
	struct burst b;

	w->stats.rx += n;
	w->stats.rx_bursts++;
	if (worker_express(w, in_port, pkts, n))
		return;
	burst_init(&b);
	/* classification writes the offload lengths and the metadata, both
	 * in the mbuf's second line, which RX did not touch */
	for (uint16_t i = 0; i < RTE_MIN(n, (uint16_t)3); i++)
		rte_mbuf_prefetch_part2(pkts[i]);
	/* with many tunnels' flows each frame's SPD cache entry is a miss:
	 * the burst's, all at once, arrive while the first are classified
	 * (the lookup waited for each; a prefetch a few frames ahead came
	 * too late) */
	for (uint16_t i = 0; i < n; i++)
		spd_cache_prefetch_frame(w, pkts[i]);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (i + 3 < n) {
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 3], void *));
			rte_mbuf_prefetch_part2(pkts[i + 3]);
		}
		if (fm.sa != NULL) {
			if (flow_memo_take(&b, &fm, in_port, m)) {
				memo_credit++;
				continue;
			}
			if (--memo_credit < 0)
				fm.sa = NULL;  /* off for this burst */
		}

		enum pkt_kind kind = classify_fast4(w, f, in_port, m);

		if (likely(kind == PK_CLEAR)) {
			uint16_t queued = b.n_clear;
			struct flow_memo next = { .sa = NULL };
			bool memo = memo_credit >= 0 && flow_memo_of(&next, f, m);

			clear_path_fast4(w, &b, m);
			/* to an SA of ours, whatever the ports */
			if (memo && b.n_clear != queued &&
			    spd_memo4_answers(&w->spd_memo, rte_pktmbuf_mtod(m, const uint8_t *))) {
				fm = next;
				fm.sa = pkt_meta(m)->sa;
			}
			continue;
		}
		if (kind == PK_ESP_IN) {  /* classify_fast4: 8 octets past IPv4 */
			burst_esp_in_at(&b, m, rte_pktmbuf_mtod_offset(m, const struct esp_hdr *,
								       sizeof(struct rte_ipv4_hdr)));
			continue;
		}
		if (kind == PK_DROPPED) {
			kind = classify_fast6(w, f, in_port, m);
			if (kind == PK_CLEAR) {
				clear_path_fast6(w, &b, m);
				continue;
			}
			if (kind == PK_DROPPED)
				kind = worker_classify(w, in_port, m);
			if (kind == PK_CLEAR) {
				clear_path(w, &b, m);
				continue;
			}
		}
		if (kind == PK_ESP_IN)
			burst_esp_in(w, &b, m);
	}
	burst_finish(w, &b);
}

/* Packets other workers handed to this one, the owner of their SA. */
static unsigned handoff_drain(struct worker *w)
{
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned total = 0, n;
	struct burst b;

	burst_init(&b);
	/* Drain at most one ring's worth: together with the double RCU
	 * grace period of SA frees this bounds how long an SA pointer can
	 * sit in a ring (see drivers/ipsec_ring.c). */
	while (total < WORKER_RING_SIZE &&
	       (n = rte_ring_sc_dequeue_burst(w->handoff, (void **)pkts, RTE_DIM(pkts), NULL)) > 0) {
		total += n;
		w->stats.handoff_in += n;
		/* The packets were last in the sending worker's cache; the
		 * transforms read them a few packets from now. Two lines: a
		 * small ESP packet's ciphertext and ICV end in the second,
		 * which the GCM otherwise waited for from the other core
		 * (inbound 64 B with handoff +33%); past that the hardware's
		 * prefetcher follows (the last line as well: -0.06 at 1420 B). */
		for (unsigned i = 0; i < n; i++) {
			const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);

			rte_prefetch0(d);
			rte_prefetch0(d + RTE_CACHE_LINE_SIZE);
		}
		for (unsigned i = 0; i < n; i++) {
			struct pkt_meta *meta = pkt_meta(pkts[i]);

			if (meta->flags & PKT_F_ESP_OUT) {
				/* the line before the packet, which its outer
				 * headers go into (outbound 64 B with handoff
				 * +0.028; for every packet, -0.004 inbound) */
				rte_prefetch0(rte_pktmbuf_mtod(pkts[i], uint8_t *) - RTE_CACHE_LINE_SIZE);
				burst_out(&b, pkts[i], meta->sa);
			} else {
				burst_esp_in(w, &b, pkts[i]);
			}
		}
		burst_finish(w, &b);
		burst_reset(&b);
	}
	return total;
}

/* Frames the control thread wants sent (ARP, ND, IKE, ICMP), L2 built. */
static unsigned ctl_tx_drain(struct worker *w)
{
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned n;

	if (w->tx == NULL)
		return 0;
	n = rte_ring_sc_dequeue_burst(w->tx, (void **)pkts, RTE_DIM(pkts), NULL);
	for (unsigned i = 0; i < n; i++) {
		if (pkts[i]->port >= FIB_PORTS_MAX) {
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		tx_one(w, pkts[i]->port, pkts[i]);
	}
	return n;
}

void worker_apply_msgs(struct worker *w)
{
	struct dp_msg msg;

	while (rte_ring_sc_dequeue_elem(w->msgs, &msg, sizeof(msg)) == 0) {
		struct esp_sa *sa = msg.obj, *old = msg.old;

		w->stats.msgs++;
		w->out_memo.family = 0;
		switch (msg.type) {
		case DP_MSG_SA_ADD:
			sad_add(w->sad, msg.spi, sa);
			break;
		case DP_MSG_SA_DEL:
			sad_del(w->sad, msg.spi);
			break;
		case DP_MSG_SA_REPLACE:
			/* The owner moves the live state so nothing is
			 * replayed or reused across the update. */
			sa->seq = old->seq;
			sa->stats.packets = old->stats.packets;
			sa->stats.bytes = old->stats.bytes;
			memcpy(sa->drops, old->drops, sizeof(sa->drops));
			sa->fired = old->fired;
			sa->ip_id = old->ip_id;
			if (sa->rw != NULL && old->rw != NULL && sa->rw->size == old->rw->size)
				memcpy(sa->rw, old->rw, replay_window_bytes(old->rw->size));
			else if (sa->rw != NULL && old->rw != NULL)
				sa->rw->top = old->rw->top;
			old->flags |= ESP_SA_F_DEAD;
			sa->flags &= ~(uint32_t)ESP_SA_F_DEAD;
			if (sa->dir == ESP_DIR_IN)
				sad_add(w->sad, msg.spi, sa);
			break;
		case DP_MSG_SPD_SET:
			w->spd = msg.obj;
			w->spd_memo.rule = NULL;
			spd_cache4_flush(w->spd_memo.cache);
			w->spd_memo6.rule = NULL;
			spd_cache6_flush(w->spd_memo6.cache);
			w->out_wide_clear = NULL;
			break;
		case DP_MSG_FIB_SET:
			w->fib = msg.obj;
			w->locals = w->fib != NULL ? fib_locals_for(w->fib, w->id) : NULL;
			w->in_via.family = 0;
			w->out_wide_clear = NULL;
			break;
		default:
			break;
		}
	}
}

unsigned worker_poll(struct worker *w)
{
	struct rte_mbuf *pkts[WORKER_BURST];
	unsigned work = 0;

	worker_apply_msgs(w);
	if (w->fib != NULL) {
		for (uint16_t q = 0; q < w->n_rxq; q++) {
			struct worker_rxq *rq = &w->rxq[q];
			uint16_t n = rte_eth_rx_burst(rq->port, rq->queue, pkts,
						      rq->want != 0 ? rq->want : WORKER_BURST);

			if (n == 0)
				continue;

			uint16_t want = worker_rx_want(pkts, n);
			uint64_t handed = w->stats.handoff_out;

			work += n;
			worker_process_burst(w, rq->port, pkts, n);
			/* A burst that handed packets to other workers: 32
			 * next time. Each hand-off moves a ring's lines between
			 * the cores, shared by fewer packets in a shorter burst
			 * (1420 octets, half of them handed: 0.44 -> 0.39 of
			 * the limit at 8), and those packets' data leaves this
			 * core's L1 anyway. */
			rq->want = w->stats.handoff_out != handed ? (uint16_t)WORKER_BURST : want;
		}
		work += handoff_drain(w);
		work += ctl_tx_drain(w);
	}
	tx_flush_all(w);
	rte_rcu_qsbr_quiescent(w->qsbr, w->id);
	return work;
}

void worker_flush(struct worker *w)
{
	tx_flush_all(w);
}

void worker_rcu_online(struct worker *w)
{
	if (w->rcu_online)
		return;
	rte_rcu_qsbr_thread_register(w->qsbr, w->id);
	rte_rcu_qsbr_thread_online(w->qsbr, w->id);
	w->rcu_online = true;
}

int worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned idle = 0;

	worker_rcu_online(w);
	while (!w->stop) {
		unsigned work = worker_poll(w);

		w->stats.loops++;
		if (work) {
			w->stats.busy_loops++;
			idle = 0;
		} else if (w->idle_sleep_us && ++idle > 64) {
			/* Opt-in nap for shared machines (tests, demo): the
			 * only system call of the loop, and only when idle. */
			usleep(w->idle_sleep_us);
		}
	}
	rte_rcu_qsbr_thread_offline(w->qsbr, w->id);
	rte_rcu_qsbr_thread_unregister(w->qsbr, w->id);
	w->rcu_online = false;
	return 0;
}

static struct rte_ring *ring_new(const struct worker_conf *c, const char *what, unsigned esize,
				 unsigned flags)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "%s%u_%s", c->tag, c->id, what);
	if (esize == 0)
		return rte_ring_create(name, WORKER_RING_SIZE, (int)rte_socket_id(), flags);
	return rte_ring_create_elem(name, esize, WORKER_RING_SIZE, (int)rte_socket_id(), flags);
}

struct worker *worker_create(const struct worker_conf *c)
{
	struct worker *w = rte_zmalloc("worker", sizeof(*w), RTE_CACHE_LINE_SIZE);

	if (w == NULL)
		return NULL;
	w->id = c->id;
	w->n_workers = c->n_workers;
	w->txq = c->id;
	w->qsbr = c->qsbr;
	w->pool = c->pool;
	w->peers = c->peers;
	w->idle_sleep_us = c->idle_sleep_us;
	if (crypto_mgr_init(&w->crypto) == 0) {
		w->ctx.mgr = w->crypto.mgr;
		esp_key_lines(w->ctx.mgr, w->ctx.key_lines);
	}
	w->msgs = ring_new(c, "msgs", sizeof(struct dp_msg), RING_F_SC_DEQ);
	w->punt = ring_new(c, "punt", 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	w->tx = ring_new(c, "tx", 0, RING_F_SC_DEQ);
	w->handoff = ring_new(c, "handoff", 0, RING_F_SC_DEQ);
	w->events = ring_new(c, "events", sizeof(struct esp_event), RING_F_SP_ENQ | RING_F_SC_DEQ);
	w->ctx.events = w->events;
	w->sad = sad_create(RTE_MAX(c->sad_entries, 64u), (int)rte_socket_id());
	w->spd_memo.cache = rte_zmalloc_socket("spd_cache4", sizeof(struct spd_cache4),
					       RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	w->spd_memo6.cache = rte_zmalloc_socket("spd_cache6", sizeof(struct spd_cache6),
						RTE_CACHE_LINE_SIZE, (int)rte_socket_id());
	if (w->spd_memo.cache != NULL)
		w->spd_memo.cache->gen = 1;
	if (w->spd_memo6.cache != NULL)
		w->spd_memo6.cache->gen = 1;
	if (w->ctx.mgr == NULL || !w->msgs || !w->punt || !w->tx || !w->handoff || !w->events ||
	    !w->sad || !w->spd_memo.cache || !w->spd_memo6.cache) {
		worker_destroy(w);
		return NULL;
	}
	return w;
}

static void ring_drain_free(struct rte_ring *r)
{
	struct rte_mbuf *m = NULL;

	if (r == NULL)
		return;
	while (rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	rte_ring_free(r);
}

void worker_destroy(struct worker *w)
{
	if (w == NULL)
		return;
	sad_free(w->sad);
	rte_free(w->spd_memo.cache);
	rte_free(w->spd_memo6.cache);
	crypto_mgr_fini(&w->crypto);
	rte_ring_free(w->msgs);
	rte_ring_free(w->events);
	ring_drain_free(w->punt);
	ring_drain_free(w->tx);
	ring_drain_free(w->handoff);
	for (uint16_t p = 0; p < WORKER_PORTS_MAX; p++)
		for (uint16_t i = 0; i < w->txb[p].n; i++)
			rte_pktmbuf_free(w->txb[p].pkts[i]);
	rte_free(w);
}
