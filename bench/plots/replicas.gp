# Videos per minute against concurrent draft renders: one renderer against
# replicas behind the gateway's round_robin. Data from replica_scaling
# --data_file: concurrency, vpm_1, p99_1, vpm_N, p99_N.
#   gnuplot -e "data='replicas.dat'; out='replicas.png'" replicas.gp
set terminal pngcairo size 800,450 noenhanced
set output out
set title "Draft renders through the gateway: throughput"
set xlabel "concurrent renders"
set ylabel "videos / minute"
set y2label "p99 seconds per render"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set logscale x 2
set xtics (1, 2, 4, 8, 16, 32)
set xrange [0.8:*]
set offsets graph 0, graph 0.05, 0, 0
set key below
set grid
plot data using 1:2 with linespoints lw 2 title "1 renderer (videos/min)", \
     data using 1:4 with linespoints lw 2 title "replicas (videos/min)", \
     data using 1:3 axes x1y2 with linespoints dt 2 title "1 renderer (p99 s)", \
     data using 1:5 axes x1y2 with linespoints dt 2 title "replicas (p99 s)"
