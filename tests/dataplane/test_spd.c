/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_spd.c - selector matching and first-match lookup as a table of
 * (packet, expected rule), including security labels (RFC 9478), ports,
 * protocols and both families; spd_key_from_ip on truncated headers,
 * IPv4 options and fragments, and IPv6 extension header chains.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>

#include "dataplane/addr.h"
#include "dataplane/spd.h"
#include "tests/check_run.h"
#include "tests/dataplane/pkt_helper.h"

static void sel_set(struct spd_sel *s, const char *src, const char *dst, uint8_t proto,
		    uint16_t dlo, uint16_t dhi, uint16_t label)
{
	struct esp_addr a;
	uint8_t plen;

	spd_sel_any(s, 0);
	if (src != NULL) {
		ck_assert_int_eq(esp_addr_parse(src, &a, &plen), 0);
		s->family = a.family;
		memcpy(s->src, a.bytes, 16);
		s->src_len = plen;
	}
	if (dst != NULL) {
		ck_assert_int_eq(esp_addr_parse(dst, &a, &plen), 0);
		s->family = a.family;
		memcpy(s->dst, a.bytes, 16);
		s->dst_len = plen;
	}
	s->proto = proto;
	if (dlo != 0 || dhi != 0) {
		s->dport_lo = dlo;
		s->dport_hi = dhi;
	}
	s->label = label;
}

static void key_set(struct spd_key *k, const char *src, const char *dst, uint8_t proto,
		    uint16_t sport, uint16_t dport, uint16_t label)
{
	struct esp_addr a;

	memset(k, 0, sizeof(*k));
	ck_assert_int_eq(esp_addr_parse(src, &a, NULL), 0);
	k->family = a.family;
	memcpy(k->src, a.bytes, 16);
	ck_assert_int_eq(esp_addr_parse(dst, &a, NULL), 0);
	memcpy(k->dst, a.bytes, 16);
	k->proto = proto;
	k->sport = sport;
	k->dport = dport;
	k->label = label;
}

START_TEST(lookup_table)
{
	struct spd *spd = calloc(1, sizeof(*spd) + 9 * sizeof(struct spd_rule));
	ck_assert_ptr_nonnull(spd);
	/* in priority order */
	sel_set(&spd->rules[0].sel, "10.1.0.0/16", "10.2.0.5/32", 6, 22, 22, 0);   /* ssh, unlabeled */
	sel_set(&spd->rules[1].sel, "10.1.0.0/16", "10.2.0.0/16", 6, 22, 22, 7);   /* ssh, label 7 */
	sel_set(&spd->rules[2].sel, "10.1.0.0/16", "10.2.0.0/16", 17, 5000, 5999, SPD_LABEL_ANY);
	sel_set(&spd->rules[3].sel, "10.1.0.0/16", "10.2.0.0/16", 0, 0, 0, 0);     /* any proto */
	sel_set(&spd->rules[4].sel, "2001:db8:1::/48", "2001:db8:2::/48", 58, 0, 0, 0);
	sel_set(&spd->rules[5].sel, "2001:db8:1::/48", "2001:db8::/32", 17, 53, 53, 0);
	sel_set(&spd->rules[6].sel, "0.0.0.0/0", "10.3.0.0/15", 0, 80, 80, 0);  /* ports: any proto */
	sel_set(&spd->rules[7].sel, NULL, NULL, 0, 0, 0, 9);                    /* label 9, both families */
	sel_set(&spd->rules[8].sel, "10.0.0.0/8", "10.0.0.0/8", 0, 0, 0, 0);
	spd->n = 9;
	for (uint32_t i = 0; i < spd->n; i++)
		spd->rules[i].id = i;

	static const struct {
		const char *src, *dst;
		uint8_t proto;
		uint16_t sport, dport, label;
		int rule;      /* -1: no match */
	} t[] = {
		{ "10.1.2.3", "10.2.0.5", 6, 40000, 22, 0, 0 },
		{ "10.1.2.3", "10.2.0.6", 6, 40000, 22, 0, 3 },    /* /32 misses, any-proto rule */
		{ "10.1.2.3", "10.2.0.5", 6, 40000, 22, 7, 1 },    /* labeled: skips unlabeled rule 0 */
		{ "10.1.2.3", "10.2.0.5", 6, 40000, 23, 7, -1 },   /* label 7, port 23: nothing */
		{ "10.1.2.3", "10.2.0.5", 17, 1, 5000, 0, 2 },     /* range low edge, label ANY */
		{ "10.1.2.3", "10.2.0.5", 17, 1, 5999, 3, 2 },     /* range high edge, any label */
		{ "10.1.2.3", "10.2.0.5", 17, 1, 6000, 0, 3 },
		{ "10.1.2.3", "10.2.0.5", 17, 1, 4999, 3, -1 },    /* label 3 has no other rule */
		{ "10.9.9.9", "10.3.1.1", 6, 1, 80, 0, 6 },
		{ "10.9.9.9", "10.3.1.1", 1, 0, 0, 0, 8 },         /* ICMP has no ports: rule 6 skipped */
		{ "10.9.9.9", "10.4.1.1", 6, 1, 80, 0, 8 },        /* outside /15 */
		{ "192.0.2.1", "198.51.100.1", 6, 1, 80, 0, -1 },
		{ "192.0.2.1", "198.51.100.1", 6, 1, 80, 9, 7 },   /* label 9 rule, family 0 */
		{ "2001:db8:1::1", "2001:db8:2::1", 58, 0, 0, 0, 4 },
		{ "2001:db8:1::1", "2001:db8:3::1", 17, 9, 53, 0, 5 },
		{ "2001:db8:1::1", "2001:db8:3::1", 17, 9, 54, 0, -1 },
		{ "2001:db8:1::1", "2001:db8:3::1", 17, 9, 53, 9, 7 },
		{ "2001:db8:9::1", "10.1.1.1", 17, 9, 53, 0, -1 },  /* parse: family from src */
	};
	/* field by field first, then compiled as the driver publishes it */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			spd_compile(spd);
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			struct spd_key k;
			key_set(&k, t[i].src, t[i].dst, t[i].proto, t[i].sport, t[i].dport,
				t[i].label);
			const struct spd_rule *r = spd_lookup(spd, &k);
			int got = r == NULL ? -1 : (int)r->id;
			ck_assert_msg(got == t[i].rule, "pass %d line %zu: rule %d, want %d", pass,
				      i + 1, got, t[i].rule);
		}
	}
	/* an empty or missing SPD matches nothing */
	struct spd_key k;
	key_set(&k, "10.1.2.3", "10.2.0.5", 6, 1, 22, 0);
	ck_assert_ptr_null(spd_lookup(NULL, &k));
	spd->n = 0;
	ck_assert_ptr_null(spd_lookup(spd, &k));
	free(spd);
}
END_TEST

