/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ESP decapsulation (RFC 4303 §3.4; RFC 3948 §3.1.2 for ESP-in-UDP).
 *
 * Order per RFC 4303 §3.4.3: length checks, replay pre-check, decrypt and
 * verify the ICV, only then update the window, then the trailer and the
 * inner packet. One always-inline function, instantiated per (mode,
 * cipher); esp_in_handler() picks the instance at SA setup. For whole
 * bursts of one AES-GCM tunnel SA (either family inside either) the
 * worker takes the express way, esp_in_express(): the same passes with
 * what the worker checked left out and the common plaintext checked at
 * once, anything else through esp_in_open(), the usual way's second half.
 */
#include <sys/socket.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/esp_common.h"
#include "dataplane/ip6.h"
#include "dataplane/replay.h"
#include "dataplane/spd.h"
#include "dataplane/ttl.h"
#include "dataplane/xform.h"

/* Is the IPv6 destination of @p p the SA's? In words: a memcmp call of
 * variable length per packet showed in profiles. */
ESP_INLINE bool esp_in_dst6_is(const struct esp_sa *sa, const uint8_t *p)
{
	uint64_t x[2], y[2];

	memcpy(x, p + 24, 16);
	memcpy(y, sa->local.bytes, 16);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/* Are the addresses of the IPv4 header at @p ip in the SA's compiled
 * selector (ESP_IN_CHK_SEL4)? One masked 64-bit compare from line 1. */
ESP_INLINE bool esp_in_addrs4_ok(const struct esp_sa *sa, const uint8_t *ip)
{
	uint64_t addrs;

	memcpy(&addrs, ip + 12, 8);   /* source, destination: RFC 791 */
	return ((addrs & sa->in.addrs4_m) ^ sa->in.addrs4) == 0;
}

/*
 * Outer header sanity and the real end of the ESP packet. The worker gave
 * l3_len/l4_len; check they fit the octets and the IP (and UDP) lengths,
 * and drop octets past the IP length (L2 padding), unless the worker
 * checked all that (ESP_PTYPE_IP4_ESP_CHECKED, ESP_PTYPE_IP6_ESP_CHECKED).
 * Then the destination must be the SA's.
 */
ESP_INLINE enum esp_drop esp_in_outer(struct esp_sa *sa, struct rte_mbuf *m,
				      uint32_t *esp_off)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint32_t l3 = m->l3_len, l4 = m->l4_len;
	uint32_t iplen;
	uint8_t af;

	if (m->packet_type == ESP_PTYPE_IP4_ESP_CHECKED) {
		uint32_t x;

		memcpy(&x, p + 16, 4);
		if ((sa->in_chk & ESP_IN_CHK_LOCAL4) ? x != sa->in.local4
						      : (sa->in_chk & ESP_IN_CHK_LOCAL6) != 0)
			return ESP_DROP_SA_DST;
		*esp_off = ESP_IPV4_HDR_MIN;
		return ESP_DROP_MAX;
	}
	if (m->packet_type == ESP_PTYPE_IP6_ESP_CHECKED) {
		if ((sa->in_chk & ESP_IN_CHK_LOCAL6) ? !esp_in_dst6_is(sa, p)
						      : (sa->in_chk & ESP_IN_CHK_LOCAL4) != 0)
			return ESP_DROP_SA_DST;
		*esp_off = ESP_IPV6_HDR_LEN;
		return ESP_DROP_MAX;
	}
	if (len < ESP_IPV4_HDR_MIN)
		return ESP_DROP_RUNT;
	if ((p[0] >> 4) == 4) {
		iplen = esp_get16(p + 2);
		if (l3 < ESP_IPV4_HDR_MIN || l3 != (uint32_t)(p[0] & 0x0f) * 4)
			return ESP_DROP_BAD_L3;
		af = AF_INET;
	} else if ((p[0] >> 4) == 6) {
		if (len < ESP_IPV6_HDR_LEN)
			return ESP_DROP_RUNT;
		iplen = ESP_IPV6_HDR_LEN + esp_get16(p + 4);
		if (l3 < ESP_IPV6_HDR_LEN)
			return ESP_DROP_BAD_L3;
		af = AF_INET6;
	} else {
		return ESP_DROP_BAD_L3;
	}
	if (iplen > len || l3 + l4 > iplen)
		return ESP_DROP_RUNT;
	if (l4 != 0) {
		/* RFC 3948 §2.1: the UDP length covers exactly the rest. */
		if (l4 != sizeof(struct esp_udp_hdr) || esp_get16(p + l3 + 4) != iplen - l3)
			return ESP_DROP_RUNT;
	}
	/* RFC 4301 §5.2: the SA was found by SPI; its destination must be
	 * ours too (the worker looked up by SPI only). An IPv4 address is
	 * compiled into line 1 (esp_sa_in_compile). */
	if (sa->in_chk & ESP_IN_CHK_LOCAL4) {
		uint32_t x;

		memcpy(&x, p + 16, 4);
		if (af != AF_INET || x != sa->in.local4)
			return ESP_DROP_SA_DST;
	} else if (sa->in_chk & ESP_IN_CHK_LOCAL6) {
		if (af != AF_INET6 || !esp_in_dst6_is(sa, p))
			return ESP_DROP_SA_DST;
	}
	if (iplen < len)
		rte_pktmbuf_trim(m, (uint16_t)(len - iplen));
	*esp_off = l3 + l4;
	return ESP_DROP_MAX;
}

