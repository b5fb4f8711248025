/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The raw AEAD cost: IPsec-MB called in a tight loop, in place, over the
 * same lengths the packets need, on the core the worker runs on. This is
 * the crypto part of the limit; nothing esprit does can be cheaper.
 *
 * Two forms: bench_crypto_cycles(), the fastest of many short trials at
 * one length (the undisturbed cost, shown for reference), and
 * bench_crypto_loop(), which runs until stopped over the pcap's AEAD
 * lengths in order and counts operations, so that the bench measures it
 * in the same windows and the same way as the I/O loop and esprit.
 */
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_malloc.h>

#include "dataplane/bench/bench.h"

enum {
	CR_BUFS = 32,            /* one burst of packets, rotated */
	CR_BUF_SIZE = 2048 + 64,
	/* many short trials: on a shared core most are never interrupted,
	 * and the fastest is the undisturbed cost */
	CR_TRIALS = 64,
	CR_TRIAL_OPS = 256,
	/* the pace reference: passes of AES-128-GCM over 512 octets */
	PACE_PASSES = 4,
	PACE_OPS = 8,
	PACE_LEN = 512,
};

/* A burst's worth of packet buffers and tags, and the GCM key schedule:
 * one for the trials, one per running loop (never shared between cores). */
struct cr_bufs {
	uint8_t buf[CR_BUFS][CR_BUF_SIZE] __rte_cache_aligned;
	uint8_t tag[CR_BUFS][16] __rte_cache_aligned;
	struct gcm_key_data gkey __rte_aligned(64);
	struct gcm_key_data pace_key __rte_aligned(64);   /* always AES-128 */
};

static struct cr_bufs trial;
static const uint8_t aad[12] = { 0, 0, 0x10, 0, 0, 0, 0, 1 };
static const uint8_t nonce[12] = { 0x5a, 0x17, 0xc0, 0x01, 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

/* The best of several trials: the machine is shared, interference only
 * ever adds cycles. */
#define CR_MEASURE(best, body)                                          \
	do {                                                            \
		best = 1e30;                                            \
		for (int t_ = 0; t_ < CR_TRIALS; t_++) {                \
			uint64_t s_ = rte_rdtsc_precise();              \
			for (unsigned i_ = 0; i_ < CR_TRIAL_OPS; i_++) { \
				unsigned b = i_ % CR_BUFS;              \
				body;                                   \
			}                                               \
			double c_ = (double)(rte_rdtsc_precise() - s_) / CR_TRIAL_OPS; \
			if (c_ < best)                                  \
				best = c_;                              \
		}                                                       \
	} while (0)

static double gcm_cycles(IMB_MGR *mgr, bool k256, bool encrypt, uint32_t len)
{
	struct gcm_context_data ctx;
	struct cr_bufs *t = &trial;
	double best;

	if (k256)
		IMB_AES256_GCM_PRE(mgr, key, &t->gkey);
	else
		IMB_AES128_GCM_PRE(mgr, key, &t->gkey);
	if (k256 && encrypt)
		CR_MEASURE(best, IMB_AES256_GCM_ENC(mgr, &t->gkey, &ctx, t->buf[b], t->buf[b], len,
						    nonce, aad, 8, t->tag[b], 16));
	else if (k256)
		CR_MEASURE(best, IMB_AES256_GCM_DEC(mgr, &t->gkey, &ctx, t->buf[b], t->buf[b], len,
						    nonce, aad, 8, t->tag[b], 16));
	else if (encrypt)
		CR_MEASURE(best, IMB_AES128_GCM_ENC(mgr, &t->gkey, &ctx, t->buf[b], t->buf[b], len,
						    nonce, aad, 8, t->tag[b], 16));
	else
		CR_MEASURE(best, IMB_AES128_GCM_DEC(mgr, &t->gkey, &ctx, t->buf[b], t->buf[b], len,
						    nonce, aad, 8, t->tag[b], 16));
	return best;
}

static double chacha_direct(IMB_MGR *mgr, bool encrypt, uint32_t len)
{
	struct chacha20_poly1305_context_data ctx;
	struct cr_bufs *t = &trial;
	double best;

	if (encrypt)
		CR_MEASURE(best, {
			IMB_CHACHA20_POLY1305_INIT(mgr, key, &ctx, nonce, aad, 8);
			IMB_CHACHA20_POLY1305_ENC_UPDATE(mgr, key, &ctx, t->buf[b], t->buf[b], len);
			IMB_CHACHA20_POLY1305_ENC_FINALIZE(mgr, &ctx, t->tag[b], 16);
		});
	else
		CR_MEASURE(best, {
			IMB_CHACHA20_POLY1305_INIT(mgr, key, &ctx, nonce, aad, 8);
			IMB_CHACHA20_POLY1305_DEC_UPDATE(mgr, key, &ctx, t->buf[b], t->buf[b], len);
			IMB_CHACHA20_POLY1305_DEC_FINALIZE(mgr, &ctx, t->tag[b], 16);
		});
	return best;
}

/* One job of the job API for ChaCha20-Poly1305 (RFC 7634 / 8439 AEAD) on
 * buffer @p b of @p cb. */
static void chacha_submit(IMB_MGR *mgr, struct cr_bufs *cb, bool encrypt, uint32_t len,
			  unsigned b)
{
	IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);

	job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	job->cipher_direction = encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = encrypt ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = key;
	job->dec_keys = key;
	job->key_len_in_bytes = 32;
	job->src = cb->buf[b];
	job->dst = cb->buf[b];
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = len;
	job->iv = nonce;
	job->iv_len_in_bytes = 12;
	job->u.CHACHA20_POLY1305.aad = aad;
	job->u.CHACHA20_POLY1305.aad_len_in_bytes = 8;
	job->auth_tag_output = cb->tag[b];
	job->auth_tag_output_len_in_bytes = 16;
	(void)IMB_SUBMIT_JOB(mgr);
}

