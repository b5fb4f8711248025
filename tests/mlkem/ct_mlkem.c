/*
 * ct_mlkem.c - constant-time check ("ctgrind"): run under valgrind
 * memcheck with the secrets marked undefined. Any branch or memory index
 * that depends on a secret is then reported as a use of an uninitialised
 * value, and valgrind --error-exitcode=1 fails the test.
 *
 * Secrets: d and z (keygen), m (encaps), the dk_pke and z parts of dk
 * (decaps). Outputs are marked defined again only before they are
 * compared. Both back ends, all three parameter sets, and decapsulation of
 * a corrupted ciphertext (implicit rejection) are exercised. Linked
 * against the library built with -DMLKEM_CTGRIND, which declassifies rho
 * (public by FIPS 203: it is part of ek).
 */
#include <stdio.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include "control/mlkem/mlkem.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static int run(enum mlkem_param p)
{
	size_t ekl = mlkem_ek_bytes(p), dkl = mlkem_dk_bytes(p);
	size_t ctl = mlkem_ct_bytes(p), dkpke = dkl - ekl - 64;
	uint8_t d[32], z[32], m[32], ss[32], ss2[32], ss3[32];
	static uint8_t ek[MLKEM_MAX_EK_BYTES], dk[MLKEM_MAX_DK_BYTES];
	static uint8_t ct[MLKEM_MAX_CT_BYTES];
	int ret;

	for (unsigned i = 0; i < 32; i++) {
		d[i] = (uint8_t)(i * 7 + 1);
		z[i] = (uint8_t)(i * 13 + 5);
		m[i] = (uint8_t)(i * 29 + 3);
	}

	/* KeyGen_internal with secret d, z */
	SECRET(d, 32);
	SECRET(z, 32);
	ret = mlkem_keygen_seed(p, d, z, ek, ekl, dk, dkl);
	PUBLIC(ek, ekl);
	PUBLIC(dk, dkl);
	if (ret)
		return ret;

	/* Encaps_internal with secret m */
	SECRET(m, 32);
	ret = mlkem_encaps_msg(p, ek, ekl, m, ct, ctl, ss);
	PUBLIC(ct, ctl);
	PUBLIC(ss, 32);
	if (ret)
		return ret;

	/* Decaps with secret dk_pke and z */
	SECRET(dk, dkpke);
	SECRET(dk + dkl - 32, 32);
	ret = mlkem_decaps(p, dk, dkl, ct, ctl, ss2);
	PUBLIC(ss2, 32);
	if (ret)
		return ret;

	/* implicit rejection: same, with a corrupted ciphertext */
	ct[ctl / 2] ^= 0x04;
	ret = mlkem_decaps(p, dk, dkl, ct, ctl, ss3);
	PUBLIC(ss3, 32);
	PUBLIC(dk, dkl);
	if (ret)
		return ret;

	if (memcmp(ss, ss2, 32) || !memcmp(ss, ss3, 32)) {
		fprintf(stderr, "%s: wrong shared secret\n",
			mlkem_param_name(p));
		return 1;
	}
	return 0;
}

int main(void)
{
	static const enum mlkem_impl impls[] = { MLKEM_IMPL_PORTABLE,
						 MLKEM_IMPL_AVX2 };
	int fails = 0;

	for (unsigned i = 0; i < 2; i++) {
		if (mlkem_set_impl(impls[i])) {
			printf("%s: not supported here, skipped\n",
			       mlkem_impl_name(impls[i]));
			continue;
		}
		for (int p = MLKEM_512; p <= MLKEM_1024; p++) {
			int ret = run((enum mlkem_param)p);

			printf("%-11s %-8s keygen/encaps/decaps/reject: %s\n",
			       mlkem_param_name((enum mlkem_param)p),
			       mlkem_impl_name(impls[i]),
			       ret ? "FAILED" : "ran");
			fails += ret != 0;
		}
	}
	if (!RUNNING_ON_VALGRIND)
		printf("note: not under valgrind, nothing was checked\n");
	return fails ? 1 : 0;
}
