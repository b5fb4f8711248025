/*
 * mlkem_int.h - internals shared by the ML-KEM files and its tests.
 * Not installed; nothing outside control/mlkem and tests/mlkem includes it.
 */
#ifndef ESPRIT_MLKEM_INT_H
#define ESPRIT_MLKEM_INT_H

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "mlkem.h"

enum {
	MLKEM_N = 256,
	MLKEM_Q = 3329,
	MLKEM_KMAX = 4,
	MLKEM_POLY_BYTES = 384,		/* ByteEncode12 of one polynomial */
	MLKEM_SHAKE128_RATE = 168,
	MLKEM_SHAKE256_RATE = 136,
	MLKEM_SHA3_512_RATE = 72,
	MLKEM_MAX_HJOBS = 2 * MLKEM_KMAX + 2,
	MLKEM_QINV = -3327,		/* q^-1 mod 2^16, signed */
	MLKEM_MONT_R2 = 1353,		/* 2^32 mod q: to Montgomery form */
	MLKEM_INVNTT_F = 1441,		/* 2^32 / 128 mod q (Alg. 10 line 14) */
};

/* Parameter sets, FIPS 203 §8 Table 2. */
struct mlkem_params {
	unsigned k, eta1, eta2, du, dv;
	size_t ek_bytes, dk_bytes, ct_bytes;
};

const struct mlkem_params *mlkem_params_get(enum mlkem_param p);

/* One element of R_q or T_q; coefficients signed, see each function. */
struct mlkem_poly {
	alignas(32) int16_t c[MLKEM_N];
};

/*
 * Hash context for one API call: the EVP digests are fetched once per
 * process, the EVP_MD_CTX is reused for every hash of the call.
 */
struct mlkem_hash {
	EVP_MD_CTX *ctx;
};

int mlkem_hash_init(struct mlkem_hash *h);
void mlkem_hash_free(struct mlkem_hash *h);
/* H = SHA3-256, G = SHA3-512 of a||b, J = SHAKE256(a||b, 32) (§4.1). */
int mlkem_hash_h(struct mlkem_hash *h, uint8_t out[32], const uint8_t *in,
		 size_t len);
int mlkem_hash_g(struct mlkem_hash *h, uint8_t out[64], const uint8_t *a,
		 size_t alen, const uint8_t *b, size_t blen);
int mlkem_hash_j(struct mlkem_hash *h, uint8_t out[32], const uint8_t *a,
		 size_t alen, const uint8_t *b, size_t blen);
/* Generic one-shot SHAKE through EVP (also used to check own Keccak). */
int mlkem_hash_shake(struct mlkem_hash *h, int is256, uint8_t *out,
		     size_t outlen, const uint8_t *in, size_t inlen);

/* The hash functions of FIPS 203 §4.1 as jobs over in || in2:
 * H = SHA3-256, G = SHA3-512, J and PRF = SHAKE256 (outlen bytes). */
enum mlkem_hkind {
	MLKEM_SHA3_256,
	MLKEM_SHA3_512,
	MLKEM_SHAKE256,
};

struct mlkem_hjob {
	const uint8_t *in, *in2;
	size_t len, len2;
	enum mlkem_hkind kind;
	uint8_t *out;
	size_t outlen;		/* 32 for H, 64 for G, any for SHAKE256 */
};

/*
 * Back-end operations. Both back ends compute exactly the same values;
 * only speed differs.
 */
