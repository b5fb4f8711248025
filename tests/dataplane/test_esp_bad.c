/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_esp_bad.c - bad input through esp_inbound: each packet is dropped,
 * counted under exactly one reason (worker and SA counters), and the SA
 * keeps working afterwards. Outbound: sequence number overflow (RFC 4303
 * §3.3.3), soft and hard lifetimes by packets and bytes with their events,
 * missing headroom, non-IP input.
 *
 * Packets with wrong padding or next header are built here with the AEAD
 * directly, so that they authenticate and reach the trailer checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dataplane/esp_common.h"
#include "dataplane/sa.h"
#include "dataplane/spd.h"
#include "dataplane/xform.h"
#include "tests/dataplane/eal_helper.h"
#include "tests/dataplane/pkt_helper.h"
#include "tests/check_run.h"

#define GOOD (-1)
enum { BUF = 2048 };

static struct esp_sa *out_sa, *in_sa;
static struct esp_ctx ctx;
static struct rte_ring *ev_ring;

/* out_sa and in_sa anew, with outer headers of @p outer. */
static void sas_make_af(enum esp_mode mode, enum esp_cipher c, uint32_t flags, uint8_t outer)
{
	struct esp_sa_params p;

	esp_sa_destroy(out_sa);
	esp_sa_destroy(in_sa);
	test_sa_params(&p, ESP_DIR_OUT, mode, c, flags, outer);
	out_sa = esp_sa_create(&p, test_mgr());
	test_sa_params(&p, ESP_DIR_IN, mode, c, flags, outer);
	in_sa = esp_sa_create(&p, test_mgr());
	ck_assert_ptr_nonnull(out_sa);
	ck_assert_ptr_nonnull(in_sa);
	memset(&ctx, 0, sizeof(ctx));
	ctx.mgr = test_mgr();
	ctx.events = ev_ring;
	rte_ring_reset(ev_ring);
}

static void sas_make(enum esp_mode mode, enum esp_cipher c, uint32_t flags)
{
	sas_make_af(mode, c, flags, AF_INET);
}

/* The packet type a NIC's parser gave the frames feed() makes (0: none). */
static uint32_t nic_ptype;
/* The "express" test case: packets the worker would take the express way
 * go through esp_in_express() instead, and must give the same verdicts. */
static bool via_express;
static unsigned express_calls;

static void setup(void)
{
	nic_ptype = 0;
	via_express = false;
	sas_make(ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, 0);
}

static void setup_express(void)
{
	setup();
	via_express = true;
}

/* esp_inbound(), or esp_in_express() where the worker would call it
 * (esp_in_express_take(): ESP in one segment behind an IPv4 header of 20
 * octets, not a fragment, or an IPv6 header whose next header is ESP, as
 * long as it says, to the SA's address). */
static uint16_t inbound(struct rte_mbuf **m, uint16_t n)
{
	bool v6 = in_sa->local.family == AF_INET6;
	bool express = via_express && esp_in_express_fits(in_sa, n, v6 ? AF_INET6 : AF_INET);
	uint16_t sent;

	for (uint16_t i = 0; i < n && express; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(m[i], const uint8_t *);
		uint32_t len = rte_pktmbuf_pkt_len(m[i]);

		if (v6)
			express = m[i]->nb_segs == 1 && len >= 48 && (p[0] >> 4) == 6 &&
				  (uint32_t)(p[4] << 8 | p[5]) + 40 == len && p[6] == 50 &&
				  memcmp(p + 24, in_sa->local.bytes, 16) == 0;
		else
			express = m[i]->nb_segs == 1 && len >= 28 && p[0] == 0x45 &&
				  (uint32_t)(p[2] << 8 | p[3]) == len && ((p[6] & 0x3f) | p[7]) == 0 &&
				  p[9] == 50 && memcmp(p + 16, &in_sa->in.local4, 4) == 0;
	}
	if (!express)
		return esp_inbound(in_sa, m, n, &ctx);
	express_calls++;
	return esp_in_express(in_sa, NULL, m, n, &ctx, 0, NULL, &sent);
}

static void teardown(void)
{
	esp_sa_destroy(out_sa);
	esp_sa_destroy(in_sa);
	out_sa = in_sa = NULL;
}

/* Run one packet inbound; GOOD, or the one reason it was counted under. */
static int feed_m(struct rte_mbuf *m, uint8_t *out, size_t *out_len)
{
	uint64_t before[ESP_DROP_MAX], sa_before[ESP_DROP_MAX];
	memcpy(before, ctx.drops, sizeof(before));
	memcpy(sa_before, in_sa->drops, sizeof(sa_before));

	test_in_layout(m);
	m->packet_type = nic_ptype;
	uint16_t good = inbound(&m, 1);
	int reason = GOOD, changed = 0;
	for (int r = 0; r < ESP_DROP_MAX; r++) {
		if (ctx.drops[r] != before[r]) {
			ck_assert_uint_eq(ctx.drops[r], before[r] + 1);
			ck_assert_uint_eq(in_sa->drops[r], sa_before[r] + 1);
			reason = r;
			changed++;
		}
	}
	ck_assert_int_eq(changed, good ? 0 : 1);
	if (good && out != NULL) {
		*out_len = rte_pktmbuf_pkt_len(m);
		memcpy(out, rte_pktmbuf_mtod(m, uint8_t *), *out_len);
	}
	rte_pktmbuf_free(m);
	return reason;
}

static int feed(const uint8_t *w, size_t len)
{
	struct rte_mbuf *m = test_mbuf(w, len);
	ck_assert_ptr_nonnull(m);
	return feed_m(m, NULL, NULL);
}

static const char *rname(int r)
{
	return r == GOOD ? "good" : esp_drop_name((enum esp_drop)r);
}

#define ck_drop(got, want) do { \
	int g_ = (got), w_ = (int)(want); \
	ck_assert_msg(g_ == w_, "got %s, want %s", rname(g_), rname(w_)); \
} while (0)

/* A valid packet from out_sa (next SN), inner IPv4 UDP of @p plen. */
static size_t valid(uint8_t *w, size_t plen)
{
	uint8_t inner[BUF];
	size_t ilen = test_ip4_udp(inner, "10.1.0.1", "10.2.0.1", 1, 2, plen, 0, false);
	struct rte_mbuf *m = test_mbuf(inner, ilen);
	ck_assert_uint_eq(esp_outbound(out_sa, &m, 1, &ctx), 1);
	size_t len = rte_pktmbuf_pkt_len(m);
	memcpy(w, rte_pktmbuf_mtod(m, uint8_t *), len);
	rte_pktmbuf_free(m);
	return len;
}

/* The SA still works: a fresh packet goes through. */
static void still_works(void)
{
	uint8_t w[BUF];
	size_t len = valid(w, 40);
	ck_drop(feed(w, len), GOOD);
}

