/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/ike/message.c: the published RFC 7634 App. B message, the
 * hand-assembled RFC 7296 messages (parse every field; build them again
 * byte for byte), the RFC 7296 §2.5 rules as a table of malformed
 * messages, and truncation at every offset (run under ASan).
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "control/ike/message.h"
#include "tests/ike/ike_vectors.h"
#include "tests/check_run.h"

static struct ike_msg m;

/* --------------------------- published bytes -------------------------- */

START_TEST(rfc7634_appendix_b)
{
	struct pld_sk sk;
	struct pld_notify n;
	uint32_t window;
	const struct ike_pld_ref *r;

	ck_assert_int_eq(ike_msg_parse(ike_vec_rfc7634_b, sizeof(ike_vec_rfc7634_b), &m), 0);
	ck_assert_uint_eq(m.spi_i, 0xc0c1c2c3c4c5c6c7ull);
	ck_assert_uint_eq(m.spi_r, 0xd0d1d2d3d4d5d6d7ull);
	ck_assert_uint_eq(m.first_payload, IKE_PLD_SK);
	ck_assert_uint_eq(m.version, 0x20);
	ck_assert_uint_eq(m.exchange_type, IKE_EXCH_INFORMATIONAL);
	ck_assert_uint_eq(m.flags, 0);
	ck_assert_uint_eq(m.message_id, 9);
	ck_assert_uint_eq(m.length, 69);
	ck_assert_uint_eq(m.n, 1);
	ck_assert_int_eq(m.sk, 0);
	r = &m.pld[0];
	ck_assert_uint_eq(r->type, IKE_PLD_SK);
	ck_assert_uint_eq(r->next, IKE_PLD_N);
	ck_assert_uint_eq(r->off, 28);
	ck_assert(!r->critical);
	ck_assert_int_eq(pld_sk_parse(r->next, r->body, r->body_len, &sk), 0);
	ck_assert_uint_eq(sk.first_inner, IKE_PLD_N);
	ck_assert_uint_eq(sk.len, 8 + 13 + 16);   /* IV | ciphertext | ICV */
	ck_assert_ptr_eq(sk.data, ike_vec_rfc7634_b + 32);
	ck_assert_uint_eq(sk.data[0], 0x10);     /* IV starts 1011... */
	ck_assert_uint_eq(sk.data[sk.len - 1], 0xb2);

	/* The published plaintext, Pad Length (last octet, 0) stripped. */
	ck_assert_int_eq(ike_msg_parse_inner(&m, sk.first_inner, ike_vec_rfc7634_b_plain,
					     sizeof(ike_vec_rfc7634_b_plain) - 1), 0);
	ck_assert_uint_eq(m.n, 2);
	ck_assert(m.pld[1].inner);
	ck_assert_int_eq(ike_msg_find_notify(&m, IKE_N_SET_WINDOW_SIZE, &n), 0);
	ck_assert_uint_eq(n.protocol_id, 0);
	ck_assert_uint_eq(n.spi_size, 0);
	ck_assert_int_eq(pld_n_window_size(&n, &window), 0);
	ck_assert_uint_eq(window, 10);
}
END_TEST

static int hex_decode(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	if (n > cap)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (int)n;
}

/* The embedded copy equals tests/vectors/esp/rfc7634.json, field by field. */
START_TEST(rfc7634_json_matches)
{
	const char *dir = getenv("IKE_VECTORS_ESP");
	char path[1024];
	json_error_t jerr;
	json_t *root, *cases, *c;
	size_t i;
	int found = 0;
	uint8_t buf[128];

	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/rfc7634.json", dir);
	root = json_load_file(path, 0, &jerr);
	ck_assert_msg(root != NULL, "%s: %s", path, jerr.text);
	cases = json_object_get(root, "cases");
	json_array_foreach(cases, i, c) {
		const char *proto = json_string_value(json_object_get(c, "protocol"));
		int n;

		if (proto == NULL || strcmp(proto, "ikev2") != 0)
			continue;
		found = 1;
		n = hex_decode(json_string_value(json_object_get(c, "ike_message")), buf, sizeof(buf));
		ck_assert_int_eq(n, sizeof(ike_vec_rfc7634_b));
		ck_assert_mem_eq(buf, ike_vec_rfc7634_b, sizeof(ike_vec_rfc7634_b));
		n = hex_decode(json_string_value(json_object_get(c, "plaintext")), buf, sizeof(buf));
		ck_assert_int_eq(n, sizeof(ike_vec_rfc7634_b_plain));
		ck_assert_mem_eq(buf, ike_vec_rfc7634_b_plain, sizeof(ike_vec_rfc7634_b_plain));
		/* The AAD is the IKE header + SK generic header: the first 32 octets. */
		n = hex_decode(json_string_value(json_object_get(c, "aad")), buf, sizeof(buf));
		ck_assert_int_eq(n, 32);
		ck_assert_mem_eq(buf, ike_vec_rfc7634_b, 32);
	}
	ck_assert(found);
	json_decref(root);
}
END_TEST

/* ----------------------- hand-assembled messages ---------------------- */