START_TEST(sel_any_and_zero)
{
	struct spd_sel s;
	struct spd_key k;

	key_set(&k, "2001:db8::1", "2001:db8::2", 6, 1, 2, 5);
	spd_sel_any(&s, 0);
	ck_assert(spd_sel_match(&s, &k));
	spd_sel_any(&s, AF_INET6);
	ck_assert(spd_sel_match(&s, &k));
	spd_sel_any(&s, AF_INET);
	ck_assert(!spd_sel_match(&s, &k));
	/* a zeroed selector: any address/proto/port, but unlabeled only */
	memset(&s, 0, sizeof(s));
	ck_assert(!spd_sel_match(&s, &k));
	k.label = 0;
	ck_assert(spd_sel_match(&s, &k));
}
END_TEST

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

START_TEST(key_ipv4)
{
	uint8_t b[256];
	struct spd_key k;
	size_t len = test_ip4_udp(b, "10.0.0.1", "10.0.0.2", 1111, 2222, 10, 0, true);

	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len, 4), 0);
	ck_assert_int_eq(k.family, AF_INET);
	ck_assert_int_eq(k.proto, 17);
	ck_assert_int_eq(k.sport, 1111);
	ck_assert_int_eq(k.dport, 2222);
	ck_assert_int_eq(k.label, 4);
	ck_assert_mem_eq(k.src, "\x0a\x00\x00\x01", 4);
	/* every truncation of the header and the ports fails */
	for (uint32_t l = 0; l < 24; l++)
		ck_assert_msg(spd_key_from_ip(&k, b, l, 0) == -1, "len %u", l);
	/* trailing octets past the IP length are fine */
	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len + 5, 0), 0);
	/* IP total length larger than what is there */
	put16(b + 2, (uint16_t)(len + 1));
	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len, 0), -1);
	put16(b + 2, 19);
	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len, 0), -1);
	put16(b + 2, (uint16_t)len);
	/* bad IHL and version */
	b[0] = 0x44;
	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len, 0), -1);
	b[0] = 0x55;
	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len, 0), -1);

	/* IPv4 options: IHL 6, ports after them */
	uint8_t o[64];
	memcpy(o, b, 20);
	o[0] = 0x46;
	memset(o + 20, 1, 4);          /* 4 NOPs */
	memcpy(o + 24, b + 20, len - 20);
	put16(o + 2, (uint16_t)(len + 4));
	ck_assert_int_eq(spd_key_from_ip(&k, o, (uint32_t)len + 4, 0), 0);
	ck_assert_int_eq(k.dport, 2222);
	ck_assert_int_eq(spd_key_from_ip(&k, o, 27, 0), -1);   /* ports cut */
	/* IHL beyond the packet */
	o[0] = 0x4f;
	ck_assert_int_eq(spd_key_from_ip(&k, o, (uint32_t)len + 4, 0), -1);

	/* fragments: first has ports, non-first has none (OPAQUE) */
	b[0] = 0x45;
	put16(b + 6, 0x2000);          /* MF, offset 0 */
	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len, 0), 0);
	ck_assert_int_eq(k.dport, 2222);
	put16(b + 2, 22);              /* first fragment too short for the ports */
	ck_assert_int_eq(spd_key_from_ip(&k, b, 22, 0), -1);
	put16(b + 6, 0x0003);          /* offset 24 */
	put16(b + 2, 21);
	ck_assert_int_eq(spd_key_from_ip(&k, b, 21, 0), 0);
	ck_assert_int_eq(k.proto, 17);
	ck_assert_int_eq(k.sport, 0);
	ck_assert_int_eq(k.dport, 0);
	/* ICMP: no ports needed */
	put16(b + 6, 0);
	b[9] = 1;
	put16(b + 2, 20);
	ck_assert_int_eq(spd_key_from_ip(&k, b, 20, 0), 0);
	ck_assert_int_eq(k.proto, 1);
	/* not IP */
	b[0] = 0x00;
	ck_assert_int_eq(spd_key_from_ip(&k, b, 20, 0), -1);
}
END_TEST

