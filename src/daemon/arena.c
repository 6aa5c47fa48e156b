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
 * out of ARENA_CHUNK mappings as they are needed, each class with its own
 * free list; chunks are kept for reuse (the table is as large as the peak
 * number of children) and unmapped by arena_release().  Larger objects get a
 * mapping of their own.  Every object is zeroed.  Single-threaded: the
 * master only.
 *
 * The other page-table lever on the cost of a fork lives here too:
 * arena_code_advise() maps or drops the code pages of every loaded object.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/queue.h>

#include <link.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

#define ARENA_CHUNK  (64 * 1024)
#define ARENA_SMIN   32 /* smallest class, header included */
#define ARENA_NCLASS 7	/* 32 .. 2048 */
#define ARENA_SMAX   (ARENA_SMIN << (ARENA_NCLASS - 1))

/* Before every object: its class, or its mapping's length if large. */
union arena_hdr {
	struct {
		size_t len; /* large: whole mapping */
		int class;  /* -1: large */
	} h;
	max_align_t align;
};

struct arena_free {
	struct arena_free *next;
};

struct arena_chunk {
	SLIST_ENTRY(arena_chunk) entry;
};

/*
 * The free lists are written per object too: they live in the arena.  A
 * class's newest chunk is carved as objects are asked for (next, end),
 * so that only pages in use are ever touched.
 */
struct arena_state {
	struct arena_free *free_list[ARENA_NCLASS];
	char *next[ARENA_NCLASS];
	char *end[ARENA_NCLASS];
	SLIST_HEAD(, arena_chunk) chunks;
};
static struct arena_state *arena;

static void *
arena_map(size_t len)
{
	void *p;

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

/* A new chunk for class k; its first slot holds the chunk's entry. */
static int
arena_grow(int k)
{
	struct arena_chunk *ch;
	size_t size = (size_t)ARENA_SMIN << k;

	if ((ch = arena_map(ARENA_CHUNK)) == NULL)
		return -1;
	SLIST_INSERT_HEAD(&arena->chunks, ch, entry);
	arena->next[k] = (char *)ch + size;
	arena->end[k] = (char *)ch + ARENA_CHUNK;
	return 0;
}

static int
arena_class(size_t total)
{
	int k;

	for (k = 0; k < ARENA_NCLASS; k++)
		if (total <= (size_t)ARENA_SMIN << k)
			return k;
	return -1;
}

void *
arena_alloc(size_t size)
{
	union arena_hdr *hdr;
	struct arena_free *f;
	size_t total, page;
	int k;

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
	if ((f = arena->free_list[k]) != NULL) {
		arena->free_list[k] = f->next;
		memset(f, 0, (size_t)ARENA_SMIN << k);
	} else {
		if ((arena->next[k] == NULL ||
			(size_t)(arena->end[k] - arena->next[k]) <
			    ((size_t)ARENA_SMIN << k)) &&
		    arena_grow(k) == -1)
			return NULL;
		f = (struct arena_free *)(void *)arena->next[k];
		arena->next[k] += (size_t)ARENA_SMIN << k; /* still zero */
	}
	hdr = (union arena_hdr *)(void *)f;
	hdr->h.class = k;
	return hdr + 1;
}

void
arena_free(void *p)
{
	union arena_hdr *hdr;
	struct arena_free *f;
	int k;

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
	struct arena_chunk *ch;

	if (arena == NULL)
		return;
	while ((ch = SLIST_FIRST(&arena->chunks)) != NULL) {
		SLIST_REMOVE_HEAD(&arena->chunks, entry);
		(void)munmap(ch, ARENA_CHUNK);
	}
	(void)munmap(arena, sizeof(*arena));
	arena = NULL;
}

/* ------------------------------------------------------------ code pages */

/* dl_iterate_phdr: advise the code segments of one loaded object. */
static int
arena_code_object(struct dl_phdr_info *info, size_t size, void *arg)
{
	uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;
	int i, advice = *(const int *)arg;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		/* Never a writable segment: DONTNEED would lose its data. */
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) ||
		    (ph->p_flags & PF_W))
			continue;
		lo = (info->dlpi_addr + ph->p_vaddr) & ~(pg - 1);
		hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + pg - 1) &
		    ~(pg - 1);
		(void)madvise((void *)lo, hi - lo, advice);
	}
	return 0;
}

/*
 * Apply advice to the code of every loaded object: MADV_POPULATE_READ
 * maps all of it now, one call per object instead of a fault per page (a
 * spare, before its connection); MADV_DONTNEED drops it from this
 * process's page tables (the master, once start-up or a reload is done:
 * the pages stay in the page cache, and the few the loop runs come back
 * with one fault each).  Advice the kernel does not know is ignored.
 */
void
arena_code_advise(int advice)
{
	(void)dl_iterate_phdr(arena_code_object, &advice);
}
