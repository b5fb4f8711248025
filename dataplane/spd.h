/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Security Policy Database (RFC 4301 §4.4.1): ordered rules on prefixes,
 * protocol, port ranges and security label, each with an action.
 *
 * A struct spd is an immutable snapshot. The control thread builds a new
 * one for every change and hands it to the workers through their rings; the
 * old one is freed after an RCU grace period. Workers only read it.
 */
#ifndef ESPRIT_DATAPLANE_SPD_H
#define ESPRIT_DATAPLANE_SPD_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include "dataplane/vec.h"

/** Label value that matches any label (in selectors only). */
#define SPD_LABEL_ANY 0xffff

/**
 * A selector. family 0 matches both families (the prefixes are then
 * ignored); proto 0 matches any protocol; ports apply to TCP, UDP and SCTP
 * only (ICMP type/code are not matched); a port range of 0..0 (a zeroed
 * selector) or 0..65535 means any port, and any other range never matches
 * a packet without ports (other protocols, non-first fragments). label must equal the packet's
 * label exactly (0 = unlabeled) unless it is SPD_LABEL_ANY: labeled
 * traffic never matches an unlabeled rule by accident (RFC 9478 §1).
 */
struct spd_sel {
	uint8_t family;
	uint8_t proto;
	uint8_t src_len, dst_len;
	uint8_t src[16], dst[16];
	uint16_t sport_lo, sport_hi;
	uint16_t dport_lo, dport_hi;
	uint16_t label;
};

/** What a packet offers to the SPD, extracted once per packet. */
struct spd_key {
	uint8_t family;
	uint8_t proto;
	uint16_t label;
	uint16_t sport, dport;    /**< host order; 0 when not TCP/UDP/SCTP */
	uint8_t src[16], dst[16];
	bool opaque;              /**< non-first fragment: ports OPAQUE */
};

enum spd_action { SPD_DISCARD, SPD_BYPASS, SPD_PROTECT };

struct esp_sa;

/**
 * A selector compiled for the per-packet lookup (spd_compile()): the
 * family, protocol and label are one masked compare of the first word of
 * struct spd_key, each prefix two masked 64-bit compares (octets past an
 * IPv4 address or past the prefix are masked out), so a rule costs a
 * handful of branch-free instructions instead of per-field tests and
 * per-packet mask arithmetic.
 */
struct spd_match {
	uint32_t hv, hm;          /**< family|proto|label word: value, mask */
	uint64_t src[2], src_m[2];
	uint64_t dst[2], dst_m[2];
	/* The same rule for an IPv4 header read in place (spd_lookup_ip4):
	 * addresses as the header holds them, and a word of proto | v4 |
	 * label (v4 set in the mask unless the rule takes both families, so
	 * an IPv6 rule never matches). */
	uint32_t src4, src4_m, dst4, dst4_m, pl4, pl4_m;
	bool ports_any;           /**< no port test needed after the masks */
	/**
	 * No earlier rule may take a packet this one's addresses, protocol
	 * and label take (spd_compile()): every packet it takes is its, so
	 * where its ports do not matter either, one answer speaks for its
	 * whole selector (the outbound express way's many hosts).
	 */
	bool alone;
};

struct spd_rule {
	struct spd_sel sel;
	/**
	 * PROTECT with an SA: the SA's owner worker. A worker that does not
	 * own the SA hands the packet over without reading the SA, whose
	 * first line the owner writes for every packet (the sequence number).
	 */
	uint16_t owner;
	enum spd_action action;
	uint32_t id;              /**< control-plane handle */
	struct esp_sa *sa;        /**< PROTECT: the outbound SA (may be NULL: trap) */
	struct spd_match m;       /**< sel compiled by spd_compile() */
};

enum {
	SPD_INDEX_FROM = 16,      /**< spd_compile() indexes snapshots of this many rules */
	SPD_ALONE_SCANS = 64,     /**< compares a rule spd_compile() may spend on spd_match.alone */
	SPD_GROUPS_MAX = 32,      /**< prefix-length pairs an index keeps apart */
};

