/*
 * check_supervisor.c -- unit tests of the supervisor's policies and of
 * the shared-memory scoreboard.
 *
 * The policies are pure functions (pool sizing per tick, crash back-off,
 * max_requests stagger, recycle cap), tested on their own.  The
 * scoreboard is tested for real: a region shared with forked children
 * that write their slots while the parent reads them, as a prefork
 * worker and the master do.  So is the arena that holds the supervisor's
 * table: a forked child must not have it at all.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"
#include "check_common.h"

/* ------------------------------------------------------------ pool delta */

START_TEST(pool_starts_missing_workers)
{
	int rate = 8;

	/* Below `workers': start what is missing, at once, rate reset. */
	ck_assert_int_eq(pool_delta(0, 0, 4, 1, 8, 64, &rate), 4);
	ck_assert_int_eq(rate, 1);
	ck_assert_int_eq(pool_delta(3, 3, 4, 1, 8, 64, &rate), 1);
}
END_TEST

START_TEST(pool_spawn_rate_doubles_to_cap)
{
	static const int want[] = {1, 2, 4, 8, 16, 32, 32, 32};
	int rate = 1, live = 4, n;
	size_t i;

	/* Every tick with no idle worker spawns twice as many as before. */
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		n = pool_delta(live, 0, 4, 1, 8, 1000, &rate);
		ck_assert_int_eq(n, want[i]);
		live += n;
	}
	ck_assert_int_eq(rate, POOL_SPAWN_RATE_MAX);
	/* Satisfied: nothing to do, and the rate falls back to 1. */
	ck_assert_int_eq(pool_delta(live, 2, 4, 1, 8, 1000, &rate), 0);
	ck_assert_int_eq(rate, 1);
	ck_assert_int_eq(pool_delta(live, 0, 4, 1, 8, 1000, &rate), 1);
}
END_TEST

START_TEST(pool_never_above_max_workers)
{
	int rate = 16;

	ck_assert_int_eq(pool_delta(10, 0, 4, 1, 8, 12, &rate), 2);
	rate = 4;
	ck_assert_int_eq(pool_delta(12, 0, 4, 1, 8, 12, &rate), 0);
	ck_assert_int_eq(pool_delta(13, 0, 4, 1, 8, 12, &rate), 0);
	/* max_workers below workers: workers wins. */
	rate = 1;
	ck_assert_int_eq(pool_delta(2, 0, 4, 1, 8, 2, &rate), 2);
}
END_TEST

START_TEST(pool_shrinks_one_idle_never_below_workers)
{
	int rate = 1;

	ck_assert_int_eq(pool_delta(20, 12, 4, 1, 8, 64, &rate), -1);
	ck_assert_int_eq(pool_delta(20, 9, 4, 1, 8, 64, &rate), -1);
	/* At max_spare exactly: keep. */
	ck_assert_int_eq(pool_delta(20, 8, 4, 1, 8, 64, &rate), 0);
	/* Too many idle but only `workers' live: keep them all. */
	ck_assert_int_eq(pool_delta(4, 4, 4, 0, 2, 64, &rate), 0);
	ck_assert_int_eq(pool_delta(5, 5, 4, 0, 2, 64, &rate), -1);
}
END_TEST

/* A simulated pool converges to [min_spare, max_spare] and stays. */
START_TEST(pool_converges)
{
	int rate = 1, live = 4, busy, idle, d, tick;

	for (busy = 0; busy <= 40; busy += 20) {
		for (tick = 0; tick < 100; tick++) {
			idle = live - busy < 0 ? 0 : live - busy;
			d = pool_delta(live, idle, 4, 2, 6, 64, &rate);
			live += d;
			ck_assert_int_ge(live, 4);
			ck_assert_int_le(live, 64);
		}
		idle = live - busy;
		ck_assert_int_ge(idle, 2);
		ck_assert_int_le(idle, 6);
	}
}
END_TEST

/* -------------------------------------------------------------- back-off */

