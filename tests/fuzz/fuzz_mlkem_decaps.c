/*
 * fuzz_mlkem_decaps.c - libFuzzer target for the ML-KEM inputs that come
 * off the wire or out of storage: the ciphertext and the decapsulation
 * key given to mlkem_decaps(), and the encapsulation key given to
 * mlkem_encaps_msg().
 *
 * data[0] picks the parameter set (mod 3) and what the rest of the input
 * is (/3 mod 3): 0 = ciphertext (with a fixed, valid dk), 1 = dk (with a
 * fixed, valid ciphertext), 2 = ek. If (data[0] / 9) is odd the rest is
 * cut or zero-padded to the exact length, so that libFuzzer reaches the
 * code behind the length checks without guessing 1088-byte inputs. Invariants checked, abort() if broken:
 *  - wrong lengths give -EMSGSIZE, and nothing else is ever returned but
 *    0, -EMSGSIZE, -EBADMSG (ek) or -EKEYREJECTED (dk);
 *  - a ciphertext of the right length always decapsulates (FIPS 203
 *    implicit rejection) to K for the valid one and J(z || c) otherwise;
 *  - a dk is accepted iff its H(ek) matches (§7.3); an ek iff every
 *    coefficient is below q (§7.2);
 *  - both back ends give the same output.
 * tests/mlkem/fuzz_mlkem_driver.c runs this over mutated inputs in the
 * normal test run; built with -fsanitize=fuzzer it is a libFuzzer target.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "control/mlkem/mlkem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t fuzz_mlkem_decaps_seed_input(unsigned sel, uint8_t *out, size_t max);

enum { MODE_CT, MODE_DK, MODE_EK, N_MODES };

struct fixture {
	int ready;
	uint8_t ek[MLKEM_MAX_EK_BYTES], dk[MLKEM_MAX_DK_BYTES];
	uint8_t ct[MLKEM_MAX_CT_BYTES], ss[32];
};

static struct fixture fx[3];

static void check(int cond)
{
	if (!cond)
		abort();
}

static struct fixture *fixture_get(enum mlkem_param p)
{
	struct fixture *f = &fx[p];
	uint8_t seed[64], m[32];

	if (f->ready)
		return f;
	for (unsigned i = 0; i < 64; i++)
		seed[i] = (uint8_t)(0xa5 ^ (i * 11));
	memset(m, 0x5a, sizeof(m));
	check(mlkem_keygen_from_seed(p, seed, 64, f->ek, mlkem_ek_bytes(p),
				     f->dk, mlkem_dk_bytes(p)) == 0);
	check(mlkem_encaps_msg(p, f->ek, mlkem_ek_bytes(p), m, f->ct,
			       mlkem_ct_bytes(p), f->ss) == 0);
	f->ready = 1;
	return f;
}

/* J(z || c) = SHAKE256(z || c, 32), FIPS 203 eq. (4.4), via EVP. */
static void implicit_key(const uint8_t *z, const uint8_t *c, size_t clen,
			 uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	check(ctx != NULL);
	check(EVP_DigestInit_ex(ctx, EVP_shake256(), NULL) &&
	      EVP_DigestUpdate(ctx, z, 32) &&
	      EVP_DigestUpdate(ctx, c, clen) &&
	      EVP_DigestFinalXOF(ctx, out, 32));
	EVP_MD_CTX_free(ctx);
}

/* Run on every back end this CPU has; outputs must agree. */
static int decaps_all(enum mlkem_param p, const uint8_t *dk, size_t dkl,
		      const uint8_t *ct, size_t ctl, uint8_t ss[32])
{
	uint8_t ss2[32];
	int r, r2;

	check(mlkem_set_impl(MLKEM_IMPL_PORTABLE) == 0);
	r = mlkem_decaps(p, dk, dkl, ct, ctl, ss);
	if (mlkem_set_impl(MLKEM_IMPL_AVX2) == 0) {
		r2 = mlkem_decaps(p, dk, dkl, ct, ctl, ss2);
		check(r == r2);
		check(r != 0 || !memcmp(ss, ss2, 32));
	}
	return r;
}

