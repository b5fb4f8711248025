/*
 * test_mlkem.c - unit tests of control/mlkem: the arithmetic pieces
 * against their FIPS 203 definitions, the AVX2 back end against the
 * portable one, own Keccak against OpenSSL EVP, round trips with random
 * seeds, and every error path of the API.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <openssl/rand.h>

#include "control/mlkem/mlkem_int.h"
#include "tests/check_run.h"

static const enum mlkem_param sets[] = { MLKEM_512, MLKEM_768, MLKEM_1024 };

/* Deterministic test randomness (xorshift64*): failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng64(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void rng_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(rng64() >> 56);
}

static void rand_poly(struct mlkem_poly *p, int bound)
{
	for (unsigned i = 0; i < MLKEM_N; i++)
		p->c[i] = (int16_t)((int)(rng64() % (uint64_t)(2 * bound + 1)) -
				    bound);
}

static int mod_q(int x)
{
	x %= MLKEM_Q;
	return x < 0 ? x + MLKEM_Q : x;
}

static int have_avx2(void)
{
	int ok = mlkem_set_impl(MLKEM_IMPL_AVX2) == 0;

	mlkem_set_impl(MLKEM_IMPL_AUTO);
	return ok;
}

/* ---- arithmetic against the definitions ----------------------------- */

/* Compress_d / Decompress_d for every input, against eq. (4.7)/(4.8)
 * computed with a real division. */
START_TEST(test_compress_exhaustive)
{
	static const unsigned ds[] = { 1, 4, 5, 10, 11 };

	for (unsigned k = 0; k < sizeof(ds) / sizeof(ds[0]); k++) {
		unsigned d = ds[k];

		for (unsigned x = 0; x < MLKEM_Q; x++) {
			unsigned want = (((x << d) * 2 + MLKEM_Q) /
					 (2 * MLKEM_Q)) & ((1u << d) - 1);

			ck_assert_uint_eq(mlkem_compress((uint16_t)x, d), want);
		}
		for (unsigned y = 0; y < (1u << d); y++) {
			unsigned want = (y * MLKEM_Q * 2 + (1u << d)) /
					(2u << d);

			ck_assert_uint_eq(mlkem_decompress((uint16_t)y, d),
					  want);
		}
	}
}
END_TEST

START_TEST(test_reductions)
{
	for (int a = -32768; a < 32768; a++) {
		int16_t r = mlkem_barrett_reduce((int16_t)a);

		ck_assert_int_eq(mod_q(r), mod_q(a));
		ck_assert_int_le(r, MLKEM_Q / 2);
		ck_assert_int_ge(r, -MLKEM_Q / 2);
	}
	for (int i = 0; i < 100000; i++) {
		int32_t a = (int32_t)(rng64() % (2u * MLKEM_Q * 32768u)) -
			    MLKEM_Q * 32768;
		int16_t r = mlkem_mont_reduce(a);

		/* r * 2^16 == a (mod q) */
		ck_assert_int_eq(mod_q((int)(((int64_t)r * 65536) %
					     MLKEM_Q)), mod_q(a % MLKEM_Q));
		ck_assert_int_lt(r, MLKEM_Q);
		ck_assert_int_gt(r, -MLKEM_Q);
	}
}
END_TEST

/* NTT of Algorithm 9 computed naively: f-hat[2i], f-hat[2i+1] are f mod
 * (X^2 - zeta^(2 BitRev7(i) + 1)). */
static unsigned bitrev7(unsigned i)
{
	unsigned r = 0;

	for (unsigned b = 0; b < 7; b++)
		r |= ((i >> b) & 1) << (6 - b);
	return r;
}

static int powmod(int b, unsigned e)
{
	long r = 1, x = b;

	for (; e; e >>= 1, x = x * x % MLKEM_Q)
		if (e & 1)
			r = r * x % MLKEM_Q;
	return (int)r;
}

