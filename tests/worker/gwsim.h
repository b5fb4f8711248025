/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Two simulated gateways (A and B) in one process for worker tests: each a
 * worker with LAN and WAN ports backed by rte_rings, a FIB like espritd's,
 * and the real ring driver to program SAs and policies.
 *
 *   host A 10.1.0.1 / fd01::1 ── A lan | A wan 192.0.2.1 / 2001:db8::1
 *                                 ── B wan 192.0.2.2 / 2001:db8::2 | B lan ── host B 10.2.0.1
 */
#ifndef ESPRIT_TESTS_GWSIM_H
#define ESPRIT_TESTS_GWSIM_H

#include <stdbool.h>
#include <stdint.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/worker.h"
#include "drivers/ipsec.h"

struct gwsim {
	uint16_t n_workers;
	struct worker *w;              /**< worker 0 */
	struct worker *peers[2];
	struct drv_ipsec *drv;
	struct rte_rcu_qsbr *qsbr;
	IMB_MGR *mgr;
	uint16_t lan, wan;
	struct rte_ring *lan_tx[2], *wan_tx[2];
	struct rte_ring *lan_rx[2], *wan_rx[2];   /**< what the test enqueues to be polled */
	struct fib *fib;
};

struct combo {
	enum esp_cipher cipher;
	uint32_t flags;
	enum esp_mode mode;
	int inner, outer;
};

extern struct rte_mempool *gwsim_pool;
extern struct gwsim A, B;
extern const struct rte_ether_addr mac_a_lan, mac_a_wan, mac_b_lan, mac_b_wan, mac_host_a,
	mac_host_b;

/** EAL, mbuf pool, gateways A and B (one worker each). */
void gwsim_setup(const char *prefix);
/** A gateway like A with @p n_workers workers, named by @p tag. */
void gwsim_init(struct gwsim *g, char tag, uint16_t n_workers);
/** Free a gateway (workers, driver, IPsec-MB managers, FIB). */
void gwsim_free(struct gwsim *g);
/** Free A and B (fixture teardown: LeakSanitizer sees a clean exit). */
void gwsim_teardown(void);
/** @p g as a test that passed leaves it: its workers' TX buffers flushed
 *  and every port ring and worker ring of packets (punt, TX, handoff)
 *  empty, so that a test that fails half-way, in a suite that does not
 *  fork, does not fail the tests after it. Says on stderr how many packets
 *  it freed, if any, and returns that. */
unsigned gwsim_sweep(struct gwsim *g);
/** gwsim_sweep() of A and B: a checked fixture's teardown. */
void gwsim_quiesce(void);

void gwsim_addr(struct esp_addr *a, const char *s);
/** Another neighbour on @p g's WAN (a third gateway), the FIB republished. */
void gwsim_wan_neigh(struct gwsim *g, const char *ip, const struct rte_ether_addr *mac);
/** Another host on @p g's LAN, the FIB republished. */
void gwsim_lan_neigh(struct gwsim *g, const char *ip, const struct rte_ether_addr *mac);
/** @p g's LAN hosts (10.X.0.1, fd0X::1) at the link address @p mac now:
 *  a new FIB snapshot, as the control thread would publish it. */
void gwsim_lan_hosts_move(struct gwsim *g, const struct rte_ether_addr *mac);
/** @p g's LAN port takes the address @p ip (/32 or /128) too, or (NULL)
 *  has its own two only again: a new FIB snapshot. */
void gwsim_lan_addr(struct gwsim *g, const char *ip);
struct rte_mbuf *gwsim_udp_frame(int family, const struct rte_ether_addr *dst_mac,
				 const char *src, const char *dst, uint16_t dport,
				 uint32_t payload, uint16_t vlan, bool df);
/** One frame through worker 0 of @p g; what came out of @p out, or NULL. */
struct rte_mbuf *gwsim_run(struct gwsim *g, uint16_t in_port, struct rte_mbuf *m,
			   struct rte_ring *out);
unsigned gwsim_drain(struct rte_ring *r);
void gwsim_sa_params(struct esp_sa_params *p, const struct combo *c, uint32_t spi,
		     enum esp_dir dir, bool a_to_b);
/** A's protect policy (id = @p spi) for the SA pair @p c, @p spi. */
void gwsim_policy_add(const struct combo *c, uint32_t spi);
/** SA pair A→B with @p spi and A's protect policy (id = spi). */
void gwsim_install(const struct combo *c, uint32_t spi);
void gwsim_uninstall(uint32_t spi);

/** The packet B delivers must be the one A got, TTL/hop limit less 2. */
void gwsim_check_delivered(struct rte_mbuf *sent_copy, struct rte_mbuf *got, int family);
/** Worker 0's drops of @p g for @p why. */
uint64_t gwsim_drops(struct gwsim *g, enum esp_drop why);
/** The IPv4 header of frame @p m, its checksum to be set again after a
 *  change (gwsim_ip4_recksum()). */
struct rte_ipv4_hdr *gwsim_frame_ip4(struct rte_mbuf *m);
void gwsim_ip4_recksum(struct rte_mbuf *m);
/** Four octets of IPv4 options (NOPs) into the IPv4 frame @p m. */
void gwsim_add_ip4_options(struct rte_mbuf *m);
/** A hop-by-hop options header (a PadN option) into the IPv6 frame @p m. */
void gwsim_add_ip6_hop_by_hop(struct rte_mbuf *m);

#endif
