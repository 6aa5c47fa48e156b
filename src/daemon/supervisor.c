/*
 * supervisor.c -- the table of every process the master forked, and the
 * policies that keep the pools right.
 *
 * It owns the child table (a LIST of struct child: per-connection
 * children in fork mode, pool workers in prefork, thread and sync mode),
 * one record per configuration generation (struct sv_gen: the conf, its
 * scoreboard region, whether a reload retired it) and one per service of
 * that generation (struct sv_pool: live counts, spawn rate, back-off).
 * A generation holds one reference on its conf (the rule is stated
 * beside conf_free in sockservd.h) from its creation until it is
 * destroyed: once it is retired, or its conf no longer the master's, and
 * its last child is reaped.
 *
 * All of it lives in the arena (arena.c), which children do not inherit:
 * in fork mode the master updates it for every connection while other
 * children are alive, and in memory shared with them every page written
 * would be a copy-on-write fault.  Nothing a child runs may touch it; the
 * master's ends of the spares' socket pairs, which children must close,
 * are therefore also listed in ordinary memory (sv_spare_fds).
 *
 * The master calls in from its loop: supervisor_reap() after SIGCHLD,
 * supervisor_maintain() whenever supervisor_next_timeout() has expired
 * (calling it more often is harmless).  Nothing here blocks and nothing
 * forks in a loop: a worker that dies is owed a respawn (`pending'), paid
 * by supervisor_maintain() when its time comes, immediately for a worker
 * that lived long or was recycled, after a growing back-off for one that
 * keeps dying.  Prefork pools are sized once a second, as Apache's
 * prefork does: grow at a doubling spawn rate while too few workers are
 * idle, shrink by one idle worker while too many are.  A worker that
 * finds no idle worker left flags its pool in the scoreboard and wakes
 * the master, so a pool under a sudden load grows within 100 ms.
 *
 * Fork-mode services with fork_ahead keep that many spares: children
 * forked and initialised ahead, each waiting on a SOCK_SEQPACKET socket
 * pair (the master's end in struct child) for the one connection it will
 * serve.  A connection goes to a spare that has said it is ready, else to
 * a child forked for it; the spare becomes that connection's CHILD_CONN.
 * Its replacement is forked once that connection is done, or once no
 * hand-off has happened for SV_SPARE_GRACE (a long connection does not
 * keep the pool short): until then it counts against fork_ahead.  Forking
 * the replacement at once would put a fork between the spare and the CPU:
 * with the master and its children on one core, the handed-off client
 * waited for it.
 * Closing the master's end retires a spare (it reads EOF and exits); one
 * that dies unexpectedly is replaced with the workers' back-off.
 *
 * Nothing a child starts outlives the daemon: the master is a child
 * subreaper, so what a child leaves running when it dies (an exec
 * program's background job, once its keeper was SIGKILLed) is reparented
 * to it; such strays are killed with their process group as soon as a
 * child is reaped that may have left them, and the master does not exit
 * before the last is gone (supervisor_kill_strays).
 *
 * The policies themselves (pool delta, back-off, request limits, recycle
 * cap) are pure functions at the end of the file, unit-tested alone.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "sockservd.h"

#define SV_TICK		1.0	/* seconds between pool sizings */
#define SV_TICK_URGENT	0.1	/* sooner when a pool ran out of idle */
#define SV_SPARE_GRACE	0.01	/* a hand-off defers refills this long */

struct sv_gen;

/* Per service of a generation. */
struct sv_pool {
	struct sv_gen	*gen;
	struct service	*svc;
	int		 index;		/* scoreboard pool; -1: fork mode */
	bool		 started;	/* supervisor_start_pool was called */
	int		 nconn;		/* live CHILD_CONN */
	int		 nworkers;	/* live workers not retiring */
	int		 nspare;	/* live spares not retiring */
	int		 nhanded;	/* spares serving what they were handed */
	double		 handed_at;	/* the last hand-off, monotonic s */
	unsigned int	 spawned;	/* workers started, for the stagger */
	int		 rate;		/* Apache's spawn rate */
	double		 last_tick;
	int		 pending;	/* respawns owed */
	double		 respawn_at;
	double		 delay;		/* current back-off, s */
	double		 last_death;	/* unexpected, monotonic s */
	bool		 in_burst;	/* logged the start of a crash loop */
	int		 deaths;	/* in this burst */
	bool		 maxed_logged;	/* "reached max_workers" said once */
	struct sockserv_server *srv;	/* fork mode: what children serve with */
};

/* Per configuration generation. */
struct sv_gen {
	LIST_ENTRY(sv_gen)	 entry;
	struct conf		*conf;
	struct scoreboard	*sb;		/* NULL: no pool service */
	bool			 retired;
	int			 nchildren;
	int			 npools;
	struct sv_pool		*pools;
};

