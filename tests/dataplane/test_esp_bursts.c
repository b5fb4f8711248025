/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_esp_bursts.c - the transforms work on chunks of a burst, making the
 * chunk's AEAD calls after its headers are built (esp_out.c, esp_in.c).
 * Bursts of any length (across the chunk boundary too), with drops
 * anywhere in them, must give exactly what the same packets give one at a
 * time: outbound the same wire octets and the same drops; inbound, over a
 * stream with reordering, replays, forgeries and packets left behind by
 * the window, the same packets accepted in the same order, the same drop
 * counts and the same replay window; with a hard lifetime that ends
 * inside a burst, the same packets after it dropped. For every cipher,
 * with and without ESN (across 2^32) and implicit IV, in tunnel mode over
 * IPv4 and (with ESP-in-UDP, whose IPv6 checksum covers the ciphertext)
 * over IPv6, and in transport mode. Inbound also through esp_in_express(),
 * for the bursts the worker would take the express way: the same again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <check.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/replay.h"
#include "dataplane/sa.h"
#include "dataplane/xform.h"
#include "tests/dataplane/eal_helper.h"
#include "tests/dataplane/pkt_helper.h"
#include "tests/check_run.h"

enum { N_PKTS = 160, N_STREAM = 320, BURST_MAX = 64, WIRE_MAX = 1600 };

static uint32_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift32: the same packets and bursts on every run */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* A packet's octets, or len 0 when it was dropped. */
struct pkt {
	size_t len;
	uint8_t b[WIRE_MAX];
};

struct combo {
	enum esp_cipher cipher;
	uint32_t flags;
	enum esp_mode mode;
	uint8_t outer_af;
	uint64_t hard_out, hard_in;  /* hard packet lifetimes (0: none) */
	uint8_t sel;                 /* a selector of this family (0: any) that
				      * the other family inside fails */
};

/* How run_many() hands inbound bursts of one SA over. */
enum in_way {
	IN_ONE_BY_ONE,
	IN_BURSTS,    /* esp_inbound() */
	IN_EXPRESS,   /* esp_in_express() where the worker would take it */
};

static unsigned express_bursts, express_bursts6, express_mixed, express_sent, express_sent_mixed;
/* forwarded in the pass through an IPv4 selector's compiled check */
static unsigned express_sent_sel4;

static struct esp_sa *sa_make(const struct combo *c, enum esp_dir dir)
{
	struct esp_sa_params p;

	test_sa_params(&p, dir, c->mode, c->cipher, c->flags, c->outer_af);
	/* with ESN, the stream crosses the 2^32 boundary */
	p.seq_start = (c->flags & ESP_SA_F_ESN) ? 0xffffffc0ull : 0;
	/* a lifetime that ends inside a burst: the rest SA_EXPIRED */
	p.hard.packets = dir == ESP_DIR_OUT ? c->hard_out : c->hard_in;
	p.soft.packets = p.hard.packets / 2;
	if (c->sel == AF_INET) {
		/* the inner addresses of clear_pkt()'s IPv4 packets */
		p.sel.family = AF_INET;
		p.sel.src_len = 16;
		p.sel.dst_len = 24;
		memcpy(p.sel.src, "\x0a\x01\x00\x00", 4);
		memcpy(p.sel.dst, "\x0a\x02\x00\x00", 4);
	} else if (c->sel == AF_INET6) {
		/* of its IPv6 packets: fd00:1::/32 to fd00:2::/32 */
		p.sel.family = AF_INET6;
		p.sel.src_len = 32;
		p.sel.dst_len = 32;
		memcpy(p.sel.src, "\xfd\x00\x00\x01", 4);
		memcpy(p.sel.dst, "\xfd\x00\x00\x02", 4);
	}
	struct esp_sa *sa = esp_sa_create(&p, test_mgr());
	ck_assert_ptr_nonnull(sa);
	return sa;
}

/* The i-th clear packet: random length, one in ten not IP (dropped). */
static size_t clear_pkt(uint8_t *b, const struct combo *c)
{
	size_t plen = rnd() % 4 == 0 ? rnd() % 1300 : rnd() % 120;
	size_t len;

	if (c->mode == ESP_MODE_TRANSPORT)
		len = c->outer_af == AF_INET6
			? test_ip6_udp(b, "2001:db8::1", "2001:db8::2", 1, 2, plen, 0)
			: test_ip4_udp(b, "192.0.2.1", "192.0.2.2", 1, 2, plen, 0, false);
	else if (rnd() % 2)   /* one in eight outside the IPv6 selector */
		len = test_ip6_udp(b, "fd00:1::1", rnd() % 8 ? "fd00:2::1" : "fd00:3::1", 1, 2,
				   plen, 0x20);
	else   /* one in eight outside the IPv4 selector: half of those in the
		* /16 of its source's length, not its destination's /24 */
		len = test_ip4_udp(b, "10.1.0.1",
				   rnd() % 8 ? "10.2.0.1" : rnd() % 2 ? "10.3.0.1" : "10.2.1.1", 1, 2,
				   plen, 0x20, rnd() % 2);
	if (rnd() % 10 == 0)
		b[0] = 0x35;   /* BAD_L3 */
	return len;
}

