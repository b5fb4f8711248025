/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_slab.c - SA memory: slots that never straddle a 4 KiB page, side
 * by side when made one after another, zeroed when reused, counted;
 * sizes that do not tile a page from the heap; two threads at once; and
 * the SAs esp_sa_create() makes, each inside one page.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>

#include "dataplane/sa.h"
#include "dataplane/slab.h"
#include "tests/check_run.h"
#include "tests/dataplane/eal_helper.h"
#include "tests/dataplane/pkt_helper.h"

enum { PAGE = 4096, N = 1500 };

static bool in_one_page(const void *p, size_t size)
{
	uintptr_t a = (uintptr_t)p;

	return a / PAGE == (a + size - 1) / PAGE;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

START_TEST(slots_tile_pages)
{
	static uint8_t *p[N];
	size_t held0, used0, held, used;

	slab_usage(&held0, &used0);
	for (unsigned i = 0; i < N; i++) {
		p[i] = slab_zalloc(1024);
		ck_assert_ptr_nonnull(p[i]);
		ck_assert(in_one_page(p[i], 1024));
		ck_assert(all_zero(p[i], 1024));
		memset(p[i], 0xa5, 1024);
	}
	/* a fresh chunk hands its slots out in address order */
	ck_assert_ptr_eq(p[1], p[0] + 1024);
	slab_usage(&held, &used);
	ck_assert_uint_eq(used - used0, (size_t)N * 1024);
	ck_assert_uint_ge(held - held0, (size_t)N * 1024);
	ck_assert_uint_lt(held - held0, (size_t)N * 1024 + 2 * 512 * 1024);

	for (unsigned i = 0; i < N; i++)
		slab_free(p[i], 1024);
	slab_usage(&held, &used);
	ck_assert_uint_eq(used, used0);
	/* freed slots are reused, before any new chunk, and come back zeroed */
	for (unsigned i = 0; i < N; i++) {
		p[i] = slab_zalloc(1024);
		ck_assert(all_zero(p[i], 1024));
	}
	size_t held2;
	slab_usage(&held2, &used);
	ck_assert_uint_eq(held2, held);
	for (unsigned i = 0; i < N; i++)
		slab_free(p[i], 1024);
}
END_TEST

START_TEST(other_sizes)
{
	ck_assert(slab_fits(64) && slab_fits(2048) && slab_fits(4096));
	ck_assert(!slab_fits(0) && !slab_fits(32) && !slab_fits(1600) && !slab_fits(8192));

	size_t held0, used0, held, used;
	slab_usage(&held0, &used0);
	/* 1600 octets (the AVX-512 manager's SA) and 8192 (a big replay
	 * window) come from the heap, zeroed and cache-aligned */
	uint8_t *a = slab_zalloc(1600), *b = slab_zalloc(8192), *c = slab_zalloc(64);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq((uintptr_t)a % 64, 0);
	ck_assert_uint_eq((uintptr_t)b % 64, 0);
	ck_assert(all_zero(a, 1600) && all_zero(b, 8192));
	slab_usage(&held, &used);
	ck_assert_uint_eq(used - used0, 64);
	slab_free(a, 1600);
	slab_free(b, 8192);
	slab_free(c, 64);
	slab_free(NULL, 1024);
	slab_usage(&held, &used);
	ck_assert_uint_eq(used, used0);
}
END_TEST

/* Each thread takes slots, stamps them with its number, checks that no
 * one else wrote them, and gives them back. */
static void *churn(void *arg)
{
	uint8_t me = (uint8_t)(uintptr_t)arg;
	uint8_t *p[64];

	for (unsigned round = 0; round < 200; round++) {
		for (unsigned i = 0; i < 64; i++) {
			p[i] = slab_zalloc(512);
			if (p[i] == NULL || !all_zero(p[i], 512))
				return (void *)1;
			memset(p[i], me, 512);
		}
		for (unsigned i = 0; i < 64; i++) {
			for (unsigned j = 0; j < 512; j++)
				if (p[i][j] != me)
					return (void *)1;
			memset(p[i], 0, 512);
			slab_free(p[i], 512);
		}
	}
	return NULL;
}

START_TEST(two_threads)
{
	pthread_t t[2];
	void *rc[2];

	for (uintptr_t i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, churn, (void *)(i + 1)), 0);
	for (unsigned i = 0; i < 2; i++) {
		ck_assert_int_eq(pthread_join(t[i], &rc[i]), 0);
		ck_assert_ptr_null(rc[i]);
	}
}
END_TEST

START_TEST(sas_inside_a_page)
{
	static struct esp_sa *sa[256];
	struct esp_sa_params p;

	test_sa_params(&p, ESP_DIR_IN, ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, 0, AF_INET);
	for (unsigned i = 0; i < 256; i++) {
		p.spi = 0x1000 + i;
		sa[i] = esp_sa_create(&p, test_mgr());
		ck_assert_ptr_nonnull(sa[i]);
		/* a slot when its size tiles a page: the SSE, AVX and AVX2
		 * managers' 1024 octets (not the AVX-512 one's 1600) */
		if (test_mgr()->used_arch != IMB_ARCH_AVX512)
			ck_assert(slab_fits(sa[i]->alloc_size));
		if (slab_fits(sa[i]->alloc_size))
			ck_assert(in_one_page(sa[i], sa[i]->alloc_size));
	}
	for (unsigned i = 0; i < 256; i++)
		esp_sa_destroy(sa[i]);
}
END_TEST

int main(void)
{
	if (test_eal_init("slab") != 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	Suite *s = suite_create("slab");
	TCase *tc = tcase_create("slab");
	tcase_add_test(tc, slots_tile_pages);
	tcase_add_test(tc, other_sizes);
	tcase_add_test(tc, two_threads);
	tcase_add_test(tc, sas_inside_a_page);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_run(s);
}