static void ip4_fix(uint8_t *w, size_t len)
{
	esp_put16(w + 2, (uint16_t)len);
	test_ip4_cksum(w);
}

/*
 * An ESP packet encrypted with in_sa's key around an arbitrary plaintext
 * (tunnel: explicit IV = seq), behind an outer header of in_sa's family.
 * @p pt already holds payload, padding, pad length and next header.
 */
static size_t craft(uint8_t *w, uint64_t seq, const uint8_t *pt, size_t ptl)
{
	bool v6 = in_sa->local.family == AF_INET6;
	size_t hl = v6 ? 40 : 20;

	memset(w, 0, hl);
	if (v6) {
		w[0] = 0x60;
		w[6] = ESP_IPPROTO_ESP;
		w[7] = 64;
		memcpy(w + 8, in_sa->remote.bytes, 16);
		memcpy(w + 24, in_sa->local.bytes, 16);
	} else {
		w[0] = 0x45;
		w[8] = 64;
		w[9] = ESP_IPPROTO_ESP;
		memcpy(w + 12, in_sa->remote.bytes, 4);
		memcpy(w + 16, in_sa->local.bytes, 4);
	}
	uint8_t *esp = w + hl;
	esp_put32(esp, in_sa->spi);
	esp_put32(esp + 4, (uint32_t)seq);
	esp_put64(esp + 8, seq);
	memcpy(esp + 16, pt, ptl);
	uint8_t nonce[12], aad[12];
	esp_nonce_explicit(nonce, in_sa->salt, esp + 8);
	uint32_t alen = esp_aad_build(aad, in_sa->spi, seq, false);
	esp_aead(test_mgr(), &in_sa->key, in_sa->cipher, true, nonce, aad, alen, esp + 16,
		 esp + 16, (uint32_t)ptl, esp + 16 + ptl);
	size_t len = hl + 16 + ptl + 16;
	if (v6)
		esp_put16(w + 4, (uint16_t)(len - 40));
	else
		ip4_fix(w, len);
	return len;
}

/* Plaintext: an inner UDP packet of @p af (10.1.0.1 or fd01::1 to
 * 10.2.0.1 or fd02::1), then @p pad, pad length, @p nh. */
static size_t pt_make(uint8_t *pt, uint8_t af, size_t plen, const uint8_t *pad, size_t npad,
		      uint8_t pad_len, uint8_t nh)
{
	size_t ilen = af == AF_INET6 ? test_ip6_udp(pt, "fd01::1", "fd02::1", 1, 2, plen, 0)
				     : test_ip4_udp(pt, "10.1.0.1", "10.2.0.1", 1, 2, plen, 0, false);
	memcpy(pt + ilen, pad, npad);
	pt[ilen + npad] = pad_len;
	pt[ilen + npad + 1] = nh;
	return ilen + npad + 2;
}

START_TEST(truncated)
{
	uint8_t w[BUF], t[BUF];
	size_t len = valid(w, 40);
	const size_t min = 20 + 8 + 8 + 4 + 16;

	for (size_t l = 0; l < len; l++) {
		/* as cut, and with the IP length claiming only what is there */
		memcpy(t, w, l);
		int r = feed(t, l);
		ck_assert_msg(r != GOOD, "len %zu accepted", l);
		if (l >= 4) {
			ip4_fix(t, l);
			r = feed(t, l);
			ck_assert_msg(r != GOOD, "len %zu (fixed) accepted", l);
			if (l < min)
				ck_assert_msg(r == ESP_DROP_RUNT || r == ESP_DROP_BAD_L3 ||
					      r == ESP_DROP_BAD_PAD, "len %zu: %s", l, rname(r));
			else
				ck_assert_msg(r == ESP_DROP_AUTH || r == ESP_DROP_BAD_PAD,
					      "len %zu: %s", l, rname(r));
		}
	}
	/* nothing above advanced the window: the whole packet still passes */
	ck_drop(feed(w, len), GOOD);
	still_works();
	ck_assert_uint_eq(in_sa->stats.packets, 2);
}
END_TEST

/*
 * A direct caller's mbuf may carry the packet type its NIC parsed (IPv4
 * carrying ESP, say), which checks less than the worker's classifier:
 * the transforms must not take it for the classifier's mark.
 */
START_TEST(nic_packet_type_checked_in_full)
{
	uint8_t w[BUF], t[BUF];
	size_t len = valid(w, 40);

	nic_ptype = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_TUNNEL_ESP;
	for (size_t l = 0; l < len; l++) {
		memcpy(t, w, l);
		ck_assert_msg(feed(t, l) != GOOD, "len %zu accepted", l);
	}
	/* L2 padding past the IP length is trimmed, not authenticated */
	memcpy(t, w, len);
	memset(t + len, 0, 6);
	ck_drop(feed(t, len + 6), GOOD);
	nic_ptype = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4;
	ck_drop(feed(w, len), ESP_DROP_REPLAY);
	still_works();
	nic_ptype = 0;

	/* outbound: the padding after the inner packet is not protected */
	uint8_t inner[BUF];
	size_t ilen = test_ip4_udp(inner, "10.1.0.1", "10.2.0.1", 1, 2, 40, 0, false);
	memset(inner + ilen, 0, 6);
	struct rte_mbuf *m = test_mbuf(inner, ilen + 6);
	ck_assert_ptr_nonnull(m);
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4;
	ck_assert_uint_eq(esp_outbound(out_sa, &m, 1, &ctx), 1);
	ck_assert_uint_eq(rte_pktmbuf_pkt_len(m), len);
	rte_pktmbuf_free(m);
}
END_TEST

START_TEST(wrong_destination)
{
	uint8_t w[BUF];
	size_t len = valid(w, 40);
	w[19] ^= 1;
	ip4_fix(w, len);
	ck_drop(feed(w, len), ESP_DROP_SA_DST);
	w[19] ^= 1;
	ip4_fix(w, len);
	ck_drop(feed(w, len), GOOD);
	still_works();
}
END_TEST

START_TEST(bad_icv_does_not_advance)
{
	uint8_t w[BUF], t[BUF];
	size_t len = valid(w, 40);
	/* flip a bit of the ICV, of the ciphertext, of the SN (AAD), of the IV */
	static const size_t where[] = { 0, 1, 2 };
	for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		memcpy(t, w, len);
		t[len - 1 - where[i]] ^= 0x80;
		ck_drop(feed(t, len), ESP_DROP_AUTH);
	}
	memcpy(t, w, len);
	t[20 + 8 + 8 + 3] ^= 1;          /* ciphertext */
	ck_drop(feed(t, len), ESP_DROP_AUTH);
	memcpy(t, w, len);
	t[20 + 12] ^= 1;                 /* IV */
	ck_drop(feed(t, len), ESP_DROP_AUTH);
	memcpy(t, w, len);
	t[20 + 7] ^= 0x10;               /* SN 1 -> 17: authenticated, so fails */
	ck_drop(feed(t, len), ESP_DROP_AUTH);
	memcpy(t, w, len);
	t[20 + 0] ^= 0x01;               /* another SPI: not this SA */
	ck_drop(feed(t, len), ESP_DROP_NO_SA);
	/* "update only after ICV": SN 1 and 17 are still unseen */
	ck_assert_uint_eq(in_sa->rw->top, 0);
	ck_drop(feed(w, len), GOOD);
	ck_assert_uint_eq(in_sa->rw->top, 1);
	still_works();
}
END_TEST

