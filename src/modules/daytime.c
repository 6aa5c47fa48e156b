/*
 * daytime.c -- the daytime service, RFC 867: one human-readable line with
 * the date and time, then close.
 *
 * The RFC leaves the format free; like inetd we send ctime(3)'s form in
 * local time, "Sun Nov 22 14:05:10 2026", ended by CR LF.  A stream gets
 * the line and is closed without reading; a datagram gets the line as its
 * reply.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <sockserv/module.h>

static size_t
daytime_line(char *buf, size_t len)
{
	struct tm tm;
	time_t now;

	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL)
		return 0;
	return strftime(buf, len, "%a %b %e %H:%M:%S %Y\r\n", &tm);
}

static int
daytime_stream(struct sockserv_request *req)
{
	struct sockserv_io *io;
	char line[64];
	size_t n;

	if ((io = sockserv_request_io(req)) == NULL)
		return -1;
	if ((n = daytime_line(line, sizeof(line))) == 0)
		return -1;
	if (sockserv_io_write(io, line, n) == -1)
		return errno == EPIPE || errno == ECONNRESET ? 0 : -1;
	return 0;
}

static int
daytime_dgram(struct sockserv_request *req)
{
	char line[64];
	size_t n;

	if ((n = daytime_line(line, sizeof(line))) == 0)
		return -1;
	return sockserv_reply(req, line, n);
}

static const struct sockserv_handler daytime_stream_handler = {
    .handle = daytime_stream,
};

static const struct sockserv_handler daytime_dgram_handler = {
    .handle = daytime_dgram,
};

const struct sockserv_module sockserv_module = {
    .abi = SOCKSERV_MODULE_ABI,
    .name = "daytime",
    .socktypes = SOCKSERV_MOD_STREAM | SOCKSERV_MOD_DGRAM,
    .thread_safe = true,
    .stream = &daytime_stream_handler,
    .dgram = &daytime_dgram_handler,
};
