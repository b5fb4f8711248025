/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `connections` section: IKEv2 connections in swanctl.conf's spirit.
 *
 *   connections = (
 *     { name = "site-b";
 *       local_addrs = "192.0.2.1"; remote_addrs = "192.0.2.2";  # "any": responder only
 *       local_port = 500; remote_port = 500;                      # optional
 *       local_id = "a.test"; remote_id = "b.test";  # FQDN, user@fqdn, IP, "CN=..,O=.." (DN)
 *       auth = "psk"; psk = "secret" or "0x...";   # or auth = "pubkey" with
 *       # cert = "a.pem"; key = "a.key"; cacerts = ["ca.pem"]; send_certreq = true;
 *       # (cert and key may be lists of up to 4: the peer's CERTREQ picks one)
 *       proposals = "aes256gcm16-prfsha384-x25519,aes256-sha256-modp2048";
 *       ppk_id = "ppk-1"; ppk_required = true;      # RFC 8784, from `ppks`
 *       ppk_intermediate = true;                     # RFC 9867: in IKE_INTERMEDIATE
 *       ppk_child_id = "ppk-2"; ppk_child_required = true; # RFC 9867 §3.2: CREATE_CHILD_SA
 *       rekey_time = 14400; dpd_delay = 30;          # seconds, 0 = off
 *       dpd_timeout = 10;   # seconds: unanswered request -> peer dead (0: ~31 s of
 *                           # retransmissions)
 *       children = (
 *         { name = "net"; local_ts = "10.1.0.0/24"; remote_ts = "10.2.0.0/24";
 *           esp_proposals = "aes128gcm16,chacha20poly1305"; mode = "tunnel";
 *           rekey_time = 3600; life_time = 3960; replay_window = 64;
 *           start_action = "start";                  # none | trap | start
 *           per_resource = true; }   # RFC 9611: an SA of each worker (gateway links)
 *       );
 *     }
 *   );
 *   ppks = ( { id = "ppk-1"; secret = "0x..." or "text"; type = "fixed"; } );  # or "opaque"
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "control/config_int.h"
#include "control/ikecrypto/cert.h"

enum { CONNS_MAX = IKE_CONN_MAX, PATHS_MAX = 8, PPKS_MAX = 32, PPK_MIN = 32 };

/* A required file name, or a list of 1..@p max of them. */
static int get_paths(struct parser *ps, const config_setting_t *g, const char *name,
		     const char **out, unsigned max, unsigned *n)
{
	const config_setting_t *s = config_setting_get_member(g, name);

	*n = 0;
	if (s == NULL)
		return perr(ps, g, name, "missing");
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		out[(*n)++] = config_setting_get_string(s);
		return 0;
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return perr(ps, s, NULL, "must be a file name or a list of them");
	if (config_setting_length(s) < 1 || (unsigned)config_setting_length(s) > max)
		return perr(ps, s, NULL, "1 to %u file names", max);
	for (int i = 0; i < config_setting_length(s); i++) {
		out[i] = config_setting_get_string_elem(s, i);
		if (out[i] == NULL)
			return perr(ps, s, NULL, "must be a list of file names");
	}
	*n = (unsigned)config_setting_length(s);
	return 0;
}

/*
 * An identity in strongSwan's notation: an address is ID_IPV4/6_ADDR,
 * "user@host" ID_RFC822_ADDR, anything with '=' a DN (DER-encoded here),
 * anything else (optionally "@host") ID_FQDN.
 */
