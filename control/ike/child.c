/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Child SA plumbing shared by IKE_AUTH and CREATE_CHILD_SA: traffic
 * selectors and narrowing (RFC 7296 §2.9), ESP proposals, KEYMAT
 * (§2.17) and programming the dataplane through the driver (STYLE.md
 * rule 10), plus small payload helpers every exchange uses.
 */
#include <errno.h>
#include <string.h>

#include "control/ike/exchange.h"
#include "control/ike/keylog.h"

/* ------------------------- traffic selectors ---------------------------- */

static uint8_t ts_type(uint8_t family)
{
	return family == AF_INET6 ? IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE;
}

static unsigned alen(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

void ike_ts_to_pld(const struct ike_ts *ts, struct pld_ts *p)
{
	memset(p, 0, sizeof(*p));
	p->n = 1;
	p->ts[0].type = ts_type(ts->family);
	p->ts[0].ip_protocol = ts->proto;
	p->ts[0].start_port = ts->port_lo;
	p->ts[0].end_port = ts->port_hi;
	memcpy(p->ts[0].start, ts->start, alen(ts->family));
	memcpy(p->ts[0].end, ts->end, alen(ts->family));
}

int ike_add_ts_pair(struct ike_builder *mb, const struct ike_ts *tsi, const struct ike_ts *tsr)
{
	struct pld_ts ts;
	int rc;

	ike_ts_to_pld(tsi, &ts);
	rc = ike_msg_add_ts(mb, IKE_PLD_TSi, &ts);
	ike_ts_to_pld(tsr, &ts);
	return rc != 0 ? rc : ike_msg_add_ts(mb, IKE_PLD_TSr, &ts);
}

static int ts_from_sel(const struct pld_ts_sel *s, struct ike_ts *ts)
{
	if (s->type != IKE_TS_IPV4_ADDR_RANGE && s->type != IKE_TS_IPV6_ADDR_RANGE)
		return -ENOTSUP;
	memset(ts, 0, sizeof(*ts));
	ts->family = s->type == IKE_TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET;
	ts->proto = s->ip_protocol;
	ts->port_lo = s->start_port;
	ts->port_hi = s->end_port;
	memcpy(ts->start, s->start, alen(ts->family));
	memcpy(ts->end, s->end, alen(ts->family));
	return 0;
}

static int intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	unsigned n = alen(a->family);

	if (a->family != b->family)
		return -ENOENT;
	if (a->proto != 0 && b->proto != 0 && a->proto != b->proto)
		return -ENOENT;
	*out = *a;
	out->proto = a->proto != 0 ? a->proto : b->proto;
	out->port_lo = a->port_lo > b->port_lo ? a->port_lo : b->port_lo;
	out->port_hi = a->port_hi < b->port_hi ? a->port_hi : b->port_hi;
	/* Addresses are big-endian: memcmp orders them. */
	memcpy(out->start, memcmp(a->start, b->start, n) > 0 ? a->start : b->start, n);
	memcpy(out->end, memcmp(a->end, b->end, n) < 0 ? a->end : b->end, n);
	if (out->port_lo > out->port_hi || memcmp(out->start, out->end, n) > 0)
		return -ENOENT;
	return 0;
}

int ike_ts_narrow(const struct ike_ts *ours, const struct pld_ts *peer, struct ike_ts *out)
{
	for (unsigned i = 0; i < peer->n; i++) {
		struct ike_ts t;

		if (ts_from_sel(&peer->ts[i], &t) == 0 && intersect(ours, &t, out) == 0)
			return 0;
	}
	return -ENOENT;
}

bool ike_ts_within(const struct ike_ts *in, const struct ike_ts *outer)
{
	struct ike_ts x;

	return intersect(in, outer, &x) == 0 && memcmp(&x, in, sizeof(x)) == 0;
}

/* A range that is exactly one prefix (the dataplane matches prefixes). */
static int ts_prefix(const struct ike_ts *ts, uint8_t *addr, uint8_t *plen)
{
	unsigned n = alen(ts->family), bits = 0;
	bool host = true;

	for (unsigned i = 0; i < n; i++) {
		uint8_t diff = ts->start[i] ^ ts->end[i];

		for (int b = 7; b >= 0; b--) {
			bool d = diff & (1u << b);
			bool s0 = ts->start[i] & (1u << b);
			bool e1 = ts->end[i] & (1u << b);

			if (host && !d) {
				bits++;
				continue;
			}
			host = false;
			if (s0 || !e1)
				return -EINVAL; /* not a prefix */
		}
	}
	memcpy(addr, ts->start, n);
	*plen = (uint8_t)bits;
	return 0;
}

