/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Why a packet was dropped. One X-macro gives the enum and the names that
 * espritctl, telemetry and the tests print; every drop is counted under
 * exactly one of these, per worker and (where an SA is known) per SA.
 */
#ifndef ESPRIT_DATAPLANE_DROP_H
#define ESPRIT_DATAPLANE_DROP_H

#define ESP_DROP_REASONS(X)                                                   \
	X(RUNT,          "runt")          /* shorter than its headers say */  \
	X(BAD_L3,        "bad_l3")        /* malformed IP header */           \
	X(NO_SA,         "no_sa")         /* unknown inbound SPI */           \
	X(SA_DST,        "sa_dst")        /* SPI known, wrong destination */  \
	X(SA_EXPIRED,    "sa_expired")    /* hard lifetime reached */         \
	X(REPLAY,        "replay")        /* already seen */                  \
	X(TOO_OLD,       "too_old")       /* left of the replay window */     \
	X(AUTH,          "auth")          /* ICV did not verify */            \
	X(BAD_PAD,       "bad_padding")   /* RFC 4303 §2.4 check failed */    \
	X(BAD_NEXT_HDR,  "bad_next_hdr")  /* not what the SA's mode carries */\
	X(SELECTOR,      "selector")      /* inner packet outside SA's TS */  \
	X(SEQ_OVERFLOW,  "seq_overflow")  /* RFC 4303 §3.3.3: no wrap */      \
	X(TOO_BIG,       "too_big")       /* over the egress MTU, DF set */   \
	X(NO_HEADROOM,   "no_headroom")   /* mbuf cannot grow */              \
	X(NO_ROUTE,      "no_route")                                          \
	X(NO_NEIGH,      "no_neighbor")   /* next hop not resolved yet */     \
	X(TTL,           "ttl")           /* TTL / hop limit exhausted */     \
	X(SPD_DISCARD,   "spd_discard")   /* policy says discard */           \
	X(SPD_NOMATCH,   "spd_nomatch")   /* no policy: default discard */    \
	X(NOT_ESP,       "not_esp")       /* local traffic nobody handles */  \
	X(LABEL,         "label")         /* no label mapping for egress */   \
	X(PUNT_FULL,     "punt_full")     /* control thread ring full */      \
	X(HANDOFF_FULL,  "handoff_full")  /* owner worker ring full */        \
	X(TX_FULL,       "tx_full")       /* NIC TX queue full */             \
	X(DUMMY,         "dummy")         /* RFC 4303 next header 59 */

enum esp_drop {
#define ESP_DROP_ENUM(name, str) ESP_DROP_##name,
	ESP_DROP_REASONS(ESP_DROP_ENUM)
#undef ESP_DROP_ENUM
	ESP_DROP_MAX
};

/** Printable name of a drop reason ("auth", "replay", ...). */
const char *esp_drop_name(enum esp_drop reason);

#endif
