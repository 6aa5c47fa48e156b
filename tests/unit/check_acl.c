/*
 * check_acl.c -- unit tests for acl.c: CIDR parsing (good and bad
 * input, error text), prefix matching for IPv4 and IPv6, IPv4-mapped
 * peers and rules, and the admission order of acl_admit (deny wins, an
 * empty allow list allows all, Unix peers always admitted).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sockservd.h"

/* A peer sockaddr for a numeric address of either family. */
static struct sockaddr_storage *
peer(const char *addr)
{
	static struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(4000);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, addr, &sin6->sin6_addr),
		    1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(4000);
	}
	return &ss;
}

/* Parse the rules in a NULL-terminated list or fail the test. */
static size_t
rules(struct acl_rule *out, const char *const *list)
{
	char err[256];
	size_t n;

	for (n = 0; list[n] != NULL; n++)
		ck_assert_msg(acl_parse(list[n], &out[n], err, sizeof(err)) ==
			0,
		    "%s: %s", list[n], err);
	return n;
}

static bool
matches(const char *rule, const char *addr)
{
	const char *list[] = {rule, NULL};
	struct acl_rule r[1];

	rules(r, list);
	return acl_match(r, 1, (struct sockaddr *)peer(addr));
}

START_TEST(parse_v4)
{
	struct acl_rule r;
	char err[256];
	const uint8_t want[4] = {10, 0, 0, 0};

	ck_assert_int_eq(acl_parse("10.0.0.0/8", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.family, AF_INET);
	ck_assert_int_eq(r.prefixlen, 8);
	ck_assert_mem_eq(r.addr, want, 4);
	ck_assert_int_eq(acl_parse("127.0.0.1", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.prefixlen, 32);
	ck_assert_int_eq(acl_parse("0.0.0.0/0", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.prefixlen, 0);
}
END_TEST

START_TEST(parse_v6)
{
	struct acl_rule r;
	char err[256];

	ck_assert_int_eq(acl_parse("::1/128", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.family, AF_INET6);
	ck_assert_int_eq(r.prefixlen, 128);
	ck_assert_int_eq(r.addr[15], 1);
	ck_assert_int_eq(acl_parse("[::1]/128", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.family, AF_INET6);
	ck_assert_int_eq(acl_parse("[fe80::]", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.prefixlen, 128);
	ck_assert_int_eq(acl_parse("2001:db8::/32", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.prefixlen, 32);
	ck_assert_int_eq(acl_parse("::/0", &r, err, sizeof(err)), 0);
	ck_assert_int_eq(r.prefixlen, 0);
}
END_TEST

START_TEST(parse_mapped_rule_is_v4)
{
	struct acl_rule r;
	char err[256];
	const uint8_t want[4] = {10, 1, 0, 0};

	ck_assert_int_eq(acl_parse("::ffff:10.1.0.0/112", &r, err, sizeof(err)),
	    0);
	ck_assert_int_eq(r.family, AF_INET);
	ck_assert_int_eq(r.prefixlen, 16);
	ck_assert_mem_eq(r.addr, want, 4);
}
END_TEST

/* Bad input: -1, EINVAL, and a message that names the input. */
static const char *const bad[] = {
    "",
    "/8",
    "10.0.0.0/",
    "10.0.0.0/33",
    "10.0.0.0/-1",
    "10.0.0.0/8x",
    "10.0.0.0/ 8",
    "10.0.0",
    "10.0.0.256",
    "host.example",
    "::1/129",
    "[::1",
    "::1]",
    "[10.0.0.1]x",
    "10.0.0.1/8",
    "10.0.0.0/8/8",
    "fe80::1/64",
    "::1/127",
    "*",
};

START_TEST(parse_bad)
{
	struct acl_rule r;
	char err[256];

	err[0] = '\0';
	errno = 0;
	ck_assert_int_eq(acl_parse(bad[_i], &r, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(err, bad[_i]) != NULL, "`%s' not in `%s'", bad[_i],
	    err);
	/* A NULL err buffer is allowed. */
	ck_assert_int_eq(acl_parse(bad[_i], &r, NULL, 0), -1);
}
END_TEST

START_TEST(parse_host_bits_message)
{
	struct acl_rule r;
	char err[256];

	ck_assert_int_eq(acl_parse("10.0.0.1/8", &r, err, sizeof(err)), -1);
	ck_assert_str_eq(err,
	    "10.0.0.1/8: address has bits set beyond the /8 prefix");
	ck_assert_int_eq(acl_parse("10.0.0.0/33", &r, err, sizeof(err)), -1);
	ck_assert_str_eq(err,
	    "10.0.0.0/33: prefix length must be a number from 0 to 32");
}
END_TEST

START_TEST(match_v4)
{
	ck_assert(matches("10.0.0.0/8", "10.255.1.2"));
	ck_assert(!matches("10.0.0.0/8", "11.0.0.1"));
	ck_assert(matches("127.0.0.1", "127.0.0.1"));
	ck_assert(!matches("127.0.0.1", "127.0.0.2"));
	ck_assert(matches("192.168.4.0/22", "192.168.7.255"));
	ck_assert(!matches("192.168.4.0/22", "192.168.8.0"));
	ck_assert(!matches("192.168.4.0/22", "192.168.3.255"));
	ck_assert(matches("0.0.0.0/0", "203.0.113.9"));
	ck_assert(matches("128.0.0.0/1", "200.0.0.1"));
	ck_assert(!matches("128.0.0.0/1", "127.255.255.255"));
	/* An IPv4 rule never matches a native IPv6 peer. */
	ck_assert(!matches("0.0.0.0/0", "::1"));
}
END_TEST

START_TEST(match_v6)
{
	ck_assert(matches("::1/128", "::1"));
	ck_assert(!matches("::1/128", "::2"));
	ck_assert(matches("2001:db8::/32", "2001:db8:ffff::1"));
	ck_assert(!matches("2001:db8::/32", "2001:db9::1"));
	ck_assert(matches("2001:db8:8000::/33", "2001:db8:ffff::"));
	ck_assert(!matches("2001:db8:8000::/33", "2001:db8:7fff::"));
	/* A native IPv6 rule never matches an IPv4 peer. */
	ck_assert(!matches("::/0", "127.0.0.1"));
}
END_TEST

START_TEST(match_mapped)
{
	/* A dual-stack listener reports v4 clients as ::ffff:a.b.c.d. */
	ck_assert(matches("127.0.0.0/8", "::ffff:127.0.0.2"));
	ck_assert(matches("127.0.0.1", "::ffff:127.0.0.1"));
	ck_assert(!matches("127.0.0.1", "::ffff:127.0.0.2"));
	ck_assert(matches("::ffff:127.0.0.0/104", "127.9.9.9"));
	ck_assert(matches("::ffff:0:0/96", "::ffff:1.2.3.4"));
	ck_assert(matches("::/0", "::ffff:1.2.3.4"));
	/* ::a.b.c.d (deprecated v4-compatible) is not mapped. */
	ck_assert(!matches("127.0.0.1", "::127.0.0.1"));
}
END_TEST

START_TEST(match_empty_and_other_family)
{
	struct sockaddr_un sun;
	struct acl_rule r[1];
	const char *list[] = {"0.0.0.0/0", NULL};

	ck_assert(!acl_match(NULL, 0, (struct sockaddr *)peer("1.2.3.4")));
	rules(r, list);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert(!acl_match(r, 1, (struct sockaddr *)&sun));
	ck_assert(!acl_match(r, 1, NULL));
}
END_TEST

/* acl_same_peer on two numeric addresses (ports differ). */
static bool
same(const char *a, const char *b)
{
	struct sockaddr_storage sa;

	sa = *peer(a);
	((struct sockaddr_in *)&sa)->sin_port = htons(5000);
	return acl_same_peer((struct sockaddr *)&sa,
	    (struct sockaddr *)peer(b));
}

START_TEST(same_peer_folds_mapped)
{
	struct sockaddr_un sun;

	ck_assert(same("127.0.0.1", "127.0.0.1"));
	ck_assert(same("127.0.0.1", "::ffff:127.0.0.1"));
	ck_assert(same("::ffff:127.0.0.1", "127.0.0.1"));
	ck_assert(same("::1", "::1"));
	ck_assert(!same("127.0.0.1", "127.0.0.2"));
	ck_assert(!same("::ffff:127.0.0.1", "::ffff:127.0.0.2"));
	ck_assert(!same("::127.0.0.1", "127.0.0.1"));
	ck_assert(!same("::1", "::2"));
	/* Unix peers are no IP client: never "the same" for max_per_source. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert(
	    !acl_same_peer((struct sockaddr *)&sun, (struct sockaddr *)&sun));
}
END_TEST

/* acl_admit on a service with the given lists. */
static bool
admit(const char *const *allow, const char *const *deny, const char *addr)
{
	struct service svc;
	struct acl_rule a[8], d[8];

	memset(&svc, 0, sizeof(svc));
	svc.allow = a;
	svc.nallow = rules(a, allow);
	svc.deny = d;
	svc.ndeny = rules(d, deny);
	return acl_admit(&svc, (struct sockaddr *)peer(addr));
}

START_TEST(admit_order)
{
	const char *const none[] = {NULL};
	const char *const lo[] = {"127.0.0.0/8", "::1", NULL};
	const char *const lo2[] = {"127.0.0.2", NULL};
	const char *const v6[] = {"::1/128", NULL};

	/* Empty allow list: all admitted. */
	ck_assert(admit(none, none, "203.0.113.1"));
	ck_assert(admit(none, none, "2001:db8::1"));
	/* Allow list: only matches admitted. */
	ck_assert(admit(lo, none, "127.0.0.2"));
	ck_assert(admit(lo, none, "::1"));
	ck_assert(admit(lo, none, "::ffff:127.0.0.5"));
	ck_assert(!admit(lo, none, "10.0.0.1"));
	ck_assert(!admit(lo, none, "::2"));
	/* Deny wins over allow. */
	ck_assert(!admit(lo, lo2, "127.0.0.2"));
	ck_assert(!admit(lo, lo2, "::ffff:127.0.0.2"));
	ck_assert(admit(lo, lo2, "127.0.0.1"));
	/* Deny only: everything else admitted. */
	ck_assert(!admit(none, lo2, "127.0.0.2"));
	ck_assert(admit(none, lo2, "127.0.0.3"));
	ck_assert(!admit(none, v6, "::1"));
	ck_assert(admit(none, v6, "127.0.0.1"));
}
END_TEST

START_TEST(admit_unix_peer)
{
	struct service svc;
	struct acl_rule a[1];
	struct sockaddr_un sun;
	const char *list[] = {"10.0.0.0/8", NULL};

	memset(&svc, 0, sizeof(svc));
	svc.allow = a;
	svc.nallow = rules(a, list);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert(acl_admit(&svc, (struct sockaddr *)&sun));
	ck_assert(acl_admit(&svc, NULL));
	ck_assert(!acl_admit(&svc, (struct sockaddr *)peer("11.0.0.1")));
}
END_TEST

static Suite *
acl_suite(void)
{
	Suite *s = suite_create("acl");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_v4);
	tcase_add_test(tc, parse_v6);
	tcase_add_test(tc, parse_mapped_rule_is_v4);
	tcase_add_loop_test(tc, parse_bad, 0,
	    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, parse_host_bits_message);
	suite_add_tcase(s, tc);

	tc = tcase_create("match");
	tcase_add_test(tc, match_v4);
	tcase_add_test(tc, match_v6);
	tcase_add_test(tc, match_mapped);
	tcase_add_test(tc, match_empty_and_other_family);
	tcase_add_test(tc, same_peer_folds_mapped);
	suite_add_tcase(s, tc);

	tc = tcase_create("admit");
	tcase_add_test(tc, admit_order);
	tcase_add_test(tc, admit_unix_peer);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(acl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
