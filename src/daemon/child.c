/*
 * child.c -- the supervisor's table: every process the master forked, by
 * the configuration generation it was started with.
 *
 * It owns the records (their structures are in sockservd.h): the child
 * table (a LIST of struct child: per-connection children and spares in
 * fork mode, pool workers in prefork, thread and sync mode), one record
 * per configuration generation (struct sv_gen: the conf, its scoreboard
 * region, whether a reload retired it) and one per service of that
 * generation (struct sv_pool, whose counts of children it keeps).  A
 * generation holds one reference on its conf (the rule is stated beside
 * conf_free in sockservd.h) from its creation until it is destroyed: once
 * it is retired, or its conf no longer the master's, and its last child
 * is reaped.
 *
 * All of it lives in the arena (arena.c), which children do not inherit:
 * in fork mode the master updates it for every connection while other
 * children are alive, and in memory shared with them every page written
 * would be a copy-on-write fault.  Nothing a child runs may touch it; the
 * master's ends of the spares' socket pairs, which children must close,
 * are therefore also listed in ordinary memory (child_spare_fds), and
 * the code that forks calls child_close_master() in the child, which
 * closes them, the listeners and the pidfile.
 *
 * What is done with the table is elsewhere: fork-mode children and
 * reaping in supervisor.c, pools in pool.c, spares in spare.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

/* The supervisor's state, in the arena. */
struct child_table *child_tab;

/* The master's ends of the spares' socket pairs, for children to close. */
static int *child_spare_fds;
static size_t child_nspare_fds, child_spare_fds_cap;

bool
child_is_pool_mode(const struct service *svc)
{
	return svc->mode == MODE_PREFORK || svc->mode == MODE_THREAD ||
	    svc->mode == MODE_SYNC;
}

/* --------------------------------------------------------- generations */

struct sv_gen *
child_gen_find(const struct conf *conf)
{
	struct sv_gen *g;

	LIST_FOREACH(g, &child_tab->gens, entry)
		if (g->conf == conf)
			return g;
	return NULL;
}

/* The record of conf, created on first use (its scoreboard: pool.c). */
struct sv_gen *
child_gen_get(struct conf *conf)
{
	struct sv_gen *g;
	struct service *svc;
	int n = 0, npool = 0;

	if ((g = child_gen_find(conf)) != NULL)
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
		g->pools[n].index = child_is_pool_mode(svc) ? npool++ : -1;
		n++;
	}
	g->npools = n;
	conf->refs++; /* dropped by child_gen_destroy */
	LIST_INSERT_HEAD(&child_tab->gens, g, entry);
	return g;
}

void
child_gen_destroy(struct sv_gen *g)
{
	int i;

	conf_free(g->conf);
	LIST_REMOVE(g, entry);
	scoreboard_free(g->sb);
	for (i = 0; i < g->npools; i++)
		sockserv_server_close(g->pools[i].srv);
	arena_free(g->pools);
	arena_free(g);
}

struct sv_pool *
child_pool_of(struct sv_gen *g, const struct service *svc)
{
	int i;

	for (i = 0; i < g->npools; i++)
		if (g->pools[i].svc == svc)
			return &g->pools[i];
	return NULL;
}

/*
 * The server fork-mode children of p serve with, built on first use.
 * Callers keep it in a local: the child cannot read p (the arena).
 */
struct sockserv_server *
child_pool_srv(struct sv_pool *p)
{
	if (p->srv == NULL)
		p->srv = worker_conn_server(p->svc);
	return p->srv;
}

/* ------------------------------------------------- spares' socket ends */

/*
 * Room in the list children read for one spare end more than there are
 * children; the list itself is derived from the table (child_spare_fds_sync),
 * which this marks for rebuilding.  -1 if there is no memory.
 */
int
child_spare_fds_room(void)
{
	int *fds;
	size_t want = (size_t)child_tab->nlive + 1;

	if (want > child_spare_fds_cap) {
		if ((fds = reallocarray(child_spare_fds, want * 2,
			 sizeof(*fds))) == NULL)
			return -1;
		child_spare_fds = fds;
		child_spare_fds_cap = want * 2;
	}
	child_tab->spare_fds_stale = true;
	return 0;
}

/*
 * Close c's end of its socket pair, if open.  The list children read is
 * brought up to date before the next fork (child_spare_fds_sync), not here:
 * this runs on a connection's way to its spare, and the list is in
 * memory children share, where a write is a copy-on-write fault.
 */
void
child_sock_close(struct child *c)
{
	if (c->sock == -1)
		return;
	(void)close(c->sock);
	c->sock = -1;
	child_tab->spare_fds_stale = true;
}

