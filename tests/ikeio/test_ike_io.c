/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE datagram I/O: what is built parses back (both families, both ports,
 * valid UDP checksums), what is not IKE is refused (ESP on 4500, NAT
 * keepalives, truncations, fragments), and the kernel-socket mode carries
 * messages between two instances over loopback with the RFC 3948 marker
 * on the NAT-T port.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ip.h>

/* The verify helpers are experimental in DPDK 22.11. */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#include "drivers/ike_io.h"
#include "tests/check_run.h"

static uint8_t ike_msg[100];

static void endpoints(struct ike_endpoints *ep, const char *l, const char *r, uint16_t lp,
		      uint16_t rp)
{
	uint8_t plen;

	memset(ep, 0, sizeof(*ep));
	ck_assert_int_eq(esp_addr_parse(l, &ep->local, &plen), 0);
	ck_assert_int_eq(esp_addr_parse(r, &ep->remote, &plen), 0);
	ep->lport = lp;
	ep->rport = rp;
}

START_TEST(build_then_parse)
{
	static const char *const a[][2] = { { "192.0.2.1", "192.0.2.2" }, { "2001:db8::1", "2001:db8::2" } };
	uint8_t pkt[256];

	for (unsigned i = 0; i < sizeof(ike_msg); i++)
		ike_msg[i] = (uint8_t)(i * 13 + 1);
	for (int fam = 0; fam < 2; fam++)
		for (int natt = 0; natt < 2; natt++) {
			struct ike_endpoints out, in;
			const uint8_t *msg;
			size_t len;
			uint16_t port = natt ? 4500 : 500;

			endpoints(&out, a[fam][0], a[fam][1], port, port);
			long n = ike_io_build_udp(&out, ike_msg, sizeof(ike_msg), pkt, sizeof(pkt));

			ck_assert_int_eq(n, (fam ? 40 : 20) + 8 + (natt ? 4 : 0) + 100);
			/* the receiver's view: swap source and destination */
			ck_assert_int_eq(ike_io_parse_udp(pkt, (size_t)n, &in, &msg, &len), 0);
			ck_assert(esp_addr_eq(&in.remote, &out.local));
			ck_assert(esp_addr_eq(&in.local, &out.remote));
			ck_assert_uint_eq(in.lport, port);
			ck_assert_uint_eq(len, sizeof(ike_msg));
			ck_assert_mem_eq(msg, ike_msg, len);
			if (fam == 0) {
				const struct rte_ipv4_hdr *h = (const void *)pkt;

				ck_assert_uint_eq(rte_ipv4_cksum(h), 0);
				ck_assert_int_eq(rte_ipv4_udptcp_cksum_verify(h, pkt + 20), 0);
			} else {
				ck_assert_int_eq(rte_ipv6_udptcp_cksum_verify((const void *)pkt, pkt + 40), 0);
			}
			/* every truncation is refused */
			for (long k = 0; k < n; k++)
				ck_assert_int_eq(ike_io_parse_udp(pkt, (size_t)k, &in, &msg, &len), -EINVAL);
			if (natt) {
				pkt[(fam ? 40 : 20) + 8] = 0x11; /* an SPI: ESP, not IKE */
				ck_assert_int_eq(ike_io_parse_udp(pkt, (size_t)n, &in, &msg, &len), -EINVAL);
			}
		}
	/* an IPv4 fragment is not parsed here */
	struct ike_endpoints ep;
	const uint8_t *msg;
	size_t len;

	/* A peer behind a NAT (RFC 7296 §2.23): its ports on the wire are
	 * anything; the marker goes with our port, 4500, not with its. */
	endpoints(&ep, "192.0.2.1", "192.0.2.2", 500, 40000);
	ck_assert_int_eq(ike_io_build_udp(&ep, ike_msg, sizeof(ike_msg), pkt, sizeof(pkt)),
			 20 + 8 + 100);
	ck_assert_mem_eq(pkt + 28, ike_msg, sizeof(ike_msg));
	endpoints(&ep, "192.0.2.1", "192.0.2.2", 4500, 40001);
	ck_assert_int_eq(ike_io_build_udp(&ep, ike_msg, sizeof(ike_msg), pkt, sizeof(pkt)),
			 20 + 8 + 4 + 100);
	ck_assert_mem_eq(pkt + 32, ike_msg, sizeof(ike_msg));

	endpoints(&ep, "192.0.2.1", "192.0.2.2", 500, 500);
	long n = ike_io_build_udp(&ep, ike_msg, sizeof(ike_msg), pkt, sizeof(pkt));
	((struct rte_ipv4_hdr *)pkt)->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
	ck_assert_int_eq(ike_io_parse_udp(pkt, (size_t)n, &ep, &msg, &len), -EINVAL);
	ck_assert_int_eq(ike_io_build_udp(&ep, ike_msg, sizeof(ike_msg), pkt, 100), -EINVAL);

	/* RFC 3948 §2.3 keepalive: UDP 4500 -> 4500, one 0xFF, no marker;
	 * the IKE parser does not take it for IKE. */
	endpoints(&ep, "192.0.2.1", "192.0.2.2", 4500, 4500);
	n = ike_io_build_keepalive(&ep, pkt, sizeof(pkt));
	ck_assert_int_eq(n, 20 + 8 + 1);
	ck_assert_uint_eq(pkt[28], 0xff);
	ck_assert_int_eq(rte_ipv4_udptcp_cksum_verify((const void *)pkt, pkt + 20), 0);
	ck_assert_int_eq(ike_io_parse_udp(pkt, (size_t)n, &ep, &msg, &len), -EINVAL);
}
END_TEST

