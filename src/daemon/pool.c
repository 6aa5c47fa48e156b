/*
 * pool.c -- the pools: starting, sizing and replacing the workers of a
 * service, and the policies that keep them right.
 *
 * A pool is a service of a generation (struct sv_pool, child.c): the
 * workers of a prefork, thread or sync service, or the spares of a
 * fork-mode service with fork_ahead (spare.c hands connections to them).
 * Nothing here blocks and nothing forks in a loop: a worker that dies is
 * owed a respawn (`pending', pool_owe), paid by pool_maintain() when its
 * time comes, immediately for a worker that lived long or was recycled,
 * after a growing back-off for one that keeps dying.  Prefork pools are
 * sized once a second, as Apache's prefork does: grow at a doubling spawn
 * rate while too few workers are idle, shrink by one idle worker while
 * too many are.  A worker that finds no idle worker left flags its pool
 * in the scoreboard and wakes the master, so a pool under a sudden load
 * grows within 100 ms.  A generation's scoreboard region, one for all its
 * pools, is mapped when the first of them starts, before any of their
 * workers is forked.
 *
 * The policies themselves (pool delta, back-off, request limits, recycle
 * cap) are pure functions at the end of the file, unit-tested alone.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "sockservd.h"

#define POOL_TICK	 1.0 /* seconds between pool sizings */
#define POOL_TICK_URGENT 0.1 /* sooner when a pool ran out of idle */

/* Scoreboard slots a service needs: its largest possible pool. */
static int
pool_slots(const struct service *svc)
{
	if (svc->mode != MODE_PREFORK)
		return 1;
	return svc->max_workers > svc->workers ? svc->max_workers
					       : svc->workers;
}

/* The region for every pool service of g (see pool_begin). */
static int
pool_scoreboard(struct sv_gen *g)
{
	int *sizes, *caps, i;

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
		sizes[g->pools[i].index] = pool_slots(g->pools[i].svc);
		caps[g->pools[i].index] =
		    pool_recycle_cap(g->pools[i].svc->workers);
	}
	g->sb = scoreboard_new(sizes, caps, g->npools);
	free(sizes);
	free(caps);
	return g->sb == NULL ? -1 : 0;
}

/* ---------------------------------------------------- starting workers */

/*
 * Start one worker of pool p.  Returns 0, -1 if the fork failed, or 1 if
 * the pool has no free slot.
 */
static int
pool_spawn(struct sv_pool *p)
{
	struct sv_gen *g = p->gen;
	struct scoreboard *sb;
	struct service *svc = p->svc;
	struct child *c;
	int slot, limit = 0;
	pid_t pid;

	if (p->index < 0)
		return spare_spawn(p);
	if (svc->mode == MODE_PREFORK)
		limit = pool_request_limit(svc->max_requests,
		    (int)(p->spawned % (unsigned)pool_slots(svc)),
		    pool_slots(svc));
	if ((slot = scoreboard_alloc(g->sb, p->index, limit)) == -1)
		return 1;
	if ((c = child_new(p, CHILD_WORKER)) == NULL) {
		scoreboard_release(g->sb, slot);
		return -1;
	}
	c->slot = slot;
	if (svc->mode == MODE_PREFORK &&
	    scoreboard_dgram_count(g->sb, p->index) < svc->workers)
		scoreboard_set_dgram(g->sb, slot);
	sb = g->sb; /* the child cannot read the arena */
	child_before_fork();
	if ((pid = fork()) == -1) {
		child_fork_failed(svc);
		scoreboard_release(sb, slot);
		arena_free(c);
		return -1;
	}
	if (pid == 0) {
		child_close_master(svc, -1);
		scoreboard_attach(sb, slot);
		worker_pool(svc, slot);
	}
	scoreboard_set_pid(g->sb, slot, pid);
	p->spawned++;
	child_add(c, pid);
	log_debug("service %s: worker %ld started (slot %d)", svc->name,
	    (long)pid, slot);
	return 0;
}

