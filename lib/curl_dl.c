/*
 * geoha: libcurl, loaded on first use.
 *
 * Loading libcurl and everything it links costs a process about 4 ms of
 * CPU, more than the whole monitor of a native ocf:geoha:mysql. Only
 * processes that really talk to Azure should pay for it, so the ARM client
 * reaches libcurl through this table, filled by dlopen() the first time it
 * is needed. When libcurl cannot be loaded every entry is a stub that
 * fails the way libcurl itself fails (NULL handles, CURLE_FAILED_INIT), so
 * callers need no special path; geoha__curl_error() says why.
 */
#include <dlfcn.h>
#include <stddef.h>

#define GEOHA_CURL_DL_IMPL 1
#include "curl_dl.h"

static const char *const sonames[] = { "libcurl.so.4", "libcurl-gnutls.so.4" };

static struct geoha__curl_api api;
static const char *load_error;
static bool loaded;

static CURLcode
stub_global_init(long flags)
{
    (void)flags;
    return CURLE_FAILED_INIT;
}

static CURL *
stub_easy_init(void)
{
    return NULL;
}

static CURLcode
stub_easy_setopt(CURL *h, CURLoption opt, ...)
{
    (void)h;
    (void)opt;
    return CURLE_FAILED_INIT;
}

static CURLcode
stub_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    (void)h;
    (void)info;
    return CURLE_FAILED_INIT;
}

static CURLcode
stub_easy_perform(CURL *h)
{
    (void)h;
    return CURLE_FAILED_INIT;
}

static void
stub_handle(CURL *h)
{
    (void)h;
}

static const char *
stub_easy_strerror(CURLcode code)
{
    (void)code;
    return "libcurl is not available";
}

static char *
stub_easy_escape(CURL *h, const char *s, int len)
{
    (void)h;
    (void)s;
    (void)len;
    return NULL;
}

static void
stub_free(void *p)
{
    (void)p;
}

static struct curl_slist *
stub_slist_append(struct curl_slist *l, const char *s)
{
    (void)l;
    (void)s;
    return NULL;
}

static void
stub_slist_free_all(struct curl_slist *l)
{
    (void)l;
}

static CURLU *
stub_url(void)
{
    return NULL;
}

static void
stub_url_cleanup(CURLU *u)
{
    (void)u;
}

static CURLUcode
stub_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
    (void)u;
    (void)what;
    (void)part;
    (void)flags;
    return CURLUE_OUT_OF_MEMORY;
}

static CURLUcode
stub_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
    (void)u;
    (void)what;
    (void)part;
    (void)flags;
    return CURLUE_OUT_OF_MEMORY;
}

static curl_version_info_data *
stub_version_info(CURLversion v)
{
    (void)v;
    return NULL;
}

static const struct geoha__curl_api stubs = {
    .global_init = stub_global_init,
    .easy_init = stub_easy_init,
    .easy_setopt = stub_easy_setopt,
    .easy_getinfo = stub_easy_getinfo,
    .easy_perform = stub_easy_perform,
    .easy_reset = stub_handle,
    .easy_cleanup = stub_handle,
    .easy_strerror = stub_easy_strerror,
    .easy_escape = stub_easy_escape,
    .free = stub_free,
    .slist_append = stub_slist_append,
    .slist_free_all = stub_slist_free_all,
    .url = stub_url,
    .url_cleanup = stub_url_cleanup,
    .url_get = stub_url_get,
    .url_set = stub_url_set,
    .version_info = stub_version_info,
};

/* Looks one symbol up; on failure leaves *slot alone and returns false. */
#define LOOKUP(handle, slot, name)                                             \
    (((*(void **)&(slot)) = dlsym((handle), (name))) != NULL)

static bool
load(void)
{
    struct geoha__curl_api found = stubs;
    void *h = NULL;

    /*
     * RTLD_LAZY: of libcurl's ~30 libraries a fence action calls into a
     * handful of functions; binding every one of their PLT entries up
     * front cost about 2.5 ms of CPU per process. The functions geoha
     * needs are all looked up below, so a libcurl without them is still
     * refused here rather than failing later.
     */
    for (size_t i = 0; i < sizeof(sonames) / sizeof(sonames[0]); i++) {
        h = dlopen(sonames[i], RTLD_LAZY | RTLD_LOCAL);
        if (h != NULL) {
            break;
        }
    }
    if (h == NULL) {
        load_error = "libcurl.so.4 could not be loaded (is Debian's "
                     "libcurl4 package installed?)";
        return false;
    }
    if (!(LOOKUP(h, found.global_init, "curl_global_init")
          && LOOKUP(h, found.easy_init, "curl_easy_init")
          && LOOKUP(h, found.easy_setopt, "curl_easy_setopt")
          && LOOKUP(h, found.easy_getinfo, "curl_easy_getinfo")
          && LOOKUP(h, found.easy_perform, "curl_easy_perform")
          && LOOKUP(h, found.easy_reset, "curl_easy_reset")
          && LOOKUP(h, found.easy_cleanup, "curl_easy_cleanup")
          && LOOKUP(h, found.easy_strerror, "curl_easy_strerror")
          && LOOKUP(h, found.easy_escape, "curl_easy_escape")
          && LOOKUP(h, found.free, "curl_free")
          && LOOKUP(h, found.slist_append, "curl_slist_append")
          && LOOKUP(h, found.slist_free_all, "curl_slist_free_all")
          && LOOKUP(h, found.url, "curl_url")
          && LOOKUP(h, found.url_cleanup, "curl_url_cleanup")
          && LOOKUP(h, found.url_get, "curl_url_get")
          && LOOKUP(h, found.url_set, "curl_url_set")
          && LOOKUP(h, found.version_info, "curl_version_info"))) {
        load_error = "the libcurl found lacks functions geoha needs "
                     "(libcurl 7.62 or later is required)";
        dlclose(h);
        return false;
    }
    api = found;
    return true;
}

const struct geoha__curl_api *
geoha__curl(void)
{
    if (!loaded) {
        loaded = true;
        if (!load()) {
            api = stubs;
        }
    }
    return &api;
}

const char *
geoha__curl_error(void)
{
    geoha__curl();
    return load_error;
}
