/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The worker lcore: a poll loop over its RX queues that sorts each burst
 * into ESP-in, clear-out, punt and drop, runs each batch, routes and sends.
 *
 * A worker never waits for the control thread and never takes a lock. All
 * changes arrive as struct dp_msg on its msgs ring and are applied between
 * bursts; the worker reports an RCU quiescent state once per loop.
 */
#ifndef ESPRIT_DATAPLANE_WORKER_H
#define ESPRIT_DATAPLANE_WORKER_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "dataplane/drop.h"
#include "dataplane/fib.h"
#include "dataplane/crypto_mgr.h"
#include "dataplane/spd.h"
#include "dataplane/xform.h"

enum worker_limits {
	WORKER_BURST = 32,
	WORKER_MAX = 16,
	WORKER_PORTS_MAX = 16,
	WORKER_RXQ_MAX = 32,
	WORKER_RING_SIZE = 1024,
	/* About how many octets of frames a poll asks a queue for
	 * (worker_rx_want()), and the fewest frames, of which it asks a
	 * multiple (vector PMDs take 4 or 8 descriptors a step). */
	WORKER_RX_BYTES = 16384,
	WORKER_RX_MIN = 8,
};
static_assert(WORKER_BURST % WORKER_RX_MIN == 0, "worker_rx_want() steps down from WORKER_BURST");

/** Control → worker messages (copied by value through an elem ring). */
enum dp_msg_type {
	DP_MSG_SA_ADD = 1,   /**< insert sa into this worker's SAD (inbound) */
	DP_MSG_SA_DEL,       /**< remove spi from this worker's SAD */
	DP_MSG_SA_REPLACE,   /**< copy live state from old to new, then swap */
	DP_MSG_SPD_SET,      /**< new outbound SPD snapshot */
	DP_MSG_FIB_SET,      /**< new routes/neighbours/labels snapshot */
};

struct dp_msg {
	uint32_t type;
	uint32_t spi;
	void *obj;           /**< esp_sa / spd / fib */
	void *old;           /**< DP_MSG_SA_REPLACE: the SA being replaced */
};

/** Why a packet was punted to the control thread (in mbuf->hash.usr). */
enum punt_reason {
	PUNT_LOCAL = 1,      /**< addressed to the gateway: IKE, ARP, ND, ICMP */
	PUNT_TOO_BIG,        /**< needs an ICMP "too big" (MTU in upper 16 bits) */
	PUNT_RESOLVE,        /**< next hop unresolved: ask ARP/ND (packet dropped) */
};

struct worker_stats {
	uint64_t rx, tx;
	uint64_t rx_bursts;           /**< bursts received: rx / rx_bursts frames a burst, near
				       *   32 (or what worker_rx_want() asks) when saturated */
	uint64_t esp_in, esp_out;     /**< packets through the transforms */
	uint64_t bypass;              /**< forwarded in the clear by policy */
	uint64_t punted;
	uint64_t handoff_in, handoff_out;
	uint64_t esp_in_express;      /**< ESP frames taken the express way (worker_express.c) */
	uint64_t esp_in_express_sas;  /**< of those, frames of bursts of many SAs */
	uint64_t esp_out_express;     /**< clear frames taken the express way */
	uint64_t esp_out_express_queued;  /**< classified clear packets sent the express
					   *   transform's way (esp_out_express_batch()) */
	uint64_t msgs;                /**< control messages applied */
	uint64_t loops, busy_loops;
};

struct sad;
struct rte_ring;
struct rte_rcu_qsbr;
struct rte_mempool;

struct worker_rxq {
	uint16_t port, queue;
	uint16_t want;                /**< frames to ask for next (0: WORKER_BURST) */
};

struct worker_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[WORKER_BURST * 2];
};

