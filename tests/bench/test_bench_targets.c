/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_bench_targets.c - esprit-bench's targets section (bench_targets.c)
 * on made-up results: which cases a target takes (one worker, IPv4 tunnel,
 * explicit IV, one SA; failed cases not), the verdict against the median
 * and the IQR, a million SAs judged against one SA's fraction, a case
 * whose core ran slow throughout (the pace reference), and the lines
 * printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>

#include "dataplane/bench/bench.h"
#include "tests/check_run.h"

static struct bench_case one_sa(enum bench_dir dir, enum esp_cipher cipher, uint32_t size)
{
	return (struct bench_case){
		.dir = dir, .cipher = cipher, .family = AF_INET, .outer = AF_INET, .size = size,
		.n_sas = 1, .flows = 1, .workers = 1, .peers = 1, .hosts = 1,
	};
}

static struct bench_result measured(double median, double q1, double q3)
{
	return (struct bench_result){ .fraction = median, .fraction_q1 = q1, .fraction_q3 = q3,
				      .mpps = 10 * median };
}

/* What bench_targets_print() writes of @p n targets (malloc'd; the
 * caller frees it). */
static char *printed_text(const struct bench_target *t, unsigned n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	bench_targets_print(f, t, n);
	fclose(f);
	return text;
}

START_TEST(judged_on_median_and_iqr)
{
	struct bench_case cs[3] = {
		one_sa(BENCH_OUT, ESP_CIPHER_AES128_GCM16, 64),
		one_sa(BENCH_OUT, ESP_CIPHER_AES128_GCM16, 1420),
		one_sa(BENCH_IN, ESP_CIPHER_AES128_GCM16, 64),
	};
	struct bench_result rs[3] = {
		measured(0.732, 0.720, 0.751),  /* 0.75: its IQR reaches it */
		measured(0.925, 0.910, 0.938),  /* 0.92: met */
		measured(0.690, 0.680, 0.699),  /* 0.70: missed */
	};
	struct bench_target t[16];

	ck_assert_uint_eq(bench_targets(cs, rs, 3, t, 16), 3);
	ck_assert_ptr_eq(t[0].c, &cs[0]);
	ck_assert_double_eq_tol(t[0].min, 0.75, 1e-9);
	ck_assert_int_eq(t[0].verdict, BENCH_TARGET_IN_IQR);
	ck_assert_ptr_eq(t[1].c, &cs[1]);
	ck_assert_double_eq_tol(t[1].min, 0.92, 1e-9);
	ck_assert_int_eq(t[1].verdict, BENCH_TARGET_MET);
	ck_assert_ptr_eq(t[2].c, &cs[2]);
	ck_assert_double_eq_tol(t[2].min, 0.70, 1e-9);
	ck_assert_int_eq(t[2].verdict, BENCH_TARGET_MISSED);
	ck_assert_ptr_null(t[0].one);
}
END_TEST

START_TEST(only_the_targets_kind_of_case)
{
	struct bench_case cs[7];
	struct bench_result rs[7];
	struct bench_target t[16];

	for (unsigned i = 0; i < 7; i++) {
		cs[i] = one_sa(BENCH_OUT, ESP_CIPHER_AES128_GCM16, 64);
		rs[i] = measured(0.8, 0.79, 0.81);
	}
	cs[0].iiv = true;
	cs[1].family = cs[1].outer = AF_INET6;
	cs[2].workers = 2;
	cs[3].hosts = 256;
	cs[4].cipher = ESP_CIPHER_AES256_GCM16;
	cs[5].size = 128;
	rs[6].error = 1;
	ck_assert_uint_eq(bench_targets(cs, rs, 7, t, 16), 0);
	/* the same case measured: the first one counts */
	cs[5].size = 64;
	rs[6].error = 0;
	ck_assert_uint_eq(bench_targets(cs, rs, 7, t, 16), 1);
	ck_assert_ptr_eq(t[0].r, &rs[5]);
	/* no room: nothing written past it */
	ck_assert_uint_eq(bench_targets(cs, rs, 7, t, 0), 0);
}
END_TEST

START_TEST(a_million_sas_against_one)
{
	struct bench_case cs[3] = {
		one_sa(BENCH_IN, ESP_CIPHER_AES128_GCM16, 64),
		one_sa(BENCH_IN, ESP_CIPHER_AES128_GCM16, 64),
		one_sa(BENCH_IN, ESP_CIPHER_AES128_GCM16, 64),
	};
	struct bench_result rs[3] = {
		measured(0.740, 0.73, 0.75), measured(0.466, 0.45, 0.48), measured(0.64, 0.63, 0.65),
	};
	struct bench_target t[16];

	cs[1].n_sas = 1000000;
	cs[1].flows = 65536;
	cs[2].n_sas = 1000;
	unsigned n = bench_targets(cs, rs, 3, t, 16);

	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_null(t[0].one);
	ck_assert_ptr_eq(t[1].r, &rs[1]);
	ck_assert_ptr_eq(t[1].one, &rs[0]);
	ck_assert_double_eq_tol(t[1].value, 0.466 / 0.740, 1e-9);
	ck_assert_double_eq_tol(t[1].min, 0.85, 1e-9);
	ck_assert_int_eq(t[1].verdict, BENCH_TARGET_MISSED);
	rs[1].fraction = 0.64;   /* 13.5% below */
	bench_targets(cs, rs, 3, t, 16);
	ck_assert_int_eq(t[1].verdict, BENCH_TARGET_MET);
	/* without the one-SA case there is nothing to judge it against */
	cs[0].n_sas = 2;
	ck_assert_uint_eq(bench_targets(cs, rs, 3, t, 16), 0);
}
END_TEST

