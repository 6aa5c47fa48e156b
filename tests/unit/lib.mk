# tests/unit/lib.mk -- Check unit tests for libsockserv (src/lib).
#
# check_addr: address parsing and formatting.  check_io: the buffered
# stream I/O.  check_server: CPython's test_socketserver matrix ported
# (every socket type x every mode) plus what CPython never tested
# (max_children, timeouts, no accept after shutdown, concurrency).
# check_common.[ch] is generic test plumbing other suites may reuse.

if HAVE_CHECK
check_PROGRAMS += check_addr check_io check_server
TESTS += check_addr check_io check_server

check_addr_SOURCES = tests/unit/check_addr.c \
	tests/unit/check_common.c tests/unit/check_common.h
check_addr_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
check_addr_LDADD = libsockserv.la $(CHECK_LIBS)

check_io_SOURCES = tests/unit/check_io.c \
	tests/unit/check_common.c tests/unit/check_common.h
check_io_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
check_io_LDADD = libsockserv.la $(CHECK_LIBS)

check_server_SOURCES = tests/unit/check_server.c \
	tests/unit/check_common.c tests/unit/check_common.h
check_server_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS) -pthread
check_server_LDADD = libsockserv.la $(CHECK_LIBS)
endif
