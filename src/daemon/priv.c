/*
 * priv.c -- the privilege model, in one place.
 *
 * The master binds its listeners first, then (started as root with a
 * `user') switches to that identity keeping, through libcap, only what it
 * still needs: CAP_NET_BIND_SERVICE when some service listens on a port
 * below 1024 (so that a reload can bind another one), and CAP_SETUID,
 * CAP_SETGID and CAP_KILL when some service runs as another identity than
 * the master (its children must switch to it, and the master must still
 * be able to signal them once they have).  Everything else leaves the
 * bounding set before the switch, so it can never come back.
 *
 * Every worker and per-connection child calls priv_drop_child() before any
 * module code: it takes its service's identity (supplementary groups,
 * then gid, then uid) and clears every capability set (effective,
 * permitted, inheritable and, with them, ambient; the bounding set too
 * when the process still holds CAP_SETPCAP) and sets no_new_privs, then
 * verifies the result.  It runs before any thread is created: the uid
 * calls are process-wide in glibc, but capability sets are per thread.
 *
 * doc/privileges.md describes the model, the exact sets and the order.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sockservd.h"

/* An identity to run as; user NULL: keep the current uid. */
struct priv_ident {
	const char *user;
	const char *group;
	uid_t uid;
	gid_t gid;
};

#define PRIV_MAXKEEP 4

/* The master's identity once priv_drop_master switched it. */
static bool priv_master_dropped;
static uid_t priv_master_uid;
/*
 * Set once the master has trimmed the bounding set as far as it will go.
 * Children inherit both the trimmed set and this flag through fork, so
 * the per-connection path skips 41 capget/prctl round trips.
 */
static bool priv_bound_done;
/*
 * What the master is once priv_drop_master() is done, for every child to
 * compare against without a syscall: its uid and gid (real, effective
 * and saved alike, else priv_self_known is false), whether it holds any
 * capability, and the empty set the children take, built once.  A child
 * writes and executes as few pages as it can: each is a fault.
 */
static bool priv_self_known;
static uid_t priv_self_uid;
static gid_t priv_self_gid;
static bool priv_self_caps = true;
static cap_t priv_empty;
/*
 * Set once the master has cleared its ambient set and set no_new_privs
 * on itself (priv_note_self): both are inherited through fork and only
 * ever cleared/kept by the kernel, so a child has nothing left to do
 * there (three syscalls a connection in fork mode).
 */
static bool priv_master_clean;

/* The identity svc runs as, relative to the current process's. */
static void
priv_ident_svc(const struct service *svc, struct priv_ident *id)
{
	id->user = svc->user;
	id->group = svc->group;
	id->uid = svc->user != NULL ? svc->uid
	    : priv_self_known	    ? priv_self_uid
				    : geteuid();
	id->gid = svc->user != NULL || svc->group != NULL ? svc->gid
	    : priv_self_known				  ? priv_self_gid
							  : getegid();
}

/* True if the calling process runs as exactly uid and gid (real,
 * effective and saved). */
static bool
priv_is_ident(uid_t uid, gid_t gid)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return false;
	return ru == uid && eu == uid && su == uid && rg == gid && eg == gid &&
	    sg == gid;
}

/* May this process give a child another identity? */
static bool
priv_can_switch(void)
{
	cap_t caps;
	cap_flag_value_t u = CAP_CLEAR, g = CAP_CLEAR;

	if (geteuid() == 0)
		return true;
	if ((caps = cap_get_proc()) == NULL)
		return false;
	if (cap_get_flag(caps, CAP_SETUID, CAP_PERMITTED, &u) == -1 ||
	    cap_get_flag(caps, CAP_SETGID, CAP_PERMITTED, &g) == -1)
		u = CAP_CLEAR;
	cap_free(caps);
	return u == CAP_SET && g == CAP_SET;
}

/* Log why `who' cannot run as id; -1 if it cannot, else 0. */
static int
priv_check_ident(const char *who, const struct priv_ident *id)
{
	if (id->user != NULL && id->uid != geteuid()) {
		log_warnx("%s: user \"%s\" (uid %lu) cannot be used: sockservd "
			  "runs as uid %lu, not as root",
		    who, id->user, (unsigned long)id->uid,
		    (unsigned long)geteuid());
		return -1;
	}
	if ((id->user != NULL || id->group != NULL) && id->gid != getegid()) {
		log_warnx(
		    "%s: group \"%s\" (gid %lu) cannot be used: sockservd "
		    "runs as gid %lu, not as root",
		    who, id->group != NULL ? id->group : id->user,
		    (unsigned long)id->gid, (unsigned long)getegid());
		return -1;
	}
	return 0;
}

