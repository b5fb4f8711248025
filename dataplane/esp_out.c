/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ESP encapsulation (RFC 4303 §3.1, §3.3; RFC 3948 §2 for ESP-in-UDP).
 *
 * One always-inline function, instantiated per (layout, NAT-T, cipher) so
 * that the mode, outer family and algorithm are constants in each handler;
 * esp_out_handler() picks the instance once at SA setup.
 */
#include <assert.h>
#include <sys/socket.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/esp_common.h"
#include "dataplane/ip6.h"
#include "dataplane/ttl.h"
#include "dataplane/xform.h"

enum esp_out_layout {
	OUT_TUN4,   /* tunnel, IPv4 outer header */
	OUT_TUN6,   /* tunnel, IPv6 outer header */
	OUT_TRANS,  /* transport */
};

void esp_nonce_iiv(uint8_t nonce[ESP_NONCE_LEN], const uint8_t salt[ESP_SALT_LEN],
		   uint64_t seq, int esn)
{
	/* RFC 8750 §3: IIV = ESN(64), or 0^32 || SN(32) without ESN; in
	 * whole words, as esp_nonce_explicit() says why. */
	uint8_t iiv[ESP_IV_LEN];

	esp_put64(iiv, esn ? seq : (uint32_t)seq);
	esp_nonce_explicit(nonce, salt, iiv);
}

/*
 * Validate the packet to protect and find where ESP goes (a header the
 * worker checked, ESP_PTYPE_IP4_CHECKED or ESP_PTYPE_IP6_CHECKED, is only
 * read). Fills the offset of the ESP header in the original packet (0 for
 * tunnel), the payload's next header, and for tunnel mode DSCP/ECN and DF
 * (esp_ip4_df()).
 */
ESP_INLINE int esp_out_parse(struct rte_mbuf *m, const int layout, uint32_t *split,
			     uint32_t *nh_off, uint8_t *next, uint8_t *tos, uint64_t *df)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint32_t iplen;

	if (m->packet_type == ESP_PTYPE_IP4_CHECKED) {
		*tos = p[1];
		*df = esp_ip4_df(p);
		*split = layout == OUT_TRANS ? ESP_IPV4_HDR_MIN : 0;
		*nh_off = 9;
		*next = layout == OUT_TRANS ? p[9] : ESP_IPPROTO_IPIP;
		return 0;
	}
	if (m->packet_type == ESP_PTYPE_IP6_CHECKED) {  /* no extension header */
		*tos = (uint8_t)((p[0] & 0x0f) << 4 | p[1] >> 4);
		*df = 0;  /* RFC 4301 §8.1: no DF to copy from IPv6 */
		*split = layout == OUT_TRANS ? ESP_IPV6_HDR_LEN : 0;
		*nh_off = 6;
		*next = layout == OUT_TRANS ? p[6] : ESP_IPPROTO_IPV6;
		return 0;
	}
	if (len < ESP_IPV4_HDR_MIN)
		return -1;
	if ((p[0] >> 4) == 4) {
		uint32_t hl = (uint32_t)(p[0] & 0x0f) * 4;
		iplen = esp_get16(p + 2);
		if (hl < ESP_IPV4_HDR_MIN || iplen < hl || iplen > len)
			return -1;
		*tos = p[1];
		*df = esp_ip4_df(p);
		if (layout == OUT_TRANS) {
			*split = hl;
			*nh_off = 9;
			*next = p[9];
		} else {
			*split = 0;
			*next = ESP_IPPROTO_IPIP;  /* RFC 4303 §2.6 */
		}
	} else if ((p[0] >> 4) == 6) {
		if (len < ESP_IPV6_HDR_LEN)
			return -1;
		iplen = ESP_IPV6_HDR_LEN + esp_get16(p + 4);
		if (iplen > len)
			return -1;
		*tos = (uint8_t)((p[0] & 0x0f) << 4 | p[1] >> 4);
		*df = 0;  /* RFC 4301 §8.1: no DF to copy from IPv6 */
		if (layout == OUT_TRANS) {
			int s = ip6_skip_opts(p, iplen, nh_off);
			if (s < 0)
				return -1;
			*split = (uint32_t)s;
			*next = p[*nh_off];
		} else {
			*split = 0;
			*next = ESP_IPPROTO_IPV6;
		}
	} else {
		return -1;
	}
	/* Octets past the IP length (L2 padding) are not part of the packet. */
	if (iplen < len)
		rte_pktmbuf_trim(m, (uint16_t)(len - iplen));
	return 0;
}

