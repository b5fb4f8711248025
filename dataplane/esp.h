/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ESP wire formats, limits and IANA code points (RFC 4303, RFC 3948,
 * RFC 4106, RFC 7634, RFC 8750). One header per wire format: every struct
 * here is big-endian on the wire and its size is pinned.
 */
#ifndef ESPRIT_DATAPLANE_ESP_H
#define ESPRIT_DATAPLANE_ESP_H

#include <assert.h>
#include <stdint.h>
#include <rte_byteorder.h>

/** RFC 4303 §2: SPI and Sequence Number start every ESP packet. */
struct esp_hdr {
	rte_be32_t spi;
	rte_be32_t seq;
} __attribute__((packed));
static_assert(sizeof(struct esp_hdr) == 8, "ESP header is 8 octets");

/** RFC 4303 §2.4-2.6: the two octets that end the encrypted payload. */
struct esp_tail {
	uint8_t pad_len;
	uint8_t next_hdr;
} __attribute__((packed));
static_assert(sizeof(struct esp_tail) == 2, "ESP trailer is 2 octets");

/** RFC 3948 §2.2: UDP header of ESP-in-UDP (no non-ESP marker). */
struct esp_udp_hdr {
	rte_be16_t sport;
	rte_be16_t dport;
	rte_be16_t len;
	rte_be16_t cksum;
} __attribute__((packed));
static_assert(sizeof(struct esp_udp_hdr) == 8, "UDP header is 8 octets");

enum esp_limits {
	ESP_IV_LEN = 8,          /**< explicit IV, RFC 4106 §3.1 / RFC 7634 §2 */
	ESP_SALT_LEN = 4,        /**< last 4 octets of KEYMAT */
	ESP_ICV_LEN = 16,        /**< 16-octet ICV for every AEAD we run */
	ESP_NONCE_LEN = 12,      /**< salt || IV */
	ESP_AAD_MAX = 12,        /**< SPI || ESN(64) */
	ESP_PAD_ALIGN = 4,       /**< RFC 4303 §2.4: payload ends 4-aligned */
	ESP_REPLAY_MIN = 64,
	ESP_REPLAY_MAX = 4096,
	ESP_NON_ESP_MARKER_LEN = 4, /**< RFC 3948 §2.2: zero SPI means IKE */
	ESP_SPI_MIN = 256,       /**< RFC 4303 §2.1: 1..255 are reserved */
};

/** Well-known ports (RFC 7296 §2, RFC 3948). */
enum esp_port {
	IKE_UDP_PORT = 500,
	IKE_NATT_UDP_PORT = 4500,
};

/** IANA "Transform Type 1 - Encryption Algorithm" IDs used by ESP here. */
enum esp_encr_id {
	ENCR_AES_GCM_16 = 20,           /**< RFC 4106 */
	ENCR_CHACHA20_POLY1305 = 28,    /**< RFC 7634 */
	ENCR_AES_GCM_16_IIV = 30,       /**< RFC 8750 */
	ENCR_CHACHA20_POLY1305_IIV = 31,/**< RFC 8750 */
};

/** IP protocol numbers met in classification. */
enum esp_ipproto {
	ESP_IPPROTO_ICMP = 1,
	ESP_IPPROTO_IPIP = 4,
	ESP_IPPROTO_TCP = 6,
	ESP_IPPROTO_UDP = 17,
	ESP_IPPROTO_IPV6 = 41,
	ESP_IPPROTO_ESP = 50,
	ESP_IPPROTO_ICMPV6 = 58,
	ESP_IPPROTO_NONE = 59,  /**< RFC 4303 §2.6: dummy packet */
};

#endif
