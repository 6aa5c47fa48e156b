/*
 * check_conf.c -- unit tests of the configuration loader (conf*.c), the
 * module loader (module.c), StrictModes (trust.c) and the logger (log.c).
 *
 * Every test writes a real config file into a fresh temporary directory,
 * loads it with conf_load() exactly as `sockservd -t' does, with stderr
 * captured to a file, and asserts on the struct conf built or on the
 * `FILE:LINE: message' lines logged.  Modules are the real ones, found
 * through SOCKSERV_MODULE_DIR in the build tree's .libs, plus test-only
 * modules built beside them (badabi, mod_nosym, mod_opts).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "sockservd.h"

#ifndef MODULE_BUILD_DIR
#error "MODULE_BUILD_DIR must name the build tree's .libs"
#endif

static char tmpdir[1024];
static char cpath[PATH_MAX];
static char errpath[PATH_MAX];
static char captured[65536];

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/check_conf.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(cpath, sizeof(cpath), "%s/sockserv.conf", tmpdir);
	snprintf(errpath, sizeof(errpath), "%s/stderr", tmpdir);
	ck_assert_int_eq(setenv("SOCKSERV_MODULE_DIR", MODULE_BUILD_DIR, 1), 0);
	log_init(0);
}

static void stop_module(void);

static void
teardown(void)
{
	char cmd[PATH_MAX + 16];

	stop_module();
	/* Tests create files with fixed names only inside tmpdir. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", tmpdir);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp;

	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
}

/* conf_load(cpath) with stderr going to errpath, then into captured. */
static struct conf *
load_file(void)
{
	struct conf *conf;
	ssize_t n;
	int saved, fd;

	ck_assert_int_ne(fd = open(errpath,
			     O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600),
	    -1);
	ck_assert_int_ne(saved = dup(STDERR_FILENO), -1);
	ck_assert_int_ne(dup2(fd, STDERR_FILENO), -1);
	conf = conf_load(cpath);
	ck_assert_int_ne(dup2(saved, STDERR_FILENO), -1);
	close(saved);
	ck_assert_int_ne(n = pread(fd, captured, sizeof(captured) - 1, 0), -1);
	captured[n] = '\0';
	close(fd);
	return conf;
}

static struct conf *
load(const char *text)
{
	write_file(cpath, text);
	return load_file();
}

/* Assert that captured holds `cpath:line: text'. */
static void
expect_line(int line, const char *text)
{
	char want[PATH_MAX + 512];

	if (line > 0)
		snprintf(want, sizeof(want), "%s:%d: %s", cpath, line, text);
	else
		snprintf(want, sizeof(want), "%s: %s", cpath, text);
	ck_assert_msg(strstr(captured, want) != NULL, "expected \"%s\" in:\n%s",
	    want, captured);
}