START_TEST(replayed_and_too_old)
{
	uint8_t w1[BUF], w2[BUF], w3[BUF];
	size_t l1 = valid(w1, 10);
	size_t l2 = valid(w2, 10);
	ck_drop(feed(w2, l2), GOOD);
	ck_drop(feed(w2, l2), ESP_DROP_REPLAY);
	ck_drop(feed(w1, l1), GOOD);      /* out of order, inside the window */
	ck_drop(feed(w1, l1), ESP_DROP_REPLAY);
	out_sa->seq = 99;                 /* jump: window becomes 37..100 */
	size_t l3 = valid(w3, 10);
	ck_drop(feed(w3, l3), GOOD);
	ck_drop(feed(w1, l1), ESP_DROP_TOO_OLD);
	ck_drop(feed(w2, l2), ESP_DROP_TOO_OLD);
	ck_drop(feed(w3, l3), ESP_DROP_REPLAY);
	/* SN 0 is never valid (RFC 4303 §3.3.3) */
	uint8_t pt[BUF], w0[BUF];
	size_t ptl = pt_make(pt, AF_INET, 2, (const uint8_t *)"", 0, 0, 4);
	size_t l0 = craft(w0, 0, pt, ptl);
	ck_drop(feed(w0, l0), ESP_DROP_TOO_OLD);
	still_works();
}
END_TEST

/*
 * The same checks inside one burst: the transform prepares a whole chunk
 * of packets before it decrypts any (esp_in_burst), yet each must meet
 * the window as the packets before it left it: a duplicate in the burst,
 * and one an earlier packet of the burst pushed out of the window.
 */
START_TEST(replayed_within_a_burst)
{
	uint8_t w[4][BUF];
	size_t l[4];
	for (int i = 0; i < 3; i++)
		l[i] = valid(w[i], 10 + i);   /* SN 1, 2, 3 */
	out_sa->seq = 99;
	l[3] = valid(w[3], 13);               /* SN 100: window 37..100 */

	static const int order[] = { 1, 1, 0, 3, 2, 0 };
	enum { N = sizeof(order) / sizeof(order[0]) };
	struct rte_mbuf *m[N];
	for (int i = 0; i < N; i++) {
		m[i] = test_mbuf(w[order[i]], l[order[i]]);
		ck_assert_ptr_nonnull(m[i]);
		test_in_layout(m[i]);
	}
	uint16_t good = inbound(m, N);
	ck_assert_uint_eq(good, 3);                       /* SN 2, 1, 100 */
	ck_assert_uint_eq(ctx.drops[ESP_DROP_REPLAY], 1);  /* SN 2 again */
	ck_assert_uint_eq(ctx.drops[ESP_DROP_TOO_OLD], 2); /* SN 3, SN 1 again */
	ck_assert_uint_eq(in_sa->rw->top, 100);
	/* the good ones first, in their order: inner lengths 28 + 10 + i */
	static const uint32_t want[] = { 39, 38, 41 };
	for (int i = 0; i < N; i++) {
		if (i < 3)
			ck_assert_uint_eq(rte_pktmbuf_pkt_len(m[i]), want[i]);
		rte_pktmbuf_free(m[i]);
	}
	still_works();
}
END_TEST

/*
 * ESN (RFC 4303 A2.2): the upper half of a packet's number is inferred
 * from the window. In one burst, B (SN 0x80000011) moves the window so
 * far that C, whose low half is 5, is then SN 2^32 + 5, while against the
 * window as the burst began it read as 5. The transform prepares nonce and
 * AAD for the whole chunk first (esp_in_burst), so it must infer C's
 * number again after B and rebuild its AAD, or C fails its ICV.
 */
START_TEST(esn_upper_half_moved_within_a_burst)
{
	uint8_t wb[BUF], wc[BUF];

	sas_make(ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, ESP_SA_F_ESN);
	out_sa->seq = 0x80000010;
	size_t lb = valid(wb, 20);
	out_sa->seq = 0x100000004ull;
	size_t lc = valid(wc, 21);

	struct rte_mbuf *m[2] = { test_mbuf(wb, lb), test_mbuf(wc, lc) };
	for (int i = 0; i < 2; i++) {
		ck_assert_ptr_nonnull(m[i]);
		test_in_layout(m[i]);
	}
	ck_assert_uint_eq(in_sa->rw->top, 0);
	uint16_t good = inbound(m, 2);
	ck_assert_uint_eq(ctx.drops[ESP_DROP_AUTH], 0);
	ck_assert_uint_eq(good, 2);
	ck_assert_uint_eq(in_sa->rw->top, 0x100000005ull);
	rte_pktmbuf_free(m[0]);
	rte_pktmbuf_free(m[1]);
	still_works();
}
END_TEST

