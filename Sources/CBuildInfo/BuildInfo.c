#include "BuildInfo.h"

// A weak reference: defined by the object the Makefile links in with -Xlinker (one object per
// commit, so that a new commit relinks without recompiling anything), null otherwise.
extern const char nprec_build_commit_text[] __attribute__((weak));

const char *nprec_build_commit(void) {
    return nprec_build_commit_text ? nprec_build_commit_text : "unknown";
}