static const uint8_t rep11[32] = { [0 ... 31] = 0x11 };
static const uint8_t rep22[32] = { [0 ... 31] = 0x22 };
static const uint8_t rep33[20] = { [0 ... 19] = 0x33 };
static const uint8_t rep44[20] = { [0 ... 19] = 0x44 };

START_TEST(sa_init_request_parse)
{
	struct pld_sa sa;
	struct pld_ke ke;
	struct pld_nonce nonce;
	struct pld_notify n;
	const struct ike_pld_ref *r;
	uint16_t algs[8];
	unsigned count, it = 0;
	const struct pld_proposal *p;

	ck_assert_int_eq(ike_msg_parse(ike_vec_sa_init, sizeof(ike_vec_sa_init), &m), 0);
	ck_assert_uint_eq(m.spi_i, 0x0102030405060708ull);
	ck_assert_uint_eq(m.spi_r, 0);
	ck_assert_uint_eq(m.exchange_type, IKE_EXCH_IKE_SA_INIT);
	ck_assert_uint_eq(m.flags, IKE_HDR_FLAG_INITIATOR);
	ck_assert_uint_eq(m.message_id, 0);
	ck_assert_uint_eq(m.length, 224);
	ck_assert_int_eq(m.sk, -1);
	ck_assert_uint_eq(m.n, 6);
	ck_assert_uint_eq(m.n_skipped, 0);
	ck_assert_uint_eq(ike_msg_count(&m, IKE_PLD_N), 3);

	r = ike_msg_find(&m, IKE_PLD_SA);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->off, 28);
	ck_assert_uint_eq(r->body_len, 44);
	ck_assert_int_eq(pld_sa_parse(r->body, r->body_len, &sa), 0);
	ck_assert_uint_eq(sa.n_proposals, 1);
	p = &sa.prop[0];
	ck_assert_uint_eq(p->num, 1);
	ck_assert_uint_eq(p->protocol_id, IKE_PROTO_IKE);
	ck_assert_uint_eq(p->spi_size, 0);
	ck_assert_uint_eq(p->n_transforms, 4);
	ck_assert_uint_eq(p->xf[0].type, IKE_XFORM_ENCR);
	ck_assert_uint_eq(p->xf[0].id, IKE_ENCR_AES_CBC);
	ck_assert_uint_eq(p->xf[0].flags, PLD_XF_KEY_LENGTH);
	ck_assert_uint_eq(p->xf[0].key_len, 256);
	ck_assert_uint_eq(p->xf[1].type, IKE_XFORM_PRF);
	ck_assert_uint_eq(p->xf[1].id, IKE_PRF_HMAC_SHA2_256);
	ck_assert_uint_eq(p->xf[1].flags, 0);
	ck_assert_uint_eq(p->xf[2].type, IKE_XFORM_INTEG);
	ck_assert_uint_eq(p->xf[2].id, IKE_INTEG_HMAC_SHA2_256_128);
	ck_assert_uint_eq(p->xf[3].type, IKE_XFORM_KE);
	ck_assert_uint_eq(p->xf[3].id, IKE_KE_CURVE25519);

	r = ike_msg_find(&m, IKE_PLD_KE);
	ck_assert_int_eq(pld_ke_parse(r->body, r->body_len, &ke), 0);
	ck_assert_uint_eq(ke.method, IKE_KE_CURVE25519);
	ck_assert_uint_eq(ke.len, 32);
	ck_assert_mem_eq(ke.data, rep11, 32);
	ck_assert_ptr_eq(ke.data, ike_vec_sa_init + 84); /* a reference, not a copy */

	r = ike_msg_find(&m, IKE_PLD_NONCE);
	ck_assert_int_eq(pld_nonce_parse(r->body, r->body_len, &nonce), 0);
	ck_assert_uint_eq(nonce.len, 32);
	ck_assert_mem_eq(nonce.data, rep22, 32);

	ck_assert_int_eq(ike_msg_notify_next(&m, &it, &n), 1);
	ck_assert_uint_eq(n.type, IKE_N_NAT_DETECTION_SOURCE_IP);
	ck_assert_uint_eq(n.len, 20);
	ck_assert_mem_eq(n.data, rep33, 20);
	ck_assert_int_eq(ike_msg_notify_next(&m, &it, &n), 1);
	ck_assert_uint_eq(n.type, IKE_N_NAT_DETECTION_DESTINATION_IP);
	ck_assert_mem_eq(n.data, rep44, 20);
	ck_assert_int_eq(ike_msg_notify_next(&m, &it, &n), 1);
	ck_assert_uint_eq(n.type, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	ck_assert_int_eq(pld_n_hash_algs(&n, algs, 8, &count), 0);
	ck_assert_uint_eq(count, 4);
	ck_assert_uint_eq(algs[0], IKE_HASH_SHA2_256);
	ck_assert_uint_eq(algs[3], IKE_HASH_IDENTITY);
	ck_assert_int_eq(ike_msg_notify_next(&m, &it, &n), 0);
	ck_assert_int_eq(ike_msg_find_notify(&m, IKE_N_COOKIE, &n), -ENOENT);

	/* find_next walks the notifies in order. */
	r = ike_msg_find(&m, IKE_PLD_N);
	ck_assert_uint_eq(r->off, 152);
	r = ike_msg_find_next(&m, r);
	ck_assert_uint_eq(r->off, 180);
	r = ike_msg_find_next(&m, r);
	ck_assert_uint_eq(r->off, 208);
	ck_assert_ptr_null(ike_msg_find_next(&m, r));
}
END_TEST

