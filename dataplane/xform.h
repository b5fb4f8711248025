/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ESP encapsulation and decapsulation of bursts (RFC 4303, RFC 3948,
 * RFC 4106, RFC 7634, RFC 8750) and the per-worker context they run in.
 *
 * Packet layout contract with the worker loop:
 * - outbound: the mbuf's data starts at the IP header of the packet to
 *   protect (no L2). Afterwards it starts at the outer IP header (tunnel)
 *   or the original IP header (transport), ready for an L2 header.
 * - inbound: the data starts at the outer IP header; mb->l3_len is that IP
 *   header's length (IPv6: up to the ESP or UDP header) and mb->l4_len is 8
 *   for ESP-in-UDP, else 0, so ESP starts at l3_len + l4_len. Afterwards the
 *   data starts at the inner IP header (tunnel) or the rebuilt IP header
 *   (transport).
 * - mb->packet_type: ESP_PTYPE_IP4_CHECKED / ESP_PTYPE_IP6_CHECKED
 *   (outbound) or ESP_PTYPE_IP4_ESP_CHECKED / ESP_PTYPE_IP6_ESP_CHECKED
 *   (inbound) say the worker's classifier validated the header in full,
 *   and the transform skips those checks; any other value and every
 *   check is made. The worker writes the field
 *   for every frame it classifies; the marks carry a bit no PMD sets, so
 *   a direct caller's mbuf with its NIC's packet type is checked in full.
 *   Afterwards it is RTE_PTYPE_UNKNOWN.
 * In both directions the function counts packets, bytes and drops, and
 * posts lifetime events; it never frees an mbuf.
 */
#ifndef ESPRIT_DATAPLANE_XFORM_H
#define ESPRIT_DATAPLANE_XFORM_H

#include <assert.h>
#include <stdint.h>
#include <rte_common.h>
#include <rte_mbuf_ptype.h>
#include <intel-ipsec-mb.h>

#include "dataplane/drop.h"
#include "dataplane/sa.h"

struct rte_ring;

/*
 * The classifier's mark: a bit outside RTE_PTYPE_ALL_MASK, which no PMD
 * sets, so a NIC's own packet type (IPv4 carrying ESP, say, checked less)
 * is never taken for it.
 */
#define ESP_PTYPE_WORKER 0x80000000u
static_assert((ESP_PTYPE_WORKER & RTE_PTYPE_ALL_MASK) == 0, "outside the PMDs' bits");
/*
 * An IPv4 header of 20 octets (no options) whose total length is the
 * mbuf's data length, in one segment, and not a fragment.
 */
#define ESP_PTYPE_IP4_CHECKED (ESP_PTYPE_WORKER | RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4)
/* The same, carrying ESP (l3_len 20, l4_len 0) with room for its header. */
#define ESP_PTYPE_IP4_ESP_CHECKED (ESP_PTYPE_IP4_CHECKED | RTE_PTYPE_TUNNEL_ESP)
/*
 * An IPv6 header whose payload length is the rest of the mbuf's data, in
 * one segment, followed directly by the upper layer (no extension header).
 */
#define ESP_PTYPE_IP6_CHECKED (ESP_PTYPE_WORKER | RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV6)
/* The same, carrying ESP (l3_len 40, l4_len 0) with room for its header. */
#define ESP_PTYPE_IP6_ESP_CHECKED (ESP_PTYPE_IP6_CHECKED | RTE_PTYPE_TUNNEL_ESP)

/** Lifetime event posted by a worker to the control thread. */
enum esp_event_type { ESP_EV_SOFT_EXPIRE = 1, ESP_EV_HARD_EXPIRE = 2 };
struct esp_event {
	uint16_t type;
	uint16_t dir;
	uint32_t spi;
	uint32_t sa_id;
	uint32_t pad;
};

/** What a transform needs from its worker. */
struct esp_ctx {
	IMB_MGR *mgr;                 /**< this lcore's IPsec-MB manager */
	/** esp_key_lines() of mgr: what esp_sa_prefetch() fetches */
	uint16_t key_lines[ESP_SA_KEY_LINES];
	struct rte_ring *events;      /**< esp_event elements, may be NULL */
	uint64_t drops[ESP_DROP_MAX]; /**< per-worker drop counters */
	uint64_t events_lost;         /**< event ring was full */
	/**
	 * Tests only: when not NULL, outbound explicit-IV SAs put these 8
	 * octets on the wire as IV instead of the sequence number, so that
	 * published vectors (whose IV is not their SN) can be reproduced.
	 * Never set in production: a fixed IV repeats the GCM nonce.
	 */
	const uint8_t *iv_override;
};