/* Build IPv6 + extension header chain + UDP. */
static size_t ip6_ext(uint8_t *b, const uint8_t *chain, size_t n, uint16_t frag_off)
{
	uint8_t udp[64];
	size_t ulen = test_ip6_udp(udp, "2001:db8::1", "2001:db8::2", 3333, 4444, 4, 0);
	size_t off = 40;

	memcpy(b, udp, 40);
	b[6] = n ? chain[0] : 17;
	for (size_t i = 0; i < n; i++) {
		uint8_t next = i + 1 < n ? chain[i + 1] : 17;
		if (chain[i] == 44) {
			memset(b + off, 0, 8);
			b[off] = next;
			put16(b + off + 2, frag_off);
			off += 8;
		} else {
			memset(b + off, 0, 16);
			b[off] = next;
			b[off + 1] = 1;     /* 16 octets */
			off += 16;
		}
	}
	memcpy(b + off, udp + 40, ulen - 40);
	off += ulen - 40;
	put16(b + 4, (uint16_t)(off - 40));
	return off;
}

/* spd_ip4_check (the compiled inbound check) says what spd_key_from_ip
 * says, for IPv4 headers of every shape: lengths, header lengths,
 * protocols with and without ports, fragments. */
START_TEST(ip4_check_as_key)
{
	static const uint8_t protos[] = { 1, 6, 17, 50, 132 };
	uint32_t x = 0x12345678;
	uint8_t p[80];
	struct spd_key k;

	for (int n = 0; n < 200000; n++) {
		for (size_t i = 0; i < sizeof(p); i++) {
			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			p[i] = (uint8_t)x;
		}
		uint32_t len = x % sizeof(p);
		p[0] = (uint8_t)(0x40 | ((x >> 8) % 16));
		p[2] = 0;
		p[3] = (uint8_t)((x >> 12) % 90);
		p[9] = protos[(x >> 20) % sizeof(protos)];
		if ((x >> 24) & 1)
			p[6] = p[7] = 0;
		ck_assert_int_eq(spd_ip4_check(p, len), spd_key_from_ip(&k, p, len, 0));
	}
}
END_TEST

START_TEST(key_ipv6)
{
	uint8_t b[512];
	struct spd_key k;
	static const uint8_t chain[] = { 0, 43, 60, 44 };

	size_t len = ip6_ext(b, NULL, 0, 0);
	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len, 0), 0);
	ck_assert_int_eq(k.family, AF_INET6);
	ck_assert_int_eq(k.proto, 17);
	ck_assert_int_eq(k.dport, 4444);
	for (uint32_t l = 0; l < 44; l++)
		ck_assert_msg(spd_key_from_ip(&k, b, l, 0) == -1, "len %u", l);

	len = ip6_ext(b, chain, 4, 0x0001);  /* first fragment (M set) */
	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len, 0), 0);
	ck_assert_int_eq(k.proto, 17);
	ck_assert_int_eq(k.sport, 3333);
	ck_assert_int_eq(k.dport, 4444);
	/* truncated inside the chain: every length short of the ports fails,
	 * with the payload length set to the truncated size */
	for (uint32_t l = 40; l < len - 8; l++) {
		put16(b + 4, (uint16_t)(l - 40));
		ck_assert_msg(spd_key_from_ip(&k, b, l, 0) == -1, "len %u", l);
	}
	put16(b + 4, (uint16_t)(len - 40));
	/* payload length beyond the octets present */
	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len - 1, 0), -1);

	len = ip6_ext(b, chain, 4, 0x0100);  /* non-first fragment */
	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len, 0), 0);
	ck_assert_int_eq(k.proto, 17);
	ck_assert_int_eq(k.sport, 0);
	ck_assert_int_eq(k.dport, 0);

	/* a chain longer than the walk allows */
	static const uint8_t longchain[] = { 0, 60, 60, 60, 60, 60, 60, 60, 60 };
	len = ip6_ext(b, longchain, 9, 0);
	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len, 0), -1);
	/* an extension header whose length runs past the packet */
	len = ip6_ext(b, chain, 1, 0);
	b[41] = 200;
	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len, 0), -1);
	/* ICMPv6: no ports */
	len = ip6_ext(b, NULL, 0, 0);
	b[6] = 58;
	ck_assert_int_eq(spd_key_from_ip(&k, b, (uint32_t)len, 0), 0);
	ck_assert_int_eq(k.proto, 58);
	ck_assert_int_eq(k.dport, 0);
}
END_TEST

