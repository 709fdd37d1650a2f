# Micro benchmark times as horizontal bars (log scale): name, time in µs,
# from micro_benchmarks' console output.
#   gnuplot -e "data='micro.dat'; out='micro.png'" micro.gp
set terminal pngcairo size 900,450 noenhanced
set output out
set title "Micro benchmarks (time per operation)"
set xlabel "microseconds (log)"
set logscale x
set style fill solid 0.6
set grid x
set ytics scale 0
unset key
plot data using 2:0:(0.01):2:($0-0.35):($0+0.35):yticlabels(1) with boxxyerror
