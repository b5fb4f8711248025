/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificates for the exchange tests, made with OpenSSL at run time: a
 * CA, an intermediate, end-entity certificates with subjectAltName
 * DNS:<name>. Separate translation unit: ikecrypto's cert.h cannot share
 * one with the codec's ike_wire.h (clashing enums).
 */
#ifndef ESPRIT_TESTS_IKE_EXCHANGE_CERT_FIXTURE_H
#define ESPRIT_TESTS_IKE_EXCHANGE_CERT_FIXTURE_H

#include <stdbool.h>

struct ike_cred;
struct ike_trust;

/* A fresh CA (key type "ED25519", "EC" P-256, "RSA"). */
void fixture_ca(unsigned ca, const char *type);
/* An end entity of CA @p ca for DNS:@p dns, optionally via an
 * intermediate; loaded from PEM like espritd would. */
struct ike_cred *fixture_cred(unsigned ca, const char *type, const char *dns, bool via_im);
struct ike_trust *fixture_trust(unsigned ca);
void fixture_cred_free(struct ike_cred *c);
void fixture_trust_free(struct ike_trust *t);
void fixture_cleanup(void);

#endif