/* A small random generator, so a failure names a reproducible seed. */
static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* An address octet of the random rules and packets: 10 or 11, or (IPv6,
 * past the second octet and before the last) always 10, so that IPv6
 * prefixes of any length hit as often as IPv4 ones. */
static uint8_t rnd_octet(uint32_t *seed, uint8_t family, int i)
{
	if (family == AF_INET6 && i >= 2 && i < 15)
		return 10;
	return (uint8_t)(10 + rnd(seed) % 2);
}

/*
 * 1..@p max random rules into @p spd (compiled) and @p plain (the same,
 * not compiled), over a small address space, mostly of @p family: so that
 * prefixes, protocols, labels and port ranges hit and miss.
 */
static void random_rules(struct spd *spd, struct spd *plain, uint32_t max, uint32_t *seed,
			 uint8_t family, uint32_t index_from)
{
	static const uint8_t protos[] = { 0, 1, 6, 17, 50, 58, 132 };
	uint8_t other = family == AF_INET ? AF_INET6 : AF_INET;

	spd_release(spd);
	spd->n = 1 + rnd(seed) % max;
	for (uint32_t i = 0; i < spd->n; i++) {
		struct spd_sel *s = &spd->rules[i].sel;
		uint32_t f = rnd(seed) % 4;
		uint8_t fam = f == 0 ? 0 : f == 3 ? other : family;
		unsigned bits = fam == AF_INET6 ? 129 : 33;

		spd_sel_any(s, fam);
		for (int k = 0; k < 16; k++) {
			s->src[k] = rnd_octet(seed, fam, k);
			s->dst[k] = rnd_octet(seed, fam, k);
		}
		s->src_len = (uint8_t)(rnd(seed) % bits);
		s->dst_len = (uint8_t)(rnd(seed) % bits);
		s->proto = protos[rnd(seed) % sizeof(protos)];
		if (rnd(seed) % 2) {
			s->sport_lo = (uint16_t)(rnd(seed) % 3);
			s->sport_hi = (uint16_t)(s->sport_lo + rnd(seed) % 3);
		}
		if (rnd(seed) % 2) {
			s->dport_lo = (uint16_t)(rnd(seed) % 3);
			s->dport_hi = (uint16_t)(rnd(seed) % 4 == 0 ? UINT16_MAX
								    : s->dport_lo + rnd(seed) % 3);
		}
		s->label = rnd(seed) % 3 == 0 ? SPD_LABEL_ANY : (uint16_t)(rnd(seed) % 2);
		spd->rules[i].id = i;
	}
	memcpy(plain, spd, sizeof(*spd) + spd->n * sizeof(struct spd_rule));
	spd_compile_indexed(spd, index_from);
	if (spd->n >= index_from) {
		ck_assert_ptr_nonnull(spd->ix4);
		ck_assert_ptr_nonnull(spd->ix6);
		ck_assert_uint_le(spd->ix4->n_groups, SPD_GROUPS_MAX);
	}
}

/*
 * The in-place tests run three times: rules scanned (fewer than
 * SPD_INDEX_FROM), the same indexed, and many more rules than the index
 * has groups for (pairs of prefix lengths), so that the empty prefixes'
 * group takes the rest.
 */
static const struct {
	uint32_t rules, index_from;
} variant[] = { { 12, SPD_INDEX_FROM }, { 12, 0 }, { 150, 0 } };

enum { RULES_MAX = 150 };

/* The same rule from both snapshots, or both none. */
static bool same_rule(const struct spd_rule *a, const struct spd_rule *b)
{
	return a == NULL ? b == NULL : b != NULL && a->id == b->id;
}

/*
 * An in-place lookup's answers, with a fresh memo (@p got) and with the
 * snapshot's (@p kept), against spd_lookup() on the packet's key, compiled
 * (@p spd) and field by field (@p plain). True when a rule took it.
 */
static bool check_in_place(const struct spd *spd, const struct spd *plain,
			   const struct spd_key *k, const struct spd_rule *got,
			   const struct spd_rule *kept, int round, int n)
{
	const struct spd_rule *want = spd_lookup(spd, k);

	ck_assert_msg(kept == got, "round %d pkt %d: memo gives rule %d, scan %d", round, n,
		      kept ? (int)kept->id : -1, got ? (int)got->id : -1);
	ck_assert_msg(got == want, "round %d pkt %d: rule %d, want %d", round, n,
		      got ? (int)got->id : -1, want ? (int)want->id : -1);
	ck_assert_msg(same_rule(spd_lookup(plain, k), want),
		      "round %d pkt %d: field by field differs", round, n);
	return want != NULL;
}

/*
 * spd_lookup_ip4 reads the rules against the IPv4 header in place; it must
 * agree with spd_key_from_ip + spd_lookup (compiled and field by field) on
 * every header classify lets through: random rules over a small address
 * space (so prefixes, labels and port ranges hit and miss), random
 * protocols, fragments, options and truncated transport headers.
 */
