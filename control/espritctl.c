/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * espritctl: the command line for espritd's management socket.
 *
 * It sends one request line (see control/mgmt.h), reads the JSON answer
 * and prints it either as is (--json, pretty-printed) or as readable
 * tables in the manner of `swanctl --list-sas` and `ip -s xfrm state`.
 * It never links DPDK or libconfig: `sa add -f FILE` sends the file's text
 * (comments removed, on one line) for espritd to parse.
 */
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#ifndef ESPRIT_VERSION
#define ESPRIT_VERSION "unknown"
#endif

#define DEFAULT_SOCKET "/run/esprit/espritd.sock"

enum ctl_limits {
	CTL_REQ_MAX = 16384,       /* the server's MGMT_REQ_MAX */
	CTL_TIMEOUT_S = 10,
	CTL_COLS_MAX = 16,
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: espritctl [-s SOCKET] [--json] COMMAND\n"
		"\n"
		"commands:\n"
		"  sa list                      all SAs with counters\n"
		"  sa show SPI [in|out]         one SA (SPI as 0x1001 or 4097)\n"
		"  sa add '{ name = ...; spi = ...; ... }'\n"
		"  sa add -f FILE               add an SA written as in the config's sas list\n"
		"  sa del SPI in|out            delete an SA\n"
		"  policy list                  the SPD, first match first\n"
		"  port stats | stats ports     NIC counters\n"
		"  worker stats | stats workers worker counters and drops by reason\n"
		"  ike list                     IKE SAs and their Child SAs\n"
		"  ike conns                    the configured connections\n"
		"  ike stats                    IKE SAs (and maximum), half-open SAs, IKE engine\n"
		"                               counters (messages, COOKIEs, drops by reason)\n"
		"  ike initiate CONN [CHILD]    start an IKE SA (and a child) of a connection;\n"
		"                               with CHILD and an established IKE SA: a new\n"
		"                               Child SA on it (CREATE_CHILD_SA)\n"
		"  ike terminate CONN [CHILD]   delete the connection's IKE SA and its children,\n"
		"                               or only its Child SA(s) of child config CHILD\n"
		"  ike rekey CONN [CHILD]       rekey the connection's IKE SA, or its CHILD\n"
		"  ike terminate spi SPI        delete the Child SA with this SPI (in or out)\n"
		"  ike rekey spi SPI            rekey the Child SA with this SPI (in or out)\n"
		"  reload                       re-read the configuration file; established SAs\n"
		"                               stay (SIGHUP does the same)\n"
		"  version                      espritd's version and uptime\n"
		"\n"
		"options:\n"
		"  -s, --socket SOCKET  management socket (default $ESPRIT_SOCKET or\n"
		"                       " DEFAULT_SOCKET ")\n"
		"  -j, --json           print espritd's JSON answer\n"
		"  -h, --help           this text\n");
}

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("espritctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* --- building the request ------------------------------------------------ */

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);

		if (p == NULL)
			die("out of memory");
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

/*
 * libconfig text on one line: comments (#, //, / * * /) dropped outside
 * strings, line breaks turned into spaces. The request protocol is one line.
 */
static void put_config_text(struct buf *b, const char *t)
{
	bool in_str = false;

	while (*t != '\0') {
		if (in_str) {
			if (*t == '\\' && t[1] != '\0') {
				buf_put(b, t, 2);
				t += 2;
				continue;
			}
			if (*t == '"')
				in_str = false;
			if (*t == '\n' || *t == '\r')
				die("line break inside a string");
			buf_put(b, t++, 1);
		} else if (*t == '"') {
			in_str = true;
			buf_put(b, t++, 1);
		} else if (*t == '#' || (t[0] == '/' && t[1] == '/')) {
			t += strcspn(t, "\n");
		} else if (t[0] == '/' && t[1] == '*') {
			const char *e = strstr(t + 2, "*/");

			t = e != NULL ? e + 2 : t + strlen(t);
			buf_put(b, " ", 1);
		} else if (*t == '\n' || *t == '\r' || *t == '\t') {
			buf_put(b, " ", 1);
			t++;
		} else {
			buf_put(b, t++, 1);
		}
	}
}

