/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A worker's SAD: SPI → inbound SA, sized to stay cache-friendly at a
 * million SAs.
 *
 * Two tables. The direct one is indexed by bits 8 and up of the SPI
 * (SAD_SPI_SHIFT) and holds the SA of the first SPI added for each slot:
 * the SPIs this gateway hands out (sad_spi_make(), the driver's get_spi)
 * each get a slot of their own, so their lookup reads one pointer and
 * the SA's first line, which the packet needs anyway. Any other SPI (a
 * manually keyed SA, a slot's second SPI) goes to a hash table: open
 * addressing over 64-octet buckets of five (SPI, SA) slots, one line
 * read unless the bucket has overflowed.
 *
 * The bulk lookup prefetches a burst's direct slots, then their SAs,
 * before the first compare, so the misses of a burst overlap. 8 octets
 * a slot direct, 21 per SA hashed. Owned by one worker: no locks, no
 * atomics; the control plane reaches it through the worker's message
 * ring.
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
	SAD_SPI_SHIFT = 8,        /**< the SPI's low octet is left to the
				       owner rule (spi % workers) */
	SAD_DIRECT_MAX = 1 << 24, /**< direct slots at most (SPI bits 8-31) */
};

/** Direct slots of a table for @p entries SAs: a power of two, 64 to
 *  SAD_DIRECT_MAX. */
uint32_t sad_direct_slots(uint32_t entries);
/**
 * An SPI for direct slot @p slot of a table with @p slots slots, owned by
 * worker @p owner of @p n_workers (spi % n_workers == owner); @p rnd
 * gives the bits the slot and the owner leave free. May be below
 * ESP_SPI_MIN (slot 0 with no high bits): the caller picks again.
 */
uint32_t sad_spi_make(uint32_t slots, uint32_t slot, uint16_t owner, uint16_t n_workers,
		      uint64_t rnd);

/**
 * A table for up to @p entries SAs: sad_direct_slots(@p entries) direct
 * slots, and a hash table for @p entries (an eighth more are accepted;
 * its slots are 5/3 of @p entries, so probe sequences stay short when
 * full). NULL when out of memory.
 */
struct sad *sad_create(uint32_t entries, int socket);
void sad_free(struct sad *s);

/**
 * Insert or replace @p spi → @p sa (whose spi field must be @p spi): in
 * its direct slot if that is free or holds @p spi, else in the hash
 * table. 0, or -ENOSPC when full, -EINVAL for SPI 0.
 */
int sad_add(struct sad *s, uint32_t spi, struct esp_sa *sa);
/** Remove @p spi. 0, or -ENOENT. */
int sad_del(struct sad *s, uint32_t spi);
/** The SA of @p spi, or NULL. */
struct esp_sa *sad_lookup(const struct sad *s, uint32_t spi);
/**
 * Look up @p n (at most SAD_BULK_MAX) SPIs: out[i] is a candidate for
 * spis[i], which sad_confirm() turns into its SA or NULL. A candidate
 * from a direct slot is not checked here: the check reads the SA's first
 * line, which the caller reads anyway, and waiting for all of a burst's
 * before the first packet's transform would stall the burst.
 */
void sad_lookup_bulk(const struct sad *s, const uint32_t *spis, uint16_t n,
		     struct esp_sa **out);
/** The SA of @p spi given sad_lookup_bulk()'s candidate @p sa for it, or NULL. */
struct esp_sa *sad_confirm(const struct sad *s, uint32_t spi, struct esp_sa *sa);
/** Direct slots of @p s (sad_direct_slots() of its entries). */
uint32_t sad_slots(const struct sad *s);
/** Octets the table takes (for the per-SA memory report). */
size_t sad_bytes(const struct sad *s);

#endif
