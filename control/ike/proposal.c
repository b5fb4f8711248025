/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proposal strings to transform lists, and proposal selection
 * (RFC 7296 §2.7, §3.3.6), with the additional key exchanges of
 * RFC 9370 §2.2.1 (ADDITIONAL_KEY_EXCHANGE_1..7, "ke1_mlkem768").
 */
#include <errno.h>
#include <string.h>

#include "control/ike/ike_wire.h"
#include "control/ike/proposal.h"

struct xf_name {
	const char *name;
	uint8_t type;
	uint16_t id;
	uint16_t key_len;   /* bits, 0 = no Key Length attribute */
	uint8_t where;      /* IKE_ONLY / ESP_ONLY / BOTH */
};

enum { IKE_ONLY = 1, ESP_ONLY = 2, BOTH = 3 };

static const struct xf_name names[] = {
	{ "aes128", IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 128, IKE_ONLY },
	{ "aes256", IKE_XFORM_ENCR, IKE_ENCR_AES_CBC, 256, IKE_ONLY },
	{ "aes128gcm16", IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128, BOTH },
	{ "aes256gcm16", IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256, BOTH },
	{ "aes128gcm", IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 128, BOTH },
	{ "aes256gcm", IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16, 256, BOTH },
	{ "chacha20poly1305", IKE_XFORM_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0, BOTH },
	/* RFC 8750 implicit IV: ESP only (§2: not for IKE). */
	{ "aes128gcm16iiv", IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16_IIV, 128, ESP_ONLY },
	{ "aes256gcm16iiv", IKE_XFORM_ENCR, IKE_ENCR_AES_GCM_16_IIV, 256, ESP_ONLY },
	{ "chacha20poly1305iiv", IKE_XFORM_ENCR, IKE_ENCR_CHACHA20_POLY1305_IIV, 0, ESP_ONLY },
	{ "sha256", IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0, IKE_ONLY },
	{ "sha384", IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0, IKE_ONLY },
	{ "sha512", IKE_XFORM_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0, IKE_ONLY },
	{ "prfsha256", IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_256, 0, IKE_ONLY },
	{ "prfsha384", IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_384, 0, IKE_ONLY },
	{ "prfsha512", IKE_XFORM_PRF, IKE_PRF_HMAC_SHA2_512, 0, IKE_ONLY },
	{ "modp2048", IKE_XFORM_KE, IKE_KE_MODP2048, 0, BOTH },
	{ "modp3072", IKE_XFORM_KE, IKE_KE_MODP3072, 0, BOTH },
	{ "ecp256", IKE_XFORM_KE, IKE_KE_ECP256, 0, BOTH },
	{ "ecp384", IKE_XFORM_KE, IKE_KE_ECP384, 0, BOTH },
	{ "ecp521", IKE_XFORM_KE, IKE_KE_ECP521, 0, BOTH },
	{ "x25519", IKE_XFORM_KE, IKE_KE_CURVE25519, 0, BOTH },
	{ "curve25519", IKE_XFORM_KE, IKE_KE_CURVE25519, 0, BOTH },
	{ "x448", IKE_XFORM_KE, IKE_KE_CURVE448, 0, BOTH },
	{ "curve448", IKE_XFORM_KE, IKE_KE_CURVE448, 0, BOTH },
	{ "mlkem512", IKE_XFORM_KE, IKE_KE_ML_KEM_512, 0, BOTH },
	{ "mlkem768", IKE_XFORM_KE, IKE_KE_ML_KEM_768, 0, BOTH },
	{ "mlkem1024", IKE_XFORM_KE, IKE_KE_ML_KEM_1024, 0, BOTH },
	{ "esn", IKE_XFORM_ESN, IKE_ESN_YES, 0, ESP_ONLY },
	{ "noesn", IKE_XFORM_ESN, IKE_ESN_NO, 0, ESP_ONLY },
};

/* Known to ikecrypto / the codec but refused for ESP by the dataplane. */
static bool known_elsewhere(const struct xf_name *x, uint8_t protocol)
{
	return protocol == IKE_PROTO_ESP && x->where == IKE_ONLY;
}

static bool is_aead(uint16_t encr)
{
	return encr == IKE_ENCR_AES_GCM_16 || encr == IKE_ENCR_CHACHA20_POLY1305 ||
	       encr == IKE_ENCR_AES_GCM_16_IIV || encr == IKE_ENCR_CHACHA20_POLY1305_IIV;
}

