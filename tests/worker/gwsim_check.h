/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The assertions of the simulated gateways (gwsim.c, worker_fuzz.c):
 * Check's in the test programs; in the libFuzzer target, which runs them
 * outside any Check test (where Check's macros cannot report and exit
 * the process), the same conditions abort with the failed expression.
 */
#ifndef ESPRIT_TESTS_GWSIM_CHECK_H
#define ESPRIT_TESTS_GWSIM_CHECK_H

#ifndef GWSIM_NO_CHECK
#include <check.h>
#else
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ck_assert(e)                                                               \
	do {                                                                       \
		if (!(e)) {                                                        \
			fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #e); \
			abort();                                                   \
		}                                                                  \
	} while (0)
#define ck_assert_int_eq(a, b) ck_assert((a) == (b))
#define ck_assert_int_ge(a, b) ck_assert((a) >= (b))
#define ck_assert_int_lt(a, b) ck_assert((a) < (b))
#define ck_assert_uint_eq(a, b) ck_assert((a) == (b))
#define ck_assert_ptr_nonnull(p) ck_assert((p) != NULL)
#define ck_assert_mem_eq(a, b, n) ck_assert(memcmp((a), (b), (n)) == 0)
#endif

#endif
