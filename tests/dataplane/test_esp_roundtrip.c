/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_esp_roundtrip.c - esp_outbound then esp_inbound gives the packet
 * back byte for byte, for every cipher x {explicit, implicit IV} x {ESN
 * on, off} x {tunnel v4/v4, v6/v4, v4/v6, v6/v6, transport v4, transport
 * v6, transport v6 with extension headers} x {NAT-T on, off}, with payload
 * sizes that need each padding length, across the 2^32 boundary with ESN.
 * Wire lengths and outer headers are checked against what RFC 4303 §2,
 * RFC 3948 §2.1 and RFC 8750 say they must be.
 *
 * Implicit IV (RFC 8750) has no published vectors: the nonce and layout
 * are built here independently, and packets are decrypted and encrypted
 * with direct IPsec-MB calls against esprit.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/esp_common.h"
#include "dataplane/sa.h"
#include "dataplane/spd.h"
#include "dataplane/xform.h"
#include "tests/dataplane/eal_helper.h"
#include "tests/dataplane/pkt_helper.h"
#include "tests/check_run.h"

enum layout { TUN44, TUN64, TUN46, TUN66, TRANS4, TRANS6, TRANS6X, N_LAYOUT };
static const char *const layout_name[N_LAYOUT] = {
	"tunnel v4-in-v4", "tunnel v6-in-v4", "tunnel v4-in-v6", "tunnel v6-in-v6",
	"transport v4", "transport v6", "transport v6+ext",
};
static const size_t sizes[] = { 0, 1, 2, 3, 4, 61, 1400 };

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Inner (or transport) packet for a layout. */
static size_t make_inner(uint8_t *b, enum layout l, size_t plen)
{
	bool v6 = l == TUN64 || l == TUN66 || l == TRANS6 || l == TRANS6X;
	bool tr = l >= TRANS4;

	if (!v6)
		return test_ip4_udp(b, tr ? "192.0.2.1" : "10.1.0.1", tr ? "192.0.2.2" : "10.2.0.1",
				    1000, 2000, plen, 0xb9, true);
	size_t len = test_ip6_udp(b, tr ? "2001:db8::1" : "fd00:1::1", tr ? "2001:db8::2" : "fd00:2::1",
				  1000, 2000, plen, 0xb9);
	if (l == TRANS6X) {
		/* hop-by-hop (8) + destination options (16) before UDP */
		memmove(b + 64, b + 40, len - 40);
		memset(b + 40, 0, 24);
		b[6] = 0;
		b[40] = 60;          /* HBH -> dest opts */
		b[41] = 0;
		b[42] = 1;           /* PadN, 4 octets */
		b[43] = 4;
		b[48] = 17;          /* dest opts -> UDP */
		b[49] = 1;
		b[50] = 1;
		b[51] = 12;
		len += 24;
		b[4] = (uint8_t)((len - 40) >> 8);
		b[5] = (uint8_t)(len - 40);
	}
	return len;
}

/* Octets between the IP header and ESP in transport mode (for the check). */
static size_t trans_hdr_len(const uint8_t *inner, enum layout l)
{
	if (l == TRANS4)
		return (size_t)(inner[0] & 0xf) * 4;
	return l == TRANS6X ? 64 : 40;
}

