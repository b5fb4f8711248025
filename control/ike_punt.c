/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "punt" implementation of struct ike_io (drivers/ike_io.h): IKE
 * datagrams that workers punt to the control thread come in through
 * ike_punt_input(); replies leave as IP/UDP packets through worker 0's TX
 * ring (ctl_send_ip routes them and resolves the next hop).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <rte_mbuf.h>

#include "control/gw.h"
#include "control/ike_punt.h"

struct ike_io_punt {
	struct ike_io io;
	struct gw *g;
};

/* Build the datagram in a fresh mbuf and hand it to worker 0. */
static int punt_xmit(struct ike_io *io, const struct ike_endpoints *ep, const uint8_t *msg,
		     size_t len, bool keepalive)
{
	struct ike_io_punt *p = (struct ike_io_punt *)io;
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->g->pool);
	uint8_t *out;
	long n;

	if (m == NULL) {
		io->tx_err++;
		return -ENOMEM;
	}
	out = rte_pktmbuf_mtod(m, uint8_t *);
	n = keepalive ? ike_io_build_keepalive(ep, out, rte_pktmbuf_tailroom(m))
		      : ike_io_build_udp(ep, msg, len, out, rte_pktmbuf_tailroom(m));
	if (n < 0 || rte_pktmbuf_append(m, (uint16_t)n) == NULL) {
		/* Messages larger than an mbuf must be fragmented by IKE
		 * itself (RFC 7383) before they get here. */
		rte_pktmbuf_free(m);
		io->tx_err++;
		return n < 0 ? (int)n : -EMSGSIZE;
	}
	io->tx++;
	ctl_send_ip(p->g, m);
	return 0;
}

static int punt_send(struct ike_io *io, const struct ike_endpoints *ep, const uint8_t *msg,
		     size_t len)
{
	return punt_xmit(io, ep, msg, len, false);
}

static int punt_keepalive(struct ike_io *io, const struct ike_endpoints *ep)
{
	return punt_xmit(io, ep, NULL, 0, true);
}

static unsigned punt_poll(struct ike_io *io)
{
	return 0; /* fed by ike_punt_input() from the control loop */
}

static void punt_close(struct ike_io *io)
{
	free(io);
}

static const struct ike_io_ops punt_ops = {
	.send = punt_send,
	.keepalive = punt_keepalive,
	.poll = punt_poll,
	.close = punt_close,
};

struct ike_io *ike_punt_open(struct gw *g, ike_io_recv_fn recv, void *arg)
{
	struct ike_io_punt *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->io.ops = &punt_ops;
	p->io.recv = recv;
	p->io.arg = arg;
	p->g = g;
	return &p->io;
}

void ike_punt_input(struct ike_io *io, struct rte_mbuf *m)
{
	struct ike_endpoints ep;
	const uint8_t *msg;
	size_t len;

	if (io == NULL || ike_io_parse_udp(rte_pktmbuf_mtod(m, const uint8_t *),
					   rte_pktmbuf_data_len(m), &ep, &msg, &len) != 0) {
		if (io != NULL)
			io->rx_bad++;
		rte_pktmbuf_free(m);
		return;
	}
	io->rx++;
	io->recv(io->arg, &ep, msg, len);
	rte_pktmbuf_free(m);
}
