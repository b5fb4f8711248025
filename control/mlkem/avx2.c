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
enum { LANES = 4 };

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
	/* when set, only the first *avail message bytes exist yet (the
	 * producer extends it from the step hook of run_lanes) */
	const size_t *avail;
};

/* All ones in the 64-bit element of instance l. */
static __m256i lane_mask(unsigned l)
{
	return _mm256_cmpeq_epi64(_mm256_set1_epi64x((long long)l),
				  _mm256_setr_epi64x(0, 1, 2, 3));
}

/* Zero the state of instance l. */
static void lane_clear(__m256i s[25], unsigned l)
{
	const __m256i m = lane_mask(l);

	for (unsigned i = 0; i < 25; i++)
		s[i] = _mm256_andnot_si256(m, s[i]);
}

/* Instance l of s back to its value in old (a lane that had to wait). */
static void lane_restore(__m256i s[25], const __m256i old[25], unsigned l)
{
	const __m256i m = lane_mask(l);

	for (unsigned i = 0; i < 25; i++)
		s[i] = _mm256_blendv_epi8(s[i], old[i], m);
}

/* Bytes pos..pos+7 of j's message in || in2, zero past its end. */
static uint64_t msg_word(const struct lane_job *j, size_t pos)
{
	size_t total = j->len + j->len2;
	uint64_t w = 0;

	if (pos + 8 <= j->len) {
		memcpy(&w, j->in + pos, 8);
	} else if (pos >= j->len && pos + 8 <= total) {
		memcpy(&w, j->in2 + (pos - j->len), 8);
	} else {
		for (unsigned b = 0; b < 8 && pos + b < total; b++) {
			size_t p = pos + b;
			uint8_t c = p < j->len ? j->in[p] : j->in2[p - j->len];

			w |= (uint64_t)c << (8 * b);
		}
	}
	return w;
}

/* XOR w into word i of instance l (the state as 4 x 64-bit per word). */
static void state_xor(__m256i s[25], unsigned i, unsigned l, uint64_t w)
{
	uint8_t *p = (uint8_t *)&s[i] + 8 * l;
	uint64_t x;

	memcpy(&x, p, 8);
	x ^= w;
	memcpy(p, &x, 8);
}

/* Absorb j's next block (full, or the padded last one) into lane l
 * straight from the message: no staging buffer. */
static void absorb_lane(__m256i s[25], unsigned l, struct lane_job *j)
{
	size_t rem = j->len + j->len2 - j->off;
	unsigned rw = j->rate / 8;

	if (rem >= j->rate) {
		for (unsigned i = 0; i < rw; i++)
			state_xor(s, i, l, msg_word(j, j->off + 8 * i));
		j->off += j->rate;
		return;
	}
	/* message words, the domain/pad byte after them, pad10*1's 1 */
	for (unsigned i = 0; i <= rem / 8; i++) {
		uint64_t w = msg_word(j, j->off + 8 * i);

		if (i == rem / 8)
			w ^= (uint64_t)j->pad << (8 * (rem % 8));
		state_xor(s, i, l, w);
	}
	state_xor(s, rw - 1, l, 0x80ull << 56);
	j->off += rem;
	j->squeezing = 1;
}

/* Bytes of j's message that its next absorption step needs. */
static size_t need_bytes(const struct lane_job *j)
{
	size_t rem = j->len + j->len2 - j->off;

	return j->off + (rem >= j->rate ? j->rate : rem);
}

static int can_absorb(const struct lane_job *j)
{
	return !j->avail || *j->avail >= need_bytes(j);
}

/*
 * Run the jobs (at most 31) on the four lanes. A free lane takes the
 * first job not yet started whose first block is available. hook(ctx),
 * when given, runs after every step: it may extend the avail of jobs. A
 * lane whose started job waits for input keeps its state through the
 * permutation of the others. Returns -EDEADLK if no lane can make
 * progress (a producer bug), else 0.
 */
