/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * esprit-bench: the dataplane measured against the physical limit of its
 * harness (see README "Benchmark" and docs/benchmark.md).
 *
 * One worker lcore runs the real worker loop (worker_main) between a
 * generator port (net_pcap, rx_pcap=FILE, infinite_rx=1) and an output
 * port (net_null, no-rx=1). In the same run the harness's own I/O cost
 * (an io-forward loop over the same two ports and the same pcap, as
 * testpmd --forward-mode=io does it) and the raw AEAD cost (IPsec-MB's
 * fastest API for the cipher and size, on the same core) are measured; the
 * limit is 1 / (I/O time + crypto time) per packet. The three run in turn
 * on the same lcore in short interleaved rounds (bench_rounds.c).
 */
#ifndef ESPRIT_BENCH_H
#define ESPRIT_BENCH_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <intel-ipsec-mb.h>
#include <rte_common.h>

#include "dataplane/sa.h"

enum bench_limits {
	BENCH_SIZE_IMIX = 0,        /**< case size 0: 7:4:1 of 64/576/1420 */
	BENCH_WORKERS_MAX = 2,
	BENCH_CRYPTO_LENS = 4096,   /**< cache of measured AEAD lengths */
};

enum bench_dir { BENCH_OUT, BENCH_IN };

enum { BENCH_PEERS_MAX = 1 << 16 };  /**< --peers: addresses bench_peer() makes */
enum { BENCH_HOSTS_MAX = 65279 };    /**< --hosts: 10.1.1.0 to 10.1.255.254 (bench_host()) */

/** Outbound with several workers: the tunnels their packets take. */
enum bench_tunnel {
	BENCH_TUNNEL_EACH,          /**< a tunnel (policy and SA) for each worker */
	BENCH_TUNNEL_ONE_SA,        /**< one tunnel, one SA (worker 0's): the
				     *   other worker hands its packets over */
	BENCH_TUNNEL_PER_RESOURCE,  /**< one tunnel, an SA of each worker
				     *   (RFC 9611 per-resource SAs) */
};

/** One measured configuration. */
struct bench_case {
	enum bench_dir dir;
	enum esp_cipher cipher;
	bool iiv;                   /**< RFC 8750 implicit IV */
	uint8_t family;             /**< the clear packets' (inner), AF_INET / AF_INET6 */
	uint8_t outer;              /**< the tunnel's (outer) */
	uint32_t size;              /**< frame octets without FCS, or BENCH_SIZE_IMIX */
	uint32_t n_sas;             /**< SAs installed */
	uint32_t flows;             /**< packets in the pcap (1: the one-SA default) */
	uint16_t workers;           /**< 1 or 2 (multi-core runs) */
	bool spread;                /**< 2 workers: half of each port's SAs
				     *   belong to the other worker (handoff) */
	enum bench_tunnel tunnel;   /**< outbound, 2 workers: one tunnel for
				     *   both ports' packets, or one each */
	uint32_t peers;             /**< many SAs: the peer gateways at the
				     *   tunnels' far ends (SA k's peer k % peers;
				     *   1: all one) */
	uint32_t hosts;             /**< outbound: each site's hosts the clear
				     *   packets go between (packet i from host
				     *   i % hosts, with one SA to host
				     *   7i % hosts; 1: one host each) */
};

/**
 * What a case measured. The I/O loop, the crypto loop and esprit run in
 * turn on the same lcore(s) in short rounds; each round gives all three
 * and its own fraction, and the case reports medians over the rounds.
 * Rates are packets per CPU-second of the measured threads (summed over
 * workers).
 */