START_TEST(backoff_doubles_to_cap_and_resets)
{
	double d = 0, prev = 0;
	int i;

	d = pool_backoff_next(d, 0.5);
	ck_assert(fabs(d - POOL_BACKOFF_MIN) < 1e-9);
	for (i = 0; i < 20; i++) {
		prev = d;
		d = pool_backoff_next(d, 0.5);
		ck_assert(d >= prev);
		ck_assert(d <= POOL_BACKOFF_MAX);
		if (prev < POOL_BACKOFF_MAX / 2)
			ck_assert(fabs(d - 2 * prev) < 1e-9);
	}
	ck_assert(fabs(d - POOL_BACKOFF_MAX) < 1e-9);
	/* A worker that lived long enough: no delay, and a fresh start. */
	d = pool_backoff_next(d, POOL_STABLE_SECS);
	ck_assert(d == 0);
	d = pool_backoff_next(d, 1);
	ck_assert(fabs(d - POOL_BACKOFF_MIN) < 1e-9);
}
END_TEST

START_TEST(backoff_bounds_the_spawn_rate)
{
	double d = 0, t = 0;
	int spawns = 0;

	/* A worker dying at once, for 60 s: a handful of forks, not a spin. */
	while (t < 60) {
		d = pool_backoff_next(d, 0);
		t += d;
		spawns++;
	}
	ck_assert_int_le(spawns, 16);
}
END_TEST

/* ------------------------------------------------------ request limits */

START_TEST(limit_unlimited_stays_unlimited)
{
	ck_assert_int_eq(pool_request_limit(0, 3, 8), 0);
	ck_assert_int_eq(pool_request_limit(-1, 3, 8), 0);
	ck_assert_int_eq(pool_request_limit(100, 5, 1), 100);
}
END_TEST

START_TEST(limit_stagger_spreads_the_pool)
{
	int i, j, n = 8, lim[8];

	for (i = 0; i < n; i++) {
		lim[i] = pool_request_limit(1000, i, n);
		ck_assert_int_ge(lim[i], 1000);
		ck_assert_int_lt(lim[i], 1500);
		for (j = 0; j < i; j++)
			ck_assert_int_ne(lim[i], lim[j]);
	}
	/* Spread over at least a third of max_requests. */
	ck_assert_int_ge(lim[n - 1] - lim[0], 1000 / 3);
	/* Index wraps: slot n behaves as slot 0. */
	ck_assert_int_eq(pool_request_limit(1000, n, n), lim[0]);
	/* Tiny limits stay sane. */
	ck_assert_int_eq(pool_request_limit(1, 3, 4), 1);
}
END_TEST

START_TEST(recycle_cap_is_a_fraction)
{
	ck_assert_int_eq(pool_recycle_cap(1), 1);
	ck_assert_int_eq(pool_recycle_cap(4), 1);
	ck_assert_int_eq(pool_recycle_cap(8), 2);
	ck_assert_int_eq(pool_recycle_cap(64), 16);
	ck_assert_int_eq(pool_recycle_cap(0), 1);
}
END_TEST

/* ---------------------------------------------------------- scoreboard */

static struct sockaddr_in
sin_of(const char *ip)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(4000);
	ck_assert_int_eq(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
	return sin;
}