/* Would the worker take these inbound packets of @p sa the express way
 * (worker_express.c, esp_in_express_take(): each an unfragmented IPv4
 * ESP packet of 20 octets of header or an IPv6 one whose next header is
 * ESP, as long as it says, to sa's local address)? */
static bool express_takes(const struct esp_sa *sa, struct rte_mbuf **mb, unsigned k)
{
	bool v6 = sa->local.family == AF_INET6;

	if (!esp_in_express_fits(sa, (uint16_t)k, v6 ? AF_INET6 : AF_INET))
		return false;
	for (unsigned j = 0; j < k; j++) {
		const uint8_t *p = rte_pktmbuf_mtod(mb[j], const uint8_t *);
		uint32_t len = rte_pktmbuf_pkt_len(mb[j]);

		if (v6 ? len < 48 || (p[0] >> 4) != 6 || (uint32_t)(p[4] << 8 | p[5]) + 40 != len ||
			 p[6] != 50 || memcmp(p + 24, sa->local.bytes, 16) != 0
		       : len < 28 || p[0] != 0x45 || (uint32_t)(p[2] << 8 | p[3]) != len ||
			 ((p[6] & 0x3f) | p[7]) != 0 || p[9] != 50 ||
			 memcmp(p + 16, &sa->in.local4, 4) != 0)
			return false;
	}
	return true;
}

/*
 * A next hop for esp_in_express() to forward to (struct esp_in_via), or
 * NULL: mostly the streams' inner destination of the family @p af
 * (10.2.0.1, fd00:2::1), else one no packet goes to, or the other
 * family's; an MTU some long packets do not fit half the time.
 */
static const struct esp_in_via *via_pick(struct esp_in_via *v, uint8_t af)
{
	unsigned r = rnd() % 8;
	const char *dst;

	if (r == 0)
		return NULL;
	if (r == 1)
		af = af == AF_INET ? AF_INET6 : AF_INET;
	if (r == 2)
		dst = af == AF_INET ? "10.2.0.9" : "fd00:2::9";
	else
		dst = af == AF_INET ? "10.2.0.1" : "fd00:2::1";
	memset(v, 0, sizeof(*v));
	v->family = af;
	ck_assert_int_eq(inet_pton(af, dst, v->dst), 1);
	for (unsigned i = 0; i < sizeof(v->l2); i++)
		v->l2[i] = (uint8_t)(0xe0 + i);
	v->mtu = rnd() % 2 ? 1500 : (uint16_t)(100 + rnd() % 1300);
	return v;
}

/* A packet of @p len octets at @p b that esp_in_express() forwarded to
 * @p v: its link header, then a packet to v's destination that fits its
 * MTU, its TTL (checksum right) or hop limit one less. Undone: returns
 * the packet as decapsulated, its length in *@p len. */
static uint8_t *unforwarded(uint8_t *b, size_t *len, const struct esp_in_via *v)
{
	uint8_t *ip = b + sizeof(v->l2);

	ck_assert_mem_eq(b, v->l2, sizeof(v->l2));
	*len -= sizeof(v->l2);
	ck_assert_uint_le(*len, v->mtu);
	if (v->family == AF_INET) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;

		ck_assert_uint_eq(ip[0], 0x45);
		ck_assert_mem_eq(ip + 16, v->dst, 4);
		ck_assert_uint_eq(rte_ipv4_cksum(h), 0);   /* over a right checksum */
		h->time_to_live++;
		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
	} else {
		ck_assert_uint_eq(ip[0] >> 4, 6);
		ck_assert_mem_eq(ip + 24, v->dst, 16);
		ip[7]++;
	}
	return ip;
}

/*
 * Run @p n packets through @p sa in bursts: of one packet when @p way is
 * IN_ONE_BY_ONE, else of random lengths up to BURST_MAX. With @p sa_of, packet i goes
 * through sa_of[i] instead, in bursts of many SAs (esp_inbound_multi,
 * esp_outbound_multi), and must come back beside its SA. out[i] gets
 * packet i's octets afterwards, or length 0 when it was dropped.
 */
static void run_many(struct esp_sa *sa, struct esp_sa *const *sa_of, struct esp_ctx *ctx,
		     bool inbound, const struct pkt *in, struct pkt *out, unsigned n,
		     enum in_way way)
{
	bool one = way == IN_ONE_BY_ONE;

