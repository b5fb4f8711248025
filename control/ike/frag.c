/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE fragmentation (RFC 7383): encrypted messages larger than the
 * fragment size go as Encrypted Fragment (SKF) payloads, each fragment
 * sealed on its own (§2.5); received fragments are verified and
 * decrypted one by one and the inner payloads reassembled (§2.6).
 * Only after both sides announced IKEV2_FRAGMENTATION_SUPPORTED in
 * IKE_SA_INIT (§2.3), and never for IKE_SA_INIT itself.
 */
#include <errno.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "control/ike/exchange.h"

enum { FRAG_DEFAULT = 1280, FRAG_MIN = 128, SKF_HDR = IKE_GEN_HDR_LEN + 4, FRAG_SLACK = 16 + 16 + 16 };

/* The IKE message octets one datagram may carry: frag_size is the whole
 * IP datagram (RFC 7383 §2.5.1), so the IP and UDP headers and the
 * RFC 3948 non-ESP marker on port 4500 come off. */
static size_t frag_size(const struct ike_engine *e, const struct ike_sa *sa)
{
	size_t ip = sa->remote.ip.family == AF_INET6 ? 40 : 20;
	size_t marker = sa->remote.port == 4500 ? 4 : 0;

	size_t fs = e->cfg.frag_size != 0 ? e->cfg.frag_size : FRAG_DEFAULT;

	return fs > ip + 8 + marker + FRAG_MIN ? fs - ip - 8 - marker : FRAG_MIN;
}

bool ike_frag_wanted(const struct ike_engine *e, const struct ike_sa *sa, uint8_t exchange,
		     size_t plen)
{
	size_t whole = IKE_HDR_LEN + IKE_GEN_HDR_LEN + ike_crypto_sk_body_len(&sa->suite, plen);

	return sa->peer_frag && exchange != IKE_EXCH_IKE_SA_INIT && whole > frag_size(e, sa);
}

int ike_frag_seal(struct ike_engine *e, struct ike_sa *sa, uint8_t exchange, uint8_t flags,
		  uint32_t mid, uint8_t first, const uint8_t *plain, size_t plen,
		  struct ike_dgrams *d)
{
	/* Room for inner octets per fragment: IV, ICV and padding aside. */
	size_t room = frag_size(e, sa) - IKE_HDR_LEN - SKF_HDR - FRAG_SLACK;
	unsigned total = (unsigned)((plen + room - 1) / room);
	size_t off = 0;

	if (total > IKE_FRAG_MAX)
		return -EMSGSIZE;
	d->n = 0;
	d->total = 0;
	for (unsigned k = 1; k <= total; k++) {
		size_t chunk = k < total ? room : plen - off, len;
		uint8_t *msg = d->buf + d->total, iv[16], *body;
		struct ike_builder mb;
		long n;
		int rc;

		rc = ike_msg_begin(&mb, msg, sizeof(d->buf) - d->total, sa->spi_i, sa->spi_r,
				   exchange, flags, mid);
		if (rc == 0)
			rc = ike_msg_add_skf(&mb, k == 1 ? first : IKE_PLD_NONE, (uint16_t)k,
					     (uint16_t)total,
					     ike_crypto_sk_body_len(&sa->suite, chunk), &body);
		if (rc == 0)
			rc = ike_msg_end(&mb, &len);
		if (rc != 0)
			return rc;
		ike_rng(e, iv, sizeof(iv));
		/* §2.5.3: each fragment is protected on its own; the IKE header
		 * and the SKF header with its numbers are the AAD. */
		n = ike_crypto_sk_seal(&sa->suite, sa->initiator ? sa->keys.ei : sa->keys.er,
				       sa->initiator ? sa->keys.ai : sa->keys.ar, iv, msg,
				       (size_t)(body - msg), plain + off, chunk,
				       sizeof(d->buf) - d->total);
		if (n < 0)
			return (int)n;
		d->len[d->n++] = (uint16_t)n;
		d->total += (size_t)n;
		off += chunk;
	}
	e->st.frags_sent += total;
	return 0;
}

int ike_frag_input(struct ike_engine *e, struct ike_sa *sa, struct ike_msg *m, size_t len)
{
	bool from_i = m->flags & IKE_HDR_FLAG_INITIATOR;
	bool response = m->flags & IKE_HDR_FLAG_RESPONSE;
	const struct ike_pld_ref *r = &m->pld[m->sk];
	struct pld_skf skf;
	uint8_t *inner;
	size_t inner_len, total = 0;
	int rc;

	if (pld_skf_parse(r->next, r->body, r->body_len, &skf) != 0 || skf.total > IKE_FRAG_MAX)
		return -EBADMSG;
	rc = ike_crypto_sk_open(&sa->suite, from_i ? sa->keys.ei : sa->keys.er,
				from_i ? sa->keys.ai : sa->keys.ar, e->rx, len, r->off + SKF_HDR,
				&inner, &inner_len);
	if (rc != 0) {
		e->st.rx_bad_auth++;
		return -EACCES;
	}
	if (inner_len > IKE_FRAG_DATA)
		return -EBADMSG;
	e->st.frags_rcvd++;
	/* §2.6.1: a new message, or a new fragment count (the sender
	 * re-fragmented with a smaller size), starts over. */
	if (sa->frag.mid != m->message_id || sa->frag.response != response ||
	    sa->frag.total != skf.total) {
		sa->frag.have = 0;
		sa->frag.mid = m->message_id;
		sa->frag.response = response;
		sa->frag.total = skf.total;
		sa->frag.got = 0;
	}
	/* The fragment buffer exists only while a message is being reassembled. */
	if (sa->frag.data == NULL) {
		sa->frag.data = calloc(IKE_FRAG_MAX, sizeof(*sa->frag.data));
		if (sa->frag.data == NULL)
			return -ENOMEM;
	}
	if (!(sa->frag.have & (1u << (skf.number - 1)))) {
		memcpy(sa->frag.data[skf.number - 1], inner, inner_len);
		sa->frag.len[skf.number - 1] = (uint16_t)inner_len;
		sa->frag.have |= 1u << (skf.number - 1);
		sa->frag.got++;
		if (skf.number == 1) {
			sa->frag.first = skf.first_inner;
			/* RFC 9242 §3.3.2: the C bit and RESERVED of fragment 1. */
			sa->frag.first_flags = e->rx[r->off + 1];
		}
	}
	if (sa->frag.got < sa->frag.total)
		return -EINPROGRESS;
	for (unsigned k = 0; k < sa->frag.total; k++) {
		if (total + sa->frag.len[k] > sizeof(e->reasm))
			return -EBADMSG;
		memcpy(e->reasm + total, sa->frag.data[k], sa->frag.len[k]);
		total += sa->frag.len[k];
	}
	sa->frag.got = 0;
	sa->frag.total = 0;
	sa->frag.have = 0;
	explicit_bzero(sa->frag.data, IKE_FRAG_MAX * sizeof(*sa->frag.data));
	free(sa->frag.data);
	sa->frag.data = NULL;
	rc = ike_msg_parse_inner(m, sa->frag.first, e->reasm, total);
	if (rc != 0) {
		e->st.rx_bad_syntax++;
		return rc == -EOPNOTSUPP ? -EOPNOTSUPP : -EBADMSG;
	}
	return 0;
}
