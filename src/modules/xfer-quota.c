/*
 * xfer-quota.c -- the reservation records of the xfer module: parsing
 * and writing the lines of root's `.quota' file, and the arithmetic of
 * the quota.  The file is only ever read and rewritten whole under its
 * lock, but a writer killed half-way or an administrator's edit can leave
 * anything in it: every line is checked like a protocol line, and one
 * that fails is dropped (a stale record is harmless, xfer-store.c drops
 * those whose upload no longer holds its partial).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "xfer-quota.h"

size_t
xfer_resv_count(const char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (buf[i] == '\n')
			n++;
	return n;
}

/* Parse one line (without its newline) into r; 0, or -1 if malformed. */
static int
resv_line(const char *s, size_t len, struct xfer_resv *r)
{
	const char *sp = memchr(s, ' ', len);
	size_t nlen;

	if (sp == NULL)
		return -1;
	nlen = (size_t)(sp - s);
	if (!xfer_name_valid(s, nlen) ||
	    xfer_parse_num(sp + 1, len - nlen - 1, &r->size) == -1)
		return -1;
	memcpy(r->name, s, nlen);
	r->name[nlen] = '\0';
	return 0;
}

size_t
xfer_resv_parse(const char *buf, size_t len, struct xfer_resv *v, size_t max)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t n = 0;

	/* a last line without its newline is torn: never counted */
	while (n < max && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (resv_line(p, (size_t)(nl - p), &v[n]) == 0)
			n++;
		p = nl + 1;
	}
	return n;
}

size_t
xfer_resv_format(const struct xfer_resv *v, size_t n, char *out)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++)
		len += (size_t)snprintf(out + len, XFER_RESV_LINE + 1,
		    "%s %" PRIu64 "\n", v[i].name, v[i].size);
	return len;
}

uint64_t
xfer_quota_add(uint64_t a, uint64_t b)
{
	return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

int
xfer_quota_fits(uint64_t used, uint64_t need, uint64_t max)
{
	return need <= max && used <= max - need;
}