/*
 * One packet's AEAD call, prepared by esp_out_one() and made by
 * esp_out_burst() once the whole chunk is prepared: IPsec-MB's AVX-512
 * GCM reads the nonce, the AAD and the plaintext's last block with
 * masked loads, which are never forwarded from stores still in flight.
 * Called right after its own stores, each call waited for them to reach
 * the cache (~35 cycles a packet, a quarter of a 64-octet packet's time,
 * seen in perf annotate after the nonce's load); a chunk later they have.
 */
struct esp_out_aead {
	uint8_t nonce[16];        /* ESP_NONCE_LEN used */
	uint8_t aad[16];          /* ESP_AAD_MAX used */
	uint8_t *pt;              /* in place; the ICV follows it */
	uint8_t *ip6;             /* ESP-in-UDP over IPv6: the IPv6 header, */
	uint8_t *udp6;            /* and the UDP one, to sum the ciphertext */
	struct esp_sa *sa;        /* of many SAs' bursts */
	uint32_t pt_len;
};
static_assert(ESP_NONCE_LEN <= 16 && ESP_AAD_MAX <= 16, "nonce and AAD fit");

/** Most packets prepared before their AEAD calls are made. */
enum { ESP_OUT_CHUNK = 32 };

/*
 * What an SA's packets move, and the SA's flags they branch on, for a
 * burst that nothing can stop part way (esp_out_unbounded): locals through
 * the burst, the counters stored into the SA once at its end. Each
 * packet's stores go through octet pointers, which may alias anything, so
 * the compiler loaded (and stored) the SA's own fields again for every
 * packet.
 */
struct esp_out_state {
	uint64_t seq;
	struct esp_sa_count count;
	uint16_t ip_id;
	bool esn;          /* the SA's, which its packets' code branches on */
	uint8_t iv_len;
};

/*
 * RFC 4303 §2.4: padding 1, 2, 3, ... of @p pad octets at @p tail, then
 * Pad Length and @p next: one 8-octet store (the ICV, written later,
 * follows the trailer).
 */
ESP_INLINE void esp_out_trailer(uint8_t *tail, uint32_t pad, uint8_t next)
{
	static const uint32_t pad_words[4] = { 0, 0x0101, 0x020201, 0x03030201 };
	static_assert(ESP_ICV_LEN >= 8 - sizeof(struct esp_tail), "trailer store fits");
	uint64_t tw = rte_cpu_to_le_64(pad_words[pad] | (uint64_t)next << (8 * (pad + 1)));

	memcpy(tail, &tw, 8);
}

/* The AAD's length for @p sa's packets (esp_aad_build()). */
ESP_INLINE uint32_t esp_aad_len(const struct esp_sa *sa)
{
	return (sa->flags & ESP_SA_F_ESN) ? 12 : 8;
}

/*
 * The ESP header at @p esp for sequence number @p seq, its IV if @p iv_len
 * (@p iv_given's octets, else the sequence number), and @p job's nonce
 * and AAD (esp_aad_len() octets).
 */
ESP_INLINE void esp_out_esp_hdr(struct esp_out_aead *job, uint8_t *esp, const struct esp_sa *sa,
				uint64_t seq, bool esn, uint32_t iv_len, const uint8_t *iv_given)
{
	/* SPI and the low 32 bits of the SN (RFC 4303 §2.2.1): without ESN
	 * also the AAD (RFC 4106 §5) */
	uint64_t hw = esp_word2(rte_cpu_to_be_32(sa->spi), rte_cpu_to_be_32((uint32_t)seq));
	uint8_t *iv = esp + sizeof(struct esp_hdr);

	memcpy(esp, &hw, 8);
	if (!esn)
		memcpy(job->aad, &hw, 8);
	else
		esp_aad_build(job->aad, sa->spi, seq, esn);
	if (iv_len != 0) {
		/* RFC 4106 §3.1: the IV must be unique per key; the 64-bit
		 * SN is, and makes the output reproducible. */
		if (iv_given != NULL)
			memcpy(iv, iv_given, ESP_IV_LEN);
		else
			esp_put64(iv, seq);
		esp_nonce_explicit(job->nonce, sa->salt, iv);
	} else {
		esp_nonce_iiv(job->nonce, sa->salt, seq, esn);
	}
}

