// PFF_HOT marks a hot loop compiled twice, for x86-64-v3 (AVX2/FMA) and the baseline;
// the loader picks the best one at run time, so the default wheel runs on any x86-64.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(PYFASTFIT_NO_CLONES)
#define PFF_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define PFF_HOT
#endif
