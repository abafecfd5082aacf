// cmark, the CommonMark reference parser (Debian libcmark-dev), as the system module CCMark.
// Only the Docs plugin imports it: Markdown to HTML, and the node tree for headings.
#ifndef EOP_CCMARK_SHIM_H
#define EOP_CCMARK_SHIM_H
#include <cmark.h>
#endif
