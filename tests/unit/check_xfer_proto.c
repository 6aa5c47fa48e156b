/*
 * check_xfer_proto.c -- unit tests of the xfer protocol parsers and
 * CRC-32 (src/modules/xfer-proto.c): the grammar of doc/xfer-protocol.md
 * accepted and refused case by case, with the error code for each; the
 * CRC of a buffer and of a file's first bytes against zlib.crc32's; and of
 * the module's quota records and arithmetic (src/modules/xfer-quota.c):
 * records survive a round trip, torn and foreign lines are dropped
 * without costing the good ones, and the bound is exact at the limit and
 * safe from overflow.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xfer-proto.h"
#include "xfer-quota.h"

static int
req(const char *s, struct xfer_req *r)
{
	return xfer_parse_request(s, strlen(s), r);
}

START_TEST(t_good)
{
	struct xfer_req r;

	ck_assert_int_eq(req("put a.txt 10", &r), 0);
	ck_assert_int_eq(r.cmd, XFER_PUT);
	ck_assert_str_eq(r.name, "a.txt");
	ck_assert_uint_eq(r.num, 10);
	ck_assert_int_eq(req("get x 9223372036854775807\r", &r), 0);
	ck_assert_int_eq(r.cmd, XFER_GET);
	ck_assert_uint_eq(r.num, 9223372036854775807ULL);
	ck_assert_int_eq(req("list", &r), 0);
	ck_assert_int_eq(r.cmd, XFER_LIST);
	ck_assert_int_eq(req("quit", &r), 0);
	ck_assert_int_eq(r.cmd, XFER_QUIT);
	ck_assert_int_eq(req("put a..b 0", &r), 0); /* dots inside: fine */
	/* encoded traversal is a literal name inside root */
	ck_assert_int_eq(req("put %2e%2e%2fx 1", &r), 0);
	ck_assert_str_eq(r.name, "%2e%2e%2fx");
	ck_assert_int_eq(req("put a\\..\\b 1", &r), 0);
}
END_TEST

