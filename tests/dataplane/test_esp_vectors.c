/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_esp_vectors.c - published ESP vectors byte for byte, read at run
 * time from $ESP_VECTORS (tests/vectors/esp, see its README.md):
 * - RFC 7634 Appendix A: esp_outbound builds ip_packet from payload_data
 *   (tunnel mode, ChaCha20-Poly1305), esp_inbound gives payload_data back.
 * - draft-mcgrew-gcm-test-01, every AES-GCM-128/256 case: the AEAD glue
 *   encrypts plaintext to ciphertext || ICV; esp_outbound (transport mode,
 *   the case's Next Header, ESN when the case has it) builds esp_packet;
 *   esp_inbound decrypts it back. AES-192 and GMAC cases are skipped and
 *   counted (esprit does not support them).
 * - The ODP variants (Next Header 4): tunnel-mode inbound of ip_packet and
 *   outbound of esp_packet; the Next Header 59 case is dropped as dummy.
 * Vectors whose IV is not their sequence number use ctx.iv_override.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>
#include <jansson.h>
#include <rte_mbuf.h>

#include "dataplane/esp_common.h"
#include "dataplane/sa.h"
#include "dataplane/spd.h"
#include "dataplane/xform.h"
#include "tests/dataplane/eal_helper.h"
#include "tests/dataplane/pkt_helper.h"
#include "tests/check_run.h"

enum { BUF = 2048 };

static json_t *load(const char *file)
{
	const char *dir = getenv("ESP_VECTORS");
	char path[1024];
	json_error_t err;

	ck_assert_msg(dir != NULL, "ESP_VECTORS not set");
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	json_t *root = json_load_file(path, 0, &err);
	ck_assert_msg(root != NULL, "%s: %s", path, err.text);
	json_t *cases = json_object_get(root, "cases");
	ck_assert(json_is_array(cases));
	ck_assert_msg(json_array_size(cases) > 0, "%s: no cases", path);
	return root;
}

static const char *str(const json_t *c, const char *k)
{
	const json_t *v = json_object_get(c, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long hex(const json_t *c, const char *k, uint8_t *out, size_t cap)
{
	const char *s = str(c, k);
	ck_assert_msg(s != NULL, "field %s missing", k);
	long n = test_unhex(s, out, cap);
	ck_assert_msg(n >= 0, "field %s: bad hex", k);
	return n;
}

static uint64_t hexnum(const json_t *c, const char *k)
{
	const char *s = str(c, k);
	ck_assert(s != NULL);
	return strtoull(s, NULL, 16);
}

static void ctx_init(struct esp_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->mgr = test_mgr();
}

static void dump_diff(const char *what, const uint8_t *got, const uint8_t *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i]) {
			fprintf(stderr, "%s: first difference at octet %zu: %02x != %02x\n",
				what, i, got[i], want[i]);
			return;
		}
}

static bool same(const char *what, const uint8_t *got, size_t glen,
		 const uint8_t *want, size_t wlen)
{
	if (glen != wlen) {
		fprintf(stderr, "%s: length %zu != %zu\n", what, glen, wlen);
		return false;
	}
	if (memcmp(got, want, glen) != 0) {
		dump_diff(what, got, want, glen);
		return false;
	}
	return true;
}

/* ---- RFC 7634 Appendix A ---------------------------------------------- */

START_TEST(rfc7634_esp)
{
	json_t *root = load("rfc7634.json");
	json_t *cases = json_object_get(root, "cases");
	size_t i, found = 0;
	json_t *c;

	json_array_foreach(cases, i, c) {
		if (strcmp(str(c, "protocol"), "esp") != 0)
			continue;
		found++;
		uint8_t key[32], salt[4], iv[8], spi[4], inner[BUF], ip[BUF];
		ck_assert_int_eq(hex(c, "key", key, sizeof(key)), 32);
		hex(c, "salt", salt, sizeof(salt));
		hex(c, "iv", iv, sizeof(iv));
		hex(c, "spi", spi, sizeof(spi));
		long ilen = hex(c, "payload_data", inner, sizeof(inner));
		long plen = hex(c, "ip_packet", ip, sizeof(ip));
		uint64_t seq = hexnum(c, "seq");

		/* -> outbound: the vector's outer header is 203.0.113.153 ->
		 * 203.0.113.5, ID 0x2345, TTL 64, no DF (inner has none). */
		struct esp_sa_params p;
		test_sa_params(&p, ESP_DIR_OUT, ESP_MODE_TUNNEL, ESP_CIPHER_CHACHA20_POLY1305, 0, AF_INET);
		p.spi = esp_get32(spi);
		memcpy(p.key, key, 32);
		memcpy(p.salt, salt, 4);
		p.local.family = p.remote.family = AF_INET;
		memcpy(p.local.bytes, ip + 12, 4);
		memcpy(p.remote.bytes, ip + 16, 4);
		p.seq_start = seq - 1;
		struct esp_sa *out = esp_sa_create(&p, test_mgr());
		ck_assert_ptr_nonnull(out);
		out->ip_id = esp_get16(ip + 4);

		struct esp_ctx ctx;
		ctx_init(&ctx);
		ctx.iv_override = iv;  /* the vector's IV is not its SN */
		struct rte_mbuf *m = test_mbuf(inner, (size_t)ilen);
		ck_assert_int_eq(esp_outbound(out, &m, 1, &ctx), 1);
		ck_assert(same("rfc7634 outbound", rte_pktmbuf_mtod(m, uint8_t *),
			       rte_pktmbuf_pkt_len(m), ip, (size_t)plen));
		rte_pktmbuf_free(m);

		/* <- inbound: ip_packet decrypts to payload_data. */
		test_sa_params(&p, ESP_DIR_IN, ESP_MODE_TUNNEL, ESP_CIPHER_CHACHA20_POLY1305, 0, AF_INET);
		p.spi = esp_get32(spi);
		memcpy(p.key, key, 32);
		memcpy(p.salt, salt, 4);
		memcpy(p.local.bytes, ip + 16, 4);
		memcpy(p.remote.bytes, ip + 12, 4);
		struct esp_sa *in = esp_sa_create(&p, test_mgr());
		ck_assert_ptr_nonnull(in);
		ctx.iv_override = NULL;
		m = test_mbuf(ip, (size_t)plen);
		test_in_layout(m);
		ck_assert_int_eq(esp_inbound(in, &m, 1, &ctx), 1);
		ck_assert(same("rfc7634 inbound", rte_pktmbuf_mtod(m, uint8_t *),
			       rte_pktmbuf_pkt_len(m), inner, (size_t)ilen));
		ck_assert_uint_eq(in->stats.packets, 1);
		ck_assert_uint_eq(in->stats.bytes, (uint64_t)ilen);
		rte_pktmbuf_free(m);
		esp_sa_destroy(out);
		esp_sa_destroy(in);
	}
	printf("rfc7634.json: %zu ESP case(s) byte for byte (outbound and inbound)\n", found);
	ck_assert_uint_gt(found, 0);
	json_decref(root);
}
END_TEST

/* ---- draft-mcgrew-gcm-test-01 ------------------------------------------ */

static int gcm_cipher(const char *algo)
{
	if (strcmp(algo, "AES-GCM-128") == 0)
		return ESP_CIPHER_AES128_GCM16;
	if (strcmp(algo, "AES-GCM-256") == 0)
		return ESP_CIPHER_AES256_GCM16;
	return -1;
}

struct gcm_case {
	int cipher;
	bool esn;
	uint8_t key[32], salt[4], iv[8], nonce[12], aad[12], spi[4];
	uint8_t pt[BUF], ct[BUF], icv[16], esp[BUF], payload[BUF];
	long key_len, aad_len, pt_len, ct_len, esp_len, payload_len;
	uint64_t seq;
	uint8_t next_header;
};

static void gcm_case_read(const json_t *c, struct gcm_case *g)
{
	g->cipher = gcm_cipher(str(c, "algo"));
	g->esn = json_is_true(json_object_get(c, "esn"));
	g->key_len = hex(c, "key", g->key, sizeof(g->key));
	hex(c, "salt", g->salt, sizeof(g->salt));
	hex(c, "iv", g->iv, sizeof(g->iv));
	hex(c, "nonce", g->nonce, sizeof(g->nonce));
	g->aad_len = hex(c, "aad", g->aad, sizeof(g->aad));
	hex(c, "spi", g->spi, sizeof(g->spi));
	g->pt_len = hex(c, "plaintext", g->pt, sizeof(g->pt));
	g->ct_len = hex(c, "ciphertext", g->ct, sizeof(g->ct));
	hex(c, "icv", g->icv, sizeof(g->icv));
	g->esp_len = hex(c, "esp_packet", g->esp, sizeof(g->esp));
	g->payload_len = hex(c, "payload_data", g->payload, sizeof(g->payload));
	g->seq = hexnum(c, "seq");
	g->next_header = (uint8_t)json_integer_value(json_object_get(c, "next_header"));
	ck_assert_int_eq((long)esp_cipher_key_len((enum esp_cipher)g->cipher), g->key_len);
}

/* AEAD level: plaintext -> ciphertext || ICV with the vector's nonce/AAD. */
static bool gcm_aead_check(const char *name, const struct gcm_case *g)
{
	/* as in struct esp_sa: 16 octets into a line */
	size_t area = (16 + esp_key_area_size(test_mgr()) + 63) & ~(size_t)63;
	uint8_t *buf = aligned_alloc(64, area), *k = buf + 16;
	uint8_t out[BUF], tag[16], nonce[12], back[BUF];
	bool ok;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(esp_key_setup(test_mgr(), (enum esp_cipher)g->cipher, g->key, k), 0);
	esp_nonce_explicit(nonce, g->salt, g->iv);
	ck_assert_mem_eq(nonce, g->nonce, 12);
	/* our AAD builder gives the vector's AAD */
	uint8_t aad[ESP_AAD_MAX];
	uint32_t alen = esp_aad_build(aad, esp_get32(g->spi), g->seq, g->esn);
	ck_assert_int_eq((long)alen, g->aad_len);
	ck_assert_mem_eq(aad, g->aad, alen);

	esp_aead(test_mgr(), k, (unsigned)g->cipher, true, nonce, aad, alen, out, g->pt,
		 (uint32_t)g->pt_len, tag);
	ok = same(name, out, (size_t)g->pt_len, g->ct, (size_t)g->ct_len) &&
	     same(name, tag, 16, g->icv, 16);
	esp_aead(test_mgr(), k, (unsigned)g->cipher, false, nonce, aad, alen, back, g->ct,
		 (uint32_t)g->ct_len, tag);
	ok = ok && same(name, back, (size_t)g->ct_len, g->pt, (size_t)g->pt_len) &&
	     esp_icv_equal(tag, g->icv);
	explicit_bzero(k, sizeof(*k));
	free(buf);
	return ok;
}

static size_t ip4_hdr(uint8_t *b, uint8_t proto, size_t payload)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	esp_put16(b + 2, (uint16_t)(20 + payload));
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, "\xc0\x00\x02\x01", 4);
	memcpy(b + 16, "\xc0\x00\x02\x02", 4);
	test_ip4_cksum(b);
	return 20;
}