	for (unsigned i = 0; i < n;) {
		unsigned k = one ? 1 : 1 + rnd() % BURST_MAX;
		struct rte_mbuf *mb[BURST_MAX];
		struct esp_sa *sas[BURST_MAX];
		struct esp_in_via via_buf;
		const struct esp_in_via *via = NULL;
		uint16_t good, sent = 0;

		k = RTE_MIN(k, n - i);
		for (unsigned j = 0; j < k; j++) {
			mb[j] = test_mbuf(in[i + j].b, in[i + j].len);
			ck_assert_ptr_nonnull(mb[j]);
			mb[j]->hash.usr = i + j;
			if (inbound)
				test_in_layout(mb[j]);
			out[i + j].len = 0;
			sas[j] = sa_of != NULL ? sa_of[i + j] : sa;
		}
		if (sa_of != NULL)
			good = inbound ? esp_inbound_multi(sas, mb, (uint16_t)k, ctx)
				       : esp_outbound_multi(sas, mb, (uint16_t)k, ctx);
		else if (inbound && way == IN_EXPRESS && express_takes(sa, mb, k)) {
			/* of the family inside: the selector's, else the outer one */
			via = via_pick(&via_buf, sa->sel.family != 0 ? sa->sel.family
								     : sa->local.family);
			good = esp_in_express(sa, NULL, mb, (uint16_t)k, ctx, 0, via, &sent);
			ck_assert_uint_le(sent, good);
			ck_assert(via != NULL || sent == 0);
			express_sent += sent;
			express_sent_sel4 += sa->sel.family == AF_INET ? sent : 0;
			express_bursts++;
			express_bursts6 += sa->local.family == AF_INET6;
			if (sa->sel.family != 0 && sa->sel.family != sa->local.family) {
				/* the check inside is of the selector's family */
				express_mixed++;
				express_sent_mixed += sent;
			}
		} else
			good = inbound ? esp_inbound(sa, mb, (uint16_t)k, ctx)
				       : esp_outbound(sa, mb, (uint16_t)k, ctx);
		uint32_t last = 0;
		for (unsigned j = 0; j < k; j++) {
			uint32_t at = mb[j]->hash.usr;

			if (j < good) {
				/* the good ones first, in their order */
				ck_assert(j == 0 || at > last);
				last = at;
				if (sa_of != NULL)
					ck_assert_ptr_eq(sas[j], sa_of[at]);
				uint8_t *b = rte_pktmbuf_mtod(mb[j], uint8_t *);

				out[at].len = rte_pktmbuf_pkt_len(mb[j]);
				ck_assert_uint_le(out[at].len, WIRE_MAX);
				if (j < sent)
					b = unforwarded(b, &out[at].len, via);
				memcpy(out[at].b, b, out[at].len);
			}
			rte_pktmbuf_free(mb[j]);
		}
		i += k;
	}
}

static void run(struct esp_sa *sa, struct esp_ctx *ctx, bool inbound, const struct pkt *in,
		struct pkt *out, unsigned n, enum in_way way)
{
	run_many(sa, NULL, ctx, inbound, in, out, n, way);
}

static void same_results(const struct pkt *a, const struct pkt *b, unsigned n,
			 const struct esp_ctx *ca, const struct esp_ctx *cb, const char *what)
{
	for (unsigned i = 0; i < n; i++) {
		ck_assert_msg(a[i].len == b[i].len, "%s: packet %u: %zu octets one by one, %zu in bursts",
			      what, i, a[i].len, b[i].len);
		ck_assert_msg(memcmp(a[i].b, b[i].b, a[i].len) == 0, "%s: packet %u differs", what, i);
	}
	for (int r = 0; r < ESP_DROP_MAX; r++)
		ck_assert_msg(ca->drops[r] == cb->drops[r], "%s: %s %llu one by one, %llu in bursts",
			      what, esp_drop_name((enum esp_drop)r), (unsigned long long)ca->drops[r],
			      (unsigned long long)cb->drops[r]);
}

/* A stream for the receiver from the wire packets @p w (dropped ones
 * skipped): mostly in order, some swapped, replayed, forged or old. */
static unsigned stream_make(const struct pkt *w, unsigned nw, struct pkt *s)
{
	unsigned n = 0, next = 0, seen = 0;
	const struct pkt *sent[N_PKTS];

	while (n < N_STREAM && next < nw) {
		if (w[next].len == 0) {
			next++;
			continue;
		}
		unsigned what = rnd() % 10;
		if (what == 0 && next + 1 < nw && w[next + 1].len != 0) {
			s[n++] = w[next + 1];         /* reordered pair */
			s[n++] = w[next];
			sent[seen++] = &w[next];
			sent[seen++] = &w[next + 1];
			next += 2;
		} else if (what == 1 && seen > 0) {
			s[n++] = *sent[rnd() % seen];  /* replay, maybe too old */
		} else if (what == 2) {
			s[n] = w[next];                /* forgery: one bit of it */
			s[n].b[rnd() % s[n].len] ^= (uint8_t)(1u << (rnd() % 8));
			n++;
		} else {
			s[n++] = w[next];
			sent[seen++] = &w[next];
			next++;
		}
	}
	return n;
}

