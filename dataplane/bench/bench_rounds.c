/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The measurement of one case: interleaved rounds. Each round runs, on
 * the same lcore(s) and one after the other, the harness's I/O loop, the
 * crypto loop and esprit's worker loop for a short window each, and
 * computes the round's fraction of the limit from the three. The case's
 * figures are medians over the rounds.
 *
 * Why: this machine's cores change speed on a ~50 ms time scale because
 * of the host (a GCM call on 52 octets takes 98 or ~148 TSC ticks at
 * random from one 50 ms sample to the next). Measured seconds apart, the
 * three parts of the fraction saw different machines; measured within
 * ~50 ms of each other, they mostly see the same one, and the median over
 * many rounds drops the rounds that straddled a change.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_pause.h>

#include "dataplane/bench/bench.h"
#include "dataplane/bench/bench_run.h"
#include "dataplane/worker.h"

/*
 * One round: I/O 4 ms, crypto 4 ms, esprit 10 ms, each after a 1 ms
 * warm-up that is not counted (caches, branch predictors and the pcap
 * port's state after the switch). These are milliseconds of the measured
 * thread's CPU time, not of the wall clock: on a shared core the thread
 * may get a third of it, and a wall-clock window would then rest on a
 * millisecond or two. A round is ~25 ms on a free core, ~70 ms when the
 * thread gets a third of it. --time S gives S seconds of esprit, S / 10 ms
 * rounds; a round 0 with long warm-ups comes first and is not counted.
 */
enum {
	ROUND_IO_US = BENCH_ROUND_IO_US,
	ROUND_CRYPTO_US = BENCH_ROUND_CRYPTO_US,
	ROUND_ESPRIT_US = BENCH_ROUND_ESPRIT_US,
	ROUND_FLOOR_US = BENCH_ROUND_FLOOR_US,
	ROUND_WARM_US = BENCH_ROUND_WARM_US,
	ROUND_FIRST_WARM_US = 20000,
	ROUNDS_MIN = 10,
	ROUNDS_QUIET_MIN = 5,    /* fewer quiet rounds than this: use all */
	/* how often the main thread looks at the threads' CPU clocks */
	ROUND_POLL_US = 500,
	/* a phase gives up after this many times its CPU time in wall time,
	 * and counts only if each thread got half of its CPU time by then */
	ROUND_WALL_CAP = 25,
	/* no new round once a case has taken this many times the wall time
	 * of its rounds on a free core (a core shared with other busy
	 * threads), if ROUNDS_MIN were measured: a loaded machine gives
	 * fewer rounds, not a run several times as long */
	CASE_WALL_CAP = 2,
};

enum phase_kind { PHASE_IO, PHASE_CRYPTO, PHASE_ESPRIT, PHASE_FLOOR };

/* ---- one phase: a loop on every lcore, measured over a window ---------- */

struct launch {
	lcore_function_t *fn;
	void *arg;
	clockid_t cid;
	volatile int ready;
};