START_TEST(lookup_ip4_in_place)
{
	enum { ROUNDS = 400, PKTS = 200 };
	static const uint8_t protos[] = { 0, 1, 6, 17, 50, 132 };
	struct spd *spd = calloc(1, sizeof(*spd) + RULES_MAX * sizeof(struct spd_rule));
	struct spd *plain = calloc(1, sizeof(*plain) + RULES_MAX * sizeof(struct spd_rule));
	uint32_t seed = 1, checked = 0, matched = 0, bad = 0, memo_hits = 0, cache_hits = 0;
	uint32_t prefetched = 0;
	/* a worker's memo with the cache behind it: kept across rounds, each
	 * round's rules (in the same memory) a new snapshot, as a worker's */
	struct spd_cache4 *cache = calloc(1, sizeof(*cache));
	struct spd *empty = calloc(1, sizeof(*empty));
	struct spd_memo4 wmemo = { .cache = cache };

	ck_assert_ptr_nonnull(spd);
	ck_assert_ptr_nonnull(plain);
	ck_assert_ptr_nonnull(cache);
	ck_assert_ptr_nonnull(empty);
	spd_compile(empty);
	cache->gen = 1;
	for (int round = 0; round < ROUNDS; round++) {
		random_rules(spd, plain, variant[_i].rules, &seed, AF_INET, variant[_i].index_from);
		wmemo.rule = NULL;
		spd_cache4_flush(cache);
		struct spd_memo4 memo = { 0 };   /* one per snapshot, as a worker's */
		uint8_t prev[64] = { 0 };
		uint16_t prev_label = 0;

		for (int n = 0; n < PKTS; n++) {
			uint8_t ip[64] = { 0 };
			uint32_t hl = rnd(&seed) % 4 == 0 ? 24 : 20;
			uint32_t tot = hl + rnd(&seed) % 9;
			uint16_t label = (uint16_t)(rnd(&seed) % 2);
			struct spd_key k;
			bool is_bad;

			ip[0] = (uint8_t)(0x40 | hl / 4);
			ip[2] = 0;
			ip[3] = (uint8_t)tot;
			ip[6] = rnd(&seed) % 4 == 0 ? (uint8_t)(rnd(&seed) % 2 ? 0x20 : 0x01) : 0;
			ip[9] = protos[rnd(&seed) % sizeof(protos)];
			for (int k2 = 12; k2 < 20; k2++)
				ip[k2] = (uint8_t)(10 + rnd(&seed) % 2);
			for (uint32_t k2 = hl; k2 < tot; k2++)
				ip[k2] = (uint8_t)(rnd(&seed) % 3 == 0 ? rnd(&seed) % 3 : 0);

			/* half the packets repeat the last one's addresses,
			 * protocol and label (other ports, fragment bits,
			 * length): the memo's case */
			if (n > 0 && rnd(&seed) % 2) {
				memcpy(ip + 12, prev + 12, 8);
				ip[9] = prev[9];
				label = prev_label;
			}
			memcpy(prev, ip, sizeof(prev));
			prev_label = label;

			struct spd_memo4 fresh = { 0 };
			const struct spd_rule *got = spd_lookup_ip4(spd, &fresh, ip, label, &is_bad);
			const struct spd_rule *kept = spd_lookup_ip4(spd, &memo, ip, label, &is_bad);
			bool was_memo = wmemo.rule != NULL &&
					memcmp(&wmemo.addrs, ip + 12, 8) == 0 &&
					wmemo.pl == spd_pl4(ip[9], true, label);
			bool is_bad2;
			const struct spd_rule *cached = spd_lookup_ip4(spd, &wmemo, ip, label, &is_bad2);

			ck_assert_ptr_eq(cached, got);
			/* an SPD with no rules answers only from the cache */
			struct spd_memo4 probe = { .cache = cache };
			const struct spd_rule *from_cache = spd_lookup_ip4(empty, &probe, ip, label,
									   &is_bad2);

			if (from_cache != NULL) {
				ck_assert_ptr_eq(from_cache, got);
				cache_hits += !was_memo;
			}
			/* the worker prefetches, before an unlabeled lookup, the
			 * entry that lookup reads */
			if (label == 0) {
				const struct spd_cache4_entry *e = spd_cache4_prefetch(&wmemo, ip);
				bool holds = e->gen == cache->gen && e->rule == from_cache &&
					     memcmp(&e->addrs, ip + 12, 8) == 0;

				ck_assert(holds == (from_cache != NULL));
				prefetched += holds;
			}
			memo_hits += memo.rule != NULL && memo.rule == kept && fresh.rule == NULL;
			int rc = spd_key_from_ip(&k, ip, tot, label);

			ck_assert_msg(is_bad == (rc != 0), "round %d pkt %d: bad %d, key rc %d",
				      round, n, is_bad, rc);
			if (rc != 0) {
				ck_assert_ptr_eq(kept, got);
				bad++;
				continue;
			}
			checked++;
			matched += check_in_place(spd, plain, &k, got, kept, round, n);
		}
	}
	/* the generator must exercise all three outcomes */
	ck_assert_uint_gt(matched, checked / 10);
	ck_assert_uint_lt(matched, checked - checked / 10);
	ck_assert_uint_gt(bad, 100);
	ck_assert_uint_gt(memo_hits, 200);
	ck_assert_uint_gt(cache_hits, 200);
	ck_assert_uint_gt(prefetched, 200);
	free(cache);
	free(empty);
	spd_release(spd);
	free(spd);
	free(plain);
}
END_TEST