/*
 * Can conf's identities be taken?  Started as root (or, after the drop,
 * holding CAP_SETUID and CAP_SETGID) anything goes; otherwise every
 * `user' and `group' must name the identity sockservd already runs as.
 * Logs every problem and returns -1 (main exits 77; a reload is refused).
 * Started as root with no `user', warns that the master and the workers
 * of services without one run as root.
 */
int
priv_check_config(const struct conf *conf)
{
	struct priv_ident id;
	const struct service *svc;
	char who[128];
	int rc = 0;

	if (!priv_can_switch()) {
		id.user = conf->user;
		id.group = conf->group;
		id.uid = conf->uid;
		id.gid = conf->gid;
		rc = priv_check_ident(conf->path, &id);
		TAILQ_FOREACH(svc, &conf->services, entry) {
			priv_ident_svc(svc, &id);
			snprintf(who, sizeof(who), "service %s", svc->name);
			if (priv_check_ident(who, &id) == -1)
				rc = -1;
		}
		return rc;
	}
	if (priv_master_dropped && conf->user != NULL &&
	    conf->uid != priv_master_uid)
		log_warnx("user \"%s\": the master keeps running as uid %lu "
			  "until restarted; workers use the new user",
		    conf->user, (unsigned long)priv_master_uid);
	if (geteuid() != 0)
		return 0;
	if (conf->user == NULL)
		log_warnx(
		    "WARNING: started as root and no `user' is set: "
		    "the master keeps running as root with every capability");
	TAILQ_FOREACH(svc, &conf->services, entry)
		if (svc->user == NULL)
			log_warnx(
			    "WARNING: service %s: no `user' set, its "
			    "workers run as root (uid 0, no capabilities)",
			    svc->name);
	return 0;
}

/* True if a listens on an IP port that needs CAP_NET_BIND_SERVICE. */
static bool
priv_port_privileged(const struct sockserv_addr *a)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	unsigned port;

	switch (a->sa.ss_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)&a->sa;
		port = ntohs(sin->sin_port);
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)&a->sa;
		port = ntohs(sin6->sin6_port);
		break;
	default:
		return false;
	}
	return port > 0 && port < 1024;
}

/*
 * The capabilities the master keeps when it switches to target: fills
 * keep and returns how many.
 */
static int
priv_master_keep(const struct conf *conf, const struct priv_ident *target,
    cap_value_t *keep)
{
	const struct service *svc;
	bool bind = false, other = false;
	size_t i;
	int n = 0;

	TAILQ_FOREACH(svc, &conf->services, entry) {
		for (i = 0; i < svc->naddrs; i++)
			if (priv_port_privileged(&svc->addrs[i]))
				bind = true;
		if ((svc->user != NULL && svc->uid != target->uid) ||
		    ((svc->user != NULL || svc->group != NULL) &&
			svc->gid != target->gid))
			other = true;
	}
	if (bind)
		keep[n++] = CAP_NET_BIND_SERVICE;
	if (other) {
		keep[n++] = CAP_SETUID;
		keep[n++] = CAP_SETGID;
		keep[n++] = CAP_KILL;
	}
	return n;
}

/* A capability state with exactly keep[] in permitted and effective. */
static cap_t
priv_caps_make(const cap_value_t *keep, int n)
{
	cap_t caps;

	if ((caps = cap_init()) == NULL)
		return NULL;
	if (n > 0 &&
	    (cap_set_flag(caps, CAP_PERMITTED, n, keep, CAP_SET) == -1 ||
		cap_set_flag(caps, CAP_EFFECTIVE, n, keep, CAP_SET) == -1)) {
		cap_free(caps);
		return NULL;
	}
	return caps;
}

/*
 * Clear the ambient set.  libcap's cap_reset_ambient() asks about each
 * capability in turn (41 prctl calls); the kernel's CLEAR_ALL is one, and
 * this runs in every child.
 */
static int
priv_ambient_clear(void)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0L, 0L, 0L) == -1 &&
	    errno != EINVAL) /* EINVAL: a kernel without ambient sets */
		return -1;
	return 0;
}

/*
 * Set the process's capabilities to exactly want and clear the ambient
 * set; verify: check that the kernel shows just that.  capset(2) sets the
 * three sets as given or fails, so the read-back is a second opinion: the
 * master takes it, a child does not (libcap allocates for it, and in fork
 * mode that is a per-connection cost; the end-to-end tests read every
 * child's sets from /proc instead).
 */
