/*
 * mlkem.h - ML-KEM (FIPS 203) key encapsulation for esprit's IKEv2
 * key exchange (RFC 9370 additional key exchanges).
 *
 * Every function is stateless and thread-safe. All lengths are passed
 * explicitly so that a buffer of the wrong size is rejected before any of
 * it is read (FIPS 203 §7.2 and §7.3 "input checking").
 *
 * Errors are negative errno values:
 *   -EINVAL        unknown parameter set or NULL pointer
 *   -EMSGSIZE      a length does not match the parameter set
 *   -EBADMSG       encapsulation key fails the modulus check (FIPS 203 §7.2)
 *   -EKEYREJECTED  decapsulation key fails the hash check (FIPS 203 §7.3)
 *   -ENOTSUP       requested implementation not supported by this CPU
 *   -EIO           the random generator or libcrypto failed
 *   -ENOMEM        libcrypto could not allocate a digest context
 * mlkem_strerror() names them.
 *
 * A ciphertext that does not re-encrypt is NOT an error: decapsulation
 * returns 0 and the implicit-rejection key K-bar = J(z || c) (FIPS 203
 * Algorithm 18, line 9-11), so that a peer cannot tell the difference.
 */
#ifndef ESPRIT_MLKEM_H
#define ESPRIT_MLKEM_H

#include <stddef.h>
#include <stdint.h>

/** Parameter sets of FIPS 203 §8, Table 2. */
enum mlkem_param {
	MLKEM_512 = 0,
	MLKEM_768 = 1,
	MLKEM_1024 = 2,
};

/** Byte sizes of FIPS 203 §8, Table 3. */
enum mlkem_sizes {
	MLKEM_SS_BYTES = 32,	/**< shared secret K */
	MLKEM_SEED_BYTES = 32,	/**< each of d, z and m */
	MLKEM_KEYGEN_SEED_BYTES = 64, /**< d || z, the "seed" key form */

	MLKEM512_EK_BYTES = 800,
	MLKEM512_DK_BYTES = 1632,
	MLKEM512_CT_BYTES = 768,

	MLKEM768_EK_BYTES = 1184,
	MLKEM768_DK_BYTES = 2400,
	MLKEM768_CT_BYTES = 1088,

	MLKEM1024_EK_BYTES = 1568,
	MLKEM1024_DK_BYTES = 3168,
	MLKEM1024_CT_BYTES = 1568,

	MLKEM_MAX_EK_BYTES = MLKEM1024_EK_BYTES,
	MLKEM_MAX_DK_BYTES = MLKEM1024_DK_BYTES,
	MLKEM_MAX_CT_BYTES = MLKEM1024_CT_BYTES,
};

/** Arithmetic back ends; the output is identical whichever runs. */
enum mlkem_impl {
	MLKEM_IMPL_AUTO = 0,	/**< AVX2 when the CPU has it, else portable */
	MLKEM_IMPL_PORTABLE = 1, /**< plain C, hashes through OpenSSL EVP */
	MLKEM_IMPL_AVX2 = 2,	/**< AVX2 NTT, 4-way Keccak for sampling */
};

/** @return encapsulation key size in bytes, or 0 for an unknown set. */
size_t mlkem_ek_bytes(enum mlkem_param p);
/** @return decapsulation key size in bytes, or 0 for an unknown set. */
size_t mlkem_dk_bytes(enum mlkem_param p);
/** @return ciphertext size in bytes, or 0 for an unknown set. */
size_t mlkem_ct_bytes(enum mlkem_param p);
/** @return "ML-KEM-768" etc., or "unknown". */
const char *mlkem_param_name(enum mlkem_param p);

/**
 * ML-KEM.KeyGen_internal (FIPS 203 Algorithm 16) from the two seeds.
 *
 * @param d      32-byte K-PKE seed
 * @param z      32-byte implicit-rejection secret
 * @param ek     out: encapsulation key, @p ek_len == mlkem_ek_bytes(p)
 * @param dk     out: decapsulation key, @p dk_len == mlkem_dk_bytes(p)
 * @return 0, -EINVAL or -EMSGSIZE, -ENOMEM/-EIO.
 */
int mlkem_keygen_seed(enum mlkem_param p, const uint8_t d[32],
		      const uint8_t z[32], uint8_t *ek, size_t ek_len,
		      uint8_t *dk, size_t dk_len);

/**
 * KeyGen_internal from the 64-byte seed form d || z; @p seed_len must be 64.
 */
int mlkem_keygen_from_seed(enum mlkem_param p, const uint8_t *seed,
			   size_t seed_len, uint8_t *ek, size_t ek_len,
			   uint8_t *dk, size_t dk_len);

/** ML-KEM.KeyGen (Algorithm 19): d and z from RAND_priv_bytes(). */
int mlkem_keygen(enum mlkem_param p, uint8_t *ek, size_t ek_len,
		 uint8_t *dk, size_t dk_len);

/**
 * Encapsulation key check of FIPS 203 §7.2: length, and every 12-bit
 * coefficient of t-hat below q (ByteEncode12(ByteDecode12(ek)) == ek).
 * @return 0, -EMSGSIZE or -EBADMSG.
 */
int mlkem_ek_check(enum mlkem_param p, const uint8_t *ek, size_t ek_len);

/**
 * Decapsulation key check of FIPS 203 §7.3: length, and
 * H(dk[384k : 768k+32]) == dk[768k+32 : 768k+64]. Constant time.
 * @return 0, -EMSGSIZE or -EKEYREJECTED.
 */
int mlkem_dk_check(enum mlkem_param p, const uint8_t *dk, size_t dk_len);

/**
 * ML-KEM.Encaps_internal (Algorithm 17) with caller-chosen randomness
 * @p m; for tests and known-answer vectors only. Runs mlkem_ek_check().
 *
 * @param ct  out: ciphertext, @p ct_len == mlkem_ct_bytes(p)
 * @param ss  out: 32-byte shared secret K
 */
int mlkem_encaps_msg(enum mlkem_param p, const uint8_t *ek, size_t ek_len,
		     const uint8_t m[32], uint8_t *ct, size_t ct_len,
		     uint8_t ss[32]);

/** ML-KEM.Encaps (Algorithm 20): m from RAND_priv_bytes(). */
int mlkem_encaps(enum mlkem_param p, const uint8_t *ek, size_t ek_len,
		 uint8_t *ct, size_t ct_len, uint8_t ss[32]);

/**
 * ML-KEM.Decaps (Algorithm 21 / 18). Checks lengths and the dk hash
 * (§7.3). An invalid ciphertext of the right length yields 0 and the
 * implicit-rejection key; the ciphertext comparison and the key selection
 * are branch-free.
 */
int mlkem_decaps(enum mlkem_param p, const uint8_t *dk, size_t dk_len,
		 const uint8_t *ct, size_t ct_len, uint8_t ss[32]);

/**
 * Choose the back end for all later calls (process-wide; meant for tests
 * and benchmarks). Also honoured at first use: MLKEM_IMPL=portable|avx2.
 * @return 0, -EINVAL for an unknown value, or -ENOTSUP if AVX2 is asked
 * for and the CPU lacks it.
 */
int mlkem_set_impl(enum mlkem_impl impl);
/** @return the back end in use (never MLKEM_IMPL_AUTO). */
enum mlkem_impl mlkem_get_impl(void);
/** @return "portable" or "avx2". */
const char *mlkem_impl_name(enum mlkem_impl impl);

/** @return a fixed description of an error returned by this module. */
const char *mlkem_strerror(int err);

#endif /* ESPRIT_MLKEM_H */
