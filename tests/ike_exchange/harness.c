/* SPDX-License-Identifier: BSD-3-Clause */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ike/ike_crypto.h"
#include "control/ike/message.h"
#include "control/ike/ikesa.h"
#include "tests/ike_exchange/harness.h"

struct net net;

static int net_send(struct ike_engine *e, const struct ike_addr *local,
		    const struct ike_addr *remote, const uint8_t *buf, size_t len, void *arg)
{
	struct peer *p = arg;
	struct pkt *k;

	(void)e;
	p->sent++;
	ck_assert_uint_lt(net.n, NET_MAX);
	ck_assert_uint_le(len, PKT_MAX);
	k = &net.q[net.n++];
	k->from = *local;
	k->to = *remote;
	if (p == &net.a && net.nat_a != 0)
		k->from.port = (uint16_t)(net.nat_a + (local->port == 4500));
	k->len = len;
	memcpy(k->buf, buf, len);
	return 0;
}

static int net_keepalive(struct ike_engine *e, const struct ike_addr *local,
			 const struct ike_addr *remote, void *arg)
{
	struct peer *p = arg;

	(void)e;
	ck_assert_uint_eq(local->port, 4500);
	ck_assert_uint_eq(remote->port, 4500);
	p->keepalives++;
	return 0;
}

static uint64_t net_now(void *arg)
{
	(void)arg;
	return net.now;
}

/* xorshift64*: deterministic per peer. */
static void net_rng(uint8_t *buf, size_t len, void *arg)
{
	struct peer *p = arg;

	for (size_t i = 0; i < len; i++) {
		p->rng ^= p->rng >> 12;
		p->rng ^= p->rng << 25;
		p->rng ^= p->rng >> 27;
		buf[i] = (uint8_t)((p->rng * 0x2545F4914F6CDD1DULL) >> 56);
	}
}

static void net_log(const char *line, void *arg)
{
	struct peer *p = arg;

	if (net.verbose || getenv("IKE_TEST_LOG") != NULL)
		fprintf(stderr, "[%s %6llu] %s\n", p->name, (unsigned long long)net.now, line);
}

static void net_keylog(enum ike_keylog_table t, const char *line, void *arg)
{
	struct peer *p = arg;
	size_t have = strlen(p->keylog[t]);

	ck_assert_uint_lt(have + strlen(line), sizeof(p->keylog[t]));
	strcat(p->keylog[t], line);
	p->n_keylog[t]++;
}

static void net_foreign_event(const struct esp_event *ev, void *arg)
{
	struct peer *p = arg;

	ck_assert_uint_lt(p->n_foreign, sizeof(p->foreign) / sizeof(p->foreign[0]));
	p->foreign[p->n_foreign++] = *ev;
}

struct ike_engine *peer_engine(struct peer *p, unsigned cookie_threshold)
{
	const struct ike_engine_ops ops = { .send = net_send, .now_ms = net_now, .rng = net_rng,
					    .log = net_log, .keepalive = net_keepalive,
					    .keylog = net.no_keylog ? NULL : net_keylog,
					    .foreign_event = net_foreign_event, .arg = p };
	const struct ike_engine_cfg cfg = { .cookie_threshold = cookie_threshold,
					    .half_open_max = 100, .frag_size = net.frag_size,
					    .max_sas = net.max_sas,
					    .workers = p == &net.a ? net.workers_a : net.workers_b };
	struct ike_engine *e = ike_engine_new(&ops, p->drv, &cfg);

	ck_assert_ptr_nonnull(e);
	return e;
}

static void peer_init(struct peer *p, const char *name, uint8_t last, uint64_t seed,
		      uint32_t spi_base, unsigned cookie_threshold)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->rng = seed;
	p->addr.ip.family = AF_INET;
	p->addr.ip.bytes[0] = 192;
	p->addr.ip.bytes[2] = 2;
	p->addr.ip.bytes[3] = last;
	p->addr.port = 500;
	p->drv = drv_ipsec_mock_create();
	ck_assert_ptr_nonnull(p->drv);
	((struct mock_drv *)p->drv)->next_spi = spi_base;
	p->e = peer_engine(p, cookie_threshold);
}