static int parse_id(const char *s, struct ike_id *id)
{
	struct esp_addr a;

	memset(id, 0, sizeof(*id));
	if (esp_addr_parse(s, &a, NULL) == 0) {
		id->type = a.family == AF_INET ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
		id->len = (uint8_t)esp_addr_len(a.family);
		memcpy(id->data, a.bytes, id->len);
		return 0;
	}
	if (strchr(s, '=') != NULL) {
		/* "C=CH, O=strongSwan, CN=b.test" or "/C=CH/O=..." */
		X509_NAME *n = X509_NAME_new();
		char buf[IKE_ID_MAX + 1], *save = NULL;
		int rc = -EINVAL;

		if (n == NULL || copy_str(buf, sizeof(buf), s) < 0)
			goto dn_out;
		for (char *tok = strtok_r(buf, ",/", &save); tok != NULL;
		     tok = strtok_r(NULL, ",/", &save)) {
			char *eq = strchr(tok, '=');

			while (*tok == ' ')
				tok++;
			if (eq == NULL || eq == tok)
				goto dn_out;
			*eq = '\0';
			if (X509_NAME_add_entry_by_txt(n, tok, MBSTRING_UTF8,
						       (const unsigned char *)eq + 1, -1, -1, 0) != 1)
				goto dn_out;
		}
		unsigned char *der = NULL;
		int len = i2d_X509_NAME(n, &der);

		if (len > 0 && len <= IKE_ID_MAX) {
			id->type = IKE_ID_DER_ASN1_DN;
			id->len = (uint8_t)len;
			memcpy(id->data, der, (size_t)len);
			rc = 0;
		}
		OPENSSL_free(der);
dn_out:
		X509_NAME_free(n);
		return rc;
	}
	if (s[0] == '@')
		s++;
	size_t n = strlen(s);

	if (n == 0 || n > IKE_ID_MAX)
		return -EINVAL;
	id->type = strchr(s, '@') != NULL ? IKE_ID_RFC822_ADDR : IKE_ID_FQDN;
	id->len = (uint8_t)n;
	memcpy(id->data, s, n);
	return 0;
}

static int get_id(struct parser *ps, const config_setting_t *g, const char *name,
		  struct ike_id *id)
{
	const char *v;
	int rc = get_str(ps, g, name, false, &v);

	if (rc < 0 || v == NULL || strcmp(v, "%any") == 0)
		return rc;
	if (parse_id(v, id) < 0)
		return perr(ps, config_setting_get_member(g, name), NULL,
			    "'%s' is not an identity (address, fqdn, user@fqdn or DN)", v);
	return 0;
}

static int get_seconds_ms(struct parser *ps, const config_setting_t *g, const char *name,
			  uint64_t *ms)
{
	long long v = 0;
	int rc = get_int(ps, g, name, false, 0, 365LL * 86400, &v);

	*ms = (uint64_t)v * 1000;
	return rc;
}

static int get_proposals(struct parser *ps, const config_setting_t *g, const char *name,
			 uint8_t proto, struct ike_proposal *p, unsigned *n)
{
	const char *v;
	int rc = get_str(ps, g, name, true, &v);

	if (rc < 0)
		return rc;
	rc = ike_proposals_parse(v, proto, p, IKE_PROPS_MAX);
	if (rc <= 0)
		return perr(ps, config_setting_get_member(g, name), NULL,
			    "'%s': %s", v, rc == -ENOTSUP ? "an algorithm here is not for ESP"
							   : "not a proposal list (e.g. aes256gcm16-prfsha384-x25519)");
	*n = (unsigned)rc;
	return 0;
}

static int get_ts(struct parser *ps, const config_setting_t *g, const char *name,
		  struct ike_ts *ts)
{
	const char *v;
	int rc = get_str(ps, g, name, true, &v);

	if (rc < 0)
		return rc;
	if (ike_ts_parse(v, ts) < 0)
		return perr(ps, config_setting_get_member(g, name), NULL,
			    "'%s' is not a prefix like 10.1.0.0/24", v);
	return 0;
}

static int parse_child(struct parser *ps, const config_setting_t *g, struct ike_child_cfg *cc,
		       enum cfg_start *start)
{
	static const char *const allowed[] = {
		"name", "local_ts", "remote_ts", "esp_proposals", "mode", "rekey_time",
		"life_time", "replay_window", "start_action", "per_resource", NULL,
	};
	const char *v;
	long long rw = 64;
	uint64_t life_ms = 0;
	int rc;