/* Inner packet of tunnel mode (RFC 4303 §2.6: next header 4 or 41). Returns
 * its length from its own header: anything after it is TFC padding
 * (RFC 4303 §2.7). 0 if the header is not sane. */
static uint32_t esp_in_inner_len(const uint8_t *p, uint32_t len, uint8_t nh)
{
	if (nh == ESP_IPPROTO_IPIP) {
		if (len < ESP_IPV4_HDR_MIN || (p[0] >> 4) != 4)
			return 0;
		uint32_t hl = (uint32_t)(p[0] & 0x0f) * 4;
		uint32_t tot = esp_get16(p + 2);
		if (hl < ESP_IPV4_HDR_MIN || tot < hl || tot > len)
			return 0;
		return tot;
	}
	if (len < ESP_IPV6_HDR_LEN || (p[0] >> 4) != 6)
		return 0;
	uint32_t tot = ESP_IPV6_HDR_LEN + esp_get16(p + 4);
	return tot > len ? 0 : tot;
}

/*
 * One packet as esp_in_check() left it for esp_in_one(), which makes its
 * AEAD call once the whole chunk is checked: IPsec-MB's AVX-512 GCM reads
 * the nonce and the AAD with masked loads, which are never forwarded from
 * stores in flight, so a call made right after building them waited for
 * them to reach L1 (~35 cycles a packet at 64 octets). The window is
 * consulted in esp_in_one(), in the packets' order, so a chunk gives what
 * its packets give one at a time (test_esp_bursts).
 */
struct esp_in_aead {
	uint8_t nonce[16];        /* ESP_NONCE_LEN used */
	uint8_t aad[16];          /* ESP_AAD_MAX used */
	uint64_t seq;             /* inferred against the window as the chunk began */
	uint8_t *esp;             /* the ESP header */
	uint32_t off;             /* of the ESP header */
	uint32_t ct_len;
	uint32_t aad_len;
	uint16_t idx;             /* in the burst */
	uint16_t drop;            /* enum esp_drop: ESP_DROP_MAX if the checks passed */
};
static_assert(ESP_NONCE_LEN <= 16 && ESP_AAD_MAX <= 16, "nonce and AAD fit");

/** Most packets checked before their AEAD calls are made. */
enum { ESP_IN_CHUNK = 32 };

/* The AAD and the nonce of sequence number @p seq (RFC 4106 §5, RFC 8750 §3). */
ESP_INLINE void esp_in_nonce_aad(const struct esp_sa *sa, uint64_t seq, bool esn,
				 struct esp_in_aead *job)
{
	/* Without ESN the AAD is the header's SPI and SN as they came: the
	 * SPI was checked to be the SA's, and the SN is seq. */
	if (!esn) {
		memcpy(job->aad, job->esp, 8);
		job->aad_len = 8;
	} else {
		job->aad_len = esp_aad_build(job->aad, sa->spi, seq, esn);
	}
	if (sa->iv_len != 0)
		esp_nonce_explicit(job->nonce, sa->salt, job->esp + sizeof(struct esp_hdr));
	else
		esp_nonce_iiv(job->nonce, sa->salt, seq, esn);
	job->seq = seq;
}

/* Up to the window: the outer header, the lengths, the SPI; the nonce and
 * the AAD for the sequence number the window implies as the chunk began. */
ESP_INLINE enum esp_drop esp_in_check(struct esp_sa *sa, struct rte_mbuf *m,
				      struct esp_in_aead *job)
{
	uint32_t off;
	enum esp_drop r;
	bool esn = (sa->flags & ESP_SA_F_ESN) != 0;

	if (unlikely(esp_linear(m) != 0))
		return ESP_DROP_NO_HEADROOM;
	r = esp_in_outer(sa, m, &off);
	if (unlikely(r != ESP_DROP_MAX))
		return r;

	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint32_t hdrs = sizeof(struct esp_hdr) + sa->iv_len;
	/* RFC 4303 §2: header, IV, at least Pad Length and Next Header, ICV. */
	if (len - off < hdrs + sizeof(struct esp_tail) + ESP_ICV_LEN)
		return ESP_DROP_RUNT;
	uint32_t ct_len = len - off - hdrs - ESP_ICV_LEN;
	/* RFC 4303 §2.4: the ciphertext ends on a 4-octet boundary. */
	if ((ct_len & 3) != 0)
		return ESP_DROP_BAD_PAD;