START_TEST(bad_padding)
{
	/* crafted plaintexts: the inner packet's data length, the padding
	 * octets, the pad length field; the verdict. Inside IPv4 in IPv4
	 * (next header 4), then IPv6 in IPv6 (41): the inner packets are
	 * 28 and 48 octets and some data, the same padding fits both. */
	static const struct {
		size_t plen;
		const char *pad;
		size_t npad;
		uint8_t pad_len;
		int verdict;
	} cases[] = {
		/* inner of 28+0 octets: 2 octets of padding (28 + 2 + 2 = 32);
		 * the crafted form itself is fine */
		{ 0, "\x01\x02", 2, 2, GOOD },
		{ 2, "", 0, 0, GOOD },
		{ 1, "\x01", 1, 1, GOOD },
		{ 3, "\x01\x02\x03", 3, 3, GOOD },
		{ 3, "\x01\x02\x04", 3, 3, ESP_DROP_BAD_PAD },
		{ 0, "\x01\x03", 2, 2, ESP_DROP_BAD_PAD },
		{ 0, "\x00\x00", 2, 2, ESP_DROP_BAD_PAD },
		/* pad length larger than the payload, and exactly 1 over */
		{ 0, "\x01\x02", 2, 200, ESP_DROP_BAD_PAD },
		{ 0, "\x01\x02", 2, 31, ESP_DROP_BAD_PAD },
		/* longer padding (6 = 1..6) is legal: RFC 4303 §2.4 allows up
		 * to 255 */
		{ 0, "\x01\x02\x03\x04\x05\x06", 6, 6, GOOD },
		/* 6 with the first octet wrong, 4 and 8 with the last right
		 * (the express way compares the last three octets at once);
		 * 2 octets of data make 4 and 8 fit the 4-octet boundary */
		{ 0, "\x09\x02\x03\x04\x05\x06", 6, 6, ESP_DROP_BAD_PAD },
		{ 2, "\x09\x02\x03\x04", 4, 4, ESP_DROP_BAD_PAD },
		{ 2, "\x01\x02\x03\x04\x05\x06\x07\x08", 8, 8, GOOD },
		{ 2, "\x01\x02\x03\x04\x09\x06\x07\x08", 8, 8, ESP_DROP_BAD_PAD },
		/* ciphertext not a multiple of 4 (RFC 4303 §2.4) */
		{ 0, "\x01", 1, 1, ESP_DROP_BAD_PAD },
	};
	uint8_t pt[BUF], w[BUF];

	for (int v6 = 0; v6 < 2; v6++) {
		uint8_t af = v6 ? AF_INET6 : AF_INET;
		uint64_t seq = 1;

		sas_make_af(ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, 0, af);
		for (unsigned i = 0; i < RTE_DIM(cases); i++) {
			size_t ptl = pt_make(pt, af, cases[i].plen, (const uint8_t *)cases[i].pad,
					     cases[i].npad, cases[i].pad_len,
					     v6 ? ESP_IPPROTO_IPV6 : ESP_IPPROTO_IPIP);

			ck_drop(feed(w, craft(w, seq++, pt, ptl)), cases[i].verdict);
		}
		/* window moved for the authentic bad-padding packets (they
		 * passed the ICV), not for the misaligned one, never
		 * decrypted */
		ck_assert_uint_eq(in_sa->rw->top, RTE_DIM(cases) - 1);
		out_sa->seq = 20;
		still_works();
	}
}
END_TEST

START_TEST(garbage_after_header)
{
	uint8_t w[BUF];
	size_t len = valid(w, 100);
	srand(7);
	for (size_t i = 28; i < len; i++)
		w[i] = (uint8_t)rand();
	ck_drop(feed(w, len), ESP_DROP_AUTH);
	still_works();
}
END_TEST

/* TFC padding (RFC 4303 §2.7) after an inner packet of @p af, sequence
 * number @p seq, is trimmed. */
static void tfc_trimmed(uint8_t af, uint64_t seq)
{
	static const uint8_t tfc[6] = { 9, 9, 9, 9, 1, 2 };
	uint8_t pt[BUF], w[BUF], back[BUF];
	size_t ilen = af == AF_INET6 ? test_ip6_udp(pt, "fd01::1", "fd02::1", 1, 2, 0, 0)
				     : test_ip4_udp(pt, "10.1.0.1", "10.2.0.1", 1, 2, 0, 0, false);
	size_t blen = 0;

	memcpy(pt + ilen, tfc, 6);
	pt[ilen + 6] = 2;
	pt[ilen + 7] = af == AF_INET6 ? ESP_IPPROTO_IPV6 : ESP_IPPROTO_IPIP;
	ck_drop(feed_m(test_mbuf(w, craft(w, seq, pt, ilen + 8)), back, &blen), GOOD);
	ck_assert_uint_eq(blen, ilen);
	ck_assert_mem_eq(back, pt, ilen);
}

START_TEST(next_header_and_inner)
{
	uint8_t pt[BUF], w[BUF];
	size_t ptl, len;
	uint64_t seq = 1;

	ptl = pt_make(pt, AF_INET, 0, (const uint8_t *)"\x01\x02", 2, 2, 6);      /* TCP in tunnel */
	len = craft(w, seq++, pt, ptl);
	ck_drop(feed(w, len), ESP_DROP_BAD_NEXT_HDR);
	ptl = pt_make(pt, AF_INET, 0, (const uint8_t *)"\x01\x02", 2, 2, 59);     /* dummy */
	len = craft(w, seq++, pt, ptl);
	ck_drop(feed(w, len), ESP_DROP_DUMMY);
	ptl = pt_make(pt, AF_INET, 0, (const uint8_t *)"\x01\x02", 2, 2, 41);     /* says v6, is v4 */
	len = craft(w, seq++, pt, ptl);
	ck_drop(feed(w, len), ESP_DROP_BAD_L3);
	ptl = pt_make(pt, AF_INET, 0, (const uint8_t *)"\x01\x02", 2, 2, 4);
	esp_put16(pt + 2, 29);                                           /* inner longer than payload */
	len = craft(w, seq++, pt, ptl);
	ck_drop(feed(w, len), ESP_DROP_BAD_L3);
	ptl = pt_make(pt, AF_INET, 0, (const uint8_t *)"\x01\x02", 2, 2, 4);
	pt[0] = 0x4f;                                                    /* IHL past the length */
	len = craft(w, seq++, pt, ptl);
	ck_drop(feed(w, len), ESP_DROP_BAD_L3);
	tfc_trimmed(AF_INET, seq++);
	out_sa->seq = 20;
	still_works();

	/* IPv6 in IPv6 (the express way's esp_in_plain6()) */
	sas_make_af(ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, 0, AF_INET6);
	seq = 1;
	ptl = pt_make(pt, AF_INET, 20, (const uint8_t *)"\x01\x02", 2, 2, 41);    /* says v6, is v4 */
	/* read as IPv6: payload length 0 (the ID), next header 64 (DF) */
	pt[4] = pt[5] = 0;
	pt[6] = 0x40;
	ck_drop(feed(w, craft(w, seq++, pt, ptl)), ESP_DROP_BAD_L3);
	ptl = pt_make(pt, AF_INET6, 0, (const uint8_t *)"\x01\x02", 2, 2, 4);     /* says v4, is v6 */
	ck_drop(feed(w, craft(w, seq++, pt, ptl)), ESP_DROP_BAD_L3);
	ptl = pt_make(pt, AF_INET6, 0, (const uint8_t *)"\x01\x02", 2, 2, 41);
	esp_put16(pt + 4, 9);                                           /* inner longer than payload */
	ck_drop(feed(w, craft(w, seq++, pt, ptl)), ESP_DROP_BAD_L3);
	ptl = pt_make(pt, AF_INET6, 0, (const uint8_t *)"\x01\x02", 2, 2, 41);
	ck_drop(feed(w, craft(w, seq++, pt, ptl)), GOOD);
	tfc_trimmed(AF_INET6, seq++);
	out_sa->seq = 20;
	still_works();

	/* transport mode: any protocol but 59 */
	sas_make(ESP_MODE_TRANSPORT, ESP_CIPHER_CHACHA20_POLY1305, 0);
	uint8_t pkt[BUF], back[BUF];
	size_t blen = 0;
	struct rte_mbuf *m;
	size_t plen = test_ip4_udp(pkt, "192.0.2.1", "192.0.2.2", 5, 6, 3, 0, false);
	pkt[9] = 59;
	test_ip4_cksum(pkt);
	m = test_mbuf(pkt, plen);
	ck_assert_uint_eq(esp_outbound(out_sa, &m, 1, &ctx), 1);
	ck_drop(feed_m(m, NULL, NULL), ESP_DROP_DUMMY);
	pkt[9] = 6;
	test_ip4_cksum(pkt);
	m = test_mbuf(pkt, plen);
	ck_assert_uint_eq(esp_outbound(out_sa, &m, 1, &ctx), 1);
	ck_drop(feed_m(m, back, &blen), GOOD);
	ck_assert_uint_eq(blen, plen);
	ck_assert_mem_eq(back, pkt, plen);
}
END_TEST