START_TEST(scoreboard_slots_per_pool)
{
	int sizes[2] = {3, 1}, caps[2] = {1, 1};
	struct scoreboard *sb;
	int a, b, c, used, idle;

	sb = scoreboard_new(sizes, caps, 2);
	ck_assert_ptr_nonnull(sb);
	a = scoreboard_alloc(sb, 0, 0);
	b = scoreboard_alloc(sb, 0, 0);
	c = scoreboard_alloc(sb, 0, 0);
	ck_assert_int_ge(a, 0);
	ck_assert(a != b && b != c && a != c);
	ck_assert_int_eq(scoreboard_alloc(sb, 0, 0), -1); /* full */
	ck_assert_int_ge(scoreboard_alloc(sb, 1, 0), 0);  /* other pool */
	scoreboard_count(sb, 0, &used, &idle);
	ck_assert_int_eq(used, 3);
	ck_assert_int_eq(idle, 3); /* starting counts as idle */
	scoreboard_stop(sb, b);
	scoreboard_count(sb, 0, &used, &idle);
	ck_assert_int_eq(used, 2);
	ck_assert_int_eq(scoreboard_release(sb, b), SB_STARTING);
	ck_assert_int_eq(scoreboard_alloc(sb, 0, 0), b); /* reused */
	/* Datagram workers: counted while they stay, never a fresh slot's. */
	ck_assert_int_eq(scoreboard_dgram_count(sb, 0), 0);
	scoreboard_set_dgram(sb, a);
	scoreboard_set_dgram(sb, b);
	ck_assert_int_eq(scoreboard_dgram_count(sb, 0), 2);
	ck_assert_int_eq(scoreboard_dgram_count(sb, 1), 0);
	scoreboard_stop(sb, b); /* retired: replace it */
	ck_assert_int_eq(scoreboard_dgram_count(sb, 0), 1);
	(void)scoreboard_release(sb, b);
	ck_assert_int_eq(scoreboard_alloc(sb, 0, 0), b);
	ck_assert_int_eq(scoreboard_dgram_count(sb, 0), 1);
	scoreboard_free(sb);
}
END_TEST

/*
 * Fork a child that attaches to slot, goes busy with client ip and
 * reports what scoreboard_busy() returned in rep[0]; it then waits for a
 * byte on rep[1] (the parent's end) before going idle and exiting.
 */
static pid_t
busy_child(struct scoreboard *sb, int slot, const char *ip, int rep[2])
{
	struct sockaddr_in sin = sin_of(ip);
	int p[2], q[2];
	pid_t pid;
	char ch;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(pipe(q), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		close(p[0]);
		close(q[1]);
		scoreboard_attach(sb, slot);
		scoreboard_idle();
		ch = (char)scoreboard_busy((struct sockaddr *)&sin, true);
		(void)!write(p[1], &ch, 1);
		(void)!read(q[0], &ch, 1);
		scoreboard_idle();
		_exit(0);
	}
	close(p[1]);
	close(q[0]);
	ck_assert_int_eq(cc_wait_readable(p[0], 5000), 1);
	ck_assert_int_eq(read(p[0], &ch, 1), 1);
	close(p[0]);
	rep[0] = ch;
	rep[1] = q[1];
	return pid;
}

