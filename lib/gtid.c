/* geoha: GTID set arithmetic for MariaDB and MySQL. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "geoha/gtid.h"

#define UUID_LEN 36
#define TAG_MAX 32
#define MYSQL_SEQ_MAX ((uint64_t)INT64_MAX - 1)

struct range {
    uint64_t lo, hi; /* inclusive, lo >= 1, lo <= hi */
};

/* The transactions of one writer: (domain, server) or (uuid, tag). */
struct stream {
    uint32_t domain, server;
    char uuid[UUID_LEN + 1];
    char tag[TAG_MAX + 1];
    size_t n, cap;
    struct range *r; /* sorted, disjoint, not adjacent */
};

struct geoha_gtid_set {
    enum geoha_gtid_flavour flavour;
    size_t n, cap;
    struct stream *s; /* sorted by key */
    size_t ranges;    /* total, for the limit */
};

void
geoha_gtid_set_free(struct geoha_gtid_set *set)
{
    if (set == NULL) {
        return;
    }
    for (size_t i = 0; i < set->n; i++) {
        free(set->s[i].r);
    }
    free(set->s);
    free(set);
}

static struct geoha_gtid_set *
set_new(enum geoha_gtid_flavour flavour)
{
    struct geoha_gtid_set *set = calloc(1, sizeof(*set));

    if (set != NULL) {
        set->flavour = flavour;
    }
    return set;
}

static int
key_cmp(const struct stream *a, const struct stream *b)
{
    int c;

    if (a->domain != b->domain) {
        return a->domain < b->domain ? -1 : 1;
    }
    if (a->server != b->server) {
        return a->server < b->server ? -1 : 1;
    }
    c = strcmp(a->uuid, b->uuid);
    if (c != 0) {
        return c;
    }
    return strcmp(a->tag, b->tag);
}

/* The stream with key's key, created (in order) when create is set. */
static int
find_stream(struct geoha_gtid_set *set, const struct stream *key, bool create,
            struct stream **out)
{
    size_t lo = 0, hi = set->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = key_cmp(&set->s[mid], key);

        if (c == 0) {
            *out = &set->s[mid];
            return 0;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (!create) {
        *out = NULL;
        return 0;
    }
    if (set->n >= GEOHA_GTID_STREAMS_MAX) {
        return GEOHA_E_TOOBIG;
    }
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 4;
        struct stream *s = realloc(set->s, cap * sizeof(*s));

        if (s == NULL) {
            return -ENOMEM;
        }
        set->s = s;
        set->cap = cap;
    }
    memmove(&set->s[lo + 1], &set->s[lo], (set->n - lo) * sizeof(*set->s));
    memset(&set->s[lo], 0, sizeof(*set->s));
    set->s[lo].domain = key->domain;
    set->s[lo].server = key->server;
    memcpy(set->s[lo].uuid, key->uuid, sizeof(key->uuid));
    memcpy(set->s[lo].tag, key->tag, sizeof(key->tag));
    set->n++;
    *out = &set->s[lo];
    return 0;
}