void ike_proposal_strip(struct ike_proposal *p, uint8_t type)
{
	unsigned k = 0;

	for (unsigned i = 0; i < p->n; i++)
		if (p->xf[i].type != type)
			p->xf[k++] = p->xf[i];
	p->n = (uint8_t)k;
}

bool ike_proposal_has(const struct ike_proposal *p, uint8_t type, uint16_t id)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->xf[i].type == type && p->xf[i].id == id)
			return true;
	return false;
}

int ike_proposal_first(const struct ike_proposal *p, uint8_t type)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->xf[i].type == type)
			return p->xf[i].id;
	return -1;
}

static int add(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t key_len);

bool ike_xform_is_addke(uint8_t type)
{
	return type >= IKE_XFORM_ADDKE1 && type <= IKE_XFORM_ADDKE7;
}

bool ike_proposal_has_addke(const struct ike_proposal *p)
{
	for (unsigned i = 0; i < p->n; i++)
		if (ike_xform_is_addke(p->xf[i].type))
			return true;
	return false;
}

/* "ke1_" .. "ke7_": the ADDKE transform type, else 0. */
static int addke_token(const char *t, size_t len)
{
	if (len < 5 || t[0] != 'k' || t[1] != 'e' || t[2] < '1' || t[2] > '7' || t[3] != '_')
		return 0;
	return IKE_XFORM_ADDKE1 + (t[2] - '1');
}

static int addke_add(struct ike_proposal *p, int type, const char *m, size_t len)
{
	if (len == 4 && memcmp(m, "none", 4) == 0)
		return add(p, (uint8_t)type, IKE_KE_NONE, 0);
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == IKE_XFORM_KE && strlen(names[i].name) == len &&
		    memcmp(names[i].name, m, len) == 0)
			return add(p, (uint8_t)type, names[i].id, 0);
	return -EINVAL;
}

static int add(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t key_len)
{
	struct pld_transform *x;

	for (unsigned i = 0; i < p->n; i++)
		if (p->xf[i].type == type && p->xf[i].id == id && p->xf[i].key_len == key_len)
			return 0; /* duplicate token */
	if (p->n == IKE_PROP_XF_MAX)
		return -E2BIG;
	x = &p->xf[p->n++];
	*x = (struct pld_transform){ .type = type, .id = id, .key_len = key_len,
				     .flags = key_len != 0 ? PLD_XF_KEY_LENGTH : 0 };
	return 0;
}

int ike_proposal_parse(const char *s, uint8_t protocol, struct ike_proposal *p)
{
	uint8_t want = protocol == IKE_PROTO_IKE ? IKE_ONLY : ESP_ONLY;
	const char *t = s;
	int rc, encr, integ;

	memset(p, 0, sizeof(*p));
	p->protocol_id = protocol;
	if (protocol != IKE_PROTO_IKE && protocol != IKE_PROTO_ESP)
		return -EINVAL;
	while (*t != '\0') {
		size_t len = strcspn(t, "-");
		const struct xf_name *x = NULL;
		int addke = addke_token(t, len);

		if (addke != 0) {
			/* RFC 9370 §2.2.1: "keN_<method>" or "keN_none". */
			rc = addke_add(p, addke, t + 4, len - 4);
			if (rc != 0)
				return rc;
			t += len;
			if (*t == '-' && *++t == '\0')
				return -EINVAL;
			continue;
		}
		for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len && memcmp(names[i].name, t, len) == 0)
				x = &names[i];
		if (x == NULL)
			return -EINVAL;
		if (known_elsewhere(x, protocol))
			return -ENOTSUP;
		if (!(x->where & want))
			return -EINVAL;
		rc = add(p, x->type, x->id, x->key_len);
		if (rc != 0)
			return rc;
		t += len;
		if (*t == '-' && *++t == '\0')
			return -EINVAL; /* trailing '-' */
	}
	encr = ike_proposal_first(p, IKE_XFORM_ENCR);
	integ = ike_proposal_first(p, IKE_XFORM_INTEG);
	if (encr < 0)
		return -EINVAL;
	/* AEAD and non-AEAD ciphers cannot share a proposal (RFC 5282 §8). */
	for (unsigned i = 0; i < p->n; i++)
		if (p->xf[i].type == IKE_XFORM_ENCR && is_aead(p->xf[i].id) != is_aead((uint16_t)encr))
			return -EINVAL;
	/* RFC 9370 §2.2.4: additional key exchanges follow a KE (type 4). */
	if (ike_proposal_has_addke(p) && ike_proposal_first(p, IKE_XFORM_KE) < 0)
		return -EINVAL;
	if (protocol == IKE_PROTO_ESP) {
		/* RFC 7296 §3.3.3: ESP proposals carry the ESN transform. */
		if (ike_proposal_first(p, IKE_XFORM_ESN) < 0)
			rc = add(p, IKE_XFORM_ESN, IKE_ESN_NO, 0);
		return rc;
	}
	if (is_aead((uint16_t)encr) ? integ >= 0 : integ < 0)
		return -EINVAL;
	if (ike_proposal_first(p, IKE_XFORM_KE) < 0)
		return -EINVAL;
	if (ike_proposal_first(p, IKE_XFORM_PRF) < 0) {
		/* strongSwan's rule: the PRF follows the integrity algorithm. */
		uint16_t prf = integ == IKE_INTEG_HMAC_SHA2_384_192 ? IKE_PRF_HMAC_SHA2_384 :
			       integ == IKE_INTEG_HMAC_SHA2_512_256 ? IKE_PRF_HMAC_SHA2_512 :
								      IKE_PRF_HMAC_SHA2_256;
		rc = add(p, IKE_XFORM_PRF, prf, 0);
	}
	return rc;
}