static int
priv_caps_apply(cap_t want, bool verify)
{
	cap_t got = NULL;
	int rc = -1;

	if (cap_set_proc(want) == -1)
		log_warn("cannot set capabilities (cap_set_proc)");
	else if (!priv_master_clean && priv_ambient_clear() == -1)
		log_warn("cannot clear the ambient capability set");
	else if (!verify)
		rc = 0;
	else if ((got = cap_get_proc()) == NULL)
		log_warn("cannot read capabilities back (cap_get_proc)");
	else if (cap_compare(want, got) != 0)
		log_warnx("capabilities not as set after cap_set_proc");
	else
		rc = 0;
	if (got != NULL)
		cap_free(got);
	return rc;
}

/* The same with exactly keep[] in permitted and effective. */
static int
priv_caps_set(const cap_value_t *keep, int n)
{
	cap_t want;
	int rc;

	if ((want = priv_caps_make(keep, n)) == NULL) {
		log_warn("cannot build the capability set");
		return -1;
	}
	rc = priv_caps_apply(want, true);
	cap_free(want);
	return rc;
}

/* Remove from the bounding set every capability not in keep[]. */
static int
priv_bound_trim(const cap_value_t *keep, int n)
{
	cap_value_t c, max = cap_max_bits();
	int i;

	for (c = 0; c < max; c++) {
		for (i = 0; i < n && keep[i] != c; i++)
			;
		if (i < n || cap_get_bound(c) != 1)
			continue;
		if (cap_drop_bound(c) == -1) {
			log_warn("cannot drop capability %d from the bounding "
				 "set",
			    (int)c);
			return -1;
		}
	}
	return 0;
}

/* Does the calling thread hold cap in its effective set? */
static bool
priv_has_effective(cap_value_t cap)
{
	cap_t caps;
	cap_flag_value_t v = CAP_CLEAR;

	if ((caps = cap_get_proc()) == NULL)
		return false;
	if (cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) == -1)
		v = CAP_CLEAR;
	cap_free(caps);
	return v == CAP_SET;
}

/*
 * Become id: supplementary groups (the user's, or none when only a group
 * is given), then the gid, then the uid, all three of real, effective and
 * saved.  svc names the service in the messages; NULL: the master.  (A
 * string is put together only to say what failed: a child formats
 * nothing on its way to serving.)
 */
static int
priv_switch(const char *svc, const struct priv_ident *id)
{
	const char *name = id->user != NULL ? id->user : "(unchanged)";
	const char *pre = svc != NULL ? "service " : "";
	const char *who = svc != NULL ? svc : "master";

	if (id->user != NULL && initgroups(id->user, id->gid) == -1) {
		log_warn("%s%s: initgroups(\"%s\", %lu)", pre, who, id->user,
		    (unsigned long)id->gid);
		return -1;
	}
	if (id->user == NULL && setgroups(0, NULL) == -1) {
		log_warn("%s%s: setgroups", pre, who);
		return -1;
	}
	if (setresgid(id->gid, id->gid, id->gid) == -1) {
		log_warn("%s%s: setresgid(%lu) for user %s", pre, who,
		    (unsigned long)id->gid, name);
		return -1;
	}
	if (setresuid(id->uid, id->uid, id->uid) == -1) {
		log_warn("%s%s: setresuid(%lu) for user %s", pre, who,
		    (unsigned long)id->uid, name);
		return -1;
	}
	if (!priv_is_ident(id->uid, id->gid)) {
		log_warnx("%s%s: uid/gid are not %lu/%lu after the switch", pre,
		    who, (unsigned long)id->uid, (unsigned long)id->gid);
		return -1;
	}
	return 0;
}

/* Log what the master kept, by name. */
static void
priv_log_master(const struct priv_ident *id, const cap_value_t *keep, int n)
{
	char buf[256];
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < n && len < sizeof(buf); i++) {
		char *name = cap_to_name(keep[i]);

		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s",
		    i > 0 ? " " : "", name != NULL ? name : "?");
		cap_free(name);
	}
	log_info("running as user %s (uid %lu, gid %lu), capabilities: %s",
	    id->user, (unsigned long)id->uid, (unsigned long)id->gid,
	    n > 0 ? buf : "none");
}

/*
 * Once every listener is bound: started as root with a `user', become
 * that user keeping only the capabilities described at the top of this
 * file.  Not root, or root without a `user': nothing to do.  Every step
 * is checked; on failure logs it and returns -1 (the master must exit
 * before serving).
 */