struct got {
	unsigned n;
	struct ike_endpoints ep;
	uint8_t msg[200];
	size_t len;
};

static void on_recv(void *arg, const struct ike_endpoints *ep, const uint8_t *msg, size_t len)
{
	struct got *g = arg;

	g->n++;
	g->ep = *ep;
	g->len = len;
	memcpy(g->msg, msg, len < sizeof(g->msg) ? len : sizeof(g->msg));
}

START_TEST(sockets_over_loopback)
{
	struct esp_addr lo;
	uint8_t plen;
	char err[128];
	struct got ga = {0}, gb = {0};

	esp_addr_parse("127.0.0.1", &lo, &plen);
	uint16_t base = (uint16_t)(20000 + getpid() % 20000);
	struct ike_io *a = ike_io_socket_open(&lo, base, base + 1, on_recv, &ga, err, sizeof(err));
	struct ike_io *b = ike_io_socket_open(&lo, base + 2, base + 3, on_recv, &gb, err, sizeof(err));

	ck_assert_msg(a != NULL && b != NULL, "%s", err);
	for (int natt = 0; natt < 2; natt++) {
		struct ike_endpoints ep = { .local = lo, .remote = lo, .lport = base + natt,
					    .rport = (uint16_t)(base + 2 + natt) };

		ck_assert_int_eq(a->ops->send(a, &ep, ike_msg, sizeof(ike_msg)), 0);
		for (int tries = 0; tries < 2000 && gb.n == (unsigned)natt; tries++) {
			b->ops->poll(b);
			usleep(1000);
		}
		ck_assert_uint_eq(gb.n, natt + 1);
		ck_assert_uint_eq(gb.len, sizeof(ike_msg));
		ck_assert_mem_eq(gb.msg, ike_msg, sizeof(ike_msg));
		ck_assert_uint_eq(gb.ep.rport, base + natt);
		ck_assert_uint_eq(gb.ep.lport, base + 2 + natt);
		ck_assert(esp_addr_eq(&gb.ep.remote, &lo));
	}
	ck_assert_uint_eq(ga.n, 0);
	/* a NAT keepalive reaches the NAT-T socket and is not IKE */
	struct ike_endpoints ka = { .local = lo, .remote = lo, .lport = base + 1,
				    .rport = (uint16_t)(base + 3) };

	ck_assert_int_eq(a->ops->keepalive(a, &ka), 0);
	for (int tries = 0; tries < 2000 && b->rx_bad == 0; tries++) {
		b->ops->poll(b);
		usleep(1000);
	}
	ck_assert_uint_eq(b->rx_bad, 1);
	ck_assert_uint_eq(gb.n, 2);
	a->ops->close(a);
	b->ops->close(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ike-io");
	TCase *tc = tcase_create("io");

	tcase_add_test(tc, build_then_parse);
	tcase_add_test(tc, sockets_over_loopback);
	suite_add_tcase(s, tc);
	return check_run(s);
}