/* The builder reproduces the hand-assembled IKE_SA_INIT byte for byte. */
START_TEST(sa_init_request_build)
{
	uint8_t buf[512];
	static const uint8_t algs[] = { 0, 2, 0, 3, 0, 4, 0, 5 };
	struct ike_builder mb;
	struct pld_sa sa = { .n_proposals = 1 };
	struct pld_ke ke = { .method = IKE_KE_CURVE25519, .data = rep11, .len = 32 };
	struct pld_nonce ni = { .data = rep22, .len = 32 };
	struct pld_notify nd_src = { .type = IKE_N_NAT_DETECTION_SOURCE_IP, .data = rep33, .len = 20 };
	struct pld_notify nd_dst = { .type = IKE_N_NAT_DETECTION_DESTINATION_IP, .data = rep44, .len = 20 };
	struct pld_notify sha = { .type = IKE_N_SIGNATURE_HASH_ALGORITHMS, .data = algs, .len = 8 };
	size_t len;

	sa.prop[0] = (struct pld_proposal){
		.num = 1, .protocol_id = IKE_PROTO_IKE, .n_transforms = 4,
		.xf = {
			{ IKE_XFORM_ENCR, PLD_XF_KEY_LENGTH, IKE_ENCR_AES_CBC, 256 },
			{ IKE_XFORM_PRF, 0, IKE_PRF_HMAC_SHA2_256, 0 },
			{ IKE_XFORM_INTEG, 0, IKE_INTEG_HMAC_SHA2_256_128, 0 },
			{ IKE_XFORM_KE, 0, IKE_KE_CURVE25519, 0 },
		},
	};
	ck_assert_int_eq(ike_msg_begin(&mb, buf, sizeof(buf), 0x0102030405060708ull, 0,
				       IKE_EXCH_IKE_SA_INIT, IKE_HDR_FLAG_INITIATOR, 0), 0);
	ck_assert_int_eq(ike_msg_add_sa(&mb, &sa), 0);
	ck_assert_int_eq(ike_msg_add_ke(&mb, &ke), 0);
	ck_assert_int_eq(ike_msg_add_nonce(&mb, &ni), 0);
	ck_assert_int_eq(ike_msg_add_notify(&mb, &nd_src), 0);
	ck_assert_int_eq(ike_msg_add_notify(&mb, &nd_dst), 0);
	ck_assert_int_eq(ike_msg_add_notify(&mb, &sha), 0);
	ck_assert_int_eq(ike_msg_end(&mb, &len), 0);
	ck_assert_uint_eq(len, sizeof(ike_vec_sa_init));
	ck_assert_mem_eq(buf, ike_vec_sa_init, len);

	/* Too small a buffer: -ENOSPC, sticky, no length reported. */
	ck_assert_int_eq(ike_msg_begin(&mb, buf, 100, 1, 0, IKE_EXCH_IKE_SA_INIT, 0, 0), 0);
	ck_assert_int_eq(ike_msg_add_sa(&mb, &sa), 0);
	ck_assert_int_eq(ike_msg_add_ke(&mb, &ke), -ENOSPC);
	ck_assert_int_eq(ike_msg_add_nonce(&mb, &ni), -ENOSPC);
	ck_assert_int_eq(ike_msg_end(&mb, &len), -ENOSPC);
	ck_assert_uint_eq(len, 0);
}
END_TEST

/* The RFC 7634 App. B message rebuilt: header + SK reserved and filled. */
START_TEST(rfc7634_build)
{
	uint8_t buf[128], inner[32];
	struct ike_builder mb, ib;
	struct pld_notify n = { .type = IKE_N_SET_WINDOW_SIZE,
				.data = (const uint8_t[]){ 0, 0, 0, 10 }, .len = 4 };
	uint8_t *body;
	size_t len, ilen;

	/* The plaintext inner chain. */
	ike_chain_begin(&ib, inner, sizeof(inner));
	ck_assert_int_eq(ike_msg_add_notify(&ib, &n), 0);
	ck_assert_int_eq(ike_msg_end(&ib, &ilen), 0);
	ck_assert_uint_eq(ib.first, IKE_PLD_N);
	ck_assert_uint_eq(ilen, 12);
	ck_assert_mem_eq(inner, ike_vec_rfc7634_b_plain, 12);

	ck_assert_int_eq(ike_msg_begin(&mb, buf, sizeof(buf), 0xc0c1c2c3c4c5c6c7ull,
				       0xd0d1d2d3d4d5d6d7ull, IKE_EXCH_INFORMATIONAL, 0, 9), 0);
	ck_assert_int_eq(ike_msg_add_sk(&mb, ib.first, 37, &body), 0);
	ck_assert_ptr_eq(body, buf + 32);
	/* Nothing may follow SK. */
	ck_assert_int_eq(ike_msg_add_notify(&mb, &n), -EINVAL);
	mb.err = 0;
	ck_assert_int_eq(ike_msg_end(&mb, &len), 0);
	ck_assert_uint_eq(len, 69);
	memcpy(body, ike_vec_rfc7634_b + 32, 37); /* what the AEAD would write */
	ck_assert_mem_eq(buf, ike_vec_rfc7634_b, 69);
}
END_TEST