static void gcm_params(struct esp_sa_params *p, const struct gcm_case *g, enum esp_dir dir,
		       enum esp_mode mode)
{
	test_sa_params(p, dir, mode, (enum esp_cipher)g->cipher, g->esn ? ESP_SA_F_ESN : 0, AF_INET);
	/* Case 4 uses SPI 0, which RFC 4303 §2.1 reserves and esp_sa_create
	 * refuses: create with another SPI, then set the vector's (sa_make). */
	p->spi = esp_get32(g->spi) >= ESP_SPI_MIN ? esp_get32(g->spi) : ESP_SPI_MIN;
	memcpy(p->key, g->key, (size_t)g->key_len);
	memcpy(p->salt, g->salt, 4);
	p->seq_start = g->seq - 1;   /* next sent / last seen + 1 = the vector's */
}

static struct esp_sa *sa_make(const struct esp_sa_params *p, const struct gcm_case *g)
{
	struct esp_sa *sa = esp_sa_create(p, test_mgr());
	ck_assert_ptr_nonnull(sa);
	sa->spi = esp_get32(g->spi);
	return sa;
}

/* Packet level, transport mode over a made-up IPv4 header. */
static bool gcm_packet_check(const char *name, const struct gcm_case *g)
{
	struct esp_sa_params p;
	struct esp_ctx ctx;
	uint8_t pkt[BUF];
	bool ok;

	ctx_init(&ctx);
	size_t hl = ip4_hdr(pkt, g->next_header, (size_t)g->payload_len);
	memcpy(pkt + hl, g->payload, (size_t)g->payload_len);

	/* -> outbound */
	gcm_params(&p, g, ESP_DIR_OUT, ESP_MODE_TRANSPORT);
	struct esp_sa *out = sa_make(&p, g);
	ctx.iv_override = g->iv;
	struct rte_mbuf *m = test_mbuf(pkt, hl + (size_t)g->payload_len);
	ck_assert_int_eq(esp_outbound(out, &m, 1, &ctx), 1);
	const uint8_t *o = rte_pktmbuf_mtod(m, const uint8_t *);
	ok = o[9] == ESP_IPPROTO_ESP &&
	     same(name, o + hl, rte_pktmbuf_pkt_len(m) - hl, g->esp, (size_t)g->esp_len);
	rte_pktmbuf_free(m);

	/* <- inbound */
	uint8_t wire[BUF];
	ip4_hdr(wire, ESP_IPPROTO_ESP, (size_t)g->esp_len);
	memcpy(wire + hl, g->esp, (size_t)g->esp_len);
	gcm_params(&p, g, ESP_DIR_IN, ESP_MODE_TRANSPORT);
	struct esp_sa *in = sa_make(&p, g);
	ctx.iv_override = NULL;
	m = test_mbuf(wire, hl + (size_t)g->esp_len);
	test_in_layout(m);
	if (esp_inbound(in, &m, 1, &ctx) != 1) {
		for (int r = 0; r < ESP_DROP_MAX; r++)
			if (ctx.drops[r])
				fprintf(stderr, "%s: inbound drop %s\n", name, esp_drop_name(r));
		ok = false;
	} else {
		ok = ok && same(name, rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_pkt_len(m),
				pkt, hl + (size_t)g->payload_len);
	}
	rte_pktmbuf_free(m);
	esp_sa_destroy(out);
	esp_sa_destroy(in);
	return ok;
}