static const char *combo_name(const struct combo *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s%s %s over IPv%d", esp_cipher_name(c->cipher),
		 (c->flags & ESP_SA_F_ESN) ? " esn" : "", (c->flags & ESP_SA_F_IIV) ? " iiv" : "",
		 (c->flags & ESP_SA_F_NATT) ? " natt" : "",
		 c->mode == ESP_MODE_TUNNEL ? "tunnel" : "transport",
		 c->outer_af == AF_INET6 ? 6 : 4);
	return buf;
}

static void one_combo(const struct combo *c)
{
	static struct pkt clear[N_PKTS], wire_a[N_PKTS], wire_b[N_PKTS];
	static struct pkt stream[N_STREAM], got_a[N_STREAM], got_b[N_STREAM], got_c[N_STREAM];
	struct esp_ctx ca = { .mgr = test_mgr() }, cb = { .mgr = test_mgr() }, cc;
	char what[96];

	combo_name(c, what, sizeof(what));
	for (unsigned i = 0; i < N_PKTS; i++)
		clear[i].len = clear_pkt(clear[i].b, c);

	struct esp_sa *oa = sa_make(c, ESP_DIR_OUT), *ob = sa_make(c, ESP_DIR_OUT);
	run(oa, &ca, false, clear, wire_a, N_PKTS, IN_ONE_BY_ONE);
	run(ob, &cb, false, clear, wire_b, N_PKTS, IN_BURSTS);
	same_results(wire_a, wire_b, N_PKTS, &ca, &cb, what);
	ck_assert_uint_eq(oa->seq, ob->seq);
	ck_assert_uint_gt(ca.drops[ESP_DROP_BAD_L3], 0);
	ck_assert(c->hard_out == 0 || ca.drops[ESP_DROP_SA_EXPIRED] > 0);
	esp_sa_destroy(oa);
	esp_sa_destroy(ob);

	unsigned n = stream_make(wire_a, N_PKTS, stream);
	struct esp_sa *ia = sa_make(c, ESP_DIR_IN), *ib = sa_make(c, ESP_DIR_IN);
	memset(&ca, 0, sizeof(ca));
	memset(&cb, 0, sizeof(cb));
	ca.mgr = cb.mgr = test_mgr();
	run(ia, &ca, true, stream, got_a, n, IN_ONE_BY_ONE);
	run(ib, &cb, true, stream, got_b, n, IN_BURSTS);
	same_results(got_a, got_b, n, &ca, &cb, what);
	/* the express way (where the worker would take it) gives the same */
	struct esp_sa *ic = sa_make(c, ESP_DIR_IN);
	memset(&cc, 0, sizeof(cc));
	cc.mgr = test_mgr();
	run(ic, &cc, true, stream, got_c, n, IN_EXPRESS);
	same_results(got_a, got_c, n, &ca, &cc, what);
	ck_assert_uint_eq(ia->rw->top, ic->rw->top);
	ck_assert(memcmp(ia->rw->bits, ic->rw->bits, ia->rw->nblocks * sizeof(uint64_t)) == 0);
	ck_assert_uint_eq(ia->stats.packets, ic->stats.packets);
	ck_assert_uint_eq(ia->stats.bytes, ic->stats.bytes);
	esp_sa_destroy(ic);
	/* the stream reaches the deep paths: accepted, forged, replayed */
	unsigned accepted = 0;
	for (unsigned i = 0; i < n; i++)
		accepted += got_a[i].len != 0;
	/* with a selector of one family, what is the other inside is not */
	ck_assert_uint_gt(accepted, c->sel != 0 ? N_PKTS / 4 : N_PKTS / 2);
	ck_assert(c->sel == 0 || ca.drops[ESP_DROP_SELECTOR] > 0);
	ck_assert_uint_gt(ca.drops[ESP_DROP_AUTH], 0);
	ck_assert_uint_gt(ca.drops[ESP_DROP_REPLAY] + ca.drops[ESP_DROP_TOO_OLD], 0);
	ck_assert(c->hard_in == 0 || ca.drops[ESP_DROP_SA_EXPIRED] > 0);
	ck_assert_uint_eq(ia->rw->top, ib->rw->top);
	ck_assert_uint_eq(ia->rw->nblocks, ib->rw->nblocks);
	ck_assert(memcmp(ia->rw->bits, ib->rw->bits, ia->rw->nblocks * sizeof(uint64_t)) == 0);
	ck_assert_uint_eq(ia->stats.packets, ib->stats.packets);
	ck_assert_uint_eq(ia->stats.bytes, ib->stats.bytes);
	esp_sa_destroy(ia);
	esp_sa_destroy(ib);
}

