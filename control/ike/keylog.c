/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Key log lines in the formats of Wireshark's user tables (UAT):
 *
 *   ikev2_decryption_table: SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ"
 *     (SPIs and keys bare hex; for AES-GCM SK_e includes the 4-octet salt
 *     of RFC 5282 §7.1, as Wireshark expects)
 *   esp_sa: "IPv4","src","dst","0xSPI","encr","0xkey+salt","NULL",""
 *     (the eight fields of Wireshark 4.0; esprit's ESP ciphers are AEAD)
 *
 * The algorithm strings must match Wireshark's value_string tables
 * (packet-isakmp.c vs_ikev2_encr_algs / vs_ikev2_auth_algs, packet-esp.c
 * esp_encryption_type_vals) character for character, or Wireshark rejects
 * the entry.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/ike/exchange.h"
#include "control/ike/keylog.h"

static const char *ike_encr_name(const struct ike_suite *s)
{
	switch (s->encr) {
	case IKE_ENCR_AES_CBC:
		return s->key_bits == 128 ? "AES-CBC-128 [RFC3602]"
		       : s->key_bits == 192 ? "AES-CBC-192 [RFC3602]"
		       : s->key_bits == 256 ? "AES-CBC-256 [RFC3602]" : NULL;
	case IKE_ENCR_AES_GCM_16:
		return s->key_bits == 128 ? "AES-GCM-128 with 16 octet ICV [RFC5282]"
		       : s->key_bits == 192 ? "AES-GCM-192 with 16 octet ICV [RFC5282]"
		       : s->key_bits == 256 ? "AES-GCM-256 with 16 octet ICV [RFC5282]" : NULL;
	default:
		return NULL; /* ChaCha20-Poly1305: not in Wireshark's IKEv2 table */
	}
}

static const char *ike_integ_name(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_NONE:
		return "NONE [RFC4306]";
	case IKE_INTEG_HMAC_SHA2_256_128:
		return "HMAC_SHA2_256_128 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_384_192:
		return "HMAC_SHA2_384_192 [RFC4868]";
	case IKE_INTEG_HMAC_SHA2_512_256:
		return "HMAC_SHA2_512_256 [RFC4868]";
	default:
		return NULL;
	}
}

/* ESP names; the IIV and ChaCha20 ones exist from Wireshark 4.2 on. */
static const char *esp_encr_name(const struct esp_sa_params *p)
{
	bool iiv = p->flags & ESP_SA_F_IIV;

	switch (p->cipher) {
	case ESP_CIPHER_AES128_GCM16:
	case ESP_CIPHER_AES256_GCM16:
		return iiv ? "AES-GCM with IIV and 16 octet ICV [RFC4106 & RFC8750]"
			   : "AES-GCM with 16 octet ICV [RFC4106]";
	case ESP_CIPHER_CHACHA20_POLY1305:
		return iiv ? "ChaCha20 with Poly1305 and IIV [RFC7634 & RFC8750]"
			   : "ChaCha20 with Poly1305 [RFC7634]";
	default:
		return NULL;
	}
}

/* Appends @p n octets as lowercase hex; false when it does not fit. */
static bool put_hex(char *line, size_t cap, size_t *off, const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	if (cap - *off < 2 * n + 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		line[(*off)++] = digits[b[i] >> 4];
		line[(*off)++] = digits[b[i] & 15];
	}
	line[*off] = '\0';
	return true;
}

static bool put_str(char *line, size_t cap, size_t *off, const char *s)
{
	size_t n = strlen(s);

	if (cap - *off < n + 1)
		return false;
	memcpy(line + *off, s, n + 1);
	*off += n;
	return true;
}