/* The config must be refused with exactly this error at this line. */
static void
expect_error(const char *text, int line, const char *msg)
{
	struct conf *conf = load(text);

	ck_assert_msg(conf == NULL, "config was accepted:\n%s", text);
	expect_line(line, msg);
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* Refused with this error and no other: one cause, one message. */
static void
expect_only(const char *text, int line, const char *msg)
{
	expect_error(text, line, msg);
	ck_assert_msg(count_lines(captured) == 1, "more than one message:\n%s",
	    captured);
}

#define ECHO_SERVICE                                                           \
	"service s {\n"                                                        \
	"  listen = \"tcp://127.0.0.1:7007\"\n"                                \
	"  module = \"echo\"\n"                                                \
	"}\n"

/* --------------------------------------------------------- valid configs */

START_TEST(test_defaults)
{
	struct conf *conf = load(ECHO_SERVICE);
	struct service *svc;

	ck_assert_msg(conf != NULL, "refused:\n%s", captured);
	ck_assert_str_eq(captured, "");
	ck_assert_str_eq(conf->pidfile, RUNSTATEDIR "/sockserv/sockservd.pid");
	ck_assert_ptr_null(conf->user);
	ck_assert_ptr_null(conf->log);
	ck_assert_ptr_null(conf->module_dir);
	ck_assert_int_eq(conf->uid, (uid_t)-1);
	ck_assert_int_eq(conf->log_level, LOG_INFO);
	ck_assert_int_eq(conf->shutdown_timeout, 10);
	svc = TAILQ_FIRST(&conf->services);
	ck_assert_ptr_nonnull(svc);
	ck_assert_ptr_null(TAILQ_NEXT(svc, entry));
	ck_assert_str_eq(svc->name, "s");
	ck_assert_int_eq(svc->line, 1);
	ck_assert_int_eq(svc->naddrs, 1);
	ck_assert_str_eq(svc->urls[0], "tcp://127.0.0.1:7007");
	ck_assert_int_eq(svc->addrs[0].family, AF_INET);
	ck_assert_int_eq(svc->addrs[0].socktype, SOCK_STREAM);
	ck_assert_int_eq(svc->mode, MODE_FORK);
	ck_assert_int_eq(svc->request_queue_size, 128);
	ck_assert(svc->reuse_addr);
	ck_assert(!svc->reuse_port);
	ck_assert_int_eq(svc->socket_mode, 0666);
	ck_assert_int_eq(svc->socket_uid, (uid_t)-1);
	ck_assert_int_eq(svc->timeout, 0);
	ck_assert_int_eq(svc->max_children, 40);
	ck_assert_int_eq(svc->workers, 4);
	ck_assert_int_eq(svc->min_spare, 1);
	ck_assert_int_eq(svc->max_spare, 8);
	ck_assert_int_eq(svc->max_workers, 64);
	ck_assert_int_eq(svc->max_requests, 0);
	ck_assert_int_eq(svc->max_per_source, 0);
	ck_assert_int_eq(svc->nallow, 0);
	ck_assert_int_eq(svc->ndeny, 0);
	ck_assert_ptr_null(svc->user);
	ck_assert_ptr_null(svc->group);
	ck_assert_int_eq(svc->uid, (uid_t)-1);
	ck_assert_int_eq(svc->gid, (gid_t)-1);
	ck_assert_ptr_nonnull(svc->fds);
	ck_assert_int_eq(svc->fds[0], -1);
	ck_assert_ptr_nonnull(svc->module);
	ck_assert_str_eq(svc->module->desc->name, "echo");
	ck_assert_str_eq(svc->module_path, MODULE_BUILD_DIR "/echo.so");
	ck_assert_ptr_null(svc->modopts);
	ck_assert_str_eq(svc->env.service, "s");
	ck_assert_int_eq(svc->env.mode, SOCKSERV_FORK);
	ck_assert_ptr_null(svc->env.options);
	ck_assert(svc->env.log == log_msg);
	ck_assert_str_eq(conf_mode_name(svc->mode), "fork");
	conf_free(conf);
}
END_TEST

START_TEST(test_values)
{
	struct passwd *pw = getpwuid(getuid());
	struct group *gr = getgrgid(getgid());
	struct conf *conf;
	struct service *svc;
	char text[16384];

	ck_assert_ptr_nonnull(pw);
	ck_assert_ptr_nonnull(gr);
	snprintf(text, sizeof(text),
	    "user = \"%s\"\ngroup = \"%s\"\npidfile = \"%s/pid\"\nlog = "
	    "\"%s/log\"\nlog_level = \"debug\"\nshutdown_timeout = 3\nservice "
	    "one {\n  listen = { \"tcp://127.0.0.1:7007\", "
	    "\"udp://[::1]:7007\" "
	    "}\n  module = \"echo\"\n  mode = \"prefork\"\n  workers = 2\n  "
	    "min_spare = 0\n  max_spare = 3\n  max_workers = 9\n  max_requests "
	    "= 1000\n  request_queue_size = 64\n  allow_reuse_port = true\n  "
	    "allow_reuse_address = no\n  timeout = 30\n  allow = { "
	    "\"127.0.0.0/8\", \"::1/128\" }\n  deny = \"10.0.0.0/8\"\n  "
	    "max_per_source = 5\n}\nservice two {\n  listen = "
	    "\"unix://%s/sock\"\n  module = \"mod_opts\"\n  mode = sync\n  "
	    "socket_mode = \"0660\"\n  socket_owner = \"%s\"\n  socket_group = "
	    "\"%s\"\n  mod_opts {\n    greeting = \"hi\"\n    count = 7\n  "
	    "}\n}\n",
	    pw->pw_name, gr->gr_name, tmpdir, tmpdir, tmpdir, pw->pw_name,
	    gr->gr_name);
	conf = load(text);
	ck_assert_msg(conf != NULL, "refused:\n%s", captured);
	ck_assert_str_eq(conf->user, pw->pw_name);
	ck_assert_int_eq(conf->uid, pw->pw_uid);
	ck_assert_int_eq(conf->gid, gr->gr_gid);
	ck_assert_int_eq(conf->log_level, LOG_DEBUG);
	ck_assert_int_eq(conf->shutdown_timeout, 3);
	ck_assert_ptr_nonnull(strstr(conf->log, "/log"));

	svc = TAILQ_FIRST(&conf->services);
	ck_assert_str_eq(svc->name, "one");
	ck_assert_int_eq(svc->line, 7);
	ck_assert_int_eq(svc->naddrs, 2);
	ck_assert_int_eq(svc->addrs[1].family, AF_INET6);
	ck_assert_int_eq(svc->addrs[1].socktype, SOCK_DGRAM);
	ck_assert_int_eq(svc->mode, MODE_PREFORK);
	ck_assert_int_eq(svc->env.mode, SOCKSERV_PREFORK);
	ck_assert_int_eq(svc->workers, 2);
	ck_assert_int_eq(svc->min_spare, 0);
	ck_assert_int_eq(svc->max_spare, 3);
	ck_assert_int_eq(svc->max_workers, 9);
	ck_assert_int_eq(svc->max_requests, 1000);
	ck_assert_int_eq(svc->request_queue_size, 64);
	ck_assert(svc->reuse_port);
	ck_assert(!svc->reuse_addr);
	ck_assert_int_eq(svc->timeout, 30);
	ck_assert_int_eq(svc->env.timeout, 30);
	ck_assert_int_eq(svc->nallow, 2);
	ck_assert_int_eq(svc->allow[1].family, AF_INET6);
	ck_assert_int_eq(svc->ndeny, 1);
	ck_assert_int_eq(svc->max_per_source, 5);
	ck_assert_str_eq(svc->user, pw->pw_name); /* inherited */
	ck_assert_str_eq(svc->group, gr->gr_name);
	ck_assert_int_eq(svc->uid, pw->pw_uid);
	ck_assert_int_eq(svc->gid, gr->gr_gid);

	svc = TAILQ_NEXT(svc, entry);
	ck_assert_str_eq(svc->name, "two");
	ck_assert_int_eq(svc->addrs[0].family, AF_UNIX);
	ck_assert_int_eq(svc->mode, MODE_SYNC);
	ck_assert_int_eq(svc->socket_mode, 0660);
	ck_assert_int_eq(svc->socket_uid, pw->pw_uid);
	ck_assert_int_eq(svc->socket_gid, gr->gr_gid);
	ck_assert_ptr_nonnull(svc->modopts);
	ck_assert_ptr_eq(svc->env.options, svc->modopts);
	ck_assert_str_eq(cfg_getstr(svc->modopts, "greeting"), "hi");
	ck_assert_int_eq(cfg_getint(svc->modopts, "count"), 7);
	conf_free(conf);
}
END_TEST

START_TEST(test_identity)
{
	struct passwd *pw = getpwuid(getuid());
	struct conf *conf;
	struct service *svc;
	char text[4096];

	/* Only a service user: its primary group, nothing global. */
	ck_assert_ptr_nonnull(pw);
	snprintf(text, sizeof(text),
	    "service s {\n  listen = \"tcp://127.0.0.1:7007\"\n  module = "
	    "\"echo\"\n  user = \"%s\"\n}\n",
	    pw->pw_name);
	conf = load(text);
	ck_assert_msg(conf != NULL, "refused:\n%s", captured);
	ck_assert_ptr_null(conf->user);
	ck_assert_int_eq(conf->uid, (uid_t)-1);
	svc = TAILQ_FIRST(&conf->services);
	ck_assert_str_eq(svc->user, pw->pw_name);
	ck_assert_ptr_null(svc->group);
	ck_assert_int_eq(svc->uid, pw->pw_uid);
	ck_assert_int_eq(svc->gid, pw->pw_gid);
	conf_free(conf);
}
END_TEST

START_TEST(test_module_shared)
{
	struct conf *conf;
	struct service *a, *b;
	char text[4096];

	snprintf(text, sizeof(text),
	    "service a {\n  listen = \"tcp://127.0.0.1:7007\"\n  module = "
	    "\"echo\"\n}\nservice b {\n  listen = \"udp://127.0.0.1:7007\"\n  "
	    "module = \"%s/echo.so\"\n}\n",
	    MODULE_BUILD_DIR);
	conf = load(text);
	ck_assert_msg(conf != NULL, "refused:\n%s", captured);
	a = TAILQ_FIRST(&conf->services);
	b = TAILQ_NEXT(a, entry);
	/* Same file by name and by absolute path: one loaded module. */
	ck_assert_ptr_eq(a->module, b->module);
	ck_assert_int_eq(a->module->refs, 2);
	conf_free(conf);
}
END_TEST

START_TEST(test_module_dir_wins)
{
	char text[4096];

	/* module_dir from the file beats SOCKSERV_MODULE_DIR. */
	snprintf(text, sizeof(text), "module_dir = \"%s\"\n" ECHO_SERVICE,
	    tmpdir);
	expect_error(text, 4, "service s: ");
	ck_assert_ptr_nonnull(strstr(captured, "/echo.so: No such file"));
}
END_TEST

START_TEST(test_env_module_dir)
{
	struct conf *conf;

	/* Without the environment the build's default directory is used. */
	ck_assert_int_eq(unsetenv("SOCKSERV_MODULE_DIR"), 0);
	if (access(PKGLIBDIR "/echo.so", F_OK) == -1) {
		expect_error(ECHO_SERVICE, 3,
		    "service s: " PKGLIBDIR "/echo.so: ");
		return;
	}
	/* Installed already (make distcheck, a packaged system). */
	conf = load(ECHO_SERVICE);
	ck_assert_msg(conf != NULL, "refused:\n%s", captured);
	ck_assert_str_eq(TAILQ_FIRST(&conf->services)->module_path,
	    PKGLIBDIR "/echo.so");
	conf_free(conf);
}
END_TEST

START_TEST(test_unix_acl_warning)
{
	struct conf *conf;
	char text[4096];

	snprintf(text, sizeof(text),
	    "service u {\n  listen = \"unix://%s/s\"\n  module = \"echo\"\n  "
	    "allow = \"127.0.0.1/32\"\n}\n",
	    tmpdir);
	conf = load(text);
	ck_assert_msg(conf != NULL, "refused:\n%s", captured);
	expect_line(4,
	    "warning: service u: allow does not apply to Unix sockets; "
	    "ignored");
	conf_free(conf);
}
END_TEST

/* ------------------------------------------------------ error reporting */

START_TEST(test_unknown_key)
{
	expect_error("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		     "  module = \"echo\"\n  bogus = 1\n}\n",
	    4, "unknown key 'bogus' in service s");
	expect_error("frobnicate = \"yes\"\n" ECHO_SERVICE, 1,
	    "unknown key 'frobnicate'");
}
END_TEST

START_TEST(test_unknown_block)
{
	expect_only(ECHO_SERVICE "nonsense {\n  a = 1\n}\n", 5,
	    "unknown key 'nonsense'");
}
END_TEST

START_TEST(test_wrong_type)
{
	expect_error("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		     "  module = \"echo\"\n  workers = \"many\"\n}\n",
	    4, "workers: expected an integer, got \"many\"");
	expect_error("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		     "  module = \"echo\"\n  allow_reuse_port = maybe\n}\n",
	    4, "allow_reuse_port: expected true or false, got \"maybe\"");
}
END_TEST

START_TEST(test_out_of_range)
{
	expect_error("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		     "  module = \"echo\"\n\n  request_queue_size = 0\n}\n",
	    5, "request_queue_size: 0 is out of range (1 to 65535)");
	expect_error("shutdown_timeout = -1\n" ECHO_SERVICE, 1,
	    "shutdown_timeout: -1 is out of range");
	expect_error("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		     "  module = \"echo\"\n  socket_mode = \"0999\"\n}\n",
	    4, "socket_mode: expected an octal mode");
}
END_TEST

START_TEST(test_unknown_module)
{
	expect_error("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		     "  module = \"nosuchmod\"\n}\n",
	    3, "service s: " MODULE_BUILD_DIR "/nosuchmod.so: No such file");
	expect_error("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		     "  module = \"../echo\"\n}\n",
	    3, "service s: module \"../echo\"");
	expect_error("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n}\n", 1,
	    "service s: module is required");
}
END_TEST

START_TEST(test_bad_address)
{
	expect_error("service s {\n  listen = { \"tcp://127.0.0.1:7007\",\n    "
		     "\"tcp://127.0.0.1:99999\" }\n  module = \"echo\"\n}\n",
	    3, "listen: ");
	expect_error("service s {\n  module = \"echo\"\n}\n", 1,
	    "service s: listen is required");
}
END_TEST

START_TEST(test_unknown_mode)
{
	expect_error("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		     "  module = \"echo\"\n  mode = \"forky\"\n}\n",
	    4, "mode: unknown mode \"forky\"");
}
END_TEST

START_TEST(test_unknown_module_option)
{
	expect_error(
	    "service s {\n  listen = \"tcp://127.0.0.1:7007\"\n  module = "
	    "\"mod_opts\"\n  mod_opts {\n    greeting = \"x\"\n    nosuch = "
	    "\"y\"\n  }\n}\n",
	    6, "unknown option 'nosuch' for module mod_opts");
}
END_TEST

START_TEST(test_module_check_hook)
{
	expect_error("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		     "module = \"mod_opts\"\n  mod_opts {\n    count = 1000\n  "
		     "}\n}\n",
	    5, "mod_opts: count 1000 is more than 100");
}
END_TEST

START_TEST(test_block_wrong_module)
{
	expect_error(
	    "service t {\n  listen = \"tcp://127.0.0.1:7008\"\n"
	    "module = \"mod_opts\"\n}\nservice s {\n  listen = "
	    "\"tcp://127.0.0.1:7007\"\n  module = \"echo\"\n  mod_opts "
	    "{\n    greeting = \"x\"\n  }\n}\n",
	    9,
	    "service s: block mod_opts is for module mod_opts, but the service "
	    "uses echo");
}
END_TEST

/* No service enabled is a valid configuration: the daemon idles. */
START_TEST(test_no_service)
{
	const char *texts[] = {"log_level = \"info\"\n", "",
	    "service s {\n  enabled = false\n  listen = "
	    "\"tcp://127.0.0.1:7007\"\n  module = \"echo\"\n}\n"};
	struct conf *conf;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		conf = load(texts[i]);
		ck_assert_msg(conf != NULL, "refused:\n%s", captured);
		ck_assert(TAILQ_EMPTY(&conf->services));
		conf_free(conf);
	}
}
END_TEST

