/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key logging (control/ike/keylog.c): the exact lines of Wireshark's
 * ikev2_decryption_table and esp_sa user tables for known keys, and, over
 * the mock network, one IKE line per key set (IKE_SA_INIT, each IKE SA
 * rekey) and one ESP line per installed SA, equal on both ends.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ike/ike_wire.h"
#include "control/ike/ikesa.h"
#include "control/ike/keylog.h"
#include "tests/ike_exchange/harness.h"

static void fill(uint8_t *b, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(first + i);
}

/* (suite, expected line) for fixed SPIs and key octets 0x00.., 0x40.., ... */
START_TEST(sa_lines)
{
	static const struct {
		struct ike_suite s;
		size_t encr_len, integ_len;
		const char *line;
	} t[] = {
		{ { IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, 31 },
		  32, 32,
		  "0123456789abcdef,fedcba9876543210,"
		  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f,"
		  "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f,"
		  "\"AES-CBC-256 [RFC3602]\","
		  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f,"
		  "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf,"
		  "\"HMAC_SHA2_256_128 [RFC4868]\"\n" },
		{ { IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE, 19 }, 20, 0,
		  "0123456789abcdef,fedcba9876543210,"
		  "000102030405060708090a0b0c0d0e0f10111213,"
		  "404142434445464748494a4b4c4d4e4f50515253,"
		  "\"AES-GCM-128 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"\n" },
	};
	static struct ike_sa sa;
	char line[IKE_KEYLOG_LINE_MAX];

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&sa, 0, sizeof(sa));
		sa.spi_i = 0x0123456789abcdefULL;
		sa.spi_r = 0xfedcba9876543210ULL;
		sa.suite = t[i].s;
		sa.keys.encr_len = t[i].encr_len;
		sa.keys.integ_len = t[i].integ_len;
		fill(sa.keys.ei, sizeof(sa.keys.ei), 0x00);
		fill(sa.keys.er, sizeof(sa.keys.er), 0x40);
		fill(sa.keys.ai, sizeof(sa.keys.ai), 0x80);
		fill(sa.keys.ar, sizeof(sa.keys.ar), 0xc0);
		ck_assert_int_eq(ike_keylog_sa_line(&sa, line, sizeof(line)), strlen(t[i].line));
		ck_assert_str_eq(line, t[i].line);
		/* Too small a buffer: an error, and nothing of the keys left in it. */
		ck_assert_int_eq(ike_keylog_sa_line(&sa, line, 100), -ENOSPC);
		ck_assert_uint_eq(line[0], 0);
	}
	/* ChaCha20-Poly1305 has no Wireshark IKEv2 name: not logged. */
	sa.suite.encr = IKE_ENCR_CHACHA20_POLY1305;
	ck_assert_int_eq(ike_keylog_sa_line(&sa, line, sizeof(line)), -ENOTSUP);
}
END_TEST

