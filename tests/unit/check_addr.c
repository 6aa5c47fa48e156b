/*
 * check_addr.c -- unit tests for libsockserv's addresses.
 *
 * Parsing of every URL form (tcp/udp with IPv4, [IPv6], a host name and
 * `*'; unix:// and unixgram:// with absolute paths), rejection of bad
 * ports, schemes and paths with a reason, formatting back (round trips),
 * and numeric formatting of peer addresses of every family.  Pure logic:
 * nothing is bound here.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockserv.h"
#include "check_common.h"

static const struct sockaddr_in *
in4(const struct sockserv_addr *a)
{
	return (const struct sockaddr_in *)&a->sa;
}

static const struct sockaddr_in6 *
in6(const struct sockserv_addr *a)
{
	return (const struct sockaddr_in6 *)&a->sa;
}

static const struct sockaddr_un *
un(const struct sockserv_addr *a)
{
	return (const struct sockaddr_un *)&a->sa;
}

/* Parse url, failing the test with the library's reason if it fails. */
static void
must_parse(const char *url, struct sockserv_addr *a)
{
	char err[256] = "";

	memset(a, 0xa5, sizeof(*a));
	if (sockserv_addr_parse(url, a, err, sizeof(err)) != 0)
		ck_abort_msg("parse %s failed: %s (%s)", url, err,
		    strerror(errno));
}

/* Parse must fail, with a non-empty one-line reason. */
static void
must_reject(const char *url)
{
	struct sockserv_addr a;
	char err[256];

	memset(err, 0, sizeof(err));
	ck_assert_msg(sockserv_addr_parse(url, &a, err, sizeof(err)) == -1,
	    "`%s' was accepted", url);
	ck_assert_msg(err[0] != '\0', "`%s': no reason given", url);
	ck_assert_msg(strchr(err, '\n') == NULL, "`%s': reason not one line",
	    url);
	/* A NULL err buffer is allowed. */
	ck_assert_int_eq(sockserv_addr_parse(url, &a, NULL, 0), -1);
}

/* ---------------------------------------------------------------- parse */

START_TEST(test_parse_tcp4)
{
	struct sockserv_addr a;

	must_parse("tcp://127.0.0.1:8080", &a);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(a.socktype, SOCK_STREAM);
	ck_assert(!a.wildcard);
	ck_assert_uint_eq(a.len, sizeof(struct sockaddr_in));
	ck_assert_int_eq(in4(&a)->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(in4(&a)->sin_port), 8080);
	ck_assert_uint_eq(ntohl(in4(&a)->sin_addr.s_addr), 0x7f000001);
}
END_TEST

START_TEST(test_parse_udp4)
{
	struct sockserv_addr a;

	must_parse("udp://10.1.2.3:53", &a);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(a.socktype, SOCK_DGRAM);
	ck_assert(!a.wildcard);
	ck_assert_uint_eq(ntohs(in4(&a)->sin_port), 53);
	ck_assert_uint_eq(ntohl(in4(&a)->sin_addr.s_addr), 0x0a010203);
}
END_TEST

START_TEST(test_parse_ipv6)
{
	struct sockserv_addr a;
	struct in6_addr want;

	must_parse("tcp://[::1]:443", &a);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(a.socktype, SOCK_STREAM);
	ck_assert(!a.wildcard);
	ck_assert_uint_eq(a.len, sizeof(struct sockaddr_in6));
	ck_assert_int_eq(in6(&a)->sin6_family, AF_INET6);
	ck_assert_uint_eq(ntohs(in6(&a)->sin6_port), 443);
	ck_assert(
	    memcmp(&in6(&a)->sin6_addr, &in6addr_loopback, sizeof(want)) == 0);

	must_parse("udp://[2001:db8::7]:0", &a);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(a.socktype, SOCK_DGRAM);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::7", &want), 1);
	ck_assert(memcmp(&in6(&a)->sin6_addr, &want, sizeof(want)) == 0);
	ck_assert_uint_eq(ntohs(in6(&a)->sin6_port), 0);
}
END_TEST

START_TEST(test_parse_ipv6_needs_brackets)
{
	must_reject("tcp://::1:80");
	must_reject("tcp://::1");
	must_reject("tcp://2001:db8::1:80");
	must_reject("tcp://[::1:80");
	must_reject("tcp://::1]:80");
	must_reject("tcp://[::1]");
	must_reject("tcp://[::1]80");
	must_reject("udp://[]:80");
	must_reject("tcp://[not-an-address]:80");
}
END_TEST

