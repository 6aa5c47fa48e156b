# tests/unit/acl.mk -- Check unit tests for the daemon's access control
# (src/daemon/acl.c), privilege code (src/daemon/priv.c) and the files
# the master opens by name (src/daemon/safefile.c).
#
# check_acl: CIDR parsing, IPv4/IPv6/mapped matching, admission order.
# check_priv: priv_check_config refusing identities it cannot take and,
# when run as root, priv_drop_master's exact capability sets and
# priv_drop_child in a child of it, each in a forked process (the root
# cases only print a skip note as a normal user).
# check_safefile: the rule for the files the master opens by name (the
# walk, links, the file itself, removability), ownership cases as root.
# All link the daemon's convenience library, the objects that ship.

if HAVE_CHECK
check_PROGRAMS += check_acl check_priv check_safefile
TESTS += check_acl check_priv check_safefile

check_acl_SOURCES = tests/unit/check_acl.c
check_acl_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/daemon
check_acl_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CONFUSE_CFLAGS) -pthread
check_acl_LDADD = libsockservd.la libsockserv.la $(CHECK_LIBS)

check_priv_SOURCES = tests/unit/check_priv.c
check_priv_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/daemon
check_priv_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CONFUSE_CFLAGS) $(CAP_CFLAGS) -pthread
check_priv_LDADD = libsockservd.la libsockserv.la $(CAP_LIBS) $(CHECK_LIBS)

check_safefile_SOURCES = tests/unit/check_safefile.c
check_safefile_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/daemon
check_safefile_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) $(CONFUSE_CFLAGS) -pthread
check_safefile_LDADD = libsockservd.la libsockserv.la $(CHECK_LIBS)
endif