int ike_proposals_parse(const char *s, uint8_t protocol, struct ike_proposal *p, unsigned max)
{
	char one[256];
	unsigned n = 0;

	while (*s != '\0') {
		size_t len = strcspn(s, ",");
		int rc;

		if (n == max)
			return -E2BIG;
		if (len == 0 || len >= sizeof(one))
			return -EINVAL;
		memcpy(one, s, len);
		one[len] = '\0';
		rc = ike_proposal_parse(one, protocol, &p[n]);
		if (rc != 0)
			return rc;
		n++;
		s += len;
		if (*s == ',' && *++s == '\0')
			return -EINVAL;
	}
	return n == 0 ? -EINVAL : (int)n;
}

static bool xf_eq(const struct pld_transform *a, const struct pld_transform *b)
{
	uint16_t ka = a->flags & PLD_XF_KEY_LENGTH ? a->key_len : 0;
	uint16_t kb = b->flags & PLD_XF_KEY_LENGTH ? b->key_len : 0;

	return a->type == b->type && a->id == b->id && ka == kb &&
	       !(a->flags & PLD_XF_UNACCEPTABLE) && !(b->flags & PLD_XF_UNACCEPTABLE);
}

static bool has_type(const struct pld_transform *x, unsigned n, uint8_t type)
{
	for (unsigned i = 0; i < n; i++)
		if (x[i].type == type)
			return true;
	return false;
}

static bool has_xf(const struct pld_transform *x, unsigned n, uint8_t type, uint16_t id)
{
	for (unsigned i = 0; i < n; i++)
		if (x[i].type == type && x[i].id == id && !(x[i].flags & PLD_XF_UNACCEPTABLE))
			return true;
	return false;
}

/*
 * RFC 9370 §2.2.1: for ADDKE types an omitted type means NONE, and the
 * choice holds no method twice (NONE aside). Ours in our order.
 */
static bool match_addke(const struct pld_proposal *peer, const struct ike_proposal *ours,
			uint8_t type, struct pld_proposal *out)
{
	bool mine = has_type(ours->xf, ours->n, type);
	bool theirs = has_type(peer->xf, peer->n_transforms, type);

	for (unsigned i = 0; i < ours->n; i++) {
		const struct pld_transform *o = &ours->xf[i];
		bool dup = false;

		if (o->type != type)
			continue;
		for (unsigned k = 0; k < out->n_transforms && o->id != IKE_KE_NONE; k++)
			dup |= ike_xform_is_addke(out->xf[k].type) && out->xf[k].id == o->id;
		if (dup)
			continue;
		if (theirs ? has_xf(peer->xf, peer->n_transforms, type, o->id) : o->id == IKE_KE_NONE) {
			if (theirs)
				out->xf[out->n_transforms++] = *o;
			return true;
		}
	}
	/* We did not list it: NONE, if the peer allows it. */
	if (!mine && (!theirs || has_xf(peer->xf, peer->n_transforms, type, IKE_KE_NONE))) {
		if (theirs)
			out->xf[out->n_transforms++] =
				(struct pld_transform){ .type = type, .id = IKE_KE_NONE };
		return true;
	}
	return false;
}