/* Before any fork: the list holds exactly the open spare ends. */
static void
child_spare_fds_sync(void)
{
	struct child *c;

	if (!child_tab->spare_fds_stale)
		return;
	child_nspare_fds = 0;
	LIST_FOREACH(c, &child_tab->children, entry)
		if (c->sock != -1)
			child_spare_fds[child_nspare_fds++] = c->sock;
	child_tab->spare_fds_stale = false;
}

void
child_before_fork(void)
{
	if (child_tab != NULL)
		child_spare_fds_sync();
}

/*
 * In a child, first thing: close what the master holds (listeners, the
 * signalfd, the spares' ends, the pidfile), in runs of consecutive
 * numbers, a close_range(2) each (os.h): a connection's child pays one
 * syscall here, not one per descriptor.  The spares' master ends are
 * read from child_spare_fds, never the arena.
 */
void
child_close_master(const struct service *keep_svc, int keep_fd)
{
	struct os_fdrun run = OS_FDRUN_INIT;
	size_t i;

	signal_close_child(&run);
	listener_child_close(keep_svc, keep_fd, &run);
	/* Else a spare would not see EOF when the master lets it go. */
	for (i = 0; i < child_nspare_fds; i++)
		os_fdrun_add(&run, child_spare_fds[i]);
	daemonize_child(&run);
	os_fdrun_flush(&run);
}

/* ------------------------------------------------------------ children */

int
child_init(void)
{
	if (child_tab == NULL &&
	    (child_tab = arena_alloc(sizeof(*child_tab))) == NULL)
		return -1;
	LIST_INIT(&child_tab->children);
	LIST_INIT(&child_tab->gens);
	child_tab->nlive = 0;
	child_tab->stopping = false;
	return 0;
}

struct child *
child_new(struct sv_pool *p, enum child_kind kind)
{
	struct child *c;

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
void
child_add(struct child *c, pid_t pid)
{
	c->pid = pid;
	LIST_INSERT_HEAD(&child_tab->children, c, entry);
	child_tab->nlive++;
	c->pool->gen->nchildren++;
	if (c->kind == CHILD_CONN)
		c->pool->nconn++;
	else if (c->kind == CHILD_SPARE)
		c->pool->nspare++;
	else
		c->pool->nworkers++;
}

/* c was reaped: drop its references, then the generation if done. */
void
child_remove(struct child *c)
{
	struct sv_gen *g = c->pool->gen;
	struct conf *conf = c->conf;

	LIST_REMOVE(c, entry);
	child_tab->nlive--;
	if (c->kind == CHILD_CONN)
		c->pool->nconn--;
	if (c->handed)
		c->pool->nhanded--;
	else if (c->kind == CHILD_SPARE && !c->retiring)
		c->pool->nspare--;
	else if (c->kind == CHILD_WORKER && !c->retiring)
		c->pool->nworkers--;
	child_sock_close(c);
	arena_free(c);
	/* refs 1: the generation's own; the master has let go of it. */
	if (--g->nchildren == 0 && (g->retired || conf->refs == 1))
		child_gen_destroy(g);
}

struct child *
child_find(pid_t pid)
{
	struct child *c;

	LIST_FOREACH(c, &child_tab->children, entry)
		if (c->pid == pid)
			return c;
	return NULL;
}

struct child *
child_in_slot(const struct sv_pool *p, int slot)
{
	struct child *c;

	LIST_FOREACH(c, &child_tab->children, entry)
		if (c->pool == p && c->slot == slot)
			return c;
	return NULL;
}

/* Once every child is reaped (the master's exit): free the state. */
void
child_fini(void)
{
	struct sv_gen *g;
	struct child *c;

	if (child_tab == NULL)
		return;
	/* Children that would not die are forgotten with their references. */
	while ((c = LIST_FIRST(&child_tab->children)) != NULL)
		child_remove(c);
	while ((g = LIST_FIRST(&child_tab->gens)) != NULL)
		child_gen_destroy(g);
	arena_free(child_tab);
	child_tab = NULL;
	free(child_spare_fds);
	child_spare_fds = NULL;
	child_nspare_fds = child_spare_fds_cap = 0;
}

void
child_fork_failed(const struct service *svc)
{
	double now = os_monotonic();

	/* Under EAGAIN (process limit) a line per connection helps nobody. */
	if (now - child_tab->fork_warned >= 1.0 ||
	    child_tab->fork_warned == 0) {
		log_warn("service %s: fork", svc->name);
		child_tab->fork_warned = now;
	}
}

/* Tell worker c to finish its request and exit; it is not replaced. */
void
child_retire(struct child *c)
{
	if (c->kind == CHILD_SPARE && !c->retiring) {
		/* EOF on its socketpair: it exits without serving. */
		c->retiring = true;
		c->pool->nspare--;
		child_sock_close(c);
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
