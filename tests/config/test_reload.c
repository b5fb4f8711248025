/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/reload.c against the mock SA driver and a real IKE engine (mock
 * ops): a bad file changes nothing; a good one adds, changes and removes
 * static SAs, policies and connections, leaves unchanged SAs (and their
 * counters) alone, and reports what needs a restart.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/gw.h"
#include "control/ike/ike.h"
#include "control/reload.h"
#include "drivers/ipsec_mock.h"
#include "tests/check_run.h"

static struct gw gw;
static char path[64];
static unsigned sent;
static uint64_t clock_ms = 1000;

#define KEY "0x000102030405060708090a0b0c0d0e0f10111213"

static int t_send(struct ike_engine *e, const struct ike_addr *l, const struct ike_addr *r,
		  const uint8_t *buf, size_t len, void *arg)
{
	sent++;
	return 0;
}

static uint64_t t_now(void *arg)
{
	return clock_ms;
}

static void t_rng(uint8_t *buf, size_t len, void *arg)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)rand();
}

static void write_conf(unsigned workers, const char *sas, const char *pols, const char *conns)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"esprit: { workers = %u; log_level = \"info\"; };\n"
		"ports = ( { name = \"wan\"; device = \"net_null0\"; addresses = [\"192.0.2.1/24\"]; } );\n"
		"sas = ( %s );\npolicies = ( %s );\nconnections = ( %s );\n",
		workers, sas, pols, conns);
	fclose(f);
}

static const char *sa(const char *name, const char *spi, const char *dir, const char *key)
{
	static char buf[8][512];
	static unsigned k;
	char *b = buf[k++ % 8];

	snprintf(b, 512, "{ name = \"%s\"; spi = %s; dir = \"%s\"; cipher = \"aes128gcm16\";"
		 " key = \"%s\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\";"
		 " src = \"10.1.0.0/24\"; dst = \"10.2.0.0/24\"; }", name, spi, dir, key);
	return b;
}

static const char *conn(const char *name, const char *remote, const char *esp, const char *start)
{
	static char buf[8][768];
	static unsigned k;
	char *b = buf[k++ % 8];

	snprintf(b, 768, "{ name = \"%s\"; local_addrs = \"192.0.2.1\"; remote_addrs = \"%s\";"
		 " local_id = \"a.test\"; remote_id = \"%s.test\"; auth = \"psk\"; psk = \"a-secret-of-enough-octets\";"
		 " proposals = \"aes256-sha256-x25519\"; children = ( { name = \"net\";"
		 " local_ts = \"10.1.0.0/24\"; remote_ts = \"10.2.0.0/24\"; esp_proposals = \"%s\";"
		 " start_action = \"%s\"; } ); }", name, remote, name, esp, start);
	return b;
}

static struct mock_sa *mock_sa_of(uint32_t spi, enum esp_dir dir)
{
	return mock_sa_find((struct mock_drv *)gw.ipsec, spi, dir);
}