START_TEST(auth_inner_parse)
{
	struct pld_id id;
	struct pld_auth auth;
	struct pld_cp cp;
	struct pld_sa sa;
	struct pld_ts tsi, tsr;
	const struct ike_pld_ref *r;
	static const uint8_t ed25519[] = { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70 };

	ck_assert_int_eq(ike_msg_parse(ike_vec_skf, ike_vec_skf_len, &m), 0);
	ck_assert_int_eq(ike_msg_parse_inner(&m, IKE_PLD_IDi, ike_vec_auth_inner,
					     ike_vec_auth_inner_len), 0);
	ck_assert_uint_eq(m.n, 1 + 6);

	r = ike_msg_find(&m, IKE_PLD_IDi);
	ck_assert(r->inner);
	ck_assert_uint_eq(r->off, 0);
	ck_assert_int_eq(pld_id_parse(r->body, r->body_len, &id), 0);
	ck_assert_uint_eq(id.type, IKE_ID_FQDN);
	ck_assert_uint_eq(id.len, 10);
	ck_assert_mem_eq(id.data, "gw.example", 10);

	r = ike_msg_find(&m, IKE_PLD_AUTH);
	ck_assert_int_eq(pld_auth_parse(r->body, r->body_len, &auth), 0);
	ck_assert_uint_eq(auth.method, IKE_AUTH_DIGITAL_SIGNATURE);
	ck_assert_uint_eq(auth.len, 68);
	ck_assert_uint_eq(auth.alg_id_len, 7);
	ck_assert_mem_eq(auth.alg_id, ed25519, 7);
	ck_assert_uint_eq(auth.sig_len, 60);
	ck_assert_uint_eq(auth.sig[0], 0xaa);

	r = ike_msg_find(&m, IKE_PLD_CP);
	ck_assert_int_eq(pld_cp_parse(r->body, r->body_len, &cp), 0);
	ck_assert_uint_eq(cp.cfg_type, IKE_CFG_REQUEST);
	ck_assert_uint_eq(cp.n, 4);
	ck_assert_uint_eq(cp.attr[0].type, IKE_CP_INTERNAL_IP4_ADDRESS);
	ck_assert_uint_eq(cp.attr[1].type, IKE_CP_INTERNAL_IP4_DNS);
	ck_assert_uint_eq(cp.attr[2].type, IKE_CP_INTERNAL_DNS_DOMAIN);
	ck_assert_uint_eq(cp.attr[3].type, IKE_CP_INTERNAL_DNSSEC_TA);
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(cp.attr[i].len, 0);
		ck_assert_ptr_null(cp.attr[i].value);
	}

	r = ike_msg_find(&m, IKE_PLD_SA);
	ck_assert_int_eq(pld_sa_parse(r->body, r->body_len, &sa), 0);
	ck_assert_uint_eq(sa.n_proposals, 1);
	ck_assert_uint_eq(sa.prop[0].protocol_id, IKE_PROTO_ESP);
	ck_assert_uint_eq(sa.prop[0].spi_size, 4);
	ck_assert_mem_eq(sa.prop[0].spi, "\xca\xfe\xf0\x0d", 4);
	ck_assert_uint_eq(sa.prop[0].n_transforms, 3);
	ck_assert_uint_eq(sa.prop[0].xf[0].id, IKE_ENCR_AES_GCM_16);
	ck_assert_uint_eq(sa.prop[0].xf[0].key_len, 128);
	ck_assert_uint_eq(sa.prop[0].xf[1].id, IKE_ENCR_CHACHA20_POLY1305);
	ck_assert_uint_eq(sa.prop[0].xf[1].flags, 0);
	ck_assert_uint_eq(sa.prop[0].xf[2].type, IKE_XFORM_ESN);
	ck_assert_uint_eq(sa.prop[0].xf[2].id, IKE_ESN_NO);

	r = ike_msg_find(&m, IKE_PLD_TSi);
	ck_assert_int_eq(pld_ts_parse(r->body, r->body_len, &tsi), 0);
	ck_assert_uint_eq(tsi.n, 2);
	ck_assert_uint_eq(tsi.ts[0].type, IKE_TS_IPV4_ADDR_RANGE);
	ck_assert_uint_eq(tsi.ts[0].ip_protocol, 0);
	ck_assert_uint_eq(tsi.ts[0].start_port, 0);
	ck_assert_uint_eq(tsi.ts[0].end_port, 65535);
	ck_assert_mem_eq(tsi.ts[0].start, "\xc0\x00\x02\x00", 4);
	ck_assert_mem_eq(tsi.ts[0].end, "\xc0\x00\x02\xff", 4);
	ck_assert_uint_eq(tsi.ts[1].type, IKE_TS_SECLABEL);
	ck_assert_uint_eq(tsi.ts[1].label_len, 4);
	ck_assert_mem_eq(tsi.ts[1].label, "sys0", 4);

	r = ike_msg_find(&m, IKE_PLD_TSr);
	ck_assert_int_eq(pld_ts_parse(r->body, r->body_len, &tsr), 0);
	ck_assert_uint_eq(tsr.n, 1);
	ck_assert_uint_eq(tsr.ts[0].type, IKE_TS_IPV6_ADDR_RANGE);
	ck_assert_uint_eq(tsr.ts[0].ip_protocol, 17);
	ck_assert_uint_eq(tsr.ts[0].start_port, 53);
	ck_assert_uint_eq(tsr.ts[0].end_port, 53);
	ck_assert_uint_eq(tsr.ts[0].start[1], 0x01);
	ck_assert_uint_eq(tsr.ts[0].end[15], 0xff);
}
END_TEST

