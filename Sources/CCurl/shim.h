// libcurl's easy and MIME API (Debian libcurl4-openssl-dev), as the system module CCurl.
// Only EOPNotification imports it (email over SMTP).
//
// Rationale for the wrappers: curl_easy_setopt and curl_easy_getinfo are variadic,
// which Swift cannot call; each wrapper fixes one argument type.
#ifndef EOP_CCURL_SHIM_H
#define EOP_CCURL_SHIM_H
#include <curl/curl.h>

static inline CURLcode eop_curl_set_long(CURL *curl, CURLoption option, long value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode eop_curl_set_string(CURL *curl, CURLoption option, const char *value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode eop_curl_set_pointer(CURL *curl, CURLoption option, void *value) {
    return curl_easy_setopt(curl, option, value);
}

static inline CURLcode eop_curl_response_code(CURL *curl, long *code) {
    return curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, code);
}
#endif