/**
 * One group of an index: the rules of one pair of prefix lengths, hashed
 * on their prefixes (the group's masks).
 */
struct spd_group {
	uint64_t src_m[2], dst_m[2];
	uint32_t first;           /**< the group's first rule */
	uint32_t seed;
};

/**
 * The rules a packet of one family can match, indexed for snapshots too
 * large to scan (a policy per tunnel on a gateway of many tunnels): a
 * tuple space search. The rules are grouped by their pair of prefix
 * lengths, each group's rules hashed on their prefixes into one table; a
 * lookup probes one bucket a group, the groups in the order of their
 * first rules, and stops at a group whose first rule comes after the best
 * match so far. Within a bucket the rules keep their order. Pairs past
 * SPD_GROUPS_MAX (the least used) join the group of empty prefixes, whose
 * one bucket is then scanned in order like a short SPD.
 */
struct spd_index {
	uint32_t n_groups;
	uint32_t mask;            /**< buckets - 1 */
	const uint32_t *start;    /**< bucket b: idx[start[b] .. start[b + 1]) */
	const uint32_t *idx;      /**< rule numbers, ascending within a bucket */
	struct spd_group group[SPD_GROUPS_MAX];
};

struct spd {
	uint32_t n;
	uint32_t compiled;        /**< spd_compile() ran: lookups use rules[].m */
	struct spd_index *ix4, *ix6; /**< compiled with SPD_INDEX_FROM rules or more */
	struct spd_rule rules[];  /**< in priority order, first match wins */
};

/** True when @p k falls inside @p sel. */
bool spd_sel_match(const struct spd_sel *sel, const struct spd_key *k);

/**
 * Compile every rule's selector into its struct spd_match; call once the
 * snapshot is filled, before publishing it. An uncompiled snapshot is
 * still looked up correctly, field by field (spd_sel_match).
 */
void spd_compile(struct spd *spd);

/**
 * spd_compile(), indexing the snapshot when it has @p index_from rules or
 * more (spd_compile() uses SPD_INDEX_FROM; tests take the index down to
 * 0). Without memory for an index the rules are scanned, as without one.
 */
void spd_compile_indexed(struct spd *spd, uint32_t index_from);

/** Free what spd_compile() allocated (the index); the snapshot is then
 * uncompiled. The caller frees the snapshot itself. */
void spd_release(struct spd *spd);

/**
 * The first rule of @p ix's snapshot @p spd that takes the key whose first
 * word is @p h and whose addresses are @p s and @p d (as spd_miss() reads
 * them) and, unless @p k is NULL, whose ports are @p k's; with @p k NULL,
 * the first rule whose addresses, protocol and label take it, whatever
 * its ports.
 */
const struct spd_rule *spd_index_find(const struct spd *spd, const struct spd_index *ix,
				      uint32_t h, const uint64_t s[2], const uint64_t d[2],
				      const struct spd_key *k);

/* spd_lookup_ip4_whole() past the memo and cache, for an indexed
 * snapshot; *any says the answer did not depend on the ports. */
const struct spd_rule *spd_index_lookup4(const struct spd *spd, const uint8_t *ip,
					 uint16_t label, bool *any);

/** First rule matching @p k, or NULL (the caller then discards). */
const struct spd_rule *spd_lookup(const struct spd *spd, const struct spd_key *k);

/** 0..0 (a zeroed selector) and 0..65535 both mean "any port". */
static inline bool spd_port_any(uint16_t lo, uint16_t hi)
{
	return lo == 0 && (hi == 0 || hi == UINT16_MAX);
}

/** Port selectors apply to TCP, UDP and SCTP (a bit per protocol). */
static inline bool spd_has_ports(uint8_t proto)
{
	static const uint64_t bits[4] = { 1u << 6 | 1u << 17, 0, 1u << (132 - 128), 0 };

	return (bits[proto >> 6] >> (proto & 63)) & 1;
}

/** The proto | v4 | label word of spd_match.pl4 (bit 8 says IPv4). */
static inline uint32_t spd_pl4(uint8_t proto, bool v4, uint16_t label)
{
	return (uint32_t)proto | (uint32_t)v4 << 8 | (uint32_t)label << 16;
}