/* The supervisor's state, in the arena. */
struct sv_state {
	LIST_HEAD(, child)	 children;
	LIST_HEAD(, sv_gen)	 gens;
	int			 nlive;
	bool			 stopping;
	double			 fork_warned;	/* rate limit of fork errors */
	bool			 spare_fds_stale; /* see sv_sock_close */
};
static struct sv_state		*sv;

/* The master's ends of the spares' socket pairs, for children to close. */
static int			*sv_spare_fds;
static size_t			 sv_nspare_fds, sv_spare_fds_cap;

static bool
sv_is_pool_mode(const struct service *svc)
{
	return svc->mode == MODE_PREFORK || svc->mode == MODE_THREAD ||
	    svc->mode == MODE_SYNC;
}

/* Scoreboard slots a service needs: its largest possible pool. */
static int
sv_pool_slots(const struct service *svc)
{
	if (svc->mode != MODE_PREFORK)
		return 1;
	return svc->max_workers > svc->workers ? svc->max_workers :
	    svc->workers;
}

/* ------------------------------------------------------------ generations */

/* The region for every pool service of conf, mapped before any fork. */
static int
sv_gen_scoreboard(struct sv_gen *g)
{
	int	*sizes, *caps, i;

	if (g->npools == 0)
		return 0;
	if ((sizes = calloc((size_t)g->npools, sizeof(int))) == NULL ||
	    (caps = calloc((size_t)g->npools, sizeof(int))) == NULL) {
		free(sizes);
		return -1;
	}
	for (i = 0; i < g->npools; i++) {
		if (g->pools[i].index < 0)
			continue;
		sizes[g->pools[i].index] = sv_pool_slots(g->pools[i].svc);
		caps[g->pools[i].index] =
		    supervisor_recycle_cap(g->pools[i].svc->workers);
	}
	g->sb = scoreboard_new(sizes, caps, g->npools);
	free(sizes);
	free(caps);
	return g->sb == NULL ? -1 : 0;
}

static struct sv_gen *
sv_gen_find(const struct conf *conf)
{
	struct sv_gen	*g;

	LIST_FOREACH(g, &sv->gens, entry)
		if (g->conf == conf)
			return g;
	return NULL;
}

/* The record of conf, created (with its scoreboard) on first use. */
static struct sv_gen *
sv_gen_get(struct conf *conf)
{
	struct sv_gen	*g;
	struct service	*svc;
	int		 n = 0, npool = 0;

	if ((g = sv_gen_find(conf)) != NULL)
		return g;
	TAILQ_FOREACH(svc, &conf->services, entry)
		n++;
	if ((g = arena_alloc(sizeof(*g))) == NULL ||
	    (g->pools = arena_calloc((size_t)n, sizeof(*g->pools))) == NULL) {
		arena_free(g);
		return NULL;
	}
	g->conf = conf;
	n = 0;
	TAILQ_FOREACH(svc, &conf->services, entry) {
		g->pools[n].gen = g;
		g->pools[n].svc = svc;
		g->pools[n].rate = 1;
		g->pools[n].index = sv_is_pool_mode(svc) ? npool++ : -1;
		n++;
	}
	g->npools = n;
	if (npool > 0 && sv_gen_scoreboard(g) == -1) {
		log_warn("scoreboard");
		arena_free(g->pools);
		arena_free(g);
		return NULL;
	}
	conf->refs++;		/* dropped by sv_gen_destroy */
	LIST_INSERT_HEAD(&sv->gens, g, entry);
	return g;
}

static void
sv_gen_destroy(struct sv_gen *g)
{
	int	 i;

	conf_free(g->conf);
	LIST_REMOVE(g, entry);
	scoreboard_free(g->sb);
	for (i = 0; i < g->npools; i++)
		sockserv_server_close(g->pools[i].srv);
	arena_free(g->pools);
	arena_free(g);
}

static struct sv_pool *
sv_pool_of(struct sv_gen *g, const struct service *svc)
{
	int	 i;

	for (i = 0; i < g->npools; i++)
		if (g->pools[i].svc == svc)
			return &g->pools[i];
	return NULL;
}

/* ------------------------------------------------------------ the table */

int
supervisor_init(void)
{
	if (sv == NULL && (sv = arena_alloc(sizeof(*sv))) == NULL)
		return -1;
	LIST_INIT(&sv->children);
	LIST_INIT(&sv->gens);
	sv->nlive = 0;
	sv->stopping = false;
	return 0;
}

/* ------------------------------------------------- spares' socket ends */

/*
 * Room in the list children read for one spare end more than there are
 * children; the list itself is derived from the table (sv_spare_fds_sync),
 * which this marks for rebuilding.  -1 if there is no memory.
 */
static int
sv_spare_fds_room(void)
{
	int	*fds;
	size_t	 want = (size_t)sv->nlive + 1;

	if (want > sv_spare_fds_cap) {
		if ((fds = reallocarray(sv_spare_fds, want * 2,
		    sizeof(*fds))) == NULL)
			return -1;
		sv_spare_fds = fds;
		sv_spare_fds_cap = want * 2;
	}
	sv->spare_fds_stale = true;
	return 0;
}

