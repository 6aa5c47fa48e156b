/*
 * check_priv.c -- unit tests for priv.c, run in forked processes so that
 * each test's privilege changes die with it.
 *
 * As root: priv_drop_master keeps exactly the expected capabilities
 * (none; CAP_NET_BIND_SERVICE for a port below 1024; CAP_SETUID,
 * CAP_SETGID and CAP_KILL when a service runs as another user), and a
 * child of that master dropped with priv_drop_child has no capability, the
 * service's uid and gid, and no_new_privs.  As any user: priv_check_config
 * refuses an identity the process cannot take.  Tests needing root are
 * skipped (they pass trivially, saying so) when not run as root.
 */
#include "config.h"

#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <check.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

#define BIT(c) (1ULL << (c))

/* One field of /proc/self/status as a hex mask (Cap*) or first number. */
static unsigned long long
status_field(const char *field, int base)
{
	FILE *f;
	char line[256];
	size_t len = strlen(field);
	unsigned long long v = ~0ULL;

	f = fopen("/proc/self/status", "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			v = strtoull(line + len + 1, NULL, base);
	fclose(f);
	ck_assert_msg(v != ~0ULL, "%s not in /proc/self/status", field);
	return v;
}

/* A copy of name's passwd entry, or NULL. */
static const struct passwd *
other_user(const char *name)
{
	struct passwd *p, *copy;

	if ((p = getpwnam(name)) == NULL)
		return NULL;
	copy = malloc(sizeof(*copy));
	ck_assert_ptr_nonnull(copy);
	*copy = *p;
	copy->pw_name = strdup(p->pw_name);
	return copy; /* lives as long as the test's process */
}

struct fixture {
	struct conf conf;
	struct service svc;
	struct sockserv_addr addr;
};

/* A conf with one service listening on 127.0.0.1:port as user svcuser. */
static void
fixture(struct fixture *f, const struct passwd *master,
    const struct passwd *svcuser, int port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&f->addr.sa;

	memset(f, 0, sizeof(*f));
	TAILQ_INIT(&f->conf.services);
	f->conf.path = "test.conf";
	if (master != NULL) {
		f->conf.user = master->pw_name;
		f->conf.uid = master->pw_uid;
		f->conf.gid = master->pw_gid;
	}
	f->addr.family = AF_INET;
	f->addr.socktype = SOCK_STREAM;
	f->addr.len = sizeof(*sin);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->svc.name = "test";
	f->svc.addrs = &f->addr;
	f->svc.naddrs = 1;
	if (svcuser != NULL) {
		f->svc.user = svcuser->pw_name;
		f->svc.uid = svcuser->pw_uid;
		f->svc.gid = svcuser->pw_gid;
	}
	TAILQ_INSERT_TAIL(&f->conf.services, &f->svc, entry);
}

/* Run fn in a child; it _exit()s 0 for success.  Returns its status. */
static int
in_child(void (*fn)(void *), void *arg)
{
	pid_t pid;
	int st;

	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return st;
}

#define CHILD_ASSERT(cond)                                                     \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: failed: %s\n", __FILE__,       \
			    __LINE__, #cond);                                  \
			_exit(1);                                              \
		}                                                              \
	} while (0)

/* In a child of a dropped master: drop for svc and check everything. */
static void
child_drop(void *arg)
{
	const struct service *svc = arg;
	uid_t r, e, s;

	CHILD_ASSERT(priv_drop_child(svc) == 0);
	CHILD_ASSERT(getresuid(&r, &e, &s) == 0);
	CHILD_ASSERT(r == svc->uid && e == svc->uid && s == svc->uid);
	CHILD_ASSERT(getgid() == svc->gid && getegid() == svc->gid);
	CHILD_ASSERT(status_field("CapEff", 16) == 0);
	CHILD_ASSERT(status_field("CapPrm", 16) == 0);
	CHILD_ASSERT(status_field("CapInh", 16) == 0);
	CHILD_ASSERT(status_field("CapAmb", 16) == 0);
	CHILD_ASSERT(status_field("NoNewPrivs", 10) == 1);
	CHILD_ASSERT(setuid(0) == -1);
}

struct master_case {
	const char *svcuser;
	int port;
	unsigned long long want;
};

