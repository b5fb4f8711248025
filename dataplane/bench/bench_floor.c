/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ESP floor (esprit-bench --floor): the same packets as esprit's case,
 * through the least code that turns them into what esprit sends. One
 * pass per packet and one for the AEAD calls, nothing looked up or
 * validated: the SA, the outer header's template and the next hop's L2
 * header are known before the loop starts, every frame is taken to be
 * the case's. What esprit does on top (classifying, the SPD, routing,
 * MTU, lifetimes, counters, the passes between them) is esprit's overhead
 * over the floor; what the floor itself costs over the limit is ESP's
 * own work, which no gateway can leave out. So the floor's fraction of
 * the limit bounds what any implementation could read in this harness.
 *
 * It serves one kind of case: one worker, one tunnel SA (IPv4 in IPv4 or
 * IPv6 in IPv6) with AES-GCM, an explicit or an implicit IV (RFC 8750),
 * without NAT-T or ESN (bench_floor_fits(), bench_floor_init()). Its
 * output is checked against esprit's own transform before the rounds
 * (bench_floor_check(): a few frames, so the counters' steps are seen
 * too), and a packet it cannot take (an inbound ICV that
 * does not verify) is counted and makes the case's floor invalid.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/bench/bench_run.h"
#include "dataplane/esp_common.h"
#include "dataplane/fib.h"
#include "dataplane/replay.h"
#include "dataplane/sad.h"
#include "dataplane/spd.h"
#include "dataplane/worker.h"

enum {
	FLOOR_ESP = 8,              /* the ESP header; the IV, if any, follows */
	FLOOR_CHECK_MAX = 8,        /* frames bench_floor_check() compares */
};

#define FLOOR_INLINE static inline __attribute__((always_inline))

/* The nonce of sequence number @p seq: with an IV in the packet at @p iv
 * (its 8 octets), else RFC 8750's implicit one (0^32 || SN, no ESN). */
FLOOR_INLINE void floor_nonce(uint8_t nonce[16], const struct esp_sa *sa, const uint8_t *iv,
			      uint32_t seq)
{
	uint8_t iiv[ESP_IV_LEN];

	if (iv == NULL) {
		esp_put64(iiv, seq);
		iv = iiv;
	}
	esp_nonce_explicit(nonce, sa->salt, iv);
}

/* What the floor keeps of one packet for its AEAD call. */
struct floor_job {
	uint8_t nonce[16];
	uint8_t aad[8];
	uint8_t *text;
	uint32_t len;
	struct rte_mbuf *m;
};

bool bench_floor_fits(const struct bench_case *c)
{
	return c->workers == 1 && c->n_sas == 1 && c->outer == c->family &&
	       (c->cipher == ESP_CIPHER_AES128_GCM16 || c->cipher == ESP_CIPHER_AES256_GCM16);
}

/* The IPv4 header's TTL less one, its checksum updated (RFC 1624). */
static inline void floor_ttl_dec(uint8_t *ip)
{
	uint32_t sum;
	uint16_t ck;

	ip[8]--;
	memcpy(&ck, ip + 10, 2);
	sum = (uint32_t)ck + rte_cpu_to_be_16(0x0100);
	ck = (uint16_t)(sum + (sum >> 16));
	memcpy(ip + 10, &ck, 2);
}

/* Clear frames in, ESP frames (L2 on) out, in place; @p iv_len 8 (an
 * explicit IV, the sequence number) or 0 (RFC 8750), @p v6 IPv6 in IPv6
 * (else IPv4 in IPv4): constants. */