/*
 * Close c's end of its socket pair, if open.  The list children read is
 * brought up to date before the next fork (sv_spare_fds_sync), not here:
 * this runs on a connection's way to its spare, and the list is in
 * memory children share, where a write is a copy-on-write fault.
 */
static void
sv_sock_close(struct child *c)
{
	if (c->sock == -1)
		return;
	(void)close(c->sock);
	c->sock = -1;
	sv->spare_fds_stale = true;
}

/* Before any fork: the list holds exactly the open spare ends. */
static void
sv_spare_fds_sync(void)
{
	struct child	*c;

	if (!sv->spare_fds_stale)
		return;
	sv_nspare_fds = 0;
	LIST_FOREACH(c, &sv->children, entry)
		if (c->sock != -1)
			sv_spare_fds[sv_nspare_fds++] = c->sock;
	sv->spare_fds_stale = false;
}

void
supervisor_before_fork(void)
{
	if (sv != NULL)
		sv_spare_fds_sync();
}

static struct child *
sv_child_new(struct sv_pool *p, enum child_kind kind)
{
	struct child	*c;

	if ((c = arena_alloc(sizeof(*c))) == NULL)
		return NULL;
	c->pid = -1;
	c->kind = kind;
	c->svc = p->svc;
	c->conf = p->gen->conf;
	c->slot = -1;
	c->peerlen = 0;
	c->retiring = false;
	c->pool = p;
	c->sock = -1;
	c->ready = false;
	c->handed = false;
	c->started = os_monotonic();
	return c;
}

/* The fork succeeded: enter c in the table and take its references. */
static void
sv_child_add(struct child *c, pid_t pid)
{
	c->pid = pid;
	LIST_INSERT_HEAD(&sv->children, c, entry);
	sv->nlive++;
	c->pool->gen->nchildren++;
	if (c->kind == CHILD_CONN)
		c->pool->nconn++;
	else if (c->kind == CHILD_SPARE)
		c->pool->nspare++;
	else
		c->pool->nworkers++;
}

/* c was reaped: drop its references, then the generation if done. */
static void
sv_child_drop(struct child *c)
{
	struct sv_gen	*g = c->pool->gen;
	struct conf	*conf = c->conf;

	LIST_REMOVE(c, entry);
	sv->nlive--;
	if (c->kind == CHILD_CONN)
		c->pool->nconn--;
	if (c->handed)
		c->pool->nhanded--;
	else if (c->kind == CHILD_SPARE && !c->retiring)
		c->pool->nspare--;
	else if (c->kind == CHILD_WORKER && !c->retiring)
		c->pool->nworkers--;
	sv_sock_close(c);
	arena_free(c);
	/* refs 1: the generation's own; the master has let go of it. */
	if (--g->nchildren == 0 && (g->retired || conf->refs == 1))
		sv_gen_destroy(g);
}

/* Once every child is reaped (the master's exit): free the state. */
void
supervisor_fini(void)
{
	struct sv_gen	*g;
	struct child	*c;

	if (sv == NULL)
		return;
	/* Children that would not die are forgotten with their references. */
	while ((c = LIST_FIRST(&sv->children)) != NULL)
		sv_child_drop(c);
	while ((g = LIST_FIRST(&sv->gens)) != NULL)
		sv_gen_destroy(g);
	arena_free(sv);
	sv = NULL;
	free(sv_spare_fds);
	sv_spare_fds = NULL;
	sv_nspare_fds = sv_spare_fds_cap = 0;
}

static void
sv_fork_failed(const struct service *svc)
{
	double	 now = os_monotonic();

	/* Under EAGAIN (process limit) a line per connection helps nobody. */
	if (now - sv->fork_warned >= 1.0 || sv->fork_warned == 0) {
		log_warn("service %s: fork", svc->name);
		sv->fork_warned = now;
	}
}

/* ------------------------------------------------------------- spares */

/*
 * Hand conn_fd and the peer to spare c in one message.  A spare that has
 * not yet said it is ready (still in its module's init) is passed over:
 * if that init failed the connection would be lost with it.  Returns 0,
 * or -1 if c cannot take it (then a spare whose end is dead is marked so
 * and reaped in due course).
 */