/*
 * enabled = false: the service is built and checked (an error in it is
 * still an error), kept aside from the services the daemon runs, and its
 * addresses may be another service's.
 */
START_TEST(test_enabled_false)
{
	struct conf *conf;
	struct service *svc;

	conf = load(ECHO_SERVICE "service off {\n  enabled = false\n"
				 "  listen = \"tcp://127.0.0.1:7007\"\n"
				 "  module = \"upper\"\n}\n");
	ck_assert_msg(conf != NULL, "refused:\n%s", captured);
	svc = TAILQ_FIRST(&conf->services);
	ck_assert_str_eq(svc->name, "s");
	ck_assert_ptr_null(TAILQ_NEXT(svc, entry));
	svc = TAILQ_FIRST(&conf->disabled);
	ck_assert_ptr_nonnull(svc);
	ck_assert_str_eq(svc->name, "off");
	ck_assert(!svc->enabled);
	ck_assert_ptr_nonnull(svc->module);
	conf_free(conf);

	expect_error("service off {\n  enabled = false\n"
		     "  listen = \"tcp://127.0.0.1:7007\"\n"
		     "  module = \"echo\"\n  mode = \"forky\"\n}\n",
	    5, "mode: unknown mode");
}
END_TEST

/* ------------------------------------------------------------- include */

/* Write dir/name (under tmpdir) with text; its path in path. */
static void
write_in(char *path, size_t len, const char *name, const char *text)
{
	snprintf(path, len, "%s/%s", tmpdir, name);
	write_file(path, text);
}

/* Assert that captured holds `path:line: text'. */
static void
expect_at(const char *path, int line, const char *text)
{
	char want[PATH_MAX + 512];

	snprintf(want, sizeof(want), "%s:%d: %s", path, line, text);
	ck_assert_msg(strstr(captured, want) != NULL, "expected \"%s\" in:\n%s",
	    want, captured);
}

#define SERVICE_AT(name, port)                                                 \
	"service " name " {\n  listen = \"tcp://127.0.0.1:" port "\"\n"        \
	"  module = \"echo\"\n}\n"

