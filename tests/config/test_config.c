/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * control/config.c: the example configuration loads with the expected
 * values; every broken snippet in config_cases.c fails with its line,
 * setting path and reason, and leaves nothing allocated.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/config.h"
#include "config_cases.h"
#include "tests/check_run.h"

static const uint8_t keymat[36] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23,
};

static void addr4(struct esp_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, s, a->bytes), 1);
}

static const struct cfg_sa *find_sa(const struct esprit_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_sas; i++)
		if (strcmp(cfg->sas[i].name, name) == 0)
			return &cfg->sas[i];
	return NULL;
}

START_TEST(valid_config_loads)
{
	struct esprit_config cfg;
	struct esp_addr a;
	char err[512] = "";
	int rc = config_load_string(&cfg, cfg_valid_text, "valid.conf", err, sizeof(err));

	ck_assert_msg(rc == 0, "%s", err);

	/* esprit { } */
	ck_assert_uint_eq(cfg.workers, 2);
	ck_assert_uint_eq(cfg.n_eal_args, 3);
	ck_assert_str_eq(cfg.eal_args[0], "--no-huge");
	ck_assert_str_eq(cfg.eal_args[2], "256");
	ck_assert_str_eq(cfg.mgmt_socket, "/tmp/esprit-test.sock");
	ck_assert_str_eq(cfg.keylog, "/tmp/esprit-keys");
	ck_assert_str_eq(cfg.log_level, "debug");
	ck_assert_uint_eq(cfg.rxq_size, 512);
	ck_assert_uint_eq(cfg.txq_size, 2048);
	ck_assert_uint_eq(cfg.mbufs, 8191);
	ck_assert_uint_eq(cfg.max_sas, 1000000);
	ck_assert(!cfg.esp_steering);
	ck_assert_str_eq(cfg.path, "valid.conf");

	/* ports */
	ck_assert_uint_eq(cfg.n_ports, 2);
	ck_assert_str_eq(cfg.ports[0].name, "lan");
	ck_assert_str_eq(cfg.ports[0].devargs, "net_af_packet0,iface=veth-lan");
	ck_assert_uint_eq(cfg.ports[0].mtu, 1500);
	ck_assert(cfg.ports[0].has_mac);
	ck_assert_uint_eq(cfg.ports[0].mac[5], 0x01);
	ck_assert_uint_eq(cfg.ports[0].n_addrs, 2);
	ck_assert_uint_eq(cfg.ports[0].addrs[1].addr.family, AF_INET6);
	ck_assert_uint_eq(cfg.ports[0].addrs[1].len, 64);
	ck_assert(!cfg.ports[1].has_mac);
	ck_assert_uint_eq(cfg.ports[1].mtu, 1500);
	ck_assert_int_eq(config_port_index(&cfg, "wan"), 1);
	ck_assert_int_eq(config_port_index(&cfg, "dmz"), -1);

	/* routes, neighbors */
	ck_assert_uint_eq(cfg.n_routes, 3);
	addr4(&a, "10.2.0.0");
	ck_assert(esp_addr_eq(&cfg.routes[0].dst.addr, &a));
	ck_assert_uint_eq(cfg.routes[0].dst.len, 16);
	addr4(&a, "192.0.2.2");
	ck_assert(esp_addr_eq(&cfg.routes[0].via, &a));
	ck_assert_uint_eq(cfg.routes[0].port, 1);
	ck_assert_uint_eq(cfg.routes[1].dst.addr.family, AF_INET6);
	ck_assert_uint_eq(cfg.routes[2].via.family, 0); /* on-link */
	ck_assert_uint_eq(cfg.n_neighs, 1);
	ck_assert(esp_addr_eq(&cfg.neighs[0].ip, &a));
	ck_assert_uint_eq(cfg.neighs[0].mac[4], 0x02);

	/* labels: id = position */
	ck_assert_uint_eq(cfg.n_labels, 2);
	ck_assert_uint_eq(cfg.labels[0].id, 1);
	ck_assert_uint_eq(cfg.labels[0].vlan, 100);
	ck_assert_uint_eq(cfg.labels[0].port, 0);
	ck_assert_uint_eq(cfg.labels[1].id, 2);
	ck_assert_uint_eq(cfg.labels[1].vlan, 0);

	/* SAs */
	ck_assert_uint_eq(cfg.n_sas, 3);
	const struct cfg_sa *o = find_sa(&cfg, "a-b-out");
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(o->p.spi, 0x1001);
	ck_assert_uint_eq(o->p.id, 1);
	ck_assert_int_eq(o->p.dir, ESP_DIR_OUT);
	ck_assert_int_eq(o->p.mode, ESP_MODE_TUNNEL);
	ck_assert_int_eq(o->p.cipher, ESP_CIPHER_AES128_GCM16);
	ck_assert_uint_eq(o->p.flags, ESP_SA_F_ESN | ESP_SA_F_IIV | ESP_SA_F_NATT);
	ck_assert_mem_eq(o->p.key, keymat, 16);
	ck_assert_mem_eq(o->p.salt, keymat + 16, 4);
	ck_assert_uint_eq(o->p.natt_sport, 4500);
	ck_assert_uint_eq(o->p.natt_dport, 4501);
	ck_assert_uint_eq(o->p.replay_window, 0);
	ck_assert_uint_eq(o->p.label, 2);
	ck_assert_uint_eq(o->p.sel.label, 2);
	ck_assert_uint_eq(o->p.sel.family, AF_INET);
	ck_assert_uint_eq(o->p.sel.src_len, 16);
	ck_assert_uint_eq(o->p.sel.src[0], 10);
	ck_assert_uint_eq(o->p.sel.src[1], 1);
	ck_assert_uint_eq(o->p.sel.dst[1], 2);
	ck_assert_uint_eq(o->p.sel.proto, 17);
	ck_assert_uint_eq(o->p.sel.sport_lo, 0);
	ck_assert_uint_eq(o->p.sel.sport_hi, 65535);
	ck_assert_uint_eq(o->p.sel.dport_lo, 1000);
	ck_assert_uint_eq(o->p.sel.dport_hi, 2000);
	ck_assert_uint_eq(o->p.soft.bytes, 1000000);
	ck_assert_uint_eq(o->p.soft.seconds, 3000);
	ck_assert_uint_eq(o->p.hard.seconds, 3600);
	ck_assert_uint_eq(o->p.hard.bytes, 0);
	ck_assert_uint_eq(o->p.owner, 0);
	addr4(&a, "192.0.2.1");
	ck_assert(esp_addr_eq(&o->p.local, &a));

	const struct cfg_sa *in = find_sa(&cfg, "a-b-in");
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(in->p.dir, ESP_DIR_IN);
	ck_assert_int_eq(in->p.cipher, ESP_CIPHER_AES256_GCM16);
	ck_assert_mem_eq(in->p.key, keymat, 32);
	ck_assert_mem_eq(in->p.salt, keymat + 32, 4);
	ck_assert_uint_eq(in->p.replay_window, 1024);
	ck_assert_uint_eq(in->p.flags, 0);
	ck_assert_uint_eq(in->p.owner, 0x2001 % 2); /* default: spi % workers */
	ck_assert_uint_eq(in->p.label, 0);
	ck_assert_uint_eq(in->p.sel.proto, 0);

	const struct cfg_sa *v6 = find_sa(&cfg, "v6-out");
	ck_assert_ptr_nonnull(v6);
	ck_assert_int_eq(v6->p.mode, ESP_MODE_TRANSPORT);
	ck_assert_int_eq(v6->p.cipher, ESP_CIPHER_CHACHA20_POLY1305);
	ck_assert_uint_eq(v6->p.owner, 1);
	ck_assert_uint_eq(v6->p.id, 3);
	ck_assert_uint_eq(v6->p.sel.family, AF_INET6);
	ck_assert_uint_eq(v6->p.sel.src_len, 0); /* missing src: any IPv6 */
	ck_assert_uint_eq(v6->p.sel.dst_len, 64);
	ck_assert_uint_eq(v6->p.sel.proto, 58);

	/* policies, in file order */
	ck_assert_uint_eq(cfg.n_policies, 4);
	ck_assert_str_eq(cfg.policies[0].name, "protect-a-b");
	ck_assert_int_eq(cfg.policies[0].action, SPD_PROTECT);
	ck_assert_uint_eq(cfg.policies[0].sa_spi, 0x1001);
	ck_assert_uint_eq(cfg.policies[0].sel.label, SPD_LABEL_ANY);
	ck_assert_uint_eq(cfg.policies[0].sel.dport_lo, 53);
	ck_assert_uint_eq(cfg.policies[0].sel.dport_hi, 53);
	ck_assert_uint_eq(cfg.policies[1].sa_spi, 0x3001);
	ck_assert_int_eq(cfg.policies[2].action, SPD_BYPASS);
	ck_assert_uint_eq(cfg.policies[2].sel.family, AF_INET);
	ck_assert_uint_eq(cfg.policies[2].sel.src_len, 0);
	ck_assert_uint_eq(cfg.policies[2].sel.dst_len, 24);
	ck_assert_int_eq(cfg.policies[3].action, SPD_DISCARD);
	ck_assert_uint_eq(cfg.policies[3].sel.family, 0); /* both families */
	ck_assert_uint_eq(cfg.policies[3].sel.label, 0);

	ck_assert_str_eq(config_cipher_name(ESP_CIPHER_CHACHA20_POLY1305), "chacha20poly1305");

	config_free(&cfg);
	ck_assert_ptr_null(cfg.sas);
	ck_assert_uint_eq(cfg.n_sas, 0);
	config_free(&cfg); /* idempotent */
}
END_TEST