START_TEST(scoreboard_counts_busy_per_source)
{
	int sizes[1] = {4}, caps[1] = {1};
	struct scoreboard *sb;
	int s[4], rep[3][2], used, idle, i, st;
	pid_t pid[3];

	sb = scoreboard_new(sizes, caps, 1);
	ck_assert_ptr_nonnull(sb);
	for (i = 0; i < 4; i++)
		s[i] = scoreboard_alloc(sb, 0, 0);
	pid[0] = busy_child(sb, s[0], "10.0.0.1", rep[0]);
	pid[1] = busy_child(sb, s[1], "10.0.0.1", rep[1]);
	pid[2] = busy_child(sb, s[2], "10.0.0.2", rep[2]);
	/* Each counts the busy slots with its own address, itself included. */
	ck_assert_int_eq(rep[0][0], 1);
	ck_assert_int_eq(rep[1][0], 2);
	ck_assert_int_eq(rep[2][0], 1);
	/* The master's view: 4 used (one still starting), 1 idle. */
	scoreboard_count(sb, 0, &used, &idle);
	ck_assert_int_eq(used, 4);
	ck_assert_int_eq(idle, 1);
	ck_assert_int_eq(scoreboard_pick_idle(sb, 0), -1); /* starting */
	for (i = 0; i < 3; i++) {
		(void)!write(rep[i][1], "x", 1);
		close(rep[i][1]);
		st = cc_waitpid_deadline(pid[i], 5000);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	scoreboard_count(sb, 0, &used, &idle);
	ck_assert_int_eq(idle, 4);
	ck_assert_int_ge(scoreboard_pick_idle(sb, 0), 0);
	scoreboard_free(sb);
}
END_TEST

START_TEST(scoreboard_urgent_when_none_idle)
{
	int sizes[1] = {2}, caps[1] = {1};
	struct scoreboard *sb;
	int a, b, rep[2];
	pid_t pid;

	sb = scoreboard_new(sizes, caps, 1);
	ck_assert_ptr_nonnull(sb);
	a = scoreboard_alloc(sb, 0, 0);
	b = scoreboard_alloc(sb, 0, 0);
	ck_assert(!scoreboard_urgent(sb, 0));
	/* b still starting (counts as idle): a going busy is not urgent. */
	pid = busy_child(sb, a, "10.0.0.9", rep);
	ck_assert(!scoreboard_urgent(sb, 0));
	(void)!write(rep[1], "x", 1);
	close(rep[1]);
	cc_waitpid_deadline(pid, 5000);
	/* a idle again; now b goes busy while a is stopped: urgent. */
	scoreboard_stop(sb, a);
	pid = busy_child(sb, b, "10.0.0.9", rep);
	ck_assert(scoreboard_urgent(sb, 0));
	ck_assert(scoreboard_take_urgent(sb, 0));
	ck_assert(!scoreboard_urgent(sb, 0));
	(void)!write(rep[1], "x", 1);
	close(rep[1]);
	cc_waitpid_deadline(pid, 5000);
	scoreboard_free(sb);
}
END_TEST

START_TEST(scoreboard_recycle_tokens_are_capped)
{
	int sizes[1] = {4}, caps[1] = {2};
	struct scoreboard *sb;
	int s[4], i, got = 0, st;
	pid_t pid;

	sb = scoreboard_new(sizes, caps, 1);
	ck_assert_ptr_nonnull(sb);
	for (i = 0; i < 4; i++)
		s[i] = scoreboard_alloc(sb, 0, 100 + i);
	/* Four workers at their limit ask in turn: two may go. */
	for (i = 0; i < 4; i++) {
		ck_assert_int_ne(pid = fork(), -1);
		if (pid == 0) {
			scoreboard_attach(sb, s[i]);
			if (scoreboard_limit() != 100 + i)
				_exit(2);
			_exit(scoreboard_recycle_token() ? 1 : 0);
		}
		st = cc_waitpid_deadline(pid, 5000);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) != 2);
		got += WEXITSTATUS(st);
	}
	ck_assert_int_eq(got, 2);
	/* The master reaps one holder: its token comes back. */
	for (i = 0; i < 4; i++)
		(void)scoreboard_release(sb, s[i]);
	s[0] = scoreboard_alloc(sb, 0, 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		scoreboard_attach(sb, s[0]);
		_exit(scoreboard_recycle_token() ? 1 : 0);
	}
	st = cc_waitpid_deadline(pid, 5000);
	ck_assert_int_eq(WEXITSTATUS(st), 1);
	scoreboard_free(sb);
}
END_TEST

/* ------------------------------------------------------------- arena */

START_TEST(arena_objects_are_zeroed_distinct_and_reused)
{
	unsigned char *a, *b, *c, *big;
	size_t i, sizes[] = {1, 24, 200, 1000, 2000, 5000, 100000};

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		a = arena_alloc(sizes[i]);
		b = arena_alloc(sizes[i]);
		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(b);
		ck_assert_ptr_ne(a, b);
		ck_assert_uint_eq((uintptr_t)a % 16, 0);
		ck_assert_uint_eq(a[0], 0);
		ck_assert_uint_eq(a[sizes[i] - 1], 0);
		memset(a, 0xa5, sizes[i]);
		memset(b, 0x5a, sizes[i]);
		ck_assert_uint_eq(a[sizes[i] - 1], 0xa5); /* no overlap */
		arena_free(a);
		c = arena_alloc(sizes[i]); /* comes back zeroed */
		ck_assert_uint_eq(c[0], 0);
		ck_assert_uint_eq(c[sizes[i] - 1], 0);
		arena_free(b);
		arena_free(c);
	}
	/* A free list serves the last freed object of its class first. */
	a = arena_alloc(100);
	arena_free(a);
	ck_assert_ptr_eq(arena_alloc(100), a);
	arena_free(a);
	big = arena_calloc(SIZE_MAX / 4, 8);
	ck_assert_ptr_null(big);
	ck_assert_int_eq(errno, ENOMEM);
	arena_release();
}
END_TEST

