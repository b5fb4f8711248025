/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/ike payloads and cursor: per-payload round trip (build -> bytes
 * as in the RFC figure -> parse -> equal), then a table of malformed
 * bodies per payload, each parsed from an exactly sized heap copy and cut
 * at every offset (run under ASan).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "control/ike/payload.h"
#include "tests/check_run.h"

static uint8_t out[4096];

static void buf_start(struct ike_buf *b)
{
	memset(out, 0xee, sizeof(out));
	ike_buf_init(b, out, sizeof(out));
}

/* ------------------------------- cursor ------------------------------- */

START_TEST(cursor_reader)
{
	static const uint8_t p[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct ike_cur c, s;
	uint8_t tmp[4];
	size_t n;

	ike_cur_init(&c, p, sizeof(p));
	ck_assert_uint_eq(ike_cur_u8(&c), 1);
	ck_assert_uint_eq(ike_cur_u16(&c), 0x0203);
	ck_assert_uint_eq(ike_cur_u32(&c), 0x04050607);
	ck_assert_uint_eq(ike_cur_left(&c), 8);
	s = ike_cur_sub(&c, 3);
	ck_assert_uint_eq(ike_cur_left(&s), 3);
	ck_assert_uint_eq(ike_cur_u16(&s), 0x0809);
	ck_assert_uint_eq(ike_cur_u16(&s), 0);      /* past the sub-cursor */
	ck_assert_int_eq(s.err, -EBADMSG);
	ck_assert_int_eq(c.err, 0);                 /* the parent is fine */
	ck_assert_uint_eq(ike_cur_u8(&c), 11);
	ck_assert_int_eq(ike_cur_copy(&c, tmp, 4), 0);
	ck_assert_mem_eq(tmp, "\x0c\x0d\x0e\x0f", 4);
	ck_assert_int_eq(ike_cur_done(&c), 0);
	ck_assert_ptr_null(ike_cur_bytes(&c, 1));
	ck_assert_int_eq(c.err, -EBADMSG);
	/* Sticky: everything after the first error reads as 0/NULL. */
	ck_assert_uint_eq(ike_cur_u8(&c), 0);
	ck_assert_ptr_null(ike_cur_rest(&c, &n));
	ck_assert_uint_eq(n, 0);

	ike_cur_init(&c, p, sizeof(p));
	ck_assert_uint_eq(ike_cur_u64(&c), 0x0102030405060708ull);
	s = ike_cur_sub(&c, 8);                     /* only 7 left */
	ck_assert_int_eq(s.err, -EBADMSG);
	ck_assert_uint_eq(ike_cur_left(&s), 0);
	ck_assert_int_eq(ike_cur_copy(&c, tmp, 4), -EBADMSG);
	ck_assert_mem_eq(tmp, "\0\0\0\0", 4);

	/* A huge length from the wire never wraps. */
	ike_cur_init(&c, p, sizeof(p));
	ck_assert_ptr_null(ike_cur_bytes(&c, SIZE_MAX));
	ike_cur_init(&c, NULL, 5);
	ck_assert_uint_eq(ike_cur_left(&c), 0);
	ck_assert_int_eq(ike_cur_done(&c), 0);
}
END_TEST

START_TEST(cursor_writer)
{
	uint8_t w[12];
	struct ike_buf b;
	size_t at;

	ike_buf_init(&b, w, sizeof(w));
	ike_buf_u8(&b, 0xaa);
	at = ike_buf_reserve16(&b);
	ike_buf_u32(&b, 0x01020304);
	ike_buf_patch_len16(&b, at, 0);
	ck_assert_int_eq(b.err, 0);
	ck_assert_mem_eq(w, "\xaa\x00\x07\x01\x02\x03\x04", 7);
	ike_buf_u64(&b, 1);                         /* 7 + 8 > 12 */
	ck_assert_int_eq(b.err, -ENOSPC);
	ck_assert_uint_eq(b.len, 7);
	ike_buf_u8(&b, 1);                          /* sticky */
	ck_assert_uint_eq(b.len, 7);

	ike_buf_init(&b, w, sizeof(w));
	ike_buf_patch_u16(&b, 0, 1);                /* nothing written there yet */
	ck_assert_int_eq(b.err, -EINVAL);
	ike_buf_init(&b, NULL, 10);
	ck_assert_int_eq(b.err, -EINVAL);
}
END_TEST

/* ------------------------------ round trips --------------------------- */

static const uint8_t sa_body[] = {
	/* SA body of the IKE_SA_INIT vector plus a second proposal with an SPI. */
	0x02, 0x00, 0x00, 0x2c,       /* more proposals, RESERVED, Proposal Length 44 */
	0x01, 0x01, 0x00, 0x04,       /* Num 1, IKE, SPI Size 0, 4 transforms */
	0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x0c, 0x80, 0x0e, 0x01, 0x00, /* AES-CBC-256 */
	0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05, /* PRF_HMAC_SHA2_256 */
	0x03, 0x00, 0x00, 0x08, 0x03, 0x00, 0x00, 0x0c, /* AUTH_HMAC_SHA2_256_128 */
	0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x1f, /* Curve25519 */
	0x00, 0x00, 0x00, 0x2c,       /* last proposal, RESERVED, Proposal Length 44 */
	0x02, 0x01, 0x08, 0x03,       /* Num 2, IKE, SPI Size 8 (rekey), 3 transforms */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* SPI */
	0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x14, 0x80, 0x0e, 0x01, 0x00, /* AES-GCM-16-256 */
	0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x07, /* PRF_HMAC_SHA2_512 */
	0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x25, /* ML-KEM-1024 (37) */
};

START_TEST(rt_sa)
{
	static struct pld_sa sa, back; /* zeroed: memcmp covers unused slots */
	struct ike_buf b;

	ck_assert_int_eq(pld_sa_parse(sa_body, sizeof(sa_body), &sa), 0);
	ck_assert_uint_eq(sa.n_proposals, 2);
	ck_assert_uint_eq(sa.prop[1].num, 2);
	ck_assert_uint_eq(sa.prop[1].spi_size, 8);
	ck_assert_mem_eq(sa.prop[1].spi, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	ck_assert_uint_eq(sa.prop[1].xf[0].id, IKE_ENCR_AES_GCM_16);
	ck_assert_uint_eq(sa.prop[1].xf[2].id, IKE_KE_ML_KEM_1024);
	buf_start(&b);
	ck_assert_int_eq(pld_sa_build(&b, &sa), 0);
	ck_assert_uint_eq(b.len, sizeof(sa_body));
	ck_assert_mem_eq(out, sa_body, sizeof(sa_body));
	ck_assert_int_eq(pld_sa_parse(out, b.len, &back), 0);
	ck_assert_int_eq(memcmp(&sa, &back, sizeof(sa)), 0);
}
END_TEST

/* §3.3.6: unknown, TLV and repeated attributes make the transform unacceptable. */
START_TEST(sa_attrs)
{
	static const uint8_t body[] = {
		0x00, 0x00, 0x00, 0x32, 0x01, 0x03, 0x00, 0x03, /* Length 50, ESP, 3 transforms */
		0x03, 0x00, 0x00, 0x10, 0x01, 0x00, 0x00, 0x0c,
		0x80, 0x0e, 0x00, 0x80, 0x80, 0x0e, 0x01, 0x00, /* Key Length twice */
		0x03, 0x00, 0x00, 0x0e, 0x01, 0x00, 0x00, 0x0c,
		0x00, 0x0e, 0x00, 0x02, 0x01, 0x00,             /* Key Length as TLV */
		0x00, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x14,
		0x80, 0x63, 0x00, 0x01,                         /* unknown TV attribute 99 */
	};
	struct pld_sa sa;

	ck_assert_int_eq(pld_sa_parse(body, sizeof(body), &sa), 0);
	ck_assert_uint_eq(sa.prop[0].xf[0].flags, PLD_XF_KEY_LENGTH | PLD_XF_UNACCEPTABLE);
	ck_assert_uint_eq(sa.prop[0].xf[0].key_len, 128);
	ck_assert_uint_eq(sa.prop[0].xf[1].flags, PLD_XF_UNACCEPTABLE);
	ck_assert_uint_eq(sa.prop[0].xf[2].flags, PLD_XF_UNACCEPTABLE);
}
END_TEST

START_TEST(rt_ke)
{
	static uint8_t data[1568]; /* ML-KEM-1024 encapsulation key size */
	struct pld_ke ke = { .method = IKE_KE_ML_KEM_1024, .data = data, .len = sizeof(data) }, back;
	struct ike_buf b;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	buf_start(&b);
	ck_assert_int_eq(pld_ke_build(&b, &ke), 0);
	ck_assert_uint_eq(b.len, 4 + 1568);
	ck_assert_mem_eq(out, "\x00\x25\x00\x00", 4);   /* method 37, RESERVED */
	ck_assert_int_eq(pld_ke_parse(out, b.len, &back), 0);
	ck_assert_uint_eq(back.method, IKE_KE_ML_KEM_1024);
	ck_assert_uint_eq(back.len, 1568);
	ck_assert_ptr_eq(back.data, out + 4);
	ck_assert_mem_eq(back.data, data, 1568);
}
END_TEST

START_TEST(rt_id)
{
	struct pld_id id = { .type = IKE_ID_IPV4_ADDR, .data = (const uint8_t *)"\xc0\x00\x02\x01",
			     .len = 4 }, back;
	struct ike_buf b;

	buf_start(&b);
	ck_assert_int_eq(pld_id_build(&b, &id), 0);
	ck_assert_mem_eq(out, "\x01\x00\x00\x00\xc0\x00\x02\x01", 8);
	ck_assert_int_eq(pld_id_parse(out, b.len, &back), 0);
	ck_assert_uint_eq(back.type, IKE_ID_IPV4_ADDR);
	ck_assert_mem_eq(back.data, id.data, 4);
	id.len = 5;
	ck_assert_int_eq(pld_id_build(&b, &id), -EINVAL);
}
END_TEST

START_TEST(rt_cert)
{
	struct pld_cert c = { .encoding = IKE_CERT_X509_SIGNATURE,
			      .data = (const uint8_t *)"\x30\x82\x01\x00", .len = 4 }, back;
	uint8_t hashes[40];
	struct ike_buf b;

	buf_start(&b);
	ck_assert_int_eq(pld_cert_build(&b, &c), 0);
	ck_assert_mem_eq(out, "\x04\x30\x82\x01\x00", 5);
	ck_assert_int_eq(pld_cert_parse(out, b.len, &back), 0);
	ck_assert_uint_eq(back.encoding, 4);
	ck_assert_uint_eq(back.len, 4);
	/* CERTREQ: two CA key hashes, or none. */
	memset(hashes, 0x77, sizeof(hashes));
	c.data = hashes;
	c.len = 40;
	buf_start(&b);
	ck_assert_int_eq(pld_cert_build(&b, &c), 0);
	ck_assert_int_eq(pld_certreq_parse(out, b.len, &back), 0);
	ck_assert_uint_eq(back.len, 40);
	ck_assert_int_eq(pld_certreq_parse(out, 1, &back), 0);
	ck_assert_uint_eq(back.len, 0);
}
END_TEST

START_TEST(rt_auth)
{
	/* RFC 7427 App. A: ecdsa-with-SHA256 AlgorithmIdentifier. */
	static const uint8_t ecdsa256[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
					    0x3d, 0x04, 0x03, 0x02 };
	static const uint8_t sig[70] = { 0x30, 0x44 };
	struct pld_auth a = { .method = IKE_AUTH_DIGITAL_SIGNATURE, .alg_id = ecdsa256,
			      .alg_id_len = sizeof(ecdsa256), .sig = sig, .sig_len = sizeof(sig) };
	struct pld_auth back;
	struct ike_buf b;

	buf_start(&b);
	ck_assert_int_eq(pld_auth_build(&b, &a), 0);
	ck_assert_uint_eq(b.len, 4 + 1 + 12 + 70);
	ck_assert_mem_eq(out, "\x0e\x00\x00\x00\x0c", 5);  /* method 14, ASN.1 Length 12 */
	ck_assert_int_eq(pld_auth_parse(out, b.len, &back), 0);
	ck_assert_uint_eq(back.alg_id_len, 12);
	ck_assert_mem_eq(back.alg_id, ecdsa256, 12);
	ck_assert_uint_eq(back.sig_len, 70);
	ck_assert_mem_eq(back.sig, sig, 70);
	ck_assert_uint_eq(back.len, 83);

	/* PSK: opaque data, no split. */
	a = (struct pld_auth){ .method = IKE_AUTH_SHARED_KEY_MIC, .data = sig, .len = 32 };
	buf_start(&b);
	ck_assert_int_eq(pld_auth_build(&b, &a), 0);
	ck_assert_int_eq(pld_auth_parse(out, b.len, &back), 0);
	ck_assert_uint_eq(back.method, IKE_AUTH_SHARED_KEY_MIC);
	ck_assert_uint_eq(back.len, 32);
	ck_assert_ptr_null(back.alg_id);
}
END_TEST

START_TEST(rt_nonce)
{
	static uint8_t d[257];
	struct pld_nonce n = { .data = d, .len = 16 }, back;
	struct ike_buf b;

	for (size_t len = 15; len <= 257; len++) {
		n.len = len;
		buf_start(&b);
		ck_assert_int_eq(pld_nonce_build(&b, &n), len >= 16 && len <= 256 ? 0 : -EINVAL);
		ck_assert_int_eq(pld_nonce_parse(d, len, &back),
				 len >= 16 && len <= 256 ? 0 : -EBADMSG);
	}
}
END_TEST

START_TEST(rt_notify)
{
	static const uint8_t spi[4] = { 0xde, 0xad, 0xbe, 0xef };
	struct pld_notify n = { .protocol_id = IKE_PROTO_ESP, .spi_size = 4, .spi = spi,
				.type = IKE_N_REKEY_SA }, back;
	struct pld_notify ke = { .type = IKE_N_INVALID_KE_PAYLOAD,
				 .data = (const uint8_t *)"\x00\x24", .len = 2 };
	struct pld_notify uc = { .type = IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
				 .data = (const uint8_t *)"\x64", .len = 1 };
	struct ike_buf b;
	uint16_t method;
	uint8_t t;

	buf_start(&b);
	ck_assert_int_eq(pld_notify_build(&b, &n), 0);
	ck_assert_mem_eq(out, "\x03\x04\x40\x09\xde\xad\xbe\xef", 8);
	ck_assert_int_eq(pld_notify_parse(out, b.len, &back), 0);
	ck_assert_uint_eq(back.type, IKE_N_REKEY_SA);
	ck_assert_mem_eq(back.spi, spi, 4);
	ck_assert_uint_eq(back.len, 0);
	ck_assert(!pld_notify_is_error(&back));

	ck_assert_int_eq(pld_n_invalid_ke(&ke, &method), 0);
	ck_assert_uint_eq(method, IKE_KE_ML_KEM_768);
	ck_assert(pld_notify_is_error(&ke));
	ck_assert_int_eq(pld_n_invalid_ke(&uc, &method), -EINVAL);
	ck_assert_int_eq(pld_n_unsupported_critical(&uc, &t), 0);
	ck_assert_uint_eq(t, 100);
}
END_TEST

START_TEST(rt_redirect)
{
	static const uint8_t nonce[16] = { 1 };
	struct pld_redirect r = { .gw_type = IKE_GW_FQDN, .gw = (const uint8_t *)"vpn2.example",
				  .gw_len = 12, .nonce = nonce, .nonce_len = 16 }, back;
	struct pld_notify n = { .type = IKE_N_REDIRECT };
	struct ike_buf b;

	buf_start(&b);
	ck_assert_int_eq(pld_n_redirect_build(&b, &r), 0);
	ck_assert_mem_eq(out, "\x03\x0cvpn2.example", 14);
	n.data = out;
	n.len = b.len;
	ck_assert_int_eq(pld_n_redirect_parse(&n, &back), 0);
	ck_assert_uint_eq(back.gw_type, IKE_GW_FQDN);
	ck_assert_uint_eq(back.gw_len, 12);
	ck_assert_uint_eq(back.nonce_len, 16);
	/* REDIRECTED_FROM: addresses only, no nonce (RFC 5685 §9). */
	n.type = IKE_N_REDIRECTED_FROM;
	ck_assert_int_eq(pld_n_redirect_parse(&n, &back), -EBADMSG);
	n.data = (const uint8_t *)"\x01\x04\xc0\x00\x02\x01";
	n.len = 6;
	ck_assert_int_eq(pld_n_redirect_parse(&n, &back), 0);
	ck_assert_ptr_null(back.nonce);
	n.data = (const uint8_t *)"\x01\x05\xc0\x00\x02\x01\x00";
	n.len = 7;
	ck_assert_int_eq(pld_n_redirect_parse(&n, &back), -EBADMSG);
}
END_TEST

START_TEST(rt_auth_methods)
{
	static const uint8_t ed25519[] = { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70 };
	struct pld_auth_announce in[3] = {
		{ .method = IKE_AUTH_SHARED_KEY_MIC },
		{ .method = IKE_AUTH_ECDSA_SHA256_P256, .cert_link = 2 },
		{ .method = IKE_AUTH_DIGITAL_SIGNATURE, .cert_link = 0, .alg_id = ed25519,
		  .alg_id_len = 7 },
	}, a;
	static const uint8_t want[] = {
		0x02, 0x02,                    /* Length 2, Shared Key MIC */
		0x03, 0x09, 0x02,              /* Length 3, ECDSA P-256, Cert Link 2 */
		0x0a, 0x0e, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, /* Length 10, method 14 */
	};
	struct ike_buf b;
	struct ike_cur c;

	buf_start(&b);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(pld_n_auth_announce_build(&b, &in[i]), 0);
	ck_assert_uint_eq(b.len, sizeof(want));
	ck_assert_mem_eq(out, want, sizeof(want));
	ike_cur_init(&c, out, b.len);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(pld_n_auth_methods_next(&c, &a), 1);
		ck_assert_uint_eq(a.method, in[i].method);
		ck_assert_uint_eq(a.cert_link, in[i].cert_link);
		ck_assert_uint_eq(a.alg_id_len, in[i].alg_id_len);
	}
	ck_assert_int_eq(pld_n_auth_methods_next(&c, &a), 0);
	/* Length 1 and a blob past the end are malformed. */
	ike_cur_init(&c, (const uint8_t *)"\x01\x02", 2);
	ck_assert_int_eq(pld_n_auth_methods_next(&c, &a), -EBADMSG);
	ike_cur_init(&c, (const uint8_t *)"\x04\x02\x00", 3);
	ck_assert_int_eq(pld_n_auth_methods_next(&c, &a), -EBADMSG);
}
END_TEST

START_TEST(rt_delete)
{
	static const uint8_t spis[8] = { 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe };
	struct pld_delete d = { .protocol_id = IKE_PROTO_AH, .spi_size = 4, .n_spis = 2,
				.spis = spis }, back;
	struct ike_buf b;

	buf_start(&b);
	ck_assert_int_eq(pld_delete_build(&b, &d), 0);
	ck_assert_mem_eq(out, "\x02\x04\x00\x02", 4);
	ck_assert_int_eq(pld_delete_parse(out, b.len, &back), 0);
	ck_assert_uint_eq(pld_delete_spi32(&back, 0), 1);
	ck_assert_uint_eq(pld_delete_spi32(&back, 1), 0xfffffffe);
	d.protocol_id = IKE_PROTO_IKE;
	ck_assert_int_eq(pld_delete_build(&b, &d), -EINVAL);
}
END_TEST

START_TEST(rt_vendor)
{
	struct pld_data v = { .data = (const uint8_t *)"esprit", .len = 6 }, back;
	struct ike_buf b;

	buf_start(&b);
	ck_assert_int_eq(pld_data_build(&b, &v), 0);
	ck_assert_int_eq(pld_vendor_parse(out, b.len, &back), 0);
	ck_assert_uint_eq(back.len, 6);
	ck_assert_mem_eq(back.data, "esprit", 6);
	ck_assert_int_eq(pld_vendor_parse(out, 0, &back), -EBADMSG);
}
END_TEST

START_TEST(rt_ts)
{
	struct pld_ts ts = { .n = 3 }, back;
	struct ike_buf b;

	ts.ts[0] = (struct pld_ts_sel){ .type = IKE_TS_IPV4_ADDR_RANGE, .ip_protocol = 6,
					.start_port = 443, .end_port = 443,
					.start = { 10, 0, 0, 0 }, .end = { 10, 255, 255, 255 } };
	ts.ts[1] = (struct pld_ts_sel){ .type = IKE_TS_IPV6_ADDR_RANGE, .end_port = 65535,
					.end = { [0 ... 15] = 0xff } };
	ts.ts[2] = (struct pld_ts_sel){ .type = IKE_TS_SECLABEL,
					.label = (const uint8_t *)"system_u:object_r:ipsec_spd_t:s0",
					.label_len = 32 };
	buf_start(&b);
	ck_assert_int_eq(pld_ts_build(&b, &ts), 0);
	ck_assert_uint_eq(b.len, 4 + 16 + 40 + 36);
	ck_assert_mem_eq(out, "\x03\x00\x00\x00\x07\x06\x00\x10\x01\xbb\x01\xbb\x0a\x00\x00\x00"
			      "\x0a\xff\xff\xff", 20);
	ck_assert_mem_eq(out + 60, "\x0a\x00\x00\x24system_u", 12);
	ck_assert_int_eq(pld_ts_parse(out, b.len, &back), 0);
	ck_assert_uint_eq(back.n, 3);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(memcmp(&ts.ts[i], &back.ts[i], sizeof(ts.ts[i])), 0);
	ck_assert_uint_eq(back.ts[2].label_len, 32);
	ck_assert_mem_eq(back.ts[2].label, ts.ts[2].label, 32);
	/* Zero-length labels MUST NOT be sent (RFC 9478 §2.2). */
	ts.ts[2].label_len = 0;
	ck_assert_int_eq(pld_ts_build(&b, &ts), -EINVAL);
}
END_TEST

START_TEST(rt_skf)
{
	static const uint8_t body[] = { 0x00, 0x02, 0x00, 0x03, 0xaa, 0xbb };
	struct pld_skf f;
	struct pld_sk sk;

	ck_assert_int_eq(pld_skf_parse(0, body, sizeof(body), &f), 0);
	ck_assert_uint_eq(f.number, 2);
	ck_assert_uint_eq(f.total, 3);
	ck_assert_uint_eq(f.len, 2);
	ck_assert_int_eq(pld_sk_parse(IKE_PLD_IDi, body, sizeof(body), &sk), 0);
	ck_assert_uint_eq(sk.first_inner, IKE_PLD_IDi);
	ck_assert_uint_eq(sk.len, sizeof(body));
}
END_TEST

START_TEST(rt_cp)
{
	static const uint8_t ip6[17] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1, [16] = 64 };
	static const uint8_t ta[] = { 0xaa, 0x1b, 8, 2, 'F', '7', '8', 'C' };
	struct pld_cp cp = { .cfg_type = IKE_CFG_REPLY, .n = 5 }, back;
	struct pld_dnssec_ta t;
	struct ike_buf b;

	cp.attr[0] = (struct pld_cp_attr){ IKE_CP_INTERNAL_IP4_ADDRESS, 4,
					   (const uint8_t *)"\x0a\x01\x02\x03" };
	cp.attr[1] = (struct pld_cp_attr){ IKE_CP_INTERNAL_IP6_ADDRESS, 17, ip6 };
	cp.attr[2] = (struct pld_cp_attr){ IKE_CP_INTERNAL_IP4_DNS, 4,
					   (const uint8_t *)"\x0a\x00\x00\x35" };
	cp.attr[3] = (struct pld_cp_attr){ IKE_CP_INTERNAL_DNS_DOMAIN, 12,
					   (const uint8_t *)"corp.example" };
	cp.attr[4] = (struct pld_cp_attr){ IKE_CP_INTERNAL_DNSSEC_TA, sizeof(ta), ta };
	buf_start(&b);
	ck_assert_int_eq(pld_cp_build(&b, &cp), 0);
	ck_assert_mem_eq(out, "\x02\x00\x00\x00\x00\x01\x00\x04\x0a\x01\x02\x03", 12);
	ck_assert_int_eq(pld_cp_parse(out, b.len, &back), 0);
	ck_assert_uint_eq(back.cfg_type, IKE_CFG_REPLY);
	ck_assert_uint_eq(back.n, 5);
	for (int i = 0; i < 5; i++) {
		ck_assert_uint_eq(back.attr[i].type, cp.attr[i].type);
		ck_assert_uint_eq(back.attr[i].len, cp.attr[i].len);
		ck_assert_mem_eq(back.attr[i].value, cp.attr[i].value, cp.attr[i].len);
	}
	ck_assert_int_eq(pld_cp_dnssec_ta(&back.attr[4], &t), 0);
	ck_assert_uint_eq(t.key_tag, 0xaa1b);
	ck_assert_uint_eq(t.alg, 8);
	ck_assert_uint_eq(t.digest_type, 2);
	ck_assert_uint_eq(t.digest_len, 4);
	ck_assert_int_eq(pld_cp_dnssec_ta(&back.attr[3], &t), -EINVAL);
	/* The R bit is ignored on receipt (§3.15.1). */
	out[4] |= 0x80;
	ck_assert_int_eq(pld_cp_parse(out, b.len, &back), 0);
	ck_assert_uint_eq(back.attr[0].type, IKE_CP_INTERNAL_IP4_ADDRESS);
}
END_TEST

