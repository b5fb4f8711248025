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
/** The SAs worker_fuzz_init() installs with A's policies, of SPIs 0x100
 *  on: an AES-GCM IPv4 tunnel, a ChaCha20-Poly1305 IPv6 one, AES-256-GCM
 *  IPv4 transport. */
enum { WORKER_FUZZ_COMBOS = 3 };
extern const struct combo worker_fuzz_combos[WORKER_FUZZ_COMBOS];
/** A second tunnel of worker_fuzz_combos[0]'s, installed without A's
 *  policy. */
enum { WORKER_FUZZ_AES6_SPI = 0x103, WORKER_FUZZ_AES4_SPI = 0x104 };
/** data[0] of a burst for worker_fuzz_one(). */
enum { WORKER_FUZZ_BURST = 4 };
/**
 * Feed @p data as a frame: data[0] picks the port (A lan, A wan, B lan,
 * B wan; bits 0 and 1), the rest is the frame; or, with WORKER_FUZZ_BURST
 * set in data[0], a burst of frames, each after its length (2 octets,
 * big-endian; up to WORKER_BURST of them, the first empty or cut short
 * ending it). Everything sent or punted is freed.
 */
void worker_fuzz_one(const uint8_t *data, size_t len);
/** Free the gateways (at exit, so LeakSanitizer sees a clean process). */
void worker_fuzz_fini(void);
/** mbufs available in the pool (for leak checks). */
unsigned worker_fuzz_pool_avail(void);

#endif
