/* Declarations only (see cfuzzer.h); SwiftPM needs a source file per C target. */
#include "cfuzzer.h"
