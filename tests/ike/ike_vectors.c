/* SPDX-License-Identifier: BSD-3-Clause */
#include "tests/ike/ike_vectors.h"

/*
 * RFC 7634 Appendix B (Y. Nir, 2015), the IKEv2 ChaCha20-Poly1305
 * example; the same bytes as "ike_message" in
 * tests/vectors/esp/rfc7634.json (which the message test cross-checks).
 */
const uint8_t ike_vec_rfc7634_b[69] = {
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, /* IKE SA Initiator's SPI */
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, /* IKE SA Responder's SPI */
	0x2e,                   /* Next Payload 46 = SK */
	0x20,                   /* MjVer 2, MnVer 0 */
	0x25,                   /* Exchange Type 37 = INFORMATIONAL */
	0x00,                   /* Flags: none (request from the responder) */
	0x00, 0x00, 0x00, 0x09, /* Message ID 9 */
	0x00, 0x00, 0x00, 0x45, /* Length 69 */
	/* SK payload (RFC 7296 §3.14) */
	0x29,                   /* Next Payload 41 = N (first inner payload) */
	0x00,                   /* C = 0, RESERVED */
	0x00, 0x29,             /* Payload Length 41 = 4 + 8 + 13 + 16 */
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, /* IV (8) */
	0x61, 0x03, 0x94, 0x70, 0x1f, 0x8d, 0x01, 0x7f, /* ciphertext (13) */
	0x7c, 0x12, 0x92, 0x48, 0x89,
	0x6b, 0x71, 0xbf, 0xe2, 0x52, 0x36, 0xef, 0xd7, /* ICV (16) */
	0xcd, 0xc6, 0x70, 0x66, 0x90, 0x63, 0x15, 0xb2,
};

/* RFC 7634 Appendix B plaintext ("0000000c000040010000000a00"). */
const uint8_t ike_vec_rfc7634_b_plain[13] = {
	0x00,                   /* Next Payload 0 = none */
	0x00,                   /* C = 0 */
	0x00, 0x0c,             /* Payload Length 12 */
	0x00,                   /* Protocol ID 0 */
	0x00,                   /* SPI Size 0 */
	0x40, 0x01,             /* Notify Message Type 16385 = SET_WINDOW_SIZE */
	0x00, 0x00, 0x00, 0x0a, /* Notification Data: window size 10 */
	0x00,                   /* Pad Length 0 (not a payload) */
};

#define REP4(x)  x, x, x, x
#define REP8(x)  REP4(x), REP4(x)
#define REP16(x) REP8(x), REP8(x)
#define REP32(x) REP16(x), REP16(x)

/*
 * IKE_SA_INIT request (RFC 7296 §1.2: HDR, SAi1, KEi, Ni), plus the
 * NAT-detection notifies (§2.23) and SIGNATURE_HASH_ALGORITHMS (RFC 7427
 * §4). Layouts from RFC 7296 Figures 4, 5, 7, 8, 9, 10, 15, 16.
 */
