/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pcaps the generator port replays. Outbound: clear IPv4/UDP or
 * IPv6/UDP frames from host A (10.1.0.1 / fd01::1) to host B (10.2.0.1 /
 * fd02::1). Inbound: the same frames as ESP, encrypted by esprit's own
 * esp_outbound for the SA (the peer gateway's view of it), so the
 * benchmark never depends on another ESP implementation.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <pcap/pcap.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "dataplane/bench/bench.h"
#include "dataplane/sad.h"
#include "dataplane/xform.h"

struct rte_mempool *bench_pool;

enum {
	GEN_PKTS_1SA = 512,        /* packets in a one-SA pcap unless --flows */
	GEN_SIZE_MAX = 1500,
	GEN_ETH = 14,
};

/* Simple IMIX (7:4:1), with 1420 instead of 1518 so that the
 * encapsulated packet still fits a 1500-octet path MTU. */
static const uint32_t imix_cycle[] = { 64, 576, 64, 64, 1420, 64, 576, 64, 64, 576, 64, 576 };

static void addr(struct esp_addr *a, const char *s)
{
	uint8_t plen;

	(void)esp_addr_parse(s, a, &plen);
}

void bench_topo(struct bench_topo *t, const struct bench_case *c)
{
	bool v4 = c->family == AF_INET, outer4 = c->outer == AF_INET;

	t->family = c->family;
	addr(&t->inner_src, v4 ? "10.1.0.1" : "fd01::1");
	addr(&t->inner_dst, v4 ? "10.2.0.1" : "fd02::1");
	addr(&t->gw_local, outer4 ? "192.0.2.1" : "2001:db8::1");
	addr(&t->gw_remote, outer4 ? "192.0.2.2" : "2001:db8::2");
}

/* MurmurHash3's finalizer: a bijection on 32 bits (key material and the
 * SPIs' free bits from SA numbers). */
static uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

uint32_t bench_spi(const struct bench_case *c, uint32_t k)
{
	uint16_t w = (uint16_t)c->workers;

	if (c->dir == BENCH_OUT)
		return 0x1000 + k;
	/* What get_spi hands out (drivers/ipsec_ring.c): an SPI of a free
	 * direct slot of its owner's SAD, here slot k / w + 1 of worker
	 * k % w; the other bits from k. */
	return sad_spi_make(sad_direct_slots(c->n_sas), k / w + 1, (uint16_t)(k % w), w,
			    mix32(k + 1));
}

uint16_t bench_owner(const struct bench_case *c, uint32_t k)
{
	/* Inbound ownership follows the SPI (drivers/ipsec_ring.c). */
	if (c->dir == BENCH_IN)
		return (uint16_t)(bench_spi(c, k) % c->workers);
	return (uint16_t)(k % c->workers);
}

void bench_inner_dst(const struct bench_case *c, const struct bench_topo *t, uint32_t k,
		     uint8_t out[16])
{
	memcpy(out, t->inner_dst.bytes, 16);
	if (c->dir == BENCH_OUT && c->n_sas > 1 && c->tunnel == BENCH_TUNNEL_EACH) {
		/* one /32 (/128) selector per SA: 10.2.x.y */
		unsigned at = t->family == AF_INET ? 2 : 13;

		out[at] = (uint8_t)(k >> 8);
		out[at + 1] = (uint8_t)(k + 1);
		if (t->family == AF_INET6) {
			out[at] = (uint8_t)(k >> 16);
			out[at + 1] = (uint8_t)(k >> 8);
			out[at + 2] = (uint8_t)(k + 1);
		}
	}
}

/* The peer gateway of SA @p k: t->gw_remote, or with many peers one of
 * RFC 2544's benchmarking range (198.18.0.0/15) or 2001:db8:1::/96, which
 * esprit reaches through t->gw_remote (bench_run.c). */
static struct esp_addr bench_peer(const struct bench_case *c, const struct bench_topo *t,
				  uint32_t k)
{
	struct esp_addr a = t->gw_remote;
	uint32_t j;

	if (c->peers <= 1)
		return a;
	j = k % c->peers + 1;
	if (a.family == AF_INET) {
		addr(&a, "198.18.0.0");
		a.bytes[1] = (uint8_t)(18 + (j >> 16));
	} else {
		addr(&a, "2001:db8:1::");
		a.bytes[13] = (uint8_t)(j >> 16);
	}
	a.bytes[a.family == AF_INET ? 2 : 14] = (uint8_t)(j >> 8);
	a.bytes[a.family == AF_INET ? 3 : 15] = (uint8_t)j;
	return a;
}

/* Host @p i of a site whose first address is @p site: @p site itself, or
 * with many hosts host i % hosts of its /16 (/64) from x.x.1.0 (::100)
 * on, clear of a gateway's x.x.0.254. */
static struct esp_addr bench_host(const struct bench_case *c, const struct esp_addr *site,
				  uint32_t i)
{
	struct esp_addr a = *site;
	uint32_t h = 256 + i % c->hosts;

	if (c->hosts <= 1)
		return a;
	a.bytes[a.family == AF_INET ? 2 : 14] = (uint8_t)(h >> 8);
	a.bytes[a.family == AF_INET ? 3 : 15] = (uint8_t)h;
	return a;
}

void bench_sa_params(struct esp_sa_params *p, const struct bench_case *c,
		     const struct bench_topo *t, uint32_t k, enum esp_dir dir)
{
	bool v4 = t->family == AF_INET;
	struct esp_addr peer = bench_peer(c, t, k);

	memset(p, 0, sizeof(*p));
	p->spi = bench_spi(c, k);
	p->dir = dir;
	p->mode = ESP_MODE_TUNNEL;
	p->cipher = c->cipher;
	p->flags = c->iiv ? ESP_SA_F_IIV : 0;
	/* Keys differ per SA, so a million SAs are a million key schedules. */
	for (unsigned i = 0; i < sizeof(p->key); i++)
		p->key[i] = (uint8_t)(mix32(p->spi + i) >> 7);
	memcpy(p->salt, "\x5a\x17\xc0\x01", 4);
	/* The pcap replays the same sequence numbers forever, so anti-replay
	 * would drop every packet after the first pass: the window is off
	 * (RFC 4303 §3.4.3 lets a receiver do that; ipsec-secgw's default). */
	p->replay_window = 0;
	if (c->dir == BENCH_OUT) {
		/* our outbound SA: local → remote; the selector is host A's
		 * site → B's */
		p->local = dir == ESP_DIR_OUT ? t->gw_local : peer;
		p->remote = dir == ESP_DIR_OUT ? peer : t->gw_local;
	} else {
		/* our inbound SA: the peer (remote) sends to us (local); the
		 * pcap is made with the peer's outbound twin */
		p->local = dir == ESP_DIR_IN ? t->gw_local : peer;
		p->remote = dir == ESP_DIR_IN ? peer : t->gw_local;
	}
	p->sel.family = t->family;
	p->sel.sport_hi = p->sel.dport_hi = UINT16_MAX;
	if (c->dir == BENCH_OUT) {
		memcpy(p->sel.src, t->inner_src.bytes, 16);
		memcpy(p->sel.dst, t->inner_dst.bytes, 16);
		p->sel.src_len = v4 ? 16 : 64;
		p->sel.dst_len = v4 ? 16 : 64;
	} else {
		/* inbound traffic comes from B's site to A's */
		memcpy(p->sel.src, t->inner_dst.bytes, 16);
		memcpy(p->sel.dst, t->inner_src.bytes, 16);
		p->sel.src_len = v4 ? 16 : 64;
		p->sel.dst_len = v4 ? 16 : 64;
	}
}

unsigned bench_frame_sizes(const struct bench_case *c, uint32_t *sizes, unsigned max)
{
	if (c->size != BENCH_SIZE_IMIX) {
		sizes[0] = c->size;
		return 1;
	}
	unsigned n = RTE_MIN((unsigned)RTE_DIM(imix_cycle), max);

	memcpy(sizes, imix_cycle, n * sizeof(*sizes));
	return n;
}

/* An IP/UDP packet of @p ip_len octets (no L2) at @p p. */
static void inner_packet(uint8_t *p, uint32_t ip_len, uint8_t family, const uint8_t *src,
			 const uint8_t *dst, uint16_t sport)
{
	uint32_t l3 = family == AF_INET ? 20 : 40;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(p + l3);

	if (family == AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		memset(ip, 0, sizeof(*ip));
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16((uint16_t)ip_len);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		memcpy(&ip->src_addr, src, 4);
		memcpy(&ip->dst_addr, dst, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p;

		memset(ip6, 0, sizeof(*ip6));
		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(ip_len - l3));
		ip6->proto = IPPROTO_UDP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, src, 16);
		memcpy(ip6->dst_addr, dst, 16);
	}
	udp->src_port = rte_cpu_to_be_16(sport);
	udp->dst_port = rte_cpu_to_be_16(9);   /* discard */
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(ip_len - l3));
	udp->dgram_cksum = 0;
	for (uint32_t i = l3 + 8; i < ip_len; i++)
		p[i] = (uint8_t)i;
	if (family == AF_INET6)
		udp->dgram_cksum = rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)p, udp);
}