START_TEST(odd_lengths)
{
	uint8_t w[BUF];
	size_t len = valid(w, 40);

	/* IP length beyond the octets: runt */
	esp_put16(w + 2, (uint16_t)(len + 4));
	test_ip4_cksum(w);
	ck_drop(feed(w, len), ESP_DROP_RUNT);
	/* octets beyond the IP length (L2 padding): trimmed, accepted */
	ip4_fix(w, len);
	memset(w + len, 0xee, 6);
	ck_drop(feed(w, len + 6), GOOD);
	/* one to three extra octets inside the IP length: misaligned */
	for (size_t extra = 1; extra < 4; extra++) {
		len = valid(w, 40);
		memset(w + len, 0, extra);
		ip4_fix(w, len + extra);
		ck_drop(feed(w, len + extra), ESP_DROP_BAD_PAD);
	}
	/* 4 extra: aligned, so it reaches the ICV */
	len = valid(w, 40);
	memset(w + len, 0, 4);
	ip4_fix(w, len + 4);
	ck_drop(feed(w, len + 4), ESP_DROP_AUTH);
	/* not IPv4/IPv6 */
	len = valid(w, 40);
	w[0] = 0x55;
	ck_drop(feed(w, len), ESP_DROP_BAD_L3);
	/* oversize: a 4000-octet inner packet goes both ways */
	len = valid(w, 1900);
	ck_drop(feed(w, len), GOOD);
	still_works();

	/* NAT-T: UDP length must cover the rest exactly */
	sas_make(ESP_MODE_TUNNEL, ESP_CIPHER_AES256_GCM16, ESP_SA_F_NATT);
	len = valid(w, 40);
	esp_put16(w + 24, (uint16_t)(len - 20 + 1));
	ck_drop(feed(w, len), ESP_DROP_RUNT);
	esp_put16(w + 24, (uint16_t)(len - 20));
	ck_drop(feed(w, len), GOOD);
	still_works();
}
END_TEST

START_TEST(selector_mismatch)
{
	struct esp_sa_params p;
	uint8_t w[BUF], inner[BUF];
	struct rte_mbuf *m;

	test_sa_params(&p, ESP_DIR_IN, ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, 0, AF_INET);
	esp_sa_destroy(in_sa);
	spd_sel_any(&p.sel, AF_INET);
	esp_addr_parse("10.2.0.0/16", &(struct esp_addr){ 0 }, NULL);
	p.sel.dst[0] = 10;
	p.sel.dst[1] = 2;
	p.sel.dst_len = 16;
	p.sel.proto = 17;
	p.sel.label = 5;
	p.label = 5;
	in_sa = esp_sa_create(&p, test_mgr());
	ck_assert_ptr_nonnull(in_sa);

	ck_drop(feed(w, valid(w, 10)), GOOD);       /* 10.2.0.1, UDP, label 5 */
	size_t ilen = test_ip4_udp(inner, "10.1.0.1", "10.3.0.1", 1, 2, 10, 0, false);
	m = test_mbuf(inner, ilen);
	ck_assert_uint_eq(esp_outbound(out_sa, &m, 1, &ctx), 1);
	ck_drop(feed_m(m, NULL, NULL), ESP_DROP_SELECTOR);
	ilen = test_ip6_udp(inner, "fd00::1", "fd00::2", 1, 2, 10, 0);
	m = test_mbuf(inner, ilen);
	ck_assert_uint_eq(esp_outbound(out_sa, &m, 1, &ctx), 1);
	ck_drop(feed_m(m, NULL, NULL), ESP_DROP_SELECTOR);
	/* the SA's label is the packet's: a selector for another label fails */
	in_sa->sel.label = 6;
	esp_sa_in_compile(in_sa);
	ck_drop(feed(w, valid(w, 10)), ESP_DROP_SELECTOR);
	in_sa->sel.label = 0;       /* unlabeled rule vs labeled traffic */
	esp_sa_in_compile(in_sa);
	ck_drop(feed(w, valid(w, 10)), ESP_DROP_SELECTOR);
	in_sa->sel.label = SPD_LABEL_ANY;
	esp_sa_in_compile(in_sa);
	ck_drop(feed(w, valid(w, 10)), GOOD);
	in_sa->sel.label = 5;
	esp_sa_in_compile(in_sa);
	still_works();
}
END_TEST

/* Inner packet @p inner (@p ilen octets) through out_sa, then inbound. */
static int feed_inner(const uint8_t *inner, size_t ilen)
{
	struct rte_mbuf *m = test_mbuf(inner, ilen);

	ck_assert_uint_eq(esp_outbound(out_sa, &m, 1, &ctx), 1);
	return feed_m(m, NULL, NULL);
}

/* out_sa and in_sa again (tunnel, AES-128-GCM, outer headers of
 * @p outer), in_sa's selector the prefixes @p src/@p slen and
 * @p dst/@p dlen of @p family. */
static void in_sa_prefixes(uint8_t outer, uint8_t family, const uint8_t src[16], uint8_t slen,
			   const uint8_t dst[16], uint8_t dlen)
{
	struct esp_sa_params p;

	sas_make_af(ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, 0, outer);
	test_sa_params(&p, ESP_DIR_IN, ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, 0, outer);
	esp_sa_destroy(in_sa);
	spd_sel_any(&p.sel, family);
	memcpy(p.sel.src, src, 16);
	p.sel.src_len = slen;
	memcpy(p.sel.dst, dst, 16);
	p.sel.dst_len = dlen;
	in_sa = esp_sa_create(&p, test_mgr());
	ck_assert_ptr_nonnull(in_sa);
}

/* Address-only IPv4 selectors are compiled into line 1 (in_chk SEL4) and
 * must decide exactly as spd_sel_match() on the full selector. */