static int
sv_spare_send(struct child *c, int conn_fd, const struct sockaddr *peer,
    socklen_t peerlen)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct worker_handoff	 h;
	struct msghdr		 msg;
	struct iovec		 iov;
	struct cmsghdr		*cmsg;
	ssize_t			 n;
	char			 b;

	if (!c->ready) {
		n = recv(c->sock, &b, 1, MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -1;	/* not ready yet */
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
	sv_sock_close(c);
	return -1;
}

/*
 * fork_ahead: give the connection to a ready spare of p.  It becomes the
 * connection's child from now on (peer, start time, max_children and
 * max_per_source counts); its replacement is forked by
 * supervisor_maintain() once it is reaped or the hand-offs pause (see the
 * top of this file).
 */
static int
sv_spare_take(struct sv_pool *p, int conn_fd, const struct sockaddr *peer,
    socklen_t peerlen)
{
	struct child	*c;

	LIST_FOREACH(c, &sv->children, entry) {
		if (c->pool != p || c->kind != CHILD_SPARE || c->retiring ||
		    c->sock == -1 || c->pid <= 0)
			continue;
		if (sv_spare_send(c, conn_fd, peer, peerlen) == -1)
			continue;
		sv_sock_close(c);
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

/*
 * The server fork-mode children of p serve with, built on first use.
 * Callers keep it in a local: the child cannot read p (the arena).
 */
static struct sockserv_server *
sv_pool_srv(struct sv_pool *p)
{
	if (p->srv == NULL)
		p->srv = worker_conn_server(p->svc);
	return p->srv;
}

/* Fork one spare for fork-mode pool p; 0, or -1 if that failed. */
static int
sv_spawn_spare(struct sv_pool *p)
{
	struct service		*svc = p->svc;
	struct sockserv_server	*srv;
	struct child		*c = NULL;
	int			 pair[2];
	pid_t			 pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == -1) {
		log_warn("service %s: socketpair", p->svc->name);
		return -1;
	}
	if ((srv = sv_pool_srv(p)) == NULL ||	/* a local: see below */
	    (c = sv_child_new(p, CHILD_SPARE)) == NULL ||
	    sv_spare_fds_room() == -1) {
		arena_free(c);
		close(pair[0]);
		close(pair[1]);
		return -1;
	}
	c->sock = pair[0];
	sv_child_add(c, -1);	/* before fork: see supervisor_fork_conn */
	sv_spare_fds_sync();
	if ((pid = fork()) == -1) {
		sv_fork_failed(p->svc);
		close(pair[1]);
		sv_child_drop(c);
		return -1;
	}
	if (pid == 0) {
		supervisor_child_close(NULL, -1);
		worker_spare(svc, srv, pair[1]);
	}
	c->pid = pid;
	close(pair[1]);
	return 0;
}

/* The spares' master ends are read from sv_spare_fds, never the arena. */
void
supervisor_child_close(const struct service *keep_svc, int keep_fd)
{
	size_t	 i;

	listener_child_close(keep_svc, keep_fd);
	/* Else a spare would not see EOF when the master lets it go. */
	for (i = 0; i < sv_nspare_fds; i++)
		(void)close(sv_spare_fds[i]);
	daemonize_child();
}

/* Spares p lacks; none while it backs off, is retired or stopping. */
static int
sv_spare_deficit(const struct sv_pool *p)
{
	int	 n;

	if (!p->started || p->gen->retired || sv->stopping || p->pending > 0)
		return 0;
	n = p->svc->fork_ahead - p->nspare;
	if (p->nhanded > 0 && os_monotonic() - p->handed_at < SV_SPARE_GRACE)
		n -= p->nhanded;	/* see the top of this file */
	return n;
}

/* ----------------------------------------------------------- fork mode */

int
supervisor_fork_conn(struct conf *conf, struct service *svc, int conn_fd,
    const struct sockaddr *peer, socklen_t peerlen)
{
	struct sv_gen	*g;
	struct sv_pool	*p;
	struct child	*c;
	pid_t		 pid;
	struct sockserv_server *srv;

	if ((g = sv_gen_get(conf)) == NULL || (p = sv_pool_of(g, svc)) ==
	    NULL) {
		close(conn_fd);
		return -1;
	}
	if (p->nspare > 0 && sv_spare_take(p, conn_fd, peer, peerlen) == 0) {
		close(conn_fd);
		return 0;
	}
	if ((srv = sv_pool_srv(p)) == NULL ||
	    (c = sv_child_new(p, CHILD_CONN)) == NULL) {
		close(conn_fd);
		return -1;
	}
	if (peer != NULL && peerlen <= sizeof(c->peer)) {
		memcpy(&c->peer, peer, peerlen);
		c->peerlen = peerlen;
	}
	sv_child_add(c, -1);	/* so that after fork() only the pid is stored */
	sv_spare_fds_sync();
	if ((pid = fork()) == -1) {
		sv_fork_failed(svc);
		sv_child_drop(c);
		close(conn_fd);
		return -1;
	}
	if (pid == 0) {
		supervisor_child_close(NULL, -1);
		worker_conn(svc, srv, conn_fd, peer, peerlen);
	}
	c->pid = pid;
	close(conn_fd);
	return 0;
}

int
supervisor_fork_dgram(struct conf *conf, struct service *svc, int lfd,
    const void *pkt, size_t len, const struct sockaddr *peer,
    socklen_t peerlen)
{
	struct sv_gen	*g;
	struct sv_pool	*p;
	struct child	*c;
	pid_t		 pid;

	if ((g = sv_gen_get(conf)) == NULL || (p = sv_pool_of(g, svc)) ==
	    NULL || (c = sv_child_new(p, CHILD_CONN)) == NULL)
		return -1;
	if (peer != NULL && peerlen <= sizeof(c->peer)) {
		memcpy(&c->peer, peer, peerlen);
		c->peerlen = peerlen;
	}
	sv_spare_fds_sync();
	if ((pid = fork()) == -1) {
		sv_fork_failed(svc);
		arena_free(c);
		return -1;
	}
	if (pid == 0) {
		supervisor_child_close(NULL, lfd);
		worker_dgram(svc, lfd, pkt, len, peer, peerlen);
	}
	sv_child_add(c, pid);
	return 0;
}

/*
 * Start one worker of pool p.  Returns 0, -1 if the fork failed, or 1 if
 * the pool has no free slot.
 */
static int
sv_spawn(struct sv_pool *p)
{
	struct sv_gen	*g = p->gen;
	struct scoreboard *sb;
	struct service	*svc = p->svc;
	struct child	*c;
	int		 slot, limit = 0;
	pid_t		 pid;

	if (p->index < 0)
		return sv_spawn_spare(p);
	if (svc->mode == MODE_PREFORK)
		limit = supervisor_request_limit(svc->max_requests,
		    (int)(p->spawned % (unsigned)sv_pool_slots(svc)),
		    sv_pool_slots(svc));
	if ((slot = scoreboard_alloc(g->sb, p->index, limit)) == -1)
		return 1;
	if ((c = sv_child_new(p, CHILD_WORKER)) == NULL) {
		scoreboard_release(g->sb, slot);
		return -1;
	}
	c->slot = slot;
	if (svc->mode == MODE_PREFORK &&
	    scoreboard_dgram_count(g->sb, p->index) < svc->workers)
		scoreboard_set_dgram(g->sb, slot);
	sb = g->sb;		/* the child cannot read the arena */
	sv_spare_fds_sync();
	if ((pid = fork()) == -1) {
		sv_fork_failed(svc);
		scoreboard_release(sb, slot);
		arena_free(c);
		return -1;
	}
	if (pid == 0) {
		supervisor_child_close(svc, -1);
		scoreboard_attach(sb, slot);
		worker_pool(svc, slot);
	}
	scoreboard_set_pid(g->sb, slot, pid);
	p->spawned++;
	sv_child_add(c, pid);
	log_debug("service %s: worker %ld started (slot %d)", svc->name,
	    (long)pid, slot);
	return 0;
}

/* Owe n respawns to p, due in delay seconds at the latest. */
static void
sv_owe(struct sv_pool *p, int n, double delay)
{
	double	 at = os_monotonic() + delay;

	if (p->pending == 0 || at > p->respawn_at)
		p->respawn_at = at;
	p->pending += n;
}

/* Start n workers now; what cannot be started is owed, with back-off. */
static void
sv_spawn_n(struct sv_pool *p, int n)
{
	int	 rv;

	while (n > 0) {
		if ((rv = sv_spawn(p)) == 1)
			return;		/* full: sizing will see it */
		if (rv == -1) {
			p->delay = supervisor_backoff_next(p->delay, 0);
			sv_owe(p, n, p->delay);
			return;
		}
		n--;
	}
}

/* svc's pool in conf, marked started; NULL with EALREADY if it was. */
static struct sv_pool *
sv_pool_begin(struct conf *conf, struct service *svc)
{
	struct sv_gen	*g;
	struct sv_pool	*p;

	if ((g = sv_gen_get(conf)) == NULL)
		return NULL;			/* errno from the arena */
	if ((p = sv_pool_of(g, svc)) == NULL) {
		errno = ENOENT;
		return NULL;
	}
	if (p->started) {
		errno = EALREADY;
		return NULL;
	}
	p->started = true;
	return p;
}

/* fork mode: spares only for a service with fork_ahead and a stream. */
static int
sv_start_spares(struct conf *conf, struct service *svc)
{
	struct sv_pool	*p;
	size_t		 i;

	for (i = 0; i < svc->naddrs; i++)
		if (svc->addrs[i].socktype == SOCK_STREAM)
			break;
	if (svc->fork_ahead <= 0 || i == svc->naddrs)
		return 0;
	if ((p = sv_pool_begin(conf, svc)) == NULL)
		return errno == EALREADY ? 0 : -1;
	sv_spawn_n(p, sv_spare_deficit(p));
	log_debug("service %s: %d spares started", svc->name, p->nspare);
	return 0;
}

int
supervisor_start_pool(struct conf *conf, struct service *svc)
{
	struct sv_pool	*p;

	if (svc->mode == MODE_FORK)
		return sv_start_spares(conf, svc);
	if (!sv_is_pool_mode(svc)) {
		errno = EINVAL;
		return -1;
	}
	if ((p = sv_pool_begin(conf, svc)) == NULL)
		return errno == EALREADY ? 0 : -1;
	p->last_tick = os_monotonic();
	sv_spawn_n(p, svc->mode == MODE_PREFORK ? svc->workers : 1);
	log_debug("service %s: %s pool started", svc->name,
	    conf_mode_name(svc->mode));
	return 0;
}

/* Tell worker c to finish its request and exit; it is not replaced. */
static void
sv_retire(struct child *c)
{
	if (c->kind == CHILD_SPARE && !c->retiring) {
		/* EOF on its socketpair: it exits without serving. */
		c->retiring = true;
		c->pool->nspare--;
		sv_sock_close(c);
		return;
	}
	if (c->retiring || c->kind != CHILD_WORKER)
		return;
	c->retiring = true;
	c->pool->nworkers--;
	scoreboard_stop(c->pool->gen->sb, c->slot);
	if (kill(c->pid, SIGTERM) == -1 && errno != ESRCH)
		log_warn("service %s: kill %ld", c->svc->name, (long)c->pid);
}

void
supervisor_retire_conf(struct conf *conf)
{
	struct sv_gen	*g;
	struct child	*c;
	int		 i;

	if ((g = sv_gen_find(conf)) == NULL)
		return;
	g->retired = true;
	for (i = 0; i < g->npools; i++)
		g->pools[i].pending = 0;
	LIST_FOREACH(c, &sv->children, entry)
		if (c->pool->gen == g)
			sv_retire(c);
	if (g->nchildren == 0)
		sv_gen_destroy(g);
}

/* ------------------------------------------------------------- reaping */

static void
sv_status(int status, char *buf, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "%d", WEXITSTATUS(status));
}

static void
sv_conn_gone(struct child *c, int status)
{
	char	 client[SOCKSERV_ADDRSTRLEN], st[32];

	if (!log_enabled(LOG_INFO))
		return;
	if (c->peerlen > 0)
		sockserv_sockaddr_format((struct sockaddr *)&c->peer,
		    c->peerlen, client, sizeof(client));
	else
		snprintf(client, sizeof(client), "-");
	sv_status(status, st, sizeof(st));
	log_info("service %s: %s pid %ld duration %.3fs status %s",
	    c->svc->name, client, (long)c->pid, os_monotonic() - c->started, st);
}

/* A worker died that nobody asked to: replace it, backing off. */
static void
sv_worker_died(struct child *c, const char *st)
{
	struct sv_pool	*p = c->pool;
	double		 lived = os_monotonic() - c->started;

	p->delay = supervisor_backoff_next(p->delay, lived);
	p->last_death = os_monotonic();
	if (p->delay == 0) {
		log_warnx("service %s: worker %ld exited (status %s) after "
		    "%.1fs; replacing it", c->svc->name, (long)c->pid, st,
		    lived);
	} else if (!p->in_burst) {
		log_warnx("service %s: worker %ld exited (status %s) after "
		    "%.1fs; workers keep dying, respawning with back-off "
		    "(up to %.0fs)", c->svc->name, (long)c->pid, st, lived,
		    SV_BACKOFF_MAX);
		p->in_burst = true;
		p->deaths = 1;
	} else {
		log_debug("service %s: worker %ld exited (status %s); "
		    "respawn in %.1fs", c->svc->name, (long)c->pid, st,
		    p->delay);
		p->deaths++;
	}
	sv_owe(p, 1, p->delay);
}

static void
sv_worker_gone(struct child *c, int status)
{
	struct sv_pool	*p = c->pool;
	enum sb_state	 last;
	char		 st[32];

	last = scoreboard_release(p->gen->sb, c->slot);
	sv_status(status, st, sizeof(st));
	if (c->retiring || p->gen->retired || sv->stopping) {
		log_debug("service %s: worker %ld retired (status %s)",
		    c->svc->name, (long)c->pid, st);
		return;
	}
	if (last == SB_RETIRING && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0) {
		log_debug("service %s: worker %ld recycled after its "
		    "requests", c->svc->name, (long)c->pid);
		sv_owe(p, 1, 0);
		return;
	}
	sv_worker_died(c, st);
}

/* A spare died before it was handed a connection. */
static void
sv_spare_gone(struct child *c, int status)
{
	char	 st[32];

	sv_status(status, st, sizeof(st));
	if (c->retiring || c->pool->gen->retired || sv->stopping) {
		log_debug("service %s: spare %ld retired (status %s)",
		    c->svc->name, (long)c->pid, st);
		return;
	}
	sv_worker_died(c, st);
}

static struct child *
sv_child_find(pid_t pid)
{
	struct child	*c;

	LIST_FOREACH(c, &sv->children, entry)
		if (c->pid == pid)
			return c;
	return NULL;
}

/*
 * The master is a child subreaper (master_run): whatever a child leaves
 * running when it dies without cleaning up after itself (say an exec
 * program's background job, once its keeper was SIGKILLed at the end of
 * a drain) becomes the master's child, a stray the table does not know.
 * Kill every stray with its process group (an exec program leads its
 * own).  Returns how many there were.
 */
int
supervisor_kill_strays(void)
{
	static bool	 warned;
	char		 path[64];
	FILE		*f;
	long		 pid;
	int		 n = 0;

	/* The master has one thread, whose id is its pid. */
	snprintf(path, sizeof(path), "/proc/self/task/%ld/children",
	    (long)getpid());
	if ((f = fopen(path, "re")) == NULL) {
		if (!warned)
			log_warn("%s: cannot look for strays", path);
		warned = true;
		return 0;
	}
	while (fscanf(f, "%ld", &pid) == 1) {
		if (pid <= 0 || sv_child_find((pid_t)pid) != NULL)
			continue;
		(void)kill(-(pid_t)pid, SIGKILL);
		(void)kill((pid_t)pid, SIGKILL);
		n++;
	}
	fclose(f);
	return n;
}

void
supervisor_reap(void)
{
	struct child	*c;
	pid_t		 pid;
	int		 status;
	bool		 strays = false;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;		/* 0: none left exited; ECHILD */
		/* A stray, or a child killed before it could clean up. */
		if ((c = sv_child_find(pid)) == NULL || WIFSIGNALED(status))
			strays = true;
		if (c == NULL)
			continue;	/* a stray: reaped quietly */
		if (c->kind == CHILD_CONN)
			sv_conn_gone(c, status);
		else if (c->kind == CHILD_SPARE)
			sv_spare_gone(c, status);
		else
			sv_worker_gone(c, status);
		sv_child_drop(c);
	}
	if (strays)
		(void)supervisor_kill_strays();
}