/*
 * A tunnel's outer IPv4 header at @p p, @p hdr_len octets with the
 * template's UDP header after it, if any. The template (sa_hdr_build: zero
 * TOS, length, ID, flags and checksum; its RFC 1071 sum taken once at SA
 * setup) with the fields of this packet, written in three stores; the
 * checksum is the template's sum plus theirs, not a read back of the
 * header (store forwarding would stall on it).
 */
ESP_INLINE void esp_out_ip4(uint8_t *p, const struct esp_sa *sa, uint8_t tos, uint16_t total,
			    uint16_t id, uint64_t df, const uint32_t hdr_len)
{
	uint64_t w0, w1, f = esp_ip4_fields(tos, total, id, df);

	memcpy(&w0, sa->hdr, 8);
	memcpy(&w1, sa->hdr + 8, 8);
	w0 |= f;
	w1 |= esp_ip4_cksum_of(sa->hdr_sum, f);
	memcpy(p, &w0, 8);
	memcpy(p + 8, &w1, 8);
	memcpy(p + 16, sa->hdr + 16, hdr_len - 16);  /* destination (+ UDP) */
}

/*
 * A tunnel's outer IPv6 header at @p p, @p hdr_len octets with the
 * template's UDP header after it, if any: the template with the traffic
 * class @p tc copied (RFC 4301 §5.1.2.1) and the payload length of a
 * packet of @p total octets.
 */
ESP_INLINE void esp_out_ip6(uint8_t *p, const struct esp_sa *sa, uint8_t tc, uint32_t total,
			    const uint32_t hdr_len)
{
	memcpy(p, sa->hdr, hdr_len);
	p[0] = (uint8_t)(0x60 | tc >> 4);
	p[1] = (uint8_t)(tc << 4);
	esp_put16(p + 4, (uint16_t)(total - ESP_IPV6_HDR_LEN));
}

/*
 * Can no packet of a burst of @p n of @p sa's reach a limit: the SA alive,
 * its sequence number and lifetimes more than the burst away from their
 * ends, and no IV given by a test? Then its packets go without those
 * checks (@p fast in esp_out_one).
 */
ESP_INLINE bool esp_out_unbounded(const struct esp_sa *sa, const struct esp_ctx *ctx, uint16_t n,
				  bool near_end)
{
	return !(sa->flags & ESP_SA_F_DEAD) && !near_end && ctx->iv_override == NULL &&
	       esp_life_far(sa, n);
}

/*
 * One packet of @p sa's, its AEAD call left in @p job. With @p fast (a
 * constant: esp_out_unbounded() held for the burst) the sequence number,
 * IPv4 Identification, counters, ESN flag and IV length are @p st's, else
 * the SA's.
 */
ESP_INLINE enum esp_drop esp_out_one(struct esp_sa *sa, struct rte_mbuf *m,
				     struct esp_ctx *ctx, const int layout,
				     const int natt, bool seq_near_end, const bool fast,
				     struct esp_out_state *st, struct esp_out_aead *job)
{
	uint32_t split, nh_off = 0, udp_len = natt ? sizeof(struct esp_udp_hdr) : 0;
	uint8_t next, tos, iv_len = fast ? st->iv_len : sa->iv_len;
	uint64_t df;
	bool esn = fast ? st->esn : (sa->flags & ESP_SA_F_ESN) != 0;

	if (!fast && unlikely(sa->flags & ESP_SA_F_DEAD))
		return ESP_DROP_SA_EXPIRED;
	/* RFC 4303 §3.3.3: the counter never cycles; the SA must be
	 * rekeyed before SN 2^32 - 1 (2^64 - 1 with ESN) is passed.
	 * esp_out_burst rules it out for whole bursts far from the end. */
	if (!fast && unlikely(seq_near_end && sa->seq == (esn ? UINT64_MAX : UINT32_MAX))) {
		if (!(sa->fired & ESP_SA_FIRED_HARD)) {
			sa->fired |= ESP_SA_FIRED_HARD;
			esp_event_post(ctx, sa, ESP_EV_HARD_EXPIRE);
		}
		return ESP_DROP_SEQ_OVERFLOW;
	}
	if (unlikely(esp_linear(m) != 0))
		return ESP_DROP_NO_HEADROOM;
	if (unlikely(esp_out_parse(m, layout, &split, &nh_off, &next, &tos, &df) != 0))
		return ESP_DROP_BAD_L3;

