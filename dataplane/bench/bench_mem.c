/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What touching a cold SA costs on this machine. With a million SAs every
 * packet reads an SA no recent packet read: a cache miss and, once the SAs
 * outgrow the TLB's reach, a page walk (a nested one in a VM, and one per
 * 4 KiB page when the host backs the guest's huge pages with small ones).
 * What that costs is the machine's (the page size the host gives, nested
 * paging or not), and the million-SA case is bound by it; these probes
 * measure it so a reader can tell this VM's numbers from a bare-metal
 * run's.
 *
 * Two probes on memory from the EAL's heap (where the SAs live): a pointer
 * chase through one line of every 4 KiB page of a region, pages in random
 * order, each load depending on the one before (the latency); and the
 * same pages prefetched far ahead of a use that never comes, between
 * steps of packet-like work (what a prefetch takes from the core however
 * early it is issued: in this VM 5-12 cycles over 1 GiB of the EAL's
 * long-lived pages, but 50-120 in a test on freshly mapped ones).
 */
#include <stdbool.h>
#include <stdlib.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "dataplane/bench/bench.h"

enum {
	CHASE_PAGE = 4096,
	CHASE_STEPS_MIN = 200000,   /* loads timed, at least */
	PREFETCH_STEPS = 200000,
	PREFETCH_TRIALS = 8,
	PREFETCH_AHEAD = 16,        /* steps: ~800 cycles, more than a miss */
	BUSY_OPS = 24,              /* work per step: ~50 cycles */
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The node of page @p page: a different line in each page, so the chase
 * does not hit one cache set. */
static void **chase_node(uint8_t *mem, uint32_t page)
{
	return (void **)(mem + (size_t)page * CHASE_PAGE + (page * 7u % 64u) * 64u);
}

/*
 * @p steps of packet-like work: loads and stores, independent of each
 * other, on a buffer in L1; with @p prefetch, step i also prefetches the
 * line of page pages[i + PREFETCH_AHEAD], which nothing reads. (Over work
 * without memory operations a prefetch cost less in a test here, 22
 * cycles against 49: the work should look like a packet's.)
 */
static void busy_steps(uint8_t *mem, const uint32_t *pages, size_t steps, bool prefetch)
{
	static uint64_t l1[64];
	uint64_t acc = 0;

	for (size_t i = 0; i + PREFETCH_AHEAD < steps; i++) {
		if (prefetch)
			rte_prefetch0(chase_node(mem, pages[i + PREFETCH_AHEAD]));
		for (unsigned k = 0; k < BUSY_OPS; k++) {
			acc += l1[k] * 3;
			l1[(k + 7) % RTE_DIM(l1)] += i;
		}
	}
	__asm__ volatile("" : : "r"(acc));   /* the work is not dead */
}

void bench_cold_cycles(size_t bytes, double *load, double *prefetch)
{
	size_t pages = bytes / CHASE_PAGE;
	uint8_t *mem = rte_malloc("bench_chase", bytes, CHASE_PAGE);
	uint32_t *order = malloc(RTE_MAX(pages, (size_t)PREFETCH_STEPS) * sizeof(*order));
	uint64_t rng = 0x9e3779b97f4a7c15ull;

	*load = *prefetch = -1;
	if (pages < 2 || mem == NULL || order == NULL)
		goto out;
	for (size_t i = 0; i < pages; i++)
		order[i] = (uint32_t)i;
	for (size_t i = pages - 1; i > 0; i--) {
		size_t j = xorshift(&rng) % (i + 1);
		uint32_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (size_t i = 0; i < pages; i++)
		*chase_node(mem, order[i]) = chase_node(mem, order[(i + 1) % pages]);

	void **p = chase_node(mem, order[0]);
	size_t steps = RTE_MAX(pages, (size_t)CHASE_STEPS_MIN);

	for (size_t i = 0; i < pages; i++)     /* one pass to settle */
		p = *p;
	uint64_t t0 = rte_rdtsc_precise();

	for (size_t i = 0; i < steps; i++)
		p = *p;
	*load = (double)(rte_rdtsc_precise() - t0) / (double)steps;
	/* use where the chase ended, or the compiler may drop the loop */
	if (p == NULL)
		*load = -1;

	/* The same pages, prefetched well ahead of a use that never comes:
	 * what the prefetch alone takes from the core (the loads above
	 * also wait for the data). */
	for (size_t i = 0; i < PREFETCH_STEPS; i++)
		order[i] = (uint32_t)(xorshift(&rng) % pages);
	/* the fastest of a few trials of each: the host's noise only adds */
	uint64_t plain = UINT64_MAX, with = UINT64_MAX;

	for (unsigned t = 0; t < PREFETCH_TRIALS; t++) {
		uint64_t t1 = rte_rdtsc_precise();

		busy_steps(mem, order, PREFETCH_STEPS, false);
		uint64_t t2 = rte_rdtsc_precise();

		busy_steps(mem, order, PREFETCH_STEPS, true);
		uint64_t t3 = rte_rdtsc_precise();

		plain = RTE_MIN(plain, t2 - t1);
		with = RTE_MIN(with, t3 - t2);
	}
	*prefetch = RTE_MAX(0.0, ((double)with - (double)plain) /
				 (PREFETCH_STEPS - PREFETCH_AHEAD));
out:
	free(order);
	rte_free(mem);
}