START_TEST(selector_compiled)
{
	uint8_t inner[BUF];
	size_t ilen;

	in_sa_prefixes(AF_INET, AF_INET, (uint8_t[16]){ 10, 1, 0, 0 }, 16, (uint8_t[16]){ 10, 2, 0, 1 }, 32);
	ck_assert_uint_eq(in_sa->in_chk, ESP_IN_CHK_LOCAL4 | ESP_IN_CHK_SEL4);

	ilen = test_ip4_udp(inner, "10.1.200.7", "10.2.0.1", 1, 2, 10, 0, false);
	ck_drop(feed_inner(inner, ilen), GOOD);
	ilen = test_ip4_udp(inner, "10.3.0.1", "10.2.0.1", 1, 2, 10, 0, false);
	ck_drop(feed_inner(inner, ilen), ESP_DROP_SELECTOR);
	ilen = test_ip4_udp(inner, "10.1.0.1", "10.2.0.2", 1, 2, 10, 0, false);
	ck_drop(feed_inner(inner, ilen), ESP_DROP_SELECTOR);
	ilen = test_ip6_udp(inner, "fd00::1", "fd00::2", 1, 2, 10, 0);
	ck_drop(feed_inner(inner, ilen), ESP_DROP_SELECTOR);
	/* a UDP packet too short for its ports is BAD_L3, as the SPD key
	 * extraction says; a non-first fragment carries no ports */
	ilen = test_ip4_udp(inner, "10.1.0.1", "10.2.0.1", 1, 2, 0, 0, false);
	ilen = 22;
	esp_put16(inner + 2, (uint16_t)ilen);
	test_ip4_cksum(inner);
	ck_drop(feed_inner(inner, ilen), ESP_DROP_BAD_L3);
	esp_put16(inner + 6, 0x0010);
	test_ip4_cksum(inner);
	ck_drop(feed_inner(inner, ilen), GOOD);

	/* any family: IPv4 compiled (masks 0), IPv6 through the full check */
	spd_sel_any(&in_sa->sel, 0);
	esp_sa_in_compile(in_sa);
	ck_assert_uint_ne(in_sa->in_chk & ESP_IN_CHK_SEL4, 0);
	ilen = test_ip4_udp(inner, "10.3.0.1", "10.9.0.1", 1, 2, 10, 0, false);
	ck_drop(feed_inner(inner, ilen), GOOD);
	ilen = test_ip6_udp(inner, "fd00::1", "fd00::2", 1, 2, 10, 0);
	ck_drop(feed_inner(inner, ilen), GOOD);
	/* a label the SA's packets never carry: not compiled, all fail */
	in_sa->sel.label = 3;
	esp_sa_in_compile(in_sa);
	ck_assert_uint_eq(in_sa->in_chk & ESP_IN_CHK_SEL4, 0);
	ilen = test_ip4_udp(inner, "10.3.0.1", "10.9.0.1", 1, 2, 10, 0, false);
	ck_drop(feed_inner(inner, ilen), ESP_DROP_SELECTOR);
	/* ports: not compiled, checked in full */
	spd_sel_any(&in_sa->sel, AF_INET);
	in_sa->sel.dport_lo = in_sa->sel.dport_hi = 2;
	esp_sa_in_compile(in_sa);
	ck_assert_uint_eq(in_sa->in_chk & ESP_IN_CHK_SEL4, 0);
	ilen = test_ip4_udp(inner, "10.3.0.1", "10.9.0.1", 1, 2, 10, 0, false);
	ck_drop(feed_inner(inner, ilen), GOOD);
	ilen = test_ip4_udp(inner, "10.3.0.1", "10.9.0.1", 1, 3, 10, 0, false);
	ck_drop(feed_inner(inner, ilen), ESP_DROP_SELECTOR);
}
END_TEST

/* The same for IPv6 inner packets (in_chk SEL6): the prefixes compiled,
 * anything spd_ip6_plain() does not take checked in full. */
START_TEST(selector_compiled6)
{
	uint8_t inner[BUF];
	size_t ilen;

	/* behind an IPv4 outer header, and behind an IPv6 one (the express
	 * way's esp_in_plain6() in the express case) */
	for (int outer6 = 0; outer6 < 2; outer6++) {
		in_sa_prefixes(outer6 ? AF_INET6 : AF_INET, AF_INET6, (uint8_t[16]){ 0xfd, 1 }, 16,
			       (uint8_t[16]){ 0xfd, 2, [15] = 1 }, 128);
		ck_assert_uint_eq(in_sa->in_chk,
				  (outer6 ? ESP_IN_CHK_LOCAL6 : ESP_IN_CHK_LOCAL4) | ESP_IN_CHK_SEL6);

		ilen = test_ip6_udp(inner, "fd01:77::1", "fd02::1", 1, 2, 10, 0);
		ck_drop(feed_inner(inner, ilen), GOOD);
		ilen = test_ip6_udp(inner, "fd03::1", "fd02::1", 1, 2, 10, 0);
		ck_drop(feed_inner(inner, ilen), ESP_DROP_SELECTOR);
		ilen = test_ip6_udp(inner, "fd01::1", "fd02::2", 1, 2, 10, 0);
		ck_drop(feed_inner(inner, ilen), ESP_DROP_SELECTOR);
		ilen = test_ip4_udp(inner, "10.1.0.1", "10.2.0.1", 1, 2, 10, 0, false);
		ck_drop(feed_inner(inner, ilen), ESP_DROP_SELECTOR);
		/* a UDP packet too short for its ports: BAD_L3, as the key says */
		ilen = test_ip6_udp(inner, "fd01::1", "fd02::1", 1, 2, 0, 0);
		esp_put16(inner + 4, 2);
		ck_drop(feed_inner(inner, 42), ESP_DROP_BAD_L3);
		/* a destination options header first: the full check, same verdicts */
		for (int good = 0; good < 2; good++) {
			ilen = test_ip6_udp(inner, "fd01::1", good ? "fd02::1" : "fd02::3", 1, 2, 10, 0);
			memmove(inner + 48, inner + 40, ilen - 40);
			memcpy(inner + 40, (uint8_t[]){ 17, 0, 1, 4, 0, 0, 0, 0 }, 8);
			inner[6] = 60;
			esp_put16(inner + 4, (uint16_t)(ilen - 40 + 8));
			ck_drop(feed_inner(inner, ilen + 8), good ? GOOD : ESP_DROP_SELECTOR);
		}
		/* ports in the selector: not compiled */
		in_sa->sel.dport_lo = in_sa->sel.dport_hi = 3;
		esp_sa_in_compile(in_sa);
		ck_assert_uint_eq(in_sa->in_chk & ESP_IN_CHK_SEL6, 0);
		ilen = test_ip6_udp(inner, "fd01::1", "fd02::1", 1, 2, 10, 0);
		ck_drop(feed_inner(inner, ilen), ESP_DROP_SELECTOR);
	}
}
END_TEST

START_TEST(dead_sa)
{
	uint8_t w[BUF];
	size_t len = valid(w, 10);
	in_sa->flags |= ESP_SA_F_DEAD;
	ck_drop(feed(w, len), ESP_DROP_SA_EXPIRED);
	in_sa->flags &= ~(uint32_t)ESP_SA_F_DEAD;
	ck_drop(feed(w, len), GOOD);
}
END_TEST

