/*
 * supervisor.c -- what the master asks of its children: a child per
 * fork-mode connection or datagram, reaping, retiring a generation,
 * stopping, and the counts admission needs.
 *
 * The table it acts on is child.c's, the pools it reaps for are pool.c's
 * and the spares a connection goes to first are spare.c's.  The master
 * calls in from its loop: supervisor_reap() after SIGCHLD,
 * supervisor_maintain() whenever supervisor_next_timeout() has expired
 * (calling it more often is harmless).  A worker or spare that died
 * unexpectedly is owed a respawn with back-off (pool.c); one retired is
 * not replaced, one recycled after its requests at once.
 *
 * Nothing a child starts outlives the daemon: the master is a child
 * subreaper, so what a child leaves running when it dies (an exec
 * program's background job, once its keeper was SIGKILLed) is reparented
 * to it; such strays are killed with their process group at the next
 * maintenance after a child is reaped that may have left them (at most
 * once a second: a look reads the whole table for each process found),
 * and a stopping master looks on every turn and does not exit before the
 * last is gone (supervisor_kill_strays).
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

#define SV_STRAYS_TICK 1.0 /* s: at most one look for strays per */

/* ----------------------------------------------------------- fork mode */

int
supervisor_fork_conn(struct conf *conf, struct service *svc, int conn_fd,
    const struct sockaddr *peer, socklen_t peerlen)
{
	struct sv_gen *g;
	struct sv_pool *p;
	struct child *c;
	pid_t pid;
	struct sockserv_server *srv;

	if ((g = child_gen_get(conf)) == NULL ||
	    (p = child_pool_of(g, svc)) == NULL) {
		close(conn_fd);
		return -1;
	}
	if (p->nspare > 0 && spare_take(p, conn_fd, peer, peerlen) == 0) {
		close(conn_fd);
		child_tab->served++;
		return 0;
	}
	if ((srv = child_pool_srv(p)) == NULL ||
	    (c = child_new(p, CHILD_CONN)) == NULL) {
		close(conn_fd);
		return -1;
	}
	if (peer != NULL && peerlen <= sizeof(c->peer)) {
		memcpy(&c->peer, peer, peerlen);
		c->peerlen = peerlen;
	}
	child_add(c, -1); /* so that after fork() only the pid is stored */
	child_before_fork();
	if ((pid = fork()) == -1) {
		child_fork_failed(svc);
		child_remove(c);
		close(conn_fd);
		return -1;
	}
	if (pid == 0) {
		child_close_master(NULL, -1);
		worker_conn(svc, srv, conn_fd, peer, peerlen);
	}
	c->pid = pid;
	close(conn_fd);
	child_tab->served++;
	return 0;
}

int
supervisor_fork_dgram(struct conf *conf, struct service *svc, int lfd,
    const void *pkt, size_t len, const struct sockaddr *peer, socklen_t peerlen)
{
	struct sv_gen *g;
	struct sv_pool *p;
	struct child *c;
	pid_t pid;

	if ((g = child_gen_get(conf)) == NULL ||
	    (p = child_pool_of(g, svc)) == NULL ||
	    (c = child_new(p, CHILD_CONN)) == NULL)
		return -1;
	if (peer != NULL && peerlen <= sizeof(c->peer)) {
		memcpy(&c->peer, peer, peerlen);
		c->peerlen = peerlen;
	}
	child_before_fork();
	if ((pid = fork()) == -1) {
		child_fork_failed(svc);
		arena_free(c);
		return -1;
	}
	if (pid == 0) {
		child_close_master(NULL, lfd);
		worker_dgram(svc, lfd, pkt, len, peer, peerlen);
	}
	child_add(c, pid);
	child_tab->served++;
	return 0;
}

/* ------------------------------------------------------------ retiring */