START_TEST(mcgrew_gcm)
{
	json_t *root = load("mcgrew-gcm.json");
	json_t *cases = json_object_get(root, "cases");
	struct gcm_case *g = malloc(sizeof(*g));
	size_t i, aead_ok = 0, pkt_ok = 0, skipped = 0, esn = 0, total = 0;
	json_t *c;

	ck_assert_ptr_nonnull(g);
	json_array_foreach(cases, i, c) {
		const char *name = str(c, "name");
		if (gcm_cipher(str(c, "algo")) < 0) {
			printf("%s: skipped (%s is not an esprit cipher)\n", name, str(c, "algo"));
			skipped++;
			continue;
		}
		total++;
		gcm_case_read(c, g);
		if (gcm_aead_check(name, g))
			aead_ok++;
		else
			fprintf(stderr, "%s: AEAD mismatch\n", name);
		if (gcm_packet_check(name, g)) {
			pkt_ok++;
			esn += g->esn;
		} else {
			fprintf(stderr, "%s: packet mismatch\n", name);
		}
	}
	printf("mcgrew-gcm.json: %zu AES-GCM cases, %zu AEAD byte for byte, %zu packet level "
	       "(%zu with ESN), %zu skipped\n", total, aead_ok, pkt_ok, esn, skipped);
	ck_assert_uint_gt(total, 0);
	ck_assert_uint_eq(aead_ok, total);
	ck_assert_uint_eq(pkt_ok, total);
	free(g);
	json_decref(root);
}
END_TEST

