/*
 * mlkem.c - ML-KEM, FIPS 203 §6-7: parameter sets, input checks, the
 * three internal algorithms and their randomized wrappers, back-end choice.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "mlkem_int.h"

/* FIPS 203 §8, Tables 2 and 3. */
static const struct mlkem_params params[] = {
	[MLKEM_512] = { 2, 3, 2, 10, 4, MLKEM512_EK_BYTES,
			MLKEM512_DK_BYTES, MLKEM512_CT_BYTES },
	[MLKEM_768] = { 3, 2, 2, 10, 4, MLKEM768_EK_BYTES,
			MLKEM768_DK_BYTES, MLKEM768_CT_BYTES },
	[MLKEM_1024] = { 4, 2, 2, 11, 5, MLKEM1024_EK_BYTES,
			 MLKEM1024_DK_BYTES, MLKEM1024_CT_BYTES },
};

_Static_assert(MLKEM768_EK_BYTES == 384 * 3 + 32, "ek = 384k + 32");
_Static_assert(MLKEM768_DK_BYTES == 768 * 3 + 96, "dk = 768k + 96");
_Static_assert(MLKEM1024_CT_BYTES == 32 * (11 * 4 + 5), "ct = 32(du k + dv)");

const struct mlkem_params *mlkem_params_get(enum mlkem_param p)
{
	if ((unsigned)p >= sizeof(params) / sizeof(params[0]))
		return NULL;
	return &params[p];
}

size_t mlkem_ek_bytes(enum mlkem_param p)
{
	const struct mlkem_params *pp = mlkem_params_get(p);

	return pp ? pp->ek_bytes : 0;
}

size_t mlkem_dk_bytes(enum mlkem_param p)
{
	const struct mlkem_params *pp = mlkem_params_get(p);

	return pp ? pp->dk_bytes : 0;
}

size_t mlkem_ct_bytes(enum mlkem_param p)
{
	const struct mlkem_params *pp = mlkem_params_get(p);

	return pp ? pp->ct_bytes : 0;
}

const char *mlkem_param_name(enum mlkem_param p)
{
	switch (p) {
	case MLKEM_512: return "ML-KEM-512";
	case MLKEM_768: return "ML-KEM-768";
	case MLKEM_1024: return "ML-KEM-1024";
	}
	return "unknown";
}

const char *mlkem_strerror(int err)
{
	switch (err) {
	case 0: return "success";
	case -EINVAL: return "unknown parameter set or NULL argument";
	case -EMSGSIZE: return "length does not match the parameter set";
	case -EBADMSG: return "encapsulation key coefficient not reduced "
			      "mod q (FIPS 203 7.2)";
	case -EKEYREJECTED: return "decapsulation key hash check failed "
				   "(FIPS 203 7.3)";
	case -ENOTSUP: return "implementation not supported on this CPU";
	case -EIO: return "random generator or libcrypto failure";
	case -ENOMEM: return "out of memory";
	}
	return "unknown ML-KEM error";
}

/* ---- back-end choice ------------------------------------------------ */

static _Atomic(const struct mlkem_ops *) cur_ops;

static int cpu_has_avx2(void)
{
#ifdef MLKEM_HAVE_AVX2
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
#else
	return 0;
#endif
}

static const struct mlkem_ops *ops_for(enum mlkem_impl impl)
{
	switch (impl) {
	case MLKEM_IMPL_PORTABLE:
		return &mlkem_ops_portable;
	case MLKEM_IMPL_AVX2:
	case MLKEM_IMPL_AUTO:
#ifdef MLKEM_HAVE_AVX2
		if (cpu_has_avx2())
			return &mlkem_ops_avx2;
#endif
		return impl == MLKEM_IMPL_AUTO ? &mlkem_ops_portable : NULL;
	}
	return NULL;
}

const struct mlkem_ops *mlkem_ops_current(void)
{
	const struct mlkem_ops *ops = atomic_load(&cur_ops);

	if (!ops) {
		const char *env = getenv("MLKEM_IMPL");
		enum mlkem_impl want = MLKEM_IMPL_AUTO;

		if (env && !strcmp(env, "portable"))
			want = MLKEM_IMPL_PORTABLE;
		else if (env && !strcmp(env, "avx2"))
			want = MLKEM_IMPL_AVX2;
		ops = ops_for(want);
		if (!ops)
			ops = ops_for(MLKEM_IMPL_AUTO);
		atomic_store(&cur_ops, ops);
	}
	return ops;
}

int mlkem_set_impl(enum mlkem_impl impl)
{
	const struct mlkem_ops *ops = ops_for(impl);

	if ((unsigned)impl > MLKEM_IMPL_AVX2)
		return -EINVAL;
	if (!ops)
		return -ENOTSUP;
	atomic_store(&cur_ops, ops);
	return 0;
}

