/*
 * echo.c -- the echo service, RFC 862: send back whatever arrives.
 *
 * On a stream it reads whatever is available and writes it straight back,
 * not waiting for line ends, so it is as cheap per byte as the library's
 * I/O allows (this is the benchmark's module).  On a datagram socket each
 * datagram is returned to its sender unchanged.  A client that goes away
 * (EOF, reset, broken pipe) or falls idle past the timeout ends the
 * request normally; only other errors count as handler failures.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <sockserv/module.h>

#define ECHO_BUFSZ 16384

/* A peer that left or went idle is the normal end of an echo session. */
static int
echo_end(int err)
{
	if (err == EPIPE || err == ECONNRESET || err == ETIMEDOUT)
		return 0;
	return -1;
}

static int
echo_stream(struct sockserv_request *req)
{
	struct sockserv_io *io;
	char buf[ECHO_BUFSZ];
	ssize_t n;

	if ((io = sockserv_request_io(req)) == NULL)
		return -1;
	while ((n = sockserv_io_read(io, buf, sizeof(buf))) > 0)
		if (sockserv_io_write(io, buf, (size_t)n) == -1)
			return echo_end(errno);
	return n == 0 ? 0 : echo_end(errno);
}

static int
echo_dgram(struct sockserv_request *req)
{
	const void *pkt;
	size_t len;

	pkt = sockserv_request_packet(req, &len);
	return sockserv_reply(req, pkt, len);
}

static const struct sockserv_handler echo_stream_handler = {
    .handle = echo_stream,
};

static const struct sockserv_handler echo_dgram_handler = {
    .handle = echo_dgram,
};

const struct sockserv_module sockserv_module = {
    .abi = SOCKSERV_MODULE_ABI,
    .name = "echo",
    .socktypes = SOCKSERV_MOD_STREAM | SOCKSERV_MOD_DGRAM,
    .thread_safe = true,
    .stream = &echo_stream_handler,
    .dgram = &echo_dgram_handler,
};
