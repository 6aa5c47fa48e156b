# tests/unit/acl.mk -- Check unit tests for the daemon's access control
# (src/daemon/acl.c) and privilege code (src/daemon/priv.c).
#
# check_acl: CIDR parsing, IPv4/IPv6/mapped matching, admission order.
# check_priv: priv_check_config refusing identities it cannot take and,
# when run as root, priv_drop_master's exact capability sets and
# priv_drop_child in a child of it, each in a forked process (the root
# cases only print a skip note as a normal user).
# Both link the daemon's convenience library, the objects that ship.

if HAVE_CHECK
check_PROGRAMS += check_acl check_priv
TESTS += check_acl check_priv

check_acl_SOURCES = tests/unit/check_acl.c
check_acl_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/daemon
check_acl_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CONFUSE_CFLAGS) -pthread
check_acl_LDADD = libsockservd.la $(CHECK_LIBS)

check_priv_SOURCES = tests/unit/check_priv.c
check_priv_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/daemon
check_priv_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CONFUSE_CFLAGS) $(CAP_CFLAGS) -pthread
check_priv_LDADD = libsockservd.la $(CAP_LIBS) $(CHECK_LIBS)
endif