/** Pick the handler for an SA (called by esp_sa_create). */
esp_xform_fn esp_xform_select(const struct esp_sa *sa);

uint16_t esp_outbound(struct esp_sa *sa, struct rte_mbuf **mb, uint16_t n, struct esp_ctx *ctx);
/** esp_outbound() for packets of many SAs, as esp_inbound_multi() below. */
uint16_t esp_outbound_multi(struct esp_sa **sas, struct rte_mbuf **mb, uint16_t n,
			    struct esp_ctx *ctx);
uint16_t esp_inbound(struct esp_sa *sa, struct rte_mbuf **mb, uint16_t n, struct esp_ctx *ctx);
/**
 * esp_inbound() for packets of many SAs: mb[i] is sas[i]'s. When all the
 * SAs have the same transform (sa->xform: mode and cipher) the packets
 * share chunks as one SA's do, so SAs with a packet or two each in a burst
 * run as fast as one; otherwise they go one at a time. Returns the good
 * packets, moved to the front in order with their SAs beside them in sas.
 */
uint16_t esp_inbound_multi(struct esp_sa **sas, struct rte_mbuf **mb, uint16_t n,
			   struct esp_ctx *ctx);

/**
 * Count a drop of @p mb[i] for @p reason: ctx and SA counters. Helper for
 * the transforms and the worker.
 */
static inline void esp_count_drop(struct esp_ctx *ctx, struct esp_sa *sa, enum esp_drop reason)
{
	ctx->drops[reason]++;
	if (sa != NULL)
		sa->drops[reason]++;
}

/**
 * A next hop for esp_in_express() to forward to in its pass: decapsulated
 * packets of @p family to @p dst (4 or 16 octets, the rest zero) that
 * fit @p mtu and have a TTL or hop limit above 1 leave with it
 * decremented behind the link header @p l2. The worker's forwarding
 * entry for the tunnel's last run, copied (struct fib_fwd, untagged).
 */
struct esp_in_via {
	uint64_t dst[2];
	uint8_t l2[14];
	uint16_t mtu;
	uint8_t family;           /**< AF_INET, AF_INET6; 0: none */
};

/**
 * esp_inbound() for a burst the worker took the express way: every
 * packet @p sa's (esp_in_express_fits(@p sa, @p n, its family)), or with
 * @p sas packet i sas[i]'s (sas[0] being @p sa, each SA fitting as sa
 * does and esp_in_express_joins() it), in one segment, its data @p l2
 * octets (a link header, or 0) before an outer header of the family of
 * its SA's local address that gives the rest of the packet's length
 * (IPv4 of 20 octets, not a fragment, protocol ESP; IPv6 whose next
 * header is ESP), to that local address (the worker checked all that).
 * Gives what esp_inbound() (or esp_inbound_multi()) gives for the packets
 * without the @p l2 octets: the same packets out (inner, the link header
 * gone; with @p sas their SAs beside them), the same drops counted, the
 * same counters. With @p via (not NULL, of the selector's family), as
 * many of the good packets as lead them and go to it are forwarded in
 * the same pass (struct esp_in_via), the link header on; *@p sent tells
 * how many (0 without @p via).
 */
uint16_t esp_in_express(struct esp_sa *sa, struct esp_sa **sas, struct rte_mbuf **mb, uint16_t n,
			struct esp_ctx *ctx, uint16_t l2, const struct esp_in_via *via,
			uint16_t *sent);
/** May a burst of @p n packets of @p sa with an outer header of
 *  @p family (AF_INET, AF_INET6) go to esp_in_express()? (A tunnel SA of
 *  AES-GCM without ESN, its local address of @p family and its selector
 *  compiled for a family (ESP_IN_CHK_*: @p family's where it is, which
 *  esp_in_express() then checks inside, else the other's), alive and far
 *  from its lifetimes.) */
bool esp_in_express_fits(const struct esp_sa *sa, uint16_t n, uint8_t family);
/** May packets of @p sa share an esp_in_express() call with those of
 *  @p first, which esp_in_express_fits() a burst of @p n? (It fits too,
 *  alike: the same direction, mode, cipher and IV length, local address
 *  family, selector's compiled family and label.) */
