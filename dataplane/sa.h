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

/** Per-SA counters; written by the owner only, read racily by control. */
struct esp_sa_stats {
	uint64_t packets;
	uint64_t bytes;       /**< payload octets before encap / after decap */
	uint64_t drops[ESP_DROP_MAX];
};

enum esp_sa_layout {
	ESP_SA_HDR_MAX = 48,       /**< IPv6 (40) + UDP (8) outer header */
	/** Octets of union esp_key read per packet: AES round keys (up to
	 *  240) and the first GHASH key powers (IPsec-MB's GCM key layout). */
	ESP_SA_KEY_PREFETCH = 384,
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

/** AEAD state chosen at setup. */
union esp_key {
	struct gcm_key_data gcm;   /**< expanded AES key and GHASH tables */
	uint8_t chacha[32];
};

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

	/*
	 * cache line 1. Outbound: the outer header template (IP + optional
	 * UDP, at most 40 + 8 octets). Inbound: the replay window itself when
	 * it fits (anti-replay off, or up to 128 packets), else it follows the
	 * SA; either way rw points at it, so the window is in this line.
	 */
	uint8_t hdr[ESP_SA_HDR_MAX] __rte_cache_aligned;
	struct replay_window *rw;  /**< inbound replay window; NULL outbound */
	uint16_t natt_sport, natt_dport;
	/** Out, IPv4 tunnel: the RFC 1071 sum of hdr's IPv4 header (with
	 *  TOS, length, ID, flags and checksum zero), unfolded; the packet's
	 *  checksum adds its four per-packet fields to it. */
	uint32_t hdr_sum;

	/* cache line 2: what inbound checks after decryption, per packet */
	struct spd_sel sel __rte_cache_aligned;
	struct esp_addr local;

	/* cache line 3+: counters (packets and bytes in the first line) */
	struct esp_sa_stats stats __rte_cache_aligned;
	struct esp_addr remote;
	struct esp_lifetime soft, hard;

	/*
	 * The key schedule and GHASH table: IPsec-MB reads the round keys and
	 * the hash key powers a message needs, 4-6 lines with the AVX2
	 * manager; the rest of struct gcm_key_data is for other managers.
	 */
	union esp_key key __rte_aligned(64);
};

/**
 * Prefetch the cache lines the fast path reads for one packet of @p sa
 * (hot line, template or replay window, checks, counters, the start of
 * the key schedule). With many SAs each one is a miss; issued a few
 * packets ahead, they overlap instead of adding up.
 */
static inline void esp_sa_prefetch(const struct esp_sa *sa)
{
	const uint8_t *k = (const uint8_t *)&sa->key;

	rte_prefetch0(sa);
	rte_prefetch0(sa->hdr);
	rte_prefetch0(&sa->sel);
	rte_prefetch0(&sa->stats);
	for (unsigned i = 0; i < ESP_SA_KEY_PREFETCH; i += 64)
		rte_prefetch0(k + i);
}

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
