/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 wire format: every code point and fixed header of RFC 7296 §3 and
 * the IPsecME extensions esprit speaks, in one header.
 *
 * Names follow the IANA "Internet Key Exchange Version 2 (IKEv2)
 * Parameters" registry (RFC 7296 §3 and the RFC cited on each group).
 * The structs document the fixed parts of each header; all multi-octet
 * fields are big-endian on the wire. The codec reads and writes them
 * through the bounds-checked cursor (cursor.h), never by casting a packet
 * pointer, so the structs only pin layouts and sizes.
 */
#ifndef ESPRIT_IKE_WIRE_H
#define ESPRIT_IKE_WIRE_H

#include <assert.h>
#include <stdint.h>

/* ---------------------------------------------------------------------- */
/* Exchange types (RFC 7296 §3.1; RFC 5723; RFC 9838; RFC 9242; RFC 9370) */
/* ---------------------------------------------------------------------- */
#define IKE_EXCHANGE_TYPES(X)                                   \
	X(IKE_SA_INIT,        34)                               \
	X(IKE_AUTH,           35)                               \
	X(CREATE_CHILD_SA,    36)                               \
	X(INFORMATIONAL,      37)                               \
	X(IKE_SESSION_RESUME, 38) /* RFC 5723 */                \
	X(GSA_AUTH,           39) /* RFC 9838 */                \
	X(GSA_REGISTRATION,   40)                               \
	X(GSA_REKEY,          41)                               \
	X(GSA_INBAND_REKEY,   42)                               \
	X(IKE_INTERMEDIATE,   43) /* RFC 9242 */                \
	X(IKE_FOLLOWUP_KE,    44) /* RFC 9370 */

enum ike_exchange_type {
#define X(name, val) IKE_EXCH_##name = val,
	IKE_EXCHANGE_TYPES(X)
#undef X
};

/* ---------------------------------------------------------------------- */
/* Payload types (RFC 7296 §3.2; RFC 6467; RFC 9838; RFC 7383; RFC 8019)   */
/* ---------------------------------------------------------------------- */
#define IKE_PAYLOAD_TYPES(X)                                    \
	X(NONE,  0)  /* "No Next Payload" */                    \
	X(SA,    33)                                            \
	X(KE,    34)                                            \
	X(IDi,   35)                                            \
	X(IDr,   36)                                            \
	X(CERT,  37)                                            \
	X(CERTREQ, 38)                                          \
	X(AUTH,  39)                                            \
	X(NONCE, 40) /* Ni, Nr */                               \
	X(N,     41)                                            \
	X(D,     42)                                            \
	X(V,     43)                                            \
	X(TSi,   44)                                            \
	X(TSr,   45)                                            \
	X(SK,    46)                                            \
	X(CP,    47)                                            \
	X(EAP,   48)                                            \
	X(GSPM,  49) /* RFC 6467 */                             \
	X(IDg,   50) /* RFC 9838 */                             \
	X(GSA,   51)                                            \
	X(KD,    52)                                            \
	X(SKF,   53) /* RFC 7383 */                             \
	X(PS,    54) /* RFC 8019 */

enum ike_payload_type {
#define X(name, val) IKE_PLD_##name = val,
	IKE_PAYLOAD_TYPES(X)
#undef X
};

/* ---------------------------------------------------------------------- */
/* IKE header flags (RFC 7296 §3.1). Other bits: send 0, ignore on receipt. */
/* ---------------------------------------------------------------------- */
enum ike_hdr_flag {
	IKE_HDR_FLAG_INITIATOR = 0x08, /* I: sent by the original initiator */
	IKE_HDR_FLAG_VERSION   = 0x10, /* V: sender could speak a higher major version */
	IKE_HDR_FLAG_RESPONSE  = 0x20, /* R: this message is a response */
};

enum ike_version {
	IKE_VERSION_MAJOR = 2, /* RFC 7296 §3.1: MUST be 2 */
	IKE_VERSION_MINOR = 0, /* sent as 0, ignored on receipt */
	IKE_VERSION_2_0   = 0x20,
};

/* Generic payload header flag octet (RFC 7296 §3.2). */
enum ike_pld_flag {
	IKE_PLD_FLAG_CRITICAL = 0x80,
};

