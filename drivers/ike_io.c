/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE datagrams: parsing what workers punt, building what goes out, and
 * the kernel-socket implementation of struct ike_io.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dataplane/esp.h"
#include "drivers/ike_io.h"

enum { IKE_HDR_MIN = 28 };

int ike_io_parse_udp(const uint8_t *ip, size_t len, struct ike_endpoints *ep,
		     const uint8_t **msg, size_t *msg_len)
{
	size_t l3;
	uint8_t proto;

	memset(ep, 0, sizeof(*ep));
	if (len < 20)
		return -EINVAL;
	if ((ip[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *h = (const void *)ip;

		l3 = (size_t)(ip[0] & 0xf) * 4;
		proto = h->next_proto_id;
		if (l3 < 20 || rte_be_to_cpu_16(h->total_length) > len ||
		    (rte_be_to_cpu_16(h->fragment_offset) &
		     (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
			return -EINVAL; /* a fragment: ike_punt.c reassembles first */
		len = rte_be_to_cpu_16(h->total_length);
		ep->remote.family = ep->local.family = AF_INET;
		memcpy(ep->remote.bytes, &h->src_addr, 4);
		memcpy(ep->local.bytes, &h->dst_addr, 4);
	} else if ((ip[0] >> 4) == 6 && len >= 40) {
		const struct rte_ipv6_hdr *h = (const void *)ip;

		l3 = 40;
		proto = h->proto;
		if (40u + rte_be_to_cpu_16(h->payload_len) > len)
			return -EINVAL;
		len = 40u + rte_be_to_cpu_16(h->payload_len);
		ep->remote.family = ep->local.family = AF_INET6;
		memcpy(ep->remote.bytes, h->src_addr, 16);
		memcpy(ep->local.bytes, h->dst_addr, 16);
	} else {
		return -EINVAL;
	}
	if (proto != ESP_IPPROTO_UDP || len < l3 + sizeof(struct rte_udp_hdr))
		return -EINVAL;
	const struct rte_udp_hdr *udp = (const void *)(ip + l3);
	size_t ulen = rte_be_to_cpu_16(udp->dgram_len);

	if (ulen < sizeof(*udp) || l3 + ulen > len)
		return -EINVAL;
	ep->rport = rte_be_to_cpu_16(udp->src_port);
	ep->lport = rte_be_to_cpu_16(udp->dst_port);
	if (ep->lport != IKE_UDP_PORT && ep->lport != IKE_NATT_UDP_PORT)
		return -EINVAL;
	*msg = (const uint8_t *)(udp + 1);
	*msg_len = ulen - sizeof(*udp);
	if (ep->lport != IKE_UDP_PORT) {
		/* RFC 3948 §2.2: IKE on the NAT-T port carries the marker. */
		if (*msg_len < ESP_NON_ESP_MARKER_LEN ||
		    ((*msg)[0] | (*msg)[1] | (*msg)[2] | (*msg)[3]) != 0)
			return -EINVAL;
		*msg += ESP_NON_ESP_MARKER_LEN;
		*msg_len -= ESP_NON_ESP_MARKER_LEN;
	}
	return *msg_len >= IKE_HDR_MIN ? 0 : -EINVAL;
}

static long build_udp(const struct ike_endpoints *ep, const uint8_t *msg, size_t len,
		      size_t marker, uint8_t *out, size_t cap)
{
	bool v6 = ep->local.family == AF_INET6;
	size_t l3 = v6 ? 40 : 20;
	size_t total = l3 + sizeof(struct rte_udp_hdr) + marker + len;
	struct rte_udp_hdr *udp = (void *)(out + l3);

	if (ep->local.family != ep->remote.family || total > cap || total > 65535)
		return -EINVAL;
	memset(out, 0, l3 + sizeof(*udp) + marker);
	memcpy(out + l3 + sizeof(*udp) + marker, msg, len);
	udp->src_port = rte_cpu_to_be_16(ep->lport);
	udp->dst_port = rte_cpu_to_be_16(ep->rport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(total - l3));
	if (v6) {
		struct rte_ipv6_hdr *h = (void *)out;

		h->vtc_flow = rte_cpu_to_be_32(6u << 28);
		h->payload_len = rte_cpu_to_be_16((uint16_t)(total - l3));
		h->proto = ESP_IPPROTO_UDP;
		h->hop_limits = 64;
		memcpy(h->src_addr, ep->local.bytes, 16);
		memcpy(h->dst_addr, ep->remote.bytes, 16);
		udp->dgram_cksum = rte_ipv6_udptcp_cksum(h, udp);
	} else {
		struct rte_ipv4_hdr *h = (void *)out;

		h->version_ihl = RTE_IPV4_VHL_DEF;
		h->total_length = rte_cpu_to_be_16((uint16_t)total);
		h->time_to_live = 64;
		h->next_proto_id = ESP_IPPROTO_UDP;
		memcpy(&h->src_addr, ep->local.bytes, 4);
		memcpy(&h->dst_addr, ep->remote.bytes, 4);
		h->hdr_checksum = rte_ipv4_cksum(h);
		udp->dgram_cksum = rte_ipv4_udptcp_cksum(h, udp);
	}
	return (long)total;
}

long ike_io_build_udp(const struct ike_endpoints *ep, const uint8_t *msg, size_t len,
		      uint8_t *out, size_t cap)
{
	/* RFC 3948 §2.2: IKE on the NAT-T port carries the marker. What
	 * counts is our port: the peer's socket is the one its message left
	 * from; behind a NAT its port on the wire is any (RFC 7296 §2.23),
	 * e.g. its 500 mapped to 40000 gets no marker. */
	return build_udp(ep, msg, len, ep->lport == IKE_UDP_PORT ? 0 : ESP_NON_ESP_MARKER_LEN,
			 out, cap);
}

long ike_io_build_keepalive(const struct ike_endpoints *ep, uint8_t *out, size_t cap)
{
	static const uint8_t ff = 0xff;

	return build_udp(ep, &ff, 1, 0, out, cap);
}

/* ---- kernel sockets ------------------------------------------------------ */

struct ike_io_socket {
	struct ike_io io;
	int fd[4];            /* v4:500, v4:4500, v6:500, v6:4500 */
	uint16_t port[4];
	uint8_t buf[IKE_IO_MAX];
};

static void sockaddr_of(const struct esp_addr *a, uint16_t port, struct sockaddr_storage *ss,
			socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->bytes, 16);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (void *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, a->bytes, 4);
		*len = sizeof(*s4);
	}
}

static int sock_send(struct ike_io *io, const struct ike_endpoints *ep, const uint8_t *msg,
		     size_t len)
{
	struct ike_io_socket *s = (struct ike_io_socket *)io;
	int k = (ep->remote.family == AF_INET6 ? 2 : 0) + (ep->lport == s->port[0] ? 0 : 1);
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t marker = k & 1 ? ESP_NON_ESP_MARKER_LEN : 0;

	if (s->fd[k] < 0 || len + marker > sizeof(s->buf))
		return -EINVAL;
	memset(s->buf, 0, marker);
	memcpy(s->buf + marker, msg, len);
	sockaddr_of(&ep->remote, ep->rport, &ss, &sl);
	if (sendto(s->fd[k], s->buf, len + marker, 0, (struct sockaddr *)&ss, sl) < 0) {
		io->tx_err++;
		return -errno;
	}
	io->tx++;
	return 0;
}

static int sock_keepalive(struct ike_io *io, const struct ike_endpoints *ep)
{
	struct ike_io_socket *s = (struct ike_io_socket *)io;
	int k = (ep->remote.family == AF_INET6 ? 2 : 0) + 1;
	static const uint8_t ff = 0xff;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (s->fd[k] < 0)
		return -EINVAL;
	sockaddr_of(&ep->remote, ep->rport, &ss, &sl);
	return sendto(s->fd[k], &ff, 1, 0, (struct sockaddr *)&ss, sl) < 0 ? -errno : 0;
}

static unsigned sock_poll(struct ike_io *io)
{
	struct ike_io_socket *s = (struct ike_io_socket *)io;
	unsigned n = 0;

	for (int k = 0; k < 4; k++) {
		struct sockaddr_storage from, to;
		socklen_t fl = sizeof(from), tl = sizeof(to);
		ssize_t r;

		if (s->fd[k] < 0)
			continue;
		while ((r = recvfrom(s->fd[k], s->buf, sizeof(s->buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl)) >= 0) {
			struct ike_endpoints ep = { .lport = s->port[k & 1] };
			const uint8_t *msg = s->buf;
			size_t len = (size_t)r;

			getsockname(s->fd[k], (struct sockaddr *)&to, &tl);
			if (from.ss_family == AF_INET6) {
				ep.remote.family = ep.local.family = AF_INET6;
				memcpy(ep.remote.bytes, &((struct sockaddr_in6 *)&from)->sin6_addr, 16);
				memcpy(ep.local.bytes, &((struct sockaddr_in6 *)&to)->sin6_addr, 16);
				ep.rport = ntohs(((struct sockaddr_in6 *)&from)->sin6_port);
			} else {
				ep.remote.family = ep.local.family = AF_INET;
				memcpy(ep.remote.bytes, &((struct sockaddr_in *)&from)->sin_addr, 4);
				memcpy(ep.local.bytes, &((struct sockaddr_in *)&to)->sin_addr, 4);
				ep.rport = ntohs(((struct sockaddr_in *)&from)->sin_port);
			}
			if (k & 1) {
				if (len < ESP_NON_ESP_MARKER_LEN ||
				    (msg[0] | msg[1] | msg[2] | msg[3]) != 0) {
					io->rx_bad++; /* ESP or keepalive: not ours here */
					fl = sizeof(from);
					continue;
				}
				msg += ESP_NON_ESP_MARKER_LEN;
				len -= ESP_NON_ESP_MARKER_LEN;
			}
			io->rx++;
			n++;
			io->recv(io->arg, &ep, msg, len);
			fl = sizeof(from);
		}
	}
	return n;
}

static void sock_close(struct ike_io *io)
{
	struct ike_io_socket *s = (struct ike_io_socket *)io;

	for (int k = 0; k < 4; k++)
		if (s->fd[k] >= 0)
			close(s->fd[k]);
	free(s);
}

static const struct ike_io_ops sock_ops = {
	.send = sock_send,
	.keepalive = sock_keepalive,
	.poll = sock_poll,
	.close = sock_close,
};

struct ike_io *ike_io_socket_open(const struct esp_addr *bind_addr, uint16_t port, uint16_t natt_port,
				  ike_io_recv_fn recv, void *arg, char *err, size_t errlen)
{
	struct ike_io_socket *s = calloc(1, sizeof(*s));
	int opened = 0;

	if (s == NULL)
		return NULL;
	s->io.ops = &sock_ops;
	s->io.recv = recv;
	s->io.arg = arg;
	s->port[0] = port;
	s->port[1] = natt_port;
	for (int k = 0; k < 4; k++) {
		int fam = k < 2 ? AF_INET : AF_INET6, one = 1;
		struct esp_addr any = { .family = (uint8_t)fam };
		const struct esp_addr *a = bind_addr->family == 0 ? &any : bind_addr;
		struct sockaddr_storage ss;
		socklen_t sl;

		s->fd[k] = -1;
		if (a->family != fam)
			continue;
		s->fd[k] = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->fd[k] < 0)
			continue;
		if (fam == AF_INET6)
			setsockopt(s->fd[k], IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(s->fd[k], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		sockaddr_of(a, s->port[k & 1], &ss, &sl);
		if (bind(s->fd[k], (struct sockaddr *)&ss, sl) < 0) {
			snprintf(err, errlen, "IKE socket: bind port %u: %s", s->port[k & 1],
				 strerror(errno));
			close(s->fd[k]);
			s->fd[k] = -1;
			continue;
		}
		opened++;
	}
	if (opened == 0) {
		sock_close(&s->io);
		return NULL;
	}
	return &s->io;
}
