/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SA setup and teardown: parameter checks, key expansion, the outbound
 * outer header template, handler choice, and the lifetime slow path.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dataplane/esp_common.h"
#include "dataplane/sa.h"
#include "dataplane/slab.h"
#include "dataplane/xform.h"

/* The hot part (handler, SPI, flags, sequence number, lifetime thresholds)
 * is one cache line; the outer header template, or inbound the window and
 * the compiled checks, the second. */
static_assert(offsetof(struct esp_sa, hdr) == 64 && offsetof(struct esp_sa, in) == 64,
	      "esp_sa hot fields must fit the first cache line");
static_assert(offsetof(struct esp_sa, rw) + sizeof(void *) <= 128,
	      "template or window and compiled checks, and the window pointer, in line 1");
static_assert(offsetof(struct esp_sa, sel) == 128 &&
	      offsetof(struct esp_sa, local) + sizeof(struct esp_addr) <= 192,
	      "full inbound checks in line 2");
static_assert(offsetof(struct esp_sa, stats) % 64 == 0 &&
	      offsetof(struct esp_sa, key) == offsetof(struct esp_sa, stats) + 16,
	      "the counters and the key data share a line (esp_key_lines())");
static_assert(sizeof(struct esp_event) == 16, "event ring element is 16 octets");

const char *esp_cipher_name(enum esp_cipher c)
{
	switch (c) {
	case ESP_CIPHER_AES128_GCM16:
		return "aes128gcm16";
	case ESP_CIPHER_AES256_GCM16:
		return "aes256gcm16";
	case ESP_CIPHER_CHACHA20_POLY1305:
		return "chacha20poly1305";
	}
	return "?";
}

unsigned esp_cipher_key_len(enum esp_cipher c)
{
	switch (c) {
	case ESP_CIPHER_AES128_GCM16:
		return 16;
	case ESP_CIPHER_AES256_GCM16:
	case ESP_CIPHER_CHACHA20_POLY1305:
		return 32;
	}
	return 0;
}

static bool sa_af_ok(uint8_t af)
{
	return af == AF_INET || af == AF_INET6;
}

int esp_sa_params_check(const struct esp_sa_params *p, const char **why)
{
	const char *w = NULL;
	const uint32_t known = ESP_SA_F_ESN | ESP_SA_F_IIV | ESP_SA_F_NATT;

	if (p->spi < ESP_SPI_MIN)
		w = "SPI 0..255 is reserved (RFC 4303 §2.1)";
	else if (p->dir != ESP_DIR_IN && p->dir != ESP_DIR_OUT)
		w = "bad direction";
	else if (p->mode != ESP_MODE_TUNNEL && p->mode != ESP_MODE_TRANSPORT)
		w = "bad mode";
	else if (esp_cipher_key_len(p->cipher) == 0)
		w = "unsupported cipher";
	else if ((p->flags & ~known) != 0)
		w = "unknown flags";
	else if (p->mode == ESP_MODE_TUNNEL &&
		 (!sa_af_ok(p->local.family) || p->remote.family != p->local.family))
		w = "tunnel mode needs local and remote addresses of one family";
	else if (p->local.family != 0 && !sa_af_ok(p->local.family))
		w = "bad local address family";
	else if (p->remote.family != 0 && !sa_af_ok(p->remote.family))
		w = "bad remote address family";
	else if ((p->flags & ESP_SA_F_NATT) && (p->natt_sport == 0 || p->natt_dport == 0))
		w = "NAT-T needs both UDP ports";
	else if (p->dir == ESP_DIR_IN && p->replay_window != 0 &&
		 (p->replay_window < ESP_REPLAY_MIN || p->replay_window > ESP_REPLAY_MAX))
		w = "replay window must be 0 or 64..4096";
	else if (p->dir == ESP_DIR_OUT && p->seq_start == UINT64_MAX)
		w = "seq_start leaves no sequence number";

	if (why != NULL)
		*why = w;
	return w == NULL ? 0 : -EINVAL;
}

