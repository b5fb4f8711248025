/*
 * hash.c - the hash functions of FIPS 203 §4.1 through OpenSSL 3.0 EVP.
 *
 * The four digests are fetched once per process (fetching is slow and
 * takes locks); each API call owns one EVP_MD_CTX and reuses it.
 */
#include <errno.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "mlkem_int.h"

static CRYPTO_ONCE md_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MD *md_sha3_256, *md_sha3_512, *md_shake128, *md_shake256;

static void md_fetch(void)
{
	md_sha3_256 = EVP_MD_fetch(NULL, "SHA3-256", NULL);
	md_sha3_512 = EVP_MD_fetch(NULL, "SHA3-512", NULL);
	md_shake128 = EVP_MD_fetch(NULL, "SHAKE128", NULL);
	md_shake256 = EVP_MD_fetch(NULL, "SHAKE256", NULL);
}

/* The EVP_MD_CTX is allocated at the first EVP hash of the call: the
 * AVX2 back end hashes with its own Keccak and never needs one. */
int mlkem_hash_init(struct mlkem_hash *h)
{
	h->ctx = NULL;
	if (!CRYPTO_THREAD_run_once(&md_once, md_fetch) || !md_sha3_256 ||
	    !md_sha3_512 || !md_shake128 || !md_shake256)
		return -EIO;
	return 0;
}

static int hash_ctx(struct mlkem_hash *h)
{
	if (h->ctx)
		return 0;
	h->ctx = EVP_MD_CTX_new();
	return h->ctx ? 0 : -ENOMEM;
}

void mlkem_hash_free(struct mlkem_hash *h)
{
	/* EVP_MD_CTX_free cleanses the Keccak state. */
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

static int digest2(struct mlkem_hash *h, const EVP_MD *md, uint8_t *out,
		   size_t outlen, const uint8_t *a, size_t alen,
		   const uint8_t *b, size_t blen)
{
	int xof, ret = hash_ctx(h);

	if (ret)
		return ret;
	xof = md == md_shake128 || md == md_shake256;
	if (!EVP_DigestInit_ex(h->ctx, md, NULL) ||
	    !EVP_DigestUpdate(h->ctx, a, alen) ||
	    (blen && !EVP_DigestUpdate(h->ctx, b, blen)))
		return -EIO;
	if (xof ? !EVP_DigestFinalXOF(h->ctx, out, outlen)
		: !EVP_DigestFinal_ex(h->ctx, out, NULL))
		return -EIO;
	return 0;
}

/* H(s) = SHA3-256(s), FIPS 203 eq. (4.4). */
int mlkem_hash_h(struct mlkem_hash *h, uint8_t out[32], const uint8_t *in,
		 size_t len)
{
	return digest2(h, md_sha3_256, out, 32, in, len, NULL, 0);
}

/* G(c) = SHA3-512(c), eq. (4.5); c given as two parts. */
int mlkem_hash_g(struct mlkem_hash *h, uint8_t out[64], const uint8_t *a,
		 size_t alen, const uint8_t *b, size_t blen)
{
	return digest2(h, md_sha3_512, out, 64, a, alen, b, blen);
}

/* J(s) = SHAKE256(s, 8 * 32), eq. (4.4). */
int mlkem_hash_j(struct mlkem_hash *h, uint8_t out[32], const uint8_t *a,
		 size_t alen, const uint8_t *b, size_t blen)
{
	return digest2(h, md_shake256, out, 32, a, alen, b, blen);
}

int mlkem_hash_shake(struct mlkem_hash *h, int is256, uint8_t *out,
		     size_t outlen, const uint8_t *in, size_t inlen)
{
	return digest2(h, is256 ? md_shake256 : md_shake128, out, outlen, in,
		       inlen, NULL, 0);
}

/* Each job in turn through EVP. */
int mlkem_hjobs_evp(struct mlkem_hash *h, struct mlkem_hjob *hj,
		    unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const EVP_MD *md = hj[i].kind == MLKEM_SHA3_256 ? md_sha3_256 :
				   hj[i].kind == MLKEM_SHA3_512 ? md_sha3_512 :
				   md_shake256;
		int ret = digest2(h, md, hj[i].out, hj[i].outlen, hj[i].in,
				  hj[i].len, hj[i].in2, hj[i].len2);

		if (ret)
			return ret;
	}
	return 0;
}
