/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP fragmentation of the gateway's own datagrams (drivers/ipfrag.c): what
 * ipfrag_split() cuts, ipfrag_input() puts back together in any order, for
 * IPv4 and IPv6; and everything a hostile sender can do to the reassembler
 * is refused and counted without disturbing the datagrams in progress:
 * overlaps, duplicates, too many or too large fragments, bad lengths,
 * conflicting ends, a full table, and fragments that never complete.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/ipfrag.h"
#include "tests/check_run.h"

enum { FRAGS_MAX = 256, PKT_MAX = 65535 + 60 };

/* The fragments ipfrag_split() emitted, each as one packet. */
static uint8_t frag[FRAGS_MAX][9216];
static size_t frag_len[FRAGS_MAX];
static unsigned n_frag;

static int collect(void *arg, const uint8_t *hdr, size_t hdr_len, const uint8_t *data,
		   size_t data_len)
{
	(void)arg;
	if (n_frag == FRAGS_MAX || hdr_len + data_len > sizeof(frag[0]))
		return -ENOSPC;
	memcpy(frag[n_frag], hdr, hdr_len);
	memcpy(frag[n_frag] + hdr_len, data, data_len);
	frag_len[n_frag++] = hdr_len + data_len;
	return 0;
}

static uint8_t pkt[PKT_MAX];

/* An IPv4 (or IPv6) UDP-like datagram of @p len octets from @p src_last. */
static size_t make(int family, size_t len, uint8_t src_last, uint8_t seed)
{
	memset(pkt, 0, 48);
	for (size_t i = 0; i < len; i++)
		pkt[i] = (uint8_t)(i * 7 + seed);
	if (family == 4) {
		pkt[0] = 0x45;
		pkt[1] = 0;
		pkt[2] = (uint8_t)(len >> 8);
		pkt[3] = (uint8_t)len;
		pkt[4] = pkt[5] = pkt[6] = pkt[7] = 0;
		pkt[8] = 64;
		pkt[9] = 17;
		memcpy(pkt + 12, (uint8_t[]){ 192, 0, 2, src_last, 192, 0, 2, 200 }, 8);
	} else {
		static const uint8_t net[16] = { 0x20, 0x01, 0x0d, 0xb8 };

		pkt[0] = 0x60;
		pkt[1] = pkt[2] = pkt[3] = 0;
		pkt[4] = (uint8_t)((len - 40) >> 8);
		pkt[5] = (uint8_t)(len - 40);
		pkt[6] = 17;
		pkt[7] = 64;
		memcpy(pkt + 8, net, 16);
		pkt[23] = src_last;
		memcpy(pkt + 24, net, 16);
		pkt[39] = 200;
	}
	return len;
}