/* Owe n respawns to p, due in delay seconds at the latest. */
void
pool_owe(struct sv_pool *p, int n, double delay)
{
	double at = os_monotonic() + delay;

	if (p->pending == 0 || at > p->respawn_at)
		p->respawn_at = at;
	p->pending += n;
}

/* Start n workers now; what cannot be started is owed, with back-off. */
static void
pool_spawn_n(struct sv_pool *p, int n)
{
	int rv;

	while (n > 0) {
		if ((rv = pool_spawn(p)) == 1)
			return; /* full: sizing will see it */
		if (rv == -1) {
			p->delay = pool_backoff_next(p->delay, 0);
			pool_owe(p, n, p->delay);
			return;
		}
		n--;
	}
}

/* svc's pool in conf, marked started; NULL with EALREADY if it was. */
static struct sv_pool *
pool_begin(struct conf *conf, struct service *svc)
{
	struct sv_gen *g;
	struct sv_pool *p;

	if ((g = child_gen_get(conf)) == NULL)
		return NULL; /* errno from the arena */
	if ((p = child_pool_of(g, svc)) == NULL) {
		errno = ENOENT;
		return NULL;
	}
	if (p->started) {
		errno = EALREADY;
		return NULL;
	}
	/* The region for every pool of g: mapped before any worker forks. */
	if (p->index >= 0 && g->sb == NULL && pool_scoreboard(g) == -1) {
		log_warn("scoreboard");
		return NULL;
	}
	p->started = true;
	return p;
}

/* fork mode: spares only for a service with fork_ahead and a stream. */
static int
pool_start_spares(struct conf *conf, struct service *svc)
{
	struct sv_pool *p;
	size_t i;

	for (i = 0; i < svc->naddrs; i++)
		if (svc->addrs[i].socktype == SOCK_STREAM)
			break;
	if (svc->fork_ahead <= 0 || i == svc->naddrs)
		return 0;
	if ((p = pool_begin(conf, svc)) == NULL)
		return errno == EALREADY ? 0 : -1;
	pool_spawn_n(p, spare_deficit(p));
	log_debug("service %s: %d spares started", svc->name, p->nspare);
	return 0;
}

int
pool_start(struct conf *conf, struct service *svc)
{
	struct sv_pool *p;

	if (svc->mode == MODE_FORK)
		return pool_start_spares(conf, svc);
	if (!child_is_pool_mode(svc)) {
		errno = EINVAL;
		return -1;
	}
	if ((p = pool_begin(conf, svc)) == NULL)
		return errno == EALREADY ? 0 : -1;
	p->last_tick = os_monotonic();
	pool_spawn_n(p, svc->mode == MODE_PREFORK ? svc->workers : 1);
	log_debug("service %s: %s pool started", svc->name,
	    conf_mode_name(svc->mode));
	return 0;
}

/* --------------------------------------------------------- maintenance */

/* One prefork sizing tick. */
static void
pool_size(struct sv_pool *p, double now)
{
	struct service *svc = p->svc;
	struct child *c;
	int used, idle, delta, slot;

	if (now - p->last_tick < POOL_TICK &&
	    !(scoreboard_urgent(p->gen->sb, p->index) &&
		now - p->last_tick >= POOL_TICK_URGENT))
		return;
	(void)scoreboard_take_urgent(p->gen->sb, p->index);
	p->last_tick = now;
	scoreboard_count(p->gen->sb, p->index, &used, &idle);
	/* Respawns owed count as starting workers: no growth past back-off. */
	delta = pool_delta(used + p->pending, idle + p->pending, svc->workers,
	    svc->min_spare, svc->max_spare, svc->max_workers, &p->rate);
	if (delta > 0) {
		log_debug("service %s: %d idle of %d, starting %d", svc->name,
		    idle, used, delta);
		pool_spawn_n(p, delta);
		p->maxed_logged = false;
	} else if (delta < 0) {
		if ((slot = scoreboard_pick_idle(p->gen->sb, p->index)) >= 0 &&
		    (c = child_in_slot(p, slot)) != NULL) {
			log_debug("service %s: %d idle of %d, stopping %ld",
			    svc->name, idle, used, (long)c->pid);
			child_retire(c);
		}
	} else if (idle < svc->min_spare && !p->maxed_logged &&
	    used >= svc->max_workers) {
		log_notice("service %s: reached max_workers (%d)", svc->name,
		    svc->max_workers);
		p->maxed_logged = true;
	}
}