void
supervisor_retire_conf(struct conf *conf)
{
	struct sv_gen *g;
	struct child *c;
	int i;

	if ((g = child_gen_find(conf)) == NULL)
		return;
	g->retired = true;
	for (i = 0; i < g->npools; i++)
		g->pools[i].pending = 0;
	LIST_FOREACH(c, &child_tab->children, entry)
		if (c->pool->gen == g)
			child_retire(c);
	if (g->nchildren == 0)
		child_gen_destroy(g);
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
	char client[SOCKSERV_ADDRSTRLEN], st[32];

	if (!log_enabled(LOG_INFO))
		return;
	if (c->peerlen > 0)
		sockserv_sockaddr_format((struct sockaddr *)&c->peer,
		    c->peerlen, client, sizeof(client));
	else
		snprintf(client, sizeof(client), "-");
	sv_status(status, st, sizeof(st));
	log_info("service %s: %s pid %ld duration %.3fs status %s",
	    c->svc->name, client, (long)c->pid, os_monotonic() - c->started,
	    st);
}

/* A worker died that nobody asked to: replace it, backing off. */
static void
sv_worker_died(struct child *c, const char *st)
{
	struct sv_pool *p = c->pool;
	double lived = os_monotonic() - c->started;

	p->delay = pool_backoff_next(p->delay, lived);
	p->last_death = os_monotonic();
	if (p->delay == 0) {
		log_warnx("service %s: worker %ld exited (status %s) after "
			  "%.1fs; replacing it",
		    c->svc->name, (long)c->pid, st, lived);
	} else if (!p->in_burst) {
		log_warnx("service %s: worker %ld exited (status %s) after "
			  "%.1fs; workers keep dying, respawning with back-off "
			  "(up to %.0fs)",
		    c->svc->name, (long)c->pid, st, lived, POOL_BACKOFF_MAX);
		p->in_burst = true;
		p->deaths = 1;
	} else {
		log_debug("service %s: worker %ld exited (status %s); "
			  "respawn in %.1fs",
		    c->svc->name, (long)c->pid, st, p->delay);
		p->deaths++;
	}
	pool_owe(p, 1, p->delay);
}

static void
sv_worker_gone(struct child *c, int status)
{
	struct sv_pool *p = c->pool;
	enum sb_state last;
	char st[32];

	last = scoreboard_release(p->gen->sb, c->slot);
	sv_status(status, st, sizeof(st));
	if (c->retiring || p->gen->retired || child_tab->stopping) {
		log_debug("service %s: worker %ld retired (status %s)",
		    c->svc->name, (long)c->pid, st);
		return;
	}
	if (last == SB_RETIRING && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0) {
		log_debug("service %s: worker %ld recycled after its "
			  "requests",
		    c->svc->name, (long)c->pid);
		pool_owe(p, 1, 0);
		return;
	}
	sv_worker_died(c, st);
}

/* A spare died before it was handed a connection. */
static void
sv_spare_gone(struct child *c, int status)
{
	char st[32];

	sv_status(status, st, sizeof(st));
	if (c->retiring || c->pool->gen->retired || child_tab->stopping) {
		log_debug("service %s: spare %ld retired (status %s)",
		    c->svc->name, (long)c->pid, st);
		return;
	}
	sv_worker_died(c, st);
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
	static bool warned;
	FILE *f;
	pid_t pid;
	int n = 0;

	child_tab->strays_due = false;
	child_tab->strays_at = os_monotonic();
	/* The master has one thread, whose id is its pid. */
	if ((f = os_children_open(getpid())) == NULL) {
		if (!warned)
			log_warn("/proc/self/task/%ld/children: cannot look "
				 "for strays",
			    (long)getpid());
		warned = true;
		return 0;
	}
	while ((pid = os_children_next(f)) > 0) {
		if (child_find(pid) != NULL)
			continue;
		(void)kill(-pid, SIGKILL);
		(void)kill(pid, SIGKILL);
		n++;
	}
	fclose(f);
	return n;
}

void
supervisor_reap(void)
{
	struct child *c;
	pid_t pid;
	int status;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid == -1 && errno == EINTR)
			continue;
		if (pid <= 0)
			break; /* 0: none left exited; ECHILD */
		/* A stray, or a child killed before it could clean up. */
		if ((c = child_find(pid)) == NULL || WIFSIGNALED(status))
			child_tab->strays_due = true;
		if (c == NULL)
			continue; /* a stray: reaped quietly */
		if (c->kind == CHILD_CONN)
			sv_conn_gone(c, status);
		else if (c->kind == CHILD_SPARE)
			sv_spare_gone(c, status);
		else
			sv_worker_gone(c, status);
		child_remove(c);
	}
}

/* --------------------------------------------------------- maintenance */