static void one_combo(enum esp_cipher c, bool iiv, bool esn, enum layout l, bool natt)
{
	uint32_t flags = (iiv ? ESP_SA_F_IIV : 0) | (esn ? ESP_SA_F_ESN : 0) | (natt ? ESP_SA_F_NATT : 0);
	uint8_t outer_af = (l == TUN46 || l == TUN66 || l == TRANS6 || l == TRANS6X) ? AF_INET6 : AF_INET;
	enum esp_mode mode = l >= TRANS4 ? ESP_MODE_TRANSPORT : ESP_MODE_TUNNEL;
	struct esp_sa_params p;
	char what[160];

	snprintf(what, sizeof(what), "%s iv=%s esn=%d %s natt=%d", esp_cipher_name(c),
		 iiv ? "implicit" : "explicit", esn, layout_name[l], natt);

	test_sa_params(&p, ESP_DIR_OUT, mode, c, flags, outer_af);
	/* with ESN, run across the 2^32 boundary */
	p.seq_start = esn ? 0xfffffffdull : 0;
	struct esp_sa *out = esp_sa_create(&p, test_mgr());
	ck_assert_msg(out != NULL, "%s: create out", what);
	/* the worker routes a tunnel's packets by the peer its template holds */
	if (mode == ESP_MODE_TUNNEL)
		ck_assert_msg(memcmp(esp_sa_peer(out), p.remote.bytes,
				     outer_af == AF_INET ? 4 : 16) == 0, "%s: peer", what);
	test_sa_params(&p, ESP_DIR_IN, mode, c, flags, outer_af);
	p.seq_start = esn ? 0xfffffffdull : 0;
	struct esp_sa *in = esp_sa_create(&p, test_mgr());
	ck_assert_msg(in != NULL, "%s: create in", what);

	struct esp_ctx ctx = { .mgr = test_mgr() };
	uint64_t bytes = 0;

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint8_t inner[2048];
		size_t ilen = make_inner(inner, l, sizes[s]);
		struct rte_mbuf *m = test_mbuf(inner, ilen);
		ck_assert_ptr_nonnull(m);

		ck_assert_msg(esp_outbound(out, &m, 1, &ctx) == 1, "%s size %zu: outbound", what, sizes[s]);
		const uint8_t *w = rte_pktmbuf_mtod(m, const uint8_t *);
		size_t wlen = rte_pktmbuf_pkt_len(m);

		/* expected wire length: RFC 4303 §2 layout */
		size_t payload = mode == ESP_MODE_TUNNEL ? ilen : ilen - trans_hdr_len(inner, l);
		size_t pad = (4 - ((payload + 2) & 3)) & 3;
		size_t ip = mode == ESP_MODE_TUNNEL ? (outer_af == AF_INET ? 20 : 40)
						     : trans_hdr_len(inner, l);
		size_t esp_off = ip + (natt ? 8 : 0);
		size_t want = esp_off + 8 + (iiv ? 0 : 8) + payload + pad + 2 + 16;
		ck_assert_msg(wlen == want, "%s size %zu: wire %zu, want %zu", what, sizes[s], wlen, want);
		ck_assert_uint_le(wlen - ilen, out->overhead);
		/* ESP header: SPI and the low half of the SN */
		ck_assert_uint_eq(get16(w + esp_off), 0);
		ck_assert_uint_eq(get16(w + esp_off + 2), 0x1000);
		uint64_t seq = (esn ? 0xfffffffdull : 0) + s + 1;
		ck_assert_uint_eq(((uint32_t)get16(w + esp_off + 4) << 16 | get16(w + esp_off + 6)),
				  (uint32_t)seq);
		/* outer IP header */
		if (outer_af == AF_INET) {
			ck_assert_uint_eq(get16(w + 2), wlen);
			ck_assert_uint_eq(w[9], natt ? 17 : 50);
			struct rte_ipv4_hdr h;
			memcpy(&h, w, 20);
			uint16_t sum = h.hdr_checksum;
			h.hdr_checksum = 0;
			ck_assert_uint_eq(sum, rte_ipv4_cksum(&h));
			if (mode == ESP_MODE_TUNNEL) {
				ck_assert_uint_eq(w[1], 0xb9);   /* DSCP/ECN copied */
				ck_assert_uint_eq(w[8], 64);
				/* DF copied from an IPv4 inner, clear for IPv6 */
				ck_assert_uint_eq(get16(w + 6), l == TUN44 ? 0x4000 : 0);
			}
		} else {
			ck_assert_uint_eq(get16(w + 4), wlen - 40);
			if (mode == ESP_MODE_TUNNEL) {
				ck_assert_uint_eq(w[6], natt ? 17 : 50);
				ck_assert_uint_eq((uint8_t)(w[0] << 4 | w[1] >> 4), 0xb9);
				ck_assert_uint_eq(w[7], 64);
			} else if (l == TRANS6X) {
				ck_assert_uint_eq(w[6], 0);
				ck_assert_uint_eq(w[48], natt ? 17 : 50);
			} else {
				ck_assert_uint_eq(w[6], natt ? 17 : 50);
			}
		}
		if (natt) {
			const uint8_t *u = w + ip;
			ck_assert_uint_eq(get16(u), 4500);
			ck_assert_uint_eq(get16(u + 2), 4500);
			ck_assert_uint_eq(get16(u + 4), wlen - ip);
			if (outer_af == AF_INET) {
				ck_assert_uint_eq(get16(u + 6), 0);
			} else {
				/* RFC 8200 §8.1: the checksum over the pseudo-header verifies */
				uint32_t sum = 0;
				for (int i = 8; i < 40; i += 2)
					sum += get16(w + i);
				sum += (uint32_t)(wlen - ip) + 17;
				for (size_t i = 0; i < wlen - ip; i += 2)
					sum += (uint32_t)(u[i] << 8 | (i + 1 < wlen - ip ? u[i + 1] : 0));
				while (sum >> 16)
					sum = (sum & 0xffff) + (sum >> 16);
				ck_assert_msg(sum == 0xffff, "%s: UDP/IPv6 checksum", what);
				ck_assert_uint_ne(get16(u + 6), 0);
			}
		}

		/* <- inbound gives back the original */
		test_in_layout(m);
		ck_assert_msg(esp_inbound(in, &m, 1, &ctx) == 1, "%s size %zu: inbound", what, sizes[s]);
		ck_assert_msg(rte_pktmbuf_pkt_len(m) == ilen &&
			      memcmp(rte_pktmbuf_mtod(m, uint8_t *), inner, ilen) == 0,
			      "%s size %zu: round trip differs", what, sizes[s]);
		bytes += payload;
		rte_pktmbuf_free(m);
	}
	ck_assert_uint_eq(out->stats.packets, sizeof(sizes) / sizeof(sizes[0]));
	ck_assert_uint_eq(in->stats.packets, sizeof(sizes) / sizeof(sizes[0]));
	ck_assert_uint_eq(out->stats.bytes, bytes);
	ck_assert_uint_eq(in->stats.bytes, mode == ESP_MODE_TUNNEL ? bytes : bytes);
	for (int r = 0; r < ESP_DROP_MAX; r++)
		ck_assert_msg(ctx.drops[r] == 0, "%s: drop %s", what, esp_drop_name(r));
	esp_sa_destroy(out);
	esp_sa_destroy(in);
}