/* Outbound outer header template (RFC 4301 §5.1.2): the fields that are
 * the same for every packet; lengths, ID, DF, DSCP/ECN and checksums are
 * filled per packet. Tunnel: IP (+ UDP); transport: just the UDP header
 * of ESP-in-UDP (RFC 3948 §2.1) if any. */
static void sa_hdr_build(struct esp_sa *sa)
{
	uint8_t *h = sa->hdr;
	unsigned len = 0;
	uint8_t proto = (sa->flags & ESP_SA_F_NATT) ? ESP_IPPROTO_UDP : ESP_IPPROTO_ESP;

	if (sa->mode == ESP_MODE_TUNNEL && sa->outer_af == AF_INET) {
		h[0] = 0x45;
		h[8] = ESP_TTL_DEFAULT;
		h[9] = proto;
		memcpy(h + 12, sa->local.bytes, 4);
		memcpy(h + 16, sa->remote.bytes, 4);
		len = ESP_IPV4_HDR_MIN;
		sa->hdr_sum = __rte_raw_cksum(h, ESP_IPV4_HDR_MIN, 0);
	} else if (sa->mode == ESP_MODE_TUNNEL) {
		h[0] = 0x60;
		h[6] = proto;
		h[7] = ESP_TTL_DEFAULT;
		memcpy(h + 8, sa->local.bytes, 16);
		memcpy(h + 24, sa->remote.bytes, 16);
		len = ESP_IPV6_HDR_LEN;
	}
	if (sa->flags & ESP_SA_F_NATT) {
		esp_put16(h + len, sa->natt_sport);
		esp_put16(h + len + 2, sa->natt_dport);
		len += sizeof(struct esp_udp_hdr);
	}
	sa->hdr_len = (uint8_t)len;
}

void esp_sa_life_arm(struct esp_sa *sa)
{
	uint64_t b = UINT64_MAX, p = UINT64_MAX;

	if (!(sa->fired & ESP_SA_FIRED_SOFT)) {
		if (sa->soft.bytes != 0)
			b = sa->soft.bytes;
		if (sa->soft.packets != 0)
			p = sa->soft.packets;
	}
	if (!(sa->fired & ESP_SA_FIRED_HARD)) {
		if (sa->hard.bytes != 0 && sa->hard.bytes < b)
			b = sa->hard.bytes;
		if (sa->hard.packets != 0 && sa->hard.packets < p)
			p = sa->hard.packets;
	}
	sa->limit_bytes = b;
	sa->limit_packets = p;
}

void esp_event_post(struct esp_ctx *ctx, const struct esp_sa *sa, uint16_t type)
{
	struct esp_event ev = {
		.type = type,
		.dir = sa->dir,
		.spi = sa->spi,
		.sa_id = sa->id,
	};

	if (ctx->events == NULL)
		return;
	if (rte_ring_enqueue_elem(ctx->events, &ev, sizeof(ev)) != 0)
		ctx->events_lost++;
}

static bool sa_reached(uint64_t count, uint64_t limit)
{
	return limit != 0 && count >= limit;
}

void esp_sa_life_expire(struct esp_sa *sa, struct esp_ctx *ctx)
{
	const struct esp_sa_count *st = &sa->stats;

	if (!(sa->fired & ESP_SA_FIRED_SOFT) &&
	    (sa_reached(st->bytes, sa->soft.bytes) || sa_reached(st->packets, sa->soft.packets))) {
		sa->fired |= ESP_SA_FIRED_SOFT;
		esp_event_post(ctx, sa, ESP_EV_SOFT_EXPIRE);
	}
	if (!(sa->fired & ESP_SA_FIRED_HARD) &&
	    (sa_reached(st->bytes, sa->hard.bytes) || sa_reached(st->packets, sa->hard.packets))) {
		/* Hard limit: this was the last packet; later ones are
		 * dropped SA_EXPIRED until the control plane removes it. */
		sa->fired |= ESP_SA_FIRED_HARD;
		sa->flags |= ESP_SA_F_DEAD;
		esp_event_post(ctx, sa, ESP_EV_HARD_EXPIRE);
	}
	esp_sa_life_arm(sa);
}