/*
 * The look for strays a reap asked for, at most once per SV_STRAYS_TICK:
 * it reads the whole table for each child of the master, which a crash
 * loop of a large pool would otherwise pay at every reap.
 */
static double
sv_strays_when(void)
{
	return child_tab->strays_at + SV_STRAYS_TICK;
}

void
supervisor_maintain(void)
{
	if (child_tab->strays_due && os_monotonic() >= sv_strays_when())
		(void)supervisor_kill_strays();
	pool_maintain();
}

int
supervisor_next_timeout(void)
{
	double left;
	int t = pool_next_timeout(), s;

	if (!child_tab->strays_due)
		return t;
	left = sv_strays_when() - os_monotonic();
	s = left <= 0 ? 0 : (int)(left * 1000) + 1;
	return t < 0 || s < t ? s : t;
}

/* ------------------------------------------------------------- queries */

/* Same service across generations: a reload makes a new struct. */
static bool
sv_same_service(const struct service *a, const struct service *b)
{
	return a == b || strcmp(a->name, b->name) == 0;
}

int
supervisor_count(const struct service *svc)
{
	struct sv_gen *g;
	int i, n = 0;

	LIST_FOREACH(g, &child_tab->gens, entry)
		for (i = 0; i < g->npools; i++)
			if (g->pools[i].nconn > 0 &&
			    sv_same_service(g->pools[i].svc, svc))
				n += g->pools[i].nconn;
	return n;
}

int
supervisor_count_peer(const struct service *svc, const struct sockaddr *peer)
{
	struct child *c;
	uint32_t key[4], ckey[4];
	int family, n = 0;

	/* The new client's key once; each child's is two copies. */
	if ((family = sockserv_sockaddr_key(peer, key)) == 0)
		return 0;
	LIST_FOREACH(c, &child_tab->children, entry)
		if (c->kind == CHILD_CONN && c->peerlen > 0 &&
		    sv_same_service(c->svc, svc) &&
		    sockserv_sockaddr_key((struct sockaddr *)&c->peer, ckey) ==
			family &&
		    memcmp(ckey, key, sizeof(key)) == 0)
			n++;
	return n;
}

int
supervisor_live(void)
{
	return child_tab->nlive;
}

void
supervisor_signal_all(int sig)
{
	struct child *c;

	if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT || sig == SIGKILL)
		child_tab->stopping = true;
	LIST_FOREACH(c, &child_tab->children, entry) {
		if (child_tab->stopping && c->kind == CHILD_WORKER &&
		    !c->retiring) {
			c->retiring = true;
			c->pool->nworkers--;
			scoreboard_stop(c->pool->gen->sb, c->slot);
		}
		/* pid -1 only inside supervisor_fork_conn; never kill(-1). */
		if (c->pid > 0 && kill(c->pid, sig) == -1 && errno != ESRCH)
			log_warn("kill %ld", (long)c->pid);
	}
}

/*
 * One line on what runs, for systemd's STATUS=: conf's services, its
 * pool workers busy and idle, its fork-mode children, and the requests
 * served since the start (connections and datagrams of fork mode, and
 * what the pools' scoreboards counted).  It reads counters only: cheap
 * enough for a timer.
 */
void
supervisor_status(struct conf *conf, char *buf, size_t len)
{
	struct sv_gen *g;
	struct sv_pool *p;
	struct service *svc;
	unsigned long served;
	int nsvc = 0, used, idle, busy = 0, nidle = 0, nconn = 0;
	int i;

	TAILQ_FOREACH(svc, &conf->services, entry)
		nsvc++;
	if ((g = child_gen_find(conf)) != NULL)
		for (i = 0; i < g->npools; i++) {
			p = &g->pools[i];
			nconn += p->nconn;
			if (p->index < 0 || g->sb == NULL)
				continue;
			scoreboard_count(g->sb, p->index, &used, &idle);
			busy += used - idle;
			nidle += idle;
		}
	served = child_tab->served + scoreboard_served(NULL);
	LIST_FOREACH(g, &child_tab->gens, entry)
		if (g->sb != NULL)
			served += scoreboard_served(g->sb);
	snprintf(buf, len,
	    "%d service%s; workers: %d busy, %d idle; "
	    "fork children: %d; served: %lu",
	    nsvc, nsvc == 1 ? "" : "s", busy, nidle, nconn, served);
}