/*
 * How many frames to ask a queue for next, going by the burst @p pkts of
 * @p n it just gave: about WORKER_RX_BYTES of them, a multiple of
 * WORKER_RX_MIN up to WORKER_BURST. Long frames then come 8 at a time,
 * and a burst's data is still in L1 when the transforms read it and write
 * it back (32 frames of 1.5 KB are 48 KB, all of L1d on the machines
 * measured); 1 KB frames come 16 at a time, 512 octets and shorter 32.
 * Measured (AES-128-GCM, one SA, esprit-bench's net_pcap port): 1420-octet
 * frames read 0.84 / 0.80 of the limit out / in, against 0.80 / 0.76 at 32.
 */
static inline uint16_t worker_rx_want(struct rte_mbuf *const *pkts, uint16_t n)
{
	uint64_t bytes = 0, room = (uint64_t)WORKER_RX_BYTES * n;
	uint16_t want;

	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(pkts[i]);
	/* the most frames of the burst's mean length that fit the room:
	 * compares, not a 64-bit division a poll */
	for (want = WORKER_BURST; want > WORKER_RX_MIN; want -= WORKER_RX_MIN)
		if (room >= want * bytes)
			break;
	return want;
}

/**
 * An IPv4 flow's frames as the classifier's flow memo and the express
 * ways image them (worker_int.h, "flow memo"): the frame's octets under a
 * mask (flow_memo_mask[] and its kin), and the one destination port they
 * must not be to.
 */
struct flow_memo {
	uint64_t want[4];        /**< the 32 octets from frame offset 10, masked */
	/** the destination port (network order) of the frames not spoken
	 *  for: a UDP flow's NAT-T port, else FLOW_MEMO_NO_PORT */
	uint32_t natt;
	struct esp_sa *sa;       /**< the SA that protects it; NULL: empty */
};

/** An IPv6 flow's, for the express ways (worker_express.c): the 48
 *  octets from frame offset 12 (the EtherType, the version, the next
 *  header and the addresses; not the traffic class, flow label, payload
 *  length or hop limit), masked, and the NAT-T port as struct flow_memo's. */
struct flow_memo6 {
	uint64_t want[6];
	uint32_t natt;
};

/** A burst's flow for the express ways, IPv4 or IPv6. */
union express_flow {
	struct flow_memo m4;
	struct flow_memo6 m6;
};

/**
 * What the outbound express way decided for its last burst
 * (esp_out_express_take(), worker_express.c): the first frame's flow
 * under flow_memo_mask[] or the IPv6 one, and the SPD's rule for that
 * flow, which protects it with an SA of this worker's. A burst whose
 * first frame the memo speaks for skips that frame's checks, the own
 * addresses and the SPD. Emptied by every control message
 * (worker_apply_msgs()): a new SPD, FIB or SA comes as one, and the rule
 * lives until the worker has applied the message that retires it (RCU).
 */
struct out_express_memo {
	union express_flow fl;
	uint8_t family;               /**< AF_INET or AF_INET6; 0: empty */
	const struct spd_rule *rule;
};

/** Everything one worker owns; one cache-aligned struct per lcore. */
struct worker {
	uint16_t id;
	unsigned lcore;
	uint16_t n_workers;
	uint16_t n_rxq;
	struct worker_rxq rxq[WORKER_RXQ_MAX];
	uint16_t txq;                 /**< this worker's TX queue on every port */

	struct esp_ctx ctx;           /**< IMB manager, drop counters, event ring */
	struct sad *sad;              /**< SPI → struct esp_sa *, owned inbound SAs */
	const struct spd *spd;        /**< outbound policy snapshot */
	struct spd_memo4 spd_memo;    /**< last IPv4 lookup in spd */
	struct spd_memo6 spd_memo6;   /**< last IPv6 lookup in spd */
	const struct fib *fib;        /**< routes, neighbours, labels, own addresses */
	const struct fib_locals *locals; /**< fib_locals_for(fib, id), taken with fib */
	/** The inbound express way's last run's next hop, for
	 *  esp_in_express() to forward to in its pass (family 0: none);
	 *  cleared with the FIB it came from. */
	struct esp_in_via in_via;
	uint16_t in_via_port;

