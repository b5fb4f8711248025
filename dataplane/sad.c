/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's SAD (see sad.h). A bucket's overflow count says how many
 * entries that hashed to it or to an earlier bucket of their probe
 * sequence live further on, so a lookup stops at the first bucket whose
 * count is zero and a delete never needs tombstones.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include "dataplane/sad.h"

struct sad_bucket {
	uint32_t spi[SAD_SLOTS];      /**< 0: free (SPI 0 is never valid) */
	uint32_t overflow;            /**< entries placed past this bucket */
	struct esp_sa *sa[SAD_SLOTS];
} __rte_cache_aligned;
static_assert(sizeof(struct sad_bucket) == RTE_CACHE_LINE_SIZE, "a bucket is one line");

struct sad {
	uint32_t n_buckets;
	uint32_t n, max;
	uint32_t seed;                /**< per table: SPIs cannot aim at one bucket */
	struct sad_bucket b[];
};

static inline uint32_t sad_home(const struct sad *s, uint32_t spi)
{
	uint32_t h = rte_hash_crc_4byte(spi, s->seed);

	/* Lemire's multiply-shift maps h onto [0, n_buckets) without a
	 * division and without a power-of-two table size. */
	return (uint32_t)(((uint64_t)h * s->n_buckets) >> 32);
}

static inline uint32_t sad_next(const struct sad *s, uint32_t i)
{
	return i + 1 == s->n_buckets ? 0 : i + 1;
}

struct sad *sad_create(uint32_t entries, int socket)
{
	uint32_t nb = RTE_MAX(entries / 3 + 1, 4u);
	struct sad *s = rte_zmalloc_socket("sad", sizeof(*s) + (size_t)nb * sizeof(struct sad_bucket),
					   RTE_CACHE_LINE_SIZE, socket);

	if (s == NULL)
		return NULL;
	s->n_buckets = nb;
	s->max = RTE_MAX(entries, 1u);
	s->seed = (uint32_t)rte_rand();
	return s;
}

void sad_free(struct sad *s)
{
	rte_free(s);
}

size_t sad_bytes(const struct sad *s)
{
	return sizeof(*s) + (size_t)s->n_buckets * sizeof(struct sad_bucket);
}

/* The slot of @p spi: *bi its bucket, *si its slot; false if absent. */
static bool sad_find(const struct sad *s, uint32_t spi, uint32_t *bi, unsigned *si)
{
	uint32_t i = sad_home(s, spi);

	for (uint32_t k = 0; k < s->n_buckets; k++) {
		const struct sad_bucket *b = &s->b[i];

		for (unsigned j = 0; j < SAD_SLOTS; j++)
			if (b->spi[j] == spi) {
				*bi = i;
				*si = j;
				return true;
			}
		if (b->overflow == 0)
			return false;
		i = sad_next(s, i);
	}
	return false;
}

int sad_add(struct sad *s, uint32_t spi, struct esp_sa *sa)
{
	uint32_t bi, i;
	unsigned si;

	if (spi == 0)
		return -EINVAL;
	if (sad_find(s, spi, &bi, &si)) {
		s->b[bi].sa[si] = sa;
		return 0;
	}
	/* Capacity is entries * 5/3 slots; stop at the promised entries
	 * plus an eighth so a full table never probes far. */
	if (s->n >= s->max + s->max / 8)
		return -ENOSPC;
	i = sad_home(s, spi);
	for (uint32_t k = 0; k < s->n_buckets; k++) {
		struct sad_bucket *b = &s->b[i];

		for (unsigned j = 0; j < SAD_SLOTS; j++)
			if (b->spi[j] == 0) {
				b->spi[j] = spi;
				b->sa[j] = sa;
				s->n++;
				/* every bucket passed over now leads here */
				for (uint32_t h = sad_home(s, spi); h != i; h = sad_next(s, h))
					s->b[h].overflow++;
				return 0;
			}
		i = sad_next(s, i);
	}
	return -ENOSPC;
}

int sad_del(struct sad *s, uint32_t spi)
{
	uint32_t bi;
	unsigned si;

	if (spi == 0 || !sad_find(s, spi, &bi, &si))
		return -ENOENT;
	s->b[bi].spi[si] = 0;
	s->b[bi].sa[si] = NULL;
	s->n--;
	for (uint32_t h = sad_home(s, spi); h != bi; h = sad_next(s, h))
		s->b[h].overflow--;
	return 0;
}

struct esp_sa *sad_lookup(const struct sad *s, uint32_t spi)
{
	uint32_t bi;
	unsigned si;

	if (spi == 0 || !sad_find(s, spi, &bi, &si))
		return NULL;
	return s->b[bi].sa[si];
}

void sad_lookup_bulk(const struct sad *s, const uint32_t *spis, uint16_t n,
		     struct esp_sa **out)
{
	uint32_t home[SAD_BULK_MAX];

	n = RTE_MIN(n, (uint16_t)SAD_BULK_MAX);
	for (uint16_t i = 0; i < n; i++) {
		/* a run of one SPI (a flow's burst) costs a compare a packet */
		if (i > 0 && spis[i] == spis[i - 1])
			continue;
		home[i] = sad_home(s, spis[i]);
		rte_prefetch0(&s->b[home[i]]);
	}
	for (uint16_t i = 0; i < n; i++) {
		if (i > 0 && spis[i] == spis[i - 1]) {
			out[i] = out[i - 1];
			continue;
		}
		const struct sad_bucket *b = &s->b[home[i]];
		uint32_t spi = spis[i];
		struct esp_sa *sa = NULL;

		for (unsigned j = 0; j < SAD_SLOTS; j++)
			if (b->spi[j] == spi)
				sa = b->sa[j];
		if (unlikely(sa == NULL && b->overflow != 0))
			sa = sad_lookup(s, spi);
		out[i] = spi != 0 ? sa : NULL;
	}
}
