/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SPD selectors (RFC 4301 §4.4.1): matching, first-match lookup, and the
 * extraction of a packet's selector key, bounds-checked against the octets
 * actually present.
 */
#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
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

/* The ports of the validated IPv4 header at @p ip, not spd_ip4_short(),
 * as spd_ports_match() reads them from a key: a non-first fragment's are
 * OPAQUE, so ranges never match them. */
static void spd_key_ports4(struct spd_key *k, const uint8_t *ip)
{
	uint32_t hl = (uint32_t)(ip[0] & 0x0f) * 4;
	bool ports = spd_has_ports(ip[9]) && (spd_be16(ip + 6) & SPD_IPV4_MF_OFF_MASK) == 0;

	*k = (struct spd_key){ .proto = ip[9], .sport = ports ? spd_be16(ip + hl) : 0,
			       .dport = ports ? spd_be16(ip + hl + 2) : 0, .opaque = !ports };
}

const struct spd_rule *spd_lookup_ip4_from(const struct spd *spd, const struct spd_rule *r,
					   const uint8_t *ip, uint16_t label)
{
	uint32_t src, dst, pl = spd_pl4(ip[9], true, label);
	struct spd_key k;

	spd_key_ports4(&k, ip);
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

/* The group of empty prefixes: rules of both families and the overflow. */
enum { SPD_TUPLE_EMPTY = 0 };

/* A rule's pair of prefix lengths in an index of @p bits-bit addresses
 * (lengths 0..bits), as one number; a rule of both families has empty
 * prefixes (its addresses are not compared). */
static uint32_t spd_tuple(const struct spd_sel *sel, unsigned bits)
{
	if (sel->family == 0)
		return SPD_TUPLE_EMPTY;
	return RTE_MIN(sel->src_len, bits) * (bits + 1) + RTE_MIN(sel->dst_len, bits);
}

/* The bucket of addresses @p s, @p d (as spd_miss() reads them) in group
 * @p g: both masked by the group's prefixes, then hashed. */
static inline uint32_t spd_bucket(const struct spd_index *ix, const struct spd_group *g,
				  const uint64_t s[2], const uint64_t d[2])
{
	uint32_t h = rte_hash_crc_8byte(s[0] & g->src_m[0], g->seed);

	h = rte_hash_crc_8byte(d[0] & g->dst_m[0], h);
	h = rte_hash_crc_8byte(s[1] & g->src_m[1], h);
	return rte_hash_crc_8byte(d[1] & g->dst_m[1], h) & ix->mask;
}

static int spd_tuple_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;   /* count << 32 | tuple, most first */

	return *x < *y ? 1 : *x > *y ? -1 : 0;
}

