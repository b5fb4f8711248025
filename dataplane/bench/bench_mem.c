/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What touching a cold SA costs on this machine. With a million SAs every
 * packet reads an SA no recent packet read: a cache miss and, once the SAs
 * outgrow the TLB's reach, a page walk (a nested one in a VM, and one per
 * 4 KiB page when the host backs the guest's huge pages with small ones).
 * The million-SA case is bound by that latency, which is a property of the
 * machine, not of esprit; this probe measures it so a reader can tell a
 * bare-metal run from this VM's.
 *
 * The probe: a pointer chase through one line of every 4 KiB page of a
 * region, pages in random order, each load depending on the one before,
 * on memory from the EAL's heap (where the SAs live).
 */
#include <stdlib.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "dataplane/bench/bench.h"

enum {
	CHASE_PAGE = 4096,
	CHASE_STEPS_MIN = 200000,   /* loads timed, at least */
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

double bench_chase_cycles(size_t bytes)
{
	size_t pages = bytes / CHASE_PAGE;
	uint8_t *mem = rte_malloc("bench_chase", bytes, CHASE_PAGE);
	uint32_t *order = malloc(pages * sizeof(*order));
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	double cycles = -1;

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
	cycles = (double)(rte_rdtsc_precise() - t0) / (double)steps;
	/* use where the chase ended, or the compiler may drop the loop */
	if (p == NULL)
		cycles = -1;
out:
	free(order);
	rte_free(mem);
	return cycles;
}