struct mlkem_ops {
	enum mlkem_impl id;
	/* Algorithm 9, in place; output |c| < q (Barrett reduced). */
	void (*ntt)(struct mlkem_poly *r);
	/* Algorithm 10 times 2^16: undoes the 2^-16 of basemul_acc. */
	void (*invntt)(struct mlkem_poly *r);
	/* r = sum_i a[i] (x) b[i] (Algorithm 11) times 2^-16, |c| < q. */
	void (*basemul_acc)(struct mlkem_poly *r, const struct mlkem_poly *a,
			    const struct mlkem_poly *b, unsigned k);
	/* A-hat (Algorithm 13 lines 3-7), a[i*k+j] = SampleNTT(rho||j||i),
	 * or its transpose. rho is public. The nhj hashes in hj, which do
	 * not depend on the matrix, are computed on the way (the AVX2 back
	 * end runs them in spare Keccak lanes); at most MLKEM_MAX_HJOBS. */
	int (*gen_matrix)(struct mlkem_hash *h, struct mlkem_poly *a,
			  const uint8_t rho[32], unsigned k, int transposed,
			  struct mlkem_hjob *hj, unsigned nhj);
	/* r[i] = SamplePolyCBD_eta(PRF_eta(seed, nonce + i)), i < n. */
	int (*noise)(struct mlkem_hash *h, struct mlkem_poly *r, unsigned n,
		     const uint8_t seed[32], uint8_t nonce, unsigned eta);
	/* ByteEncode_d(Compress_d(a)) and Decompress_d(ByteDecode_d(in)),
	 * d in {1, 4, 5, 10, 11}, as mlkem_poly_compress/decompress. */
	void (*compress)(uint8_t *out, const struct mlkem_poly *a,
			 unsigned d);
	void (*decompress)(struct mlkem_poly *r, const uint8_t *in,
			   unsigned d);
	/* n independent hashes, at most MLKEM_MAX_HJOBS. */
	int (*hashes)(struct mlkem_hash *h, struct mlkem_hjob *hj,
		      unsigned n);
	/* ByteEncode_12 / ByteDecode_12 (mod q) of keys. */
	void (*encode12)(uint8_t *out, const struct mlkem_poly *a);
	void (*decode12)(struct mlkem_poly *r, const uint8_t *in);
	/* Optional (NULL: mlkem_kpke_keygen, then H): K-PKE.KeyGen
	 * (Algorithm 13) and hek = H(ek) of Algorithm 16 line 2. */
	int (*keygen)(struct mlkem_hash *h, const struct mlkem_params *pp,
		      const uint8_t d[32], uint8_t *ek, uint8_t *dk_pke,
		      uint8_t hek[32]);
	/*
	 * Optional (NULL: gen_matrix, hashes, noise): every hash of an
	 * encapsulation in one pass. at = A-hat^T of ek's rho; kr = G(m ||
	 * hek) with hek = H(ek) computed into hek_out when hek_in is NULL,
	 * else hek_in; noise = the 2k + 1 polynomials of Algorithm 14 lines
	 * 9-17 from r = kr + 32; and the nhj independent jobs hj (at most
	 * 2) on the way.
	 */
	int (*enc_hashes)(struct mlkem_hash *h, const struct mlkem_params *pp,
			  const uint8_t *ek, const uint8_t m[32],
			  const uint8_t *hek_in, uint8_t hek_out[32],
			  uint8_t kr[64], struct mlkem_poly *at,
			  struct mlkem_poly *noise, struct mlkem_hjob *hj,
			  unsigned nhj);
};

/* Each job in turn through EVP (portable back end). */
int mlkem_hjobs_evp(struct mlkem_hash *h, struct mlkem_hjob *hj,
		    unsigned n);

extern const struct mlkem_ops mlkem_ops_portable;
#ifdef MLKEM_HAVE_AVX2
extern const struct mlkem_ops mlkem_ops_avx2;
#endif
const struct mlkem_ops *mlkem_ops_current(void);

/* a * 2^-16 mod q, in (-q, q) for |a| < q * 2^15. */
static inline int16_t mlkem_mont_reduce(int32_t a)
{
	int16_t t = (int16_t)(uint16_t)((uint32_t)a * (uint16_t)MLKEM_QINV);

	return (int16_t)((a - (int32_t)t * MLKEM_Q) >> 16);
}

/* Centered representative of a mod q, |result| <= q/2. */
static inline int16_t mlkem_barrett_reduce(int16_t a)
{
	const int32_t v = ((1 << 26) + MLKEM_Q / 2) / MLKEM_Q;
	int16_t t = (int16_t)((v * a + (1 << 25)) >> 26);

	return (int16_t)(a - t * MLKEM_Q);
}

static inline int16_t mlkem_fqmul(int16_t a, int16_t b)
{
	return mlkem_mont_reduce((int32_t)a * b);
}

/*
 * Compress_d, FIPS 203 §4.2.1 eq. (4.7): round(2^d x / q) mod 2^d for
 * x in [0, q). The division by q is a multiplication by
 * ceil(2^40 / q) and a shift, exact for numerators below 2^40 / q
 * (checked for every x and d by tests/mlkem).
 */
static inline uint16_t mlkem_compress(uint16_t x, unsigned d)
{
	const uint64_t m = ((1ull << 40) + MLKEM_Q - 1) / MLKEM_Q;
	uint64_t n = ((uint64_t)x << d) + MLKEM_Q / 2;

	return (uint16_t)(((n * m) >> 40) & ((1u << d) - 1));
}

/* Decompress_d, FIPS 203 eq. (4.8): round(q y / 2^d). */
static inline uint16_t mlkem_decompress(uint16_t y, unsigned d)
{
	return (uint16_t)(((uint32_t)y * MLKEM_Q + (1u << (d - 1))) >> d);
}

/* Shared polynomial helpers (poly.c). */
extern const int16_t mlkem_zetas[128];
extern const int16_t mlkem_gammas[128];
void mlkem_poly_reduce(struct mlkem_poly *r);
void mlkem_poly_freeze(struct mlkem_poly *r);
void mlkem_poly_tomont(struct mlkem_poly *r);
void mlkem_poly_add(struct mlkem_poly *r, const struct mlkem_poly *a);
void mlkem_poly_sub(struct mlkem_poly *r, const struct mlkem_poly *a);
void mlkem_poly_cbd(struct mlkem_poly *r, const uint8_t *buf, unsigned eta);
unsigned mlkem_rej_uniform(int16_t *r, unsigned need, const uint8_t *buf,
			   size_t len);
