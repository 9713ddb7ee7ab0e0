// libxml2 without its ICU headers: Debian's libxml2 is built with ICU, and its encoding.h would
// include <unicode/ucnv.h>, whose UErrorCode clashes with Foundation's bundled ICU in any module
// that imports both. Nothing here uses the ICU parts (xmlCharEncodingHandler's converters).
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
