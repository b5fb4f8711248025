/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IKE exchange layer's one door to control/ikecrypto: control/ike calls
 * these, never prf.h, sk.h, auth.h or cert.h (only ike_crypto.c includes
 * them). The door speaks the engine's terms: a negotiated struct ike_suite
 * instead of each primitive's own algorithm struct, SPIs as the engine
 * holds them (uint64_t), the seven keys in struct ike_keys (with the
 * key-log mark), and the credential and trust store as opaque pointers.
 * ke.h (key exchange methods) has no such translation and is used directly.
 */
#ifndef ESPRIT_IKE_CRYPTO_H
#define ESPRIT_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { IKE_KEY_PRF_MAX = 64, IKE_KEY_ENCR_MAX = 36 };

/* Negotiated IKE SA transforms (IANA IDs). */
struct ike_suite {
	uint16_t encr;      /* ENCR_AES_CBC, ENCR_AES_GCM_16, ENCR_CHACHA20_POLY1305 */
	uint16_t key_bits;  /* 128 / 256 for AES, 256 for ChaCha20 */
	uint16_t prf;       /* PRF_HMAC_SHA2_* */
	uint16_t integ;     /* AUTH_HMAC_SHA2_*, 0 with AEAD */
	uint16_t ke;        /* key exchange method */
};

/* The seven IKE SA keys of RFC 7296 §2.14 (mirror of ikecrypto's). */
struct ike_keys {
	uint8_t d[IKE_KEY_PRF_MAX], ai[IKE_KEY_PRF_MAX], ar[IKE_KEY_PRF_MAX];
	uint8_t ei[IKE_KEY_ENCR_MAX], er[IKE_KEY_ENCR_MAX];
	uint8_t pi[IKE_KEY_PRF_MAX], pr[IKE_KEY_PRF_MAX];
	size_t prf_len, integ_len, encr_len;
	bool logged;        /* key-logged (keylog.c); every derivation clears it */
};

/* Can ikecrypto run this suite? */
bool ike_crypto_suite_ok(const struct ike_suite *s);
size_t ike_crypto_prf_len(int prf);

/* RFC 7296 §2.14 keys of a new IKE SA. */
int ike_crypto_keys(const struct ike_suite *s, const uint8_t *ni, size_t ni_len,
		    const uint8_t *nr, size_t nr_len, const uint8_t *gir, size_t gir_len,
		    uint64_t spi_i, uint64_t spi_r, struct ike_keys *k);
/* RFC 7296 §2.18 keys of a rekeyed IKE SA: SKEYSEED =
 * prf(SK_d (old), g^ir | Ni | Nr [| extra]), the keys from it with the new
 * SPIs. @p extra (may be empty) holds SK(1) | ... | SK(n) of RFC 9370
 * §2.2.4's additional key exchanges; RFC 9370 §2.2.2 (IKE_INTERMEDIATE)
 * passes SK(n) as @p gir and no extra. */
int ike_crypto_keys_rekey(int prf_old, const uint8_t *sk_d_old, size_t sk_d_len,
			  const struct ike_suite *s, const uint8_t *ni, size_t ni_len,
			  const uint8_t *nr, size_t nr_len, const uint8_t *gir, size_t gir_len,
			  const uint8_t *extra, size_t extra_len, uint64_t spi_i, uint64_t spi_r,
			  struct ike_keys *k);
/* RFC 7296 §2.17 KEYMAT; gir may be NULL (no PFS). */
int ike_crypto_keymat(int prf, const uint8_t *sk_d, size_t sk_d_len, const uint8_t *gir,
		      size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		      size_t nr_len, uint8_t *out, size_t len);
void ike_crypto_keys_wipe(struct ike_keys *k);
/* RFC 8784 §3: SK_d = prf+(PPK, SK_d'), SK_pi = prf+(PPK, SK_pi'),
 * SK_pr = prf+(PPK, SK_pr'), in place; SK_e* and SK_a* stay. */
int ike_crypto_ppk_mix(int prf, const uint8_t *ppk, size_t ppk_len, struct ike_keys *k);
/* RFC 8784 §3 for one key: key = prf+(PPK, key), @p len octets, in place. */
int ike_crypto_ppk_mix_key(int prf, const uint8_t *ppk, size_t ppk_len, uint8_t *key,
			   size_t len);

