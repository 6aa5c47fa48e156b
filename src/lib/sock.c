/*
 * sock.c -- the server options' defaults (sockserv_options_init),
 * creating listening sockets with them (sockserv_listen), and the small
 * time and descriptor helpers the loops share.  A listener is always
 * O_CLOEXEC and O_NONBLOCK: several processes or threads may wait on it,
 * and an accept() that finds nothing must return EAGAIN, not block.
 * No descriptor is left open on any failure path.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "sockserv-int.h"

void
sockserv_options_init(struct sockserv_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->mode = SOCKSERV_SYNC;
	opt->request_queue_size = 5;
	opt->allow_reuse_address = false;
	opt->allow_reuse_port = false;
	opt->timeout = -1;
	opt->io_timeout = -1;
	opt->tcp_nodelay = false;
	opt->max_packet_size = 8192;
	opt->max_children = 40;
	opt->block_on_close = true;
	opt->daemon_threads = false;
	opt->workers = 4;
	opt->socket_mode = 0666;
}

/* Seconds to a poll(2) timeout, rounded up so that a wait never spins. */
int
sock_poll_ms(double seconds)
{
	double ms;
	int v;

	if (seconds < 0)
		return -1;
	ms = seconds * 1000.0;
	if (ms > 86400000.0)
		return 86400000;
	v = (int)ms;
	return (double)v < ms ? v + 1 : v;
}

int
sock_set_nonblock_cloexec(int fd)
{
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1))
		return -1;
	if ((fl = fcntl(fd, F_GETFD)) == -1 ||
	    (!(fl & FD_CLOEXEC) && fcntl(fd, F_SETFD, fl | FD_CLOEXEC) == -1))
		return -1;
	return 0;
}

static int
set_opt(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value));
}

/*
 * An existing Unix socket file is stale when connecting to it is refused:
 * nobody is bound there any more, so it may be replaced.  Anything else
 * (a live server, a regular file, no permission) keeps it.  The probe is
 * a datagram socket, whatever the server's type: connect(2) never blocks
 * on it (a stream connect would wait forever on a full backlog), and a
 * live server sees nothing -- Linux refuses a stream listener with
 * EPROTOTYPE before any connection exists, and a datagram connect only
 * names the peer.
 */
static bool
unix_stale(const struct sockserv_addr *a)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&a->sa;
	struct stat st;
	int fd, rv, e;

	if (lstat(sun->sun_path, &st) == -1 || !S_ISSOCK(st.st_mode))
		return false;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		 0)) == -1)
		return false;
	do
		rv = connect(fd, (const struct sockaddr *)&a->sa, a->len);
	while (rv == -1 && errno == EINTR);
	e = errno;
	close(fd);
	return rv == -1 && e == ECONNREFUSED;
}

static int
bind_unix(int fd, const struct sockserv_addr *a, mode_t mode)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&a->sa;

	if (bind(fd, (const struct sockaddr *)&a->sa, a->len) == -1) {
		if (errno != EADDRINUSE)
			return -1;
		if (!unix_stale(a) || unlink(sun->sun_path) == -1) {
			errno = EADDRINUSE;
			return -1;
		}
		if (bind(fd, (const struct sockaddr *)&a->sa, a->len) == -1)
			return -1;
	}
	/* Never through a symlink put in the socket's place meanwhile. */
	if (fchmodat(AT_FDCWD, sun->sun_path, mode, AT_SYMLINK_NOFOLLOW) ==
	    -1) {
		int e = errno;

		unlink(sun->sun_path);
		errno = e;
		return -1;
	}
	return 0;
}

/* The `*' wildcard where the kernel has no IPv6: 0.0.0.0, same port. */
static void
wildcard_v4(const struct sockserv_addr *a, struct sockserv_addr *v4)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)&v4->sa;

	*v4 = *a;
	memset(&v4->sa, 0, sizeof(v4->sa));
	s4->sin_family = AF_INET;
	s4->sin_addr.s_addr = htonl(INADDR_ANY);
	s4->sin_port = ((const struct sockaddr_in6 *)&a->sa)->sin6_port;
	v4->family = AF_INET;
	v4->len = sizeof(*s4);
}

static int
listen_setup(int fd, const struct sockserv_addr *a,
    const struct sockserv_options *opt)
{
	if (a->family != AF_UNIX) {
		if (opt->allow_reuse_address &&
		    set_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1) == -1)
			return -1;
		if (opt->allow_reuse_port &&
		    set_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1) == -1)
			return -1;
		if (a->family == AF_INET6 && a->wildcard &&
		    set_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0) == -1)
			return -1;
		if (bind(fd, (const struct sockaddr *)&a->sa, a->len) == -1)
			return -1;
	} else if (bind_unix(fd, a, opt->socket_mode) == -1)
		return -1;
	if (a->socktype == SOCK_STREAM &&
	    listen(fd, opt->request_queue_size) == -1) {
		int e = errno;

		if (a->family == AF_UNIX)
			unlink(((const struct sockaddr_un *)&a->sa)->sun_path);
		errno = e;
		return -1;
	}
	return 0;
}

int
sockserv_listen(const struct sockserv_addr *a,
    const struct sockserv_options *opt)
{
	struct sockserv_options defaults;
	struct sockserv_addr v4;
	int fd, e;

	if (a == NULL ||
	    (a->socktype != SOCK_STREAM && a->socktype != SOCK_DGRAM)) {
		errno = EINVAL;
		return -1;
	}
	if (opt == NULL) {
		sockserv_options_init(&defaults);
		opt = &defaults;
	}
	fd = socket(a->family, a->socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1 && a->wildcard && errno == EAFNOSUPPORT) {
		wildcard_v4(a, &v4);
		a = &v4;
		fd = socket(AF_INET, a->socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	}
	if (fd == -1)
		return -1;
	if (listen_setup(fd, a, opt) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}
