/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IKE SA setups in-process (IKE_SA_INIT, IKE_INTERMEDIATE per additional
 * key exchange, IKE_AUTH with one Child SA, PSK) for several proposals:
 * the responder's CPU time per setup (only the calls into B's engine are
 * timed), setups per second that makes, and the IKE octets on the wire
 * per setup (UDP payloads, both directions, fragments included). Not a
 * test: `meson compile -C build bench_ike_pq && build/tests/ike_exchange/
 * bench_ike_pq [N]`.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/ike_exchange/harness.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(const char *name, const char *ike, unsigned n)
{
	double resp = 0, t0 = now_s();
	unsigned long octets = 0, dgrams = 0;

	for (unsigned i = 0; i < n; i++) {
		struct ike_conn ca, cb;

		net_setup(1000);
		conn_psk(&ca, &net.a, &net.b, "bench-psk", ike, "aes256gcm16");
		conn_psk(&cb, &net.b, &net.a, "bench-psk", ike, "aes256gcm16");
		if (ike_conn_add(net.a.e, &ca) != 0 || ike_conn_add(net.b.e, &cb) != 0 ||
		    ike_initiate(net.a.e, "gw", "net") != 0)
			abort();
		while (net.n > 0) {
			bool to_b = esp_addr_eq(&net.q[0].to.ip, &net.b.addr.ip);
			double t = now_s();

			octets += net.q[0].len;
			dgrams++;
			net_deliver();
			if (to_b)
				resp += now_s() - t;
		}
		if (ike_sa_by_conn(net.b.e, "gw") == NULL ||
		    ike_sa_by_conn(net.b.e, "gw")->state != IKE_SA_ESTABLISHED)
			abort();
		net_teardown();
	}
	printf("| %-34s | %7.0f | %8.2f | %6lu | %4.1f |\n", name, n / resp, 1e3 * resp / n,
	       octets / n, (double)dgrams / n);
	(void)t0;
}

static unsigned n_setups = 200;

/* Inside a check test case: the harness reports through check. */
START_TEST(bench)
{
	unsigned n = n_setups;

	printf("| proposal (IKE, PSK, one Child SA) | responder setups/s | responder ms/setup "
	       "| IKE octets/setup | datagrams |\n|---|---|---|---|---|\n");
	run("x25519", "aes256gcm16-prfsha384-x25519", n);
	run("x25519 + ML-KEM-768", "aes256gcm16-prfsha384-x25519-ke1_mlkem768", n);
	run("ML-KEM-768 alone", "aes256gcm16-prfsha384-mlkem768", n);
	run("x25519 + ML-KEM-1024 (fragmented)", "aes256gcm16-prfsha384-x25519-ke1_mlkem1024", n);
	run("x25519 + 3 additional", "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem1024-"
	    "ke3_ecp256", n);
	fflush(stdout);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("bench-ike-pq");
	TCase *t = tcase_create("bench");
	SRunner *r;
	int failed;

	if (argc > 1)
		n_setups = (unsigned)atoi(argv[1]);
	tcase_set_timeout(t, 600);
	tcase_add_test(t, bench);
	suite_add_tcase(s, t);
	r = srunner_create(s);
	srunner_set_fork_status(r, CK_NOFORK);
	srunner_run_all(r, CK_SILENT);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed == 0 ? 0 : 1;
}
