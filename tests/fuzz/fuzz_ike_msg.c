/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the IKEv2 codec (control/ike): ike_msg_parse() on
 * the input, then every indexed payload through its parser; and the same
 * bytes read as a decrypted SK plaintext (first octet = first inner
 * payload type, the rest = the chain) through ike_msg_parse_inner().
 * Whatever parses is rebuilt and parsed again, which must succeed.
 * Nothing may crash or read out of bounds (build with ASan).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/ike/message.h"
#include "control/ike/payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t rebuild_buf[65536];

/* Rebuilt bodies must parse again: the builders emit what the parsers accept. */
#define REPARSE(type_, parse_, build_, v_)                                   \
	do {                                                                 \
		struct ike_buf b_;                                           \
		struct type_ again_;                                         \
		ike_buf_init(&b_, rebuild_buf, sizeof(rebuild_buf));         \
		if (build_(&b_, v_) == 0 && parse_(b_.p, b_.len, &again_) != 0) \
			abort();                                             \
	} while (0)

static void parse_payload(const struct ike_pld_ref *r)
{
	static struct pld_sa sa;
	static struct pld_ts ts;
	static struct pld_cp cp;
	struct pld_ke ke;
	struct pld_id id;
	struct pld_cert cert;
	struct pld_auth auth;
	struct pld_nonce nonce;
	struct pld_notify n;
	struct pld_delete d;
	struct pld_data v;
	struct pld_sk sk;
	struct pld_skf skf;

	switch (r->type) {
	case IKE_PLD_SA:
		if (pld_sa_parse(r->body, r->body_len, &sa) == 0)
			REPARSE(pld_sa, pld_sa_parse, pld_sa_build, &sa);
		break;
	case IKE_PLD_KE:
		if (pld_ke_parse(r->body, r->body_len, &ke) == 0)
			REPARSE(pld_ke, pld_ke_parse, pld_ke_build, &ke);
		break;
	case IKE_PLD_IDi:
	case IKE_PLD_IDr:
	case IKE_PLD_IDg:
		if (pld_id_parse(r->body, r->body_len, &id) == 0)
			REPARSE(pld_id, pld_id_parse, pld_id_build, &id);
		break;
	case IKE_PLD_CERT:
		if (pld_cert_parse(r->body, r->body_len, &cert) == 0)
			REPARSE(pld_cert, pld_cert_parse, pld_cert_build, &cert);
		break;
	case IKE_PLD_CERTREQ:
		if (pld_certreq_parse(r->body, r->body_len, &cert) == 0)
			REPARSE(pld_cert, pld_certreq_parse, pld_cert_build, &cert);
		break;
	case IKE_PLD_AUTH:
		if (pld_auth_parse(r->body, r->body_len, &auth) == 0)
			REPARSE(pld_auth, pld_auth_parse, pld_auth_build, &auth);
		break;
	case IKE_PLD_NONCE:
		if (pld_nonce_parse(r->body, r->body_len, &nonce) == 0)
			REPARSE(pld_nonce, pld_nonce_parse, pld_nonce_build, &nonce);
		break;
	case IKE_PLD_N:
		if (pld_notify_parse(r->body, r->body_len, &n) == 0) {
			struct pld_redirect rd;
			struct pld_auth_announce aa;
			struct ike_cur c;
			uint16_t algs[8];
			unsigned cnt;
			uint32_t w;
			uint16_t m16;
			uint8_t t8;

			REPARSE(pld_notify, pld_notify_parse, pld_notify_build, &n);
			(void)pld_n_invalid_ke(&n, &m16);
			(void)pld_n_unsupported_critical(&n, &t8);
			(void)pld_n_window_size(&n, &w);
			(void)pld_n_hash_algs(&n, algs, 8, &cnt);
			(void)pld_n_redirect_parse(&n, &rd);
			ike_cur_init(&c, n.data, n.len);
			while (pld_n_auth_methods_next(&c, &aa) == 1)
				;
		}
		break;
	case IKE_PLD_D:
		if (pld_delete_parse(r->body, r->body_len, &d) == 0) {
			for (unsigned i = 0; i < d.n_spis; i++)
				(void)pld_delete_spi32(&d, i);
			REPARSE(pld_delete, pld_delete_parse, pld_delete_build, &d);
		}
		break;
	case IKE_PLD_V:
		if (pld_vendor_parse(r->body, r->body_len, &v) == 0)
			REPARSE(pld_data, pld_vendor_parse, pld_data_build, &v);
		break;
	case IKE_PLD_TSi:
	case IKE_PLD_TSr:
		if (pld_ts_parse(r->body, r->body_len, &ts) == 0) {
			bool known = true;

			for (unsigned i = 0; i < ts.n; i++)
				known &= ts.ts[i].type >= IKE_TS_IPV4_ADDR_RANGE &&
					 ts.ts[i].type != IKE_TS_FC_ADDR_RANGE &&
					 ts.ts[i].type <= IKE_TS_SECLABEL;
			if (known)
				REPARSE(pld_ts, pld_ts_parse, pld_ts_build, &ts);
		}
		break;
	case IKE_PLD_CP:
		if (pld_cp_parse(r->body, r->body_len, &cp) == 0) {
			struct pld_dnssec_ta ta;

			for (unsigned i = 0; i < cp.n; i++)
				(void)pld_cp_dnssec_ta(&cp.attr[i], &ta);
			REPARSE(pld_cp, pld_cp_parse, pld_cp_build, &cp);
		}
		break;
	case IKE_PLD_SK:
		(void)pld_sk_parse(r->next, r->body, r->body_len, &sk);
		break;
	case IKE_PLD_SKF:
		(void)pld_skf_parse(r->next, r->body, r->body_len, &skf);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike_msg m;
	struct pld_notify n;
	unsigned it = 0;

	if (ike_msg_parse(data, size, &m) == 0) {
		if (m.length != size)
			abort();
		for (unsigned i = 0; i < m.n; i++)
			parse_payload(&m.pld[i]);
		while (ike_msg_notify_next(&m, &it, &n) == 1)
			;
	}
	if (size >= 1) {
		memset(&m, 0, sizeof(m));
		m.sk = -1;
		(void)ike_msg_parse_inner(&m, data[0], data + 1, size - 1);
		for (unsigned i = 0; i < m.n; i++)
			parse_payload(&m.pld[i]);
	}
	return 0;
}