/* The point of it: a forked child does not have it at all. */
START_TEST(arena_is_not_inherited)
{
	volatile unsigned char *a;
	unsigned char *heap;
	pid_t pid;
	int st;

	a = arena_alloc(64);
	heap = malloc(64);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(heap);
	a[0] = 7;
	heap[0] = 9;
	if ((pid = fork()) == 0) {
		signal(SIGSEGV, SIG_DFL); /* not a sanitizer's report */
		if (heap[0] != 9)
			_exit(2); /* ordinary memory is there */
		(void)a[0];
		_exit(0);
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
	    "child status %#x, wanted death by SIGSEGV", st);
	ck_assert_uint_eq(a[0], 7); /* the parent still has it */
	free(heap);
	arena_free((void *)a);
	arena_release();
}
END_TEST

/* Resident pages of this process, from /proc/self/statm. */
static long
resident_pages(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, res = -1;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fscanf(f, "%ld %ld", &size, &res), 2);
	fclose(f);
	return res;
}

/*
 * Populating maps every code page (libc's alone are hundreds); dropping
 * them shrinks the resident set by as much and loses nothing: the code
 * still runs, the data is intact.  (Populate first: this test runs in a
 * freshly forked process, which has few code pages mapped of its own.)
 */
START_TEST(code_pages_populate_and_drop)
{
#ifdef MADV_POPULATE_READ
	static int data = 42;
	char buf[32];
	long before, populated, dropped;

	before = resident_pages();
	arena_code_advise(MADV_POPULATE_READ);
	populated = resident_pages();
	ck_assert_msg(populated > before + 100,
	    "resident %ld -> %ld pages "
	    "after populating",
	    before, populated);
	arena_code_advise(MADV_DONTNEED);
	dropped = resident_pages();
	ck_assert_msg(dropped < populated - 100,
	    "resident %ld -> %ld pages "
	    "after dropping",
	    populated, dropped);
	ck_assert_int_eq(snprintf(buf, sizeof(buf), "%d", data), 2);
	ck_assert_str_eq(buf, "42");
#endif
}
END_TEST

static Suite *
supervisor_suite(void)
{
	Suite *s = suite_create("supervisor");
	TCase *tc;

	tc = tcase_create("pool");
	tcase_add_test(tc, pool_starts_missing_workers);
	tcase_add_test(tc, pool_spawn_rate_doubles_to_cap);
	tcase_add_test(tc, pool_never_above_max_workers);
	tcase_add_test(tc, pool_shrinks_one_idle_never_below_workers);
	tcase_add_test(tc, pool_converges);
	suite_add_tcase(s, tc);

	tc = tcase_create("backoff");
	tcase_add_test(tc, backoff_doubles_to_cap_and_resets);
	tcase_add_test(tc, backoff_bounds_the_spawn_rate);
	suite_add_tcase(s, tc);

	tc = tcase_create("recycle");
	tcase_add_test(tc, limit_unlimited_stays_unlimited);
	tcase_add_test(tc, limit_stagger_spreads_the_pool);
	tcase_add_test(tc, recycle_cap_is_a_fraction);
	suite_add_tcase(s, tc);

	tc = tcase_create("scoreboard");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, scoreboard_slots_per_pool);
	tcase_add_test(tc, scoreboard_counts_busy_per_source);
	tcase_add_test(tc, scoreboard_urgent_when_none_idle);
	tcase_add_test(tc, scoreboard_recycle_tokens_are_capped);
	suite_add_tcase(s, tc);

	tc = tcase_create("arena");
	tcase_add_test(tc, arena_objects_are_zeroed_distinct_and_reused);
	tcase_add_test(tc, arena_is_not_inherited);
	tcase_add_test(tc, code_pages_populate_and_drop);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(supervisor_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
