# Cancel latency distribution: one latency in ms per line (cancel_latency
# --samples_file), drawn as a cumulative distribution.
#   gnuplot -e "data='cancel.dat'; out='cancel.png'; label='standard'" cancel.gp
set terminal pngcairo size 800,450 noenhanced
set output out
set title "Cancel latency: notifications/cancelled to renderer idle"
set xlabel "milliseconds"
set ylabel "fraction of cancels"
set key bottom right
set grid
stats data using 1 nooutput
n = STATS_records
set yrange [0:1]
plot data using 1:(1.0/n) smooth cumulative with steps lw 2 title label