static void
pool_maintain_one(struct sv_pool *p, double now)
{
	int n;

	if (p->in_burst && p->pending == 0 &&
	    now - p->last_death >= POOL_STABLE_SECS) {
		log_notice("service %s: workers stable again after %d "
			   "failures",
		    p->svc->name, p->deaths);
		p->in_burst = false;
		p->delay = 0;
	}
	if (child_tab->stopping)
		return;
	if (p->pending > 0 && now >= p->respawn_at) {
		n = p->pending;
		p->pending = 0;
		pool_spawn_n(p, n);
	}
	if (p->index < 0 && (n = spare_deficit(p)) > 0)
		pool_spawn_n(p, n);
	if (p->svc->mode == MODE_PREFORK)
		pool_size(p, now);
}

void
pool_maintain(void)
{
	struct sv_gen *g;
	double now = os_monotonic();
	int i;

	LIST_FOREACH(g, &child_tab->gens, entry) {
		if (g->retired)
			continue;
		/* Fork-mode pools (index -1) are started only for spares. */
		for (i = 0; i < g->npools; i++)
			if (g->pools[i].started)
				pool_maintain_one(&g->pools[i], now);
	}
}

static void
pool_due(double *best, double at)
{
	if (*best < 0 || at < *best)
		*best = at;
}

int
pool_next_timeout(void)
{
	struct sv_gen *g;
	struct sv_pool *p;
	double best = -1, now;
	int i;

	LIST_FOREACH(g, &child_tab->gens, entry) {
		if (g->retired)
			continue;
		for (i = 0; i < g->npools; i++) {
			p = &g->pools[i];
			if (!p->started)
				continue;
			if (p->index < 0 && spare_deficit(p) > 0)
				pool_due(&best, 0); /* now */
			else if (p->index < 0 && p->nhanded > 0 &&
			    !child_tab->stopping &&
			    p->handed_at + SPARE_GRACE > os_monotonic())
				pool_due(&best, p->handed_at + SPARE_GRACE);
			if (p->in_burst)
				pool_due(&best,
				    p->last_death + POOL_STABLE_SECS);
			if (child_tab->stopping)
				continue;
			if (p->pending > 0)
				pool_due(&best, p->respawn_at);
			if (p->svc->mode != MODE_PREFORK)
				continue;
			pool_due(&best,
			    p->last_tick +
				(scoreboard_urgent(g->sb, p->index)
					? POOL_TICK_URGENT
					: POOL_TICK));
		}
	}
	if (best < 0)
		return -1;
	now = os_monotonic();
	if (best <= now)
		return 0;
	return (int)((best - now) * 1000) + 1;
}

/* ------------------------------------------------------- pure policies */

int
pool_delta(int live, int idle, int workers, int min_spare, int max_spare,
    int max_workers, int *rate)
{
	int room, n;

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
		if (*rate < POOL_SPAWN_RATE_MAX)
			*rate *= 2;
		return n;
	}
	*rate = 1;
	if (idle > max_spare && live > workers)
		return -1;
	return 0;
}

double
pool_backoff_next(double delay, double lived)
{
	if (lived >= POOL_STABLE_SECS)
		return 0;
	if (delay < POOL_BACKOFF_MIN)
		return POOL_BACKOFF_MIN;
	delay *= 2;
	return delay > POOL_BACKOFF_MAX ? POOL_BACKOFF_MAX : delay;
}

int
pool_request_limit(int max_requests, int index, int nslots)
{
	long long spread;

	if (max_requests <= 0)
		return 0;
	if (nslots <= 1 || index <= 0)
		return max_requests;
	spread = max_requests / 2;
	return max_requests + (int)(spread * (index % nslots) / nslots);
}

int
pool_recycle_cap(int workers)
{
	return workers <= 4 ? 1 : workers / 4;
}