/* ---------------------------------------------------------------------- */
/* Security protocol IDs (RFC 7296 §3.3.1; RFC 9838 §9)                   */
/* ---------------------------------------------------------------------- */
enum ike_protocol_id {
	IKE_PROTO_NONE        = 0,
	IKE_PROTO_IKE         = 1,
	IKE_PROTO_AH          = 2,
	IKE_PROTO_ESP         = 3,
	IKE_PROTO_FC_ESP_HEADER = 4,  /* RFC 4595 */
	IKE_PROTO_FC_CT_AUTHENTICATION = 5,
	IKE_PROTO_GIKE_UPDATE = 6,    /* RFC 9838 */
};

/* Proposal / transform "Last Substruc" values (RFC 7296 §3.3.1, §3.3.2). */
enum ike_last_substruc {
	IKE_SUBSTRUC_LAST      = 0,
	IKE_SUBSTRUC_PROPOSAL  = 2,
	IKE_SUBSTRUC_TRANSFORM = 3,
};

/* ---------------------------------------------------------------------- */
/* Transform types (RFC 7296 §3.3.2; RFC 9370 §2.2.1; RFC 9838 §9)        */
/* ---------------------------------------------------------------------- */
enum ike_transform_type {
	IKE_XFORM_ENCR   = 1,  /* Encryption Algorithm */
	IKE_XFORM_PRF    = 2,  /* Pseudorandom Function */
	IKE_XFORM_INTEG  = 3,  /* Integrity Algorithm */
	IKE_XFORM_KE     = 4,  /* Key Exchange Method (was D-H group), RFC 9370 */
	IKE_XFORM_ESN    = 5,  /* Sequence Numbers (was ESN), RFC 9838 */
	IKE_XFORM_ADDKE1 = 6,  /* ADDITIONAL_KEY_EXCHANGE_1, RFC 9370 */
	IKE_XFORM_ADDKE2 = 7,
	IKE_XFORM_ADDKE3 = 8,
	IKE_XFORM_ADDKE4 = 9,
	IKE_XFORM_ADDKE5 = 10,
	IKE_XFORM_ADDKE6 = 11,
	IKE_XFORM_ADDKE7 = 12, /* ADDITIONAL_KEY_EXCHANGE_7 */
	IKE_XFORM_KWA    = 13, /* Key Wrap Algorithm, RFC 9838 */
	IKE_XFORM_GCAUTH = 14, /* Group Controller Authentication Method, RFC 9838 */
	IKE_XFORM_TYPE_MAX = 14,
};

/* Transform type 1 IDs: encryption (RFC 7296 §3.3.2, IANA). */
enum ike_encr_id {
	IKE_ENCR_DES_IV64          = 1,
	IKE_ENCR_DES               = 2,
	IKE_ENCR_3DES              = 3,
	IKE_ENCR_RC5               = 4,
	IKE_ENCR_IDEA              = 5,
	IKE_ENCR_CAST              = 6,
	IKE_ENCR_BLOWFISH          = 7,
	IKE_ENCR_3IDEA             = 8,
	IKE_ENCR_DES_IV32          = 9,
	IKE_ENCR_NULL              = 11,
	IKE_ENCR_AES_CBC           = 12, /* RFC 3602; Key Length attribute mandatory */
	IKE_ENCR_AES_CTR           = 13, /* RFC 5930 */
	IKE_ENCR_AES_CCM_8         = 14, /* RFC 4309, RFC 5282 */
	IKE_ENCR_AES_CCM_12        = 15,
	IKE_ENCR_AES_CCM_16        = 16,
	IKE_ENCR_AES_GCM_8         = 18, /* RFC 4106, RFC 5282 */
	IKE_ENCR_AES_GCM_12        = 19,
	IKE_ENCR_AES_GCM_16        = 20,
	IKE_ENCR_NULL_AUTH_AES_GMAC = 21, /* RFC 4543 */
	IKE_ENCR_CAMELLIA_CBC      = 23, /* RFC 5529 */
	IKE_ENCR_CAMELLIA_CTR      = 24,
	IKE_ENCR_CAMELLIA_CCM_8    = 25,
	IKE_ENCR_CAMELLIA_CCM_12   = 26,
	IKE_ENCR_CAMELLIA_CCM_16   = 27,
	IKE_ENCR_CHACHA20_POLY1305 = 28, /* RFC 7634 */
	IKE_ENCR_AES_CCM_8_IIV     = 29, /* RFC 8750, ESP only */
	IKE_ENCR_AES_GCM_16_IIV    = 30,
	IKE_ENCR_CHACHA20_POLY1305_IIV = 31,
};

