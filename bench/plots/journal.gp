# Cost against journal size, from journal_scale's table: entries,
# stats query ms, call to first progress ms, total render ms.
#   gnuplot -e "data='journal.dat'; out='journal.png'" journal.gp
set terminal pngcairo size 800,450 noenhanced
set output out
set title "Cost against journal size"
set xlabel "journal entries"
set ylabel "milliseconds"
set logscale xy
set key below
set grid
plot data using 1:2 with linespoints lw 2 title "stats query", \
     data using 1:3 with linespoints lw 2 title "call to first progress", \
     data using 1:4 with linespoints lw 2 title "whole draft render"