/*
 * spd_lookup_ip6_whole, the same way: every header classify_fast6() lets
 * through (an upper-layer next header with 8 to 16 octets of it), against
 * spd_key_from_ip + spd_lookup, compiled and field by field; its memo
 * against a fresh one.
 */
START_TEST(lookup_ip6_in_place)
{
	enum { ROUNDS = 400, PKTS = 200 };
	static const uint8_t protos[] = { 1, 6, 17, 50, 58, 132 };
	struct spd *spd = calloc(1, sizeof(*spd) + RULES_MAX * sizeof(struct spd_rule));
	struct spd *plain = calloc(1, sizeof(*plain) + RULES_MAX * sizeof(struct spd_rule));
	uint32_t seed = 3, checked = 0, matched = 0, memo_hits = 0, cache_hits = 0, prefetched = 0;
	/* as in lookup_ip4_in_place: a worker's memo and cache, kept */
	struct spd_cache6 *cache = calloc(1, sizeof(*cache));
	struct spd *empty = calloc(1, sizeof(*empty));
	struct spd_memo6 wmemo = { .cache = cache };

	ck_assert_ptr_nonnull(spd);
	ck_assert_ptr_nonnull(plain);
	ck_assert_ptr_nonnull(cache);
	ck_assert_ptr_nonnull(empty);
	spd_compile(empty);
	cache->gen = 1;
	for (int round = 0; round < ROUNDS; round++) {
		random_rules(spd, plain, variant[_i].rules, &seed, AF_INET6, variant[_i].index_from);
		wmemo.rule = NULL;
		spd_cache6_flush(cache);
		struct spd_memo6 memo = { 0 };
		/* (the previous packet's addresses and next header on their own:
		 * copying them from a whole header trips GCC 12's -Warray-bounds
		 * with AVX-512) */
		uint64_t prev_addrs[4] = { 0 };
		uint8_t prev_nh = 0;
		uint16_t prev_label = 0;

		for (int n = 0; n < PKTS; n++) {
			uint8_t ip[64] = { 0 };
			uint32_t plen = 8 + rnd(&seed) % 9;
			uint16_t label = (uint16_t)(rnd(&seed) % 2);
			struct spd_key k;

			ip[0] = 0x60;
			ip[5] = (uint8_t)plen;
			ip[6] = protos[rnd(&seed) % sizeof(protos)];
			ip[7] = 64;
			for (int k2 = 0; k2 < 16; k2++) {
				ip[8 + k2] = rnd_octet(&seed, AF_INET6, k2);
				ip[24 + k2] = rnd_octet(&seed, AF_INET6, k2);
			}
			for (uint32_t k2 = 40; k2 < 40 + plen; k2++)
				ip[k2] = (uint8_t)(rnd(&seed) % 3 == 0 ? rnd(&seed) % 3 : 0);
			if (n > 0 && rnd(&seed) % 2) {
				memcpy(ip + 8, prev_addrs, 32);
				ip[6] = prev_nh;
				label = prev_label;
			}
			memcpy(prev_addrs, ip + 8, 32);
			prev_nh = ip[6];
			prev_label = label;

			struct spd_memo6 fresh = { 0 };
			const struct spd_rule *got = spd_lookup_ip6_whole(spd, &fresh, ip, 40 + plen, label);
			const struct spd_rule *kept = spd_lookup_ip6_whole(spd, &memo, ip, 40 + plen, label);
			bool was_memo = wmemo.rule != NULL && memcmp(wmemo.addrs, ip + 8, 32) == 0 &&
					wmemo.h == spd_key_word(AF_INET6, ip[6], label);
			const struct spd_rule *cached = spd_lookup_ip6_whole(spd, &wmemo, ip, 40 + plen,
									     label);
			struct spd_memo6 probe = { .cache = cache };
			const struct spd_rule *from_cache = spd_lookup_ip6_whole(empty, &probe, ip,
										 40 + plen, label);

			ck_assert_ptr_eq(cached, got);
			if (from_cache != NULL) {
				ck_assert_ptr_eq(from_cache, got);
				cache_hits += !was_memo;
			}
			if (label == 0) {
				const struct spd_cache6_entry *e = spd_cache6_prefetch(&wmemo, ip);
				bool holds = e->gen == cache->gen && e->rule == from_cache &&
					     memcmp(e->addrs, ip + 8, 32) == 0;

				ck_assert(holds == (from_cache != NULL));
				prefetched += holds;
			}

			memo_hits += memo.rule != NULL && memo.rule == kept && fresh.rule == NULL;
			ck_assert_int_eq(spd_key_from_ip(&k, ip, 40 + plen, label), 0);
			checked++;
			matched += check_in_place(spd, plain, &k, got, kept, round, n);
		}
	}
	ck_assert_uint_gt(matched, checked / 10);
	ck_assert_uint_lt(matched, checked - checked / 10);
	ck_assert_uint_gt(memo_hits, 200);
	ck_assert_uint_gt(cache_hits, 200);
	ck_assert_uint_gt(prefetched, 200);
	free(cache);
	free(empty);
	spd_release(spd);
	free(spd);
	free(plain);
}
END_TEST