	uint8_t *esp = p + off;
	if (unlikely(esp_get32(esp) != sa->spi))
		return ESP_DROP_NO_SA;

	job->esp = esp;
	job->off = off;
	job->ct_len = ct_len;
	esp_in_nonce_aad(sa, replay_seq_infer(sa->rw, esp_get32(esp + 4), esn), esn, job);
	return ESP_DROP_MAX;
}

ESP_INLINE enum esp_drop esp_in_open(struct esp_sa *sa, struct rte_mbuf *m,
				     struct esp_ctx *ctx, const int tunnel, uint32_t off,
				     uint32_t ct_len);

/* From the window on: the replay check, the AEAD, the ICV, the window's
 * update, then esp_in_open(). In the chunk's order, after the packets
 * before it: what it sees is what it would see alone. */
ESP_INLINE enum esp_drop esp_in_one(struct esp_sa *sa, struct rte_mbuf *m,
				    struct esp_ctx *ctx, const int tunnel,
				    const unsigned cipher, struct esp_in_aead *job)
{
	bool esn = (sa->flags & ESP_SA_F_ESN) != 0;
	int reason;

	/* a hard lifetime an earlier packet of the chunk reached counts first */
	if (unlikely(sa->flags & ESP_SA_F_DEAD))
		return ESP_DROP_SA_EXPIRED;
	if (unlikely(job->drop != ESP_DROP_MAX))
		return (enum esp_drop)job->drop;

	/* RFC 4303 §3.4.3: the replay check before spending the AEAD. An
	 * earlier packet of the chunk may have moved the window; with ESN
	 * that can change the number's upper half (A2.2), and so the AAD. */
	uint64_t seq = job->seq;
	if (esn) {
		seq = replay_seq_infer(sa->rw, esp_get32(job->esp + 4), true);
		if (unlikely(seq != job->seq))
			esp_in_nonce_aad(sa, seq, true, job);
	}
	if (replay_check(sa->rw, seq, &reason) != 0)
		return (enum esp_drop)reason;

	uint32_t ct_len = job->ct_len;
	uint8_t *ct = job->esp + sizeof(struct esp_hdr) + sa->iv_len;
	uint8_t tag[ESP_ICV_LEN];

	esp_aead(ctx->mgr, &sa->key, cipher, false, job->nonce, job->aad, job->aad_len,
		 ct, ct, ct_len, tag);
	if (!esp_icv_equal(tag, ct + ct_len))
		return ESP_DROP_AUTH;

	/* RFC 4303 §3.4.3: the window moves only for authentic packets. */
	replay_update(sa->rw, seq);
	return esp_in_open(sa, m, ctx, tunnel, job->off, ct_len);
}

/* The packet @p m authentic, its ESP header at @p off: the trailer, the
 * inner packet, its selectors, the counts. */
