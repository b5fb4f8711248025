/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/mgmt.c over a real socket in a temporary directory, against the
 * mock SA driver: each request is written by a client, served by one
 * mgmt_poll() on this thread, and its JSON answer checked.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "control/config.h"
#include "control/gw.h"
#include "control/mgmt.h"
#include "drivers/ipsec_mock.h"
#include "config_cases.h"
#include "tests/check_run.h"

static struct gw gw;
static char dir[48], sock_path[96];

static int client_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static json_t *read_answer(int fd)
{
	static char buf[1 << 20];
	size_t len = 0;
	ssize_t n;
	json_error_t jerr;
	json_t *j;

	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
	ck_assert_msg(len > 0 && buf[len - 1] == '\n', "answer not newline-terminated: '%s'", buf);
	ck_assert_msg(strstr(buf, "000102030405060708090a0b") == NULL, "key material in '%s'", buf);
	j = json_loads(buf, 0, &jerr);
	ck_assert_msg(j != NULL, "not JSON: %s: '%s'", jerr.text, buf);
	return j;
}

/* Connect, send @p line, let the server answer once, read the JSON. */
static json_t *request(const char *line)
{
	int fd = client_connect();

	ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	ck_assert_int_eq(write(fd, "\n", 1), 1);
	mgmt_poll(&gw);
	return read_answer(fd);
}

static json_t *request_ok(const char *line)
{
	json_t *j = request(line);
	char *s = json_dumps(j, 0);

	ck_assert_msg(json_is_true(json_object_get(j, "ok")), "%s -> %s", line, s);
	free(s);
	return j;
}

static void request_fails(const char *line, const char *expect)
{
	json_t *j = request(line);
	const char *e = json_string_value(json_object_get(j, "error"));

	ck_assert_msg(json_is_false(json_object_get(j, "ok")), "'%s' did not fail", line);
	ck_assert_msg(e != NULL && strstr(e, expect) != NULL, "'%s': error '%s', wanted '%s'",
		      line, e ? e : "(none)", expect);
	json_decref(j);
}

static json_t *find_sa(json_t *sas, const char *spi, const char *d)
{
	size_t i;
	json_t *sa;

	json_array_foreach(sas, i, sa) {
		if (strcmp(json_string_value(json_object_get(sa, "spi")), spi) == 0 &&
		    strcmp(json_string_value(json_object_get(sa, "dir")), d) == 0)
			return sa;
	}
	return NULL;
}

static void setup(void)
{
	char err[512];
	int rc;

	memset(&gw, 0, sizeof(gw));
	snprintf(dir, sizeof(dir), "/tmp/esprit-mgmt-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/run/espritd.sock", dir); /* run/ is created */
	rc = config_load_string(&gw.cfg, cfg_valid_text, "valid.conf", err, sizeof(err));
	ck_assert_msg(rc == 0, "%s", err);
	gw.ipsec = drv_ipsec_mock_create();
	ck_assert_ptr_nonnull(gw.ipsec);
	for (unsigned i = 0; i < gw.cfg.n_sas; i++)
		ck_assert_int_eq(drv_sa_add(gw.ipsec, &gw.cfg.sas[i].p), 0);
	for (unsigned i = 0; i < gw.cfg.n_policies; i++) {
		struct drv_policy pol = {
			.id = i + 1, .priority = i, .sel = gw.cfg.policies[i].sel,
			.action = gw.cfg.policies[i].action, .sa_spi = gw.cfg.policies[i].sa_spi,
		};
		ck_assert_int_eq(drv_policy_add(gw.ipsec, &pol), 0);
	}
	gw.n_workers = 2;
	for (unsigned w = 0; w < 2; w++) {
		gw.workers[w] = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(struct worker));
		ck_assert_ptr_nonnull(gw.workers[w]);
		memset(gw.workers[w], 0, sizeof(struct worker));
		gw.workers[w]->id = (uint16_t)w;
		gw.workers[w]->lcore = w + 1;
		gw.workers[w]->stats.rx = 100 + w;
		gw.workers[w]->stats.rx_bursts = 2 * w;   /* none, then 50.5 frames a burst */
		gw.workers[w]->ctx.drops[ESP_DROP_REPLAY] = 2 * w;
	}
	gw.started = (uint64_t)time(NULL);
	rc = mgmt_open(&gw, sock_path, err, sizeof(err));
	ck_assert_msg(rc == 0, "%s", err);
}

