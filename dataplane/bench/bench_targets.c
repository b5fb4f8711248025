/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's targets (README, "Benchmark"), judged on the cases a run
 * measured: one worker, an IPv4 tunnel, explicit IV, one SA, AES-128-GCM
 * and ChaCha20-Poly1305 at 64 and 1420 octets each way, and a million
 * inbound SAs against one. A user on other hardware reads at the end of a
 * run which of them that machine meets, and by how much.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane/bench/bench.h"

/* The least fraction of the limit for one SA. */
static const struct {
	enum bench_dir dir;
	enum esp_cipher cipher;
	uint32_t size;
	double min;
} fraction_targets[] = {
	{ BENCH_OUT, ESP_CIPHER_AES128_GCM16, 64, 0.75 },
	{ BENCH_OUT, ESP_CIPHER_AES128_GCM16, 1420, 0.92 },
	{ BENCH_IN, ESP_CIPHER_AES128_GCM16, 64, 0.70 },
	{ BENCH_IN, ESP_CIPHER_AES128_GCM16, 1420, 0.90 },
	{ BENCH_OUT, ESP_CIPHER_CHACHA20_POLY1305, 64, 0.75 },
	{ BENCH_OUT, ESP_CIPHER_CHACHA20_POLY1305, 1420, 0.92 },
	{ BENCH_IN, ESP_CIPHER_CHACHA20_POLY1305, 64, 0.70 },
	{ BENCH_IN, ESP_CIPHER_CHACHA20_POLY1305, 1420, 0.90 },
};

/* A million inbound AES-128-GCM SAs at 64 octets: at most 15% below one. */
enum { MANY_SAS = 1000000 };
static const double many_min = 0.85;

/* Is @p c a case of the targets' kind: one worker, an IPv4 tunnel for
 * IPv4, explicit IV, one peer and one host each side? */
static bool plain_case(const struct bench_case *c, enum bench_dir dir, enum esp_cipher cipher,
		       uint32_t size)
{
	return c->dir == dir && c->cipher == cipher && c->size == size && !c->iiv &&
	       c->family == AF_INET && c->outer == AF_INET && c->workers == 1 && !c->spread &&
	       c->tunnel == BENCH_TUNNEL_EACH && c->peers <= 1 && c->hosts <= 1;
}

/* The first measured case of that kind with @p n_sas SAs, or -1. */
static int find_case(const struct bench_case *cs, const struct bench_result *rs, unsigned n,
		     enum bench_dir dir, enum esp_cipher cipher, uint32_t size, uint32_t n_sas)
{
	for (unsigned i = 0; i < n; i++)
		if (plain_case(&cs[i], dir, cipher, size) && cs[i].n_sas == n_sas && !rs[i].error)
			return (int)i;
	return -1;
}

unsigned bench_targets(const struct bench_case *cs, const struct bench_result *rs, unsigned n,
		       struct bench_target *out, unsigned max)
{
	unsigned k = 0;

	for (unsigned t = 0; t < RTE_DIM(fraction_targets) && k < max; t++) {
		int i = find_case(cs, rs, n, fraction_targets[t].dir, fraction_targets[t].cipher,
				  fraction_targets[t].size, 1);

		if (i < 0)
			continue;
		const struct bench_result *r = &rs[i];
		struct bench_target *o = &out[k++];

		*o = (struct bench_target){
			.c = &cs[i], .r = r, .value = r->fraction, .min = fraction_targets[t].min,
		};
		o->verdict = r->fraction >= o->min      ? BENCH_TARGET_MET
			     : r->fraction_q3 >= o->min ? BENCH_TARGET_IN_IQR
							: BENCH_TARGET_MISSED;
	}
	int many = find_case(cs, rs, n, BENCH_IN, ESP_CIPHER_AES128_GCM16, 64, MANY_SAS);
	int one = find_case(cs, rs, n, BENCH_IN, ESP_CIPHER_AES128_GCM16, 64, 1);