/* -------------------------- malformed payloads ------------------------ */

enum pk { P_SA, P_KE, P_ID, P_CERT, P_CERTREQ, P_AUTH, P_NONCE, P_N, P_D, P_V, P_TS, P_SKF, P_CP };

static int parse_kind(enum pk k, const uint8_t *p, size_t len)
{
	static struct pld_sa sa;
	static struct pld_ts ts;
	static struct pld_cp cp;
	struct pld_ke ke;
	struct pld_id id;
	struct pld_cert c;
	struct pld_auth a;
	struct pld_nonce n;
	struct pld_notify no;
	struct pld_delete d;
	struct pld_data v;
	struct pld_skf f;

	switch (k) {
	case P_SA:      return pld_sa_parse(p, len, &sa);
	case P_KE:      return pld_ke_parse(p, len, &ke);
	case P_ID:      return pld_id_parse(p, len, &id);
	case P_CERT:    return pld_cert_parse(p, len, &c);
	case P_CERTREQ: return pld_certreq_parse(p, len, &c);
	case P_AUTH:    return pld_auth_parse(p, len, &a);
	case P_NONCE:   return pld_nonce_parse(p, len, &n);
	case P_N:       return pld_notify_parse(p, len, &no);
	case P_D:       return pld_delete_parse(p, len, &d);
	case P_V:       return pld_vendor_parse(p, len, &v);
	case P_TS:      return pld_ts_parse(p, len, &ts);
	case P_SKF:     return pld_skf_parse(0, p, len, &f);
	case P_CP:      return pld_cp_parse(p, len, &cp);
	}
	return -1;
}

