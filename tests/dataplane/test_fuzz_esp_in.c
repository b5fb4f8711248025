/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_fuzz_esp_in.c - the esp_inbound fuzz entry (tests/fuzz/fuzz_esp_in.c)
 * run in the normal test suite over a few thousand inputs: random bytes,
 * sealed random plaintexts, sealed valid inner packets, and mutations of
 * them (bit flips, truncation, extension, header rewrites). Deterministic
 * (fixed seed). It passes when nothing crashes (and under ASan/UBSan,
 * nothing is reported) and some packets were accepted, so the deep paths
 * were reached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/dataplane/pkt_helper.h"
#include "tests/fuzz/fuzz_esp_in.h"

enum { ROUNDS = 3000, MAXLEN = 1600 };

static uint32_t rng_state = 0x9e3779b9u;

static uint32_t rnd(void)
{
	/* xorshift32: reproducible everywhere */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void run(uint8_t sel, const uint8_t *pkt, size_t len)
{
	static uint8_t in[MAXLEN + 64];
	in[0] = sel;
	memcpy(in + 1, pkt, len);
	LLVMFuzzerTestOneInput(in, len + 1);
}

/* A plaintext that decrypts to something plausible for SA @p idx. */
static size_t plausible(uint8_t *pt, unsigned idx)
{
	size_t len;
	bool v6 = idx == 1 || idx == 3;
	if (rnd() % 2)
		len = test_ip6_udp(pt, "fd00::1", "fd00::2", 1, 2, rnd() % 200, 0);
	else
		len = test_ip4_udp(pt, "10.0.0.1", "10.0.0.2", 1, 2, rnd() % 200, 0, false);
	if (idx >= 2) {
		/* transport: the payload is just upper-layer data */
		len = 8 + rnd() % 100;
		for (size_t i = 0; i < len; i++)
			pt[i] = (uint8_t)rnd();
	}
	(void)v6;
	size_t pad = (4 - ((len + 2) & 3)) & 3;
	for (size_t i = 0; i < pad; i++)
		pt[len + i] = (uint8_t)(i + 1);
	pt[len + pad] = (uint8_t)pad;
	uint8_t nh[] = { 4, 41, 6, 17, 59, 0 };
	pt[len + pad + 1] = idx < 2 ? (pt[0] >> 4 == 6 ? 41 : 4) : nh[2 + rnd() % 4];
	if (rnd() % 8 == 0)
		pt[len + pad + 1] = nh[rnd() % 6];
	return len + pad + 2;
}

int main(void)
{
	static uint8_t pkt[MAXLEN + 64], pt[MAXLEN], mut[MAXLEN + 64];
	unsigned runs = 0;

	for (int r = 0; r < ROUNDS; r++) {
		unsigned idx = rnd() % FUZZ_ESP_NSA;
		/* random bytes, raw and sealed */
		size_t len = rnd() % 300;
		for (size_t i = 0; i < len; i++)
			pkt[i] = (uint8_t)rnd();
		if (len > 0 && rnd() % 2)
			pkt[0] = (uint8_t)(rnd() % 2 ? 0x45 : 0x60);
		run((uint8_t)idx, pkt, len);
		run((uint8_t)(idx | FUZZ_ESP_SEAL), pkt, len);
		runs += 2;

		/* a valid packet, its mutants first (the original would make
		 * them replays), then the original */
		size_t ptl = plausible(pt, idx);
		size_t wl = fuzz_esp_in_seal(idx, pt, ptl, pkt, sizeof(pkt));
		if (wl == 0)
			continue;
		for (int k = 0; k < 4; k++) {
			size_t ml = wl;
			memcpy(mut, pkt, wl);
			switch (rnd() % 5) {
			case 0:
				mut[rnd() % wl] ^= (uint8_t)(1u << (rnd() % 8));
				break;
			case 1:
				ml = rnd() % wl;
				break;
			case 2:
				ml = wl + rnd() % 32;
				for (size_t i = wl; i < ml; i++)
					mut[i] = (uint8_t)rnd();
				break;
			case 3:  /* rewrite a header octet (outer IP, UDP or ESP) */
				mut[rnd() % (wl < 64 ? wl : 64)] = (uint8_t)rnd();
				break;
			default:
				for (int j = 0; j < 4; j++)
					mut[rnd() % wl] = (uint8_t)rnd();
				break;
			}
			run((uint8_t)idx, mut, ml);
			runs++;
		}
		run((uint8_t)idx, pkt, wl);
		runs++;
		/* and the same plaintext sealed by the entry itself */
		run((uint8_t)(idx | FUZZ_ESP_SEAL), pt, ptl);
		runs++;
	}
	printf("fuzz_esp_in: %u inputs, %llu accepted\n", runs,
	       (unsigned long long)fuzz_esp_in_accepted());
	return fuzz_esp_in_accepted() > 0 ? 0 : 1;
}
