/*
 * check_io.c -- unit tests for libsockserv's buffered stream I/O.
 *
 * Runs sockserv_io over real socketpairs and pipes, with real threads
 * writing the other end: lines split across writes, short reads,
 * over-long lines, EOF in the middle of a line, exact reads, large writes
 * under a storm of signals (handler installed without SA_RESTART), and
 * the idle timeout.
 */
#include "config.h"

#include <sys/socket.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockserv.h"
#include "check_common.h"

static int sv[2];    /* [0] under test, [1] the peer */
static int sigcount; /* SIGUSR1 deliveries */

static void
on_usr1(int sig)
{
	(void)sig;
	__atomic_add_fetch(&sigcount, 1, __ATOMIC_SEQ_CST);
}

/* SIGUSR1 with a no-op handler and no SA_RESTART: syscalls see EINTR. */
static void
install_usr1(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
	__atomic_store_n(&sigcount, 0, __ATOMIC_SEQ_CST);
}

static void
pair_setup(void)
{
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
	    0);
}

static void
pair_teardown(void)
{
	(void)close(sv[0]);
	(void)close(sv[1]);
}

/* A thread writing `pieces' to fd with a pause between them. */
struct trickle {
	int fd;
	const char **pieces;
	int pause_ms;
	bool close_after;
};

static void *
trickle_main(void *arg)
{
	struct trickle *t = arg;
	const char **p;

	for (p = t->pieces; *p != NULL; p++) {
		cc_sleep_ms(t->pause_ms);
		cc_write_all(t->fd, *p, strlen(*p));
	}
	if (t->close_after)
		(void)shutdown(t->fd, SHUT_WR);
	return NULL;
}

static struct sockserv_io *
io_new_ok(int fd, int timeout_ms)
{
	struct sockserv_io *io = sockserv_io_new(fd, timeout_ms);

	ck_assert_msg(io != NULL, "sockserv_io_new: %s", strerror(errno));
	ck_assert_int_eq(sockserv_io_fd(io), fd);
	return io;
}

/* ---------------------------------------------------------------- lines */

START_TEST(test_line_split_writes)
{
	const char *pieces[] = {"hel", "lo wor", "ld", "\nsec", "ond\n", NULL};
	struct trickle t = {sv[1], pieces, 20, false};
	struct sockserv_io *io = io_new_ok(sv[0], 5000);
	pthread_t th;
	char buf[64];

	ck_assert_int_eq(pthread_create(&th, NULL, trickle_main, &t), 0);
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 12);
	ck_assert_str_eq(buf, "hello world\n");
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 7);
	ck_assert_str_eq(buf, "second\n");
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	sockserv_io_free(io);
}
END_TEST

START_TEST(test_line_buffered_rest)
{
	struct sockserv_io *io = io_new_ok(sv[0], 5000);
	char buf[64];

	cc_write_all(sv[1], "one\ntwo\nthree", 13);
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 4);
	ck_assert_str_eq(buf, "one\n");
	ck_assert_uint_le(sockserv_io_pending(io), 9);
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 4);
	ck_assert_str_eq(buf, "two\n");
	/* read() gives the buffered bytes first (or reads them). */
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(sockserv_io_read(io, buf, sizeof(buf)), 5);
	ck_assert(memcmp(buf, "three", 5) == 0);
	ck_assert_uint_eq(sockserv_io_pending(io), 0);
	sockserv_io_free(io);
}
END_TEST

START_TEST(test_line_too_long)
{
	struct sockserv_io *io = io_new_ok(sv[0], 5000);
	char buf[8], big[64];

	cc_write_all(sv[1], "0123456789abc\nnext\n012345\n", 27);
	errno = 0;
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	ck_assert_str_eq(buf, "0123456"); /* max - 1 bytes, consumed */
	/* The rest of the line is still there, then the next lines. */
	ck_assert_int_eq(sockserv_io_readline(io, big, sizeof(big)), 7);
	ck_assert_str_eq(big, "789abc\n");
	ck_assert_int_eq(sockserv_io_readline(io, big, sizeof(big)), 5);
	ck_assert_str_eq(big, "next\n");
	/* A line of exactly max - 1 bytes, newline included, fits. */
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 7);
	ck_assert_str_eq(buf, "012345\n");
	sockserv_io_free(io);
}
END_TEST

