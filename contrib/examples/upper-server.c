/*
 * upper-server -- a line server: each line comes back upper-cased.  Shows
 * setup/finish around handle, a per-request pointer, and an idle timeout:
 * a client silent for 30 s is dropped (ETIMEDOUT, reported by
 * handle_error).  Stops cleanly on SIGINT or SIGTERM: the signal handler
 * calls sockserv_shutdown(), which is async-signal-safe.
 *
 *	upper-server [URL]	(default tcp://127.0.0.1:7008)
 */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sockserv.h>

static struct sockserv_server *server;

static int
upper_setup(struct sockserv_request *req)
{
	unsigned long *lines;

	if ((lines = calloc(1, sizeof(*lines))) == NULL)
		return -1;
	sockserv_request_set_data(req, lines);
	return 0;
}

static int
upper_handle(struct sockserv_request *req)
{
	struct sockserv_io *io = sockserv_request_io(req);
	unsigned long *lines = sockserv_request_data(req);
	char line[1024];
	ssize_t n, i;

	if (io == NULL)
		return -1;
	while ((n = sockserv_io_readline(io, line, sizeof(line))) > 0) {
		for (i = 0; i < n; i++)
			line[i] = (char)toupper((unsigned char)line[i]);
		if (sockserv_io_write(io, line, (size_t)n) == -1)
			return -1;
		(*lines)++;
	}
	return n == 0 ? 0 : -1;
}

static void
upper_finish(struct sockserv_request *req)
{
	unsigned long *lines = sockserv_request_data(req);
	char peer[SOCKSERV_ADDRSTRLEN];
	const struct sockaddr *sa;
	socklen_t len;

	sa = sockserv_request_client(req, &len);
	if (sockserv_sockaddr_format(sa, len, peer, sizeof(peer)) < 0)
		strcpy(peer, "?");
	fprintf(stderr, "%s: %lu lines\n", peer, *lines);
	free(lines);
}

static const struct sockserv_handler upper = {
    .setup = upper_setup,
    .handle = upper_handle,
    .finish = upper_finish,
};

static void
on_signal(int sig)
{
	(void)sig;
	sockserv_shutdown(server);
}

int
main(int argc, char *argv[])
{
	const char *url = argc > 1 ? argv[1] : "tcp://127.0.0.1:7008";
	struct sockserv_options opt;
	struct sigaction sa;

	sockserv_options_init(&opt);
	opt.allow_reuse_address = true;
	opt.io_timeout = 30;
	if ((server = sockserv_server_new(url, &upper, &opt)) == NULL) {
		perror(url);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sockserv_serve_forever(server, 0.5);
	sockserv_server_close(server);
	return 0;
}
