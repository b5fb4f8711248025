/* SPDX-License-Identifier: BSD-3-Clause */
/** @file One untrusted frame through the worker pipeline (fuzz entry). */
#ifndef ESPRIT_TESTS_WORKER_FUZZ_H
#define ESPRIT_TESTS_WORKER_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/** Set up gateways A and B with SAs of several kinds (once). */
void worker_fuzz_init(void);
/**
 * Feed @p data as a frame: data[0] picks the port (A lan, A wan, B lan,
 * B wan), the rest is the frame. Everything sent or punted is freed.
 */
void worker_fuzz_one(const uint8_t *data, size_t len);
/** mbufs available in the pool (for leak checks). */
unsigned worker_fuzz_pool_avail(void);

#endif