static int launch_tramp(void *arg)
{
	struct launch *l = arg;

	if (pthread_getcpuclockid(pthread_self(), &l->cid) != 0)
		l->cid = CLOCK_MONOTONIC;
	__atomic_store_n(&l->ready, 1, __ATOMIC_RELEASE);
	return l->fn(l->arg);
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_us(unsigned us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Sleep until every thread of @p la has run @p cpu_us of CPU time since
 * @p since (its CPU clock), or @p cap_us of wall time went by. Fills
 * @p now with the threads' CPU clocks at the end; true if they all got
 * there.
 */
static bool wait_cpu(const struct launch *la, unsigned n, const uint64_t *since, unsigned cpu_us,
		     unsigned cap_us, uint64_t *now)
{
	uint64_t w0 = clock_ns(CLOCK_MONOTONIC);

	for (;;) {
		bool all = true;

		for (unsigned i = 0; i < n; i++) {
			now[i] = clock_ns(la[i].cid);
			if (now[i] - since[i] < (uint64_t)cpu_us * 1000)
				all = false;
		}
		if (all)
			return true;
		if (clock_ns(CLOCK_MONOTONIC) - w0 >= (uint64_t)cap_us * 1000)
			return false;
		sleep_us(ROUND_POLL_US);
	}
}

int bench_io_main(void *arg)
{
	struct bench_ioloop *io = arg;
	struct rte_mbuf *b[WORKER_BURST];
	uint64_t pkts = io->pkts;

	while (!io->stop) {
		uint16_t n = rte_eth_rx_burst(io->rx_port, 0, b, WORKER_BURST);

		if (n != 0)
			bench_send(io->tx_port, io->txq, b, n, &pkts, &io->pkts);
	}
	return 0;
}

/*
 * Run @p kind on every lcore of @p lp: launch, warm up for @p warm_us of
 * CPU time, count over @p cpu_us of CPU time, stop. rate[i] is lcore i's
 * count per second of its CPU time in the window. False when a thread
 * did not get half of @p cpu_us within ROUND_WALL_CAP times it.
 */
static bool phase_run(struct bench_loops *lp, enum phase_kind kind, unsigned warm_us,
		      unsigned cpu_us, double rate[BENCH_WORKERS_MAX])
{
	struct launch la[BENCH_WORKERS_MAX];
	volatile bool *stop[BENCH_WORKERS_MAX];
	uint64_t *count[BENCH_WORKERS_MAX];
	uint64_t c0[BENCH_WORKERS_MAX], t0[BENCH_WORKERS_MAX], t1[BENCH_WORKERS_MAX];
	uint64_t w0, w1, wl = clock_ns(CLOCK_MONOTONIC);
	bool valid = true;

	for (unsigned i = 0; i < lp->n; i++) {
		switch (kind) {
		case PHASE_IO:
			la[i].fn = bench_io_main;
			la[i].arg = &lp->io[i];
			stop[i] = &lp->io[i].stop;
			count[i] = &lp->io[i].pkts;
			break;
		case PHASE_CRYPTO:
			la[i].fn = bench_crypto_loop;
			la[i].arg = &lp->cr[i];
			stop[i] = &lp->cr[i].stop;
			count[i] = &lp->cr[i].ops;
			break;
		case PHASE_FLOOR:
			la[i].fn = bench_floor_main;
			la[i].arg = &lp->floor;
			stop[i] = &lp->floor.stop;
			count[i] = &lp->floor.pkts;
			break;
		case PHASE_ESPRIT:
		default:
			la[i].fn = worker_main;
			la[i].arg = lp->w[i];
			stop[i] = &lp->w[i]->stop;
			count[i] = &lp->w[i]->stats.tx;
			break;
		}
		*stop[i] = false;
		la[i].ready = 0;
		rte_eal_remote_launch(launch_tramp, &la[i], lp->lcores[i]);
	}
	for (unsigned i = 0; i < lp->n; i++) {
		while (!__atomic_load_n(&la[i].ready, __ATOMIC_ACQUIRE))
			rte_pause();
		t0[i] = clock_ns(la[i].cid);
	}
	(void)wait_cpu(la, lp->n, t0, warm_us, warm_us * ROUND_WALL_CAP, t1);
	w0 = clock_ns(CLOCK_MONOTONIC);
	for (unsigned i = 0; i < lp->n; i++) {
		c0[i] = __atomic_load_n(count[i], __ATOMIC_RELAXED);
		t0[i] = clock_ns(la[i].cid);
	}
	(void)wait_cpu(la, lp->n, t0, cpu_us, cpu_us * ROUND_WALL_CAP, t1);
	w1 = clock_ns(CLOCK_MONOTONIC);
	for (unsigned i = 0; i < lp->n; i++) {
		uint64_t c1 = __atomic_load_n(count[i], __ATOMIC_RELAXED);

		t1[i] = clock_ns(la[i].cid);
		rate[i] = t1[i] > t0[i] ? (double)(c1 - c0[i]) * 1e9 / (double)(t1[i] - t0[i]) : 0;
		if ((t1[i] - t0[i]) * 2 < (uint64_t)cpu_us * 1000 || c1 == c0[i])
			valid = false;
		if (lp->debug)
			fprintf(stderr, " %c%u %.2f(%.1f of %.1fms)", "icef"[kind], i, rate[i] / 1e6,
				(double)(t1[i] - t0[i]) / 1e6, (double)(w1 - w0) / 1e6);
	}
	for (unsigned i = 0; i < lp->n; i++)
		*stop[i] = true;
	for (unsigned i = 0; i < lp->n; i++)
		rte_eal_wait_lcore(lp->lcores[i]);
	if (lp->debug)
		fprintf(stderr, "[launch->window %.1fms, window->stopped %.1fms]",
			(double)(w0 - wl) / 1e6, (double)(clock_ns(CLOCK_MONOTONIC) - w1) / 1e6);
	return valid;
}

/* ---- the rounds and their statistics ----------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Quantile @p q (0..1) of @p v[0..n-1], linear between order statistics;
 * sorts @p v. */
static double quantile(double *v, unsigned n, double q)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);

	double pos = q * (n - 1);
	unsigned lo = (unsigned)pos;

	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - lo) * (v[lo + 1] - v[lo]);
}

