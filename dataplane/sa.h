/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Security Associations as the dataplane sees them.
 *
 * struct esp_sa_params is what the control plane (static config or IKE)
 * hands over; esp_sa_create() turns it into a struct esp_sa, the fast-path
 * object a worker uses. Each SA has one owner worker that alone touches its
 * mutable state (sequence number, replay window, lifetime counters); its
 * handler is chosen once here, never by per-packet branches on the mode.
 */
#ifndef ESPRIT_DATAPLANE_SA_H
#define ESPRIT_DATAPLANE_SA_H

#include <stdint.h>
#include <string.h>
#include <rte_common.h>
#include <rte_prefetch.h>
#include <intel-ipsec-mb.h>

#include "dataplane/addr.h"
#include "dataplane/drop.h"
#include "dataplane/esp.h"
#include "dataplane/replay.h"
#include "dataplane/spd.h"

enum esp_dir { ESP_DIR_IN, ESP_DIR_OUT };
enum esp_mode { ESP_MODE_TUNNEL, ESP_MODE_TRANSPORT };
enum esp_cipher {
	ESP_CIPHER_AES128_GCM16,
	ESP_CIPHER_AES256_GCM16,
	ESP_CIPHER_CHACHA20_POLY1305,
};

enum esp_sa_flags {
	ESP_SA_F_ESN = 1u << 0,   /**< 64-bit extended sequence numbers */
	ESP_SA_F_IIV = 1u << 1,   /**< RFC 8750 implicit IV: no IV on the wire */
	ESP_SA_F_NATT = 1u << 2,  /**< RFC 3948 ESP-in-UDP */
	ESP_SA_F_DEAD = 1u << 3,  /**< hard lifetime reached: drop everything */
};

/** Which expiry events an SA already posted (struct esp_sa.fired). */
enum esp_sa_fired {
	ESP_SA_FIRED_SOFT = 1u << 0,
	ESP_SA_FIRED_HARD = 1u << 1,
};

/** Lifetime limits; 0 means unlimited. */
struct esp_lifetime {
	uint64_t bytes;
	uint64_t packets;
	uint64_t seconds; /**< enforced by the control thread's timers */
};

/** What the control plane says about an SA. Plain data, no pointers. */
struct esp_sa_params {
	uint32_t spi;              /**< host order, >= ESP_SPI_MIN */
	enum esp_dir dir;
	enum esp_mode mode;
	enum esp_cipher cipher;
	uint32_t flags;            /**< ESP_SA_F_ESN | _IIV | _NATT */
	uint8_t key[32];           /**< cipher key (16 or 32 octets) */
	uint8_t salt[ESP_SALT_LEN];/**< last 4 octets of KEYMAT */
	struct esp_addr local;     /**< tunnel: outer source (out) / destination (in) */
	struct esp_addr remote;    /**< tunnel: outer destination (out) / source (in) */
	uint16_t natt_sport;       /**< ESP-in-UDP ports (host order) */
	uint16_t natt_dport;
	uint16_t replay_window;    /**< inbound: 0 = off, else 64..4096 */
	uint16_t label;            /**< security label id, 0 = unlabeled */
	struct spd_sel sel;        /**< traffic selectors (inbound post-check) */
	struct esp_lifetime soft, hard;
	uint64_t seq_start;        /**< first sequence number - 1 (tests only) */
	uint32_t id;               /**< control-plane handle, echoed in events */
	uint16_t owner;            /**< owning worker index */
};

/** Per-SA counters as the control plane reads them (esp_sa_stats_read). */
struct esp_sa_stats {
	uint64_t packets;
	uint64_t bytes;       /**< payload octets before encap / after decap */
	uint64_t drops[ESP_DROP_MAX];
};

/** The per-packet counters of an SA. */
struct esp_sa_count {
	uint64_t packets;
	uint64_t bytes;       /**< payload octets before encap / after decap */
};

