/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * esprit-bench: options, the case matrix, the terminal table and JSON.
 *
 *   esprit-bench [options] [-- EAL options]
 *
 * See usage() and docs/benchmark.md.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_errno.h>
#include <rte_version.h>

#include "dataplane/bench/bench.h"
#include "dataplane/bench/bench_run.h"
#include "dataplane/pktmeta.h"
#include "dataplane/worker.h"

enum { MAX_LIST = 16, MAX_CASES = 1024 };

static const uint32_t all_sizes[] = { 64, 128, 256, 512, 1024, 1420, BENCH_SIZE_IMIX };

/* A cross product of value lists; the run is a union of such specs. */
struct spec {
	unsigned n_dir, n_cipher, n_iv, n_fam, n_size, n_sas, n_workers;
	enum bench_dir dir[2];
	enum esp_cipher cipher[3];
	bool iv[2];
	uint8_t fam[4];         /* the clear packets' family */
	uint8_t outer[4];       /* the tunnel's; 0: fam[]'s */
	uint32_t size[MAX_LIST];
	uint32_t sas[MAX_LIST];
	uint16_t workers[2];
	bool spread;
	enum bench_tunnel tunnel;  /* outbound, 2 workers */
	uint32_t peers;         /* many SAs: peer gateways (0: one) */
	uint32_t hosts;         /* outbound: the site's hosts (0: one) */
};

struct opts {
	double secs;
	const char *json;
	const char *pcap_dir;
	double min_fraction;
	unsigned attempts;        /* per case, with --min-fraction */
	unsigned again;           /* a case on a slowed core, at the end */
	const char *history;      /* earlier runs' JSON, for a quiet core's pace */
	double quiet_pace;        /* that pace (0: unknown) */
	uint32_t flows;
	bool flows_set;             /* --flows given: one-SA pcaps that long too */
	bool huge, filtered, mc, smoke, quick, floor;
	struct spec f;           /* from the filter options */
};

static void usage(FILE *o)
{
	fprintf(o,
"usage: esprit-bench [options] [-- EAL options]\n"
"  One worker lcore runs esprit's worker loop between net_pcap (infinite_rx)\n"
"  and net_null; the harness's I/O and IPsec-MB's crypto are measured in turn\n"
"  with it in short rounds; fraction = rate x (I/O time + crypto time) per\n"
"  packet, the median over the rounds.\n"
"Case selection (lists are comma separated; any of these replaces the default matrix):\n"
"  --dir out,in             --cipher aes128gcm,aes256gcm,chacha20poly1305\n"
"  --iv explicit,implicit   --family 4,6,6in4,4in6 (inside, in a tunnel of)\n"
"  --size 64,128,256,512,1024,1420,imix   (frame octets without FCS)\n"
"  --sas 1,1000000          --workers 1,2   --spread (2 workers: SAs of both on each port)\n"
"  --one-tunnel sa|per-resource  outbound, 2 workers: both ports' packets in one tunnel,\n"
"                           with one SA (worker 0's) or one of each worker (RFC 9611)\n"
"  --peers N                many SAs: tunnels to (inbound: from) N peer gateways, SA k's\n"
"                           peer k %% N, all through one next hop\n"
"  --hosts N                outbound: clear packets between N hosts of each site (packet\n"
"                           i from host i %% N; one SA: to host 7i %% N): many flows\n"
"Other:\n"
"  --quick         64 and 1420 B, AES-128-GCM and ChaCha20, explicit IV, 1 SA\n"
"  --smoke         the CI check: out, AES-128-GCM, 64 B, 2 s; with --min-fraction\n"
"  --mc            also run the 1 vs 2 worker cases (default matrix includes them)\n"
"  --no-mc         leave them out\n"
"  --time S        seconds of esprit (CPU time) per case, in 10 ms rounds (default 0.5)\n"
"  --flows N       packets (random SAs) in a many-SA pcap (default 65536); given,\n"
"                  also the length of one-SA pcaps (default 512), to compare\n"
"                  one SA and many on pcaps of one length\n"
"  --json FILE     write results as JSON\n"
"  --pcap-dir DIR  where the generated pcaps go (default /tmp/esprit-bench.PID)\n"
"  --huge          use hugepages (default: --no-huge)\n"
"  --min-fraction X  exit 3 when a case's median fraction is below X\n"
"  --attempts N    measure a case below --min-fraction up to N times (default 3)\n"
"  --again N       at the end, measure each case the host slowed throughout (its pace\n"
"                  %.2fx a quiet core's: the run's fastest case's, or with --history\n"
"                  the quietest earlier run's) again, up to N times, keeping the\n"
"                  faster-paced measurement (default 1; 0: never)\n"
"  --history DIR   earlier results (--json files) of this machine: the quietest pace\n"
"                  among them is a quiet core's (scripts/bench.sh passes its --out)\n"
"  --floor         also the ESP floor: the case's packets made into esprit's output by\n"
"                  the least code (one IPv4 AES-GCM tunnel SA, one worker, no NAT-T),\n"
"                  as a fourth loop of each round; notes give its fraction of the limit;\n"
"                  exit 4 when its output for a case it serves is not esprit's\n",
		BENCH_PACE_SLOW);
}

static int split(char *s, char **out, unsigned max)
{
	unsigned n = 0;

	for (char *tok = strtok(s, ","); tok != NULL && n < max; tok = strtok(NULL, ","))
		out[n++] = tok;
	return (int)n;
}

/* The count of the list of @p f that option @p opt fills, its room in
 * *@p room; NULL for another option. */
static unsigned *list_count(int opt, struct spec *f, unsigned *room)
{
	switch (opt) {
	case 'd': *room = RTE_DIM(f->dir); return &f->n_dir;
	case 'c': *room = RTE_DIM(f->cipher); return &f->n_cipher;
	case 'i': *room = RTE_DIM(f->iv); return &f->n_iv;
	case 'f': *room = RTE_DIM(f->fam); return &f->n_fam;
	case 's': *room = RTE_DIM(f->size); return &f->n_size;
	case 'n': *room = RTE_DIM(f->sas); return &f->n_sas;
	case 'w': *room = RTE_DIM(f->workers); return &f->n_workers;
	}
	return NULL;
}