static void chacha_job(IMB_MGR *mgr, bool encrypt, uint32_t len, unsigned b)
{
	chacha_submit(mgr, &trial, encrypt, len, b);
	/* A burst ends with a flush, as the dataplane would do it. */
	if (b == CR_BUFS - 1)
		while (IMB_FLUSH_JOB(mgr) != NULL)
			;
}

static double chacha_jobapi(IMB_MGR *mgr, bool encrypt, uint32_t len)
{
	double best;

	CR_MEASURE(best, chacha_job(mgr, encrypt, len, b));
	return best;
}

void bench_chacha_paths(IMB_MGR *mgr, bool encrypt, uint32_t len, double *direct, double *job)
{
	*direct = chacha_direct(mgr, encrypt, len);
	*job = chacha_jobapi(mgr, encrypt, len);
}

double bench_crypto_cycles(IMB_MGR *mgr, enum esp_cipher cipher, bool encrypt, uint32_t len,
			   const char **api)
{
	double d, j;

	switch (cipher) {
	case ESP_CIPHER_AES128_GCM16:
		*api = "direct";
		return gcm_cycles(mgr, false, encrypt, len);
	case ESP_CIPHER_AES256_GCM16:
		*api = "direct";
		return gcm_cycles(mgr, true, encrypt, len);
	case ESP_CIPHER_CHACHA20_POLY1305:
	default:
		bench_chacha_paths(mgr, encrypt, len, &d, &j);
		*api = d <= j ? "direct" : "job";
		return RTE_MIN(d, j);
	}
}

/* ---- the loop measured side by side with I/O and esprit ---------------- */

int bench_crypto_loop_init(struct bench_crypto_loop *l)
{
	struct cr_bufs *cb = rte_zmalloc("bench_crypto", sizeof(*cb), RTE_CACHE_LINE_SIZE);

	if (cb == NULL)
		return -1;
	IMB_AES128_GCM_PRE(l->mgr, key, &cb->pace_key);
	if (l->cipher == ESP_CIPHER_AES128_GCM16)
		IMB_AES128_GCM_PRE(l->mgr, key, &cb->gkey);
	else if (l->cipher == ESP_CIPHER_AES256_GCM16)
		IMB_AES256_GCM_PRE(l->mgr, key, &cb->gkey);
	l->state = cb;
	return 0;
}

void bench_crypto_loop_fini(struct bench_crypto_loop *l)
{
	rte_free(l->state);
	l->state = NULL;
}

/*
 * One burst of CR_BUFS operations at a time, each on the next length of
 * the pcap, then the count is published and the stop flag looked at (the
 * same granularity as a worker's RX burst).
 */
