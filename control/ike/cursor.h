/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounds-checked reader and writer for IKEv2 messages.
 *
 * The reader never touches an octet beyond p[len - 1]. Errors are sticky:
 * after the first short read every getter returns 0 (or NULL) and
 * c->err stays -EBADMSG, so a parser can read a whole fixed header and
 * test the error once. The writer works the same way with -ENOSPC.
 * Neither allocates: the caller owns every buffer.
 */
#ifndef ESPRIT_IKE_CURSOR_H
#define ESPRIT_IKE_CURSOR_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ike_cur {
	const uint8_t *p;
	size_t len, off;
	int err;          /* 0 or -EBADMSG, sticky */
};

struct ike_buf {
	uint8_t *p;
	size_t cap, len;
	int err;          /* 0 or -ENOSPC / -EINVAL, sticky */
};

/* ------------------------------ reader -------------------------------- */

static inline void ike_cur_init(struct ike_cur *c, const uint8_t *p, size_t len)
{
	c->p = p;
	c->len = p != NULL ? len : 0;
	c->off = 0;
	c->err = 0;
}

static inline size_t ike_cur_left(const struct ike_cur *c)
{
	return c->err != 0 ? 0 : c->len - c->off;
}

/* Claims n octets; NULL (and the sticky error) when fewer are left. */
static inline const uint8_t *ike_cur_take(struct ike_cur *c, size_t n)
{
	const uint8_t *q;

	if (c->err != 0 || n > c->len - c->off) {
		c->err = -EBADMSG;
		return NULL;
	}
	if (c->p == NULL)
		return NULL; /* n == 0 on an empty cursor: nothing to point at */
	q = c->p + c->off;
	c->off += n;
	return q;
}

static inline uint8_t ike_cur_u8(struct ike_cur *c)
{
	const uint8_t *q = ike_cur_take(c, 1);

	return q != NULL ? q[0] : 0;
}

static inline uint16_t ike_cur_u16(struct ike_cur *c)
{
	const uint8_t *q = ike_cur_take(c, 2);

	return q != NULL ? (uint16_t)(q[0] << 8 | q[1]) : 0;
}

static inline uint32_t ike_cur_u32(struct ike_cur *c)
{
	const uint8_t *q = ike_cur_take(c, 4);

	return q != NULL ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
			   (uint32_t)q[2] << 8 | q[3] : 0;
}

static inline uint64_t ike_cur_u64(struct ike_cur *c)
{
	uint64_t hi = ike_cur_u32(c);

	return hi << 32 | ike_cur_u32(c);
}

/* Pointer to the next n octets (into the caller's buffer, not a copy). */
static inline const uint8_t *ike_cur_bytes(struct ike_cur *c, size_t n)
{
	return ike_cur_take(c, n);
}

/* Copies n octets into dst; dst is zeroed on error. */
static inline int ike_cur_copy(struct ike_cur *c, void *dst, size_t n)
{
	const uint8_t *q = ike_cur_take(c, n);

	if (q == NULL) {
		memset(dst, 0, n);
		return c->err;
	}
	memcpy(dst, q, n);
	return 0;
}

static inline int ike_cur_skip(struct ike_cur *c, size_t n)
{
	return ike_cur_take(c, n) != NULL ? 0 : c->err;
}

/* Everything that is left, as pointer + length; the cursor ends up empty. */
static inline const uint8_t *ike_cur_rest(struct ike_cur *c, size_t *n)
{
	*n = ike_cur_left(c);
	return ike_cur_take(c, *n);
}

/*
 * A sub-cursor over the next n octets, which the parent skips. On a short
 * parent the sub-cursor is empty and carries the error too, so nested
 * parsers fail without extra checks.
 */
static inline struct ike_cur ike_cur_sub(struct ike_cur *c, size_t n)
{
	struct ike_cur s;
	const uint8_t *q = ike_cur_take(c, n);

	ike_cur_init(&s, q, q != NULL ? n : 0);
	s.err = c->err;
	return s;
}

/* 0 when the cursor has been read exactly to its end without error. */
static inline int ike_cur_done(const struct ike_cur *c)
{
	if (c->err != 0)
		return c->err;
	return c->off == c->len ? 0 : -EBADMSG;
}

/* ------------------------------ writer -------------------------------- */