static uint16_t sum16(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The reassembled datagram equals the original but for the IPv4 fields
 * fragmentation changes (Identification, checksum). */
static void check_same(int family, const uint8_t *out, size_t out_len, size_t len)
{
	ck_assert_uint_eq(out_len, len);
	if (family == 4) {
		ck_assert_mem_eq(out, pkt, 4);
		ck_assert_uint_eq(out[6] & 0x3f, 0);
		ck_assert_uint_eq(out[7], 0);
		ck_assert_uint_eq(sum16(out, 20), 0xffff);
		ck_assert_mem_eq(out + 8, pkt + 8, 2);
		ck_assert_mem_eq(out + 12, pkt + 12, len - 12);
	} else {
		ck_assert_mem_eq(out, pkt, len);
	}
}

static struct ipfrag_table *table(unsigned dgrams, unsigned frags, uint32_t size, uint32_t ms)
{
	struct ipfrag_limits lim = {
		.max_dgrams = dgrams, .max_frags = frags, .max_size = size, .timeout_ms = ms,
	};
	struct ipfrag_table *t = ipfrag_table_new(&lim);

	ck_assert_ptr_nonnull(t);
	return t;
}

static enum ipfrag_result feed(struct ipfrag_table *t, unsigned i, uint64_t now,
			       const uint8_t **out, size_t *out_len)
{
	return ipfrag_input(t, frag[i], frag_len[i], now, out, out_len);
}

static void split(size_t len, uint32_t mtu, uint32_t ident)
{
	n_frag = 0;
	ck_assert_int_gt(ipfrag_split(pkt, len, mtu, ident, collect, NULL), 1);
}

START_TEST(split_then_reassemble_in_any_order)
{
	static const size_t lens[] = { 1400, 1900, 2345, 9001, 65535 };
	static const uint32_t mtus[] = { 1280, 1500, 576, 1283 };
	int family = _i ? 6 : 4;
	struct ipfrag_table *t = table(4, 256, 65535, 5000);

	for (unsigned l = 0; l < 5; l++)
		for (unsigned m = 0; m < 4; m++)
			for (unsigned order = 0; order < 3; order++) {
				/* the largest: 65535 octets for IPv4, a 65535-octet
				 * payload after the fixed header for IPv6 */
				size_t len = make(family, lens[l] + (l == 4 && family == 6 ? 40 : 0),
						  1, (uint8_t)(l + m));
				const uint8_t *out = NULL;
				size_t out_len = 0;
				unsigned idx[FRAGS_MAX];

				if (len <= mtus[m])
					continue;
				split(len, mtus[m], l * 16 + m * 4 + order);
				/* every fragment fits, all but the last carry 8k octets */
				for (unsigned i = 0; i < n_frag; i++) {
					size_t hl = family == 4 ? 20 : 48;

					ck_assert_uint_le(frag_len[i], mtus[m]);
					if (i + 1 < n_frag)
						ck_assert_uint_eq((frag_len[i] - hl) % 8, 0);
					idx[i] = i;
				}
				if (order == 1) /* reversed */
					for (unsigned i = 0; i < n_frag; i++)
						idx[i] = n_frag - 1 - i;
				if (order == 2) /* the first one last */
					for (unsigned i = 0; i < n_frag; i++)
						idx[i] = (i + 1) % n_frag;
				for (unsigned i = 0; i + 1 < n_frag; i++)
					ck_assert_int_eq(feed(t, idx[i], 0, &out, &out_len),
							 IPFRAG_HELD);
				ck_assert_int_eq(feed(t, idx[n_frag - 1], 0, &out, &out_len),
						 IPFRAG_DONE);
				check_same(family, out, out_len, len);
				ck_assert_uint_eq(ipfrag_pending(t), 0);
			}
	ck_assert_uint_eq(ipfrag_stats(t)->overlaps + ipfrag_stats(t)->malformed, 0);
	ipfrag_table_free(t);
}
END_TEST

START_TEST(whole_packets_pass_and_df_is_respected)
{
	struct ipfrag_table *t = ipfrag_table_new(NULL);
	const uint8_t *out;
	size_t out_len, len = make(4, 600, 1, 0);

	ck_assert_int_eq(ipfrag_input(t, pkt, len, 0, &out, &out_len), IPFRAG_WHOLE);
	n_frag = 0;
	ck_assert_int_eq(ipfrag_split(pkt, len, 1500, 1, collect, NULL), 1);
	ck_assert_uint_eq(frag_len[0], len);
	ck_assert_mem_eq(frag[0], pkt, len);
	pkt[6] = 0x40; /* DF */
	ck_assert_int_eq(ipfrag_split(pkt, len, 576, 1, collect, NULL), -EMSGSIZE);
	pkt[6] = 0x20; /* already a fragment */
	ck_assert_int_eq(ipfrag_split(pkt, len, 576, 1, collect, NULL), -EINVAL);
	len = make(6, 600, 1, 0);
	ck_assert_int_eq(ipfrag_input(t, pkt, len, 0, &out, &out_len), IPFRAG_WHOLE);
	ck_assert_int_eq(ipfrag_split(pkt, len, 40, 1, collect, NULL), -EMSGSIZE);
	pkt[6] = 0; /* a hop-by-hop header: not split here */
	ck_assert_int_eq(ipfrag_split(pkt, len, 576, 1, collect, NULL), -EINVAL);
	ck_assert_int_eq(ipfrag_split(pkt, 10, 576, 1, collect, NULL), -EINVAL);
	ipfrag_table_free(t);
}
END_TEST

/* An IPv6 fragment whose Fragment header follows a Hop-by-Hop and a
 * Destination Options header, and an atomic fragment (RFC 6946). */
START_TEST(ipv6_extension_headers_and_atomic_fragments)
{
	struct ipfrag_table *t = ipfrag_table_new(NULL);
	size_t len = make(6, 3000, 1, 3);
	const uint8_t *out;
	size_t out_len;
	uint8_t *p;

	split(len, 1280, 77);
	for (unsigned i = 0; i < n_frag; i++) {
		p = frag[i];
		memmove(p + 40 + 16, p + 40, frag_len[i] - 40);
		memset(p + 40, 0, 16);
		p[40] = 60;      /* hop-by-hop, then destination options */
		p[48] = 44;      /* then the Fragment header */
		p[6] = 0;
		frag_len[i] += 16;
		p[4] = (uint8_t)((frag_len[i] - 40) >> 8);
		p[5] = (uint8_t)(frag_len[i] - 40);
		ck_assert_int_eq(feed(t, i, 0, &out, &out_len),
				 i + 1 < n_frag ? IPFRAG_HELD : IPFRAG_DONE);
	}
	check_same(6, out, out_len, len);

	/* atomic: offset 0, M clear */
	len = make(6, 200, 2, 4);
	n_frag = 0;
	memcpy(frag[0], pkt, 40);
	frag[0][6] = 44;
	memset(frag[0] + 40, 0, 8);
	frag[0][40] = 17;
	memcpy(frag[0] + 48, pkt + 40, len - 40);
	frag[0][5] = (uint8_t)(len - 40 + 8);
	frag_len[0] = len + 8;
	ck_assert_int_eq(feed(t, 0, 0, &out, &out_len), IPFRAG_DONE);
	check_same(6, out, out_len, len);
	ipfrag_table_free(t);
}
END_TEST

START_TEST(overlap_discards_the_datagram_duplicate_does_not)
{
	int family = _i ? 6 : 4;
	struct ipfrag_table *t = ipfrag_table_new(NULL);
	size_t len = make(family, 4000, 1, 5);
	const uint8_t *out;
	size_t out_len;

	split(len, 1280, 9);
	ck_assert_uint_ge(n_frag, 4);
	ck_assert_int_eq(feed(t, 0, 0, &out, &out_len), IPFRAG_HELD);
	ck_assert_int_eq(feed(t, 0, 0, &out, &out_len), IPFRAG_HELD); /* exact duplicate */
	ck_assert_uint_eq(ipfrag_stats(t)->duplicates, 1);
	for (unsigned i = 1; i + 1 < n_frag; i++)
		ck_assert_int_eq(feed(t, i, 0, &out, &out_len), IPFRAG_HELD);
	ck_assert_int_eq(feed(t, n_frag - 1, 0, &out, &out_len), IPFRAG_DONE);
	check_same(family, out, out_len, len);

	/* the same data at a different place: an overlap (RFC 5722) */
	split(len, 1280, 10);
	ck_assert_int_eq(feed(t, 0, 0, &out, &out_len), IPFRAG_HELD);
	/* a copy of fragment 1 ... */
	memcpy(frag[n_frag], frag[1], frag_len[1]);
	frag_len[n_frag] = frag_len[1];
	/* ... moved back by 8 octets: it overlaps fragment 0 */
	if (family == 4) {
		uint16_t fo = (uint16_t)(frag[n_frag][6] << 8 | frag[n_frag][7]);

		fo = (uint16_t)(fo - 1);
		frag[n_frag][6] = (uint8_t)(fo >> 8);
		frag[n_frag][7] = (uint8_t)fo;
	} else {
		uint16_t fo = (uint16_t)(frag[n_frag][42] << 8 | frag[n_frag][43]);

		fo = (uint16_t)(fo - 8);
		frag[n_frag][42] = (uint8_t)(fo >> 8);
		frag[n_frag][43] = (uint8_t)fo;
	}
	ck_assert_int_eq(ipfrag_input(t, frag[n_frag], frag_len[n_frag], 0, &out, &out_len),
			 IPFRAG_DROPPED);
	ck_assert_uint_eq(ipfrag_stats(t)->overlaps, 1);
	ck_assert_uint_eq(ipfrag_pending(t), 0);
	/* a changed copy of a fragment already held is an overlap too */
	ck_assert_int_eq(feed(t, 0, 0, &out, &out_len), IPFRAG_HELD);
	frag[0][frag_len[0] - 1] ^= 1;
	ck_assert_int_eq(feed(t, 0, 0, &out, &out_len), IPFRAG_DROPPED);
	ck_assert_uint_eq(ipfrag_stats(t)->overlaps, 2);
	ipfrag_table_free(t);
}
END_TEST

START_TEST(limits_timeout_eviction_and_counts)
{
	struct ipfrag_table *t = table(2, 4, 4096, 1000);
	const uint8_t *out;
	size_t out_len, len;

	/* timeout: one fragment held, gone after 1000 ms */
	len = make(4, 3000, 1, 0);
	split(len, 1280, 1);
	ck_assert_int_eq(feed(t, 0, 0, &out, &out_len), IPFRAG_HELD);
	ck_assert_int_eq(feed(t, 1, 999, &out, &out_len), IPFRAG_HELD);
	ck_assert_uint_eq(ipfrag_pending(t), 1);
	ck_assert_int_eq(feed(t, 2, 1000, &out, &out_len), IPFRAG_HELD); /* a new datagram */
	ck_assert_uint_eq(ipfrag_stats(t)->timeouts, 1);
	ipfrag_table_free(t);

	/* a full table evicts the oldest; the two newest still complete */
	t = table(2, 4, 4096, 1000);
	for (uint8_t src = 1; src <= 3; src++) {
		len = make(4, 3000, src, src);
		split(len, 1280, 5);
		ck_assert_int_eq(feed(t, 0, src, &out, &out_len), IPFRAG_HELD);
	}
	ck_assert_uint_eq(ipfrag_stats(t)->evicted, 1);
	for (uint8_t src = 3; src >= 1; src--) {
		len = make(4, 3000, src, src);
		split(len, 1280, 5);
		ck_assert_int_eq(feed(t, 1, 10, &out, &out_len), IPFRAG_HELD);
		/* source 1's first fragment was evicted: it cannot complete */
		ck_assert_int_eq(feed(t, 2, 10, &out, &out_len),
				 src == 1 ? IPFRAG_HELD : IPFRAG_DONE);
		if (src > 1)
			check_same(4, out, out_len, len);
	}
	ipfrag_table_free(t);

	/* more fragments than max_frags */
	t = table(2, 4, 4096, 1000);
	len = make(6, 4000, 1, 0);
	split(len, 600, 6);
	ck_assert_uint_ge(n_frag, 5);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_int_eq(feed(t, i, 0, &out, &out_len), IPFRAG_HELD);
	ck_assert_int_eq(feed(t, 4, 0, &out, &out_len), IPFRAG_DROPPED);
	ck_assert_uint_eq(ipfrag_stats(t)->too_many, 1);
	ck_assert_uint_eq(ipfrag_pending(t), 0);

	/* beyond max_size: the fragment and its datagram go */
	len = make(6, 6000, 1, 0);
	split(len, 1280, 7);
	ck_assert_int_eq(feed(t, 0, 0, &out, &out_len), IPFRAG_HELD);
	ck_assert_int_eq(feed(t, n_frag - 1, 0, &out, &out_len), IPFRAG_DROPPED);
	ck_assert_uint_eq(ipfrag_stats(t)->too_big, 1);
	ck_assert_uint_eq(ipfrag_pending(t), 0);
	ipfrag_table_free(t);
}
END_TEST

START_TEST(malformed_fragments_are_counted)
{
	struct ipfrag_table *t = ipfrag_table_new(NULL);
	const uint8_t *out;
	size_t out_len, len = make(4, 3000, 1, 0);
	uint64_t bad = 0;

	split(len, 1280, 3);
	/* a non-last fragment whose length is not a multiple of 8 */
	frag[0][3] = (uint8_t)(frag[0][3] - 1);
	ck_assert_int_eq(ipfrag_input(t, frag[0], frag_len[0] - 1, 0, &out, &out_len),
			 IPFRAG_DROPPED);
	ck_assert_uint_eq(ipfrag_stats(t)->malformed, ++bad);
	/* a total length past the packet, a header length under 20 */
	ck_assert_int_eq(ipfrag_input(t, frag[1], 100, 0, &out, &out_len), IPFRAG_DROPPED);
	frag[1][0] = 0x44;
	ck_assert_int_eq(feed(t, 1, 0, &out, &out_len), IPFRAG_DROPPED);
	ck_assert_int_eq(ipfrag_input(t, frag[2], 0, 0, &out, &out_len), IPFRAG_DROPPED);
	ck_assert_uint_eq(ipfrag_stats(t)->malformed, bad += 3);

	/* two different ends: the datagram is discarded */
	split(len, 1280, 4);
	ck_assert_int_eq(feed(t, n_frag - 1, 0, &out, &out_len), IPFRAG_HELD);
	frag[0][6] = 0x00; /* fragment 0 turned into a last fragment at offset 0 ... */
	frag[0][7] = 0x01; /* ... at offset 8 */
	ck_assert_int_eq(feed(t, 0, 0, &out, &out_len), IPFRAG_DROPPED);
	ck_assert_uint_eq(ipfrag_stats(t)->malformed + ipfrag_stats(t)->overlaps, bad + 1);
	ck_assert_uint_eq(ipfrag_pending(t), 0);

	/* IPv6: a Fragment header cut off; an extension header chain too long */
	len = make(6, 3000, 1, 0);
	split(len, 1280, 5);
	frag[0][4] = 0;
	frag[0][5] = 4;
	ck_assert_int_eq(feed(t, 0, 0, &out, &out_len), IPFRAG_DROPPED);
	memset(frag[1] + 40, 0, 200);
	frag[1][6] = 0;
	for (unsigned i = 0; i < 12; i++)
		frag[1][40 + i * 8] = 0; /* hop-by-hop after hop-by-hop ... */
	ck_assert_int_eq(feed(t, 1, 0, &out, &out_len), IPFRAG_DROPPED);
	ck_assert_uint_eq(ipfrag_stats(t)->malformed + ipfrag_stats(t)->overlaps, bad + 3);
	ck_assert_uint_eq(ipfrag_stats(t)->reassembled, 0);
	ipfrag_table_free(t);

	struct ipfrag_limits bad_lim = { .max_dgrams = 0, .max_frags = 4, .max_size = 100,
					 .timeout_ms = 1 };

	ck_assert_ptr_null(ipfrag_table_new(&bad_lim));
}
END_TEST

/* Two senders use the same Identification at once: two datagrams. */
START_TEST(interleaved_datagrams_stay_apart)
{
	struct ipfrag_table *t = ipfrag_table_new(NULL);
	static uint8_t a[FRAGS_MAX][1280], b[FRAGS_MAX][1280];
	static uint8_t pa[PKT_MAX], pb[PKT_MAX];
	size_t la[FRAGS_MAX], lb[FRAGS_MAX], len = 5000;
	unsigned na, nb;
	const uint8_t *out;
	size_t out_len;

	make(4, len, 1, 1);
	memcpy(pa, pkt, len);
	split(len, 1280, 42);
	na = n_frag;
	for (unsigned i = 0; i < na; i++)
		memcpy(a[i], frag[i], la[i] = frag_len[i]);
	make(4, len, 2, 2);
	memcpy(pb, pkt, len);
	split(len, 1280, 42);
	nb = n_frag;
	for (unsigned i = 0; i < nb; i++)
		memcpy(b[i], frag[i], lb[i] = frag_len[i]);
	ck_assert_uint_eq(na, nb);
	for (unsigned i = 0; i < na; i++) {
		enum ipfrag_result r = ipfrag_input(t, a[i], la[i], 0, &out, &out_len);

		if (r == IPFRAG_DONE) {
			memcpy(pkt, pa, len);
			check_same(4, out, out_len, len);
		}
		r = ipfrag_input(t, b[i], lb[i], 0, &out, &out_len);
		if (r == IPFRAG_DONE) {
			memcpy(pkt, pb, len);
			check_same(4, out, out_len, len);
		}
	}
	ck_assert_uint_eq(ipfrag_stats(t)->reassembled, 2);
	ipfrag_table_free(t);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ipfrag");
	TCase *tc = tcase_create("ipfrag");

	tcase_add_loop_test(tc, split_then_reassemble_in_any_order, 0, 2);
	tcase_add_test(tc, whole_packets_pass_and_df_is_respected);
	tcase_add_test(tc, ipv6_extension_headers_and_atomic_fragments);
	tcase_add_loop_test(tc, overlap_discards_the_datagram_duplicate_does_not, 0, 2);
	tcase_add_test(tc, limits_timeout_eviction_and_counts);
	tcase_add_test(tc, malformed_fragments_are_counted);
	tcase_add_test(tc, interleaved_datagrams_stay_apart);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(suite());
}
