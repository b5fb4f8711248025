/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deterministic stand-in for a fuzzing run: every snippet of the config
 * suite, and the full example, mutated a few thousand times with a fixed
 * seed and fed to the fuzz target. A crash or sanitizer report fails it.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_cases.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { ROUNDS_PER_INPUT = 120, MAX_MUTATIONS = 6, BUF_MAX = 8192 };

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: reproducible across runs and platforms. */
static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32) % (n != 0 ? n : 1);
}

/* Tokens that move libconfig and our checks into interesting corners. */
static const char *const tokens[] = {
	"{", "}", "(", ")", "[", "]", ";", ",", "=", ":", "\"", "0x", "-", "/", "any",
	"0xffffffff", "4294967296", "-1", "65536", "::", "/129", "\"in\"", "\"out\"",
	"true", "1e9", "#", "\n", "@include", "sas", "policies", "label", "\"\"", "9999999999999999999",
};

static size_t mutate(char *buf, size_t len)
{
	unsigned n = 1 + rnd(MAX_MUTATIONS);

	for (unsigned m = 0; m < n; m++) {
		size_t pos = len != 0 ? rnd((uint32_t)len) : 0;

		switch (rnd(5)) {
		case 0: /* flip a byte */
			if (len != 0)
				buf[pos] = (char)(buf[pos] ^ (1u << rnd(8)));
			break;
		case 1: { /* delete a run */
			size_t d = rnd(16) + 1;
			if (pos + d > len)
				d = len - pos;
			memmove(buf + pos, buf + pos + d, len - pos - d);
			len -= d;
			break;
		}
		case 2: { /* insert a token */
			const char *t = tokens[rnd(sizeof(tokens) / sizeof(tokens[0]))];
			size_t tl = strlen(t);
			if (len + tl < BUF_MAX) {
				memmove(buf + pos + tl, buf + pos, len - pos);
				memcpy(buf + pos, t, tl);
				len += tl;
			}
			break;
		}
		case 3: { /* duplicate a run */
			size_t d = rnd(64) + 1;
			if (pos + d > len)
				d = len - pos;
			if (len + d < BUF_MAX) {
				memmove(buf + pos + d, buf + pos, len - pos);
				len += d;
			}
			break;
		}
		default: /* truncate */
			len = pos;
			break;
		}
	}
	return len;
}

static unsigned run(const char *text)
{
	char buf[BUF_MAX];
	size_t base = strlen(text);

	if (base >= BUF_MAX)
		base = BUF_MAX - 1;
	LLVMFuzzerTestOneInput((const uint8_t *)text, base);
	for (unsigned r = 0; r < ROUNDS_PER_INPUT; r++) {
		memcpy(buf, text, base);
		size_t len = mutate(buf, base);
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	}
	return ROUNDS_PER_INPUT + 1;
}

int main(void)
{
	unsigned total = 0;

	for (size_t i = 0; i < cfg_n_bad_cases; i++)
		total += run(cfg_bad_cases[i].text);
	for (unsigned k = 0; k < 20; k++)
		total += run(cfg_valid_text);
	total += run(cfg_valid_sa_text);
	printf("%u inputs, none crashed\n", total);
	return 0;
}
