/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IKE message I/O: the boundary between the IKE engine and the network.
 *
 * Two implementations: "punt" takes the UDP datagrams that workers punt
 * to the control thread (ports 500 and 4500 on the gateway's own DPDK
 * addresses, RFC 3948 non-ESP marker stripped) and sends replies through
 * a worker's TX; "socket" uses ordinary kernel UDP sockets, for running
 * IKE on a management interface. Both hand the engine the same thing: a
 * datagram with its addresses and ports.
 */
#ifndef ESPRIT_DRIVERS_IKE_IO_H
#define ESPRIT_DRIVERS_IKE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/addr.h"

enum { IKE_IO_MAX = 65535 - 8 };

/** Where a datagram came from or goes to. */
struct ike_endpoints {
	struct esp_addr local, remote;
	uint16_t lport, rport;         /**< host order */
};

/** Called for each IKE message received (marker already stripped). */
typedef void (*ike_io_recv_fn)(void *arg, const struct ike_endpoints *ep, const uint8_t *msg,
			       size_t len);

struct ike_io;

struct ike_io_ops {
	/** Send @p msg; on port 4500 the non-ESP marker is prepended. */
	int (*send)(struct ike_io *io, const struct ike_endpoints *ep, const uint8_t *msg,
		    size_t len);
	/** RFC 3948 §2.3 NAT keepalive: one 0xFF octet, no marker. */
	int (*keepalive)(struct ike_io *io, const struct ike_endpoints *ep);
	/** Receive what is pending (socket mode); punt mode is fed by ctl. */
	unsigned (*poll)(struct ike_io *io);
	void (*close)(struct ike_io *io);
};

struct ike_io {
	const struct ike_io_ops *ops;
	ike_io_recv_fn recv;
	void *arg;
	uint64_t rx, tx, rx_bad, tx_err;
};

/**
 * Parse a UDP datagram for IKE (data starts at the IP header): destination
 * port 500, or 4500 with the 4-octet zero marker (RFC 3948 §2.2). Fills @p ep and the
 * message bounds. 0, or -EINVAL when it is not IKE or is malformed.
 */
int ike_io_parse_udp(const uint8_t *ip, size_t len, struct ike_endpoints *ep,
		     const uint8_t **msg, size_t *msg_len);

/**
 * Build IP + UDP (+ marker on 4500) around @p msg into @p out (cap octets),
 * with lengths and checksums (UDP checksum also over IPv4, RFC 768).
 * Returns the packet length or -errno.
 */
long ike_io_build_udp(const struct ike_endpoints *ep, const uint8_t *msg, size_t len,
		      uint8_t *out, size_t cap);

/** The NAT keepalive datagram (RFC 3948 §2.3) as IP + UDP + 0xFF. */
long ike_io_build_keepalive(const struct ike_endpoints *ep, uint8_t *out, size_t cap);

/** Kernel-socket mode: UDP 500 and 4500 on @p bind_addr (family 0: any v4+v6). */
struct ike_io *ike_io_socket_open(const struct esp_addr *bind_addr, uint16_t port, uint16_t natt_port,
				  ike_io_recv_fn recv, void *arg, char *err, size_t errlen);

#endif
