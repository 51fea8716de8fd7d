"""The fast path: whole fit/evaluate/predict passes of built-in graphs run by a C++
Program (csrc/program). `loops.get_program` says whether a call can use it."""