/*
 * Nested includes, a glob in name order and relative paths (to the
 * including file's directory): every service arrives, in order.
 */
START_TEST(test_include_nested)
{
	char path[PATH_MAX], d[PATH_MAX];
	const char *want[] = {"first", "a", "nested", "b", "last"};
	struct conf *conf;
	struct service *svc;
	size_t i = 0;

	snprintf(d, sizeof(d), "%s/conf.d", tmpdir);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	write_in(path, sizeof(path), "conf.d/b.conf", SERVICE_AT("b", "7012"));
	write_in(path, sizeof(path), "conf.d/a.conf",
	    SERVICE_AT("a", "7011") "include \"../nested.inc\"\n");
	write_in(path, sizeof(path), "conf.d/skip.conf.off",
	    SERVICE_AT("skip", "7019"));
	write_in(path, sizeof(path), "nested.inc",
	    SERVICE_AT("nested", "7013"));
	conf = load(SERVICE_AT("first",
	    "7010") "include \"conf.d/*.conf\"\n"
		    "include \"empty.d/*.conf\"  # a glob matching "
		    "nothing\n" SERVICE_AT("last", "7014"));
	ck_assert_msg(conf != NULL, "refused:\n%s", captured);
	TAILQ_FOREACH(svc, &conf->services, entry) {
		ck_assert_uint_lt(i, 5);
		ck_assert_str_eq(svc->name, want[i++]);
	}
	ck_assert_uint_eq(i, 5);
	conf_free(conf);
}
END_TEST

/*
 * A message names the file the mistake is in and its line there: an
 * included file's own lines (comments counted right), and the including
 * file's lines after the include.
 */
START_TEST(test_include_lines)
{
	char inc[PATH_MAX], msg[PATH_MAX + 64];

	write_in(inc, sizeof(inc), "inc.conf",
	    "# one\n/* two\n three */\n" SERVICE_AT("i",
		"7011") "service j {\n  listen = \"tcp://127.0.0.1:7012\"\n"
			"  module = \"echo\"\n  bogus = 1\n}\n");
	ck_assert_ptr_null(load("log_level = \"info\"\n# c\n"
				"include \"inc.conf\" mode_x = 1\n"
				"# c\n" SERVICE_AT("i", "7013")));
	expect_at(inc, 11, "unknown key 'bogus' in service j");
	expect_at(cpath, 3, "unknown key 'mode_x'");
	snprintf(msg, sizeof(msg),
	    "duplicate service i (first defined at %s:4)", inc);
	expect_at(cpath, 5, msg);
}
END_TEST

/* A missing file, a loop and a scan error in an included file. */
START_TEST(test_include_errors)
{
	char a[PATH_MAX], b[PATH_MAX];

	expect_error("# x\ninclude \"absent.conf\"\n", 2, "include ");
	ck_assert_msg(strstr(captured, "absent.conf: No such file") != NULL,
	    "%s", captured);

	write_in(a, sizeof(a), "a.inc", "\ninclude \"b.inc\"\n");
	write_in(b, sizeof(b), "b.inc", "# b\n\ninclude \"a.inc\"\n");
	ck_assert_ptr_null(load("include \"a.inc\"\n"));
	expect_at(b, 3, "include ");
	ck_assert_msg(strstr(captured, "loop") != NULL, "%s", captured);

	ck_assert_ptr_null(load("include \"sockserv.conf\"\n"));
	ck_assert_msg(strstr(captured, "loop") != NULL, "%s", captured);

	write_in(a, sizeof(a), "a.inc",
	    "\n\nservice x {\n  module = \"echo\n}\n");
	ck_assert_ptr_null(load("\n" ECHO_SERVICE "include \"a.inc\"\n"));
	expect_at(a, 4, "unterminated string starting at line 4");

	/* A FIFO in a conf.d neither blocks the load nor is read. */
	snprintf(a, sizeof(a), "%s/fifo.conf", tmpdir);
	ck_assert_int_eq(mkfifo(a, 0600), 0);
	ck_assert_ptr_null(load("include \"*.conf\"\n"));
	ck_assert_msg(strstr(captured, "fifo.conf: not a regular file") != NULL,
	    "%s", captured);

	/* An include is a directive, not a value or a block's title. */
	expect_error(ECHO_SERVICE "log = include\n", 5, "log: expected");
}
END_TEST

/* An included file passes the same trust checks as the main one. */
START_TEST(test_include_trust)
{
	char inc[PATH_MAX];
	struct conf *conf;

	write_in(inc, sizeof(inc), "inc.conf", ECHO_SERVICE);
	ck_assert_int_eq(chmod(inc, 0666), 0);
	conf = load("\ninclude \"inc.conf\"\n");
	if (geteuid() != 0) {
		ck_assert_msg(conf != NULL, "refused:\n%s", captured);
		conf_free(conf);
		return;
	}
	ck_assert_ptr_null(conf);
	expect_line(2, "include: ");
	ck_assert_msg(strstr(captured, "inc.conf is writable by others") !=
		NULL,
	    "%s", captured);
}
END_TEST

START_TEST(test_duplicate_service)
{
	expect_error(ECHO_SERVICE
	    "\nservice s {\n  listen = \"tcp://127.0.0.1:7008\"\n  module = "
	    "\"echo\"\n}\n",
	    6, "duplicate service s (first defined at line 1)");
}
END_TEST

START_TEST(test_many_errors)
{
	struct conf *conf;

	conf = load("log_level = \"chatty\"\n"		    /* 1 */
		    "bogus = 1\n"			    /* 2 */
		    "service a {\n"			    /* 3 */
		    "  listen = \"tcp://127.0.0.1:7007\"\n" /* 4 */
		    "  module = \"echo\"\n"		    /* 5 */
		    "  mode = \"forky\"\n"		    /* 6 */
		    "  workers = \"x\"\n"		    /* 7 */
		    "}\n"				    /* 8 */
		    "service b {\n"			    /* 9 */
		    "  listen = \"tcp://127.0.0.1:7008\"\n" /* 10 */
		    "  module = \"nosuchmod\"\n"	    /* 11 */
		    "  max_children = 0\n"		    /* 12 */
		    "  user = \"no-such-user-here\"\n"	    /* 13 */
		    "}\n");				    /* 14 */
	ck_assert_ptr_null(conf);
	expect_line(1, "log_level: unknown level \"chatty\"");
	expect_line(2, "unknown key 'bogus'");
	expect_line(6, "mode: unknown mode \"forky\"");
	expect_line(7, "workers: expected an integer");
	expect_line(11, "service b: ");
	expect_line(12, "max_children: 0 is out of range");
	expect_line(13, "unknown user \"no-such-user-here\"");
	ck_assert_int_eq(count_lines(captured), 7);
}
END_TEST

/*
 * Messages on one line come in the order of the key table (conf-keys.c),
 * which is the build order the checks rely on: identity, listen, mode,
 * socket file, numbers with their checks, then allow and deny.
 */