size_t esp_key_area_size(const IMB_MGR *mgr)
{
	size_t need = mgr->used_arch == IMB_ARCH_AVX512 ? sizeof(struct gcm_key_data)
							: ESP_SA_KEY_SMALL;

	return RTE_ALIGN_CEIL(need, 16);
}

void esp_key_lines(const IMB_MGR *mgr, uint16_t off[ESP_SA_KEY_LINES])
{
	/* where the key data starts, from the counters' line */
	size_t key = offsetof(struct esp_sa, key) - offsetof(struct esp_sa, stats);
	/* AES-128: 11 round keys; H^4..H^1, 64 octets, at 304 (AVX2) or at
	 * the end of struct gcm_key_data (VAES) */
	size_t hkeys = mgr->used_arch == IMB_ARCH_AVX512 ? sizeof(struct gcm_key_data) - 64 : 304;
	size_t from[] = { 0, key, key + hkeys }, to[] = { 64, key + 176, key + hkeys + 64 };
	unsigned n = 0;

	for (unsigned r = 0; r < RTE_DIM(from); r++)
		for (size_t line = RTE_ALIGN_FLOOR(from[r], 64); line < to[r]; line += 64)
			if (n == 0 || (n < ESP_SA_KEY_LINES && line > off[n - 1]))
				off[n++] = (uint16_t)line;
	while (n < ESP_SA_KEY_LINES) {
		off[n] = off[n - 1];
		n++;
	}
}

void esp_sa_stats_read(const struct esp_sa *sa, struct esp_sa_stats *out)
{
	out->packets = sa->stats.packets;
	out->bytes = sa->stats.bytes;
	memcpy(out->drops, sa->drops, sizeof(out->drops));
}

int esp_key_setup(IMB_MGR *mgr, enum esp_cipher c, const uint8_t *key, uint8_t *area)
{
	/* Only IPsec-MB's code dereferences the key data, with unaligned
	 * loads (struct esp_sa.key); C code never accesses it as a struct. */
	struct gcm_key_data *gcm = (struct gcm_key_data *)(void *)area;

	switch (c) {
	case ESP_CIPHER_AES128_GCM16:
		IMB_AES128_GCM_PRE(mgr, key, gcm);
		return 0;
	case ESP_CIPHER_AES256_GCM16:
		IMB_AES256_GCM_PRE(mgr, key, gcm);
		return 0;
	case ESP_CIPHER_CHACHA20_POLY1305:
		memcpy(area, key, 32);
		return 0;
	}
	return -EINVAL;
}

/* A prefix of @p plen bits of an IPv4 address as a network-order mask. */
static uint32_t sa_mask4(unsigned plen)
{
	return plen == 0 ? 0 : rte_cpu_to_be_32(UINT32_MAX << (32 - RTE_MIN(plen, 32u)));
}

void esp_sa_in_compile(struct esp_sa *sa)
{
	const struct spd_sel *sel = &sa->sel;
	uint8_t chk = 0;

	sa->in.local4 = 0;
	sa->in.addrs4 = sa->in.addrs4_m = 0;
	if (sa->local.family == AF_INET) {
		chk |= ESP_IN_CHK_LOCAL4;
		memcpy(&sa->in.local4, sa->local.bytes, 4);
	} else if (sa->local.family != 0) {
		chk |= ESP_IN_CHK_LOCAL6;
	}
	/* Exactly what spd_sel_match() decides for a key carrying the SA's
	 * label (esp_in.c builds the key with sa->label): addresses only. */
	bool addrs_only = sel->proto == 0 && spd_port_any(sel->sport_lo, sel->sport_hi) &&
			  spd_port_any(sel->dport_lo, sel->dport_hi) &&
			  (sel->label == SPD_LABEL_ANY || sel->label == sa->label);

	if (addrs_only && (sel->family == 0 || sel->family == AF_INET6))
		chk |= ESP_IN_CHK_SEL6;
	if (addrs_only && (sel->family == 0 || sel->family == AF_INET)) {
		chk |= ESP_IN_CHK_SEL4;
		if (sel->family == AF_INET) {
			uint32_t sm = sa_mask4(sel->src_len), dm = sa_mask4(sel->dst_len), s, d;

			memcpy(&s, sel->src, 4);
			memcpy(&d, sel->dst, 4);
			sa->in.addrs4_m = esp_word2(sm, dm);
			sa->in.addrs4 = esp_word2(s & sm, d & dm);
		}
	}
	sa->in_chk = chk;
}

