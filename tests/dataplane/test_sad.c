/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_sad.c - the worker's SAD against a plain reference array: random
 * SPIs (direct slots shared, so both tables hold some), sequential ones
 * (256 to a slot: mostly hashed), and the SPIs sad_spi_make() hands out
 * (all direct); a table filled to its limit, deletes that leave probe
 * chains behind, re-inserts, replacement, an SPI replaced after its slot
 * freed up, and the bulk lookup agreeing with the single one. The SAs
 * are bare structs with only their SPI set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <check.h>
#include <rte_random.h>

#include "dataplane/sa.h"
#include "dataplane/sad.h"
#include "tests/check_run.h"
#include "tests/dataplane/eal_helper.h"

enum { N = 3000, SA_SIZE = RTE_ALIGN_CEIL(sizeof(struct esp_sa), 64) };

enum spi_kind { SPI_RANDOM, SPI_SEQUENTIAL, SPI_MADE };

static uint32_t spi[N];
static bool present[N];
/* two SAs for each SPI: the one added, and its replacement */
static uint8_t sa_mem[2][N][SA_SIZE] __rte_aligned(64);

static struct esp_sa *sa_of(unsigned i, unsigned version)
{
	struct esp_sa *sa = (struct esp_sa *)(void *)sa_mem[version][i];

	sa->spi = spi[i];
	return sa;
}

/* Every present SPI maps to its SA, every absent one to NULL, and the
 * bulk lookup's candidates confirm to the same. */
static void check_all(const struct sad *s, unsigned version)
{
	for (unsigned i = 0; i < N; i += SAD_BULK_MAX) {
		unsigned n = N - i < SAD_BULK_MAX ? N - i : SAD_BULK_MAX;
		struct esp_sa *out[SAD_BULK_MAX];

		sad_lookup_bulk(s, spi + i, (uint16_t)n, out);
		for (unsigned j = 0; j < n; j++) {
			struct esp_sa *want = present[i + j] ? sa_of(i + j, version) : NULL;

			ck_assert_ptr_eq(sad_lookup(s, spi[i + j]), want);
			ck_assert_ptr_eq(sad_confirm(s, spi[i + j], out[j]), want);
		}
	}
}

static uint32_t one_spi(enum spi_kind kind, unsigned i)
{
	switch (kind) {
	case SPI_SEQUENTIAL:  /* what a simple SPI allocator hands out */
		return 256 + i;
	case SPI_MADE:        /* slot i + 1 of a table for N */
		return sad_spi_make(sad_direct_slots(N), i + 1, 0, 1, rte_rand());
	case SPI_RANDOM:
	default:
		return (uint32_t)rte_rand() | 0x100;
	}
}

static void fill_spis(enum spi_kind kind)
{
	for (unsigned i = 0; i < N; i++) {
		bool dup;

		do {
			spi[i] = one_spi(kind, i);
			dup = false;
			for (unsigned j = 0; j < i; j++)
				dup |= spi[j] == spi[i];
		} while (dup && kind == SPI_RANDOM);
		ck_assert(!dup);
		present[i] = false;
	}
}

static void churn(enum spi_kind kind)
{
	struct sad *s = sad_create(N, SOCKET_ID_ANY);

	ck_assert_ptr_nonnull(s);
	fill_spis(kind);
	for (unsigned i = 0; i < N; i++) {
		ck_assert_int_eq(sad_add(s, spi[i], sa_of(i, 0)), 0);
		present[i] = true;
	}
	check_all(s, 0);
	/* delete a random half, then check that chains still resolve */
	for (unsigned i = 0; i < N; i++)
		if (rte_rand() & 1) {
			ck_assert_int_eq(sad_del(s, spi[i]), 0);
			ck_assert_int_eq(sad_del(s, spi[i]), -ENOENT);
			present[i] = false;
		}
	check_all(s, 0);
	/* replace every present one (each stays in the table it was in,
	 * even where the direct slot it could not have has freed up) */
	for (unsigned i = 0; i < N; i++)
		if (present[i])
			ck_assert_int_eq(sad_add(s, spi[i], sa_of(i, 1)), 0);
	/* and put the others back, in another order, as replacements too */
	for (unsigned k = 0; k < N; k++) {
		unsigned i = N - 1 - k;

		if (!present[i]) {
			ck_assert_int_eq(sad_add(s, spi[i], sa_of(i, 1)), 0);
			present[i] = true;
		}
	}
	check_all(s, 1);
	/* delete everything: the table ends empty and still answers */
	for (unsigned i = 0; i < N; i++) {
		ck_assert_int_eq(sad_del(s, spi[i]), 0);
		present[i] = false;
	}
	check_all(s, 1);
	sad_free(s);
}

START_TEST(random_spis)
{
	churn(SPI_RANDOM);
}
END_TEST

START_TEST(sequential_spis)
{
	churn(SPI_SEQUENTIAL);
}
END_TEST

START_TEST(made_spis)
{
	churn(SPI_MADE);
}
END_TEST