START_TEST(test_parse_hostname)
{
	struct sockserv_addr a;

	must_parse("tcp://localhost:2000", &a);
	ck_assert(!a.wildcard);
	ck_assert_int_eq(a.socktype, SOCK_STREAM);
	if (a.family == AF_INET) {
		ck_assert_uint_eq(a.len, sizeof(struct sockaddr_in));
		ck_assert_uint_eq(ntohs(in4(&a)->sin_port), 2000);
		ck_assert_uint_eq(ntohl(in4(&a)->sin_addr.s_addr) >> 24, 127);
	} else {
		ck_assert_int_eq(a.family, AF_INET6);
		ck_assert_uint_eq(ntohs(in6(&a)->sin6_port), 2000);
		ck_assert(IN6_IS_ADDR_LOOPBACK(&in6(&a)->sin6_addr));
	}
	must_parse("udp://localhost:0", &a);
	ck_assert_int_eq(a.socktype, SOCK_DGRAM);
	/* RFC 6761: .invalid never resolves. */
	must_reject("tcp://no-such-host.invalid:80");
}
END_TEST

/*
 * resolve: every address of a name, each with the port, the first the
 * one parse gives; any other URL yields one; errno tells a name that does
 * not resolve (a client's connection failure) from a malformed URL.
 */