enum mlkem_impl mlkem_get_impl(void)
{
	return mlkem_ops_current()->id;
}

const char *mlkem_impl_name(enum mlkem_impl impl)
{
	switch (impl) {
	case MLKEM_IMPL_AUTO: return "auto";
	case MLKEM_IMPL_PORTABLE: return "portable";
	case MLKEM_IMPL_AVX2: return "avx2";
	}
	return "unknown";
}

/* ---- constant-time helpers ------------------------------------------ */

/* 0xff if a != b (n bytes), else 0; no data-dependent branch. */
static uint8_t ct_neq_mask(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint32_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= (uint32_t)(a[i] ^ b[i]);
	/* keep the compiler from turning the rest into a branch */
	__asm__("" : "+r"(acc));
	return (uint8_t)(0u - ((0u - acc) >> 31));
}

/* r = mask ? a : r, byte-wise. */
static void ct_select(uint8_t *r, const uint8_t *a, size_t n, uint8_t mask)
{
	for (size_t i = 0; i < n; i++)
		r[i] ^= (uint8_t)(mask & (r[i] ^ a[i]));
}

/* ---- input checks, FIPS 203 §7.2 and §7.3 --------------------------- */

int mlkem_ek_check(enum mlkem_param p, const uint8_t *ek, size_t ek_len)
{
	const struct mlkem_params *pp = mlkem_params_get(p);
	unsigned bad = 0;

	if (!pp || !ek)
		return -EINVAL;
	if (ek_len != pp->ek_bytes)
		return -EMSGSIZE;
	/* ByteEncode12(ByteDecode12(ek)) == ek <=> every 12-bit value < q */
	for (size_t i = 0; i < pp->k * MLKEM_POLY_BYTES; i += 3) {
		unsigned d1 = ek[i] | (ek[i + 1] & 0x0fu) << 8;
		unsigned d2 = ek[i + 1] >> 4 | (unsigned)ek[i + 2] << 4;

		bad |= (d1 >= MLKEM_Q) | (d2 >= MLKEM_Q);
	}
	return bad ? -EBADMSG : 0;
}

static int dk_hash_check(struct mlkem_hash *h, const struct mlkem_params *pp,
			 const uint8_t *dk)
{
	const uint8_t *ek = dk + pp->k * MLKEM_POLY_BYTES;
	uint8_t hek[32];
	int ret = mlkem_hash_h(h, hek, ek, pp->ek_bytes);

	if (ret)
		return ret;
	return ct_neq_mask(hek, ek + pp->ek_bytes, 32) ? -EKEYREJECTED : 0;
}

int mlkem_dk_check(enum mlkem_param p, const uint8_t *dk, size_t dk_len)
{
	const struct mlkem_params *pp = mlkem_params_get(p);
	struct mlkem_hash h;
	int ret;

	if (!pp || !dk)
		return -EINVAL;
	if (dk_len != pp->dk_bytes)
		return -EMSGSIZE;
	ret = mlkem_hash_init(&h);
	if (!ret)
		ret = dk_hash_check(&h, pp, dk);
	mlkem_hash_free(&h);
	return ret;
}

/* ---- ML-KEM, FIPS 203 §6 --------------------------------------------- */

/* ML-KEM.KeyGen_internal, Algorithm 16. */
int mlkem_keygen_seed(enum mlkem_param p, const uint8_t d[32],
		      const uint8_t z[32], uint8_t *ek, size_t ek_len,
		      uint8_t *dk, size_t dk_len)
{
	const struct mlkem_params *pp = mlkem_params_get(p);
	const struct mlkem_ops *ops = mlkem_ops_current();
	struct mlkem_hash h = { 0 };
	struct mlkem_hjob hj;
	size_t off;
	int ret;

	if (!pp || !d || !z || !ek || !dk)
		return -EINVAL;
	if (ek_len != pp->ek_bytes || dk_len != pp->dk_bytes)
		return -EMSGSIZE;
	ret = mlkem_hash_init(&h);
	if (ret)
		goto out;
	off = pp->k * MLKEM_POLY_BYTES;
	if (ops->keygen) {
		/* lines 1-2 in one pass of the back end */
		ret = ops->keygen(&h, pp, d, ek, dk,
				  dk + off + pp->ek_bytes);
		if (ret)
			goto out;
	} else {
		/* line 1 */
		ret = mlkem_kpke_keygen(ops, &h, pp, d, ek, dk);
		if (ret)
			goto out;
		/* line 2: H(ek) */
		hj = (struct mlkem_hjob){ .in = ek, .len = pp->ek_bytes,
					  .kind = MLKEM_SHA3_256,
					  .out = dk + off + pp->ek_bytes,
					  .outlen = 32 };
		ret = ops->hashes(&h, &hj, 1);
		if (ret)
			goto out;
	}
	/* line 2: dk = dk_pke || ek || H(ek) || z */
	memcpy(dk + off, ek, pp->ek_bytes);
	off += pp->ek_bytes;
	memcpy(dk + off + 32, z, 32);
out:
	if (ret)
		mlkem_wipe(dk, dk_len);
	mlkem_hash_free(&h);
	return ret;
}