/* ---- outbound ---------------------------------------------------------- */

static int out1(size_t plen)
{
	uint8_t inner[BUF];
	size_t ilen = test_ip4_udp(inner, "10.1.0.1", "10.2.0.1", 1, 2, plen, 0, false);
	struct rte_mbuf *m = test_mbuf(inner, ilen);
	uint64_t before[ESP_DROP_MAX];
	memcpy(before, ctx.drops, sizeof(before));
	int reason = GOOD;
	if (esp_outbound(out_sa, &m, 1, &ctx) == 0)
		for (int r = 0; r < ESP_DROP_MAX; r++)
			if (ctx.drops[r] != before[r])
				reason = r;
	rte_pktmbuf_free(m);
	return reason;
}

static unsigned events(uint16_t type, uint32_t *dir)
{
	struct esp_event ev;
	unsigned n = 0;
	while (rte_ring_dequeue_elem(ev_ring, &ev, sizeof(ev)) == 0) {
		ck_assert_uint_eq(ev.type, type);
		ck_assert_uint_eq(ev.spi, 0x1000);
		if (dir != NULL)
			*dir = ev.dir;
		n++;
	}
	return n;
}

START_TEST(seq_overflow)
{
	out_sa->seq = UINT32_MAX - 1;
	ck_drop(out1(10), GOOD);                 /* SN 2^32 - 1 is the last */
	ck_assert_uint_eq(events(ESP_EV_HARD_EXPIRE, NULL), 0);
	ck_drop(out1(10), ESP_DROP_SEQ_OVERFLOW);
	ck_drop(out1(10), ESP_DROP_SEQ_OVERFLOW);
	ck_assert_uint_eq(out_sa->seq, UINT32_MAX);
	ck_assert_uint_eq(events(ESP_EV_HARD_EXPIRE, NULL), 1);   /* one event only */
	ck_assert_uint_eq(out_sa->drops[ESP_DROP_SEQ_OVERFLOW], 2);

	sas_make(ESP_MODE_TUNNEL, ESP_CIPHER_CHACHA20_POLY1305, ESP_SA_F_ESN);
	out_sa->seq = UINT32_MAX;
	ck_drop(out1(10), GOOD);                 /* ESN: 2^32 is fine */
	out_sa->seq = UINT64_MAX - 1;
	ck_drop(out1(10), GOOD);
	ck_drop(out1(10), ESP_DROP_SEQ_OVERFLOW);
	ck_assert_uint_eq(events(ESP_EV_HARD_EXPIRE, NULL), 1);
}
END_TEST

static void life_sas(bool bytes, enum esp_dir dir)
{
	struct esp_sa_params p;
	teardown();
	for (int d = 0; d < 2; d++) {
		test_sa_params(&p, d ? ESP_DIR_IN : ESP_DIR_OUT, ESP_MODE_TUNNEL,
			       ESP_CIPHER_AES128_GCM16, 0, AF_INET);
		if ((d ? ESP_DIR_IN : ESP_DIR_OUT) == dir) {
			/* 128-octet inner packets (28 + 100) */
			if (bytes) {
				p.soft.bytes = 3 * 128;
				p.hard.bytes = 5 * 128 - 1;
			} else {
				p.soft.packets = 3;
				p.hard.packets = 5;
			}
		}
		struct esp_sa *sa = esp_sa_create(&p, test_mgr());
		ck_assert_ptr_nonnull(sa);
		if (d)
			in_sa = sa;
		else
			out_sa = sa;
	}
	rte_ring_reset(ev_ring);
}