START_TEST(test_resolve)
{
	struct sockserv_addr a[8], one;
	char err[256];
	int i, n;

	n = sockserv_addr_resolve("tcp://localhost:2000", a, 8, err,
	    sizeof(err));
	ck_assert_msg(n >= 1 && n <= 8, "localhost: %d (%s)", n, err);
	must_parse("tcp://localhost:2000", &one);
	ck_assert_mem_eq(&a[0], &one, sizeof(one));
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(a[i].socktype, SOCK_STREAM);
		ck_assert_uint_eq(ntohs(a[i].family == AF_INET
					  ? in4(&a[i])->sin_port
					  : in6(&a[i])->sin6_port),
		    2000);
	}
	ck_assert_int_eq(sockserv_addr_resolve("tcp://localhost:2000", a, 1,
			     err, sizeof(err)),
	    1);
	ck_assert_int_eq(sockserv_addr_resolve("unix:///tmp/s", a, 8, err,
			     sizeof(err)),
	    1);
	ck_assert_int_eq(a[0].family, AF_UNIX);
	ck_assert_int_eq(sockserv_addr_resolve("tcp://no-such-host.invalid:80",
			     a, 8, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(errno, EHOSTUNREACH);
	ck_assert_int_eq(sockserv_addr_resolve("tcp://localhost", a, 8, err,
			     sizeof(err)),
	    -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sockserv_addr_resolve("tcp://[::1]:80", a, 0, err,
			     sizeof(err)),
	    -1);
}
END_TEST

START_TEST(test_parse_wildcard)
{
	struct sockserv_addr a;

	must_parse("tcp://*:8080", &a);
	ck_assert(a.wildcard);
	ck_assert_int_eq(a.socktype, SOCK_STREAM);
	if (a.family == AF_INET6) {
		ck_assert(IN6_IS_ADDR_UNSPECIFIED(&in6(&a)->sin6_addr));
		ck_assert_uint_eq(ntohs(in6(&a)->sin6_port), 8080);
	} else {
		ck_assert_int_eq(a.family, AF_INET);
		ck_assert_uint_eq(in4(&a)->sin_addr.s_addr, htonl(INADDR_ANY));
		ck_assert_uint_eq(ntohs(in4(&a)->sin_port), 8080);
	}
	must_parse("udp://*:0", &a);
	ck_assert(a.wildcard);
	ck_assert_int_eq(a.socktype, SOCK_DGRAM);
}
END_TEST

START_TEST(test_parse_unix)
{
	struct sockserv_addr a;

	must_parse("unix:///tmp/some dir/x.sock", &a);
	ck_assert_int_eq(a.family, AF_UNIX);
	ck_assert_int_eq(a.socktype, SOCK_STREAM);
	ck_assert(!a.wildcard);
	ck_assert_str_eq(un(&a)->sun_path, "/tmp/some dir/x.sock");
	ck_assert_uint_ge(a.len,
	    offsetof(struct sockaddr_un, sun_path) +
		strlen("/tmp/some dir/x.sock"));
	ck_assert_uint_le(a.len, sizeof(struct sockaddr_un));

	must_parse("unixgram:///run/d.sock", &a);
	ck_assert_int_eq(a.family, AF_UNIX);
	ck_assert_int_eq(a.socktype, SOCK_DGRAM);
	ck_assert_str_eq(un(&a)->sun_path, "/run/d.sock");
}
END_TEST

START_TEST(test_parse_ports)
{
	struct sockserv_addr a;

	must_parse("tcp://127.0.0.1:0", &a); /* ephemeral */
	ck_assert_uint_eq(ntohs(in4(&a)->sin_port), 0);
	must_parse("udp://127.0.0.1:65535", &a);
	ck_assert_uint_eq(ntohs(in4(&a)->sin_port), 65535);
	must_parse("tcp://127.0.0.1:1", &a);
	ck_assert_uint_eq(ntohs(in4(&a)->sin_port), 1);

	must_reject("tcp://127.0.0.1:65536");
	must_reject("tcp://127.0.0.1:-1");
	must_reject("udp://127.0.0.1:100000");
	must_reject("tcp://127.0.0.1:4294967376"); /* 2^32 + 80 */
	must_reject("tcp://127.0.0.1:http");
	must_reject("tcp://127.0.0.1:80x");
	must_reject("tcp://127.0.0.1:x80");
	must_reject("tcp://127.0.0.1:");
	must_reject("tcp://127.0.0.1");
	must_reject("tcp://[::1]:65536");
	must_reject("tcp://[::1]:");
	must_reject("tcp://*:-1");
	must_reject("tcp://localhost:abc");
}
END_TEST

START_TEST(test_parse_bad_scheme)
{
	must_reject("");
	must_reject("http://127.0.0.1:80");
	must_reject("sctp://127.0.0.1:80");
	must_reject("tcp:/127.0.0.1:80");
	must_reject("tcp:127.0.0.1:80");
	must_reject("127.0.0.1:80");
	must_reject("tcp://");
	must_reject("tcp://:80");
	must_reject("unix:");
	must_reject("unix://");
	must_reject("unixgram://");
	must_reject("/tmp/x.sock");
}
END_TEST

START_TEST(test_parse_unix_relative)
{
	must_reject("unix://relative.sock");
	must_reject("unix://./x.sock");
	must_reject("unix://dir/x.sock");
	must_reject("unixgram://x.sock");
}
END_TEST

START_TEST(test_parse_unix_too_long)
{
	struct sockaddr_un sa_un;
	struct sockserv_addr a;
	char url[512], path[300];
	size_t max = sizeof(sa_un.sun_path) - 1; /* room for the NUL */

	/* The longest path that fits, with its NUL, is accepted ... */
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[max] = '\0';
	snprintf(url, sizeof(url), "unix://%s", path);
	must_parse(url, &a);
	ck_assert_uint_eq(strlen(un(&a)->sun_path), max);

	/* ... and anything longer is refused, not truncated. */
	path[max] = 'p';
	path[max + 1] = '\0';
	snprintf(url, sizeof(url), "unix://%s", path);
	must_reject(url);
	path[250] = '\0';
	snprintf(url, sizeof(url), "unixgram://%s", path);
	must_reject(url);
}
END_TEST

START_TEST(test_parse_err_small_buffer)
{
	struct sockserv_addr a;
	char err[16];

	memset(err, 'X', sizeof(err));
	ck_assert_int_eq(sockserv_addr_parse("bogus://x", &a, err, 5), -1);
	ck_assert_msg(memchr(err, '\0', 5) != NULL,
	    "reason not NUL-terminated within errlen");
	ck_assert_int_eq(err[5], 'X');
}
END_TEST

/* --------------------------------------------------------------- format */

static const char *canonical[] = {
    "tcp://127.0.0.1:8080",
    "udp://127.0.0.1:53",
    "tcp://10.20.30.40:65535",
    "tcp://127.0.0.1:0",
    "tcp://[::1]:443",
    "udp://[::1]:0",
    "tcp://[2001:db8::1]:80",
    "unix:///tmp/a.sock",
    "unixgram:///tmp/b.sock",
};

START_TEST(test_format_round_trip)
{
	struct sockserv_addr a;
	char buf[SOCKSERV_ADDRSTRLEN];
	const char *url = canonical[_i];
	int n;

	must_parse(url, &a);
	memset(buf, 0, sizeof(buf));
	n = sockserv_addr_format(&a, buf, sizeof(buf));
	ck_assert_str_eq(buf, url);
	ck_assert_int_eq(n, (int)strlen(url));
}
END_TEST

static void
assert_same_addr(const struct sockserv_addr *x, const struct sockserv_addr *y)
{
	ck_assert_int_eq(x->family, y->family);
	ck_assert_int_eq(x->socktype, y->socktype);
	ck_assert_int_eq(x->wildcard, y->wildcard);
	ck_assert_uint_eq(x->len, y->len);
	switch (x->family) {
	case AF_INET:
		ck_assert(in4(x)->sin_port == in4(y)->sin_port);
		ck_assert(in4(x)->sin_addr.s_addr == in4(y)->sin_addr.s_addr);
		break;
	case AF_INET6:
		ck_assert(in6(x)->sin6_port == in6(y)->sin6_port);
		ck_assert(memcmp(&in6(x)->sin6_addr, &in6(y)->sin6_addr,
			      sizeof(struct in6_addr)) == 0);
		break;
	default:
		ck_assert_str_eq(un(x)->sun_path, un(y)->sun_path);
	}
}

/* parse -> format -> parse gives the same address, names and `*' too. */
START_TEST(test_format_reparse)
{
	static const char *urls[] = {
	    "tcp://localhost:7000",
	    "udp://localhost:7001",
	    "tcp://*:7002",
	    "udp://*:0",
	    "tcp://[::1]:7003",
	    "unix:///tmp/r.sock",
	    "unixgram:///tmp/r2.sock",
	};
	struct sockserv_addr a, b;
	char buf[SOCKSERV_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		must_parse(urls[i], &a);
		ck_assert_int_gt(sockserv_addr_format(&a, buf, sizeof(buf)), 0);
		ck_assert_msg(strstr(buf, "localhost") == NULL,
		    "%s formatted as %s: not numeric", urls[i], buf);
		must_parse(buf, &b);
		assert_same_addr(&a, &b);
	}
}
END_TEST

START_TEST(test_format_no_overflow)
{
	struct sockserv_addr a;
	char buf[32];

	must_parse("tcp://[2001:db8:1:2:3:4:5:6]:65535", &a);
	memset(buf, 'X', sizeof(buf));
	(void)sockserv_addr_format(&a, buf, 8);
	ck_assert_int_eq(buf[8], 'X');
}
END_TEST

/* ------------------------------------------------------ sockaddr_format */

START_TEST(test_sockaddr_v4)
{
	struct sockaddr_in s = {.sin_family = AF_INET};
	char buf[SOCKSERV_ADDRSTRLEN];

	s.sin_port = htons(4000);
	s.sin_addr.s_addr = htonl(0x7f000001);
	ck_assert_int_eq(sockserv_sockaddr_format((struct sockaddr *)&s,
			     sizeof(s), buf, sizeof(buf)),
	    (int)strlen("127.0.0.1:4000"));
	ck_assert_str_eq(buf, "127.0.0.1:4000");
	s.sin_port = htons(65535);
	s.sin_addr.s_addr = htonl(0xc0a80001);
	sockserv_sockaddr_format((struct sockaddr *)&s, sizeof(s), buf,
	    sizeof(buf));
	ck_assert_str_eq(buf, "192.168.0.1:65535");
}
END_TEST

START_TEST(test_sockaddr_v6)
{
	struct sockaddr_in6 s = {.sin6_family = AF_INET6};
	char buf[SOCKSERV_ADDRSTRLEN];

	s.sin6_port = htons(4000);
	s.sin6_addr = in6addr_loopback;
	ck_assert_int_eq(sockserv_sockaddr_format((struct sockaddr *)&s,
			     sizeof(s), buf, sizeof(buf)),
	    (int)strlen("[::1]:4000"));
	ck_assert_str_eq(buf, "[::1]:4000");
	ck_assert_int_eq(inet_pton(AF_INET6, "fe80::abcd", &s.sin6_addr), 1);
	s.sin6_port = htons(1);
	sockserv_sockaddr_format((struct sockaddr *)&s, sizeof(s), buf,
	    sizeof(buf));
	/* A scope id may be appended; the address itself must be numeric. */
	ck_assert_msg(strncmp(buf, "[fe80::abcd", 11) == 0 &&
		strcmp(buf + strlen(buf) - 3, "]:1") == 0,
	    "got %s", buf);
}
END_TEST

START_TEST(test_sockaddr_unix)
{
	struct sockaddr_un s = {.sun_family = AF_UNIX};
	char buf[SOCKSERV_ADDRSTRLEN];
	socklen_t len;

	strcpy(s.sun_path, "/path/to/sock");
	len = offsetof(struct sockaddr_un, sun_path) + strlen(s.sun_path) + 1;
	ck_assert_int_eq(sockserv_sockaddr_format((struct sockaddr *)&s, len,
			     buf, sizeof(buf)),
	    (int)strlen("/path/to/sock"));
	ck_assert_str_eq(buf, "/path/to/sock");
	/* The kernel's length may omit the NUL. */
	len--;
	sockserv_sockaddr_format((struct sockaddr *)&s, len, buf, sizeof(buf));
	ck_assert_str_eq(buf, "/path/to/sock");
}
END_TEST

START_TEST(test_sockaddr_unix_unnamed)
{
	struct sockaddr_un s = {.sun_family = AF_UNIX};
	char buf[SOCKSERV_ADDRSTRLEN];
	int sv[2];
	socklen_t len;

	ck_assert_int_eq(sockserv_sockaddr_format((struct sockaddr *)&s,
			     sizeof(sa_family_t), buf, sizeof(buf)),
	    5);
	ck_assert_str_eq(buf, "unix:");

	/* What getpeername really returns for a socketpair. */
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
	    0);
	len = sizeof(s);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(getpeername(sv[0], (struct sockaddr *)&s, &len), 0);
	sockserv_sockaddr_format((struct sockaddr *)&s, len, buf, sizeof(buf));
	ck_assert_str_eq(buf, "unix:");
	close(sv[0]);
	close(sv[1]);
}
END_TEST