/* One transform per type from ours ∩ theirs, in our order; false if a
 * type either side uses has nothing in common. */
static bool match(const struct pld_proposal *peer, const struct ike_proposal *ours,
		  uint16_t prefer_ke, struct pld_proposal *out)
{
	out->n_transforms = 0;
	for (uint8_t type = 1; type <= IKE_XFORM_TYPE_MAX; type++) {
		const struct pld_transform *pick = NULL;
		bool mine = has_type(ours->xf, ours->n, type);
		bool theirs = has_type(peer->xf, peer->n_transforms, type);

		if (!mine && !theirs)
			continue;
		if (ike_xform_is_addke(type)) {
			if (!match_addke(peer, ours, type, out))
				return false;
			continue;
		}
		for (unsigned i = 0; i < ours->n; i++) {
			if (ours->xf[i].type != type)
				continue;
			for (unsigned j = 0; j < peer->n_transforms; j++) {
				if (!xf_eq(&ours->xf[i], &peer->xf[j]))
					continue;
				if (pick == NULL ||
				    (type == IKE_XFORM_KE && peer->xf[j].id == prefer_ke))
					pick = &peer->xf[j];
			}
		}
		if (pick == NULL)
			return false;
		out->xf[out->n_transforms++] = *pick;
	}
	return true;
}

static bool peer_has_addke(const struct pld_proposal *pp)
{
	for (unsigned j = 0; j < pp->n_transforms; j++)
		if (ike_xform_is_addke(pp->xf[j].type))
			return true;
	return false;
}

int ike_proposal_select(const struct pld_sa *peer, const struct ike_proposal *ours,
			unsigned n_ours, uint16_t prefer_ke, struct pld_proposal *out)
{
	return ike_proposal_select_mke(peer, ours, n_ours, prefer_ke, true, out);
}

int ike_proposal_select_mke(const struct pld_sa *peer, const struct ike_proposal *ours,
			    unsigned n_ours, uint16_t prefer_ke, bool addke_ok,
			    struct pld_proposal *out)
{
	for (unsigned o = 0; o < n_ours; o++)
		for (unsigned i = 0; i < peer->n_proposals; i++) {
			const struct pld_proposal *pp = &peer->prop[i];

			if (pp->protocol_id != ours[o].protocol_id)
				continue;
			/* RFC 9370 §2.2.1: without IKE_INTERMEDIATE, proposals with
			 * ADDKE types are skipped as holding unknown types. */
			if (!addke_ok && peer_has_addke(pp))
				continue;
			if (!match(pp, &ours[o], prefer_ke, out))
				continue;
			out->num = pp->num;
			out->protocol_id = pp->protocol_id;
			out->spi_size = pp->spi_size;
			memcpy(out->spi, pp->spi, sizeof(out->spi));
			return 0;
		}
	return -ENOENT;
}

void ike_proposals_to_sa(const struct ike_proposal *p, unsigned n, const uint8_t *spi,
			 uint8_t spi_size, struct pld_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	for (unsigned i = 0; i < n && i < IKE_MAX_PROPOSALS; i++) {
		struct pld_proposal *pp = &sa->prop[sa->n_proposals++];

		pp->num = (uint8_t)(i + 1); /* §3.3.1: first is 1 */
		pp->protocol_id = p[i].protocol_id;
		pp->spi_size = spi_size;
		if (spi_size != 0)
			memcpy(pp->spi, spi, spi_size);
		pp->n_transforms = p[i].n;
		memcpy(pp->xf, p[i].xf, p[i].n * sizeof(p[i].xf[0]));
	}
}

const struct pld_transform *ike_chosen_xf(const struct pld_proposal *p, uint8_t type)
{
	for (unsigned i = 0; i < p->n_transforms; i++)
		if (p->xf[i].type == type)
			return &p->xf[i];
	return NULL;
}

unsigned ike_chosen_addke(const struct pld_proposal *p, uint16_t out[IKE_ADDKE_MAX])
{
	unsigned n = 0;

	/* RFC 9370 §2.2.2, §2.2.4: in the order of their transform types. */
	for (uint8_t type = IKE_XFORM_ADDKE1; type <= IKE_XFORM_ADDKE7; type++) {
		const struct pld_transform *x = ike_chosen_xf(p, type);

		if (x != NULL && x->id != IKE_KE_NONE)
			out[n++] = x->id;
	}
	return n;
}
