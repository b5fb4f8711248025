/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SA payload (RFC 7296 §3.3) and KE payload (RFC 7296 §3.4): parse and
 * build.
 */
#include <errno.h>
#include <string.h>

#include "control/ike/payload.h"

/*
 * Transform attributes (RFC 7296 §3.3.5). Only Key Length (14, TV) is
 * understood. Anything else marks the transform unacceptable (§3.3.6)
 * without failing the payload, so that newer peers still negotiate.
 */
static int xf_attrs_parse(struct ike_cur *c, struct pld_transform *xf)
{
	while (ike_cur_left(c) > 0) {
		uint16_t af_type = ike_cur_u16(c);
		uint16_t v = ike_cur_u16(c);

		if (c->err != 0)
			return c->err;
		if (!(af_type & IKE_ATTR_AF)) {
			/* TLV: the value follows; Key Length MUST NOT be TLV. */
			if (ike_cur_skip(c, v) != 0)
				return c->err;
			xf->flags |= PLD_XF_UNACCEPTABLE;
			continue;
		}
		if ((af_type & IKE_ATTR_TYPE_MASK) == IKE_ATTR_KEY_LENGTH &&
		    !(xf->flags & PLD_XF_KEY_LENGTH)) {
			xf->flags |= PLD_XF_KEY_LENGTH;
			xf->key_len = v;
		} else {
			xf->flags |= PLD_XF_UNACCEPTABLE;
		}
	}
	return c->err;
}

/* One proposal (§3.3.1) after its 4-octet head; c spans the rest of it. */
static int proposal_parse(struct ike_cur *c, struct pld_proposal *p)
{
	unsigned n = 0;
	uint8_t last = IKE_SUBSTRUC_TRANSFORM;

	p->num = ike_cur_u8(c);
	p->protocol_id = ike_cur_u8(c);
	p->spi_size = ike_cur_u8(c);
	p->n_transforms = ike_cur_u8(c);
	if (c->err != 0)
		return c->err;
	if (p->spi_size > IKE_MAX_SPI_SIZE)
		return -EBADMSG;
	memset(p->spi, 0, sizeof(p->spi));
	if (ike_cur_copy(c, p->spi, p->spi_size) != 0)
		return c->err;

	while (ike_cur_left(c) > 0) {
		struct pld_transform *xf;
		struct ike_cur xc;
		uint16_t xlen;

		/* The previous transform said it was the last one. */
		if (last != IKE_SUBSTRUC_TRANSFORM)
			return -EBADMSG;
		last = ike_cur_u8(c);
		(void)ike_cur_u8(c); /* RESERVED */
		xlen = ike_cur_u16(c);
		if (c->err != 0)
			return c->err;
		if (last != IKE_SUBSTRUC_LAST && last != IKE_SUBSTRUC_TRANSFORM)
			return -EBADMSG;
		if (xlen < sizeof(struct ike_wire_transform))
			return -EBADMSG;
		xc = ike_cur_sub(c, xlen - 4u);
		if (xc.err != 0)
			return xc.err;
		if (n == IKE_MAX_TRANSFORMS)
			return -E2BIG;
		xf = &p->xf[n++];
		memset(xf, 0, sizeof(*xf));
		xf->type = ike_cur_u8(&xc);
		(void)ike_cur_u8(&xc); /* RESERVED */
		xf->id = ike_cur_u16(&xc);
		if (xf_attrs_parse(&xc, xf) != 0)
			return -EBADMSG;
	}
	/* "Num Transforms" must match, and the last one must say so. */
	if (n != p->n_transforms || (n > 0 && last != IKE_SUBSTRUC_LAST))
		return -EBADMSG;
	return 0;
}

