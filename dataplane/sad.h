/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A worker's SAD: SPI → inbound SA, sized to stay cache-friendly at a
 * million SAs.
 *
 * Open addressing over 64-octet buckets of five (SPI, SA) slots; a
 * lookup reads one cache line (its home bucket) unless that bucket has
 * overflowed, and the bulk lookup prefetches every home bucket of a burst
 * before comparing, so the misses of a burst overlap. 21 octets per SA
 * when full. Owned by one worker: no locks, no atomics; the
 * control plane reaches it through the worker's message ring.
 */
#ifndef ESPRIT_DATAPLANE_SAD_H
#define ESPRIT_DATAPLANE_SAD_H

#include <stddef.h>
#include <stdint.h>

struct esp_sa;
struct sad;

enum sad_limits {
	SAD_SLOTS = 5,            /**< (SPI, SA) pairs in a 64-octet bucket */
	SAD_BULK_MAX = 64,        /**< most SPIs in one sad_lookup_bulk() */
};

/**
 * A table for up to @p entries SAs (an eighth more are accepted; the
 * slots are 5/3 of @p entries, so probe sequences stay short when full).
 * NULL when out of memory.
 */
struct sad *sad_create(uint32_t entries, int socket);
void sad_free(struct sad *s);

/** Insert or replace @p spi → @p sa. 0, or -ENOSPC when full, -EINVAL for SPI 0. */
int sad_add(struct sad *s, uint32_t spi, struct esp_sa *sa);
/** Remove @p spi. 0, or -ENOENT. */
int sad_del(struct sad *s, uint32_t spi);
/** The SA of @p spi, or NULL. */
struct esp_sa *sad_lookup(const struct sad *s, uint32_t spi);
/**
 * Look up @p n (at most SAD_BULK_MAX) SPIs: out[i] is the SA of spis[i]
 * or NULL. Every home bucket is prefetched before the first compare.
 */
void sad_lookup_bulk(const struct sad *s, const uint32_t *spis, uint16_t n,
		     struct esp_sa **out);
/** Octets the table takes (for the per-SA memory report). */
size_t sad_bytes(const struct sad *s);

#endif
