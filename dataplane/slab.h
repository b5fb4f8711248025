/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Memory for SAs: slots that tile 4 KiB pages.
 *
 * With a million SAs every inbound packet's SA is a TLB miss, and an SA
 * that straddles two 4 KiB pages costs two. rte_malloc() puts a 64-octet
 * header in front of each object, so 1024-octet SAs land 1088 octets
 * apart and about a quarter of them straddle. A slot whose size divides
 * the page (64, 128, ... 4096 octets) never does, and carries no header.
 * Other sizes (SAs with a large replay window) come from rte_malloc().
 *
 * Slots come from 512 KiB chunks of the EAL's heap that are kept for
 * reuse, never given back: the process's SA memory is its peak. For the
 * control plane (SA setup and teardown), never the per-packet path; one
 * mutex covers every size.
 */
#ifndef ESPRIT_DATAPLANE_SLAB_H
#define ESPRIT_DATAPLANE_SLAB_H

#include <stdbool.h>
#include <stddef.h>

/** True when a @p size octet object gets a slot (it tiles a page). */
bool slab_fits(size_t size);
/** @p size octets (a multiple of 64), zeroed and 64-aligned, or NULL. */
void *slab_zalloc(size_t size);
/** Give back @p p, from slab_zalloc(@p size); the caller wiped it. */
void slab_free(void *p, size_t size);
/** Octets of chunks taken from the heap, and of slots handed out. */
void slab_usage(size_t *held, size_t *used);

#endif