enum esp_sa_layout {
	ESP_SA_HDR_MAX = 48,       /**< IPv6 (40) + UDP (8) outer header */
	ESP_SA_RW_INLINE = 32,     /**< inbound window kept in line 1: off or 64 packets */
	/** Octets of struct gcm_key_data the non-AVX-512 managers use: the
	 *  round keys (240) and the SSE/AVX GHASH tables (2 x 128; AVX2 uses
	 *  the first 128). AVX-512 (VAES) uses all of it. */
	ESP_SA_KEY_SMALL = 240 + 256,
};

/** Inbound checks compiled at setup (struct esp_sa.in_chk, esp_sa_in_compile()). */
enum esp_in_chk {
	/** Outer destination must equal in.local4 (an IPv4 local address). */
	ESP_IN_CHK_LOCAL4 = 1u << 0,
	/** Outer destination checked against sa->local (IPv6), line 2. */
	ESP_IN_CHK_LOCAL6 = 1u << 1,
	/**
	 * The selector (RFC 4301 §5.2 step 4) is exact as a masked compare of
	 * an IPv4 inner packet's addresses with in.addrs4: IPv4 or any
	 * family, any protocol and ports, and its label test (which depends
	 * only on the SA's label) passes. Otherwise, and for IPv6 inner
	 * packets, spd_sel_match() on sa->sel (line 2).
	 */
	ESP_IN_CHK_SEL4 = 1u << 2,
	/**
	 * The same for an IPv6 inner packet whose next header is the upper
	 * layer (spd_ip6_plain()): the selector is IPv6 or any family, any
	 * protocol and ports, and its label test passes, so a prefix compare
	 * of the addresses with sel.src/dst (line 2, spd_sel_addrs6())
	 * decides.
	 */
	ESP_IN_CHK_SEL6 = 1u << 3,
};

struct esp_sa;
struct esp_ctx;
struct rte_mbuf;

/**
 * Transform a burst of packets of one SA in place.
 * Returns the number of good packets, which stay at the front of @p mb;
 * bad ones are moved to the tail for the caller to free, already counted
 * in ctx->drops and in the SA's stats.
 */
typedef uint16_t (*esp_xform_fn)(struct esp_sa *sa, struct rte_mbuf **mb,
				 uint16_t n, struct esp_ctx *ctx);

/**
 * The fast-path SA. Hot fields first; the size of the hot part is pinned
 * by the static assert in sa.c.
 */
struct esp_sa {
	/* cache line 0: read for every packet */
	esp_xform_fn xform;
	uint32_t spi;              /**< host order */
	uint32_t flags;
	uint8_t dir, mode, cipher, iv_len;  /**< iv_len: 8, or 0 with IIV */
	uint8_t outer_af;          /**< AF_INET / AF_INET6 (tunnel) */
	uint8_t hdr_len;           /**< outer header template length */
	uint16_t owner;
	uint16_t label;
	uint16_t overhead;         /**< max octets encapsulation adds */
	uint8_t salt[ESP_SALT_LEN];
	uint64_t seq;              /**< out: last sent; in: unused (see rw) */
	/**
	 * Next lifetime threshold on stats.bytes / stats.packets: the lowest
	 * soft or hard limit not yet reached (UINT64_MAX: none). One compare
	 * per packet; the slow path then decides which limit fired.
	 */
	uint64_t limit_bytes, limit_packets;
	uint32_t id;
	uint16_t ip_id;            /**< out, IPv4 outer: next Identification */
	uint8_t fired;             /**< ESP_SA_FIRED_*: expiry events sent */
	uint8_t in_chk;            /**< inbound: ESP_IN_CHK_* */

