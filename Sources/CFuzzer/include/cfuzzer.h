#ifndef NPREC_CFUZZER_H
#define NPREC_CFUZZER_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry for a program with its own main (LLVM 11 and later): runs the fuzzing loop
 * with `callback` as the target. Only `nprec-fuzz` built by `make fuzz` (with
 * -sanitize=fuzzer, which links libFuzzer) calls it. */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