ESP_INLINE enum esp_drop esp_in_open(struct esp_sa *sa, struct rte_mbuf *m,
				     struct esp_ctx *ctx, const int tunnel, uint32_t off,
				     uint32_t ct_len)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t hdrs = sizeof(struct esp_hdr) + sa->iv_len;
	uint8_t *ct = p + off + hdrs;
	uint8_t pad_len = ct[ct_len - 2], nh = ct[ct_len - 1];
	if (pad_len + sizeof(struct esp_tail) > ct_len)
		return ESP_DROP_BAD_PAD;
	uint32_t pl_len = ct_len - sizeof(struct esp_tail) - pad_len;
	/* RFC 4303 §2.4: default padding is 1, 2, 3, ... and the receiver
	 * should check it. */
	for (uint32_t i = 0; i < pad_len; i++)
		if (ct[pl_len + i] != (uint8_t)(i + 1))
			return ESP_DROP_BAD_PAD;
	/* RFC 4303 §2.6: next header 59 marks a dummy packet, discarded. */
	if (nh == ESP_IPPROTO_NONE)
		return ESP_DROP_DUMMY;

	uint32_t keep;
	if (tunnel) {
		if (nh != ESP_IPPROTO_IPIP && nh != ESP_IPPROTO_IPV6)
			return ESP_DROP_BAD_NEXT_HDR;
		keep = esp_in_inner_len(ct, pl_len, nh);
		if (keep == 0)
			return ESP_DROP_BAD_L3;
		esp_keep_range(m, (uint16_t)(off + hdrs), (uint16_t)keep);
		p = rte_pktmbuf_mtod(m, uint8_t *);
	} else {
		/* Transport: IP header ‖ [UDP] ‖ ESP ‖ IV ‖ payload. Put the
		 * payload's protocol back where ESP's was and close the gap.
		 * Not done: the RFC 3948 §3.1.2 TCP/UDP checksum fix-up for
		 * transport mode behind a NAT (needs the peer's NAT-OA). */
		uint32_t l3 = m->l3_len, shift = off - l3 + hdrs;
		if ((p[0] >> 4) == 4) {
			p[9] = nh;
		} else {
			/* the field that names ESP (or UDP): the headers
			 * before l3 are options headers (ip6_skip_opts) */
			uint32_t f;
			if (ip6_skip_opts(p, l3, &f) != (int)l3)
				return ESP_DROP_BAD_L3;
			p[f] = nh;
		}
		keep = l3 + pl_len;
		memmove(p + shift, p, l3);
		esp_keep_range(m, (uint16_t)shift, (uint16_t)keep);
		p = rte_pktmbuf_mtod(m, uint8_t *);
		if ((p[0] >> 4) == 4) {
			esp_put16(p + 2, (uint16_t)keep);
			esp_ip4_cksum_fix(p);
		} else {
			esp_put16(p + 4, (uint16_t)(keep - ESP_IPV6_HDR_LEN));
		}
	}
	/* RFC 4301 §5.2 step 4: the inner packet must match the SA's
	 * selectors (and, RFC 9478, its label). Compiled for address-only
	 * selectors: for IPv4 one masked compare from line 1, for IPv6 four
	 * from line 2. */
	if ((sa->in_chk & ESP_IN_CHK_SEL4) && (p[0] >> 4) == 4) {
		/* a tunnel's inner header passed esp_in_inner_len() */
		if (tunnel ? spd_ip4_short(p) : spd_ip4_check(p, keep) != 0)
			return ESP_DROP_BAD_L3;
		if (!esp_in_addrs4_ok(sa, p))
			return ESP_DROP_SELECTOR;
	} else if ((sa->in_chk & ESP_IN_CHK_SEL6) && (p[0] >> 4) == 6 && spd_ip6_plain(p, keep)) {
		if (!spd_sel_addrs6(&sa->sel, p))
			return ESP_DROP_SELECTOR;
	} else {
		struct spd_key key;

		if (spd_key_from_ip(&key, p, keep, sa->label) != 0)
			return ESP_DROP_BAD_L3;
		if (!spd_sel_match(&sa->sel, &key))
			return ESP_DROP_SELECTOR;
	}

	m->l3_len = 0;
	m->l4_len = 0;
	m->packet_type = RTE_PTYPE_UNKNOWN;
	esp_account(sa, ctx, tunnel ? keep : pl_len);
	return ESP_DROP_MAX;
}

/*
 * The burst, in chunks. @p sas is NULL when all the packets are @p sa0's
 * (a constant in the per-SA handlers, so it folds away), else packet i is
 * sas[i]'s, every one with this handler's mode and cipher: many SAs with a
 * packet or two each in a burst then share a chunk too. The good packets
 * end up first, in order, and with @p sas their SAs beside them.
 */
ESP_INLINE uint16_t esp_in_burst(struct esp_sa *sa0, struct esp_sa **sas, struct rte_mbuf **mb,
				 uint16_t n, struct esp_ctx *ctx, const int tunnel,
				 const unsigned cipher)
{
	struct esp_in_aead job[ESP_IN_CHUNK];
	uint16_t ngood = 0;

	/* No prefetch of the packets: the worker's classifier (or
	 * handoff_drain for another worker's) read each header just before.
	 * A packet's place only changes when it is kept (esp_keep swaps it
	 * with one at or before it), so the indices stay good in order. */
	for (uint16_t i = 0; i < n;) {
		uint16_t end = (uint16_t)RTE_MIN(n, i + ESP_IN_CHUNK), nj = 0;

		for (; i < end; i++, nj++) {
			struct esp_sa *sa = sas != NULL ? sas[i] : sa0;

			job[nj].drop = (uint16_t)esp_in_check(sa, mb[i], &job[nj]);
			job[nj].idx = i;
		}
		for (uint16_t k = 0; k < nj; k++) {
			uint16_t at = job[k].idx;
			struct esp_sa *sa = sas != NULL ? sas[at] : sa0;
			enum esp_drop r = esp_in_one(sa, mb[at], ctx, tunnel, cipher, &job[k]);

			if (likely(r == ESP_DROP_MAX)) {
				if (sas != NULL)
					esp_keep_sa(mb, sas, at, &ngood);
				else
					esp_keep(mb, at, &ngood);
			} else {
				esp_count_drop(ctx, sa, r);
			}
		}
	}
	return ngood;
}