void net_setup(unsigned cookie_threshold)
{
	uint16_t frag = net.frag_size;
	unsigned max_sas = net.max_sas;
	bool no_keylog = net.no_keylog;
	uint16_t wa = net.workers_a, wb = net.workers_b;

	memset(&net, 0, sizeof(net));
	net.workers_a = wa;
	net.workers_b = wb;
	net.frag_size = frag;
	net.max_sas = max_sas;
	net.no_keylog = no_keylog;
	net.now = 1000000;
	peer_init(&net.a, "A", 1, 0x1234567887654321ULL, 0x1000, 100);
	peer_init(&net.b, "B", 2, 0x0badc0ffee123457ULL, 0x2000, cookie_threshold);
}

void net_teardown(void)
{
	ike_engine_free(net.a.e);
	ike_engine_free(net.b.e);
	drv_ipsec_mock_destroy(net.a.drv);
	drv_ipsec_mock_destroy(net.b.drv);
}

struct mock_drv *mock_of(struct peer *p)
{
	return (struct mock_drv *)p->drv;
}

void conn_set_ts(struct ike_conn *c, unsigned child, const char *local, const char *remote)
{
	ck_assert_int_eq(ike_ts_parse(local, &c->child[child].ts_l), 0);
	ck_assert_int_eq(ike_ts_parse(remote, &c->child[child].ts_r), 0);
}

void conn_psk(struct ike_conn *c, const struct peer *self, const struct peer *other,
	      const char *psk, const char *ike, const char *esp)
{
	bool is_a = self == &net.a;
	int n;

	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "gw");
	c->local = self->addr;
	c->remote = other->addr;
	c->local_id.type = IKE_ID_FQDN;
	c->local_id.len = (uint8_t)snprintf((char *)c->local_id.data, IKE_ID_MAX, "%s.test",
					    is_a ? "a" : "b");
	c->remote_id.type = IKE_ID_FQDN;
	c->remote_id.len = (uint8_t)snprintf((char *)c->remote_id.data, IKE_ID_MAX, "%s.test",
					     is_a ? "b" : "a");
	c->auth = IKE_AUTHK_PSK;
	c->psk_len = strlen(psk);
	memcpy(c->psk, psk, c->psk_len);
	n = ike_proposals_parse(ike, IKE_PROTO_IKE, c->ike, IKE_PROPS_MAX);
	ck_assert_int_gt(n, 0);
	c->n_ike = (unsigned)n;
	c->n_child = 1;
	snprintf(c->child[0].name, sizeof(c->child[0].name), "net");
	c->child[0].mode = ESP_MODE_TUNNEL;
	c->child[0].replay_window = 64;
	n = ike_proposals_parse(esp, IKE_PROTO_ESP, c->child[0].esp, IKE_PROPS_MAX);
	ck_assert_int_gt(n, 0);
	c->child[0].n_esp = (unsigned)n;
	if (is_a)
		conn_set_ts(c, 0, "10.1.0.0/24", "10.2.0.0/24");
	else
		conn_set_ts(c, 0, "10.2.0.0/24", "10.1.0.0/24");
}

static struct peer *peer_at(const struct ike_addr *a)
{
	if (esp_addr_eq(&a->ip, &net.a.addr.ip))
		return &net.a;
	if (esp_addr_eq(&a->ip, &net.b.addr.ip))
		return &net.b;
	return NULL;
}

bool net_deliver(void)
{
	struct pkt k;
	struct peer *to;

	if (net.n == 0)
		return false;
	k = net.q[0];
	memmove(net.q, net.q + 1, (net.n - 1) * sizeof(net.q[0]));
	net.n--;
	to = peer_at(&k.to);
	ck_assert_ptr_nonnull(to);
	if (to == &net.a && net.nat_a != 0) {
		if (k.to.port != net.nat_a && k.to.port != net.nat_a + 1) {
			net.nat_dropped++;
			return true;
		}
		k.to.port = k.to.port == net.nat_a ? 500 : 4500;
	}
	(void)ike_engine_input(to->e, &k.to, &k.from, k.buf, k.len);
	return true;
}

unsigned net_deliver_all(void)
{
	unsigned n = 0;

	while (net_deliver())
		ck_assert_uint_lt(++n, 200);
	return n;
}