/* Add [lo, hi] to the stream, keeping its ranges sorted and merged. */
static int
stream_add(struct geoha_gtid_set *set, struct stream *st, uint64_t lo,
           uint64_t hi)
{
    size_t i = 0, j;

    /* the usual case: text in order, the new range goes last */
    if (st->n > 0 && st->r[st->n - 1].hi != UINT64_MAX
        && st->r[st->n - 1].hi + 1 < lo) {
        i = st->n;
    }
    while (i < st->n && st->r[i].hi != UINT64_MAX && st->r[i].hi + 1 < lo) {
        i++;
    }
    /* ranges i..j-1 touch [lo, hi] and are merged into it */
    j = i;
    while (j < st->n && (hi == UINT64_MAX || st->r[j].lo <= hi + 1)) {
        if (st->r[j].lo < lo) {
            lo = st->r[j].lo;
        }
        if (st->r[j].hi > hi) {
            hi = st->r[j].hi;
        }
        j++;
    }
    if (j > i) {
        st->r[i].lo = lo;
        st->r[i].hi = hi;
        memmove(&st->r[i + 1], &st->r[j], (st->n - j) * sizeof(*st->r));
        set->ranges -= j - i - 1;
        st->n -= j - i - 1;
        return 0;
    }
    if (set->ranges >= GEOHA_GTID_RANGES_MAX) {
        return GEOHA_E_TOOBIG;
    }
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 2;
        struct range *r = realloc(st->r, cap * sizeof(*r));

        if (r == NULL) {
            return -ENOMEM;
        }
        st->r = r;
        st->cap = cap;
    }
    memmove(&st->r[i + 1], &st->r[i], (st->n - i) * sizeof(*st->r));
    st->r[i].lo = lo;
    st->r[i].hi = hi;
    st->n++;
    set->ranges++;
    return 0;
}

static int
set_add(struct geoha_gtid_set *set, const struct stream *key, uint64_t lo,
        uint64_t hi)
{
    struct stream *st = NULL;
    int rc = find_stream(set, key, true, &st);

    if (rc != 0) {
        return rc;
    }
    return stream_add(set, st, lo, hi);
}

/* ---- parsing ---- */

static void
skip_space(const char **p)
{
    while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r') {
        (*p)++;
    }
}

static int
parse_u64(const char **p, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    const char *s = *p;

    if (!isdigit((unsigned char)*s)) {
        return GEOHA_E_PARSE;
    }
    while (isdigit((unsigned char)*s)) {
        unsigned d = (unsigned)(*s - '0');

        if (v > (max - d) / 10) {
            return GEOHA_E_PARSE;
        }
        v = v * 10 + d;
        s++;
    }
    *p = s;
    *out = v;
    return 0;
}

/* One MariaDB element: D-S-N or D-S-LO..HI. */
static int
parse_mariadb_one(const char **p, struct geoha_gtid_set *set)
{
    struct stream key;
    uint64_t d, s, lo, hi;

    memset(&key, 0, sizeof(key));
    if (parse_u64(p, UINT32_MAX, &d) != 0 || **p != '-') {
        return GEOHA_E_PARSE;
    }
    (*p)++;
    if (parse_u64(p, UINT32_MAX, &s) != 0 || **p != '-') {
        return GEOHA_E_PARSE;
    }
    (*p)++;
    if (parse_u64(p, UINT64_MAX, &hi) != 0) {
        return GEOHA_E_PARSE;
    }
    lo = 1;
    if ((*p)[0] == '.' && (*p)[1] == '.') {
        lo = hi;
        *p += 2;
        if (parse_u64(p, UINT64_MAX, &hi) != 0 || lo == 0 || hi < lo) {
            return GEOHA_E_PARSE;
        }
    }
    key.domain = (uint32_t)d;
    key.server = (uint32_t)s;
    if (hi == 0) {
        /* D-S-0 says "nothing yet": the stream is empty */
        struct stream *st = NULL;

        return find_stream(set, &key, true, &st);
    }
    return set_add(set, &key, lo, hi);
}

