/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The raw AEAD cost: IPsec-MB called in a tight loop, in place, over the
 * same lengths the packets need, on the core the worker runs on. This is
 * the crypto part of the limit; nothing esprit does can be cheaper.
 */
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "dataplane/bench/bench.h"

enum {
	CR_BUFS = 32,            /* one burst of packets, rotated */
	CR_BUF_SIZE = 2048 + 64,
	/* many short trials: on a shared core most are never interrupted,
	 * and the fastest is the undisturbed cost */
	CR_TRIALS = 64,
	CR_TRIAL_OPS = 256,
};

static uint8_t bufs[CR_BUFS][CR_BUF_SIZE] __rte_cache_aligned;
static uint8_t tags[CR_BUFS][16] __rte_cache_aligned;
static const uint8_t aad[12] = { 0, 0, 0x10, 0, 0, 0, 0, 1 };
static const uint8_t nonce[12] = { 0x5a, 0x17, 0xc0, 0x01, 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

static struct gcm_key_data gkey __rte_aligned(64);

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
	double best;

	if (k256)
		IMB_AES256_GCM_PRE(mgr, key, &gkey);
	else
		IMB_AES128_GCM_PRE(mgr, key, &gkey);
	if (k256 && encrypt)
		CR_MEASURE(best, IMB_AES256_GCM_ENC(mgr, &gkey, &ctx, bufs[b], bufs[b], len, nonce,
						    aad, 8, tags[b], 16));
	else if (k256)
		CR_MEASURE(best, IMB_AES256_GCM_DEC(mgr, &gkey, &ctx, bufs[b], bufs[b], len, nonce,
						    aad, 8, tags[b], 16));
	else if (encrypt)
		CR_MEASURE(best, IMB_AES128_GCM_ENC(mgr, &gkey, &ctx, bufs[b], bufs[b], len, nonce,
						    aad, 8, tags[b], 16));
	else
		CR_MEASURE(best, IMB_AES128_GCM_DEC(mgr, &gkey, &ctx, bufs[b], bufs[b], len, nonce,
						    aad, 8, tags[b], 16));
	return best;
}

static double chacha_direct(IMB_MGR *mgr, bool encrypt, uint32_t len)
{
	struct chacha20_poly1305_context_data ctx;
	double best;

	if (encrypt)
		CR_MEASURE(best, {
			IMB_CHACHA20_POLY1305_INIT(mgr, key, &ctx, nonce, aad, 8);
			IMB_CHACHA20_POLY1305_ENC_UPDATE(mgr, key, &ctx, bufs[b], bufs[b], len);
			IMB_CHACHA20_POLY1305_ENC_FINALIZE(mgr, &ctx, tags[b], 16);
		});
	else
		CR_MEASURE(best, {
			IMB_CHACHA20_POLY1305_INIT(mgr, key, &ctx, nonce, aad, 8);
			IMB_CHACHA20_POLY1305_DEC_UPDATE(mgr, key, &ctx, bufs[b], bufs[b], len);
			IMB_CHACHA20_POLY1305_DEC_FINALIZE(mgr, &ctx, tags[b], 16);
		});
	return best;
}

/* One job of the job API for ChaCha20-Poly1305 (RFC 7634 / 8439 AEAD). */
static void chacha_job(IMB_MGR *mgr, bool encrypt, uint32_t len, unsigned b)
{
	IMB_JOB *job = IMB_GET_NEXT_JOB(mgr);

	job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	job->cipher_direction = encrypt ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	job->chain_order = encrypt ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	job->enc_keys = key;
	job->dec_keys = key;
	job->key_len_in_bytes = 32;
	job->src = bufs[b];
	job->dst = bufs[b];
	job->cipher_start_src_offset_in_bytes = 0;
	job->msg_len_to_cipher_in_bytes = len;
	job->hash_start_src_offset_in_bytes = 0;
	job->msg_len_to_hash_in_bytes = len;
	job->iv = nonce;
	job->iv_len_in_bytes = 12;
	job->u.CHACHA20_POLY1305.aad = aad;
	job->u.CHACHA20_POLY1305.aad_len_in_bytes = 8;
	job->auth_tag_output = tags[b];
	job->auth_tag_output_len_in_bytes = 16;
	(void)IMB_SUBMIT_JOB(mgr);
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
