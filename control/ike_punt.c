/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "punt" implementation of struct ike_io (drivers/ike_io.h): IKE
 * datagrams that workers punt to the control thread come in through
 * ike_punt_input(); replies leave as IP/UDP packets through worker 0's TX
 * ring (ctl_send_ip_buf routes them and resolves the next hop).
 *
 * Datagrams larger than the path are IP-fragmented both ways: an
 * IKE_SA_INIT cannot use IKE fragmentation (RFC 7383 §2.5) and with
 * ML-KEM-1024 alone it exceeds 1280 octets; punted fragments are
 * reassembled here (drivers/ipfrag.c; the table is gw->ipfrag).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <rte_mbuf.h>

#include "control/gw.h"
#include "control/ike_punt.h"
#include "dataplane/esp.h"
#include "drivers/ipfrag.h"

enum { PUNT_DGRAM_MAX = 40 + 8 + ESP_NON_ESP_MARKER_LEN + IKE_IO_MAX };

struct ike_io_punt {
	struct ike_io io;
	struct gw *g;
	uint8_t dgram[PUNT_DGRAM_MAX];  /* the one being sent */
};

/* Build the datagram and send it through worker 0, IP-fragmented when
 * it is larger than the next hop's MTU. */
static int punt_xmit(struct ike_io *io, const struct ike_endpoints *ep, const uint8_t *msg,
		     size_t len, bool keepalive)
{
	struct ike_io_punt *p = (struct ike_io_punt *)io;
	long n = keepalive ? ike_io_build_keepalive(ep, p->dgram, sizeof(p->dgram))
			   : ike_io_build_udp(ep, msg, len, p->dgram, sizeof(p->dgram));
	int rc = n < 0 ? (int)n : ctl_send_ip_buf(p->g, p->dgram, (size_t)n);

	if (rc < 0) {
		io->tx_err++;
		return rc;
	}
	io->tx++;
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
	struct ike_io_punt *p = (struct ike_io_punt *)io;
	const uint8_t *pkt = rte_pktmbuf_mtod(m, const uint8_t *), *msg;
	size_t len = rte_pktmbuf_data_len(m), msg_len;
	struct ike_endpoints ep;

	if (io == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	switch (ipfrag_input(p->g->ipfrag, pkt, len, gw_now_ms(), &pkt, &len)) {
	case IPFRAG_HELD:
		rte_pktmbuf_free(m);
		return;
	case IPFRAG_DROPPED:
		io->rx_bad++;
		rte_pktmbuf_free(m);
		return;
	case IPFRAG_WHOLE:
	case IPFRAG_DONE:
		break;
	}
	if (ike_io_parse_udp(pkt, len, &ep, &msg, &msg_len) != 0) {
		io->rx_bad++; /* also: a reassembled datagram that is not IKE */
		rte_pktmbuf_free(m);
		return;
	}
	io->rx++;
	io->recv(io->arg, &ep, msg, msg_len);
	rte_pktmbuf_free(m);
}