/* ---------------------------------------------------------- maintenance */

static struct child *
sv_child_in_slot(const struct sv_pool *p, int slot)
{
	struct child	*c;

	LIST_FOREACH(c, &sv->children, entry)
		if (c->pool == p && c->slot == slot)
			return c;
	return NULL;
}

/* One prefork sizing tick. */
static void
sv_size(struct sv_pool *p, double now)
{
	struct service	*svc = p->svc;
	struct child	*c;
	int		 used, idle, delta, slot;

	if (now - p->last_tick < SV_TICK &&
	    !(scoreboard_urgent(p->gen->sb, p->index) &&
	    now - p->last_tick >= SV_TICK_URGENT))
		return;
	(void)scoreboard_take_urgent(p->gen->sb, p->index);
	p->last_tick = now;
	scoreboard_count(p->gen->sb, p->index, &used, &idle);
	/* Respawns owed count as starting workers: no growth past back-off. */
	delta = supervisor_pool_delta(used + p->pending, idle + p->pending,
	    svc->workers, svc->min_spare, svc->max_spare, svc->max_workers,
	    &p->rate);
	if (delta > 0) {
		log_debug("service %s: %d idle of %d, starting %d",
		    svc->name, idle, used, delta);
		sv_spawn_n(p, delta);
		p->maxed_logged = false;
	} else if (delta < 0) {
		if ((slot = scoreboard_pick_idle(p->gen->sb, p->index)) >= 0 &&
		    (c = sv_child_in_slot(p, slot)) != NULL) {
			log_debug("service %s: %d idle of %d, stopping %ld",
			    svc->name, idle, used, (long)c->pid);
			sv_retire(c);
		}
	} else if (idle < svc->min_spare && !p->maxed_logged &&
	    used >= svc->max_workers) {
		log_notice("service %s: reached max_workers (%d)", svc->name,
		    svc->max_workers);
		p->maxed_logged = true;
	}
}