START_TEST(test_one_line_order)
{
	const char *want[] = {
	    "unknown user \"no-such-user-here\"",
	    "listen: bad: expected",
	    "socket_mode: expected an octal mode",
	    "warning: service a: fork_ahead only applies to mode = fork",
	    "service a: workers (4) exceeds max_workers (2)",
	    "service a: min_spare (5) exceeds max_spare (4)",
	    "service a: min_spare (5) exceeds max_workers (2)",
	    "allow: x: not an address",
	    "deny: ::1/200: prefix length",
	};
	const char *p = captured;
	size_t i;

	ck_assert_ptr_null(load("service a { allow = \"x\" deny = \"::1/200\" "
				"max_workers = 2 fork_ahead = 3 min_spare = 5 "
				"max_spare = 4 mode = \"prefork\" "
				"socket_mode = \"999\" listen = {\"tcp://"
				"127.0.0.1:7007\", \"bad\"} module = \"echo\" "
				"user = \"no-such-user-here\" }\n"));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		expect_line(1, want[i]);
		ck_assert_msg((p = strstr(p, want[i])) != NULL,
		    "\"%s\" out of order in:\n%s", want[i], captured);
	}
	ck_assert_int_eq(count_lines(captured), 9);
}
END_TEST

START_TEST(test_mode_compat)
{
	/* mod_opts serves streams only and is not thread-safe. */
	expect_error("service s {\n  listen = \"udp://127.0.0.1:7007\"\n"
		     "  module = \"mod_opts\"\n}\n",
	    2, "service s: module mod_opts does not serve datagram sockets");
	expect_error("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		     "  module = \"mod_opts\"\n  mode = \"thread\"\n}\n",
	    4,
	    "service s: mode thread, but module mod_opts is not thread-safe");
}
END_TEST

START_TEST(test_prefork_sizing)
{
	expect_error(
	    "service s {\n  listen = \"tcp://127.0.0.1:7007\"\n  module = "
	    "\"echo\"\n  mode = \"prefork\"\n  workers = 10\n  max_workers = "
	    "5\n}\n",
	    5, "service s: workers (10) exceeds max_workers (5)");
	expect_error(
	    "service s {\n  listen = \"tcp://127.0.0.1:7007\"\n  module = "
	    "\"echo\"\n  mode = \"prefork\"\n  min_spare = 4\n  max_spare = "
	    "2\n}\n",
	    5, "service s: min_spare (4) exceeds max_spare (2)");
}
END_TEST

START_TEST(test_same_address)
{
	expect_only(ECHO_SERVICE
	    "service t {\n  listen = \"tcp://127.0.0.1:7007\"\n  module = "
	    "\"echo\"\n}\n",
	    6, "service t: tcp://127.0.0.1:7007 is also used by service s");
	/* Within one service: said so, at the listen line. */
	expect_only("service s {\n  module = \"echo\"\n"
		    "  listen = { \"udp://127.0.0.1:7007\", "
		    "\"udp://127.0.0.1:7007\" }\n}\n",
	    3,
	    "service s: duplicate address udp://127.0.0.1:7007 in listen "
	    "(first at line 3)");
}
END_TEST

/* A bad address is one error, never also a clash with another bad one. */
START_TEST(test_bad_address_alone)
{
	expect_error("service a {\n"
		     "  listen = { \"tcp://127.0.0.1:notaport\",\n"
		     "    \"tcp://127.0.0.1:7007\" }\n"
		     "  module = \"echo\"\n}\n"
		     "service b {\n"
		     "  listen = { \"tcp://127.0.0.1:notaport\",\n"
		     "    \"tcp://127.0.0.1:7008\" }\n"
		     "  module = \"echo\"\n}\n",
	    7, "listen: 127.0.0.1:notaport: bad port `notaport'");
	ck_assert_int_eq(count_lines(captured), 2);
	ck_assert_ptr_null(strstr(captured, "also used"));
	/* Two bad ones and a good one in one service: no duplicate. */
	expect_error("service a {\n  listen = { \"tcp://127.0.0.1:x\", "
		     "\"tcp://127.0.0.1:y\", \"udp://127.0.0.1:7007\" }\n"
		     "  module = \"echo\"\n}\n",
	    2, "listen: 127.0.0.1:y: bad port `y'");
	ck_assert_int_eq(count_lines(captured), 2);
}
END_TEST

/* Port 0 would bind a port no client can know: refused, TCP and UDP. */
START_TEST(test_port_zero)
{
	expect_only("service s {\n  listen = \"udp://127.0.0.1:0\"\n"
		    "  module = \"echo\"\n}\n",
	    2,
	    "listen: udp://127.0.0.1:0: port 0 is not allowed: clients could "
	    "not know the port");
	expect_only("service s {\n  listen = { \"unix:///tmp/x.sock\",\n"
		    "    \"tcp://[::1]:0\" }\n  module = \"echo\"\n}\n",
	    3, "listen: tcp://[::1]:0: port 0 is not allowed");
}
END_TEST

START_TEST(test_bad_globals)
{
	expect_error("log = \"relative/file\"\n" ECHO_SERVICE, 1,
	    "log: expected syslog, stderr or an absolute path");
	expect_error("pidfile = \"x.pid\"\n" ECHO_SERVICE, 1,
	    "pidfile: \"x.pid\" is not an absolute path");
	expect_error("user = \"no-such-user-here\"\n" ECHO_SERVICE, 1,
	    "unknown user \"no-such-user-here\"");
	expect_error("group = \"no-such-group-here\"\n" ECHO_SERVICE, 1,
	    "unknown group \"no-such-group-here\"");
}
END_TEST

START_TEST(test_syntax_error)
{
	expect_only("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		    "  module \"echo\"\n}\n",
	    3, "missing equal sign after option 'module'");
}
END_TEST

/* ------------------------------------------------------- scan (text) */

/* A config file holding a NUL byte: refused, once, at its line. */
START_TEST(test_scan_nul)
{
	static const char text[] = "service s {\n"
				   "  listen = \"tcp://127.0.0.1:7007\0x\"\n"
				   "  module = \"echo\"\n}\n";
	FILE *fp;

	ck_assert_ptr_nonnull(fp = fopen(cpath, "w"));
	ck_assert_uint_eq(fwrite(text, 1, sizeof(text) - 1, fp),
	    sizeof(text) - 1);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_ptr_null(load_file());
	expect_line(2, "NUL byte: a configuration file is text");
	ck_assert_int_eq(count_lines(captured), 1);
	/* Written as an escape in a string, it would truncate it. */
	expect_only("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		    "  module = \"echo\\000.so\"\n}\n",
	    3, "NUL byte in a string (\\000)");
	expect_error(ECHO_SERVICE "log = \"/tmp/a\\x00b\"\n", 5,
	    "NUL byte in a string (\\x00)");
	expect_error(ECHO_SERVICE "log = \"/tmp/a\\0\"\n", 5,
	    "NUL byte in a string (\\0)");
}
END_TEST

/* A missing quote is named where the string starts, and nothing else. */
START_TEST(test_scan_unterminated_string)
{
	expect_only("service echo {\n"
		    "  listen = \"tcp://127.0.0.1:7007\n"
		    "  module = \"echo\"\n"
		    "  mode = \"fork\"\n}\n",
	    2, "unterminated string starting at line 2");
	expect_only("service s {\n  listen = 'tcp://127.0.0.1:7007\n"
		    "  module = 'echo'\n}\n",
	    2, "unterminated string starting at line 2");
	expect_error(ECHO_SERVICE "log = \"/tmp/x", 5,
	    "unterminated string starting at line 5");
}
END_TEST