/* The inner IKE_AUTH chain rebuilt from its parsed structs, byte for byte. */
START_TEST(auth_inner_build)
{
	uint8_t buf[512];
	struct ike_builder ib;
	struct pld_id id;
	struct pld_auth auth;
	struct pld_cp cp;
	struct pld_sa sa;
	struct pld_ts tsi, tsr;
	const struct ike_pld_ref *r;
	size_t len;

	ck_assert_int_eq(ike_msg_parse_inner(memset(&m, 0, sizeof(m)), IKE_PLD_IDi,
					     ike_vec_auth_inner, ike_vec_auth_inner_len), 0);
	r = ike_msg_find(&m, IKE_PLD_IDi);
	ck_assert_int_eq(pld_id_parse(r->body, r->body_len, &id), 0);
	r = ike_msg_find(&m, IKE_PLD_AUTH);
	ck_assert_int_eq(pld_auth_parse(r->body, r->body_len, &auth), 0);
	r = ike_msg_find(&m, IKE_PLD_CP);
	ck_assert_int_eq(pld_cp_parse(r->body, r->body_len, &cp), 0);
	r = ike_msg_find(&m, IKE_PLD_SA);
	ck_assert_int_eq(pld_sa_parse(r->body, r->body_len, &sa), 0);
	r = ike_msg_find(&m, IKE_PLD_TSi);
	ck_assert_int_eq(pld_ts_parse(r->body, r->body_len, &tsi), 0);
	r = ike_msg_find(&m, IKE_PLD_TSr);
	ck_assert_int_eq(pld_ts_parse(r->body, r->body_len, &tsr), 0);

	ike_chain_begin(&ib, buf, sizeof(buf));
	ck_assert_int_eq(ike_msg_add_id(&ib, IKE_PLD_IDi, &id), 0);
	ck_assert_int_eq(ike_msg_add_auth(&ib, &auth), 0);
	ck_assert_int_eq(ike_msg_add_cp(&ib, &cp), 0);
	ck_assert_int_eq(ike_msg_add_sa(&ib, &sa), 0);
	ck_assert_int_eq(ike_msg_add_ts(&ib, IKE_PLD_TSi, &tsi), 0);
	ck_assert_int_eq(ike_msg_add_ts(&ib, IKE_PLD_TSr, &tsr), 0);
	ck_assert_int_eq(ike_msg_end(&ib, &len), 0);
	ck_assert_uint_eq(ib.first, IKE_PLD_IDi);
	ck_assert_uint_eq(len, ike_vec_auth_inner_len);
	ck_assert_mem_eq(buf, ike_vec_auth_inner, len);
}
END_TEST

START_TEST(delete_inner)
{
	struct pld_delete d;
	const struct ike_pld_ref *r;

	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(ike_msg_parse_inner(&m, IKE_PLD_D, ike_vec_delete_inner,
					     ike_vec_delete_inner_len), 0);
	ck_assert_uint_eq(m.n, 2);
	r = ike_msg_find(&m, IKE_PLD_D);
	ck_assert_int_eq(pld_delete_parse(r->body, r->body_len, &d), 0);
	ck_assert_uint_eq(d.protocol_id, IKE_PROTO_ESP);
	ck_assert_uint_eq(d.n_spis, 2);
	ck_assert_uint_eq(pld_delete_spi32(&d, 0), 0x11223344);
	ck_assert_uint_eq(pld_delete_spi32(&d, 1), 0x55667788);
	ck_assert_uint_eq(pld_delete_spi32(&d, 2), 0);
	r = ike_msg_find_next(&m, r);
	ck_assert_int_eq(pld_delete_parse(r->body, r->body_len, &d), 0);
	ck_assert_uint_eq(d.protocol_id, IKE_PROTO_IKE);
	ck_assert_uint_eq(d.n_spis, 0);
}
END_TEST

