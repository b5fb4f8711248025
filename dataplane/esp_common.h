/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Private helpers shared by esp_out.c, esp_in.c and sa.c: nonce and AAD
 * construction, the AEAD calls into IPsec-MB, lifetime accounting, and the
 * handler tables behind esp_xform_select(). Not part of the dataplane API.
 */
#ifndef ESPRIT_DATAPLANE_ESP_COMMON_H
#define ESPRIT_DATAPLANE_ESP_COMMON_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_branch_prediction.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <intel-ipsec-mb.h>

#include "dataplane/esp.h"
#include "dataplane/sa.h"
#include "dataplane/xform.h"

#define ESP_INLINE static inline __attribute__((always_inline))

enum esp_common_limits {
	ESP_IPV4_HDR_MIN = 20,
	ESP_IPV6_HDR_LEN = 40,
	ESP_IPV4_DF = 0x4000,
	ESP_TTL_DEFAULT = 64,
};

/* Burst handlers, one per specialization (esp_out.c / esp_in.c). */
esp_xform_fn esp_out_handler(const struct esp_sa *sa);
esp_xform_fn esp_in_handler(const struct esp_sa *sa);

/** Slow path once a lifetime threshold is crossed (sa.c). */
void esp_sa_life_expire(struct esp_sa *sa, struct esp_ctx *ctx);
/** Post an expiry event to the control thread, counting a full ring (sa.c). */
void esp_event_post(struct esp_ctx *ctx, const struct esp_sa *sa, uint16_t type);
/** Recompute the limit_* thresholds from the lifetimes and sa->fired (sa.c). */
void esp_sa_life_arm(struct esp_sa *sa);

/** Big-endian stores without alignment assumptions. */
ESP_INLINE void esp_put32(uint8_t *p, uint32_t v)
{
	rte_be32_t be = rte_cpu_to_be_32(v);
	memcpy(p, &be, 4);
}

ESP_INLINE void esp_put64(uint8_t *p, uint64_t v)
{
	rte_be64_t be = rte_cpu_to_be_64(v);
	memcpy(p, &be, 8);
}

ESP_INLINE uint32_t esp_get32(const uint8_t *p)
{
	rte_be32_t be;
	memcpy(&be, p, 4);
	return rte_be_to_cpu_32(be);
}

ESP_INLINE uint16_t esp_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

ESP_INLINE void esp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * The AAD and the nonce are stored in whole words: IPsec-MB loads an
 * 8-octet AAD and the first 8 octets of the nonce as one 8-octet word, and
 * a load that spans two smaller stores still in flight cannot be forwarded
 * from them (it waits until they retire, ~10-15 cycles each on this core).
 */

/** The 8 octets of @p first then @p second, as memory holds them. */
ESP_INLINE uint64_t esp_word2(uint32_t first, uint32_t second)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return (uint64_t)second << 32 | first;
#else
	return (uint64_t)first << 32 | second;
#endif
}

/**
 * RFC 4106 §5 / RFC 7634 §2.1 / RFC 4303 §2.2.1: AAD is SPI || SN, or with
 * ESN SPI || SN high || SN low (the high half is authenticated but never
 * sent). Returns the AAD length, 8 or 12.
 */
ESP_INLINE uint32_t esp_aad_build(uint8_t aad[ESP_AAD_MAX], uint32_t spi,
				  uint64_t seq, bool esn)
{
	uint64_t w = esp_word2(rte_cpu_to_be_32(spi),
			       rte_cpu_to_be_32((uint32_t)(esn ? seq >> 32 : seq)));

	memcpy(aad, &w, 8);
	if (!esn)
		return 8;
	rte_be32_t lo = rte_cpu_to_be_32((uint32_t)seq);

	memcpy(aad + 8, &lo, 4);
	return 12;
}

/**
 * Octets 6-7 of an IPv4 header (flags and fragment offset) as memory
 * holds them, read into a uint16_t: the DF flag's bit there.
 */
#define ESP_IPV4_DF_MEM RTE_BE16(ESP_IPV4_DF)

/**
 * The DF flag of the IPv4 header at @p ip, as memory holds it:
 * ESP_IPV4_DF_MEM or 0. A whole word, as every variable that carries it:
 * GCC spilled a narrower one (a bool, then a uint16_t) with a store of
 * its width and read it back wider, a load that waits for the store to
 * retire (the ESP floor, docs/benchmark-rounds.md, thirty-seventh round).
 */
ESP_INLINE uint64_t esp_ip4_df(const uint8_t *ip)
{
	uint16_t frag;

	memcpy(&frag, ip + 6, 2);
	return frag & ESP_IPV4_DF_MEM;
}