int mlkem_keygen_from_seed(enum mlkem_param p, const uint8_t *seed,
			   size_t seed_len, uint8_t *ek, size_t ek_len,
			   uint8_t *dk, size_t dk_len)
{
	if (!seed)
		return -EINVAL;
	if (seed_len != MLKEM_KEYGEN_SEED_BYTES)
		return mlkem_params_get(p) ? -EMSGSIZE : -EINVAL;
	return mlkem_keygen_seed(p, seed, seed + 32, ek, ek_len, dk, dk_len);
}

/* ML-KEM.KeyGen, Algorithm 19. */
int mlkem_keygen(enum mlkem_param p, uint8_t *ek, size_t ek_len,
		 uint8_t *dk, size_t dk_len)
{
	uint8_t dz[64];
	int ret;

	if (RAND_priv_bytes(dz, sizeof(dz)) != 1)
		ret = -EIO;
	else
		ret = mlkem_keygen_seed(p, dz, dz + 32, ek, ek_len, dk,
					dk_len);
	mlkem_wipe(dz, sizeof(dz));
	return ret;
}

/* ML-KEM.Encaps_internal, Algorithm 17, after the §7.2 checks. */
int mlkem_encaps_msg(enum mlkem_param p, const uint8_t *ek, size_t ek_len,
		     const uint8_t m[32], uint8_t *ct, size_t ct_len,
		     uint8_t ss[32])
{
	const struct mlkem_params *pp = mlkem_params_get(p);
	const struct mlkem_ops *ops = mlkem_ops_current();
	struct mlkem_poly at[MLKEM_KMAX * MLKEM_KMAX];
	struct mlkem_poly noise[2 * MLKEM_KMAX + 1];
	struct mlkem_hash h = { 0 };
	uint8_t hek[32], kr[64];
	struct mlkem_hjob hj = { .in = ek, .len = ek_len,
				 .kind = MLKEM_SHA3_256, .out = hek,
				 .outlen = 32 };
	struct mlkem_hjob g = { .in = m, .len = 32, .in2 = hek, .len2 = 32,
				.kind = MLKEM_SHA3_512, .out = kr,
				.outlen = 64 };
	int ret;

	if (!pp || !ek || !m || !ct || !ss)
		return -EINVAL;
	if (ct_len != pp->ct_bytes)
		return -EMSGSIZE;
	ret = mlkem_ek_check(p, ek, ek_len);
	if (ret)
		return ret;
	ret = mlkem_hash_init(&h);
	if (ret)
		goto out;
	if (ops->enc_hashes) {
		/* lines 1-2: every hash in one pass of the back end */
		ret = ops->enc_hashes(&h, pp, ek, m, NULL, hek, kr, at,
				      noise, NULL, 0);
		if (ret)
			goto out;
		mlkem_kpke_encrypt_noise(ops, pp, ek, at, m, noise, ct);
		memcpy(ss, kr, 32);
		goto out;
	}
	/* Algorithm 14 lines 4-8 (A-hat^T from rho) and H(ek) together */
	ret = ops->gen_matrix(&h, at, ek + pp->k * MLKEM_POLY_BYTES, pp->k, 1,
			      &hj, 1);
	if (ret)
		goto out;
	ret = ops->hashes(&h, &g, 1);			/* line 1 */
	if (ret)
		goto out;
	ret = mlkem_kpke_encrypt(ops, &h, pp, ek, at, m, kr + 32,
				 ct);			/* line 2 */
	if (ret)
		goto out;
	memcpy(ss, kr, 32);
out:
	if (ret)
		mlkem_wipe(ss, 32);
	mlkem_wipe(kr, sizeof(kr));
	if (ops->enc_hashes)
		mlkem_wipe(noise, sizeof(noise));
	mlkem_hash_free(&h);
	return ret;
}

/* ML-KEM.Encaps, Algorithm 20. */
int mlkem_encaps(enum mlkem_param p, const uint8_t *ek, size_t ek_len,
		 uint8_t *ct, size_t ct_len, uint8_t ss[32])
{
	uint8_t m[32];
	int ret;

	if (RAND_priv_bytes(m, sizeof(m)) != 1)
		ret = -EIO;
	else
		ret = mlkem_encaps_msg(p, ek, ek_len, m, ct, ct_len, ss);
	mlkem_wipe(m, sizeof(m));
	return ret;
}