START_TEST(skf_fragment)
{
	struct pld_skf skf;
	uint8_t buf[128], *body;
	struct ike_builder mb;
	size_t len;

	ck_assert_int_eq(ike_msg_parse(ike_vec_skf, ike_vec_skf_len, &m), 0);
	ck_assert_uint_eq(m.exchange_type, IKE_EXCH_IKE_AUTH);
	ck_assert_int_eq(m.sk, 0);
	ck_assert_uint_eq(m.pld[0].type, IKE_PLD_SKF);
	ck_assert_int_eq(pld_skf_parse(m.pld[0].next, m.pld[0].body, m.pld[0].body_len, &skf), 0);
	ck_assert_uint_eq(skf.first_inner, IKE_PLD_IDi);
	ck_assert_uint_eq(skf.number, 1);
	ck_assert_uint_eq(skf.total, 2);
	ck_assert_uint_eq(skf.len, 28);

	ck_assert_int_eq(ike_msg_begin(&mb, buf, sizeof(buf), 0x0102030405060708ull,
				       0x0a0b0c0d0e0f1011ull, IKE_EXCH_IKE_AUTH,
				       IKE_HDR_FLAG_INITIATOR, 1), 0);
	ck_assert_int_eq(ike_msg_add_skf(&mb, IKE_PLD_IDi, 1, 2, 28, &body), 0);
	memset(body, 0x5a, 28);
	ck_assert_int_eq(ike_msg_end(&mb, &len), 0);
	ck_assert_uint_eq(len, ike_vec_skf_len);
	ck_assert_mem_eq(buf, ike_vec_skf, len);

	/* RFC 7383 §2.5: Next Payload only in fragment 1; 1 <= number <= total. */
	ck_assert_int_eq(ike_msg_begin(&mb, buf, sizeof(buf), 1, 2, IKE_EXCH_IKE_AUTH, 0, 1), 0);
	ck_assert_int_eq(ike_msg_add_skf(&mb, IKE_PLD_IDi, 2, 2, 28, &body), -EINVAL);
	ck_assert_int_eq(ike_msg_begin(&mb, buf, sizeof(buf), 1, 2, IKE_EXCH_IKE_AUTH, 0, 1), 0);
	ck_assert_int_eq(ike_msg_add_skf(&mb, 0, 3, 2, 28, &body), -EINVAL);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(ike_exchange_name(IKE_EXCH_IKE_SA_INIT), "IKE_SA_INIT");
	ck_assert_str_eq(ike_exchange_name(IKE_EXCH_IKE_INTERMEDIATE), "IKE_INTERMEDIATE");
	ck_assert_str_eq(ike_exchange_name(IKE_EXCH_GSA_INBAND_REKEY), "GSA_INBAND_REKEY");
	ck_assert_str_eq(ike_exchange_name(99), "UNKNOWN");
	ck_assert_str_eq(ike_payload_name(IKE_PLD_SKF), "SKF");
	ck_assert_str_eq(ike_payload_name(IKE_PLD_NONCE), "NONCE");
	ck_assert_str_eq(ike_payload_name(200), "UNKNOWN");
	ck_assert_str_eq(ike_notify_name(IKE_N_STATE_NOT_FOUND), "STATE_NOT_FOUND");
	ck_assert_str_eq(ike_notify_name(IKE_N_INVALID_KE_PAYLOAD), "INVALID_KE_PAYLOAD");
	ck_assert_str_eq(ike_notify_name(IKE_N_PPK_IDENTITY_KEY), "PPK_IDENTITY_KEY");
	ck_assert_str_eq(ike_notify_name(IKE_N_USE_AGGFRAG), "USE_AGGFRAG");
	ck_assert_str_eq(ike_notify_name(12345), "UNKNOWN");
	/* Spot checks of registry values against RFC 7296 §3.10.1 and the digests. */
	ck_assert_int_eq(IKE_N_STATE_NOT_FOUND, 47);
	ck_assert_int_eq(IKE_N_INVALID_KE_PAYLOAD, 17);
	ck_assert_int_eq(IKE_N_NAT_DETECTION_DESTINATION_IP, 16389);
	ck_assert_int_eq(IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, 16430);
	ck_assert_int_eq(IKE_N_INTERMEDIATE_EXCHANGE_SUPPORTED, 16438);
	ck_assert_int_eq(IKE_N_SUPPORTED_AUTH_METHODS, 16443);
	ck_assert_int_eq(IKE_N_USE_PPK_INT, 16445);
}
END_TEST

/* ------------------------- malformed messages ------------------------- */

/* IKE header with Next Payload np and a one-octet Length (messages < 256). */
#define HDR(np, len) \
	1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, np, 0x20, 34, 0x08, 0, 0, 0, 0, 0, 0, 0, len

struct bad_msg {
	const char *name;
	uint8_t bytes[96];
	size_t len;
	int rc;
	uint16_t notify;
	uint8_t payload;   /* err_payload, or expected n on success */
	unsigned skipped;
};