START_TEST(test_ntt_definition)
{
	struct mlkem_poly f, g;

	rand_poly(&f, MLKEM_Q - 1);
	g = f;
	mlkem_poly_ntt_ref(&g);
	for (unsigned i = 0; i < 128; i++) {
		int gamma = powmod(17, 2 * bitrev7(i) + 1);
		long e = 0, o = 0, gp = 1;

		/* f(X) mod (X^2 - gamma): X^(2j) -> gamma^j */
		for (unsigned j = 0; j < 128; j++) {
			e = (e + mod_q(f.c[2 * j]) * gp) % MLKEM_Q;
			o = (o + mod_q(f.c[2 * j + 1]) * gp) % MLKEM_Q;
			gp = gp * gamma % MLKEM_Q;
		}
		ck_assert_int_eq(mod_q(g.c[2 * i]), e);
		ck_assert_int_eq(mod_q(g.c[2 * i + 1]), o);
	}
	/* and the inverse (with its 2^16 factor, removed by an fqmul by 1) */
	mlkem_poly_invntt_ref(&g);
	for (unsigned i = 0; i < MLKEM_N; i++)
		ck_assert_int_eq(mod_q(mlkem_fqmul(g.c[i], 1)), mod_q(f.c[i]));
}
END_TEST

/* ---- AVX2 against portable ------------------------------------------- */

#ifdef MLKEM_HAVE_AVX2
START_TEST(test_avx2_arith)
{
	if (!have_avx2())
		return;
	for (int it = 0; it < 200; it++) {
		struct mlkem_poly a[4], b[4], x, y;

		for (int j = 0; j < 4; j++) {
			rand_poly(&a[j], MLKEM_Q - 1);
			rand_poly(&b[j], MLKEM_Q - 1);
		}
		x = a[0];
		y = a[0];
		mlkem_poly_ntt_ref(&x);
		mlkem_ntt_avx2(&y);
		for (unsigned i = 0; i < MLKEM_N; i++)
			ck_assert_int_eq(mod_q(x.c[i]), mod_q(y.c[i]));
		x = a[1];
		y = a[1];
		mlkem_poly_invntt_ref(&x);
		mlkem_invntt_avx2(&y);
		for (unsigned i = 0; i < MLKEM_N; i++)
			ck_assert_int_eq(mod_q(x.c[i]), mod_q(y.c[i]));
		{
			uint8_t e1[384], e2[384];

			/* ByteDecode_12 reduces mod q: include values >= q */
			rng_bytes(e1, sizeof(e1));
			mlkem_poly_decode12(&x, e1);
			mlkem_poly_decode12_avx2(&y, e1);
			ck_assert_mem_eq(x.c, y.c, sizeof(x.c));
			for (unsigned i = 0; i < MLKEM_N; i++)
				ck_assert_int_lt(x.c[i], MLKEM_Q);
			mlkem_poly_encode12(e1, &x);
			mlkem_poly_encode12_avx2(e2, &x);
			ck_assert_mem_eq(e1, e2, sizeof(e1));
		}
		for (unsigned k = 0; k < 5; k++) {
			static const unsigned ds[] = { 1, 4, 5, 10, 11 };
			uint8_t e1[32 * 11], e2[32 * 11];

			mlkem_poly_freeze(&a[2]);
			mlkem_poly_compress(e1, &a[2], ds[k]);
			mlkem_poly_compress_avx2(e2, &a[2], ds[k]);
			ck_assert_mem_eq(e1, e2, 32 * ds[k]);
			mlkem_poly_decompress(&x, e1, ds[k]);
			mlkem_poly_decompress_avx2(&y, e1, ds[k]);
			ck_assert_mem_eq(x.c, y.c, sizeof(x.c));
		}
		for (unsigned eta = 2; eta <= 3; eta++) {
			uint8_t buf[64 * 3];

			rng_bytes(buf, sizeof(buf));
			mlkem_poly_cbd(&x, buf, eta);
			mlkem_poly_cbd_avx2(&y, buf, eta);
			ck_assert_mem_eq(x.c, y.c, sizeof(x.c));
		}
		/* any int16 input */
		rng_bytes((uint8_t *)x.c, sizeof(x.c));
		y = x;
		mlkem_poly_freeze(&x);
		mlkem_poly_freeze_avx2(&y);
		ck_assert_mem_eq(x.c, y.c, sizeof(x.c));
		/* t-hat row: basemul output and e-hat both below q */
		x = a[3];
		y = a[3];
		mlkem_poly_tomont(&x);
		mlkem_poly_add(&x, &b[3]);
		mlkem_poly_freeze(&x);
		mlkem_poly_tomont_add_freeze_avx2(&y, &b[3]);
		ck_assert_mem_eq(x.c, y.c, sizeof(x.c));
		for (unsigned k = 2; k <= 4; k++) {
			mlkem_basemul_acc_ref(&x, a, b, k);
			mlkem_basemul_acc_avx2(&y, a, b, k);
			for (unsigned i = 0; i < MLKEM_N; i++)
				ck_assert_int_eq(mod_q(x.c[i]), mod_q(y.c[i]));
		}
	}
}
END_TEST