/** True when the ports of @p k fall in the ranges of @p sel. */
bool spd_ports_match(const struct spd_sel *sel, const struct spd_key *k);

/* The masked compare of spd_lookup_ip4: 0 when @p m's addresses, protocol
 * and label take the packet. */
static inline uint32_t spd_miss4(const struct spd_match *m, uint32_t src, uint32_t dst,
				 uint32_t pl)
{
	return ((src ^ m->src4) & m->src4_m) | ((dst ^ m->dst4) & m->dst4_m) |
	       ((pl ^ m->pl4) & m->pl4_m);
}

/**
 * A worker's last IPv4 answer that did not depend on ports (the first rule
 * whose addresses, protocol and label took the packet has ANY ports), so
 * the next packet of the same address pair, protocol and label (a flow's
 * burst) gets it without a scan. Valid for one snapshot: the worker
 * empties it (rule NULL) when a new SPD arrives.
 */
struct spd_memo4 {
	uint64_t addrs;           /**< source and destination, as the header holds them */
	uint32_t pl;
	const struct spd_rule *rule;
	struct spd_cache4 *cache; /**< behind the memo, or NULL */
};

enum { SPD_CACHE4_ENTRIES = 65536 };

/**
 * Behind the memo, a worker's cache of such answers for many flows (a
 * gateway with a policy per tunnel would otherwise scan the rules for
 * every packet whose flow is not the last one's): direct-mapped on the
 * address pair, protocol and label, 32 octets an entry. Entries of an
 * older snapshot never match (gen); spd_cache4_flush() starts a new one.
 * A flow it has no entry for still costs the scan.
 */
struct spd_cache4 {
	uint32_t gen;             /**< of the current snapshot; never 0 */
	struct spd_cache4_entry {
		uint64_t addrs;
		uint32_t pl, gen;
		const struct spd_rule *rule;
	} __rte_aligned(32) e[SPD_CACHE4_ENTRIES];
};

/* A cache's next generation (never 0, which empty entries carry); on a
 * wrap, when an old entry could match again, its @p n octets of entries
 * are cleared. */
static inline void spd_cache_next_gen(uint32_t *gen, void *entries, size_t n)
{
	if (++*gen == 0) {
		memset(entries, 0, n);
		*gen = 1;
	}
}

/** For a new snapshot: every entry of @p c (NULL: none) goes stale. */
static inline void spd_cache4_flush(struct spd_cache4 *c)
{
	if (c != NULL)
		spd_cache_next_gen(&c->gen, c->e, sizeof(c->e));
}

/* Remember rule @p r for the packet's address pair and protocol | label. */
static inline void spd_memo4_set(struct spd_memo4 *memo, struct spd_cache4_entry *e,
				 uint64_t addrs, uint32_t pl, const struct spd_rule *r)
{
	memo->addrs = addrs;
	memo->pl = pl;
	memo->rule = r;
	if (e != NULL)
		*e = (struct spd_cache4_entry){ addrs, pl, memo->cache->gen, r };
}

/* The entry of @p c for an address pair and protocol | label. */
static inline struct spd_cache4_entry *spd_cache4_slot(struct spd_cache4 *c, uint64_t addrs,
						       uint32_t pl)
{
	return &c->e[rte_hash_crc_4byte(pl, rte_hash_crc_8byte(addrs, 0)) &
		     (SPD_CACHE4_ENTRIES - 1)];
}

/**
 * Prefetch the cache entry that spd_lookup_ip4_whole() will read for the
 * unlabeled IPv4 header at @p ip (its 20 octets present), before it is
 * looked up: with many tunnels' flows each lookup is another entry of the
 * 2 MiB table. Returns that entry (NULL without a cache).
 */
