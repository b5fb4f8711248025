/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ID, CERT, CERTREQ, AUTH, Nonce, Notify, Delete, Vendor ID, SK and SKF
 * payloads (RFC 7296 §3.5-§3.12, §3.14; RFC 7427; RFC 7383; RFC 5685;
 * RFC 9593): parse and build.
 */
#include <errno.h>
#include <string.h>

#include "control/ike/payload.h"

/* ---------------------------- ID (§3.5) -------------------------------- */

int pld_id_parse(const uint8_t *body, size_t len, struct pld_id *id)
{
	struct ike_cur c;

	ike_cur_init(&c, body, len);
	id->type = ike_cur_u8(&c);
	(void)ike_cur_skip(&c, 3); /* RESERVED */
	id->data = ike_cur_rest(&c, &id->len);
	if (c.err != 0)
		return c.err;
	/* §3.5: the address types carry exactly one address. */
	if ((id->type == IKE_ID_IPV4_ADDR && id->len != 4) ||
	    (id->type == IKE_ID_IPV6_ADDR && id->len != 16))
		return -EBADMSG;
	return 0;
}

int pld_id_build(struct ike_buf *b, const struct pld_id *id)
{
	if ((id->type == IKE_ID_IPV4_ADDR && id->len != 4) ||
	    (id->type == IKE_ID_IPV6_ADDR && id->len != 16) ||
	    (id->len > 0 && id->data == NULL))
		return -EINVAL;
	ike_buf_u8(b, id->type);
	ike_buf_zero(b, 3);
	ike_buf_bytes(b, id->data, id->len);
	return b->err;
}

/* ---------------------- CERT / CERTREQ (§3.6, §3.7) -------------------- */

static int cert_parse(const uint8_t *body, size_t len, struct pld_cert *cert)
{
	struct ike_cur c;

	ike_cur_init(&c, body, len);
	cert->encoding = ike_cur_u8(&c);
	cert->data = ike_cur_rest(&c, &cert->len);
	return c.err;
}

int pld_cert_parse(const uint8_t *body, size_t len, struct pld_cert *cert)
{
	int rc = cert_parse(body, len, cert);

	/* A certificate payload without a certificate means nothing. */
	if (rc == 0 && cert->len == 0)
		return -EBADMSG;
	return rc;
}

/*
 * CERTREQ (§3.7): for X.509 the data is a list of 20-octet SHA-1 hashes of
 * CA public keys. It may be empty ("any CA"; implementations send that).
 */
int pld_certreq_parse(const uint8_t *body, size_t len, struct pld_cert *req)
{
	int rc = cert_parse(body, len, req);

	if (rc == 0 && req->encoding == IKE_CERT_X509_SIGNATURE && req->len % 20 != 0)
		return -EBADMSG;
	return rc;
}

int pld_cert_build(struct ike_buf *b, const struct pld_cert *cert)
{
	if (cert->len > 0 && cert->data == NULL)
		return -EINVAL;
	ike_buf_u8(b, cert->encoding);
	ike_buf_bytes(b, cert->data, cert->len);
	return b->err;
}

/* --------------------------- AUTH (§3.8) ------------------------------- */

/*
 * RFC 7427 §3: the AlgorithmIdentifier is one DER SEQUENCE, so its first
 * octet is 0x30 and its DER length must cover exactly the ASN.1 Length
 * octets announced (short form, or long form 0x81 for 128..252 octets).
 */
static bool der_seq_ok(const uint8_t *p, size_t n)
{
	if (n < 2 || p[0] != 0x30)
		return false;
	if (p[1] < 0x80)
		return (size_t)p[1] + 2 == n;
	if (p[1] == 0x81 && n >= 3)
		return p[2] >= 0x80 && (size_t)p[2] + 3 == n;
	return false;
}