/* Compress_d of every x in [0, q), every d, against the portable code. */
START_TEST(test_avx2_compress_all)
{
	if (!have_avx2())
		return;
	for (unsigned k = 0; k < 5; k++) {
		static const unsigned ds[] = { 1, 4, 5, 10, 11 };

		for (unsigned base = 0; base < MLKEM_Q; base += MLKEM_N) {
			struct mlkem_poly a;
			uint8_t e1[32 * 11], e2[32 * 11];

			for (unsigned i = 0; i < MLKEM_N; i++)
				a.c[i] = (int16_t)((base + i) % MLKEM_Q);
			mlkem_poly_compress(e1, &a, ds[k]);
			mlkem_poly_compress_avx2(e2, &a, ds[k]);
			ck_assert_mem_eq(e1, e2, 32 * ds[k]);
		}
	}
}
END_TEST

START_TEST(test_avx2_rej_uniform)
{
	uint8_t buf[3 * MLKEM_SHAKE128_RATE + 24];
	int16_t x[MLKEM_N + 16], y[MLKEM_N + 16];

	if (!have_avx2())
		return;
	for (int it = 0; it < 2000; it++) {
		size_t len = 3 * (rng64() % (sizeof(buf) / 3 - 8));
		unsigned need = (unsigned)(rng64() % (MLKEM_N + 1));
		unsigned nx, ny;

		rng_bytes(buf, sizeof(buf));
		/* bias some inputs toward rejection */
		if (it % 3 == 0)
			for (size_t i = 1; i < len; i += 3)
				buf[i] |= 0xd0;
		nx = mlkem_rej_uniform(x, need, buf, len);
		ny = mlkem_rej_uniform_avx2(y, need, buf, len);
		ck_assert_uint_eq(nx, ny);
		ck_assert_mem_eq(x, y, nx * sizeof(int16_t));
		/* buf has more than 8 bytes past len */
		ny = mlkem_rej_uniform_avx2_padded(y, need, buf, len);
		ck_assert_uint_eq(nx, ny);
		ck_assert_mem_eq(x, y, nx * sizeof(int16_t));
	}
	/* one 168-byte block in a 192-byte aligned buffer */
	for (int it = 0; it < 2000; it++) {
		alignas(32) uint8_t blk[192];
		unsigned need = (unsigned)(rng64() % (MLKEM_N + 1));
		unsigned nx, ny;

		rng_bytes(blk, sizeof(blk));
		if (it % 3 == 0)
			for (size_t i = 1; i < 168; i += 3)
				blk[i] |= 0xd0;
		nx = mlkem_rej_uniform(x, need, blk, 168);
		ny = mlkem_rej_block_avx2(y, need, blk);
		ck_assert_uint_eq(nx, ny);
		ck_assert_mem_eq(x, y, nx * sizeof(int16_t));
	}
}
END_TEST

