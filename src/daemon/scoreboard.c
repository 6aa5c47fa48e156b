/*
 * scoreboard.c -- the shared-memory scoreboard of the worker pools.
 *
 * It owns one MAP_SHARED | MAP_ANONYMOUS region per configuration
 * generation, mapped by the master before it forks that generation's
 * workers, so that every worker inherits it.  The region holds a header
 * per pool (one service in prefork, thread or sync mode: its slot range,
 * its recycle tokens, an "urgent" flag) and one slot per worker: state
 * (starting, idle, busy, retiring), pid, requests served, the client
 * address while busy, the time of the last change.  Apache's prefork
 * scoreboard is the model: the master reads it to size the pool without
 * ever talking to a worker, and a worker counts the busy slots serving
 * the same client for max_per_source.
 *
 * Ownership of the words: the master allocates and frees slots and sets
 * `stop' when it signals a worker; a worker writes only its own slot.
 * Every word that another process reads while it changes is a C11 atomic.
 * The client address is written under a per-slot sequence counter (a
 * seqlock), so a reader never uses a torn address.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

/* The fastest a worker may wake the master to say the pool is short. */
#define SB_NOTIFY_MS 100

struct sb_pool {
	int base;		  /* first slot */
	int n;			  /* slots */
	int cap;		  /* recycle tokens */
	atomic_int recycling;	  /* tokens taken */
	atomic_int urgent;	  /* no idle worker was left */
	atomic_llong notified_ms; /* last SIGCHLD to the master */
};

struct sb_slot {
	atomic_int state; /* enum sb_state */
	atomic_int stop;  /* the master sent SIGTERM */
	atomic_int pid;
	atomic_int token; /* holds a recycle token */
	int pool;	  /* set before fork */
	int dgram;	  /* serves datagrams; before fork */
	int limit;	  /* requests; 0: none */
	atomic_ulong requests;
	atomic_llong last_ms; /* monotonic, last change */
	atomic_uint seq;      /* odd while peer is written */
	atomic_int pfamily;   /* 0, AF_INET or AF_INET6 */
	atomic_uint paddr[4];
} __attribute__((aligned(64)));

struct scoreboard {
	size_t len; /* of the mapping */
	int npools;
	int nslots;
	pid_t master;
	struct sb_pool *pools;
	struct sb_slot *slots;
};

/* Master: requests served by the workers whose slots were released. */
static unsigned long sb_served_gone;

/* This process's region and slot, once it is a worker. */
static struct scoreboard *sb_self;
static struct sb_slot *slot_self;

/*
 * Map a region for npools pools, sizes[i] slots each.  The header, the
 * pools and the slots all live in the mapping, so a forked worker finds
 * them at the same addresses.  NULL with errno set on failure.
 */
struct scoreboard *
scoreboard_new(const int *sizes, const int *caps, int npools)
{
	struct scoreboard *sb;
	size_t len, off_pools, off_slots;
	int i, nslots = 0;
	void *p;

	for (i = 0; i < npools; i++) {
		if (sizes[i] < 0 || sizes[i] > 1 << 16) {
			errno = EINVAL;
			return NULL;
		}
		nslots += sizes[i];
	}
	off_pools = (sizeof(*sb) + 63) & ~(size_t)63;
	off_slots = (off_pools + (size_t)npools * sizeof(struct sb_pool) + 63) &
	    ~(size_t)63;
	len = off_slots + (size_t)nslots * sizeof(struct sb_slot);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	sb = p;
	sb->len = len;
	sb->npools = npools;
	sb->nslots = nslots;
	sb->master = getpid();
	sb->pools = (struct sb_pool *)((char *)p + off_pools);
	sb->slots = (struct sb_slot *)((char *)p + off_slots);
	nslots = 0;
	for (i = 0; i < npools; i++) {
		sb->pools[i].base = nslots;
		sb->pools[i].n = sizes[i];
		sb->pools[i].cap = caps[i] > 0 ? caps[i] : 1;
		nslots += sizes[i];
	}
	for (i = 0; i < sb->nslots; i++)
		sb->slots[i].pool = -1;
	return sb;
}

void
scoreboard_free(struct scoreboard *sb)
{
	if (sb != NULL)
		(void)munmap(sb, sb->len);
}

