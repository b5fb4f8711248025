/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE_INTERMEDIATE (RFC 9242) carrying the additional key exchanges of
 * RFC 9370 §2.2.2: after IKE_SA_INIT, one exchange per negotiated
 * ADDITIONAL_KEY_EXCHANGE_n, in transform type order:
 *
 *   HDR, SK {KEi(n)}  -->
 *                     <--  HDR, SK {KEr(n)}
 *
 * each protected with the keys of the previous generation, after which
 * both sides derive SKEYSEED(n) = prf(SK_d(n-1), SK(n) | Ni | Nr) and the
 * seven keys again. Every message is folded into IntAuth_[i|r] (§3.3.2),
 * which IKE_AUTH then signs. Large messages (ML-KEM-1024) go in RFC 7383
 * fragments like any encrypted message.
 */
#include <errno.h>
#include <string.h>

#include "control/ike/exchange.h"
#include "control/ikecrypto/ke.h"

/* RFC 9242 §5: a hard cap on IKE_INTERMEDIATE exchanges per IKE SA. */
enum { INT_EXCHANGES_MAX = IKE_MKE_MAX + 1 };

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * §3.3.2: A is the IKE header, the unencrypted payloads and the SK
 * generic header, with the IKE header Length and the SK Payload Length
 * counting only A and P (no IV, padding, Pad Length, ICV); P is the
 * plaintext inner payloads. The key and the previous value are those of
 * the side that sent the message.
 */
static int intauth_fold(struct ike_sa *sa, bool of_initiator, uint8_t hdr[IKE_HDR_LEN],
			const uint8_t *unenc, size_t unenc_len, uint8_t sk_next, uint8_t sk_flags,
			const uint8_t *inner, size_t inner_len)
{
	uint8_t *acc = of_initiator ? sa->intauth_i : sa->intauth_r;
	const uint8_t *key = of_initiator ? sa->keys.pi : sa->keys.pr;
	size_t plen = ike_crypto_prf_len(sa->suite.prf);
	uint8_t sk[IKE_GEN_HDR_LEN], prev[IKE_KEY_PRF_MAX];
	const uint8_t *p[5];
	size_t len[5];
	unsigned n = 0;

	if (plen == 0 || inner_len > IKE_MSG_MAX)
		return -EINVAL;
	put32(hdr + 24, (uint32_t)(IKE_HDR_LEN + unenc_len + IKE_GEN_HDR_LEN + inner_len));
	sk[0] = sk_next;
	sk[1] = sk_flags;
	sk[2] = (uint8_t)((IKE_GEN_HDR_LEN + inner_len) >> 8);
	sk[3] = (uint8_t)(IKE_GEN_HDR_LEN + inner_len);
	memcpy(prev, acc, plen);
	/* IntAuth_[i|r]1 has no previous value. */
	if (sa->n_int > 0) {
		p[n] = prev;
		len[n++] = plen;
	}
	p[n] = hdr;
	len[n++] = IKE_HDR_LEN;
	p[n] = unenc;
	len[n++] = unenc_len;
	p[n] = sk;
	len[n++] = IKE_GEN_HDR_LEN;
	p[n] = inner;
	len[n++] = inner_len;
	return ike_crypto_prf_v(sa->suite.prf, key, sa->keys.prf_len, p, len, n, acc);
}

int ike_intauth_sent(struct ike_sa *sa, uint8_t flags, uint32_t mid, uint8_t first,
		     const uint8_t *inner, size_t inner_len)
{
	uint8_t hdr[IKE_HDR_LEN];

	/* The header as ike_msg_begin() writes it, the SK payload first. */
	ike_be64(sa->spi_i, hdr);
	ike_be64(sa->spi_r, hdr + 8);
	hdr[16] = IKE_PLD_SK;
	hdr[17] = IKE_VERSION_2_0;
	hdr[18] = IKE_EXCH_IKE_INTERMEDIATE;
	hdr[19] = flags;
	put32(hdr + 20, mid);
	/* IKE_INTERMEDIATE requests come from the original initiator only. */
	return intauth_fold(sa, !(flags & IKE_HDR_FLAG_RESPONSE), hdr, NULL, 0, first, 0, inner,
			    inner_len);
}

int ike_intauth_received(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_pld_ref *sk;
	uint8_t hdr[IKE_HDR_LEN], next, flags;
	size_t unenc;

	if (m->sk < 0)
		return -EBADMSG;
	sk = &m->pld[m->sk];
	unenc = sk->off - IKE_HDR_LEN;
	memcpy(hdr, m->buf, IKE_HDR_LEN);
	if (sk->type == IKE_PLD_SKF) {
		/* §3.3.2: as if received unfragmented. Unencrypted payloads
		 * before SKF would need their chain patched: not supported. */
		if (unenc != 0)
			return -EBADMSG;
		hdr[16] = IKE_PLD_SK;
		next = sa->frag.first;
		flags = sa->frag.first_flags;
	} else {
		next = sk->next;
		flags = m->buf[sk->off + 1];
	}
	return intauth_fold(sa, !(m->flags & IKE_HDR_FLAG_RESPONSE), hdr, m->buf + IKE_HDR_LEN,
			    unenc, next, flags, m->inner, m->inner_len);
}

