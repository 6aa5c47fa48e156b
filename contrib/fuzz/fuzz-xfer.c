/*
 * fuzz-xfer.c -- libFuzzer harness for the xfer protocol parsers
 * (xfer-proto.c).  The input is split at newlines as the module splits
 * a connection; each line goes to the request parser and the reply
 * parser, and what they accept is checked against the grammar of
 * doc/xfer-protocol.md: an accepted name is a valid single component
 * that came from the line, numbers are in range, reply fields lie in
 * the line.  A broken invariant aborts, which the fuzzer reports.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xfer-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_request(const char *line, size_t len)
{
	struct xfer_req r;
	size_t n;

	if (xfer_parse_request(line, len, &r) != 0)
		return;
	if (len > XFER_LINE_MAX)
		abort();
	if (r.cmd != XFER_PUT && r.cmd != XFER_GET)
		return;
	n = strnlen(r.name, sizeof(r.name));
	if (n == 0 || n > XFER_NAME_MAX || !xfer_name_valid(r.name, n) ||
	    strchr(r.name, '/') != NULL || r.name[0] == '.' ||
	    memmem(line, len, r.name, n) == NULL ||
	    r.num > (uint64_t)XFER_SIZE_MAX)
		abort();
}

static void
check_reply(const char *line, size_t len)
{
	struct xfer_reply rep;
	uint64_t v;
	uint32_t crc;
	int i;

	if (xfer_parse_reply(line, len, &rep) != 0)
		return;
	if (!rep.ok) {
		if (rep.code < 100 || rep.code > 999 || rep.text < line ||
		    rep.text + rep.textlen > line + len)
			abort();
		return;
	}
	if (rep.nfield < 0 || rep.nfield > 3)
		abort();
	for (i = 0; i < rep.nfield; i++) {
		if (rep.field[i] < line || rep.fieldlen[i] == 0 ||
		    rep.field[i] + rep.fieldlen[i] > line + len)
			abort();
		(void)xfer_parse_num(rep.field[i], rep.fieldlen[i], &v);
		(void)xfer_parse_crc(rep.field[i], rep.fieldlen[i], &crc);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	char *copy;

	/* an exact-size heap copy: ASan sees any read past the line */
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl != NULL ? nl : end) - p);

		if ((copy = malloc(len ? len : 1)) == NULL)
			return 0;
		memcpy(copy, p, len);
		check_request(copy, len);
		check_reply(copy, len);
		(void)xfer_crc32(0, copy, len);
		free(copy);
		p += len + 1;
	}
	return 0;
}