/**
 * Octets 0-7 of an IPv4 header as one word, as memory holds them, with
 * octet 0 (version and IHL) zero: TOS, total length, identification, and
 * the DF flag alone (RFC 791), @p df as esp_ip4_df() gives it. Summing its
 * 16-bit halves gives their part of the RFC 1071 checksum.
 */
ESP_INLINE uint64_t esp_ip4_fields(uint8_t tos, uint16_t total, uint16_t id, uint64_t df)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return (uint64_t)tos << 8 |
	       (uint64_t)rte_cpu_to_be_32((uint32_t)total << 16 | id) << 16 |
	       (uint64_t)df << 48;
#else
	return (uint64_t)tos << 48 | (uint64_t)total << 32 | (uint64_t)id << 16 | df;
#endif
}

/** The checksum @p ck (as memory holds it) in place in octets 8-15. */
ESP_INLINE uint64_t esp_ip4_cksum_word(uint16_t ck)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return (uint64_t)ck << 16;
#else
	return (uint64_t)ck << 32;
#endif
}

/* RFC 1071: @p a + @p b in 32-bit ones' complement (the carry added back). */
ESP_INLINE uint32_t esp_csum_add32(uint32_t a, uint32_t b)
{
	uint32_t s;

	return s = a + b, s + (s < a);   /* add, adc */
}

/*
 * The checksum word (esp_ip4_cksum_word()) of an outer IPv4 header: its
 * template, whose RFC 1071 sum is @p hdr_sum (__rte_raw_cksum(), the
 * fields zero), with this packet's fields @p f (esp_ip4_fields()) in it.
 * The fields' halves and the template's sum in 32-bit ones' complement,
 * then folded to 16 bits as Linux's csum_fold() does: ~s - ror(s, 16)
 * holds the complement of the 16-bit fold in its upper half. 13
 * instructions where three 16-bit folds took 19.
 */
ESP_INLINE uint64_t esp_ip4_cksum_of(uint32_t hdr_sum, uint64_t f)
{
	uint32_t s = esp_csum_add32(esp_csum_add32((uint32_t)f, (uint32_t)(f >> 32)), hdr_sum);

	return esp_ip4_cksum_word((uint16_t)((~s - (s >> 16 | s << 16)) >> 16));
}

/** RFC 4106 §4 / RFC 7634 §2: nonce = salt || explicit IV. */
ESP_INLINE void esp_nonce_explicit(uint8_t nonce[ESP_NONCE_LEN],
				   const uint8_t salt[ESP_SALT_LEN],
				   const uint8_t iv[ESP_IV_LEN])
{
	uint32_t s, hi, lo;
	uint64_t w;

	memcpy(&s, salt, 4);
	memcpy(&hi, iv, 4);
	memcpy(&lo, iv + 4, 4);
	w = esp_word2(s, hi);
	memcpy(nonce, &w, 8);
	memcpy(nonce + 8, &lo, 4);
}

/**
 * One AEAD pass, in place or not. @p cipher is a compile-time constant in
 * every specialized handler, so the switch folds away. @p kd is the key
 * data for @p mgr (struct esp_sa.key, filled by esp_key_setup()). Encrypt
 * writes the ICV to @p tag; decrypt writes the ICV it computes to @p tag
 * for the caller to compare.
 */