static int parse_list(int opt, char *arg, struct spec *f)
{
	char *v[MAX_LIST];
	int n = split(arg, v, MAX_LIST);
	unsigned room = 0, *count = list_count(opt, f, &room);

	if (count == NULL)
		return -1;
	for (int i = 0; i < n; i++) {
		/* a list already full takes no more (repeated options) */
		if (*count == room)
			return -1;
		switch (opt) {
		case 'd':
			if (strcmp(v[i], "out") == 0)
				f->dir[f->n_dir++] = BENCH_OUT;
			else if (strcmp(v[i], "in") == 0)
				f->dir[f->n_dir++] = BENCH_IN;
			else
				return -1;
			break;
		case 'c':
			if (strncmp(v[i], "aes128", 6) == 0)
				f->cipher[f->n_cipher++] = ESP_CIPHER_AES128_GCM16;
			else if (strncmp(v[i], "aes256", 6) == 0)
				f->cipher[f->n_cipher++] = ESP_CIPHER_AES256_GCM16;
			else if (strncmp(v[i], "chacha", 6) == 0)
				f->cipher[f->n_cipher++] = ESP_CIPHER_CHACHA20_POLY1305;
			else
				return -1;
			break;
		case 'i':
			if (strncmp(v[i], "exp", 3) == 0)
				f->iv[f->n_iv++] = false;
			else if (strncmp(v[i], "imp", 3) == 0 || strcmp(v[i], "iiv") == 0)
				f->iv[f->n_iv++] = true;
			else
				return -1;
			break;
		case 'f':
			/* 4 or 6 (in a tunnel of its family), 6in4, 4in6 */
			if (strcmp(v[i], "4") == 0 || strcmp(v[i], "4in4") == 0)
				f->fam[f->n_fam++] = AF_INET;
			else if (strcmp(v[i], "6") == 0 || strcmp(v[i], "6in6") == 0)
				f->fam[f->n_fam++] = AF_INET6;
			else if (strcmp(v[i], "6in4") == 0) {
				f->outer[f->n_fam] = AF_INET;
				f->fam[f->n_fam++] = AF_INET6;
			} else if (strcmp(v[i], "4in6") == 0) {
				f->outer[f->n_fam] = AF_INET6;
				f->fam[f->n_fam++] = AF_INET;
			} else {
				return -1;
			}
			break;
		case 's':
			if (strcmp(v[i], "imix") == 0)
				f->size[f->n_size++] = BENCH_SIZE_IMIX;
			else if (atoi(v[i]) >= 64 && atoi(v[i]) <= 1420)
				f->size[f->n_size++] = (uint32_t)atoi(v[i]);
			else
				return -1;
			break;
		case 'n':
			if (strtoul(v[i], NULL, 0) < 1)
				return -1;
			f->sas[f->n_sas++] = (uint32_t)strtoul(v[i], NULL, 0);
			break;
		case 'w':
			if (atoi(v[i]) < 1 || atoi(v[i]) > BENCH_WORKERS_MAX)
				return -1;
			f->workers[f->n_workers++] = (uint16_t)atoi(v[i]);
			break;
		}
	}
	return 0;
}

/* Fill unset lists of @p s with defaults. */
static void spec_defaults(struct spec *s)
{
	if (s->n_dir == 0) {
		s->dir[0] = BENCH_OUT;
		s->dir[1] = BENCH_IN;
		s->n_dir = 2;
	}
	if (s->n_cipher == 0) {
		s->cipher[0] = ESP_CIPHER_AES128_GCM16;
		s->cipher[1] = ESP_CIPHER_AES256_GCM16;
		s->cipher[2] = ESP_CIPHER_CHACHA20_POLY1305;
		s->n_cipher = 3;
	}
	if (s->n_iv == 0) {
		s->iv[0] = false;
		s->iv[1] = true;
		s->n_iv = 2;
	}
	if (s->n_fam == 0)
		s->fam[s->n_fam++] = AF_INET;
	if (s->n_size == 0) {
		memcpy(s->size, all_sizes, sizeof(all_sizes));
		s->n_size = RTE_DIM(all_sizes);
	}
	if (s->n_sas == 0)
		s->sas[s->n_sas++] = 1;
	if (s->n_workers == 0)
		s->workers[s->n_workers++] = 1;
}

static unsigned spec_expand(const struct spec *s, const struct opts *o, struct bench_case *cs,
			    unsigned n, unsigned max)
{
	for (unsigned w = 0; w < s->n_workers; w++)
	for (unsigned a = 0; a < s->n_sas; a++)
	for (unsigned fa = 0; fa < s->n_fam; fa++)
	for (unsigned d = 0; d < s->n_dir; d++)
	for (unsigned c = 0; c < s->n_cipher; c++)
	for (unsigned v = 0; v < s->n_iv; v++)
	for (unsigned z = 0; z < s->n_size && n < max; z++) {
		struct bench_case *k = &cs[n];

		*k = (struct bench_case){
			.dir = s->dir[d], .cipher = s->cipher[c],
		};
		k->iiv = s->iv[v];
		k->family = s->fam[fa];
		k->outer = s->outer[fa] != 0 ? s->outer[fa] : s->fam[fa];
		k->size = s->size[z];
		k->n_sas = s->sas[a];
		k->workers = s->workers[w];
		k->spread = s->spread;
		k->tunnel = s->tunnel;
		/* one tunnel is outbound's: a peer's per-resource SAs arrive
		 * as the inbound 2-worker case's, an SA of each worker */
		if (k->tunnel != BENCH_TUNNEL_EACH && (k->dir != BENCH_OUT || k->workers < 2))
			continue;
		k->peers = k->n_sas > 1 && s->peers > 1 ? s->peers : 1;
		k->hosts = k->dir == BENCH_OUT && s->hosts > 1 ? s->hosts : 1;
		if (k->workers > 1 && k->n_sas < k->workers)
			k->n_sas = k->workers;   /* one SA owned by each worker */
		/* packets in the pcap: 512, or more to spread over many SAs */
		uint32_t want = k->n_sas * 4 > 512 ? k->n_sas * 4 : 512;

		k->flows = k->n_sas > 1 ? (want < o->flows ? want : o->flows) :
			   o->flows_set ? o->flows : 1;
		n++;
	}
	return n;
}