int pld_auth_parse(const uint8_t *body, size_t len, struct pld_auth *auth)
{
	struct ike_cur c, d;
	size_t ai_len;

	ike_cur_init(&c, body, len);
	auth->method = ike_cur_u8(&c);
	(void)ike_cur_skip(&c, 3); /* RESERVED */
	auth->data = ike_cur_rest(&c, &auth->len);
	auth->alg_id = auth->sig = NULL;
	auth->alg_id_len = auth->sig_len = 0;
	if (c.err != 0 || auth->len == 0)
		return -EBADMSG;
	if (auth->method != IKE_AUTH_DIGITAL_SIGNATURE)
		return 0;

	ike_cur_init(&d, auth->data, auth->len);
	ai_len = ike_cur_u8(&d);
	auth->alg_id = ike_cur_bytes(&d, ai_len);
	auth->alg_id_len = ai_len;
	auth->sig = ike_cur_rest(&d, &auth->sig_len);
	if (d.err != 0 || !der_seq_ok(auth->alg_id, ai_len) || auth->sig_len == 0) {
		auth->alg_id = auth->sig = NULL;
		auth->alg_id_len = auth->sig_len = 0;
		return -EBADMSG;
	}
	return 0;
}

int pld_auth_build(struct ike_buf *b, const struct pld_auth *auth)
{
	bool split = auth->method == IKE_AUTH_DIGITAL_SIGNATURE && auth->alg_id != NULL;

	if (split) {
		if (auth->alg_id_len > UINT8_MAX || !der_seq_ok(auth->alg_id, auth->alg_id_len) ||
		    auth->sig == NULL || auth->sig_len == 0)
			return -EINVAL;
	} else if (auth->data == NULL || auth->len == 0) {
		return -EINVAL;
	}
	ike_buf_u8(b, auth->method);
	ike_buf_zero(b, 3);
	if (split) {
		ike_buf_u8(b, (uint8_t)auth->alg_id_len);
		ike_buf_bytes(b, auth->alg_id, auth->alg_id_len);
		ike_buf_bytes(b, auth->sig, auth->sig_len);
	} else {
		ike_buf_bytes(b, auth->data, auth->len);
	}
	return b->err;
}

/* --------------------------- Nonce (§3.9) ------------------------------ */

int pld_nonce_parse(const uint8_t *body, size_t len, struct pld_nonce *n)
{
	/* §3.9: "between 16 and 256 octets, inclusive". */
	if (len < IKE_NONCE_MIN || len > IKE_NONCE_MAX) {
		n->data = NULL;
		n->len = 0;
		return -EBADMSG;
	}
	n->data = body;
	n->len = len;
	return 0;
}

int pld_nonce_build(struct ike_buf *b, const struct pld_nonce *n)
{
	if (n->data == NULL || n->len < IKE_NONCE_MIN || n->len > IKE_NONCE_MAX)
		return -EINVAL;
	ike_buf_bytes(b, n->data, n->len);
	return b->err;
}

/* -------------------------- Notify (§3.10) ----------------------------- */

int pld_notify_parse(const uint8_t *body, size_t len, struct pld_notify *n)
{
	struct ike_cur c;

	ike_cur_init(&c, body, len);
	n->protocol_id = ike_cur_u8(&c);
	n->spi_size = ike_cur_u8(&c);
	n->type = ike_cur_u16(&c);
	n->spi = n->spi_size > 0 ? ike_cur_bytes(&c, n->spi_size) : NULL;
	n->data = ike_cur_rest(&c, &n->len);
	if (c.err != 0) {
		n->spi = n->data = NULL;
		n->len = 0;
	}
	return c.err;
}

int pld_notify_build(struct ike_buf *b, const struct pld_notify *n)
{
	if ((n->spi_size > 0 && n->spi == NULL) || (n->len > 0 && n->data == NULL))
		return -EINVAL;
	ike_buf_u8(b, n->protocol_id);
	ike_buf_u8(b, n->spi_size);
	ike_buf_u16(b, n->type);
	ike_buf_bytes(b, n->spi, n->spi_size);
	ike_buf_bytes(b, n->data, n->len);
	return b->err;
}

int pld_n_invalid_ke(const struct pld_notify *n, uint16_t *method)
{
	if (n->type != IKE_N_INVALID_KE_PAYLOAD)
		return -EINVAL;
	if (n->len != 2)
		return -EBADMSG;
	*method = (uint16_t)(n->data[0] << 8 | n->data[1]);
	return 0;
}

int pld_n_unsupported_critical(const struct pld_notify *n, uint8_t *type)
{
	if (n->type != IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD)
		return -EINVAL;
	if (n->len != 1)
		return -EBADMSG;
	*type = n->data[0];
	return 0;
}

int pld_n_window_size(const struct pld_notify *n, uint32_t *size)
{
	struct ike_cur c;

	if (n->type != IKE_N_SET_WINDOW_SIZE)
		return -EINVAL;
	ike_cur_init(&c, n->data, n->len);
	*size = ike_cur_u32(&c);
	return ike_cur_done(&c);
}