void mlkem_poly_encode(uint8_t *out, const struct mlkem_poly *a, unsigned d);
void mlkem_poly_encode12(uint8_t *out, const struct mlkem_poly *a);
void mlkem_poly_decode12(struct mlkem_poly *r, const uint8_t *in);
void mlkem_poly_decode(struct mlkem_poly *r, const uint8_t *in, unsigned d);
void mlkem_poly_compress(uint8_t *out, const struct mlkem_poly *a,
			 unsigned d);
void mlkem_poly_decompress(struct mlkem_poly *r, const uint8_t *in,
			   unsigned d);
void mlkem_poly_ntt_ref(struct mlkem_poly *r);
void mlkem_poly_invntt_ref(struct mlkem_poly *r);
void mlkem_basemul_acc_ref(struct mlkem_poly *r, const struct mlkem_poly *a,
			   const struct mlkem_poly *b, unsigned k);

/* K-PKE, FIPS 203 §5 (kpke.c). */
int mlkem_kpke_keygen(const struct mlkem_ops *ops, struct mlkem_hash *h,
		      const struct mlkem_params *pp, const uint8_t d[32],
		      uint8_t *ek, uint8_t *dk_pke);
int mlkem_kpke_encrypt(const struct mlkem_ops *ops, struct mlkem_hash *h,
		       const struct mlkem_params *pp, const uint8_t *ek,
		       const struct mlkem_poly *at, const uint8_t m[32],
		       const uint8_t r[32], uint8_t *ct);
void mlkem_kpke_encrypt_noise(const struct mlkem_ops *ops,
			      const struct mlkem_params *pp,
			      const uint8_t *ek, const struct mlkem_poly *at,
			      const uint8_t m[32], struct mlkem_poly *noise,
			      uint8_t *ct);
int mlkem_kpke_decrypt(const struct mlkem_ops *ops,
		       const struct mlkem_params *pp, const uint8_t *dk_pke,
		       const uint8_t *ct, uint8_t m[32]);

/* Keccak-f[1600] x4 (keccak4x_avx2.c), for tests and the AVX2 back end:
 * four SHAKE computations over equal-length inputs. */
#ifdef MLKEM_HAVE_AVX2
void mlkem_ntt_avx2(struct mlkem_poly *r);
void mlkem_invntt_avx2(struct mlkem_poly *r);
void mlkem_basemul_acc_avx2(struct mlkem_poly *r, const struct mlkem_poly *a,
			    const struct mlkem_poly *b, unsigned k);
unsigned mlkem_rej_uniform_avx2(int16_t *r, unsigned need,
				const uint8_t *buf, size_t len);
unsigned mlkem_rej_block_avx2(int16_t *r, unsigned need,
			      const uint8_t blk[192]);
unsigned mlkem_rej_uniform_avx2_padded(int16_t *r, unsigned need,
				       const uint8_t *buf, size_t len);
void mlkem_poly_compress_avx2(uint8_t *out, const struct mlkem_poly *a,
			      unsigned d);
void mlkem_poly_decompress_avx2(struct mlkem_poly *r, const uint8_t *in,
				unsigned d);
void mlkem_poly_decode12_avx2(struct mlkem_poly *r, const uint8_t *in);
void mlkem_poly_encode12_avx2(uint8_t *out, const struct mlkem_poly *a);
void mlkem_poly_cbd_avx2(struct mlkem_poly *r, const uint8_t *buf,
			 unsigned eta);
void mlkem_poly_tomont_add_freeze_avx2(struct mlkem_poly *r,
				       const struct mlkem_poly *e);
void mlkem_poly_freeze_avx2(struct mlkem_poly *r);
void mlkem_shake_x4(int is256, uint8_t *out[4], size_t outlen,
		    const uint8_t *in[4], size_t inlen);

#endif

/*
 * Wipe a secret. explicit_bzero (glibc) is a memset the compiler may not
 * drop; OPENSSL_cleanse (a plain store loop in OpenSSL 3.0) did the same
 * job but took 6% of the AVX2 back end's profile.
 */
#include <string.h>
#define mlkem_wipe(p, n) explicit_bzero((p), (n))

/*
 * Constant-time analysis hooks. Built with -DMLKEM_CTGRIND (only the
 * ctgrind test does), values that FIPS 203 makes public although they are
 * computed from secrets (rho, the comparison result is NOT one) are
 * declared defined to valgrind.
 */
#ifdef MLKEM_CTGRIND
#include <valgrind/memcheck.h>
#define MLKEM_DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define MLKEM_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

#endif /* ESPRIT_MLKEM_INT_H */