/* A block or list left open is named with the line that opened it. */
START_TEST(test_scan_unclosed)
{
	expect_only("service echo {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		    "  module = \"echo\"\n",
	    1, "block 'service echo' opened at line 1 is not closed");
	expect_only("service a {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		    "  module = \"echo\"\n\n" ECHO_SERVICE,
	    1, "block 'service a' opened at line 1 is not closed");
	expect_only("service s {\n  listen = { \"tcp://127.0.0.1:7007\",\n"
		    "    \"tcp://127.0.0.1:7008\"\n  module = \"echo\"\n}\n",
	    2, "list 'listen' opened at line 2 is not closed");
	expect_only(ECHO_SERVICE "/* a comment\n  not closed\n", 5,
	    "unterminated comment starting at line 5");
}
END_TEST

/* What libConfuse reads fine still does: comments, escapes, quotes. */
START_TEST(test_scan_accepts)
{
	struct conf *conf;
	struct service *svc;

	conf = load("# \"quote { in a comment\n"
		    "// another one }\n"
		    "/* and { one\n   over lines \" */\n"
		    "service \"s\" { # a comment\n"
		    "  listen = { \"tcp://127.0.0.1:\\\n7007\", // split\n"
		    "    'tcp://127.0.0.1:7008' }\n"
		    "  module = mod_opts\n"
		    "  mod_opts {\n"
		    "    greeting = \"a \\\"{b}\\\" # // /* \\x41\\101\"\n"
		    "  }\n"
		    "}\n");
	ck_assert_msg(conf != NULL, "refused:\n%s", captured);
	svc = TAILQ_FIRST(&conf->services);
	ck_assert_str_eq(svc->name, "s");
	ck_assert_int_eq(svc->naddrs, 2);
	ck_assert_str_eq(svc->urls[0], "tcp://127.0.0.1:7007");
	ck_assert_str_eq(svc->urls[1], "tcp://127.0.0.1:7008");
	ck_assert_str_eq(cfg_getstr(svc->modopts, "greeting"),
	    "a \"{b}\" # // /* AA");
	conf_free(conf);
}
END_TEST

/* Lines after comments are counted right (libConfuse: 2 more each). */
START_TEST(test_scan_comment_lines)
{
	expect_only("# one\n"
		    "// two\n"
		    "/* three\n   four */\n"
		    "service s { # five\n"
		    "  listen = { \"tcp://127.0.0.1:7007\", # in a list\n"
		    "    \"tcp://127.0.0.1:7008\" }\n"
		    "  module = \"echo\" /* eight */\n"
		    "  bogus = 1\n}\n",
	    9, "unknown key 'bogus' in service s");
}
END_TEST

START_TEST(test_missing_file)
{
	snprintf(cpath, sizeof(cpath), "%s/absent.conf", tmpdir);
	ck_assert_ptr_null(load_file());
	expect_line(0, "No such file or directory");
}
END_TEST

/* -------------------------------------------------------------- modules */

START_TEST(test_bad_abi)
{
	expect_error("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		     "  module = \"badabi\"\n}\n",
	    3,
	    "service s: " MODULE_BUILD_DIR
	    "/badabi.so: module ABI 999, expected 1");
}
END_TEST

START_TEST(test_no_symbol)
{
	expect_error("service s {\n  listen = \"tcp://127.0.0.1:7007\"\n"
		     "  module = \"mod_nosym\"\n}\n",
	    3,
	    "service s: " MODULE_BUILD_DIR
	    "/mod_nosym.so: no symbol sockserv_module");
}
END_TEST