/*
 * The inbound SAs' compiled IPv6 check (ESP_IN_CHK_SEL6): for a packet
 * spd_ip6_plain() takes, spd_sel_addrs6() must decide as spd_key_from_ip
 * + spd_sel_match() on an address-only selector; and spd_ip6_plain() must
 * take exactly the packets whose key needs no extension header walk.
 */
START_TEST(sel_addrs6_as_match)
{
	static const uint8_t protos[] = { 0, 1, 6, 17, 43, 58, 60, 132 };
	uint32_t seed = 5, plain = 0, hits = 0;

	for (int n = 0; n < 20000; n++) {
		struct spd_sel sel;
		uint32_t f = rnd(&seed) % 4;
		uint8_t fam = f == 0 ? 0 : f == 1 ? AF_INET : AF_INET6;
		uint8_t ip[64] = { 0 };
		uint32_t plen = rnd(&seed) % 13;
		struct spd_key k;

		spd_sel_any(&sel, fam);
		for (int i = 0; i < 16; i++) {
			sel.src[i] = rnd_octet(&seed, AF_INET6, i);
			sel.dst[i] = rnd_octet(&seed, AF_INET6, i);
		}
		sel.src_len = (uint8_t)(rnd(&seed) % 129);
		sel.dst_len = (uint8_t)(rnd(&seed) % 129);
		ip[0] = 0x60;
		ip[5] = (uint8_t)plen;
		/* the common ones, or any (spd_ip6_plain()'s table of them) */
		ip[6] = rnd(&seed) % 2 ? protos[rnd(&seed) % sizeof(protos)] : (uint8_t)rnd(&seed);
		for (int i = 0; i < 16; i++) {
			ip[8 + i] = rnd_octet(&seed, AF_INET6, i);
			ip[24 + i] = rnd_octet(&seed, AF_INET6, i);
		}
		int rc = spd_key_from_ip(&k, ip, 40 + plen, 0);

		ck_assert_int_eq(spd_ip6_plain(ip, 40 + plen), rc == 0 && !spd_ip6_ext(ip[6]));
		if (!spd_ip6_plain(ip, 40 + plen))
			continue;
		plain++;
		bool want = spd_sel_match(&sel, &k);

		ck_assert_msg(spd_sel_addrs6(&sel, ip) == want, "n %d: family %u /%u /%u", n, fam,
			      sel.src_len, sel.dst_len);
		hits += want;
	}
	ck_assert_uint_gt(plain, 5000);
	ck_assert_uint_gt(hits, plain / 10);
	ck_assert_uint_lt(hits, plain - plain / 10);
}
END_TEST

/* spd_ip6_plain() keeps its own table of next headers: for every one of
 * the 256 and every short payload, its answer is spd_ip6_ext()'s and
 * spd_has_ports()'s. */
START_TEST(ip6_plain_knows_every_next_header)
{
	uint8_t ip[48] = { 0x60 };

	for (unsigned nh = 0; nh < 256; nh++)
		for (uint32_t plen = 0; plen <= 8; plen++) {
			bool want = !spd_ip6_ext((uint8_t)nh) && (!spd_has_ports((uint8_t)nh) || plen >= 4);

			ip[5] = (uint8_t)plen;
			ip[6] = (uint8_t)nh;
			ck_assert_msg(spd_ip6_plain(ip, 40 + plen) == want, "next header %u, %u octets",
				      nh, plen);
			ck_assert(!spd_ip6_plain(ip, 39 + plen));   /* shorter than it says */
		}
}
END_TEST

/* Do prefixes @p a / @p al and @p b / @p bl share an address? Bit by bit. */
static bool prefixes_meet(const uint8_t *a, unsigned al, const uint8_t *b, unsigned bl)
{
	for (unsigned k = 0; k < RTE_MIN(al, bl); k++)
		if (((a[k / 8] ^ b[k / 8]) >> (7 - k % 8)) & 1)
			return false;
	return true;
}

/* May a packet match the addresses, protocols and labels of both
 * selectors? Field by field, as spd_sel_match() reads them. */
static bool sels_meet(const struct spd_sel *a, const struct spd_sel *b)
{
	if (a->label != SPD_LABEL_ANY && b->label != SPD_LABEL_ANY && a->label != b->label)
		return false;
	if (a->proto != 0 && b->proto != 0 && a->proto != b->proto)
		return false;
	if (a->family == 0 || b->family == 0)
		return true;
	return a->family == b->family && prefixes_meet(a->src, a->src_len, b->src, b->src_len) &&
	       prefixes_meet(a->dst, a->dst_len, b->dst, b->dst_len);
}

/* Rule @p i of @p spd is alone: no earlier selector meets its. */
static bool alone_by_fields(const struct spd *spd, uint32_t i)
{
	for (uint32_t q = 0; q < i; q++)
		if (sels_meet(&spd->rules[q].sel, &spd->rules[i].sel))
			return false;
	return true;
}