static const struct bad_msg bad_msgs[] = {
	{ "header only, no payloads", { HDR(0, 28) }, 28, 0, 0, 0, 0 },
	{ "27-octet header", { HDR(0, 28) }, 27, -EBADMSG, IKE_N_INVALID_SYNTAX, 0, 0 },
	{ "empty datagram", { 0 }, 0, -EBADMSG, IKE_N_INVALID_SYNTAX, 0, 0 },
	{ "Length > datagram", { HDR(0, 29) }, 28, -EBADMSG, IKE_N_INVALID_SYNTAX, 0, 0 },
	{ "Length < datagram", { HDR(0, 28), 0 }, 29, -EBADMSG, IKE_N_INVALID_SYNTAX, 0, 0 },
	{ "major version 3", { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x30, 34, 8,
			       0, 0, 0, 0, 0, 0, 0, 28 }, 28,
	  -EPROTONOSUPPORT, IKE_N_INVALID_MAJOR_VERSION, 0, 0 },
	{ "major version 1 (IKEv1)", { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 34, 8,
				       0, 0, 0, 0, 0, 0, 0, 28 }, 28, -EPROTONOSUPPORT, 0, 0, 0 },
	{ "minor version ignored", { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x2f, 34, 8,
				     0, 0, 0, 0, 0, 0, 0, 28 }, 28, 0, 0, 0, 0 },
	{ "payload length 3", { HDR(43, 36), 0, 0, 0, 3, 1, 2, 3, 4 }, 36,
	  -EBADMSG, IKE_N_INVALID_SYNTAX, 0, 0 },
	{ "payload length 0", { HDR(43, 36), 0, 0, 0, 0, 1, 2, 3, 4 }, 36,
	  -EBADMSG, IKE_N_INVALID_SYNTAX, 0, 0 },
	{ "payload length past the end", { HDR(43, 36), 0, 0, 0, 9, 1, 2, 3, 4 }, 36,
	  -EBADMSG, IKE_N_INVALID_SYNTAX, 0, 0 },
	{ "generic header cut short", { HDR(43, 30), 0, 0 }, 30,
	  -EBADMSG, IKE_N_INVALID_SYNTAX, 0, 0 },
	{ "chain names a payload past the end", { HDR(43, 36), 43, 0, 0, 8, 1, 2, 3, 4 }, 36,
	  -EBADMSG, IKE_N_INVALID_SYNTAX, 0, 0 },
	{ "trailing octets after the last payload", { HDR(43, 38), 0, 0, 0, 8, 1, 2, 3, 4, 0, 0 }, 38,
	  -EBADMSG, IKE_N_INVALID_SYNTAX, 0, 0 },
	{ "unknown critical payload", { HDR(43, 44), 100, 0, 0, 8, 1, 2, 3, 4,
					0, 0x80, 0, 8, 1, 2, 3, 4 }, 44,
	  -EOPNOTSUPP, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, 100, 0 },
	{ "unknown non-critical payload skipped", { HDR(100, 44), 43, 0x7f, 0, 8, 1, 2, 3, 4,
						     0, 0, 0, 8, 1, 2, 3, 4 }, 44, 0, 0, 1, 1 },
	{ "GSA (no decoder) critical", { HDR(51, 36), 0, 0x80, 0, 8, 1, 2, 3, 4 }, 36,
	  -EOPNOTSUPP, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, 51, 0 },
	{ "reserved header flag bits ignored", { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0,
						  0x20, 34, 0xc7, 0, 0, 0, 0, 0, 0, 0, 28 }, 28,
	  0, 0, 0, 0 },
	{ "critical bit on a known payload", { HDR(43, 36), 0, 0x80, 0, 8, 1, 2, 3, 4 }, 36,
	  0, 0, 1, 0 },
	{ "SK last", { HDR(43, 48), 46, 0, 0, 8, 1, 2, 3, 4, 41, 0, 0, 12, 9, 9, 9, 9, 9, 9, 9, 9 },
	  48, 0, 0, 2, 0 },
	{ "SK not last", { HDR(46, 44), 41, 0, 0, 8, 9, 9, 9, 9, 0, 0, 0, 8, 1, 2, 3, 4 }, 44,
	  -EBADMSG, IKE_N_INVALID_SYNTAX, 0, 0 },
	{ "SKF not last", { HDR(53, 48), 35, 0, 0, 12, 0, 1, 0, 1, 9, 9, 9, 9,
			    0, 0, 0, 8, 1, 2, 3, 4 }, 48, -EBADMSG, IKE_N_INVALID_SYNTAX, 0, 0 },
	{ "SK ending short of the message", { HDR(46, 40), 41, 0, 0, 8, 9, 9, 9, 9, 0, 0, 0, 0 }, 40,
	  -EBADMSG, IKE_N_INVALID_SYNTAX, 0, 0 },
};

START_TEST(malformed_table)
{
	const struct bad_msg *t = &bad_msgs[_i];
	uint8_t *copy = malloc(t->len ? t->len : 1);
	int rc;

	/* An exactly sized heap copy, so ASan sees any overread. */
	memcpy(copy, t->bytes, t->len);
	rc = ike_msg_parse(copy, t->len, &m);
	ck_assert_msg(rc == t->rc, "%s: rc %d, want %d", t->name, rc, t->rc);
	ck_assert_msg(m.err_notify == t->notify, "%s: notify %u, want %u", t->name,
		      m.err_notify, t->notify);
	if (rc == -EOPNOTSUPP)
		ck_assert_uint_eq(m.err_payload, t->payload);
	if (rc == 0) {
		ck_assert_uint_eq(m.flags & ~(IKE_HDR_FLAG_INITIATOR | IKE_HDR_FLAG_VERSION |
					      IKE_HDR_FLAG_RESPONSE), 0);
		ck_assert_msg(m.n == t->payload, "%s: n %u", t->name, m.n);
		ck_assert_uint_eq(m.n_skipped, t->skipped);
	}
	free(copy);
}
END_TEST