int
scoreboard_alloc(struct scoreboard *sb, int pool, int limit)
{
	struct sb_pool *p = &sb->pools[pool];
	struct sb_slot *s;
	int i;

	for (i = p->base; i < p->base + p->n; i++) {
		s = &sb->slots[i];
		if (atomic_load(&s->state) != SB_FREE)
			continue;
		s->pool = pool;
		s->limit = limit;
		s->dgram = 0;
		atomic_store(&s->stop, 0);
		atomic_store(&s->pid, 0);
		atomic_store(&s->token, 0);
		atomic_store(&s->requests, 0);
		atomic_store(&s->pfamily, 0);
		atomic_store(&s->last_ms, (long long)os_monotonic_ms());
		atomic_store(&s->state, SB_STARTING);
		return i;
	}
	return -1;
}

void
scoreboard_set_pid(struct scoreboard *sb, int slot, pid_t pid)
{
	atomic_store(&sb->slots[slot].pid, pid);
}

enum sb_state
scoreboard_release(struct scoreboard *sb, int slot)
{
	struct sb_slot *s = &sb->slots[slot];
	enum sb_state st;

	if (atomic_exchange(&s->token, 0))
		atomic_fetch_sub(&sb->pools[s->pool].recycling, 1);
	sb_served_gone += atomic_load(&s->requests);
	st = atomic_exchange(&s->state, SB_FREE);
	atomic_store(&s->pid, 0);
	return st;
}

void
scoreboard_count(const struct scoreboard *sb, int pool, int *used, int *idle)
{
	const struct sb_pool *p = &sb->pools[pool];
	struct sb_slot *s;
	int i, st;

	*used = *idle = 0;
	for (i = p->base; i < p->base + p->n; i++) {
		s = &sb->slots[i];
		st = atomic_load(&s->state);
		if (st == SB_FREE || st == SB_RETIRING || atomic_load(&s->stop))
			continue;
		(*used)++;
		if (st == SB_IDLE || st == SB_STARTING)
			(*idle)++;
	}
}

/*
 * Requests served by sb's workers in the slots in use; with sb NULL, by
 * every worker whose slot was released, of any scoreboard.
 */
unsigned long
scoreboard_served(const struct scoreboard *sb)
{
	unsigned long n = 0;
	int i;

	if (sb == NULL)
		return sb_served_gone;
	for (i = 0; i < sb->nslots; i++)
		if (atomic_load(&sb->slots[i].state) != SB_FREE)
			n += atomic_load(&sb->slots[i].requests);
	return n;
}

int
scoreboard_pick_idle(const struct scoreboard *sb, int pool)
{
	const struct sb_pool *p = &sb->pools[pool];
	struct sb_slot *s;
	int i;

	/*
	 * The highest slot first: the pool shrinks from its end.  Never a
	 * datagram worker: they are the pool's `workers', which it keeps.
	 */
	for (i = p->base + p->n - 1; i >= p->base; i--) {
		s = &sb->slots[i];
		if (atomic_load(&s->state) == SB_IDLE && !s->dgram &&
		    !atomic_load(&s->stop))
			return i;
	}
	return -1;
}

/* Workers of pool serving datagrams and staying: not retiring, stopped. */
int
scoreboard_dgram_count(const struct scoreboard *sb, int pool)
{
	const struct sb_pool *p = &sb->pools[pool];
	struct sb_slot *s;
	int i, n = 0, st;

	for (i = p->base; i < p->base + p->n; i++) {
		s = &sb->slots[i];
		st = atomic_load(&s->state);
		if (s->dgram && st != SB_FREE && st != SB_RETIRING &&
		    !atomic_load(&s->stop))
			n++;
	}
	return n;
}

/* Before the fork: the worker in slot serves datagrams too. */
void
scoreboard_set_dgram(struct scoreboard *sb, int slot)
{
	sb->slots[slot].dgram = 1;
}

bool
scoreboard_dgram(void)
{
	return slot_self == NULL || slot_self->dgram;
}

void
scoreboard_stop(struct scoreboard *sb, int slot)
{
	atomic_store(&sb->slots[slot].stop, 1);
}

bool
scoreboard_urgent(const struct scoreboard *sb, int pool)
{
	return atomic_load(&sb->pools[pool].urgent) != 0;
}

bool
scoreboard_take_urgent(struct scoreboard *sb, int pool)
{
	return atomic_exchange(&sb->pools[pool].urgent, 0) != 0;
}