static const char *cipher_short(enum esp_cipher c)
{
	return c == ESP_CIPHER_AES128_GCM16 ? "aes128gcm" :
	       c == ESP_CIPHER_AES256_GCM16 ? "aes256gcm" : "chacha20poly1305";
}

static void size_str(uint32_t size, char *buf, size_t len)
{
	if (size == BENCH_SIZE_IMIX)
		snprintf(buf, len, "imix");
	else
		snprintf(buf, len, "%u", size);
}

/* The families: v4, v6 (in a tunnel of the same), 6in4, 4in6. */
static const char *family_str(const struct bench_case *c)
{
	if (c->family == c->outer)
		return c->family == AF_INET ? "v4" : "v6";
	return c->family == AF_INET ? "4in6" : "6in4";
}

static void case_name(const struct bench_case *c, char *buf, size_t len)
{
	char sz[16];

	size_str(c->size, sz, sizeof(sz));
	char peers[48] = "";

	if (c->peers > 1)
		snprintf(peers, sizeof(peers), " %u peers", c->peers);
	if (c->hosts > 1)
		snprintf(peers + strlen(peers), sizeof(peers) - strlen(peers), " %u hosts",
			 c->hosts);
	snprintf(buf, len, "%-3s %-16s %-3s %-4s %5s %7u SA%s%s%s", c->dir == BENCH_OUT ? "out" : "in",
		 cipher_short(c->cipher), c->iiv ? "iiv" : "eiv", family_str(c),
		 sz, c->n_sas, c->n_sas > 1 ? "s" : " ",
		 c->workers > 1 ? (c->spread ? " 2w handoff" : " 2w") : "", peers);
	if (c->tunnel != BENCH_TUNNEL_EACH)
		snprintf(buf + strlen(buf), len - strlen(buf), " 1 tunnel%s",
			 c->tunnel == BENCH_TUNNEL_PER_RESOURCE ? " per-res" : "");
}

static void print_header(void)
{
	printf("%-48s %7s %7s %7s %7s %7s %-6s %7s %6s %-11s %s\n", "case", "Mpps", "Gbps",
	       "cyc/pkt", "io Mpps", "cr cyc", "cr api", "limit", "frac", "frac IQR", "notes");
}

static void print_row(const struct bench_case *c, const struct bench_result *r)
{
	char name[96], notes[224] = "";

	case_name(c, name, sizeof(name));
	if (r->error) {
		printf("%-48s error %d\n", name, r->error);
		return;
	}
	if (r->drops)
		snprintf(notes, sizeof(notes), "drops %lu (%s)", (unsigned long)r->drops,
			 r->drop_top ? r->drop_top : "?");
	if (c->n_sas > 1) {
		size_t l = strlen(notes);

		snprintf(notes + l, sizeof(notes) - l, "%s%.0f B/SA dp, %.0f B/SA ctl, setup %.1fs",
			 l ? "; " : "", r->sa_bytes, r->ctl_sa_bytes, r->setup_s);
	}
	if (r->host_slow) {
		size_t l = strlen(notes);

		snprintf(notes + l, sizeof(notes) - l, "%shost slow in most rounds: not comparable",
			 l ? "; " : "");
	}
	/* (a case the floor does not serve says so in the JSON only) */
	if (r->floor_failed || r->floor_fraction > 0) {
		size_t l = strlen(notes);

		if (r->floor_failed)
			snprintf(notes + l, sizeof(notes) - l, "%sno floor: %s", l ? "; " : "",
				 r->floor_none);
		else
			snprintf(notes + l, sizeof(notes) - l, "%sfloor %.3f (esprit %.2f of it)",
				 l ? "; " : "", r->floor_fraction, r->fraction / r->floor_fraction);
	}
	if (r->rounds_used < r->rounds_planned) {
		size_t l = strlen(notes);

		snprintf(notes + l, sizeof(notes) - l, "%s%u of %u rounds%s%s", l ? "; " : "",
			 r->rounds_used, r->rounds_planned,
			 r->rounds < r->rounds_planned ? " (time limit)" : "",
			 r->rounds_slow ? " (slow ones left out)" : "");
	}
	printf("%-48s %7.2f %7.2f %7.0f %7.2f %7.0f %-6s %7.2f %6.3f %5.3f-%5.3f %s\n", name,
	       r->mpps, r->gbps, r->cycles_pkt, r->io_mpps, r->crypto_cycles,
	       r->crypto_api ? r->crypto_api : "-", r->limit_mpps, r->fraction, r->fraction_q1,
	       r->fraction_q3, notes);
}

/* What --min-fraction compares: the median fraction over the rounds. */
static void print_check(const struct bench_result *r, double min)
{
	printf("  check: median of %u rounds: esprit %.2f Mpps, I/O %.2f Mpps, crypto %.0f cycles"
	       " -> fraction %.3f (IQR %.3f-%.3f, minimum %.3f): %s\n", r->rounds_used, r->mpps,
	       r->io_mpps, r->crypto_cycles, r->fraction, r->fraction_q1, r->fraction_q3, min,
	       r->fraction >= min ? "ok" : "BELOW");
}