#define ESP_IN_FN(tun, ci) esp_in_##tun##_##ci
#define ESP_IN_MULTI_FN(tun, ci) esp_in_multi_##tun##_##ci
#define ESP_IN_DEFINE(tun, ci)                                                  \
	static uint16_t ESP_IN_FN(tun, ci)(struct esp_sa *sa,                   \
			struct rte_mbuf **mb, uint16_t n, struct esp_ctx *ctx)  \
	{                                                                       \
		return esp_in_burst(sa, NULL, mb, n, ctx, tun, ci);             \
	}                                                                       \
	static uint16_t ESP_IN_MULTI_FN(tun, ci)(struct esp_sa **sas,           \
			struct rte_mbuf **mb, uint16_t n, struct esp_ctx *ctx)  \
	{                                                                       \
		return esp_in_burst(NULL, sas, mb, n, ctx, tun, ci);            \
	}
#define ESP_IN_CIPHERS(tun)                                   \
	ESP_IN_DEFINE(tun, ESP_CIPHER_AES128_GCM16)           \
	ESP_IN_DEFINE(tun, ESP_CIPHER_AES256_GCM16)           \
	ESP_IN_DEFINE(tun, ESP_CIPHER_CHACHA20_POLY1305)

ESP_IN_CIPHERS(0)
ESP_IN_CIPHERS(1)

/* [tunnel][cipher], of handlers named by @p FN (ESP_IN_FN or ESP_IN_MULTI_FN) */
#define ESP_IN_ROW(FN, tun) {                                  \
	FN(tun, ESP_CIPHER_AES128_GCM16),                      \
	FN(tun, ESP_CIPHER_AES256_GCM16),                      \
	FN(tun, ESP_CIPHER_CHACHA20_POLY1305) }
#define ESP_IN_TABLE(FN) { ESP_IN_ROW(FN, 0), ESP_IN_ROW(FN, 1) }

static const esp_xform_fn esp_in_table[2][3] = ESP_IN_TABLE(ESP_IN_FN);
static const esp_multi_fn esp_in_multi_table[2][3] = ESP_IN_TABLE(ESP_IN_MULTI_FN);

esp_xform_fn esp_in_handler(const struct esp_sa *sa)
{
	return esp_in_table[sa->mode == ESP_MODE_TUNNEL ? 1 : 0][sa->cipher];
}

static esp_multi_fn esp_in_multi_handler(const struct esp_sa *sa)
{
	return esp_in_multi_table[sa->mode == ESP_MODE_TUNNEL ? 1 : 0][sa->cipher];
}

uint16_t esp_inbound_multi(struct esp_sa **sas, struct rte_mbuf **mb, uint16_t n,
			   struct esp_ctx *ctx)
{
	return esp_multi(sas, mb, n, ctx, ESP_DIR_IN, esp_inbound, esp_in_multi_handler);
}

uint16_t esp_inbound(struct esp_sa *sa, struct rte_mbuf **mb, uint16_t n, struct esp_ctx *ctx)
{
	return esp_one(sa, mb, n, ctx, ESP_DIR_IN);
}

/* Is the padding of @p pad_len octets (3 at most) before the trailer of
 * the @p ct_len octets at @p ct the default 1, 2, 3 (RFC 4303 §2.4)?
 * One masked word: the one before the trailer. */
ESP_INLINE bool esp_in_pad_short(const uint8_t *ct, uint32_t ct_len, uint32_t pad_len)
{
	static const uint32_t pad_mask[4] = { 0, 0xff000000, 0xffff0000, 0xffffff00 };
	static const uint32_t pad_want[4] = { 0, 0x01000000, 0x02010000, 0x03020100 };
	uint32_t tail;

	memcpy(&tail, ct + ct_len - 6, 4);
	return (rte_le_to_cpu_32(tail) & pad_mask[pad_len]) == pad_want[pad_len];
}

/*
 * The common plaintext of a tunnel whose selector is compiled for IPv4
 * (ESP_IN_CHK_SEL4): an IPv4 packet without options, at least 24 octets
 * (so never spd_ip4_short()), then up to 3 octets of the default padding
 * and next header 4, and addresses the selector takes. True when @p ct
 * (@p ct_len octets, 2 or more, the ESP header before them) is that: what
 * esp_in_open() would then find, checked at once. False tells nothing:
 * esp_in_open() names the reason, or takes what this does not (options,
 * TFC or longer padding, IPv6 inside).
 */
ESP_INLINE bool esp_in_plain4(const struct esp_sa *sa, const uint8_t *ct, uint32_t ct_len)
{
	uint32_t pad_len = ct[ct_len - 2];
	int32_t tot;

	/* a branch each, all taken the same way by such traffic: fewer
	 * instructions than the conditions' bits ORed together */
	if (ct[ct_len - 1] != ESP_IPPROTO_IPIP || ct[0] != 0x45 || pad_len > 3 ||
	    !esp_in_pad_short(ct, ct_len, pad_len))
		return false;
	tot = esp_get16(ct + 2);
	if (tot < 24 || tot > (int32_t)ct_len - 2 - (int32_t)pad_len)
		return false;
	return esp_in_addrs4_ok(sa, ct);
}