FLOOR_INLINE uint16_t floor_out(struct bench_floor *f, struct rte_mbuf **mb, uint16_t n,
				const uint32_t iv_len, const bool v6)
{
	const uint32_t ip_len = v6 ? 40 : 20, outer = ip_len + FLOOR_ESP + iv_len;
	static const uint32_t pad_words[4] = { 0, 0x0101, 0x020201, 0x03030201 };
	struct floor_job job[WORKER_BURST];
	struct esp_sa *sa = f->sa;
	const uint8_t *kd = sa->key;
	uint64_t seq = sa->seq, w0t, w1t;
	uint16_t id = sa->ip_id;

	memcpy(&w0t, sa->hdr, 8);
	memcpy(&w1t, sa->hdr + 8, 8);
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = mb[i];
		uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *), *ip = frame + 14;
		uint32_t len = rte_pktmbuf_data_len(m), plen = len - 14;
		uint32_t pad = (4 - ((plen + 2) & 3)) & 3;
		uint32_t grow = outer + pad + 2 + ESP_ICV_LEN;
		uint8_t nh = v6 ? ESP_IPPROTO_IPV6 : ESP_IPPROTO_IPIP;
		uint64_t tw = pad_words[pad] | (uint64_t)nh << (8 * (pad + 1));
		uint8_t *p = frame - outer;   /* the new frame */
		uint8_t tos = v6 ? (uint8_t)((ip[0] & 0x0f) << 4 | ip[1] >> 4) : ip[1];
		uint64_t df = v6 ? 0 : esp_ip4_df(ip);

		if (v6)
			ip[7]--;   /* the hop limit */
		else
			floor_ttl_dec(ip);
		memcpy(frame + len, &tw, 8);
		m->data_off = (uint16_t)(m->data_off - outer);
		m->data_len = (uint16_t)(len + grow);
		m->pkt_len = len + grow;

		uint64_t hw = esp_word2(rte_cpu_to_be_32(sa->spi), rte_cpu_to_be_32((uint32_t)++seq));
		uint8_t *esp = p + 14 + ip_len;

		memcpy(p, f->l2, 14);
		if (v6) {
			/* the template, its traffic class and payload length */
			memcpy(p + 14, sa->hdr, 40);
			p[14] = (uint8_t)(0x60 | tos >> 4);
			p[15] = (uint8_t)(tos << 4);
			esp_put16(p + 18, (uint16_t)(plen + grow - 40));
		} else {
			uint64_t fl = esp_ip4_fields(tos, (uint16_t)(plen + grow), id++, df);
			uint64_t w0 = w0t | fl, w1 = w1t | esp_ip4_cksum_of(sa->hdr_sum, fl);

			memcpy(p + 14, &w0, 8);
			memcpy(p + 22, &w1, 8);
			memcpy(p + 30, sa->hdr + 16, 4);
		}
		memcpy(esp, &hw, 8);
		if (iv_len != 0)
			esp_put64(esp + 8, seq);
		memcpy(job[i].aad, &hw, 8);
		floor_nonce(job[i].nonce, sa, iv_len != 0 ? esp + 8 : NULL, (uint32_t)seq);
		job[i].text = p + 14 + outer;
		job[i].len = plen + pad + 2;
	}
	/* after the stores, as esprit does (esp_out.c, struct esp_out_aead) */
	for (uint16_t i = 0; i < n; i++)
		esp_aead(f->mgr, kd, f->cipher, true, job[i].nonce, job[i].aad, 8, job[i].text,
			 job[i].text, job[i].len, job[i].text + job[i].len);
	sa->seq = seq;
	sa->ip_id = id;
	return n;
}

/* ESP frames in, the inner frames (L2 on) out, the good ones first;
 * @p iv_len and @p v6 as for floor_out(). */