START_TEST(test_line_eof_midline)
{
	struct sockserv_io *io = io_new_ok(sv[0], 5000);
	char buf[64];

	cc_write_all(sv[1], "whole\npartial", 13);
	ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 6);
	ck_assert_str_eq(buf, "whole\n");
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 7);
	ck_assert_str_eq(buf, "partial");
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 0);
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 0);
	ck_assert_int_eq(sockserv_io_read(io, buf, sizeof(buf)), 0);
	sockserv_io_free(io);
}
END_TEST

START_TEST(test_line_eof_at_once)
{
	struct sockserv_io *io = io_new_ok(sv[0], 5000);
	char buf[64];

	ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 0);
	sockserv_io_free(io);
}
END_TEST

/* Signal `target' 20 times, 5 ms apart, then write a line to fd. */
struct sigline {
	pthread_t target;
	int fd;
};

static void *
sigline_main(void *arg)
{
	struct sigline *sl = arg;
	int i;

	for (i = 0; i < 20; i++) {
		cc_sleep_ms(5);
		(void)pthread_kill(sl->target, SIGUSR1);
	}
	cc_sleep_ms(5);
	cc_write_all(sl->fd, "after signals\n", 14);
	return NULL;
}

/* A readline blocked while signals arrive retries and returns the line. */
START_TEST(test_line_signals)
{
	struct sigline sl = {pthread_self(), sv[1]};
	struct sockserv_io *io = io_new_ok(sv[0], 10000);
	pthread_t th;
	char buf[64];

	install_usr1();
	ck_assert_int_eq(pthread_create(&th, NULL, sigline_main, &sl), 0);
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 14);
	ck_assert_str_eq(buf, "after signals\n");
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_int_ge(__atomic_load_n(&sigcount, __ATOMIC_SEQ_CST), 1);
	sockserv_io_free(io);
}
END_TEST

/* ---------------------------------------------------------------- exact */

START_TEST(test_readn_short_reads)
{
	static const char *pieces[65];
	static char bytes[64][2];
	struct trickle t = {sv[1], pieces, 1, false};
	struct sockserv_io *io = io_new_ok(sv[0], 5000);
	pthread_t th;
	char buf[64];
	int i;

	for (i = 0; i < 64; i++) {
		bytes[i][0] = (char)('A' + i % 26);
		bytes[i][1] = '\0';
		pieces[i] = bytes[i];
	}
	pieces[64] = NULL;
	ck_assert_int_eq(pthread_create(&th, NULL, trickle_main, &t), 0);
	ck_assert_int_eq(sockserv_io_readn(io, buf, sizeof(buf)), 0);
	for (i = 0; i < 64; i++)
		ck_assert_int_eq(buf[i], 'A' + i % 26);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	sockserv_io_free(io);
}
END_TEST

START_TEST(test_readn_eof_first)
{
	struct sockserv_io *io = io_new_ok(sv[0], 5000);
	char buf[16];

	cc_write_all(sv[1], "12345678", 8);
	ck_assert_int_eq(sockserv_io_readn(io, buf, 5), 0);
	ck_assert(memcmp(buf, "12345", 5) == 0);
	ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	errno = 0;
	ck_assert_int_eq(sockserv_io_readn(io, buf, 5), -1);
	ck_assert_int_eq(errno, EPIPE);
	sockserv_io_free(io);
}
END_TEST