	if ((rc = check_group(ps, g, allowed)) < 0 ||
	    (rc = get_name(ps, g, "name", true, cc->name, sizeof(cc->name))) < 0 ||
	    (rc = get_ts(ps, g, "local_ts", &cc->ts_l)) < 0 ||
	    (rc = get_ts(ps, g, "remote_ts", &cc->ts_r)) < 0 ||
	    (rc = get_proposals(ps, g, "esp_proposals", IKE_PROTO_ESP, cc->esp, &cc->n_esp)) < 0 ||
	    (rc = get_seconds_ms(ps, g, "rekey_time", &cc->rekey_ms)) < 0 ||
	    (rc = get_seconds_ms(ps, g, "life_time", &life_ms)) < 0 ||
	    (rc = get_int(ps, g, "replay_window", false, 0, ESP_REPLAY_MAX, &rw)) < 0 ||
	    (rc = get_bool(ps, g, "per_resource", &cc->per_resource)) < 0)
		return rc;
	if (cc->ts_l.family != cc->ts_r.family)
		return perr(ps, g, "remote_ts", "local_ts and remote_ts must be of one family");
	if (rw != 0 && rw < ESP_REPLAY_MIN)
		return perr(ps, config_setting_get_member(g, "replay_window"), NULL,
			    "0 (off) or %d..%d", ESP_REPLAY_MIN, ESP_REPLAY_MAX);
	cc->replay_window = (uint16_t)rw;
	cc->lifetime_s = life_ms / 1000;
	if (cc->lifetime_s != 0 && cc->rekey_ms / 1000 >= cc->lifetime_s)
		return perr(ps, config_setting_get_member(g, "life_time"), NULL,
			    "must be longer than rekey_time");
	cc->mode = ESP_MODE_TUNNEL;
	if ((rc = get_str(ps, g, "mode", false, &v)) < 0)
		return rc;
	if (v != NULL && strcmp(v, "transport") == 0)
		cc->mode = ESP_MODE_TRANSPORT;
	else if (v != NULL && strcmp(v, "tunnel") != 0)
		return perr(ps, config_setting_get_member(g, "mode"), NULL, "tunnel or transport");
	*start = CFG_START_NONE;
	if ((rc = get_str(ps, g, "start_action", false, &v)) < 0)
		return rc;
	if (v != NULL && strcmp(v, "start") == 0)
		*start = CFG_START_START;
	else if (v != NULL && strcmp(v, "trap") == 0)
		*start = CFG_START_TRAP;
	else if (v != NULL && strcmp(v, "none") != 0)
		return perr(ps, config_setting_get_member(g, "start_action"), NULL,
			    "none, trap or start");
	return 0;
}

static int parse_auth(struct parser *ps, const config_setting_t *g, struct cfg_conn *cc)
{
	struct ike_conn *c = &cc->c;
	const char *auth, *v;
	int rc;

	if ((rc = get_str(ps, g, "auth", true, &auth)) < 0)
		return rc;
	if (strcmp(auth, "psk") == 0) {
		c->auth = IKE_AUTHK_PSK;
		if ((rc = get_str(ps, g, "psk", true, &v)) < 0)
			return rc;
		const config_setting_t *s = config_setting_get_member(g, "psk");

		if (strncmp(v, "0x", 2) == 0) {
			if (parse_hex(v, c->psk, sizeof(c->psk), &c->psk_len) < 0)
				return perr(ps, s, NULL, "not hex, or longer than %d octets", IKE_PSK_MAX);
		} else if (copy_str((char *)c->psk, sizeof(c->psk), v) < 0) {
			return perr(ps, s, NULL, "longer than %d octets", IKE_PSK_MAX - 1);
		} else {
			c->psk_len = strlen(v);
		}
		/* RFC 7296 §2.15: a shared secret must be hard to guess. */
		if (c->psk_len < 16)
			return perr(ps, s, NULL, "at least 16 octets");
		return 0;
	}
	if (strcmp(auth, "pubkey") != 0)
		return perr(ps, config_setting_get_member(g, "auth"), NULL, "psk or pubkey");
	const char *certs[1 + IKE_CRED_MORE_MAX], *keys[1 + IKE_CRED_MORE_MAX], *cas[PATHS_MAX];
	unsigned n = 0, n_certs, n_keys;
	config_setting_t *list;
	char err[256];

	c->auth = IKE_AUTHK_PUBKEY;
	if ((rc = get_paths(ps, g, "cert", certs, 1 + IKE_CRED_MORE_MAX, &n_certs)) < 0 ||
	    (rc = get_paths(ps, g, "key", keys, 1 + IKE_CRED_MORE_MAX, &n_keys)) < 0 ||
	    (rc = get_list(ps, g, "cacerts", false, &list)) < 0)
		return rc;
	if (n_keys != n_certs)
		return perr(ps, config_setting_get_member(g, "key"), NULL,
			    "one key per certificate (%u certificates, %u keys)", n_certs, n_keys);
	if (list == NULL || config_setting_length(list) == 0)
		return perr(ps, g, "cacerts", "at least one CA certificate is needed");
	for (int i = 0; i < config_setting_length(list) && n < PATHS_MAX; i++) {
		const char *p = config_setting_get_string_elem(list, i);

		if (p == NULL)
			return perr(ps, list, NULL, "must be a list of file names");
		cas[n++] = p;
	}
	if (ike_cred_load(&cc->cred, certs[0], keys[0], err, sizeof(err)) < 0)
		return perr(ps, config_setting_get_member(g, "cert"), NULL, "%s", err);
	for (unsigned i = 1; i < n_certs; i++) {
		if (ike_cred_load(&cc->cred_more[i - 1], certs[i], keys[i], err, sizeof(err)) < 0)
			return perr(ps, config_setting_get_member(g, "cert"), NULL, "%s", err);
		c->cred_more[i - 1] = &cc->cred_more[i - 1];
		c->n_cred_more = i;
	}
	cc->trust = ike_trust_load(cas, n, err, sizeof(err));
	if (cc->trust == NULL)
		return perr(ps, list, NULL, "%s", err);
	c->cred = &cc->cred;
	c->trust = cc->trust;
	c->send_certreq = true;
	bool certreq = true;

	if ((rc = get_bool(ps, g, "send_certreq", &certreq)) < 0)
		return rc;
	c->send_certreq = certreq;
	return 0;
}

