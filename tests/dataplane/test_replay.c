/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_replay.c - the anti-replay window and ESN inference as tables of
 * (sequence number on the wire, inferred 64-bit number, expected result),
 * in the style of WireGuard's counter_validate tests. Each line is checked
 * and, when it passes and the line says so, marked seen (a line that does
 * not update stands for a packet whose ICV failed: RFC 4303 §3.4.3).
 */
#include <stdio.h>
#include <stdlib.h>

#include <check.h>

#include "dataplane/drop.h"
#include "dataplane/replay.h"
#include "tests/check_run.h"

enum { OK = 0, RPL = ESP_DROP_REPLAY, OLD = ESP_DROP_TOO_OLD };
enum { UPD = 1, NOUPD = 0 };

struct line {
	uint32_t wire;
	uint64_t seq;   /* expected inference */
	int result;
	int update;
};

static void run(const char *name, uint32_t size, uint64_t top, bool esn,
		const struct line *t, size_t n)
{
	struct replay_window *w = malloc(replay_window_bytes(size));
	ck_assert_ptr_nonnull(w);
	replay_window_init(w, size, top);
	for (size_t i = 0; i < n; i++) {
		uint64_t seq = replay_seq_infer(w, t[i].wire, esn);
		int reason = OK;
		int r = replay_check(w, seq, &reason);
		ck_assert_msg(seq == t[i].seq, "%s line %zu: wire %#x inferred %#llx, want %#llx",
			      name, i + 1, t[i].wire, (unsigned long long)seq,
			      (unsigned long long)t[i].seq);
		ck_assert_msg((r == 0 ? OK : reason) == t[i].result,
			      "%s line %zu: seq %#llx gave %d, want %d", name, i + 1,
			      (unsigned long long)seq, r == 0 ? OK : reason, t[i].result);
		if (r == 0 && t[i].update)
			replay_update(w, seq);
	}
	free(w);
}

#define RUN(name, size, top, esn, t) run(name, size, top, esn, t, sizeof(t) / sizeof(t[0]))

START_TEST(window_64)
{
	static const struct line t[] = {
		{ 0, 0, OLD, UPD },          /* RFC 4303 §3.3.3: 0 is never sent */
		{ 1, 1, OK, UPD },
		{ 1, 1, RPL, UPD },
		{ 2, 2, OK, UPD },
		{ 64, 64, OK, UPD },         /* window now 1..64 */
		{ 1, 1, RPL, UPD },          /* left edge, seen */
		{ 3, 3, OK, UPD },           /* left part, unseen */
		{ 3, 3, RPL, UPD },
		{ 65, 65, OK, UPD },         /* window 2..65 */
		{ 1, 1, OLD, UPD },          /* just left of the window */
		{ 2, 2, RPL, UPD },          /* left edge */
		{ 4, 4, OK, UPD },
		{ 63, 63, OK, UPD },
		{ 128, 128, OK, UPD },       /* new block, window 65..128 */
		{ 64, 64, OLD, UPD },
		{ 65, 65, RPL, UPD },
		{ 66, 66, OK, UPD },
		{ 127, 127, OK, UPD },
		{ 129, 129, OK, UPD },
		{ 200, 200, OK, UPD },       /* window 137..200 */
		{ 136, 136, OLD, UPD },
		{ 137, 137, OK, UPD },
		{ 192, 192, OK, UPD },
		{ 1000000, 1000000, OK, UPD },  /* jump far: whole ring cleared */
		{ 999936, 999936, OLD, UPD },
		{ 999937, 999937, OK, UPD },
		{ 999999, 999999, OK, UPD },
		{ 1000000, 1000000, RPL, UPD },
		{ 1000001, 1000001, OK, NOUPD },  /* ICV failed: not marked */
		{ 1000001, 1000001, OK, UPD },    /* so it is still new */
		{ 1000001, 1000001, RPL, UPD },
		{ 999938, 999938, OK, NOUPD },    /* ICV failed inside the window */
		{ 999938, 999938, OK, UPD },
		{ 999938, 999938, RPL, UPD },
		{ UINT32_MAX, UINT32_MAX, OK, UPD },  /* 32-bit top */
		{ UINT32_MAX - 63, UINT32_MAX - 63, OK, UPD },
		{ UINT32_MAX - 64, UINT32_MAX - 64, OLD, UPD },
		{ 0, 0, OLD, UPD },
	};
	RUN("w64", 64, 0, false, t);
}
END_TEST

