/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for IP reassembly (drivers/ipfrag.c). The input is a
 * sequence of records, each [1 octet: milliseconds to advance the clock]
 * [2 octets: length][that many octets: an IP packet], fed to a small table
 * so that its limits, eviction and timeouts are reached. Whatever comes
 * out whole must be a consistent IP datagram; and each record that is a
 * whole packet is split at an MTU the input picks and must reassemble to
 * the same length. Nothing may crash or read out of bounds (build with
 * ASan).
 */
#include <stdlib.h>
#include <string.h>

#include "drivers/ipfrag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t frags[64][1600];
static size_t frag_len[64];
static unsigned n_frags;

static int collect(void *arg, const uint8_t *hdr, size_t hl, const uint8_t *d, size_t dl)
{
	(void)arg;
	if (n_frags == 64 || hl + dl > sizeof(frags[0]))
		return -1;
	memcpy(frags[n_frags], hdr, hl);
	memcpy(frags[n_frags] + hl, d, dl);
	frag_len[n_frags++] = hl + dl;
	return 0;
}

static void check_whole(const uint8_t *p, size_t len)
{
	if (len < 20)
		abort();
	if (p[0] >> 4 == 4) {
		uint32_t sum = 0;

		if ((size_t)(p[2] << 8 | p[3]) != len || ((p[6] & 0x3f) | p[7]) != 0)
			abort();
		for (size_t i = 0; i < (size_t)(p[0] & 0xf) * 4; i += 2)
			sum += (uint32_t)(p[i] << 8 | p[i + 1]);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		if (sum != 0xffff)
			abort();
	} else if (p[0] >> 4 != 6 || len < 40 || (size_t)(p[4] << 8 | p[5]) + 40 != len) {
		abort();
	}
}

/* A whole packet, split and put back together, has its length again. */
static void split_round_trip(const uint8_t *p, size_t len, uint32_t mtu)
{
	struct ipfrag_table *t = ipfrag_table_new(NULL);
	const uint8_t *out = NULL;
	size_t out_len = 0;
	int n;

	n_frags = 0;
	n = ipfrag_split(p, len, mtu, 7, collect, NULL);
	for (int i = 0; i < n && t != NULL; i++) {
		enum ipfrag_result r = ipfrag_input(t, frags[i], frag_len[i], 0, &out, &out_len);

		if (n > 1 && (r == IPFRAG_DROPPED || (r == IPFRAG_DONE) != (i == n - 1)))
			abort();
	}
	if (n > 1) {
		size_t tot = p[0] >> 4 == 4 ? (size_t)(p[2] << 8 | p[3])
					    : 40 + (size_t)(p[4] << 8 | p[5]);

		if (out_len != tot)
			abort();
		check_whole(out, out_len);
	}
	ipfrag_table_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipfrag_limits lim = { .max_dgrams = 4, .max_frags = 16, .max_size = 8192,
				     .timeout_ms = 200 };
	struct ipfrag_table *t = ipfrag_table_new(&lim);
	uint64_t now = 0;

	if (t == NULL)
		return 0;
	while (size >= 3) {
		size_t len = (size_t)(data[1] << 8 | data[2]);
		const uint8_t *out;
		size_t out_len;

		now += data[0];
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		/* a copy of exactly len octets, so ASan sees any overread */
		uint8_t *pkt = malloc(len ? len : 1);

		if (pkt == NULL)
			break;
		memcpy(pkt, data, len);
		enum ipfrag_result r = ipfrag_input(t, pkt, len, now, &out, &out_len);

		if (r == IPFRAG_DONE)
			check_whole(out, out_len);
		if (r == IPFRAG_WHOLE && len > 0)
			split_round_trip(pkt, len, 68 + (uint32_t)(data[0] % 64) * 24);
		if (ipfrag_pending(t) > lim.max_dgrams)
			abort();
		free(pkt);
		data += len;
		size -= len;
	}
	ipfrag_table_free(t);
	return 0;
}
