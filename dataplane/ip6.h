/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The IPv6 extension headers that come before ESP (RFC 8200 §4.1, RFC 4303
 * §3.1.1), for the classifier (where is the ESP header?) and the
 * transforms in transport mode (where does ESP go, which next header field
 * names it?).
 */
#ifndef ESPRIT_DATAPLANE_IP6_H
#define ESPRIT_DATAPLANE_IP6_H

#include <stdint.h>

enum {
	IP6_HDR_LEN = 40,
	IP6_HOPOPTS = 0,
	IP6_ROUTING = 43,
	IP6_DSTOPTS = 60,
	IP6_EXT_MAX = 8,   /* more than this many in a row is not a packet we take */
};

/*
 * Walk the hop-by-hop, routing and destination options headers after the
 * IPv6 header at @p p (@p len octets of packet). Returns the offset of the
 * first other header (the upper layer, ESP, AH or a fragment header) and,
 * in *nh_off, where the next header field naming it is; -1 if a header
 * runs past @p len or there are more than IP6_EXT_MAX. Simplified from
 * RFC 4303 §3.1.1: every destination options header counts as in front.
 */
static inline int ip6_skip_opts(const uint8_t *p, uint32_t len, uint32_t *nh_off)
{
	uint32_t off = IP6_HDR_LEN, field = 6;
	uint8_t nh = p[6];

	for (int i = 0; i < IP6_EXT_MAX; i++) {
		if (nh != IP6_HOPOPTS && nh != IP6_ROUTING && nh != IP6_DSTOPTS) {
			*nh_off = field;
			return (int)off;
		}
		if (len < off || len - off < 2)
			return -1;
		uint32_t elen = ((uint32_t)p[off + 1] + 1) * 8;
		if (len - off < elen)
			return -1;
		field = off;
		nh = p[off];
		off += elen;
	}
	return -1;
}

#endif