START_TEST(window_4096)
{
	static const struct line t[] = {
		{ 5000, 5000, OK, UPD },      /* window 905..5000 */
		{ 905, 905, OK, UPD },        /* left edge */
		{ 904, 904, OLD, UPD },
		{ 905, 905, RPL, UPD },
		{ 4999, 4999, OK, UPD },
		{ 5000, 5000, RPL, UPD },
		{ 9095, 9095, OK, UPD },      /* slide so 5000 is the left edge */
		{ 4999, 4999, OLD, UPD },
		{ 5000, 5000, RPL, UPD },
		{ 5001, 5001, OK, UPD },
		{ 9096, 9096, OK, UPD },      /* 5000 leaves */
		{ 5000, 5000, OLD, UPD },
		{ 5001, 5001, RPL, UPD },     /* still remembered at the edge */
		{ 6000, 6000, OK, UPD },
		{ 100000, 100000, OK, UPD },
		{ 95905, 95905, OK, UPD },
		{ 95904, 95904, OLD, UPD },
		{ 99999, 99999, OK, UPD },
		{ 99999, 99999, RPL, UPD },
	};
	RUN("w4096", 4096, 0, false, t);
}
END_TEST

START_TEST(window_sizes)
{
	/* 64..4096 packets: blocks rounded to a power of two with a spare. */
	ck_assert_uint_eq(replay_window_bytes(64), sizeof(struct replay_window) + 2 * 8);
	ck_assert_uint_eq(replay_window_bytes(100), sizeof(struct replay_window) + 4 * 8);
	ck_assert_uint_eq(replay_window_bytes(4096), sizeof(struct replay_window) + 128 * 8);
	/* odd size 100: edges still exact */
	static const struct line t[] = {
		{ 300, 300, OK, UPD },
		{ 201, 201, OK, UPD },
		{ 200, 200, OLD, UPD },
		{ 201, 201, RPL, UPD },
		{ 365, 365, OK, UPD },
		{ 265, 265, OLD, UPD },
		{ 266, 266, OK, UPD },
		{ 300, 300, RPL, UPD },
	};
	RUN("w100", 100, 0, false, t);
	/* size 0: anti-replay off, only 0 is refused */
	static const struct line off[] = {
		{ 5, 5, OK, UPD }, { 5, 5, OK, UPD }, { 1, 1, OK, UPD }, { 0, 0, OLD, UPD },
	};
	RUN("off", 0, 0, false, off);
}
END_TEST

START_TEST(esn_wrap)
{
	static const struct line t[] = {
		{ 0xfffffff1, 0xfffffff1, OK, UPD },
		{ 0xffffffff, 0xffffffff, OK, UPD },
		{ 0x00000000, UINT64_C(1) << 32, OK, UPD },   /* low half wraps: case A */
		{ 0x00000005, (UINT64_C(1) << 32) + 5, OK, UPD },
		/* case B (Tl < W - 1): the top of the old subspace */
		{ 0xfffffffe, 0xfffffffe, OK, UPD },
		{ 0xffffffff, 0xffffffff, RPL, UPD },
		{ 0xffffffc6, 0xffffffc6, OK, UPD },          /* left edge */
		{ 0xffffffc5, (UINT64_C(2) << 32) - 59, OK, NOUPD }, /* taken as next subspace; ICV fails */
		{ 0x00000000, UINT64_C(1) << 32, RPL, UPD },
		{ 0x00000003, (UINT64_C(1) << 32) + 3, OK, UPD },
		{ 0x00000040, (UINT64_C(1) << 32) + 64, OK, UPD }, /* case A again */
		/* case A, Tl = 64: wire 0 is below the window, so it is read as
		 * the next subspace (RFC 4303 A2.2); only the ICV can refuse it */
		{ 0x00000000, UINT64_C(2) << 32, OK, NOUPD },
		{ 0x00000001, (UINT64_C(1) << 32) + 1, OK, UPD },  /* left edge */
		{ 0xffffffff, (UINT64_C(2) << 32) - 1, OK, NOUPD },   /* far ahead, next subspace */
	};
	RUN("esn", 64, 0xfffffff0, true, t);

	/* Fresh SA with ESN: no subspace below 0; wire 0 is 64-bit 0. */
	static const struct line fresh[] = {
		{ 0, 0, OLD, UPD },
		{ 0xfffffff0, 0xfffffff0, OK, NOUPD },
		{ 1, 1, OK, UPD },
		{ 2, 2, OK, UPD },
	};
	RUN("esn-fresh", 64, 0, true, fresh);

	/* 4096 window across the wrap */
	static const struct line big[] = {
		{ 0x00000010, (UINT64_C(8) << 32) + 0x10, OK, UPD },
		{ 0xfffff011, (UINT64_C(7) << 32) + 0xfffff011, OK, UPD },  /* left edge */
		{ 0xfffff010, (UINT64_C(8) << 32) + 0xfffff010, OK, NOUPD },
		{ 0xfffff011, (UINT64_C(7) << 32) + 0xfffff011, RPL, UPD },
	};
	RUN("esn-4096", 4096, (UINT64_C(7) << 32) + 0xffffff00, true, big);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("tables");
	tcase_add_test(tc, window_64);
	tcase_add_test(tc, window_4096);
	tcase_add_test(tc, window_sizes);
	tcase_add_test(tc, esn_wrap);
	suite_add_tcase(s, tc);
	return check_run(s);
}
