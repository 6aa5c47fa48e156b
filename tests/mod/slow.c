/*
 * slow.c -- test-only module: an echo that can be made to take its time.
 *
 * Each line (stream) or datagram is sent back unchanged, after
 * `slow { delay_ms = N }' milliseconds.  A line `WAIT /path' is held until
 * /path exists (at most 30 s), and a line `SLEEP N' for N more
 * milliseconds, before it is echoed: the e2e scenarios use these to keep a
 * request in progress for exactly as long as they need (max_children,
 * graceful drain, reload while busy) without depending on timing luck.
 * `slow { check_ms = N }' makes loading the configuration take N ms more
 * (the check hook sleeps), so that a signal can arrive during a reload.
 */
#include <sys/prctl.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sockserv.h>
#include <sockserv/module.h>

#define SLOW_LINE_MAX	 4096
#define SLOW_WAIT_MAX_MS 30000

static void
slow_sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* Apply the line's command, if any, then the configured delay. */
static void
slow_pace(struct sockserv_request *req, const char *line, size_t len)
{
	char path[SLOW_LINE_MAX];
	struct stat st;
	intptr_t delay;
	long waited;

	if (len > 5 && strncmp(line, "WAIT ", 5) == 0) {
		len -= 5;
		memcpy(path, line + 5, len);
		path[len] = '\0';
		path[strcspn(path, "\r\n")] = '\0';
		for (waited = 0;
		     stat(path, &st) == -1 && waited < SLOW_WAIT_MAX_MS;
		     waited += 20)
			slow_sleep_ms(20);
	} else if (len > 6 && strncmp(line, "SLEEP ", 6) == 0)
		slow_sleep_ms(strtol(line + 6, NULL, 10));
	delay = (intptr_t)sockserv_request_context(req);
	if (delay > 0)
		slow_sleep_ms((long)delay);
}

static int
slow_stream(struct sockserv_request *req)
{
	struct sockserv_io *io = sockserv_request_io(req);
	char line[SLOW_LINE_MAX];
	ssize_t n;

	while ((n = sockserv_io_readline(io, line, sizeof(line))) > 0) {
		slow_pace(req, line, (size_t)n);
		if (sockserv_io_write(io, line, (size_t)n) == -1)
			return -1;
	}
	return n == 0 ? 0 : -1;
}

static int
slow_dgram(struct sockserv_request *req)
{
	const void *pkt;
	size_t len;

	pkt = sockserv_request_packet(req, &len);
	slow_pace(req, pkt, len < SLOW_LINE_MAX ? len : SLOW_LINE_MAX - 1);
	return sockserv_reply(req, pkt, len);
}

/*
 * While it sleeps the process is named "slow-check", so that a test finds
 * the reload's trial child among workers that may be starting just then.
 */
static int
slow_check(cfg_t *sec, const struct sockserv_module_env *env)
{
	char name[16] = "";

	(void)env;
	if (sec == NULL || cfg_getint(sec, "check_ms") == 0)
		return 0;
	(void)prctl(PR_GET_NAME, name);
	(void)prctl(PR_SET_NAME, "slow-check");
	slow_sleep_ms(cfg_getint(sec, "check_ms"));
	(void)prctl(PR_SET_NAME, name);
	return 0;
}

static int
slow_init(const struct sockserv_module_env *env, void **state)
{
	long delay = 0;

	if (env->options != NULL)
		delay = cfg_getint(env->options, "delay_ms");
	*state = (void *)(intptr_t)delay;
	return 0;
}

static cfg_opt_t slow_options[] = {CFG_INT("delay_ms", 0, CFGF_NONE),
    CFG_INT("check_ms", 0, CFGF_NONE), CFG_END()};

static const struct sockserv_handler slow_stream_handler = {
    .handle = slow_stream,
};

static const struct sockserv_handler slow_dgram_handler = {
    .handle = slow_dgram,
};

const struct sockserv_module sockserv_module = {
    .abi = SOCKSERV_MODULE_ABI,
    .name = "slow",
    .socktypes = SOCKSERV_MOD_STREAM | SOCKSERV_MOD_DGRAM,
    .thread_safe = true,
    .options = slow_options,
    .check = slow_check,
    .init = slow_init,
    .stream = &slow_stream_handler,
    .dgram = &slow_dgram_handler,
};
