/* SPDX-License-Identifier: BSD-3-Clause */
/** @file One untrusted frame through the worker pipeline (fuzz entry). */
#ifndef ESPRIT_TESTS_WORKER_FUZZ_H
#define ESPRIT_TESTS_WORKER_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "tests/worker/gwsim.h"

/** Set up gateways A and B with SAs of several kinds (once). */
void worker_fuzz_init(void);
/** The AES-GCM IPv6 tunnel worker_fuzz_init() installs without A's
 *  policy (A's IPv6 traffic goes to the ChaCha20-Poly1305 one). */
extern const struct combo worker_fuzz_aes6;
enum { WORKER_FUZZ_AES6_SPI = 0x103 };
/**
 * Feed @p data as a frame: data[0] picks the port (A lan, A wan, B lan,
 * B wan), the rest is the frame. Everything sent or punted is freed.
 */
void worker_fuzz_one(const uint8_t *data, size_t len);
/** Free the gateways (at exit, so LeakSanitizer sees a clean process). */
void worker_fuzz_fini(void);
/** mbufs available in the pool (for leak checks). */
unsigned worker_fuzz_pool_avail(void);

#endif