	uint32_t orig_len = rte_pktmbuf_pkt_len(m);
	uint32_t payload = orig_len - split;
	/* RFC 4303 §2.4: pad so Pad Length and Next Header end 4-aligned. */
	uint32_t pad = (ESP_PAD_ALIGN - ((payload + sizeof(struct esp_tail)) & 3)) & 3;
	uint32_t grow_tail = pad + sizeof(struct esp_tail) + ESP_ICV_LEN;
	/* The template's length is a constant of the instance (sa_hdr_build):
	 * fixed-size copies are a few wide moves, not a memcpy call. */
	const uint32_t hdr_len = layout == OUT_TUN4 ? ESP_IPV4_HDR_MIN + udp_len :
				 layout == OUT_TUN6 ? ESP_IPV6_HDR_LEN + udp_len : udp_len;
	uint32_t grow_head = hdr_len + sizeof(struct esp_hdr) + iv_len;

	if (unlikely(rte_pktmbuf_headroom(m) < grow_head ||
		     rte_pktmbuf_tailroom(m) < grow_tail))
		return ESP_DROP_NO_HEADROOM;
	uint8_t *tail = rte_pktmbuf_mtod_offset(m, uint8_t *, rte_pktmbuf_data_len(m));
	uint8_t *p = esp_grow(m, (uint16_t)grow_head, (uint16_t)grow_tail);

	if (layout == OUT_TRANS)  /* IP header (and options) moves to the front */
		memmove(p, p + grow_head, split);

	uint64_t seq = fast ? ++st->seq : ++sa->seq;
	uint32_t total = rte_pktmbuf_pkt_len(m);
	uint32_t esp_off = layout == OUT_TRANS ? split + udp_len : hdr_len;
	uint8_t *esp = p + esp_off;
	uint8_t *pt = esp + sizeof(struct esp_hdr) + iv_len;
	uint32_t pt_len = payload + pad + sizeof(struct esp_tail);

	esp_out_trailer(tail, pad, next);
	esp_out_esp_hdr(job, esp, sa, seq, esn, iv_len,
			!fast && unlikely(ctx->iv_override != NULL) ? ctx->iv_override : NULL);
	job->pt = pt;
	job->pt_len = pt_len;

	/* Outer headers (RFC 4301 §5.1.2.1 tunnel header construction). */
	if (layout == OUT_TUN4) {
		esp_out_ip4(p, sa, tos, (uint16_t)total, fast ? st->ip_id++ : sa->ip_id++, df,
			    hdr_len);
	} else if (layout == OUT_TUN6) {
		esp_out_ip6(p, sa, tos, total, hdr_len);
	} else {
		if ((p[0] >> 4) == 4) {
			esp_put16(p + 2, (uint16_t)total);
			p[9] = natt ? ESP_IPPROTO_UDP : ESP_IPPROTO_ESP;
			esp_ip4_cksum_fix(p);
		} else {
			esp_put16(p + 4, (uint16_t)(total - ESP_IPV6_HDR_LEN));
			p[nh_off] = natt ? ESP_IPPROTO_UDP : ESP_IPPROTO_ESP;
		}
		if (natt)
			memcpy(p + split, sa->hdr, udp_len);
	}
	if (natt) {
		/* RFC 3948 §2.1: UDP length; checksum 0 over IPv4. IPv6 needs
		 * a real one (RFC 8200 §8.1; RFC 6935 zero checksums are
		 * for tunnels that opt in, which ESP-in-UDP does not). */
		uint8_t *udp = esp - udp_len;
		uint32_t ulen = total - (uint32_t)(udp - p);
		esp_put16(udp + 4, (uint16_t)ulen);
		esp_put16(udp + 6, 0);
		bool v6 = layout == OUT_TUN6 || (layout == OUT_TRANS && (p[0] >> 4) == 6);
		job->ip6 = p;
		job->udp6 = v6 ? udp : NULL;
	}
	m->packet_type = RTE_PTYPE_UNKNOWN;
	if (fast) {
		st->count.packets++;
		st->count.bytes += payload;
	} else {
		esp_account(sa, ctx, payload);
	}
	return ESP_DROP_MAX;
}

