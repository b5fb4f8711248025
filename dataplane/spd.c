/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SPD selectors (RFC 4301 §4.4.1): matching, first-match lookup, and the
 * extraction of a packet's selector key, bounds-checked against the octets
 * actually present.
 */
#include <assert.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_byteorder.h>

#include "dataplane/addr.h"
#include "dataplane/esp.h"
#include "dataplane/spd.h"

enum {
	SPD_IPPROTO_SCTP = 132,
	SPD_IPPROTO_HOPOPTS = 0,
	SPD_IPPROTO_ROUTING = 43,
	SPD_IPPROTO_FRAGMENT = 44,
	SPD_IPPROTO_AH = 51,
	SPD_IPPROTO_DSTOPTS = 60,
	SPD_IPV4_HDR_MIN = 20,
	SPD_IPV6_HDR = 40,
	SPD_IPV6_EXT_MAX = 8,   /* bound on the extension header walk */
	SPD_IPV4_MF_OFF_MASK = 0x1fff,
	SPD_IPV6_FRAG_OFF_MASK = 0xfff8,
};

static_assert(ESP_IPPROTO_TCP == 6 && ESP_IPPROTO_UDP == 17 && SPD_IPPROTO_SCTP == 132,
	      "spd_has_ports() knows TCP, UDP and SCTP by number");

static bool spd_proto_has_ports(uint8_t proto)
{
	return spd_has_ports(proto);
}

bool spd_sel_match(const struct spd_sel *sel, const struct spd_key *k)
{
	/* RFC 9478 §1: labels match exactly; 0 (unlabeled) is a label too. */
	if (sel->label != SPD_LABEL_ANY && sel->label != k->label)
		return false;
	if (sel->family != 0) {
		if (sel->family != k->family)
			return false;
		if (!esp_prefix_match_af(k->src, sel->src, sel->src_len, k->family) ||
		    !esp_prefix_match_af(k->dst, sel->dst, sel->dst_len, k->family))
			return false;
	}
	if (sel->proto != 0 && sel->proto != k->proto)
		return false;
	return spd_ports_match(sel, k);
}

static uint16_t spd_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

bool spd_ports_match(const struct spd_sel *sel, const struct spd_key *k)
{
	bool sany = spd_port_any(sel->sport_lo, sel->sport_hi);
	bool dany = spd_port_any(sel->dport_lo, sel->dport_hi);
	if (sany && dany)
		return true;
	/* RFC 4301 §4.4.1.1: a packet without ports (other protocols, or
	 * the OPAQUE ports of a non-first fragment) matches only selectors
	 * whose ports are ANY, even a range that holds 0. */
	if (!spd_proto_has_ports(k->proto) || k->opaque)
		return false;
	if (!sany && (k->sport < sel->sport_lo || k->sport > sel->sport_hi))
		return false;
	if (!dany && (k->dport < sel->dport_lo || k->dport > sel->dport_hi))
		return false;
	return true;
}

const struct spd_rule *spd_lookup_ip4_from(const struct spd *spd, const struct spd_rule *r,
					   const uint8_t *ip, uint16_t label)
{
	uint32_t src, dst, pl = spd_pl4(ip[9], true, label), hl = (uint32_t)(ip[0] & 0x0f) * 4;
	/* the caller ruled out a truncated header; a non-first fragment's
	 * ports are OPAQUE: ranges never match them */
	bool ports = spd_has_ports(ip[9]) && (spd_be16(ip + 6) & SPD_IPV4_MF_OFF_MASK) == 0;
	struct spd_key k = { .proto = ip[9], .sport = ports ? spd_be16(ip + hl) : 0,
			     .dport = ports ? spd_be16(ip + hl + 2) : 0, .opaque = !ports };

	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	for (const struct spd_rule *end = spd->rules + spd->n; r < end; r++)
		if (spd_miss4(&r->m, src, dst, pl) == 0 &&
		    (r->m.ports_any || spd_ports_match(&r->sel, &k)))
			return r;
	return NULL;
}