START_TEST(all_combinations)
{
	static const enum esp_cipher ciphers[] = {
		ESP_CIPHER_AES128_GCM16, ESP_CIPHER_AES256_GCM16, ESP_CIPHER_CHACHA20_POLY1305,
	};
	int n = 0;

	for (int c = 0; c < 3; c++)
		for (int iiv = 0; iiv < 2; iiv++)
			for (int esn = 0; esn < 2; esn++)
				for (int l = 0; l < N_LAYOUT; l++)
					for (int natt = 0; natt < 2; natt++) {
						one_combo(ciphers[c], iiv, esn, (enum layout)l, natt);
						n++;
					}
	printf("round trips: %d combinations x %zu sizes\n", n, sizeof(sizes) / sizeof(sizes[0]));
	ck_assert_int_eq(n, 3 * 2 * 2 * N_LAYOUT * 2);
}
END_TEST

START_TEST(burst_mixed)
{
	/* One burst of 8: good packets stay in front in order. */
	struct esp_sa_params p;
	struct esp_ctx ctx = { .mgr = test_mgr() };
	struct rte_mbuf *mb[8];
	uint8_t b[256];

	test_sa_params(&p, ESP_DIR_OUT, ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, 0, AF_INET);
	struct esp_sa *out = esp_sa_create(&p, test_mgr());
	test_sa_params(&p, ESP_DIR_IN, ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, 0, AF_INET);
	struct esp_sa *in = esp_sa_create(&p, test_mgr());
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(in);
	for (int i = 0; i < 8; i++) {
		size_t len = test_ip4_udp(b, "10.0.0.1", "10.0.0.2", 1, 2, (size_t)i * 10, 0, false);
		if (i % 3 == 1)
			b[0] = 0x35;     /* not IP: BAD_L3 */
		mb[i] = test_mbuf(b, len);
		mb[i]->hash.usr = (uint32_t)i;
	}
	uint16_t good = esp_outbound(out, mb, 8, &ctx);
	ck_assert_uint_eq(good, 5);
	ck_assert_uint_eq(ctx.drops[ESP_DROP_BAD_L3], 3);
	ck_assert_uint_eq(out->drops[ESP_DROP_BAD_L3], 3);
	static const uint32_t order[] = { 0, 2, 3, 5, 6 };
	for (int i = 0; i < 5; i++)
		ck_assert_uint_eq(mb[i]->hash.usr, order[i]);
	for (int i = 5; i < 8; i++)
		ck_assert_uint_eq(mb[i]->hash.usr % 3, 1);
	for (int i = 0; i < 5; i++)
		test_in_layout(mb[i]);
	ck_assert_uint_eq(esp_inbound(in, mb, 5, &ctx), 5);
	for (int i = 0; i < 8; i++)
		rte_pktmbuf_free(mb[i]);
	/* wrong direction: everything dropped */
	mb[0] = test_mbuf(b, 40);
	ck_assert_uint_eq(esp_inbound(out, mb, 1, &ctx), 0);
	ck_assert_uint_eq(esp_outbound(in, mb, 1, &ctx), 0);
	rte_pktmbuf_free(mb[0]);
	esp_sa_destroy(out);
	esp_sa_destroy(in);
}
END_TEST