esp_xform_fn esp_xform_select(const struct esp_sa *sa)
{
	return sa->dir == ESP_DIR_OUT ? esp_out_handler(sa) : esp_in_handler(sa);
}

struct esp_sa *esp_sa_create(const struct esp_sa_params *p, IMB_MGR *mgr)
{
	const char *why;
	size_t size, key_area;
	uint32_t win = 0;

	if (esp_sa_params_check(p, &why) != 0 || mgr == NULL) {
		errno = EINVAL;
		return NULL;
	}
	key_area = esp_key_area_size(mgr);
	size = offsetof(struct esp_sa, key) + key_area;
	if (p->dir == ESP_DIR_IN) {
		win = p->replay_window;
		if (replay_window_bytes(win) > sizeof(((struct esp_sa *)0)->in.rw_mem))
			size += replay_window_bytes(win);
	}
	size = RTE_ALIGN_CEIL(size, RTE_CACHE_LINE_SIZE);
	struct esp_sa *sa = slab_zalloc(size);
	if (sa == NULL) {
		errno = ENOMEM;
		return NULL;
	}

	sa->alloc_size = (uint32_t)size;
	sa->spi = p->spi;
	sa->flags = p->flags;
	sa->dir = (uint8_t)p->dir;
	sa->mode = (uint8_t)p->mode;
	sa->cipher = (uint8_t)p->cipher;
	/* RFC 8750 §2: implicit IV SAs send no IV. */
	sa->iv_len = (p->flags & ESP_SA_F_IIV) ? 0 : ESP_IV_LEN;
	sa->outer_af = p->mode == ESP_MODE_TUNNEL ? p->local.family : 0;
	sa->owner = p->owner;
	sa->label = p->label;
	memcpy(sa->salt, p->salt, ESP_SALT_LEN);
	sa->id = p->id;
	sa->local = p->local;
	sa->remote = p->remote;
	sa->sel = p->sel;
	sa->soft = p->soft;
	sa->hard = p->hard;
	esp_sa_life_arm(sa);
	(void)esp_key_setup(mgr, p->cipher, p->key, sa->key);

	if (p->dir == ESP_DIR_OUT) {
		sa->natt_sport = p->natt_sport;
		sa->natt_dport = p->natt_dport;
		sa->seq = p->seq_start;
		sa_hdr_build(sa);
		sa->rw = NULL;
	} else {
		/* seq_start is the last sequence number seen (tests). */
		/* Small windows live in line 1, next to the checks. */
		if (replay_window_bytes(win) <= sizeof(sa->in.rw_mem))
			sa->rw = (struct replay_window *)(void *)sa->in.rw_mem;
		else
			sa->rw = (struct replay_window *)(void *)(sa->key + key_area);
		replay_window_init(sa->rw, win, p->seq_start);
		esp_sa_in_compile(sa);
	}
	/* Outbound growth at most: outer header (or UDP) + ESP header + IV +
	 * padding to 4 octets (3) + pad length and next header (2) + ICV
	 * (RFC 4303 §2). Inbound SAs only shrink packets: 0. */
	if (p->dir == ESP_DIR_OUT)
		sa->overhead = (uint16_t)(sa->hdr_len + sizeof(struct esp_hdr) + sa->iv_len +
					  (ESP_PAD_ALIGN - 1) + sizeof(struct esp_tail) +
					  ESP_ICV_LEN);
	sa->xform = esp_xform_select(sa);
	return sa;
}

void esp_sa_destroy(struct esp_sa *sa)
{
	if (sa == NULL)
		return;
	/* Key schedule, GHASH tables and salt are secrets. */
	size_t size = sa->alloc_size;

	explicit_bzero(sa, size);
	slab_free(sa, size);
}