START_TEST(printed)
{
	struct bench_case cs[2] = {
		one_sa(BENCH_IN, ESP_CIPHER_CHACHA20_POLY1305, 1420),
		one_sa(BENCH_IN, ESP_CIPHER_CHACHA20_POLY1305, 64),
	};
	struct bench_result rs[2] = { measured(0.938, 0.934, 0.940), measured(0.5, 0.4, 0.6) };
	struct bench_target t[16];
	char *text;

	rs[1].host_slow = true;
	unsigned n = bench_targets(cs, rs, 2, t, 16);

	ck_assert_uint_eq(n, 2);
	text = printed_text(t, n);
	ck_assert_ptr_nonnull(strstr(text, "ChaCha20-Poly1305 inbound    64 B, 1 SA: 0.500 "
					   "(IQR 0.400-0.600), target 0.70: missed "
					   "(host slow in most rounds)\n"));
	ck_assert_ptr_nonnull(strstr(text, "ChaCha20-Poly1305 inbound  1420 B, 1 SA: 0.938 "
					   "(IQR 0.934-0.940), target 0.90: met\n"));
	free(text);
	/* no targets, no section */
	text = printed_text(t, 0);
	ck_assert_str_eq(text, "");
	free(text);
}
END_TEST

START_TEST(a_case_on_a_slowed_core)
{
	struct bench_case cs[3] = {
		one_sa(BENCH_OUT, ESP_CIPHER_AES128_GCM16, 64),
		one_sa(BENCH_OUT, ESP_CIPHER_AES128_GCM16, 1420),
		one_sa(BENCH_IN, ESP_CIPHER_AES128_GCM16, 64),
	};
	struct bench_result rs[3] = {
		measured(0.73, 0.72, 0.74), measured(0.77, 0.76, 0.78), measured(0.72, 0.71, 0.73),
	};
	struct bench_target t[16];
	char *text;

	rs[0].pace_cycles = 141;
	rs[1].pace_cycles = 206;   /* 1.46x: the whole case on a slowed core */
	rs[2].pace_cycles = 140;
	rs[2].host_slow = true;    /* its rounds, not the whole case */
	ck_assert_uint_eq(bench_pace_mark(rs, 3, 0), 1);
	ck_assert_double_eq_tol(rs[0].pace_ratio, 141.0 / 140, 1e-9);
	ck_assert_double_eq_tol(rs[1].pace_ratio, 206.0 / 140, 1e-9);
	ck_assert_double_eq_tol(rs[2].pace_ratio, 1, 1e-9);
	text = printed_text(t, bench_targets(cs, rs, 3, t, 16));
	ck_assert_ptr_nonnull(strstr(text, "outbound 1420 B, 1 SA: 0.770 (IQR 0.760-0.780), "
					   "target 0.92: missed (the core ran 1.47x slow throughout)\n"));
	ck_assert_ptr_nonnull(strstr(text, "outbound   64 B, 1 SA: 0.730 (IQR 0.720-0.740), "
					   "target 0.75: missed\n"));
	ck_assert_ptr_nonnull(strstr(text, "inbound    64 B, 1 SA: 0.720 (IQR 0.710-0.730), "
					   "target 0.70: met (host slow in most rounds)\n"));
	free(text);
	/* against a quiet core's pace from earlier runs: all three slowed;
	 * a slower one than the run's fastest does not count */
	ck_assert_uint_eq(bench_pace_mark(rs, 3, 112), 3);
	ck_assert_double_eq_tol(rs[2].pace_ratio, 140.0 / 112, 1e-9);
	ck_assert_uint_eq(bench_pace_mark(rs, 3, 150), 1);
	ck_assert_double_eq_tol(rs[2].pace_ratio, 1, 1e-9);
	/* a failed case, or one without the reference, is not judged, nor
	 * does it set the pace */
	rs[0].error = 1;
	rs[0].pace_cycles = 100;
	rs[2].pace_cycles = 0;
	ck_assert_uint_eq(bench_pace_mark(rs, 3, 0), 0);
	ck_assert_double_eq(rs[0].pace_ratio, 0);
	ck_assert_double_eq_tol(rs[1].pace_ratio, 1, 1e-9);
	ck_assert_double_eq(rs[2].pace_ratio, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("bench-targets");
	TCase *tc = tcase_create("targets");

	tcase_add_test(tc, judged_on_median_and_iqr);
	tcase_add_test(tc, only_the_targets_kind_of_case);
	tcase_add_test(tc, a_million_sas_against_one);
	tcase_add_test(tc, printed);
	tcase_add_test(tc, a_case_on_a_slowed_core);
	suite_add_tcase(s, tc);
	return check_run(s);
}
