/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKEv2 message parser (payload chain index) and builder, RFC 7296 §3.1,
 * §3.2 and the forward-compatibility rules of §2.5.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "control/ike/message.h"

bool ike_payload_known(uint8_t type)
{
	/*
	 * RFC 7296 payloads (SA..EAP), IDg (RFC 9838, same format as IDi) and
	 * SKF (RFC 7383). GSPM, GSA, KD and PS have code points but no
	 * decoder here: for §2.5 they are unknown.
	 */
	return (type >= IKE_PLD_SA && type <= IKE_PLD_EAP) ||
	       type == IKE_PLD_IDg || type == IKE_PLD_SKF;
}

static int fail(struct ike_msg *m, int rc, uint16_t notify)
{
	m->err_notify = notify;
	return rc;
}

/*
 * Walks a payload chain in base[start..end) starting with type np and
 * appends the recognised payloads to the index.
 */
static int walk(struct ike_msg *m, const uint8_t *base, size_t start, size_t end,
		uint8_t np, bool inner)
{
	struct ike_cur c;

	ike_cur_init(&c, base, end);
	(void)ike_cur_skip(&c, start);
	while (np != IKE_PLD_NONE) {
		size_t at = c.off;
		uint8_t next = ike_cur_u8(&c);
		uint8_t flags = ike_cur_u8(&c);
		uint16_t plen = ike_cur_u16(&c);
		const uint8_t *body;
		bool critical = flags & IKE_PLD_FLAG_CRITICAL;
		bool encrypted = np == IKE_PLD_SK || np == IKE_PLD_SKF;

		/* §3.2: the length covers the generic header and stays inside. */
		if (c.err != 0 || plen < IKE_GEN_HDR_LEN)
			return fail(m, -EBADMSG, IKE_N_INVALID_SYNTAX);
		body = ike_cur_bytes(&c, plen - IKE_GEN_HDR_LEN);
		if (c.err != 0)
			return fail(m, -EBADMSG, IKE_N_INVALID_SYNTAX);

		if (!ike_payload_known(np)) {
			/* §2.5: reject if critical, else skip it. */
			if (critical) {
				m->err_payload = np;
				return fail(m, -EOPNOTSUPP, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
			}
			m->n_skipped++;
			np = next;
			continue;
		}
		/* SK/SKF only wrap plain payloads, and §3.14 puts them last. */
		if (encrypted && (inner || c.off != end))
			return fail(m, -EBADMSG, IKE_N_INVALID_SYNTAX);
		if (m->n == IKE_MAX_PAYLOADS)
			return fail(m, -E2BIG, 0);
		m->pld[m->n] = (struct ike_pld_ref){
			.body = body,
			.body_len = (uint16_t)(plen - IKE_GEN_HDR_LEN),
			.type = np,
			.next = next,
			.critical = critical,
			.inner = inner,
			.off = (uint32_t)at,
		};
		if (encrypted) {
			m->sk = (int)m->n++;
			return 0; /* its Next Payload names the first inner payload */
		}
		m->n++;
		np = next;
	}
	/* The last payload must end the message: no trailing octets. */
	if (c.off != end)
		return fail(m, -EBADMSG, IKE_N_INVALID_SYNTAX);
	return 0;
}

int ike_msg_parse(const uint8_t *buf, size_t len, struct ike_msg *m)
{
	struct ike_cur c;
	uint8_t major;

	memset(m, 0, offsetof(struct ike_msg, pld));
	m->sk = -1;
	m->err_notify = 0;
	m->err_payload = 0;
	m->buf = buf;
	m->len = len;
	m->inner = NULL;
	m->inner_len = 0;

	ike_cur_init(&c, buf, len);
	m->spi_i = ike_cur_u64(&c);
	m->spi_r = ike_cur_u64(&c);
	m->first_payload = ike_cur_u8(&c);
	m->version = ike_cur_u8(&c);
	m->exchange_type = ike_cur_u8(&c);
	/* §3.1: only I, V and R are defined; other bits are ignored on receipt. */
	m->flags = ike_cur_u8(&c) & (IKE_HDR_FLAG_INITIATOR | IKE_HDR_FLAG_VERSION |
				     IKE_HDR_FLAG_RESPONSE);
	m->message_id = ike_cur_u32(&c);
	m->length = ike_cur_u32(&c);
	if (c.err != 0)
		return fail(m, -EBADMSG, IKE_N_INVALID_SYNTAX);

	/*
	 * §2.5: a higher major version gets INVALID_MAJOR_VERSION; the minor
	 * version is ignored. A lower one is IKEv1: not ours to answer.
	 */
	major = m->version >> 4;
	if (major != IKE_VERSION_MAJOR)
		return fail(m, -EPROTONOSUPPORT,
			    major > IKE_VERSION_MAJOR ? IKE_N_INVALID_MAJOR_VERSION : 0);
	/* §3.1: Length is the total message length. */
	if (m->length != len)
		return fail(m, -EBADMSG, IKE_N_INVALID_SYNTAX);
	return walk(m, buf, IKE_HDR_LEN, len, m->first_payload, false);
}

int ike_msg_parse_inner(struct ike_msg *m, uint8_t first, const uint8_t *pt, size_t len)
{
	m->err_notify = 0;
	m->err_payload = 0;
	m->inner = pt;
	m->inner_len = len;
	return walk(m, pt, 0, len, first, true);
}

const struct ike_pld_ref *ike_msg_find(const struct ike_msg *m, uint8_t type)
{
	for (unsigned i = 0; i < m->n; i++)
		if (m->pld[i].type == type)
			return &m->pld[i];
	return NULL;
}

const struct ike_pld_ref *ike_msg_find_next(const struct ike_msg *m,
					    const struct ike_pld_ref *prev)
{
	if (prev < m->pld || prev >= m->pld + m->n)
		return NULL;
	for (const struct ike_pld_ref *r = prev + 1; r < m->pld + m->n; r++)
		if (r->type == prev->type)
			return r;
	return NULL;
}

unsigned ike_msg_count(const struct ike_msg *m, uint8_t type)
{
	unsigned k = 0;

	for (unsigned i = 0; i < m->n; i++)
		k += m->pld[i].type == type;
	return k;
}

int ike_msg_notify_next(const struct ike_msg *m, unsigned *iter, struct pld_notify *n)
{
	for (; *iter < m->n; (*iter)++) {
		const struct ike_pld_ref *r = &m->pld[*iter];

		if (r->type != IKE_PLD_N)
			continue;
		(*iter)++;
		return pld_notify_parse(r->body, r->body_len, n) == 0 ? 1 : -EBADMSG;
	}
	return 0;
}

int ike_msg_find_notify(const struct ike_msg *m, uint16_t type, struct pld_notify *n)
{
	unsigned it = 0;
	int rc;

	while ((rc = ike_msg_notify_next(m, &it, n)) == 1)
		if (n->type == type)
			return 0;
	return rc < 0 ? rc : -ENOENT;
}

/* ------------------------------ builder ------------------------------- */

static int mb_err(struct ike_builder *mb, int rc)
{
	if (mb->err == 0)
		mb->err = rc;
	return mb->err;
}

int ike_msg_begin(struct ike_builder *mb, uint8_t *buf, size_t cap,
		  uint64_t spi_i, uint64_t spi_r, uint8_t exchange_type,
		  uint8_t flags, uint32_t message_id)
{
	memset(mb, 0, sizeof(*mb));
	ike_buf_init(&mb->b, buf, cap);
	mb->pld_at = SIZE_MAX;
	mb->has_hdr = true;
	ike_buf_u64(&mb->b, spi_i);
	ike_buf_u64(&mb->b, spi_r);
	mb->np_at = mb->b.len;
	ike_buf_u8(&mb->b, IKE_PLD_NONE);
	ike_buf_u8(&mb->b, IKE_VERSION_2_0);
	ike_buf_u8(&mb->b, exchange_type);
	/* §3.1: only I, V and R are defined; the rest MUST be sent as 0. */
	ike_buf_u8(&mb->b, flags & (IKE_HDR_FLAG_INITIATOR | IKE_HDR_FLAG_VERSION |
				    IKE_HDR_FLAG_RESPONSE));
	ike_buf_u32(&mb->b, message_id);
	(void)ike_buf_reserve32(&mb->b); /* Length, patched by ike_msg_end */
	return mb->b.err != 0 ? mb_err(mb, mb->b.err) : 0;
}

void ike_chain_begin(struct ike_builder *mb, uint8_t *buf, size_t cap)
{
	memset(mb, 0, sizeof(*mb));
	ike_buf_init(&mb->b, buf, cap);
	mb->pld_at = SIZE_MAX;
	mb->np_at = SIZE_MAX; /* the first type goes to mb->first */
	if (mb->b.err != 0)
		mb->err = mb->b.err;
}

int ike_msg_payload_begin(struct ike_builder *mb, uint8_t type, bool critical)
{
	if (mb->err != 0)
		return mb->err;
	if (mb->sealed || mb->pld_at != SIZE_MAX || type == IKE_PLD_NONE)
		return mb_err(mb, -EINVAL);
	if (mb->np_at == SIZE_MAX)
		mb->first = type;
	else
		ike_buf_patch_u8(&mb->b, mb->np_at, type);
	if (mb->first == IKE_PLD_NONE)
		mb->first = type;
	mb->pld_at = mb->b.len;
	mb->np_at = mb->b.len;
	ike_buf_u8(&mb->b, IKE_PLD_NONE);
	ike_buf_u8(&mb->b, critical ? IKE_PLD_FLAG_CRITICAL : 0);
	(void)ike_buf_reserve16(&mb->b);
	return mb->b.err != 0 ? mb_err(mb, mb->b.err) : 0;
}

int ike_msg_payload_end(struct ike_builder *mb)
{
	if (mb->err != 0)
		return mb->err;
	if (mb->pld_at == SIZE_MAX)
		return mb_err(mb, -EINVAL);
	ike_buf_patch_len16(&mb->b, mb->pld_at + 2, mb->pld_at);
	mb->pld_at = SIZE_MAX;
	return mb->b.err != 0 ? mb_err(mb, mb->b.err) : 0;
}

int ike_msg_add_raw(struct ike_builder *mb, uint8_t type, bool critical,
		    const uint8_t *body, size_t len)
{
	struct pld_data d = { .data = body, .len = len };
	int rc = ike_msg_payload_begin(mb, type, critical);

	if (rc != 0)
		return rc;
	rc = pld_data_build(&mb->b, &d);
	if (rc != 0)
		return mb_err(mb, rc);
	return ike_msg_payload_end(mb);
}

/* One ike_msg_add_<x>() per payload: generic header + pld_<x>_build(). */
#define ADD_BODY(mb, type, build, arg)                          \
	do {                                                    \
		int rc_ = ike_msg_payload_begin(mb, type, false); \
		if (rc_ != 0)                                   \
			return rc_;                             \
		rc_ = build(&(mb)->b, arg);                     \
		if (rc_ != 0)                                   \
			return mb_err(mb, rc_);                 \
		return ike_msg_payload_end(mb);                 \
	} while (0)

int ike_msg_add_sa(struct ike_builder *mb, const struct pld_sa *sa)
{
	ADD_BODY(mb, IKE_PLD_SA, pld_sa_build, sa);
}

int ike_msg_add_ke(struct ike_builder *mb, const struct pld_ke *ke)
{
	ADD_BODY(mb, IKE_PLD_KE, pld_ke_build, ke);
}

int ike_msg_add_id(struct ike_builder *mb, uint8_t type, const struct pld_id *id)
{
	if (type != IKE_PLD_IDi && type != IKE_PLD_IDr && type != IKE_PLD_IDg)
		return mb_err(mb, -EINVAL);
	ADD_BODY(mb, type, pld_id_build, id);
}

int ike_msg_add_cert(struct ike_builder *mb, uint8_t type, const struct pld_cert *c)
{
	if (type != IKE_PLD_CERT && type != IKE_PLD_CERTREQ)
		return mb_err(mb, -EINVAL);
	ADD_BODY(mb, type, pld_cert_build, c);
}

int ike_msg_add_auth(struct ike_builder *mb, const struct pld_auth *a)
{
	ADD_BODY(mb, IKE_PLD_AUTH, pld_auth_build, a);
}

int ike_msg_add_nonce(struct ike_builder *mb, const struct pld_nonce *n)
{
	ADD_BODY(mb, IKE_PLD_NONCE, pld_nonce_build, n);
}

int ike_msg_add_notify(struct ike_builder *mb, const struct pld_notify *n)
{
	ADD_BODY(mb, IKE_PLD_N, pld_notify_build, n);
}

int ike_msg_add_delete(struct ike_builder *mb, const struct pld_delete *d)
{
	ADD_BODY(mb, IKE_PLD_D, pld_delete_build, d);
}

int ike_msg_add_vendor(struct ike_builder *mb, const struct pld_data *v)
{
	if (v->len == 0)
		return mb_err(mb, -EINVAL);
	ADD_BODY(mb, IKE_PLD_V, pld_data_build, v);
}

int ike_msg_add_ts(struct ike_builder *mb, uint8_t type, const struct pld_ts *ts)
{
	if (type != IKE_PLD_TSi && type != IKE_PLD_TSr)
		return mb_err(mb, -EINVAL);
	ADD_BODY(mb, type, pld_ts_build, ts);
}

int ike_msg_add_cp(struct ike_builder *mb, const struct pld_cp *cp)
{
	ADD_BODY(mb, IKE_PLD_CP, pld_cp_build, cp);
}

int ike_msg_add_eap(struct ike_builder *mb, const struct pld_data *eap)
{
	ADD_BODY(mb, IKE_PLD_EAP, pld_data_build, eap);
}

static int add_encrypted(struct ike_builder *mb, uint8_t type, uint8_t first_inner,
			 const uint16_t *frag, size_t body_len, uint8_t **body)
{
	int rc = ike_msg_payload_begin(mb, type, false);
	uint8_t *p;

	*body = NULL;
	if (rc != 0)
		return rc;
	ike_buf_patch_u8(&mb->b, mb->pld_at, first_inner);
	if (frag != NULL) {
		ike_buf_u16(&mb->b, frag[0]);
		ike_buf_u16(&mb->b, frag[1]);
	}
	p = ike_buf_claim(&mb->b, body_len);
	if (p == NULL)
		return mb_err(mb, mb->b.err);
	rc = ike_msg_payload_end(mb);
	if (rc != 0)
		return rc;
	memset(p, 0, body_len);
	mb->sealed = true;
	*body = p;
	return 0;
}

int ike_msg_add_sk(struct ike_builder *mb, uint8_t first_inner, size_t body_len,
		   uint8_t **body)
{
	return add_encrypted(mb, IKE_PLD_SK, first_inner, NULL, body_len, body);
}

int ike_msg_add_skf(struct ike_builder *mb, uint8_t first_inner, uint16_t number,
		    uint16_t total, size_t body_len, uint8_t **body)
{
	const uint16_t frag[2] = { number, total };

	/* RFC 7383 §2.5: 1 <= number <= total; Next Payload only in fragment 1. */
	if (number == 0 || number > total || (number != 1 && first_inner != IKE_PLD_NONE)) {
		*body = NULL;
		return mb_err(mb, -EINVAL);
	}
	return add_encrypted(mb, IKE_PLD_SKF, first_inner, frag, body_len, body);
}

int ike_msg_end(struct ike_builder *mb, size_t *len)
{
	if (mb->err == 0 && mb->pld_at != SIZE_MAX)
		mb->err = -EINVAL; /* a payload left open */
	if (mb->err == 0 && mb->has_hdr) {
		if (mb->b.len > UINT32_MAX)
			mb->err = -EMSGSIZE;
		else
			ike_buf_patch_u32(&mb->b, 24, (uint32_t)mb->b.len);
		if (mb->b.err != 0)
			mb->err = mb->b.err;
	}
	if (len != NULL)
		*len = mb->err == 0 ? mb->b.len : 0;
	return mb->err;
}