static inline const struct spd_cache4_entry *spd_cache4_prefetch(const struct spd_memo4 *memo,
								 const uint8_t *ip)
{
	const struct spd_cache4_entry *e;
	uint64_t addrs;

	if (memo->cache == NULL)
		return NULL;
	memcpy(&addrs, ip + 12, 8);
	e = spd_cache4_slot(memo->cache, addrs, spd_pl4(ip[9], true, 0));
	rte_prefetch0(e);
	return e;
}

/** spd_lookup_ip4 from rule @p r on, port ranges included (spd.c). */
const struct spd_rule *spd_lookup_ip4_from(const struct spd *spd, const struct spd_rule *r,
					   const uint8_t *ip, uint16_t label);

/**
 * True when spd_key_from_ip() would refuse the validated IPv4 header at
 * @p ip: a whole packet or first fragment of TCP, UDP or SCTP too short
 * for its ports (RFC 4301 §4.4.1.1: those have ports).
 */
static inline bool spd_ip4_short(const uint8_t *ip)
{
	uint16_t frag, tot;

	memcpy(&frag, ip + 6, 2);
	memcpy(&tot, ip + 2, 2);
	/* the length first: almost never short, the rest is not asked */
	return rte_be_to_cpu_16(tot) - (uint32_t)(ip[0] & 0x0f) * 4 < 4 &&
	       spd_has_ports(ip[9]) && (frag & rte_cpu_to_be_16(0x1fff)) == 0;
}

/**
 * spd_lookup() for the IPv4 packet at @p ip, whose header the caller has
 * validated (version 4, 20 <= IHL <= total length <= the octets present)
 * and found not spd_ip4_short(): the rules are matched against the header
 * in place, without a struct spd_key. Same result as spd_key_from_ip() +
 * spd_lookup(). Needs a compiled snapshot and the worker's @p memo of it.
 * Inline, and the scan keeps to the masked compares until a rule takes
 * the packet: it is most of outbound classification.
 */
static inline const struct spd_rule *spd_lookup_ip4_whole(const struct spd *spd,
							  struct spd_memo4 *memo,
							  const uint8_t *ip, uint16_t label)
{
	uint32_t src, dst, pl = spd_pl4(ip[9], true, label);
	uint64_t addrs;

	memcpy(&addrs, ip + 12, 8);
	if (memo->rule != NULL && ((memo->addrs ^ addrs) | (memo->pl ^ pl)) == 0)
		return memo->rule;

	struct spd_cache4 *c = memo->cache;
	struct spd_cache4_entry *e = NULL;

	if (c != NULL) {
		e = spd_cache4_slot(c, addrs, pl);
		if (e->gen == c->gen && ((e->addrs ^ addrs) | (e->pl ^ pl)) == 0) {
			spd_memo4_set(memo, NULL, addrs, pl, e->rule);
			return e->rule;
		}
	}

	if (spd->ix4 != NULL) {
		bool any;
		const struct spd_rule *r = spd_index_lookup4(spd, ip, label, &any);

		if (r != NULL && any)
			spd_memo4_set(memo, e, addrs, pl, r);
		return r;
	}

	const struct spd_rule *r = spd->rules, *end = r + spd->n;

	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	for (; r < end; r++) {
		if (likely(spd_miss4(&r->m, src, dst, pl) != 0))
			continue;
		if (r->m.ports_any) {
			spd_memo4_set(memo, e, addrs, pl, r);
			return r;
		}
		return spd_lookup_ip4_from(spd, r, ip, label);
	}
	return NULL;
}

/**
 * Is @p memo's answer the one for the unlabeled IPv4 header @p ip, which
 * then did not depend on its ports?
 */
static inline bool spd_memo4_answers(const struct spd_memo4 *memo, const uint8_t *ip)
{
	uint64_t addrs;

	memcpy(&addrs, ip + 12, 8);
	return memo->rule != NULL && memo->addrs == addrs && memo->pl == spd_pl4(ip[9], true, 0);
}

/**
 * spd_lookup_ip4_whole() for any validated IPv4 header: *bad is set (and
 * NULL returned) where spd_key_from_ip() fails (spd_ip4_short()).
 */
