/*
 * threading-udp-server -- ThreadingUDPServer: a thread per datagram,
 * replying to its sender with the datagram reversed.  Unlike Python, a
 * datagram handler replies explicitly with sockserv_reply().  Daemon
 * threads: server_close does not wait for them.
 *
 *	threading-udp-server [URL]	(default udp://127.0.0.1:7010)
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <sockserv.h>

static struct sockserv_server *server;

static int
reverse_handle(struct sockserv_request *req)
{
	const char *pkt;
	char out[8192];
	size_t len, i;

	pkt = sockserv_request_packet(req, &len);
	if (len > sizeof(out))
		len = sizeof(out);
	for (i = 0; i < len; i++)
		out[i] = pkt[len - 1 - i];
	return sockserv_reply(req, out, len);
}

static const struct sockserv_handler handler = {.handle = reverse_handle};

static void
on_signal(int sig)
{
	(void)sig;
	sockserv_shutdown(server);
}

int
main(int argc, char *argv[])
{
	const char *url = argc > 1 ? argv[1] : "udp://127.0.0.1:7010";
	struct sockserv_options opt;
	struct sigaction sa;

	sockserv_options_init(&opt);
	opt.mode = SOCKSERV_THREAD;
	opt.daemon_threads = true;
	if ((server = sockserv_server_new(url, &handler, &opt)) == NULL) {
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