/*
 * esp_in_plain4() for a tunnel whose selector is compiled for IPv6
 * (ESP_IN_CHK_SEL6): an IPv6 packet whose next header is the upper layer
 * with its ports present (spd_ip6_plain()), then up to 3 octets of the
 * default padding and next header 41, and addresses in the selector's
 * prefixes @p sel (spd_prefix6_of(), once a burst). False tells nothing,
 * as esp_in_plain4()'s.
 */
ESP_INLINE bool esp_in_plain6(const struct spd_prefix6 *sel, const uint8_t *ct, uint32_t ct_len)
{
	uint32_t pad_len = ct[ct_len - 2];
	int32_t tot;

	if (ct[ct_len - 1] != ESP_IPPROTO_IPV6 || (ct[0] >> 4) != 6 || pad_len > 3 ||
	    !esp_in_pad_short(ct, ct_len, pad_len))
		return false;
	tot = ESP_IPV6_HDR_LEN + esp_get16(ct + 4);
	return tot <= (int32_t)ct_len - 2 - (int32_t)pad_len && spd_ip6_plain(ct, (uint32_t)tot) &&
	       spd_prefix6_match(sel, ct);
}

/* What esp_in_express() keeps of a packet between its two passes. */
struct esp_in_fast {
	uint8_t nonce[16];        /* ESP_NONCE_LEN used */
	uint8_t aad[8];           /* SPI, sequence number: no ESN */
	uint8_t *ct;
	uint32_t ct_len;
	uint16_t drop;            /* enum esp_drop: ESP_DROP_MAX if the checks passed */
};

/* struct esp_in_via in locals, once a burst: its MTU 0 when there is
 * none (or not of the packets' family), so that no packet goes to it. */
struct esp_in_hop {
	uint64_t dst[2];
	uint64_t l2_lo, l2_hi;    /* the link header's octets 0-7 and 6-13 */
	uint32_t mtu;
};

ESP_INLINE void esp_in_hop_of(struct esp_in_hop *h, const struct esp_in_via *via, const bool v6)
{
	*h = (struct esp_in_hop){ .mtu = 0 };
	if (via == NULL || via->family != (v6 ? AF_INET6 : AF_INET))
		return;
	h->dst[0] = via->dst[0];
	h->dst[1] = via->dst[1];
	memcpy(&h->l2_lo, via->l2, 8);
	memcpy(&h->l2_hi, via->l2 + 6, 8);
	h->mtu = via->mtu;
}

/*
 * Forward the decapsulated IPv4 or (@p v6) IPv6 packet @p ip of @p len
 * octets (esp_in_plain4() or esp_in_plain6() took it) to @p h as the
 * worker's run would (esp_in_express_run()): when it is to h's
 * destination, fits its MTU and has a TTL or hop limit above 1, that is
 * decremented and the link header written before it. False, untouched,
 * otherwise.
 */
ESP_INLINE bool esp_in_hop_take(const struct esp_in_hop *h, uint8_t *ip, uint32_t len,
				const bool v6)
{
	uint64_t d[2] = { 0, 0 };
	uint8_t hops = v6 ? ip[offsetof(struct rte_ipv6_hdr, hop_limits)]
			  : ip[offsetof(struct rte_ipv4_hdr, time_to_live)];

	memcpy(d, ip + (v6 ? offsetof(struct rte_ipv6_hdr, dst_addr)
			   : offsetof(struct rte_ipv4_hdr, dst_addr)), v6 ? 16 : 4);
	if (((d[0] ^ h->dst[0]) | (d[1] ^ h->dst[1])) != 0 || len > h->mtu || hops <= 1)
		return false;
	if (v6)
		ttl_dec6_from_above_1((struct rte_ipv6_hdr *)ip);
	else
		ttl_dec4_from_above_1((struct rte_ipv4_hdr *)ip);
	memcpy(ip - sizeof(struct rte_ether_hdr), &h->l2_lo, 8);
	memcpy(ip - sizeof(struct rte_ether_hdr) + 6, &h->l2_hi, 8);
	return true;
}

/*
 * esp_in_express() for one cipher, IV length, outer family (@p v6) and
 * inner family (@p in6, the selector's compiled check's):
 * esp_in_burst()'s two passes, with what the preconditions settle left
 * out and the common plaintext's checks at once (esp_in_plain4(),
 * esp_in_plain6()); any other plaintext through esp_in_open(), as
 * esp_in_burst() does for all. The good packets that lead and go to
 * @p via leave in the same pass, forwarded (*@p sent of them). Every
 * packet is @p sa0's, or with @p sas packet i is sas[i]'s (whose lines
 * the worker prefetched): then each packet's SA is read for it, and its
 * counters counted at once.
 */