static bool has_note(char (*list)[RELOAD_NOTE_LEN], unsigned n, const char *prefix)
{
	for (unsigned i = 0; i < n; i++)
		if (strncmp(list[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static void start(void)
{
	static const struct ike_engine_ops ops = { .send = t_send, .now_ms = t_now, .rng = t_rng };
	char err[512];
	char sas[1200];

	snprintf(path, sizeof(path), "/tmp/esprit-reload-%d.conf", (int)getpid());
	snprintf(sas, sizeof(sas), "%s, %s", sa("s1", "0x9001", "out", KEY), sa("s2", "0x9002", "in", KEY));
	write_conf(1, sas,
		   "{ name = \"p1\"; src = \"10.1.0.0/24\"; dst = \"10.2.0.0/24\"; action = \"protect\"; sa = \"s1\"; }",
		   conn("b", "192.0.2.2", "aes128gcm16", "none"));
	memset(&gw, 0, sizeof(gw));
	ck_assert_msg(config_load(&gw.cfg, path, err, sizeof(err)) == 0, "%s", err);
	gw.ipsec = drv_ipsec_mock_create();
	for (unsigned i = 0; i < gw.cfg.n_sas; i++)
		ck_assert_int_eq(drv_sa_add(gw.ipsec, &gw.cfg.sas[i].p), 0);
	for (unsigned i = 0; i < gw.cfg.n_policies; i++) {
		struct drv_policy pol = { .id = i + 1, .priority = i, .sel = gw.cfg.policies[i].sel,
					  .action = gw.cfg.policies[i].action,
					  .sa_spi = gw.cfg.policies[i].sa_spi };

		ck_assert_int_eq(drv_policy_add(gw.ipsec, &pol), 0);
	}
	gw.ike = ike_engine_new(&ops, gw.ipsec, NULL);
	ck_assert_ptr_nonnull(gw.ike);
	for (unsigned i = 0; i < gw.cfg.n_conns; i++)
		ck_assert_int_eq(ike_conn_add(gw.ike, &gw.cfg.conns[i].c), 0);
	mock_sa_of(0x9001, ESP_DIR_OUT)->stats.packets = 77;
}

static void stop(void)
{
	ike_engine_free(gw.ike);
	drv_ipsec_mock_destroy(gw.ipsec);
	config_free(&gw.cfg);
	unlink(path);
}

START_TEST(bad_file_changes_nothing)
{
	struct reload_report *r = malloc(sizeof(*r));
	struct mock_drv *m;
	char err[512] = "";
	unsigned calls;

	start();
	m = (struct mock_drv *)gw.ipsec;
	calls = m->calls;
	write_conf(1, sa("s1", "0x9001", "sideways", KEY), "", "");
	ck_assert_int_eq(gw_reload(&gw, r, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, path) != NULL && strstr(err, ":3:") != NULL, "%s", err);
	ck_assert_uint_eq(m->calls, calls);
	ck_assert_uint_eq(gw.cfg.n_sas, 2);
	ck_assert_ptr_nonnull(ike_conn_get(gw.ike, "b"));
	free(r);
	stop();
}
END_TEST

START_TEST(diff_applied)
{
	struct reload_report *r = malloc(sizeof(*r));
	const struct ike_conn *b_before;
	char err[512] = "", sas[1200], conns[2400];

	start();
	b_before = ike_conn_get(gw.ike, "b");
	snprintf(sas, sizeof(sas), "%s, %s", sa("s1", "0x9001", "out", KEY),
		 sa("s3", "0x9003", "in", KEY));
	snprintf(conns, sizeof(conns), "%s, %s", conn("b", "192.0.2.2", "aes256gcm16", "none"),
		 conn("d", "192.0.2.9", "aes128gcm16", "start"));
	write_conf(2, sas,
		   "{ name = \"p1\"; src = \"10.1.0.0/24\"; dst = \"10.2.0.0/24\"; action = \"protect\"; sa = \"s1\"; },"
		   "{ name = \"p2\"; dst = \"10.8.0.0/24\"; action = \"bypass\"; }",
		   conns);
	ck_assert_int_eq(gw_reload(&gw, r, err, sizeof(err)), 0);
	ck_assert_uint_eq(r->n_failed, 0);
	ck_assert(has_note(r->changes, r->n_changes, "SA 's2' 0x00009002 in removed"));
	ck_assert(has_note(r->changes, r->n_changes, "SA 's3' 0x00009003 in added"));
	ck_assert(has_note(r->changes, r->n_changes, "policy 2 'p2' added"));
	ck_assert(has_note(r->changes, r->n_changes, "connection 'b' changed"));
	ck_assert(has_note(r->changes, r->n_changes, "connection 'd' added"));
	ck_assert(has_note(r->changes, r->n_changes, "connection 'd': initiating net"));
	ck_assert(!has_note(r->changes, r->n_changes, "SA 's1'"));
	ck_assert(!has_note(r->changes, r->n_changes, "policy 1"));
	ck_assert_uint_eq(r->n_restart, 1);
	ck_assert_str_eq(r->restart[0], "esprit.workers");
	ck_assert_uint_eq(gw.cfg.workers, 1);  /* the running value stays */
	/* s1 untouched (its counters too), s2 gone, s3 there */
	ck_assert_uint_eq(mock_sa_of(0x9001, ESP_DIR_OUT)->stats.packets, 77);
	ck_assert_ptr_null(mock_sa_of(0x9002, ESP_DIR_IN));
	ck_assert_ptr_nonnull(mock_sa_of(0x9003, ESP_DIR_IN));
	ck_assert_uint_eq(((struct mock_drv *)gw.ipsec)->n_pols, 2);
	ck_assert_ptr_ne(ike_conn_get(gw.ike, "b"), b_before);
	ck_assert_ptr_nonnull(ike_sa_by_conn(gw.ike, "d"));
	ck_assert_uint_gt(sent, 0);
	/* the same file again: nothing to do */
	ck_assert_int_eq(gw_reload(&gw, r, err, sizeof(err)), 0);
	ck_assert_msg(r->n_changes == 0, "%s", r->changes[0]);
	ck_assert_uint_eq(r->n_restart, 1);
	/* c removed, b's SA kept: remove b */
	write_conf(1, sas, "", conn("d", "192.0.2.9", "aes128gcm16", "start"));
	ck_assert_int_eq(gw_reload(&gw, r, err, sizeof(err)), 0);
	ck_assert(has_note(r->changes, r->n_changes, "connection 'b' removed"));
	ck_assert(has_note(r->changes, r->n_changes, "policy 1 'p1' removed"));
	ck_assert(has_note(r->changes, r->n_changes, "policy 2 'p2' removed"));
	ck_assert_ptr_null(ike_conn_get(gw.ike, "b"));
	ck_assert_uint_eq(((struct mock_drv *)gw.ipsec)->n_pols, 0);
	free(r);
	stop();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("reload");
	TCase *tc = tcase_create("reload");

	tcase_add_test(tc, bad_file_changes_nothing);
	tcase_add_test(tc, diff_applied);
	suite_add_tcase(s, tc);
	return check_run(s);
}
