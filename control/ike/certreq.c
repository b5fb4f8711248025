/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CERTREQ (RFC 7296 §3.7): the peer names the CAs it trusts by the SHA-1
 * hash of their SubjectPublicKeyInfo. When a connection has more than one
 * credential (other CAs, other key types), the first one whose chain leads
 * to a requested CA is the one we authenticate with; with no CERTREQ, or
 * only CAs we do not know, the first credential is used (the peer may
 * still trust it: §3.7 lets a responder send what it has).
 *
 * The initiator learns the responder's CERTREQ from the IKE_SA_INIT
 * response (kept in sa->init_resp for AUTH, §2.15); the responder from
 * the IKE_AUTH request it is answering.
 */
#include "control/ike/exchange.h"

enum { CERTREQ_HASHES_MAX = 16, CA_HASH_LEN = 20 };

/* The X.509 CA hashes of every CERTREQ in @p m into @p h; how many. */
static unsigned collect(const struct ike_msg *m, uint8_t (*h)[CA_HASH_LEN], unsigned max,
			unsigned *bad)
{
	const struct ike_pld_ref *r;
	struct pld_cert req;
	unsigned n = 0;

	for (r = ike_msg_find(m, IKE_PLD_CERTREQ); r != NULL; r = ike_msg_find_next(m, r)) {
		if (pld_certreq_parse(r->body, r->body_len, &req) != 0 ||
		    req.encoding != IKE_CERT_X509_SIGNATURE || req.len % CA_HASH_LEN != 0) {
			(*bad)++; /* another encoding, or malformed: ignored */
			continue;
		}
		for (size_t off = 0; off < req.len && n < max; off += CA_HASH_LEN)
			memcpy(h[n++], req.data + off, CA_HASH_LEN);
	}
	return n;
}

const struct ike_cred *ike_certreq_pick(struct ike_engine *e, const struct ike_sa *sa,
					const struct ike_msg *auth_req)
{
	const struct ike_conn *c = sa->conn;
	uint8_t h[CERTREQ_HASHES_MAX][CA_HASH_LEN];
	struct ike_msg init;
	unsigned n = 0, bad = 0;

	if (c->n_cred_more == 0)
		return c->cred;
	if (auth_req != NULL)
		n = collect(auth_req, h, CERTREQ_HASHES_MAX, &bad);
	else if (ike_msg_parse(sa->init_resp, sa->init_resp_len, &init) == 0)
		n = collect(&init, h, CERTREQ_HASHES_MAX, &bad);
	if (n == 0)
		return c->cred;
	if (ike_crypto_cred_fits(c->cred, c->trust, h[0], n))
		return c->cred;
	for (unsigned i = 0; i < c->n_cred_more; i++) {
		if (ike_crypto_cred_fits(c->cred_more[i], c->trust, h[0], n)) {
			ike_log(e, "IKE SA %016llx_i: CERTREQ: authenticating with credential %u "
				"of '%s'", (unsigned long long)sa->spi_i, i + 2, c->name);
			return c->cred_more[i];
		}
	}
	ike_log(e, "IKE SA %016llx_i: CERTREQ names %u CA(s) none of our credentials leads to; "
		"using the first", (unsigned long long)sa->spi_i, n);
	return c->cred;
}
