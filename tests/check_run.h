/* SPDX-License-Identifier: BSD-3-Clause */
/* The main() of a Check unit test program, shared by the suites. */
#ifndef ESPRIT_TESTS_CHECK_RUN_H
#define ESPRIT_TESTS_CHECK_RUN_H

#include <check.h>

/* Runs @p s (forking per test, Check's default): the program's exit
 * status, 0 when every test passed, 1 otherwise. */
static inline int check_run(Suite *s)
{
	SRunner *r = srunner_create(s);
	int failed;

	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? 0 : 1;
}

#endif /* ESPRIT_TESTS_CHECK_RUN_H */
