/*
 * fuzz-conf.c -- libFuzzer harness for the configuration loader:
 * each input is written to a temporary file and given to conf_load, the
 * very function behind `sockservd -t', start-up and SIGHUP; a valid
 * result is freed again.  Log output goes to /dev/null so the fuzzer's
 * own reports stay readable (FUZZ_VERBOSE=1 keeps them on stderr).  Modules are
 * looked up in $SOCKSERV_MODULE_DIR when set (point it at the build tree's
 * .libs to let inputs load the real modules and reach their check hooks).
 */
#include "config.h"

#include <fcntl.h>
#include <syslog.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], path[96];
static int fd = -1;

/*
 * The file lives in a private directory: run as root, the loader
 * refuses a config whose directory others may write (trust.c), and
 * every input would stop there.
 */
static int
setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/fuzz-conf.XXXXXX",
	    tmp != NULL && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/sockserv.conf", dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) ==
	    -1)
		return -1;
	log_init(0);
	if (getenv("FUZZ_VERBOSE") != NULL) /* to see why inputs fail */
		return 0;
	return log_open("/dev/null", LOG_CRIT, false);
}

static void
cleanup(void)
{
	if (fd != -1) {
		unlink(path);
		rmdir(dir);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf *conf;

	if (fd == -1) {
		if (setup() == -1)
			abort();
		atexit(cleanup);
	}
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	if ((conf = conf_load(path)) != NULL)
		conf_free(conf);
	return 0;
}