START_TEST(bursts_match_one_by_one)
{
	static const enum esp_cipher ciphers[] = {
		ESP_CIPHER_AES128_GCM16, ESP_CIPHER_AES256_GCM16, ESP_CIPHER_CHACHA20_POLY1305,
	};
	static const uint32_t flags[] = { 0, ESP_SA_F_ESN, ESP_SA_F_IIV, ESP_SA_F_ESN | ESP_SA_F_IIV };
	unsigned combos = 0;

	rng_state = 0x2545f491u;
	for (unsigned ci = 0; ci < RTE_DIM(ciphers); ci++) {
		for (unsigned fi = 0; fi < RTE_DIM(flags); fi++) {
			const struct combo cs[] = {
				{ ciphers[ci], flags[fi], ESP_MODE_TUNNEL, AF_INET, 0, 0, 0 },
				{ ciphers[ci], flags[fi] | ESP_SA_F_NATT, ESP_MODE_TUNNEL, AF_INET6,
				  0, 0, 0 },
				{ ciphers[ci], flags[fi], ESP_MODE_TRANSPORT, AF_INET, 0, 0, 0 },
				{ ciphers[ci], flags[fi], ESP_MODE_TUNNEL, AF_INET, 100, 90, 0 },
				{ ciphers[ci], flags[fi], ESP_MODE_TUNNEL, AF_INET, 0, 0, AF_INET },
				{ ciphers[ci], flags[fi], ESP_MODE_TUNNEL, AF_INET6, 0, 0, 0 },
				{ ciphers[ci], flags[fi], ESP_MODE_TUNNEL, AF_INET6, 0, 0, AF_INET6 },
				/* mixed: IPv6 in IPv4, IPv4 in IPv6 */
				{ ciphers[ci], flags[fi], ESP_MODE_TUNNEL, AF_INET, 0, 0, AF_INET6 },
				{ ciphers[ci], flags[fi], ESP_MODE_TUNNEL, AF_INET6, 0, 0, AF_INET },
			};
			for (unsigned k = 0; k < RTE_DIM(cs); k++, combos++)
				one_combo(&cs[k]);
		}
	}
	printf("bursts: %u combinations, %d packets and %d received each; %u bursts the "
	       "express way (%u over IPv6, %u of the other family inside), %u packets forwarded in "
	       "its pass (%u of the other family, %u through an IPv4 selector)\n", combos, N_PKTS,
	       N_STREAM, express_bursts, express_bursts6, express_mixed, express_sent,
	       express_sent_mixed, express_sent_sel4);
	/* AES-GCM tunnels without ESN or NAT-T, but for the bursts with an
	 * outer header forged or near a lifetime */
	ck_assert_uint_gt(express_bursts, 30);
	ck_assert_uint_gt(express_bursts6, 30);
	ck_assert_uint_gt(express_mixed, 20);
	ck_assert_uint_gt(express_sent_mixed, 20);
	ck_assert_uint_gt(express_sent, 100);
	ck_assert_uint_gt(express_sent_sel4, 20);
}
END_TEST

/*
 * esp_outbound_multi and esp_inbound_multi: packets of several SAs,
 * interleaved at random, in bursts, against each packet through its own
 * SA alone. With one transform for all the SAs they share chunks; with
 * one SA of another cipher among them the call takes them one at a time.
 */
enum { N_SAS = 5 };