/* Own 4-way Keccak against OpenSSL EVP SHAKE128/SHAKE256. */
START_TEST(test_keccak_x4_vs_evp)
{
	static const size_t inlens[] = { 0, 1, 32, 33, 34, 135, 136, 137,
					 167, 168, 169, 300, 1184 };
	static const size_t outlens[] = { 1, 32, 128, 136, 168, 192, 504,
					  505, 1000 };
	struct mlkem_hash h;
	uint8_t in[4][1200], out[4][1000], ref[1000];

	if (!have_avx2())
		return;
	ck_assert_int_eq(mlkem_hash_init(&h), 0);
	for (int is256 = 0; is256 <= 1; is256++) {
		for (size_t a = 0; a < sizeof(inlens) / sizeof(*inlens); a++) {
			for (size_t b = 0; b < sizeof(outlens) /
					       sizeof(*outlens); b++) {
				const uint8_t *ip[4] = { in[0], in[1], in[2],
							 in[3] };
				uint8_t *op[4] = { out[0], out[1], out[2],
						   out[3] };

				rng_bytes(&in[0][0], sizeof(in));
				mlkem_shake_x4(is256, op, outlens[b], ip,
					       inlens[a]);
				for (int l = 0; l < 4; l++) {
					ck_assert_int_eq(mlkem_hash_shake(
						&h, is256, ref, outlens[b],
						in[l], inlens[a]), 0);
					ck_assert_mem_eq(out[l], ref,
							 outlens[b]);
				}
			}
		}
	}
	mlkem_hash_free(&h);
}
END_TEST

/*
 * The AVX2 lane scheduler: matrix plus side hashes of assorted lengths,
 * against the portable back end (EVP) entry by entry.
 */
START_TEST(test_matrix_with_hashes)
{
	static const size_t lens[] = { 0, 1, 32, 135, 136, 137, 800, 1184,
				       1568 };
	struct mlkem_hash h;
	static uint8_t msg[2000], msg2[2000];
	struct mlkem_poly a1[16], a2[16];
	uint8_t rho[32], o1[2][192], o2[2][192];

	if (!have_avx2())
		return;
	ck_assert_int_eq(mlkem_hash_init(&h), 0);
	for (unsigned it = 0; it < 40; it++) {
		unsigned k = 2 + it % 3, nhj = it % 3, tr = (it / 3) % 2;
		struct mlkem_hjob hj1[2], hj2[2];

		rng_bytes(rho, sizeof(rho));
		rng_bytes(msg, sizeof(msg));
		rng_bytes(msg2, sizeof(msg2));
		for (unsigned i = 0; i < 2; i++) {
			size_t l1 = lens[rng64() % 9], l2 = lens[rng64() % 9];

			enum mlkem_hkind kind = (enum mlkem_hkind)((it + i) % 3);

			/* SHAKE256 also as PRF_3: 192 bytes, two blocks */
			hj1[i] = (struct mlkem_hjob){ .in = msg, .len = l1,
				.in2 = msg2, .len2 = i ? l2 : 0, .kind = kind,
				.out = o1[i],
				.outlen = kind == MLKEM_SHA3_256 ? 32 :
					  kind == MLKEM_SHA3_512 ? 64 : 192 };
			hj2[i] = hj1[i];
			hj2[i].out = o2[i];
		}
		ck_assert_int_eq(mlkem_ops_portable.gen_matrix(&h, a1, rho, k,
					(int)tr, hj1, nhj), 0);
		ck_assert_int_eq(mlkem_ops_avx2.gen_matrix(&h, a2, rho, k,
					(int)tr, hj2, nhj), 0);
		ck_assert_mem_eq(a1, a2, k * k * sizeof(a1[0]));
		for (unsigned i = 0; i < nhj; i++)
			ck_assert_mem_eq(o1[i], o2[i], hj1[i].outlen);
		/* the same jobs alone */
		memset(o2, 0, sizeof(o2));
		ck_assert_int_eq(mlkem_ops_avx2.hashes(&h, hj2, nhj), 0);
		for (unsigned i = 0; i < nhj; i++)
			ck_assert_mem_eq(o1[i], o2[i], hj1[i].outlen);
	}
	/* and the EVP side against plain digests */
	{
		struct mlkem_hjob hj = { .in = msg, .len = 100, .in2 = msg2,
					 .len2 = 50, .kind = MLKEM_SHAKE256,
					 .out = o1[0], .outlen = 32 };
		uint8_t cat[150];

		memcpy(cat, msg, 100);
		memcpy(cat + 100, msg2, 50);
		ck_assert_int_eq(mlkem_hjobs_evp(&h, &hj, 1), 0);
		ck_assert_int_eq(mlkem_hash_shake(&h, 1, o1[1], 32, cat, 150),
				 0);
		ck_assert_mem_eq(o1[0], o1[1], 32);
	}
	mlkem_hash_free(&h);
}
END_TEST
#endif

