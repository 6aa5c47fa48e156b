/*
 * spare.c -- fork_ahead: children forked and initialised ahead of the
 * connections they will serve, and the hand-off of a connection to one of
 * them: both ends, and the message between them.
 *
 * A spare waits on a SOCK_SEQPACKET socket pair (the master's end in
 * struct child) for the one connection it will serve.  A connection goes
 * to a spare that has said it is ready (spare_take), else to a child
 * forked for it (supervisor_fork_conn); the spare becomes that
 * connection's CHILD_CONN.  Its replacement is forked once that
 * connection is done, or once no hand-off has happened for SPARE_GRACE
 * (a long connection does not keep the pool short): until then it counts
 * against fork_ahead (spare_deficit).  Forking the replacement at once
 * would put a fork between the spare and the CPU: with the master and
 * its children on one core, the handed-off client waited for it.
 * Closing the master's end retires a spare (it reads EOF and exits); one
 * that dies unexpectedly is replaced with the workers' back-off (pool.c).
 *
 * The message is struct spare_handoff, the connection's descriptor
 * riding along by SCM_RIGHTS: the master sends it (spare_send), and the
 * spare, in spare_serve(), waits for it (spare_wait).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

#define SPARE_WARM_STACK (8 * 1024) /* a spare writes this much stack */

/* The hand-off: the peer, and the connection's fd by SCM_RIGHTS. */
struct spare_handoff {
	socklen_t peerlen;
	struct sockaddr_storage peer;
};

/* ---------------------------------------------------------- the master */

/*
 * Hand conn_fd and the peer to spare c in one message.  A spare that has
 * not yet said it is ready (still in its module's init) is passed over:
 * if that init failed the connection would be lost with it.  Returns 0,
 * or -1 if c cannot take it (then a spare whose end is dead is marked so
 * and reaped in due course).
 */
static int
spare_send(struct child *c, int conn_fd, const struct sockaddr *peer,
    socklen_t peerlen)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct spare_handoff h;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cmsg;
	ssize_t n;
	char b;

	if (!c->ready) {
		n = recv(c->sock, &b, 1, MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -1; /* not ready yet */
		if (n != 1)
			goto dead;
		c->ready = true;
	}
	memset(&h, 0, sizeof(h));
	if (peer != NULL && peerlen <= sizeof(h.peer)) {
		memcpy(&h.peer, peer, peerlen);
		h.peerlen = peerlen;
	}
	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = &h;
	iov.iov_len = sizeof(h);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &conn_fd, sizeof(int));
	if ((n = sendmsg(c->sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT)) ==
	    (ssize_t)sizeof(h))
		return 0;
dead:
	/* It died (or is dying): it no longer counts; the reaper decides. */
	child_sock_close(c);
	return -1;
}

/*
 * fork_ahead: give the connection to a ready spare of p.  It becomes the
 * connection's child from now on (peer, start time, max_children and
 * max_per_source counts); its replacement is forked by
 * pool_maintain() once it is reaped or the hand-offs pause (see the
 * top of this file).
 */
int
spare_take(struct sv_pool *p, int conn_fd, const struct sockaddr *peer,
    socklen_t peerlen)
{
	struct child *c;

	LIST_FOREACH(c, &child_tab->children, entry) {
		if (c->pool != p || c->kind != CHILD_SPARE || c->retiring ||
		    c->sock == -1 || c->pid <= 0)
			continue;
		if (spare_send(c, conn_fd, peer, peerlen) == -1)
			continue;
		child_sock_close(c);
		c->kind = CHILD_CONN;
		c->handed = true;
		p->nspare--;
		p->nconn++;
		p->nhanded++;
		p->handed_at = os_monotonic();
		if (peer != NULL && peerlen <= sizeof(c->peer)) {
			memcpy(&c->peer, peer, peerlen);
			c->peerlen = peerlen;
		}
		c->started = os_monotonic();
		return 0;
	}
	return -1;
}

