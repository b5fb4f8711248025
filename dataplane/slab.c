/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Slots that tile 4 KiB pages (slab.h): one free list per slot size,
 * threaded through the free slots, refilled a chunk at a time.
 */
#include <pthread.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "dataplane/slab.h"

enum {
	SLAB_PAGE = 4096,
	SLAB_MIN = RTE_CACHE_LINE_SIZE,
	SLAB_SIZES = 7,               /* 64, 128, ... 4096 */
	SLAB_CHUNK = 512 * 1024,
};

struct slab_slot {
	struct slab_slot *next;
};

static pthread_mutex_t slab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct slab_slot *slab_free_list[SLAB_SIZES];
static size_t slab_held, slab_used;

bool slab_fits(size_t size)
{
	return size >= SLAB_MIN && size <= SLAB_PAGE && rte_is_power_of_2((uint32_t)size);
}

static unsigned slab_index(size_t size)
{
	return rte_log2_u32((uint32_t)(size / SLAB_MIN));
}

/* A new chunk's slots onto the free list, in address order, so that
 * objects made one after another sit side by side. */
static int slab_refill(unsigned idx, size_t size)
{
	uint8_t *chunk = rte_malloc("esp_sa_slab", SLAB_CHUNK, SLAB_PAGE);

	if (chunk == NULL)
		return -1;
	for (size_t off = SLAB_CHUNK; off >= size; off -= size) {
		struct slab_slot *s = (struct slab_slot *)(void *)(chunk + off - size);

		s->next = slab_free_list[idx];
		slab_free_list[idx] = s;
	}
	slab_held += SLAB_CHUNK;
	return 0;
}

void *slab_zalloc(size_t size)
{
	struct slab_slot *s = NULL;

	if (!slab_fits(size))
		return rte_zmalloc("esp_sa", size, RTE_CACHE_LINE_SIZE);

	unsigned idx = slab_index(size);

	pthread_mutex_lock(&slab_lock);
	if (slab_free_list[idx] != NULL || slab_refill(idx, size) == 0) {
		s = slab_free_list[idx];
		slab_free_list[idx] = s->next;
		slab_used += size;
	}
	pthread_mutex_unlock(&slab_lock);
	if (s != NULL)
		memset(s, 0, size);
	return s;
}

void slab_free(void *p, size_t size)
{
	if (p == NULL)
		return;
	if (!slab_fits(size)) {
		rte_free(p);
		return;
	}

	unsigned idx = slab_index(size);
	struct slab_slot *s = p;

	pthread_mutex_lock(&slab_lock);
	s->next = slab_free_list[idx];
	slab_free_list[idx] = s;
	slab_used -= size;
	pthread_mutex_unlock(&slab_lock);
}

void slab_usage(size_t *held, size_t *used)
{
	pthread_mutex_lock(&slab_lock);
	*held = slab_held;
	*used = slab_used;
	pthread_mutex_unlock(&slab_lock);
}
