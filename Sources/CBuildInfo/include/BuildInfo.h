#ifndef NPREC_BUILD_INFO_H
#define NPREC_BUILD_INFO_H

/// The git commit nprec was built from ("abc1234def56", "abc1234def56-dirty"), or "unknown".
/// `make` links in an object that defines it (see the Makefile's BUILD_INFO); a plain
/// `swift build` leaves it out and gets "unknown".
const char *nprec_build_commit(void);

#endif