START_TEST(t_bad)
{
	struct xfer_req r;
	char name[XFER_NAME_MAX + 2], line[XFER_LINE_MAX + 16];

	ck_assert_int_eq(req("put ../x 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put a/b 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put .hidden 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put .. 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put . 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put /etc/passwd 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("get / 0", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put .part.x 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put ..%2fx 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put a\x01"
			     "b 1",
			     &r),
	    XFER_E_BADNAME);
	ck_assert_int_eq(req("put a\x1b 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put a\x7f 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put a\rb 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put \xff 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put a\tb 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(req("put \xc3\xa9 1", &r), XFER_E_BADNAME);
	ck_assert_int_eq(xfer_parse_request("put a\0b 1", 9, &r),
	    XFER_E_BADNAME);
	ck_assert_int_eq(req("put  1", &r), XFER_E_BADREQ);
	ck_assert_int_eq(req("put x 1 ", &r), XFER_E_BADREQ);
	ck_assert_int_eq(req("put x", &r), XFER_E_BADREQ);
	ck_assert_int_eq(req("PUT x 1", &r), XFER_E_BADREQ);
	ck_assert_int_eq(req("list x", &r), XFER_E_BADREQ);
	ck_assert_int_eq(req("", &r), XFER_E_BADREQ);
	ck_assert_int_eq(req("put x -1", &r), XFER_E_BADNUM);
	ck_assert_int_eq(req("put x +1", &r), XFER_E_BADNUM);
	ck_assert_int_eq(req("put x 9223372036854775808", &r), XFER_E_BADNUM);
	ck_assert_int_eq(req("put x 12345678901234567890", &r), XFER_E_BADNUM);
	memset(name, 'n', sizeof(name));
	name[XFER_NAME_MAX] = '\0';
	snprintf(line, sizeof(line), "put %s 1", name);
	ck_assert_int_eq(req(line, &r), 0); /* 240: the limit */
	name[XFER_NAME_MAX] = 'n';
	name[XFER_NAME_MAX + 1] = '\0';
	snprintf(line, sizeof(line), "put %s 1", name);
	ck_assert_int_eq(req(line, &r), XFER_E_BADNAME);
	memset(line, 'a', sizeof(line));
	ck_assert_int_eq(xfer_parse_request(line, XFER_LINE_MAX, &r),
	    XFER_E_TOOLONG);
}
END_TEST

START_TEST(t_reply)
{
	struct xfer_reply rep;
	uint64_t v;
	uint32_t crc;

	ck_assert_int_eq(xfer_parse_reply("ok 5 0d4a1185", 13, &rep), 0);
	ck_assert_int_eq(rep.ok, 1);
	ck_assert_int_eq(rep.nfield, 2);
	ck_assert_int_eq(xfer_parse_num(rep.field[0], rep.fieldlen[0], &v), 0);
	ck_assert_uint_eq(v, 5);
	ck_assert_int_eq(xfer_parse_crc(rep.field[1], rep.fieldlen[1], &crc),
	    0);
	ck_assert_uint_eq(crc, 0x0d4a1185);
	ck_assert_int_eq(xfer_parse_reply("err 404 no such file", 20, &rep), 0);
	ck_assert_int_eq(rep.ok, 0);
	ck_assert_int_eq(rep.code, 404);
	ck_assert_int_eq((int)rep.textlen, 12);
	ck_assert_int_eq(xfer_parse_reply("err 4 x", 7, &rep), -1);
	ck_assert_int_eq(xfer_parse_reply("okay", 4, &rep), -1);
	ck_assert_int_eq(xfer_parse_crc("0D4A1185", 8, &crc), -1);
}
END_TEST

START_TEST(t_crc)
{
	/* the CRC-32 check value, and zlib.crc32(b"hello world") */
	ck_assert_uint_eq(xfer_crc32(0, "123456789", 9), 0xcbf43926);
	ck_assert_uint_eq(xfer_crc32(0, "hello world", 11), 0x0d4a1185);
	/* in pieces, as a resume computes it */
	ck_assert_uint_eq(xfer_crc32(xfer_crc32(0, "hello", 5), " world", 6),
	    0x0d4a1185);
	ck_assert_uint_eq(xfer_crc32(0, "", 0), 0);
}
END_TEST

/* The CRC of a file's first bytes, read in pieces smaller than it. */
START_TEST(t_file_crc)
{
	char path[] = "/tmp/check_xfer_proto.XXXXXX", *data;
	uint32_t crc, buf[16];
	int fd;
	size_t i;

	ck_assert_ptr_nonnull(data = malloc(100000));
	for (i = 0; i < 100000; i++)
		data[i] = (char)(i % 251);
	ck_assert_int_ne(fd = mkostemp(path, O_CLOEXEC), -1);
	unlink(path);
	ck_assert_int_eq(write(fd, data, 100000), 100000);
	/* zlib.crc32(bytes(i % 251 for i in range(100000))), and [:65536] */
	ck_assert_int_eq(xfer_file_crc(fd, 100000, &crc, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(crc, 0xb353b8fa);
	ck_assert_int_eq(xfer_file_crc(fd, 65536, &crc, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(crc, 0x7faa50d3);
	ck_assert_int_eq(xfer_file_crc(fd, 0, &crc, buf, sizeof(buf)), 0);
	ck_assert_uint_eq(crc, 0);
	/* a file shorter than the size asked for has shrunk */
	errno = 0;
	ck_assert_int_eq(xfer_file_crc(fd, 100001, &crc, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, ENODATA);
	close(fd);
	free(data);
}
END_TEST

static size_t
parse(const char *s, struct xfer_resv *v, size_t max)
{
	return xfer_resv_parse(s, strlen(s), v, max);
}

START_TEST(t_roundtrip)
{
	struct xfer_resv in[2], out[3];
	char buf[2 * XFER_RESV_LINE + 1];
	size_t len;

	memset(in[0].name, 'n', XFER_NAME_MAX);
	in[0].name[XFER_NAME_MAX] = '\0';
	in[0].size = INT64_MAX; /* the longest line there is */
	strcpy(in[1].name, "b.txt");
	in[1].size = 0;
	len = xfer_resv_format(in, 2, buf);
	ck_assert_uint_eq(len, XFER_RESV_LINE + strlen("b.txt 0\n"));
	ck_assert_uint_eq(xfer_resv_count(buf, len), 2);
	ck_assert_uint_eq(xfer_resv_parse(buf, len, out, 3), 2);
	ck_assert_str_eq(out[0].name, in[0].name);
	ck_assert_uint_eq(out[0].size, (uint64_t)INT64_MAX);
	ck_assert_str_eq(out[1].name, "b.txt");
	ck_assert_uint_eq(out[1].size, 0);
	ck_assert_uint_eq(xfer_resv_format(in, 0, buf), 0);
}
END_TEST

START_TEST(t_torn)
{
	struct xfer_resv v[8];

	/* a last line without its newline may be a cut "a 1000000" */
	ck_assert_uint_eq(parse("a 1\nb 100", v, 8), 1);
	ck_assert_str_eq(v[0].name, "a");
	/* the tail of an older, longer file after a shorter rewrite */
	ck_assert_uint_eq(parse("a 1\n00\n 5\nb\n\nc 2\n", v, 8), 2);
	ck_assert_str_eq(v[1].name, "c");
	ck_assert_uint_eq(v[1].size, 2);
	/* names and numbers obey the protocol's rules */
	ck_assert_uint_eq(parse(".part.x 1\n../x 1\na/b 1\nx -1\n", v, 8), 0);
	ck_assert_uint_eq(parse("x 9223372036854775808\nx 1 2\nx  1\n", v, 8),
	    0);
	ck_assert_uint_eq(xfer_resv_parse("a 1\0\nb 2\n", 9, v, 8), 1);
	ck_assert_str_eq(v[0].name, "b");
	/* never more than asked for */
	ck_assert_uint_eq(parse("a 1\nb 2\nc 3\n", v, 2), 2);
	ck_assert_uint_eq(parse("", v, 8), 0);
}
END_TEST

START_TEST(t_fits)
{
	ck_assert_int_eq(xfer_quota_fits(1000000, 1000000, 2000000), 1);
	ck_assert_int_eq(xfer_quota_fits(1000001, 1000000, 2000000), 0);
	ck_assert_int_eq(xfer_quota_fits(0, 2000001, 2000000), 0);
	ck_assert_int_eq(xfer_quota_fits(0, 0, 0), 1);
	ck_assert_int_eq(xfer_quota_fits(UINT64_MAX, 1, 2000000), 0);
	ck_assert_int_eq(xfer_quota_fits(1, UINT64_MAX, UINT64_MAX), 0);
	ck_assert_uint_eq(xfer_quota_add(1, 2), 3);
	ck_assert_uint_eq(xfer_quota_add(UINT64_MAX - 1, 2), UINT64_MAX);
	ck_assert_uint_eq(xfer_quota_add((uint64_t)INT64_MAX,
			      (uint64_t)INT64_MAX + 2),
	    UINT64_MAX);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xfer-proto");
	TCase *tc = tcase_create("parse");
	TCase *tq = tcase_create("quota");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, t_good);
	tcase_add_test(tc, t_bad);
	tcase_add_test(tc, t_reply);
	tcase_add_test(tc, t_crc);
	tcase_add_test(tc, t_file_crc);
	suite_add_tcase(s, tc);
	tcase_add_test(tq, t_roundtrip);
	tcase_add_test(tq, t_torn);
	tcase_add_test(tq, t_fits);
	suite_add_tcase(s, tq);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
