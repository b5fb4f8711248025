/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sad.c - the worker's SAD against a plain reference array: random
 * and sequential SPIs, a table filled to its limit, deletes that leave
 * probe chains behind, re-inserts, replacement, and the bulk lookup
 * agreeing with the single one. The SA pointers are tags, never
 * dereferenced.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <check.h>
#include <rte_random.h>

#include "dataplane/sad.h"
#include "tests/dataplane/eal_helper.h"

enum { N = 3000 };

static uint32_t spi[N];
static bool present[N];

static struct esp_sa *tag(unsigned i)
{
	return (struct esp_sa *)(uintptr_t)(0x1000 + (uintptr_t)i * 64);
}

/* Every present SPI maps to its tag, every absent one to NULL, and the
 * bulk lookup says the same as the single one. */
static void check_all(const struct sad *s)
{
	for (unsigned i = 0; i < N; i += SAD_BULK_MAX) {
		unsigned n = N - i < SAD_BULK_MAX ? N - i : SAD_BULK_MAX;
		struct esp_sa *out[SAD_BULK_MAX];

		sad_lookup_bulk(s, spi + i, (uint16_t)n, out);
		for (unsigned j = 0; j < n; j++) {
			struct esp_sa *want = present[i + j] ? tag(i + j) : NULL;

			ck_assert_ptr_eq(sad_lookup(s, spi[i + j]), want);
			ck_assert_ptr_eq(out[j], want);
		}
	}
}

static void fill_spis(bool sequential)
{
	for (unsigned i = 0; i < N; i++) {
		bool dup;

		do {
			/* sequential: what a simple SPI allocator hands out */
			spi[i] = sequential ? 256 + i : (uint32_t)rte_rand() | 0x100;
			dup = false;
			for (unsigned j = 0; j < i; j++)
				dup |= spi[j] == spi[i];
		} while (dup && !sequential);
		present[i] = false;
	}
}

static void churn(bool sequential)
{
	struct sad *s = sad_create(N, SOCKET_ID_ANY);

	ck_assert_ptr_nonnull(s);
	fill_spis(sequential);
	for (unsigned i = 0; i < N; i++) {
		ck_assert_int_eq(sad_add(s, spi[i], tag(i)), 0);
		present[i] = true;
	}
	check_all(s);
	/* delete a random half, then check that chains still resolve */
	for (unsigned i = 0; i < N; i++)
		if (rte_rand() & 1) {
			ck_assert_int_eq(sad_del(s, spi[i]), 0);
			ck_assert_int_eq(sad_del(s, spi[i]), -ENOENT);
			present[i] = false;
		}
	check_all(s);
	/* put them back in another order; replace some */
	for (unsigned k = 0; k < N; k++) {
		unsigned i = N - 1 - k;

		if (!present[i]) {
			ck_assert_int_eq(sad_add(s, spi[i], tag(i)), 0);
			present[i] = true;
		}
	}
	check_all(s);
	ck_assert_int_eq(sad_add(s, spi[7], tag(9999)), 0);
	ck_assert_ptr_eq(sad_lookup(s, spi[7]), tag(9999));
	ck_assert_int_eq(sad_add(s, spi[7], tag(7)), 0);
	/* delete everything: the table ends empty and still answers */
	for (unsigned i = 0; i < N; i++) {
		ck_assert_int_eq(sad_del(s, spi[i]), 0);
		present[i] = false;
	}
	check_all(s);
	sad_free(s);
}

START_TEST(random_spis)
{
	churn(false);
}
END_TEST

START_TEST(sequential_spis)
{
	churn(true);
}
END_TEST

START_TEST(limits)
{
	struct sad *s = sad_create(64, SOCKET_ID_ANY);
	unsigned added = 0;
	uint32_t zero = 0;
	struct esp_sa *out[1];

	ck_assert_ptr_nonnull(s);
	/* SPI 0 is never valid (RFC 4303 §2.1) and marks free slots */
	ck_assert_int_eq(sad_add(s, 0, tag(1)), -EINVAL);
	ck_assert_ptr_null(sad_lookup(s, 0));
	sad_lookup_bulk(s, &zero, 1, out);
	ck_assert_ptr_null(out[0]);
	ck_assert_int_eq(sad_del(s, 0), -ENOENT);
	/* at least the promised 64 fit; then the table says it is full */
	for (uint32_t v = 256; v < 256 + 200; v++)
		if (sad_add(s, v, tag(v)) == 0)
			added++;
		else
			break;
	ck_assert_uint_ge(added, 64);
	ck_assert_int_eq(sad_add(s, 256 + added, tag(1)), -ENOSPC);
	for (uint32_t v = 256; v < 256 + added; v++)
		ck_assert_ptr_eq(sad_lookup(s, v), tag(v));
	ck_assert_uint_gt(sad_bytes(s), 64 * 16);
	sad_free(s);
	sad_free(NULL);
}
END_TEST

int main(void)
{
	if (test_eal_init("sad") != 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	Suite *s = suite_create("sad");
	TCase *tc = tcase_create("sad");
	tcase_add_test(tc, random_spis);
	tcase_add_test(tc, sequential_spis);
	tcase_add_test(tc, limits);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
