/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * espritd's control-plane state: configuration, ports, workers, the SA
 * driver, the neighbour table, and what the management API reads.
 */
#ifndef ESPRIT_CONTROL_GW_H
#define ESPRIT_CONTROL_GW_H

#include <stdbool.h>
#include <stdint.h>
#include <intel-ipsec-mb.h>

#include "control/config.h"
#include "dataplane/fib.h"
#include "dataplane/worker.h"
#include "drivers/ipsec.h"

struct esp_steer;
struct ike_engine;
struct ike_io;
struct ipfrag_table;
struct reload_report;
struct rte_mbuf;
struct rte_rcu_qsbr;

/** A neighbour learned by ARP/ND (static ones come from the config). */
struct gw_neigh {
	struct fib_neigh n;
	uint64_t seen;                        /**< monotonic ms */
	uint64_t asked;                       /**< last request sent, ms */
	bool resolved;
};

struct gw_ctl_stats {
	uint64_t arp_in, arp_replies, nd_in, nd_replies, echo_replies;
	uint64_t too_big_sent, resolves, ike_in, ignored, tx_full;
	uint64_t frags_out;                   /**< IP fragments of our own datagrams */
};

struct gw {
	struct esprit_config cfg;
	uint16_t n_ports;
	uint16_t port_id[CFG_PORTS_MAX];      /**< DPDK port id per config port */
	uint16_t n_workers;
	struct worker *workers[WORKER_MAX];
	struct drv_ipsec *ipsec;              /**< SA-programming interface */
	struct esp_steer *steer;              /**< ESP to its SA's worker's queue, or NULL */
	struct rte_mempool *pool;
	struct rte_rcu_qsbr *qsbr;
	IMB_MGR *mgr;                         /**< control thread's, key expansion */
	struct fib *fib;                      /**< published snapshot */
	unsigned n_neigh, cap_neigh;
	struct gw_neigh *neigh;
	struct gw_ctl_stats ctl;
	struct ike_io *ike_io;                /**< IKE datagrams (punt mode), or NULL */
	struct ipfrag_table *ipfrag;          /**< reassembly of IKE's IP fragments, or NULL */
	struct ike_engine *ike;               /**< IKEv2, when connections are configured */
	volatile bool stop;
	volatile bool reload;                 /**< SIGHUP: reload the configuration */
	/** `reload` of the management socket (control/reload.c), NULL: none */
	int (*reload_fn)(struct gw *g, struct reload_report *r, char *err, size_t errlen);
	uint64_t started;                     /**< time(NULL) at start */
	int mgmt_fd;
};

/** A lifetime event of a static SA (not IKE's): static SAs cannot be
 *  rekeyed, so a hard expiry removes the SA and a soft one is reported. */
void gw_static_sa_event(struct gw *g, const struct esp_event *ev);

/** Install every SA and policy of gw->cfg through gw->ipsec. */
int gw_program_config(struct gw *g, char *err, size_t errlen);

/** Rebuild the FIB from config and neighbours and hand it to workers. */
int gw_fib_publish(struct gw *g);

/** Handle one packet punted by a worker (ARP, ND, ICMP, IKE, too-big). */
void ctl_punt(struct gw *g, struct rte_mbuf *m);

/** Send an IP packet (data starts at the IP header) through worker 0. */
void ctl_send_ip(struct gw *g, struct rte_mbuf *m);

/**
 * Send the IP packet @p pkt (@p len octets, from memory) through worker 0,
 * in IP fragments (RFC 791 / RFC 8200 §4.5) when it is larger than the
 * next hop's MTU. Returns the number of packets sent, -EHOSTUNREACH (no
 * route), -EAGAIN (next hop being resolved) or another -errno.
 */
int ctl_send_ip_buf(struct gw *g, const uint8_t *pkt, size_t len);

/** Ask for the MAC of next hops that are still unresolved (timer). */
void ctl_resolve_tick(struct gw *g);

/** Monotonic milliseconds. */
uint64_t gw_now_ms(void);

#endif