static json_t *case_json(const struct bench_case *c, const struct bench_result *r)
{
	char sz[16];

	size_str(c->size, sz, sizeof(sz));
	json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:i, s:i, s:b, s:s?, s:f, s:f, s:f, s:f, s:f,"
			 " s:f, s:s, s:f, s:f, s:f, s:I, s:I, s:I, s:s?, s:f, s:f, s:f, s:i}",
			 "dir", c->dir == BENCH_OUT ? "out" : "in",
			 "cipher", cipher_short(c->cipher),
			 "iv", c->iiv ? "implicit" : "explicit",
			 "family", c->family == AF_INET ? 4 : 6,
			 "size", sz,
			 "sas", (int)c->n_sas,
			 "flows", (int)c->flows,
			 "workers", (int)c->workers,
			 "handoff", c->spread,
			 "one_tunnel", c->tunnel == BENCH_TUNNEL_ONE_SA ? "sa" :
				       c->tunnel == BENCH_TUNNEL_PER_RESOURCE ? "per-resource" : NULL,
			 "mpps", r->mpps, "mpps_best", r->mpps_best, "gbps", r->gbps,
			 "cycles_per_packet", r->cycles_pkt, "io_mpps", r->io_mpps,
			 "crypto_cycles", r->crypto_cycles,
			 "crypto_api", r->crypto_api ? r->crypto_api : "-",
			 "limit_mpps", r->limit_mpps, "fraction", r->fraction,
			 "avg_frame", r->avg_frame,
			 "rx", (json_int_t)r->rx, "tx", (json_int_t)r->tx,
			 "drops", (json_int_t)r->drops, "drop_top", r->drop_top,
			 "sa_bytes_dataplane", r->sa_bytes, "sa_bytes_control", r->ctl_sa_bytes,
			 "setup_s", r->setup_s, "error", r->error);

	if (j != NULL) {
		json_t *rf = json_array();

		for (unsigned i = 0; r->round_fraction != NULL && i < r->rounds_used; i++)
			json_array_append_new(rf, json_real(r->round_fraction[i]));
		/* the tunnel's family ("family" is the clear packets') */
		json_object_set_new(j, "outer_family", json_integer(c->outer == AF_INET ? 4 : 6));
		json_object_set_new(j, "peers", json_integer(c->peers));
		json_object_set_new(j, "hosts", json_integer(c->hosts));
		json_object_set_new(j, "io_mpps_best", json_real(r->io_mpps_best));
		json_object_set_new(j, "fraction_best", json_real(r->fraction_best));
		json_object_set_new(j, "fraction_q1", json_real(r->fraction_q1));
		json_object_set_new(j, "fraction_q3", json_real(r->fraction_q3));
		json_object_set_new(j, "fraction_iqr", json_real(r->fraction_q3 - r->fraction_q1));
		json_object_set_new(j, "crypto_cycles_best", json_real(r->crypto_cycles_best));
		json_object_set_new(j, "pace_cycles", json_real(r->pace_cycles));
		json_object_set_new(j, "pace_ratio", json_real(r->pace_ratio));
		json_object_set_new(j, "measured_again", json_integer(r->again));
		json_object_set_new(j, "again_kept", json_boolean(r->again_kept));
		json_object_set_new(j, "rounds_planned", json_integer(r->rounds_planned));
		json_object_set_new(j, "rounds", json_integer(r->rounds));
		json_object_set_new(j, "rounds_used", json_integer(r->rounds_used));
		json_object_set_new(j, "rounds_slow", json_integer(r->rounds_slow));
		json_object_set_new(j, "host_slow", json_boolean(r->host_slow));
		json_object_set_new(j, "round_fractions", rf);
		if (r->floor_fraction > 0) {
			json_object_set_new(j, "floor_fraction", json_real(r->floor_fraction));
			json_object_set_new(j, "floor_mpps", json_real(r->floor_mpps));
		} else if (r->floor_none != NULL) {
			json_object_set_new(j, "floor_none", json_string(r->floor_none));
		}
	}
	return j;
}

/* The targets a run judged (bench_targets()), for the JSON. */
static json_t *targets_json(const struct bench_target *t, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < n; i++) {
		char sz[16];
		/* the core's pace for the value: of both cases against one SA
		 * the slower (scripts/bench-targets.py keeps quiet ones) */
		double pace = t[i].one != NULL ? RTE_MAX(t[i].r->pace_cycles, t[i].one->pace_cycles)
					       : t[i].r->pace_cycles;

		size_str(t[i].c->size, sz, sizeof(sz));
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:i, s:s, s:f, s:f, s:s, s:f}",
			"dir", t[i].c->dir == BENCH_OUT ? "out" : "in",
			"cipher", cipher_short(t[i].c->cipher), "size", sz, "sas", (int)t[i].c->n_sas,
			/* a fraction of the limit, or many SAs' against one's */
			"measure", t[i].one != NULL ? "fraction_of_one_sa" : "fraction",
			"value", t[i].value, "target", t[i].min,
			"verdict", bench_target_verdict(t[i].verdict), "pace_cycles", pace));
	}
	return a;
}

/*
 * Measure each case the host slowed throughout (bench_pace_mark()) again,
 * up to o->again times, keeping the measurement at the faster pace, and
 * print the rows kept. Returns how many cases are still slow.
 */
static unsigned measure_again(struct bench_rig *rig, const struct bench_case *cases,
			      struct bench_result *res, unsigned n, const struct opts *o)
{
	unsigned slow = bench_pace_mark(res, n, o->quiet_pace);

	for (unsigned a = 0; slow > 0 && a < o->again; a++) {
		printf("\n%u case%s on a core the host slowed throughout, measured again (%u of %u):\n",
		       slow, slow > 1 ? "s" : "", a + 1, o->again);
		for (unsigned i = 0; i < n; i++) {
			struct bench_result r = { 0 };
			unsigned times = res[i].again + 1;

			if (res[i].pace_ratio < BENCH_PACE_SLOW)
				continue;
			if (bench_run_case(rig, &cases[i], &r, o->secs) == 0 && r.pace_cycles > 0 &&
			    r.pace_cycles < res[i].pace_cycles) {
				free(res[i].round_fraction);
				res[i] = r;
				res[i].again_kept = true;
			} else {
				free(r.round_fraction);
			}
			res[i].again = times;
			print_row(&cases[i], &res[i]);
			fflush(stdout);
		}
		slow = bench_pace_mark(res, n, o->quiet_pace);
	}
	return slow;
}

