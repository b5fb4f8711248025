/* SPDX-License-Identifier: BSD-3-Clause */
/* The main() of a Check unit test program, shared by the suites. */
#ifndef ESPRIT_TESTS_CHECK_RUN_H
#define ESPRIT_TESTS_CHECK_RUN_H

#include <check.h>

/* Runs @p s with the fork status @p fork (CK_FORK, CK_NOFORK): the
 * program's exit status, 0 when every test passed, 1 otherwise. */
static inline int check_run_mode(Suite *s, enum fork_status fork)
{
	SRunner *r = srunner_create(s);
	int failed;

	srunner_set_fork_status(r, fork);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? 0 : 1;
}

/* Runs @p s forking per test (Check's default). */
static inline int check_run(Suite *s)
{
	return check_run_mode(s, CK_FORK);
}

/* Runs @p s in this process: for suites whose tests share a fixture
 * that cannot be made twice in a process (DPDK's EAL). */
static inline int check_run_nofork(Suite *s)
{
	return check_run_mode(s, CK_NOFORK);
}

#endif /* ESPRIT_TESTS_CHECK_RUN_H */