/* ML-KEM.Decaps, Algorithm 21 (checks of §7.3) and 18. */
int mlkem_decaps(enum mlkem_param p, const uint8_t *dk, size_t dk_len,
		 const uint8_t *ct, size_t ct_len, uint8_t ss[32])
{
	const struct mlkem_params *pp = mlkem_params_get(p);
	const struct mlkem_ops *ops = mlkem_ops_current();
	struct mlkem_poly at[MLKEM_KMAX * MLKEM_KMAX];
	struct mlkem_hash h = { 0 };
	uint8_t mprime[32], kr[64], kbar[32], hek2[32];
	uint8_t ct2[MLKEM_MAX_CT_BYTES];
	struct mlkem_poly noise[2 * MLKEM_KMAX + 1];
	const uint8_t *ek_pke, *hek, *z;
	struct mlkem_hjob hj[2];
	int ret;

	if (!pp || !dk || !ct || !ss)
		return -EINVAL;
	if (dk_len != pp->dk_bytes || ct_len != pp->ct_bytes)
		return -EMSGSIZE;
	ek_pke = dk + pp->k * MLKEM_POLY_BYTES;		/* lines 2-4 */
	hek = ek_pke + pp->ek_bytes;
	z = hek + 32;

	ret = mlkem_hash_init(&h);
	if (ret)
		goto out;
	if (ops->enc_hashes) {
		/* line 5 first: it needs no hash, and then G of line 6 and
		 * the noise of line 8 share the Keccak lanes with the §7.3
		 * check H(ek), line 7's K-bar = J(z || c) and A-hat^T */
		ret = mlkem_kpke_decrypt(ops, pp, dk, ct, mprime);
		if (ret)
			goto out;
		hj[0] = (struct mlkem_hjob){ .in = ek_pke,
					     .len = pp->ek_bytes,
					     .kind = MLKEM_SHA3_256,
					     .out = hek2, .outlen = 32 };
		hj[1] = (struct mlkem_hjob){ .in = z, .len = 32, .in2 = ct,
					     .len2 = ct_len,
					     .kind = MLKEM_SHAKE256,
					     .out = kbar, .outlen = 32 };
		ret = ops->enc_hashes(&h, pp, ek_pke, mprime, hek, NULL, kr,
				      at, noise, hj, 2);
		if (ret)
			goto out;
		if (ct_neq_mask(hek2, hek, 32)) {
			ret = -EKEYREJECTED;
			goto out;
		}
		mlkem_kpke_encrypt_noise(ops, pp, ek_pke, at, mprime, noise,
					 ct2);			/* line 8 */
		goto select;
	}
	/*
	 * Everything that does not depend on the decrypted message, in one
	 * pass: the §7.3 hash H(ek), line 7's K-bar = J(z || c), and A-hat^T
	 * for the re-encryption (Algorithm 14 lines 4-8).
	 */
	hj[0] = (struct mlkem_hjob){ .in = ek_pke, .len = pp->ek_bytes,
				     .kind = MLKEM_SHA3_256, .out = hek2,
				     .outlen = 32 };
	hj[1] = (struct mlkem_hjob){ .in = z, .len = 32, .in2 = ct,
				     .len2 = ct_len, .kind = MLKEM_SHAKE256,
				     .out = kbar, .outlen = 32 };
	ret = ops->gen_matrix(&h, at, ek_pke + pp->k * MLKEM_POLY_BYTES,
			      pp->k, 1, hj, 2);
	if (ret)
		goto out;
	if (ct_neq_mask(hek2, hek, 32)) {
		ret = -EKEYREJECTED;
		goto out;
	}
	ret = mlkem_kpke_decrypt(ops, pp, dk, ct, mprime);	/* line 5 */
	if (ret)
		goto out;
	hj[0] = (struct mlkem_hjob){ .in = mprime, .len = 32, .in2 = hek,
				     .len2 = 32, .kind = MLKEM_SHA3_512,
				     .out = kr, .outlen = 64 };
	ret = ops->hashes(&h, hj, 1);				/* line 6 */
	if (ret)
		goto out;
	ret = mlkem_kpke_encrypt(ops, &h, pp, ek_pke, at, mprime, kr + 32,
				 ct2);				/* line 8 */
	if (ret)
		goto out;
select:
	/* lines 9-11: K' unless c != c', then K-bar; branch-free */
	memcpy(ss, kr, 32);
	ct_select(ss, kbar, 32, ct_neq_mask(ct, ct2, ct_len));
out:
	if (ret)
		mlkem_wipe(ss, 32);
	mlkem_wipe(mprime, sizeof(mprime));
	mlkem_wipe(kr, sizeof(kr));
	mlkem_wipe(kbar, sizeof(kbar));
	mlkem_wipe(ct2, sizeof(ct2));
	if (ops->enc_hashes)
		mlkem_wipe(noise, sizeof(noise));
	mlkem_hash_free(&h);
	return ret;
}