	/*
	 * cache line 1. Outbound: the outer header template (IP + optional
	 * UDP, at most 40 + 8 octets). Inbound: the replay window itself when
	 * it fits (anti-replay off, or 64 packets), else it follows the key
	 * data; either way rw points at it. Then the IPv4 local address and
	 * selector compiled for the per-packet checks (in_chk), so that an
	 * inbound packet reads lines 0 and 1 of its SA and the key data.
	 */
	union {
		struct {
			uint8_t hdr[ESP_SA_HDR_MAX]; /* line 0 ends at 64 */
			uint16_t natt_sport, natt_dport;
			/** Out, IPv4 tunnel: the RFC 1071 sum of hdr's IPv4
			 *  header (with TOS, length, ID, flags and checksum
			 *  zero), unfolded; the packet's checksum adds its four
			 *  per-packet fields to it. */
			uint32_t hdr_sum;
		};
		struct {
			uint64_t rw_mem[ESP_SA_RW_INLINE / 8];
			uint32_t local4;   /**< ESP_IN_CHK_LOCAL4: network order */
			/** ESP_IN_CHK_SEL4: the inner header's source and
			 *  destination (octets 12-19) as memory holds them,
			 *  ANDed with the mask, must equal the value (a mask
			 *  of 0 matches anything): esp_in_addrs4_ok(). */
			uint64_t addrs4, addrs4_m;
		} in;
	};
	struct replay_window *rw;  /**< inbound replay window; NULL outbound */

	/* cache line 2: the inbound checks in full (IPv6, ports, protocol) */
	struct spd_sel sel __rte_cache_aligned;
	struct esp_addr local;

	/* cache line 3+: cold */
	uint64_t drops[ESP_DROP_MAX];  /**< per reason; owner writes, control reads */
	struct esp_addr remote;
	struct esp_lifetime soft, hard;
	uint32_t alloc_size;       /**< octets allocated (for the wipe) */

	/*
	 * Written by the owner for every good packet, read racily by
	 * control: in the first line of the key data, which every packet
	 * reads anyway.
	 */
	struct esp_sa_count stats __rte_cache_aligned;
	/*
	 * The key data: IPsec-MB's struct gcm_key_data (or the ChaCha20 key),
	 * only as large as the manager's code uses (esp_key_area_size()).
	 * 16 octets into its line, after the counters, a small AES-128-GCM
	 * packet reads 4 lines of it, counting the counters' (esp_key_lines()),
	 * where 64-aligned it would read 5 lines (AVX2) or 6 (AVX-512 with
	 * VAES). IPsec-MB declares the struct 64-aligned, but its code needs
	 * 16 at most: in 1.3 the GCM code of every manager (SSE, AVX2, and
	 * AVX-512 with VAES and without) has no aligned move on it
	 * (objdump), and test_crypto_mgr.c runs every manager this CPU has
	 * on it at every length. Big replay windows follow it.
	 */
	uint8_t key[] __rte_aligned(16);
};

/*
 * Can no packet of a burst of @p n reach @p sa's next lifetime threshold
 * (esp_account; a packet counts at most 65535 octets)? Then the burst may
 * count its packets on the side and add them to the SA's once, at its end.
 */
static inline bool esp_life_far(const struct esp_sa *sa, uint16_t n)
{
	return sa->stats.packets < sa->limit_packets &&
	       sa->limit_packets - sa->stats.packets > n &&
	       sa->stats.bytes < sa->limit_bytes &&
	       sa->limit_bytes - sa->stats.bytes > (uint64_t)n * UINT16_MAX;
}

/** Copy @p sa's counters (control thread; racy but each word whole). */
void esp_sa_stats_read(const struct esp_sa *sa, struct esp_sa_stats *out);

/**
 * Expand @p key (esp_cipher_key_len() octets) for @p mgr into @p area of
 * esp_key_area_size() octets, 16 octets into a cache line (like struct
 * esp_sa.key), the way esp_aead() reads it. 0, or -EINVAL for an unknown
 * cipher.
 */
int esp_key_setup(IMB_MGR *mgr, enum esp_cipher c, const uint8_t *key, uint8_t *area);
/** Octets of the key area for @p mgr's code. */
size_t esp_key_area_size(const IMB_MGR *mgr);

/** Lines of an SA's counters and key data that esp_sa_prefetch() fetches. */
enum { ESP_SA_KEY_LINES = 4 };

/**
 * The lines of an SA's counters and key data that a small AES-GCM packet
 * reads with @p mgr's code, as offsets from &sa->stats (repeated to fill
 * @p off): the counters and the AES-128 round keys (lines 0-2), and the
 * GHASH key powers H^4..H^1, which the AVX2 code keeps near the round keys
 * (304 octets into the key data: line 5) and the AVX-512 (VAES) code after
 * its other 44 powers (944 octets in: line 15).
 */