/* ---- round trips ------------------------------------------------------ */

struct kem_out {
	uint8_t ek[MLKEM_MAX_EK_BYTES], dk[MLKEM_MAX_DK_BYTES];
	uint8_t ct[MLKEM_MAX_CT_BYTES], ss[32], ss2[32], ssbad[32];
};

/* keygen_seed, encaps_msg, decaps, and decaps of a corrupted ciphertext,
 * all on the given back end. */
static void run_kem(enum mlkem_impl impl, enum mlkem_param p,
		    const uint8_t d[32], const uint8_t z[32],
		    const uint8_t m[32], size_t flip, struct kem_out *o)
{
	size_t ekl = mlkem_ek_bytes(p), dkl = mlkem_dk_bytes(p);
	size_t ctl = mlkem_ct_bytes(p);
	uint8_t bad[MLKEM_MAX_CT_BYTES];

	ck_assert_int_eq(mlkem_set_impl(impl), 0);
	ck_assert_int_eq(mlkem_keygen_seed(p, d, z, o->ek, ekl, o->dk, dkl),
			 0);
	ck_assert_int_eq(mlkem_ek_check(p, o->ek, ekl), 0);
	ck_assert_int_eq(mlkem_dk_check(p, o->dk, dkl), 0);
	ck_assert_int_eq(mlkem_encaps_msg(p, o->ek, ekl, m, o->ct, ctl, o->ss),
			 0);
	ck_assert_int_eq(mlkem_decaps(p, o->dk, dkl, o->ct, ctl, o->ss2), 0);
	ck_assert_mem_eq(o->ss, o->ss2, 32);
	memcpy(bad, o->ct, ctl);
	bad[flip % ctl] ^= (uint8_t)(1u << (flip % 8));
	ck_assert_int_eq(mlkem_decaps(p, o->dk, dkl, bad, ctl, o->ssbad), 0);
	ck_assert_mem_ne(o->ssbad, o->ss, 32);
}

START_TEST(test_roundtrip_both_impls)
{
	enum mlkem_param p = sets[_i];
	int avx2 = have_avx2();

	for (int it = 0; it < 100; it++) {
		static struct kem_out a, b;
		uint8_t d[32], z[32], m[32], kbar[32];
		size_t flip = (size_t)rng64();
		struct mlkem_hash h;
		uint8_t bad[MLKEM_MAX_CT_BYTES];
		size_t ctl = mlkem_ct_bytes(p);

		rng_bytes(d, 32);
		rng_bytes(z, 32);
		rng_bytes(m, 32);
		run_kem(MLKEM_IMPL_PORTABLE, p, d, z, m, flip, &a);

		/* implicit rejection key is J(z || c'), Algorithm 18 line 7 */
		memcpy(bad, a.ct, ctl);
		bad[flip % ctl] ^= (uint8_t)(1u << (flip % 8));
		ck_assert_int_eq(mlkem_hash_init(&h), 0);
		ck_assert_int_eq(mlkem_hash_j(&h, kbar, z, 32, bad, ctl), 0);
		mlkem_hash_free(&h);
		ck_assert_mem_eq(a.ssbad, kbar, 32);

		if (!avx2)
			continue;
		run_kem(MLKEM_IMPL_AVX2, p, d, z, m, flip, &b);
		ck_assert_mem_eq(a.ek, b.ek, mlkem_ek_bytes(p));
		ck_assert_mem_eq(a.dk, b.dk, mlkem_dk_bytes(p));
		ck_assert_mem_eq(a.ct, b.ct, ctl);
		ck_assert_mem_eq(a.ss, b.ss, 32);
		ck_assert_mem_eq(a.ssbad, b.ssbad, 32);
	}
	mlkem_set_impl(MLKEM_IMPL_AUTO);
}
END_TEST