static inline void ike_buf_init(struct ike_buf *b, uint8_t *p, size_t cap)
{
	b->p = p;
	b->cap = p != NULL ? cap : 0;
	b->len = 0;
	b->err = p != NULL ? 0 : -EINVAL;
}

/* Claims n octets at the end; NULL (and the sticky error) when full. */
static inline uint8_t *ike_buf_claim(struct ike_buf *b, size_t n)
{
	uint8_t *q;

	if (b->err != 0 || n > b->cap - b->len) {
		if (b->err == 0)
			b->err = -ENOSPC;
		return NULL;
	}
	q = b->p + b->len;
	b->len += n;
	return q;
}

static inline void ike_buf_u8(struct ike_buf *b, uint8_t v)
{
	uint8_t *q = ike_buf_claim(b, 1);

	if (q != NULL)
		q[0] = v;
}

static inline void ike_buf_u16(struct ike_buf *b, uint16_t v)
{
	uint8_t *q = ike_buf_claim(b, 2);

	if (q != NULL) {
		q[0] = (uint8_t)(v >> 8);
		q[1] = (uint8_t)v;
	}
}

static inline void ike_buf_u32(struct ike_buf *b, uint32_t v)
{
	uint8_t *q = ike_buf_claim(b, 4);

	if (q != NULL) {
		q[0] = (uint8_t)(v >> 24);
		q[1] = (uint8_t)(v >> 16);
		q[2] = (uint8_t)(v >> 8);
		q[3] = (uint8_t)v;
	}
}

static inline void ike_buf_u64(struct ike_buf *b, uint64_t v)
{
	uint8_t *q = ike_buf_claim(b, 8);

	if (q != NULL)
		for (int i = 0; i < 8; i++)
			q[i] = (uint8_t)(v >> (56 - 8 * i));
}

static inline void ike_buf_bytes(struct ike_buf *b, const void *src, size_t n)
{
	uint8_t *q;

	if (n == 0)
		return;
	q = ike_buf_claim(b, n);
	if (q != NULL)
		memcpy(q, src, n);
}

static inline void ike_buf_zero(struct ike_buf *b, size_t n)
{
	uint8_t *q = ike_buf_claim(b, n);

	if (q != NULL)
		memset(q, 0, n);
}

/*
 * Length fields: reserve writes a zero placeholder and returns its offset;
 * patch fills it in later. A patch at an offset the buffer does not hold
 * (because an earlier write failed) only records the error.
 */
static inline size_t ike_buf_reserve16(struct ike_buf *b)
{
	size_t at = b->len;

	ike_buf_u16(b, 0);
	return at;
}

static inline size_t ike_buf_reserve32(struct ike_buf *b)
{
	size_t at = b->len;

	ike_buf_u32(b, 0);
	return at;
}

static inline void ike_buf_patch_u8(struct ike_buf *b, size_t at, uint8_t v)
{
	if (b->err != 0 || at >= b->len) {
		if (b->err == 0)
			b->err = -EINVAL;
		return;
	}
	b->p[at] = v;
}

static inline void ike_buf_patch_u16(struct ike_buf *b, size_t at, uint16_t v)
{
	if (b->err != 0 || at > b->len || b->len - at < 2) {
		if (b->err == 0)
			b->err = -EINVAL;
		return;
	}
	b->p[at] = (uint8_t)(v >> 8);
	b->p[at + 1] = (uint8_t)v;
}

static inline void ike_buf_patch_u32(struct ike_buf *b, size_t at, uint32_t v)
{
	if (b->err != 0 || at > b->len || b->len - at < 4) {
		if (b->err == 0)
			b->err = -EINVAL;
		return;
	}
	b->p[at] = (uint8_t)(v >> 24);
	b->p[at + 1] = (uint8_t)(v >> 16);
	b->p[at + 2] = (uint8_t)(v >> 8);
	b->p[at + 3] = (uint8_t)v;
}

/*
 * Patches a 16-bit length field at `at` with the number of octets written
 * since `from` (for IKE lengths, `from` is the start of the structure that
 * the length covers). -EMSGSIZE if that does not fit in 16 bits.
 */
static inline void ike_buf_patch_len16(struct ike_buf *b, size_t at, size_t from)
{
	if (b->err != 0)
		return;
	if (from > b->len || b->len - from > UINT16_MAX) {
		b->err = -EMSGSIZE;
		return;
	}
	ike_buf_patch_u16(b, at, (uint16_t)(b->len - from));
}

#endif /* ESPRIT_IKE_CURSOR_H */