/* The first word of struct spd_key, as spd_match.hv/hm see it. */
static_assert(offsetof(struct spd_key, family) == 0 && offsetof(struct spd_key, proto) == 1 &&
	      offsetof(struct spd_key, label) == 2, "spd_key starts family, proto, label");

/* A prefix of @p plen bits over @p len octets as two masks in memory order. */
static void spd_prefix_mask(uint64_t m[2], unsigned plen, unsigned len)
{
	spd_mask128(plen < len * 8 ? plen : len * 8, m);
}

static void spd_match_compile(struct spd_match *m, const struct spd_sel *sel)
{
	struct spd_key v = { .family = sel->family, .proto = sel->proto, .label = sel->label };
	struct spd_key mk = { .family = sel->family ? 0xff : 0, .proto = sel->proto ? 0xff : 0,
			      .label = sel->label == SPD_LABEL_ANY ? 0 : 0xffff };

	memset(m, 0, sizeof(*m));
	memcpy(&m->hv, &v, 4);
	memcpy(&m->hm, &mk, 4);
	if (sel->family != 0) {
		unsigned len = esp_addr_len(sel->family);

		spd_prefix_mask(m->src_m, sel->src_len, len);
		spd_prefix_mask(m->dst_m, sel->dst_len, len);
		memcpy(m->src, sel->src, 16);
		memcpy(m->dst, sel->dst, 16);
		for (int i = 0; i < 2; i++) {
			m->src[i] &= m->src_m[i];
			m->dst[i] &= m->dst_m[i];
		}
	}
	m->ports_any = spd_port_any(sel->sport_lo, sel->sport_hi) &&
		       spd_port_any(sel->dport_lo, sel->dport_hi);

	/* IPv4 in place: the addresses are the first 4 octets of each
	 * 16-octet value and mask, already in memory order. */
	if (sel->family == AF_INET) {
		memcpy(&m->src4, m->src, 4);
		memcpy(&m->src4_m, m->src_m, 4);
		memcpy(&m->dst4, m->dst, 4);
		memcpy(&m->dst4_m, m->dst_m, 4);
	}
	m->pl4 = spd_pl4(sel->proto, sel->family != AF_INET6, sel->label);
	m->pl4_m = spd_pl4(sel->proto ? 0xff : 0, sel->family != 0,
			   sel->label == SPD_LABEL_ANY ? 0 : 0xffff);
}

void spd_compile(struct spd *spd)
{
	for (uint32_t i = 0; i < spd->n; i++)
		spd_match_compile(&spd->rules[i].m, &spd->rules[i].sel);
	spd->compiled = 1;
}

const struct spd_rule *spd_lookup(const struct spd *spd, const struct spd_key *k)
{
	uint64_t s[2], d[2];
	uint32_t h;

	if (spd == NULL)
		return NULL;
	/* RFC 4301 §4.4.1: ordered, the first matching entry wins. */
	if (!spd->compiled) {
		for (uint32_t i = 0; i < spd->n; i++)
			if (spd_sel_match(&spd->rules[i].sel, k))
				return &spd->rules[i];
		return NULL;
	}
	memcpy(&h, k, 4);
	memcpy(s, k->src, 16);
	memcpy(d, k->dst, 16);
	for (uint32_t i = 0; i < spd->n; i++) {
		const struct spd_rule *r = &spd->rules[i];

		if (spd_miss(&r->m, h, s, d) == 0 &&
		    (r->m.ports_any || spd_ports_match(&r->sel, k)))
			return r;
	}
	return NULL;
}



/* Ports of a first fragment or whole packet: the L4 header must hold them. */
static int spd_key_ports(struct spd_key *k, const uint8_t *l4, uint32_t avail)
{
	if (!spd_proto_has_ports(k->proto))
		return 0;
	if (avail < 4)
		return -1;
	k->sport = spd_be16(l4);
	k->dport = spd_be16(l4 + 2);
	return 0;
}

