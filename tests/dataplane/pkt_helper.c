/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dataplane/spd.h"
#include "tests/dataplane/pkt_helper.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void test_ip4_cksum(uint8_t *ip)
{
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)ip;
	h->hdr_checksum = 0;
	h->hdr_checksum = rte_ipv4_cksum(h);
}

size_t test_ip4_udp(uint8_t *buf, const char *src, const char *dst, uint16_t sport,
		    uint16_t dport, size_t plen, uint8_t tos, bool df)
{
	size_t len = 20 + 8 + plen;
	memset(buf, 0, 28);
	buf[0] = 0x45;
	buf[1] = tos;
	put16(buf + 2, (uint16_t)len);
	put16(buf + 4, 0x1234);
	put16(buf + 6, df ? 0x4000 : 0);
	buf[8] = 64;
	buf[9] = 17;
	inet_pton(AF_INET, src, buf + 12);
	inet_pton(AF_INET, dst, buf + 16);
	put16(buf + 20, sport);
	put16(buf + 22, dport);
	put16(buf + 24, (uint16_t)(8 + plen));
	for (size_t i = 0; i < plen; i++)
		buf[28 + i] = (uint8_t)(i * 7 + 3);
	test_ip4_cksum(buf);
	return len;
}

size_t test_ip6_udp(uint8_t *buf, const char *src, const char *dst, uint16_t sport,
		    uint16_t dport, size_t plen, uint8_t tclass)
{
	size_t len = 40 + 8 + plen;
	memset(buf, 0, 48);
	buf[0] = (uint8_t)(0x60 | tclass >> 4);
	buf[1] = (uint8_t)(tclass << 4 | 0x1);  /* flow label 0x1abcd */
	buf[2] = 0xab;
	buf[3] = 0xcd;
	put16(buf + 4, (uint16_t)(8 + plen));
	buf[6] = 17;
	buf[7] = 64;
	inet_pton(AF_INET6, src, buf + 8);
	inet_pton(AF_INET6, dst, buf + 24);
	put16(buf + 40, sport);
	put16(buf + 42, dport);
	put16(buf + 44, (uint16_t)(8 + plen));
	for (size_t i = 0; i < plen; i++)
		buf[48 + i] = (uint8_t)(i * 5 + 1);
	return len;
}

void test_sa_params(struct esp_sa_params *p, enum esp_dir dir, enum esp_mode mode,
		    enum esp_cipher cipher, uint32_t flags, uint8_t outer_af)
{
	const char *a = outer_af == AF_INET6 ? "2001:db8::1" : "192.0.2.1";
	const char *b = outer_af == AF_INET6 ? "2001:db8::2" : "192.0.2.2";

	memset(p, 0, sizeof(*p));
	p->spi = 0x1000;
	p->dir = dir;
	p->mode = mode;
	p->cipher = cipher;
	p->flags = flags;
	for (unsigned i = 0; i < sizeof(p->key); i++)
		p->key[i] = (uint8_t)(0x40 + i);
	memcpy(p->salt, "\xca\xfe\xba\xbe", 4);
	/* a is the sender, b the receiver */
	esp_addr_parse(dir == ESP_DIR_OUT ? a : b, &p->local, NULL);
	esp_addr_parse(dir == ESP_DIR_OUT ? b : a, &p->remote, NULL);
	p->natt_sport = 4500;
	p->natt_dport = 4500;
	p->replay_window = dir == ESP_DIR_IN ? 64 : 0;
	spd_sel_any(&p->sel, 0);
}

void test_in_layout(struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint8_t proto;

	m->l3_len = 0;
	m->l4_len = 0;
	if (rte_pktmbuf_pkt_len(m) < 1)
		return;
	if ((p[0] >> 4) == 4 && rte_pktmbuf_pkt_len(m) >= 20) {
		m->l3_len = (uint16_t)((p[0] & 0xf) * 4);
		proto = p[9];
	} else if ((p[0] >> 4) == 6 && rte_pktmbuf_pkt_len(m) >= 40) {
		/* walk hop-by-hop/routing/dest-opts to ESP or UDP */
		uint32_t off = 40;
		proto = p[6];
		while ((proto == 0 || proto == 43 || proto == 60) &&
		       off + 2 <= rte_pktmbuf_pkt_len(m)) {
			uint8_t nh = p[off];
			off += ((uint32_t)p[off + 1] + 1) * 8;
			proto = nh;
		}
		m->l3_len = (uint16_t)off;
	} else {
		return;
	}
	if (proto == 17)
		m->l4_len = 8;
}