FLOOR_INLINE uint16_t floor_in(struct bench_floor *f, struct rte_mbuf **mb, uint16_t n,
			       const uint32_t iv_len, const bool v6)
{
	const uint32_t ip_len = v6 ? 40 : 20, outer = ip_len + FLOOR_ESP + iv_len;
	struct floor_job job[WORKER_BURST];
	struct esp_sa *sa = f->sa;
	const uint8_t *kd = sa->key;
	uint16_t good = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint8_t *esp = rte_pktmbuf_mtod_offset(mb[i], uint8_t *, 14 + ip_len);

		memcpy(job[i].aad, esp, 8);
		floor_nonce(job[i].nonce, sa, iv_len != 0 ? esp + 8 : NULL, esp_get32(esp + 4));
		job[i].text = esp + 8 + iv_len;
		job[i].len = rte_pktmbuf_data_len(mb[i]) - 14 - outer - ESP_ICV_LEN;
		job[i].m = mb[i];
		if (rte_pktmbuf_data_len(mb[i]) < 14 + outer + ESP_ICV_LEN + ip_len)
			job[i].len = 0;   /* not the case's: refused below */
	}
	for (uint16_t i = 0; i < n; i++) {
		struct floor_job *j = &job[i];
		uint8_t tag[ESP_ICV_LEN], *ct = j->text;
		uint32_t seq = esp_get32(j->aad + 4);
		int reason;

		if (j->len == 0 || esp_get32(j->aad) != sa->spi ||
		    replay_check(sa->rw, seq, &reason) != 0)
			goto bad;
		esp_aead(f->mgr, kd, f->cipher, false, j->nonce, j->aad, 8, ct, ct, j->len, tag);
		if (!esp_icv_equal(tag, ct + j->len))
			goto bad;
		replay_update(sa->rw, seq);

		uint32_t inner = v6 ? 40u + esp_get16(ct + 4) : esp_get16(ct + 2);
		uint8_t pad_len = ct[j->len - 2];

		if (ct[j->len - 1] != (v6 ? ESP_IPPROTO_IPV6 : ESP_IPPROTO_IPIP) ||
		    pad_len + 2u + inner > j->len)
			goto bad;
		if (v6)
			ct[7]--;
		else
			floor_ttl_dec(ct);
		memcpy(ct - 14, f->l2, 14);
		j->m->data_off = (uint16_t)(j->m->data_off + outer);
		j->m->data_len = (uint16_t)(14 + inner);
		j->m->pkt_len = 14 + inner;
		mb[good++] = j->m;
		continue;
bad:
		f->bad++;
		rte_pktmbuf_free(j->m);
	}
	return good;
}

/* The floor's pass over a burst, for the SA's direction and IV. */
static uint16_t floor_burst(struct bench_floor *f, struct rte_mbuf **mb, uint16_t n)
{
	bool iv = f->iv_len != 0;

	if (f->inbound)
		return f->v6 ? (iv ? floor_in(f, mb, n, ESP_IV_LEN, true) : floor_in(f, mb, n, 0, true))
			     : (iv ? floor_in(f, mb, n, ESP_IV_LEN, false) : floor_in(f, mb, n, 0, false));
	return f->v6 ? (iv ? floor_out(f, mb, n, ESP_IV_LEN, true) : floor_out(f, mb, n, 0, true))
		     : (iv ? floor_out(f, mb, n, ESP_IV_LEN, false) : floor_out(f, mb, n, 0, false));
}

int bench_floor_main(void *arg)
{
	struct bench_floor *f = arg;
	struct rte_mbuf *b[WORKER_BURST];
	uint64_t pkts = f->pkts;
	uint16_t want = WORKER_BURST;

	while (!f->stop) {
		/* bursts as long as esprit's (struct worker_rxq) */
		uint16_t n = rte_eth_rx_burst(f->rx_port, 0, b, want);

		if (n == 0)
			continue;
		want = worker_rx_want(b, n);
		n = floor_burst(f, b, n);
		bench_send(f->tx_port, f->txq, b, n, &pkts, &f->pkts);
	}
	return 0;
}