static double max_of(const double *v, unsigned n)
{
	double m = 0;

	for (unsigned i = 0; i < n; i++)
		m = RTE_MAX(m, v[i]);
	return m;
}

/* A quiet round's crypto costs at most this much over the undisturbed
 * cost (a mean over a round is a few percent above a best-of-trials). */
static const double QUIET_SLACK = 1.2;

/* Per-round figures, one array each. */
struct round_set {
	double *es, *io, *cr, *frac, *lim, *fl, *pace;
	unsigned n;
};

static int round_set_alloc(struct round_set *s, unsigned rounds)
{
	double *m = calloc((size_t)rounds * 7, sizeof(double));

	if (m == NULL)
		return -ENOMEM;
	s->es = m;
	s->io = m + rounds;
	s->cr = m + 2 * rounds;
	s->frac = m + 3 * rounds;
	s->lim = m + 4 * rounds;
	s->fl = m + 5 * rounds;
	s->pace = m + 6 * rounds;
	s->n = 0;
	return 0;
}

/* One round's rates: esprit, I/O and the floor in packets a second,
 * crypto in cycles an operation. */
struct round_rates {
	double es, io, cr, fl, pace;
};

/* One round: the loops, in the order given (the floor only with_floor),
 * each over its window. */
static bool round_run(struct bench_loops *lp, const enum phase_kind *order, unsigned warm_us,
		      struct round_rates *rr)
{
	double rate[BENCH_WORKERS_MAX], hz = (double)rte_get_tsc_hz();
	bool valid = true;

	*rr = (struct round_rates){ 0 };
	for (unsigned k = 0; k < 4; k++) {
		enum phase_kind kind = order[k];

		if ((lp->esprit_only && kind != PHASE_ESPRIT) ||
		    (kind == PHASE_FLOOR && !lp->with_floor))
			continue;
		unsigned win = kind == PHASE_IO ? ROUND_IO_US :
			       kind == PHASE_CRYPTO ? ROUND_CRYPTO_US :
			       kind == PHASE_FLOOR ? ROUND_FLOOR_US : ROUND_ESPRIT_US;

		valid &= phase_run(lp, kind, warm_us, win, rate);
		for (unsigned i = 0; i < lp->n; i++) {
			if (kind == PHASE_IO)
				rr->io += rate[i];
			else if (kind == PHASE_ESPRIT)
				rr->es += rate[i];
			else if (kind == PHASE_FLOOR)
				rr->fl += rate[i];
			else if (rate[i] > 0)
				rr->cr += hz / rate[i] / lp->n;   /* mean cycles per op */
			if (kind == PHASE_CRYPTO)
				rr->pace += lp->cr[i].pace / lp->n;
		}
	}
	return valid;
}