ESP_INLINE void esp_aead(IMB_MGR *mgr, const void *kd, unsigned cipher,
			 bool encrypt, const uint8_t nonce[ESP_NONCE_LEN],
			 const uint8_t *aad, uint32_t aad_len,
			 uint8_t *dst, const uint8_t *src, uint32_t len,
			 uint8_t tag[ESP_ICV_LEN])
{
	/* Only IPsec-MB dereferences it, with unaligned loads (struct esp_sa.key). */
	const struct gcm_key_data *gcm = (const struct gcm_key_data *)(const void *)kd;

	switch (cipher) {
	case ESP_CIPHER_AES128_GCM16: {
		struct gcm_context_data gctx;
		if (encrypt)
			IMB_AES128_GCM_ENC(mgr, gcm, &gctx, dst, src, len, nonce,
					   aad, aad_len, tag, ESP_ICV_LEN);
		else
			IMB_AES128_GCM_DEC(mgr, gcm, &gctx, dst, src, len, nonce,
					   aad, aad_len, tag, ESP_ICV_LEN);
		break;
	}
	case ESP_CIPHER_AES256_GCM16: {
		struct gcm_context_data gctx;
		if (encrypt)
			IMB_AES256_GCM_ENC(mgr, gcm, &gctx, dst, src, len, nonce,
					   aad, aad_len, tag, ESP_ICV_LEN);
		else
			IMB_AES256_GCM_DEC(mgr, gcm, &gctx, dst, src, len, nonce,
					   aad, aad_len, tag, ESP_ICV_LEN);
		break;
	}
	default: {
		/* The job API: measured ~8-12% cheaper than the direct API
		 * (INIT/UPDATE/FINALIZE) up to 1 KiB with the AVX2 manager
		 * (esprit-bench's ChaCha table), and the path that gets the
		 * multi-buffer code with the AVX-512 one. One job, flushed: the
		 * caller needs the tag now. NOCHECK: the parameters are ours,
		 * and 1.3's checking path writes a global errno. */
		IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);

		job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
		job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
		job->cipher_direction = encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
		job->chain_order = encrypt ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
		job->enc_keys = kd;
		job->dec_keys = kd;
		job->key_len_in_bytes = 32;
		job->src = src;
		job->dst = dst;
		job->cipher_start_src_offset_in_bytes = 0;
		job->msg_len_to_cipher_in_bytes = len;
		job->hash_start_src_offset_in_bytes = 0;
		job->msg_len_to_hash_in_bytes = len;
		job->iv = nonce;
		job->iv_len_in_bytes = ESP_NONCE_LEN;
		job->u.CHACHA20_POLY1305.aad = aad;
		job->u.CHACHA20_POLY1305.aad_len_in_bytes = aad_len;
		job->auth_tag_output = tag;
		job->auth_tag_output_len_in_bytes = ESP_ICV_LEN;
		(void)IMB_SUBMIT_JOB_NOCHECK(mgr);
		while (IMB_FLUSH_JOB(mgr) != NULL)
			;
		/* Never let a job that did not run pass the ICV check: the
		 * received ICV follows the ciphertext (esp_in.c). */
		if (unlikely(job->status != IMB_STATUS_COMPLETED) && !encrypt)
			for (unsigned i = 0; i < ESP_ICV_LEN; i++)
				tag[i] = (uint8_t)~src[len + i];
		break;
	}
	}
}

/**
 * Constant-time comparison of two ICVs: true when equal. Two 64-bit XORs
 * ORed together, no branch on the data (the byte loop it replaces was
 * ~50 instructions per packet, not vectorized).
 */
