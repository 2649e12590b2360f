#ifndef POSTWATCH_CCURL_SHIM_H
#define POSTWATCH_CCURL_SHIM_H

#include <curl/curl.h>

// Swift cannot call the variadic curl_easy_setopt/curl_easy_getinfo: these typed wrappers can.
static inline CURLcode pw_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode pw_easy_setopt_str(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode pw_easy_setopt_ptr(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode pw_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
/// Write, header and read callbacks share one C signature.
typedef size_t (*pw_data_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
static inline CURLcode pw_easy_setopt_data_callback(CURL *handle, CURLoption option, pw_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}
/// `CURLOPT_DEBUGFUNCTION`: every command sent and reply received (with `CURLOPT_VERBOSE`).
typedef int (*pw_debug_callback)(CURL *handle, curl_infotype type, char *data, size_t size, void *userdata);
static inline CURLcode pw_easy_setopt_debug_callback(CURL *handle, pw_debug_callback value) {
    return curl_easy_setopt(handle, CURLOPT_DEBUGFUNCTION, value);
}
static inline CURLcode pw_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode pw_easy_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    return curl_easy_getinfo(handle, info, value);
}
static inline CURLcode pw_easy_getinfo_ptr(CURL *handle, CURLINFO info, void *value) {
    return curl_easy_getinfo(handle, info, value);
}
/// `CURLINFO_REDIRECT_URL` and other string infos: libcurl owns the returned string.
static inline CURLcode pw_easy_getinfo_str(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}
/// The abort value a read callback returns (a macro Swift does not import as a typed constant).
static inline size_t pw_readfunc_abort(void) { return CURL_READFUNC_ABORT; }

#endif