static void many_sas(enum esp_cipher cipher, uint32_t flags, bool mixed)
{
	static struct pkt clear[N_PKTS], wire_all[N_PKTS], wire_b[N_PKTS], wire[N_PKTS];
	static struct pkt stream[N_STREAM], got_a[N_STREAM], got_b[N_STREAM];
	unsigned owner[N_STREAM], clear_owner[N_PKTS], wire_owner[N_PKTS], nw = 0, n = 0;
	struct esp_sa *out[N_SAS], *ob[N_SAS], *ia[N_SAS], *ib[N_SAS];
	struct esp_ctx ca = { .mgr = test_mgr() }, cb = { .mgr = test_mgr() };
	char what[96];

	snprintf(what, sizeof(what), "%u SAs %s%s%s", N_SAS, esp_cipher_name(cipher),
		 (flags & ESP_SA_F_ESN) ? " esn" : "", mixed ? " + one of another cipher" : "");
	for (unsigned k = 0; k < N_SAS; k++) {
		struct combo c = { cipher, flags, ESP_MODE_TUNNEL, AF_INET, 0, 0, 0 };
		struct esp_sa_params p;

		if (mixed && k == N_SAS - 1)
			c.cipher = cipher == ESP_CIPHER_CHACHA20_POLY1305 ? ESP_CIPHER_AES128_GCM16
									  : ESP_CIPHER_CHACHA20_POLY1305;
		for (int d = 0; d < 4; d++) {
			enum esp_dir dir = d < 2 ? ESP_DIR_OUT : ESP_DIR_IN;
			struct esp_sa **slot = d == 0 ? &out[k] : d == 1 ? &ob[k] : d == 2 ? &ia[k]
											 : &ib[k];

			test_sa_params(&p, dir, c.mode, c.cipher, c.flags, c.outer_af);
			p.spi = 0x1000 + 0x100 * k;
			p.seq_start = (flags & ESP_SA_F_ESN) ? 0xfffffff0ull : 0;
			*slot = esp_sa_create(&p, test_mgr());
			ck_assert_ptr_nonnull(*slot);
		}
	}
	/* each packet through a random SA's outbound, one at a time, and
	 * the same packets through the twin SAs together, in bursts */
	for (unsigned i = 0; i < N_PKTS; i++) {
		clear_owner[i] = rnd() % N_SAS;
		clear[i].len = clear_pkt(clear[i].b, &(struct combo){ cipher, flags, ESP_MODE_TUNNEL,
								       AF_INET, 0, 0, 0 });
		run(out[clear_owner[i]], &ca, false, &clear[i], &wire_all[i], 1, IN_ONE_BY_ONE);
		if (wire_all[i].len != 0) {
			wire[nw] = wire_all[i];
			wire_owner[nw++] = clear_owner[i];
		}
	}
	struct esp_sa *sa_of[N_STREAM];

	for (unsigned i = 0; i < N_PKTS; i++)
		sa_of[i] = ob[clear_owner[i]];
	run_many(NULL, sa_of, &cb, false, clear, wire_b, N_PKTS, IN_BURSTS);
	same_results(wire_all, wire_b, N_PKTS, &ca, &cb, what);
	memset(&cb, 0, sizeof(cb));
	cb.mgr = test_mgr();
	/* the receiver's stream: in order, with replays and forgeries */
	for (unsigned i = 0; i < nw && n < N_STREAM - 2;) {
		unsigned what_next = rnd() % 8;

		if (what_next == 0 && i > 0) {
			unsigned j = rnd() % i;
			stream[n] = wire[j];
			owner[n++] = wire_owner[j];
		} else if (what_next == 1) {
			stream[n] = wire[i];
			stream[n].b[rnd() % stream[n].len] ^= 0x40;
			owner[n++] = wire_owner[i];
		} else {
			stream[n] = wire[i];
			owner[n++] = wire_owner[i++];
		}
	}
	memset(&ca, 0, sizeof(ca));
	ca.mgr = test_mgr();
	for (unsigned j = 0; j < n; j++)
		run(ia[owner[j]], &ca, true, &stream[j], &got_a[j], 1, IN_ONE_BY_ONE);
	for (unsigned j = 0; j < n; j++)
		sa_of[j] = ib[owner[j]];
	run_many(NULL, sa_of, &cb, true, stream, got_b, n, IN_BURSTS);
	same_results(got_a, got_b, n, &ca, &cb, what);
	ck_assert_uint_gt(ca.drops[ESP_DROP_AUTH], 0);
	ck_assert_uint_gt(ca.drops[ESP_DROP_REPLAY], 0);
	for (unsigned k = 0; k < N_SAS; k++) {
		ck_assert_uint_eq(ia[k]->rw->top, ib[k]->rw->top);
		ck_assert_uint_gt(ia[k]->stats.packets, 0);
		ck_assert_uint_eq(ia[k]->stats.packets, ib[k]->stats.packets);
		ck_assert_uint_eq(ia[k]->drops[ESP_DROP_AUTH], ib[k]->drops[ESP_DROP_AUTH]);
		ck_assert_uint_eq(out[k]->seq, ob[k]->seq);
		esp_sa_destroy(out[k]);
		esp_sa_destroy(ob[k]);
		esp_sa_destroy(ia[k]);
		esp_sa_destroy(ib[k]);
	}
}

START_TEST(many_sas_match_one_by_one)
{
	static const enum esp_cipher ciphers[] = {
		ESP_CIPHER_AES128_GCM16, ESP_CIPHER_AES256_GCM16, ESP_CIPHER_CHACHA20_POLY1305,
	};

	rng_state = 0x6c8e9cf5u;
	for (unsigned ci = 0; ci < RTE_DIM(ciphers); ci++)
		for (int esn = 0; esn < 2; esn++)
			for (int mixed = 0; mixed < 2; mixed++)
				many_sas(ciphers[ci], esn ? ESP_SA_F_ESN : 0, mixed);
}
END_TEST