/* The `ppks` list: RFC 8784 post-quantum preshared keys by PPK_ID. */
static int parse_ppks(struct parser *ps, const config_setting_t *root, struct ike_ppk *ppk,
		      unsigned *n)
{
	static const char *const allowed[] = { "id", "secret", "type", NULL };
	config_setting_t *list;
	int rc;

	*n = 0;
	if ((rc = get_list(ps, root, "ppks", true, &list)) < 0 || list == NULL)
		return rc;
	if (config_setting_length(list) > PPKS_MAX)
		return perr(ps, list, NULL, "at most %d PPKs", PPKS_MAX);
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct ike_ppk *p = &ppk[i];
		const char *id, *secret, *type;
		const config_setting_t *s;

		if ((rc = check_group(ps, g, allowed)) < 0 ||
		    (rc = get_str(ps, g, "id", true, &id)) < 0 ||
		    (rc = get_str(ps, g, "secret", true, &secret)) < 0 ||
		    (rc = get_str(ps, g, "type", false, &type)) < 0)
			return rc;
		if (id[0] == '\0' || strlen(id) > IKE_PPK_ID_MAX)
			return perr(ps, config_setting_get_member(g, "id"), NULL,
				    "1 to %d characters", IKE_PPK_ID_MAX);
		for (unsigned j = 0; j < *n; j++)
			if (ppk[j].id_len == strlen(id) && memcmp(ppk[j].id, id, ppk[j].id_len) == 0)
				return perr(ps, config_setting_get_member(g, "id"), NULL,
					    "PPK '%s' is defined twice", id);
		/* §5.1: PPK_ID_FIXED by default (what strongSwan sends). */
		p->id_type = IKE_PPK_ID_FIXED;
		if (type != NULL && strcmp(type, "opaque") == 0)
			p->id_type = IKE_PPK_ID_OPAQUE;
		else if (type != NULL && strcmp(type, "fixed") != 0)
			return perr(ps, config_setting_get_member(g, "type"), NULL, "fixed or opaque");
		p->id_len = (uint8_t)strlen(id);
		memcpy(p->id, id, p->id_len);
		s = config_setting_get_member(g, "secret");
		if (strncmp(secret, "0x", 2) == 0) {
			if (parse_hex(secret, p->key, sizeof(p->key), &p->key_len) < 0)
				return perr(ps, s, NULL, "not hex, or longer than %d octets",
					    IKE_PPK_MAX);
		} else if (copy_str((char *)p->key, sizeof(p->key), secret) < 0) {
			return perr(ps, s, NULL, "longer than %d octets", IKE_PPK_MAX - 1);
		} else {
			p->key_len = strlen(secret);
		}
		/* RFC 8784 §6: the PPK must carry enough entropy (256 bits). */
		if (p->key_len < PPK_MIN)
			return perr(ps, s, NULL, "at least %d octets", PPK_MIN);
		*n = (unsigned)i + 1;
	}
	return 0;
}