static bool
is_uuid(const char *s)
{
    for (int i = 0; i < UUID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return false;
            }
        } else if (!isxdigit((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* One MySQL element: uuid(:tag|:interval)+ */
static int
parse_mysql_one(const char **p, struct geoha_gtid_set *set)
{
    struct stream key;
    bool any = false;

    memset(&key, 0, sizeof(key));
    if (strlen(*p) < UUID_LEN || !is_uuid(*p)) {
        return GEOHA_E_PARSE;
    }
    for (int i = 0; i < UUID_LEN; i++) {
        key.uuid[i] = (char)tolower((unsigned char)(*p)[i]);
    }
    *p += UUID_LEN;
    skip_space(p);
    while (**p == ':') {
        (*p)++;
        skip_space(p);
        if (isdigit((unsigned char)**p)) {
            uint64_t lo, hi;
            int rc;

            if (parse_u64(p, MYSQL_SEQ_MAX, &lo) != 0 || lo == 0) {
                return GEOHA_E_PARSE;
            }
            hi = lo;
            if (**p == '-') {
                (*p)++;
                if (parse_u64(p, MYSQL_SEQ_MAX, &hi) != 0 || hi < lo) {
                    return GEOHA_E_PARSE;
                }
            }
            rc = set_add(set, &key, lo, hi);
            if (rc != 0) {
                return rc;
            }
            any = true;
        } else {
            size_t n = 0;

            if (!(islower((unsigned char)**p) || isupper((unsigned char)**p)
                  || **p == '_')) {
                return GEOHA_E_PARSE;
            }
            while (isalnum((unsigned char)(*p)[n]) || (*p)[n] == '_') {
                if (n >= TAG_MAX) {
                    return GEOHA_E_PARSE;
                }
                key.tag[n] = (char)tolower((unsigned char)(*p)[n]);
                n++;
            }
            key.tag[n] = '\0';
            *p += n;
        }
        skip_space(p);
    }
    return any ? 0 : GEOHA_E_PARSE;
}

int
geoha_gtid_set_parse(const char *text, enum geoha_gtid_flavour flavour,
                     struct geoha_gtid_set **out)
{
    struct geoha_gtid_set *set = NULL;
    const char *p = text;
    int rc = 0;

    if (out == NULL
        || (flavour != GEOHA_GTID_ANY && flavour != GEOHA_GTID_MARIADB
            && flavour != GEOHA_GTID_MYSQL)) {
        return -EINVAL;
    }
    if (text == NULL) {
        text = p = "";
    }
    if (strlen(text) > GEOHA_GTID_TEXT_MAX) {
        return GEOHA_E_TOOBIG;
    }
    skip_space(&p);
    if (flavour == GEOHA_GTID_ANY && *p != '\0') {
        flavour =
            strchr(p, ':') != NULL ? GEOHA_GTID_MYSQL : GEOHA_GTID_MARIADB;
    }
    set = set_new(flavour);
    if (set == NULL) {
        return -ENOMEM;
    }
    while (*p != '\0') {
        rc = (flavour == GEOHA_GTID_MYSQL) ? parse_mysql_one(&p, set)
                                           : parse_mariadb_one(&p, set);
        if (rc != 0) {
            goto done;
        }
        skip_space(&p);
        if (*p == ',') {
            p++;
            skip_space(&p);
            if (*p == '\0') {
                rc = GEOHA_E_PARSE; /* a trailing comma */
                goto done;
            }
        } else if (*p != '\0') {
            rc = GEOHA_E_PARSE;
            goto done;
        }
    }
done:
    if (rc != 0) {
        geoha_gtid_set_free(set);
        return rc;
    }
    *out = set;
    return 0;
}

enum geoha_gtid_flavour
geoha_gtid_set_flavour(const struct geoha_gtid_set *set)
{
    return set != NULL ? set->flavour : GEOHA_GTID_ANY;
}

bool
geoha_gtid_set_is_empty(const struct geoha_gtid_set *set)
{
    return set == NULL || set->ranges == 0;
}

/* Two sets can be compared when they share a flavour or one is empty. */
static int
compatible(const struct geoha_gtid_set *a, const struct geoha_gtid_set *b,
           enum geoha_gtid_flavour *flavour)
{
    if (a == NULL || b == NULL) {
        return -EINVAL;
    }
    if (a->flavour != GEOHA_GTID_ANY && b->flavour != GEOHA_GTID_ANY
        && a->flavour != b->flavour) {
        return -EINVAL;
    }
    *flavour = a->flavour != GEOHA_GTID_ANY ? a->flavour : b->flavour;
    return 0;
}

/* Is [lo, hi] inside the ranges of st (NULL: empty)? */
static bool
range_covered(const struct stream *st, uint64_t lo, uint64_t hi)
{
    size_t a = 0, b;

    if (st == NULL) {
        return false;
    }
    b = st->n;
    /* the last range starting at or before lo */
    while (a < b) {
        size_t mid = a + (b - a) / 2;

        if (st->r[mid].lo <= lo) {
            a = mid + 1;
        } else {
            b = mid;
        }
    }
    return a > 0 && hi <= st->r[a - 1].hi;
}

int
geoha_gtid_set_subset(const struct geoha_gtid_set *a,
                      const struct geoha_gtid_set *b, bool *out)
{
    enum geoha_gtid_flavour f;
    int rc = compatible(a, b, &f);

    if (rc != 0 || out == NULL) {
        return rc != 0 ? rc : -EINVAL;
    }
    for (size_t i = 0; i < a->n; i++) {
        struct stream *other = NULL;

        find_stream((struct geoha_gtid_set *)b, &a->s[i], false, &other);
        for (size_t k = 0; k < a->s[i].n; k++) {
            if (!range_covered(other, a->s[i].r[k].lo, a->s[i].r[k].hi)) {
                *out = false;
                return 0;
            }
        }
    }
    *out = true;
    return 0;
}

/* The last sequence number of a stream (0 when empty or NULL). */
static uint64_t
stream_last(const struct stream *st)
{
    return (st != NULL && st->n > 0) ? st->r[st->n - 1].hi : 0;
}

/*
 * MariaDB: where the errant part of stream sa (which holds 1..n) begins.
 * A state keeps only each server's last GTID, so the history both sides
 * share in the domain is estimated from the other servers they both saw:
 * sequence numbers are increasing in a domain (gtid_strict_mode), so
 * nothing at or below the highest shared GTID of another server can be
 * errant. At least the last GTID is reported.
 */
static uint64_t
mariadb_errant_from(const struct geoha_gtid_set *a,
                    const struct geoha_gtid_set *b, const struct stream *sa,
                    const struct stream *sb)
{
    uint64_t n = stream_last(sa), common = stream_last(sb);

    for (size_t i = 0; i < a->n; i++) {
        const struct stream *o = &a->s[i];
        struct stream *ob = NULL;
        uint64_t shared;

        if (o->domain != sa->domain || o->server == sa->server) {
            continue;
        }
        find_stream((struct geoha_gtid_set *)b, o, false, &ob);
        if (ob == NULL) {
            continue;
        }
        shared =
            stream_last(o) < stream_last(ob) ? stream_last(o) : stream_last(ob);
        if (shared > common) {
            common = shared;
        }
    }
    return common >= n ? n : common + 1;
}

int
geoha_gtid_set_difference(const struct geoha_gtid_set *a,
                          const struct geoha_gtid_set *b,
                          struct geoha_gtid_set **out)
{
    struct geoha_gtid_set *d = NULL;
    enum geoha_gtid_flavour f;
    int rc = compatible(a, b, &f);

    if (rc != 0 || out == NULL) {
        return rc != 0 ? rc : -EINVAL;
    }
    d = set_new(f);
    if (d == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < a->n && rc == 0; i++) {
        const struct stream *sa = &a->s[i];
        struct stream *sb = NULL;

        find_stream((struct geoha_gtid_set *)b, sa, false, &sb);
        if (f == GEOHA_GTID_MARIADB && sa->n == 1 && sa->r[0].lo == 1) {
            /* a state entry D-S-N: covered, or errant from some point */
            if (stream_last(sa) > stream_last(sb)) {
                rc = set_add(d, sa, mariadb_errant_from(a, b, sa, sb),
                             stream_last(sa));
            }
            continue;
        }
        for (size_t k = 0; k < sa->n && rc == 0; k++) {
            uint64_t lo = sa->r[k].lo, hi = sa->r[k].hi;

            /* walk b's ranges (sorted) and keep the gaps of [lo, hi] */
            for (size_t j = 0; sb != NULL && j < sb->n && lo <= hi; j++) {
                const struct range *r = &sb->r[j];

                if (r->hi < lo) {
                    continue;
                }
                if (r->lo > hi) {
                    break;
                }
                if (r->lo > lo) {
                    rc = set_add(d, sa, lo, r->lo - 1);
                    if (rc != 0) {
                        break;
                    }
                }
                if (r->hi == UINT64_MAX || r->hi >= hi) {
                    lo = 1; /* all of it covered */
                    hi = 0;
                    break;
                }
                lo = r->hi + 1;
            }
            if (rc == 0 && lo <= hi) {
                rc = set_add(d, sa, lo, hi);
            }
        }
    }
    if (rc != 0) {
        geoha_gtid_set_free(d);
        return rc;
    }
    *out = d;
    return 0;
}

int
geoha_gtid_set_count(const struct geoha_gtid_set *set, uint64_t *out)
{
    uint64_t n = 0;

    if (set == NULL || out == NULL) {
        return -EINVAL;
    }
    for (size_t i = 0; i < set->n; i++) {
        for (size_t k = 0; k < set->s[i].n; k++) {
            uint64_t c = set->s[i].r[k].hi - set->s[i].r[k].lo;

            if (c == UINT64_MAX || n > UINT64_MAX - (c + 1)) {
                *out = UINT64_MAX;
                return 0;
            }
            n += c + 1;
        }
    }
    *out = n;
    return 0;
}

int
geoha_gtid_set_format(const struct geoha_gtid_set *set, char **out)
{
    struct geoha_buf b;
    bool first = true;
    int rc;

    if (set == NULL || out == NULL) {
        return -EINVAL;
    }
    geoha_buf_init(&b, 0);
    geoha_buf_puts(&b, "");
    for (size_t i = 0; i < set->n; i++) {
        const struct stream *st = &set->s[i];

        if (set->flavour == GEOHA_GTID_MARIADB) {
            for (size_t k = 0; k < st->n; k++) {
                geoha_buf_printf(&b, "%s%u-%u-", first ? "" : ",", st->domain,
                                 st->server);
                if (st->r[k].lo == 1) {
                    geoha_buf_printf(&b, "%llu",
                                     (unsigned long long)st->r[k].hi);
                } else {
                    geoha_buf_printf(&b, "%llu..%llu",
                                     (unsigned long long)st->r[k].lo,
                                     (unsigned long long)st->r[k].hi);
                }
                first = false;
            }
            continue;
        }
        if (st->n == 0) {
            continue;
        }
        /* MySQL: one element per uuid, tags inside it */
        if (i == 0 || strcmp(set->s[i - 1].uuid, st->uuid) != 0) {
            geoha_buf_printf(&b, "%s%s", first ? "" : ",", st->uuid);
        }
        if (st->tag[0] != '\0') {
            geoha_buf_printf(&b, ":%s", st->tag);
        }
        for (size_t k = 0; k < st->n; k++) {
            if (st->r[k].lo == st->r[k].hi) {
                geoha_buf_printf(&b, ":%llu", (unsigned long long)st->r[k].lo);
            } else {
                geoha_buf_printf(&b, ":%llu-%llu",
                                 (unsigned long long)st->r[k].lo,
                                 (unsigned long long)st->r[k].hi);
            }
        }
        first = false;
    }
    rc = b.error;
    if (rc != 0) {
        geoha_buf_clear(&b);
        return rc;
    }
    *out = geoha_buf_steal(&b);
    return 0;
}

/* The highest sequence number of domain d in a MariaDB set (0: none). */
static uint64_t
domain_max(const struct geoha_gtid_set *set, uint32_t d, uint32_t *server)
{
    uint64_t max = 0;

    for (size_t i = 0; i < set->n; i++) {
        const struct stream *st = &set->s[i];

        if (st->domain == d && st->n > 0 && st->r[st->n - 1].hi > max) {
            max = st->r[st->n - 1].hi;
            if (server != NULL) {
                *server = st->server;
            }
        }
    }
    return max;
}

int
geoha_gtid_pos_reached(const struct geoha_gtid_set *pos,
                       const struct geoha_gtid_set *target, bool *out)
{
    enum geoha_gtid_flavour f;
    int rc = compatible(pos, target, &f);

    if (rc != 0 || out == NULL) {
        return rc != 0 ? rc : -EINVAL;
    }
    if (f != GEOHA_GTID_MARIADB) {
        return geoha_gtid_set_subset(target, pos, out);
    }
    for (size_t i = 0; i < target->n; i++) {
        uint32_t d = target->s[i].domain;

        if (domain_max(target, d, NULL) > domain_max(pos, d, NULL)) {
            *out = false;
            return 0;
        }
    }
    *out = true;
    return 0;
}

static int
copy_into(struct geoha_gtid_set *dst, const struct geoha_gtid_set *src)
{
    for (size_t i = 0; i < src->n; i++) {
        struct stream *st = NULL;
        int rc = find_stream(dst, &src->s[i], true, &st);

        for (size_t k = 0; rc == 0 && k < src->s[i].n; k++) {
            rc = stream_add(dst, st, src->s[i].r[k].lo, src->s[i].r[k].hi);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int
geoha_gtid_pos_merge(const struct geoha_gtid_set *a,
                     const struct geoha_gtid_set *b,
                     struct geoha_gtid_set **out)
{
    struct geoha_gtid_set *m = NULL;
    enum geoha_gtid_flavour f;
    int rc = compatible(a, b, &f);

    if (rc != 0 || out == NULL) {
        return rc != 0 ? rc : -EINVAL;
    }
    m = set_new(f);
    if (m == NULL) {
        return -ENOMEM;
    }
    if (f != GEOHA_GTID_MARIADB) {
        rc = copy_into(m, a);
        if (rc == 0) {
            rc = copy_into(m, b);
        }
    } else {
        const struct geoha_gtid_set *both[2] = { a, b };

        for (int s = 0; s < 2 && rc == 0; s++) {
            for (size_t i = 0; i < both[s]->n && rc == 0; i++) {
                struct stream key;
                uint32_t d = both[s]->s[i].domain, server = 0;
                uint64_t max;
                struct stream *have = NULL;

                memset(&key, 0, sizeof(key));
                key.domain = d;
                /* already merged this domain? */
                for (size_t k = 0; k < m->n; k++) {
                    if (m->s[k].domain == d) {
                        have = &m->s[k];
                    }
                }
                if (have != NULL) {
                    continue;
                }
                {
                    uint32_t sa = 0, sb = 0;
                    uint64_t ma = domain_max(a, d, &sa);
                    uint64_t mb = domain_max(b, d, &sb);

                    max = ma >= mb ? ma : mb;
                    server = ma >= mb ? sa : sb;
                }
                key.server = server;
                if (max == 0) {
                    rc = find_stream(m, &key, true, &have);
                } else {
                    rc = set_add(m, &key, 1, max);
                }
            }
        }
    }
    if (rc != 0) {
        geoha_gtid_set_free(m);
        return rc;
    }
    *out = m;
    return 0;
}

int
geoha_gtid_text_subset(const char *a, const char *b, bool *out)
{
    struct geoha_gtid_set *sa = NULL, *sb = NULL;
    int rc;

    rc = geoha_gtid_set_parse(a, GEOHA_GTID_ANY, &sa);
    if (rc == 0) {
        rc = geoha_gtid_set_parse(b, GEOHA_GTID_ANY, &sb);
    }
    if (rc == 0) {
        rc = geoha_gtid_set_subset(sa, sb, out);
    }
    geoha_gtid_set_free(sa);
    geoha_gtid_set_free(sb);
    return rc;
}