struct bad_pld {
	const char *name;
	enum pk kind;
	uint8_t bytes[64];
	size_t len;
	int rc;
};

#define XF8(last, type, id) last, 0, 0, 8, type, 0, 0, id

static const struct bad_pld bad_plds[] = {
	{ "SA empty", P_SA, { 0 }, 0, -EBADMSG },
	{ "SA proposal length < 8", P_SA, { 0, 0, 0, 7, 1, 1, 0, 0 }, 8, -EBADMSG },
	{ "SA proposal length past the end", P_SA, { 0, 0, 0, 20, 1, 1, 0, 1, XF8(0, 1, 12) }, 16,
	  -EBADMSG },
	{ "SA Num Transforms 2, one present", P_SA, { 0, 0, 0, 16, 1, 1, 0, 2, XF8(0, 1, 12) }, 16,
	  -EBADMSG },
	{ "SA Num Transforms 1, two present", P_SA,
	  { 0, 0, 0, 24, 1, 1, 0, 1, XF8(3, 1, 12), XF8(0, 2, 5) }, 24, -EBADMSG },
	{ "SA transform length < 8", P_SA, { 0, 0, 0, 16, 1, 1, 0, 1, 0, 0, 0, 7, 1, 0, 0, 12 }, 16,
	  -EBADMSG },
	{ "SA transform after the last one", P_SA,
	  { 0, 0, 0, 24, 1, 1, 0, 2, XF8(0, 1, 12), XF8(0, 2, 5) }, 24, -EBADMSG },
	{ "SA last transform says more", P_SA, { 0, 0, 0, 16, 1, 1, 0, 1, XF8(3, 1, 12) }, 16,
	  -EBADMSG },
	{ "SA Last Substruc 1", P_SA, { 1, 0, 0, 16, 1, 1, 0, 1, XF8(0, 1, 12) }, 16, -EBADMSG },
	{ "SA proposal says more, none follows", P_SA, { 2, 0, 0, 16, 1, 1, 0, 1, XF8(0, 1, 12) }, 16,
	  -EBADMSG },
	{ "SA data after the last proposal", P_SA,
	  { 0, 0, 0, 16, 1, 1, 0, 1, XF8(0, 1, 12), 0, 0, 0, 16, 2, 1, 0, 1, XF8(0, 1, 12) }, 32,
	  -EBADMSG },
	{ "SA SPI Size 9", P_SA, { 0, 0, 0, 17, 1, 3, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 17, -EBADMSG },
	{ "SA attribute cut", P_SA, { 0, 0, 0, 18, 1, 1, 0, 1, 0, 0, 0, 10, 1, 0, 0, 12, 0x80, 0x0e },
	  18, -EBADMSG },
	{ "SA TLV attribute past the transform", P_SA,
	  { 0, 0, 0, 20, 1, 1, 0, 1, 0, 0, 0, 12, 1, 0, 0, 12, 0x00, 0x0e, 0, 9 }, 20, -EBADMSG },
	{ "SA good", P_SA, { 0, 0, 0, 16, 1, 1, 0, 1, XF8(0, 1, 12) }, 16, 0 },
	{ "KE 3 octets", P_KE, { 0, 14, 0 }, 3, -EBADMSG },
	{ "KE without data", P_KE, { 0, 14, 0, 0 }, 4, -EBADMSG },
	{ "ID cut header", P_ID, { 1, 0, 0 }, 3, -EBADMSG },
	{ "ID IPv4 with 5 octets", P_ID, { 1, 0, 0, 0, 1, 2, 3, 4, 5 }, 9, -EBADMSG },
	{ "ID IPv6 with 4 octets", P_ID, { 5, 0, 0, 0, 1, 2, 3, 4 }, 8, -EBADMSG },
	{ "CERT empty", P_CERT, { 4 }, 1, -EBADMSG },
	{ "CERT no encoding", P_CERT, { 0 }, 0, -EBADMSG },
	{ "CERTREQ X.509 with 19 octets", P_CERTREQ, { 4, [19] = 1 }, 20, -EBADMSG },
	{ "AUTH without data", P_AUTH, { 2, 0, 0, 0 }, 4, -EBADMSG },
	{ "AUTH 14 ASN.1 Length past the end", P_AUTH, { 14, 0, 0, 0, 9, 0x30, 0x05, 6, 3 }, 9,
	  -EBADMSG },
	{ "AUTH 14 not a SEQUENCE", P_AUTH, { 14, 0, 0, 0, 2, 0x31, 0x00, 0xaa }, 8, -EBADMSG },
	{ "AUTH 14 DER length mismatch", P_AUTH, { 14, 0, 0, 0, 3, 0x30, 0x05, 0x00, 0xaa }, 9,
	  -EBADMSG },
	{ "AUTH 14 without signature", P_AUTH, { 14, 0, 0, 0, 2, 0x30, 0x00 }, 7, -EBADMSG },
	{ "AUTH 14 good", P_AUTH, { 14, 0, 0, 0, 2, 0x30, 0x00, 0xaa }, 8, 0 },
	{ "Nonce 15 octets", P_NONCE, { 0 }, 15, -EBADMSG },
	{ "Nonce 16 octets", P_NONCE, { 0 }, 16, 0 },
	{ "Notify cut header", P_N, { 0, 0, 0x40 }, 3, -EBADMSG },
	{ "Notify SPI past the end", P_N, { 3, 4, 0x40, 0x09, 1, 2, 3 }, 7, -EBADMSG },
	{ "Delete ESP, 2 SPIs, 1 present", P_D, { 3, 4, 0, 2, 1, 2, 3, 4 }, 8, -EBADMSG },
	{ "Delete ESP, extra octets", P_D, { 3, 4, 0, 1, 1, 2, 3, 4, 5 }, 9, -EBADMSG },
	{ "Delete IKE with SPI Size 8", P_D, { 1, 8, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8 }, 12, -EBADMSG },
	{ "Delete ESP with SPI Size 2", P_D, { 3, 2, 0, 1, 1, 2 }, 6, -EBADMSG },
	{ "Vendor ID empty", P_V, { 0 }, 0, -EBADMSG },
	{ "TS count 2, one present", P_TS, { 2, 0, 0, 0, 7, 0, 0, 16, 0, 0, 255, 255, 1, 1, 1, 1,
					     2, 2, 2, 2 }, 20, -EBADMSG },
	{ "TS count 1, extra octets", P_TS, { 1, 0, 0, 0, 7, 0, 0, 16, 0, 0, 255, 255, 1, 1, 1, 1,
					      2, 2, 2, 2, 0 }, 21, -EBADMSG },
	{ "TS IPv4 selector length 15", P_TS, { 1, 0, 0, 0, 7, 0, 0, 15, 0, 0, 255, 255, 1, 1, 1, 1,
						2, 2, 2 }, 19, -EBADMSG },
	{ "TS IPv4 selector length 17", P_TS, { 1, 0, 0, 0, 7, 0, 0, 17, 0, 0, 255, 255, 1, 1, 1, 1,
						2, 2, 2, 2, 0 }, 21, -EBADMSG },
	{ "TS IPv6 selector length 16", P_TS, { 1, 0, 0, 0, 8, 0, 0, 16, 0, 0, 255, 255, 1, 1, 1, 1,
						2, 2, 2, 2 }, 20, -EBADMSG },
	{ "TS selector length 3", P_TS, { 1, 0, 0, 0, 10, 0, 0, 3 }, 8, -EBADMSG },
	{ "TS selector past the end", P_TS, { 1, 0, 0, 0, 10, 0, 0, 9, 'a' }, 9, -EBADMSG },
	{ "TS zero-length label", P_TS, { 2, 0, 0, 0, 10, 0, 0, 4, 7, 0, 0, 16, 0, 0, 255, 255,
					  1, 1, 1, 1, 2, 2, 2, 2 }, 24, -ENOMSG },
	{ "TS zero-length label, then garbage", P_TS, { 1, 0, 0, 0, 10, 0, 0, 4, 0 }, 9, -EBADMSG },
	{ "TS 17 selectors", P_TS, { 17, 0, 0, 0 }, 4, -E2BIG },
	{ "TS unknown type kept", P_TS, { 1, 0, 0, 0, 99, 0, 0, 6, 0xab, 0xcd }, 10, 0 },
	{ "TS zero selectors", P_TS, { 0, 0, 0, 0 }, 4, 0 },
	{ "SKF number 0", P_SKF, { 0, 0, 0, 1, 9 }, 5, -EBADMSG },
	{ "SKF total 0", P_SKF, { 0, 1, 0, 0, 9 }, 5, -EBADMSG },
	{ "SKF number > total", P_SKF, { 0, 3, 0, 2, 9 }, 5, -EBADMSG },
	{ "SKF cut", P_SKF, { 0, 1, 0 }, 3, -EBADMSG },
	{ "CP cut header", P_CP, { 1, 0 }, 2, -EBADMSG },
	{ "CP attribute cut", P_CP, { 1, 0, 0, 0, 0, 1, 0, 4, 10, 0 }, 10, -EBADMSG },
	{ "CP IPv4 address of 3 octets", P_CP, { 2, 0, 0, 0, 0, 1, 0, 3, 10, 0, 0 }, 11, -EBADMSG },
	{ "CP IPv6 address of 16 octets", P_CP, { 2, 0, 0, 0, 0, 8, 0, 16, [23] = 0 }, 24, -EBADMSG },
	{ "CP DNSSEC_TA of 4 octets", P_CP, { 2, 0, 0, 0, 0, 26, 0, 4, 1, 2, 3, 4 }, 12, -EBADMSG },
	{ "CP SUPPORTED_ATTRIBUTES of 3 octets", P_CP, { 2, 0, 0, 0, 0, 14, 0, 3, 0, 1, 0 }, 11,
	  -EBADMSG },
	{ "CP empty request attributes", P_CP, { 1, 0, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0 }, 12, 0 },
};

START_TEST(malformed_payloads)
{
	const struct bad_pld *t = &bad_plds[_i];
	uint8_t *p = malloc(t->len ? t->len : 1);
	int rc;

	memcpy(p, t->bytes, t->len);
	rc = parse_kind(t->kind, p, t->len);
	ck_assert_msg(rc == t->rc, "%s: rc %d, want %d", t->name, rc, t->rc);
	free(p);
}
END_TEST

START_TEST(too_many)
{
	static uint8_t body[4096];
	struct ike_buf b;
	static struct pld_sa sa;
	static struct pld_cp cp;

	/* 17 proposals, 33 transforms, 33 CP attributes: -E2BIG. */
	ike_buf_init(&b, body, sizeof(body));
	for (int i = 0; i < 17; i++) {
		ike_buf_u8(&b, i == 16 ? 0 : 2);
		ike_buf_u8(&b, 0);
		ike_buf_u16(&b, 16);
		ike_buf_u8(&b, (uint8_t)(i + 1));
		ike_buf_u8(&b, 1);
		ike_buf_u8(&b, 0);
		ike_buf_u8(&b, 1);
		ike_buf_bytes(&b, "\x00\x00\x00\x08\x01\x00\x00\x0c", 8);
	}
	ck_assert_int_eq(pld_sa_parse(body, b.len, &sa), -E2BIG);
	ck_assert_int_eq(pld_sa_parse(body + 16, b.len - 16, &sa), 0);
	ck_assert_uint_eq(sa.n_proposals, 16);

	ike_buf_init(&b, body, sizeof(body));
	ike_buf_bytes(&b, "\x00\x00\x01\x10\x01\x01\x00\x21", 8); /* 8 + 33 * 8 = 272 */
	for (int i = 0; i < 33; i++)
		ike_buf_bytes(&b, i == 32 ? "\x00\x00\x00\x08\x01\x00\x00\x0c"
					  : "\x03\x00\x00\x08\x01\x00\x00\x0c", 8);
	ck_assert_int_eq(pld_sa_parse(body, b.len, &sa), -E2BIG);

	ike_buf_init(&b, body, sizeof(body));
	ike_buf_bytes(&b, "\x01\x00\x00\x00", 4);
	for (int i = 0; i < 33; i++)
		ike_buf_bytes(&b, "\x00\x03\x00\x00", 4);
	ck_assert_int_eq(pld_cp_parse(body, b.len, &cp), -E2BIG);
	ck_assert_int_eq(pld_cp_parse(body, b.len - 4, &cp), 0);
}
END_TEST

/* Every table body and round-trip body cut at every offset: no overread. */
START_TEST(truncated_payloads)
{
	for (size_t i = 0; i < sizeof(bad_plds) / sizeof(bad_plds[0]); i++) {
		const struct bad_pld *t = &bad_plds[i];

		for (size_t cut = 0; cut < t->len; cut++) {
			uint8_t *p = malloc(cut ? cut : 1);

			memcpy(p, t->bytes, cut);
			(void)parse_kind(t->kind, p, cut);
			free(p);
		}
	}
	for (size_t cut = 0; cut < sizeof(sa_body); cut++) {
		uint8_t *p = malloc(cut ? cut : 1);

		memcpy(p, sa_body, cut);
		ck_assert_int_ne(pld_sa_parse(p, cut, &(struct pld_sa){ 0 }), 0);
		free(p);
	}
}
END_TEST

static Suite *payload_suite(void)
{
	Suite *s = suite_create("ike_payload");
	TCase *tc = tcase_create("payload");

	tcase_add_test(tc, cursor_reader);
	tcase_add_test(tc, cursor_writer);
	tcase_add_test(tc, rt_sa);
	tcase_add_test(tc, sa_attrs);
	tcase_add_test(tc, rt_ke);
	tcase_add_test(tc, rt_id);
	tcase_add_test(tc, rt_cert);
	tcase_add_test(tc, rt_auth);
	tcase_add_test(tc, rt_nonce);
	tcase_add_test(tc, rt_notify);
	tcase_add_test(tc, rt_redirect);
	tcase_add_test(tc, rt_auth_methods);
	tcase_add_test(tc, rt_delete);
	tcase_add_test(tc, rt_vendor);
	tcase_add_test(tc, rt_ts);
	tcase_add_test(tc, rt_skf);
	tcase_add_test(tc, rt_cp);
	tcase_add_loop_test(tc, malformed_payloads, 0, sizeof(bad_plds) / sizeof(bad_plds[0]));
	tcase_add_test(tc, too_many);
	tcase_add_test(tc, truncated_payloads);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(payload_suite());
}