/* Spares p lacks; none while it backs off, is retired or stopping. */
int
spare_deficit(const struct sv_pool *p)
{
	int n;

	if (!p->started || p->gen->retired || child_tab->stopping ||
	    p->pending > 0)
		return 0;
	n = p->svc->fork_ahead - p->nspare;
	if (p->nhanded > 0 && os_monotonic() - p->handed_at < SPARE_GRACE)
		n -= p->nhanded; /* see the top of this file */
	return n;
}

/* ----------------------------------------------------------- the spare */

/* One connection from the master, or -1: EOF, retired or an error. */
static int
spare_wait(const struct service *svc, int sock, struct spare_handoff *h)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *cmsg;
	ssize_t n;
	int fd = -1;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = h;
	iov.iov_len = sizeof(*h);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	while (
	    (n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) == -1 && errno == EINTR)
		;
	if (n <= 0)
		return -1; /* EOF: retired by the master */
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg != NULL && cmsg->cmsg_level == SOL_SOCKET &&
	    cmsg->cmsg_type == SCM_RIGHTS &&
	    cmsg->cmsg_len == CMSG_LEN(sizeof(int)))
		memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	if (fd == -1 || (size_t)n != sizeof(*h) ||
	    h->peerlen > sizeof(h->peer)) {
		log_warnx("service %s: spare: bad hand-off", svc->name);
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * A spare has time before its connection; the client it will serve has
 * none.  Each page a fresh process first executes or writes is a fault
 * (about 14 us on the machines measured), so fault in now, in one call
 * per object, the code serving will run (MADV_POPULATE_READ, Linux 5.14;
 * on an older kernel it fails and nothing is lost), and write the stack
 * a handler will use and the server's cached request.
 */
static void
spare_warm(struct sockserv_server *srv)
{
	volatile char stack[SPARE_WARM_STACK];
	size_t i;

#ifdef MADV_POPULATE_READ
	arena_code_advise(MADV_POPULATE_READ);
#endif
	for (i = 0; i < sizeof(stack); i += 4096)
		stack[i] = 0;
	sockserv_server_prefault(srv);
}

static __attribute__((noreturn)) void
spare_serve(struct service *svc, struct sockserv_server *srv, int sock)
{
	struct spare_handoff h;
	void *state;
	int rv, fd;
	char ready = 'R';

	state = worker_conn_setup(svc, srv);
	spare_warm(srv);
	rv = 0;
	if (write(sock, &ready, 1) != 1 ||
	    (fd = spare_wait(svc, sock, &h)) == -1)
		goto out; /* never served: status 0 */
	rv = sockserv_serve_connection(srv, fd, (struct sockaddr *)&h.peer,
	    h.peerlen); /* sock is closed at exit: off the client's path */
out:
	if (svc->module->desc->fini != NULL)
		svc->module->desc->fini(state);
	_exit(rv);
}

/* ------------------------------------------------------------ spawning */

/* Fork one spare for fork-mode pool p; 0, or -1 if that failed. */
int
spare_spawn(struct sv_pool *p)
{
	struct service *svc = p->svc;
	struct sockserv_server *srv;
	struct child *c = NULL;
	int pair[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == -1) {
		log_warn("service %s: socketpair", p->svc->name);
		return -1;
	}
	if ((srv = child_pool_srv(p)) == NULL || /* a local: see below */
	    (c = child_new(p, CHILD_SPARE)) == NULL ||
	    child_spare_fds_room() == -1) {
		arena_free(c);
		close(pair[0]);
		close(pair[1]);
		return -1;
	}
	c->sock = pair[0];
	child_add(c, -1); /* before fork: see supervisor_fork_conn */
	child_before_fork();
	if ((pid = fork()) == -1) {
		child_fork_failed(p->svc);
		close(pair[1]);
		child_remove(c);
		return -1;
	}
	if (pid == 0) {
		child_close_master(NULL, -1);
		spare_serve(svc, srv, pair[1]);
	}
	c->pid = pid;
	close(pair[1]);
	return 0;
}
