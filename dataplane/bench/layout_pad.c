/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Benchmarking only (meson option layout_pad, scripts/bench-ab.sh
 * --layouts): ESPRIT_LAYOUT_PAD octets of code linked in front of
 * esprit-bench's own and the dataplane's, so that every hot function moves
 * by that much. On the Xeon of docs/benchmark-rounds.md ("Fifteenth round") a
 * function's place modulo 4 KiB moved a case by up to 0.024 of its limit,
 * more than many changes being measured; an A/B over several layouts
 * measures the change rather than where it left the code.
 */
#define LAYOUT_STR_(x) #x
#define LAYOUT_STR(x) LAYOUT_STR_(x)

__attribute__((used)) void esprit_layout_pad(void);
__attribute__((used)) void esprit_layout_pad(void)
{
	__asm__ volatile(".skip " LAYOUT_STR(ESPRIT_LAYOUT_PAD));
}
