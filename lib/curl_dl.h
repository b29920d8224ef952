/*
 * geoha: libcurl, loaded on first use (see lib/curl_dl.c). Internal to
 * the ARM client: include this instead of <curl/curl.h>; the usual curl
 * names then go through the loaded table.
 */
#ifndef GEOHA_CURL_DL_H
#define GEOHA_CURL_DL_H

#include <stdbool.h>

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

struct geoha__curl_api {
    __typeof__(curl_global_init) *global_init;
    __typeof__(curl_easy_init) *easy_init;
    __typeof__(curl_easy_setopt) *easy_setopt;
    __typeof__(curl_easy_getinfo) *easy_getinfo;
    __typeof__(curl_easy_perform) *easy_perform;
    __typeof__(curl_easy_reset) *easy_reset;
    __typeof__(curl_easy_cleanup) *easy_cleanup;
    __typeof__(curl_easy_strerror) *easy_strerror;
    __typeof__(curl_easy_escape) *easy_escape;
    __typeof__(curl_free) *free;
    __typeof__(curl_slist_append) *slist_append;
    __typeof__(curl_slist_free_all) *slist_free_all;
    __typeof__(curl_url) *url;
    __typeof__(curl_url_cleanup) *url_cleanup;
    __typeof__(curl_url_get) *url_get;
    __typeof__(curl_url_set) *url_set;
    __typeof__(curl_version_info) *version_info;
};

/* The table; never NULL (stubs that fail when libcurl is missing). */
const struct geoha__curl_api *geoha__curl(void);

/* Why libcurl could not be loaded, or NULL when it was. */
const char *geoha__curl_error(void);

#ifndef GEOHA_CURL_DL_IMPL
#define curl_global_init(...) (geoha__curl()->global_init(__VA_ARGS__))
#define curl_easy_init() (geoha__curl()->easy_init())
#undef curl_easy_setopt
#define curl_easy_setopt(...) (geoha__curl()->easy_setopt(__VA_ARGS__))
#undef curl_easy_getinfo
#define curl_easy_getinfo(...) (geoha__curl()->easy_getinfo(__VA_ARGS__))
#define curl_easy_perform(...) (geoha__curl()->easy_perform(__VA_ARGS__))
#define curl_easy_reset(...) (geoha__curl()->easy_reset(__VA_ARGS__))
#define curl_easy_cleanup(...) (geoha__curl()->easy_cleanup(__VA_ARGS__))
#define curl_easy_strerror(...) (geoha__curl()->easy_strerror(__VA_ARGS__))
#define curl_easy_escape(...) (geoha__curl()->easy_escape(__VA_ARGS__))
#define curl_free(...) (geoha__curl()->free(__VA_ARGS__))
#define curl_slist_append(...) (geoha__curl()->slist_append(__VA_ARGS__))
#define curl_slist_free_all(...) (geoha__curl()->slist_free_all(__VA_ARGS__))
#define curl_url() (geoha__curl()->url())
#define curl_url_cleanup(...) (geoha__curl()->url_cleanup(__VA_ARGS__))
#define curl_url_get(...) (geoha__curl()->url_get(__VA_ARGS__))
#define curl_url_set(...) (geoha__curl()->url_set(__VA_ARGS__))
#define curl_version_info(...) (geoha__curl()->version_info(__VA_ARGS__))
#endif

#endif /* GEOHA_CURL_DL_H */
