# The benchmark: a load generator and the bare-syscall "limit" servers,
# built by `make'; contrib/bench/run.sh runs them against sockservd and
# the servers people use instead (doc/performance.md).
noinst_PROGRAMS += contrib/bench/loadgen contrib/bench/bare-fork \
	contrib/bench/bare-prefork contrib/bench/bare-udp contrib/bench/bare-epoll
contrib_bench_loadgen_SOURCES = contrib/bench/loadgen.c
contrib_bench_bare_fork_SOURCES = contrib/bench/bare-fork.c contrib/bench/bare-common.h
contrib_bench_bare_prefork_SOURCES = contrib/bench/bare-prefork.c contrib/bench/bare-common.h
contrib_bench_bare_udp_SOURCES = contrib/bench/bare-udp.c contrib/bench/bare-common.h
contrib_bench_bare_epoll_SOURCES = contrib/bench/bare-epoll.c contrib/bench/bare-common.h
dist_noinst_SCRIPTS += contrib/bench/run.sh contrib/bench/report.sh contrib/bench/py-echo.py \
	contrib/bench/scale.sh
EXTRA_DIST += contrib/bench/chart.gp