static int run_lanes(struct lane_job *jobs, unsigned njobs,
		     void (*hook)(void *), void *ctx)
{
	/* out: 24 state words per lane, six aligned 32-byte stores that
	 * mlkem_rej_block_avx2 reloads one for one */
	alignas(32) uint8_t out[LANES][192];
	uint8_t *op[LANES] = { out[0], out[1], out[2], out[3] };
	struct lane_job *cur[LANES] = { NULL, NULL, NULL, NULL };
	unsigned left = njobs, dirty = 0;
	uint32_t taken = 0, all;
	int ret = 0;
	__m256i s[25];

	if (njobs > 31)
		return -EINVAL;
	all = (1u << njobs) - 1;
	for (unsigned i = 0; i < 25; i++)
		s[i] = _mm256_setzero_si256();

	while (left) {
		int running = 0;
		unsigned waiting = 0, ext = 0;
		__m256i saved[25];

		/* free lanes take the first startable jobs */
		for (unsigned l = 0; l < LANES && taken != all; l++) {
			if (cur[l])
				continue;
			for (unsigned i = (unsigned)__builtin_ctz(~taken);
			     i < njobs; i++) {
				if ((taken & (1u << i)) || !can_absorb(&jobs[i]))
					continue;
				taken |= 1u << i;
				cur[l] = &jobs[i];
				if (dirty & (1u << l))
					lane_clear(s, l);
				dirty |= 1u << l;
				break;
			}
		}
		/* absorb: the next block, or the padded last one */
		for (unsigned l = 0; l < LANES; l++) {
			struct lane_job *j = cur[l];

			if (!j)
				continue;
			if (j->squeezing) {
				running = 1;
				continue;
			}
			if (!can_absorb(j)) {
				waiting |= 1u << l;
				continue;
			}
			running = 1;
			absorb_lane(s, l, j);
		}
		if (!running) {
			ret = -EDEADLK;
			break;
		}
		if (waiting)
			memcpy(saved, s, sizeof(saved));
		mlkem_keccak_x4_permute(s);
		for (unsigned l = 0; l < LANES; l++)
			if (waiting & (1u << l))
				lane_restore(s, saved, l);
		if (waiting)
			mlkem_wipe(saved, sizeof(saved));
		/* only the output words some squeezing lane uses: 192 bytes
		 * for SampleNTT, a hash's next output bytes rounded up to
		 * 32; nothing in pure absorbing steps */
		for (unsigned l = 0; l < LANES; l++) {
			const struct lane_job *j = cur[l];
			unsigned nb;

			if (!j || !j->squeezing)
				continue;
			if (j->poly) {
				nb = 192;
			} else {
				size_t n = j->outlen - j->got < j->rate
					   ? j->outlen - j->got : j->rate;

				nb = (unsigned)(n + 31) & ~31u;
			}
			if (nb > ext)
				ext = nb;
		}
		if (ext)
			mlkem_keccak_x4_extract(s, op, ext);

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
			cur[l] = NULL;
			left--;
		}
		if (hook)
			hook(ctx);
	}
	/* the J lane held z and K-bar */
	mlkem_wipe(out, sizeof(out));
	mlkem_wipe(s, sizeof(s));
	return ret;
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
	return run_lanes(jobs, n, NULL, NULL);
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
	return run_lanes(jobs, n, NULL, NULL);
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
			mlkem_poly_cbd_avx2(&r[base + l], buf[l], eta);
	}
	mlkem_wipe(in, sizeof(in));
	mlkem_wipe(buf, sizeof(buf));
	return 0;
}

/*
 * K-PKE.KeyGen (Algorithm 13) and H(ek) (Algorithm 16 line 2) in one run
 * of the lane scheduler: H absorbs ek while the matrix is still being
 * sampled. The step hook turns the PRF output into s-hat and e-hat as
 * soon as it is there, and every finished row i of A-hat into
 * t-hat[i] = ByteEncode12 of row i, extending what H may absorb.
 */
struct keygen_ctx {
	const struct mlkem_params *pp;
	const struct lane_job *prf;		/* 2k PRF jobs */
	const struct lane_job *mat[MLKEM_KMAX * MLKEM_KMAX];
	struct mlkem_poly *a, *se;
	uint8_t (*prf_out)[64 * 3];
	uint8_t *ek;
	size_t avail;				/* bytes of ek written */
	unsigned rows;				/* rows of t-hat done */
	int noise;				/* s-hat, e-hat done */
};

static void keygen_hook(void *p)
{
	struct keygen_ctx *c = p;
	unsigned k = c->pp->k;

	if (!c->noise) {
		for (unsigned i = 0; i < 2 * k; i++)
			if (c->prf[i].got != c->prf[i].outlen)
				return;
		/* lines 8-17 */
		for (unsigned i = 0; i < 2 * k; i++) {
			mlkem_poly_cbd_avx2(&c->se[i], c->prf_out[i],
					    c->pp->eta1);
			mlkem_ntt_avx2(&c->se[i]);
		}
		c->noise = 1;
	}
	while (c->rows < k) {				/* lines 18-19 */
		unsigned i = c->rows;
		struct mlkem_poly t;

		for (unsigned j = 0; j < k; j++)
			if (c->mat[i * k + j]->ctr != MLKEM_N)
				return;
		mlkem_basemul_acc_avx2(&t, &c->a[i * k], c->se, k);
		mlkem_poly_tomont_add_freeze_avx2(&t, &c->se[k + i]);
		mlkem_poly_encode12_avx2(c->ek + i * MLKEM_POLY_BYTES, &t);
		c->rows++;
		c->avail = c->rows == k ? c->pp->ek_bytes
					: c->rows * MLKEM_POLY_BYTES;
	}
}

