/*
 * avx2.c - the AVX2 back end: arithmetic and coding from poly_avx2.c, and
 * every SHAKE/SHA3 call of ML-KEM on the 4-way Keccak of keccak4x_avx2.c
 * (the hashes of the portable back end go through OpenSSL EVP).
 */
#include <errno.h>
#include <string.h>

#include "mlkem_avx2.h"

/*
 * Lane scheduler for the 4-way Keccak. Every job is one sponge: absorb a
 * message (in || in2) at its rate with its domain byte, then squeeze
 * blocks until the job is satisfied: SampleNTT (Algorithm 7) needs a
 * variable number of SHAKE128 blocks, H and J need one SHA3-256 or
 * SHAKE256 block. A lane that finishes is cleared and takes the next job,
 * so short and long jobs share the permutations instead of waiting for
 * the longest lane of a batch.
 */
enum { LANES = 4, BLK = MLKEM_SHAKE128_RATE };

struct lane_job {
	const uint8_t *in, *in2;	/* message in || in2 */
	size_t len, len2, off;		/* off: bytes absorbed so far */
	unsigned rate;
	uint8_t pad;			/* 0x1f SHAKE, 0x06 SHA3 (FIPS 202) */
	int squeezing;
	int16_t *poly;			/* SampleNTT output, or NULL */
	unsigned ctr;
	uint8_t *out;			/* hash output, when poly is NULL */
	size_t outlen, got;
};

/* n bytes of the message from offset off into dst. */
static void msg_copy(uint8_t *dst, const struct lane_job *j, size_t off,
		     size_t n)
{
	if (off < j->len) {
		size_t c = j->len - off < n ? j->len - off : n;

		memcpy(dst, j->in + off, c);
		dst += c;
		off += c;
		n -= c;
	}
	if (n)
		memcpy(dst, j->in2 + (off - j->len), n);
}

/* Zero the state of instance l (blend needs a constant mask). */
static void lane_clear(__m256i s[25], unsigned l)
{
	const __m256i z = _mm256_setzero_si256();

	for (unsigned i = 0; i < 25; i++) {
		switch (l) {
		case 0: s[i] = _mm256_blend_epi32(s[i], z, 0x03); break;
		case 1: s[i] = _mm256_blend_epi32(s[i], z, 0x0c); break;
		case 2: s[i] = _mm256_blend_epi32(s[i], z, 0x30); break;
		default: s[i] = _mm256_blend_epi32(s[i], z, 0xc0); break;
		}
	}
}

static void run_lanes(struct lane_job *jobs, unsigned njobs)
{
	/* out: 24 state words per lane, six aligned 32-byte stores that
	 * mlkem_rej_block_avx2 reloads one for one */
	alignas(32) uint8_t blk[LANES][BLK], out[LANES][192];
	const uint8_t *bp[LANES] = { blk[0], blk[1], blk[2], blk[3] };
	uint8_t *op[LANES] = { out[0], out[1], out[2], out[3] };
	struct lane_job *cur[LANES] = { NULL, NULL, NULL, NULL };
	unsigned next = 0, active = 0;
	__m256i s[25];

	for (unsigned i = 0; i < 25; i++)
		s[i] = _mm256_setzero_si256();
	for (unsigned l = 0; l < LANES && next < njobs; l++, active++)
		cur[l] = &jobs[next++];

	while (active) {
		int absorbing = 0;

		/* absorb: the next block, or the padded last one */
		for (unsigned l = 0; l < LANES; l++) {
			struct lane_job *j = cur[l];
			size_t rem;

			if (!j || j->squeezing)
				continue;
			if (!absorbing)
				memset(blk, 0, sizeof(blk));
			absorbing = 1;
			rem = j->len + j->len2 - j->off;
			if (rem >= j->rate) {
				msg_copy(blk[l], j, j->off, j->rate);
				j->off += j->rate;
				continue;
			}
			msg_copy(blk[l], j, j->off, rem);
			blk[l][rem] ^= j->pad;
			blk[l][j->rate - 1] ^= 0x80;
			j->off += rem;
			j->squeezing = 1;
		}
		/* most steps only squeeze SampleNTT output */
		if (absorbing)
			mlkem_keccak_x4_xor(s, bp, BLK);
		mlkem_keccak_x4_permute(s);
		mlkem_keccak_x4_extract(s, op, 192);

		/* squeeze: feed the jobs that are past absorbing */
		for (unsigned l = 0; l < LANES; l++) {
			struct lane_job *j = cur[l];
			int done;

			if (!j || !j->squeezing)
				continue;
			if (j->poly) {
				j->ctr += mlkem_rej_block_avx2(
					j->poly + j->ctr, MLKEM_N - j->ctr,
					out[l]);
				done = j->ctr == MLKEM_N;
			} else {
				size_t n = j->outlen - j->got < j->rate
					   ? j->outlen - j->got : j->rate;

				memcpy(j->out + j->got, out[l], n);
				j->got += n;
				done = j->got == j->outlen;
			}
			if (!done)
				continue;
			lane_clear(s, l);
			cur[l] = next < njobs ? &jobs[next++] : NULL;
			if (!cur[l])
				active--;
		}
	}
	/* the J lane held z and K-bar */
	mlkem_wipe(blk, sizeof(blk));
	mlkem_wipe(out, sizeof(out));
	mlkem_wipe(s, sizeof(s));
}