/* Is @p sa's counter within @p n of its end (RFC 4303 §3.3.3)? */
ESP_INLINE bool esp_out_near_end(const struct esp_sa *sa, uint16_t n)
{
	uint64_t last = (sa->flags & ESP_SA_F_ESN) ? UINT64_MAX : UINT32_MAX;

	return last - sa->seq <= n;
}

/*
 * The burst, in chunks. @p sas is NULL when all the packets are @p sa0's
 * (a constant in the per-SA handlers, so it folds away), else packet i is
 * sas[i]'s, every one with this handler's layout and cipher (many
 * tunnels' packets then share a chunk too). The good packets end up
 * first, in order, and with @p sas their SAs beside them. @p fast and
 * @p st as for esp_out_one() (only with @p sa0).
 */
ESP_INLINE uint16_t esp_out_chunks(struct esp_sa *sa0, struct esp_sa **sas, struct rte_mbuf **mb,
				   uint16_t n, struct esp_ctx *ctx, const int layout,
				   const int natt, const unsigned cipher, bool near_end,
				   const bool fast, struct esp_out_state *st)
{
	struct esp_out_aead job[ESP_OUT_CHUNK];
	IMB_MGR *mgr = ctx->mgr;
	uint16_t ngood = 0;

	/* No prefetch of the packets: the worker's classifier (or
	 * handoff_drain for another worker's) read each header just before. */
	for (uint16_t i = 0; i < n;) {
		uint16_t end = (uint16_t)RTE_MIN(n, i + ESP_OUT_CHUNK), first = ngood;

		for (; i < end; i++) {
			struct esp_sa *sa = sas != NULL ? sas[i] : sa0;
			struct esp_out_aead *j = &job[ngood - first];
			enum esp_drop r = esp_out_one(sa, mb[i], ctx, layout, natt,
						      sas != NULL ? esp_out_near_end(sa, n) : near_end,
						      fast, st, j);
			if (likely(r == ESP_DROP_MAX)) {
				if (sas != NULL) {
					j->sa = sa;
					esp_keep_sa(mb, sas, i, &ngood);
				} else {
					esp_keep(mb, i, &ngood);
				}
			} else {
				esp_count_drop(ctx, sa, r);
			}
		}
		for (uint16_t k = 0; k < ngood - first; k++) {
			const struct esp_out_aead *j = &job[k];
			const struct esp_sa *sa = sas != NULL ? j->sa : sa0;

			esp_aead(mgr, sa->key, cipher, true, j->nonce, j->aad, esp_aad_len(sa),
				 j->pt, j->pt, j->pt_len, j->pt + j->pt_len);
			if (natt && j->udp6 != NULL) {  /* over the ciphertext */
				uint32_t ulen = esp_get16(j->udp6 + 4);
				uint16_t c = esp_udp6_cksum(j->ip6, j->udp6, ulen);
				memcpy(j->udp6 + 6, &c, 2);
			}
		}
	}
	return ngood;
}

/* A burst: of one SA's packets that nothing can stop part way, the fast
 * path; else every packet with its checks (esp_out_chunks). */
ESP_INLINE uint16_t esp_out_burst(struct esp_sa *sa0, struct esp_sa **sas, struct rte_mbuf **mb,
				  uint16_t n, struct esp_ctx *ctx, const int layout,
				  const int natt, const unsigned cipher)
{
	bool near_end = sas == NULL && esp_out_near_end(sa0, n);

	/* sa0 != NULL: folds away in the many-SA handlers, which pass NULL */
	if (sas == NULL && sa0 != NULL && esp_out_unbounded(sa0, ctx, n, near_end)) {
		struct esp_out_state st = {
			.seq = sa0->seq, .ip_id = sa0->ip_id,
			.esn = (sa0->flags & ESP_SA_F_ESN) != 0, .iv_len = sa0->iv_len,
		};
		uint16_t good = esp_out_chunks(sa0, NULL, mb, n, ctx, layout, natt, cipher,
					       false, true, &st);

		sa0->seq = st.seq;
		sa0->ip_id = st.ip_id;
		esp_account_burst(sa0, &st.count);
		return good;
	}
	return esp_out_chunks(sa0, sas, mb, n, ctx, layout, natt, cipher, near_end, false, NULL);
}