START_TEST(test_read_partial)
{
	struct sockserv_io *io = io_new_ok(sv[0], 5000);
	char buf[16];

	cc_write_all(sv[1], "abc", 3);
	/* Up to n: what is there, without waiting for more. */
	ck_assert_int_eq(sockserv_io_read(io, buf, sizeof(buf)), 3);
	ck_assert(memcmp(buf, "abc", 3) == 0);
	ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	ck_assert_int_eq(sockserv_io_read(io, buf, sizeof(buf)), 0);
	sockserv_io_free(io);
}
END_TEST

START_TEST(test_pipe_lines)
{
	struct sockserv_io *rio, *wio;
	int p[2];
	char buf[64];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	rio = io_new_ok(p[0], 5000);
	wio = io_new_ok(p[1], 5000);
	ck_assert_int_eq(sockserv_io_write(wio, "over a pipe\nend", 15), 0);
	sockserv_io_free(wio);
	ck_assert_int_eq(close(p[1]), 0);
	ck_assert_int_eq(sockserv_io_readline(rio, buf, sizeof(buf)), 12);
	ck_assert_str_eq(buf, "over a pipe\n");
	ck_assert_int_eq(sockserv_io_readline(rio, buf, sizeof(buf)), 3);
	ck_assert_str_eq(buf, "end");
	ck_assert_int_eq(sockserv_io_readline(rio, buf, sizeof(buf)), 0);
	sockserv_io_free(rio);
	(void)close(p[0]);
}
END_TEST

/* --------------------------------------------------- writes and signals */

struct storm {
	pthread_t target;
	int rfd; /* reader's end */
	size_t expect;
	size_t got;
	bool pattern_ok;
	int done; /* writer finished */
};

static uint8_t
pattern(size_t i)
{
	return (uint8_t)(i % 251 + i / 65536);
}

/* Signal the writer every half millisecond until it is done (max 30 s). */
static void *
killer_main(void *arg)
{
	struct storm *st = arg;
	double end = cc_now() + 30;

	while (
	    !__atomic_load_n(&st->done, __ATOMIC_SEQ_CST) && cc_now() < end) {
		(void)pthread_kill(st->target, SIGUSR1);
		cc_sleep_ms(1);
	}
	return NULL;
}

/* Read everything, checking the pattern; start late so the writer blocks. */
static void *
reader_main(void *arg)
{
	struct storm *st = arg;
	static uint8_t buf[65536];
	ssize_t n, i;

	(void)cc_wait_counter(&sigcount, 5, 5000);
	st->pattern_ok = true;
	for (;;) {
		n = read(st->rfd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			if (buf[i] != pattern(st->got + (size_t)i))
				st->pattern_ok = false;
		st->got += (size_t)n;
	}
	return NULL;
}

static void
write_storm(int wfd, int rfd, size_t len)
{
	struct storm st = {.target = pthread_self(), .rfd = rfd, .expect = len};
	struct sockserv_io *io;
	pthread_t killer, reader;
	uint8_t *data;
	size_t i;
	int rc;

	install_usr1();
	ck_assert((data = malloc(len)) != NULL);
	for (i = 0; i < len; i++)
		data[i] = pattern(i);
	io = io_new_ok(wfd, -1);
	ck_assert_int_eq(pthread_create(&reader, NULL, reader_main, &st), 0);
	ck_assert_int_eq(pthread_create(&killer, NULL, killer_main, &st), 0);
	rc = sockserv_io_write(io, data, len);
	__atomic_store_n(&st.done, 1, __ATOMIC_SEQ_CST);
	ck_assert_int_eq(pthread_join(killer, NULL), 0);
	sockserv_io_free(io);
	(void)close(wfd);
	ck_assert_int_eq(pthread_join(reader, NULL), 0);
	ck_assert_msg(rc == 0, "sockserv_io_write: %s", strerror(errno));
	ck_assert_uint_eq(st.got, len);
	ck_assert(st.pattern_ok);
	ck_assert_int_ge(__atomic_load_n(&sigcount, __ATOMIC_SEQ_CST), 5);
	free(data);
}

START_TEST(test_write_large_signals_socket)
{
	int p[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p),
	    0);
	write_storm(p[0], p[1], 16 * 1024 * 1024 + 1);
	(void)close(p[1]);
}
END_TEST