/* The randomized wrappers, and mixing back ends across the two peers. */
START_TEST(test_random_api)
{
	enum mlkem_param p = sets[_i];
	size_t ekl = mlkem_ek_bytes(p), dkl = mlkem_dk_bytes(p);
	size_t ctl = mlkem_ct_bytes(p);
	uint8_t ek[MLKEM_MAX_EK_BYTES], dk[MLKEM_MAX_DK_BYTES];
	uint8_t ct[MLKEM_MAX_CT_BYTES], ss1[32], ss2[32];
	enum mlkem_impl other = have_avx2() ? MLKEM_IMPL_AVX2
					    : MLKEM_IMPL_PORTABLE;

	for (int it = 0; it < 20; it++) {
		ck_assert_int_eq(mlkem_set_impl(MLKEM_IMPL_PORTABLE), 0);
		ck_assert_int_eq(mlkem_keygen(p, ek, ekl, dk, dkl), 0);
		ck_assert_int_eq(mlkem_set_impl(other), 0);
		ck_assert_int_eq(mlkem_encaps(p, ek, ekl, ct, ctl, ss1), 0);
		ck_assert_int_eq(mlkem_set_impl(MLKEM_IMPL_PORTABLE), 0);
		ck_assert_int_eq(mlkem_decaps(p, dk, dkl, ct, ctl, ss2), 0);
		ck_assert_mem_eq(ss1, ss2, 32);
	}
	mlkem_set_impl(MLKEM_IMPL_AUTO);
}
END_TEST

/* ---- API errors -------------------------------------------------------- */

START_TEST(test_errors)
{
	enum mlkem_param p = sets[_i];
	size_t ekl = mlkem_ek_bytes(p), dkl = mlkem_dk_bytes(p);
	size_t ctl = mlkem_ct_bytes(p);
	static uint8_t ek[MLKEM_MAX_EK_BYTES + 1], dk[MLKEM_MAX_DK_BYTES + 1];
	static uint8_t ct[MLKEM_MAX_CT_BYTES + 1], seed[65], ss[32];
	enum mlkem_param bogus = (enum mlkem_param)7;

	rng_bytes(seed, sizeof(seed));
	ck_assert_int_eq(mlkem_keygen_from_seed(p, seed, 64, ek, ekl, dk, dkl),
			 0);
	ck_assert_int_eq(mlkem_encaps_msg(p, ek, ekl, seed, ct, ctl, ss), 0);

	/* unknown set, NULL */
	ck_assert_uint_eq(mlkem_ek_bytes(bogus), 0);
	ck_assert_int_eq(mlkem_keygen(bogus, ek, ekl, dk, dkl), -EINVAL);
	ck_assert_int_eq(mlkem_encaps(bogus, ek, ekl, ct, ctl, ss), -EINVAL);
	ck_assert_int_eq(mlkem_decaps(bogus, dk, dkl, ct, ctl, ss), -EINVAL);
	ck_assert_int_eq(mlkem_decaps(p, NULL, dkl, ct, ctl, ss), -EINVAL);
	ck_assert_int_eq(mlkem_encaps(p, NULL, ekl, ct, ctl, ss), -EINVAL);
	ck_assert_int_eq(mlkem_keygen_seed(p, NULL, seed, ek, ekl, dk, dkl),
			 -EINVAL);

	/* wrong lengths, §7.2 / §7.3 type checks */
	ck_assert_int_eq(mlkem_keygen_from_seed(p, seed, 63, ek, ekl, dk, dkl),
			 -EMSGSIZE);
	ck_assert_int_eq(mlkem_keygen_from_seed(p, seed, 65, ek, ekl, dk, dkl),
			 -EMSGSIZE);
	ck_assert_int_eq(mlkem_keygen(p, ek, ekl - 1, dk, dkl), -EMSGSIZE);
	ck_assert_int_eq(mlkem_keygen(p, ek, ekl, dk, dkl + 1), -EMSGSIZE);
	ck_assert_int_eq(mlkem_encaps(p, ek, ekl + 1, ct, ctl, ss), -EMSGSIZE);
	ck_assert_int_eq(mlkem_encaps(p, ek, ekl, ct, ctl - 1, ss), -EMSGSIZE);
	ck_assert_int_eq(mlkem_decaps(p, dk, dkl - 1, ct, ctl, ss), -EMSGSIZE);
	ck_assert_int_eq(mlkem_decaps(p, dk, dkl, ct, ctl + 1, ss), -EMSGSIZE);
	ck_assert_int_eq(mlkem_ek_check(p, ek, 0), -EMSGSIZE);
	ck_assert_int_eq(mlkem_dk_check(p, dk, 0), -EMSGSIZE);

	/* §7.2 modulus check: coefficient 1 of poly 0 set to q, then 4095 */
	ek[1] = (uint8_t)((ek[1] & 0x0f) | ((MLKEM_Q & 0x0f) << 4));
	ek[2] = (uint8_t)(MLKEM_Q >> 4);
	ck_assert_int_eq(mlkem_ek_check(p, ek, ekl), -EBADMSG);
	ck_assert_int_eq(mlkem_encaps(p, ek, ekl, ct, ctl, ss), -EBADMSG);
	ek[2] = 0xff;
	ek[1] |= 0xf0;
	ck_assert_int_eq(mlkem_encaps(p, ek, ekl, ct, ctl, ss), -EBADMSG);
	ek[2] = (uint8_t)((MLKEM_Q - 1) >> 4);
	ek[1] = (uint8_t)((ek[1] & 0x0f) | (((MLKEM_Q - 1) & 0x0f) << 4));
	ck_assert_int_eq(mlkem_ek_check(p, ek, ekl), 0);

	/* §7.3 hash check: flip H(ek) in dk, then a byte of the ek copy */
	ck_assert_int_eq(mlkem_dk_check(p, dk, dkl), 0);
	dk[dkl - 64] ^= 1;
	ck_assert_int_eq(mlkem_dk_check(p, dk, dkl), -EKEYREJECTED);
	ck_assert_int_eq(mlkem_decaps(p, dk, dkl, ct, ctl, ss), -EKEYREJECTED);
	dk[dkl - 64] ^= 1;
	dk[dkl - 100] ^= 0x10;
	ck_assert_int_eq(mlkem_decaps(p, dk, dkl, ct, ctl, ss), -EKEYREJECTED);
	dk[dkl - 100] ^= 0x10;
	ck_assert_int_eq(mlkem_decaps(p, dk, dkl, ct, ctl, ss), 0);
}
END_TEST