/*
 * esp_out_express() for one cipher, IV length and outer family (@p v6):
 * esp_out_one()'s tunnel instance on the fast state, with what the worker
 * checked left out and its forwarding done in the same pass, the outer
 * frame's link header @p l2 written. @p framed (a constant): the frames
 * as received, their link header on, the inner header's TTL or hop limit
 * less one here, all of the inner family @p in6 (IPv6, else IPv4; a
 * constant); else classified packets (the worker's clear queue: no link
 * header, the TTL done), each of its own family. Every packet is @p sa0's
 * (its counters in locals for the burst), or with @p sas packet i is
 * sas[i]'s (each packet's counted on its SA at once, as
 * esp_in_express_burst() does).
 */
ESP_INLINE void esp_out_express_burst(struct esp_sa *sa0, struct esp_sa **sas,
				      struct rte_mbuf **mb, uint16_t n, struct esp_ctx *ctx,
				      const uint8_t *l2, const unsigned cipher,
				      const uint32_t iv_len, const bool framed, bool in6,
				      const bool v6)
{
	const uint32_t L2 = sizeof(struct rte_ether_hdr);
	const uint32_t IN = framed ? L2 : 0;   /* octets before the inner header */
	const uint32_t ip_len = v6 ? ESP_IPV6_HDR_LEN : ESP_IPV4_HDR_MIN;
	const uint32_t grow_head = ip_len + sizeof(struct esp_hdr) + iv_len;
	struct esp_out_aead job[ESP_OUT_CHUNK];
	struct esp_sa_count counted = { 0, 0 };
	uint64_t seq = sas == NULL ? sa0->seq : 0;
	uint16_t id = sas == NULL ? sa0->ip_id : 0;
	uint8_t link[sizeof(struct rte_ether_hdr)];

	memcpy(link, l2, sizeof(link));
	for (uint16_t i = 0; i < n;) {
		uint16_t first = i, end = (uint16_t)RTE_MIN(n, i + ESP_OUT_CHUNK);

		for (; i < end; i++) {
			struct esp_sa *sa = sas != NULL ? sas[i] : sa0;
			struct rte_mbuf *m = mb[i];
			struct esp_out_aead *j = &job[i - first];
			uint8_t *in = rte_pktmbuf_mtod_offset(m, uint8_t *, IN);
			uint32_t payload = rte_pktmbuf_data_len(m) - IN;
			uint32_t pad = (ESP_PAD_ALIGN - ((payload + sizeof(struct esp_tail)) & 3)) & 3;
			uint32_t grow = grow_head + pad + sizeof(struct esp_tail) + ESP_ICV_LEN;
			uint8_t *p = in - grow_head - L2, *esp = p + L2 + ip_len;

			if (!framed)
				in6 = (in[0] >> 4) == 6;
			/* as esp_out_parse(): the TOS or traffic class, and
			 * the DF bit of IPv4 (RFC 4301 §8.1: none from IPv6) */
			uint8_t tos = in6 ? (uint8_t)((in[0] & 0x0f) << 4 | in[1] >> 4) : in[1];
			uint64_t df = in6 ? 0 : esp_ip4_df(in);

			if (v6)
				esp_out_ip6(p + L2, sa, tos, payload + grow, ESP_IPV6_HDR_LEN);
			else
				esp_out_ip4(p + L2, sa, tos, (uint16_t)(payload + grow),
					    sas != NULL ? sa->ip_id++ : id++, df, ESP_IPV4_HDR_MIN);
			if (framed && in6)
				ttl_dec6_from_above_1((struct rte_ipv6_hdr *)in);
			else if (framed)
				ttl_dec4_from_above_1((struct rte_ipv4_hdr *)in);
			esp_out_trailer(in + payload, pad, in6 ? ESP_IPPROTO_IPV6 : ESP_IPPROTO_IPIP);
			m->data_off = (uint16_t)(m->data_off - grow_head - (L2 - IN));
			m->data_len = (uint16_t)(m->data_len + grow + (L2 - IN));
			m->pkt_len += grow + (L2 - IN);
			m->packet_type = RTE_PTYPE_UNKNOWN;
			memcpy(p, link, sizeof(link));
			esp_out_esp_hdr(j, esp, sa, sas != NULL ? ++sa->seq : ++seq, false, iv_len,
					NULL);
			j->pt = esp + sizeof(struct esp_hdr) + iv_len;
			j->pt_len = payload + pad + sizeof(struct esp_tail);
			if (sas != NULL)
				j->sa = sa;
			/* far from its lifetimes (esp_out_express_fits()):
			 * counted at the end or, of many SAs, at once */
			esp_count_one(sas != NULL ? &sa->stats : &counted, payload);
		}
		for (uint16_t k = 0; k < end - first; k++) {
			const struct esp_out_aead *j = &job[k];
			const struct esp_sa *sa = sas != NULL ? j->sa : sa0;

			esp_aead(ctx->mgr, sa->key, cipher, true, j->nonce, j->aad, 8, j->pt, j->pt,
				 j->pt_len, j->pt + j->pt_len);
		}
	}
	if (sas == NULL) {
		sa0->seq = seq;
		sa0->ip_id = id;
		esp_account_burst(sa0, &counted);
	}
}