int ike_keylog_sa_line(const struct ike_sa *sa, char *line, size_t cap)
{
	const char *encr = ike_encr_name(&sa->suite), *integ = ike_integ_name(sa->suite.integ);
	const struct ike_keys *k = &sa->keys;
	uint8_t si[8], sr[8];
	size_t off = 0;
	bool ok;

	if (encr == NULL || integ == NULL)
		return -ENOTSUP;
	if (cap == 0)
		return -ENOSPC;
	line[0] = '\0';
	ike_be64(sa->spi_i, si);
	ike_be64(sa->spi_r, sr);
	ok = put_hex(line, cap, &off, si, 8) && put_str(line, cap, &off, ",") &&
	     put_hex(line, cap, &off, sr, 8) && put_str(line, cap, &off, ",") &&
	     put_hex(line, cap, &off, k->ei, k->encr_len) && put_str(line, cap, &off, ",") &&
	     put_hex(line, cap, &off, k->er, k->encr_len) && put_str(line, cap, &off, ",\"") &&
	     put_str(line, cap, &off, encr) && put_str(line, cap, &off, "\",") &&
	     put_hex(line, cap, &off, k->ai, k->integ_len) && put_str(line, cap, &off, ",") &&
	     put_hex(line, cap, &off, k->ar, k->integ_len) && put_str(line, cap, &off, ",\"") &&
	     put_str(line, cap, &off, integ) && put_str(line, cap, &off, "\"\n");
	if (!ok) {
		explicit_bzero(line, cap);
		return -ENOSPC;
	}
	return (int)off;
}

int ike_keylog_esp_line(const struct esp_sa_params *p, char *line, size_t cap)
{
	const char *encr = esp_encr_name(p);
	/* Inbound SAs carry packets from the remote end to us. */
	const struct esp_addr *src = p->dir == ESP_DIR_IN ? &p->remote : &p->local;
	const struct esp_addr *dst = p->dir == ESP_DIR_IN ? &p->local : &p->remote;
	char sbuf[64], dbuf[64], head[256];
	size_t off = 0;
	int n;

	if (encr == NULL)
		return -ENOTSUP;
	n = snprintf(head, sizeof(head), "\"%s\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"0x",
		     src->family == AF_INET6 ? "IPv6" : "IPv4", esp_addr_fmt(src, sbuf, sizeof(sbuf)),
		     esp_addr_fmt(dst, dbuf, sizeof(dbuf)), p->spi, encr);
	if (n < 0 || (size_t)n >= sizeof(head) || cap == 0)
		return -ENOSPC;
	line[0] = '\0';
	if (!put_str(line, cap, &off, head) ||
	    !put_hex(line, cap, &off, p->key, esp_cipher_key_len(p->cipher)) ||
	    !put_hex(line, cap, &off, p->salt, ESP_SALT_LEN) ||
	    !put_str(line, cap, &off, "\",\"NULL\",\"\"\n")) {
		explicit_bzero(line, cap);
		return -ENOSPC;
	}
	return (int)off;
}

void ike_keylog_sa(struct ike_engine *e, struct ike_sa *sa)
{
	char line[IKE_KEYLOG_LINE_MAX];
	int n;

	if (e->ops.keylog == NULL || sa->keys.logged)
		return;
	sa->keys.logged = true;
	n = ike_keylog_sa_line(sa, line, sizeof(line));
	if (n < 0)
		ike_log(e, "IKE SA %016llx_i %016llx_r: keys not logged: %s",
			(unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r,
			n == -ENOTSUP ? "no Wireshark name for its algorithms" : "line too long");
	else
		e->ops.keylog(IKE_KEYLOG_IKEV2, line, e->ops.arg);
	explicit_bzero(line, sizeof(line));
}

void ike_keylog_esp(struct ike_engine *e, const struct esp_sa_params *p)
{
	char line[IKE_KEYLOG_LINE_MAX];
	int n;

	if (e->ops.keylog == NULL)
		return;
	n = ike_keylog_esp_line(p, line, sizeof(line));
	if (n < 0)
		ike_log(e, "ESP SA %08x: keys not logged: %s", p->spi,
			n == -ENOTSUP ? "no Wireshark name for its cipher" : "line too long");
	else
		e->ops.keylog(IKE_KEYLOG_ESP, line, e->ops.arg);
	explicit_bzero(line, sizeof(line));
}