/* Transform type 2 IDs: PRF (RFC 7296 §3.3.2; RFC 4868; RFC 4615). */
enum ike_prf_id {
	IKE_PRF_HMAC_MD5      = 1,
	IKE_PRF_HMAC_SHA1     = 2,
	IKE_PRF_HMAC_TIGER    = 3,
	IKE_PRF_AES128_XCBC   = 4,
	IKE_PRF_HMAC_SHA2_256 = 5,
	IKE_PRF_HMAC_SHA2_384 = 6,
	IKE_PRF_HMAC_SHA2_512 = 7,
	IKE_PRF_AES128_CMAC   = 8,
};

/* Transform type 3 IDs: integrity, "AUTH_*" in the registry (RFC 7296 §3.3.2;
 * RFC 4868; RFC 4543). */
enum ike_integ_id {
	IKE_INTEG_NONE              = 0,
	IKE_INTEG_HMAC_MD5_96       = 1,
	IKE_INTEG_HMAC_SHA1_96      = 2,
	IKE_INTEG_DES_MAC           = 3,
	IKE_INTEG_KPDK_MD5          = 4,
	IKE_INTEG_AES_XCBC_96       = 5,
	IKE_INTEG_HMAC_MD5_128      = 6,
	IKE_INTEG_HMAC_SHA1_160     = 7,
	IKE_INTEG_AES_CMAC_96       = 8,
	IKE_INTEG_AES_128_GMAC      = 9,
	IKE_INTEG_AES_192_GMAC      = 10,
	IKE_INTEG_AES_256_GMAC      = 11,
	IKE_INTEG_HMAC_SHA2_256_128 = 12,
	IKE_INTEG_HMAC_SHA2_384_192 = 13,
	IKE_INTEG_HMAC_SHA2_512_256 = 14,
};

/*
 * Transform types 4 and 6..12 IDs: key exchange methods (RFC 7296 §3.3.2,
 * RFC 3526, RFC 5903, RFC 8031, RFC 9385; ML-KEM from
 * draft-ietf-ipsecme-ikev2-mlkem, IANA-assigned).
 */
enum ike_ke_method {
	IKE_KE_NONE         = 0,
	IKE_KE_MODP768      = 1,
	IKE_KE_MODP1024     = 2,
	IKE_KE_MODP1536     = 5,
	IKE_KE_MODP2048     = 14,
	IKE_KE_MODP3072     = 15,
	IKE_KE_MODP4096     = 16,
	IKE_KE_MODP6144     = 17,
	IKE_KE_MODP8192     = 18,
	IKE_KE_ECP256       = 19,
	IKE_KE_ECP384       = 20,
	IKE_KE_ECP521       = 21,
	IKE_KE_MODP1024_S160 = 22,
	IKE_KE_MODP2048_S224 = 23,
	IKE_KE_MODP2048_S256 = 24,
	IKE_KE_ECP192       = 25,
	IKE_KE_ECP224       = 26,
	IKE_KE_BRAINPOOL224 = 27,
	IKE_KE_BRAINPOOL256 = 28,
	IKE_KE_BRAINPOOL384 = 29,
	IKE_KE_BRAINPOOL512 = 30,
	IKE_KE_CURVE25519   = 31,
	IKE_KE_CURVE448     = 32,
	IKE_KE_GOST3410_2012_256 = 33,
	IKE_KE_GOST3410_2012_512 = 34,
	IKE_KE_ML_KEM_512   = 35,
	IKE_KE_ML_KEM_768   = 36,
	IKE_KE_ML_KEM_1024  = 37,
};