int bench_floor_init(struct bench_floor *f, const struct bench_case *c, struct worker *w,
		     const struct fib *fib, IMB_MGR *mgr)
{
	struct bench_topo t;
	struct fib_hop hop;
	const struct rte_ether_addr *mac;
	const uint8_t *dst;

	f->inbound = c->dir == BENCH_IN;
	f->cipher = c->cipher;
	f->mgr = mgr;
	if (f->inbound) {
		f->sa = sad_lookup(w->sad, bench_spi(c, 0));
		bench_topo(&t, c);
		dst = t.inner_dst.bytes;
	} else {
		f->sa = w->spd != NULL && w->spd->n > 0 ? w->spd->rules[0].sa : NULL;
		dst = f->sa != NULL ? esp_sa_peer(f->sa) : NULL;
	}
	/* the bench's tunnels carry their own family */
	if (f->sa == NULL || f->sa->outer_af != c->family || (f->sa->flags & ESP_SA_F_NATT) ||
	    f->sa->mode != ESP_MODE_TUNNEL || (f->sa->flags & ESP_SA_F_ESN) ||
	    (f->sa->iv_len != ESP_IV_LEN && f->sa->iv_len != 0) ||
	    fib_route(fib, c->family, dst, &hop) != 0 ||
	    (mac = fib_neigh_lookup(fib, c->family, hop.nh, hop.port)) == NULL)
		return -EINVAL;
	f->iv_len = f->sa->iv_len;
	f->v6 = c->family == AF_INET6;
	memcpy(f->l2, mac, 6);
	memcpy(f->l2 + 6, &fib->ports[hop.port].mac, 6);
	esp_put16(f->l2 + 12, f->v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	return 0;
}

/* The IP header at @p ip with its TTL or hop limit less one, an IPv4
 * checksum summed anew (not floor_ttl_dec()'s update, so the check does
 * not trust it). */
static void check_ttl_dec(uint8_t *ip, bool v6)
{
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

	if (v6) {
		((struct rte_ipv6_hdr *)ip)->hop_limits--;
		return;
	}
	h->time_to_live--;
	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
}

int bench_floor_check(struct bench_floor *f, struct rte_mbuf **m, uint16_t n,
		      struct rte_mempool *pool, struct esp_ctx *ctx)
{
	struct rte_mbuf *a[FLOOR_CHECK_MAX], *b[FLOOR_CHECK_MAX];
	uint64_t seq = f->sa->seq;
	uint16_t id = f->sa->ip_id, na = 0, nb = 0, got;
	int rc = -EPROTO;

	n = RTE_MIN(n, (uint16_t)FLOOR_CHECK_MAX);
	for (; na < n && (a[na] = rte_pktmbuf_copy(m[na], pool, 0, UINT32_MAX)) != NULL; na++)
		;
	for (; nb < n && (b[nb] = rte_pktmbuf_copy(m[nb], pool, 0, UINT32_MAX)) != NULL; nb++)
		;
	if (na < n || nb < n)
		goto out;
	/* esprit's transform on a[], as the worker hands them over (no L2,
	 * the classifier's marks, the worker's TTL) */
	for (uint16_t i = 0; i < n; i++) {
		rte_pktmbuf_adj(a[i], 14);
		a[i]->l3_len = f->v6 ? 40 : 20;
		a[i]->l4_len = 0;
		a[i]->packet_type = f->v6 ? (f->inbound ? ESP_PTYPE_IP6_ESP_CHECKED
							: ESP_PTYPE_IP6_CHECKED)
					  : (f->inbound ? ESP_PTYPE_IP4_ESP_CHECKED
							: ESP_PTYPE_IP4_CHECKED);
		if (!f->inbound)
			check_ttl_dec(rte_pktmbuf_mtod(a[i], uint8_t *), f->v6);
	}
	got = f->sa->xform(f->sa, a, n, ctx);
	if (got != n)
		goto out;
	for (uint16_t i = 0; f->inbound && i < n; i++)
		check_ttl_dec(rte_pktmbuf_mtod(a[i], uint8_t *), f->v6);
	if (!f->inbound) {
		f->sa->seq = seq;   /* the floor makes the same packets again */
		f->sa->ip_id = id;
	}
	/* the floor on b[]: the same octets after its L2 header */
	got = floor_burst(f, b, n);
	nb = got;   /* floor_in frees what it refuses */
	if (got != n)
		goto out;
	for (uint16_t i = 0; i < n; i++)
		if (rte_pktmbuf_data_len(b[i]) != rte_pktmbuf_data_len(a[i]) + 14 ||
		    memcmp(rte_pktmbuf_mtod(b[i], uint8_t *), f->l2, 14) != 0 ||
		    memcmp(rte_pktmbuf_mtod_offset(b[i], uint8_t *, 14),
			   rte_pktmbuf_mtod(a[i], uint8_t *), rte_pktmbuf_data_len(a[i])) != 0)
			goto out;
	rc = 0;
out:
	rte_pktmbuf_free_bulk(a, na);
	rte_pktmbuf_free_bulk(b, nb);
	return rc;
}