static inline const struct spd_rule *spd_lookup_ip4(const struct spd *spd,
						    struct spd_memo4 *memo, const uint8_t *ip,
						    uint16_t label, bool *bad)
{
	*bad = spd_ip4_short(ip);
	if (unlikely(*bad))
		return NULL;
	return spd_lookup_ip4_whole(spd, memo, ip, label);
}

/**
 * Fill @p k from an IPv4 or IPv6 packet of @p len octets at @p l3.
 * Bounds-checked: 0, or -1 if the headers do not fit (ports are then
 * left 0 for a truncated L4 header only when the packet is a non-first
 * fragment; a truncated first fragment is an error).
 */
int spd_key_from_ip(struct spd_key *k, const uint8_t *l3, uint32_t len, uint16_t label);

/** The first word of a struct spd_key (family, protocol, label), as
 * spd_match.hv/hm take it. */
static inline uint32_t spd_key_word(uint8_t family, uint8_t proto, uint16_t label)
{
	/* Shifted into place, not stored field by field into a struct spd_key
	 * and read back as a word: a load of three smaller stores in flight
	 * is not forwarded from them and waits for them to reach L1 (a fifth
	 * of outbound IPv6 classification in perf annotate). */
	static_assert(offsetof(struct spd_key, family) == 0 && offsetof(struct spd_key, proto) == 1 &&
		      offsetof(struct spd_key, label) == 2, "the key's first word");
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return (uint32_t)family | (uint32_t)proto << 8 | (uint32_t)label << 16;
#else
	return (uint32_t)family << 24 | (uint32_t)proto << 16 | label;
#endif
}

/* The masked compare of a compiled rule: 0 when @p m takes the key whose
 * first word is @p h and whose addresses are @p s and @p d (memory order). */
static inline uint64_t spd_miss(const struct spd_match *m, uint32_t h, const uint64_t s[2],
				const uint64_t d[2])
{
	return (uint64_t)((h ^ m->hv) & m->hm) |
	       ((s[0] & m->src_m[0]) ^ m->src[0]) | ((s[1] & m->src_m[1]) ^ m->src[1]) |
	       ((d[0] & m->dst_m[0]) ^ m->dst[0]) | ((d[1] & m->dst_m[1]) ^ m->dst[1]);
}

/* The first rule of @p spd whose addresses, protocol and label take the
 * key of spd_miss(), whatever its ports: the scan of an unindexed SPD. */
static inline const struct spd_rule *spd_scan(const struct spd *spd, uint32_t h,
					      const uint64_t s[2], const uint64_t d[2])
{
	for (const struct spd_rule *r = spd->rules, *end = r + spd->n; r < end; r++)
		if (unlikely(spd_miss(&r->m, h, s, d) == 0))
			return r;
	return NULL;
}

/** The IPv6 next headers spd_key_from_ip() walks past to find the upper
 * layer (hop-by-hop, routing, fragment, AH, destination options). */
static __rte_always_inline bool spd_ip6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

/** The mask of a @p plen-bit prefix (0..128) of an IPv6 address, as two
 * words in memory order. */
static __rte_always_inline void spd_mask128(unsigned plen, uint64_t m[2])
{
	unsigned hi = plen < 64 ? plen : 64, lo = plen > 64 ? plen - 64 : 0;

	m[0] = hi == 0 ? 0 : rte_cpu_to_be_64(UINT64_MAX << (64 - hi));
	m[1] = lo == 0 ? 0 : rte_cpu_to_be_64(UINT64_MAX << (64 - lo));
}

/**
 * True when spd_key_from_ip() takes the IPv6 packet of @p len octets at
 * @p p without walking extension headers: the header fits, its next
 * header is the upper layer, and a TCP, UDP or SCTP one holds its ports.
 */