/* esp_out_express_burst() for @p sa's IV length and outer family. */
ESP_INLINE void esp_out_express_cipher(struct esp_sa *sa, struct esp_sa **sas,
				       struct rte_mbuf **mb, uint16_t n, struct esp_ctx *ctx,
				       const uint8_t *l2, const unsigned cipher,
				       const bool framed, const bool in6)
{
	bool iv = sa->iv_len != 0;

	if (sa->outer_af == AF_INET6 && iv)
		esp_out_express_burst(sa, sas, mb, n, ctx, l2, cipher, ESP_IV_LEN, framed, in6, true);
	else if (sa->outer_af == AF_INET6)
		esp_out_express_burst(sa, sas, mb, n, ctx, l2, cipher, 0, framed, in6, true);
	else if (iv)
		esp_out_express_burst(sa, sas, mb, n, ctx, l2, cipher, ESP_IV_LEN, framed, in6, false);
	else
		esp_out_express_burst(sa, sas, mb, n, ctx, l2, cipher, 0, framed, in6, false);
}

/* esp_out_express_cipher() for @p sa's cipher. */
ESP_INLINE void esp_out_express_in(struct esp_sa *sa, struct esp_sa **sas, struct rte_mbuf **mb,
				   uint16_t n, struct esp_ctx *ctx, const uint8_t *l2,
				   const bool framed, const bool in6)
{
	if (sa->cipher == ESP_CIPHER_AES128_GCM16)
		esp_out_express_cipher(sa, sas, mb, n, ctx, l2, ESP_CIPHER_AES128_GCM16, framed, in6);
	else if (sa->cipher == ESP_CIPHER_AES256_GCM16)
		esp_out_express_cipher(sa, sas, mb, n, ctx, l2, ESP_CIPHER_AES256_GCM16, framed, in6);
	else
		esp_out_express_cipher(sa, sas, mb, n, ctx, l2, ESP_CIPHER_CHACHA20_POLY1305,
				       framed, in6);
}

void esp_out_express(struct esp_sa *sa, struct rte_mbuf **mb, uint16_t n, struct esp_ctx *ctx,
		     const uint8_t *l2, uint8_t family)
{
	if (family == AF_INET6)
		esp_out_express_in(sa, NULL, mb, n, ctx, l2, true, true);
	else
		esp_out_express_in(sa, NULL, mb, n, ctx, l2, true, false);
}

void esp_out_express_queued(struct esp_sa *sa, struct esp_sa **sas, struct rte_mbuf **mb,
			    uint16_t n, struct esp_ctx *ctx, const uint8_t *l2)
{
	/* one SA's bursts in code of their own, which keeps its counters in
	 * locals; each packet's family is read for it */
	if (sas == NULL)
		esp_out_express_in(sa, NULL, mb, n, ctx, l2, false, false);
	else
		esp_out_express_in(sa, sas, mb, n, ctx, l2, false, false);
}

bool esp_out_express_fits(const struct esp_sa *sa, const struct esp_ctx *ctx, uint16_t n,
			  uint8_t family)
{
	return sa->dir == ESP_DIR_OUT && sa->mode == ESP_MODE_TUNNEL && sa->outer_af != 0 &&
	       (family == AF_INET || family == AF_INET6) &&
	       (sa->flags & (ESP_SA_F_ESN | ESP_SA_F_NATT)) == 0 &&
	       esp_out_unbounded(sa, ctx, n, esp_out_near_end(sa, n));
}