/* The entry of the ppks list named by @p key (a PPK_ID), into @p out. */
static int find_ppk(struct parser *ps, const config_setting_t *g, const char *key, const char *id,
		    const struct ike_ppk *ppk, unsigned n_ppk, struct ike_ppk *out)
{
	for (unsigned i = 0; i < n_ppk; i++)
		if (ppk[i].id_len == strlen(id) && memcmp(ppk[i].id, id, ppk[i].id_len) == 0) {
			*out = ppk[i];
			return 0;
		}
	return perr(ps, config_setting_get_member(g, key), NULL, "no PPK '%s' in the ppks list",
		    id);
}

/* ppk_child_id / ppk_child_required: RFC 9867 §3.2, a (fresh) PPK for
 * the CREATE_CHILD_SA exchanges of the connection. */
static int parse_conn_ppk_child(struct parser *ps, const config_setting_t *g,
				const struct ike_ppk *ppk, unsigned n_ppk, struct ike_conn *c)
{
	const char *id;
	bool req = false;
	int rc;

	if ((rc = get_str(ps, g, "ppk_child_id", false, &id)) < 0 ||
	    (rc = get_bool(ps, g, "ppk_child_required", &req)) < 0)
		return rc;
	c->ppk_child_required = req;
	if (id == NULL)
		return req ? perr(ps, config_setting_get_member(g, "ppk_child_required"), NULL,
				  "needs a ppk_child_id") : 0;
	return find_ppk(ps, g, "ppk_child_id", id, ppk, n_ppk, &c->ppk_child);
}

/* ppk_id / ppk_required of a connection. */
static int parse_conn_ppk(struct parser *ps, const config_setting_t *g, const struct ike_ppk *ppk,
			  unsigned n_ppk, struct ike_conn *c)
{
	const char *id;
	bool req = false, in_int = false;
	int rc;

	if ((rc = parse_conn_ppk_child(ps, g, ppk, n_ppk, c)) < 0 ||
	    (rc = get_str(ps, g, "ppk_id", false, &id)) < 0 ||
	    (rc = get_bool(ps, g, "ppk_required", &req)) < 0 ||
	    (rc = get_bool(ps, g, "ppk_intermediate", &in_int)) < 0)
		return rc;
	c->ppk_required = req;
	c->ppk_intermediate = in_int;
	if (id == NULL) {
		if (req || in_int)
			return perr(ps, config_setting_get_member(g, req ? "ppk_required"
									 : "ppk_intermediate"),
				    NULL, "needs a ppk_id");
		return 0;
	}
	return find_ppk(ps, g, "ppk_id", id, ppk, n_ppk, &c->ppk);
}

