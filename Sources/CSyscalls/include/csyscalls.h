#ifndef NPREC_CSYSCALLS_H
#define NPREC_CSYSCALLS_H

/* System calls Swift cannot make itself: glibc has no wrapper for openat2(2), and syscall(2)
 * is variadic. Only the `Serve` module imports this. */

/* openat2(2) of an absolute `path` with RESOLVE_NO_SYMLINKS: fails with ELOOP if any component
 * of the path is a symbolic link, and with ENOSYS where the kernel (before Linux 5.6), a
 * seccomp filter or the platform has no openat2. Returns the descriptor or -1 with errno set. */
int nprec_open_no_symlinks(const char *path, int flags);

#endif
