/*
 * discard.c -- the discard service, RFC 863: read and drop everything.
 *
 * A stream is read until the client closes it (or falls idle past the
 * timeout); a datagram is dropped without a reply.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include <sockserv/module.h>

static int
discard_stream(struct sockserv_request *req)
{
	struct sockserv_io *io;
	char buf[16384];
	ssize_t n;

	if ((io = sockserv_request_io(req)) == NULL)
		return -1;
	while ((n = sockserv_io_read(io, buf, sizeof(buf))) > 0)
		continue;
	if (n == -1 && errno != ECONNRESET && errno != ETIMEDOUT)
		return -1;
	return 0;
}

static int
discard_dgram(struct sockserv_request *req)
{
	return 0;
}

static const struct sockserv_handler discard_stream_handler = {
    .handle = discard_stream,
};

static const struct sockserv_handler discard_dgram_handler = {
    .handle = discard_dgram,
};

const struct sockserv_module sockserv_module = {
    .abi = SOCKSERV_MODULE_ABI,
    .name = "discard",
    .socktypes = SOCKSERV_MOD_STREAM | SOCKSERV_MOD_DGRAM,
    .thread_safe = true,
    .stream = &discard_stream_handler,
    .dgram = &discard_dgram_handler,
};