/* ODP variants: tunnel mode, next header 4 (or 59 = dummy). */
START_TEST(odp_variants)
{
	json_t *root = load("odp-mcgrew-variants.json");
	json_t *cases = json_object_get(root, "cases");
	struct gcm_case *g = malloc(sizeof(*g));
	size_t i, in_ok = 0, out_ok = 0, dummy = 0, skipped = 0;
	json_t *c;

	ck_assert_ptr_nonnull(g);
	json_array_foreach(cases, i, c) {
		const char *name = str(c, "name");
		if (gcm_cipher(str(c, "algo")) < 0) {
			printf("%s: skipped (%s)\n", name, str(c, "algo"));
			skipped++;
			continue;
		}
		gcm_case_read(c, g);
		ck_assert(gcm_aead_check(name, g));

		uint8_t wire[BUF];
		size_t wlen;
		if (str(c, "ip_packet") != NULL) {
			wlen = (size_t)hex(c, "ip_packet", wire, sizeof(wire));
		} else {
			wlen = ip4_hdr(wire, ESP_IPPROTO_ESP, (size_t)g->esp_len);
			memcpy(wire + wlen, g->esp, (size_t)g->esp_len);
			wlen += (size_t)g->esp_len;
		}
		struct esp_sa_params p;
		struct esp_ctx ctx;
		ctx_init(&ctx);
		gcm_params(&p, g, ESP_DIR_IN, ESP_MODE_TUNNEL);
		memcpy(p.local.bytes, wire + 16, 4);
		memcpy(p.remote.bytes, wire + 12, 4);
		struct esp_sa *in = sa_make(&p, g);
		struct rte_mbuf *m = test_mbuf(wire, wlen);
		test_in_layout(m);
		uint16_t good = esp_inbound(in, &m, 1, &ctx);
		if (g->next_header == ESP_IPPROTO_NONE) {
			ck_assert_int_eq(good, 0);
			ck_assert_uint_eq(ctx.drops[ESP_DROP_DUMMY], 1);
			dummy++;
		} else {
			ck_assert_int_eq(good, 1);
			if (same(name, rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_pkt_len(m),
				 g->payload, (size_t)g->payload_len))
				in_ok++;
		}
		rte_pktmbuf_free(m);
		esp_sa_destroy(in);

		if (g->next_header == ESP_IPPROTO_NONE)
			continue;
		/* -> outbound: the ESP part must equal esp_packet. */
		gcm_params(&p, g, ESP_DIR_OUT, ESP_MODE_TUNNEL);
		struct esp_sa *out = sa_make(&p, g);
		ctx.iv_override = g->iv;
		m = test_mbuf(g->payload, (size_t)g->payload_len);
		ck_assert_int_eq(esp_outbound(out, &m, 1, &ctx), 1);
		if (same(name, rte_pktmbuf_mtod(m, uint8_t *) + 20, rte_pktmbuf_pkt_len(m) - 20,
			 g->esp, (size_t)g->esp_len))
			out_ok++;
		rte_pktmbuf_free(m);
		esp_sa_destroy(out);
	}
	printf("odp-mcgrew-variants.json: %zu inbound and %zu outbound byte for byte, "
	       "%zu dummy dropped, %zu skipped\n", in_ok, out_ok, dummy, skipped);
	ck_assert_uint_gt(in_ok, 0);
	ck_assert_uint_eq(in_ok, out_ok);
	free(g);
	json_decref(root);
}
END_TEST

