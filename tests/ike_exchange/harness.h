/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Two IKE engines in one process: a mock network (a queue of datagrams
 * the test delivers, drops, duplicates or reorders by hand), one clock
 * and deterministic RNGs, and a mock SA driver per side.
 */
#ifndef ESPRIT_TESTS_IKE_EXCHANGE_HARNESS_H
#define ESPRIT_TESTS_IKE_EXCHANGE_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "control/ike/ike.h"
#include "drivers/ipsec_mock.h"
#include "tests/check_run.h" /* check_run: each test program's main() */

enum { NET_MAX = 64, PKT_MAX = 8192 };

struct pkt {
	struct ike_addr from, to;
	size_t len;
	uint8_t buf[PKT_MAX];
};

struct peer {
	const char *name;
	struct ike_engine *e;
	struct drv_ipsec *drv;
	struct ike_addr addr;
	uint64_t rng;
	unsigned sent;
	unsigned keepalives;
	/* Key log lines (ops->keylog) per enum ike_keylog_table, appended. */
	char keylog[2][4096];
	unsigned n_keylog[2];
	/* Lifetime events of SAs the engine did not install (ops->foreign_event). */
	struct esp_event foreign[8];
	unsigned n_foreign;
};

struct net {
	unsigned n;
	struct pkt q[NET_MAX];
	uint64_t now;
	struct peer a, b;
	bool verbose;
	uint16_t frag_size;   /* engine cfg for the next net_setup, 0 = default */
	unsigned max_sas;     /* engine cfg for the next net_setup/peer_engine, 0 = default */
	bool no_keylog;       /* engines of the next net_setup/peer_engine log no keys */
	uint16_t workers_a, workers_b; /* engine cfg.workers of the next net_setup (0: 1) */
	/* A behind a NAPT when non-zero: A's datagrams leave from port nat_a
	 * (sent from 500) or nat_a + 1 (from 4500); datagrams to those ports
	 * reach A, to any other port of A are dropped (no mapping). Changing
	 * it is a NAT reboot. */
	uint16_t nat_a;
	unsigned nat_dropped;
};

extern struct net net;

/* A = 192.0.2.1, B = 192.0.2.2; engines with mock drivers, B's SPIs
 * differ from A's. cookie_threshold for B. */
void net_setup(unsigned cookie_threshold);
void net_teardown(void);
/* A new engine for @p p (its driver must exist), e.g. after a "reboot". */
struct ike_engine *peer_engine(struct peer *p, unsigned cookie_threshold);
struct mock_drv *mock_of(struct peer *p);

/* A PSK connection "gw" from p to its peer, child "net" 10.x/24 <-> 10.y/24. */
void conn_psk(struct ike_conn *c, const struct peer *self, const struct peer *other,
	      const char *psk, const char *ike, const char *esp);
void conn_set_ts(struct ike_conn *c, unsigned child, const char *local, const char *remote);

/* Queue ops. */
bool net_deliver(void);        /* first datagram to its engine; false if empty */
unsigned net_deliver_all(void);
void net_drop(unsigned i);     /* drop the i-th queued datagram */
void net_dup(unsigned i);      /* append a copy of the i-th */
uint8_t net_exch(unsigned i);  /* exchange type of the i-th */
bool net_is_response(unsigned i);
void net_advance(uint64_t ms); /* clock forward, tick both engines */
/* The head of the queue is @p exch (request or response): deliver it,
 * all its fragments. */
void net_step(uint8_t exch, bool response);
/* A whole exchange @p exch: its request at the head of the queue, then
 * the response (net_step each). */
void net_exchange(uint8_t exch);
/* The PSK connections "gw" of A and B (net_setup done) with these proposals. */
void conn_pair(const char *ike_a, const char *ike_b, const char *esp);
/* The same with each side's PSK and ESP proposals. */
void conn_pair_psk(const char *psk_a, const char *psk_b, const char *ike_a, const char *ike_b,
		   const char *esp_a, const char *esp_b);

/* The PSK pair used by most tests ("gw"/"net", IKE_P / ESP_P). */
extern const char *const IKE_P;
extern const char *const ESP_P;
void setup_psk(void);
/* A -> B: IKE_SA_INIT, B -> A, A -> B: IKE_AUTH, B -> A, checked step by step. */
void establish(void);
/* setup_psk and establish, then A's and B's one IKE SA into @p a and @p b
 * (either may be NULL). */
void establish_psk(struct ike_sa **a, struct ike_sa **b);
/* The dataplane reports @p type (ESP_EV_*) for @p p's SA (@p dir, @p spi);
 * the engine sees it at its next tick. */
void mock_event(struct peer *p, uint16_t type, uint16_t dir, uint32_t spi);

/*
 * Opens the queued SK message @p i with the keys @p keys holds for the
 * sender (@p by_initiator: the original initiator), lets @p edit change
 * the inner payloads (and their length), seals it again.
 */
void net_reseal(unsigned i, const struct ike_sa *keys, bool by_initiator,
		size_t (*edit)(uint8_t *inner, size_t len));

/* The inner payloads of (a copy of) queued SK message @p i, sent by
 * @p from (its keys, its role in the IKE SA); @p m points into the copy,
 * valid until the next call. */
struct ike_msg;
void net_open(unsigned i, const struct ike_sa *from, struct ike_msg *m);

/* Check helpers. */
/* Every SA in @p x's driver has a matching reverse SA in @p y's: A's
 * outbound == B's inbound (SPI, cipher, key, salt). Returns pairs found. */
unsigned sa_crosscheck(struct peer *x, struct peer *y);
bool has_sa(struct peer *p, uint32_t spi, int dir);
struct ike_sa *only_sa(struct peer *p);
unsigned children(const struct ike_sa *sa);


#endif