START_TEST(multi_segment)
{
	/* A two-segment packet is linearized, then protected. */
	struct esp_sa_params p;
	struct esp_ctx ctx = { .mgr = test_mgr() };
	uint8_t b[600];
	size_t len = test_ip4_udp(b, "10.0.0.1", "10.0.0.2", 1, 2, 500, 0, false);

	test_sa_params(&p, ESP_DIR_OUT, ESP_MODE_TUNNEL, ESP_CIPHER_CHACHA20_POLY1305, 0, AF_INET);
	struct esp_sa *out = esp_sa_create(&p, test_mgr());
	test_sa_params(&p, ESP_DIR_IN, ESP_MODE_TUNNEL, ESP_CIPHER_CHACHA20_POLY1305, 0, AF_INET);
	struct esp_sa *in = esp_sa_create(&p, test_mgr());
	struct rte_mbuf *m = test_mbuf(b, 300);
	struct rte_mbuf *m2 = test_mbuf(b + 300, len - 300);
	ck_assert_int_eq(rte_pktmbuf_chain(m, m2), 0);
	ck_assert_uint_eq(esp_outbound(out, &m, 1, &ctx), 1);
	ck_assert_uint_eq(m->nb_segs, 1);
	test_in_layout(m);
	ck_assert_uint_eq(esp_inbound(in, &m, 1, &ctx), 1);
	ck_assert_uint_eq(rte_pktmbuf_pkt_len(m), len);
	ck_assert_mem_eq(rte_pktmbuf_mtod(m, uint8_t *), b, len);
	rte_pktmbuf_free(m);
	esp_sa_destroy(out);
	esp_sa_destroy(in);
}
END_TEST

/* ---- RFC 8750 implicit IV, checked against direct IPsec-MB calls -------- */

/* The nonce built here from the RFC text, not from esprit's helper:
 * salt || 0^32 || SN(32), or salt || ESN(64). */