START_TEST(test_module_open_refs)
{
	struct module *a, *b;
	char err[512];

	a = module_open(MODULE_BUILD_DIR "/echo.so", err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	b = module_open(MODULE_BUILD_DIR "/echo.so", err, sizeof(err));
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(a->refs, 2);
	ck_assert_int_eq(a->desc->abi, SOCKSERV_MODULE_ABI);
	ck_assert(a->desc->thread_safe);
	ck_assert_ptr_nonnull(a->desc->stream);
	ck_assert_ptr_nonnull(a->desc->dgram);
	module_close(b);
	ck_assert_int_eq(a->refs, 1);
	module_close(a);

	ck_assert_ptr_null(
	    module_open(MODULE_BUILD_DIR "/badabi.so", err, sizeof(err)));
	ck_assert_str_eq(err,
	    MODULE_BUILD_DIR "/badabi.so: module ABI 999, expected 1");
	ck_assert_ptr_null(module_open(tmpdir, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
}
END_TEST

START_TEST(test_trust)
{
	char path[PATH_MAX], err[512], sub[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/f", tmpdir);
	write_file(path, "x");
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_eq(trust_check_file(fd, path, false, err, sizeof(err)),
	    0);
	ck_assert_int_eq(chmod(path, 0666), 0);
	ck_assert_int_eq(trust_check_file(fd, path, false, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "writable by others"));
	ck_assert_int_eq(chmod(path, 0664), 0);
	ck_assert_int_eq(trust_check_file(fd, path, false, err, sizeof(err)),
	    getgid() == 0 ? 0 : -1);
	ck_assert_int_eq(trust_check_file(fd, path, true, err, sizeof(err)), 0);
	close(fd);

	/* A file is no safer than the directory that holds it. */
	snprintf(sub, sizeof(sub), "%s/d", tmpdir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	snprintf(path, sizeof(path), "%s/d/f", tmpdir);
	write_file(path, "x");
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(chmod(sub, 0777), 0);
	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_eq(trust_check_file(fd, path, false, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "directory"));
	ck_assert_ptr_nonnull(strstr(err, "writable by others"));
	/* Sticky, like /tmp: others cannot replace a file they do not own. */
	ck_assert_int_eq(chmod(sub, 01777), 0);
	ck_assert_int_eq(trust_check_file(fd, path, false, err, sizeof(err)),
	    0);
	close(fd);
}
END_TEST

START_TEST(test_conf_trust)
{
	struct conf *conf;

	write_file(cpath, ECHO_SERVICE);
	ck_assert_int_eq(chmod(cpath, 0666), 0);
	conf = load_file();
	if (geteuid() != 0) {
		/* StrictModes only guards a daemon running as root. */
		ck_assert_msg(conf != NULL, "refused:\n%s", captured);
		conf_free(conf);
		return;
	}
	ck_assert_ptr_null(conf);
	ck_assert_msg(strstr(captured, cpath) != NULL &&
		strstr(captured, "writable by others") != NULL,
	    "%s", captured);
}
END_TEST

/* ------------------------------------------------------ bundled modules */

/*
 * Each bundled module is loaded with module_open and run by the real
 * library: a server on an ephemeral loopback port, serving in one child
 * process in sync mode (so no request outlives it, and a handler that did
 * not end, or a SIGPIPE that killed it, shows as a second request not
 * being served), stopped by PID at the end.
 */
static struct module *srv_module;
static pid_t srv_pid = -1;
static struct sockaddr_storage srv_addr;
static socklen_t srv_addrlen;

static void
serve_module(const char *name, int socktype)
{
	struct sockserv_server *srv;
	struct sockserv_options opt;
	const struct sockaddr *sa;
	char path[PATH_MAX], err[512];

	snprintf(path, sizeof(path), "%s/%s.so", MODULE_BUILD_DIR, name);
	srv_module = module_open(path, err, sizeof(err));
	ck_assert_msg(srv_module != NULL, "%s", err);
	ck_assert_str_eq(srv_module->desc->name, name);
	ck_assert(srv_module->desc->thread_safe);
	sockserv_options_init(&opt);
	opt.mode = SOCKSERV_SYNC;
	opt.io_timeout = 10;
	srv = sockserv_server_new(socktype == SOCK_STREAM ? "tcp://127.0.0.1:0"
							  : "udp://127.0.0.1:0",
	    socktype == SOCK_STREAM ? srv_module->desc->stream
				    : srv_module->desc->dgram,
	    &opt);
	ck_assert_ptr_nonnull(srv);
	sa = sockserv_server_address(srv, &srv_addrlen);
	memcpy(&srv_addr, sa, srv_addrlen);
	ck_assert_int_ne(srv_pid = fork(), -1);
	if (srv_pid == 0) {
		sockserv_serve_forever(srv, 0.2);
		_exit(0);
	}
	sockserv_server_close(srv);
}

static void
stop_module(void)
{
	int status;

	if (srv_pid > 0) {
		kill(srv_pid, SIGKILL);
		waitpid(srv_pid, &status, 0);
		srv_pid = -1;
	}
	module_close(srv_module);
	srv_module = NULL;
}

static int
client(int socktype)
{
	struct timeval tv = {10, 0};
	int fd;

	ck_assert_int_ne(fd = socket(AF_INET, socktype | SOCK_CLOEXEC, 0), -1);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
			     sizeof(tv)),
	    0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&srv_addr, srv_addrlen),
	    0);
	return fd;
}

/*
 * Send out (then shut down writing, if shut) while reading what comes
 * back, so a large echo never deadlocks on full buffers.  Reads until EOF
 * or inmax bytes; every wait is bounded.
 */
static size_t
exchange(int fd, const char *out, size_t outlen, bool shut, char *in,
    size_t inmax)
{
	struct pollfd p;
	size_t sent = 0, got = 0;
	ssize_t n;

	if (outlen == 0 && shut)
		ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	while (got < inmax) {
		p.fd = fd;
		p.events = POLLIN | (sent < outlen ? POLLOUT : 0);
		ck_assert_int_eq(poll(&p, 1, 10000), 1);
		if ((p.revents & POLLOUT) && sent < outlen) {
			n = send(fd, out + sent,
			    outlen - sent > 65536 ? 65536 : outlen - sent,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			ck_assert_int_gt(n, 0);
			sent += (size_t)n;
			if (sent == outlen && shut)
				ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(fd, in + got, inmax - got, MSG_DONTWAIT);
			if (n == 0)
				break;
			ck_assert_int_gt(n, 0);
			got += (size_t)n;
		}
	}
	return got;
}

static size_t
datagram(const char *out, size_t outlen, char *in, size_t inmax)
{
	ssize_t n;
	int fd = client(SOCK_DGRAM);

	ck_assert_int_eq(send(fd, out, outlen, 0), (ssize_t)outlen);
	n = recv(fd, in, inmax, 0);
	close(fd);
	return n < 0 ? 0 : (size_t)n;
}

START_TEST(test_echo)
{
	static char big[1 << 20], back[(1 << 20) + 1];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 251);
	serve_module("echo", SOCK_STREAM);
	fd = client(SOCK_STREAM);
	ck_assert_uint_eq(exchange(fd, big, sizeof(big), true, back,
			      sizeof(back)),
	    sizeof(big));
	ck_assert_int_eq(memcmp(big, back, sizeof(big)), 0);
	close(fd);
	stop_module();

	serve_module("echo", SOCK_DGRAM);
	ck_assert_uint_eq(datagram("ping\n", 5, back, sizeof(back)), 5);
	ck_assert_int_eq(memcmp(back, "ping\n", 5), 0);
	stop_module();
}
END_TEST

START_TEST(test_upper)
{
	static char line[20002], back[32768];
	int fd;

	serve_module("upper", SOCK_STREAM);
	fd = client(SOCK_STREAM);
	ck_assert_uint_eq(exchange(fd, "hello, World\nlast", 17, true, back,
			      sizeof(back)),
	    17);
	ck_assert_int_eq(memcmp(back, "HELLO, WORLD\nLAST", 17), 0);
	close(fd);
	/* A line longer than the module's buffer comes back whole. */
	memset(line, 'q', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	fd = client(SOCK_STREAM);
	ck_assert_uint_eq(exchange(fd, line, sizeof(line), true, back,
			      sizeof(back)),
	    sizeof(line));
	ck_assert(back[0] == 'Q' && back[sizeof(line) - 2] == 'Q');
	close(fd);
	stop_module();

	serve_module("upper", SOCK_DGRAM);
	ck_assert_uint_eq(datagram("abc 1", 5, back, sizeof(back)), 5);
	ck_assert_int_eq(memcmp(back, "ABC 1", 5), 0);
	stop_module();
}
END_TEST

START_TEST(test_discard)
{
	char buf[64];
	int fd;

	serve_module("discard", SOCK_STREAM);
	fd = client(SOCK_STREAM);
	ck_assert_uint_eq(exchange(fd, "drop me", 7, true, buf, sizeof(buf)),
	    0);
	close(fd);
	stop_module();

	/* No reply: the receive times out (shortened for the test). */
	serve_module("discard", SOCK_DGRAM);
	{
		struct timeval tv = {0, 300000};
		int u = client(SOCK_DGRAM);

		ck_assert_int_eq(setsockopt(u, SOL_SOCKET, SO_RCVTIMEO, &tv,
				     sizeof(tv)),
		    0);
		ck_assert_int_eq(send(u, "x", 1, 0), 1);
		ck_assert_int_eq(recv(u, buf, sizeof(buf), 0), -1);
		ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
		close(u);
	}
	stop_module();
}
END_TEST

static void
check_daytime(const char *buf, size_t n)
{
	ck_assert_uint_ge(n, 20);
	ck_assert_msg(buf[n - 2] == '\r' && buf[n - 1] == '\n',
	    "not one CRLF line: %.*s", (int)n, buf);
	ck_assert_ptr_null(memchr(buf, '\n', n - 1));
}

START_TEST(test_daytime)
{
	char buf[256];
	size_t n;
	int fd;

	serve_module("daytime", SOCK_STREAM);
	fd = client(SOCK_STREAM);
	/* Without sending anything: one line, then the server closes. */
	n = exchange(fd, "", 0, false, buf, sizeof(buf));
	check_daytime(buf, n);
	close(fd);
	stop_module();

	serve_module("daytime", SOCK_DGRAM);
	n = datagram("", 0, buf, sizeof(buf));
	check_daytime(buf, n);
	stop_module();
}
END_TEST

/* Lines of 72 printable characters, each starting one further on. */
static void
check_chargen(const char *buf, size_t n)
{
	size_t l, i;
	char first = buf[0];

	ck_assert_uint_eq(n % 74, 0);
	for (l = 0; l < n / 74; l++) {
		const char *line = buf + l * 74;

		ck_assert(line[72] == '\r' && line[73] == '\n');
		ck_assert_int_eq(line[0], ' ' + (first - ' ' + (int)l) % 95);
		for (i = 1; i < 72; i++)
			ck_assert_int_eq(line[i],
			    ' ' + (line[0] - ' ' + (int)i) % 95);
	}
}

START_TEST(test_chargen)
{
	static char buf[74 * 300];
	char dgram[1024];
	size_t n;
	int fd;

	serve_module("chargen", SOCK_STREAM);
	fd = client(SOCK_STREAM);
	n = exchange(fd, "", 0, false, buf, sizeof(buf));
	ck_assert_uint_eq(n, sizeof(buf));
	ck_assert_int_eq(buf[0], ' ');
	check_chargen(buf, n);
	close(fd);
	/* The handler must have ended on EPIPE or ECONNRESET, alive. */
	fd = client(SOCK_STREAM);
	ck_assert_uint_eq(exchange(fd, "", 0, false, buf, 74), 74);
	close(fd);
	stop_module();

	serve_module("chargen", SOCK_DGRAM);
	n = datagram("", 0, dgram, sizeof(dgram));
	ck_assert_uint_gt(n, 0);
	ck_assert_uint_le(n, 512);
	check_chargen(dgram, n);
	stop_module();
}
END_TEST

/* ------------------------------------------------------------------ log */

static void
read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_ne(n = read(fd, buf, len - 1), -1);
	buf[n] = '\0';
	close(fd);
}

START_TEST(test_log_file)
{
	char path[PATH_MAX], old[PATH_MAX], buf[4096], want[64];

	snprintf(path, sizeof(path), "%s/log", tmpdir);
	snprintf(old, sizeof(old), "%s/log.1", tmpdir);
	ck_assert_int_eq(log_open(path, LOG_INFO, false), 0);
	errno = EIO;
	log_info("hello %d", 1);
	ck_assert_int_eq(errno, EIO);
	log_debug("not shown");
	errno = ENOENT;
	log_warn("opening %s", "x");
	ck_assert_int_eq(errno, ENOENT);
	read_file(path, buf, sizeof(buf));
	snprintf(want, sizeof(want), "sockservd[%ld]: hello 1\n",
	    (long)getpid());
	ck_assert_msg(strstr(buf, want) != NULL, "log: %s", buf);
	ck_assert_ptr_null(strstr(buf, "not shown"));
	ck_assert_ptr_nonnull(strstr(buf, "opening x: No such file"));

	/* logrotate: move the file away, reopen, write to a new one. */
	ck_assert_int_eq(rename(path, old), 0);
	ck_assert_int_eq(log_reopen(), 0);
	log_warnx("after %s", "rotation");
	read_file(path, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "after rotation"));
	read_file(old, buf, sizeof(buf));
	ck_assert_ptr_null(strstr(buf, "after rotation"));
	ck_assert_int_eq(log_open("stderr", LOG_INFO, true), 0);
}
END_TEST

START_TEST(test_log_levels)
{
	char path[PATH_MAX], buf[4096];

	ck_assert_int_eq(log_level_parse("debug"), LOG_DEBUG);
	ck_assert_int_eq(log_level_parse("info"), LOG_INFO);
	ck_assert_int_eq(log_level_parse("notice"), LOG_NOTICE);
	ck_assert_int_eq(log_level_parse("warning"), LOG_WARNING);
	ck_assert_int_eq(log_level_parse("error"), LOG_ERR);
	ck_assert_int_eq(log_level_parse("loud"), -1);
	ck_assert_int_eq(log_open("relative", LOG_INFO, false), -1);
	ck_assert_int_eq(errno, EINVAL);

	snprintf(path, sizeof(path), "%s/log", tmpdir);
	ck_assert_int_eq(log_open(path, LOG_WARNING, false), 0);
	log_info("dropped info");
	log_notice("dropped notice");
	log_warnx("kept warning");
	log_msg(LOG_ERR, "kept %s", "error");
	read_file(path, buf, sizeof(buf));
	ck_assert_ptr_null(strstr(buf, "dropped"));
	ck_assert_ptr_nonnull(strstr(buf, "kept warning"));
	ck_assert_ptr_nonnull(strstr(buf, "kept error"));

	/* -v raises the configured level by one step. */
	log_init(1);
	ck_assert_int_eq(log_open(path, LOG_INFO, false), 0);
	log_debug("verbose debug");
	read_file(path, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "verbose debug"));
	ck_assert_int_eq(log_open("stderr", LOG_INFO, true), 0);
}
END_TEST