static void
sv_maintain_pool(struct sv_pool *p, double now)
{
	int	 n;

	if (p->in_burst && p->pending == 0 &&
	    now - p->last_death >= SV_STABLE_SECS) {
		log_notice("service %s: workers stable again after %d "
		    "failures", p->svc->name, p->deaths);
		p->in_burst = false;
		p->delay = 0;
	}
	if (sv->stopping)
		return;
	if (p->pending > 0 && now >= p->respawn_at) {
		n = p->pending;
		p->pending = 0;
		sv_spawn_n(p, n);
	}
	if (p->index < 0 && (n = sv_spare_deficit(p)) > 0)
		sv_spawn_n(p, n);
	if (p->svc->mode == MODE_PREFORK)
		sv_size(p, now);
}

void
supervisor_maintain(void)
{
	struct sv_gen	*g;
	double		 now = os_monotonic();
	int		 i;

	LIST_FOREACH(g, &sv->gens, entry) {
		if (g->retired)
			continue;
		/* Fork-mode pools (index -1) are started only for spares. */
		for (i = 0; i < g->npools; i++)
			if (g->pools[i].started)
				sv_maintain_pool(&g->pools[i], now);
	}
}

static void
sv_due(double *best, double at)
{
	if (*best < 0 || at < *best)
		*best = at;
}