const uint8_t ike_vec_sa_init[224] = {
	/* IKE header (Figure 4) */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* SPIi */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* SPIr = 0 in the first message */
	0x21,                   /* Next Payload 33 = SA */
	0x20,                   /* version 2.0 */
	0x22,                   /* Exchange Type 34 = IKE_SA_INIT */
	0x08,                   /* Flags: I (original initiator) */
	0x00, 0x00, 0x00, 0x00, /* Message ID 0 */
	0x00, 0x00, 0x00, 0xe0, /* Length 224 */
	/* SA payload (Figure 6) */
	0x22,                   /* Next Payload 34 = KE */
	0x00,                   /* C = 0 */
	0x00, 0x30,             /* Payload Length 48 */
	/*   Proposal (Figure 7) */
	0x00,                   /* Last Substruc 0: last proposal */
	0x00,                   /* RESERVED */
	0x00, 0x2c,             /* Proposal Length 44 */
	0x01,                   /* Proposal Num 1 */
	0x01,                   /* Protocol ID 1 = IKE */
	0x00,                   /* SPI Size 0 (initial IKE SA) */
	0x04,                   /* Num Transforms 4 */
	/*     Transform 1 (Figure 8) */
	0x03,                   /* Last Substruc 3: more transforms */
	0x00,                   /* RESERVED */
	0x00, 0x0c,             /* Transform Length 12 */
	0x01,                   /* Transform Type 1 = ENCR */
	0x00,                   /* RESERVED */
	0x00, 0x0c,             /* Transform ID 12 = ENCR_AES_CBC */
	0x80, 0x0e,             /*   attribute: AF = 1 (TV), type 14 = Key Length */
	0x01, 0x00,             /*   value 256 bits */
	/*     Transform 2 */
	0x03, 0x00, 0x00, 0x08, /* more, RESERVED, Length 8 */
	0x02, 0x00,             /* Type 2 = PRF, RESERVED */
	0x00, 0x05,             /* ID 5 = PRF_HMAC_SHA2_256 */
	/*     Transform 3 */
	0x03, 0x00, 0x00, 0x08, /* more, RESERVED, Length 8 */
	0x03, 0x00,             /* Type 3 = INTEG, RESERVED */
	0x00, 0x0c,             /* ID 12 = AUTH_HMAC_SHA2_256_128 */
	/*     Transform 4 */
	0x00, 0x00, 0x00, 0x08, /* last, RESERVED, Length 8 */
	0x04, 0x00,             /* Type 4 = Key Exchange Method, RESERVED */
	0x00, 0x1f,             /* ID 31 = Curve25519 */
	/* KE payload (Figure 10) */
	0x28,                   /* Next Payload 40 = Nonce */
	0x00,                   /* C = 0 */
	0x00, 0x28,             /* Payload Length 40 */
	0x00, 0x1f,             /* Key Exchange Method 31 */
	0x00, 0x00,             /* RESERVED */
	REP32(0x11),            /* Key Exchange Data: 32 octets */
	/* Nonce payload (Figure 15) */
	0x29,                   /* Next Payload 41 = N */
	0x00,                   /* C = 0 */
	0x00, 0x24,             /* Payload Length 36 */
	REP32(0x22),            /* Nonce Data: 32 octets */
	/* Notify payload (Figure 16) */
	0x29,                   /* Next Payload 41 = N */
	0x00,                   /* C = 0 */
	0x00, 0x1c,             /* Payload Length 28 */
	0x00,                   /* Protocol ID 0 */
	0x00,                   /* SPI Size 0 */
	0x40, 0x04,             /* 16388 = NAT_DETECTION_SOURCE_IP */
	REP16(0x33), REP4(0x33), /* SHA-1 digest: 20 octets */
	/* Notify payload */
	0x29,                   /* Next Payload 41 = N */
	0x00,                   /* C = 0 */
	0x00, 0x1c,             /* Payload Length 28 */
	0x00, 0x00,             /* Protocol ID 0, SPI Size 0 */
	0x40, 0x05,             /* 16389 = NAT_DETECTION_DESTINATION_IP */
	REP16(0x44), REP4(0x44), /* SHA-1 digest: 20 octets */
	/* Notify payload */
	0x00,                   /* Next Payload 0: last */
	0x00,                   /* C = 0 */
	0x00, 0x10,             /* Payload Length 16 */
	0x00, 0x00,             /* Protocol ID 0, SPI Size 0 */
	0x40, 0x2f,             /* 16431 = SIGNATURE_HASH_ALGORITHMS */
	0x00, 0x02,             /* SHA2-256 */
	0x00, 0x03,             /* SHA2-384 */
	0x00, 0x04,             /* SHA2-512 */
	0x00, 0x05,             /* Identity (RFC 8420) */
};

/*
 * IKE_AUTH request plaintext (RFC 7296 §1.2: SK{IDi, AUTH, [CP], SAi2,
 * TSi, TSr}), as the crypto module hands it over: inner payloads only.
 */