/* A non-blocking descriptor: EAGAIN is waited out, not returned. */
START_TEST(test_write_large_nonblock)
{
	int p[2];

	ck_assert_int_eq(socketpair(AF_UNIX,
			     SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, p),
	    0);
	ck_assert_int_eq(fcntl(p[1], F_SETFL, 0), 0); /* the reader blocks */
	write_storm(p[0], p[1], 4 * 1024 * 1024 + 1);
	(void)close(p[1]);
}
END_TEST

START_TEST(test_line_nonblock)
{
	const char *pieces[] = {"slow", " but", " steady\n", NULL};
	struct trickle t = {sv[1], pieces, 20, true};
	struct sockserv_io *io;
	pthread_t th;
	char buf[64];

	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	io = io_new_ok(sv[0], -1);
	ck_assert_int_eq(pthread_create(&th, NULL, trickle_main, &t), 0);
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 16);
	ck_assert_str_eq(buf, "slow but steady\n");
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	sockserv_io_free(io);
}
END_TEST

START_TEST(test_write_large_signals_pipe)
{
	int p[2];

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	write_storm(p[1], p[0], 4 * 1024 * 1024 + 1);
	(void)close(p[0]);
}
END_TEST

/* -------------------------------------------------------------- timeout */

static void
assert_timed_out(ssize_t rc, double t0, double min_s)
{
	double dt = cc_now() - t0;

	ck_assert_int_eq(rc, -1);
	ck_assert_msg(errno == ETIMEDOUT, "errno %d (%s), not ETIMEDOUT", errno,
	    strerror(errno));
	ck_assert_msg(dt >= min_s - 0.02, "timed out after %.3f s", dt);
	ck_assert_msg(dt < 10, "timed out only after %.3f s", dt);
}

START_TEST(test_timeout_readline)
{
	struct sockserv_io *io = io_new_ok(sv[0], 200);
	char buf[64];
	double t0 = cc_now();

	cc_write_all(sv[1], "no newline yet", 14);
	assert_timed_out(sockserv_io_readline(io, buf, sizeof(buf)), t0, 0.2);
	sockserv_io_free(io);
}
END_TEST

START_TEST(test_timeout_readn_read)
{
	struct sockserv_io *io = io_new_ok(sv[0], 150);
	char buf[64];
	double t0 = cc_now();

	cc_write_all(sv[1], "abc", 3);
	assert_timed_out(sockserv_io_readn(io, buf, 10), t0, 0.15);
	sockserv_io_set_timeout(io, 100);
	t0 = cc_now();
	/* Whatever readn consumed, read() now has nothing new to return. */
	if (sockserv_io_pending(io) == 0)
		assert_timed_out(sockserv_io_read(io, buf, sizeof(buf)), t0,
		    0.1);
	sockserv_io_free(io);
}
END_TEST

START_TEST(test_timeout_set)
{
	struct sockserv_io *io = io_new_ok(sv[0], -1);
	char buf[64];
	double t0;

	sockserv_io_set_timeout(io, 150);
	t0 = cc_now();
	assert_timed_out(sockserv_io_readline(io, buf, sizeof(buf)), t0, 0.15);
	sockserv_io_free(io);
}
END_TEST

struct blocked_write {
	struct sockserv_io *io;
	size_t len;
	int rc, err;
	int done;
};