/* True when one of the @p n line offsets in @p off holds octet @p at. */
static bool line_listed(const uint16_t *off, unsigned n, size_t at)
{
	for (unsigned i = 0; i < n; i++)
		if (off[i] == (at & ~(size_t)63))
			return true;
	return false;
}

/*
 * esp_sa_prefetch() fetches the lines esp_key_lines() names. For each key
 * layout they must hold the counters, the AES-128 round keys and the
 * GHASH powers H^4..H^1 a small packet's GCM call reads (the AVX2 code at
 * 304 of struct gcm_key_data; IPsec-MB 1.3's VAES code loads them from
 * its last 64 octets), in order, inside the SA's key area: 4 lines with
 * either layout, 16 octets into the counters' line.
 */
START_TEST(key_lines_follow_the_layout)
{
	static const IMB_ARCH archs[] = { IMB_ARCH_AVX2, IMB_ARCH_AVX512 };
	IMB_MGR *mgr = calloc(1, sizeof(*mgr));

	ck_assert_ptr_nonnull(mgr);
	for (unsigned a = 0; a < RTE_DIM(archs); a++) {
		uint16_t off[ESP_SA_KEY_LINES];

		mgr->used_arch = archs[a];
		esp_key_lines(mgr, off);
		size_t key = offsetof(struct esp_sa, key) - offsetof(struct esp_sa, stats);
		size_t hk = key + (archs[a] == IMB_ARCH_AVX512 ? sizeof(struct gcm_key_data) - 64
							      : 304);
		size_t end = key + esp_key_area_size(mgr);

		ck_assert(line_listed(off, ESP_SA_KEY_LINES, 0));
		for (size_t at = key; at < key + 176; at += 16)
			ck_assert_msg(line_listed(off, ESP_SA_KEY_LINES, at), "arch %d: round key at %zu",
				      archs[a], at);
		for (size_t at = hk; at < hk + 64; at += 16)
			ck_assert_msg(line_listed(off, ESP_SA_KEY_LINES, at), "arch %d: H at %zu",
				      archs[a], at);
		for (unsigned i = 0; i < ESP_SA_KEY_LINES; i++) {
			ck_assert_uint_eq(off[i] % 64, 0);
			ck_assert_uint_lt(off[i], end);
			if (i > 0)  /* each a line of its own: none fetched twice */
				ck_assert_uint_gt(off[i], off[i - 1]);
		}
	}
	free(mgr);
}
END_TEST

int main(void)
{
	if (test_eal_init("esp_vectors") != 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	Suite *s = suite_create("esp_vectors");
	TCase *tc = tcase_create("vectors");
	tcase_add_test(tc, rfc7634_esp);
	tcase_add_test(tc, mcgrew_gcm);
	tcase_add_test(tc, odp_variants);
	tcase_add_test(tc, key_lines_follow_the_layout);
	suite_add_tcase(s, tc);
	return check_run_nofork(s);
}