/* Transform type 5 IDs: sequence numbers (RFC 7296; RFC 9838 §9). */
enum ike_esn_id {
	IKE_ESN_NO           = 0, /* 32-bit Sequential Numbers */
	IKE_ESN_YES          = 1, /* Partially Transmitted 64-bit (ESN) */
	IKE_ESN_32BIT_UNSPEC = 2, /* 32-bit Unspecified Numbers, RFC 9838 */
};

/* Transform type 13 IDs (RFC 9838 §9). */
enum ike_kwa_id {
	IKE_KWA_KW_5649_128 = 1,
	IKE_KWA_KW_5649_192 = 2,
	IKE_KWA_KW_5649_256 = 3,
	IKE_KWA_KW_ARX      = 4,
};

/* Transform type 14 IDs (RFC 9838 §9). */
enum ike_gcauth_id {
	IKE_GCAUTH_IMPLICIT          = 1,
	IKE_GCAUTH_DIGITAL_SIGNATURE = 2,
};

/* Transform attribute types (RFC 7296 §3.3.5; RFC 9838 §9). */
enum ike_attr_type {
	IKE_ATTR_KEY_LENGTH = 14,              /* TV, key length in bits */
	IKE_ATTR_SIGNATURE_ALGORITHM_ID = 18,  /* TLV, RFC 9838 */
};

enum ike_attr_format {
	IKE_ATTR_AF = 0x8000, /* set: TV (2-octet value in the length field) */
	IKE_ATTR_TYPE_MASK = 0x7fff,
};

/* ---------------------------------------------------------------------- */
/* Identification types (RFC 7296 §3.5; RFC 4595; RFC 7619)              */
/* ---------------------------------------------------------------------- */
enum ike_id_type {
	IKE_ID_IPV4_ADDR     = 1,
	IKE_ID_FQDN          = 2,
	IKE_ID_RFC822_ADDR   = 3,
	IKE_ID_IPV6_ADDR     = 5,
	IKE_ID_DER_ASN1_DN   = 9,
	IKE_ID_DER_ASN1_GN   = 10,
	IKE_ID_KEY_ID        = 11,
	IKE_ID_FC_NAME       = 12,
	IKE_ID_NULL          = 13, /* RFC 7619 */
};

/* Certificate encodings (RFC 7296 §3.6; RFC 4806; RFC 7670). */
enum ike_cert_encoding {
	IKE_CERT_PKCS7_X509          = 1,
	IKE_CERT_PGP                 = 2,
	IKE_CERT_DNS_SIGNED_KEY      = 3,
	IKE_CERT_X509_SIGNATURE      = 4,
	IKE_CERT_KERBEROS_TOKEN      = 6,
	IKE_CERT_CRL                 = 7,
	IKE_CERT_ARL                 = 8,
	IKE_CERT_SPKI                = 9,
	IKE_CERT_X509_ATTRIBUTE      = 10,
	IKE_CERT_RAW_RSA_KEY         = 11,
	IKE_CERT_HASH_URL_X509_CERT  = 12,
	IKE_CERT_HASH_URL_X509_BUNDLE = 13,
	IKE_CERT_OCSP_CONTENT        = 14, /* RFC 4806 */
	IKE_CERT_RAW_PUBLIC_KEY      = 15, /* RFC 7670 */
};

/* Authentication methods (RFC 7296 §3.8; RFC 4754; RFC 6467; RFC 7619; RFC 7427). */
enum ike_auth_method {
	IKE_AUTH_RSA_DIGITAL_SIGNATURE = 1,
	IKE_AUTH_SHARED_KEY_MIC        = 2,
	IKE_AUTH_DSS_DIGITAL_SIGNATURE = 3,
	IKE_AUTH_ECDSA_SHA256_P256     = 9,
	IKE_AUTH_ECDSA_SHA384_P384     = 10,
	IKE_AUTH_ECDSA_SHA512_P521     = 11,
	IKE_AUTH_GENERIC_SECURE_PASSWORD = 12,
	IKE_AUTH_NULL                  = 13,
	IKE_AUTH_DIGITAL_SIGNATURE     = 14, /* RFC 7427 */
};

/* Hash algorithms for SIGNATURE_HASH_ALGORITHMS (RFC 7427 §4; RFC 8420). */
enum ike_hash_alg {
	IKE_HASH_SHA1     = 1,
	IKE_HASH_SHA2_256 = 2,
	IKE_HASH_SHA2_384 = 3,
	IKE_HASH_SHA2_512 = 4,
	IKE_HASH_IDENTITY = 5, /* RFC 8420 */
};