/* A hash job as a lane job. */
static struct lane_job hjob_lane(const struct mlkem_hjob *hj)
{
	struct lane_job j = {
		.in = hj->in, .in2 = hj->in2, .len = hj->len, .len2 = hj->len2,
		.out = hj->out, .outlen = hj->outlen,
	};

	switch (hj->kind) {
	case MLKEM_SHA3_256:
		j.rate = MLKEM_SHAKE256_RATE;	/* same capacity */
		j.pad = 0x06;
		break;
	case MLKEM_SHA3_512:
		j.rate = MLKEM_SHA3_512_RATE;
		j.pad = 0x06;
		break;
	case MLKEM_SHAKE256:
		j.rate = MLKEM_SHAKE256_RATE;
		j.pad = 0x1f;
		break;
	}
	return j;
}

static int hashes_avx2(struct mlkem_hash *h, struct mlkem_hjob *hj,
		       unsigned n)
{
	struct lane_job jobs[MLKEM_MAX_HJOBS];

	(void)h;
	if (n > MLKEM_MAX_HJOBS)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		jobs[i] = hjob_lane(&hj[i]);
	run_lanes(jobs, n);
	return 0;
}

/*
 * A-hat (Algorithm 13 lines 3-7, Algorithm 14 lines 4-8), entry
 * SampleNTT(rho || j || i), plus the caller's hashes. The hashes go first:
 * H and J are the longest jobs. rho is public.
 */
static int gen_matrix_avx2(struct mlkem_hash *h, struct mlkem_poly *a,
			   const uint8_t rho[32], unsigned k, int transposed,
			   struct mlkem_hjob *hj, unsigned nhj)
{
	struct lane_job jobs[MLKEM_MAX_HJOBS + MLKEM_KMAX * MLKEM_KMAX];
	uint8_t seed[MLKEM_KMAX * MLKEM_KMAX][34];
	unsigned n = 0;

	(void)h;
	if (nhj > MLKEM_MAX_HJOBS)
		return -EINVAL;
	for (unsigned i = 0; i < nhj; i++)
		jobs[n++] = hjob_lane(&hj[i]);
	for (unsigned i = 0; i < k; i++) {
		for (unsigned j = 0; j < k; j++, n++) {
			uint8_t *sd = seed[i * k + j];

			memcpy(sd, rho, 32);
			sd[32] = (uint8_t)(transposed ? i : j);
			sd[33] = (uint8_t)(transposed ? j : i);
			jobs[n] = (struct lane_job){
				.in = sd, .len = 34,
				.rate = MLKEM_SHAKE128_RATE, .pad = 0x1f,
				.poly = a[i * k + j].c,
			};
		}
	}
	run_lanes(jobs, n);
	return 0;
}

/* SamplePolyCBD_eta(PRF_eta(seed, nonce + i)) for i < n, four PRFs at a
 * time (Algorithm 13 lines 8-15, Algorithm 14 lines 9-17). */
static int noise_avx2(struct mlkem_hash *h, struct mlkem_poly *r, unsigned n,
		      const uint8_t seed[32], uint8_t nonce, unsigned eta)
{
	uint8_t in[4][33], buf[4][64 * 3];

	(void)h;
	for (unsigned base = 0; base < n; base += 4) {
		const uint8_t *ip[4] = { in[0], in[1], in[2], in[3] };
		uint8_t *op[4] = { buf[0], buf[1], buf[2], buf[3] };
		unsigned cnt = n - base < 4 ? n - base : 4;

		for (unsigned l = 0; l < 4; l++) {
			memcpy(in[l], seed, 32);
			in[l][32] = (uint8_t)(nonce + base + (l < cnt ? l : 0));
		}
		mlkem_shake_x4(1, op, 64 * eta, ip, 33);
		for (unsigned l = 0; l < cnt; l++)
			mlkem_poly_cbd(&r[base + l], buf[l], eta);
	}
	mlkem_wipe(in, sizeof(in));
	mlkem_wipe(buf, sizeof(buf));
	return 0;
}

const struct mlkem_ops mlkem_ops_avx2 = {
	.id = MLKEM_IMPL_AVX2,
	.ntt = mlkem_ntt_avx2,
	.invntt = mlkem_invntt_avx2,
	.basemul_acc = mlkem_basemul_acc_avx2,
	.gen_matrix = gen_matrix_avx2,
	.noise = noise_avx2,
	.compress = mlkem_poly_compress_avx2,
	.decompress = mlkem_poly_decompress_avx2,
	.hashes = hashes_avx2,
	.encode12 = mlkem_poly_encode12_avx2,
	.decode12 = mlkem_poly_decode12_avx2,
};