/* RFC 9370 §2.2.2: SKEYSEED(n) = prf(SK_d(n-1), SK(n) | Ni | Nr), then
 * {SK_d(n) | ... | SK_pr(n)} = prf+(SKEYSEED(n), Ni | Nr | SPIi | SPIr). */
int ike_intermediate_keys(struct ike_sa *sa, const uint8_t *sk, size_t sk_len)
{
	struct ike_keys k = { 0 };
	int rc = ike_crypto_keys_rekey(sa->suite.prf, sa->keys.d, sa->keys.prf_len, &sa->suite,
				       sa->ni, sa->ni_len, sa->nr, sa->nr_len, sk, sk_len, NULL,
				       0, sa->spi_i, sa->spi_r, &k);

	/* A new generation: logged again (keylog.c) under the same SPIs. */
	if (rc == 0)
		sa->keys = k;
	ike_crypto_keys_wipe(&k);
	return rc;
}

/* The running additional key exchange done: its secret into the keys. */
static int mke_finish(struct ike_sa *sa)
{
	struct ike_mke *k = &sa->mke;
	const uint8_t *sk;
	size_t sk_len;
	int rc = ike_ke_shared(k->ke, &sk, &sk_len);

	if (rc == 0)
		rc = ike_intermediate_keys(sa, sk, sk_len);
	ike_ke_free(k->ke);
	k->ke = NULL;
	if (rc == 0)
		k->done++;
	return rc;
}