/* ---------------------------------------------------------------------- */
/* Notify message types (RFC 7296 §3.10.1 and the RFCs cited)              */
/* ---------------------------------------------------------------------- */
#define IKE_NOTIFY_TYPES(X)                                             \
	/* Errors, 0..16383 */                                          \
	X(UNSUPPORTED_CRITICAL_PAYLOAD,      1)                         \
	X(INVALID_IKE_SPI,                   4)                         \
	X(INVALID_MAJOR_VERSION,             5)                         \
	X(INVALID_SYNTAX,                    7)                         \
	X(INVALID_MESSAGE_ID,                9)                         \
	X(INVALID_SPI,                       11)                        \
	X(NO_PROPOSAL_CHOSEN,                14)                        \
	X(INVALID_KE_PAYLOAD,                17)                        \
	X(AUTHENTICATION_FAILED,             24)                        \
	X(SINGLE_PAIR_REQUIRED,              34)                        \
	X(NO_ADDITIONAL_SAS,                 35)                        \
	X(INTERNAL_ADDRESS_FAILURE,          36)                        \
	X(FAILED_CP_REQUIRED,                37)                        \
	X(TS_UNACCEPTABLE,                   38)                        \
	X(INVALID_SELECTORS,                 39)                        \
	X(UNACCEPTABLE_ADDRESSES,            40) /* RFC 4555 */         \
	X(UNEXPECTED_NAT_DETECTED,           41) /* RFC 4555 */         \
	X(USE_ASSIGNED_HoA,                  42) /* RFC 5026 */         \
	X(TEMPORARY_FAILURE,                 43)                        \
	X(CHILD_SA_NOT_FOUND,                44)                        \
	X(INVALID_GROUP_ID,                  45) /* RFC 9838 */         \
	X(AUTHORIZATION_FAILED,              46) /* RFC 9838 */         \
	X(STATE_NOT_FOUND,                   47) /* RFC 9370 */         \
	X(TS_MAX_QUEUE,                      48) /* RFC 9611 */         \
	X(REGISTRATION_FAILED,               49) /* RFC 9838 */         \
	/* Status, 16384..40959 */                                      \
	X(INITIAL_CONTACT,                   16384)                     \
	X(SET_WINDOW_SIZE,                   16385)                     \
	X(ADDITIONAL_TS_POSSIBLE,            16386)                     \
	X(IPCOMP_SUPPORTED,                  16387)                     \
	X(NAT_DETECTION_SOURCE_IP,           16388)                     \
	X(NAT_DETECTION_DESTINATION_IP,      16389)                     \
	X(COOKIE,                            16390)                     \
	X(USE_TRANSPORT_MODE,                16391)                     \
	X(HTTP_CERT_LOOKUP_SUPPORTED,        16392)                     \
	X(REKEY_SA,                          16393)                     \
	X(ESP_TFC_PADDING_NOT_SUPPORTED,     16394)                     \
	X(NON_FIRST_FRAGMENTS_ALSO,          16395)                     \
	X(MOBIKE_SUPPORTED,                  16396) /* RFC 4555 */      \
	X(ADDITIONAL_IP4_ADDRESS,            16397)                     \
	X(ADDITIONAL_IP6_ADDRESS,            16398)                     \
	X(NO_ADDITIONAL_ADDRESSES,           16399)                     \
	X(UPDATE_SA_ADDRESSES,               16400)                     \
	X(COOKIE2,                           16401)                     \
	X(NO_NATS_ALLOWED,                   16402)                     \
	X(AUTH_LIFETIME,                     16403) /* RFC 4478 */      \
	X(MULTIPLE_AUTH_SUPPORTED,           16404) /* RFC 4739 */      \
	X(ANOTHER_AUTH_FOLLOWS,              16405)                     \
	X(REDIRECT_SUPPORTED,                16406) /* RFC 5685 */      \
	X(REDIRECT,                          16407)                     \
	X(REDIRECTED_FROM,                   16408)                     \
	X(TICKET_LT_OPAQUE,                  16409) /* RFC 5723 */      \
	X(TICKET_REQUEST,                    16410)                     \
	X(TICKET_ACK,                        16411)                     \
	X(TICKET_NACK,                       16412)                     \
	X(TICKET_OPAQUE,                     16413)                     \
	X(LINK_ID,                           16414) /* RFC 5739 */      \
	X(USE_WESP_MODE,                     16415) /* RFC 5840 */      \
	X(ROHC_SUPPORTED,                    16416) /* RFC 5857 */      \
	X(EAP_ONLY_AUTHENTICATION,           16417) /* RFC 5998 */      \
	X(CHILDLESS_IKEV2_SUPPORTED,         16418) /* RFC 6023 */      \
	X(QUICK_CRASH_DETECTION,             16419) /* RFC 6290 */      \
	X(IKEV2_MESSAGE_ID_SYNC_SUPPORTED,   16420) /* RFC 6311 */      \
	X(IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED, 16421)                   \
	X(IKEV2_MESSAGE_ID_SYNC,             16422)                     \
	X(IPSEC_REPLAY_COUNTER_SYNC,         16423)                     \
	X(SECURE_PASSWORD_METHODS,           16424) /* RFC 6467 */      \
	X(PSK_PERSIST,                       16425) /* RFC 6631 */      \
	X(PSK_CONFIRM,                       16426)                     \
	X(ERX_SUPPORTED,                     16427) /* RFC 6867 */      \
	X(IFOM_CAPABILITY,                   16428)                     \
	X(GROUP_SENDER,                      16429) /* RFC 9838 */      \
	X(IKEV2_FRAGMENTATION_SUPPORTED,     16430) /* RFC 7383 */      \
	X(SIGNATURE_HASH_ALGORITHMS,         16431) /* RFC 7427 */      \
	X(CLONE_IKE_SA_SUPPORTED,            16432) /* RFC 7791 */      \
	X(CLONE_IKE_SA,                      16433)                     \
	X(PUZZLE,                            16434) /* RFC 8019 */      \
	X(USE_PPK,                           16435) /* RFC 8784 */      \
	X(PPK_IDENTITY,                      16436)                     \
	X(NO_PPK_AUTH,                       16437)                     \
	X(INTERMEDIATE_EXCHANGE_SUPPORTED,   16438) /* RFC 9242 */      \
	X(IP4_ALLOWED,                       16439) /* RFC 8983 */      \
	X(IP6_ALLOWED,                       16440)                     \
	X(ADDITIONAL_KEY_EXCHANGE,           16441) /* RFC 9370 */      \
	X(USE_AGGFRAG,                       16442) /* RFC 9347 */      \
	X(SUPPORTED_AUTH_METHODS,            16443) /* RFC 9593 */      \
	X(SA_RESOURCE_INFO,                  16444) /* RFC 9611 */      \
	X(USE_PPK_INT,                       16445) /* RFC 9867 */      \
	X(PPK_IDENTITY_KEY,                  16446)