/* ------------------------------------------------------------ worker side */

void
scoreboard_attach(struct scoreboard *sb, int slot)
{
	sb_self = sb;
	slot_self = &sb->slots[slot];
	atomic_store(&slot_self->pid, getpid());
}

int
scoreboard_limit(void)
{
	return slot_self != NULL ? slot_self->limit : 0;
}

void
scoreboard_idle(void)
{
	if (slot_self == NULL)
		return;
	if (atomic_load(&slot_self->state) == SB_BUSY)
		atomic_fetch_add(&slot_self->requests, 1);
	atomic_store(&slot_self->last_ms, (long long)os_monotonic_ms());
	atomic_store(&slot_self->state, SB_IDLE);
}

static void
sb_write_peer(struct sb_slot *s, int family, const uint32_t key[4])
{
	int i;

	atomic_fetch_add_explicit(&s->seq, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->pfamily, family, memory_order_relaxed);
	for (i = 0; i < 4; i++)
		atomic_store_explicit(&s->paddr[i], key[i],
		    memory_order_relaxed);
	atomic_fetch_add_explicit(&s->seq, 1, memory_order_release);
}

/* True if slot s is serving the client `key'; a few tries, then no. */
static bool
sb_same_peer(struct sb_slot *s, int family, const uint32_t key[4])
{
	unsigned s1, s2;
	uint32_t a[4];
	int f, i, tries;

	for (tries = 0; tries < 8; tries++) {
		s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		f = atomic_load_explicit(&s->pfamily, memory_order_relaxed);
		for (i = 0; i < 4; i++)
			a[i] = atomic_load_explicit(&s->paddr[i],
			    memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load_explicit(&s->seq, memory_order_relaxed);
		if (s1 == s2)
			return f == family && memcmp(a, key, sizeof(a)) == 0;
	}
	return false;
}

/* Nobody idle: flag it, and wake the master if it was not woken lately. */
static void
sb_notify(struct sb_pool *p)
{
	long long now = (long long)os_monotonic_ms(), last;

	atomic_store(&p->urgent, 1);
	last = atomic_load(&p->notified_ms);
	if (now - last < SB_NOTIFY_MS ||
	    !atomic_compare_exchange_strong(&p->notified_ms, &last, now))
		return;
	/* A worker under another uid gets EPERM: the 1 s tick remains. */
	if (getppid() == sb_self->master)
		(void)kill(sb_self->master, SIGCHLD);
}

int
scoreboard_busy(const struct sockaddr *peer, bool count)
{
	struct sb_pool *p;
	struct sb_slot *s;
	uint32_t key[4];
	int family, i, st, same = 0, idle = 0;

	if (slot_self == NULL)
		return 0;
	family = sockserv_sockaddr_key(peer, key);
	sb_write_peer(slot_self, family, key);
	atomic_store(&slot_self->last_ms, (long long)os_monotonic_ms());
	atomic_store(&slot_self->state, SB_BUSY);

	p = &sb_self->pools[slot_self->pool];
	for (i = p->base; i < p->base + p->n; i++) {
		s = &sb_self->slots[i];
		st = atomic_load(&s->state);
		if ((st == SB_IDLE || st == SB_STARTING) &&
		    !atomic_load(&s->stop)) {
			idle++;
			if (!count)
				break; /* one idle worker is all it asks */
		} else if (count && st == SB_BUSY && family != 0 &&
		    sb_same_peer(s, family, key))
			same++;
	}
	/* A pool of one (thread, sync) never grows: nobody to wake. */
	if (idle == 0 && p->n > 1)
		sb_notify(p);
	return same;
}

bool
scoreboard_recycle_token(void)
{
	struct sb_pool *p;
	int n;

	if (slot_self == NULL)
		return true;
	if (atomic_load(&slot_self->token))
		return true;
	p = &sb_self->pools[slot_self->pool];
	n = atomic_load(&p->recycling);
	do {
		if (n >= p->cap)
			return false;
	} while (!atomic_compare_exchange_weak(&p->recycling, &n, n + 1));
	atomic_store(&slot_self->token, 1);
	return true;
}

void
scoreboard_retiring(void)
{
	if (slot_self == NULL)
		return;
	atomic_store(&slot_self->last_ms, (long long)os_monotonic_ms());
	atomic_store(&slot_self->state, SB_RETIRING);
}
