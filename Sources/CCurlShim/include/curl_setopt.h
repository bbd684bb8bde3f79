// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot
// call: these fixed-arity wrappers (and a body-discarding write callback)
// are the whole of this target.
#ifndef GATEHOUSE_CURL_SETOPT_H
#define GATEHOUSE_CURL_SETOPT_H
#include <curl/curl.h>

typedef size_t (*gh_curl_read_fn)(char *buffer, size_t size, size_t nitems, void *userdata);

CURLcode gh_curl_setopt_long(CURL *curl, CURLoption option, long value);
CURLcode gh_curl_setopt_string(CURL *curl, CURLoption option, const char *value);
CURLcode gh_curl_setopt_pointer(CURL *curl, CURLoption option, void *value);
CURLcode gh_curl_setopt_read_function(CURL *curl, gh_curl_read_fn fn);
/* Throws a response body away instead of letting libcurl print it on stdout. */
CURLcode gh_curl_discard_body(CURL *curl);
CURLcode gh_curl_getinfo_long(CURL *curl, CURLINFO info, long *value);
#endif
