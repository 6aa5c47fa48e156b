/*
 * check_common.h -- helpers shared by the Check unit tests.
 *
 * Nothing here knows about sockserv: temporary directories, monotonic
 * deadlines and polling, counting open descriptors, waiting for a
 * descriptor with a bound, and forking helper children.  Every helper
 * fails the running test (ck_abort_msg) on an unexpected system error so
 * that callers stay short.
 */
#ifndef CHECK_COMMON_H
#define CHECK_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Seconds on CLOCK_MONOTONIC. */
double cc_now(void);
/* Sleep for ms milliseconds, resuming after signals. */
void cc_sleep_ms(int ms);

/*
 * Call pred(arg) until it returns true or timeout_ms passes, pausing
 * about 5 ms between calls.  Returns the last result.
 */
bool cc_poll_until(bool (*pred)(void *), void *arg, int timeout_ms);

/* Wait until *counter (read atomically) >= want, or timeout_ms passes. */
bool cc_wait_counter(const int *counter, int want, int timeout_ms);

/*
 * Make a fresh directory under $TMPDIR (or /tmp, also when $TMPDIR is
 * too long for len), path into buf.
 * cc_tmpdir_remove() deletes it and everything in it (one level deep is
 * enough for tests, which create only files and sockets there).
 */
void cc_tmpdir(char *buf, size_t len);
void cc_tmpdir_remove(const char *dir);

/* Number of entries in /proc/self/fd (the reading fd excluded). */
int cc_count_fds(void);
/* True if fd is an open descriptor (fcntl F_GETFD does not fail). */
bool cc_fd_open(int fd);

/*
 * Wait up to timeout_ms for fd to become readable.  Returns 1 if readable
 * (or at EOF / error), 0 on timeout.
 */
int cc_wait_readable(int fd, int timeout_ms);

/*
 * Read until a newline or EOF into buf (NUL-terminated), waiting at most
 * timeout_ms in total.  Returns the byte count, 0 at EOF with nothing read,
 * -1 on error or timeout (errno ETIMEDOUT).
 */
ssize_t cc_read_line(int fd, char *buf, size_t len, int timeout_ms);
/* Write all of buf or fail the test. */
void cc_write_all(int fd, const void *buf, size_t len);

/* A connected client socket of the given type to sa, O_CLOEXEC; -1 on error. */
int cc_connect(const struct sockaddr *sa, socklen_t salen, int socktype);

/*
 * Memory shared with forked children (MAP_SHARED | MAP_ANONYMOUS), zeroed.
 * Counters kept there are visible whatever mode the server runs in.
 */
void *cc_shared_alloc(size_t len);
void cc_shared_free(void *p, size_t len);

/* Fork a child that calls _exit(code) at once; returns its pid. */
pid_t cc_fork_exit(int code);
/* waitpid(pid) with a deadline; returns the raw status or fails the test. */
int cc_waitpid_deadline(pid_t pid, int timeout_ms);

#endif /* CHECK_COMMON_H */
