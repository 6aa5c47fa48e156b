/*
 * arena.c -- the master's memory that forked children never see.
 *
 * After fork() every page the parent and the child share is write-
 * protected in both, and the first write to one is a copy-on-write
 * fault.  The master of a fork-mode service forks once per connection,
 * and what it writes per connection (the supervisor's child table, its
 * counters, the poll set) would cost it a fault per page per connection,
 * which on a virtual machine costs more than the syscalls around it.  So
 * that state lives in memory marked MADV_DONTFORK: it is simply not
 * mapped in a child, so a fork neither protects nor copies it.  A child
 * that touched it would crash rather than read a stale copy.
 *
 * Objects up to ARENA_SMAX bytes come from power-of-two classes carved
 * out of ARENA_CHUNK mappings, each class with its own free list; chunks
 * are kept for reuse (the table is as large as the peak number of
 * children) and unmapped by arena_release().  Larger objects get a
 * mapping of their own.  Every object is zeroed.  Single-threaded: the
 * master only.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/queue.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

#define ARENA_CHUNK	(64 * 1024)
#define ARENA_SMIN	32		/* smallest class, header included */
#define ARENA_NCLASS	7		/* 32 .. 2048 */
#define ARENA_SMAX	(ARENA_SMIN << (ARENA_NCLASS - 1))

/* Before every object: its class, or its mapping's length if large. */
union arena_hdr {
	struct {
		size_t			 len;	/* large: whole mapping */
		int			 class;	/* -1: large */
	} h;
	max_align_t			 align;
};

struct arena_free {
	struct arena_free		*next;
};

struct arena_chunk {
	SLIST_ENTRY(arena_chunk)	 entry;
};

/* The free lists are written per object too: they live in the arena. */
struct arena_state {
	struct arena_free		*free_list[ARENA_NCLASS];
	SLIST_HEAD(, arena_chunk)	 chunks;
};
static struct arena_state		*arena;

static void *
arena_map(size_t len)
{
	void	*p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (madvise(p, len, MADV_DONTFORK) == -1) {
		int e = errno;

		(void)munmap(p, len);
		errno = e;
		return NULL;
	}
	return p;
}

/* Carve a new chunk into objects of class k, onto its free list. */
static int
arena_grow(int k)
{
	struct arena_chunk	*ch;
	struct arena_free	*f;
	size_t			 size = (size_t)ARENA_SMIN << k, off;

	if ((ch = arena_map(ARENA_CHUNK)) == NULL)
		return -1;
	SLIST_INSERT_HEAD(&arena->chunks, ch, entry);
	/* The chunk's list entry takes its first slot. */
	for (off = size; off + size <= ARENA_CHUNK; off += size) {
		f = (struct arena_free *)(void *)((char *)ch + off);
		f->next = arena->free_list[k];
		arena->free_list[k] = f;
	}
	return 0;
}

static int
arena_class(size_t total)
{
	int	 k;

	for (k = 0; k < ARENA_NCLASS; k++)
		if (total <= (size_t)ARENA_SMIN << k)
			return k;
	return -1;
}

void *
arena_alloc(size_t size)
{
	union arena_hdr		*hdr;
	struct arena_free	*f;
	size_t			 total, page;
	int			 k;

	if (size > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	total = size + sizeof(*hdr);
	if ((k = arena_class(total)) == -1) {
		page = (size_t)sysconf(_SC_PAGESIZE);
		total = (total + page - 1) / page * page;
		if ((hdr = arena_map(total)) == NULL)
			return NULL;
		hdr->h.len = total;
		hdr->h.class = -1;
		return hdr + 1;
	}
	if (arena == NULL) {
		if ((arena = arena_map(sizeof(*arena))) == NULL)
			return NULL;
		SLIST_INIT(&arena->chunks);
	}
	if (arena->free_list[k] == NULL && arena_grow(k) == -1)
		return NULL;
	f = arena->free_list[k];
	arena->free_list[k] = f->next;
	memset(f, 0, (size_t)ARENA_SMIN << k);
	hdr = (union arena_hdr *)(void *)f;
	hdr->h.class = k;
	return hdr + 1;
}

void
arena_free(void *p)
{
	union arena_hdr		*hdr;
	struct arena_free	*f;
	int			 k;

	if (p == NULL)
		return;
	hdr = (union arena_hdr *)p - 1;
	if ((k = hdr->h.class) == -1) {
		(void)munmap(hdr, hdr->h.len);
		return;
	}
	f = (struct arena_free *)(void *)hdr;
	f->next = arena->free_list[k];
	arena->free_list[k] = f;
}

/* Room for n objects of size each, zeroed; NULL (errno set) on failure. */
void *
arena_calloc(size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / 2 / size) {
		errno = ENOMEM;
		return NULL;
	}
	return arena_alloc(n * size);
}

/* Unmap every chunk: only once every object is freed (master exit). */
void
arena_release(void)
{
	struct arena_chunk	*ch;

	if (arena == NULL)
		return;
	while ((ch = SLIST_FIRST(&arena->chunks)) != NULL) {
		SLIST_REMOVE_HEAD(&arena->chunks, entry);
		(void)munmap(ch, ARENA_CHUNK);
	}
	(void)munmap(arena, sizeof(*arena));
	arena = NULL;
}