/* 64 payloads fit the index, 65 do not. */
START_TEST(payload_limit)
{
	static uint8_t buf[28 + 65 * 8];
	struct ike_builder mb;
	struct pld_data v = { .data = (const uint8_t *)"abcd", .len = 4 };
	size_t len;

	for (unsigned count = 64; count <= 65; count++) {
		ck_assert_int_eq(ike_msg_begin(&mb, buf, sizeof(buf), 1, 0,
					       IKE_EXCH_INFORMATIONAL, 0, 0), 0);
		for (unsigned i = 0; i < count; i++)
			ck_assert_int_eq(ike_msg_add_vendor(&mb, &v), 0);
		ck_assert_int_eq(ike_msg_end(&mb, &len), 0);
		ck_assert_int_eq(ike_msg_parse(buf, len, &m), count == 64 ? 0 : -E2BIG);
	}
	/* Inner payloads count toward the same index. */
	ck_assert_int_eq(ike_msg_begin(&mb, buf, sizeof(buf), 1, 0, IKE_EXCH_INFORMATIONAL, 0, 0), 0);
	for (unsigned i = 0; i < 60; i++)
		ck_assert_int_eq(ike_msg_add_vendor(&mb, &v), 0);
	ck_assert_int_eq(ike_msg_end(&mb, &len), 0);
	ck_assert_int_eq(ike_msg_parse(buf, len, &m), 0);
	ck_assert_int_eq(ike_msg_parse_inner(&m, IKE_PLD_IDi, ike_vec_auth_inner,
					     ike_vec_auth_inner_len), -E2BIG);
}
END_TEST

/* Nested SK inside a decrypted SK is a syntax error. */
START_TEST(inner_sk_rejected)
{
	static const uint8_t inner[] = { 0, 0, 0, 8, 1, 2, 3, 4 };

	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(ike_msg_parse_inner(&m, IKE_PLD_SK, inner, sizeof(inner)), -EBADMSG);
	ck_assert_uint_eq(m.err_notify, IKE_N_INVALID_SYNTAX);
}
END_TEST

/*
 * Every vector cut at every offset, in an exactly sized heap buffer:
 * with the original Length the header check fails; with Length patched to
 * the cut, the payload walker must fail (the chain always names a
 * payload that is missing or cut).
 */
START_TEST(truncated_everywhere)
{
	for (unsigned v = 0; v < ike_n_vecs; v++) {
		const struct ike_vec *vec = &ike_vecs[v];

		for (size_t cut = 0; cut < vec->len; cut++) {
			uint8_t *p = malloc(cut ? cut : 1);

			memcpy(p, vec->msg, cut);
			ck_assert_int_ne(ike_msg_parse(p, cut, &m), 0);
			if (cut >= 28) {
				p[24] = (uint8_t)(cut >> 24);
				p[25] = (uint8_t)(cut >> 16);
				p[26] = (uint8_t)(cut >> 8);
				p[27] = (uint8_t)cut;
				ck_assert_msg(ike_msg_parse(p, cut, &m) == -EBADMSG,
					      "%s cut at %zu parsed", vec->name, cut);
			}
			free(p);
		}
	}
	/* Inner chains too. */
	for (size_t cut = 0; cut < ike_vec_auth_inner_len; cut++) {
		uint8_t *p = malloc(cut ? cut : 1);

		memcpy(p, ike_vec_auth_inner, cut);
		memset(&m, 0, sizeof(m));
		ck_assert_int_eq(ike_msg_parse_inner(&m, IKE_PLD_IDi, p, cut), -EBADMSG);
		free(p);
	}
}
END_TEST

static Suite *msg_suite(void)
{
	Suite *s = suite_create("ike_msg");
	TCase *tc = tcase_create("msg");

	tcase_add_test(tc, rfc7634_appendix_b);
	tcase_add_test(tc, rfc7634_json_matches);
	tcase_add_test(tc, rfc7634_build);
	tcase_add_test(tc, sa_init_request_parse);
	tcase_add_test(tc, sa_init_request_build);
	tcase_add_test(tc, auth_inner_parse);
	tcase_add_test(tc, auth_inner_build);
	tcase_add_test(tc, delete_inner);
	tcase_add_test(tc, skf_fragment);
	tcase_add_test(tc, names);
	tcase_add_loop_test(tc, malformed_table, 0, sizeof(bad_msgs) / sizeof(bad_msgs[0]));
	tcase_add_test(tc, payload_limit);
	tcase_add_test(tc, inner_sk_rejected);
	tcase_add_test(tc, truncated_everywhere);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(msg_suite());
}