static void teardown(void)
{
	char path[160];

	mgmt_close(&gw);
	for (unsigned w = 0; w < 2; w++)
		free(gw.workers[w]);
	drv_ipsec_mock_destroy(gw.ipsec);
	config_free(&gw.cfg);
	ck_assert_int_ne(access(sock_path, F_OK), 0); /* unlinked */
	snprintf(path, sizeof(path), "%s/run", dir);
	rmdir(path);
	rmdir(dir);
}

START_TEST(socket_is_private)
{
	struct stat st;

	ck_assert_int_eq(stat(sock_path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
}
END_TEST

START_TEST(version)
{
	json_t *j = request_ok("version");

	ck_assert_str_eq(json_string_value(json_object_get(j, "version")), "0.1.0");
	ck_assert_int_eq(json_integer_value(json_object_get(j, "workers")), 2);
	json_decref(j);
}
END_TEST

START_TEST(sa_list_and_show)
{
	struct mock_drv *m = (struct mock_drv *)gw.ipsec;
	json_t *j = request_ok("sa list"), *sas = json_object_get(j, "sas"), *sa, *sel;

	ck_assert_uint_eq(json_array_size(sas), 3);
	sa = find_sa(sas, "0x00001001", "out");
	ck_assert_ptr_nonnull(sa);
	ck_assert_str_eq(json_string_value(json_object_get(sa, "name")), "a-b-out");
	ck_assert_str_eq(json_string_value(json_object_get(sa, "mode")), "tunnel");
	ck_assert_str_eq(json_string_value(json_object_get(sa, "cipher")), "aes128gcm16");
	ck_assert(json_is_true(json_object_get(sa, "iiv")));
	ck_assert(json_is_true(json_object_get(sa, "esn")));
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(sa, "encap"), "dport")), 4501);
	ck_assert_str_eq(json_string_value(json_object_get(sa, "local")), "192.0.2.1");
	ck_assert_str_eq(json_string_value(json_object_get(sa, "label")), "system_u:object_r:public_t:s0");
	sel = json_object_get(sa, "selectors");
	ck_assert_str_eq(json_string_value(json_object_get(sel, "src")), "10.1.0.0/16");
	ck_assert_str_eq(json_string_value(json_object_get(sel, "proto")), "udp");
	ck_assert_str_eq(json_string_value(json_object_get(sel, "dport")), "1000-2000");
	ck_assert_str_eq(json_string_value(json_object_get(sel, "sport")), "any");
	sa = find_sa(sas, "0x00003001", "out");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(sa, "selectors"), "src")), "::/0");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(sa, "selectors"), "dst")), "fd02::/64");
	json_decref(j);

	/* Counters come from the driver; only non-zero drops are listed. */
	for (unsigned i = 0; i < m->n_sas; i++) {
		if (m->sas[i].p.spi == 0x2001) {
			m->sas[i].stats.packets = 10;
			m->sas[i].stats.bytes = 840;
			m->sas[i].stats.drops[ESP_DROP_AUTH] = 1;
			m->sas[i].stats.drops[ESP_DROP_REPLAY] = 2;
		}
	}
	j = request_ok("sa show 0x2001");
	sas = json_object_get(j, "sas");
	ck_assert_uint_eq(json_array_size(sas), 1);
	json_t *st = json_object_get(json_array_get(sas, 0), "stats"), *dr = json_object_get(st, "drops");
	ck_assert_int_eq(json_integer_value(json_object_get(st, "packets")), 10);
	ck_assert_int_eq(json_integer_value(json_object_get(st, "bytes")), 840);
	ck_assert_int_eq(json_integer_value(json_object_get(dr, "auth")), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(dr, "replay")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(dr, "total")), 3);
	ck_assert_uint_eq(json_object_size(dr), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(sas, 0), "replay_window")), 1024);
	json_decref(j);
	json_decref(request_ok("sa show 8193 in"));
	request_fails("sa show 0x2001 out", "no SA 0x00002001 out");
	request_fails("sa show zz", "usage: sa show");
	request_fails("sa show 0x2001 sideways", "direction must be in or out");
}
END_TEST