	struct rte_ring *msgs;        /**< control → worker, struct dp_msg */
	struct rte_ring *punt;        /**< worker → control, mbufs */
	struct rte_ring *tx;          /**< control → worker, mbufs to send (port in mb->port) */
	struct rte_ring *handoff;     /**< other workers → owner, mbufs */
	struct rte_ring *events;      /**< worker → control, struct esp_event */
	struct worker **peers;        /**< all workers, for handoff */
	struct rte_rcu_qsbr *qsbr;
	struct rte_mempool *pool;     /**< for IPv4 pre-fragmentation */

	uint32_t idle_sleep_us;       /**< nap after idle polls; 0 = never */
	uint32_t tx_pending;          /**< bit p: txb[p] may hold packets */
	struct worker_stats stats;
	struct worker_txbuf txb[WORKER_PORTS_MAX];
	volatile bool stop;
	bool rcu_online;              /**< reporting to qsbr (worker_rcu_online()) */
	struct crypto_mgr crypto;     /**< ctx.mgr and the library copy it came from */
	/** The last rule (spd_match.alone) of spd whose destination prefix
	 *  holds none of fib's own addresses nor an IPv6 multicast group:
	 *  the outbound express way widened to it asks no frame's
	 *  destination (esp_out_express_dst_asked()). NULL with each new
	 *  spd or fib. Last, where no field of every burst's moves for it. */
	const struct spd_rule *out_wide_clear;
	struct out_express_memo out_memo;  /**< last, for the same reason */
} __rte_cache_aligned;

struct worker_conf {
	const char *tag;              /**< prefix for ring/table names ("" ok) */
	uint16_t id, n_workers;
	uint32_t sad_entries;         /**< inbound SAs this worker can own */
	uint32_t idle_sleep_us;
	struct rte_rcu_qsbr *qsbr;
	struct rte_mempool *pool;
	struct worker **peers;        /**< array of n_workers, filled by caller */
};

/**
 * The mbuf pool the workers receive into (rte_pktmbuf_pool_create's
 * arguments, 256 mbufs cached per lcore, the default data room). Without
 * hugepages (IOVA as VA) its mbufs are packed 37 lines apart as on
 * hugepages, rather than one at the start of each 4 KiB page, where
 * every mbuf header falls in the same L1 set. NULL with rte_errno set.
 */
struct rte_mempool *worker_pool_create(const char *name, unsigned n, int socket);

/** Allocate a worker with its rings, SAD and IPsec-MB manager. */
struct worker *worker_create(const struct worker_conf *c);
/** Free a stopped worker (mbufs left in its rings are freed too). */
void worker_destroy(struct worker *w);

/**
 * Make @p w a reader that grace periods wait for, from now on: before the
 * first message that names a shared object is sent to it. A worker that
 * came online only when its lcore first ran would let a grace period
 * started before then end at once, freeing what its queued messages
 * still name (applying a FIB message reads the FIB). worker_main() does
 * it itself if no one did before.
 */
void worker_rcu_online(struct worker *w);

/** The lcore entry point: runs until w->stop, then goes offline. */
int worker_main(void *arg);

/**
 * One iteration of the loop: messages, RX, handoffs, control TX, flush,
 * quiescent state. Returns the packets handled (0 = idle).
 */
unsigned worker_poll(struct worker *w);

/** Send what process_burst queued (tests call it after a burst). */
void worker_flush(struct worker *w);

/** Apply pending control messages (also used by tests). */
void worker_apply_msgs(struct worker *w);

/** Process one burst of received packets (exposed for tests and bench). */
void worker_process_burst(struct worker *w, uint16_t in_port, struct rte_mbuf **pkts, uint16_t n);

#endif
