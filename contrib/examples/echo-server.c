/*
 * echo-server -- the smallest libsockserv server: echo every line back.
 * Synchronous, one connection at a time, like socketserver.TCPServer.
 *
 *	echo-server [URL]	(default tcp://127.0.0.1:7007)
 */
#include <stdio.h>
#include <stdlib.h>

#include <sockserv.h>

static int
echo_handle(struct sockserv_request *req)
{
	struct sockserv_io *io = sockserv_request_io(req);
	char line[1024];
	ssize_t n;

	if (io == NULL)
		return -1;
	while ((n = sockserv_io_readline(io, line, sizeof(line))) > 0)
		if (sockserv_io_write(io, line, (size_t)n) == -1)
			return -1;
	return n == 0 ? 0 : -1;
}

static const struct sockserv_handler echo = {.handle = echo_handle};

int
main(int argc, char *argv[])
{
	const char *url = argc > 1 ? argv[1] : "tcp://127.0.0.1:7007";
	struct sockserv_server *srv;

	if ((srv = sockserv_server_new(url, &echo, NULL)) == NULL) {
		perror(url);
		return 1;
	}
	sockserv_serve_forever(srv, 0.5);
	sockserv_server_close(srv);
	return 0;
}
