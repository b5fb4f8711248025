/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key exchange methods: both roles agree for every method, and what a peer
 * sends is validated (length, range, point on curve, low-order points,
 * FIPS 203 §7.2 encapsulation-key check) before any secret is derived.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/ikecrypto/ke.h"
#include "tests/check_run.h"

static const int all[] = {
	KE_MODP_2048, KE_MODP_3072, KE_ECP_256, KE_ECP_384, KE_ECP_521,
	KE_CURVE25519, KE_CURVE448, KE_MLKEM_512, KE_MLKEM_768, KE_MLKEM_1024,
};

START_TEST(both_roles_agree)
{
	int id = all[_i];
	struct ike_ke *i = ike_ke_new(id, true), *r = ike_ke_new(id, false);
	const uint8_t *pi, *pr, *si, *sr;
	size_t li, lr, lsi, lsr;

	ck_assert_ptr_nonnull(i);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(ike_ke_public(i, &pi, &li), 0);
	ck_assert_uint_eq(li, ike_ke_public_len(id, true));
	ck_assert_int_eq(ike_ke_complete(r, pi, li), 0);
	ck_assert_int_eq(ike_ke_public(r, &pr, &lr), 0);
	ck_assert_uint_eq(lr, ike_ke_public_len(id, false));
	ck_assert_int_eq(ike_ke_complete(i, pr, lr), 0);
	ck_assert_int_eq(ike_ke_shared(i, &si, &lsi), 0);
	ck_assert_int_eq(ike_ke_shared(r, &sr, &lsr), 0);
	ck_assert_uint_eq(lsi, lsr);
	ck_assert_mem_eq(si, sr, lsi);
	ck_assert_int_eq(ike_ke_complete(i, pr, lr), -EALREADY);
	ike_ke_free(i);
	ike_ke_free(r);
}
END_TEST

/* The responder must refuse @p bad as the initiator's KE data. */
static void refuse(int id, const uint8_t *bad, size_t len)
{
	struct ike_ke *r = ike_ke_new(id, false);

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(ike_ke_complete(r, bad, len), -EBADMSG);
	ike_ke_free(r);
}

START_TEST(bad_peer_values_are_refused)
{
	int id = all[_i];
	size_t n = ike_ke_public_len(id, true);
	uint8_t *v = calloc(1, n + 1);

	refuse(id, v, n - 1);          /* wrong length */
	refuse(id, v, n + 1);
	switch (id) {
	case KE_MODP_2048:
	case KE_MODP_3072:
		refuse(id, v, n);      /* 0 */
		v[n - 1] = 1;
		refuse(id, v, n);      /* 1: RFC 6989 §2.1 */
		memset(v, 0xff, n);
		refuse(id, v, n);      /* >= p */
		break;
	case KE_ECP_256:
	case KE_ECP_384:
	case KE_ECP_521:
		refuse(id, v, n);      /* (0, 0) is not on the curve */
		v[n / 2 - 1] = 1;
		v[n - 1] = 1;
		refuse(id, v, n);      /* (1, 1) neither */
		break;
	case KE_CURVE25519:
	case KE_CURVE448:
		refuse(id, v, n);      /* low-order point 0: all-zero secret */
		break;
	default: {
		/* ML-KEM: the initiator's encapsulation key with a 12-bit
		 * coefficient >= q fails the §7.2 modulus check. */
		struct ike_ke *i = ike_ke_new(id, true);
		const uint8_t *ek;
		size_t l;

		ck_assert_int_eq(ike_ke_public(i, &ek, &l), 0);
		memcpy(v, ek, l);
		v[0] = 0xff;
		v[1] |= 0x0f;
		refuse(id, v, l);
		/* the initiator refuses a ciphertext of the wrong length */
		ck_assert_int_eq(ike_ke_complete(i, v, ike_ke_public_len(id, false) - 1), -EBADMSG);
		ike_ke_free(i);
		break;
	}
	}
	free(v);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ke");
	TCase *tc = tcase_create("methods");
	int n = (int)(sizeof(all) / sizeof(all[0]));

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, both_roles_agree, 0, n);
	tcase_add_loop_test(tc, bad_peer_values_are_refused, 0, n);
	suite_add_tcase(s, tc);
	return check_run(s);
}