static void iiv_nonce(uint8_t n[12], const uint8_t salt[4], uint64_t seq, bool esn)
{
	memcpy(n, salt, 4);
	uint64_t v = esn ? seq : (seq & 0xffffffffu);
	for (int i = 0; i < 8; i++)
		n[4 + i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint32_t iiv_aad(uint8_t a[12], uint32_t spi, uint64_t seq, bool esn)
{
	for (int i = 0; i < 4; i++)
		a[i] = (uint8_t)(spi >> (24 - 8 * i));
	if (esn) {
		for (int i = 0; i < 8; i++)
			a[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
		return 12;
	}
	for (int i = 0; i < 4; i++)
		a[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
	return 8;
}

static void direct_aead(enum esp_cipher c, const uint8_t *key, bool enc, const uint8_t n[12],
			const uint8_t *aad, uint32_t alen, uint8_t *buf, uint32_t len, uint8_t tag[16])
{
	IMB_MGR *mgr = test_mgr();

	if (c == ESP_CIPHER_CHACHA20_POLY1305) {
		struct chacha20_poly1305_context_data cx;
		IMB_CHACHA20_POLY1305_INIT(mgr, key, &cx, n, aad, alen);
		if (enc) {
			IMB_CHACHA20_POLY1305_ENC_UPDATE(mgr, key, &cx, buf, buf, len);
			IMB_CHACHA20_POLY1305_ENC_FINALIZE(mgr, &cx, tag, 16);
		} else {
			IMB_CHACHA20_POLY1305_DEC_UPDATE(mgr, key, &cx, buf, buf, len);
			IMB_CHACHA20_POLY1305_DEC_FINALIZE(mgr, &cx, tag, 16);
		}
		return;
	}
	struct gcm_key_data *k = aligned_alloc(64, (sizeof(*k) + 63) & ~(size_t)63);
	struct gcm_context_data cx;
	ck_assert_ptr_nonnull(k);
	if (c == ESP_CIPHER_AES128_GCM16) {
		IMB_AES128_GCM_PRE(mgr, key, k);
		if (enc)
			IMB_AES128_GCM_ENC(mgr, k, &cx, buf, buf, len, n, aad, alen, tag, 16);
		else
			IMB_AES128_GCM_DEC(mgr, k, &cx, buf, buf, len, n, aad, alen, tag, 16);
	} else {
		IMB_AES256_GCM_PRE(mgr, key, k);
		if (enc)
			IMB_AES256_GCM_ENC(mgr, k, &cx, buf, buf, len, n, aad, alen, tag, 16);
		else
			IMB_AES256_GCM_DEC(mgr, k, &cx, buf, buf, len, n, aad, alen, tag, 16);
	}
	free(k);
}

START_TEST(implicit_iv)
{
	static const enum esp_cipher ciphers[] = {
		ESP_CIPHER_AES128_GCM16, ESP_CIPHER_AES256_GCM16, ESP_CIPHER_CHACHA20_POLY1305,
	};
	int checked = 0;

	for (int ci = 0; ci < 3; ci++)
		for (int esn = 0; esn < 2; esn++) {
			enum esp_cipher c = ciphers[ci];
			uint32_t fl = ESP_SA_F_IIV | (esn ? ESP_SA_F_ESN : 0);
			struct esp_sa_params po, pi;
			struct esp_ctx ctx = { .mgr = test_mgr() };
			uint64_t start = esn ? 0x00000007fffffffeull : 0x12345677;

			test_sa_params(&po, ESP_DIR_OUT, ESP_MODE_TUNNEL, c, fl, AF_INET);
			po.seq_start = start;
			struct esp_sa *out = esp_sa_create(&po, test_mgr());
			test_sa_params(&pi, ESP_DIR_IN, ESP_MODE_TUNNEL, c, fl, AF_INET);
			pi.seq_start = start + 2;
			struct esp_sa *in = esp_sa_create(&pi, test_mgr());
			ck_assert_ptr_nonnull(out);
			ck_assert_ptr_nonnull(in);

			for (int k = 0; k < 2; k++) {
				uint64_t seq = start + 1 + (uint64_t)k;
				uint8_t inner[256], wire[512], nonce[12], aad[12], tag[16];
				size_t ilen = test_ip4_udp(inner, "10.0.0.1", "10.0.0.2", 7, 8, 33, 0, false);
				size_t pad = (4 - ((ilen + 2) & 3)) & 3;
				size_t ptl = ilen + pad + 2;

				/* esprit encrypts; IPsec-MB decrypts with our nonce. */
				struct rte_mbuf *m = test_mbuf(inner, ilen);
				ck_assert_uint_eq(esp_outbound(out, &m, 1, &ctx), 1);
				/* 8 octets shorter than explicit IV: no IV on the wire */
				ck_assert_uint_eq(rte_pktmbuf_pkt_len(m), 20 + 8 + ptl + 16);
				uint8_t *w = rte_pktmbuf_mtod(m, uint8_t *);
				memcpy(wire, w, rte_pktmbuf_pkt_len(m));
				struct rte_mbuf *esprit = m;
				iiv_nonce(nonce, po.salt, seq, esn);
				uint32_t alen = iiv_aad(aad, po.spi, seq, esn);
				uint8_t *ct = wire + 28;
				direct_aead(c, po.key, false, nonce, aad, alen, ct, (uint32_t)ptl, tag);
				ck_assert_mem_eq(tag, ct + ptl, 16);
				ck_assert_mem_eq(ct, inner, ilen);
				for (size_t i = 0; i < pad; i++)
					ck_assert_uint_eq(ct[ilen + i], i + 1);
				ck_assert_uint_eq(ct[ilen + pad], pad);
				ck_assert_uint_eq(ct[ilen + pad + 1], 4);
				checked++;

				/* IPsec-MB encrypting that plaintext with our nonce gives
				 * esprit's bytes exactly. */
				direct_aead(c, po.key, true, nonce, aad, alen, ct, (uint32_t)ptl, tag);
				ck_assert_mem_eq(ct, rte_pktmbuf_mtod(esprit, uint8_t *) + 28, ptl);
				ck_assert_mem_eq(tag, rte_pktmbuf_mtod(esprit, uint8_t *) + 28 + ptl, 16);
				rte_pktmbuf_free(esprit);
			}
			/* IPsec-MB builds packets with seqs the inbound SA has not seen */
			for (int k = 0; k < 2; k++) {
				uint64_t seq = start + 3 + (uint64_t)k;
				uint8_t inner[256], wire[512], nonce[12], aad[12];
				size_t ilen = test_ip4_udp(inner, "10.0.0.1", "10.0.0.2", 7, 8, 10 + k, 0, false);
				size_t pad = (4 - ((ilen + 2) & 3)) & 3;
				size_t ptl = ilen + pad + 2;

				memset(wire, 0, 20);
				wire[0] = 0x45;
				wire[2] = (uint8_t)((28 + ptl + 16) >> 8);
				wire[3] = (uint8_t)(28 + ptl + 16);
				wire[8] = 64;
				wire[9] = 50;
				memcpy(wire + 12, pi.remote.bytes, 4);
				memcpy(wire + 16, pi.local.bytes, 4);
				test_ip4_cksum(wire);
				iiv_aad(wire + 20, pi.spi, seq, false);   /* SPI || SN(32) on the wire */
				memcpy(wire + 28, inner, ilen);
				for (size_t i = 0; i < pad; i++)
					wire[28 + ilen + i] = (uint8_t)(i + 1);
				wire[28 + ilen + pad] = (uint8_t)pad;
				wire[28 + ilen + pad + 1] = 4;
				iiv_nonce(nonce, pi.salt, seq, esn);
				uint32_t alen = iiv_aad(aad, pi.spi, seq, esn);
				direct_aead(c, pi.key, true, nonce, aad, alen, wire + 28, (uint32_t)ptl,
					    wire + 28 + ptl);
				struct rte_mbuf *m = test_mbuf(wire, 28 + ptl + 16);
				test_in_layout(m);
				ck_assert_msg(esp_inbound(in, &m, 1, &ctx) == 1, "%s esn=%d: inbound of IPsec-MB packet",
					      esp_cipher_name(c), esn);
				ck_assert_uint_eq(rte_pktmbuf_pkt_len(m), ilen);
				ck_assert_mem_eq(rte_pktmbuf_mtod(m, uint8_t *), inner, ilen);
				rte_pktmbuf_free(m);
				checked++;
			}
			ck_assert_uint_eq(in->rw->top, start + 4);
			esp_sa_destroy(out);
			esp_sa_destroy(in);
		}
	printf("implicit IV: %d packets checked against direct IPsec-MB calls\n", checked);
}
END_TEST

/*
 * The outer IPv4 header's checksum as the transforms sum it
 * (esp_ip4_cksum_of(): the template's sum, the fields' halves, 32-bit
 * ones' complement and a fold) is the one rte_ipv4_cksum() computes over
 * the whole header, for random templates and fields and for sums at the
 * edges of the carries.
 */
START_TEST(outer_ip4_checksum)
{
	static const uint16_t edge[] = { 0, 1, 0x00ff, 0x7fff, 0x8000, 0xfffe, 0xffff };
	unsigned checked = 0;

	srandom(4303);
	for (unsigned t = 0; t < 2000; t++) {
		uint8_t h[ESP_IPV4_HDR_MIN] = { 0x45 };
		uint64_t w0, w1;

		h[8] = (uint8_t)random();                       /* TTL */
		h[9] = t % 2 ? ESP_IPPROTO_ESP : ESP_IPPROTO_UDP;
		for (unsigned i = 12; i < sizeof(h); i++)       /* addresses */
			h[i] = t < 4 ? (uint8_t)(t % 2 ? 0xff : 0) : (uint8_t)random();
		uint32_t hdr_sum = __rte_raw_cksum(h, sizeof(h), 0);

		for (unsigned k = 0; k < 200; k++) {
			uint8_t p[ESP_IPV4_HDR_MIN];
			uint8_t tos = (uint8_t)(k < 49 ? edge[k % 7] : random());
			uint16_t total = k < 49 ? edge[k / 7] : (uint16_t)random();
			uint16_t id = k < 49 ? edge[(k + 3) % 7] : (uint16_t)random();
			uint8_t frame[ESP_IPV4_HDR_MIN] = { 0x45, 0, 0, 0, 0, 0, k % 3 ? 0x40 : 0 };
			uint64_t f = esp_ip4_fields(tos, total, id, esp_ip4_df(frame));

			memcpy(&w0, h, 8);
			memcpy(&w1, h + 8, 8);
			w0 |= f;
			w1 |= esp_ip4_cksum_of(hdr_sum, f);
			memcpy(p, &w0, 8);
			memcpy(p + 8, &w1, 8);
			memcpy(p + 16, h + 16, 4);

			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
			uint16_t got = ip->hdr_checksum;

			ck_assert_uint_eq(ip->type_of_service, tos);
			ck_assert_uint_eq(rte_be_to_cpu_16(ip->total_length), total);
			ck_assert_uint_eq(rte_be_to_cpu_16(ip->packet_id), id);
			ck_assert_uint_eq(ip->fragment_offset, k % 3 ? RTE_BE16(0x4000) : 0);
			ip->hdr_checksum = 0;
			ck_assert_uint_eq(got, rte_ipv4_cksum(ip));
			checked++;
		}
	}
	printf("outer IPv4 checksum: %u headers against rte_ipv4_cksum()\n", checked);
}
END_TEST

int main(void)
{
	if (test_eal_init("esp_roundtrip") != 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	Suite *s = suite_create("esp_roundtrip");
	TCase *tc = tcase_create("roundtrip");
	tcase_set_timeout(tc, 100);
	tcase_add_test(tc, all_combinations);
	tcase_add_test(tc, burst_mixed);
	tcase_add_test(tc, multi_segment);
	tcase_add_test(tc, implicit_iv);
	tcase_add_test(tc, outer_ip4_checksum);
	suite_add_tcase(s, tc);
	return check_run_nofork(s);
}