static inline bool esp_in_express_joins(const struct esp_sa *sa, const struct esp_sa *first,
					uint16_t n)
{
	const uint8_t kind = ESP_IN_CHK_LOCAL4 | ESP_IN_CHK_LOCAL6 | ESP_IN_CHK_SEL4 | ESP_IN_CHK_SEL6;

	return sa->dir == first->dir && sa->mode == first->mode && sa->cipher == first->cipher &&
	       sa->iv_len == first->iv_len && ((sa->in_chk ^ first->in_chk) & kind) == 0 &&
	       sa->label == first->label && (sa->flags & (ESP_SA_F_ESN | ESP_SA_F_DEAD)) == 0 &&
	       esp_life_far(sa, n);
}

/**
 * The outbound express way's transform: the worker's forwarding and
 * esp_outbound() in one pass, for a burst of frames the worker took
 * (worker_express.c): each @p sa's (esp_out_express_fits(@p sa, @p ctx,
 * @p n, @p family)), in one segment, a 14-octet link header before an IP
 * header of @p family (IPv4 of 20 octets, not a fragment; IPv6 whose
 * next header is not an extension header) giving the rest of the frame's
 * length, its TTL or hop limit above 1, fitting the path MTU, with room
 * for sa->overhead octets before and after it. Each frame leaves as the
 * ESP packet esp_outbound() makes of it (an outer header of the SA's
 * family, whichever the frame's) with its TTL or hop limit less one,
 * behind the link header @p l2 (14 octets); every packet goes, the SA's
 * counters as esp_outbound()'s.
 */
void esp_out_express(struct esp_sa *sa, struct rte_mbuf **mb, uint16_t n, struct esp_ctx *ctx,
		     const uint8_t *l2, uint8_t family);
/**
 * esp_out_express() for packets the worker classified (its clear queue):
 * each IPv4 or IPv6 from its first octet (no link header), in one
 * segment, its TTL or hop limit already less one, fitting the path MTU,
 * with room for sa->overhead octets after it and that and a link header
 * before it. Every packet is @p sa's, or with @p sas (not NULL) packet i
 * is sas[i]'s, each of them esp_out_express_joins() @p sa; each leaves as
 * the ESP packet esp_outbound() (or esp_outbound_multi()) makes of it,
 * behind the link header @p l2 (14 octets).
 */
void esp_out_express_queued(struct esp_sa *sa, struct esp_sa **sas, struct rte_mbuf **mb,
			    uint16_t n, struct esp_ctx *ctx, const uint8_t *l2);
/** May a burst of @p n packets of @p family (AF_INET, AF_INET6) of @p sa
 *  go to esp_out_express()? (A tunnel SA of either outer family, without
 *  ESN or NAT-T, alive and far from its lifetimes and its sequence
 *  number's end, and no IV given by a test in @p ctx; any cipher.) */
bool esp_out_express_fits(const struct esp_sa *sa, const struct esp_ctx *ctx, uint16_t n,
			  uint8_t family);
/** May @p n packets of @p sa go with @p first's, which
 *  esp_out_express_fits(), to esp_out_express_queued()? The same
 *  direction, mode, cipher, IV length and outer family, without ESN,
 *  NAT-T or death, alive and far from its lifetimes and its sequence
 *  number's end (no ESN: 2^32 - 1). */
static inline bool esp_out_express_joins(const struct esp_sa *sa, const struct esp_sa *first,
					 uint16_t n)
{
	return sa->dir == first->dir && sa->mode == first->mode && sa->cipher == first->cipher &&
	       sa->iv_len == first->iv_len && sa->outer_af == first->outer_af &&
	       (sa->flags & (ESP_SA_F_ESN | ESP_SA_F_NATT | ESP_SA_F_DEAD)) == 0 &&
	       UINT32_MAX - sa->seq > n && esp_life_far(sa, n);
}

/**
 * The 12-octet AEAD nonce of sequence number @p seq with RFC 8750's
 * implicit IV: salt || IV, the IV the 64-bit sequence number (ESN) or
 * 0^32 || seq (32-bit).
 */
void esp_nonce_iiv(uint8_t nonce[ESP_NONCE_LEN], const uint8_t salt[ESP_SALT_LEN],
		   uint64_t seq, int esn);

#endif