#define CR_LOOP(l, body)                                                \
	do {                                                            \
		uint32_t i_ = 0;                                        \
		uint64_t ops_ = (l)->ops;                               \
		while (!(l)->stop) {                                    \
			for (unsigned b = 0; b < CR_BUFS; b++) {        \
				uint32_t len = (l)->lens[i_];           \
				body;                                   \
				if (++i_ == (l)->n)                     \
					i_ = 0;                         \
			}                                               \
			ops_ += CR_BUFS;                                \
			__atomic_store_n(&(l)->ops, ops_, __ATOMIC_RELAXED); \
		}                                                       \
	} while (0)

static void chacha_loop(struct bench_crypto_loop *l, struct cr_bufs *cb)
{
	struct chacha20_poly1305_context_data ctx;
	IMB_MGR *mgr = l->mgr;
	bool enc = l->encrypt;

	CR_LOOP(l, {
		if (l->job != NULL && l->job[i_]) {
			chacha_submit(mgr, cb, enc, len, b);
		} else {
			IMB_CHACHA20_POLY1305_INIT(mgr, key, &ctx, nonce, aad, 8);
			if (enc)
				IMB_CHACHA20_POLY1305_ENC_UPDATE(mgr, key, &ctx, cb->buf[b],
								 cb->buf[b], len);
			else
				IMB_CHACHA20_POLY1305_DEC_UPDATE(mgr, key, &ctx, cb->buf[b],
								 cb->buf[b], len);
			if (enc)
				IMB_CHACHA20_POLY1305_ENC_FINALIZE(mgr, &ctx, cb->tag[b], 16);
			else
				IMB_CHACHA20_POLY1305_DEC_FINALIZE(mgr, &ctx, cb->tag[b], 16);
		}
		if (b == CR_BUFS - 1 && l->job != NULL)
			while (IMB_FLUSH_JOB(mgr) != NULL)
				;
	});
}

/*
 * The core's pace now: cycles of one AES-128-GCM encryption of PACE_LEN
 * octets, the fastest of a few short passes (the first warms the code
 * and key lines up). The same work in every round of every case, so a
 * case that ran on a slowed core throughout shows against the run's
 * others, where its own rounds cannot (bench_pace_mark()).
 */
static double pace_probe(IMB_MGR *mgr, struct cr_bufs *cb)
{
	struct gcm_context_data ctx;
	double best = 0;

	for (unsigned p = 0; p < PACE_PASSES; p++) {
		uint64_t s = rte_rdtsc_precise();

		for (unsigned b = 0; b < PACE_OPS; b++)
			IMB_AES128_GCM_ENC(mgr, &cb->pace_key, &ctx, cb->buf[b], cb->buf[b], PACE_LEN,
					   nonce, aad, 8, cb->tag[b], 16);
		double c = (double)(rte_rdtsc_precise() - s) / PACE_OPS;

		if (p == 0 || c < best)
			best = c;
	}
	return best;
}

int bench_crypto_loop(void *arg)
{
	struct bench_crypto_loop *l = arg;
	struct cr_bufs *cb = l->state;
	struct gcm_context_data ctx;
	IMB_MGR *mgr = l->mgr;

	if (l->n == 0)
		return -1;
	l->pace = pace_probe(mgr, cb);
	switch (l->cipher) {
	case ESP_CIPHER_AES128_GCM16:
		if (l->encrypt)
			CR_LOOP(l, IMB_AES128_GCM_ENC(mgr, &cb->gkey, &ctx, cb->buf[b], cb->buf[b],
						      len, nonce, aad, 8, cb->tag[b], 16));
		else
			CR_LOOP(l, IMB_AES128_GCM_DEC(mgr, &cb->gkey, &ctx, cb->buf[b], cb->buf[b],
						      len, nonce, aad, 8, cb->tag[b], 16));
		break;
	case ESP_CIPHER_AES256_GCM16:
		if (l->encrypt)
			CR_LOOP(l, IMB_AES256_GCM_ENC(mgr, &cb->gkey, &ctx, cb->buf[b], cb->buf[b],
						      len, nonce, aad, 8, cb->tag[b], 16));
		else
			CR_LOOP(l, IMB_AES256_GCM_DEC(mgr, &cb->gkey, &ctx, cb->buf[b], cb->buf[b],
						      len, nonce, aad, 8, cb->tag[b], 16));
		break;
	case ESP_CIPHER_CHACHA20_POLY1305:
	default:
		chacha_loop(l, cb);
		break;
	}
	return 0;
}