const uint8_t ike_vec_auth_inner[] = {
	/* IDi (Figure 11) */
	0x27,                   /* Next Payload 39 = AUTH */
	0x00,                   /* C = 0 */
	0x00, 0x12,             /* Payload Length 18 */
	0x02,                   /* ID Type 2 = ID_FQDN */
	0x00, 0x00, 0x00,       /* RESERVED */
	'g', 'w', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', /* "gw.example" */
	/* AUTH (Figure 14; data per RFC 7427 §3) */
	0x2f,                   /* Next Payload 47 = CP */
	0x00,                   /* C = 0 */
	0x00, 0x4c,             /* Payload Length 76 = 4 + 4 + 1 + 7 + 60 */
	0x0e,                   /* Auth Method 14 = Digital Signature */
	0x00, 0x00, 0x00,       /* RESERVED */
	0x07,                   /* ASN.1 Length 7 */
	0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, /* AlgorithmIdentifier Ed25519 (RFC 8420) */
	REP32(0xaa), REP16(0xaa), REP8(0xaa), REP4(0xaa), /* Signature Value: 60 octets */
	/* CP (Figure 23) */
	0x21,                   /* Next Payload 33 = SA */
	0x00,                   /* C = 0 */
	0x00, 0x18,             /* Payload Length 24 */
	0x01,                   /* CFG Type 1 = CFG_REQUEST */
	0x00, 0x00, 0x00,       /* RESERVED */
	0x00, 0x01, 0x00, 0x00, /* INTERNAL_IP4_ADDRESS, Length 0 */
	0x00, 0x03, 0x00, 0x00, /* INTERNAL_IP4_DNS, Length 0 */
	0x00, 0x19, 0x00, 0x00, /* INTERNAL_DNS_DOMAIN (RFC 8598), Length 0 */
	0x00, 0x1a, 0x00, 0x00, /* INTERNAL_DNSSEC_TA (RFC 8598), Length 0 */
	/* SA (SAi2) */
	0x2c,                   /* Next Payload 44 = TSi */
	0x00,                   /* C = 0 */
	0x00, 0x2c,             /* Payload Length 44 */
	0x00, 0x00, 0x00, 0x28, /* last proposal, RESERVED, Proposal Length 40 */
	0x01,                   /* Proposal Num 1 */
	0x03,                   /* Protocol ID 3 = ESP */
	0x04,                   /* SPI Size 4 */
	0x03,                   /* Num Transforms 3 */
	0xca, 0xfe, 0xf0, 0x0d, /* SPI */
	0x03, 0x00, 0x00, 0x0c, /* more, RESERVED, Length 12 */
	0x01, 0x00, 0x00, 0x14, /* ENCR, RESERVED, 20 = ENCR_AES_GCM_16 */
	0x80, 0x0e, 0x00, 0x80, /* Key Length (TV) = 128 */
	0x03, 0x00, 0x00, 0x08, /* more, RESERVED, Length 8 */
	0x01, 0x00, 0x00, 0x1c, /* ENCR, RESERVED, 28 = ENCR_CHACHA20_POLY1305 */
	0x00, 0x00, 0x00, 0x08, /* last, RESERVED, Length 8 */
	0x05, 0x00, 0x00, 0x00, /* ESN, RESERVED, 0 = No ESN */
	/* TSi (Figures 19, 20) */
	0x2d,                   /* Next Payload 45 = TSr */
	0x00,                   /* C = 0 */
	0x00, 0x20,             /* Payload Length 32 */
	0x02,                   /* Number of TSs 2 */
	0x00, 0x00, 0x00,       /* RESERVED */
	0x07,                   /* TS Type 7 = TS_IPV4_ADDR_RANGE */
	0x00,                   /* IP Protocol ID 0 = any */
	0x00, 0x10,             /* Selector Length 16 */
	0x00, 0x00,             /* Start Port 0 */
	0xff, 0xff,             /* End Port 65535 */
	0xc0, 0x00, 0x02, 0x00, /* Starting Address 192.0.2.0 */
	0xc0, 0x00, 0x02, 0xff, /* Ending Address 192.0.2.255 */
	0x0a,                   /* TS Type 10 = TS_SECLABEL (RFC 9478) */
	0x00,                   /* Reserved */
	0x00, 0x08,             /* Selector Length 8 */
	's', 'y', 's', '0',     /* Security Label "sys0" */
	/* TSr */
	0x00,                   /* Next Payload 0: last */
	0x00,                   /* C = 0 */
	0x00, 0x30,             /* Payload Length 48 */
	0x01,                   /* Number of TSs 1 */
	0x00, 0x00, 0x00,       /* RESERVED */
	0x08,                   /* TS Type 8 = TS_IPV6_ADDR_RANGE */
	0x11,                   /* IP Protocol ID 17 = UDP */
	0x00, 0x28,             /* Selector Length 40 */
	0x00, 0x35,             /* Start Port 53 */
	0x00, 0x35,             /* End Port 53 */
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* Starting Address 2001:db8:: */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, /* Ending Address 2001:db8::ffff */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
};
const size_t ike_vec_auth_inner_len = sizeof(ike_vec_auth_inner);