START_TEST(lifetimes)
{
	uint32_t dir = 99;

	for (int bytes = 0; bytes < 2; bytes++) {
		/* outbound: soft after 3, hard after 5; the 6th is refused */
		life_sas(bytes, ESP_DIR_OUT);
		for (int i = 1; i <= 5; i++) {
			ck_drop(out1(100), GOOD);
			if (i == 5)
				break;
			ck_assert_uint_eq(events(ESP_EV_SOFT_EXPIRE, &dir), i == 3 ? 1 : 0);
			if (i == 3)
				ck_assert_uint_eq(dir, ESP_DIR_OUT);
		}
		ck_assert(out_sa->flags & ESP_SA_F_DEAD);
		ck_assert_uint_eq(events(ESP_EV_HARD_EXPIRE, &dir), 1);
		ck_drop(out1(100), ESP_DROP_SA_EXPIRED);
		ck_drop(out1(100), ESP_DROP_SA_EXPIRED);
		ck_assert_uint_eq(events(ESP_EV_HARD_EXPIRE, NULL), 0);
		ck_assert_uint_eq(out_sa->stats.packets, 5);

		/* inbound, the same */
		life_sas(bytes, ESP_DIR_IN);
		uint8_t w[BUF];
		for (int i = 1; i <= 5; i++) {
			ck_drop(feed(w, valid(w, 100)), GOOD);
			if (i < 5)
				ck_assert_uint_eq(events(ESP_EV_SOFT_EXPIRE, &dir), i == 3 ? 1 : 0);
		}
		ck_assert_uint_eq(dir, ESP_DIR_IN);
		ck_assert_uint_eq(events(ESP_EV_HARD_EXPIRE, &dir), 1);
		ck_drop(feed(w, valid(w, 100)), ESP_DROP_SA_EXPIRED);
		ck_assert_uint_eq(in_sa->stats.packets, 5);
		ck_assert_uint_eq(in_sa->stats.bytes, 5 * 128);
	}
	/* a full event ring is counted, never blocks; no ring is fine too */
	struct rte_ring *small = rte_ring_create_elem("esp_events_small", sizeof(struct esp_event), 2,
						      SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	ck_assert_ptr_nonnull(small);
	life_sas(false, ESP_DIR_OUT);
	ctx.events = small;                /* room for one event */
	for (int i = 0; i < 6; i++)
		out1(100);
	ck_assert_uint_eq(rte_ring_count(small), 1);
	ck_assert_uint_eq(ctx.events_lost, 1);
	life_sas(false, ESP_DIR_OUT);
	ctx.events = NULL;
	for (int i = 0; i < 6; i++)
		out1(100);
	ck_assert_uint_eq(out_sa->drops[ESP_DROP_SA_EXPIRED], 1);
	ctx.events = ev_ring;
	rte_ring_free(small);
}
END_TEST

START_TEST(no_headroom_and_not_ip)
{
	uint8_t inner[BUF];
	size_t ilen = test_ip4_udp(inner, "10.1.0.1", "10.2.0.1", 1, 2, 10, 0, false);
	struct rte_mbuf *m = rte_pktmbuf_alloc(test_pool());
	uint64_t seq = out_sa->seq;

	/* no headroom */
	m->data_off = 4;
	memcpy(rte_pktmbuf_append(m, (uint16_t)ilen), inner, ilen);
	ck_assert_uint_eq(esp_outbound(out_sa, &m, 1, &ctx), 0);
	ck_assert_uint_eq(ctx.drops[ESP_DROP_NO_HEADROOM], 1);
	ck_assert_uint_eq(out_sa->seq, seq);      /* no SN used up */
	rte_pktmbuf_free(m);
	/* no tailroom */
	m = rte_pktmbuf_alloc(test_pool());
	m->data_off = (uint16_t)(m->buf_len - ilen - 3);
	memcpy(rte_pktmbuf_append(m, (uint16_t)ilen), inner, ilen);
	ck_assert_uint_eq(esp_outbound(out_sa, &m, 1, &ctx), 0);
	ck_assert_uint_eq(ctx.drops[ESP_DROP_NO_HEADROOM], 2);
	rte_pktmbuf_free(m);
	/* not IP, truncated IP, IP length beyond the octets */
	for (size_t l = 0; l < 20; l++) {
		m = test_mbuf(inner, l);
		ck_assert_uint_eq(esp_outbound(out_sa, &m, 1, &ctx), 0);
		rte_pktmbuf_free(m);
	}
	inner[0] = 0x75;
	m = test_mbuf(inner, ilen);
	ck_assert_uint_eq(esp_outbound(out_sa, &m, 1, &ctx), 0);
	rte_pktmbuf_free(m);
	inner[0] = 0x45;
	m = test_mbuf(inner, ilen - 1);
	ck_assert_uint_eq(esp_outbound(out_sa, &m, 1, &ctx), 0);
	rte_pktmbuf_free(m);
	ck_assert_uint_eq(ctx.drops[ESP_DROP_BAD_L3], 22);
	ck_assert_uint_eq(out_sa->seq, seq);
	ck_drop(out1(10), GOOD);
}
END_TEST

START_TEST(params_check)
{
	struct esp_sa_params p;
	const char *why;

	test_sa_params(&p, ESP_DIR_IN, ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, 0, AF_INET);
	ck_assert_int_eq(esp_sa_params_check(&p, &why), 0);
	ck_assert_ptr_null(why);
	p.spi = 255;
	ck_assert_int_eq(esp_sa_params_check(&p, &why), -EINVAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_null(esp_sa_create(&p, test_mgr()));
	ck_assert_int_eq(errno, EINVAL);
	p.spi = 256;
	p.replay_window = 32;
	ck_assert_int_eq(esp_sa_params_check(&p, &why), -EINVAL);
	p.replay_window = 4097;
	ck_assert_int_eq(esp_sa_params_check(&p, &why), -EINVAL);
	p.replay_window = 4096;
	ck_assert_int_eq(esp_sa_params_check(&p, &why), 0);
	p.remote.family = AF_INET6;
	ck_assert_int_eq(esp_sa_params_check(&p, &why), -EINVAL);
	p.mode = ESP_MODE_TRANSPORT;
	p.remote.family = 0;
	p.local.family = 0;
	ck_assert_int_eq(esp_sa_params_check(&p, &why), 0);
	p.flags = ESP_SA_F_NATT;
	p.natt_dport = 0;
	ck_assert_int_eq(esp_sa_params_check(&p, &why), -EINVAL);
	p.flags = ESP_SA_F_DEAD;
	ck_assert_int_eq(esp_sa_params_check(&p, &why), -EINVAL);
	p.flags = 0;
	p.cipher = (enum esp_cipher)7;
	ck_assert_int_eq(esp_sa_params_check(&p, &why), -EINVAL);

	ck_assert_str_eq(esp_cipher_name(ESP_CIPHER_AES128_GCM16), "aes128gcm16");
	ck_assert_str_eq(esp_cipher_name(ESP_CIPHER_AES256_GCM16), "aes256gcm16");
	ck_assert_str_eq(esp_cipher_name(ESP_CIPHER_CHACHA20_POLY1305), "chacha20poly1305");
	ck_assert_uint_eq(esp_cipher_key_len(ESP_CIPHER_AES128_GCM16), 16);
	ck_assert_uint_eq(esp_cipher_key_len(ESP_CIPHER_AES256_GCM16), 32);
	ck_assert_uint_eq(esp_cipher_key_len(ESP_CIPHER_CHACHA20_POLY1305), 32);
	/* overhead: IPv4 20 + UDP 8 + ESP 8 + IV 8 + 3 + 2 + 16 */
	sas_make(ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, ESP_SA_F_NATT);
	ck_assert_uint_eq(out_sa->overhead, 65);
	ck_assert_ptr_null(out_sa->rw);
	ck_assert_ptr_nonnull(in_sa->rw);
	esp_sa_destroy(NULL);
}
END_TEST

/* Last of the express case: its tests did reach esp_in_express(). */
START_TEST(express_was_taken)
{
	printf("esp_bad: %u calls of esp_in_express()\n", express_calls);
	ck_assert_uint_gt(express_calls, 20);
}
END_TEST

int main(void)
{
	if (test_eal_init("esp_bad") != 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	ev_ring = rte_ring_create_elem("esp_events", sizeof(struct esp_event), 64, SOCKET_ID_ANY,
				       RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (ev_ring == NULL)
		return 1;
	Suite *s = suite_create("esp_bad");
	/* the inbound cases; the express case (esp_in_express() where the
	 * worker would take it) runs those that are not about the NIC's
	 * packet type or ESN, which it does not serve */
	const struct {
		const TTest *test;
		bool express;
	} inbound_tests[] = {
		{ truncated, true }, { nic_packet_type_checked_in_full, false },
		{ wrong_destination, true }, { bad_icv_does_not_advance, true },
		{ replayed_and_too_old, true }, { replayed_within_a_burst, true },
		{ esn_upper_half_moved_within_a_burst, false }, { bad_padding, true },
		{ garbage_after_header, true }, { next_header_and_inner, true },
		{ odd_lengths, true }, { selector_mismatch, true }, { selector_compiled, true },
		{ selector_compiled6, true }, { dead_sa, true },
	};
	TCase *tc = tcase_create("inbound"), *tx = tcase_create("inbound express");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_checked_fixture(tx, setup_express, teardown);
	for (unsigned i = 0; i < sizeof(inbound_tests) / sizeof(inbound_tests[0]); i++) {
		tcase_add_test(tc, inbound_tests[i].test);
		if (inbound_tests[i].express)
			tcase_add_test(tx, inbound_tests[i].test);
	}
	tcase_add_test(tx, express_was_taken);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tx);
	TCase *to = tcase_create("outbound");
	tcase_add_checked_fixture(to, setup, teardown);
	tcase_add_test(to, seq_overflow);
	tcase_add_test(to, lifetimes);
	tcase_add_test(to, no_headroom_and_not_ip);
	tcase_add_test(to, params_check);
	suite_add_tcase(s, to);
	return check_run_nofork(s);
}
