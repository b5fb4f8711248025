/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic selector payloads TSi/TSr (RFC 7296 §3.13; TS_SECLABEL from
 * RFC 9478) and the configuration payload CP (RFC 7296 §3.15; RFC 8598):
 * parse and build.
 */
#include <errno.h>
#include <string.h>

#include "control/ike/payload.h"

/* --------------------------- TS (§3.13) -------------------------------- */

/* One selector; c spans its body after the 4-octet head (type, proto, len). */
static int ts_sel_parse(struct ike_cur *c, struct pld_ts_sel *s)
{
	size_t alen;

	switch (s->type) {
	case IKE_TS_IPV4_ADDR_RANGE:
		alen = 4;
		break;
	case IKE_TS_IPV6_ADDR_RANGE:
		alen = 16;
		break;
	case IKE_TS_SECLABEL:
		/* RFC 9478 §2.1, §2.2: an opaque label of at least one octet. */
		s->label = ike_cur_rest(c, &s->label_len);
		if (c->err != 0)
			return c->err;
		return s->label_len > 0 ? 0 : -ENOMSG;
	default:
		/* Unknown type: keep the raw body, the caller decides. */
		s->label = ike_cur_rest(c, &s->label_len);
		return c->err;
	}
	/* §3.13.1: Start Port (2) | End Port (2) | Starting | Ending Address. */
	s->start_port = ike_cur_u16(c);
	s->end_port = ike_cur_u16(c);
	(void)ike_cur_copy(c, s->start, alen);
	(void)ike_cur_copy(c, s->end, alen);
	/* The selector length must be exactly 16 (IPv4) or 40 (IPv6). */
	return ike_cur_done(c) == 0 ? 0 : -EBADMSG;
}

int pld_ts_parse(const uint8_t *body, size_t len, struct pld_ts *ts)
{
	struct ike_cur c;
	unsigned count;
	bool empty_label = false;

	ike_cur_init(&c, body, len);
	count = ike_cur_u8(&c);
	(void)ike_cur_skip(&c, 3); /* RESERVED */
	ts->n = 0;
	if (c.err != 0)
		return c.err;
	if (count > IKE_MAX_TS)
		return -E2BIG;
	for (unsigned i = 0; i < count; i++) {
		struct pld_ts_sel *s = &ts->ts[i];
		struct ike_cur sc;
		uint16_t slen;
		int rc;

		memset(s, 0, sizeof(*s));
		s->type = ike_cur_u8(&c);
		s->ip_protocol = ike_cur_u8(&c);
		slen = ike_cur_u16(&c);
		if (c.err != 0 || slen < sizeof(struct ike_wire_ts_head))
			return -EBADMSG;
		sc = ike_cur_sub(&c, slen - 4u);
		if (sc.err != 0)
			return -EBADMSG;
		rc = ts_sel_parse(&sc, s);
		if (rc == -ENOMSG)
			empty_label = true; /* finish the syntax check first */
		else if (rc != 0)
			return rc;
		ts->n = i + 1;
	}
	/* "Number of TSs" must account for the whole payload. */
	if (ike_cur_done(&c) != 0)
		return -EBADMSG;
	/* RFC 9478 §2.2: a zero-length label makes the whole payload ignored. */
	return empty_label ? -ENOMSG : 0;
}

int pld_ts_build(struct ike_buf *b, const struct pld_ts *ts)
{
	if (ts->n > IKE_MAX_TS)
		return -EINVAL;
	ike_buf_u8(b, (uint8_t)ts->n);
	ike_buf_zero(b, 3);
	for (unsigned i = 0; i < ts->n; i++) {
		const struct pld_ts_sel *s = &ts->ts[i];
		size_t alen = 0;

		switch (s->type) {
		case IKE_TS_IPV4_ADDR_RANGE:
			alen = 4;
			break;
		case IKE_TS_IPV6_ADDR_RANGE:
			alen = 16;
			break;
		case IKE_TS_SECLABEL:
			/* RFC 9478 §2.2: zero-length labels MUST NOT be sent. */
			if (s->label == NULL || s->label_len == 0 ||
			    s->label_len > UINT16_MAX - 4)
				return -EINVAL;
			ike_buf_u8(b, s->type);
			ike_buf_u8(b, 0); /* Reserved */
			ike_buf_u16(b, (uint16_t)(4 + s->label_len));
			ike_buf_bytes(b, s->label, s->label_len);
			continue;
		default:
			return -EINVAL;
		}
		ike_buf_u8(b, s->type);
		ike_buf_u8(b, s->ip_protocol);
		ike_buf_u16(b, (uint16_t)(8 + 2 * alen));
		ike_buf_u16(b, s->start_port);
		ike_buf_u16(b, s->end_port);
		ike_buf_bytes(b, s->start, alen);
		ike_buf_bytes(b, s->end, alen);
	}
	return b->err;
}