static int ts_sel(const struct ike_ts *src, const struct ike_ts *dst, struct spd_sel *sel)
{
	memset(sel, 0, sizeof(*sel));
	if (src->family != dst->family)
		return -EINVAL;
	sel->family = src->family;
	sel->proto = src->proto != 0 ? src->proto : dst->proto;
	sel->sport_lo = src->port_lo;
	sel->sport_hi = src->port_hi;
	sel->dport_lo = dst->port_lo;
	sel->dport_hi = dst->port_hi;
	if (ts_prefix(src, sel->src, &sel->src_len) != 0 ||
	    ts_prefix(dst, sel->dst, &sel->dst_len) != 0)
		return -EINVAL;
	return 0;
}

/* ------------------------------ ESP suite ------------------------------- */

int ike_esp_suite_from(const struct pld_proposal *p, struct ike_esp_suite *s)
{
	const struct pld_transform *enc = ike_chosen_xf(p, IKE_XFORM_ENCR);
	const struct pld_transform *esn = ike_chosen_xf(p, IKE_XFORM_ESN);
	const struct pld_transform *ke = ike_chosen_xf(p, IKE_XFORM_KE);

	memset(s, 0, sizeof(*s));
	if (enc == NULL || p->protocol_id != IKE_PROTO_ESP || p->spi_size != 4)
		return -EINVAL;
	s->encr = enc->id;
	s->key_bits = enc->flags & PLD_XF_KEY_LENGTH ? enc->key_len : 256;
	s->esn = esn != NULL ? esn->id : IKE_ESN_NO;
	s->ke = ke != NULL ? ke->id : 0;
	(void)ike_chosen_addke(p, s->addke); /* RFC 9370, for listings */
	return 0;
}

unsigned ike_esp_proposals(const struct ike_child_cfg *cc, bool with_ke,
			   struct ike_proposal *out)
{
	for (unsigned i = 0; i < cc->n_esp; i++) {
		out[i] = cc->esp[i];
		/* §1.2: IKE_AUTH has no KE payload, so no KE transforms, and
		 * no additional ones (RFC 9370 §2.2.3). */
		if (!with_ke)
			for (uint8_t t = IKE_XFORM_KE; t <= IKE_XFORM_ADDKE7; t++)
				if (t != IKE_XFORM_ESN)
					ike_proposal_strip(&out[i], t);
	}
	return cc->n_esp;
}

void ike_esp_sa_payload(const struct ike_child_cfg *cc, uint32_t spi_in, bool with_ke,
			struct pld_sa *sa)
{
	uint8_t spi[4] = { (uint8_t)(spi_in >> 24), (uint8_t)(spi_in >> 16),
			   (uint8_t)(spi_in >> 8), (uint8_t)spi_in };
	struct ike_proposal p[IKE_PROPS_MAX];
	unsigned n = ike_esp_proposals(cc, with_ke, p);

	ike_proposals_to_sa(p, n, spi, 4, sa);
}

uint32_t ike_spi32(const struct pld_proposal *p)
{
	return (uint32_t)p->spi[0] << 24 | (uint32_t)p->spi[1] << 16 |
	       (uint32_t)p->spi[2] << 8 | p->spi[3];
}

static int esp_cipher_of(const struct ike_esp_suite *s, enum esp_cipher *c, uint32_t *flags)
{
	*flags = s->esn == IKE_ESN_YES ? ESP_SA_F_ESN : 0;
	switch (s->encr) {
	case IKE_ENCR_AES_GCM_16_IIV:
		*flags |= ESP_SA_F_IIV;
		/* fall through */
	case IKE_ENCR_AES_GCM_16:
		if (s->key_bits != 128 && s->key_bits != 256)
			return -ENOTSUP;
		*c = s->key_bits == 128 ? ESP_CIPHER_AES128_GCM16 : ESP_CIPHER_AES256_GCM16;
		return 0;
	case IKE_ENCR_CHACHA20_POLY1305_IIV:
		*flags |= ESP_SA_F_IIV;
		/* fall through */
	case IKE_ENCR_CHACHA20_POLY1305:
		*c = ESP_CIPHER_CHACHA20_POLY1305;
		return 0;
	default:
		return -ENOTSUP;
	}
}

/* ------------------------------- install -------------------------------- */