int pld_n_hash_algs(const struct pld_notify *n, uint16_t *out, unsigned max,
		    unsigned *count)
{
	struct ike_cur c;
	unsigned i = 0;

	if (n->type != IKE_N_SIGNATURE_HASH_ALGORITHMS)
		return -EINVAL;
	/* RFC 7427 §4: a packed list of 2-octet identifiers. */
	if (n->len % 2 != 0)
		return -EBADMSG;
	ike_cur_init(&c, n->data, n->len);
	while (ike_cur_left(&c) > 0) {
		uint16_t v = ike_cur_u16(&c);

		if (i < max)
			out[i] = v;
		i++;
	}
	*count = i;
	return c.err;
}

/*
 * REDIRECT (RFC 5685 §8): GW Ident Type (1) | GW Ident Len (1) | New GW
 * Identity | [Nonce Data]. REDIRECTED_FROM (§9) has no nonce and only the
 * address types (corrections.md C.6).
 */
static int gw_ident_ok(uint8_t type, size_t len)
{
	switch (type) {
	case IKE_GW_IPV4: return len == 4;
	case IKE_GW_IPV6: return len == 16;
	case IKE_GW_FQDN: return len >= 1;
	default:          return 0;
	}
}

int pld_n_redirect_parse(const struct pld_notify *n, struct pld_redirect *r)
{
	struct ike_cur c;
	uint8_t gw_len;

	if (n->type != IKE_N_REDIRECT && n->type != IKE_N_REDIRECTED_FROM)
		return -EINVAL;
	ike_cur_init(&c, n->data, n->len);
	r->gw_type = ike_cur_u8(&c);
	gw_len = ike_cur_u8(&c);
	r->gw = ike_cur_bytes(&c, gw_len);
	r->gw_len = gw_len;
	r->nonce = ike_cur_rest(&c, &r->nonce_len);
	if (r->nonce_len == 0)
		r->nonce = NULL;
	if (c.err != 0 || !gw_ident_ok(r->gw_type, gw_len))
		return -EBADMSG;
	if (n->type == IKE_N_REDIRECTED_FROM &&
	    (r->gw_type == IKE_GW_FQDN || r->nonce != NULL))
		return -EBADMSG;
	if (r->nonce != NULL && (r->nonce_len < IKE_NONCE_MIN || r->nonce_len > IKE_NONCE_MAX))
		return -EBADMSG;
	return 0;
}

int pld_n_redirect_build(struct ike_buf *b, const struct pld_redirect *r)
{
	if (!gw_ident_ok(r->gw_type, r->gw_len) || r->gw_len > UINT8_MAX || r->gw == NULL ||
	    (r->nonce_len > 0 && r->nonce == NULL))
		return -EINVAL;
	ike_buf_u8(b, r->gw_type);
	ike_buf_u8(b, (uint8_t)r->gw_len);
	ike_buf_bytes(b, r->gw, r->gw_len);
	ike_buf_bytes(b, r->nonce, r->nonce_len);
	return b->err;
}

/*
 * RFC 9593 §3.2: Length (1, counts the whole blob) | Auth Method (1) |
 * [Cert Link (1) | [AlgorithmIdentifier]]. Length 2: no cert link;
 * 3: cert link; > 3: method 14 with an AlgorithmIdentifier. Unknown
 * methods are returned too: the caller ignores them (§3.2).
 */
int pld_n_auth_methods_next(struct ike_cur *c, struct pld_auth_announce *a)
{
	struct ike_cur blob;
	uint8_t blen;

	if (ike_cur_left(c) == 0)
		return c->err != 0 ? c->err : 0;
	blen = ike_cur_u8(c);
	if (c->err != 0 || blen < 2)
		return -EBADMSG;
	blob = ike_cur_sub(c, blen - 1u);
	a->method = ike_cur_u8(&blob);
	a->cert_link = blen >= 3 ? ike_cur_u8(&blob) : 0;
	a->alg_id = ike_cur_rest(&blob, &a->alg_id_len);
	if (a->alg_id_len == 0)
		a->alg_id = NULL;
	if (blob.err != 0)
		return -EBADMSG;
	if (blen > 3 && (a->method != IKE_AUTH_DIGITAL_SIGNATURE ||
			 !der_seq_ok(a->alg_id, a->alg_id_len)))
		return -EBADMSG;
	return 1;
}