struct bench_result {
	double mpps, gbps, cycles_pkt;  /**< medians over the rounds */
	double mpps_best;           /**< best round, to show the noise */
	double io_mpps;             /**< harness alone on the same pcap (median) */
	double crypto_cycles;       /**< per packet over the pcap's mix (median) */
	double crypto_cycles_best;  /**< fastest of short trials, for reference */
	double limit_mpps;          /**< 1 / (I/O time + crypto time), median */
	double fraction;            /**< median of the rounds' fractions */
	double fraction_q1, fraction_q3;    /**< their interquartile range */
	double io_mpps_best;        /**< best round of the I/O loop */
	double fraction_best;       /**< best round's fraction */
	unsigned rounds_planned;    /**< from --time */
	unsigned rounds;            /**< rounds measured (fewer on a busy core) */
	unsigned rounds_used;       /**< rounds the medians are over */
	unsigned rounds_slow;       /**< left out: the host slowed them down */
	bool host_slow;             /**< too few quiet rounds: the fraction reads
				     *   high (short frames) or low (long ones) */
	double *round_fraction;     /**< per-round fractions (rounds_used, malloc'd) */
	double avg_frame;           /**< octets per input frame */
	uint64_t rx, tx, drops;     /**< worker counters over the case */
	const char *drop_top;       /**< most frequent drop reason, if any */
	uint64_t drop_top_n;
	double setup_s;             /**< SA programming time */
	double sa_bytes;            /**< dataplane memory per SA (esp_sa + SAD) */
	double ctl_sa_bytes;        /**< control-plane bookkeeping per SA */
	const char *crypto_api;     /**< which IPsec-MB API the crypto loop used */
	double pace_cycles;         /**< the core's pace over the rounds used (median) */
	double pace_ratio;          /**< that over the run's fastest case's, or a
				     *   quiet core's (bench_pace_mark(); 0: unknown) */
	unsigned again;             /**< times measured again at the end (--again) */
	bool again_kept;            /**< the figures are of such a measurement */
	/** --floor: the ESP floor's rate and fraction of the limit (medians),
	 *  or why there is none (NULL: measured) */
	double floor_mpps, floor_fraction;  /**< floor_mpps: floor_fraction x limit_mpps */
	const char *floor_none;
	bool floor_failed;          /**< the case fits the floor, which failed it */
	int error;
};

/* ---- packet and pcap generation (bench_gen.c) ------------------------- */

struct rte_mempool;
/** The mbuf pool of the run (pcap caching, generation, the workers). */
extern struct rte_mempool *bench_pool;

/** Addresses of the bench topology: inner 10.1/10.2 or fd01/fd02, outer
 *  192.0.2.x or 2001:db8::x. */
struct bench_topo {
	uint8_t family;                          /**< inner */
	struct esp_addr inner_src, inner_dst;   /**< host A → host B */
	struct esp_addr gw_local, gw_remote;    /**< tunnel endpoints (outer) */
};

/** The topology of case @p c (its inner and outer families). */
void bench_topo(struct bench_topo *t, const struct bench_case *c);

/** SA parameters of the case's SA @p k, shared by the outbound SA, the
 *  inbound SA and the pcap. */
void bench_sa_params(struct esp_sa_params *p, const struct bench_case *c,
		     const struct bench_topo *t, uint32_t k, enum esp_dir dir);

/** Frame sizes of a case's pcap, in order (IMIX expands to its 12-cycle). */
unsigned bench_frame_sizes(const struct bench_case *c, uint32_t *sizes, unsigned max);

/** The SPI of SA number @p k of a case (random-looking for inbound). */
uint32_t bench_spi(const struct bench_case *c, uint32_t k);
/** The worker that owns SA number @p k. */
uint16_t bench_owner(const struct bench_case *c, uint32_t k);
/** Inner destination of SA number @p k (outbound with several SAs: /32 each). */
void bench_inner_dst(const struct bench_case *c, const struct bench_topo *t, uint32_t k,
		     uint8_t out[16]);

/**
 * Write the pcap a case replays to @p path. Outbound: clear UDP frames
 * host A → host B. Inbound: the same frames encrypted by esprit's own
 * esp_outbound for the SA (or, with many SAs, for a random one each).
 * @p port selects the generator port's share of the SAs when several
 * workers run (each port feeds one worker). Fills the AEAD length of every packet in @p ct_lens (up to @p max) and
 * returns the packet count, or -1.
 */
int bench_pcap_write(const char *path, const struct bench_case *c, uint16_t port,
		     IMB_MGR *mgr, uint32_t *ct_lens, unsigned max, double *avg_frame);

/* ---- cold memory (bench_mem.c) --------------------------------------- */

/**
 * What touching a line of a random 4 KiB page of a @p bytes region of the
 * EAL's heap costs, as many SAs spanning that much memory do: *load, the
 * cycles of a load that depends on the one before (latency); *prefetch,
 * the cycles a prefetch issued far ahead takes from the core. -1 when
 * the memory is not there.
 */
void bench_cold_cycles(size_t bytes, double *load, double *prefetch);

/* ---- raw crypto cost (bench_crypto.c) --------------------------------- */

/**
 * Cycles of one AEAD pass over @p len octets (encrypt for outbound,
 * decrypt for inbound) on the calling core, with the fastest of the APIs
 * tried; *api names it. ChaCha20-Poly1305 tries the direct and the job
 * API (jobs submitted in bursts of 32, as a burst of packets would be).
 */
double bench_crypto_cycles(IMB_MGR *mgr, enum esp_cipher cipher, bool encrypt, uint32_t len,
			   const char **api);

