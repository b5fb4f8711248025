/* SPDX-License-Identifier: BSD-3-Clause */
/** @file IKE I/O over the workers' punt and TX rings (see ike_punt.c). */
#ifndef ESPRIT_CONTROL_IKE_PUNT_H
#define ESPRIT_CONTROL_IKE_PUNT_H

#include "drivers/ike_io.h"

struct gw;
struct rte_mbuf;

/** An ike_io whose receive side is fed by ike_punt_input(). */
struct ike_io *ike_punt_open(struct gw *g, ike_io_recv_fn recv, void *arg);
/** A punted UDP datagram (data at the IP header): to the IKE engine. */
void ike_punt_input(struct ike_io *io, struct rte_mbuf *m);

#endif