/* --------------------------- CP (§3.15) -------------------------------- */

/*
 * Value lengths of the attributes with a fixed format (§3.15.1; RFC 8598
 * §4): each may also be empty (a request for a value). -1: any length.
 */
static int cp_attr_fixed_len(uint16_t type)
{
	switch (type) {
	case IKE_CP_INTERNAL_IP4_ADDRESS:
	case IKE_CP_INTERNAL_IP4_NETMASK:
	case IKE_CP_INTERNAL_IP4_DNS:
	case IKE_CP_INTERNAL_IP4_NBNS:
	case IKE_CP_INTERNAL_IP4_DHCP:
		return 4;
	case IKE_CP_INTERNAL_IP4_SUBNET:
		return 8;   /* address + netmask */
	case IKE_CP_INTERNAL_IP6_DNS:
	case IKE_CP_INTERNAL_IP6_DHCP:
		return 16;
	case IKE_CP_INTERNAL_IP6_ADDRESS:
	case IKE_CP_INTERNAL_IP6_SUBNET:
		return 17;  /* address + prefix length */
	default:
		return -1;
	}
}

static bool cp_attr_len_ok(uint16_t type, size_t len)
{
	int fixed = cp_attr_fixed_len(type);

	if (len == 0)
		return true;
	if (fixed >= 0)
		return len == (size_t)fixed;
	/* RFC 8598 §4.2: Key Tag (2) | Alg (1) | Digest Type (1) | Digest (>= 1). */
	if (type == IKE_CP_INTERNAL_DNSSEC_TA)
		return len >= 5;
	/* §3.15.1: SUPPORTED_ATTRIBUTES is a list of 2-octet attribute types. */
	if (type == IKE_CP_SUPPORTED_ATTRIBUTES)
		return len % 2 == 0;
	return true;
}

int pld_cp_parse(const uint8_t *body, size_t len, struct pld_cp *cp)
{
	struct ike_cur c;

	ike_cur_init(&c, body, len);
	cp->cfg_type = ike_cur_u8(&c);
	(void)ike_cur_skip(&c, 3); /* RESERVED */
	cp->n = 0;
	if (c.err != 0)
		return c.err;
	while (ike_cur_left(&c) > 0) {
		struct pld_cp_attr *a;
		uint16_t type = ike_cur_u16(&c) & IKE_CP_ATTR_TYPE_MASK;
		uint16_t alen = ike_cur_u16(&c);
		const uint8_t *v = ike_cur_bytes(&c, alen);

		if (c.err != 0 || !cp_attr_len_ok(type, alen))
			return -EBADMSG;
		if (cp->n == IKE_MAX_CP_ATTRS)
			return -E2BIG;
		a = &cp->attr[cp->n++];
		a->type = type;
		a->len = alen;
		a->value = alen > 0 ? v : NULL;
	}
	return 0;
}

int pld_cp_build(struct ike_buf *b, const struct pld_cp *cp)
{
	if (cp->n > IKE_MAX_CP_ATTRS)
		return -EINVAL;
	ike_buf_u8(b, cp->cfg_type);
	ike_buf_zero(b, 3);
	for (unsigned i = 0; i < cp->n; i++) {
		const struct pld_cp_attr *a = &cp->attr[i];

		if (a->type > IKE_CP_ATTR_TYPE_MASK || !cp_attr_len_ok(a->type, a->len) ||
		    (a->len > 0 && a->value == NULL))
			return -EINVAL;
		ike_buf_u16(b, a->type); /* R bit clear */
		ike_buf_u16(b, a->len);
		ike_buf_bytes(b, a->value, a->len);
	}
	return b->err;
}

int pld_cp_dnssec_ta(const struct pld_cp_attr *a, struct pld_dnssec_ta *ta)
{
	struct ike_cur c;

	if (a->type != IKE_CP_INTERNAL_DNSSEC_TA)
		return -EINVAL;
	if (a->len == 0)
		return -ENODATA; /* the empty form (RFC 8598 §4.2) */
	ike_cur_init(&c, a->value, a->len);
	ta->key_tag = ike_cur_u16(&c);
	ta->alg = ike_cur_u8(&c);
	ta->digest_type = ike_cur_u8(&c);
	ta->digest = ike_cur_rest(&c, &ta->digest_len);
	if (c.err != 0 || ta->digest_len == 0)
		return -EBADMSG;
	return 0;
}
