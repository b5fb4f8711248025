/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's SAD (see sad.h). The direct table holds the SA of each
 * slot's first SPI; the others go to the hash table. A bucket's overflow
 * count says how many entries that hashed to it or to an earlier bucket
 * of their probe sequence live further on, so a lookup stops at the
 * first bucket whose count is zero and a delete never needs tombstones.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_random.h>

#include "dataplane/sa.h"
#include "dataplane/sad.h"

struct sad_bucket {
	uint32_t spi[SAD_SLOTS];      /**< 0: free (SPI 0 is never valid) */
	uint32_t overflow;            /**< entries placed past this bucket */
	struct esp_sa *sa[SAD_SLOTS];
} __rte_cache_aligned;
static_assert(sizeof(struct sad_bucket) == RTE_CACHE_LINE_SIZE, "a bucket is one line");

struct sad {
	struct esp_sa **direct;       /**< direct_mask + 1 slots */
	uint32_t direct_mask;
	uint32_t n_buckets;
	uint32_t n, max;              /**< in the hash table */
	uint32_t seed;                /**< per table: SPIs cannot aim at one bucket */
	struct sad_bucket b[];
};

static inline uint32_t sad_slot(const struct sad *s, uint32_t spi)
{
	return spi >> SAD_SPI_SHIFT & s->direct_mask;
}

/* The SA in @p spi's direct slot if it is @p spi's: the check reads the
 * SA's first line, which its packet needs next anyway. */
static inline struct esp_sa *sad_direct_get(const struct sad *s, uint32_t spi)
{
	struct esp_sa *sa = s->direct[sad_slot(s, spi)];

	return sa != NULL && sa->spi == spi ? sa : NULL;
}

uint32_t sad_direct_slots(uint32_t entries)
{
	uint32_t n = RTE_MAX(entries, 64u);

	return rte_align32pow2(RTE_MIN(n, (uint32_t)SAD_DIRECT_MAX));
}

uint32_t sad_spi_make(uint32_t slots, uint32_t slot, uint16_t owner, uint16_t n_workers,
		      uint64_t rnd)
{
	uint32_t shift = SAD_SPI_SHIFT + rte_bsf32(slots);
	uint32_t hi = shift >= 32 ? 0 : (uint32_t)(rnd >> 8) << shift;
	uint32_t spi = hi | (slot & (slots - 1)) << SAD_SPI_SHIFT;
	uint32_t lo = (uint32_t)rnd & 0xff;

	/* The low octet makes the owner: 256 consecutive values cover
	 * every residue of spi % n_workers. */
	n_workers = RTE_MAX(n_workers, (uint16_t)1);
	while ((spi | lo) % n_workers != owner % n_workers)
		lo = (lo + 1) & 0xff;
	return spi | lo;
}

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
	uint32_t nb = RTE_MAX(entries / 3 + 1, 4u), nd = sad_direct_slots(entries);
	struct sad *s = rte_zmalloc_socket("sad", sizeof(*s) + (size_t)nb * sizeof(struct sad_bucket),
					   RTE_CACHE_LINE_SIZE, socket);

	if (s == NULL)
		return NULL;
	s->direct = rte_zmalloc_socket("sad_direct", (size_t)nd * sizeof(*s->direct),
				       RTE_CACHE_LINE_SIZE, socket);
	if (s->direct == NULL) {
		rte_free(s);
		return NULL;
	}
	s->direct_mask = nd - 1;
	s->n_buckets = nb;
	s->max = RTE_MAX(entries, 1u);
	s->seed = (uint32_t)rte_rand();
	return s;
}

void sad_free(struct sad *s)
{
	if (s == NULL)
		return;
	rte_free(s->direct);
	rte_free(s);
}

uint32_t sad_slots(const struct sad *s)
{
	return s->direct_mask + 1;
}

size_t sad_bytes(const struct sad *s)
{
	return sizeof(*s) + (size_t)s->n_buckets * sizeof(struct sad_bucket) +
	       ((size_t)s->direct_mask + 1) * sizeof(*s->direct);
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
	struct esp_sa **d = &s->direct[sad_slot(s, spi)];

	/* Replaced where it is; new, in its slot when that is free. */
	if (*d != NULL && (*d)->spi == spi) {
		*d = sa;
		return 0;
	}
	if (sad_find(s, spi, &bi, &si)) {
		s->b[bi].sa[si] = sa;
		return 0;
	}
	if (*d == NULL) {
		*d = sa;
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

	if (spi == 0)
		return -ENOENT;
	if (sad_direct_get(s, spi) != NULL) {
		s->direct[sad_slot(s, spi)] = NULL;
		return 0;
	}
	if (!sad_find(s, spi, &bi, &si))
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

	struct esp_sa *sa;

	if (spi == 0)
		return NULL;
	sa = sad_direct_get(s, spi);
	if (sa != NULL)
		return sa;
	return sad_find(s, spi, &bi, &si) ? s->b[bi].sa[si] : NULL;
}

void sad_lookup_bulk(const struct sad *s, const uint32_t *spis, uint16_t n,
		     struct esp_sa **out)
{
	uint32_t home[SAD_BULK_MAX];
	bool hashed = false;

	n = RTE_MIN(n, (uint16_t)SAD_BULK_MAX);
	/* In passes, so that the misses of a burst overlap: the direct
	 * slots; then each slot's SA (left for the caller to check) or, for
	 * an empty slot, its home bucket; then those buckets. A run of one
	 * SPI (a flow's burst) costs a compare a packet. */
	for (uint16_t i = 0; i < n; i++)
		if (i == 0 || spis[i] != spis[i - 1])
			rte_prefetch0(&s->direct[sad_slot(s, spis[i])]);
	for (uint16_t i = 0; i < n; i++) {
		if (i > 0 && spis[i] == spis[i - 1]) {
			out[i] = out[i - 1];
			continue;
		}
		out[i] = s->direct[sad_slot(s, spis[i])];
		if (out[i] != NULL) {
			rte_prefetch0(out[i]);
		} else if (spis[i] != 0) {
			home[i] = sad_home(s, spis[i]);
			rte_prefetch0(&s->b[home[i]]);
			hashed = true;
		}
	}
	if (!hashed)
		return;
	for (uint16_t i = 0; i < n; i++) {
		if (i > 0 && spis[i] == spis[i - 1]) {
			out[i] = out[i - 1];
			continue;
		}
		if (out[i] != NULL || spis[i] == 0)
			continue;
		const struct sad_bucket *b = &s->b[home[i]];

		for (unsigned j = 0; j < SAD_SLOTS; j++)
			if (b->spi[j] == spis[i])
				out[i] = b->sa[j];
		if (unlikely(out[i] == NULL && b->overflow != 0))
			out[i] = sad_lookup(s, spis[i]);
	}
}

struct esp_sa *sad_confirm(const struct sad *s, uint32_t spi, struct esp_sa *sa)
{
	if (likely(sa != NULL && sa->spi == spi))
		return sa;
	/* another SPI's slot (sa is that SPI's SA), or not there at all */
	return sa != NULL ? sad_lookup(s, spi) : NULL;
}