START_TEST(sa_add_list_del)
{
	char line[1024];
	json_t *j;

	snprintf(line, sizeof(line), "sa add %s", cfg_valid_sa_text);
	for (char *p = line; *p != '\0'; p++) /* one line on the wire */
		if (*p == '\n')
			*p = ' ';
	j = request_ok(line);
	ck_assert_str_eq(json_string_value(json_object_get(j, "spi")), "0x00004001");
	ck_assert_str_eq(json_string_value(json_object_get(j, "dir")), "in");
	json_decref(j);

	j = request_ok("sa list");
	json_t *sa = find_sa(json_object_get(j, "sas"), "0x00004001", "in");
	ck_assert_ptr_nonnull(sa);
	ck_assert_str_eq(json_string_value(json_object_get(sa, "name")), "rt-in");
	ck_assert_str_eq(json_string_value(json_object_get(sa, "label")), "system_u:object_r:secret_t:s0");
	ck_assert_int_eq(json_integer_value(json_object_get(sa, "owner")), 0x4001 % 2);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "sas")), 4);
	json_decref(j);

	request_fails(line, "exists already");
	json_decref(request_ok("sa del 0x4001 in"));
	j = request_ok("sa list");
	ck_assert_ptr_null(find_sa(json_object_get(j, "sas"), "0x00004001", "in"));
	ck_assert_uint_eq(json_array_size(json_object_get(j, "sas")), 3);
	json_decref(j);
	request_fails("sa del 0x4001 in", "no such SA");

	/* A config SA can go too, and come back under its name. */
	json_decref(request_ok("sa del 4097 out"));
	request_fails("sa show 0x1001 out", "no SA");
}
END_TEST

START_TEST(sa_add_errors)
{
	request_fails("sa add", "usage: sa add");
	request_fails("sa add { spi = 0x5001; dir = \"in\"; cipher = \"aes256gcm16\"; key = \"0x00\"; }",
		      "sa:1: setting 'sa.key': key is 1 octet, aes256gcm16 needs 32 + 4 salt");
	request_fails("sa add { spi = 0x5001; dir = \"in\"; cipher = \"aes128gcm16\"; "
		      "key = \"0x000102030405060708090a0b0c0d0e0f10111213\"; local = \"1.2.3.4\"; "
		      "remote = \"1.2.3.5\"; label = \"unknown\"; }", "no label named 'unknown'");
	request_fails("sa add { name = \"a-b-out\"; spi = 0x5001; dir = \"in\"; cipher = \"aes128gcm16\"; "
		      "key = \"0x000102030405060708090a0b0c0d0e0f10111213\"; local = \"1.2.3.4\"; "
		      "remote = \"1.2.3.5\"; }", "an SA named 'a-b-out' exists already");
	request_fails("sa add { spi = 0x5001; bogus = 1; }", "setting 'sa.bogus': unknown setting");
	request_fails("sa add { spi = 0x5001", "syntax error");
	request_fails("sa add @include \"/etc/passwd\"", "@include");
}
END_TEST

START_TEST(bad_requests)
{
	request_fails("", "empty request");
	request_fails("bogus", "unknown request 'bogus'");
	request_fails("sa", "usage: sa list");
	request_fails("sa list extra", "usage: sa list");
	request_fails("sa del 0x1001", "usage: sa del SPI in|out");
	request_fails("sa del 0x1001 up", "usage: sa del");
	request_fails("sa del 0x100000000 in", "usage: sa del");
	request_fails("policy", "unknown request");
	request_fails("version now", "unknown request");
}
END_TEST