/*
 * spd_match.alone against the field-by-field reference on random rules of
 * both families, scanned and indexed: never alone where an earlier rule
 * meets it (the wide memos would then take its packets), and exactly the
 * reference where the compile's budget suffices (a dozen rules).
 */
START_TEST(alone_where_no_earlier_rule_meets)
{
	struct spd *spd = calloc(1, sizeof(*spd) + RULES_MAX * sizeof(struct spd_rule));
	struct spd *plain = calloc(1, sizeof(*plain) + RULES_MAX * sizeof(struct spd_rule));
	uint32_t seed = 0xa10e + (uint32_t)_i, alone = 0, want = 0;

	ck_assert_ptr_nonnull(spd);
	ck_assert_ptr_nonnull(plain);
	for (int round = 0; round < 400; round++) {
		random_rules(spd, plain, variant[_i].rules, &seed, round % 2 ? AF_INET6 : AF_INET,
			     variant[_i].index_from);
		for (uint32_t i = 0; i < spd->n; i++) {
			bool ref = alone_by_fields(spd, i);

			ck_assert_msg(!spd->rules[i].m.alone || ref,
				      "round %d: rule %u of %u alone, an earlier one meets it", round,
				      i, spd->n);
			ck_assert_msg(variant[_i].rules > 12 || spd->rules[i].m.alone == ref,
				      "round %d: rule %u of %u: alone %d, want %d", round, i, spd->n,
				      spd->rules[i].m.alone, ref);
			alone += spd->rules[i].m.alone;
			want += ref;
		}
	}
	/* the many rules' index finds most of them too */
	ck_assert_msg(alone * 10 >= want * 9, "%u alone, %u by the fields", alone, want);
	spd_release(spd);
	free(spd);
	free(plain);
}
END_TEST

/*
 * A hub's snapshot: 3000 tunnels' policies, a site's /24 to the hub's
 * /16 each, then a rule for everything. Every tunnel's rule is alone, the
 * last not. A rule for one host ahead of them all (more specific than
 * theirs) takes that from its site's tunnel only, as does one for a
 * site's /24 to anywhere (less specific); neither costs the rest.
 */
START_TEST(alone_in_a_hub_snapshot)
{
	enum { SITES = 3000, EXTRA = 2 };
	struct spd *spd = calloc(1, sizeof(*spd) + (SITES + EXTRA + 1) * sizeof(struct spd_rule));
	char src[32];

	ck_assert_ptr_nonnull(spd);
	for (int ahead = 0; ahead <= EXTRA; ahead++) {
		uint32_t n = 0;

		if (ahead >= 1)
			sel_set(&spd->rules[n++].sel, "10.0.7.9/32", "10.200.3.3/32", 0, 0, 0, 0);
		if (ahead >= 2)
			sel_set(&spd->rules[n++].sel, "10.0.9.0/24", "0.0.0.0/0", 6, 0, 0, 0);
		for (uint32_t k = 0; k < SITES; k++) {
			snprintf(src, sizeof(src), "10.%u.%u.0/24", k / 256, k % 256);
			sel_set(&spd->rules[n++].sel, src, "10.200.0.0/16", 0, 0, 0, 0);
		}
		sel_set(&spd->rules[n++].sel, NULL, NULL, 0, 0, 0, SPD_LABEL_ANY);
		spd->n = n;
		spd_compile(spd);
		ck_assert_ptr_nonnull(spd->ix4);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t site = i - (uint32_t)ahead;
			bool want = i < (uint32_t)ahead ? i == 0 || !sels_meet(&spd->rules[0].sel,
									       &spd->rules[i].sel)
				    : i == n - 1 ? false
				    : !((ahead >= 1 && site == 7) || (ahead >= 2 && site == 9));

			ck_assert_msg(spd->rules[i].m.alone == want, "%d ahead: rule %u alone %d", ahead,
				      i, spd->rules[i].m.alone);
		}
		spd_release(spd);
	}
	free(spd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("spd");
	TCase *tc = tcase_create("spd");
	tcase_add_test(tc, lookup_table);
	tcase_add_test(tc, sel_any_and_zero);
	tcase_add_test(tc, key_ipv4);
	tcase_add_test(tc, ip4_check_as_key);
	tcase_add_test(tc, key_ipv6);
	tcase_add_loop_test(tc, lookup_ip4_in_place, 0, RTE_DIM(variant));
	tcase_add_loop_test(tc, lookup_ip6_in_place, 0, RTE_DIM(variant));
	tcase_add_test(tc, sel_addrs6_as_match);
	tcase_add_test(tc, ip6_plain_knows_every_next_header);
	tcase_add_loop_test(tc, alone_where_no_earlier_rule_meets, 0, RTE_DIM(variant));
	tcase_add_test(tc, alone_in_a_hub_snapshot);
	tcase_set_timeout(tc, 60);   /* the in-place lookups: 3 s each under ASan */
	suite_add_tcase(s, tc);
	return check_run(s);
}
