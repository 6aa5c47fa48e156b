/*
 * upper.c -- the socketserver documentation's example service: send back
 * each line upper-cased.
 *
 * On a stream every line is returned as soon as its newline arrives (a
 * last line without one is returned at EOF); a line longer than the
 * buffer is returned in pieces rather than refused.  On a datagram socket
 * each datagram is returned upper-cased.  Only ASCII letters change, so
 * the result does not depend on the locale and binary data passes through.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <sockserv/module.h>

#define UPPER_LINEMAX 8192

static void
upper_ascii(char *p, size_t n)
{
	for (; n > 0; n--, p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
}

static int
upper_stream(struct sockserv_request *req)
{
	struct sockserv_io *io;
	char line[UPPER_LINEMAX];
	ssize_t n;

	if ((io = sockserv_request_io(req)) == NULL)
		return -1;
	for (;;) {
		n = sockserv_io_readline(io, line, sizeof(line));
		if (n == -1 && errno == EMSGSIZE)
			n = sizeof(line) - 1; /* a piece of a long line */
		else if (n == -1)
			break;
		else if (n == 0)
			return 0;
		upper_ascii(line, (size_t)n);
		if (sockserv_io_write(io, line, (size_t)n) == -1)
			break;
	}
	if (errno == EPIPE || errno == ECONNRESET || errno == ETIMEDOUT)
		return 0;
	return -1;
}

static int
upper_dgram(struct sockserv_request *req)
{
	char buf[65536];
	const char *pkt;
	size_t len, i;

	pkt = sockserv_request_packet(req, &len);
	if (len > sizeof(buf))
		len = sizeof(buf);
	for (i = 0; i < len; i++)
		buf[i] = pkt[i];
	upper_ascii(buf, len);
	return sockserv_reply(req, buf, len);
}

static const struct sockserv_handler upper_stream_handler = {
    .handle = upper_stream,
};

static const struct sockserv_handler upper_dgram_handler = {
    .handle = upper_dgram,
};

const struct sockserv_module sockserv_module = {
    .abi = SOCKSERV_MODULE_ABI,
    .name = "upper",
    .socktypes = SOCKSERV_MOD_STREAM | SOCKSERV_MOD_DGRAM,
    .thread_safe = true,
    .stream = &upper_stream_handler,
    .dgram = &upper_dgram_handler,
};