static __rte_always_inline bool spd_ip6_plain(const uint8_t *p, uint32_t len)
{
	/* spd_ip6_ext() and spd_has_ports() as one table: their compares
	 * became a bit test whose operand GCC spilled as an octet and read
	 * back as a word, which waits for the store to leave (the inbound
	 * express way's esp_in_plain6(): IPv6 64 B -0.02 of the limit) */
	enum { EXT = 1, PORTS = 2 };
	static const uint8_t kind[256] = {
		[0] = EXT, [43] = EXT, [44] = EXT, [51] = EXT, [60] = EXT,
		[6] = PORTS, [17] = PORTS, [132] = PORTS,
	};

	if (len < 40)
		return false;
	uint32_t plen = (uint32_t)(p[4] << 8 | p[5]), k = kind[p[6]];

	return 40 + plen <= len && !(k & EXT) && (!(k & PORTS) || plen >= 4);
}

/** An IPv6 selector's source and destination prefixes as masked words
 * (spd_prefix6_of()), for many packets' addresses (spd_prefix6_match()). */
struct spd_prefix6 {
	uint64_t v[4], m[4];   /* source, destination; in memory order */
};

/** The prefixes of @p sel, whose family is IPv6 or any (masks of 0). */
static __rte_always_inline void spd_prefix6_of(const struct spd_sel *sel, struct spd_prefix6 *x)
{
	bool any = sel->family == 0;

	memcpy(x->v, sel->src, 16);
	memcpy(x->v + 2, sel->dst, 16);
	spd_mask128(any ? 0 : sel->src_len, x->m);
	spd_mask128(any ? 0 : sel->dst_len, x->m + 2);
	for (unsigned i = 0; i < 4; i++)
		x->v[i] &= x->m[i];
}

/** Are the addresses of the IPv6 header at @p p in the prefixes @p x? */
static __rte_always_inline bool spd_prefix6_match(const struct spd_prefix6 *x, const uint8_t *p)
{
	return vec_masked_equal(p + 8, (const uint8_t *)x->m, x->v, 4);
}

/**
 * spd_sel_match() of a selector that takes any protocol, ports and the
 * packet's label, for the spd_ip6_plain() packet at @p p: its prefixes.
 */
static __rte_always_inline bool spd_sel_addrs6(const struct spd_sel *sel, const uint8_t *p)
{
	struct spd_prefix6 x;

	if (sel->family != 0 && sel->family != AF_INET6)
		return false;
	spd_prefix6_of(sel, &x);
	return spd_prefix6_match(&x, p);
}

/** spd_memo4 for IPv6: the address pair and the key's first word. */
struct spd_memo6 {
	uint64_t addrs[4];        /**< source and destination, as the header holds them */
	uint32_t h;               /**< spd_key_word() */
	const struct spd_rule *rule;
	struct spd_cache6 *cache; /**< behind the memo, or NULL */
};

enum { SPD_CACHE6_ENTRIES = 32768 };

/** spd_cache4 for IPv6: 64 octets an entry. */
struct spd_cache6 {
	uint32_t gen;             /**< of the current snapshot; never 0 */
	struct spd_cache6_entry {
		uint64_t addrs[4];
		uint32_t h, gen;
		const struct spd_rule *rule;
	} __rte_cache_aligned e[SPD_CACHE6_ENTRIES];
};

/** spd_cache4_flush() for IPv6. */
static inline void spd_cache6_flush(struct spd_cache6 *c)
{
	if (c != NULL)
		spd_cache_next_gen(&c->gen, c->e, sizeof(c->e));
}

static inline bool spd_addrs6_eq(const uint64_t a[4], const uint64_t b[4])
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
}

/* spd_memo4_set() for IPv6. */
static inline void spd_memo6_set(struct spd_memo6 *memo, struct spd_cache6_entry *e,
				 const uint64_t a[4], uint32_t h, const struct spd_rule *r)
{
	memcpy(memo->addrs, a, sizeof(memo->addrs));
	memo->h = h;
	memo->rule = r;
	if (e != NULL) {
		memcpy(e->addrs, a, sizeof(e->addrs));
		e->h = h;
		e->gen = memo->cache->gen;
		e->rule = r;
	}
}

/* The entry of @p c for addresses @p a and spd_key_word() @p h. */
static inline struct spd_cache6_entry *spd_cache6_slot(struct spd_cache6 *c, const uint64_t a[4],
						       uint32_t h)
{
	uint32_t x = rte_hash_crc_8byte(a[0] ^ a[2], h);

	return &c->e[rte_hash_crc_8byte(a[1] ^ a[3], x) & (SPD_CACHE6_ENTRIES - 1)];
}

