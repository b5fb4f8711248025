/* SPDX-License-Identifier: BSD-3-Clause */
/** @file The bench's ports, lcores and the run of one case (bench_run.c). */
#ifndef ESPRIT_BENCH_RUN_H
#define ESPRIT_BENCH_RUN_H

#include <rte_common.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/bench/bench.h"
#include "dataplane/crypto_mgr.h"

struct worker;

struct bench_rig {
	uint16_t null_port;                     /**< net_null0,no-rx=1 */
	unsigned lcores[BENCH_WORKERS_MAX];     /**< worker lcores */
	unsigned n_lcores;
	IMB_MGR *ctl_mgr;                       /**< key expansion, pcap making */
	IMB_MGR *worker_mgr;                    /**< best-of-trials crypto, ChaCha table */
	/** the crypto loop on each lcore: a manager of its own, as a worker's */
	struct crypto_mgr loop_crypto[BENCH_WORKERS_MAX];
	char pcap_dir[512];
	bool floor;                             /**< --floor: measure the ESP floor too */
};

/** The harness alone: io forward, as testpmd --forward-mode=io. */
struct bench_ioloop {
	uint16_t rx_port, tx_port, txq;
	volatile bool stop;
	uint64_t pkts;
} __rte_cache_aligned;

/** The lcore function of the I/O loop. */
int bench_io_main(void *arg);

/* A loop's send: @p n frames of @p b on (@p port, @p txq), what the port
 * did not take freed, the running count @p *pkts published in @p *count
 * for the main thread. */
static inline void bench_send(uint16_t port, uint16_t txq, struct rte_mbuf **b, uint16_t n,
			      uint64_t *pkts, uint64_t *count)
{
	uint16_t s = rte_eth_tx_burst(port, txq, b, n);

	for (uint16_t i = s; i < n; i++)
		rte_pktmbuf_free(b[i]);
	*pkts += s;
	__atomic_store_n(count, *pkts, __ATOMIC_RELAXED);
}

struct esp_ctx;
struct fib;
struct rte_mempool;

/**
 * The ESP floor (bench_floor.c, --floor): the case's packets made into
 * what esprit sends by the least code, one SA known in advance; its rate
 * against the limit bounds what any implementation reads here.
 */
struct bench_floor {
	uint16_t rx_port, tx_port, txq;
	bool inbound;
	uint8_t iv_len;             /**< the SA's: 8, or 0 (RFC 8750) */
	bool v6;                    /**< IPv6 in IPv6, else IPv4 in IPv4 */
	enum esp_cipher cipher;
	struct esp_sa *sa;          /**< the worker's, which is stopped meanwhile */
	IMB_MGR *mgr;
	uint8_t l2[14];             /**< the next hop's Ethernet header */
	volatile bool stop;
	uint64_t pkts;
	uint64_t bad;               /**< inbound packets it could not take */
} __rte_cache_aligned;

/** Can the floor serve case @p c (one worker, one AES-GCM tunnel SA)? */
bool bench_floor_fits(const struct bench_case *c);
/** Set @p f up from the programmed worker @p w (its SA) and @p fib (the
 * L2 header); rx_port, tx_port and txq are the caller's. 0 or -EINVAL. */
int bench_floor_init(struct bench_floor *f, const struct bench_case *c, struct worker *w,
		     const struct fib *fib, IMB_MGR *mgr);
/** Does the floor make of the first frames of @p m (up to 8 of @p n) what
 * esprit's transform makes of them (copies from @p pool; @p ctx for the
 * transform)? 0 or -EPROTO. */
int bench_floor_check(struct bench_floor *f, struct rte_mbuf **m, uint16_t n,
		      struct rte_mempool *pool, struct esp_ctx *ctx);
/** The lcore function of the floor's loop. */
int bench_floor_main(void *arg);

/** CPU time of the measured thread per phase of a round (bench_rounds.c). */
enum bench_round {
	BENCH_ROUND_IO_US = 4000,
	BENCH_ROUND_CRYPTO_US = 4000,
	BENCH_ROUND_ESPRIT_US = 10000,
	BENCH_ROUND_FLOOR_US = 10000,
	BENCH_ROUND_WARM_US = 1000,     /**< before each, not counted */
};

/** What each lcore of a case runs in turn (bench_rounds.c). */
struct bench_loops {
	unsigned n;                                     /**< lcores = workers */
	unsigned lcores[BENCH_WORKERS_MAX];
	struct bench_ioloop io[BENCH_WORKERS_MAX];
	struct bench_crypto_loop cr[BENCH_WORKERS_MAX];
	struct worker *w[BENCH_WORKERS_MAX];            /**< programmed, stopped */
	struct bench_floor floor;                       /**< lcore 0's, with_floor */
	bool with_floor;                                /**< a fourth phase: the floor */
	bool esprit_only;                               /**< ESPRIT_BENCH_ONLY: no I/O, crypto */
	bool debug;                                     /**< ESPRIT_BENCH_DEBUG: print rounds */
};

/**
 * Measure a case in interleaved rounds (I/O, crypto, esprit on the same
 * lcores, ~50 ms per round, @p secs seconds of esprit in all) and fill
 * @p r's rates, crypto cost, limit and fraction with medians over the
 * rounds (r->avg_frame must be set). Returns 0 or -ENOMEM.
 */
int bench_rounds(struct bench_loops *lp, double secs, struct bench_result *r);

/** Open the output port and the IPsec-MB managers (after rte_eal_init). */
int bench_rig_init(struct bench_rig *rig);

/** Give back what bench_rig_init() took (before rte_eal_cleanup). */
void bench_rig_fini(struct bench_rig *rig);

/** Measure one case: @p secs seconds of esprit, interleaved with I/O and crypto. */
int bench_run_case(struct bench_rig *rig, const struct bench_case *c, struct bench_result *r,
		   double secs);

/** ChaCha20-Poly1305 cycles at @p len: enc direct, enc job, dec direct, dec job. */
void bench_chacha_report(struct bench_rig *rig, uint32_t len, double out[4]);

#endif
