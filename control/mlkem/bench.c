/*
 * bench.c - mlkem-bench: cycles (rdtscp: median and minimum) and
 * operations per second of ML-KEM keygen, encaps and decaps (the
 * randomized API, so RAND_priv_bytes is included), per parameter set and
 * back end. "total" sums keygen + encaps + decaps. On a shared machine
 * the minimum shows what the code costs undisturbed.
 *
 *   mlkem-bench [runs]      default 1000 runs per cell
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "mlkem.h"

enum op { OP_KEYGEN, OP_ENCAPS, OP_DECAPS, OP_COUNT };

static const char *const op_names[OP_COUNT] = { "keygen", "encaps",
						 "decaps" };

struct result {
	uint64_t median, min;
	double ops_per_sec;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int run_op(enum mlkem_param p, enum op op, uint8_t *ek, uint8_t *dk,
		  uint8_t *ct, uint8_t *ss)
{
	size_t ekl = mlkem_ek_bytes(p), dkl = mlkem_dk_bytes(p);
	size_t ctl = mlkem_ct_bytes(p);

	switch (op) {
	case OP_KEYGEN:
		return mlkem_keygen(p, ek, ekl, dk, dkl);
	case OP_ENCAPS:
		return mlkem_encaps(p, ek, ekl, ct, ctl, ss);
	case OP_DECAPS:
		return mlkem_decaps(p, dk, dkl, ct, ctl, ss);
	case OP_COUNT:
		break;
	}
	return -EINVAL;
}

static int bench(enum mlkem_param p, enum op op, unsigned runs,
		 uint64_t *cyc, struct result *res)
{
	static uint8_t ek[MLKEM_MAX_EK_BYTES], dk[MLKEM_MAX_DK_BYTES];
	static uint8_t ct[MLKEM_MAX_CT_BYTES], ss[MLKEM_SS_BYTES];
	double t0, t1;
	int ret;

	ret = run_op(p, OP_KEYGEN, ek, dk, ct, ss);
	if (!ret)
		ret = run_op(p, OP_ENCAPS, ek, dk, ct, ss);
	for (unsigned i = 0; !ret && i < runs / 10 + 1; i++) /* warm up */
		ret = run_op(p, op, ek, dk, ct, ss);
	t0 = now_sec();
	for (unsigned i = 0; !ret && i < runs; i++) {
		unsigned aux;
		uint64_t c0 = __rdtscp(&aux);

		ret = run_op(p, op, ek, dk, ct, ss);
		cyc[i] = __rdtscp(&aux) - c0;
	}
	t1 = now_sec();
	if (ret)
		return ret;
	qsort(cyc, runs, sizeof(*cyc), cmp_u64);
	res->median = cyc[runs / 2];
	res->min = cyc[0];
	res->ops_per_sec = runs / (t1 - t0);
	return 0;
}

int main(int argc, char **argv)
{
	static const enum mlkem_impl impls[] = { MLKEM_IMPL_PORTABLE,
						 MLKEM_IMPL_AVX2 };
	unsigned runs = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000;
	uint64_t *cyc;

	if (runs == 0)
		runs = 1000;
	cyc = calloc(runs, sizeof(*cyc));
	if (!cyc)
		return 1;
	printf("ML-KEM benchmark: median of %u runs, cycles from rdtscp\n\n",
	       runs);
	printf("%-12s %-9s %-7s %10s %10s %10s\n", "set", "impl", "op",
	       "median", "min", "ops/s");
	for (unsigned ii = 0; ii < sizeof(impls) / sizeof(impls[0]); ii++) {
		if (mlkem_set_impl(impls[ii])) {
			printf("%s: not supported on this CPU\n",
			       mlkem_impl_name(impls[ii]));
			continue;
		}
		for (int p = MLKEM_512; p <= MLKEM_1024; p++) {
			uint64_t sum = 0, sum_min = 0;

			for (int op = 0; op < OP_COUNT; op++) {
				struct result r;
				int ret = bench((enum mlkem_param)p,
						(enum op)op, runs, cyc, &r);

				if (ret) {
					fprintf(stderr, "error: %s\n",
						mlkem_strerror(ret));
					free(cyc);
					return 1;
				}
				sum += r.median;
				sum_min += r.min;
				printf("%-12s %-9s %-7s %10llu %10llu %10.0f\n",
				       mlkem_param_name((enum mlkem_param)p),
				       mlkem_impl_name(impls[ii]),
				       op_names[op],
				       (unsigned long long)r.median,
				       (unsigned long long)r.min,
				       r.ops_per_sec);
			}
			printf("%-12s %-9s %-7s %10llu %10llu\n",
			       mlkem_param_name((enum mlkem_param)p),
			       mlkem_impl_name(impls[ii]), "total",
			       (unsigned long long)sum,
			       (unsigned long long)sum_min);
		}
	}
	free(cyc);
	return 0;
}
