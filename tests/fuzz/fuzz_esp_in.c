/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_esp_in.c - libFuzzer target for esp_inbound over four fixed SAs:
 *   0: tunnel IPv4, AES-128-GCM, explicit IV, window 64
 *   1: tunnel IPv6, ChaCha20-Poly1305, implicit IV, ESN, NAT-T, window 4096
 *   2: transport IPv4, AES-256-GCM, NAT-T, window 128
 *   3: transport IPv6, AES-128-GCM, implicit IV, ESN, window 64
 * Whatever the input, esp_inbound must not crash, read out of bounds, or
 * leak; the mbuf is freed after each run.
 */
#include <string.h>
#include <sys/socket.h>

#include <rte_mbuf.h>

#include "dataplane/esp_common.h"
#include "dataplane/sa.h"
#include "dataplane/spd.h"
#include "dataplane/xform.h"
#include "tests/dataplane/eal_helper.h"
#include "tests/dataplane/pkt_helper.h"
#include "tests/fuzz/fuzz_esp_in.h"

static struct esp_sa *sas[FUZZ_ESP_NSA];
static uint64_t next_seq[FUZZ_ESP_NSA];
static struct esp_ctx ctx;
static uint64_t accepted;

static const struct {
	enum esp_mode mode;
	enum esp_cipher cipher;
	uint32_t flags;
	uint8_t af;
	uint16_t window;
} sa_conf[FUZZ_ESP_NSA] = {
	{ ESP_MODE_TUNNEL, ESP_CIPHER_AES128_GCM16, 0, AF_INET, 64 },
	{ ESP_MODE_TUNNEL, ESP_CIPHER_CHACHA20_POLY1305,
	  ESP_SA_F_IIV | ESP_SA_F_ESN | ESP_SA_F_NATT, AF_INET6, 4096 },
	{ ESP_MODE_TRANSPORT, ESP_CIPHER_AES256_GCM16, ESP_SA_F_NATT, AF_INET, 128 },
	{ ESP_MODE_TRANSPORT, ESP_CIPHER_AES128_GCM16, ESP_SA_F_IIV | ESP_SA_F_ESN, AF_INET6, 64 },
};

static int fuzz_init(void)
{
	if (sas[0] != NULL)
		return 0;
	if (test_eal_init("fuzz_esp_in") != 0)
		return -1;
	ctx.mgr = test_mgr();
	for (unsigned i = 0; i < FUZZ_ESP_NSA; i++) {
		struct esp_sa_params p;
		test_sa_params(&p, ESP_DIR_IN, sa_conf[i].mode, sa_conf[i].cipher, sa_conf[i].flags,
			       sa_conf[i].af);
		p.spi = 0x1000 + i;
		p.replay_window = sa_conf[i].window;
		/* start close to the ESN boundary so inference is exercised */
		p.seq_start = (sa_conf[i].flags & ESP_SA_F_ESN) ? 0xffffff00u : 0;
		next_seq[i] = p.seq_start;
		sas[i] = esp_sa_create(&p, test_mgr());
		if (sas[i] == NULL)
			return -1;
	}
	return 0;
}

/* The worker's classification: l3_len up to ESP/UDP, l4_len 8 for UDP. */
static void fuzz_layout(struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = rte_pktmbuf_pkt_len(m), off;
	uint8_t proto;

	m->l3_len = 0;
	m->l4_len = 0;
	if (len >= 20 && (p[0] >> 4) == 4) {
		off = (uint32_t)(p[0] & 0xf) * 4;
		proto = p[9];
	} else if (len >= 40 && (p[0] >> 4) == 6) {
		off = 40;
		proto = p[6];
		for (int i = 0; i < 4 && (proto == 0 || proto == 43 || proto == 60) &&
				off + 2 <= len; i++) {
			proto = p[off];
			off += ((uint32_t)p[off + 1] + 1) * 8;
		}
	} else {
		return;
	}
	if (off > 255)
		return;
	m->l3_len = (uint16_t)off;
	if (proto == ESP_IPPROTO_UDP)
		m->l4_len = 8;
}

