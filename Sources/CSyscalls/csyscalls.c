#include "csyscalls.h"

#include <errno.h>
#include <fcntl.h>

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#if defined(SYS_openat2) && __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define NPREC_HAVE_OPENAT2 1
#endif
#endif

int nprec_open_no_symlinks(const char *path, int flags) {
#if defined(NPREC_HAVE_OPENAT2)
    struct open_how how = {.flags = (unsigned long long)flags, .mode = 0, .resolve = RESOLVE_NO_SYMLINKS};
    return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
#else
    (void)path;
    (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}
