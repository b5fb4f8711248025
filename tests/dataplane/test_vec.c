/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_vec.c - vec_masked_equal() against the compare it replaced, word
 * by word, for every word count the dataplane uses (3: the IPv4 flow
 * memo, 4: an IPv6 selector's addresses, 6: the IPv6 flow memo) and the
 * others up to 9, at every misalignment of the packet's words: equal
 * images, a single bit flipped anywhere (inside or outside the mask),
 * and random words.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "dataplane/vec.h"
#include "tests/check_run.h"

enum { WORDS_MAX = 9, SHIFTS = 8 };

static bool reference(const uint8_t *p, const uint8_t *mask, const uint64_t *want, unsigned n)
{
	uint64_t d = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t x, m;

		memcpy(&x, p + 8 * i, 8);
		memcpy(&m, mask + 8 * i, 8);
		d |= (x & m) ^ want[i];
	}
	return d == 0;
}

/* vec_masked_equal() with @p n a constant, as where it is inlined. */
static bool masked_equal(const uint8_t *p, const uint8_t *mask, const uint64_t *want, unsigned n)
{
	switch (n) {
	case 1: return vec_masked_equal(p, mask, want, 1);
	case 2: return vec_masked_equal(p, mask, want, 2);
	case 3: return vec_masked_equal(p, mask, want, 3);
	case 4: return vec_masked_equal(p, mask, want, 4);
	case 5: return vec_masked_equal(p, mask, want, 5);
	case 6: return vec_masked_equal(p, mask, want, 6);
	case 7: return vec_masked_equal(p, mask, want, 7);
	case 8: return vec_masked_equal(p, mask, want, 8);
	default: return vec_masked_equal(p, mask, want, 9);
	}
}

static void fill(uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)rand();
}

/* The image of @p p under @p mask, as the flow memos take it. */
static void image(uint64_t *want, const uint8_t *p, const uint8_t *mask, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t x, m;

		memcpy(&x, p + 8 * i, 8);
		memcpy(&m, mask + 8 * i, 8);
		want[i] = x & m;
	}
}

START_TEST(equal_images_and_one_bit_off)
{
	uint8_t buf[8 * WORDS_MAX + SHIFTS], mask[8 * WORDS_MAX];
	uint64_t want[WORDS_MAX];
	unsigned n = (unsigned)_i + 1, checked = 0, differ = 0;

	srand(n);
	for (unsigned shift = 0; shift < SHIFTS; shift++) {
		uint8_t *p = buf + shift;

		for (unsigned round = 0; round < 8; round++) {
			fill(buf, sizeof(buf));
			fill(mask, sizeof(mask));
			if (round == 0)
				memset(mask, 0xff, sizeof(mask));
			image(want, p, mask, n);
			ck_assert_msg(masked_equal(p, mask, want, n), "n %u shift %u: own image", n,
				      shift);
			/* every bit of the packet's words, one at a time */
			for (unsigned bit = 0; bit < 64 * n; bit++) {
				bool r, v;

				p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				r = reference(p, mask, want, n);
				v = masked_equal(p, mask, want, n);
				p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				ck_assert_msg(r == v, "n %u shift %u bit %u: %d, want %d", n, shift,
					      bit, v, r);
				checked++;
				differ += !r;
			}
			/* and of the image: never equal, inside the mask or
			 * outside it (a bit no masked packet has) */
			for (unsigned bit = 0; bit < 64 * n; bit++) {
				want[bit / 64] ^= 1ull << (bit % 64);
				ck_assert_msg(!masked_equal(p, mask, want, n),
					      "n %u shift %u image bit %u", n, shift, bit);
				want[bit / 64] ^= 1ull << (bit % 64);
			}
		}
	}
	/* flips under the mask must have been seen, and flips outside it */
	ck_assert_uint_gt(differ, 0);
	ck_assert_uint_lt(differ, checked);
}
END_TEST

START_TEST(random_words)
{
	uint8_t buf[8 * WORDS_MAX + SHIFTS], mask[8 * WORDS_MAX];
	uint64_t want[WORDS_MAX];
	unsigned n = (unsigned)_i + 1;

	srand(100 + n);
	for (unsigned k = 0; k < 20000; k++) {
		uint8_t *p = buf + k % SHIFTS;

		fill(buf, sizeof(buf));
		fill(mask, sizeof(mask));
		fill((uint8_t *)want, sizeof(want));
		/* the image every other time, so that both answers come up */
		if (k % 2 == 0)
			image(want, p, mask, n);
		ck_assert(masked_equal(p, mask, want, n) == reference(p, mask, want, n));
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vec");
	TCase *tc = tcase_create("masked_equal");

	tcase_add_loop_test(tc, equal_images_and_one_bit_off, 0, WORDS_MAX);
	tcase_add_loop_test(tc, random_words, 0, WORDS_MAX);
	suite_add_tcase(s, tc);
	return check_run(s);
}