int bench_rounds(struct bench_loops *lp, double secs, struct bench_result *r)
{
	/* Alternate the order so a drift within rounds cancels: crypto in
	 * the middle, I/O and esprit on either side of it, the floor (when
	 * measured) beside esprit. */
	static const enum phase_kind order[2][4] = {
		{ PHASE_IO, PHASE_CRYPTO, PHASE_ESPRIT, PHASE_FLOOR },
		{ PHASE_FLOOR, PHASE_ESPRIT, PHASE_CRYPTO, PHASE_IO },
	};
	unsigned rounds = (unsigned)(secs * 1e6 / ROUND_ESPRIT_US + 0.5);
	double hz = (double)rte_get_tsc_hz(), nw = lp->n;
	struct round_set all, ok;
	int rc;

	r->rounds_slow = 0;
	r->host_slow = false;

	rounds = RTE_MAX(rounds, (unsigned)ROUNDS_MIN);
	r->rounds_planned = rounds;
	rc = round_set_alloc(&all, rounds);
	if (rc == 0 && (rc = round_set_alloc(&ok, rounds)) != 0)
		free(all.es);
	if (rc != 0)
		return rc;
	(void)round_run(lp, order[0], ROUND_FIRST_WARM_US, &(struct round_rates){ 0 });
	uint64_t start = clock_ns(CLOCK_MONOTONIC);
	uint64_t free_ns = (uint64_t)rounds * (ROUND_IO_US + ROUND_CRYPTO_US + ROUND_ESPRIT_US +
					       (lp->with_floor ? ROUND_FLOOR_US + ROUND_WARM_US : 0) +
					       3 * ROUND_WARM_US) * 1000;

	for (unsigned k = 0; k < rounds; k++) {
		struct round_rates rr;

		if (k >= ROUNDS_MIN && clock_ns(CLOCK_MONOTONIC) - start > free_ns * CASE_WALL_CAP) {
			rounds = k;
			break;
		}
		bool valid = round_run(lp, order[k & 1], ROUND_WARM_US, &rr);

		if (lp->debug)
			fprintf(stderr, " -> %s\n", valid ? "ok" : "left out");
		struct round_set *sets[2] = { &all, &ok };

		for (unsigned s = 0; s < (valid ? 2u : 1u); s++) {
			struct round_set *t = sets[s];
			double lim = rr.io > 0 ? nw / (nw / rr.io + rr.cr / hz) : 0;

			t->es[t->n] = rr.es;
			t->io[t->n] = rr.io;
			t->cr[t->n] = rr.cr;
			t->lim[t->n] = lim;
			t->frac[t->n] = lim > 0 ? rr.es / lim : 0;
			t->fl[t->n] = lim > 0 ? rr.fl / lim : 0;   /* the floor's fraction */
			t->pace[t->n] = rr.pace;
			t->n++;
		}
	}
	/* Rounds where a thread hardly ran are left out, unless all were. */
	struct round_set *u = ok.n > 0 ? &ok : &all;
	struct round_set quiet = { 0 };

	/* Then the rounds the host slowed down: the slow state does not
	 * slow the loops alike (at 64 octets crypto x1.66, esprit x1.44,
	 * I/O x1.26, so such a round reads high; at 1420 the fourth machine's
	 * read low), so a slow round's fraction is not the code's. A round is quiet
	 * when its crypto cost is within QUIET_SLACK of the cheapest crypto
	 * of the case; the figures are medians over those, unless too few
	 * were quiet (then the case is flagged). */
	if (round_set_alloc(&quiet, rounds) == 0) {
		/* the reference: the cheapest crypto the case saw, the
		 * fastest-of-trials cost measured before the rounds or a
		 * round's mean */
		double cr_ref = r->crypto_cycles_best;

		for (unsigned i = 0; i < u->n; i++)
			if (u->cr[i] > 0 && (cr_ref <= 0 || u->cr[i] < cr_ref))
				cr_ref = u->cr[i];
		for (unsigned i = 0; i < u->n; i++) {
			if (u->cr[i] > cr_ref * QUIET_SLACK)
				continue;
			quiet.es[quiet.n] = u->es[i];
			quiet.io[quiet.n] = u->io[i];
			quiet.cr[quiet.n] = u->cr[i];
			quiet.lim[quiet.n] = u->lim[i];
			quiet.frac[quiet.n] = u->frac[i];
			quiet.fl[quiet.n] = u->fl[i];
			quiet.pace[quiet.n] = u->pace[i];
			quiet.n++;
		}
		r->rounds_slow = u->n - quiet.n;
		if (quiet.n >= RTE_MAX((unsigned)ROUNDS_QUIET_MIN, u->n / 4)) {
			u = &quiet;
		} else {
			r->rounds_slow = 0;   /* too few quiet: all of them count */
			r->host_slow = cr_ref > 0;
		}
	}

	r->rounds = rounds;
	r->rounds_used = u->n;
	r->round_fraction = malloc(u->n * sizeof(double));
	if (r->round_fraction != NULL)
		memcpy(r->round_fraction, u->frac, u->n * sizeof(double));
	r->mpps_best = max_of(u->es, u->n) / 1e6;
	r->io_mpps_best = max_of(u->io, u->n) / 1e6;
	r->fraction_best = max_of(u->frac, u->n);
	r->mpps = quantile(u->es, u->n, 0.5) / 1e6;
	r->io_mpps = quantile(u->io, u->n, 0.5) / 1e6;
	r->crypto_cycles = quantile(u->cr, u->n, 0.5);
	r->pace_cycles = quantile(u->pace, u->n, 0.5);
	r->limit_mpps = quantile(u->lim, u->n, 0.5) / 1e6;
	r->fraction = quantile(u->frac, u->n, 0.5);
	r->fraction_q1 = quantile(u->frac, u->n, 0.25);
	r->fraction_q3 = quantile(u->frac, u->n, 0.75);
	if (lp->with_floor) {
		r->floor_fraction = quantile(u->fl, u->n, 0.5);
		r->floor_mpps = r->floor_fraction * r->limit_mpps;
	}
	if (r->mpps > 0)
		r->cycles_pkt = hz * nw / (r->mpps * 1e6);
	r->gbps = r->mpps * 1e6 * r->avg_frame * 8 / 1e9;
	free(all.es);
	free(ok.es);
	free(quiet.es);
	return 0;
}