/**
 * The crypto loop: runs on an lcore until @c stop, one AEAD pass per
 * entry of @c lens in order (and round again), in place over a burst of
 * buffers of its own, and counts the operations in @c ops.
 */
struct bench_crypto_loop {
	IMB_MGR *mgr;               /**< one per lcore */
	enum esp_cipher cipher;
	bool encrypt;
	const uint32_t *lens;       /**< AEAD lengths of the pcap's packets */
	const uint8_t *job;         /**< ChaCha20-Poly1305: 1 = job API for that packet */
	uint32_t n;
	volatile bool stop;
	uint64_t ops;               /**< operations so far, published per burst */
	double pace;                /**< the core's pace as the loop started: cycles
				     *   of a fixed AES-128-GCM call (bench_pace_mark()) */
	void *state;                /**< buffers and key schedule */
} __rte_cache_aligned;

/** Allocate @p l's buffers and key schedule (mgr and cipher set). */
int bench_crypto_loop_init(struct bench_crypto_loop *l);
void bench_crypto_loop_fini(struct bench_crypto_loop *l);
/** The lcore function of the crypto loop. */
int bench_crypto_loop(void *arg);

/** Both ChaCha20-Poly1305 paths for the report: direct and job API. */
void bench_chacha_paths(IMB_MGR *mgr, bool encrypt, uint32_t len, double *direct, double *job);

/* ---- the targets (bench_targets.c) ------------------------------------ */

enum bench_target_verdict {
	BENCH_TARGET_MET,           /**< the median reaches the target */
	BENCH_TARGET_IN_IQR,        /**< below it, but the rounds' IQR reaches it */
	BENCH_TARGET_MISSED,
};

/** A target judged on a run's case: a fraction of the limit for one SA,
 *  or (@c one set) a million SAs' fraction against one SA's. */
struct bench_target {
	const struct bench_case *c;
	const struct bench_result *r;
	const struct bench_result *one;     /**< many SAs: the one-SA case measured */
	double value;               /**< the fraction, or many SAs' / one SA's */
	double min;                 /**< the target */
	enum bench_target_verdict verdict;
};

/**
 * The targets that the @p n cases measured (@p rs beside @p cs; a case
 * that failed counts as not measured), in the README's order: AES-128-GCM
 * and ChaCha20-Poly1305, outbound and inbound at 64 and 1420 octets (one
 * worker, IPv4 tunnel, explicit IV, one SA), then a million inbound
 * AES-128-GCM SAs at 64 octets against one. Writes up to @p max to
 * @p out and returns how many.
 */
unsigned bench_targets(const struct bench_case *cs, const struct bench_result *rs, unsigned n,
		       struct bench_target *out, unsigned max);
/**
 * A case whose core ran this much slower than a quiet core, by the pace
 * reference, ran on a slowed core throughout: its own rounds could not
 * tell (they are judged against each other). On the README's machine
 * 463 cases' paces fell in two clusters, 1.00-1.14 and 1.26-1.40 times
 * the quietest (a few up to 1.9), with few between; in the slow one
 * outbound AES-128-GCM read 0.04 (64 octets) to 0.12 (1420) lower. 1.12
 * also flags the top of the quiet cluster, where 1420-octet cases
 * already read low now and then (0.85).
 */
#define BENCH_PACE_SLOW 1.12

/**
 * Set each measured case's pace_ratio against the fastest pace of the
 * @p n cases, or @p quiet when that is faster (a quiet core's pace on
 * this machine, from earlier runs: bench_pace_history(); 0: none);
 * returns how many reach BENCH_PACE_SLOW.
 */
unsigned bench_pace_mark(struct bench_result *rs, unsigned n, double quiet);

struct json_t;

/**
 * The quietest pace (pace_cycles) among the cases of the JSON results
 * (esprit-bench --json) in @p dir that ran on a machine like @p machine
 * (a JSON object: the same "cpu_model", "tsc_ghz", "ipsec_mb" and
 * "ipsec_mb_arch"), and in *@p runs how many such files there were; 0
 * when none. A shared host may slow the core for minutes, longer than a
 * whole run, and only earlier runs can then say how fast it is when quiet.
 */
double bench_pace_history(const char *dir, const struct json_t *machine, unsigned *runs);

/** "met", "missed", ... */
const char *bench_target_verdict(enum bench_target_verdict v);
/** The targets section of the report (nothing when @p n is 0). */
void bench_targets_print(FILE *f, const struct bench_target *t, unsigned n);

#endif
