# contrib/examples: small programs showing how libsockserv reads; each
# takes its address URL as argv[1].  Built here; their sources are
# installed in $(docdir)/examples, with sockserv.conf, the demo
# configuration of every bundled module on the loopback interface (the
# README's quick start).
examplesdir = $(docdir)/examples
dist_examples_DATA = \
	contrib/examples/sockserv.conf \
	contrib/examples/echo-server.c \
	contrib/examples/upper-server.c \
	contrib/examples/forking-tcp-server.c \
	contrib/examples/threading-udp-server.c
noinst_PROGRAMS += \
	contrib/examples/echo-server \
	contrib/examples/upper-server \
	contrib/examples/forking-tcp-server \
	contrib/examples/threading-udp-server

contrib_examples_echo_server_SOURCES = contrib/examples/echo-server.c
contrib_examples_echo_server_LDADD = libsockserv.la
contrib_examples_upper_server_SOURCES = contrib/examples/upper-server.c
contrib_examples_upper_server_LDADD = libsockserv.la
contrib_examples_forking_tcp_server_SOURCES = contrib/examples/forking-tcp-server.c
contrib_examples_forking_tcp_server_LDADD = libsockserv.la
contrib_examples_threading_udp_server_SOURCES = contrib/examples/threading-udp-server.c
contrib_examples_threading_udp_server_LDADD = libsockserv.la

# What a user of the installed library does: build the examples with
# nothing but pkg-config (and a module with sockserv-module.pc).
TESTS += contrib/check-pkgconfig.sh
dist_check_SCRIPTS += contrib/check-pkgconfig.sh