int ike_child_install(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c,
		      const struct ike_sa *kx, bool exch_initiator, const uint8_t *gir,
		      size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		      size_t nr_len)
{
	const struct ike_child_cfg *cc = &sa->conn->child[c->cfg];
	struct esp_sa_params in = { 0 }, out = { 0 };
	uint8_t keymat[2 * (32 + ESP_SALT_LEN)];
	const uint8_t *k_ir, *k_ri;
	enum esp_cipher cipher;
	uint32_t flags;
	size_t klen;
	int rc;

	rc = esp_cipher_of(&c->suite, &cipher, &flags);
	if (rc != 0)
		goto out;
	klen = esp_cipher_key_len(cipher);
	/* §2.17: KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr); i->r keys first. */
	rc = ike_crypto_keymat(kx->suite.prf, ike_ppk_child_skd(kx), kx->keys.prf_len, gir, gir_len, ni,
			       ni_len, nr, nr_len, keymat, 2 * (klen + ESP_SALT_LEN));
	if (rc != 0)
		goto out;
	k_ir = keymat;
	k_ri = keymat + klen + ESP_SALT_LEN;

	in.mode = out.mode = c->transport ? ESP_MODE_TRANSPORT : ESP_MODE_TUNNEL;
	in.cipher = out.cipher = cipher;
	in.flags = out.flags = flags;
	in.local = out.local = sa->local.ip;
	in.remote = out.remote = sa->remote.ip;
	if (sa->nat_local || sa->nat_remote) {
		/* RFC 3948: ESP-in-UDP on the IKE ports (4500 after floating). */
		in.flags |= ESP_SA_F_NATT;
		out.flags |= ESP_SA_F_NATT;
		in.natt_sport = out.natt_sport = sa->local.port;
		in.natt_dport = out.natt_dport = sa->remote.port;
	}
	in.hard.seconds = out.hard.seconds = cc->lifetime_s;
	in.replay_window = cc->replay_window;
	in.owner = out.owner = c->worker;
	in.spi = c->spi_in;
	in.dir = ESP_DIR_IN;
	out.spi = c->spi_out;
	out.dir = ESP_DIR_OUT;
	/* "Initiator" is the exchange's: after a peer-initiated rekey or
	 * CREATE_CHILD_SA it need not be the IKE SA's original initiator. */
	memcpy(in.key, exch_initiator ? k_ri : k_ir, klen);
	memcpy(in.salt, (exch_initiator ? k_ri : k_ir) + klen, ESP_SALT_LEN);
	memcpy(out.key, exch_initiator ? k_ir : k_ri, klen);
	memcpy(out.salt, (exch_initiator ? k_ir : k_ri) + klen, ESP_SALT_LEN);
	/* Inbound: decapsulated packets go from the remote TS to the local. */
	rc = ts_sel(&c->ts_r, &c->ts_l, &in.sel);
	if (rc == 0)
		rc = ts_sel(&c->ts_l, &c->ts_r, &out.sel);
	if (rc != 0)
		goto out;
	/* Inbound first: the peer may use its outbound SA as soon as it has it. */
	rc = drv_sa_add(e->drv, &in);
	if (rc != 0)
		goto out;
	rc = drv_sa_add(e->drv, &out);
	if (rc != 0) {
		(void)drv_sa_del(e->drv, in.spi, ESP_DIR_IN);
		goto out;
	}
	ike_keylog_esp(e, &in);
	ike_keylog_esp(e, &out);
	c->installed = true;
	c->created_ms = ike_now(e);
	c->rekey_at_ms = cc->rekey_ms != 0 ? c->created_ms + cc->rekey_ms : 0;
	e->st.children_installed++;
out:
	explicit_bzero(keymat, sizeof(keymat));
	explicit_bzero(&in, sizeof(in));
	explicit_bzero(&out, sizeof(out));
	return rc;
}

int ike_child_policy_sel(const struct ike_child *c, struct spd_sel *sel)
{
	return ts_sel(&c->ts_l, &c->ts_r, sel);
}

int ike_child_take_policy(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c)
{
	struct ike_child *old = c->rekey_of >= 0 ? &sa->child[c->rekey_of] : NULL;
	struct drv_policy pol = { 0 };
	int rc;

	if (old != NULL && !old->owns_policy)
		old = NULL;
	pol.id = e->next_pol_id++;
	/* Lower first: the new policy wins over the one it replaces until
	 * that one is removed, so no packet sees a gap. */
	pol.priority = old != NULL ? old->pol_prio - 1 : 1u << 20;
	pol.action = SPD_PROTECT;
	pol.sa_spi = c->spi_out;
	ike_res_fill(sa, c, &pol);
	rc = ike_child_policy_sel(c, &pol.sel);
	if (rc == 0)
		rc = drv_policy_add(e->drv, &pol);
	if (rc != 0)
		return rc;
	c->pol_id = pol.id;
	c->pol_prio = pol.priority;
	c->owns_policy = true;
	if (old != NULL) {
		(void)drv_policy_del(e->drv, old->pol_id);
		old->owns_policy = false;
	}
	return 0;
}