START_TEST(test_names)
{
	static const int errs[] = { -EINVAL, -EMSGSIZE, -EBADMSG,
				    -EKEYREJECTED, -ENOTSUP, -EIO, -ENOMEM };

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		for (size_t j = 0; j < i; j++)
			ck_assert_str_ne(mlkem_strerror(errs[i]),
					 mlkem_strerror(errs[j]));
	ck_assert_str_eq(mlkem_param_name(MLKEM_768), "ML-KEM-768");
	ck_assert_uint_eq(mlkem_ek_bytes(MLKEM_768), MLKEM768_EK_BYTES);
	ck_assert_uint_eq(mlkem_dk_bytes(MLKEM_1024), MLKEM1024_DK_BYTES);
	ck_assert_uint_eq(mlkem_ct_bytes(MLKEM_512), MLKEM512_CT_BYTES);
	ck_assert_int_eq(mlkem_set_impl(MLKEM_IMPL_PORTABLE), 0);
	ck_assert_int_eq(mlkem_get_impl(), MLKEM_IMPL_PORTABLE);
	ck_assert_int_eq(mlkem_set_impl(MLKEM_IMPL_AUTO), 0);
	ck_assert_int_eq(mlkem_get_impl(), have_avx2() ? MLKEM_IMPL_AVX2
						       : MLKEM_IMPL_PORTABLE);
	ck_assert_int_eq(mlkem_set_impl((enum mlkem_impl)9), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mlkem");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_compress_exhaustive);
	tcase_add_test(tc, test_reductions);
	tcase_add_test(tc, test_ntt_definition);
#ifdef MLKEM_HAVE_AVX2
	tcase_add_test(tc, test_avx2_arith);
	tcase_add_test(tc, test_avx2_rej_uniform);
	tcase_add_test(tc, test_avx2_compress_all);
	tcase_add_test(tc, test_keccak_x4_vs_evp);
	tcase_add_test(tc, test_matrix_with_hashes);
#endif
	tcase_add_loop_test(tc, test_roundtrip_both_impls, 0, 3);
	tcase_add_loop_test(tc, test_random_api, 0, 3);
	tcase_add_loop_test(tc, test_errors, 0, 3);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return check_run(s);
}