/*
 * esp_out_express(), the outbound express way's transform: bursts of
 * IPv4 or IPv6 frames behind a link header, of random lengths (every
 * pad), TOS, DF and TTL, against each packet with its TTL less one
 * through esp_outbound() alone: the same ESP packets behind the link
 * header given, and the same sequence numbers, IPv4 Identifications and
 * SA counters (every cipher, explicit and implicit IV, tunnels of either
 * family).
 */
static const uint8_t express_l2[14] = {
	0x02, 0, 0, 0, 0, 0xbb, 0x02, 0, 0, 0, 0, 0xaa, 0x08, 0x00,
};

static void express_out(enum esp_cipher cipher, uint32_t flags, uint8_t family, uint8_t outer)
{
	static struct pkt clear[N_PKTS], want[N_PKTS];
	struct esp_ctx ca = { .mgr = test_mgr() }, cb = { .mgr = test_mgr() };
	const struct combo c = { cipher, flags, ESP_MODE_TUNNEL, outer, 0, 0, 0 };
	struct esp_sa *oa = sa_make(&c, ESP_DIR_OUT), *ob = sa_make(&c, ESP_DIR_OUT);
	bool v6 = family == AF_INET6;
	unsigned bursts = 0;
	char what[96];

	combo_name(&c, what, sizeof(what));
	for (unsigned i = 0; i < N_PKTS; i++) {
		struct pkt t;

		size_t plen = rnd() % 4 == 0 ? rnd() % 1300 : rnd() % 120;
		unsigned hops = v6 ? 7 : 8;   /* the hop limit's or TTL's offset */

		if (v6)
			clear[i].len = test_ip6_udp(clear[i].b, "fd00:1::1", "fd00:2::1", 1, 2, plen,
						    (uint8_t)rnd());
		else
			clear[i].len = test_ip4_udp(clear[i].b, "10.1.0.1", "10.2.0.1", 1, 2, plen,
						    (uint8_t)rnd(), rnd() % 2);
		clear[i].b[hops] = (uint8_t)(2 + rnd() % 254);
		if (!v6)
			test_ip4_cksum(clear[i].b);
		/* what the usual way sends: the TTL less one, then ESP */
		t = clear[i];
		t.b[hops]--;
		if (!v6)
			test_ip4_cksum(t.b);
		run(oa, &ca, false, &t, &want[i], 1, IN_ONE_BY_ONE);
		ck_assert_uint_ne(want[i].len, 0);
	}
	for (unsigned i = 0; i < N_PKTS; bursts++) {
		unsigned k = RTE_MIN(1 + rnd() % BURST_MAX, N_PKTS - i);
		struct rte_mbuf *mb[BURST_MAX];
		uint8_t frame[WIRE_MAX + sizeof(express_l2)];

		ck_assert(esp_out_express_fits(ob, &cb, (uint16_t)k, family));
		for (unsigned j = 0; j < k; j++) {
			memcpy(frame, v6 ? "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x86\xdd"
					 : "\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\0", 14);
			memcpy(frame + 14, clear[i + j].b, clear[i + j].len);
			mb[j] = test_mbuf(frame, clear[i + j].len + 14);
			ck_assert_ptr_nonnull(mb[j]);
		}
		esp_out_express(ob, mb, (uint16_t)k, &cb, express_l2, family);
		for (unsigned j = 0; j < k; j++, i++) {
			const uint8_t *got = rte_pktmbuf_mtod(mb[j], const uint8_t *);

			ck_assert_msg(rte_pktmbuf_pkt_len(mb[j]) == want[i].len + 14 &&
				      rte_pktmbuf_data_len(mb[j]) == want[i].len + 14,
				      "%s: packet %u: %u octets, %zu wanted", what, i,
				      rte_pktmbuf_pkt_len(mb[j]), want[i].len + 14);
			ck_assert(memcmp(got, express_l2, 14) == 0);
			ck_assert_msg(memcmp(got + 14, want[i].b, want[i].len) == 0,
				      "%s: packet %u differs", what, i);
			rte_pktmbuf_free(mb[j]);
		}
	}
	ck_assert_uint_gt(bursts, 2);
	ck_assert_uint_eq(oa->seq, ob->seq);
	ck_assert_uint_eq(oa->ip_id, ob->ip_id);
	ck_assert_uint_eq(oa->stats.packets, ob->stats.packets);
	ck_assert_uint_eq(oa->stats.bytes, ob->stats.bytes);
	for (int r = 0; r < ESP_DROP_MAX; r++)
		ck_assert_uint_eq(cb.drops[r], 0);
	esp_sa_destroy(oa);
	esp_sa_destroy(ob);
}

