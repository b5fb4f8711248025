/*
 * fuzz_mlkem_driver.c - runs the libFuzzer target of
 * tests/fuzz/fuzz_mlkem_decaps.c over a few thousand deterministic
 * random and mutated inputs, so the normal test run (gcc, no libFuzzer)
 * exercises it. The target abort()s on a broken invariant.
 *
 *   fuzz_mlkem_driver [iterations] [seed]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/mlkem/mlkem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t fuzz_mlkem_decaps_seed_input(unsigned sel, uint8_t *out, size_t max);

static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

int main(int argc, char **argv)
{
	static uint8_t buf[MLKEM_MAX_DK_BYTES + 64];
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 10) : 3000;
	unsigned long counts[4] = { 0 };

	if (argc > 2)
		rng = strtoull(argv[2], NULL, 0) | 1;
	for (unsigned long i = 0; i < iters; i++) {
		unsigned sel = (unsigned)(next() % 18), kind = i % 4;
		size_t len = fuzz_mlkem_decaps_seed_input(sel, buf,
							  sizeof(buf));

		switch (kind) {
		case 0:		/* a few bit flips */
			for (unsigned n = 1 + next() % 8; n; n--) {
				size_t at = 1 + next() % (len - 1);

				buf[at] ^= (uint8_t)(1u << (next() % 8));
			}
			break;
		case 1:		/* truncate or extend */
			if (next() % 2)
				len = 1 + next() % (len - 1);
			else
				len += 1 + next() % 63;
			break;
		case 2:		/* random bytes of the right length */
			for (size_t j = 1; j < len; j++)
				buf[j] = (uint8_t)next();
			break;
		default:	/* unmodified, or one byte set to 0xff */
			if (next() % 2)
				buf[1 + next() % (len - 1)] = 0xff;
			break;
		}
		LLVMFuzzerTestOneInput(buf, len);
		counts[kind]++;
	}
	printf("fuzz driver: %lu inputs (%lu bit-flipped, %lu resized, "
	       "%lu random, %lu near-valid), all invariants held\n", iters,
	       counts[0], counts[1], counts[2], counts[3]);
	return 0;
}
