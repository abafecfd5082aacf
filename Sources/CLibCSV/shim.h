// libcsv (Debian libcsv-dev), an RFC 4180 CSV parser and writer, as the system module
// CLibCSV. Used by plugins that import and export CSV (Catalog); nothing of it crosses the ABI.
#ifndef EOP_CLIBCSV_SHIM_H
#define EOP_CLIBCSV_SHIM_H
#include <stddef.h>
#include <csv.h>
#endif