/* RFC 9867 §3.1.1: SKEYSEED' = prf+(PPK, SK_d) from k's SK_d, then all
 * seven keys again = prf+(SKEYSEED', Ni | Nr | SPIi | SPIr), into k. */
int ike_crypto_ppk_int_keys(const struct ike_suite *s, const uint8_t *ppk, size_t ppk_len,
			    const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
			    uint64_t spi_i, uint64_t spi_r, struct ike_keys *k);
/* out = prf(key, p[0] | ... | p[n-1]), n <= 8. */
int ike_crypto_prf_v(int prf, const uint8_t *key, size_t klen, const uint8_t *const *p,
		     const size_t *len, unsigned n, uint8_t *out);
/* SHA-1 for NAT_DETECTION_* (RFC 7296 §2.23). */
int ike_crypto_sha1(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
		    const uint8_t *c, size_t clen, uint8_t out[20]);

/* SK payload (RFC 7296 §3.14). */
size_t ike_crypto_sk_iv_len(const struct ike_suite *s);
size_t ike_crypto_sk_body_len(const struct ike_suite *s, size_t plen);
long ike_crypto_sk_seal(const struct ike_suite *s, const uint8_t *ekey, const uint8_t *akey,
			const uint8_t *iv, uint8_t *msg, size_t aad_len, const uint8_t *plain,
			size_t plen, size_t cap);
int ike_crypto_sk_open(const struct ike_suite *s, const uint8_t *ekey, const uint8_t *akey,
		       uint8_t *msg, size_t len, size_t aad_len, uint8_t **inner,
		       size_t *inner_len);

/* RFC 7296 §2.15 signed octets, into out; returns the length or -errno. */
long ike_crypto_signed_octets(int prf, const uint8_t *message, size_t message_len,
			      const uint8_t *peer_nonce, size_t nonce_len, const uint8_t *sk_p,
			      const uint8_t *id_body, size_t id_len, uint8_t *out, size_t cap);
/* Shared key MIC (AUTH method 2); out holds prf_len octets. */
int ike_crypto_psk(int prf, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
		   size_t len, uint8_t *out);
bool ike_crypto_psk_verify(int prf, const uint8_t *psk, size_t psk_len, const uint8_t *octets,
			   size_t len, const uint8_t *auth, size_t auth_len);

struct ike_cred;
struct ike_trust;

/* RFC 7427 AUTH data (method 14) with the credential's key and a hash of
 * @p hashes (bit 1 << id per hash the peer announced). Length or -errno. */
long ike_crypto_sign(const struct ike_cred *c, unsigned hashes, const uint8_t *octets,
		     size_t len, uint8_t *out, size_t cap);
/* Certificates of a credential (end entity first). */
unsigned ike_crypto_cred_certs(const struct ike_cred *c, const uint8_t **der, size_t *len,
			       unsigned max);
/*
 * The peer's end-entity certificate (+ intermediates) verified against
 * @p t, the identity (RFC 7296 §3.5 type and data) matched against it,
 * then the RFC 7427 AUTH data verified with its key:
 * 0, -EPERM (untrusted / no match / bad signature), -EBADMSG.
 */
int ike_crypto_verify_peer(const struct ike_trust *t, const uint8_t *ee, size_t ee_len,
			   const uint8_t *const *chain, const size_t *chain_len, unsigned n,
			   int id_type, const uint8_t *id, size_t id_len, const uint8_t *octets,
			   size_t len, const uint8_t *auth, size_t auth_len);
/* RFC 7296 §3.7: does @p c lead to one of the CAs in CERTREQ data @p hashes
 * (@p n SHA-1 hashes of 20 octets, concatenated)? @p t: our trusted CAs,
 * where the issuer of the chain's top certificate may be found. */
bool ike_crypto_cred_fits(const struct ike_cred *c, const struct ike_trust *t,
			  const uint8_t *hashes, unsigned n);
/* CERTREQ data: SHA-1 hashes of the trusted CAs' keys, concatenated. */
size_t ike_crypto_ca_hashes(const struct ike_trust *t, uint8_t *out, size_t cap);

#endif /* ESPRIT_IKE_CRYPTO_H */