int
supervisor_next_timeout(void)
{
	struct sv_gen	*g;
	struct sv_pool	*p;
	double		 best = -1, now;
	int		 i;

	LIST_FOREACH(g, &sv->gens, entry) {
		if (g->retired)
			continue;
		for (i = 0; i < g->npools; i++) {
			p = &g->pools[i];
			if (!p->started)
				continue;
			if (p->index < 0 && sv_spare_deficit(p) > 0)
				sv_due(&best, 0);	/* now */
			else if (p->index < 0 && p->nhanded > 0 &&
			    !sv->stopping &&
			    p->handed_at + SV_SPARE_GRACE > os_monotonic())
				sv_due(&best, p->handed_at + SV_SPARE_GRACE);
			if (p->in_burst)
				sv_due(&best, p->last_death + SV_STABLE_SECS);
			if (sv->stopping)
				continue;
			if (p->pending > 0)
				sv_due(&best, p->respawn_at);
			if (p->svc->mode != MODE_PREFORK)
				continue;
			sv_due(&best, p->last_tick +
			    (scoreboard_urgent(g->sb, p->index) ?
			    SV_TICK_URGENT : SV_TICK));
		}
	}
	if (best < 0)
		return -1;
	now = os_monotonic();
	if (best <= now)
		return 0;
	return (int)((best - now) * 1000) + 1;
}