static void
master_drop(void *arg)
{
	const struct master_case *mc = arg;
	const struct passwd *nobody = other_user("nobody");
	const struct passwd *su = other_user(mc->svcuser);
	struct fixture f;
	unsigned long long bnd;

	CHILD_ASSERT(nobody != NULL && su != NULL);
	fixture(&f, nobody, su, mc->port);
	CHILD_ASSERT(priv_check_config(&f.conf) == 0);
	CHILD_ASSERT(priv_drop_master(&f.conf) == 0);
	CHILD_ASSERT(getuid() == nobody->pw_uid);
	CHILD_ASSERT(geteuid() == nobody->pw_uid);
	CHILD_ASSERT(getgid() == nobody->pw_gid);
	CHILD_ASSERT(status_field("CapEff", 16) == mc->want);
	CHILD_ASSERT(status_field("CapPrm", 16) == mc->want);
	CHILD_ASSERT(status_field("CapInh", 16) == 0);
	CHILD_ASSERT(status_field("CapAmb", 16) == 0);
	bnd = status_field("CapBnd", 16);
	CHILD_ASSERT(bnd == mc->want);
	/* After the drop, the config is still acceptable for a reload. */
	CHILD_ASSERT(priv_check_config(&f.conf) == 0);
	CHILD_ASSERT(in_child(child_drop, &f.svc) == 0);
}

static const struct master_case master_cases[] = {
    {"nobody", 8080, 0},
    {"nobody", 80, BIT(CAP_NET_BIND_SERVICE)},
    {"daemon", 8080, BIT(CAP_SETUID) | BIT(CAP_SETGID) | BIT(CAP_KILL)},
    {"daemon", 443,
	BIT(CAP_SETUID) | BIT(CAP_SETGID) | BIT(CAP_KILL) |
	    BIT(CAP_NET_BIND_SERVICE)},
};

START_TEST(drop_master_then_child)
{
	if (geteuid() != 0 || getpwnam("nobody") == NULL ||
	    getpwnam("daemon") == NULL) {
		fprintf(stderr,
		    "drop_master_then_child: skipped (needs root, "
		    "users nobody and daemon)\n");
		return;
	}
	ck_assert_int_eq(in_child(master_drop, (void *)&master_cases[_i]), 0);
}
END_TEST

/* Not root: a config naming root is refused, our own identity is not. */
static void
check_config_unprivileged(void *arg)
{
	const struct passwd *nobody = other_user("nobody");
	const struct passwd *root = other_user("root");
	struct fixture f;

	CHILD_ASSERT(nobody != NULL && root != NULL);
	if (geteuid() == 0) {
		CHILD_ASSERT(setgroups(0, NULL) == 0);
		CHILD_ASSERT(setresgid(nobody->pw_gid, nobody->pw_gid,
				 nobody->pw_gid) == 0);
		CHILD_ASSERT(setresuid(nobody->pw_uid, nobody->pw_uid,
				 nobody->pw_uid) == 0);
	}
	if (getuid() == nobody->pw_uid) {
		fixture(&f, nobody, NULL, 8080);
		CHILD_ASSERT(priv_check_config(&f.conf) == 0);
	}
	fixture(&f, root, NULL, 8080);
	CHILD_ASSERT(priv_check_config(&f.conf) == -1);
	fixture(&f, NULL, root, 8080);
	CHILD_ASSERT(priv_check_config(&f.conf) == -1);
	/* A child of an unprivileged daemon still drops (no-op) and
	 * gets no_new_privs. */
	fixture(&f, NULL, NULL, 8080);
	f.svc.uid = getuid();
	f.svc.gid = getgid();
	CHILD_ASSERT(in_child(child_drop, &f.svc) == 0);
}

START_TEST(check_config_not_root)
{
	ck_assert_int_eq(in_child(check_config_unprivileged, NULL), 0);
}
END_TEST

static Suite *
priv_suite(void)
{
	Suite *s = suite_create("priv");
	TCase *tc;

	tc = tcase_create("drop");
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, drop_master_then_child, 0,
	    (int)(sizeof(master_cases) / sizeof(master_cases[0])));
	tcase_add_test(tc, check_config_not_root);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(priv_suite());
	int failed;

	log_init(0);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