/* An SPI hashed because its slot was taken; the slot frees up; the SPI
 * is replaced and then deleted: no copy of it may stay behind. */
START_TEST(slot_freed_under_a_hashed_spi)
{
	struct sad *s = sad_create(64, SOCKET_ID_ANY);
	uint32_t slots = sad_direct_slots(64);

	ck_assert_ptr_nonnull(s);
	spi[0] = sad_spi_make(slots, 5, 0, 1, 0x1234);
	spi[1] = spi[0] + 1;  /* same slot */
	ck_assert_int_eq(sad_add(s, spi[0], sa_of(0, 0)), 0);
	ck_assert_int_eq(sad_add(s, spi[1], sa_of(1, 0)), 0);
	ck_assert_int_eq(sad_del(s, spi[0]), 0);
	ck_assert_int_eq(sad_add(s, spi[1], sa_of(1, 1)), 0);
	ck_assert_ptr_eq(sad_lookup(s, spi[1]), sa_of(1, 1));
	ck_assert_int_eq(sad_del(s, spi[1]), 0);
	ck_assert_ptr_null(sad_lookup(s, spi[1]));
	ck_assert_int_eq(sad_del(s, spi[1]), -ENOENT);
	/* the slot is free for its next SPI */
	ck_assert_int_eq(sad_add(s, spi[0], sa_of(0, 0)), 0);
	ck_assert_ptr_eq(sad_lookup(s, spi[0]), sa_of(0, 0));
	sad_free(s);
}
END_TEST

START_TEST(spi_make)
{
	static const uint16_t workers[] = { 1, 2, 3, 7, 64 };
	uint32_t slots = sad_direct_slots(1000000);

	ck_assert_uint_eq(slots, 1u << 20);
	ck_assert_uint_eq(sad_direct_slots(1), 64);
	ck_assert_uint_eq(sad_direct_slots(100), 128);
	ck_assert_uint_eq(sad_direct_slots(UINT32_MAX), SAD_DIRECT_MAX);
	for (unsigned w = 0; w < RTE_DIM(workers); w++)
		for (unsigned k = 0; k < 2000; k++) {
			uint16_t owner = (uint16_t)(k % workers[w]);
			uint32_t slot = (uint32_t)rte_rand() & (slots - 1);
			uint32_t v = sad_spi_make(slots, slot, owner, workers[w], rte_rand());

			ck_assert_uint_eq(v % workers[w], owner);
			ck_assert_uint_eq(v >> SAD_SPI_SHIFT & (slots - 1), slot);
		}
	/* the bits above the slot come from rnd */
	ck_assert_uint_ne(sad_spi_make(64, 1, 0, 1, 1 << 8), sad_spi_make(64, 1, 0, 1, 2 << 8));
	ck_assert_uint_eq(sad_spi_make(SAD_DIRECT_MAX, 3, 0, 1, UINT64_MAX), 3u << 8 | 0xff);
}
END_TEST

START_TEST(limits)
{
	struct sad *s = sad_create(64, SOCKET_ID_ANY);
	uint32_t slots = sad_direct_slots(64), zero = 0;
	unsigned added = 0;
	struct esp_sa *out[1];

	ck_assert_ptr_nonnull(s);
	/* SPI 0 is never valid (RFC 4303 §2.1) and marks free slots */
	spi[0] = 0;
	ck_assert_int_eq(sad_add(s, 0, sa_of(0, 0)), -EINVAL);
	ck_assert_ptr_null(sad_lookup(s, 0));
	sad_lookup_bulk(s, &zero, 1, out);
	ck_assert_ptr_null(sad_confirm(s, 0, out[0]));
	ck_assert_int_eq(sad_del(s, 0), -ENOENT);
	/* every direct slot taken: these never count against the hash table */
	for (unsigned i = 0; i < slots; i++) {
		spi[i] = sad_spi_make(slots, i, 0, 1, 0x5500 + i);
		ck_assert_int_eq(sad_add(s, spi[i], sa_of(i, 0)), 0);
	}
	/* then at least the promised 64 fit in the hash table (each SPI's
	 * slot is taken), and the table says it is full */
	for (unsigned i = slots; i < slots + 200; i++) {
		spi[i] = spi[i % slots] + (uint32_t)(i / slots << 28);
		if (sad_add(s, spi[i], sa_of(i, 0)) != 0)
			break;
		added++;
	}
	ck_assert_uint_ge(added, 64);
	spi[slots + added] = spi[0] + 0xf0000000u;
	ck_assert_int_eq(sad_add(s, spi[slots + added], sa_of(slots + added, 0)), -ENOSPC);
	for (unsigned i = 0; i < slots + added; i++)
		ck_assert_ptr_eq(sad_lookup(s, spi[i]), sa_of(i, 0));
	ck_assert_uint_gt(sad_bytes(s), 64 * 16 + slots * sizeof(void *));
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
	tcase_add_test(tc, made_spis);
	tcase_add_test(tc, slot_freed_under_a_hashed_spi);
	tcase_add_test(tc, spi_make);
	tcase_add_test(tc, limits);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_run(s);
}
