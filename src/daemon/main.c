/*
 * main.c -- sockservd's command line and start-up order.
 *
 * It owns the options (SPEC: -f -c -p -t -T -v -V -h) and the fixed order in
 * which the daemon comes up: close what it inherited, parse the
 * configuration completely (nothing bound, nothing changed), check that
 * the privileges it asks for can be had, detach, take the pidfile, then
 * hand over to the master.  Each step that fails ends the process with
 * its sysexits(3) code; once detached, the code also reaches the
 * launching process through the readiness pipe (daemonize.c), so
 * `sockservd; echo $?' tells the truth.
 */
#include "config.h"

#include <sys/mman.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

static int opt_foreground;
static int opt_verbose;
static const char *opt_config = SYSCONFDIR "/sockserv.conf";
static const char *opt_pidfile;

static const struct option main_longopts[] = {{"foreground", no_argument, NULL,
						  'f'},
    {"config", required_argument, NULL, 'c'},
    {"pidfile", required_argument, NULL, 'p'},
    {"test-config", no_argument, NULL, 't'},
    {"dump-config", no_argument, NULL, 'T'},
    {"verbose", no_argument, NULL, 'v'}, {"version", no_argument, NULL, 'V'},
    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};

static void
main_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: sockservd [-f] [-c FILE] [-p PIDFILE] [-t | -T] [-v] [-V] "
	    "[-h]\n"
	    "  -f, --foreground      do not detach; log to stderr\n"
	    "  -c, --config=FILE     configuration file (default %s)\n"
	    "  -p, --pidfile=FILE    pidfile, overriding the configuration\n"
	    "  -t, --test-config     check the configuration and exit\n"
	    "  -T, --dump-config     check it, print it as it will run (every\n"
	    "                        default filled in, includes expanded)\n"
	    "                        and exit\n"
	    "  -v, --verbose         more logging (repeatable)\n"
	    "  -V, --version         print the version and exit\n"
	    "  -h, --help            print this help and exit\n",
	    SYSCONFDIR "/sockserv.conf");
}

/*
 * The daemon chdirs to / and re-reads its config on SIGHUP: keep paths
 * given relative to the caller's directory meaning the same file.  Not
 * realpath(): a config that is a symlink stays one, so it can be swapped.
 */
static const char *
main_abspath(const char *path)
{
	char cwd[PATH_MAX], *abs;

	if (path[0] == '/')
		return path;
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return path;
	if (asprintf(&abs, "%s/%s", cwd, path) == -1)
		return path;
	return abs;
}

static void
main_options(int argc, char *argv[], int *test)
{
	int ch;

	while ((ch = getopt_long(argc, argv, "fc:p:tTvVh", main_longopts,
		    NULL)) != -1) {
		switch (ch) {
		case 'f':
			opt_foreground = 1;
			break;
		case 'c':
			opt_config = optarg;
			break;
		case 'p':
			opt_pidfile = optarg;
			break;
		case 't':
		case 'T':
			*test = ch;
			break;
		case 'v':
			opt_verbose++;
			break;
		case 'V':
			printf("sockservd %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
			main_usage(stdout);
			exit(0);
		default:
			main_usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sockservd: unexpected argument `%s'\n",
		    argv[optind]);
		main_usage(stderr);
		exit(EXIT_USAGE);
	}
	if (opt_config[0] == '\0' || (opt_pidfile && opt_pidfile[0] == '\0')) {
		fprintf(stderr, "sockservd: empty file name\n");
		exit(EXIT_USAGE);
	}
}

/*
 * Take the pidfile.  Another instance holding it, or a location refused
 * as unsafe (EPERM, exit 77), is always fatal.  In the
 * foreground, a pidfile nobody asked for on the command line that cannot
 * be created (e.g. $(runstatedir) as an ordinary user) is only a warning.
 */
static int
main_pidfile(const struct conf *conf)
{
	const char *path;

	path = opt_pidfile != NULL ? opt_pidfile : conf->pidfile;
	if (path == NULL)
		return 0;
	if (daemonize_pidfile_open(path) == 0)
		return 0;
	if (errno != EAGAIN && errno != EPERM && opt_foreground &&
	    opt_pidfile == NULL) {
		log_warnx("running without a pidfile");
		return 0;
	}
	return -1;
}

int
main(int argc, char *argv[])
{
	struct conf *conf;
	struct master_opts mo;
	int test = 0; /* 't' or 'T' */
	char **names;
	int status, nlisten;

	main_options(argc, argv, &test);
	log_init(opt_verbose);
	/* Before anything forks: LISTEN_PID names this process. */
	if ((nlisten = systemd_listen_fds(&names)) == -1) {
		log_warn("sockets passed by systemd");
		return EXIT_OSERR;
	}
	if (daemonize_close_inherited(nlisten) == -1) {
		log_warn("cannot close inherited descriptors");
		return EXIT_OSERR;
	}
	status = listener_adopt(SYSTEMD_LISTEN_START, nlisten, names);
	systemd_names_free(names);
	if (status == -1)
		return EXIT_OSERR;

	opt_config = main_abspath(opt_config);
	if (opt_pidfile != NULL)
		opt_pidfile = main_abspath(opt_pidfile);

	if ((conf = conf_load(opt_config)) == NULL)
		return EXIT_CONFIG;
	if (test == 'T' && conf_print(conf, stdout) == -1) {
		log_warn("cannot print the configuration");
		conf_free(conf);
		return EXIT_OSERR;
	}
	if (test != 0) {
		/* -T: stdout is the configuration alone. */
		fprintf(test == 'T' ? stderr : stdout, "configuration OK\n");
		conf_free(conf);
		return 0;
	}
	if (priv_check_config(conf) == -1) {
		conf_free(conf);
		return EXIT_NOPERM;
	}
	/* Files the master makes before the switch go to that user. */
	if (conf->user != NULL && geteuid() == 0)
		safefile_set_user(conf->uid, conf->gid);
	arena_code_advise(MADV_DONTNEED); /* the parser's: see master_trim */

	if (!opt_foreground && daemonize_start() == -1) {
		log_warn("cannot become a daemon");
		conf_free(conf);
		daemonize_fail(EXIT_OSERR);
		return EXIT_OSERR;
	}
	if (main_pidfile(conf) == -1) {
		status = errno == EPERM ? EXIT_NOPERM : EXIT_OSERR;
		conf_free(conf);
		daemonize_fail(status);
		return status;
	}

	mo.config = opt_config;
	mo.pidfile = opt_pidfile;
	mo.foreground = opt_foreground;
	status = master_run(conf, &mo);
	if (status != 0)
		daemonize_fail(status);
	daemonize_pidfile_remove();
	return status;
}
