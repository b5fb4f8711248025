/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IP fragmentation for the gateway's own datagrams (IKE).
 *
 * An IKE_SA_INIT cannot use IKE's own fragmentation (RFC 7383 §2.5), and
 * with ML-KEM-1024 alone (RFC 9370 / draft-ietf-ipsecme-ikev2-mlkem) it is
 * about 1.9 KB, more than a 1280-octet path carries. So the control plane
 * splits large IKE datagrams into IP fragments (RFC 791 §3.2 for IPv4,
 * RFC 8200 §4.5 for IPv6: as the source, with a Fragment header) and
 * reassembles the fragments that workers punt to it.
 *
 * The reassembler is built for hostile input: a fixed number of datagrams
 * in progress (the oldest is evicted when a new one needs its place), a
 * cap on the size and on the number of fragments of each, a timeout, and
 * any overlap discards the whole datagram (RFC 5722; an exact duplicate
 * is dropped alone, as RFC 8200 §4.5 allows). Every discarded fragment is
 * counted in struct ipfrag_stats. Nothing here depends on DPDK.
 */
#ifndef ESPRIT_DRIVERS_IPFRAG_H
#define ESPRIT_DRIVERS_IPFRAG_H

#include <stddef.h>
#include <stdint.h>

enum {
	IPFRAG_DGRAMS_DEFAULT = 64,     /**< datagrams reassembled at once */
	IPFRAG_FRAGS_DEFAULT = 64,      /**< fragments of one datagram */
	IPFRAG_TIMEOUT_MS_DEFAULT = 5000,
	IPFRAG_SIZE_MAX = 65535,        /**< largest IP datagram */
};

struct ipfrag_limits {
	unsigned max_dgrams;            /**< 1..1024 */
	unsigned max_frags;             /**< 2..8192 */
	uint32_t max_size;              /**< largest reassembled payload, octets */
	uint32_t timeout_ms;
};

/** What the reassembler did; all fragments in, every way out. */
struct ipfrag_stats {
	uint64_t fragments;             /**< fragments accepted into a datagram */
	uint64_t reassembled;           /**< datagrams completed */
	uint64_t timeouts;              /**< datagrams expired incomplete */
	uint64_t evicted;               /**< datagrams dropped for a newer one */
	uint64_t overlaps;              /**< datagrams discarded: overlapping fragments */
	uint64_t duplicates;            /**< exact duplicate fragments dropped */
	uint64_t too_big;               /**< fragments beyond max_size or 65535 */
	uint64_t too_many;              /**< datagrams discarded: over max_frags */
	uint64_t malformed;             /**< bad lengths, offsets, headers */
	uint64_t no_memory;
};

struct ipfrag_table;

/** A table with @p lim (NULL: the defaults above), or NULL on bad limits. */
struct ipfrag_table *ipfrag_table_new(const struct ipfrag_limits *lim);
void ipfrag_table_free(struct ipfrag_table *t);
const struct ipfrag_stats *ipfrag_stats(const struct ipfrag_table *t);
/** Datagrams in progress now. */
unsigned ipfrag_pending(const struct ipfrag_table *t);

enum ipfrag_result {
	IPFRAG_DROPPED = -1,            /**< bad or refused: counted, nothing held */
	IPFRAG_WHOLE = 0,               /**< not a fragment: use the packet as it is */
	IPFRAG_HELD = 1,                /**< kept, the datagram is not complete yet */
	IPFRAG_DONE = 2,                /**< *out is the reassembled datagram */
};

/**
 * Take one received IP packet (@p pkt starts at the IPv4 or IPv6 header,
 * @p len octets, lengths not yet checked) at time @p now_ms. On
 * IPFRAG_DONE, *out / *out_len are the whole datagram: an IPv4 header
 * with MF and offset cleared, or an IPv6 header whose next header is the
 * fragmented upper-layer protocol (the per-fragment extension headers are
 * not kept); valid until the next call. Datagrams older than the timeout
 * are expired on each call.
 */
enum ipfrag_result ipfrag_input(struct ipfrag_table *t, const uint8_t *pkt, size_t len,
				uint64_t now_ms, const uint8_t **out, size_t *out_len);

/** Receives one fragment as its header and its share of the payload. */
typedef int (*ipfrag_emit_fn)(void *arg, const uint8_t *hdr, size_t hdr_len,
			      const uint8_t *data, size_t data_len);

/**
 * Split the IP packet @p pkt (an IPv4 header with DF clear and no
 * fragment fields set, or an IPv6 header directly followed by the
 * upper-layer header) into fragments of at most @p mtu octets, each handed
 * to @p emit in order; @p ident is the datagram's Identification (16 bits
 * of it for IPv4). A packet that fits is emitted whole. Returns the number
 * of fragments, or -EINVAL (not splittable), -EMSGSIZE (DF set, or the
 * MTU is too small), or what @p emit returned when it failed.
 */
int ipfrag_split(const uint8_t *pkt, size_t len, uint32_t mtu, uint32_t ident,
		 ipfrag_emit_fn emit, void *arg);

#endif