START_TEST(defaults)
{
	struct esprit_config cfg;
	char err[256];

	ck_assert_int_eq(config_load_string(&cfg, "ports = ( { name = \"a\"; device = \"d\"; } );",
					    "d", err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.workers, 1);
	ck_assert_str_eq(cfg.mgmt_socket, "/run/esprit/espritd.sock");
	ck_assert_str_eq(cfg.keylog, ""); /* key logging is off by default */
	ck_assert_str_eq(cfg.log_level, "info");
	ck_assert_uint_eq(cfg.rxq_size, 1024);
	ck_assert_uint_eq(cfg.mbufs, 16383);
	ck_assert_uint_eq(cfg.max_sas, 65536);
	ck_assert(cfg.esp_steering); /* on by default: it only ever helps */
	ck_assert_uint_eq(cfg.n_sas, 0);
	ck_assert_ptr_null(cfg.sas);
	config_free(&cfg);
}
END_TEST

/* RFC 8784 PPKs: the ppks list and a connection's ppk_id / ppk_required. */
#define PPK_BASE                                                                              \
	"ports = ( { name = \"a\"; device = \"d\"; } );\n"                                     \
	"connections = ( { name = \"gw\"; local_addrs = \"192.0.2.1\";\n"                        \
	"  remote_addrs = \"192.0.2.2\"; auth = \"psk\"; psk = \"0123456789abcdef\";\n"          \
	"  proposals = \"aes256gcm16-prfsha384-x25519\"; %s children = ( ); } );\n%s"

static int load_ppk(struct esprit_config *cfg, const char *conn, const char *ppks, char *err)
{
	char text[2048];

	snprintf(text, sizeof(text), PPK_BASE, conn, ppks);
	return config_load_string(cfg, text, "t", err, 256);
}

START_TEST(ppk_config)
{
	static const char ppks[] =
		"ppks = ( { id = \"ppk-1\"; secret = \"0x000102030405060708090a0b0c0d0e0f"
		"101112131415161718191a1b1c1d1e1f\"; },\n"
		"         { id = \"op\"; type = \"opaque\";\n"
		"           secret = \"a text secret of thirty-two chars!\"; } );\n";
	struct esprit_config cfg;
	char err[256] = "";

	ck_assert_int_eq(load_ppk(&cfg, "ppk_id = \"ppk-1\"; ppk_required = true;", ppks, err), 0);
	ck_assert_uint_eq(cfg.conns[0].c.ppk.id_type, IKE_PPK_ID_FIXED);
	ck_assert_uint_eq(cfg.conns[0].c.ppk.id_len, 5);
	ck_assert_mem_eq(cfg.conns[0].c.ppk.id, "ppk-1", 5);
	ck_assert_uint_eq(cfg.conns[0].c.ppk.key_len, 32);
	ck_assert_uint_eq(cfg.conns[0].c.ppk.key[31], 0x1f);
	ck_assert(cfg.conns[0].c.ppk_required);
	ck_assert(!cfg.conns[0].c.ppk_intermediate);
	config_free(&cfg);
	ck_assert_int_eq(load_ppk(&cfg, "ppk_id = \"ppk-1\"; ppk_intermediate = true;", ppks, err),
			 0);
	ck_assert(cfg.conns[0].c.ppk_intermediate);
	ck_assert(!cfg.conns[0].c.ppk_required);
	config_free(&cfg);
	ck_assert_int_eq(load_ppk(&cfg, "ppk_id = \"op\";", ppks, err), 0);
	ck_assert_uint_eq(cfg.conns[0].c.ppk.id_type, IKE_PPK_ID_OPAQUE);
	ck_assert_uint_eq(cfg.conns[0].c.ppk.key_len, 34);
	ck_assert(!cfg.conns[0].c.ppk_required);
	config_free(&cfg);
	ck_assert_int_eq(load_ppk(&cfg, "", ppks, err), 0);
	ck_assert_uint_eq(cfg.conns[0].c.ppk.id_type, 0);
	ck_assert_uint_eq(cfg.conns[0].c.ppk_child.id_type, 0);
	config_free(&cfg);
	/* RFC 9867 §3.2: a fresh PPK for CREATE_CHILD_SA, beside or without ppk_id. */
	ck_assert_int_eq(load_ppk(&cfg, "ppk_child_id = \"op\"; ppk_child_required = true;",
				  ppks, err), 0);
	ck_assert_uint_eq(cfg.conns[0].c.ppk.id_type, 0);
	ck_assert_uint_eq(cfg.conns[0].c.ppk_child.id_type, IKE_PPK_ID_OPAQUE);
	ck_assert_uint_eq(cfg.conns[0].c.ppk_child.key_len, 34);
	ck_assert(cfg.conns[0].c.ppk_child_required);
	config_free(&cfg);
	/* Errors. */
	ck_assert_int_eq(load_ppk(&cfg, "ppk_child_id = \"nope\";", ppks, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "no PPK 'nope'"));
	ck_assert_int_eq(load_ppk(&cfg, "ppk_child_required = true;", ppks, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "needs a ppk_child_id"));
	ck_assert_int_eq(load_ppk(&cfg, "ppk_id = \"nope\";", ppks, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "no PPK 'nope'"));
	ck_assert_int_eq(load_ppk(&cfg, "ppk_required = true;", ppks, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "needs a ppk_id"));
	ck_assert_int_eq(load_ppk(&cfg, "ppk_intermediate = true;", ppks, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "needs a ppk_id"));
	ck_assert_int_eq(load_ppk(&cfg, "", "ppks = ( { id = \"s\"; secret = \"0x0011\"; } );",
				  err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "at least 32 octets"));
	ck_assert_int_eq(load_ppk(&cfg, "", "ppks = ( { id = \"s\"; type = \"x\";\n"
				  "secret = \"0123456789abcdef0123456789abcdef\"; } );", err),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "fixed or opaque"));
	ck_assert_int_eq(load_ppk(&cfg, "", "ppks = ( { id = \"s\";\n"
				  "secret = \"0123456789abcdef0123456789abcdef\"; },\n"
				  "{ id = \"s\"; secret = \"0123456789abcdef0123456789abcdef\"; } );",
				  err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "defined twice"));
}
END_TEST

