/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_fib_local.c - the workers' exact set of local addresses
 * (fib_locals_for, fib_locals_has) against the port walk it stands for
 * (fib_is_local):
 * every address of a full FIB (16 ports x 8 addresses, both families),
 * neighbours of each, random misses, duplicates and the unspecified
 * address, with and without home-slot collisions; and the question
 * whether a prefix holds an address of the gateway's (fib_local_within).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <check.h>

#include "dataplane/fib.h"
#include "tests/check_run.h"
#include "tests/dataplane/eal_helper.h"

static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void rnd_addr(uint32_t *seed, uint8_t family, uint8_t *a, unsigned spread)
{
	memset(a, 0, 16);
	for (unsigned i = 0; i < (family == AF_INET ? 4u : 16u); i++)
		a[i] = (uint8_t)(rnd(seed) % spread);
}

static bool unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/* What a worker asks (worker_is_local): its own set, or the port walk
 * past the workers that have one. */
static bool is_local_fast(const struct fib *f, uint16_t worker, uint8_t family, const uint8_t *a)
{
	const struct fib_locals *l = fib_locals_for(f, worker);

	return l != NULL ? fib_locals_has(l, family, a) : fib_is_local(f, family, a);
}

/* The unspecified address is never ours, even when a port has it. */
static void same(const struct fib *f, uint16_t worker, uint8_t family, const uint8_t *a)
{
	ck_assert_int_eq(is_local_fast(f, worker, family, a),
			 fib_is_local(f, family, a) && !unspecified(a));
}

START_TEST(fast_set_is_exact)
{
	uint32_t seed = 7;

	ck_assert_int_eq(test_eal_init("fib_local"), 0);
	for (int round = 0; round < 50; round++) {
		struct fib *f = fib_alloc(0, 0, 0);
		/* a small spread makes home slots collide and addresses repeat */
		unsigned spread = round % 2 ? 2 : 256;
		unsigned hits = 0;

		ck_assert_ptr_nonnull(f);
		for (int p = 0; p < FIB_PORTS_MAX; p++) {
			struct fib_port *fp = &f->ports[p];

			fp->used = true;
			fp->n_addrs = FIB_PORT_ADDRS_MAX;
			for (int i = 0; i < FIB_PORT_ADDRS_MAX; i++) {
				fp->addrs[i].family = rnd(&seed) % 2 ? AF_INET : AF_INET6;
				rnd_addr(&seed, fp->addrs[i].family, fp->addrs[i].bytes, spread);
			}
		}
		memset(f->ports[0].addrs[0].bytes, 0, 16);
		for (uint16_t w = 0; w < 2; w++) {
			for (int p = 0; p < FIB_PORTS_MAX; p++) {
				for (int i = 0; i < FIB_PORT_ADDRS_MAX; i++) {
					const struct esp_addr *a = &f->ports[p].addrs[i];
					uint8_t near[16];

					if (unspecified(a->bytes)) {
						ck_assert(!is_local_fast(f, w, a->family, a->bytes));
						continue;
					}
					ck_assert(is_local_fast(f, w, a->family, a->bytes));
					hits++;
					memcpy(near, a->bytes, 16);
					near[a->family == AF_INET ? 3 : 15] ^= 1;
					same(f, w, a->family, near);
				}
			}
			for (int k = 0; k < 2000; k++) {
				uint8_t fam = k % 2 ? AF_INET : AF_INET6, a[16];

				rnd_addr(&seed, fam, a, spread);
				same(f, w, fam, a);
			}
		}
		ck_assert_uint_gt(hits, FIB_PORTS_MAX * FIB_PORT_ADDRS_MAX);
		fib_free(f);
	}
}
END_TEST

/* A prefix's mask of @p plen bits, octet by octet. */
static void prefix_mask(uint8_t *m, unsigned plen)
{
	for (unsigned i = 0; i < 16; i++, plen = plen > 8 ? plen - 8 : 0)
		m[i] = plen >= 8 ? 0xff : (uint8_t)(0xff00 >> plen);
}

/* fib_local_within() against the ports' addresses one by one, for random
 * prefixes of every length near and away from them. */
START_TEST(within_is_any_address_under_the_prefix)
{
	uint32_t seed = 11;
	unsigned yes = 0, no = 0;

	ck_assert_int_eq(test_eal_init("fib_local"), 0);
	for (int round = 0; round < 20; round++) {
		struct fib *f = fib_alloc(0, 0, 0);

		ck_assert_ptr_nonnull(f);
		for (int p = 0; p < 3; p++) {
			struct fib_port *fp = &f->ports[p * 5];

			fp->used = true;
			fp->n_addrs = 1 + rnd(&seed) % FIB_PORT_ADDRS_MAX;
			for (unsigned i = 0; i < fp->n_addrs; i++) {
				fp->addrs[i].family = rnd(&seed) % 2 ? AF_INET : AF_INET6;
				rnd_addr(&seed, fp->addrs[i].family, fp->addrs[i].bytes, 256);
			}
		}
		for (int k = 0; k < 4000; k++) {
			uint8_t fam = k % 2 ? AF_INET : AF_INET6, prefix[16], mask[16];
			unsigned bits = fam == AF_INET ? 32 : 128, plen = rnd(&seed) % (bits + 1);
			const struct fib_port *fp = &f->ports[rnd(&seed) % 3 * 5];
			const struct esp_addr *near = &fp->addrs[rnd(&seed) % fp->n_addrs];
			bool want = false;

			/* half the prefixes from an address of the gateway's,
			 * one of their bits flipped */
			rnd_addr(&seed, fam, prefix, 256);
			if (k % 4 < 2 && near->family == fam) {
				memcpy(prefix, near->bytes, 16);
				prefix[rnd(&seed) % (bits / 8)] ^= (uint8_t)(1u << rnd(&seed) % 8);
			}
			prefix_mask(mask, plen);
			for (int p = 0; p < FIB_PORTS_MAX; p++)
				for (unsigned i = 0; i < f->ports[p].n_addrs; i++)
					want |= f->ports[p].addrs[i].family == fam &&
						esp_prefix_match_af(prefix, f->ports[p].addrs[i].bytes,
								    (uint8_t)plen, fam);
			ck_assert_int_eq(fib_local_within(f, fam, prefix, mask), want);
			if (want)
				yes++;
			else
				no++;
		}
		fib_free(f);
	}
	ck_assert_uint_gt(yes, 1000);
	ck_assert_uint_gt(no, 1000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fib-local");
	TCase *tc = tcase_create("fib-local");

	tcase_add_test(tc, fast_set_is_exact);
	tcase_add_test(tc, within_is_any_address_under_the_prefix);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return check_run(s);
}
