/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Anti-replay window (RFC 4303 §3.4.3) kept as a ring of 64-bit blocks
 * (RFC 6479 §2): bit (seq mod ring bits) says whether seq was seen. The
 * ring holds at least one block more than the window, so sliding right
 * only ever zeroes whole blocks that fell out of the window.
 *
 * A window of size 0 turns anti-replay off (RFC 4303 §3.4.3 lets the
 * receiver do so) but still tracks the highest sequence number, which ESN
 * inference needs.
 */
#include <string.h>

#include "dataplane/replay.h"

/* RFC 6479 §2: enough blocks for the window plus one spare, rounded up to
 * a power of two so the ring index is a mask. */
static uint32_t replay_nblocks(uint32_t size)
{
	uint32_t need, n = 1;

	if (size == 0)
		return 0;
	need = (size + REPLAY_BLOCK_BITS - 1) / REPLAY_BLOCK_BITS + 1;
	while (n < need)
		n <<= 1;
	return n;
}

size_t replay_window_bytes(uint32_t size)
{
	return sizeof(struct replay_window) + replay_nblocks(size) * sizeof(uint64_t);
}

void replay_window_init(struct replay_window *w, uint32_t size, uint64_t top)
{
	w->top = top;
	w->size = size;
	w->nblocks = replay_nblocks(size);
	memset(w->bits, 0, w->nblocks * sizeof(uint64_t));
}