static int keygen_avx2(struct mlkem_hash *h, const struct mlkem_params *pp,
		       const uint8_t d[32], uint8_t *ek, uint8_t *dk_pke,
		       uint8_t hek[32])
{
	struct mlkem_poly a[MLKEM_KMAX * MLKEM_KMAX], se[2 * MLKEM_KMAX];
	struct lane_job jobs[2 * MLKEM_KMAX + MLKEM_KMAX * MLKEM_KMAX + 1];
	uint8_t seed[MLKEM_KMAX * MLKEM_KMAX][34];
	uint8_t prf[2 * MLKEM_KMAX][64 * 3], nonce[2 * MLKEM_KMAX];
	uint8_t kbyte = (uint8_t)pp->k, rhosigma[64];
	const uint8_t *rho = rhosigma, *sigma = rhosigma + 32;
	struct mlkem_hjob hj = { .in = d, .len = 32, .in2 = &kbyte,
				 .len2 = 1, .kind = MLKEM_SHA3_512,
				 .out = rhosigma, .outlen = 64 };
	struct keygen_ctx c = { .pp = pp, .prf = jobs, .a = a, .se = se,
				.prf_out = prf, .ek = ek };
	unsigned k = pp->k, n = 0;
	int ret;

	/* k is 2, 3 or 4 (the parameter sets); said here, as GCC's -O3 with
	 * a profile could not see it, and warned of the loops below writing
	 * past nonce[] (-Wstringop-overflow, scripts/build-pgo.sh on Zen 5) */
	if (k > MLKEM_KMAX)
		return -1;

	/* line 1: (rho, sigma) = G(d || k) */
	ret = hashes_avx2(h, &hj, 1);
	if (ret)
		goto out;
	/* rho becomes part of ek: public from here on. */
	MLKEM_DECLASSIFY(rhosigma, 32);
	memcpy(ek + k * MLKEM_POLY_BYTES, rho, 32);

	/* PRF_eta1(sigma, N), N < 2k, first: s-hat and e-hat are needed
	 * for every row; then A-hat row by row, with H(ek) queued after
	 * row 0 so that it starts absorbing as soon as t-hat[0] exists. */
	for (unsigned i = 0; i < 2 * k; i++) {
		nonce[i] = (uint8_t)i;
		hj = (struct mlkem_hjob){ .in = sigma, .len = 32,
					  .in2 = &nonce[i], .len2 = 1,
					  .kind = MLKEM_SHAKE256,
					  .out = prf[i],
					  .outlen = 64 * pp->eta1 };
		jobs[n++] = hjob_lane(&hj);
	}
	for (unsigned i = 0; i < k; i++) {
		for (unsigned j = 0; j < k; j++) {
			uint8_t *sd = seed[i * k + j];

			memcpy(sd, rho, 32);
			sd[32] = (uint8_t)j;
			sd[33] = (uint8_t)i;
			c.mat[i * k + j] = &jobs[n];
			jobs[n++] = (struct lane_job){
				.in = sd, .len = 34,
				.rate = MLKEM_SHAKE128_RATE, .pad = 0x1f,
				.poly = a[i * k + j].c,
			};
		}
		if (i == 0) {
			hj = (struct mlkem_hjob){ .in = ek,
						  .len = pp->ek_bytes,
						  .kind = MLKEM_SHA3_256,
						  .out = hek, .outlen = 32 };
			jobs[n] = hjob_lane(&hj);
			jobs[n++].avail = &c.avail;
		}
	}
	ret = run_lanes(jobs, n, keygen_hook, &c);
	if (!ret && c.rows != k)
		ret = -EIO;
	if (ret)
		goto out;
	for (unsigned i = 0; i < k; i++) {		/* line 20 */
		mlkem_poly_freeze_avx2(&se[i]);
		mlkem_poly_encode12_avx2(dk_pke + i * MLKEM_POLY_BYTES,
					 &se[i]);
	}
out:
	mlkem_wipe(rhosigma, sizeof(rhosigma));
	mlkem_wipe(prf, sizeof(prf));
	mlkem_wipe(se, sizeof(se));
	return ret;
}