static int spd_group_cmp(const void *a, const void *b)
{
	const struct spd_group *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * Pick the groups of an index of @p bits-bit addresses from @p count
 * (rules per tuple, @p n_tuples of them): every tuple that has rules, or
 * the SPD_GROUPS_MAX - 1 with most and the empty one. Fills @p ix's groups
 * (masks, seed) and @p gid (a group per tuple). -1 without memory.
 */
static int spd_index_groups(struct spd_index *ix, const uint32_t *count, uint32_t n_tuples,
			    unsigned bits, int16_t *gid)
{
	uint64_t *used = malloc(n_tuples * sizeof(*used));
	uint32_t n_used = 0;

	if (used == NULL)
		return -1;
	for (uint32_t t = 0; t < n_tuples; t++)
		if (count[t] != 0)
			used[n_used++] = (uint64_t)count[t] << 32 | t;
	if (n_used > SPD_GROUPS_MAX) {
		qsort(used, n_used, sizeof(*used), spd_tuple_cmp);
		n_used = SPD_GROUPS_MAX - 1;
		used[n_used++] = SPD_TUPLE_EMPTY;   /* perhaps twice: harmless */
	}
	memset(gid, -1, n_tuples * sizeof(*gid));
	for (uint32_t i = 0; i < n_used; i++) {
		uint32_t t = (uint32_t)used[i];
		struct spd_group *g = &ix->group[ix->n_groups];

		if (gid[t] >= 0)
			continue;
		gid[t] = (int16_t)ix->n_groups++;
		spd_prefix_mask(g->src_m, t / (bits + 1), bits / 8);
		spd_prefix_mask(g->dst_m, t % (bits + 1), bits / 8);
		g->seed = t * 0x9e3779b9u;
		g->first = UINT32_MAX;
	}
	for (uint32_t t = 0; t < n_tuples; t++)
		if (count[t] != 0 && gid[t] < 0)
			gid[t] = gid[SPD_TUPLE_EMPTY];
	free(used);
	return 0;
}

/* The index of @p spd's rules that a packet of @p family can match, or
 * NULL without memory. One allocation: the index, its buckets, its rules. */
static struct spd_index *spd_index_build(const struct spd *spd, uint8_t family)
{
	unsigned bits = family == AF_INET ? 32 : 128;
	uint32_t n_tuples = (bits + 1) * (bits + 1), n = 0, buckets = 64;
	uint32_t *count = calloc(n_tuples, sizeof(*count));
	int16_t *gid = malloc(n_tuples * sizeof(*gid));
	uint32_t *rule_bucket = malloc(spd->n * sizeof(*rule_bucket));
	struct spd_index *ix = NULL;

	if (count == NULL || gid == NULL || rule_bucket == NULL)
		goto out;
	for (uint32_t i = 0; i < spd->n; i++) {
		const struct spd_sel *sel = &spd->rules[i].sel;

		if (sel->family == 0 || sel->family == family) {
			count[spd_tuple(sel, bits)]++;
			n++;
		}
	}
	while (buckets < 2 * n)
		buckets *= 2;
	ix = calloc(1, sizeof(*ix) + (buckets + 1 + n) * sizeof(uint32_t));
	if (ix == NULL || spd_index_groups(ix, count, n_tuples, bits, gid) < 0)
		goto fail;
	ix->mask = buckets - 1;

	uint32_t *start = (uint32_t *)(ix + 1), *idx = start + buckets + 1;

	/* count each bucket's rules, sum them up to each bucket's end, then
	 * place the rules from the last, so each bucket's are in order and
	 * start[b] ends up at its first */
	for (uint32_t i = 0; i < spd->n; i++) {
		const struct spd_rule *r = &spd->rules[i];

		rule_bucket[i] = UINT32_MAX;
		if (r->sel.family != 0 && r->sel.family != family)
			continue;
		struct spd_group *g = &ix->group[gid[spd_tuple(&r->sel, bits)]];

		g->first = RTE_MIN(g->first, i);
		rule_bucket[i] = spd_bucket(ix, g, r->m.src, r->m.dst);
		start[rule_bucket[i]]++;
	}
	for (uint32_t b = 1; b < buckets; b++)
		start[b] += start[b - 1];
	start[buckets] = n;
	for (uint32_t i = spd->n; i-- > 0;)
		if (rule_bucket[i] != UINT32_MAX)
			idx[--start[rule_bucket[i]]] = i;
	ix->start = start;
	ix->idx = idx;
	qsort(ix->group, ix->n_groups, sizeof(ix->group[0]), spd_group_cmp);
	goto out;
fail:
	free(ix);
	ix = NULL;
out:
	free(count);
	free(gid);
	free(rule_bucket);
	return ix;
}

/* May one packet be taken by the addresses, protocol and label of both
 * @p a and @p b? Their ports are not asked (a conservative yes). */
static bool spd_match_overlap(const struct spd_match *a, const struct spd_match *b)
{
	uint64_t d = (a->hv ^ b->hv) & a->hm & b->hm;

	for (int i = 0; i < 2; i++)
		d |= ((a->src[i] ^ b->src[i]) & a->src_m[i] & b->src_m[i]) |
		     ((a->dst[i] ^ b->dst[i]) & a->dst_m[i] & b->dst_m[i]);
	return d == 0;
}

/* Are @p m's masks @p g's and more (the group's prefixes no longer)? */
static bool spd_group_within(const struct spd_group *g, const struct spd_match *m)
{
	return ((g->src_m[0] & ~m->src_m[0]) | (g->src_m[1] & ~m->src_m[1]) |
		(g->dst_m[0] & ~m->dst_m[0]) | (g->dst_m[1] & ~m->dst_m[1])) == 0;
}

/*
 * An index's rules by group, for spd_match.alone: group g's rule numbers
 * are rules[start[g] .. start[g + 1]), ascending.
 */
struct spd_members {
	uint32_t start[SPD_GROUPS_MAX + 1];
	uint32_t *rules;
};

/* The group of @p ix that holds rule @p m: the one of its prefixes, else
 * (a rule of both families, or past SPD_GROUPS_MAX pairs) the empty one. */
static uint32_t spd_group_of(const struct spd_index *ix, const struct spd_match *m)
{
	uint32_t empty = 0;

	for (uint32_t g = 0; g < ix->n_groups; g++) {
		const struct spd_group *x = &ix->group[g];

		if (memcmp(x->src_m, m->src_m, sizeof(x->src_m)) == 0 &&
		    memcmp(x->dst_m, m->dst_m, sizeof(x->dst_m)) == 0)
			return g;
		if ((x->src_m[0] | x->src_m[1] | x->dst_m[0] | x->dst_m[1]) == 0)
			empty = g;
	}
	return empty;
}

/* @p ms of the index @p ix of @p family's rules; -1 without memory. */
static int spd_members_of(struct spd_members *ms, const struct spd *spd,
			  const struct spd_index *ix, uint8_t family)
{
	uint32_t *gid = malloc((spd->n + 1) * sizeof(*gid)), at[SPD_GROUPS_MAX] = { 0 };

	ms->rules = malloc((spd->n + 1) * sizeof(*ms->rules));
	if (gid == NULL || ms->rules == NULL) {
		free(gid);
		free(ms->rules);
		ms->rules = NULL;
		return -1;
	}
	memset(ms->start, 0, sizeof(ms->start));
	for (uint32_t i = 0; i < spd->n; i++) {
		uint8_t f = spd->rules[i].sel.family;

		gid[i] = UINT32_MAX;
		if (f == 0 || f == family) {
			gid[i] = spd_group_of(ix, &spd->rules[i].m);
			ms->start[gid[i] + 1]++;
		}
	}
	for (uint32_t g = 0; g < SPD_GROUPS_MAX; g++)
		ms->start[g + 1] += ms->start[g];
	for (uint32_t i = 0; i < spd->n; i++)
		if (gid[i] != UINT32_MAX)
			ms->rules[ms->start[gid[i]] + at[gid[i]]++] = i;
	free(gid);
	return 0;
}

/* May rule @p q overlap rule @p m? A compare taken from @p budget; yes
 * when it has run out. */
static bool spd_may_meet(const struct spd *spd, uint32_t q, const struct spd_match *m,
			 uint64_t *budget)
{
	if (*budget == 0)
		return true;
	--*budget;
	return spd_match_overlap(&spd->rules[q].m, m);
}

/* Is rule @p m, number @p i, overlapped by none of rules[@p from ..
 * @p to) (rule numbers, ascending) before it? */
static bool spd_none_before(const struct spd *spd, const struct spd_match *m, uint32_t i,
			    const uint32_t *from, const uint32_t *to, uint64_t *budget)
{
	for (const uint32_t *q = from; q < to && *q < i; q++)
		if (spd_may_meet(spd, *q, m, budget))
			return false;
	return true;
}

/*
 * Does no rule before rule @p i overlap it? Of each group of @p ix (NULL:
 * no index) whose prefixes are no longer than the rule's, only the rules
 * in the bucket of the rule's own addresses can; of a more specific
 * group, any of its rules (@p ms). A rule of both families, or of an
 * unindexed snapshot, is compared with every earlier rule.
 */
static bool spd_rule_alone(const struct spd *spd, const struct spd_index *ix,
			   const struct spd_members *ms, uint32_t i, uint64_t *budget)
{
	const struct spd_match *m = &spd->rules[i].m;

	if (ix == NULL || spd->rules[i].sel.family == 0) {
		for (uint32_t q = 0; q < i; q++)
			if (spd_may_meet(spd, q, m, budget))
				return false;
		return true;
	}
	for (uint32_t g = 0; g < ix->n_groups && ix->group[g].first < i; g++) {
		uint32_t b = spd_bucket(ix, &ix->group[g], m->src, m->dst);
		bool ok = spd_group_within(&ix->group[g], m)
				  ? spd_none_before(spd, m, i, ix->idx + ix->start[b],
						    ix->idx + ix->start[b + 1], budget)
				  : spd_none_before(spd, m, i, ms->rules + ms->start[g],
						    ms->rules + ms->start[g + 1], budget);

		if (!ok)
			return false;
	}
	return true;
}

/*
 * spd_match.alone of every rule. The compares are bounded (SPD_ALONE_SCANS
 * a rule), so a snapshot of many rules whose prefixes nest leaves some not
 * alone rather than cost its compile n^2 compares: the memos of those stay
 * exact. Without memory for the groups' lists, none is alone.
 */
static void spd_mark_alone(struct spd *spd)
{
	uint64_t budget = (uint64_t)SPD_ALONE_SCANS * spd->n;
	struct spd_members ms[2] = { { .rules = NULL }, { .rules = NULL } };
	bool lists = spd->ix4 == NULL ||
		     (spd_members_of(&ms[0], spd, spd->ix4, AF_INET) == 0 &&
		      spd_members_of(&ms[1], spd, spd->ix6, AF_INET6) == 0);

	for (uint32_t i = 0; i < spd->n; i++) {
		uint8_t family = spd->rules[i].sel.family;
		bool v6 = family == AF_INET6;

		spd->rules[i].m.alone =
			lists && spd_rule_alone(spd, v6 ? spd->ix6 : spd->ix4, &ms[v6], i, &budget);
	}
	free(ms[0].rules);
	free(ms[1].rules);
}

void spd_release(struct spd *spd)
{
	free(spd->ix4);
	free(spd->ix6);
	spd->ix4 = spd->ix6 = NULL;
	spd->compiled = 0;
}

void spd_compile_indexed(struct spd *spd, uint32_t index_from)
{
	spd_release(spd);
	for (uint32_t i = 0; i < spd->n; i++)
		spd_match_compile(&spd->rules[i].m, &spd->rules[i].sel);
	if (spd->n >= index_from) {
		spd->ix4 = spd_index_build(spd, AF_INET);
		spd->ix6 = spd_index_build(spd, AF_INET6);
		if (spd->ix4 == NULL || spd->ix6 == NULL) {
			free(spd->ix4);   /* scanned, like a short SPD */
			free(spd->ix6);
			spd->ix4 = spd->ix6 = NULL;
		}
	}
	spd_mark_alone(spd);
	spd->compiled = 1;
}

void spd_compile(struct spd *spd)
{
	spd_compile_indexed(spd, SPD_INDEX_FROM);
}

const struct spd_rule *spd_index_find(const struct spd *spd, const struct spd_index *ix,
				      uint32_t h, const uint64_t s[2], const uint64_t d[2],
				      const struct spd_key *k)
{
	uint32_t best = UINT32_MAX;

	/* RFC 4301 §4.4.1: the first matching entry wins, whichever group */
	for (const struct spd_group *g = ix->group, *end = g + ix->n_groups;
	     g < end && g->first < best; g++) {
		uint32_t b = spd_bucket(ix, g, s, d);

		for (uint32_t j = ix->start[b]; j < ix->start[b + 1]; j++) {
			uint32_t i = ix->idx[j];
			const struct spd_rule *r = &spd->rules[i];

			if (i >= best)
				break;
			if (spd_miss(&r->m, h, s, d) == 0 &&
			    (k == NULL || r->m.ports_any || spd_ports_match(&r->sel, k))) {
				best = i;
				break;
			}
		}
	}
	return best == UINT32_MAX ? NULL : &spd->rules[best];
}

const struct spd_rule *spd_lookup_ip6_ports(const struct spd *spd, const uint8_t *ip,
					    uint32_t len, uint16_t label)
{
	struct spd_key k;

	return spd_key_from_ip(&k, ip, len, label) == 0 ? spd_lookup(spd, &k) : NULL;
}

const struct spd_rule *spd_index_lookup4(const struct spd *spd, const uint8_t *ip,
					 uint16_t label, bool *any)
{
	uint32_t h = spd_key_word(AF_INET, ip[9], label);
	uint64_t s[2] = { 0, 0 }, d[2] = { 0, 0 };

	memcpy(s, ip + 12, 4);
	memcpy(d, ip + 16, 4);
	const struct spd_rule *r = spd_index_find(spd, spd->ix4, h, s, d, NULL);

	*any = r == NULL || r->m.ports_any;
	if (*any)
		return r;

	struct spd_key k;

	spd_key_ports4(&k, ip);
	return spd_index_find(spd, spd->ix4, h, s, d, &k);
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
	h = spd_key_word(k->family, k->proto, k->label);  /* not one load of three stores */
	memcpy(s, k->src, 16);
	memcpy(d, k->dst, 16);
	if (k->family == AF_INET && spd->ix4 != NULL)
		return spd_index_find(spd, spd->ix4, h, s, d, k);
	if (k->family == AF_INET6 && spd->ix6 != NULL)
		return spd_index_find(spd, spd->ix6, h, s, d, k);
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
