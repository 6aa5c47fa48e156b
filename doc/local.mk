# Manual pages and documents.
dist_man_MANS += doc/libsockserv.3 doc/sockservd.8 doc/sockserv.conf.5 doc/sockserv-xfer.1
dist_noinst_DATA += doc/xfer-protocol.md doc/performance.md doc/performance.png doc/privileges.md doc/design.md

# The pages lint clean (mandoc, and groff as lintian runs it).
TESTS += contrib/check-man.sh
dist_check_SCRIPTS += contrib/check-man.sh