/* resource_sas: a policy's per-resource SAs, one a worker (RFC 9611 style,
 * statically keyed), in the driver's policy as the file gives them. */
START_TEST(resource_sas_config)
{
	static const char text[] =
		"esprit: { workers = 2; };\n"
		"ports = ( { name = \"wan\"; device = \"net_null0\"; addresses = [\"192.0.2.1/24\"]; } );\n"
		"sas = ( { name = \"w0\"; spi = 0x1001; dir = \"out\"; cipher = \"aes128gcm16\";\n"
		"          key = \"0x000102030405060708090a0b0c0d0e0f10111213\";\n"
		"          local = \"192.0.2.1\"; remote = \"192.0.2.2\"; owner = 0; },\n"
		"        { name = \"w1\"; spi = 0x1002; dir = \"out\"; cipher = \"aes128gcm16\";\n"
		"          key = \"0x000102030405060708090a0b0c0d0e0f10111213\";\n"
		"          local = \"192.0.2.1\"; remote = \"192.0.2.2\"; owner = 1; } );\n"
		"policies = ( { dst = \"10.2.0.0/16\"; action = \"protect\"; sa = \"w0\";\n"
		"               resource_sas = [\"w0\", \"w1\"]; },\n"
		"             { dst = \"10.3.0.0/16\"; action = \"protect\"; sa = \"w1\"; } );\n";
	struct esprit_config cfg;
	struct drv_policy pol;
	char err[512] = "";

	ck_assert_msg(config_load_string(&cfg, text, "res.conf", err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(cfg.n_policies, 2);
	cfg_policy_drv(&cfg.policies[0], 0, &pol);
	ck_assert_uint_eq(pol.id, 1);
	ck_assert_uint_eq(pol.sa_spi, 0x1001);
	ck_assert_uint_eq(pol.res_spi[0], 0x1001);
	ck_assert_uint_eq(pol.res_spi[1], 0x1002);
	ck_assert_uint_eq(pol.res_spi[2], 0);
	cfg_policy_drv(&cfg.policies[1], 1, &pol);
	ck_assert_uint_eq(pol.priority, 1);
	ck_assert_uint_eq(pol.sa_spi, 0x1002);
	ck_assert_uint_eq(pol.res_spi[0], 0);
	config_free(&cfg);
}
END_TEST

START_TEST(broken_config_fails)
{
	const struct cfg_bad_case *c = &cfg_bad_cases[_i];
	struct esprit_config cfg;
	char err[512] = "";
	int rc = config_load_string(&cfg, c->text, "t", err, sizeof(err));

	ck_assert_msg(rc == -EINVAL, "%s: rc %d", c->what, rc);
	ck_assert_msg(strstr(err, c->expect) != NULL, "%s:\n  got    \"%s\"\n  wanted \"%s\"",
		      c->what, err, c->expect);
	/* Nothing half-loaded. */
	ck_assert_ptr_null(cfg.sas);
	ck_assert_ptr_null(cfg.routes);
	ck_assert_ptr_null(cfg.policies);
	ck_assert_uint_eq(cfg.n_ports + cfg.n_sas + cfg.n_eal_args + cfg.n_labels, 0);
	config_free(&cfg);
}
END_TEST

START_TEST(load_from_file)
{
	char path[] = "/tmp/esprit-cfg-XXXXXX";
	struct esprit_config cfg;
	char err[512] = "";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, cfg_valid_text, strlen(cfg_valid_text)),
			 (ssize_t)strlen(cfg_valid_text));
	close(fd);
	ck_assert_msg(config_load(&cfg, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(cfg.path, path);
	ck_assert_uint_eq(cfg.n_sas, 3);
	config_free(&cfg);

	/* The file name starts the error. */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "ports = ( { name = \"a\"; } );\n", 29), 29);
	close(fd);
	ck_assert_int_eq(config_load(&cfg, path, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0 &&
		      strstr(err, ":1: setting 'ports.[0].device': missing") != NULL, "%s", err);
	unlink(path);

	ck_assert_int_lt(config_load(&cfg, "/nonexistent/esprit.conf", err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "/nonexistent/esprit.conf: cannot read") != NULL, "%s", err);
	config_free(&cfg);
}
END_TEST

START_TEST(parse_runtime_sa)
{
	struct esprit_config cfg;
	struct cfg_sa sa;
	char err[512] = "";

	ck_assert_int_eq(config_load_string(&cfg, cfg_valid_text, "v", err, sizeof(err)), 0);
	ck_assert_msg(config_parse_sa(&cfg, cfg_valid_sa_text, &sa, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(sa.name, "rt-in");
	ck_assert_uint_eq(sa.p.spi, 0x4001);
	ck_assert_int_eq(sa.p.dir, ESP_DIR_IN);
	ck_assert_uint_eq(sa.p.label, 1);
	ck_assert_uint_eq(sa.p.replay_window, 64);
	ck_assert_uint_eq(sa.p.owner, 0x4001 % 2);
	ck_assert_mem_eq(sa.p.key, keymat, 16);

	/* A trailing ';' is fine. */
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s ;\n", cfg_valid_sa_text);
	ck_assert_msg(config_parse_sa(&cfg, buf, &sa, err, sizeof(err)) == 0, "%s", err);

	/* Errors name the setting under "sa". */
	ck_assert_int_eq(config_parse_sa(&cfg, "{ spi = 0x4001; dir = \"in\"; cipher = \"aes256gcm16\";\n"
					 " key = \"0x0001\"; }", &sa, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "sa:2: setting 'sa.key': key is 2 octets, aes256gcm16 needs 32 + 4 salt"),
		      "%s", err);
	ck_assert_int_eq(config_parse_sa(&cfg, "{ spi = 0x4001; dir = \"in\"; cipher = \"aes128gcm16\"; "
					 "key = \"0x000102030405060708090a0b0c0d0e0f10111213\"; "
					 "local = \"1.2.3.4\"; remote = \"1.2.3.5\"; label = \"nope\"; }",
					 &sa, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "setting 'sa.label': no label named 'nope'"), "%s", err);
	ck_assert_int_eq(config_parse_sa(&cfg, "{ spi = 1", &sa, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "sa:"), "%s", err);
	ck_assert_int_eq(config_parse_sa(&cfg, "1; b = 2", &sa, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(config_parse_sa(&cfg, "", &sa, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(config_parse_sa(&cfg, "{ }; x = 1", &sa, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(config_parse_sa(&cfg, "@include \"/etc/passwd\"", &sa, err, sizeof(err)),
			 -EINVAL);
	config_free(&cfg);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, valid_config_loads);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, ppk_config);
	tcase_add_test(tc, load_from_file);
	tcase_add_test(tc, parse_runtime_sa);
	tcase_add_test(tc, resource_sas_config);
	tcase_add_loop_test(tc, broken_config_fails, 0, (int)cfg_n_bad_cases);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(config_suite());
}
