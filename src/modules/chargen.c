/*
 * chargen.c -- the character generator service, RFC 864.
 *
 * The output is the RFC's rotating pattern: the 95 printable ASCII
 * characters, 72 to a line ended by CR LF, each line starting one
 * character further on.  On a stream it is sent until the client closes
 * the connection (a broken pipe or reset is the normal end: the library
 * writes with MSG_NOSIGNAL, so no SIGPIPE) or stops reading past the idle
 * timeout.  On a datagram socket each datagram gets one reply of whole
 * lines, under 512 bytes, continuing the rotation from the last reply.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <sockserv/module.h>

#define CHARGEN_FIRST  ' '
#define CHARGEN_NCHARS 95 /* ' ' .. '~' */
#define CHARGEN_WIDTH  72
#define CHARGEN_LINE   (CHARGEN_WIDTH + 2)
#define CHARGEN_DGRAM  (512 / CHARGEN_LINE) /* lines per datagram */

/* Write nlines lines of the pattern, the first starting at `start'. */
static size_t
chargen_fill(char *buf, unsigned int start, unsigned int nlines)
{
	unsigned int l, i;
	char *p = buf;

	for (l = 0; l < nlines; l++) {
		for (i = 0; i < CHARGEN_WIDTH; i++)
			*p++ = (char)(CHARGEN_FIRST +
			    (start + l + i) % CHARGEN_NCHARS);
		*p++ = '\r';
		*p++ = '\n';
	}
	return (size_t)(p - buf);
}

static int
chargen_stream(struct sockserv_request *req)
{
	struct sockserv_io *io;
	/* One whole cycle: after it the pattern repeats exactly. */
	char buf[CHARGEN_NCHARS * CHARGEN_LINE];
	size_t n;

	if ((io = sockserv_request_io(req)) == NULL)
		return -1;
	n = chargen_fill(buf, 0, CHARGEN_NCHARS);
	while (sockserv_io_write(io, buf, n) == 0)
		continue;
	if (errno == EPIPE || errno == ECONNRESET || errno == ETIMEDOUT)
		return 0;
	return -1;
}

static int
chargen_dgram(struct sockserv_request *req)
{
	static unsigned int next;
	char buf[CHARGEN_DGRAM * CHARGEN_LINE];
	unsigned int start;
	size_t n;

	start = __atomic_fetch_add(&next, CHARGEN_DGRAM, __ATOMIC_RELAXED);
	n = chargen_fill(buf, start % CHARGEN_NCHARS, CHARGEN_DGRAM);
	return sockserv_reply(req, buf, n);
}

static const struct sockserv_handler chargen_stream_handler = {
    .handle = chargen_stream,
};

static const struct sockserv_handler chargen_dgram_handler = {
    .handle = chargen_dgram,
};

const struct sockserv_module sockserv_module = {
    .abi = SOCKSERV_MODULE_ABI,
    .name = "chargen",
    .socktypes = SOCKSERV_MOD_STREAM | SOCKSERV_MOD_DGRAM,
    .thread_safe = true,
    .stream = &chargen_stream_handler,
    .dgram = &chargen_dgram_handler,
};