void net_drop(unsigned i)
{
	ck_assert_uint_lt(i, net.n);
	memmove(net.q + i, net.q + i + 1, (net.n - i - 1) * sizeof(net.q[0]));
	net.n--;
}

void net_dup(unsigned i)
{
	ck_assert_uint_lt(i, net.n);
	ck_assert_uint_lt(net.n, NET_MAX);
	net.q[net.n++] = net.q[i];
}

uint8_t net_exch(unsigned i)
{
	ck_assert_uint_lt(i, net.n);
	return net.q[i].buf[18];
}

bool net_is_response(unsigned i)
{
	ck_assert_uint_lt(i, net.n);
	return net.q[i].buf[19] & IKE_HDR_FLAG_RESPONSE;
}

void net_advance(uint64_t ms)
{
	net.now += ms;
	ike_engine_tick(net.a.e);
	ike_engine_tick(net.b.e);
}

bool has_sa(struct peer *p, uint32_t spi, int dir)
{
	return mock_sa_find(mock_of(p), spi, (enum esp_dir)dir) != NULL;
}

unsigned sa_crosscheck(struct peer *x, struct peer *y)
{
	struct mock_drv *mx = mock_of(x), *my = mock_of(y);
	unsigned pairs = 0;

	for (unsigned i = 0; i < mx->n_sas; i++) {
		const struct esp_sa_params *p = &mx->sas[i].p;
		bool found = false;

		for (unsigned j = 0; j < my->n_sas; j++) {
			const struct esp_sa_params *q = &my->sas[j].p;

			if (q->spi != p->spi || q->dir == p->dir)
				continue;
			found = true;
			ck_assert_int_eq(q->cipher, p->cipher);
			ck_assert_uint_eq(q->flags, p->flags);
			ck_assert_mem_eq(q->key, p->key, sizeof(p->key));
			ck_assert_mem_eq(q->salt, p->salt, sizeof(p->salt));
			ck_assert(esp_addr_eq(&q->local, &p->remote));
			ck_assert(esp_addr_eq(&q->remote, &p->local));
		}
		ck_assert_msg(found, "%s SA %08x dir %d has no peer SA", x->name, p->spi, p->dir);
		pairs++;
	}
	return pairs;
}

struct ike_sa *only_sa(struct peer *p)
{
	ck_assert_uint_eq(ike_sa_count(p->e), 1);
	return ike_sa_by_conn(p->e, "gw");
}

unsigned children(const struct ike_sa *sa)
{
	unsigned n = 0;

	for (unsigned i = 0; i < IKE_CHILD_MAX; i++)
		n += sa->child[i].state != IKE_CHILD_FREE;
	return n;
}

const char *const IKE_P = "aes256gcm16-prfsha384-x25519";
const char *const ESP_P = "aes256gcm16-esn,aes128gcm16";

void setup_psk(void)
{
	net_setup(100);
	conn_pair(IKE_P, IKE_P, ESP_P);
}

/* IKE_SA_INIT + IKE_AUTH with a child, step by step. */
void establish(void)
{
	ck_assert_int_eq(ike_initiate(net.a.e, "gw", "net"), 0);
	/* A -> B: IKE_SA_INIT request */
	ck_assert_uint_eq(net.n, 1);
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_SA_INIT);
	net_deliver();
	/* B -> A: IKE_SA_INIT response */
	ck_assert_uint_eq(net.n, 1);
	ck_assert(net_is_response(0));
	net_deliver();
	/* A -> B: IKE_AUTH request */
	ck_assert_uint_eq(net.n, 1);
	ck_assert_uint_eq(net_exch(0), IKE_EXCH_IKE_AUTH);
	net_deliver();
	/* B -> A: IKE_AUTH response */
	ck_assert_uint_eq(net.n, 1);
	ck_assert(net_is_response(0));
	net_deliver();
	ck_assert_uint_eq(net.n, 0);
}

void establish_psk(struct ike_sa **a, struct ike_sa **b)
{
	setup_psk();
	establish();
	if (a != NULL)
		*a = only_sa(&net.a);
	if (b != NULL)
		*b = only_sa(&net.b);
}