enum ike_notify_type {
#define X(name, val) IKE_N_##name = val,
	IKE_NOTIFY_TYPES(X)
#undef X
	IKE_N_ERROR_MAX    = 16383, /* 0..16383: errors (RFC 7296 §3.10.1) */
	IKE_N_STATUS_FIRST = 16384,
};

/* RFC 5685 §4: gateway identity types in REDIRECT / REDIRECTED_FROM. */
enum ike_gw_ident_type {
	IKE_GW_IPV4 = 1,
	IKE_GW_IPV6 = 2,
	IKE_GW_FQDN = 3,
};

/* RFC 8784 §5.1: PPK_ID types. */
enum ike_ppk_id_type {
	IKE_PPK_ID_OPAQUE = 1,
	IKE_PPK_ID_FIXED  = 2,
};

/* ---------------------------------------------------------------------- */
/* Traffic selector types (RFC 7296 §3.13.1; RFC 4595; RFC 9478)          */
/* ---------------------------------------------------------------------- */
enum ike_ts_type {
	IKE_TS_IPV4_ADDR_RANGE = 7,
	IKE_TS_IPV6_ADDR_RANGE = 8,
	IKE_TS_FC_ADDR_RANGE   = 9,
	IKE_TS_SECLABEL        = 10, /* RFC 9478 */
};