/** spd_cache4_prefetch() for the unlabeled IPv6 header at @p ip (its 40
 * octets present). */
static inline const struct spd_cache6_entry *spd_cache6_prefetch(const struct spd_memo6 *memo,
								 const uint8_t *ip)
{
	const struct spd_cache6_entry *e;
	uint64_t a[4];

	if (memo->cache == NULL)
		return NULL;
	memcpy(a, ip + 8, 32);
	e = spd_cache6_slot(memo->cache, a, spd_key_word(AF_INET6, ip[6], 0));
	rte_prefetch0(e);
	return e;
}

/* spd_lookup() of the IPv6 packet at @p ip: port ranges decide (spd.c). */
const struct spd_rule *spd_lookup_ip6_ports(const struct spd *spd, const uint8_t *ip,
					    uint32_t len, uint16_t label);

/**
 * spd_lookup() for the IPv6 packet of @p len octets at @p ip, whose header
 * the caller has validated (40 + payload length <= @p len) and whose next
 * header is the upper layer (not spd_ip6_ext()), with 4 octets of it
 * present: the rules are matched against the header in place. Same result
 * as spd_key_from_ip() + spd_lookup(); needs a compiled snapshot and the
 * worker's @p memo of it.
 */
static inline const struct spd_rule *spd_lookup_ip6_whole(const struct spd *spd,
							  struct spd_memo6 *memo,
							  const uint8_t *ip, uint32_t len,
							  uint16_t label)
{
	uint32_t h = spd_key_word(AF_INET6, ip[6], label);
	uint64_t a[4];

	memcpy(a, ip + 8, 32);
	if (memo->rule != NULL && spd_addrs6_eq(memo->addrs, a) && memo->h == h)
		return memo->rule;

	struct spd_cache6 *c = memo->cache;
	struct spd_cache6_entry *e = NULL;

	if (c != NULL) {
		e = spd_cache6_slot(c, a, h);
		if (e->gen == c->gen && spd_addrs6_eq(e->addrs, a) && e->h == h) {
			spd_memo6_set(memo, NULL, a, h, e->rule);
			return e->rule;
		}
	}
	const struct spd_rule *r = spd->ix6 != NULL ? spd_index_find(spd, spd->ix6, h, a, a + 2, NULL)
						    : spd_scan(spd, h, a, a + 2);

	if (r != NULL && r->m.ports_any)
		spd_memo6_set(memo, e, a, h, r);
	else if (r != NULL)
		r = spd_lookup_ip6_ports(spd, ip, len, label);
	return r;
}

/** spd_memo4_answers() for the unlabeled IPv6 header @p ip. */
static inline bool spd_memo6_answers(const struct spd_memo6 *memo, const uint8_t *ip)
{
	uint64_t a[4];

	memcpy(a, ip + 8, 32);
	return memo->rule != NULL && spd_addrs6_eq(memo->addrs, a) &&
	       memo->h == spd_key_word(AF_INET6, ip[6], 0);
}

/**
 * The checks spd_key_from_ip() makes of an IPv4 packet, without building
 * the key: the header fits @p len and its total length, and a first
 * fragment (or whole packet) of TCP, UDP or SCTP holds its ports. 0 or -1,
 * as spd_key_from_ip() would return. For the compiled inbound check.
 */
static inline int spd_ip4_check(const uint8_t *p, uint32_t len)
{
	if (len < 20)
		return -1;
	uint32_t hl = (uint32_t)(p[0] & 0x0f) * 4;
	uint32_t tot = (uint32_t)(p[2] << 8 | p[3]);

	if (hl < 20 || tot < hl || tot > len)
		return -1;
	return spd_ip4_short(p) ? -1 : 0;
}

/** A selector that matches everything of @p family (0 = both). */
void spd_sel_any(struct spd_sel *sel, uint8_t family);

#endif
