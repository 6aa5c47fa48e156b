/*
 * xfer-proto.c -- what both ends of the xfer protocol share: request and
 * reply parsers, the file name rules, and the CRC-32 (zlib's) over a
 * buffer and over the start of a file.  Nothing here keeps state or
 * touches the network, so the module, the client and the libFuzzer
 * harness all link the very same code, and a line from the network is
 * only ever looked at through these functions.  Every input is (pointer,
 * length): NUL bytes are data, and are refused where the grammar has no
 * place for them.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "xfer-proto.h"

int
xfer_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > XFER_NAME_MAX || name[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		/* printable ASCII without space; '/' would leave root */
		if (c <= 0x20 || c >= 0x7f || c == '/')
			return 0;
	}
	return 1;
}

int
xfer_parse_num(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 19)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0'); /* 19 digits: no wrap */
	}
	if (v > (uint64_t)XFER_SIZE_MAX)
		return -1;
	*out = v;
	return 0;
}

int
xfer_parse_crc(const char *s, size_t len, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (len != 8)
		return -1;
	for (i = 0; i < len; i++) {
		int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

/*
 * Split line into at most max tokens separated by exactly one space.
 * Returns the number of tokens, or -1 if there are more than max or a
 * token is empty (two spaces in a row, a leading or trailing space).
 */
static int
split(const char *line, size_t len, const char **tok, size_t *toklen, int max)
{
	size_t i, start = 0;
	int n = 0;

	if (len == 0)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (i == start || n == max)
			return -1;
		tok[n] = line + start;
		toklen[n++] = i - start;
		start = i + 1;
	}
	return n;
}

static int
tok_is(const char *tok, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(tok, word, len) == 0;
}

int
xfer_parse_request(const char *line, size_t len, struct xfer_req *req)
{
	const char *tok[3];
	size_t toklen[3];
	int n;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len + 1 > XFER_LINE_MAX)
		return XFER_E_TOOLONG;
	if ((n = split(line, len, tok, toklen, 3)) <= 0)
		return XFER_E_BADREQ;
	memset(req, 0, sizeof(*req));
	if (tok_is(tok[0], toklen[0], "list") && n == 1) {
		req->cmd = XFER_LIST;
		return 0;
	}
	if (tok_is(tok[0], toklen[0], "quit") && n == 1) {
		req->cmd = XFER_QUIT;
		return 0;
	}
	if (tok_is(tok[0], toklen[0], "put"))
		req->cmd = XFER_PUT;
	else if (tok_is(tok[0], toklen[0], "get"))
		req->cmd = XFER_GET;
	else
		return XFER_E_BADREQ;
	if (n != 3)
		return XFER_E_BADREQ;
	if (!xfer_name_valid(tok[1], toklen[1]))
		return XFER_E_BADNAME;
	if (xfer_parse_num(tok[2], toklen[2], &req->num) == -1)
		return XFER_E_BADNUM;
	memcpy(req->name, tok[1], toklen[1]);
	req->name[toklen[1]] = '\0';
	return 0;
}

int
xfer_parse_reply(const char *line, size_t len, struct xfer_reply *rep)
{
	const char *tok[4];
	size_t toklen[4], i;
	uint64_t code;
	int n;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	memset(rep, 0, sizeof(*rep));
	if (len >= 4 && memcmp(line, "err ", 4) == 0) {
		/* err CODE TEXT: the text may hold spaces */
		for (i = 4; i < len && line[i] != ' '; i++)
			;
		if (i != 7 || xfer_parse_num(line + 4, 3, &code) == -1 ||
		    code < 100)
			return -1;
		rep->code = (int)code;
		rep->text = len > 8 ? line + 8 : line + len;
		rep->textlen = len > 8 ? len - 8 : 0;
		return 0;
	}
	if ((n = split(line, len, tok, toklen, 4)) <= 0 ||
	    !tok_is(tok[0], toklen[0], "ok"))
		return -1;
	rep->ok = 1;
	rep->nfield = n - 1;
	for (i = 1; i < (size_t)n; i++) {
		rep->field[i - 1] = tok[i];
		rep->fieldlen[i - 1] = toklen[i];
	}
	return 0;
}

uint32_t
xfer_crc32(uint32_t crc, const void *buf, size_t len)
{
	return (uint32_t)crc32_z(crc, buf, len);
}

int
xfer_file_crc(int fd, uint64_t size, uint32_t *crc, void *buf, size_t bufsz)
{
	uint64_t pos = 0;
	ssize_t n;

	*crc = 0;
	while (pos < size) {
		size_t want = size - pos < bufsz ? (size_t)(size - pos) : bufsz;

		if ((n = pread(fd, buf, want, (off_t)pos)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = ENODATA; /* the file shrank under us */
			return -1;
		}
		*crc = xfer_crc32(*crc, buf, (size_t)n);
		pos += (uint64_t)n;
	}
	return 0;
}

const char *
xfer_strerror(int code)
{
	switch (code) {
	case XFER_E_BADREQ:
		return "bad request";
	case XFER_E_BADNUM:
		return "bad number";
	case XFER_E_BADNAME:
		return "bad name";
	case XFER_E_TOOLONG:
		return "line too long";
	case XFER_E_NOENT:
		return "no such file";
	case XFER_E_BUSY:
		return "upload in progress";
	case XFER_E_FBIG:
		return "file too large";
	case XFER_E_RANGE:
		return "offset beyond end of file";
	case XFER_E_IO:
		return "server I/O error";
	case XFER_E_QUOTA:
		return "quota exceeded";
	default:
		return "error";
	}
}