/* INFORMATIONAL request plaintext (RFC 7296 §1.4.1): SK{D, D}. */
const uint8_t ike_vec_delete_inner[] = {
	/* Delete (Figure 17) */
	0x2a,                   /* Next Payload 42 = D */
	0x00,                   /* C = 0 */
	0x00, 0x10,             /* Payload Length 16 */
	0x03,                   /* Protocol ID 3 = ESP */
	0x04,                   /* SPI Size 4 */
	0x00, 0x02,             /* Num of SPIs 2 */
	0x11, 0x22, 0x33, 0x44, /* SPI 1 */
	0x55, 0x66, 0x77, 0x88, /* SPI 2 */
	/* Delete */
	0x00,                   /* Next Payload 0: last */
	0x00,                   /* C = 0 */
	0x00, 0x08,             /* Payload Length 8 */
	0x01,                   /* Protocol ID 1 = IKE */
	0x00,                   /* SPI Size 0 */
	0x00, 0x00,             /* Num of SPIs 0 */
};
const size_t ike_vec_delete_inner_len = sizeof(ike_vec_delete_inner);

/* IKE_AUTH request, fragment 1 of 2 (RFC 7383 §2.5, Figure 2). */
const uint8_t ike_vec_skf[] = {
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* SPIi */
	0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, /* SPIr */
	0x35,                   /* Next Payload 53 = SKF */
	0x20,                   /* version 2.0 */
	0x23,                   /* Exchange Type 35 = IKE_AUTH */
	0x08,                   /* Flags: I */
	0x00, 0x00, 0x00, 0x01, /* Message ID 1 */
	0x00, 0x00, 0x00, 0x40, /* Length 64 */
	/* SKF payload */
	0x23,                   /* Next Payload 35 = IDi (fragment 1 only) */
	0x00,                   /* C = 0 */
	0x00, 0x24,             /* Payload Length 36 */
	0x00, 0x01,             /* Fragment Number 1 */
	0x00, 0x02,             /* Total Fragments 2 */
	REP16(0x5a), REP8(0x5a), REP4(0x5a), /* IV | ciphertext | ICV: 28 octets */
};
const size_t ike_vec_skf_len = sizeof(ike_vec_skf);

const struct ike_vec ike_vecs[] = {
	{ "rfc7634-b-informational", ike_vec_rfc7634_b, sizeof(ike_vec_rfc7634_b) },
	{ "ike-sa-init-request", ike_vec_sa_init, sizeof(ike_vec_sa_init) },
	{ "ike-auth-skf-1-of-2", ike_vec_skf, sizeof(ike_vec_skf) },
};
const unsigned ike_n_vecs = sizeof(ike_vecs) / sizeof(ike_vecs[0]);
