/* SPDX-License-Identifier: BSD-3-Clause */
/** @file Test packets and SA parameters. */
#ifndef ESPRIT_TESTS_DATAPLANE_PKT_HELPER_H
#define ESPRIT_TESTS_DATAPLANE_PKT_HELPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/sa.h"
#include "dataplane/xform.h"

/** IPv4 + UDP + @p plen octets of pattern; returns the length. */
size_t test_ip4_udp(uint8_t *buf, const char *src, const char *dst, uint16_t sport,
		    uint16_t dport, size_t plen, uint8_t tos, bool df);
/** IPv6 + UDP + @p plen octets of pattern; returns the length. */
size_t test_ip6_udp(uint8_t *buf, const char *src, const char *dst, uint16_t sport,
		    uint16_t dport, size_t plen, uint8_t tclass);
/** Recompute the IPv4 header checksum of @p ip. */
void test_ip4_cksum(uint8_t *ip);

/**
 * Fill @p p with a working SA: fixed key and salt, SPI 0x1000, the
 * tunnel addresses 192.0.2.1 <-> 192.0.2.2 (or 2001:db8::1/2) seen from
 * @p dir, NAT-T ports 4500, replay window 64, selectors "any", no lifetime.
 */
void test_sa_params(struct esp_sa_params *p, enum esp_dir dir, enum esp_mode mode,
		    enum esp_cipher cipher, uint32_t flags, uint8_t outer_af);

/** Set ESP layout fields of an inbound mbuf from its outer headers. */
void test_in_layout(struct rte_mbuf *m);

#endif