size_t fuzz_esp_in_seal(unsigned idx, const uint8_t *pt, size_t len, uint8_t *out, size_t cap)
{
	if (fuzz_init() != 0 || idx >= FUZZ_ESP_NSA)
		return 0;
	struct esp_sa *sa = sas[idx];
	bool v6 = sa_conf[idx].af == AF_INET6, natt = sa->flags & ESP_SA_F_NATT;
	bool esn = sa->flags & ESP_SA_F_ESN;
	size_t ip = v6 ? 40 : 20, udp = natt ? 8 : 0;
	size_t ptl = len & ~(size_t)3;
	size_t total = ip + udp + 8 + sa->iv_len + ptl + ESP_ICV_LEN;

	if (ptl == 0 || total > cap || total > 4000)
		return 0;
	memset(out, 0, ip + udp);
	if (v6) {
		out[0] = 0x60;
		esp_put16(out + 4, (uint16_t)(total - 40));
		out[6] = natt ? ESP_IPPROTO_UDP : ESP_IPPROTO_ESP;
		out[7] = 64;
		memcpy(out + 8, sa->remote.bytes, 16);
		memcpy(out + 24, sa->local.bytes, 16);
	} else {
		out[0] = 0x45;
		esp_put16(out + 2, (uint16_t)total);
		out[8] = 64;
		out[9] = natt ? ESP_IPPROTO_UDP : ESP_IPPROTO_ESP;
		memcpy(out + 12, sa->remote.bytes, 4);
		memcpy(out + 16, sa->local.bytes, 4);
		esp_ip4_cksum_fix(out);
	}
	if (natt) {
		esp_put16(out + ip, 4500);
		esp_put16(out + ip + 2, 4500);
		esp_put16(out + ip + 4, (uint16_t)(total - ip));
	}
	uint64_t seq = ++next_seq[idx];
	uint8_t *esp = out + ip + udp, *ct = esp + 8 + sa->iv_len;
	uint8_t nonce[ESP_NONCE_LEN], aad[ESP_AAD_MAX];
	esp_put32(esp, sa->spi);
	esp_put32(esp + 4, (uint32_t)seq);
	if (sa->iv_len != 0) {
		esp_put64(esp + 8, seq);
		esp_nonce_explicit(nonce, sa->salt, esp + 8);
	} else {
		esp_nonce_iiv(nonce, sa->salt, seq, esn);
	}
	uint32_t alen = esp_aad_build(aad, sa->spi, seq, esn);
	memcpy(ct, pt, ptl);
	esp_aead(test_mgr(), &sa->key, sa->cipher, true, nonce, aad, alen, ct, ct,
		 (uint32_t)ptl, ct + ptl);
	if (natt && v6) {
		uint16_t c = esp_udp6_cksum(out, out + ip, (uint32_t)(total - ip));
		memcpy(out + ip + 6, &c, 2);
	}
	return total;
}

uint64_t fuzz_esp_in_accepted(void)
{
	return accepted;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t sealed[4096];

	if (fuzz_init() != 0)
		__builtin_trap();
	if (size < 1 || size > 4000)
		return 0;
	unsigned idx = data[0] & (FUZZ_ESP_NSA - 1);
	const uint8_t *pkt = data + 1;
	size_t len = size - 1;

	if (data[0] & FUZZ_ESP_SEAL) {
		len = fuzz_esp_in_seal(idx, data + 1, size - 1, sealed, sizeof(sealed));
		if (len == 0)
			return 0;
		pkt = sealed;
	}
	struct rte_mbuf *m = test_mbuf(pkt, len);
	if (m == NULL)
		return 0;
	fuzz_layout(m);
	uint16_t good = esp_inbound(sas[idx], &m, 1, &ctx);
	if (good == 1) {
		/* the result must be a well-formed packet within the mbuf */
		const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
		struct spd_key k;
		if (spd_key_from_ip(&k, p, rte_pktmbuf_pkt_len(m), 0) != 0)
			__builtin_trap();
		accepted++;
	}
	rte_pktmbuf_free(m);
	return 0;
}
