/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Anti-replay window and ESN inference (RFC 4303 §3.4.3 and Appendix A).
 *
 * The window is a ring of 64-bit blocks (RFC 6479): sliding it clears whole
 * blocks instead of shifting bits. It is checked before decryption and
 * updated only after the ICV verifies (RFC 4303 §3.4.3).
 */
#ifndef ESPRIT_DATAPLANE_REPLAY_H
#define ESPRIT_DATAPLANE_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct replay_window {
	uint64_t top;      /**< highest authenticated sequence number (64-bit) */
	uint32_t size;     /**< window size in packets (64..4096); 0 = anti-replay
			    *   off, only top is tracked (for ESN inference) */
	uint32_t nblocks;  /**< ring length in 64-bit blocks, a power of two */
	uint64_t bits[];   /**< ring of blocks */
};

/** Octets needed for a window of @p size packets (struct included). */
size_t replay_window_bytes(uint32_t size);
/** Initialise in caller-provided memory of replay_window_bytes(size). */
void replay_window_init(struct replay_window *w, uint32_t size, uint64_t top);

/**
 * RFC 4303 Appendix A2.2: the full 64-bit sequence number for the 32 bits
 * on the wire. Without ESN the result is just @p seq_lo.
 */
uint64_t replay_seq_infer(const struct replay_window *w, uint32_t seq_lo, bool esn);

/**
 * Before decryption: 0 if @p seq may be new, -1 with *reason set to
 * ESP_DROP_REPLAY (already seen) or ESP_DROP_TOO_OLD (left of the window).
 * Sequence number 0 is never valid (RFC 4303 §3.3.3: the first is 1).
 */
int replay_check(const struct replay_window *w, uint64_t seq, int *reason);

/** After the ICV verified: mark @p seq seen, sliding the window. */
void replay_update(struct replay_window *w, uint64_t seq);

#endif