int pld_sa_parse(const uint8_t *body, size_t len, struct pld_sa *sa)
{
	struct ike_cur c;
	uint8_t last = IKE_SUBSTRUC_PROPOSAL;
	int rc;

	ike_cur_init(&c, body, len);
	sa->n_proposals = 0;
	while (ike_cur_left(&c) > 0) {
		struct ike_cur pc;
		uint16_t plen;

		if (last != IKE_SUBSTRUC_PROPOSAL)
			return -EBADMSG; /* data after the proposal marked last */
		last = ike_cur_u8(&c);
		(void)ike_cur_u8(&c); /* RESERVED */
		plen = ike_cur_u16(&c);
		if (c.err != 0)
			return c.err;
		if (last != IKE_SUBSTRUC_LAST && last != IKE_SUBSTRUC_PROPOSAL)
			return -EBADMSG;
		if (plen < sizeof(struct ike_wire_proposal))
			return -EBADMSG;
		pc = ike_cur_sub(&c, plen - 4u);
		if (pc.err != 0)
			return pc.err;
		if (sa->n_proposals == IKE_MAX_PROPOSALS)
			return -E2BIG;
		rc = proposal_parse(&pc, &sa->prop[sa->n_proposals]);
		if (rc != 0)
			return rc;
		sa->n_proposals++;
	}
	/* §3.3: at least one proposal, and the final one marked last. */
	if (sa->n_proposals == 0 || last != IKE_SUBSTRUC_LAST)
		return -EBADMSG;
	return 0;
}

int pld_sa_build(struct ike_buf *b, const struct pld_sa *sa)
{
	if (sa->n_proposals == 0 || sa->n_proposals > IKE_MAX_PROPOSALS)
		return -EINVAL;
	for (unsigned i = 0; i < sa->n_proposals; i++) {
		const struct pld_proposal *p = &sa->prop[i];
		size_t pstart = b->len, plen_at;

		if (p->spi_size > IKE_MAX_SPI_SIZE || p->n_transforms > IKE_MAX_TRANSFORMS)
			return -EINVAL;
		ike_buf_u8(b, i + 1 == sa->n_proposals ? IKE_SUBSTRUC_LAST : IKE_SUBSTRUC_PROPOSAL);
		ike_buf_u8(b, 0);
		plen_at = ike_buf_reserve16(b);
		ike_buf_u8(b, p->num);
		ike_buf_u8(b, p->protocol_id);
		ike_buf_u8(b, p->spi_size);
		ike_buf_u8(b, p->n_transforms);
		ike_buf_bytes(b, p->spi, p->spi_size);
		for (unsigned j = 0; j < p->n_transforms; j++) {
			const struct pld_transform *xf = &p->xf[j];
			bool kl = xf->flags & PLD_XF_KEY_LENGTH;

			ike_buf_u8(b, j + 1 == p->n_transforms ? IKE_SUBSTRUC_LAST
							       : IKE_SUBSTRUC_TRANSFORM);
			ike_buf_u8(b, 0);
			ike_buf_u16(b, kl ? 12 : 8);
			ike_buf_u8(b, xf->type);
			ike_buf_u8(b, 0);
			ike_buf_u16(b, xf->id);
			if (kl) {
				ike_buf_u16(b, IKE_ATTR_AF | IKE_ATTR_KEY_LENGTH);
				ike_buf_u16(b, xf->key_len);
			}
		}
		ike_buf_patch_len16(b, plen_at, pstart);
	}
	return b->err;
}

/* KE (§3.4): Group Num (2) | RESERVED (2) | Key Exchange Data. */
int pld_ke_parse(const uint8_t *body, size_t len, struct pld_ke *ke)
{
	struct ike_cur c;

	ike_cur_init(&c, body, len);
	ke->method = ike_cur_u16(&c);
	(void)ike_cur_u16(&c); /* RESERVED */
	ke->data = ike_cur_rest(&c, &ke->len);
	if (c.err != 0 || ke->len == 0)
		return -EBADMSG;
	return 0;
}

int pld_ke_build(struct ike_buf *b, const struct pld_ke *ke)
{
	if (ke->len == 0 || ke->data == NULL)
		return -EINVAL;
	ike_buf_u16(b, ke->method);
	ike_buf_u16(b, 0);
	ike_buf_bytes(b, ke->data, ke->len);
	return b->err;
}