START_TEST(esp_lines)
{
	struct esp_sa_params p = { .spi = 0xc0ffee01, .dir = ESP_DIR_IN,
				   .cipher = ESP_CIPHER_AES128_GCM16 };
	char line[IKE_KEYLOG_LINE_MAX];

	p.local.family = p.remote.family = AF_INET;
	memcpy(p.local.bytes, (uint8_t[]){ 10, 99, 0, 1 }, 4);
	memcpy(p.remote.bytes, (uint8_t[]){ 10, 99, 0, 2 }, 4);
	fill(p.key, sizeof(p.key), 0x10);
	fill(p.salt, sizeof(p.salt), 0xa0);
	/* Inbound: from the remote end to us; key then salt. */
	ck_assert_int_gt(ike_keylog_esp_line(&p, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "\"IPv4\",\"10.99.0.2\",\"10.99.0.1\",\"0xc0ffee01\","
			       "\"AES-GCM with 16 octet ICV [RFC4106]\","
			       "\"0x101112131415161718191a1b1c1d1e1fa0a1a2a3\",\"NULL\",\"\"\n");
	p.dir = ESP_DIR_OUT;
	p.cipher = ESP_CIPHER_AES256_GCM16;
	p.flags = ESP_SA_F_IIV;
	ck_assert_int_gt(ike_keylog_esp_line(&p, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "\"IPv4\",\"10.99.0.1\",\"10.99.0.2\",\"0xc0ffee01\","
			       "\"AES-GCM with IIV and 16 octet ICV [RFC4106 & RFC8750]\","
			       "\"0x101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
			       "a0a1a2a3\",\"NULL\",\"\"\n");
	p.cipher = ESP_CIPHER_CHACHA20_POLY1305;
	p.flags = 0;
	p.local.family = p.remote.family = AF_INET6;
	memset(p.local.bytes, 0, 16);
	memset(p.remote.bytes, 0, 16);
	p.local.bytes[0] = p.remote.bytes[0] = 0xfd;
	p.local.bytes[15] = 1;
	p.remote.bytes[15] = 2;
	ck_assert_int_gt(ike_keylog_esp_line(&p, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "\"IPv6\",\"fd00::1\",\"fd00::2\",\"0xc0ffee01\","
			       "\"ChaCha20 with Poly1305 [RFC7634]\","
			       "\"0x101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
			       "a0a1a2a3\",\"NULL\",\"\"\n");
}
END_TEST

/* Lines of @p s sorted, for comparing both ends' logs. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted(const char *s)
{
	char *copy = strdup(s), *lines[64], *out = calloc(1, strlen(s) + 1);
	unsigned n = 0;

	for (char *l = strtok(copy, "\n"); l != NULL && n < 64; l = strtok(NULL, "\n"))
		lines[n++] = l;
	qsort(lines, n, sizeof(lines[0]), cmp_str);
	for (unsigned i = 0; i < n; i++) {
		strcat(out, lines[i]);
		strcat(out, "\n");
	}
	free(copy);
	return out;
}

static void same_logs(void)
{
	for (unsigned t = 0; t < 2; t++) {
		char *a = sorted(net.a.keylog[t]), *b = sorted(net.b.keylog[t]);

		ck_assert_str_eq(a, b);
		free(a);
		free(b);
	}
}

static bool has_line_for(const struct peer *p, uint64_t spi_i, uint64_t spi_r)
{
	char head[40];

	snprintf(head, sizeof(head), "%016llx,%016llx,", (unsigned long long)spi_i,
		 (unsigned long long)spi_r);
	return strstr(p->keylog[IKE_KEYLOG_IKEV2], head) != NULL;
}

START_TEST(logged_per_key_set)
{
	struct ike_sa *a;
	char spi[16];

	establish_psk(&a, NULL);
	/* IKE_SA_INIT made one key set; IKE_AUTH installed two ESP SAs. */
	ck_assert_uint_eq(net.a.n_keylog[IKE_KEYLOG_IKEV2], 1);
	ck_assert_uint_eq(net.b.n_keylog[IKE_KEYLOG_IKEV2], 1);
	ck_assert(has_line_for(&net.a, a->spi_i, a->spi_r));
	ck_assert_ptr_nonnull(strstr(net.a.keylog[IKE_KEYLOG_IKEV2],
				     "\"AES-GCM-256 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\""));
	ck_assert_uint_eq(net.a.n_keylog[IKE_KEYLOG_ESP], 2);
	snprintf(spi, sizeof(spi), "\"0x%08x\"", a->child[0].spi_in);
	ck_assert_ptr_nonnull(strstr(net.a.keylog[IKE_KEYLOG_ESP], spi));
	same_logs();

	/* -> CREATE_CHILD_SA (Child SA rekey) and the Delete: two more ESP SAs. */
	ck_assert_int_eq(ike_rekey_child(net.a.e, a->child[0].spi_in), 0);
	ck_assert_uint_eq(net_deliver_all(), 4);
	ck_assert_uint_eq(net.a.n_keylog[IKE_KEYLOG_ESP], 4);
	ck_assert_uint_eq(net.b.n_keylog[IKE_KEYLOG_ESP], 4);
	ck_assert_uint_eq(net.a.n_keylog[IKE_KEYLOG_IKEV2], 1);

	/* -> CREATE_CHILD_SA (IKE SA rekey) and the Delete: a second key set,
	 * logged by both ends before its first message. */
	ck_assert_int_eq(ike_rekey_ike(net.a.e, a), 0);
	ck_assert_uint_eq(net_deliver_all(), 4);
	a = only_sa(&net.a);
	ck_assert_uint_eq(net.a.n_keylog[IKE_KEYLOG_IKEV2], 2);
	ck_assert_uint_eq(net.b.n_keylog[IKE_KEYLOG_IKEV2], 2);
	ck_assert(has_line_for(&net.a, a->spi_i, a->spi_r));
	/* -> INFORMATIONAL Delete of the new SA: its keys, nothing new logged. */
	ck_assert_int_eq(ike_delete(net.a.e, a), 0);
	ck_assert_uint_eq(net_deliver_all(), 2);
	ck_assert_uint_eq(ike_sa_count(net.a.e), 0);
	ck_assert_uint_eq(net.a.n_keylog[IKE_KEYLOG_IKEV2], 2);
	same_logs();
	net_teardown();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ike-keylog");
	TCase *t = tcase_create("keylog");

	tcase_add_test(t, sa_lines);
	tcase_add_test(t, esp_lines);
	tcase_add_test(t, logged_per_key_set);
	suite_add_tcase(s, t);
	return check_run(s);
}