void esp_key_lines(const IMB_MGR *mgr, uint16_t off[ESP_SA_KEY_LINES]);

/**
 * Prefetch the cache lines the fast path reads for one packet of @p sa:
 * line 0, line 1 (template, or window and compiled checks), and the
 * counters and key lines @p key_lines names (esp_key_lines() for the
 * manager the SAs were made with; longer messages and AES-256 read one
 * or two more, which the demand loads then fetch). Reads nothing of the
 * SA. With many SAs each line is a miss; issued a few packets ahead,
 * they overlap instead of adding up.
 */
static inline void esp_sa_prefetch(const struct esp_sa *sa,
				   const uint16_t key_lines[ESP_SA_KEY_LINES])
{
	const uint8_t *k = (const uint8_t *)&sa->stats;

	rte_prefetch0(sa);
	rte_prefetch0(sa->hdr);
	for (unsigned i = 0; i < ESP_SA_KEY_LINES; i++)
		rte_prefetch0(k + key_lines[i]);
}

/**
 * Load line 0 of @p sa, which esp_sa_prefetch() only asks for: with 1000
 * tunnels outbound, classification that prefetched it without a load
 * measured 0.01 of the limit slower (4 runs a side, IPv4 and IPv6; why
 * the load helps where the prefetch alone does not was not found). Only
 * the SA's owner should call it: the owner writes line 0 for every packet.
 */
static inline void esp_sa_touch(const struct esp_sa *sa)
{
	(void)*(const volatile uint16_t *)&sa->owner;
}

/**
 * A tunnel SA's peer as its outer header template holds it (4 octets for
 * IPv4, 16 for IPv6; family sa->outer_af), in line 1, which
 * esp_sa_prefetch() fetches. sa->remote, the same address, is on a cold
 * line: with many tunnels the route lookup of each run missed it.
 */
static inline const uint8_t *esp_sa_peer(const struct esp_sa *sa)
{
	return sa->hdr + (sa->outer_af == AF_INET ? 16 : 24);  /* RFC 791, RFC 8200 */
}

/** Is tunnel SA @p a's peer @p b's? (Both of @p a's outer family.) */
static inline bool esp_sa_peer_same(const struct esp_sa *a, const struct esp_sa *b)
{
	return a->outer_af == AF_INET6 ? memcmp(esp_sa_peer(a), esp_sa_peer(b), 16) == 0
				       : memcmp(esp_sa_peer(a), esp_sa_peer(b), 4) == 0;
}

/** Line 2 of an inbound SA, if its per-packet checks read it (reads
 *  in_chk: call it once line 0 is likely there). */
static inline void esp_sa_prefetch_checks(const struct esp_sa *sa)
{
	if ((sa->in_chk & ESP_IN_CHK_LOCAL6) || !(sa->in_chk & ESP_IN_CHK_SEL4))
		rte_prefetch0(&sa->sel);
}

/**
 * Compile sa->sel and sa->local into in_chk and the in.* fields (done by
 * esp_sa_create; call again after changing either, as tests do).
 */
void esp_sa_in_compile(struct esp_sa *sa);

/**
 * Allocate and set up an SA (key expansion, handler, outer template).
 * Uses @p mgr for key expansion. Control thread only. NULL + errno on
 * bad parameters (EINVAL) or no memory (ENOMEM).
 */
struct esp_sa *esp_sa_create(const struct esp_sa_params *p, IMB_MGR *mgr);
/** Wipe keys and free. Control thread only, after the RCU grace period. */
void esp_sa_destroy(struct esp_sa *sa);
/** Validate parameters without allocating; 0 or -EINVAL with @p why set. */
int esp_sa_params_check(const struct esp_sa_params *p, const char **why);

const char *esp_cipher_name(enum esp_cipher c);
unsigned esp_cipher_key_len(enum esp_cipher c);

#endif