int pld_n_auth_announce_build(struct ike_buf *b, const struct pld_auth_announce *a)
{
	size_t blen = a->alg_id_len > 0 ? 3 + a->alg_id_len : (a->cert_link != 0 ? 3 : 2);

	if (blen > UINT8_MAX || (a->alg_id_len > 0 && (a->method != IKE_AUTH_DIGITAL_SIGNATURE ||
						       !der_seq_ok(a->alg_id, a->alg_id_len))))
		return -EINVAL;
	ike_buf_u8(b, (uint8_t)blen);
	ike_buf_u8(b, a->method);
	if (blen >= 3)
		ike_buf_u8(b, a->cert_link);
	ike_buf_bytes(b, a->alg_id, a->alg_id_len);
	return b->err;
}

/* -------------------------- Delete (§3.11) ----------------------------- */

static bool delete_sizes_ok(uint8_t proto, uint8_t spi_size, uint16_t n)
{
	/* §3.11: IKE SA: SPI Size 0 (the SPIs are in the header); AH/ESP: 4. */
	if (proto == IKE_PROTO_IKE)
		return spi_size == 0 && n == 0;
	if (proto == IKE_PROTO_AH || proto == IKE_PROTO_ESP)
		return spi_size == 4;
	return true;
}

int pld_delete_parse(const uint8_t *body, size_t len, struct pld_delete *d)
{
	struct ike_cur c;

	ike_cur_init(&c, body, len);
	d->protocol_id = ike_cur_u8(&c);
	d->spi_size = ike_cur_u8(&c);
	d->n_spis = ike_cur_u16(&c);
	d->spis = ike_cur_bytes(&c, (size_t)d->spi_size * d->n_spis);
	if (ike_cur_done(&c) != 0 || !delete_sizes_ok(d->protocol_id, d->spi_size, d->n_spis)) {
		d->spis = NULL;
		d->n_spis = 0;
		return -EBADMSG;
	}
	return 0;
}

int pld_delete_build(struct ike_buf *b, const struct pld_delete *d)
{
	if (!delete_sizes_ok(d->protocol_id, d->spi_size, d->n_spis) ||
	    (d->n_spis > 0 && d->spi_size > 0 && d->spis == NULL))
		return -EINVAL;
	ike_buf_u8(b, d->protocol_id);
	ike_buf_u8(b, d->spi_size);
	ike_buf_u16(b, d->n_spis);
	ike_buf_bytes(b, d->spis, (size_t)d->spi_size * d->n_spis);
	return b->err;
}

uint32_t pld_delete_spi32(const struct pld_delete *d, unsigned i)
{
	const uint8_t *p;

	if (d->spi_size != 4 || i >= d->n_spis)
		return 0;
	p = d->spis + 4 * (size_t)i;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---------------------- Vendor ID (§3.12), opaque ---------------------- */

int pld_vendor_parse(const uint8_t *body, size_t len, struct pld_data *v)
{
	v->data = body;
	v->len = len;
	/* §3.12: the Vendor ID is a hash or string chosen by the vendor. */
	return len > 0 ? 0 : -EBADMSG;
}

int pld_data_build(struct ike_buf *b, const struct pld_data *v)
{
	if (v->len > 0 && v->data == NULL)
		return -EINVAL;
	ike_buf_bytes(b, v->data, v->len);
	return b->err;
}

/* ------------------------ SK (§3.14), SKF (RFC 7383) ------------------- */

int pld_sk_parse(uint8_t next, const uint8_t *body, size_t len, struct pld_sk *sk)
{
	sk->first_inner = next;
	sk->data = body;
	sk->len = len;
	return 0;
}

int pld_skf_parse(uint8_t next, const uint8_t *body, size_t len, struct pld_skf *skf)
{
	struct ike_cur c;

	ike_cur_init(&c, body, len);
	skf->first_inner = next;
	skf->number = ike_cur_u16(&c);
	skf->total = ike_cur_u16(&c);
	skf->data = ike_cur_rest(&c, &skf->len);
	if (c.err != 0)
		return c.err;
	/* RFC 7383 §2.5: numbers start at 1 and never exceed the total. */
	if (skf->number == 0 || skf->total == 0 || skf->number > skf->total)
		return -EBADMSG;
	return 0;
}
