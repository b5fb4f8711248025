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

#include "dataplane/drop.h"
#include "dataplane/esp.h"

enum {
	REPLAY_BLOCK_BITS = 64,
	REPLAY_BLOCK_SHIFT = 6,
};

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
static inline uint64_t replay_seq_infer(const struct replay_window *w, uint32_t seq_lo, bool esn);

/**
 * Before decryption: 0 if @p seq may be new, -1 with *reason set to
 * ESP_DROP_REPLAY (already seen) or ESP_DROP_TOO_OLD (left of the window).
 * Sequence number 0 is never valid (RFC 4303 §3.3.3: the first is 1).
 */
static inline int replay_check(const struct replay_window *w, uint64_t seq, int *reason);

/** After the ICV verified: mark @p seq seen, sliding the window. */
static inline void replay_update(struct replay_window *w, uint64_t seq);

/* The per-packet parts, inline: they run for every inbound packet. */

/* Window used by ESN inference: the real one, or the RFC 4303 §3.4.3
 * default of 64 when anti-replay is off. */
static inline uint32_t replay_infer_width(const struct replay_window *w)
{
	return w->size != 0 ? w->size : ESP_REPLAY_MIN;
}

static inline uint64_t replay_seq_infer(const struct replay_window *w, uint32_t seq_lo, bool esn)
{
	if (!esn)
		return seq_lo;

	/* RFC 4303 Appendix A2.2: Tl/Th are the halves of the top of the
	 * window, W its size; the window spans [Tl - W + 1, Tl] mod 2^32. */
	uint32_t tl = (uint32_t)w->top, th = (uint32_t)(w->top >> 32);
	uint32_t width = replay_infer_width(w);
	uint32_t bottom = tl - width + 1; /* mod 2^32 by C rules */
	uint32_t hi;

	if (tl >= width - 1) {
		/* Case A: the window lies within one subspace. */
		hi = seq_lo >= bottom ? th : th + 1;
	} else {
		/* Case B: the window spans two subspaces. */
		if (seq_lo >= bottom) {
			/* In the previous subspace, which does not exist
			 * before the first wrap: then it is just seq_lo. */
			if (th == 0)
				return seq_lo;
			hi = th - 1;
		} else {
			hi = th;
		}
	}
	return (uint64_t)hi << 32 | seq_lo;
}

static inline int replay_check(const struct replay_window *w, uint64_t seq, int *reason)
{
	/* RFC 4303 §3.3.3: the first packet sent has sequence number 1. */
	if (seq == 0) {
		*reason = ESP_DROP_TOO_OLD;
		return -1;
	}
	if (w->size == 0 || seq > w->top)
		return 0;
	if (w->top - seq >= w->size) {
		*reason = ESP_DROP_TOO_OLD;
		return -1;
	}
	uint32_t block = (uint32_t)(seq >> REPLAY_BLOCK_SHIFT) & (w->nblocks - 1);
	uint64_t bit = UINT64_C(1) << (seq & (REPLAY_BLOCK_BITS - 1));
	if (w->bits[block] & bit) {
		*reason = ESP_DROP_REPLAY;
		return -1;
	}
	return 0;
}

static inline void replay_update(struct replay_window *w, uint64_t seq)
{
	if (w->size == 0) {
		if (seq > w->top)
			w->top = seq;
		return;
	}
	uint32_t mask = w->nblocks - 1;

	if (seq > w->top) {
		/* RFC 6479 §2: slide by clearing the blocks between the old
		 * top's block and the new one (at most the whole ring). */
		uint64_t first = (w->top >> REPLAY_BLOCK_SHIFT) + 1;
		uint64_t last = seq >> REPLAY_BLOCK_SHIFT;
		uint64_t nclear = last - first + 1;

		if (last >= first) {
			if (nclear > w->nblocks)
				nclear = w->nblocks;
			for (uint64_t b = 0; b < nclear; b++)
				w->bits[(uint32_t)(first + b) & mask] = 0;
		}
		w->top = seq;
	}
	/* A seq left of the window cannot get here (replay_check said no),
	 * but never set a bit for it: it would alias a live one. */
	if (w->top - seq >= w->size)
		return;
	w->bits[(uint32_t)(seq >> REPLAY_BLOCK_SHIFT) & mask] |=
		UINT64_C(1) << (seq & (REPLAY_BLOCK_BITS - 1));
}

#endif