static int encaps_all(enum mlkem_param p, const uint8_t *ek, size_t ekl,
		      uint8_t *ct, uint8_t ss[32])
{
	static const uint8_t m[32] = { 1, 2, 3, 4 };
	uint8_t ct2[MLKEM_MAX_CT_BYTES], ss2[32];
	size_t ctl = mlkem_ct_bytes(p);
	int r, r2;

	check(mlkem_set_impl(MLKEM_IMPL_PORTABLE) == 0);
	r = mlkem_encaps_msg(p, ek, ekl, m, ct, ctl, ss);
	if (mlkem_set_impl(MLKEM_IMPL_AVX2) == 0) {
		r2 = mlkem_encaps_msg(p, ek, ekl, m, ct2, ctl, ss2);
		check(r == r2);
		check(r != 0 || (!memcmp(ss, ss2, 32) &&
				 !memcmp(ct, ct2, ctl)));
	}
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum mlkem_param p;
	struct fixture *f;
	size_t ekl, dkl, ctl;
	uint8_t ss[32], want[32], ct[MLKEM_MAX_CT_BYTES];
	static uint8_t fit[MLKEM_MAX_DK_BYTES];
	unsigned mode;
	int r;

	if (size < 1)
		return 0;
	p = (enum mlkem_param)(data[0] % 3);
	mode = (data[0] / 3) % N_MODES;
	f = fixture_get(p);
	ekl = mlkem_ek_bytes(p);
	dkl = mlkem_dk_bytes(p);
	ctl = mlkem_ct_bytes(p);
	if ((data[0] / 9) % 2) {
		size_t want_len = mode == MODE_CT ? ctl :
				  mode == MODE_DK ? dkl : ekl;
		size_t n = size - 1 < want_len ? size - 1 : want_len;

		memset(fit, 0, sizeof(fit));
		memcpy(fit, data + 1, n);
		data = fit;
		size = want_len;
	} else {
		data++;
		size--;
	}

	switch (mode) {
	case MODE_CT:
		r = decaps_all(p, f->dk, dkl, data, size, ss);
		if (size != ctl) {
			check(r == -EMSGSIZE);
			break;
		}
		check(r == 0);
		if (!memcmp(data, f->ct, ctl))
			check(!memcmp(ss, f->ss, 32));
		else {
			implicit_key(f->dk + dkl - 32, data, ctl, want);
			check(!memcmp(ss, want, 32));
		}
		break;
	case MODE_DK:
		r = decaps_all(p, data, size, f->ct, ctl, ss);
		if (size != dkl) {
			check(r == -EMSGSIZE);
			break;
		}
		check(r == 0 || r == -EKEYREJECTED);
		check(r == mlkem_dk_check(p, data, size));
		/* an accepted dk with the fixture's dk_pke, H(ek) and z
		 * must give the fixture's key */
		if (r == 0 && !memcmp(data, f->dk, dkl))
			check(!memcmp(ss, f->ss, 32));
		break;
	case MODE_EK:
		r = encaps_all(p, data, size, ct, ss);
		if (size != ekl) {
			check(r == -EMSGSIZE);
			break;
		}
		check(r == 0 || r == -EBADMSG);
		check(r == mlkem_ek_check(p, data, size));
		/* and what it produced decapsulates with the fixture's dk
		 * when the ek is the fixture's */
		if (r == 0 && !memcmp(data, f->ek, ekl)) {
			check(decaps_all(p, f->dk, dkl, ct, ctl, want) == 0);
			check(!memcmp(ss, want, 32));
		}
		break;
	}
	mlkem_set_impl(MLKEM_IMPL_AUTO);
	return 0;
}

/*
 * A valid input for selector sel (data[0]) written to out: the driver
 * mutates these. Returns the length, 0 if max is too small.
 */
size_t fuzz_mlkem_decaps_seed_input(unsigned sel, uint8_t *out, size_t max)
{
	enum mlkem_param p = (enum mlkem_param)(sel % 3);
	struct fixture *f = fixture_get(p);
	const uint8_t *src;
	size_t len;

	switch ((sel / 3) % N_MODES) {
	case MODE_CT:
		src = f->ct;
		len = mlkem_ct_bytes(p);
		break;
	case MODE_DK:
		src = f->dk;
		len = mlkem_dk_bytes(p);
		break;
	default:
		src = f->ek;
		len = mlkem_ek_bytes(p);
		break;
	}
	if (len + 1 > max)
		return 0;
	out[0] = (uint8_t)sel;
	memcpy(out + 1, src, len);
	return len + 1;
}