static int spd_key_v4(struct spd_key *k, const uint8_t *p, uint32_t len)
{
	if (len < SPD_IPV4_HDR_MIN)
		return -1;
	uint32_t hl = (uint32_t)(p[0] & 0x0f) * 4;
	uint32_t tot = spd_be16(p + 2);

	if (hl < SPD_IPV4_HDR_MIN || tot < hl || tot > len)
		return -1;
	k->family = AF_INET;
	k->proto = p[9];
	memcpy(k->src, p + 12, 4);
	memcpy(k->dst, p + 16, 4);
	/* RFC 4301 §4.4.1.1: non-first fragments carry no ports (OPAQUE). */
	if ((spd_be16(p + 6) & SPD_IPV4_MF_OFF_MASK) != 0) {
		k->opaque = true;
		return 0;
	}
	return spd_key_ports(k, p + hl, tot - hl);
}

static int spd_key_v6(struct spd_key *k, const uint8_t *p, uint32_t len)
{
	if (len < SPD_IPV6_HDR)
		return -1;
	uint32_t end = SPD_IPV6_HDR + spd_be16(p + 4);
	if (end > len)
		return -1;     /* also rejects jumbograms (length 0 is fine) */
	k->family = AF_INET6;
	memcpy(k->src, p + 8, 16);
	memcpy(k->dst, p + 24, 16);

	uint8_t nh = p[6];
	uint32_t off = SPD_IPV6_HDR;
	bool nonfirst = false;
	int i;

	/* RFC 8200 §4: walk the extension headers, a bounded number of
	 * them, to the upper-layer protocol. */
	for (i = 0; i < SPD_IPV6_EXT_MAX; i++) {
		/* the headers spd_ip6_ext() names */
		if (nh == SPD_IPPROTO_HOPOPTS || nh == SPD_IPPROTO_ROUTING ||
		    nh == SPD_IPPROTO_DSTOPTS) {
			if (end - off < 2)
				return -1;
			uint32_t elen = ((uint32_t)p[off + 1] + 1) * 8;
			if (end - off < elen)
				return -1;
			nh = p[off];
			off += elen;
		} else if (nh == SPD_IPPROTO_FRAGMENT) {
			if (end - off < 8)
				return -1;
			if ((spd_be16(p + off + 2) & SPD_IPV6_FRAG_OFF_MASK) != 0)
				nonfirst = true;
			nh = p[off];
			off += 8;
			if (nonfirst)
				break;   /* what follows is not a header */
		} else if (nh == SPD_IPPROTO_AH) {
			/* RFC 4302 §2.2: Payload Len is in 4-octet units - 2. */
			if (end - off < 2)
				return -1;
			uint32_t elen = ((uint32_t)p[off + 1] + 2) * 4;
			if (end - off < elen)
				return -1;
			nh = p[off];
			off += elen;
		} else {
			break;
		}
	}
	if (i == SPD_IPV6_EXT_MAX)
		return -1;
	k->proto = nh;
	k->opaque = nonfirst;
	if (nonfirst)
		return 0;
	return spd_key_ports(k, p + off, end - off);
}

int spd_key_from_ip(struct spd_key *k, const uint8_t *l3, uint32_t len, uint16_t label)
{
	memset(k, 0, sizeof(*k));
	k->label = label;
	if (len < 1)
		return -1;
	switch (l3[0] >> 4) {
	case 4:
		return spd_key_v4(k, l3, len);
	case 6:
		return spd_key_v6(k, l3, len);
	default:
		return -1;
	}
}

void spd_sel_any(struct spd_sel *sel, uint8_t family)
{
	memset(sel, 0, sizeof(*sel));
	sel->family = family;
	sel->sport_hi = UINT16_MAX;
	sel->dport_hi = UINT16_MAX;
	sel->label = SPD_LABEL_ANY;
}
