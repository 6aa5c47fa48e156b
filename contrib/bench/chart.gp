# Grouped bars: operations per second per server and workload (log scale).
# Called by report.sh with data= (TSV: server, W1c1, W1c32, W2, W3) and out=.
set terminal pngcairo size 1200,600 font "sans,10"
set output out
set title "sockserv benchmark: operations per second (higher is better)"
set style data histogram
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set logscale y
set yrange [10:*]
set ylabel "ops/s"
set xtics rotate by -30
set key top right
set datafile separator "\t"
plot data using 2:xtic(1) title columnheader(2), \
     '' using 3 title columnheader(3), \
     '' using 4 title columnheader(4), \
     '' using 5 title columnheader(5)
