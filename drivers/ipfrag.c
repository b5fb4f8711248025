/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP fragmentation and reassembly for the gateway's own datagrams: see
 * ipfrag.h. RFC 791 §3.2 (IPv4), RFC 8200 §4.5 (IPv6 Fragment header),
 * RFC 5722 (overlaps discard the datagram), RFC 6946 (atomic fragments).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/ipfrag.h"

enum {
	IP4_HDR = 20,
	IP4_HDR_MAX = 60,
	IP4_MF = 0x2000,
	IP4_DF = 0x4000,
	IP4_OFF_MASK = 0x1fff,
	IP6_HDR = 40,
	IP6_FRAG_HDR = 8,
	IP6_EXT_MAX = 8,                /* extension headers walked before giving up */
	NH_HOP = 0,
	NH_ROUTING = 43,
	NH_FRAGMENT = 44,
	NH_DSTOPTS = 60,
	BLOCKS = IPFRAG_SIZE_MAX / 8 + 1,
	DATA_STEP = 2048,               /* a datagram's buffer grows in these */
};

/* One received fragment, parsed. */
struct frag {
	uint8_t family, proto;
	const uint8_t *src, *dst;
	uint32_t id;
	uint32_t off, len;              /* octets of the fragmentable part */
	bool more;
	const uint8_t *hdr, *data;
	uint32_t hdr_len;               /* IPv4: the header with options; IPv6: 40 */
};

/* A datagram being reassembled; family 0 marks a free slot. */
struct dgram {
	uint64_t first_ms;
	uint8_t family, proto;
	uint8_t src[16], dst[16];
	uint32_t id;
	uint32_t total;                 /* payload octets, once the last fragment came */
	uint32_t have, end;             /* octets received, highest end seen */
	uint32_t cap;
	unsigned nfrags;
	uint16_t hdr_len;               /* 0 until the fragment at offset 0 came */
	uint8_t hdr[IP4_HDR_MAX];
	uint8_t *data;
	uint64_t map[(BLOCKS + 63) / 64]; /* 8-octet blocks received */
};

