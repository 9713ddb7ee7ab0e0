#include <stdio.h> /* jpeglib.h needs size_t and FILE declared first */
#include <jpeglib.h>