static void eth_header(uint8_t *p, uint8_t family)
{
	static const uint8_t dst[6] = { 2, 0, 0, 0, 0xe5, 1 }, src[6] = { 2, 0, 0, 0, 0xa0, 1 };
	uint16_t t = rte_cpu_to_be_16(family == AF_INET ? RTE_ETHER_TYPE_IPV4
							: RTE_ETHER_TYPE_IPV6);

	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	memcpy(p + 12, &t, 2);
}

/* RFC 4303 §2.4: the AEAD runs over payload, padding to 4, and 2 octets. */
static uint32_t aead_len(uint32_t payload)
{
	return (payload + 2 + 3) & ~3u;
}

/* The SAs a port's pcap uses: all of them, or only those owned by the
 * port's worker (no handoff needed). */
static uint32_t pick_sa(const struct bench_case *c, uint16_t port, uint32_t i, uint64_t *rng)
{
	if (c->n_sas == 1)
		return 0;
	for (;;) {
		uint32_t k;

		if (c->dir == BENCH_IN && c->flows > 1) {
			*rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
			k = (uint32_t)((*rng >> 33) % c->n_sas);
		} else {
			k = (i + port) % c->n_sas;
			i++;
		}
		if (c->workers == 1 || c->spread || bench_owner(c, k) == port)
			return k;
	}
}