START_TEST(test_sockaddr_no_overflow)
{
	struct sockaddr_in6 s = {.sin6_family = AF_INET6};
	char buf[32];

	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8:1:2:3:4:5:6",
			     &s.sin6_addr),
	    1);
	s.sin6_port = htons(65535);
	memset(buf, 'X', sizeof(buf));
	(void)sockserv_sockaddr_format((struct sockaddr *)&s, sizeof(s), buf,
	    6);
	ck_assert_int_eq(buf[6], 'X');
}
END_TEST

/* ------------------------------------------------------- sockaddr_key */

/* The key of a numeric address (port 4000); its family is returned. */
static int
key_of(const char *host, uint32_t key[4])
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(4000);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, host, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(4001);
	}
	return sockserv_sockaddr_key((struct sockaddr *)&ss, key);
}

START_TEST(test_sockaddr_key)
{
	uint32_t a[4], b[4], zero[4] = {0};
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	/* A mapped client is its IPv4 self, whatever the port. */
	ck_assert_int_eq(key_of("192.0.2.7", a), AF_INET);
	ck_assert_int_eq(key_of("::ffff:192.0.2.7", b), AF_INET);
	ck_assert_mem_eq(a, b, sizeof(a));
	ck_assert_int_eq(key_of("192.0.2.8", b), AF_INET);
	ck_assert_mem_ne(a, b, sizeof(a));
	/* A native IPv6 client is not folded. */
	ck_assert_int_eq(key_of("::1", a), AF_INET6);
	ck_assert_int_eq(key_of("::2", b), AF_INET6);
	ck_assert_mem_ne(a, b, sizeof(a));
	/* No key for a Unix peer or none. */
	ck_assert_int_eq(sockserv_sockaddr_key((struct sockaddr *)&sun, a), 0);
	ck_assert_mem_eq(a, zero, sizeof(a));
	ck_assert_int_eq(sockserv_sockaddr_key(NULL, a), 0);
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_parse_tcp4);
	tcase_add_test(tc, test_parse_udp4);
	tcase_add_test(tc, test_parse_ipv6);
	tcase_add_test(tc, test_parse_ipv6_needs_brackets);
	tcase_add_test(tc, test_parse_hostname);
	tcase_add_test(tc, test_resolve);
	tcase_add_test(tc, test_parse_wildcard);
	tcase_add_test(tc, test_parse_unix);
	suite_add_tcase(s, tc);

	tc = tcase_create("reject");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_parse_ports);
	tcase_add_test(tc, test_parse_bad_scheme);
	tcase_add_test(tc, test_parse_unix_relative);
	tcase_add_test(tc, test_parse_unix_too_long);
	tcase_add_test(tc, test_parse_err_small_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, test_format_round_trip, 0,
	    (int)(sizeof(canonical) / sizeof(canonical[0])));
	tcase_add_test(tc, test_format_reparse);
	tcase_add_test(tc, test_format_no_overflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("sockaddr");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_sockaddr_v4);
	tcase_add_test(tc, test_sockaddr_v6);
	tcase_add_test(tc, test_sockaddr_unix);
	tcase_add_test(tc, test_sockaddr_unix_unnamed);
	tcase_add_test(tc, test_sockaddr_no_overflow);
	tcase_add_test(tc, test_sockaddr_key);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
