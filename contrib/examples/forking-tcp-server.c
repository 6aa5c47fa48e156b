/*
 * forking-tcp-server -- ForkingTCPServer: a child process per connection,
 * at most 8 at a time (the loop stops accepting while 8 run).  The child
 * greets the client with its pid and echoes what it reads.  A handler
 * that fails makes its child exit 1 after handle_error.
 *
 *	forking-tcp-server [URL]	(default tcp://127.0.0.1:7009)
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sockserv.h>

static struct sockserv_server *server;

static int
fork_handle(struct sockserv_request *req)
{
	struct sockserv_io *io = sockserv_request_io(req);
	char buf[4096];
	ssize_t n;
	int len;

	if (io == NULL)
		return -1;
	len = snprintf(buf, sizeof(buf), "child %ld\n", (long)getpid());
	if (sockserv_io_write(io, buf, (size_t)len) == -1)
		return -1;
	while ((n = sockserv_io_read(io, buf, sizeof(buf))) > 0)
		if (sockserv_io_write(io, buf, (size_t)n) == -1)
			return -1;
	return n == 0 ? 0 : -1;
}

static const struct sockserv_handler handler = {.handle = fork_handle};

static void
on_signal(int sig)
{
	(void)sig;
	sockserv_shutdown(server);
}

int
main(int argc, char *argv[])
{
	const char *url = argc > 1 ? argv[1] : "tcp://127.0.0.1:7009";
	struct sockserv_options opt;
	struct sigaction sa;

	sockserv_options_init(&opt);
	opt.mode = SOCKSERV_FORK;
	opt.max_children = 8;
	opt.allow_reuse_address = true;
	if ((server = sockserv_server_new(url, &handler, &opt)) == NULL) {
		perror(url);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sockserv_serve_forever(server, 0.5);
	sockserv_server_close(server); /* waits for the children */
	return 0;
}