/* ---------------------------------------------------------------------- */
/* Configuration payload (RFC 7296 §3.15; RFC 8598; RFC 9464)             */
/* ---------------------------------------------------------------------- */
enum ike_cfg_type {
	IKE_CFG_REQUEST = 1,
	IKE_CFG_REPLY   = 2,
	IKE_CFG_SET     = 3,
	IKE_CFG_ACK     = 4,
};

enum ike_cp_attr_type {
	IKE_CP_INTERNAL_IP4_ADDRESS  = 1,
	IKE_CP_INTERNAL_IP4_NETMASK  = 2,
	IKE_CP_INTERNAL_IP4_DNS      = 3,
	IKE_CP_INTERNAL_IP4_NBNS     = 4,
	IKE_CP_INTERNAL_IP4_DHCP     = 6,
	IKE_CP_APPLICATION_VERSION   = 7,
	IKE_CP_INTERNAL_IP6_ADDRESS  = 8,
	IKE_CP_INTERNAL_IP6_DNS      = 10,
	IKE_CP_INTERNAL_IP6_DHCP     = 12,
	IKE_CP_INTERNAL_IP4_SUBNET   = 13,
	IKE_CP_SUPPORTED_ATTRIBUTES  = 14,
	IKE_CP_INTERNAL_IP6_SUBNET   = 15,
	IKE_CP_INTERNAL_DNS_DOMAIN   = 25, /* RFC 8598 */
	IKE_CP_INTERNAL_DNSSEC_TA    = 26, /* RFC 8598 */
	IKE_CP_ENCDNS_IP4            = 27, /* RFC 9464 */
	IKE_CP_ENCDNS_IP6            = 28,
	IKE_CP_ENCDNS_DIGEST_INFO    = 29,
	IKE_CP_ATTR_TYPE_MASK        = 0x7fff, /* the top bit is R (reserved) */
};

/* ---------------------------------------------------------------------- */
/* Fixed wire headers                                                      */
/* ---------------------------------------------------------------------- */