static int parse_conn(struct parser *ps, const struct esprit_config *cfg, const config_setting_t *g,
		      unsigned idx, const struct ike_ppk *ppk, unsigned n_ppk, struct cfg_conn *cc)
{
	static const char *const allowed[] = {
		"name", "local_addrs", "remote_addrs", "local_port", "remote_port", "local_id",
		"remote_id", "auth", "psk", "cert", "key", "cacerts", "send_certreq", "proposals",
		"rekey_time", "dpd_delay", "dpd_timeout", "children", "ppk_id", "ppk_required",
		"ppk_intermediate", "ppk_child_id", "ppk_child_required", NULL,
	};
	struct ike_conn *c = &cc->c;
	config_setting_t *list;
	long long lport = 500, rport = 500;
	const char *v;
	int rc;

	if ((rc = check_group(ps, g, allowed)) < 0 ||
	    (rc = get_name(ps, g, "name", true, c->name, sizeof(c->name))) < 0 ||
	    (rc = get_addr(ps, g, "local_addrs", true, &c->local.ip)) < 0 ||
	    (rc = get_str(ps, g, "remote_addrs", true, &v)) < 0 ||
	    (rc = get_int(ps, g, "local_port", false, 1, 65535, &lport)) < 0 ||
	    (rc = get_int(ps, g, "remote_port", false, 1, 65535, &rport)) < 0)
		return rc;
	for (unsigned i = 0; i < idx; i++)
		if (strcmp(cfg->conns[i].c.name, c->name) == 0)
			return perr(ps, config_setting_get_member(g, "name"), NULL,
				    "connection '%s' is defined twice", c->name);
	if (strcmp(v, "any") != 0 && strcmp(v, "%any") != 0) {
		if ((rc = get_addr(ps, g, "remote_addrs", true, &c->remote.ip)) < 0)
			return rc;
		if (c->remote.ip.family != c->local.ip.family)
			return perr(ps, config_setting_get_member(g, "remote_addrs"), NULL,
				    "must be of the family of local_addrs");
	}
	c->local.port = (uint16_t)lport;
	c->remote.port = (uint16_t)rport;
	if ((rc = get_id(ps, g, "local_id", &c->local_id)) < 0 ||
	    (rc = get_id(ps, g, "remote_id", &c->remote_id)) < 0 ||
	    (rc = parse_auth(ps, g, cc)) < 0 ||
	    (rc = get_proposals(ps, g, "proposals", IKE_PROTO_IKE, c->ike, &c->n_ike)) < 0 ||
	    (rc = get_seconds_ms(ps, g, "rekey_time", &c->rekey_ms)) < 0 ||
	    (rc = get_seconds_ms(ps, g, "dpd_delay", &c->dpd_ms)) < 0 ||
	    (rc = get_seconds_ms(ps, g, "dpd_timeout", &c->dpd_timeout_ms)) < 0 ||
	    (rc = parse_conn_ppk(ps, g, ppk, n_ppk, c)) < 0)
		return rc;
	if (c->local_id.type == 0) {
		/* default: our address (RFC 7296 §3.5) */
		c->local_id.type = c->local.ip.family == AF_INET ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
		c->local_id.len = (uint8_t)esp_addr_len(c->local.ip.family);
		memcpy(c->local_id.data, c->local.ip.bytes, c->local_id.len);
	}
	if ((rc = get_list(ps, g, "children", true, &list)) < 0)
		return rc;
	if (list != NULL && config_setting_length(list) > IKE_CONN_CHILD_MAX)
		return perr(ps, list, NULL, "at most %d children", IKE_CONN_CHILD_MAX);
	for (int i = 0; list != NULL && i < config_setting_length(list); i++) {
		if ((rc = parse_child(ps, config_setting_get_elem(list, (unsigned)i), &c->child[i],
				      &cc->start[i])) < 0)
			return rc;
		c->n_child = (unsigned)i + 1;
	}
	return 0;
}

int config_parse_connections(struct parser *ps, struct esprit_config *cfg,
			     const config_setting_t *root)
{
	struct ike_ppk ppk[PPKS_MAX];
	config_setting_t *list;
	unsigned n_ppk = 0;
	int rc;

	memset(ppk, 0, sizeof(ppk));
	if ((rc = parse_ppks(ps, root, ppk, &n_ppk)) < 0 ||
	    (rc = get_list(ps, root, "connections", true, &list)) < 0 || list == NULL)
		goto out;
	rc = -EINVAL;
	if (config_setting_length(list) > CONNS_MAX) {
		rc = perr(ps, list, NULL, "at most %d connections", CONNS_MAX);
		goto out;
	}
	cfg->conns = calloc((size_t)config_setting_length(list) + 1, sizeof(*cfg->conns));
	rc = -ENOMEM;
	if (cfg->conns == NULL)
		goto out;
	rc = 0;
	for (int i = 0; i < config_setting_length(list) && rc == 0; i++) {
		cfg->n_conns = (unsigned)i + 1; /* counted so that config_free frees it */
		rc = parse_conn(ps, cfg, config_setting_get_elem(list, (unsigned)i), (unsigned)i, ppk,
				n_ppk, &cfg->conns[i]);
	}
out:
	explicit_bzero(ppk, sizeof(ppk));
	return rc < 0 ? rc : 0;
}

void config_free_connections(struct esprit_config *cfg)
{
	for (unsigned i = 0; cfg->conns != NULL && i < cfg->n_conns; i++) {
		ike_cred_free(&cfg->conns[i].cred);
		for (unsigned k = 0; k < IKE_CRED_MORE_MAX; k++)
			ike_cred_free(&cfg->conns[i].cred_more[k]);
		ike_trust_free(cfg->conns[i].trust);
		explicit_bzero(&cfg->conns[i], sizeof(cfg->conns[i]));
	}
	free(cfg->conns);
	cfg->conns = NULL;
	cfg->n_conns = 0;
}