/*
 * Remember what the master now is (see priv_self_known); 0, or -1 if the
 * children's empty capability set cannot be built.
 */
static int
priv_note_self(void)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	cap_t caps;

	if (getresuid(&ru, &eu, &su) == 0 && getresgid(&rg, &eg, &sg) == 0 &&
	    ru == eu && eu == su && rg == eg && eg == sg) {
		priv_self_known = true;
		priv_self_uid = eu;
		priv_self_gid = eg;
	}
	if (priv_empty == NULL && (priv_empty = cap_init()) == NULL) {
		log_warn("cannot build the capability set");
		return -1;
	}
	if ((caps = cap_get_proc()) != NULL) {
		priv_self_caps = cap_compare(caps, priv_empty) != 0;
		cap_free(caps);
	}
	/*
	 * The master never execs and never raises an ambient capability:
	 * both settings cost it nothing, and every child inherits them.
	 */
	if (priv_ambient_clear() == -1) {
		log_warn("cannot clear the ambient capability set");
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) == -1 ||
	    prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L) != 1) {
		log_warn("prctl(PR_SET_NO_NEW_PRIVS)");
		return -1;
	}
	priv_master_clean = true;
	return 0;
}

/*
 * Once every listener is bound: started as root with a `user', become
 * that user keeping only the capabilities described at the top of this
 * file.  Not root, or root without a `user': nothing to do.  Every step
 * is checked; on failure logs it and returns -1 (the master must exit
 * before serving).
 */
int
priv_drop_master(const struct conf *conf)
{
	struct priv_ident id;
	cap_value_t keep[PRIV_MAXKEEP];
	int n;

	if (geteuid() != 0)
		return priv_note_self();
	if (conf->user == NULL) {
		/*
		 * A root master without `user' keeps its permitted set, but
		 * never execs: the bounding set (what an exec could gain) goes
		 * now, once, instead of in every child.
		 */
		if (priv_bound_trim(NULL, 0) == -1)
			return -1;
		priv_bound_done = true;
		return priv_note_self();
	}
	id.user = conf->user;
	id.group = conf->group;
	id.uid = conf->uid;
	id.gid = conf->gid;
	n = priv_master_keep(conf, &id, keep);
	if (priv_bound_trim(keep, n) == -1)
		return -1;
	/* The master keeps no CAP_SETPCAP: children cannot trim further. */
	priv_bound_done = true;
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) == -1) {
		log_warn("prctl(PR_SET_KEEPCAPS)");
		return -1;
	}
	if (priv_switch(NULL, &id) == -1)
		return -1;
	if (prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) == -1) {
		log_warn("prctl(PR_SET_KEEPCAPS, 0)");
		return -1;
	}
	if (priv_caps_set(keep, n) == -1)
		return -1;
	priv_master_dropped = true;
	priv_master_uid = id.uid;
	priv_log_master(&id, keep, n);
	return priv_note_self();
}

/*
 * In a worker or child, before any module code and before any thread:
 * take svc's identity and drop every capability; see the top of this
 * file.  Logs what failed and returns -1 (the caller _exit(1)s).
 */
int
priv_drop_child(const struct service *svc)
{
	struct priv_ident id;
	bool switched = false;

	priv_ident_svc(svc, &id);
	if (!priv_bound_done && priv_has_effective(CAP_SETPCAP) &&
	    priv_bound_trim(NULL, 0) == -1)
		return -1;
	/* Already that identity (known without asking the kernel): stay. */
	if ((!priv_self_known || id.uid != priv_self_uid ||
		id.gid != priv_self_gid) &&
	    !priv_is_ident(id.uid, id.gid)) {
		if (priv_switch(svc->name, &id) == -1)
			return -1;
		switched = true;
	}
	/* A master without capabilities has none to pass on. */
	if ((priv_self_caps || switched || priv_empty == NULL) &&
	    (priv_empty != NULL ? priv_caps_apply(priv_empty, false)
				: priv_caps_set(NULL, 0)) == -1) {
		log_warnx("service %s: cannot drop capabilities", svc->name);
		return -1;
	}
	if (!priv_master_clean &&
	    (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) == -1 ||
		prctl(PR_GET_NO_NEW_PRIVS, 0L, 0L, 0L, 0L) != 1)) {
		log_warn("service %s: prctl(PR_SET_NO_NEW_PRIVS)", svc->name);
		return -1;
	}
	return 0;
}
