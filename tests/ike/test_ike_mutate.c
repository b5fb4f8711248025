/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Drives the libFuzzer entry point of tests/fuzz/fuzz_ike_msg.c without
 * libFuzzer: every test message, then a few thousand mutations of each
 * from a fixed-seed PRNG, each in an exactly sized heap buffer (so ASan
 * catches any overread). Half the mutants get their IKE header Length
 * fixed up so that the payload walker, not the length check, sees them.
 *
 * `test_ike_mutate --write-corpus DIR` writes the unmutated inputs as the
 * libFuzzer seed corpus (tests/fuzz/corpus/ike/).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ike/ike_wire.h"
#include "tests/ike/ike_vectors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MUTANTS_PER_INPUT = 4000, MAX_INPUT = 1024 };

struct input {
	char name[64];
	uint8_t bytes[MAX_INPUT];
	size_t len;
};

static struct input inputs[16];
static unsigned n_inputs;

static void add_input(const char *name, uint8_t first, const uint8_t *p, size_t len)
{
	struct input *in = &inputs[n_inputs++];

	snprintf(in->name, sizeof(in->name), "%s", name);
	in->len = 0;
	if (first != 0)
		in->bytes[in->len++] = first; /* inner-chain form: first type octet */
	memcpy(in->bytes + in->len, p, len);
	in->len += len;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull; /* fixed seed */

static uint32_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static const uint8_t interesting[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x07, 0x08, 0x0a, 0x0e,
				       0x10, 0x21, 0x2e, 0x35, 0x7f, 0x80, 0xfe, 0xff };

static size_t mutate(uint8_t *p, size_t len, size_t cap)
{
	unsigned rounds = 1 + rng() % 4;

	for (unsigned r = 0; r < rounds; r++) {
		size_t at = len ? rng() % len : 0;

		switch (rng() % 7) {
		case 0: /* flip a bit */
			if (len)
				p[at] ^= (uint8_t)(1u << (rng() % 8));
			break;
		case 1: /* an interesting octet */
			if (len)
				p[at] = interesting[rng() % sizeof(interesting)];
			break;
		case 2: /* a random octet */
			if (len)
				p[at] = (uint8_t)rng();
			break;
		case 3: /* truncate */
			len = at;
			break;
		case 4: /* delete one octet */
			if (len) {
				memmove(p + at, p + at + 1, len - at - 1);
				len--;
			}
			break;
		case 5: /* insert one octet */
			if (len < cap) {
				memmove(p + at + 1, p + at, len - at);
				p[at] = interesting[rng() % sizeof(interesting)];
				len++;
			}
			break;
		case 6: /* a 16-bit length-like value */
			if (len >= 2 && at + 1 < len) {
				uint16_t v = (uint16_t)(rng() % 80);

				p[at] = (uint8_t)(v >> 8);
				p[at + 1] = (uint8_t)v;
			}
			break;
		}
	}
	return len;
}

static void run_one(const uint8_t *p, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	memcpy(copy, p, len);
	(void)LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

static int write_corpus(const char *dir)
{
	for (unsigned i = 0; i < n_inputs; i++) {
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%.400s/%.63s.bin", dir, inputs[i].name);
		f = fopen(path, "wb");
		if (f == NULL || fwrite(inputs[i].bytes, 1, inputs[i].len, f) != inputs[i].len) {
			perror(path);
			return EXIT_FAILURE;
		}
		fclose(f);
	}
	printf("wrote %u seed inputs to %s\n", n_inputs, dir);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	static uint8_t buf[MAX_INPUT + 64];
	unsigned long total = 0;

	for (unsigned i = 0; i < ike_n_vecs; i++)
		add_input(ike_vecs[i].name, 0, ike_vecs[i].msg, ike_vecs[i].len);
	add_input("inner-rfc7634-b-notify", IKE_PLD_N, ike_vec_rfc7634_b_plain,
		  sizeof(ike_vec_rfc7634_b_plain) - 1);
	add_input("inner-ike-auth", IKE_PLD_IDi, ike_vec_auth_inner, ike_vec_auth_inner_len);
	add_input("inner-informational-delete", IKE_PLD_D, ike_vec_delete_inner,
		  ike_vec_delete_inner_len);

	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
		return write_corpus(argv[2]);

	for (unsigned i = 0; i < n_inputs; i++) {
		run_one(inputs[i].bytes, inputs[i].len);
		total++;
		for (unsigned k = 0; k < MUTANTS_PER_INPUT; k++) {
			size_t len;

			memcpy(buf, inputs[i].bytes, inputs[i].len);
			len = mutate(buf, inputs[i].len, sizeof(buf));
			if ((k & 1) && len >= IKE_HDR_LEN) {
				buf[24] = (uint8_t)(len >> 24);
				buf[25] = (uint8_t)(len >> 16);
				buf[26] = (uint8_t)(len >> 8);
				buf[27] = (uint8_t)len;
			}
			run_one(buf, len);
			total++;
		}
	}
	printf("%lu inputs from %u seeds, no crash\n", total, n_inputs);
	return EXIT_SUCCESS;
}