int bench_pcap_write(const char *path, const struct bench_case *c, uint16_t port,
		     IMB_MGR *mgr, uint32_t *ct_lens, unsigned max, double *avg_frame)
{
	uint32_t sizes[16];
	unsigned nsizes = bench_frame_sizes(c, sizes, RTE_DIM(sizes));
	unsigned npkts = c->flows > 1 ? c->flows : GEN_PKTS_1SA;
	struct bench_topo t;
	struct esp_ctx ctx = { .mgr = mgr };
	struct esp_sa *gen = NULL;
	uint32_t gen_k = UINT32_MAX;
	uint64_t rng = 0x2545f4914f6cdd1dull + port, bytes = 0;
	pcap_t *pd;
	pcap_dumper_t *dump;
	int rc = -1;

	bench_topo(&t, c);
	pd = pcap_open_dead(DLT_EN10MB, 65535);
	if (pd == NULL)
		return -1;
	dump = pcap_dump_open(pd, path);
	if (dump == NULL) {
		fprintf(stderr, "esprit-bench: %s: %s\n", path, pcap_geterr(pd));
		pcap_close(pd);
		return -1;
	}
	if (npkts > max)
		npkts = max;
	/* one generator SA per inbound SA, created on first use: a million
	 * SAs' worth of pcap would not fit, so the pcap holds c->flows
	 * packets spread over random SAs */
	struct esp_sa **gens = NULL;

	if (c->dir == BENCH_IN && c->n_sas > 1) {
		gens = calloc(c->n_sas, sizeof(*gens));
		if (gens == NULL)
			goto out;
	}
	for (unsigned i = 0; i < npkts; i++) {
		uint32_t frame = sizes[i % nsizes], ip_len = frame - GEN_ETH;
		uint32_t k = pick_sa(c, port, i, &rng);
		uint8_t dst[16];
		struct rte_mbuf *m = rte_pktmbuf_alloc(bench_pool);
		uint8_t *p;

		if (m == NULL)
			goto out;
		bench_inner_dst(c, &t, k, dst);
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)ip_len);
		if (p == NULL) {
			rte_pktmbuf_free(m);
			goto out;
		}
		if (c->dir == BENCH_OUT) {
			/* many hosts: from host i of site A, and through one
			 * tunnel to host 7i of site B */
			struct esp_addr src = bench_host(c, &t.inner_src, i);
			struct esp_addr to = bench_host(c, &t.inner_dst, 7 * i);

			if (c->n_sas == 1)
				memcpy(dst, to.bytes, 16);
			inner_packet(p, ip_len, c->family, src.bytes, dst, (uint16_t)(1024 + i));
		} else {
			inner_packet(p, ip_len, c->family, t.inner_dst.bytes, t.inner_src.bytes,
				     (uint16_t)(1024 + i));
			struct esp_sa *sa = gens != NULL ? gens[k] : (gen_k == k ? gen : NULL);

			if (sa == NULL) {
				struct esp_sa_params sp;

				bench_sa_params(&sp, c, &t, k, ESP_DIR_OUT);
				sa = esp_sa_create(&sp, mgr);
				if (sa == NULL) {
					rte_pktmbuf_free(m);
					goto out;
				}
				if (gens != NULL) {
					gens[k] = sa;
				} else {
					gen = sa;
					gen_k = k;
				}
			}
			if (esp_outbound(sa, &m, 1, &ctx) != 1) {
				rte_pktmbuf_free(m);
				goto out;
			}
		}
		p = (uint8_t *)rte_pktmbuf_prepend(m, GEN_ETH);
		eth_header(p, c->dir == BENCH_IN ? c->outer : c->family);

		struct pcap_pkthdr h = { .caplen = rte_pktmbuf_data_len(m),
					 .len = rte_pktmbuf_data_len(m) };

		pcap_dump((u_char *)dump, &h, p);
		bytes += frame;
		if (ct_lens != NULL)
			ct_lens[i] = aead_len(ip_len);
		rte_pktmbuf_free(m);
	}
	*avg_frame = (double)bytes / npkts;
	rc = (int)npkts;
out:
	if (gens != NULL) {
		for (uint32_t k = 0; k < c->n_sas; k++)
			esp_sa_destroy(gens[k]);
		free(gens);
	}
	esp_sa_destroy(gen);
	pcap_dump_close(dump);
	pcap_close(pd);
	return rc;
}