void ike_child_remove(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c)
{
	int slot = ike_child_slot(sa, c);

	for (unsigned i = 0; i < IKE_CHILD_MAX; i++) {
		struct ike_child *n = &sa->child[i];

		if (n == c || n->state == IKE_CHILD_FREE || n->rekey_of != slot)
			continue;
		/* Make-before-break: the successor takes the traffic first. */
		if (c->owns_policy && n->installed && !n->owns_policy)
			(void)ike_child_take_policy(e, sa, n);
		n->res_sends |= c->res_sends && n->installed && !n->owns_policy;
		n->rekey_of = -1;
	}
	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		if (sa->child[i].replaced_by == slot)
			sa->child[i].replaced_by = -1;
	if (c->owns_policy)
		(void)drv_policy_del(e->drv, c->pol_id);
	if (c->installed) {
		(void)drv_sa_del(e->drv, c->spi_in, ESP_DIR_IN);
		(void)drv_sa_del(e->drv, c->spi_out, ESP_DIR_OUT);
		e->st.children_deleted++;
	}
	bool res = c->per_resource && c->installed;

	free(c->nonce_min);
	c->nonce_min = NULL;
	c->nonce_min_len = 0;
	c->owns_policy = false;
	c->res_sends = false;
	c->installed = false;
	(void)ike_child_set_state(e, sa, c, IKE_CHILD_FREE);
	if (res)
		ike_res_sync(e, sa, c->cfg);
}

int ike_nonce_cmp(const uint8_t *a, size_t alen_, const uint8_t *b, size_t blen)
{
	size_t n = alen_ < blen ? alen_ : blen;
	int r = n != 0 ? memcmp(a, b, n) : 0;

	return r != 0 ? r : (alen_ > blen) - (alen_ < blen);
}

void ike_nonce_min(struct ike_child *c, const uint8_t *a, size_t alen_, const uint8_t *b,
		   size_t blen)
{
	bool first = ike_nonce_cmp(a, alen_, b, blen) <= 0;

	/* out of memory: no nonce, which compares lowest */
	if (ike_sa_keep(&c->nonce_min, &c->nonce_min_len, first ? a : b,
			first ? alen_ : blen) != 0) {
		free(c->nonce_min);
		c->nonce_min = NULL;
		c->nonce_min_len = 0;
	}
}

/* ---------------------------- payload helpers --------------------------- */

int ike_add_mode(struct ike_builder *mb, const struct ike_child *c)
{
	if (!c->transport)
		return 0;
	return ike_add_notify(mb, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0, NULL, 0);
}

bool ike_wants_transport(const struct ike_msg *m)
{
	struct pld_notify n;

	return ike_msg_find_notify(m, IKE_N_USE_TRANSPORT_MODE, &n) == 0;
}

int ike_add_nonce(struct ike_builder *mb, const uint8_t *n, size_t len)
{
	struct pld_nonce p = { .data = n, .len = len };

	return ike_msg_add_nonce(mb, &p);
}

int ike_add_notify(struct ike_builder *mb, uint8_t proto, uint16_t type, const uint8_t *spi,
		   uint8_t spi_size, const void *data, size_t len)
{
	struct pld_notify n = { .protocol_id = proto, .spi_size = spi_size, .type = type,
				.spi = spi, .data = data, .len = len };

	return ike_msg_add_notify(mb, &n);
}

static const struct ike_pld_ref *find(const struct ike_msg *m, uint8_t type)
{
	return ike_msg_find(m, type);
}

int ike_get_nonce(const struct ike_msg *m, struct pld_nonce *n)
{
	const struct ike_pld_ref *r = find(m, IKE_PLD_NONCE);

	return r == NULL ? -ENOENT : pld_nonce_parse(r->body, r->body_len, n);
}

int ike_get_sa(const struct ike_msg *m, struct pld_sa *sa)
{
	const struct ike_pld_ref *r = find(m, IKE_PLD_SA);

	return r == NULL ? -ENOENT : pld_sa_parse(r->body, r->body_len, sa);
}

int ike_get_ke(const struct ike_msg *m, struct pld_ke *ke)
{
	const struct ike_pld_ref *r = find(m, IKE_PLD_KE);

	return r == NULL ? -ENOENT : pld_ke_parse(r->body, r->body_len, ke);
}

int ike_get_ts(const struct ike_msg *m, uint8_t type, struct pld_ts *ts)
{
	const struct ike_pld_ref *r = find(m, type);

	return r == NULL ? -ENOENT : pld_ts_parse(r->body, r->body_len, ts);
}

uint16_t ike_error_notify(const struct ike_msg *m)
{
	struct pld_notify n;
	unsigned it = 0;

	while (ike_msg_notify_next(m, &it, &n) == 1)
		if (pld_notify_is_error(&n))
			return n.type;
	return 0;
}