#define ESP_OUT_FN(lay, nt, ci) esp_out_##lay##_##nt##_##ci
#define ESP_OUT_MULTI_FN(lay, nt, ci) esp_out_multi_##lay##_##nt##_##ci
#define ESP_OUT_DEFINE(lay, nt, ci)                                             \
	static uint16_t ESP_OUT_FN(lay, nt, ci)(struct esp_sa *sa,              \
			struct rte_mbuf **mb, uint16_t n, struct esp_ctx *ctx)  \
	{                                                                       \
		return esp_out_burst(sa, NULL, mb, n, ctx, lay, nt, ci);        \
	}                                                                       \
	static uint16_t ESP_OUT_MULTI_FN(lay, nt, ci)(struct esp_sa **sas,      \
			struct rte_mbuf **mb, uint16_t n, struct esp_ctx *ctx)  \
	{                                                                       \
		return esp_out_burst(NULL, sas, mb, n, ctx, lay, nt, ci);       \
	}
#define ESP_OUT_CIPHERS(lay, nt)                                      \
	ESP_OUT_DEFINE(lay, nt, ESP_CIPHER_AES128_GCM16)              \
	ESP_OUT_DEFINE(lay, nt, ESP_CIPHER_AES256_GCM16)              \
	ESP_OUT_DEFINE(lay, nt, ESP_CIPHER_CHACHA20_POLY1305)
#define ESP_OUT_NATT(lay) ESP_OUT_CIPHERS(lay, 0) ESP_OUT_CIPHERS(lay, 1)

ESP_OUT_NATT(OUT_TUN4)
ESP_OUT_NATT(OUT_TUN6)
ESP_OUT_NATT(OUT_TRANS)

/* A row of handlers named by @p FN (ESP_OUT_FN or ESP_OUT_MULTI_FN). */
#define ESP_OUT_ROW(FN, lay, nt) {                                  \
	FN(lay, nt, ESP_CIPHER_AES128_GCM16),                       \
	FN(lay, nt, ESP_CIPHER_AES256_GCM16),                       \
	FN(lay, nt, ESP_CIPHER_CHACHA20_POLY1305) }
/* [layout][natt][cipher] */
#define ESP_OUT_TABLE(FN) {                                                     \
	{ ESP_OUT_ROW(FN, OUT_TUN4, 0), ESP_OUT_ROW(FN, OUT_TUN4, 1) },         \
	{ ESP_OUT_ROW(FN, OUT_TUN6, 0), ESP_OUT_ROW(FN, OUT_TUN6, 1) },         \
	{ ESP_OUT_ROW(FN, OUT_TRANS, 0), ESP_OUT_ROW(FN, OUT_TRANS, 1) } }

static const esp_xform_fn esp_out_table[3][2][3] = ESP_OUT_TABLE(ESP_OUT_FN);
static const esp_multi_fn esp_out_multi_table[3][2][3] = ESP_OUT_TABLE(ESP_OUT_MULTI_FN);

static int esp_out_layout(const struct esp_sa *sa)
{
	return sa->mode == ESP_MODE_TRANSPORT ? OUT_TRANS :
	       sa->outer_af == AF_INET6 ? OUT_TUN6 : OUT_TUN4;
}

esp_xform_fn esp_out_handler(const struct esp_sa *sa)
{
	return esp_out_table[esp_out_layout(sa)][(sa->flags & ESP_SA_F_NATT) ? 1 : 0][sa->cipher];
}

static esp_multi_fn esp_out_multi_handler(const struct esp_sa *sa)
{
	return esp_out_multi_table[esp_out_layout(sa)][(sa->flags & ESP_SA_F_NATT) ? 1 : 0]
				  [sa->cipher];
}

uint16_t esp_outbound_multi(struct esp_sa **sas, struct rte_mbuf **mb, uint16_t n,
			    struct esp_ctx *ctx)
{
	return esp_multi(sas, mb, n, ctx, ESP_DIR_OUT, esp_outbound, esp_out_multi_handler);
}

uint16_t esp_outbound(struct esp_sa *sa, struct rte_mbuf **mb, uint16_t n, struct esp_ctx *ctx)
{
	return esp_one(sa, mb, n, ctx, ESP_DIR_OUT);
}