/* An SPI (or any 64-bit value) in network order. */
static inline void ike_be64(uint64_t v, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

/* RFC 7296 §3.1, Figure 4. */
struct ike_wire_hdr {
	uint8_t  spi_i[8];
	uint8_t  spi_r[8];
	uint8_t  next_payload;
	uint8_t  version;       /* MjVer << 4 | MnVer */
	uint8_t  exchange_type;
	uint8_t  flags;
	uint32_t message_id;
	uint32_t length;        /* whole message, header included */
};
static_assert(sizeof(struct ike_wire_hdr) == 28, "IKE header is 28 octets");

/* RFC 7296 §3.2, Figure 5. */
struct ike_wire_gen {
	uint8_t  next_payload;
	uint8_t  flags;         /* C bit + 7 reserved bits */
	uint16_t length;        /* payload length, this header included */
};
static_assert(sizeof(struct ike_wire_gen) == 4, "generic payload header is 4 octets");

/* RFC 7296 §3.3.1, Figure 7 (SPI and transforms follow). */
struct ike_wire_proposal {
	uint8_t  last;
	uint8_t  reserved;
	uint16_t length;
	uint8_t  num;
	uint8_t  protocol_id;
	uint8_t  spi_size;
	uint8_t  num_transforms;
};
static_assert(sizeof(struct ike_wire_proposal) == 8, "proposal header is 8 octets");

/* RFC 7296 §3.3.2, Figure 8 (attributes follow). */
struct ike_wire_transform {
	uint8_t  last;
	uint8_t  reserved1;
	uint16_t length;
	uint8_t  type;
	uint8_t  reserved2;
	uint16_t id;
};
static_assert(sizeof(struct ike_wire_transform) == 8, "transform header is 8 octets");

/* RFC 7296 §3.3.5, Figure 9 (TLV value follows when AF = 0). */
struct ike_wire_attr {
	uint16_t af_type;
	uint16_t length_or_value;
};
static_assert(sizeof(struct ike_wire_attr) == 4, "transform attribute is 4 octets");

/* RFC 7296 §3.4, Figure 10. */
struct ike_wire_ke {
	uint16_t group;
	uint16_t reserved;
};
static_assert(sizeof(struct ike_wire_ke) == 4, "KE header is 4 octets");

/* RFC 7296 §3.5, Figure 11. */
struct ike_wire_id {
	uint8_t  type;
	uint8_t  reserved[3];
};
static_assert(sizeof(struct ike_wire_id) == 4, "ID header is 4 octets");

/* RFC 7296 §3.6, §3.7, Figures 12 and 13. */
struct ike_wire_cert {
	uint8_t  encoding;
};
static_assert(sizeof(struct ike_wire_cert) == 1, "CERT header is 1 octet");

/* RFC 7296 §3.8, Figure 14. */
struct ike_wire_auth {
	uint8_t  method;
	uint8_t  reserved[3];
};
static_assert(sizeof(struct ike_wire_auth) == 4, "AUTH header is 4 octets");

/* RFC 7296 §3.10, Figure 16 (SPI and data follow). */
struct ike_wire_notify {
	uint8_t  protocol_id;
	uint8_t  spi_size;
	uint16_t type;
};
static_assert(sizeof(struct ike_wire_notify) == 4, "notify header is 4 octets");

/* RFC 7296 §3.11, Figure 17 (SPIs follow). */
struct ike_wire_delete {
	uint8_t  protocol_id;
	uint8_t  spi_size;
	uint16_t num_spis;
};
static_assert(sizeof(struct ike_wire_delete) == 4, "delete header is 4 octets");

/* RFC 7296 §3.13, Figure 19. */
struct ike_wire_ts_hdr {
	uint8_t  num_ts;
	uint8_t  reserved[3];
};
static_assert(sizeof(struct ike_wire_ts_hdr) == 4, "TS payload header is 4 octets");

/* RFC 7296 §3.13.1, Figure 20: common head of every TS substructure. */
struct ike_wire_ts_head {
	uint8_t  type;
	uint8_t  ip_protocol;   /* "Reserved" for TS_SECLABEL, RFC 9478 §2.1 */
	uint16_t length;        /* selector length, this head included */
};
static_assert(sizeof(struct ike_wire_ts_head) == 4, "TS substructure head is 4 octets");

/* RFC 7296 §3.13.1, Figure 20: address-range selector before the addresses. */
struct ike_wire_ts {
	uint8_t  type;
	uint8_t  ip_protocol;
	uint16_t length;
	uint16_t start_port;
	uint16_t end_port;
};
static_assert(sizeof(struct ike_wire_ts) == 8, "TS substructure is 8 octets + addresses");

/* RFC 7383 §2.5, Figure 2 (after the generic header). */
struct ike_wire_skf {
	uint16_t fragment_number;
	uint16_t total_fragments;
};
static_assert(sizeof(struct ike_wire_skf) == 4, "SKF header is 4 octets");

/* RFC 7296 §3.15, Figure 23. */
struct ike_wire_cp {
	uint8_t  cfg_type;
	uint8_t  reserved[3];
};
static_assert(sizeof(struct ike_wire_cp) == 4, "CP header is 4 octets");

/* RFC 7296 §3.15.1, Figure 24. */
struct ike_wire_cp_attr {
	uint16_t r_type;
	uint16_t length;
};
static_assert(sizeof(struct ike_wire_cp_attr) == 4, "CP attribute header is 4 octets");

enum ike_wire_len {
	IKE_HDR_LEN       = sizeof(struct ike_wire_hdr),
	IKE_GEN_HDR_LEN   = sizeof(struct ike_wire_gen),
	IKE_TS4_LEN       = sizeof(struct ike_wire_ts) + 2 * 4,  /* 16 */
	IKE_TS6_LEN       = sizeof(struct ike_wire_ts) + 2 * 16, /* 40 */
	IKE_NONCE_MIN     = 16,  /* RFC 7296 §3.9 */
	IKE_NONCE_MAX     = 256,
	IKE_COOKIE_MAX    = 64,  /* RFC 7296 §2.6 */
};

/* Name tables for logs: "UNKNOWN" for values outside the tables. */
const char *ike_exchange_name(int type);
const char *ike_payload_name(int type);
const char *ike_notify_name(int type);

#endif /* ESPRIT_IKE_WIRE_H */