START_TEST(policies_ports_workers)
{
	json_t *j = request_ok("policy list"), *pols = json_object_get(j, "policies"), *p;

	ck_assert_uint_eq(json_array_size(pols), 4);
	p = json_array_get(pols, 0);
	ck_assert_str_eq(json_string_value(json_object_get(p, "name")), "protect-a-b");
	ck_assert_str_eq(json_string_value(json_object_get(p, "action")), "protect");
	ck_assert_str_eq(json_string_value(json_object_get(p, "sa")), "0x00001001");
	ck_assert_str_eq(json_string_value(json_object_get(p, "sa_name")), "a-b-out");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p, "selectors"), "label")), "any");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p, "selectors"), "dport")), "53");
	p = json_array_get(pols, 3);
	ck_assert_str_eq(json_string_value(json_object_get(p, "action")), "discard");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(p, "selectors"), "family")), "any");
	ck_assert(json_is_null(json_object_get(json_object_get(p, "selectors"), "label")));
	json_decref(j);

	j = request_ok("port stats");
	ck_assert_uint_eq(json_array_size(json_object_get(j, "ports")), 0);
	json_decref(j);
	json_decref(request_ok("stats ports"));

	j = request_ok("worker stats");
	json_t *ws = json_object_get(j, "workers");
	ck_assert_uint_eq(json_array_size(ws), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(ws, 1), "rx")), 101);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(ws, 1), "rx_bursts")), 2);
	ck_assert(json_real_value(json_object_get(json_array_get(ws, 1), "rx_per_burst")) == 50.5);
	ck_assert(json_is_real(json_object_get(json_array_get(ws, 0), "rx_per_burst")));
	ck_assert(json_real_value(json_object_get(json_array_get(ws, 0), "rx_per_burst")) == 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_array_get(ws, 1), "drops"), "replay")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_array_get(ws, 0), "drops"), "total")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "drops"), "total")), 2);
	json_decref(j);
	json_decref(request_ok("stats workers"));
}
END_TEST

START_TEST(slow_client_is_dropped)
{
	struct timespec a, b;
	int fd = client_connect();

	/* Connected but silent: the control loop waits MGMT_IO_TIMEOUT_MS and
	 * answers. The bound only tells a wait from a hang: a loaded CI
	 * machine under ASan may take several times the timeout. */
	clock_gettime(CLOCK_MONOTONIC, &a);
	mgmt_poll(&gw);
	clock_gettime(CLOCK_MONOTONIC, &b);
	long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	ck_assert_int_lt(ms, MGMT_IO_TIMEOUT_MS * 25);
	json_t *j = read_answer(fd);
	ck_assert(json_is_false(json_object_get(j, "ok")));
	json_decref(j);

	/* A client that closes without a newline is still answered. */
	fd = client_connect();
	ck_assert_int_eq(write(fd, "version", 7), 7);
	shutdown(fd, SHUT_WR);
	mgmt_poll(&gw);
	j = read_answer(fd);
	ck_assert(json_is_true(json_object_get(j, "ok")));
	json_decref(j);

	/* Nobody waiting: mgmt_poll returns at once. */
	mgmt_poll(&gw);
}
END_TEST

START_TEST(socket_reuse)
{
	struct gw other = { .mgmt_fd = -1 };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char err[256];
	int fd;

	/* A live espritd owns the path. */
	ck_assert_int_eq(mgmt_open(&other, sock_path, err, sizeof(err)), -EADDRINUSE);
	ck_assert_msg(strstr(err, "another espritd") != NULL, "%s", err);

	/* A stale socket (no listener) is replaced. */
	mgmt_close(&gw);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	ck_assert_int_eq(mgmt_open(&gw, sock_path, err, sizeof(err)), 0);
	json_decref(request_ok("version"));

	/* Not a socket: refused. */
	char path[160];
	snprintf(path, sizeof(path), "%s/file", dir);
	FILE *f = fopen(path, "w");
	fclose(f);
	ck_assert_int_eq(mgmt_open(&other, path, err, sizeof(err)), -EEXIST);
	unlink(path);
}
END_TEST

/* --- espritctl against the same server, polled from a thread ---------- */

static volatile bool serving;

static void *server(void *arg)
{
	while (serving) {
		mgmt_poll(&gw);
		usleep(1000);
	}
	return NULL;
}

/* Run espritctl with @p args; its stdout and stderr, and exit status. */
static char *ctl(const char *env, const char *args, int *status)
{
	static char out[65536];
	char cmd[1024];
	size_t len = 0, n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s %s %s 2>&1", env, getenv("ESPRITCTL"), args);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while ((n = fread(out + len, 1, sizeof(out) - 1 - len, p)) > 0)
		len += n;
	out[len] = '\0';
	*status = WEXITSTATUS(pclose(p));
	return out;
}