START_TEST(express_out_matches_outbound)
{
	static const enum esp_cipher ciphers[] = {
		ESP_CIPHER_AES128_GCM16, ESP_CIPHER_AES256_GCM16, ESP_CIPHER_CHACHA20_POLY1305,
	};

	rng_state = 0x1b873593u;
	for (unsigned ci = 0; ci < RTE_DIM(ciphers); ci++)
		for (int iiv = 0; iiv < 2; iiv++)
			for (int v6 = 0; v6 < 4; v6++)   /* inner, outer */
				express_out(ciphers[ci], iiv ? ESP_SA_F_IIV : 0,
					    v6 & 1 ? AF_INET6 : AF_INET, v6 & 2 ? AF_INET6 : AF_INET);
}
END_TEST

/* esp_out_express_fits(): only what esp_out_express() serves. */
START_TEST(express_out_fits_only_its_sas)
{
	static const struct {
		enum esp_cipher cipher;
		uint32_t flags;
		enum esp_mode mode;
		uint8_t outer_af;
		enum esp_dir dir;
		uint8_t family;   /* the burst's */
		bool fits;
	} cases[] = {
		{ ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, ESP_DIR_OUT, AF_INET, true },
		{ ESP_CIPHER_AES256_GCM16, ESP_SA_F_IIV, ESP_MODE_TUNNEL, AF_INET, ESP_DIR_OUT, AF_INET,
		  true },
		{ ESP_CIPHER_CHACHA20_POLY1305, 0, ESP_MODE_TUNNEL, AF_INET, ESP_DIR_OUT, AF_INET, true },
		{ ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET6, ESP_DIR_OUT, AF_INET6, true },
		{ ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET6, ESP_DIR_OUT, AF_INET, true },
		{ ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, ESP_DIR_OUT, AF_INET6, true },
		{ ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, ESP_DIR_OUT, 0, false },
		{ ESP_CIPHER_AES128_GCM16, ESP_SA_F_ESN, ESP_MODE_TUNNEL, AF_INET, ESP_DIR_OUT, AF_INET,
		  false },
		{ ESP_CIPHER_AES128_GCM16, ESP_SA_F_NATT, ESP_MODE_TUNNEL, AF_INET, ESP_DIR_OUT, AF_INET,
		  false },
		{ ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TRANSPORT, AF_INET, ESP_DIR_OUT, AF_INET, false },
		{ ESP_CIPHER_AES128_GCM16, 0, ESP_MODE_TUNNEL, AF_INET, ESP_DIR_IN, AF_INET, false },
	};
	struct esp_ctx ctx = { .mgr = test_mgr() };
	struct esp_sa_params p;
	struct esp_sa *sa;

	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		test_sa_params(&p, cases[i].dir, cases[i].mode, cases[i].cipher, cases[i].flags,
			       cases[i].outer_af);
		sa = esp_sa_create(&p, test_mgr());
		ck_assert_ptr_nonnull(sa);
		ck_assert_msg(esp_out_express_fits(sa, &ctx, 32, cases[i].family) == cases[i].fits,
			      "case %u", i);
		esp_sa_destroy(sa);
	}
	/* a good SA, but: the burst could reach a lifetime or the sequence
	 * number's end, the SA is dead, a test gives the IV */
	test_sa_params(&p, ESP_DIR_OUT, ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, 0, AF_INET);
	p.soft.packets = 20;
	p.hard.packets = 40;
	sa = esp_sa_create(&p, test_mgr());
	ck_assert_ptr_nonnull(sa);
	ck_assert(esp_out_express_fits(sa, &ctx, 8, AF_INET));
	ck_assert(!esp_out_express_fits(sa, &ctx, 32, AF_INET));  /* the soft limit */
	esp_sa_destroy(sa);
	p.soft.packets = p.hard.packets = 0;
	p.seq_start = UINT32_MAX - 16;
	sa = esp_sa_create(&p, test_mgr());
	ck_assert_ptr_nonnull(sa);
	ck_assert(esp_out_express_fits(sa, &ctx, 8, AF_INET));
	ck_assert(!esp_out_express_fits(sa, &ctx, 16, AF_INET));
	sa->flags |= ESP_SA_F_DEAD;
	ck_assert(!esp_out_express_fits(sa, &ctx, 8, AF_INET));
	sa->flags &= ~ESP_SA_F_DEAD;
	ctx.iv_override = (const uint8_t *)"\1\2\3\4\5\6\7\x08";
	ck_assert(!esp_out_express_fits(sa, &ctx, 8, AF_INET));
	esp_sa_destroy(sa);
}
END_TEST

int main(void)
{
	if (test_eal_init("esp_bursts") != 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	Suite *s = suite_create("esp_bursts");
	TCase *tc = tcase_create("bursts");
	tcase_set_timeout(tc, 100);
	tcase_add_test(tc, bursts_match_one_by_one);
	tcase_add_test(tc, many_sas_match_one_by_one);
	tcase_add_test(tc, express_out_matches_outbound);
	tcase_add_test(tc, express_out_fits_only_its_sas);
	suite_add_tcase(s, tc);
	return check_run_nofork(s);
}