struct ipfrag_table {
	struct ipfrag_limits lim;
	struct ipfrag_stats st;
	struct dgram *d;
	uint8_t out[IP4_HDR_MAX + IPFRAG_SIZE_MAX];
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* RFC 791 header checksum over @p len octets (the field itself zeroed). */
static void ip4_checksum(uint8_t *h, size_t len)
{
	uint32_t sum = 0;

	put16(h + 10, 0);
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(h + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(h + 10, (uint16_t)~sum);
}

/* ---- parsing -------------------------------------------------------------- */

static enum ipfrag_result parse4(const uint8_t *p, size_t len, struct frag *f)
{
	uint32_t ihl = (uint32_t)(p[0] & 0xf) * 4, tot;
	uint16_t fo;

	if (len < IP4_HDR || ihl < IP4_HDR)
		return IPFRAG_DROPPED;
	tot = get16(p + 2);
	if (tot < ihl || tot > len)
		return IPFRAG_DROPPED;
	fo = get16(p + 6);
	if ((fo & (IP4_MF | IP4_OFF_MASK)) == 0)
		return IPFRAG_WHOLE;
	*f = (struct frag){
		.family = 4, .proto = p[9], .src = p + 12, .dst = p + 16, .id = get16(p + 4),
		.off = (uint32_t)(fo & IP4_OFF_MASK) * 8, .len = tot - ihl,
		.more = (fo & IP4_MF) != 0, .hdr = p, .hdr_len = ihl, .data = p + ihl,
	};
	return IPFRAG_HELD;
}

/* RFC 8200 §4.1: the Fragment header may follow Hop-by-Hop, Routing and
 * Destination Options headers; anything else ends the walk. */
static enum ipfrag_result parse6(const uint8_t *p, size_t len, struct frag *f)
{
	uint32_t tot, pos = IP6_HDR;
	uint8_t nh;

	if (len < IP6_HDR)
		return IPFRAG_DROPPED;
	tot = IP6_HDR + get16(p + 4);
	if (tot > len)
		return IPFRAG_DROPPED;
	nh = p[6];
	for (int i = 0; nh != NH_FRAGMENT; i++) {
		if (nh != NH_HOP && nh != NH_ROUTING && nh != NH_DSTOPTS)
			return IPFRAG_WHOLE;
		if (i == IP6_EXT_MAX || pos + 2 > tot)
			return IPFRAG_DROPPED;
		nh = p[pos];
		pos += ((uint32_t)p[pos + 1] + 1) * 8;
	}
	if (pos + IP6_FRAG_HDR > tot)
		return IPFRAG_DROPPED;
	uint16_t fo = get16(p + pos + 2);

	*f = (struct frag){
		.family = 6, .proto = p[pos], .src = p + 8, .dst = p + 24, .id = get32(p + pos + 4),
		.off = fo & 0xfff8u, .len = tot - pos - IP6_FRAG_HDR, .more = (fo & 1) != 0,
		.hdr = p, .hdr_len = IP6_HDR, .data = p + pos + IP6_FRAG_HDR,
	};
	return IPFRAG_HELD;
}

/* IPFRAG_HELD: @p f is a fragment; WHOLE: not one; DROPPED: malformed. */
static enum ipfrag_result parse(const uint8_t *p, size_t len, struct frag *f)
{
	enum ipfrag_result r;

	if (len == 0)
		return IPFRAG_DROPPED;
	if (p[0] >> 4 == 4)
		r = parse4(p, len, f);
	else if (p[0] >> 4 == 6)
		r = parse6(p, len, f);
	else
		return IPFRAG_DROPPED;
	/* Every fragment but the last carries a multiple of 8 octets. */
	if (r == IPFRAG_HELD && (f->len == 0 || (f->more && f->len % 8 != 0)))
		return IPFRAG_DROPPED;
	return r;
}

/* ---- the table ------------------------------------------------------------ */

struct ipfrag_table *ipfrag_table_new(const struct ipfrag_limits *lim)
{
	static const struct ipfrag_limits def = {
		.max_dgrams = IPFRAG_DGRAMS_DEFAULT, .max_frags = IPFRAG_FRAGS_DEFAULT,
		.max_size = IPFRAG_SIZE_MAX, .timeout_ms = IPFRAG_TIMEOUT_MS_DEFAULT,
	};
	struct ipfrag_table *t;

	if (lim == NULL)
		lim = &def;
	if (lim->max_dgrams < 1 || lim->max_dgrams > 1024 || lim->max_frags < 2 ||
	    lim->max_frags > 8192 || lim->max_size < 8 || lim->max_size > IPFRAG_SIZE_MAX ||
	    lim->timeout_ms == 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->lim = *lim;
	t->d = calloc(lim->max_dgrams, sizeof(*t->d));
	if (t->d == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

static void dgram_free(struct dgram *d)
{
	free(d->data);
	memset(d, 0, sizeof(*d));
}

void ipfrag_table_free(struct ipfrag_table *t)
{
	if (t == NULL)
		return;
	for (unsigned i = 0; i < t->lim.max_dgrams; i++)
		dgram_free(&t->d[i]);
	free(t->d);
	free(t);
}

const struct ipfrag_stats *ipfrag_stats(const struct ipfrag_table *t)
{
	return &t->st;
}

unsigned ipfrag_pending(const struct ipfrag_table *t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->lim.max_dgrams; i++)
		n += t->d[i].family != 0;
	return n;
}

static void expire(struct ipfrag_table *t, uint64_t now_ms)
{
	for (unsigned i = 0; i < t->lim.max_dgrams; i++) {
		struct dgram *d = &t->d[i];

		if (d->family != 0 && now_ms - d->first_ms >= t->lim.timeout_ms) {
			t->st.timeouts++;
			dgram_free(d);
		}
	}
}

static size_t addr_len(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

/* RFC 791: source, destination, protocol and Identification name an IPv4
 * datagram; RFC 8200: source, destination and Identification an IPv6 one. */
static bool same(const struct dgram *d, const struct frag *f)
{
	size_t al = addr_len(f->family);

	return d->family == f->family && d->id == f->id &&
	       (f->family == 6 || d->proto == f->proto) && memcmp(d->src, f->src, al) == 0 &&
	       memcmp(d->dst, f->dst, al) == 0;
}

/* The datagram @p f belongs to, or a new one (evicting the oldest). */
static struct dgram *lookup(struct ipfrag_table *t, const struct frag *f, uint64_t now_ms)
{
	struct dgram *free_slot = NULL, *oldest = NULL;

	for (unsigned i = 0; i < t->lim.max_dgrams; i++) {
		struct dgram *d = &t->d[i];

		if (d->family == 0) {
			if (free_slot == NULL)
				free_slot = d;
		} else if (same(d, f)) {
			return d;
		} else if (oldest == NULL || d->first_ms < oldest->first_ms) {
			oldest = d;
		}
	}
	if (free_slot == NULL) {
		t->st.evicted++;
		dgram_free(oldest);
		free_slot = oldest;
	}
	free_slot->family = f->family;
	free_slot->proto = f->proto;
	free_slot->id = f->id;
	memcpy(free_slot->src, f->src, addr_len(f->family));
	memcpy(free_slot->dst, f->dst, addr_len(f->family));
	free_slot->first_ms = now_ms;
	return free_slot;
}

/* How many of the 8-octet blocks [b0, b1) are marked received. */
static uint32_t blocks_set(const struct dgram *d, uint32_t b0, uint32_t b1)
{
	uint32_t n = 0;

	for (uint32_t b = b0; b < b1; b++)
		n += (uint32_t)(d->map[b / 64] >> (b % 64)) & 1u;
	return n;
}

static void blocks_mark(struct dgram *d, uint32_t b0, uint32_t b1)
{
	for (uint32_t b = b0; b < b1; b++)
		d->map[b / 64] |= 1ull << (b % 64);
}

static bool grow(struct dgram *d, uint32_t end, uint32_t max)
{
	uint32_t cap;
	uint8_t *p;

	if (end <= d->cap)
		return true;
	cap = (end + DATA_STEP - 1) / DATA_STEP * DATA_STEP;
	if (cap > max)
		cap = max;
	p = realloc(d->data, cap);
	if (p == NULL)
		return false;
	d->data = p;
	d->cap = cap;
	return true;
}

/* The whole datagram into t->out: the first fragment's header, fixed up,
 * then @p total octets of payload. */
static size_t assemble(struct ipfrag_table *t, uint8_t family, uint8_t proto, const uint8_t *hdr,
		       uint32_t hdr_len, const uint8_t *data, uint32_t total)
{
	uint8_t *o = t->out;

	memcpy(o, hdr, hdr_len);
	memcpy(o + hdr_len, data, total);
	if (family == 4) {
		put16(o + 2, (uint16_t)(hdr_len + total));
		put16(o + 6, (uint16_t)(get16(o + 6) & IP4_DF));
		ip4_checksum(o, hdr_len);
	} else {
		put16(o + 4, (uint16_t)total);
		o[6] = proto;
	}
	t->st.reassembled++;
	return hdr_len + total;
}

/* Drop the whole datagram, counting why. */
static enum ipfrag_result discard(struct dgram *d, uint64_t *counter)
{
	(*counter)++;
	dgram_free(d);
	return IPFRAG_DROPPED;
}

static enum ipfrag_result add(struct ipfrag_table *t, struct dgram *d, const struct frag *f,
			      const uint8_t **out, size_t *out_len)
{
	uint32_t end = f->off + f->len, b0 = f->off / 8, b1 = (end + 7) / 8;
	uint32_t seen = blocks_set(d, b0, b1);

	if (seen != 0) {
		/* RFC 8200 §4.5: an exact duplicate may be dropped alone;
		 * any other overlap discards the datagram (RFC 5722). */
		if (seen == b1 - b0 && (d->total == 0 || end <= d->total) &&
		    (f->more || d->total == end) &&
		    memcmp(d->data + f->off, f->data, f->len) == 0) {
			t->st.duplicates++;
			return IPFRAG_HELD;
		}
		return discard(d, &t->st.overlaps);
	}
	if ((d->total != 0 && end > d->total) || (!f->more && d->end > end))
		return discard(d, &t->st.malformed); /* data past the last fragment */
	if (d->nfrags == t->lim.max_frags)
		return discard(d, &t->st.too_many);
	if (!grow(d, end, t->lim.max_size))
		return discard(d, &t->st.no_memory);
	memcpy(d->data + f->off, f->data, f->len);
	blocks_mark(d, b0, b1);
	d->have += f->len;
	d->nfrags++;
	t->st.fragments++;
	if (end > d->end)
		d->end = end;
	if (!f->more)
		d->total = end;
	if (f->off == 0) {
		memcpy(d->hdr, f->hdr, f->hdr_len);
		d->hdr_len = (uint16_t)f->hdr_len;
		d->proto = f->proto; /* IPv6: the first fragment's says (RFC 8200) */
	}
	if (d->total == 0 || d->have != d->total || d->hdr_len == 0)
		return IPFRAG_HELD;
	if (d->family == 4 && d->hdr_len + d->total > IPFRAG_SIZE_MAX)
		return discard(d, &t->st.too_big); /* a fragment had a shorter header */
	*out_len = assemble(t, d->family, d->proto, d->hdr, d->hdr_len, d->data, d->total);
	*out = t->out;
	dgram_free(d);
	return IPFRAG_DONE;
}

/* RFC 791: an IPv4 datagram is at most 65535 octets with its header;
 * RFC 8200 §4.5: an IPv6 payload (after the fixed header) at most 65535. */
static uint32_t payload_max(const struct frag *f)
{
	return f->family == 4 ? IPFRAG_SIZE_MAX - f->hdr_len : IPFRAG_SIZE_MAX;
}

enum ipfrag_result ipfrag_input(struct ipfrag_table *t, const uint8_t *pkt, size_t len,
				uint64_t now_ms, const uint8_t **out, size_t *out_len)
{
	struct frag f;
	enum ipfrag_result r;
	struct dgram *d;

	expire(t, now_ms);
	r = parse(pkt, len, &f);
	if (r == IPFRAG_DROPPED) {
		t->st.malformed++;
		return r;
	}
	if (r == IPFRAG_WHOLE)
		return r;
	if (f.off + f.len > t->lim.max_size || f.off + f.len > payload_max(&f)) {
		/* Its datagram can never complete: let it go now. */
		for (unsigned i = 0; i < t->lim.max_dgrams; i++)
			if (t->d[i].family != 0 && same(&t->d[i], &f))
				dgram_free(&t->d[i]);
		t->st.too_big++;
		return IPFRAG_DROPPED;
	}
	if (f.off == 0 && !f.more) {
		/* RFC 6946: an atomic fragment is a datagram of its own. */
		*out_len = assemble(t, f.family, f.proto, f.hdr, f.hdr_len, f.data, f.len);
		*out = t->out;
		return IPFRAG_DONE;
	}
	d = lookup(t, &f, now_ms);
	return add(t, d, &f, out, out_len);
}

/* ---- splitting ------------------------------------------------------------ */

int ipfrag_split(const uint8_t *pkt, size_t len, uint32_t mtu, uint32_t ident,
		 ipfrag_emit_fn emit, void *arg)
{
	uint8_t hdr[IP6_HDR + IP6_FRAG_HDR];
	uint32_t hl, tot, chunk, n = 0;
	bool v4;

	if (len < 1 || (pkt[0] >> 4 != 4 && pkt[0] >> 4 != 6))
		return -EINVAL;
	v4 = pkt[0] >> 4 == 4;
	hl = v4 ? (uint32_t)(pkt[0] & 0xf) * 4 : IP6_HDR;
	if (len < hl || len < IP4_HDR)
		return -EINVAL;
	tot = v4 ? get16(pkt + 2) : IP6_HDR + get16(pkt + 4);
	if (tot < hl || tot > len)
		return -EINVAL;
	if (tot <= mtu) {
		int rc = emit(arg, pkt, hl, pkt + hl, tot - hl);

		return rc < 0 ? rc : 1;
	}
	if (v4) {
		uint16_t fo = get16(pkt + 6);

		/* Options would need the copy rule of RFC 791 §3.1. */
		if (hl != IP4_HDR || (fo & (IP4_MF | IP4_OFF_MASK)) != 0)
			return -EINVAL;
		if (fo & IP4_DF)
			return -EMSGSIZE;
	} else if (pkt[6] == NH_HOP || pkt[6] == NH_ROUTING || pkt[6] == NH_FRAGMENT ||
		   pkt[6] == NH_DSTOPTS) {
		return -EINVAL; /* only a plain header is split here */
	}
	uint32_t fh = v4 ? IP4_HDR : IP6_HDR + IP6_FRAG_HDR;

	chunk = mtu > fh ? (mtu - fh) & ~7u : 0;
	if (chunk == 0)
		return -EMSGSIZE;
	for (uint32_t off = 0; off < tot - hl; off += chunk, n++) {
		uint32_t k = tot - hl - off < chunk ? tot - hl - off : chunk;
		bool more = off + k < tot - hl;
		int rc;

		memcpy(hdr, pkt, hl);
		if (v4) {
			put16(hdr + 2, (uint16_t)(IP4_HDR + k));
			put16(hdr + 4, (uint16_t)ident);
			put16(hdr + 6, (uint16_t)(off / 8 | (more ? IP4_MF : 0)));
			ip4_checksum(hdr, IP4_HDR);
		} else {
			uint8_t *frag = hdr + IP6_HDR;

			put16(hdr + 4, (uint16_t)(IP6_FRAG_HDR + k));
			frag[0] = pkt[6];
			frag[1] = 0;
			put16(frag + 2, (uint16_t)(off | (more ? 1 : 0)));
			put32(frag + 4, ident);
			hdr[6] = NH_FRAGMENT;
		}
		rc = emit(arg, hdr, fh, pkt + hl + off, k);
		if (rc < 0)
			return rc;
	}
	return (int)n;
}