ESP_INLINE uint16_t esp_in_express_burst(struct esp_sa *sa0, struct esp_sa **sas,
					 struct rte_mbuf **mb, uint16_t n,
					 struct esp_ctx *ctx, const unsigned cipher,
					 const uint32_t iv_len, const bool v6, const bool in6,
					 const uint16_t l2, const struct esp_in_via *via,
					 uint16_t *sent)
{
	const uint32_t OUTER = v6 ? ESP_IPV6_HDR_LEN : ESP_IPV4_HDR_MIN;
	const uint32_t HDRS = l2 + OUTER + sizeof(struct esp_hdr);
	const struct esp_sa *sel6_of = NULL;
	struct esp_in_fast job[ESP_IN_CHUNK];
	struct esp_sa_count counted = { 0, 0 };
	struct spd_prefix6 sel6;
	struct esp_in_hop hop;
	uint16_t ngood = 0, nsent = 0;

	esp_in_hop_of(&hop, via, in6);

	for (uint16_t i = 0; i < n;) {
		uint16_t first = i, end = (uint16_t)RTE_MIN(n, i + ESP_IN_CHUNK);

		for (uint16_t k = 0; i < end; i++, k++) {
			const struct esp_sa *sa = sas != NULL ? sas[i] : sa0;
			uint8_t *esp = rte_pktmbuf_mtod_offset(mb[i], uint8_t *, l2 + OUTER);
			uint32_t len = rte_pktmbuf_data_len(mb[i]);
			struct esp_in_fast *j = &job[k];

			/* the order of esp_in_check()'s verdicts */
			j->drop = ESP_DROP_MAX;
			if (len < HDRS + iv_len + sizeof(struct esp_tail) + ESP_ICV_LEN) {
				j->drop = ESP_DROP_RUNT;
				continue;
			}
			j->ct_len = len - HDRS - iv_len - ESP_ICV_LEN;
			if ((j->ct_len & 3) != 0)
				j->drop = ESP_DROP_BAD_PAD;
			else if (unlikely(esp_get32(esp) != sa->spi))
				j->drop = ESP_DROP_NO_SA;
			memcpy(j->aad, esp, 8);
			if (iv_len != 0)
				esp_nonce_explicit(j->nonce, sa->salt, esp + sizeof(struct esp_hdr));
			else
				esp_nonce_iiv(j->nonce, sa->salt, esp_get32(esp + 4), false);
			j->ct = esp + sizeof(struct esp_hdr) + iv_len;
		}
		for (uint16_t at = first; at < end; at++) {
			struct esp_sa *sa = sas != NULL ? sas[at] : sa0;
			struct esp_in_fast *j = &job[at - first];
			struct rte_mbuf *m = mb[at];
			uint8_t tag[ESP_ICV_LEN];
			enum esp_drop r = (enum esp_drop)j->drop;
			int reason;

			if (r != ESP_DROP_MAX)
				goto bad;
			if (replay_check(sa->rw, esp_get32(j->aad + 4), &reason) != 0) {
				r = (enum esp_drop)reason;
				goto bad;
			}
			esp_aead(ctx->mgr, sa->key, cipher, false, j->nonce, j->aad, 8, j->ct, j->ct,
				 j->ct_len, tag);
			if (!esp_icv_equal(tag, j->ct + j->ct_len)) {
				r = ESP_DROP_AUTH;
				goto bad;
			}
			replay_update(sa->rw, esp_get32(j->aad + 4));
			if (in6 && sa != sel6_of) {
				spd_prefix6_of(&sa->sel, &sel6);
				sel6_of = sa;
			}
			if (likely(in6 ? esp_in_plain6(&sel6, j->ct, j->ct_len)
				       : esp_in_plain4(sa, j->ct, j->ct_len))) {
				uint16_t keep = in6 ? (uint16_t)(ESP_IPV6_HDR_LEN + esp_get16(j->ct + 4))
						    : esp_get16(j->ct + 2);

				/* forwarded: the frame from the link header on
				 * (the outer headers leave room for it) */
				if (nsent == ngood && esp_in_hop_take(&hop, j->ct, keep, in6)) {
					esp_keep_range(m, (uint16_t)(HDRS + iv_len - sizeof(struct rte_ether_hdr)),
						       (uint16_t)(keep + sizeof(struct rte_ether_hdr)));
					nsent++;
				} else {
					esp_keep_range(m, (uint16_t)(HDRS + iv_len), keep);
				}
				m->l3_len = 0;
				m->l4_len = 0;
				m->packet_type = RTE_PTYPE_UNKNOWN;
				/* far from its lifetimes: counted at the end
				 * or, of many SAs, at once */
				esp_count_one(sas != NULL ? &sa->stats : &counted, keep);
			} else {
				rte_pktmbuf_adj(m, l2);
				r = esp_in_open(sa, m, ctx, 1, OUTER, j->ct_len);
				if (r != ESP_DROP_MAX)
					goto bad;
			}
			if (sas != NULL)
				esp_keep_sa(mb, sas, at, &ngood);
			else
				esp_keep(mb, at, &ngood);
			continue;
bad:
			esp_count_drop(ctx, sa, r);
		}
	}
	if (sas == NULL)
		esp_account_burst(sa0, &counted);
	*sent = nsent;
	return ngood;
}