/* ------------------------------------------------------------ queries */

/* Same service across generations: a reload makes a new struct. */
static bool
sv_same_service(const struct service *a, const struct service *b)
{
	return a == b || strcmp(a->name, b->name) == 0;
}

int
supervisor_count(const struct service *svc)
{
	struct sv_gen	*g;
	int		 i, n = 0;

	LIST_FOREACH(g, &sv->gens, entry)
		for (i = 0; i < g->npools; i++)
			if (g->pools[i].nconn > 0 &&
			    sv_same_service(g->pools[i].svc, svc))
				n += g->pools[i].nconn;
	return n;
}

int
supervisor_count_peer(const struct service *svc, const struct sockaddr *peer)
{
	struct child	*c;
	int		 n = 0;

	if (peer == NULL)
		return 0;
	LIST_FOREACH(c, &sv->children, entry)
		if (c->kind == CHILD_CONN && c->peerlen > 0 &&
		    sv_same_service(c->svc, svc) &&
		    acl_same_peer((struct sockaddr *)&c->peer, peer))
			n++;
	return n;
}

int
supervisor_live(void)
{
	return sv->nlive;
}

void
supervisor_signal_all(int sig)
{
	struct child	*c;

	if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT ||
	    sig == SIGKILL)
		sv->stopping = true;
	LIST_FOREACH(c, &sv->children, entry) {
		if (sv->stopping && c->kind == CHILD_WORKER && !c->retiring) {
			c->retiring = true;
			c->pool->nworkers--;
			scoreboard_stop(c->pool->gen->sb, c->slot);
		}
		/* pid -1 only inside supervisor_fork_conn; never kill(-1). */
		if (c->pid > 0 && kill(c->pid, sig) == -1 && errno != ESRCH)
			log_warn("kill %ld", (long)c->pid);
	}
}

/* ------------------------------------------------------- pure policies */

int
supervisor_pool_delta(int live, int idle, int workers, int min_spare,
    int max_spare, int max_workers, int *rate)
{
	int	 room, n;

	if (max_workers < workers)
		max_workers = workers;
	if (*rate < 1)
		*rate = 1;
	if (live < workers) {
		*rate = 1;
		return workers - live;
	}
	if (idle < min_spare) {
		room = max_workers - live;
		if (room <= 0) {
			*rate = 1;
			return 0;
		}
		n = *rate < room ? *rate : room;
		if (*rate < SV_SPAWN_RATE_MAX)
			*rate *= 2;
		return n;
	}
	*rate = 1;
	if (idle > max_spare && live > workers)
		return -1;
	return 0;
}

double
supervisor_backoff_next(double delay, double lived)
{
	if (lived >= SV_STABLE_SECS)
		return 0;
	if (delay < SV_BACKOFF_MIN)
		return SV_BACKOFF_MIN;
	delay *= 2;
	return delay > SV_BACKOFF_MAX ? SV_BACKOFF_MAX : delay;
}

int
supervisor_request_limit(int max_requests, int index, int nslots)
{
	long long	 spread;

	if (max_requests <= 0)
		return 0;
	if (nslots <= 1 || index <= 0)
		return max_requests;
	spread = max_requests / 2;
	return max_requests + (int)(spread * (index % nslots) / nslots);
}

int
supervisor_recycle_cap(int workers)
{
	return workers <= 4 ? 1 : workers / 4;
}
