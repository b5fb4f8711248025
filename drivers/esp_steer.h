/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Inbound ESP put on its SA's worker's RX queue by the NIC (rte_flow).
 *
 * An inbound SA belongs to worker spi % workers (ipsec_ring.c), and worker
 * w polls RX queue w of every port (gw.c). RSS hashes the outer addresses
 * and ports, so all of one peer's ESP lands on one queue whatever its SPI,
 * and (N-1)/N of it is handed over a ring to its SA's owner: a handed
 * packet costs 300 to 1000 cycles more (docs/benchmark-rounds.md, twenty-ninth
 * round), and a peer's per-resource SAs (RFC 9611) spread no decryption
 * work until their packets reach their owners. A NIC that matches the ESP
 * header's SPI puts each packet on its owner's queue instead. For each
 * port and each kind of ESP, the first mode the NIC accepts:
 *
 * - masked: with a power-of-two worker count N, N rules
 *   (SPI & (N-1) == w -> queue w) cover every SA there will ever be;
 * - exact: a NIC that matches only whole SPIs (Intel's FDIR, for one)
 *   gets a rule per inbound SA, made with the SA and removed with it;
 * - none: the NIC cannot, or refused; RSS and the handoff stay.
 *
 * Steering is a hint and nothing more: a packet on another queue is still
 * handed to its owner, so a refused rule (a full table) costs speed, never
 * a packet. The kinds are ESP over IPv4 and IPv6, and ESP in UDP to port
 * 4500 (RFC 3948) over each; an IKE message there has the non-ESP marker
 * (zero) where the SPI would be, so a masked rule sends it to queue 0 and
 * no exact rule matches it (no SA has SPI 0), and workers punt it as ever.
 *
 * Control thread only; rules are made and destroyed while workers poll.
 */
#ifndef ESPRIT_DRIVERS_ESP_STEER_H
#define ESPRIT_DRIVERS_ESP_STEER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_flow.h>

#include "dataplane/addr.h"

enum esp_steer_kind {
	ESP_STEER_IP4,     /**< ESP over IPv4 */
	ESP_STEER_IP6,     /**< ESP over IPv6 */
	ESP_STEER_UDP4,    /**< ESP in UDP (port 4500) over IPv4 */
	ESP_STEER_UDP6,    /**< ESP in UDP (port 4500) over IPv6 */
	ESP_STEER_KINDS
};

enum esp_steer_mode {
	ESP_STEER_NONE,    /**< not steered: RSS, then the handoff */
	ESP_STEER_MASKED,  /**< N rules on the SPI's low bits */
	ESP_STEER_EXACT,   /**< a rule per inbound SA */
};

/** The flow API, rte_flow's own functions but for unit tests' NICs. */
struct esp_steer_flow_ops {
	int (*validate)(uint16_t port, const struct rte_flow_attr *attr,
			const struct rte_flow_item pattern[], const struct rte_flow_action actions[],
			struct rte_flow_error *err);
	struct rte_flow *(*create)(uint16_t port, const struct rte_flow_attr *attr,
				   const struct rte_flow_item pattern[],
				   const struct rte_flow_action actions[], struct rte_flow_error *err);
	int (*destroy)(uint16_t port, struct rte_flow *flow, struct rte_flow_error *err);
};

/** rte_flow_validate(), rte_flow_create(), rte_flow_destroy(). */
extern const struct esp_steer_flow_ops esp_steer_rte_flow;

/**
 * One rule's pattern and action, built by esp_steer_rule_build(): the
 * items point into the struct, so it must not be copied once built.
 */
struct esp_steer_rule {
	struct rte_flow_attr attr;
	struct rte_flow_item pattern[5];
	struct rte_flow_action actions[2];
	struct rte_flow_item_udp udp, udp_mask;
	struct rte_flow_item_esp esp, esp_mask;
	struct rte_flow_action_queue queue;
};

/** ESP of @p kind whose SPI & @p mask is @p spi & @p mask to @p queue. */
void esp_steer_rule_build(struct esp_steer_rule *r, enum esp_steer_kind kind, uint32_t spi,
			  uint32_t mask, uint16_t queue);

struct esp_steer;
struct esp_steer_sa;

/** A port to steer on: its DPDK id and its RX queues (worker w polls
 *  queue w; a port with fewer queues than workers is not steered). */
struct esp_steer_port {
	uint16_t port_id;
	uint16_t rx_queues;
};

/**
 * Choose each port's modes (validating, and making the masked rules) for
 * @p n_workers workers. Never fails for a NIC's sake (a NIC that can do
 * nothing gets mode none); NULL only without memory.
 */
struct esp_steer *esp_steer_open(const struct esp_steer_port *ports, unsigned n_ports,
				 uint16_t n_workers, const struct esp_steer_flow_ops *ops);
/**
 * Port @p port_index (as given to open) is the one ESP to @p addr
 * arrives on: an SA with that local address gets its exact rules there
 * only (an SA whose local address no port was given gets them on every
 * port). 0 or -ENOMEM.
 */
int esp_steer_port_addr_add(struct esp_steer *st, unsigned port_index,
			    const struct esp_addr *addr);
/** Destroy every rule (before the ports stop) and free. NULL: nothing. */
void esp_steer_close(struct esp_steer *st);

/** The mode of port @p port_index (as given to open) for @p kind; with
 *  mode none, @p why (if not NULL) says what the NIC answered. */
enum esp_steer_mode esp_steer_mode_of(const struct esp_steer *st, unsigned port_index,
				      enum esp_steer_kind kind, const char **why);
/** What the NIC answered for the first kind port @p port_index does not
 *  steer; NULL when it steers every kind. */
const char *esp_steer_why(const struct esp_steer *st, unsigned port_index);
const char *esp_steer_mode_name(enum esp_steer_mode mode);
const char *esp_steer_kind_name(enum esp_steer_kind kind);

/**
 * The exact rules of a new inbound SA owned by worker @p owner, whose ESP
 * of @p kind arrives at @p local: one on each port in mode exact for that
 * kind that has @p local (esp_steer_port_addr_add()), or on every such
 * port if none has it; NULL when none was needed or made. Rules the NIC
 * refuses are counted (esp_steer_counts_of()), not errors: the SA's
 * packets are then handed to its owner as without steering.
 */
struct esp_steer_sa *esp_steer_sa_add(struct esp_steer *st, uint32_t spi, uint16_t owner,
				      enum esp_steer_kind kind, const struct esp_addr *local);
/** The kind of ESP an SA receives: its outer family, ESP in UDP or not. */
enum esp_steer_kind esp_steer_kind_of(int family, bool natt);
/** Remove what esp_steer_sa_add() made (NULL: nothing). */
void esp_steer_sa_del(struct esp_steer *st, struct esp_steer_sa *sa);

struct esp_steer_counts {
	uint64_t rules;    /**< rules in the NICs now, masked and exact */
	uint64_t refused;  /**< exact rules the NICs refused since start */
};
/** Counts of port @p port_index. */
void esp_steer_counts_of(const struct esp_steer *st, unsigned port_index,
			 struct esp_steer_counts *out);

#endif