static void ctl_expect(const char *args, int want_status, const char *want)
{
	char env[160];
	int status;
	const char *out;

	snprintf(env, sizeof(env), "ESPRIT_SOCKET=%s", sock_path);
	out = ctl(env, args, &status);
	ck_assert_msg(status == want_status, "espritctl %s: status %d, output:\n%s", args, status, out);
	ck_assert_msg(strstr(out, want) != NULL, "espritctl %s: wanted '%s' in:\n%s", args, want, out);
}

START_TEST(espritctl_cli)
{
	char file[160], args[256];
	pthread_t th;
	FILE *f;

	if (getenv("ESPRITCTL") == NULL)
		return; /* run from meson, which names the binary */
	serving = true;
	ck_assert_int_eq(pthread_create(&th, NULL, server, NULL), 0);

	ctl_expect("sa list", 0,
		   "a-b-out: 0x00001001 out tunnel aes128gcm16 esn iiv 192.0.2.1 -> 192.0.2.2 udp 4500/4501\n"
		   "  10.1.0.0/16 === 10.2.0.0/16 udp dport 1000-2000 label system_u:object_r:public_t:s0\n"
		   "  owner 0, soft 3000s 1000000 bytes, hard 3600s\n"
		   "  packets 0, bytes 0, drops: none\n");
	ctl_expect("sa show 0x2001 in", 0, "replay window 1024");
	ctl_expect("sa show 0x9999", 1, "espritctl: no SA 0x00009999");
	ctl_expect("--json version", 0, "\"version\": \"0.1.0\"");
	ctl_expect("version", 0, "espritd 0.1.0, up 0d 00:00:");

	/* sa add -f: comments and line breaks are the client's business. */
	snprintf(file, sizeof(file), "%s/sa.conf", dir);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "# a runtime SA\n%s; // done\n/* trailing */\n", cfg_valid_sa_text);
	fclose(f);
	snprintf(args, sizeof(args), "sa add -f %s", file);
	ctl_expect(args, 0, "added SA 0x00004001 in (owner 1)");
	unlink(file);
	ctl_expect("sa show 0x4001", 0, "rt-in: 0x00004001 in tunnel aes128gcm16 192.0.2.1 -> 192.0.2.3");
	ctl_expect("sa del 0x4001 in", 0, "deleted SA 0x4001 in");
	ctl_expect("sa add '{ spi = 0x5001; dir = \"in\"; cipher = \"aes128gcm16\"; key = \"0x01\"; }'", 1,
		   "espritctl: sa:1: setting 'sa.key': key is 1 octet, aes128gcm16 needs 16 + 4 salt");

	ctl_expect("policy list", 0, "#  NAME         ACTION   SA");
	ctl_expect("policy list", 0, "1  protect-a-b  protect  a-b-out (0x00001001)");
	ctl_expect("worker stats", 0, "drops (all workers): 2 = replay 2");
	ctl_expect("stats workers", 0, "WORKER  LCORE   RX  RX/BURST  TX");
	ctl_expect("stats workers", 0, "     0      1  100       0.0   0");
	ctl_expect("stats workers", 0, "     1      2  101      50.5   0");
	ctl_expect("stats ports", 0, "no ports");
	ctl_expect("bogus", 1, "espritctl: unknown request 'bogus'");
	ctl_expect("--help", 0, "usage: espritctl");
	ctl_expect("", 2, "usage: espritctl");
	ctl_expect("-s /nonexistent/esprit.sock version", 1, "cannot connect to /nonexistent/esprit.sock");

	serving = false;
	pthread_join(th, NULL);
}
END_TEST

static Suite *mgmt_suite(void)
{
	Suite *s = suite_create("mgmt");
	TCase *tc = tcase_create("socket");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, socket_is_private);
	tcase_add_test(tc, version);
	tcase_add_test(tc, sa_list_and_show);
	tcase_add_test(tc, sa_add_list_del);
	tcase_add_test(tc, sa_add_errors);
	tcase_add_test(tc, bad_requests);
	tcase_add_test(tc, policies_ports_workers);
	tcase_add_test(tc, slow_client_is_dropped);
	tcase_add_test(tc, socket_reuse);
	tcase_add_test(tc, espritctl_cli);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(mgmt_suite());
}
