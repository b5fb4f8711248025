/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Masked compares of a few 64-bit words as vectors, for the per-packet
 * checks that compare a header against a memo or a selector: the IPv6
 * selector's addresses (4 words), the flow memos (4 and 6 words).
 *
 * GCC's and clang's vector extension does the AND and the XOR (one
 * VPTERNLOGQ with AVX-512, two instructions without); the test for zero
 * is PTEST where the target has it. Word for word, the same compares
 * took 5 instructions a word: 28 for the four of an IPv6 selector.
 */
#ifndef ESPRIT_DATAPLANE_VEC_H
#define ESPRIT_DATAPLANE_VEC_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_vect.h>

typedef uint64_t vec_u64x2 __attribute__((vector_size(16)));
typedef uint64_t vec_u64x4 __attribute__((vector_size(32)));

/** Is every bit of @p v zero? */
static __rte_always_inline bool vec_zero2(vec_u64x2 v)
{
#ifdef __SSE4_1__
	return _mm_testz_si128((__m128i)v, (__m128i)v);
#else
	return (v[0] | v[1]) == 0;
#endif
}

/*
 * The 32-octet vectors go by pointer: passed or returned by value they
 * would change the ABI on a target without AVX (GCC's -Wpsabi), even
 * where, inlined, they never cross a call.
 */

/** Is every bit of *@p v zero? */
static __rte_always_inline bool vec_zero4(const vec_u64x4 *v)
{
#ifdef __AVX__
	return _mm256_testz_si256((__m256i)*v, (__m256i)*v);
#else
	return ((*v)[0] | (*v)[1] | (*v)[2] | (*v)[3]) == 0;
#endif
}

/* (p & mask) ^ want over 2 or 4 words; none needs alignment. */
static __rte_always_inline vec_u64x2 vec_diff2(const void *p, const void *mask, const void *want)
{
	vec_u64x2 x, m, w;

	memcpy(&x, p, sizeof(x));
	memcpy(&m, mask, sizeof(m));
	memcpy(&w, want, sizeof(w));
	return (x & m) ^ w;
}

static __rte_always_inline void vec_diff4(vec_u64x4 *d, const void *p, const void *mask,
					  const void *want)
{
	vec_u64x4 x, m, w;

	memcpy(&x, p, sizeof(x));
	memcpy(&m, mask, sizeof(m));
	memcpy(&w, want, sizeof(w));
	*d = (x & m) ^ w;
}

/**
 * Are the @p n 64-bit words at @p p, ANDed with those at @p mask, the
 * words at @p want? @p n is a constant where this is inlined (3, 4 or 6
 * here), so the steps fold to one vector of 4 words, then 2, then 1.
 */
static __rte_always_inline bool vec_masked_equal(const uint8_t *p, const uint8_t *mask,
						 const uint64_t *want, unsigned n)
{
	vec_u64x2 acc = { 0, 0 };
	uint64_t rest = 0;
	unsigned i = 0;

	if (n == 4) {
		vec_u64x4 d;

		vec_diff4(&d, p, mask, want);
		return vec_zero4(&d);
	}
	for (; i + 4 <= n; i += 4) {
		vec_u64x4 d;
		vec_u64x2 lo, hi;

		vec_diff4(&d, p + 8 * i, mask + 8 * i, want + i);
		memcpy(&lo, &d, sizeof(lo));
		memcpy(&hi, (const uint8_t *)&d + sizeof(lo), sizeof(hi));
		acc |= lo | hi;
	}
	for (; i + 2 <= n; i += 2)
		acc |= vec_diff2(p + 8 * i, mask + 8 * i, want + i);
	for (; i < n; i++) {
		uint64_t x, m;

		memcpy(&x, p + 8 * i, 8);
		memcpy(&m, mask + 8 * i, 8);
		rest |= (x & m) ^ want[i];
	}
	acc[0] |= rest;
	return vec_zero2(acc);
}

#endif
