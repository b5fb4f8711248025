/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IP reassembly fuzz target (tests/fuzz/fuzz_ipfrag.c) in the normal
 * test run: seed inputs are the fragments of IPv4 and IPv6 datagrams of
 * several sizes (in order, reversed, duplicated, interleaved), then
 * deterministic mutations of them: bit flips, overwritten octets, changed
 * clock steps and lengths, truncation. The target aborts on any
 * inconsistent output; ASan (the sanitizer build runs this too) on any
 * out-of-bounds access. Optional argument: the number of mutations.
 * `test_ipfrag_fuzz --write-corpus DIR` writes the seeds for libFuzzer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/ipfrag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { SEED_MAX = 20000, N_SEEDS = 6 };

static uint8_t seed[N_SEEDS][SEED_MAX];
static size_t seed_len[N_SEEDS];
static uint8_t input[SEED_MAX];

struct rec {
	uint8_t *buf;
	size_t *len;
};

/* Append one record [dt][len16][packet] to the seed being built. */
static int record(void *arg, const uint8_t *hdr, size_t hl, const uint8_t *d, size_t dl)
{
	struct rec *r = arg;
	size_t n = hl + dl;

	if (*r->len + 3 + n > SEED_MAX)
		return -ENOSPC;
	r->buf[(*r->len)++] = 1;
	r->buf[(*r->len)++] = (uint8_t)(n >> 8);
	r->buf[(*r->len)++] = (uint8_t)n;
	memcpy(r->buf + *r->len, hdr, hl);
	memcpy(r->buf + *r->len + hl, d, dl);
	*r->len += n;
	return 0;
}

static size_t datagram(uint8_t *p, int family, size_t len, uint8_t src)
{
	memset(p, 0, 40);
	for (size_t i = 40; i < len; i++)
		p[i] = (uint8_t)(i ^ src);
	if (family == 4) {
		p[0] = 0x45;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[8] = 64;
		p[9] = 17;
		p[12] = 192, p[15] = src, p[16] = 192, p[19] = 1;
	} else {
		p[0] = 0x60;
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		p[6] = 17;
		p[7] = 64;
		p[8] = 0x20, p[23] = src, p[24] = 0x20, p[39] = 1;
	}
	return len;
}

static void build_seeds(void)
{
	static uint8_t p[4000];
	static const struct { int family; size_t len; uint32_t mtu; } d[N_SEEDS] = {
		{ 4, 1900, 1280 }, { 6, 1900, 1280 }, { 4, 3000, 576 },
		{ 6, 3500, 600 },  { 4, 600, 1500 },  { 6, 2200, 1280 },
	};

	for (unsigned i = 0; i < N_SEEDS; i++) {
		struct rec r = { seed[i], &seed_len[i] };
		size_t len = datagram(p, d[i].family, d[i].len, (uint8_t)i);

		if (ipfrag_split(p, len, d[i].mtu, i, record, &r) < 1)
			abort();
		if (i == 3) /* the same fragments again: duplicates */
			ipfrag_split(p, len, d[i].mtu, i, record, &r);
		if (i == 5) /* a second datagram from another source, same ID */
			ipfrag_split(p, datagram(p, 6, 2400, 9), 1280, i, record, &r);
	}
}

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static int write_corpus(const char *dir)
{
	for (unsigned i = 0; i < N_SEEDS; i++) {
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/seed-%u", dir, i);
		f = fopen(path, "wb");
		if (f == NULL || fwrite(seed[i], 1, seed_len[i], f) != seed_len[i]) {
			perror(path);
			return EXIT_FAILURE;
		}
		fclose(f);
	}
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	unsigned long mutations = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;

	build_seeds();
	if (argc > 2 && strcmp(argv[1], "--write-corpus") == 0)
		return write_corpus(argv[2]);
	for (unsigned i = 0; i < N_SEEDS; i++)
		LLVMFuzzerTestOneInput(seed[i], seed_len[i]);
	for (unsigned long k = 0; k < mutations; k++) {
		unsigned s = next() % N_SEEDS;
		size_t len = seed_len[s];

		memcpy(input, seed[s], len);
		for (unsigned m = 1 + next() % 4; m > 0; m--) {
			size_t at = next() % len;

			switch (next() % 4) {
			case 0: input[at] ^= (uint8_t)(1u << (next() % 8)); break;
			case 1: input[at] = (uint8_t)next(); break;
			case 2: input[at] = (uint8_t)(next() % 2 ? 0 : 0xff); break;
			default: len = at + 1; break;
			}
		}
		LLVMFuzzerTestOneInput(input, len);
	}
	printf("%lu mutated inputs, no fault\n", mutations);
	return EXIT_SUCCESS;
}