static Suite *
conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc;

	tc = tcase_create("valid");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_identity);
	tcase_add_test(tc, test_module_shared);
	tcase_add_test(tc, test_module_dir_wins);
	tcase_add_test(tc, test_env_module_dir);
	tcase_add_test(tc, test_unix_acl_warning);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_unknown_block);
	tcase_add_test(tc, test_wrong_type);
	tcase_add_test(tc, test_out_of_range);
	tcase_add_test(tc, test_unknown_module);
	tcase_add_test(tc, test_bad_address);
	tcase_add_test(tc, test_unknown_mode);
	tcase_add_test(tc, test_unknown_module_option);
	tcase_add_test(tc, test_module_check_hook);
	tcase_add_test(tc, test_block_wrong_module);
	tcase_add_test(tc, test_no_service);
	tcase_add_test(tc, test_enabled_false);
	tcase_add_test(tc, test_include_nested);
	tcase_add_test(tc, test_include_lines);
	tcase_add_test(tc, test_include_errors);
	tcase_add_test(tc, test_include_trust);
	tcase_add_test(tc, test_duplicate_service);
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_one_line_order);
	tcase_add_test(tc, test_mode_compat);
	tcase_add_test(tc, test_prefork_sizing);
	tcase_add_test(tc, test_same_address);
	tcase_add_test(tc, test_bad_address_alone);
	tcase_add_test(tc, test_port_zero);
	tcase_add_test(tc, test_scan_nul);
	tcase_add_test(tc, test_scan_unterminated_string);
	tcase_add_test(tc, test_scan_unclosed);
	tcase_add_test(tc, test_scan_accepts);
	tcase_add_test(tc, test_scan_comment_lines);
	tcase_add_test(tc, test_bad_globals);
	tcase_add_test(tc, test_syntax_error);
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("modules");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bad_abi);
	tcase_add_test(tc, test_no_symbol);
	tcase_add_test(tc, test_module_open_refs);
	tcase_add_test(tc, test_trust);
	tcase_add_test(tc, test_conf_trust);
	suite_add_tcase(s, tc);

	tc = tcase_create("bundled");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_echo);
	tcase_add_test(tc, test_upper);
	tcase_add_test(tc, test_discard);
	tcase_add_test(tc, test_daytime);
	tcase_add_test(tc, test_chargen);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("log");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_log_file);
	tcase_add_test(tc, test_log_levels);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(conf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