int ike_intermediate_start(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->mke.done >= sa->mke.n && ike_ppk_int_pending(sa)) {
		/* RFC 9867 §3.1: one IKE_INTERMEDIATE for the PPK alone. */
		ike_log(e, "IKE SA %016llx_i %016llx_r: PPK in IKE_INTERMEDIATE",
			(unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r);
		return ike_task_push_front(sa, IKE_TASK_INTERMEDIATE, -1, -1);
	}
	if (sa->mke.done >= sa->mke.n)
		return 0;
	ike_log(e, "IKE SA %016llx_i %016llx_r: additional key exchange %u of %u (%s) in "
		"IKE_INTERMEDIATE", (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
		sa->mke.done + 1, sa->mke.n, ike_ke_name(sa->mke.method[sa->mke.done]));
	return ike_task_push_front(sa, IKE_TASK_INTERMEDIATE, -1, -1);
}

/* ----------------------------------------------------------------------- */

/* Initiator builds: SK {[KEi(n)], [N(PPK_IDENTITY_KEY)]}. */
static int i_build(struct ike_xctx *x)
{
	struct ike_mke *k = &x->sa->mke;
	struct pld_ke ke;
	int rc;

	if (x->sa->state != IKE_SA_INIT_SENT ||
	    (k->done >= k->n && !ike_ppk_int_pending(x->sa)))
		return -EPROTO;
	if (k->done >= k->n)
		return ike_ppk_int_add_i(x); /* RFC 9867: the PPK alone */
	rc = ike_ppk_int_add_i(x);
	if (rc != 0)
		return rc;
	ke.method = k->method[k->done];
	if (k->ke == NULL) {
		k->ke = ike_ke_new(ke.method, true);
		if (k->ke == NULL)
			return -ENOTSUP;
	}
	rc = ike_ke_public(k->ke, &ke.data, &ke.len);
	return rc != 0 ? rc : ike_msg_add_ke(x->mb, &ke);
}

/* The responder ends the IKE SA with an error notify (§2.21.1). */
static int r_fail(struct ike_xctx *x, uint16_t notify, const char *why)
{
	struct ike_sa *sa = x->sa;

	ike_log(x->e, "IKE SA %016llx_i %016llx_r: IKE_INTERMEDIATE refused: %s",
		(unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r, why);
	x->notify = notify;
	ike_ke_free(sa->mke.ke);
	sa->mke.ke = NULL;
	return ike_sa_set_state(x->e, sa, IKE_SA_DEAD);
}

/* Responder processes: KEi(n) of the expected method, SK(n). */
static int r_process(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;
	struct ike_mke *k = &sa->mke;
	struct pld_ke ke;
	bool has_ke;
	int rc;

	if (sa->state != IKE_SA_INIT_DONE || !sa->peer_intermediate)
		return -EPROTO; /* dropped: not negotiated, or too late */
	if (sa->n_int >= INT_EXCHANGES_MAX)
		return r_fail(x, IKE_N_INVALID_SYNTAX, "too many exchanges");
	rc = ike_intauth_received(sa, x->m);
	if (rc != 0)
		return r_fail(x, IKE_N_INVALID_SYNTAX, "cannot authenticate the message");
	has_ke = ike_get_ke(x->m, &ke) == 0;
	if (k->done >= k->n && has_ke)
		return r_fail(x, IKE_N_INVALID_SYNTAX, "unexpected KE payload");
	if (k->done >= k->n) {
		/* RFC 9242 §3.2: for other uses; it is still signed (IntAuth). */
		ike_log(x->e, "IKE SA %016llx_i %016llx_r: IKE_INTERMEDIATE %u without key "
			"exchange", (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
			sa->n_int + 1);
		return ike_ppk_int_r(x) == 0 ? 0 :
		       r_fail(x, IKE_N_AUTHENTICATION_FAILED, "no matching PPK");
	}
	/* RFC 9370 §2.2.2: the n-th negotiated method, nothing else. */
	if (!has_ke || ke.method != k->method[k->done])
		return r_fail(x, IKE_N_INVALID_SYNTAX, "no KE payload of the negotiated method");
	ike_ke_free(k->ke);
	k->ke = ike_ke_new(ke.method, false);
	if (k->ke == NULL)
		return r_fail(x, IKE_N_NO_PROPOSAL_CHOSEN, "key exchange method unavailable");
	/* FIPS 203 §7.2 checks on an ML-KEM encapsulation key happen here. */
	if (ike_ke_complete(k->ke, ke.data, ke.len) != 0)
		return r_fail(x, IKE_N_INVALID_SYNTAX, "malformed KE payload");
	/* RFC 9867 §3.1: a PPK_IDENTITY_KEY rides in the last one. */
	if (ike_ppk_int_r(x) != 0)
		return r_fail(x, IKE_N_AUTHENTICATION_FAILED, "no matching PPK");
	return 0;
}

/* Responder builds: SK {KEr(n)} (for a KEM: the ciphertext). */
static int r_build(struct ike_xctx *x)
{
	struct ike_mke *k = &x->sa->mke;
	struct pld_ke ke;
	int rc;

	if (k->ke == NULL)
		return ike_ppk_int_add_r(x); /* without key exchange */
	ke.method = k->method[k->done];
	rc = ike_ke_public(k->ke, &ke.data, &ke.len);
	if (rc == 0)
		rc = ike_msg_add_ke(x->mb, &ke);
	return rc != 0 ? rc : ike_ppk_int_add_r(x);
}

/* Responder, response sealed with the old keys: now the new ones. */
static void r_sent(struct ike_xctx *x)
{
	struct ike_sa *sa = x->sa;

	if (x->notify != 0 || sa->state == IKE_SA_DEAD)
		return;
	sa->n_int++;
	if (sa->mke.ke != NULL && mke_finish(sa) != 0)
		(void)ike_sa_set_state(x->e, sa, IKE_SA_DEAD);
	/* RFC 9867 §3.1.1: the PPK is the last key update. */
	else if (ike_ppk_int_switch_r(sa) != 0)
		(void)ike_sa_set_state(x->e, sa, IKE_SA_DEAD);
}

/* Initiator processes: KEr(n), SK(n), new keys; the next one or IKE_AUTH. */
static int i_process(struct ike_xctx *x)
{
	struct ike_engine *e = x->e;
	struct ike_sa *sa = x->sa;
	struct ike_mke *k = &sa->mke;
	uint16_t err = ike_error_notify(x->m);
	const char *why = NULL;
	struct pld_ke ke;

	if (err != 0)
		why = ike_notify_name(err);
	else if (ike_intauth_received(sa, x->m) != 0)
		why = "cannot authenticate the response";
	else if (k->done < k->n && k->ke == NULL)
		why = "no key exchange running";
	else if (k->done < k->n &&
		 (ike_get_ke(x->m, &ke) != 0 || ke.method != k->method[k->done]))
		why = "no KE payload of the negotiated method";
	else if (k->done < k->n && ike_ke_complete(k->ke, ke.data, ke.len) != 0)
		why = "malformed KE payload";
	else if (k->done < k->n && mke_finish(sa) != 0)
		why = "key derivation failed";
	/* RFC 9867 §3.1: PPK_IDENTITY, after the key exchange's update. */
	else if (ike_ppk_int_i(x) != 0)
		why = "no agreed PPK";
	if (why != NULL) {
		ike_log(e, "IKE SA %016llx_i %016llx_r: IKE_INTERMEDIATE failed: %s",
			(unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r, why);
		ike_ke_free(k->ke);
		k->ke = NULL;
		return ike_sa_set_state(e, sa, IKE_SA_DEAD);
	}
	sa->n_int++;
	return ike_intermediate_start(e, sa);
}

const struct ike_exchange ike_x_ike_intermediate = {
	.type = IKE_EXCH_IKE_INTERMEDIATE,
	.encrypted = true,
	.i_build = i_build,
	.r_process = r_process,
	.r_build = r_build,
	.i_process = i_process,
	.r_sent = r_sent,
};