ESP_INLINE bool esp_icv_equal(const uint8_t *a, const uint8_t *b)
{
	uint64_t x[2], y[2];

	static_assert(ESP_ICV_LEN == 16, "ICV is two 64-bit words");
	memcpy(x, a, 16);
	memcpy(y, b, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/**
 * RFC 8200 §8.1 UDP checksum over IPv6, with the upper-layer length and
 * next header 17 in the pseudo-header (also right when extension headers
 * sit between the IPv6 and UDP headers, unlike rte_ipv6_udptcp_cksum).
 * RFC 768: a computed 0 is sent as 0xffff.
 */
ESP_INLINE uint16_t esp_udp6_cksum(const uint8_t *ip6, const uint8_t *udp, uint32_t udp_len)
{
	uint32_t sum = __rte_raw_cksum(ip6 + 8, 32, 0);
	sum += rte_cpu_to_be_32(udp_len) >> 16;
	sum += rte_cpu_to_be_32(udp_len) & 0xffff;
	sum += rte_cpu_to_be_16(ESP_IPPROTO_UDP);
	sum = __rte_raw_cksum(udp, udp_len, sum);
	uint16_t c = (uint16_t)~__rte_raw_cksum_reduce(sum);
	return c == 0 ? 0xffff : c;
}

/** Recompute an IPv4 header checksum in place. */
ESP_INLINE void esp_ip4_cksum_fix(uint8_t *ip)
{
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;
	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
}

/** Count a good packet and its payload; lifetimes past their threshold. */
ESP_INLINE void esp_account(struct esp_sa *sa, struct esp_ctx *ctx, uint32_t bytes)
{
	sa->stats.packets++;
	sa->stats.bytes += bytes;
	if (unlikely(sa->stats.packets >= sa->limit_packets ||
		     sa->stats.bytes >= sa->limit_bytes))
		esp_sa_life_expire(sa, ctx);
}

/** Add a burst's counts @p c to @p sa's (esp_life_far() held for it). */
ESP_INLINE void esp_account_burst(struct esp_sa *sa, const struct esp_sa_count *c)
{
	sa->stats.packets += c->packets;
	sa->stats.bytes += c->bytes;
}

/** One packet of @p bytes on the counts @p c: a burst's own, for
 *  esp_account_burst(), or an SA's when esp_life_far() held for it. */
ESP_INLINE void esp_count_one(struct esp_sa_count *c, uint32_t bytes)
{
	c->packets++;
	c->bytes += bytes;
}

/** Move good packets to the front of a burst, stably (swap partition). */
ESP_INLINE void esp_keep(struct rte_mbuf **mb, uint16_t i, uint16_t *ngood)
{
	struct rte_mbuf *t = mb[*ngood];

	mb[*ngood] = mb[i];
	mb[i] = t;
	(*ngood)++;
}

/** esp_keep() for a burst of many SAs: packet i's SA sas[i] moves with it. */
ESP_INLINE void esp_keep_sa(struct rte_mbuf **mb, struct esp_sa **sas, uint16_t i,
			    uint16_t *ngood)
{
	struct esp_sa *t = sas[*ngood];

	sas[*ngood] = sas[i];
	sas[i] = t;
	esp_keep(mb, i, ngood);
}

/** A handler for packets of many SAs of one transform (packet i's SA sas[i]). */
typedef uint16_t (*esp_multi_fn)(struct esp_sa **sas, struct rte_mbuf **mb, uint16_t n,
				 struct esp_ctx *ctx);

/*
 * esp_inbound_multi / esp_outbound_multi: when the SAs of the @p n packets
 * are all of direction @p dir with one transform, one call of the handler
 * @p pick gives for that transform; else each packet through @p one
 * (esp_inbound or esp_outbound) with its own SA. Either way the good ones
 * end up first, in order, their SAs beside them.
 */
ESP_INLINE uint16_t esp_multi(struct esp_sa **sas, struct rte_mbuf **mb, uint16_t n,
			      struct esp_ctx *ctx, enum esp_dir dir,
			      uint16_t (*one)(struct esp_sa *, struct rte_mbuf **, uint16_t,
					      struct esp_ctx *),
			      esp_multi_fn (*pick)(const struct esp_sa *))
{
	bool shared = true;
	uint16_t good = 0;

	if (n == 0)
		return 0;
	for (uint16_t i = 0; i < n; i++)
		if (unlikely(sas[i]->dir != dir || sas[i]->xform != sas[0]->xform))
			shared = false;
	if (likely(shared))
		return pick(sas[0])(sas, mb, n, ctx);
	for (uint16_t i = 0; i < n; i++)
		if (one(sas[i], &mb[i], 1, ctx) == 1)
			esp_keep_sa(mb, sas, i, &good);
	return good;
}

/* esp_inbound / esp_outbound: @p sa's transform for @p n packets, when
 * it is an SA of direction @p dir; else all dropped (NO_SA). */
ESP_INLINE uint16_t esp_one(struct esp_sa *sa, struct rte_mbuf **mb, uint16_t n,
			    struct esp_ctx *ctx, enum esp_dir dir)
{
	if (unlikely(sa->dir != dir)) {
		for (uint16_t i = 0; i < n; i++)
			esp_count_drop(ctx, sa, ESP_DROP_NO_SA);
		return 0;
	}
	return sa->xform(sa, mb, n, ctx);
}

/*
 * Length changes of a one-segment mbuf (esp_linear passed) done in place:
 * rte_pktmbuf_append/trim walk the segment chain and re-check the room
 * on every call, which showed as ~20 instructions per packet.
 */

/** Grow by @p head octets in front and @p tail at the end (room checked
 *  by the caller); returns the new start of the data. */
ESP_INLINE uint8_t *esp_grow(struct rte_mbuf *m, uint16_t head, uint16_t tail)
{
	m->data_off = (uint16_t)(m->data_off - head);
	m->data_len = (uint16_t)(m->data_len + head + tail);
	m->pkt_len += (uint32_t)head + tail;
	return rte_pktmbuf_mtod(m, uint8_t *);
}

/** Keep the @p len octets at offset @p off of the data (inside it). */
ESP_INLINE void esp_keep_range(struct rte_mbuf *m, uint16_t off, uint16_t len)
{
	m->data_off = (uint16_t)(m->data_off + off);
	m->data_len = len;
	m->pkt_len = len;
}

/** Make @p m one segment, or fail (drop NO_HEADROOM). */
ESP_INLINE int esp_linear(struct rte_mbuf *m)
{
	if (likely(m->nb_segs == 1))
		return 0;
	return rte_pktmbuf_linearize(m);
}

#endif