void mock_event(struct peer *p, uint16_t type, uint16_t dir, uint32_t spi)
{
	struct mock_drv *m = mock_of(p);

	ck_assert_uint_lt(m->n_events, MOCK_EVENTS_MAX);
	m->events[m->n_events++] = (struct esp_event){ .type = type, .dir = dir, .spi = spi };
}

/*
 * Opens the queued SK message @p i with the keys @p keys holds for the
 * sender (@p by_initiator: the original initiator), lets @p edit
 * change the inner payloads (and their length), seals it again.
 */
void net_reseal(unsigned i, const struct ike_sa *keys, bool by_initiator,
		   size_t (*edit)(uint8_t *inner, size_t len))
{
	struct pkt *k = &net.q[i];
	const struct ike_sa *from = keys;
	const uint8_t *ek = by_initiator ? from->keys.ei : from->keys.er;
	const uint8_t *ak = by_initiator ? from->keys.ai : from->keys.ar;
	uint8_t plain[PKT_MAX], iv[16] = { 7 }, *inner;
	size_t inner_len, body, aad = IKE_HDR_LEN + IKE_GEN_HDR_LEN, total;
	long n;

	ck_assert_uint_eq(k->buf[16], IKE_PLD_SK);
	ck_assert_int_eq(ike_crypto_sk_open(&from->suite, ek, ak, k->buf, k->len, aad, &inner,
					    &inner_len), 0);
	memcpy(plain, inner, inner_len);
	inner_len = edit(plain, inner_len);
	body = ike_crypto_sk_body_len(&from->suite, inner_len);
	total = aad + body;
	k->buf[24] = (uint8_t)(total >> 24);
	k->buf[25] = (uint8_t)(total >> 16);
	k->buf[26] = (uint8_t)(total >> 8);
	k->buf[27] = (uint8_t)total;
	k->buf[IKE_HDR_LEN + 2] = (uint8_t)((IKE_GEN_HDR_LEN + body) >> 8);
	k->buf[IKE_HDR_LEN + 3] = (uint8_t)(IKE_GEN_HDR_LEN + body);
	n = ike_crypto_sk_seal(&from->suite, ek, ak, iv, k->buf, aad, plain, inner_len, PKT_MAX);
	ck_assert_int_gt(n, 0);
	k->len = (size_t)n;
}

void net_open(unsigned i, const struct ike_sa *from, struct ike_msg *m)
{
	static struct pkt copy; /* m points into it */
	uint8_t *inner;
	size_t inner_len;

	ck_assert_uint_gt(net.n, i);
	copy = net.q[i];
	ck_assert_int_eq(ike_msg_parse(copy.buf, copy.len, m), 0);
	ck_assert_int_ge(m->sk, 0);
	ck_assert_int_eq(ike_crypto_sk_open(&from->suite,
					    from->initiator ? from->keys.ei : from->keys.er,
					    from->initiator ? from->keys.ai : from->keys.ar, copy.buf,
					    copy.len, m->pld[m->sk].off + 4, &inner, &inner_len), 0);
	ck_assert_int_eq(ike_msg_parse_inner(m, m->pld[m->sk].next, inner, inner_len), 0);
}

void net_step(uint8_t exch, bool response)
{
	ck_assert_uint_ge(net.n, 1);
	ck_assert_uint_eq(net_exch(0), exch);
	ck_assert(net_is_response(0) == response);
	/* Fragments of one message are delivered together. */
	while (net.n > 0 && net_exch(0) == exch && net_is_response(0) == response)
		net_deliver();
}

void net_exchange(uint8_t exch)
{
	net_step(exch, false);
	net_step(exch, true);
}

void conn_pair_psk(const char *psk_a, const char *psk_b, const char *ike_a, const char *ike_b,
		   const char *esp_a, const char *esp_b)
{
	struct ike_conn ca, cb;

	conn_psk(&ca, &net.a, &net.b, psk_a, ike_a, esp_a);
	conn_psk(&cb, &net.b, &net.a, psk_b, ike_b, esp_b);
	ck_assert_int_eq(ike_conn_add(net.a.e, &ca), 0);
	ck_assert_int_eq(ike_conn_add(net.b.e, &cb), 0);
}

void conn_pair(const char *ike_a, const char *ike_b, const char *esp)
{
	conn_pair_psk("s3cret-psk", "s3cret-psk", ike_a, ike_b, esp, esp);
}
