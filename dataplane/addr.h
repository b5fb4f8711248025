/* SPDX-License-Identifier: BSD-3-Clause */
/** @file IPv4/IPv6 addresses and prefixes shared by SAs, policies and routes. */
#ifndef ESPRIT_DATAPLANE_ADDR_H
#define ESPRIT_DATAPLANE_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <rte_byteorder.h>

/** An IP address. IPv4 lives in the first 4 octets, network order. */
struct esp_addr {
	uint8_t family; /**< AF_INET, AF_INET6, or 0 for "none" */
	uint8_t bytes[16];
};

static inline unsigned esp_addr_len(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

static inline bool esp_addr_eq(const struct esp_addr *a, const struct esp_addr *b)
{
	return a->family == b->family &&
	       memcmp(a->bytes, b->bytes, esp_addr_len(a->family)) == 0;
}

/** True when the first @p plen bits of @p a and @p b agree. */
static inline bool esp_prefix_match(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return ((a[full] ^ b[full]) & mask) == 0;
}

/**
 * The same as masked word compares, for the per-packet path (FIB, SPD):
 * IPv4 reads only the 4 address octets.
 */
static inline bool esp_prefix_match_af(const uint8_t *a, const uint8_t *b, unsigned plen,
				       uint8_t family)
{
	if (family == AF_INET) {
		uint32_t x, y, m;

		if (plen == 0)
			return true;
		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		m = plen >= 32 ? UINT32_MAX : ~(UINT32_MAX >> plen);
		return ((rte_be_to_cpu_32(x) ^ rte_be_to_cpu_32(y)) & m) == 0;
	}
	uint64_t x[2], y[2], mh, ml;

	memcpy(x, a, 16);
	memcpy(y, b, 16);
	mh = plen >= 64 ? UINT64_MAX : plen == 0 ? 0 : ~(UINT64_MAX >> plen);
	ml = plen >= 128 ? UINT64_MAX : plen <= 64 ? 0 : ~(UINT64_MAX >> (plen - 64));
	return ((rte_be_to_cpu_64(x[0]) ^ rte_be_to_cpu_64(y[0])) & mh) == 0 &&
	       ((rte_be_to_cpu_64(x[1]) ^ rte_be_to_cpu_64(y[1])) & ml) == 0;
}

/** Parse "a.b.c.d", "x::y", optionally with "/len". 0 or -EINVAL. */
int esp_addr_parse(const char *s, struct esp_addr *addr, uint8_t *plen);
/** Format into @p buf (at least 64 octets); returns @p buf. */
const char *esp_addr_fmt(const struct esp_addr *addr, char *buf, size_t len);

#endif