static const char *arch_name(uint32_t a)
{
	static const char *n[] = { "none", "noaesni", "sse", "avx", "avx2", "avx512" };

	return a < RTE_DIM(n) ? n[a] : "?";
}

/* The CPU's model name from /proc/cpuinfo into @p buf ("" if none). */
static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	buf[0] = '\0';
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *v = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && v != NULL) {
			v += strspn(v + 1, " \t") + 1;
			v[strcspn(v, "\n")] = '\0';
			snprintf(buf, len, "%s", v);
			break;
		}
	}
	if (f != NULL)
		fclose(f);
}

/* The JSON's "machine": what the run's figures depend on. */
static json_t *machine_json(const struct bench_rig *rig, double hz, const struct opts *o,
			    long ncpu)
{
	char model[128];

	cpu_model(model, sizeof(model));
	return json_pack("{s:s, s:s, s:f, s:s, s:s, s:b, s:i, s:f}", "cpu_model", model,
			 "dpdk", rte_version(), "tsc_ghz", hz / 1e9, "ipsec_mb", imb_get_version_str(),
			 "ipsec_mb_arch", arch_name(rig->worker_mgr->used_arch), "hugepages", o->huge,
			 "cpus", (int)ncpu, "seconds_per_case", o->secs);
}

/* --@p name's count @p arg, 1..@p max, into *@p out; -1 (said) if not. */
static int parse_count(const char *name, const char *arg, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 0);

	if (*arg == '\0' || *end != '\0' || v < 1 || v > max) {
		fprintf(stderr, "esprit-bench: --%s 1..%u\n", name, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "cipher", required_argument, NULL, 'c' },
		{ "iv", required_argument, NULL, 'i' },
		{ "family", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 's' },
		{ "sas", required_argument, NULL, 'n' },
		{ "workers", required_argument, NULL, 'w' },
		{ "spread", no_argument, NULL, 'S' },
		{ "one-tunnel", required_argument, NULL, 'T' },
		{ "peers", required_argument, NULL, 'P' },
		{ "hosts", required_argument, NULL, 'O' },
		{ "quick", no_argument, NULL, 'q' },
		{ "smoke", no_argument, NULL, 'k' },
		{ "mc", no_argument, NULL, 'm' },
		{ "no-mc", no_argument, NULL, 'M' },
		{ "time", required_argument, NULL, 't' },
		{ "flows", required_argument, NULL, 'F' },
		{ "json", required_argument, NULL, 'j' },
		{ "pcap-dir", required_argument, NULL, 'p' },
		{ "huge", no_argument, NULL, 'H' },
		{ "min-fraction", required_argument, NULL, 'x' },
		{ "attempts", required_argument, NULL, 'a' },
		{ "again", required_argument, NULL, 'g' },
		{ "history", required_argument, NULL, 'y' },
		{ "floor", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	o->secs = 0.5;
	o->flows = 65536;
	o->attempts = 3;
	o->again = 1;
	o->mc = true;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'd': case 'c': case 'i': case 'f': case 's': case 'n': case 'w':
			if (parse_list(opt, optarg, &o->f) != 0) {
				fprintf(stderr, "esprit-bench: bad value '%s'\n", optarg);
				return -1;
			}
			o->filtered = true;
			break;
		case 'S': o->f.spread = true; o->filtered = true; break;
		case 'T':
			if (strcmp(optarg, "sa") != 0 && strcmp(optarg, "per-resource") != 0) {
				fprintf(stderr, "esprit-bench: --one-tunnel sa or per-resource\n");
				return -1;
			}
			o->f.tunnel = optarg[0] == 's' ? BENCH_TUNNEL_ONE_SA
						       : BENCH_TUNNEL_PER_RESOURCE;
			o->filtered = true;
			break;
		case 'P':
		case 'O':
			if (parse_count(opt == 'P' ? "peers" : "hosts", optarg,
					opt == 'P' ? BENCH_PEERS_MAX : BENCH_HOSTS_MAX,
					opt == 'P' ? &o->f.peers : &o->f.hosts) != 0)
				return -1;
			o->filtered = true;
			break;
		case 'q': o->quick = true; break;
		case 'k': o->smoke = true; break;
		case 'm': o->mc = true; break;
		case 'M': o->mc = false; break;
		case 't': o->secs = atof(optarg); break;
		case 'F':
			o->flows = (uint32_t)strtoul(optarg, NULL, 0);
			o->flows_set = true;
			break;
		case 'j': o->json = optarg; break;
		case 'p': o->pcap_dir = optarg; break;
		case 'H': o->huge = true; break;
		case 'x': o->min_fraction = atof(optarg); break;
		case 'a': o->attempts = (unsigned)atoi(optarg); break;
		case 'g': o->again = (unsigned)atoi(optarg); break;
		case 'y': o->history = optarg; break;
		case 'L': o->floor = true; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (o->secs < 0.1 || o->flows < 1 || o->flows > (1u << 20)) {
		fprintf(stderr, "esprit-bench: --time >= 0.1, --flows 1..1048576\n");
		return -1;
	}
	return optind;
}

/*
 * The case lists, as rows of lists: a list a row leaves out takes
 * spec_defaults()'s (both directions, every cipher, both IV modes, IPv4,
 * every size, one SA, one worker); each row expands to every combination
 * of its lists.
 */
#define N_OF(type, ...) (sizeof((type[]){ __VA_ARGS__ }) / sizeof(type))
#define DIRS(...)    .dir = { __VA_ARGS__ }, .n_dir = N_OF(enum bench_dir, __VA_ARGS__)
#define CIPHERS(...) .cipher = { __VA_ARGS__ }, .n_cipher = N_OF(enum esp_cipher, __VA_ARGS__)
#define IVS(...)     .iv = { __VA_ARGS__ }, .n_iv = N_OF(bool, __VA_ARGS__)
#define FAMS(...)    .fam = { __VA_ARGS__ }, .n_fam = N_OF(uint8_t, __VA_ARGS__)
#define OUTER(...)   .outer = { __VA_ARGS__ }
#define SIZES(...)   .size = { __VA_ARGS__ }, .n_size = N_OF(uint32_t, __VA_ARGS__)
#define SAS(...)     .sas = { __VA_ARGS__ }, .n_sas = N_OF(uint32_t, __VA_ARGS__)
#define WORKERS(...) .workers = { __VA_ARGS__ }, .n_workers = N_OF(uint16_t, __VA_ARGS__)
#define AES128 ESP_CIPHER_AES128_GCM16
#define CHACHA ESP_CIPHER_CHACHA20_POLY1305

/* --smoke: the CI's regression check. */
static const struct spec smoke_rows[] = {
	{ DIRS(BENCH_OUT), CIPHERS(AES128), IVS(false), SIZES(64) },
};

/* --quick. */
static const struct spec quick_rows[] = {
	{ CIPHERS(AES128, CHACHA), IVS(false), SIZES(64, 1420) },
};

/*
 * The default matrix: every cipher, IV mode and size over IPv4, one SA;
 * IPv6 for AES-128-GCM, and IPv6 in IPv4 and IPv4 in IPv6 at 64 and 1420
 * octets; the SAD at 1M SAs, and 1000 SAs inbound (a packet
 * or two each in a burst: esp_inbound_multi's shared chunks), also from
 * 100 peers; the SPD with 1000 and 16,384 tunnels (a policy each: the
 * verdict cache, and the SPD index behind it) outbound, 1000 of them to
 * 100 peers too; one tunnel's traffic between 256 hosts of each site (many flows).
 */
static const struct spec default_rows[] = {
	{ 0 },
	{ FAMS(AF_INET6), CIPHERS(AES128), IVS(false) },
	{ FAMS(AF_INET6, AF_INET), OUTER(AF_INET, AF_INET6), CIPHERS(AES128), IVS(false),
	  SIZES(64, 1420) },
	{ DIRS(BENCH_IN), CIPHERS(AES128), IVS(false), SIZES(64, 1420, BENCH_SIZE_IMIX),
	  SAS(1000000) },
	{ DIRS(BENCH_IN), CIPHERS(AES128), IVS(false), SIZES(64), SAS(1000) },
	{ DIRS(BENCH_IN), CIPHERS(AES128), IVS(false), SIZES(64), SAS(1000), .peers = 100 },
	{ DIRS(BENCH_OUT), CIPHERS(AES128), IVS(false), SIZES(64), SAS(1000, 16384) },
	{ DIRS(BENCH_OUT), CIPHERS(AES128), IVS(false), SIZES(64), SAS(1000), .peers = 100 },
	{ DIRS(BENCH_OUT), CIPHERS(AES128), IVS(false), SIZES(64), .hosts = 256 },
};

/* With the default matrix unless --no-mc: 1 vs 2 workers, owned and handed off. */
static const struct spec mc_rows[] = {
	{ CIPHERS(AES128), IVS(false), SIZES(64, 1420), WORKERS(2) },
	{ CIPHERS(AES128), IVS(false), SIZES(64, 1420), WORKERS(2), .spread = true },
	{ CIPHERS(AES128), IVS(false), SIZES(64, 1420), WORKERS(2), .tunnel = BENCH_TUNNEL_ONE_SA },
	{ CIPHERS(AES128), IVS(false), SIZES(64, 1420), WORKERS(2),
	  .tunnel = BENCH_TUNNEL_PER_RESOURCE },
};

static unsigned rows_expand(const struct spec *rows, unsigned n_rows, const struct opts *o,
			    struct bench_case *cs, unsigned n)
{
	for (unsigned i = 0; i < n_rows; i++) {
		struct spec s = rows[i];

		spec_defaults(&s);
		n = spec_expand(&s, o, cs, n, MAX_CASES);
	}
	return n;
}

static unsigned build_cases(const struct opts *o, struct bench_case *cs)
{
	unsigned n;

	if (o->smoke)
		return rows_expand(smoke_rows, RTE_DIM(smoke_rows), o, cs, 0);
	if (o->filtered)
		return rows_expand(&o->f, 1, o, cs, 0);
	if (o->quick)
		return rows_expand(quick_rows, RTE_DIM(quick_rows), o, cs, 0);
	n = rows_expand(default_rows, RTE_DIM(default_rows), o, cs, 0);
	if (o->mc)
		n = rows_expand(mc_rows, RTE_DIM(mc_rows), o, cs, n);
	return n;
}

/*
 * What an SA no recent packet touched costs on this machine (bench_mem.c),
 * for regions as large as many SAs span: printed, and returned as JSON.
 */
static json_t *cold_probe(void)
{
	static const size_t mib[] = { 4, 64, 1024 };
	json_t *j = json_object();

	printf("\nA line of a random 4 KiB page of a region (an SA no recent packet touched, when\n"
	       "the SAs span that much), cycles: a load that waits for the one before / a prefetch\n"
	       "issued far ahead, what it takes from the core:\n");
	for (unsigned i = 0; i < RTE_DIM(mib); i++) {
		double load, prefetch;
		char key[16];

		bench_cold_cycles(mib[i] << 20, &load, &prefetch);
		if (load < 0)
			continue;   /* not that much memory */
		printf("  %4zu MiB: load %4.0f, prefetch %4.0f\n", mib[i], load, prefetch);
		snprintf(key, sizeof(key), "%zu_MiB", mib[i]);
		json_object_set_new(j, key, json_pack("{s:f, s:f}", "load", load, "prefetch", prefetch));
	}
	return j;
}

/* EAL's runtime directory of this run (its file prefix is the pid's),
 * removed at exit: each run would leave one under /run, a tmpfs. */
static char runtime_dir[PATH_MAX];

static void runtime_dir_remove(void)
{
	if (runtime_dir[0] != '\0')
		rmdir(runtime_dir);
}

int main(int argc, char **argv)
{
	static struct bench_case cases[MAX_CASES];
	static struct bench_result res[MAX_CASES];
	struct opts o = { 0 };
	struct bench_rig rig = { 0 };
	char *eal[64], prefix[64], mem[16];
	int ea = 0, rc, first = parse_opts(argc, argv, &o);

	if (first < 0)
		return 2;
	unsigned n = build_cases(&o, cases);
	uint32_t flows = 1, workers = 1, many = 0;

	if (n == 0) {
		/* e.g. --one-tunnel with one worker or inbound only */
		fprintf(stderr, "esprit-bench: no case matches these options\n");
		return 2;
	}

	for (unsigned i = 0; i < n; i++) {
		flows = RTE_MAX(flows, cases[i].flows);
		workers = RTE_MAX(workers, cases[i].workers);
		many = RTE_MAX(many, cases[i].n_sas);
	}
	/* EAL: main lcore 0 (sleeps while measuring), workers on CPUs 1 and
	 * 0. The caller's EAL options after "--" come last and win. */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	snprintf(prefix, sizeof(prefix), "esprit-bench-%d", (int)getpid());
	eal[ea++] = argv[0];
	eal[ea++] = "--no-pci";
	eal[ea++] = "--no-telemetry";
	eal[ea++] = "--file-prefix";
	eal[ea++] = prefix;
	/* one process: no shared config's files in its runtime directory,
	 * which then goes at exit (runtime_dir_remove()) */
	eal[ea++] = "--no-shconf";
	eal[ea++] = "--log-level";
	eal[ea++] = "error";
	eal[ea++] = "--lcores";
	eal[ea++] = ncpu >= 2 ? "0@0,1@1,2@0" : "0@0,1@0,2@0";
	/* memory: mbufs for the cached pcaps, and ~1.4 KiB per SA */
	snprintf(mem, sizeof(mem), "%u", (unsigned)(512 + flows * workers * 3 / 1024 +
						       (uint64_t)many * 1600 / 1048576 * 2));
	/* with hugepages: unlinked once mapped, so a run (or a crash) does
	 * not leave them held by files under its own file prefix */
	eal[ea++] = o.huge ? "--huge-unlink" : "--no-huge";
	eal[ea++] = "-m";
	eal[ea++] = mem;
	for (int i = first; i < argc && ea < (int)RTE_DIM(eal) - 1; i++)
		eal[ea++] = argv[i];
	eal[ea] = NULL;
	if (rte_eal_init(ea, eal) < 0) {
		fprintf(stderr, "esprit-bench: EAL init failed: %s\n", rte_strerror(rte_errno));
		/* the check cannot run here at all (no root, no PMDs): skip */
		return o.smoke ? 77 : 1;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	atexit(runtime_dir_remove);
	if (pkt_meta_register() < 0)
		return 1;
	bench_pool = worker_pool_create("bench_mbufs", flows * workers + 32767, (int)rte_socket_id());
	if (bench_pool == NULL) {
		fprintf(stderr, "esprit-bench: mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (o.pcap_dir != NULL)
		snprintf(rig.pcap_dir, sizeof(rig.pcap_dir), "%s", o.pcap_dir);
	else
		snprintf(rig.pcap_dir, sizeof(rig.pcap_dir), "/tmp/esprit-bench.%d", (int)getpid());
	rig.floor = o.floor;
	mkdir(rig.pcap_dir, 0700);
	if (bench_rig_init(&rig) < 0)
		return 1;
	for (unsigned i = 0; i < n; i++)
		if (cases[i].workers > rig.n_lcores) {
			fprintf(stderr, "esprit-bench: 2 workers need 2 worker lcores\n");
			return 2;
		}

	double hz = (double)rte_get_tsc_hz();

	printf("esprit-bench: %s, TSC %.2f GHz, IPsec-MB %s (%s manager), %s, %s, %u cases of %.1f s\n",
	       rte_version(), hz / 1e9, imb_get_version_str(), arch_name(rig.worker_mgr->used_arch),
	       o.huge ? "hugepages" : "no hugepages", "pcap -> worker -> null", n, o.secs);
	printf("rounds of I/O %u ms, crypto %u ms (the pcap's AEAD lengths), esprit %u ms of CPU time, back to back\n"
	       "on the same core(s), each after %u ms of warm-up; rates per CPU-second of the measured threads\n",
	       BENCH_ROUND_IO_US / 1000, BENCH_ROUND_CRYPTO_US / 1000, BENCH_ROUND_ESPRIT_US / 1000,
	       BENCH_ROUND_WARM_US / 1000);
	printf("fraction = Mpps x (1/io_Mpps + crypto_cycles/TSC) per round, 1.0 is the harness's limit;\n"
	       "every figure is the median over the rounds, frac IQR the middle half of the rounds' fractions\n");

	json_t *machine = machine_json(&rig, hz, &o, ncpu);
	unsigned earlier = 0;

	if (o.history != NULL)
		o.quiet_pace = bench_pace_history(o.history, machine, &earlier);
	if (o.quiet_pace > 0) {
		printf("a quiet core's pace: %.1f cycles a fixed AES-128-GCM call, the quietest of %u earlier\n"
		       "run%s in %s; a case at %.2fx that or slower ran on a slowed core\n",
		       o.quiet_pace, earlier, earlier > 1 ? "s" : "", o.history, BENCH_PACE_SLOW);
		json_object_set_new(machine, "quiet_pace_cycles", json_real(o.quiet_pace));
		json_object_set_new(machine, "quiet_pace_runs", json_integer(earlier));
	}
	printf("\n");
	print_header();
	fflush(stdout);

	int worst = 0;
	time_t start = time(NULL);
	const char *slow_case = getenv("ESPRIT_BENCH_SLOW_CASE");

	for (unsigned i = 0; i < n; i++) {
		char name[96];

		case_name(&cases[i], name, sizeof(name));
		if (isatty(STDERR_FILENO)) {
			fprintf(stderr, "\r[%u/%u %lds] %s ...", i + 1, n, (long)(time(NULL) - start), name);
			fflush(stderr);
		}
		rc = bench_run_case(&rig, &cases[i], &res[i], o.secs);
		/* A check must not fail on one disturbed measurement: a case
		 * below --min-fraction is measured again (--attempts); a real
		 * slowdown fails every attempt. */
		for (unsigned a = 1; rc == 0 && o.min_fraction > 0 && a < o.attempts &&
				     res[i].fraction < o.min_fraction; a++) {
			print_row(&cases[i], &res[i]);
			print_check(&res[i], o.min_fraction);
			printf("  (below %.3f: attempt %u of %u)\n", o.min_fraction, a + 1, o.attempts);
			rc = bench_run_case(&rig, &cases[i], &res[i], o.secs);
		}
		if (rc != 0)
			res[i].error = rc;
		/* tests only (tests/bench/test_bench_again.py): case N's first
		 * measurement reads as if its core ran 3x slow throughout */
		if (slow_case != NULL && strtoul(slow_case, NULL, 10) == i)
			res[i].pace_cycles *= 3;
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "\r\033[K");
		print_row(&cases[i], &res[i]);
		if (o.min_fraction > 0 && !res[i].error)
			print_check(&res[i], o.min_fraction);
		fflush(stdout);
		if (res[i].error || (o.min_fraction > 0 && res[i].fraction < o.min_fraction))
			worst = res[i].error ? 1 : 3;
		else if (res[i].floor_failed && worst == 0)
			worst = 4;
	}

	/* Cases measured on a core the host slowed throughout: their rounds
	 * were all alike, so only the run's other cases show it. */
	unsigned slow = measure_again(&rig, cases, res, n, &o);

	for (unsigned i = 0; i < n; i++)   /* a case measured again checked its floor again */
		if (res[i].floor_failed && worst == 0)
			worst = 4;
	if (slow > 0) {
		printf("\nMeasured while the host ran this core slowly throughout, not comparable with the rest\n"
		       "(a fixed AES-GCM call %.2fx or more its cycles on a quiet core: %s):\n",
		       BENCH_PACE_SLOW, o.quiet_pace > 0 ? "the run's fastest case's\nor the quietest earlier run's"
							  : "the run's fastest case's");
		for (unsigned i = 0; i < n; i++) {
			char name[96];

			if (res[i].pace_ratio < BENCH_PACE_SLOW)
				continue;
			case_name(&cases[i], name, sizeof(name));
			printf("  %-48s %.2fx\n", name, res[i].pace_ratio);
		}
	}
	struct bench_target targets[16];
	unsigned n_targets = bench_targets(cases, res, n, targets, RTE_DIM(targets));

	bench_targets_print(stdout, targets, n_targets);

	/* ChaCha20-Poly1305: the two IPsec-MB paths on this CPU. Not when
	 * profiling (ESPRIT_BENCH_ONLY, scripts/bench-profile.py): this and
	 * the cold-memory probe run on the worker's lcore, and their samples
	 * would count as the case's. */
	json_t *cc = json_array();
	bool extras = !o.smoke && getenv("ESPRIT_BENCH_ONLY") == NULL;

	if (extras) {
		printf("\nChaCha20-Poly1305 cycles per packet on this core (IPsec-MB %s manager):\n",
		       arch_name(rig.worker_mgr->used_arch));
		printf("%6s %12s %12s %12s %12s\n", "len", "enc direct", "enc job", "dec direct",
		       "dec job");
		static const uint32_t lens[] = { 64, 128, 256, 512, 1024, 1420 };

		for (unsigned i = 0; i < RTE_DIM(lens); i++) {
			double v[4];
			uint32_t l = (lens[i] - 14 + 2 + 3) & ~3u;

			bench_chacha_report(&rig, l, v);
			printf("%6u %12.0f %12.0f %12.0f %12.0f\n", l, v[0], v[1], v[2], v[3]);
			json_array_append_new(cc, json_pack("{s:i, s:f, s:f, s:f, s:f}", "len", (int)l,
							    "enc_direct", v[0], "enc_job", v[1],
							    "dec_direct", v[2], "dec_job", v[3]));
		}
	}
	/* Cold memory: what the many-SA cases pay per SA touched. */
	json_t *cold = many > 1 && extras ? cold_probe() : NULL;

	printf("\ntotal %lds\n", (long)(time(NULL) - start));
	if (o.json != NULL) {
		json_t *arr = json_array();

		for (unsigned i = 0; i < n; i++)
			json_array_append_new(arr, case_json(&cases[i], &res[i]));
		json_t *root = json_pack("{s:O, s:o, s:o}", "machine", machine, "cases", arr,
					 "chacha20poly1305_paths", cc);

		/* how the figures were measured: medians over interleaved rounds */
		json_object_set_new(json_object_get(root, "machine"), "method",
				    json_pack("{s:s, s:i, s:i, s:i, s:i}", "kind", "interleaved rounds, medians",
					      "io_us", BENCH_ROUND_IO_US, "crypto_us", BENCH_ROUND_CRYPTO_US,
					      "esprit_us", BENCH_ROUND_ESPRIT_US, "warm_us", BENCH_ROUND_WARM_US));
		if (cold != NULL)
			json_object_set(json_object_get(root, "machine"), "cold_line_cycles", cold);
		json_object_set_new(root, "targets", targets_json(targets, n_targets));
		if (json_dump_file(root, o.json, JSON_INDENT(1)) != 0)
			fprintf(stderr, "esprit-bench: cannot write %s\n", o.json);
		json_decref(root);
	} else {
		json_decref(cc);
	}
	json_decref(cold);
	json_decref(machine);
	if (o.pcap_dir == NULL) {
		char path[600];

		for (unsigned i = 0; i < BENCH_WORKERS_MAX; i++) {
			snprintf(path, sizeof(path), "%s/port%u.pcap", rig.pcap_dir, i);
			unlink(path);
		}
		rmdir(rig.pcap_dir);
	}
	for (unsigned i = 0; i < n; i++)
		free(res[i].round_fraction);
	bench_rig_fini(&rig);
	rte_eal_cleanup();
	return worst;
}