static void *
blocked_write_main(void *arg)
{
	struct blocked_write *bw = arg;
	char *data = calloc(1, bw->len);

	if (data == NULL)
		return NULL;
	bw->rc = sockserv_io_write(bw->io, data, bw->len);
	bw->err = errno;
	free(data);
	__atomic_store_n(&bw->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * Nobody reads sv[1]: the socket buffer fills, then nothing moves.  The
 * write runs in a thread so that a write that never returns fails the
 * test with a message instead of hitting the test's time limit.
 */
START_TEST(test_timeout_write)
{
	struct blocked_write bw = {.len = 8 * 1024 * 1024, .rc = -2};
	pthread_t th;
	double t0 = cc_now(), dt;

	bw.io = io_new_ok(sv[0], 200);
	ck_assert_int_eq(pthread_create(&th, NULL, blocked_write_main, &bw), 0);
	ck_assert_msg(cc_wait_counter(&bw.done, 1, 5000),
	    "sockserv_io_write on a blocking socket still blocked 5 s after "
	    "a 200 ms idle timeout");
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	dt = cc_now() - t0;
	ck_assert_int_eq(bw.rc, -1);
	ck_assert_msg(bw.err == ETIMEDOUT, "errno %d (%s), not ETIMEDOUT",
	    bw.err, strerror(bw.err));
	ck_assert_msg(dt >= 0.18, "timed out after %.3f s", dt);
	sockserv_io_free(bw.io);
}
END_TEST

/* The same on a non-blocking descriptor. */
START_TEST(test_timeout_write_nonblock)
{
	struct sockserv_io *io;
	size_t len = 8 * 1024 * 1024;
	char *data = calloc(1, len);
	double t0 = cc_now();

	ck_assert(data != NULL);
	ck_assert_int_eq(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	io = io_new_ok(sv[0], 200);
	assert_timed_out(sockserv_io_write(io, data, len), t0, 0.2);
	sockserv_io_free(io);
	free(data);
}
END_TEST

/* The limit is on idleness: a slow but steady peer is not cut off. */
START_TEST(test_timeout_is_idle_not_total)
{
	static const char *pieces[22];
	struct trickle t = {sv[1], pieces, 40, false};
	struct sockserv_io *io = io_new_ok(sv[0], 600);
	pthread_t th;
	char buf[64];
	int i;

	for (i = 0; i < 20; i++)
		pieces[i] = "x";
	pieces[20] = "\n";
	pieces[21] = NULL;
	ck_assert_int_eq(pthread_create(&th, NULL, trickle_main, &t), 0);
	ck_assert_int_eq(sockserv_io_readline(io, buf, sizeof(buf)), 21);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	sockserv_io_free(io);
}
END_TEST

static Suite *
io_suite(void)
{
	Suite *s = suite_create("io");
	TCase *tc;

	tc = tcase_create("lines");
	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, test_line_split_writes);
	tcase_add_test(tc, test_line_buffered_rest);
	tcase_add_test(tc, test_line_too_long);
	tcase_add_test(tc, test_line_eof_midline);
	tcase_add_test(tc, test_line_eof_at_once);
	tcase_add_test(tc, test_line_signals);
	tcase_add_test(tc, test_pipe_lines);
	tcase_add_test(tc, test_line_nonblock);
	suite_add_tcase(s, tc);

	tc = tcase_create("exact");
	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, test_readn_short_reads);
	tcase_add_test(tc, test_readn_eof_first);
	tcase_add_test(tc, test_read_partial);
	suite_add_tcase(s, tc);

	tc = tcase_create("write_signals");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_write_large_signals_socket);
	tcase_add_test(tc, test_write_large_signals_pipe);
	tcase_add_test(tc, test_write_large_nonblock);
	suite_add_tcase(s, tc);

	tc = tcase_create("timeout");
	tcase_set_timeout(tc, 20);
	tcase_add_checked_fixture(tc, pair_setup, pair_teardown);
	tcase_add_test(tc, test_timeout_readline);
	tcase_add_test(tc, test_timeout_readn_read);
	tcase_add_test(tc, test_timeout_set);
	tcase_add_test(tc, test_timeout_write);
	tcase_add_test(tc, test_timeout_write_nonblock);
	tcase_add_test(tc, test_timeout_is_idle_not_total);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(io_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