static char *read_file(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;

	if (f == NULL)
		die("%s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_put(&b, chunk, n);
	if (ferror(f))
		die("%s: read error", path);
	if (f != stdin)
		fclose(f);
	explicit_bzero(chunk, sizeof(chunk));
	if (b.s == NULL)
		die("%s is empty", path);
	return b.s;
}

static char *build_request(int argc, char **argv)
{
	struct buf b = { 0 };

	if (argc >= 2 && strcmp(argv[0], "sa") == 0 && strcmp(argv[1], "add") == 0) {
		buf_str(&b, "sa add ");
		if (argc == 4 && strcmp(argv[2], "-f") == 0) {
			char *text = read_file(argv[3]);

			put_config_text(&b, text);
			explicit_bzero(text, strlen(text));
			free(text);
		} else if (argc >= 3) {
			for (int i = 2; i < argc; i++) {
				if (i > 2)
					buf_str(&b, " ");
				put_config_text(&b, argv[i]);
			}
		} else {
			die("sa add needs the SA text or -f FILE");
		}
	} else {
		for (int i = 0; i < argc; i++) {
			if (strpbrk(argv[i], "\r\n") != NULL)
				die("line break in argument '%s'", argv[i]);
			if (i > 0)
				buf_str(&b, " ");
			buf_str(&b, argv[i]);
		}
	}
	if (b.len >= CTL_REQ_MAX)
		die("request too long (%zu octets, at most %d)", b.len, CTL_REQ_MAX - 1);
	buf_str(&b, "\n");
	return b.s;
}

/* --- talking to espritd -------------------------------------------------- */

static json_t *transact(const char *path, const char *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CTL_TIMEOUT_S };
	struct buf ans = { 0 };
	char chunk[65536];
	json_error_t jerr;
	size_t off = 0, len = strlen(req);
	ssize_t n;
	json_t *j;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		die("%s: socket path too long", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("cannot connect to %s: %s (is espritd running? -s or ESPRIT_SOCKET name another socket)",
		    path, strerror(errno));
	while (off < len) {
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("%s: send: %s", path, strerror(errno));
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	while ((n = recv(fd, chunk, sizeof(chunk), 0)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("%s: no answer: %s", path, strerror(errno));
		buf_put(&ans, chunk, (size_t)n);
	}
	close(fd);
	if (ans.s == NULL)
		die("%s: espritd closed the connection without an answer", path);
	j = json_loads(ans.s, 0, &jerr);
	if (j == NULL || !json_is_object(j))
		die("%s: answer is not JSON (%s)", path, jerr.text);
	free(ans.s);
	return j;
}

/* --- text output --------------------------------------------------------- */

static const char *jstr(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : dflt;
}

static json_int_t jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* A JSON value as text: strings as they are, numbers in decimal. */
static const char *jtext(const json_t *v, char *buf, size_t len)
{
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.1f", json_real_value(v));
	else if (json_is_true(v))
		snprintf(buf, len, "yes");
	else if (json_is_false(v))
		snprintf(buf, len, "no");
	else
		snprintf(buf, len, "-");
	return buf;
}

/* A table printed with columns as wide as their widest cell. */
struct table {
	unsigned ncol, nrow;
	char **cells;              /* nrow * ncol */
	bool right[CTL_COLS_MAX];  /* right-align (numbers) */
};

static void table_row(struct table *t, const char *const *cols)
{
	char **c = realloc(t->cells, (size_t)(t->nrow + 1) * t->ncol * sizeof(*c));

	if (c == NULL)
		die("out of memory");
	t->cells = c;
	for (unsigned i = 0; i < t->ncol; i++)
		if ((c[t->nrow * t->ncol + i] = strdup(cols[i] != NULL ? cols[i] : "-")) == NULL)
			die("out of memory");
	t->nrow++;
}

static void table_print(struct table *t)
{
	size_t w[CTL_COLS_MAX] = { 0 };

	for (unsigned r = 0; r < t->nrow; r++)
		for (unsigned c = 0; c < t->ncol; c++)
			if (strlen(t->cells[r * t->ncol + c]) > w[c])
				w[c] = strlen(t->cells[r * t->ncol + c]);
	for (unsigned r = 0; r < t->nrow; r++) {
		for (unsigned c = 0; c < t->ncol; c++) {
			const char *s = t->cells[r * t->ncol + c];
			bool last = c + 1 == t->ncol;

			if (t->right[c])
				printf("%*s%s", (int)w[c], s, last ? "" : "  ");
			else
				printf("%-*s%s", last ? 0 : (int)w[c], s, last ? "" : "  ");
			free(t->cells[r * t->ncol + c]);
		}
		putchar('\n');
	}
	free(t->cells);
	t->cells = NULL;
	t->nrow = 0;
}

/* "auth 1 replay 2" from {"auth":1,"replay":2,"total":3}. */
static void print_drops(const json_t *drops)
{
	const char *k;
	json_t *v;
	bool any = false;

	json_object_foreach((json_t *)drops, k, v) {
		if (strcmp(k, "total") == 0)
			continue;
		printf(" %s %" JSON_INTEGER_FORMAT, k, json_integer_value(v));
		any = true;
	}
	if (!any)
		printf(" none");
}

static void print_sel(const json_t *sel)
{
	const char *proto = json_is_string(json_object_get(sel, "proto")) ?
			    jstr(sel, "proto", "any") : NULL;
	char pbuf[16];

	printf("  %s === %s", jstr(sel, "src", "any"), jstr(sel, "dst", "any"));
	if (proto == NULL) {
		snprintf(pbuf, sizeof(pbuf), "%" JSON_INTEGER_FORMAT, jint(sel, "proto"));
		proto = pbuf;
	}
	if (strcmp(proto, "any") != 0)
		printf(" %s", proto);
	if (strcmp(jstr(sel, "sport", "any"), "any") != 0)
		printf(" sport %s", jstr(sel, "sport", ""));
	if (strcmp(jstr(sel, "dport", "any"), "any") != 0)
		printf(" dport %s", jstr(sel, "dport", ""));
	if (json_is_string(json_object_get(sel, "label")))
		printf(" label %s", jstr(sel, "label", ""));
	else if (json_is_integer(json_object_get(sel, "label")))
		printf(" label #%" JSON_INTEGER_FORMAT, jint(sel, "label"));
}

static void print_lifetime(const char *what, const json_t *lt)
{
	json_int_t s = jint(lt, "seconds"), b = jint(lt, "bytes"), p = jint(lt, "packets");

	if (s == 0 && b == 0 && p == 0)
		return;
	printf(", %s", what);
	if (s != 0)
		printf(" %" JSON_INTEGER_FORMAT "s", s);
	if (b != 0)
		printf(" %" JSON_INTEGER_FORMAT " bytes", b);
	if (p != 0)
		printf(" %" JSON_INTEGER_FORMAT " packets", p);
}

static void print_sas(const json_t *res)
{
	const json_t *sas = json_object_get(res, "sas");
	json_t *sa;
	size_t i;

	if (json_array_size(sas) == 0) {
		printf("no SAs\n");
		return;
	}
	json_array_foreach((json_t *)sas, i, sa) {
		const json_t *encap = json_object_get(sa, "encap");
		const json_t *st = json_object_get(sa, "stats");
		const json_t *lt = json_object_get(sa, "lifetime");

		if (i > 0)
			putchar('\n');
		if (json_object_get(sa, "name") != NULL)
			printf("%s: ", jstr(sa, "name", ""));
		printf("%s %s %s %s", jstr(sa, "spi", "?"), jstr(sa, "dir", "?"),
		       jstr(sa, "mode", "?"), jstr(sa, "cipher", "?"));
		if (json_is_true(json_object_get(sa, "esn")))
			printf(" esn");
		if (json_is_true(json_object_get(sa, "iiv")))
			printf(" iiv");
		if (json_is_string(json_object_get(sa, "local")))
			printf(" %s -> %s", jstr(sa, "local", "-"), jstr(sa, "remote", "-"));
		if (json_is_object(encap))
			printf(" udp %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
			       jint(encap, "sport"), jint(encap, "dport"));
		if (json_is_true(json_object_get(sa, "dead")))
			printf(" DEAD");
		putchar('\n');
		print_sel(json_object_get(sa, "selectors"));
		putchar('\n');
		printf("  owner %" JSON_INTEGER_FORMAT, jint(sa, "owner"));
		if (strcmp(jstr(sa, "dir", ""), "in") == 0)
			printf(", replay window %" JSON_INTEGER_FORMAT, jint(sa, "replay_window"));
		print_lifetime("soft", json_object_get(lt, "soft"));
		print_lifetime("hard", json_object_get(lt, "hard"));
		putchar('\n');
		printf("  packets %" JSON_INTEGER_FORMAT ", bytes %" JSON_INTEGER_FORMAT ", drops:",
		       jint(st, "packets"), jint(st, "bytes"));
		print_drops(json_object_get(st, "drops"));
		putchar('\n');
	}
}

static void print_policies(const json_t *res)
{
	static const char *const head[] = {
		"#", "NAME", "ACTION", "SA", "SRC", "DST", "PROTO", "SPORT", "DPORT", "LABEL",
	};
	struct table t = { .ncol = 10, .right = { [0] = true } };
	const json_t *pols = json_object_get(res, "policies");
	json_t *p;
	size_t i;

	if (json_array_size(pols) == 0) {
		printf("no policies\n");
		return;
	}
	table_row(&t, head);
	json_array_foreach((json_t *)pols, i, p) {
		const json_t *sel = json_object_get(p, "selectors");
		char num[24], proto[24], sa[64];
		const char *row[10];

		snprintf(num, sizeof(num), "%zu", i + 1);
		if (json_is_string(json_object_get(p, "sa_name")))
			snprintf(sa, sizeof(sa), "%s (%s)", jstr(p, "sa_name", ""), jstr(p, "sa", ""));
		else
			snprintf(sa, sizeof(sa), "%s", jstr(p, "sa", "-"));
		if (json_array_size(json_object_get(p, "resource_sas")) > 0) {
			size_t at = strlen(sa);

			snprintf(sa + at, sizeof(sa) - at, " +%zu per-resource",
				 json_array_size(json_object_get(p, "resource_sas")));
		}
		row[0] = num;
		row[1] = jstr(p, "name", "-");
		row[2] = jstr(p, "action", "?");
		row[3] = sa;
		row[4] = jstr(sel, "src", "any");
		row[5] = jstr(sel, "dst", "any");
		row[6] = jtext(json_object_get(sel, "proto"), proto, sizeof(proto));
		row[7] = jstr(sel, "sport", "any");
		row[8] = jstr(sel, "dport", "any");
		row[9] = json_is_null(json_object_get(sel, "label")) ? "-" : jstr(sel, "label", "?");
		table_row(&t, row);
	}
	table_print(&t);
}

static void print_counter_table(const json_t *arr, const char *const *head,
				const char *const *keys, unsigned ncol, unsigned nleft)
{
	struct table t = { .ncol = ncol };
	json_t *o;
	size_t i;

	for (unsigned c = nleft; c < ncol; c++)
		t.right[c] = true;
	table_row(&t, head);
	json_array_foreach((json_t *)arr, i, o) {
		char cells[CTL_COLS_MAX][32];
		const char *row[CTL_COLS_MAX];

		for (unsigned c = 0; c < ncol; c++) {
			const json_t *v = json_object_get(o, keys[c]);

			/* "drops" is an object: show its total. */
			if (json_is_object(v))
				v = json_object_get(v, "total");
			row[c] = jtext(v, cells[c], sizeof(cells[c]));
		}
		table_row(&t, row);
	}
	table_print(&t);
}

static void print_ports(const json_t *res)
{
	static const char *const head[] = {
		"PORT", "ID", "RX PKTS", "RX BYTES", "TX PKTS", "TX BYTES", "MISSED", "RX ERR",
		"TX ERR", "NO MBUF",
	};
	static const char *const keys[] = {
		"name", "port_id", "ipackets", "ibytes", "opackets", "obytes", "imissed", "ierrors",
		"oerrors", "rx_nombuf",
	};

	if (json_array_size(json_object_get(res, "ports")) == 0) {
		printf("no ports\n");
		return;
	}
	print_counter_table(json_object_get(res, "ports"), head, keys, 10, 1);

	const json_t *p;
	size_t i;

	/* ESP steering by SPI (without it, one worker or turned off: none). */
	json_array_foreach(json_object_get(res, "ports"), i, p) {
		const json_t *st = json_object_get(p, "esp_steering");
		bool why = json_is_string(json_object_get(st, "why"));

		if (!json_is_object(st))
			continue;
		printf("%s: ESP steering ipv4 %s, ipv6 %s, udp4 %s, udp6 %s; %" JSON_INTEGER_FORMAT
		       " rules, %" JSON_INTEGER_FORMAT " refused%s%s\n",
		       jstr(p, "name", "?"), jstr(st, "ipv4", "?"), jstr(st, "ipv6", "?"),
		       jstr(st, "udp4", "?"), jstr(st, "udp6", "?"), jint(st, "rules"),
		       jint(st, "refused"), why ? "; not steered: " : "", why ? jstr(st, "why", "") : "");
	}
}

static void print_workers(const json_t *res)
{
	static const char *const head[] = {
		"WORKER", "LCORE", "RX", "RX/BURST", "TX", "ESP IN", "ESP OUT", "BYPASS", "PUNTED",
		"HANDOFF IN", "HANDOFF OUT", "MSGS", "BUSY LOOPS", "DROPS",
	};
	static const char *const keys[] = {
		"id", "lcore", "rx", "rx_per_burst", "tx", "esp_in", "esp_out", "bypass", "punted",
		"handoff_in", "handoff_out", "msgs", "busy_loops", "drops",
	};
	const json_t *drops = json_object_get(res, "drops");

	if (json_array_size(json_object_get(res, "workers")) == 0) {
		printf("no workers\n");
		return;
	}
	static_assert(sizeof(head) == sizeof(keys), "a heading for each column");
	print_counter_table(json_object_get(res, "workers"), head, keys,
			    sizeof(keys) / sizeof(keys[0]), 0);
	printf("drops (all workers): %" JSON_INTEGER_FORMAT, jint(drops, "total"));
	if (jint(drops, "total") != 0) {
		printf(" =");
		print_drops(drops);
	}
	putchar('\n');
}

static void print_version(const json_t *res)
{
	json_int_t up = jint(res, "uptime");

	printf("espritd %s, up %" JSON_INTEGER_FORMAT "d %02" JSON_INTEGER_FORMAT ":%02"
	       JSON_INTEGER_FORMAT ":%02" JSON_INTEGER_FORMAT ", %" JSON_INTEGER_FORMAT
	       " worker(s), %" JSON_INTEGER_FORMAT " port(s); espritctl %s\n",
	       jstr(res, "version", "?"), up / 86400, up / 3600 % 24, up / 60 % 60, up % 60,
	       jint(res, "workers"), jint(res, "ports"), ESPRIT_VERSION);
}

/* "x25519+mlkem768", or @p none for an empty list */
static const char *kes_text(const json_t *o, const char *none, char *buf, size_t cap)
{
	const json_t *a = json_object_get(o, "key_exchanges"), *v;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach(a, i, v)
		if (json_is_string(v) && n < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", i != 0 ? "+" : "",
					      json_string_value(v));
	return buf[0] != '\0' ? buf : none;
}

/* " 123s" for a number of seconds, "" for null. */
static const char *secs(const json_t *o, const char *key, char *buf, size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return "-";
	snprintf(buf, len, "%" JSON_INTEGER_FORMAT "s", json_integer_value(v));
	return buf;
}

static void print_counters(const json_t *c, const char *dir)
{
	const json_t *t = json_object_get(c, dir);

	if (!json_is_object(t))
		return;
	printf(", %" JSON_INTEGER_FORMAT " bytes_%c (%" JSON_INTEGER_FORMAT " pkts)", jint(t, "bytes"),
	       dir[0], jint(t, "packets"));
}

static void print_child(const json_t *c)
{
	char b1[24], b2[24], b3[24], kes[128];

	printf("  child %s %s, %s, SPIs %s_i %s_o, %s%s, PFS %s%s, worker %" JSON_INTEGER_FORMAT
	       "%s\n", jstr(c, "state", "?"),
	       jstr(c, "name", "?"), jstr(c, "mode", "?"), jstr(c, "spi_in", "?"),
	       jstr(c, "spi_out", "?"), jstr(c, "encryption", "?"),
	       json_is_true(json_object_get(c, "esn")) ? "/esn" : "",
	       kes_text(c, "none", kes, sizeof(kes)),
	       json_is_true(json_object_get(c, "ppk")) ? ", PPK (CREATE_CHILD_SA)" : "",
	       jint(c, "worker"),
	       json_is_true(json_object_get(c, "per_resource")) ? " (per-resource)" : "");
	printf("    established %s ago, rekey in %s, expires in %s", secs(c, "established", b1, 24),
	       secs(c, "rekey_in", b2, 24), secs(c, "expires_in", b3, 24));
	print_counters(c, "in");
	print_counters(c, "out");
	printf("\n    local  %s\n    remote %s\n", jstr(c, "local_ts", "?"),
	       jstr(c, "remote_ts", "?"));
}

/* ike list: one block per IKE SA, like swanctl --list-sas */
static void print_ike(const json_t *res)
{
	char kes[128];
	const json_t *list = json_object_get(res, "ike_sas"), *sa, *c;
	char b1[24], b2[24];
	size_t i, k;

	if (json_array_size(list) == 0)
		printf("no IKE SAs\n");
	json_array_foreach(list, i, sa) {
		printf("%s: %s, %s_i %s_r%s\n", jstr(sa, "conn", "?"), jstr(sa, "state", "?"),
		       jstr(sa, "spi_i", "?"), jstr(sa, "spi_r", "?"),
		       json_is_true(json_object_get(sa, "initiator")) ? " (we initiated)" : "");
		printf("  %s[%" JSON_INTEGER_FORMAT "] <-> %s[%" JSON_INTEGER_FORMAT "]\n",
		       jstr(sa, "local", "?"), jint(sa, "local_port"), jstr(sa, "remote", "?"),
		       jint(sa, "remote_port"));
		printf("  %s/%s%s%s/%s, established %s ago, rekey in %s, %s%s%s\n",
		       jstr(sa, "encryption", "?"),
		       json_is_string(json_object_get(sa, "integrity")) ? jstr(sa, "integrity", "") : "",
		       json_is_string(json_object_get(sa, "integrity")) ? "/" : "",
		       jstr(sa, "prf", "?"), kes_text(sa, jstr(sa, "key_exchange", "?"), kes, sizeof(kes)),
		       secs(sa, "established", b1, 24), secs(sa, "rekey_in", b2, 24),
		       json_is_true(json_object_get(sa, "ppk")) ? "PPK " : "no PPK",
		       json_is_true(json_object_get(sa, "ppk")) ? jstr(sa, "ppk_id", "?") : "",
		       strcmp(jstr(sa, "ppk_exchange", ""), "IKE_AUTH") != 0 &&
			       json_is_true(json_object_get(sa, "ppk")) ?
			       (strcmp(jstr(sa, "ppk_exchange", ""), "IKE_INTERMEDIATE") == 0 ?
					" (in IKE_INTERMEDIATE)" : " (in CREATE_CHILD_SA)") : "");
		json_array_foreach(json_object_get(sa, "children"), k, c)
			print_child(c);
	}
}

/* ike conns: one block per connection, like swanctl --list-conns */
static void print_conns(const json_t *res)
{
	const json_t *list = json_object_get(res, "conns"), *c, *ch;
	char b1[24], b2[24], b3[24];
	size_t i, k;

	if (json_array_size(list) == 0)
		printf("no connections\n");
	json_array_foreach(list, i, c) {
		printf("%s: %s[%" JSON_INTEGER_FORMAT "] -> %s[%" JSON_INTEGER_FORMAT "], %s,"
		       " %" JSON_INTEGER_FORMAT " IKE SA(s)\n", jstr(c, "name", "?"),
		       jstr(c, "local", "?"), jint(c, "local_port"), jstr(c, "remote", "?"),
		       jint(c, "remote_port"), jstr(c, "auth", "?"), jint(c, "ike_sas"));
		printf("  %s -> %s, rekey %s, dpd %s / %s\n", jstr(c, "local_id", "?"),
		       jstr(c, "remote_id", "?"), secs(c, "rekey_time", b1, 24),
		       secs(c, "dpd_delay", b2, 24), secs(c, "dpd_timeout", b3, 24));
		json_array_foreach(json_object_get(c, "children"), k, ch)
			printf("  child %s: %s === %s, %s, rekey %s, life %s\n", jstr(ch, "name", "?"),
			       jstr(ch, "local_ts", "?"), jstr(ch, "remote_ts", "?"),
			       jstr(ch, "mode", "?"), secs(ch, "rekey_time", b1, 24),
			       secs(ch, "life_time", b2, 24));
	}
}

static void print_reload(const json_t *res)
{
	static const char *const keys[] = { "changes", "failed", "needs_restart" };
	static const char *const heads[] = { "", "FAILED: ", "needs restart: " };
	const json_t *v;
	size_t i, n = 0;

	for (unsigned k = 0; k < 3; k++) {
		json_array_foreach(json_object_get(res, keys[k]), i, v) {
			printf("%s%s\n", heads[k], json_string_value(v));
			n++;
		}
	}
	if (n == 0)
		printf("reloaded: no changes\n");
}

/* ike stats: one "name value" line per counter */
static void print_ike_stats(const json_t *res)
{
	const char *k;
	const json_t *v;

	printf("IKE SAs: %" JSON_INTEGER_FORMAT " (max %" JSON_INTEGER_FORMAT "), half-open %"
	       JSON_INTEGER_FORMAT "\n", jint(res, "ike_sas"), jint(res, "ike_sas_max"),
	       jint(res, "half_open"));
	json_object_foreach((json_t *)json_object_get(res, "ike_stats"), k, v)
		printf("%-20s %" JSON_INTEGER_FORMAT "\n", k, json_integer_value(v));
	printf("IKE datagrams:\n");
	json_object_foreach((json_t *)json_object_get(res, "datagrams"), k, v)
		printf("  %-18s %" JSON_INTEGER_FORMAT "\n", k, json_integer_value(v));
	printf("IP fragments of IKE datagrams:\n");
	json_object_foreach((json_t *)json_object_get(res, "ip_fragments"), k, v)
		printf("  %-18s %" JSON_INTEGER_FORMAT "\n", k, json_integer_value(v));
}

static void print_text(int argc, char **argv, const json_t *res)
{
	const char *a = argv[0], *b = argc > 1 ? argv[1] : "";

	if (strcmp(a, "sa") == 0 && (strcmp(b, "list") == 0 || strcmp(b, "show") == 0))
		print_sas(res);
	else if (strcmp(a, "sa") == 0 && strcmp(b, "add") == 0)
		printf("added SA %s %s (owner %" JSON_INTEGER_FORMAT ")\n", jstr(res, "spi", "?"),
		       jstr(res, "dir", "?"), jint(res, "owner"));
	else if (strcmp(a, "sa") == 0 && strcmp(b, "del") == 0)
		printf("deleted SA %s %s\n", argc > 2 ? argv[2] : "?", argc > 3 ? argv[3] : "?");
	else if (strcmp(a, "policy") == 0)
		print_policies(res);
	else if (strcmp(a, "version") == 0)
		print_version(res);
	else if (strcmp(a, "ike") == 0 && strcmp(b, "list") == 0)
		print_ike(res);
	else if (strcmp(a, "ike") == 0 && strcmp(b, "conns") == 0)
		print_conns(res);
	else if (strcmp(a, "ike") == 0 && strcmp(b, "stats") == 0)
		print_ike_stats(res);
	else if (strcmp(a, "reload") == 0)
		print_reload(res);
	else if (strcmp(a, "port") == 0 || strcmp(b, "ports") == 0)
		print_ports(res);
	else if (strcmp(a, "worker") == 0 || strcmp(b, "workers") == 0)
		print_workers(res);
	else
		printf("ok\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("ESPRIT_SOCKET");
	bool as_json = false;
	char *req;
	json_t *res;
	int opt, rc;

	if (path == NULL || path[0] == '\0')
		path = DEFAULT_SOCKET;
	/* '+': stop at the command, so "sa add -f FILE" keeps its -f. */
	while ((opt = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			path = optarg;
			break;
		case 'j':
			as_json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return 2;
	}

	req = build_request(argc, argv);
	res = transact(path, req);
	explicit_bzero(req, strlen(req)); /* sa add: the key */
	free(req);

	rc = json_is_true(json_object_get(res, "ok")) ? 0 : 1;
	if (as_json) {
		json_dumpf(res, stdout, JSON_INDENT(2));
		putchar('\n');
	} else if (rc == 0) {
		print_text(argc, argv, res);
	}
	if (rc != 0)
		fprintf(stderr, "espritctl: %s\n", jstr(res, "error", "request failed"));
	json_decref(res);
	return rc;
}