/*
 * All the hashing of an encapsulation (Algorithm 17, or the
 * re-encryption of Algorithm 18 with its H(ek) check and J) in one run of
 * the lane scheduler: H(ek) if needed, A-hat^T, G(m || H(ek)) as soon as
 * H(ek) is there, and the PRF lanes of the noise as soon as G's r is.
 */
struct enc_ctx {
	const struct lane_job *hjob, *gjob;	/* hjob NULL: hek given */
	size_t g_avail, prf_avail;
};

static void enc_hook(void *p)
{
	struct enc_ctx *c = p;

	if (c->g_avail < 64 && (!c->hjob || c->hjob->got == c->hjob->outlen))
		c->g_avail = 64;
	if (c->g_avail == 64 && c->gjob->got == c->gjob->outlen)
		c->prf_avail = 33;
}

static int enc_hashes_avx2(struct mlkem_hash *h,
			   const struct mlkem_params *pp, const uint8_t *ek,
			   const uint8_t m[32], const uint8_t *hek_in,
			   uint8_t hek_out[32], uint8_t kr[64],
			   struct mlkem_poly *at, struct mlkem_poly *noise,
			   struct mlkem_hjob *hj, unsigned nhj)
{
	struct lane_job jobs[4 + MLKEM_KMAX * MLKEM_KMAX +
			     2 * MLKEM_KMAX + 1];
	uint8_t seed[MLKEM_KMAX * MLKEM_KMAX][34];
	uint8_t prf[2 * MLKEM_KMAX + 1][64 * 3], nonce[2 * MLKEM_KMAX + 1];
	const uint8_t *rho = ek + pp->k * MLKEM_POLY_BYTES;
	const uint8_t *hek = hek_in ? hek_in : hek_out;
	struct enc_ctx c = { .g_avail = hek_in ? 64 : 32 };
	struct mlkem_hjob g = { .in = m, .len = 32, .in2 = hek, .len2 = 32,
				.kind = MLKEM_SHA3_512, .out = kr,
				.outlen = 64 };
	unsigned k = pp->k, n = 0;
	int ret;

	(void)h;
	if (nhj > 2)
		return -EINVAL;
	/* the long chains first: H(ek) (nine blocks), J, H check */
	if (!hek_in) {
		struct mlkem_hjob hh = { .in = ek, .len = pp->ek_bytes,
					 .kind = MLKEM_SHA3_256,
					 .out = hek_out, .outlen = 32 };

		c.hjob = &jobs[n];
		jobs[n++] = hjob_lane(&hh);
	}
	for (unsigned i = 0; i < nhj; i++)
		jobs[n++] = hjob_lane(&hj[i]);
	c.gjob = &jobs[n];
	jobs[n] = hjob_lane(&g);
	jobs[n++].avail = &c.g_avail;
	for (unsigned i = 0; i < k; i++) {		/* A-hat^T */
		for (unsigned j = 0; j < k; j++, n++) {
			uint8_t *sd = seed[i * k + j];

			memcpy(sd, rho, 32);
			sd[32] = (uint8_t)i;
			sd[33] = (uint8_t)j;
			jobs[n] = (struct lane_job){
				.in = sd, .len = 34,
				.rate = MLKEM_SHAKE128_RATE, .pad = 0x1f,
				.poly = at[i * k + j].c,
			};
		}
	}
	for (unsigned i = 0; i < 2 * k + 1; i++) {	/* PRF(r, N) */
		struct mlkem_hjob pj = {
			.in = kr + 32, .len = 32, .in2 = &nonce[i], .len2 = 1,
			.kind = MLKEM_SHAKE256, .out = prf[i],
			.outlen = 64 * (i < k ? pp->eta1 : pp->eta2) };

		nonce[i] = (uint8_t)i;
		jobs[n] = hjob_lane(&pj);
		jobs[n++].avail = &c.prf_avail;
	}
	ret = run_lanes(jobs, n, enc_hook, &c);
	if (!ret)
		for (unsigned i = 0; i < 2 * k + 1; i++)
			mlkem_poly_cbd_avx2(&noise[i], prf[i],
					    i < k ? pp->eta1 : pp->eta2);
	mlkem_wipe(prf, sizeof(prf));
	return ret;
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
	.keygen = keygen_avx2,
	.enc_hashes = enc_hashes_avx2,
};