/* esp_in_express_burst() for @p sa's cipher and IV length, the families
 * (@p v6 outer, @p in6 inner) given. */
ESP_INLINE uint16_t esp_in_express_af(struct esp_sa *sa, struct esp_sa **sas, struct rte_mbuf **mb,
				      uint16_t n, struct esp_ctx *ctx, const bool v6, const bool in6,
				      uint16_t l2, const struct esp_in_via *via, uint16_t *sent)
{
	bool iv = sa->iv_len != 0;

	if (sa->cipher == ESP_CIPHER_AES128_GCM16)
		return iv ? esp_in_express_burst(sa, sas, mb, n, ctx, ESP_CIPHER_AES128_GCM16,
						 ESP_IV_LEN, v6, in6, l2, via, sent)
			  : esp_in_express_burst(sa, sas, mb, n, ctx, ESP_CIPHER_AES128_GCM16, 0,
						 v6, in6, l2, via, sent);
	return iv ? esp_in_express_burst(sa, sas, mb, n, ctx, ESP_CIPHER_AES256_GCM16, ESP_IV_LEN,
					 v6, in6, l2, via, sent)
		  : esp_in_express_burst(sa, sas, mb, n, ctx, ESP_CIPHER_AES256_GCM16, 0, v6, in6,
					 l2, via, sent);
}

/* esp_in_express_af() for @p sa's families. */
ESP_INLINE uint16_t esp_in_express_sa(struct esp_sa *sa, struct esp_sa **sas, struct rte_mbuf **mb,
				      uint16_t n, struct esp_ctx *ctx, uint16_t l2,
				      const struct esp_in_via *via, uint16_t *sent)
{
	bool v6 = (sa->in_chk & ESP_IN_CHK_LOCAL6) != 0;
	/* the inner family: the outer one where the selector is compiled
	 * for it (IPv4 in IPv4, IPv6 in IPv6, or of any family), else the
	 * other (esp_in_express_fits()) */
	bool in6 = (sa->in_chk & (v6 ? ESP_IN_CHK_SEL6 : ESP_IN_CHK_SEL4)) != 0 ? v6 : !v6;

	if (v6)
		return in6 ? esp_in_express_af(sa, sas, mb, n, ctx, true, true, l2, via, sent)
			   : esp_in_express_af(sa, sas, mb, n, ctx, true, false, l2, via, sent);
	return in6 ? esp_in_express_af(sa, sas, mb, n, ctx, false, true, l2, via, sent)
		   : esp_in_express_af(sa, sas, mb, n, ctx, false, false, l2, via, sent);
}

uint16_t esp_in_express(struct esp_sa *sa, struct esp_sa **sas, struct rte_mbuf **mb, uint16_t n,
			struct esp_ctx *ctx, uint16_t l2, const struct esp_in_via *via,
			uint16_t *sent)
{
	/* one SA's bursts in code of their own, which reads its SA once */
	if (sas == NULL)
		return esp_in_express_sa(sa, NULL, mb, n, ctx, l2, via, sent);
	return esp_in_express_sa(sa, sas, mb, n, ctx, l2, via, sent);
}

bool esp_in_express_fits(const struct esp_sa *sa, uint16_t n, uint8_t family)
{
	const uint32_t local = family == AF_INET6 ? ESP_IN_CHK_LOCAL6 : ESP_IN_CHK_LOCAL4;

	return sa->dir == ESP_DIR_IN && sa->mode == ESP_MODE_TUNNEL &&
	       (sa->cipher == ESP_CIPHER_AES128_GCM16 || sa->cipher == ESP_CIPHER_AES256_GCM16) &&
	       (sa->flags & (ESP_SA_F_ESN | ESP_SA_F_DEAD)) == 0 && (sa->in_chk & local) != 0 &&
	       (sa->in_chk & (ESP_IN_CHK_SEL4 | ESP_IN_CHK_SEL6)) != 0 && esp_life_far(sa, n);
}