	if (many >= 0 && one >= 0 && k < max && rs[one].fraction > 0) {
		struct bench_target *o = &out[k++];

		/* fractions, not Mpps: the million-SA pcap's frames are
		 * many more than one SA's, and the harness's own I/O on it
		 * slower, which its limit takes in */
		*o = (struct bench_target){
			.c = &cs[many], .r = &rs[many], .one = &rs[one],
			.value = rs[many].fraction / rs[one].fraction, .min = many_min,
		};
		o->verdict = o->value >= o->min ? BENCH_TARGET_MET : BENCH_TARGET_MISSED;
	}
	return k;
}

unsigned bench_pace_mark(struct bench_result *rs, unsigned n, double quiet)
{
	double best = quiet > 0 ? quiet : 0;
	unsigned slow = 0;

	for (unsigned i = 0; i < n; i++)
		if (!rs[i].error && rs[i].pace_cycles > 0 && (best == 0 || rs[i].pace_cycles < best))
			best = rs[i].pace_cycles;
	for (unsigned i = 0; i < n; i++) {
		rs[i].pace_ratio = best > 0 && !rs[i].error && rs[i].pace_cycles > 0
					   ? rs[i].pace_cycles / best
					   : 0;
		slow += rs[i].pace_ratio >= BENCH_PACE_SLOW;
	}
	return slow;
}

/* What the host did to @p r's figures, for a target's line ("" for
 * nothing): its rounds, or all of it, on a slowed core. */
static void slow_note(char *buf, size_t len, const struct bench_result *r)
{
	if (r->pace_ratio >= BENCH_PACE_SLOW)
		snprintf(buf, len, " (the core ran %.2fx slow throughout)", r->pace_ratio);
	else if (r->host_slow)
		snprintf(buf, len, " (host slow in most rounds)");
	else
		buf[0] = '\0';
}

const char *bench_target_verdict(enum bench_target_verdict v)
{
	switch (v) {
	case BENCH_TARGET_MET:
		return "met";
	case BENCH_TARGET_IN_IQR:
		return "below, but inside its IQR";
	default:
		return "missed";
	}
}

static const char *cipher_name(enum esp_cipher c)
{
	return c == ESP_CIPHER_CHACHA20_POLY1305 ? "ChaCha20-Poly1305" : "AES-128-GCM";
}

void bench_targets_print(FILE *f, const struct bench_target *t, unsigned n)
{
	if (n == 0)
		return;
	fprintf(f, "\nTargets (one worker, IPv4 tunnel, explicit IV; fraction of the limit):\n");
	for (unsigned i = 0; i < n; i++) {
		const struct bench_target *x = &t[i];
		const char *dir = x->c->dir == BENCH_OUT ? "outbound" : "inbound";
		char slow[64];

		slow_note(slow, sizeof(slow), x->r);
		if (slow[0] == '\0' && x->one != NULL)
			slow_note(slow, sizeof(slow), x->one);

		if (x->one == NULL)
			fprintf(f, "  %-17s %-8s %4u B, 1 SA: %.3f (IQR %.3f-%.3f), target %.2f: %s%s\n",
				cipher_name(x->c->cipher), dir, x->c->size, x->value,
				x->r->fraction_q1, x->r->fraction_q3, x->min,
				bench_target_verdict(x->verdict), slow);
		else
			fprintf(f, "  %-17s %-8s %4u B, %u SAs: %.3f against one SA's %.3f, %.0f%% below"
				" (%.2f against %.2f Mpps), target at most %.0f%% below: %s%s;"
				" %.0f B/SA in the dataplane\n",
				cipher_name(x->c->cipher), dir, x->c->size, x->c->n_sas, x->r->fraction,
				x->one->fraction, 100 * (1 - x->value), x->r->mpps, x->one->mpps,
				100 * (1 - x->min), bench_target_verdict(x->verdict), slow,
				x->r->sa_bytes);
	}
}
